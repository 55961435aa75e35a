/* lc-webrtc-client.c — WHIP publisher / WHEP viewer test clients on webrtcbin
 * (see lc-webrtc-client.h).
 *
 *   publisher: videotestsrc ! x264enc (or vp8enc) ! rtph264pay ─┐
 *              audiotestsrc ! opusenc ! rtpopuspay ─────────────┴─ webrtcbin (sendonly)
 *   viewer:    webrtcbin (recvonly: H.264 + VP8, Opus) ─ src_N ─ depayloader ! decoder ! fakesink
 *                                                        (a probe counts what reaches the sink)
 *
 * HTTP runs on libsoup asynchronously on the caller's thread-default context,
 * which the blocking-looking calls iterate while they wait (the server may live
 * on that context). webrtcbin calls back on its own threads: those callbacks
 * only hop to the client's context (an idle source) holding a
 * reference on the client, which is an atomic ref-counted box so that a late
 * hop never touches freed memory. Media teardown always happens on the
 * caller's thread. */
#include "lc-webrtc-client.h"

#include <string.h>

#include <gst/gst.h>
#ifndef GST_USE_UNSTABLE_API
#define GST_USE_UNSTABLE_API
#endif
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <libsoup/soup.h>

#include "common/lc-error.h"

/* H.264 / VP8 / Opus payload types the viewer offers (Chromium's numbers). */
#define VIEWER_H264_PT 102
#define VIEWER_VP8_PT 96
#define VIEWER_OPUS_PT 111
#define PUBLISHER_VIDEO_PT 96
#define PUBLISHER_OPUS_PT 111

typedef enum
{
  STEP_IDLE,
  STEP_OFFERING,  /* create-offer + set-local-description, gathering */
  STEP_POSTING,   /* offer sent, waiting for the answer */
  STEP_ANSWERING, /* set-remote-description pending */
  STEP_DONE,
  STEP_FAILED,
} ClientStep;

struct _LcWebrtcClient
{
  /* options (strings owned) */
  LcClientRole role;
  char *url;
  char *bearer;
  char *video_codec;
  guint width, height, fps;
  guint keyframe_interval;
  gboolean no_audio, no_video, no_decode;
  guint video_bitrate;
  char *video_pattern;
  LcWebrtcClientFrameFunc frame_func;
  gpointer frame_data;
  gint64 posted_at; /* monotonic µs of the last POST */

  GMainContext *context; /* the caller's thread-default context */
  SoupSession *session;
  gboolean freed; /* lc_webrtc_client_free ran; late hops do nothing */

  /* media (caller's thread only) */
  GstElement *pipeline;
  GstElement *webrtc;
  GstBus *bus;
  guint generation; /* bumped per pipeline: hops for an old one are ignored */

  /* negotiation (caller's thread only) */
  ClientStep step;
  GError *error;
  guint http_status;
  gboolean gathering_done;
  char *location;
  char *etag;

  /* counters, written on streaming threads */
  GMutex counter_lock;
  guint64 video_frames;
  guint64 audio_buffers;
};

static LcWebrtcClient *
client_ref (LcWebrtcClient *client)
{
  return g_atomic_rc_box_acquire (client);
}

static void
client_clear (gpointer data)
{
  LcWebrtcClient *client = data;

  /* Only memory here: the media and the HTTP session are gone already
   * (lc_webrtc_client_free tears them down on the caller's thread). */
  g_free (client->url);
  g_free (client->bearer);
  g_free (client->video_codec);
  g_free (client->video_pattern);
  g_free (client->location);
  g_free (client->etag);
  g_clear_error (&client->error);
  g_mutex_clear (&client->counter_lock);
  g_main_context_unref (client->context);
}

static void
client_unref (gpointer client)
{
  g_atomic_rc_box_release_full (client, client_clear);
}

/* ---- hopping from GStreamer threads to the caller's context ---- */

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

typedef void (*HopFunc) (LcWebrtcClient *client, gpointer data);

typedef struct
{
  LcWebrtcClient *client; /* ref */
  guint generation;
  HopFunc func;
  gpointer data;
  GDestroyNotify destroy;
} Hop;

static gboolean
run_hop (gpointer user_data)
{
  Hop *hop = user_data;

  if (!hop->client->freed && hop->generation == hop->client->generation)
    hop->func (hop->client, hop->data);
  return G_SOURCE_REMOVE;
}

static void
free_hop (gpointer user_data)
{
  Hop *hop = user_data;

  if (hop->destroy != NULL && hop->data != NULL)
    hop->destroy (hop->data);
  client_unref (hop->client);
  g_free (hop);
}

