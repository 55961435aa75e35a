/* test-api-auth.c — /api/v1/auth against the real server: login and its
 * cookie, the login slow-down (429), audit of logins, logout, me, password
 * change and session revocation, personal API tokens, CSRF, and the generic
 * 400/401/404/405/413/415/422 answers. */
#include <string.h>

#include "common/lc-password.h"
#include "common/lc-store.h"
#include "lc-test-util.h"

#define PASSWORD "Teacher-pass-2026"

typedef struct
{
  LcTestServer *ts;
  char *school;
  char *teacher; /* id of login "teacher" */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->ts = lc_test_server_start (data, FALSE);
  f->school = lc_test_seed_school (f->ts, "School 57", "Central");
  f->teacher = lc_test_seed_account (f->ts, "teacher", "teacher", f->school, PASSWORD, FALSE);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  lc_test_server_stop (f->ts);
  g_free (f->school);
  g_free (f->teacher);
}

static char *
login_body (const char *login, const char *password)
{
  return g_strdup_printf ("{\"login\":\"%s\",\"password\":\"%s\"}", login, password);
}

static LcTestResponse *
login (Fixture *f, const char *login_name, const char *password)
{
  g_autofree char *body = login_body (login_name, password);

  return lc_test_request (f->ts, "POST", "/api/v1/auth/login", body, NULL, NULL);
}

static const char *
find_header_value (LcTestResponse *resp, const char *name, const char *prefix)
{
  SoupMessageHeadersIter iter;
  const char *n, *v;

  soup_message_headers_iter_init (&iter, resp->headers);
  while (soup_message_headers_iter_next (&iter, &n, &v))
    if (g_ascii_strcasecmp (n, name) == 0 && g_str_has_prefix (v, prefix))
      return v;
  return NULL;
}

static void
assert_unauthorized (LcTestResponse *resp)
{
  lc_test_assert_problem (resp, 401, "unauthorized", NULL);
  g_assert_cmpstr (soup_message_headers_get_one (resp->headers, "WWW-Authenticate"), ==,
                   "Bearer realm=\"lessoncast\"");
}

static void
test_login_success (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestResponse) resp
      = login (f, "Teacher", PASSWORD); /* logins are case-insensitive */
  g_autoptr (LcTestResponse) me = NULL;
  g_autofree char *cookie_auth = NULL;
  const char *cookie;
  JsonObject *account;
  const char *value_end;

  g_assert_cmpuint (resp->status, ==, 200);
  account = json_object_get_object_member (json_node_get_object (resp->json), "account");
  g_assert_cmpstr (json_object_get_string_member (account, "id"), ==, f->teacher);
  g_assert_cmpstr (json_object_get_string_member (account, "login"), ==, "teacher");
  g_assert_cmpstr (json_object_get_string_member (account, "role"), ==, "teacher");
  g_assert_false (json_object_has_member (account, "password_hash"));
  g_assert_null (strstr (g_bytes_get_data (resp->body, NULL), "$scrypt$"));
  g_assert_true (g_str_has_suffix (lc_test_json_string (resp, "session_expires_at"), "Z"));

  cookie = find_header_value (resp, "Set-Cookie", "lc_session=");
  g_assert_nonnull (cookie);
  g_assert_true (g_str_has_prefix (cookie, "lc_session=lcs_"));
  g_assert_nonnull (strstr (cookie, "; Path=/"));
  g_assert_nonnull (strstr (cookie, "; HttpOnly"));
  g_assert_nonnull (strstr (cookie, "; SameSite=Lax"));
  g_assert_nonnull (strstr (cookie, "; Max-Age=604800"));
  g_assert_null (strstr (cookie, "Secure")); /* plain http */

  value_end = strchr (cookie, ';');
  cookie_auth = g_strdup_printf ("Cookie: %.*s", (int)(value_end - cookie), cookie);
  me = lc_test_request (f->ts, "GET", "/api/v1/auth/me", NULL, cookie_auth, NULL);
  g_assert_cmpuint (me->status, ==, 200);
  g_assert_cmpstr (lc_test_json_string (me, "id"), ==, f->teacher);

  g_assert_cmpuint (lc_test_count_audit (f->ts, "login.success", f->teacher), ==, 1);
}

