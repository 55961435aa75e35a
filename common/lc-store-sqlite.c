/* lc-store-sqlite.c — LcStoreSqlite, the embedded SQLite backend of LcStore:
 * the object, opening and closing, numbered migrations, the schema check,
 * transactions, and the statement cache with the helpers every part uses
 * (lc-store-sqlite-private.h). The tables' vfuncs live in
 * lc-store-sqlite-{people,lessons,conferences}.c.
 * One connection, used from the main context only (SQLITE_OPEN_NOMUTEX); WAL,
 * foreign keys on, busy timeout, synchronous=NORMAL. Every query is a fixed SQL
 * text prepared once and cached by that text (finalised at close); values are
 * always bound, never formatted into SQL. Filters use "(?N IS NULL OR col = ?N)"
 * binds; a list function may pick one of a few fixed texts (cursor or not).
 * Schema changes are numbered migrations, each applied inside BEGIN IMMEDIATE …
 * COMMIT with its PRAGMA user_version: a failed one leaves the database as it was. */
#include "common/lc-store-sqlite.h"
#include "common/lc-store-sqlite-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "common/lc-error.h"
#include "common/lc-time.h"

#define BUSY_TIMEOUT_MS 5000

/* ---- Migrations ----
 * migrations[i] brings the schema from version i to i + 1 and ends with its
 * own PRAGMA user_version (PRAGMA takes no bound values, so the number is part
 * of the fixed text; apply_next_migration() checks it). Times are INTEGER Unix
 * seconds. Never edit a released migration: add a new one. */
