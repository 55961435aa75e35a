/* lc-transcode.c — LcTranscoder: the H.264 view of a channel for HLS and the
 * recorder (see lc-transcode.h).
 *
 * VP8 video goes through its own pipeline, isolated from the ingest:
 *
 *   appsrc (VP8 frames, channel time) ─ vp8dec ─ videoconvert ─ x264enc ─
 *     h264parse ─ appsink ──► output channel (video)
 *
 * H.264 video and Opus audio are handed to the output channel as they come.
 * Timestamps: the appsrc segment starts at 0, so the running time of an
 * encoded frame is the channel time of the VP8 frame it came from (x264enc
 * shifts its PTS by 1000 h and compensates in the segment: we convert back).
 *
 * Threads: set_caps/push run on the source channel's streaming threads, the
 * appsink callback on the encoder's; they touch only the fields under `lock`
 * (LC_TRANSCODER_LOCK) and the elements referenced there. Building and
 * stopping pipelines runs on worker threads (their GTask holds a reference,
 * so the object outlives every pipeline and its callbacks); the bus watch,
 * attaching to the output channel, failure and finishing run on the main
 * context captured at construction.
 */
#include "streamer/lc-transcode.h"

#include <gio/gio.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>

#include "common/lc-error.h"
#include "common/lc-source.h"

GST_DEBUG_CATEGORY_STATIC (lc_transcode_debug);
#define GST_CAT_DEFAULT lc_transcode_debug

#define LC_TRANSCODER_LOCK(t) g_mutex_lock (&(t)->lock)
#define LC_TRANSCODER_UNLOCK(t) g_mutex_unlock (&(t)->lock)

/* Input queue bound: far above what a healthy pipeline holds (a 720p VP8
 * keyframe is ~100 kB). */
#define INPUT_QUEUE_BYTES (4 * 1024 * 1024)
/* No output for this long while the input queue stays full: stalled. */
#define STALL_US (5 * G_USEC_PER_SEC)
/* How long the encoder may take to drain at the end. */
#define DRAIN_TIMEOUT_MS 3000
/* Bitrate follows the input, measured over windows of this much media. */
#define BITRATE_WINDOW (2 * GST_SECOND)
#define BITRATE_START_KBPS 1000
#define BITRATE_MIN_KBPS 200
#define BITRATE_MAX_KBPS 8000
/* Consecutive undecodable frames before the decoder gives up (each error
 * also asks the publisher for a keyframe, so a healthy stream recovers long
 * before): about 4 s at 25 fps. */
#define MAX_DECODE_ERRORS 100
/* The encoder's own keyframe distance is twice the clock (in frames at up to
 * this rate): requests on the clock come first, this is only a backstop. */
#define ASSUMED_FPS 30

typedef enum
{
  MODE_NONE,        /* no video caps yet */
  MODE_PASSTHROUGH, /* H.264 (or anything that is not VP8): handed on as is */
  MODE_TRANSCODE,   /* VP8 → H.264 */
} Mode;

struct _LcTranscoder
{
  GObject parent_instance;

  /* Immutable after construction. */
  GWeakRef source;
  LcChannel *output;
  char *lesson_id;
  guint keyframe_interval;
  GMainContext *context;

  /* Main context only. */
  gboolean started;
  gboolean attached;       /* publisher of the output channel */
  gboolean publisher_gone; /* the source's publisher is gone */
  gboolean building;       /* a build job is in flight */
  gboolean finishing;      /* finish() called; a self-ref is held until done */
  gboolean finished;
  gint fed; /* atomic: the running pipeline got a frame */
  GstElement *pipeline;
  GSource *bus_source;
  GSource *drain_timer;
  char *error;

  GMutex lock; /* LC_TRANSCODER_LOCK: everything below */
  Mode mode;
  gboolean failed; /* push() returns FALSE */
  gboolean build_wanted;
  GstCaps *input_caps; /* VP8 caps for the appsrc */
  GstAppSrc *src;      /* the running pipeline's input (ref), or NULL */
  GstElement *encoder; /* its x264enc (ref), or NULL */
  GstCaps *output_video_caps;
  gboolean video_started;   /* a frame was encoded since VP8 began: audio may follow */
  GstCaps *held_audio_caps; /* audio caps held back until then */
  gboolean waiting_keyframe;
  GQueue pending; /* GstBuffer: VP8 from a keyframe on, while the pipeline is built */
  gsize pending_bytes;
  gint64 last_output; /* monotonic µs of the last encoded frame */
  gint64 stall_since; /* monotonic µs the input queue was first found full, 0 = not */
  gboolean stall_reported;
  guint bitrate; /* kbit/s set on the encoder */
  guint64 window_bytes;
  GstClockTime window_start;
  guint64 frames_encoded;
  guint64 dropped;
};

