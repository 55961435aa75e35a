/* test-store.c — the SQLite store (common/lc-store-sqlite) through the LcStore
 * interface: every method on a fresh temporary database file, the error
 * conventions (conflict, invalid reference, not found), lesson filters, scopes
 * and keyset pagination, lesson status changes, recordings (CRUD, scopes,
 * filters, newest-first keyset pagination, cascade with their lesson),
 * sessions, API tokens, audit, transactions, check(). */
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "common/lc-crypto.h"
#include "common/lc-error.h"
#include "common/lc-store-sqlite.h"
#include "common/lc-time.h"

#define T0 G_GINT64_CONSTANT (1800000000) /* a fixed "now": 2027-01-15 */
#define HOUR 3600

typedef struct
{
  char *dir;
  char *path;
  LcStore *store;
} Fixture;

static void
remove_tree (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_assert_cmpint (g_remove (child), ==, 0);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LcStoreSqlite *sqlite;

  f->dir = g_dir_make_tmp ("lc-store-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, LC_STORE_DB_FILENAME, NULL);
  sqlite = lc_store_sqlite_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (sqlite);
  f->store = LC_STORE (sqlite);
  g_assert_true (lc_store_migrate (f->store, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_assert_cmpuint (G_OBJECT (f->store)->ref_count, ==, 1);
  lc_store_close (f->store);
  g_clear_object (&f->store);
  remove_tree (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

/* A raw second connection to the same file (checks from outside the store). */
static sqlite3 *
open_raw (Fixture *f)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (f->path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static char *
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

static char *
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

static char *
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

static LcLesson *
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

static char *
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

static LcLessonFilter
lesson_filter (LcLessonScope scope)
{
  LcLessonFilter filter = { 0 };

  filter.scope = scope;
  filter.status = -1;
  return filter;
}

static GPtrArray *
list_lessons (LcStore *store, const LcLessonFilter *filter)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *lessons = lc_store_list_lessons (store, filter, &error);

  g_assert_no_error (error);
  g_assert_nonnull (lessons);
  return lessons;
}

static void
assert_lc_error (GError *error, LcErrorCode code, const char *field)
{
  g_assert_error (error, LC_ERROR, (int)code);
  g_assert_cmpstr (lc_error_get_field (error), ==, field);
}

/* ---- open ---- */

static void
test_open_pragmas (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *report = NULL;
  g_autofree char *journal_mode = NULL;
  struct stat st;
  sqlite3 *raw;

  /* Reported by the store's own connection. */
  g_assert_true (lc_store_check (f->store, &report, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (report, "journal_mode: wal\n"));
  g_assert_nonnull (strstr (report, "foreign_keys: on\n"));

  /* WAL is a property of the file: another connection sees it. */
  raw = open_raw (f);
  journal_mode = raw_query_text (raw, "PRAGMA journal_mode");
  g_assert_cmpstr (journal_mode, ==, "wal");
  sqlite3_close (raw);

  /* The database file is private to its owner. */
  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
test_open_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("lc-store-XXXXXX", NULL);
  g_autofree char *garbage = g_build_filename (dir, "garbage.db", NULL);
  g_autofree char *missing = g_build_filename (dir, "no", "such", "dir.db", NULL);
  g_autoptr (LcStoreSqlite) store = NULL;
  char junk[4096];

  memset (junk, 'x', sizeof junk);
  g_assert_true (g_file_set_contents (garbage, junk, sizeof junk, NULL));
  store = lc_store_sqlite_open (garbage, &error);
  g_assert_null (store);
  g_assert_error (error, LC_ERROR, LC_ERROR_STORE);
  g_test_message ("garbage: %s", error->message);
  g_clear_error (&error);

  store = lc_store_sqlite_open (missing, &error);
  g_assert_null (store);
  g_assert_error (error, LC_ERROR, LC_ERROR_STORE);
  g_clear_error (&error);

  g_assert_cmpint (g_remove (garbage), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_open_memory (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LcStoreSqlite) store = lc_store_sqlite_open (":memory:", &error);

  g_assert_no_error (error);
  g_assert_cmpint (lc_store_get_schema_version (LC_STORE (store)), ==, 0);
  g_assert_true (lc_store_migrate (LC_STORE (store), &error));
  g_assert_no_error (error);
  g_assert_cmpint (lc_store_get_schema_version (LC_STORE (store)), ==,
                   lc_store_get_latest_schema_version (LC_STORE (store)));
}

/* ---- schools ---- */

static void
test_schools (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LcSchool) school = lc_school_new ();
  g_autoptr (LcSchool) got = NULL;
  g_autoptr (LcSchool) missing = NULL;

  school->id = lc_id_new ();
  school->name = g_strdup ("ГБОУ «Школа № 57»");
  school->short_name = g_strdup ("Школа № 57");
  school->district = g_strdup ("Хамовники");
  school->address = g_strdup ("Малый Знаменский пер., 7/10");
  school->has_location = TRUE;
  school->latitude = 55.7469;
  school->longitude = 37.6014;
  school->website = g_strdup ("https://school57.example.ru");
  school->created_at = T0;
  school->updated_at = T0 + 1;
  g_assert_true (lc_store_insert_school (f->store, school, &error));
  g_assert_no_error (error);

  got = lc_store_get_school (f->store, school->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got->id, ==, school->id);
  g_assert_cmpstr (got->name, ==, "ГБОУ «Школа № 57»");
  g_assert_cmpstr (got->short_name, ==, "Школа № 57");
  g_assert_cmpstr (got->district, ==, "Хамовники");
  g_assert_cmpstr (got->address, ==, "Малый Знаменский пер., 7/10");
  g_assert_true (got->has_location);
  g_assert_cmpfloat (got->latitude, ==, 55.7469);
  g_assert_cmpfloat (got->longitude, ==, 37.6014);
  g_assert_cmpstr (got->website, ==, "https://school57.example.ru");
  g_assert_cmpint (got->created_at, ==, T0);
  g_assert_cmpint (got->updated_at, ==, T0 + 1);

  /* Same id again → conflict on id. */
  g_assert_false (lc_store_insert_school (f->store, school, &error));
  assert_lc_error (error, LC_ERROR_CONFLICT, "id");
  g_clear_error (&error);

  /* Update: optional fields cleared, created_at kept. */
  g_clear_pointer (&got->address, g_free);
  g_clear_pointer (&got->website, g_free);
  got->has_location = FALSE;
  g_free (got->name);
  got->name = g_strdup ("Школа № 57 имени В. В. Вавилова");
  got->created_at = 1; /* ignored by update */
  got->updated_at = T0 + 50;
  g_assert_true (lc_store_update_school (f->store, got, &error));
  g_assert_no_error (error);
  g_clear_pointer (&got, lc_school_free);
  got = lc_store_get_school (f->store, school->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got->name, ==, "Школа № 57 имени В. В. Вавилова");
  g_assert_null (got->address);
  g_assert_null (got->website);
  g_assert_false (got->has_location);
  g_assert_cmpint (got->created_at, ==, T0);
  g_assert_cmpint (got->updated_at, ==, T0 + 50);

  /* Missing ids; a NULL id (an operator's school) finds nothing too. */
  missing = lc_store_get_school (f->store, "AAAAAAAAAAAAAAAAAAAAAA", &error);
  g_assert_null (missing);
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (lc_store_get_school (f->store, NULL, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_free (got->id);
  got->id = g_strdup ("AAAAAAAAAAAAAAAAAAAAAA");
  g_assert_false (lc_store_update_school (f->store, got, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A CHECK constraint (latitude out of range) is a store error. */
  got->has_location = TRUE;
  got->latitude = 91;
  g_free (got->id);
  got->id = lc_id_new ();
  g_assert_false (lc_store_insert_school (f->store, got, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_STORE);
}

static void
test_schools_list (Fixture *f, gconstpointer data)
{
  static const char *const names[] = { "Лицей № 1535", "Гимназия № 1514", "Школа № 57",
                                       "Школа № 2",    "Школа № 1543",    "Школа № 2" };
  static const char *const districts[]
      = { "Хамовники", "Раменки", "Хамовники", "Гагаринский", "Раменки", "Раменки" };
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) all = NULL;
  g_autoptr (GPtrArray) walked = g_ptr_array_new_with_free_func (g_free);
  LcSchoolFilter filter = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_free (add_school (f->store, names[i], districts[i]));

  all = lc_store_list_schools (f->store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, G_N_ELEMENTS (names));
  for (guint i = 1; i < all->len; i++)
    {
      LcSchool *a = all->pdata[i - 1], *b = all->pdata[i];
      int cmp = strcmp (a->name, b->name);

      g_assert_true (cmp < 0 || (cmp == 0 && strcmp (a->id, b->id) < 0));
    }

  /* District filter. */
  filter.district = "Раменки";
  {
    g_autoptr (GPtrArray) ramenki = lc_store_list_schools (f->store, &filter, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (ramenki->len, ==, 3);
    for (guint i = 0; i < ramenki->len; i++)
      g_assert_cmpstr (((LcSchool *)ramenki->pdata[i])->district, ==, "Раменки");
  }

  /* Pages of 2 with the (name, id) cursor cover the list exactly, in order
   * (two schools share a name: the id breaks the tie). */
  filter.district = NULL;
  filter.limit = 2;
  for (;;)
    {
      g_autoptr (GPtrArray) page = lc_store_list_schools (f->store, &filter, &error);
      LcSchool *last;

      g_assert_no_error (error);
      g_assert_cmpuint (page->len, <=, 2);
      for (guint i = 0; i < page->len; i++)
        g_ptr_array_add (walked, g_strdup (((LcSchool *)page->pdata[i])->id));
      if (page->len < 2)
        break;
      last = page->pdata[page->len - 1];
      g_free ((char *)filter.after_name);
      g_free ((char *)filter.after_id);
      filter.after_name = g_strdup (last->name);
      filter.after_id = g_strdup (last->id);
    }
  g_free ((char *)filter.after_name);
  g_free ((char *)filter.after_id);
  g_assert_cmpuint (walked->len, ==, all->len);
  for (guint i = 0; i < all->len; i++)
    g_assert_cmpstr (walked->pdata[i], ==, ((LcSchool *)all->pdata[i])->id);
}

/* ---- accounts ---- */

static void
test_accounts (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *school = add_school (f->store, "Школа № 57", "Хамовники");
  g_autoptr (LcAccount) account = lc_account_new ();
  g_autoptr (LcAccount) got = NULL;
  g_autoptr (LcAccount) by_login = NULL;

  account->id = lc_id_new ();
  account->login = g_strdup ("Teacher.S57");
  account->display_name = g_strdup ("Анна Петровна Смирнова");
  account->role = LC_ROLE_TEACHER;
  account->school_id = g_strdup (school);
  account->password_hash = g_strdup ("$scrypt$ln=10,r=8,p=1$AAAA$BBBB");
  account->consent_publish_name = TRUE;
  account->created_at = T0;
  account->updated_at = T0;
  g_assert_true (lc_store_insert_account (f->store, account, &error));
  g_assert_no_error (error);

  got = lc_store_get_account (f->store, account->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got->login, ==, "teacher.s57"); /* stored lower-case */
  g_assert_cmpstr (got->display_name, ==, "Анна Петровна Смирнова");
  g_assert_cmpint (got->role, ==, LC_ROLE_TEACHER);
  g_assert_cmpstr (got->school_id, ==, school);
  g_assert_cmpstr (got->password_hash, ==, "$scrypt$ln=10,r=8,p=1$AAAA$BBBB");
  g_assert_true (got->consent_publish_name);
  g_assert_false (got->disabled);
  g_assert_cmpint (got->created_at, ==, T0);
  g_assert_cmpint (got->password_changed_at, ==, T0); /* defaults to created_at */

  by_login = lc_store_get_account_by_login (f->store, "TEACHER.s57", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (by_login->id, ==, account->id);

  /* The same login in another case conflicts, on field "login". */
  g_free (account->id);
  account->id = lc_id_new ();
  g_free (account->login);
  account->login = g_strdup ("TEACHER.S57");
  g_assert_false (lc_store_insert_account (f->store, account, &error));
  assert_lc_error (error, LC_ERROR_CONFLICT, "login");
  g_clear_error (&error);

  /* A missing school is an invalid school_id. */
  g_free (account->login);
  account->login = g_strdup ("other");
  g_free (account->school_id);
  account->school_id = g_strdup ("AAAAAAAAAAAAAAAAAAAAAA");
  g_assert_false (lc_store_insert_account (f->store, account, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "school_id");
  g_clear_error (&error);

  /* Update every mutable field. */
  got->role = LC_ROLE_COORDINATOR;
  got->disabled = TRUE;
  got->consent_publish_name = FALSE;
  g_free (got->password_hash);
  got->password_hash = g_strdup ("$scrypt$ln=10,r=8,p=1$CCCC$DDDD");
  got->password_changed_at = T0 + 10;
  got->updated_at = T0 + 10;
  g_assert_true (lc_store_update_account (f->store, got, &error));
  g_assert_no_error (error);
  g_clear_pointer (&by_login, lc_account_free);
  by_login = lc_store_get_account_by_login (f->store, "teacher.s57", &error);
  g_assert_no_error (error);
  g_assert_cmpint (by_login->role, ==, LC_ROLE_COORDINATOR);
  g_assert_true (by_login->disabled);
  g_assert_false (by_login->consent_publish_name);
  g_assert_cmpstr (by_login->password_hash, ==, "$scrypt$ln=10,r=8,p=1$CCCC$DDDD");
  g_assert_cmpint (by_login->password_changed_at, ==, T0 + 10);
  g_assert_cmpint (by_login->created_at, ==, T0);

  /* Update: missing id, missing school, login taken. */
  g_free (got->school_id);
  got->school_id = g_strdup ("AAAAAAAAAAAAAAAAAAAAAA");
  g_assert_false (lc_store_update_account (f->store, got, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "school_id");
  g_clear_error (&error);
  g_free (got->school_id);
  got->school_id = g_strdup (school);
  g_free (got->id);
  got->id = g_strdup ("AAAAAAAAAAAAAAAAAAAAAA");
  g_assert_false (lc_store_update_account (f->store, got, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  {
    g_autofree char *other = add_account (f->store, "other.s57", LC_ROLE_TEACHER, school);
    g_autoptr (LcAccount) acc = lc_store_get_account (f->store, other, &error);

    g_assert_no_error (error);
    g_free (acc->login);
    acc->login = g_strdup ("teacher.s57");
    g_assert_false (lc_store_update_account (f->store, acc, &error));
    assert_lc_error (error, LC_ERROR_CONFLICT, "login");
    g_clear_error (&error);
  }

  g_assert_null (lc_store_get_account (f->store, "AAAAAAAAAAAAAAAAAAAAAA", &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (lc_store_get_account_by_login (f->store, "nobody", &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
}

static void
test_accounts_list (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *s1 = add_school (f->store, "Школа № 57", "Хамовники");
  g_autofree char *s2 = add_school (f->store, "Лицей № 1535", "Хамовники");
  static const char *const logins[]
      = { "teacher.s57", "coord.s57", "teacher.l1535", "coord.l1535", "operator", "anna.s57" };
  LcAccountFilter filter = { .role = -1 };
  g_autoptr (GPtrArray) all = NULL;
  g_autofree char *after = NULL;
  guint seen = 0;

  g_free (add_account (f->store, logins[0], LC_ROLE_TEACHER, s1));
  g_free (add_account (f->store, logins[1], LC_ROLE_COORDINATOR, s1));
  g_free (add_account (f->store, logins[2], LC_ROLE_TEACHER, s2));
  g_free (add_account (f->store, logins[3], LC_ROLE_COORDINATOR, s2));
  g_free (add_account (f->store, logins[4], LC_ROLE_OPERATOR, NULL));
  g_free (add_account (f->store, logins[5], LC_ROLE_TEACHER, s1));

  all = lc_store_list_accounts (f->store, &filter, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 6);
  for (guint i = 1; i < all->len; i++)
    g_assert_cmpint (
        strcmp (((LcAccount *)all->pdata[i - 1])->login, ((LcAccount *)all->pdata[i])->login), <,
        0);

  filter.role = LC_ROLE_TEACHER;
  filter.school_id = s1;
  {
    g_autoptr (GPtrArray) teachers = lc_store_list_accounts (f->store, &filter, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (teachers->len, ==, 2);
    g_assert_cmpstr (((LcAccount *)teachers->pdata[0])->login, ==, "anna.s57");
    g_assert_cmpstr (((LcAccount *)teachers->pdata[1])->login, ==, "teacher.s57");
  }
  filter.role = LC_ROLE_OPERATOR;
  filter.school_id = NULL;
  {
    g_autoptr (GPtrArray) operators = lc_store_list_accounts (f->store, &filter, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (operators->len, ==, 1);
    g_assert_null (((LcAccount *)operators->pdata[0])->school_id);
  }

  /* Pages of 4 by login. */
  filter.role = -1;
  filter.limit = 4;
  for (;;)
    {
      g_autoptr (GPtrArray) page = NULL;

      filter.after_login = after;
      page = lc_store_list_accounts (f->store, &filter, &error);
      g_assert_no_error (error);
      for (guint i = 0; i < page->len; i++)
        g_assert_cmpstr (((LcAccount *)page->pdata[i])->id, ==,
                         ((LcAccount *)all->pdata[seen + i])->id);
      seen += page->len;
      if (page->len < filter.limit)
        break;
      g_free (after);
      after = g_strdup (((LcAccount *)page->pdata[page->len - 1])->login);
    }
  g_assert_cmpuint (seen, ==, 6);

  g_assert_cmpint (lc_store_count_accounts (f->store, -1, &error), ==, 6);
  g_assert_cmpint (lc_store_count_accounts (f->store, LC_ROLE_TEACHER, &error), ==, 3);
  g_assert_cmpint (lc_store_count_accounts (f->store, LC_ROLE_COORDINATOR, &error), ==, 2);
  g_assert_cmpint (lc_store_count_accounts (f->store, LC_ROLE_OPERATOR, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpint (lc_store_count_accounts (f->store, 7, &error), ==, -1);
  assert_lc_error (error, LC_ERROR_INVALID, "role");
  g_clear_error (&error);
  filter.role = 9;
  g_assert_null (lc_store_list_accounts (f->store, &filter, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "role");
}

/* ---- sessions ---- */

static void
add_session (LcStore *store, const char *hash, const char *account_id, gint64 expires_at)
{
  g_autoptr (LcSession) session = lc_session_new ();
  g_autoptr (GError) error = NULL;

  session->token_hash = g_strdup (hash);
  session->account_id = g_strdup (account_id);
  session->created_at = T0;
  session->expires_at = expires_at;
  g_assert_true (lc_store_insert_session (store, session, &error));
  g_assert_no_error (error);
}

static gboolean
session_exists (LcStore *store, const char *hash)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LcSession) session = lc_store_get_session (store, hash, &error);

  if (session == NULL)
    g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  return session != NULL;
}

static void
test_sessions (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *school = add_school (f->store, "Школа № 57", "Хамовники");
  g_autofree char *a = add_account (f->store, "a", LC_ROLE_TEACHER, school);
  g_autofree char *b = add_account (f->store, "b", LC_ROLE_TEACHER, school);
  g_autoptr (LcSession) got = NULL;

  add_session (f->store, "h-a1", a, T0 + HOUR);
  add_session (f->store, "h-a2", a, T0 + 2 * HOUR);
  add_session (f->store, "h-a3", a, T0 - 1); /* already expired */
  add_session (f->store, "h-b1", b, T0 + HOUR);

  got = lc_store_get_session (f->store, "h-a1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got->account_id, ==, a);
  g_assert_cmpint (got->created_at, ==, T0);
  g_assert_cmpint (got->expires_at, ==, T0 + HOUR);
  g_assert_cmpint (got->last_seen_at, ==, T0); /* defaults to created_at */

  g_assert_true (lc_store_touch_session (f->store, "h-a1", T0 + 60, &error));
  g_assert_no_error (error);
  g_clear_pointer (&got, lc_session_free);
  got = lc_store_get_session (f->store, "h-a1", &error);
  g_assert_cmpint (got->last_seen_at, ==, T0 + 60);
  g_assert_false (lc_store_touch_session (f->store, "nope", T0, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Duplicate hash, unknown account. */
  {
    g_autoptr (LcSession) dup = lc_session_new ();

    dup->token_hash = g_strdup ("h-a1");
    dup->account_id = g_strdup (b);
    dup->created_at = T0;
    dup->expires_at = T0 + 1;
    g_assert_false (lc_store_insert_session (f->store, dup, &error));
    g_assert_error (error, LC_ERROR, LC_ERROR_CONFLICT);
    g_clear_error (&error);
    g_free (dup->token_hash);
    dup->token_hash = g_strdup ("h-x");
    g_free (dup->account_id);
    dup->account_id = g_strdup ("AAAAAAAAAAAAAAAAAAAAAA");
    g_assert_false (lc_store_insert_session (f->store, dup, &error));
    assert_lc_error (error, LC_ERROR_INVALID, "account_id");
    g_clear_error (&error);
  }

  /* Purge removes exactly the expired one (expires_at <= now). */
  g_assert_cmpint (lc_store_purge_expired_sessions (f->store, T0, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_false (session_exists (f->store, "h-a3"));
  g_assert_true (session_exists (f->store, "h-a1"));
  g_assert_cmpint (lc_store_purge_expired_sessions (f->store, T0, &error), ==, 0);
  g_assert_cmpint (lc_store_purge_expired_sessions (f->store, T0 + HOUR, &error), ==, 2);
  g_assert_false (session_exists (f->store, "h-a1"));
  g_assert_false (session_exists (f->store, "h-b1"));
  g_assert_true (session_exists (f->store, "h-a2"));

  /* Revoke all sessions of a except the current one; b is untouched. */
  add_session (f->store, "h-a4", a, T0 + 3 * HOUR);
  add_session (f->store, "h-a5", a, T0 + 3 * HOUR);
  add_session (f->store, "h-b2", b, T0 + 3 * HOUR);
  g_assert_cmpint (lc_store_delete_sessions_for_account (f->store, a, "h-a4", &error), ==, 2);
  g_assert_no_error (error);
  g_assert_true (session_exists (f->store, "h-a4"));
  g_assert_false (session_exists (f->store, "h-a2"));
  g_assert_false (session_exists (f->store, "h-a5"));
  g_assert_true (session_exists (f->store, "h-b2"));
  g_assert_cmpint (lc_store_delete_sessions_for_account (f->store, a, NULL, &error), ==, 1);
  g_assert_false (session_exists (f->store, "h-a4"));
  g_assert_cmpint (lc_store_delete_sessions_for_account (f->store, a, NULL, &error), ==, 0);

  g_assert_true (lc_store_delete_session (f->store, "h-b2", &error));
  g_assert_no_error (error);
  g_assert_false (session_exists (f->store, "h-b2"));
  g_assert_false (lc_store_delete_session (f->store, "h-b2", &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
}

/* ---- API tokens ---- */

static char *
add_token (LcStore *store, const char *account_id, const char *name, const char *hash)
{
  g_autoptr (LcApiToken) token = lc_api_token_new ();
  g_autoptr (GError) error = NULL;

  token->id = lc_id_new ();
  token->account_id = g_strdup (account_id);
  token->name = g_strdup (name);
  token->token_hash = g_strdup (hash);
  token->created_at = T0;
  g_assert_true (lc_store_insert_api_token (store, token, &error));
  g_assert_no_error (error);
  return g_strdup (token->id);
}

static void
test_api_tokens (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *school = add_school (f->store, "Школа № 57", "Хамовники");
  g_autofree char *a = add_account (f->store, "a", LC_ROLE_TEACHER, school);
  g_autofree char *b = add_account (f->store, "b", LC_ROLE_TEACHER, school);
  g_autofree char *t1 = add_token (f->store, a, "portal sync", "hash-1");
  g_autofree char *t2 = add_token (f->store, a, "backup", "hash-2");
  g_autofree char *t3 = add_token (f->store, b, "b's", "hash-3");
  g_autoptr (LcApiToken) got = NULL;
  g_autoptr (GPtrArray) list = NULL;

  got = lc_store_get_api_token_by_hash (f->store, "hash-1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got->id, ==, t1);
  g_assert_cmpstr (got->account_id, ==, a);
  g_assert_cmpstr (got->name, ==, "portal sync");
  g_assert_cmpint (got->created_at, ==, T0);
  g_assert_cmpint (got->last_used_at, ==, 0);
  g_assert_cmpint (got->expires_at, ==, 0);
  g_assert_false (got->revoked);

  list = lc_store_list_api_tokens (f->store, a, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* Duplicate hash conflicts. */
  {
    g_autoptr (LcApiToken) dup = lc_api_token_new ();

    dup->id = lc_id_new ();
    dup->account_id = g_strdup (a);
    dup->name = g_strdup ("dup");
    dup->token_hash = g_strdup ("hash-1");
    g_assert_false (lc_store_insert_api_token (f->store, dup, &error));
    assert_lc_error (error, LC_ERROR_CONFLICT, "token_hash");
    g_clear_error (&error);
  }

  /* Touch. */
  g_assert_true (lc_store_touch_api_token (f->store, t1, T0 + 5, &error));
  g_assert_no_error (error);
  g_clear_pointer (&got, lc_api_token_free);
  got = lc_store_get_api_token_by_hash (f->store, "hash-1", &error);
  g_assert_cmpint (got->last_used_at, ==, T0 + 5);
  g_assert_false (lc_store_touch_api_token (f->store, "AAAAAAAAAAAAAAAAAAAAAA", T0, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Ownership: b cannot revoke a's token. */
  g_assert_false (lc_store_revoke_api_token (f->store, t1, b, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_pointer (&got, lc_api_token_free);
  got = lc_store_get_api_token_by_hash (f->store, "hash-1", &error);
  g_assert_false (got->revoked);

  g_assert_true (lc_store_revoke_api_token (f->store, t1, a, &error));
  g_assert_no_error (error);
  g_clear_pointer (&got, lc_api_token_free);
  got = lc_store_get_api_token_by_hash (f->store, "hash-1", &error);
  g_assert_true (got->revoked); /* still found by hash, marked revoked */
  g_assert_false (lc_store_revoke_api_token (f->store, t1, a, &error)); /* twice */
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);

  list = lc_store_list_api_tokens (f->store, a, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1); /* revoked tokens are not listed */
  g_assert_cmpstr (((LcApiToken *)list->pdata[0])->id, ==, t2);

  /* NULL account: any owner (operator). */
  g_assert_true (lc_store_revoke_api_token (f->store, t3, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (lc_store_get_api_token_by_hash (f->store, "hash-404", &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
}

/* ---- lessons ---- */

static void
test_lessons (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *school = add_school (f->store, "Школа № 57", "Хамовники");
  g_autofree char *teacher = add_account (f->store, "teacher.s57", LC_ROLE_TEACHER, school);
  g_autoptr (LcLesson) lesson = lesson_template (school, teacher, T0 + HOUR);
  g_autoptr (LcLesson) got = NULL;

  g_free (lesson->description);
  lesson->description = g_strdup ("Строка 1\nСтрока 2");
  lesson->visibility = LC_VISIBILITY_UNLISTED;
  lesson->recording = FALSE;
  g_assert_true (lc_store_insert_lesson (f->store, lesson, &error));
  g_assert_no_error (error);

  got = lc_store_get_lesson (f->store, lesson->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got->title, ==, "Открытый урок");
  g_assert_cmpstr (got->description, ==, "Строка 1\nСтрока 2");
  g_assert_cmpstr (got->subject, ==, "Математика");
  g_assert_cmpint (got->grade, ==, 7);
  g_assert_cmpstr (got->school_id, ==, school);
  g_assert_cmpstr (got->teacher_id, ==, teacher);
  g_assert_cmpint (got->starts_at, ==, T0 + HOUR);
  g_assert_cmpint (got->ends_at, ==, T0 + HOUR + 45 * 60);
  g_assert_cmpint (got->visibility, ==, LC_VISIBILITY_UNLISTED);
  g_assert_false (got->recording);
  g_assert_cmpint (got->status, ==, LC_LESSON_SCHEDULED);
  g_assert_cmpstr (got->publish_key, ==, lesson->publish_key);
  g_assert_cmpint (got->created_at, ==, T0);

  /* Update (grade cleared, status, key rotated). */
  got->grade = 0;
  got->status = LC_LESSON_CANCELLED;
  g_free (got->publish_key);
  got->publish_key = lc_secret_new ("lpk");
  got->updated_at = T0 + 9;
  g_assert_true (lc_store_update_lesson (f->store, got, &error));
  g_assert_no_error (error);
  {
    g_autoptr (LcLesson) again = lc_store_get_lesson (f->store, lesson->id, &error);

    g_assert_no_error (error);
    g_assert_cmpint (again->grade, ==, 0);
    g_assert_cmpint (again->status, ==, LC_LESSON_CANCELLED);
    g_assert_cmpstr (again->publish_key, ==, got->publish_key);
    g_assert_cmpstr (again->publish_key, !=, lesson->publish_key);
    g_assert_cmpint (again->updated_at, ==, T0 + 9);
  }

  /* References: each missing one named. */
  g_free (lesson->id);
  lesson->id = lc_id_new ();
  g_free (lesson->school_id);
  lesson->school_id = g_strdup ("AAAAAAAAAAAAAAAAAAAAAA");
  g_assert_false (lc_store_insert_lesson (f->store, lesson, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "school_id");
  g_clear_error (&error);
  g_free (lesson->school_id);
  lesson->school_id = g_strdup (school);
  g_free (lesson->teacher_id);
  lesson->teacher_id = g_strdup ("AAAAAAAAAAAAAAAAAAAAAA");
  g_assert_false (lc_store_insert_lesson (f->store, lesson, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "teacher_id");
  g_clear_error (&error);
  g_assert_false (lc_store_update_lesson (f->store, lesson, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "teacher_id");
  g_clear_error (&error);

  /* Update of a missing id. */
  g_free (lesson->teacher_id);
  lesson->teacher_id = g_strdup (teacher);
  g_assert_false (lc_store_update_lesson (f->store, lesson, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (lc_store_get_lesson (f->store, lesson->id, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* The schema refuses an end before the start (a store error, not silent). */
  lesson->ends_at = lesson->starts_at;
  g_assert_false (lc_store_insert_lesson (f->store, lesson, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_STORE);
  g_assert_null (strstr (error->message, lesson->publish_key)); /* never values */
}

typedef struct
{
  char *school[3]; /* s0, s1 in "Хамовники"; s2 in "Раменки" */
  char *teacher[3];
  char *pub_math;      /* s0, public, Математика 5, scheduled, T0+1h */
  char *unlisted_phys; /* s0, unlisted, Физика 9, scheduled, T0+2h */
  char *pub_chem_live; /* s1, public, Химия 9, live, T0+3h */
  char *unlisted_math; /* s1, unlisted, математика 5, ended, T0+4h */
  char *pub_hist;      /* s2, public, История 11, cancelled, T0+5h */
} Dataset;

static void
dataset_fill (Dataset *d, LcStore *store)
{
  static const char *const names[] = { "Школа № 57", "Лицей № 1535", "Гимназия № 1543" };
  static const char *const districts[] = { "Хамовники", "Хамовники", "Раменки" };

  for (int i = 0; i < 3; i++)
    {
      g_autofree char *login = g_strdup_printf ("teacher.%d", i);

      d->school[i] = add_school (store, names[i], districts[i]);
      d->teacher[i] = add_account (store, login, LC_ROLE_TEACHER, d->school[i]);
    }
  d->pub_math = add_lesson (store, d->school[0], d->teacher[0], T0 + HOUR, "Математика", 5,
                            LC_VISIBILITY_PUBLIC, LC_LESSON_SCHEDULED);
  d->unlisted_phys = add_lesson (store, d->school[0], d->teacher[0], T0 + 2 * HOUR, "Физика", 9,
                                 LC_VISIBILITY_UNLISTED, LC_LESSON_SCHEDULED);
  d->pub_chem_live = add_lesson (store, d->school[1], d->teacher[1], T0 + 3 * HOUR, "Химия", 9,
                                 LC_VISIBILITY_PUBLIC, LC_LESSON_LIVE);
  d->unlisted_math = add_lesson (store, d->school[1], d->teacher[1], T0 + 4 * HOUR, "математика", 5,
                                 LC_VISIBILITY_UNLISTED, LC_LESSON_ENDED);
  d->pub_hist = add_lesson (store, d->school[2], d->teacher[2], T0 + 5 * HOUR, "История", 11,
                            LC_VISIBILITY_PUBLIC, LC_LESSON_CANCELLED);
}

static void
dataset_clear (Dataset *d)
{
  for (int i = 0; i < 3; i++)
    {
      g_free (d->school[i]);
      g_free (d->teacher[i]);
    }
  g_free (d->pub_math);
  g_free (d->unlisted_phys);
  g_free (d->pub_chem_live);
  g_free (d->unlisted_math);
  g_free (d->pub_hist);
}

/* The ids of the listed lessons, in order, joined with ",". */
static char *
list_ids (LcStore *store, const LcLessonFilter *filter)
{
  g_autoptr (GPtrArray) lessons = list_lessons (store, filter);
  g_autoptr (GString) ids = g_string_new (NULL);

  for (guint i = 0; i < lessons->len; i++)
    {
      LcLesson *lesson = lessons->pdata[i];

      if (i > 0)
        {
          LcLesson *prev = lessons->pdata[i - 1];

          g_assert_cmpint (prev->starts_at, <=, lesson->starts_at);
          g_string_append_c (ids, ',');
        }
      g_string_append (ids, lesson->id);
    }
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

static char *
join_ids (const char *first, ...)
{
  GString *ids = g_string_new (first);
  const char *id;
  va_list args;

  va_start (args, first);
  while ((id = va_arg (args, const char *)) != NULL)
    {
      g_string_append_c (ids, ',');
      g_string_append (ids, id);
    }
  va_end (args);
  return g_string_free (ids, FALSE);
}

#define assert_ids(store, filter, ...)                                                             \
  G_STMT_START                                                                                     \
  {                                                                                                \
    g_autofree char *_got = list_ids ((store), (filter));                                          \
    g_autofree char *_want = join_ids (__VA_ARGS__, NULL);                                         \
    g_assert_cmpstr (_got, ==, _want);                                                             \
  }                                                                                                \
  G_STMT_END

static void
test_lessons_scopes (Fixture *f, gconstpointer data)
{
  Dataset d = { 0 };
  LcLessonFilter filter;

  dataset_fill (&d, f->store);

  filter = lesson_filter (LC_LESSON_SCOPE_PUBLIC);
  assert_ids (f->store, &filter, d.pub_math, d.pub_chem_live, d.pub_hist);
  filter.scope_school_id = d.school[0]; /* ignored outside the school scope */
  assert_ids (f->store, &filter, d.pub_math, d.pub_chem_live, d.pub_hist);

  filter = lesson_filter (LC_LESSON_SCOPE_SCHOOL);
  filter.scope_school_id = d.school[0];
  assert_ids (f->store, &filter, d.pub_math, d.unlisted_phys, d.pub_chem_live, d.pub_hist);
  filter.scope_school_id = d.school[1];
  assert_ids (f->store, &filter, d.pub_math, d.pub_chem_live, d.unlisted_math, d.pub_hist);
  filter.scope_school_id = NULL; /* no school: public only */
  assert_ids (f->store, &filter, d.pub_math, d.pub_chem_live, d.pub_hist);

  filter = lesson_filter (LC_LESSON_SCOPE_ALL);
  assert_ids (f->store, &filter, d.pub_math, d.unlisted_phys, d.pub_chem_live, d.unlisted_math,
              d.pub_hist);

  /* A NULL filter is the public view. */
  {
    g_autoptr (GPtrArray) lessons = list_lessons (f->store, NULL);

    g_assert_cmpuint (lessons->len, ==, 3);
  }
  dataset_clear (&d);
}

static void
test_lessons_filters (Fixture *f, gconstpointer data)
{
  Dataset d = { 0 };
  LcLessonFilter filter;
  g_autoptr (GError) error = NULL;

  dataset_fill (&d, f->store);

  filter = lesson_filter (LC_LESSON_SCOPE_ALL);
  filter.district = "Хамовники";
  assert_ids (f->store, &filter, d.pub_math, d.unlisted_phys, d.pub_chem_live, d.unlisted_math);
  filter.district = "Раменки";
  assert_ids (f->store, &filter, d.pub_hist);
  filter.district = "Тверской";
  assert_ids (f->store, &filter, "");

  filter = lesson_filter (LC_LESSON_SCOPE_ALL);
  filter.school_id = d.school[1];
  assert_ids (f->store, &filter, d.pub_chem_live, d.unlisted_math);

  filter = lesson_filter (LC_LESSON_SCOPE_ALL);
  filter.teacher_id = d.teacher[0];
  assert_ids (f->store, &filter, d.pub_math, d.unlisted_phys);

  /* Subject: exact but case-insensitive, Cyrillic included. */
  filter = lesson_filter (LC_LESSON_SCOPE_ALL);
  filter.subject = "МАТЕМАТИКА";
  assert_ids (f->store, &filter, d.pub_math, d.unlisted_math);
  filter.subject = "Матем";
  assert_ids (f->store, &filter, "");

  filter = lesson_filter (LC_LESSON_SCOPE_ALL);
  filter.grade = 9;
  assert_ids (f->store, &filter, d.unlisted_phys, d.pub_chem_live);

  filter = lesson_filter (LC_LESSON_SCOPE_ALL);
  filter.status = LC_LESSON_LIVE;
  assert_ids (f->store, &filter, d.pub_chem_live);
  filter.status = LC_LESSON_SCHEDULED;
  assert_ids (f->store, &filter, d.pub_math, d.unlisted_phys);
  filter.status = LC_LESSON_CANCELLED;
  assert_ids (f->store, &filter, d.pub_hist);
  filter.status = 17;
  g_assert_null (lc_store_list_lessons (f->store, &filter, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "status");
  g_clear_error (&error);

  /* Date range: starts_at in [from, before). */
  filter = lesson_filter (LC_LESSON_SCOPE_ALL);
  filter.starts_from = T0 + 2 * HOUR;
  filter.starts_before = T0 + 4 * HOUR;
  assert_ids (f->store, &filter, d.unlisted_phys, d.pub_chem_live);
  filter.starts_before = 0;
  assert_ids (f->store, &filter, d.unlisted_phys, d.pub_chem_live, d.unlisted_math, d.pub_hist);

  /* Filters combine, and with the scope. */
  filter = lesson_filter (LC_LESSON_SCOPE_PUBLIC);
  filter.district = "Хамовники";
  filter.subject = "математика";
  assert_ids (f->store, &filter, d.pub_math);
  filter = lesson_filter (LC_LESSON_SCOPE_SCHOOL);
  filter.scope_school_id = d.school[1];
  filter.grade = 5;
  assert_ids (f->store, &filter, d.pub_math, d.unlisted_math);

  /* limit */
  filter = lesson_filter (LC_LESSON_SCOPE_ALL);
  filter.limit = 2;
  assert_ids (f->store, &filter, d.pub_math, d.unlisted_phys);
  dataset_clear (&d);
}

/* Walk every page of a listing with the (starts_at, id) cursor and compare to
 * the unpaged listing: same ids, same order, no duplicates, no gaps. */
static void
walk_pages (LcStore *store, LcLessonFilter filter, guint page_size, guint expected)
{
  g_autoptr (GPtrArray) all = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *after_id = NULL;
  guint pos = 0, pages = 0;

  filter.limit = 0;
  filter.after_set = FALSE;
  all = list_lessons (store, &filter);
  g_assert_cmpuint (all->len, ==, expected);

  filter.limit = page_size;
  for (;;)
    {
      g_autoptr (GPtrArray) page = list_lessons (store, &filter);
      LcLesson *last;

      pages++;
      g_assert_cmpuint (page->len, <=, page_size);
      for (guint i = 0; i < page->len; i++)
        {
          LcLesson *lesson = page->pdata[i];

          g_assert_true (g_hash_table_add (seen, g_strdup (lesson->id))); /* no duplicate */
          g_assert_cmpuint (pos, <, all->len);
          g_assert_cmpstr (lesson->id, ==, ((LcLesson *)all->pdata[pos])->id); /* no gap */
          pos++;
        }
      if (page->len < page_size)
        break;
      last = page->pdata[page->len - 1];
      filter.after_set = TRUE;
      filter.after_starts_at = last->starts_at;
      g_free (after_id);
      after_id = g_strdup (last->id);
      filter.after_id = after_id;
    }
  g_assert_cmpuint (pos, ==, expected);
  g_assert_cmpuint (pages, ==, expected / page_size + 1);
}

static void
test_lessons_pagination (Fixture *f, gconstpointer data)
{
  g_autofree char *s0 = add_school (f->store, "Школа № 57", "Хамовники");
  g_autofree char *s1 = add_school (f->store, "Гимназия № 1543", "Раменки");
  g_autofree char *t0 = add_account (f->store, "t0", LC_ROLE_TEACHER, s0);
  g_autofree char *t1 = add_account (f->store, "t1", LC_ROLE_TEACHER, s1);
  LcLessonFilter filter;
  guint n_public = 0, n_s1 = 0;

  /* 41 lessons; many share a start time, so the id must break ties. */
  for (int i = 0; i < 41; i++)
    {
      gboolean in_s1 = i % 3 == 0;
      LcVisibility visibility = i % 4 == 0 ? LC_VISIBILITY_UNLISTED : LC_VISIBILITY_PUBLIC;

      g_free (add_lesson (f->store, in_s1 ? s1 : s0, in_s1 ? t1 : t0, T0 + (i % 7) * HOUR,
                          i % 2 ? "Математика" : "Физика", 1 + i % 11, visibility,
                          LC_LESSON_SCHEDULED));
      n_public += visibility == LC_VISIBILITY_PUBLIC;
      n_s1 += in_s1;
    }

  filter = lesson_filter (LC_LESSON_SCOPE_ALL);
  walk_pages (f->store, filter, 5, 41);
  walk_pages (f->store, filter, 1, 41);
  walk_pages (f->store, filter, 41, 41);
  walk_pages (f->store, filter, 100, 41);

  filter = lesson_filter (LC_LESSON_SCOPE_PUBLIC);
  walk_pages (f->store, filter, 4, n_public);

  filter = lesson_filter (LC_LESSON_SCOPE_ALL);
  filter.district = "Раменки";
  walk_pages (f->store, filter, 3, n_s1);
}

/* ---- lesson status ---- */

static void
test_lessons_set_status (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *school = add_school (f->store, "Школа № 57", "Хамовники");
  g_autofree char *teacher = add_account (f->store, "teacher.s57", LC_ROLE_TEACHER, school);
  g_autofree char *id = add_lesson (f->store, school, teacher, T0 + HOUR, "Математика", 6,
                                    LC_VISIBILITY_PUBLIC, LC_LESSON_SCHEDULED);
  g_autoptr (LcLesson) before = lc_store_get_lesson (f->store, id, &error);
  g_autoptr (LcLesson) after = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (before->updated_at, ==, T0);
  g_assert_true (lc_store_set_lesson_status (f->store, id, LC_LESSON_LIVE, &error));
  g_assert_no_error (error);
  after = lc_store_get_lesson (f->store, id, &error);
  g_assert_cmpint (after->status, ==, LC_LESSON_LIVE);
  g_assert_cmpint (after->updated_at, >=, lc_time_now () - 5); /* touched */
  /* Nothing else changes. */
  g_assert_cmpstr (after->title, ==, before->title);
  g_assert_cmpstr (after->publish_key, ==, before->publish_key);
  g_assert_cmpint (after->starts_at, ==, before->starts_at);
  g_assert_cmpint (after->visibility, ==, before->visibility);
  g_assert_cmpint (after->created_at, ==, before->created_at);
  g_clear_pointer (&after, lc_lesson_free);

  g_assert_true (lc_store_set_lesson_status (f->store, id, LC_LESSON_ENDED, &error));
  after = lc_store_get_lesson (f->store, id, &error);
  g_assert_cmpint (after->status, ==, LC_LESSON_ENDED);

  g_assert_false (lc_store_set_lesson_status (f->store, "AAAAAAAAAAAAAAAAAAAAAA", LC_LESSON_LIVE,
                                              &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lc_store_set_lesson_status (f->store, NULL, LC_LESSON_LIVE, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lc_store_set_lesson_status (f->store, id, (LcLessonStatus)7, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "status");
}

/* ---- recordings ---- */

static LcRecording *
recording_template (const char *lesson_id, gint64 started_at)
{
  LcRecording *recording = lc_recording_new ();

  recording->id = lc_id_new ();
  recording->lesson_id = g_strdup (lesson_id);
  recording->path = g_strdup_printf ("%s/%s.part.mp4", lesson_id, recording->id);
  recording->video_codec = g_strdup ("h264");
  recording->audio_codec = g_strdup ("opus");
  recording->started_at = started_at;
  recording->created_at = recording->updated_at = T0;
  return recording;
}

static char *
add_recording (LcStore *store, const char *lesson_id, gint64 started_at, LcRecordingState state)
{
  g_autoptr (LcRecording) recording = recording_template (lesson_id, started_at);
  g_autoptr (GError) error = NULL;

  recording->state = state;
  if (state == LC_RECORDING_FAILED)
    recording->failure_reason = g_strdup ("disk full while writing x");
  g_assert_true (lc_store_insert_recording (store, recording, &error));
  g_assert_no_error (error);
  return g_strdup (recording->id);
}

static void
test_recordings_crud (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *school = add_school (f->store, "Школа № 57", "Хамовники");
  g_autofree char *teacher = add_account (f->store, "teacher.s57", LC_ROLE_TEACHER, school);
  g_autofree char *lesson = add_lesson (f->store, school, teacher, T0, "Математика", 6,
                                        LC_VISIBILITY_PUBLIC, LC_LESSON_LIVE);
  g_autoptr (LcRecording) recording = recording_template (lesson, T0 + 60);
  g_autoptr (LcRecording) got = NULL;

  g_assert_true (lc_store_insert_recording (f->store, recording, &error));
  g_assert_no_error (error);
  got = lc_store_get_recording (f->store, recording->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got->id, ==, recording->id);
  g_assert_cmpstr (got->lesson_id, ==, lesson);
  g_assert_cmpint (got->state, ==, LC_RECORDING_RECORDING);
  g_assert_null (got->failure_reason);
  g_assert_cmpint (got->progress, ==, 0);
  g_assert_cmpstr (got->path, ==, recording->path);
  g_assert_cmpint (got->duration_ms, ==, 0);
  g_assert_cmpint (got->size_bytes, ==, 0);
  g_assert_cmpstr (got->video_codec, ==, "h264");
  g_assert_cmpstr (got->audio_codec, ==, "opus");
  g_assert_null (got->sha256);
  g_assert_cmpint (got->started_at, ==, T0 + 60);
  g_assert_cmpint (got->ended_at, ==, 0); /* still live */
  g_assert_cmpint (got->created_at, ==, T0);
  g_assert_cmpint (got->updated_at, ==, T0);
  g_clear_pointer (&got, lc_recording_free);

  /* Same id again; a lesson that does not exist. */
  g_assert_false (lc_store_insert_recording (f->store, recording, &error));
  assert_lc_error (error, LC_ERROR_CONFLICT, "id");
  g_clear_error (&error);
  {
    g_autoptr (LcRecording) orphan = recording_template ("AAAAAAAAAAAAAAAAAAAAAA", T0);

    g_assert_false (lc_store_insert_recording (f->store, orphan, &error));
    assert_lc_error (error, LC_ERROR_INVALID, "lesson_id");
    g_clear_error (&error);
  }

  /* finalizing with progress, then ready with the figures. */
  recording->state = LC_RECORDING_FINALIZING;
  recording->progress = 40;
  recording->ended_at = T0 + 2760;
  recording->updated_at = T0 + 2761;
  g_assert_true (lc_store_update_recording (f->store, recording, &error));
  g_assert_no_error (error);
  got = lc_store_get_recording (f->store, recording->id, &error);
  g_assert_cmpint (got->state, ==, LC_RECORDING_FINALIZING);
  g_assert_cmpint (got->progress, ==, 40);
  g_assert_cmpint (got->ended_at, ==, T0 + 2760);
  g_clear_pointer (&got, lc_recording_free);

  recording->state = LC_RECORDING_READY;
  recording->progress = 100;
  g_free (recording->path);
  recording->path = g_strdup_printf ("%s/%s.mp4", lesson, recording->id);
  recording->duration_ms = 2700123;
  recording->size_bytes = G_GINT64_CONSTANT (5000000000); /* past 32 bits */
  recording->sha256 = g_strdup ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  g_free (recording->lesson_id);
  recording->lesson_id = g_strdup ("AAAAAAAAAAAAAAAAAAAAAA"); /* ignored: a recording keeps its lesson */
  recording->created_at = 1; /* ignored by update */
  recording->updated_at = T0 + 2765;
  g_assert_true (lc_store_update_recording (f->store, recording, &error));
  g_assert_no_error (error);
  got = lc_store_get_recording (f->store, recording->id, &error);
  g_assert_cmpint (got->state, ==, LC_RECORDING_READY);
  g_assert_cmpint (got->progress, ==, 100);
  g_assert_true (g_str_has_suffix (got->path, ".mp4") && !g_str_has_suffix (got->path, "part.mp4"));
  g_assert_cmpint (got->duration_ms, ==, 2700123);
  g_assert_cmpint (got->size_bytes, ==, G_GINT64_CONSTANT (5000000000));
  g_assert_cmpstr (got->sha256, ==, recording->sha256);
  g_assert_cmpstr (got->lesson_id, ==, lesson);
  g_assert_cmpint (got->created_at, ==, T0);
  g_assert_cmpint (got->updated_at, ==, T0 + 2765);
  g_clear_pointer (&got, lc_recording_free);

  /* The schema refuses what makes no sense: failed without a reason, a
   * progress past 100, an unknown state. The row stays as it was. */
  recording->state = LC_RECORDING_FAILED;
  g_assert_false (lc_store_update_recording (f->store, recording, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_STORE);
  g_clear_error (&error);
  recording->state = LC_RECORDING_READY;
  recording->progress = 101;
  g_assert_false (lc_store_update_recording (f->store, recording, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_STORE);
  g_clear_error (&error);
  recording->progress = 100;
  recording->state = (LcRecordingState)9;
  g_assert_false (lc_store_update_recording (f->store, recording, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_STORE);
  g_clear_error (&error);
  got = lc_store_get_recording (f->store, recording->id, &error);
  g_assert_cmpint (got->state, ==, LC_RECORDING_READY);
  g_clear_pointer (&got, lc_recording_free);

  /* failed with a reason. */
  recording->state = LC_RECORDING_FAILED;
  recording->failure_reason = g_strdup ("disk full while writing x.part.mp4");
  g_assert_true (lc_store_update_recording (f->store, recording, &error));
  got = lc_store_get_recording (f->store, recording->id, &error);
  g_assert_cmpint (got->state, ==, LC_RECORDING_FAILED);
  g_assert_cmpstr (got->failure_reason, ==, "disk full while writing x.part.mp4");
  g_clear_pointer (&got, lc_recording_free);

  /* Missing ids. */
  g_assert_null (lc_store_get_recording (f->store, "AAAAAAAAAAAAAAAAAAAAAA", &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (lc_store_get_recording (f->store, NULL, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  {
    g_autoptr (LcRecording) missing = recording_template (lesson, T0);

    g_assert_false (lc_store_update_recording (f->store, missing, &error));
    g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }

  /* Delete. */
  g_assert_true (lc_store_delete_recording (f->store, recording->id, &error));
  g_assert_no_error (error);
  g_assert_null (lc_store_get_recording (f->store, recording->id, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lc_store_delete_recording (f->store, recording->id, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lc_store_delete_recording (f->store, NULL, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
}

/* The ids of the listed recordings, in order, joined with ",". */
static char *
list_recording_ids (LcStore *store, const LcRecordingFilter *filter)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = lc_store_list_recordings (store, filter, &error);
  g_autoptr (GString) ids = g_string_new (NULL);

  g_assert_no_error (error);
  g_assert_nonnull (rows);
  for (guint i = 0; i < rows->len; i++)
    g_string_append_printf (ids, "%s%s", i > 0 ? "," : "", ((LcRecording *)rows->pdata[i])->id);
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

#define assert_recordings(store, filter, ...)                                                      \
  G_STMT_START                                                                                     \
  {                                                                                                \
    g_autofree char *got_ = list_recording_ids ((store), (filter));                                \
    g_autofree char *want_ = join_ids (__VA_ARGS__, NULL);                                         \
    g_assert_cmpstr (got_, ==, want_);                                                             \
  }                                                                                                \
  G_STMT_END

static LcRecordingFilter
recording_filter (LcLessonScope scope)
{
  LcRecordingFilter filter = { 0 };

  filter.scope = scope;
  filter.state = -1;
  return filter;
}

static void
test_recordings_list (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  Dataset d = { 0 };
  LcRecordingFilter filter;
  char *r_math_old, *r_math_new, *r_phys, *r_chem, *r_umath, *r_hist, *r_tie_a, *r_tie_b;

  dataset_fill (&d, f->store);
  /* started_at decides the order (newest first); the id breaks ties. */
  r_math_old = add_recording (f->store, d.pub_math, T0 + HOUR, LC_RECORDING_FAILED);
  r_math_new = add_recording (f->store, d.pub_math, T0 + HOUR + 600, LC_RECORDING_READY);
  r_phys = add_recording (f->store, d.unlisted_phys, T0 + 2 * HOUR, LC_RECORDING_READY);
  r_chem = add_recording (f->store, d.pub_chem_live, T0 + 3 * HOUR, LC_RECORDING_RECORDING);
  r_umath = add_recording (f->store, d.unlisted_math, T0 + 4 * HOUR, LC_RECORDING_READY);
  r_hist = add_recording (f->store, d.pub_hist, T0 + 5 * HOUR, LC_RECORDING_FINALIZING);
  r_tie_a = add_recording (f->store, d.pub_hist, T0 + 6 * HOUR, LC_RECORDING_READY);
  r_tie_b = add_recording (f->store, d.pub_hist, T0 + 6 * HOUR, LC_RECORDING_READY);
  if (strcmp (r_tie_a, r_tie_b) < 0)
    {
      char *swap = r_tie_a;
      r_tie_a = r_tie_b;
      r_tie_b = swap;
    }
  /* now r_tie_a > r_tie_b: a comes first (id DESC) */

  /* Scopes follow the lesson's visibility and school. */
  filter = recording_filter (LC_LESSON_SCOPE_ALL);
  assert_recordings (f->store, &filter, r_tie_a, r_tie_b, r_hist, r_umath, r_chem, r_phys,
                     r_math_new, r_math_old);
  filter = recording_filter (LC_LESSON_SCOPE_PUBLIC);
  assert_recordings (f->store, &filter, r_tie_a, r_tie_b, r_hist, r_chem, r_math_new, r_math_old);
  filter.scope_school_id = d.school[0]; /* ignored outside the school scope */
  assert_recordings (f->store, &filter, r_tie_a, r_tie_b, r_hist, r_chem, r_math_new, r_math_old);
  filter = recording_filter (LC_LESSON_SCOPE_SCHOOL);
  filter.scope_school_id = d.school[0];
  assert_recordings (f->store, &filter, r_tie_a, r_tie_b, r_hist, r_chem, r_phys, r_math_new,
                     r_math_old);
  filter.scope_school_id = d.school[1];
  assert_recordings (f->store, &filter, r_tie_a, r_tie_b, r_hist, r_umath, r_chem, r_math_new,
                     r_math_old);
  {
    /* A NULL filter is the public view. */
    g_autoptr (GPtrArray) rows = lc_store_list_recordings (f->store, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (rows->len, ==, 6);
  }

  /* Lesson and state filters (what the public API asks: public + ready). */
  filter = recording_filter (LC_LESSON_SCOPE_ALL);
  filter.lesson_id = d.pub_math;
  assert_recordings (f->store, &filter, r_math_new, r_math_old);
  filter.state = LC_RECORDING_READY;
  assert_recordings (f->store, &filter, r_math_new);
  filter = recording_filter (LC_LESSON_SCOPE_PUBLIC);
  filter.state = LC_RECORDING_READY;
  assert_recordings (f->store, &filter, r_tie_a, r_tie_b, r_math_new);
  filter.lesson_id = "AAAAAAAAAAAAAAAAAAAAAA";
  assert_recordings (f->store, &filter, "");
  filter = recording_filter (LC_LESSON_SCOPE_ALL);
  filter.state = LC_RECORDING_RECORDING;
  assert_recordings (f->store, &filter, r_chem);
  filter.state = 4;
  g_assert_null (lc_store_list_recordings (f->store, &filter, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "state");
  g_clear_error (&error);

  /* Keyset pages of 3 (the cursor lands inside the started_at tie on the
   * way) cover the list exactly, in order. */
  filter = recording_filter (LC_LESSON_SCOPE_ALL);
  filter.limit = 1;
  {
    g_autoptr (GString) walked = g_string_new (NULL);
    g_autofree char *all = NULL;
    g_autofree char *cursor_id = NULL;
    LcRecordingFilter full = recording_filter (LC_LESSON_SCOPE_ALL);
    guint pages = 0;

    all = list_recording_ids (f->store, &full);
    for (guint limit = 1; limit <= 3; limit += 2)
      {
        g_string_truncate (walked, 0);
        filter.after_set = FALSE;
        filter.limit = limit;
        pages = 0;
        for (;;)
          {
            g_autoptr (GPtrArray) page = lc_store_list_recordings (f->store, &filter, &error);
            LcRecording *last;

            g_assert_no_error (error);
            pages++;
            for (guint i = 0; i < page->len; i++)
              g_string_append_printf (walked, "%s%s", walked->len > 0 ? "," : "",
                                      ((LcRecording *)page->pdata[i])->id);
            if (page->len < limit)
              break;
            last = page->pdata[page->len - 1];
            g_free (cursor_id);
            cursor_id = g_strdup (last->id);
            filter.after_set = TRUE;
            filter.after_started_at = last->started_at;
            filter.after_id = cursor_id;
          }
        g_assert_cmpstr (walked->str, ==, all);
        g_assert_cmpuint (pages, ==, 8 / limit + 1);
      }
  }

  g_free (r_math_old);
  g_free (r_math_new);
  g_free (r_phys);
  g_free (r_chem);
  g_free (r_umath);
  g_free (r_hist);
  g_free (r_tie_a);
  g_free (r_tie_b);
  dataset_clear (&d);
}

/* Recordings go with their lesson (ON DELETE CASCADE; the store has no
 * lesson delete yet, so through a raw connection with foreign keys on). */
static void
test_recordings_cascade (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *school = add_school (f->store, "Школа № 57", "Хамовники");
  g_autofree char *teacher = add_account (f->store, "teacher.s57", LC_ROLE_TEACHER, school);
  g_autofree char *gone = add_lesson (f->store, school, teacher, T0, "Математика", 6,
                                      LC_VISIBILITY_PUBLIC, LC_LESSON_ENDED);
  g_autofree char *kept = add_lesson (f->store, school, teacher, T0 + HOUR, "Физика", 7,
                                      LC_VISIBILITY_PUBLIC, LC_LESSON_ENDED);
  g_autofree char *r1 = add_recording (f->store, gone, T0, LC_RECORDING_READY);
  g_autofree char *r2 = add_recording (f->store, gone, T0 + 60, LC_RECORDING_FAILED);
  g_autofree char *r3 = add_recording (f->store, kept, T0 + HOUR, LC_RECORDING_READY);
  g_autofree char *sql = g_strdup_printf ("PRAGMA foreign_keys = ON; DELETE FROM lessons "
                                          "WHERE id = '%s'",
                                          gone);
  g_autofree char *report = NULL;
  sqlite3 *raw = open_raw (f);

  g_assert_cmpint (sqlite3_exec (raw, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (raw);
  g_assert_null (lc_store_get_recording (f->store, r1, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (lc_store_get_recording (f->store, r2, &error));
  g_clear_error (&error);
  {
    g_autoptr (LcRecording) still = lc_store_get_recording (f->store, r3, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (still->lesson_id, ==, kept);
  }
  g_assert_true (lc_store_check (f->store, &report, &error));
  g_assert_no_error (error);
}

/* ---- audit ---- */

static void
test_audit (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (GArray) seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  LcAuditFilter filter = { 0 };
  gint64 before = lc_time_now ();
  LcAuditEvent *newest;
  g_autofree char *newest_id = NULL;

  lc_store_audit (f->store, NULL, "login.failure", "account", "acc-1", "192.0.2.1",
                  "{\"reason\":\"password\"}");
  lc_store_audit (f->store, "acc-1", "login.success", "session", NULL, "192.0.2.1", NULL);
  lc_store_audit (f->store, "acc-1", "lesson.create", "lesson", "les-1", NULL, NULL);
  lc_store_audit (f->store, "acc-2", "lesson.update", "lesson", "les-1", NULL, NULL);
  lc_store_audit (f->store, NULL, "admin.reset_password", "account", "acc-1", NULL, NULL);

  events = lc_store_list_audit_events (f->store, NULL, seqs, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 5);
  g_assert_cmpuint (seqs->len, ==, 5);
  for (guint i = 1; i < seqs->len; i++)
    g_assert_cmpint (g_array_index (seqs, gint64, i - 1), >, g_array_index (seqs, gint64, i));
  newest = events->pdata[0];
  g_assert_cmpstr (newest->action, ==, "admin.reset_password");
  g_assert_true (lc_id_is_valid (newest->id));
  newest_id = g_strdup (newest->id);
  g_assert_cmpint (newest->at, >=, before);
  g_assert_cmpint (newest->at, <=, lc_time_now ());
  g_assert_null (newest->actor_id);
  g_assert_cmpstr (newest->object_type, ==, "account");
  g_assert_cmpstr (newest->object_id, ==, "acc-1");
  {
    LcAuditEvent *oldest = events->pdata[4];

    g_assert_cmpstr (oldest->action, ==, "login.failure");
    g_assert_cmpstr (oldest->client, ==, "192.0.2.1");
    g_assert_cmpstr (oldest->details, ==, "{\"reason\":\"password\"}");
  }
  g_clear_pointer (&events, g_ptr_array_unref);

  filter.actor_id = "acc-1";
  events = lc_store_list_audit_events (f->store, &filter, NULL, &error);
  g_assert_cmpuint (events->len, ==, 2);
  g_assert_cmpstr (((LcAuditEvent *)events->pdata[0])->action, ==, "lesson.create");
  g_clear_pointer (&events, g_ptr_array_unref);

  filter.actor_id = NULL;
  filter.object_id = "acc-1";
  events = lc_store_list_audit_events (f->store, &filter, NULL, &error);
  g_assert_cmpuint (events->len, ==, 2);
  g_clear_pointer (&events, g_ptr_array_unref);

  filter.object_id = NULL;
  filter.action_prefix = "login.";
  events = lc_store_list_audit_events (f->store, &filter, NULL, &error);
  g_assert_cmpuint (events->len, ==, 2);
  g_clear_pointer (&events, g_ptr_array_unref);
  filter.action_prefix = "%"; /* not a LIKE pattern */
  events = lc_store_list_audit_events (f->store, &filter, NULL, &error);
  g_assert_cmpuint (events->len, ==, 0);
  g_clear_pointer (&events, g_ptr_array_unref);

  /* Pages of 2 with before_seq. */
  filter.action_prefix = NULL;
  filter.limit = 2;
  {
    guint total = 0, pages = 0;

    for (;;)
      {
        g_autoptr (GArray) page_seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
        g_autoptr (GPtrArray) page
            = lc_store_list_audit_events (f->store, &filter, page_seqs, &error);

        g_assert_no_error (error);
        g_assert_cmpuint (page_seqs->len, ==, page->len);
        for (guint i = 0; i < page->len; i++)
          g_assert_cmpint (g_array_index (page_seqs, gint64, i), ==,
                           g_array_index (seqs, gint64, total + i));
        total += page->len;
        pages++;
        if (page->len < filter.limit)
          break;
        filter.before_seq = g_array_index (page_seqs, gint64, page_seqs->len - 1);
      }
    g_assert_cmpuint (total, ==, 5);
    g_assert_cmpuint (pages, ==, 3);
  }

  /* A duplicate id is refused by insert (lc_store_audit always makes a new one). */
  {
    g_autoptr (LcAuditEvent) dup = lc_audit_event_new ();

    dup->id = g_strdup (newest_id);
    dup->action = g_strdup ("x");
    g_assert_false (lc_store_insert_audit_event (f->store, dup, &error));
    g_assert_error (error, LC_ERROR, LC_ERROR_CONFLICT);
  }
}

/* ---- transactions ---- */

typedef struct
{
  const char *name;
  gboolean fail;
  gboolean nest;
  char *school_id;
} TxnData;

static gboolean
txn_insert_school (LcStore *store, gpointer user_data, GError **error)
{
  TxnData *data = user_data;
  g_autoptr (LcSchool) school = lc_school_new ();

  school->id = lc_id_new ();
  school->name = g_strdup (data->name);
  school->short_name = g_strdup (data->name);
  school->district = g_strdup ("Хамовники");
  if (!lc_store_insert_school (store, school, error))
    return FALSE;
  g_free (data->school_id);
  data->school_id = g_strdup (school->id);
  if (data->nest)
    {
      TxnData inner = { .name = "inner" };

      return lc_store_transaction (store, txn_insert_school, &inner, error);
    }
  if (data->fail)
    {
      lc_set_error (error, LC_ERROR_INVALID, "name", "simulated failure");
      return FALSE;
    }
  return TRUE;
}

static gboolean
school_exists (LcStore *store, const char *id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LcSchool) school = lc_store_get_school (store, id, &error);

  return school != NULL;
}

static void
test_transaction (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  TxnData ok = { .name = "committed" };
  TxnData failing = { .name = "rolled back", .fail = TRUE };
  TxnData nested = { .name = "outer", .nest = TRUE };

  g_assert_true (lc_store_transaction (f->store, txn_insert_school, &ok, &error));
  g_assert_no_error (error);
  g_assert_true (school_exists (f->store, ok.school_id));

  /* The function's own error comes back, and its writes are undone. */
  g_assert_false (lc_store_transaction (f->store, txn_insert_school, &failing, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "name");
  g_clear_error (&error);
  g_assert_nonnull (failing.school_id);
  g_assert_false (school_exists (f->store, failing.school_id));

  /* Nesting is refused; the outer transaction rolls back. */
  g_assert_false (lc_store_transaction (f->store, txn_insert_school, &nested, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_STORE);
  g_clear_error (&error);
  g_assert_false (school_exists (f->store, nested.school_id));

  /* The store is usable afterwards, outside any transaction. */
  g_free (add_school (f->store, "after", "Хамовники"));
  g_assert_true (lc_store_transaction (f->store, txn_insert_school, &ok, &error));
  g_assert_no_error (error);

  g_free (ok.school_id);
  g_free (failing.school_id);
  g_free (nested.school_id);
}

/* ---- check ---- */

static void
test_check (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *report = NULL;
  g_autofree char *expected_version = NULL;
  sqlite3 *raw;

  g_assert_true (lc_store_check (f->store, &report, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (report, "integrity_check: ok\n"));
  g_assert_nonnull (strstr (report, "foreign_key_check: ok\n"));
  expected_version
      = g_strdup_printf ("schema_version: %d", lc_store_get_latest_schema_version (f->store));
  g_assert_nonnull (strstr (report, expected_version));
  g_clear_pointer (&report, g_free);

  /* A row written behind the store's back with foreign keys off is found. */
  raw = open_raw (f);
  g_assert_cmpint (sqlite3_exec (raw,
                                 "INSERT INTO accounts (id, login, display_name, role, school_id, "
                                 "password_hash, created_at, updated_at, password_changed_at) "
                                 "VALUES ('x', 'orphan', 'x', 'teacher', 'no-such-school', 'h', "
                                 "1, 1, 1)",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (raw);
  g_assert_false (lc_store_check (f->store, &report, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_STORE);
  g_assert_nonnull (report);
  g_test_message ("%s", report);
  g_assert_nonnull (strstr (report, "foreign_key_check: FAILED\n"));
  g_assert_nonnull (strstr (report, "accounts row"));
  g_assert_nonnull (strstr (report, "integrity_check: ok\n"));
  g_clear_pointer (&report, g_free);
  g_clear_error (&error);

  /* An index that no longer matches its table: integrity_check names it. */
  g_free (add_school (f->store, "Школа № 57", "Хамовники"));
  raw = open_raw (f);
  g_assert_cmpint (sqlite3_exec (raw,
                                 "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = "
                                 "'CREATE INDEX schools_name ON schools (district, id)' "
                                 "WHERE name = 'schools_name'",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (raw);
  /* writable_schema does not bump the schema cookie: reopen to read the new schema. */
  lc_store_close (f->store);
  g_clear_object (&f->store);
  f->store = LC_STORE (lc_store_sqlite_open (f->path, &error));
  g_assert_no_error (error);
  g_assert_false (lc_store_check (f->store, &report, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_STORE);
  g_test_message ("%s", report);
  g_assert_nonnull (strstr (report, "integrity_check: FAILED\n"));
  g_assert_nonnull (strstr (report, "schools_name"));
}

static void
test_closed (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  lc_store_close (f->store);
  lc_store_close (f->store); /* idempotent */
  g_assert_null (lc_store_get_school (f->store, "AAAAAAAAAAAAAAAAAAAAAA", &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_STORE);
  g_clear_error (&error);
  g_assert_false (lc_store_migrate (f->store, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_STORE);
  g_clear_error (&error);
  g_assert_cmpint (lc_store_get_schema_version (f->store), ==, -1);
  g_assert_cmpint (lc_store_count_accounts (f->store, -1, &error), ==, -1);
  g_assert_error (error, LC_ERROR, LC_ERROR_STORE);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/common/store/open/pragmas", test_open_pragmas);
  g_test_add_func ("/common/store/open/errors", test_open_errors);
  g_test_add_func ("/common/store/open/memory", test_open_memory);
  ADD ("/common/store/schools/crud", test_schools);
  ADD ("/common/store/schools/list", test_schools_list);
  ADD ("/common/store/accounts/crud", test_accounts);
  ADD ("/common/store/accounts/list", test_accounts_list);
  ADD ("/common/store/sessions", test_sessions);
  ADD ("/common/store/api-tokens", test_api_tokens);
  ADD ("/common/store/lessons/crud", test_lessons);
  ADD ("/common/store/lessons/scopes", test_lessons_scopes);
  ADD ("/common/store/lessons/filters", test_lessons_filters);
  ADD ("/common/store/lessons/pagination", test_lessons_pagination);
  ADD ("/common/store/lessons/set-status", test_lessons_set_status);
  ADD ("/common/store/recordings/crud", test_recordings_crud);
  ADD ("/common/store/recordings/list", test_recordings_list);
  ADD ("/common/store/recordings/cascade", test_recordings_cascade);
  ADD ("/common/store/audit", test_audit);
  ADD ("/common/store/transaction", test_transaction);
  ADD ("/common/store/check", test_check);
  ADD ("/common/store/closed", test_closed);
#undef ADD

  return g_test_run ();
}
