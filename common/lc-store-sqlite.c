/* lc-store-sqlite.c — LcStoreSqlite, the embedded SQLite backend of LcStore.
 * One connection, used from the main context only (SQLITE_OPEN_NOMUTEX); WAL,
 * foreign keys on, busy timeout, synchronous=NORMAL. Every query is a fixed SQL
 * text prepared once and cached by that text (finalised at close); values are
 * always bound, never formatted into SQL. Filters use "(?N IS NULL OR col = ?N)"
 * binds; a list function may pick one of a few fixed texts (cursor or not).
 * Schema changes are numbered migrations, each applied inside BEGIN IMMEDIATE …
 * COMMIT with its PRAGMA user_version: a failed one leaves the database as it was. */
#include "common/lc-store-sqlite.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

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
};

#define LATEST_SCHEMA_VERSION ((int)G_N_ELEMENTS (migrations))

/* ---- Fixed SQL texts (values are always bound) ---- */
#define SCHOOL_COLS                                                                                \
  "id, name, short_name, district, address, latitude, longitude, website, created_at, updated_at"
#define ACCOUNT_COLS                                                                               \
  "id, login, display_name, role, school_id, password_hash, consent_publish_name, disabled, "      \
  "created_at, updated_at, password_changed_at"
#define SESSION_COLS "token_hash, account_id, created_at, expires_at, last_seen_at"
#define TOKEN_COLS "id, account_id, name, token_hash, created_at, last_used_at, expires_at, revoked"
#define LESSON_COLS                                                                                \
  "l.id, l.title, l.description, l.subject, l.grade, l.school_id, l.teacher_id, l.starts_at, "     \
  "l.ends_at, l.visibility, l.recording, l.status, l.publish_key, l.created_at, l.updated_at"
#define RECORDING_COLS                                                                             \
  "r.id, r.lesson_id, r.state, r.failure_reason, r.progress, r.path, r.duration_ms, "              \
  "r.size_bytes, r.video_codec, r.audio_codec, r.sha256, r.started_at, r.ended_at, "               \
  "r.created_at, r.updated_at"
#define AUDIT_COLS "seq, id, at, actor_id, action, object_type, object_id, client, details"

#define SQL_SCHOOL_INSERT                                                                          \
  "INSERT INTO schools (" SCHOOL_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
#define SQL_SCHOOL_UPDATE                                                                          \
  "UPDATE schools SET name = ?2, short_name = ?3, district = ?4, address = ?5, latitude = ?6, "    \
  "longitude = ?7, website = ?8, updated_at = ?10 WHERE id = ?1"
#define SQL_SCHOOL_GET "SELECT " SCHOOL_COLS " FROM schools WHERE id = ?1"
#define SQL_SCHOOL_EXISTS "SELECT 1 FROM schools WHERE id = ?1"
#define SQL_SCHOOL_LIST_BASE                                                                       \
  "SELECT " SCHOOL_COLS " FROM schools WHERE (?1 IS NULL OR district = ?1) "
#define SQL_SCHOOL_LIST SQL_SCHOOL_LIST_BASE "ORDER BY name, id LIMIT ?4"
#define SQL_SCHOOL_LIST_AFTER                                                                      \
  SQL_SCHOOL_LIST_BASE "AND (name, id) > (?2, ?3) ORDER BY name, id LIMIT ?4"

#define SQL_ACCOUNT_INSERT                                                                         \
  "INSERT INTO accounts (" ACCOUNT_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
#define SQL_ACCOUNT_UPDATE                                                                         \
  "UPDATE accounts SET login = ?2, display_name = ?3, role = ?4, school_id = ?5, "                 \
  "password_hash = ?6, consent_publish_name = ?7, disabled = ?8, updated_at = ?10, "               \
  "password_changed_at = ?11 WHERE id = ?1"
#define SQL_ACCOUNT_GET "SELECT " ACCOUNT_COLS " FROM accounts WHERE id = ?1"
#define SQL_ACCOUNT_GET_BY_LOGIN "SELECT " ACCOUNT_COLS " FROM accounts WHERE login = ?1"
#define SQL_ACCOUNT_EXISTS "SELECT 1 FROM accounts WHERE id = ?1"
#define SQL_ACCOUNT_LIST                                                                           \
  "SELECT " ACCOUNT_COLS " FROM accounts WHERE (?1 IS NULL OR school_id = ?1) "                    \
  "AND (?2 IS NULL OR role = ?2) AND (?3 IS NULL OR login > ?3) ORDER BY login LIMIT ?4"
#define SQL_ACCOUNT_COUNT "SELECT count(*) FROM accounts WHERE (?1 IS NULL OR role = ?1)"

#define SQL_SESSION_INSERT "INSERT INTO sessions (" SESSION_COLS ") VALUES (?1, ?2, ?3, ?4, ?5)"
#define SQL_SESSION_GET "SELECT " SESSION_COLS " FROM sessions WHERE token_hash = ?1"
#define SQL_SESSION_TOUCH "UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1"
#define SQL_SESSION_DELETE "DELETE FROM sessions WHERE token_hash = ?1"
#define SQL_SESSION_DELETE_FOR_ACCOUNT                                                             \
  "DELETE FROM sessions WHERE account_id = ?1 AND (?2 IS NULL OR token_hash <> ?2)"
#define SQL_SESSION_PURGE "DELETE FROM sessions WHERE expires_at <= ?2" /* ?1 unused */

#define SQL_TOKEN_INSERT                                                                           \
  "INSERT INTO api_tokens (" TOKEN_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
#define SQL_TOKEN_GET_BY_HASH "SELECT " TOKEN_COLS " FROM api_tokens WHERE token_hash = ?1"
#define SQL_TOKEN_LIST                                                                             \
  "SELECT " TOKEN_COLS " FROM api_tokens WHERE account_id = ?1 AND revoked = 0 "                   \
  "ORDER BY created_at, id"
