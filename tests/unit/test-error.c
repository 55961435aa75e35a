/* test-error.c — the LC_ERROR domain: extended data (field, Retry-After,
 * Allow, conflict id), copying, and the mapping of every code to an RFC 9457
 * status, type and title (common/lc-error). */
#include <gio/gio.h>
#include <string.h>

#include "common/lc-error.h"

typedef struct
{
  LcErrorCode code;
  guint status;
  const char *type;
  gboolean detail_public;
} Expected;

static const Expected expected[] = {
  { LC_ERROR_MALFORMED, 400, "urn:lessoncast:problem:malformed-request", TRUE },
  { LC_ERROR_UNAUTHORIZED, 401, "urn:lessoncast:problem:unauthorized", TRUE },
  { LC_ERROR_FORBIDDEN, 403, "urn:lessoncast:problem:forbidden", TRUE },
  { LC_ERROR_CSRF, 403, "urn:lessoncast:problem:csrf", TRUE },
  { LC_ERROR_NOT_FOUND, 404, "urn:lessoncast:problem:not-found", TRUE },
  { LC_ERROR_METHOD_NOT_ALLOWED, 405, "urn:lessoncast:problem:method-not-allowed", TRUE },
  { LC_ERROR_CONFLICT, 409, "urn:lessoncast:problem:conflict", TRUE },
  { LC_ERROR_PRECONDITION_FAILED, 412, "urn:lessoncast:problem:precondition-failed", TRUE },
  { LC_ERROR_TOO_LARGE, 413, "urn:lessoncast:problem:payload-too-large", TRUE },
  { LC_ERROR_UNSUPPORTED_MEDIA_TYPE, 415, "urn:lessoncast:problem:unsupported-media-type", TRUE },
  { LC_ERROR_INVALID, 422, "urn:lessoncast:problem:invalid-field", TRUE },
  { LC_ERROR_WEAK_PASSWORD, 422, "urn:lessoncast:problem:weak-password", TRUE },
  { LC_ERROR_RATE_LIMITED, 429, "urn:lessoncast:problem:rate-limited", TRUE },
  { LC_ERROR_INTERNAL, 500, "urn:lessoncast:problem:internal", FALSE },
  { LC_ERROR_UNAVAILABLE, 503, "urn:lessoncast:problem:unavailable", TRUE },
  { LC_ERROR_CONFIG, 500, "urn:lessoncast:problem:configuration", TRUE },
  { LC_ERROR_STORE, 500, "urn:lessoncast:problem:internal", FALSE },
};

static void
test_every_code (void)
{
  gsize i;

  /* The table above must cover every code of the enum. */
  g_assert_cmpuint (G_N_ELEMENTS (expected), ==, LC_ERROR_STORE + 1);

  for (i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr (GError) error = g_error_new (LC_ERROR, (int)expected[i].code, "code %d", (int)i);
      LcProblemKind kind = lc_problem_from_error (error);

      g_test_message ("code %d -> %u %s", (int)expected[i].code, kind.status, kind.type);
      g_assert_cmpint ((int)expected[i].code, ==, (int)i);
      g_assert_cmpuint (kind.status, ==, expected[i].status);
      g_assert_cmpstr (kind.type, ==, expected[i].type);
      g_assert_nonnull (kind.title);
      g_assert_cmpuint (strlen (kind.title), >, 0);
      g_assert_cmpint (lc_problem_detail_is_public (error), ==, expected[i].detail_public);
    }
}

static void
test_type_prefix (void)
{
  int code;

  for (code = 0; code <= LC_ERROR_STORE; code++)
    {
      g_autoptr (GError) error = g_error_new_literal (LC_ERROR, code, "x");
      LcProblemKind kind = lc_problem_from_error (error);

      g_assert_true (g_str_has_prefix (kind.type, "urn:lessoncast:problem:"));
    }
}

static void
test_unknown_code (void)
{
  g_autoptr (GError) high = g_error_new_literal (LC_ERROR, LC_ERROR_STORE + 100, "future");
  g_autoptr (GError) negative = g_error_new_literal (LC_ERROR, -1, "negative");
  LcProblemKind kind;

  kind = lc_problem_from_error (high);
  g_assert_cmpuint (kind.status, ==, 500);
  g_assert_cmpstr (kind.type, ==, "urn:lessoncast:problem:internal");
  g_assert_false (lc_problem_detail_is_public (high));

  kind = lc_problem_from_error (negative);
  g_assert_cmpuint (kind.status, ==, 500);
  g_assert_false (lc_problem_detail_is_public (negative));
}

static void
test_set_error (void)
{
  g_autoptr (GError) error = NULL;

  lc_set_error (&error, LC_ERROR_INVALID, "starts_at", "bad %s %d", "value", 42);
  g_assert_error (error, LC_ERROR, LC_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "bad value 42");
  g_assert_cmpstr (lc_error_get_field (error), ==, "starts_at");
  g_assert_cmpint (lc_error_get_retry_after (error), ==, 0);
  g_assert_null (lc_error_get_allow (error));
  g_assert_null (lc_error_get_conflict_id (error));

  /* A NULL error location is allowed and does nothing. */
  lc_set_error (NULL, LC_ERROR_INVALID, "x", "ignored %d", 1);
}

static void
test_set_error_no_field (void)
{
  g_autoptr (GError) error = NULL;

  lc_set_error (&error, LC_ERROR_NOT_FOUND, NULL, "lesson %s not found", "abc");
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_assert_null (lc_error_get_field (error));
}

