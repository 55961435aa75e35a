/* test-static.c — static files from a temporary web root through
 * LcHttpServer: MIME types, ETag / Last-Modified and 304s, index.html and the
 * directory redirect, HEAD, and no way out of the root (encoded "..", NUL,
 * backslashes, hidden files, symlinks pointing outside). */
#include <string.h>
#include <unistd.h>

#include "signaling/lc-http-private.h"
#include "lc-test-fs.h"
#include "lc-test-net.h"

/* ---- the server under test ---- */

typedef struct
{
  LcTestHttp http;
  char *root;    /* the web root */
  char *outside; /* a directory next to it, with a secret */
} Fixture;

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
handle_api (LcRequest *req, gpointer user_data)
{
  lc_request_respond_text (req, 200, NULL, "api");
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autofree char *base = lc_test_fs_make_tmp_dir ("lc-static-XXXXXX");
  g_autofree char *link = NULL;
  g_autofree char *inner_link = NULL;
  g_autofree char *dir_link = NULL;
  g_autofree char *secret = NULL;
  LcHttpLimits limits;

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
  f->http.server = lc_http_server_new (&limits);
  lc_http_server_set_static_root (f->http.server, f->root);
  lc_http_server_add_route (f->http.server, "GET", "/api/thing", handle_api, f);
  lc_test_http_listen (&f->http);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *base = g_path_get_dirname (f->root);

  lc_test_http_close_session (&f->http);
  lc_test_http_wait_no_connections (&f->http, 5000);
  lc_test_http_finalize (&f->http);
  lc_test_fs_remove_tree (base, NULL);
  g_free (f->root);
  g_free (f->outside);
}

/* A raw GET: the path goes out exactly as written (no client normalisation). */
static guint
raw_get (Fixture *f, const char *path, GString *response)
{
  g_autoptr (LcTestRaw) r = lc_test_raw_connect (f->http.port);
  g_autofree char *request = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: t\r\n"
                                              "Connection: close\r\n\r\n",
                                              path);

  lc_test_raw_queue_str (r, request);
  g_assert_true (lc_test_raw_pump (r, lc_test_raw_is_closed, 5000));
  if (response != NULL)
    g_string_assign (response, r->in->str);
  /* Only an HTTP/1.1 answer counts here. */
  return g_str_has_prefix (r->in->str, "HTTP/1.1 ") ? lc_test_raw_status (r) : 0;
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
      g_autoptr (LcTestHttpResult) r = LC_TEST_HTTP (&f->http, "GET", cases[i].path);

      g_assert_cmpuint (lc_test_http_status (r), ==, 200);
      g_assert_cmpstr (lc_test_http_header (r, "Content-Type"), ==, cases[i].type);
      g_assert_cmpstr (lc_test_http_header (r, "X-Content-Type-Options"), ==, "nosniff");
    }

  g_assert_cmpstr (lc_static_mime_type ("a/B.HTML"), ==, "text/html; charset=utf-8");
  g_assert_cmpstr (lc_static_mime_type ("noext"), ==, "application/octet-stream");
  g_assert_cmpstr (lc_static_mime_type (".bashrc"), ==, "application/octet-stream");
}

static void
test_content_and_cache (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestHttpResult) css = LC_TEST_HTTP (&f->http, "GET", "/css/site.css");
  g_autoptr (LcTestHttpResult) html = LC_TEST_HTTP (&f->http, "GET", "/index.html");
  g_autoptr (LcTestHttpResult) empty = LC_TEST_HTTP (&f->http, "GET", "/empty.txt");
  g_autofree char *text = lc_test_http_text (css);

  g_assert_cmpstr (text, ==, "body{}");
  g_assert_cmpstr (lc_test_http_header (css, "Cache-Control"), ==, "public, max-age=3600");
  g_assert_cmpstr (lc_test_http_header (html, "Cache-Control"), ==, "no-cache");
  /* Pages carry a strict Content-Security-Policy (no inline script, nothing
   * from elsewhere); other files do not need one. */
  g_assert_nonnull (lc_test_http_header (html, "Content-Security-Policy"));
  g_assert_nonnull (
      strstr (lc_test_http_header (html, "Content-Security-Policy"), "default-src 'self'"));
  g_assert_null (strstr (lc_test_http_header (html, "Content-Security-Policy"), "unsafe-inline"));
  g_assert_null (lc_test_http_header (css, "Content-Security-Policy"));
  g_assert_nonnull (lc_test_http_header (css, "ETag"));
  g_assert_nonnull (lc_test_http_header (css, "Last-Modified"));
  g_assert_cmpuint (lc_test_http_status (empty), ==, 200);
  g_assert_cmpstr (lc_test_http_header (empty, "Content-Length"), ==, "0");
}

