/* lc-whip-ingest.c — LcWhipIngest: one WHIP publisher. webrtcbin answers the
 * offer with recvonly transceivers whose codec preferences pick H.264
 * (packetization-mode=1), else VP8 (if allowed), and Opus; the answer goes
 * out once ICE gathering completes (non-trickle, our candidates inside).
 * Incoming RTP is depayloaded (H.264 through h264parse to byte-stream AUs
 * with SPS/PPS before each IDR) into appsinks whose callbacks push into the
 * channel. The first media makes the ingest the channel's publisher; a media
 * gap of MEDIA_TIMEOUT_S detaches it (the publisher "dropped") and media
 * coming back attaches it again. Keyframe requests from the channel become a
 * GstForceKeyUnit event upstream, which rtpbin turns into RTCP PLI.
 *
 * Threads: the public API runs on the main context. webrtcbin's promise and
 * notify callbacks and the appsink callbacks run on GStreamer threads; they
 * hop to the main context (an idle source holding a ref) for
 * anything that touches state, except the media push itself, which runs on
 * the streaming thread under push_lock (read) so that detaching (write)
 * never races a push into a channel that has another publisher by then.
 * `lock` (LC_INGEST_LOCK) guards the video depayloader pad and last_media.
 */
#include "streamer/lc-whip-ingest.h"

#include <gst/app/gstappsink.h>
#include <gst/sdp/sdp.h>
#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>

#include "common/lc-error.h"
#include "common/lc-source.h"
#include "streamer/lc-sdp.h"
#include "streamer/lc-webrtc-private.h"

GST_DEBUG_CATEGORY_STATIC (lc_whip_ingest_debug);
#define GST_CAT_DEFAULT lc_whip_ingest_debug

#define LC_INGEST_LOCK(s) g_mutex_lock (&(s)->lock)
#define LC_INGEST_UNLOCK(s) g_mutex_unlock (&(s)->lock)

#define JITTER_LATENCY_MS 100
#define ANSWER_TIMEOUT_MS 10000 /* whole negotiation */
#define GATHER_TIMEOUT_MS 2000  /* after set-local-description: answer with what we have */
#define MEDIA_TIMEOUT_S 5       /* no media this long: the publisher dropped */

struct _LcWhipIngest
{
  GObject parent_instance;

  /* Main context only. */
  LcChannel *channel;
  LcIceConfig *ice;
  GMainContext *context;
  GThread *owner; /* the thread that created the ingest (runs context) */
  char *name;     /* for logs: "lesson <id> whip <n>" */
  gboolean allow_vp8;
  GstElement *pipeline;
  GstElement *webrtcbin;
  GTask *answer_task;
  GSource *answer_timeout;
  GSource *gather_timeout;
  GSource *watchdog;
  gboolean local_set;
  gboolean answered;
  gboolean closed, failed, media_timed_out;
  GstWebRTCICEConnectionState ice_state;
  LcSessionState state;
  const char *video_codec; /* static string */
  int video_pt, audio_pt;
  char *remote_ufrag;
  gint64 answer_started; /* monotonic µs, for the log */

  /* Streaming threads and main. */
  GMutex lock;              /* LC_INGEST_LOCK */
  GstPad *video_depay_sink; /* where keyframe requests go upstream */
  gint64 last_media;        /* monotonic µs of the newest buffer */

  GRWLock push_lock;     /* read: pushing; write: (de)attaching */
  gboolean attached;     /* push_lock */
  gboolean caps_sent[2]; /* push_lock (read) — per kind, one streaming thread each */
  GstCaps *last_caps[2]; /* per kind, its streaming thread only */
  gint attach_requested; /* atomic */
};

static void lc_whip_ingest_session_iface_init (LcWebrtcSessionInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LcWhipIngest, lc_whip_ingest, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LC_TYPE_WEBRTC_SESSION,
                                                      lc_whip_ingest_session_iface_init))

static void teardown (LcWhipIngest *self);

/* ---- main-context hops ---- */

typedef void (*MainFunc) (LcWhipIngest *self, gpointer data);

typedef struct
{
  LcWhipIngest *self;
  MainFunc func;
  gpointer data;
  GDestroyNotify free_data;
} Hop;

static gboolean
run_hop (gpointer user_data)
{
  Hop *hop = user_data;

  hop->func (hop->self, hop->data);
  return G_SOURCE_REMOVE;
}

static void
free_hop (gpointer user_data)
{
  Hop *hop = user_data;

  if (hop->free_data != NULL && hop->data != NULL)
    hop->free_data (hop->data);
  g_object_unref (hop->self);
  g_free (hop);
}

/* Run func on the main context: at once on its thread, else from an idle
 * source. Not g_main_context_invoke_full(): with the global default context,
 * when nobody holds it at that instant, invoke runs func at once on the
 * calling webrtcbin thread, and tearing the pipeline down from there
 * deadlocks. */
static void
hop_to_main (LcWhipIngest *self, MainFunc func, gpointer data, GDestroyNotify free_data)
{
  Hop *hop = g_new0 (Hop, 1);

  hop->self = g_object_ref (self);
  hop->func = func;
  hop->data = data;
  hop->free_data = free_data;
  if (g_thread_self () == self->owner || g_main_context_is_owner (self->context))
    {
      run_hop (hop);
      free_hop (hop);
      return;
    }

  GSource *source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, run_hop, hop, free_hop);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

