/* lc-recorder-finalize.c — lc_recorder_finalize_file(): turns the fragmented
 * part file of a live recording (complete or cut short by a crash) into one
 * playable faststart MP4 (ftyp, moov, mdat) carrying the lesson's metadata.
 *
 * Fast path (rewrite_part, below): a box-level rewrite of our own mp4mux
 * output — the sample tables are built from the moof/trun boxes, the sample
 * descriptions copied, the samples copied in their original interleaving,
 * one sequential read and one write hashed on the way. A 45-minute lesson
 * finalises in about a second; no sample is parsed or re-encoded.
 *
 * Fallback, for a part file the rewrite does not understand:
 *
 *   filesrc ─ qtdemux ─┬─ queue (H.264, avc3) ─┐
 *                      └─ queue (Opus) ────────┴─ mp4mux faststart ─ filesink <final>.tmp
 *
 * qtdemux reads a fragmented file moof by moof and needs no mfra; the muxer's
 * tags come from a GstTagList set through GstTagSetter; the faststart scratch
 * file lives next to the output, not in /tmp. It took 3–7 s for 45 minutes on
 * a busy 2-core machine (thread hand-offs per sample), hence the fast path.
 *
 * Both write <final>.tmp, fsync it and rename it over <final> (then fsync the
 * directory): a reader never sees a partial final file. SHA-256 through
 * OpenSSL EVP_Digest* while writing (fast path) or by streaming the file in
 * 1 MiB chunks (fallback). A sample cut off by a crash ends its track there.
 * H.264 stays avc3 (SPS/PPS in band): every resolution the publisher sent
 * decodes from the one sample description.
 *
 * Runs synchronously on the calling thread (the recorder's worker; progress
 * reported there too) and needs no main context.
 */
#include "recorder/lc-recorder.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
/* The library functions: the inline ones read unaligned words (UBSan). */
#define GST_BYTE_READER_DISABLE_INLINES
#include <gst/base/gstbytereader.h>
#include <openssl/evp.h>

#include "common/lc-error.h"

GST_DEBUG_CATEGORY_STATIC (lc_finalize_debug);
#define GST_CAT_DEFAULT lc_finalize_debug

#define HASH_CHUNK (1024 * 1024)
#define POLL_INTERVAL (100 * GST_MSECOND)
#define PROGRESS_REMUX_END 95
#define PROGRESS_IN_PLACE 97
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

/* The comment/description tag: "Математика · Школа № 57 · Анна Петровна ·
 * 2027-01-15 08:00–08:45 UTC" (NULL when there is nothing to say). */
static char *
describe_meta (const LcRecordingMeta *meta)
{
  g_autoptr (GString) description = g_string_new (NULL);

  if (meta == NULL)
    return NULL;
  if (meta->subject != NULL)
    g_string_append (description, meta->subject);
  if (meta->school != NULL)
    g_string_append_printf (description, "%s%s", description->len > 0 ? " · " : "", meta->school);
  if (meta->teacher != NULL)
    g_string_append_printf (description, "%s%s", description->len > 0 ? " · " : "", meta->teacher);
  if (meta->starts_at > 0 && meta->ends_at > meta->starts_at)
    {
      g_autoptr (GDateTime) from = g_date_time_new_from_unix_utc (meta->starts_at);
      g_autoptr (GDateTime) to = g_date_time_new_from_unix_utc (meta->ends_at);

      if (from != NULL && to != NULL)
        {
          g_autofree char *a = g_date_time_format (from, "%Y-%m-%d %H:%M");
          g_autofree char *b = g_date_time_format (to, "%H:%M");

          g_string_append_printf (description, "%s%s–%s UTC", description->len > 0 ? " · " : "", a,
                                  b);
        }
    }
  return description->len > 0 ? g_string_free (g_steal_pointer (&description), FALSE) : NULL;
}

static GstTagList *
tags_from_meta (const LcRecordingMeta *meta)
{
  GstTagList *tags = gst_tag_list_new_empty ();
  g_autofree char *description = describe_meta (meta);

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
                      GST_TAG_ALBUM_ARTIST, meta->school, GST_TAG_ORGANIZATION, meta->school, NULL);
  if (meta->subject != NULL)
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_GENRE, meta->subject, NULL);
  if (meta->starts_at > 0)
    {
      g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (meta->starts_at);

      if (utc != NULL)
        {
          g_autoptr (GstDateTime) start
              = gst_date_time_new_from_g_date_time (g_date_time_ref (utc));
          g_autoptr (GDate) date = g_date_new_dmy ((GDateDay)g_date_time_get_day_of_month (utc),
                                                   (GDateMonth)g_date_time_get_month (utc),
                                                   (GDateYear)g_date_time_get_year (utc));

          gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_DATE_TIME, start, GST_TAG_DATE,
                            date, NULL);
        }
    }

  if (description != NULL)
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_COMMENT, description,
                      GST_TAG_DESCRIPTION, description, NULL);
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
  gst_pad_add_probe (src_pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_PULL, on_source_data,
                     remux, NULL);

  bus = gst_element_get_bus (pipeline);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      /* The error message on the bus says why. */
      g_autoptr (GstMessage) message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
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
        report (remux,
                (int)(MIN (read, remux->total_bytes) * PROGRESS_REMUX_END / remux->total_bytes));
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
                   || g_error_matches (gst_error, GST_STREAM_ERROR,
                                       GST_STREAM_ERROR_TYPE_NOT_FOUND))
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

      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot read %s: %s", path, g_strerror (saved));
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

/* ---- the fast path: a box-level rewrite ----
 *
 * The part file is our own mp4mux output: ftyp, an init moov (sample
 * descriptions, trex defaults), then moof/mdat pairs, one track per moof.
 * The final file is ftyp, a full moov (stts/ctts/stss/stsc/stsz/stco built
 * from the truns, the sample descriptions copied, our tags in udta/meta/ilst)
 * and one mdat holding the same samples in the same order. No sample is
 * parsed: the I/O is one sequential read and one write, hashed on the way,
 * which keeps a 45-minute lesson within about a second (the GStreamer remux
 * below took 3–7 s on a busy 2-core machine). Every read is bounds-checked;
 * a sample cut by a crash (past the end of the file) ends its track there.
 * Whatever this parser does not understand falls back to the remux. */

