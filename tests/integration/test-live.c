/* test-live.c — a live lesson's lifecycle in the in-process server, ICE on
 * 127.0.0.1 only: the publisher drops (no DELETE) and reconnects within the
 * grace period → the same viewer decodes frames again, the same lesson and
 * recording go on; the publisher drops for good → after the grace the lesson
 * ends, HLS gets EXT-X-ENDLIST, the recording becomes ready and is served
 * with byte ranges (206, 416, If-Range, 304, HEAD) and deleted by a
 * coordinator; the HLS playlist and segment cache headers; lessons left
 * "live" by a dead process are ended at start-up; and the recordings API on
 * seeded rows (who sees what, paging, ranges, deletion) and the player pages. */
#include <string.h>

#include <glib/gstdio.h>

#include "common/lc-crypto.h"
#include "common/lc-store.h"
#include "common/lc-time.h"
#include "lc-test-fs.h"
#include "lc-test-util.h"
#include "lc-webrtc-client.h"

#define START_TIMEOUT_MS 30000
#define FRAMES_TIMEOUT_MS 20000
#define STATE_TIMEOUT_MS 30000
#define GRACE_S 6
#define PASSWORD "correct horse battery"

typedef struct
{
  LcTestServer *ts;
  char *school;
  char *teacher;
  char *coordinator;
  char *lesson;
} Fixture;

static const char *
header (LcTestResponse *resp, const char *name)
{
  return soup_message_headers_get_one (resp->headers, name);
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
  const char *publisher; /* "connected", "reconnecting", or NULL: live at all */
} PublisherWait;

static gboolean
publisher_is (gpointer data)
{
  PublisherWait *w = data;
  g_autoptr (JsonNode) state
      = lc_live_dup_status_json (lc_app_get_live (w->f->ts->app), w->f->lesson);

  return state != NULL
         && (w->publisher == NULL
             || g_strcmp0 (
                    json_object_get_string_member (json_node_get_object (state), "publisher"),
                    w->publisher)
                    == 0);
}

static void
wait_publisher (Fixture *f, const char *publisher)
{
  PublisherWait w = { f, publisher };

  lc_test_wait_for (f->ts, publisher_is, &w, STATE_TIMEOUT_MS);
}

static gboolean
lesson_ended (gpointer data)
{
  Fixture *f = data;
  g_autoptr (LcLesson) lesson
      = lc_store_get_lesson (lc_app_get_store (f->ts->app), f->lesson, NULL);

  return lesson != NULL && lesson->status == LC_LESSON_ENDED;
}

static GPtrArray *
list_recordings (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  LcRecordingFilter filter = { 0 };
  GPtrArray *recordings;

  filter.lesson_id = f->lesson;
  filter.state = -1;
  filter.scope = LC_LESSON_SCOPE_ALL;
  recordings = lc_store_list_recordings (lc_app_get_store (f->ts->app), &filter, &error);
  g_assert_no_error (error);
  return recordings;
}

static gboolean
recording_settled (gpointer data)
{
  g_autoptr (GPtrArray) recordings = list_recordings (data);
  LcRecording *r;

  if (recordings->len != 1)
    return FALSE;
  r = g_ptr_array_index (recordings, 0);
  return r->state == LC_RECORDING_READY || r->state == LC_RECORDING_FAILED;
}

/* The first "seg-N.ts" of a playlist. (transfer full) */
static char *
first_segment (const char *playlist)
{
  g_auto (GStrv) lines = g_strsplit (playlist, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (g_strstrip (lines[i]), "seg-"))
      return g_strdup (lines[i]);
  return NULL;
}

static LcTestResponse *
fetch_playlist (Fixture *f, LcWebrtcClient *viewer)
{
  g_autofree char *path = g_strdup_printf ("/hls/%s/index.m3u8", f->lesson);

  /* Wait for the first segments, letting the media flow meanwhile. */
  for (guint i = 0; i < 100; i++)
    {
      LcTestResponse *r = lc_test_request (f->ts, "GET", path, NULL, NULL, NULL);
      g_autofree char *segment = NULL;

      if (r->status == 200)
        segment = first_segment (g_bytes_get_data (r->body, NULL));
      if (segment != NULL)
        return r;
      lc_test_response_free (r);
      g_assert_true (lc_webrtc_client_wait_frames (viewer, 5, FRAMES_TIMEOUT_MS));
    }
  g_assert_not_reached ();
  return NULL;
}

