/* test-whip.c — the WHIP resource (RFC 9725) of the in-process server, ICE
 * on 127.0.0.1 only: every error status (401 with WWW-Authenticate, 403, 404,
 * 409, 415, 400, 422, 429 with Retry-After), OPTIONS/CORS, the session
 * resource (Location, strong ETag, Link headers with TURN credentials, PATCH
 * trickle 204, ICE restart with If-Match → 200 + new ETag, stale ETag 412,
 * DELETE), a real publisher (C webrtcbin client) making the lesson live in the
 * API and DELETE ending it, 20 malformed offers each refused with a 4xx while
 * a viewer of the live lesson keeps decoding, and the webrtc.* config checks. */
#include <string.h>

#include "common/lc-config.h"
#include "common/lc-error.h"
#include "common/lc-store.h"
#include "common/lc-time.h"
#include "lc-test-util.h"
#include "lc-webrtc-client.h"

#define START_TIMEOUT_MS 30000
#define FRAMES_TIMEOUT_MS 30000
#define STATE_TIMEOUT_MS 30000
#define PASSWORD "correct horse battery"

/* A WHIP offer as a browser sends it (H.264 packetization-mode 1 + Opus),
 * with a made-up fingerprint and no candidates: enough to be answered. */
#define FINGERPRINT                                                                                \
  "sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3D:8F:1A:2B:3C:4D:5E:6F:"   \
  "70:81:92:A3"
#define OFFER_HEAD                                                                                 \
  "v=0\r\n"                                                                                        \
  "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"                                                 \
  "s=-\r\n"                                                                                        \
  "t=0 0\r\n"
#define OFFER_MEDIA(kind, pt, mid)                                                                 \
  "m=" kind " 9 UDP/TLS/RTP/SAVPF " pt "\r\n"                                                      \
  "c=IN IP4 0.0.0.0\r\n"                                                                           \
  "a=ice-ufrag:abcd\r\n"                                                                           \
  "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"                                                         \
  "a=ice-options:trickle\r\n"                                                                      \
  "a=fingerprint:" FINGERPRINT "\r\n"                                                              \
  "a=setup:actpass\r\n"                                                                            \
  "a=mid:" mid "\r\n"                                                                              \
  "a=sendonly\r\n"                                                                                 \
  "a=rtcp-mux\r\n"
#define GOOD_OFFER                                                                                 \
  OFFER_HEAD "a=group:BUNDLE 0 1\r\n" OFFER_MEDIA (                                                \
      "video", "102",                                                                              \
      "0") "a=rtpmap:102 H264/90000\r\n"                                                           \
           "a=rtcp-fb:102 nack pli\r\n"                                                            \
           "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n" \
           "a=ssrc:1111 cname:test\r\n" OFFER_MEDIA (                                              \
               "audio", "111", "1") "a=rtpmap:111 opus/48000/2\r\n"                                \
                                    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"                    \
                                    "a=ssrc:2222 cname:test\r\n"

typedef struct
{
  LcTestServer *ts;
  char *school;
  char *teacher;
} Fixture;

/* base overrides + extra (NULL-terminated, nullable) */
static LcTestServer *
start_server (const char *const *extra)
{
  g_autoptr (GPtrArray) overrides = g_ptr_array_new ();
  const char *base[] = { "webrtc.addresses=127.0.0.1", "whip.rate_limit=1000", "hls.enabled=false",
                         "recording.enabled=false", NULL };

  for (guint i = 0; base[i] != NULL; i++)
    g_ptr_array_add (overrides, (gpointer)base[i]);
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (overrides, (gpointer)extra[i]);
  g_ptr_array_add (overrides, NULL);
  return lc_test_server_start ((const char *const *)overrides->pdata, FALSE);
}

static void
fixture_start (Fixture *f, const char *const *extra)
{
  f->ts = start_server (extra);
  f->school = lc_test_seed_school (f->ts, "Школа № 1", "Центр");
  f->teacher = lc_test_seed_account (f->ts, "teacher", "teacher", f->school, PASSWORD, TRUE);
}

static void
fixture_stop (Fixture *f)
{
  lc_test_server_stop (f->ts);
  g_free (f->school);
  g_free (f->teacher);
}

