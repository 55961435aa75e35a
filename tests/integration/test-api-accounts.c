/* test-api-accounts.c — /api/v1/accounts and /api/v1/audit against the real
 * server: what operators, coordinators and teachers may do, login rules,
 * session revocation on disable and password reset, paging, the audit log. */
#include <string.h>

#include "common/lc-store.h"
#include "lc-test-util.h"

#define PASSWORD "Account-pass-2026"

typedef struct
{
  LcTestServer *ts;
  char *school_a, *school_b;
  char *coord_a, *coord_b, *teacher_a, *teacher_b;   /* ids */
  char *op, *as_coord_a, *as_coord_b, *as_teacher_a; /* "Bearer …" */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->ts = lc_test_server_start (data, FALSE);
  f->school_a = lc_test_seed_school (f->ts, "A", "North");
  f->school_b = lc_test_seed_school (f->ts, "B", "South");
  f->op = lc_test_operator_token (f->ts);
  {
    const LcTestStaff staff[] = {
      { "coord-a", "coordinator", f->school_a, FALSE, &f->coord_a, &f->as_coord_a },
      { "coord-b", "coordinator", f->school_b, FALSE, &f->coord_b, &f->as_coord_b },
      { "teacher-a", "teacher", f->school_a, FALSE, &f->teacher_a, &f->as_teacher_a },
      { "teacher-b", "teacher", f->school_b, FALSE, &f->teacher_b, NULL },
    };

    lc_test_seed_staff (f->ts, staff, G_N_ELEMENTS (staff), PASSWORD);
  }
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  lc_test_server_stop (f->ts);
  g_free (f->school_a);
  g_free (f->school_b);
  g_free (f->coord_a);
  g_free (f->coord_b);
  g_free (f->teacher_a);
  g_free (f->teacher_b);
  g_free (f->op);
  g_free (f->as_coord_a);
  g_free (f->as_coord_b);
  g_free (f->as_teacher_a);
}

/* {"login":…,"display_name":"X","role":…,"password":PASSWORD[,"school_id":…]} */
static char *
account_body (const char *login, const char *role, const char *school_id)
{
  g_autofree char *school
      = school_id != NULL ? g_strdup_printf (",\"school_id\":\"%s\"", school_id) : g_strdup ("");

  return g_strdup_printf ("{\"login\":\"%s\",\"display_name\":\"X\",\"role\":\"%s\","
                          "\"password\":\"" PASSWORD "\"%s}",
                          login, role, school);
}

static LcTestResponse *
create (Fixture *f, const char *auth, const char *login, const char *role, const char *school_id)
{
  g_autofree char *body = account_body (login, role, school_id);

  return lc_test_request (f->ts, "POST", "/api/v1/accounts", body, auth, NULL);
}

