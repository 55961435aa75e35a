/* test-recording-crash.c — the real `lessoncast` binary is killed with
 * SIGKILL mid-lesson: a publisher (the C webrtcbin client in this process,
 * ICE on 127.0.0.1 only) broadcasts for ~8 s, the server dies, a new server
 * starts on the same data directory → the lesson is ended, the recording is
 * finalised from its fragments (state ready in the API, within 2 s of the
 * kill), and the file decodes to its end. */
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "common/lc-crypto.h"
#include "common/lc-password.h"
#include "common/lc-store-sqlite.h"
#include "common/lc-time.h"
#include "lc-test-fs.h"
#include "lc-test-media.h"
#include "lc-test-net.h"
#include "lc-webrtc-client.h"

#define MEDIA_MS 8000
#define START_TIMEOUT_MS 30000
#define STATE_TIMEOUT_MS 60000
/* Fragments are ~1 s: at most that is lost, and the live time observed by
 * polling lags the first media a little. */
#define TOLERANCE_MS 2000

typedef struct
{
  char *data_dir;
  char *lesson_id;
  char *publish_key;
  GSubprocess *proc;
  LcTestHttp http;
} Fixture;

/* ---- the data, written before the server starts ---- */

static void
seed (Fixture *f)
{
  g_autofree char *db = g_build_filename (f->data_dir, "lessoncast.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (LcStoreSqlite) sqlite = lc_store_sqlite_open (db, &error);
  LcStore *store = LC_STORE (sqlite);
  g_autoptr (LcSchool) school = lc_school_new ();
  g_autoptr (LcAccount) teacher = lc_account_new ();
  g_autoptr (LcLesson) lesson = lc_lesson_new ();
  LcKdfParams kdf;
  gint64 now = lc_time_now ();

  g_assert_no_error (error);
  lc_store_migrate (store, &error);
  g_assert_no_error (error);

  school->id = lc_id_new ();
  school->name = g_strdup ("Школа № 5 (полное название)");
  school->short_name = g_strdup ("Школа № 5");
  school->district = g_strdup ("Центр");
  school->created_at = school->updated_at = now;
  lc_store_insert_school (store, school, &error);
  g_assert_no_error (error);

  lc_kdf_params_init_default (&kdf);
  kdf.log2_n = 10;
  teacher->id = lc_id_new ();
  teacher->login = g_strdup ("teacher");
  teacher->display_name = g_strdup ("Мария Ивановна");
  teacher->role = LC_ROLE_TEACHER;
  teacher->school_id = g_strdup (school->id);
  teacher->password_hash = lc_password_hash ("correct horse battery", &kdf, &error);
  g_assert_no_error (error);
  teacher->consent_publish_name = TRUE;
  teacher->created_at = teacher->updated_at = teacher->password_changed_at = now;
  lc_store_insert_account (store, teacher, &error);
  g_assert_no_error (error);

  lesson->id = lc_id_new ();
  lesson->title = g_strdup ("Урок, который переживёт сбой");
  lesson->description = g_strdup ("");
  lesson->subject = g_strdup ("Физика");
  lesson->grade = 9;
  lesson->school_id = g_strdup (school->id);
  lesson->teacher_id = g_strdup (teacher->id);
  lesson->starts_at = now;
  lesson->ends_at = now + 45 * 60;
  lesson->visibility = LC_VISIBILITY_PUBLIC;
  lesson->recording = TRUE;
  lesson->status = LC_LESSON_SCHEDULED;
  lesson->publish_key = lc_secret_new ("lpk");
  lesson->created_at = lesson->updated_at = now;
  lc_store_insert_lesson (store, lesson, &error);
  g_assert_no_error (error);
  lc_store_close (store);

  f->lesson_id = g_strdup (lesson->id);
  f->publish_key = g_strdup (lesson->publish_key);
}

/* ---- the daemon ---- */

/* In the child before exec: die with the test, so that a failed assertion
 * leaves no server behind. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
daemon_start (Fixture *f, const char *log_name)
{
  const char *build = g_getenv ("LC_BUILD_ROOT");
  g_autofree char *bin
      = g_build_filename (build != NULL ? build : ".", "server", "lessoncast", NULL);
  g_autofree char *log_path = g_build_filename (f->data_dir, log_name, NULL);
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GDataInputStream) out = NULL;
  g_autoptr (GError) error = NULL;

  g_subprocess_launcher_set_stderr_file_path (launcher, log_path);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  f->proc = g_subprocess_launcher_spawn (launcher, &error, bin, "serve", "--data-dir", f->data_dir,
                                         "--set", "server.listen=127.0.0.1:0", "--set",
                                         "auth.kdf_cost=10", "--set", "webrtc.addresses=127.0.0.1",
                                         "--set", "whip.rate_limit=1000", "--set",
                                         "hls.enabled=false", "--set", "log.level=debug", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->proc));
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
      const char *p;

      g_assert_no_error (error);
      g_assert_nonnull (line); /* EOF before listening: start-up failed */
      if ((p = strstr (line, "listening on http://127.0.0.1:")) != NULL)
        {
          f->http.port
              = (guint16)g_ascii_strtoull (p + strlen ("listening on http://127.0.0.1:"), NULL, 10);
          break;
        }
    }
  g_assert_cmpuint (f->http.port, >, 0);
}

