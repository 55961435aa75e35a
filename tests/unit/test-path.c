/* test-path.c — URL path sanitising (encoding, traversal, hidden files,
 * limits) and resolution below a root with symlinks (common/lc-path). */
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/lc-error.h"
#include "common/lc-path.h"
#include "lc-test-fs.h"

static void
assert_sanitized (const char *url_path, const char *expected)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *escaped = g_strescape (url_path, NULL);
  g_autofree char *rel = NULL;

  g_test_message ("accepting \"%s\"", escaped);
  rel = lc_path_sanitize (url_path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (rel, ==, expected);
  g_assert_false (g_path_is_absolute (rel));
}

static void
assert_rejected (const char *url_path, LcErrorCode code)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *shown = g_strndup (url_path, 80);
  g_autofree char *escaped = g_strescape (shown, NULL);
  g_autofree char *rel = NULL;

  g_test_message ("rejecting \"%s\"", escaped);
  rel = lc_path_sanitize (url_path, &error);
  g_assert_null (rel);
  g_assert_error (error, LC_ERROR, (int)code);
}

static void
test_sanitize_plain (void)
{
  assert_sanitized ("/", "");
  assert_sanitized ("", "");
  assert_sanitized ("///", "");
  assert_sanitized ("/index.html", "index.html");
  assert_sanitized ("/a/b.css", "a/b.css");
  assert_sanitized ("a/b.css", "a/b.css");
  assert_sanitized ("/a//b/", "a/b");
  assert_sanitized ("/css/a%20b.css", "css/a b.css");
  assert_sanitized ("/a+b", "a+b");
  assert_sanitized ("/caf%C3%A9.html", "café.html");
  assert_sanitized ("/caf%c3%a9.html", "café.html");
  assert_sanitized ("/уроки/расписание.html", "уроки/расписание.html");
  assert_sanitized ("/a%2fb", "a/b"); /* an encoded slash is just a slash */
  assert_sanitized ("/a..b/c...d", "a..b/c...d");
}

static void
test_sanitize_absolute (void)
{
  /* A doubled slash must never turn into an absolute path. */
  assert_sanitized ("//etc/passwd", "etc/passwd");
  assert_sanitized ("/%2Fetc/passwd", "etc/passwd");
  assert_sanitized ("/%2f%2fetc/passwd", "etc/passwd");
}

static void
test_sanitize_traversal (void)
{
  assert_rejected ("/..", LC_ERROR_NOT_FOUND);
  assert_rejected ("/../etc/passwd", LC_ERROR_NOT_FOUND);
  assert_rejected ("/a/../../b", LC_ERROR_NOT_FOUND);
  assert_rejected ("%2e%2e/", LC_ERROR_NOT_FOUND);
  assert_rejected ("/%2E%2E/etc/passwd", LC_ERROR_NOT_FOUND);
  assert_rejected ("/..%2f", LC_ERROR_NOT_FOUND);
  assert_rejected ("/..%2fetc%2fpasswd", LC_ERROR_NOT_FOUND);
  assert_rejected ("/a/%2e%2e%2f%2e%2e%2fb", LC_ERROR_NOT_FOUND);
  assert_rejected ("/.%2e/x", LC_ERROR_NOT_FOUND);
  assert_rejected ("/a\\b", LC_ERROR_NOT_FOUND);
  assert_rejected ("/..\\..\\windows", LC_ERROR_NOT_FOUND);
  assert_rejected ("/a%5cb", LC_ERROR_NOT_FOUND);
  assert_rejected ("/a%5C..%5C..%5Cb", LC_ERROR_NOT_FOUND);
}

static void
test_sanitize_hidden (void)
{
  assert_rejected ("/.git/config", LC_ERROR_NOT_FOUND);
  assert_rejected ("/.env", LC_ERROR_NOT_FOUND);
  assert_rejected ("/a/.htpasswd", LC_ERROR_NOT_FOUND);
  assert_rejected ("/%2egit/config", LC_ERROR_NOT_FOUND);
  assert_rejected ("/./index.html", LC_ERROR_NOT_FOUND);
  assert_rejected ("/.", LC_ERROR_NOT_FOUND);
}

static void
test_sanitize_encoding (void)
{
  assert_rejected ("/%00", LC_ERROR_MALFORMED);
  assert_rejected ("/index.html%00.png", LC_ERROR_MALFORMED);
  assert_rejected ("/a%0ab", LC_ERROR_MALFORMED);
  assert_rejected ("/a%0D%0AX-Injected: 1", LC_ERROR_MALFORMED);
  assert_rejected ("/a%7f", LC_ERROR_MALFORMED);
  assert_rejected ("/a\tb", LC_ERROR_MALFORMED);
  assert_rejected ("/a\x01", LC_ERROR_MALFORMED);
  assert_rejected ("/%zz", LC_ERROR_MALFORMED);
  assert_rejected ("/%", LC_ERROR_MALFORMED);
  assert_rejected ("/%2", LC_ERROR_MALFORMED);
  assert_rejected ("/a%g0", LC_ERROR_MALFORMED);
  assert_rejected ("/%%32%65", LC_ERROR_MALFORMED); /* no double decoding */
  assert_rejected ("/%c3", LC_ERROR_MALFORMED);     /* truncated UTF-8 */
  assert_rejected ("/%ff%fe", LC_ERROR_MALFORMED);
  assert_rejected ("/\xc3", LC_ERROR_MALFORMED);
  assert_rejected ("/%c0%ae%c0%ae/etc", LC_ERROR_MALFORMED); /* overlong "." */
  assert_rejected ("/%ed%a0%80", LC_ERROR_MALFORMED);        /* UTF-16 surrogate */

  /* A literal "%25" stays a percent sign, decoded once. */
  assert_sanitized ("/100%25.html", "100%.html");
  assert_sanitized ("/%252e%252e/x", "%2e%2e/x");
}

