/* test-api-conferences.c — /api/v1/conferences against the real server:
 * booking, every booking rule (times, clash with conflict_id, capacity, two
 * conflicting bookings fired at once), edits that ask invited schools again,
 * accept/decline, the /check dry run, the permissions matrix, list filters and
 * paging, join links and room-info (tampered, expired, other-conference
 * tokens), the attendance report (JSON and CSV), the public config and the
 * demo conferences. */
#include <string.h>

#include "common/lc-join-token.h"
#include "common/lc-store.h"
#include "common/lc-time.h"
#include "lc-test-util.h"
#include "server/lc-demo.h"

#define PASSWORD "Confer-pass-2026"
#define HOUR 3600

typedef struct
{
  LcTestServer *ts;
  char *school_a, *school_b, *school_c, *school_d; /* A hosts; D is never involved */
  char *coord_a, *teacher_a, *coord_b, *teacher_b, *coord_c, *coord_d;
  /* "Bearer …" auth strings */
  char *op, *as_coord_a, *as_teacher_a, *as_coord_b, *as_teacher_b, *as_coord_c, *as_coord_d;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->ts = lc_test_server_start (data, FALSE);
  f->school_a = lc_test_seed_school (f->ts, "School A", "North");
  f->school_b = lc_test_seed_school (f->ts, "School B", "South");
  f->school_c = lc_test_seed_school (f->ts, "School C", "South");
  f->school_d = lc_test_seed_school (f->ts, "School D", "East");
  f->op = lc_test_operator_token (f->ts);
  {
    const LcTestStaff staff[] = {
      { "coord-a", "coordinator", f->school_a, TRUE, &f->coord_a, &f->as_coord_a },
      { "teacher-a", "teacher", f->school_a, TRUE, &f->teacher_a, &f->as_teacher_a },
      { "coord-b", "coordinator", f->school_b, TRUE, &f->coord_b, &f->as_coord_b },
      { "teacher-b", "teacher", f->school_b, TRUE, &f->teacher_b, &f->as_teacher_b },
      { "coord-c", "coordinator", f->school_c, TRUE, &f->coord_c, &f->as_coord_c },
      { "coord-d", "coordinator", f->school_d, TRUE, &f->coord_d, &f->as_coord_d },
    };

    lc_test_seed_staff (f->ts, staff, G_N_ELEMENTS (staff), PASSWORD);
  }
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  char **strings[]
      = { &f->school_a,   &f->school_b,   &f->school_c,     &f->school_d,   &f->coord_a,
          &f->teacher_a,  &f->coord_b,    &f->teacher_b,    &f->coord_c,    &f->coord_d,
          &f->op,         &f->as_coord_a, &f->as_teacher_a, &f->as_coord_b, &f->as_teacher_b,
          &f->as_coord_c, &f->as_coord_d };

  lc_test_server_stop (f->ts);
  for (gsize i = 0; i < G_N_ELEMENTS (strings); i++)
    g_clear_pointer (strings[i], g_free);
}

/* A create body: starts at starts_at, lasts minutes; invited is the JSON
 * array text; extra members appended (",\"agenda\":\"…\"" or ""). */
static char *
conference_body_at (const char *title, gint64 starts_at, gint64 minutes, const char *invited,
                    const char *extra)
{
  g_autofree char *starts = lc_time_format_rfc3339 (starts_at);
  g_autofree char *ends = lc_time_format_rfc3339 (starts_at + minutes * 60);

  return g_strdup_printf ("{\"title\":\"%s\",\"starts_at\":\"%s\",\"ends_at\":\"%s\","
                          "\"invited_school_ids\":%s%s}",
                          title, starts, ends, invited, extra);
}

/* The same, starting start_in seconds from now. */
static char *
conference_body (const char *title, gint64 start_in, gint64 minutes, const char *invited,
                 const char *extra)
{
  return conference_body_at (title, lc_time_now () + start_in, minutes, invited, extra);
}

/* ["a","b"] of ids (NULL-terminated). */
static char *
ids_json (const char *first, ...)
{
  g_autoptr (GString) out = g_string_new ("[");
  const char *id = first;
  va_list args;

  va_start (args, first);
  while (id != NULL)
    {
      g_string_append_printf (out, "%s\"%s\"", out->len > 1 ? "," : "", id);
      id = va_arg (args, const char *);
    }
  va_end (args);
  g_string_append_c (out, ']');
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static const char *
body_text (LcTestResponse *resp)
{
  return g_bytes_get_data (resp->body, NULL);
}

static void
assert_status (LcTestResponse *resp, guint status)
{
  if (resp->status != status)
    g_test_message ("unexpected %u: %s", resp->status, body_text (resp));
  g_assert_cmpuint (resp->status, ==, status);
}

/* POST a create body as auth; asserts 201 and returns the id. */
static char *
create_with (Fixture *f, const char *auth, const char *body)
{
  return lc_test_create (f->ts, "/api/v1/conferences", body, auth);
}

/* coord-a books [start_in, +minutes) with B and C invited. */
static char *
create_conference (Fixture *f, gint64 start_in, gint64 minutes)
{
  g_autofree char *invited = ids_json (f->school_b, f->school_c, NULL);
  g_autofree char *body = conference_body ("Joint lesson", start_in, minutes, invited, "");

  return create_with (f, f->as_coord_a, body);
}

static LcTestResponse *
conference_request (Fixture *f, const char *method, const char *id, const char *suffix,
                    const char *body, const char *auth)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/conferences/%s%s", id, suffix);

  return lc_test_request (f->ts, method, path, body, auth, NULL);
}

static LcTestResponse *
get_conference (Fixture *f, const char *id, const char *auth)
{
  return conference_request (f, "GET", id, "", NULL, auth);
}

/* The invite of school_id in a Conference response. (transfer none) */
static JsonObject *
invite_of (LcTestResponse *resp, const char *school_id)
{
  JsonArray *invites = json_object_get_array_member (lc_test_json_object (resp), "invites");

  for (guint i = 0; i < json_array_get_length (invites); i++)
    {
      JsonObject *invite = json_array_get_object_element (invites, i);
      JsonObject *school = json_object_get_object_member (invite, "school");

      if (g_strcmp0 (json_object_get_string_member (school, "id"), school_id) == 0)
        return invite;
    }
  return NULL;
}

static const char *
invite_status (LcTestResponse *resp, const char *school_id)
{
  JsonObject *invite = invite_of (resp, school_id);

  return invite != NULL ? json_object_get_string_member (invite, "status") : NULL;
}

/* ---- create ---- */

static void
test_create (Fixture *f, gconstpointer data)
{
  g_autofree char *invited = ids_json (f->school_b, f->school_c, NULL);
  g_autofree char *body = conference_body (
      "Joint lesson", 2 * HOUR, 90, invited,
      ",\"description\":\"Physics\",\"agenda\":\"1. Hello\\n2. Work\",\"waiting_room\":true");
  g_autoptr (LcTestResponse) resp = NULL;
  g_autofree char *location = NULL;
  g_autofree char *room_url = NULL;
  g_autofree char *opens_at = NULL;
  JsonObject *o, *host;
  gint64 starts_at;
  const char *id;

  resp = lc_test_request (f->ts, "POST", "/api/v1/conferences", body, f->as_coord_a, NULL);
  assert_status (resp, 201);
  o = lc_test_json_object (resp);
  id = json_object_get_string_member (o, "id");
  location = g_strdup_printf ("/api/v1/conferences/%s", id);
  g_assert_cmpstr (soup_message_headers_get_one (resp->headers, "Location"), ==, location);
  g_assert_cmpstr (json_object_get_string_member (o, "title"), ==, "Joint lesson");
  g_assert_cmpstr (json_object_get_string_member (o, "description"), ==, "Physics");
  g_assert_cmpstr (json_object_get_string_member (o, "agenda"), ==, "1. Hello\n2. Work");
  host = json_object_get_object_member (o, "host_school");
  g_assert_cmpstr (json_object_get_string_member (host, "id"), ==, f->school_a);
  g_assert_cmpstr (json_object_get_string_member (host, "short_name"), ==, "School A");
  g_assert_cmpstr (json_object_get_string_member (host, "district"), ==, "North");
  g_assert_true (json_object_has_member (host, "name"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "invites")), ==, 2);
  g_assert_cmpstr (invite_status (resp, f->school_b), ==, "pending");
  g_assert_cmpstr (invite_status (resp, f->school_c), ==, "pending");
  g_assert_true (json_object_get_null_member (invite_of (resp, f->school_b), "responded_at"));
  g_assert_true (lc_time_parse_rfc3339 (json_object_get_string_member (o, "starts_at"), "s",
                                        &starts_at, NULL));
  opens_at = lc_time_format_rfc3339 (starts_at - 15 * 60); /* room_opens_before = 15 */
  g_assert_cmpstr (json_object_get_string_member (o, "opens_at"), ==, opens_at);
  g_assert_cmpint (json_object_get_int_member (o, "max_participants_per_school"), ==, 10);
  g_assert_true (json_object_get_boolean_member (o, "waiting_room"));
  g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, "scheduled");
  g_assert_false (json_object_get_boolean_member (o, "live"));
  g_assert_cmpint (json_object_get_int_member (o, "participants_now"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (o, "sequence"), ==, 0);
  room_url = g_strdup_printf ("/room/%s", id);
  g_assert_cmpstr (json_object_get_string_member (o, "room_url"), ==, room_url);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (o, "created_at"), "Z"));
  g_assert_cmpuint (lc_test_count_audit (f->ts, "conference.create", id), ==, 1);

  /* The invited schools' staff see it too. */
  {
    g_autoptr (LcTestResponse) got = get_conference (f, id, f->as_teacher_b);

    assert_status (got, 200);
    g_assert_cmpstr (lc_test_json_string (got, "id"), ==, id);
  }
}

