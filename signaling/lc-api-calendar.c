/* lc-api-calendar.c — what conferences hand out beyond booking: join links
 * (signed lc-join-token tokens) and the room page's room-info; the attendance
 * report (JSON, and CSV for spreadsheets: RFC 4180, UTF-8 BOM); the school
 * calendar (RFC 5545 via lc-ics, a private feed behind an HMAC key) and its
 * link; the public configuration the pages read (GET /api/v1/config/public). */
#include "signaling/lc-api-private.h"

#include <string.h>

#include "common/lc-ics.h"
#include "common/lc-join-token.h"

/* Calendars list events from this long ago on (seconds), at most this many of
 * each kind. */
#define CALENDAR_PAST_S (60 * 86400)
#define CALENDAR_MAX_EVENTS 1000
#define UTF8_BOM "\xEF\xBB\xBF"

static const LcFieldSpec link_specs[] = {
  { "school_id", LC_FIELD_ID, LC_FIELD_REQUIRED },
  { "role", LC_FIELD_ENUM, LC_FIELD_OPTIONAL, 0, 0, 0, 0, lc_conference_role_names },
  { "display_name", LC_FIELD_STRING, LC_FIELD_OPTIONAL, 1, 60 },
};

static const char *const no_query[] = { NULL };
static const char *const room_info_query[] = { "t", NULL };
static const char *const attendance_query[] = { "format", NULL };
static const char *const calendar_query[] = { "key", NULL };

/* ---- join links, room info ---- */

static gboolean
require_join_key (LcApi *api, GError **error)
{
  if (api->join_key != NULL)
    return TRUE;
  lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL, "join links are not configured on this server");
  return FALSE;
}

/* Who may hand out a link for school_id with role: the host side for any
 * school of the conference, an invited coordinator for their own school as a
 * participant or observer. */
static gboolean
check_link_request (const LcPrincipal *p, const LcConference *conference, const char *school_id,
                    LcConferenceRole role, GError **error)
{
  const LcConferenceInvite *invite = lc_conference_find_invite (conference, school_id);

  if (!lc_conference_involves_school (conference, school_id))
    {
      lc_set_error (error, LC_ERROR_INVALID, "school_id", "that school does not take part");
      return FALSE;
    }
  if (invite != NULL && invite->status == LC_INVITE_DECLINED)
    {
      lc_set_error (error, LC_ERROR_INVALID, "school_id", "that school declined the invitation");
      return FALSE;
    }
  if (role == LC_CONFERENCE_ROLE_HOST && strcmp (school_id, conference->host_school_id) != 0)
    {
      lc_set_error (error, LC_ERROR_INVALID, "role", "only the host school's links may be host");
      return FALSE;
    }
  if (lc_can_manage_conference (p, conference))
    return TRUE;
  if (lc_principal_is_coordinator_of (p, school_id))
    return TRUE;
  lc_set_error (error, LC_ERROR_FORBIDDEN, NULL,
                "coordinators hand out links for their own school only");
  return FALSE;
}

