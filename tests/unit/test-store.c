/* test-store.c — the SQLite store (common/lc-store-sqlite) through the LcStore
 * interface: opening, schools, accounts, sessions, API tokens, audit,
 * transactions, check() and a closed store, on a fresh temporary database file
 * each, with the error conventions (conflict, invalid reference, not found).
 * Lessons and recordings: test-store-lessons.c; conferences:
 * test-store-conferences.c (fixture: test-store-fixture.h). */
#include "test-store-fixture.h"

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
  ADD ("/common/store/audit", test_audit);
  ADD ("/common/store/transaction", test_transaction);
  ADD ("/common/store/check", test_check);
  ADD ("/common/store/closed", test_closed);
#undef ADD

  return g_test_run ();
}