static const char *const migrations[] = {
  /* 1: the foundation schema. */
  "CREATE TABLE schools (\n"
  "  id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, short_name TEXT NOT NULL,\n"
  "  district TEXT NOT NULL, address TEXT,\n"
  "  latitude REAL CHECK (latitude IS NULL OR latitude BETWEEN -90 AND 90),\n"
  "  longitude REAL CHECK (longitude IS NULL OR longitude BETWEEN -180 AND 180),\n"
  "  website TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,\n"
  "  CHECK ((latitude IS NULL) = (longitude IS NULL)));\n"
  "CREATE INDEX schools_name ON schools (name, id);\n"
  "CREATE INDEX schools_district ON schools (district);\n"
  "CREATE TABLE accounts (\n"
  "  id TEXT PRIMARY KEY NOT NULL,\n"
  "  login TEXT NOT NULL UNIQUE CHECK (login = lower (login)),\n"
  "  display_name TEXT NOT NULL,\n"
  "  role TEXT NOT NULL CHECK (role IN ('operator', 'coordinator', 'teacher')),\n"
  "  school_id TEXT REFERENCES schools (id),\n"
  "  password_hash TEXT NOT NULL,\n"
  "  consent_publish_name INTEGER NOT NULL DEFAULT 0 CHECK (consent_publish_name IN (0, 1)),\n"
  "  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),\n"
  "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,\n"
  "  password_changed_at INTEGER NOT NULL);\n"
  "CREATE INDEX accounts_school ON accounts (school_id);\n"
  "CREATE TABLE sessions (\n"
  "  token_hash TEXT PRIMARY KEY NOT NULL,\n"
  "  account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,\n"
  "  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,\n"
  "  last_seen_at INTEGER NOT NULL);\n"
  "CREATE INDEX sessions_account ON sessions (account_id);\n"
  "CREATE INDEX sessions_expires ON sessions (expires_at);\n"
  "CREATE TABLE api_tokens (\n"
  "  id TEXT PRIMARY KEY NOT NULL,\n"
  "  account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,\n"
  "  name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL,\n"
  "  last_used_at INTEGER, expires_at INTEGER, -- NULL = never\n"
  "  revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)));\n"
  "CREATE INDEX api_tokens_account ON api_tokens (account_id);\n"
  "CREATE TABLE lessons (\n"
  "  id TEXT PRIMARY KEY NOT NULL, title TEXT NOT NULL,\n"
  "  description TEXT NOT NULL DEFAULT '', subject TEXT NOT NULL,\n"
  "  grade INTEGER CHECK (grade IS NULL OR grade BETWEEN 1 AND 11),\n"
  "  school_id TEXT NOT NULL REFERENCES schools (id),\n"
  "  teacher_id TEXT NOT NULL REFERENCES accounts (id),\n"
  "  starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL,\n"
  "  visibility TEXT NOT NULL CHECK (visibility IN ('public', 'unlisted')),\n"
  "  recording INTEGER NOT NULL CHECK (recording IN (0, 1)),\n"
  "  status TEXT NOT NULL CHECK (status IN ('scheduled', 'live', 'ended', 'cancelled')),\n"
  "  publish_key TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,\n"
  "  CHECK (ends_at > starts_at));\n"
  "CREATE INDEX lessons_starts ON lessons (starts_at, id);\n"
  "CREATE INDEX lessons_school ON lessons (school_id);\n"
  "CREATE INDEX lessons_teacher ON lessons (teacher_id);\n"
  "CREATE INDEX lessons_status ON lessons (status, starts_at);\n"
  "CREATE TABLE audit_events (\n"
  "  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, at INTEGER NOT NULL,\n"
  "  actor_id TEXT, action TEXT NOT NULL, object_type TEXT, object_id TEXT, client TEXT,\n"
  "  details TEXT);\n"
  "CREATE INDEX audit_actor ON audit_events (actor_id, seq);\n"
  "CREATE INDEX audit_object ON audit_events (object_id, seq);\n"
  "PRAGMA user_version = 1;\n",

  /* 2: indexes for a school's schedule and the district directory; the
   * (school_id, starts_at, id) index covers the old single-column one. */
  "CREATE INDEX schools_district_name ON schools (district, name, id);\n"
  "CREATE INDEX lessons_school_starts ON lessons (school_id, starts_at, id);\n"
  "DROP INDEX schools_district;\n"
  "DROP INDEX lessons_school;\n"
  "PRAGMA user_version = 2;\n",

  /* 3: recordings of live lessons (deleted with their lesson). ended_at NULL =
   * still being recorded; a failed recording always says why. */
  "CREATE TABLE recordings (\n"
  "  id TEXT PRIMARY KEY NOT NULL,\n"
  "  lesson_id TEXT NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,\n"
  "  state TEXT NOT NULL CHECK (state IN ('recording', 'finalizing', 'ready', 'failed')),\n"
  "  failure_reason TEXT,\n"
  "  progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),\n"
  "  path TEXT,\n"
  "  duration_ms INTEGER NOT NULL DEFAULT 0 CHECK (duration_ms >= 0),\n"
  "  size_bytes INTEGER NOT NULL DEFAULT 0 CHECK (size_bytes >= 0),\n"
  "  video_codec TEXT, audio_codec TEXT, sha256 TEXT,\n"
  "  started_at INTEGER NOT NULL, ended_at INTEGER,\n"
  "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,\n"
  "  CHECK (state <> 'failed' OR failure_reason IS NOT NULL));\n"
  "CREATE INDEX recordings_lesson ON recordings (lesson_id);\n"
  "CREATE INDEX recordings_started ON recordings (started_at, id);\n"
  "PRAGMA user_version = 3;\n",

  /* 4: conferences between schools, their invited schools (in invitation
   * order, deleted with the conference) and the attendance of their rooms;
   * lessons get an iCalendar SEQUENCE. A school's conferences are those it
   * hosts (conferences_host) or is invited to (conference_invites_school);
   * overlap queries range over starts_at or ends_at. */
  "CREATE TABLE conferences (\n"
  "  id TEXT PRIMARY KEY NOT NULL, title TEXT NOT NULL,\n"
  "  description TEXT NOT NULL DEFAULT '', agenda TEXT NOT NULL DEFAULT '',\n"
  "  host_school_id TEXT NOT NULL REFERENCES schools (id),\n"
  "  created_by TEXT REFERENCES accounts (id) ON DELETE SET NULL,\n"
  "  starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL,\n"
  "  max_participants_per_school INTEGER NOT NULL CHECK (max_participants_per_school >= 1),\n"
  "  waiting_room INTEGER NOT NULL DEFAULT 0 CHECK (waiting_room IN (0, 1)),\n"
  "  status TEXT NOT NULL CHECK (status IN ('scheduled', 'ended', 'cancelled')),\n"
  "  sequence INTEGER NOT NULL DEFAULT 0 CHECK (sequence >= 0),\n"
  "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,\n"
  "  CHECK (ends_at > starts_at));\n"
  "CREATE INDEX conferences_starts ON conferences (starts_at, id);\n"
  "CREATE INDEX conferences_ends ON conferences (ends_at, starts_at);\n"
  "CREATE INDEX conferences_host ON conferences (host_school_id, starts_at, id);\n"
  "CREATE TABLE conference_invites (\n"
  "  conference_id TEXT NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,\n"
  "  school_id TEXT NOT NULL REFERENCES schools (id),\n"
  "  position INTEGER NOT NULL CHECK (position >= 0),\n"
  "  status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined')),\n"
  "  responded_at INTEGER, responded_by TEXT REFERENCES accounts (id) ON DELETE SET NULL,\n"
  "  PRIMARY KEY (conference_id, school_id), UNIQUE (conference_id, position)) WITHOUT ROWID;\n"
  "CREATE INDEX conference_invites_school ON conference_invites (school_id, conference_id);\n"
  "CREATE TABLE attendance (\n"
  "  id TEXT PRIMARY KEY NOT NULL,\n"
  "  conference_id TEXT NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,\n"
  "  participant_id TEXT NOT NULL, display_name TEXT NOT NULL,\n"
  "  school_id TEXT REFERENCES schools (id),\n"
  "  account_id TEXT REFERENCES accounts (id) ON DELETE SET NULL,\n"
  "  role TEXT NOT NULL CHECK (role IN ('host', 'participant', 'observer')),\n"
  "  joined_at INTEGER NOT NULL, left_at INTEGER, -- NULL = still in the room\n"
  "  CHECK (left_at IS NULL OR left_at >= joined_at));\n"
  "CREATE INDEX attendance_conference ON attendance (conference_id, joined_at, id);\n"
  "CREATE INDEX attendance_open ON attendance (conference_id) WHERE left_at IS NULL;\n"
  "ALTER TABLE lessons ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;\n"
  "PRAGMA user_version = 4;\n",
};