static void
daemon_kill (Fixture *f)
{
  g_autoptr (GError) error = NULL;

  g_subprocess_force_exit (f->proc);
  g_subprocess_wait (f->proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (f->proc));
  g_assert_cmpint (g_subprocess_get_term_sig (f->proc), ==, SIGKILL);
  g_clear_object (&f->proc);
}

static void
daemon_stop (Fixture *f)
{
  g_autoptr (GError) error = NULL;

  g_subprocess_send_signal (f->proc, SIGTERM);
  g_subprocess_wait (f->proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (f->proc));
  g_assert_cmpint (g_subprocess_get_exit_status (f->proc), ==, 0);
  g_clear_object (&f->proc);
}

/* GET path → parsed JSON object (asserts 200). (transfer full) */
static JsonNode *
get_json (Fixture *f, const char *path)
{
  g_autoptr (LcTestHttpResult) r = lc_test_http_begin (&f->http, "GET", path, NULL, NULL, NULL);
  g_autofree char *text = NULL;

  lc_test_http_finish (r);
  g_assert_cmpuint (lc_test_http_status (r), ==, 200);
  text = lc_test_http_text (r);
  return json_from_string (text, NULL);
}

static gboolean
lesson_is_live (gpointer data)
{
  Fixture *f = data;
  g_autofree char *path = g_strdup_printf ("/api/v1/lessons/%s/live", f->lesson_id);
  g_autoptr (JsonNode) node = get_json (f, path);

  return g_strcmp0 (json_object_get_string_member (json_node_get_object (node), "status"), "live")
         == 0;
}

static gboolean
recording_is_ready (gpointer data)
{
  Fixture *f = data;
  g_autofree char *path = g_strdup_printf ("/api/v1/recordings?lesson=%s", f->lesson_id);
  g_autoptr (JsonNode) node = get_json (f, path);

  /* The public sees only ready recordings. */
  return json_array_get_length (json_object_get_array_member (json_node_get_object (node), "items"))
         > 0;
}

/* ---- the result ---- */

/* The finalised MP4 below <data_dir>/recordings/<lesson>/. (transfer full) */
static char *
find_recording_file (Fixture *f)
{
  g_autofree char *dir_path = g_build_filename (f->data_dir, "recordings", f->lesson_id, NULL);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".mp4") && !g_str_has_suffix (name, ".part.mp4"))
      return g_build_filename (dir_path, name, NULL);
  return NULL;
}