static void
test_extended_copy (void)
{
  g_autoptr (GError) error = g_error_new_literal (LC_ERROR, LC_ERROR_RATE_LIMITED, "slow down");
  g_autoptr (GError) copy = NULL;

  lc_error_set_field (error, "login");
  lc_error_set_retry_after (error, 17);
  lc_error_set_allow (error, "GET, POST");
  lc_error_set_conflict_id (error, "AAAAAAAAAAAAAAAAAAAAAA");

  copy = g_error_copy (error);
  g_assert_error (copy, LC_ERROR, LC_ERROR_RATE_LIMITED);
  g_assert_cmpstr (copy->message, ==, "slow down");
  g_assert_cmpstr (lc_error_get_field (copy), ==, "login");
  g_assert_cmpint (lc_error_get_retry_after (copy), ==, 17);
  g_assert_cmpstr (lc_error_get_allow (copy), ==, "GET, POST");
  g_assert_cmpstr (lc_error_get_conflict_id (copy), ==, "AAAAAAAAAAAAAAAAAAAAAA");

  /* The copy is deep: changing or freeing the original leaves it intact. */
  g_assert_true (lc_error_get_field (copy) != lc_error_get_field (error));
  lc_error_set_field (error, "other");
  lc_error_set_allow (error, NULL);
  g_clear_error (&error);
  g_assert_cmpstr (lc_error_get_field (copy), ==, "login");
  g_assert_cmpstr (lc_error_get_allow (copy), ==, "GET, POST");
}

static void
test_extended_propagate (void)
{
  g_autoptr (GError) outer = NULL;
  GError *inner = NULL;

  lc_set_error (&inner, LC_ERROR_CONFLICT, "starts_at", "overlaps another lesson");
  lc_error_set_conflict_id (inner, "lesson-id");
  g_propagate_prefixed_error (&outer, inner, "booking: ");

  g_assert_error (outer, LC_ERROR, LC_ERROR_CONFLICT);
  g_assert_cmpstr (outer->message, ==, "booking: overlaps another lesson");
  g_assert_cmpstr (lc_error_get_field (outer), ==, "starts_at");
  g_assert_cmpstr (lc_error_get_conflict_id (outer), ==, "lesson-id");
}

static void
test_setters_replace (void)
{
  g_autoptr (GError) error = g_error_new_literal (LC_ERROR, LC_ERROR_INVALID, "x");

  lc_error_set_field (error, "a");
  lc_error_set_field (error, "b");
  g_assert_cmpstr (lc_error_get_field (error), ==, "b");
  lc_error_set_field (error, NULL);
  g_assert_null (lc_error_get_field (error));

  lc_error_set_retry_after (error, 5);
  lc_error_set_retry_after (error, -3); /* a negative Retry-After makes no sense */
  g_assert_cmpint (lc_error_get_retry_after (error), ==, 0);
}

static void
test_foreign_errors (void)
{
  g_autoptr (GError) io = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "/secret/path");
  g_autoptr (GError) timed_out = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "t");
  g_autoptr (GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "c");
  g_autoptr (GError) file = g_error_new_literal (G_FILE_ERROR, G_FILE_ERROR_NOENT, "f");
  LcProblemKind kind;

  kind = lc_problem_from_error (io);
  g_assert_cmpuint (kind.status, ==, 500);
  g_assert_cmpstr (kind.type, ==, "urn:lessoncast:problem:internal");
  g_assert_false (lc_problem_detail_is_public (io));

  kind = lc_problem_from_error (file);
  g_assert_cmpuint (kind.status, ==, 500);
  g_assert_false (lc_problem_detail_is_public (file));

  kind = lc_problem_from_error (timed_out);
  g_assert_cmpuint (kind.status, ==, 503);
  g_assert_cmpstr (kind.type, ==, "urn:lessoncast:problem:unavailable");
  g_assert_false (lc_problem_detail_is_public (timed_out));

  kind = lc_problem_from_error (cancelled);
  g_assert_cmpuint (kind.status, ==, 503);

  /* Getters accept any domain and report nothing. */
  g_assert_null (lc_error_get_field (io));
  g_assert_cmpint (lc_error_get_retry_after (io), ==, 0);
  g_assert_null (lc_error_get_allow (io));
  g_assert_null (lc_error_get_conflict_id (io));
  g_assert_null (lc_error_get_field (NULL));
}

static void
test_foreign_setter_is_programmer_error (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr (GError) io = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "x");

      lc_error_set_field (io, "f");
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/common/error/every-code", test_every_code);
  g_test_add_func ("/common/error/type-prefix", test_type_prefix);
  g_test_add_func ("/common/error/unknown-code", test_unknown_code);
  g_test_add_func ("/common/error/set-error", test_set_error);
  g_test_add_func ("/common/error/set-error-no-field", test_set_error_no_field);
  g_test_add_func ("/common/error/extended-copy", test_extended_copy);
  g_test_add_func ("/common/error/extended-propagate", test_extended_propagate);
  g_test_add_func ("/common/error/setters-replace", test_setters_replace);
  g_test_add_func ("/common/error/foreign", test_foreign_errors);
  g_test_add_func ("/common/error/foreign-setter", test_foreign_setter_is_programmer_error);

  return g_test_run ();
}
