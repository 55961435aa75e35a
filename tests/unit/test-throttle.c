/* test-throttle.c — the failed-login slow-down (common/lc-throttle): free
 * attempts, doubling, the max_delay cap, forgetting, success, pruning. */
#include "common/lc-throttle.h"

#define T0 G_GINT64_CONSTANT (1790000000)

static void
test_free_attempts (void)
{
  g_autoptr (LcThrottle) throttle = lc_throttle_new (3, 2, 60, 900);

  g_assert_cmpint (lc_throttle_wait (throttle, "alice", T0), ==, 0);
  lc_throttle_record_failure (throttle, "alice", T0);
  g_assert_cmpint (lc_throttle_wait (throttle, "alice", T0), ==, 0);
  lc_throttle_record_failure (throttle, "alice", T0);
  g_assert_cmpint (lc_throttle_wait (throttle, "alice", T0), ==, 0);
  lc_throttle_record_failure (throttle, "alice", T0);
  /* The third failure used up the free attempts: now base_delay. */
  g_assert_cmpint (lc_throttle_wait (throttle, "alice", T0), ==, 2);
}

static void
test_doubling (void)
{
  g_autoptr (LcThrottle) throttle = lc_throttle_new (2, 1, 3600, 86400);
  static const gint64 expected[] = { 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 3600 };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      gint64 now = T0 + (gint64)i * 10000;

      lc_throttle_record_failure (throttle, "bob", now);
      g_assert_cmpint (lc_throttle_wait (throttle, "bob", now), ==, expected[i]);
    }
}

static void
test_wait_counts_down (void)
{
  g_autoptr (LcThrottle) throttle = lc_throttle_new (1, 10, 60, 900);

  lc_throttle_record_failure (throttle, "carol", T0);
  g_assert_cmpint (lc_throttle_wait (throttle, "carol", T0), ==, 10);
  g_assert_cmpint (lc_throttle_wait (throttle, "carol", T0 + 3), ==, 7);
  g_assert_cmpint (lc_throttle_wait (throttle, "carol", T0 + 10), ==, 0);
  g_assert_cmpint (lc_throttle_wait (throttle, "carol", T0 + 11), ==, 0);

  lc_throttle_record_failure (throttle, "carol", T0 + 11);
  g_assert_cmpint (lc_throttle_wait (throttle, "carol", T0 + 11), ==, 20);
}

static void
test_cap (void)
{
  g_autoptr (LcThrottle) throttle = lc_throttle_new (5, 1, 300, 3600);
  gint64 now = T0;
  int i;

  /* An attacker fails 10,000 times, each as soon as allowed. */
  for (i = 0; i < 10000; i++)
    {
      now += lc_throttle_wait (throttle, "teacher", now);
      lc_throttle_record_failure (throttle, "teacher", now);
      g_assert_cmpint (lc_throttle_wait (throttle, "teacher", now), <=, 300);
    }

  /* The real user waits at most max_delay after the attacker's last try. */
  g_assert_cmpint (lc_throttle_wait (throttle, "teacher", now), ==, 300);
  g_assert_cmpint (lc_throttle_wait (throttle, "teacher", now + 299), ==, 1);
  g_assert_cmpint (lc_throttle_wait (throttle, "teacher", now + 300), ==, 0);
}

static void
test_no_overflow (void)
{
  g_autoptr (LcThrottle) huge = lc_throttle_new (0, G_MAXINT64 / 4, G_MAXINT64, G_MAXINT64);
  g_autoptr (LcThrottle) tiny = lc_throttle_new (0, 1, G_MAXINT64, G_MAXINT64);
  int i;

  for (i = 0; i < 200; i++)
    {
      lc_throttle_record_failure (huge, "k", 0);
      lc_throttle_record_failure (tiny, "k", 0);
    }
  g_assert_cmpint (lc_throttle_wait (huge, "k", 0), ==, G_MAXINT64);
  g_assert_cmpint (lc_throttle_wait (tiny, "k", 0), ==, G_MAXINT64);
  g_assert_cmpint (lc_throttle_wait (tiny, "k", 1), ==, G_MAXINT64 - 1);

  /* A realistic last failure plus an enormous delay must not overflow. */
  lc_throttle_record_failure (tiny, "late", T0);
  lc_throttle_record_failure (tiny, "late", T0);
  g_assert_cmpint (lc_throttle_wait (tiny, "late", T0), ==, 4);
  for (i = 0; i < 100; i++)
    lc_throttle_record_failure (tiny, "late", T0);
  g_assert_cmpint (lc_throttle_wait (tiny, "late", T0), ==, G_MAXINT64);
  g_assert_cmpint (lc_throttle_wait (tiny, "late", T0 + 5), ==, G_MAXINT64 - 5);

  /* Extreme clock values on both sides. */
  lc_throttle_record_failure (tiny, "extreme", G_MININT64);
  g_assert_cmpint (lc_throttle_wait (tiny, "extreme", G_MAXINT64), ==, 0);
}

static void
test_clock_backwards (void)
{
  g_autoptr (LcThrottle) throttle = lc_throttle_new (0, 30, 60, 900);

  lc_throttle_record_failure (throttle, "dave", T0);
  /* The clock stepped back an hour: the wait is still bounded by max_delay. */
  g_assert_cmpint (lc_throttle_wait (throttle, "dave", T0 - 3600), ==, 60);
  /* …and the failure is not forgotten. */
  g_assert_cmpuint (lc_throttle_prune (throttle, T0 - 3600), ==, 1);
}