static GSource *
add_timeout (LcWhipIngest *self, guint ms, GSourceFunc func)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, self->context);
  return source;
}

/* ---- state ---- */

static LcSessionState
compute_state (LcWhipIngest *self)
{
  if (self->closed)
    return LC_SESSION_CLOSED;
  if (self->failed)
    return LC_SESSION_FAILED;
  if (!self->answered)
    return LC_SESSION_NEW;
  if (self->media_timed_out)
    return LC_SESSION_DISCONNECTED;
  switch (self->ice_state)
    {
    case GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED:
    case GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED:
      return LC_SESSION_CONNECTED;
    case GST_WEBRTC_ICE_CONNECTION_STATE_DISCONNECTED:
      return LC_SESSION_DISCONNECTED;
    case GST_WEBRTC_ICE_CONNECTION_STATE_FAILED:
      return LC_SESSION_FAILED;
    case GST_WEBRTC_ICE_CONNECTION_STATE_CLOSED:
      return LC_SESSION_CLOSED;
    case GST_WEBRTC_ICE_CONNECTION_STATE_NEW:
    case GST_WEBRTC_ICE_CONNECTION_STATE_CHECKING:
    default:
      return LC_SESSION_CONNECTING;
    }
}

static void
update_state (LcWhipIngest *self)
{
  LcSessionState state = compute_state (self);

  if (state == self->state)
    return;
  g_info ("%s: %s -> %s", self->name, lc_session_state_to_string (self->state),
          lc_session_state_to_string (state));
  self->state = state;
  g_signal_emit_by_name (self, "state-changed", (int)state);
}

/* Main. Stop being the channel's publisher (no push in flight afterwards). */
static void
detach (LcWhipIngest *self)
{
  gboolean was_attached;

  g_rw_lock_writer_lock (&self->push_lock);
  was_attached = self->attached;
  self->attached = FALSE;
  g_rw_lock_writer_unlock (&self->push_lock);
  g_atomic_int_set (&self->attach_requested, FALSE);

  if (was_attached)
    lc_channel_detach_publisher (self->channel, self);
}

/* Main. Something broke: FAILED, out of the channel, media stopped. */
static void
fail_session (LcWhipIngest *self, const char *why)
{
  if (self->closed || self->failed)
    return;
  g_message ("%s: failed: %s", self->name, why);
  self->failed = TRUE;
  detach (self);
  teardown (self);
  update_state (self);
}

/* ---- answering ---- */

static void
answer_return_error (LcWhipIngest *self, GError *error)
{
  g_autoptr (GTask) task = g_steal_pointer (&self->answer_task);

  lc_source_clear (&self->answer_timeout);
  lc_source_clear (&self->gather_timeout);
  if (task != NULL)
    g_task_return_error (task, error);
  else
    g_error_free (error);
}

/* Main. Negotiation failed: report it and stop the pipeline. */
static void
negotiation_failed (LcWhipIngest *self, LcErrorCode code, const char *message)
{
  GError *error = g_error_new_literal (LC_ERROR, code, message);

  g_info ("%s: negotiation failed: %s", self->name, message);
  answer_return_error (self, error);
  if (!self->closed && !self->failed)
    {
      self->failed = TRUE;
      teardown (self);
      update_state (self);
    }
}

typedef struct
{
  LcErrorCode code;
  char *message;
} FailData;

static void
fail_data_free (gpointer data)
{
  FailData *fail = data;

  g_free (fail->message);
  g_free (fail);
}

static void
on_main_negotiation_failed (LcWhipIngest *self, gpointer data)
{
  FailData *fail = data;

  if (self->answer_task != NULL)
    negotiation_failed (self, fail->code, fail->message);
}

/* Any thread. */
static void
report_negotiation_failure (LcWhipIngest *self, LcErrorCode code, const char *what,
                            const GError *error)
{
  FailData *fail = g_new0 (FailData, 1);

  fail->code = code;
  fail->message = g_strdup_printf ("%s%s%s", what, error != NULL ? ": " : "",
                                   error != NULL ? error->message : "");
  hop_to_main (self, on_main_negotiation_failed, fail, fail_data_free);
}

/* Main. The answer (with our gathered candidates) goes back to the caller. */
static void
finish_answer (LcWhipIngest *self)
{
  GstWebRTCSessionDescription *local = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GTask) task = NULL;

  if (self->answer_task == NULL || self->webrtcbin == NULL)
    return;
  lc_source_clear (&self->answer_timeout);
  lc_source_clear (&self->gather_timeout);

  g_object_get (self->webrtcbin, "local-description", &local, NULL);
  if (local == NULL)
    {
      negotiation_failed (self, LC_ERROR_UNAVAILABLE, "webrtcbin has no local description");
      return;
    }
  text = gst_sdp_message_as_text (local->sdp);
  gst_webrtc_session_description_free (local);

  task = g_steal_pointer (&self->answer_task);
  self->answered = TRUE;
  g_info ("%s: answered (%s%s) in %" G_GINT64_FORMAT " ms", self->name,
          self->video_codec != NULL ? self->video_codec : "no video",
          self->audio_pt >= 0 ? " + opus" : "",
          (g_get_monotonic_time () - self->answer_started) / 1000);
  update_state (self);
  g_task_return_pointer (task, lc_webrtc_apply_public_address (text, self->ice), g_free);
}

