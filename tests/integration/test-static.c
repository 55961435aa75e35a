/* test-static.c — static files from a temporary web root through
 * LcHttpServer: MIME types, ETag / Last-Modified and 304s, index.html and the
 * directory redirect, HEAD, and no way out of the root (encoded "..", NUL,
 * backslashes, hidden files, symlinks pointing outside). */
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "signaling/lc-http-private.h"

/* ---- waiting on the main context (never blocking it) ---- */

static gboolean
on_tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterate until cond (data) holds; fail after timeout_ms. */
static void
wait_for (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;
  GSource *tick = g_timeout_source_new (10);

  g_source_set_callback (tick, on_tick, NULL, NULL);
  g_source_attach (tick, NULL);
  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("condition not met within %u ms", timeout_ms);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_destroy (tick);
  g_source_unref (tick);
}

/* No proxy lookup: loopback only (and libproxy's C++ does not mix with ASan). */
static SoupSession *
new_session (void)
{
  g_autoptr (GProxyResolver) direct = g_simple_proxy_resolver_new (NULL, NULL);

  return soup_session_new_with_options ("proxy-resolver", direct, NULL);
}

/* ---- the server under test ---- */

typedef struct
{
  LcHttpServer *server;
  guint16 port;
  SoupSession *session;
  char *root;    /* the web root */
  char *outside; /* a directory next to it, with a secret */
} Fixture;

/* ---- SoupSession client ---- */

typedef struct
{
  gboolean done;
  SoupMessage *msg;
  GBytes *body;
  GError *error;
} Result;

static void
result_free (Result *r)
{
  g_clear_object (&r->msg);
  g_clear_pointer (&r->body, g_bytes_unref);
  g_clear_error (&r->error);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Result, result_free)

static void
on_sent (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Result *r = user_data;

  r->body = soup_session_send_and_read_finish (SOUP_SESSION (source), res, &r->error);
  r->done = TRUE;
}

static gboolean
result_done (gpointer data)
{
  return ((Result *)data)->done;
}

/* Start a request; body_type/body nullable; extra headers: name, value, …, NULL. */
static Result *
http_start (Fixture *f, const char *method, const char *path, const char *body_type,
            const char *body, ...)
{
  Result *r = g_new0 (Result, 1);
  g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u%s", f->port, path);
  va_list args;
  const char *name;

  r->msg = soup_message_new (method, uri);
  g_assert_nonnull (r->msg);
  if (body != NULL)
    {
      g_autoptr (GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (r->msg, body_type, bytes);
    }
  va_start (args, body);
  while ((name = va_arg (args, const char *)) != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (r->msg), name,
                                  va_arg (args, const char *));
  va_end (args);
  soup_session_send_and_read_async (f->session, r->msg, G_PRIORITY_DEFAULT, NULL, on_sent, r);
  return r;
}

static Result *
http_finish (Result *r)
{
  wait_for (result_done, r, 10000);
  return r;
}

#define HTTP(f, method, path) http_finish (http_start (f, method, path, NULL, NULL, NULL))

static guint
status_of (Result *r)
{
  g_assert_no_error (r->error);
  return soup_message_get_status (r->msg);
}

static const char *
header_of (Result *r, const char *name)
{
  return soup_message_headers_get_one (soup_message_get_response_headers (r->msg), name);
}

static char *
body_text (Result *r)
{
  gsize len = 0;
  const char *data = r->body != NULL ? g_bytes_get_data (r->body, &len) : NULL;

  return g_strndup (data != NULL ? data : "", len);
}

/* ---- raw socket client, pumped on the main context ---- */

typedef struct
{
  GSocket *socket;
  GString *in;
  GByteArray *out;
  gsize out_offset;
  gboolean eof;
} Raw;

static void
raw_free (Raw *r)
{
  g_socket_close (r->socket, NULL);
  g_object_unref (r->socket);
  g_string_free (r->in, TRUE);
  g_byte_array_unref (r->out);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Raw, raw_free)

static Raw *
raw_connect (guint16 port)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (lo, port);
  Raw *r = g_new0 (Raw, 1);

  r->socket
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  /* Loopback connect completes from the backlog without the server running. */
  g_assert_true (g_socket_connect (r->socket, address, NULL, &error));
  g_assert_no_error (error);
  g_socket_set_blocking (r->socket, FALSE);
  r->in = g_string_new (NULL);
  r->out = g_byte_array_new ();
  return r;
}