static void
check_hls_live (Fixture *f, LcWebrtcClient *viewer)
{
  g_autoptr (LcTestResponse) playlist = fetch_playlist (f, viewer);
  g_autofree char *segment = first_segment (g_bytes_get_data (playlist->body, NULL));
  g_autofree char *segment_path = g_strdup_printf ("/hls/%s/%s", f->lesson, segment);
  g_autofree char *bogus = g_strdup_printf ("/hls/%s/index.m3u8.tmp", f->lesson);
  g_autofree char *bogus2 = g_strdup_printf ("/hls/%s/%s.tmp", f->lesson, segment);
  g_autofree char *traversal = g_strdup_printf ("/hls/%s/..%%2Flessoncast.db", f->lesson);
  g_autoptr (LcTestResponse) seg = lc_test_request (f->ts, "GET", segment_path, NULL, NULL, NULL);
  g_autoptr (LcTestResponse) head = lc_test_request (f->ts, "HEAD", segment_path, NULL, NULL, NULL);
  g_autoptr (LcTestResponse) r1 = lc_test_request (f->ts, "GET", bogus, NULL, NULL, NULL);
  g_autoptr (LcTestResponse) r2 = lc_test_request (f->ts, "GET", bogus2, NULL, NULL, NULL);
  g_autoptr (LcTestResponse) r3 = lc_test_request (f->ts, "GET", traversal, NULL, NULL, NULL);
  g_autoptr (LcTestResponse) r4
      = lc_test_request (f->ts, "GET", "/hls/AAAAAAAAAAAAAAAAAAAAAA/index.m3u8", NULL, NULL, NULL);

  g_assert_true (g_str_has_prefix (g_bytes_get_data (playlist->body, NULL), "#EXTM3U"));
  g_assert_cmpstr (soup_message_headers_get_content_type (playlist->headers, NULL), ==,
                   "application/vnd.apple.mpegurl");
  g_assert_cmpstr (header (playlist, "Cache-Control"), ==, "public, max-age=1");
  g_assert_cmpstr (header (playlist, "Access-Control-Allow-Origin"), ==, "*");
  g_assert_null (strstr (g_bytes_get_data (playlist->body, NULL), "#EXT-X-ENDLIST"));

  g_assert_cmpuint (seg->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (seg->headers, NULL), ==, "video/mp2t");
  g_assert_cmpstr (header (seg, "Cache-Control"), ==, "public, max-age=31536000, immutable");
  g_assert_cmpstr (header (seg, "Access-Control-Allow-Origin"), ==, "*");
  g_assert_nonnull (header (seg, "ETag"));
  g_assert_cmpuint (g_bytes_get_size (seg->body), >, 188);
  g_assert_cmpint (((const guint8 *)g_bytes_get_data (seg->body, NULL))[0], ==, 0x47); /* TS sync */
  g_assert_cmpuint (head->status, ==, 200);
  g_assert_cmpint (soup_message_headers_get_content_length (head->headers), ==,
                   (goffset)g_bytes_get_size (seg->body));
  lc_test_assert_problem (r1, 404, "not-found", NULL);
  lc_test_assert_problem (r2, 404, "not-found", NULL);
  g_assert_cmpuint (r3->status, ==, 404);
  lc_test_assert_problem (r4, 404, "not-found", NULL);
}

/* After a reconnect the playlist marks the discontinuity and goes on with
 * new segments. */
static void
wait_hls_discontinuity (Fixture *f, LcWebrtcClient *viewer)
{
  g_autofree char *path = g_strdup_printf ("/hls/%s/index.m3u8", f->lesson);

  for (guint i = 0; i < 200; i++)
    {
      g_autoptr (LcTestResponse) r = lc_test_request (f->ts, "GET", path, NULL, NULL, NULL);
      const char *text = g_bytes_get_data (r->body, NULL);
      const char *gap = r->status == 200 ? strstr (text, "#EXT-X-DISCONTINUITY\n") : NULL;

      if (gap != NULL && strstr (gap, "seg-") != NULL)
        return;
      g_assert_true (lc_webrtc_client_wait_frames (viewer, 5, FRAMES_TIMEOUT_MS));
    }
  g_assert_not_reached ();
}

static void
check_hls_ended (Fixture *f)
{
  g_autofree char *path = g_strdup_printf ("/hls/%s/index.m3u8", f->lesson);
  g_autoptr (LcTestResponse) r = lc_test_request (f->ts, "GET", path, NULL, NULL, NULL);

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_nonnull (strstr (g_bytes_get_data (r->body, NULL), "#EXT-X-ENDLIST"));
  g_assert_cmpstr (header (r, "Cache-Control"), ==, "public, max-age=3600");
}

/* ---- binary GETs (lc_test_request keeps bodies as strings: cut at the first NUL) ---- */

typedef struct
{
  gboolean done;
  GBytes *body;
} Fetch;

static void
on_fetched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fetch *fetch = user_data;

  fetch->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  fetch->done = TRUE;
}

static gboolean
fetch_done (gpointer data)
{
  return ((Fetch *)data)->done;
}

/* GET url with optional Range / If-Range: the response as LcTestResponse,
 * its body the exact bytes. */
