/* test-problem.c — rendering errors as RFC 9457 problem+json
 * (lc_problem_to_json) and the raw "Connection: close" responses used where
 * libsoup cannot answer; internal details never reach the client. */
#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "common/lc-error.h"
#include "signaling/lc-http-private.h"

static JsonObject *
parse_object (const char *text, JsonParser *parser)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_node_get_object (json_parser_get_root (parser));
}

static void
test_every_kind (void)
{
  for (int code = LC_ERROR_MALFORMED; code <= LC_ERROR_STORE; code++)
    {
      g_autoptr (GError) error = g_error_new (LC_ERROR, code, "detail for code %d", code);
      g_autoptr (JsonParser) parser = json_parser_new ();
      g_autofree char *text = lc_problem_to_json (error, "/api/v1/things/1");
      g_autofree char *expected_detail = g_strdup_printf ("detail for code %d", code);
      LcProblemKind kind = lc_problem_from_error (error);
      JsonObject *o = parse_object (text, parser);

      g_assert_cmpstr (json_object_get_string_member (o, "type"), ==, kind.type);
      g_assert_true (g_str_has_prefix (kind.type, "urn:lessoncast:problem:"));
      g_assert_cmpstr (json_object_get_string_member (o, "title"), ==, kind.title);
      g_assert_cmpint (json_object_get_int_member (o, "status"), ==, kind.status);
      g_assert_cmpstr (json_object_get_string_member (o, "instance"), ==, "/api/v1/things/1");
      if (lc_problem_detail_is_public (error))
        g_assert_cmpstr (json_object_get_string_member (o, "detail"), ==, expected_detail);
      else
        {
          g_assert_cmpstr (json_object_get_string_member (o, "detail"), ==,
                           LC_PROBLEM_HIDDEN_DETAIL);
          g_assert_null (strstr (text, "detail for code"));
        }
      g_assert_false (json_object_has_member (o, "field"));
      g_assert_false (json_object_has_member (o, "retry_after"));
      g_assert_false (json_object_has_member (o, "conflict_id"));
    }
}

static void
test_statuses (void)
{
  static const struct
  {
    int code;
    guint status;
  } expected[] = {
    { LC_ERROR_MALFORMED, 400 },
    { LC_ERROR_UNAUTHORIZED, 401 },
    { LC_ERROR_FORBIDDEN, 403 },
    { LC_ERROR_CSRF, 403 },
    { LC_ERROR_NOT_FOUND, 404 },
    { LC_ERROR_METHOD_NOT_ALLOWED, 405 },
    { LC_ERROR_CONFLICT, 409 },
    { LC_ERROR_TOO_LARGE, 413 },
    { LC_ERROR_UNSUPPORTED_MEDIA_TYPE, 415 },
    { LC_ERROR_INVALID, 422 },
    { LC_ERROR_RATE_LIMITED, 429 },
    { LC_ERROR_INTERNAL, 500 },
    { LC_ERROR_UNAVAILABLE, 503 },
    { LC_ERROR_STORE, 500 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr (GError) error = g_error_new (LC_ERROR, expected[i].code, "x");
      g_autoptr (JsonParser) parser = json_parser_new ();
      g_autofree char *text = lc_problem_to_json (error, NULL);
      JsonObject *o = parse_object (text, parser);

      g_assert_cmpint (json_object_get_int_member (o, "status"), ==, expected[i].status);
      g_assert_false (json_object_has_member (o, "instance"));
    }
}

static void
test_extended (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *text = NULL;
  JsonObject *o;

  lc_set_error (&error, LC_ERROR_CONFLICT, "starts_at", "the room is booked");
  lc_error_set_conflict_id (error, "AAAAAAAAAAAAAAAAAAAAAA");
  lc_error_set_retry_after (error, 30);
  text = lc_problem_to_json (error, "/api/v1/conferences");
  o = parse_object (text, parser);

  g_assert_cmpstr (json_object_get_string_member (o, "type"), ==,
                   "urn:lessoncast:problem:conflict");
  g_assert_cmpint (json_object_get_int_member (o, "status"), ==, 409);
  g_assert_cmpstr (json_object_get_string_member (o, "detail"), ==, "the room is booked");
  g_assert_cmpstr (json_object_get_string_member (o, "field"), ==, "starts_at");
  g_assert_cmpint (json_object_get_int_member (o, "retry_after"), ==, 30);
  g_assert_cmpstr (json_object_get_string_member (o, "conflict_id"), ==, "AAAAAAAAAAAAAAAAAAAAAA");
}

static void
test_hidden_internal (void)
{
  /* Errors from other domains and internal/store errors keep their message
   * on the server side. */
  g_autoptr (GError) io = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "open /etc/secret: denied");
  g_autoptr (GError) store = g_error_new (LC_ERROR, LC_ERROR_STORE, "SQL: no such table users");
  g_autoptr (GError) timed_out = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "worker 3 stuck");
  const GError *errors[] = { io, store, timed_out };
  const guint statuses[] = { 500, 500, 503 };

  for (gsize i = 0; i < G_N_ELEMENTS (errors); i++)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      g_autofree char *text = lc_problem_to_json (errors[i], "/x");
      JsonObject *o = parse_object (text, parser);

      g_assert_cmpint (json_object_get_int_member (o, "status"), ==, statuses[i]);
      g_assert_cmpstr (json_object_get_string_member (o, "detail"), ==, LC_PROBLEM_HIDDEN_DETAIL);
      g_assert_null (strstr (text, errors[i]->message));
    }
}

