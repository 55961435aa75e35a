/* test-http-abuse.c — what a hostile or broken client can do to
 * LcHttpServer: a 1 MiB header, 20,000 headers, a 10 MiB body (plain and
 * chunked), 100,000 nested brackets, garbage, a client sending one byte per
 * second, 500 idle connections. Each time a normal client keeps getting
 * normal answers and the connection count returns to 0. */
#include <string.h>
#include <sys/resource.h>

#include "common/lc-error.h"
#include "signaling/lc-http-private.h"
#include "lc-test-net.h"

/* ---- the server under test ---- */

typedef struct
{
  LcTestHttp http;
} Fixture;

static void
handle_hello (LcRequest *req, gpointer user_data)
{
  lc_request_respond_text (req, 200, NULL, "hello");
}

static void
handle_echo (LcRequest *req, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = lc_request_parse_json (req, &error);

  if (node == NULL)
    lc_request_respond_error (req, error);
  else
    lc_request_respond_json (req, 200, node);
}

static void
start_server (Fixture *f, const LcHttpLimits *limits)
{
  f->http.server = lc_http_server_new (limits);
  lc_http_server_add_route (f->http.server, "GET", "/hello", handle_hello, f);
  lc_http_server_add_route (f->http.server, "POST", "/api/echo", handle_echo, f);
  lc_test_http_listen (&f->http);
}

/* Production limits (1 MiB bodies, 64 KiB headers, depth 32), short timeouts. */
static void
fixture_setup (Fixture *f, gconstpointer data)
{
  LcHttpLimits limits;

  lc_http_limits_init_default (&limits);
  limits.header_timeout = 2;
  limits.body_timeout = 3;
  limits.idle_timeout = 3;
  limits.log_requests = FALSE;
  start_server (f, &limits);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  lc_test_http_close_session (&f->http);
  lc_test_http_wait_no_connections (&f->http, 10000);
  g_assert_cmpuint (lc_http_server_get_in_flight (f->http.server), ==, 0);
  lc_test_http_finalize (&f->http);
}

/* A normal client gets the normal answer. */
static void
assert_server_answers (Fixture *f)
{
  g_autoptr (LcTestHttpResult) r = LC_TEST_HTTP (&f->http, "GET", "/hello");
  g_autofree char *text = lc_test_http_text (r);

  g_assert_cmpuint (lc_test_http_status (r), ==, 200);
  g_assert_cmpstr (text, ==, "hello");
}

/* ---- the abuse ---- */

static void
test_huge_header (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestRaw) r = lc_test_raw_connect (f->http.port);
  g_autofree char *value = g_strnfill (1024 * 1024, 'a');
  gint64 start = g_get_monotonic_time ();

  lc_test_raw_queue_str (r, "GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: ");
  lc_test_raw_queue_str (r, value);
  lc_test_raw_queue_str (r, "\r\n\r\n");
  /* Refused with a 4xx or the connection closed, quickly. */
  g_assert_true (lc_test_raw_pump (r, lc_test_raw_is_closed, 5000));
  g_assert_cmpint ((g_get_monotonic_time () - start) / 1000, <, 3000);
  if (r->in->len > 0)
    {
      g_assert_cmpuint (lc_test_raw_status (r), >=, 400);
      g_assert_cmpuint (lc_test_raw_status (r), <, 500);
    }
  assert_server_answers (f);
}

static void
test_many_headers (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestRaw) r = lc_test_raw_connect (f->http.port);

  lc_test_raw_queue_str (r, "GET /hello HTTP/1.1\r\nHost: t\r\n");
  for (int i = 0; i < 20000; i++)
    {
      char line[64];

      g_snprintf (line, sizeof line, "X-H%d: v\r\n", i);
      lc_test_raw_queue_str (r, line);
    }
  lc_test_raw_queue_str (r, "\r\n");
  g_assert_true (lc_test_raw_pump (r, lc_test_raw_is_closed, 5000));
  if (r->in->len > 0)
    g_assert_cmpuint (lc_test_raw_status (r), ==, 400);
  assert_server_answers (f);
}

static void
test_huge_body (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestRaw) r = lc_test_raw_connect (f->http.port);
  gsize size = 10 * 1024 * 1024;
  g_autofree char *body = g_malloc (size);
  g_autofree char *head = g_strdup_printf ("POST /api/echo HTTP/1.1\r\nHost: t\r\n"
                                           "Content-Type: application/json\r\n"
                                           "Content-Length: %zu\r\n\r\n",
                                           size);

  memset (body, ' ', size);
  lc_test_raw_queue_str (r, head);
  lc_test_raw_queue (r, body, size);
  g_assert_true (lc_test_raw_pump (r, lc_test_raw_is_closed, 10000));
  if (r->in->len > 0)
    g_assert_cmpuint (lc_test_raw_status (r), ==, 413);
  /* The server did not buffer the 10 MiB; it never ran the handler. */
  assert_server_answers (f);
}

