/* lc-ics.c — iCalendar (RFC 5545) writer: a VCALENDAR of VEVENTs with CRLF
 * line ends, content lines folded at 75 octets on UTF-8 character boundaries,
 * escaped TEXT values and UTC date-times. Pure and deterministic. */
#include "common/lc-ics.h"

#include <string.h>

#define FOLD_OCTETS 75 /* RFC 5545 §3.1: lines SHOULD NOT be longer than 75 octets */

/* Valid UTF-8 of text (invalid sequences replaced), never NULL. (transfer full) */
static char *
valid_utf8 (const char *text)
{
  if (text == NULL)
    return g_strdup ("");
  return g_utf8_make_valid (text, -1);
}

/* Control characters are not allowed in TEXT (RFC 5545 §3.3.11) except HTAB;
 * line breaks were turned into "\n" before this is asked. */
static gboolean
is_forbidden_control (guchar c)
{
  return (c < 0x20 && c != '\t') || c == 0x7f;
}

char *
lc_ics_escape_text (const char *text)
{
  g_autofree char *valid = valid_utf8 (text);
  GString *out = g_string_sized_new (strlen (valid) + 8);
  const char *p;

  for (p = valid; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case ';':
          g_string_append (out, "\\;");
          break;
        case ',':
          g_string_append (out, "\\,");
          break;
        case '\r':
          if (p[1] == '\n')
            p++; /* CRLF is one line break */
          g_string_append (out, "\\n");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        default:
          if (!is_forbidden_control ((guchar)*p))
            g_string_append_c (out, *p);
          break;
        }
    }
  return g_string_free (out, FALSE);
}

/* A value that is not TEXT (URI, time zone name): only control characters
 * dropped, so it can never break the line structure. (transfer full) */
static char *
sanitize_value (const char *text)
{
  g_autofree char *valid = valid_utf8 (text);
  GString *out = g_string_sized_new (strlen (valid));
  const char *p;

  for (p = valid; *p != '\0'; p++)
    if (!is_forbidden_control ((guchar)*p) && *p != '\t')
      g_string_append_c (out, *p);
  return g_string_free (out, FALSE);
}

static gboolean
is_utf8_continuation (guchar c)
{
  return (c & 0xc0) == 0x80;
}

char *
lc_ics_fold_line (const char *line)
{
  GString *out;
  gsize len, pos = 0;
  gboolean first = TRUE;

  g_return_val_if_fail (line != NULL, NULL);

  len = strlen (line);
  out = g_string_sized_new (len + len / 37 * 3 + 1);
  while (pos < len)
    {
      /* A continuation line begins with one space, which counts towards 75. */
      gsize room = first ? FOLD_OCTETS : FOLD_OCTETS - 1;
      gsize end = pos + room;

      if (end >= len)
        end = len;
      else
        {
          while (end > pos && is_utf8_continuation ((guchar)line[end]))
            end--;
          if (end == pos) /* not UTF-8 at all: never loop forever */
            end = pos + room;
        }
      if (!first)
        g_string_append (out, "\r\n ");
      g_string_append_len (out, line + pos, (gssize)(end - pos));
      pos = end;
      first = FALSE;
    }
  return g_string_free (out, FALSE);
}

/* Append "name:value" folded, with CRLF. value is used as given. */
static void
append_line (GString *out, const char *name, const char *value)
{
  g_autofree char *line = g_strconcat (name, ":", value, NULL);
  g_autofree char *folded = lc_ics_fold_line (line);

  g_string_append (out, folded);
  g_string_append (out, "\r\n");
}

static void
append_text (GString *out, const char *name, const char *text)
{
  g_autofree char *escaped = lc_ics_escape_text (text);

  append_line (out, name, escaped);
}

/* DATE-TIME in UTC, "YYYYMMDDTHHMMSSZ" (RFC 5545 §3.3.5 form #2); times
 * outside years 1..9999 are clamped. */
static void
append_time (GString *out, const char *name, gint64 t)
{
  g_autoptr (GDateTime) dt = NULL;
  char text[32] = "19700101T000000Z";

  t = CLAMP (t, G_GINT64_CONSTANT (-62135596800), G_GINT64_CONSTANT (253402300799));
  dt = g_date_time_new_from_unix_utc (t);
  if (dt != NULL)
    g_snprintf (text, sizeof text, "%04d%02d%02dT%02d%02d%02dZ", g_date_time_get_year (dt),
                g_date_time_get_month (dt), g_date_time_get_day_of_month (dt),
                g_date_time_get_hour (dt), g_date_time_get_minute (dt),
                g_date_time_get_second (dt));
  append_line (out, name, text);
}

static void
append_event (GString *out, const LcIcsEvent *event)
{
  g_autofree char *sequence = g_strdup_printf ("%d", MAX (event->sequence, 0));
  const char *status = event->cancelled   ? "CANCELLED"
                       : event->tentative ? "TENTATIVE"
                                          : "CONFIRMED";

  append_line (out, "BEGIN", "VEVENT");
  append_text (out, "UID", event->uid);
  append_time (out, "DTSTAMP", event->dtstamp);
  append_time (out, "DTSTART", event->starts_at);
  append_time (out, "DTEND", event->ends_at);
  append_line (out, "SEQUENCE", sequence);
  append_line (out, "STATUS", status);
  append_text (out, "SUMMARY", event->summary);
  if (event->description != NULL)
    append_text (out, "DESCRIPTION", event->description);
  if (event->location != NULL)
    append_text (out, "LOCATION", event->location);
  if (event->url != NULL)
    {
      g_autofree char *url = sanitize_value (event->url);

      append_line (out, "URL", url);
    }
  if (event->categories != NULL)
    append_text (out, "CATEGORIES", event->categories);
  append_line (out, "END", "VEVENT");
}

char *
lc_ics_calendar (const char *calendar_name, const char *tz_name, const LcIcsEvent *events,
                 gsize n_events)
{
  GString *out = g_string_sized_new (512 + n_events * 512);
  gsize i;

  g_return_val_if_fail (events != NULL || n_events == 0, NULL);

  append_line (out, "BEGIN", "VCALENDAR");
  append_line (out, "PRODID", "-//lessoncast//lessoncast//RU");
  append_line (out, "VERSION", "2.0");
  append_line (out, "CALSCALE", "GREGORIAN");
  append_line (out, "METHOD", "PUBLISH");
  append_text (out, "X-WR-CALNAME", calendar_name);
  if (tz_name != NULL)
    {
      g_autofree char *tz = sanitize_value (tz_name);

      append_line (out, "X-WR-TIMEZONE", tz);
    }
  for (i = 0; i < n_events; i++)
    append_event (out, &events[i]);
  append_line (out, "END", "VCALENDAR");
  return g_string_free (out, FALSE);
}