static gboolean
on_gather_timeout (gpointer user_data)
{
  LcWhipIngest *self = user_data;

  g_clear_pointer (&self->gather_timeout, g_source_unref);
  g_info ("%s: ICE gathering not complete after %d ms; answering with what we have", self->name,
          GATHER_TIMEOUT_MS);
  finish_answer (self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_answer_timeout (gpointer user_data)
{
  LcWhipIngest *self = user_data;

  g_clear_pointer (&self->answer_timeout, g_source_unref);
  negotiation_failed (self, LC_ERROR_UNAVAILABLE, "the media engine did not answer in time");
  return G_SOURCE_REMOVE;
}

static gboolean
gathering_complete (LcWhipIngest *self)
{
  GstWebRTCICEGatheringState state = GST_WEBRTC_ICE_GATHERING_STATE_NEW;

  g_object_get (self->webrtcbin, "ice-gathering-state", &state, NULL);
  return state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE;
}

static void
on_main_local_set (LcWhipIngest *self, gpointer data)
{
  if (self->answer_task == NULL || self->webrtcbin == NULL)
    return;
  self->local_set = TRUE;
  if (gathering_complete (self))
    finish_answer (self);
  else if (self->gather_timeout == NULL)
    self->gather_timeout = add_timeout (self, GATHER_TIMEOUT_MS, on_gather_timeout);
}

static void
on_main_gathering_changed (LcWhipIngest *self, gpointer data)
{
  if (self->answer_task != NULL && self->local_set && self->webrtcbin != NULL
      && gathering_complete (self))
    finish_answer (self);
}

/* webrtcbin thread. */
static void
on_webrtc_gathering_state (GObject *webrtcbin, GParamSpec *pspec, gpointer user_data)
{
  hop_to_main (user_data, on_main_gathering_changed, NULL, NULL);
}

/* The GError of a failed promise reply, or NULL. (transfer full) */
static GError *
promise_error (GstPromise *promise, GstPromiseResult result)
{
  const GstStructure *reply;
  GError *error = NULL;

  if (result != GST_PROMISE_RESULT_REPLIED)
    return g_error_new_literal (LC_ERROR, LC_ERROR_UNAVAILABLE, "the media engine gave no reply");
  reply = gst_promise_get_reply (promise);
  if (reply != NULL && gst_structure_has_field_typed (reply, "error", G_TYPE_ERROR))
    gst_structure_get (reply, "error", G_TYPE_ERROR, &error, NULL);
  return error;
}

/* webrtcbin thread. */
static void
on_local_description_set (GstPromise *promise, gpointer user_data)
{
  LcWhipIngest *self = user_data;
  g_autoptr (GError) error = promise_error (promise, gst_promise_wait (promise));

  gst_promise_unref (promise);
  if (error != NULL)
    {
      report_negotiation_failure (self, LC_ERROR_UNAVAILABLE, "set-local-description failed",
                                  error);
      return;
    }
  hop_to_main (self, on_main_local_set, NULL, NULL);
}

/* webrtcbin thread. */
static void
on_answer_created (GstPromise *promise, gpointer user_data)
{
  LcWhipIngest *self = user_data;
  GstWebRTCSessionDescription *answer = NULL;
  GstPromiseResult result = gst_promise_wait (promise);
  g_autoptr (GError) error = promise_error (promise, result);

  if (error == NULL)
    {
      const GstStructure *reply = gst_promise_get_reply (promise);
      if (reply != NULL)
        gst_structure_get (reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
    }
  gst_promise_unref (promise);
  if (answer == NULL)
    {
      report_negotiation_failure (self, LC_ERROR_INVALID,
                                  "no answer could be created for the offer", error);
      return;
    }

  GstElement *webrtcbin = NULL;
  LC_INGEST_LOCK (self);
  if (self->webrtcbin != NULL)
    webrtcbin = gst_object_ref (self->webrtcbin);
  LC_INGEST_UNLOCK (self);
  if (webrtcbin != NULL)
    {
      GstPromise *next = gst_promise_new_with_change_func (on_local_description_set,
                                                           g_object_ref (self), g_object_unref);
      g_signal_emit_by_name (webrtcbin, "set-local-description", answer, next);
      gst_object_unref (webrtcbin);
    }
  gst_webrtc_session_description_free (answer);
}

/* webrtcbin thread. */
static void
on_remote_description_set (GstPromise *promise, gpointer user_data)
{
  LcWhipIngest *self = user_data;
  g_autoptr (GError) error = promise_error (promise, gst_promise_wait (promise));

  gst_promise_unref (promise);
  if (error != NULL)
    {
      report_negotiation_failure (self, LC_ERROR_INVALID, "the offer was refused", error);
      return;
    }

  GstElement *webrtcbin = NULL;
  LC_INGEST_LOCK (self);
  if (self->webrtcbin != NULL)
    webrtcbin = gst_object_ref (self->webrtcbin);
  LC_INGEST_UNLOCK (self);
  if (webrtcbin != NULL)
    {
      GstPromise *next = gst_promise_new_with_change_func (on_answer_created, g_object_ref (self),
                                                           g_object_unref);
      g_signal_emit_by_name (webrtcbin, "create-answer", NULL, next);
      gst_object_unref (webrtcbin);
    }
}

/* ---- ICE state ---- */

static void
on_main_ice_state (LcWhipIngest *self, gpointer data)
{
  if (self->webrtcbin == NULL)
    return;
  g_object_get (self->webrtcbin, "ice-connection-state", &self->ice_state, NULL);
  if (self->ice_state == GST_WEBRTC_ICE_CONNECTION_STATE_FAILED)
    {
      fail_session (self, "ICE failed");
      return;
    }
  update_state (self);
}

static void
on_webrtc_ice_state (GObject *webrtcbin, GParamSpec *pspec, gpointer user_data)
{
  hop_to_main (user_data, on_main_ice_state, NULL, NULL);
}

/* ---- media ---- */

/* Any thread: the channel wants a keyframe; rtpbin sends PLI upstream. */
static void
request_keyframe (gpointer user_data)
{
  LcWhipIngest *self = user_data;
  GstPad *pad = NULL;

  LC_INGEST_LOCK (self);
  if (self->video_depay_sink != NULL)
    pad = gst_object_ref (self->video_depay_sink);
  LC_INGEST_UNLOCK (self);
  if (pad == NULL)
    return;
  GST_DEBUG ("%s: sending PLI", self->name);
  gst_pad_push_event (pad,
                      gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, FALSE, 0));
  gst_object_unref (pad);
}

static void
on_main_attach (LcWhipIngest *self, gpointer data)
{
  g_autoptr (GError) error = NULL;

  if (self->closed || self->failed || self->pipeline == NULL)
    return;
  if (!lc_channel_attach_publisher (self->channel, self, request_keyframe, self, &error))
    {
      /* Another publisher won the race (the HTTP layer checked before us). */
      fail_session (self, error->message);
      return;
    }
  g_rw_lock_writer_lock (&self->push_lock);
  self->attached = TRUE;
  self->caps_sent[LC_MEDIA_VIDEO] = self->caps_sent[LC_MEDIA_AUDIO] = FALSE;
  g_rw_lock_writer_unlock (&self->push_lock);
  self->media_timed_out = FALSE;
  update_state (self);
  /* The buffers before this point were dropped, keyframe included. */
  lc_channel_request_keyframe (self->channel, "publisher attached");
}

/* Whether an H.264 byte-stream access unit has a slice (not just SPS/PPS/SEI). */
static gboolean
h264_has_slice (GstBuffer *buffer)
{
  GstMapInfo map;
  gboolean found = FALSE;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return FALSE;
  for (gsize i = 0; i + 3 < map.size; i++)
    if (map.data[i] == 0 && map.data[i + 1] == 0 && map.data[i + 2] == 1)
      {
        guint type = map.data[i + 3] & 0x1f;
        if (type >= 1 && type <= 5)
          {
            found = TRUE;
            break;
          }
        i += 2;
      }
  gst_buffer_unmap (buffer, &map);
  return found;
}

/* Streaming thread of one kind. */
static void
handle_sample (LcWhipIngest *self, LcMediaKind kind, GstSample *sample)
{
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstCaps *caps = gst_sample_get_caps (sample);
  const GstSegment *segment = gst_sample_get_segment (sample);
  g_autoptr (GstBuffer) out = NULL;

  if (buffer == NULL || caps == NULL)
    return;
  if (kind == LC_MEDIA_VIDEO && self->video_codec != NULL && g_str_equal (self->video_codec, "h264")
      && !h264_has_slice (buffer))
    return; /* SPS/PPS-only unit: h264parse repeats them before each IDR anyway */

  LC_INGEST_LOCK (self);
  self->last_media = g_get_monotonic_time ();
  LC_INGEST_UNLOCK (self);

  gboolean caps_changed = caps != self->last_caps[kind];
  if (caps_changed)
    gst_caps_replace (&self->last_caps[kind], caps);

  g_rw_lock_reader_lock (&self->push_lock);
  if (!self->attached)
    {
      g_rw_lock_reader_unlock (&self->push_lock);
      if (g_atomic_int_compare_and_exchange (&self->attach_requested, FALSE, TRUE))
        hop_to_main (self, on_main_attach, NULL, NULL);
      return;
    }

  /* Timestamps in running time for the channel. */
  out = gst_buffer_ref (buffer);
  if (segment != NULL && segment->format == GST_FORMAT_TIME && GST_BUFFER_PTS_IS_VALID (buffer))
    {
      guint64 running
          = gst_segment_to_running_time (segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
      if (running != GST_BUFFER_PTS (buffer) && GST_CLOCK_TIME_IS_VALID (running))
        {
          out = gst_buffer_make_writable (out);
          GST_BUFFER_PTS (out) = running;
          GST_BUFFER_DTS (out) = running;
        }
    }
  if (!self->caps_sent[kind] || caps_changed)
    {
      lc_channel_set_caps (self->channel, kind, caps);
      self->caps_sent[kind] = TRUE;
    }
  lc_channel_push (self->channel, kind, out);
  g_rw_lock_reader_unlock (&self->push_lock);
}

static GstFlowReturn
on_video_sample (GstAppSink *sink, gpointer user_data)
{
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);

  if (sample != NULL)
    handle_sample (user_data, LC_MEDIA_VIDEO, sample);
  return GST_FLOW_OK;
}

static GstFlowReturn
on_audio_sample (GstAppSink *sink, gpointer user_data)
{
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);

  if (sample != NULL)
    handle_sample (user_data, LC_MEDIA_AUDIO, sample);
  return GST_FLOW_OK;
}

static GstElement *
make_appsink (LcWhipIngest *self, LcMediaKind kind)
{
  GstElement *sink = gst_element_factory_make ("appsink", NULL);
  GstAppSinkCallbacks callbacks = { 0 };

  if (sink == NULL)
    return NULL;
  g_object_set (sink, "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE, "wait-on-eos",
                FALSE, "max-buffers", 64, "drop", TRUE, NULL);
  callbacks.new_sample = kind == LC_MEDIA_VIDEO ? on_video_sample : on_audio_sample;
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, self, NULL);
  return sink;
}