static char *
seed_lesson (Fixture *f, const char *visibility, const char *status)
{
  return lc_test_seed_lesson (f->ts, f->school, f->teacher, lc_time_now () + 3600, "Физика", 9,
                              visibility, status);
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

static char *
bearer (Fixture *f, const char *lesson_id)
{
  g_autofree char *key = publish_key (f, lesson_id);

  return g_strdup_printf ("Bearer %s", key);
}

static LcTestResponse *
post_offer (Fixture *f, const char *path, const char *auth, const char *content_type,
            const char *body)
{
  return lc_test_request (f->ts, "POST", path, body, auth, "Content-Type", content_type, NULL);
}

static LcTestResponse *
patch_fragment (Fixture *f, const char *path, const char *if_match, const char *body)
{
  if (if_match != NULL)
    return lc_test_request (f->ts, "PATCH", path, body, NULL, "Content-Type",
                            "application/trickle-ice-sdpfrag", "If-Match", if_match, NULL);
  return lc_test_request (f->ts, "PATCH", path, body, NULL, "Content-Type",
                          "application/trickle-ice-sdpfrag", NULL);
}

static const char *
header (LcTestResponse *resp, const char *name)
{
  return soup_message_headers_get_one (resp->headers, name);
}

typedef struct
{
  Fixture *f;
  const char *lesson_id;
  LcLessonStatus status;
} StatusWait;

static gboolean
lesson_has_status (gpointer data)
{
  StatusWait *w = data;
  g_autoptr (LcLesson) lesson
      = lc_store_get_lesson (lc_app_get_store (w->f->ts->app), w->lesson_id, NULL);

  return lesson != NULL && lesson->status == w->status;
}

static void
wait_status (Fixture *f, const char *lesson_id, LcLessonStatus status)
{
  StatusWait w = { f, lesson_id, status };

  lc_test_wait_for (f->ts, lesson_has_status, &w, STATE_TIMEOUT_MS);
}

static LcWebrtcClient *
start_client (Fixture *f, LcClientRole role, const char *path, const char *key, guint *status,
              GError **error)
{
  g_autofree char *url = g_strconcat (f->ts->base_url, path, NULL);
  LcWebrtcClientOptions options = { 0 };
  LcWebrtcClient *client;

  options.role = role;
  options.url = url;
  options.bearer = key; /* the client sends "Authorization: Bearer <key>" */
  options.keyframe_interval = role == LC_CLIENT_PUBLISHER ? 30 : 0;
  client = lc_webrtc_client_new (&options);
  if (!lc_webrtc_client_start (client, START_TIMEOUT_MS, status, error))
    {
      lc_webrtc_client_free (client);
      return NULL;
    }
  return client;
}

/* ---- errors ---- */

static void
test_errors (void)
{
  Fixture f = { 0 };
  g_autofree char *lesson = NULL, *cancelled = NULL, *ended = NULL, *auth = NULL;
  g_autofree char *path = NULL, *cancelled_path = NULL, *ended_path = NULL;
  g_autofree char *cancelled_auth = NULL, *ended_auth = NULL;
  const char *pcmu_only = OFFER_HEAD OFFER_MEDIA ("audio", "0", "0") "a=rtpmap:0 PCMU/8000\r\n";

  fixture_start (&f, NULL);
  lesson = seed_lesson (&f, "public", "scheduled");
  cancelled = seed_lesson (&f, "public", "cancelled");
  ended = seed_lesson (&f, "public", "ended");
  auth = bearer (&f, lesson);
  cancelled_auth = bearer (&f, cancelled);
  ended_auth = bearer (&f, ended);
  path = g_strdup_printf ("/whip/%s", lesson);
  cancelled_path = g_strdup_printf ("/whip/%s", cancelled);
  ended_path = g_strdup_printf ("/whip/%s", ended);

  {
    g_autoptr (LcTestResponse) r
        = post_offer (&f, "/whip/AAAAAAAAAAAAAAAAAAAAAA", auth, "application/sdp", GOOD_OFFER);
    g_autoptr (LcTestResponse) r2
        = post_offer (&f, "/whip/nope", auth, "application/sdp", GOOD_OFFER);

    lc_test_assert_problem (r, 404, "not-found", NULL);
    lc_test_assert_problem (r2, 404, "not-found", NULL);
    g_assert_cmpstr (header (r, "Access-Control-Allow-Origin"), ==, "*");
  }
  {
    g_autoptr (LcTestResponse) none = post_offer (&f, path, NULL, "application/sdp", GOOD_OFFER);
    g_autoptr (LcTestResponse) wrong
        = post_offer (&f, path, "Bearer lpk_wrong", "application/sdp", GOOD_OFFER);
    g_autoptr (LcTestResponse) basic
        = post_offer (&f, path, "Basic dXNlcjpwYXNz", "application/sdp", GOOD_OFFER);
    g_autoptr (LcTestResponse) other
        = post_offer (&f, path, cancelled_auth, "application/sdp", GOOD_OFFER);

    lc_test_assert_problem (none, 401, "unauthorized", NULL);
    g_assert_true (g_str_has_prefix (header (none, "WWW-Authenticate"), "Bearer"));
    lc_test_assert_problem (wrong, 401, "unauthorized", NULL);
    g_assert_true (g_str_has_prefix (header (wrong, "WWW-Authenticate"), "Bearer"));
    lc_test_assert_problem (basic, 401, "unauthorized", NULL);
    /* Another lesson's key is no key for this one. */
    lc_test_assert_problem (other, 401, "unauthorized", NULL);
  }
  {
    g_autoptr (LcTestResponse) c
        = post_offer (&f, cancelled_path, cancelled_auth, "application/sdp", GOOD_OFFER);
    g_autoptr (LcTestResponse) e
        = post_offer (&f, ended_path, ended_auth, "application/sdp", GOOD_OFFER);

    lc_test_assert_problem (c, 403, "forbidden", NULL);
    lc_test_assert_problem (e, 403, "forbidden", NULL);
  }
  {
    g_autoptr (LcTestResponse) json = post_offer (&f, path, auth, "application/json", "{}");
    g_autoptr (LcTestResponse) text = post_offer (&f, path, auth, "text/plain", GOOD_OFFER);
    g_autoptr (LcTestResponse) garbage = post_offer (&f, path, auth, "application/sdp", "hello");
    g_autoptr (LcTestResponse) useless = post_offer (&f, path, auth, "application/sdp", pcmu_only);

    lc_test_assert_problem (json, 415, "unsupported-media-type", NULL);
    lc_test_assert_problem (text, 415, "unsupported-media-type", NULL);
    lc_test_assert_problem (garbage, 400, "malformed-request", NULL);
    lc_test_assert_problem (useless, 422, "invalid-field", NULL);
  }
  /* None of it left a trace. */
  {
    g_autofree char *api = g_strdup_printf ("/api/v1/lessons/%s", lesson);
    g_autoptr (LcTestResponse) r = lc_test_request (f.ts, "GET", api, NULL, NULL, NULL);
    JsonObject *o;

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (lc_test_json_string (r, "status"), ==, "scheduled");
    o = json_node_get_object (r->json);
    g_assert_true (json_object_has_member (o, "live"));
    g_assert_true (json_node_is_null (json_object_get_member (o, "live")));
    g_assert_nonnull (lc_test_json_string (r, "whep_url"));
    g_assert_nonnull (lc_test_json_string (r, "hls_url"));
  }
  /* CORS preflight on the collection and session URLs. */
  {
    g_autofree char *session = g_strdup_printf ("%s/AAAAAAAAAAAAAAAAAAAAAA", path);
    g_autoptr (LcTestResponse) pre = lc_test_request (f.ts, "OPTIONS", path, NULL, NULL, "Origin",
                                                      "https://studio.example.org", NULL);
    g_autoptr (LcTestResponse) pre2 = lc_test_request (f.ts, "OPTIONS", session, NULL, NULL, NULL);
    g_autoptr (LcTestResponse) patch
        = patch_fragment (&f, session, NULL, "a=end-of-candidates\r\n");
    g_autoptr (LcTestResponse) del = lc_test_request (f.ts, "DELETE", session, NULL, NULL, NULL);

    g_assert_cmpuint (pre->status, ==, 204);
    g_assert_cmpstr (header (pre, "Access-Control-Allow-Origin"), ==, "*");
    g_assert_cmpstr (header (pre, "Accept-Post"), ==, "application/sdp");
    g_assert_nonnull (strstr (header (pre, "Access-Control-Allow-Methods"), "POST"));
    g_assert_nonnull (strstr (header (pre, "Access-Control-Allow-Headers"), "Authorization"));
    g_assert_nonnull (strstr (header (pre, "Access-Control-Allow-Headers"), "If-Match"));
    g_assert_cmpuint (pre2->status, ==, 204);
    g_assert_cmpstr (header (pre2, "Accept-Patch"), ==, "application/trickle-ice-sdpfrag");
    g_assert_nonnull (strstr (header (pre2, "Access-Control-Allow-Methods"), "PATCH"));
    g_assert_nonnull (strstr (header (pre2, "Access-Control-Allow-Methods"), "DELETE"));
    lc_test_assert_problem (patch, 404, "not-found", NULL);
    lc_test_assert_problem (del, 404, "not-found", NULL);
  }
  fixture_stop (&f);
}

static void
test_rate_limit (void)
{
  const char *extra[] = { "whip.rate_limit=3", NULL };
  Fixture f = { 0 };
  g_autofree char *lesson = NULL, *path = NULL, *whep = NULL;

  fixture_start (&f, extra);
  lesson = seed_lesson (&f, "public", "scheduled");
  path = g_strdup_printf ("/whip/%s", lesson);
  whep = g_strdup_printf ("/whep/%s", lesson);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr (LcTestResponse) r = post_offer (&f, path, NULL, "application/sdp", GOOD_OFFER);

      lc_test_assert_problem (r, 401, "unauthorized", NULL);
    }
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr (LcTestResponse) r
          = post_offer (&f, i == 2 ? whep : path, NULL, "application/sdp", GOOD_OFFER);
      gint64 retry;

      lc_test_assert_problem (r, 429, "rate-limited", NULL);
      g_assert_nonnull (header (r, "Retry-After"));
      retry = g_ascii_strtoll (header (r, "Retry-After"), NULL, 10);
      g_assert_cmpint (retry, >=, 1);
      g_assert_cmpint (retry, <=, 60);
    }
  /* Session resources are not session creation: no limit on them. */
  {
    g_autofree char *session = g_strdup_printf ("%s/AAAAAAAAAAAAAAAAAAAAAA", path);
    g_autoptr (LcTestResponse) r = lc_test_request (f.ts, "DELETE", session, NULL, NULL, NULL);

    lc_test_assert_problem (r, 404, "not-found", NULL);
  }
  fixture_stop (&f);
}

