/* test-webrtc-loop.c — the webrtcbin fan-out end to end without the REST API:
 * a channel fed by the synthetic source (H.264 + Opus), an LcFanout, and a
 * minimal WHEP route on an LcHttpServer in this test (POST → add_viewer →
 * answer → 201 + Location; DELETE), driven by the C WebRTC test client over
 * real HTTP, all on the default main context and ICE on 127.0.0.1 only.
 *
 * Checks: one viewer decodes ≥ 50 frames (time from POST to the first decoded
 * frame is reported); five viewers at once all decode; a viewer that vanishes
 * without DELETE is reaped on the RTCP timeout while another stays; broken
 * viewer pipelines (an element error; a pipeline stopped under the appsrc) do
 * not stop the others; the viewer limit; close_all; and the whole loop with
 * the real WHIP ingest: the C publisher (VP8, keyframes only on request)
 * → LcWhipIngest → channel → fan-out → the C viewer. */
#include <string.h>

#include <gst/gst.h>

#include "common/lc-error.h"
#include "lc-test-net.h"
#include "lc-webrtc-client.h"
#include "streamer/lc-fanout.h"
#include "streamer/lc-synthetic-source.h"
#include "streamer/lc-whip-ingest.h"

#define LESSON "lesson-loop"
#define START_TIMEOUT_MS 20000
#define FRAMES_TIMEOUT_MS 20000
/* Short for the test: the test client sends RTCP about once a second. */
#define TEST_RTCP_TIMEOUT_MS 5000

typedef struct
{
  LcTestHttp http;
  LcChannel *channel;
  LcSyntheticSource *source;
  LcFanout *fanout;
  LcIceConfig *ice;
  GHashTable *sessions; /* id → LcWebrtcSession (ref) */
  guint next_id;
  guint last_count; /* from "viewer-count-changed" */
  guint count_signals;
  gint64 last_post_at; /* monotonic µs when the last WHEP POST arrived */
  char *whep_url;
} Fixture;

/* ---- the minimal WHEP resource ---- */

typedef struct
{
  Fixture *fixture;
  LcRequest *req; /* ref */
  char *id;
} AnswerCall;

static void
on_answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AnswerCall *call = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *answer = NULL;

  answer = lc_webrtc_session_answer_finish (LC_WEBRTC_SESSION (source), result, &error);
  if (answer == NULL)
    {
      lc_webrtc_session_close (LC_WEBRTC_SESSION (source));
      g_hash_table_remove (call->fixture->sessions, call->id);
      lc_request_respond_error (call->req, error);
    }
  else
    {
      g_autofree char *location = g_strdup_printf ("/whep/%s/%s", LESSON, call->id);

      lc_request_set_header (call->req, "Location", location);
      lc_request_set_header (call->req, "Connection", "close");
      lc_request_respond_text (call->req, 201, "application/sdp", answer);
    }
  lc_request_unref (call->req);
  g_free (call->id);
  g_free (call);
}

static void
handle_whep_post (LcRequest *req, gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr (GError) error = NULL;
  const char *type = lc_request_get_header (req, "Content-Type");
  GBytes *body = lc_request_get_body (req);
  g_autofree char *offer = NULL;
  LcWebrtcSession *session;
  AnswerCall *call;
  gsize size = 0;
  const char *data;

  f->last_post_at = g_get_monotonic_time ();
  if (g_strcmp0 (lc_request_get_param (req, "lesson"), LESSON) != 0)
    {
      lc_request_respond_problem (req, LC_ERROR_NOT_FOUND, NULL, "no such lesson");
      return;
    }
  if (type == NULL || !g_str_has_prefix (type, "application/sdp"))
    {
      lc_request_respond_problem (req, LC_ERROR_UNSUPPORTED_MEDIA_TYPE, NULL,
                                  "the offer must be application/sdp");
      return;
    }
  session = lc_fanout_add_viewer (f->fanout, &error);
  if (session == NULL)
    {
      lc_request_respond_error (req, error);
      return;
    }
  data = g_bytes_get_data (body, &size);
  offer = g_strndup (data != NULL ? data : "", size);

  call = g_new0 (AnswerCall, 1);
  call->fixture = f;
  call->req = lc_request_ref (req);
  call->id = g_strdup_printf ("s%u", ++f->next_id);
  g_hash_table_insert (f->sessions, g_strdup (call->id), session);
  lc_request_pause (req);
  lc_webrtc_session_answer_async (session, offer, NULL, on_answered, call);
}

