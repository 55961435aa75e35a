/* lc-test-util.c — shared test helpers: a real lessoncast (LcApp) started
 * in-process on port 0 with a fresh temporary data dir, and a libsoup client
 * whose requests run asynchronously while the test iterates the same
 * thread-default context the server lives on (a synchronous libsoup call
 * would deadlock: nobody would be left to answer). */
#include "lc-test-util.h"
#include "lc-test-fs.h"

#include <glib/gstdio.h>
#include <string.h>

#include "common/lc-config.h"
#include "common/lc-crypto.h"
#include "common/lc-model.h"
#include "common/lc-password.h"
#include "common/lc-store.h"
#include "common/lc-time.h"

/* Generous: a request on loopback takes milliseconds, but sanitizer builds on
 * a loaded CI machine are slow. */
#define REQUEST_TIMEOUT_MS 60000

static void
capture_first_start (const char *login, const char *password, gpointer user_data)
{
  LcTestServer *ts = user_data;

  g_free (ts->operator_login);
  g_free (ts->operator_password);
  ts->operator_login = g_strdup (login);
  ts->operator_password = g_strdup (password);
}

LcTestServer *
lc_test_server_start (const char *const *overrides, gboolean demo)
{
  LcTestServer *ts = g_new0 (LcTestServer, 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *data_dir_setting = NULL;

  ts->context = g_main_context_new ();
  g_main_context_push_thread_default (ts->context);

  ts->data_dir = g_dir_make_tmp ("lessoncast-test-XXXXXX", &error);
  g_assert_no_error (error);

  ts->config = lc_config_new ();
  data_dir_setting = g_strdup_printf ("server.data_dir=%s", ts->data_dir);
  {
    const char *defaults[] = { "server.listen=127.0.0.1:0", data_dir_setting, "auth.kdf_cost=10",
                               "log.requests=false", NULL };

    for (guint i = 0; defaults[i] != NULL; i++)
      {
        lc_config_set_assignment (ts->config, defaults[i], &error);
        g_assert_no_error (error);
      }
  }
  for (guint i = 0; overrides != NULL && overrides[i] != NULL; i++)
    {
      lc_config_set_assignment (ts->config, overrides[i], &error);
      g_assert_no_error (error);
    }
  lc_config_validate (ts->config, &error);
  g_assert_no_error (error);

  ts->app = lc_app_new (ts->config);
  lc_app_set_first_start_writer (ts->app, capture_first_start, ts);
  lc_app_start (ts->app, demo, &error);
  g_assert_no_error (error);

  ts->base_url = lc_app_dup_base_url (ts->app);
  ts->session = soup_session_new ();
  /* Loopback only, and no GSettings lookup of proxy settings (tests isolate
   * XDG dirs, where no schemas are installed). */
  soup_session_set_proxy_resolver (ts->session, NULL);
  return ts;
}

static gboolean
on_done_flag (gpointer data)
{
  return *(gboolean *)data;
}


static void
on_app_stopped (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
}

void
lc_test_server_stop (LcTestServer *ts)
{
  gboolean stopped = FALSE;

  if (ts == NULL)
    return;

  soup_session_abort (ts->session);
  g_clear_object (&ts->session);
  /* No waiting for the server to notice the closed client connections: the
   * stop below must cope with connections still in its table (a regression
   * test for a use-after-free when shutdown closed several at once). */

  lc_app_stop (ts->app, G_CALLBACK (on_app_stopped), &stopped);
  lc_test_wait_for (ts, on_done_flag, &stopped, 30000);
  /* Let sources released by the shutdown run their destroy notifies. */
  while (g_main_context_iteration (ts->context, FALSE))
    ;
  g_assert_cmpuint (G_OBJECT (ts->app)->ref_count, ==, 1);
  g_clear_object (&ts->app);
  g_clear_pointer (&ts->config, lc_config_unref);

  lc_test_fs_remove_tree (ts->data_dir, NULL);
  g_assert_false (g_file_test (ts->data_dir, G_FILE_TEST_EXISTS));

  g_main_context_pop_thread_default (ts->context);
  g_main_context_unref (ts->context);
  g_free (ts->data_dir);
  g_free (ts->base_url);
  g_free (ts->operator_login);
  g_free (ts->operator_password);
  g_free (ts);
}

void
lc_test_response_free (LcTestResponse *resp)
{
  if (resp == NULL)
    return;
  g_clear_pointer (&resp->headers, soup_message_headers_unref);
  g_clear_pointer (&resp->body, g_bytes_unref);
  g_clear_pointer (&resp->json, json_node_unref);
  g_free (resp);
}

typedef struct
{
  gboolean done;
  GBytes *body;
  GError *error;
} SendState;

static void
on_send_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SendState *state = user_data;

  state->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &state->error);
  state->done = TRUE;
}

