/* lc-store-sqlite-conferences.c — the SQLite backend's conferences (schema v4):
 * the conference row with its invited schools (written together, inside a
 * savepoint), the filtered list with the invites of all returned conferences
 * read by one more query, invite answers, and the attendance of the rooms.
 * LcStore vfuncs; helpers in lc-store-sqlite-private.h. */
#include "common/lc-store-sqlite-private.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "common/lc-error.h"
#include "common/lc-time.h"

/* ---- Fixed SQL texts (values are always bound) ---- */
#define CONFERENCE_COLS                                                                            \
  "c.id, c.title, c.description, c.agenda, c.host_school_id, c.created_by, c.starts_at, "          \
  "c.ends_at, c.max_participants_per_school, c.waiting_room, c.status, c.sequence, "               \
  "c.created_at, c.updated_at"
#define INVITE_COLS "i.conference_id, i.school_id, i.status, i.responded_at, i.responded_by"
#define ATTENDANCE_COLS                                                                            \
  "a.id, a.conference_id, a.participant_id, a.display_name, a.school_id, a.account_id, a.role, "   \
  "a.joined_at, a.left_at"

#define SQL_CONFERENCE_INSERT                                                                      \
  "INSERT INTO conferences (id, title, description, agenda, host_school_id, created_by, "          \
  "starts_at, ends_at, max_participants_per_school, waiting_room, status, sequence, created_at, "  \
  "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
/* Who created a conference, and when, never changes. */
#define SQL_CONFERENCE_UPDATE                                                                      \
  "UPDATE conferences SET title = ?2, description = ?3, agenda = ?4, host_school_id = ?5, "        \
  "starts_at = ?7, ends_at = ?8, max_participants_per_school = ?9, waiting_room = ?10, "           \
  "status = ?11, sequence = ?12, updated_at = ?14 WHERE id = ?1"
#define SQL_CONFERENCE_GET "SELECT " CONFERENCE_COLS " FROM conferences c WHERE c.id = ?1"
#define SQL_CONFERENCE_EXISTS "SELECT 1 FROM conferences WHERE id = ?1"
/* ?1 school (host or invited), ?2 status, ?3/?4 overlap bounds (ends_at > ?3, starts_at < ?4;
 * unbounded is bound as the extreme values, so both stay index ranges), ?5 limit, ?6/?7
 * cursor (starts_at, id). One of three fixed plans: a school's conferences through
 * conferences_host and conference_invites_school; with a lower bound, the conferences ending
 * after it through conferences_ends (the planner would rather walk conferences_starts in
 * order from the oldest, through the whole history); else conferences_starts in order. */
#define SQL_CONFERENCE_OVERLAP                                                                     \
  "(?2 IS NULL OR c.status = ?2) AND c.ends_at > ?3 AND c.starts_at < ?4 "
#define SQL_CONFERENCE_LIST_ALL_BASE                                                               \
  "SELECT " CONFERENCE_COLS " FROM conferences c WHERE " SQL_CONFERENCE_OVERLAP
#define SQL_CONFERENCE_LIST_FROM_BASE                                                              \
  "SELECT " CONFERENCE_COLS " FROM conferences c INDEXED BY conferences_ends "                     \
  "WHERE " SQL_CONFERENCE_OVERLAP
#define SQL_CONFERENCE_LIST_SCHOOL_BASE                                                            \
  "SELECT " CONFERENCE_COLS " FROM conferences c WHERE c.id IN ("                                  \
  "SELECT id FROM conferences WHERE host_school_id = ?1 UNION ALL "                                \
  "SELECT conference_id FROM conference_invites WHERE school_id = ?1) "                            \
  "AND " SQL_CONFERENCE_OVERLAP
#define SQL_CONFERENCE_AFTER "AND (c.starts_at, c.id) > (?6, ?7) "
#define SQL_CONFERENCE_ORDER "ORDER BY c.starts_at, c.id LIMIT ?5"

