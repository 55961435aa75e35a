/* lc-recorder-finalize.c — lc_recorder_finalize_file(): turns the fragmented
 * part file of a live recording (complete or cut short by a crash) into one
 * playable faststart MP4 carrying the lesson's metadata.
 *
 *   filesrc ─ qtdemux ─┬─ queue (H.264, avc3) ─┐
 *                      └─ queue (Opus) ────────┴─ mp4mux faststart ─ filesink <final>.tmp
 *
 * qtdemux reads a fragmented file moof by moof and needs no mfra, so a part
 * file whose last fragment was cut off finalises up to its last complete
 * fragment. avc3 (SPS/PPS in band) keeps every resolution the publisher sent
 * decodable from one sample description. The muxer's tags come from a
 * GstTagList set through GstTagSetter (the part file's own tags are ignored).
 * The faststart scratch file lives next to the output, not in /tmp.
 *
 * The output is written as <final>.tmp, fsync'd and renamed over <final>
 * (then the directory is fsync'd): a reader never sees a partial final file.
 * The SHA-256 is computed by streaming the final file through EVP_Digest* in
 * 1 MiB chunks. Progress: 0–85 % by bytes of the part file read, 90 % once
 * the file is in place, 90–99 % while hashing, 100 % at the end.
 *
 * Runs synchronously on the calling thread (the recorder's worker): it waits
 * on its own pipeline's bus with gst_bus_timed_pop_filtered, so it needs no
 * main context.
 */
#include "recorder/lc-recorder.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <openssl/evp.h>

#include "common/lc-error.h"

GST_DEBUG_CATEGORY_STATIC (lc_finalize_debug);
#define GST_CAT_DEFAULT lc_finalize_debug

#define HASH_CHUNK (1024 * 1024)
#define POLL_INTERVAL (100 * GST_MSECOND)
#define PROGRESS_REMUX_END 85
#define PROGRESS_IN_PLACE 90
#define PROGRESS_HASH_END 99

typedef struct
{
  GstElement *pipeline;
  GstElement *mux;
  LcProgressFunc progress;
  gpointer progress_data;
  int last_percent;
  gint64 total_bytes;

  GMutex lock; /* the fields below: written on streaming threads */
  gint64 bytes_read;
  GstClockTime first_ts, end_ts;
  char *video_codec, *audio_codec;
  char *link_error;
} Remux;

static void
report (Remux *remux, int percent)
{
  if (remux->progress == NULL || percent <= remux->last_percent)
    return;
  remux->last_percent = percent;
  remux->progress (percent, remux->progress_data);
}

/* ---- the remux pipeline ---- */

/* How far qtdemux has read the part file (pull mode: each range it pulls). */
static GstPadProbeReturn
on_source_data (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Remux *remux = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  gint64 end;

  if (buffer == NULL)
    return GST_PAD_PROBE_OK;
  end = (gint64)(GST_BUFFER_OFFSET_IS_VALID (buffer) ? GST_BUFFER_OFFSET (buffer) : info->offset)
        + (gint64)gst_buffer_get_size (buffer);
  g_mutex_lock (&remux->lock);
  if (end > remux->bytes_read)
    remux->bytes_read = end;
  g_mutex_unlock (&remux->lock);
  return GST_PAD_PROBE_OK;
}

/* The span of the media that reaches the muxer (its duration). */
static GstPadProbeReturn
on_media_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Remux *remux = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime ts = GST_BUFFER_PTS (buffer);
  GstClockTime end;

  if (!GST_CLOCK_TIME_IS_VALID (ts))
    return GST_PAD_PROBE_OK;
  end = ts + (GST_BUFFER_DURATION_IS_VALID (buffer) ? GST_BUFFER_DURATION (buffer) : 0);
  g_mutex_lock (&remux->lock);
  if (!GST_CLOCK_TIME_IS_VALID (remux->first_ts) || ts < remux->first_ts)
    remux->first_ts = ts;
  if (!GST_CLOCK_TIME_IS_VALID (remux->end_ts) || end > remux->end_ts)
    remux->end_ts = end;
  g_mutex_unlock (&remux->lock);
  return GST_PAD_PROBE_OK;
}