static gboolean
is_json_type (const char *content_type)
{
  return content_type != NULL
         && (g_str_has_prefix (content_type, "application/json")
             || g_str_has_prefix (content_type, "application/problem+json"));
}

LcTestResponse *
lc_test_request (LcTestServer *ts, const char *method, const char *path, const char *body_json,
                 const char *auth, ...)
{
  g_autoptr (SoupMessage) msg = NULL;
  g_autofree char *url = g_strconcat (ts->base_url, path, NULL);
  SoupMessageHeaders *headers;
  LcTestResponse *resp;
  SendState state = { 0 };
  const char *name;
  va_list args;

  msg = soup_message_new (method, url);
  g_assert_nonnull (msg);
  headers = soup_message_get_request_headers (msg);

  if (body_json != NULL)
    {
      g_autoptr (GBytes) bytes = g_bytes_new (body_json, strlen (body_json));

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  if (auth != NULL)
    {
      if (g_str_has_prefix (auth, "Cookie: "))
        soup_message_headers_replace (headers, "Cookie", auth + strlen ("Cookie: "));
      else
        soup_message_headers_replace (headers, "Authorization", auth);
    }

  va_start (args, auth);
  while ((name = va_arg (args, const char *)) != NULL)
    {
      const char *value = va_arg (args, const char *);

      soup_message_headers_replace (headers, name, value);
    }
  va_end (args);

  soup_session_send_and_read_async (ts->session, msg, G_PRIORITY_DEFAULT, NULL, on_send_done,
                                    &state);
  lc_test_wait_for (ts, on_done_flag, &state.done, REQUEST_TIMEOUT_MS);

  resp = g_new0 (LcTestResponse, 1);
  resp->status = soup_message_get_status (msg);
  resp->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  /* Copy the body with a NUL after it (not counted) so tests may read it as a string. */
  if (state.body != NULL)
    {
      gsize size = 0;
      const char *data = g_bytes_get_data (state.body, &size);
      /* Byte-exact (g_strndup would stop at the first NUL of a binary body). */
      char *copy = g_malloc (size + 1);

      if (size > 0)
        memcpy (copy, data, size);
      copy[size] = '\0';
      resp->body = g_bytes_new_take (copy, size);
      g_bytes_unref (state.body);
    }
  else
    resp->body = g_bytes_new_take (g_strdup (""), 0);
  if (state.error != NULL)
    {
      g_test_message ("%s %s: %s", method, path, state.error->message);
      g_clear_error (&state.error);
    }

  if (g_bytes_get_size (resp->body) > 0
      && is_json_type (soup_message_headers_get_content_type (resp->headers, NULL)))
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      gsize size = 0;
      const char *data = g_bytes_get_data (resp->body, &size);

      if (json_parser_load_from_data (parser, data, (gssize)size, NULL))
        resp->json = json_node_copy (json_parser_get_root (parser));
    }
  return resp;
}

/* The value of the lc_session cookie set by a response, or NULL. (transfer full) */
static char *
find_set_cookie (SoupMessageHeaders *headers)
{
  SoupMessageHeadersIter iter;
  const char *name, *value;

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      const char *end;

      if (g_ascii_strcasecmp (name, "Set-Cookie") != 0 || !g_str_has_prefix (value, "lc_session="))
        continue;
      value += strlen ("lc_session=");
      end = strchr (value, ';');
      return end != NULL ? g_strndup (value, (gsize)(end - value)) : g_strdup (value);
    }
  return NULL;
}

char *
lc_test_login_cookie (LcTestServer *ts, const char *login, const char *password)
{
  g_autoptr (LcTestResponse) resp = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *body = NULL;
  g_autofree char *cookie = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "login");
  json_builder_add_string_value (builder, login);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, password);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  body = json_to_string (root, FALSE);

  resp = lc_test_request (ts, "POST", "/api/v1/auth/login", body, NULL, NULL);
  g_assert_cmpuint (resp->status, ==, 200);
  cookie = find_set_cookie (resp->headers);
  g_assert_nonnull (cookie);
  g_assert_cmpstr (cookie, !=, "");
  return g_strdup_printf ("Cookie: lc_session=%s", cookie);
}