static void
handle_whip_post (LcRequest *req, gpointer user_data)
{
  Fixture *f = user_data;
  GBytes *body = lc_request_get_body (req);
  g_autofree char *offer = NULL;
  LcWebrtcSession *session;
  AnswerCall *call;
  gsize size = 0;
  const char *data = g_bytes_get_data (body, &size);

  session = LC_WEBRTC_SESSION (lc_whip_ingest_new (f->channel, f->ice));
  offer = g_strndup (data != NULL ? data : "", size);
  call = g_new0 (AnswerCall, 1);
  call->fixture = f;
  call->req = lc_request_ref (req);
  call->id = g_strdup_printf ("s%u", ++f->next_id);
  g_hash_table_insert (f->sessions, g_strdup (call->id), session);
  lc_request_pause (req);
  lc_webrtc_session_answer_async (session, offer, NULL, on_answered, call);
}

static void
handle_whep_delete (LcRequest *req, gpointer user_data)
{
  Fixture *f = user_data;
  const char *id = lc_request_get_param (req, "session");
  LcWebrtcSession *session = g_hash_table_lookup (f->sessions, id);

  if (session == NULL)
    {
      lc_request_respond_problem (req, LC_ERROR_NOT_FOUND, NULL, "no such session");
      return;
    }
  lc_webrtc_session_close (session);
  g_hash_table_remove (f->sessions, id);
  lc_request_respond_empty (req, 200);
}

static void
on_viewer_count_changed (LcFanout *fanout, guint count, gpointer user_data)
{
  Fixture *f = user_data;

  f->last_count = count;
  f->count_signals++;
}

/* ---- fixture ---- */

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  const char *addresses[] = { "127.0.0.1", NULL };
  g_autoptr (GError) error = NULL;
  LcHttpLimits limits;

  f->ice = g_new0 (LcIceConfig, 1);
  f->ice->addresses = g_strdupv ((char **)addresses);
  f->channel = lc_channel_new (LESSON);
  f->source = lc_synthetic_source_new (f->channel, 320, 240, 25, "loop");
  if (data == NULL) /* tests with a WHIP publisher pass "whip" */
    {
      g_assert_true (lc_synthetic_source_start (f->source, &error));
      g_assert_no_error (error);
    }
  f->fanout = lc_fanout_webrtcbin_new (f->channel, f->ice, 0);
  g_object_set (f->fanout, "rtcp-timeout", (guint)TEST_RTCP_TIMEOUT_MS, NULL);
  g_signal_connect (f->fanout, "viewer-count-changed", G_CALLBACK (on_viewer_count_changed), f);
  f->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);

  lc_http_limits_init_default (&limits);
  limits.log_requests = FALSE;
  f->http.server = lc_http_server_new (&limits);
  lc_http_server_add_route (f->http.server, "POST", "/whep/{lesson}", handle_whep_post, f);
  lc_http_server_add_route (f->http.server, "DELETE", "/whep/{lesson}/{session}",
                            handle_whep_delete, f);
  lc_http_server_add_route (f->http.server, "POST", "/whip/{lesson}", handle_whip_post, f);
  lc_http_server_add_route (f->http.server, "DELETE", "/whip/{lesson}/{session}",
                            handle_whep_delete, f);
  lc_test_http_listen (&f->http);
  f->whep_url = g_strdup_printf ("http://127.0.0.1:%u/whep/%s", f->http.port, LESSON);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  lc_fanout_close_all (f->fanout);
  g_assert_cmpuint (lc_fanout_get_viewer_count (f->fanout), ==, 0);
  g_hash_table_remove_all (f->sessions);
  lc_synthetic_source_stop (f->source);
  lc_channel_finish (f->channel);
  g_assert_cmpuint (lc_channel_get_consumer_count (f->channel), ==, 0);

  lc_test_http_close_session (&f->http);
  lc_test_http_wait_no_connections (&f->http, 10000);
  lc_test_http_finalize (&f->http);

  g_hash_table_unref (f->sessions);
  g_assert_finalize_object (f->fanout);
  g_assert_finalize_object (f->source);
  /* Let pending hops (holding channel/viewer refs) run out. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_finalize_object (f->channel);
  lc_ice_config_free (f->ice);
  g_free (f->whep_url);
}

/* ---- helpers ---- */

