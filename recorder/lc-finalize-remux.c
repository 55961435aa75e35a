/* lc-finalize-remux.c — the fallback of lc_recorder_finalize_file(), for a
 * part file the box-level rewrite (lc-mp4-rewrite.c) does not understand:
 *
 *   filesrc ─ qtdemux ─┬─ queue (H.264, avc3) ─┐
 *                      └─ queue (Opus) ────────┴─ mp4mux faststart ─ filesink <final>.tmp
 *
 * qtdemux reads a fragmented file moof by moof and needs no mfra; the muxer's
 * tags come from a GstTagList set through GstTagSetter; the faststart scratch
 * file lives next to the output, not in /tmp. It took 3–7 s for 45 minutes on
 * a busy 2-core machine (thread hand-offs per sample), hence the fast path.
 * Runs on the calling thread, polling the pipeline's bus.
 */
#include "recorder/lc-finalize-private.h"

#include "common/lc-error.h"

#define GST_CAT_DEFAULT lc_finalize_debug

#define POLL_INTERVAL (100 * GST_MSECOND)

typedef struct
{
  GstElement *pipeline;
  GstElement *mux;
  LcFinalizeProgress *progress;
  gint64 total_bytes;

  GMutex lock; /* the fields below: written on streaming threads */
  gint64 bytes_read;
  GstClockTime first_ts, end_ts;
  char *video_codec, *audio_codec;
  char *link_error;
} Remux;

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
  tags = lc_finalize_tags_from_meta (meta);
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
        lc_finalize_report (remux->progress,
                            (int)(MIN (read, remux->total_bytes) * LC_FINALIZE_PROGRESS_WRITTEN
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

gboolean
lc_finalize_remux (const char *part_path, const char *tmp_path, const char *scratch_path,
                   const LcRecordingMeta *meta, gint64 total_bytes, LcFinalizeProgress *progress,
                   GstClockTime *first_ts, GstClockTime *end_ts, char **video_codec,
                   char **audio_codec, GError **error)
{
  Remux remux = { 0 };
  gboolean ok;

  remux.progress = progress;
  remux.total_bytes = total_bytes;
  remux.first_ts = remux.end_ts = GST_CLOCK_TIME_NONE;
  g_mutex_init (&remux.lock);
  ok = run_remux (&remux, part_path, tmp_path, scratch_path, meta, error);
  if (ok)
    {
      *first_ts = remux.first_ts;
      *end_ts = remux.end_ts;
      *video_codec = g_steal_pointer (&remux.video_codec);
      *audio_codec = g_steal_pointer (&remux.audio_codec);
    }
  g_free (remux.video_codec);
  g_free (remux.audio_codec);
  g_free (remux.link_error);
  g_mutex_clear (&remux.lock);
  return ok;
}