static void
test_create_operator (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestResponse) resp = NULL;
  g_autoptr (LcTestResponse) login = NULL;
  g_autofree char *location = NULL;
  JsonObject *o;

  resp = lc_test_request (f->ts, "POST", "/api/v1/accounts",
                          "{\"login\":\"New.Coord_1\",\"display_name\":\"Olga\",\"role\":"
                          "\"coordinator\",\"password\":\"" PASSWORD "\","
                          "\"consent_publish_name\":true,\"school_id\":null}",
                          f->op, NULL);
  lc_test_assert_problem (resp, 422, "invalid-field", "school_id");
  g_clear_pointer (&resp, lc_test_response_free);

  {
    g_autofree char *body = g_strdup_printf (
        "{\"login\":\"New.Coord_1\",\"display_name\":\"Olga\",\"role\":\"coordinator\","
        "\"password\":\"" PASSWORD "\",\"consent_publish_name\":true,\"school_id\":\"%s\"}",
        f->school_b);

    resp = lc_test_request (f->ts, "POST", "/api/v1/accounts", body, f->op, NULL);
  }
  g_assert_cmpuint (resp->status, ==, 201);
  o = json_node_get_object (resp->json);
  location = g_strdup_printf ("/api/v1/accounts/%s", json_object_get_string_member (o, "id"));
  g_assert_cmpstr (soup_message_headers_get_one (resp->headers, "Location"), ==, location);
  g_assert_cmpstr (json_object_get_string_member (o, "login"), ==, "new.coord_1"); /* lower-cased */
  g_assert_cmpstr (json_object_get_string_member (o, "role"), ==, "coordinator");
  g_assert_cmpstr (json_object_get_string_member (o, "school_id"), ==, f->school_b);
  g_assert_true (json_object_get_boolean_member (o, "consent_publish_name"));
  g_assert_false (json_object_get_boolean_member (o, "disabled"));
  g_assert_false (json_object_has_member (o, "password"));
  g_assert_false (json_object_has_member (o, "password_hash"));
  g_assert_null (strstr (g_bytes_get_data (resp->body, NULL), "$scrypt$"));
  g_assert_null (strstr (g_bytes_get_data (resp->body, NULL), PASSWORD));

  /* The new account can log in with any case of its login. */
  login = lc_test_request (f->ts, "POST", "/api/v1/auth/login",
                           "{\"login\":\"NEW.COORD_1\",\"password\":\"" PASSWORD "\"}", NULL, NULL);
  g_assert_cmpuint (login->status, ==, 200);
}

static void
test_create_errors (Fixture *f, gconstpointer data)
{
  g_autofree char *weak = g_strdup_printf ("{\"login\":\"weakling\",\"display_name\":\"W\","
                                           "\"role\":\"teacher\",\"school_id\":\"%s\","
                                           "\"password\":\"password\"}",
                                           f->school_a);
  g_autofree char *same = g_strdup_printf ("{\"login\":\"samesame123\",\"display_name\":\"S\","
                                           "\"role\":\"teacher\",\"school_id\":\"%s\","
                                           "\"password\":\"SameSame123\"}",
                                           f->school_a);
  struct
  {
    char *body;
    guint status;
    const char *slug, *field;
  } cases[] = {
    { account_body ("teacher-a", "teacher", f->school_a), 409, "conflict", "login" },
    { account_body ("TEACHER-A", "teacher", f->school_a), 409, "conflict", "login" },
    { account_body ("ab", "teacher", f->school_a), 422, "invalid-field", "login" },
    { account_body ("with space", "teacher", f->school_a), 422, "invalid-field", "login" },
    { account_body ("ünïcode", "teacher", f->school_a), 422, "invalid-field", "login" },
    { account_body ("op2", "operator", f->school_a), 422, "invalid-field", "school_id" },
    { account_body ("tt2", "teacher", NULL), 422, "invalid-field", "school_id" },
    { account_body ("tt3", "teacher", "AAAAAAAAAAAAAAAAAAAAAA"), 422, "invalid-field",
      "school_id" },
    { account_body ("tt4", "principal", f->school_a), 422, "invalid-field", "role" },
    { g_strdup (weak), 422, "weak-password", "password" },
    { g_strdup (same), 422, "weak-password", "password" },
    { g_strdup ("{\"login\":\"t5\"}"), 422, "invalid-field", NULL },
    { g_strdup ("{\"login\":"), 400, "malformed-request", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (LcTestResponse) resp = NULL;

      g_test_message ("case %u: %s", i, cases[i].body);
      resp = lc_test_request (f->ts, "POST", "/api/v1/accounts", cases[i].body, f->op, NULL);
      lc_test_assert_problem (resp, cases[i].status, cases[i].slug, cases[i].field);
      g_free (cases[i].body);
    }
}

static void
test_create_roles (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestResponse) own = create (f, f->as_coord_a, "new-teacher", "teacher", NULL);
  g_autoptr (LcTestResponse) explicit_own
      = create (f, f->as_coord_a, "new-teacher2", "teacher", f->school_a);
  g_autoptr (LcTestResponse) other_school
      = create (f, f->as_coord_a, "t-other", "teacher", f->school_b);
  g_autoptr (LcTestResponse) coordinator
      = create (f, f->as_coord_a, "c-new", "coordinator", f->school_a);
  g_autoptr (LcTestResponse) operator= create (f, f->as_coord_a, "op-new", "operator", NULL);
  g_autoptr (LcTestResponse) by_teacher = create (f, f->as_teacher_a, "t-by-t", "teacher", NULL);
  g_autoptr (LcTestResponse) anonymous = create (f, NULL, "t-anon", "teacher", f->school_a);
  g_autoptr (LcTestResponse) by_operator = create (f, f->op, "op-2", "operator", NULL);

  g_assert_cmpuint (own->status, ==, 201);
  g_assert_cmpstr (lc_test_json_string (own, "school_id"), ==, f->school_a);
  g_assert_cmpuint (explicit_own->status, ==, 201);
  lc_test_assert_problem (other_school, 403, "forbidden", NULL);
  lc_test_assert_problem (coordinator, 403, "forbidden", NULL);
  lc_test_assert_problem (operator, 403, "forbidden", NULL);
  lc_test_assert_problem (by_teacher, 403, "forbidden", NULL);
  lc_test_assert_problem (anonymous, 401, "unauthorized", NULL);
  g_assert_cmpuint (by_operator->status, ==, 201);
  g_assert_true (
      json_object_get_null_member (json_node_get_object (by_operator->json), "school_id"));
}

