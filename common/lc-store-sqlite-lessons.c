/* lc-store-sqlite-lessons.c — the SQLite backend's lessons, their recordings
 * and the audit log (LcStore vfuncs; helpers in lc-store-sqlite-private.h). */
#include "common/lc-store-sqlite-private.h"

#include "common/lc-error.h"
#include "common/lc-time.h"

/* ---- Fixed SQL texts (values are always bound) ---- */
#define LESSON_COLS                                                                                \
  "l.id, l.title, l.description, l.subject, l.grade, l.school_id, l.teacher_id, l.starts_at, "     \
  "l.ends_at, l.visibility, l.recording, l.status, l.publish_key, l.created_at, l.updated_at, "    \
  "l.sequence"
#define RECORDING_COLS                                                                             \
  "r.id, r.lesson_id, r.state, r.failure_reason, r.progress, r.path, r.duration_ms, "              \
  "r.size_bytes, r.video_codec, r.audio_codec, r.sha256, r.started_at, r.ended_at, "               \
  "r.created_at, r.updated_at"
#define AUDIT_COLS "seq, id, at, actor_id, action, object_type, object_id, client, details"

#define SQL_LESSON_INSERT                                                                          \
  "INSERT INTO lessons (id, title, description, subject, grade, school_id, teacher_id, "           \
  "starts_at, ends_at, visibility, recording, status, publish_key, created_at, updated_at, "       \
  "sequence) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
/* Every update bumps the iCalendar SEQUENCE (a caller that bumped it already is not bumped twice).
 */
#define SQL_LESSON_UPDATE                                                                          \
  "UPDATE lessons SET title = ?2, description = ?3, subject = ?4, grade = ?5, school_id = ?6, "    \
  "teacher_id = ?7, starts_at = ?8, ends_at = ?9, visibility = ?10, recording = ?11, "             \
  "status = ?12, publish_key = ?13, updated_at = ?15, sequence = max (sequence + 1, ?16) "         \
  "WHERE id = ?1"
#define SQL_LESSON_GET "SELECT " LESSON_COLS " FROM lessons l WHERE l.id = ?1"
/* ?1 scope, ?2 scope school, ?3 district, ?4 school, ?5 teacher, ?6 subject, ?7 grade (0 any),
 * ?8 status, ?9 from (0 any), ?10 before (0 any), ?11 limit, ?12/?13 cursor (starts_at, id). */
#define SQL_LESSON_LIST_BASE                                                                       \
  "SELECT " LESSON_COLS " FROM lessons l JOIN schools s ON s.id = l.school_id "                    \
  "WHERE (?1 = 2 OR l.visibility = 'public' OR (?1 = 1 AND l.school_id = ?2)) "                    \
  "AND (?3 IS NULL OR s.district = ?3) AND (?4 IS NULL OR l.school_id = ?4) "                      \
  "AND (?5 IS NULL OR l.teacher_id = ?5) AND (?6 IS NULL OR l.subject = ?6 COLLATE LC_NOCASE) "    \
  "AND (?7 = 0 OR l.grade = ?7) AND (?8 IS NULL OR l.status = ?8) "                                \
  "AND (?9 = 0 OR l.starts_at >= ?9) AND (?10 = 0 OR l.starts_at < ?10) "
#define SQL_LESSON_LIST SQL_LESSON_LIST_BASE "ORDER BY l.starts_at, l.id LIMIT ?11"
#define SQL_LESSON_LIST_AFTER                                                                      \
  SQL_LESSON_LIST_BASE "AND (l.starts_at, l.id) > (?12, ?13) ORDER BY l.starts_at, l.id LIMIT ?11"

/* A status change bumps the SEQUENCE; setting the same status again does not. */
#define SQL_LESSON_SET_STATUS                                                                      \
  "UPDATE lessons SET status = ?2, updated_at = ?3, sequence = sequence + (status IS NOT ?2) "     \
  "WHERE id = ?1"

#define SQL_RECORDING_INSERT                                                                       \
  "INSERT INTO recordings (id, lesson_id, state, failure_reason, progress, path, duration_ms, "    \
  "size_bytes, video_codec, audio_codec, sha256, started_at, ended_at, created_at, updated_at) "   \
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
/* The lesson of a recording never changes. */
#define SQL_RECORDING_UPDATE                                                                       \
  "UPDATE recordings SET state = ?3, failure_reason = ?4, progress = ?5, path = ?6, "              \
  "duration_ms = ?7, size_bytes = ?8, video_codec = ?9, audio_codec = ?10, sha256 = ?11, "         \
  "started_at = ?12, ended_at = ?13, updated_at = ?15 WHERE id = ?1"
