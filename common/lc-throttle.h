/* lc-throttle.h — slowing down failed logins, pure logic (no clock of its own).
 *
 * After `free_attempts` failures for a key, each further attempt must wait
 * base_delay * 2^(failures - free_attempts) seconds, capped at max_delay: an
 * attacker is slowed, a real user is never locked out for longer than max_delay.
 * A key's failures are forgotten forget_after seconds after its last failure,
 * and a success clears it. The login handler checks two keys: the account and
 * the client address.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _LcThrottle LcThrottle;

LcThrottle *lc_throttle_new (guint free_attempts, gint64 base_delay, gint64 max_delay,
                             gint64 forget_after);
void lc_throttle_free (LcThrottle *throttle);

/* Seconds the caller must still wait before an attempt for key is allowed (0 = now). */
gint64 lc_throttle_wait (LcThrottle *throttle, const char *key, gint64 now);
void lc_throttle_record_failure (LcThrottle *throttle, const char *key, gint64 now);
void lc_throttle_record_success (LcThrottle *throttle, const char *key);
/* Drop forgotten keys; returns the number of keys still tracked. */
guint lc_throttle_prune (LcThrottle *throttle, gint64 now);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcThrottle, lc_throttle_free)

G_END_DECLS
