/* test-openapi.c — docs/openapi.yaml and the server's routes agree: every
 * route the server registers is documented and every documented operation
 * exists. The document is read without a YAML library: in its `paths:`
 * section, path keys are the lines indented by exactly two spaces and method
 * keys those indented by exactly four. */
#include <string.h>

#include "lc-test-util.h"

static const char *const http_methods[]
    = { "get", "put", "post", "delete", "options", "head", "patch", "trace", NULL };

/* Number of leading spaces. */
static guint
indent_of (const char *line)
{
  guint n = 0;

  while (line[n] == ' ')
    n++;
  return n;
}

/* "key" of a "key:" line (quotes removed), or NULL when the line is not a bare key. */
static char *
key_of (const char *line)
{
  g_autofree char *text = g_strstrip (g_strdup (line));
  gsize len = strlen (text);

  if (len < 2 || text[len - 1] != ':')
    return NULL;
  text[len - 1] = '\0';
  len--;
  if (len >= 2 && (text[0] == '"' || text[0] == '\'') && text[len - 1] == text[0])
    return g_strndup (text + 1, len - 2);
  return g_steal_pointer (&text);
}

/* (method, path) pairs of the document as "METHOD /path" strings. */
static GHashTable *
parse_operations (const char *document)
{
  GHashTable *operations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto (GStrv) lines = g_strsplit (document, "\n", -1);
  g_autofree char *path = NULL;
  gboolean in_paths = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *content = line + indent_of (line);
      guint indent = indent_of (line);
      g_autofree char *key = NULL;

      g_strchomp (lines[i]);
      if (*content == '\0' || *content == '#')
        continue;
      if (indent == 0)
        {
          in_paths = strcmp (line, "paths:") == 0;
          g_clear_pointer (&path, g_free);
          continue;
        }
      if (!in_paths)
        continue;

      key = key_of (line);
      if (indent == 2)
        {
          g_free (path);
          path = g_steal_pointer (&key);
        }
      else if (indent == 4 && path != NULL && key != NULL && g_strv_contains (http_methods, key))
        {
          g_autofree char *method = g_ascii_strup (key, -1);

          g_hash_table_add (operations, g_strdup_printf ("%s %s", method, path));
        }
    }
  return operations;
}

static void
test_parser (void)
{
  const char *sample = "openapi: 3.1.0\n"
                       "info:\n"
                       "  title: x\n"
                       "  /not/a/path:\n"
                       "    get:\n"
                       "paths:\n"
                       "  # a comment\n"
                       "  /a:\n"
                       "    get:\n"
                       "      responses:\n"
                       "        \"200\":\n"
                       "    parameters:\n"
                       "    post:\n"
                       "  \"/b/{id}\":\n"
                       "\n"
                       "    delete:\n"
                       "      summary: post:\n"
                       "components:\n"
                       "  schemas:\n"
                       "    get:\n";
  g_autoptr (GHashTable) ops = parse_operations (sample);

  g_assert_cmpuint (g_hash_table_size (ops), ==, 3);
  g_assert_true (g_hash_table_contains (ops, "GET /a"));
  g_assert_true (g_hash_table_contains (ops, "POST /a"));
  g_assert_true (g_hash_table_contains (ops, "DELETE /b/{id}"));
}

static void
collect_route (const char *method, const char *pattern, gpointer user_data)
{
  g_hash_table_add (user_data, g_strdup_printf ("%s %s", method, pattern));
}

/* Sorted, one per line, the members of a that b lacks. */
static char *
missing_from (GHashTable *a, GHashTable *b)
{
  g_autoptr (GPtrArray) missing = g_ptr_array_new ();
  GString *text = g_string_new ("");
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (b, key))
      g_ptr_array_add (missing, key);
  g_ptr_array_sort (missing, (GCompareFunc)g_strcmp0);
  for (guint i = 0; i < missing->len; i++)
    g_string_append_printf (text, "%s\n", (const char *)g_ptr_array_index (missing, i));
  return g_string_free (text, FALSE);
}

static void
test_routes_documented (void)
{
  const char *root = g_getenv ("LC_SOURCE_ROOT");
  g_autofree char *file
      = g_build_filename (root != NULL ? root : ".", "docs", "openapi.yaml", NULL);
  g_autofree char *document = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) documented = NULL;
  g_autoptr (GHashTable) routes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *undocumented = NULL;
  g_autofree char *unimplemented = NULL;
  LcTestServer *ts;

  g_file_get_contents (file, &document, NULL, &error);
  g_assert_no_error (error);
  documented = parse_operations (document);
  g_assert_cmpuint (g_hash_table_size (documented), >, 0);

  ts = lc_test_server_start (NULL, FALSE);
  lc_http_server_foreach_route (lc_app_get_http_server (ts->app), collect_route, routes);
  lc_test_server_stop (ts);
  g_assert_true (g_hash_table_contains (routes, "GET /api/v1/lessons/{id}"));

  undocumented = missing_from (routes, documented);
  unimplemented = missing_from (documented, routes);
  if (*undocumented != '\0')
    g_test_message ("routes missing from docs/openapi.yaml:\n%s", undocumented);
  if (*unimplemented != '\0')
    g_test_message ("documented operations the server does not have:\n%s", unimplemented);
  g_assert_cmpstr (undocumented, ==, "");
  g_assert_cmpstr (unimplemented, ==, "");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/openapi/parser", test_parser);
  g_test_add_func ("/openapi/routes-documented", test_routes_documented);
  return g_test_run ();
}