#define MAX_HEADER_BOX (64 * 1024 * 1024) /* moov, moof */
#define MAX_TRACKS 8
#define COPY_BLOCK (4 * 1024 * 1024)
#define WRITE_BUFFER (1024 * 1024)
#define PROGRESS_COPY_END 95

/* Seconds from 1904-01-01 (the MP4 epoch) to 1970-01-01. */
#define MP4_EPOCH_OFFSET G_GUINT64_CONSTANT (2082844800)

typedef struct
{
  guint64 offset; /* in the part file */
  guint32 size;
  guint32 duration;
  gint32 cto; /* composition time offset */
  gboolean sync;
} Sample;

typedef struct
{
  guint64 src; /* offset in the part file */
  guint64 size;
  guint32 n_samples;
  guint32 track;
  guint64 dst; /* offset in the final file */
} Chunk;

typedef struct
{
  guint32 id;
  guint32 timescale;
  guint16 language;
  guint32 width, height; /* 16.16, from tkhd */
  gboolean audio;
  GBytes *hdlr, *media_header, *dinf, *stsd; /* whole boxes, copied as they are */
  char *codec;
  guint32 def_duration, def_size, def_flags; /* trex */
  guint64 next_dts;
  guint64 first_dts;
  gboolean started;
  gboolean ended;  /* a sample was cut: nothing after it */
  GArray *samples; /* Sample */
  GArray *chunks;  /* Chunk */
  gboolean has_cto, negative_cto, has_non_sync;
} Track;

typedef struct
{
  int fd;
  guint64 file_size;
  guint32 movie_timescale;
  Track tracks[MAX_TRACKS];
  guint n_tracks;
} Parsed;

static void
parsed_clear (Parsed *parsed)
{
  for (guint i = 0; i < parsed->n_tracks; i++)
    {
      Track *track = &parsed->tracks[i];

      g_clear_pointer (&track->hdlr, g_bytes_unref);
      g_clear_pointer (&track->media_header, g_bytes_unref);
      g_clear_pointer (&track->dinf, g_bytes_unref);
      g_clear_pointer (&track->stsd, g_bytes_unref);
      g_clear_pointer (&track->samples, g_array_unref);
      g_clear_pointer (&track->chunks, g_array_unref);
      g_clear_pointer (&track->codec, g_free);
    }
  parsed->n_tracks = 0;
}

/* A structural problem: the caller falls back to the GStreamer remux. */
static gboolean
unsupported (GError **error, const char *what)
{
  lc_set_error (error, LC_ERROR_MALFORMED, NULL, "part file: %s", what);
  return FALSE;
}

static gboolean
read_exact (int fd, guint64 offset, guint8 *data, gsize len, GError **error)
{
  gsize done = 0;

  while (done < len)
    {
      ssize_t n = pread (fd, data + done, len - done, (off_t)(offset + done));

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot read the recording file: %s",
                        n < 0 ? g_strerror (errno) : "unexpected end of file");
          return FALSE;
        }
      done += (gsize)n;
    }
  return TRUE;
}

/* Byte-order helpers that never do an unaligned access (GStreamer's
 * GST_READ_* macros do on x86, which UBSan reports). */
static guint32
be32 (const guint8 *p)
{
  return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

static guint64
be64 (const guint8 *p)
{
  return (guint64)be32 (p) << 32 | be32 (p + 4);
}

static guint32
le32 (const guint8 *p)
{
  return (guint32)p[3] << 24 | (guint32)p[2] << 16 | (guint32)p[1] << 8 | p[0];
}

static void
set_be32 (guint8 *p, guint32 v)
{
  p[0] = (guint8)(v >> 24);
  p[1] = (guint8)(v >> 16);
  p[2] = (guint8)(v >> 8);
  p[3] = (guint8)v;
}

static void
set_be64 (guint8 *p, guint64 v)
{
  set_be32 (p, (guint32)(v >> 32));
  set_be32 (p + 4, (guint32)v);
}

/* The next box inside reader: its type, its payload (a sub-reader) and the
 * whole box (header included). FALSE at the end or on a box that does not fit. */
static gboolean
next_box (GstByteReader *reader, guint32 *type, GstByteReader *payload, const guint8 **box,
          guint *box_len)
{
  guint available = gst_byte_reader_get_remaining (reader);
  const guint8 *head;
  guint64 size;
  guint header = 8;

  if (!gst_byte_reader_peek_data (reader, 8, &head))
    return FALSE;
  size = be32 (head);
  *type = le32 (head + 4);
  if (size == 1)
    {
      if (!gst_byte_reader_peek_data (reader, 16, &head))
        return FALSE;
      size = be64 (head + 8);
      header = 16;
    }
  else if (size == 0)
    size = available;
  if (size < header || size > available)
    return FALSE;
  gst_byte_reader_get_data (reader, (guint)size, &head);
  gst_byte_reader_init (payload, head + header, (guint)size - header);
  if (box != NULL)
    *box = head;
  if (box_len != NULL)
    *box_len = (guint)size;
  return TRUE;
}

#define FOURCC(a, b, c, d) GST_MAKE_FOURCC (a, b, c, d)

/* The first child of type inside reader (a copy of the reader is scanned). */
static gboolean
find_box (const GstByteReader *reader, guint32 wanted, GstByteReader *payload, const guint8 **box,
          guint *box_len)
{
  GstByteReader scan = *reader;
  guint32 type;
  GstByteReader inner;
  const guint8 *data;
  guint len;

  while (next_box (&scan, &type, &inner, &data, &len))
    if (type == wanted)
      {
        *payload = inner;
        if (box != NULL)
          *box = data;
        if (box_len != NULL)
          *box_len = len;
        return TRUE;
      }
  return FALSE;
}

static const char *
codec_of_stsd (GBytes *stsd)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (stsd, &len);
  guint32 fourcc;

  /* header 8, version/flags 4, entry count 4, then the first entry: size 4, type 4. */
  if (len < 24)
    return NULL;
  fourcc = le32 (data + 20);
  if (fourcc == FOURCC ('a', 'v', 'c', '1') || fourcc == FOURCC ('a', 'v', 'c', '3'))
    return "h264";
  if (fourcc == FOURCC ('O', 'p', 'u', 's'))
    return "opus";
  if (fourcc == FOURCC ('m', 'p', '4', 'a'))
    return "aac";
  return NULL;
}

