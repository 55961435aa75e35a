/* test-whep.c — WHEP playback of the in-process server, ICE on 127.0.0.1
 * only: before the lesson is live a viewer gets 409 with the lesson's start
 * and Retry-After; the other error statuses and OPTIONS/CORS; a real WHIP
 * publisher (C webrtcbin client) of an unlisted lesson, watched by id: a
 * viewer decodes ≥ 50 frames, viewer counts per protocol (WebRTC, HLS) in the
 * API, DELETE of a viewer, and a viewer that vanishes without DELETE is
 * reaped. */
#include <string.h>

#include "common/lc-store.h"
#include "common/lc-time.h"
#include "lc-test-util.h"
#include "lc-webrtc-client.h"

#define START_TIMEOUT_MS 30000
#define FRAMES_TIMEOUT_MS 30000
#define STATE_TIMEOUT_MS 30000
/* The fan-out drops a viewer whose RTCP stopped after 15 s. */
#define REAP_TIMEOUT_MS 45000
#define PASSWORD "correct horse battery"

#define FINGERPRINT                                                                                \
  "sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3D:8F:1A:2B:3C:4D:5E:6F:"   \
  "70:81:92:A3"
/* A viewer's offer (recvonly H.264 + Opus), answered but never connected. */
#define VIEWER_OFFER                                                                               \
  "v=0\r\n"                                                                                        \
  "o=- 1 1 IN IP4 127.0.0.1\r\n"                                                                   \
  "s=-\r\n"                                                                                        \
  "t=0 0\r\n"                                                                                      \
  "a=group:BUNDLE 0 1\r\n"                                                                         \
  "m=video 9 UDP/TLS/RTP/SAVPF 102\r\n"                                                            \
  "c=IN IP4 0.0.0.0\r\n"                                                                           \
  "a=ice-ufrag:abcd\r\n"                                                                           \
  "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"                                                         \
  "a=fingerprint:" FINGERPRINT "\r\n"                                                              \
  "a=setup:actpass\r\n"                                                                            \
  "a=mid:0\r\n"                                                                                    \
  "a=recvonly\r\n"                                                                                 \
  "a=rtcp-mux\r\n"                                                                                 \
  "a=rtpmap:102 H264/90000\r\n"                                                                    \
  "a=rtcp-fb:102 nack pli\r\n"                                                                     \
  "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"          \
  "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"                                                            \
  "c=IN IP4 0.0.0.0\r\n"                                                                           \
  "a=ice-ufrag:abcd\r\n"                                                                           \
  "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"                                                         \
  "a=fingerprint:" FINGERPRINT "\r\n"                                                              \
  "a=setup:actpass\r\n"                                                                            \
  "a=mid:1\r\n"                                                                                    \
  "a=recvonly\r\n"                                                                                 \
  "a=rtcp-mux\r\n"                                                                                 \
  "a=rtpmap:111 opus/48000/2\r\n"

typedef struct
{
  LcTestServer *ts;
  char *school;
  char *teacher;
} Fixture;

static void
fixture_start (Fixture *f, gboolean hls)
{
  const char *overrides[]
      = { "webrtc.addresses=127.0.0.1", "whip.rate_limit=1000", "recording.enabled=false",
          hls ? "hls.enabled=true" : "hls.enabled=false", NULL };

  f->ts = lc_test_server_start (overrides, FALSE);
  f->school = lc_test_seed_school (f->ts, "Школа № 2", "Центр");
  f->teacher = lc_test_seed_account (f->ts, "teacher", "teacher", f->school, PASSWORD, TRUE);
}

static void
fixture_stop (Fixture *f)
{
  lc_test_server_stop (f->ts);
  g_free (f->school);
  g_free (f->teacher);
}

static const char *
header (LcTestResponse *resp, const char *name)
{
  return soup_message_headers_get_one (resp->headers, name);
}