static gboolean
route_conference_link (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);
  g_autoptr (LcConference) conference = NULL;
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (LcJoinClaims) claims = lc_join_claims_new ();
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *token = NULL;
  g_autofree char *base = NULL;
  g_autofree char *url = NULL;
  g_autofree char *details = NULL;
  g_autofree char *name = NULL;
  LcConferenceRole role = LC_CONFERENCE_ROLE_PARTICIPANT;
  const char *school_id;
  JsonObject *o, *out;

  if (p == NULL || !lc_api_check_query (req, no_query, error))
    return FALSE;
  conference = lc_api_get_visible_conference (api, req, p, error);
  if (conference == NULL || !require_join_key (api, error))
    return FALSE;
  body = lc_api_parse_body (req, link_specs, G_N_ELEMENTS (link_specs), FALSE, error);
  if (body == NULL)
    return FALSE;
  o = json_node_get_object (body);
  school_id = lc_json_string (o, "school_id");
  if (lc_json_has (o, "role"))
    lc_conference_role_from_string (lc_json_string (o, "role"), &role);
  if (lc_json_has (o, "display_name"))
    {
      name = g_strstrip (g_strdup (lc_json_string (o, "display_name")));
      if (name[0] == '\0')
        {
          lc_set_error (error, LC_ERROR_INVALID, "display_name", "display_name must not be blank");
          return FALSE;
        }
    }
  if (!check_link_request (p, conference, school_id, role, error)
      || !lc_conference_require_changeable (conference, lc_time_now (), error))
    return FALSE;

  claims->conference_id = g_strdup (conference->id);
  claims->school_id = g_strdup (school_id);
  claims->role = role;
  claims->display_name = g_strdup (name);
  /* A named link is one person: a fresh participant id of their own. */
  claims->participant_id = name != NULL ? lc_id_new () : NULL;
  claims->expires_at = conference->ends_at;
  token = lc_join_token_sign (api->join_key, claims);
  base = lc_api_dup_base_url (api, req);
  url = g_strdup_printf ("%s/room/%s?t=%s", base, conference->id, token);

  out = json_object_new ();
  json_object_set_string_member (out, "token", token);
  json_object_set_string_member (out, "url", url);
  lc_json_set_time (out, "expires_at", claims->expires_at);
  json_object_set_string_member (out, "school_id", school_id);
  json_object_set_string_member (out, "role", lc_conference_role_to_string (role));
  if (name != NULL)
    json_object_set_string_member (out, "display_name", name);
  else
    json_object_set_null_member (out, "display_name");
  json_node_take_object (root, out);

  /* Never the token, nor the (possibly a pupil's) name. */
  details = g_strdup_printf ("{\"school_id\":\"%s\",\"role\":\"%s\",\"named\":%s}", school_id,
                             lc_conference_role_to_string (role), name != NULL ? "true" : "false");
  lc_api_audit (api, req, p, "conference.link", "conference", conference->id, details);
  lc_api_no_store (req);
  lc_request_respond_json (req, 201, root);
  return TRUE;
}

static const char *
room_state (LcApi *api, const LcConference *conference, gint64 now)
{
  switch (lc_conference_effective_status (conference, now))
    {
    case LC_CONFERENCE_CANCELLED:
      return "cancelled";
    case LC_CONFERENCE_ENDED:
      return "closed";
    case LC_CONFERENCE_SCHEDULED:
    default:
      return now >= lc_api_conference_opens_at (api, conference) ? "open" : "lobby";
    }
}

/* you: {role, display_name, needs_name, school} from a verified token or the
 * caller's account (401 when neither lets them in). */
static JsonObject *
room_visitor (LcApi *api, LcRequest *req, LcLessonContext *ctx, const LcConference *conference,
              GError **error)
{
  const char *token = lc_request_get_query (req, "t");
  g_autoptr (LcPrincipal) p = NULL;
  g_autoptr (LcJoinClaims) claims = NULL;
  const char *school_id = NULL;
  const char *name = NULL;
  const LcSchool *school = NULL;
  LcConferenceRole role;
  JsonObject *you;

  if (token != NULL)
    {
      if (!require_join_key (api, error))
        return NULL;
      claims = lc_join_token_verify (api->join_key, token, conference->id, lc_time_now (), error);
      if (claims == NULL)
        return NULL;
      role = claims->role;
      school_id = claims->school_id;
      name = claims->display_name;
    }
  else
    {
      if (!lc_api_authenticate (api, req, &p, error))
        return NULL;
      if (p == NULL || !lc_conference_account_role (p, conference, &role))
        {
          lc_set_error (error, LC_ERROR_UNAUTHORIZED, NULL,
                        p == NULL ? "open the room with a join link or log in"
                                  : "your school does not take part in this conference; ask "
                                    "the host school for a join link");
          return NULL;
        }
      school_id = p->account->school_id;
      name = p->account->display_name;
    }
  if (school_id != NULL)
    {
      school = lc_lesson_context_school (ctx, school_id, error);
      if (school == NULL)
        return NULL;
    }

  you = json_object_new ();
  json_object_set_string_member (you, "role", lc_conference_role_to_string (role));
  if (name != NULL)
    json_object_set_string_member (you, "display_name", name);
  else
    json_object_set_null_member (you, "display_name");
  json_object_set_boolean_member (you, "needs_name", name == NULL);
  if (school != NULL)
    json_object_set_member (you, "school", lc_school_summary_to_json (school));
  else
    json_object_set_null_member (you, "school");
  return you;
}