static void
set_link_error (Remux *remux, const char *message)
{
  g_mutex_lock (&remux->lock);
  if (remux->link_error == NULL)
    remux->link_error = g_strdup (message);
  g_mutex_unlock (&remux->lock);
}

/* qtdemux exposes its tracks (streaming thread, before any data flows):
 * H.264 and Opus go to the muxer; anything else is left unlinked. */
static void
on_demux_pad_added (GstElement *demux, GstPad *pad, gpointer user_data)
{
  Remux *remux = user_data;
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  GstStructure *s;
  const char *name;
  gboolean video;
  GstElement *queue;
  g_autoptr (GstPad) mux_pad = NULL;
  g_autoptr (GstPad) src_pad = NULL;
  g_autoptr (GstPad) sink_pad = NULL;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  if (caps == NULL || gst_caps_is_empty (caps))
    return;
  s = gst_caps_get_structure (caps, 0);
  name = gst_structure_get_name (s);
  if (g_str_equal (name, "video/x-h264"))
    video = TRUE;
  else if (g_str_equal (name, "audio/x-opus"))
    video = FALSE;
  else
    {
      GST_WARNING ("finalize: ignoring a %s track", name);
      return;
    }

  g_mutex_lock (&remux->lock);
  if ((video && remux->video_codec != NULL) || (!video && remux->audio_codec != NULL))
    {
      g_mutex_unlock (&remux->lock);
      GST_WARNING ("finalize: ignoring a second %s track", video ? "video" : "audio");
      return;
    }
  if (video)
    remux->video_codec = g_strdup ("h264");
  else
    remux->audio_codec = g_strdup ("opus");
  g_mutex_unlock (&remux->lock);

  /* No parser: the samples are already H.264 access units with SPS/PPS in
   * band (avc3) and Opus packets; parsing them again doubled the CPU time. */
  queue = gst_element_factory_make ("queue", NULL);
  if (queue == NULL)
    {
      set_link_error (remux, "the GStreamer element queue is missing");
      return;
    }
  /* Bounded by time only: the muxer interleaves the tracks. */
  g_object_set (queue, "max-size-bytes", 0, "max-size-buffers", 0, "max-size-time",
                (guint64)5 * GST_SECOND, NULL);
  gst_bin_add (GST_BIN (remux->pipeline), queue);
  mux_pad = gst_element_request_pad_simple (remux->mux, video ? "video_%u" : "audio_%u");
  src_pad = gst_element_get_static_pad (queue, "src");
  if (mux_pad == NULL || gst_pad_link (src_pad, mux_pad) != GST_PAD_LINK_OK)
    {
      set_link_error (remux, "the muxer refused a track");
      return;
    }
  gst_pad_add_probe (mux_pad, GST_PAD_PROBE_TYPE_BUFFER, on_media_buffer, remux, NULL);
  gst_element_sync_state_with_parent (queue);
  sink_pad = gst_element_get_static_pad (queue, "sink");
  if (gst_pad_link (pad, sink_pad) != GST_PAD_LINK_OK)
    set_link_error (remux, "cannot link a track of the part file");
}