static LcTestResponse *
get_range (Fixture *f, const char *url, const char *range, const char *if_range)
{
  g_autofree char *full_url = g_strconcat (f->ts->base_url, url, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", full_url);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  LcTestResponse *resp = g_new0 (LcTestResponse, 1);
  Fetch fetch = { 0 };

  if (range != NULL)
    soup_message_headers_replace (headers, "Range", range);
  if (if_range != NULL)
    soup_message_headers_replace (headers, "If-Range", if_range);
  soup_session_send_and_read_async (f->ts->session, msg, G_PRIORITY_DEFAULT, NULL, on_fetched,
                                    &fetch);
  lc_test_wait_for (f->ts, fetch_done, &fetch, 60000);
  g_assert_nonnull (fetch.body);
  resp->status = soup_message_get_status (msg);
  resp->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  resp->body = fetch.body;
  return resp;
}

static void
check_recording_file (Fixture *f, const char *url, gint64 size)
{
  g_autoptr (LcTestResponse) full = get_range (f, url, NULL, NULL);
  g_autoptr (LcTestResponse) head = lc_test_request (f->ts, "HEAD", url, NULL, NULL, NULL);
  g_autoptr (LcTestResponse) first = get_range (f, url, "bytes=0-99", NULL);
  g_autoptr (LcTestResponse) suffix = get_range (f, url, "bytes=-10", NULL);
  g_autoptr (LcTestResponse) open_end = get_range (f, url, "bytes=100-", NULL);
  g_autoptr (LcTestResponse) several = get_range (f, url, "bytes=0-1,5-6", NULL);
  g_autoptr (LcTestResponse) backwards = get_range (f, url, "bytes=5-2", NULL);
  g_autoptr (LcTestResponse) beyond = NULL;
  g_autoptr (LcTestResponse) stale = get_range (f, url, "bytes=0-99", "\"something-else\"");
  g_autoptr (LcTestResponse) fresh = NULL;
  g_autoptr (LcTestResponse) cached = NULL;
  g_autofree char *beyond_range = g_strdup_printf ("bytes=%" G_GINT64_FORMAT "-", size);
  g_autofree char *unsatisfied = g_strdup_printf ("bytes */%" G_GINT64_FORMAT, size);
  g_autofree char *first_range = g_strdup_printf ("bytes 0-99/%" G_GINT64_FORMAT, size);
  const guint8 *data;
  const char *etag;

  g_assert_cmpuint (full->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (full->headers, NULL), ==, "video/mp4");
  g_assert_cmpstr (header (full, "Accept-Ranges"), ==, "bytes");
  g_assert_true (g_str_has_prefix (header (full, "Content-Disposition"), "inline; filename="));
  g_assert_cmpint ((gint64)g_bytes_get_size (full->body), ==, size);
  data = g_bytes_get_data (full->body, NULL);
  g_assert_cmpint (memcmp (data + 4, "ftyp", 4), ==, 0);
  etag = header (full, "ETag");
  g_assert_nonnull (etag);

  g_assert_cmpuint (head->status, ==, 200);
  g_assert_cmpint (soup_message_headers_get_content_length (head->headers), ==, size);
  g_assert_cmpuint (g_bytes_get_size (head->body), ==, 0);

  g_assert_cmpuint (first->status, ==, 206);
  g_assert_cmpstr (header (first, "Content-Range"), ==, first_range);
  g_assert_cmpuint (g_bytes_get_size (first->body), ==, 100);
  g_assert_cmpint (memcmp (g_bytes_get_data (first->body, NULL), data, 100), ==, 0);

  g_assert_cmpuint (suffix->status, ==, 206);
  g_assert_cmpuint (g_bytes_get_size (suffix->body), ==, 10);
  g_assert_cmpint (memcmp (g_bytes_get_data (suffix->body, NULL), data + size - 10, 10), ==, 0);

  g_assert_cmpuint (open_end->status, ==, 206);
  g_assert_cmpint ((gint64)g_bytes_get_size (open_end->body), ==, size - 100);
  g_assert_cmpint (memcmp (g_bytes_get_data (open_end->body, NULL), data + 100, 10), ==, 0);

  /* Several ranges: the whole file. */
  g_assert_cmpuint (several->status, ==, 200);
  g_assert_cmpint ((gint64)g_bytes_get_size (several->body), ==, size);

  beyond = get_range (f, url, beyond_range, NULL);
  g_assert_cmpuint (beyond->status, ==, 416);
  g_assert_cmpstr (header (beyond, "Content-Range"), ==, unsatisfied);
  g_assert_cmpuint (backwards->status, ==, 416);

  /* If-Range: another version → the whole file; this one → the range. */
  g_assert_cmpuint (stale->status, ==, 200);
  g_assert_cmpint ((gint64)g_bytes_get_size (stale->body), ==, size);
  fresh = get_range (f, url, "bytes=0-99", etag);
  g_assert_cmpuint (fresh->status, ==, 206);
  g_assert_cmpuint (g_bytes_get_size (fresh->body), ==, 100);

  cached = lc_test_request (f->ts, "GET", url, NULL, NULL, "If-None-Match", etag, NULL);
  g_assert_cmpuint (cached->status, ==, 304);
}

static void
check_recording (Fixture *f)
{
  g_autoptr (GPtrArray) recordings = NULL;
  g_autofree char *list_path = g_strdup_printf ("/api/v1/recordings?lesson=%s", f->lesson);
  g_autofree char *lesson_path = g_strdup_printf ("/api/v1/lessons/%s", f->lesson);
  g_autofree char *teacher = NULL;
  g_autofree char *coordinator = NULL;
  g_autoptr (LcTestResponse) list = NULL;
  g_autoptr (LcTestResponse) lesson = NULL;
  g_autofree char *id = NULL, *url = NULL, *path = NULL, *file = NULL;
  JsonObject *item;
  LcRecording *rec;
  gint64 size;

  lc_test_wait_for (f->ts, recording_settled, f, STATE_TIMEOUT_MS);
  recordings = list_recordings (f);
  rec = g_ptr_array_index (recordings, 0);
  if (rec->state != LC_RECORDING_READY)
    g_test_message ("recording failed: %s", rec->failure_reason);
  g_assert_cmpint (rec->state, ==, LC_RECORDING_READY);
  file = g_build_filename (f->ts->data_dir, "recordings", rec->path, NULL);
  g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));

  list = lc_test_request (f->ts, "GET", list_path, NULL, NULL, NULL);
  g_assert_cmpuint (json_array_get_length (lc_test_items (list)), ==, 1);
  item = json_array_get_object_element (lc_test_items (list), 0);
  g_assert_cmpstr (json_object_get_string_member (item, "state"), ==, "ready");
  g_assert_cmpint (json_object_get_int_member (item, "duration_ms"), >, 5000);
  g_assert_cmpstr (json_object_get_string_member (item, "video_codec"), ==, "h264");
  id = g_strdup (json_object_get_string_member (item, "id"));
  url = g_strdup (json_object_get_string_member (item, "url"));
  size = json_object_get_int_member (item, "size_bytes");
  g_assert_cmpint (size, >, 1000);

  /* Shown on the lesson, too. */
  lesson = lc_test_request (f->ts, "GET", lesson_path, NULL, NULL, NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                        json_node_get_object (lesson->json), "recordings")),
                    ==, 1);

  check_recording_file (f, url, size);

  /* Deleting: not the teacher; a coordinator of the school. */
  path = g_strdup_printf ("/api/v1/recordings/%s", id);
  teacher = lc_test_login_token (f->ts, "teacher", PASSWORD);
  coordinator = lc_test_login_token (f->ts, "coordinator", PASSWORD);
  {
    g_autoptr (LcTestResponse) anon = lc_test_request (f->ts, "DELETE", path, NULL, NULL, NULL);
    g_autoptr (LcTestResponse) t = lc_test_request (f->ts, "DELETE", path, NULL, teacher, NULL);
    g_autoptr (LcTestResponse) c = lc_test_request (f->ts, "DELETE", path, NULL, coordinator, NULL);
    g_autoptr (LcTestResponse) gone = lc_test_request (f->ts, "GET", path, NULL, NULL, NULL);
    g_autoptr (LcTestResponse) gone_file = lc_test_request (f->ts, "GET", url, NULL, NULL, NULL);

    lc_test_assert_problem (anon, 401, "unauthorized", NULL);
    lc_test_assert_problem (t, 403, "forbidden", NULL);
    g_assert_cmpuint (c->status, ==, 204);
    lc_test_assert_problem (gone, 404, "not-found", NULL);
    lc_test_assert_problem (gone_file, 404, "not-found", NULL);
    g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
  }
}