static void
test_huge_chunked_body (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestRaw) r = lc_test_raw_connect (f->http.port);
  gsize chunk_size = 64 * 1024;
  g_autofree char *chunk = g_malloc (chunk_size);
  g_autofree char *size_line = g_strdup_printf ("%zx\r\n", chunk_size);

  memset (chunk, ' ', chunk_size);
  lc_test_raw_queue_str (r,
                         "POST /api/echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n");
  for (int i = 0; i < 160; i++) /* 10 MiB */
    {
      lc_test_raw_queue_str (r, size_line);
      lc_test_raw_queue (r, chunk, chunk_size);
      lc_test_raw_queue_str (r, "\r\n");
    }
  lc_test_raw_queue_str (r, "0\r\n\r\n");
  g_assert_true (lc_test_raw_pump (r, lc_test_raw_is_closed, 10000));
  if (r->in->len > 0)
    g_assert_cmpuint (lc_test_raw_status (r), ==, 413);
  assert_server_answers (f);
}

static void
test_deep_json (Fixture *f, gconstpointer data)
{
  g_autoptr (GString) body = g_string_new (NULL);
  g_autoptr (LcTestHttpResult) r = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  JsonObject *o;

  /* json-glib 1.6 crashes on this; the depth check answers before it parses. */
  for (int i = 0; i < 100000; i++)
    g_string_append_c (body, '[');
  r = lc_test_http_finish (
      lc_test_http_begin (&f->http, "POST", "/api/echo", "application/json", body->str, NULL));
  g_assert_cmpuint (lc_test_http_status (r), ==, 400);
  text = lc_test_http_text (r);
  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (o, "type"), ==,
                   "urn:lessoncast:problem:malformed-request");
  assert_server_answers (f);
}

static void
test_garbage (Fixture *f, gconstpointer data)
{
  static const char *inputs[] = {
    "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", /* a TLS ClientHello */
    "\x00\x00\x00\x00\r\n\r\n",                     /* NUL bytes */
    "GET\r\n\r\n",                                  /* no path, no version */
    "GET /hello HTTP/9.9\r\nHost: t\r\n\r\n",       /* unknown version */
    "GET /hello HTTP/1.1\r\nHost: a/b\r\n\r\n",     /* bad Host */
    "POST /api/echo HTTP/1.1\r\nHost: t\r\nContent-Length: -5\r\n\r\n",
    "POST /api/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: zip\r\n\r\n",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr (LcTestRaw) r = lc_test_raw_connect (f->http.port);

      lc_test_raw_queue (r, inputs[i], i == 1 ? 8 : strlen (inputs[i]));
      /* Answered with an error and closed, or closed by the header timeout. */
      g_assert_true (lc_test_raw_pump (r, lc_test_raw_is_closed, 5000));
      if (r->in->len > 0)
        g_assert_cmpuint (lc_test_raw_status (r), >=, 400);
    }
  assert_server_answers (f);
}

/* Framing libsoup 3.2.3 mishandles (it leaks the path on an unknown
 * Transfer-Encoding, takes "-5" as a length): refused with a 400 before
 * libsoup parses the request. LeakSanitizer checks the "no leak" part. */
static void
test_bad_framing (Fixture *f, gconstpointer data)
{
  static const char *const requests[] = {
    "POST /api/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: zip\r\n\r\n",
    "POST /api/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    "POST /api/echo HTTP/1.1\r\nHost: t\r\nContent-Length: -5\r\n\r\n",
    "POST /api/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5, 5\r\n\r\nhello",
    "POST /api/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999\r\n\r\n",
    "GET /hello HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n folded\r\n\r\n",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      g_autoptr (LcTestRaw) r = lc_test_raw_connect (f->http.port);

      lc_test_raw_queue_str (r, requests[i]);
      g_assert_true (lc_test_raw_pump (r, lc_test_raw_is_closed, 5000));
      g_assert_cmpuint (lc_test_raw_status (r), ==, 400);
      g_assert_nonnull (strstr (r->in->str, "urn:lessoncast:problem:malformed-request"));
    }

  /* A long path with an unknown coding, many times: nothing accumulates. */
  for (int i = 0; i < 50; i++)
    {
      g_autoptr (LcTestRaw) r = lc_test_raw_connect (f->http.port);
      g_autofree char *path = g_strnfill (30000, 'p');
      g_autofree char *request = g_strdup_printf ("POST /%s HTTP/1.1\r\nHost: t\r\n"
                                                  "Transfer-Encoding: x\r\n\r\n",
                                                  path);

      lc_test_raw_queue_str (r, request);
      g_assert_true (lc_test_raw_pump (r, lc_test_raw_is_closed, 5000));
      g_assert_cmpuint (lc_test_raw_status (r), ==, 400);
    }
  assert_server_answers (f);
}

typedef struct
{
  LcTestRaw *raw;
  guint sent;
} Dribble;

static gboolean
on_dribble (gpointer user_data)
{
  Dribble *d = user_data;
  static const char request[] = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n";

  if (d->sent < sizeof request - 1)
    lc_test_raw_queue (d->raw, request + d->sent++, 1);
  lc_test_raw_io (d->raw);
  return G_SOURCE_CONTINUE;
}