static GstTagList *
tags_from_meta (const LcRecordingMeta *meta)
{
  GstTagList *tags = gst_tag_list_new_empty ();
  g_autoptr (GString) description = g_string_new (NULL);

  if (meta == NULL)
    return tags;
  if (meta->title != NULL)
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_TITLE, meta->title, NULL);
  /* The artist is the teacher when they consented to be named, else the school. */
  if (meta->teacher != NULL || meta->school != NULL)
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_ARTIST,
                      meta->teacher != NULL ? meta->teacher : meta->school, NULL);
  if (meta->school != NULL)
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_ALBUM, meta->school,
                      GST_TAG_ALBUM_ARTIST, meta->school, GST_TAG_ORGANIZATION, meta->school,
                      NULL);
  if (meta->subject != NULL)
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_GENRE, meta->subject, NULL);
  if (meta->starts_at > 0)
    {
      g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (meta->starts_at);

      if (utc != NULL)
        {
          g_autoptr (GstDateTime) start = gst_date_time_new_from_g_date_time (
              g_date_time_ref (utc));
          g_autoptr (GDate) date = g_date_new_dmy ((GDateDay)g_date_time_get_day_of_month (utc),
                                                   (GDateMonth)g_date_time_get_month (utc),
                                                   (GDateYear)g_date_time_get_year (utc));

          gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_DATE_TIME, start, GST_TAG_DATE,
                            date, NULL);
        }
    }

  /* "Математика · Школа № 57 · Анна Петровна · 2027-01-15 09:00–09:45 UTC" */
  if (meta->subject != NULL)
    g_string_append (description, meta->subject);
  if (meta->school != NULL)
    g_string_append_printf (description, "%s%s", description->len > 0 ? " · " : "",
                            meta->school);
  if (meta->teacher != NULL)
    g_string_append_printf (description, "%s%s", description->len > 0 ? " · " : "",
                            meta->teacher);
  if (meta->starts_at > 0 && meta->ends_at > meta->starts_at)
    {
      g_autoptr (GDateTime) from = g_date_time_new_from_unix_utc (meta->starts_at);
      g_autoptr (GDateTime) to = g_date_time_new_from_unix_utc (meta->ends_at);

      if (from != NULL && to != NULL)
        {
          g_autofree char *a = g_date_time_format (from, "%Y-%m-%d %H:%M");
          g_autofree char *b = g_date_time_format (to, "%H:%M");

          g_string_append_printf (description, "%s%s–%s UTC", description->len > 0 ? " · " : "",
                                  a, b);
        }
    }
  if (description->len > 0)
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_COMMENT, description->str,
                      GST_TAG_DESCRIPTION, description->str, NULL);
  gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_ENCODER, "lessoncast " LC_VERSION, NULL);
  return tags;
}

static GstElement *
make_element (const char *factory, GError **error)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  if (element == NULL)
    lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL,
                  "finalize: the GStreamer element %s is missing", factory);
  return element;
}

/* Run the remux into tmp_path. */
static gboolean
run_remux (Remux *remux, const char *part_path, const char *tmp_path, const char *scratch_path,
           const LcRecordingMeta *meta, GError **error)
{
  g_autoptr (GstElement) pipeline = gst_pipeline_new ("lc-finalize");
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstTagList) tags = NULL;
  g_autoptr (GstPad) src_pad = NULL;
  GstElement *src, *demux, *mux, *sink;
  gboolean done = FALSE, ok = FALSE;

  src = make_element ("filesrc", error);
  demux = src != NULL ? make_element ("qtdemux", error) : NULL;
  mux = demux != NULL ? make_element ("mp4mux", error) : NULL;
  sink = mux != NULL ? make_element ("filesink", error) : NULL;
  if (sink == NULL)
    {
      g_clear_object (&src);
      g_clear_object (&demux);
      g_clear_object (&mux);
      return FALSE;
    }
  g_object_set (src, "location", part_path, NULL);
  g_object_set (mux, "faststart", TRUE, "faststart-file", scratch_path, NULL);
  g_object_set (sink, "location", tmp_path, "async", FALSE, NULL);
  tags = tags_from_meta (meta);
  /* Only our tags: the ones travelling with the part file's streams are dropped. */
  gst_tag_setter_set_tag_merge_mode (GST_TAG_SETTER (mux), GST_TAG_MERGE_KEEP_ALL);
  gst_tag_setter_merge_tags (GST_TAG_SETTER (mux), tags, GST_TAG_MERGE_REPLACE);

  gst_bin_add_many (GST_BIN (pipeline), src, demux, mux, sink, NULL);
  if (!gst_element_link (src, demux) || !gst_element_link (mux, sink))
    {
      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "finalize: cannot link the pipeline");
      return FALSE;
    }
  remux->pipeline = pipeline;
  remux->mux = mux;
  g_signal_connect (demux, "pad-added", G_CALLBACK (on_demux_pad_added), remux);
  src_pad = gst_element_get_static_pad (src, "src");
  gst_pad_add_probe (src_pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_PULL,
                     on_source_data, remux, NULL);

  bus = gst_element_get_bus (pipeline);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      /* The error message on the bus says why. */
      g_autoptr (GstMessage) message
          = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
      g_autoptr (GError) gst_error = NULL;

      if (message != NULL)
        gst_message_parse_error (message, &gst_error, NULL);
      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "finalize: cannot start: %s",
                    gst_error != NULL ? gst_error->message : "unknown error");
      gst_element_set_state (pipeline, GST_STATE_NULL);
      return FALSE;
    }

  while (!done)
    {
      g_autoptr (GstMessage) message
          = gst_bus_timed_pop_filtered (bus, POLL_INTERVAL, GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
      gint64 read;

      g_mutex_lock (&remux->lock);
      read = remux->bytes_read;
      if (remux->link_error != NULL)
        {
          lc_set_error (error, LC_ERROR_INTERNAL, NULL, "finalize: %s", remux->link_error);
          done = TRUE;
        }
      g_mutex_unlock (&remux->lock);
      if (remux->total_bytes > 0)
        report (remux, (int)(MIN (read, remux->total_bytes) * PROGRESS_REMUX_END
                             / remux->total_bytes));
      if (message == NULL || done)
        continue;
      if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS)
        ok = done = TRUE;
      else
        {
          g_autoptr (GError) gst_error = NULL;
          g_autofree char *debug = NULL;

          gst_message_parse_error (message, &gst_error, &debug);
          GST_WARNING ("finalize %s: %s (%s)", part_path, gst_error->message,
                       debug != NULL ? debug : "");
          if (g_error_matches (gst_error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT))
            lc_set_error (error, LC_ERROR_INTERNAL, NULL,
                          "disk full while writing the final recording file");
          else if (g_error_matches (gst_error, GST_STREAM_ERROR, GST_STREAM_ERROR_DEMUX)
                   || g_error_matches (gst_error, GST_STREAM_ERROR, GST_STREAM_ERROR_WRONG_TYPE)
                   || g_error_matches (gst_error, GST_STREAM_ERROR, GST_STREAM_ERROR_TYPE_NOT_FOUND))
            lc_set_error (error, LC_ERROR_INTERNAL, NULL,
                          "the recording file holds no playable media (%s)", gst_error->message);
          else
            lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot finalise the recording: %s",
                          gst_error->message);
          done = TRUE;
        }
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  remux->pipeline = NULL;
  remux->mux = NULL;
  return ok;
}