#define SQL_RECORDING_GET "SELECT " RECORDING_COLS " FROM recordings r WHERE r.id = ?1"
#define SQL_RECORDING_DELETE "DELETE FROM recordings WHERE id = ?1"
/* ?1 scope, ?2 scope school (as for lessons, on the recording's lesson), ?3 lesson, ?4 state,
 * ?5 limit, ?6/?7 cursor (started_at, id), newest first. */
#define SQL_RECORDING_LIST_BASE                                                                    \
  "SELECT " RECORDING_COLS " FROM recordings r JOIN lessons l ON l.id = r.lesson_id "              \
  "WHERE (?1 = 2 OR l.visibility = 'public' OR (?1 = 1 AND l.school_id = ?2)) "                    \
  "AND (?3 IS NULL OR r.lesson_id = ?3) AND (?4 IS NULL OR r.state = ?4) "
#define SQL_RECORDING_LIST SQL_RECORDING_LIST_BASE "ORDER BY r.started_at DESC, r.id DESC LIMIT ?5"
#define SQL_RECORDING_LIST_AFTER                                                                   \
  SQL_RECORDING_LIST_BASE "AND (r.started_at, r.id) < (?6, ?7) "                                   \
                          "ORDER BY r.started_at DESC, r.id DESC LIMIT ?5"

#define SQL_AUDIT_INSERT                                                                           \
  "INSERT INTO audit_events (id, at, actor_id, action, object_type, object_id, client, details) "  \
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
#define SQL_AUDIT_LIST                                                                             \
  "SELECT " AUDIT_COLS " FROM audit_events WHERE (?1 IS NULL OR actor_id = ?1) "                   \
  "AND (?2 IS NULL OR object_id = ?2) AND (?3 IS NULL OR substr (action, 1, length (?3)) = ?3) "   \
  "AND (?4 = 0 OR seq < ?4) ORDER BY seq DESC LIMIT ?5"

/* ---- Lessons ---- */

/* Enums are bound by name; an invalid one binds NULL and fails NOT NULL. */
static void
bind_lesson (sqlite3_stmt *stmt, const LcLesson *lesson, gint64 now)
{
  lc_sql_bind_text (stmt, 1, lesson->id);
  lc_sql_bind_text (stmt, 2, lesson->title);
  lc_sql_bind_text (stmt, 3, lesson->description != NULL ? lesson->description : "");
  lc_sql_bind_text (stmt, 4, lesson->subject);
  lc_sql_bind_int64_or_null (stmt, 5, lesson->grade);
  lc_sql_bind_text (stmt, 6, lesson->school_id);
  lc_sql_bind_text (stmt, 7, lesson->teacher_id);
  sqlite3_bind_int64 (stmt, 8, lesson->starts_at);
  sqlite3_bind_int64 (stmt, 9, lesson->ends_at);
  lc_sql_bind_text (stmt, 10, lc_visibility_to_string (lesson->visibility));
  sqlite3_bind_int (stmt, 11, lesson->recording ? 1 : 0);
  lc_sql_bind_text (stmt, 12, lc_lesson_status_to_string (lesson->status));
  lc_sql_bind_text (stmt, 13, lesson->publish_key);
  sqlite3_bind_int64 (stmt, 14, lesson->created_at != 0 ? lesson->created_at : now);
  sqlite3_bind_int64 (stmt, 15, lesson->updated_at != 0 ? lesson->updated_at : now);
  sqlite3_bind_int (stmt, 16, MAX (lesson->sequence, 0));
}

static LcLesson *
read_lesson (sqlite3_stmt *stmt)
{
  LcLesson *lesson = lc_lesson_new ();
  LcVisibility visibility;
  LcLessonStatus status;

  lesson->id = lc_sql_col_dup (stmt, 0);
  lesson->title = lc_sql_col_dup (stmt, 1);
  lesson->description = g_strdup (lc_sql_col_str (stmt, 2));
  lesson->subject = lc_sql_col_dup (stmt, 3);
  lesson->grade = sqlite3_column_int (stmt, 4); /* NULL reads as 0 = not given */
  lesson->school_id = lc_sql_col_dup (stmt, 5);
  lesson->teacher_id = lc_sql_col_dup (stmt, 6);
  lesson->starts_at = sqlite3_column_int64 (stmt, 7);
  lesson->ends_at = sqlite3_column_int64 (stmt, 8);
  /* CHECK constraints keep these valid; anything else reads as the most restrictive. */
  lesson->visibility = lc_visibility_from_string (lc_sql_col_str (stmt, 9), &visibility)
                           ? visibility
                           : LC_VISIBILITY_UNLISTED;
  lesson->recording = sqlite3_column_int (stmt, 10) != 0;
  lesson->status = lc_lesson_status_from_string (lc_sql_col_str (stmt, 11), &status)
                       ? status
                       : LC_LESSON_CANCELLED;
  lesson->publish_key = lc_sql_col_dup (stmt, 12);
  lesson->created_at = sqlite3_column_int64 (stmt, 13);
  lesson->updated_at = sqlite3_column_int64 (stmt, 14);
  lesson->sequence = sqlite3_column_int (stmt, 15);
  return lesson;
}