/* Build "element ! element ! …" from factory names and link pad to it.
 * Returns the first element's sink pad (transfer full) or NULL. */
static GstPad *
link_branch (GstElement *pipeline, GstPad *pad, GstElement **chain, guint n)
{
  for (guint i = 0; i < n; i++)
    if (chain[i] == NULL)
      {
        for (guint j = 0; j < n; j++)
          if (chain[j] != NULL)
            gst_object_unref (gst_object_ref_sink (chain[j]));
        return NULL;
      }
  for (guint i = 0; i < n; i++)
    gst_bin_add (GST_BIN (pipeline), chain[i]);
  for (guint i = 0; i + 1 < n; i++)
    if (!gst_element_link (chain[i], chain[i + 1]))
      return NULL;
  for (guint i = n; i > 0; i--)
    gst_element_sync_state_with_parent (chain[i - 1]);

  GstPad *sinkpad = gst_element_get_static_pad (chain[0], "sink");
  if (gst_pad_link (pad, sinkpad) != GST_PAD_LINK_OK)
    {
      gst_object_unref (sinkpad);
      return NULL;
    }
  return sinkpad;
}

static GstElement *
make_capsfilter (const char *caps_text)
{
  GstElement *filter = gst_element_factory_make ("capsfilter", NULL);
  g_autoptr (GstCaps) caps = gst_caps_from_string (caps_text);

  if (filter != NULL)
    g_object_set (filter, "caps", caps, NULL);
  return filter;
}