static void
test_forget (void)
{
  g_autoptr (LcThrottle) throttle = lc_throttle_new (1, 5, 60, 900);

  lc_throttle_record_failure (throttle, "erin", T0);
  lc_throttle_record_failure (throttle, "erin", T0 + 1);
  lc_throttle_record_failure (throttle, "erin", T0 + 2);
  g_assert_cmpint (lc_throttle_wait (throttle, "erin", T0 + 2), ==, 20);

  /* Not yet forgotten one second before forget_after. */
  g_assert_cmpint (lc_throttle_wait (throttle, "erin", T0 + 2 + 899), ==, 0);
  lc_throttle_record_failure (throttle, "erin", T0 + 2 + 899);
  g_assert_cmpint (lc_throttle_wait (throttle, "erin", T0 + 2 + 899), ==, 40);

  /* forget_after seconds after the last failure, the count starts again. */
  g_assert_cmpint (lc_throttle_wait (throttle, "erin", T0 + 2 + 899 + 900), ==, 0);
  lc_throttle_record_failure (throttle, "erin", T0 + 2 + 899 + 900);
  g_assert_cmpint (lc_throttle_wait (throttle, "erin", T0 + 2 + 899 + 900), ==, 5);
}

static void
test_forget_on_failure (void)
{
  g_autoptr (LcThrottle) throttle = lc_throttle_new (1, 5, 60, 100);

  lc_throttle_record_failure (throttle, "frank", T0);
  lc_throttle_record_failure (throttle, "frank", T0);
  g_assert_cmpint (lc_throttle_wait (throttle, "frank", T0), ==, 10);
  /* A failure after the forget period counts as the first one. */
  lc_throttle_record_failure (throttle, "frank", T0 + 100);
  g_assert_cmpint (lc_throttle_wait (throttle, "frank", T0 + 100), ==, 5);
}

static void
test_success_clears (void)
{
  g_autoptr (LcThrottle) throttle = lc_throttle_new (1, 5, 60, 900);

  lc_throttle_record_failure (throttle, "grace", T0);
  lc_throttle_record_failure (throttle, "grace", T0);
  g_assert_cmpint (lc_throttle_wait (throttle, "grace", T0), ==, 10);
  lc_throttle_record_success (throttle, "grace");
  g_assert_cmpint (lc_throttle_wait (throttle, "grace", T0), ==, 0);
  lc_throttle_record_failure (throttle, "grace", T0);
  g_assert_cmpint (lc_throttle_wait (throttle, "grace", T0), ==, 5);

  /* A success for an unknown key is harmless. */
  lc_throttle_record_success (throttle, "nobody");
}

static void
test_keys_independent (void)
{
  g_autoptr (LcThrottle) throttle = lc_throttle_new (1, 5, 60, 900);

  lc_throttle_record_failure (throttle, "account:heidi", T0);
  lc_throttle_record_failure (throttle, "addr:192.0.2.7", T0);
  lc_throttle_record_failure (throttle, "addr:192.0.2.7", T0);
  g_assert_cmpint (lc_throttle_wait (throttle, "account:heidi", T0), ==, 5);
  g_assert_cmpint (lc_throttle_wait (throttle, "addr:192.0.2.7", T0), ==, 10);
  g_assert_cmpint (lc_throttle_wait (throttle, "account:ivan", T0), ==, 0);
  lc_throttle_record_success (throttle, "account:heidi");
  g_assert_cmpint (lc_throttle_wait (throttle, "addr:192.0.2.7", T0), ==, 10);
}

static void
test_prune (void)
{
  g_autoptr (LcThrottle) throttle = lc_throttle_new (3, 1, 60, 100);
  int i;

  g_assert_cmpuint (lc_throttle_prune (throttle, T0), ==, 0);
  for (i = 0; i < 50; i++)
    {
      g_autofree char *key = g_strdup_printf ("addr:198.51.100.%d", i);

      lc_throttle_record_failure (throttle, key, T0 + i);
    }
  g_assert_cmpuint (lc_throttle_prune (throttle, T0 + 49), ==, 50);
  /* At T0 + 120, keys whose last failure was at or before T0 + 20 are forgotten. */
  g_assert_cmpuint (lc_throttle_prune (throttle, T0 + 120), ==, 29);
  g_assert_cmpuint (lc_throttle_prune (throttle, T0 + 149), ==, 0);
}

static void
test_free_null (void)
{
  lc_throttle_free (NULL);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/common/throttle/free-attempts", test_free_attempts);
  g_test_add_func ("/common/throttle/doubling", test_doubling);
  g_test_add_func ("/common/throttle/counts-down", test_wait_counts_down);
  g_test_add_func ("/common/throttle/cap", test_cap);
  g_test_add_func ("/common/throttle/no-overflow", test_no_overflow);
  g_test_add_func ("/common/throttle/clock-backwards", test_clock_backwards);
  g_test_add_func ("/common/throttle/forget", test_forget);
  g_test_add_func ("/common/throttle/forget-on-failure", test_forget_on_failure);
  g_test_add_func ("/common/throttle/success-clears", test_success_clears);
  g_test_add_func ("/common/throttle/keys-independent", test_keys_independent);
  g_test_add_func ("/common/throttle/prune", test_prune);
  g_test_add_func ("/common/throttle/free-null", test_free_null);

  return g_test_run ();
}