static gboolean
route_conference_room_info (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcConference) conference = NULL;
  g_autoptr (JsonNode) root = NULL;
  LcLessonContext ctx;
  const LcSchool *host;
  JsonObject *you = NULL;
  JsonObject *o;
  gint64 now = lc_time_now ();

  if (!lc_api_check_query (req, room_info_query, error))
    return FALSE;
  conference = lc_api_get_conference (api, req, error);
  if (conference == NULL)
    return FALSE;
  lc_api_lesson_context_init (api, &ctx);
  host = lc_lesson_context_school (&ctx, conference->host_school_id, error);
  if (host != NULL)
    you = room_visitor (api, req, &ctx, conference, error);
  if (you == NULL)
    {
      lc_lesson_context_clear (&ctx);
      return FALSE;
    }

  o = json_object_new ();
  json_object_set_string_member (o, "id", conference->id);
  json_object_set_string_member (o, "title", conference->title);
  json_object_set_member (o, "host_school", lc_school_summary_to_json (host));
  lc_json_set_time (o, "starts_at", conference->starts_at);
  lc_json_set_time (o, "ends_at", conference->ends_at);
  lc_json_set_time (o, "opens_at", lc_api_conference_opens_at (api, conference));
  lc_json_set_time (o, "closes_at", conference->ends_at);
  json_object_set_string_member (o, "state", room_state (api, conference, now));
  json_object_set_object_member (o, "you", you);
  lc_lesson_context_clear (&ctx);
  root = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (root, o);
  lc_api_no_store (req);
  lc_request_respond_json (req, 200, root);
  return TRUE;
}

/* ---- attendance ---- */

typedef struct
{
  char *school_id;
  const char *short_name;   /* (transfer none) from the context */
  GHashTable *participants; /* participant ids */
  gint64 seconds;
} SchoolTotal;

static void
school_total_free (SchoolTotal *total)
{
  g_free (total->school_id);
  g_hash_table_unref (total->participants);
  g_free (total);
}

static SchoolTotal *
school_total_new (const char *school_id, const char *short_name)
{
  SchoolTotal *total = g_new0 (SchoolTotal, 1);

  total->school_id = g_strdup (school_id);
  total->short_name = short_name;
  total->participants = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return total;
}

/* The seconds of one stay (an open one counts up to now). */
static gint64
stay_seconds (const LcAttendance *row, gint64 now)
{
  gint64 end = row->left_at != 0 ? row->left_at : now;

  return MAX (end - row->joined_at, 0);
}

typedef struct
{
  GPtrArray *rows;   /* LcAttendance*, (joined_at, id) order */
  GPtrArray *totals; /* SchoolTotal*: the host, the invited schools, then any other */
  gint64 now;
} Attendance;

static void
attendance_clear (Attendance *a)
{
  g_clear_pointer (&a->rows, g_ptr_array_unref);
  g_clear_pointer (&a->totals, g_ptr_array_unref);
}

static SchoolTotal *
find_total (GPtrArray *totals, const char *school_id)
{
  for (guint i = 0; i < totals->len; i++)
    {
      SchoolTotal *total = g_ptr_array_index (totals, i);

      if (strcmp (total->school_id, school_id) == 0)
        return total;
    }
  return NULL;
}

