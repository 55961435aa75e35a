/* test-calendar.c — GET /api/v1/schools/{id}/calendar.ics and calendar-link
 * against the real server: the public feed (public open lessons only), the
 * private feed by key or staff session (unlisted lessons, conferences;
 * pending invitations TENTATIVE, declined ones left out, cancelled ones
 * STATUS:CANCELLED), stable UIDs, SEQUENCE bumped by edits, RFC 5545 framing
 * (CRLF, lines ≤ 75 octets), and the access rules. */
#include <string.h>

#include "common/lc-time.h"
#include "lc-test-util.h"

#define PASSWORD "Calendar-pass-2026"
#define HOUR 3600

typedef struct
{
  LcTestServer *ts;
  char *school_a, *school_b;
  char *teacher_a;
  char *public_lesson, *unlisted_lesson, *cancelled_lesson;
  char *op, *as_coord_a, *as_coord_b, *as_teacher_a;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  gint64 now = lc_time_now ();

  f->ts = lc_test_server_start (NULL, FALSE);
  f->school_a = lc_test_seed_school (f->ts, "School A", "North");
  f->school_b = lc_test_seed_school (f->ts, "School B", "South");
  f->op = lc_test_operator_token (f->ts);
  {
    const LcTestStaff staff[] = {
      { "coord-a", "coordinator", f->school_a, TRUE, NULL, &f->as_coord_a },
      { "coord-b", "coordinator", f->school_b, TRUE, NULL, &f->as_coord_b },
      { "teacher-a", "teacher", f->school_a, TRUE, &f->teacher_a, &f->as_teacher_a },
    };

    lc_test_seed_staff (f->ts, staff, G_N_ELEMENTS (staff), PASSWORD);
  }
  f->public_lesson = lc_test_seed_lesson (f->ts, f->school_a, f->teacher_a, now + 2 * HOUR,
                                          "physics", 8, "public", "scheduled");
  f->unlisted_lesson = lc_test_seed_lesson (f->ts, f->school_a, f->teacher_a, now + 4 * HOUR,
                                            "biology", 6, "unlisted", "scheduled");
  f->cancelled_lesson = lc_test_seed_lesson (f->ts, f->school_a, f->teacher_a, now + 6 * HOUR,
                                             "history", 7, "public", "cancelled");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  lc_test_server_stop (f->ts);
  g_free (f->school_a);
  g_free (f->school_b);
  g_free (f->teacher_a);
  g_free (f->public_lesson);
  g_free (f->unlisted_lesson);
  g_free (f->cancelled_lesson);
  g_free (f->op);
  g_free (f->as_coord_a);
  g_free (f->as_coord_b);
  g_free (f->as_teacher_a);
}

/* coord-a books a conference with B invited; returns its id. */
static char *
book (Fixture *f, const char *title, gint64 start_in)
{
  g_autofree char *starts = lc_time_format_rfc3339 (lc_time_now () + start_in);
  g_autofree char *ends = lc_time_format_rfc3339 (lc_time_now () + start_in + HOUR);
  g_autofree char *body
      = g_strdup_printf ("{\"title\":\"%s\",\"description\":\"Line one; two, three\","
                         "\"agenda\":\"1. Hello\",\"starts_at\":\"%s\",\"ends_at\":\"%s\","
                         "\"invited_school_ids\":[\"%s\"]}",
                         title, starts, ends, f->school_b);

  return lc_test_create (f->ts, "/api/v1/conferences", body, f->as_coord_a);
}

static void
conference_post (Fixture *f, const char *id, const char *action, const char *body, const char *auth,
                 guint status)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/conferences/%s%s", id, action);
  g_autoptr (LcTestResponse) resp
      = lc_test_request (f->ts, action[0] == '/' ? "POST" : "PATCH", path, body, auth, NULL);

  g_assert_cmpuint (resp->status, ==, status);
}

