/* test-api-lessons.c — /api/v1/lessons against the real server: create,
 * update, cancel, publish key, role checks, visibility, the teacher-name
 * consent rule, every filter, cursor paging and the error statuses. */
#include <string.h>

#include "common/lc-store.h"
#include "common/lc-time.h"
#include "lc-test-util.h"

#define PASSWORD "Lesson-pass-2026"

typedef struct
{
  LcTestServer *ts;
  char *school_a, *school_b; /* districts North, South */
  char *coord_a, *teacher_a1, *teacher_a2, *teacher_b1, *coord_b;
  /* "Bearer …" auth strings */
  char *op, *as_coord_a, *as_a1, *as_a2, *as_b1, *as_coord_b;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->ts = lc_test_server_start (data, FALSE);
  f->school_a = lc_test_seed_school (f->ts, "School A", "North");
  f->school_b = lc_test_seed_school (f->ts, "School B", "South");
  f->op = lc_test_operator_token (f->ts);
  {
    const LcTestStaff staff[] = {
      { "coord-a", "coordinator", f->school_a, TRUE, &f->coord_a, &f->as_coord_a },
      { "teacher-a1", "teacher", f->school_a, TRUE, &f->teacher_a1, &f->as_a1 },
      { "teacher-a2", "teacher", f->school_a, FALSE, &f->teacher_a2, &f->as_a2 },
      { "teacher-b1", "teacher", f->school_b, TRUE, &f->teacher_b1, &f->as_b1 },
      { "coord-b", "coordinator", f->school_b, TRUE, &f->coord_b, &f->as_coord_b },
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
  g_free (f->teacher_a1);
  g_free (f->teacher_a2);
  g_free (f->teacher_b1);
  g_free (f->coord_b);
  g_free (f->op);
  g_free (f->as_coord_a);
  g_free (f->as_a1);
  g_free (f->as_a2);
  g_free (f->as_b1);
  g_free (f->as_coord_b);
}

/* A create body with this title and subject (JSON values) and extra members
 * appended (",\"grade\":5" or ""). */
static char *
lesson_body_with (const char *title, const char *subject, const char *extra, gint64 start_in,
                  gint64 minutes)
{
  g_autofree char *starts = lc_test_time_from_now (start_in);
  g_autofree char *ends = lc_test_time_from_now (start_in + minutes * 60);

  return g_strdup_printf ("{\"title\":%s,\"subject\":%s,\"starts_at\":\"%s\",\"ends_at\":\"%s\"%s}",
                          title, subject, starts, ends, extra);
}

/* A valid create body starting start_in seconds from now. */
static char *
lesson_body (const char *extra, gint64 start_in, gint64 minutes)
{
  return lesson_body_with ("\"Fractions\"", "\"math\"", extra, start_in, minutes);
}

/* Create a lesson through the API as auth; returns its id. */
static char *
create_lesson (Fixture *f, const char *auth, const char *extra)
{
  g_autofree char *body = lesson_body (extra, 3600, 45);

  return lc_test_create (f->ts, "/api/v1/lessons", body, auth);
}

static void
test_create_teacher (Fixture *f, gconstpointer data)
{
  g_autofree char *body = lesson_body (",\"description\":\"line one\\nline two\",\"grade\":7,"
                                       "\"visibility\":\"unlisted\",\"recording\":false",
                                       3600, 90);
  g_autoptr (LcTestResponse) resp = NULL;
  g_autoptr (LcTestResponse) got = NULL;
  g_autoptr (GPtrArray) events = NULL;
  g_autofree char *location = NULL;
  g_autofree char *watch = NULL;
  LcAuditFilter filter = { 0 };
  JsonObject *o, *school, *teacher;
  const char *id;

  resp = lc_test_request (f->ts, "POST", "/api/v1/lessons", body, f->as_a1, NULL);
  g_assert_cmpuint (resp->status, ==, 201);
  o = lc_test_json_object (resp);
  id = json_object_get_string_member (o, "id");
  g_assert_cmpuint (strlen (id), ==, 22);
  location = g_strdup_printf ("/api/v1/lessons/%s", id);
  g_assert_cmpstr (soup_message_headers_get_one (resp->headers, "Location"), ==, location);

  g_assert_cmpstr (json_object_get_string_member (o, "title"), ==, "Fractions");
  g_assert_cmpstr (json_object_get_string_member (o, "description"), ==, "line one\nline two");
  g_assert_cmpstr (json_object_get_string_member (o, "subject"), ==, "math");
  g_assert_cmpint (json_object_get_int_member (o, "grade"), ==, 7);
  g_assert_cmpstr (json_object_get_string_member (o, "visibility"), ==, "unlisted");
  g_assert_false (json_object_get_boolean_member (o, "recording"));
  g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, "scheduled");
  watch = g_strdup_printf ("/watch/%s", id);
  g_assert_cmpstr (json_object_get_string_member (o, "watch_url"), ==, watch);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (o, "starts_at"), "Z"));
  g_assert_false (json_object_has_member (o, "publish_key"));
  g_assert_null (strstr (g_bytes_get_data (resp->body, NULL), "lpk_"));

  school = json_object_get_object_member (o, "school");
  g_assert_cmpstr (json_object_get_string_member (school, "id"), ==, f->school_a);
  g_assert_cmpstr (json_object_get_string_member (school, "short_name"), ==, "School A");
  g_assert_cmpstr (json_object_get_string_member (school, "district"), ==, "North");
  teacher = json_object_get_object_member (o, "teacher");
  g_assert_cmpstr (json_object_get_string_member (teacher, "id"), ==, f->teacher_a1);
  g_assert_cmpstr (json_object_get_string_member (teacher, "name"), ==, "teacher-a1 (display)");
  g_assert_true (json_object_get_boolean_member (teacher, "name_public"));

  got = lc_test_request (f->ts, "GET", location, NULL, NULL, NULL);
  g_assert_cmpuint (got->status, ==, 200);
  g_assert_cmpstr (lc_test_json_string (got, "id"), ==, id);

  /* The creation is audited with its actor. */
  filter.action_prefix = "lesson.create";
  filter.object_id = id;
  events = lc_store_list_audit_events (lc_app_get_store (f->ts->app), &filter, NULL, NULL);
  g_assert_nonnull (events);
  g_assert_cmpuint (events->len, ==, 1);
  g_assert_cmpstr (((LcAuditEvent *)g_ptr_array_index (events, 0))->actor_id, ==, f->teacher_a1);
  g_assert_cmpstr (((LcAuditEvent *)g_ptr_array_index (events, 0))->client, ==, "127.0.0.1");
}