static gboolean
add_total (LcLessonContext *ctx, GPtrArray *totals, const char *school_id, GError **error)
{
  const LcSchool *school;

  if (find_total (totals, school_id) != NULL)
    return TRUE;
  school = lc_lesson_context_school (ctx, school_id, error);
  if (school == NULL)
    return FALSE;
  g_ptr_array_add (totals, school_total_new (school_id, school->short_name));
  return TRUE;
}

/* Load the rows and sum them up per school. */
static gboolean
attendance_load (LcApi *api, LcLessonContext *ctx, const LcConference *conference, Attendance *a,
                 GError **error)
{
  a->now = lc_time_now ();
  a->totals = g_ptr_array_new_with_free_func ((GDestroyNotify)school_total_free);
  a->rows = lc_store_list_attendance (api->store, conference->id, error);
  if (a->rows == NULL || !add_total (ctx, a->totals, conference->host_school_id, error))
    return FALSE;
  for (guint i = 0; i < conference->invites->len; i++)
    {
      const LcConferenceInvite *invite = g_ptr_array_index (conference->invites, i);

      if (!add_total (ctx, a->totals, invite->school_id, error))
        return FALSE;
    }
  for (guint i = 0; i < a->rows->len; i++)
    {
      const LcAttendance *row = g_ptr_array_index (a->rows, i);
      SchoolTotal *total;

      if (row->school_id == NULL)
        continue;
      if (!add_total (ctx, a->totals, row->school_id, error))
        return FALSE;
      total = find_total (a->totals, row->school_id);
      g_hash_table_add (total->participants, g_strdup (row->participant_id));
      total->seconds += stay_seconds (row, a->now);
    }
  return TRUE;
}

/* The short name of a row's school, or NULL (an operator without one). */
static const char *
row_school_name (const Attendance *a, const LcAttendance *row)
{
  SchoolTotal *total = row->school_id != NULL ? find_total (a->totals, row->school_id) : NULL;

  return total != NULL ? total->short_name : NULL;
}

static void
respond_attendance_json (LcRequest *req, const Attendance *a)
{
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  JsonObject *o = json_object_new ();
  JsonArray *items = json_array_new ();
  JsonArray *schools = json_array_new ();

  for (guint i = 0; i < a->rows->len; i++)
    {
      const LcAttendance *row = g_ptr_array_index (a->rows, i);
      const char *short_name = row_school_name (a, row);
      JsonObject *item = json_object_new ();

      json_object_set_string_member (item, "participant_id", row->participant_id);
      json_object_set_string_member (item, "display_name", row->display_name);
      if (short_name != NULL)
        {
          JsonObject *school = json_object_new ();

          json_object_set_string_member (school, "id", row->school_id);
          json_object_set_string_member (school, "short_name", short_name);
          json_object_set_object_member (item, "school", school);
        }
      else
        json_object_set_null_member (item, "school");
      json_object_set_string_member (item, "role", lc_conference_role_to_string (row->role));
      lc_json_set_time (item, "joined_at", row->joined_at);
      if (row->left_at != 0)
        lc_json_set_time (item, "left_at", row->left_at);
      else
        json_object_set_null_member (item, "left_at");
      json_object_set_int_member (item, "seconds", stay_seconds (row, a->now));
      json_array_add_object_element (items, item);
    }
  for (guint i = 0; i < a->totals->len; i++)
    {
      const SchoolTotal *total = g_ptr_array_index (a->totals, i);
      JsonObject *school = json_object_new ();

      json_object_set_string_member (school, "school_id", total->school_id);
      json_object_set_string_member (school, "short_name", total->short_name);
      json_object_set_int_member (school, "participants", g_hash_table_size (total->participants));
      json_object_set_int_member (school, "seconds", total->seconds);
      json_array_add_object_element (schools, school);
    }
  json_object_set_array_member (o, "items", items);
  json_object_set_array_member (o, "schools", schools);
  json_node_take_object (root, o);
  lc_request_respond_json (req, 200, root);
}