#define SQL_TOKEN_REVOKE                                                                           \
  "UPDATE api_tokens SET revoked = 1 WHERE id = ?1 AND revoked = 0 "                               \
  "AND (?2 IS NULL OR account_id = ?2)"
#define SQL_TOKEN_TOUCH "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1"

#define SQL_LESSON_INSERT                                                                          \
  "INSERT INTO lessons (id, title, description, subject, grade, school_id, teacher_id, "           \
  "starts_at, ends_at, visibility, recording, status, publish_key, created_at, updated_at) "       \
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
#define SQL_LESSON_UPDATE                                                                          \
  "UPDATE lessons SET title = ?2, description = ?3, subject = ?4, grade = ?5, school_id = ?6, "    \
  "teacher_id = ?7, starts_at = ?8, ends_at = ?9, visibility = ?10, recording = ?11, "             \
  "status = ?12, publish_key = ?13, updated_at = ?15 WHERE id = ?1"
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

#define SQL_LESSON_EXISTS "SELECT 1 FROM lessons WHERE id = ?1"
#define SQL_LESSON_SET_STATUS "UPDATE lessons SET status = ?2, updated_at = ?3 WHERE id = ?1"

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
#define SQL_RECORDING_LIST                                                                         \
  SQL_RECORDING_LIST_BASE "ORDER BY r.started_at DESC, r.id DESC LIMIT ?5"
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

#define SQL_USER_VERSION "PRAGMA user_version"
#define SQL_BEGIN "BEGIN IMMEDIATE"
#define SQL_COMMIT "COMMIT"
#define SQL_ROLLBACK "ROLLBACK"

struct _LcStoreSqlite
{
  GObject parent_instance;

  sqlite3 *db;       /* NULL once closed */
  GHashTable *stmts; /* SQL text (static, not owned) → sqlite3_stmt* */
  gboolean in_transaction;
};

static void lc_store_sqlite_iface_init (LcStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LcStoreSqlite, lc_store_sqlite, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LC_TYPE_STORE, lc_store_sqlite_iface_init))

/* ---- Statement cache and helpers ---- */

/* A borrowed statement from the cache: g_autoptr (LcCachedStmt) resets it and
 * clears its bindings at the end of the scope (it stays cached). */
typedef sqlite3_stmt LcCachedStmt;

static void
release_stmt (LcCachedStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcCachedStmt, release_stmt)

typedef gpointer (*ReadRowFunc) (sqlite3_stmt *stmt);

static gboolean
ensure_open (LcStoreSqlite *self, GError **error)
{
  if (self->db != NULL)
    return TRUE;
  lc_set_error (error, LC_ERROR_STORE, NULL, "store: the database is closed");
  return FALSE;
}

/* (transfer none) the cached statement for sql, prepared on first use. */
static sqlite3_stmt *
get_stmt (LcStoreSqlite *self, const char *sql, GError **error)
{
  sqlite3_stmt *stmt;

  if (!ensure_open (self, error))
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

static void
bind_text (sqlite3_stmt *stmt, int index, const char *value)
{
  if (value == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, value, -1, SQLITE_TRANSIENT);
}

/* 0 is stored as NULL ("never", "not given"). */
static void
bind_int64_or_null (sqlite3_stmt *stmt, int index, gint64 value)
{
  if (value == 0)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_int64 (stmt, index, value);
}

static void
bind_limit (sqlite3_stmt *stmt, int index, guint limit)
{
  /* A negative LIMIT means no limit in SQLite. */
  sqlite3_bind_int64 (stmt, index, limit == 0 ? -1 : (gint64)limit);
}

static char *
col_dup (sqlite3_stmt *stmt, int col)
{
  const unsigned char *text = sqlite3_column_text (stmt, col);

  return text != NULL ? g_strdup ((const char *)text) : NULL;
}

static const char *
col_str (sqlite3_stmt *stmt, int col)
{
  const unsigned char *text = sqlite3_column_text (stmt, col);

  return text != NULL ? (const char *)text : "";
}

/* Turn a failed sqlite3_step() into an LC_ERROR following the store
 * conventions. what: a short description of the operation (no values). */
static void
set_sqlite_error (LcStoreSqlite *self, int rc, const char *what, const char *unique_field,
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

static gboolean
not_found (GError **error, const char *what)
{
  lc_set_error (error, LC_ERROR_NOT_FOUND, NULL, "%s not found", what);
  return FALSE;
}

/* Step a bound write statement to the end. Returns the number of changed
 * rows, or -1 with error set. */
static gint64
run_write (LcStoreSqlite *self, sqlite3_stmt *stmt, const char *what, const char *unique_field,
           GError **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, what, unique_field, error);
      return -1;
    }
  return sqlite3_changes64 (self->db);
}

/* run_write for a write that must hit a row: NOT_FOUND naming missing otherwise. */
static gboolean
run_write_one (LcStoreSqlite *self, sqlite3_stmt *stmt, const char *what, const char *unique_field,
               const char *missing, GError **error)
{
  gint64 changes = run_write (self, stmt, what, unique_field, error);

  if (changes < 0)
    return FALSE;
  return changes > 0 || missing == NULL ? TRUE : not_found (error, missing);
}

/* Step a query expected to return at most one row: SQLITE_ROW, SQLITE_DONE,
 * or -1 with error set. */
static int
step_row (LcStoreSqlite *self, sqlite3_stmt *stmt, const char *what, GError **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    return rc;
  set_sqlite_error (self, rc, what, NULL, error);
  return -1;
}

/* (transfer full) the row whose key (?1) matches, read with read_row; NULL
 * with LC_ERROR_NOT_FOUND naming what when there is none. */
