/* lc-recorder.c — LcRecorder: the recording consumer of a channel (see
 * lc-recorder.h) and the start-up recovery of recordings left by a crash.
 *
 * Its own pipeline, isolated from the ingest and the other consumers:
 *
 *   appsrc (H.264 byte-stream AUs) ─ h264parse ─ (avc3) ─┐
 *   appsrc (Opus) ─ opusparse ───────────────────────────┴─ mp4mux (fragmented) ─ filesink
 *
 * mp4mux writes a moof/mdat pair per track every fragment_duration ms, so a
 * crash loses about one fragment. avc3 keeps SPS/PPS in band: a resolution
 * change mid-lesson stays decodable. The filesink answers "not seekable" to
 * the muxer: mp4mux 1.22 otherwise rewrites the moov at EOS in place, and after
 * a caps change (a new sample description) the bigger moov overwrites the
 * first fragment. The part file is therefore a plain fragmented stream, the
 * same whether it ended cleanly or was cut by a crash.
 *
 * Timestamps are guarded before the muxer: channel time rebased to the first
 * recorded buffer, DTS = PTS, strictly increasing per track. mp4mux starts
 * each track of a fragmented file at 0, so both tracks start there: audio
 * with silence, video with its first keyframe held from 0. mp4mux waits for
 * every track, so missing audio (a muted or late microphone, a publisher gap)
 * is filled with 20 ms Opus silence packets: video never waits for audio
 * that does not come, and the audio track stays continuous.
 *
 * finish(): EOS into both appsrcs, the EOS is awaited on the bus (main
 * context, with a timeout), then lc_recorder_finalize_file() runs in a GTask
 * worker thread. Progress and results come back to the main context, which
 * alone writes the Recording row. A pipeline error (disk full, unwritable
 * directory, muxer error) marks the recording failed with a reason; push then
 * returns FALSE so the channel drops the recorder; the part file stays.
 *
 * Threads: set_caps/push run on the ingest's streaming threads and touch only
 * the fields under `lock` (LC_RECORDER_LOCK) and the appsrcs; audio pushes
 * (real or silence) are serialised by `audio_lock` (taken before `lock`).
 * Everything else runs on the main context captured at construction.
 */
#include "recorder/lc-recorder.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>

#include "common/lc-crypto.h"
#include "common/lc-error.h"
#include "common/lc-time.h"

GST_DEBUG_CATEGORY_STATIC (lc_recorder_debug);
#define GST_CAT_DEFAULT lc_recorder_debug

#define LC_RECORDER_LOCK(r) g_mutex_lock (&(r)->lock)
#define LC_RECORDER_UNLOCK(r) g_mutex_unlock (&(r)->lock)

#define N_KINDS 2
#define DEFAULT_FRAGMENT_MS 1000
#define EOS_TIMEOUT_MS 10000
#define OPUS_FRAME (20 * GST_MSECOND)
/* Audio silent this much longer than video is filled, up to AUDIO_FILL_LAG behind video. */
#define AUDIO_STALL GST_SECOND
#define AUDIO_FILL_LAG (500 * GST_MSECOND)
/* A jump in the audio timeline larger than this is filled with silence. */
#define AUDIO_GAP (60 * GST_MSECOND)
/* Longer jumps are not filled (a broken timeline, not a pause). */
#define MAX_SILENCE (30 * 60 * GST_SECOND)
/* appsrc bounds: far above what a healthy pipeline holds (the muxer interleaves). */
#define VIDEO_QUEUE_BYTES (32 * 1024 * 1024)
#define AUDIO_QUEUE_BYTES (4 * 1024 * 1024)

/* Opus silence: one 20 ms packet (TOC 0xf8: CELT fullband, 20 ms, mono, one
 * frame) whose payload decodes to silence. */
static const guint8 opus_silence[] = { 0xf8, 0xff, 0xfe };

typedef enum
{
  PHASE_IDLE,       /* not started */
  PHASE_RECORDING,  /* pipeline fed by push() */
  PHASE_DRAINING,   /* EOS sent, waiting for it on the bus */
  PHASE_FINALIZING, /* worker thread building the final file */
  PHASE_DONE,       /* ready or failed */
} Phase;

struct _LcRecorder
{
  GObject parent_instance;

  /* Immutable after construction. */
  GWeakRef channel;
  LcStore *store;
  GMainContext *context;
  char *recordings_dir;
  char *lesson_id;
  char *recording_id;
  char *part_rel, *final_rel;   /* relative to recordings_dir */
  char *part_path, *final_path; /* absolute */
  char *meta_strings[4];        /* owned strings of meta */
  LcRecordingMeta meta;
  guint fragment_ms;

  /* Main context only. */
  Phase phase;
  LcRecording *row;
  GstBus *bus;
  guint bus_watch;
  GSource *eos_timeout;

  GMutex audio_lock; /* serialises pushes into the audio appsrc; taken before lock */
  GMutex lock;       /* LC_RECORDER_LOCK: the fields below */
  GstElement *pipeline;
  GstAppSrc *src[N_KINDS];
  gboolean accepting; /* push() feeds the pipeline */
  gboolean failed;    /* push() returns FALSE */
  char *unsupported;  /* reason set on a streaming thread, reported on the main context */
  gboolean caps_set[N_KINDS];
  gboolean waiting_keyframe;
  GstClockTime base;              /* channel time of the first recorded buffer */
  GstClockTime last_pts[N_KINDS]; /* rebased */
  GstClockTime audio_end;         /* end of the audio fed (real or silence), rebased */
  guint64 silence_frames;
  guint64 dropped;
};

static void lc_recorder_consumer_init (LcConsumerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LcRecorder, lc_recorder, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LC_TYPE_CONSUMER, lc_recorder_consumer_init))

enum
{
  SIGNAL_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
init_debug (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      GST_DEBUG_CATEGORY_INIT (lc_recorder_debug, "lc-recorder", 0, "lessoncast recorder");
      g_once_init_leave (&once, 1);
    }
}

/* Run func on context from any thread. Not g_main_context_invoke_full: for
 * the global default context it runs func at once on the calling thread
 * whenever it can acquire the context. */
static void
run_on_context (GMainContext *context, GSourceFunc func, gpointer data, GDestroyNotify destroy)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, destroy);
  g_source_attach (source, context);
  g_source_unref (source);
}

/* ---- the Recording row (main context) ---- */