static gboolean
parse_trak (Parsed *parsed, const GstByteReader *trak, GError **error)
{
  GstByteReader tkhd, mdia, mdhd, hdlr, minf, stbl, stsd, media_header, dinf;
  const guint8 *box;
  guint box_len;
  Track *track;
  guint8 version;
  guint32 handler = 0;

  if (parsed->n_tracks >= MAX_TRACKS)
    return unsupported (error, "too many tracks");
  /* Counted at once: parsed_clear frees what a failed parse left. */
  track = &parsed->tracks[parsed->n_tracks++];
  if (!find_box (trak, FOURCC ('t', 'k', 'h', 'd'), &tkhd, NULL, NULL)
      || !find_box (trak, FOURCC ('m', 'd', 'i', 'a'), &mdia, NULL, NULL)
      || !find_box (&mdia, FOURCC ('m', 'd', 'h', 'd'), &mdhd, NULL, NULL)
      || !find_box (&mdia, FOURCC ('m', 'i', 'n', 'f'), &minf, NULL, NULL)
      || !find_box (&minf, FOURCC ('s', 't', 'b', 'l'), &stbl, NULL, NULL))
    return unsupported (error, "a track lacks its headers");

  /* tkhd: version, flags, times, track_ID, …, width and height last. */
  if (!gst_byte_reader_peek_uint8 (&tkhd, &version)
      || !gst_byte_reader_skip (&tkhd, version == 1 ? 4 + 16 : 4 + 8)
      || !gst_byte_reader_get_uint32_be (&tkhd, &track->id)
      || gst_byte_reader_get_remaining (&tkhd) < 8)
    return unsupported (error, "a bad tkhd");
  gst_byte_reader_set_pos (&tkhd, gst_byte_reader_get_size (&tkhd) - 8);
  gst_byte_reader_get_uint32_be (&tkhd, &track->width);
  gst_byte_reader_get_uint32_be (&tkhd, &track->height);

  if (!gst_byte_reader_peek_uint8 (&mdhd, &version)
      || !gst_byte_reader_skip (&mdhd, version == 1 ? 4 + 16 : 4 + 8)
      || !gst_byte_reader_get_uint32_be (&mdhd, &track->timescale)
      || !gst_byte_reader_skip (&mdhd, version == 1 ? 8 : 4)
      || !gst_byte_reader_get_uint16_be (&mdhd, &track->language) || track->timescale == 0)
    return unsupported (error, "a bad mdhd");

  if (!find_box (&mdia, FOURCC ('h', 'd', 'l', 'r'), &hdlr, &box, &box_len)
      || !gst_byte_reader_skip (&hdlr, 8) || !gst_byte_reader_get_uint32_le (&hdlr, &handler))
    return unsupported (error, "a bad hdlr");
  track->hdlr = g_bytes_new (box, box_len);
  if (handler == FOURCC ('s', 'o', 'u', 'n'))
    track->audio = TRUE;
  else if (handler != FOURCC ('v', 'i', 'd', 'e'))
    return unsupported (error, "a track that is neither audio nor video");

  if (!find_box (&minf, track->audio ? FOURCC ('s', 'm', 'h', 'd') : FOURCC ('v', 'm', 'h', 'd'),
                 &media_header, &box, &box_len))
    return unsupported (error, "no media header");
  track->media_header = g_bytes_new (box, box_len);
  if (!find_box (&minf, FOURCC ('d', 'i', 'n', 'f'), &dinf, &box, &box_len))
    return unsupported (error, "no dinf");
  track->dinf = g_bytes_new (box, box_len);
  if (!find_box (&stbl, FOURCC ('s', 't', 's', 'd'), &stsd, &box, &box_len))
    return unsupported (error, "no stsd");
  track->stsd = g_bytes_new (box, box_len);
  track->codec = g_strdup (codec_of_stsd (track->stsd));
  if (track->codec == NULL)
    return unsupported (error, "a codec other than H.264, Opus or AAC");

  track->samples = g_array_new (FALSE, FALSE, sizeof (Sample));
  track->chunks = g_array_new (FALSE, FALSE, sizeof (Chunk));
  return TRUE;
}

static Track *
track_by_id (Parsed *parsed, guint32 id)
{
  for (guint i = 0; i < parsed->n_tracks; i++)
    if (parsed->tracks[i].id == id)
      return &parsed->tracks[i];
  return NULL;
}

static gboolean
parse_moov (Parsed *parsed, const guint8 *data, gsize len, GError **error)
{
  GstByteReader moov, child, mvhd, mvex;
  guint32 type;
  guint8 version;

  gst_byte_reader_init (&moov, data, (guint)len);
  if (!find_box (&moov, FOURCC ('m', 'v', 'h', 'd'), &mvhd, NULL, NULL)
      || !gst_byte_reader_peek_uint8 (&mvhd, &version)
      || !gst_byte_reader_skip (&mvhd, version == 1 ? 4 + 16 : 4 + 8)
      || !gst_byte_reader_get_uint32_be (&mvhd, &parsed->movie_timescale)
      || parsed->movie_timescale == 0)
    return unsupported (error, "a bad mvhd");
  if (!find_box (&moov, FOURCC ('m', 'v', 'e', 'x'), &mvex, NULL, NULL))
    return unsupported (error, "not fragmented");

  while (next_box (&moov, &type, &child, NULL, NULL))
    if (type == FOURCC ('t', 'r', 'a', 'k') && !parse_trak (parsed, &child, error))
      return FALSE;
  if (parsed->n_tracks == 0)
    return unsupported (error, "no tracks");

  while (next_box (&mvex, &type, &child, NULL, NULL))
    {
      guint32 id, index;
      Track *track;

      if (type != FOURCC ('t', 'r', 'e', 'x'))
        continue;
      if (!gst_byte_reader_skip (&child, 4) || !gst_byte_reader_get_uint32_be (&child, &id))
        return unsupported (error, "a bad trex");
      track = track_by_id (parsed, id);
      if (track == NULL)
        continue;
      if (!gst_byte_reader_get_uint32_be (&child, &index)
          || !gst_byte_reader_get_uint32_be (&child, &track->def_duration)
          || !gst_byte_reader_get_uint32_be (&child, &track->def_size)
          || !gst_byte_reader_get_uint32_be (&child, &track->def_flags))
        return unsupported (error, "a bad trex");
    }
  return TRUE;
}

