/* test-booking.c — conference booking rules (common/lc-booking): time checks,
 * clashes with and without a buffer, the concurrency peak and its interval,
 * the full check's errors, and local calendar days across DST changes. */
#include <string.h>

#include "common/lc-booking.h"
#include "common/lc-error.h"

#define MINUTE 60
#define HOUR 3600

static gint64
utc (int year, int month, int day, int hour, int minute, int second)
{
  g_autoptr (GDateTime) dt = g_date_time_new_utc (year, month, day, hour, minute, second);

  g_assert_nonnull (dt);
  return g_date_time_to_unix (dt);
}

/* 2026-12-01 09:00 UTC: the base of most tests. */
#define T0 G_GINT64_CONSTANT (1796115600)

static LcBookingLimits
default_limits (void)
{
  LcBookingLimits limits = {
    .now = T0 - 24 * HOUR,
    .past_tolerance = 300,
    .max_duration = 240 * MINUTE,
    .buffer = 0,
    .max_concurrent = 0,
  };
  return limits;
}

static void
assert_times_invalid (const LcBookingLimits *limits, gint64 starts_at, gint64 ends_at,
                      const char *field, const char *needle)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (lc_booking_check_times (limits, starts_at, ends_at, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_INVALID);
  g_assert_cmpstr (lc_error_get_field (error), ==, field);
  g_test_message ("message: %s", error->message);
  g_assert_nonnull (strstr (error->message, needle));
}

static void
assert_times_ok (const LcBookingLimits *limits, gint64 starts_at, gint64 ends_at)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (lc_booking_check_times (limits, starts_at, ends_at, &error));
  g_assert_no_error (error);
}

static void
test_times (void)
{
  LcBookingLimits limits = default_limits ();

  g_assert_cmpint (T0, ==, utc (2026, 12, 1, 9, 0, 0));
  limits.now = T0;

  /* Past tolerance: exactly now - tolerance is accepted, one second earlier is not. */
  assert_times_ok (&limits, T0 - 300, T0 + HOUR);
  assert_times_invalid (&limits, T0 - 301, T0 + HOUR, "starts_at", "past");
  limits.past_tolerance = 0;
  assert_times_ok (&limits, T0, T0 + HOUR);
  assert_times_invalid (&limits, T0 - 1, T0 + HOUR, "starts_at", "past");

  /* End after start. */
  assert_times_invalid (&limits, T0 + HOUR, T0 + HOUR, "ends_at", "after the start");
  assert_times_invalid (&limits, T0 + HOUR, T0 + HOUR - 1, "ends_at", "after the start");
  assert_times_ok (&limits, T0 + HOUR, T0 + HOUR + 1);

  /* Maximum duration: exactly 240 minutes is fine, one second more is not. */
  assert_times_ok (&limits, T0, T0 + 240 * MINUTE);
  assert_times_invalid (&limits, T0, T0 + 240 * MINUTE + 1, "ends_at", "240 minutes");

  /* Extreme values never overflow. */
  assert_times_invalid (&limits, G_MININT64, G_MAXINT64, "starts_at", "past");
  assert_times_invalid (&limits, T0, G_MAXINT64, "ends_at", "240 minutes");
  assert_times_invalid (&limits, G_MAXINT64, G_MAXINT64, "ends_at", "after the start");
  limits.now = G_MININT64;
  limits.past_tolerance = G_MAXINT64;
  assert_times_ok (&limits, G_MININT64, G_MININT64 + 60);
}