static void
test_login_secure_cookie (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestResponse) resp = login (f, "teacher", PASSWORD);
  const char *cookie = find_header_value (resp, "Set-Cookie", "lc_session=");

  g_assert_cmpuint (resp->status, ==, 200);
  g_assert_nonnull (cookie);
  g_assert_nonnull (strstr (cookie, "; Secure"));
  g_assert_nonnull (strstr (cookie, "; Max-Age=3600"));
}

static void
test_login_failures (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestResponse) wrong = login (f, "teacher", "Wrong-password-1");
  g_autoptr (LcTestResponse) unknown = login (f, "nobody", PASSWORD);
  g_autoptr (LcTestResponse) disabled = NULL;
  g_autoptr (LcTestResponse) audit = NULL;
  g_autofree char *disabled_id = NULL;
  g_autofree char *op = NULL;
  JsonArray *items;
  guint failures = 0;

  assert_unauthorized (wrong);
  assert_unauthorized (unknown);
  /* The same answer whether the login exists or not. */
  g_assert_cmpstr (lc_test_json_string (wrong, "detail"), ==,
                   lc_test_json_string (unknown, "detail"));
  g_assert_null (find_header_value (wrong, "Set-Cookie", "lc_session="));

  disabled_id = lc_test_seed_account (f->ts, "gone", "teacher", f->school, PASSWORD, FALSE);
  {
    LcStore *store = lc_app_get_store (f->ts->app);
    g_autoptr (LcAccount) account = lc_store_get_account (store, disabled_id, NULL);

    account->disabled = TRUE;
    g_assert_true (lc_store_update_account (store, account, NULL));
  }
  disabled = login (f, "gone", PASSWORD);
  assert_unauthorized (disabled);
  g_assert_cmpstr (lc_test_json_string (disabled, "detail"), ==,
                   lc_test_json_string (wrong, "detail"));

  /* Each failure is audited, with the account when it exists and never the password. */
  g_assert_cmpuint (lc_test_count_audit (f->ts, "login.failure", f->teacher), ==, 1);
  g_assert_cmpuint (lc_test_count_audit (f->ts, "login.failure", disabled_id), ==, 1);
  op = lc_test_operator_token (f->ts);
  audit = lc_test_request (f->ts, "GET", "/api/v1/audit?action=login.failure", NULL, op, NULL);
  items = lc_test_items (audit);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *event = json_array_get_object_element (items, i);

      g_assert_cmpstr (json_object_get_string_member (event, "action"), ==, "login.failure");
      g_assert_cmpstr (json_object_get_string_member (event, "client"), ==, "127.0.0.1");
      failures++;
    }
  g_assert_cmpuint (failures, ==, 3);
  g_assert_null (strstr (g_bytes_get_data (audit->body, NULL), "Wrong-password-1"));
  g_assert_null (strstr (g_bytes_get_data (audit->body, NULL), PASSWORD));
}

/* A hash made with other KDF parameters is replaced at the next login. */
static void
test_login_rehash (Fixture *f, gconstpointer data)
{
  LcStore *store = lc_app_get_store (f->ts->app);
  g_autoptr (LcAccount) account = lc_store_get_account (store, f->teacher, NULL);
  g_autoptr (LcAccount) after = NULL;
  g_autoptr (LcTestResponse) resp = NULL;
  g_autoptr (GError) error = NULL;
  LcKdfParams old_params;

  lc_kdf_params_init_default (&old_params);
  old_params.log2_n = 11;
  g_free (account->password_hash);
  account->password_hash = lc_password_hash (PASSWORD, &old_params, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (account->password_hash, "$scrypt$ln=11,"));
  lc_store_update_account (store, account, &error);
  g_assert_no_error (error);

  resp = login (f, "teacher", PASSWORD);
  g_assert_cmpuint (resp->status, ==, 200);
  after = lc_store_get_account (store, f->teacher, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (after->password_hash, "$scrypt$ln=10,"));
  g_clear_pointer (&resp, lc_test_response_free);
  resp = login (f, "teacher", PASSWORD);
  g_assert_cmpuint (resp->status, ==, 200);
}