/* ---- the session resource (a hand-written offer: nothing connects) ---- */

static void
test_session_resource (void)
{
  const char *extra[] = { "webrtc.stun_servers=stun:127.0.0.1:3478",
                          "webrtc.turn_servers=turn:127.0.0.1:3478?transport=udp",
                          "webrtc.turn_secret=not-a-real-secret", "webrtc.turn_ttl=600", NULL };
  Fixture f = { 0 };
  g_autofree char *lesson = NULL, *path = NULL, *auth = NULL, *location = NULL, *etag = NULL;
  g_autofree char *etag2 = NULL, *prefix = NULL;
  const char *restart = "a=ice-ufrag:efgh\r\na=ice-pwd:zyxwvutsrqponmlkjihgfedc\r\n";
  const char *restart2 = "a=ice-ufrag:ijkl\r\na=ice-pwd:0123456789abcdefghijklmn\r\n";
  const char *candidate = "m=video 9 UDP/TLS/RTP/SAVPF 102\r\na=mid:0\r\n"
                          "a=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\n";

  fixture_start (&f, extra);
  lesson = seed_lesson (&f, "public", "scheduled");
  path = g_strdup_printf ("/whip/%s", lesson);
  auth = bearer (&f, lesson);
  prefix = g_strdup_printf ("%s/", path);

  {
    g_autoptr (LcTestResponse) r = post_offer (&f, path, auth, "application/sdp", GOOD_OFFER);
    SoupMessageHeadersIter iter;
    const char *name, *value;
    guint stun = 0, turn = 0;
    gint64 now = lc_time_now ();

    if (r->status != 201)
      g_test_message ("POST: %u %s", r->status, (const char *)g_bytes_get_data (r->body, NULL));
    g_assert_cmpuint (r->status, ==, 201);
    g_assert_cmpstr (soup_message_headers_get_content_type (r->headers, NULL), ==,
                     "application/sdp");
    g_assert_true (g_str_has_prefix (g_bytes_get_data (r->body, NULL), "v=0"));
    location = g_strdup (header (r, "Location"));
    etag = g_strdup (header (r, "ETag"));
    g_assert_true (g_str_has_prefix (location, prefix));
    g_assert_cmpuint (strlen (location), >, strlen (prefix));
    g_assert_true (etag[0] == '"' && etag[strlen (etag) - 1] == '"' && strlen (etag) > 2);
    g_assert_cmpstr (header (r, "Accept-Patch"), ==, "application/trickle-ice-sdpfrag");
    g_assert_cmpstr (header (r, "Access-Control-Allow-Origin"), ==, "*");
    g_assert_nonnull (strstr (header (r, "Access-Control-Expose-Headers"), "Location"));
    g_assert_nonnull (strstr (header (r, "Access-Control-Expose-Headers"), "ETag"));
    g_assert_nonnull (strstr (header (r, "Access-Control-Expose-Headers"), "Link"));

    /* One Link per server; TURN with time-limited coturn credentials for this session. */
    soup_message_headers_iter_init (&iter, r->headers);
    while (soup_message_headers_iter_next (&iter, &name, &value))
      {
        if (g_ascii_strcasecmp (name, "Link") != 0)
          continue;
        g_test_message ("Link: %s", value);
        g_assert_nonnull (strstr (value, "rel=\"ice-server\""));
        if (g_str_has_prefix (value, "<stun:127.0.0.1:3478>"))
          stun++;
        else if (g_str_has_prefix (value, "<turn:127.0.0.1:3478?transport=udp>"))
          {
            const char *user = strstr (value, "username=\"");
            gint64 expiry;

            turn++;
            g_assert_nonnull (user);
            expiry = g_ascii_strtoll (user + strlen ("username=\""), NULL, 10);
            g_assert_cmpint (expiry, >=, now + 600 - 5);
            g_assert_cmpint (expiry, <=, now + 600 + 5);
            g_assert_nonnull (strstr (value, "credential=\""));
            g_assert_nonnull (strstr (value, "credential-type=\"password\""));
          }
      }
    g_assert_cmpuint (stun, ==, 1);
    g_assert_cmpuint (turn, ==, 1);
  }

  /* The lesson has a publisher (still connecting): a second one is refused. */
  {
    g_autoptr (LcTestResponse) r = post_offer (&f, path, auth, "application/sdp", GOOD_OFFER);

    lc_test_assert_problem (r, 409, "conflict", NULL);
  }

  /* Trickle. */
  {
    g_autoptr (LcTestResponse) type
        = lc_test_request (f.ts, "PATCH", location, "a=end-of-candidates", NULL, "Content-Type",
                           "application/sdp", NULL);
    g_autoptr (LcTestResponse) plain = patch_fragment (&f, location, NULL, candidate);
    g_autoptr (LcTestResponse) matched
        = patch_fragment (&f, location, etag, "a=end-of-candidates\r\n");
    g_autoptr (LcTestResponse) stale
        = patch_fragment (&f, location, "\"stale\"", "a=end-of-candidates\r\n");
    g_autoptr (LcTestResponse) garbage = patch_fragment (&f, location, NULL, "a=candidate:x\r\n");

    lc_test_assert_problem (type, 415, "unsupported-media-type", NULL);
    g_assert_cmpuint (plain->status, ==, 204);
    g_assert_cmpuint (matched->status, ==, 204);
    lc_test_assert_problem (stale, 412, "precondition-failed", NULL);
    lc_test_assert_problem (garbage, 400, "malformed-request", NULL);
  }

  /* ICE restart: needs If-Match with the current ETag; a new ETag comes back. */
  {
    g_autoptr (LcTestResponse) missing = patch_fragment (&f, location, NULL, restart);
    g_autoptr (LcTestResponse) stale = patch_fragment (&f, location, "\"stale\"", restart);
    g_autoptr (LcTestResponse) ok = patch_fragment (&f, location, etag, restart);
    g_autoptr (LcTestResponse) old = NULL;
    g_autoptr (LcTestResponse) again = NULL;
    g_autoptr (LcTestResponse) trickle = NULL;

    lc_test_assert_problem (missing, 412, "precondition-failed", NULL);
    lc_test_assert_problem (stale, 412, "precondition-failed", NULL);
    if (ok->status != 200)
      g_test_message ("restart: %u %s", ok->status,
                      (const char *)g_bytes_get_data (ok->body, NULL));
    g_assert_cmpuint (ok->status, ==, 200);
    g_assert_cmpstr (soup_message_headers_get_content_type (ok->headers, NULL), ==,
                     "application/trickle-ice-sdpfrag");
    g_assert_nonnull (strstr (g_bytes_get_data (ok->body, NULL), "a=ice-ufrag:"));
    g_assert_nonnull (strstr (g_bytes_get_data (ok->body, NULL), "a=ice-pwd:"));
    etag2 = g_strdup (header (ok, "ETag"));
    g_assert_nonnull (etag2);
    g_assert_cmpstr (etag2, !=, etag);

    /* The old ETag is stale now; the new one works; the new ufrag is trickle. */
    old = patch_fragment (&f, location, etag, restart2);
    lc_test_assert_problem (old, 412, "precondition-failed", NULL);
    trickle = patch_fragment (
        &f, location, etag2,
        "a=ice-ufrag:efgh\r\na=ice-pwd:zyxwvutsrqponmlkjihgfedc\r\na=end-of-candidates\r\n");
    g_assert_cmpuint (trickle->status, ==, 204);
    again = patch_fragment (&f, location, etag2, restart2);
    g_assert_cmpuint (again->status, ==, 200);
    g_assert_cmpstr (header (again, "ETag"), !=, etag2);
  }

  /* DELETE: gone; the lesson never had media, so it is still scheduled. */
  {
    g_autoptr (LcTestResponse) del = lc_test_request (f.ts, "DELETE", location, NULL, NULL, NULL);
    g_autoptr (LcTestResponse) del2 = lc_test_request (f.ts, "DELETE", location, NULL, NULL, NULL);
    g_autoptr (LcTestResponse) patch
        = patch_fragment (&f, location, NULL, "a=end-of-candidates\r\n");
    g_autofree char *api = g_strdup_printf ("/api/v1/lessons/%s", lesson);
    g_autoptr (LcTestResponse) l = lc_test_request (f.ts, "GET", api, NULL, NULL, NULL);
    g_autoptr (LcTestResponse) again = post_offer (&f, path, auth, "application/sdp", GOOD_OFFER);
    g_autoptr (LcTestResponse) del3 = NULL;

    g_assert_cmpuint (del->status, ==, 200);
    lc_test_assert_problem (del2, 404, "not-found", NULL);
    lc_test_assert_problem (patch, 404, "not-found", NULL);
    g_assert_cmpstr (lc_test_json_string (l, "status"), ==, "scheduled");
    /* The publisher may come again. */
    g_assert_cmpuint (again->status, ==, 201);
    del3 = lc_test_request (f.ts, "DELETE", header (again, "Location"), NULL, NULL, NULL);
    g_assert_cmpuint (del3->status, ==, 200);
  }
  fixture_stop (&f);
}

