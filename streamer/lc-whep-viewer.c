/* lc-whep-viewer.c — one WHEP viewer of the webrtcbin fan-out: its own
 * pipeline (appsrc → payloader → webrtcbin sendonly), an LcWebrtcSession that
 * answers the viewer's recvonly offer, and an LcConsumer of the channel once
 * the connection is up (see lc-whep-viewer.h).
 *
 * Threads. Everything that changes the session state runs on the main
 * context captured at construction. webrtcbin and rtpbin call back on their
 * own threads: those callbacks only hop to the main context (holding a ref).
 * The channel calls set_caps/push on the ingest's streaming threads: they use
 * atomics and `lock` only, never block (bounded, leaky appsrc queues) and
 * never call back into the channel except lc_channel_request_keyframe.
 *
 * Lifetime. close() and failures tear down on the main context: leave the
 * channel first (after lc_channel_remove_consumer returns, no push is in
 * flight and none follows), then stop the pipeline. */
#include "streamer/lc-whep-viewer.h"

#include <string.h>

#include <gst/app/gstappsrc.h>
#include <gst/sdp/sdp.h>
#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>

#include "common/lc-error.h"
#include "streamer/lc-consumer.h"
#include "streamer/lc-sdp.h"
#include "streamer/lc-webrtc-private.h"

GST_DEBUG_CATEGORY_STATIC (lc_whep_viewer_debug);
#define GST_CAT_DEFAULT lc_whep_viewer_debug

/* The appsrc queues: a viewer that cannot keep up loses frames (then waits
 * for the next keyframe) instead of holding up the ingest. */
#define VIDEO_MAX_BUFFERS 120
#define AUDIO_MAX_BUFFERS 250
#define QUEUE_MAX_BYTES (4 * 1024 * 1024)
#define QUEUE_MAX_TIME (2 * GST_SECOND)
/* Answer with what has been gathered if gathering has not completed by then. */
#define GATHERING_TIMEOUT_MS 3000
#define RTP_MTU 1200

#define LC_VIEWER_LOCK(v) g_mutex_lock (&(v)->lock)
#define LC_VIEWER_UNLOCK(v) g_mutex_unlock (&(v)->lock)

struct _LcWhepViewer
{
  GObject parent_instance;

  char *name;
  LcChannel *channel;
  LcIceConfig *ice;
  GMainContext *context;
  guint rtcp_timeout_ms;
  guint connect_timeout_ms;

  /* ---- main context ---- */
  LcSessionState state;
  gboolean torn_down;
  gboolean in_channel;
  GstElement *pipeline;
  GstElement *webrtc;
  GstElement *rtpbin;
  GSource *bus_watch;
  GTask *answer_task;
  gboolean local_set; /* the answer is the local description; gathering may go on */
  guint gathering_timeout_id;
  guint check_id;
  gint64 answered_at;      /* monotonic µs */
  const char *video_codec; /* "h264", "vp8" or NULL (no video) */
  int video_pt, audio_pt;

  /* ---- shared with streaming threads ---- */
  gint dead;            /* atomic: failed; push returns FALSE */
  gint active;          /* atomic: connected and in the channel */
  gint need_keyframe;   /* atomic: drop video until a keyframe */
  GstAppSrc *video_src; /* set before the viewer joins the channel, cleared after it left */
  GstAppSrc *audio_src;
  GMutex lock; /* LC_VIEWER_LOCK: the fields below */
  gboolean have_offset;
  GstClockTimeDiff ts_offset; /* channel time → pipeline running time */
  gint64 last_rtcp;           /* monotonic µs of the last RTCP report from the viewer */
  guint64 dropped;
};

static void lc_whep_viewer_session_init (LcWebrtcSessionInterface *iface);
static void lc_whep_viewer_consumer_init (LcConsumerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LcWhepViewer, lc_whep_viewer, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LC_TYPE_WEBRTC_SESSION,
                                                      lc_whep_viewer_session_init)
                                   G_IMPLEMENT_INTERFACE (LC_TYPE_CONSUMER,
                                                          lc_whep_viewer_consumer_init))

enum
{
  PROP_0,
  PROP_PIPELINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void viewer_fail (LcWhepViewer *self, const char *reason);

/* ---- hops from GStreamer threads to the main context ---- */

/* Run func on context's owner thread, always later. Not
 * g_main_context_invoke_full(): when context is the global default one and
 * nobody holds it at that instant, invoke runs func at once on the calling
 * (streaming) thread. */
static void
run_on_context (GMainContext *context, GSourceFunc func, gpointer data, GDestroyNotify destroy)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, destroy);
  g_source_attach (source, context);
  g_source_unref (source);
}

typedef void (*HopFunc) (LcWhepViewer *self, gpointer data);

typedef struct
{
  LcWhepViewer *viewer; /* ref */
  HopFunc func;
  gpointer data;
  GDestroyNotify destroy;
} Hop;

static gboolean
run_hop (gpointer user_data)
{
  Hop *hop = user_data;

  if (!hop->viewer->torn_down)
    hop->func (hop->viewer, hop->data);
  return G_SOURCE_REMOVE;
}

static void
free_hop (gpointer user_data)
{
  Hop *hop = user_data;

  if (hop->destroy != NULL && hop->data != NULL)
    hop->destroy (hop->data);
  g_object_unref (hop->viewer);
  g_free (hop);
}

static void
hop (LcWhepViewer *self, HopFunc func, gpointer data, GDestroyNotify destroy)
{
  Hop *h = g_new0 (Hop, 1);

  h->viewer = g_object_ref (self);
  h->func = func;
  h->data = data;
  h->destroy = destroy;
  run_on_context (self->context, run_hop, h, free_hop);
}

static void
hop_fail (LcWhepViewer *self, gpointer data)
{
  viewer_fail (self, data);
}

/* Any thread: mark the viewer dead and fail it on the main context. */
static void
fail_from_thread (LcWhepViewer *self, const char *reason)
{
  if (!g_atomic_int_compare_and_exchange (&self->dead, FALSE, TRUE))
    return;
  hop (self, hop_fail, g_strdup (reason), g_free);
}