static void
test_create_validation (Fixture *f, gconstpointer data)
{
  g_autofree char *bc = ids_json (f->school_b, f->school_c, NULL);
  g_autofree char *with_host = ids_json (f->school_b, f->school_a, NULL);
  g_autofree char *twice = ids_json (f->school_b, f->school_b, NULL);
  g_autofree char *unknown = ids_json ("AAAAAAAAAAAAAAAAAAAAAA", NULL);
  g_autofree char *long_title = g_strnfill (201, 'x');
  g_autoptr (GString) many = g_string_new ("[");
  struct
  {
    char *body;
    guint status;
    const char *slug, *field;
  } cases[12 + 13];
  guint n = 0;

  for (int i = 0; i < 51; i++)
    {
      g_autofree char *id = g_strdup_printf ("AAAAAAAAAAAAAAAAAAAA%02d", i);

      g_string_append_printf (many, "%s\"%s\"", i > 0 ? "," : "", id);
    }
  g_string_append_c (many, ']');

#define CASE(b, s, sl, fl) cases[n++] = (typeof (cases[0])){ (b), (s), (sl), (fl) }
  CASE (conference_body ("t", HOUR, 60, bc, ""), 201, NULL, NULL);
  CASE (conference_body ("t", -600, 60, bc, ""), 422, "invalid-field", "starts_at");
  CASE (conference_body ("t", HOUR, 0, bc, ""), 422, "invalid-field", "ends_at");
  CASE (conference_body ("t", HOUR, 241, bc, ""), 422, "invalid-field", "ends_at");
  CASE (conference_body ("t", HOUR, 60, "[]", ""), 422, "invalid-field", "invited_school_ids");
  CASE (conference_body ("t", HOUR, 60, many->str, ""), 422, "invalid-field", "invited_school_ids");
  CASE (conference_body ("t", HOUR, 60, with_host, ""), 422, "invalid-field", "invited_school_ids");
  CASE (conference_body ("t", HOUR, 60, twice, ""), 422, "invalid-field", "invited_school_ids");
  CASE (conference_body ("t", HOUR, 60, unknown, ""), 422, "invalid-field", "invited_school_ids");
  CASE (conference_body ("t", HOUR, 60, "[1,2]", ""), 422, "invalid-field", "invited_school_ids");
  CASE (conference_body ("t", HOUR, 60, "\"x\"", ""), 422, "invalid-field", "invited_school_ids");
  CASE (conference_body (long_title, HOUR, 60, bc, ""), 422, "invalid-field", "title");
  CASE (conference_body ("", HOUR, 60, bc, ""), 422, "invalid-field", "title");
  CASE (conference_body ("t", HOUR, 60, bc, ",\"max_participants_per_school\":31"), 422,
        "invalid-field", "max_participants_per_school");
  CASE (conference_body ("t", HOUR, 60, bc, ",\"max_participants_per_school\":0"), 422,
        "invalid-field", "max_participants_per_school");
  CASE (conference_body ("t", HOUR, 60, bc, ",\"waiting_room\":\"yes\""), 422, "invalid-field",
        "waiting_room");
  CASE (conference_body ("t", HOUR, 60, bc, ",\"colour\":\"red\""), 422, "invalid-field", "colour");
  CASE (conference_body ("t", HOUR, 60, bc, ",\"id\":\"AAAAAAAAAAAAAAAAAAAAAA\""), 422,
        "invalid-field", "id");
  CASE (conference_body ("t", HOUR, 60, bc, ",\"status\":\"ended\""), 422, "invalid-field",
        "status");
  CASE (g_strdup_printf ("{\"title\":\"t\",\"starts_at\":\"2031-01-01T09:00:00\",\"ends_at\":"
                         "\"2031-01-01T10:00:00Z\",\"invited_school_ids\":%s}",
                         bc),
        422, "invalid-field", "starts_at");
  CASE (g_strdup ("{\"title\":\"t\",\"starts_at\":\"2031-01-01T09:00:00Z\",\"ends_at\":"
                  "\"2031-01-01T10:00:00Z\"}"),
        422, "invalid-field", "invited_school_ids");
  CASE (g_strdup ("{\"title\": "), 400, "malformed-request", NULL);
  CASE (g_strdup ("[1,2,3]"), 400, "malformed-request", NULL);
#undef CASE

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (LcTestResponse) resp = NULL;

      g_test_message ("case %u: %s", i, cases[i].body);
      resp = lc_test_request (f->ts, "POST", "/api/v1/conferences", cases[i].body, f->as_coord_a,
                              NULL);
      if (cases[i].status == 201)
        assert_status (resp, 201);
      else
        lc_test_assert_problem (resp, cases[i].status, cases[i].slug, cases[i].field);
      g_free (cases[i].body);
    }

  /* Not JSON at all. */
  {
    g_autofree char *body = conference_body ("t", HOUR, 60, bc, "");
    g_autoptr (LcTestResponse) resp
        = lc_test_request (f->ts, "POST", "/api/v1/conferences", body, f->as_coord_a,
                           "Content-Type", "text/plain", NULL);

    lc_test_assert_problem (resp, 415, "unsupported-media-type", NULL);
  }
}

/* ---- permissions ---- */