/* GET the calendar; asserts 200 and the content type. (transfer full) the text */
static char *
get_calendar (Fixture *f, const char *school_id, const char *query, const char *auth)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/schools/%s/calendar.ics%s", school_id, query);
  g_autoptr (LcTestResponse) resp = lc_test_request (f->ts, "GET", path, NULL, auth, NULL);

  if (resp->status != 200)
    g_test_message ("calendar: %u %s", resp->status,
                    (const char *)g_bytes_get_data (resp->body, NULL));
  g_assert_cmpuint (resp->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_one (resp->headers, "Content-Type"), ==,
                   "text/calendar; charset=utf-8");
  return g_strdup (g_bytes_get_data (resp->body, NULL));
}

/* Content lines with folding undone (RFC 5545 §3.1). (transfer full) */
static char *
unfold (const char *text)
{
  g_autoptr (GString) out = g_string_new (text);

  g_string_replace (out, "\r\n ", "", 0);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The unfolded VEVENT whose UID is uid, or NULL. (transfer full) */
static char *
find_event (const char *calendar, const char *uid)
{
  g_autofree char *text = unfold (calendar);
  g_autofree char *needle = g_strdup_printf ("\r\nUID:%s\r\n", uid);
  const char *at = strstr (text, needle);
  const char *begin, *end;

  if (at == NULL)
    return NULL;
  begin = g_strrstr_len (text, at - text, "BEGIN:VEVENT");
  end = strstr (at, "END:VEVENT");
  g_assert_nonnull (begin);
  g_assert_nonnull (end);
  return g_strndup (begin, end - begin);
}

static char *
lesson_uid (const char *id)
{
  return g_strdup_printf ("lesson-%s@lessoncast", id);
}

static char *
conference_uid (const char *id)
{
  return g_strdup_printf ("conference-%s@lessoncast", id);
}

static gboolean
has_event (const char *calendar, const char *uid)
{
  g_autofree char *event = find_event (calendar, uid);

  return event != NULL;
}

static void
assert_event_has (const char *calendar, const char *uid, const char *line)
{
  g_autofree char *event = find_event (calendar, uid);
  g_autofree char *needle = g_strdup_printf ("\r\n%s\r\n", line);

  g_assert_nonnull (event);
  if (strstr (event, needle) == NULL)
    g_test_message ("event %s lacks %s:\n%s", uid, line, event);
  g_assert_nonnull (strstr (event, needle));
}

/* The private URL from calendar-link, as a path + query. (transfer full) */
static char *
calendar_link (Fixture *f, const char *school_id, const char *auth)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/schools/%s/calendar-link", school_id);
  g_autoptr (LcTestResponse) resp = lc_test_request (f->ts, "GET", path, NULL, auth, NULL);
  const char *url;

  g_assert_cmpuint (resp->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_one (resp->headers, "Cache-Control"), ==, "no-store");
  url = lc_test_json_string (resp, "url");
  g_assert_true (g_str_has_prefix (url, f->ts->base_url));
  return g_strdup (url + strlen (f->ts->base_url));
}

static void
test_public (Fixture *f, gconstpointer data)
{
  g_autofree char *conference = book (f, "Joint lesson", 3 * HOUR);
  g_autofree char *text = get_calendar (f, f->school_a, "", NULL);
  g_autofree char *public_uid = lesson_uid (f->public_lesson);
  g_autofree char *unlisted_uid = lesson_uid (f->unlisted_lesson);
  g_autofree char *cancelled_uid = lesson_uid (f->cancelled_lesson);
  g_autofree char *conference_id_uid = conference_uid (conference);
  g_autofree char *watch = NULL;
  g_auto (GStrv) lines = NULL;

  g_assert_true (g_str_has_prefix (text, "BEGIN:VCALENDAR\r\n"));
  g_assert_true (g_str_has_suffix (text, "END:VCALENDAR\r\n"));
  g_assert_nonnull (strstr (text, "\r\nVERSION:2.0\r\n"));
  g_assert_nonnull (strstr (text, "\r\nX-WR-CALNAME:lessoncast: School A\r\n"));
  g_assert_nonnull (strstr (text, "\r\nX-WR-TIMEZONE:Europe/Moscow\r\n"));
  /* Every line ends in CRLF and is at most 75 octets. */
  lines = g_strsplit (text, "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_assert_null (strchr (lines[i], '\n'));
      g_assert_cmpuint (strlen (lines[i]), <=, 75);
    }

  g_assert_true (has_event (text, public_uid));
  assert_event_has (text, public_uid, "STATUS:CONFIRMED");
  assert_event_has (text, public_uid, "SEQUENCE:0");
  assert_event_has (text, public_uid, "SUMMARY:physics lesson");
  watch = g_strdup_printf ("URL:%s/watch/%s", f->ts->base_url, f->public_lesson);
  assert_event_has (text, public_uid, watch);
  assert_event_has (text, cancelled_uid, "STATUS:CANCELLED");
  /* Neither unlisted lessons nor conferences are public. */
  g_assert_false (has_event (text, unlisted_uid));
  g_assert_false (has_event (text, conference_id_uid));

  /* Staff of another school get the public feed; so does a bad-session caller. */
  {
    g_autofree char *other = get_calendar (f, f->school_a, "", f->as_coord_b);

    g_assert_false (has_event (other, unlisted_uid));
    g_assert_false (has_event (other, conference_id_uid));
  }
}

