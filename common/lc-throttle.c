/* lc-throttle.c — exponential slow-down of failed logins per key (account,
 * client address), capped so nobody is locked out for longer than max_delay.
 * Pure logic: the caller passes the clock and prunes periodically. */
#include "common/lc-throttle.h"

typedef struct
{
  guint failures;
  gint64 last_failure;
} ThrottleEntry;

struct _LcThrottle
{
  guint free_attempts;
  gint64 base_delay;
  gint64 max_delay;
  gint64 forget_after;
  GHashTable *entries; /* key (owned) → ThrottleEntry (owned) */
};

LcThrottle *
lc_throttle_new (guint free_attempts, gint64 base_delay, gint64 max_delay, gint64 forget_after)
{
  LcThrottle *throttle = g_new0 (LcThrottle, 1);

  throttle->free_attempts = free_attempts;
  throttle->base_delay = MAX (base_delay, 0);
  throttle->max_delay = MAX (max_delay, 0);
  throttle->forget_after = MAX (forget_after, 0);
  throttle->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return throttle;
}

void
lc_throttle_free (LcThrottle *throttle)
{
  if (throttle == NULL)
    return;
  g_hash_table_unref (throttle->entries);
  g_free (throttle);
}

/* Seconds from then to now, saturating; 0 when the clock went backwards
 * (a clock that jumped back does not make a failure older). */
static gint64
elapsed_since (gint64 then, gint64 now)
{
  if (now <= then)
    return 0;
  if (then < 0 && now > G_MAXINT64 + then)
    return G_MAXINT64;
  return now - then;
}

static gboolean
entry_is_forgotten (const LcThrottle *throttle, const ThrottleEntry *entry, gint64 now)
{
  return now > entry->last_failure
         && elapsed_since (entry->last_failure, now) >= throttle->forget_after;
}

/* base_delay * 2^(failures - free_attempts), capped at max_delay, without overflow. */
static gint64
entry_delay (const LcThrottle *throttle, const ThrottleEntry *entry)
{
  guint exponent;
  gint64 delay;

  if (entry->failures < throttle->free_attempts)
    return 0;

  exponent = entry->failures - throttle->free_attempts;
  delay = throttle->base_delay;
  while (exponent > 0 && delay < throttle->max_delay)
    {
      if (delay > G_MAXINT64 / 2)
        return throttle->max_delay;
      delay *= 2;
      exponent--;
    }
  return MIN (delay, throttle->max_delay);
}

gint64
lc_throttle_wait (LcThrottle *throttle, const char *key, gint64 now)
{
  ThrottleEntry *entry;
  gint64 delay, elapsed;

  g_return_val_if_fail (throttle != NULL, 0);
  g_return_val_if_fail (key != NULL, 0);

  entry = g_hash_table_lookup (throttle->entries, key);
  if (entry == NULL)
    return 0;
  if (entry_is_forgotten (throttle, entry, now))
    {
      g_hash_table_remove (throttle->entries, key);
      return 0;
    }

  delay = entry_delay (throttle, entry); /* ≤ max_delay */
  elapsed = elapsed_since (entry->last_failure, now);
  return elapsed >= delay ? 0 : delay - elapsed;
}

void
lc_throttle_record_failure (LcThrottle *throttle, const char *key, gint64 now)
{
  ThrottleEntry *entry;

  g_return_if_fail (throttle != NULL);
  g_return_if_fail (key != NULL);

  entry = g_hash_table_lookup (throttle->entries, key);
  if (entry == NULL)
    {
      entry = g_new0 (ThrottleEntry, 1);
      g_hash_table_insert (throttle->entries, g_strdup (key), entry);
    }
  else if (entry_is_forgotten (throttle, entry, now))
    entry->failures = 0;

  if (entry->failures < G_MAXUINT)
    entry->failures++;
  entry->last_failure = now;
}

void
lc_throttle_record_success (LcThrottle *throttle, const char *key)
{
  g_return_if_fail (throttle != NULL);
  g_return_if_fail (key != NULL);

  g_hash_table_remove (throttle->entries, key);
}

static gboolean
is_forgotten_cb (gpointer key, gpointer value, gpointer user_data)
{
  const LcThrottle *throttle = ((gpointer *)user_data)[0];
  const gint64 *now = ((gpointer *)user_data)[1];

  return entry_is_forgotten (throttle, value, *now);
}

guint
lc_throttle_prune (LcThrottle *throttle, gint64 now)
{
  gpointer data[2] = { throttle, &now };

  g_return_val_if_fail (throttle != NULL, 0);

  g_hash_table_foreach_remove (throttle->entries, is_forgotten_cb, data);
  return g_hash_table_size (throttle->entries);
}