/* One CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or LF,
 * quotes doubled. Text that a spreadsheet would run as a formula (= + - @)
 * gets a leading apostrophe (OWASP "CSV injection"). */
static void
csv_append_field (GString *out, const char *value, gboolean is_text)
{
  gboolean formula = is_text && value[0] != '\0' && strchr ("=+-@", value[0]) != NULL;

  if (!formula && strpbrk (value, ",\"\r\n") == NULL)
    {
      g_string_append (out, value);
      return;
    }
  g_string_append_c (out, '"');
  if (formula)
    g_string_append_c (out, '\'');
  for (const char *c = value; *c != '\0'; c++)
    {
      if (*c == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *c);
    }
  g_string_append_c (out, '"');
}

/* "YYYY-MM-DD hh:mm:ss" in the city's time zone: what spreadsheets read as a
 * date and coordinators read as their clock. */
static char *
format_local (GTimeZone *tz, gint64 t)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (t);
  g_autoptr (GDateTime) local = utc != NULL ? g_date_time_to_timezone (utc, tz) : NULL;

  return local != NULL ? g_date_time_format (local, "%Y-%m-%d %H:%M:%S") : g_strdup ("");
}

static void
respond_attendance_csv (LcApi *api, LcRequest *req, const LcConference *conference,
                        const Attendance *a)
{
  g_autoptr (GString) out = g_string_new (UTF8_BOM);
  g_autoptr (GTimeZone) tz = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autofree char *disposition = NULL;

  tz = g_time_zone_new_identifier (lc_config_get_string (api->config, "city.timezone"));
  if (tz == NULL)
    tz = g_time_zone_new_utc ();
  g_string_append (out, "participant_id,display_name,school,role,joined_at,left_at,seconds\r\n");
  for (guint i = 0; i < a->rows->len; i++)
    {
      const LcAttendance *row = g_ptr_array_index (a->rows, i);
      const char *short_name = row_school_name (a, row);
      g_autofree char *joined = format_local (tz, row->joined_at);
      g_autofree char *left = row->left_at != 0 ? format_local (tz, row->left_at) : g_strdup ("");

      csv_append_field (out, row->participant_id, FALSE);
      g_string_append_c (out, ',');
      csv_append_field (out, row->display_name, TRUE);
      g_string_append_c (out, ',');
      csv_append_field (out, short_name != NULL ? short_name : "", TRUE);
      g_string_append_printf (out, ",%s,%s,%s,%" G_GINT64_FORMAT "\r\n",
                              lc_conference_role_to_string (row->role), joined, left,
                              stay_seconds (row, a->now));
    }
  disposition = g_strdup_printf ("attachment; filename=\"attendance-%s.csv\"", conference->id);
  lc_request_set_header (req, "Content-Disposition", disposition);
  body = g_string_free_to_bytes (g_steal_pointer (&out));
  lc_request_respond_bytes (req, 200, "text/csv; charset=utf-8", body);
}

static gboolean
route_conference_attendance (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);
  g_autoptr (LcConference) conference = NULL;
  const char *format = lc_request_get_query (req, "format");
  Attendance a = { 0 };
  LcLessonContext ctx;
  gboolean ok;

  if (p == NULL || !lc_api_check_query (req, attendance_query, error))
    return FALSE;
  if (format != NULL && strcmp (format, "csv") != 0 && strcmp (format, "json") != 0)
    {
      lc_set_error (error, LC_ERROR_INVALID, "format", "format must be json or csv");
      return FALSE;
    }
  conference = lc_api_get_visible_conference (api, req, p, error);
  if (conference == NULL)
    return FALSE;
  if (!lc_can_manage_conference (p, conference))
    {
      lc_set_error (error, LC_ERROR_FORBIDDEN, NULL,
                    "the attendance report is for the host school's coordinators and operators");
      return FALSE;
    }

  lc_api_lesson_context_init (api, &ctx);
  ok = attendance_load (api, &ctx, conference, &a, error);
  if (ok)
    {
      lc_api_no_store (req);
      if (g_strcmp0 (format, "csv") == 0)
        respond_attendance_csv (api, req, conference, &a);
      else
        respond_attendance_json (req, &a);
    }
  attendance_clear (&a);
  lc_lesson_context_clear (&ctx);
  return ok;
}