/* ---- state ---- */

static void
set_state (LcWhepViewer *self, LcSessionState state)
{
  if (self->state == state)
    return;
  GST_DEBUG ("%s: %s → %s", self->name, lc_session_state_to_string (self->state),
             lc_session_state_to_string (state));
  self->state = state;
  g_signal_emit_by_name (self, "state-changed", (int)state);
}

static void
stop_timers (LcWhepViewer *self)
{
  if (self->gathering_timeout_id != 0)
    {
      GSource *source
          = g_main_context_find_source_by_id (self->context, self->gathering_timeout_id);
      if (source != NULL)
        g_source_destroy (source);
      self->gathering_timeout_id = 0;
    }
  if (self->check_id != 0)
    {
      GSource *source = g_main_context_find_source_by_id (self->context, self->check_id);
      if (source != NULL)
        g_source_destroy (source);
      self->check_id = 0;
    }
}

/* Main context (or dispose): leave the channel, stop the pipeline. Idempotent. */
static void
teardown (LcWhepViewer *self)
{
  GstAppSrc *video_src, *audio_src;

  if (self->torn_down)
    return;
  self->torn_down = TRUE;
  g_atomic_int_set (&self->active, FALSE);
  stop_timers (self);

  if (self->in_channel)
    {
      /* Waits for a push in flight; none follows. */
      lc_channel_remove_consumer (self->channel, LC_CONSUMER (self));
      self->in_channel = FALSE;
    }
  if (self->dropped > 0)
    g_info ("lesson %s %s: dropped %" G_GUINT64_FORMAT " buffers it could not take in time",
            lc_channel_get_lesson_id (self->channel), self->name, self->dropped);

  if (self->webrtc != NULL)
    g_signal_handlers_disconnect_by_data (self->webrtc, self);
  if (self->rtpbin != NULL)
    g_signal_handlers_disconnect_by_data (self->rtpbin, self);
  if (self->pipeline != NULL)
    gst_element_set_state (self->pipeline, GST_STATE_NULL);
  if (self->bus_watch != NULL)
    {
      g_source_destroy (self->bus_watch);
      g_clear_pointer (&self->bus_watch, g_source_unref);
    }

  LC_VIEWER_LOCK (self);
  video_src = g_steal_pointer (&self->video_src);
  audio_src = g_steal_pointer (&self->audio_src);
  LC_VIEWER_UNLOCK (self);
  gst_clear_object (&video_src);
  gst_clear_object (&audio_src);
  gst_clear_object (&self->rtpbin);
  gst_clear_object (&self->webrtc);
  gst_clear_object (&self->pipeline);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PIPELINE]);
}

/* Tear down, enter the final state, then fail a pending answer (its callback
 * may run at once and sees the final state). */
static void
end_session (LcWhepViewer *self, LcSessionState state, const char *reason)
{
  /* Listeners may drop their references when told. */
  g_autoptr (LcWhepViewer) keep = g_object_ref (self);
  GTask *task = g_steal_pointer (&self->answer_task);

  (void)keep;
  teardown (self);
  set_state (self, state);
  if (task != NULL)
    {
      if (!g_task_return_error_if_cancelled (task))
        g_task_return_new_error (task, LC_ERROR, LC_ERROR_UNAVAILABLE, "%s", reason);
      g_object_unref (task);
    }
}

static void
viewer_fail (LcWhepViewer *self, const char *reason)
{
  if (self->state == LC_SESSION_FAILED || self->state == LC_SESSION_CLOSED)
    return;
  g_atomic_int_set (&self->dead, TRUE);
  g_message ("lesson %s %s: failed: %s", lc_channel_get_lesson_id (self->channel), self->name,
             reason);
  end_session (self, LC_SESSION_FAILED, reason);
}

/* ---- periodic checks: connect timeout, RTCP timeout ---- */

