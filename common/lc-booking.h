/* lc-booking.h — the conference booking rules as pure functions (no I/O).
 *
 * Intervals are half-open [starts_at, ends_at) in Unix seconds: a conference
 * ending at 10:00 and one starting at 10:00 do not overlap (with buffer 0).
 * The API loads the relevant conferences from the store inside a transaction,
 * calls these functions, then writes: two bookings that would break a rule
 * can never both succeed.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  const char *id; /* conference id; used to name the conflicting one, and to skip itself */
  gint64 starts_at, ends_at;
} LcBookingInterval;

typedef struct
{
  gint64 now;
  gint64 past_tolerance;  /* seconds a start may lie in the past (clock skew), e.g. 300 */
  gint64 max_duration;    /* seconds (conferences.max_duration × 60) */
  gint64 buffer;          /* seconds required between two conferences of one school */
  guint max_concurrent;   /* server-wide limit of overlapping conferences; 0 = none */
} LcBookingLimits;

/* Start/end sanity: not in the past (beyond past_tolerance), end after start,
 * duration ≤ max_duration. LC_ERROR_INVALID with field "starts_at" or
 * "ends_at" and a message a coordinator understands. */
gboolean lc_booking_check_times (const LcBookingLimits *limits, gint64 starts_at, gint64 ends_at,
                                 GError **error);

/* TRUE when a and b are closer than buffer seconds (overlap when buffer is 0). */
gboolean lc_booking_intervals_clash (const LcBookingInterval *a, const LcBookingInterval *b,
                                     gint64 buffer);

/* The first (earliest starts_at, then id) of busy that clashes with candidate
 * given the buffer, skipping busy entries with candidate's id; NULL if none.
 * busy: the conferences the school already takes part in (host or accepted). */
const LcBookingInterval *lc_booking_find_clash (const LcBookingInterval *candidate,
                                                const LcBookingInterval *busy, gsize n_busy,
                                                gint64 buffer);

/* Capacity: the largest number of conferences running at one instant inside
 * candidate's interval if candidate were added to active (entries with
 * candidate's id skipped). Sets *peak_from and *peak_to (nullable) to the first
 * busiest sub-interval. */
guint lc_booking_peak (const LcBookingInterval *candidate, const LcBookingInterval *active,
                       gsize n_active, gint64 *peak_from, gint64 *peak_to);

/* Full check for one school: times, then clash (LC_ERROR_CONFLICT with
 * conflict_id = the other conference's id, message naming its time), then
 * capacity against active (LC_ERROR_CONFLICT, no conflict_id, message naming
 * the busiest interval in UTC RFC 3339). busy may be NULL/0 and active NULL/0. */
gboolean lc_booking_check (const LcBookingLimits *limits, const LcBookingInterval *candidate,
                           const LcBookingInterval *busy, gsize n_busy,
                           const LcBookingInterval *active, gsize n_active, GError **error);

/* [day_start, day_end) in UTC seconds of the local calendar day (in tz) that
 * contains t: the week/day views and "today" filters use it (23 or 25 hours on
 * DST change days). */
void lc_booking_local_day (GTimeZone *tz, gint64 t, gint64 *day_start, gint64 *day_end);

G_END_DECLS