static void
test_clash_edges (void)
{
  LcBookingInterval a = { "a", T0, T0 + HOUR };
  LcBookingInterval touching = { "b", T0 + HOUR, T0 + 2 * HOUR };
  LcBookingInterval before = { "c", T0 - HOUR, T0 };
  LcBookingInterval gap5 = { "d", T0 + HOUR + 5 * MINUTE, T0 + 2 * HOUR };
  LcBookingInterval gap10 = { "e", T0 + HOUR + 10 * MINUTE, T0 + 2 * HOUR };
  LcBookingInterval inside = { "f", T0 + 10 * MINUTE, T0 + 20 * MINUTE };
  LcBookingInterval overlap1 = { "g", T0 + HOUR - 1, T0 + 2 * HOUR };

  /* Half-open intervals: touching ones do not clash with buffer 0. */
  g_assert_false (lc_booking_intervals_clash (&a, &touching, 0));
  g_assert_false (lc_booking_intervals_clash (&touching, &a, 0));
  g_assert_false (lc_booking_intervals_clash (&a, &before, 0));
  g_assert_true (lc_booking_intervals_clash (&a, &overlap1, 0));
  g_assert_true (lc_booking_intervals_clash (&overlap1, &a, 0));
  g_assert_true (lc_booking_intervals_clash (&a, &inside, 0));
  g_assert_true (lc_booking_intervals_clash (&inside, &a, 0));
  g_assert_true (lc_booking_intervals_clash (&a, &a, 0));

  /* Buffer 10 minutes: touching and a 5-minute gap clash, a 10-minute gap does not. */
  g_assert_true (lc_booking_intervals_clash (&a, &touching, 10 * MINUTE));
  g_assert_true (lc_booking_intervals_clash (&touching, &a, 10 * MINUTE));
  g_assert_true (lc_booking_intervals_clash (&a, &before, 10 * MINUTE));
  g_assert_false (lc_booking_intervals_clash (&a, &gap5, 0));
  g_assert_true (lc_booking_intervals_clash (&a, &gap5, 10 * MINUTE));
  g_assert_true (lc_booking_intervals_clash (&gap5, &a, 10 * MINUTE));
  g_assert_false (lc_booking_intervals_clash (&a, &gap10, 10 * MINUTE));
  g_assert_false (lc_booking_intervals_clash (&gap10, &a, 10 * MINUTE));
  g_assert_true (lc_booking_intervals_clash (&a, &gap10, 10 * MINUTE + 1));

  /* A negative buffer is treated as 0; huge values do not overflow. */
  g_assert_false (lc_booking_intervals_clash (&a, &touching, -5 * MINUTE));
  g_assert_true (lc_booking_intervals_clash (&a, &gap10, G_MAXINT64));
}

static void
test_clash_find (void)
{
  LcBookingInterval candidate = { "cand", T0, T0 + 2 * HOUR };
  LcBookingInterval busy[] = {
    { "late", T0 + HOUR, T0 + 3 * HOUR },
    { "outside", T0 + 3 * HOUR, T0 + 4 * HOUR },
    { "zz-same-start", T0 - HOUR, T0 + 30 * MINUTE },
    { "cand", T0 - 2 * HOUR, T0 + 5 * HOUR }, /* itself, earlier: skipped on edit */
    { "aa-same-start", T0 - HOUR, T0 + 30 * MINUTE },
    { "touching", T0 - 2 * HOUR, T0 },
  };
  const LcBookingInterval *clash;

  /* Earliest start wins; among equal starts the smaller id; itself skipped. */
  clash = lc_booking_find_clash (&candidate, busy, G_N_ELEMENTS (busy), 0);
  g_assert_nonnull (clash);
  g_assert_cmpstr (clash->id, ==, "aa-same-start");
  g_assert_true (clash == &busy[4]);

  /* With a buffer the touching one (earlier still) clashes too. */
  clash = lc_booking_find_clash (&candidate, busy, G_N_ELEMENTS (busy), 1);
  g_assert_nonnull (clash);
  g_assert_cmpstr (clash->id, ==, "touching");

  /* Only itself and non-clashing ones: no clash. */
  clash = lc_booking_find_clash (&candidate, &busy[1], 1, 0);
  g_assert_null (clash);
  clash = lc_booking_find_clash (&candidate, &busy[3], 1, 0);
  g_assert_null (clash);
  clash = lc_booking_find_clash (&candidate, NULL, 0, 0);
  g_assert_null (clash);

  /* A new conference (no id yet) is compared with every entry. */
  candidate.id = NULL;
  clash = lc_booking_find_clash (&candidate, &busy[3], 1, 0);
  g_assert_nonnull (clash);
  g_assert_cmpstr (clash->id, ==, "cand");
}

static guint
peak_of (const LcBookingInterval *candidate, const LcBookingInterval *active, gsize n, gint64 *from,
         gint64 *to)
{
  *from = *to = -1;
  return lc_booking_peak (candidate, active, n, from, to);
}