static LcWebrtcClient *
start_viewer (Fixture *f)
{
  LcWebrtcClientOptions options = { 0 };
  g_autoptr (GError) error = NULL;
  LcWebrtcClient *client;
  guint status = 0;

  options.role = LC_CLIENT_VIEWER;
  options.url = f->whep_url;
  client = lc_webrtc_client_new (&options);
  g_assert_true (lc_webrtc_client_start (client, START_TIMEOUT_MS, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 201);
  g_assert_nonnull (lc_webrtc_client_get_location (client));
  return client;
}

typedef struct
{
  Fixture *f;
  guint count;
} CountWait;

static gboolean
viewer_count_is (gpointer data)
{
  CountWait *w = data;

  return lc_fanout_get_viewer_count (w->f->fanout) == w->count;
}

static void
wait_viewer_count (Fixture *f, guint count, guint timeout_ms)
{
  CountWait w = { f, count };

  lc_test_run_until (viewer_count_is, &w, timeout_ms);
  g_assert_cmpuint (f->last_count, ==, count);
}

/* The session the route created for a client (by its Location). */
static LcWebrtcSession *
session_of (Fixture *f, LcWebrtcClient *client)
{
  const char *location = lc_webrtc_client_get_location (client);
  const char *slash = strrchr (location, '/');

  g_assert_nonnull (slash);
  return g_hash_table_lookup (f->sessions, slash + 1);
}

/* ---- tests ---- */

static void
test_one_viewer (Fixture *f, gconstpointer data)
{
  g_autoptr (LcWebrtcClient) client = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 first_frame;
  LcWebrtcSession *session;

  client = start_viewer (f);
  g_assert_cmpuint (lc_fanout_get_viewer_count (f->fanout), ==, 1);
  g_assert_cmpuint (f->last_count, ==, 1);
  session = session_of (f, client);
  g_assert_nonnull (session);

  g_assert_true (lc_webrtc_client_wait_frames (client, 1, FRAMES_TIMEOUT_MS));
  first_frame = g_get_monotonic_time ();
  g_test_message ("time to the first decoded frame: %" G_GINT64_FORMAT " ms from the POST "
                  "(%" G_GINT64_FORMAT " ms from the client's start, offer and ICE gathering "
                  "included)",
                  (first_frame - f->last_post_at) / 1000, (first_frame - start) / 1000);
  g_assert_cmpint (lc_webrtc_session_get_state (session), ==, LC_SESSION_CONNECTED);
  g_assert_true (lc_webrtc_client_wait_frames (client, 50, FRAMES_TIMEOUT_MS));
  g_assert_cmpuint (lc_webrtc_client_get_video_frames (client), >=, 50);
  g_assert_cmpuint (lc_webrtc_client_get_audio_buffers (client), >, 0);
  /* The channel feeds the synthetic source's viewer as one consumer. */
  g_assert_cmpuint (lc_channel_get_consumer_count (f->channel), ==, 1);

  g_assert_cmpuint (lc_webrtc_client_delete (client, 10000), ==, 200);
  wait_viewer_count (f, 0, 5000);
  g_assert_cmpuint (lc_channel_get_consumer_count (f->channel), ==, 0);
  /* DELETE again: the resource is gone. */
  g_assert_cmpuint (lc_webrtc_client_delete (client, 10000), ==, 404);
}

static void
test_five_viewers (Fixture *f, gconstpointer data)
{
  LcWebrtcClient *clients[5];

  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    clients[i] = start_viewer (f);
  g_assert_cmpuint (lc_fanout_get_viewer_count (f->fanout), ==, 5);
  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      g_assert_true (lc_webrtc_client_wait_frames (clients[i], 25, FRAMES_TIMEOUT_MS));
      g_assert_cmpuint (lc_webrtc_client_get_audio_buffers (clients[i]), >, 0);
    }
  g_assert_cmpuint (lc_channel_get_consumer_count (f->channel), ==, 5);
  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      g_assert_cmpuint (lc_webrtc_client_delete (clients[i], 10000), ==, 200);
      lc_webrtc_client_free (clients[i]);
    }
  wait_viewer_count (f, 0, 5000);
}