#define SQL_INVITES_DELETE "DELETE FROM conference_invites WHERE conference_id = ?1"
#define SQL_INVITE_INSERT                                                                          \
  "INSERT INTO conference_invites (conference_id, school_id, position, status, responded_at, "     \
  "responded_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
/* ?1: a JSON array of conference ids. */
#define SQL_INVITES_OF                                                                             \
  "SELECT " INVITE_COLS " FROM conference_invites i "                                              \
  "WHERE i.conference_id IN (SELECT value FROM json_each (?1)) "                                   \
  "ORDER BY i.conference_id, i.position"
#define SQL_INVITE_SET_STATUS                                                                      \
  "UPDATE conference_invites SET status = ?3, responded_at = ?4, responded_by = ?5 "               \
  "WHERE conference_id = ?1 AND school_id = ?2"

#define SQL_ATTENDANCE_INSERT                                                                      \
  "INSERT INTO attendance (id, conference_id, participant_id, display_name, school_id, "           \
  "account_id, role, joined_at, left_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
/* left_at never before joined_at; NULL (0) reopens the row (a reconnect continuing it). */
#define SQL_ATTENDANCE_LEFT "UPDATE attendance SET left_at = max (joined_at, ?2) WHERE id = ?1"
#define SQL_ATTENDANCE_LIST                                                                        \
  "SELECT " ATTENDANCE_COLS " FROM attendance a WHERE a.conference_id = ?1 "                       \
  "ORDER BY a.joined_at, a.id"
#define SQL_ATTENDANCE_CLOSE_OPEN                                                                  \
  "UPDATE attendance SET left_at = max (joined_at, ?2) WHERE left_at IS NULL" /* ?1 unused */

/* Savepoint around the writes of a conference and its invites. */
#define SAVEPOINT_CONFERENCE "lc_conference"

/* ---- Conferences ---- */

static LcConference *
read_conference (sqlite3_stmt *stmt)
{
  LcConference *conference = lc_conference_new ();
  LcConferenceStatus status;

  conference->id = lc_sql_col_dup (stmt, 0);
  conference->title = lc_sql_col_dup (stmt, 1);
  conference->description = g_strdup (lc_sql_col_str (stmt, 2));
  conference->agenda = g_strdup (lc_sql_col_str (stmt, 3));
  conference->host_school_id = lc_sql_col_dup (stmt, 4);
  conference->created_by = lc_sql_col_dup (stmt, 5);
  conference->starts_at = sqlite3_column_int64 (stmt, 6);
  conference->ends_at = sqlite3_column_int64 (stmt, 7);
  conference->max_participants_per_school = sqlite3_column_int (stmt, 8);
  conference->waiting_room = sqlite3_column_int (stmt, 9) != 0;
  /* The CHECK constraint keeps the status valid; anything else reads as cancelled. */
  conference->status = lc_conference_status_from_string (lc_sql_col_str (stmt, 10), &status)
                           ? status
                           : LC_CONFERENCE_CANCELLED;
  conference->sequence = sqlite3_column_int (stmt, 11);
  conference->created_at = sqlite3_column_int64 (stmt, 12);
  conference->updated_at = sqlite3_column_int64 (stmt, 13);
  return conference;
}

static LcConferenceInvite *
read_invite (sqlite3_stmt *stmt)
{
  LcInviteStatus status;
  /* The CHECK constraint keeps the status valid; anything else reads as declined. */
  LcConferenceInvite *invite = lc_conference_invite_new (
      lc_sql_col_str (stmt, 1), lc_invite_status_from_string (lc_sql_col_str (stmt, 2), &status)
                                    ? status
                                    : LC_INVITE_DECLINED);

  invite->responded_at = sqlite3_column_int64 (stmt, 3); /* NULL reads as 0 = not yet */
  invite->responded_by = lc_sql_col_dup (stmt, 4);
  return invite;
}

/* Fill the invites of every conference (their arrays are expected empty) with
 * one query, in invitation order. */