static void
test_get (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/accounts/%s", f->teacher_a);
  struct
  {
    const char *auth;
    guint status;
  } cases[] = {
    { f->op, 200 },         { f->as_coord_a, 200 }, { f->as_teacher_a, 200 },
    { f->as_coord_b, 403 }, { NULL, 401 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (LcTestResponse) resp
          = lc_test_request (f->ts, "GET", path, NULL, cases[i].auth, NULL);

      g_test_message ("case %u", i);
      if (cases[i].status == 200)
        {
          g_assert_cmpuint (resp->status, ==, 200);
          g_assert_cmpstr (lc_test_json_string (resp, "login"), ==, "teacher-a");
        }
      else
        lc_test_assert_problem (resp, cases[i].status, NULL, NULL);
    }

  {
    g_autofree char *coord_path = g_strdup_printf ("/api/v1/accounts/%s", f->coord_a);
    g_autoptr (LcTestResponse) up
        = lc_test_request (f->ts, "GET", coord_path, NULL, f->as_teacher_a, NULL);
    g_autoptr (LcTestResponse) missing = lc_test_request (
        f->ts, "GET", "/api/v1/accounts/AAAAAAAAAAAAAAAAAAAAAA", NULL, f->op, NULL);

    lc_test_assert_problem (up, 403, "forbidden", NULL);
    lc_test_assert_problem (missing, 404, "not-found", NULL);
  }
}

static GPtrArray *
list_logins (Fixture *f, const char *query, const char *auth, guint limit, guint *pages)
{
  GPtrArray *logins = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *cursor = NULL;

  *pages = 0;
  do
    {
      g_autofree char *path
          = g_strdup_printf ("/api/v1/accounts?limit=%u%s%s%s", limit, query,
                             cursor != NULL ? "&cursor=" : "", cursor != NULL ? cursor : "");
      g_autoptr (LcTestResponse) resp = lc_test_request (f->ts, "GET", path, NULL, auth, NULL);
      JsonArray *items = lc_test_items (resp);
      JsonObject *o = json_node_get_object (resp->json);

      for (guint i = 0; i < json_array_get_length (items); i++)
        g_ptr_array_add (logins, g_strdup (json_object_get_string_member (
                                     json_array_get_object_element (items, i), "login")));
      g_free (cursor);
      cursor = json_object_get_null_member (o, "next_cursor")
                   ? NULL
                   : g_strdup (json_object_get_string_member (o, "next_cursor"));
      (*pages)++;
      g_assert_cmpuint (*pages, <=, 20);
    }
  while (cursor != NULL);
  return logins;
}

static void
assert_logins (GPtrArray *logins, ...)
{
  const char *login;
  guint n = 0;
  va_list args;

  va_start (args, logins);
  while ((login = va_arg (args, const char *)) != NULL)
    {
      g_assert_cmpuint (n, <, logins->len);
      g_assert_cmpstr (g_ptr_array_index (logins, n), ==, login);
      n++;
    }
  va_end (args);
  g_assert_cmpuint (logins->len, ==, n);
}

static void
test_list (Fixture *f, gconstpointer data)
{
  g_autofree char *school_a_query = g_strdup_printf ("&school=%s", f->school_a);
  g_autoptr (GPtrArray) all = NULL;
  g_autoptr (GPtrArray) teachers = NULL;
  g_autoptr (GPtrArray) school_a = NULL;
  g_autoptr (GPtrArray) coord_view = NULL;
  guint pages;

  all = list_logins (f, "", f->op, 2, &pages);
  assert_logins (all, "coord-a", "coord-b", f->ts->operator_login, "teacher-a", "teacher-b", NULL);
  g_assert_cmpuint (pages, ==, 3);
  teachers = list_logins (f, "&role=teacher", f->op, 1, &pages);
  assert_logins (teachers, "teacher-a", "teacher-b", NULL);
  school_a = list_logins (f, school_a_query, f->op, 50, &pages);
  assert_logins (school_a, "coord-a", "teacher-a", NULL);
  g_assert_cmpuint (pages, ==, 1);

  /* A coordinator sees their own school only. */
  coord_view = list_logins (f, "", f->as_coord_a, 50, &pages);
  assert_logins (coord_view, "coord-a", "teacher-a", NULL);

  {
    struct
    {
      const char *path;
      const char *auth;
      guint status;
      const char *field;
    } bad[] = {
      { "/api/v1/accounts", f->as_teacher_a, 403, NULL },
      { "/api/v1/accounts", NULL, 401, NULL },
      { "/api/v1/accounts?role=admin", f->op, 422, "role" },
      { "/api/v1/accounts?school=xyz", f->op, 422, "school" },
      { "/api/v1/accounts?limit=0", f->op, 422, "limit" },
      { "/api/v1/accounts?cursor=WzEsMl0", f->op, 400, "cursor" },
      { "/api/v1/accounts?login=x", f->op, 400, NULL },
    };
    g_autofree char *other = g_strdup_printf ("/api/v1/accounts?school=%s", f->school_b);
    g_autoptr (LcTestResponse) forbidden
        = lc_test_request (f->ts, "GET", other, NULL, f->as_coord_a, NULL);

    lc_test_assert_problem (forbidden, 403, "forbidden", NULL);
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr (LcTestResponse) resp
            = lc_test_request (f->ts, "GET", bad[i].path, NULL, bad[i].auth, NULL);

        g_test_message ("bad %s", bad[i].path);
        lc_test_assert_problem (resp, bad[i].status, NULL, bad[i].field);
      }
  }
}

