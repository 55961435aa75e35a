/* test-api-schools.c — /api/v1/schools and /api/v1/districts against the real
 * server: public reading with paging and filters, operator-only writes,
 * validation and error statuses. */
#include <string.h>

#include "common/lc-store.h"
#include "lc-test-util.h"

#define PASSWORD "Coordinator-2026"

typedef struct
{
  LcTestServer *ts;
  char *op;          /* "Bearer …" of the operator */
  char *coordinator; /* "Bearer …" of a coordinator */
  char *school;      /* id of a seeded school */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->ts = lc_test_server_start (data, FALSE);
  f->school = lc_test_seed_school (f->ts, "Seeded", "West");
  g_free (lc_test_seed_account (f->ts, "coord", "coordinator", f->school, PASSWORD, FALSE));
  f->op = lc_test_operator_token (f->ts);
  f->coordinator = lc_test_login_token (f->ts, "coord", PASSWORD);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  lc_test_server_stop (f->ts);
  g_free (f->op);
  g_free (f->coordinator);
  g_free (f->school);
}

static void
test_create (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestResponse) resp = NULL;
  g_autoptr (LcTestResponse) got = NULL;
  g_autofree char *location = NULL;
  JsonObject *o;

  resp = lc_test_request (f->ts, "POST", "/api/v1/schools",
                          "{\"name\":\"Школа № 57 города Москвы\",\"short_name\":\"Школа № 57\","
                          "\"district\":\"Центральный\",\"address\":\"Малый Знаменский пер., 7\","
                          "\"latitude\":55.747,\"longitude\":37.603,"
                          "\"website\":\"https://sch57.ru/\"}",
                          f->op, NULL);
  g_assert_cmpuint (resp->status, ==, 201);
  o = lc_test_json_object (resp);
  location = g_strdup_printf ("/api/v1/schools/%s", json_object_get_string_member (o, "id"));
  g_assert_cmpstr (soup_message_headers_get_one (resp->headers, "Location"), ==, location);
  g_assert_cmpstr (json_object_get_string_member (o, "short_name"), ==, "Школа № 57");
  g_assert_cmpstr (json_object_get_string_member (o, "district"), ==, "Центральный");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "latitude"), 55.747, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "longitude"), 37.603, 1e-9);
  g_assert_cmpstr (json_object_get_string_member (o, "website"), ==, "https://sch57.ru/");
  g_assert_nonnull (json_object_get_string_member (o, "created_at"));

  got = lc_test_request (f->ts, "GET", location, NULL, NULL, NULL);
  g_assert_cmpuint (got->status, ==, 200);
  g_assert_cmpstr (lc_test_json_string (got, "name"), ==, "Школа № 57 города Москвы");
  g_assert_cmpstr (lc_test_json_string (got, "address"), ==, "Малый Знаменский пер., 7");
}

static void
test_create_minimal (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestResponse) resp = NULL;
  JsonObject *o;

  resp = lc_test_request (f->ts, "POST", "/api/v1/schools",
                          "{\"name\":\"Gymnasium 1\",\"short_name\":\"G1\",\"district\":\"East\"}",
                          f->op, NULL);
  g_assert_cmpuint (resp->status, ==, 201);
  o = lc_test_json_object (resp);
  g_assert_true (json_object_get_null_member (o, "address"));
  g_assert_true (json_object_get_null_member (o, "latitude"));
  g_assert_true (json_object_get_null_member (o, "longitude"));
  g_assert_true (json_object_get_null_member (o, "website"));
}