/* The path of a session resource URL of a client. */
static const char *
session_path (Fixture *f, LcWebrtcClient *client)
{
  const char *url = lc_webrtc_client_get_location (client);

  g_assert_nonnull (url);
  g_assert_true (g_str_has_prefix (url, f->ts->base_url));
  return url + strlen (f->ts->base_url);
}

static LcTestResponse *
post_offer (Fixture *f, const char *path, const char *content_type, const char *body)
{
  return lc_test_request (f->ts, "POST", path, body, NULL, "Content-Type", content_type, NULL);
}

static char *
publish_key (Fixture *f, const char *lesson_id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LcLesson) lesson
      = lc_store_get_lesson (lc_app_get_store (f->ts->app), lesson_id, &error);

  g_assert_no_error (error);
  return g_strdup (lesson->publish_key);
}

static LcWebrtcClient *
start_client (Fixture *f, LcClientRole role, const char *path, const char *key)
{
  g_autofree char *url = g_strconcat (f->ts->base_url, path, NULL);
  g_autoptr (GError) error = NULL;
  LcWebrtcClientOptions options = { 0 };
  LcWebrtcClient *client;
  guint status = 0;

  options.role = role;
  options.url = url;
  options.bearer = key; /* the client sends "Authorization: Bearer <key>" */
  options.keyframe_interval = role == LC_CLIENT_PUBLISHER ? 30 : 0;
  client = lc_webrtc_client_new (&options);
  lc_webrtc_client_start (client, START_TIMEOUT_MS, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 201);
  return client;
}

typedef struct
{
  Fixture *f;
  const char *lesson_id;
  const char *kind; /* "webrtc", "hls", or NULL: live at all */
  gint64 count;
} LiveWait;

static gboolean
live_matches (gpointer data)
{
  LiveWait *w = data;
  g_autoptr (JsonNode) state
      = lc_live_dup_status_json (lc_app_get_live (w->f->ts->app), w->lesson_id);
  JsonObject *viewers;

  if (state == NULL)
    return FALSE;
  if (w->kind == NULL)
    return TRUE;
  viewers = json_object_get_object_member (json_node_get_object (state), "viewers");
  return json_object_get_int_member (viewers, w->kind) == w->count;
}

static void
wait_live (Fixture *f, const char *lesson_id, const char *kind, gint64 count, guint timeout_ms)
{
  LiveWait w = { f, lesson_id, kind, count };

  lc_test_wait_for (f->ts, live_matches, &w, timeout_ms);
}

/* The viewer counts as the API shows them. */
static gint64
api_viewers (Fixture *f, const char *lesson_id, const char *kind)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/lessons/%s", lesson_id);
  g_autoptr (LcTestResponse) r = lc_test_request (f->ts, "GET", path, NULL, NULL, NULL);
  JsonObject *live, *viewers;

  g_assert_cmpuint (r->status, ==, 200);
  live = json_object_get_object_member (json_node_get_object (r->json), "live");
  g_assert_nonnull (live);
  viewers = json_object_get_object_member (live, "viewers");
  return json_object_get_int_member (viewers, kind);
}

/* ---- before live, errors ---- */