/* webrtcbin streaming thread: a new incoming stream. */
static void
on_webrtc_pad_added (GstElement *webrtcbin, GstPad *pad, gpointer user_data)
{
  LcWhipIngest *self = user_data;
  g_autoptr (GstCaps) caps = NULL;
  const GstStructure *s;
  const char *media, *encoding;
  GstPad *sinkpad = NULL;
  gboolean video = FALSE;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  LC_INGEST_LOCK (self);
  g_autoptr (GstElement) pipeline = self->pipeline != NULL ? gst_object_ref (self->pipeline) : NULL;
  LC_INGEST_UNLOCK (self);
  if (pipeline == NULL)
    return; /* torn down meanwhile */
  caps = gst_pad_get_current_caps (pad);
  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  if (caps == NULL || gst_caps_is_empty (caps))
    return;
  s = gst_caps_get_structure (caps, 0);
  media = gst_structure_get_string (s, "media");
  encoding = gst_structure_get_string (s, "encoding-name");
  GST_DEBUG ("%s: incoming %" GST_PTR_FORMAT, self->name, caps);

  if (g_strcmp0 (media, "video") == 0 && g_ascii_strcasecmp (encoding ? encoding : "", "H264") == 0)
    {
      GstElement *h264parse = gst_element_factory_make ("h264parse", NULL);
      GstElement *chain[] = {
        gst_element_factory_make ("rtph264depay", NULL),
        make_capsfilter ("video/x-h264, stream-format=byte-stream, alignment=nal"),
        h264parse,
        make_capsfilter ("video/x-h264, stream-format=byte-stream, alignment=au"),
        make_appsink (self, LC_MEDIA_VIDEO),
      };
      if (h264parse != NULL)
        g_object_set (h264parse, "config-interval", -1, NULL);
      sinkpad = link_branch (pipeline, pad, chain, G_N_ELEMENTS (chain));
      video = TRUE;
    }
  else if (g_strcmp0 (media, "video") == 0
           && g_ascii_strcasecmp (encoding ? encoding : "", "VP8") == 0)
    {
      GstElement *chain[] = {
        gst_element_factory_make ("rtpvp8depay", NULL),
        make_appsink (self, LC_MEDIA_VIDEO),
      };
      sinkpad = link_branch (pipeline, pad, chain, G_N_ELEMENTS (chain));
      video = TRUE;
    }
  else if (g_strcmp0 (media, "audio") == 0
           && g_ascii_strcasecmp (encoding ? encoding : "", "OPUS") == 0)
    {
      GstElement *chain[] = {
        gst_element_factory_make ("rtpopusdepay", NULL),
        make_appsink (self, LC_MEDIA_AUDIO),
      };
      sinkpad = link_branch (pipeline, pad, chain, G_N_ELEMENTS (chain));
    }
  else
    {
      GstElement *chain[] = { gst_element_factory_make ("fakesink", NULL) };
      g_message ("%s: ignoring incoming %s/%s stream", self->name, media ? media : "?",
                 encoding ? encoding : "?");
      sinkpad = link_branch (pipeline, pad, chain, 1);
    }

  if (sinkpad == NULL)
    {
      g_warning ("%s: could not build the branch for %s/%s", self->name, media ? media : "?",
                 encoding ? encoding : "?");
      return;
    }
  if (video)
    {
      LC_INGEST_LOCK (self);
      gst_object_replace ((GstObject **)&self->video_depay_sink, GST_OBJECT (sinkpad));
      LC_INGEST_UNLOCK (self);
    }
  gst_object_unref (sinkpad);
}

