/* test-admin.c — `lessoncast admin …` run as the real binary
 * ($LC_BUILD_ROOT/server/lessoncast) against a temporary data dir: help,
 * usage and configuration errors (exit 2), migrate, check (also on a corrupt
 * or too new database: exit 1), create-operator with the password on stdin,
 * list-accounts, reset-password (sessions revoked, audit written). Also the
 * demo data of server/lc-demo, seeded in-process. */
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "common/lc-crypto.h"
#include "common/lc-error.h"
#include "common/lc-password.h"
#include "common/lc-store-sqlite.h"
#include "common/lc-time.h"
#include "server/lc-demo.h"

typedef struct
{
  char *dir;      /* temporary, removed at teardown */
  char *data_dir; /* <dir>/data */
  char *db_path;
  char *binary;
} Fixture;

typedef struct
{
  int status; /* exit code */
  char *out;
  char *err;
} Result;

static void
result_clear (Result *r)
{
  g_free (r->out);
  g_free (r->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

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

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
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
  const char *build_root = g_getenv ("LC_BUILD_ROOT");

  g_assert_nonnull (build_root); /* set by meson test */
  f->binary = g_build_filename (build_root, "server", "lessoncast", NULL);
  g_assert_true (g_file_test (f->binary, G_FILE_TEST_IS_EXECUTABLE));
  f->dir = g_dir_make_tmp ("lc-admin-XXXXXX", &error);
  g_assert_no_error (error);
  f->data_dir = g_build_filename (f->dir, "data", NULL);
  f->db_path = g_build_filename (f->data_dir, LC_STORE_DB_FILENAME, NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->data_dir);
  g_free (f->db_path);
  g_free (f->binary);
}

/* Run `lessoncast admin ARGS…` with stdin_text (nullable: empty stdin). */
static Result
run_admin_argv (Fixture *f, const char *stdin_text, const char *const *args)
{
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                   | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  Result r = { 0 };

  /* The binary runs under the sanitizer settings of this test's environment
   * (tests/meson.build, tests/lsan.supp). */
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);

  g_ptr_array_add (argv, f->binary);
  g_ptr_array_add (argv, "admin");
  for (const char *const *a = args; *a != NULL; a++)
    g_ptr_array_add (argv, (gpointer)*a);
  g_ptr_array_add (argv, NULL);

  {
    g_autofree char *line = g_strjoinv (" ", (char **)argv->pdata);

    g_test_message ("$ %s", line);
  }
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *)argv->pdata, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, stdin_text != NULL ? stdin_text : "", NULL,
                                                &r.out, &r.err, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process)); /* no crash, no sanitizer abort */
  r.status = g_subprocess_get_exit_status (process);
  g_test_message ("exit %d\nstdout:\n%sstderr:\n%s", r.status, r.out, r.err);
  return r;
}

#define run_admin(f, stdin_text, ...)                                                              \
  run_admin_argv ((f), (stdin_text), (const char *const[]){ __VA_ARGS__, NULL })

/* The usual options: this fixture's data dir and a fast KDF. */
#define DATA(f) "--data-dir", (f)->data_dir, "--set", "auth.kdf_cost=10"

static void
assert_contains (const char *haystack, const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("expected \"%s\" in:\n%s", needle, haystack);
}

static LcStore *
open_store (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  LcStoreSqlite *store = lc_store_sqlite_open (f->db_path, &error);

  g_assert_no_error (error);
  return LC_STORE (store);
}

static void
close_store (LcStore *store)
{
  lc_store_close (store);
  g_object_unref (store);
}

/* ---- tests ---- */