static void
test_permissions (Fixture *f, gconstpointer data)
{
  g_autofree char *id = create_conference (f, 3 * HOUR, 60);
  g_autofree char *bc = ids_json (f->school_b, f->school_c, NULL);
  g_autofree char *body = conference_body ("t", 6 * HOUR, 60, bc, "");
  g_autofree char *op_body = NULL;
  g_autofree char *op_id = NULL;
  g_autofree char *op_host = g_strdup_printf (",\"host_school_id\":\"%s\"", f->school_b);
  g_autofree char *cd = ids_json (f->school_c, f->school_d, NULL);
  g_autofree char *other_host = g_strdup_printf (",\"host_school_id\":\"%s\"", f->school_b);
  g_autofree char *coord_other = conference_body ("t", 8 * HOUR, 60, cd, other_host);
  const char *patch = "{\"title\":\"New title\"}";
  struct
  {
    const char *what;
    const char *method, *suffix, *body, *auth;
    guint status;
  } cases[] = {
    { "anonymous get", "GET", "", NULL, NULL, 401 },
    { "anonymous patch", "PATCH", "", patch, NULL, 401 },
    { "uninvolved coordinator get", "GET", "", NULL, f->as_coord_d, 404 },
    { "uninvolved coordinator patch", "PATCH", "", patch, f->as_coord_d, 404 },
    { "uninvolved coordinator accept", "POST", "/accept", "{}", f->as_coord_d, 404 },
    { "invited coordinator get", "GET", "", NULL, f->as_coord_b, 200 },
    { "invited coordinator patch", "PATCH", "", patch, f->as_coord_b, 403 },
    { "invited coordinator cancel", "POST", "/cancel", NULL, f->as_coord_b, 403 },
    { "invited coordinator attendance", "GET", "/attendance", NULL, f->as_coord_b, 403 },
    { "host teacher get", "GET", "", NULL, f->as_teacher_a, 200 },
    { "host teacher patch", "PATCH", "", patch, f->as_teacher_a, 403 },
    { "host coordinator accepts (not invited)", "POST", "/accept", "{}", f->as_coord_a, 403 },
    { "invited teacher accept", "POST", "/accept", NULL, f->as_teacher_b, 403 },
    { "operator get", "GET", "", NULL, f->op, 200 },
    { "operator patch", "PATCH", "", "{\"agenda\":\"op\"}", f->op, 200 },
    { "operator attendance", "GET", "/attendance", NULL, f->op, 200 },
    { "host coordinator patch", "PATCH", "", patch, f->as_coord_a, 200 },
    { "operator cancel", "POST", "/cancel", NULL, f->op, 200 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (LcTestResponse) resp = NULL;

      g_test_message ("case: %s", cases[i].what);
      resp = conference_request (f, cases[i].method, id, cases[i].suffix, cases[i].body,
                                 cases[i].auth);
      if (cases[i].status < 300)
        assert_status (resp, cases[i].status);
      else
        lc_test_assert_problem (resp, cases[i].status, NULL, NULL);
    }

  /* Creation: teachers cannot book, coordinators only for their own school,
   * anonymous callers are told to log in, operators name the host. */
  {
    g_autoptr (LcTestResponse) anonymous
        = lc_test_request (f->ts, "POST", "/api/v1/conferences", body, NULL, NULL);
    g_autoptr (LcTestResponse) teacher
        = lc_test_request (f->ts, "POST", "/api/v1/conferences", body, f->as_teacher_a, NULL);
    g_autoptr (LcTestResponse) other
        = lc_test_request (f->ts, "POST", "/api/v1/conferences", coord_other, f->as_coord_a, NULL);
    g_autoptr (LcTestResponse) op_no_host
        = lc_test_request (f->ts, "POST", "/api/v1/conferences", body, f->op, NULL);
    g_autoptr (LcTestResponse) list = NULL;

    lc_test_assert_problem (anonymous, 401, "unauthorized", NULL);
    lc_test_assert_problem (teacher, 403, "forbidden", NULL);
    lc_test_assert_problem (other, 403, "forbidden", NULL);
    lc_test_assert_problem (op_no_host, 422, "invalid-field", "host_school_id");
    op_body = conference_body ("Operator's", 10 * HOUR, 60, cd, op_host);
    op_id = create_with (f, f->op, op_body);
    /* D sees the operator's conference (invited) but not A's. */
    list = lc_test_request (f->ts, "GET", "/api/v1/conferences", NULL, f->as_coord_d, NULL);
    g_assert_cmpuint (json_array_get_length (lc_test_items (list)), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (
                         json_array_get_object_element (lc_test_items (list), 0), "id"),
                     ==, op_id);
  }
  {
    g_autoptr (LcTestResponse) anonymous_list
        = lc_test_request (f->ts, "GET", "/api/v1/conferences", NULL, NULL, NULL);

    lc_test_assert_problem (anonymous_list, 401, "unauthorized", NULL);
  }
}

/* ---- booking rules ---- */

static void
test_clash (Fixture *f, gconstpointer data)
{
  g_autofree char *first = create_conference (f, 2 * HOUR, 60);
  g_autofree char *d = ids_json (f->school_d, NULL);
  g_autofree char *overlapping = conference_body ("Second", 2 * HOUR + 20 * 60, 30, d, "");
  g_autofree char *adjacent = conference_body ("Adjacent", 3 * HOUR, 30, d, "");
  g_autoptr (LcTestResponse) resp = NULL;
  g_autofree char *adjacent_id = NULL;

  resp = lc_test_request (f->ts, "POST", "/api/v1/conferences", overlapping, f->as_coord_a, NULL);
  lc_test_assert_problem (resp, 409, "conflict", NULL);
  g_assert_cmpstr (lc_test_json_string (resp, "conflict_id"), ==, first);

  /* Half-open intervals: one ending at 10:00 and one starting then do not clash. */
  adjacent_id = create_with (f, f->as_coord_a, adjacent);
  g_assert_nonnull (adjacent_id);

  /* A cancelled conference frees its time. */
  {
    g_autoptr (LcTestResponse) cancel
        = conference_request (f, "POST", first, "/cancel", NULL, f->as_coord_a);
    g_autofree char *again = NULL;

    assert_status (cancel, 200);
    again = create_with (f, f->as_coord_a, overlapping);
    g_assert_nonnull (again);
  }
}

static const char *const buffer_config[] = { "conferences.buffer=30", NULL };

static void
test_buffer (Fixture *f, gconstpointer data)
{
  g_autofree char *first = create_conference (f, 2 * HOUR, 60);
  g_autofree char *d = ids_json (f->school_d, NULL);
  g_autofree char *too_close = conference_body ("Close", 3 * HOUR + 10 * 60, 30, d, "");
  g_autofree char *far_enough = conference_body ("Far", 3 * HOUR + 30 * 60, 30, d, "");
  g_autoptr (LcTestResponse) resp = NULL;
  g_autofree char *far_id = NULL;

  resp = lc_test_request (f->ts, "POST", "/api/v1/conferences", too_close, f->as_coord_a, NULL);
  lc_test_assert_problem (resp, 409, "conflict", NULL);
  g_assert_cmpstr (lc_test_json_string (resp, "conflict_id"), ==, first);
  far_id = create_with (f, f->as_coord_a, far_enough);
  g_assert_nonnull (far_id);
}

static const char *const capacity_config[] = { "conferences.max_concurrent=2", NULL };

static void
test_capacity (Fixture *f, gconstpointer data)
{
  gint64 starts_at = lc_time_now () + 2 * HOUR;
  g_autofree char *d = ids_json (f->school_d, NULL);
  g_autofree char *body = conference_body_at ("Busy", starts_at, 60, d, "");
  g_autofree char *a = create_with (f, f->as_coord_a, body);
  g_autofree char *b = create_with (f, f->as_coord_b, body);
  g_autoptr (LcTestResponse) resp = NULL;
  g_autoptr (LcTestResponse) check = NULL;
  g_autofree char *starts = lc_time_format_rfc3339 (starts_at);
  JsonArray *problems;
  JsonObject *problem;

  g_assert_cmpstr (a, !=, b);
  resp = lc_test_request (f->ts, "POST", "/api/v1/conferences", body, f->as_coord_c, NULL);
  lc_test_assert_problem (resp, 409, "conflict", NULL);
  g_assert_false (json_object_has_member (lc_test_json_object (resp), "conflict_id"));
  /* The detail names the busiest interval. */
  g_assert_nonnull (strstr (lc_test_json_string (resp, "detail"), starts));

  check = lc_test_request (f->ts, "POST", "/api/v1/conferences/check", body, f->as_coord_c, NULL);
  assert_status (check, 200);
  g_assert_false (json_object_get_boolean_member (lc_test_json_object (check), "ok"));
  problems = json_object_get_array_member (lc_test_json_object (check), "problems");
  g_assert_cmpuint (json_array_get_length (problems), ==, 1);
  problem = json_array_get_object_element (problems, 0);
  g_assert_cmpstr (json_object_get_string_member (problem, "kind"), ==, "capacity");
  g_assert_cmpint (json_object_get_int_member (problem, "peak"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (problem, "limit"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (problem, "from"), ==, starts);
}

typedef struct
{
  SoupMessage *msg;
  GBytes *body;
  gboolean done;
} Pending;

static void
on_pending_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pending *pending = user_data;

  pending->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  pending->done = TRUE;
}

static gboolean
both_done (gpointer data)
{
  Pending *pending = data;

  return pending[0].done && pending[1].done;
}

/* Two conflicting bookings sent at once over two connections: the check and
 * the write are one transaction, so exactly one wins. */
static void
test_concurrent_bookings (Fixture *f, gconstpointer data)
{
  g_autofree char *url = g_strconcat (f->ts->base_url, "/api/v1/conferences", NULL);
  g_autofree char *b = ids_json (f->school_b, NULL);
  g_autofree char *c = ids_json (f->school_c, NULL);
  char *bodies[2] = { conference_body ("One", 2 * HOUR, 60, b, ""),
                      conference_body ("Two", 2 * HOUR + 600, 60, c, "") };
  Pending pending[2] = { { 0 } };
  guint created = 0, conflicts = 0;
  g_autoptr (LcTestResponse) list = NULL;

  for (int i = 0; i < 2; i++)
    {
      g_autoptr (GBytes) bytes = g_bytes_new_take (bodies[i], strlen (bodies[i]));

      pending[i].msg = soup_message_new ("POST", url);
      soup_message_set_request_body_from_bytes (pending[i].msg, "application/json", bytes);
      soup_message_headers_replace (soup_message_get_request_headers (pending[i].msg),
                                    "Authorization", f->as_coord_a);
    }
  for (int i = 0; i < 2; i++)
    soup_session_send_and_read_async (f->ts->session, pending[i].msg, G_PRIORITY_DEFAULT, NULL,
                                      on_pending_done, &pending[i]);
  lc_test_wait_for (f->ts, both_done, pending, 30000);

  for (int i = 0; i < 2; i++)
    {
      guint status = soup_message_get_status (pending[i].msg);

      created += status == 201;
      conflicts += status == 409;
      g_clear_pointer (&pending[i].body, g_bytes_unref);
      g_clear_object (&pending[i].msg);
    }
  g_assert_cmpuint (created, ==, 1);
  g_assert_cmpuint (conflicts, ==, 1);
  list = lc_test_request (f->ts, "GET", "/api/v1/conferences", NULL, f->op, NULL);
  g_assert_cmpuint (json_array_get_length (lc_test_items (list)), ==, 1);
}

/* ---- edit, cancel ---- */

static void
test_patch (Fixture *f, gconstpointer data)
{
  g_autofree char *id = create_conference (f, 4 * HOUR, 60);
  g_autofree char *new_start = lc_test_time_from_now (5 * HOUR);
  g_autofree char *new_end = lc_test_time_from_now (6 * HOUR);
  g_autofree char *times
      = g_strdup_printf ("{\"starts_at\":\"%s\",\"ends_at\":\"%s\"}", new_start, new_end);
  g_autofree char *bd = ids_json (f->school_b, f->school_d, NULL);
  g_autofree char *reinvite = g_strdup_printf ("{\"invited_school_ids\":%s}", bd);
  g_autoptr (LcTestResponse) accept = NULL;
  g_autoptr (LcTestResponse) title = NULL;
  g_autoptr (LcTestResponse) same = NULL;
  g_autoptr (LcTestResponse) moved = NULL;
  g_autoptr (LcTestResponse) accept_again = NULL;
  g_autoptr (LcTestResponse) invites = NULL;
  g_autoptr (LcTestResponse) host = NULL;
  g_autoptr (LcTestResponse) cancel = NULL;
  g_autoptr (LcTestResponse) after_cancel = NULL;
  g_autoptr (LcTestResponse) cancel_again = NULL;

  accept = conference_request (f, "POST", id, "/accept", NULL, f->as_coord_b);
  assert_status (accept, 200);
  g_assert_cmpstr (invite_status (accept, f->school_b), ==, "accepted");

  /* A visible change bumps the sequence and keeps the answers. */
  title = conference_request (f, "PATCH", id, "", "{\"title\":\"Renamed\"}", f->as_coord_a);
  assert_status (title, 200);
  g_assert_cmpstr (lc_test_json_string (title, "title"), ==, "Renamed");
  g_assert_cmpint (lc_test_json_int (title, "sequence"), ==, 1);
  g_assert_cmpstr (invite_status (title, f->school_b), ==, "accepted");
  g_assert_cmpuint (lc_test_count_audit (f->ts, "conference.update", id), ==, 1);

  /* Sending the same values changes nothing. */
  same = conference_request (f, "PATCH", id, "", "{\"title\":\"Renamed\"}", f->as_coord_a);
  assert_status (same, 200);
  g_assert_cmpint (lc_test_json_int (same, "sequence"), ==, 1);

  /* New times: every school is asked again. */
  moved = conference_request (f, "PATCH", id, "", times, f->as_coord_a);
  assert_status (moved, 200);
  g_assert_cmpstr (lc_test_json_string (moved, "starts_at"), ==, new_start);
  g_assert_cmpint (lc_test_json_int (moved, "sequence"), ==, 2);
  g_assert_cmpstr (invite_status (moved, f->school_b), ==, "pending");
  g_assert_true (json_object_get_null_member (invite_of (moved, f->school_b), "responded_at"));

  /* A new invite list keeps the answer of a school still invited. */
  accept_again = conference_request (f, "POST", id, "/accept", "{}", f->as_coord_b);
  assert_status (accept_again, 200);
  invites = conference_request (f, "PATCH", id, "", reinvite, f->as_coord_a);
  assert_status (invites, 200);
  g_assert_cmpstr (invite_status (invites, f->school_b), ==, "accepted");
  g_assert_cmpstr (invite_status (invites, f->school_d), ==, "pending");
  g_assert_null (invite_of (invites, f->school_c));
  g_assert_cmpint (lc_test_json_int (invites, "sequence"), ==, 3);

  /* The host school never changes; validation still applies. */
  host = conference_request (f, "PATCH", id, "", "{\"host_school_id\":\"AAAAAAAAAAAAAAAAAAAAAA\"}",
                             f->as_coord_a);
  lc_test_assert_problem (host, 422, "invalid-field", "host_school_id");
  {
    g_autoptr (LcTestResponse) bad
        = conference_request (f, "PATCH", id, "", "{\"ends_at\":\"yesterday\"}", f->as_coord_a);
    g_autoptr (LcTestResponse) empty_invites
        = conference_request (f, "PATCH", id, "", "{\"invited_school_ids\":[]}", f->as_coord_a);
    g_autoptr (LcTestResponse) malformed
        = conference_request (f, "PATCH", id, "", "{\"title\"", f->as_coord_a);

    lc_test_assert_problem (bad, 422, "invalid-field", "ends_at");
    lc_test_assert_problem (empty_invites, 422, "invalid-field", "invited_school_ids");
    lc_test_assert_problem (malformed, 400, "malformed-request", NULL);
  }

  cancel = conference_request (f, "POST", id, "/cancel", NULL, f->as_coord_a);
  assert_status (cancel, 200);
  g_assert_cmpstr (lc_test_json_string (cancel, "status"), ==, "cancelled");
  g_assert_cmpint (lc_test_json_int (cancel, "sequence"), ==, 4);
  g_assert_cmpuint (lc_test_count_audit (f->ts, "conference.cancel", id), ==, 1);
  after_cancel = conference_request (f, "PATCH", id, "", "{\"title\":\"x\"}", f->as_coord_a);
  lc_test_assert_problem (after_cancel, 409, "conflict", NULL);
  cancel_again = conference_request (f, "POST", id, "/cancel", NULL, f->as_coord_a);
  lc_test_assert_problem (cancel_again, 409, "conflict", NULL);
}

/* Moving a conference onto another of the host's runs the clash rule. */
static void
test_patch_clash (Fixture *f, gconstpointer data)
{
  g_autofree char *first = create_conference (f, 2 * HOUR, 60);
  g_autofree char *second = create_conference (f, 5 * HOUR, 60);
  g_autofree char *starts = lc_test_time_from_now (2 * HOUR + 1800);
  g_autofree char *body = g_strdup_printf ("{\"starts_at\":\"%s\"}", starts);
  g_autoptr (LcTestResponse) resp = NULL;
  g_autoptr (LcTestResponse) got = NULL;

  resp = conference_request (f, "PATCH", second, "", body, f->as_coord_a);
  lc_test_assert_problem (resp, 409, "conflict", NULL);
  g_assert_cmpstr (lc_test_json_string (resp, "conflict_id"), ==, first);
  /* Nothing was written. */
  got = get_conference (f, second, f->as_coord_a);
  g_assert_cmpint (lc_test_json_int (got, "sequence"), ==, 0);
}

/* ---- accept, decline ---- */

static void
test_accept_decline (Fixture *f, gconstpointer data)
{
  g_autofree char *id = create_conference (f, 2 * HOUR, 60);
  g_autofree char *other_school = g_strdup_printf ("{\"school_id\":\"%s\"}", f->school_c);
  g_autofree char *for_c = g_strdup_printf ("{\"school_id\":\"%s\"}", f->school_c);
  g_autofree char *for_d = g_strdup_printf ("{\"school_id\":\"%s\"}", f->school_d);
  g_autoptr (LcTestResponse) accept = NULL;
  g_autoptr (LcTestResponse) again = NULL;
  g_autoptr (LcTestResponse) decline = NULL;
  g_autoptr (LcTestResponse) named_other = NULL;
  g_autoptr (LcTestResponse) op_missing = NULL;
  g_autoptr (LcTestResponse) op_c = NULL;
  g_autoptr (LcTestResponse) op_d = NULL;

  accept = conference_request (f, "POST", id, "/accept", NULL, f->as_coord_b);
  assert_status (accept, 200);
  g_assert_cmpstr (invite_status (accept, f->school_b), ==, "accepted");
  g_assert_true (g_str_has_suffix (
      json_object_get_string_member (invite_of (accept, f->school_b), "responded_at"), "Z"));
  g_assert_cmpuint (lc_test_count_audit (f->ts, "conference.accept", id), ==, 1);
  again = conference_request (f, "POST", id, "/accept", "{}", f->as_coord_b);
  assert_status (again, 200);

  /* Declining an accepted invitation is allowed. */
  decline = conference_request (f, "POST", id, "/decline", NULL, f->as_coord_b);
  assert_status (decline, 200);
  g_assert_cmpstr (invite_status (decline, f->school_b), ==, "declined");
  g_assert_cmpuint (lc_test_count_audit (f->ts, "conference.decline", id), ==, 1);

  named_other = conference_request (f, "POST", id, "/accept", other_school, f->as_coord_b);
  lc_test_assert_problem (named_other, 403, "forbidden", NULL);
  op_missing = conference_request (f, "POST", id, "/accept", "{}", f->op);
  lc_test_assert_problem (op_missing, 422, "invalid-field", "school_id");
  op_c = conference_request (f, "POST", id, "/accept", for_c, f->op);
  assert_status (op_c, 200);
  g_assert_cmpstr (invite_status (op_c, f->school_c), ==, "accepted");
  op_d = conference_request (f, "POST", id, "/accept", for_d, f->op);
  lc_test_assert_problem (op_d, 422, "invalid-field", "school_id");
}

/* Accepting re-checks the clash rule for the accepting school. */
static void
test_accept_clash (Fixture *f, gconstpointer data)
{
  g_autofree char *id = create_conference (f, 2 * HOUR, 60);
  g_autofree char *d = ids_json (f->school_d, NULL);
  g_autofree char *b_body = conference_body ("B's own", 2 * HOUR + 1800, 60, d, "");
  g_autofree char *b_own = create_with (f, f->as_coord_b, b_body);
  g_autoptr (LcTestResponse) accept = NULL;
  g_autoptr (LcTestResponse) got = NULL;
  g_autoptr (LcTestResponse) cancel = NULL;
  g_autoptr (LcTestResponse) retry = NULL;

  accept = conference_request (f, "POST", id, "/accept", NULL, f->as_coord_b);
  lc_test_assert_problem (accept, 409, "conflict", NULL);
  g_assert_cmpstr (lc_test_json_string (accept, "conflict_id"), ==, b_own);
  g_assert_nonnull (strstr (lc_test_json_string (accept, "detail"), "B's own"));
  got = get_conference (f, id, f->as_coord_b);
  g_assert_cmpstr (invite_status (got, f->school_b), ==, "pending");

  cancel = conference_request (f, "POST", b_own, "/cancel", NULL, f->as_coord_b);
  assert_status (cancel, 200);
  retry = conference_request (f, "POST", id, "/accept", NULL, f->as_coord_b);
  assert_status (retry, 200);
}

/* ---- dry run ---- */

static JsonObject *
find_problem (JsonArray *problems, const char *kind, const char *school_id)
{
  for (guint i = 0; i < json_array_get_length (problems); i++)
    {
      JsonObject *p = json_array_get_object_element (problems, i);

      if (g_strcmp0 (json_object_get_string_member (p, "kind"), kind) == 0
          && (school_id == NULL
              || g_strcmp0 (json_object_get_string_member_with_default (p, "school_id", ""),
                            school_id)
                     == 0))
        return p;
    }
  return NULL;
}

static void
test_check (Fixture *f, gconstpointer data)
{
  g_autofree char *host_busy = create_conference (f, 2 * HOUR, 60);
  g_autofree char *d = ids_json (f->school_d, NULL);
  g_autofree char *b_body = conference_body ("B hosts", 6 * HOUR, 60, d, "");
  g_autofree char *b_busy = create_with (f, f->as_coord_b, b_body);
  g_autofree char *b = ids_json (f->school_b, NULL);
  g_autofree char *clean = conference_body ("Clean", 10 * HOUR, 60, b, "");
  g_autofree char *both = conference_body ("Both", 2 * HOUR, 300, b, "");
  g_autofree char *past = conference_body ("Past", -3600, 30, b, "");
  g_autofree char *self = NULL;
  g_autofree char *no_title = NULL;
  g_autofree char *s = lc_test_time_from_now (2 * HOUR);
  g_autofree char *e = lc_test_time_from_now (3 * HOUR);
  g_autoptr (LcTestResponse) ok = NULL;
  g_autoptr (LcTestResponse) bad = NULL;
  g_autoptr (LcTestResponse) times = NULL;
  g_autoptr (LcTestResponse) editing = NULL;
  g_autoptr (LcTestResponse) partial = NULL;
  g_autoptr (LcTestResponse) teacher = NULL;
  g_autoptr (LcTestResponse) list = NULL;
  JsonArray *problems;
  JsonObject *p;

  ok = lc_test_request (f->ts, "POST", "/api/v1/conferences/check", clean, f->as_coord_a, NULL);
  assert_status (ok, 200);
  g_assert_true (json_object_get_boolean_member (lc_test_json_object (ok), "ok"));
  g_assert_cmpuint (
      json_array_get_length (json_object_get_array_member (lc_test_json_object (ok), "problems")),
      ==, 0);

  /* [2h, 7h): the host is busy at 2h, invited B hosts at 6h. */
  bad = lc_test_request (f->ts, "POST", "/api/v1/conferences/check", both, f->as_coord_a, NULL);
  assert_status (bad, 200);
  g_assert_false (json_object_get_boolean_member (lc_test_json_object (bad), "ok"));
  problems = json_object_get_array_member (lc_test_json_object (bad), "problems");
  p = find_problem (problems, "clash", f->school_a);
  g_assert_nonnull (p);
  g_assert_cmpstr (json_object_get_string_member (p, "conflict_id"), ==, host_busy);
  g_assert_cmpstr (json_object_get_string_member (p, "title"), ==, "Joint lesson");
  g_assert_true (json_object_has_member (p, "starts_at"));
  g_assert_true (json_object_has_member (p, "ends_at"));
  p = find_problem (problems, "clash", f->school_b);
  g_assert_nonnull (p);
  g_assert_cmpstr (json_object_get_string_member (p, "conflict_id"), ==, b_busy);

  times = lc_test_request (f->ts, "POST", "/api/v1/conferences/check", past, f->as_coord_a, NULL);
  assert_status (times, 200);
  p = find_problem (json_object_get_array_member (lc_test_json_object (times), "problems"), "times",
                    NULL);
  g_assert_nonnull (p);
  g_assert_cmpstr (json_object_get_string_member (p, "field"), ==, "starts_at");
  g_assert_true (json_object_has_member (p, "detail"));

  /* Editing: the conference does not clash with itself. */
  self = g_strdup_printf ("{\"id\":\"%s\",\"starts_at\":\"%s\",\"ends_at\":\"%s\"}", host_busy, s,
                          e);
  editing = lc_test_request (f->ts, "POST", "/api/v1/conferences/check", self, f->as_coord_a, NULL);
  assert_status (editing, 200);
  g_assert_true (json_object_get_boolean_member (lc_test_json_object (editing), "ok"));

  /* starts_at and ends_at are required, the rest is not. */
  no_title = g_strdup_printf ("{\"starts_at\":\"%s\"}", s);
  partial
      = lc_test_request (f->ts, "POST", "/api/v1/conferences/check", no_title, f->as_coord_a, NULL);
  lc_test_assert_problem (partial, 422, "invalid-field", "ends_at");
  teacher
      = lc_test_request (f->ts, "POST", "/api/v1/conferences/check", clean, f->as_teacher_a, NULL);
  lc_test_assert_problem (teacher, 403, "forbidden", NULL);

  /* A dry run writes nothing. */
  list = lc_test_request (f->ts, "GET", "/api/v1/conferences", NULL, f->op, NULL);
  g_assert_cmpuint (json_array_get_length (lc_test_items (list)), ==, 2);
}

/* ---- list ---- */

static guint
list_count (Fixture *f, const char *query, const char *auth)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/conferences%s", query);
  g_autoptr (LcTestResponse) resp = lc_test_request (f->ts, "GET", path, NULL, auth, NULL);

  assert_status (resp, 200);
  return json_array_get_length (lc_test_items (resp));
}

static void
test_list (Fixture *f, gconstpointer data)
{
  g_autofree char *first = create_conference (f, 2 * HOUR, 60);
  g_autofree char *second = create_conference (f, 26 * HOUR, 60);
  g_autofree char *third = create_conference (f, 50 * HOUR, 60);
  g_autofree char *d = ids_json (f->school_d, NULL);
  g_autofree char *c_body = conference_body ("C and D", 3 * HOUR, 60, d, "");
  g_autofree char *c_own = create_with (f, f->as_coord_c, c_body);
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *query = NULL;
  g_autofree char *school_c = g_strdup_printf ("?school=%s", f->school_c);
  g_autofree char *school_d = g_strdup_printf ("?school=%s", f->school_d);
  g_autoptr (LcTestResponse) cancel = NULL;
  g_autoptr (LcTestResponse) page1 = NULL;
  g_autoptr (LcTestResponse) page2 = NULL;
  g_autofree char *next_path = NULL;
  char *from_enc, *to_enc;

  g_assert_cmpuint (list_count (f, "", f->op), ==, 4);
  g_assert_cmpuint (list_count (f, "", f->as_coord_a), ==, 3);
  g_assert_cmpuint (list_count (f, "", f->as_coord_c), ==, 4);
  g_assert_cmpuint (list_count (f, "", f->as_coord_d), ==, 1);
  g_assert_cmpuint (list_count (f, school_d, f->op), ==, 1);
  /* Staff asking about another school: only conferences involving both. */
  g_assert_cmpuint (list_count (f, school_c, f->as_coord_a), ==, 3);
  g_assert_cmpuint (list_count (f, school_d, f->as_coord_a), ==, 0);

  /* [from, to) overlap: from inside the first conference to before the third. */
  from = lc_test_time_from_now (2 * HOUR + 1800);
  to = lc_test_time_from_now (49 * HOUR);
  from_enc = g_uri_escape_string (from, NULL, TRUE);
  to_enc = g_uri_escape_string (to, NULL, TRUE);
  query = g_strdup_printf ("?from=%s&to=%s", from_enc, to_enc);
  g_free (from_enc);
  g_free (to_enc);
  g_assert_cmpuint (list_count (f, query, f->op), ==, 3); /* first, C's, second */

  cancel = conference_request (f, "POST", second, "/cancel", NULL, f->as_coord_a);
  assert_status (cancel, 200);
  g_assert_cmpuint (list_count (f, "?status=cancelled", f->op), ==, 1);
  g_assert_cmpuint (list_count (f, "?status=scheduled", f->op), ==, 3);
  g_assert_cmpuint (list_count (f, "?status=ended", f->op), ==, 0);

  /* Paging in (starts_at, id) order. */
  page1 = lc_test_request (f->ts, "GET", "/api/v1/conferences?limit=2", NULL, f->op, NULL);
  assert_status (page1, 200);
  g_assert_cmpuint (json_array_get_length (lc_test_items (page1)), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (
                       json_array_get_object_element (lc_test_items (page1), 0), "id"),
                   ==, first);
  g_assert_cmpstr (json_object_get_string_member (
                       json_array_get_object_element (lc_test_items (page1), 1), "id"),
                   ==, c_own);
  next_path = g_strdup_printf ("/api/v1/conferences?limit=2&cursor=%s",
                               lc_test_json_string (page1, "next_cursor"));
  page2 = lc_test_request (f->ts, "GET", next_path, NULL, f->op, NULL);
  assert_status (page2, 200);
  g_assert_cmpuint (json_array_get_length (lc_test_items (page2)), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (
                       json_array_get_object_element (lc_test_items (page2), 1), "id"),
                   ==, third);
  g_assert_true (json_object_get_null_member (lc_test_json_object (page2), "next_cursor"));

  {
    g_autoptr (LcTestResponse) bad_status
        = lc_test_request (f->ts, "GET", "/api/v1/conferences?status=live", NULL, f->op, NULL);
    g_autoptr (LcTestResponse) bad_school
        = lc_test_request (f->ts, "GET", "/api/v1/conferences?school=x", NULL, f->op, NULL);
    g_autoptr (LcTestResponse) bad_cursor
        = lc_test_request (f->ts, "GET", "/api/v1/conferences?cursor=zzz", NULL, f->op, NULL);
    g_autoptr (LcTestResponse) unknown
        = lc_test_request (f->ts, "GET", "/api/v1/conferences?colour=red", NULL, f->op, NULL);
    g_autoptr (LcTestResponse) bad_limit
        = lc_test_request (f->ts, "GET", "/api/v1/conferences?limit=0", NULL, f->op, NULL);

    lc_test_assert_problem (bad_status, 422, "invalid-field", "status");
    lc_test_assert_problem (bad_school, 422, "invalid-field", "school");
    lc_test_assert_problem (bad_cursor, 400, "malformed-request", "cursor");
    lc_test_assert_problem (unknown, 400, "malformed-request", NULL);
    lc_test_assert_problem (bad_limit, 422, "invalid-field", "limit");
  }
}

/* ---- links, room info ---- */

static char *
make_link (Fixture *f, const char *id, const char *body, const char *auth, guint status)
{
  g_autoptr (LcTestResponse) resp = conference_request (f, "POST", id, "/links", body, auth);

  if (status != 201)
    {
      lc_test_assert_problem (resp, status, NULL, NULL);
      return NULL;
    }
  assert_status (resp, 201);
  return g_strdup (lc_test_json_string (resp, "token"));
}

static LcTestResponse *
room_info (Fixture *f, const char *id, const char *token, const char *auth)
{
  g_autofree char *path = token != NULL
                              ? g_strdup_printf ("/api/v1/conferences/%s/room-info?t=%s", id, token)
                              : g_strdup_printf ("/api/v1/conferences/%s/room-info", id);

  return lc_test_request (f->ts, "GET", path, NULL, auth, NULL);
}

static void
assert_detail_contains (LcTestResponse *resp, const char *text)
{
  const char *detail = lc_test_json_string (resp, "detail");

  if (detail == NULL || strstr (detail, text) == NULL)
    g_test_message ("detail %s lacks %s", detail, text);
  g_assert_nonnull (detail);
  g_assert_nonnull (strstr (detail, text));
}

static void
test_links (Fixture *f, gconstpointer data)
{
  g_autofree char *id = create_conference (f, 2 * HOUR, 60);
  g_autofree char *for_b = g_strdup_printf ("{\"school_id\":\"%s\"}", f->school_b);
  g_autofree char *for_b_observer
      = g_strdup_printf ("{\"school_id\":\"%s\",\"role\":\"observer\"}", f->school_b);
  g_autofree char *for_b_host
      = g_strdup_printf ("{\"school_id\":\"%s\",\"role\":\"host\"}", f->school_b);
  g_autofree char *for_a_host
      = g_strdup_printf ("{\"school_id\":\"%s\",\"role\":\"host\"}", f->school_a);
  g_autofree char *for_c = g_strdup_printf ("{\"school_id\":\"%s\"}", f->school_c);
  g_autofree char *for_d = g_strdup_printf ("{\"school_id\":\"%s\"}", f->school_d);
  g_autofree char *named = g_strdup_printf (
      "{\"school_id\":\"%s\",\"display_name\":\"  Маша, 7 «Б»  \"}", f->school_b);
  g_autofree char *blank
      = g_strdup_printf ("{\"school_id\":\"%s\",\"display_name\":\"   \"}", f->school_b);
  g_autoptr (LcTestResponse) resp = NULL;
  g_autofree char *url_prefix = NULL;
  g_autofree char *tmp = NULL;
  g_autoptr (LcTestResponse) got = NULL;
  g_autoptr (GPtrArray) events = NULL;
  LcAuditFilter filter = { .action_prefix = "conference.link" };

  resp = conference_request (f, "POST", id, "/links", for_b, f->as_coord_a);
  assert_status (resp, 201);
  g_assert_true (g_str_has_prefix (lc_test_json_string (resp, "token"), "lcj1."));
  url_prefix = g_strdup_printf ("%s/room/%s?t=lcj1.", f->ts->base_url, id);
  g_assert_true (g_str_has_prefix (lc_test_json_string (resp, "url"), url_prefix));
  got = get_conference (f, id, f->op);
  g_assert_cmpstr (lc_test_json_string (resp, "expires_at"), ==,
                   lc_test_json_string (got, "ends_at"));
  g_assert_cmpstr (lc_test_json_string (resp, "school_id"), ==, f->school_b);
  g_assert_cmpstr (lc_test_json_string (resp, "role"), ==, "participant");
  g_assert_true (json_object_get_null_member (lc_test_json_object (resp), "display_name"));
  g_assert_cmpstr (soup_message_headers_get_one (resp->headers, "Cache-Control"), ==, "no-store");

  /* Who may hand out which link. */
  tmp = make_link (f, id, for_b_observer, f->as_coord_b, 201);
  g_clear_pointer (&tmp, g_free);
  tmp = make_link (f, id, for_a_host, f->as_coord_a, 201);
  g_clear_pointer (&tmp, g_free);
  tmp = make_link (f, id, for_c, f->op, 201);
  g_clear_pointer (&tmp, g_free);
  make_link (f, id, for_c, f->as_coord_b, 403);      /* another invited school */
  make_link (f, id, for_b_host, f->as_coord_a, 422); /* host role only for the host */
  make_link (f, id, for_d, f->as_coord_a, 422);      /* not taking part */
  make_link (f, id, for_b, f->as_teacher_b, 403);
  make_link (f, id, for_b, f->as_coord_d, 404);
  make_link (f, id, for_b, NULL, 401);
  make_link (f, id, blank, f->as_coord_a, 422);
  make_link (f, id, "{\"role\":\"participant\"}", f->as_coord_a, 422);

  /* A named link: one person, trimmed name; the audit has neither name nor token. */
  {
    g_autoptr (LcTestResponse) one
        = conference_request (f, "POST", id, "/links", named, f->as_coord_b);

    assert_status (one, 201);
    g_assert_cmpstr (lc_test_json_string (one, "display_name"), ==, "Маша, 7 «Б»");
  }
  filter.object_id = id;
  events = lc_store_list_audit_events (lc_app_get_store (f->ts->app), &filter, NULL, NULL);
  g_assert_cmpuint (events->len, ==, 5);
  for (guint i = 0; i < events->len; i++)
    {
      const LcAuditEvent *event = g_ptr_array_index (events, i);

      g_assert_null (strstr (event->details, "Маша"));
      g_assert_null (strstr (event->details, "lcj1"));
    }

  /* No links to a cancelled conference. */
  {
    g_autoptr (LcTestResponse) cancel
        = conference_request (f, "POST", id, "/cancel", NULL, f->as_coord_a);

    assert_status (cancel, 200);
    make_link (f, id, for_b, f->as_coord_a, 409);
  }
}

/* A token signed with the server's own secret but already expired. */
static char *
expired_token (Fixture *f, const char *conference_id, const char *school_id)
{
  g_autofree char *path = g_build_filename (f->ts->data_dir, "join-secret", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) key = lc_join_secret_load_or_create (path, &error);
  g_autoptr (LcJoinClaims) claims = lc_join_claims_new ();

  g_assert_no_error (error);
  claims->conference_id = g_strdup (conference_id);
  claims->school_id = g_strdup (school_id);
  claims->role = LC_CONFERENCE_ROLE_PARTICIPANT;
  claims->expires_at = lc_time_now () - 60;
  return lc_join_token_sign (key, claims);
}

static void
test_room_info (Fixture *f, gconstpointer data)
{
  g_autofree char *soon = create_conference (f, 60, 120); /* opens 15 minutes early: open now */
  g_autofree char *later = create_conference (f, 5 * HOUR, 60);
  g_autofree char *for_b = g_strdup_printf ("{\"school_id\":\"%s\"}", f->school_b);
  g_autofree char *named = g_strdup_printf (
      "{\"school_id\":\"%s\",\"role\":\"observer\",\"display_name\":\"Guest\"}", f->school_b);
  g_autofree char *token = make_link (f, soon, for_b, f->as_coord_a, 201);
  g_autofree char *named_token = make_link (f, soon, named, f->as_coord_a, 201);
  g_autofree char *later_token = make_link (f, later, for_b, f->as_coord_a, 201);
  g_autofree char *tampered = NULL;
  g_autofree char *expired = expired_token (f, soon, f->school_b);
  g_autoptr (LcTestResponse) resp = NULL;
  JsonObject *o, *you;

  /* A per-school link, anonymous: the person types a name. */
  resp = room_info (f, soon, token, NULL);
  assert_status (resp, 200);
  o = lc_test_json_object (resp);
  g_assert_cmpstr (json_object_get_string_member (o, "id"), ==, soon);
  g_assert_cmpstr (json_object_get_string_member (o, "title"), ==, "Joint lesson");
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (o, "host_school"), "id"), ==,
      f->school_a);
  g_assert_cmpstr (json_object_get_string_member (o, "state"), ==, "open");
  g_assert_cmpstr (json_object_get_string_member (o, "closes_at"), ==,
                   json_object_get_string_member (o, "ends_at"));
  g_assert_true (json_object_has_member (o, "opens_at"));
  you = json_object_get_object_member (o, "you");
  g_assert_cmpstr (json_object_get_string_member (you, "role"), ==, "participant");
  g_assert_true (json_object_get_null_member (you, "display_name"));
  g_assert_true (json_object_get_boolean_member (you, "needs_name"));
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (you, "school"), "short_name"),
      ==, "School B");
  g_clear_pointer (&resp, lc_test_response_free);

  resp = room_info (f, soon, named_token, NULL);
  assert_status (resp, 200);
  you = json_object_get_object_member (lc_test_json_object (resp), "you");
  g_assert_cmpstr (json_object_get_string_member (you, "role"), ==, "observer");
  g_assert_cmpstr (json_object_get_string_member (you, "display_name"), ==, "Guest");
  g_assert_false (json_object_get_boolean_member (you, "needs_name"));
  g_clear_pointer (&resp, lc_test_response_free);

  resp = room_info (f, later, later_token, NULL);
  g_assert_cmpstr (lc_test_json_string (resp, "state"), ==, "lobby");
  g_clear_pointer (&resp, lc_test_response_free);

  /* Bad tokens get a clear 401. */
  tampered = g_strdup (token);
  tampered[strlen (tampered) - 2] = tampered[strlen (tampered) - 2] == 'A' ? 'B' : 'A';
  resp = room_info (f, soon, tampered, NULL);
  lc_test_assert_problem (resp, 401, "unauthorized", NULL);
  assert_detail_contains (resp, "signature");
  g_clear_pointer (&resp, lc_test_response_free);
  resp = room_info (f, later, token, NULL);
  lc_test_assert_problem (resp, 401, "unauthorized", NULL);
  assert_detail_contains (resp, "another conference");
  g_clear_pointer (&resp, lc_test_response_free);
  resp = room_info (f, soon, expired, NULL);
  lc_test_assert_problem (resp, 401, "unauthorized", NULL);
  assert_detail_contains (resp, "expired");
  g_clear_pointer (&resp, lc_test_response_free);
  resp = room_info (f, soon, "garbage", NULL);
  lc_test_assert_problem (resp, 401, "unauthorized", NULL);
  assert_detail_contains (resp, "malformed");
  g_clear_pointer (&resp, lc_test_response_free);

  /* Without a token: the session decides. */
  resp = room_info (f, soon, NULL, NULL);
  lc_test_assert_problem (resp, 401, "unauthorized", NULL);
  g_clear_pointer (&resp, lc_test_response_free);
  resp = room_info (f, soon, NULL, f->as_coord_b); /* invited, not accepted yet */
  lc_test_assert_problem (resp, 401, "unauthorized", NULL);
  g_clear_pointer (&resp, lc_test_response_free);
  {
    g_autoptr (LcTestResponse) accept
        = conference_request (f, "POST", soon, "/accept", NULL, f->as_coord_b);

    assert_status (accept, 200);
  }
  resp = room_info (f, soon, NULL, f->as_teacher_b);
  assert_status (resp, 200);
  you = json_object_get_object_member (lc_test_json_object (resp), "you");
  g_assert_cmpstr (json_object_get_string_member (you, "role"), ==, "participant");
  g_assert_cmpstr (json_object_get_string_member (you, "display_name"), ==, "teacher-b (display)");
  g_assert_false (json_object_get_boolean_member (you, "needs_name"));
  g_clear_pointer (&resp, lc_test_response_free);
  resp = room_info (f, soon, NULL, f->as_coord_a);
  assert_status (resp, 200);
  g_assert_cmpstr (json_object_get_string_member (
                       json_object_get_object_member (lc_test_json_object (resp), "you"), "role"),
                   ==, "host");
  g_clear_pointer (&resp, lc_test_response_free);
  resp = room_info (f, soon, NULL, f->op);
  assert_status (resp, 200);
  you = json_object_get_object_member (lc_test_json_object (resp), "you");
  g_assert_cmpstr (json_object_get_string_member (you, "role"), ==, "host");
  g_assert_true (json_object_get_null_member (you, "school"));
  g_clear_pointer (&resp, lc_test_response_free);

  /* The conference list says the room is open. */
  resp = get_conference (f, soon, f->as_coord_a);
  g_assert_true (json_object_get_boolean_member (lc_test_json_object (resp), "live"));
  g_clear_pointer (&resp, lc_test_response_free);

  /* Cancelled: the token still says who you are, the state says cancelled. */
  {
    g_autoptr (LcTestResponse) cancel
        = conference_request (f, "POST", soon, "/cancel", NULL, f->as_coord_a);

    assert_status (cancel, 200);
  }
  resp = room_info (f, soon, token, NULL);
  assert_status (resp, 200);
  g_assert_cmpstr (lc_test_json_string (resp, "state"), ==, "cancelled");
  g_clear_pointer (&resp, lc_test_response_free);

  resp = room_info (f, "AAAAAAAAAAAAAAAAAAAAAA", token, NULL);
  lc_test_assert_problem (resp, 404, "not-found", NULL);
}