static void
test_login_malformed (Fixture *f, gconstpointer data)
{
  struct
  {
    const char *body;
    const char *content_type;
    guint status;
    const char *slug, *field;
  } cases[] = {
    { "{\"login\":\"teacher\"", NULL, 400, "malformed-request", NULL },
    { "\"just a string\"", NULL, 400, "malformed-request", NULL },
    { "{\"login\":\"teacher\"}", NULL, 422, "invalid-field", "password" },
    { "{\"login\":\"teacher\",\"password\":\"x\",\"remember\":true}", NULL, 422, "invalid-field",
      "remember" },
    { "{\"login\":42,\"password\":\"x\"}", NULL, 422, "invalid-field", "login" },
    { "login=teacher&password=x", "application/x-www-form-urlencoded", 415,
      "unsupported-media-type", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (LcTestResponse) resp = NULL;

      if (cases[i].content_type != NULL)
        resp = lc_test_request (f->ts, "POST", "/api/v1/auth/login", cases[i].body, NULL,
                                "Content-Type", cases[i].content_type, NULL);
      else
        resp = lc_test_request (f->ts, "POST", "/api/v1/auth/login", cases[i].body, NULL, NULL);
      lc_test_assert_problem (resp, cases[i].status, cases[i].slug, cases[i].field);
    }
}

static void
test_login_too_large (Fixture *f, gconstpointer data)
{
  g_autofree char *filler = g_strnfill (1500, 'a');
  g_autofree char *body = login_body ("teacher", filler);
  g_autoptr (LcTestResponse) resp = NULL;

  resp = lc_test_request (f->ts, "POST", "/api/v1/auth/login", body, NULL, NULL);
  lc_test_assert_problem (resp, 413, "payload-too-large", NULL);
}

static void
test_login_throttle (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestResponse) slowed = NULL;
  g_autoptr (LcTestResponse) right = NULL;
  g_autoptr (LcTestResponse) elsewhere = NULL;
  const char *retry_after;
  gint64 seconds;

  g_free (lc_test_seed_account (f->ts, "other", "teacher", f->school, PASSWORD, FALSE));

  /* auth.login_free_attempts=2: two failures are answered normally. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (LcTestResponse) resp = login (f, "teacher", "Wrong-password-1");

      assert_unauthorized (resp);
    }

  slowed = login (f, "teacher", "Wrong-password-1");
  lc_test_assert_problem (slowed, 429, "rate-limited", NULL);
  retry_after = soup_message_headers_get_one (slowed->headers, "Retry-After");
  g_assert_nonnull (retry_after);
  seconds = g_ascii_strtoll (retry_after, NULL, 10);
  g_assert_cmpint (seconds, >=, 1);
  g_assert_cmpint (seconds, <=, 5); /* auth.login_max_delay=5 */
  g_assert_cmpint (lc_test_json_int (slowed, "retry_after"), ==, seconds);

  /* While slowed, even the right password is not tried... */
  right = login (f, "teacher", PASSWORD);
  lc_test_assert_problem (right, 429, "rate-limited", NULL);
  g_assert_nonnull (soup_message_headers_get_one (right->headers, "Retry-After"));
  /* ...and the client address is slowed for other accounts too. */
  elsewhere = login (f, "other", PASSWORD);
  lc_test_assert_problem (elsewhere, 429, "rate-limited", NULL);

  g_assert_cmpuint (lc_test_count_audit (f->ts, "login.failure", NULL), ==, 5);
}

static void
test_logout (Fixture *f, gconstpointer data)
{
  g_autofree char *cookie = lc_test_login_cookie (f->ts, "teacher", PASSWORD);
  g_autofree char *referer = g_strdup_printf ("%s/schedule.html", f->ts->base_url);
  g_autoptr (LcTestResponse) no_origin = NULL;
  g_autoptr (LcTestResponse) foreign = NULL;
  g_autoptr (LcTestResponse) out = NULL;
  g_autoptr (LcTestResponse) me = NULL;
  g_autoptr (LcTestResponse) again = NULL;
  g_autoptr (LcTestResponse) anonymous = NULL;
  const char *cleared;

  no_origin = lc_test_request (f->ts, "POST", "/api/v1/auth/logout", NULL, cookie, NULL);
  lc_test_assert_problem (no_origin, 403, "csrf", NULL);
  foreign = lc_test_request (f->ts, "POST", "/api/v1/auth/logout", NULL, cookie, "Origin",
                             "http://127.0.0.1:1", NULL);
  lc_test_assert_problem (foreign, 403, "csrf", NULL);

  /* Referer is the fallback when there is no Origin. */
  out = lc_test_request (f->ts, "POST", "/api/v1/auth/logout", NULL, cookie, "Referer", referer,
                         NULL);
  g_assert_cmpuint (out->status, ==, 204);
  cleared = find_header_value (out, "Set-Cookie", "lc_session=");
  g_assert_nonnull (cleared);
  g_assert_true (g_str_has_prefix (cleared, "lc_session=;"));
  g_assert_nonnull (strstr (cleared, "Max-Age=0"));
  g_assert_cmpuint (lc_test_count_audit (f->ts, "logout", f->teacher), ==, 1);

  /* The session is gone on the server: the old cookie is worth nothing. */
  me = lc_test_request (f->ts, "GET", "/api/v1/auth/me", NULL, cookie, NULL);
  assert_unauthorized (me);
  again = lc_test_request (f->ts, "POST", "/api/v1/auth/logout", NULL, cookie, "Origin",
                           f->ts->base_url, NULL);
  assert_unauthorized (again);
  anonymous = lc_test_request (f->ts, "POST", "/api/v1/auth/logout", NULL, NULL, NULL);
  assert_unauthorized (anonymous);
}

