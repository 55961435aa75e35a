/* lc-router.c — method + path-pattern routing (see lc-router.h). A plain list
 * of parsed patterns: a request is matched against every route (a few dozen),
 * which keeps the precedence rules easy to read and to test. */
#include "signaling/lc-router.h"

#include <string.h>

#include "common/lc-error.h"

typedef enum
{
  SEGMENT_LITERAL = 2, /* the values order specificity: higher wins */
  SEGMENT_CAPTURE = 1,
  SEGMENT_REST = 0,
} SegmentKind;

typedef struct
{
  SegmentKind kind;
  char *text; /* literal text or capture name */
} Segment;

typedef struct
{
  char *method;
  char *pattern;
  gpointer data;
  Segment *segments;
  guint n_segments;
} Route;

struct _LcRouter
{
  GPtrArray *routes; /* Route*, in the order added */
};

/* Methods in the order Allow lists them; others follow in the order seen. */
static const char *const method_order[]
    = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS" };

static void
route_free (gpointer data)
{
  Route *route = data;

  for (guint i = 0; i < route->n_segments; i++)
    g_free (route->segments[i].text);
  g_free (route->segments);
  g_free (route->method);
  g_free (route->pattern);
  g_free (route);
}

LcRouter *
lc_router_new (void)
{
  LcRouter *router = g_new0 (LcRouter, 1);

  router->routes = g_ptr_array_new_with_free_func (route_free);
  return router;
}

void
lc_router_free (LcRouter *router)
{
  if (router == NULL)
    return;
  g_ptr_array_unref (router->routes);
  g_free (router);
}

static gboolean
is_token_char (char c)
{
  return g_ascii_isupper (c) || g_ascii_isdigit (c) || c == '-' || c == '_';
}

static gboolean
is_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '_';
}

/* A literal segment: URL path characters that need no escaping. */
static gboolean
is_literal_char (char c)
{
  return g_ascii_isalnum (c) || strchr ("-._~!$&'()*+,;=:@", c) != NULL;
}

static gboolean
parse_pattern (const char *pattern, Segment **segments_out, guint *n_out, GError **error)
{
  g_autoptr (GArray) segments = g_array_new (FALSE, TRUE, sizeof (Segment));
  g_auto (GStrv) parts = NULL;

  if (pattern == NULL || pattern[0] != '/')
    {
      lc_set_error (error, LC_ERROR_CONFIG, NULL, "route pattern must start with \"/\"");
      return FALSE;
    }

  if (strcmp (pattern, "/") != 0)
    parts = g_strsplit (pattern + 1, "/", -1);

  for (guint i = 0; parts != NULL && parts[i] != NULL; i++)
    {
      const char *part = parts[i];
      gsize len = strlen (part);
      Segment segment = { 0 };

      if (len == 0)
        {
          lc_set_error (error, LC_ERROR_CONFIG, NULL, "route pattern %s has an empty segment",
                        pattern);
          goto fail;
        }

      if (part[0] == '{')
        {
          gsize name_len = len - 2;
          gboolean rest = FALSE;

          if (len < 3 || part[len - 1] != '}')
            {
              lc_set_error (error, LC_ERROR_CONFIG, NULL, "route pattern %s: bad capture \"%s\"",
                            pattern, part);
              goto fail;
            }
          if (part[len - 2] == '*')
            {
              rest = TRUE;
              name_len--;
            }
          if (name_len == 0)
            {
              lc_set_error (error, LC_ERROR_CONFIG, NULL, "route pattern %s: empty capture name",
                            pattern);
              goto fail;
            }
          for (gsize k = 1; k <= name_len; k++)
            if (!is_name_char (part[k]))
              {
                lc_set_error (error, LC_ERROR_CONFIG, NULL,
                              "route pattern %s: bad capture name \"%s\"", pattern, part);
                goto fail;
              }
          if (rest && parts[i + 1] != NULL)
            {
              lc_set_error (error, LC_ERROR_CONFIG, NULL,
                            "route pattern %s: a rest capture must be last", pattern);
              goto fail;
            }
          for (guint k = 0; k < segments->len; k++)
            {
              Segment *other = &g_array_index (segments, Segment, k);

              if (other->kind != SEGMENT_LITERAL && strlen (other->text) == name_len
                  && strncmp (other->text, part + 1, name_len) == 0)
                {
                  lc_set_error (error, LC_ERROR_CONFIG, NULL,
                                "route pattern %s: capture name used twice", pattern);
                  goto fail;
                }
            }
          segment.kind = rest ? SEGMENT_REST : SEGMENT_CAPTURE;
          segment.text = g_strndup (part + 1, name_len);
        }
      else
        {
          for (gsize k = 0; k < len; k++)
            if (!is_literal_char (part[k]))
              {
                lc_set_error (error, LC_ERROR_CONFIG, NULL,
                              "route pattern %s: bad character in \"%s\"", pattern, part);
                goto fail;
              }
          segment.kind = SEGMENT_LITERAL;
          segment.text = g_strdup (part);
        }
      g_array_append_val (segments, segment);
    }

  *n_out = segments->len;
  *segments_out = (Segment *)g_array_free (g_steal_pointer (&segments), FALSE);
  return TRUE;

fail:
  for (guint k = 0; k < segments->len; k++)
    g_free (g_array_index (segments, Segment, k).text);
  return FALSE;
}