static void
test_create_errors (Fixture *f, gconstpointer data)
{
  g_autofree char *long_name = g_strnfill (201, 'n');
  g_autofree char *long_name_body
      = g_strdup_printf ("{\"name\":\"%s\",\"short_name\":\"S\",\"district\":\"D\"}", long_name);
  struct
  {
    const char *body;
    const char *auth;
    guint status;
    const char *slug, *field;
  } cases[] = {
    { long_name_body, f->op, 422, "invalid-field", "name" },
    { "{\"name\":\"N\",\"district\":\"D\"}", f->op, 422, "invalid-field", "short_name" },
    { "{\"name\":\"N\",\"short_name\":\"S\",\"district\":\"\"}", f->op, 422, "invalid-field",
      "district" },
    { "{\"name\":\"N\",\"short_name\":\"S\",\"district\":\"D\",\"latitude\":91,\"longitude\":0}",
      f->op, 422, "invalid-field", "latitude" },
    { "{\"name\":\"N\",\"short_name\":\"S\",\"district\":\"D\",\"latitude\":0,\"longitude\":-181}",
      f->op, 422, "invalid-field", "longitude" },
    { "{\"name\":\"N\",\"short_name\":\"S\",\"district\":\"D\",\"latitude\":55.0}", f->op, 422,
      "invalid-field", "longitude" },
    { "{\"name\":\"N\",\"short_name\":\"S\",\"district\":\"D\",\"website\":\"ftp://x.org\"}", f->op,
      422, "invalid-field", "website" },
    { "{\"name\":\"N\",\"short_name\":\"S\",\"district\":\"D\",\"website\":\"javascript:alert(1)"
      "\"}",
      f->op, 422, "invalid-field", "website" },
    { "{\"name\":\"N\",\"short_name\":\"S\",\"district\":\"D\",\"id\":\"x\"}", f->op, 422,
      "invalid-field", "id" },
    { "{\"name\":\"N\",", f->op, 400, "malformed-request", NULL },
    { "{\"name\":\"N\",\"short_name\":\"S\",\"district\":\"D\"}", f->coordinator, 403, "forbidden",
      NULL },
    { "{\"name\":\"N\",\"short_name\":\"S\",\"district\":\"D\"}", NULL, 401, "unauthorized", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (LcTestResponse) resp = NULL;

      g_test_message ("case %u", i);
      resp = lc_test_request (f->ts, "POST", "/api/v1/schools", cases[i].body, cases[i].auth, NULL);
      lc_test_assert_problem (resp, cases[i].status, cases[i].slug, cases[i].field);
    }

  {
    g_autoptr (LcTestResponse) resp = NULL;

    resp = lc_test_request (f->ts, "POST", "/api/v1/schools", "name=x", f->op, "Content-Type",
                            "text/plain", NULL);
    lc_test_assert_problem (resp, 415, "unsupported-media-type", NULL);
  }
}

static void
test_create_too_large (Fixture *f, gconstpointer data)
{
  g_autofree char *filler = g_strnfill (2000, 'a');
  g_autofree char *body
      = g_strdup_printf ("{\"name\":\"%s\",\"short_name\":\"S\",\"district\":\"D\"}", filler);
  g_autoptr (LcTestResponse) resp
      = lc_test_request (f->ts, "POST", "/api/v1/schools", body, f->op, NULL);

  lc_test_assert_problem (resp, 413, "payload-too-large", NULL);
}

static void
test_patch (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/schools/%s", f->school);
  g_autoptr (LcTestResponse) located = NULL;
  g_autoptr (LcTestResponse) renamed = NULL;
  g_autoptr (LcTestResponse) half = NULL;
  g_autoptr (LcTestResponse) cleared = NULL;
  g_autoptr (LcTestResponse) forbidden = NULL;
  g_autoptr (LcTestResponse) missing = NULL;
  g_autoptr (LcTestResponse) method = NULL;
  const char *allow;
  JsonObject *o;

  located = lc_test_request (f->ts, "PATCH", path, "{\"latitude\":59.93,\"longitude\":30.31}",
                             f->op, NULL);
  g_assert_cmpuint (located->status, ==, 200);
  g_assert_cmpfloat_with_epsilon (
      json_object_get_double_member (lc_test_json_object (located), "latitude"), 59.93, 1e-9);

  /* Other members stay as they were. */
  renamed = lc_test_request (f->ts, "PATCH", path, "{\"name\":\"Renamed\",\"latitude\":60}", f->op,
                             NULL);
  g_assert_cmpuint (renamed->status, ==, 200);
  o = lc_test_json_object (renamed);
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "Renamed");
  g_assert_cmpstr (json_object_get_string_member (o, "short_name"), ==, "Seeded");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "latitude"), 60, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "longitude"), 30.31, 1e-9);

  /* Clearing one coordinate alone is refused; both together work. */
  half = lc_test_request (f->ts, "PATCH", path, "{\"latitude\":null}", f->op, NULL);
  lc_test_assert_problem (half, 422, "invalid-field", "latitude");
  cleared = lc_test_request (f->ts, "PATCH", path, "{\"latitude\":null,\"longitude\":null}", f->op,
                             NULL);
  g_assert_cmpuint (cleared->status, ==, 200);
  g_assert_true (json_object_get_null_member (lc_test_json_object (cleared), "latitude"));

  forbidden = lc_test_request (f->ts, "PATCH", path, "{\"name\":\"Mine\"}", f->coordinator, NULL);
  lc_test_assert_problem (forbidden, 403, "forbidden", NULL);
  missing = lc_test_request (f->ts, "PATCH", "/api/v1/schools/AAAAAAAAAAAAAAAAAAAAAA",
                             "{\"name\":\"x\"}", f->op, NULL);
  lc_test_assert_problem (missing, 404, "not-found", NULL);

  method = lc_test_request (f->ts, "DELETE", path, NULL, f->op, NULL);
  lc_test_assert_problem (method, 405, "method-not-allowed", NULL);
  allow = soup_message_headers_get_one (method->headers, "Allow");
  g_assert_nonnull (allow);
  g_assert_nonnull (strstr (allow, "GET"));
  g_assert_nonnull (strstr (allow, "PATCH"));

  {
    LcAuditFilter filter = { .action_prefix = "school.update", .object_id = f->school };
    g_autoptr (GPtrArray) events
        = lc_store_list_audit_events (lc_app_get_store (f->ts->app), &filter, NULL, NULL);

    g_assert_cmpuint (events->len, ==, 3);
  }
}