static void
test_reconnect_and_end (void)
{
  g_autofree char *grace = g_strdup_printf ("lessons.publisher_grace=%d", GRACE_S);
  const char *overrides[] = { "webrtc.addresses=127.0.0.1", "whip.rate_limit=1000",   grace,
                              "hls.enabled=true",           "recording.enabled=true", NULL };
  Fixture f = { 0 };
  g_autofree char *key = NULL, *whip = NULL, *whep = NULL;
  g_autoptr (LcWebrtcClient) p1 = NULL;
  g_autoptr (LcWebrtcClient) p2 = NULL;
  g_autoptr (LcWebrtcClient) viewer = NULL;
  g_autoptr (LcLesson) lesson = NULL;
  gint64 t0;

  f.ts = lc_test_server_start (overrides, FALSE);
  f.school = lc_test_seed_school (f.ts, "Школа № 3", "Центр");
  f.teacher = lc_test_seed_account (f.ts, "teacher", "teacher", f.school, PASSWORD, TRUE);
  f.coordinator
      = lc_test_seed_account (f.ts, "coordinator", "coordinator", f.school, PASSWORD, TRUE);
  f.lesson = lc_test_seed_lesson (f.ts, f.school, f.teacher, lc_time_now (), "История", 8, "public",
                                  "scheduled");
  lesson = lc_store_get_lesson (lc_app_get_store (f.ts->app), f.lesson, NULL);
  key = g_strdup (lesson->publish_key);
  whip = g_strdup_printf ("/whip/%s", f.lesson);
  whep = g_strdup_printf ("/whep/%s", f.lesson);

  p1 = start_client (&f, LC_CLIENT_PUBLISHER, whip, key);
  wait_publisher (&f, "connected");
  viewer = start_client (&f, LC_CLIENT_VIEWER, whep, NULL);
  g_assert_true (lc_webrtc_client_wait_frames (viewer, 50, FRAMES_TIMEOUT_MS));
  check_hls_live (&f, viewer);

  /* The publisher's network goes away: the lesson waits for it. */
  lc_webrtc_client_drop (p1);
  wait_publisher (&f, "reconnecting");
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/lessons/%s/live", f.lesson);
    g_autoptr (LcTestResponse) r = lc_test_request (f.ts, "GET", path, NULL, NULL, NULL);
    JsonObject *live = json_object_get_object_member (json_node_get_object (r->json), "live");

    g_assert_cmpstr (lc_test_json_string (r, "status"), ==, "live");
    g_assert_cmpstr (json_object_get_string_member (live, "publisher"), ==, "reconnecting");
  }

  /* …and comes back within the grace period: the same viewer sees it again. */
  t0 = g_get_monotonic_time ();
  p2 = start_client (&f, LC_CLIENT_PUBLISHER, whip, key);
  wait_publisher (&f, "connected");
  g_assert_true (lc_webrtc_client_wait_frames (viewer, 25, FRAMES_TIMEOUT_MS));
  g_test_message ("viewer decoding again %.1f s after the reconnect",
                  (double)(g_get_monotonic_time () - t0) / G_USEC_PER_SEC);
  wait_hls_discontinuity (&f, viewer);
  g_assert_false (lesson_ended (&f));
  {
    g_autoptr (GPtrArray) recordings = list_recordings (&f);

    g_assert_cmpuint (recordings->len, ==, 1);
    g_assert_cmpint (((LcRecording *)g_ptr_array_index (recordings, 0))->state, ==,
                     LC_RECORDING_RECORDING);
  }

  /* Gone for good: the lesson ends after the grace period. */
  t0 = g_get_monotonic_time ();
  lc_webrtc_client_drop (p2);
  lc_test_wait_for (f.ts, lesson_ended, &f, STATE_TIMEOUT_MS + GRACE_S * 1000);
  g_test_message ("ended %.1f s after the drop",
                  (double)(g_get_monotonic_time () - t0) / G_USEC_PER_SEC);
  g_assert_cmpint (g_get_monotonic_time () - t0, >=, GRACE_S * G_USEC_PER_SEC);
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/lessons/%s/live", f.lesson);
    g_autoptr (LcTestResponse) r = lc_test_request (f.ts, "GET", path, NULL, NULL, NULL);

    g_assert_cmpstr (lc_test_json_string (r, "status"), ==, "ended");
    g_assert_true (
        json_node_is_null (json_object_get_member (json_node_get_object (r->json), "live")));
  }
  check_recording (&f);
  check_hls_ended (&f);

  lc_test_server_stop (f.ts);
  g_free (f.school);
  g_free (f.teacher);
  g_free (f.coordinator);
  g_free (f.lesson);
}

