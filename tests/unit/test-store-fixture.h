/* test-store-fixture.h — what the store tests (test-store*.c) share: a fresh
 * migrated database file per test, a raw second connection, builders for
 * schools, accounts and lessons, lists of ids, and an LC_ERROR assertion. */
#pragma once

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "common/lc-crypto.h"
#include "common/lc-error.h"
#include "common/lc-store-sqlite.h"
#include "common/lc-time.h"
#include "lc-test-fs.h"

#define T0 G_GINT64_CONSTANT (1800000000) /* a fixed "now": 2027-01-15 */
#define HOUR 3600

typedef struct
{
  char *dir;
  char *path;
  LcStore *store;
} Fixture;

static inline void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LcStoreSqlite *sqlite;

  f->dir = lc_test_fs_make_tmp_dir ("lc-store-XXXXXX");
  f->path = g_build_filename (f->dir, LC_STORE_DB_FILENAME, NULL);
  sqlite = lc_store_sqlite_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (sqlite);
  f->store = LC_STORE (sqlite);
  g_assert_true (lc_store_migrate (f->store, &error));
  g_assert_no_error (error);
}

static inline void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_assert_cmpuint (G_OBJECT (f->store)->ref_count, ==, 1);
  lc_store_close (f->store);
  g_clear_object (&f->store);
  lc_test_fs_assert_remove_tree (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

/* Append id to a ","-separated list of ids. */
static inline void
append_id (GString *ids, const char *id)
{
  if (ids->len > 0)
    g_string_append_c (ids, ',');
  g_string_append (ids, id);
}

/* The NULL-terminated ids joined with "," ("" for none). (transfer full) */
static inline char *
join_ids (const char *first, ...)
{
  g_autoptr (GString) ids = g_string_new (NULL);
  va_list args;
  const char *id;

  va_start (args, first);
  for (id = first; id != NULL; id = va_arg (args, const char *))
    append_id (ids, id);
  va_end (args);
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

/* A raw second connection to the same file (checks from outside the store). */
static inline sqlite3 *
open_raw (Fixture *f)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (f->path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static inline char *
raw_query_text (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_text (stmt, 0) != NULL)
    value = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

/* ---- builders ---- */

static inline char *
add_school (LcStore *store, const char *name, const char *district)
{
  g_autoptr (LcSchool) school = lc_school_new ();
  g_autoptr (GError) error = NULL;

  school->id = lc_id_new ();
  school->name = g_strdup (name);
  school->short_name = g_strdup (name);
  school->district = g_strdup (district);
  school->created_at = school->updated_at = T0;
  g_assert_true (lc_store_insert_school (store, school, &error));
  g_assert_no_error (error);
  return g_strdup (school->id);
}

static inline char *
add_account (LcStore *store, const char *login, LcRole role, const char *school_id)
{
  g_autoptr (LcAccount) account = lc_account_new ();
  g_autoptr (GError) error = NULL;

  account->id = lc_id_new ();
  account->login = g_strdup (login);
  account->display_name = g_strdup (login);
  account->role = role;
  account->school_id = g_strdup (school_id);
  account->password_hash = g_strdup ("$scrypt$ln=10,r=8,p=1$AAAA$BBBB");
  account->created_at = account->updated_at = T0;
  g_assert_true (lc_store_insert_account (store, account, &error));
  g_assert_no_error (error);
  return g_strdup (account->id);
}

static inline LcLesson *
lesson_template (const char *school_id, const char *teacher_id, gint64 starts_at)
{
  LcLesson *lesson = lc_lesson_new ();

  lesson->id = lc_id_new ();
  lesson->title = g_strdup ("Открытый урок");
  lesson->description = g_strdup ("");
  lesson->subject = g_strdup ("Математика");
  lesson->grade = 7;
  lesson->school_id = g_strdup (school_id);
  lesson->teacher_id = g_strdup (teacher_id);
  lesson->starts_at = starts_at;
  lesson->ends_at = starts_at + 45 * 60;
  lesson->publish_key = lc_secret_new ("lpk");
  lesson->created_at = lesson->updated_at = T0;
  return lesson;
}

static inline char *
add_lesson (LcStore *store, const char *school_id, const char *teacher_id, gint64 starts_at,
            const char *subject, int grade, LcVisibility visibility, LcLessonStatus status)
{
  g_autoptr (LcLesson) lesson = lesson_template (school_id, teacher_id, starts_at);
  g_autoptr (GError) error = NULL;

  g_free (lesson->subject);
  lesson->subject = g_strdup (subject);
  lesson->grade = grade;
  lesson->visibility = visibility;
  lesson->status = status;
  g_assert_true (lc_store_insert_lesson (store, lesson, &error));
  g_assert_no_error (error);
  return g_strdup (lesson->id);
}

static inline LcLessonFilter
lesson_filter (LcLessonScope scope)
{
  LcLessonFilter filter = { 0 };

  filter.scope = scope;
  filter.status = -1;
  return filter;
}

static inline GPtrArray *
list_lessons (LcStore *store, const LcLessonFilter *filter)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *lessons = lc_store_list_lessons (store, filter, &error);

  g_assert_no_error (error);
  g_assert_nonnull (lessons);
  return lessons;
}

static inline void
assert_lc_error (GError *error, LcErrorCode code, const char *field)
{
  g_assert_error (error, LC_ERROR, (int)code);
  g_assert_cmpstr (lc_error_get_field (error), ==, field);
}