static void
test_patch_coordinator (Fixture *f, gconstpointer data)
{
  g_autofree char *teacher_path = g_strdup_printf ("/api/v1/accounts/%s", f->teacher_a);
  g_autofree char *other_path = g_strdup_printf ("/api/v1/accounts/%s", f->teacher_b);
  g_autofree char *coord_path = g_strdup_printf ("/api/v1/accounts/%s", f->coord_a);
  g_autofree char *cookie = lc_test_login_cookie (f->ts, "teacher-a", PASSWORD);
  g_autoptr (LcTestResponse) renamed = NULL;
  g_autoptr (LcTestResponse) role = NULL;
  g_autoptr (LcTestResponse) other = NULL;
  g_autoptr (LcTestResponse) self = NULL;
  g_autoptr (LcTestResponse) disabled = NULL;
  g_autoptr (LcTestResponse) me_cookie = NULL;
  g_autoptr (LcTestResponse) me_token = NULL;
  g_autoptr (LcTestResponse) login = NULL;
  g_autoptr (LcTestResponse) by_teacher = NULL;

  renamed = lc_test_request (f->ts, "PATCH", teacher_path,
                             "{\"display_name\":\"Ivan\",\"consent_publish_name\":true}",
                             f->as_coord_a, NULL);
  g_assert_cmpuint (renamed->status, ==, 200);
  g_assert_cmpstr (lc_test_json_string (renamed, "display_name"), ==, "Ivan");

  role = lc_test_request (f->ts, "PATCH", teacher_path, "{\"role\":\"coordinator\"}", f->as_coord_a,
                          NULL);
  lc_test_assert_problem (role, 403, "forbidden", NULL);
  other = lc_test_request (f->ts, "PATCH", other_path, "{\"display_name\":\"X\"}", f->as_coord_a,
                           NULL);
  lc_test_assert_problem (other, 403, "forbidden", NULL);
  self = lc_test_request (f->ts, "PATCH", coord_path, "{\"display_name\":\"X\"}", f->as_coord_a,
                          NULL);
  lc_test_assert_problem (self, 403, "forbidden", NULL);
  by_teacher = lc_test_request (f->ts, "PATCH", teacher_path, "{\"display_name\":\"X\"}",
                                f->as_teacher_a, NULL);
  lc_test_assert_problem (by_teacher, 403, "forbidden", NULL);

  /* Disabling ends the teacher's sessions and stops the tokens and logins. */
  disabled
      = lc_test_request (f->ts, "PATCH", teacher_path, "{\"disabled\":true}", f->as_coord_a, NULL);
  g_assert_cmpuint (disabled->status, ==, 200);
  g_assert_true (
      json_object_get_boolean_member (json_node_get_object (disabled->json), "disabled"));
  me_cookie = lc_test_request (f->ts, "GET", "/api/v1/auth/me", NULL, cookie, NULL);
  lc_test_assert_problem (me_cookie, 401, "unauthorized", NULL);
  me_token = lc_test_request (f->ts, "GET", "/api/v1/auth/me", NULL, f->as_teacher_a, NULL);
  lc_test_assert_problem (me_token, 401, "unauthorized", NULL);
  login = lc_test_request (f->ts, "POST", "/api/v1/auth/login",
                           "{\"login\":\"teacher-a\",\"password\":\"" PASSWORD "\"}", NULL, NULL);
  lc_test_assert_problem (login, 401, "unauthorized", NULL);
}