/* ---- attendance ---- */

static void
add_attendance (Fixture *f, const char *conference_id, const char *participant_id, const char *name,
                const char *school_id, gint64 joined_at, gint64 left_at)
{
  g_autoptr (LcAttendance) row = lc_attendance_new ();
  g_autoptr (GError) error = NULL;

  row->id = g_strdup_printf ("att-%s-%" G_GINT64_FORMAT, participant_id, joined_at);
  row->conference_id = g_strdup (conference_id);
  row->participant_id = g_strdup (participant_id);
  row->display_name = g_strdup (name);
  row->school_id = g_strdup (school_id);
  row->role = school_id != NULL ? LC_CONFERENCE_ROLE_PARTICIPANT : LC_CONFERENCE_ROLE_HOST;
  row->joined_at = joined_at;
  row->left_at = left_at;
  g_assert_true (lc_store_insert_attendance (lc_app_get_store (f->ts->app), row, &error));
  g_assert_no_error (error);
}

static void
test_attendance (Fixture *f, gconstpointer data)
{
  g_autofree char *id = create_conference (f, 60, 120);
  gint64 t0 = lc_time_now () - 600;
  g_autoptr (LcTestResponse) json = NULL;
  g_autoptr (LcTestResponse) csv = NULL;
  g_autofree char *disposition = NULL;
  JsonArray *items, *schools;
  JsonObject *item, *b_total = NULL;
  const char *text;
  g_auto (GStrv) lines = NULL;

  add_attendance (f, id, "p1", "Иванов, Пётр", f->school_b, t0, t0 + 300);
  add_attendance (f, id, "p1", "Иванов, Пётр", f->school_b, t0 + 400, t0 + 500); /* came back */
  add_attendance (f, id, "p2", "Anna \"Ann\" Lee", f->school_b, t0 + 10, t0 + 70);
  add_attendance (f, id, "p3", "=HYPERLINK(\"x\")", f->school_c, t0 + 20, 0); /* still in */
  add_attendance (f, id, "a:op", "Operator", NULL, t0 + 30, t0 + 90);

  json = conference_request (f, "GET", id, "/attendance", NULL, f->as_coord_a);
  assert_status (json, 200);
  g_assert_cmpstr (soup_message_headers_get_one (json->headers, "Cache-Control"), ==, "no-store");
  items = json_object_get_array_member (lc_test_json_object (json), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 5);
  item = json_array_get_object_element (items, 0);
  g_assert_cmpstr (json_object_get_string_member (item, "participant_id"), ==, "p1");
  g_assert_cmpstr (json_object_get_string_member (item, "display_name"), ==, "Иванов, Пётр");
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (item, "school"), "short_name"),
      ==, "School B");
  g_assert_cmpstr (json_object_get_string_member (item, "role"), ==, "participant");
  g_assert_cmpint (json_object_get_int_member (item, "seconds"), ==, 300);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *row = json_array_get_object_element (items, i);

      if (g_strcmp0 (json_object_get_string_member (row, "participant_id"), "p3") == 0)
        {
          g_assert_true (json_object_get_null_member (row, "left_at"));
          g_assert_cmpint (json_object_get_int_member (row, "seconds"), >=, 580);
        }
      if (g_strcmp0 (json_object_get_string_member (row, "participant_id"), "a:op") == 0)
        g_assert_true (json_object_get_null_member (row, "school"));
    }
  schools = json_object_get_array_member (lc_test_json_object (json), "schools");
  g_assert_cmpuint (json_array_get_length (schools), ==, 3); /* host A, B, C */
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (schools, 0), "school_id"), ==,
      f->school_a);
  g_assert_cmpint (
      json_object_get_int_member (json_array_get_object_element (schools, 0), "participants"), ==,
      0);
  for (guint i = 0; i < json_array_get_length (schools); i++)
    if (g_strcmp0 (
            json_object_get_string_member (json_array_get_object_element (schools, i), "school_id"),
            f->school_b)
        == 0)
      b_total = json_array_get_object_element (schools, i);
  g_assert_nonnull (b_total);
  g_assert_cmpint (json_object_get_int_member (b_total, "participants"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (b_total, "seconds"), ==, 300 + 100 + 60);

  csv = conference_request (f, "GET", id, "/attendance?format=csv", NULL, f->op);
  assert_status (csv, 200);
  g_assert_cmpstr (soup_message_headers_get_one (csv->headers, "Content-Type"), ==,
                   "text/csv; charset=utf-8");
  disposition = g_strdup_printf ("attachment; filename=\"attendance-%s.csv\"", id);
  g_assert_cmpstr (soup_message_headers_get_one (csv->headers, "Content-Disposition"), ==,
                   disposition);
  text = body_text (csv);
  g_assert_true (g_str_has_prefix (text, "\xEF\xBB\xBF"));
  g_assert_true (g_utf8_validate (text, -1, NULL));
  lines = g_strsplit (text + 3, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 7); /* header, 5 rows, "" after the last CRLF */
  g_assert_cmpstr (lines[0], ==,
                   "participant_id,display_name,school,role,joined_at,left_at,seconds");
  g_assert_true (g_str_has_prefix (lines[1], "p1,\"Иванов, Пётр\",School B,participant,"));
  g_assert_true (g_str_has_suffix (lines[1], ",300"));
  g_assert_nonnull (strstr (text, "p2,\"Anna \"\"Ann\"\" Lee\",School B,"));
  /* A formula is defused; quotes inside it doubled. */
  g_assert_nonnull (strstr (text, "p3,\"'=HYPERLINK(\"\"x\"\")\",School C,participant,"));
  g_assert_nonnull (strstr (text, "a:op,Operator,,host,"));
  g_assert_cmpstr (lines[6], ==, "");
  /* Times in the city's zone (Moscow, +03:00) as "YYYY-MM-DD hh:mm:ss". */
  {
    g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (t0);
    g_autoptr (GTimeZone) msk = g_time_zone_new_identifier ("Europe/Moscow");
    g_autoptr (GDateTime) local = g_date_time_to_timezone (utc, msk);
    g_autofree char *joined = g_date_time_format (local, "%Y-%m-%d %H:%M:%S");

    g_assert_nonnull (strstr (lines[1], joined));
  }

  {
    g_autoptr (LcTestResponse) bad_format
        = conference_request (f, "GET", id, "/attendance?format=xml", NULL, f->op);
    g_autoptr (LcTestResponse) teacher
        = conference_request (f, "GET", id, "/attendance", NULL, f->as_teacher_a);
    g_autoptr (LcTestResponse) uninvolved
        = conference_request (f, "GET", id, "/attendance", NULL, f->as_coord_d);

    lc_test_assert_problem (bad_format, 422, "invalid-field", "format");
    lc_test_assert_problem (teacher, 403, "forbidden", NULL);
    lc_test_assert_problem (uninvolved, 404, "not-found", NULL);
  }
}