/* ---- a real publisher ---- */

/* Offers a live lesson must shrug off. Each gets a 4xx. */
static const char *const bad_offers[] = {
  "hello",
  "v=0\r\n",
  "v=1\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n",
  "\xff\xfe\xfd not utf-8",
  "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video abc UDP/TLS/RTP/SAVPF 96\r\n",
  "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 999\r\n",
  "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n",
  OFFER_HEAD OFFER_MEDIA ("audio", "0", "0") "a=rtpmap:0 PCMU/8000\r\n",
  OFFER_HEAD OFFER_MEDIA ("video", "96",
                          "0") "a=rtpmap:96 H264/90000\r\n"
                               "a=fmtp:96 packetization-mode=0;profile-level-id=42e01f\r\n",
  OFFER_HEAD "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\n"
             "a=fingerprint:" FINGERPRINT "\r\na=rtpmap:111 opus/48000/2\r\n",
  OFFER_HEAD
  "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\n"
  "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=rtpmap:111 opus/48000/2\r\n",
  OFFER_HEAD "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=recvonly\r\n"
             "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
             "a=fingerprint:" FINGERPRINT "\r\na=rtpmap:111 opus/48000/2\r\n",
  OFFER_HEAD "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:xx\r\n",
  "v=0\r\nv=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n",
  OFFER_HEAD "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:a b\r\n",
  OFFER_HEAD "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"
             "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=fingerprint:" FINGERPRINT
             "\r\na=mid:0\r\n",
  "o=- 1 1 IN IP4 127.0.0.1\r\nv=0\r\n",
  OFFER_HEAD "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=fmtp:\r\n",
  NULL, /* replaced by a huge offer */
  NULL, /* replaced by one with thousands of m= lines */
};