static void
test_reap_dropped (Fixture *f, gconstpointer data)
{
  g_autoptr (LcWebrtcClient) stays = NULL;
  g_autoptr (LcWebrtcClient) vanishes = NULL;
  LcWebrtcSession *gone;
  gint64 dropped_at;

  stays = start_viewer (f);
  vanishes = start_viewer (f);
  g_assert_true (lc_webrtc_client_wait_frames (stays, 10, FRAMES_TIMEOUT_MS));
  g_assert_true (lc_webrtc_client_wait_frames (vanishes, 10, FRAMES_TIMEOUT_MS));
  gone = g_object_ref (session_of (f, vanishes));
  g_assert_cmpuint (lc_fanout_get_viewer_count (f->fanout), ==, 2);

  /* Gone without DELETE: no more RTCP (nor ICE) from it. */
  lc_webrtc_client_drop (vanishes);
  dropped_at = g_get_monotonic_time ();
  wait_viewer_count (f, 1, TEST_RTCP_TIMEOUT_MS + 15000);
  g_test_message ("dropped viewer reaped after %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - dropped_at) / 1000);
  g_assert_cmpint (lc_webrtc_session_get_state (gone), ==, LC_SESSION_FAILED);
  g_assert_cmpuint (lc_channel_get_consumer_count (f->channel), ==, 1);
  g_object_unref (gone);

  /* The other one was kept all along (its RTCP came in) and still plays. */
  g_assert_cmpint (lc_webrtc_session_get_state (session_of (f, stays)), ==, LC_SESSION_CONNECTED);
  g_assert_true (lc_webrtc_client_wait_frames (stays, 25, FRAMES_TIMEOUT_MS));
}

static void
post_error (GstElement *pipeline)
{
  g_autoptr (GError) error
      = g_error_new (GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED, "test: broken viewer pipeline");

  gst_element_post_message (
      pipeline, gst_message_new_error (GST_OBJECT (pipeline), error, "posted by the test"));
}

static void
test_broken_viewer (Fixture *f, gconstpointer data)
{
  g_autoptr (LcWebrtcClient) healthy = NULL;
  g_autoptr (LcWebrtcClient) errored = NULL;
  g_autoptr (LcWebrtcClient) stopped = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  LcWebrtcSession *errored_session, *stopped_session;
  guint64 before;

  healthy = start_viewer (f);
  errored = start_viewer (f);
  stopped = start_viewer (f);
  g_assert_true (lc_webrtc_client_wait_frames (healthy, 10, FRAMES_TIMEOUT_MS));
  g_assert_true (lc_webrtc_client_wait_frames (errored, 10, FRAMES_TIMEOUT_MS));
  g_assert_true (lc_webrtc_client_wait_frames (stopped, 10, FRAMES_TIMEOUT_MS));
  errored_session = g_object_ref (session_of (f, errored));
  stopped_session = g_object_ref (session_of (f, stopped));

  /* An element error in one viewer's pipeline. */
  g_object_get (errored_session, "pipeline", &pipeline, NULL);
  g_assert_nonnull (pipeline);
  post_error (pipeline);
  gst_clear_object (&pipeline);
  wait_viewer_count (f, 2, 5000);
  g_assert_cmpint (lc_webrtc_session_get_state (errored_session), ==, LC_SESSION_FAILED);

  /* A pipeline stopped under the appsrc: the channel's push fails. */
  g_object_get (stopped_session, "pipeline", &pipeline, NULL);
  g_assert_nonnull (pipeline);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_clear_object (&pipeline);
  wait_viewer_count (f, 1, 5000);
  g_assert_cmpint (lc_webrtc_session_get_state (stopped_session), ==, LC_SESSION_FAILED);
  g_assert_cmpuint (lc_channel_get_consumer_count (f->channel), ==, 1);

  /* The channel, the ingest and the healthy viewer went on. */
  before = lc_webrtc_client_get_video_frames (healthy);
  g_assert_true (lc_webrtc_client_wait_frames (healthy, 25, FRAMES_TIMEOUT_MS));
  g_assert_cmpuint (lc_webrtc_client_get_video_frames (healthy), >=, before + 25);
  g_assert_true (lc_channel_has_publisher (f->channel));

  /* A new viewer still joins. */
  {
    g_autoptr (LcWebrtcClient) late = start_viewer (f);

    g_assert_true (lc_webrtc_client_wait_frames (late, 10, FRAMES_TIMEOUT_MS));
    g_assert_cmpuint (lc_webrtc_client_delete (late, 10000), ==, 200);
  }
  g_object_unref (errored_session);
  g_object_unref (stopped_session);
}

static void
test_close_all (Fixture *f, gconstpointer data)
{
  g_autoptr (LcWebrtcClient) a = start_viewer (f);
  g_autoptr (LcWebrtcClient) b = start_viewer (f);
  LcWebrtcSession *sa = session_of (f, a);
  LcWebrtcSession *sb = session_of (f, b);

  g_assert_true (lc_webrtc_client_wait_frames (a, 5, FRAMES_TIMEOUT_MS));
  g_assert_true (lc_webrtc_client_wait_frames (b, 5, FRAMES_TIMEOUT_MS));
  lc_fanout_close_all (f->fanout);
  g_assert_cmpuint (lc_fanout_get_viewer_count (f->fanout), ==, 0);
  g_assert_cmpuint (f->last_count, ==, 0);
  g_assert_cmpint (lc_webrtc_session_get_state (sa), ==, LC_SESSION_CLOSED);
  g_assert_cmpint (lc_webrtc_session_get_state (sb), ==, LC_SESSION_CLOSED);
  g_assert_cmpuint (lc_channel_get_consumer_count (f->channel), ==, 0);
}

static void
test_viewer_limit (void)
{
  const char *addresses[] = { "127.0.0.1", NULL };
  LcIceConfig ice = { .addresses = (char **)addresses };
  g_autoptr (LcChannel) channel = lc_channel_new ("limit");
  g_autoptr (LcFanout) fanout = lc_fanout_webrtcbin_new (channel, &ice, 1);
  g_autoptr (LcWebrtcSession) first = NULL;
  g_autoptr (LcWebrtcSession) second = NULL;
  g_autoptr (GError) error = NULL;

  first = lc_fanout_add_viewer (fanout, &error);
  g_assert_no_error (error);
  g_assert_nonnull (first);
  second = lc_fanout_add_viewer (fanout, &error);
  g_assert_null (second);
  g_assert_error (error, LC_ERROR, LC_ERROR_UNAVAILABLE);
  g_assert_cmpuint (lc_fanout_get_viewer_count (fanout), ==, 1);

  /* A slot frees up when a viewer closes. */
  lc_webrtc_session_close (first);
  g_assert_cmpuint (lc_fanout_get_viewer_count (fanout), ==, 0);
  g_clear_error (&error);
  second = lc_fanout_add_viewer (fanout, &error);
  g_assert_no_error (error);
  g_assert_nonnull (second);
  lc_fanout_close_all (fanout);
}

static void
test_unusable_offer (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestHttpResult) r = NULL;
  const char *audio_only_pcmu
      = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
        "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"
        "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
        "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:"
        "66:77:88:99:AA:BB:CC:DD:EE:FF\r\na=setup:actpass\r\na=rtpmap:0 PCMU/8000\r\n"
        "a=recvonly\r\na=rtcp-mux\r\n";

  r = lc_test_http_finish (lc_test_http_begin (&f->http, "POST", "/whep/" LESSON, "application/sdp",
                                               audio_only_pcmu, NULL));
  g_assert_cmpuint (lc_test_http_status (r), ==, 422);
  /* The failed viewer does not stay counted. */
  wait_viewer_count (f, 0, 5000);
}

