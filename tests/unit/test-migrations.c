/* test-migrations.c — numbered schema migrations of the SQLite store: a fresh
 * database, upgrades of a populated v1, v2 (v3: recordings) and v3 database
 * (v4: conferences, lessons.sequence), a database newer than the code, and that
 * a failing migration leaves the database untouched. The store's SQL targets
 * the latest schema, so rows of tables a later migration changes (lessons) are
 * written into the old database with raw SQL. */
#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "common/lc-crypto.h"
#include "common/lc-error.h"
#include "common/lc-store-sqlite.h"

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("lc-migrations-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, LC_STORE_DB_FILENAME, NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (f->path, suffixes[i], NULL);

      if (g_file_test (file, G_FILE_TEST_EXISTS))
        g_assert_cmpint (g_remove (file), ==, 0);
    }
  g_assert_cmpint (g_rmdir (f->dir), ==, 0);
  g_free (f->path);
  g_free (f->dir);
}

static LcStoreSqlite *
open_store (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  LcStoreSqlite *store = lc_store_sqlite_open (f->path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

static void
close_store (LcStoreSqlite *store)
{
  g_assert_cmpuint (G_OBJECT (store)->ref_count, ==, 1);
  lc_store_close (LC_STORE (store));
  g_object_unref (store);
}

/* Raw access for what the store does not expose: user_version, schema objects. */
static sqlite3 *
open_raw (Fixture *f)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (f->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                   ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static void
raw_exec (sqlite3 *db, const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

static gint64
raw_int (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static gboolean
index_exists (sqlite3 *db, const char *name)
{
  sqlite3_stmt *stmt = NULL;
  gboolean exists;

  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT 1 FROM sqlite_master WHERE type = 'index' "
                                       "AND name = ?1",
                                       -1, &stmt, NULL),
                   ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
  exists = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_finalize (stmt);
  return exists;
}

/* A lesson row as the v1..v3 schemas have it (no sequence column). */
static void
raw_insert_old_lesson (Fixture *f, const char *id, const char *school_id, const char *teacher_id,
                       const char *status, const char *publish_key)
{
  sqlite3 *raw = open_raw (f);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (raw,
                                       "INSERT INTO lessons (id, title, description, subject, "
                                       "grade, school_id, teacher_id, starts_at, ends_at, "
                                       "visibility, recording, status, publish_key, created_at, "
                                       "updated_at) VALUES (?1, 'Дроби на практике', '', "
                                       "'Математика', 6, ?2, ?3, 1800000000, 1800002700, "
                                       "'public', 1, ?4, ?5, 1700000000, 1700000000)",
                                       -1, &stmt, NULL),
                   ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, school_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, teacher_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, status, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, publish_key, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  sqlite3_close (raw);
}

static void
test_fresh (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LcStoreSqlite *store = open_store (f);
  LcStore *iface = LC_STORE (store);
  int latest = lc_store_get_latest_schema_version (iface);

  g_assert_cmpint (latest, >=, 2);
  g_assert_cmpint (lc_store_get_schema_version (iface), ==, 0); /* opening does not migrate */
  g_assert_true (lc_store_migrate (iface, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lc_store_get_schema_version (iface), ==, latest);

  /* Again: nothing to do, nothing changes. */
  g_assert_true (lc_store_migrate (iface, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lc_store_get_schema_version (iface), ==, latest);
  close_store (store);

  /* Reopened: the version is in the file. */
  store = open_store (f);
  g_assert_cmpint (lc_store_get_schema_version (LC_STORE (store)), ==, latest);
  close_store (store);
}

static void
test_step_by_step (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LcStoreSqlite *store = open_store (f);
  int latest = lc_store_get_latest_schema_version (LC_STORE (store));

  for (int v = 1; v <= latest; v++)
    {
      g_assert_true (lc_store_sqlite_migrate_to (store, v, &error));
      g_assert_no_error (error);
      g_assert_cmpint (lc_store_get_schema_version (LC_STORE (store)), ==, v);
    }
  /* Never downwards. */
  g_assert_true (lc_store_sqlite_migrate_to (store, 1, &error));
  g_assert_cmpint (lc_store_get_schema_version (LC_STORE (store)), ==, latest);

  g_assert_false (lc_store_sqlite_migrate_to (store, latest + 1, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_STORE);
  g_clear_error (&error);
  g_assert_false (lc_store_sqlite_migrate_to (store, -1, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_STORE);
  close_store (store);
}

static void
test_upgrade_v1_with_data (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LcStoreSqlite *store = open_store (f);
  LcStore *iface = LC_STORE (store);
  g_autoptr (LcSchool) school = lc_school_new ();
  g_autoptr (LcAccount) teacher = lc_account_new ();
  g_autoptr (LcLesson) lesson = lc_lesson_new ();
  g_autoptr (LcSession) session = lc_session_new ();
  sqlite3 *raw;

  g_assert_true (lc_store_sqlite_migrate_to (store, 1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lc_store_get_schema_version (iface), ==, 1);

  school->id = lc_id_new ();
  school->name = g_strdup ("ГБОУ «Школа № 57»");
  school->short_name = g_strdup ("Школа № 57");
  school->district = g_strdup ("Хамовники");
  school->has_location = TRUE;
  school->latitude = 55.7469;
  school->longitude = 37.6014;
  school->created_at = school->updated_at = 1700000000;
  g_assert_true (lc_store_insert_school (iface, school, &error));
  g_assert_no_error (error);

  teacher->id = lc_id_new ();
  teacher->login = g_strdup ("teacher.s57");
  teacher->display_name = g_strdup ("Анна Петровна Смирнова");
  teacher->role = LC_ROLE_TEACHER;
  teacher->school_id = g_strdup (school->id);
  teacher->password_hash = g_strdup ("$scrypt$ln=10,r=8,p=1$AAAA$BBBB");
  g_assert_true (lc_store_insert_account (iface, teacher, &error));
  g_assert_no_error (error);

  lesson->id = lc_id_new ();
  lesson->title = g_strdup ("Дроби на практике");
  lesson->subject = g_strdup ("Математика");
  lesson->grade = 6;
  lesson->school_id = g_strdup (school->id);
  lesson->teacher_id = g_strdup (teacher->id);
  lesson->starts_at = 1800000000;
  lesson->ends_at = 1800002700;
  lesson->publish_key = lc_secret_new ("lpk");
  raw_insert_old_lesson (f, lesson->id, school->id, teacher->id, "scheduled", lesson->publish_key);

  session->token_hash = g_strdup ("hash");
  session->account_id = g_strdup (teacher->id);
  session->created_at = 1700000000;
  session->expires_at = 1900000000;
  g_assert_true (lc_store_insert_session (iface, session, &error));
  g_assert_no_error (error);
  lc_store_audit (iface, teacher->id, "lesson.create", "lesson", lesson->id, NULL, NULL);
  close_store (store);

  /* v1 on disk: the v2 indexes are not there yet. */
  raw = open_raw (f);
  g_assert_cmpint (raw_int (raw, "PRAGMA user_version"), ==, 1);
  g_assert_false (index_exists (raw, "lessons_school_starts"));
  g_assert_true (index_exists (raw, "lessons_school"));
  sqlite3_close (raw);

  /* Upgrade. */
  store = open_store (f);
  iface = LC_STORE (store);
  g_assert_true (lc_store_migrate (iface, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lc_store_get_schema_version (iface), ==,
                   lc_store_get_latest_schema_version (iface));

  /* Data intact. */
  {
    g_autoptr (LcSchool) s = lc_store_get_school (iface, school->id, &error);
    g_autoptr (LcAccount) a = lc_store_get_account_by_login (iface, "teacher.s57", &error);
    g_autoptr (LcLesson) l = lc_store_get_lesson (iface, lesson->id, &error);
    g_autoptr (LcSession) se = lc_store_get_session (iface, "hash", &error);
    g_autoptr (GPtrArray) audit = lc_store_list_audit_events (iface, NULL, NULL, &error);
    g_autofree char *report = NULL;

    g_assert_no_error (error);
    g_assert_cmpstr (s->name, ==, "ГБОУ «Школа № 57»");
    g_assert_cmpfloat (s->latitude, ==, 55.7469);
    g_assert_cmpstr (a->id, ==, teacher->id);
    g_assert_cmpstr (a->display_name, ==, "Анна Петровна Смирнова");
    g_assert_cmpstr (l->title, ==, "Дроби на практике");
    g_assert_cmpstr (l->publish_key, ==, lesson->publish_key);
    g_assert_cmpint (l->starts_at, ==, 1800000000);
    g_assert_cmpstr (se->account_id, ==, teacher->id);
    g_assert_cmpuint (audit->len, ==, 1);
    g_assert_true (lc_store_check (iface, &report, &error));
    g_assert_no_error (error);
  }
  close_store (store);

  raw = open_raw (f);
  g_assert_true (index_exists (raw, "lessons_school_starts"));
  g_assert_true (index_exists (raw, "schools_district_name"));
  g_assert_false (index_exists (raw, "lessons_school")); /* replaced */
  g_assert_false (index_exists (raw, "schools_district"));
  g_assert_cmpint (raw_int (raw, "SELECT count(*) FROM lessons"), ==, 1);
  sqlite3_close (raw);
}

/* v2 → v3 adds the recordings table: a populated v2 database upgrades, its
 * data stays, and recordings of its lessons can be stored. */
static void
test_upgrade_v2_with_data (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LcStoreSqlite *store = open_store (f);
  LcStore *iface = LC_STORE (store);
  g_autoptr (LcSchool) school = lc_school_new ();
  g_autoptr (LcAccount) teacher = lc_account_new ();
  g_autoptr (LcLesson) lesson = lc_lesson_new ();
  g_autoptr (LcRecording) recording = lc_recording_new ();
  sqlite3 *raw;

  g_assert_true (lc_store_sqlite_migrate_to (store, 2, &error));
  g_assert_no_error (error);

  school->id = lc_id_new ();
  school->name = g_strdup ("ГБОУ «Школа № 57»");
  school->short_name = g_strdup ("Школа № 57");
  school->district = g_strdup ("Хамовники");
  g_assert_true (lc_store_insert_school (iface, school, &error));
  teacher->id = lc_id_new ();
  teacher->login = g_strdup ("teacher.s57");
  teacher->display_name = g_strdup ("Анна Петровна Смирнова");
  teacher->school_id = g_strdup (school->id);
  teacher->password_hash = g_strdup ("$scrypt$ln=10,r=8,p=1$AAAA$BBBB");
  g_assert_true (lc_store_insert_account (iface, teacher, &error));
  lesson->id = lc_id_new ();
  lesson->title = g_strdup ("Дроби на практике");
  lesson->subject = g_strdup ("Математика");
  lesson->school_id = g_strdup (school->id);
  lesson->teacher_id = g_strdup (teacher->id);
  lesson->starts_at = 1800000000;
  lesson->ends_at = 1800002700;
  lesson->status = LC_LESSON_ENDED;
  lesson->publish_key = lc_secret_new ("lpk");
  g_assert_no_error (error);
  raw_insert_old_lesson (f, lesson->id, school->id, teacher->id, "ended", lesson->publish_key);
  close_store (store);

  /* v2 on disk: no recordings table yet. */
  raw = open_raw (f);
  g_assert_cmpint (raw_int (raw, "PRAGMA user_version"), ==, 2);
  g_assert_cmpint (raw_int (raw, "SELECT count(*) FROM sqlite_master WHERE name = 'recordings'"),
                   ==, 0);
  sqlite3_close (raw);

  store = open_store (f);
  iface = LC_STORE (store);
  g_assert_true (lc_store_migrate (iface, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lc_store_get_schema_version (iface), >=, 3);

  {
    g_autoptr (LcLesson) l = lc_store_get_lesson (iface, lesson->id, &error);
    g_autoptr (LcAccount) a = lc_store_get_account (iface, teacher->id, &error);
    g_autoptr (LcRecording) r = NULL;
    g_autoptr (GPtrArray) rows = NULL;
    LcRecordingFilter filter = { .state = -1, .scope = LC_LESSON_SCOPE_ALL };
    g_autofree char *report = NULL;

    g_assert_no_error (error);
    g_assert_cmpstr (l->title, ==, "Дроби на практике");
    g_assert_cmpint (l->status, ==, LC_LESSON_ENDED);
    g_assert_cmpstr (a->display_name, ==, "Анна Петровна Смирнова");

    rows = lc_store_list_recordings (iface, &filter, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (rows->len, ==, 0);

    recording->id = lc_id_new ();
    recording->lesson_id = g_strdup (lesson->id);
    recording->state = LC_RECORDING_READY;
    recording->progress = 100;
    recording->path = g_strdup_printf ("%s/%s.mp4", lesson->id, recording->id);
    recording->duration_ms = 2700000;
    recording->started_at = 1800000000;
    recording->ended_at = 1800002700;
    g_assert_true (lc_store_insert_recording (iface, recording, &error));
    g_assert_no_error (error);
    r = lc_store_get_recording (iface, recording->id, &error);
    g_assert_no_error (error);
    g_assert_cmpint (r->duration_ms, ==, 2700000);
    g_assert_true (lc_store_check (iface, &report, &error));
    g_assert_no_error (error);
  }
  close_store (store);

  raw = open_raw (f);
  g_assert_true (index_exists (raw, "recordings_lesson"));
  g_assert_true (index_exists (raw, "recordings_started"));
  g_assert_true (index_exists (raw, "lessons_school_starts")); /* v2 kept */
  g_assert_cmpint (raw_int (raw, "SELECT count(*) FROM recordings"), ==, 1);
  /* The CHECK on state is in the schema, not only in the code. */
  g_assert_cmpint (sqlite3_exec (raw,
                                 "UPDATE recordings SET state = 'archived'", NULL, NULL, NULL),
                   ==, SQLITE_CONSTRAINT);
  sqlite3_close (raw);
}

/* v3 → v4 adds conferences, their invites and attendance, and lessons.sequence:
 * a populated v3 database upgrades, its rows stay (sequence 0), and the new
 * tables work, with their constraints in the schema. */
/* Rows of tables no migration has changed yet, through the store. (transfer full) ids */
static char *
add_school_row (LcStore *store, const char *short_name)
{
  g_autoptr (LcSchool) school = lc_school_new ();
  g_autoptr (GError) error = NULL;

  school->id = lc_id_new ();
  school->name = g_strdup_printf ("ГБОУ «%s»", short_name);
  school->short_name = g_strdup (short_name);
  school->district = g_strdup ("Хамовники");
  g_assert_true (lc_store_insert_school (store, school, &error));
  g_assert_no_error (error);
  return g_strdup (school->id);
}

static char *
add_teacher_row (LcStore *store, const char *school_id)
{
  g_autoptr (LcAccount) teacher = lc_account_new ();
  g_autoptr (GError) error = NULL;

  teacher->id = lc_id_new ();
  teacher->login = g_strdup ("teacher.s57");
  teacher->display_name = g_strdup ("Анна Петровна Смирнова");
  teacher->school_id = g_strdup (school_id);
  teacher->password_hash = g_strdup ("$scrypt$ln=10,r=8,p=1$AAAA$BBBB");
  g_assert_true (lc_store_insert_account (store, teacher, &error));
  g_assert_no_error (error);
  return g_strdup (teacher->id);
}

static void
test_upgrade_v3_with_data (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LcStoreSqlite *store = open_store (f);
  LcStore *iface = LC_STORE (store);
  g_autoptr (LcRecording) recording = lc_recording_new ();
  g_autofree char *lesson_id = lc_id_new ();
  g_autofree char *publish_key = lc_secret_new ("lpk");
  g_autofree char *school = NULL;
  g_autofree char *guest = NULL;
  g_autofree char *teacher = NULL;
  sqlite3 *raw;

  g_assert_true (lc_store_sqlite_migrate_to (store, 3, &error));
  g_assert_no_error (error);
  school = add_school_row (iface, "Школа № 57");
  guest = add_school_row (iface, "Школа № 1535");
  teacher = add_teacher_row (iface, school);
  raw_insert_old_lesson (f, lesson_id, school, teacher, "live", publish_key);
  recording->id = lc_id_new ();
  recording->lesson_id = g_strdup (lesson_id);
  recording->started_at = 1800000000;
  g_assert_true (lc_store_insert_recording (iface, recording, &error));
  g_assert_no_error (error);
  close_store (store);

  /* v3 on disk: no conference tables, no sequence column. */
  raw = open_raw (f);
  g_assert_cmpint (raw_int (raw, "PRAGMA user_version"), ==, 3);
  g_assert_cmpint (raw_int (raw, "SELECT count(*) FROM sqlite_master WHERE name IN "
                                 "('conferences', 'conference_invites', 'attendance')"),
                   ==, 0);
  g_assert_cmpint (raw_int (raw, "SELECT count(*) FROM pragma_table_info ('lessons') "
                                 "WHERE name = 'sequence'"),
                   ==, 0);
  sqlite3_close (raw);

  store = open_store (f);
  iface = LC_STORE (store);
  g_assert_true (lc_store_migrate (iface, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lc_store_get_schema_version (iface), >=, 4);

  {
    g_autoptr (LcLesson) l = lc_store_get_lesson (iface, lesson_id, &error);
    g_autoptr (LcRecording) r = lc_store_get_recording (iface, recording->id, &error);
    g_autoptr (LcConference) conference = lc_conference_new ();
    g_autoptr (LcConference) c = NULL;
    g_autoptr (LcLesson) bumped = NULL;
    g_autofree char *report = NULL;

    g_assert_no_error (error);
    g_assert_cmpstr (l->title, ==, "Дроби на практике");
    g_assert_cmpstr (l->publish_key, ==, publish_key);
    g_assert_cmpint (l->status, ==, LC_LESSON_LIVE);
    g_assert_cmpint (l->sequence, ==, 0); /* the default for existing rows */
    g_assert_cmpstr (r->lesson_id, ==, lesson_id);

    /* The sequence column works on the migrated rows. */
    g_assert_true (lc_store_set_lesson_status (iface, lesson_id, LC_LESSON_ENDED, &error));
    g_assert_no_error (error);
    bumped = lc_store_get_lesson (iface, lesson_id, &error);
    g_assert_no_error (error);
    g_assert_cmpint (bumped->sequence, ==, 1);

    conference->id = lc_id_new ();
    conference->title = g_strdup ("Совместный урок");
    conference->host_school_id = g_strdup (school);
    conference->created_by = g_strdup (teacher);
    conference->starts_at = 1800000000;
    conference->ends_at = 1800003600;
    g_ptr_array_add (conference->invites, lc_conference_invite_new (guest, LC_INVITE_PENDING));
    g_assert_true (lc_store_insert_conference (iface, conference, &error));
    g_assert_no_error (error);
    c = lc_store_get_conference (iface, conference->id, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (c->invites->len, ==, 1);
    g_assert_true (lc_store_check (iface, &report, &error));
    g_assert_no_error (error);
  }
  close_store (store);

  raw = open_raw (f);
  g_assert_true (index_exists (raw, "conferences_starts"));
  g_assert_true (index_exists (raw, "conferences_ends"));
  g_assert_true (index_exists (raw, "conferences_host"));
  g_assert_true (index_exists (raw, "conference_invites_school"));
  g_assert_true (index_exists (raw, "attendance_conference"));
  g_assert_true (index_exists (raw, "recordings_started")); /* v3 kept */
  g_assert_cmpint (raw_int (raw, "SELECT count(*) FROM lessons"), ==, 1);
  g_assert_cmpint (raw_int (raw, "SELECT count(*) FROM recordings"), ==, 1);
  /* The CHECKs and the cascade are in the schema, not only in the code. */
  g_assert_cmpint (sqlite3_exec (raw, "UPDATE conference_invites SET status = 'maybe'", NULL, NULL,
                                 NULL),
                   ==, SQLITE_CONSTRAINT);
  g_assert_cmpint (sqlite3_exec (raw, "UPDATE conferences SET ends_at = starts_at", NULL, NULL,
                                 NULL),
                   ==, SQLITE_CONSTRAINT);
  raw_exec (raw, "PRAGMA foreign_keys = ON");
  raw_exec (raw, "DELETE FROM conferences");
  g_assert_cmpint (raw_int (raw, "SELECT count(*) FROM conference_invites"), ==, 0);
  sqlite3_close (raw);
}

static void
test_too_new (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *expected = NULL;
  LcStoreSqlite *store = open_store (f);
  int latest = lc_store_get_latest_schema_version (LC_STORE (store));
  sqlite3 *raw;

  g_assert_true (lc_store_migrate (LC_STORE (store), &error));
  close_store (store);

  /* A later lessoncast migrated this file to version 7. */
  raw = open_raw (f);
  raw_exec (raw, "PRAGMA user_version = 7");
  sqlite3_close (raw);

  store = open_store (f);
  g_assert_false (lc_store_migrate (LC_STORE (store), &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_STORE);
  expected = g_strdup_printf ("database schema version 7 is newer than this lessoncast (%d): "
                              "upgrade lessoncast",
                              latest);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);
  g_assert_false (lc_store_sqlite_migrate_to (store, 1, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_STORE);
  g_assert_cmpint (lc_store_get_schema_version (LC_STORE (store)), ==, 7);
  close_store (store);
}

static void
test_failure_rolls_back (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LcStoreSqlite *store = open_store (f);
  sqlite3 *raw;

  g_assert_true (lc_store_sqlite_migrate_to (store, 1, &error));
  g_assert_no_error (error);
  close_store (store);

  /* Someone created an object whose name migration 2 needs: migration 2
   * creates schools_district_name first, then fails on lessons_school_starts. */
  raw = open_raw (f);
  raw_exec (raw, "CREATE TABLE lessons_school_starts (x)");
  sqlite3_close (raw);

  store = open_store (f);
  g_assert_false (lc_store_migrate (LC_STORE (store), &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_STORE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "migration 2"));
  g_clear_error (&error);
  g_assert_cmpint (lc_store_get_schema_version (LC_STORE (store)), ==, 1);
  close_store (store);

  raw = open_raw (f);
  g_assert_cmpint (raw_int (raw, "PRAGMA user_version"), ==, 1);
  g_assert_false (index_exists (raw, "schools_district_name")); /* its first step undone */
  g_assert_true (index_exists (raw, "schools_district"));
  g_assert_true (index_exists (raw, "lessons_school"));

  /* Once the obstacle is gone, the same migration succeeds. */
  raw_exec (raw, "DROP TABLE lessons_school_starts");
  sqlite3_close (raw);
  store = open_store (f);
  g_assert_true (lc_store_migrate (LC_STORE (store), &error));
  g_assert_no_error (error);
  g_assert_cmpint (lc_store_get_schema_version (LC_STORE (store)), ==,
                   lc_store_get_latest_schema_version (LC_STORE (store)));
  close_store (store);
}

static gboolean
txn_migrate (LcStore *store, gpointer user_data, GError **error)
{
  return lc_store_migrate (store, error);
}

static void
test_not_inside_transaction (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LcStoreSqlite *store = open_store (f);

  g_assert_false (lc_store_transaction (LC_STORE (store), txn_migrate, NULL, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_STORE);
  g_clear_error (&error);
  g_assert_cmpint (lc_store_get_schema_version (LC_STORE (store)), ==, 0);
  close_store (store);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/common/migrations/fresh", test_fresh);
  ADD ("/common/migrations/step-by-step", test_step_by_step);
  ADD ("/common/migrations/upgrade-v1-with-data", test_upgrade_v1_with_data);
  ADD ("/common/migrations/upgrade-v2-with-data", test_upgrade_v2_with_data);
  ADD ("/common/migrations/upgrade-v3-with-data", test_upgrade_v3_with_data);
  ADD ("/common/migrations/too-new", test_too_new);
  ADD ("/common/migrations/failure-rolls-back", test_failure_rolls_back);
  ADD ("/common/migrations/not-inside-transaction", test_not_inside_transaction);
#undef ADD

  return g_test_run ();
}
