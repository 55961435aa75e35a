/* lc-log.c — the structured log writer (text or JSON lines), level
 * filtering, request records and redaction of secrets in request paths.
 *
 * lc_log_format_record() is pure; the writer only filters, formats and writes
 * one line per record to a file descriptor.
 */
#include "common/lc-log.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* GLib keeps a single writer per process (g_log_set_writer_func() may be
 * called only once), so its settings necessarily live in one static place:
 * atomics that lc_log_install() updates, and a lock that keeps lines whole. */
typedef struct
{
  GMutex write_lock;
  int format; /* LcLogFormat, atomic */
  int level;  /* LcLogLevel, atomic */
  int fd;     /* atomic */
} LogWriter;

static LogWriter log_writer;

/* Fields GLib adds that are not worth a key=value of their own. */
static const char *const skipped_fields[] = {
  "MESSAGE", "PRIORITY", "GLIB_DOMAIN", "GLIB_OLD_LOG_API", "CODE_FILE", "CODE_LINE", "CODE_FUNC",
};

/* Extra fields whose values are written as JSON numbers (when they are numbers). */
static const char *const numeric_fields[] = { "status", "bytes", "duration_ms" };

/* Query parameters whose values never reach the log (compared ignoring case). */
static const char *const sensitive_params[] = {
  "key",  "token", "access_token", "password", "secret", "session",
  "sig",  "signature", "code", "publish_key",
};

gboolean
lc_log_level_from_string (const char *text, LcLogLevel *level)
{
  static const char *const names[] = { "error", "warning", "info", "debug" };
  gsize i;

  if (text == NULL)
    return FALSE;
  for (i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (text, names[i]) == 0)
      {
        if (level != NULL)
          *level = (LcLogLevel) i;
        return TRUE;
      }
  return FALSE;
}

gboolean
lc_log_format_from_string (const char *text, LcLogFormat *format)
{
  if (text == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (text, "text") == 0)
    {
      if (format != NULL)
        *format = LC_LOG_TEXT;
      return TRUE;
    }
  if (g_ascii_strcasecmp (text, "json") == 0)
    {
      if (format != NULL)
        *format = LC_LOG_JSON;
      return TRUE;
    }
  return FALSE;
}

/* The LcLogLevel a GLib level belongs to. */
static LcLogLevel
level_of (GLogLevelFlags flags)
{
  if (flags & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    return LC_LOG_ERROR;
  if (flags & G_LOG_LEVEL_WARNING)
    return LC_LOG_WARNING;
  if (flags & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO))
    return LC_LOG_INFO;
  if (flags & G_LOG_LEVEL_DEBUG)
    return LC_LOG_DEBUG;
  return LC_LOG_INFO; /* user-defined levels */
}

static const char *
level_name (LcLogLevel level, gboolean upper)
{
  switch (level)
    {
    case LC_LOG_ERROR:
      return upper ? "ERROR" : "error";
    case LC_LOG_WARNING:
      return upper ? "WARNING" : "warning";
    case LC_LOG_DEBUG:
      return upper ? "DEBUG" : "debug";
    case LC_LOG_INFO:
    default:
      return upper ? "INFO" : "info";
    }
}

/* A field value as valid UTF-8 (invalid bytes and NULs become U+FFFD). */
static char *
field_text (const GLogField *field)
{
  gssize len = field->length;

  if (field->value == NULL)
    return g_strdup ("");
  if (len < 0)
    len = (gssize) strlen (field->value);
  return g_utf8_make_valid (field->value, len);
}

/* "LC_EVENT" → "event"; other names keep their spelling; characters outside
 * [A-Za-z0-9_] become '_'. */
static char *
field_name (const char *key)
{
  GString *out = g_string_new (NULL);
  gboolean lower = g_str_has_prefix (key, "LC_");
  const char *p;

  for (p = lower ? key + 3 : key; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '_')
        g_string_append_c (out, lower ? g_ascii_tolower (*p) : *p);
      else
        g_string_append_c (out, '_');
    }
  if (out->len == 0)
    g_string_append (out, "field");
  return g_string_free (out, FALSE);
}