static void
test_private (Fixture *f, gconstpointer data)
{
  g_autofree char *joint = book (f, "Joint lesson", 3 * HOUR);
  g_autofree char *declined = book (f, "Declined one", 8 * HOUR);
  g_autofree char *cancelled = book (f, "Cancelled one", 10 * HOUR);
  g_autofree char *joint_uid = conference_uid (joint);
  g_autofree char *declined_uid = conference_uid (declined);
  g_autofree char *cancelled_uid = conference_uid (cancelled);
  g_autofree char *unlisted_uid = lesson_uid (f->unlisted_lesson);
  g_autofree char *link_a = calendar_link (f, f->school_a, f->as_coord_a);
  g_autofree char *link_b = calendar_link (f, f->school_b, f->as_coord_b);
  g_autofree char *query_a = g_strdup (strchr (link_a, '?'));
  g_autofree char *query_b = g_strdup (strchr (link_b, '?'));
  g_autofree char *a1 = NULL, *b1 = NULL, *b2 = NULL, *a2 = NULL, *session = NULL;
  g_autofree char *room = NULL;
  g_autofree char *patch = NULL;
  g_autofree char *new_start = lc_time_format_rfc3339 (lc_time_now () + 3 * HOUR + 1800);

  g_assert_true (g_str_has_prefix (link_a, "/api/v1/schools/"));
  g_assert_nonnull (strstr (link_a, "/calendar.ics?key="));
  g_assert_cmpstr (query_a, !=, query_b);

  conference_post (f, declined, "/decline", NULL, f->as_coord_b, 200);
  conference_post (f, cancelled, "/cancel", NULL, f->as_coord_a, 200);

  /* The host's private feed: its conferences and unlisted lessons. */
  a1 = get_calendar (f, f->school_a, query_a, NULL);
  assert_event_has (a1, joint_uid, "STATUS:CONFIRMED");
  assert_event_has (a1, joint_uid, "SUMMARY:Joint lesson");
  assert_event_has (a1, joint_uid, "DESCRIPTION:Line one\\; two\\, three\\n\\n1. Hello");
  assert_event_has (a1, joint_uid, "SEQUENCE:0");
  room = g_strdup_printf ("URL:%s/room/%s", f->ts->base_url, joint);
  assert_event_has (a1, joint_uid, room);
  assert_event_has (a1, cancelled_uid, "STATUS:CANCELLED");
  assert_event_has (a1, cancelled_uid, "SEQUENCE:1");
  g_assert_true (has_event (a1, declined_uid)); /* the host still holds it */
  g_assert_true (has_event (a1, unlisted_uid));

  /* The invited school's feed: pending is tentative, declined is left out. */
  b1 = get_calendar (f, f->school_b, query_b, NULL);
  assert_event_has (b1, joint_uid, "STATUS:TENTATIVE");
  g_assert_false (has_event (b1, declined_uid));
  assert_event_has (b1, cancelled_uid, "STATUS:CANCELLED");
  g_assert_false (has_event (b1, unlisted_uid)); /* A's lesson */

  /* Accepting confirms it; moving it bumps SEQUENCE (UID unchanged). */
  conference_post (f, joint, "/accept", NULL, f->as_coord_b, 200);
  b2 = get_calendar (f, f->school_b, query_b, NULL);
  assert_event_has (b2, joint_uid, "STATUS:CONFIRMED");
  patch = g_strdup_printf ("{\"starts_at\":\"%s\"}", new_start);
  conference_post (f, joint, "", patch, f->as_coord_a, 200);
  a2 = get_calendar (f, f->school_a, query_a, NULL);
  assert_event_has (a2, joint_uid, "SEQUENCE:1");
  {
    g_autofree char *dtstart = NULL;
    g_autoptr (GDateTime) start = NULL;
    gint64 t;

    g_assert_true (lc_time_parse_rfc3339 (new_start, "s", &t, NULL));
    start = g_date_time_new_from_unix_utc (t);
    dtstart = g_date_time_format (start, "DTSTART:%Y%m%dT%H%M%SZ");
    assert_event_has (a2, joint_uid, dtstart);
  }

  /* A staff session of the school (no key) sees the same; an operator too. */
  session = get_calendar (f, f->school_a, "", f->as_teacher_a);
  g_assert_true (has_event (session, joint_uid));
  g_assert_true (has_event (session, unlisted_uid));
  {
    g_autofree char *op = get_calendar (f, f->school_b, "", f->op);

    g_assert_true (has_event (op, joint_uid));
  }
}

