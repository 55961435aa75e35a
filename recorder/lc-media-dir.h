/* lc-media-dir.h — the media directories under the data dir (recordings and
 * HLS output): created at start-up, checked for writability, and their free
 * space reported for `lessoncast admin check` and the metrics. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Create <data_dir>/recordings and <data_dir>/hls (mode 0750, parents as
 * needed) and check that a file can be created in each. On failure: FALSE
 * and an LC_ERROR_CONFIG naming the directory at fault.
 * recordings_dir, hls_dir: (out) (optional) (transfer full) their paths. */
gboolean lc_media_dir_prepare (const char *data_dir, char **recordings_dir, char **hls_dir,
                               GError **error);

/* Bytes available to unprivileged users on the file system holding dir
 * (statvfs f_bavail × f_frsize). LC_ERROR_CONFIG when dir cannot be examined. */
gboolean lc_media_dir_free_space (const char *dir, guint64 *free_bytes, GError **error);

G_END_DECLS