static gboolean
is_skipped_field (const char *key)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (skipped_fields); i++)
    if (strcmp (key, skipped_fields[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
is_json_number (const char *s)
{
  const char *p = s;

  if (*p == '-')
    p++;
  if (*p == '0')
    p++;
  else if (g_ascii_isdigit (*p))
    while (g_ascii_isdigit (*p))
      p++;
  else
    return FALSE;
  if (*p == '.')
    {
      p++;
      if (!g_ascii_isdigit (*p))
        return FALSE;
      while (g_ascii_isdigit (*p))
        p++;
    }
  return *p == '\0';
}

static gboolean
is_numeric_field (const char *name, const char *value)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (numeric_fields); i++)
    if (strcmp (name, numeric_fields[i]) == 0)
      return is_json_number (value);
  return FALSE;
}

static gboolean
is_control (gunichar ch)
{
  return ch < 0x20 || (ch >= 0x7f && ch <= 0x9f) || ch == 0x2028 || ch == 0x2029;
}

/* One character of valid UTF-8 at p: control characters (C0, DEL, C1, line
 * separators) as escapes; in JSON also '"' and '\\'. */
static void
append_escaped_char (GString *out, const char *p, gboolean json)
{
  gunichar ch = g_utf8_get_char (p);

  switch (ch)
    {
    case '\n':
      g_string_append (out, "\\n");
      return;
    case '\r':
      g_string_append (out, "\\r");
      return;
    case '\t':
      g_string_append (out, "\\t");
      return;
    case '"':
      g_string_append (out, json ? "\\\"" : "\"");
      return;
    case '\\':
      g_string_append (out, json ? "\\\\" : "\\");
      return;
    default:
      break;
    }
  if (is_control (ch))
    g_string_append_printf (out, json ? "\\u%04x" : "\\x%02x", ch);
  else
    g_string_append_len (out, p, g_utf8_next_char (p) - p);
}

static void
append_escaped (GString *out, const char *text, gboolean json)
{
  const char *p;

  for (p = text; *p != '\0'; p = g_utf8_next_char (p))
    append_escaped_char (out, p, json);
}

static void
append_json_string (GString *out, const char *text)
{
  g_string_append_c (out, '"');
  append_escaped (out, text, TRUE);
  g_string_append_c (out, '"');
}

/* A text-format value (valid UTF-8): bare when it is a plain token, else in
 * double quotes with '"', '\\' and control characters escaped. */
static void
append_text_value (GString *out, const char *text)
{
  const char *p;
  gboolean plain = text[0] != '\0';

  for (p = text; *p != '\0' && plain; p = g_utf8_next_char (p))
    {
      gunichar ch = g_utf8_get_char (p);

      if (ch == ' ' || ch == '"' || ch == '=' || ch == '\\' || is_control (ch))
        plain = FALSE;
    }
  if (plain)
    {
      g_string_append (out, text);
      return;
    }

  g_string_append_c (out, '"');
  for (p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (*p == '"' || *p == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, *p);
        }
      else
        append_escaped_char (out, p, FALSE);
    }
  g_string_append_c (out, '"');
}

/* "2026-11-30T10:00:00.123Z" */
static void
append_timestamp (GString *out, gint64 now_us)
{
  gint64 seconds = now_us / G_USEC_PER_SEC;
  gint64 rest = now_us % G_USEC_PER_SEC;
  time_t t;
  struct tm tm;

  if (rest < 0)
    {
      seconds--;
      rest += G_USEC_PER_SEC;
    }
  t = (time_t) seconds;
  if (gmtime_r (&t, &tm) == NULL)
    {
      g_string_append (out, "1970-01-01T00:00:00.000Z");
      return;
    }
  g_string_append_printf (out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                          tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                          (int) (rest / 1000));
}

