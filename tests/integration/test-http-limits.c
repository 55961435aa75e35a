/* test-http-limits.c — LcHttpServer in-process on 127.0.0.1:0 with test
 * routes, driven by a SoupSession and by raw sockets pumped on the same main
 * context: routing (404, 405 + Allow, HEAD, OPTIONS), problem responses,
 * body and header limits, header/idle timeouts, keep-alive and pipelining,
 * the connection cap, the connection count returning to 0, graceful
 * shutdown, and the request log line. */
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/lc-error.h"
#include "common/lc-json.h"
#include "signaling/lc-http-private.h"
#include "lc-test-net.h"

/* ---- captured request log lines ---- */

typedef struct
{
  GPtrArray *lines; /* "method=GET path=/x status=200 bytes=5 client=127.0.0.1 duration_ms=…" */
} LogCapture;

static GLogWriterOutput
capture_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  LogCapture *capture = user_data;
  const char *event = NULL;

  for (gsize i = 0; i < n_fields; i++)
    if (strcmp (fields[i].key, "LC_EVENT") == 0)
      event = fields[i].value;
  if (g_strcmp0 (event, "request") != 0)
    return g_log_writer_default (level, fields, n_fields, user_data);

  GString *line = g_string_new (NULL);
  const char *keys[] = { "method", "path", "status", "bytes", "client", "duration_ms" };
  for (gsize k = 0; k < G_N_ELEMENTS (keys); k++)
    for (gsize i = 0; i < n_fields; i++)
      if (strcmp (fields[i].key, keys[k]) == 0)
        g_string_append_printf (line, "%s%s=%s", line->len > 0 ? " " : "", keys[k],
                                (const char *)fields[i].value);
  g_ptr_array_add (capture->lines, g_string_free (line, FALSE));
  return G_LOG_WRITER_HANDLED;
}

/* ---- the server under test ---- */

typedef struct
{
  LogCapture *capture;
  LcTestHttp http;   /* http.tls: requests use https and accept the certificate */
  LcRequest *paused; /* /slow */
  guint shutdown_done;
  GTlsCertificate *tls; /* set before setup_server for a TLS server */
} Fixture;

static void
handle_hello (LcRequest *req, gpointer user_data)
{
  lc_request_respond_text (req, 200, NULL, "hello");
}

static void
handle_items (LcRequest *req, gpointer user_data)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;
  const char *allowed[] = { "a", "b", NULL };
  const char *unknown = NULL;

  if (lc_request_has_unknown_query (req, allowed, &unknown))
    {
      lc_request_respond_problem (req, LC_ERROR_MALFORMED, unknown, "unknown parameter %s",
                                  unknown);
      return;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "route");
  json_builder_add_string_value (b, lc_request_get_route (req));
  json_builder_set_member_name (b, "method");
  json_builder_add_string_value (b, lc_request_get_method (req));
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, lc_request_get_param (req, "id"));
  json_builder_set_member_name (b, "a");
  json_builder_add_string_value (b, lc_request_get_query (req, "a"));
  json_builder_set_member_name (b, "b");
  json_builder_add_string_value (b, lc_request_get_query (req, "b"));
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  lc_request_respond_json (req, 200, node);
}

static void
handle_json (LcRequest *req, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = lc_request_parse_json (req, &error);

  if (node == NULL)
    {
      lc_request_respond_error (req, error);
      return;
    }
  lc_request_respond_json (req, 201, node);
}

static void
handle_slow (LcRequest *req, gpointer user_data)
{
  Fixture *f = user_data;

  g_assert_null (f->paused);
  f->paused = lc_request_ref (req);
  lc_request_pause (req);
}

static void
handle_error (LcRequest *req, gpointer user_data)
{
  const char *kind = lc_request_get_param (req, "kind");
  g_autoptr (GError) error = NULL;

  if (strcmp (kind, "internal") == 0)
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "disk /var/secret is full");
  else if (strcmp (kind, "unauthorized") == 0)
    lc_set_error (&error, LC_ERROR_UNAUTHORIZED, NULL, "log in first");
  else if (strcmp (kind, "limited") == 0)
    {
      lc_set_error (&error, LC_ERROR_RATE_LIMITED, NULL, "slow down");
      lc_error_set_retry_after (error, 7);
    }
  else
    {
      lc_set_error (&error, LC_ERROR_UNAVAILABLE, NULL, "not ready");
      lc_error_set_retry_after (error, 3);
    }
  lc_request_respond_error (req, error);
}

static void
handle_scheme (LcRequest *req, gpointer user_data)
{
  lc_request_respond_text (req, 200, NULL, lc_request_is_tls (req) ? "tls" : "plain");
}

