/* lc-store-sqlite.h — the embedded SQLite backend of LcStore.
 *
 * WAL journal, foreign keys on, busy timeout, prepared statements only.
 * Migrations are numbered SQL scripts applied in order inside one transaction
 * each, tracked with PRAGMA user_version. Opening does not migrate: call
 * lc_store_migrate() (serve does at start-up; `lessoncast admin migrate` too).
 */
#pragma once

#include "lc-store.h"

G_BEGIN_DECLS

/* The database file inside the data directory (server.data_dir). */
#define LC_STORE_DB_FILENAME "lessoncast.db"

#define LC_TYPE_STORE_SQLITE (lc_store_sqlite_get_type ())
G_DECLARE_FINAL_TYPE (LcStoreSqlite, lc_store_sqlite, LC, STORE_SQLITE, GObject)

/* path: a file, or ":memory:". Creates the file (mode 0600) if missing. */
LcStoreSqlite *lc_store_sqlite_open (const char *path, GError **error);

/* For tests of migrations: apply migrations only up to version. */
gboolean lc_store_sqlite_migrate_to (LcStoreSqlite *store, int version, GError **error);

G_END_DECLS