/* Any thread. generation: the pipeline the event belongs to. */
static void
hop_to_context (LcWebrtcClient *client, guint generation, HopFunc func, gpointer data,
                GDestroyNotify destroy)
{
  Hop *hop = g_new0 (Hop, 1);

  hop->client = client_ref (client);
  hop->generation = generation;
  hop->func = func;
  hop->data = data;
  hop->destroy = destroy;
  run_on_context (client->context, run_hop, hop, free_hop);
}

/* The data of a webrtcbin callback: the client and the pipeline generation. */
typedef struct
{
  LcWebrtcClient *client; /* ref */
  guint generation;
  GstElement *webrtc; /* not a ref: only used while webrtcbin calls back */
} CallbackData;

static CallbackData *
callback_data_new (LcWebrtcClient *client)
{
  CallbackData *cb = g_new0 (CallbackData, 1);

  cb->client = client_ref (client);
  cb->generation = client->generation;
  cb->webrtc = client->webrtc;
  return cb;
}

static void
callback_data_free (gpointer data)
{
  CallbackData *cb = data;

  client_unref (cb->client);
  g_free (cb);
}

/* ---- failure ---- */

static void
client_fail (LcWebrtcClient *client, GError *error)
{
  if (client->step == STEP_FAILED || client->step == STEP_DONE)
    {
      g_debug ("client %s: after start: %s", client->url, error->message);
      g_error_free (error);
      return;
    }
  g_clear_error (&client->error);
  client->error = error;
  client->step = STEP_FAILED;
}

static void
hop_fail (LcWebrtcClient *client, gpointer data)
{
  client_fail (client, g_error_copy (data));
}

/* ---- counters ---- */

static GstPadProbeReturn
on_sink_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  LcWebrtcClient *client = g_object_get_data (G_OBJECT (pad), "lc-client");
  gboolean video = GPOINTER_TO_INT (user_data);
  guint n = 1;

  if (client == NULL)
    return GST_PAD_PROBE_OK;
  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    n = gst_buffer_list_length (GST_PAD_PROBE_INFO_BUFFER_LIST (info));
  g_mutex_lock (&client->counter_lock);
  if (video)
    client->video_frames += n;
  else
    client->audio_buffers += n;
  g_mutex_unlock (&client->counter_lock);
  return GST_PAD_PROBE_OK;
}

/* Streaming thread: a raw (publisher) or received (viewer) video frame for
 * the frame_func. The publisher's buffer is made writable first. */
static GstPadProbeReturn
on_video_frame (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  LcWebrtcClient *client = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);

  if (buffer == NULL || caps == NULL)
    return GST_PAD_PROBE_OK;
  if (client->role == LC_CLIENT_PUBLISHER)
    {
      buffer = gst_buffer_make_writable (buffer);
      GST_PAD_PROBE_INFO_DATA (info) = buffer;
    }
  client->frame_func (buffer, caps, client->frame_data);
  return GST_PAD_PROBE_OK;
}

/* ---- bus ---- */

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  LcWebrtcClient *client = user_data;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) gerror = NULL;
      g_autofree char *debug = NULL;

      gst_message_parse_error (message, &gerror, &debug);
      g_message ("client %s: pipeline error from %s: %s (%s)", client->url,
                 GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), gerror->message,
                 debug != NULL ? debug : "");
      client_fail (
          client, g_error_new (LC_ERROR, LC_ERROR_INTERNAL, "pipeline error: %s", gerror->message));
    }
  return G_SOURCE_CONTINUE;
}

/* ---- building the pipeline ---- */

static GstElement *
make_element (const char *factory, const char *name, GError **error)
{
  GstElement *element = gst_element_factory_make (factory, name);

  if (element == NULL)
    g_set_error (error, LC_ERROR, LC_ERROR_UNAVAILABLE, "GStreamer element %s is missing", factory);
  return element;
}

/* Add a chain of elements given by a launch description to the pipeline and
 * link its last element to a webrtcbin sink pad. */
static gboolean
add_publisher_branch (LcWebrtcClient *client, const char *description, GError **error)
{
  g_autoptr (GstElement) bin = NULL;
  g_autoptr (GstPad) src = NULL;
  g_autoptr (GstPad) sink = NULL;
  g_autoptr (GstWebRTCRTPTransceiver) trans = NULL;

  bin = gst_parse_bin_from_description (description, TRUE, error);
  if (bin == NULL)
    return FALSE;
  gst_object_ref_sink (bin);
  gst_bin_add (GST_BIN (client->pipeline), bin);

  src = gst_element_get_static_pad (bin, "src");
  sink = gst_element_request_pad_simple (client->webrtc, "sink_%u");
  if (src == NULL || sink == NULL || gst_pad_link (src, sink) != GST_PAD_LINK_OK)
    {
      g_set_error (error, LC_ERROR, LC_ERROR_INTERNAL, "cannot link %s to webrtcbin", description);
      return FALSE;
    }
  g_object_get (sink, "transceiver", &trans, NULL);
  if (trans != NULL)
    g_object_set (trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, NULL);
  return TRUE;
}