static void
save_row (LcRecorder *self)
{
  g_autoptr (GError) error = NULL;

  self->row->updated_at = lc_time_now ();
  if (!lc_store_update_recording (self->store, self->row, &error))
    g_warning ("recording %s: cannot update its row: %s", self->recording_id, error->message);
}

static void
stop_pipeline (LcRecorder *self)
{
  GstElement *pipeline;

  if (self->bus_watch != 0)
    {
      /* Attached to self->context, which need not be the global default
       * one (g_source_remove looks only there). */
      GSource *watch = g_main_context_find_source_by_id (self->context, self->bus_watch);

      if (watch != NULL)
        g_source_destroy (watch);
      self->bus_watch = 0;
    }
  if (self->eos_timeout != NULL)
    {
      g_source_destroy (self->eos_timeout);
      g_clear_pointer (&self->eos_timeout, g_source_unref);
    }
  LC_RECORDER_LOCK (self);
  self->accepting = FALSE;
  pipeline = g_steal_pointer (&self->pipeline);
  for (guint k = 0; k < N_KINDS; k++)
    g_clear_object (&self->src[k]);
  LC_RECORDER_UNLOCK (self);
  if (pipeline != NULL)
    {
      gst_element_set_state (pipeline, GST_STATE_NULL);
      gst_object_unref (pipeline);
    }
  g_clear_object (&self->bus);
}

/* The recording failed: row failed with reason, push() returns FALSE from now
 * on, the part file stays as written. */
static void
fail (LcRecorder *self, const char *reason)
{
  if (self->phase == PHASE_DONE)
    return;
  LC_RECORDER_LOCK (self);
  self->failed = TRUE;
  LC_RECORDER_UNLOCK (self);
  stop_pipeline (self);
  self->phase = PHASE_DONE;

  g_warning ("recording %s of lesson %s failed (the lesson goes on): %s", self->recording_id,
             self->lesson_id, reason);
  self->row->state = LC_RECORDING_FAILED;
  g_free (self->row->failure_reason);
  self->row->failure_reason = g_strdup (reason);
  if (self->row->ended_at == 0)
    self->row->ended_at = lc_time_now ();
  save_row (self);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, FALSE);
}

/* A clear, stable reason for a pipeline error. */
static char *
describe_pipeline_error (LcRecorder *self, const GError *error, const char *debug)
{
  if (g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT)
      || (debug != NULL && strstr (debug, g_strerror (ENOSPC)) != NULL))
    return g_strdup_printf ("disk full while writing %s", self->part_rel);
  if (g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE)
      || g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE))
    return g_strdup_printf ("cannot create %s: %s", self->part_rel,
                            debug != NULL ? debug : error->message);
  if (g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_WRITE))
    return g_strdup_printf ("cannot write %s: %s", self->part_rel,
                            debug != NULL && strstr (debug, g_strerror (EFBIG)) != NULL
                                ? g_strerror (EFBIG)
                                : error->message);
  return g_strdup_printf ("recording pipeline error: %s", error->message);
}

/* ---- the pipeline ---- */

/* mp4mux asks whether downstream can seek; the answer is no (see the top). */
static GstPadProbeReturn
on_sink_query (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);
  GstFormat format;

  if (GST_QUERY_TYPE (query) != GST_QUERY_SEEKING)
    return GST_PAD_PROBE_OK;
  gst_query_parse_seeking (query, &format, NULL, NULL, NULL);
  gst_query_set_seeking (query, format, FALSE, 0, -1);
  return GST_PAD_PROBE_HANDLED;
}

static GstAppSrc *
make_appsrc (GstBin *bin, const char *name, guint64 max_bytes)
{
  GstElement *src = gst_element_factory_make ("appsrc", name);

  if (src == NULL)
    return NULL;
  g_object_set (src, "format", GST_FORMAT_TIME, "is-live", FALSE, "block", FALSE, "max-bytes",
                max_bytes, "emit-signals", FALSE, NULL);
  gst_bin_add (bin, src);
  return GST_APP_SRC (gst_object_ref (src));
}

static GstElement *
add_element (GstBin *bin, const char *factory, GError **error)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  if (element == NULL)
    {
      lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL, "the GStreamer element %s is missing",
                    factory);
      return NULL;
    }
  gst_bin_add (bin, element);
  return element;
}

static gboolean
build_pipeline (LcRecorder *self, GError **error)
{
  g_autoptr (GstElement) pipeline = gst_pipeline_new (NULL);
  g_autoptr (GstCaps) avc3
      = gst_caps_from_string ("video/x-h264, stream-format=avc3, alignment=au");
  g_autoptr (GstPad) sink_pad = NULL;
  g_autoptr (GstAppSrc) video = NULL;
  g_autoptr (GstAppSrc) audio = NULL;
  GstBin *bin = GST_BIN (pipeline);
  GstElement *h264parse, *filter, *opusparse, *mux, *sink;

  video = make_appsrc (bin, "video", VIDEO_QUEUE_BYTES);
  audio = make_appsrc (bin, "audio", AUDIO_QUEUE_BYTES);
  if (video == NULL || audio == NULL)
    {
      lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL, "the GStreamer element appsrc is missing");
      return FALSE;
    }
  if ((h264parse = add_element (bin, "h264parse", error)) == NULL
      || (filter = add_element (bin, "capsfilter", error)) == NULL
      || (opusparse = add_element (bin, "opusparse", error)) == NULL
      || (mux = add_element (bin, "mp4mux", error)) == NULL
      || (sink = add_element (bin, "filesink", error)) == NULL)
    return FALSE;
  g_object_set (filter, "caps", avc3, NULL);
  g_object_set (mux, "fragment-duration", self->fragment_ms, NULL);
  /* Unbuffered: a fragment reaches the file as soon as the muxer closes it. */
  g_object_set (sink, "location", self->part_path, "async", FALSE, "sync", FALSE, "buffer-mode",
                2 /* unbuffered */, NULL);
  sink_pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (sink_pad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM, on_sink_query, NULL, NULL);

  if (!gst_element_link_many (GST_ELEMENT (video), h264parse, filter, NULL)
      || !gst_element_link_pads (filter, "src", mux, "video_%u")
      || !gst_element_link (GST_ELEMENT (audio), opusparse)
      || !gst_element_link_pads (opusparse, "src", mux, "audio_%u")
      || !gst_element_link (mux, sink))
    {
      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot link the recording pipeline");
      return FALSE;
    }

  LC_RECORDER_LOCK (self);
  self->pipeline = g_steal_pointer (&pipeline);
  self->src[LC_MEDIA_VIDEO] = g_steal_pointer (&video);
  self->src[LC_MEDIA_AUDIO] = g_steal_pointer (&audio);
  LC_RECORDER_UNLOCK (self);
  return TRUE;
}