static void
test_escaping (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *text = NULL;
  JsonObject *o;

  lc_set_error (&error, LC_ERROR_INVALID, "title\"x", "bad \"quote\" \\ and \n newline");
  text = lc_problem_to_json (error, "/a\"b");
  o = parse_object (text, parser);
  g_assert_cmpstr (json_object_get_string_member (o, "detail"), ==,
                   "bad \"quote\" \\ and \n newline");
  g_assert_cmpstr (json_object_get_string_member (o, "field"), ==, "title\"x");
  g_assert_cmpstr (json_object_get_string_member (o, "instance"), ==, "/a\"b");
}

static void
test_raw_response (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *text = NULL;
  g_autofree char *length_line = NULL;
  const char *body;
  gsize length;
  JsonObject *o;

  lc_set_error (&error, LC_ERROR_UNAVAILABLE, NULL, "too many connections");
  lc_error_set_retry_after (error, 2);
  text = lc_http_format_raw_response (error, &length);

  g_assert_cmpuint (length, ==, strlen (text));
  g_assert_true (g_str_has_prefix (text, "HTTP/1.1 503 Service Unavailable\r\n"));
  g_assert_nonnull (strstr (text, "\r\nConnection: close\r\n"));
  g_assert_nonnull (strstr (text, "\r\nContent-Type: application/problem+json\r\n"));
  g_assert_nonnull (strstr (text, "\r\nRetry-After: 2\r\n"));
  body = strstr (text, "\r\n\r\n");
  g_assert_nonnull (body);
  body += 4;
  length_line = g_strdup_printf ("\r\nContent-Length: %zu\r\n", strlen (body));
  g_assert_nonnull (strstr (text, length_line));
  o = parse_object (body, parser);
  g_assert_cmpint (json_object_get_int_member (o, "status"), ==, 503);
  g_assert_cmpstr (json_object_get_string_member (o, "detail"), ==, "too many connections");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/signaling/problem/every-kind", test_every_kind);
  g_test_add_func ("/signaling/problem/statuses", test_statuses);
  g_test_add_func ("/signaling/problem/extended", test_extended);
  g_test_add_func ("/signaling/problem/hidden-internal", test_hidden_internal);
  g_test_add_func ("/signaling/problem/escaping", test_escaping);
  g_test_add_func ("/signaling/problem/raw-response", test_raw_response);

  return g_test_run ();
}
