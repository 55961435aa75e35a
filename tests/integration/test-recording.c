/* test-recording.c — the recorder (recorder/lc-recorder) on a real channel fed
 * by the synthetic H.264 + Opus publisher, with a temporary store and
 * recordings directory: a broadcast → finish → a ready Recording whose final
 * MP4 decodes end to end (frames and audio), lasts as long as the broadcast
 * (±5 %), is faststart and carries the lesson's tags (read back with
 * GstDiscoverer), with its size and SHA-256 in the row; a publisher gap
 * continues the same recording; a recorder killed with SIGKILL mid-lesson is
 * finalised by lc_recorder_recover_async up to within 2 s of the kill, and a
 * row whose file is missing becomes failed; a full disk (a tiny tmpfs in a
 * private mount namespace, or RLIMIT_FSIZE where mounting is not allowed)
 * fails the recording with a reason while another consumer of the channel
 * goes on; VP8 is refused with a reason; finalisation of a cut part file; a
 * resolution change mid-lesson decodes at both sizes. */
#define _GNU_SOURCE /* unshare (CLONE_NEWNS) */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/pbutils/pbutils.h>

#include "common/lc-crypto.h"
#include "common/lc-error.h"
#include "common/lc-store-sqlite.h"
#include "common/lc-time.h"
#include "recorder/lc-recorder.h"
#include "streamer/lc-channel.h"
#include "streamer/lc-synthetic-source.h"
#include "lc-test-fs.h"
#include "lc-test-media.h"
#include "lc-test-net.h"

#define FPS 25
#define ENV_DIR "LC_TEST_RECORDING_DIR"
#define ENV_LESSON "LC_TEST_RECORDING_LESSON"

/* ---- waiting on the main context ---- */

typedef struct
{
  LcChannel *channel;
  GstClockTime position;
} PositionWait;

static gboolean
position_reached (gpointer data)
{
  PositionWait *wait = data;

  return lc_channel_get_position (wait->channel) >= wait->position;
}

/* Let the broadcast run until channel time reaches seconds. */
static void
run_broadcast_until (LcChannel *channel, double seconds)
{
  PositionWait wait = { channel, (GstClockTime)(seconds * GST_SECOND) };

  lc_test_run_until (position_reached, &wait, (guint)(seconds * 1000) + 30000);
}

/* ---- fixture: a temporary data dir with a store and one lesson ---- */

typedef struct
{
  char *dir;
  char *recordings;
  char *db_path;
  LcStore *store;
  char *lesson_id;
} Fixture;

/* A school, a teacher who consented to be named, and a lesson. Returns the lesson id. */
static char *
seed_lesson (LcStore *store)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LcSchool) school = lc_school_new ();
  g_autoptr (LcAccount) teacher = lc_account_new ();
  g_autoptr (LcLesson) lesson = lc_lesson_new ();

  school->id = lc_id_new ();
  school->name = g_strdup ("ГБОУ «Школа № 57»");
  school->short_name = g_strdup ("Школа № 57");
  school->district = g_strdup ("Хамовники");
  g_assert_true (lc_store_insert_school (store, school, &error));
  g_assert_no_error (error);

  teacher->id = lc_id_new ();
  teacher->login = g_strdup ("teacher.s57");
  teacher->display_name = g_strdup ("Анна Петровна Смирнова");
  teacher->school_id = g_strdup (school->id);
  teacher->password_hash = g_strdup ("$scrypt$ln=10,r=8,p=1$AAAA$BBBB");
  teacher->consent_publish_name = TRUE;
  g_assert_true (lc_store_insert_account (store, teacher, &error));
  g_assert_no_error (error);

  lesson->id = lc_id_new ();
  lesson->title = g_strdup ("Дроби на практике");
  lesson->subject = g_strdup ("Математика");
  lesson->grade = 6;
  lesson->school_id = g_strdup (school->id);
  lesson->teacher_id = g_strdup (teacher->id);
  lesson->starts_at = 1800000000; /* 2027-01-15 08:00 UTC */
  lesson->ends_at = lesson->starts_at + 45 * 60;
  lesson->status = LC_LESSON_LIVE;
  lesson->publish_key = lc_secret_new ("lpk");
  g_assert_true (lc_store_insert_lesson (store, lesson, &error));
  g_assert_no_error (error);
  return g_strdup (lesson->id);
}

static LcStore *
open_store (const char *path)
{
  g_autoptr (GError) error = NULL;
  LcStoreSqlite *store = lc_store_sqlite_open (path, &error);

  g_assert_no_error (error);
  g_assert_true (lc_store_migrate (LC_STORE (store), &error));
  g_assert_no_error (error);
  return LC_STORE (store);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = lc_test_fs_make_tmp_dir ("lc-recording-XXXXXX");
  f->recordings = g_build_filename (f->dir, "recordings", NULL);
  g_assert_cmpint (g_mkdir (f->recordings, 0750), ==, 0);
  f->db_path = g_build_filename (f->dir, LC_STORE_DB_FILENAME, NULL);
  f->store = open_store (f->db_path);
  f->lesson_id = seed_lesson (f->store);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_assert_cmpuint (G_OBJECT (f->store)->ref_count, ==, 1);
  lc_store_close (f->store);
  g_clear_object (&f->store);
  lc_test_fs_assert_remove_tree (f->dir);
  g_free (f->recordings);
  g_free (f->db_path);
  g_free (f->lesson_id);
  g_free (f->dir);
}

static const LcRecordingMeta test_meta = {
  .title = "Дроби на практике",
  .school = "Школа № 57",
  .teacher = "Анна Петровна Смирнова",
  .subject = "Математика",
  .starts_at = 1800000000,
  .ends_at = 1800000000 + 45 * 60,
};

/* ---- a recorder run ---- */

typedef struct
{
  gboolean done;
  gboolean ok;
  guint count;
} Finished;

static void
on_finished (LcRecorder *recorder, gboolean ok, gpointer user_data)
{
  Finished *finished = user_data;

  finished->done = TRUE;
  finished->ok = ok;
  finished->count++;
}

static gboolean
finished_done (gpointer data)
{
  return ((Finished *)data)->done;
}