static gboolean
on_check_timer (gpointer user_data)
{
  LcWhepViewer *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 last_rtcp;

  if (self->state == LC_SESSION_CONNECTING
      && now - self->answered_at > (gint64)self->connect_timeout_ms * 1000)
    {
      g_autofree char *reason
          = g_strdup_printf ("not connected within %u ms", self->connect_timeout_ms);

      self->check_id = 0;
      viewer_fail (self, reason);
      return G_SOURCE_REMOVE;
    }

  LC_VIEWER_LOCK (self);
  last_rtcp = self->last_rtcp;
  LC_VIEWER_UNLOCK (self);
  if ((self->state == LC_SESSION_CONNECTED || self->state == LC_SESSION_DISCONNECTED)
      && now - last_rtcp > (gint64)self->rtcp_timeout_ms * 1000)
    {
      g_autofree char *reason
          = g_strdup_printf ("no RTCP from the viewer for %u ms", self->rtcp_timeout_ms);

      self->check_id = 0;
      viewer_fail (self, reason);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
start_check_timer (LcWhepViewer *self)
{
  guint period = MIN (MAX (MIN (self->rtcp_timeout_ms, self->connect_timeout_ms) / 4, 100), 1000);
  GSource *source = g_timeout_source_new (period);

  g_source_set_callback (source, on_check_timer, self, NULL);
  self->check_id = g_source_attach (source, self->context);
  g_source_unref (source);
}

/* ---- connection state (webrtcbin threads → main) ---- */

static void
join_channel (LcWhepViewer *self)
{
  if (self->in_channel || self->torn_down)
    return;
  LC_VIEWER_LOCK (self);
  self->last_rtcp = g_get_monotonic_time ();
  LC_VIEWER_UNLOCK (self);
  g_atomic_int_set (&self->need_keyframe, TRUE);
  g_atomic_int_set (&self->active, TRUE);
  self->in_channel = TRUE;
  /* Caps arrive at once; video starts at the next keyframe. */
  lc_channel_add_consumer (self->channel, LC_CONSUMER (self));
  lc_channel_request_keyframe (self->channel, "viewer joined");
  g_info ("lesson %s %s: connected after %" G_GINT64_FORMAT " ms",
          lc_channel_get_lesson_id (self->channel), self->name,
          (g_get_monotonic_time () - self->answered_at) / 1000);
}

static void
hop_connection_state (LcWhepViewer *self, gpointer data)
{
  GstWebRTCPeerConnectionState state = GPOINTER_TO_INT (data);

  if (self->state == LC_SESSION_FAILED || self->state == LC_SESSION_CLOSED
      || self->answer_task != NULL)
    return;
  switch (state)
    {
    case GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED:
      join_channel (self);
      set_state (self, LC_SESSION_CONNECTED);
      break;
    case GST_WEBRTC_PEER_CONNECTION_STATE_FAILED:
      viewer_fail (self, "the connection failed (ICE or DTLS)");
      break;
    case GST_WEBRTC_PEER_CONNECTION_STATE_DISCONNECTED:
      if (self->state == LC_SESSION_CONNECTED)
        set_state (self, LC_SESSION_DISCONNECTED);
      break;
    default:
      break;
    }
}

static void
on_webrtc_connection_state (GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  LcWhepViewer *self = user_data;
  GstWebRTCPeerConnectionState state;

  g_object_get (webrtc, "connection-state", &state, NULL);
  hop (self, hop_connection_state, GINT_TO_POINTER (state), NULL);
}

static void
hop_ice_state (LcWhepViewer *self, gpointer data)
{
  GstWebRTCICEConnectionState state = GPOINTER_TO_INT (data);

  if (self->state == LC_SESSION_FAILED || self->state == LC_SESSION_CLOSED)
    return;
  switch (state)
    {
    case GST_WEBRTC_ICE_CONNECTION_STATE_FAILED:
      viewer_fail (self, "ICE failed");
      break;
    case GST_WEBRTC_ICE_CONNECTION_STATE_DISCONNECTED:
      if (self->state == LC_SESSION_CONNECTED)
        set_state (self, LC_SESSION_DISCONNECTED);
      break;
    case GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED:
    case GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED:
      if (self->state == LC_SESSION_DISCONNECTED)
        set_state (self, LC_SESSION_CONNECTED);
      break;
    default:
      break;
    }
}

static void
on_webrtc_ice_state (GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  LcWhepViewer *self = user_data;
  GstWebRTCICEConnectionState state;

  g_object_get (webrtc, "ice-connection-state", &state, NULL);
  hop (self, hop_ice_state, GINT_TO_POINTER (state), NULL);
}

/* rtpbin thread: an RTCP report (SR/RR) from the viewer arrived. */
static void
on_rtpbin_ssrc_active (GstElement *rtpbin, guint session, guint ssrc, gpointer user_data)
{
  LcWhepViewer *self = user_data;

  LC_VIEWER_LOCK (self);
  self->last_rtcp = g_get_monotonic_time ();
  LC_VIEWER_UNLOCK (self);
  GST_LOG ("%s: RTCP from ssrc %08x", self->name, ssrc);
}

/* Streaming thread (RTCP): the viewer asked for a keyframe (PLI/FIR). */
static GstPadProbeReturn
on_video_upstream_event (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  LcWhepViewer *self = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

  if (!gst_video_event_is_force_key_unit (event))
    return GST_PAD_PROBE_OK;
  if (g_atomic_int_get (&self->active))
    lc_channel_request_keyframe (self->channel, "viewer PLI/FIR");
  return GST_PAD_PROBE_DROP;
}

/* ---- bus (main context) ---- */

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  LcWhepViewer *self = user_data;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ERROR:
      {
        g_autoptr (GError) error = NULL;
        g_autofree char *debug = NULL;
        g_autofree char *reason = NULL;

        gst_message_parse_error (message, &error, &debug);
        GST_WARNING ("%s: error from %s: %s (%s)", self->name,
                     GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), error->message,
                     debug != NULL ? debug : "");
        reason = g_strdup_printf ("pipeline error from %s: %s",
                                  GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), error->message);
        g_atomic_int_set (&self->dead, TRUE);
        viewer_fail (self, reason);
        break;
      }
    case GST_MESSAGE_EOS:
      g_atomic_int_set (&self->dead, TRUE);
      viewer_fail (self, "the pipeline ended");
      break;
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

/* ---- the pipeline ---- */

static GstElement *
make (const char *factory, GError **error)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  if (element == NULL)
    lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL, "GStreamer element %s is missing", factory);
  return element;
}

/* webrtcbin 1.22 links a send pad into its RTP session when the answer is
 * made only if caps have reached the pad by then; a pad whose caps come later
 * is linked late and its packets never reach the bundled session. A
 * payloader sets caps only with its first buffer (H.264: with SPS/PPS), and
 * the viewer gets none before it connects. So the pad gets the RTP caps
 * (with the payloader's SSRC, which also puts a=ssrc in the answer) before
 * the offer is applied; the payloader's own events replace them later. */
static void
prime_send_pad (GstPad *sink, GstCaps *rtp_caps, const char *stream_id)
{
  GstSegment segment;

  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_send_event (sink, gst_event_new_stream_start (stream_id));
  gst_pad_send_event (sink, gst_event_new_caps (rtp_caps));
  gst_pad_send_event (sink, gst_event_new_segment (&segment));
}