char *
lc_test_login_token (LcTestServer *ts, const char *login, const char *password)
{
  g_autofree char *cookie = lc_test_login_cookie (ts, login, password);
  g_autoptr (LcTestResponse) resp = NULL;
  const char *token;

  resp = lc_test_request (ts, "POST", "/api/v1/auth/tokens", "{\"name\":\"test\"}", cookie,
                          "Origin", ts->base_url, NULL);
  g_assert_cmpuint (resp->status, ==, 201);
  token = lc_test_json_string (resp, "token");
  g_assert_nonnull (token);
  return g_strdup_printf ("Bearer %s", token);
}

char *
lc_test_create (LcTestServer *ts, const char *path, const char *body_json, const char *auth)
{
  g_autoptr (LcTestResponse) resp = lc_test_request (ts, "POST", path, body_json, auth, NULL);

  if (resp->status != 201)
    g_test_message ("POST %s: %u %s", path, resp->status,
                    (const char *)g_bytes_get_data (resp->body, NULL));
  g_assert_cmpuint (resp->status, ==, 201);
  return g_strdup (lc_test_json_string (resp, "id"));
}

char *
lc_test_operator_token (LcTestServer *ts)
{
  return lc_test_login_token (ts, ts->operator_login, ts->operator_password);
}

JsonObject *
lc_test_json_object (LcTestResponse *resp)
{
  g_assert_nonnull (resp->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (resp->json));
  return json_node_get_object (resp->json);
}

char *
lc_test_time_from_now (gint64 seconds)
{
  return lc_time_format_rfc3339 (lc_time_now () + seconds);
}

