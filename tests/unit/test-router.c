/* test-router.c — the pure router: patterns, captures, rest captures,
 * precedence, method sets (405/Allow) and percent-decoding. */
#include <string.h>

#include "common/lc-error.h"
#include "signaling/lc-router.h"

static int tag_a, tag_b, tag_c, tag_d;

static LcRouter *
router_with (const char *const *routes, gpointer *tags)
{
  LcRouter *router = lc_router_new ();

  for (guint i = 0; routes[i] != NULL; i += 2)
    {
      g_autoptr (GError) error = NULL;

      g_assert_true (lc_router_add (router, routes[i], routes[i + 1], tags[i / 2], &error));
      g_assert_no_error (error);
    }
  return router;
}

/* Look up and return the status; fills the match for further checks. */
static LcRouteStatus
lookup (LcRouter *router, const char *method, const char *path, LcRouteMatch *match)
{
  lc_router_lookup (router, method, path, match);
  return match->status;
}

static void
test_literal (void)
{
  const char *routes[] = { "GET", "/a/b", "GET", "/", NULL };
  gpointer tags[] = { &tag_a, &tag_b };
  g_autoptr (LcRouter) router = router_with (routes, tags);
  LcRouteMatch m;

  g_assert_cmpint (lookup (router, "GET", "/a/b", &m), ==, LC_ROUTE_FOUND);
  g_assert_cmpstr (m.pattern, ==, "/a/b");
  g_assert_true (m.data == &tag_a);
  g_assert_cmpuint (g_hash_table_size (m.params), ==, 0);
  lc_route_match_clear (&m);

  g_assert_cmpint (lookup (router, "GET", "/", &m), ==, LC_ROUTE_FOUND);
  g_assert_true (m.data == &tag_b);
  lc_route_match_clear (&m);

  g_assert_cmpint (lookup (router, "GET", "/a/c", &m), ==, LC_ROUTE_NOT_FOUND);
  g_assert_null (m.allow);
  lc_route_match_clear (&m);
  g_assert_cmpint (lookup (router, "GET", "/a/b/", &m), ==, LC_ROUTE_NOT_FOUND);
  lc_route_match_clear (&m);
  g_assert_cmpint (lookup (router, "GET", "/a", &m), ==, LC_ROUTE_NOT_FOUND);
  lc_route_match_clear (&m);
  g_assert_cmpint (lookup (router, "GET", "a/b", &m), ==, LC_ROUTE_NOT_FOUND);
  lc_route_match_clear (&m);
}

static void
test_capture (void)
{
  const char *routes[] = { "GET", "/lessons/{id}", "GET", "/lessons/{id}/publish-key", NULL };
  gpointer tags[] = { &tag_a, &tag_b };
  g_autoptr (LcRouter) router = router_with (routes, tags);
  LcRouteMatch m;

  g_assert_cmpint (lookup (router, "GET", "/lessons/abc", &m), ==, LC_ROUTE_FOUND);
  g_assert_cmpstr (g_hash_table_lookup (m.params, "id"), ==, "abc");
  lc_route_match_clear (&m);

  g_assert_cmpint (lookup (router, "GET", "/lessons/x1/publish-key", &m), ==, LC_ROUTE_FOUND);
  g_assert_true (m.data == &tag_b);
  g_assert_cmpstr (g_hash_table_lookup (m.params, "id"), ==, "x1");
  lc_route_match_clear (&m);

  g_assert_cmpint (lookup (router, "GET", "/lessons/", &m), ==, LC_ROUTE_NOT_FOUND);
  lc_route_match_clear (&m);
  g_assert_cmpint (lookup (router, "GET", "/lessons", &m), ==, LC_ROUTE_NOT_FOUND);
  lc_route_match_clear (&m);
  g_assert_cmpint (lookup (router, "GET", "/lessons/a/b", &m), ==, LC_ROUTE_NOT_FOUND);
  lc_route_match_clear (&m);
}