static void
test_patch_operator (Fixture *f, gconstpointer data)
{
  g_autofree char *teacher_path = g_strdup_printf ("/api/v1/accounts/%s", f->teacher_a);
  g_autofree char *cookie = lc_test_login_cookie (f->ts, "teacher-a", PASSWORD);
  g_autofree char *move = g_strdup_printf ("{\"school_id\":\"%s\"}", f->school_b);
  g_autoptr (LcTestResponse) me = NULL;
  g_autoptr (LcTestResponse) op_me = NULL;
  g_autoptr (LcTestResponse) op_path_resp = NULL;
  g_autoptr (LcTestResponse) resp = NULL;
  g_autofree char *op_path = NULL;
  const char *op_id;

  /* A new password from the operator ends the teacher's sessions. */
  resp = lc_test_request (f->ts, "PATCH", teacher_path, "{\"password\":\"Reset-pass-2026\"}", f->op,
                          NULL);
  g_assert_cmpuint (resp->status, ==, 200);
  g_clear_pointer (&resp, lc_test_response_free);
  me = lc_test_request (f->ts, "GET", "/api/v1/auth/me", NULL, cookie, NULL);
  lc_test_assert_problem (me, 401, "unauthorized", NULL);
  g_free (lc_test_login_cookie (f->ts, "teacher-a", "Reset-pass-2026"));

  resp = lc_test_request (f->ts, "PATCH", teacher_path, "{\"password\":\"123\"}", f->op, NULL);
  lc_test_assert_problem (resp, 422, "weak-password", "password");
  g_clear_pointer (&resp, lc_test_response_free);

  /* Role and school changes keep the role/school rule. */
  resp = lc_test_request (f->ts, "PATCH", teacher_path, move, f->op, NULL);
  g_assert_cmpuint (resp->status, ==, 200);
  g_assert_cmpstr (lc_test_json_string (resp, "school_id"), ==, f->school_b);
  g_clear_pointer (&resp, lc_test_response_free);
  resp = lc_test_request (f->ts, "PATCH", teacher_path, "{\"role\":\"coordinator\"}", f->op, NULL);
  g_assert_cmpuint (resp->status, ==, 200);
  g_assert_cmpstr (lc_test_json_string (resp, "role"), ==, "coordinator");
  g_clear_pointer (&resp, lc_test_response_free);
  resp = lc_test_request (f->ts, "PATCH", teacher_path, "{\"school_id\":null}", f->op, NULL);
  lc_test_assert_problem (resp, 422, "invalid-field", "school_id");
  g_clear_pointer (&resp, lc_test_response_free);
  resp = lc_test_request (f->ts, "PATCH", teacher_path, "{\"role\":\"operator\"}", f->op, NULL);
  g_assert_cmpuint (resp->status, ==, 200);
  g_assert_true (json_object_get_null_member (json_node_get_object (resp->json), "school_id"));
  g_clear_pointer (&resp, lc_test_response_free);
  resp = lc_test_request (f->ts, "PATCH", teacher_path, "{\"nickname\":\"x\"}", f->op, NULL);
  lc_test_assert_problem (resp, 422, "invalid-field", "nickname");
  g_clear_pointer (&resp, lc_test_response_free);
  resp = lc_test_request (f->ts, "PATCH", "/api/v1/accounts/AAAAAAAAAAAAAAAAAAAAAA",
                          "{\"disabled\":true}", f->op, NULL);
  lc_test_assert_problem (resp, 404, "not-found", NULL);
  g_clear_pointer (&resp, lc_test_response_free);

  /* An operator cannot disable themself or drop their own role. */
  op_me = lc_test_request (f->ts, "GET", "/api/v1/auth/me", NULL, f->op, NULL);
  op_id = lc_test_json_string (op_me, "id");
  op_path = g_strdup_printf ("/api/v1/accounts/%s", op_id);
  resp = lc_test_request (f->ts, "PATCH", op_path, "{\"disabled\":true}", f->op, NULL);
  lc_test_assert_problem (resp, 422, "invalid-field", "disabled");
  g_clear_pointer (&resp, lc_test_response_free);
  {
    g_autofree char *demote
        = g_strdup_printf ("{\"role\":\"teacher\",\"school_id\":\"%s\"}", f->school_a);

    resp = lc_test_request (f->ts, "PATCH", op_path, demote, f->op, NULL);
    lc_test_assert_problem (resp, 422, "invalid-field", "role");
    g_clear_pointer (&resp, lc_test_response_free);
  }
  op_path_resp = lc_test_request (f->ts, "GET", op_path, NULL, f->op, NULL);
  g_assert_cmpuint (op_path_resp->status, ==, 200);
  g_assert_false (
      json_object_get_boolean_member (json_node_get_object (op_path_resp->json), "disabled"));
}