/* ---- bus ---- */

static void
on_main_pipeline_error (LcWhipIngest *self, gpointer data)
{
  const char *text = data;

  if (self->answer_task != NULL)
    negotiation_failed (self, LC_ERROR_UNAVAILABLE, text);
  else
    fail_session (self, text);
}

/* Any thread. */
static GstBusSyncReply
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  LcWhipIngest *self = user_data;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *debug = NULL;

      gst_message_parse_error (message, &error, &debug);
      g_message ("%s: pipeline error from %s: %s (%s)", self->name, GST_MESSAGE_SRC_NAME (message),
                 error->message, debug ? debug : "");
      hop_to_main (self, on_main_pipeline_error,
                   g_strdup_printf ("media engine error: %s", error->message), g_free);
    }
  /* A sync handler that drops a message owns it. */
  gst_message_unref (message);
  return GST_BUS_DROP;
}

/* ---- watchdog ---- */

static gboolean
on_watchdog (gpointer user_data)
{
  LcWhipIngest *self = user_data;
  gint64 last;
  gboolean attached;

  LC_INGEST_LOCK (self);
  last = self->last_media;
  LC_INGEST_UNLOCK (self);
  g_rw_lock_reader_lock (&self->push_lock);
  attached = self->attached;
  g_rw_lock_reader_unlock (&self->push_lock);

  if (attached && g_get_monotonic_time () - last > (gint64)MEDIA_TIMEOUT_S * G_USEC_PER_SEC)
    {
      g_info ("%s: no media for %d s: publisher gone", self->name, MEDIA_TIMEOUT_S);
      self->media_timed_out = TRUE;
      detach (self);
      update_state (self);
    }
  return G_SOURCE_CONTINUE;
}

/* ---- pipeline ---- */

/* Main. Stop the pipeline; nothing of it calls us afterwards. */
static void
teardown (LcWhipIngest *self)
{
  GstElement *pipeline = self->pipeline;
  GstElement *webrtcbin = self->webrtcbin;

  lc_source_clear (&self->watchdog);
  lc_source_clear (&self->gather_timeout);
  if (pipeline == NULL)
    return;

  LC_INGEST_LOCK (self);
  self->pipeline = NULL;
  self->webrtcbin = NULL;
  g_clear_object (&self->video_depay_sink);
  LC_INGEST_UNLOCK (self);

  g_signal_handlers_disconnect_by_data (webrtcbin, self);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  gst_object_unref (webrtcbin);
  gst_object_unref (pipeline);
}

static GstCaps *
preference_caps (const char *media, const char *encoding, int pt, int clock_rate,
                 gboolean packetization_mode)
{
  GstCaps *caps = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, media,
                                       "encoding-name", G_TYPE_STRING, encoding, "payload",
                                       G_TYPE_INT, pt, "clock-rate", G_TYPE_INT, clock_rate, NULL);
  if (packetization_mode)
    gst_caps_set_simple (caps, "packetization-mode", G_TYPE_STRING, "1", NULL);
  return caps;
}

static gboolean
add_transceiver (GstElement *webrtcbin, GstCaps *caps)
{
  GstWebRTCRTPTransceiver *trans = NULL;

  g_signal_emit_by_name (webrtcbin, "add-transceiver",
                         GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps, &trans);
  gst_caps_unref (caps);
  if (trans == NULL)
    return FALSE;
  gst_object_unref (trans);
  return TRUE;
}