/* sample_is_non_sync_sample (ISO 14496-12 8.8.3.1). */
#define SAMPLE_NON_SYNC 0x00010000

static gboolean
parse_traf (Parsed *parsed, GstByteReader *traf, guint64 moof_offset, guint64 *data_end,
            GError **error)
{
  GstByteReader tfhd, tfdt, trun;
  guint32 type, tf_flags, id, duration, size, flags, value32;
  guint64 base, value64;
  guint8 version;
  Track *track;
  GstByteReader scan;
  gboolean have_base_offset = FALSE;

  if (!find_box (traf, FOURCC ('t', 'f', 'h', 'd'), &tfhd, NULL, NULL)
      || !gst_byte_reader_get_uint32_be (&tfhd, &tf_flags)
      || !gst_byte_reader_get_uint32_be (&tfhd, &id))
    return unsupported (error, "a bad tfhd");
  track = track_by_id (parsed, id);
  if (track == NULL)
    return unsupported (error, "a fragment of an unknown track");
  duration = track->def_duration;
  size = track->def_size;
  flags = track->def_flags;
  base = moof_offset;
  if (tf_flags & 0x000001)
    {
      if (!gst_byte_reader_get_uint64_be (&tfhd, &base))
        return unsupported (error, "a bad tfhd");
      have_base_offset = TRUE;
    }
  if ((tf_flags & 0x000002) && !gst_byte_reader_get_uint32_be (&tfhd, &value32))
    return unsupported (error, "a bad tfhd");
  if ((tf_flags & 0x000008) && !gst_byte_reader_get_uint32_be (&tfhd, &duration))
    return unsupported (error, "a bad tfhd");
  if ((tf_flags & 0x000010) && !gst_byte_reader_get_uint32_be (&tfhd, &size))
    return unsupported (error, "a bad tfhd");
  if ((tf_flags & 0x000020) && !gst_byte_reader_get_uint32_be (&tfhd, &flags))
    return unsupported (error, "a bad tfhd");
  /* Without a base offset or default-base-is-moof, later trafs follow the previous data. */
  if (!have_base_offset && !(tf_flags & 0x020000) && *data_end != 0)
    base = *data_end;

  if (find_box (traf, FOURCC ('t', 'f', 'd', 't'), &tfdt, NULL, NULL))
    {
      if (!gst_byte_reader_get_uint8 (&tfdt, &version) || !gst_byte_reader_skip (&tfdt, 3))
        return unsupported (error, "a bad tfdt");
      if (version == 1 ? !gst_byte_reader_get_uint64_be (&tfdt, &value64)
                       : !gst_byte_reader_get_uint32_be (&tfdt, &value32))
        return unsupported (error, "a bad tfdt");
      track->next_dts = version == 1 ? value64 : value32;
    }
  if (!track->started)
    {
      track->first_dts = track->next_dts;
      track->started = TRUE;
    }

  scan = *traf;
  while (next_box (&scan, &type, &trun, NULL, NULL))
    {
      guint32 tr_flags, count, first_flags = 0;
      gint32 data_offset = 0;
      guint64 offset;
      Chunk chunk = { 0 };

      if (type != FOURCC ('t', 'r', 'u', 'n'))
        continue;
      if (!gst_byte_reader_get_uint8 (&trun, &version)
          || !gst_byte_reader_get_uint24_be (&trun, &tr_flags)
          || !gst_byte_reader_get_uint32_be (&trun, &count))
        return unsupported (error, "a bad trun");
      if ((tr_flags & 0x001) && !gst_byte_reader_get_int32_be (&trun, &data_offset))
        return unsupported (error, "a bad trun");
      if ((tr_flags & 0x004) && !gst_byte_reader_get_uint32_be (&trun, &first_flags))
        return unsupported (error, "a bad trun");
      offset = (tr_flags & 0x001) ? base + (gint64)data_offset : (*data_end ? *data_end : base);
      chunk.src = offset;
      chunk.track = (guint32)(track - parsed->tracks);

      for (guint32 i = 0; i < count; i++)
        {
          Sample sample = { .offset = offset, .size = size, .duration = duration };
          guint32 sample_flags = (i == 0 && (tr_flags & 0x004)) ? first_flags : flags;

          if (((tr_flags & 0x100) && !gst_byte_reader_get_uint32_be (&trun, &sample.duration))
              || ((tr_flags & 0x200) && !gst_byte_reader_get_uint32_be (&trun, &sample.size))
              || ((tr_flags & 0x400) && !gst_byte_reader_get_uint32_be (&trun, &sample_flags))
              || ((tr_flags & 0x800) && !gst_byte_reader_get_int32_be (&trun, &sample.cto)))
            return unsupported (error, "a bad trun");
          sample.sync = !(sample_flags & SAMPLE_NON_SYNC);
          if (track->ended || offset > parsed->file_size
              || sample.size > parsed->file_size - offset)
            {
              /* Cut by a crash: the track ends before this sample. */
              track->ended = TRUE;
              break;
            }
          if (version == 0 && sample.cto < 0)
            return unsupported (error, "a composition offset past 2^31");
          track->has_cto |= sample.cto != 0;
          track->negative_cto |= sample.cto < 0;
          track->has_non_sync |= !sample.sync;
          g_array_append_val (track->samples, sample);
          chunk.n_samples++;
          chunk.size += sample.size;
          offset += sample.size;
          track->next_dts += sample.duration;
        }
      *data_end = offset;
      if (chunk.n_samples > 0)
        g_array_append_val (track->chunks, chunk);
    }
  return TRUE;
}