static void lc_transcoder_consumer_init (LcConsumerInterface *iface);

G_DEFINE_TYPE_WITH_CODE (LcTranscoder, lc_transcoder, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (LC_TYPE_CONSUMER, lc_transcoder_consumer_init))

enum
{
  SIGNAL_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void fail (LcTranscoder *self, const char *reason);
static void complete_finish (LcTranscoder *self);

/* ---- helpers ---- */

static const char *
caps_name (const GstCaps *caps)
{
  if (caps == NULL || gst_caps_is_empty (caps) || gst_caps_is_any (caps))
    return "";
  return gst_structure_get_name (gst_caps_get_structure (caps, 0));
}

static void
request_source_keyframe (LcTranscoder *self, const char *reason)
{
  g_autoptr (LcChannel) source = g_weak_ref_get (&self->source);

  if (source != NULL)
    lc_channel_request_keyframe (source, reason);
}

/* Run func(self) on the main context soon (self referenced meanwhile). */
static void
defer_to_context (LcTranscoder *self, GSourceFunc func)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, g_object_ref (self), g_object_unref);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

static void on_output_keyframe_request (gpointer user_data);

/* Main context. */
static void
attach_output (LcTranscoder *self)
{
  g_autoptr (GError) error = NULL;

  if (self->attached || self->finished || self->error != NULL)
    return;
  if (!lc_channel_attach_publisher (self->output, self, on_output_keyframe_request, self, &error))
    {
      g_warning ("lesson %s: transcoder: %s", self->lesson_id, error->message);
      return;
    }
  self->attached = TRUE;
}

static void
detach_output (LcTranscoder *self)
{
  if (!self->attached)
    return;
  self->attached = FALSE;
  lc_channel_detach_publisher (self->output, self);
}

/* ---- the output side (any thread) ---- */

/* The output channel wants a keyframe (the HLS segment clock, a consumer
 * joining): the encoder makes one; in pass-through the publisher does. */
static void
on_output_keyframe_request (gpointer user_data)
{
  LcTranscoder *self = user_data;
  GstElement *encoder = NULL;
  Mode mode;

  LC_TRANSCODER_LOCK (self);
  mode = self->mode;
  if (self->encoder != NULL)
    encoder = gst_object_ref (self->encoder);
  LC_TRANSCODER_UNLOCK (self);

  if (mode == MODE_TRANSCODE)
    {
      /* Without an encoder yet: its first frame is a keyframe anyway. */
      if (encoder != NULL)
        {
          GST_DEBUG ("lesson %s: transcoder: keyframe forced", self->lesson_id);
          gst_element_send_event (
              encoder, gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0));
        }
    }
  else if (mode == MODE_PASSTHROUGH)
    request_source_keyframe (self, "transcoder pass-through");
  if (encoder != NULL)
    gst_object_unref (encoder);
}