static gboolean
build_pipeline (LcWhipIngest *self, GError **error)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *webrtcbin = gst_element_factory_make ("webrtcbin", NULL);

  if (webrtcbin == NULL)
    {
      gst_object_unref (pipeline);
      lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL, "webrtcbin is not installed");
      return FALSE;
    }
  g_object_set (webrtcbin, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency",
                JITTER_LATENCY_MS, NULL);
  gst_bin_add (GST_BIN (pipeline), webrtcbin);
  lc_webrtc_configure_ice (webrtcbin, self->ice, lc_channel_get_lesson_id (self->channel));

  if (self->video_pt >= 0)
    {
      gboolean h264 = g_str_equal (self->video_codec, "h264");
      if (!add_transceiver (webrtcbin, preference_caps ("video", h264 ? "H264" : "VP8",
                                                        self->video_pt, 90000, h264)))
        goto engine_error;
    }
  if (self->audio_pt >= 0
      && !add_transceiver (webrtcbin,
                           preference_caps ("audio", "OPUS", self->audio_pt, 48000, FALSE)))
    goto engine_error;

  g_signal_connect (webrtcbin, "pad-added", G_CALLBACK (on_webrtc_pad_added), self);
  g_signal_connect (webrtcbin, "notify::ice-gathering-state",
                    G_CALLBACK (on_webrtc_gathering_state), self);
  g_signal_connect (webrtcbin, "notify::ice-connection-state", G_CALLBACK (on_webrtc_ice_state),
                    self);
  GstBus *bus = gst_element_get_bus (pipeline);
  gst_bus_set_sync_handler (bus, on_bus_message, self, NULL);
  gst_object_unref (bus);

  LC_INGEST_LOCK (self);
  self->pipeline = pipeline;
  self->webrtcbin = gst_object_ref (webrtcbin);
  LC_INGEST_UNLOCK (self);

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      teardown (self);
      lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL, "the media pipeline did not start");
      return FALSE;
    }
  return TRUE;

engine_error:
  gst_object_unref (pipeline);
  lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL, "webrtcbin refused a transceiver");
  return FALSE;
}

/* ---- LcWebrtcSession ---- */

