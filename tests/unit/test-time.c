/* test-time.c — strict RFC 3339 parsing (offset required), RFC 3339 and
 * HTTP-date formatting (common/lc-time), checked against GDateTime. */
#include <string.h>

#include "common/lc-error.h"
#include "common/lc-time.h"

static gint64
utc (int year, int month, int day, int hour, int minute, int second)
{
  g_autoptr (GDateTime) dt = g_date_time_new_utc (year, month, day, hour, minute, second);

  g_assert_nonnull (dt);
  return g_date_time_to_unix (dt);
}

static gint64
parse_ok (const char *text)
{
  g_autoptr (GError) error = NULL;
  gint64 t = G_MININT64;

  g_test_message ("parsing %s", text);
  g_assert_true (lc_time_parse_rfc3339 (text, "starts_at", &t, &error));
  g_assert_no_error (error);
  return t;
}

static void
test_parse_offsets (void)
{
  gint64 expected = utc (2026, 12, 1, 6, 0, 0);

  g_assert_cmpint (parse_ok ("2026-12-01T09:00:00+03:00"), ==, expected);
  g_assert_cmpint (parse_ok ("2026-12-01T06:00:00Z"), ==, expected);
  g_assert_cmpint (parse_ok ("2026-12-01t06:00:00z"), ==, expected);
  g_assert_cmpint (parse_ok ("2026-12-01T06:00:00+00:00"), ==, expected);
  g_assert_cmpint (parse_ok ("2026-12-01T06:00:00-00:00"), ==, expected);
  g_assert_cmpint (parse_ok ("2026-12-01T00:30:00-05:30"), ==, expected);
  g_assert_cmpint (parse_ok ("2026-11-30T20:00:00-10:00"), ==, expected); /* previous day */
  g_assert_cmpint (parse_ok ("2026-12-02T05:59:00+23:59"), ==, expected); /* next day */
  g_assert_cmpint (parse_ok ("2027-01-01T05:00:00+01:00"), ==, utc (2027, 1, 1, 4, 0, 0));
  g_assert_cmpint (parse_ok ("2026-12-31T23:00:00-02:00"), ==, utc (2027, 1, 1, 1, 0, 0));
}

static void
test_parse_fraction (void)
{
  gint64 expected = utc (2026, 12, 1, 6, 0, 0);

  g_assert_cmpint (parse_ok ("2026-12-01T06:00:00.5Z"), ==, expected);
  g_assert_cmpint (parse_ok ("2026-12-01T06:00:00.999Z"), ==, expected); /* truncated */
  g_assert_cmpint (parse_ok ("2026-12-01T09:00:00.123456+03:00"), ==, expected);
  g_assert_cmpint (parse_ok ("2026-12-01T06:00:00.000000000Z"), ==, expected);
}

static void
test_parse_calendar (void)
{
  g_assert_cmpint (parse_ok ("1970-01-01T00:00:00Z"), ==, 0);
  g_assert_cmpint (parse_ok ("9999-12-31T23:59:59Z"), ==, G_GINT64_CONSTANT (253402300799));
  g_assert_cmpint (parse_ok ("2024-02-29T12:00:00Z"), ==, utc (2024, 2, 29, 12, 0, 0));
  g_assert_cmpint (parse_ok ("2000-02-29T12:00:00Z"), ==, utc (2000, 2, 29, 12, 0, 0));
  g_assert_cmpint (parse_ok ("2026-04-30T00:00:00Z"), ==, utc (2026, 4, 30, 0, 0, 0));
  /* A leap second is clamped to :59 (Unix time has no leap seconds). */
  g_assert_cmpint (parse_ok ("2016-12-31T23:59:60Z"), ==, utc (2016, 12, 31, 23, 59, 59));
}

/* Every ~37th day from 1970 to 9999, formatted by GDateTime and parsed back. */
static void
test_parse_sweep (void)
{
  gint64 t;
  gint64 step = 37 * 86400 + 3671;

  /* From day 2: a negative offset on 1970-01-01 would be a local date in 1969. */
  for (t = 86400; t < G_GINT64_CONSTANT (253402300799) - 86400; t += step)
    {
      g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (t);
      g_autoptr (GTimeZone) tz = g_time_zone_new_offset (-(int)(t % 50400) / 60 * 60 + 25200);
      g_autoptr (GDateTime) local = g_date_time_to_timezone (dt, tz);
      g_autofree char *text = g_date_time_format (local, "%Y-%m-%dT%H:%M:%S%:z");
      g_autoptr (GError) error = NULL;
      g_autofree char *formatted = NULL;
      gint64 back = -1;

      lc_time_parse_rfc3339 (text, "t", &back, &error);
      if (error != NULL)
        g_test_message ("%s: %s", text, error->message);
      g_assert_no_error (error);
      g_assert_cmpint (back, ==, t);

      formatted = lc_time_format_rfc3339 (t);
      g_clear_pointer (&text, g_free);
      text = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
      g_assert_cmpstr (formatted, ==, text);
    }
}

