/* test-app.c — the whole daemon in-process: health and readiness, the first
 * operator account (created and shown once, not again after a restart on the
 * same data dir), and the demo data with its live demo broadcast. */
#include <string.h>

#include "common/lc-store-sqlite.h"
#include "lc-test-util.h"
#include "server/lc-demo.h"
#include "signaling/lc-api.h"

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
count_first_start (const char *login, const char *password, gpointer user_data)
{
  (*(guint *)user_data)++;
}

static gboolean
server_is_quiet (gpointer data)
{
  LcTestServer *ts = data;

  return lc_http_server_get_connection_count (lc_app_get_http_server (ts->app)) == 0;
}

/* Stop ts->app and start a new one on the same config and data dir. */
static void
restart (LcTestServer *ts, gboolean demo, guint *first_start_calls)
{
  g_autoptr (GError) error = NULL;
  gboolean stopped = FALSE;

  soup_session_abort (ts->session);
  lc_test_wait_for (ts, server_is_quiet, ts, 30000);
  lc_app_stop (ts->app, G_CALLBACK (on_stopped), &stopped);
  lc_test_wait_for (ts, flag_is_set, &stopped, 30000);
  g_assert_cmpuint (G_OBJECT (ts->app)->ref_count, ==, 1);
  g_clear_object (&ts->app);

  ts->app = lc_app_new (ts->config);
  lc_app_set_first_start_writer (ts->app, count_first_start, first_start_calls);
  lc_app_start (ts->app, demo, &error);
  g_assert_no_error (error);
  g_free (ts->base_url);
  ts->base_url = lc_app_dup_base_url (ts->app);
}

static void
test_health (void)
{
  LcTestServer *ts = lc_test_server_start (NULL, FALSE);
  g_autoptr (LcTestResponse) health = lc_test_request (ts, "GET", "/healthz", NULL, NULL, NULL);
  g_autoptr (LcTestResponse) ready = lc_test_request (ts, "GET", "/readyz", NULL, NULL, NULL);
  g_autoptr (LcTestResponse) head = lc_test_request (ts, "HEAD", "/healthz", NULL, NULL, NULL);
  LcStore *store = lc_app_get_store (ts->app);

  g_assert_cmpuint (health->status, ==, 200);
  g_assert_cmpstr (lc_test_json_string (health, "status"), ==, "ok");
  g_assert_cmpuint (ready->status, ==, 200);
  g_assert_cmpstr (lc_test_json_string (ready, "status"), ==, "ready");
  g_assert_cmpint (lc_test_json_int (ready, "schema_version"), ==,
                   lc_store_get_latest_schema_version (store));
  g_assert_cmpint (lc_test_json_int (ready, "schema_version"), >=, 1);
  g_assert_cmpuint (head->status, ==, 200);
  g_assert_cmpuint (g_bytes_get_size (head->body), ==, 0);
  lc_test_server_stop (ts);
}

typedef struct
{
  LcTestServer fake; /* only context, base_url and session are used */
  LcHttpServer *http;
} BareServer;

static void
on_http_down (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
}

/* /readyz before lc_api_set_ready (TRUE): 503 with Retry-After. */
static void
test_not_ready (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LcStoreSqlite) store = NULL;
  g_autoptr (LcConfig) config = lc_config_new ();
  g_autoptr (LcApi) api = NULL;
  g_autoptr (LcTestResponse) not_ready = NULL;
  g_autoptr (LcTestResponse) ready = NULL;
  LcHttpLimits limits;
  BareServer bare = { 0 };
  gboolean down = FALSE;

  bare.fake.context = g_main_context_new ();
  g_main_context_push_thread_default (bare.fake.context);

  lc_config_set (config, "auth.kdf_cost", "10", &error);
  g_assert_no_error (error);
  store = lc_store_sqlite_open (":memory:", &error);
  g_assert_no_error (error);
  lc_store_migrate (LC_STORE (store), &error);
  g_assert_no_error (error);

  lc_http_limits_init_default (&limits);
  limits.log_requests = FALSE;
  bare.http = lc_http_server_new (&limits);
  api = lc_api_new (LC_STORE (store), config);
  lc_api_register (api, bare.http);
  lc_http_server_listen (bare.http, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  bare.fake.base_url = g_strdup_printf ("http://127.0.0.1:%u", lc_http_server_get_port (bare.http));
  bare.fake.session = soup_session_new ();
  soup_session_set_proxy_resolver (bare.fake.session, NULL);

  not_ready = lc_test_request (&bare.fake, "GET", "/readyz", NULL, NULL, NULL);
  lc_test_assert_problem (not_ready, 503, "unavailable", NULL);
  g_assert_nonnull (soup_message_headers_get_one (not_ready->headers, "Retry-After"));

  lc_api_set_ready (api, TRUE);
  ready = lc_test_request (&bare.fake, "GET", "/readyz", NULL, NULL, NULL);
  g_assert_cmpuint (ready->status, ==, 200);

  soup_session_abort (bare.fake.session);
  g_clear_object (&bare.fake.session);
  lc_http_server_shutdown (bare.http, 0, G_CALLBACK (on_http_down), &down);
  lc_test_wait_for (&bare.fake, flag_is_set, &down, 30000);
  g_clear_object (&bare.http);
  g_clear_object (&api);
  lc_store_close (LC_STORE (store));
  g_free (bare.fake.base_url);
  while (g_main_context_iteration (bare.fake.context, FALSE))
    ;
  g_main_context_pop_thread_default (bare.fake.context);
  g_main_context_unref (bare.fake.context);
}