static void
test_create_with_offset (Fixture *f, gconstpointer data)
{
  g_autoptr (GDateTime) start_utc = g_date_time_new_from_unix_utc (lc_time_now () + 7200);
  g_autoptr (GTimeZone) msk = g_time_zone_new_identifier ("+03:00");
  g_autoptr (GDateTime) start = g_date_time_to_timezone (start_utc, msk);
  g_autoptr (GDateTime) end = g_date_time_add_minutes (start, 40);
  g_autofree char *starts = g_date_time_format (start, "%Y-%m-%dT%H:%M:%S%:z");
  g_autofree char *ends = g_date_time_format (end, "%Y-%m-%dT%H:%M:%S%:z");
  g_autofree char *expected = lc_time_format_rfc3339 (g_date_time_to_unix (start_utc));
  g_autofree char *body = g_strdup_printf ("{\"title\":\"Offsets\",\"subject\":\"geo\","
                                           "\"starts_at\":\"%s\",\"ends_at\":\"%s\"}",
                                           starts, ends);
  g_autoptr (LcTestResponse) resp
      = lc_test_request (f->ts, "POST", "/api/v1/lessons", body, f->as_a1, NULL);

  g_assert_true (g_str_has_suffix (starts, "+03:00"));
  g_assert_cmpuint (resp->status, ==, 201);
  g_assert_cmpstr (lc_test_json_string (resp, "starts_at"), ==, expected);
  /* Defaults */
  g_assert_cmpstr (lc_test_json_string (resp, "visibility"), ==, "public");
  g_assert_true (json_object_get_boolean_member (lc_test_json_object (resp), "recording"));
  g_assert_true (json_object_get_null_member (lc_test_json_object (resp), "grade"));
  g_assert_cmpstr (lc_test_json_string (resp, "description"), ==, "");
}

