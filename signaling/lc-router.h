/* lc-router.h — method + path-pattern routing. Pure: no I/O, no libsoup.
 *
 * A pattern is "/" or a sequence of "/segment" parts, each one of:
 *   literal   "lessons"   matches that exact (percent-decoded) segment;
 *   capture   "{id}"      matches one whole non-empty segment;
 *   rest      "{path*}"   (last part only) matches one or more remaining
 *                         non-empty segments, joined with "/".
 * Paths are matched segment by segment after percent-decoding each segment;
 * a capture never contains "/" (an encoded "%2F"), NUL or invalid UTF-8, so
 * such a path matches no capture. When several patterns match a path, the
 * most specific wins: comparing segment by segment from the left, a literal
 * beats a capture and a capture beats a rest. "GET" routes also answer HEAD
 * (an explicit HEAD route is preferred).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _LcRouter LcRouter;

LcRouter *lc_router_new (void);
void lc_router_free (LcRouter *router);

/* Add a route. method: an upper-case token ("GET", "POST", …). data is
 * returned on a match (not owned). FALSE with LC_ERROR_CONFIG for an invalid
 * method or pattern, or when a route with the same method and the same
 * pattern shape (capture names ignored) exists. */
gboolean lc_router_add (LcRouter *router, const char *method, const char *pattern, gpointer data,
                        GError **error);

typedef enum
{
  LC_ROUTE_FOUND,              /* a route matches path and method */
  LC_ROUTE_NOT_FOUND,          /* no pattern matches the path */
  LC_ROUTE_METHOD_NOT_ALLOWED, /* patterns match the path, none with this method */
} LcRouteStatus;

typedef struct
{
  LcRouteStatus status;
  const char *method;  /* FOUND: the route's method (static to the router) */
  const char *pattern; /* FOUND: the route's pattern */
  gpointer data;       /* FOUND: the route's data */
  GHashTable *params;  /* FOUND: capture name → decoded value (owned; never NULL) */
  char *allow;         /* FOUND and METHOD_NOT_ALLOWED: every method the path
                        * answers, "GET, HEAD, POST" (owned); NULL otherwise */
} LcRouteMatch;

/* Look up method + path (the raw, still percent-encoded URL path without
 * query). Fills match; release it with lc_route_match_clear(). */
void lc_router_lookup (LcRouter *router, const char *method, const char *path, LcRouteMatch *match);
void lc_route_match_clear (LcRouteMatch *match);

typedef void (*LcRouterForeachFunc) (const char *method, const char *pattern, gpointer data,
                                     gpointer user_data);
/* In the order the routes were added. */
void lc_router_foreach (LcRouter *router, LcRouterForeachFunc func, gpointer user_data);

/* Percent-decode one path segment. NULL when an escape is invalid or the
 * result contains NUL. (transfer full) */
char *lc_router_decode_segment (const char *segment, gsize len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcRouter, lc_router_free)

G_END_DECLS
