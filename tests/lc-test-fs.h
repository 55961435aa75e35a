/* lc-test-fs.h — shared test helpers for the file system: a fresh temporary
 * directory, and removing a tree again without following symlinks. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A new directory below the system temporary directory, from tmpl
 * ("lc-thing-XXXXXX", see g_dir_make_tmp); asserts it was made. (transfer full) */
char *lc_test_fs_make_tmp_dir (const char *tmpl);

/* Remove path and everything below it. A symlink is removed itself, never
 * followed, so a link pointing out of the tree cannot take its target along.
 * Goes on past a failure and returns FALSE with the first one (error nullable:
 * NULL for best-effort clean-up). */
gboolean lc_test_fs_remove_tree (const char *path, GError **error);
/* lc_test_fs_remove_tree, failing the test on the first error (which names the path). */
void lc_test_fs_assert_remove_tree (const char *path);

G_END_DECLS