/* ---- school calendar ---- */

/* base64url(HMAC-SHA256(join secret, "calendar:" + school_id)). (transfer full) */
static char *
calendar_key (LcApi *api, const char *school_id)
{
  g_autofree char *message = g_strconcat ("calendar:", school_id, NULL);
  gsize key_len = 0;
  const guint8 *key = g_bytes_get_data (api->join_key, &key_len);
  guint8 mac[32];

  lc_hmac_sha256 (key, key_len, (const guint8 *)message, strlen (message), mac);
  return lc_base64url_encode (mac, sizeof mac);
}

/* Whether the caller gets the school's private calendar: a valid key, or a
 * session of the school's staff or an operator. A key that does not match is
 * a 401 (a revoked link should fail loudly, not shrink the calendar). */
static gboolean
calendar_is_private (LcApi *api, LcRequest *req, const LcSchool *school, gboolean *full,
                     GError **error)
{
  const char *key = lc_request_get_query (req, "key");
  g_autoptr (LcPrincipal) p = NULL;

  if (key != NULL)
    {
      g_autofree char *expected = NULL;

      if (api->join_key == NULL)
        {
          lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL,
                        "calendar links are not configured on this server");
          return FALSE;
        }
      expected = calendar_key (api, school->id);
      if (!lc_const_equal (key, expected))
        {
          lc_set_error (error, LC_ERROR_UNAUTHORIZED, NULL,
                        "the calendar key does not match; ask for a new calendar link");
          return FALSE;
        }
      *full = TRUE;
      return TRUE;
    }
  if (!lc_api_authenticate (api, req, &p, error))
    return FALSE;
  *full = lc_principal_is_operator (p) || lc_principal_is_staff_of (p, school->id);
  return TRUE;
}

/* Strings the events point to live here until the calendar is written. */
typedef struct
{
  GArray *events; /* LcIcsEvent */
  GPtrArray *strings;
  char *base;
} CalendarBuilder;

static const char *
keep (CalendarBuilder *b, char *owned)
{
  g_ptr_array_add (b->strings, owned);
  return owned;
}

static gboolean
add_lessons (LcApi *api, CalendarBuilder *b, const LcSchool *school, gboolean full, gint64 now,
             GError **error)
{
  LcLessonFilter filter = { .scope = full ? LC_LESSON_SCOPE_SCHOOL : LC_LESSON_SCOPE_PUBLIC,
                            .scope_school_id = school->id,
                            .school_id = school->id,
                            .status = -1,
                            .starts_from = now - CALENDAR_PAST_S,
                            .limit = CALENDAR_MAX_EVENTS };
  g_autoptr (GPtrArray) lessons = lc_store_list_lessons (api->store, &filter, error);

  if (lessons == NULL)
    return FALSE;
  for (guint i = 0; i < lessons->len; i++)
    {
      LcLesson *lesson = g_ptr_array_index (lessons, i);
      LcIcsEvent event = { 0 };

      event.uid = keep (b, g_strdup_printf ("lesson-%s@lessoncast", lesson->id));
      event.sequence = lesson->sequence;
      event.dtstamp = lesson->updated_at;
      event.starts_at = lesson->starts_at;
      event.ends_at = lesson->ends_at;
      event.summary = keep (b, g_strdup (lesson->title));
      event.description = keep (b, g_strdup (lesson->description));
      event.location = keep (b, g_strdup (school->short_name));
      event.url = keep (b, g_strdup_printf ("%s/watch/%s", b->base, lesson->id));
      event.cancelled = lesson->status == LC_LESSON_CANCELLED;
      event.categories = "Open lesson";
      g_array_append_val (b->events, event);
    }
  return TRUE;
}