/* ---- files ---- */

static gboolean
fsync_path (const char *path, gboolean directory, GError **error)
{
  int fd = g_open (path, (directory ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC, 0);
  int saved;

  if (fd >= 0 && fsync (fd) == 0)
    {
      close (fd);
      return TRUE;
    }
  saved = errno;
  if (fd >= 0)
    close (fd);
  lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot sync %s: %s", path, g_strerror (saved));
  return FALSE;
}

/* SHA-256 (hex) and size of path, read in chunks; progress from..to. */
static char *
hash_file (const char *path, gint64 *size, Remux *remux, int from, int to, GError **error)
{
  g_autofree guint8 *chunk = g_malloc (HASH_CHUNK);
  EVP_MD_CTX *ctx = NULL;
  guint8 digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  struct stat st;
  gint64 done = 0;
  char *hex = NULL;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int saved = errno;

      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot read %s: %s", path,
                    g_strerror (saved));
      goto out;
    }
  ctx = EVP_MD_CTX_new ();
  if (ctx == NULL || EVP_DigestInit_ex (ctx, EVP_sha256 (), NULL) != 1)
    {
      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "SHA-256 is not available");
      goto out;
    }
  for (;;)
    {
      ssize_t n = read (fd, chunk, HASH_CHUNK);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot read %s: %s", path,
                        g_strerror (saved));
          goto out;
        }
      if (n == 0)
        break;
      if (EVP_DigestUpdate (ctx, chunk, (size_t)n) != 1)
        {
          lc_set_error (error, LC_ERROR_INTERNAL, NULL, "SHA-256 failed");
          goto out;
        }
      done += n;
      if (st.st_size > 0)
        report (remux, from + (int)(MIN (done, (gint64)st.st_size) * (to - from) / st.st_size));
    }
  if (EVP_DigestFinal_ex (ctx, digest, &digest_len) != 1)
    {
      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "SHA-256 failed");
      goto out;
    }
  hex = g_malloc (digest_len * 2 + 1);
  for (unsigned int i = 0; i < digest_len; i++)
    g_snprintf (hex + 2 * i, 3, "%02x", digest[i]);
  *size = done;