static void
test_access (Fixture *f, gconstpointer data)
{
  g_autofree char *link_a = calendar_link (f, f->school_a, f->as_coord_a);
  g_autofree char *op_link = calendar_link (f, f->school_a, f->op);
  g_autofree char *teacher_link = calendar_link (f, f->school_a, f->as_teacher_a);
  g_autofree char *with_a_key_for_b
      = g_strdup_printf ("/api/v1/schools/%s/calendar.ics%s", f->school_b, strchr (link_a, '?'));
  g_autofree char *wrong_key
      = g_strdup_printf ("/api/v1/schools/%s/calendar.ics?key=AAAA", f->school_a);
  g_autofree char *link_path_a = g_strdup_printf ("/api/v1/schools/%s/calendar-link", f->school_a);
  g_autofree char *unknown = g_strdup ("/api/v1/schools/AAAAAAAAAAAAAAAAAAAAAA/calendar.ics");
  g_autofree char *unknown_link = g_strdup ("/api/v1/schools/AAAAAAAAAAAAAAAAAAAAAA/calendar-link");
  g_autofree char *extra_query
      = g_strdup_printf ("/api/v1/schools/%s/calendar.ics?colour=red", f->school_a);
  struct
  {
    const char *path, *auth;
    guint status;
  } cases[] = {
    { with_a_key_for_b, NULL, 401 }, /* a key is for one school */
    { wrong_key, NULL, 401 },
    { link_path_a, NULL, 401 },
    { link_path_a, f->as_coord_b, 403 },
    { unknown, NULL, 404 },
    { unknown_link, f->op, 404 },
    { extra_query, NULL, 400 },
  };

  /* The key depends only on the school: every staff link is the same. */
  g_assert_cmpstr (link_a, ==, op_link);
  g_assert_cmpstr (link_a, ==, teacher_link);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (LcTestResponse) resp
          = lc_test_request (f->ts, "GET", cases[i].path, NULL, cases[i].auth, NULL);

      g_test_message ("case %u: %s", i, cases[i].path);
      lc_test_assert_problem (resp, cases[i].status, NULL, NULL);
    }
  /* HEAD works for calendar apps that probe first. */
  {
    g_autoptr (LcTestResponse) head = lc_test_request (f->ts, "HEAD", link_a, NULL, NULL, NULL);

    g_assert_cmpuint (head->status, ==, 200);
    g_assert_cmpuint (g_bytes_get_size (head->body), ==, 0);
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/api/calendar/public", test_public);
  ADD ("/api/calendar/private", test_private);
  ADD ("/api/calendar/access", test_access);
#undef ADD

  return g_test_run ();
}