static void
setup_server (Fixture *f, const LcHttpLimits *limits)
{
  f->http.server = lc_http_server_new (limits);
  lc_http_server_add_route (f->http.server, "GET", "/hello", handle_hello, f);
  lc_http_server_add_route (f->http.server, "GET", "/api/items", handle_items, f);
  lc_http_server_add_route (f->http.server, "POST", "/api/items", handle_items, f);
  lc_http_server_add_route (f->http.server, "GET", "/api/items/{id}", handle_items, f);
  lc_http_server_add_route (f->http.server, "DELETE", "/api/items/{id}", handle_items, f);
  lc_http_server_add_route (f->http.server, "GET", "/api/items/special", handle_items, f);
  lc_http_server_add_route (f->http.server, "POST", "/api/json", handle_json, f);
  lc_http_server_add_route (f->http.server, "GET", "/slow", handle_slow, f);
  lc_http_server_add_route (f->http.server, "GET", "/api/error/{kind}", handle_error, f);
  lc_http_server_add_route (f->http.server, "GET", "/scheme", handle_scheme, f);
  if (f->tls != NULL)
    lc_http_server_set_tls_certificate (f->http.server, f->tls);
  lc_test_http_listen (&f->http);
  g_assert_cmpuint (f->http.port, >, 0);
}

static void
small_limits (LcHttpLimits *limits)
{
  lc_http_limits_init_default (limits);
  limits->max_connections = 64;
  limits->listen_backlog = 256;
  limits->header_timeout = 5;
  limits->body_timeout = 5;
  limits->idle_timeout = 5;
  limits->max_body_bytes = 4096;
  limits->max_header_bytes = 8192;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  LcHttpLimits limits;

  f->capture = (LogCapture *)data;
  g_ptr_array_set_size (f->capture->lines, 0);
  small_limits (&limits);
  setup_server (f, &limits);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  lc_test_http_close_session (&f->http);
  if (f->paused != NULL)
    {
      lc_request_respond_empty (f->paused, 204);
      g_clear_pointer (&f->paused, lc_request_unref);
    }
  /* Every client is gone: the server must count down to zero. */
  lc_test_http_wait_no_connections (&f->http, 5000);
  g_assert_cmpuint (lc_http_server_get_in_flight (f->http.server), ==, 0);
  lc_test_http_finalize (&f->http);
  g_clear_object (&f->tls);
}