static void
test_help (Fixture *f, gconstpointer data)
{
  static const char *const commands[]
      = { "create-operator", "reset-password", "list-accounts", "migrate", "check" };

  {
    g_auto (Result) r = run_admin (f, NULL, "--help");

    g_assert_cmpint (r.status, ==, 0);
    assert_contains (r.out, "Usage:");
    for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
      assert_contains (r.out, commands[i]);
    assert_contains (r.out, "--data-dir");
  }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto (Result) r = run_admin (f, NULL, commands[i], "--help");

      g_assert_cmpint (r.status, ==, 0);
      assert_contains (r.out, commands[i]);
      assert_contains (r.out, "--config");
    }
  {
    g_auto (Result) r = run_admin (f, NULL, "create-operator", "-h");

    g_assert_cmpint (r.status, ==, 0);
    assert_contains (r.out, "--display-name");
  }
  {
    g_auto (Result) r = run_admin (f, NULL, "list-accounts", "--help");

    assert_contains (r.out, "--role");
  }
  /* Help never touched the data dir. */
  g_assert_false (g_file_test (f->data_dir, G_FILE_TEST_EXISTS));
}

static void
test_usage_errors (Fixture *f, gconstpointer data)
{
  g_autofree char *missing_conf = g_build_filename (f->dir, "missing.conf", NULL);
  g_autofree char *bad_conf = g_build_filename (f->dir, "bad.conf", NULL);

  {
    g_auto (Result) r = run_admin (f, NULL, DATA (f));

    g_assert_cmpint (r.status, ==, 2);
    assert_contains (r.err, "missing command");
  }
  {
    g_auto (Result) r = run_admin (f, NULL, "frobnicate");

    g_assert_cmpint (r.status, ==, 2);
    assert_contains (r.err, "unknown command \"frobnicate\"");
  }
  {
    g_auto (Result) r = run_admin (f, NULL, "migrate", "--bogus");

    g_assert_cmpint (r.status, ==, 2);
  }
  {
    g_auto (Result) r = run_admin (f, NULL, "--bogus", "migrate");

    g_assert_cmpint (r.status, ==, 2);
  }
  {
    g_auto (Result) r = run_admin (f, NULL, DATA (f), "create-operator");

    g_assert_cmpint (r.status, ==, 2);
    assert_contains (r.err, "LOGIN");
  }
  {
    g_auto (Result) r = run_admin (f, NULL, DATA (f), "check", "extra");

    g_assert_cmpint (r.status, ==, 2);
  }
  {
    g_auto (Result) r = run_admin (f, "Secret-Passw0rd-x\n", DATA (f), "create-operator", "a b");

    g_assert_cmpint (r.status, ==, 2);
    assert_contains (r.err, "invalid login");
  }
  {
    g_auto (Result) r = run_admin (f, NULL, DATA (f), "list-accounts", "--role", "boss");

    g_assert_cmpint (r.status, ==, 2);
    assert_contains (r.err, "unknown role");
  }

  /* Configuration: the bad key is named. */
  {
    g_auto (Result) r
        = run_admin (f, NULL, DATA (f), "--set", "server.max_connections=1", "migrate");

    g_assert_cmpint (r.status, ==, 2);
    assert_contains (r.err, "server.max_connections");
  }
  {
    g_auto (Result) r = run_admin (f, NULL, DATA (f), "migrate", "--set", "server.nope=1");

    g_assert_cmpint (r.status, ==, 2);
    assert_contains (r.err, "server.nope");
  }
  {
    g_auto (Result) r = run_admin (f, NULL, DATA (f), "migrate", "--set", "nonsense");

    g_assert_cmpint (r.status, ==, 2);
  }
  {
    g_auto (Result) r = run_admin (f, NULL, "--config", missing_conf, DATA (f), "migrate");

    g_assert_cmpint (r.status, ==, 2);
  }
  g_assert_true (g_file_set_contents (bad_conf, "[auth]\nkdf_cost = 99\n", -1, NULL));
  {
    g_auto (Result) r
        = run_admin (f, NULL, "--config", bad_conf, "--data-dir", f->data_dir, "migrate");

    g_assert_cmpint (r.status, ==, 2);
    assert_contains (r.err, "auth.kdf_cost");
  }
  /* None of these created anything. */
  g_assert_false (g_file_test (f->data_dir, G_FILE_TEST_EXISTS));
}