static gboolean
parse_moof (Parsed *parsed, const guint8 *data, gsize len, guint64 moof_offset, GError **error)
{
  GstByteReader moof, child;
  guint32 type;
  guint64 data_end = 0;

  gst_byte_reader_init (&moof, data, (guint)len);
  while (next_box (&moof, &type, &child, NULL, NULL))
    if (type == FOURCC ('t', 'r', 'a', 'f')
        && !parse_traf (parsed, &child, moof_offset, &data_end, error))
      return FALSE;
  return TRUE;
}

/* Walk the top-level boxes of the part file. */
static gboolean
parse_part (Parsed *parsed, GError **error)
{
  guint64 offset = 0;
  gboolean have_moov = FALSE;

  while (offset + 8 <= parsed->file_size)
    {
      guint8 header[16];
      guint64 size;
      guint32 type;
      guint header_len = 8;

      if (!read_exact (parsed->fd, offset, header, 8, error))
        return FALSE;
      size = be32 (header);
      type = le32 (header + 4);
      if (size == 1)
        {
          if (offset + 16 > parsed->file_size
              || !read_exact (parsed->fd, offset + 8, header + 8, 8, error))
            break;
          size = be64 (header + 8);
          header_len = 16;
        }
      else if (size == 0)
        size = parsed->file_size - offset;
      if (size < header_len)
        return unsupported (error, "a bad box size");
      if (size > parsed->file_size - offset)
        break; /* cut by a crash: samples already listed are checked one by one */

      if (type == FOURCC ('m', 'o', 'o', 'v') || type == FOURCC ('m', 'o', 'o', 'f'))
        {
          g_autofree guint8 *data = NULL;
          gsize len = size - header_len;

          if (size > MAX_HEADER_BOX)
            return unsupported (error, "a header box too large");
          if ((type == FOURCC ('m', 'o', 'o', 'f')) != have_moov)
            return unsupported (error, "boxes out of order");
          data = g_malloc (len);
          if (!read_exact (parsed->fd, offset + header_len, data, len, error))
            return FALSE;
          if (type == FOURCC ('m', 'o', 'o', 'v'))
            {
              if (!parse_moov (parsed, data, len, error))
                return FALSE;
              have_moov = TRUE;
            }
          else if (!parse_moof (parsed, data, len, offset, error))
            return FALSE;
        }
      offset += size;
    }
  if (!have_moov)
    return unsupported (error, "no moov");
  return TRUE;
}

/* ---- writing ---- */

typedef struct
{
  int fd;
  guint8 *buffer;
  gsize len;
  guint64 written;
  EVP_MD_CTX *md;
  int saved_errno; /* 0 unless a write failed */
} Out;

static gboolean
out_flush (Out *out)
{
  gsize done = 0;

  if (out->saved_errno != 0)
    return FALSE;
  while (done < out->len)
    {
      ssize_t n = write (out->fd, out->buffer + done, out->len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          out->saved_errno = errno;
          return FALSE;
        }
      done += (gsize)n;
    }
  out->len = 0;
  return TRUE;
}

static void
out_write (Out *out, const void *data, gsize len)
{
  const guint8 *bytes = data;

  if (out->saved_errno != 0)
    return;
  EVP_DigestUpdate (out->md, data, len);
  out->written += len;
  while (len > 0)
    {
      gsize n = MIN (len, WRITE_BUFFER - out->len);

      memcpy (out->buffer + out->len, bytes, n);
      out->len += n;
      bytes += n;
      len -= n;
      if (out->len == WRITE_BUFFER && !out_flush (out))
        return;
    }
}

/* Box building in a GByteArray. */
static void
put_u8 (GByteArray *b, guint8 v)
{
  g_byte_array_append (b, &v, 1);
}

static void
put_u16 (GByteArray *b, guint16 v)
{
  guint8 d[2] = { (guint8)(v >> 8), (guint8)v };

  g_byte_array_append (b, d, 2);
}

static void
put_u32 (GByteArray *b, guint32 v)
{
  guint8 d[4];

  set_be32 (d, v);
  g_byte_array_append (b, d, 4);
}

static void
put_u64 (GByteArray *b, guint64 v)
{
  guint8 d[8];

  set_be64 (d, v);
  g_byte_array_append (b, d, 8);
}

static void
put_zeros (GByteArray *b, guint n)
{
  for (guint i = 0; i < n; i++)
    put_u8 (b, 0);
}

static void
put_fourcc (GByteArray *b, const char *fourcc)
{
  g_byte_array_append (b, (const guint8 *)fourcc, 4);
}

static void
put_gbytes (GByteArray *b, GBytes *bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  g_byte_array_append (b, data, (guint)len);
}

/* Start a box; its size is patched by box_end. full: version/flags follow. */
static guint
box_begin (GByteArray *b, const char *type, int version, guint32 flags)
{
  guint start = b->len;

  put_u32 (b, 0);
  put_fourcc (b, type);
  if (version >= 0)
    put_u32 (b, (guint32)version << 24 | (flags & 0xffffff));
  return start;
}

static void
box_end (GByteArray *b, guint start)
{
  set_be32 (b->data + start, b->len - start);
}

static void
put_matrix (GByteArray *b)
{
  static const guint32 identity[9] = { 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000 };

  for (guint i = 0; i < 9; i++)
    put_u32 (b, identity[i]);
}