/* ---- start-up ---- */

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *)data;
}

static void
on_stopped (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
}

static void
test_stale_at_startup (void)
{
  LcTestServer *ts = lc_test_server_start (NULL, FALSE);
  g_autofree char *school = lc_test_seed_school (ts, "Школа № 4", "Центр");
  g_autofree char *teacher
      = lc_test_seed_account (ts, "teacher", "teacher", school, PASSWORD, FALSE);
  g_autofree char *stale
      = lc_test_seed_lesson (ts, school, teacher, lc_time_now (), "Музыка", 5, "public", "live");
  g_autofree char *scheduled = lc_test_seed_lesson (ts, school, teacher, lc_time_now () + 600,
                                                    "Музыка", 5, "public", "scheduled");
  g_autoptr (GError) error = NULL;
  g_autoptr (LcLesson) a = NULL;
  g_autoptr (LcLesson) b = NULL;
  g_autoptr (GPtrArray) events = NULL;
  LcAuditFilter filter = { 0 };
  gboolean stopped = FALSE;

  /* As if the process had died mid-lesson: a new one starts on the same data. */
  soup_session_abort (ts->session);
  lc_app_stop (ts->app, G_CALLBACK (on_stopped), &stopped);
  lc_test_wait_for (ts, flag_is_set, &stopped, 30000);
  g_clear_object (&ts->app);
  ts->app = lc_app_new (ts->config);
  lc_app_start (ts->app, FALSE, &error);
  g_assert_no_error (error);
  g_free (ts->base_url);
  ts->base_url = lc_app_dup_base_url (ts->app);

  a = lc_store_get_lesson (lc_app_get_store (ts->app), stale, &error);
  g_assert_no_error (error);
  g_assert_cmpint (a->status, ==, LC_LESSON_ENDED);
  b = lc_store_get_lesson (lc_app_get_store (ts->app), scheduled, &error);
  g_assert_no_error (error);
  g_assert_cmpint (b->status, ==, LC_LESSON_SCHEDULED);
  filter.object_id = stale;
  events = lc_store_list_audit_events (lc_app_get_store (ts->app), &filter, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 1);
  g_assert_cmpstr (((LcAuditEvent *)g_ptr_array_index (events, 0))->action, ==, "lesson.ended");
  lc_test_server_stop (ts);
}