static gboolean
build_publisher (LcWebrtcClient *client, GError **error)
{
  gboolean vp8 = g_strcmp0 (client->video_codec, "vp8") == 0;
  /* 0 = keyframes only on request (PLI/FIR), like Chromium. */
  guint keyint = client->keyframe_interval > 0 ? client->keyframe_interval : 100000;
  guint bitrate = client->video_bitrate > 0 ? client->video_bitrate : 600;
  const char *pattern = client->video_pattern != NULL ? client->video_pattern : "pattern=smpte";

  if (!client->no_video)
    {
      g_autofree char *video = NULL;

      if (vp8)
        video = g_strdup_printf (
            "videotestsrc is-live=true %s ! video/x-raw,width=%u,height=%u,"
            "framerate=%u/1 ! videoconvert ! queue max-size-buffers=2 leaky=downstream ! "
            "vp8enc name=lc-video-encoder deadline=1 cpu-used=8 keyframe-max-dist=%u "
            "target-bitrate=%u ! "
            "rtpvp8pay pt=%d mtu=1200 picture-id-mode=15-bit ! capsfilter caps=\""
            "application/x-rtp,media=video,encoding-name=VP8,payload=%d,clock-rate=90000\"",
            pattern, client->width, client->height, client->fps, keyint, bitrate * 1000,
            PUBLISHER_VIDEO_PT, PUBLISHER_VIDEO_PT);
      else
        video = g_strdup_printf (
            "videotestsrc is-live=true %s ! video/x-raw,width=%u,height=%u,"
            "framerate=%u/1 ! videoconvert ! queue max-size-buffers=2 leaky=downstream ! "
            "x264enc name=lc-video-encoder tune=zerolatency speed-preset=ultrafast bitrate=%u "
            "key-int-max=%u threads=1 ! video/x-h264,profile=constrained-baseline ! "
            "rtph264pay pt=%d mtu=1200 config-interval=-1 aggregate-mode=zero-latency ! "
            "capsfilter caps=\"application/x-rtp,media=video,encoding-name=H264,payload=%d,"
            "clock-rate=90000,packetization-mode=(string)1\"",
            pattern, client->width, client->height, client->fps, bitrate, keyint,
            PUBLISHER_VIDEO_PT, PUBLISHER_VIDEO_PT);
      if (!add_publisher_branch (client, video, error))
        return FALSE;
      if (client->frame_func != NULL)
        {
          g_autoptr (GstElement) encoder
              = gst_bin_get_by_name (GST_BIN (client->pipeline), "lc-video-encoder");
          g_autoptr (GstPad) raw
              = encoder != NULL ? gst_element_get_static_pad (encoder, "sink") : NULL;

          if (raw != NULL)
            gst_pad_add_probe (raw, GST_PAD_PROBE_TYPE_BUFFER, on_video_frame, client, NULL);
        }
    }
  if (!client->no_audio)
    {
      g_autofree char *audio = g_strdup_printf (
          "audiotestsrc is-live=true wave=sine freq=440 volume=0.2 ! audioconvert ! "
          "audioresample ! audio/x-raw,rate=48000,channels=2 ! opusenc bitrate=32000 ! "
          "rtpopuspay pt=%d ! capsfilter caps=\"application/x-rtp,media=audio,"
          "encoding-name=OPUS,payload=%d,clock-rate=48000,encoding-params=(string)2\"",
          PUBLISHER_OPUS_PT, PUBLISHER_OPUS_PT);

      if (!add_publisher_branch (client, audio, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
build_viewer (LcWebrtcClient *client, GError **error)
{
  g_autoptr (GstCaps) video = NULL;
  g_autoptr (GstCaps) audio = NULL;
  GstWebRTCRTPTransceiver *trans = NULL;

  video = gst_caps_from_string (
      "application/x-rtp,media=video,encoding-name=H264,payload=" G_STRINGIFY (
          VIEWER_H264_PT) ",clock-rate=90000,packetization-mode=(string)1,profile-level-id=(string)"
                          "42e01f,"
                          "level-asymmetry-allowed=(string)1,rtcp-fb-nack-pli=(boolean)true,"
                          "rtcp-fb-ccm-fir=(boolean)true;"
                          "application/x-rtp,media=video,encoding-name=VP8,payload=" G_STRINGIFY (
                              VIEWER_VP8_PT) ",clock-rate=90000,rtcp-fb-nack-pli=(boolean)true,"
                                             "rtcp-fb-ccm-fir=(boolean)true");
  audio = gst_caps_from_string (
      "application/x-rtp,media=audio,encoding-name=OPUS,payload=" G_STRINGIFY (
          VIEWER_OPUS_PT) ",clock-rate=48000,encoding-params=(string)2");
  if (video == NULL || audio == NULL)
    {
      g_set_error (error, LC_ERROR, LC_ERROR_INTERNAL, "bad viewer caps");
      return FALSE;
    }
  g_signal_emit_by_name (client->webrtc, "add-transceiver",
                         GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, video, &trans);
  g_clear_object (&trans);
  g_signal_emit_by_name (client->webrtc, "add-transceiver",
                         GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, audio, &trans);
  g_clear_object (&trans);
  return TRUE;
}

/* Streaming thread: a webrtcbin source pad appeared (viewer): depayload,
 * decode (unless no_decode) and count what reaches a fakesink. */
static void
on_webrtc_pad_added (GstElement *webrtc, GstPad *pad, gpointer user_data)
{
  CallbackData *cb = user_data;
  LcWebrtcClient *client = cb->client;
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstObject) parent = NULL;
  g_autoptr (GstPad) first_sink = NULL;
  g_autoptr (GstPad) counted = NULL;
  const char *factories[4] = { NULL, NULL, NULL, NULL };
  GstElement *chain[5] = { NULL };
  const GstStructure *s;
  const char *encoding;
  gboolean video;
  guint n = 0;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  caps = gst_pad_get_current_caps (pad);
  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  if (caps == NULL || gst_caps_is_empty (caps))
    return;
  s = gst_caps_get_structure (caps, 0);
  encoding = gst_structure_get_string (s, "encoding-name");
  video = g_strcmp0 (gst_structure_get_string (s, "media"), "video") == 0;
  g_debug ("client %s: incoming %s stream", client->url, encoding != NULL ? encoding : "?");

  if (g_strcmp0 (encoding, "H264") == 0)
    {
      factories[0] = "rtph264depay";
      factories[1] = client->no_decode ? NULL : "h264parse";
      factories[2] = client->no_decode ? NULL : "avdec_h264";
    }
  else if (g_strcmp0 (encoding, "VP8") == 0)
    {
      factories[0] = "rtpvp8depay";
      factories[1] = client->no_decode ? NULL : "vp8dec";
    }
  else if (g_strcmp0 (encoding, "OPUS") == 0)
    {
      factories[0] = "rtpopusdepay";
      factories[1] = client->no_decode ? NULL : "opusdec";
    }
  else
    {
      g_autofree char *text = gst_caps_to_string (caps);

      g_message ("client %s: ignoring a stream with caps %s", client->url, text);
      return;
    }

  parent = gst_object_get_parent (GST_OBJECT (webrtc));
  if (parent == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (factories) && factories[i] != NULL; i++)
    {
      chain[n] = gst_element_factory_make (factories[i], NULL);
      if (chain[n] == NULL)
        break;
      n++;
    }
  chain[n] = gst_element_factory_make ("fakesink", NULL);
  if (chain[n] == NULL || n == 0)
    {
      for (guint i = 0; i <= n; i++)
        if (chain[i] != NULL)
          gst_object_unref (gst_object_ref_sink (chain[i]));
      hop_to_context (client, cb->generation, hop_fail,
                      g_error_new (LC_ERROR, LC_ERROR_UNAVAILABLE,
                                   "the viewer lacks a depayloader/decoder for %s", encoding),
                      (GDestroyNotify)g_error_free);
      return;
    }
  n++;
  g_object_set (chain[n - 1], "sync", FALSE, "async", FALSE, NULL);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (chain[0]), "request-keyframe") != NULL)
    g_object_set (chain[0], "request-keyframe", TRUE, "wait-for-keyframe", TRUE, NULL);

  for (guint i = 0; i < n; i++)
    gst_bin_add (GST_BIN (parent), chain[i]);
  for (guint i = 0; i + 1 < n; i++)
    gst_element_link (chain[i], chain[i + 1]);

  counted = gst_element_get_static_pad (chain[n - 1], "sink");
  /* Plain pointer: the client outlives its pipelines (free tears them down
   * first, which joins every streaming thread). */
  g_object_set_data (G_OBJECT (counted), "lc-client", client);
  gst_pad_add_probe (counted, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     on_sink_buffer, GINT_TO_POINTER (video), NULL);
  if (video && client->frame_func != NULL)
    gst_pad_add_probe (counted, GST_PAD_PROBE_TYPE_BUFFER, on_video_frame, client, NULL);

  for (guint i = n; i > 0; i--)
    gst_element_sync_state_with_parent (chain[i - 1]);
  first_sink = gst_element_get_static_pad (chain[0], "sink");
  if (gst_pad_link (pad, first_sink) != GST_PAD_LINK_OK)
    g_message ("client %s: cannot link the %s stream", client->url, encoding);
}

/* ---- negotiation: offer, gathering, POST, answer ---- */

static void hop_gathering_done (LcWebrtcClient *client, gpointer data);

static void
on_webrtc_gathering_state (GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  CallbackData *cb = user_data;
  GstWebRTCICEGatheringState state;

  g_object_get (webrtc, "ice-gathering-state", &state, NULL);
  if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    hop_to_context (cb->client, cb->generation, hop_gathering_done, NULL, NULL);
}

static void
on_offer_created (GstPromise *promise, gpointer user_data)
{
  CallbackData *cb = user_data;
  const GstStructure *reply;
  GstWebRTCSessionDescription *offer = NULL;

  if (gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED
      && (reply = gst_promise_get_reply (promise)) != NULL)
    gst_structure_get (reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL);
  if (offer == NULL)
    {
      hop_to_context (cb->client, cb->generation, hop_fail,
                      g_error_new (LC_ERROR, LC_ERROR_INTERNAL, "webrtcbin made no offer"),
                      (GDestroyNotify)g_error_free);
      return;
    }
  /* Gathering starts here; the offer goes out when it completes. */
  g_signal_emit_by_name (cb->webrtc, "set-local-description", offer, NULL);
  gst_webrtc_session_description_free (offer);
}

static void send_offer (LcWebrtcClient *client);

static void
hop_gathering_done (LcWebrtcClient *client, gpointer data)
{
  client->gathering_done = TRUE;
  if (client->step == STEP_OFFERING)
    send_offer (client);
}

/* RTCP about once a second, as browsers send it (rtpbin's default minimum
 * is 5 s): servers can then reap silent peers sooner without false alarms. */
static void
set_rtcp_interval (GstElement *webrtc)
{
  g_autoptr (GstElement) rtpbin = gst_bin_get_by_name (GST_BIN (webrtc), "rtpbin");
  g_autoptr (GObject) session = NULL;

  if (rtpbin == NULL)
    return;
  g_signal_emit_by_name (rtpbin, "get-internal-session", 0, &session);
  if (session != NULL
      && g_object_class_find_property (G_OBJECT_GET_CLASS (session), "rtcp-min-interval") != NULL)
    g_object_set (session, "rtcp-min-interval", (guint64)GST_SECOND, NULL);
}

static void
hop_remote_set (LcWebrtcClient *client, gpointer data)
{
  if (client->webrtc != NULL)
    set_rtcp_interval (client->webrtc);
  if (client->step == STEP_ANSWERING)
    client->step = STEP_DONE;
}

static void
on_remote_set (GstPromise *promise, gpointer user_data)
{
  CallbackData *cb = user_data;
  const GstStructure *reply;
  GError *error = NULL;

  if (gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED
      && (reply = gst_promise_get_reply (promise)) != NULL
      && gst_structure_has_field (reply, "error"))
    gst_structure_get (reply, "error", G_TYPE_ERROR, &error, NULL);
  if (error != NULL)
    {
      hop_to_context (
          cb->client, cb->generation, hop_fail,
          g_error_new (LC_ERROR, LC_ERROR_INVALID, "the answer was refused: %s", error->message),
          (GDestroyNotify)g_error_free);
      g_error_free (error);
      return;
    }
  hop_to_context (cb->client, cb->generation, hop_remote_set, NULL, NULL);
}

static void
apply_answer (LcWebrtcClient *client, const char *text)
{
  GstSDPMessage *sdp = NULL;
  GstWebRTCSessionDescription *answer;
  GstPromise *promise;

  if (gst_sdp_message_new_from_text (text, &sdp) != GST_SDP_OK)
    {
      client_fail (client, g_error_new (LC_ERROR, LC_ERROR_MALFORMED, "the answer is not SDP"));
      return;
    }
  answer = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_ANSWER, sdp);
  client->step = STEP_ANSWERING;
  promise = gst_promise_new_with_change_func (on_remote_set, callback_data_new (client),
                                              callback_data_free);
  g_signal_emit_by_name (client->webrtc, "set-remote-description", answer, promise);
  gst_promise_unref (promise);
  gst_webrtc_session_description_free (answer);
}