/* One iTunes-style metadata item (ilst child with a UTF-8 data box). */
static void
put_tag (GByteArray *b, const char *type, const char *value)
{
  guint item, data;

  if (value == NULL || *value == '\0')
    return;
  item = box_begin (b, type, -1, 0);
  data = box_begin (b, "data", -1, 0);
  put_u32 (b, 1); /* well-known type: UTF-8 */
  put_u32 (b, 0); /* locale */
  g_byte_array_append (b, (const guint8 *)value, (guint)strlen (value));
  box_end (b, data);
  box_end (b, item);
}

static void
put_udta (GByteArray *b, const LcRecordingMeta *meta)
{
  g_autofree char *description = describe_meta (meta);
  g_autofree char *day = NULL;
  guint udta, m, hdlr, ilst;

  if (meta != NULL && meta->starts_at > 0)
    {
      g_autoptr (GDateTime) start = g_date_time_new_from_unix_utc (meta->starts_at);

      if (start != NULL)
        day = g_date_time_format (start, "%Y-%m-%dT%H:%M:%SZ");
    }
  udta = box_begin (b, "udta", -1, 0);
  m = box_begin (b, "meta", 0, 0);
  hdlr = box_begin (b, "hdlr", 0, 0);
  put_u32 (b, 0);
  put_fourcc (b, "mdir");
  put_fourcc (b, "appl");
  put_zeros (b, 8);
  put_u8 (b, 0); /* empty name */
  box_end (b, hdlr);
  ilst = box_begin (b, "ilst", -1, 0);
  if (meta != NULL)
    {
      put_tag (b, "\xa9nam", meta->title);
      put_tag (b,
               "\xa9"
               "ART",
               meta->teacher != NULL ? meta->teacher : meta->school);
      put_tag (b,
               "\xa9"
               "alb",
               meta->school);
      put_tag (b, "aART", meta->school);
      put_tag (b, "\xa9gen", meta->subject);
      put_tag (b,
               "\xa9"
               "day",
               day);
      put_tag (b,
               "\xa9"
               "cmt",
               description);
      put_tag (b, "desc", description);
    }
  put_tag (b, "\xa9too", "lessoncast " LC_VERSION);
  box_end (b, ilst);
  box_end (b, m);
  box_end (b, udta);
}

static void
put_stbl (GByteArray *b, const Track *track, gboolean co64)
{
  const Sample *s = (const Sample *)track->samples->data;
  const Chunk *c = (const Chunk *)track->chunks->data;
  guint n = track->samples->len;
  guint stbl, box, count_pos, count;

  stbl = box_begin (b, "stbl", -1, 0);
  put_gbytes (b, track->stsd);

  /* stts: runs of equal durations. */
  box = box_begin (b, "stts", 0, 0);
  count_pos = b->len;
  put_u32 (b, 0);
  count = 0;
  for (guint i = 0; i < n;)
    {
      guint j = i;

      while (j < n && s[j].duration == s[i].duration)
        j++;
      put_u32 (b, j - i);
      put_u32 (b, s[i].duration);
      count++;
      i = j;
    }
  set_be32 (b->data + count_pos, count);
  box_end (b, box);

  if (track->has_cto)
    {
      box = box_begin (b, "ctts", track->negative_cto ? 1 : 0, 0);
      count_pos = b->len;
      put_u32 (b, 0);
      count = 0;
      for (guint i = 0; i < n;)
        {
          guint j = i;

          while (j < n && s[j].cto == s[i].cto)
            j++;
          put_u32 (b, j - i);
          put_u32 (b, (guint32)s[i].cto);
          count++;
          i = j;
        }
      set_be32 (b->data + count_pos, count);
      box_end (b, box);
    }

  if (track->has_non_sync)
    {
      box = box_begin (b, "stss", 0, 0);
      count_pos = b->len;
      put_u32 (b, 0);
      count = 0;
      for (guint i = 0; i < n; i++)
        if (s[i].sync)
          {
            put_u32 (b, i + 1);
            count++;
          }
      set_be32 (b->data + count_pos, count);
      box_end (b, box);
    }

  /* stsc: runs of chunks with the same sample count. */
  box = box_begin (b, "stsc", 0, 0);
  count_pos = b->len;
  put_u32 (b, 0);
  count = 0;
  for (guint i = 0; i < track->chunks->len; i++)
    if (i == 0 || c[i].n_samples != c[i - 1].n_samples)
      {
        put_u32 (b, i + 1);
        put_u32 (b, c[i].n_samples);
        put_u32 (b, 1); /* the one sample description */
        count++;
      }
  set_be32 (b->data + count_pos, count);
  box_end (b, box);

  box = box_begin (b, "stsz", 0, 0);
  put_u32 (b, 0);
  put_u32 (b, n);
  for (guint i = 0; i < n; i++)
    put_u32 (b, s[i].size);
  box_end (b, box);

  box = box_begin (b, co64 ? "co64" : "stco", 0, 0);
  put_u32 (b, track->chunks->len);
  for (guint i = 0; i < track->chunks->len; i++)
    if (co64)
      put_u64 (b, c[i].dst);
    else
      put_u32 (b, (guint32)c[i].dst);
  box_end (b, box);
  box_end (b, stbl);
}

static guint64
track_media_duration (const Track *track)
{
  guint64 total = 0;

  for (guint i = 0; i < track->samples->len; i++)
    total += g_array_index (track->samples, Sample, i).duration;
  return total;
}