/* Encoder thread: one H.264 access unit. */
static GstFlowReturn
on_encoded_sample (GstAppSink *sink, gpointer user_data)
{
  LcTranscoder *self = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  g_autoptr (GstBuffer) timed = NULL;
  GstBuffer *buffer;
  GstCaps *caps;
  const GstSegment *segment;
  GstClockTime running;
  gboolean caps_changed = FALSE;
  gboolean first = FALSE;
  g_autoptr (GstCaps) audio_caps = NULL;

  if (sample == NULL)
    return GST_FLOW_OK;
  buffer = gst_sample_get_buffer (sample);
  caps = gst_sample_get_caps (sample);
  segment = gst_sample_get_segment (sample);
  if (buffer == NULL || caps == NULL || segment == NULL || segment->format != GST_FORMAT_TIME
      || !GST_BUFFER_PTS_IS_VALID (buffer))
    return GST_FLOW_OK;
  running = gst_segment_to_running_time (segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
  if (!GST_CLOCK_TIME_IS_VALID (running))
    return GST_FLOW_OK;

  LC_TRANSCODER_LOCK (self);
  if (self->failed || self->mode != MODE_TRANSCODE)
    {
      LC_TRANSCODER_UNLOCK (self);
      return GST_FLOW_OK; /* a leftover after a switch to pass-through */
    }
  self->last_output = g_get_monotonic_time ();
  self->stall_since = 0;
  self->frames_encoded++;
  if (!self->video_started)
    {
      first = TRUE;
      audio_caps = g_steal_pointer (&self->held_audio_caps);
    }
  if (self->output_video_caps == NULL || !gst_caps_is_equal (self->output_video_caps, caps))
    {
      gst_caps_replace (&self->output_video_caps, caps);
      caps_changed = TRUE;
    }
  LC_TRANSCODER_UNLOCK (self);

  if (caps_changed)
    {
      GST_INFO ("lesson %s: transcoder output %" GST_PTR_FORMAT, self->lesson_id, caps);
      lc_channel_set_caps (self->output, LC_MEDIA_VIDEO, caps);
    }
  timed = gst_buffer_copy (buffer); /* metadata copy; memory shared */
  GST_BUFFER_PTS (timed) = running;
  GST_BUFFER_DTS (timed) = running; /* zerolatency: no B-frames */
  lc_channel_push (self->output, LC_MEDIA_VIDEO, timed);
  if (first)
    {
      /* Audio may follow now, after this frame: the output channel's time
       * starts at the video (live audio is ahead of the transcoded video by
       * the encoding delay; starting at the audio would squash the first
       * frames' timestamps). */
      if (audio_caps != NULL)
        lc_channel_set_caps (self->output, LC_MEDIA_AUDIO, audio_caps);
      LC_TRANSCODER_LOCK (self);
      self->video_started = TRUE;
      LC_TRANSCODER_UNLOCK (self);
    }
  return GST_FLOW_OK;
}

/* ---- pipelines (built and stopped on worker threads) ---- */

typedef struct
{
  GstCaps *caps;
  guint bitrate;
  guint key_int;
  GstElement *pipeline;
  GstElement *src;
  GstElement *encoder;
} BuildJob;

static void
build_job_free (gpointer data)
{
  BuildJob *job = data;

  gst_clear_caps (&job->caps);
  gst_clear_object (&job->src);
  gst_clear_object (&job->encoder);
  if (job->pipeline != NULL)
    {
      gst_element_set_state (job->pipeline, GST_STATE_NULL);
      gst_clear_object (&job->pipeline);
    }
  g_free (job);
}

/* Decoder thread: vp8dec asks for a sync point after an error (a lost
 * packet): the publisher is asked for a keyframe (the source channel
 * rate-limits it). */
static GstPadProbeReturn
on_decoder_request (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

  if (event != NULL && gst_video_event_is_force_key_unit (event))
    request_source_keyframe (user_data, "transcoder decode error");
  return GST_PAD_PROBE_OK;
}

static void
build_job_run (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  LcTranscoder *self = source;
  BuildJob *job = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) sink = NULL;
  g_autofree char *description = NULL;
  GstAppSinkCallbacks callbacks = { .new_sample = on_encoded_sample };
  gint64 began = g_get_monotonic_time ();

  /* speed-preset 1 = ultrafast, tune 4 = zerolatency (no B-frames, no
   * lookahead: a frame in, a frame out). */
  description = g_strdup_printf (
      "appsrc name=src format=time is-live=false block=false stream-type=stream "
      "max-bytes=%u emit-signals=false "
      "! vp8dec max-errors=%d automatic-request-sync-points=true "
      "! videoconvert ! video/x-raw,format=I420 "
      "! x264enc name=enc tune=zerolatency speed-preset=ultrafast bitrate=%u key-int-max=%u "
      "! video/x-h264,stream-format=byte-stream,alignment=au "
      "! h264parse config-interval=-1 ! video/x-h264,stream-format=byte-stream,alignment=au "
      "! appsink name=sink sync=false async=false emit-signals=false max-buffers=64",
      INPUT_QUEUE_BYTES, MAX_DECODE_ERRORS, job->bitrate, job->key_int);
  job->pipeline = gst_parse_launch_full (description, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &error);
  if (job->pipeline == NULL)
    {
      g_task_return_new_error (task, LC_ERROR, LC_ERROR_UNAVAILABLE,
                               "the transcode pipeline cannot be built: %s", error->message);
      return;
    }
  gst_object_ref_sink (job->pipeline);
  job->src = gst_bin_get_by_name (GST_BIN (job->pipeline), "src");
  job->encoder = gst_bin_get_by_name (GST_BIN (job->pipeline), "enc");
  sink = gst_bin_get_by_name (GST_BIN (job->pipeline), "sink");
  gst_app_src_set_caps (GST_APP_SRC (job->src), job->caps);
  {
    g_autoptr (GstPad) pad = gst_element_get_static_pad (job->src, "src");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, on_decoder_request, self, NULL);
  }
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, self, NULL);
  if (gst_element_set_state (job->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_task_return_new_error (task, LC_ERROR, LC_ERROR_INTERNAL,
                               "the transcode pipeline did not start");
      return;
    }
  GST_INFO ("lesson %s: transcode pipeline started in %" G_GINT64_FORMAT " us", self->lesson_id,
            g_get_monotonic_time () - began);
  g_task_return_boolean (task, TRUE);
}