static JsonObject *
body_object (LcTestHttpResult *r, JsonParser *parser)
{
  g_autofree char *text = lc_test_http_text (r);
  g_autoptr (GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

/* ---- raw socket client: what lc-test-net does not cover ---- */

static gboolean
raw_has_two_responses (LcTestRaw *r)
{
  gsize first = lc_test_http_response_length (r->in->str, r->in->len);

  return (first > 0 && lc_test_http_response_length (r->in->str + first, r->in->len - first) > 0)
         || r->eof;
}

/* Drop the first response from the buffer. */
static void
raw_consume_response (LcTestRaw *r)
{
  gsize len = lc_test_http_response_length (r->in->str, r->in->len);

  g_assert_cmpuint (len, >, 0);
  g_string_erase (r->in, 0, (gssize)len);
}

static gboolean
raw_has_header (LcTestRaw *r, const char *line)
{
  g_autofree char *needle = g_strdup_printf ("\r\n%s\r\n", line);
  const char *end = strstr (r->in->str, "\r\n\r\n");

  return end != NULL && g_strstr_len (r->in->str, end - r->in->str + 2, needle) != NULL;
}

/* ---- tests: routing and responses ---- */

static void
test_routing (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestHttpResult) hello = LC_TEST_HTTP (&f->http, "GET", "/hello");
  g_autoptr (LcTestHttpResult) head = LC_TEST_HTTP (&f->http, "HEAD", "/hello");
  g_autoptr (LcTestHttpResult) missing = LC_TEST_HTTP (&f->http, "GET", "/nope");
  g_autoptr (LcTestHttpResult) wrong = LC_TEST_HTTP (&f->http, "POST", "/hello");
  g_autoptr (LcTestHttpResult) options = LC_TEST_HTTP (&f->http, "OPTIONS", "/api/items");
  g_autoptr (LcTestHttpResult) put = LC_TEST_HTTP (&f->http, "PUT", "/api/items/7");
  g_autoptr (LcTestHttpResult) item = LC_TEST_HTTP (&f->http, "GET", "/api/items/a%20b");
  g_autoptr (LcTestHttpResult) special = LC_TEST_HTTP (&f->http, "GET", "/api/items/special");
  g_autoptr (LcTestHttpResult) slash = LC_TEST_HTTP (&f->http, "GET", "/api/items/a%2Fb");
  g_autoptr (JsonParser) p1 = json_parser_new ();
  g_autoptr (JsonParser) p2 = json_parser_new ();
  g_autoptr (JsonParser) p3 = json_parser_new ();
  g_autoptr (JsonParser) p4 = json_parser_new ();
  g_autofree char *text = lc_test_http_text (hello);
  JsonObject *o;

  g_assert_cmpuint (lc_test_http_status (hello), ==, 200);
  g_assert_cmpstr (text, ==, "hello");
  g_assert_cmpstr (lc_test_http_header (hello, "Content-Type"), ==, "text/plain; charset=utf-8");
  g_assert_cmpstr (lc_test_http_header (hello, "X-Content-Type-Options"), ==, "nosniff");
  g_assert_null (lc_test_http_header (hello, "Cache-Control"));

  g_assert_cmpuint (lc_test_http_status (head), ==, 200);
  g_assert_cmpuint (g_bytes_get_size (head->body), ==, 0);
  g_assert_cmpstr (lc_test_http_header (head, "Content-Length"), ==, "5");

  g_assert_cmpuint (lc_test_http_status (missing), ==, 404);
  g_assert_cmpstr (lc_test_http_header (missing, "Content-Type"), ==, "application/problem+json");
  o = body_object (missing, p1);
  g_assert_cmpstr (json_object_get_string_member (o, "type"), ==,
                   "urn:lessoncast:problem:not-found");
  g_assert_cmpstr (json_object_get_string_member (o, "instance"), ==, "/nope");

  g_assert_cmpuint (lc_test_http_status (wrong), ==, 405);
  g_assert_cmpstr (lc_test_http_header (wrong, "Allow"), ==, "GET, HEAD");
  o = body_object (wrong, p2);
  g_assert_cmpint (json_object_get_int_member (o, "status"), ==, 405);

  g_assert_cmpuint (lc_test_http_status (options), ==, 204);
  g_assert_cmpstr (lc_test_http_header (options, "Allow"), ==, "GET, HEAD, POST");

  g_assert_cmpuint (lc_test_http_status (put), ==, 405);
  g_assert_cmpstr (lc_test_http_header (put, "Allow"), ==, "GET, HEAD, DELETE");

  g_assert_cmpuint (lc_test_http_status (item), ==, 200);
  g_assert_cmpstr (lc_test_http_header (item, "Cache-Control"), ==, "no-store");
  g_assert_cmpstr (lc_test_http_header (item, "Content-Type"), ==, "application/json");
  o = body_object (item, p3);
  g_assert_cmpstr (json_object_get_string_member (o, "route"), ==, "/api/items/{id}");
  g_assert_cmpstr (json_object_get_string_member (o, "id"), ==, "a b");

  o = body_object (special, p4);
  g_assert_cmpstr (json_object_get_string_member (o, "route"), ==, "/api/items/special");

  g_assert_cmpuint (lc_test_http_status (slash), ==, 404);
}

static void
test_query (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestHttpResult) ok = LC_TEST_HTTP (&f->http, "GET", "/api/items?a=1&b=x%20y+z&a=2");
  g_autoptr (LcTestHttpResult) unknown = LC_TEST_HTTP (&f->http, "GET", "/api/items?a=1&zzz");
  g_autoptr (JsonParser) p1 = json_parser_new ();
  g_autoptr (JsonParser) p2 = json_parser_new ();
  JsonObject *o;

  g_assert_cmpuint (lc_test_http_status (ok), ==, 200);
  o = body_object (ok, p1);
  g_assert_cmpstr (json_object_get_string_member (o, "a"), ==, "2");
  g_assert_cmpstr (json_object_get_string_member (o, "b"), ==, "x y z");

  g_assert_cmpuint (lc_test_http_status (unknown), ==, 400);
  o = body_object (unknown, p2);
  g_assert_cmpstr (json_object_get_string_member (o, "field"), ==, "zzz");
}

static void
test_json_body (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestHttpResult) ok = lc_test_http_finish (lc_test_http_begin (
      &f->http, "POST", "/api/json", "application/json; charset=utf-8", "{\"x\":[1,2]}", NULL));
  g_autoptr (LcTestHttpResult) no_type = lc_test_http_finish (
      lc_test_http_begin (&f->http, "POST", "/api/json", "text/plain", "{\"x\":1}", NULL));
  g_autoptr (LcTestHttpResult) broken = lc_test_http_finish (
      lc_test_http_begin (&f->http, "POST", "/api/json", "application/json", "{\"x\":", NULL));
  g_autoptr (LcTestHttpResult) empty = lc_test_http_finish (
      lc_test_http_begin (&f->http, "POST", "/api/json", "application/json", "", NULL));
  g_autoptr (GString) deep = g_string_new (NULL);
  g_autoptr (LcTestHttpResult) too_deep = NULL;
  g_autoptr (JsonParser) p1 = json_parser_new ();
  g_autoptr (JsonParser) p2 = json_parser_new ();
  g_autoptr (JsonParser) p3 = json_parser_new ();
  g_autofree char *echo = lc_test_http_text (ok);
  JsonObject *o;

  for (int i = 0; i < 40; i++)
    g_string_append_c (deep, '[');
  for (int i = 0; i < 40; i++)
    g_string_append_c (deep, ']');
  too_deep = lc_test_http_finish (
      lc_test_http_begin (&f->http, "POST", "/api/json", "application/json", deep->str, NULL));

  g_assert_cmpuint (lc_test_http_status (ok), ==, 201);
  g_assert_cmpstr (echo, ==, "{\"x\":[1,2]}");

  g_assert_cmpuint (lc_test_http_status (no_type), ==, 415);
  o = body_object (no_type, p1);
  g_assert_cmpstr (json_object_get_string_member (o, "type"), ==,
                   "urn:lessoncast:problem:unsupported-media-type");
  g_assert_cmpstr (lc_test_http_header (no_type, "Cache-Control"), ==, "no-store");

  g_assert_cmpuint (lc_test_http_status (broken), ==, 400);
  o = body_object (broken, p2);
  g_assert_cmpstr (json_object_get_string_member (o, "type"), ==,
                   "urn:lessoncast:problem:malformed-request");
  g_assert_cmpuint (lc_test_http_status (empty), ==, 400);
  g_assert_cmpuint (lc_test_http_status (too_deep), ==, 400);
  o = body_object (too_deep, p3);
  g_assert_cmpint (json_object_get_int_member (o, "status"), ==, 400);
}