static void
test_me (Fixture *f, gconstpointer data)
{
  g_autofree char *token = lc_test_login_token (f->ts, "teacher", PASSWORD);
  g_autofree char *op
      = lc_test_operator_token (f->ts);
  g_autoptr (LcTestResponse) me = NULL;
  g_autoptr (LcTestResponse) op_me = NULL;
  g_autoptr (LcTestResponse) patched = NULL;
  g_autoptr (LcTestResponse) bad = NULL;
  g_autoptr (LcTestResponse) role = NULL;
  g_autoptr (LcTestResponse) anonymous = NULL;
  g_autoptr (LcTestResponse) method = NULL;
  JsonObject *o, *school;
  const char *allow;

  me = lc_test_request (f->ts, "GET", "/api/v1/auth/me", NULL, token, NULL);
  g_assert_cmpuint (me->status, ==, 200);
  o = json_node_get_object (me->json);
  g_assert_cmpstr (json_object_get_string_member (o, "login"), ==, "teacher");
  g_assert_cmpstr (json_object_get_string_member (o, "school_id"), ==, f->school);
  g_assert_false (json_object_get_boolean_member (o, "consent_publish_name"));
  school = json_object_get_object_member (o, "school");
  g_assert_cmpstr (json_object_get_string_member (school, "short_name"), ==, "School 57");

  op_me = lc_test_request (f->ts, "GET", "/api/v1/auth/me", NULL, op, NULL);
  g_assert_cmpuint (op_me->status, ==, 200);
  g_assert_cmpstr (lc_test_json_string (op_me, "role"), ==, "operator");
  g_assert_true (json_object_get_null_member (json_node_get_object (op_me->json), "school"));
  g_assert_true (json_object_get_null_member (json_node_get_object (op_me->json), "school_id"));

  patched = lc_test_request (f->ts, "PATCH", "/api/v1/auth/me",
                             "{\"display_name\":\"Anna Petrova\",\"consent_publish_name\":true}",
                             token, NULL);
  g_assert_cmpuint (patched->status, ==, 200);
  g_assert_cmpstr (lc_test_json_string (patched, "display_name"), ==, "Anna Petrova");
  g_assert_true (json_object_get_boolean_member (json_node_get_object (patched->json),
                                                 "consent_publish_name"));

  bad = lc_test_request (f->ts, "PATCH", "/api/v1/auth/me", "{\"display_name\":\"\"}", token, NULL);
  lc_test_assert_problem (bad, 422, "invalid-field", "display_name");
  role
      = lc_test_request (f->ts, "PATCH", "/api/v1/auth/me", "{\"role\":\"operator\"}", token, NULL);
  lc_test_assert_problem (role, 422, "invalid-field", "role");
  anonymous = lc_test_request (f->ts, "GET", "/api/v1/auth/me", NULL, NULL, NULL);
  assert_unauthorized (anonymous);

  method = lc_test_request (f->ts, "DELETE", "/api/v1/auth/me", NULL, token, NULL);
  lc_test_assert_problem (method, 405, "method-not-allowed", NULL);
  allow = soup_message_headers_get_one (method->headers, "Allow");
  g_assert_nonnull (allow);
  g_assert_nonnull (strstr (allow, "GET"));
  g_assert_nonnull (strstr (allow, "PATCH"));
}