static void start_finalize (LcRecorder *self);

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  LcRecorder *self = user_data;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ERROR:
      {
        g_autoptr (GError) error = NULL;
        g_autofree char *debug = NULL;
        g_autofree char *reason = NULL;

        gst_message_parse_error (message, &error, &debug);
        GST_WARNING ("recording %s: %s from %s (%s)", self->recording_id, error->message,
                     GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), debug != NULL ? debug : "");
        if (self->phase == PHASE_DRAINING)
          {
            /* What was written stays: finalise it. */
            g_warning ("recording %s: error while draining (%s); finalising what was written",
                       self->recording_id, error->message);
            self->bus_watch = 0;
            start_finalize (self);
            return G_SOURCE_REMOVE;
          }
        reason = describe_pipeline_error (self, error, debug);
        self->bus_watch = 0;
        fail (self, reason);
        return G_SOURCE_REMOVE;
      }
    case GST_MESSAGE_EOS:
      if (self->phase == PHASE_DRAINING)
        {
          self->bus_watch = 0;
          start_finalize (self);
          return G_SOURCE_REMOVE;
        }
      break;
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_eos_timeout (gpointer user_data)
{
  LcRecorder *self = user_data;

  g_warning ("recording %s: no EOS after %d s; finalising what was written", self->recording_id,
             EOS_TIMEOUT_MS / 1000);
  g_clear_pointer (&self->eos_timeout, g_source_unref);
  start_finalize (self);
  return G_SOURCE_REMOVE;
}

/* ---- streaming side ---- */

/* A reason found on a streaming thread (e.g. VP8): reported on the main context. */
static gboolean
report_unsupported (gpointer user_data)
{
  LcRecorder *self = user_data;
  g_autofree char *reason = NULL;

  LC_RECORDER_LOCK (self);
  reason = g_strdup (self->unsupported);
  LC_RECORDER_UNLOCK (self);
  if (reason != NULL && self->phase == PHASE_RECORDING)
    fail (self, reason);
  return G_SOURCE_REMOVE;
}

static void
recorder_set_caps (LcConsumer *consumer, LcMediaKind kind, GstCaps *caps)
{
  LcRecorder *self = LC_RECORDER (consumer);
  const char *name = gst_structure_get_name (gst_caps_get_structure (caps, 0));
  gboolean report = FALSE;
  GstAppSrc *src = NULL;

  LC_RECORDER_LOCK (self);
  if (kind == LC_MEDIA_VIDEO && !g_str_equal (name, "video/x-h264"))
    {
      if (self->unsupported == NULL && !self->failed)
        {
          self->unsupported = g_strdup_printf ("recording needs H.264 video; this broadcast "
                                               "sends %s",
                                               g_str_equal (name, "video/x-vp8") ? "VP8" : name);
          self->failed = TRUE;
          report = TRUE;
        }
    }
  else if (kind == LC_MEDIA_VIDEO || !self->caps_set[kind])
    {
      /* Video caps follow the publisher (resolution changes); the audio caps
       * are fixed once: Opus packets describe themselves. */
      src = self->src[kind] != NULL ? gst_object_ref (self->src[kind]) : NULL;
      self->caps_set[kind] = src != NULL;
    }
  LC_RECORDER_UNLOCK (self);

  if (src != NULL)
    {
      gst_app_src_set_caps (src, caps);
      gst_object_unref (src);
    }
  if (report)
    run_on_context (self->context, report_unsupported, g_object_ref (self), g_object_unref);
}

/* Under the lock: (transfer full) the audio appsrc with caps, or NULL. */
static GstAppSrc *
audio_src_locked (LcRecorder *self)
{
  GstAppSrc *src = self->src[LC_MEDIA_AUDIO];

  if (src == NULL)
    return NULL;
  if (!self->caps_set[LC_MEDIA_AUDIO])
    {
      g_autoptr (GstCaps) caps
          = gst_caps_from_string ("audio/x-opus, channel-mapping-family=0, channels=2, rate=48000");

      gst_app_src_set_caps (src, caps);
      self->caps_set[LC_MEDIA_AUDIO] = TRUE;
    }
  return GST_APP_SRC (gst_object_ref (src));
}

/* Under audio_lock and lock: silence from audio_end up to until (rebased).
 * Returns the number of packets to push (from *from, 20 ms apart). */
static guint64
plan_silence_locked (LcRecorder *self, GstClockTime until, GstClockTime *from)
{
  GstClockTime start = GST_CLOCK_TIME_IS_VALID (self->audio_end) ? self->audio_end : 0;
  guint64 frames;

  if (until <= start)
    return 0;
  if (until - start > MAX_SILENCE)
    {
      /* Not a pause but a broken timeline: jump instead of filling hours. */
      GST_WARNING ("recording %s: audio timeline jumps by %" GST_TIME_FORMAT "; not filled",
                   self->recording_id, GST_TIME_ARGS (until - start));
      self->audio_end = until;
      self->last_pts[LC_MEDIA_AUDIO] = until - 1;
      return 0;
    }
  frames = (until - start) / OPUS_FRAME;
  if (frames == 0)
    return 0;
  *from = start;
  self->audio_end = start + frames * OPUS_FRAME;
  self->last_pts[LC_MEDIA_AUDIO] = self->audio_end - OPUS_FRAME;
  self->silence_frames += frames;
  return frames;
}

static void
push_silence (GstAppSrc *src, GstClockTime from, guint64 frames)
{
  for (guint64 i = 0; i < frames; i++)
    {
      GstBuffer *silence = gst_buffer_new_memdup (opus_silence, sizeof opus_silence);

      GST_BUFFER_PTS (silence) = GST_BUFFER_DTS (silence) = from + i * OPUS_FRAME;
      GST_BUFFER_DURATION (silence) = OPUS_FRAME;
      gst_app_src_push_buffer (src, silence);
    }
}