static void
test_etag (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestHttpResult) first = LC_TEST_HTTP (&f->http, "GET", "/app.js");
  g_autofree char *etag = g_strdup (lc_test_http_header (first, "ETag"));
  g_autofree char *weak = g_strdup_printf ("W/%s", etag);
  g_autofree char *listed = g_strdup_printf ("\"nope\", %s", etag);
  g_autoptr (LcTestHttpResult) same = NULL;
  g_autoptr (LcTestHttpResult) weak_same = NULL;
  g_autoptr (LcTestHttpResult) in_list = NULL;
  g_autoptr (LcTestHttpResult) star = NULL;
  g_autoptr (LcTestHttpResult) other = NULL;
  g_autoptr (LcTestHttpResult) other_file = NULL;

  g_assert_cmpuint (lc_test_http_status (first), ==, 200);
  g_assert_true (g_str_has_prefix (etag, "\"") && g_str_has_suffix (etag, "\""));

  same = lc_test_http_finish (
      lc_test_http_begin (&f->http, "GET", "/app.js", NULL, NULL, "If-None-Match", etag, NULL));
  g_assert_cmpuint (lc_test_http_status (same), ==, 304);
  g_assert_cmpuint (g_bytes_get_size (same->body), ==, 0);
  g_assert_cmpstr (lc_test_http_header (same, "ETag"), ==, etag);

  weak_same = lc_test_http_finish (
      lc_test_http_begin (&f->http, "GET", "/app.js", NULL, NULL, "If-None-Match", weak, NULL));
  g_assert_cmpuint (lc_test_http_status (weak_same), ==, 304);
  in_list = lc_test_http_finish (
      lc_test_http_begin (&f->http, "GET", "/app.js", NULL, NULL, "If-None-Match", listed, NULL));
  g_assert_cmpuint (lc_test_http_status (in_list), ==, 304);
  star = lc_test_http_finish (
      lc_test_http_begin (&f->http, "GET", "/app.js", NULL, NULL, "If-None-Match", "*", NULL));
  g_assert_cmpuint (lc_test_http_status (star), ==, 304);
  other = lc_test_http_finish (lc_test_http_begin (&f->http, "GET", "/app.js", NULL, NULL,
                                                   "If-None-Match", "\"other\"", NULL));
  g_assert_cmpuint (lc_test_http_status (other), ==, 200);

  /* Another file has another validator. */
  other_file = LC_TEST_HTTP (&f->http, "GET", "/mod.mjs");
  g_assert_cmpstr (lc_test_http_header (other_file, "ETag"), !=, etag);
}

static void
test_etag_changes (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestHttpResult) before = LC_TEST_HTTP (&f->http, "GET", "/notes.txt");
  g_autofree char *etag = g_strdup (lc_test_http_header (before, "ETag"));
  g_autoptr (LcTestHttpResult) after = NULL;
  g_autofree char *text = NULL;

  write_file (f->root, "notes.txt", "notes, edited");
  after = lc_test_http_finish (
      lc_test_http_begin (&f->http, "GET", "/notes.txt", NULL, NULL, "If-None-Match", etag, NULL));
  g_assert_cmpuint (lc_test_http_status (after), ==, 200);
  text = lc_test_http_text (after);
  g_assert_cmpstr (text, ==, "notes, edited");
  g_assert_cmpstr (lc_test_http_header (after, "ETag"), !=, etag);
}