static void
stop_job_run (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  gst_element_set_state (GST_ELEMENT (data), GST_STATE_NULL);
  g_task_return_boolean (task, TRUE);
}

/* Main context: stop the running pipeline on a worker thread (the task
 * holds a reference on self until the pipeline is down). */
static void
stop_pipeline (LcTranscoder *self)
{
  GstAppSrc *src;
  GstElement *encoder;

  LC_TRANSCODER_LOCK (self);
  src = g_steal_pointer (&self->src);
  encoder = g_steal_pointer (&self->encoder);
  g_queue_clear_full (&self->pending, (GDestroyNotify)gst_buffer_unref);
  self->pending_bytes = 0;
  LC_TRANSCODER_UNLOCK (self);
  gst_clear_object (&src);
  gst_clear_object (&encoder);
  lc_source_clear (&self->bus_source);
  lc_source_clear (&self->drain_timer);
  if (self->pipeline == NULL)
    return;

  g_autoptr (GTask) task = g_task_new (self, NULL, NULL, NULL);
  g_task_set_task_data (task, g_steal_pointer (&self->pipeline), gst_object_unref);
  g_task_run_in_thread (task, stop_job_run);
}

static gboolean
on_drain_timeout (gpointer user_data)
{
  LcTranscoder *self = user_data;

  g_clear_pointer (&self->drain_timer, g_source_unref);
  g_warning ("lesson %s: transcoder did not drain in %d ms; finishing without the last frames",
             self->lesson_id, DRAIN_TIMEOUT_MS);
  complete_finish (self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  LcTranscoder *self = user_data;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ERROR:
      {
        g_autoptr (GError) error = NULL;
        g_autofree char *debug = NULL;
        g_autofree char *reason = NULL;

        gst_message_parse_error (message, &error, &debug);
        GST_WARNING ("lesson %s: %s: %s (%s)", self->lesson_id, GST_OBJECT_NAME (message->src),
                     error->message, debug != NULL ? debug : "");
        reason = g_strdup_printf ("%s: %s", GST_OBJECT_NAME (message->src), error->message);
        fail (self, reason);
        return G_SOURCE_CONTINUE; /* fail() removed this watch */
      }
    case GST_MESSAGE_EOS:
      if (self->finishing)
        complete_finish (self);
      return G_SOURCE_CONTINUE; /* the watch is gone */
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

/* Main context: the build job is done. */
static void
on_pipeline_built (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LcTranscoder *self = LC_TRANSCODER (source);
  BuildJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;

  self->building = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      fail (self, error->message);
      return;
    }
  self->pipeline = g_steal_pointer (&job->pipeline);
  if (self->finishing || self->finished || self->error != NULL)
    {
      stop_pipeline (self); /* not wanted any more */
      return;
    }

  g_autoptr (GstBus) bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
  self->bus_source = gst_bus_create_watch (bus);
  g_source_set_callback (self->bus_source, (GSourceFunc)(void (*) (void))on_bus_message, self,
                         NULL);
  g_source_attach (self->bus_source, self->context);

  LC_TRANSCODER_LOCK (self);
  self->src = GST_APP_SRC (g_steal_pointer (&job->src));
  self->encoder = g_steal_pointer (&job->encoder);
  self->last_output = g_get_monotonic_time ();
  self->stall_since = 0;
  /* Caps that changed while it was being built, then the frames kept
   * meanwhile (from a keyframe on), in order: under the lock, so the next
   * push() comes after them. */
  if (self->input_caps != NULL && !gst_caps_is_equal (self->input_caps, job->caps))
    gst_app_src_set_caps (self->src, self->input_caps);
  guint kept = self->pending.length;
  GstBuffer *buffer;
  while ((buffer = g_queue_pop_head (&self->pending)) != NULL)
    gst_app_src_push_buffer (self->src, buffer);
  self->pending_bytes = 0;
  if (kept > 0)
    g_atomic_int_set (&self->fed, TRUE);
  self->waiting_keyframe = kept == 0;
  LC_TRANSCODER_UNLOCK (self);

  g_message ("lesson %s: transcoding VP8 to H.264 for HLS and the recording (%u kbit/s to start; "
             "%u frames kept while starting)",
             self->lesson_id, job->bitrate, kept);
  /* The decoder starts at a keyframe. */
  if (kept == 0)
    request_source_keyframe (self, "transcoder start");
}

/* Main context: build a pipeline if VP8 wants one and none runs. */
static gboolean
maybe_build_cb (gpointer user_data)
{
  LcTranscoder *self = user_data;
  BuildJob *job;

  LC_TRANSCODER_LOCK (self);
  gboolean wanted
      = self->build_wanted && self->mode == MODE_TRANSCODE && self->src == NULL && !self->failed;
  self->build_wanted = FALSE;
  g_autoptr (GstCaps) caps = self->input_caps != NULL ? gst_caps_ref (self->input_caps) : NULL;
  guint bitrate = self->bitrate;
  LC_TRANSCODER_UNLOCK (self);

  if (!wanted || caps == NULL || self->building || self->pipeline != NULL || self->finishing
      || self->finished)
    return G_SOURCE_REMOVE;

  job = g_new0 (BuildJob, 1);
  job->caps = g_steal_pointer (&caps);
  job->bitrate = bitrate;
  job->key_int = MAX (self->keyframe_interval, 1) * ASSUMED_FPS * 2;
  self->building = TRUE;
  g_atomic_int_set (&self->fed, FALSE);
  g_autoptr (GTask) task = g_task_new (self, NULL, on_pipeline_built, NULL);
  g_task_set_task_data (task, job, build_job_free);
  g_task_run_in_thread (task, build_job_run);
  return G_SOURCE_REMOVE;
}

/* ---- failure and the end (main context) ---- */

static void
fail (LcTranscoder *self, const char *reason)
{
  if (self->error != NULL || self->finished)
    return;
  self->error = g_strdup (reason);
  LC_TRANSCODER_LOCK (self);
  self->failed = TRUE;
  LC_TRANSCODER_UNLOCK (self);
  g_warning ("lesson %s: transcoder failed: %s; HLS and the recording stop here, WebRTC "
             "viewers go on",
             self->lesson_id, reason);
  /* HLS closes its segment, the recorder continues after the gap if the
   * lesson ends normally; finish() still finishes them. */
  detach_output (self);
  stop_pipeline (self);
  g_signal_emit (self, signals[SIGNAL_FAILED], 0);
  if (self->finishing)
    complete_finish (self);
}

static gboolean
report_stall_cb (gpointer user_data)
{
  fail (user_data, "the VP8 to H.264 transcoder stalled (no output for 5 s)");
  return G_SOURCE_REMOVE;
}

static void
release_finishing (LcTranscoder *self)
{
  if (!self->finishing)
    return;
  self->finishing = FALSE;
  g_object_unref (self); /* taken in finish(); may be the last reference */
}

/* No more frames will come: finish the output channel (HLS ENDLIST, the
 * recording finalised). */
static void
complete_finish (LcTranscoder *self)
{
  if (self->finished)
    return;
  self->finished = TRUE;
  stop_pipeline (self);
  self->attached = FALSE; /* finishing the channel lets the publisher go */
  lc_channel_finish (self->output);
  g_info ("lesson %s: transcoder finished (%" G_GUINT64_FORMAT " frames encoded, %" G_GUINT64_FORMAT
          " dropped)",
          self->lesson_id, lc_transcoder_get_frames_encoded (self), self->dropped);
  release_finishing (self);
}

/* ---- LcConsumer ---- */

static void
transcoder_set_caps (LcConsumer *consumer, LcMediaKind kind, GstCaps *caps)
{
  LcTranscoder *self = LC_TRANSCODER (consumer);
  GstAppSrc *src = NULL;
  g_autoptr (GstCaps) held = NULL;
  gboolean build = FALSE;
  gboolean pass = TRUE;

  if (kind != LC_MEDIA_VIDEO)
    {
      /* While VP8 has not produced its first H.264 frame, consumers must not
       * see audio alone (HLS would package it alone): held until then. */
      LC_TRANSCODER_LOCK (self);
      gboolean hold = self->mode == MODE_TRANSCODE && !self->video_started;
      if (hold)
        gst_caps_replace (&self->held_audio_caps, caps);
      LC_TRANSCODER_UNLOCK (self);
      if (!hold)
        lc_channel_set_caps (self->output, kind, caps);
      return;
    }

  LC_TRANSCODER_LOCK (self);
  if (g_str_equal (caps_name (caps), "video/x-vp8"))
    {
      if (self->mode != MODE_TRANSCODE)
        {
          self->mode = MODE_TRANSCODE;
          self->waiting_keyframe = TRUE;
          self->video_started = FALSE;
        }
      gst_caps_replace (&self->input_caps, caps);
      if (self->src != NULL)
        src = GST_APP_SRC (gst_object_ref (self->src));
      else if (!self->build_wanted)
        build = self->build_wanted = TRUE;
      pass = FALSE;
    }
  else
    {
      /* H.264 as it is; anything else too, so that HLS and the recorder
       * say themselves why they cannot take it. */
      self->mode = MODE_PASSTHROUGH;
      gst_clear_caps (&self->output_video_caps);
      held = g_steal_pointer (&self->held_audio_caps);
    }
  LC_TRANSCODER_UNLOCK (self);

  if (pass)
    lc_channel_set_caps (self->output, LC_MEDIA_VIDEO, caps);
  if (held != NULL)
    lc_channel_set_caps (self->output, LC_MEDIA_AUDIO, held);

  if (src != NULL)
    {
      gst_app_src_set_caps (src, caps);
      gst_object_unref (src);
    }
  if (build)
    defer_to_context (self, maybe_build_cb);
}

/* Under the lock: follow the input's bitrate (bytes over BITRATE_WINDOW of
 * media time). Returns the new bitrate to set, or 0. */
static guint
measure_bitrate_locked (LcTranscoder *self, GstBuffer *buffer, GstClockTime pts)
{
  /* A new window at the start, after a step back, and after a gap: a
   * publisher that reconnects continues channel time past the gap (its
   * first buffer is DISCONT), and seconds without media would pull the
   * measured bitrate down to the minimum for a whole window. */
  if (!GST_CLOCK_TIME_IS_VALID (self->window_start) || pts < self->window_start
      || pts - self->window_start > 2 * BITRATE_WINDOW
      || GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DISCONT))
    {
      self->window_start = pts;
      self->window_bytes = 0;
    }
  self->window_bytes += gst_buffer_get_size (buffer);
  if (pts - self->window_start < BITRATE_WINDOW)
    return 0;

  guint64 kbps = self->window_bytes * 8 * GST_SECOND / (pts - self->window_start) / 1000;
  kbps = CLAMP (kbps, BITRATE_MIN_KBPS, BITRATE_MAX_KBPS);
  self->window_start = pts;
  self->window_bytes = 0;
  /* Only a change of more than 15 % reconfigures the encoder. */
  if (kbps * 100 > (guint64)self->bitrate * 115 || kbps * 100 < (guint64)self->bitrate * 85)
    {
      self->bitrate = (guint)kbps;
      return self->bitrate;
    }
  return 0;
}

