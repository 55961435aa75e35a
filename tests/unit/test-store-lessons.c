/* test-store-lessons.c — the SQLite store's lessons and recordings through the
 * LcStore interface: CRUD, lesson filters, scopes and keyset pagination, status
 * changes, the iCalendar sequence, recordings (CRUD, scopes, filters,
 * newest-first keyset pagination, cascade with their lesson). */
#include "test-store-fixture.h"

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
        g_assert_cmpint (((LcLesson *)lessons->pdata[i - 1])->starts_at, <=, lesson->starts_at);
      append_id (ids, lesson->id);
    }
  return g_string_free (g_steal_pointer (&ids), FALSE);
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

/* ---- lesson sequence (iCalendar SEQUENCE, schema v4) ---- */

static int
lesson_sequence (LcStore *store, const char *id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LcLesson) lesson = lc_store_get_lesson (store, id, &error);

  g_assert_no_error (error);
  return lesson->sequence;
}

static void
test_lessons_sequence (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *school = add_school (f->store, "Школа № 57", "Хамовники");
  g_autofree char *teacher = add_account (f->store, "teacher.s57", LC_ROLE_TEACHER, school);
  g_autoptr (LcLesson) lesson = lesson_template (school, teacher, T0 + HOUR);
  g_autoptr (LcLesson) imported = lesson_template (school, teacher, T0 + 2 * HOUR);
  g_autoptr (GPtrArray) listed = NULL;
  LcLessonFilter filter = lesson_filter (LC_LESSON_SCOPE_ALL);

  /* A new lesson starts at 0; an imported one keeps what it had. */
  g_assert_true (lc_store_insert_lesson (f->store, lesson, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lesson_sequence (f->store, lesson->id), ==, 0);
  imported->sequence = 5;
  g_assert_true (lc_store_insert_lesson (f->store, imported, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lesson_sequence (f->store, imported->id), ==, 5);

  /* Every update bumps it, whatever the caller passes below the stored value. */
  g_free (lesson->title);
  lesson->title = g_strdup ("Дроби на практике");
  g_assert_true (lc_store_update_lesson (f->store, lesson, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lesson_sequence (f->store, lesson->id), ==, 1);
  g_assert_true (lc_store_update_lesson (f->store, lesson, &error)); /* still sequence 0 here */
  g_assert_cmpint (lesson_sequence (f->store, lesson->id), ==, 2);
  /* A caller that bumped it already is not bumped twice. */
  lesson->sequence = 3;
  g_assert_true (lc_store_update_lesson (f->store, lesson, &error));
  g_assert_cmpint (lesson_sequence (f->store, lesson->id), ==, 3);

  /* A status change bumps it; the same status again does not. */
  g_assert_true (lc_store_set_lesson_status (f->store, lesson->id, LC_LESSON_LIVE, &error));
  g_assert_cmpint (lesson_sequence (f->store, lesson->id), ==, 4);
  g_assert_true (lc_store_set_lesson_status (f->store, lesson->id, LC_LESSON_LIVE, &error));
  g_assert_cmpint (lesson_sequence (f->store, lesson->id), ==, 4);
  g_assert_true (lc_store_set_lesson_status (f->store, lesson->id, LC_LESSON_CANCELLED, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lesson_sequence (f->store, lesson->id), ==, 5);

  /* A failed update changes nothing. */
  g_free (lesson->teacher_id);
  lesson->teacher_id = g_strdup ("AAAAAAAAAAAAAAAAAAAAAA");
  g_assert_false (lc_store_update_lesson (f->store, lesson, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "teacher_id");
  g_clear_error (&error);
  g_assert_cmpint (lesson_sequence (f->store, lesson->id), ==, 5);

  /* Lists read it too. */
  listed = list_lessons (f->store, &filter);
  g_assert_cmpuint (listed->len, ==, 2);
  g_assert_cmpint (((LcLesson *)g_ptr_array_index (listed, 0))->sequence, ==, 5);
  g_assert_cmpint (((LcLesson *)g_ptr_array_index (listed, 1))->sequence, ==, 5);
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
    append_id (ids, ((LcRecording *)rows->pdata[i])->id);
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
              append_id (walked, ((LcRecording *)page->pdata[i])->id);
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

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/common/store/lessons/crud", test_lessons);
  ADD ("/common/store/lessons/scopes", test_lessons_scopes);
  ADD ("/common/store/lessons/filters", test_lessons_filters);
  ADD ("/common/store/lessons/pagination", test_lessons_pagination);
  ADD ("/common/store/lessons/set-status", test_lessons_set_status);
  ADD ("/common/store/lessons/sequence", test_lessons_sequence);
  ADD ("/common/store/recordings/crud", test_recordings_crud);
  ADD ("/common/store/recordings/list", test_recordings_list);
  ADD ("/common/store/recordings/cascade", test_recordings_cascade);
#undef ADD

  return g_test_run ();
}