#define LATEST_SCHEMA_VERSION ((int)G_N_ELEMENTS (migrations))

#define SQL_USER_VERSION "PRAGMA user_version"
#define SQL_BEGIN "BEGIN IMMEDIATE"
#define SQL_COMMIT "COMMIT"
#define SQL_ROLLBACK "ROLLBACK"

static void lc_store_sqlite_iface_init (LcStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LcStoreSqlite, lc_store_sqlite, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LC_TYPE_STORE, lc_store_sqlite_iface_init))

/* ---- Statement cache and helpers ---- */

gboolean
lc_sql_ensure_open (LcStoreSqlite *self, GError **error)
{
  if (self->db != NULL)
    return TRUE;
  lc_set_error (error, LC_ERROR_STORE, NULL, "store: the database is closed");
  return FALSE;
}

/* (transfer none) the cached statement for sql, prepared on first use. */
sqlite3_stmt *
lc_sql_get_stmt (LcStoreSqlite *self, const char *sql, GError **error)
{
  sqlite3_stmt *stmt;

  if (!lc_sql_ensure_open (self, error))
    return NULL;
  stmt = g_hash_table_lookup (self->stmts, sql);
  if (stmt != NULL)
    return stmt;
  if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      lc_set_error (error, LC_ERROR_STORE, NULL, "store: cannot prepare a statement: %s",
                    sqlite3_errmsg (self->db));
      sqlite3_finalize (stmt);
      return NULL;
    }
  g_hash_table_insert (self->stmts, (gpointer)sql, stmt);
  return stmt;
}

void
lc_sql_bind_text (sqlite3_stmt *stmt, int index, const char *value)
{
  if (value == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, value, -1, SQLITE_TRANSIENT);
}

/* 0 is stored as NULL ("never", "not given"). */
void
lc_sql_bind_int64_or_null (sqlite3_stmt *stmt, int index, gint64 value)
{
  if (value == 0)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_int64 (stmt, index, value);
}

void
lc_sql_bind_limit (sqlite3_stmt *stmt, int index, guint limit)
{
  /* A negative LIMIT means no limit in SQLite. */
  sqlite3_bind_int64 (stmt, index, limit == 0 ? -1 : (gint64)limit);
}

void
lc_sql_bind_scope (sqlite3_stmt *stmt, int index, LcLessonScope scope, const char *scope_school_id)
{
  /* 2 = everything, 1 = public + scope school, anything else = public only. */
  sqlite3_bind_int (stmt, index,
                    scope == LC_LESSON_SCOPE_ALL      ? 2
                    : scope == LC_LESSON_SCOPE_SCHOOL ? 1
                                                      : 0);
  lc_sql_bind_text (stmt, index + 1, scope_school_id);
}

void
lc_sql_bind_cursor (sqlite3_stmt *stmt, int index, gboolean set, gint64 after_time,
                    const char *after_id)
{
  if (!set)
    return;
  sqlite3_bind_int64 (stmt, index, after_time);
  lc_sql_bind_text (stmt, index + 1, after_id != NULL ? after_id : "");
}

