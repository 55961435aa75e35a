/* test-json.c — unit tests for lc-json: size/depth limits before json-glib,
 * strict syntax, UTF-8, and table-driven request validation. */
#include <string.h>

#include "common/lc-error.h"
#include "common/lc-json.h"

#define MAX_BYTES (64 * 1024)
#define MAX_DEPTH 32

static const char *const visibility_choices[] = { "public", "unlisted", NULL };

static const LcFieldSpec lesson_specs[] = {
  { "id", LC_FIELD_ID, LC_FIELD_READONLY },
  { "title", LC_FIELD_STRING, LC_FIELD_REQUIRED, 1, 200 },
  { "description", LC_FIELD_TEXT, LC_FIELD_NULLABLE, 0, 5000 },
  { "subject", LC_FIELD_STRING, LC_FIELD_OPTIONAL, 1, 0 },
  { "code", LC_FIELD_STRING, LC_FIELD_OPTIONAL, 4, 4 },
  { "grade", LC_FIELD_INT, LC_FIELD_NULLABLE, 1, 11 },
  { "counter", LC_FIELD_INT, LC_FIELD_OPTIONAL },
  { "latitude", LC_FIELD_DOUBLE, LC_FIELD_NULLABLE, 0, 0, -90.0, 90.0 },
  { "weight", LC_FIELD_DOUBLE, LC_FIELD_OPTIONAL },
  { "recording", LC_FIELD_BOOL, LC_FIELD_OPTIONAL },
  { "visibility", LC_FIELD_ENUM, LC_FIELD_OPTIONAL, 0, 0, 0, 0, visibility_choices },
  { "starts_at", LC_FIELD_TIME, LC_FIELD_REQUIRED },
  { "website", LC_FIELD_URL, LC_FIELD_NULLABLE, 0, 40 },
  { "teacher_id", LC_FIELD_ID, LC_FIELD_OPTIONAL },
  { "created_at", LC_FIELD_TIME, LC_FIELD_READONLY | LC_FIELD_REQUIRED },
};

#define VALID_ID "AAAAAAAAAAAAAAAAAAAAAA"
#define BASE "\"title\":\"Fractions\",\"starts_at\":\"2026-12-01T09:00:00+03:00\""

/* ---- limits ---- */

static char *
nested (guint depth, gboolean closed)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < depth; i++)
    g_string_append_c (s, '[');
  if (closed)
    for (i = 0; i < depth; i++)
      g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static void