static void
test_audit (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestResponse) created = create (f, f->op, "audited", "teacher", f->school_a);
  g_autoptr (LcTestResponse) forbidden = NULL;
  g_autoptr (LcTestResponse) all = NULL;
  g_autoptr (LcTestResponse) by_object = NULL;
  g_autoptr (LcTestResponse) garbage = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *cursor = NULL;
  g_autofree char *path = NULL;
  const char *created_id;
  JsonObject *event;
  guint total, walked = 0, pages = 0;

  g_assert_cmpuint (created->status, ==, 201);
  created_id = lc_test_json_string (created, "id");

  forbidden = lc_test_request (f->ts, "GET", "/api/v1/audit", NULL, f->as_coord_a, NULL);
  lc_test_assert_problem (forbidden, 403, "forbidden", NULL);

  path = g_strdup_printf ("/api/v1/audit?object=%s", created_id);
  by_object = lc_test_request (f->ts, "GET", path, NULL, f->op, NULL);
  g_assert_cmpuint (json_array_get_length (lc_test_items (by_object)), ==, 1);
  event = json_array_get_object_element (lc_test_items (by_object), 0);
  g_assert_cmpstr (json_object_get_string_member (event, "action"), ==, "account.create");
  g_assert_cmpstr (json_object_get_string_member (event, "object_type"), ==, "account");
  g_assert_cmpstr (json_object_get_string_member (event, "client"), ==, "127.0.0.1");
  g_assert_nonnull (json_object_get_string_member (event, "actor_id"));

  /* Newest first, paged without duplicates or gaps. */
  all = lc_test_request (f->ts, "GET", "/api/v1/audit?limit=200", NULL, f->op, NULL);
  total = json_array_get_length (lc_test_items (all));
  g_assert_cmpuint (total, >=, 6); /* 4 logins, their tokens, one account */
  g_assert_cmpstr (json_object_get_string_member (
                       json_array_get_object_element (lc_test_items (all), 0), "action"),
                   ==, "account.create");
  do
    {
      g_autofree char *page_path = cursor != NULL
                                       ? g_strdup_printf ("/api/v1/audit?limit=3&cursor=%s", cursor)
                                       : g_strdup ("/api/v1/audit?limit=3");
      g_autoptr (LcTestResponse) page
          = lc_test_request (f->ts, "GET", page_path, NULL, f->op, NULL);
      JsonArray *items = lc_test_items (page);
      JsonObject *o = json_node_get_object (page->json);

      for (guint i = 0; i < json_array_get_length (items); i++)
        {
          const char *id
              = json_object_get_string_member (json_array_get_object_element (items, i), "id");

          g_assert_false (g_hash_table_contains (seen, id));
          g_hash_table_add (seen, g_strdup (id));
          walked++;
        }
      g_free (cursor);
      cursor = json_object_get_null_member (o, "next_cursor")
                   ? NULL
                   : g_strdup (json_object_get_string_member (o, "next_cursor"));
      pages++;
      g_assert_cmpuint (pages, <=, 50);
    }
  while (cursor != NULL);
  /* Reading the audit log writes nothing to it. */
  g_assert_cmpuint (walked, ==, total);

  garbage = lc_test_request (f->ts, "GET", "/api/v1/audit?cursor=WyJ4Il0", NULL, f->op, NULL);
  lc_test_assert_problem (garbage, 400, "malformed-request", "cursor");
  {
    g_autoptr (LcTestResponse) bad_actor
        = lc_test_request (f->ts, "GET", "/api/v1/audit?actor=me", NULL, f->op, NULL);
    g_autoptr (LcTestResponse) anonymous
        = lc_test_request (f->ts, "GET", "/api/v1/audit", NULL, NULL, NULL);
    g_autofree char *by_actor_path
        = g_strdup_printf ("/api/v1/audit?actor=%s&action=login.", f->coord_a);
    g_autoptr (LcTestResponse) by_actor
        = lc_test_request (f->ts, "GET", by_actor_path, NULL, f->op, NULL);

    lc_test_assert_problem (bad_actor, 422, "invalid-field", "actor");
    lc_test_assert_problem (anonymous, 401, "unauthorized", NULL);
    g_assert_cmpuint (json_array_get_length (lc_test_items (by_actor)), ==, 1);
    event = json_array_get_object_element (lc_test_items (by_actor), 0);
    g_assert_cmpstr (json_object_get_string_member (event, "action"), ==, "login.success");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func)                                                                            \
  g_test_add ("/api/accounts/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("create/operator", test_create_operator);
  ADD ("create/errors", test_create_errors);
  ADD ("create/roles", test_create_roles);
  ADD ("get", test_get);
  ADD ("list", test_list);
  ADD ("patch/coordinator", test_patch_coordinator);
  ADD ("patch/operator", test_patch_operator);
  ADD ("audit", test_audit);
#undef ADD

  return g_test_run ();
}