static void
test_not_live (void)
{
  Fixture f = { 0 };
  g_autofree char *lesson = NULL, *cancelled = NULL, *ended = NULL, *path = NULL;
  g_autofree char *starts_at = NULL;
  gint64 starts = lc_time_now () + 3600;

  fixture_start (&f, FALSE);
  lesson
      = lc_test_seed_lesson (f.ts, f.school, f.teacher, starts, "Химия", 8, "public", "scheduled");
  cancelled
      = lc_test_seed_lesson (f.ts, f.school, f.teacher, starts, "Химия", 8, "public", "cancelled");
  ended = lc_test_seed_lesson (f.ts, f.school, f.teacher, starts, "Химия", 8, "unlisted", "ended");
  path = g_strdup_printf ("/whep/%s", lesson);
  starts_at = lc_time_format_rfc3339 (starts);

  {
    g_autoptr (LcTestResponse) r = post_offer (&f, path, "application/sdp", VIEWER_OFFER);

    lc_test_assert_problem (r, 409, "conflict", NULL);
    g_assert_cmpstr (lc_test_json_string (r, "starts_at"), ==, starts_at);
    g_assert_cmpstr (header (r, "Retry-After"), ==, "5");
    g_assert_cmpstr (header (r, "Access-Control-Allow-Origin"), ==, "*");
  }
  {
    g_autofree char *c = g_strdup_printf ("/whep/%s", cancelled);
    g_autofree char *e = g_strdup_printf ("/whep/%s", ended);
    g_autoptr (LcTestResponse) rc = post_offer (&f, c, "application/sdp", VIEWER_OFFER);
    g_autoptr (LcTestResponse) re = post_offer (&f, e, "application/sdp", VIEWER_OFFER);
    g_autoptr (LcTestResponse) unknown
        = post_offer (&f, "/whep/AAAAAAAAAAAAAAAAAAAAAA", "application/sdp", VIEWER_OFFER);
    g_autoptr (LcTestResponse) type = post_offer (&f, path, "application/json", "{}");
    g_autoptr (LcTestResponse) query = NULL;
    g_autofree char *with_query = g_strdup_printf ("%s?key=x", path);

    lc_test_assert_problem (rc, 403, "forbidden", NULL);
    lc_test_assert_problem (re, 403, "forbidden", NULL);
    lc_test_assert_problem (unknown, 404, "not-found", NULL);
    lc_test_assert_problem (type, 415, "unsupported-media-type", NULL);
    query = post_offer (&f, with_query, "application/sdp", VIEWER_OFFER);
    lc_test_assert_problem (query, 400, "malformed-request", NULL);
  }
  {
    g_autofree char *session = g_strdup_printf ("%s/AAAAAAAAAAAAAAAAAAAAAA", path);
    g_autoptr (LcTestResponse) pre = lc_test_request (f.ts, "OPTIONS", path, NULL, NULL, NULL);
    g_autoptr (LcTestResponse) pre2 = lc_test_request (f.ts, "OPTIONS", session, NULL, NULL, NULL);
    g_autoptr (LcTestResponse) del = lc_test_request (f.ts, "DELETE", session, NULL, NULL, NULL);

    g_assert_cmpuint (pre->status, ==, 204);
    g_assert_cmpstr (header (pre, "Accept-Post"), ==, "application/sdp");
    g_assert_cmpstr (header (pre, "Access-Control-Allow-Origin"), ==, "*");
    g_assert_cmpuint (pre2->status, ==, 204);
    g_assert_cmpstr (header (pre2, "Accept-Patch"), ==, "application/trickle-ice-sdpfrag");
    lc_test_assert_problem (del, 404, "not-found", NULL);
  }
  fixture_stop (&f);
}

/* ---- playing ---- */