static void
test_parse_invalid (void)
{
  static const char *const bad[] = {
    "",
    "tomorrow",
    "2026-12-01",
    "2026-12-01T09:00:00",       /* offset missing */
    "2026-12-01T09:00",          /* seconds missing */
    "2026-12-01 09:00:00Z",      /* space instead of T */
    "2026-12-01T09:00:00+0300",  /* offset without colon */
    "2026-12-01T09:00:00+03",    /* offset without minutes */
    "2026-12-01T09:00:00+24:00", /* offset hour out of range */
    "2026-12-01T09:00:00+03:60", /* offset minute out of range */
    "2026-12-01T09:00:00 Z",
    "2026-12-01T09:00:00Zjunk",
    "2026-12-01T09:00:00+03:00 ",
    "2026-12-01T09:00:00.Z",           /* '.' without digits */
    "2026-12-01T09:00:00.1234567890Z", /* too many digits */
    "2026-02-30T00:00:00Z",            /* Feb 30 */
    "2025-02-29T00:00:00Z",            /* 2025 is not a leap year */
    "2100-02-29T00:00:00Z",            /* neither is 2100 */
    "2026-04-31T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-00-10T00:00:00Z",
    "2026-01-00T00:00:00Z",
    "2026-01-32T00:00:00Z",
    "2026-01-01T24:00:00Z",
    "2026-01-01T23:60:00Z",
    "2026-01-01T23:59:61Z",
    "1969-12-31T23:59:59Z", /* before 1970 */
    "0000-01-01T00:00:00Z",
    "10000-01-01T00:00:00Z",
    "2026-1-01T00:00:00Z",
    "2026-01-1T00:00:00Z",
    "+2026-01-01T00:00:00Z",
    "2026-01-01T0:00:00Z",
    "2026-01-01T00:00:00\xff",
    "2026-01-01T00:00:00Z\n",
    "２０２６-01-01T00:00:00Z", /* full-width digits */
    "1776633600",               /* Unix seconds are not accepted either */
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *escaped = g_strescape (bad[i], NULL);
      gint64 t = 12345;

      g_test_message ("rejecting \"%s\"", escaped);
      g_assert_false (lc_time_parse_rfc3339 (bad[i], "starts_at", &t, &error));
      g_assert_error (error, LC_ERROR, LC_ERROR_INVALID);
      g_assert_cmpstr (lc_error_get_field (error), ==, "starts_at");
      g_assert_nonnull (strstr (error->message, "starts_at"));
      g_assert_nonnull (strstr (error->message, "RFC 3339"));
      g_assert_nonnull (strstr (error->message, "2026-12-01T09:00:00+03:00"));
      g_assert_cmpint (t, ==, 12345); /* untouched on failure */
    }
}

static void
test_parse_null (void)
{
  g_autoptr (GError) error = NULL;
  gint64 t = 0;

  g_assert_false (lc_time_parse_rfc3339 (NULL, "ends_at", &t, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_INVALID);
  g_assert_cmpstr (lc_error_get_field (error), ==, "ends_at");
  g_clear_error (&error);

  /* Without a field name the message still explains the form. */
  g_assert_false (lc_time_parse_rfc3339 ("nope", NULL, &t, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_INVALID);
  g_assert_null (lc_error_get_field (error));
  g_assert_nonnull (strstr (error->message, "RFC 3339"));
}

static void
test_format_rfc3339 (void)
{
  static const struct
  {
    gint64 t;
    const char *text;
  } cases[] = {
    { 0, "1970-01-01T00:00:00Z" },
    { 1483228799, "2016-12-31T23:59:59Z" },
    { 951782400, "2000-02-29T00:00:00Z" },
    { G_GINT64_CONSTANT (253402300799), "9999-12-31T23:59:59Z" },
    { -1, "1969-12-31T23:59:59Z" },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = lc_time_format_rfc3339 (cases[i].t);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
test_format_http (void)
{
  static const struct
  {
    gint64 t;
    const char *text;
  } cases[] = {
    { 784111777, "Sun, 06 Nov 1994 08:49:37 GMT" }, /* RFC 9110 §5.6.7 example */
    { 0, "Thu, 01 Jan 1970 00:00:00 GMT" },
    { 951782400, "Tue, 29 Feb 2000 00:00:00 GMT" },
    { 1798761600, "Fri, 01 Jan 2027 00:00:00 GMT" },
  };
  gsize i;
  gint64 t;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = lc_time_format_http (cases[i].t);

      g_assert_cmpstr (text, ==, cases[i].text);
    }

  /* Weekdays and months against GDateTime (C locale) over many days. */
  for (t = 0; t < G_GINT64_CONSTANT (4102444800); t += 86400 * 3 + 7) /* to 2100 */
    {
      g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (t);
      g_autofree char *expected = g_date_time_format (dt, "%a, %d %b %Y %H:%M:%S GMT");
      g_autofree char *text = lc_time_format_http (t);

      g_assert_cmpstr (text, ==, expected);
    }
}

static void
test_now (void)
{
  gint64 before = g_get_real_time () / G_USEC_PER_SEC;
  gint64 now = lc_time_now ();
  gint64 after = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_cmpint (now, >=, before);
  g_assert_cmpint (now, <=, after);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/common/time/parse/offsets", test_parse_offsets);
  g_test_add_func ("/common/time/parse/fraction", test_parse_fraction);
  g_test_add_func ("/common/time/parse/calendar", test_parse_calendar);
  g_test_add_func ("/common/time/parse/sweep", test_parse_sweep);
  g_test_add_func ("/common/time/parse/invalid", test_parse_invalid);
  g_test_add_func ("/common/time/parse/null", test_parse_null);
  g_test_add_func ("/common/time/format/rfc3339", test_format_rfc3339);
  g_test_add_func ("/common/time/format/http", test_format_http);
  g_test_add_func ("/common/time/now", test_now);

  return g_test_run ();
}