static gboolean
channel_has_vp8 (gpointer data)
{
  Fixture *f = data;

  return lc_channel_has_media (f->channel)
         && g_strcmp0 (lc_channel_get_video_codec (f->channel), "vp8") == 0;
}

static void
test_whip_vp8 (Fixture *f, gconstpointer data)
{
  g_autofree char *whip_url = g_strdup_printf ("http://127.0.0.1:%u/whip/%s", f->http.port, LESSON);
  LcWebrtcClientOptions options = { 0 };
  g_autoptr (LcWebrtcClient) publisher = NULL;
  g_autoptr (LcWebrtcClient) viewer = NULL;
  g_autoptr (GError) error = NULL;
  guint status = 0;

  options.role = LC_CLIENT_PUBLISHER;
  options.url = whip_url;
  options.video_codec = "vp8";
  options.keyframe_interval = 0; /* keyframes only when asked, like Chromium */
  publisher = lc_webrtc_client_new (&options);
  g_assert_true (lc_webrtc_client_start (publisher, START_TIMEOUT_MS, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 201);
  lc_test_run_until (channel_has_vp8, f, FRAMES_TIMEOUT_MS);

  /* The viewer offers H.264 and VP8: it gets VP8, and its join asks the
   * publisher for the keyframe it starts with (PLI through the ingest). */
  viewer = start_viewer (f);
  g_assert_true (lc_webrtc_client_wait_frames (viewer, 25, FRAMES_TIMEOUT_MS));
  g_assert_cmpuint (lc_webrtc_client_get_audio_buffers (viewer), >, 0);

  g_assert_cmpuint (lc_webrtc_client_delete (viewer, 10000), ==, 200);
  g_assert_cmpuint (lc_webrtc_client_delete (publisher, 10000), ==, 200);
  wait_viewer_count (f, 0, 5000);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/streamer/webrtc-loop/one-viewer", Fixture, NULL, fixture_set_up, test_one_viewer,
              fixture_tear_down);
  g_test_add ("/streamer/webrtc-loop/five-viewers", Fixture, NULL, fixture_set_up,
              test_five_viewers, fixture_tear_down);
  g_test_add ("/streamer/webrtc-loop/reap-dropped", Fixture, NULL, fixture_set_up,
              test_reap_dropped, fixture_tear_down);
  g_test_add ("/streamer/webrtc-loop/broken-viewer", Fixture, NULL, fixture_set_up,
              test_broken_viewer, fixture_tear_down);
  g_test_add ("/streamer/webrtc-loop/close-all", Fixture, NULL, fixture_set_up, test_close_all,
              fixture_tear_down);
  g_test_add ("/streamer/webrtc-loop/unusable-offer", Fixture, NULL, fixture_set_up,
              test_unusable_offer, fixture_tear_down);
  g_test_add ("/streamer/webrtc-loop/whip-vp8", Fixture, "whip", fixture_set_up, test_whip_vp8,
              fixture_tear_down);
  g_test_add_func ("/streamer/webrtc-loop/viewer-limit", test_viewer_limit);
  return g_test_run ();
}