static void
test_error_headers (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestHttpResult) unauthorized
      = LC_TEST_HTTP (&f->http, "GET", "/api/error/unauthorized");
  g_autoptr (LcTestHttpResult) limited = LC_TEST_HTTP (&f->http, "GET", "/api/error/limited");
  g_autoptr (LcTestHttpResult) unavailable
      = LC_TEST_HTTP (&f->http, "GET", "/api/error/unavailable");
  g_autoptr (LcTestHttpResult) internal = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *text = NULL;
  JsonObject *o;

  g_assert_cmpuint (lc_test_http_status (unauthorized), ==, 401);
  g_assert_cmpstr (lc_test_http_header (unauthorized, "WWW-Authenticate"), ==,
                   "Bearer realm=\"lessoncast\"");
  g_assert_cmpuint (lc_test_http_status (limited), ==, 429);
  g_assert_cmpstr (lc_test_http_header (limited, "Retry-After"), ==, "7");
  g_assert_cmpuint (lc_test_http_status (unavailable), ==, 503);
  g_assert_cmpstr (lc_test_http_header (unavailable, "Retry-After"), ==, "3");

  /* The internal message goes to the server log, never to the client. */
  g_test_expect_message ("lc-signaling", G_LOG_LEVEL_WARNING, "*GET /api/error/internal*");
  internal = LC_TEST_HTTP (&f->http, "GET", "/api/error/internal");
  g_test_assert_expected_messages ();
  g_assert_cmpuint (lc_test_http_status (internal), ==, 500);
  text = lc_test_http_text (internal);
  g_assert_null (strstr (text, "secret"));
  o = body_object (internal, parser);
  g_assert_cmpstr (json_object_get_string_member (o, "detail"), ==, LC_PROBLEM_HIDDEN_DETAIL);
}

/* ---- tests: limits ---- */

static void
test_body_limit_content_length (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestRaw) r = lc_test_raw_connect (f->http.port);
  g_autoptr (LcTestRaw) far = lc_test_raw_connect (f->http.port);
  g_autofree char *body = g_strnfill (5000, 'x');
  g_autofree char *huge = g_strnfill (100000, 'x');
  g_autoptr (LcTestHttpResult) after = NULL;

  /* Slightly over the limit: drained, answered with 413, closed. */
  lc_test_raw_queue_str (r,
                         "POST /api/json HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                         "Content-Length: 5000\r\n\r\n");
  lc_test_raw_queue_str (r, body);
  g_assert_true (lc_test_raw_pump (r, lc_test_raw_has_response, 5000));
  g_assert_cmpuint (lc_test_raw_status (r), ==, 413);
  g_assert_true (raw_has_header (r, "Connection: close"));
  g_assert_nonnull (strstr (r->in->str, "payload-too-large"));
  g_assert_true (lc_test_raw_pump (r, lc_test_raw_is_closed, 5000));

  /* Far over: the answer comes at once and the connection is cut. */
  lc_test_raw_queue_str (far,
                         "POST /api/json HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                         "Content-Length: 100000\r\n\r\n");
  lc_test_raw_queue_str (far, huge);
  g_assert_true (lc_test_raw_pump (far, lc_test_raw_is_closed, 5000));
  g_assert_true (far->in->len == 0 || lc_test_raw_status (far) == 413);

  after = LC_TEST_HTTP (&f->http, "GET", "/hello");
  g_assert_cmpuint (lc_test_http_status (after), ==, 200);
}

static void
test_body_limit_chunked (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestRaw) r = lc_test_raw_connect (f->http.port);
  g_autofree char *chunk = g_strnfill (3000, 'y');

  lc_test_raw_queue_str (r,
                         "POST /api/json HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n");
  for (int i = 0; i < 2; i++)
    {
      lc_test_raw_queue_str (r, "bb8\r\n");
      lc_test_raw_queue_str (r, chunk);
      lc_test_raw_queue_str (r, "\r\n");
    }
  lc_test_raw_queue_str (r, "0\r\n\r\n");
  g_assert_true (lc_test_raw_pump (r, lc_test_raw_has_response, 5000));
  g_assert_cmpuint (lc_test_raw_status (r), ==, 413);
  g_assert_true (raw_has_header (r, "Connection: close"));
  g_assert_true (lc_test_raw_pump (r, lc_test_raw_is_closed, 5000));
}