static gboolean
transcoder_push (LcConsumer *consumer, LcMediaKind kind, GstBuffer *buffer)
{
  LcTranscoder *self = LC_TRANSCODER (consumer);
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  gboolean keyframe = !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  GstAppSrc *src = NULL;
  GstElement *encoder = NULL;
  guint new_bitrate = 0;
  Mode mode;

  LC_TRANSCODER_LOCK (self);
  if (self->failed)
    {
      LC_TRANSCODER_UNLOCK (self);
      return FALSE;
    }
  mode = self->mode;
  if (kind == LC_MEDIA_AUDIO && mode == MODE_TRANSCODE && !self->video_started)
    {
      /* Audio waits for the first encoded frame: consumers then start with
       * both kinds (HLS would otherwise package the audio alone). */
      LC_TRANSCODER_UNLOCK (self);
      return TRUE;
    }
  if (kind != LC_MEDIA_VIDEO || mode != MODE_TRANSCODE)
    {
      LC_TRANSCODER_UNLOCK (self);
      lc_channel_push (self->output, kind, buffer);
      return TRUE;
    }

  /* VP8. */
  if (!GST_CLOCK_TIME_IS_VALID (pts))
    {
      self->dropped++;
      LC_TRANSCODER_UNLOCK (self);
      return TRUE;
    }
  if (self->src == NULL)
    {
      /* The pipeline is being built: keep the frames from a keyframe on
       * (bounded), so the output starts where the input did. */
      if (keyframe && self->pending.length == 0)
        self->waiting_keyframe = FALSE;
      if (self->waiting_keyframe || self->failed
          || self->pending_bytes + gst_buffer_get_size (buffer) > INPUT_QUEUE_BYTES)
        {
          g_queue_clear_full (&self->pending, (GDestroyNotify)gst_buffer_unref);
          self->pending_bytes = 0;
          self->waiting_keyframe = TRUE;
          self->dropped++;
        }
      else
        {
          g_queue_push_tail (&self->pending, gst_buffer_ref (buffer));
          self->pending_bytes += gst_buffer_get_size (buffer);
        }
      LC_TRANSCODER_UNLOCK (self);
      return TRUE;
    }
  if (self->waiting_keyframe && !keyframe)
    {
      self->dropped++;
      LC_TRANSCODER_UNLOCK (self);
      request_source_keyframe (self, "transcoder waiting for a keyframe"); /* rate-limited */
      return TRUE;
    }
  src = GST_APP_SRC (gst_object_ref (self->src));
  new_bitrate = measure_bitrate_locked (self, buffer, pts);
  if (new_bitrate != 0 && self->encoder != NULL)
    encoder = gst_object_ref (self->encoder);
  LC_TRANSCODER_UNLOCK (self);

  if (encoder != NULL)
    {
      GST_INFO ("lesson %s: transcoder bitrate %u kbit/s (follows the input)", self->lesson_id,
                new_bitrate);
      g_object_set (encoder, "bitrate", new_bitrate, NULL);
      gst_object_unref (encoder);
    }

  /* A full queue: the pipeline is slow or stuck. Drop (never block the
   * ingest) and resume at a keyframe; stuck for long is a failure. */
  if (gst_app_src_get_current_level_bytes (src) + gst_buffer_get_size (buffer)
      > gst_app_src_get_max_bytes (src))
    {
      gint64 now = g_get_monotonic_time ();
      gboolean stalled = FALSE;

      gst_object_unref (src);
      LC_TRANSCODER_LOCK (self);
      self->dropped++;
      self->waiting_keyframe = TRUE;
      if (self->stall_since == 0)
        self->stall_since = now;
      if (now - self->stall_since > STALL_US && now - self->last_output > STALL_US
          && !self->stall_reported)
        stalled = self->stall_reported = TRUE;
      LC_TRANSCODER_UNLOCK (self);
      if (stalled)
        defer_to_context (self, report_stall_cb);
      return TRUE;
    }

  LC_TRANSCODER_LOCK (self);
  self->waiting_keyframe = FALSE;
  LC_TRANSCODER_UNLOCK (self);
  g_atomic_int_set (&self->fed, TRUE);
  gst_app_src_push_buffer (src, gst_buffer_ref (buffer));
  gst_object_unref (src);
  return TRUE;
}

