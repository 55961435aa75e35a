/* lc-time.h — time handling. All times inside lessoncast are gint64 Unix
 * seconds in UTC; RFC 3339 is the only textual form on the wire. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Parse an RFC 3339 date-time that MUST carry an offset ("Z" or ±hh:mm),
 * e.g. "2026-12-01T09:00:00+03:00". Fractional seconds are accepted and
 * truncated. Returns FALSE with LC_ERROR_INVALID (field set) otherwise. */
gboolean lc_time_parse_rfc3339 (const char *text, const char *field, gint64 *out_unix, GError **error);

/* Format as "YYYY-MM-DDThh:mm:ssZ" (UTC). */
char *lc_time_format_rfc3339 (gint64 unix_seconds);

/* Current time in Unix seconds (real time). */
gint64 lc_time_now (void);

/* Format for HTTP headers (IMF-fixdate, RFC 9110 §5.6.7). */
char *lc_time_format_http (gint64 unix_seconds);

G_END_DECLS