static void
test_body_limit_expect (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestRaw) r = lc_test_raw_connect (f->http.port);

  /* The client waits for "100 Continue" and gets the 413 instead. */
  lc_test_raw_queue_str (r,
                         "POST /api/json HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                         "Content-Length: 1000000\r\nExpect: 100-continue\r\n\r\n");
  g_assert_true (lc_test_raw_pump (r, lc_test_raw_has_response, 5000));
  g_assert_cmpuint (lc_test_raw_status (r), ==, 413);
  g_assert_true (lc_test_raw_pump (r, lc_test_raw_is_closed, 5000));
}

static void
test_header_limit (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestRaw) r = lc_test_raw_connect (f->http.port);
  g_autofree char *value = g_strnfill (10000, 'h');

  /* max_header_bytes is 8192 here, below libsoup's own 64 KiB. */
  lc_test_raw_queue_str (r, "GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: ");
  lc_test_raw_queue_str (r, value);
  lc_test_raw_queue_str (r, "\r\n\r\n");
  g_assert_true (lc_test_raw_pump (r, lc_test_raw_has_response, 5000));
  g_assert_cmpuint (lc_test_raw_status (r), ==, 400);
  g_assert_true (raw_has_header (r, "Connection: close"));
  g_assert_true (lc_test_raw_pump (r, lc_test_raw_is_closed, 5000));
}

static void
timeouts_setup (Fixture *f, gconstpointer data)
{
  LcHttpLimits limits;

  f->capture = (LogCapture *)data;
  small_limits (&limits);
  limits.header_timeout = 1;
  limits.idle_timeout = 1;
  limits.body_timeout = 1;
  setup_server (f, &limits);
}

static void
test_header_timeout (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestRaw) silent = lc_test_raw_connect (f->http.port);
  g_autoptr (LcTestRaw) partial = lc_test_raw_connect (f->http.port);
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  lc_test_raw_queue_str (partial, "GET /hello HTTP/1.1\r\nHost: t\r\n");
  g_assert_true (lc_test_raw_pump (partial, lc_test_raw_is_closed, 5000));
  g_assert_cmpuint (partial->in->len, ==, 0);
  g_assert_true (lc_test_raw_pump (silent, lc_test_raw_is_closed, 5000));
  g_assert_cmpuint (silent->in->len, ==, 0);
  elapsed = (g_get_monotonic_time () - start) / 1000;
  g_assert_cmpint (elapsed, >=, 900);
  g_assert_cmpint (elapsed, <, 4000);
}

static gboolean
nothing_in_flight (gpointer data)
{
  return lc_http_server_get_in_flight (((Fixture *)data)->http.server) == 0;
}

static void
test_body_timeout (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestRaw) r = lc_test_raw_connect (f->http.port);

  lc_test_raw_queue_str (r,
                         "POST /api/json HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                         "Content-Length: 100\r\n\r\n{\"partial\":");
  g_assert_true (lc_test_raw_pump (r, lc_test_raw_is_closed, 5000));
  g_assert_cmpuint (r->in->len, ==, 0);
  lc_test_run_until (nothing_in_flight, f, 3000);
}

static void
test_idle_timeout (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestRaw) r = lc_test_raw_connect (f->http.port);
  gint64 answered;

  lc_test_raw_queue_str (r, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  g_assert_true (lc_test_raw_pump (r, lc_test_raw_has_response, 5000));
  g_assert_cmpuint (lc_test_raw_status (r), ==, 200);
  g_assert_false (raw_has_header (r, "Connection: close"));
  answered = g_get_monotonic_time ();
  raw_consume_response (r);

  /* Kept alive, then closed by the idle timeout (1 s). */
  g_assert_true (lc_test_raw_pump (r, lc_test_raw_is_closed, 5000));
  g_assert_cmpint ((g_get_monotonic_time () - answered) / 1000, >=, 900);
  g_assert_cmpuint (r->in->len, ==, 0);
}

