/* test-ingest.c — LcWhipIngest (streamer/lc-whip-ingest.c) against a second
 * webrtcbin in the same process, ICE on 127.0.0.1 only: a publisher pipeline
 * (test pattern → x264enc baseline → rtph264pay, or vp8enc → rtpvp8pay; tone →
 * opusenc → rtpopuspay → webrtcbin sendonly) offers, the ingest answers, and
 * a counting consumer on the channel must see the media, keyframes included
 * (x264 makes keyframes only on request here, so they prove that PLI works).
 * Also: VP8 allowed/refused, offers with no usable codec (422) and garbage
 * (400), trickle checks, the publisher race (409 after the HTTP check), ICE
 * restart on the libnice agent, and closing detaches the publisher. */
#include <string.h>

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>
#include <nice/agent.h>

#include "common/lc-error.h"
#include "streamer/lc-channel.h"
#include "streamer/lc-webrtc-private.h"
#include "streamer/lc-whip-ingest.h"

#define TIMEOUT_MS 30000

/* ---- waiting ---- */

static gboolean
keep_ticking (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterate the default context until cond or timeout (asserts). The 10 ms tick
 * wakes the loop to re-check conditions that streaming threads change. */
static void
wait_for (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;
  GSource *tick = g_timeout_source_new (10);

  g_source_set_callback (tick, keep_ticking, NULL, NULL);
  g_source_attach (tick, NULL);
  while (!cond (data))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_destroy (tick);
  g_source_unref (tick);
}

/* ---- a counting consumer ---- */

#define TEST_TYPE_COUNTER (test_counter_get_type ())
G_DECLARE_FINAL_TYPE (TestCounter, test_counter, TEST, COUNTER, GObject)

struct _TestCounter
{
  GObject parent_instance;
  gint video, audio, keyframes; /* atomic */
  GMutex lock;
  GstCaps *caps[2];
  GstClockTime last_pts[2];
  gint backwards; /* atomic: timestamps that went back */
};

static void test_counter_iface_init (LcConsumerInterface *iface);

G_DEFINE_TYPE_WITH_CODE (TestCounter, test_counter, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (LC_TYPE_CONSUMER, test_counter_iface_init))

static void
test_counter_set_caps (LcConsumer *consumer, LcMediaKind kind, GstCaps *caps)
{
  TestCounter *self = TEST_COUNTER (consumer);

  g_mutex_lock (&self->lock);
  gst_caps_replace (&self->caps[kind], caps);
  g_mutex_unlock (&self->lock);
}

static gboolean
test_counter_push (LcConsumer *consumer, LcMediaKind kind, GstBuffer *buffer)
{
  TestCounter *self = TEST_COUNTER (consumer);

  g_mutex_lock (&self->lock);
  if (GST_CLOCK_TIME_IS_VALID (self->last_pts[kind])
      && GST_BUFFER_PTS (buffer) < self->last_pts[kind])
    g_atomic_int_inc (&self->backwards);
  self->last_pts[kind] = GST_BUFFER_PTS (buffer);
  g_mutex_unlock (&self->lock);

  if (kind == LC_MEDIA_VIDEO)
    {
      g_atomic_int_inc (&self->video);
      if (!GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
        g_atomic_int_inc (&self->keyframes);
    }
  else
    g_atomic_int_inc (&self->audio);
  return TRUE;
}

static const char *
test_counter_get_name (LcConsumer *consumer)
{
  return "counter";
}

static void
test_counter_iface_init (LcConsumerInterface *iface)
{
  iface->set_caps = test_counter_set_caps;
  iface->push = test_counter_push;
  iface->get_name = test_counter_get_name;
}

static void
test_counter_finalize (GObject *object)
{
  TestCounter *self = TEST_COUNTER (object);

  gst_clear_caps (&self->caps[0]);
  gst_clear_caps (&self->caps[1]);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (test_counter_parent_class)->finalize (object);
}

static void
test_counter_class_init (TestCounterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_counter_finalize;
}

static void
test_counter_init (TestCounter *self)
{
  g_mutex_init (&self->lock);
  self->last_pts[0] = self->last_pts[1] = GST_CLOCK_TIME_NONE;
}

typedef struct
{
  TestCounter *counter;
  gint video, audio, keyframes;
} Enough;

static gboolean
has_enough (gpointer data)
{
  Enough *e = data;
  return g_atomic_int_get (&e->counter->video) >= e->video
         && g_atomic_int_get (&e->counter->audio) >= e->audio
         && g_atomic_int_get (&e->counter->keyframes) >= e->keyframes;
}

/* ---- the publisher: a second webrtcbin, sendonly ---- */

typedef struct
{
  GstElement *pipeline;
  GstElement *webrtc;
  GMutex lock;
  char *offer; /* local description once gathering completed */
  gboolean negotiation_needed;
  gboolean answer_applied;
  GstWebRTCICEConnectionState ice_state;
  gint dropping; /* atomic: drop all RTP before webrtcbin (a network gap) */
} Publisher;

static GstPadProbeReturn
on_pub_rtp (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Publisher *p = user_data;
  return g_atomic_int_get (&p->dropping) ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

static void
on_pub_negotiation_needed (GstElement *webrtc, gpointer user_data)
{
  Publisher *p = user_data;

  g_mutex_lock (&p->lock);
  p->negotiation_needed = TRUE;
  g_mutex_unlock (&p->lock);
}

static void
on_pub_gathering_state (GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  Publisher *p = user_data;
  GstWebRTCICEGatheringState state;
  GstWebRTCSessionDescription *local = NULL;

  g_object_get (webrtc, "ice-gathering-state", &state, NULL);
  if (state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    return;
  g_object_get (webrtc, "local-description", &local, NULL);
  if (local == NULL)
    return;
  g_mutex_lock (&p->lock);
  if (p->offer == NULL)
    p->offer = gst_sdp_message_as_text (local->sdp);
  g_mutex_unlock (&p->lock);
  gst_webrtc_session_description_free (local);
}

static void
on_pub_ice_state (GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  Publisher *p = user_data;
  GstWebRTCICEConnectionState state;

  g_object_get (webrtc, "ice-connection-state", &state, NULL);
  g_mutex_lock (&p->lock);
  p->ice_state = state;
  g_mutex_unlock (&p->lock);
}

static void
on_pub_offer_created (GstPromise *promise, gpointer user_data)
{
  Publisher *p = user_data;
  GstWebRTCSessionDescription *offer = NULL;
  const GstStructure *reply;

  g_assert_cmpint (gst_promise_wait (promise), ==, GST_PROMISE_RESULT_REPLIED);
  reply = gst_promise_get_reply (promise);
  gst_structure_get (reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL);
  gst_promise_unref (promise);
  g_assert_nonnull (offer);
  g_signal_emit_by_name (p->webrtc, "set-local-description", offer, NULL);
  gst_webrtc_session_description_free (offer);
}

static gboolean
pub_negotiation_needed (gpointer data)
{
  Publisher *p = data;
  g_mutex_lock (&p->lock);
  gboolean needed = p->negotiation_needed;
  g_mutex_unlock (&p->lock);
  return needed;
}

static gboolean
pub_has_offer (gpointer data)
{
  Publisher *p = data;
  g_mutex_lock (&p->lock);
  gboolean has = p->offer != NULL;
  g_mutex_unlock (&p->lock);
  return has;
}

/* video: "h264", "vp8" or NULL; audio: Opus or not. */
static Publisher *
publisher_new (const char *video, gboolean audio)
{
  Publisher *p = g_new0 (Publisher, 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *description = NULL;
  const char *video_branch = "";
  g_autoptr (GObject) agent = NULL;
  gboolean added = FALSE;

  g_mutex_init (&p->lock);
  if (g_strcmp0 (video, "h264") == 0)
    /* Keyframes only on request (and the first): PLI from the ingest must work. */
    video_branch = "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,"
                   "framerate=30/1 ! videoconvert ! x264enc tune=zerolatency "
                   "speed-preset=ultrafast key-int-max=100000 bitrate=500 ! "
                   "video/x-h264,profile=constrained-baseline ! rtph264pay config-interval=-1 "
                   "aggregate-mode=zero-latency ! application/x-rtp,media=video,"
                   "encoding-name=H264,payload=102,clock-rate=90000 ! w. ";
  else if (g_strcmp0 (video, "vp8") == 0)
    video_branch = "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,"
                   "framerate=30/1 ! videoconvert ! vp8enc deadline=1 keyframe-max-dist=100000 ! "
                   "rtpvp8pay ! application/x-rtp,media=video,encoding-name=VP8,payload=96,"
                   "clock-rate=90000 ! w. ";
  description = g_strdup_printf (
      "webrtcbin name=w bundle-policy=max-bundle %s%s", video_branch,
      audio ? "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! opusenc ! "
              "rtpopuspay ! application/x-rtp,media=audio,encoding-name=OPUS,payload=111,"
              "clock-rate=48000 ! w. "
            : "");
  p->pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  p->webrtc = gst_bin_get_by_name (GST_BIN (p->pipeline), "w");
  g_object_get (p->webrtc, "ice-agent", &agent, NULL);
  g_signal_emit_by_name (agent, "add-local-ip-address", "127.0.0.1", &added);
  g_assert_true (added);
  g_object_set (agent, "ice-tcp", FALSE, NULL);
  g_autoptr (GObject) nice = NULL;
  g_object_get (agent, "agent", &nice, NULL);
  g_object_set (nice, "upnp", FALSE, NULL);
  g_signal_connect (p->webrtc, "on-negotiation-needed", G_CALLBACK (on_pub_negotiation_needed), p);
  g_signal_connect (p->webrtc, "notify::ice-gathering-state", G_CALLBACK (on_pub_gathering_state),
                    p);
  g_signal_connect (p->webrtc, "notify::ice-connection-state", G_CALLBACK (on_pub_ice_state), p);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("sink_%u", i);
      g_autoptr (GstPad) sinkpad = gst_element_get_static_pad (p->webrtc, name);
      if (sinkpad != NULL)
        gst_pad_add_probe (sinkpad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                           on_pub_rtp, p, NULL);
    }
  g_assert_cmpint (gst_element_set_state (p->pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);

  /* WHIP publishers only send. */
  wait_for (pub_negotiation_needed, p, TIMEOUT_MS);
  for (guint i = 0;; i++)
    {
      GstWebRTCRTPTransceiver *trans = NULL;
      g_signal_emit_by_name (p->webrtc, "get-transceiver", i, &trans);
      if (trans == NULL)
        break;
      g_object_set (trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, NULL);
      gst_object_unref (trans);
    }
  g_signal_emit_by_name (p->webrtc, "create-offer", NULL,
                         gst_promise_new_with_change_func (on_pub_offer_created, p, NULL));
  wait_for (pub_has_offer, p, TIMEOUT_MS);
  return p;
}

static void
publisher_set_answer (Publisher *p, const char *answer)
{
  GstSDPMessage *sdp = NULL;

  g_assert_cmpint (gst_sdp_message_new_from_text (answer, &sdp), ==, GST_SDP_OK);
  GstWebRTCSessionDescription *description
      = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_ANSWER, sdp);
  GstPromise *promise = gst_promise_new ();
  g_signal_emit_by_name (p->webrtc, "set-remote-description", description, promise);
  g_assert_cmpint (gst_promise_wait (promise), ==, GST_PROMISE_RESULT_REPLIED);
  g_assert_null (gst_promise_get_reply (promise));
  gst_promise_unref (promise);
  gst_webrtc_session_description_free (description);
}

static void
publisher_free (Publisher *p)
{
  g_signal_handlers_disconnect_by_data (p->webrtc, p);
  gst_element_set_state (p->pipeline, GST_STATE_NULL);
  gst_object_unref (p->webrtc);
  gst_object_unref (p->pipeline);
  g_free (p->offer);
  g_mutex_clear (&p->lock);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Publisher, publisher_free)

/* ---- the ingest side ---- */

typedef struct
{
  gboolean done;
  char *answer;
  GError *error;
  gint64 started, finished; /* monotonic µs */
} AnswerResult;

static void
on_answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AnswerResult *r = user_data;

  r->answer = lc_webrtc_session_answer_finish (LC_WEBRTC_SESSION (source), result, &r->error);
  r->finished = g_get_monotonic_time ();
  r->done = TRUE;
}

static gboolean
answer_done (gpointer data)
{
  return ((AnswerResult *)data)->done;
}

static void
answer_result_clear (AnswerResult *r)
{
  g_free (r->answer);
  g_clear_error (&r->error);
}

static void
answer (LcWhipIngest *ingest, const char *offer, AnswerResult *r)
{
  r->started = g_get_monotonic_time ();
  lc_webrtc_session_answer_async (LC_WEBRTC_SESSION (ingest), offer, NULL, on_answered, r);
  wait_for (answer_done, r, TIMEOUT_MS);
}

static LcIceConfig *
loopback_ice (void)
{
  LcIceConfig *ice = g_new0 (LcIceConfig, 1);
  const char *addresses[] = { "127.0.0.1", NULL };

  ice->addresses = g_strdupv ((char **)addresses);
  ice->port_min = 0;
  ice->port_max = 0;
  return ice;
}

typedef struct
{
  GArray *states; /* int */
} StateLog;

static void
on_state_changed (LcWebrtcSession *session, int state, gpointer user_data)
{
  StateLog *log = user_data;
  g_array_append_val (log->states, state);
}

static gboolean
session_connected (gpointer data)
{
  return lc_webrtc_session_get_state (data) == LC_SESSION_CONNECTED;
}

static gboolean
state_log_has (StateLog *log, int state)
{
  for (guint i = 0; i < log->states->len; i++)
    if (g_array_index (log->states, int, i) == state)
      return TRUE;
  return FALSE;
}

/* ---- tests ---- */

static gboolean
request_keyframe_again (gpointer data)
{
  lc_channel_request_keyframe (data, "test, again");
  return G_SOURCE_CONTINUE;
}

/* Publish with video (h264/vp8) + Opus; check media reaches the channel. */
static void
run_publish (const char *codec)
{
  g_autoptr (LcChannel) channel = lc_channel_new ("lesson-ingest");
  g_autoptr (TestCounter) counter = g_object_new (TEST_TYPE_COUNTER, NULL);
  g_autoptr (LcIceConfig) ice = loopback_ice ();
  g_autoptr (LcWhipIngest) ingest = NULL;
  g_autoptr (Publisher) pub = NULL;
  AnswerResult r = { 0 };
  StateLog log = { g_array_new (FALSE, FALSE, sizeof (int)) };

  lc_channel_add_consumer (channel, LC_CONSUMER (counter));
  ingest = lc_whip_ingest_new (channel, ice);
  g_signal_connect (ingest, "state-changed", G_CALLBACK (on_state_changed), &log);
  g_assert_cmpint (lc_webrtc_session_get_state (LC_WEBRTC_SESSION (ingest)), ==, LC_SESSION_NEW);
  g_assert_null (lc_whip_ingest_get_video_codec (ingest));

  pub = publisher_new (codec, TRUE);
  answer (ingest, pub->offer, &r);
  g_assert_no_error (r.error);
  g_assert_nonnull (r.answer);
  g_test_message ("time to answer (%s): %" G_GINT64_FORMAT " ms", codec,
                  (r.finished - r.started) / 1000);

  /* A non-trickle answer: recvonly, the chosen codec and our loopback candidate. */
  g_assert_nonnull (strstr (r.answer, "a=recvonly"));
  g_assert_nonnull (strstr (r.answer, g_str_equal (codec, "h264") ? "H264/90000" : "VP8/90000"));
  g_assert_nonnull (
      strstr (r.answer, g_str_equal (codec, "h264") ? "a=rtpmap:102 " : "a=rtpmap:96 "));
  g_assert_nonnull (strstr (r.answer, "a=rtpmap:111 "));
  g_assert_nonnull (strstr (r.answer, "127.0.0.1"));
  g_assert_nonnull (strstr (r.answer, "a=candidate:"));
  g_assert_cmpstr (lc_whip_ingest_get_video_codec (ingest), ==, codec);

  /* A second answer on the same session is refused. */
  AnswerResult again = { 0 };
  answer (ingest, pub->offer, &again);
  g_assert_error (again.error, LC_ERROR, LC_ERROR_CONFLICT);
  answer_result_clear (&again);

  publisher_set_answer (pub, r.answer);
  wait_for (session_connected, ingest, TIMEOUT_MS);
  Enough first = { counter, 1, 0, 1 };
  wait_for (has_enough, &first, TIMEOUT_MS);
  g_test_message ("answer to first keyframe in the channel (%s): %" G_GINT64_FORMAT " ms", codec,
                  (g_get_monotonic_time () - r.finished) / 1000);

  Enough enough = { counter, 50, 50, 1 };
  wait_for (has_enough, &enough, TIMEOUT_MS);
  g_assert_true (lc_channel_has_publisher (channel));
  g_assert_cmpstr (lc_channel_get_video_codec (channel), ==, codec);
  g_assert_cmpint (g_atomic_int_get (&counter->backwards), ==, 0);
  g_mutex_lock (&counter->lock);
  GstStructure *video = gst_caps_get_structure (counter->caps[LC_MEDIA_VIDEO], 0);
  GstStructure *audio = gst_caps_get_structure (counter->caps[LC_MEDIA_AUDIO], 0);
  if (g_str_equal (codec, "h264"))
    {
      g_assert_cmpstr (gst_structure_get_name (video), ==, "video/x-h264");
      g_assert_cmpstr (gst_structure_get_string (video, "stream-format"), ==, "byte-stream");
      g_assert_cmpstr (gst_structure_get_string (video, "alignment"), ==, "au");
    }
  else
    g_assert_cmpstr (gst_structure_get_name (video), ==, "video/x-vp8");
  g_assert_cmpstr (gst_structure_get_name (audio), ==, "audio/x-opus");
  g_mutex_unlock (&counter->lock);
  g_test_message ("%s: %d video (%d keyframes), %d audio buffers", codec,
                  g_atomic_int_get (&counter->video), g_atomic_int_get (&counter->keyframes),
                  g_atomic_int_get (&counter->audio));

  /* A keyframe request from the channel reaches the publisher as PLI (asked
   * again every 500 ms: on a loaded machine an RTCP packet can be lost). */
  Enough more = { counter, 0, 0, g_atomic_int_get (&counter->keyframes) + 1 };
  lc_channel_set_keyframe_min_interval (channel, 10);
  guint repeat = g_timeout_add (500, request_keyframe_again, channel);
  lc_channel_request_keyframe (channel, "test");
  wait_for (has_enough, &more, TIMEOUT_MS);
  g_source_remove (repeat);

  /* Closing detaches the publisher. */
  lc_webrtc_session_close (LC_WEBRTC_SESSION (ingest));
  g_assert_false (lc_channel_has_publisher (channel));
  g_assert_cmpint (lc_webrtc_session_get_state (LC_WEBRTC_SESSION (ingest)), ==, LC_SESSION_CLOSED);
  g_assert_true (state_log_has (&log, LC_SESSION_CONNECTING));
  g_assert_true (state_log_has (&log, LC_SESSION_CONNECTED));
  g_assert_cmpint (g_array_index (log.states, int, log.states->len - 1), ==, LC_SESSION_CLOSED);

  /* Nothing arrives after the close. */
  gint video_after_close = g_atomic_int_get (&counter->video);
  lc_channel_remove_consumer (channel, LC_CONSUMER (counter));
  g_assert_cmpint (g_atomic_int_get (&counter->video), ==, video_after_close);

  g_signal_handlers_disconnect_by_data (ingest, &log);
  g_array_unref (log.states);
  answer_result_clear (&r);
}

static void
test_publish_h264 (void)
{
  run_publish ("h264");
}

static void
test_publish_vp8 (void)
{
  run_publish ("vp8");
}

static void
test_vp8_refused (void)
{
  g_autoptr (LcChannel) channel = lc_channel_new ("lesson-vp8");
  g_autoptr (LcIceConfig) ice = loopback_ice ();
  g_autoptr (LcWhipIngest) ingest = lc_whip_ingest_new (channel, ice);
  g_autoptr (Publisher) pub = publisher_new ("vp8", FALSE);
  AnswerResult r = { 0 };

  lc_whip_ingest_set_allow_vp8 (ingest, FALSE);
  answer (ingest, pub->offer, &r);
  g_assert_error (r.error, LC_ERROR, LC_ERROR_INVALID);
  g_assert_null (r.answer);
  g_assert_false (lc_channel_has_publisher (channel));
  answer_result_clear (&r);
}

static void
test_unusable_and_garbage (void)
{
  g_autoptr (LcChannel) channel = lc_channel_new ("lesson-bad");
  g_autoptr (LcIceConfig) ice = loopback_ice ();
  const char *vp9_only = "v=0\r\n"
                         "o=- 1 1 IN IP4 127.0.0.1\r\n"
                         "s=-\r\n"
                         "t=0 0\r\n"
                         "a=ice-ufrag:abcd\r\n"
                         "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
                         "a=fingerprint:sha-256 AA:BB:CC:DD\r\n"
                         "m=video 9 UDP/TLS/RTP/SAVPF 98\r\n"
                         "a=sendonly\r\n"
                         "a=rtpmap:98 VP9/90000\r\n";
  const char *garbage[] = { "", "hello", "v=0\r\nnot sdp\r\n", "\x01\x02\x03" };

  {
    g_autoptr (LcWhipIngest) ingest = lc_whip_ingest_new (channel, ice);
    AnswerResult r = { 0 };
    answer (ingest, vp9_only, &r);
    g_assert_error (r.error, LC_ERROR, LC_ERROR_INVALID);
    answer_result_clear (&r);
  }
  for (guint i = 0; i < G_N_ELEMENTS (garbage); i++)
    {
      g_autoptr (LcWhipIngest) ingest = lc_whip_ingest_new (channel, ice);
      AnswerResult r = { 0 };
      answer (ingest, garbage[i], &r);
      g_assert_error (r.error, LC_ERROR, LC_ERROR_MALFORMED);
      answer_result_clear (&r);
    }
  g_assert_false (lc_channel_has_publisher (channel));
}

/* Offers as Chromium and OBS send them (the fuzz seed corpus): webrtcbin
 * must answer H.264 with the offerer's payload type, never the VP8 that
 * Chromium lists first, and take OBS's session-level ICE credentials. */
static void
test_answer_real_offers (void)
{
  const struct
  {
    const char *file;
    const char *video, *audio;
  } cases[] = {
    { "chromium.sdp", "a=rtpmap:102 H264/90000", "a=rtpmap:111 " },
    { "obs.sdp", "a=rtpmap:96 H264/90000", "a=rtpmap:111 " },
  };
  g_autoptr (LcChannel) channel = lc_channel_new ("lesson-offers");
  g_autoptr (LcIceConfig) ice = loopback_ice ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_build_filename (g_getenv ("LC_SOURCE_ROOT"), "tests", "fuzz",
                                                "corpus", "sdp", cases[i].file, NULL);
      g_autofree char *offer = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (LcWhipIngest) ingest = lc_whip_ingest_new (channel, ice);
      AnswerResult r = { 0 };

      g_assert_true (g_file_get_contents (path, &offer, NULL, &error));
      g_assert_no_error (error);
      answer (ingest, offer, &r);
      g_assert_no_error (r.error);
      g_test_message ("%s answer:\n%s", cases[i].file, r.answer);
      g_assert_nonnull (strstr (r.answer, cases[i].video));
      g_assert_nonnull (strstr (r.answer, cases[i].audio));
      g_assert_null (strstr (r.answer, "VP8"));
      g_assert_nonnull (strstr (r.answer, "a=recvonly"));
      g_assert_nonnull (strstr (r.answer, "a=candidate:"));
      g_assert_cmpstr (lc_whip_ingest_get_video_codec (ingest), ==, "h264");
      lc_webrtc_session_close (LC_WEBRTC_SESSION (ingest));
      answer_result_clear (&r);
    }
}

static gboolean
session_failed (gpointer data)
{
  return lc_webrtc_session_get_state (data) == LC_SESSION_FAILED;
}

/* Another publisher attached between the HTTP layer's check and our first
 * media: the session fails and leaves the other publisher alone. */
static void
test_publisher_race (void)
{
  g_autoptr (LcChannel) channel = lc_channel_new ("lesson-race");
  g_autoptr (LcIceConfig) ice = loopback_ice ();
  g_autoptr (LcWhipIngest) ingest = lc_whip_ingest_new (channel, ice);
  g_autoptr (Publisher) pub = publisher_new ("h264", TRUE);
  AnswerResult r = { 0 };
  static int other;

  answer (ingest, pub->offer, &r);
  g_assert_no_error (r.error);
  g_assert_true (lc_channel_attach_publisher (channel, &other, NULL, NULL, NULL));
  publisher_set_answer (pub, r.answer);
  wait_for (session_failed, ingest, TIMEOUT_MS);
  g_assert_true (lc_channel_has_publisher (channel));
  lc_channel_detach_publisher (channel, &other);
  answer_result_clear (&r);
}

static void
test_trickle (void)
{
  g_autoptr (LcChannel) channel = lc_channel_new ("lesson-trickle");
  g_autoptr (LcIceConfig) ice = loopback_ice ();
  g_autoptr (LcWhipIngest) ingest = lc_whip_ingest_new (channel, ice);
  g_autoptr (Publisher) pub = publisher_new (NULL, TRUE);
  g_autoptr (GError) error = NULL;
  AnswerResult r = { 0 };

  /* Before the answer there is nothing to trickle into. */
  g_assert_false (lc_webrtc_session_add_remote_candidates (
      LC_WEBRTC_SESSION (ingest), "a=candidate:1 1 udp 100 127.0.0.1 5000 typ host\r\n", &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFLICT);
  g_clear_error (&error);

  answer (ingest, pub->offer, &r);
  g_assert_no_error (r.error);
  g_assert_true (lc_webrtc_session_add_remote_candidates (
      LC_WEBRTC_SESSION (ingest),
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:audio0\r\n"
      "a=candidate:9 1 udp 100 127.0.0.1 5000 typ host\r\na=end-of-candidates\r\n",
      &error));
  g_assert_no_error (error);
  /* Another ufrag is a restart, not a trickle. */
  g_assert_false (lc_webrtc_session_add_remote_candidates (
      LC_WEBRTC_SESSION (ingest), "a=ice-ufrag:zzzz\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n",
      &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (
      lc_webrtc_session_add_remote_candidates (LC_WEBRTC_SESSION (ingest), "garbage", &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_MALFORMED);
  answer_result_clear (&r);
}

static gboolean
channel_has_no_publisher (gpointer data)
{
  return !lc_channel_has_publisher (data);
}

static gboolean
channel_has_publisher (gpointer data)
{
  return lc_channel_has_publisher (data);
}

/* The publisher's media stops (ICE stays up, as when a browser tab stalls or
 * the network drops without ICE noticing): after the media timeout the
 * ingest leaves the channel (a publisher gap); media coming back attaches it
 * again and the consumer continues from a keyframe. */
static void
test_media_gap (void)
{
  g_autoptr (LcChannel) channel = lc_channel_new ("lesson-gap");
  g_autoptr (TestCounter) counter = g_object_new (TEST_TYPE_COUNTER, NULL);
  g_autoptr (LcIceConfig) ice = loopback_ice ();
  g_autoptr (LcWhipIngest) ingest = lc_whip_ingest_new (channel, ice);
  g_autoptr (Publisher) pub = publisher_new ("h264", TRUE);
  AnswerResult r = { 0 };

  lc_channel_add_consumer (channel, LC_CONSUMER (counter));
  answer (ingest, pub->offer, &r);
  g_assert_no_error (r.error);
  publisher_set_answer (pub, r.answer);
  Enough enough = { counter, 20, 20, 1 };
  wait_for (has_enough, &enough, TIMEOUT_MS);

  gint64 gap_start = g_get_monotonic_time ();
  g_atomic_int_set (&pub->dropping, TRUE);
  wait_for (channel_has_no_publisher, channel, TIMEOUT_MS);
  g_test_message ("publisher gap noticed after %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - gap_start) / 1000);
  g_assert_cmpint (lc_webrtc_session_get_state (LC_WEBRTC_SESSION (ingest)), ==,
                   LC_SESSION_DISCONNECTED);

  gint keyframes = g_atomic_int_get (&counter->keyframes);
  gint video = g_atomic_int_get (&counter->video);
  g_atomic_int_set (&pub->dropping, FALSE);
  wait_for (channel_has_publisher, channel, TIMEOUT_MS);
  Enough more = { counter, video + 20, 0, keyframes + 1 };
  wait_for (has_enough, &more, TIMEOUT_MS);
  wait_for (session_connected, ingest, TIMEOUT_MS);
  g_assert_cmpint (g_atomic_int_get (&counter->backwards), ==, 0);

  lc_webrtc_session_close (LC_WEBRTC_SESSION (ingest));
  lc_channel_remove_consumer (channel, LC_CONSUMER (counter));
  answer_result_clear (&r);
}

typedef struct
{
  gboolean done;
  char *fragment;
  GError *error;
} RestartResult;

static void
on_restarted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RestartResult *r = user_data;
  r->fragment = lc_webrtc_session_restart_finish (LC_WEBRTC_SESSION (source), result, &r->error);
  r->done = TRUE;
}

static gboolean
restart_done (gpointer data)
{
  return ((RestartResult *)data)->done;
}

static gboolean
time_reached (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *)data;
}

/* The first value of "a=<name>:" in sdp (transfer full), or NULL. */
static char *
sdp_attribute (const char *sdp, const char *name)
{
  g_autofree char *prefix = g_strdup_printf ("a=%s:", name);
  g_auto (GStrv) lines = g_strsplit (sdp, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return g_strstrip (g_strdup (lines[i] + strlen (prefix)));
  return NULL;
}

/* Hand the "a=candidate:" lines of sdp to the publisher's agent. */
static void
publisher_set_remote_candidates (GObject *agent, guint stream_id, const char *sdp)
{
  g_auto (GStrv) lines = g_strsplit (sdp, "\n", -1);
  GSList *remotes = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strstrip (lines[i]);
      if (!g_str_has_prefix (lines[i], "a=candidate:"))
        continue;
      NiceCandidate *c = nice_agent_parse_remote_candidate_sdp (NICE_AGENT (agent), stream_id,
                                                                lines[i]);
      if (c != NULL && c->component_id == 1)
        remotes = g_slist_append (remotes, c);
      else if (c != NULL)
        nice_candidate_free (c);
    }
  g_assert_nonnull (remotes);
  g_assert_cmpint (nice_agent_set_remote_candidates (NICE_AGENT (agent), stream_id, 1, remotes),
                   >, 0);
  g_slist_free_full (remotes, (GDestroyNotify)nice_candidate_free);
}

/* ICE restart initiated by the publisher: its libnice agent restarts too
 * (webrtcbin 1.22 has no restart of its own), the two exchange credentials
 * and candidates through the WHIP fragments, and media keeps coming.
 *
 * early_checks plays what Chromium does: right after its restart offer, before
 * our answer arrives, it checks its new ICE generation against our current
 * credentials and keeps using them for that pair afterwards (here: the
 * publisher never takes the credentials of the answer). The server therefore keeps
 * its credentials across a restart (lc_webrtc_ice_restart); answering with new
 * ones left such a publisher checking with credentials we no longer accepted
 * until ICE failed. */
static void
run_ice_restart (gboolean early_checks)
{
  g_autoptr (LcChannel) channel = lc_channel_new ("lesson-restart");
  g_autoptr (TestCounter) counter = g_object_new (TEST_TYPE_COUNTER, NULL);
  g_autoptr (LcIceConfig) ice = loopback_ice ();
  g_autoptr (LcWhipIngest) ingest = lc_whip_ingest_new (channel, ice);
  g_autoptr (Publisher) pub = publisher_new ("h264", TRUE);
  g_autoptr (GObject) agent = NULL;
  g_autofree char *ufrag = NULL, *pwd = NULL, *server_ufrag = NULL, *server_pwd = NULL;
  AnswerResult r = { 0 };
  RestartResult rr = { 0 };
  guint stream_id = 0;

  lc_channel_add_consumer (channel, LC_CONSUMER (counter));
  answer (ingest, pub->offer, &r);
  g_assert_no_error (r.error);
  publisher_set_answer (pub, r.answer);
  Enough enough = { counter, 30, 30, 1 };
  wait_for (has_enough, &enough, TIMEOUT_MS);
  server_ufrag = sdp_attribute (r.answer, "ice-ufrag");
  server_pwd = sdp_attribute (r.answer, "ice-pwd");
  g_assert_nonnull (server_ufrag);
  g_assert_nonnull (server_pwd);

  /* The publisher restarts: new credentials and its candidates as a fragment. */
  g_assert_true (lc_webrtc_get_nice_stream (pub->webrtc, &agent, &stream_id));
  g_assert_true (nice_agent_restart_stream (NICE_AGENT (agent), stream_id));
  g_assert_true (nice_agent_get_local_credentials (NICE_AGENT (agent), stream_id, &ufrag, &pwd));
  g_autoptr (GString) frag = g_string_new (NULL);
  g_string_append_printf (
      frag, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\nm=video 9 UDP/TLS/RTP/SAVPF 102\r\n", ufrag, pwd);
  GSList *locals = nice_agent_get_local_candidates (NICE_AGENT (agent), stream_id, 1);
  for (GSList *l = locals; l != NULL; l = l->next)
    {
      g_autofree char *line = nice_agent_generate_local_candidate_sdp (NICE_AGENT (agent), l->data);
      g_string_append_printf (frag, "%s\r\n", line);
    }
  g_slist_free_full (locals, (GDestroyNotify)nice_candidate_free);

  if (early_checks)
    {
      /* The new generation takes the server's current credentials before
       * the PATCH, and keeps them (only the candidates come from the answer). */
      g_assert_true (nice_agent_set_remote_credentials (NICE_AGENT (agent), stream_id,
                                                        server_ufrag, server_pwd));
    }

  lc_webrtc_session_restart_async (LC_WEBRTC_SESSION (ingest), frag->str, NULL, on_restarted, &rr);
  wait_for (restart_done, &rr, TIMEOUT_MS);
  g_assert_no_error (rr.error);
  g_test_message ("restart answer fragment:\n%s", rr.fragment);

  /* The answer fragment parses: the server's credentials (unchanged), its
   * candidates, end of candidates. */
  g_auto (LcSdpFragment) answer_frag = { 0 };
  g_autoptr (GError) error = NULL;
  g_assert_true (lc_sdp_parse_fragment (rr.fragment, &answer_frag, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (answer_frag.ice_ufrag, ==, server_ufrag);
  g_assert_cmpstr (answer_frag.ice_pwd, ==, server_pwd);
  g_assert_cmpuint (answer_frag.candidates->len, >=, 1);
  g_assert_true (answer_frag.end_of_candidates);

  /* The publisher takes them (or, early_checks, only the candidates); media
   * flows again over the restarted ICE. */
  if (!early_checks)
    g_assert_true (nice_agent_set_remote_credentials (NICE_AGENT (agent), stream_id,
                                                      answer_frag.ice_ufrag, answer_frag.ice_pwd));
  publisher_set_remote_candidates (agent, stream_id, rr.fragment);

  /* Media keeps coming, and the session is still up after the server's 5 s
   * ICE failure timer would have fired (6 s of media after the restart). */
  Enough more = { counter, g_atomic_int_get (&counter->video) + 30,
                  g_atomic_int_get (&counter->audio) + 30, 1 };
  g_test_message ("after the restart: waiting for media");
  wait_for (has_enough, &more, TIMEOUT_MS);
  gint64 deadline = g_get_monotonic_time () + 6 * G_USEC_PER_SEC;
  wait_for (time_reached, &deadline, TIMEOUT_MS);
  Enough still = { counter, g_atomic_int_get (&counter->video) + 30,
                   g_atomic_int_get (&counter->audio) + 30, 1 };
  wait_for (has_enough, &still, TIMEOUT_MS);
  g_assert_true (lc_channel_has_publisher (channel));
  g_assert_cmpint (lc_webrtc_session_get_state (LC_WEBRTC_SESSION (ingest)), ==,
                   LC_SESSION_CONNECTED);

  lc_webrtc_session_close (LC_WEBRTC_SESSION (ingest));
  lc_channel_remove_consumer (channel, LC_CONSUMER (counter));
  answer_result_clear (&r);
  g_free (rr.fragment);
}

static void
test_ice_restart (void)
{
  run_ice_restart (FALSE);
}

static void
test_ice_restart_early_checks (void)
{
  run_ice_restart (TRUE);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/streamer/ingest/h264-opus", test_publish_h264);
  g_test_add_func ("/streamer/ingest/vp8-opus", test_publish_vp8);
  g_test_add_func ("/streamer/ingest/answer-real-offers", test_answer_real_offers);
  g_test_add_func ("/streamer/ingest/vp8-refused", test_vp8_refused);
  g_test_add_func ("/streamer/ingest/unusable-and-garbage", test_unusable_and_garbage);
  g_test_add_func ("/streamer/ingest/publisher-race", test_publisher_race);
  g_test_add_func ("/streamer/ingest/trickle", test_trickle);
  g_test_add_func ("/streamer/ingest/ice-restart", test_ice_restart);
  g_test_add_func ("/streamer/ingest/ice-restart-early-checks", test_ice_restart_early_checks);
  g_test_add_func ("/streamer/ingest/media-gap", test_media_gap);

  int ret = g_test_run ();
  gst_deinit ();
  return ret;
}