/* Video reached video_ts (rebased): audio that stalled is filled with silence. */
static void
fill_audio_behind (LcRecorder *self, GstClockTime video_ts)
{
  g_autoptr (GstAppSrc) src = NULL;
  GstClockTime from = 0;
  guint64 frames = 0;

  g_mutex_lock (&self->audio_lock);
  LC_RECORDER_LOCK (self);
  if (self->accepting && !self->failed)
    {
      GstClockTime end = GST_CLOCK_TIME_IS_VALID (self->audio_end) ? self->audio_end : 0;

      if (video_ts > end + AUDIO_STALL)
        {
          src = audio_src_locked (self);
          if (src != NULL)
            frames = plan_silence_locked (self, video_ts - AUDIO_FILL_LAG, &from);
        }
    }
  LC_RECORDER_UNLOCK (self);
  if (frames > 0)
    {
      GST_INFO ("recording %s: no audio for a while: %" G_GUINT64_FORMAT " ms of silence",
                self->recording_id, frames * 20);
      push_silence (src, from, frames);
    }
  g_mutex_unlock (&self->audio_lock);
}

static gboolean
recorder_push (LcConsumer *consumer, LcMediaKind kind, GstBuffer *buffer)
{
  LcRecorder *self = LC_RECORDER (consumer);
  g_autoptr (GstAppSrc) src = NULL;
  GstBuffer *out = NULL, *hold = NULL;
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  GstClockTime ts, silence_from = 0;
  guint64 silence = 0;
  gboolean keyframe = !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  gboolean want_keyframe = FALSE;
  g_autoptr (LcChannel) channel = NULL;

  if (!GST_CLOCK_TIME_IS_VALID (pts))
    pts = GST_BUFFER_DTS (buffer);

  if (kind == LC_MEDIA_AUDIO)
    g_mutex_lock (&self->audio_lock);
  LC_RECORDER_LOCK (self);
  if (self->failed)
    {
      LC_RECORDER_UNLOCK (self);
      if (kind == LC_MEDIA_AUDIO)
        g_mutex_unlock (&self->audio_lock);
      return FALSE;
    }
  if (!self->accepting || self->src[kind] == NULL || !GST_CLOCK_TIME_IS_VALID (pts))
    goto drop;

  if (kind == LC_MEDIA_VIDEO)
    {
      /* Without caps even a keyframe is dropped: the file must then still
       * start at the next keyframe, never with the deltas after this one. */
      if (!self->caps_set[kind])
        {
          self->waiting_keyframe = TRUE;
          goto drop;
        }
      if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DISCONT) && !keyframe)
        self->waiting_keyframe = TRUE;
      if (self->waiting_keyframe && !keyframe)
        {
          want_keyframe = TRUE;
          goto drop;
        }
      self->waiting_keyframe = FALSE;
    }
  else if (!self->caps_set[kind])
    {
      GstAppSrc *with_caps = audio_src_locked (self);
      gst_clear_object (&with_caps);
    }

  /* The file starts with the first buffer of either kind. mp4mux starts
   * every track of a fragmented file at 0, so both tracks must start there
   * to stay in sync: audio with silence, video with its first keyframe held
   * from 0 (see below). */
  if (!GST_CLOCK_TIME_IS_VALID (self->base))
    {
      self->base = pts;
      GST_INFO ("recording %s: starts at %" GST_TIME_FORMAT " (%s)", self->recording_id,
                GST_TIME_ARGS (pts), kind == LC_MEDIA_VIDEO ? "video" : "audio");
    }
  if (pts < self->base)
    goto drop; /* before the start of the file */
  ts = pts - self->base;

  /* Bounded: a stalled muxer costs frames, never unbounded memory. */
  if (gst_app_src_get_current_level_bytes (self->src[kind])
      > (kind == LC_MEDIA_VIDEO ? VIDEO_QUEUE_BYTES : AUDIO_QUEUE_BYTES))
    {
      if (self->dropped++ % 100 == 0)
        GST_WARNING ("recording %s: the muxer is not keeping up; dropped %" G_GUINT64_FORMAT
                     " buffers",
                     self->recording_id, self->dropped);
      if (kind == LC_MEDIA_VIDEO)
        self->waiting_keyframe = TRUE;
      goto drop;
    }

  /* Strictly increasing per track, DTS = PTS. */
  if (GST_CLOCK_TIME_IS_VALID (self->last_pts[kind]) && ts <= self->last_pts[kind])
    {
      if (kind == LC_MEDIA_AUDIO)
        goto drop; /* covered by silence already, or a duplicate */
      ts = self->last_pts[kind] + GST_MSECOND;
    }
  if (kind == LC_MEDIA_AUDIO)
    {
      GstClockTime end = GST_CLOCK_TIME_IS_VALID (self->audio_end) ? self->audio_end : 0;

      if (GST_CLOCK_TIME_IS_VALID (self->audio_end) && ts < self->audio_end)
        goto drop;
      /* Audio starts at 0 with the video (silence until the first packet),
       * and a gap in the audio is filled. */
      if (ts > end + (GST_CLOCK_TIME_IS_VALID (self->audio_end) ? AUDIO_GAP : OPUS_FRAME - 1))
        silence = plan_silence_locked (self, ts, &silence_from);
    }

  if (kind == LC_MEDIA_VIDEO && !GST_CLOCK_TIME_IS_VALID (self->last_pts[kind]) && ts > 0)
    {
      /* Audio came first: the first keyframe also goes at 0 and stays on
       * screen until its own time (a still picture, A/V in sync). */
      hold = gst_buffer_copy (buffer);
      GST_BUFFER_PTS (hold) = GST_BUFFER_DTS (hold) = 0;
      GST_BUFFER_DURATION (hold) = ts;
      GST_BUFFER_FLAG_UNSET (hold, GST_BUFFER_FLAG_DISCONT);
    }
  self->last_pts[kind] = ts;
  out = gst_buffer_copy (buffer); /* metadata copy, memory shared */
  GST_BUFFER_PTS (out) = GST_BUFFER_DTS (out) = ts;
  GST_BUFFER_OFFSET (out) = GST_BUFFER_OFFSET_END (out) = GST_BUFFER_OFFSET_NONE;
  if (kind == LC_MEDIA_AUDIO)
    {
      if (!GST_BUFFER_DURATION_IS_VALID (out))
        GST_BUFFER_DURATION (out) = OPUS_FRAME;
      self->audio_end = ts + GST_BUFFER_DURATION (out);
    }
  src = gst_object_ref (self->src[kind]);
  LC_RECORDER_UNLOCK (self);

  if (silence > 0)
    {
      GST_INFO ("recording %s: audio resumed after a gap: %" G_GUINT64_FORMAT " ms of silence",
                self->recording_id, silence * 20);
      push_silence (src, silence_from, silence);
    }
  if (hold != NULL)
    gst_app_src_push_buffer (src, hold);
  gst_app_src_push_buffer (src, out);
  if (kind == LC_MEDIA_AUDIO)
    g_mutex_unlock (&self->audio_lock);
  else
    fill_audio_behind (self, ts);
  return TRUE;

