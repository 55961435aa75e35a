/* lc-log.h — the one log writer (text or JSON lines) and request logging.
 *
 * Libraries log with g_debug/g_info/g_message/g_warning and a G_LOG_DOMAIN set
 * in meson ("lc-common", "lc-signaling", …); messages start with a stable id
 * ("lesson %s: …"). main.c installs the writer once with lc_log_install().
 * Secrets are never passed to the logger; lc_log_redact_path() strips query
 * values of sensitive parameters from request paths.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  LC_LOG_TEXT,
  LC_LOG_JSON,
} LcLogFormat;

typedef enum
{
  LC_LOG_ERROR,
  LC_LOG_WARNING,
  LC_LOG_INFO,
  LC_LOG_DEBUG,
} LcLogLevel;

gboolean lc_log_level_from_string (const char *text, LcLogLevel *level);
gboolean lc_log_format_from_string (const char *text, LcLogFormat *format);

/* Install the structured writer (g_log_set_writer_func). Writes to fd (2 =
 * stderr). Text: "2026-11-30T10:00:00.123Z INFO lc-signaling: message k=v".
 * JSON: {"ts":…,"level":…,"domain":…,"msg":…, extra fields…}. Can be called
 * again to change level/format (not thread-safe against concurrent logging
 * during the call; call it at start-up). */
void lc_log_install (LcLogFormat format, LcLogLevel level, int fd);

/* Render one log record (pure; used by the writer and by tests).
 * fields: the GLogField array of g_log_structured_array. (transfer full) */
char *lc_log_format_record (LcLogFormat format, GLogLevelFlags level, const GLogField *fields,
                            gsize n_fields, gint64 now_us);

/* Replace values of sensitive query parameters (key, token, access_token,
 * password, secret, session, sig, signature, code, publish_key — any case) with
 * "REDACTED" and drop fragments. Keeps everything else as is. (transfer full) */
char *lc_log_redact_path (const char *path, const char *query);

/* One structured request record (LC_EVENT=request) at INFO:
 * method, path (already redacted by the caller), status, bytes, duration_ms, client. */
void lc_log_request (const char *method, const char *path, guint status, gsize bytes,
                     double duration_ms, const char *client);

G_END_DECLS