static gboolean
add_conferences (LcApi *api, CalendarBuilder *b, const LcSchool *school, gint64 now, GError **error)
{
  LcConferenceFilter filter = { .school_id = school->id,
                                .status = -1,
                                .overlaps_from = now - CALENDAR_PAST_S,
                                .limit = CALENDAR_MAX_EVENTS };
  g_autoptr (GPtrArray) conferences = lc_store_list_conferences (api->store, &filter, error);

  if (conferences == NULL)
    return FALSE;
  for (guint i = 0; i < conferences->len; i++)
    {
      const LcConference *c = g_ptr_array_index (conferences, i);
      const LcConferenceInvite *invite = lc_conference_find_invite (c, school->id);
      LcIcsEvent event = { 0 };

      if (invite != NULL && invite->status == LC_INVITE_DECLINED)
        continue;
      event.uid = keep (b, g_strdup_printf ("conference-%s@lessoncast", c->id));
      event.sequence = c->sequence;
      event.dtstamp = MAX (c->updated_at, invite != NULL ? invite->responded_at : 0);
      event.starts_at = c->starts_at;
      event.ends_at = c->ends_at;
      event.summary = keep (b, g_strdup (c->title));
      if (c->agenda != NULL && c->agenda[0] != '\0')
        event.description = keep (
            b, g_strconcat (c->description != NULL ? c->description : "",
                            c->description != NULL && c->description[0] != '\0' ? "\n\n" : "",
                            c->agenda, NULL));
      else
        event.description = keep (b, g_strdup (c->description));
      event.url = keep (b, g_strdup_printf ("%s/room/%s", b->base, c->id));
      event.cancelled = c->status == LC_CONFERENCE_CANCELLED;
      event.tentative = !event.cancelled && invite != NULL && invite->status == LC_INVITE_PENDING;
      event.categories = "Conference";
      g_array_append_val (b->events, event);
    }
  return TRUE;
}

static gint
compare_events (gconstpointer a, gconstpointer b)
{
  const LcIcsEvent *x = a, *y = b;

  if (x->starts_at != y->starts_at)
    return x->starts_at < y->starts_at ? -1 : 1;
  return strcmp (x->uid, y->uid);
}

static gboolean
route_school_calendar (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcSchool) school = NULL;
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;
  g_autofree char *disposition = NULL;
  CalendarBuilder b = { 0 };
  gint64 now = lc_time_now ();
  gboolean full = FALSE;
  gboolean ok;

  if (!lc_api_check_query (req, calendar_query, error))
    return FALSE;
  school = lc_api_get_school (api, req, error);
  if (school == NULL || !calendar_is_private (api, req, school, &full, error))
    return FALSE;

  b.events = g_array_new (FALSE, TRUE, sizeof (LcIcsEvent));
  b.strings = g_ptr_array_new_with_free_func (g_free);
  b.base = lc_api_dup_base_url (api, req);
  ok = add_lessons (api, &b, school, full, now, error)
       && (!full || add_conferences (api, &b, school, now, error));
  if (ok)
    {
      g_array_sort (b.events, compare_events);
      name = g_strdup_printf ("lessoncast: %s", school->short_name);
      text = lc_ics_calendar (name, lc_config_get_string (api->config, "city.timezone"),
                              (const LcIcsEvent *)b.events->data, b.events->len);
    }
  g_array_unref (b.events);
  g_ptr_array_unref (b.strings);
  g_free (b.base);
  if (!ok)
    return FALSE;

  disposition = g_strdup_printf ("inline; filename=\"school-%s.ics\"", school->id);
  lc_request_set_header (req, "Content-Disposition", disposition);
  /* The private feed must not sit in shared caches. */
  lc_request_set_header (req, "Cache-Control", full ? "private, no-store" : "no-cache");
  lc_request_respond_text (req, 200, "text/calendar; charset=utf-8", text);
  return TRUE;
}