static void
test_keep_alive (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestRaw) r = lc_test_raw_connect (f->http.port);

  for (int i = 0; i < 3; i++)
    {
      lc_test_raw_queue_str (r, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
      g_assert_true (lc_test_raw_pump (r, lc_test_raw_has_response, 5000));
      g_assert_false (r->eof);
      g_assert_cmpuint (lc_test_raw_status (r), ==, 200);
      raw_consume_response (r);
      g_assert_cmpuint (lc_http_server_get_connection_count (f->http.server), ==, 1);
    }

  /* Pipelined: both requests in one write, both answered in order. */
  lc_test_raw_queue_str (
      r, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /api/items/p HTTP/1.1\r\nHost: t\r\n\r\n");
  g_assert_true (lc_test_raw_pump (r, raw_has_two_responses, 5000));
  g_assert_cmpuint (lc_test_raw_status (r), ==, 200);
  raw_consume_response (r);
  g_assert_cmpuint (lc_test_raw_status (r), ==, 200);
  g_assert_nonnull (strstr (r->in->str, "\"id\":\"p\""));
  raw_consume_response (r);

  /* "Connection: close" from the client is honoured. */
  lc_test_raw_queue_str (r, "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  g_assert_true (lc_test_raw_pump (r, lc_test_raw_has_response, 5000));
  g_assert_cmpuint (lc_test_raw_status (r), ==, 200);
  g_assert_true (lc_test_raw_pump (r, lc_test_raw_is_closed, 5000));
}

static void
test_client_close_counts_down (Fixture *f, gconstpointer data)
{
  /* libsoup 3.2.3 leaks keep-alive connections the client closes; ours do not. */
  for (int i = 0; i < 3; i++)
    {
      g_autoptr (LcTestRaw) r = lc_test_raw_connect (f->http.port);

      lc_test_raw_queue_str (r, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
      g_assert_true (lc_test_raw_pump (r, lc_test_raw_has_response, 5000));
      g_assert_cmpuint (lc_test_raw_status (r), ==, 200);
    }
  lc_test_http_wait_no_connections (&f->http, 3000);

  /* And a SoupSession's pooled connections once it lets go. */
  for (int i = 0; i < 5; i++)
    {
      g_autoptr (LcTestHttpResult) r = LC_TEST_HTTP (&f->http, "GET", "/hello");
      g_assert_cmpuint (lc_test_http_status (r), ==, 200);
    }
  g_assert_cmpuint (lc_http_server_get_connection_count (f->http.server), >=, 1);
  soup_session_abort (f->http.session);
  lc_test_http_wait_no_connections (&f->http, 3000);
}

static void
cap_setup (Fixture *f, gconstpointer data)
{
  LcHttpLimits limits;

  f->capture = (LogCapture *)data;
  small_limits (&limits);
  limits.max_connections = 4;
  setup_server (f, &limits);
}

typedef struct
{
  Fixture *f;
  guint count;
} CountWait;

static gboolean
count_is (gpointer data)
{
  CountWait *w = data;

  return lc_http_server_get_connection_count (w->f->http.server) == w->count;
}

static void
test_connection_cap (Fixture *f, gconstpointer data)
{
  LcTestRaw *held[4];
  g_autoptr (LcTestRaw) extra = NULL;
  g_autoptr (LcTestRaw) later = NULL;
  CountWait w = { f, 4 };

  for (int i = 0; i < 4; i++)
    held[i] = lc_test_raw_connect (f->http.port);
  lc_test_run_until (count_is, &w, 3000);

  /* Over the cap: 503 with Connection: close, then EOF. */
  extra = lc_test_raw_connect (f->http.port);
  g_assert_true (lc_test_raw_pump (extra, lc_test_raw_is_closed, 5000));
  g_assert_cmpuint (lc_test_raw_status (extra), ==, 503);
  g_assert_true (raw_has_header (extra, "Connection: close"));
  g_assert_true (raw_has_header (extra, "Retry-After: 1"));
  g_assert_nonnull (strstr (extra->in->str, "urn:lessoncast:problem:unavailable"));
  g_assert_cmpuint (lc_http_server_get_connection_count (f->http.server), ==, 4);

  /* One client leaves: a new one is served again. */
  lc_test_raw_free (held[0]);
  w.count = 3;
  lc_test_run_until (count_is, &w, 3000);
  later = lc_test_raw_connect (f->http.port);
  lc_test_raw_queue_str (later, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  g_assert_true (lc_test_raw_pump (later, lc_test_raw_has_response, 5000));
  g_assert_cmpuint (lc_test_raw_status (later), ==, 200);

  for (int i = 1; i < 4; i++)
    lc_test_raw_free (held[i]);
}

/* ---- tests: graceful shutdown ---- */

static void
on_shutdown_done (gpointer user_data)
{
  Fixture *f = user_data;

  f->shutdown_done++;
}

static gboolean
shutdown_is_done (gpointer data)
{
  return ((Fixture *)data)->shutdown_done > 0;
}

static gboolean
one_in_flight (gpointer data)
{
  Fixture *f = data;

  return f->paused != NULL && lc_http_server_get_in_flight (f->http.server) == 1;
}

static void
test_shutdown_waits (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestRaw) idle = lc_test_raw_connect (f->http.port);
  g_autoptr (LcTestHttpResult) slow
      = lc_test_http_begin (&f->http, "GET", "/slow", NULL, NULL, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) probe = NULL;
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (lo, f->http.port);
  g_autofree char *text = NULL;

  lc_test_run_until (one_in_flight, f, 5000);
  lc_http_server_shutdown (f->http.server, 10, G_CALLBACK (on_shutdown_done), f);

  /* No longer listening; the idle connection is closed at once. */
  probe = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_assert_false (g_socket_connect (probe, address, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_true (lc_test_raw_pump (idle, lc_test_raw_is_closed, 3000));

  /* The paused request is still being waited for. */
  lc_test_run_for (200);
  g_assert_cmpuint (f->shutdown_done, ==, 0);
  g_assert_false (slow->done);

  lc_request_respond_text (f->paused, 200, NULL, "finally");
  g_clear_pointer (&f->paused, lc_request_unref);
  lc_test_http_finish (slow);
  g_assert_cmpuint (lc_test_http_status (slow), ==, 200);
  text = lc_test_http_text (slow);
  g_assert_cmpstr (text, ==, "finally");
  g_assert_cmpstr (lc_test_http_header (slow, "Connection"), ==, "close");

  lc_test_run_until (shutdown_is_done, f, 5000);
  g_assert_cmpuint (f->shutdown_done, ==, 1);
  g_assert_cmpuint (lc_http_server_get_connection_count (f->http.server), ==, 0);
}

static void
test_shutdown_timeout (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestHttpResult) slow
      = lc_test_http_begin (&f->http, "GET", "/slow", NULL, NULL, NULL);
  gint64 start;

  lc_test_run_until (one_in_flight, f, 5000);
  start = g_get_monotonic_time ();
  lc_http_server_shutdown (f->http.server, 1, G_CALLBACK (on_shutdown_done), f);
  lc_test_run_until (shutdown_is_done, f, 6000);
  g_assert_cmpint ((g_get_monotonic_time () - start) / 1000, >=, 900);
  g_assert_cmpuint (lc_http_server_get_connection_count (f->http.server), ==, 0);

  /* The client saw the connection go; a late answer is dropped quietly. */
  lc_test_http_finish (slow);
  g_assert_nonnull (slow->error);
  lc_request_respond_text (f->paused, 200, NULL, "too late");
  g_clear_pointer (&f->paused, lc_request_unref);
}

/* ---- tests: TLS ---- */

static char *
bio_text (BIO *bio)
{
  char *data;
  long len = BIO_get_mem_data (bio, &data);

  return g_strndup (data, (gsize)len);
}

/* A throw-away self-signed P-256 certificate for 127.0.0.1. */
static GTlsCertificate *
make_certificate (void)
{
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  X509 *x509 = X509_new ();
  X509_NAME *name;
  BIO *cert_bio = BIO_new (BIO_s_mem ());
  BIO *key_bio = BIO_new (BIO_s_mem ());
  g_autofree char *cert_pem = NULL;
  g_autofree char *key_pem = NULL;
  g_autofree char *pem = NULL;
  g_autoptr (GError) error = NULL;
  GTlsCertificate *certificate;

  g_assert_nonnull (key);
  X509_set_version (x509, 2);
  ASN1_INTEGER_set (X509_get_serialNumber (x509), 1);
  X509_gmtime_adj (X509_getm_notBefore (x509), -60);
  X509_gmtime_adj (X509_getm_notAfter (x509), 3600);
  X509_set_pubkey (x509, key);
  name = X509_get_subject_name (x509);
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_ASC, (const unsigned char *)"127.0.0.1", -1, -1,
                              0);
  X509_set_issuer_name (x509, name);
  g_assert_cmpint (X509_sign (x509, key, EVP_sha256 ()), >, 0);
  g_assert_cmpint (PEM_write_bio_X509 (cert_bio, x509), ==, 1);
  g_assert_cmpint (PEM_write_bio_PrivateKey (key_bio, key, NULL, NULL, 0, NULL, NULL), ==, 1);
  cert_pem = bio_text (cert_bio);
  key_pem = bio_text (key_bio);
  BIO_free (cert_bio);
  BIO_free (key_bio);
  X509_free (x509);
  EVP_PKEY_free (key);

  pem = g_strconcat (cert_pem, key_pem, NULL);
  certificate = g_tls_certificate_new_from_pem (pem, -1, &error);
  g_assert_no_error (error);
  return certificate;
}

static void
tls_setup (Fixture *f, gconstpointer data)
{
  LcHttpLimits limits;

  /* glib-networking is a test dependency (scripts/deps.sh installs it):
   * its absence is a failure, not a skip. */
  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    g_error ("no TLS backend: install glib-networking (`sh scripts/deps.sh test` does)");
  f->capture = (LogCapture *)data;
  small_limits (&limits);
  /* Long enough for a TLS handshake under ASan on a loaded machine (1 s
   * failed a third of the runs), short enough for the silent client below. */
  limits.header_timeout = 3;
  f->tls = make_certificate ();
  f->http.tls = TRUE;
  setup_server (f, &limits);
}

static void
test_tls (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestRaw) plain = NULL;
  g_autoptr (LcTestRaw) silent = NULL;

  if (f->http.server == NULL)
    return;
  g_assert_true (lc_http_server_is_tls (f->http.server));

  /* Kept alive across requests over one TLS connection. */
  for (int i = 0; i < 3; i++)
    {
      g_autoptr (LcTestHttpResult) r = LC_TEST_HTTP (&f->http, "GET", "/scheme");
      g_autofree char *text = lc_test_http_text (r);

      g_assert_cmpuint (lc_test_http_status (r), ==, 200);
      g_assert_cmpstr (text, ==, "tls");
      g_assert_cmpuint (lc_http_server_get_connection_count (f->http.server), ==, 1);
    }

  /* Plain HTTP on the TLS port gets nowhere; a silent client times out. */
  plain = lc_test_raw_connect (f->http.port);
  lc_test_raw_queue_str (plain, "GET /scheme HTTP/1.1\r\nHost: t\r\n\r\n");
  g_assert_true (lc_test_raw_pump (plain, lc_test_raw_is_closed, 5000));
  g_assert_null (strstr (plain->in->str, "200 OK"));
  silent = lc_test_raw_connect (f->http.port);
  g_assert_true (lc_test_raw_pump (silent, lc_test_raw_is_closed, 5000));
}

/* Run in a subprocess that ends with _exit(): once glib-networking's GnuTLS
 * is loaded, LeakSanitizer (clang 14) crashes in its exit-time scan of
 * dynamic TLS ("Tracer caught signal 11"). ASan and UBSan still check every
 * step; only the final leak scan of this one process is skipped. */
static void
test_tls_subprocess (gconstpointer data)
{
  Fixture fixture = { 0 };

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }
  tls_setup (&fixture, data);
  if (fixture.http.server != NULL)
    {
      test_tls (&fixture, data);
      fixture_teardown (&fixture, data);
    }
  _exit (0);
}

/* ---- tests: request log ---- */

static void
test_request_log (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestHttpResult) ok = LC_TEST_HTTP (&f->http, "GET", "/hello?token=s3cret&x=1");
  g_autoptr (LcTestHttpResult) bad
      = LC_TEST_HTTP (&f->http, "GET", "/api/items/7?password=hunter2");
  const char *line;

  g_assert_cmpuint (lc_test_http_status (ok), ==, 200);
  g_assert_cmpuint (lc_test_http_status (bad), ==, 400);
  g_assert_cmpuint (f->capture->lines->len, ==, 2);

  line = g_ptr_array_index (f->capture->lines, 0);
  g_assert_true (g_str_has_prefix (
      line, "method=GET path=/hello?token=REDACTED&x=1 status=200 bytes=5 client=127.0.0.1 "
            "duration_ms="));
  g_assert_null (strstr (line, "s3cret"));
  line = g_ptr_array_index (f->capture->lines, 1);
  g_assert_true (g_str_has_prefix (line, "method=GET path=/api/items/7?password=REDACTED "
                                         "status=400 bytes="));
  g_assert_null (strstr (line, "hunter2"));
}