static void
transcoder_publisher_gap (LcConsumer *consumer, gboolean gone)
{
  LcTranscoder *self = LC_TRANSCODER (consumer);

  self->publisher_gone = gone;
  if (gone)
    {
      /* After the gap, the output starts with video again (see
       * on_encoded_sample). */
      LC_TRANSCODER_LOCK (self);
      if (self->mode == MODE_TRANSCODE)
        self->video_started = FALSE;
      LC_TRANSCODER_UNLOCK (self);
      detach_output (self);
    }
  else
    attach_output (self);
}

static void
transcoder_finish (LcConsumer *consumer)
{
  LcTranscoder *self = LC_TRANSCODER (consumer);
  GstAppSrc *src;

  if (self->finishing || self->finished)
    return;
  /* The source channel drops its reference right after this: stay alive
   * until the encoder has drained and the output channel is finished. */
  self->finishing = TRUE;
  g_object_ref (self);

  LC_TRANSCODER_LOCK (self);
  src = g_steal_pointer (&self->src); /* no more input */
  LC_TRANSCODER_UNLOCK (self);
  if (src == NULL || self->pipeline == NULL || self->error != NULL
      || !g_atomic_int_get (&self->fed))
    {
      gst_clear_object (&src);
      complete_finish (self);
      return;
    }
  /* Drain: the frames still in the encoder reach the output channel, then
   * EOS on the bus completes the finish. */
  gst_app_src_end_of_stream (src);
  gst_object_unref (src);
  self->drain_timer = g_timeout_source_new (DRAIN_TIMEOUT_MS);
  g_source_set_callback (self->drain_timer, on_drain_timeout, self, NULL);
  g_source_attach (self->drain_timer, self->context);
}