drop:
  LC_RECORDER_UNLOCK (self);
  if (kind == LC_MEDIA_AUDIO)
    g_mutex_unlock (&self->audio_lock);
  if (want_keyframe && (channel = g_weak_ref_get (&self->channel)) != NULL)
    lc_channel_request_keyframe (channel, "recording waits for a keyframe");
  return TRUE;
}

/* ---- main-context side of the consumer ---- */

static void
recorder_publisher_gap (LcConsumer *consumer, gboolean gone)
{
  LcRecorder *self = LC_RECORDER (consumer);

  g_debug ("recording %s: publisher %s; the same file continues", self->recording_id,
           gone ? "gone" : "back");
  if (!gone)
    {
      LC_RECORDER_LOCK (self);
      self->waiting_keyframe = TRUE;
      LC_RECORDER_UNLOCK (self);
    }
}

static void
recorder_finish (LcConsumer *consumer)
{
  LcRecorder *self = LC_RECORDER (consumer);
  g_autoptr (GstAppSrc) video = NULL;
  g_autoptr (GstAppSrc) audio = NULL;
  GstClockTime video_end = GST_CLOCK_TIME_NONE;
  GstClockTime silence_from = 0;
  guint64 silence = 0;
  gboolean has_media, audio_only;

  if (self->phase != PHASE_RECORDING)
    return;

  g_mutex_lock (&self->audio_lock);
  LC_RECORDER_LOCK (self);
  has_media = GST_CLOCK_TIME_IS_VALID (self->base);
  audio_only = has_media && !GST_CLOCK_TIME_IS_VALID (self->last_pts[LC_MEDIA_VIDEO]);
  self->accepting = FALSE;
  if (has_media && self->src[LC_MEDIA_VIDEO] != NULL)
    {
      video = gst_object_ref (self->src[LC_MEDIA_VIDEO]);
      video_end = self->last_pts[LC_MEDIA_VIDEO];
      /* The audio track runs to the end of the video. */
      audio = audio_src_locked (self);
      if (audio != NULL && GST_CLOCK_TIME_IS_VALID (video_end))
        silence = plan_silence_locked (self, video_end, &silence_from);
    }
  LC_RECORDER_UNLOCK (self);
  if (silence > 0)
    push_silence (audio, silence_from, silence);
  g_mutex_unlock (&self->audio_lock);

  self->row->ended_at = lc_time_now ();
  if (!has_media || !GST_CLOCK_TIME_IS_VALID (video_end))
    {
      /* Nothing reached the file (the file starts at the first video keyframe). */
      fail (self, audio_only ? "the broadcast sent no video" : "nothing was recorded");
      g_unlink (self->part_path); /* empty: mp4mux writes nothing before the first video */
      return;
    }

  g_debug ("recording %s: lesson ended; draining", self->recording_id);
  self->phase = PHASE_DRAINING;
  g_object_ref (self); /* released once the worker has it (start_finalize) */
  self->eos_timeout = g_timeout_source_new (EOS_TIMEOUT_MS);
  g_source_set_callback (self->eos_timeout, on_eos_timeout, self, NULL);
  g_source_attach (self->eos_timeout, self->context);
  gst_app_src_end_of_stream (video);
  gst_app_src_end_of_stream (audio);
}

static const char *
recorder_get_name (LcConsumer *consumer)
{
  return "recording";
}

static void
lc_recorder_consumer_init (LcConsumerInterface *iface)
{
  iface->set_caps = recorder_set_caps;
  iface->push = recorder_push;
  iface->publisher_gap = recorder_publisher_gap;
  iface->finish = recorder_finish;
  iface->get_name = recorder_get_name;
}

/* ---- finalisation (worker thread, results on the main context) ---- */

typedef struct
{
  char *part_path, *final_path;
  LcRecordingMeta meta; /* strings borrowed from the owner, who outlives the task */
  GMainContext *context;
  GWeakRef owner; /* LcRecorder or RecoverJob target: gets progress */
  void (*on_progress) (GObject *owner, int percent);
  /* results */
  gint64 duration_ns, size;
  char *video_codec, *audio_codec, *sha256;
} FinalizeJob;

static void
finalize_job_free (FinalizeJob *job)
{
  g_free (job->part_path);
  g_free (job->final_path);
  g_weak_ref_clear (&job->owner);
  g_main_context_unref (job->context);
  g_free (job->video_codec);
  g_free (job->audio_codec);
  g_free (job->sha256);
  g_free (job);
}

typedef struct
{
  GWeakRef owner;
  void (*on_progress) (GObject *owner, int percent);
  int percent;
} ProgressUpdate;

static gboolean
deliver_progress (gpointer data)
{
  ProgressUpdate *update = data;
  g_autoptr (GObject) owner = g_weak_ref_get (&update->owner);

  if (owner != NULL)
    update->on_progress (owner, update->percent);
  return G_SOURCE_REMOVE;
}

static void
progress_update_free (gpointer data)
{
  ProgressUpdate *update = data;

  g_weak_ref_clear (&update->owner);
  g_free (update);
}

/* Worker thread: hand the percentage to the main context. */
static void
on_finalize_progress (int percent, gpointer user_data)
{
  FinalizeJob *job = user_data;
  ProgressUpdate *update;

  if (job->on_progress == NULL)
    return;
  update = g_new0 (ProgressUpdate, 1);
  g_weak_ref_init (&update->owner, NULL);
  {
    g_autoptr (GObject) owner = g_weak_ref_get (&job->owner);
    g_weak_ref_set (&update->owner, owner);
  }
  update->on_progress = job->on_progress;
  update->percent = percent;
  run_on_context (job->context, deliver_progress, update, progress_update_free);
}

static void
run_finalize_job (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  FinalizeJob *job = task_data;
  GError *error = NULL;
  gint64 started = g_get_monotonic_time ();

  if (lc_recorder_finalize_file (job->part_path, job->final_path, &job->meta, on_finalize_progress,
                                 job, &job->duration_ns, &job->size, &job->video_codec,
                                 &job->audio_codec, &job->sha256, &error))
    {
      GST_INFO ("finalised %s in %.2f s", job->final_path,
                (double)(g_get_monotonic_time () - started) / G_USEC_PER_SEC);
      g_task_return_boolean (task, TRUE);
    }
  else
    g_task_return_error (task, error);
}