static void
test_first_operator (void)
{
  LcTestServer *ts = lc_test_server_start (NULL, FALSE);
  g_autofree char *cookie = NULL;
  g_autoptr (LcTestResponse) me = NULL;
  g_autoptr (GError) error = NULL;
  guint first_start_calls = 0;

  g_assert_nonnull (ts->operator_login);
  g_assert_nonnull (ts->operator_password);
  g_assert_cmpuint (strlen (ts->operator_password), >=, 12);
  g_assert_cmpint (lc_store_count_accounts (lc_app_get_store (ts->app), LC_ROLE_OPERATOR, &error),
                   ==, 1);

  cookie = lc_test_login_cookie (ts, ts->operator_login, ts->operator_password);
  me = lc_test_request (ts, "GET", "/api/v1/auth/me", NULL, cookie, NULL);
  g_assert_cmpuint (me->status, ==, 200);
  g_assert_cmpstr (lc_test_json_string (me, "role"), ==, "operator");
  g_assert_cmpstr (lc_test_json_string (me, "login"), ==, ts->operator_login);

  /* A restart on the same data dir creates and shows no second operator; the
   * first one's password still works. */
  restart (ts, FALSE, &first_start_calls);
  g_assert_cmpuint (first_start_calls, ==, 0);
  g_assert_cmpint (lc_store_count_accounts (lc_app_get_store (ts->app), LC_ROLE_OPERATOR, &error),
                   ==, 1);
  g_assert_no_error (error);
  g_free (lc_test_login_cookie (ts, ts->operator_login, ts->operator_password));

  lc_test_server_stop (ts);
}

/* Live, with video flowing (the codec is known once the first video arrives). */
static gboolean
demo_is_live (gpointer data)
{
  LcTestServer *ts = data;
  g_autoptr (JsonNode) state
      = lc_live_dup_status_json (lc_app_get_live (ts->app), LC_DEMO_LIVE_LESSON_ID);

  return state != NULL
         && g_strcmp0 (json_object_get_string_member (json_node_get_object (state), "video_codec"),
                       "h264")
                == 0;
}

/* The demo lesson goes live with the synthetic source: public, not recorded,
 * its live state in the API, its HLS playlist served. */
static void
wait_demo_live (LcTestServer *ts)
{
  g_autoptr (LcTestResponse) lesson = NULL;
  g_autoptr (LcTestResponse) live = NULL;
  JsonObject *state;

  lc_test_wait_for (ts, demo_is_live, ts, 30000);
  lesson = lc_test_request (ts, "GET", "/api/v1/lessons/" LC_DEMO_LIVE_LESSON_ID, NULL, NULL, NULL);
  g_assert_cmpuint (lesson->status, ==, 200);
  g_assert_cmpstr (lc_test_json_string (lesson, "status"), ==, "live");
  g_assert_cmpstr (lc_test_json_string (lesson, "visibility"), ==, "public");
  g_assert_true (g_str_has_prefix (lc_test_json_string (lesson, "title"), "Демонстрационный урок"));
  g_assert_false (
      json_object_get_boolean_member (json_node_get_object (lesson->json), "recording"));
  live = lc_test_request (ts, "GET", "/api/v1/lessons/" LC_DEMO_LIVE_LESSON_ID "/live", NULL, NULL,
                          NULL);
  g_assert_cmpuint (live->status, ==, 200);
  g_assert_cmpstr (lc_test_json_string (live, "status"), ==, "live");
  state = json_object_get_object_member (json_node_get_object (live->json), "live");
  g_assert_nonnull (state);
  g_assert_cmpstr (json_object_get_string_member (state, "publisher"), ==, "connected");
  g_assert_cmpstr (json_object_get_string_member (state, "video_codec"), ==, "h264");
}