static gboolean
route_school_calendar_link (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);
  g_autoptr (LcSchool) school = NULL;
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *key = NULL;
  g_autofree char *base = NULL;
  g_autofree char *url = NULL;
  JsonObject *o;

  if (p == NULL || !lc_api_check_query (req, no_query, error))
    return FALSE;
  school = lc_api_get_school (api, req, error);
  if (school == NULL)
    return FALSE;
  if (!lc_principal_is_operator (p) && !lc_principal_is_staff_of (p, school->id))
    {
      lc_set_error (error, LC_ERROR_FORBIDDEN, NULL,
                    "the calendar link is for the school's staff and operators");
      return FALSE;
    }
  if (api->join_key == NULL)
    {
      lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL,
                    "calendar links are not configured on this server");
      return FALSE;
    }
  key = calendar_key (api, school->id);
  base = lc_api_dup_base_url (api, req);
  url = g_strdup_printf ("%s/api/v1/schools/%s/calendar.ics?key=%s", base, school->id, key);
  o = json_object_new ();
  json_object_set_string_member (o, "url", url);
  json_node_take_object (root, o);
  lc_api_no_store (req);
  lc_request_respond_json (req, 200, root);
  return TRUE;
}

/* ---- public configuration ---- */

static gboolean
route_config_public (LcApi *api, LcRequest *req, GError **error)
{
  static const char *const int_keys[]
      = { "room_opens_before", "close_warning", "mesh_max_participants",
          "max_participants_per_school", "max_duration" };
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  JsonObject *o, *conferences;

  if (!lc_api_check_query (req, no_query, error))
    return FALSE;
  o = json_object_new ();
  json_object_set_string_member (o, "timezone",
                                 lc_config_get_string (api->config, "city.timezone"));
  conferences = json_object_new ();
  for (gsize i = 0; i < G_N_ELEMENTS (int_keys); i++)
    {
      g_autofree char *key = g_strconcat ("conferences.", int_keys[i], NULL);

      json_object_set_int_member (conferences, int_keys[i], lc_config_get_int (api->config, key));
    }
  json_object_set_object_member (o, "conferences", conferences);
  json_node_take_object (root, o);
  lc_request_respond_json (req, 200, root);
  return TRUE;
}

LC_API_DEFINE_HANDLER (handle_conference_link, route_conference_link)
LC_API_DEFINE_HANDLER (handle_conference_room_info, route_conference_room_info)
LC_API_DEFINE_HANDLER (handle_conference_attendance, route_conference_attendance)
LC_API_DEFINE_HANDLER (handle_school_calendar, route_school_calendar)
LC_API_DEFINE_HANDLER (handle_school_calendar_link, route_school_calendar_link)
LC_API_DEFINE_HANDLER (handle_config_public, route_config_public)

static const LcApiRoute calendar_routes[] = {
  { "POST", "/api/v1/conferences/{id}/links", handle_conference_link },
  { "GET", "/api/v1/conferences/{id}/room-info", handle_conference_room_info },
  { "GET", "/api/v1/conferences/{id}/attendance", handle_conference_attendance },
  { "GET", "/api/v1/schools/{id}/calendar.ics", handle_school_calendar },
  { "GET", "/api/v1/schools/{id}/calendar-link", handle_school_calendar_link },
  { "GET", "/api/v1/config/public", handle_config_public },
};

void
lc_api_register_calendar (LcApi *api, LcHttpServer *server)
{
  lc_api_add_routes (api, server, calendar_routes, G_N_ELEMENTS (calendar_routes));
}