static void
on_post_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CallbackData *cb = user_data;
  LcWebrtcClient *client = cb->client;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autofree char *text = NULL;
  const char *location, *etag;
  gsize size = 0;
  const char *data;

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (client->freed || cb->generation != client->generation || client->step != STEP_POSTING)
    goto out;
  if (body == NULL)
    {
      client_fail (client, g_error_new (LC_ERROR, LC_ERROR_UNAVAILABLE, "POST %s: %s", client->url,
                                        error->message));
      goto out;
    }
  data = g_bytes_get_data (body, &size);
  text = g_strndup (data != NULL ? data : "", size);
  client->http_status = soup_message_get_status (msg);
  if (client->http_status != SOUP_STATUS_CREATED)
    {
      client_fail (client, g_error_new (LC_ERROR, LC_ERROR_INVALID, "POST %s: HTTP %u: %s",
                                        client->url, client->http_status, text));
      goto out;
    }
  location = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location");
  etag = soup_message_headers_get_one (soup_message_get_response_headers (msg), "ETag");
  g_clear_pointer (&client->location, g_free);
  g_clear_pointer (&client->etag, g_free);
  if (location != NULL)
    client->location = g_uri_resolve_relative (client->url, location, G_URI_FLAGS_NONE, NULL);
  client->etag = g_strdup (etag);
  apply_answer (client, text);