static void
quiet_setup (Fixture *f, gconstpointer data)
{
  LcHttpLimits limits;

  f->capture = (LogCapture *)data;
  g_ptr_array_set_size (f->capture->lines, 0);
  small_limits (&limits);
  limits.log_requests = FALSE;
  setup_server (f, &limits);
}

static void
test_request_log_off (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestHttpResult) ok = LC_TEST_HTTP (&f->http, "GET", "/hello");

  g_assert_cmpuint (lc_test_http_status (ok), ==, 200);
  g_assert_cmpuint (f->capture->lines->len, ==, 0);
}

int
main (int argc, char **argv)
{
  LogCapture capture = { g_ptr_array_new_with_free_func (g_free) };
  int ret;

  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (capture_writer, &capture, NULL);

#define ADD(path, setup, func) g_test_add (path, Fixture, &capture, setup, func, fixture_teardown)

  ADD ("/http/limits/routing", fixture_setup, test_routing);
  ADD ("/http/limits/query", fixture_setup, test_query);
  ADD ("/http/limits/json-body", fixture_setup, test_json_body);
  ADD ("/http/limits/error-headers", fixture_setup, test_error_headers);
  ADD ("/http/limits/body-content-length", fixture_setup, test_body_limit_content_length);
  ADD ("/http/limits/body-chunked", fixture_setup, test_body_limit_chunked);
  ADD ("/http/limits/body-expect", fixture_setup, test_body_limit_expect);
  ADD ("/http/limits/header-size", fixture_setup, test_header_limit);
  ADD ("/http/limits/header-timeout", timeouts_setup, test_header_timeout);
  ADD ("/http/limits/body-timeout", timeouts_setup, test_body_timeout);
  ADD ("/http/limits/idle-timeout", timeouts_setup, test_idle_timeout);
  ADD ("/http/limits/keep-alive", fixture_setup, test_keep_alive);
  ADD ("/http/limits/client-close", fixture_setup, test_client_close_counts_down);
  ADD ("/http/limits/connection-cap", cap_setup, test_connection_cap);
  ADD ("/http/limits/shutdown-waits", fixture_setup, test_shutdown_waits);
  ADD ("/http/limits/shutdown-timeout", fixture_setup, test_shutdown_timeout);
  g_test_add_data_func ("/http/limits/tls", &capture, test_tls_subprocess);
  ADD ("/http/limits/request-log", fixture_setup, test_request_log);
  ADD ("/http/limits/request-log-off", quiet_setup, test_request_log_off);

  ret = g_test_run ();
  g_ptr_array_unref (capture.lines);
  return ret;
}