static gpointer
get_one (LcStoreSqlite *self, const char *sql, const char *key, ReadRowFunc read_row,
         const char *what, GError **error)
{
  g_autoptr (LcCachedStmt) stmt = get_stmt (self, sql, error);
  int rc;

  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, key);
  rc = step_row (self, stmt, what, error);
  if (rc == SQLITE_ROW)
    return read_row (stmt);
  if (rc == SQLITE_DONE)
    not_found (error, what);
  return NULL;
}

/* Every row of a bound query, read with read_row. seqs (nullable) receives
 * column 0 of each row as gint64. */
static GPtrArray *
collect_rows (LcStoreSqlite *self, sqlite3_stmt *stmt, ReadRowFunc read_row,
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
      set_sqlite_error (self, rc, what, NULL, error);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

/* A reference to a missing row is LC_ERROR_INVALID naming the field at fault:
 * looked up before writing, since SQLite's foreign key error does not say
 * which reference failed. NULL ids are not checked. */
static gboolean
check_reference (LcStoreSqlite *self, const char *sql, const char *id, const char *field,
                 GError **error)
{
  g_autoptr (LcCachedStmt) stmt = NULL;
  int rc;

  if (id == NULL)
    return TRUE;
  stmt = get_stmt (self, sql, error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, id);
  rc = step_row (self, stmt, "store: lookup", error);
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
static gboolean
exec_sql (sqlite3 *db, const char *sql, char **first_value, const char *what, GError **error)
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

static void
rollback_quietly (LcStoreSqlite *self)
{
  g_autoptr (GError) error = NULL;

  if (sqlite3_get_autocommit (self->db))
    return; /* SQLite already rolled back (e.g. after SQLITE_FULL) */
  if (!exec_sql (self->db, SQL_ROLLBACK, NULL, "store: rollback", &error))
    g_warning ("%s", error->message);
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
  if (!exec_sql (db, "PRAGMA journal_mode = WAL", &journal_mode, path, error)
      || !exec_sql (db, "PRAGMA foreign_keys = ON", NULL, path, error)
      || !exec_sql (db, "PRAGMA synchronous = NORMAL", NULL, path, error)
      || !exec_sql (db, "PRAGMA foreign_keys", &foreign_keys, path, error))
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
  rollback_quietly (self);
  /* Refresh the planner statistics, as SQLite advises before closing. */
  exec_sql (self->db, "PRAGMA optimize", NULL, "store: optimize", NULL);
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
  g_autoptr (LcCachedStmt) stmt = get_stmt (self, SQL_USER_VERSION, error);
  int rc;

  if (stmt == NULL)
    return -1;
  rc = step_row (self, stmt, "store: reading the schema version", error);
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
  if (!exec_sql (self->db, SQL_BEGIN, NULL, "store: begin migration", error))
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
      rollback_quietly (self);
      return TRUE;
    }

  what = g_strdup_printf ("store: migration %d", version + 1);
  if (!exec_sql (self->db, migrations[version], NULL, what, error))
    goto fail;
  if (read_user_version (self, error) != version + 1)
    {
      if (error != NULL && *error == NULL)
        lc_set_error (error, LC_ERROR_STORE, NULL, "%s did not set its schema version", what);
      goto fail;
    }
  if (!exec_sql (self->db, SQL_COMMIT, NULL, what, error))
    goto fail;
  g_info ("store: schema migrated from version %d to %d", version, version + 1);
  return TRUE;

fail:
  rollback_quietly (self);
  return FALSE;
}

gboolean
lc_store_sqlite_migrate_to (LcStoreSqlite *self, int version, GError **error)
{
  gboolean done = FALSE;

  g_return_val_if_fail (LC_IS_STORE_SQLITE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!ensure_open (self, error))
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
          || (!foreign_keys && strcmp (col_str (stmt, 0), "ok") == 0) || ++problems > 100)
        continue;
      if (foreign_keys)
        g_string_append_printf (text, "  %s row %lld refers to a missing %s row\n",
                                col_str (stmt, 0), (long long)sqlite3_column_int64 (stmt, 1),
                                col_str (stmt, 2));
      else
        g_string_append_printf (text, "  %s\n", col_str (stmt, 0));
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

  if (!ensure_open (self, error)
      || !exec_sql (self->db, "PRAGMA journal_mode", &journal_mode, "store: check", error)
      || !exec_sql (self->db, "PRAGMA foreign_keys", &fk_enabled, "store: check", error))
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

  if (!ensure_open (self, error))
    return FALSE;
  if (self->in_transaction || !sqlite3_get_autocommit (self->db))
    {
      lc_set_error (error, LC_ERROR_STORE, NULL, "store: nested transactions are not supported");
      return FALSE;
    }
  if (!exec_sql (self->db, SQL_BEGIN, NULL, "store: begin", error))
    return FALSE;

  self->in_transaction = TRUE;
  ok = func (store, user_data, &local_error);
  if (!ok && local_error == NULL)
    lc_set_error (&local_error, LC_ERROR_INTERNAL, NULL,
                  "store: transaction function failed without an error");
  if (ok && self->db != NULL)
    ok = exec_sql (self->db, SQL_COMMIT, NULL, "store: commit", &local_error);
  if (!ok && self->db != NULL)
    rollback_quietly (self);
  self->in_transaction = FALSE;

  if (!ok)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return ensure_open (self, error); /* closed inside func: nothing was committed */
}

/* ---- Schools ---- */

static void
bind_school (sqlite3_stmt *stmt, const LcSchool *school, gint64 now)
{
  bind_text (stmt, 1, school->id);
  bind_text (stmt, 2, school->name);
  bind_text (stmt, 3, school->short_name);
  bind_text (stmt, 4, school->district);
  bind_text (stmt, 5, school->address);
  if (school->has_location)
    {
      sqlite3_bind_double (stmt, 6, school->latitude);
      sqlite3_bind_double (stmt, 7, school->longitude);
    }
  bind_text (stmt, 8, school->website);
  sqlite3_bind_int64 (stmt, 9, school->created_at != 0 ? school->created_at : now);
  sqlite3_bind_int64 (stmt, 10, school->updated_at != 0 ? school->updated_at : now);
}