static LcRecording *
get_row (LcStore *store, const char *id)
{
  g_autoptr (GError) error = NULL;
  LcRecording *row = lc_store_get_recording (store, id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (row);
  return row;
}

/* A recorder of the fixture's lesson on channel; finished counts its
 * "finished" signals. Not started. (transfer full) */
static LcRecorder *
new_recorder (Fixture *f, LcChannel *channel, Finished *finished)
{
  LcRecorder *recorder
      = lc_recorder_new (channel, f->store, f->recordings, f->lesson_id, &test_meta);

  g_signal_connect (recorder, "finished", G_CALLBACK (on_finished), finished);
  return recorder;
}

/* Same, started (asserts). (transfer full) */
static LcRecorder *
start_recorder (Fixture *f, LcChannel *channel, Finished *finished)
{
  g_autoptr (GError) error = NULL;
  LcRecorder *recorder = new_recorder (f, channel, finished);

  g_assert_true (lc_recorder_start (recorder, &error));
  g_assert_no_error (error);
  return recorder;
}

/* The fixture's lesson has exactly one Recording row. */
static void
assert_one_recording (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  LcRecordingFilter filter = { .state = -1, .scope = LC_LESSON_SCOPE_ALL };

  filter.lesson_id = f->lesson_id;
  rows = lc_store_list_recordings (f->store, &filter, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
}

/* ---- checking a final file ---- */

/* Offsets of the top-level moov and mdat boxes (faststart: moov first). */
static void
top_level_boxes (const char *path, gint64 *moov, gint64 *mdat)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  gsize pos = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  *moov = *mdat = -1;
  while (pos + 8 <= len)
    {
      const guint8 *box = (const guint8 *)data + pos;
      guint64 size = (guint64)box[0] << 24 | (guint64)box[1] << 16 | (guint64)box[2] << 8 | box[3];

      if (size == 1 && pos + 16 <= len)
        {
          size = 0;
          for (guint i = 8; i < 16; i++)
            size = size << 8 | box[i];
        }
      else if (size == 0)
        size = len - pos;
      if (memcmp (data + pos + 4, "moov", 4) == 0 && *moov < 0)
        *moov = (gint64)pos;
      if (memcmp (data + pos + 4, "mdat", 4) == 0 && *mdat < 0)
        *mdat = (gint64)pos;
      g_assert_cmpuint (size, >=, 8);
      pos += size;
    }
  g_assert_cmpuint (pos, ==, len); /* the boxes cover the file exactly */
}

static char *
file_sha256 (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)data, len);
}

static void
assert_tag (const GstTagList *tags, const char *tag, const char *expected)
{
  g_autofree char *value = NULL;

  g_assert_true (gst_tag_list_get_string (tags, tag, &value));
  g_assert_cmpstr (value, ==, expected);
}

/* Tags and duration as a player sees them. */
static void
check_discovered (const char *path, gint64 duration_ms)
{
  g_autofree char *uri = gst_filename_to_uri (path, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstDiscoverer) discoverer = gst_discoverer_new (30 * GST_SECOND, &error);
  g_autoptr (GstDiscovererInfo) info = NULL;
  const GstTagList *tags;
  g_autofree char *comment = NULL;
  GstDateTime *date_time = NULL;
  GDate *date = NULL;
  GstClockTime duration;

  g_assert_no_error (error);
  info = gst_discoverer_discover_uri (discoverer, uri, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gst_discoverer_info_get_result (info), ==, GST_DISCOVERER_OK);
  duration = gst_discoverer_info_get_duration (info);
  g_assert_cmpint (llabs ((gint64)(duration / GST_MSECOND) - duration_ms), <=, 100);

  tags = gst_discoverer_info_get_tags (info);
  g_assert_nonnull (tags);
  {
    g_autofree char *text = gst_tag_list_to_string (tags);
    g_test_message ("tags: %s", text);
  }
  assert_tag (tags, GST_TAG_TITLE, "Дроби на практике");
  assert_tag (tags, GST_TAG_ARTIST, "Анна Петровна Смирнова"); /* consented */
  assert_tag (tags, GST_TAG_ALBUM, "Школа № 57");
  assert_tag (tags, GST_TAG_GENRE, "Математика");
  g_assert_true (gst_tag_list_get_string (tags, GST_TAG_COMMENT, &comment));
  g_assert_nonnull (strstr (comment, "Математика"));
  g_assert_nonnull (strstr (comment, "Школа № 57"));
  g_assert_nonnull (strstr (comment, "2027-01-15 08:00–08:45 UTC"));
  if (gst_tag_list_get_date_time (tags, GST_TAG_DATE_TIME, &date_time))
    {
      g_assert_cmpint (gst_date_time_get_year (date_time), ==, 2027);
      g_assert_cmpint (gst_date_time_get_month (date_time), ==, 1);
      g_assert_cmpint (gst_date_time_get_day (date_time), ==, 15);
      gst_date_time_unref (date_time);
    }
  else
    {
      g_assert_true (gst_tag_list_get_date (tags, GST_TAG_DATE, &date));
      g_assert_cmpint (g_date_get_year (date), ==, 2027);
      g_date_free (date);
    }
}

