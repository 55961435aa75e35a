/* lc-media-dir.c — creates and checks the recordings and HLS directories
 * under the data dir, and reports free space (statvfs). */
#include "recorder/lc-media-dir.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "common/lc-error.h"

#define LC_MEDIA_DIR_MODE 0750

/* Create dir (and parents) and prove it is a writable directory by creating
 * and removing a probe file in it: access(W_OK) says yes to root even on
 * directories root cannot write (read-only mounts, some network file systems). */
static gboolean
prepare_one (const char *dir, const char *what, GError **error)
{
  if (g_mkdir_with_parents (dir, LC_MEDIA_DIR_MODE) != 0)
    {
      int saved = errno;
      lc_set_error (error, LC_ERROR_CONFIG, NULL, "cannot create the %s directory %s: %s", what,
                    dir, g_strerror (saved));
      return FALSE;
    }
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      lc_set_error (error, LC_ERROR_CONFIG, NULL, "the %s directory %s is not a directory", what,
                    dir);
      return FALSE;
    }

  g_autofree char *probe = g_build_filename (dir, ".lc-write-test-XXXXXX", NULL);
  int fd = g_mkstemp_full (probe, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;
      lc_set_error (error, LC_ERROR_CONFIG, NULL, "the %s directory %s is not writable: %s", what,
                    dir, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  if (g_unlink (probe) != 0)
    {
      int saved = errno;
      lc_set_error (error, LC_ERROR_CONFIG, NULL,
                    "cannot remove a test file in the %s directory %s: %s", what, dir,
                    g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

gboolean
lc_media_dir_prepare (const char *data_dir, char **recordings_dir, char **hls_dir, GError **error)
{
  g_return_val_if_fail (data_dir != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_autofree char *recordings = g_build_filename (data_dir, "recordings", NULL);
  g_autofree char *hls = g_build_filename (data_dir, "hls", NULL);

  if (!prepare_one (recordings, "recordings", error) || !prepare_one (hls, "HLS", error))
    return FALSE;

  if (recordings_dir != NULL)
    *recordings_dir = g_steal_pointer (&recordings);
  if (hls_dir != NULL)
    *hls_dir = g_steal_pointer (&hls);
  return TRUE;
}

gboolean
lc_media_dir_free_space (const char *dir, guint64 *free_bytes, GError **error)
{
  struct statvfs st;

  g_return_val_if_fail (dir != NULL, FALSE);
  g_return_val_if_fail (free_bytes != NULL, FALSE);

  if (statvfs (dir, &st) != 0)
    {
      int saved = errno;
      lc_set_error (error, LC_ERROR_CONFIG, NULL, "cannot read the free space of %s: %s", dir,
                    g_strerror (saved));
      return FALSE;
    }
  guint64 frsize = st.f_frsize != 0 ? (guint64)st.f_frsize : (guint64)st.f_bsize;
  *free_bytes = (guint64)st.f_bavail * frsize;
  return TRUE;
}