gboolean
lc_sql_enum_param (int value, const char *const *names, const char *field, const char **name,
                   GError **error)
{
  *name = NULL;
  if (value == -1)
    return TRUE;
  for (int i = 0; value >= 0 && names[i] != NULL; i++)
    if (i == value)
      {
        *name = names[i];
        return TRUE;
      }
  lc_set_error (error, LC_ERROR_INVALID, field, "unknown %s", field);
  return FALSE;
}

char *
lc_sql_col_dup (sqlite3_stmt *stmt, int col)
{
  const unsigned char *text = sqlite3_column_text (stmt, col);

  return text != NULL ? g_strdup ((const char *)text) : NULL;
}

const char *
lc_sql_col_str (sqlite3_stmt *stmt, int col)
{
  const unsigned char *text = sqlite3_column_text (stmt, col);

  return text != NULL ? (const char *)text : "";
}

/* Turn a failed sqlite3_step() into an LC_ERROR following the store
 * conventions. what: a short description of the operation (no values). */
void
lc_sql_set_error (LcStoreSqlite *self, int rc, const char *what, const char *unique_field,
                  GError **error)
{
  switch (rc)
    {
    case SQLITE_CONSTRAINT_UNIQUE:
      lc_set_error (error, LC_ERROR_CONFLICT, unique_field, "%s: %s already exists", what,
                    unique_field != NULL ? unique_field : "a unique value");
      break;
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      lc_set_error (error, LC_ERROR_CONFLICT, "id", "%s: the id already exists", what);
      break;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      lc_set_error (error, LC_ERROR_INVALID, NULL, "%s: refers to an object that does not exist",
                    what);
      break;
    default:
      /* sqlite3_errmsg names tables, columns and constraints, never values. */
      lc_set_error (error, LC_ERROR_STORE, NULL, "%s: %s", what, sqlite3_errmsg (self->db));
      break;
    }
}

gboolean
lc_sql_not_found (GError **error, const char *what)
{
  lc_set_error (error, LC_ERROR_NOT_FOUND, NULL, "%s not found", what);
  return FALSE;
}

/* Step a bound write statement to the end. Returns the number of changed
 * rows, or -1 with error set. */
gint64
lc_sql_run_write (LcStoreSqlite *self, sqlite3_stmt *stmt, const char *what,
                  const char *unique_field, GError **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE)
    {
      lc_sql_set_error (self, rc, what, unique_field, error);
      return -1;
    }
  return sqlite3_changes64 (self->db);
}

/* lc_sql_run_write for a write that must hit a row: NOT_FOUND naming missing otherwise. */
gboolean
lc_sql_run_write_one (LcStoreSqlite *self, sqlite3_stmt *stmt, const char *what,
                      const char *unique_field, const char *missing, GError **error)
{
  gint64 changes = lc_sql_run_write (self, stmt, what, unique_field, error);

  if (changes < 0)
    return FALSE;
  return changes > 0 || missing == NULL ? TRUE : lc_sql_not_found (error, missing);
}

/* Step a query expected to return at most one row: SQLITE_ROW, SQLITE_DONE,
 * or -1 with error set. */
int
lc_sql_step_row (LcStoreSqlite *self, sqlite3_stmt *stmt, const char *what, GError **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    return rc;
  lc_sql_set_error (self, rc, what, NULL, error);
  return -1;
}

/* (transfer full) the row whose key (?1) matches, read with read_row; NULL
 * with LC_ERROR_NOT_FOUND naming what when there is none. */
gpointer
lc_sql_get_one (LcStoreSqlite *self, const char *sql, const char *key, LcReadRowFunc read_row,
                const char *what, GError **error)
{
  g_autoptr (LcCachedStmt) stmt = lc_sql_get_stmt (self, sql, error);
  int rc;

  if (stmt == NULL)
    return NULL;
  lc_sql_bind_text (stmt, 1, key);
  rc = lc_sql_step_row (self, stmt, what, error);
  if (rc == SQLITE_ROW)
    return read_row (stmt);
  if (rc == SQLITE_DONE)
    lc_sql_not_found (error, what);
  return NULL;
}

/* Every row of a bound query, read with read_row. seqs (nullable) receives
 * column 0 of each row as gint64. */