static void
test_migrate_and_check (Fixture *f, gconstpointer data)
{
  g_autofree char *latest_line = NULL;
  int latest;

  {
    g_auto (Result) r = run_admin (f, NULL, DATA (f), "check");

    g_assert_cmpint (r.status, ==, 1); /* no database yet */
    assert_contains (r.err, "no database");
  }
  {
    LcStore *probe = NULL;
    g_auto (Result) r = run_admin (f, NULL, DATA (f), "migrate");

    g_assert_cmpint (r.status, ==, 0);
    probe = open_store (f);
    latest = lc_store_get_latest_schema_version (probe);
    g_assert_cmpint (lc_store_get_schema_version (probe), ==, latest);
    close_store (probe);
    latest_line = g_strdup_printf ("schema migrated from version 0 to %d", latest);
    assert_contains (r.out, latest_line);
  }
  {
    g_auto (Result) r = run_admin (f, NULL, "migrate", DATA (f)); /* options after the command */

    g_assert_cmpint (r.status, ==, 0);
    assert_contains (r.out, "up to date");
  }
  {
    g_autofree char *version_line = g_strdup_printf ("schema_version: %d", latest);
    g_auto (Result) r = run_admin (f, NULL, DATA (f), "check");

    g_assert_cmpint (r.status, ==, 0);
    assert_contains (r.out, "integrity_check: ok");
    assert_contains (r.out, "foreign_key_check: ok");
    assert_contains (r.out, version_line);
    assert_contains (r.out, "media: ");
    assert_contains (r.out, "check: ok");
  }
}