static gboolean
add_branch (LcWhepViewer *self, LcMediaKind kind, const char *pay_factory, int pt,
            GstCaps *src_caps, GstCaps *codec_preferences, GPtrArray *primed, GstAppSrc **out_src,
            GError **error)
{
  guint ssrc = g_random_int ();
  GstElement *src = make ("appsrc", error);
  GstElement *pay = src != NULL ? make (pay_factory, error) : NULL;
  g_autoptr (GstPad) pay_src = NULL;
  g_autoptr (GstPad) sink = NULL;
  g_autoptr (GstWebRTCRTPTransceiver) trans = NULL;

  if (src == NULL || pay == NULL)
    {
      if (src != NULL)
        gst_object_unref (gst_object_ref_sink (src));
      return FALSE;
    }
  g_object_set (src, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", FALSE, "block",
                FALSE, "max-buffers",
                (guint64)(kind == LC_MEDIA_VIDEO ? VIDEO_MAX_BUFFERS : AUDIO_MAX_BUFFERS),
                "max-bytes", (guint64)QUEUE_MAX_BYTES, "max-time", (guint64)QUEUE_MAX_TIME,
                "leaky-type", GST_APP_LEAKY_TYPE_DOWNSTREAM, "emit-signals", FALSE, NULL);
  if (src_caps != NULL)
    g_object_set (src, "caps", src_caps, NULL);
  g_object_set (pay, "pt", (guint)pt, "mtu", (guint)RTP_MTU, "ssrc", ssrc, NULL);
  if (g_str_equal (pay_factory, "rtph264pay"))
    gst_util_set_object_arg (G_OBJECT (pay), "aggregate-mode", "zero-latency");
  if (g_str_equal (pay_factory, "rtph264pay"))
    g_object_set (pay, "config-interval", -1, NULL);
  if (g_str_equal (pay_factory, "rtpvp8pay"))
    gst_util_set_object_arg (G_OBJECT (pay), "picture-id-mode", "15-bit");

  gst_bin_add_many (GST_BIN (self->pipeline), src, pay, NULL);
  if (!gst_element_link (src, pay))
    {
      lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL, "cannot link appsrc to %s", pay_factory);
      return FALSE;
    }
  pay_src = gst_element_get_static_pad (pay, "src");
  sink = gst_element_request_pad_simple (self->webrtc, "sink_%u");
  if (sink == NULL || gst_pad_link (pay_src, sink) != GST_PAD_LINK_OK)
    {
      lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL, "cannot link %s to webrtcbin", pay_factory);
      return FALSE;
    }
  g_object_get (sink, "transceiver", &trans, NULL);
  if (trans == NULL)
    {
      lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL, "webrtcbin made no transceiver");
      return FALSE;
    }
  g_object_set (trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
                "codec-preferences", codec_preferences, NULL);
  {
    GstCaps *rtp_caps = gst_caps_copy (codec_preferences);

    gst_caps_set_simple (rtp_caps, "ssrc", G_TYPE_UINT, ssrc, NULL);
    /* Primed once the pipeline runs (pads refuse events before). */
    g_object_set_data_full (G_OBJECT (sink), "lc-prime-caps", rtp_caps,
                            (GDestroyNotify)gst_caps_unref);
    g_ptr_array_add (primed, gst_object_ref (sink));
  }

  if (kind == LC_MEDIA_VIDEO)
    {
      g_autoptr (GstPad) src_pad = gst_element_get_static_pad (src, "src");

      gst_pad_add_probe (src_pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, on_video_upstream_event, self,
                         NULL);
    }
  *out_src = GST_APP_SRC (gst_object_ref (src));
  return TRUE;
}

static gboolean
build_pipeline (LcWhepViewer *self, GError **error)
{
  g_autoptr (GstCaps) video_caps = lc_channel_dup_caps (self->channel, LC_MEDIA_VIDEO);
  g_autoptr (GstCaps) audio_caps = lc_channel_dup_caps (self->channel, LC_MEDIA_AUDIO);
  g_autoptr (GPtrArray) primed = g_ptr_array_new_with_free_func (gst_object_unref);
  GstAppSrc *video_src = NULL, *audio_src = NULL;

  self->pipeline = gst_pipeline_new (self->name);
  self->webrtc = make ("webrtcbin", error);
  if (self->webrtc == NULL)
    return FALSE;
  gst_object_ref_sink (self->webrtc);
  g_object_set (self->webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, NULL);
  gst_bin_add (GST_BIN (self->pipeline), self->webrtc);
  lc_webrtc_configure_ice (self->webrtc, self->ice, "whep");

  if (self->video_codec != NULL)
    {
      gboolean h264 = g_str_equal (self->video_codec, "h264");
      g_autoptr (GstCaps) prefs = gst_caps_new_simple (
          "application/x-rtp", "media", G_TYPE_STRING, "video", "encoding-name", G_TYPE_STRING,
          h264 ? "H264" : "VP8", "clock-rate", G_TYPE_INT, 90000, "payload", G_TYPE_INT,
          self->video_pt, NULL);

      if (video_caps == NULL)
        video_caps = gst_caps_from_string (
            h264 ? "video/x-h264,stream-format=byte-stream,alignment=au" : "video/x-vp8");
      if (!add_branch (self, LC_MEDIA_VIDEO, h264 ? "rtph264pay" : "rtpvp8pay", self->video_pt,
                       video_caps, prefs, primed, &video_src, error))
        return FALSE;
    }
  if (self->audio_pt >= 0)
    {
      g_autoptr (GstCaps) prefs = gst_caps_new_simple (
          "application/x-rtp", "media", G_TYPE_STRING, "audio", "encoding-name", G_TYPE_STRING,
          "OPUS", "clock-rate", G_TYPE_INT, 48000, "payload", G_TYPE_INT, self->audio_pt, NULL);

      if (audio_caps == NULL)
        audio_caps = gst_caps_from_string ("audio/x-opus,channel-mapping-family=0");
      if (!add_branch (self, LC_MEDIA_AUDIO, "rtpopuspay", self->audio_pt, audio_caps, prefs,
                       primed, &audio_src, error))
        {
          gst_clear_object (&video_src);
          return FALSE;
        }
    }

  LC_VIEWER_LOCK (self);
  self->video_src = video_src;
  self->audio_src = audio_src;
  LC_VIEWER_UNLOCK (self);

  self->rtpbin = gst_bin_get_by_name (GST_BIN (self->webrtc), "rtpbin");
  if (self->rtpbin != NULL)
    g_signal_connect (self->rtpbin, "on-ssrc-active", G_CALLBACK (on_rtpbin_ssrc_active), self);
  else
    GST_WARNING ("%s: no rtpbin inside webrtcbin: RTCP timeouts cannot be detected", self->name);

  g_signal_connect (self->webrtc, "notify::connection-state",
                    G_CALLBACK (on_webrtc_connection_state), self);
  g_signal_connect (self->webrtc, "notify::ice-connection-state", G_CALLBACK (on_webrtc_ice_state),
                    self);

  {
    g_autoptr (GstBus) bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));

    self->bus_watch = gst_bus_create_watch (bus);
    g_source_set_callback (self->bus_watch, (GSourceFunc)(void (*) (void))on_bus_message, self,
                           NULL);
    g_source_attach (self->bus_watch, self->context);
  }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PIPELINE]);

  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL, "the viewer pipeline does not start");
      return FALSE;
    }
  for (guint i = 0; i < primed->len; i++)
    {
      GstPad *sink = g_ptr_array_index (primed, i);
      g_autofree char *stream_id = g_strdup_printf ("%s/%u", self->name, i);

      prime_send_pad (sink, g_object_get_data (G_OBJECT (sink), "lc-prime-caps"), stream_id);
      g_object_set_data (G_OBJECT (sink), "lc-prime-caps", NULL);
    }
  return TRUE;
}