/* Everything a ready recording promises. expected_ms: the broadcast's length. */
static void
check_ready (Fixture *f, LcRecording *row, gint64 expected_ms, gint64 tolerance_ms)
{
  g_autofree char *final_path = g_build_filename (f->recordings, row->path, NULL);
  g_autofree char *part_path = NULL;
  g_autofree char *expected_path = g_strdup_printf ("%s/%s.mp4", row->lesson_id, row->id);
  g_autofree char *sha = NULL;
  LcTestDecoded decoded;
  gint64 moov, mdat;
  GStatBuf st;

  g_assert_cmpint (row->state, ==, LC_RECORDING_READY);
  g_assert_null (row->failure_reason);
  g_assert_cmpint (row->progress, ==, 100);
  g_assert_cmpstr (row->path, ==, expected_path);
  g_assert_cmpstr (row->video_codec, ==, "h264");
  g_assert_cmpstr (row->audio_codec, ==, "opus");
  g_assert_cmpint (row->ended_at, >=, row->started_at);
  g_test_message ("recording %s: %" G_GINT64_FORMAT " ms, expected %" G_GINT64_FORMAT " ms",
                  row->id, row->duration_ms, expected_ms);
  g_assert_cmpint (llabs (row->duration_ms - expected_ms), <=, tolerance_ms);

  /* The part file is gone, the final file is what the row says. */
  part_path = g_strdup_printf ("%s/%s/%s.part.mp4", f->recordings, row->lesson_id, row->id);
  g_assert_false (g_file_test (part_path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_stat (final_path, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, row->size_bytes);
  sha = file_sha256 (final_path);
  g_assert_cmpstr (sha, ==, row->sha256);

  top_level_boxes (final_path, &moov, &mdat);
  g_assert_cmpint (moov, >=, 0);
  g_assert_cmpint (mdat, >, moov); /* faststart */

  lc_test_decode_file (final_path, &decoded);
  g_assert_true (decoded.have_video && decoded.have_audio);
  /* Every frame decodes: about FPS per second of the recording. */
  g_assert_cmpfloat ((double)decoded.video_frames, >=, 0.9 * FPS * row->duration_ms / 1000.0);
  g_assert_cmpfloat ((double)decoded.video_frames, <=, 1.1 * FPS * row->duration_ms / 1000.0 + 2);
  g_assert_cmpint (llabs ((gint64)(decoded.video_last / GST_MSECOND) - row->duration_ms), <=, 500);
  /* Audio over the whole recording. */
  g_assert_cmpint ((gint64)(decoded.audio_time / GST_MSECOND), >=, row->duration_ms * 9 / 10);
  check_discovered (final_path, row->duration_ms);
}

/* ---- tests ---- */

static void
test_end_to_end (Fixture *f, gconstpointer data)
{
  g_autoptr (LcChannel) channel = lc_channel_new (f->lesson_id);
  g_autoptr (LcSyntheticSource) source = lc_synthetic_source_new (channel, 320, 180, FPS, "rec");
  g_autoptr (LcRecorder) recorder = NULL;
  g_autoptr (LcRecording) row = NULL;
  g_autoptr (GError) error = NULL;
  Finished finished = { 0 };
  GstClockTime broadcast;
  gint64 ended;

  recorder = new_recorder (f, channel, &finished);
  lc_recorder_set_fragment_duration (recorder, 1000);
  g_assert_true (lc_recorder_start (recorder, &error));
  g_assert_no_error (error);
  g_assert_true (lc_id_is_valid (lc_recorder_get_recording_id (recorder)));

  row = get_row (f->store, lc_recorder_get_recording_id (recorder));
  g_assert_cmpint (row->state, ==, LC_RECORDING_RECORDING);
  g_assert_cmpstr (row->lesson_id, ==, f->lesson_id);
  g_assert_cmpint (row->started_at, >, 0);
  g_assert_cmpint (row->ended_at, ==, 0);
  g_clear_pointer (&row, lc_recording_free);

  g_assert_true (lc_synthetic_source_start (source, &error));
  g_assert_no_error (error);
  run_broadcast_until (channel, 6.0);

  /* While live, the part file grows fragment by fragment. */
  {
    g_autofree char *part = g_strdup_printf ("%s/%s/%s.part.mp4", f->recordings, f->lesson_id,
                                             lc_recorder_get_recording_id (recorder));
    GStatBuf st;

    g_assert_cmpint (g_stat (part, &st), ==, 0);
    g_assert_cmpint (st.st_size, >, 50000);
  }

  lc_synthetic_source_stop (source);
  broadcast = lc_channel_get_position (channel);
  ended = g_get_monotonic_time ();
  lc_channel_finish (channel);
  lc_test_run_until (finished_done, &finished, 60000);
  g_test_message ("finalised %.2f s after the end",
                  (double)(g_get_monotonic_time () - ended) / G_USEC_PER_SEC);
  g_assert_true (finished.ok);
  g_assert_cmpuint (finished.count, ==, 1);

  row = get_row (f->store, lc_recorder_get_recording_id (recorder));
  check_ready (f, row, (gint64)(broadcast / GST_MSECOND),
               (gint64)(broadcast / GST_MSECOND) / 20 /* 5 % */);

  /* One recording for the lesson. */
  assert_one_recording (f);
}

static void
test_publisher_gap (Fixture *f, gconstpointer data)
{
  g_autoptr (LcChannel) channel = lc_channel_new (f->lesson_id);
  g_autoptr (LcSyntheticSource) source = lc_synthetic_source_new (channel, 320, 180, FPS, "gap");
  g_autoptr (LcRecorder) recorder = NULL;
  g_autoptr (LcRecording) row = NULL;
  g_autoptr (GError) error = NULL;
  Finished finished = { 0 };
  GstClockTime before_gap, broadcast;

  recorder = start_recorder (f, channel, &finished);
  g_assert_true (lc_synthetic_source_start (source, &error));
  run_broadcast_until (channel, 2.5);

  /* The publisher drops for 1.5 s and comes back. */
  lc_synthetic_source_stop (source);
  before_gap = lc_channel_get_position (channel);
  lc_test_run_for (1500);
  g_assert_true (lc_synthetic_source_start (source, &error));
  g_assert_no_error (error);
  run_broadcast_until (channel, (double)before_gap / GST_SECOND + 1.5 + 2.5);
  lc_synthetic_source_stop (source);
  broadcast = lc_channel_get_position (channel);
  lc_channel_finish (channel);
  lc_test_run_until (finished_done, &finished, 60000);
  g_assert_true (finished.ok);

  /* Still one recording, and its timeline spans the gap. */
  assert_one_recording (f);
  row = get_row (f->store, lc_recorder_get_recording_id (recorder));
  g_assert_cmpint (row->state, ==, LC_RECORDING_READY);
  g_assert_cmpint (row->duration_ms, >=, (gint64)(before_gap / GST_MSECOND) + 1400 + 2000);
  {
    g_autofree char *final_path = g_build_filename (f->recordings, row->path, NULL);
    LcTestDecoded decoded;

    g_assert_cmpint (llabs (row->duration_ms - (gint64)(broadcast / GST_MSECOND)), <=,
                     (gint64)(broadcast / GST_MSECOND) / 20);
    lc_test_decode_file (final_path, &decoded);
    /* Pictures on both sides of the gap, none for the gap itself. */
    g_test_message ("longest step between frames: %" GST_TIME_FORMAT " at %" GST_TIME_FORMAT,
                    GST_TIME_ARGS (decoded.video_max_gap), GST_TIME_ARGS (decoded.video_gap_at));
    g_assert_cmpuint (decoded.video_max_gap, >=, 1400 * GST_MSECOND);
    g_assert_cmpuint (decoded.video_gap_at, >=, before_gap - GST_SECOND);
    g_assert_cmpuint (decoded.video_gap_at, <=, before_gap + 100 * GST_MSECOND);
    g_assert_cmpfloat (
        (double)decoded.video_frames, >=,
        0.85 * FPS * (row->duration_ms / 1000.0 - (double)decoded.video_max_gap / GST_SECOND));
    g_assert_cmpint (llabs ((gint64)(decoded.video_last / GST_MSECOND) - row->duration_ms), <=,
                     500);
    /* The audio track is continuous (silence over the gap). */
    g_assert_cmpint ((gint64)(decoded.audio_time / GST_MSECOND), >=, row->duration_ms * 9 / 10);
  }
}

/* Child process of /recorder/recording/recovery: records ~4 s, writes the
 * channel position to <dir>/crash-position and SIGKILLs itself. */
static void
test_crash_child (void)
{
  const char *dir = g_getenv (ENV_DIR);
  const char *lesson_id = g_getenv (ENV_LESSON);
  g_autofree char *db = NULL;
  g_autofree char *recordings = NULL;
  g_autofree char *position_file = NULL;
  g_autofree char *position = NULL;
  g_autoptr (GError) error = NULL;
  LcStore *store;
  LcChannel *channel;
  LcSyntheticSource *source;
  LcRecorder *recorder;

  if (!g_test_subprocess ())
    {
      g_test_skip ("runs only as the subprocess of /recorder/recording/recovery");
      return;
    }
  g_assert_nonnull (dir);
  g_assert_nonnull (lesson_id);
  db = g_build_filename (dir, LC_STORE_DB_FILENAME, NULL);
  recordings = g_build_filename (dir, "recordings", NULL);
  store = open_store (db);
  channel = lc_channel_new (lesson_id);
  source = lc_synthetic_source_new (channel, 320, 180, FPS, "crash");
  recorder = lc_recorder_new (channel, store, recordings, lesson_id, &test_meta);
  g_assert_true (lc_recorder_start (recorder, &error));
  g_assert_no_error (error);
  g_assert_true (lc_synthetic_source_start (source, &error));
  g_assert_no_error (error);
  run_broadcast_until (channel, 4.5);

  position = g_strdup_printf ("%" G_GUINT64_FORMAT, lc_channel_get_position (channel));
  position_file = g_build_filename (dir, "crash-position", NULL);
  g_assert_true (g_file_set_contents (position_file, position, -1, NULL));
  kill (getpid (), SIGKILL);
  g_assert_not_reached ();
}

typedef struct
{
  gboolean done;
  gboolean ok;
  guint n;
  GError *error;
} Recovered;

static void
on_recovered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Recovered *recovered = user_data;

  recovered->ok = lc_recorder_recover_finish (result, &recovered->n, &recovered->error);
  recovered->done = TRUE;
}

static gboolean
recovered_done (gpointer data)
{
  return ((Recovered *)data)->done;
}

static void
test_recovery (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (LcRecording) missing = lc_recording_new ();
  g_autoptr (LcRecording) got = NULL;
  g_autofree char *position_file = g_build_filename (f->dir, "crash-position", NULL);
  g_autofree char *position_text = NULL;
  g_autofree char *part_path = NULL;
  LcRecordingFilter filter = { .state = -1, .scope = LC_LESSON_SCOPE_ALL };
  Recovered recovered = { 0 };
  LcRecording *row;
  gint64 crash_ms;

  g_setenv (ENV_DIR, f->dir, TRUE);
  g_setenv (ENV_LESSON, f->lesson_id, TRUE);
  g_test_trap_subprocess ("/recorder/recording/recovery/child", 120 * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_failed (); /* killed */
  g_unsetenv (ENV_DIR);
  g_unsetenv (ENV_LESSON);
  g_assert_true (g_file_get_contents (position_file, &position_text, NULL, NULL));
  crash_ms = g_ascii_strtoll (position_text, NULL, 10) / (gint64)GST_MSECOND;
  g_assert_cmpint (crash_ms, >=, 4500);

  /* The killed recorder left its row in state recording and its part file. */
  filter.lesson_id = f->lesson_id;
  rows = lc_store_list_recordings (f->store, &filter, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  row = rows->pdata[0];
  g_assert_cmpint (row->state, ==, LC_RECORDING_RECORDING);
  part_path = g_build_filename (f->recordings, row->path, NULL);
  g_assert_true (g_str_has_suffix (part_path, ".part.mp4"));
  g_assert_true (g_file_test (part_path, G_FILE_TEST_IS_REGULAR));

  /* Another unfinished recording whose file is gone. */
  missing->id = lc_id_new ();
  missing->lesson_id = g_strdup (f->lesson_id);
  missing->state = LC_RECORDING_FINALIZING;
  missing->path = g_strdup_printf ("%s/%s.part.mp4", f->lesson_id, missing->id);
  missing->started_at = lc_time_now () - 60;
  g_assert_true (lc_store_insert_recording (f->store, missing, &error));
  g_assert_no_error (error);

  /* The start of the recovery (synchronous): the count, then the missing file. */
  g_test_expect_message ("lc-recorder", G_LOG_LEVEL_MESSAGE,
                         "2 recording(s) were left unfinished*");
  g_test_expect_message ("lc-recorder", G_LOG_LEVEL_WARNING, "*: the recording file is missing");
  lc_recorder_recover_async (f->store, f->recordings, NULL, on_recovered, &recovered);
  g_test_assert_expected_messages ();
  lc_test_run_until (recovered_done, &recovered, 60000);
  g_assert_no_error (recovered.error);
  g_assert_true (recovered.ok);
  g_assert_cmpuint (recovered.n, ==, 1);

  got = get_row (f->store, missing->id);
  g_assert_cmpint (got->state, ==, LC_RECORDING_FAILED);
  g_assert_cmpstr (got->failure_reason, ==, "the recording file is missing");
  g_clear_pointer (&got, lc_recording_free);

  /* Playable up to within 2 s of the kill (a fragment is 1 s). */
  got = get_row (f->store, row->id);
  g_assert_cmpint (got->ended_at, >=, got->started_at);
  check_ready (f, got, crash_ms - 1000, 1000);

  /* Nothing left to recover. */
  recovered = (Recovered){ 0 };
  lc_recorder_recover_async (f->store, f->recordings, NULL, on_recovered, &recovered);
  lc_test_run_until (recovered_done, &recovered, 10000);
  g_assert_true (recovered.ok);
  g_assert_cmpuint (recovered.n, ==, 0);
}

/* ---- a failing output ---- */

typedef struct
{
  LcTestCounter *counter;
  guint target;
} CountWait;

static gboolean
count_reached (gpointer data)
{
  CountWait *wait = data;

  return lc_test_counter_get_pushes (wait->counter) >= wait->target;
}

static void
on_consumer_failed (LcChannel *channel, LcConsumer *consumer, gpointer user_data)
{
  if (LC_IS_RECORDER (consumer))
    *(gboolean *)user_data = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *)data;
}

/* In the child, the recorder's warning about the failure it provokes is not
 * fatal (the test checks the row and the signals; its output is captured). */
static gboolean
on_fatal_log (const char *log_domain, GLogLevelFlags level, const char *message, gpointer data)
{
  return !(g_strcmp0 (log_domain, "lc-recorder") == 0 && (level & G_LOG_LEVEL_WARNING) != 0);
}

/* Make the recordings dir a 256 KiB tmpfs in a private mount namespace
 * (needs root), else cap the size of files this process may write. */
static gboolean
limit_disk (const char *recordings)
{
  struct rlimit limit = { 256 * 1024, 256 * 1024 };

  if (unshare (CLONE_NEWNS) == 0 && mount ("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0
      && mount ("tmpfs", recordings, "tmpfs", MS_NOSUID | MS_NODEV, "size=256k,mode=0750") == 0)
    {
      g_test_message ("disk full: a 256 KiB tmpfs at %s (private mount namespace)", recordings);
      return TRUE;
    }
  g_test_message ("disk full: cannot mount a tmpfs (%s); RLIMIT_FSIZE 256 KiB instead",
                  g_strerror (errno));
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
  return FALSE;
}

/* Child process of /recorder/recording/disk-full (its limits must not touch
 * the test runner). Store in memory: only the recording files are limited. */
static void
test_disk_full_child (void)
{
  const char *dir = g_getenv (ENV_DIR);
  g_autoptr (GError) error = NULL;
  g_autoptr (LcStore) store = NULL;
  g_autoptr (LcChannel) channel = NULL;
  g_autoptr (LcSyntheticSource) source = NULL;
  g_autoptr (LcRecorder) recorder = NULL;
  g_autoptr (LcTestCounter) counter = NULL;
  g_autoptr (LcRecording) row = NULL;
  g_autofree char *recordings = NULL;
  g_autofree char *lesson_id = NULL;
  g_autofree char *part_path = NULL;
  g_autofree char *expected = NULL;
  Finished finished = { 0 };
  gboolean removed = FALSE, tmpfs;
  CountWait wait;
  GStatBuf st;

  if (!g_test_subprocess ())
    {
      g_test_skip ("runs only as the subprocess of /recorder/recording/disk-full");
      return;
    }
  g_test_log_set_fatal_handler (on_fatal_log, NULL);
  g_assert_nonnull (dir);
  recordings = g_build_filename (dir, "recordings", NULL);
  store = open_store (":memory:");
  lesson_id = seed_lesson (store);
  tmpfs = limit_disk (recordings);

  channel = lc_channel_new (lesson_id);
  g_signal_connect (channel, "consumer-failed", G_CALLBACK (on_consumer_failed), &removed);
  source = lc_synthetic_source_new (channel, 320, 180, FPS, "full");
  counter = lc_test_counter_new ();
  lc_channel_add_consumer (channel, LC_CONSUMER (counter));
  recorder = lc_recorder_new (channel, store, recordings, lesson_id, &test_meta);
  g_signal_connect (recorder, "finished", G_CALLBACK (on_finished), &finished);
  g_assert_true (lc_recorder_start (recorder, &error));
  g_assert_no_error (error);
  g_assert_true (lc_synthetic_source_start (source, &error));
  g_assert_no_error (error);

  /* 600 kbit/s fills 256 KiB in a few seconds. */
  lc_test_run_until (finished_done, &finished, 60000);
  g_assert_false (finished.ok);
  row = get_row (store, lc_recorder_get_recording_id (recorder));
  g_test_message ("failure reason: %s", row->failure_reason);
  g_assert_cmpint (row->state, ==, LC_RECORDING_FAILED);
  part_path = g_build_filename (recordings, row->path, NULL);
  if (tmpfs)
    expected = g_strdup_printf ("disk full while writing %s", row->path);
  else
    expected = g_strdup_printf ("cannot write %s: %s", row->path, g_strerror (EFBIG));
  g_assert_cmpstr (row->failure_reason, ==, expected);
  g_assert_cmpint (row->ended_at, >=, row->started_at);

  /* The channel drops the recorder; the other consumer goes on. */
  lc_test_run_until (flag_set, &removed, 10000);
  g_assert_cmpuint (lc_channel_get_consumer_count (channel), ==, 1);
  wait.counter = counter;
  wait.target = lc_test_counter_get_pushes (counter) + 2 * FPS;
  lc_test_run_until (count_reached, &wait, 20000);

  /* What was written stays, and its complete fragments play. */
  g_assert_cmpint (g_stat (part_path, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 100 * 1024);
  {
    LcTestDecoded decoded;

    lc_test_decode_file (part_path, &decoded);
    g_assert_cmpuint (decoded.video_frames, >=, FPS);
  }
  lc_synthetic_source_stop (source);
  lc_channel_finish (channel);
  g_assert_cmpuint (finished.count, ==, 1);
}

static void
test_disk_full (Fixture *f, gconstpointer data)
{
  g_setenv (ENV_DIR, f->dir, TRUE);
  g_test_trap_subprocess ("/recorder/recording/disk-full/child", 120 * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_unsetenv (ENV_DIR);
  g_test_trap_assert_passed ();
}

static void
test_unwritable_dir (Fixture *f, gconstpointer data)
{
  g_autoptr (LcChannel) channel = lc_channel_new (f->lesson_id);
  g_autoptr (LcRecorder) recorder = NULL;
  g_autoptr (LcRecording) row = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *blocker = g_build_filename (f->recordings, f->lesson_id, NULL);
  Finished finished = { 0 };

  /* A file where the lesson's directory should be: no directory, no file
   * (this fails for root too, unlike a read-only directory). */
  g_assert_true (g_file_set_contents (blocker, "x", 1, NULL));
  recorder = new_recorder (f, channel, &finished);
  g_test_expect_message ("lc-recorder", G_LOG_LEVEL_WARNING,
                         "*failed (the lesson goes on): cannot create the recording directory*");
  g_assert_false (lc_recorder_start (recorder, &error));
  g_test_assert_expected_messages ();
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (finished.done);
  g_assert_false (finished.ok);
  row = get_row (f->store, lc_recorder_get_recording_id (recorder));
  g_assert_cmpint (row->state, ==, LC_RECORDING_FAILED);
  g_assert_true (g_str_has_prefix (row->failure_reason, "cannot create the recording directory"));
  g_assert_cmpstr (row->failure_reason, ==, error->message);
  g_assert_cmpuint (lc_channel_get_consumer_count (channel), ==, 0);
}

static void
test_vp8_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (LcChannel) channel = lc_channel_new (f->lesson_id);
  g_autoptr (LcRecorder) recorder = NULL;
  g_autoptr (LcRecording) row = NULL;
  g_autoptr (GstCaps) vp8 = gst_caps_from_string ("video/x-vp8, width=320, height=180");
  g_autoptr (GstBuffer) frame = gst_buffer_new_allocate (NULL, 100, NULL);
  Finished finished = { 0 };

  recorder = start_recorder (f, channel, &finished);
  /* Fed directly, as the channel would (streaming side). */
  lc_consumer_set_caps (LC_CONSUMER (recorder), LC_MEDIA_VIDEO, vp8);
  GST_BUFFER_PTS (frame) = 0;
  g_assert_false (lc_consumer_push (LC_CONSUMER (recorder), LC_MEDIA_VIDEO, frame));
  g_test_expect_message ("lc-recorder", G_LOG_LEVEL_WARNING, "*: recording needs H.264 video*");
  lc_test_run_until (finished_done, &finished, 10000);
  g_test_assert_expected_messages ();
  g_assert_false (finished.ok);
  row = get_row (f->store, lc_recorder_get_recording_id (recorder));
  g_assert_cmpint (row->state, ==, LC_RECORDING_FAILED);
  g_assert_cmpstr (row->failure_reason, ==,
                   "recording needs H.264 video; this broadcast sends VP8");
  lc_channel_finish (channel);
}

/* Nothing recorded (the lesson ended before any media): failed, not ready. */
static void
test_nothing_recorded (Fixture *f, gconstpointer data)
{
  g_autoptr (LcChannel) channel = lc_channel_new (f->lesson_id);
  g_autoptr (LcRecorder) recorder = NULL;
  g_autoptr (LcRecording) row = NULL;
  Finished finished = { 0 };

  recorder = start_recorder (f, channel, &finished);
  /* As the channel's finish() would (the channel itself logs too). */
  g_test_expect_message ("lc-recorder", G_LOG_LEVEL_WARNING, "*: nothing was recorded");
  lc_consumer_finish (LC_CONSUMER (recorder));
  g_test_assert_expected_messages ();
  g_assert_true (finished.done);
  g_assert_false (finished.ok);
  lc_channel_finish (channel);
  row = get_row (f->store, lc_recorder_get_recording_id (recorder));
  g_assert_cmpint (row->state, ==, LC_RECORDING_FAILED);
  g_assert_cmpstr (row->failure_reason, ==, "nothing was recorded");
}

/* ---- fed directly: a resolution change, audio before the first keyframe ---- */

typedef struct
{
  LcMediaKind kind;
  GstBuffer *buffer;
} Encoded;

static void
encoded_clear (gpointer data)
{
  gst_buffer_unref (((Encoded *)data)->buffer);
}

/* Run an encoding pipeline ending in "appsink name=sink" to EOS; append its
 * buffers (running time + offset) to out; return its caps. */
static GstCaps *
encode (const char *description, LcMediaKind kind, GstClockTime offset, GArray *out)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = gst_parse_launch (description, &error);
  g_autoptr (GstElement) sink = NULL;
  GstCaps *caps = NULL;
  GstSample *sample;

  g_assert_no_error (error);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink))) != NULL)
    {
      const GstSegment *segment = gst_sample_get_segment (sample);
      Encoded encoded = { kind, gst_buffer_copy (gst_sample_get_buffer (sample)) };
      GstClockTime pts
          = gst_segment_to_running_time (segment, GST_FORMAT_TIME, GST_BUFFER_PTS (encoded.buffer));

      GST_BUFFER_PTS (encoded.buffer) = GST_BUFFER_DTS (encoded.buffer) = pts + offset;
      if (caps == NULL)
        caps = gst_caps_ref (gst_sample_get_caps (sample));
      g_array_append_val (out, encoded);
      gst_sample_unref (sample);
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_assert_nonnull (caps);
  return caps;
}