static void
test_rest (void)
{
  const char *routes[] = { "GET", "/hls/{lesson}/{file*}", NULL };
  gpointer tags[] = { &tag_a };
  g_autoptr (LcRouter) router = router_with (routes, tags);
  LcRouteMatch m;

  g_assert_cmpint (lookup (router, "GET", "/hls/l1/a/b.ts", &m), ==, LC_ROUTE_FOUND);
  g_assert_cmpstr (g_hash_table_lookup (m.params, "lesson"), ==, "l1");
  g_assert_cmpstr (g_hash_table_lookup (m.params, "file"), ==, "a/b.ts");
  lc_route_match_clear (&m);

  g_assert_cmpint (lookup (router, "GET", "/hls/l1/index.m3u8", &m), ==, LC_ROUTE_FOUND);
  g_assert_cmpstr (g_hash_table_lookup (m.params, "file"), ==, "index.m3u8");
  lc_route_match_clear (&m);

  /* The rest needs at least one non-empty segment. */
  g_assert_cmpint (lookup (router, "GET", "/hls/l1", &m), ==, LC_ROUTE_NOT_FOUND);
  lc_route_match_clear (&m);
  g_assert_cmpint (lookup (router, "GET", "/hls/l1/", &m), ==, LC_ROUTE_NOT_FOUND);
  lc_route_match_clear (&m);
  g_assert_cmpint (lookup (router, "GET", "/hls/l1/a//b", &m), ==, LC_ROUTE_NOT_FOUND);
  lc_route_match_clear (&m);
  /* An encoded slash inside a rest segment is not a separator. */
  g_assert_cmpint (lookup (router, "GET", "/hls/l1/a%2Fb", &m), ==, LC_ROUTE_NOT_FOUND);
  lc_route_match_clear (&m);
}

static void
check_priority (LcRouter *router)
{
  LcRouteMatch m;

  g_assert_cmpint (lookup (router, "GET", "/a/special", &m), ==, LC_ROUTE_FOUND);
  g_assert_cmpstr (m.pattern, ==, "/a/special");
  lc_route_match_clear (&m);

  g_assert_cmpint (lookup (router, "GET", "/a/other", &m), ==, LC_ROUTE_FOUND);
  g_assert_cmpstr (m.pattern, ==, "/a/{id}");
  g_assert_cmpstr (g_hash_table_lookup (m.params, "id"), ==, "other");
  lc_route_match_clear (&m);

  g_assert_cmpint (lookup (router, "GET", "/a/x/y", &m), ==, LC_ROUTE_FOUND);
  g_assert_cmpstr (m.pattern, ==, "/{rest*}");
  g_assert_cmpstr (g_hash_table_lookup (m.params, "rest"), ==, "a/x/y");
  lc_route_match_clear (&m);

  g_assert_cmpint (lookup (router, "GET", "/b/c", &m), ==, LC_ROUTE_FOUND);
  g_assert_cmpstr (m.pattern, ==, "/{x}/c");
  lc_route_match_clear (&m);

  /* "/a/c": literal "a" beats capture "{x}" at the first segment. */
  g_assert_cmpint (lookup (router, "GET", "/a/c", &m), ==, LC_ROUTE_FOUND);
  g_assert_cmpstr (m.pattern, ==, "/a/{id}");
  lc_route_match_clear (&m);
}

static void
test_priority (void)
{
  const char *forward[]
      = { "GET", "/{rest*}", "GET", "/a/{id}", "GET", "/a/special", "GET", "/{x}/c", NULL };
  const char *backward[]
      = { "GET", "/{x}/c", "GET", "/a/special", "GET", "/a/{id}", "GET", "/{rest*}", NULL };
  gpointer tags[] = { &tag_a, &tag_b, &tag_c, &tag_d };
  g_autoptr (LcRouter) r1 = router_with (forward, tags);
  g_autoptr (LcRouter) r2 = router_with (backward, tags);

  /* Precedence does not depend on the order routes were added. */
  check_priority (r1);
  check_priority (r2);
}

