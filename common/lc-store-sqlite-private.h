/* lc-store-sqlite-private.h — what the files of the SQLite backend share.
 *
 * lc-store-sqlite.c: the object, opening, migrations, transactions, and the
 * statement cache with the helpers below; lc-store-sqlite-people.c: schools,
 * accounts, sessions, API tokens; lc-store-sqlite-lessons.c: lessons,
 * recordings, audit events; lc-store-sqlite-conferences.c: conferences,
 * invites, attendance. Each of the last three fills its part of the vtable.
 * Not installed; nothing outside these files includes it (tests may).
 */
#pragma once

#include <sqlite3.h>

#include "common/lc-store-sqlite.h"

G_BEGIN_DECLS

struct _LcStoreSqlite
{
  GObject parent_instance;

  sqlite3 *db;       /* NULL once closed */
  GHashTable *stmts; /* SQL text (static, not owned) → sqlite3_stmt* */
  gboolean in_transaction;
};

/* Existence checks shared by several files (bind ?1 = id). */
#define SQL_SCHOOL_EXISTS "SELECT 1 FROM schools WHERE id = ?1"
#define SQL_ACCOUNT_EXISTS "SELECT 1 FROM accounts WHERE id = ?1"
#define SQL_LESSON_EXISTS "SELECT 1 FROM lessons WHERE id = ?1"

/* A borrowed statement from the cache: g_autoptr (LcCachedStmt) resets it and
 * clears its bindings at the end of the scope (it stays cached). */
typedef sqlite3_stmt LcCachedStmt;

static inline void
lc_sql_release_stmt (LcCachedStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcCachedStmt, lc_sql_release_stmt)

/* Reads the current row into a new model struct (transfer full). */
typedef gpointer (*LcReadRowFunc) (sqlite3_stmt *stmt);
/* Binds every column of row to stmt; now is the time for updated_at. */
typedef void (*LcBindRowFunc) (sqlite3_stmt *stmt, gconstpointer row, gint64 now);

/* LC_ERROR_STORE when the store was closed. */
gboolean lc_sql_ensure_open (LcStoreSqlite *self, GError **error);
/* (transfer none) the cached statement for sql (a static text), prepared on first use. */
sqlite3_stmt *lc_sql_get_stmt (LcStoreSqlite *self, const char *sql, GError **error);

/* Binding: NULL text binds NULL; 0 binds NULL ("never", "not given"); limit 0 = none. */
void lc_sql_bind_text (sqlite3_stmt *stmt, int index, const char *value);
void lc_sql_bind_int64_or_null (sqlite3_stmt *stmt, int index, gint64 value);
void lc_sql_bind_limit (sqlite3_stmt *stmt, int index, guint limit);
/* A lesson scope at index (0 public, 1 public + school, 2 all) and its school at index + 1. */
void lc_sql_bind_scope (sqlite3_stmt *stmt, int index, LcLessonScope scope,
                        const char *scope_school_id);
/* A keyset cursor (time, id) at index and index + 1, when set. */
void lc_sql_bind_cursor (sqlite3_stmt *stmt, int index, gboolean set, gint64 after_time,
                         const char *after_id);
/* An enum filter value: -1 (any) gives NULL, a value of names gives its name,
 * anything else is LC_ERROR_INVALID naming field. */
gboolean lc_sql_enum_param (int value, const char *const *names, const char *field,
                            const char **name, GError **error);

/* Reading columns: a copy (NULL stays NULL), or borrowed text ("" for NULL). */
char *lc_sql_col_dup (sqlite3_stmt *stmt, int col);
const char *lc_sql_col_str (sqlite3_stmt *stmt, int col);

/* A failed sqlite3_step() as an LC_ERROR following the store conventions. */
void lc_sql_set_error (LcStoreSqlite *self, int rc, const char *what, const char *unique_field,
                       GError **error);
/* Sets LC_ERROR_NOT_FOUND "<what> not found"; returns FALSE. */
gboolean lc_sql_not_found (GError **error, const char *what);

/* Step a bound write to the end: changed rows, or -1 with error set. */
gint64 lc_sql_run_write (LcStoreSqlite *self, sqlite3_stmt *stmt, const char *what,
                         const char *unique_field, GError **error);
/* lc_sql_run_write that must change a row when missing is set (NOT_FOUND naming it). */
gboolean lc_sql_run_write_one (LcStoreSqlite *self, sqlite3_stmt *stmt, const char *what,
                               const char *unique_field, const char *missing, GError **error);
/* Insert or update one row: prepare sql, bind row with bind_row (now: the
 * current time) and run it with lc_sql_run_write_one. */
gboolean lc_sql_write_row (LcStoreSqlite *self, const char *sql, LcBindRowFunc bind_row,
                           gconstpointer row, const char *what, const char *unique_field,
                           const char *missing, GError **error);
/* A write keyed by ?1 with an optional text or time at ?2: changed rows or -1. */
gint64 lc_sql_write_by_key (LcStoreSqlite *self, const char *sql, const char *key,
                            const char *text2, gint64 time2, const char *missing, GError **error);
/* SQLITE_ROW, SQLITE_DONE, or -1 with error set. */
int lc_sql_step_row (LcStoreSqlite *self, sqlite3_stmt *stmt, const char *what, GError **error);
/* (transfer full) the row whose ?1 is key, or NULL with NOT_FOUND naming what. */
gpointer lc_sql_get_one (LcStoreSqlite *self, const char *sql, const char *key,
                         LcReadRowFunc read_row, const char *what, GError **error);
/* Every row of a bound query; seqs (nullable) receives column 0 as gint64. */
GPtrArray *lc_sql_collect_rows (LcStoreSqlite *self, sqlite3_stmt *stmt, LcReadRowFunc read_row,
                                GDestroyNotify free_row, GArray *seqs, const char *what,
                                GError **error);
/* LC_ERROR_INVALID naming field unless the row with this id exists (exists_sql
 * binds ?1). A NULL id is not checked. */
gboolean lc_sql_check_reference (LcStoreSqlite *self, const char *exists_sql, const char *id,
                                 const char *field, GError **error);

/* Run a fixed SQL script; first_value (nullable) receives column 0 of the first row. */
gboolean lc_sql_exec (sqlite3 *db, const char *sql, char **first_value, const char *what,
                      GError **error);
void lc_sql_rollback_quietly (LcStoreSqlite *self);

/* Savepoints (fixed names): atomic inside or outside lc_store_transaction(). */
gboolean lc_sql_savepoint (LcStoreSqlite *self, const char *name, GError **error);
/* Release when ok, else roll back to and release (quietly). Returns ok, or
 * FALSE with error set when the release itself fails. */
gboolean lc_sql_savepoint_end (LcStoreSqlite *self, const char *name, gboolean ok, GError **error);

/* Each part fills its vfuncs. */
void lc_store_sqlite_people_init (LcStoreInterface *iface);
void lc_store_sqlite_lessons_init (LcStoreInterface *iface);
void lc_store_sqlite_conferences_init (LcStoreInterface *iface);

G_END_DECLS