static gboolean
load_invites (LcStoreSqlite *self, GPtrArray *conferences, GError **error)
{
  g_autoptr (GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) ids = NULL;
  g_autofree char *ids_text = NULL;
  g_autoptr (LcCachedStmt) stmt = NULL;
  int rc;

  if (conferences->len == 0)
    return TRUE;
  json_builder_begin_array (builder);
  for (guint i = 0; i < conferences->len; i++)
    {
      LcConference *conference = g_ptr_array_index (conferences, i);

      g_hash_table_insert (by_id, conference->id, conference);
      json_builder_add_string_value (builder, conference->id);
    }
  json_builder_end_array (builder);
  ids = json_builder_get_root (builder);
  ids_text = json_to_string (ids, FALSE);

  stmt = lc_sql_get_stmt (self, SQL_INVITES_OF, error);
  if (stmt == NULL)
    return FALSE;
  lc_sql_bind_text (stmt, 1, ids_text);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      LcConference *conference = g_hash_table_lookup (by_id, lc_sql_col_str (stmt, 0));

      if (conference != NULL)
        g_ptr_array_add (conference->invites, read_invite (stmt));
    }
  if (rc != SQLITE_DONE)
    {
      lc_sql_set_error (self, rc, "store: read conference invites", NULL, error);
      return FALSE;
    }
  return TRUE;
}

/* Everything a write checks before touching the database: INVALID naming the
 * field at fault (the foreign key error of SQLite does not say which). */
static gboolean
check_conference (LcStoreSqlite *self, const LcConference *conference, gboolean inserting,
                  GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  const char *name;

  if (conference->host_school_id == NULL)
    {
      lc_set_error (error, LC_ERROR_INVALID, "host_school_id", "a conference needs a host school");
      return FALSE;
    }
  if (conference->ends_at <= conference->starts_at)
    {
      lc_set_error (error, LC_ERROR_INVALID, "ends_at", "the conference ends before it starts");
      return FALSE;
    }
  if (!lc_sql_enum_param ((int)conference->status, lc_conference_status_names, "status", &name,
                          error))
    return FALSE;
  if (!lc_sql_check_reference (self, SQL_SCHOOL_EXISTS, conference->host_school_id,
                               "host_school_id", error)
      || (inserting
          && !lc_sql_check_reference (self, SQL_ACCOUNT_EXISTS, conference->created_by,
                                      "created_by", error)))
    return FALSE;
  for (guint i = 0; conference->invites != NULL && i < conference->invites->len; i++)
    {
      const LcConferenceInvite *invite = g_ptr_array_index (conference->invites, i);

      if (invite->school_id == NULL || (int)invite->status < 0
          || invite->status > LC_INVITE_DECLINED)
        {
          lc_set_error (error, LC_ERROR_INVALID, "invited_school_ids", "invalid invite");
          return FALSE;
        }
      if (strcmp (invite->school_id, conference->host_school_id) == 0
          || !g_hash_table_add (seen, invite->school_id))
        {
          lc_set_error (error, LC_ERROR_INVALID, "invited_school_ids",
                        "a school is invited twice, or is the host");
          return FALSE;
        }
      if (!lc_sql_check_reference (self, SQL_SCHOOL_EXISTS, invite->school_id, "invited_school_ids",
                                   error)
          || !lc_sql_check_reference (self, SQL_ACCOUNT_EXISTS, invite->responded_by,
                                      "responded_by", error))
        return FALSE;
    }
  return TRUE;
}

static void
bind_conference (sqlite3_stmt *stmt, const LcConference *conference, gint64 now)
{
  lc_sql_bind_text (stmt, 1, conference->id);
  lc_sql_bind_text (stmt, 2, conference->title);
  lc_sql_bind_text (stmt, 3, conference->description != NULL ? conference->description : "");
  lc_sql_bind_text (stmt, 4, conference->agenda != NULL ? conference->agenda : "");
  lc_sql_bind_text (stmt, 5, conference->host_school_id);
  lc_sql_bind_text (stmt, 6, conference->created_by);
  sqlite3_bind_int64 (stmt, 7, conference->starts_at);
  sqlite3_bind_int64 (stmt, 8, conference->ends_at);
  sqlite3_bind_int (stmt, 9, conference->max_participants_per_school);
  sqlite3_bind_int (stmt, 10, conference->waiting_room ? 1 : 0);
  lc_sql_bind_text (stmt, 11, lc_conference_status_to_string (conference->status));
  sqlite3_bind_int (stmt, 12, conference->sequence);
  sqlite3_bind_int64 (stmt, 13, conference->created_at != 0 ? conference->created_at : now);
  sqlite3_bind_int64 (stmt, 14, conference->updated_at != 0 ? conference->updated_at : now);
}

