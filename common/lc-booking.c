/* lc-booking.c — conference booking rules as pure functions (no I/O): time
 * sanity, per-school clashes with a buffer, the server-wide concurrency peak
 * (a sweep line over interval endpoints) and local calendar days. */
#include "common/lc-booking.h"

#include <stdlib.h>

#include "common/lc-error.h"
#include "common/lc-time.h"

/* a + b without signed overflow (saturates); b may be negative. */
static gint64
add_saturated (gint64 a, gint64 b)
{
  if (b > 0 && a > G_MAXINT64 - b)
    return G_MAXINT64;
  if (b < 0 && a < G_MININT64 - b)
    return G_MININT64;
  return a + b;
}

gboolean
lc_booking_check_times (const LcBookingLimits *limits, gint64 starts_at, gint64 ends_at,
                        GError **error)
{
  g_return_val_if_fail (limits != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (starts_at < add_saturated (limits->now, -MAX (limits->past_tolerance, 0)))
    {
      lc_set_error (error, LC_ERROR_INVALID, "starts_at",
                    "the start lies in the past; choose a time from now on");
      return FALSE;
    }
  if (ends_at <= starts_at)
    {
      lc_set_error (error, LC_ERROR_INVALID, "ends_at", "the end must be after the start");
      return FALSE;
    }
  /* ends_at > starts_at here, so the difference of the saturated sum is safe. */
  if (limits->max_duration > 0 && ends_at > add_saturated (starts_at, limits->max_duration))
    {
      lc_set_error (error, LC_ERROR_INVALID, "ends_at",
                    "a conference may last at most %" G_GINT64_FORMAT " minutes",
                    limits->max_duration / 60);
      return FALSE;
    }
  return TRUE;
}

gboolean
lc_booking_intervals_clash (const LcBookingInterval *a, const LcBookingInterval *b, gint64 buffer)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  buffer = MAX (buffer, 0);
  return a->starts_at < add_saturated (b->ends_at, buffer)
         && b->starts_at < add_saturated (a->ends_at, buffer);
}

/* Same conference: both ids set and equal (a NULL id never matches). */
static gboolean
same_id (const LcBookingInterval *a, const LcBookingInterval *b)
{
  return a->id != NULL && b->id != NULL && g_str_equal (a->id, b->id);
}

/* Order by starts_at, then id (NULL first). */
static int
compare_intervals (const LcBookingInterval *a, const LcBookingInterval *b)
{
  if (a->starts_at != b->starts_at)
    return a->starts_at < b->starts_at ? -1 : 1;
  return g_strcmp0 (a->id, b->id);
}

const LcBookingInterval *
lc_booking_find_clash (const LcBookingInterval *candidate, const LcBookingInterval *busy,
                       gsize n_busy, gint64 buffer)
{
  const LcBookingInterval *best = NULL;
  gsize i;

  g_return_val_if_fail (candidate != NULL, NULL);
  g_return_val_if_fail (busy != NULL || n_busy == 0, NULL);

  for (i = 0; i < n_busy; i++)
    {
      const LcBookingInterval *other = &busy[i];

      if (same_id (candidate, other) || !lc_booking_intervals_clash (candidate, other, buffer))
        continue;
      if (best == NULL || compare_intervals (other, best) < 0)
        best = other;
    }
  return best;
}

typedef struct
{
  gint64 at;
  int delta; /* +1 start, -1 end */
} SweepEvent;

/* By time; at the same instant ends come before starts (half-open intervals). */
static int
compare_events (const void *pa, const void *pb)
{
  const SweepEvent *a = pa, *b = pb;

  if (a->at != b->at)
    return a->at < b->at ? -1 : 1;
  return a->delta - b->delta;
}

guint
lc_booking_peak (const LcBookingInterval *candidate, const LcBookingInterval *active,
                 gsize n_active, gint64 *peak_from, gint64 *peak_to)
{
  g_autofree SweepEvent *events = NULL;
  gsize n_events = 0, i;
  guint count = 0, peak = 0;
  gint64 from, to;
  gboolean in_peak_run = FALSE;

  g_return_val_if_fail (candidate != NULL, 0);
  g_return_val_if_fail (active != NULL || n_active == 0, 0);

  from = to = candidate->starts_at;
  if (candidate->ends_at <= candidate->starts_at || n_active > (G_MAXSIZE / sizeof *events) / 2 - 1)
    goto out;

  /* Every entry clipped to the candidate's interval; the candidate counts itself. */
  events = g_new (SweepEvent, 2 * (n_active + 1));
  events[n_events++] = (SweepEvent){ candidate->starts_at, +1 };
  events[n_events++] = (SweepEvent){ candidate->ends_at, -1 };
  for (i = 0; i < n_active; i++)
    {
      const LcBookingInterval *other = &active[i];
      gint64 s = MAX (other->starts_at, candidate->starts_at);
      gint64 e = MIN (other->ends_at, candidate->ends_at);

      if (same_id (candidate, other) || s >= e)
        continue;
      events[n_events++] = (SweepEvent){ s, +1 };
      events[n_events++] = (SweepEvent){ e, -1 };
    }
  qsort (events, n_events, sizeof *events, compare_events);

  /* After all events at one instant, count holds until the next instant. */
  for (i = 0; i < n_events;)
    {
      gint64 at = events[i].at;
      gint64 next;

      for (; i < n_events && events[i].at == at; i++)
        count = (guint)((int)count + events[i].delta);
      if (i == n_events)
        break; /* the candidate's end: count is 0 from here */
      next = events[i].at;

      if (count > peak)
        {
          peak = count;
          from = at;
          to = next;
          in_peak_run = TRUE;
        }
      else if (count == peak && in_peak_run)
        to = next; /* the same busiest stretch goes on (one ended as another began) */
      else
        in_peak_run = FALSE;
    }

out:
  if (peak_from != NULL)
    *peak_from = from;
  if (peak_to != NULL)
    *peak_to = to;
  return peak;
}