static void
test_methods (void)
{
  const char *routes[] = { "GET",         "/items", "POST",        "/items", "DELETE",
                           "/items/{id}", "PATCH",  "/items/{id}", NULL };
  gpointer tags[] = { &tag_a, &tag_b, &tag_c, &tag_d };
  g_autoptr (LcRouter) router = router_with (routes, tags);
  LcRouteMatch m;

  g_assert_cmpint (lookup (router, "POST", "/items", &m), ==, LC_ROUTE_FOUND);
  g_assert_true (m.data == &tag_b);
  g_assert_cmpstr (m.method, ==, "POST");
  g_assert_cmpstr (m.allow, ==, "GET, HEAD, POST");
  lc_route_match_clear (&m);

  /* GET answers HEAD. */
  g_assert_cmpint (lookup (router, "HEAD", "/items", &m), ==, LC_ROUTE_FOUND);
  g_assert_cmpstr (m.method, ==, "GET");
  lc_route_match_clear (&m);

  g_assert_cmpint (lookup (router, "PUT", "/items", &m), ==, LC_ROUTE_METHOD_NOT_ALLOWED);
  g_assert_cmpstr (m.allow, ==, "GET, HEAD, POST");
  g_assert_null (m.params);
  lc_route_match_clear (&m);

  g_assert_cmpint (lookup (router, "GET", "/items/7", &m), ==, LC_ROUTE_METHOD_NOT_ALLOWED);
  g_assert_cmpstr (m.allow, ==, "PATCH, DELETE");
  lc_route_match_clear (&m);

  g_assert_cmpint (lookup (router, "OPTIONS", "/items/7", &m), ==, LC_ROUTE_METHOD_NOT_ALLOWED);
  g_assert_cmpstr (m.allow, ==, "PATCH, DELETE");
  lc_route_match_clear (&m);

  /* HEAD is not answered by routes without GET. */
  g_assert_cmpint (lookup (router, "HEAD", "/items/7", &m), ==, LC_ROUTE_METHOD_NOT_ALLOWED);
  lc_route_match_clear (&m);
}

static void
test_explicit_head (void)
{
  const char *routes[] = { "GET", "/f", "HEAD", "/f", "OPTIONS", "/f", "BREW", "/f", NULL };
  gpointer tags[] = { &tag_a, &tag_b, &tag_c, &tag_d };
  g_autoptr (LcRouter) router = router_with (routes, tags);
  LcRouteMatch m;

  g_assert_cmpint (lookup (router, "HEAD", "/f", &m), ==, LC_ROUTE_FOUND);
  g_assert_true (m.data == &tag_b);
  g_assert_cmpstr (m.allow, ==, "GET, HEAD, OPTIONS, BREW");
  lc_route_match_clear (&m);

  g_assert_cmpint (lookup (router, "OPTIONS", "/f", &m), ==, LC_ROUTE_FOUND);
  g_assert_true (m.data == &tag_c);
  lc_route_match_clear (&m);
}

static void
test_method_over_shape (void)
{
  /* The most specific pattern that has the method wins; a more specific one
   * without it does not turn the request into a 405. */
  const char *routes[] = { "GET", "/a/{id}", "DELETE", "/a/special", NULL };
  gpointer tags[] = { &tag_a, &tag_b };
  g_autoptr (LcRouter) router = router_with (routes, tags);
  LcRouteMatch m;

  g_assert_cmpint (lookup (router, "GET", "/a/special", &m), ==, LC_ROUTE_FOUND);
  g_assert_cmpstr (m.pattern, ==, "/a/{id}");
  g_assert_cmpstr (m.allow, ==, "GET, HEAD, DELETE");
  lc_route_match_clear (&m);

  g_assert_cmpint (lookup (router, "DELETE", "/a/special", &m), ==, LC_ROUTE_FOUND);
  g_assert_cmpstr (m.pattern, ==, "/a/special");
  lc_route_match_clear (&m);

  g_assert_cmpint (lookup (router, "DELETE", "/a/other", &m), ==, LC_ROUTE_METHOD_NOT_ALLOWED);
  g_assert_cmpstr (m.allow, ==, "GET, HEAD");
  lc_route_match_clear (&m);
}