static void
test_get (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/schools/%s", f->school);
  g_autofree char *with_query = g_strdup_printf ("/api/v1/schools/%s?expand=all", f->school);
  g_autoptr (LcTestResponse) resp = lc_test_request (f->ts, "GET", path, NULL, NULL, NULL);
  g_autoptr (LcTestResponse) missing = NULL;
  g_autoptr (LcTestResponse) malformed = NULL;
  g_autoptr (LcTestResponse) query = NULL;

  g_assert_cmpuint (resp->status, ==, 200);
  g_assert_cmpstr (lc_test_json_string (resp, "id"), ==, f->school);
  g_assert_cmpstr (lc_test_json_string (resp, "short_name"), ==, "Seeded");
  missing
      = lc_test_request (f->ts, "GET", "/api/v1/schools/AAAAAAAAAAAAAAAAAAAAAA", NULL, NULL, NULL);
  lc_test_assert_problem (missing, 404, "not-found", NULL);
  malformed = lc_test_request (f->ts, "GET", "/api/v1/schools/x", NULL, NULL, NULL);
  lc_test_assert_problem (malformed, 404, "not-found", NULL);
  query = lc_test_request (f->ts, "GET", with_query, NULL, NULL, NULL);
  lc_test_assert_problem (query, 400, "malformed-request", NULL);
}

static GPtrArray *
walk (Fixture *f, const char *query, guint limit, guint *pages)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *cursor = NULL;

  *pages = 0;
  do
    {
      g_autofree char *path
          = g_strdup_printf ("/api/v1/schools?limit=%u%s%s%s", limit, query,
                             cursor != NULL ? "&cursor=" : "", cursor != NULL ? cursor : "");
      g_autoptr (LcTestResponse) resp = lc_test_request (f->ts, "GET", path, NULL, NULL, NULL);
      JsonArray *items = lc_test_items (resp);
      JsonObject *o = lc_test_json_object (resp);

      g_assert_cmpuint (json_array_get_length (items), <=, limit);
      for (guint i = 0; i < json_array_get_length (items); i++)
        g_ptr_array_add (names, g_strdup (json_object_get_string_member (
                                    json_array_get_object_element (items, i), "short_name")));
      g_free (cursor);
      cursor = json_object_get_null_member (o, "next_cursor")
                   ? NULL
                   : g_strdup (json_object_get_string_member (o, "next_cursor"));
      (*pages)++;
      g_assert_cmpuint (*pages, <=, 20);
    }
  while (cursor != NULL);
  return names;
}