/* ---- public config, demo ---- */

static const char *const city_config[]
    = { "city.timezone=Asia/Yekaterinburg", "conferences.room_opens_before=10", NULL };

static void
test_config_public (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestResponse) resp
      = lc_test_request (f->ts, "GET", "/api/v1/config/public", NULL, NULL, NULL);
  JsonObject *conferences;

  assert_status (resp, 200);
  g_assert_cmpstr (lc_test_json_string (resp, "timezone"), ==, "Asia/Yekaterinburg");
  conferences = json_object_get_object_member (lc_test_json_object (resp), "conferences");
  g_assert_cmpint (json_object_get_int_member (conferences, "room_opens_before"), ==, 10);
  g_assert_cmpint (json_object_get_int_member (conferences, "close_warning"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (conferences, "mesh_max_participants"), ==, 6);
  g_assert_cmpint (json_object_get_int_member (conferences, "max_participants_per_school"), ==, 30);
  g_assert_cmpint (json_object_get_int_member (conferences, "max_duration"), ==, 240);
  g_assert_cmpuint (json_object_get_size (conferences), ==, 5);
}

static void
test_demo (void)
{
  LcTestServer *ts = lc_test_server_start (NULL, FALSE);
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *op = NULL;
  g_autoptr (LcTestResponse) list = NULL;
  LcKdfParams kdf;
  JsonArray *items;
  guint live = 0, pending_tomorrow = 0, cancelled = 0;
  gint64 now = lc_time_now ();

  lc_kdf_params_init_default (&kdf);
  kdf.log2_n = LC_KDF_MIN_LOG2_N;
  g_assert_true (lc_demo_seed (lc_app_get_store (ts->app), &kdf, now, out, &error));
  g_assert_no_error (error);
  g_assert_null (strstr (out->str, "lcj1"));
  g_assert_null (strstr (out->str, "calendar"));

  op = lc_test_operator_token (ts);
  list = lc_test_request (ts, "GET", "/api/v1/conferences", NULL, op, NULL);
  items = lc_test_items (list);
  g_assert_cmpuint (json_array_get_length (items), ==, 3);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *o = json_array_get_object_element (items, i);
      const char *status = json_object_get_string_member (o, "status");
      JsonArray *invites = json_object_get_array_member (o, "invites");
      gint64 starts_at = 0, ends_at = 0;

      g_assert_cmpuint (json_array_get_length (invites), >=, 1);
      g_assert_true (lc_time_parse_rfc3339 (json_object_get_string_member (o, "starts_at"), "s",
                                            &starts_at, NULL));
      g_assert_true (lc_time_parse_rfc3339 (json_object_get_string_member (o, "ends_at"), "e",
                                            &ends_at, NULL));
      if (json_object_get_boolean_member (o, "live"))
        {
          live++;
          g_assert_cmpint (ends_at - starts_at, ==, 2 * HOUR);
          g_assert_cmpint (starts_at, <=, now);
        }
      if (strcmp (status, "cancelled") == 0)
        cancelled++;
      for (guint j = 0; j < json_array_get_length (invites); j++)
        if (strcmp (json_object_get_string_member (json_array_get_object_element (invites, j),
                                                   "status"),
                    "pending")
                == 0
            && strcmp (status, "scheduled") == 0 && starts_at > now + HOUR
            && starts_at < now + 2 * 86400)
          pending_tomorrow++;
    }
  g_assert_cmpuint (live, ==, 1);
  g_assert_cmpuint (pending_tomorrow, ==, 1);
  g_assert_cmpuint (cancelled, ==, 1);
  g_clear_pointer (&list, lc_test_response_free);
  lc_test_server_stop (ts);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, config, func)                                                                    \
  g_test_add (path, Fixture, config, fixture_setup, func, fixture_teardown)
  ADD ("/api/conferences/create", NULL, test_create);
  ADD ("/api/conferences/create-validation", NULL, test_create_validation);
  ADD ("/api/conferences/permissions", NULL, test_permissions);
  ADD ("/api/conferences/clash", NULL, test_clash);
  ADD ("/api/conferences/buffer", buffer_config, test_buffer);
  ADD ("/api/conferences/capacity", capacity_config, test_capacity);
  ADD ("/api/conferences/concurrent-bookings", NULL, test_concurrent_bookings);
  ADD ("/api/conferences/patch", NULL, test_patch);
  ADD ("/api/conferences/patch-clash", NULL, test_patch_clash);
  ADD ("/api/conferences/accept-decline", NULL, test_accept_decline);
  ADD ("/api/conferences/accept-clash", NULL, test_accept_clash);
  ADD ("/api/conferences/check", NULL, test_check);
  ADD ("/api/conferences/list", NULL, test_list);
  ADD ("/api/conferences/links", NULL, test_links);
  ADD ("/api/conferences/room-info", NULL, test_room_info);
  ADD ("/api/conferences/attendance", NULL, test_attendance);
  ADD ("/api/config/public", city_config, test_config_public);
#undef ADD
  g_test_add_func ("/api/conferences/demo", test_demo);

  return g_test_run ();
}