/* ---- recordings API on seeded rows (no media) ---- */

/* A recording row and (for ready ones) a file of size bytes that starts like an MP4. */
static char *
seed_recording (LcTestServer *ts, const char *lesson_id, LcRecordingState state, gint64 started_at,
                gsize size)
{
  g_autoptr (LcRecording) rec = lc_recording_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *file = NULL;
  g_autofree guint8 *data = NULL;

  rec->id = lc_id_new ();
  rec->lesson_id = g_strdup (lesson_id);
  rec->state = state;
  rec->started_at = started_at;
  rec->video_codec = g_strdup ("h264");
  rec->audio_codec = g_strdup ("opus");
  if (state == LC_RECORDING_FAILED)
    rec->failure_reason = g_strdup ("disk full");
  if (state == LC_RECORDING_READY || state == LC_RECORDING_FAILED)
    {
      rec->ended_at = started_at + 60;
      rec->duration_ms = 60000;
      rec->path = g_strdup_printf ("%s/%s.mp4", lesson_id, rec->id);
      rec->size_bytes = (gint64)size;
      rec->sha256 = g_strnfill (64, 'a');
      dir = g_build_filename (ts->data_dir, "recordings", lesson_id, NULL);
      g_assert_cmpint (g_mkdir_with_parents (dir, 0750), ==, 0);
      file = g_build_filename (ts->data_dir, "recordings", rec->path, NULL);
      data = g_malloc (size);
      for (gsize i = 0; i < size; i++)
        data[i] = (guint8)(i * 7 + 3);
      memcpy (data + 4, "ftyp", 4);
      g_file_set_contents (file, (const char *)data, (gssize)size, &error);
      g_assert_no_error (error);
    }
  lc_store_insert_recording (lc_app_get_store (ts->app), rec, &error);
  g_assert_no_error (error);
  return g_strdup (rec->id);
}

static guint
count_items (LcTestServer *ts, const char *path, const char *auth)
{
  g_autoptr (LcTestResponse) r = lc_test_request (ts, "GET", path, NULL, auth, NULL);

  return json_array_get_length (lc_test_items (r));
}