static GByteArray *
build_moov (const Parsed *parsed, const LcRecordingMeta *meta, gboolean co64)
{
  GByteArray *b = g_byte_array_new ();
  /* The lesson's start, not the time of writing: the same part file always
   * gives the same final file (and SHA-256). */
  guint64 now
      = meta != NULL && meta->starts_at > 0 ? (guint64)meta->starts_at + MP4_EPOCH_OFFSET : 0;
  guint64 movie_duration = 0;
  guint32 next_id = 1;
  guint moov, box;

  for (guint i = 0; i < parsed->n_tracks; i++)
    {
      const Track *t = &parsed->tracks[i];
      guint64 d = gst_util_uint64_scale (t->first_dts + track_media_duration (t),
                                         parsed->movie_timescale, t->timescale);

      movie_duration = MAX (movie_duration, d);
      next_id = MAX (next_id, t->id + 1);
    }

  moov = box_begin (b, "moov", -1, 0);
  box = box_begin (b, "mvhd", 1, 0);
  put_u64 (b, now);
  put_u64 (b, now);
  put_u32 (b, parsed->movie_timescale);
  put_u64 (b, movie_duration);
  put_u32 (b, 0x00010000); /* rate 1.0 */
  put_u16 (b, 0x0100);     /* volume 1.0 */
  put_zeros (b, 10);
  put_matrix (b);
  put_zeros (b, 24);
  put_u32 (b, next_id);
  box_end (b, box);

  for (guint i = 0; i < parsed->n_tracks; i++)
    {
      const Track *t = &parsed->tracks[i];
      guint64 media = track_media_duration (t);
      guint64 offset = gst_util_uint64_scale (t->first_dts, parsed->movie_timescale, t->timescale);
      guint64 duration = gst_util_uint64_scale (media, parsed->movie_timescale, t->timescale);
      guint trak, mdia, minf;

      if (t->samples->len == 0)
        continue;
      trak = box_begin (b, "trak", -1, 0);
      box = box_begin (b, "tkhd", 1, 0x000003); /* enabled, in movie */
      put_u64 (b, now);
      put_u64 (b, now);
      put_u32 (b, t->id);
      put_u32 (b, 0);
      put_u64 (b, offset + duration);
      put_zeros (b, 8);
      put_u16 (b, 0); /* layer */
      put_u16 (b, 0); /* alternate group */
      put_u16 (b, t->audio ? 0x0100 : 0);
      put_u16 (b, 0);
      put_matrix (b);
      put_u32 (b, t->audio ? 0 : t->width);
      put_u32 (b, t->audio ? 0 : t->height);
      box_end (b, box);

      if (offset > 0)
        {
          /* The track started later than the movie: an empty edit first. */
          guint edts = box_begin (b, "edts", -1, 0);

          box = box_begin (b, "elst", 1, 0);
          put_u32 (b, 2);
          put_u64 (b, offset);
          put_u64 (b, G_MAXUINT64); /* media_time -1: empty */
          put_u32 (b, 0x00010000);
          put_u64 (b, duration);
          put_u64 (b, 0);
          put_u32 (b, 0x00010000);
          box_end (b, box);
          box_end (b, edts);
        }

      mdia = box_begin (b, "mdia", -1, 0);
      box = box_begin (b, "mdhd", 1, 0);
      put_u64 (b, now);
      put_u64 (b, now);
      put_u32 (b, t->timescale);
      put_u64 (b, media);
      put_u16 (b, t->language);
      put_u16 (b, 0);
      box_end (b, box);
      put_gbytes (b, t->hdlr);
      minf = box_begin (b, "minf", -1, 0);
      put_gbytes (b, t->media_header);
      put_gbytes (b, t->dinf);
      put_stbl (b, t, co64);
      box_end (b, minf);
      box_end (b, mdia);
      box_end (b, trak);
    }
  put_udta (b, meta);
  box_end (b, moov);
  return b;
}

static int
compare_chunks (gconstpointer a, gconstpointer b)
{
  const Chunk *x = a, *y = b;

  return x->src < y->src ? -1 : x->src > y->src;
}

/* Rewrite the parsed part file into tmp_path (fsync'd). */
static gboolean
write_final (Parsed *parsed, const char *tmp_path, const LcRecordingMeta *meta, Remux *remux,
             guint64 *size, char **sha256_hex, GError **error)
{
  static const guint8 ftyp[] = { 0, 0, 0,   28,  'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0,   0,
                                 2, 0, 'i', 's', 'o', 'm', 'i', 's', 'o', '2', 'm', 'p', '4', '1' };
  g_autoptr (GArray) order = g_array_new (FALSE, FALSE, sizeof (Chunk));
  g_autoptr (GByteArray) moov = NULL;
  g_autofree guint8 *block = NULL;
  guint64 payload = 0, copied = 0, data_start;
  gboolean co64 = FALSE, large_mdat;
  guint8 mdat_header[16];
  guint8 digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  Out out = { 0 };
  gboolean ok = FALSE;

  for (guint i = 0; i < parsed->n_tracks; i++)
    for (guint j = 0; j < parsed->tracks[i].chunks->len; j++)
      {
        g_array_append_val (order, g_array_index (parsed->tracks[i].chunks, Chunk, j));
        payload += g_array_index (parsed->tracks[i].chunks, Chunk, j).size;
      }
  if (payload == 0)
    return unsupported (error, "no samples");
  /* The same interleaving as in the part file. */
  g_array_sort (order, compare_chunks);

  /* Offsets depend on the moov's size, which depends on stco vs co64 only. */
  large_mdat = payload + 8 > G_MAXUINT32;
  moov = build_moov (parsed, meta, FALSE);
  data_start = sizeof ftyp + moov->len + (large_mdat ? 16 : 8);
  if (data_start + payload > G_MAXUINT32)
    {
      co64 = TRUE;
      g_byte_array_unref (moov);
      moov = build_moov (parsed, meta, TRUE);
      data_start = sizeof ftyp + moov->len + (large_mdat ? 16 : 8);
    }
  {
    guint64 at = data_start;
    guint next[MAX_TRACKS] = { 0 };

    for (guint k = 0; k < order->len; k++)
      {
        Chunk *chunk = &g_array_index (order, Chunk, k);
        Track *track = &parsed->tracks[chunk->track];

        chunk->dst = at;
        g_array_index (track->chunks, Chunk, next[chunk->track]++).dst = at;
        at += chunk->size;
      }
  }
  g_byte_array_unref (moov);
  moov = build_moov (parsed, meta, co64);

  out.fd = g_open (tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (out.fd < 0)
    {
      int saved = errno;

      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot create the final recording file: %s",
                    g_strerror (saved));
      return FALSE;
    }
  out.buffer = g_malloc (WRITE_BUFFER);
  out.md = EVP_MD_CTX_new ();
  if (out.md == NULL || EVP_DigestInit_ex (out.md, EVP_sha256 (), NULL) != 1)
    {
      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "SHA-256 is not available");
      goto out;
    }

  out_write (&out, ftyp, sizeof ftyp);
  out_write (&out, moov->data, moov->len);
  if (large_mdat)
    {
      set_be32 (mdat_header, 1);
      memcpy (mdat_header + 4, "mdat", 4);
      set_be64 (mdat_header + 8, payload + 16);
    }
  else
    {
      set_be32 (mdat_header, (guint32)(payload + 8));
      memcpy (mdat_header + 4, "mdat", 4);
    }
  out_write (&out, mdat_header, large_mdat ? 16 : 8);

  block = g_malloc (COPY_BLOCK);
  for (guint k = 0; k < order->len && out.saved_errno == 0; k++)
    {
      const Chunk *chunk = &g_array_index (order, Chunk, k);

      for (guint64 done = 0; done < chunk->size;)
        {
          gsize n = (gsize)MIN (chunk->size - done, (guint64)COPY_BLOCK);

          if (!read_exact (parsed->fd, chunk->src + done, block, n, error))
            goto out;
          out_write (&out, block, n);
          done += n;
        }
      copied += chunk->size;
      report (remux, (int)(copied * PROGRESS_COPY_END / payload));
    }
  if (!out_flush (&out) || fsync (out.fd) != 0)
    {
      int saved = out.saved_errno != 0 ? out.saved_errno : errno;

      if (saved == ENOSPC)
        lc_set_error (error, LC_ERROR_INTERNAL, NULL,
                      "disk full while writing the final recording file");
      else
        lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot write the final recording file: %s",
                      g_strerror (saved));
      goto out;
    }
  if (EVP_DigestFinal_ex (out.md, digest, &digest_len) != 1)
    {
      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "SHA-256 failed");
      goto out;
    }
  *sha256_hex = g_malloc (digest_len * 2 + 1);
  for (unsigned int i = 0; i < digest_len; i++)
    g_snprintf (*sha256_hex + 2 * i, 3, "%02x", digest[i]);
  *size = out.written;
  ok = TRUE;