out:
  callback_data_free (cb);
}

static void
send_offer (LcWebrtcClient *client)
{
  GstWebRTCSessionDescription *local = NULL;
  g_autofree char *text = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) body = NULL;

  g_object_get (client->webrtc, "local-description", &local, NULL);
  if (local == NULL)
    {
      client_fail (client, g_error_new (LC_ERROR, LC_ERROR_INTERNAL, "no local description"));
      return;
    }
  text = gst_sdp_message_as_text (local->sdp);
  gst_webrtc_session_description_free (local);

  msg = soup_message_new ("POST", client->url);
  if (msg == NULL)
    {
      client_fail (client, g_error_new (LC_ERROR, LC_ERROR_INVALID, "bad URL %s", client->url));
      return;
    }
  {
    gsize length = strlen (text);

    body = g_bytes_new_take (g_steal_pointer (&text), length);
  }
  soup_message_set_request_body_from_bytes (msg, "application/sdp", body);
  if (client->bearer != NULL)
    {
      g_autofree char *auth = g_strdup_printf ("Bearer %s", client->bearer);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  client->step = STEP_POSTING;
  client->posted_at = g_get_monotonic_time ();
  soup_session_send_and_read_async (client->session, msg, G_PRIORITY_DEFAULT, NULL, on_post_done,
                                    callback_data_new (client));
}