static void
test_sanitize_long (void)
{
  g_autofree char *segment_255 = g_strnfill (255, 'a');
  g_autofree char *segment_256 = g_strnfill (256, 'a');
  g_autofree char *url_255 = g_strconcat ("/", segment_255, NULL);
  g_autofree char *url_256 = g_strconcat ("/", segment_256, NULL);
  g_autofree char *huge = g_strnfill (100000, 'a');
  g_autoptr (GString) deep = g_string_new (NULL);
  g_autoptr (GString) slashes = g_string_new (NULL);
  int i;

  assert_sanitized (url_255, segment_255);
  assert_rejected (url_256, LC_ERROR_NOT_FOUND);
  assert_rejected (huge, LC_ERROR_NOT_FOUND);

  /* Many short segments: 2 bytes each, over the decoded limit. */
  for (i = 0; i < 600; i++)
    g_string_append (deep, "/a");
  assert_rejected (deep->str, LC_ERROR_NOT_FOUND);

  /* Thousands of empty segments collapse to nothing. */
  for (i = 0; i < 4000; i++)
    g_string_append_c (slashes, '/');
  g_string_append (slashes, "x");
  assert_sanitized (slashes->str, "x");
}

/* A temporary web root and a sibling "outside" directory, both removed at teardown. */
typedef struct
{
  char *base;    /* temporary directory holding both */
  char *root;    /* base/web */
  char *outside; /* base/web2: its name shares a prefix with root */
} RootFixture;

static void
write_file (const char *path, const char *contents)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  g_assert_no_error (error);
}

static void
make_symlink (const char *target, const char *dir, const char *name)
{
  g_autofree char *link_path = g_build_filename (dir, name, NULL);

  g_assert_cmpint (symlink (target, link_path), ==, 0);
}

static void
root_setup (RootFixture *fx, gconstpointer data)
{
  g_autofree char *css = NULL;
  g_autofree char *file = NULL;

  fx->base = lc_test_fs_make_tmp_dir ("lc-path-XXXXXX");
  fx->root = g_build_filename (fx->base, "web", NULL);
  fx->outside = g_build_filename (fx->base, "web2", NULL);
  css = g_build_filename (fx->root, "css", NULL);
  g_assert_cmpint (g_mkdir_with_parents (css, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (fx->outside, 0700), ==, 0);

  file = g_build_filename (fx->root, "index.html", NULL);
  write_file (file, "<!doctype html>");
  g_clear_pointer (&file, g_free);
  file = g_build_filename (css, "site.css", NULL);
  write_file (file, "body {}");
  g_clear_pointer (&file, g_free);
  file = g_build_filename (fx->outside, "secret.txt", NULL);
  write_file (file, "secret");
  g_clear_pointer (&file, g_free);
  file = g_build_filename (fx->base, "top-secret.txt", NULL);
  write_file (file, "secret");

  make_symlink ("css/site.css", fx->root, "inside-link.css");        /* relative, inside */
  make_symlink ("../web2/secret.txt", fx->root, "outside-link.txt"); /* prefix trick */
  make_symlink ("../top-secret.txt", fx->root, "up-link.txt");
  make_symlink ("/etc/passwd", fx->root, "passwd");
  make_symlink ("../web2", fx->root, "outdir"); /* a directory */
  make_symlink ("..", css, "parent");           /* loops back: inside */
  make_symlink ("no-such-target", fx->root, "dangling");
}

static void
root_teardown (RootFixture *fx, gconstpointer data)
{
  lc_test_fs_assert_remove_tree (fx->base);
  g_free (fx->base);
  g_free (fx->root);
  g_free (fx->outside);
}

static char *
real (const char *path)
{
  char *resolved = realpath (path, NULL);
  char *copy;

  g_assert_nonnull (resolved);
  copy = g_strdup (resolved);
  free (resolved);
  return copy;
}

static void
assert_resolves (RootFixture *fx, const char *rel, const char *expected_below_root)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *root_real = real (fx->root);
  g_autofree char *expected = g_build_filename (root_real, expected_below_root, NULL);
  g_autofree char *path = lc_path_resolve_in_root (fx->root, rel, &error);

  g_test_message ("resolving %s", rel);
  g_assert_no_error (error);
  g_assert_cmpstr (path, ==, expected);
}