static LcSchool *
read_school (sqlite3_stmt *stmt)
{
  LcSchool *school = lc_school_new ();

  school->id = col_dup (stmt, 0);
  school->name = col_dup (stmt, 1);
  school->short_name = col_dup (stmt, 2);
  school->district = col_dup (stmt, 3);
  school->address = col_dup (stmt, 4);
  school->has_location = sqlite3_column_type (stmt, 5) != SQLITE_NULL
                         && sqlite3_column_type (stmt, 6) != SQLITE_NULL;
  if (school->has_location)
    {
      school->latitude = sqlite3_column_double (stmt, 5);
      school->longitude = sqlite3_column_double (stmt, 6);
    }
  school->website = col_dup (stmt, 7);
  school->created_at = sqlite3_column_int64 (stmt, 8);
  school->updated_at = sqlite3_column_int64 (stmt, 9);
  return school;
}

/* Insert (missing NULL) or update (missing names the object) a school. */
static gboolean
write_school (LcStoreSqlite *self, const char *sql, const LcSchool *school, const char *missing,
              GError **error)
{
  g_autoptr (LcCachedStmt) stmt = get_stmt (self, sql, error);

  if (stmt == NULL)
    return FALSE;
  bind_school (stmt, school, lc_time_now ());
  return run_write_one (self, stmt, "store: write school", NULL, missing, error);
}

static gboolean
store_insert_school (LcStore *store, const LcSchool *school, GError **error)
{
  return write_school (LC_STORE_SQLITE (store), SQL_SCHOOL_INSERT, school, NULL, error);
}

static gboolean
store_update_school (LcStore *store, const LcSchool *school, GError **error)
{
  return write_school (LC_STORE_SQLITE (store), SQL_SCHOOL_UPDATE, school, "school", error);
}

static LcSchool *
store_get_school (LcStore *store, const char *id, GError **error)
{
  return get_one (LC_STORE_SQLITE (store), SQL_SCHOOL_GET, id, (ReadRowFunc)read_school, "school",
                  error);
}

static GPtrArray *
store_list_schools (LcStore *store, const LcSchoolFilter *filter, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  static const LcSchoolFilter no_filter = { 0 };
  g_autoptr (LcCachedStmt) stmt = NULL;

  if (filter == NULL)
    filter = &no_filter;
  stmt = get_stmt (self, filter->after_name != NULL ? SQL_SCHOOL_LIST_AFTER : SQL_SCHOOL_LIST,
                   error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, filter->district);
  if (filter->after_name != NULL)
    {
      bind_text (stmt, 2, filter->after_name);
      bind_text (stmt, 3, filter->after_id != NULL ? filter->after_id : "");
    }
  bind_limit (stmt, 4, filter->limit);
  return collect_rows (self, stmt, (ReadRowFunc)read_school, (GDestroyNotify)lc_school_free, NULL,
                       "store: list schools", error);
}

/* ---- Accounts ---- */

/* role: an LcRole or -1 (any → NULL name). */
static gboolean
role_param (int role, const char **name, GError **error)
{
  *name = role >= 0 && role <= LC_ROLE_TEACHER ? lc_role_to_string ((LcRole)role) : NULL;
  if (*name != NULL || role == -1)
    return TRUE;
  lc_set_error (error, LC_ERROR_INVALID, "role", "unknown role");
  return FALSE;
}

/* Enums are bound by name; an invalid one binds NULL and fails NOT NULL. */
static void
bind_account (sqlite3_stmt *stmt, const LcAccount *account, gint64 now)
{
  g_autofree char *login = account->login != NULL ? g_ascii_strdown (account->login, -1) : NULL;
  gint64 created_at = account->created_at != 0 ? account->created_at : now;

  bind_text (stmt, 1, account->id);
  bind_text (stmt, 2, login);
  bind_text (stmt, 3, account->display_name);
  bind_text (stmt, 4, lc_role_to_string (account->role));
  bind_text (stmt, 5, account->school_id);
  bind_text (stmt, 6, account->password_hash);
  sqlite3_bind_int (stmt, 7, account->consent_publish_name ? 1 : 0);
  sqlite3_bind_int (stmt, 8, account->disabled ? 1 : 0);
  sqlite3_bind_int64 (stmt, 9, created_at);
  sqlite3_bind_int64 (stmt, 10, account->updated_at != 0 ? account->updated_at : now);
  sqlite3_bind_int64 (
      stmt, 11, account->password_changed_at != 0 ? account->password_changed_at : created_at);
}

static LcAccount *
read_account (sqlite3_stmt *stmt)
{
  LcAccount *account = lc_account_new ();
  LcRole role;

  account->id = col_dup (stmt, 0);
  account->login = col_dup (stmt, 1);
  account->display_name = col_dup (stmt, 2);
  /* The CHECK constraint keeps role valid; anything else reads as the least privileged. */
  account->role = lc_role_from_string (col_str (stmt, 3), &role) ? role : LC_ROLE_TEACHER;
  account->school_id = col_dup (stmt, 4);
  account->password_hash = col_dup (stmt, 5);
  account->consent_publish_name = sqlite3_column_int (stmt, 6) != 0;
  account->disabled = sqlite3_column_int (stmt, 7) != 0;
  account->created_at = sqlite3_column_int64 (stmt, 8);
  account->updated_at = sqlite3_column_int64 (stmt, 9);
  account->password_changed_at = sqlite3_column_int64 (stmt, 10);
  return account;
}