guint
lc_test_count_audit (LcTestServer *ts, const char *action_prefix, const char *object_id)
{
  LcAuditFilter filter = { .action_prefix = action_prefix, .object_id = object_id };
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (GError) error = NULL;

  events = lc_store_list_audit_events (lc_app_get_store (ts->app), &filter, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (events);
  return events->len;
}

const char *
lc_test_json_string (LcTestResponse *resp, const char *member)
{
  JsonObject *o;
  JsonNode *node;

  if (resp->json == NULL || !JSON_NODE_HOLDS_OBJECT (resp->json))
    return NULL;
  o = json_node_get_object (resp->json);
  node = json_object_get_member (o, member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

gint64
lc_test_json_int (LcTestResponse *resp, const char *member)
{
  JsonObject *o;
  JsonNode *node;

  g_assert_nonnull (resp->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (resp->json));
  o = json_node_get_object (resp->json);
  node = json_object_get_member (o, member);
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_INT64);
  return json_node_get_int (node);
}

static gboolean
on_wait_timeout (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

void
lc_test_wait_for (LcTestServer *ts, gboolean (*cond) (gpointer), gpointer data, guint timeout_ms)
{
  gboolean timed_out = FALSE;
  GSource *timeout = g_timeout_source_new (timeout_ms);

  g_source_set_callback (timeout, on_wait_timeout, &timed_out, NULL);
  g_source_attach (timeout, ts->context);
  while (!cond (data) && !timed_out)
    g_main_context_iteration (ts->context, TRUE);
  g_source_destroy (timeout);
  g_source_unref (timeout);
  g_assert_false (timed_out);
}

char *
lc_test_seed_school (LcTestServer *ts, const char *short_name, const char *district)
{
  g_autoptr (LcSchool) school = lc_school_new ();
  g_autoptr (GError) error = NULL;

  school->id = lc_id_new ();
  school->name = g_strdup_printf ("%s (full name)", short_name);
  school->short_name = g_strdup (short_name);
  school->district = g_strdup (district);
  school->created_at = school->updated_at = lc_time_now ();
  lc_store_insert_school (lc_app_get_store (ts->app), school, &error);
  g_assert_no_error (error);
  return g_strdup (school->id);
}

char *
lc_test_seed_account (LcTestServer *ts, const char *login, const char *role, const char *school_id,
                      const char *password, gboolean consent_publish_name)
{
  g_autoptr (LcAccount) account = lc_account_new ();
  g_autoptr (GError) error = NULL;
  LcKdfParams kdf;
  gboolean ok;

  lc_kdf_params_init_default (&kdf);
  kdf.log2_n = (int)lc_config_get_int (ts->config, "auth.kdf_cost");
  account->id = lc_id_new ();
  account->login = g_strdup (login);
  account->display_name = g_strdup_printf ("%s (display)", login);
  ok = lc_role_from_string (role, &account->role);
  g_assert_true (ok);
  account->school_id = g_strdup (school_id);
  account->password_hash = lc_password_hash (password, &kdf, &error);
  g_assert_no_error (error);
  account->consent_publish_name = consent_publish_name;
  account->created_at = account->updated_at = account->password_changed_at = lc_time_now ();
  lc_store_insert_account (lc_app_get_store (ts->app), account, &error);
  g_assert_no_error (error);
  return g_strdup (account->id);
}

void
lc_test_seed_staff (LcTestServer *ts, const LcTestStaff *staff, gsize n_staff, const char *password)
{
  for (gsize i = 0; i < n_staff; i++)
    {
      char *id = lc_test_seed_account (ts, staff[i].login, staff[i].role, staff[i].school_id,
                                       password, staff[i].consent_publish_name);

      if (staff[i].id != NULL)
        *staff[i].id = id;
      else
        g_free (id);
    }
  for (gsize i = 0; i < n_staff; i++)
    if (staff[i].auth != NULL)
      *staff[i].auth = lc_test_login_token (ts, staff[i].login, password);
}

char *
lc_test_seed_lesson (LcTestServer *ts, const char *school_id, const char *teacher_id,
                     gint64 starts_at, const char *subject, int grade, const char *visibility,
                     const char *status)
{
  g_autoptr (LcLesson) lesson = lc_lesson_new ();
  g_autoptr (GError) error = NULL;
  gboolean ok;

  lesson->id = lc_id_new ();
  lesson->title = g_strdup_printf ("%s lesson", subject);
  lesson->description = g_strdup ("");
  lesson->subject = g_strdup (subject);
  lesson->grade = grade;
  lesson->school_id = g_strdup (school_id);
  lesson->teacher_id = g_strdup (teacher_id);
  lesson->starts_at = starts_at;
  lesson->ends_at = starts_at + 45 * 60;
  ok = lc_visibility_from_string (visibility, &lesson->visibility);
  g_assert_true (ok);
  lesson->recording = TRUE;
  ok = lc_lesson_status_from_string (status, &lesson->status);
  g_assert_true (ok);
  lesson->publish_key = lc_secret_new ("lpk");
  lesson->created_at = lesson->updated_at = lc_time_now ();
  lc_store_insert_lesson (lc_app_get_store (ts->app), lesson, &error);
  g_assert_no_error (error);
  return g_strdup (lesson->id);
}

void
lc_test_assert_problem_at (const char *where, LcTestResponse *resp, guint status, const char *slug,
                           const char *field)
{
  const char *content_type = soup_message_headers_get_content_type (resp->headers, NULL);
  g_autofree char *type = NULL;

  if (resp->status != status)
    g_test_message ("%s: expected %u, got %u: %.*s", where, status, resp->status,
                    (int)MIN (g_bytes_get_size (resp->body), 400),
                    (const char *)g_bytes_get_data (resp->body, NULL));
  g_assert_cmpuint (resp->status, ==, status);
  g_assert_cmpstr (content_type, ==, "application/problem+json");
  g_assert_nonnull (resp->json);
  g_assert_cmpint (lc_test_json_int (resp, "status"), ==, status);
  g_assert_nonnull (lc_test_json_string (resp, "title"));
  if (slug != NULL)
    {
      type = g_strconcat ("urn:lessoncast:problem:", slug, NULL);
      g_assert_cmpstr (lc_test_json_string (resp, "type"), ==, type);
    }
  if (field != NULL)
    g_assert_cmpstr (lc_test_json_string (resp, "field"), ==, field);
}

JsonArray *
lc_test_items (LcTestResponse *resp)
{
  JsonObject *o;

  if (resp->status != 200)
    g_test_message ("expected 200, got %u: %.*s", resp->status,
                    (int)MIN (g_bytes_get_size (resp->body), 400),
                    (const char *)g_bytes_get_data (resp->body, NULL));
  g_assert_cmpuint (resp->status, ==, 200);
  g_assert_nonnull (resp->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (resp->json));
  o = json_node_get_object (resp->json);
  g_assert_true (json_object_has_member (o, "items"));
  return json_object_get_array_member (o, "items");
}