/* The invite rows of a conference, replacing those it had. */
static gboolean
write_invites (LcStoreSqlite *self, const LcConference *conference, GError **error)
{
  if (lc_sql_write_by_key (self, SQL_INVITES_DELETE, conference->id, NULL, 0, NULL, error) < 0)
    return FALSE;
  for (guint i = 0; conference->invites != NULL && i < conference->invites->len; i++)
    {
      const LcConferenceInvite *invite = g_ptr_array_index (conference->invites, i);
      g_autoptr (LcCachedStmt) stmt = lc_sql_get_stmt (self, SQL_INVITE_INSERT, error);

      if (stmt == NULL)
        return FALSE;
      lc_sql_bind_text (stmt, 1, conference->id);
      lc_sql_bind_text (stmt, 2, invite->school_id);
      sqlite3_bind_int (stmt, 3, (int)i);
      lc_sql_bind_text (stmt, 4, lc_invite_status_to_string (invite->status));
      lc_sql_bind_int64_or_null (stmt, 5, invite->responded_at);
      lc_sql_bind_text (stmt, 6, invite->responded_by);
      if (lc_sql_run_write (self, stmt, "store: write conference invite", "invited_school_ids",
                            error)
          < 0)
        return FALSE;
    }
  return TRUE;
}

/* Insert (missing NULL) or update (missing names the object) a conference
 * and its invites, atomically. */
static gboolean
write_conference (LcStoreSqlite *self, const char *sql, const LcConference *conference,
                  const char *missing, GError **error)
{
  gboolean ok;

  if (!lc_sql_ensure_open (self, error)
      || !check_conference (self, conference, missing == NULL, error)
      || !lc_sql_savepoint (self, SAVEPOINT_CONFERENCE, error))
    return FALSE;
  ok = lc_sql_write_row (self, sql, (LcBindRowFunc)bind_conference, conference,
                         "store: write conference", NULL, missing, error)
       && write_invites (self, conference, error);
  return lc_sql_savepoint_end (self, SAVEPOINT_CONFERENCE, ok, error);
}

static gboolean
store_insert_conference (LcStore *store, const LcConference *conference, GError **error)
{
  return write_conference (LC_STORE_SQLITE (store), SQL_CONFERENCE_INSERT, conference, NULL, error);
}

static gboolean
store_update_conference (LcStore *store, const LcConference *conference, GError **error)
{
  return write_conference (LC_STORE_SQLITE (store), SQL_CONFERENCE_UPDATE, conference, "conference",
                           error);
}

static LcConference *
store_get_conference (LcStore *store, const char *id, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  g_autoptr (GPtrArray) one = g_ptr_array_new_with_free_func ((GDestroyNotify)lc_conference_free);
  LcConference *conference = lc_sql_get_one (self, SQL_CONFERENCE_GET, id,
                                             (LcReadRowFunc)read_conference, "conference", error);

  if (conference == NULL)
    return NULL;
  g_ptr_array_add (one, conference);
  if (!load_invites (self, one, error))
    return NULL;
  return g_ptr_array_steal_index (one, 0);
}