static void
test_kill_mid_lesson (void)
{
  Fixture f = { 0 };
  g_autofree char *url = NULL, *list_path = NULL, *lesson_path = NULL, *file = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (JsonNode) lesson = NULL;
  LcWebrtcClientOptions options = { 0 };
  LcWebrtcClient *publisher;
  JsonObject *recording;
  gint64 t_post, t_live, t_kill, duration_ms, min_ms, max_ms;
  LcTestDecoded decoded;
  guint status = 0;

  f.data_dir = lc_test_fs_make_tmp_dir ("lc-crash-XXXXXX");
  seed (&f);
  f.http.session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);

  daemon_start (&f, "first.log");
  url = g_strdup_printf ("http://127.0.0.1:%u/whip/%s", f.http.port, f.lesson_id);
  options.role = LC_CLIENT_PUBLISHER;
  options.url = url;
  options.bearer = f.publish_key; /* sent as "Authorization: Bearer <key>" */
  options.keyframe_interval = 30;
  publisher = lc_webrtc_client_new (&options);
  t_post = g_get_monotonic_time ();
  lc_webrtc_client_start (publisher, START_TIMEOUT_MS, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 201);
  lc_test_run_until (lesson_is_live, &f, START_TIMEOUT_MS);
  t_live = g_get_monotonic_time ();

  /* About 8 s of media, then the server dies without any chance to clean up. */
  lc_test_run_for (MEDIA_MS);
  t_kill = g_get_monotonic_time ();
  daemon_kill (&f);
  lc_webrtc_client_drop (publisher);
  lc_webrtc_client_free (publisher);
  g_test_message ("killed after %.1f s live", (double)(t_kill - t_live) / G_USEC_PER_SEC);

  /* A new server on the same data finishes what the old one left. */
  daemon_start (&f, "second.log");
  lc_test_run_until (recording_is_ready, &f, STATE_TIMEOUT_MS);
  lesson_path = g_strdup_printf ("/api/v1/lessons/%s", f.lesson_id);
  lesson = get_json (&f, lesson_path);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (lesson), "status"), ==,
                   "ended");
  list_path = g_strdup_printf ("/api/v1/recordings?lesson=%s", f.lesson_id);
  list = get_json (&f, list_path);
  g_assert_cmpuint (
      json_array_get_length (json_object_get_array_member (json_node_get_object (list), "items")),
      ==, 1);
  recording = json_array_get_object_element (
      json_object_get_array_member (json_node_get_object (list), "items"), 0);
  g_assert_cmpstr (json_object_get_string_member (recording, "state"), ==, "ready");

  /* It plays up to within 2 s of the kill. */
  duration_ms = json_object_get_int_member (recording, "duration_ms");
  min_ms = (t_kill - t_live) / 1000 - TOLERANCE_MS;
  max_ms = (t_kill - t_post) / 1000 + 500;
  g_test_message ("recording: %" G_GINT64_FORMAT " ms (expected %" G_GINT64_FORMAT
                  " .. %" G_GINT64_FORMAT ")",
                  duration_ms, min_ms, max_ms);
  g_assert_cmpint (duration_ms, >=, min_ms);
  g_assert_cmpint (duration_ms, <=, max_ms);

  file = find_recording_file (&f);
  g_assert_nonnull (file);
  lc_test_decode_file (file, &decoded);
  g_assert_cmpuint (decoded.video_frames, >, 25);
  g_assert_true (GST_CLOCK_TIME_IS_VALID (decoded.video_last));
  g_assert_cmpint ((gint64)(decoded.video_last / GST_MSECOND), >=, min_ms);

  daemon_stop (&f);
  g_clear_object (&f.http.session);
  lc_test_fs_assert_remove_tree (f.data_dir);
  g_free (f.data_dir);
  g_free (f.lesson_id);
  g_free (f.publish_key);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  g_test_add_func ("/recording/kill-mid-lesson", test_kill_mid_lesson);
  return g_test_run ();
}