static gboolean
write_account (LcStoreSqlite *self, const char *sql, const LcAccount *account, const char *missing,
               GError **error)
{
  g_autoptr (LcCachedStmt) stmt = NULL;

  if (!check_reference (self, SQL_SCHOOL_EXISTS, account->school_id, "school_id", error))
    return FALSE;
  stmt = get_stmt (self, sql, error);
  if (stmt == NULL)
    return FALSE;
  bind_account (stmt, account, lc_time_now ());
  return run_write_one (self, stmt, "store: write account", "login", missing, error);
}

static gboolean
store_insert_account (LcStore *store, const LcAccount *account, GError **error)
{
  return write_account (LC_STORE_SQLITE (store), SQL_ACCOUNT_INSERT, account, NULL, error);
}

static gboolean
store_update_account (LcStore *store, const LcAccount *account, GError **error)
{
  return write_account (LC_STORE_SQLITE (store), SQL_ACCOUNT_UPDATE, account, "account", error);
}

static LcAccount *
store_get_account (LcStore *store, const char *id, GError **error)
{
  return get_one (LC_STORE_SQLITE (store), SQL_ACCOUNT_GET, id, (ReadRowFunc)read_account,
                  "account", error);
}

static LcAccount *
store_get_account_by_login (LcStore *store, const char *login, GError **error)
{
  g_autofree char *lower = g_ascii_strdown (login, -1);

  return get_one (LC_STORE_SQLITE (store), SQL_ACCOUNT_GET_BY_LOGIN, lower,
                  (ReadRowFunc)read_account, "account", error);
}

static GPtrArray *
store_list_accounts (LcStore *store, const LcAccountFilter *filter, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  static const LcAccountFilter no_filter = { .role = -1 };
  g_autoptr (LcCachedStmt) stmt = NULL;
  g_autofree char *after_login = NULL;
  const char *role = NULL;

  if (filter == NULL)
    filter = &no_filter;
  if (!role_param (filter->role, &role, error))
    return NULL;
  if (filter->after_login != NULL)
    after_login = g_ascii_strdown (filter->after_login, -1);
  stmt = get_stmt (self, SQL_ACCOUNT_LIST, error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, filter->school_id);
  bind_text (stmt, 2, role);
  bind_text (stmt, 3, after_login);
  bind_limit (stmt, 4, filter->limit);
  return collect_rows (self, stmt, (ReadRowFunc)read_account, (GDestroyNotify)lc_account_free, NULL,
                       "store: list accounts", error);
}

static gint64
store_count_accounts (LcStore *store, int role, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  g_autoptr (LcCachedStmt) stmt = NULL;
  const char *role_name = NULL;

  if (!role_param (role, &role_name, error))
    return -1;
  stmt = get_stmt (self, SQL_ACCOUNT_COUNT, error);
  if (stmt == NULL)
    return -1;
  bind_text (stmt, 1, role_name);
  /* An aggregate always answers one row. */
  if (step_row (self, stmt, "store: count accounts", error) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}

/* ---- Sessions ---- */

static gboolean
store_insert_session (LcStore *store, const LcSession *session, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  g_autoptr (LcCachedStmt) stmt = NULL;

  if (!check_reference (self, SQL_ACCOUNT_EXISTS, session->account_id, "account_id", error))
    return FALSE;
  stmt = get_stmt (self, SQL_SESSION_INSERT, error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, session->token_hash);
  bind_text (stmt, 2, session->account_id);
  sqlite3_bind_int64 (stmt, 3, session->created_at);
  sqlite3_bind_int64 (stmt, 4, session->expires_at);
  sqlite3_bind_int64 (stmt, 5,
                      session->last_seen_at != 0 ? session->last_seen_at : session->created_at);
  return run_write_one (self, stmt, "store: insert session", "token_hash", NULL, error);
}

static LcSession *
read_session (sqlite3_stmt *stmt)
{
  LcSession *session = lc_session_new ();

  session->token_hash = col_dup (stmt, 0);
  session->account_id = col_dup (stmt, 1);
  session->created_at = sqlite3_column_int64 (stmt, 2);
  session->expires_at = sqlite3_column_int64 (stmt, 3);
  session->last_seen_at = sqlite3_column_int64 (stmt, 4);
  return session;
}

static LcSession *
store_get_session (LcStore *store, const char *token_hash, GError **error)
{
  return get_one (LC_STORE_SQLITE (store), SQL_SESSION_GET, token_hash, (ReadRowFunc)read_session,
                  "session", error);
}

/* A write keyed by ?1 with an optional second text (?2) or time (?2).
 * Returns the number of changed rows or -1; with missing set, no change is
 * LC_ERROR_NOT_FOUND (returns -1). */
static gint64
write_by_key (LcStoreSqlite *self, const char *sql, const char *key, const char *text2,
              gint64 time2, const char *missing, GError **error)
{
  g_autoptr (LcCachedStmt) stmt = get_stmt (self, sql, error);
  gint64 changes;

  if (stmt == NULL)
    return -1;
  bind_text (stmt, 1, key);
  if (text2 != NULL)
    bind_text (stmt, 2, text2);
  else if (time2 != 0)
    sqlite3_bind_int64 (stmt, 2, time2);
  changes = run_write (self, stmt, "store: write", NULL, error);
  if (changes == 0 && missing != NULL)
    {
      not_found (error, missing);
      return -1;
    }
  return changes;
}

static gboolean
store_touch_session (LcStore *store, const char *token_hash, gint64 now, GError **error)
{
  return write_by_key (LC_STORE_SQLITE (store), SQL_SESSION_TOUCH, token_hash, NULL, now, "session",
                       error)
         > 0;
}

static gboolean
store_delete_session (LcStore *store, const char *token_hash, GError **error)
{
  return write_by_key (LC_STORE_SQLITE (store), SQL_SESSION_DELETE, token_hash, NULL, 0, "session",
                       error)
         > 0;
}

static gint64
store_delete_sessions_for_account (LcStore *store, const char *account_id, const char *keep_hash,
                                   GError **error)
{
  return write_by_key (LC_STORE_SQLITE (store), SQL_SESSION_DELETE_FOR_ACCOUNT, account_id,
                       keep_hash, 0, NULL, error);
}

static gint64
store_purge_expired_sessions (LcStore *store, gint64 now, GError **error)
{
  return write_by_key (LC_STORE_SQLITE (store), SQL_SESSION_PURGE, NULL, NULL, now, NULL, error);
}

/* ---- API tokens ---- */

static LcApiToken *
read_api_token (sqlite3_stmt *stmt)
{
  LcApiToken *token = lc_api_token_new ();

  token->id = col_dup (stmt, 0);
  token->account_id = col_dup (stmt, 1);
  token->name = col_dup (stmt, 2);
  token->token_hash = col_dup (stmt, 3);
  token->created_at = sqlite3_column_int64 (stmt, 4);
  token->last_used_at = sqlite3_column_int64 (stmt, 5); /* NULL reads as 0 = never */
  token->expires_at = sqlite3_column_int64 (stmt, 6);
  token->revoked = sqlite3_column_int (stmt, 7) != 0;
  return token;
}

static gboolean
store_insert_api_token (LcStore *store, const LcApiToken *token, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  g_autoptr (LcCachedStmt) stmt = NULL;

  if (!check_reference (self, SQL_ACCOUNT_EXISTS, token->account_id, "account_id", error))
    return FALSE;
  stmt = get_stmt (self, SQL_TOKEN_INSERT, error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, token->id);
  bind_text (stmt, 2, token->account_id);
  bind_text (stmt, 3, token->name);
  bind_text (stmt, 4, token->token_hash);
  sqlite3_bind_int64 (stmt, 5, token->created_at != 0 ? token->created_at : lc_time_now ());
  bind_int64_or_null (stmt, 6, token->last_used_at);
  bind_int64_or_null (stmt, 7, token->expires_at);
  sqlite3_bind_int (stmt, 8, token->revoked ? 1 : 0);
  return run_write_one (self, stmt, "store: insert api token", "token_hash", NULL, error);
}

static LcApiToken *
store_get_api_token_by_hash (LcStore *store, const char *token_hash, GError **error)
{
  return get_one (LC_STORE_SQLITE (store), SQL_TOKEN_GET_BY_HASH, token_hash,
                  (ReadRowFunc)read_api_token, "api token", error);
}

static GPtrArray *
store_list_api_tokens (LcStore *store, const char *account_id, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  g_autoptr (LcCachedStmt) stmt = get_stmt (self, SQL_TOKEN_LIST, error);

  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, account_id);
  return collect_rows (self, stmt, (ReadRowFunc)read_api_token, (GDestroyNotify)lc_api_token_free,
                       NULL, "store: list api tokens", error);
}

