/* lc-time.c — strict RFC 3339 parsing (offset required), RFC 3339 and HTTP
 * (IMF-fixdate) formatting, all in gint64 Unix seconds, UTC. Pure calendar
 * arithmetic: no locale, no time zone database. */
#include "common/lc-time.h"

#include "common/lc-error.h"

#define MIN_YEAR 1970
#define MAX_YEAR 9999
#define MAX_FRACTION_DIGITS 9
#define SECONDS_PER_DAY G_GINT64_CONSTANT (86400)

static gboolean
is_leap_year (gint64 year)
{
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
days_in_month (gint64 year, int month)
{
  static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

  if (month == 2 && is_leap_year (year))
    return 29;
  return days[month - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static gint64
days_from_civil (gint64 y, int m, int d)
{
  gint64 era, yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void
civil_from_days (gint64 z, gint64 *year, int *month, int *day)
{
  gint64 era, doe, yoe, doy, mp, y;
  int m;

  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = z - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = yoe + era * 400;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  *day = (int)(doy - (153 * mp + 2) / 5 + 1);
  m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *month = m;
  *year = y + (m <= 2);
}

/* Split unix seconds into a civil date, time of day and weekday (0 = Sunday). */
static void
split_unix (gint64 t, gint64 *year, int *month, int *day, int *hour, int *minute, int *second,
            int *weekday)
{
  gint64 days = t / SECONDS_PER_DAY;
  gint64 rem = t % SECONDS_PER_DAY;

  if (rem < 0)
    {
      rem += SECONDS_PER_DAY;
      days -= 1;
    }
  civil_from_days (days, year, month, day);
  *hour = (int)(rem / 3600);
  *minute = (int)(rem / 60 % 60);
  *second = (int)(rem % 60);
  *weekday = (int)(((days % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
}

/* Parse exactly n decimal digits at *p; advance on success. */
static gboolean
parse_digits (const char **p, int n, int *out)
{
  int v = 0;
  int i;

  for (i = 0; i < n; i++)
    {
      char c = (*p)[i];

      if (c < '0' || c > '9')
        return FALSE;
      v = v * 10 + (c - '0');
    }
  *p += n;
  *out = v;
  return TRUE;
}

static gboolean
expect_char (const char **p, char c)
{
  if (**p != c)
    return FALSE;
  *p += 1;
  return TRUE;
}

static gboolean
fail (GError **error, const char *field, const char *why)
{
  lc_set_error (error, LC_ERROR_INVALID, field,
                "%s must be an RFC 3339 date-time with an offset, like "
                "2026-12-01T09:00:00+03:00 or 2026-12-01T06:00:00Z (%s)",
                field != NULL ? field : "time", why);
  return FALSE;
}

gboolean
lc_time_parse_rfc3339 (const char *text, const char *field, gint64 *out_unix, GError **error)
{
  const char *p = text;
  int year, month, day, hour, minute, second;
  int offset_sign = 0, offset_hour = 0, offset_minute = 0;
  gint64 result;

  if (text == NULL || text[0] == '\0')
    return fail (error, field, "empty value");

  if (!parse_digits (&p, 4, &year) || !expect_char (&p, '-') || !parse_digits (&p, 2, &month)
      || !expect_char (&p, '-') || !parse_digits (&p, 2, &day))
    return fail (error, field, "the date is not YYYY-MM-DD");

  if (*p != 'T' && *p != 't')
    return fail (error, field, "a 'T' must separate date and time");
  p++;

  if (!parse_digits (&p, 2, &hour) || !expect_char (&p, ':') || !parse_digits (&p, 2, &minute)
      || !expect_char (&p, ':') || !parse_digits (&p, 2, &second))
    return fail (error, field, "the time is not hh:mm:ss");

  if (*p == '.')
    {
      int n = 0;

      p++;
      while (*p >= '0' && *p <= '9')
        {
          n++;
          p++;
        }
      if (n == 0)
        return fail (error, field, "a '.' must be followed by digits");
      if (n > MAX_FRACTION_DIGITS)
        return fail (error, field, "too many fractional digits");
    }

  if (*p == 'Z' || *p == 'z')
    p++;
  else if (*p == '+' || *p == '-')
    {
      offset_sign = *p == '+' ? 1 : -1;
      p++;
      if (!parse_digits (&p, 2, &offset_hour) || !expect_char (&p, ':')
          || !parse_digits (&p, 2, &offset_minute))
        return fail (error, field, "the offset is not +hh:mm or -hh:mm");
      if (offset_hour > 23 || offset_minute > 59)
        return fail (error, field, "the offset is out of range");
    }
  else if (*p == '\0')
    return fail (error, field, "the offset is missing");
  else
    return fail (error, field, "unexpected characters after the time");

  if (*p != '\0')
    return fail (error, field, "unexpected characters after the offset");

  if (year < MIN_YEAR || year > MAX_YEAR)
    return fail (error, field, "the year must be between 1970 and 9999");
  if (month < 1 || month > 12)
    return fail (error, field, "the month must be 01 to 12");
  if (day < 1 || day > days_in_month (year, month))
    return fail (error, field, "that day does not exist in that month");
  if (hour > 23)
    return fail (error, field, "the hour must be 00 to 23");
  if (minute > 59)
    return fail (error, field, "the minute must be 00 to 59");
  if (second > 60)
    return fail (error, field, "the second must be 00 to 60");
  if (second == 60) /* a leap second: Unix time has none */
    second = 59;

  result = days_from_civil (year, month, day) * SECONDS_PER_DAY;
  result += (gint64)hour * 3600 + (gint64)minute * 60 + second;
  result -= (gint64)offset_sign * ((gint64)offset_hour * 3600 + (gint64)offset_minute * 60);

  if (out_unix != NULL)
    *out_unix = result;
  return TRUE;
}

char *
lc_time_format_rfc3339 (gint64 unix_seconds)
{
  gint64 year;
  int month, day, hour, minute, second, weekday;

  split_unix (unix_seconds, &year, &month, &day, &hour, &minute, &second, &weekday);
  return g_strdup_printf ("%04" G_GINT64_FORMAT "-%02d-%02dT%02d:%02d:%02dZ", year, month, day,
                          hour, minute, second);
}

gint64
lc_time_now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

char *
lc_time_format_http (gint64 unix_seconds)
{
  static const char *const weekdays[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
  static const char *const months[12]
      = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  gint64 year;
  int month, day, hour, minute, second, weekday;

  split_unix (unix_seconds, &year, &month, &day, &hour, &minute, &second, &weekday);
  return g_strdup_printf ("%s, %02d %s %04" G_GINT64_FORMAT " %02d:%02d:%02d GMT",
                          weekdays[weekday], day, months[month - 1], year, hour, minute, second);
}