static void
test_password_change (Fixture *f, gconstpointer data)
{
  g_autofree char *cookie_a = lc_test_login_cookie (f->ts, "teacher", PASSWORD);
  g_autofree char *cookie_b = lc_test_login_cookie (f->ts, "teacher", PASSWORD);
  g_autofree char *token = lc_test_login_token (f->ts, "teacher", PASSWORD);
  g_autoptr (LcTestResponse) wrong = NULL;
  g_autoptr (LcTestResponse) weak = NULL;
  g_autoptr (LcTestResponse) same_as_login = NULL;
  g_autoptr (LcTestResponse) csrf = NULL;
  g_autoptr (LcTestResponse) changed = NULL;
  g_autoptr (LcTestResponse) me_a = NULL;
  g_autoptr (LcTestResponse) me_b = NULL;
  g_autoptr (LcTestResponse) me_token = NULL;
  g_autoptr (LcTestResponse) old_login = NULL;
  g_autoptr (LcTestResponse) new_login = NULL;
  const char *origin = f->ts->base_url;

  wrong = lc_test_request (f->ts, "POST", "/api/v1/auth/password",
                           "{\"current_password\":\"Not-the-password\","
                           "\"new_password\":\"Another-pass-2027\"}",
                           cookie_a, "Origin", origin, NULL);
  assert_unauthorized (wrong);
  weak = lc_test_request (f->ts, "POST", "/api/v1/auth/password",
                          "{\"current_password\":\"" PASSWORD "\",\"new_password\":\"short\"}",
                          cookie_a, "Origin", origin, NULL);
  lc_test_assert_problem (weak, 422, "weak-password", "new_password");
  same_as_login = lc_test_request (f->ts, "POST", "/api/v1/auth/password",
                                   "{\"current_password\":\"" PASSWORD "\","
                                   "\"new_password\":\"aaaaaaaaaaaa\"}",
                                   cookie_a, "Origin", origin, NULL);
  lc_test_assert_problem (same_as_login, 422, "weak-password", "new_password");
  csrf = lc_test_request (f->ts, "POST", "/api/v1/auth/password",
                          "{\"current_password\":\"" PASSWORD "\","
                          "\"new_password\":\"Another-pass-2027\"}",
                          cookie_a, "Origin", "https://evil.example", NULL);
  lc_test_assert_problem (csrf, 403, "csrf", NULL);

  changed = lc_test_request (f->ts, "POST", "/api/v1/auth/password",
                             "{\"current_password\":\"" PASSWORD "\","
                             "\"new_password\":\"Another-pass-2027\"}",
                             cookie_a, "Origin", origin, NULL);
  g_assert_cmpuint (changed->status, ==, 204);

  /* The session that changed it stays, the other one ends, the token stays. */
  me_a = lc_test_request (f->ts, "GET", "/api/v1/auth/me", NULL, cookie_a, NULL);
  g_assert_cmpuint (me_a->status, ==, 200);
  me_b = lc_test_request (f->ts, "GET", "/api/v1/auth/me", NULL, cookie_b, NULL);
  assert_unauthorized (me_b);
  me_token = lc_test_request (f->ts, "GET", "/api/v1/auth/me", NULL, token, NULL);
  g_assert_cmpuint (me_token->status, ==, 200);

  old_login = login (f, "teacher", PASSWORD);
  assert_unauthorized (old_login);
  new_login = login (f, "teacher", "Another-pass-2027");
  g_assert_cmpuint (new_login->status, ==, 200);
  g_assert_cmpuint (lc_test_count_audit (f->ts, "password.change", f->teacher), >=, 1);
}