static void
test_decoding (void)
{
  const char *routes[] = { "GET", "/lessons/{id}", "GET", "/items", NULL };
  gpointer tags[] = { &tag_a, &tag_b };
  g_autoptr (LcRouter) router = router_with (routes, tags);
  LcRouteMatch m;

  g_assert_cmpint (lookup (router, "GET", "/lessons/a%20b", &m), ==, LC_ROUTE_FOUND);
  g_assert_cmpstr (g_hash_table_lookup (m.params, "id"), ==, "a b");
  lc_route_match_clear (&m);

  g_assert_cmpint (lookup (router, "GET", "/lessons/%C3%A9t%C3%A9", &m), ==, LC_ROUTE_FOUND);
  g_assert_cmpstr (g_hash_table_lookup (m.params, "id"), ==, "\xc3\xa9t\xc3\xa9");
  lc_route_match_clear (&m);

  g_assert_cmpint (lookup (router, "GET", "/lessons/a+b", &m), ==, LC_ROUTE_FOUND);
  g_assert_cmpstr (g_hash_table_lookup (m.params, "id"), ==, "a+b");
  lc_route_match_clear (&m);

  /* Literals compare with the decoded segment. */
  g_assert_cmpint (lookup (router, "GET", "/item%73", &m), ==, LC_ROUTE_FOUND);
  g_assert_true (m.data == &tag_b);
  lc_route_match_clear (&m);

  const char *rejected[]
      = { "/lessons/a%2Fb", "/lessons/a%2fb", "/lessons/%00", "/lessons/a%00b", "/lessons/%zz",
          "/lessons/%4",    "/lessons/%",     "/lessons/%FF", "/lessons/%C3" };
  for (guint i = 0; i < G_N_ELEMENTS (rejected); i++)
    {
      g_assert_cmpint (lookup (router, "GET", rejected[i], &m), ==, LC_ROUTE_NOT_FOUND);
      lc_route_match_clear (&m);
    }
}

static void
test_decode_segment (void)
{
  g_autofree char *a = lc_router_decode_segment ("a%41%62c", 8);
  g_autofree char *b = lc_router_decode_segment ("x%2", 3);
  g_autofree char *c = lc_router_decode_segment ("x%00", 4);
  g_autofree char *d = lc_router_decode_segment ("abcdef", 3);

  g_assert_cmpstr (a, ==, "aAbc");
  g_assert_null (b);
  g_assert_null (c);
  g_assert_cmpstr (d, ==, "abc");
}

static void
test_invalid (void)
{
  const char *bad_patterns[] = { "",        "a",        "/a//b", "/a/",    "/{",    "/{}", "/{*}",
                                 "/{a*}/b", "/{a}/{a}", "/a b",  "/{a-b}", "/a{b}", "/%41" };
  g_autoptr (LcRouter) router = lc_router_new ();
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad_patterns); i++)
    {
      g_assert_false (lc_router_add (router, "GET", bad_patterns[i], NULL, &error));
      g_assert_error (error, LC_ERROR, LC_ERROR_CONFIG);
      g_clear_error (&error);
    }

  g_assert_false (lc_router_add (router, "get", "/x", NULL, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFIG);
  g_clear_error (&error);
  g_assert_false (lc_router_add (router, "", "/x", NULL, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFIG);
  g_clear_error (&error);

  g_assert_true (lc_router_add (router, "GET", "/x/{id}", NULL, &error));
  g_assert_no_error (error);
  /* Same method and shape, other capture name: a duplicate. */
  g_assert_false (lc_router_add (router, "GET", "/x/{name}", NULL, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFIG);
  g_clear_error (&error);
  /* Another method on the same shape is fine. */
  g_assert_true (lc_router_add (router, "DELETE", "/x/{name}", NULL, &error));
  g_assert_no_error (error);
}

static void
collect_route (const char *method, const char *pattern, gpointer data, gpointer user_data)
{
  g_string_append_printf (user_data, "%s %s;", method, pattern);
}

static void
test_foreach (void)
{
  const char *routes[] = { "POST", "/b", "GET", "/a/{id}", "GET", "/", NULL };
  gpointer tags[] = { &tag_a, &tag_b, &tag_c };
  g_autoptr (LcRouter) router = router_with (routes, tags);
  g_autoptr (GString) out = g_string_new (NULL);

  lc_router_foreach (router, collect_route, out);
  g_assert_cmpstr (out->str, ==, "POST /b;GET /a/{id};GET /;");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/signaling/router/literal", test_literal);
  g_test_add_func ("/signaling/router/capture", test_capture);
  g_test_add_func ("/signaling/router/rest", test_rest);
  g_test_add_func ("/signaling/router/priority", test_priority);
  g_test_add_func ("/signaling/router/methods", test_methods);
  g_test_add_func ("/signaling/router/explicit-head", test_explicit_head);
  g_test_add_func ("/signaling/router/method-over-shape", test_method_over_shape);
  g_test_add_func ("/signaling/router/decoding", test_decoding);
  g_test_add_func ("/signaling/router/decode-segment", test_decode_segment);
  g_test_add_func ("/signaling/router/invalid", test_invalid);
  g_test_add_func ("/signaling/router/foreach", test_foreach);

  return g_test_run ();
}