static gboolean
store_revoke_api_token (LcStore *store, const char *id, const char *account_id, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  g_autoptr (LcCachedStmt) stmt = get_stmt (self, SQL_TOKEN_REVOKE, error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, id);
  bind_text (stmt, 2, account_id);
  return run_write_one (self, stmt, "store: revoke api token", NULL, "api token", error);
}

static gboolean
store_touch_api_token (LcStore *store, const char *id, gint64 now, GError **error)
{
  return write_by_key (LC_STORE_SQLITE (store), SQL_TOKEN_TOUCH, id, NULL, now, "api token", error)
         > 0;
}

/* ---- Lessons ---- */

/* Enums are bound by name; an invalid one binds NULL and fails NOT NULL. */
static void
bind_lesson (sqlite3_stmt *stmt, const LcLesson *lesson, gint64 now)
{
  bind_text (stmt, 1, lesson->id);
  bind_text (stmt, 2, lesson->title);
  bind_text (stmt, 3, lesson->description != NULL ? lesson->description : "");
  bind_text (stmt, 4, lesson->subject);
  bind_int64_or_null (stmt, 5, lesson->grade);
  bind_text (stmt, 6, lesson->school_id);
  bind_text (stmt, 7, lesson->teacher_id);
  sqlite3_bind_int64 (stmt, 8, lesson->starts_at);
  sqlite3_bind_int64 (stmt, 9, lesson->ends_at);
  bind_text (stmt, 10, lc_visibility_to_string (lesson->visibility));
  sqlite3_bind_int (stmt, 11, lesson->recording ? 1 : 0);
  bind_text (stmt, 12, lc_lesson_status_to_string (lesson->status));
  bind_text (stmt, 13, lesson->publish_key);
  sqlite3_bind_int64 (stmt, 14, lesson->created_at != 0 ? lesson->created_at : now);
  sqlite3_bind_int64 (stmt, 15, lesson->updated_at != 0 ? lesson->updated_at : now);
}

static LcLesson *
read_lesson (sqlite3_stmt *stmt)
{
  LcLesson *lesson = lc_lesson_new ();
  LcVisibility visibility;
  LcLessonStatus status;

  lesson->id = col_dup (stmt, 0);
  lesson->title = col_dup (stmt, 1);
  lesson->description = g_strdup (col_str (stmt, 2));
  lesson->subject = col_dup (stmt, 3);
  lesson->grade = sqlite3_column_int (stmt, 4); /* NULL reads as 0 = not given */
  lesson->school_id = col_dup (stmt, 5);
  lesson->teacher_id = col_dup (stmt, 6);
  lesson->starts_at = sqlite3_column_int64 (stmt, 7);
  lesson->ends_at = sqlite3_column_int64 (stmt, 8);
  /* CHECK constraints keep these valid; anything else reads as the most restrictive. */
  lesson->visibility = lc_visibility_from_string (col_str (stmt, 9), &visibility)
                           ? visibility
                           : LC_VISIBILITY_UNLISTED;
  lesson->recording = sqlite3_column_int (stmt, 10) != 0;
  lesson->status
      = lc_lesson_status_from_string (col_str (stmt, 11), &status) ? status : LC_LESSON_CANCELLED;
  lesson->publish_key = col_dup (stmt, 12);
  lesson->created_at = sqlite3_column_int64 (stmt, 13);
  lesson->updated_at = sqlite3_column_int64 (stmt, 14);
  return lesson;
}