static void
test_tokens (Fixture *f, gconstpointer data)
{
  g_autofree char *cookie = lc_test_login_cookie (f->ts, "teacher", PASSWORD);
  g_autofree char *other
      = lc_test_operator_token (f->ts);
  g_autofree char *bearer = NULL;
  g_autofree char *token_id = NULL;
  g_autofree char *path = NULL;
  g_autoptr (LcTestResponse) created = NULL;
  g_autoptr (LcTestResponse) list = NULL;
  g_autoptr (LcTestResponse) me = NULL;
  g_autoptr (LcTestResponse) post = NULL;
  g_autoptr (LcTestResponse) foreign = NULL;
  g_autoptr (LcTestResponse) revoked = NULL;
  g_autoptr (LcTestResponse) after = NULL;
  g_autoptr (LcTestResponse) twice = NULL;
  g_autoptr (LcTestResponse) bad_days = NULL;
  g_autoptr (LcTestResponse) garbage = NULL;
  g_autoptr (LcTestResponse) basic = NULL;
  g_autoptr (LcTestResponse) other_list = NULL;
  JsonArray *items;
  JsonObject *o;

  created = lc_test_request (f->ts, "POST", "/api/v1/auth/tokens",
                             "{\"name\":\"portal sync\",\"expires_in_days\":30}", cookie, "Origin",
                             f->ts->base_url, NULL);
  g_assert_cmpuint (created->status, ==, 201);
  g_assert_true (g_str_has_prefix (lc_test_json_string (created, "token"), "lct_"));
  g_assert_cmpstr (lc_test_json_string (created, "name"), ==, "portal sync");
  g_assert_nonnull (lc_test_json_string (created, "expires_at"));
  g_assert_true (
      json_object_get_null_member (json_node_get_object (created->json), "last_used_at"));
  g_assert_cmpstr (soup_message_headers_get_one (created->headers, "Cache-Control"), ==,
                   "no-store");
  bearer = g_strdup_printf ("Bearer %s", lc_test_json_string (created, "token"));
  token_id = g_strdup (lc_test_json_string (created, "id"));

  /* Listed without its secret. */
  list = lc_test_request (f->ts, "GET", "/api/v1/auth/tokens", NULL, cookie, NULL);
  items = lc_test_items (list);
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  o = json_array_get_object_element (items, 0);
  g_assert_cmpstr (json_object_get_string_member (o, "id"), ==, token_id);
  g_assert_false (json_object_has_member (o, "token"));
  g_assert_null (strstr (g_bytes_get_data (list->body, NULL), "lct_"));

  /* It authenticates, and needs no Origin (not a cookie). */
  me = lc_test_request (f->ts, "GET", "/api/v1/auth/me", NULL, bearer, NULL);
  g_assert_cmpuint (me->status, ==, 200);
  g_assert_cmpstr (lc_test_json_string (me, "id"), ==, f->teacher);
  {
    g_autoptr (LcTestResponse) used
        = lc_test_request (f->ts, "GET", "/api/v1/auth/tokens", NULL, bearer, NULL);
    JsonObject *token = json_array_get_object_element (lc_test_items (used), 0);

    g_assert_nonnull (json_object_get_string_member (token, "last_used_at"));
  }
  post = lc_test_request (f->ts, "PATCH", "/api/v1/auth/me", "{\"consent_publish_name\":true}",
                          bearer, NULL);
  g_assert_cmpuint (post->status, ==, 200);

  /* Someone else cannot revoke it. */
  path = g_strdup_printf ("/api/v1/auth/tokens/%s", token_id);
  foreign = lc_test_request (f->ts, "DELETE", path, NULL, other, NULL);
  lc_test_assert_problem (foreign, 404, "not-found", NULL);
  other_list = lc_test_request (f->ts, "GET", "/api/v1/auth/tokens", NULL, other, NULL);
  g_assert_cmpuint (json_array_get_length (lc_test_items (other_list)), ==, 1); /* its own */

  revoked = lc_test_request (f->ts, "DELETE", path, NULL, bearer, NULL);
  g_assert_cmpuint (revoked->status, ==, 204);
  after = lc_test_request (f->ts, "GET", "/api/v1/auth/me", NULL, bearer, NULL);
  assert_unauthorized (after);
  twice = lc_test_request (f->ts, "DELETE", path, NULL, cookie, "Origin", f->ts->base_url, NULL);
  lc_test_assert_problem (twice, 404, "not-found", NULL);

  bad_days = lc_test_request (f->ts, "POST", "/api/v1/auth/tokens",
                              "{\"name\":\"x\",\"expires_in_days\":0}", cookie, "Origin",
                              f->ts->base_url, NULL);
  lc_test_assert_problem (bad_days, 422, "invalid-field", "expires_in_days");

  /* A bad bearer token is a 401, never a fallback to anonymous. */
  garbage = lc_test_request (f->ts, "GET", "/api/v1/lessons", NULL, "Bearer lct_nonsense", NULL);
  assert_unauthorized (garbage);
  basic = lc_test_request (f->ts, "GET", "/api/v1/lessons", NULL, "Basic dXNlcjpwYXNz", NULL);
  assert_unauthorized (basic);
  g_assert_cmpuint (lc_test_count_audit (f->ts, "token.create", token_id), ==, 1);
  g_assert_cmpuint (lc_test_count_audit (f->ts, "token.revoke", token_id), ==, 1);
}