static void
test_play (void)
{
  Fixture f = { 0 };
  g_autofree char *lesson = NULL, *key = NULL, *whip = NULL, *whep = NULL, *playlist = NULL;
  g_autoptr (LcWebrtcClient) publisher = NULL;
  g_autoptr (LcWebrtcClient) v1 = NULL;
  g_autoptr (LcWebrtcClient) v2 = NULL;
  gint64 t0;

  fixture_start (&f, TRUE);
  lesson = lc_test_seed_lesson (f.ts, f.school, f.teacher, lc_time_now () + 600, "Биология", 6,
                                "unlisted", "scheduled");
  key = publish_key (&f, lesson);
  whip = g_strdup_printf ("/whip/%s", lesson);
  whep = g_strdup_printf ("/whep/%s", lesson);
  playlist = g_strdup_printf ("/hls/%s/index.m3u8", lesson);

  publisher = start_client (&f, LC_CLIENT_PUBLISHER, whip, key);
  wait_live (&f, lesson, NULL, 0, STATE_TIMEOUT_MS);

  /* Unlisted: not in the public schedule, reachable by id. */
  {
    g_autoptr (LcTestResponse) list
        = lc_test_request (f.ts, "GET", "/api/v1/lessons?limit=100", NULL, NULL, NULL);
    JsonArray *items = lc_test_items (list);

    for (guint i = 0; i < json_array_get_length (items); i++)
      g_assert_cmpstr (
          json_object_get_string_member (json_array_get_object_element (items, i), "id"), !=,
          lesson);
  }

  t0 = g_get_monotonic_time ();
  v1 = start_client (&f, LC_CLIENT_VIEWER, whep, NULL);
  g_assert_true (lc_webrtc_client_wait_frames (v1, 50, FRAMES_TIMEOUT_MS));
  g_test_message ("50 frames %.1f s after the WHEP POST",
                  (double)(g_get_monotonic_time () - t0) / G_USEC_PER_SEC);
  g_assert_cmpuint (lc_webrtc_client_get_audio_buffers (v1), >, 0);
  wait_live (&f, lesson, "webrtc", 1, STATE_TIMEOUT_MS);
  g_assert_cmpint (api_viewers (&f, lesson, "webrtc"), ==, 1);

  v2 = start_client (&f, LC_CLIENT_VIEWER, whep, NULL);
  g_assert_true (lc_webrtc_client_wait_frames (v2, 10, FRAMES_TIMEOUT_MS));
  wait_live (&f, lesson, "webrtc", 2, STATE_TIMEOUT_MS);

  /* PATCH trickle on a viewer session. */
  {
    g_autoptr (LcTestResponse) r
        = lc_test_request (f.ts, "PATCH", session_path (&f, v2), "a=end-of-candidates\r\n", NULL,
                           "Content-Type", "application/trickle-ice-sdpfrag", NULL);

    g_assert_cmpuint (r->status, ==, 204);
  }

  /* HLS viewers: distinct addresses that fetched the playlist lately. */
  {
    gboolean got = FALSE;

    for (guint i = 0; i < 300 && !got; i++)
      {
        g_autoptr (LcTestResponse) r = lc_test_request (f.ts, "GET", playlist, NULL, NULL, NULL);

        got = r->status == 200;
        if (!got)
          g_assert_true (lc_webrtc_client_wait_frames (v1, 3, FRAMES_TIMEOUT_MS));
      }
    g_assert_true (got);
    g_assert_cmpint (api_viewers (&f, lesson, "hls"), ==, 1);
  }

  /* DELETE one viewer: the count follows. */
  g_assert_cmpuint (lc_webrtc_client_delete (v1, START_TIMEOUT_MS), ==, 200);
  wait_live (&f, lesson, "webrtc", 1, STATE_TIMEOUT_MS);
  g_assert_cmpint (api_viewers (&f, lesson, "webrtc"), ==, 1);
  {
    g_autoptr (LcTestResponse) again
        = lc_test_request (f.ts, "DELETE", session_path (&f, v1), NULL, NULL, NULL);

    lc_test_assert_problem (again, 404, "not-found", NULL);
  }

  /* A viewer that vanishes without DELETE is reaped. */
  t0 = g_get_monotonic_time ();
  lc_webrtc_client_drop (v2);
  wait_live (&f, lesson, "webrtc", 0, REAP_TIMEOUT_MS);
  g_test_message ("vanished viewer reaped after %.1f s",
                  (double)(g_get_monotonic_time () - t0) / G_USEC_PER_SEC);
  {
    g_autoptr (LcTestResponse) r
        = lc_test_request (f.ts, "DELETE", session_path (&f, v2), NULL, NULL, NULL);

    lc_test_assert_problem (r, 404, "not-found", NULL);
  }

  g_assert_cmpuint (lc_webrtc_client_delete (publisher, START_TIMEOUT_MS), ==, 200);
  fixture_stop (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/whep/not-live", test_not_live);
  g_test_add_func ("/whep/play", test_play);
  return g_test_run ();
}