static void
assert_not_resolved (RootFixture *fx, const char *rel)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;

  g_test_message ("refusing %s", rel);
  path = lc_path_resolve_in_root (fx->root, rel, &error);
  g_assert_null (path);
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
}

static void
test_resolve_files (RootFixture *fx, gconstpointer data)
{
  assert_resolves (fx, "index.html", "index.html");
  assert_resolves (fx, "css/site.css", "css/site.css");
  assert_resolves (fx, "css", "css");
  assert_resolves (fx, "", "");
  assert_not_resolved (fx, "missing.html");
  assert_not_resolved (fx, "css/missing.css");
  assert_not_resolved (fx, "index.html/x");
}

static void
test_resolve_symlinks (RootFixture *fx, gconstpointer data)
{
  /* A link that stays inside is followed; the result is the real file. */
  assert_resolves (fx, "inside-link.css", "css/site.css");
  assert_resolves (fx, "css/parent/index.html", "index.html");

  /* Links that lead out of the root are refused, even to a sibling whose
   * name starts with the root's name (web → web2). */
  assert_not_resolved (fx, "outside-link.txt");
  assert_not_resolved (fx, "up-link.txt");
  assert_not_resolved (fx, "passwd");
  assert_not_resolved (fx, "outdir");
  assert_not_resolved (fx, "outdir/secret.txt");
  assert_not_resolved (fx, "dangling");
}

static void
test_resolve_unsanitized (RootFixture *fx, gconstpointer data)
{
  /* Even if a caller forgot lc_path_sanitize, nothing outside is returned. */
  assert_not_resolved (fx, "..");
  assert_not_resolved (fx, "../web2/secret.txt");
  assert_not_resolved (fx, "../top-secret.txt");
  assert_not_resolved (fx, "/etc/passwd");
  assert_not_resolved (fx, "css/../../top-secret.txt");
}

static void
test_resolve_absolute_rel (RootFixture *fx, gconstpointer data)
{
  g_autofree char *dir = g_build_filename (fx->root, "etc", NULL);
  g_autofree char *file = g_build_filename (dir, "passwd", NULL);

  /* Even when root/etc/passwd exists, an absolute rel is refused: rel must
   * come from lc_path_sanitize, which never returns one. */
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  write_file (file, "not the real one");
  assert_resolves (fx, "etc/passwd", "etc/passwd");
  assert_not_resolved (fx, "/etc/passwd");
  assert_not_resolved (fx, "//etc/passwd");
}

static void
test_resolve_root_via_symlink (RootFixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *link_root = g_build_filename (fx->base, "root-link", NULL);
  g_autofree char *root_real = real (fx->root);
  g_autofree char *expected = g_build_filename (root_real, "index.html", NULL);
  g_autofree char *path = NULL;
  g_autofree char *missing_root = g_build_filename (fx->base, "nope", NULL);

  make_symlink ("web", fx->base, "root-link");
  path = lc_path_resolve_in_root (link_root, "index.html", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (path, ==, expected);

  g_clear_pointer (&path, g_free);
  path = lc_path_resolve_in_root (missing_root, "index.html", &error);
  g_assert_null (path);
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
}

static void
test_sanitize_then_resolve (RootFixture *fx, gconstpointer data)
{
  static const char *const attacks[] = {
    "/%2e%2e/web2/secret.txt",
    "/..%2ftop-secret.txt",
    "/outside-link.txt",
    "//etc/passwd",
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (attacks); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *rel = lc_path_sanitize (attacks[i], &error);
      g_autofree char *path = NULL;

      if (rel != NULL)
        path = lc_path_resolve_in_root (fx->root, rel, &error);
      g_assert_null (path);
      g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/common/path/sanitize/plain", test_sanitize_plain);
  g_test_add_func ("/common/path/sanitize/absolute", test_sanitize_absolute);
  g_test_add_func ("/common/path/sanitize/traversal", test_sanitize_traversal);
  g_test_add_func ("/common/path/sanitize/hidden", test_sanitize_hidden);
  g_test_add_func ("/common/path/sanitize/encoding", test_sanitize_encoding);
  g_test_add_func ("/common/path/sanitize/long", test_sanitize_long);
  g_test_add ("/common/path/resolve/files", RootFixture, NULL, root_setup, test_resolve_files,
              root_teardown);
  g_test_add ("/common/path/resolve/symlinks", RootFixture, NULL, root_setup, test_resolve_symlinks,
              root_teardown);
  g_test_add ("/common/path/resolve/unsanitized", RootFixture, NULL, root_setup,
              test_resolve_unsanitized, root_teardown);
  g_test_add ("/common/path/resolve/absolute-rel", RootFixture, NULL, root_setup,
              test_resolve_absolute_rel, root_teardown);
  g_test_add ("/common/path/resolve/root-via-symlink", RootFixture, NULL, root_setup,
              test_resolve_root_via_symlink, root_teardown);
  g_test_add ("/common/path/sanitize-then-resolve", RootFixture, NULL, root_setup,
              test_sanitize_then_resolve, root_teardown);

  return g_test_run ();
}
