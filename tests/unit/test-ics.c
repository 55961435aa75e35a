/* test-ics.c — iCalendar output (common/lc-ics) against RFC 5545: a whole
 * calendar compared byte for byte, line folding at 75 octets on UTF-8
 * boundaries (ASCII, Cyrillic, 4-byte characters), TEXT escaping, STATUS,
 * and that no value can break the line structure. */
#include <string.h>

#include "common/lc-ics.h"

static gint64
utc (int year, int month, int day, int hour, int minute, int second)
{
  g_autoptr (GDateTime) dt = g_date_time_new_utc (year, month, day, hour, minute, second);

  g_assert_nonnull (dt);
  return g_date_time_to_unix (dt);
}

/* Undo folding: remove every CRLF followed by one space (RFC 5545 §3.1). */
static char *
unfold (const char *text)
{
  GString *out = g_string_new (NULL);
  const char *p;

  for (p = text; *p != '\0'; p++)
    {
      if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ')
        {
          p += 2;
          continue;
        }
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* Every physical line of folded (lines separated by CRLF, no final CRLF):
 * ≤ 75 octets, valid UTF-8, continuation lines begin with a space, every
 * line but the last filled to within one character of the limit, and
 * unfolding gives original back. Returns the number of physical lines. */
static guint
assert_folded (const char *folded, const char *original)
{
  g_auto (GStrv) lines = g_strsplit (folded, "\r\n", -1);
  g_autofree char *back = unfold (folded);
  guint i, n = g_strv_length (lines);

  g_assert_null (strchr (back, '\r'));
  g_assert_cmpstr (back, ==, original);
  for (i = 0; i < n; i++)
    {
      gsize len = strlen (lines[i]);

      g_assert_cmpuint (len, <=, 75);
      g_assert_true (g_utf8_validate (lines[i], -1, NULL));
      g_assert_null (strchr (lines[i], '\n'));
      if (i > 0)
        g_assert_cmpint (lines[i][0], ==, ' ');
      if (i + 1 < n)
        g_assert_cmpuint (len, >=, 72); /* greedy: at most a 4-byte character short */
    }
  return n;
}

static void
test_fold_ascii (void)
{
  g_autofree char *x200 = g_strnfill (200, 'x');
  g_autofree char *line = g_strconcat ("DESCRIPTION:", x200, NULL); /* 212 octets */
  g_autofree char *folded = lc_ics_fold_line (line);
  g_auto (GStrv) lines = NULL;

  g_assert_cmpuint (assert_folded (folded, line), ==, 3);
  lines = g_strsplit (folded, "\r\n", -1);
  g_assert_cmpuint (strlen (lines[0]), ==, 75);
  g_assert_cmpuint (strlen (lines[1]), ==, 75);
  g_assert_cmpuint (strlen (lines[2]), ==, 1 + 212 - 75 - 74);
  g_assert_true (g_str_has_prefix (lines[0], "DESCRIPTION:xxx"));

  /* Exactly 75 octets stay on one line; 76 fold once, the 76th octet alone. */
  {
    g_autofree char *l75 = g_strnfill (75, 'a');
    g_autofree char *l76 = g_strconcat (l75, "b", NULL);
    g_autofree char *f75 = lc_ics_fold_line (l75);
    g_autofree char *f76 = lc_ics_fold_line (l76);
    g_autofree char *expected = g_strconcat (l75, "\r\n b", NULL);

    g_assert_cmpstr (f75, ==, l75);
    g_assert_cmpstr (f76, ==, expected);
  }

  /* Short and empty lines are unchanged. */
  {
    g_autofree char *empty = lc_ics_fold_line ("");
    g_autofree char *shortline = lc_ics_fold_line ("VERSION:2.0");

    g_assert_cmpstr (empty, ==, "");
    g_assert_cmpstr (shortline, ==, "VERSION:2.0");
  }
}

static void
test_fold_utf8 (void)
{
  GString *cyr = g_string_new ("SUMMARY:");
  g_autofree char *folded = NULL;
  g_auto (GStrv) lines = NULL;
  int i;

  /* 200 Cyrillic letters (2 octets each) after an 8-octet name. */
  for (i = 0; i < 200; i++)
    g_string_append (cyr, i % 2 == 0 ? "Ж" : "я");
  g_assert_cmpuint (cyr->len, ==, 408);
  folded = lc_ics_fold_line (cyr->str);
  g_assert_cmpuint (assert_folded (folded, cyr->str), ==, 6);
  lines = g_strsplit (folded, "\r\n", -1);
  /* 75 would split "Ж" (8 + 67 odd octets): the first line stops at 74. */
  g_assert_cmpuint (strlen (lines[0]), ==, 74);
  g_string_free (cyr, TRUE);

  /* Mixed 1-, 2-, 3- and 4-byte characters at every possible offset. */
  for (i = 0; i < 8; i++)
    {
      GString *mixed = g_string_new (NULL);
      g_autofree char *f = NULL;
      int j;

      g_string_append_len (mixed, "abcdefgh", i);
      for (j = 0; j < 60; j++)
        g_string_append (mixed, j % 4 == 0 ? "😀" : j % 4 == 1 ? "€" : j % 4 == 2 ? "ё" : "z");
      f = lc_ics_fold_line (mixed->str);
      assert_folded (f, mixed->str);
      g_string_free (mixed, TRUE);
    }
}

static void
test_escape (void)
{
  static const struct
  {
    const char *in, *out;
  } cases[] = {
    { "", "" },
    { "plain text", "plain text" },
    { "a\\b", "a\\\\b" },
    { "a;b", "a\\;b" },
    { "a,b", "a\\,b" },
    { "line1\nline2", "line1\\nline2" },
    { "line1\r\nline2", "line1\\nline2" },
    { "line1\rline2", "line1\\nline2" },
    { "\r\n\n", "\\n\\n" },
    { "colon: stays", "colon: stays" },
    { "\"quotes\" stay", "\"quotes\" stay" },
    { "tab\tstays", "tab\tstays" },
    { "bell\x07, esc\x1b, del\x7f dropped", "bell\\, esc\\, del dropped" },
    { "\\n is not a newline", "\\\\n is not a newline" },
    { "Физика; 9 класс, урок №3", "Физика\\; 9 класс\\, урок №3" },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *escaped = lc_ics_escape_text (cases[i].in);

      g_assert_cmpstr (escaped, ==, cases[i].out);
    }

  /* Invalid UTF-8 never reaches the output. */
  {
    g_autofree char *escaped = lc_ics_escape_text ("ok\xff\xfe end");

    g_assert_true (g_utf8_validate (escaped, -1, NULL));
    g_assert_true (g_str_has_prefix (escaped, "ok"));
    g_assert_true (g_str_has_suffix (escaped, " end"));
  }
}

#define CRLF "\r\n"

static void
test_calendar_whole (void)
{
  LcIcsEvent events[] = {
    {
        .uid = "conference-Yk3xQ9d0T1u8pXWz2bLmNA@lessoncast",
        .sequence = 2,
        .dtstamp = utc (2026, 11, 20, 8, 30, 0),
        .starts_at = utc (2026, 12, 1, 9, 0, 0),
        .ends_at = utc (2026, 12, 1, 10, 30, 0),
        .summary = "Joint lesson: physics, grade 9",
        .description = "Line one\nLine two; with semicolon",
        .location = "Room 12",
        .url = "https://lc.example/room/Yk3xQ9d0T1u8pXWz2bLmNA",
        .tentative = TRUE,
        .categories = "Conference",
    },
    {
        .uid = "lesson-7@lessoncast",
        .sequence = 0,
        .dtstamp = utc (2026, 11, 21, 0, 0, 0),
        .starts_at = utc (2026, 12, 2, 6, 5, 9),
        .ends_at = utc (2026, 12, 2, 6, 50, 9),
        .summary = "Open lesson",
        .cancelled = TRUE,
    },
  };
  static const char expected[]
      = "BEGIN:VCALENDAR" CRLF "PRODID:-//lessoncast//lessoncast//RU" CRLF "VERSION:2.0" CRLF
        "CALSCALE:GREGORIAN" CRLF "METHOD:PUBLISH" CRLF "X-WR-CALNAME:Школа №5\\, Москва" CRLF
        "X-WR-TIMEZONE:Europe/Moscow" CRLF "BEGIN:VEVENT" CRLF
        "UID:conference-Yk3xQ9d0T1u8pXWz2bLmNA@lessoncast" CRLF "DTSTAMP:20261120T083000Z" CRLF
        "DTSTART:20261201T090000Z" CRLF "DTEND:20261201T103000Z" CRLF "SEQUENCE:2" CRLF
        "STATUS:TENTATIVE" CRLF "SUMMARY:Joint lesson: physics\\, grade 9" CRLF
        "DESCRIPTION:Line one\\nLine two\\; with semicolon" CRLF "LOCATION:Room 12" CRLF
        "URL:https://lc.example/room/Yk3xQ9d0T1u8pXWz2bLmNA" CRLF "CATEGORIES:Conference" CRLF
        "END:VEVENT" CRLF "BEGIN:VEVENT" CRLF "UID:lesson-7@lessoncast" CRLF
        "DTSTAMP:20261121T000000Z" CRLF "DTSTART:20261202T060509Z" CRLF
        "DTEND:20261202T065009Z" CRLF "SEQUENCE:0" CRLF "STATUS:CANCELLED" CRLF
        "SUMMARY:Open lesson" CRLF "END:VEVENT" CRLF "END:VCALENDAR" CRLF;
  g_autofree char *ics
      = lc_ics_calendar ("Школа №5, Москва", "Europe/Moscow", events, G_N_ELEMENTS (events));
  g_autofree char *again
      = lc_ics_calendar ("Школа №5, Москва", "Europe/Moscow", events, G_N_ELEMENTS (events));

  g_assert_cmpstr (ics, ==, expected);
  g_assert_cmpstr (again, ==, ics); /* deterministic */
}

static void
test_calendar_empty (void)
{
  g_autofree char *ics = lc_ics_calendar ("Empty", NULL, NULL, 0);

  g_assert_cmpstr (ics, ==,
                   "BEGIN:VCALENDAR" CRLF "PRODID:-//lessoncast//lessoncast//RU" CRLF
                   "VERSION:2.0" CRLF "CALSCALE:GREGORIAN" CRLF "METHOD:PUBLISH" CRLF
                   "X-WR-CALNAME:Empty" CRLF "END:VCALENDAR" CRLF);
}

/* The value of the first (unfolded) property name in ics, or NULL. */
static char *
property (const char *ics, const char *name, guint nth)
{
  g_autofree char *unfolded = unfold (ics);
  g_auto (GStrv) lines = g_strsplit (unfolded, CRLF, -1);
  g_autofree char *prefix = g_strconcat (name, ":", NULL);
  guint i, seen = 0;

  for (i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix) && seen++ == nth)
      return g_strdup (lines[i] + strlen (prefix));
  return NULL;
}

static void
test_calendar_status (void)
{
  LcIcsEvent events[4] = { 0 };
  g_autofree char *ics = NULL;
  const char *expected[] = { "CONFIRMED", "TENTATIVE", "CANCELLED", "CANCELLED" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (events); i++)
    {
      events[i].uid = "u@lessoncast";
      events[i].summary = "s";
      events[i].starts_at = utc (2026, 12, 1, 9, 0, 0);
      events[i].ends_at = events[i].starts_at + 3600;
    }
  events[1].tentative = TRUE;
  events[2].cancelled = TRUE;
  events[3].cancelled = TRUE; /* cancelled wins over tentative */
  events[3].tentative = TRUE;
  events[3].sequence = -4; /* never negative on the wire */

  ics = lc_ics_calendar ("c", NULL, events, G_N_ELEMENTS (events));
  for (i = 0; i < G_N_ELEMENTS (events); i++)
    {
      g_autofree char *status = property (ics, "STATUS", i);

      g_assert_cmpstr (status, ==, expected[i]);
    }
  {
    g_autofree char *seq = property (ics, "SEQUENCE", 3);

    g_assert_cmpstr (seq, ==, "0");
  }
  g_assert_null (strstr (ics, "X-WR-TIMEZONE"));
}

static void
test_calendar_long_and_hostile (void)
{
  GString *title = g_string_new (NULL);
  g_autofree char *ics = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *description = NULL;
  g_autofree char *url = NULL;
  g_autofree char *escaped_title = NULL;
  g_auto (GStrv) lines = NULL;
  LcIcsEvent event = { 0 };
  guint i, begins = 0;
  int j;

  for (j = 0; j < 200; j++)
    g_string_append (title, j % 10 == 9 ? "; " : "Щ");
  event.uid = "conference-x@lessoncast";
  event.summary = title->str;
  event.description = "Повестка:\r\n1. Доклад, обсуждение\n2. Итоги\rEND:VEVENT\nBEGIN:VEVENT";
  event.location = "Актовый зал\\корпус 2";
  event.url = "https://lc.example/room/x\r\nX-EVIL:1";
  event.categories = "Open lesson";
  event.starts_at = G_MAXINT64; /* clamped, never a crash */
  event.ends_at = G_MININT64;

  ics = lc_ics_calendar ("Длинное название календаря школы номер пять, Москва, Россия",
                         "Europe/Moscow", &event, 1);

  /* Physical structure: CRLF only, every line ≤ 75 octets and valid UTF-8. */
  g_assert_true (g_str_has_suffix (ics, "END:VCALENDAR" CRLF));
  lines = g_strsplit (ics, CRLF, -1);
  for (i = 0; lines[i] != NULL; i++)
    {
      g_assert_cmpuint (strlen (lines[i]), <=, 75);
      g_assert_true (g_utf8_validate (lines[i], -1, NULL));
      g_assert_null (strchr (lines[i], '\n'));
      g_assert_null (strchr (lines[i], '\r'));
      g_assert_false (g_str_has_prefix (lines[i], "X-EVIL"));
      if (g_str_equal (lines[i], "BEGIN:VEVENT"))
        begins++;
    }
  g_assert_cmpuint (begins, ==, 1);

  /* Logical values come back exactly after unfolding. */
  summary = property (ics, "SUMMARY", 0);
  escaped_title = lc_ics_escape_text (title->str);
  g_assert_cmpstr (summary, ==, escaped_title);
  description = property (ics, "DESCRIPTION", 0);
  g_assert_cmpstr (description, ==,
                   "Повестка:\\n1. Доклад\\, обсуждение\\n2. Итоги\\nEND:VEVENT\\nBEGIN:VEVENT");
  url = property (ics, "URL", 0);
  g_assert_cmpstr (url, ==, "https://lc.example/room/xX-EVIL:1");
  {
    g_autofree char *location = property (ics, "LOCATION", 0);
    g_autofree char *start = property (ics, "DTSTART", 0);
    g_autofree char *end = property (ics, "DTEND", 0);

    g_assert_cmpstr (location, ==, "Актовый зал\\\\корпус 2");
    g_assert_cmpstr (start, ==, "99991231T235959Z");
    g_assert_cmpstr (end, ==, "00010101T000000Z");
  }
  g_string_free (title, TRUE);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/common/ics/fold/ascii", test_fold_ascii);
  g_test_add_func ("/common/ics/fold/utf8", test_fold_utf8);
  g_test_add_func ("/common/ics/escape", test_escape);
  g_test_add_func ("/common/ics/calendar/whole", test_calendar_whole);
  g_test_add_func ("/common/ics/calendar/empty", test_calendar_empty);
  g_test_add_func ("/common/ics/calendar/status", test_calendar_status);
  g_test_add_func ("/common/ics/calendar/long-and-hostile", test_calendar_long_and_hostile);

  return g_test_run ();
}