/* ---- answering (webrtcbin threads hop to the main context) ---- */

static gboolean
do_nothing (gpointer data)
{
  return G_SOURCE_REMOVE;
}

/* What a webrtcbin promise callback gets. Released on the main context: the
 * last reference of a viewer (or of webrtcbin) must never go on a webrtcbin
 * thread (disposing stops the pipeline, which joins that thread). */
typedef struct
{
  LcWhepViewer *viewer; /* ref */
  GstElement *webrtc;   /* ref */
} PromiseData;

static void
promise_data_free_now (gpointer data)
{
  PromiseData *pd = data;

  gst_object_unref (pd->webrtc);
  g_object_unref (pd->viewer);
  g_free (pd);
}

static void
promise_data_free (gpointer data)
{
  PromiseData *pd = data;

  run_on_context (pd->viewer->context, do_nothing, pd, promise_data_free_now);
}

static GstPromise *
new_promise (LcWhepViewer *self, GstElement *webrtc, GstPromiseChangeFunc func)
{
  PromiseData *pd = g_new0 (PromiseData, 1);

  pd->viewer = g_object_ref (self);
  pd->webrtc = gst_object_ref (webrtc);
  return gst_promise_new_with_change_func (func, pd, promise_data_free);
}

/* (transfer full) the promise's error message, or NULL when it succeeded. */
static char *
promise_error (GstPromise *promise)
{
  const GstStructure *reply;
  GError *error = NULL;
  char *message;

  if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED)
    return g_strdup ("webrtcbin did not reply");
  reply = gst_promise_get_reply (promise);
  if (reply == NULL || !gst_structure_has_field (reply, "error"))
    return NULL;
  gst_structure_get (reply, "error", G_TYPE_ERROR, &error, NULL);
  message = g_strdup (error != NULL ? error->message : "unknown webrtcbin error");
  g_clear_error (&error);
  return message;
}

static void
finish_answer (LcWhepViewer *self)
{
  GstWebRTCSessionDescription *local = NULL;
  g_autofree char *text = NULL;
  GTask *task;

  if (self->answer_task == NULL || self->webrtc == NULL)
    return;
  if (self->gathering_timeout_id != 0)
    {
      GSource *source
          = g_main_context_find_source_by_id (self->context, self->gathering_timeout_id);
      if (source != NULL)
        g_source_destroy (source);
      self->gathering_timeout_id = 0;
    }
  g_object_get (self->webrtc, "local-description", &local, NULL);
  if (local == NULL || local->type != GST_WEBRTC_SDP_TYPE_ANSWER)
    {
      g_clear_pointer (&local, gst_webrtc_session_description_free);
      viewer_fail (self, "webrtcbin made no answer");
      return;
    }
  text = gst_sdp_message_as_text (local->sdp);
  gst_webrtc_session_description_free (local);
  {
    char *rewritten = lc_webrtc_apply_public_address (text, self->ice);

    g_free (text);
    text = rewritten;
  }

  if (g_cancellable_is_cancelled (g_task_get_cancellable (self->answer_task)))
    {
      end_session (self, LC_SESSION_CLOSED, "the answer was cancelled");
      return;
    }
  task = g_steal_pointer (&self->answer_task);
  self->answered_at = g_get_monotonic_time ();
  set_state (self, LC_SESSION_CONNECTING);
  start_check_timer (self);
  g_task_return_pointer (task, g_steal_pointer (&text), g_free);
  g_object_unref (task);
}

static gboolean
gathering_complete (LcWhepViewer *self)
{
  GstWebRTCICEGatheringState state;

  g_object_get (self->webrtc, "ice-gathering-state", &state, NULL);
  return state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE;
}

static void
hop_local_set (LcWhepViewer *self, gpointer data)
{
  self->local_set = TRUE;
  if (gathering_complete (self))
    finish_answer (self);
}

static void
hop_gathering_done (LcWhepViewer *self, gpointer data)
{
  if (self->local_set)
    finish_answer (self);
}

static gboolean
on_gathering_timeout (gpointer user_data)
{
  LcWhepViewer *self = user_data;

  self->gathering_timeout_id = 0;
  if (self->local_set)
    {
      GST_INFO ("%s: ICE gathering incomplete after %u ms; answering with what we have", self->name,
                GATHERING_TIMEOUT_MS);
      finish_answer (self);
    }
  else
    viewer_fail (self, "no answer from webrtcbin in time");
  return G_SOURCE_REMOVE;
}

static void
on_webrtc_gathering_state (GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  LcWhepViewer *self = user_data;
  GstWebRTCICEGatheringState state;

  g_object_get (webrtc, "ice-gathering-state", &state, NULL);
  if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    hop (self, hop_gathering_done, NULL, NULL);
}