/* Start finalising part_path into final_path on a worker thread; callback on
 * context. The meta strings must outlive the task. */
static void
finalize_in_thread (GObject *owner, GMainContext *context, const char *part_path,
                    const char *final_path, const LcRecordingMeta *meta,
                    void (*on_progress) (GObject *owner, int percent), GAsyncReadyCallback callback,
                    gpointer user_data)
{
  FinalizeJob *job = g_new0 (FinalizeJob, 1);
  g_autoptr (GTask) task = NULL;

  job->part_path = g_strdup (part_path);
  job->final_path = g_strdup (final_path);
  job->meta = *meta;
  job->context = g_main_context_ref (context);
  g_weak_ref_init (&job->owner, owner);
  job->on_progress = on_progress;

  g_main_context_push_thread_default (context);
  task = g_task_new (owner, NULL, callback, user_data);
  g_main_context_pop_thread_default (context);
  g_task_set_source_tag (task, finalize_in_thread);
  g_task_set_task_data (task, job, (GDestroyNotify)finalize_job_free);
  g_task_run_in_thread (task, run_finalize_job);
}

/* Main context: fill row with a finished job's results (ready) or the error (failed). */
static void
apply_finalize_result (LcRecording *row, GAsyncResult *result, const char *final_rel,
                       GError **error_out)
{
  FinalizeJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    {
      row->state = LC_RECORDING_READY;
      row->progress = 100;
      g_clear_pointer (&row->failure_reason, g_free);
      g_free (row->path);
      row->path = g_strdup (final_rel);
      row->duration_ms = job->duration_ns / (gint64)GST_MSECOND;
      row->size_bytes = job->size;
      g_free (row->video_codec);
      row->video_codec = g_strdup (job->video_codec);
      g_free (row->audio_codec);
      row->audio_codec = g_strdup (job->audio_codec);
      g_free (row->sha256);
      row->sha256 = g_strdup (job->sha256);
      return;
    }
  row->state = LC_RECORDING_FAILED;
  g_free (row->failure_reason);
  row->failure_reason = g_strdup (error->message);
  g_propagate_error (error_out, g_steal_pointer (&error));
}

static void
on_recorder_progress (GObject *owner, int percent)
{
  LcRecorder *self = LC_RECORDER (owner);

  /* Every 5 %: the row is what API clients poll. */
  if (self->phase != PHASE_FINALIZING || percent >= 100 || percent < self->row->progress + 5)
    return;
  self->row->progress = percent;
  save_row (self);
}

static void
on_recorder_finalized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LcRecorder *self = LC_RECORDER (source);
  g_autoptr (GError) error = NULL;

  apply_finalize_result (self->row, result, self->final_rel, &error);
  self->phase = PHASE_DONE;
  save_row (self);
  if (error == NULL)
    {
      g_message ("recording %s of lesson %s is ready (%" G_GINT64_FORMAT " s, %" G_GINT64_FORMAT
                 " bytes)",
                 self->recording_id, self->lesson_id, self->row->duration_ms / 1000,
                 self->row->size_bytes);
      if (g_unlink (self->part_path) != 0)
        g_warning ("recording %s: cannot remove %s: %s", self->recording_id, self->part_rel,
                   g_strerror (errno));
    }
  else
    g_warning ("recording %s of lesson %s failed: %s", self->recording_id, self->lesson_id,
               error->message);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, error == NULL);
}

static void
start_finalize (LcRecorder *self)
{
  if (self->phase != PHASE_DRAINING)
    return;
  stop_pipeline (self);
  self->phase = PHASE_FINALIZING;
  self->row->state = LC_RECORDING_FINALIZING;
  self->row->progress = 0;
  save_row (self);
  g_debug ("recording %s: finalising", self->recording_id);
  finalize_in_thread (G_OBJECT (self), self->context, self->part_path, self->final_path,
                      &self->meta, on_recorder_progress, on_recorder_finalized, NULL);
  g_object_unref (self); /* taken by recorder_finish; the task holds its own */
}

/* ---- GObject and public API ---- */

static void
lc_recorder_dispose (GObject *object)
{
  LcRecorder *self = LC_RECORDER (object);

  /* Dropped without finish(): the row stays "recording" for start-up recovery. */
  stop_pipeline (self);
  G_OBJECT_CLASS (lc_recorder_parent_class)->dispose (object);
}

static void
lc_recorder_finalize (GObject *object)
{
  LcRecorder *self = LC_RECORDER (object);

  g_weak_ref_clear (&self->channel);
  g_clear_object (&self->store);
  g_main_context_unref (self->context);
  g_free (self->recordings_dir);
  g_free (self->lesson_id);
  g_free (self->recording_id);
  g_free (self->part_rel);
  g_free (self->final_rel);
  g_free (self->part_path);
  g_free (self->final_path);
  for (guint i = 0; i < G_N_ELEMENTS (self->meta_strings); i++)
    g_free (self->meta_strings[i]);
  g_clear_pointer (&self->row, lc_recording_free);
  g_free (self->unsupported);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->audio_lock);
  G_OBJECT_CLASS (lc_recorder_parent_class)->finalize (object);
}

static void
lc_recorder_class_init (LcRecorderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lc_recorder_dispose;
  object_class->finalize = lc_recorder_finalize;

  /* (gboolean ok) on the main context once the recording is ready or failed. */
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
}

static void
lc_recorder_init (LcRecorder *self)
{
  g_mutex_init (&self->lock);
  g_mutex_init (&self->audio_lock);
  g_weak_ref_init (&self->channel, NULL);
  self->fragment_ms = DEFAULT_FRAGMENT_MS;
  self->waiting_keyframe = TRUE;
  self->base = GST_CLOCK_TIME_NONE;
  self->audio_end = GST_CLOCK_TIME_NONE;
  for (guint k = 0; k < N_KINDS; k++)
    self->last_pts[k] = GST_CLOCK_TIME_NONE;
}