static void
teardown_media (LcWebrtcClient *client)
{
  if (client->pipeline == NULL)
    return;
  client->generation++;
  gst_element_set_state (client->pipeline, GST_STATE_NULL);
  if (client->bus != NULL)
    {
      gst_bus_remove_watch (client->bus);
      gst_clear_object (&client->bus);
    }
  gst_clear_object (&client->webrtc);
  gst_clear_object (&client->pipeline);
}

/* ---- ICE on the client's webrtcbin ---- */

static void
configure_ice (GstElement *webrtc)
{
  g_autoptr (GObject) ice = NULL;
  gboolean added = FALSE;

  g_object_get (webrtc, "ice-agent", &ice, NULL);
  if (ice == NULL)
    return;
  /* libnice skips 127.0.0.1 unless it is added; once added, only added
   * addresses are gathered: the client never leaves loopback. */
  g_signal_emit_by_name (ice, "add-local-ip-address", "127.0.0.1", &added);
  if (!added)
    g_message ("client: add-local-ip-address 127.0.0.1 failed");
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "ice-tcp") != NULL)
    g_object_set (ice, "ice-tcp", FALSE, NULL);
  /* No UPnP port mapping: it would send SSDP multicast on every interface. */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent") != NULL)
    {
      g_autoptr (GObject) agent = NULL;

      g_object_get (ice, "agent", &agent, NULL);
      if (agent != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (agent), "upnp"))
        g_object_set (agent, "upnp", FALSE, NULL);
    }
}

/* ---- waiting (iterating the caller's context) ---- */

static gboolean
on_wait_tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

typedef gboolean (*DoneFunc) (LcWebrtcClient *client, gpointer data);