static void
lc_whip_ingest_answer_async (LcWebrtcSession *session, const char *offer_sdp,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  LcWhipIngest *self = LC_WHIP_INGEST (session);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_auto (LcSdpOffer) offer = { 0 };
  g_autoptr (GError) error = NULL;
  GstSDPMessage *sdp = NULL;

  g_task_set_source_tag (task, lc_whip_ingest_answer_async);
  self->answer_started = g_get_monotonic_time ();

  if (self->answer_task != NULL || self->answered || self->closed || self->failed)
    {
      g_task_return_new_error (task, LC_ERROR, LC_ERROR_CONFLICT,
                               "this session has already been negotiated");
      return;
    }
  if (!lc_sdp_parse_offer (offer_sdp, FALSE, &offer, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (offer.h264_pt >= 0)
    {
      self->video_pt = offer.h264_pt;
      self->video_codec = "h264";
    }
  else if (offer.vp8_pt >= 0 && self->allow_vp8)
    {
      self->video_pt = offer.vp8_pt;
      self->video_codec = "vp8";
    }
  self->audio_pt = offer.opus_pt;
  if (self->video_pt < 0 && self->audio_pt < 0)
    {
      g_task_return_new_error (task, LC_ERROR, LC_ERROR_INVALID,
                               "the offer has no H.264 (packetization-mode=1) video and no Opus "
                               "audio; VP8 is not accepted on this server");
      return;
    }
  if (gst_sdp_message_new_from_text (offer_sdp, &sdp) != GST_SDP_OK || sdp == NULL)
    {
      if (sdp != NULL)
        gst_sdp_message_free (sdp);
      g_task_return_new_error (task, LC_ERROR, LC_ERROR_MALFORMED, "the offer does not parse");
      return;
    }
  lc_webrtc_normalize_offer (sdp);
  g_free (self->remote_ufrag);
  self->remote_ufrag = g_strdup (offer.ice_ufrag);

  if (!build_pipeline (self, &error))
    {
      gst_sdp_message_free (sdp);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->answer_task = g_steal_pointer (&task);
  self->answer_timeout = add_timeout (self, ANSWER_TIMEOUT_MS, on_answer_timeout);
  self->watchdog = add_timeout (self, 1000, on_watchdog);

  GstWebRTCSessionDescription *description
      = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  GstPromise *promise = gst_promise_new_with_change_func (on_remote_description_set,
                                                          g_object_ref (self), g_object_unref);
  g_signal_emit_by_name (self->webrtcbin, "set-remote-description", description, promise);
  gst_webrtc_session_description_free (description);
}

static char *
lc_whip_ingest_answer_finish (LcWebrtcSession *session, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, session), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
lc_whip_ingest_add_remote_candidates (LcWebrtcSession *session, const char *sdpfrag, GError **error)
{
  LcWhipIngest *self = LC_WHIP_INGEST (session);
  g_auto (LcSdpFragment) frag = { 0 };

  if (!lc_sdp_parse_fragment (sdpfrag, &frag, error))
    return FALSE;
  if (frag.ice_ufrag != NULL && g_strcmp0 (frag.ice_ufrag, self->remote_ufrag) != 0)
    {
      lc_set_error (error, LC_ERROR_INVALID, NULL,
                    "the fragment's ICE ufrag is not this session's: an ICE restart needs "
                    "If-Match");
      return FALSE;
    }
  if (self->webrtcbin == NULL || !self->answered)
    {
      lc_set_error (error, LC_ERROR_CONFLICT, NULL, "the session is not active");
      return FALSE;
    }
  lc_webrtc_add_candidates (self->webrtcbin, &frag);
  return TRUE;
}

static void
lc_whip_ingest_restart_async (LcWebrtcSession *session, const char *sdpfrag,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  LcWhipIngest *self = LC_WHIP_INGEST (session);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_auto (LcSdpFragment) frag = { 0 };
  GError *error = NULL;
  char *answer;

  g_task_set_source_tag (task, lc_whip_ingest_restart_async);
  if (!lc_sdp_parse_fragment (sdpfrag, &frag, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (frag.ice_ufrag == NULL)
    {
      g_task_return_new_error (task, LC_ERROR, LC_ERROR_INVALID,
                               "an ICE restart needs a=ice-ufrag and a=ice-pwd");
      return;
    }
  if (self->webrtcbin == NULL || !self->answered)
    {
      g_task_return_new_error (task, LC_ERROR, LC_ERROR_CONFLICT, "the session is not active");
      return;
    }
  answer = lc_webrtc_ice_restart (self->webrtcbin, &frag, self->ice, &error);
  if (answer == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_free (self->remote_ufrag);
  self->remote_ufrag = g_strdup (frag.ice_ufrag);
  g_info ("%s: ICE restart", self->name);
  g_task_return_pointer (task, answer, g_free);
}

static char *
lc_whip_ingest_restart_finish (LcWebrtcSession *session, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, session), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
lc_whip_ingest_close (LcWebrtcSession *session)
{
  LcWhipIngest *self = LC_WHIP_INGEST (session);

  if (self->closed)
    return;
  self->closed = TRUE;
  if (self->answer_task != NULL)
    answer_return_error (
        self, g_error_new_literal (LC_ERROR, LC_ERROR_UNAVAILABLE, "the session was closed"));
  lc_source_clear (&self->answer_timeout);
  detach (self);
  teardown (self);
  update_state (self);
}

static LcSessionState
lc_whip_ingest_get_state (LcWebrtcSession *session)
{
  return LC_WHIP_INGEST (session)->state;
}

static void
lc_whip_ingest_session_iface_init (LcWebrtcSessionInterface *iface)
{
  iface->answer_async = lc_whip_ingest_answer_async;
  iface->answer_finish = lc_whip_ingest_answer_finish;
  iface->add_remote_candidates = lc_whip_ingest_add_remote_candidates;
  iface->restart_async = lc_whip_ingest_restart_async;
  iface->restart_finish = lc_whip_ingest_restart_finish;
  iface->close = lc_whip_ingest_close;
  iface->get_state = lc_whip_ingest_get_state;
}

/* ---- GObject ---- */

static void
lc_whip_ingest_dispose (GObject *object)
{
  LcWhipIngest *self = LC_WHIP_INGEST (object);

  /* Quietly: no signals from dispose. */
  if (self->answer_task != NULL)
    answer_return_error (
        self, g_error_new_literal (LC_ERROR, LC_ERROR_UNAVAILABLE, "the session was destroyed"));
  lc_source_clear (&self->answer_timeout);
  if (self->channel != NULL)
    detach (self);
  teardown (self);

  G_OBJECT_CLASS (lc_whip_ingest_parent_class)->dispose (object);
}

static void
lc_whip_ingest_finalize (GObject *object)
{
  LcWhipIngest *self = LC_WHIP_INGEST (object);

  g_clear_object (&self->channel);
  g_clear_pointer (&self->ice, lc_ice_config_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  for (guint k = 0; k < 2; k++)
    gst_clear_caps (&self->last_caps[k]);
  g_free (self->remote_ufrag);
  g_free (self->name);
  g_mutex_clear (&self->lock);
  g_rw_lock_clear (&self->push_lock);

  G_OBJECT_CLASS (lc_whip_ingest_parent_class)->finalize (object);
}

static void
lc_whip_ingest_class_init (LcWhipIngestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lc_whip_ingest_dispose;
  object_class->finalize = lc_whip_ingest_finalize;

  GST_DEBUG_CATEGORY_INIT (lc_whip_ingest_debug, "lc-whip-ingest", 0, "lessoncast WHIP ingest");
}

static void
lc_whip_ingest_init (LcWhipIngest *self)
{
  g_mutex_init (&self->lock);
  g_rw_lock_init (&self->push_lock);
  self->allow_vp8 = TRUE;
  self->video_pt = -1;
  self->audio_pt = -1;
  self->state = LC_SESSION_NEW;
  self->ice_state = GST_WEBRTC_ICE_CONNECTION_STATE_NEW;
}

LcWhipIngest *
lc_whip_ingest_new (LcChannel *channel, const LcIceConfig *ice)
{
  g_return_val_if_fail (LC_IS_CHANNEL (channel), NULL);
  g_return_val_if_fail (ice != NULL, NULL);

  LcWhipIngest *self = g_object_new (LC_TYPE_WHIP_INGEST, NULL);
  self->channel = g_object_ref (channel);
  self->ice = lc_ice_config_copy (ice);
  self->context = g_main_context_ref_thread_default ();
  self->owner = g_thread_self ();
  self->name = g_strdup_printf ("lesson %s whip %08x", lc_channel_get_lesson_id (channel),
                                g_random_int ());
  return self;
}

void
lc_whip_ingest_set_allow_vp8 (LcWhipIngest *ingest, gboolean allow)
{
  g_return_if_fail (LC_IS_WHIP_INGEST (ingest));
  ingest->allow_vp8 = allow;
}

const char *
lc_whip_ingest_get_video_codec (LcWhipIngest *ingest)
{
  g_return_val_if_fail (LC_IS_WHIP_INGEST (ingest), NULL);
  return ingest->video_codec;
}