LcRecorder *
lc_recorder_new (LcChannel *channel, LcStore *store, const char *recordings_dir,
                 const char *lesson_id, const LcRecordingMeta *meta)
{
  LcRecorder *self;

  g_return_val_if_fail (LC_IS_CHANNEL (channel), NULL);
  g_return_val_if_fail (LC_IS_STORE (store), NULL);
  g_return_val_if_fail (recordings_dir != NULL && lesson_id != NULL, NULL);

  init_debug ();
  self = g_object_new (LC_TYPE_RECORDER, NULL);
  g_weak_ref_set (&self->channel, channel);
  self->store = g_object_ref (store);
  self->context = g_main_context_ref_thread_default ();
  self->recordings_dir = g_strdup (recordings_dir);
  self->lesson_id = g_strdup (lesson_id);
  self->recording_id = lc_id_new ();
  self->part_rel = g_strdup_printf ("%s/%s.part.mp4", lesson_id, self->recording_id);
  self->final_rel = g_strdup_printf ("%s/%s.mp4", lesson_id, self->recording_id);
  self->part_path = g_build_filename (recordings_dir, self->part_rel, NULL);
  self->final_path = g_build_filename (recordings_dir, self->final_rel, NULL);
  if (meta != NULL)
    {
      self->meta = *meta;
      self->meta.title = self->meta_strings[0] = g_strdup (meta->title);
      self->meta.school = self->meta_strings[1] = g_strdup (meta->school);
      self->meta.teacher = self->meta_strings[2] = g_strdup (meta->teacher);
      self->meta.subject = self->meta_strings[3] = g_strdup (meta->subject);
    }
  return self;
}

void
lc_recorder_set_fragment_duration (LcRecorder *recorder, guint milliseconds)
{
  g_return_if_fail (LC_IS_RECORDER (recorder));
  g_return_if_fail (recorder->phase == PHASE_IDLE);

  recorder->fragment_ms = milliseconds > 0 ? milliseconds : DEFAULT_FRAGMENT_MS;
}

const char *
lc_recorder_get_recording_id (LcRecorder *recorder)
{
  g_return_val_if_fail (LC_IS_RECORDER (recorder), NULL);
  return recorder->recording_id;
}

/* Mark the row failed for a start-up problem and hand the error back. */
static gboolean
fail_start (LcRecorder *self, char *reason, GError **error)
{
  lc_set_error (error, LC_ERROR_INTERNAL, NULL, "%s", reason);
  fail (self, reason);
  g_free (reason);
  return FALSE;
}

gboolean
lc_recorder_start (LcRecorder *recorder, GError **error)
{
  LcRecorder *self = recorder;
  g_autoptr (LcChannel) channel = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *dir = NULL;
  GstStateChangeReturn ret;

  g_return_val_if_fail (LC_IS_RECORDER (recorder), FALSE);
  g_return_val_if_fail (recorder->phase == PHASE_IDLE, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  channel = g_weak_ref_get (&self->channel);
  if (channel == NULL)
    {
      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "recording: the channel is gone");
      return FALSE;
    }

  self->row = lc_recording_new ();
  self->row->id = g_strdup (self->recording_id);
  self->row->lesson_id = g_strdup (self->lesson_id);
  self->row->state = LC_RECORDING_RECORDING;
  self->row->path = g_strdup (self->part_rel);
  self->row->video_codec = g_strdup ("h264");
  self->row->audio_codec = g_strdup ("opus");
  self->row->started_at = self->row->created_at = self->row->updated_at = lc_time_now ();
  if (!lc_store_insert_recording (self->store, self->row, error))
    {
      g_prefix_error (error, "recording: ");
      return FALSE;
    }
  self->phase = PHASE_RECORDING;

  dir = g_path_get_dirname (self->part_path);
  if (g_mkdir_with_parents (dir, 0750) != 0)
    return fail_start (self,
                       g_strdup_printf ("cannot create the recording directory %s: %s",
                                        self->lesson_id, g_strerror (errno)),
                       error);
  if (!build_pipeline (self, &local_error))
    return fail_start (self, g_strdup (local_error->message), error);

  self->bus = gst_element_get_bus (self->pipeline);
  {
    GSource *source = gst_bus_create_watch (self->bus);

    g_source_set_callback (source, (GSourceFunc)(void (*) (void))on_bus_message, self, NULL);
    self->bus_watch = g_source_attach (source, self->context);
    g_source_unref (source);
  }

  ret = gst_element_set_state (self->pipeline, GST_STATE_PLAYING);
  if (ret == GST_STATE_CHANGE_FAILURE)
    {
      g_autoptr (GstMessage) message = gst_bus_pop_filtered (self->bus, GST_MESSAGE_ERROR);
      g_autoptr (GError) gst_error = NULL;
      g_autofree char *debug = NULL;

      if (message == NULL)
        return fail_start (self, g_strdup ("the recording pipeline does not start"), error);
      gst_message_parse_error (message, &gst_error, &debug);
      return fail_start (self, describe_pipeline_error (self, gst_error, debug), error);
    }

  LC_RECORDER_LOCK (self);
  self->accepting = TRUE;
  LC_RECORDER_UNLOCK (self);
  g_info ("lesson %s: recording %s to %s", self->lesson_id, self->recording_id, self->part_rel);
  lc_channel_add_consumer (channel, LC_CONSUMER (self));
  return TRUE;
}

/* ---- start-up recovery ---- */

typedef struct
{
  LcStore *store;
  char *recordings_dir;
  GPtrArray *rows; /* LcRecording to finalise, in order */
  guint next;
  guint recovered;
  LcRecording *current;
  char *meta_strings[4];
  LcRecordingMeta meta;
} Recovery;

static void
recovery_clear_meta (Recovery *recovery)
{
  for (guint i = 0; i < G_N_ELEMENTS (recovery->meta_strings); i++)
    g_clear_pointer (&recovery->meta_strings[i], g_free);
  memset (&recovery->meta, 0, sizeof recovery->meta);
}

static void
recovery_free (Recovery *recovery)
{
  g_clear_object (&recovery->store);
  g_free (recovery->recordings_dir);
  g_clear_pointer (&recovery->rows, g_ptr_array_unref);
  recovery_clear_meta (recovery);
  g_free (recovery);
}