static void
test_last_modified (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestHttpResult) first = LC_TEST_HTTP (&f->http, "GET", "/a.png");
  const char *last_modified = lc_test_http_header (first, "Last-Modified");
  g_autoptr (LcTestHttpResult) same = NULL;
  g_autoptr (LcTestHttpResult) older = NULL;
  g_autoptr (LcTestHttpResult) garbage = NULL;
  g_autoptr (LcTestHttpResult) etag_wins = NULL;

  g_assert_nonnull (last_modified);
  same = lc_test_http_finish (lc_test_http_begin (&f->http, "GET", "/a.png", NULL, NULL,
                                                  "If-Modified-Since", last_modified, NULL));
  g_assert_cmpuint (lc_test_http_status (same), ==, 304);
  older = lc_test_http_finish (lc_test_http_begin (&f->http, "GET", "/a.png", NULL, NULL,
                                                   "If-Modified-Since",
                                                   "Sat, 01 Jan 2000 00:00:00 GMT", NULL));
  g_assert_cmpuint (lc_test_http_status (older), ==, 200);
  garbage = lc_test_http_finish (lc_test_http_begin (&f->http, "GET", "/a.png", NULL, NULL,
                                                     "If-Modified-Since", "yesterday", NULL));
  g_assert_cmpuint (lc_test_http_status (garbage), ==, 200);
  /* If-None-Match takes precedence over If-Modified-Since. */
  etag_wins = lc_test_http_finish (lc_test_http_begin (&f->http, "GET", "/a.png", NULL, NULL,
                                                       "If-Modified-Since", last_modified,
                                                       "If-None-Match", "\"x\"", NULL));
  g_assert_cmpuint (lc_test_http_status (etag_wins), ==, 200);
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
  g_autoptr (LcTestHttpResult) root = LC_TEST_HTTP (&f->http, "GET", "/");
  g_autoptr (LcTestHttpResult) sub = LC_TEST_HTTP (&f->http, "GET", "/sub/");
  g_autoptr (GString) response = g_string_new (NULL);
  g_autofree char *root_text = lc_test_http_text (root);
  g_autofree char *sub_text = lc_test_http_text (sub);

  g_assert_cmpuint (lc_test_http_status (root), ==, 200);
  g_assert_cmpstr (root_text, ==, "<!doctype html><title>home</title>");
  g_assert_cmpstr (lc_test_http_header (root, "Content-Type"), ==, "text/html; charset=utf-8");
  g_assert_cmpuint (lc_test_http_status (sub), ==, 200);
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
  g_autoptr (LcTestHttpResult) head = LC_TEST_HTTP (&f->http, "HEAD", "/app.js");
  g_autoptr (LcTestHttpResult) missing = LC_TEST_HTTP (&f->http, "HEAD", "/nope.js");

  g_assert_cmpuint (lc_test_http_status (head), ==, 200);
  g_assert_cmpuint (g_bytes_get_size (head->body), ==, 0);
  g_assert_cmpstr (lc_test_http_header (head, "Content-Length"), ==, "10");
  g_assert_cmpstr (lc_test_http_header (head, "Content-Type"), ==,
                   "text/javascript; charset=utf-8");
  g_assert_nonnull (lc_test_http_header (head, "ETag"));
  g_assert_cmpuint (lc_test_http_status (missing), ==, 404);
}

static void
test_methods_and_api (Fixture *f, gconstpointer data)
{
  g_autoptr (LcTestHttpResult) post = LC_TEST_HTTP (&f->http, "POST", "/index.html");
  g_autoptr (LcTestHttpResult) options = LC_TEST_HTTP (&f->http, "OPTIONS", "/index.html");
  g_autoptr (LcTestHttpResult) api = LC_TEST_HTTP (&f->http, "GET", "/api/thing");
  g_autoptr (LcTestHttpResult) api_missing = LC_TEST_HTTP (&f->http, "GET", "/api/file.txt");
  g_autoptr (LcTestHttpResult) missing = LC_TEST_HTTP (&f->http, "GET", "/nope.html");

  g_assert_cmpuint (lc_test_http_status (post), ==, 405);
  g_assert_cmpstr (lc_test_http_header (post, "Allow"), ==, "GET, HEAD");
  g_assert_cmpuint (lc_test_http_status (options), ==, 204);
  g_assert_cmpstr (lc_test_http_header (options, "Allow"), ==, "GET, HEAD");
  g_assert_cmpuint (lc_test_http_status (api), ==, 200);
  /* /api/ never falls back to files. */
  g_assert_cmpuint (lc_test_http_status (api_missing), ==, 404);
  g_assert_cmpstr (lc_test_http_header (api_missing, "Content-Type"), ==,
                   "application/problem+json");
  g_assert_cmpuint (lc_test_http_status (missing), ==, 404);
  g_assert_cmpstr (lc_test_http_header (missing, "Content-Type"), ==, "application/problem+json");
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