static void
test_list (Fixture *f, gconstpointer data)
{
  const char *names[] = { "Delta", "Alpha", "Echo", "Bravo", "Charlie", "Alpha" };
  const char *expected[] = { "Alpha", "Alpha", "Bravo", "Charlie", "Delta", "Echo", "Seeded" };
  g_autoptr (GPtrArray) all = NULL;
  g_autoptr (GPtrArray) north = NULL;
  guint pages = 0;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_free (lc_test_seed_school (f->ts, names[i], i % 2 ? "North" : "South"));

  /* Ordered by name (the seeded full names follow the short names), two per page. */
  all = walk (f, "", 2, &pages);
  g_assert_cmpuint (pages, ==, 4);
  g_assert_cmpuint (all->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < all->len; i++)
    g_assert_cmpstr (g_ptr_array_index (all, i), ==, expected[i]);

  north = walk (f, "&district=North", 1, &pages);
  g_assert_cmpuint (north->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (north, 0), ==, "Alpha");
  g_assert_cmpstr (g_ptr_array_index (north, 1), ==, "Alpha");
  g_assert_cmpstr (g_ptr_array_index (north, 2), ==, "Bravo");

  {
    struct
    {
      const char *query;
      guint status;
      const char *field;
    } bad[] = {
      { "?limit=0", 422, "limit" },         { "?limit=100000", 422, "limit" },
      { "?limit=-1", 422, "limit" },        { "?cursor=!!!", 400, "cursor" },
      { "?cursor=WzEsMl0", 400, "cursor" }, { "?order=name", 400, NULL },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autofree char *path = g_strconcat ("/api/v1/schools", bad[i].query, NULL);
        g_autoptr (LcTestResponse) resp = lc_test_request (f->ts, "GET", path, NULL, NULL, NULL);

        g_test_message ("bad query %s", bad[i].query);
        lc_test_assert_problem (resp, bad[i].status, NULL, bad[i].field);
      }
  }
}

static void
test_districts (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestResponse) resp = NULL;
  g_autoptr (LcTestResponse) query = NULL;
  JsonArray *items;
  JsonObject *o;

  g_free (lc_test_seed_school (f->ts, "N1", "North"));
  g_free (lc_test_seed_school (f->ts, "N2", "North"));
  g_free (lc_test_seed_school (f->ts, "S1", "South"));

  resp = lc_test_request (f->ts, "GET", "/api/v1/districts", NULL, NULL, NULL);
  items = lc_test_items (resp);
  g_assert_cmpuint (json_array_get_length (items), ==, 3);
  o = json_array_get_object_element (items, 0);
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "North");
  g_assert_cmpint (json_object_get_int_member (o, "schools"), ==, 2);
  o = json_array_get_object_element (items, 1);
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "South");
  g_assert_cmpint (json_object_get_int_member (o, "schools"), ==, 1);
  o = json_array_get_object_element (items, 2);
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "West");
  g_assert_cmpint (json_object_get_int_member (o, "schools"), ==, 1);

  query = lc_test_request (f->ts, "GET", "/api/v1/districts?limit=1", NULL, NULL, NULL);
  lc_test_assert_problem (query, 400, "malformed-request", NULL);
}

int
main (int argc, char **argv)
{
  static const char *const small_body[] = { "server.max_body_bytes=1024", NULL };

  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data)                                                                      \
  g_test_add ("/api/schools/" path, Fixture, data, fixture_setup, func, fixture_teardown)
  ADD ("create", test_create, NULL);
  ADD ("create/minimal", test_create_minimal, NULL);
  ADD ("create/errors", test_create_errors, NULL);
  ADD ("create/too-large", test_create_too_large, small_body);
  ADD ("patch", test_patch, NULL);
  ADD ("get", test_get, NULL);
  ADD ("list", test_list, NULL);
  ADD ("districts", test_districts, NULL);
#undef ADD

  return g_test_run ();
}
