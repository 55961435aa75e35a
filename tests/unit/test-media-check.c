/* test-media-check.c — the GStreamer element check (streamer/lc-media-check)
 * and the media directories under the data dir (recorder/lc-media-dir). */
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "common/lc-error.h"
#include "recorder/lc-media-dir.h"
#include "streamer/lc-media-check.h"

#include <gst/gst.h>

#include "lc-test-fs.h"

/* A fresh temporary directory, removed (with everything in it) at the end. */
typedef struct
{
  char *root;
} TmpDir;

static void
tmp_setup (TmpDir *fx, gconstpointer data)
{
  fx->root = lc_test_fs_make_tmp_dir ("lc-media-XXXXXX");
}

static void
tmp_teardown (TmpDir *fx, gconstpointer data)
{
  lc_test_fs_assert_remove_tree (fx->root);
  g_free (fx->root);
}

/* --- lc-media-check ---------------------------------------------------- */

static void
test_check_all_present (void)
{
  g_autoptr (GPtrArray) missing = NULL;
  gboolean ok = lc_media_check_plugins (&missing);

  g_assert_nonnull (missing);
  /* Show what is missing in the TAP log before failing: it names packages. */
  for (guint i = 0; i < missing->len; i++)
    g_test_message ("missing element: %s", (const char *)g_ptr_array_index (missing, i));
  g_assert_cmpuint (missing->len, ==, 0);
  g_assert_true (ok);
  g_assert_true (gst_is_initialized ());

  /* The check is repeatable and accepts NULL for the list. */
  g_assert_true (lc_media_check_plugins (NULL));
}

/* Remove a factory from the registry: the check must name it, and describe
 * must name it and the Debian package to install. */
static void
test_check_reports_missing (void)
{
  g_autoptr (GPtrArray) missing = NULL;
  GstRegistry *registry;
  GstPluginFeature *feature;

  g_assert_true (lc_media_check_plugins (NULL));
  registry = gst_registry_get ();
  feature = gst_registry_lookup_feature (registry, "x264enc");
  g_assert_nonnull (feature);
  gst_registry_remove_feature (registry, feature);
  gst_object_unref (feature);

  g_assert_false (lc_media_check_plugins (&missing));
  g_assert_nonnull (missing);
  g_assert_cmpuint (missing->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (missing, 0), ==, "x264enc");

  g_autofree char *text = lc_media_describe ();
  g_autofree char *version = gst_version_string ();
  g_autofree char *expected = g_strdup_printf (
      "%s: missing 1 of 19 elements: x264enc (install: gstreamer1.0-plugins-ugly)", version);
  g_assert_cmpstr (text, ==, expected);
}

static void
test_describe (void)
{
  g_autofree char *text = lc_media_describe ();
  g_autofree char *version = gst_version_string ();
  g_autofree char *expected = g_strdup_printf ("%s: all 19 elements present", version);

  g_assert_nonnull (text);
  g_assert_true (g_str_has_prefix (text, "GStreamer "));
  g_assert_cmpstr (text, ==, expected);
}

/* --- lc-media-dir ------------------------------------------------------ */

static void
assert_dir_mode (const char *path, guint mode)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_true (S_ISDIR (st.st_mode));
  g_assert_cmpuint (st.st_mode & 0777, ==, mode);
}

static void
test_dir_prepare (TmpDir *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *data_dir = g_build_filename (fx->root, "data", "nested", NULL);
  g_autofree char *recordings = NULL;
  g_autofree char *hls = NULL;
  g_autofree char *want_recordings = g_build_filename (data_dir, "recordings", NULL);
  g_autofree char *want_hls = g_build_filename (data_dir, "hls", NULL);
  mode_t old_umask = umask (022);

  g_assert_true (lc_media_dir_prepare (data_dir, &recordings, &hls, &error));
  umask (old_umask);
  g_assert_no_error (error);
  g_assert_cmpstr (recordings, ==, want_recordings);
  g_assert_cmpstr (hls, ==, want_hls);
  assert_dir_mode (recordings, 0750);
  assert_dir_mode (hls, 0750);

  /* The write probe leaves nothing behind. */
  g_autoptr (GDir) dir = g_dir_open (recordings, 0, NULL);
  g_assert_nonnull (dir);
  g_assert_null (g_dir_read_name (dir));

  /* Idempotent: a second start finds the directories and keeps their files. */
  g_autofree char *kept = g_build_filename (hls, "kept.ts", NULL);
  g_assert_true (g_file_set_contents (kept, "x", 1, NULL));
  g_assert_true (lc_media_dir_prepare (data_dir, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (kept, G_FILE_TEST_IS_REGULAR));
}

static void
test_dir_unwritable (TmpDir *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *file = g_build_filename (fx->root, "plain-file", NULL);
  /* Tests run as root, who may write anywhere: a path below a regular file
   * cannot be created by anyone (ENOTDIR). */
  g_autofree char *data_dir = g_build_filename (file, "data", NULL);
  g_autofree char *recordings = NULL;
  g_autofree char *hls = NULL;

  g_assert_true (g_file_set_contents (file, "not a directory", -1, NULL));
  g_assert_false (lc_media_dir_prepare (data_dir, &recordings, &hls, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, data_dir));
  g_assert_nonnull (strstr (error->message, "recordings"));
  g_assert_null (recordings);
  g_assert_null (hls);
}

static void
test_dir_media_is_file (TmpDir *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *hls = g_build_filename (fx->root, "hls", NULL);

  /* recordings can be made, but "hls" is taken by a regular file. */
  g_assert_true (g_file_set_contents (hls, "", 0, NULL));
  g_assert_false (lc_media_dir_prepare (fx->root, NULL, NULL, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, hls));
  g_assert_true (g_file_test (hls, G_FILE_TEST_IS_REGULAR));
}

static void
test_dir_free_space (TmpDir *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  guint64 free_bytes = 0;

  g_assert_true (lc_media_dir_free_space (fx->root, &free_bytes, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (free_bytes, >, 0);

  g_autofree char *gone = g_build_filename (fx->root, "does-not-exist", NULL);
  free_bytes = 42;
  g_assert_false (lc_media_dir_free_space (gone, &free_bytes, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, gone));
  g_assert_cmpuint (free_bytes, ==, 42);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/streamer/media-check/all-present", test_check_all_present);
  g_test_add_func ("/streamer/media-check/describe", test_describe);
  /* Last among the GStreamer tests: it removes x264enc from the registry. */
  g_test_add_func ("/streamer/media-check/reports-missing", test_check_reports_missing);
  g_test_add ("/recorder/media-dir/prepare", TmpDir, NULL, tmp_setup, test_dir_prepare,
              tmp_teardown);
  g_test_add ("/recorder/media-dir/unwritable", TmpDir, NULL, tmp_setup, test_dir_unwritable,
              tmp_teardown);
  g_test_add ("/recorder/media-dir/media-is-file", TmpDir, NULL, tmp_setup, test_dir_media_is_file,
              tmp_teardown);
  g_test_add ("/recorder/media-dir/free-space", TmpDir, NULL, tmp_setup, test_dir_free_space,
              tmp_teardown);

  ret = g_test_run ();
  /* Release GStreamer's registry and plugins so LeakSanitizer sees only real leaks. */
  if (gst_is_initialized ())
    gst_deinit ();
  return ret;
}
