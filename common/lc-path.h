/* lc-path.h — turning an untrusted URL path into a file below a root. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Percent-decode and normalise a URL path ("/css/a%20b.css") into a relative
 * path ("css/a b.css"). Rejects (LC_ERROR_NOT_FOUND for traversal, LC_ERROR_MALFORMED
 * for encoding): NUL or control bytes, invalid percent escapes, invalid UTF-8,
 * backslashes, ".." segments (also when encoded), segments starting with "."
 * (hidden files), over-long paths. "/" and "" become "" (the caller picks
 * index.html). Pure. */
char *lc_path_sanitize (const char *url_path, GError **error);

/* Resolve rel (already sanitised) below root and check, after resolving
 * symlinks (realpath), that the result is still inside root. (transfer full)
 * absolute path, or NULL with LC_ERROR_NOT_FOUND. */
char *lc_path_resolve_in_root (const char *root, const char *rel, GError **error);

G_END_DECLS