GPtrArray *
lc_sql_collect_rows (LcStoreSqlite *self, sqlite3_stmt *stmt, LcReadRowFunc read_row,
                     GDestroyNotify free_row, GArray *seqs, const char *what, GError **error)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (free_row);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 seq = seqs != NULL ? sqlite3_column_int64 (stmt, 0) : 0;

      g_ptr_array_add (rows, read_row (stmt));
      if (seqs != NULL)
        g_array_append_val (seqs, seq);
    }
  if (rc != SQLITE_DONE)
    {
      lc_sql_set_error (self, rc, what, NULL, error);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

gboolean
lc_sql_write_row (LcStoreSqlite *self, const char *sql, LcBindRowFunc bind_row, gconstpointer row,
                  const char *what, const char *unique_field, const char *missing, GError **error)
{
  g_autoptr (LcCachedStmt) stmt = lc_sql_get_stmt (self, sql, error);

  if (stmt == NULL)
    return FALSE;
  bind_row (stmt, row, lc_time_now ());
  return lc_sql_run_write_one (self, stmt, what, unique_field, missing, error);
}

/* A write keyed by ?1 with an optional second text (?2) or time (?2).
 * Returns the number of changed rows or -1; with missing set, no change is
 * LC_ERROR_NOT_FOUND (returns -1). */
gint64
lc_sql_write_by_key (LcStoreSqlite *self, const char *sql, const char *key, const char *text2,
                     gint64 time2, const char *missing, GError **error)
{
  g_autoptr (LcCachedStmt) stmt = lc_sql_get_stmt (self, sql, error);
  gint64 changes;

  if (stmt == NULL)
    return -1;
  lc_sql_bind_text (stmt, 1, key);
  if (text2 != NULL)
    lc_sql_bind_text (stmt, 2, text2);
  else if (time2 != 0)
    sqlite3_bind_int64 (stmt, 2, time2);
  changes = lc_sql_run_write (self, stmt, "store: write", NULL, error);
  if (changes == 0 && missing != NULL)
    {
      lc_sql_not_found (error, missing);
      return -1;
    }
  return changes;
}

/* A reference to a missing row is LC_ERROR_INVALID naming the field at fault:
 * looked up before writing, since SQLite's foreign key error does not say
 * which reference failed. NULL ids are not checked. */
gboolean
lc_sql_check_reference (LcStoreSqlite *self, const char *sql, const char *id, const char *field,
                        GError **error)
{
  g_autoptr (LcCachedStmt) stmt = NULL;
  int rc;

  if (id == NULL)
    return TRUE;
  stmt = lc_sql_get_stmt (self, sql, error);
  if (stmt == NULL)
    return FALSE;
  lc_sql_bind_text (stmt, 1, id);
  rc = lc_sql_step_row (self, stmt, "store: lookup", error);
  if (rc == SQLITE_DONE)
    lc_set_error (error, LC_ERROR_INVALID, field, "%s does not refer to an existing object", field);
  return rc == SQLITE_ROW;
}

/* Unicode-aware case-insensitive collation (SQLite's NOCASE folds ASCII
 * only, and subjects are mostly Cyrillic). Equal when the case folds are. */
static int
collate_nocase (void *user_data, int len_a, const void *a, int len_b, const void *b)
{
  g_autofree char *fold_a = NULL;
  g_autofree char *fold_b = NULL;
  int cmp;

  if (!g_utf8_validate_len (a, len_a, NULL) || !g_utf8_validate_len (b, len_b, NULL))
    {
      cmp = memcmp (a, b, MIN (len_a, len_b));
      return cmp != 0 ? cmp : len_a - len_b;
    }
  fold_a = g_utf8_casefold (a, len_a);
  fold_b = g_utf8_casefold (b, len_b);
  return strcmp (fold_a, fold_b);
}

static int
on_exec_row (void *user_data, int n_cols, char **values, char **names)
{
  char **first_value = user_data;

  if (first_value != NULL && *first_value == NULL && n_cols > 0 && values[0] != NULL)
    *first_value = g_strdup (values[0]);
  return 0;
}

/* Run a fixed SQL script (pragmas, BEGIN/COMMIT/ROLLBACK, migrations).
 * first_value (nullable) receives column 0 of the first row. */
gboolean
lc_sql_exec (sqlite3 *db, const char *sql, char **first_value, const char *what, GError **error)
{
  char *message = NULL;
  int rc = sqlite3_exec (db, sql, on_exec_row, first_value, &message);

  if (rc != SQLITE_OK)
    {
      lc_set_error (error, LC_ERROR_STORE, NULL, "%s: %s", what,
                    message != NULL ? message : sqlite3_errstr (rc));
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

void
lc_sql_rollback_quietly (LcStoreSqlite *self)
{
  g_autoptr (GError) error = NULL;

  if (sqlite3_get_autocommit (self->db))
    return; /* SQLite already rolled back (e.g. after SQLITE_FULL) */
  if (!lc_sql_exec (self->db, SQL_ROLLBACK, NULL, "store: rollback", &error))
    g_warning ("%s", error->message);
}

gboolean
lc_sql_savepoint (LcStoreSqlite *self, const char *name, GError **error)
{
  g_autofree char *sql = NULL;

  if (!lc_sql_ensure_open (self, error))
    return FALSE;
  sql = g_strconcat ("SAVEPOINT ", name, NULL); /* name: a fixed identifier, never a value */
  return lc_sql_exec (self->db, sql, NULL, "store: savepoint", error);
}

gboolean
lc_sql_savepoint_end (LcStoreSqlite *self, const char *name, gboolean ok, GError **error)
{
  g_autofree char *release = g_strconcat ("RELEASE ", name, NULL);
  g_autofree char *rollback = NULL;
  g_autoptr (GError) local_error = NULL;

  if (self->db == NULL)
    return ok ? lc_sql_ensure_open (self, error) : FALSE;
  if (ok)
    {
      if (lc_sql_exec (self->db, release, NULL, "store: release savepoint", error))
        return TRUE;
      /* Fall through: undo what the savepoint holds. */
    }
  if (sqlite3_get_autocommit (self->db))
    return FALSE; /* SQLite already rolled the whole transaction back */
  rollback = g_strconcat ("ROLLBACK TO ", name, "; RELEASE ", name, NULL);
  if (!lc_sql_exec (self->db, rollback, NULL, "store: roll back savepoint", &local_error))
    g_warning ("%s", local_error->message);
  return FALSE;
}

/* ---- Opening and closing ---- */

/* Create the database file with mode 0600 if it does not exist yet (SQLite
 * would use the umask; its -wal and -shm files follow the main file's mode). */
static gboolean
create_private_file (const char *path, GError **error)
{
  int fd;

  if (g_strcmp0 (path, ":memory:") == 0 || g_str_has_prefix (path, "file:"))
    return TRUE;
  fd = g_open (path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0)
    close (fd);
  else if (errno != EEXIST)
    {
      int saved = errno;

      lc_set_error (error, LC_ERROR_STORE, NULL, "store: cannot create %s: %s", path,
                    g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

LcStoreSqlite *
lc_store_sqlite_open (const char *path, GError **error)
{
  g_autoptr (LcStoreSqlite) self = NULL;
  g_autofree char *journal_mode = NULL;
  g_autofree char *foreign_keys = NULL;
  sqlite3 *db = NULL;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!create_private_file (path, error))
    return NULL;

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    {
      lc_set_error (error, LC_ERROR_STORE, NULL, "store: cannot open %s: %s", path,
                    db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      sqlite3_close (db);
      return NULL;
    }
  self = g_object_new (LC_TYPE_STORE_SQLITE, NULL);
  self->db = db;
  sqlite3_extended_result_codes (db, 1);
  sqlite3_busy_timeout (db, BUSY_TIMEOUT_MS);

  /* journal_mode reads the file first: a file that is not a database fails here. */
  if (!lc_sql_exec (db, "PRAGMA journal_mode = WAL", &journal_mode, path, error)
      || !lc_sql_exec (db, "PRAGMA foreign_keys = ON", NULL, path, error)
      || !lc_sql_exec (db, "PRAGMA synchronous = NORMAL", NULL, path, error)
      || !lc_sql_exec (db, "PRAGMA foreign_keys", &foreign_keys, path, error))
    {
      g_prefix_error (error, "store: cannot open ");
      return NULL;
    }
  if (g_strcmp0 (foreign_keys, "1") != 0)
    {
      lc_set_error (error, LC_ERROR_STORE, NULL, "store: %s: SQLite cannot enforce foreign keys",
                    path);
      return NULL;
    }
  if (g_strcmp0 (journal_mode, "wal") != 0 && g_strcmp0 (path, ":memory:") != 0)
    g_warning ("store %s: journal mode is %s, not wal", path,
               journal_mode != NULL ? journal_mode : "unknown");

  rc = sqlite3_create_collation_v2 (db, "LC_NOCASE", SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                    collate_nocase, NULL);
  if (rc != SQLITE_OK)
    {
      lc_set_error (error, LC_ERROR_STORE, NULL, "store: cannot register a collation: %s",
                    sqlite3_errmsg (db));
      return NULL;
    }
  return g_steal_pointer (&self);
}

static void
store_close (LcStore *store)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);

  if (self->db == NULL)
    return;
  g_hash_table_remove_all (self->stmts); /* finalises every cached statement */
  lc_sql_rollback_quietly (self);
  /* Refresh the planner statistics, as SQLite advises before closing. */
  lc_sql_exec (self->db, "PRAGMA optimize", NULL, "store: optimize", NULL);
  if (sqlite3_close (self->db) != SQLITE_OK)
    {
      g_warning ("store: close failed: %s", sqlite3_errmsg (self->db));
      sqlite3_close_v2 (self->db);
    }
  self->db = NULL;
  self->in_transaction = FALSE;
}

static void
lc_store_sqlite_finalize (GObject *object)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (object);

  store_close (LC_STORE (self));
  g_hash_table_unref (self->stmts);
  G_OBJECT_CLASS (lc_store_sqlite_parent_class)->finalize (object);
}

static void
lc_store_sqlite_class_init (LcStoreSqliteClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lc_store_sqlite_finalize;
}

static void
lc_store_sqlite_init (LcStoreSqlite *self)
{
  self->stmts
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)sqlite3_finalize);
}

/* ---- Schema: version, migrations, check, transactions ---- */

/* -1 with error set on failure. */
static int
read_user_version (LcStoreSqlite *self, GError **error)
{
  g_autoptr (LcCachedStmt) stmt = lc_sql_get_stmt (self, SQL_USER_VERSION, error);
  int rc;

  if (stmt == NULL)
    return -1;
  rc = lc_sql_step_row (self, stmt, "store: reading the schema version", error);
  if (rc == SQLITE_DONE)
    lc_set_error (error, LC_ERROR_STORE, NULL, "store: no schema version");
  return rc == SQLITE_ROW ? sqlite3_column_int (stmt, 0) : -1;
}

/* Apply the next migration when the schema is below target. Sets *done when
 * there was nothing left to apply. */
static gboolean
apply_next_migration (LcStoreSqlite *self, int target, gboolean *done, GError **error)
{
  g_autofree char *what = NULL;
  int version;

  /* The version is read inside the write lock: another process may have migrated. */
  if (!lc_sql_exec (self->db, SQL_BEGIN, NULL, "store: begin migration", error))
    return FALSE;
  version = read_user_version (self, error);
  if (version < 0)
    goto fail;
  if (version > LATEST_SCHEMA_VERSION)
    {
      lc_set_error (error, LC_ERROR_STORE, NULL,
                    "database schema version %d is newer than this lessoncast (%d): "
                    "upgrade lessoncast",
                    version, LATEST_SCHEMA_VERSION);
      goto fail;
    }
  if (version >= target)
    {
      *done = TRUE;
      lc_sql_rollback_quietly (self);
      return TRUE;
    }

  what = g_strdup_printf ("store: migration %d", version + 1);
  if (!lc_sql_exec (self->db, migrations[version], NULL, what, error))
    goto fail;
  if (read_user_version (self, error) != version + 1)
    {
      if (error != NULL && *error == NULL)
        lc_set_error (error, LC_ERROR_STORE, NULL, "%s did not set its schema version", what);
      goto fail;
    }
  if (!lc_sql_exec (self->db, SQL_COMMIT, NULL, what, error))
    goto fail;
  g_info ("store: schema migrated from version %d to %d", version, version + 1);
  return TRUE;

fail:
  lc_sql_rollback_quietly (self);
  return FALSE;
}

gboolean
lc_store_sqlite_migrate_to (LcStoreSqlite *self, int version, GError **error)
{
  gboolean done = FALSE;

  g_return_val_if_fail (LC_IS_STORE_SQLITE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!lc_sql_ensure_open (self, error))
    return FALSE;
  if (version < 0 || version > LATEST_SCHEMA_VERSION)
    {
      lc_set_error (error, LC_ERROR_STORE, NULL,
                    "store: no schema version %d (this lessoncast knows 0..%d)", version,
                    LATEST_SCHEMA_VERSION);
      return FALSE;
    }
  while (!done)
    if (!apply_next_migration (self, version, &done, error))
      return FALSE;
  return TRUE;
}

static gboolean
store_migrate (LcStore *store, GError **error)
{
  return lc_store_sqlite_migrate_to (LC_STORE_SQLITE (store), LATEST_SCHEMA_VERSION, error);
}

static int
store_get_schema_version (LcStore *store)
{
  return read_user_version (LC_STORE_SQLITE (store), NULL); /* -1 on failure */
}

static int
store_get_latest_schema_version (LcStore *store)
{
  return LATEST_SCHEMA_VERSION;
}

/* Run a check pragma (uncached: checks are rare) and append its problems to
 * text, one indented line each. Returns the number of problems or -1. */
static int
run_check (LcStoreSqlite *self, const char *sql, gboolean foreign_keys, GString *text,
           GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int problems = 0;
  int rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);

  while (rc == SQLITE_OK || rc == SQLITE_ROW)
    {
      /* Count every problem row ("ok" is not one), describe the first 100. */
      if ((rc = sqlite3_step (stmt)) != SQLITE_ROW
          || (!foreign_keys && strcmp (lc_sql_col_str (stmt, 0), "ok") == 0) || ++problems > 100)
        continue;
      if (foreign_keys)
        g_string_append_printf (text, "  %s row %lld refers to a missing %s row\n",
                                lc_sql_col_str (stmt, 0), (long long)sqlite3_column_int64 (stmt, 1),
                                lc_sql_col_str (stmt, 2));
      else
        g_string_append_printf (text, "  %s\n", lc_sql_col_str (stmt, 0));
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      lc_set_error (error, LC_ERROR_STORE, NULL, "store: %s failed to run: %s", sql,
                    sqlite3_errmsg (self->db));
      return -1;
    }
  return problems;
}