static gboolean
write_lesson (LcStoreSqlite *self, const char *sql, const LcLesson *lesson, const char *missing,
              GError **error)
{
  g_autoptr (LcCachedStmt) stmt = NULL;

  if (!check_reference (self, SQL_SCHOOL_EXISTS, lesson->school_id, "school_id", error)
      || !check_reference (self, SQL_ACCOUNT_EXISTS, lesson->teacher_id, "teacher_id", error))
    return FALSE;
  stmt = get_stmt (self, sql, error);
  if (stmt == NULL)
    return FALSE;
  bind_lesson (stmt, lesson, lc_time_now ());
  return run_write_one (self, stmt, "store: write lesson", NULL, missing, error);
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
  return get_one (LC_STORE_SQLITE (store), SQL_LESSON_GET, id, (ReadRowFunc)read_lesson, "lesson",
                  error);
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
  if (filter->status != -1)
    {
      if (filter->status < 0 || filter->status > LC_LESSON_CANCELLED)
        {
          lc_set_error (error, LC_ERROR_INVALID, "status", "unknown status");
          return NULL;
        }
      status = lc_lesson_status_to_string ((LcLessonStatus)filter->status);
    }
  stmt = get_stmt (self, filter->after_set ? SQL_LESSON_LIST_AFTER : SQL_LESSON_LIST, error);
  if (stmt == NULL)
    return NULL;
  /* ?1: 2 = everything, 1 = public + scope school, anything else = public only. */
  sqlite3_bind_int (stmt, 1,
                    filter->scope == LC_LESSON_SCOPE_ALL      ? 2
                    : filter->scope == LC_LESSON_SCOPE_SCHOOL ? 1
                                                              : 0);
  bind_text (stmt, 2, filter->scope_school_id);
  bind_text (stmt, 3, filter->district);
  bind_text (stmt, 4, filter->school_id);
  bind_text (stmt, 5, filter->teacher_id);
  bind_text (stmt, 6, filter->subject);
  sqlite3_bind_int (stmt, 7, filter->grade);
  bind_text (stmt, 8, status);
  sqlite3_bind_int64 (stmt, 9, filter->starts_from);
  sqlite3_bind_int64 (stmt, 10, filter->starts_before);
  bind_limit (stmt, 11, filter->limit);
  if (filter->after_set)
    {
      sqlite3_bind_int64 (stmt, 12, filter->after_starts_at);
      bind_text (stmt, 13, filter->after_id != NULL ? filter->after_id : "");
    }
  return collect_rows (self, stmt, (ReadRowFunc)read_lesson, (GDestroyNotify)lc_lesson_free, NULL,
                       "store: list lessons", error);
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
  stmt = get_stmt (self, SQL_LESSON_SET_STATUS, error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, lesson_id);
  bind_text (stmt, 2, lc_lesson_status_to_string (status));
  sqlite3_bind_int64 (stmt, 3, lc_time_now ());
  return run_write_one (self, stmt, "store: set lesson status", NULL, "lesson", error);
}

/* ---- Recordings ---- */

/* The state is bound by name; an invalid one binds NULL and fails NOT NULL. */
static void
bind_recording (sqlite3_stmt *stmt, const LcRecording *recording, gint64 now)
{
  gboolean valid_state = (int)recording->state >= 0 && recording->state <= LC_RECORDING_FAILED;

  bind_text (stmt, 1, recording->id);
  bind_text (stmt, 2, recording->lesson_id);
  bind_text (stmt, 3, valid_state ? lc_recording_state_to_string (recording->state) : NULL);
  bind_text (stmt, 4, recording->failure_reason);
  sqlite3_bind_int (stmt, 5, recording->progress);
  bind_text (stmt, 6, recording->path);
  sqlite3_bind_int64 (stmt, 7, recording->duration_ms);
  sqlite3_bind_int64 (stmt, 8, recording->size_bytes);
  bind_text (stmt, 9, recording->video_codec);
  bind_text (stmt, 10, recording->audio_codec);
  bind_text (stmt, 11, recording->sha256);
  sqlite3_bind_int64 (stmt, 12, recording->started_at);
  bind_int64_or_null (stmt, 13, recording->ended_at);
  sqlite3_bind_int64 (stmt, 14, recording->created_at != 0 ? recording->created_at : now);
  sqlite3_bind_int64 (stmt, 15, recording->updated_at != 0 ? recording->updated_at : now);
}