out:
  EVP_MD_CTX_free (ctx);
  if (fd >= 0)
    close (fd);
  return hex;
}

gboolean
lc_recorder_finalize_file (const char *part_path, const char *final_path,
                           const LcRecordingMeta *meta, LcProgressFunc progress,
                           gpointer progress_data, gint64 *duration_ns, gint64 *size,
                           char **video_codec, char **audio_codec, char **sha256_hex,
                           GError **error)
{
  g_autofree char *tmp_path = NULL;
  g_autofree char *scratch_path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *hex = NULL;
  Remux remux = { 0 };
  struct stat st;
  gint64 final_size = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (part_path != NULL && final_path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!gst_is_initialized () && !gst_init_check (NULL, NULL, error))
    return FALSE;
  {
    static gsize once = 0;

    if (g_once_init_enter (&once))
      {
        GST_DEBUG_CATEGORY_INIT (lc_finalize_debug, "lc-finalize", 0,
                                 "lessoncast recording finalizer");
        g_once_init_leave (&once, 1);
      }
  }

  if (g_stat (part_path, &st) != 0)
    {
      int saved = errno;

      if (saved == ENOENT)
        lc_set_error (error, LC_ERROR_NOT_FOUND, NULL, "the recording file is missing");
      else
        lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot examine the recording file: %s",
                      g_strerror (saved));
      return FALSE;
    }
  if (st.st_size == 0)
    {
      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "the recording file is empty");
      return FALSE;
    }

  remux.progress = progress;
  remux.progress_data = progress_data;
  remux.last_percent = -1;
  remux.total_bytes = st.st_size;
  remux.first_ts = remux.end_ts = GST_CLOCK_TIME_NONE;
  g_mutex_init (&remux.lock);
  tmp_path = g_strconcat (final_path, ".tmp", NULL);
  scratch_path = g_strconcat (final_path, ".faststart", NULL);
  dir = g_path_get_dirname (final_path);
  report (&remux, 0);

  if (!run_remux (&remux, part_path, tmp_path, scratch_path, meta, error))
    goto out;
  if (remux.video_codec == NULL && remux.audio_codec == NULL)
    {
      lc_set_error (error, LC_ERROR_INTERNAL, NULL,
                    "the recording file holds no H.264 or Opus media");
      goto out;
    }
  if (!GST_CLOCK_TIME_IS_VALID (remux.first_ts) || remux.end_ts <= remux.first_ts)
    {
      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "the recording file holds no media samples");
      goto out;
    }
  report (&remux, PROGRESS_REMUX_END);

  /* In place, atomically. */
  if (!fsync_path (tmp_path, FALSE, error))
    goto out;
  if (g_rename (tmp_path, final_path) != 0)
    {
      int saved = errno;

      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot move the final recording in place: %s",
                    g_strerror (saved));
      goto out;
    }
  if (!fsync_path (dir, TRUE, error))
    goto out;
  report (&remux, PROGRESS_IN_PLACE);

  hex = hash_file (final_path, &final_size, &remux, PROGRESS_IN_PLACE, PROGRESS_HASH_END, error);
  if (hex == NULL)
    goto out;
  report (&remux, 100);

  if (duration_ns != NULL)
    *duration_ns = (gint64)(remux.end_ts - remux.first_ts);
  if (size != NULL)
    *size = final_size;
  if (video_codec != NULL)
    *video_codec = g_steal_pointer (&remux.video_codec);
  if (audio_codec != NULL)
    *audio_codec = g_steal_pointer (&remux.audio_codec);
  if (sha256_hex != NULL)
    *sha256_hex = g_steal_pointer (&hex);
  ok = TRUE;

out:
  g_unlink (tmp_path);
  g_unlink (scratch_path);
  g_free (remux.video_codec);
  g_free (remux.audio_codec);
  g_free (remux.link_error);
  g_mutex_clear (&remux.lock);
  return ok;
}