/* TRUE when done() held before the deadline (monotonic µs). */
static gboolean
iterate_until (LcWebrtcClient *client, DoneFunc done, gpointer data, gint64 deadline)
{
  GSource *tick = g_timeout_source_new (20);
  gboolean ok;

  g_source_set_callback (tick, on_wait_tick, NULL, NULL);
  g_source_attach (tick, client->context);
  while (!(ok = done (client, data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (client->context, TRUE);
  g_source_destroy (tick);
  g_source_unref (tick);
  return ok;
}

static gboolean
start_finished (LcWebrtcClient *client, gpointer data)
{
  return client->step == STEP_DONE || client->step == STEP_FAILED;
}

static const char *
step_to_string (ClientStep step)
{
  switch (step)
    {
    case STEP_IDLE:
      return "idle";
    case STEP_OFFERING:
      return "creating the offer / gathering";
    case STEP_POSTING:
      return "waiting for the HTTP answer";
    case STEP_ANSWERING:
      return "applying the answer";
    case STEP_DONE:
      return "done";
    case STEP_FAILED:
      return "failed";
    }
  return "?";
}

/* ---- public API ---- */

LcWebrtcClient *
lc_webrtc_client_new (const LcWebrtcClientOptions *options)
{
  LcWebrtcClient *client;

  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (options->url != NULL, NULL);

  gst_init_check (NULL, NULL, NULL);
  client = g_atomic_rc_box_new0 (LcWebrtcClient);
  client->role = options->role;
  client->url = g_strdup (options->url);
  client->bearer = g_strdup (options->bearer);
  client->video_codec = g_strdup (options->video_codec != NULL ? options->video_codec : "h264");
  client->width = options->width > 0 ? options->width : 320;
  client->height = options->height > 0 ? options->height : 240;
  client->fps = options->fps > 0 ? options->fps : 30;
  client->keyframe_interval = options->keyframe_interval;
  client->no_audio = options->no_audio;
  client->no_video = options->no_video;
  client->no_decode = options->no_decode;
  client->video_bitrate = options->video_bitrate;
  client->video_pattern = g_strdup (options->video_pattern);
  client->frame_func = options->frame_func;
  client->frame_data = options->frame_data;
  client->context = g_main_context_ref_thread_default ();
  {
    /* Direct connections only (test servers are local; libproxy and ASan do not mix). */
    g_autoptr (GProxyResolver) direct = g_simple_proxy_resolver_new (NULL, NULL);

    client->session = soup_session_new_with_options ("timeout", 30, "idle-timeout", 30,
                                                     "proxy-resolver", direct, NULL);
  }
  g_mutex_init (&client->counter_lock);
  return client;
}

void
lc_webrtc_client_free (LcWebrtcClient *client)
{
  if (client == NULL)
    return;
  client->freed = TRUE;
  teardown_media (client);
  soup_session_abort (client->session);
  g_clear_object (&client->session);
  /* Let aborted requests deliver their (ignored) results and release their
   * refs (bounded: the context may be a busy server's). */
  for (guint i = 0; i < 100 && g_main_context_iteration (client->context, FALSE); i++)
    ;
  client_unref (client);
}

static gboolean
build_media (LcWebrtcClient *client, GError **error)
{
  g_autoptr (GstElement) webrtc = NULL;

  client->generation++;
  client->pipeline = gst_pipeline_new (client->role == LC_CLIENT_PUBLISHER ? "lc-whip-client"
                                                                           : "lc-whep-client");
  webrtc = make_element ("webrtcbin", "webrtc", error);
  if (webrtc == NULL)
    return FALSE;
  client->webrtc = gst_object_ref (webrtc);
  g_object_set (client->webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, NULL);
  gst_bin_add (GST_BIN (client->pipeline), g_steal_pointer (&webrtc));
  configure_ice (client->webrtc);

  if (client->role == LC_CLIENT_PUBLISHER)
    {
      if (!build_publisher (client, error))
        return FALSE;
    }
  else
    {
      if (!build_viewer (client, error))
        return FALSE;
      g_signal_connect_data (client->webrtc, "pad-added", G_CALLBACK (on_webrtc_pad_added),
                             callback_data_new (client), (GClosureNotify)callback_data_free, 0);
    }
  g_signal_connect_data (client->webrtc, "notify::ice-gathering-state",
                         G_CALLBACK (on_webrtc_gathering_state), callback_data_new (client),
                         (GClosureNotify)callback_data_free, 0);

  client->bus = gst_pipeline_get_bus (GST_PIPELINE (client->pipeline));
  gst_bus_add_watch (client->bus, on_bus_message, client);
  if (gst_element_set_state (client->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error (error, LC_ERROR, LC_ERROR_UNAVAILABLE, "the client pipeline does not start");
      return FALSE;
    }
  return TRUE;
}

gboolean
lc_webrtc_client_start (LcWebrtcClient *client, guint timeout_ms, guint *http_status,
                        GError **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;
  GstPromise *promise;

  g_return_val_if_fail (client != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (http_status != NULL)
    *http_status = 0;
  teardown_media (client);
  client->step = STEP_IDLE;
  client->http_status = 0;
  client->gathering_done = FALSE;
  g_clear_error (&client->error);
  g_mutex_lock (&client->counter_lock);
  client->video_frames = 0;
  client->audio_buffers = 0;
  g_mutex_unlock (&client->counter_lock);

  if (!build_media (client, error))
    {
      teardown_media (client);
      return FALSE;
    }

  client->step = STEP_OFFERING;
  promise = gst_promise_new_with_change_func (on_offer_created, callback_data_new (client),
                                              callback_data_free);
  g_signal_emit_by_name (client->webrtc, "create-offer", NULL, promise);
  gst_promise_unref (promise);

  if (!iterate_until (client, start_finished, NULL, deadline))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%s: no result within %u ms (step: %s)",
                   client->url, timeout_ms, step_to_string (client->step));
      if (http_status != NULL)
        *http_status = client->http_status;
      teardown_media (client);
      return FALSE;
    }
  if (http_status != NULL)
    *http_status = client->http_status;
  if (client->step == STEP_FAILED)
    {
      g_propagate_error (error, g_steal_pointer (&client->error));
      teardown_media (client);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  gboolean done;
  guint status;
} DeleteData;

static void
on_delete_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DeleteData *data = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) error = NULL;

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  data->status = body != NULL ? soup_message_get_status (msg) : 0;
  data->done = TRUE;
}

static gboolean
delete_finished (LcWebrtcClient *client, gpointer data)
{
  return ((DeleteData *)data)->done;
}

guint
lc_webrtc_client_delete (LcWebrtcClient *client, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GCancellable) cancellable = NULL;
  DeleteData data = { FALSE, 0 };

  g_return_val_if_fail (client != NULL, 0);

  if (client->location == NULL)
    {
      teardown_media (client);
      return 0;
    }
  msg = soup_message_new ("DELETE", client->location);
  if (msg == NULL)
    {
      teardown_media (client);
      return 0;
    }
  cancellable = g_cancellable_new ();
  soup_session_send_and_read_async (client->session, msg, G_PRIORITY_DEFAULT, cancellable,
                                    on_delete_done, &data);
  if (!iterate_until (client, delete_finished, &data, deadline))
    {
      /* data lives on this stack: wait for the cancelled request to finish. */
      g_cancellable_cancel (cancellable);
      while (!data.done)
        g_main_context_iteration (client->context, TRUE);
    }
  teardown_media (client);
  return data.status;
}

void
lc_webrtc_client_drop (LcWebrtcClient *client)
{
  g_return_if_fail (client != NULL);

  teardown_media (client);
}

const char *
lc_webrtc_client_get_location (LcWebrtcClient *client)
{
  g_return_val_if_fail (client != NULL, NULL);
  return client->location;
}

const char *
lc_webrtc_client_get_etag (LcWebrtcClient *client)
{
  g_return_val_if_fail (client != NULL, NULL);
  return client->etag;
}

guint64
lc_webrtc_client_get_video_frames (LcWebrtcClient *client)
{
  guint64 n;

  g_return_val_if_fail (client != NULL, 0);
  g_mutex_lock (&client->counter_lock);
  n = client->video_frames;
  g_mutex_unlock (&client->counter_lock);
  return n;
}

guint64
lc_webrtc_client_get_audio_buffers (LcWebrtcClient *client)
{
  guint64 n;

  g_return_val_if_fail (client != NULL, 0);
  g_mutex_lock (&client->counter_lock);
  n = client->audio_buffers;
  g_mutex_unlock (&client->counter_lock);
  return n;
}

static gboolean
frames_reached (LcWebrtcClient *client, gpointer data)
{
  return lc_webrtc_client_get_video_frames (client) >= *(guint64 *)data;
}

gboolean
lc_webrtc_client_wait_frames (LcWebrtcClient *client, guint64 n, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;
  guint64 target;

  g_return_val_if_fail (client != NULL, FALSE);

  target = lc_webrtc_client_get_video_frames (client) + n;
  return iterate_until (client, frames_reached, &target, deadline);
}

gint64
lc_webrtc_client_get_post_time (LcWebrtcClient *client)
{
  g_return_val_if_fail (client != NULL, 0);
  return client->posted_at;
}

GstStructure *
lc_webrtc_client_get_stats (LcWebrtcClient *client)
{
  GstStructure *copy = NULL;
  const GstStructure *reply;
  GstPromise *promise;

  g_return_val_if_fail (client != NULL, NULL);
  if (client->webrtc == NULL)
    return NULL;
  promise = gst_promise_new ();
  g_signal_emit_by_name (client->webrtc, "get-stats", NULL, promise);
  if (gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED
      && (reply = gst_promise_get_reply (promise)) != NULL)
    copy = gst_structure_copy (reply);
  gst_promise_unref (promise);
  return copy;
}