static void
test_demo (void)
{
  LcTestServer *ts = lc_test_server_start (NULL, TRUE);
  g_autofree char *op = lc_test_login_token (ts, ts->operator_login, ts->operator_password);
  g_autoptr (LcTestResponse) schools
      = lc_test_request (ts, "GET", "/api/v1/schools?limit=100", NULL, NULL, NULL);
  g_autoptr (LcTestResponse) districts
      = lc_test_request (ts, "GET", "/api/v1/districts", NULL, NULL, NULL);
  g_autoptr (LcTestResponse) public_lessons
      = lc_test_request (ts, "GET", "/api/v1/lessons?limit=100", NULL, NULL, NULL);
  g_autoptr (LcTestResponse) all_lessons
      = lc_test_request (ts, "GET", "/api/v1/lessons?limit=100", NULL, op, NULL);
  g_autoptr (LcTestResponse) again = NULL;
  JsonArray *school_items, *lesson_items;
  guint n_schools, first_start_calls = 0;

  school_items = lc_test_items (schools);
  n_schools = json_array_get_length (school_items);
  g_assert_cmpuint (n_schools, >=, 2);
  g_assert_cmpuint (json_array_get_length (lc_test_items (districts)), >=, 2);

  /* A coordinator and a teacher for every school. */
  for (guint i = 0; i < n_schools; i++)
    {
      const char *id
          = json_object_get_string_member (json_array_get_object_element (school_items, i), "id");
      g_autofree char *coordinators
          = g_strdup_printf ("/api/v1/accounts?school=%s&role=coordinator", id);
      g_autofree char *teachers = g_strdup_printf ("/api/v1/accounts?school=%s&role=teacher", id);
      g_autoptr (LcTestResponse) c = lc_test_request (ts, "GET", coordinators, NULL, op, NULL);
      g_autoptr (LcTestResponse) t = lc_test_request (ts, "GET", teachers, NULL, op, NULL);

      g_assert_cmpuint (json_array_get_length (lc_test_items (c)), >=, 1);
      g_assert_cmpuint (json_array_get_length (lc_test_items (t)), >=, 1);
    }

  /* Scheduled lessons; the public sees the public ones. The demo broadcast
   * is live (or about to be: its first media may still be on the way). */
  lesson_items = lc_test_items (public_lessons);
  g_assert_cmpuint (json_array_get_length (lesson_items), >=, 3);
  for (guint i = 0; i < json_array_get_length (lesson_items); i++)
    {
      JsonObject *lesson = json_array_get_object_element (lesson_items, i);
      const char *status = json_object_get_string_member (lesson, "status");

      g_assert_cmpstr (json_object_get_string_member (lesson, "visibility"), ==, "public");
      if (g_strcmp0 (json_object_get_string_member (lesson, "id"), LC_DEMO_LIVE_LESSON_ID) == 0)
        g_assert_true (g_strcmp0 (status, "live") == 0 || g_strcmp0 (status, "scheduled") == 0);
      else
        g_assert_cmpstr (status, ==, "scheduled");
    }
  wait_demo_live (ts);
  g_assert_cmpuint (json_array_get_length (lc_test_items (all_lessons)), >=,
                    json_array_get_length (lesson_items));

  /* Seeding again on a restart adds nothing; the demo broadcast ended with
   * the old process and goes live again with the new one. */
  restart (ts, TRUE, &first_start_calls);
  again = lc_test_request (ts, "GET", "/api/v1/schools?limit=100", NULL, NULL, NULL);
  g_assert_cmpuint (json_array_get_length (lc_test_items (again)), ==, n_schools);
  g_assert_cmpuint (first_start_calls, ==, 0);
  wait_demo_live (ts);

  lc_test_server_stop (ts);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/health", test_health);
  g_test_add_func ("/app/not-ready", test_not_ready);
  g_test_add_func ("/app/first-operator", test_first_operator);
  g_test_add_func ("/app/demo", test_demo);
  return g_test_run ();
}
