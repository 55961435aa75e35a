/* lc-ics.h — iCalendar (RFC 5545) output: a VCALENDAR of VEVENTs.
 *
 * CRLF line ends, lines folded at 75 octets without splitting a UTF-8
 * sequence, TEXT values escaped (\\ \; \, \n), times in UTC ("…Z"). Pure: no
 * I/O, deterministic for the same input (tests compare whole texts).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  const char *uid;         /* stable, e.g. "conference-<id>@lessoncast" */
  int sequence;            /* bumped by the caller on every change */
  gint64 dtstamp;          /* last modification (updated_at) */
  gint64 starts_at, ends_at;
  const char *summary;
  const char *description; /* nullable */
  const char *location;    /* nullable */
  const char *url;         /* nullable (absolute URL) */
  gboolean cancelled;      /* STATUS:CANCELLED, else STATUS:CONFIRMED */
  gboolean tentative;      /* STATUS:TENTATIVE (e.g. invitation not accepted yet) */
  const char *categories;  /* nullable, e.g. "Conference" or "Open lesson" */
} LcIcsEvent;

/* A whole calendar: PRODID "-//lessoncast//lessoncast//RU", VERSION 2.0,
 * CALSCALE GREGORIAN, METHOD PUBLISH, X-WR-CALNAME calendar_name,
 * X-WR-TIMEZONE tz_name (nullable: omitted). (transfer full) */
char *lc_ics_calendar (const char *calendar_name, const char *tz_name, const LcIcsEvent *events,
                       gsize n_events);

/* Helpers exposed for tests. (transfer full) */
char *lc_ics_escape_text (const char *text);
char *lc_ics_fold_line (const char *line); /* input without CRLF; output lines joined by CRLF + space, no final CRLF */

G_END_DECLS