static gboolean
write_lesson (LcStoreSqlite *self, const char *sql, const LcLesson *lesson, const char *missing,
              GError **error)
{
  return lc_sql_check_reference (self, SQL_SCHOOL_EXISTS, lesson->school_id, "school_id", error)
         && lc_sql_check_reference (self, SQL_ACCOUNT_EXISTS, lesson->teacher_id, "teacher_id",
                                    error)
         && lc_sql_write_row (self, sql, (LcBindRowFunc)bind_lesson, lesson, "store: write lesson",
                              NULL, missing, error);
}

static gboolean
store_insert_lesson (LcStore *store, const LcLesson *lesson, GError **error)
{
  return write_lesson (LC_STORE_SQLITE (store), SQL_LESSON_INSERT, lesson, NULL, error);
}

static gboolean
store_update_lesson (LcStore *store, const LcLesson *lesson, GError **error)
{
  return write_lesson (LC_STORE_SQLITE (store), SQL_LESSON_UPDATE, lesson, "lesson", error);
}

static LcLesson *
store_get_lesson (LcStore *store, const char *id, GError **error)
{
  return lc_sql_get_one (LC_STORE_SQLITE (store), SQL_LESSON_GET, id, (LcReadRowFunc)read_lesson,
                         "lesson", error);
}

static GPtrArray *
store_list_lessons (LcStore *store, const LcLessonFilter *filter, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  static const LcLessonFilter no_filter = { .scope = LC_LESSON_SCOPE_PUBLIC, .status = -1 };
  g_autoptr (LcCachedStmt) stmt = NULL;
  const char *status = NULL;

  if (filter == NULL)
    filter = &no_filter;
  if (!lc_sql_enum_param (filter->status, lc_lesson_status_names, "status", &status, error))
    return NULL;
  stmt = lc_sql_get_stmt (self, filter->after_set ? SQL_LESSON_LIST_AFTER : SQL_LESSON_LIST, error);
  if (stmt == NULL)
    return NULL;
  lc_sql_bind_scope (stmt, 1, filter->scope, filter->scope_school_id);
  lc_sql_bind_text (stmt, 3, filter->district);
  lc_sql_bind_text (stmt, 4, filter->school_id);
  lc_sql_bind_text (stmt, 5, filter->teacher_id);
  lc_sql_bind_text (stmt, 6, filter->subject);
  sqlite3_bind_int (stmt, 7, filter->grade);
  lc_sql_bind_text (stmt, 8, status);
  sqlite3_bind_int64 (stmt, 9, filter->starts_from);
  sqlite3_bind_int64 (stmt, 10, filter->starts_before);
  lc_sql_bind_limit (stmt, 11, filter->limit);
  lc_sql_bind_cursor (stmt, 12, filter->after_set, filter->after_starts_at, filter->after_id);
  return lc_sql_collect_rows (self, stmt, (LcReadRowFunc)read_lesson,
                              (GDestroyNotify)lc_lesson_free, NULL, "store: list lessons", error);
}

static gboolean
store_set_lesson_status (LcStore *store, const char *lesson_id, LcLessonStatus status,
                         GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  g_autoptr (LcCachedStmt) stmt = NULL;

  if ((int)status < 0 || status > LC_LESSON_CANCELLED)
    {
      lc_set_error (error, LC_ERROR_INVALID, "status", "unknown status");
      return FALSE;
    }
  stmt = lc_sql_get_stmt (self, SQL_LESSON_SET_STATUS, error);
  if (stmt == NULL)
    return FALSE;
  lc_sql_bind_text (stmt, 1, lesson_id);
  lc_sql_bind_text (stmt, 2, lc_lesson_status_to_string (status));
  sqlite3_bind_int64 (stmt, 3, lc_time_now ());
  return lc_sql_run_write_one (self, stmt, "store: set lesson status", NULL, "lesson", error);
}

/* ---- Recordings ---- */