static void
test_peak_nested (void)
{
  LcBookingInterval candidate = { "cand", 0, 100 };
  LcBookingInterval active[] = {
    { "a", 10, 90 },   { "b", 20, 30 },
    { "c", 25, 80 },   { "d", 27, 28 }, /* innermost: the peak is [27,28) */
    { "e", 100, 200 },                  /* touches the end: never counted */
    { "f", -50, 0 },                    /* touches the start */
  };
  gint64 from, to;

  g_assert_cmpuint (peak_of (&candidate, active, G_N_ELEMENTS (active), &from, &to), ==, 5);
  g_assert_cmpint (from, ==, 27);
  g_assert_cmpint (to, ==, 28);

  /* Without the innermost one: cand+a+b+c on [25,30). */
  g_assert_cmpuint (peak_of (&candidate, active, 3, &from, &to), ==, 4);
  g_assert_cmpint (from, ==, 25);
  g_assert_cmpint (to, ==, 30);

  /* Alone: the candidate's own interval. */
  g_assert_cmpuint (peak_of (&candidate, NULL, 0, &from, &to), ==, 1);
  g_assert_cmpint (from, ==, 0);
  g_assert_cmpint (to, ==, 100);
  g_assert_cmpuint (peak_of (&candidate, &active[4], 2, &from, &to), ==, 1);
  g_assert_cmpint (from, ==, 0);
  g_assert_cmpint (to, ==, 100);

  /* NULL outputs are allowed. */
  g_assert_cmpuint (lc_booking_peak (&candidate, active, 3, NULL, NULL), ==, 4);
}

static void
test_peak_chained (void)
{
  LcBookingInterval candidate = { "cand", 0, 30 };
  LcBookingInterval chain[] = {
    { "c", 20, 30 },
    { "a", 0, 10 },
    { "b", 10, 20 },
  };
  LcBookingInterval two_peaks[] = {
    { "p", 50, 60 }, { "q", 50, 60 }, { "r", 10, 20 }, { "s", 12, 20 }, { "t", 55, 58 },
  };
  LcBookingInterval wide = { "wide", 0, 100 };
  gint64 from, to;

  /* A chain of touching intervals never overlaps itself: 2 (candidate + one),
   * and the busiest stretch is the whole chain (one ends as the next begins). */
  g_assert_cmpuint (peak_of (&candidate, chain, G_N_ELEMENTS (chain), &from, &to), ==, 2);
  g_assert_cmpint (from, ==, 0);
  g_assert_cmpint (to, ==, 30);

  /* Two separate stretches of 3 then one of 4: the first 4 wins. */
  g_assert_cmpuint (peak_of (&wide, two_peaks, 4, &from, &to), ==, 3);
  g_assert_cmpint (from, ==, 12);
  g_assert_cmpint (to, ==, 20);
  g_assert_cmpuint (peak_of (&wide, two_peaks, G_N_ELEMENTS (two_peaks), &from, &to), ==, 4);
  g_assert_cmpint (from, ==, 55);
  g_assert_cmpint (to, ==, 58);

  /* Two equal stretches: the first one. */
  two_peaks[3].starts_at = 10;
  g_assert_cmpuint (peak_of (&wide, two_peaks, 4, &from, &to), ==, 3);
  g_assert_cmpint (from, ==, 10);
  g_assert_cmpint (to, ==, 20);
}

static void
test_peak_clipping (void)
{
  LcBookingInterval candidate = { "cand", 100, 200 };
  LcBookingInterval active[] = {
    { "x", 0, 1000 },                       /* covers everything: clipped to the candidate */
    { "cand", 0, 1000 },                    /* itself (editing): skipped */
    { "y", 0, 1000 },    { "z", 150, 150 }, /* empty: ignored */
    { "w", 300, 400 },                      /* busy, but after the candidate */
    { "v", 300, 400 },   { "u", 300, 400 },
  };
  gint64 from, to;

  g_assert_cmpuint (peak_of (&candidate, active, G_N_ELEMENTS (active), &from, &to), ==, 3);
  g_assert_cmpint (from, ==, 100);
  g_assert_cmpint (to, ==, 200);

  /* A degenerate candidate counts nothing. */
  candidate.ends_at = candidate.starts_at;
  g_assert_cmpuint (peak_of (&candidate, active, G_N_ELEMENTS (active), &from, &to), ==, 0);
}