static void
test_slow_client (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestRaw) slow = lc_test_raw_connect (f->http.port);
  Dribble dribble = { slow, 0 };
  GSource *timer = g_timeout_source_new (1000);
  gint64 start = g_get_monotonic_time ();
  guint answered = 0;

  /* One byte per second; header_timeout is 2 s. */
  lc_test_raw_queue (slow, "G", 1);
  dribble.sent = 1;
  lc_test_raw_io (slow);
  g_source_set_callback (timer, on_dribble, &dribble, NULL);
  g_source_attach (timer, NULL);

  while (!slow->eof && g_get_monotonic_time () - start < 8 * G_USEC_PER_SEC)
    {
      assert_server_answers (f);
      answered++;
      lc_test_run_for (100);
      lc_test_raw_io (slow);
    }
  g_source_destroy (timer);
  g_source_unref (timer);

  g_assert_true (slow->eof);
  g_assert_cmpuint (slow->in->len, ==, 0);
  g_assert_cmpint ((g_get_monotonic_time () - start) / 1000, >=, 1800);
  g_assert_cmpint ((g_get_monotonic_time () - start) / 1000, <, 5000);
  g_assert_cmpuint (dribble.sent, >=, 2);
  g_assert_cmpuint (answered, >=, 10);
}

/* FALSE when the hard limit does not allow wanted descriptors. */
static gboolean
raise_fd_limit (rlim_t wanted)
{
  struct rlimit limit;

  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &limit), ==, 0);
  if (limit.rlim_cur >= wanted)
    return TRUE;
  limit.rlim_cur = MIN (wanted, limit.rlim_max);
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &limit), ==, 0);
  return limit.rlim_cur >= wanted;
}

typedef struct
{
  Fixture *f;
  guint count;
} CountWait;

static gboolean
count_reached (gpointer data)
{
  CountWait *w = data;

  return lc_http_server_get_connection_count (w->f->http.server) >= w->count;
}

static void
test_idle_connections (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) idle = g_ptr_array_new_with_free_func ((GDestroyNotify)lc_test_raw_free);
  g_autoptr (LcTestRaw) normal = NULL;
  CountWait w = { f, 500 };

  /* 500 client ends + 500 server ends + the rest. */
  if (!raise_fd_limit (4096))
    {
      g_test_skip ("RLIMIT_NOFILE hard limit too low for 500 connections");
      return;
    }

  for (int i = 0; i < 500; i++)
    g_ptr_array_add (idle, lc_test_raw_connect (f->http.port));
  lc_test_run_until (count_reached, &w, 10000);
  g_assert_cmpuint (lc_http_server_get_connection_count (f->http.server), ==, 500);

  for (int i = 0; i < 20; i++)
    assert_server_answers (f);
  normal = lc_test_raw_connect (f->http.port);
  lc_test_raw_queue_str (normal, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  g_assert_true (lc_test_raw_pump (normal, lc_test_raw_has_response, 5000));
  g_assert_cmpuint (lc_test_raw_status (normal), ==, 200);

  /* The idle ones still hold their slots until their header timeout. */
  g_assert_cmpuint (lc_http_server_get_connection_count (f->http.server), >=, 500);
  g_ptr_array_set_size (idle, 0);
  g_clear_pointer (&normal, lc_test_raw_free);
  soup_session_abort (f->http.session);
  lc_test_http_wait_no_connections (&f->http, 5000);
}

static void
idle_setup (Fixture *f, gconstpointer data)
{
  LcHttpLimits limits;

  lc_http_limits_init_default (&limits);
  limits.header_timeout = 30;
  limits.log_requests = FALSE;
  start_server (f, &limits);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/http/abuse/huge-header", Fixture, NULL, fixture_setup, test_huge_header,
              fixture_teardown);
  g_test_add ("/http/abuse/many-headers", Fixture, NULL, fixture_setup, test_many_headers,
              fixture_teardown);
  g_test_add ("/http/abuse/huge-body", Fixture, NULL, fixture_setup, test_huge_body,
              fixture_teardown);
  g_test_add ("/http/abuse/huge-chunked-body", Fixture, NULL, fixture_setup, test_huge_chunked_body,
              fixture_teardown);
  g_test_add ("/http/abuse/deep-json", Fixture, NULL, fixture_setup, test_deep_json,
              fixture_teardown);
  g_test_add ("/http/abuse/garbage", Fixture, NULL, fixture_setup, test_garbage, fixture_teardown);
  g_test_add ("/http/abuse/bad-framing", Fixture, NULL, fixture_setup, test_bad_framing,
              fixture_teardown);
  g_test_add ("/http/abuse/slow-client", Fixture, NULL, fixture_setup, test_slow_client,
              fixture_teardown);
  g_test_add ("/http/abuse/idle-connections", Fixture, NULL, idle_setup, test_idle_connections,
              fixture_teardown);

  return g_test_run ();
}