gboolean
lc_booking_check (const LcBookingLimits *limits, const LcBookingInterval *candidate,
                  const LcBookingInterval *busy, gsize n_busy, const LcBookingInterval *active,
                  gsize n_active, GError **error)
{
  const LcBookingInterval *clash;

  g_return_val_if_fail (limits != NULL && candidate != NULL, FALSE);
  g_return_val_if_fail (busy != NULL || n_busy == 0, FALSE);
  g_return_val_if_fail (active != NULL || n_active == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!lc_booking_check_times (limits, candidate->starts_at, candidate->ends_at, error))
    return FALSE;

  clash = lc_booking_find_clash (candidate, busy, n_busy, limits->buffer);
  if (clash != NULL)
    {
      g_autofree char *from = lc_time_format_rfc3339 (clash->starts_at);
      g_autofree char *to = lc_time_format_rfc3339 (clash->ends_at);
      GError *conflict;

      if (limits->buffer > 0)
        conflict = g_error_new (LC_ERROR, LC_ERROR_CONFLICT,
                                "the school already takes part in a conference from %s to %s; "
                                "conferences of one school need %" G_GINT64_FORMAT
                                " minutes between them",
                                from, to, limits->buffer / 60);
      else
        conflict
            = g_error_new (LC_ERROR, LC_ERROR_CONFLICT,
                           "the school already takes part in a conference from %s to %s", from, to);
      if (clash->id != NULL)
        lc_error_set_conflict_id (conflict, clash->id);
      g_propagate_error (error, conflict);
      return FALSE;
    }

  if (limits->max_concurrent > 0)
    {
      gint64 peak_from = 0, peak_to = 0;
      guint peak = lc_booking_peak (candidate, active, n_active, &peak_from, &peak_to);

      if (peak > limits->max_concurrent)
        {
          g_autofree char *from = lc_time_format_rfc3339 (peak_from);
          g_autofree char *to = lc_time_format_rfc3339 (peak_to);

          lc_set_error (error, LC_ERROR_CONFLICT, NULL,
                        "the server holds at most %u conferences at the same time; from %s to %s "
                        "there would be %u",
                        limits->max_concurrent, from, to, peak);
          return FALSE;
        }
    }
  return TRUE;
}

#define SECONDS_PER_DAY G_GINT64_CONSTANT (86400)

/* UTC midnight ≤ t (floor division). */
static gint64
utc_day_start (gint64 t)
{
  gint64 rem = t % SECONDS_PER_DAY;

  return rem < 0 ? add_saturated (t - rem, -SECONDS_PER_DAY) : t - rem;
}

/* Unix time of local midnight of a civil date in tz (the first instant of that
 * day: where midnight falls in a DST gap, GLib moves it forward). */
static gboolean
local_midnight (GTimeZone *tz, const GDate *date, gint64 *out)
{
  g_autoptr (GDateTime) midnight = g_date_time_new (
      tz, g_date_get_year (date), g_date_get_month (date), g_date_get_day (date), 0, 0, 0);

  if (midnight == NULL)
    return FALSE;
  *out = g_date_time_to_unix (midnight);
  return TRUE;
}

void
lc_booking_local_day (GTimeZone *tz, gint64 t, gint64 *day_start, gint64 *day_end)
{
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (GDateTime) utc_time = g_date_time_new_from_unix_utc (t);
  g_autoptr (GDateTime) local = NULL;
  GDate date;
  gint64 start, end;

  g_return_if_fail (day_start != NULL && day_end != NULL);

  if (tz == NULL)
    tz = utc;
  if (utc_time != NULL)
    local = g_date_time_to_timezone (utc_time, tz);
  if (local == NULL)
    goto fallback;

  g_date_clear (&date, 1);
  g_date_set_dmy (&date, (GDateDay)g_date_time_get_day_of_month (local),
                  (GDateMonth)g_date_time_get_month (local),
                  (GDateYear)g_date_time_get_year (local));
  if (!g_date_valid (&date) || !local_midnight (tz, &date, &start))
    goto fallback;
  if (g_date_get_year (&date) == 9999 && g_date_get_month (&date) == 12
      && g_date_get_day (&date) == 31)
    end = add_saturated (start, SECONDS_PER_DAY);
  else
    {
      g_date_add_days (&date, 1);
      if (!local_midnight (tz, &date, &end))
        goto fallback;
    }
  if (start > t || end <= t)
    goto fallback; /* a zone whose midnight lies in a gap around t: keep the contract */
  *day_start = start;
  *day_end = end;
  return;

fallback:
  /* Outside GDateTime's range (years 1..9999): the UTC day. */
  *day_start = utc_day_start (t);
  *day_end = add_saturated (*day_start, SECONDS_PER_DAY);
}