static LcRecording *
read_recording (sqlite3_stmt *stmt)
{
  LcRecording *recording = lc_recording_new ();
  LcRecordingState state;

  recording->id = col_dup (stmt, 0);
  recording->lesson_id = col_dup (stmt, 1);
  /* The CHECK constraint keeps the state valid; anything else reads as failed. */
  recording->state = lc_recording_state_from_string (col_str (stmt, 2), &state)
                         ? state
                         : LC_RECORDING_FAILED;
  recording->failure_reason = col_dup (stmt, 3);
  recording->progress = sqlite3_column_int (stmt, 4);
  recording->path = col_dup (stmt, 5);
  recording->duration_ms = sqlite3_column_int64 (stmt, 6);
  recording->size_bytes = sqlite3_column_int64 (stmt, 7);
  recording->video_codec = col_dup (stmt, 8);
  recording->audio_codec = col_dup (stmt, 9);
  recording->sha256 = col_dup (stmt, 10);
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
  g_autoptr (LcCachedStmt) stmt = NULL;

  if (missing == NULL
      && !check_reference (self, SQL_LESSON_EXISTS, recording->lesson_id, "lesson_id", error))
    return FALSE;
  stmt = get_stmt (self, sql, error);
  if (stmt == NULL)
    return FALSE;
  bind_recording (stmt, recording, lc_time_now ());
  return run_write_one (self, stmt, "store: write recording", NULL, missing, error);
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
  return get_one (LC_STORE_SQLITE (store), SQL_RECORDING_GET, id, (ReadRowFunc)read_recording,
                  "recording", error);
}

static gboolean
store_delete_recording (LcStore *store, const char *id, GError **error)
{
  return write_by_key (LC_STORE_SQLITE (store), SQL_RECORDING_DELETE, id, NULL, 0, "recording",
                       error)
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
  if (filter->state != -1)
    {
      if (filter->state < 0 || filter->state > LC_RECORDING_FAILED)
        {
          lc_set_error (error, LC_ERROR_INVALID, "state", "unknown state");
          return NULL;
        }
      state = lc_recording_state_to_string ((LcRecordingState)filter->state);
    }
  stmt = get_stmt (self, filter->after_set ? SQL_RECORDING_LIST_AFTER : SQL_RECORDING_LIST, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1,
                    filter->scope == LC_LESSON_SCOPE_ALL      ? 2
                    : filter->scope == LC_LESSON_SCOPE_SCHOOL ? 1
                                                              : 0);
  bind_text (stmt, 2, filter->scope_school_id);
  bind_text (stmt, 3, filter->lesson_id);
  bind_text (stmt, 4, state);
  bind_limit (stmt, 5, filter->limit);
  if (filter->after_set)
    {
      sqlite3_bind_int64 (stmt, 6, filter->after_started_at);
      bind_text (stmt, 7, filter->after_id != NULL ? filter->after_id : "");
    }
  return collect_rows (self, stmt, (ReadRowFunc)read_recording, (GDestroyNotify)lc_recording_free,
                       NULL, "store: list recordings", error);
}

/* ---- Audit events ---- */

static LcAuditEvent *
read_audit_event (sqlite3_stmt *stmt)
{
  LcAuditEvent *event = lc_audit_event_new ();

  /* column 0 is seq, collected by collect_rows */
  event->id = col_dup (stmt, 1);
  event->at = sqlite3_column_int64 (stmt, 2);
  event->actor_id = col_dup (stmt, 3);
  event->action = col_dup (stmt, 4);
  event->object_type = col_dup (stmt, 5);
  event->object_id = col_dup (stmt, 6);
  event->client = col_dup (stmt, 7);
  event->details = col_dup (stmt, 8);
  return event;
}

static gboolean
store_insert_audit_event (LcStore *store, const LcAuditEvent *event, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  g_autoptr (LcCachedStmt) stmt = get_stmt (self, SQL_AUDIT_INSERT, error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, event->id);
  sqlite3_bind_int64 (stmt, 2, event->at != 0 ? event->at : lc_time_now ());
  bind_text (stmt, 3, event->actor_id);
  bind_text (stmt, 4, event->action);
  bind_text (stmt, 5, event->object_type);
  bind_text (stmt, 6, event->object_id);
  bind_text (stmt, 7, event->client);
  bind_text (stmt, 8, event->details);
  return run_write_one (self, stmt, "store: insert audit event", "id", NULL, error);
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
  stmt = get_stmt (self, SQL_AUDIT_LIST, error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, filter->actor_id);
  bind_text (stmt, 2, filter->object_id);
  bind_text (stmt, 3, filter->action_prefix);
  sqlite3_bind_int64 (stmt, 4, filter->before_seq);
  bind_limit (stmt, 5, filter->limit);
  return collect_rows (self, stmt, (ReadRowFunc)read_audit_event,
                       (GDestroyNotify)lc_audit_event_free, seqs, "store: list audit events",
                       error);
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
  iface->insert_school = store_insert_school;
  iface->update_school = store_update_school;
  iface->get_school = store_get_school;
  iface->list_schools = store_list_schools;
  iface->insert_account = store_insert_account;
  iface->update_account = store_update_account;
  iface->get_account = store_get_account;
  iface->get_account_by_login = store_get_account_by_login;
  iface->list_accounts = store_list_accounts;
  iface->count_accounts = store_count_accounts;
  iface->insert_session = store_insert_session;
  iface->get_session = store_get_session;
  iface->touch_session = store_touch_session;
  iface->delete_session = store_delete_session;
  iface->delete_sessions_for_account = store_delete_sessions_for_account;
  iface->purge_expired_sessions = store_purge_expired_sessions;
  iface->insert_api_token = store_insert_api_token;
  iface->get_api_token_by_hash = store_get_api_token_by_hash;
  iface->list_api_tokens = store_list_api_tokens;
  iface->revoke_api_token = store_revoke_api_token;
  iface->touch_api_token = store_touch_api_token;
  iface->insert_lesson = store_insert_lesson;
  iface->update_lesson = store_update_lesson;
  iface->get_lesson = store_get_lesson;
  iface->list_lessons = store_list_lessons;
  iface->insert_recording = store_insert_recording;
  iface->update_recording = store_update_recording;
  iface->get_recording = store_get_recording;
  iface->list_recordings = store_list_recordings;
  iface->delete_recording = store_delete_recording;
  iface->set_lesson_status = store_set_lesson_status;
  iface->insert_audit_event = store_insert_audit_event;
  iface->list_audit_events = store_list_audit_events;
  iface->close = store_close;
}