static void
test_create_roles (Fixture *f, gconstpointer data)
{
  struct
  {
    const char *who;
    char *auth;
    char *extra;
    guint status;
    const char *slug, *field;
  } cases[] = {
    { "teacher names another teacher", f->as_a1,
      g_strdup_printf (",\"teacher_id\":\"%s\"", f->teacher_a2), 403, "forbidden", NULL },
    { "teacher in another school", f->as_a1, g_strdup_printf (",\"school_id\":\"%s\"", f->school_b),
      403, "forbidden", NULL },
    { "teacher names self", f->as_a1, g_strdup_printf (",\"teacher_id\":\"%s\"", f->teacher_a1),
      201, NULL, NULL },
    { "coordinator without teacher", f->as_coord_a, g_strdup (""), 422, "invalid-field",
      "teacher_id" },
    { "coordinator, teacher of another school", f->as_coord_a,
      g_strdup_printf (",\"teacher_id\":\"%s\"", f->teacher_b1), 422, "invalid-field",
      "teacher_id" },
    { "coordinator, a coordinator as teacher", f->as_coord_a,
      g_strdup_printf (",\"teacher_id\":\"%s\"", f->coord_a), 422, "invalid-field", "teacher_id" },
    { "coordinator, other school", f->as_coord_a,
      g_strdup_printf (",\"school_id\":\"%s\",\"teacher_id\":\"%s\"", f->school_b, f->teacher_b1),
      403, "forbidden", NULL },
    { "coordinator, own teacher", f->as_coord_a,
      g_strdup_printf (",\"teacher_id\":\"%s\"", f->teacher_a2), 201, NULL, NULL },
    { "operator without school", f->op, g_strdup_printf (",\"teacher_id\":\"%s\"", f->teacher_b1),
      422, "invalid-field", "school_id" },
    { "operator without teacher", f->op, g_strdup_printf (",\"school_id\":\"%s\"", f->school_b),
      422, "invalid-field", "teacher_id" },
    { "operator, unknown school", f->op,
      g_strdup_printf (",\"school_id\":\"AAAAAAAAAAAAAAAAAAAAAA\",\"teacher_id\":\"%s\"",
                       f->teacher_b1),
      422, "invalid-field", "school_id" },
    { "operator, teacher not of the school", f->op,
      g_strdup_printf (",\"school_id\":\"%s\",\"teacher_id\":\"%s\"", f->school_b, f->teacher_a1),
      422, "invalid-field", "teacher_id" },
    { "operator", f->op,
      g_strdup_printf (",\"school_id\":\"%s\",\"teacher_id\":\"%s\"", f->school_b, f->teacher_b1),
      201, NULL, NULL },
    { "anonymous", NULL, g_strdup (""), 401, "unauthorized", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *body = lesson_body (cases[i].extra, 3600, 45);
      g_autoptr (LcTestResponse) resp = NULL;

      g_test_message ("case: %s", cases[i].who);
      resp = lc_test_request (f->ts, "POST", "/api/v1/lessons", body, cases[i].auth, NULL);
      if (cases[i].status == 201)
        g_assert_cmpuint (resp->status, ==, 201);
      else
        lc_test_assert_problem (resp, cases[i].status, cases[i].slug, cases[i].field);
      if (cases[i].status == 401)
        g_assert_cmpstr (soup_message_headers_get_one (resp->headers, "WWW-Authenticate"), ==,
                         "Bearer realm=\"lessoncast\"");
      g_free (cases[i].extra);
    }
}

static void
test_create_validation (Fixture *f, gconstpointer data)
{
  g_autofree char *now = lc_test_time_from_now (0);
  g_autofree char *in_hour = lc_test_time_from_now (3600);
  g_autofree char *long_title = g_strnfill (201, 'x');
  g_autofree char *long_description = g_strnfill (5001, 'x');
  struct
  {
    char *body;
    guint status;
    const char *slug, *field;
  } cases[] = {
    { lesson_body ("", -600, 45), 422, "invalid-field", "starts_at" },
    { lesson_body ("", -120, 45), 201, NULL, NULL }, /* within the 5 minute tolerance */
    { lesson_body ("", 3600, 0), 422, "invalid-field", "ends_at" },
    { lesson_body ("", 3600, -10), 422, "invalid-field", "ends_at" },
    { lesson_body ("", 3600, 241), 422, "invalid-field", "ends_at" }, /* max 240 min */
    { lesson_body ("", 3600, 240), 201, NULL, NULL },
    { g_strdup_printf ("{\"title\":\"t\",\"subject\":\"s\",\"starts_at\":\"2030-01-01T09:00:00\","
                       "\"ends_at\":\"%s\"}",
                       in_hour),
      422, "invalid-field", "starts_at" },
    { g_strdup_printf ("{\"title\":\"t\",\"subject\":\"s\",\"starts_at\":\"%s\"}", now), 422,
      "invalid-field", "ends_at" },
    { lesson_body (",\"grade\":12", 3600, 45), 422, "invalid-field", "grade" },
    { lesson_body (",\"grade\":0", 3600, 45), 422, "invalid-field", "grade" },
    { lesson_body (",\"grade\":\"5\"", 3600, 45), 422, "invalid-field", "grade" },
    { lesson_body (",\"visibility\":\"secret\"", 3600, 45), 422, "invalid-field", "visibility" },
    { lesson_body (",\"recording\":\"yes\"", 3600, 45), 422, "invalid-field", "recording" },
    { lesson_body (",\"colour\":\"red\"", 3600, 45), 422, "invalid-field", "colour" },
    { lesson_body (",\"status\":\"live\"", 3600, 45), 422, "invalid-field", "status" },
    { lesson_body (",\"school_id\":\"not-an-id\"", 3600, 45), 422, "invalid-field", "school_id" },
    { g_strdup_printf (
          "{\"title\":\"%s\",\"subject\":\"s\",\"starts_at\":\"%s\",\"ends_at\":\"%s\"}",
          long_title, in_hour, in_hour),
      422, "invalid-field", "title" },
    { lesson_body_with ("\"\"", "\"math\"", "", 3600, 45), 422, "invalid-field", "title" },
    { lesson_body_with ("\"t\"", "\"a\\u0001b\"", "", 3600, 45), 422, "invalid-field", "subject" },
    { g_strdup_printf ("{\"description\":\"%s\",\"title\":\"t\",\"subject\":\"s\","
                       "\"starts_at\":\"%s\",\"ends_at\":\"%s\"}",
                       long_description, in_hour, in_hour),
      422, "invalid-field", "description" },
    { g_strdup ("{\"title\": "), 400, "malformed-request", NULL },
    { g_strdup ("[1,2,3]"), 400, "malformed-request", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (LcTestResponse) resp = NULL;

      g_test_message ("case %u: %s", i, cases[i].body);
      resp = lc_test_request (f->ts, "POST", "/api/v1/lessons", cases[i].body, f->as_a1, NULL);
      if (cases[i].status == 201)
        g_assert_cmpuint (resp->status, ==, 201);
      else
        lc_test_assert_problem (resp, cases[i].status, cases[i].slug, cases[i].field);
      g_free (cases[i].body);
    }
}

static void
test_create_media_type (Fixture *f, gconstpointer data)
{
  g_autofree char *body = lesson_body ("", 3600, 45);
  g_autoptr (LcTestResponse) text = NULL;
  g_autoptr (LcTestResponse) query = NULL;

  text = lc_test_request (f->ts, "POST", "/api/v1/lessons", body, f->as_a1, "Content-Type",
                          "text/plain", NULL);
  lc_test_assert_problem (text, 415, "unsupported-media-type", NULL);
  query = lc_test_request (f->ts, "POST", "/api/v1/lessons?draft=1", body, f->as_a1, NULL);
  lc_test_assert_problem (query, 400, "malformed-request", NULL);
}

static void
test_create_too_large (Fixture *f, gconstpointer data)
{
  g_autofree char *filler = g_strnfill (1500, 'x');
  g_autofree char *extra = g_strdup_printf (",\"description\":\"%s\"", filler);
  g_autofree char *body = lesson_body (extra, 3600, 45);
  g_autoptr (LcTestResponse) resp = NULL;

  resp = lc_test_request (f->ts, "POST", "/api/v1/lessons", body, f->as_a1, NULL);
  lc_test_assert_problem (resp, 413, "payload-too-large", NULL);
}

static void
test_update (Fixture *f, gconstpointer data)
{
  g_autofree char *id = create_lesson (f, f->as_a1, ",\"grade\":5");
  g_autofree char *path = g_strdup_printf ("/api/v1/lessons/%s", id);
  g_autofree char *past = lc_test_time_from_now (-3600);
  g_autofree char *later = lc_test_time_from_now (7200);
  g_autofree char *later_end = lc_test_time_from_now (7200 + 30 * 60);
  g_autofree char *body = NULL;
  g_autoptr (LcTestResponse) resp = NULL;
  JsonObject *o;

  /* The teacher edits the title and clears the grade. */
  resp = lc_test_request (f->ts, "PATCH", path, "{\"title\":\"Decimals\",\"grade\":null}", f->as_a1,
                          NULL);
  g_assert_cmpuint (resp->status, ==, 200);
  o = lc_test_json_object (resp);
  g_assert_cmpstr (json_object_get_string_member (o, "title"), ==, "Decimals");
  g_assert_true (json_object_get_null_member (o, "grade"));
  g_assert_cmpstr (json_object_get_string_member (o, "subject"), ==, "math");
  g_clear_pointer (&resp, lc_test_response_free);

  /* Others may not. */
  resp = lc_test_request (f->ts, "PATCH", path, "{\"title\":\"x\"}", f->as_a2, NULL);
  lc_test_assert_problem (resp, 403, "forbidden", NULL);
  g_clear_pointer (&resp, lc_test_response_free);
  resp = lc_test_request (f->ts, "PATCH", path, "{\"title\":\"x\"}", f->as_b1, NULL);
  lc_test_assert_problem (resp, 403, "forbidden", NULL);
  g_clear_pointer (&resp, lc_test_response_free);
  resp = lc_test_request (f->ts, "PATCH", path, "{\"title\":\"x\"}", f->as_coord_b, NULL);
  lc_test_assert_problem (resp, 403, "forbidden", NULL);
  g_clear_pointer (&resp, lc_test_response_free);
  resp = lc_test_request (f->ts, "PATCH", path, "{\"title\":\"x\"}", NULL, NULL);
  lc_test_assert_problem (resp, 401, "unauthorized", NULL);
  g_clear_pointer (&resp, lc_test_response_free);

  /* A teacher cannot hand the lesson over; the coordinator can. */
  body = g_strdup_printf ("{\"teacher_id\":\"%s\"}", f->teacher_a2);
  resp = lc_test_request (f->ts, "PATCH", path, body, f->as_a1, NULL);
  lc_test_assert_problem (resp, 403, "forbidden", NULL);
  g_clear_pointer (&resp, lc_test_response_free);
  g_free (body);
  body = g_strdup_printf ("{\"teacher_id\":\"%s\"}", f->teacher_b1);
  resp = lc_test_request (f->ts, "PATCH", path, body, f->as_coord_a, NULL);
  lc_test_assert_problem (resp, 422, "invalid-field", "teacher_id");
  g_clear_pointer (&resp, lc_test_response_free);
  g_free (body);
  body = g_strdup_printf ("{\"teacher_id\":\"%s\"}", f->teacher_a2);
  resp = lc_test_request (f->ts, "PATCH", path, body, f->as_coord_a, NULL);
  g_assert_cmpuint (resp->status, ==, 200);
  o = json_object_get_object_member (lc_test_json_object (resp), "teacher");
  g_assert_cmpstr (json_object_get_string_member (o, "id"), ==, f->teacher_a2);
  g_clear_pointer (&resp, lc_test_response_free);

  /* Time rules on the merged values. */
  g_free (body);
  body = g_strdup_printf ("{\"starts_at\":\"%s\"}", past);
  resp = lc_test_request (f->ts, "PATCH", path, body, f->as_coord_a, NULL);
  lc_test_assert_problem (resp, 422, "invalid-field", "starts_at");
  g_clear_pointer (&resp, lc_test_response_free);
  g_free (body);
  body = g_strdup_printf ("{\"starts_at\":\"%s\"}", later); /* after the current end */
  resp = lc_test_request (f->ts, "PATCH", path, body, f->as_coord_a, NULL);
  lc_test_assert_problem (resp, 422, "invalid-field", "ends_at");
  g_clear_pointer (&resp, lc_test_response_free);
  g_free (body);
  body = g_strdup_printf ("{\"starts_at\":\"%s\",\"ends_at\":\"%s\"}", later, later_end);
  resp = lc_test_request (f->ts, "PATCH", path, body, f->as_coord_a, NULL);
  g_assert_cmpuint (resp->status, ==, 200);
  g_assert_cmpstr (lc_test_json_string (resp, "starts_at"), ==, later);
  g_assert_cmpstr (lc_test_json_string (resp, "ends_at"), ==, later_end);
  g_clear_pointer (&resp, lc_test_response_free);

  /* Bad bodies and unknown lessons. */
  resp = lc_test_request (f->ts, "PATCH", path, "{\"school_id\":null}", f->op, NULL);
  lc_test_assert_problem (resp, 422, "invalid-field", "school_id");
  g_clear_pointer (&resp, lc_test_response_free);
  resp = lc_test_request (f->ts, "PATCH", path, "{not json", f->op, NULL);
  lc_test_assert_problem (resp, 400, "malformed-request", NULL);
  g_clear_pointer (&resp, lc_test_response_free);
  resp = lc_test_request (f->ts, "PATCH", "/api/v1/lessons/AAAAAAAAAAAAAAAAAAAAAA",
                          "{\"title\":\"x\"}", f->op, NULL);
  lc_test_assert_problem (resp, 404, "not-found", NULL);
  g_clear_pointer (&resp, lc_test_response_free);
  resp = lc_test_request (f->ts, "GET", "/api/v1/lessons/nope", NULL, NULL, NULL);
  lc_test_assert_problem (resp, 404, "not-found", NULL);
}

static void
test_cancel (Fixture *f, gconstpointer data)
{
  g_autofree char *id = create_lesson (f, f->as_a1, "");
  g_autofree char *path = g_strdup_printf ("/api/v1/lessons/%s", id);
  g_autofree char *cancel = g_strdup_printf ("/api/v1/lessons/%s/cancel", id);
  g_autoptr (LcTestResponse) resp = NULL;

  resp = lc_test_request (f->ts, "POST", cancel, NULL, f->as_b1, NULL);
  lc_test_assert_problem (resp, 403, "forbidden", NULL);
  g_clear_pointer (&resp, lc_test_response_free);
  resp = lc_test_request (f->ts, "POST", cancel, NULL, NULL, NULL);
  lc_test_assert_problem (resp, 401, "unauthorized", NULL);
  g_clear_pointer (&resp, lc_test_response_free);

  resp = lc_test_request (f->ts, "POST", cancel, NULL, f->as_coord_a, NULL);
  g_assert_cmpuint (resp->status, ==, 200);
  g_assert_cmpstr (lc_test_json_string (resp, "status"), ==, "cancelled");
  g_clear_pointer (&resp, lc_test_response_free);

  resp = lc_test_request (f->ts, "POST", cancel, NULL, f->as_a1, NULL);
  lc_test_assert_problem (resp, 409, "conflict", NULL);
  g_clear_pointer (&resp, lc_test_response_free);
  resp = lc_test_request (f->ts, "PATCH", path, "{\"title\":\"again\"}", f->as_a1, NULL);
  lc_test_assert_problem (resp, 409, "conflict", NULL);
  g_clear_pointer (&resp, lc_test_response_free);
  resp = lc_test_request (f->ts, "POST", "/api/v1/lessons/AAAAAAAAAAAAAAAAAAAAAA/cancel", NULL,
                          f->op, NULL);
  lc_test_assert_problem (resp, 404, "not-found", NULL);
}

static void
test_publish_key (Fixture *f, gconstpointer data)
{
  g_autofree char *id = create_lesson (f, f->as_a1, "");
  g_autofree char *path = g_strdup_printf ("/api/v1/lessons/%s/publish-key", id);
  g_autofree char *whip = g_strdup_printf ("%s/whip/%s", f->ts->base_url, id);
  g_autofree char *first = NULL;
  g_autoptr (LcTestResponse) resp = NULL;

  resp = lc_test_request (f->ts, "GET", path, NULL, f->as_a1, NULL);
  g_assert_cmpuint (resp->status, ==, 200);
  g_assert_true (g_str_has_prefix (lc_test_json_string (resp, "publish_key"), "lpk_"));
  g_assert_cmpstr (lc_test_json_string (resp, "whip_url"), ==, whip);
  g_assert_cmpstr (soup_message_headers_get_one (resp->headers, "Cache-Control"), ==, "no-store");
  first = g_strdup (lc_test_json_string (resp, "publish_key"));
  g_clear_pointer (&resp, lc_test_response_free);

  /* The coordinator and the operator see the same key. */
  resp = lc_test_request (f->ts, "GET", path, NULL, f->as_coord_a, NULL);
  g_assert_cmpuint (resp->status, ==, 200);
  g_assert_cmpstr (lc_test_json_string (resp, "publish_key"), ==, first);
  g_clear_pointer (&resp, lc_test_response_free);

  resp = lc_test_request (f->ts, "POST", path, NULL, f->as_a1, NULL);
  g_assert_cmpuint (resp->status, ==, 200);
  g_assert_true (g_str_has_prefix (lc_test_json_string (resp, "publish_key"), "lpk_"));
  g_assert_cmpstr (lc_test_json_string (resp, "publish_key"), !=, first);
  g_clear_pointer (&resp, lc_test_response_free);

  resp = lc_test_request (f->ts, "GET", path, NULL, f->op, NULL);
  g_assert_cmpuint (resp->status, ==, 200);
  g_assert_cmpstr (lc_test_json_string (resp, "publish_key"), !=, first);
  g_clear_pointer (&resp, lc_test_response_free);

  resp = lc_test_request (f->ts, "GET", path, NULL, NULL, NULL);
  lc_test_assert_problem (resp, 401, "unauthorized", NULL);
  g_clear_pointer (&resp, lc_test_response_free);
  resp = lc_test_request (f->ts, "GET", path, NULL, f->as_a2, NULL);
  lc_test_assert_problem (resp, 403, "forbidden", NULL);
  g_clear_pointer (&resp, lc_test_response_free);
  resp = lc_test_request (f->ts, "POST", path, NULL, f->as_coord_b, NULL);
  lc_test_assert_problem (resp, 403, "forbidden", NULL);
  g_clear_pointer (&resp, lc_test_response_free);
  resp = lc_test_request (f->ts, "GET", "/api/v1/lessons/AAAAAAAAAAAAAAAAAAAAAA/publish-key", NULL,
                          f->op, NULL);
  lc_test_assert_problem (resp, 404, "not-found", NULL);
}

/* Ids of a list response, in order. */
static GPtrArray *
list_ids (Fixture *f, const char *query, const char *auth)
{
  g_autofree char *path = g_strconcat ("/api/v1/lessons", query, NULL);
  g_autoptr (LcTestResponse) resp = lc_test_request (f->ts, "GET", path, NULL, auth, NULL);
  JsonArray *items = lc_test_items (resp);
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < json_array_get_length (items); i++)
    g_ptr_array_add (ids, g_strdup (json_object_get_string_member (
                              json_array_get_object_element (items, i), "id")));
  return ids;
}

/* Assert that a list query returns exactly the given ids (NULL-terminated), in order. */
static void
assert_list (Fixture *f, const char *query, const char *auth, ...)
{
  g_autoptr (GPtrArray) ids = list_ids (f, query, auth);
  const char *id;
  guint n = 0;
  va_list args;

  g_test_message ("query %s", query);
  va_start (args, auth);
  while ((id = va_arg (args, const char *)) != NULL)
    {
      g_assert_cmpuint (n, <, ids->len);
      g_assert_cmpstr (g_ptr_array_index (ids, n), ==, id);
      n++;
    }
  va_end (args);
  g_assert_cmpuint (ids->len, ==, n);
}

static void
test_visibility (Fixture *f, gconstpointer data)
{
  gint64 t = lc_time_now () + 86400;
  g_autofree char *pub_a = lc_test_seed_lesson (f->ts, f->school_a, f->teacher_a1, t, "math", 5,
                                                "public", "scheduled");
  g_autofree char *unl_a = lc_test_seed_lesson (f->ts, f->school_a, f->teacher_a1, t + 60, "math",
                                                5, "unlisted", "scheduled");
  g_autofree char *unl_b = lc_test_seed_lesson (f->ts, f->school_b, f->teacher_b1, t + 120, "math",
                                                5, "unlisted", "scheduled");
  g_autofree char *path = g_strdup_printf ("/api/v1/lessons/%s", unl_b);
  g_autoptr (LcTestResponse) resp = NULL;

  assert_list (f, "", NULL, pub_a, NULL);
  assert_list (f, "", f->as_a2, pub_a, unl_a, NULL);
  assert_list (f, "", f->as_coord_a, pub_a, unl_a, NULL);
  assert_list (f, "", f->as_b1, pub_a, unl_b, NULL);
  assert_list (f, "", f->op, pub_a, unl_a, unl_b, NULL);

  /* Unlisted lessons are reachable by id, even anonymously. */
  resp = lc_test_request (f->ts, "GET", path, NULL, NULL, NULL);
  g_assert_cmpuint (resp->status, ==, 200);
  g_assert_cmpstr (lc_test_json_string (resp, "visibility"), ==, "unlisted");
}

static void
test_consent (Fixture *f, gconstpointer data)
{
  gint64 t = lc_time_now () + 86400;
  g_autofree char *consented = lc_test_seed_lesson (f->ts, f->school_a, f->teacher_a1, t, "math", 5,
                                                    "public", "scheduled");
  g_autofree char *private = lc_test_seed_lesson (f->ts, f->school_a, f->teacher_a2, t + 60, "math",
                                                  5, "public", "scheduled");
  struct
  {
    const char *lesson;
    const char *auth;
    const char *name;
    gboolean name_public;
    const char *id; /* NULL = no id shown */
  } cases[] = {
    { consented, NULL, "teacher-a1 (display)", TRUE, NULL },
    { private, NULL, "teacher of School A", FALSE, NULL },
    { private, f->as_b1, "teacher of School A", FALSE, NULL },
    { private, f->as_coord_b, "teacher of School A", FALSE, NULL },
    { private, f->as_a1, "teacher of School A", FALSE, f->teacher_a2 },
    { consented, f->as_coord_a, "teacher-a1 (display)", TRUE, f->teacher_a1 },
    { private, f->op, "teacher of School A", FALSE, f->teacher_a2 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/lessons/%s", cases[i].lesson);
      g_autoptr (LcTestResponse) resp
          = lc_test_request (f->ts, "GET", path, NULL, cases[i].auth, NULL);
      JsonObject *teacher;

      g_test_message ("case %u", i);
      g_assert_cmpuint (resp->status, ==, 200);
      teacher = json_object_get_object_member (lc_test_json_object (resp), "teacher");
      g_assert_cmpstr (json_object_get_string_member (teacher, "name"), ==, cases[i].name);
      g_assert_cmpint (json_object_get_boolean_member (teacher, "name_public"), ==,
                       cases[i].name_public);
      if (cases[i].id != NULL)
        g_assert_cmpstr (json_object_get_string_member (teacher, "id"), ==, cases[i].id);
      else
        g_assert_false (json_object_has_member (teacher, "id"));
      /* The display name of a teacher who did not consent never leaks. */
      g_assert_null (strstr (g_bytes_get_data (resp->body, NULL), "teacher-a2"));
    }

  /* Lists follow the same rule. */
  {
    g_autoptr (LcTestResponse) resp
        = lc_test_request (f->ts, "GET", "/api/v1/lessons", NULL, NULL, NULL);

    g_assert_cmpuint (json_array_get_length (lc_test_items (resp)), ==, 2);
    g_assert_null (strstr (g_bytes_get_data (resp->body, NULL), "teacher-a2"));
    g_assert_nonnull (strstr (g_bytes_get_data (resp->body, NULL), "teacher of School A"));
  }
}

static void
test_filters (Fixture *f, gconstpointer data)
{
  gint64 t = (lc_time_now () / 3600 + 24) * 3600;
  g_autofree char *l1 = lc_test_seed_lesson (f->ts, f->school_a, f->teacher_a1, t, "math", 5,
                                             "public", "scheduled");
  g_autofree char *l2 = lc_test_seed_lesson (f->ts, f->school_a, f->teacher_a2, t + 3600, "physics",
                                             9, "public", "scheduled");
  g_autofree char *l3 = lc_test_seed_lesson (f->ts, f->school_b, f->teacher_b1, t + 7200, "Math", 5,
                                             "public", "live");
  g_autofree char *l4 = lc_test_seed_lesson (f->ts, f->school_b, f->teacher_b1, t + 30 * 3600,
                                             "chemistry", 11, "public", "ended");
  g_autofree char *l5 = lc_test_seed_lesson (f->ts, f->school_a, f->teacher_a1, t + 3 * 3600,
                                             "math", 0, "unlisted", "scheduled");
  g_autofree char *from = lc_time_format_rfc3339 (t + 3600);
  g_autofree char *to = lc_time_format_rfc3339 (t + 3 * 3600);
  g_autofree char *q = NULL;

  assert_list (f, "", NULL, l1, l2, l3, l4, NULL);
  assert_list (f, "?district=North", NULL, l1, l2, NULL);
  assert_list (f, "?district=Nowhere", NULL, NULL);
  q = g_strdup_printf ("?school=%s", f->school_b);
  assert_list (f, q, NULL, l3, l4, NULL);
  g_free (q);
  q = g_strdup_printf ("?teacher=%s", f->teacher_a1);
  assert_list (f, q, NULL, l1, NULL);
  assert_list (f, q, f->op, l1, l5, NULL);
  g_free (q);
  assert_list (f, "?subject=MATH", NULL, l1, l3, NULL);
  assert_list (f, "?grade=5", NULL, l1, l3, NULL);
  assert_list (f, "?grade=11", NULL, l4, NULL);
  assert_list (f, "?status=live", NULL, l3, NULL);
  assert_list (f, "?status=ended", NULL, l4, NULL);
  assert_list (f, "?status=cancelled", NULL, NULL);
  q = g_strdup_printf ("?from=%s&to=%s", from, to);
  assert_list (f, q, NULL, l2, l3, NULL);
  assert_list (f, q, f->op, l2, l3, NULL);
  g_free (q);
  q = g_strdup_printf ("?from=%s", to);
  assert_list (f, q, NULL, l4, NULL);
  assert_list (f, q, f->op, l5, l4, NULL);
  g_free (q);
  q = g_strdup_printf ("?to=%s", from);
  assert_list (f, q, NULL, l1, NULL);
  g_free (q);
  q = g_strdup_printf ("?school=%s&subject=math&grade=5", f->school_a);
  assert_list (f, q, NULL, l1, NULL);

  {
    struct
    {
      const char *query;
      guint status;
      const char *field;
    } bad[] = {
      { "?grade=0", 422, "grade" },       { "?grade=12", 422, "grade" },
      { "?grade=five", 422, "grade" },    { "?status=done", 422, "status" },
      { "?from=yesterday", 422, "from" }, { "?to=2030-01-01T00:00:00", 422, "to" },
      { "?school=short", 422, "school" }, { "?teacher=short", 422, "teacher" },
      { "?limit=0", 422, "limit" },       { "?limit=201", 422, "limit" },
      { "?limit=ten", 422, "limit" },     { "?sort=title", 400, NULL },
      { "?cursor=", 400, "cursor" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autofree char *path = g_strconcat ("/api/v1/lessons", bad[i].query, NULL);
        g_autoptr (LcTestResponse) resp = lc_test_request (f->ts, "GET", path, NULL, NULL, NULL);

        g_test_message ("bad query %s", bad[i].query);
        lc_test_assert_problem (resp, bad[i].status,
                                bad[i].status == 400 ? "malformed-request" : "invalid-field",
                                bad[i].field);
      }
  }
}

static const char *
next_cursor (LcTestResponse *resp)
{
  JsonObject *o = lc_test_json_object (resp);

  g_assert_true (json_object_has_member (o, "next_cursor"));
  if (json_object_get_null_member (o, "next_cursor"))
    return NULL;
  return json_object_get_string_member (o, "next_cursor");
}

static void
test_pagination (Fixture *f, gconstpointer data)
{
  gint64 t = lc_time_now () + 86400;
  g_autoptr (GPtrArray) all = NULL;
  g_autoptr (GPtrArray) walked = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *cursor = NULL;
  guint pages = 0;

  /* Seven public lessons, three of them starting at the same moment (ties
   * are broken by id), and one unlisted that the public never sees. */
  for (guint i = 0; i < 7; i++)
    g_free (lc_test_seed_lesson (
        f->ts, i % 2 ? f->school_a : f->school_b, i % 2 ? f->teacher_a1 : f->teacher_b1,
        i < 3 ? t : t + (gint64)i * 600, "history", 6, "public", "scheduled"));
  g_free (lc_test_seed_lesson (f->ts, f->school_a, f->teacher_a1, t + 60, "history", 6, "unlisted",
                               "scheduled"));

  all = list_ids (f, "?limit=100", NULL);
  g_assert_cmpuint (all->len, ==, 7);

  do
    {
      g_autofree char *path = cursor != NULL
                                  ? g_strdup_printf ("/api/v1/lessons?limit=2&cursor=%s", cursor)
                                  : g_strdup ("/api/v1/lessons?limit=2");
      g_autoptr (LcTestResponse) resp = lc_test_request (f->ts, "GET", path, NULL, NULL, NULL);
      JsonArray *items = lc_test_items (resp);
      const char *next;

      g_assert_cmpuint (json_array_get_length (items), <=, 2);
      for (guint i = 0; i < json_array_get_length (items); i++)
        g_ptr_array_add (walked, g_strdup (json_object_get_string_member (
                                     json_array_get_object_element (items, i), "id")));
      next = next_cursor (resp);
      g_free (cursor);
      cursor = g_strdup (next);
      pages++;
      g_assert_cmpuint (pages, <=, 10);
    }
  while (cursor != NULL);

  /* Same lessons, same order: no duplicates, no gaps. */
  g_assert_cmpuint (pages, ==, 4);
  g_assert_cmpuint (walked->len, ==, all->len);
  for (guint i = 0; i < all->len; i++)
    g_assert_cmpstr (g_ptr_array_index (walked, i), ==, g_ptr_array_index (all, i));

  /* A cursor the server did not make is a 400. */
  {
    const char *garbage[] = {
      "not-a-cursor!", "WzEsMl0", /* [1,2]: wrong shape */
      "eyJhIjoxfQ",               /* {"a":1} */
      "WyJ4IiwieCJd",             /* ["x","x"] */
    };

    for (guint i = 0; i < G_N_ELEMENTS (garbage); i++)
      {
        g_autofree char *path = g_strdup_printf ("/api/v1/lessons?cursor=%s", garbage[i]);
        g_autoptr (LcTestResponse) resp = lc_test_request (f->ts, "GET", path, NULL, NULL, NULL);

        lc_test_assert_problem (resp, 400, "malformed-request", "cursor");
      }
  }
}

static void
test_methods (Fixture *f, gconstpointer data)
{
  g_autofree char *id = create_lesson (f, f->as_a1, "");
  g_autofree char *path = g_strdup_printf ("/api/v1/lessons/%s", id);
  g_autoptr (LcTestResponse) put = lc_test_request (f->ts, "PUT", path, "{}", f->as_a1, NULL);
  g_autoptr (LcTestResponse) del
      = lc_test_request (f->ts, "DELETE", "/api/v1/lessons", NULL, f->as_a1, NULL);
  const char *allow;

  lc_test_assert_problem (put, 405, "method-not-allowed", NULL);
  allow = soup_message_headers_get_one (put->headers, "Allow");
  g_assert_nonnull (allow);
  g_assert_nonnull (strstr (allow, "GET"));
  g_assert_nonnull (strstr (allow, "PATCH"));
  g_assert_null (strstr (allow, "PUT"));
  lc_test_assert_problem (del, 405, "method-not-allowed", NULL);
  allow = soup_message_headers_get_one (del->headers, "Allow");
  g_assert_nonnull (allow);
  g_assert_nonnull (strstr (allow, "POST"));
}

static void
test_csrf (Fixture *f, gconstpointer data)
{
  g_autofree char *cookie = lc_test_login_cookie (f->ts, "teacher-a1", PASSWORD);
  g_autofree char *body = lesson_body ("", 3600, 45);
  g_autoptr (LcTestResponse) none = NULL;
  g_autoptr (LcTestResponse) foreign = NULL;
  g_autoptr (LcTestResponse) own = NULL;
  g_autoptr (LcTestResponse) list = NULL;

  none = lc_test_request (f->ts, "POST", "/api/v1/lessons", body, cookie, NULL);
  lc_test_assert_problem (none, 403, "csrf", NULL);
  foreign = lc_test_request (f->ts, "POST", "/api/v1/lessons", body, cookie, "Origin",
                             "https://evil.example", NULL);
  lc_test_assert_problem (foreign, 403, "csrf", NULL);
  own = lc_test_request (f->ts, "POST", "/api/v1/lessons", body, cookie, "Origin", f->ts->base_url,
                         NULL);
  g_assert_cmpuint (own->status, ==, 201);

  /* Only the one lesson exists: the refused requests changed nothing. */
  list = lc_test_request (f->ts, "GET", "/api/v1/lessons", NULL, cookie, NULL);
  g_assert_cmpuint (json_array_get_length (lc_test_items (list)), ==, 1);
}

int
main (int argc, char **argv)
{
  static const char *const small_body[] = { "server.max_body_bytes=1024", NULL };

  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data)                                                                      \
  g_test_add ("/api/lessons/" path, Fixture, data, fixture_setup, func, fixture_teardown)
  ADD ("create/teacher", test_create_teacher, NULL);
  ADD ("create/offset", test_create_with_offset, NULL);
  ADD ("create/roles", test_create_roles, NULL);
  ADD ("create/validation", test_create_validation, NULL);
  ADD ("create/media-type", test_create_media_type, NULL);
  ADD ("create/too-large", test_create_too_large, small_body);
  ADD ("update", test_update, NULL);
  ADD ("cancel", test_cancel, NULL);
  ADD ("publish-key", test_publish_key, NULL);
  ADD ("visibility", test_visibility, NULL);
  ADD ("consent", test_consent, NULL);
  ADD ("filters", test_filters, NULL);
  ADD ("pagination", test_pagination, NULL);
  ADD ("methods", test_methods, NULL);
  ADD ("csrf", test_csrf, NULL);
#undef ADD

  return g_test_run ();
}