/* Same method and the same shape (kinds and literals; capture names ignored). */
static gboolean
routes_conflict (const Route *a, const char *method, const Segment *segments, guint n)
{
  if (strcmp (a->method, method) != 0 || a->n_segments != n)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      if (a->segments[i].kind != segments[i].kind)
        return FALSE;
      if (segments[i].kind == SEGMENT_LITERAL
          && strcmp (a->segments[i].text, segments[i].text) != 0)
        return FALSE;
    }
  return TRUE;
}

gboolean
lc_router_add (LcRouter *router, const char *method, const char *pattern, gpointer data,
               GError **error)
{
  Segment *segments = NULL;
  guint n_segments = 0;
  Route *route;

  g_return_val_if_fail (router != NULL, FALSE);

  if (method == NULL || method[0] == '\0')
    {
      lc_set_error (error, LC_ERROR_CONFIG, NULL, "route method is empty");
      return FALSE;
    }
  for (const char *p = method; *p != '\0'; p++)
    if (!is_token_char (*p))
      {
        lc_set_error (error, LC_ERROR_CONFIG, NULL,
                      "route method \"%s\" is not an upper-case token", method);
        return FALSE;
      }

  if (!parse_pattern (pattern, &segments, &n_segments, error))
    return FALSE;

  for (guint i = 0; i < router->routes->len; i++)
    if (routes_conflict (g_ptr_array_index (router->routes, i), method, segments, n_segments))
      {
        for (guint k = 0; k < n_segments; k++)
          g_free (segments[k].text);
        g_free (segments);
        lc_set_error (error, LC_ERROR_CONFIG, NULL, "route %s %s is already defined", method,
                      pattern);
        return FALSE;
      }

  route = g_new0 (Route, 1);
  route->method = g_strdup (method);
  route->pattern = g_strdup (pattern);
  route->data = data;
  route->segments = segments;
  route->n_segments = n_segments;
  g_ptr_array_add (router->routes, route);
  return TRUE;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

char *
lc_router_decode_segment (const char *segment, gsize len)
{
  g_autoptr (GString) out = g_string_sized_new (len);

  for (gsize i = 0; i < len; i++)
    {
      char c = segment[i];

      if (c == '\0')
        return NULL;
      if (c == '%')
        {
          int hi, lo;

          if (i + 2 >= len)
            return NULL;
          hi = hex_value (segment[i + 1]);
          lo = hex_value (segment[i + 2]);
          if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
            return NULL;
          g_string_append_c (out, (char)((hi << 4) | lo));
          i += 2;
        }
      else
        g_string_append_c (out, c);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

typedef struct
{
  guint n;
  char **decoded; /* n entries; NULL where the segment cannot be decoded */
} PathSegments;

static void
path_segments_clear (PathSegments *ps)
{
  for (guint i = 0; i < ps->n; i++)
    g_free (ps->decoded[i]);
  g_free (ps->decoded);
}

static void
split_path (const char *path, PathSegments *ps)
{
  const char *p;
  GPtrArray *out = g_ptr_array_new ();

  /* "/" has no segments; "/a/" has "a" and "". */
  if (path[0] == '/' && path[1] != '\0')
    {
      p = path + 1;
      for (;;)
        {
          const char *end = strchr (p, '/');
          gsize len = end != NULL ? (gsize)(end - p) : strlen (p);

          g_ptr_array_add (out, lc_router_decode_segment (p, len));
          if (end == NULL)
            break;
          p = end + 1;
        }
    }
  ps->n = out->len;
  ps->decoded = (char **)g_ptr_array_free (out, FALSE);
}

/* A capture value: non-empty, valid UTF-8, no "/". */
static gboolean
capture_ok (const char *value)
{
  return value != NULL && value[0] != '\0' && strchr (value, '/') == NULL
         && g_utf8_validate (value, -1, NULL);
}

/* Match the path against one route; fills params (nullable) on success. */
static gboolean
route_matches (const Route *route, const PathSegments *ps, GHashTable *params)
{
  guint i;

  for (i = 0; i < route->n_segments; i++)
    {
      const Segment *seg = &route->segments[i];

      if (seg->kind == SEGMENT_REST)
        {
          g_autoptr (GString) rest = g_string_new (NULL);

          if (i >= ps->n)
            return FALSE;
          for (guint k = i; k < ps->n; k++)
            {
              if (!capture_ok (ps->decoded[k]))
                return FALSE;
              if (k > i)
                g_string_append_c (rest, '/');
              g_string_append (rest, ps->decoded[k]);
            }
          if (params != NULL)
            g_hash_table_replace (params, g_strdup (seg->text),
                                  g_string_free (g_steal_pointer (&rest), FALSE));
          return TRUE;
        }

      if (i >= ps->n || ps->decoded[i] == NULL)
        return FALSE;

      if (seg->kind == SEGMENT_LITERAL)
        {
          if (strcmp (seg->text, ps->decoded[i]) != 0)
            return FALSE;
        }
      else
        {
          if (!capture_ok (ps->decoded[i]))
            return FALSE;
          if (params != NULL)
            g_hash_table_replace (params, g_strdup (seg->text), g_strdup (ps->decoded[i]));
        }
    }
  return i == ps->n;
}

/* > 0 when a is more specific than b. */
static int
compare_specificity (const Route *a, const Route *b)
{
  guint n = MIN (a->n_segments, b->n_segments);

  for (guint i = 0; i < n; i++)
    if (a->segments[i].kind != b->segments[i].kind)
      return (int)a->segments[i].kind - (int)b->segments[i].kind;
  return 0;
}

static void
add_method (GPtrArray *methods, const char *method)
{
  for (guint i = 0; i < methods->len; i++)
    if (strcmp (g_ptr_array_index (methods, i), method) == 0)
      return;
  g_ptr_array_add (methods, (gpointer)method);
}

static char *
format_allow (GPtrArray *methods)
{
  g_autoptr (GString) allow = g_string_new (NULL);
  gboolean has_get = FALSE;

  for (guint i = 0; i < methods->len; i++)
    if (strcmp (g_ptr_array_index (methods, i), "GET") == 0)
      has_get = TRUE;
  if (has_get)
    add_method (methods, "HEAD");

  for (guint k = 0; k < G_N_ELEMENTS (method_order); k++)
    for (guint i = 0; i < methods->len; i++)
      if (strcmp (g_ptr_array_index (methods, i), method_order[k]) == 0)
        g_string_append_printf (allow, "%s%s", allow->len > 0 ? ", " : "", method_order[k]);

  for (guint i = 0; i < methods->len; i++)
    {
      const char *m = g_ptr_array_index (methods, i);
      gboolean known = FALSE;

      for (guint k = 0; k < G_N_ELEMENTS (method_order); k++)
        if (strcmp (m, method_order[k]) == 0)
          known = TRUE;
      if (!known)
        g_string_append_printf (allow, "%s%s", allow->len > 0 ? ", " : "", m);
    }
  return g_string_free (g_steal_pointer (&allow), FALSE);
}

/* How well a route's method serves the request method: 2 exact, 1 GET for
 * HEAD, 0 not at all. */
static int
method_score (const Route *route, const char *method)
{
  if (strcmp (route->method, method) == 0)
    return 2;
  if (strcmp (method, "HEAD") == 0 && strcmp (route->method, "GET") == 0)
    return 1;
  return 0;
}

void
lc_router_lookup (LcRouter *router, const char *method, const char *path, LcRouteMatch *match)
{
  PathSegments ps = { 0 };
  g_autoptr (GPtrArray) methods = g_ptr_array_new ();
  const Route *best = NULL;
  int best_score = 0;

  g_return_if_fail (router != NULL && method != NULL && path != NULL && match != NULL);

  memset (match, 0, sizeof *match);
  match->status = LC_ROUTE_NOT_FOUND;
  if (path[0] != '/')
    return;

  split_path (path, &ps);
  for (guint i = 0; i < router->routes->len; i++)
    {
      const Route *route = g_ptr_array_index (router->routes, i);
      int score;

      if (!route_matches (route, &ps, NULL))
        continue;
      add_method (methods, route->method);
      score = method_score (route, method);
      if (score == 0)
        continue;
      if (best == NULL)
        {
          best = route;
          best_score = score;
          continue;
        }
      int cmp = compare_specificity (route, best);
      if (cmp > 0 || (cmp == 0 && score > best_score))
        {
          best = route;
          best_score = score;
        }
    }

  if (methods->len > 0)
    match->allow = format_allow (methods);

  if (best != NULL)
    {
      match->status = LC_ROUTE_FOUND;
      match->method = best->method;
      match->pattern = best->pattern;
      match->data = best->data;
      match->params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      route_matches (best, &ps, match->params);
    }
  else if (methods->len > 0)
    match->status = LC_ROUTE_METHOD_NOT_ALLOWED;

  path_segments_clear (&ps);
}

void
lc_route_match_clear (LcRouteMatch *match)
{
  if (match == NULL)
    return;
  g_clear_pointer (&match->params, g_hash_table_unref);
  g_clear_pointer (&match->allow, g_free);
  match->status = LC_ROUTE_NOT_FOUND;
  match->method = NULL;
  match->pattern = NULL;
  match->data = NULL;
}

void
lc_router_foreach (LcRouter *router, LcRouterForeachFunc func, gpointer user_data)
{
  g_return_if_fail (router != NULL && func != NULL);

  for (guint i = 0; i < router->routes->len; i++)
    {
      const Route *route = g_ptr_array_index (router->routes, i);

      func (route->method, route->pattern, route->data, user_data);
    }
}