/* The lesson's metadata for the tags (as the live recorder would have had it). */
static void
recovery_load_meta (Recovery *recovery, const char *lesson_id)
{
  g_autoptr (LcLesson) lesson = lc_store_get_lesson (recovery->store, lesson_id, NULL);
  g_autoptr (LcSchool) school = NULL;
  g_autoptr (LcAccount) teacher = NULL;

  recovery_clear_meta (recovery);
  if (lesson == NULL)
    return;
  school = lc_store_get_school (recovery->store, lesson->school_id, NULL);
  teacher = lc_store_get_account (recovery->store, lesson->teacher_id, NULL);
  recovery->meta.title = recovery->meta_strings[0] = g_strdup (lesson->title);
  recovery->meta.school = recovery->meta_strings[1]
      = school != NULL ? g_strdup (school->short_name) : NULL;
  recovery->meta.teacher = recovery->meta_strings[2]
      = teacher != NULL && teacher->consent_publish_name ? g_strdup (teacher->display_name) : NULL;
  recovery->meta.subject = recovery->meta_strings[3] = g_strdup (lesson->subject);
  recovery->meta.starts_at = lesson->starts_at;
  recovery->meta.ends_at = lesson->ends_at;
}

static void recovery_next (GTask *task);

static void
recovery_save (Recovery *recovery, LcRecording *row)
{
  g_autoptr (GError) error = NULL;

  row->updated_at = lc_time_now ();
  if (!lc_store_update_recording (recovery->store, row, &error))
    g_warning ("recording %s: cannot update its row: %s", row->id, error->message);
}

static void
on_recovery_progress (GObject *owner, int percent)
{
  GTask *task = G_TASK (owner);
  Recovery *recovery = g_task_get_task_data (task);
  LcRecording *row = recovery->current;

  if (row == NULL || row->state != LC_RECORDING_FINALIZING || percent >= 100
      || percent < row->progress + 5)
    return;
  row->progress = percent;
  recovery_save (recovery, row);
}

static void
on_recovery_finalized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = G_TASK (user_data);
  Recovery *recovery = g_task_get_task_data (task);
  LcRecording *row = g_steal_pointer (&recovery->current);
  g_autofree char *final_rel = g_strdup_printf ("%s/%s.mp4", row->lesson_id, row->id);
  g_autoptr (GError) error = NULL;

  apply_finalize_result (row, result, final_rel, &error);
  recovery_save (recovery, row);
  if (error == NULL)
    {
      FinalizeJob *job = g_task_get_task_data (G_TASK (result));

      recovery->recovered++;
      g_message ("recording %s of lesson %s recovered (%" G_GINT64_FORMAT " s)", row->id,
                 row->lesson_id, row->duration_ms / 1000);
      g_unlink (job->part_path);
    }
  else
    g_warning ("recording %s of lesson %s cannot be recovered: %s", row->id, row->lesson_id,
               error->message);
  recovery_next (task);
  g_object_unref (task);
}

/* Main context: finalise the next row, or complete the task. */
static void
recovery_next (GTask *task)
{
  Recovery *recovery = g_task_get_task_data (task);

  while (recovery->next < recovery->rows->len)
    {
      LcRecording *row = g_ptr_array_index (recovery->rows, recovery->next++);
      g_autofree char *part_rel = g_strdup_printf ("%s/%s.part.mp4", row->lesson_id, row->id);
      g_autofree char *final_rel = g_strdup_printf ("%s/%s.mp4", row->lesson_id, row->id);
      g_autofree char *part_path = g_build_filename (recovery->recordings_dir, part_rel, NULL);
      g_autofree char *final_path = g_build_filename (recovery->recordings_dir, final_rel, NULL);
      GStatBuf st;

      if (g_task_return_error_if_cancelled (task))
        return;
      if (g_stat (part_path, &st) != 0)
        {
          row->state = LC_RECORDING_FAILED;
          g_free (row->failure_reason);
          row->failure_reason = g_strdup ("the recording file is missing");
          if (row->ended_at == 0)
            row->ended_at = lc_time_now ();
          recovery_save (recovery, row);
          g_warning ("recording %s of lesson %s: the recording file is missing", row->id,
                     row->lesson_id);
          continue;
        }

      /* The crash time is about when the part file was last written. */
      if (row->ended_at == 0)
        row->ended_at = MAX ((gint64)st.st_mtime, row->started_at);
      row->state = LC_RECORDING_FINALIZING;
      row->progress = 0;
      g_free (row->path);
      row->path = g_strdup (part_rel);
      recovery_save (recovery, row);
      recovery->current = row;
      recovery_load_meta (recovery, row->lesson_id);
      g_debug ("recording %s of lesson %s was left unfinished; finalising it", row->id,
               row->lesson_id);
      finalize_in_thread (G_OBJECT (task), g_task_get_context (task), part_path, final_path,
                          &recovery->meta, on_recovery_progress, on_recovery_finalized,
                          g_object_ref (task));
      return;
    }
  g_task_return_int (task, (gssize)recovery->recovered);
}

static gboolean
collect_rows (LcStore *store, LcRecordingState state, GPtrArray *into, GError **error)
{
  LcRecordingFilter filter = { .state = (int)state, .scope = LC_LESSON_SCOPE_ALL };
  g_autoptr (GPtrArray) rows = lc_store_list_recordings (store, &filter, error);

  if (rows == NULL)
    return FALSE;
  /* Oldest first. */
  for (guint i = rows->len; i > 0; i--)
    g_ptr_array_add (into, g_ptr_array_steal_index (rows, i - 1));
  return TRUE;
}

void
lc_recorder_recover_async (LcStore *store, const char *recordings_dir, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  Recovery *recovery;
  GError *error = NULL;

  g_return_if_fail (LC_IS_STORE (store));
  g_return_if_fail (recordings_dir != NULL);

  init_debug ();
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, lc_recorder_recover_async);
  recovery = g_new0 (Recovery, 1);
  recovery->store = g_object_ref (store);
  recovery->recordings_dir = g_strdup (recordings_dir);
  recovery->rows = g_ptr_array_new_with_free_func ((GDestroyNotify)lc_recording_free);
  g_task_set_task_data (task, recovery, (GDestroyNotify)recovery_free);

  if (!collect_rows (store, LC_RECORDING_FINALIZING, recovery->rows, &error)
      || !collect_rows (store, LC_RECORDING_RECORDING, recovery->rows, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (recovery->rows->len > 0)
    g_message ("%u recording(s) were left unfinished; recovering them", recovery->rows->len);
  recovery_next (task);
}

gboolean
lc_recorder_recover_finish (GAsyncResult *result, guint *n_recovered, GError **error)
{
  gssize n;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == lc_recorder_recover_async,
                        FALSE);

  n = g_task_propagate_int (G_TASK (result), error);
  if (n < 0)
    return FALSE;
  if (n_recovered != NULL)
    *n_recovered = (guint)n;
  return TRUE;
}