static void
test_publish (void)
{
  Fixture f = { 0 };
  g_autofree char *lesson = NULL, *other = NULL, *key = NULL, *auth = NULL;
  g_autofree char *query_path = NULL, *path = NULL, *other_path = NULL, *whep = NULL;
  g_autofree char *api = NULL, *huge = NULL, *many = NULL, *other_auth = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (LcWebrtcClient) publisher = NULL;
  g_autoptr (LcWebrtcClient) viewer = NULL;
  guint status = 0;

  fixture_start (&f, NULL);
  lesson = seed_lesson (&f, "public", "scheduled");
  other = seed_lesson (&f, "public", "scheduled");
  key = publish_key (&f, lesson);
  auth = bearer (&f, lesson);
  other_auth = bearer (&f, other);
  path = g_strdup_printf ("/whip/%s", lesson);
  other_path = g_strdup_printf ("/whip/%s", other);
  whep = g_strdup_printf ("/whep/%s", lesson);
  api = g_strdup_printf ("/api/v1/lessons/%s", lesson);

  /* The key in the query, for encoders that cannot set headers. */
  query_path = g_strdup_printf ("/whip/%s?key=%s", lesson, key);
  publisher = start_client (&f, LC_CLIENT_PUBLISHER, query_path, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 201);
  g_assert_nonnull (lc_webrtc_client_get_location (publisher));
  g_assert_nonnull (lc_webrtc_client_get_etag (publisher));
  wait_status (&f, lesson, LC_LESSON_LIVE);

  {
    g_autoptr (LcTestResponse) r = lc_test_request (f.ts, "GET", api, NULL, NULL, NULL);
    JsonObject *live;

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (lc_test_json_string (r, "status"), ==, "live");
    live = json_object_get_object_member (json_node_get_object (r->json), "live");
    g_assert_nonnull (live);
    g_assert_cmpstr (json_object_get_string_member (live, "publisher"), ==, "connected");
    g_assert_nonnull (json_object_get_string_member (live, "started_at"));
    g_assert_cmpstr (json_object_get_string_member (live, "hls"), ==, "unavailable");
    g_assert_true (json_object_has_member (live, "viewers"));
  }

  /* A second publisher is refused while the first is connected. */
  {
    g_autoptr (LcTestResponse) r = post_offer (&f, path, auth, "application/sdp", GOOD_OFFER);

    lc_test_assert_problem (r, 409, "conflict", NULL);
  }

  viewer = start_client (&f, LC_CLIENT_VIEWER, whep, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 201);
  g_assert_true (lc_webrtc_client_wait_frames (viewer, 25, FRAMES_TIMEOUT_MS));

  /* 20 malformed offers, to this lesson and another: each a 4xx, nothing else moves. */
  huge = g_strnfill (70 * 1024, 'a');
  memcpy (huge, "v=0\r\n", 5);
  {
    GString *text = g_string_new (OFFER_HEAD);

    for (guint i = 0; i < 3000; i++)
      g_string_append_printf (text, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:%u\r\n", i);
    many = g_string_free (text, FALSE);
  }
  for (guint i = 0; i < G_N_ELEMENTS (bad_offers); i++)
    {
      const char *offer = bad_offers[i] != NULL                ? bad_offers[i]
                          : i == G_N_ELEMENTS (bad_offers) - 2 ? huge
                                                               : many;
      g_autoptr (LcTestResponse) r
          = post_offer (&f, i % 2 == 0 ? path : other_path, i % 2 == 0 ? auth : other_auth,
                        "application/sdp", offer);

      g_test_message ("bad offer %u: %u", i, r->status);
      g_assert_cmpuint (r->status, >=, 400);
      g_assert_cmpuint (r->status, <, 500);
      g_assert_cmpuint (r->status, !=, 409);
    }
  g_assert_true (lc_webrtc_client_wait_frames (viewer, 25, FRAMES_TIMEOUT_MS));
  {
    g_autofree char *other_api = g_strdup_printf ("/api/v1/lessons/%s", other);
    g_autoptr (LcTestResponse) r = lc_test_request (f.ts, "GET", other_api, NULL, NULL, NULL);

    g_assert_cmpstr (lc_test_json_string (r, "status"), ==, "scheduled");
  }

  /* DELETE ends the broadcast. */
  g_assert_cmpuint (lc_webrtc_client_delete (publisher, START_TIMEOUT_MS), ==, 200);
  wait_status (&f, lesson, LC_LESSON_ENDED);
  {
    g_autoptr (LcTestResponse) r = lc_test_request (f.ts, "GET", api, NULL, NULL, NULL);
    g_autoptr (LcTestResponse) again = post_offer (&f, path, auth, "application/sdp", GOOD_OFFER);
    g_autoptr (GPtrArray) events = NULL;
    LcAuditFilter filter = { 0 };

    g_assert_cmpstr (lc_test_json_string (r, "status"), ==, "ended");
    g_assert_true (
        json_node_is_null (json_object_get_member (json_node_get_object (r->json), "live")));
    lc_test_assert_problem (again, 403, "forbidden", NULL);

    filter.object_id = lesson;
    filter.action_prefix = "lesson.";
    events = lc_store_list_audit_events (lc_app_get_store (f.ts->app), &filter, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (events->len, ==, 2);
    g_assert_cmpstr (((LcAuditEvent *)g_ptr_array_index (events, 0))->action, ==, "lesson.ended");
    g_assert_cmpstr (((LcAuditEvent *)g_ptr_array_index (events, 1))->action, ==, "lesson.live");
  }
  fixture_stop (&f);
}

/* ---- configuration ---- */

static void
test_config (void)
{
  const char *bad[][2] = {
    { "webrtc.port_min=40000", NULL },
    { "webrtc.port_min=41000", "webrtc.port_max=40000" },
    { "webrtc.turn_servers=turn:turn.example.org:3478", NULL },
    { "webrtc.addresses=127.0.0.1,not-an-address", NULL },
    { "webrtc.public_address=203.0.113.5,203.0.113.6", NULL },
    { "webrtc.stun_servers=http://stun.example.org", NULL },
  };
  const char *good[][3] = {
    { "webrtc.port_min=40000", "webrtc.port_max=40999", NULL },
    { "webrtc.turn_servers=turn:turn.example.org:3478?transport=udp", "webrtc.turn_secret=s3cret",
      NULL },
    { "webrtc.addresses=127.0.0.1, ::1", "webrtc.public_address=203.0.113.5", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (LcConfig) config = lc_config_new ();
      g_autoptr (GError) error = NULL;

      for (guint j = 0; j < 2 && bad[i][j] != NULL; j++)
        {
          lc_config_set_assignment (config, bad[i][j], &error);
          g_assert_no_error (error);
        }
      g_assert_false (lc_config_validate (config, &error));
      g_assert_error (error, LC_ERROR, LC_ERROR_CONFIG);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, "webrtc."));
    }
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (LcConfig) config = lc_config_new ();
      g_autoptr (GError) error = NULL;

      for (guint j = 0; good[i][j] != NULL; j++)
        {
          lc_config_set_assignment (config, good[i][j], &error);
          g_assert_no_error (error);
        }
      g_assert_true (lc_config_validate (config, &error));
      g_assert_no_error (error);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/whip/config", test_config);
  g_test_add_func ("/whip/errors", test_errors);
  g_test_add_func ("/whip/rate-limit", test_rate_limit);
  g_test_add_func ("/whip/session-resource", test_session_resource);
  g_test_add_func ("/whip/publish", test_publish);
  return g_test_run ();
}