static const char *
transcoder_get_name (LcConsumer *consumer)
{
  return "transcoder";
}

static void
lc_transcoder_consumer_init (LcConsumerInterface *iface)
{
  iface->set_caps = transcoder_set_caps;
  iface->push = transcoder_push;
  iface->publisher_gap = transcoder_publisher_gap;
  iface->finish = transcoder_finish;
  iface->get_name = transcoder_get_name;
}

/* ---- GObject ---- */

static void
lc_transcoder_dispose (GObject *object)
{
  LcTranscoder *self = LC_TRANSCODER (object);

  /* No job is in flight (each holds a reference). */
  lc_source_clear (&self->bus_source);
  lc_source_clear (&self->drain_timer);
  LC_TRANSCODER_LOCK (self);
  gst_clear_object (&self->src);
  gst_clear_object (&self->encoder);
  g_queue_clear_full (&self->pending, (GDestroyNotify)gst_buffer_unref);
  self->pending_bytes = 0;
  LC_TRANSCODER_UNLOCK (self);
  if (self->pipeline != NULL)
    {
      gst_element_set_state (self->pipeline, GST_STATE_NULL);
      gst_clear_object (&self->pipeline);
    }
  if (self->output != NULL && !self->finished)
    {
      self->finished = TRUE;
      lc_channel_finish (self->output);
    }
  G_OBJECT_CLASS (lc_transcoder_parent_class)->dispose (object);
}