out:
  EVP_MD_CTX_free (out.md);
  g_free (out.buffer);
  close (out.fd);
  return ok;
}

/* The fast path. FALSE with LC_ERROR_MALFORMED: use the remux instead. */
static gboolean
rewrite_part (const char *part_path, const char *tmp_path, const LcRecordingMeta *meta,
              Remux *remux, gint64 *duration_ns, gint64 *size, char **video_codec,
              char **audio_codec, char **sha256_hex, GError **error)
{
  Parsed parsed = { 0 };
  struct stat st;
  guint64 written = 0;
  GstClockTime duration = 0;
  gboolean ok = FALSE;

  parsed.fd = g_open (part_path, O_RDONLY | O_CLOEXEC, 0);
  if (parsed.fd < 0 || fstat (parsed.fd, &st) != 0)
    {
      int saved = errno;

      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot read the recording file: %s",
                    g_strerror (saved));
      if (parsed.fd >= 0)
        close (parsed.fd);
      return FALSE;
    }
  parsed.file_size = (guint64)st.st_size;
  if (!parse_part (&parsed, error))
    goto out;

  for (guint i = 0; i < parsed.n_tracks; i++)
    {
      const Track *t = &parsed.tracks[i];

      if (t->samples->len == 0)
        continue;
      duration = MAX (duration, gst_util_uint64_scale (t->first_dts + track_media_duration (t),
                                                       GST_SECOND, t->timescale));
      if (t->audio && *audio_codec == NULL)
        *audio_codec = g_strdup (t->codec);
      else if (!t->audio && *video_codec == NULL)
        *video_codec = g_strdup (t->codec);
    }
  if (!write_final (&parsed, tmp_path, meta, remux, &written, sha256_hex, error))
    goto out;
  *duration_ns = (gint64)duration;
  *size = (gint64)written;
  ok = TRUE;

out:
  if (!ok)
    {
      g_clear_pointer (video_codec, g_free);
      g_clear_pointer (audio_codec, g_free);
    }
  parsed_clear (&parsed);
  close (parsed.fd);
  return ok;
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
  g_autoptr (GError) local_error = NULL;
  Remux remux = { 0 };
  struct stat st;
  gint64 final_size = 0, fast_duration = 0;
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

  /* The fast path; the GStreamer remux for a part file it does not understand. */
  if (rewrite_part (part_path, tmp_path, meta, &remux, &fast_duration, &final_size,
                    &remux.video_codec, &remux.audio_codec, &hex, &local_error))
    {
      remux.first_ts = 0;
      remux.end_ts = (GstClockTime)fast_duration;
    }
  else if (!g_error_matches (local_error, LC_ERROR, LC_ERROR_MALFORMED))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      goto out;
    }
  else
    {
      GST_INFO ("finalize %s: %s; remuxing with GStreamer", part_path, local_error->message);
      g_clear_error (&local_error);
      g_unlink (tmp_path);
      if (!run_remux (&remux, part_path, tmp_path, scratch_path, meta, error))
        goto out;
      if (remux.video_codec == NULL && remux.audio_codec == NULL)
        {
          lc_set_error (error, LC_ERROR_INTERNAL, NULL,
                        "the recording file holds no H.264 or Opus media");
          goto out;
        }
      if (!fsync_path (tmp_path, FALSE, error))
        goto out;
    }
  if (!GST_CLOCK_TIME_IS_VALID (remux.first_ts) || remux.end_ts <= remux.first_ts)
    {
      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "the recording file holds no media samples");
      goto out;
    }
  report (&remux, PROGRESS_REMUX_END);

  /* In place, atomically (the temporary file is already on disk). */
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

  if (hex == NULL)
    {
      hex = hash_file (final_path, &final_size, &remux, PROGRESS_IN_PLACE, PROGRESS_HASH_END,
                       error);
      if (hex == NULL)
        goto out;
    }
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
