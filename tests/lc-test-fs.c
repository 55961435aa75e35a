/* lc-test-fs.c — shared test helpers for the file system: temporary
 * directories and their removal without following symlinks. */
#include "lc-test-fs.h"

#include <errno.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

char *
lc_test_fs_make_tmp_dir (const char *tmpl)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp (tmpl, &error);

  g_assert_no_error (error);
  g_assert_nonnull (dir);
  return dir;
}

/* Keep the first failure in error (nullable); later ones are dropped. */
static void
set_errno_error (GError **error, int saved_errno, const char *what, const char *path)
{
  if (error == NULL || *error != NULL)
    return;
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno), "%s %s: %s", what, path,
               g_strerror (saved_errno));
}

gboolean
lc_test_fs_remove_tree (const char *path, GError **error)
{
  g_autoptr (GError) first = NULL;
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    {
      set_errno_error (error, errno, "cannot stat", path);
      return FALSE;
    }
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr (GDir) dir = g_dir_open (path, 0, &first);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          lc_test_fs_remove_tree (child, first == NULL ? &first : NULL);
        }
      if (g_rmdir (path) != 0)
        set_errno_error (&first, errno, "cannot remove directory", path);
    }
  else if (g_unlink (path) != 0)
    set_errno_error (&first, errno, "cannot remove", path);

  if (first == NULL)
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&first));
  return FALSE;
}

void
lc_test_fs_assert_remove_tree (const char *path)
{
  g_autoptr (GError) error = NULL;

  lc_test_fs_remove_tree (path, &error);
  g_assert_no_error (error);
}