static void
lc_transcoder_finalize (GObject *object)
{
  LcTranscoder *self = LC_TRANSCODER (object);

  g_weak_ref_clear (&self->source);
  g_clear_object (&self->output);
  g_free (self->lesson_id);
  g_free (self->error);
  g_clear_pointer (&self->context, g_main_context_unref);
  gst_clear_caps (&self->input_caps);
  gst_clear_caps (&self->output_video_caps);
  gst_clear_caps (&self->held_audio_caps);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (lc_transcoder_parent_class)->finalize (object);
}

static void
lc_transcoder_class_init (LcTranscoderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lc_transcoder_dispose;
  object_class->finalize = lc_transcoder_finalize;

  signals[SIGNAL_FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 0);
  GST_DEBUG_CATEGORY_INIT (lc_transcode_debug, "lc-transcode", 0, "lessoncast VP8 transcoder");
}

static void
lc_transcoder_init (LcTranscoder *self)
{
  g_mutex_init (&self->lock);
  g_weak_ref_init (&self->source, NULL);
  g_queue_init (&self->pending);
  self->bitrate = BITRATE_START_KBPS;
  self->window_start = GST_CLOCK_TIME_NONE;
}

LcTranscoder *
lc_transcoder_new (LcChannel *source, guint keyframe_interval)
{
  g_return_val_if_fail (LC_IS_CHANNEL (source), NULL);

  LcTranscoder *self = g_object_new (LC_TYPE_TRANSCODER, NULL);
  g_weak_ref_set (&self->source, source);
  self->lesson_id = g_strdup (lc_channel_get_lesson_id (source));
  self->keyframe_interval = MAX (keyframe_interval, 1);
  self->context = g_main_context_ref_thread_default ();
  self->output = lc_channel_new (self->lesson_id);
  return self;
}

gboolean
lc_transcoder_start (LcTranscoder *transcoder, GError **error)
{
  g_return_val_if_fail (LC_IS_TRANSCODER (transcoder), FALSE);
  g_return_val_if_fail (!transcoder->started, FALSE);

  LcTranscoder *self = transcoder;
  g_autoptr (LcChannel) source = g_weak_ref_get (&self->source);
  const char *needed[] = { "vp8dec", "videoconvert", "x264enc", "h264parse", "appsrc", "appsink" };

  if (source == NULL)
    {
      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "lesson %s: the channel is gone",
                    self->lesson_id);
      return FALSE;
    }
  if (!gst_is_initialized () && !gst_init_check (NULL, NULL, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (needed); i++)
    {
      g_autoptr (GstElementFactory) factory = gst_element_factory_find (needed[i]);
      if (factory == NULL)
        {
          lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL,
                        "GStreamer element %s is not installed (needed to transcode VP8)",
                        needed[i]);
          return FALSE;
        }
    }
  /* The output channel's keyframe function: HLS's clock reaches the encoder. */
  g_autoptr (GError) attach_error = NULL;
  if (!lc_channel_attach_publisher (self->output, self, on_output_keyframe_request, self,
                                    &attach_error))
    {
      g_propagate_error (error, g_steal_pointer (&attach_error));
      return FALSE;
    }
  self->attached = TRUE;
  /* Short segments: let requests on the clock through the source's limiter
   * in pass-through too (as the HLS packager does for its own channel). */
  if (self->keyframe_interval < 2)
    lc_channel_set_keyframe_min_interval (source, self->keyframe_interval * 750);
  self->started = TRUE;
  lc_channel_add_consumer (source, LC_CONSUMER (self));
  return TRUE;
}

LcChannel *
lc_transcoder_get_output (LcTranscoder *transcoder)
{
  g_return_val_if_fail (LC_IS_TRANSCODER (transcoder), NULL);
  return transcoder->output;
}

gboolean
lc_transcoder_is_transcoding (LcTranscoder *transcoder)
{
  return lc_transcoder_get_frames_encoded (transcoder) > 0;
}

guint64
lc_transcoder_get_frames_encoded (LcTranscoder *transcoder)
{
  g_return_val_if_fail (LC_IS_TRANSCODER (transcoder), 0);

  LC_TRANSCODER_LOCK (transcoder);
  guint64 n = transcoder->frames_encoded;
  LC_TRANSCODER_UNLOCK (transcoder);
  return n;
}

const char *
lc_transcoder_get_error (LcTranscoder *transcoder)
{
  g_return_val_if_fail (LC_IS_TRANSCODER (transcoder), NULL);
  return transcoder->error;
}