static int
compare_encoded (gconstpointer a, gconstpointer b)
{
  GstClockTime x = GST_BUFFER_PTS (((const Encoded *)a)->buffer);
  GstClockTime y = GST_BUFFER_PTS (((const Encoded *)b)->buffer);

  return x < y ? -1 : x > y;
}

#define VIDEO_ENCODE                                                                               \
  "videotestsrc num-buffers=50 pattern=ball ! video/x-raw,width=%d,height=%d,framerate=25/1 ! "    \
  "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 ! "                              \
  "video/x-h264,profile=constrained-baseline ! h264parse config-interval=-1 ! "                    \
  "video/x-h264,stream-format=byte-stream,alignment=au ! appsink name=sink sync=false"

/* A publisher switching from 320x180 to 640x360 mid-lesson (as Chromium does
 * while its bandwidth estimate ramps up): the same recording decodes at both
 * sizes (avc3). Audio starts 0.5 s before the first keyframe: the keyframe is
 * held from 0, so both tracks start together and stay in sync. */
static void
test_resolution_change (Fixture *f, gconstpointer data)
{
  g_autoptr (LcChannel) channel = lc_channel_new (f->lesson_id);
  g_autoptr (LcRecorder) recorder = NULL;
  g_autoptr (LcRecording) row = NULL;
  g_autoptr (GArray) media = g_array_new (FALSE, FALSE, sizeof (Encoded));
  g_autofree char *small = g_strdup_printf (VIDEO_ENCODE, 320, 180);
  g_autofree char *large = g_strdup_printf (VIDEO_ENCODE, 640, 360);
  g_autoptr (GstCaps) small_caps = NULL;
  g_autoptr (GstCaps) large_caps = NULL;
  g_autoptr (GstCaps) audio_caps = NULL;
  g_autofree char *final_path = NULL;
  Finished finished = { 0 };
  LcTestDecoded decoded;

  g_array_set_clear_func (media, encoded_clear);
  small_caps = encode (small, LC_MEDIA_VIDEO, 500 * GST_MSECOND, media);
  large_caps = encode (large, LC_MEDIA_VIDEO, 2500 * GST_MSECOND, media);
  audio_caps = encode ("audiotestsrc num-buffers=225 samplesperbuffer=960 ! "
                       "audio/x-raw,rate=48000,channels=2 ! opusenc ! appsink name=sink sync=false",
                       LC_MEDIA_AUDIO, 0, media);
  g_array_sort (media, compare_encoded);

  recorder = start_recorder (f, channel, &finished);
  lc_consumer_set_caps (LC_CONSUMER (recorder), LC_MEDIA_AUDIO, audio_caps);
  lc_consumer_set_caps (LC_CONSUMER (recorder), LC_MEDIA_VIDEO, small_caps);
  for (guint i = 0; i < media->len; i++)
    {
      Encoded *e = &g_array_index (media, Encoded, i);

      if (e->kind == LC_MEDIA_VIDEO && GST_BUFFER_PTS (e->buffer) == 2500 * GST_MSECOND)
        lc_consumer_set_caps (LC_CONSUMER (recorder), LC_MEDIA_VIDEO, large_caps);
      g_assert_true (lc_consumer_push (LC_CONSUMER (recorder), e->kind, e->buffer));
    }
  lc_channel_finish (channel);
  lc_test_run_until (finished_done, &finished, 60000);
  g_assert_true (finished.ok);

  row = get_row (f->store, lc_recorder_get_recording_id (recorder));
  g_assert_cmpint (row->state, ==, LC_RECORDING_READY);
  /* 4.5 s: from the first audio; the first keyframe is held from 0 to 0.5 s. */
  g_assert_cmpint (llabs (row->duration_ms - 4500), <=, 100);
  final_path = g_build_filename (f->recordings, row->path, NULL);
  lc_test_decode_file (final_path, &decoded);
  g_assert_cmpuint (decoded.video_frames, ==, 100 + 1);
  g_assert_cmpuint (decoded.video_max_gap, ==, 500 * GST_MSECOND); /* the held picture */
  g_assert_cmpuint (decoded.video_gap_at, ==, 0);
  g_assert_cmpuint (decoded.n_widths, ==, 2);
  g_assert_cmpint (decoded.widths[0], ==, 320);
  g_assert_cmpint (decoded.widths[1], ==, 640);
  g_assert_cmpint (llabs ((gint64)(decoded.audio_time / GST_MSECOND) - 4500), <=, 60);
}