char *
lc_log_format_record (LcLogFormat format, GLogLevelFlags level, const GLogField *fields,
                      gsize n_fields, gint64 now_us)
{
  GString *out = g_string_sized_new (160);
  g_autofree char *message = NULL;
  g_autofree char *domain = NULL;
  LcLogLevel lc_level = level_of (level);
  gsize i;

  for (i = 0; i < n_fields; i++)
    {
      if (fields[i].key == NULL)
        continue;
      if (message == NULL && strcmp (fields[i].key, "MESSAGE") == 0)
        message = field_text (&fields[i]);
      else if (domain == NULL && strcmp (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = field_text (&fields[i]);
    }
  if (message == NULL)
    message = g_strdup ("");
  if (domain == NULL)
    domain = g_strdup ("-");

  if (format == LC_LOG_JSON)
    {
      g_string_append (out, "{\"ts\":\"");
      append_timestamp (out, now_us);
      g_string_append (out, "\",\"level\":");
      append_json_string (out, level_name (lc_level, FALSE));
      g_string_append (out, ",\"domain\":");
      append_json_string (out, domain);
      g_string_append (out, ",\"msg\":");
      append_json_string (out, message);
    }
  else
    {
      append_timestamp (out, now_us);
      g_string_append_printf (out, " %s ", level_name (lc_level, TRUE));
      append_escaped (out, domain, FALSE);
      g_string_append (out, ": ");
      append_escaped (out, message, FALSE);
    }

  for (i = 0; i < n_fields; i++)
    {
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;

      if (fields[i].key == NULL || is_skipped_field (fields[i].key))
        continue;
      name = field_name (fields[i].key);
      value = field_text (&fields[i]);

      if (format == LC_LOG_JSON)
        {
          /* Never shadow the fixed members. */
          gboolean reserved = strcmp (name, "ts") == 0 || strcmp (name, "level") == 0
                              || strcmp (name, "domain") == 0 || strcmp (name, "msg") == 0;

          g_string_append_c (out, ',');
          if (reserved)
            {
              g_autofree char *renamed = g_strconcat ("field_", name, NULL);

              append_json_string (out, renamed);
            }
          else
            append_json_string (out, name);
          g_string_append_c (out, ':');
          if (is_numeric_field (name, value))
            g_string_append (out, value);
          else
            append_json_string (out, value);
        }
      else
        {
          g_string_append_printf (out, " %s=", name);
          append_text_value (out, value);
        }
    }

  if (format == LC_LOG_JSON)
    g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

static gboolean
write_all (int fd, const char *data, gsize len)
{
  while (len > 0)
    {
      gssize n = write (fd, data, len);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static GLogWriterOutput
on_log_record (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  LogWriter *writer = user_data;
  g_autofree char *line = NULL;
  gsize len;
  gboolean ok;

  if ((int) level_of (level) > g_atomic_int_get (&writer->level))
    return G_LOG_WRITER_HANDLED;

  line = lc_log_format_record ((LcLogFormat) g_atomic_int_get (&writer->format), level, fields,
                               n_fields, g_get_real_time ());
  len = strlen (line);
  line = g_realloc (line, len + 2);
  line[len] = '\n';
  line[len + 1] = '\0';

  g_mutex_lock (&writer->write_lock);
  ok = write_all (g_atomic_int_get (&writer->fd), line, len + 1);
  g_mutex_unlock (&writer->write_lock);

  return ok ? G_LOG_WRITER_HANDLED : G_LOG_WRITER_UNHANDLED;
}

void
lc_log_install (LcLogFormat format, LcLogLevel level, int fd)
{
  static gsize installed = 0;

  g_atomic_int_set (&log_writer.format, (int) format);
  g_atomic_int_set (&log_writer.level, (int) level);
  g_atomic_int_set (&log_writer.fd, fd);

  if (g_once_init_enter (&installed))
    {
      g_log_set_writer_func (on_log_record, &log_writer, NULL);
      g_once_init_leave (&installed, 1);
    }
}

static gboolean
is_sensitive_param (const char *raw_name, gsize len)
{
  g_autofree char *raw = g_strndup (raw_name, len);
  g_autofree char *decoded = g_uri_unescape_string (raw, NULL);
  g_autofree char *name = g_ascii_strdown (decoded != NULL ? decoded : raw, -1);
  gsize i;

  g_strstrip (name);
  for (i = 0; i < G_N_ELEMENTS (sensitive_params); i++)
    if (strcmp (name, sensitive_params[i]) == 0)
      return TRUE;
  /* Names that announce a secret: refresh_token, api_key, new_password… */
  return g_str_has_suffix (name, "_token") || g_str_has_suffix (name, "_key")
         || g_str_has_suffix (name, "password") || g_str_has_suffix (name, "_secret");
}

char *
lc_log_redact_path (const char *path, const char *query)
{
  GString *out = g_string_new (NULL);
  const char *path_end;
  const char *q = query;
  const char *q_end;
  const char *part;

  if (path == NULL)
    path = "";

  /* The path ends at a fragment, or at a query when none was passed apart. */
  path_end = path + strcspn (path, query != NULL ? "#" : "?#");
  g_string_append_len (out, path, path_end - path);
  if (query == NULL && *path_end == '?')
    q = path_end + 1;

  if (q == NULL)
    return g_string_free (out, FALSE);
  q_end = q + strcspn (q, "#");
  if (q_end == q)
    return g_string_free (out, FALSE);

  g_string_append_c (out, '?');
  for (part = q; part <= q_end;)
    {
      const char *amp = memchr (part, '&', (gsize) (q_end - part));
      const char *part_end = amp != NULL ? amp : q_end;
      const char *eq = memchr (part, '=', (gsize) (part_end - part));

      if (eq != NULL && is_sensitive_param (part, (gsize) (eq - part)))
        {
          g_string_append_len (out, part, eq - part);
          g_string_append (out, "=REDACTED");
        }
      else
        g_string_append_len (out, part, part_end - part);

      if (amp == NULL)
        break;
      g_string_append_c (out, '&');
      part = amp + 1;
    }
  return g_string_free (out, FALSE);
}

void
lc_log_request (const char *method, const char *path, guint status, gsize bytes,
                double duration_ms, const char *client)
{
  char status_text[16];
  char bytes_text[32];
  char duration_text[G_ASCII_DTOSTR_BUF_SIZE];
  const GLogField fields[] = {
    { "MESSAGE", "request", -1 },
    { "GLIB_DOMAIN", G_LOG_DOMAIN, -1 },
    { "PRIORITY", "6", -1 },
    { "LC_EVENT", "request", -1 },
    { "method", method != NULL ? method : "-", -1 },
    { "path", path != NULL ? path : "-", -1 },
    { "status", status_text, -1 },
    { "bytes", bytes_text, -1 },
    { "duration_ms", duration_text, -1 },
    { "client", client != NULL ? client : "-", -1 },
  };

  g_snprintf (status_text, sizeof status_text, "%u", status);
  g_snprintf (bytes_text, sizeof bytes_text, "%" G_GSIZE_FORMAT, bytes);
  /* Locale-independent: the daemon calls setlocale(). */
  g_ascii_formatd (duration_text, sizeof duration_text, "%.3f",
                   duration_ms >= 0 ? duration_ms : 0.0);

  g_log_structured_array (G_LOG_LEVEL_INFO, fields, G_N_ELEMENTS (fields));
}