static void
test_csrf_trusted_origin (Fixture *f, gconstpointer data)
{
  g_autofree char *cookie = lc_test_login_cookie (f->ts, "teacher", PASSWORD);
  g_autoptr (LcTestResponse) trusted = NULL;
  g_autoptr (LcTestResponse) public_url = NULL;
  g_autoptr (LcTestResponse) other_port = NULL;
  g_autoptr (LcTestResponse) null_origin = NULL;
  g_autoptr (LcTestResponse) safe = NULL;

  trusted = lc_test_request (f->ts, "PATCH", "/api/v1/auth/me", "{\"display_name\":\"T\"}", cookie,
                             "Origin", "https://portal.example.org", NULL);
  g_assert_cmpuint (trusted->status, ==, 200);
  public_url = lc_test_request (f->ts, "PATCH", "/api/v1/auth/me", "{\"display_name\":\"U\"}",
                                cookie, "Origin", "https://Lessons.Example.org:443", NULL);
  g_assert_cmpuint (public_url->status, ==, 200);
  other_port = lc_test_request (f->ts, "PATCH", "/api/v1/auth/me", "{\"display_name\":\"V\"}",
                                cookie, "Origin", "https://portal.example.org:8443", NULL);
  lc_test_assert_problem (other_port, 403, "csrf", NULL);
  null_origin = lc_test_request (f->ts, "PATCH", "/api/v1/auth/me", "{\"display_name\":\"W\"}",
                                 cookie, "Origin", "null", NULL);
  lc_test_assert_problem (null_origin, 403, "csrf", NULL);

  /* Safe methods need no Origin. */
  safe = lc_test_request (f->ts, "GET", "/api/v1/auth/me", NULL, cookie, NULL);
  g_assert_cmpuint (safe->status, ==, 200);
  g_assert_cmpstr (lc_test_json_string (safe, "display_name"), ==, "U");
}

static void
test_not_found (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestResponse) resp
      = lc_test_request (f->ts, "GET", "/api/v1/nothing-here", NULL, NULL, NULL);
  g_autoptr (LcTestResponse) query
      = lc_test_request (f->ts, "GET", "/api/v1/auth/me?x=1", NULL, NULL, NULL);

  lc_test_assert_problem (resp, 404, "not-found", NULL);
  /* Authentication comes first: anonymous is 401 whatever the query. */
  assert_unauthorized (query);
}

int
main (int argc, char **argv)
{
  static const char *const throttle[]
      = { "auth.login_free_attempts=2", "auth.login_max_delay=5", NULL };
  static const char *const secure[]
      = { "server.public_url=https://lessons.example.org", "auth.session_ttl=3600", NULL };
  static const char *const small_body[] = { "server.max_body_bytes=1024", NULL };
  static const char *const trusted[] = { "server.public_url=https://lessons.example.org",
                                         "server.trusted_origins=https://portal.example.org, "
                                         "https://other.example.org",
                                         NULL };

  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data)                                                                      \
  g_test_add ("/api/auth/" path, Fixture, data, fixture_setup, func, fixture_teardown)
  ADD ("login/success", test_login_success, NULL);
  ADD ("login/secure-cookie", test_login_secure_cookie, secure);
  ADD ("login/failures", test_login_failures, NULL);
  ADD ("login/rehash", test_login_rehash, NULL);
  ADD ("login/malformed", test_login_malformed, NULL);
  ADD ("login/too-large", test_login_too_large, small_body);
  ADD ("login/throttle", test_login_throttle, throttle);
  ADD ("logout", test_logout, NULL);
  ADD ("me", test_me, NULL);
  ADD ("password", test_password_change, NULL);
  ADD ("tokens", test_tokens, NULL);
  ADD ("csrf/trusted-origins", test_csrf_trusted_origin, trusted);
  ADD ("not-found", test_not_found, NULL);
#undef ADD

  return g_test_run ();
}