/* lc_recorder_finalize_file on part files cut at arbitrary points (a crash
 * in the middle of a fragment), and on files that are not recordings. */
static void
test_finalize_cut (Fixture *f, gconstpointer data)
{
  g_autoptr (LcChannel) channel = lc_channel_new (f->lesson_id);
  g_autoptr (LcSyntheticSource) source = lc_synthetic_source_new (channel, 320, 180, FPS, "cut");
  g_autoptr (LcRecorder) recorder = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *part_path = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;
  static const double cuts[] = { 0.97, 0.73, 0.5 };
  gint64 previous = G_MAXINT64;
  Finished finished = { 0 };

  recorder = start_recorder (f, channel, &finished);
  g_assert_true (lc_synthetic_source_start (source, &error));
  run_broadcast_until (channel, 4.5);
  part_path = g_strdup_printf ("%s/%s/%s.part.mp4", f->recordings, f->lesson_id,
                               lc_recorder_get_recording_id (recorder));
  g_assert_true (g_file_get_contents (part_path, &contents, &len, NULL));
  lc_synthetic_source_stop (source);

  for (guint i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      g_autofree char *cut = g_build_filename (f->dir, "cut.part.mp4", NULL);
      g_autofree char *out = g_build_filename (f->dir, "cut.mp4", NULL);
      g_autofree char *video = NULL, *audio = NULL, *sha = NULL;
      gint64 duration = 0, size = 0;
      LcTestDecoded decoded;

      g_assert_true (g_file_set_contents (cut, contents, (gssize)(len * cuts[i]), NULL));
      g_assert_true (lc_recorder_finalize_file (cut, out, &test_meta, NULL, NULL, &duration, &size,
                                                &video, &audio, &sha, &error));
      g_assert_no_error (error);
      g_test_message ("cut at %.0f %%: %" G_GINT64_FORMAT " ms", cuts[i] * 100,
                      duration / (gint64)GST_MSECOND);
      g_assert_cmpint (duration, >, GST_SECOND);
      g_assert_cmpint (duration, <, previous);
      previous = duration;
      g_assert_cmpstr (video, ==, "h264");
      g_assert_cmpint (strlen (sha), ==, 64);
      lc_test_decode_file (out, &decoded);
      /* The tracks of a cut file end up to a fragment (1 s) apart; every
       * picture up to the video's end decodes. */
      g_assert_cmpint ((gint64)decoded.video_last, >=, duration - 1100 * GST_MSECOND);
      g_assert_cmpfloat ((double)decoded.video_frames, >=,
                         0.9 * FPS * decoded.video_last / GST_SECOND);

      /* The same part file gives the same final file. */
      {
        g_autofree char *again = g_build_filename (f->dir, "again.mp4", NULL);
        g_autofree char *sha_again = NULL;
        g_autofree char *v2 = NULL, *a2 = NULL;
        gint64 d2 = 0, s2 = 0;

        g_assert_true (lc_recorder_finalize_file (cut, again, &test_meta, NULL, NULL, &d2, &s2, &v2,
                                                  &a2, &sha_again, &error));
        g_assert_no_error (error);
        g_assert_cmpstr (sha_again, ==, sha);
        g_assert_cmpint (s2, ==, size);
        g_assert_cmpint (g_remove (again), ==, 0);
      }

      /* A file the box-level rewrite does not take (not fragmented: the
       * final file itself) goes through the GStreamer remux instead. */
      if (i == 0)
        {
          g_autofree char *remuxed = g_build_filename (f->dir, "remuxed.mp4", NULL);
          g_autofree char *v3 = NULL, *a3 = NULL, *sha3 = NULL;
          gint64 d3 = 0, s3 = 0;
          LcTestDecoded redecoded;

          g_assert_true (lc_recorder_finalize_file (out, remuxed, &test_meta, NULL, NULL, &d3, &s3,
                                                    &v3, &a3, &sha3, &error));
          g_assert_no_error (error);
          g_assert_cmpint (llabs (d3 - duration), <=, 50 * GST_MSECOND);
          g_assert_cmpstr (v3, ==, "h264");
          g_assert_cmpstr (a3, ==, "opus");
          lc_test_decode_file (remuxed, &redecoded);
          g_assert_cmpuint (redecoded.video_frames, ==, decoded.video_frames);
          check_discovered (remuxed, d3 / (gint64)GST_MSECOND);
          g_assert_cmpint (g_remove (remuxed), ==, 0);
        }
      g_assert_cmpint (g_remove (out), ==, 0);
      g_assert_cmpint (g_remove (cut), ==, 0);
    }

  /* Damaged headers (a box size, a count or an offset overwritten in the
   * moov or the first fragments): a clean result either way, never a crash
   * or a read out of bounds (ASan watches). */
  for (guint i = 0; i < 24; i++)
    {
      g_autofree char *bad = g_build_filename (f->dir, "bad.part.mp4", NULL);
      g_autofree char *out = g_build_filename (f->dir, "bad.mp4", NULL);
      g_autofree char *copy = g_memdup2 (contents, len);
      gsize at = (gsize)g_test_rand_int_range (0, (gint32)MIN (len - 4, 4096));
      guint32 value = (guint32)g_test_rand_int ();
      gint64 duration = 0, size = 0;
      g_autofree char *video = NULL, *audio = NULL, *sha = NULL;
      gboolean ok;

      memcpy (copy + at, &value, 4);
      g_assert_true (g_file_set_contents (bad, copy, (gssize)len, NULL));
      ok = lc_recorder_finalize_file (bad, out, &test_meta, NULL, NULL, &duration, &size, &video,
                                      &audio, &sha, &error);
      g_test_message ("damaged at %" G_GSIZE_FORMAT ": %s", at,
                      ok ? "finalised" : error->message);
      g_assert_true (ok == (error == NULL));
      g_clear_error (&error);
      g_remove (out);
      g_assert_cmpint (g_remove (bad), ==, 0);
    }

  /* Not a recording; a missing file. */
  {
    g_autofree char *junk = g_build_filename (f->dir, "junk.part.mp4", NULL);
    g_autofree char *out = g_build_filename (f->dir, "junk.mp4", NULL);
    g_autofree char *gone = g_build_filename (f->dir, "gone.part.mp4", NULL);

    g_assert_true (g_file_set_contents (junk, "not an mp4 file at all", -1, NULL));
    g_assert_false (lc_recorder_finalize_file (junk, out, &test_meta, NULL, NULL, NULL, NULL, NULL,
                                               NULL, NULL, &error));
    g_assert_nonnull (error);
    g_test_message ("junk: %s", error->message);
    g_clear_error (&error);
    g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
    g_assert_cmpint (g_remove (junk), ==, 0);

    g_assert_false (lc_recorder_finalize_file (gone, out, &test_meta, NULL, NULL, NULL, NULL, NULL,
                                               NULL, NULL, &error));
    g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
    g_assert_cmpstr (error->message, ==, "the recording file is missing");
  }
  lc_channel_finish (channel);
  lc_test_run_until (finished_done, &finished, 60000);
  g_assert_true (finished.ok);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/recorder/recording/end-to-end", test_end_to_end);
  ADD ("/recorder/recording/publisher-gap", test_publisher_gap);
  ADD ("/recorder/recording/recovery", test_recovery);
  g_test_add_func ("/recorder/recording/recovery/child", test_crash_child);
  ADD ("/recorder/recording/disk-full", test_disk_full);
  g_test_add_func ("/recorder/recording/disk-full/child", test_disk_full_child);
  ADD ("/recorder/recording/unwritable-dir", test_unwritable_dir);
  ADD ("/recorder/recording/vp8-refused", test_vp8_refused);
  ADD ("/recorder/recording/nothing-recorded", test_nothing_recorded);
  ADD ("/recorder/recording/finalize-cut", test_finalize_cut);
  ADD ("/recorder/recording/resolution-change", test_resolution_change);
#undef ADD

  return g_test_run ();
}