static void
raw_queue (Raw *r, const void *data, gsize len)
{
  g_byte_array_append (r->out, data, (guint)len);
}

static void
raw_queue_str (Raw *r, const char *text)
{
  raw_queue (r, text, strlen (text));
}

static void
raw_io (Raw *r)
{
  char buf[65536];

  while (r->out_offset < r->out->len && !r->eof)
    {
      g_autoptr (GError) error = NULL;
      gssize n = g_socket_send (r->socket, (const char *)r->out->data + r->out_offset,
                                r->out->len - r->out_offset, NULL, &error);
      if (n < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            r->out_offset = r->out->len; /* the peer is gone */
          break;
        }
      r->out_offset += (gsize)n;
    }
  while (!r->eof)
    {
      g_autoptr (GError) error = NULL;
      gssize n = g_socket_receive (r->socket, buf, sizeof buf, NULL, &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      if (n <= 0)
        {
          r->eof = TRUE; /* EOF or reset */
          break;
        }
      g_string_append_len (r->in, buf, n);
    }
}

static gboolean
on_raw_ready (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

/* Pump the socket until done (r) or timeout_ms; returns done (r). */
static gboolean
raw_pump (Raw *r, gboolean (*done) (Raw *), guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;

  for (;;)
    {
      GSource *watch, *timer;
      GIOCondition cond = G_IO_IN;
      gint64 left;

      raw_io (r);
      if (done (r))
        return TRUE;
      left = deadline - g_get_monotonic_time ();
      if (left <= 0)
        return FALSE;
      if (r->out_offset < r->out->len && !r->eof)
        cond |= G_IO_OUT;
      watch = g_socket_create_source (r->socket, r->eof ? 0 : cond, NULL);
      g_source_set_callback (watch, (GSourceFunc)on_raw_ready, NULL, NULL);
      g_source_attach (watch, NULL);
      timer = g_timeout_source_new ((guint)MIN (left / 1000 + 1, 50));
      g_source_set_callback (timer, on_tick, NULL, NULL);
      g_source_attach (timer, NULL);
      g_main_context_iteration (NULL, TRUE);
      g_source_destroy (watch);
      g_source_unref (watch);
      g_source_destroy (timer);
      g_source_unref (timer);
    }
}

static gboolean
raw_is_closed (Raw *r)
{
  return r->eof;
}

static guint
raw_status (Raw *r)
{
  if (!g_str_has_prefix (r->in->str, "HTTP/1.1 ") || r->in->len < 12)
    return 0;
  return (guint)g_ascii_strtoull (r->in->str + 9, NULL, 10);
}

static void
write_file (const char *dir, const char *rel, const char *contents)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  g_assert_no_error (error);
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

static void
handle_api (LcRequest *req, gpointer user_data)
{
  lc_request_respond_text (req, 200, NULL, "api");
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *base = g_dir_make_tmp ("lc-static-XXXXXX", &error);
  g_autofree char *link = NULL;
  g_autofree char *inner_link = NULL;
  g_autofree char *dir_link = NULL;
  g_autofree char *secret = NULL;
  LcHttpLimits limits;

  g_assert_no_error (error);
  f->root = g_build_filename (base, "web", NULL);
  f->outside = g_build_filename (base, "outside", NULL);
  write_file (f->outside, "secret.txt", "top secret");
  write_file (f->root, "index.html", "<!doctype html><title>home</title>");
  write_file (f->root, "css/site.css", "body{}");
  write_file (f->root, "app.js", "export {};");
  write_file (f->root, "mod.mjs", "export {};");
  write_file (f->root, "data.json", "{}");
  write_file (f->root, "img.svg", "<svg/>");
  write_file (f->root, "a.png", "png");
  write_file (f->root, "b.jpg", "jpg");
  write_file (f->root, "c.webp", "webp");
  write_file (f->root, "favicon.ico", "ico");
  write_file (f->root, "f.woff2", "woff2");
  write_file (f->root, "notes.txt", "notes");
  write_file (f->root, "app.js.map", "{}");
  write_file (f->root, "live/index.m3u8", "#EXTM3U\n");
  write_file (f->root, "live/seg0.ts", "ts");
  write_file (f->root, "v.mp4", "mp4");
  write_file (f->root, "blob.xyz", "?");
  write_file (f->root, "empty.txt", "");
  write_file (f->root, "sub/index.html", "<p>sub</p>");
  write_file (f->root, ".hidden", "hidden");
  write_file (f->root, "api/file.txt", "not served: /api/ is for routes");

  /* Symlinks: one pointing out of the root, one staying inside. */
  secret = g_build_filename (f->outside, "secret.txt", NULL);
  link = g_build_filename (f->root, "escape.txt", NULL);
  g_assert_cmpint (symlink (secret, link), ==, 0);
  dir_link = g_build_filename (f->root, "outdir", NULL);
  g_assert_cmpint (symlink (f->outside, dir_link), ==, 0);
  inner_link = g_build_filename (f->root, "style.css", NULL);
  g_assert_cmpint (symlink ("css/site.css", inner_link), ==, 0);

  lc_http_limits_init_default (&limits);
  limits.log_requests = FALSE;
  f->server = lc_http_server_new (&limits);
  lc_http_server_set_static_root (f->server, f->root);
  lc_http_server_add_route (f->server, "GET", "/api/thing", handle_api, f);
  g_assert_true (lc_http_server_listen (f->server, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  f->port = lc_http_server_get_port (f->server);
  f->session = new_session ();
}

static gboolean
no_connections (gpointer data)
{
  return lc_http_server_get_connection_count (((Fixture *)data)->server) == 0;
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *base = g_path_get_dirname (f->root);

  soup_session_abort (f->session);
  g_clear_object (&f->session);
  wait_for (no_connections, f, 5000);
  g_assert_finalize_object (f->server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  remove_tree (base);
  g_free (f->root);
  g_free (f->outside);
}

/* A raw GET: the path goes out exactly as written (no client normalisation). */
static guint
raw_get (Fixture *f, const char *path, GString *response)
{
  g_autoptr (Raw) r = raw_connect (f->port);
  g_autofree char *request = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: t\r\n"
                                              "Connection: close\r\n\r\n",
                                              path);

  raw_queue_str (r, request);
  g_assert_true (raw_pump (r, raw_is_closed, 5000));
  if (response != NULL)
    g_string_assign (response, r->in->str);
  return raw_status (r);
}

/* ---- tests ---- */

static void
test_mime_types (Fixture *f, gconstpointer data)
{
  static const struct
  {
    const char *path;
    const char *type;
  } cases[] = {
    { "/index.html", "text/html; charset=utf-8" },
    { "/css/site.css", "text/css; charset=utf-8" },
    { "/app.js", "text/javascript; charset=utf-8" },
    { "/mod.mjs", "text/javascript; charset=utf-8" },
    { "/data.json", "application/json" },
    { "/img.svg", "image/svg+xml" },
    { "/a.png", "image/png" },
    { "/b.jpg", "image/jpeg" },
    { "/c.webp", "image/webp" },
    { "/favicon.ico", "image/vnd.microsoft.icon" },
    { "/f.woff2", "font/woff2" },
    { "/notes.txt", "text/plain; charset=utf-8" },
    { "/app.js.map", "application/json" },
    { "/live/index.m3u8", "application/vnd.apple.mpegurl" },
    { "/live/seg0.ts", "video/mp2t" },
    { "/v.mp4", "video/mp4" },
    { "/blob.xyz", "application/octet-stream" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (Result) r = HTTP (f, "GET", cases[i].path);

      g_assert_cmpuint (status_of (r), ==, 200);
      g_assert_cmpstr (header_of (r, "Content-Type"), ==, cases[i].type);
      g_assert_cmpstr (header_of (r, "X-Content-Type-Options"), ==, "nosniff");
    }

  g_assert_cmpstr (lc_static_mime_type ("a/B.HTML"), ==, "text/html; charset=utf-8");
  g_assert_cmpstr (lc_static_mime_type ("noext"), ==, "application/octet-stream");
  g_assert_cmpstr (lc_static_mime_type (".bashrc"), ==, "application/octet-stream");
}

static void
test_content_and_cache (Fixture *f, gconstpointer data)
{
  g_autoptr (Result) css = HTTP (f, "GET", "/css/site.css");
  g_autoptr (Result) html = HTTP (f, "GET", "/index.html");
  g_autoptr (Result) empty = HTTP (f, "GET", "/empty.txt");
  g_autofree char *text = body_text (css);

  g_assert_cmpstr (text, ==, "body{}");
  g_assert_cmpstr (header_of (css, "Cache-Control"), ==, "public, max-age=3600");
  g_assert_cmpstr (header_of (html, "Cache-Control"), ==, "no-cache");
  /* Pages carry a strict Content-Security-Policy (no inline script, nothing
   * from elsewhere); other files do not need one. */
  g_assert_nonnull (header_of (html, "Content-Security-Policy"));
  g_assert_nonnull (strstr (header_of (html, "Content-Security-Policy"), "default-src 'self'"));
  g_assert_null (strstr (header_of (html, "Content-Security-Policy"), "unsafe-inline"));
  g_assert_null (header_of (css, "Content-Security-Policy"));
  g_assert_nonnull (header_of (css, "ETag"));
  g_assert_nonnull (header_of (css, "Last-Modified"));
  g_assert_cmpuint (status_of (empty), ==, 200);
  g_assert_cmpstr (header_of (empty, "Content-Length"), ==, "0");
}

static void
test_etag (Fixture *f, gconstpointer data)
{
  g_autoptr (Result) first = HTTP (f, "GET", "/app.js");
  g_autofree char *etag = g_strdup (header_of (first, "ETag"));
  g_autofree char *weak = g_strdup_printf ("W/%s", etag);
  g_autofree char *listed = g_strdup_printf ("\"nope\", %s", etag);
  g_autoptr (Result) same = NULL;
  g_autoptr (Result) weak_same = NULL;
  g_autoptr (Result) in_list = NULL;
  g_autoptr (Result) star = NULL;
  g_autoptr (Result) other = NULL;
  g_autoptr (Result) other_file = NULL;

  g_assert_cmpuint (status_of (first), ==, 200);
  g_assert_true (g_str_has_prefix (etag, "\"") && g_str_has_suffix (etag, "\""));

  same = http_finish (http_start (f, "GET", "/app.js", NULL, NULL, "If-None-Match", etag, NULL));
  g_assert_cmpuint (status_of (same), ==, 304);
  g_assert_cmpuint (g_bytes_get_size (same->body), ==, 0);
  g_assert_cmpstr (header_of (same, "ETag"), ==, etag);

  weak_same
      = http_finish (http_start (f, "GET", "/app.js", NULL, NULL, "If-None-Match", weak, NULL));
  g_assert_cmpuint (status_of (weak_same), ==, 304);
  in_list
      = http_finish (http_start (f, "GET", "/app.js", NULL, NULL, "If-None-Match", listed, NULL));
  g_assert_cmpuint (status_of (in_list), ==, 304);
  star = http_finish (http_start (f, "GET", "/app.js", NULL, NULL, "If-None-Match", "*", NULL));
  g_assert_cmpuint (status_of (star), ==, 304);
  other = http_finish (
      http_start (f, "GET", "/app.js", NULL, NULL, "If-None-Match", "\"other\"", NULL));
  g_assert_cmpuint (status_of (other), ==, 200);

  /* Another file has another validator. */
  other_file = HTTP (f, "GET", "/mod.mjs");
  g_assert_cmpstr (header_of (other_file, "ETag"), !=, etag);
}

static void
test_etag_changes (Fixture *f, gconstpointer data)
{
  g_autoptr (Result) before = HTTP (f, "GET", "/notes.txt");
  g_autofree char *etag = g_strdup (header_of (before, "ETag"));
  g_autoptr (Result) after = NULL;
  g_autofree char *text = NULL;

  write_file (f->root, "notes.txt", "notes, edited");
  after
      = http_finish (http_start (f, "GET", "/notes.txt", NULL, NULL, "If-None-Match", etag, NULL));
  g_assert_cmpuint (status_of (after), ==, 200);
  text = body_text (after);
  g_assert_cmpstr (text, ==, "notes, edited");
  g_assert_cmpstr (header_of (after, "ETag"), !=, etag);
}

static void
test_last_modified (Fixture *f, gconstpointer data)
{
  g_autoptr (Result) first = HTTP (f, "GET", "/a.png");
  const char *last_modified = header_of (first, "Last-Modified");
  g_autoptr (Result) same = NULL;
  g_autoptr (Result) older = NULL;
  g_autoptr (Result) garbage = NULL;
  g_autoptr (Result) etag_wins = NULL;

  g_assert_nonnull (last_modified);
  same = http_finish (
      http_start (f, "GET", "/a.png", NULL, NULL, "If-Modified-Since", last_modified, NULL));
  g_assert_cmpuint (status_of (same), ==, 304);
  older = http_finish (http_start (f, "GET", "/a.png", NULL, NULL, "If-Modified-Since",
                                   "Sat, 01 Jan 2000 00:00:00 GMT", NULL));
  g_assert_cmpuint (status_of (older), ==, 200);
  garbage = http_finish (
      http_start (f, "GET", "/a.png", NULL, NULL, "If-Modified-Since", "yesterday", NULL));
  g_assert_cmpuint (status_of (garbage), ==, 200);
  /* If-None-Match takes precedence over If-Modified-Since. */
  etag_wins = http_finish (http_start (f, "GET", "/a.png", NULL, NULL, "If-Modified-Since",
                                       last_modified, "If-None-Match", "\"x\"", NULL));
  g_assert_cmpuint (status_of (etag_wins), ==, 200);
}

static void
test_traversal (Fixture *f, gconstpointer data)
{
  static const char *attempts[] = {
    "/../outside/secret.txt",
    "/%2e%2e/outside/secret.txt",
    "/%2E%2E/%2E%2E/etc/passwd",
    "/css/..%2f..%2foutside/secret.txt",
    "/css/%2e%2e%2f%2e%2e%2foutside/secret.txt",
    "/..%5c..%5coutside%5csecret.txt",
    "/index.html%00.png",
    "/%00",
    "/escape.txt",
    "/outdir/secret.txt",
    "/.hidden",
    "/css/.%2e/.%2e/.%2e/outside/secret.txt",
    "/%ff%fe",
    "/%zz",
  };
  g_autoptr (GString) response = g_string_new (NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (attempts); i++)
    {
      guint status = raw_get (f, attempts[i], response);

      /* libsoup itself answers 400 to a URL it cannot parse ("%zz"). */
      if (status != 404 && !(status == 400 && strstr (attempts[i], "%zz") != NULL))
        g_error ("%s: status %u, expected 404", attempts[i], status);
      g_assert_null (strstr (response->str, "top secret"));
      g_assert_null (strstr (response->str, "hidden\r"));
    }

  /* A symlink that stays inside the root is served. */
  g_assert_cmpuint (raw_get (f, "/style.css", response), ==, 200);
  g_assert_nonnull (strstr (response->str, "body{}"));
}

static void
test_index (Fixture *f, gconstpointer data)
{
  g_autoptr (Result) root = HTTP (f, "GET", "/");
  g_autoptr (Result) sub = HTTP (f, "GET", "/sub/");
  g_autoptr (GString) response = g_string_new (NULL);
  g_autofree char *root_text = body_text (root);
  g_autofree char *sub_text = body_text (sub);

  g_assert_cmpuint (status_of (root), ==, 200);
  g_assert_cmpstr (root_text, ==, "<!doctype html><title>home</title>");
  g_assert_cmpstr (header_of (root, "Content-Type"), ==, "text/html; charset=utf-8");
  g_assert_cmpuint (status_of (sub), ==, 200);
  g_assert_cmpstr (sub_text, ==, "<p>sub</p>");

  /* A directory without the slash redirects (relative links need it). */
  g_assert_cmpuint (raw_get (f, "/sub", response), ==, 301);
  g_assert_nonnull (strstr (response->str, "\r\nLocation: /sub/\r\n"));
  g_assert_cmpuint (raw_get (f, "/sub?x=1", response), ==, 301);
  g_assert_nonnull (strstr (response->str, "\r\nLocation: /sub/?x=1\r\n"));
  /* "//host" style paths never become an off-site Location. */
  g_assert_cmpuint (raw_get (f, "//sub", response), ==, 301);
  g_assert_nonnull (strstr (response->str, "\r\nLocation: /sub/\r\n"));
  /* A directory without index.html is not listed. */
  g_assert_cmpuint (raw_get (f, "/live/", response), ==, 404);
}

static void
test_head (Fixture *f, gconstpointer data)
{
  g_autoptr (Result) head = HTTP (f, "HEAD", "/app.js");
  g_autoptr (Result) missing = HTTP (f, "HEAD", "/nope.js");

  g_assert_cmpuint (status_of (head), ==, 200);
  g_assert_cmpuint (g_bytes_get_size (head->body), ==, 0);
  g_assert_cmpstr (header_of (head, "Content-Length"), ==, "10");
  g_assert_cmpstr (header_of (head, "Content-Type"), ==, "text/javascript; charset=utf-8");
  g_assert_nonnull (header_of (head, "ETag"));
  g_assert_cmpuint (status_of (missing), ==, 404);
}

static void
test_methods_and_api (Fixture *f, gconstpointer data)
{
  g_autoptr (Result) post = HTTP (f, "POST", "/index.html");
  g_autoptr (Result) options = HTTP (f, "OPTIONS", "/index.html");
  g_autoptr (Result) api = HTTP (f, "GET", "/api/thing");
  g_autoptr (Result) api_missing = HTTP (f, "GET", "/api/file.txt");
  g_autoptr (Result) missing = HTTP (f, "GET", "/nope.html");

  g_assert_cmpuint (status_of (post), ==, 405);
  g_assert_cmpstr (header_of (post, "Allow"), ==, "GET, HEAD");
  g_assert_cmpuint (status_of (options), ==, 204);
  g_assert_cmpstr (header_of (options, "Allow"), ==, "GET, HEAD");
  g_assert_cmpuint (status_of (api), ==, 200);
  /* /api/ never falls back to files. */
  g_assert_cmpuint (status_of (api_missing), ==, 404);
  g_assert_cmpstr (header_of (api_missing, "Content-Type"), ==, "application/problem+json");
  g_assert_cmpuint (status_of (missing), ==, 404);
  g_assert_cmpstr (header_of (missing, "Content-Type"), ==, "application/problem+json");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/http/static/mime-types", test_mime_types);
  ADD ("/http/static/content-and-cache", test_content_and_cache);
  ADD ("/http/static/etag", test_etag);
  ADD ("/http/static/etag-changes", test_etag_changes);
  ADD ("/http/static/last-modified", test_last_modified);
  ADD ("/http/static/traversal", test_traversal);
  ADD ("/http/static/index", test_index);
  ADD ("/http/static/head", test_head);
  ADD ("/http/static/methods-and-api", test_methods_and_api);

  return g_test_run ();
}