static void
on_local_set (GstPromise *promise, gpointer user_data)
{
  LcWhepViewer *self = ((PromiseData *)user_data)->viewer;
  g_autofree char *error = promise_error (promise);

  if (error != NULL)
    {
      g_autofree char *reason = g_strdup_printf ("set-local-description: %s", error);

      fail_from_thread (self, reason);
      return;
    }
  hop (self, hop_local_set, NULL, NULL);
}

static void
on_answer_created (GstPromise *promise, gpointer user_data)
{
  LcWhepViewer *self = ((PromiseData *)user_data)->viewer;
  GstElement *webrtc = ((PromiseData *)user_data)->webrtc;
  g_autofree char *error = promise_error (promise);
  GstWebRTCSessionDescription *answer = NULL;
  GstPromise *next;

  if (error == NULL)
    gst_structure_get (gst_promise_get_reply (promise), "answer",
                       GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
  if (answer == NULL)
    {
      g_autofree char *reason
          = g_strdup_printf ("create-answer: %s", error != NULL ? error : "no answer");

      fail_from_thread (self, reason);
      return;
    }
  next = new_promise (self, webrtc, on_local_set);
  g_signal_emit_by_name (webrtc, "set-local-description", answer, next);
  gst_promise_unref (next);
  gst_webrtc_session_description_free (answer);
}

static void
on_remote_set (GstPromise *promise, gpointer user_data)
{
  LcWhepViewer *self = ((PromiseData *)user_data)->viewer;
  GstElement *webrtc = ((PromiseData *)user_data)->webrtc;
  g_autofree char *error = promise_error (promise);
  GstPromise *next;

  if (error != NULL)
    {
      g_autofree char *reason = g_strdup_printf ("the offer was refused: %s", error);

      fail_from_thread (self, reason);
      return;
    }
  next = new_promise (self, webrtc, on_answer_created);
  g_signal_emit_by_name (webrtc, "create-answer", NULL, next);
  gst_promise_unref (next);
}

/* ---- LcWebrtcSession ---- */

/* Which video codec to send: the channel's, if the viewer can take it. */
static gboolean
choose_codecs (LcWhepViewer *self, const LcSdpOffer *offer, GError **error)
{
  const char *channel_codec = lc_channel_get_video_codec (self->channel);

  self->video_codec = NULL;
  self->video_pt = -1;
  self->audio_pt = offer->opus_pt;
  if (g_strcmp0 (channel_codec, "h264") == 0 && offer->h264_pt >= 0)
    {
      self->video_codec = "h264";
      self->video_pt = offer->h264_pt;
    }
  else if (g_strcmp0 (channel_codec, "vp8") == 0 && offer->vp8_pt >= 0)
    {
      self->video_codec = "vp8";
      self->video_pt = offer->vp8_pt;
    }
  else if (channel_codec == NULL && offer->h264_pt >= 0)
    {
      self->video_codec = "h264"; /* no video yet: the preferred codec */
      self->video_pt = offer->h264_pt;
    }
  else if (channel_codec == NULL && offer->vp8_pt >= 0)
    {
      self->video_codec = "vp8";
      self->video_pt = offer->vp8_pt;
    }
  else if (channel_codec != NULL && (offer->h264_pt >= 0 || offer->vp8_pt >= 0))
    {
      lc_set_error (error, LC_ERROR_INVALID, "sdp",
                    "this lesson is broadcast in %s, which the offer does not accept",
                    g_str_equal (channel_codec, "h264") ? "H.264 (packetization-mode=1)" : "VP8");
      return FALSE;
    }

  if (self->video_codec == NULL && self->audio_pt < 0)
    {
      lc_set_error (error, LC_ERROR_INVALID, "sdp",
                    "the offer accepts neither H.264 (packetization-mode=1) or VP8 video nor "
                    "Opus audio");
      return FALSE;
    }
  return TRUE;
}

static void
viewer_answer_async (LcWebrtcSession *session, const char *offer_sdp, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  LcWhepViewer *self = LC_WHEP_VIEWER (session);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_auto (LcSdpOffer) offer = { 0 };
  g_autoptr (GError) error = NULL;
  GstSDPMessage *sdp = NULL;
  GstWebRTCSessionDescription *description;
  GstPromise *promise;
  GSource *timeout;

  g_task_set_source_tag (task, viewer_answer_async);
  if (self->state != LC_SESSION_NEW || self->pipeline != NULL || self->torn_down)
    {
      g_task_return_new_error (task, LC_ERROR, LC_ERROR_CONFLICT,
                               "this viewer session has been answered already");
      return;
    }
  if (!lc_sdp_parse_offer (offer_sdp, TRUE, &offer, &error)
      || !choose_codecs (self, &offer, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (gst_sdp_message_new_from_text (offer_sdp, &sdp) != GST_SDP_OK)
    {
      g_task_return_new_error (task, LC_ERROR, LC_ERROR_MALFORMED, "the offer is not SDP");
      return;
    }

  self->answer_task = g_steal_pointer (&task);
  if (!build_pipeline (self, &error))
    {
      gst_sdp_message_free (sdp);
      viewer_fail (self, error->message); /* returns the task's error */
      return;
    }
  GST_INFO ("%s: answering (video %s pt %d, audio pt %d)", self->name,
            self->video_codec != NULL ? self->video_codec : "none", self->video_pt, self->audio_pt);

  timeout = g_timeout_source_new (GATHERING_TIMEOUT_MS);
  g_source_set_callback (timeout, on_gathering_timeout, self, NULL);
  self->gathering_timeout_id = g_source_attach (timeout, self->context);
  g_source_unref (timeout);

  g_signal_connect (self->webrtc, "notify::ice-gathering-state",
                    G_CALLBACK (on_webrtc_gathering_state), self);
  description = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  promise = new_promise (self, self->webrtc, on_remote_set);
  g_signal_emit_by_name (self->webrtc, "set-remote-description", description, promise);
  gst_promise_unref (promise);
  gst_webrtc_session_description_free (description);
}

static char *
viewer_answer_finish (LcWebrtcSession *session, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, session), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
viewer_add_remote_candidates (LcWebrtcSession *session, const char *sdpfrag, GError **error)
{
  LcWhepViewer *self = LC_WHEP_VIEWER (session);
  g_auto (LcSdpFragment) frag = { 0 };

  if (self->webrtc == NULL || self->torn_down)
    {
      lc_set_error (error, LC_ERROR_CONFLICT, NULL, "the viewer session has ended");
      return FALSE;
    }
  if (!lc_sdp_parse_fragment (sdpfrag, &frag, error))
    return FALSE;
  lc_webrtc_add_candidates (self->webrtc, &frag);
  return TRUE;
}

/* ICE restart (WHEP PATCH with new credentials): on webrtcbin's libnice
 * stream; DTLS and media go on once ICE reconnects. */
static void
viewer_restart_async (LcWebrtcSession *session, const char *sdpfrag, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  LcWhepViewer *self = LC_WHEP_VIEWER (session);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_auto (LcSdpFragment) frag = { 0 };
  g_autoptr (GError) error = NULL;
  char *answer;

  g_task_set_source_tag (task, viewer_restart_async);
  if (self->webrtc == NULL || self->torn_down || self->answer_task != NULL
      || self->state == LC_SESSION_NEW)
    {
      g_task_return_new_error (task, LC_ERROR, LC_ERROR_CONFLICT,
                               "the viewer session is not established");
      return;
    }
  if (!lc_sdp_parse_fragment (sdpfrag, &frag, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (frag.ice_ufrag == NULL || frag.ice_pwd == NULL)
    {
      g_task_return_new_error (task, LC_ERROR, LC_ERROR_INVALID,
                               "an ICE restart needs a=ice-ufrag and a=ice-pwd");
      return;
    }
  answer = lc_webrtc_ice_restart (self->webrtc, &frag, self->ice, &error);
  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* The RTCP clock starts again with the new path. */
  LC_VIEWER_LOCK (self);
  self->last_rtcp = g_get_monotonic_time ();
  LC_VIEWER_UNLOCK (self);
  g_info ("lesson %s %s: ICE restart", lc_channel_get_lesson_id (self->channel), self->name);
  g_task_return_pointer (task, answer, g_free);
}

static char *
viewer_restart_finish (LcWebrtcSession *session, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, session), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
viewer_close (LcWebrtcSession *session)
{
  LcWhepViewer *self = LC_WHEP_VIEWER (session);

  if (self->state == LC_SESSION_CLOSED || self->state == LC_SESSION_FAILED)
    return;
  g_info ("lesson %s %s: closed", lc_channel_get_lesson_id (self->channel), self->name);
  end_session (self, LC_SESSION_CLOSED, "the viewer session was closed before it was answered");
}

static LcSessionState
viewer_get_state (LcWebrtcSession *session)
{
  return LC_WHEP_VIEWER (session)->state;
}

static void
lc_whep_viewer_session_init (LcWebrtcSessionInterface *iface)
{
  iface->answer_async = viewer_answer_async;
  iface->answer_finish = viewer_answer_finish;
  iface->add_remote_candidates = viewer_add_remote_candidates;
  iface->restart_async = viewer_restart_async;
  iface->restart_finish = viewer_restart_finish;
  iface->close = viewer_close;
  iface->get_state = viewer_get_state;
}

/* ---- LcConsumer (streaming threads for set_caps/push) ---- */

static GstAppSrc *
dup_src (LcWhepViewer *self, LcMediaKind kind)
{
  GstAppSrc *src;

  LC_VIEWER_LOCK (self);
  src = kind == LC_MEDIA_VIDEO ? self->video_src : self->audio_src;
  if (src != NULL)
    gst_object_ref (src);
  LC_VIEWER_UNLOCK (self);
  return src;
}

static void
viewer_set_caps (LcConsumer *consumer, LcMediaKind kind, GstCaps *caps)
{
  LcWhepViewer *self = LC_WHEP_VIEWER (consumer);
  g_autoptr (GstAppSrc) src = NULL;

  if (kind == LC_MEDIA_VIDEO && self->video_codec != NULL && !gst_caps_is_empty (caps))
    {
      const char *name = gst_structure_get_name (gst_caps_get_structure (caps, 0));
      const char *codec = g_str_equal (name, "video/x-h264")  ? "h264"
                          : g_str_equal (name, "video/x-vp8") ? "vp8"
                                                              : NULL;

      if (g_strcmp0 (codec, self->video_codec) != 0)
        {
          g_autofree char *reason
              = g_strdup_printf ("the lesson's video changed to %s; the viewer must reconnect",
                                 codec != NULL ? codec : name);

          fail_from_thread (self, reason);
          return;
        }
    }
  src = dup_src (self, kind);
  if (src != NULL)
    gst_app_src_set_caps (src, caps);
}

/* Would one more buffer of size bytes overflow the appsrc's queue? */
static gboolean
queue_full (GstAppSrc *src, LcMediaKind kind, gsize size)
{
  guint64 max_buffers = kind == LC_MEDIA_VIDEO ? VIDEO_MAX_BUFFERS : AUDIO_MAX_BUFFERS;

  return gst_app_src_get_current_level_buffers (src) + 1 >= max_buffers
         || gst_app_src_get_current_level_bytes (src) + size > QUEUE_MAX_BYTES
         || gst_app_src_get_current_level_time (src) >= QUEUE_MAX_TIME;
}

/* Channel time → this pipeline's running time (fixed at the first buffer, so
 * the spacing of channel timestamps and the A/V relation are kept). */
static gboolean
map_timestamp (LcWhepViewer *self, GstAppSrc *src, GstClockTime pts, GstClockTime *out)
{
  GstClockTimeDiff offset;
  GstClockTimeDiff mapped;

  LC_VIEWER_LOCK (self);
  if (!self->have_offset)
    {
      g_autoptr (GstClock) clock = gst_element_get_clock (GST_ELEMENT (src));
      GstClockTime running = 0;

      if (clock != NULL)
        {
          GstClockTime now = gst_clock_get_time (clock);
          GstClockTime base = gst_element_get_base_time (GST_ELEMENT (src));

          running = now > base ? now - base : 0;
        }
      self->ts_offset = GST_CLOCK_DIFF (pts, running);
      self->have_offset = TRUE;
    }
  offset = self->ts_offset;
  LC_VIEWER_UNLOCK (self);

  mapped = (GstClockTimeDiff)pts + offset;
  if (mapped < 0)
    return FALSE; /* older than this viewer's first buffer */
  *out = (GstClockTime)mapped;
  return TRUE;
}

static gboolean
viewer_push (LcConsumer *consumer, LcMediaKind kind, GstBuffer *buffer)
{
  LcWhepViewer *self = LC_WHEP_VIEWER (consumer);
  g_autoptr (GstAppSrc) src = NULL;
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  GstBuffer *out;
  GstFlowReturn ret;

  if (g_atomic_int_get (&self->dead))
    return FALSE;
  if (!g_atomic_int_get (&self->active))
    return TRUE;
  src = dup_src (self, kind);
  if (src == NULL)
    return TRUE; /* a kind this viewer does not take */

  if (kind == LC_MEDIA_VIDEO && g_atomic_int_get (&self->need_keyframe))
    {
      if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
        return TRUE;
      g_atomic_int_set (&self->need_keyframe, FALSE);
    }
  if (queue_full (src, kind, gst_buffer_get_size (buffer)))
    {
      LC_VIEWER_LOCK (self);
      self->dropped++;
      LC_VIEWER_UNLOCK (self);
      if (kind == LC_MEDIA_VIDEO)
        {
          /* The next frames would not decode: skip to a keyframe. */
          g_atomic_int_set (&self->need_keyframe, TRUE);
          lc_channel_request_keyframe (self->channel, "slow viewer");
        }
      return TRUE;
    }
  if (!GST_CLOCK_TIME_IS_VALID (pts) || !map_timestamp (self, src, pts, &pts))
    return TRUE;

  out = gst_buffer_copy (buffer); /* metadata only; memory is shared */
  GST_BUFFER_PTS (out) = pts;
  GST_BUFFER_DTS (out) = pts;
  ret = gst_app_src_push_buffer (src, out);
  if (ret != GST_FLOW_OK)
    {
      g_autofree char *reason = NULL;

      if (!g_atomic_int_get (&self->active))
        return TRUE; /* closing */
      reason = g_strdup_printf ("the pipeline refused data (%s)", gst_flow_get_name (ret));
      fail_from_thread (self, reason);
      return FALSE;
    }
  return TRUE;
}

static void
viewer_publisher_gap (LcConsumer *consumer, gboolean gone)
{
  LcWhepViewer *self = LC_WHEP_VIEWER (consumer);

  if (!gone)
    g_atomic_int_set (&self->need_keyframe, TRUE);
}

static void
viewer_finish (LcConsumer *consumer)
{
  viewer_close (LC_WEBRTC_SESSION (consumer));
}

static const char *
viewer_get_name (LcConsumer *consumer)
{
  return LC_WHEP_VIEWER (consumer)->name;
}

static void
lc_whep_viewer_consumer_init (LcConsumerInterface *iface)
{
  iface->set_caps = viewer_set_caps;
  iface->push = viewer_push;
  iface->publisher_gap = viewer_publisher_gap;
  iface->finish = viewer_finish;
  iface->get_name = viewer_get_name;
}

/* ---- GObject ---- */

static void
lc_whep_viewer_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LcWhepViewer *self = LC_WHEP_VIEWER (object);

  switch (prop_id)
    {
    case PROP_PIPELINE:
      g_value_set_object (value, self->pipeline);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
    }
}

static void
lc_whep_viewer_dispose (GObject *object)
{
  LcWhepViewer *self = LC_WHEP_VIEWER (object);

  teardown (self);
  G_OBJECT_CLASS (lc_whep_viewer_parent_class)->dispose (object);
}

static void
lc_whep_viewer_finalize (GObject *object)
{
  LcWhepViewer *self = LC_WHEP_VIEWER (object);

  g_free (self->name);
  g_clear_object (&self->channel);
  g_clear_pointer (&self->ice, lc_ice_config_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (lc_whep_viewer_parent_class)->finalize (object);
}

static void
lc_whep_viewer_class_init (LcWhepViewerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = lc_whep_viewer_get_property;
  object_class->dispose = lc_whep_viewer_dispose;
  object_class->finalize = lc_whep_viewer_finalize;

  properties[PROP_PIPELINE]
      = g_param_spec_object ("pipeline", "Pipeline", "The viewer's pipeline (diagnostics, tests)",
                             GST_TYPE_ELEMENT, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  GST_DEBUG_CATEGORY_INIT (lc_whep_viewer_debug, "lc-whep-viewer", 0, "lessoncast WHEP viewer");
}

static void
lc_whep_viewer_init (LcWhepViewer *self)
{
  g_mutex_init (&self->lock);
  self->state = LC_SESSION_NEW;
  self->video_pt = -1;
  self->audio_pt = -1;
}

LcWhepViewer *
lc_whep_viewer_new (LcChannel *channel, const LcIceConfig *ice, guint rtcp_timeout_ms,
                    guint connect_timeout_ms)
{
  g_return_val_if_fail (LC_IS_CHANNEL (channel), NULL);

  LcWhepViewer *self = g_object_new (LC_TYPE_WHEP_VIEWER, NULL);
  self->name = g_strdup_printf ("viewer %08x", g_random_int ());
  self->channel = g_object_ref (channel);
  self->ice = ice != NULL ? lc_ice_config_copy (ice) : g_new0 (LcIceConfig, 1);
  self->context = g_main_context_ref_thread_default ();
  self->rtcp_timeout_ms = MAX (rtcp_timeout_ms, 100);
  self->connect_timeout_ms = MAX (connect_timeout_ms, 100);
  return self;
}

const char *
lc_whep_viewer_get_name (LcWhepViewer *viewer)
{
  g_return_val_if_fail (LC_IS_WHEP_VIEWER (viewer), NULL);
  return viewer->name;
}