static GPtrArray *
store_list_conferences (LcStore *store, const LcConferenceFilter *filter, GError **error)
{
  /* [plan: all, from a lower bound, of a school][cursor given] */
  static const char *const texts[3][2] = {
    { SQL_CONFERENCE_LIST_ALL_BASE SQL_CONFERENCE_ORDER,
      SQL_CONFERENCE_LIST_ALL_BASE SQL_CONFERENCE_AFTER SQL_CONFERENCE_ORDER },
    { SQL_CONFERENCE_LIST_FROM_BASE SQL_CONFERENCE_ORDER,
      SQL_CONFERENCE_LIST_FROM_BASE SQL_CONFERENCE_AFTER SQL_CONFERENCE_ORDER },
    { SQL_CONFERENCE_LIST_SCHOOL_BASE SQL_CONFERENCE_ORDER,
      SQL_CONFERENCE_LIST_SCHOOL_BASE SQL_CONFERENCE_AFTER SQL_CONFERENCE_ORDER },
  };
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  static const LcConferenceFilter no_filter = { .status = -1 };
  g_autoptr (LcCachedStmt) stmt = NULL;
  g_autoptr (GPtrArray) conferences = NULL;
  const char *status = NULL;
  int plan;

  if (filter == NULL)
    filter = &no_filter;
  if (!lc_sql_enum_param (filter->status, lc_conference_status_names, "status", &status, error))
    return NULL;
  plan = filter->school_id != NULL ? 2 : filter->overlaps_from != 0 ? 1 : 0;
  stmt = lc_sql_get_stmt (self, texts[plan][filter->after_set != FALSE], error);
  if (stmt == NULL)
    return NULL;
  lc_sql_bind_text (stmt, 1, filter->school_id);
  lc_sql_bind_text (stmt, 2, status);
  sqlite3_bind_int64 (stmt, 3, filter->overlaps_from != 0 ? filter->overlaps_from : G_MININT64);
  sqlite3_bind_int64 (stmt, 4, filter->overlaps_before != 0 ? filter->overlaps_before : G_MAXINT64);
  lc_sql_bind_limit (stmt, 5, filter->limit);
  lc_sql_bind_cursor (stmt, 6, filter->after_set, filter->after_starts_at, filter->after_id);
  conferences = lc_sql_collect_rows (self, stmt, (LcReadRowFunc)read_conference,
                                     (GDestroyNotify)lc_conference_free, NULL,
                                     "store: list conferences", error);
  if (conferences == NULL || !load_invites (self, conferences, error))
    return NULL;
  return g_steal_pointer (&conferences);
}

static gboolean
store_set_invite_status (LcStore *store, const char *conference_id, const char *school_id,
                         LcInviteStatus status, const char *account_id, gint64 at, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  g_autoptr (LcCachedStmt) stmt = NULL;

  if ((int)status < 0 || status > LC_INVITE_DECLINED)
    {
      lc_set_error (error, LC_ERROR_INVALID, "status", "unknown status");
      return FALSE;
    }
  if (!lc_sql_check_reference (self, SQL_ACCOUNT_EXISTS, account_id, "account_id", error))
    return FALSE;
  stmt = lc_sql_get_stmt (self, SQL_INVITE_SET_STATUS, error);
  if (stmt == NULL)
    return FALSE;
  lc_sql_bind_text (stmt, 1, conference_id);
  lc_sql_bind_text (stmt, 2, school_id);
  lc_sql_bind_text (stmt, 3, lc_invite_status_to_string (status));
  lc_sql_bind_int64_or_null (stmt, 4, at);
  lc_sql_bind_text (stmt, 5, account_id);
  return lc_sql_run_write_one (self, stmt, "store: set invite status", NULL, "invite", error);
}

/* ---- Attendance ---- */

static LcAttendance *
read_attendance (sqlite3_stmt *stmt)
{
  LcAttendance *attendance = lc_attendance_new ();
  LcConferenceRole role;

  attendance->id = lc_sql_col_dup (stmt, 0);
  attendance->conference_id = lc_sql_col_dup (stmt, 1);
  attendance->participant_id = lc_sql_col_dup (stmt, 2);
  attendance->display_name = lc_sql_col_dup (stmt, 3);
  attendance->school_id = lc_sql_col_dup (stmt, 4);
  attendance->account_id = lc_sql_col_dup (stmt, 5);
  /* The CHECK constraint keeps the role valid; anything else reads as the least privileged. */
  attendance->role = lc_conference_role_from_string (lc_sql_col_str (stmt, 6), &role)
                         ? role
                         : LC_CONFERENCE_ROLE_OBSERVER;
  attendance->joined_at = sqlite3_column_int64 (stmt, 7);
  attendance->left_at = sqlite3_column_int64 (stmt, 8); /* NULL reads as 0 = still there */
  return attendance;
}