static void
test_peak_many (void)
{
  /* 10,000 staggered intervals: n log n, and a peak computed independently. */
  const gsize n = 10000;
  g_autofree LcBookingInterval *active = g_new0 (LcBookingInterval, n);
  LcBookingInterval candidate = { NULL, 0, 20000 };
  gint64 from, to;
  gsize i;

  for (i = 0; i < n; i++)
    {
      active[i].id = NULL;
      active[i].starts_at = (gint64)i * 2;   /* every 2 s a new one … */
      active[i].ends_at = (gint64)i * 2 + 7; /* … lasting 7 s: at most 4 at once */
    }
  g_assert_cmpuint (peak_of (&candidate, active, n, &from, &to), ==, 5);
  g_assert_cmpint (from, ==, 6);
  g_assert_cmpint (to, ==, 7);
}

static void
test_check_clash_error (void)
{
  LcBookingLimits limits = default_limits ();
  LcBookingInterval candidate = { "new", T0, T0 + HOUR };
  LcBookingInterval busy[] = {
    { "other", T0 + HOUR + 5 * MINUTE, T0 + 2 * HOUR },
  };
  g_autoptr (GError) error = NULL;

  g_assert_true (lc_booking_check (&limits, &candidate, busy, 1, NULL, 0, &error));
  g_assert_no_error (error);

  limits.buffer = 10 * MINUTE;
  g_assert_false (lc_booking_check (&limits, &candidate, busy, 1, NULL, 0, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFLICT);
  g_assert_cmpstr (lc_error_get_conflict_id (error), ==, "other");
  g_assert_null (lc_error_get_field (error));
  g_test_message ("message: %s", error->message);
  g_assert_nonnull (strstr (error->message, "2026-12-01T10:05:00Z"));
  g_assert_nonnull (strstr (error->message, "2026-12-01T11:00:00Z"));
  g_assert_nonnull (strstr (error->message, "10 minutes"));
  g_clear_error (&error);

  /* Times are checked first: an invalid time wins over a clash. */
  candidate.ends_at = candidate.starts_at;
  g_assert_false (lc_booking_check (&limits, &candidate, busy, 1, NULL, 0, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_INVALID);
  g_assert_cmpstr (lc_error_get_field (error), ==, "ends_at");
  g_clear_error (&error);

  /* Editing: the conference itself never clashes. */
  candidate.ends_at = T0 + 3 * HOUR;
  candidate.id = "other";
  g_assert_true (lc_booking_check (&limits, &candidate, busy, 1, NULL, 0, &error));
  g_assert_no_error (error);
}

static void
test_check_capacity_error (void)
{
  LcBookingLimits limits = default_limits ();
  LcBookingInterval candidate = { "new", T0, T0 + 2 * HOUR };
  LcBookingInterval active[] = {
    { "a", T0 - HOUR, T0 + 30 * MINUTE },
    { "b", T0 + 15 * MINUTE, T0 + HOUR },
    { "c", T0 + 3 * HOUR, T0 + 4 * HOUR },
  };
  g_autoptr (GError) error = NULL;

  /* Peak 3 on [09:15, 09:30): a limit of 3 passes, 2 fails, 0 means none. */
  limits.max_concurrent = 3;
  g_assert_true (lc_booking_check (&limits, &candidate, NULL, 0, active, 3, &error));
  g_assert_no_error (error);
  limits.max_concurrent = 0;
  g_assert_true (lc_booking_check (&limits, &candidate, NULL, 0, active, 3, &error));
  g_assert_no_error (error);

  limits.max_concurrent = 2;
  g_assert_false (lc_booking_check (&limits, &candidate, NULL, 0, active, 3, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFLICT);
  g_assert_null (lc_error_get_conflict_id (error));
  g_test_message ("message: %s", error->message);
  g_assert_nonnull (strstr (error->message, "from 2026-12-01T09:15:00Z to 2026-12-01T09:30:00Z"));
  g_assert_nonnull (strstr (error->message, "at most 2"));
  g_clear_error (&error);

  /* A clash is reported before capacity. */
  g_assert_false (lc_booking_check (&limits, &candidate, &active[1], 1, active, 3, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFLICT);
  g_assert_cmpstr (lc_error_get_conflict_id (error), ==, "b");
  g_clear_error (&error);

  /* Editing itself: its old row in active is skipped. */
  candidate.id = "a";
  limits.max_concurrent = 2;
  g_assert_true (lc_booking_check (&limits, &candidate, NULL, 0, active, 3, &error));
  g_assert_no_error (error);
}

static GTimeZone *
zone (const char *name)
{
  GTimeZone *tz = g_time_zone_new_identifier (name);

  g_assert_nonnull (tz); /* tzdata is a dependency of the build */
  return tz;
}

static void
assert_day (GTimeZone *tz, gint64 t, gint64 expected_start, gint64 expected_end)
{
  gint64 start = 0, end = 0;

  lc_booking_local_day (tz, t, &start, &end);
  g_assert_cmpint (start, ==, expected_start);
  g_assert_cmpint (end, ==, expected_end);
}

static void
test_local_day_moscow (void)
{
  g_autoptr (GTimeZone) tz = zone ("Europe/Moscow");
  gint64 start = utc (2026, 12, 1, 21, 0, 0); /* 2026-12-02 00:00 MSK (+03:00) */
  gint64 end = utc (2026, 12, 2, 21, 0, 0);

  /* 2026-12-02 01:30 MSK is still 1 December in UTC. */
  assert_day (tz, utc (2026, 12, 1, 22, 30, 0), start, end);
  assert_day (tz, start, start, end);
  assert_day (tz, end - 1, start, end);
  assert_day (tz, end, end, end + 24 * HOUR);
  assert_day (tz, start - 1, start - 24 * HOUR, start);

  /* NULL is UTC. */
  assert_day (NULL, utc (2026, 12, 1, 22, 30, 0), utc (2026, 12, 1, 0, 0, 0),
              utc (2026, 12, 2, 0, 0, 0));
}

static void
test_local_day_berlin_dst (void)
{
  g_autoptr (GTimeZone) tz = zone ("Europe/Berlin");
  gint64 start, end;

  /* 2026-03-29: clocks go 02:00 CET → 03:00 CEST, the day has 23 hours. */
  start = utc (2026, 3, 28, 23, 0, 0);
  end = utc (2026, 3, 29, 22, 0, 0);
  assert_day (tz, utc (2026, 3, 29, 12, 0, 0), start, end);
  assert_day (tz, start, start, end);
  assert_day (tz, end - 1, start, end);
  g_assert_cmpint (end - start, ==, 23 * HOUR);

  /* 2026-10-25: clocks go 03:00 CEST → 02:00 CET, the day has 25 hours. */
  start = utc (2026, 10, 24, 22, 0, 0);
  end = utc (2026, 10, 25, 23, 0, 0);
  assert_day (tz, utc (2026, 10, 25, 1, 30, 0), start, end); /* 02:30 (hour repeated) */
  assert_day (tz, start, start, end);
  assert_day (tz, end - 1, start, end);
  g_assert_cmpint (end - start, ==, 25 * HOUR);

  /* An ordinary day. */
  assert_day (tz, utc (2026, 7, 1, 10, 0, 0), utc (2026, 6, 30, 22, 0, 0),
              utc (2026, 7, 1, 22, 0, 0));
}

static void
test_local_day_extremes (void)
{
  g_autoptr (GTimeZone) tz = zone ("Europe/Moscow");
  gint64 start = 0, end = 0;

  /* Outside GDateTime's range: the UTC day, no overflow, no crash. */
  lc_booking_local_day (tz, G_MAXINT64, &start, &end);
  g_assert_cmpint (start, <=, G_MAXINT64);
  g_assert_cmpint (end, ==, G_MAXINT64);
  lc_booking_local_day (tz, G_MININT64, &start, &end);
  g_assert_cmpint (start, ==, G_MININT64);
  g_assert_cmpint (end, >, start);
  lc_booking_local_day (tz, -1, &start, &end);
  g_assert_cmpint (start, <=, -1);
  g_assert_cmpint (end, >, -1);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/common/booking/times", test_times);
  g_test_add_func ("/common/booking/clash/edges", test_clash_edges);
  g_test_add_func ("/common/booking/clash/find", test_clash_find);
  g_test_add_func ("/common/booking/peak/nested", test_peak_nested);
  g_test_add_func ("/common/booking/peak/chained", test_peak_chained);
  g_test_add_func ("/common/booking/peak/clipping", test_peak_clipping);
  g_test_add_func ("/common/booking/peak/many", test_peak_many);
  g_test_add_func ("/common/booking/check/clash", test_check_clash_error);
  g_test_add_func ("/common/booking/check/capacity", test_check_capacity_error);
  g_test_add_func ("/common/booking/local-day/moscow", test_local_day_moscow);
  g_test_add_func ("/common/booking/local-day/berlin-dst", test_local_day_berlin_dst);
  g_test_add_func ("/common/booking/local-day/extremes", test_local_day_extremes);

  return g_test_run ();
}