static gboolean
store_check (LcStore *store, char **report, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  g_autoptr (GString) integrity = g_string_new (NULL);
  g_autoptr (GString) foreign_keys = g_string_new (NULL);
  g_autofree char *journal_mode = NULL;
  g_autofree char *fk_enabled = NULL;
  int n_integrity, n_foreign_keys, version;

  if (!lc_sql_ensure_open (self, error)
      || !lc_sql_exec (self->db, "PRAGMA journal_mode", &journal_mode, "store: check", error)
      || !lc_sql_exec (self->db, "PRAGMA foreign_keys", &fk_enabled, "store: check", error))
    return FALSE;
  n_integrity = run_check (self, "PRAGMA integrity_check (100)", FALSE, integrity, error);
  if (n_integrity < 0)
    return FALSE;
  n_foreign_keys = run_check (self, "PRAGMA foreign_key_check", TRUE, foreign_keys, error);
  if (n_foreign_keys < 0)
    return FALSE;
  version = read_user_version (self, error);
  if (version < 0)
    return FALSE;

  if (report != NULL)
    *report = g_strdup_printf ("integrity_check: %s\n%s"
                               "foreign_key_check: %s\n%s"
                               "schema_version: %d (this lessoncast: %d)\n"
                               "journal_mode: %s\nforeign_keys: %s\n",
                               n_integrity == 0 ? "ok" : "FAILED", integrity->str,
                               n_foreign_keys == 0 ? "ok" : "FAILED", foreign_keys->str, version,
                               LATEST_SCHEMA_VERSION, journal_mode ? journal_mode : "?",
                               g_strcmp0 (fk_enabled, "1") == 0 ? "on" : "off");
  if (n_integrity > 0 || n_foreign_keys > 0)
    {
      lc_set_error (error, LC_ERROR_STORE, NULL,
                    "store: the database check found %d integrity and %d foreign key problems",
                    n_integrity, n_foreign_keys);
      return FALSE;
    }
  return TRUE;
}