static void
test_config_file (Fixture *f, gconstpointer data)
{
  g_autofree char *conf = g_build_filename (f->dir, "lessoncast.conf", NULL);
  g_autofree char *conf_dir = g_build_filename (f->dir, "from-config", NULL);
  g_autofree char *conf_db = g_build_filename (conf_dir, LC_STORE_DB_FILENAME, NULL);
  g_autofree char *text
      = g_strdup_printf ("[server]\ndata_dir = %s\n[auth]\nkdf_cost = 10\n", conf_dir);

  g_assert_true (g_file_set_contents (conf, text, -1, NULL));
  {
    g_auto (Result) r = run_admin (f, NULL, "--config", conf, "migrate");

    g_assert_cmpint (r.status, ==, 0);
    g_assert_true (g_file_test (conf_db, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (f->db_path, G_FILE_TEST_EXISTS));
  }
  /* --data-dir overrides the file. */
  {
    g_auto (Result) r = run_admin (f, NULL, "--config", conf, "--data-dir", f->data_dir, "migrate");

    g_assert_cmpint (r.status, ==, 0);
    g_assert_true (g_file_test (f->db_path, G_FILE_TEST_EXISTS));
  }
}

static void
add_session (LcStore *store, const char *hash, const char *account_id)
{
  g_autoptr (LcSession) session = lc_session_new ();
  g_autoptr (GError) error = NULL;

  session->token_hash = g_strdup (hash);
  session->account_id = g_strdup (account_id);
  session->created_at = lc_time_now ();
  session->expires_at = session->created_at + 3600;
  g_assert_true (lc_store_insert_session (store, session, &error));
  g_assert_no_error (error);
}

/* The password printed after "<prefix>" on one line of text. */
static char *
password_after (const char *text, const char *prefix)
{
  const char *start = strstr (text, prefix);
  const char *end;

  g_assert_nonnull (start);
  start += strlen (prefix);
  end = strchr (start, '\n');
  g_assert_nonnull (end);
  return g_strndup (start, end - start);
}

static void
test_accounts (Fixture *f, gconstpointer data)
{
  static const char first_password[] = "Correct-Horse-Battery-7";
  g_autofree char *new_password = NULL;
  g_autofree char *alice_id = NULL;
  g_autofree char *stdin_line = g_strdup_printf ("%s\n", first_password);

  /* create-operator migrates a fresh data dir itself; the password comes from stdin. */
  {
    g_auto (Result) r = run_admin (f, stdin_line, DATA (f), "create-operator", "Alice",
                                   "--display-name", "Алиса Иванова");

    g_assert_cmpint (r.status, ==, 0);
    assert_contains (r.out, "operator \"alice\" created");
    g_assert_null (strstr (r.out, first_password)); /* a given password is not echoed */
  }
  {
    LcStore *store = open_store (f);
    g_autoptr (GError) error = NULL;
    g_autoptr (LcAccount) alice = lc_store_get_account_by_login (store, "alice", &error);

    g_assert_no_error (error);
    g_assert_cmpint (alice->role, ==, LC_ROLE_OPERATOR);
    g_assert_null (alice->school_id);
    g_assert_cmpstr (alice->display_name, ==, "Алиса Иванова");
    g_assert_true (lc_password_verify (first_password, alice->password_hash, NULL, NULL));
    alice_id = g_strdup (alice->id);
    add_session (store, "session-1", alice_id);
    add_session (store, "session-2", alice_id);
    close_store (store);
  }

  /* Failures: taken login, weak password, no password at all. */
  {
    g_auto (Result) r = run_admin (f, stdin_line, DATA (f), "create-operator", "alice");

    g_assert_cmpint (r.status, ==, 1);
    assert_contains (r.err, "already exists");
  }
  {
    g_auto (Result) r = run_admin (f, "short\n", DATA (f), "create-operator", "bob");

    g_assert_cmpint (r.status, ==, 1);
    assert_contains (r.err, "too short");
  }
  {
    g_auto (Result) r = run_admin (f, "", DATA (f), "create-operator", "bob");

    g_assert_cmpint (r.status, ==, 1);
    assert_contains (r.err, "no password");
  }

  /* list-accounts: alice only, never a hash. */
  {
    g_auto (Result) r = run_admin (f, NULL, DATA (f), "list-accounts");

    g_assert_cmpint (r.status, ==, 0);
    assert_contains (r.out, "alice");
    assert_contains (r.out, "operator");
    assert_contains (r.out, "(1 account)");
    g_assert_null (strstr (r.out, "bob"));
    g_assert_null (strstr (r.out, "$scrypt$"));
  }
  {
    g_auto (Result) r = run_admin (f, NULL, DATA (f), "list-accounts", "--role", "teacher");

    g_assert_cmpint (r.status, ==, 0);
    g_assert_null (strstr (r.out, "alice"));
    assert_contains (r.out, "(0 accounts)");
  }

  /* reset-password: a new password, printed once, sessions revoked, audited. */
  {
    g_auto (Result) r = run_admin (f, NULL, DATA (f), "reset-password", "ALICE");

    g_assert_cmpint (r.status, ==, 0);
    new_password = password_after (r.out, "new password for \"alice\": ");
    assert_contains (r.out, "2 session(s) revoked");
    g_assert_null (strstr (r.out, "$scrypt$"));
  }
  g_assert_cmpuint (strlen (new_password), >=, 16);
  {
    LcStore *store = open_store (f);
    g_autoptr (GError) error = NULL;
    g_autoptr (LcAccount) alice = lc_store_get_account_by_login (store, "alice", &error);
    g_autoptr (LcSession) session = lc_store_get_session (store, "session-1", &error);
    LcAuditFilter filter = { .object_id = alice_id, .action_prefix = "admin.reset_password" };
    g_autoptr (GPtrArray) events = NULL;

    g_assert_null (session);
    g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
    g_clear_error (&error);
    g_assert_true (lc_password_verify (new_password, alice->password_hash, NULL, NULL));
    g_assert_false (lc_password_verify (first_password, alice->password_hash, NULL, NULL));
    events = lc_store_list_audit_events (store, &filter, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (events->len, ==, 1);
    g_assert_null (((LcAuditEvent *)events->pdata[0])->actor_id);
    g_assert_cmpstr (((LcAuditEvent *)events->pdata[0])->object_type, ==, "account");
    close_store (store);
  }
  {
    g_auto (Result) r = run_admin (f, NULL, DATA (f), "reset-password", "nobody");

    g_assert_cmpint (r.status, ==, 1);
    assert_contains (r.err, "no account");
  }
}

static void
test_check_corrupt (Fixture *f, gconstpointer data)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  sqlite3 *raw = NULL;

  {
    g_auto (Result) r
        = run_admin (f, "Correct-Horse-Battery-7\n", DATA (f), "create-operator", "alice");

    g_assert_cmpint (r.status, ==, 0);
  }

  /* An index that no longer matches its table: integrity_check lists the rows. */
  g_assert_cmpint (sqlite3_open (f->db_path, &raw), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (raw,
                                 "PRAGMA writable_schema = ON; "
                                 "UPDATE sqlite_master SET sql = "
                                 "'CREATE INDEX accounts_school ON accounts (display_name)' "
                                 "WHERE name = 'accounts_school'",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (raw);
  {
    g_auto (Result) r = run_admin (f, NULL, DATA (f), "check");

    g_assert_cmpint (r.status, ==, 1);
    assert_contains (r.out, "integrity_check: FAILED");
    assert_contains (r.out, "accounts_school");
    assert_contains (r.err, "check failed");
  }

  /* Damaged pages after the header. */
  g_assert_true (g_file_get_contents (f->db_path, &contents, &length, NULL));
  g_assert_cmpuint (length, >=, 4 * 4096);
  memset (contents + 4096, 0x5a, length - 4096);
  g_assert_true (g_file_set_contents (f->db_path, contents, length, NULL));
  {
    g_auto (Result) r = run_admin (f, NULL, DATA (f), "check");

    g_assert_cmpint (r.status, ==, 1);
    assert_contains (r.err, "malformed");
  }

  /* Not a database at all. */
  memset (contents, 'x', length);
  g_assert_true (g_file_set_contents (f->db_path, contents, length, NULL));
  {
    g_auto (Result) r = run_admin (f, NULL, DATA (f), "check");

    g_assert_cmpint (r.status, ==, 1);
    assert_contains (r.err, "not a database");
  }
}

static void
test_too_new (Fixture *f, gconstpointer data)
{
  sqlite3 *raw = NULL;

  {
    g_auto (Result) r = run_admin (f, NULL, DATA (f), "migrate");

    g_assert_cmpint (r.status, ==, 0);
  }
  g_assert_cmpint (sqlite3_open (f->db_path, &raw), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (raw, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (raw);
  {
    g_auto (Result) r = run_admin (f, NULL, DATA (f), "migrate");

    g_assert_cmpint (r.status, ==, 1);
    assert_contains (r.err, "database schema version 99 is newer than this lessoncast");
  }
  {
    g_auto (Result) r = run_admin (f, NULL, DATA (f), "check");

    g_assert_cmpint (r.status, ==, 1);
    assert_contains (r.err, "upgrade lessoncast");
  }
  {
    g_auto (Result) r = run_admin (f, NULL, DATA (f), "list-accounts");

    g_assert_cmpint (r.status, ==, 1);
  }
}

/* ---- demo data (in-process) ---- */

static void
test_demo_seed (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GPtrArray) schools = NULL;
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (GPtrArray) lessons = NULL;
  g_autoptr (GHashTable) districts = g_hash_table_new (g_str_hash, g_str_equal);
  g_auto (GStrv) lines = NULL;
  LcAccountFilter all_accounts = { .role = -1 };
  LcLessonFilter all_lessons = { .scope = LC_LESSON_SCOPE_ALL, .status = -1 };
  LcKdfParams kdf;
  LcStore *store;
  gint64 now = lc_time_now ();
  guint consenting = 0, unlisted = 0, checked_passwords = 0;

  g_assert_cmpint (g_mkdir_with_parents (f->data_dir, 0700), ==, 0);
  store = open_store (f);
  g_assert_true (lc_store_migrate (store, &error));
  lc_kdf_params_init_default (&kdf);
  kdf.log2_n = LC_KDF_MIN_LOG2_N;

  g_assert_true (lc_demo_seed (store, &kdf, now, out, &error));
  g_assert_no_error (error);

  schools = lc_store_list_schools (store, NULL, &error);
  g_assert_cmpuint (schools->len, >=, 5);
  for (guint i = 0; i < schools->len; i++)
    {
      LcSchool *school = schools->pdata[i];

      g_hash_table_add (districts, school->district);
      g_assert_true (school->has_location);
      g_assert_cmpfloat (school->latitude, >, 55.4); /* Moscow */
      g_assert_cmpfloat (school->latitude, <, 56.0);
      g_assert_cmpfloat (school->longitude, >, 37.2);
      g_assert_cmpfloat (school->longitude, <, 38.0);
      g_assert_true (g_str_has_prefix (school->website, "https://"));
      assert_contains (school->website, ".example.");
      g_assert_nonnull (school->address);
    }
  g_assert_cmpuint (g_hash_table_size (districts), ==, 3);

  accounts = lc_store_list_accounts (store, &all_accounts, &error);
  g_assert_cmpuint (accounts->len, ==, 2 * schools->len);
  lines = g_strsplit (out->str, "\n", -1);
  for (guint i = 0; i < accounts->len; i++)
    {
      LcAccount *account = accounts->pdata[i];

      g_assert_cmpint (account->role, !=, LC_ROLE_OPERATOR);
      g_assert_nonnull (account->school_id);
      if (account->role == LC_ROLE_TEACHER)
        consenting += account->consent_publish_name;
      /* The table lists each login with its password (the last word). */
      for (char **line = lines; *line != NULL; line++)
        {
          g_auto (GStrv) words = g_strsplit_set (g_strstrip (*line), " ", -1);
          guint n = g_strv_length (words);

          if (n >= 2 && g_strcmp0 (words[0], account->login) == 0)
            {
              g_assert_true (lc_password_verify (words[n - 1], account->password_hash, &kdf, NULL));
              checked_passwords++;
            }
        }
    }
  g_assert_cmpuint (checked_passwords, ==, accounts->len);
  g_assert_cmpuint (consenting, >, 0); /* some teachers consented to publish their name… */
  g_assert_cmpuint (consenting, <, schools->len); /* …and some did not */
  g_assert_null (strstr (out->str, "$scrypt$"));

  lessons = lc_store_list_lessons (store, &all_lessons, &error);
  g_assert_cmpuint (lessons->len, >=, 10);
  for (guint i = 0; i < lessons->len; i++)
    {
      LcLesson *lesson = lessons->pdata[i];

      g_assert_cmpint (lesson->status, ==, LC_LESSON_SCHEDULED);
      g_assert_cmpint (lesson->starts_at, >, now);
      g_assert_cmpint (lesson->starts_at, <, now + 8 * 86400);
      g_assert_cmpint (lesson->ends_at, >, lesson->starts_at);
      g_assert_true (g_str_has_prefix (lesson->publish_key, "lpk_"));
      g_assert_cmpint (lesson->grade, >=, 1);
      g_assert_cmpint (lesson->grade, <=, 11);
      unlisted += lesson->visibility == LC_VISIBILITY_UNLISTED;
    }
  g_assert_cmpuint (unlisted, ==, 1);

  /* Idempotent: a second seed adds nothing and prints nothing. */
  g_string_truncate (out, 0);
  g_assert_true (lc_demo_seed (store, &kdf, now, out, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (out->len, ==, 0);
  g_assert_cmpint (lc_store_count_accounts (store, -1, &error), ==, accounts->len);
  close_store (store);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/admin/help", test_help);
  ADD ("/admin/usage-errors", test_usage_errors);
  ADD ("/admin/migrate-and-check", test_migrate_and_check);
  ADD ("/admin/config-file", test_config_file);
  ADD ("/admin/accounts", test_accounts);
  ADD ("/admin/check-corrupt", test_check_corrupt);
  ADD ("/admin/too-new", test_too_new);
  ADD ("/server/demo/seed", test_demo_seed);
#undef ADD

  return g_test_run ();
}