static gboolean
store_insert_attendance (LcStore *store, const LcAttendance *attendance, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  g_autoptr (LcCachedStmt) stmt = NULL;
  const char *role = NULL;

  if (!lc_sql_enum_param ((int)attendance->role, lc_conference_role_names, "role", &role, error))
    return FALSE;
  if (attendance->conference_id == NULL)
    {
      lc_set_error (error, LC_ERROR_INVALID, "conference_id", "attendance needs a conference");
      return FALSE;
    }
  if (!lc_sql_check_reference (self, SQL_CONFERENCE_EXISTS, attendance->conference_id,
                               "conference_id", error)
      || !lc_sql_check_reference (self, SQL_SCHOOL_EXISTS, attendance->school_id, "school_id",
                                  error)
      || !lc_sql_check_reference (self, SQL_ACCOUNT_EXISTS, attendance->account_id, "account_id",
                                  error))
    return FALSE;
  stmt = lc_sql_get_stmt (self, SQL_ATTENDANCE_INSERT, error);
  if (stmt == NULL)
    return FALSE;
  lc_sql_bind_text (stmt, 1, attendance->id);
  lc_sql_bind_text (stmt, 2, attendance->conference_id);
  lc_sql_bind_text (stmt, 3, attendance->participant_id);
  lc_sql_bind_text (stmt, 4, attendance->display_name);
  lc_sql_bind_text (stmt, 5, attendance->school_id);
  lc_sql_bind_text (stmt, 6, attendance->account_id);
  lc_sql_bind_text (stmt, 7, role);
  sqlite3_bind_int64 (stmt, 8, attendance->joined_at != 0 ? attendance->joined_at : lc_time_now ());
  lc_sql_bind_int64_or_null (stmt, 9, attendance->left_at);
  return lc_sql_run_write_one (self, stmt, "store: insert attendance", "id", NULL, error);
}

static gboolean
store_set_attendance_left (LcStore *store, const char *id, gint64 left_at, GError **error)
{
  return lc_sql_write_by_key (LC_STORE_SQLITE (store), SQL_ATTENDANCE_LEFT, id, NULL, left_at,
                              "attendance", error)
         > 0;
}

static GPtrArray *
store_list_attendance (LcStore *store, const char *conference_id, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  g_autoptr (LcCachedStmt) stmt = lc_sql_get_stmt (self, SQL_ATTENDANCE_LIST, error);

  if (stmt == NULL)
    return NULL;
  lc_sql_bind_text (stmt, 1, conference_id);
  return lc_sql_collect_rows (self, stmt, (LcReadRowFunc)read_attendance,
                              (GDestroyNotify)lc_attendance_free, NULL, "store: list attendance",
                              error);
}

static gint64
store_close_open_attendance (LcStore *store, gint64 left_at, GError **error)
{
  if (left_at <= 0)
    {
      lc_set_error (error, LC_ERROR_INVALID, "left_at", "closing attendance needs a time");
      return -1;
    }
  return lc_sql_write_by_key (LC_STORE_SQLITE (store), SQL_ATTENDANCE_CLOSE_OPEN, NULL, NULL,
                              left_at, NULL, error);
}

/* ---- The vtable ---- */

void
lc_store_sqlite_conferences_init (LcStoreInterface *iface)
{
  iface->insert_conference = store_insert_conference;
  iface->update_conference = store_update_conference;
  iface->get_conference = store_get_conference;
  iface->list_conferences = store_list_conferences;
  iface->set_invite_status = store_set_invite_status;
  iface->insert_attendance = store_insert_attendance;
  iface->set_attendance_left = store_set_attendance_left;
  iface->list_attendance = store_list_attendance;
  iface->close_open_attendance = store_close_open_attendance;
}