static gboolean
store_transaction (LcStore *store, LcStoreTxnFunc func, gpointer user_data, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  g_autoptr (GError) local_error = NULL;
  gboolean ok;

  if (!lc_sql_ensure_open (self, error))
    return FALSE;
  if (self->in_transaction || !sqlite3_get_autocommit (self->db))
    {
      lc_set_error (error, LC_ERROR_STORE, NULL, "store: nested transactions are not supported");
      return FALSE;
    }
  if (!lc_sql_exec (self->db, SQL_BEGIN, NULL, "store: begin", error))
    return FALSE;

  self->in_transaction = TRUE;
  ok = func (store, user_data, &local_error);
  if (!ok && local_error == NULL)
    lc_set_error (&local_error, LC_ERROR_INTERNAL, NULL,
                  "store: transaction function failed without an error");
  if (ok && self->db != NULL)
    ok = lc_sql_exec (self->db, SQL_COMMIT, NULL, "store: commit", &local_error);
  if (!ok && self->db != NULL)
    lc_sql_rollback_quietly (self);
  self->in_transaction = FALSE;

  if (!ok)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return lc_sql_ensure_open (self, error); /* closed inside func: nothing was committed */
}

/* ---- The vtable ---- */

static void
lc_store_sqlite_iface_init (LcStoreInterface *iface)
{
  iface->migrate = store_migrate;
  iface->get_schema_version = store_get_schema_version;
  iface->get_latest_schema_version = store_get_latest_schema_version;
  iface->check = store_check;
  iface->transaction = store_transaction;
  iface->close = store_close;
  lc_store_sqlite_people_init (iface);
  lc_store_sqlite_lessons_init (iface);
  lc_store_sqlite_conferences_init (iface);
}