/* The state is bound by name; an invalid one binds NULL and fails NOT NULL. */
static void
bind_recording (sqlite3_stmt *stmt, const LcRecording *recording, gint64 now)
{
  gboolean valid_state = (int)recording->state >= 0 && recording->state <= LC_RECORDING_FAILED;

  lc_sql_bind_text (stmt, 1, recording->id);
  lc_sql_bind_text (stmt, 2, recording->lesson_id);
  lc_sql_bind_text (stmt, 3, valid_state ? lc_recording_state_to_string (recording->state) : NULL);
  lc_sql_bind_text (stmt, 4, recording->failure_reason);
  sqlite3_bind_int (stmt, 5, recording->progress);
  lc_sql_bind_text (stmt, 6, recording->path);
  sqlite3_bind_int64 (stmt, 7, recording->duration_ms);
  sqlite3_bind_int64 (stmt, 8, recording->size_bytes);
  lc_sql_bind_text (stmt, 9, recording->video_codec);
  lc_sql_bind_text (stmt, 10, recording->audio_codec);
  lc_sql_bind_text (stmt, 11, recording->sha256);
  sqlite3_bind_int64 (stmt, 12, recording->started_at);
  lc_sql_bind_int64_or_null (stmt, 13, recording->ended_at);
  sqlite3_bind_int64 (stmt, 14, recording->created_at != 0 ? recording->created_at : now);
  sqlite3_bind_int64 (stmt, 15, recording->updated_at != 0 ? recording->updated_at : now);
}

static LcRecording *
read_recording (sqlite3_stmt *stmt)
{
  LcRecording *recording = lc_recording_new ();
  LcRecordingState state;

  recording->id = lc_sql_col_dup (stmt, 0);
  recording->lesson_id = lc_sql_col_dup (stmt, 1);
  /* The CHECK constraint keeps the state valid; anything else reads as failed. */
  recording->state = lc_recording_state_from_string (lc_sql_col_str (stmt, 2), &state)
                         ? state
                         : LC_RECORDING_FAILED;
  recording->failure_reason = lc_sql_col_dup (stmt, 3);
  recording->progress = sqlite3_column_int (stmt, 4);
  recording->path = lc_sql_col_dup (stmt, 5);
  recording->duration_ms = sqlite3_column_int64 (stmt, 6);
  recording->size_bytes = sqlite3_column_int64 (stmt, 7);
  recording->video_codec = lc_sql_col_dup (stmt, 8);
  recording->audio_codec = lc_sql_col_dup (stmt, 9);
  recording->sha256 = lc_sql_col_dup (stmt, 10);
  recording->started_at = sqlite3_column_int64 (stmt, 11);
  recording->ended_at = sqlite3_column_int64 (stmt, 12); /* NULL reads as 0 = still live */
  recording->created_at = sqlite3_column_int64 (stmt, 13);
  recording->updated_at = sqlite3_column_int64 (stmt, 14);
  return recording;
}

static gboolean
write_recording (LcStoreSqlite *self, const char *sql, const LcRecording *recording,
                 const char *missing, GError **error)
{
  if (missing == NULL
      && !lc_sql_check_reference (self, SQL_LESSON_EXISTS, recording->lesson_id, "lesson_id",
                                  error))
    return FALSE;
  return lc_sql_write_row (self, sql, (LcBindRowFunc)bind_recording, recording,
                           "store: write recording", NULL, missing, error);
}

static gboolean
store_insert_recording (LcStore *store, const LcRecording *recording, GError **error)
{
  return write_recording (LC_STORE_SQLITE (store), SQL_RECORDING_INSERT, recording, NULL, error);
}

static gboolean
store_update_recording (LcStore *store, const LcRecording *recording, GError **error)
{
  return write_recording (LC_STORE_SQLITE (store), SQL_RECORDING_UPDATE, recording, "recording",
                          error);
}

static LcRecording *
store_get_recording (LcStore *store, const char *id, GError **error)
{
  return lc_sql_get_one (LC_STORE_SQLITE (store), SQL_RECORDING_GET, id,
                         (LcReadRowFunc)read_recording, "recording", error);
}

static gboolean
store_delete_recording (LcStore *store, const char *id, GError **error)
{
  return lc_sql_write_by_key (LC_STORE_SQLITE (store), SQL_RECORDING_DELETE, id, NULL, 0,
                              "recording", error)
         > 0;
}