static void
test_recordings_api (void)
{
  g_autofree char *web_root = g_dir_make_tmp ("lc-web-XXXXXX", NULL);
  g_autofree char *web_setting = g_strdup_printf ("server.web_root=%s", web_root);
  const char *overrides[] = { web_setting, NULL };
  Fixture f = { 0 };
  g_autofree char *unlisted = NULL, *other_school = NULL, *other_teacher = NULL;
  g_autofree char *ready = NULL, *failed = NULL, *hidden = NULL, *running = NULL;
  g_autofree char *coordinator = NULL, *op = NULL, *url = NULL, *cursor_path = NULL;
  gint64 now = lc_time_now ();

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *page
          = g_build_filename (web_root, i == 0 ? "studio.html" : "watch.html", NULL);

      g_assert_true (g_file_set_contents (
          page, i == 0 ? "<!doctype html>studio" : "<!doctype html>watch", -1, NULL));
    }
  f.ts = lc_test_server_start (overrides, FALSE);
  f.school = lc_test_seed_school (f.ts, "Школа № 6", "Центр");
  f.teacher = lc_test_seed_account (f.ts, "teacher", "teacher", f.school, PASSWORD, TRUE);
  f.coordinator
      = lc_test_seed_account (f.ts, "coordinator", "coordinator", f.school, PASSWORD, TRUE);
  other_school = lc_test_seed_school (f.ts, "Школа № 7", "Север");
  other_teacher = lc_test_seed_account (f.ts, "other", "teacher", other_school, PASSWORD, TRUE);
  f.lesson
      = lc_test_seed_lesson (f.ts, f.school, f.teacher, now - 3600, "Право", 10, "public", "ended");
  unlisted = lc_test_seed_lesson (f.ts, f.school, f.teacher, now - 7200, "Право", 10, "unlisted",
                                  "ended");
  ready = seed_recording (f.ts, f.lesson, LC_RECORDING_READY, now - 3600, 10000);
  failed = seed_recording (f.ts, f.lesson, LC_RECORDING_FAILED, now - 3500, 500);
  hidden = seed_recording (f.ts, unlisted, LC_RECORDING_READY, now - 7200, 2000);
  running = seed_recording (f.ts, f.lesson, LC_RECORDING_RECORDING, now - 100, 0);
  coordinator = lc_test_login_token (f.ts, "coordinator", PASSWORD);
  op = lc_test_login_token (f.ts, f.ts->operator_login, f.ts->operator_password);

  /* The public: ready recordings of public lessons; unlisted ones by the lesson's id. */
  g_assert_cmpuint (count_items (f.ts, "/api/v1/recordings", NULL), ==, 1);
  {
    g_autofree char *by_lesson = g_strdup_printf ("/api/v1/recordings?lesson=%s", unlisted);
    g_autofree char *by_public = g_strdup_printf ("/api/v1/recordings?lesson=%s", f.lesson);

    g_assert_cmpuint (count_items (f.ts, by_lesson, NULL), ==, 1);
    g_assert_cmpuint (count_items (f.ts, by_public, NULL), ==, 1);
    g_assert_cmpuint (count_items (f.ts, by_public, coordinator), ==, 3);
  }
  g_assert_cmpuint (count_items (f.ts, "/api/v1/recordings?state=failed", NULL), ==, 0);
  g_assert_cmpuint (count_items (f.ts, "/api/v1/recordings?state=failed", coordinator), ==, 1);
  g_assert_cmpuint (count_items (f.ts, "/api/v1/recordings", op), ==, 4);
  {
    g_autoptr (LcTestResponse) bad_state
        = lc_test_request (f.ts, "GET", "/api/v1/recordings?state=bogus", NULL, NULL, NULL);
    g_autoptr (LcTestResponse) bad_lesson
        = lc_test_request (f.ts, "GET", "/api/v1/recordings?lesson=x", NULL, NULL, NULL);
    g_autoptr (LcTestResponse) unknown
        = lc_test_request (f.ts, "GET", "/api/v1/recordings?sort=x", NULL, NULL, NULL);
    g_autoptr (LcTestResponse) page
        = lc_test_request (f.ts, "GET", "/api/v1/recordings?limit=3", NULL, op, NULL);
    g_autoptr (LcTestResponse) rest = NULL;
    const char *next;

    lc_test_assert_problem (bad_state, 422, "invalid-field", "state");
    lc_test_assert_problem (bad_lesson, 422, "invalid-field", "lesson");
    lc_test_assert_problem (unknown, 400, "malformed-request", NULL);
    /* Newest first, paged. */
    g_assert_cmpuint (json_array_get_length (lc_test_items (page)), ==, 3);
    g_assert_cmpstr (json_object_get_string_member (
                         json_array_get_object_element (lc_test_items (page), 0), "id"),
                     ==, running);
    next = lc_test_json_string (page, "next_cursor");
    g_assert_nonnull (next);
    cursor_path = g_strdup_printf ("/api/v1/recordings?limit=3&cursor=%s", next);
    rest = lc_test_request (f.ts, "GET", cursor_path, NULL, op, NULL);
    g_assert_cmpuint (json_array_get_length (lc_test_items (rest)), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (
                         json_array_get_object_element (lc_test_items (rest), 0), "id"),
                     ==, hidden);
  }

  /* One recording: the public sees ready ones only. */
  {
    g_autofree char *p_ready = g_strdup_printf ("/api/v1/recordings/%s", ready);
    g_autofree char *p_failed = g_strdup_printf ("/api/v1/recordings/%s", failed);
    g_autoptr (LcTestResponse) r = lc_test_request (f.ts, "GET", p_ready, NULL, NULL, NULL);
    g_autoptr (LcTestResponse) anon_failed
        = lc_test_request (f.ts, "GET", p_failed, NULL, NULL, NULL);
    g_autoptr (LcTestResponse) staff_failed
        = lc_test_request (f.ts, "GET", p_failed, NULL, coordinator, NULL);
    g_autofree char *lesson_path = g_strdup_printf ("/api/v1/lessons/%s", f.lesson);
    g_autoptr (LcTestResponse) lesson
        = lc_test_request (f.ts, "GET", lesson_path, NULL, NULL, NULL);
    g_autoptr (LcTestResponse) lesson_staff
        = lc_test_request (f.ts, "GET", lesson_path, NULL, coordinator, NULL);

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (lc_test_json_string (r, "state"), ==, "ready");
    g_assert_cmpstr (lc_test_json_string (r, "lesson_id"), ==, f.lesson);
    g_assert_cmpint (lc_test_json_int (r, "size_bytes"), ==, 10000);
    url = g_strdup (lc_test_json_string (r, "url"));
    g_assert_nonnull (url);
    lc_test_assert_problem (anon_failed, 404, "not-found", NULL);
    g_assert_cmpuint (staff_failed->status, ==, 200);
    g_assert_cmpstr (lc_test_json_string (staff_failed, "failure_reason"), ==, "disk full");
    g_assert_true (json_node_is_null (
        json_object_get_member (json_node_get_object (staff_failed->json), "url")));
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                          json_node_get_object (lesson->json), "recordings")),
                      ==, 1);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                          json_node_get_object (lesson_staff->json), "recordings")),
                      ==, 3);
  }

  check_recording_file (&f, url, 10000);
  {
    g_autofree char *running_file = g_strdup_printf ("/api/v1/recordings/%s/file", running);
    g_autoptr (LcTestResponse) r
        = lc_test_request (f.ts, "GET", running_file, NULL, coordinator, NULL);

    lc_test_assert_problem (r, 409, "conflict", NULL);
  }

  /* Deleting: a recording still being written is a conflict; others go with their file. */
  {
    g_autofree char *p_running = g_strdup_printf ("/api/v1/recordings/%s", running);
    g_autofree char *p_failed = g_strdup_printf ("/api/v1/recordings/%s", failed);
    g_autofree char *file = g_build_filename (f.ts->data_dir, "recordings", f.lesson, NULL);
    g_autofree char *failed_file = g_strdup_printf ("%s/%s.mp4", file, failed);
    g_autofree char *other_token = lc_test_login_token (f.ts, "other", PASSWORD);
    g_autoptr (LcTestResponse) busy
        = lc_test_request (f.ts, "DELETE", p_running, NULL, coordinator, NULL);
    g_autoptr (LcTestResponse) stranger
        = lc_test_request (f.ts, "DELETE", p_failed, NULL, other_token, NULL);
    g_autoptr (LcTestResponse) ok = NULL;
    g_autoptr (GPtrArray) events = NULL;
    g_autoptr (GError) error = NULL;
    LcAuditFilter filter = { 0 };

    lc_test_assert_problem (busy, 409, "conflict", NULL);
    g_assert_true (g_file_test (failed_file, G_FILE_TEST_EXISTS));
    g_assert_cmpuint (stranger->status, ==, 404); /* not even visible to another school */
    ok = lc_test_request (f.ts, "DELETE", p_failed, NULL, op, NULL);
    g_assert_cmpuint (ok->status, ==, 204);
    g_assert_false (g_file_test (failed_file, G_FILE_TEST_EXISTS));
    filter.action_prefix = "recording.";
    events = lc_store_list_audit_events (lc_app_get_store (f.ts->app), &filter, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (events->len, ==, 1);
    g_assert_cmpstr (((LcAuditEvent *)g_ptr_array_index (events, 0))->object_id, ==, failed);
  }

  /* The player pages: the same file for any lesson id. */
  {
    g_autoptr (LcTestResponse) studio
        = lc_test_request (f.ts, "GET", "/studio/anything", NULL, NULL, NULL);
    g_autofree char *watch_path = g_strdup_printf ("/watch/%s", f.lesson);
    g_autoptr (LcTestResponse) watch = lc_test_request (f.ts, "GET", watch_path, NULL, NULL, NULL);

    g_assert_cmpuint (studio->status, ==, 200);
    g_assert_cmpstr (g_bytes_get_data (studio->body, NULL), ==, "<!doctype html>studio");
    g_assert_cmpstr (soup_message_headers_get_content_type (studio->headers, NULL), ==,
                     "text/html");
    g_assert_nonnull (header (studio, "Content-Security-Policy"));
    g_assert_cmpuint (watch->status, ==, 200);
    g_assert_cmpstr (g_bytes_get_data (watch->body, NULL), ==, "<!doctype html>watch");
  }

  lc_test_server_stop (f.ts);
  lc_test_fs_assert_remove_tree (web_root);
  g_free (f.school);
  g_free (f.teacher);
  g_free (f.coordinator);
  g_free (f.lesson);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/live/stale-at-startup", test_stale_at_startup);
  g_test_add_func ("/live/recordings-api", test_recordings_api);
  g_test_add_func ("/live/reconnect-and-end", test_reconnect_and_end);
  return g_test_run ();
}