test_limits_size (void)
{
  g_autoptr (GError) error = NULL;
  const char *body = "{\"a\":\"0123456789\"}"; /* 18 bytes */

  g_assert_true (lc_json_check_limits (body, strlen (body), 18, MAX_DEPTH, NULL));
  g_assert_false (lc_json_check_limits (body, strlen (body), 17, MAX_DEPTH, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "limit is 17 bytes"));
  g_clear_error (&error);

  g_assert_null (lc_json_parse (body, strlen (body), 17, MAX_DEPTH, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_TOO_LARGE);
}

static void
test_limits_depth_exact (void)
{
  g_autofree char *at_limit = nested (MAX_DEPTH, TRUE);
  g_autofree char *over = nested (MAX_DEPTH + 1, TRUE);
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;

  node = lc_json_parse (at_limit, strlen (at_limit), MAX_BYTES, MAX_DEPTH, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));

  g_assert_null (lc_json_parse (over, strlen (over), MAX_BYTES, MAX_DEPTH, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "deeper than the limit of 32 levels"));
  g_assert_nonnull (strstr (error->message, "column 33"));
  g_clear_error (&error);

  /* Objects count as well as arrays. */
  g_assert_true (lc_json_check_limits ("{\"a\":{\"b\":[]}}", 14, MAX_BYTES, 3, NULL));
  g_assert_false (lc_json_check_limits ("{\"a\":{\"b\":[]}}", 14, MAX_BYTES, 2, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_MALFORMED);
}

static void
test_limits_deep_100000 (void)
{
  g_autofree char *open_only = nested (100000, FALSE);
  g_autofree char *balanced = nested (100000, TRUE);
  g_autoptr (GError) error = NULL;
  GTimer *timer = g_timer_new ();

  /* json-glib 1.6 crashes on this; the scan rejects it at the 33rd bracket,
   * before json-glib is involved (its messages never say "limit"). */
  g_assert_null (lc_json_parse (open_only, strlen (open_only), 1024 * 1024, MAX_DEPTH, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "deeper than the limit"));
  g_assert_nonnull (strstr (error->message, "line 1, column 33"));
  g_clear_error (&error);

  g_assert_null (lc_json_parse (balanced, strlen (balanced), 1024 * 1024, MAX_DEPTH, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "deeper than the limit"));

  /* Generous bound even under sanitizers; the scan stops at byte 33. */
  g_assert_cmpfloat (g_timer_elapsed (timer, NULL), <, 1.0);
  g_timer_destroy (timer);
}

static void
test_limits_strings (void)
{
  GString *body = g_string_new ("{\"a\":\"");
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  const char *escaped_quote = "{\"a\":\"\\\"[[[[\",\"b\":1}";
  const char *escaped_backslash = "{\"a\":\"\\\\\",\"b\":[[[]]]}";
  guint i;

  /* 1,000 brackets inside a string do not count as nesting. */
  for (i = 0; i < 1000; i++)
    g_string_append (body, "[{");
  g_string_append (body, "\"}");
  node = lc_json_parse (body->str, body->len, MAX_BYTES, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (strlen (json_object_get_string_member (json_node_get_object (node), "a")), ==,
                   2000);
  g_string_free (body, TRUE);

  /* An escaped quote does not end the string: the brackets stay inside. */
  g_assert_true (lc_json_check_limits (escaped_quote, strlen (escaped_quote), MAX_BYTES, 1, NULL));
  /* An escaped backslash does not escape the quote after it: "b" nests 4 deep. */
  g_assert_true (
      lc_json_check_limits (escaped_backslash, strlen (escaped_backslash), MAX_BYTES, 4, NULL));
  g_assert_false (
      lc_json_check_limits (escaped_backslash, strlen (escaped_backslash), MAX_BYTES, 3, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_MALFORMED);
  g_clear_error (&error);

  /* Unterminated string and unbalanced brackets. */
  g_assert_false (lc_json_check_limits ("{\"a\":\"[]}", 9, MAX_BYTES, MAX_DEPTH, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "not terminated"));
  g_clear_error (&error);
  g_assert_false (lc_json_check_limits ("[[]", 3, MAX_BYTES, MAX_DEPTH, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "not closed"));
  g_clear_error (&error);
  g_assert_false (lc_json_check_limits ("[]]", 3, MAX_BYTES, MAX_DEPTH, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "column 3"));
}

static void
test_limits_nul (void)
{
  const char body[] = "{\"a\":\"x\0y\"}";
  g_autoptr (GError) error = NULL;

  g_assert_false (lc_json_check_limits (body, sizeof body - 1, MAX_BYTES, MAX_DEPTH, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "NUL"));
  g_clear_error (&error);

  g_assert_null (lc_json_parse (body, sizeof body - 1, MAX_BYTES, MAX_DEPTH, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_MALFORMED);
  g_clear_error (&error);

  /* The escaped form would be truncated by C strings, so it is refused too. */
  g_assert_null (lc_json_parse ("{\"a\":\"x\\u0000y\"}", 16, MAX_BYTES, MAX_DEPTH, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "\\u0000"));
}

static void
test_limits_utf8 (void)
{
  const char *bodies[] = {
    "{\"a\":\"\xff\"}",
    "{\"a\":\"\xc3\"}",
    "{\"a\":\"\xed\xa0\x80\"}", /* encoded surrogate */
    "{\"a\":\"\xc0\xaf\"}",     /* overlong '/' */
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_null (lc_json_parse (bodies[i], strlen (bodies[i]), MAX_BYTES, MAX_DEPTH, &error));
      g_assert_error (error, LC_ERROR, LC_ERROR_MALFORMED);
      g_assert_nonnull (strstr (error->message, "invalid UTF-8"));
      g_assert_nonnull (strstr (error->message, "line 1, column 7"));
    }
}

/* ---- strict syntax ---- */

typedef struct
{
  const char *body;
  const char *message; /* expected substring */
} BadCase;

static void
test_syntax_rejects (void)
{
  static const BadCase cases[] = {
    { "", "empty" },
    { " \n\t ", "empty" },
    { "{}{}", "line 1, column 3: unexpected data after the JSON value" },
    { "{} x", "unexpected data" },
    { "/* c */ {}", "expected a value" },
    { "{'a':1}", "member name in double quotes" },
    { "{a:1}", "member name in double quotes" },
    { "[01]", "leading zeros" },
    { "[1.]", "decimal point" },
    { "[.5]", "expected a value" },
    { "[1e]", "exponent" },
    { "[+1]", "expected a value" },
    { "[-]", "invalid number" },
    { "[1,]", "expected a value" },
    { "{\"a\":1,}", "member name" },
    { "[1 2]", "expected ',' or ']'" },
    { "{\"a\" 1}", "expected ':'" },
    { "{\"a\":1]", "expected ',' or '}'" },
    { "[nul]", "expected a value" },
    { "[NaN]", "expected a value" },
    { "[\"a\tb\"]", "control characters" },
    { "[\"\\x\"]", "invalid escape" },
    { "[\"\\u12\"]", "4 hex digits" },
    { "[\"\\ud800\"]", "surrogate" },
    { "[\"\\udc00\"]", "surrogate" },
    { "[\"\\ud800\\u0041\"]", "surrogate" },
    { "[99999999999999999999]", "64-bit range" },
    { "[9223372036854775808]", "64-bit range" },
    { "[-9223372036854775809]", "64-bit range" },
    { "{\n  \"a\": tru\n}", "line 2, column 8: expected a value" },
    { "\xef\xbb\xbf{}", "expected a value" }, /* byte order mark */
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) node = NULL;

      g_test_message ("body: %s", cases[i].body);
      node = lc_json_parse (cases[i].body, strlen (cases[i].body), MAX_BYTES, MAX_DEPTH, &error);
      g_assert_null (node);
      g_assert_error (error, LC_ERROR, LC_ERROR_MALFORMED);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("body %s: message \"%s\" lacks \"%s\"", cases[i].body, error->message,
                 cases[i].message);
    }
}

static void
test_syntax_accepts (void)
{
  static const char *const bodies[] = {
    "{}",
    " [ ] ",
    "1",
    "\"text\"",
    "null",
    "[true,false,null]",
    "[0,-0,1.5,-1.5e-3,2E+10,1e400]",
    "[9223372036854775807,-9223372036854775808]",
    "{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"}",
    "{\"\xd1\x83\xd1\x80\xd0\xbe\xd0\xba\":\"\xd0\xbc\xd0\xb0\xd1\x82\xd0\xb5\xd0\xbc\xd0\xb0\"}",
    "{\"a\":{\"b\":[{\"c\":[]}]},\"d\":1}",
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) node = NULL;

      g_test_message ("body: %s", bodies[i]);
      node = lc_json_parse (bodies[i], strlen (bodies[i]), MAX_BYTES, MAX_DEPTH, &error);
      g_assert_no_error (error);
      g_assert_nonnull (node);
    }
}

static void
test_syntax_int_range (void)
{
  const char *body = "[9223372036854775807,-9223372036854775808]";
  g_autoptr (JsonNode) node = lc_json_parse (body, strlen (body), MAX_BYTES, MAX_DEPTH, NULL);
  JsonArray *array;

  g_assert_nonnull (node);
  array = json_node_get_array (node);
  g_assert_cmpint (json_array_get_int_element (array, 0), ==, G_MAXINT64);
  g_assert_cmpint (json_array_get_int_element (array, 1), ==, G_MININT64);
}

static void
test_to_string (void)
{
  const char *body = "{ \"b\" : [1, 2.5, \"x\\ny\"], \"a\" : null }";
  g_autoptr (JsonNode) node = lc_json_parse (body, strlen (body), MAX_BYTES, MAX_DEPTH, NULL);
  g_autofree char *text = NULL;

  g_assert_nonnull (node);
  text = lc_json_to_string (node);
  g_assert_cmpstr (text, ==, "{\"b\":[1,2.5,\"x\\ny\"],\"a\":null}");
}

/* ---- validation ---- */

typedef struct
{
  const char *members; /* object members, without braces */
  gboolean partial;
  int code;            /* -1 = valid */
  const char *field;   /* expected lc_error_get_field */
  const char *message; /* expected exact message */
} ValidateCase;

static void
run_validate_cases (const ValidateCase *cases, gsize n_cases)
{
  gsize i;

  for (i = 0; i < n_cases; i++)
    {
      g_autofree char *body = g_strdup_printf ("{%s}", cases[i].members);
      g_autoptr (JsonNode) node = NULL;
      g_autoptr (GError) error = NULL;
      gboolean ok;

      g_test_message ("case %" G_GSIZE_FORMAT ": %s%s", i, body, cases[i].partial ? " (partial)" : "");
      node = lc_json_parse (body, strlen (body), MAX_BYTES, MAX_DEPTH, &error);
      g_assert_no_error (error);
      ok = lc_json_validate (node, lesson_specs, G_N_ELEMENTS (lesson_specs), cases[i].partial,
                             &error);
      if (cases[i].code < 0)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          continue;
        }
      g_assert_false (ok);
      g_assert_error (error, LC_ERROR, cases[i].code);
      g_assert_cmpstr (lc_error_get_field (error), ==, cases[i].field);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

static void
test_validate_types (void)
{
  static const ValidateCase cases[] = {
    /* valid: minimal, and everything */
    { BASE, FALSE, -1 },
    { BASE ",\"description\":\"Line 1\\nLine 2\\r\\n\\tindented\",\"subject\":\"math\","
           "\"code\":\"M-07\",\"grade\":11,\"counter\":-9223372036854775808,\"latitude\":-90,"
           "\"weight\":1.5e300,\"recording\":false,\"visibility\":\"unlisted\","
           "\"website\":\"HTTPS://school.example.org/a?b=c\",\"teacher_id\":\"" VALID_ID "\"",
      FALSE, -1 },
    /* STRING */
    { "\"title\":\"\",\"starts_at\":\"2026-12-01T09:00:00Z\"", FALSE, LC_ERROR_INVALID, "title",
      "title must be 1 to 200 characters" },
    { "\"title\":7", FALSE, LC_ERROR_INVALID, "title", "title must be a string" },
    { "\"title\":[\"a\"]", FALSE, LC_ERROR_INVALID, "title", "title must be a string" },
    { "\"title\":\"a\\u0007b\"", FALSE, LC_ERROR_INVALID, "title",
      "title must not contain control characters" },
    { "\"title\":\"two\\nlines\"", FALSE, LC_ERROR_INVALID, "title",
      "title must not contain control characters" },
    { "\"title\":\"c1\\u0085\"", FALSE, LC_ERROR_INVALID, "title",
      "title must not contain control characters" },
    { "\"subject\":\"\"", TRUE, LC_ERROR_INVALID, "subject", "subject must not be empty" },
    { "\"code\":\"abc\"", TRUE, LC_ERROR_INVALID, "code", "code must be exactly 4 characters" },
    /* lengths count characters, not bytes: 4 Cyrillic letters = 8 bytes */
    { "\"code\":\"\xd0\xb0\xd0\xb1\xd0\xb2\xd0\xb3\"", TRUE, -1 },
    /* TEXT */
    { "\"description\":\"bell\\u0007\"", TRUE, LC_ERROR_INVALID, "description",
      "description must not contain control characters other than newline, carriage return "
      "and tab" },
    /* INT */
    { "\"grade\":1.5", TRUE, LC_ERROR_INVALID, "grade", "grade must be an integer from 1 to 11" },
    { "\"grade\":5.0", TRUE, LC_ERROR_INVALID, "grade", "grade must be an integer from 1 to 11" },
    { "\"grade\":1e1", TRUE, LC_ERROR_INVALID, "grade", "grade must be an integer from 1 to 11" },
    { "\"grade\":\"5\"", TRUE, LC_ERROR_INVALID, "grade", "grade must be an integer from 1 to 11" },
    { "\"grade\":0", TRUE, LC_ERROR_INVALID, "grade", "grade must be an integer from 1 to 11" },
    { "\"grade\":12", TRUE, LC_ERROR_INVALID, "grade", "grade must be an integer from 1 to 11" },
    { "\"grade\":1", TRUE, -1 },
    { "\"grade\":true", TRUE, LC_ERROR_INVALID, "grade", "grade must be an integer from 1 to 11" },
    { "\"counter\":9223372036854775807", TRUE, -1 },
    { "\"counter\":0.5", TRUE, LC_ERROR_INVALID, "counter", "counter must be an integer" },
    /* DOUBLE */
    { "\"latitude\":90.0001", TRUE, LC_ERROR_INVALID, "latitude",
      "latitude must be a number from -90 to 90" },
    { "\"latitude\":\"1\"", TRUE, LC_ERROR_INVALID, "latitude",
      "latitude must be a number from -90 to 90" },
    { "\"latitude\":55.75", TRUE, -1 },
    { "\"weight\":1e400", TRUE, LC_ERROR_INVALID, "weight", "weight must be a finite number" },
    { "\"weight\":-1e400", TRUE, LC_ERROR_INVALID, "weight", "weight must be a finite number" },
    { "\"weight\":{}", TRUE, LC_ERROR_INVALID, "weight", "weight must be a finite number" },
    /* BOOL */
    { "\"recording\":1", TRUE, LC_ERROR_INVALID, "recording", "recording must be true or false" },
    { "\"recording\":\"true\"", TRUE, LC_ERROR_INVALID, "recording",
      "recording must be true or false" },
    { "\"recording\":true", TRUE, -1 },
    /* ENUM */
    { "\"visibility\":\"private\"", TRUE, LC_ERROR_INVALID, "visibility",
      "visibility must be one of: public, unlisted" },
    { "\"visibility\":\"Public\"", TRUE, LC_ERROR_INVALID, "visibility",
      "visibility must be one of: public, unlisted" },
    { "\"visibility\":1", TRUE, LC_ERROR_INVALID, "visibility",
      "visibility must be one of: public, unlisted" },
    { "\"visibility\":\"public\"", TRUE, -1 },
    /* TIME */
    { "\"starts_at\":\"2026-12-01T09:00:00\"", TRUE, LC_ERROR_INVALID, "starts_at",
      "starts_at must be an RFC 3339 date-time with a time-zone offset, such as "
      "2026-12-01T09:00:00+03:00" },
    { "\"starts_at\":\"tomorrow\"", TRUE, LC_ERROR_INVALID, "starts_at",
      "starts_at must be an RFC 3339 date-time with a time-zone offset, such as "
      "2026-12-01T09:00:00+03:00" },
    { "\"starts_at\":1764568800", TRUE, LC_ERROR_INVALID, "starts_at",
      "starts_at must be a string" },
    { "\"starts_at\":\"2026-12-01T06:00:00.250Z\"", TRUE, -1 },
    /* URL */
    { "\"website\":\"ftp://example.org/\"", TRUE, LC_ERROR_INVALID, "website",
      "website must be an absolute http or https URL of at most 40 characters" },
    { "\"website\":\"/relative/path\"", TRUE, LC_ERROR_INVALID, "website",
      "website must be an absolute http or https URL of at most 40 characters" },
    { "\"website\":\"http://\"", TRUE, LC_ERROR_INVALID, "website",
      "website must be an absolute http or https URL of at most 40 characters" },
    { "\"website\":\"http://exa mple.org/\"", TRUE, LC_ERROR_INVALID, "website",
      "website must be an absolute http or https URL of at most 40 characters" },
    { "\"website\":\"javascript:alert(1)\"", TRUE, LC_ERROR_INVALID, "website",
      "website must be an absolute http or https URL of at most 40 characters" },
    { "\"website\":\"https://example.org/012345678901234567890\"", TRUE, LC_ERROR_INVALID,
      "website", "website must be an absolute http or https URL of at most 40 characters" },
    { "\"website\":\"https://example.org/01234567890123456789\"", TRUE, -1 },
    /* ID */
    { "\"teacher_id\":\"abc\"", TRUE, LC_ERROR_INVALID, "teacher_id",
      "teacher_id must be an id (22 characters of A-Z, a-z, 0-9, '-' and '_')" },
    { "\"teacher_id\":\"AAAAAAAAAAAAAAAAAAAAA+\"", TRUE, LC_ERROR_INVALID, "teacher_id",
      "teacher_id must be an id (22 characters of A-Z, a-z, 0-9, '-' and '_')" },
    { "\"teacher_id\":\"aZ09-_aZ09-_aZ09-_aZ09\"", TRUE, -1 },
  };

  /* The \u0000 case never reaches validation: the parser refuses it. */
  g_autoptr (GError) error = NULL;
  g_assert_null (lc_json_parse ("{\"description\":\"a\\u0000b\"}", 26, MAX_BYTES, MAX_DEPTH,
                                &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_MALFORMED);

  run_validate_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_validate_flags (void)
{
  static const ValidateCase cases[] = {
    /* required */
    { "\"starts_at\":\"2026-12-01T09:00:00Z\"", FALSE, LC_ERROR_INVALID, "title",
      "title is required" },
    { "\"title\":\"x\"", FALSE, LC_ERROR_INVALID, "starts_at", "starts_at is required" },
    /* partial: required members may be absent, present ones are still checked */
    { "", TRUE, -1 },
    { "\"grade\":3", TRUE, -1 },
    { "\"title\":\"\"", TRUE, LC_ERROR_INVALID, "title", "title must be 1 to 200 characters" },
    /* nullable */
    { BASE ",\"description\":null,\"grade\":null,\"latitude\":null,\"website\":null", FALSE, -1 },
    { "\"title\":null", TRUE, LC_ERROR_INVALID, "title", "title must not be null" },
    { "\"recording\":null", TRUE, LC_ERROR_INVALID, "recording", "recording must not be null" },
    /* read-only: rejected even with a valid value, and never "required" */
    { BASE ",\"id\":\"" VALID_ID "\"", FALSE, LC_ERROR_INVALID, "id",
      "field \"id\" is read-only and cannot be set" },
    { "\"created_at\":\"2026-12-01T09:00:00Z\"", TRUE, LC_ERROR_INVALID, "created_at",
      "field \"created_at\" is read-only and cannot be set" },
    /* unknown members */
    { BASE ",\"titel\":\"x\"", FALSE, LC_ERROR_INVALID, "titel", "unknown field \"titel\"" },
    { "\"Title\":\"x\"", TRUE, LC_ERROR_INVALID, "Title", "unknown field \"Title\"" },
    { "\"a\\nb\":1", TRUE, LC_ERROR_INVALID, "a?b", "unknown field \"a?b\"" },
    /* first failure wins, in member order */
    { "\"grade\":0,\"title\":\"\"", TRUE, LC_ERROR_INVALID, "grade",
      "grade must be an integer from 1 to 11" },
    { "\"title\":\"\",\"grade\":0", TRUE, LC_ERROR_INVALID, "title",
      "title must be 1 to 200 characters" },
  };

  run_validate_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_validate_long_unknown_name (void)
{
  GString *body = g_string_new ("{\"");
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  guint i;

  for (i = 0; i < 1000; i++)
    g_string_append_c (body, 'x');
  g_string_append (body, "\":1}");
  node = lc_json_parse (body->str, body->len, MAX_BYTES, MAX_DEPTH, NULL);
  g_string_free (body, TRUE);
  g_assert_false (lc_json_validate (node, lesson_specs, G_N_ELEMENTS (lesson_specs), TRUE, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_INVALID);
  /* The echoed name is cut short. */
  g_assert_cmpuint (strlen (error->message), <, 120);
  g_assert_true (g_str_has_suffix (error->message, "…\""));
}

static void
test_validate_string_max (void)
{
  GString *body = g_string_new ("{" BASE ",\"description\":\"");
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  guint i;

  for (i = 0; i < 5000; i++)
    g_string_append (body, "\xd1\x8f"); /* 2 bytes, 1 character */
  g_string_append (body, "\"}");
  node = lc_json_parse (body->str, body->len, MAX_BYTES, MAX_DEPTH, NULL);
  g_assert_true (lc_json_validate (node, lesson_specs, G_N_ELEMENTS (lesson_specs), FALSE, NULL));
  g_clear_pointer (&node, json_node_unref);

  g_string_truncate (body, body->len - 2);
  g_string_append (body, "x\"}");
  node = lc_json_parse (body->str, body->len, MAX_BYTES, MAX_DEPTH, NULL);
  g_string_free (body, TRUE);
  g_assert_false (lc_json_validate (node, lesson_specs, G_N_ELEMENTS (lesson_specs), FALSE, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "description must be at most 5000 characters");
}

static void
test_validate_not_object (void)
{
  static const char *const bodies[] = { "[]", "[{}]", "\"x\"", "1", "null", "true" };
  g_autoptr (GError) error = NULL;
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr (JsonNode) node =
          lc_json_parse (bodies[i], strlen (bodies[i]), MAX_BYTES, MAX_DEPTH, NULL);

      g_assert_nonnull (node);
      g_assert_false (
          lc_json_validate (node, lesson_specs, G_N_ELEMENTS (lesson_specs), TRUE, &error));
      g_assert_error (error, LC_ERROR, LC_ERROR_MALFORMED);
      g_assert_cmpstr (error->message, ==, "the request body must be a JSON object");
      g_assert_null (lc_error_get_field (error));
      g_clear_error (&error);
    }

  g_assert_false (lc_json_validate (NULL, lesson_specs, G_N_ELEMENTS (lesson_specs), TRUE, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_MALFORMED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/common/json/limits/size", test_limits_size);
  g_test_add_func ("/common/json/limits/depth", test_limits_depth_exact);
  g_test_add_func ("/common/json/limits/deep-100000", test_limits_deep_100000);
  g_test_add_func ("/common/json/limits/strings", test_limits_strings);
  g_test_add_func ("/common/json/limits/nul", test_limits_nul);
  g_test_add_func ("/common/json/limits/utf8", test_limits_utf8);
  g_test_add_func ("/common/json/syntax/rejects", test_syntax_rejects);
  g_test_add_func ("/common/json/syntax/accepts", test_syntax_accepts);
  g_test_add_func ("/common/json/syntax/int-range", test_syntax_int_range);
  g_test_add_func ("/common/json/to-string", test_to_string);
  g_test_add_func ("/common/json/validate/types", test_validate_types);
  g_test_add_func ("/common/json/validate/flags", test_validate_flags);
  g_test_add_func ("/common/json/validate/long-unknown-name", test_validate_long_unknown_name);
  g_test_add_func ("/common/json/validate/string-max", test_validate_string_max);
  g_test_add_func ("/common/json/validate/not-object", test_validate_not_object);

  return g_test_run ();
}