static GPtrArray *
store_list_recordings (LcStore *store, const LcRecordingFilter *filter, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  static const LcRecordingFilter no_filter = { .scope = LC_LESSON_SCOPE_PUBLIC, .state = -1 };
  g_autoptr (LcCachedStmt) stmt = NULL;
  const char *state = NULL;

  if (filter == NULL)
    filter = &no_filter;
  if (!lc_sql_enum_param (filter->state, lc_recording_state_names, "state", &state, error))
    return NULL;
  stmt = lc_sql_get_stmt (self, filter->after_set ? SQL_RECORDING_LIST_AFTER : SQL_RECORDING_LIST,
                          error);
  if (stmt == NULL)
    return NULL;
  lc_sql_bind_scope (stmt, 1, filter->scope, filter->scope_school_id);
  lc_sql_bind_text (stmt, 3, filter->lesson_id);
  lc_sql_bind_text (stmt, 4, state);
  lc_sql_bind_limit (stmt, 5, filter->limit);
  lc_sql_bind_cursor (stmt, 6, filter->after_set, filter->after_started_at, filter->after_id);
  return lc_sql_collect_rows (self, stmt, (LcReadRowFunc)read_recording,
                              (GDestroyNotify)lc_recording_free, NULL, "store: list recordings",
                              error);
}

/* ---- Audit events ---- */

static LcAuditEvent *
read_audit_event (sqlite3_stmt *stmt)
{
  LcAuditEvent *event = lc_audit_event_new ();

  /* column 0 is seq, collected by lc_sql_collect_rows */
  event->id = lc_sql_col_dup (stmt, 1);
  event->at = sqlite3_column_int64 (stmt, 2);
  event->actor_id = lc_sql_col_dup (stmt, 3);
  event->action = lc_sql_col_dup (stmt, 4);
  event->object_type = lc_sql_col_dup (stmt, 5);
  event->object_id = lc_sql_col_dup (stmt, 6);
  event->client = lc_sql_col_dup (stmt, 7);
  event->details = lc_sql_col_dup (stmt, 8);
  return event;
}

static gboolean
store_insert_audit_event (LcStore *store, const LcAuditEvent *event, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  g_autoptr (LcCachedStmt) stmt = lc_sql_get_stmt (self, SQL_AUDIT_INSERT, error);

  if (stmt == NULL)
    return FALSE;
  lc_sql_bind_text (stmt, 1, event->id);
  sqlite3_bind_int64 (stmt, 2, event->at != 0 ? event->at : lc_time_now ());
  lc_sql_bind_text (stmt, 3, event->actor_id);
  lc_sql_bind_text (stmt, 4, event->action);
  lc_sql_bind_text (stmt, 5, event->object_type);
  lc_sql_bind_text (stmt, 6, event->object_id);
  lc_sql_bind_text (stmt, 7, event->client);
  lc_sql_bind_text (stmt, 8, event->details);
  return lc_sql_run_write_one (self, stmt, "store: insert audit event", "id", NULL, error);
}

static GPtrArray *
store_list_audit_events (LcStore *store, const LcAuditFilter *filter, GArray *seqs, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  static const LcAuditFilter no_filter = { 0 };
  g_autoptr (LcCachedStmt) stmt = NULL;

  g_return_val_if_fail (seqs == NULL || g_array_get_element_size (seqs) == sizeof (gint64), NULL);

  if (filter == NULL)
    filter = &no_filter;
  stmt = lc_sql_get_stmt (self, SQL_AUDIT_LIST, error);
  if (stmt == NULL)
    return NULL;
  lc_sql_bind_text (stmt, 1, filter->actor_id);
  lc_sql_bind_text (stmt, 2, filter->object_id);
  lc_sql_bind_text (stmt, 3, filter->action_prefix);
  sqlite3_bind_int64 (stmt, 4, filter->before_seq);
  lc_sql_bind_limit (stmt, 5, filter->limit);
  return lc_sql_collect_rows (self, stmt, (LcReadRowFunc)read_audit_event,
                              (GDestroyNotify)lc_audit_event_free, seqs, "store: list audit events",
                              error);
}

/* ---- The vtable ---- */

void
lc_store_sqlite_lessons_init (LcStoreInterface *iface)
{
  iface->insert_lesson = store_insert_lesson;
  iface->update_lesson = store_update_lesson;
  iface->get_lesson = store_get_lesson;
  iface->list_lessons = store_list_lessons;
  iface->set_lesson_status = store_set_lesson_status;
  iface->insert_recording = store_insert_recording;
  iface->update_recording = store_update_recording;
  iface->get_recording = store_get_recording;
  iface->list_recordings = store_list_recordings;
  iface->delete_recording = store_delete_recording;
  iface->insert_audit_event = store_insert_audit_event;
  iface->list_audit_events = store_list_audit_events;
}
