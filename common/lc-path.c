/* lc-path.c — turning an untrusted URL path into a relative file path
 * (percent-decoding, normalisation, traversal and hidden-file rejection) and
 * resolving it below a root with symlinks followed (realpath). */
#include "common/lc-path.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/lc-error.h"

#define MAX_URL_PATH_BYTES 4096 /* raw, before decoding */
#define MAX_PATH_BYTES 1024     /* decoded and normalised */
#define MAX_SEGMENT_BYTES 255   /* NAME_MAX on Linux file systems */

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

/* Percent-decode into bytes; NULL (with error) on an invalid escape or a
 * NUL/control byte, whether literal or encoded. */
static GString *
percent_decode (const char *url_path, GError **error)
{
  g_autoptr (GString) out = g_string_sized_new (strlen (url_path));
  const char *p;

  for (p = url_path; *p != '\0'; p++)
    {
      guchar c = (guchar)*p;

      if (c == '%')
        {
          int hi = hex_value (p[1]);
          int lo = hi >= 0 ? hex_value (p[2]) : -1;

          if (hi < 0 || lo < 0)
            {
              lc_set_error (error, LC_ERROR_MALFORMED, "path",
                            "path: invalid percent escape (expected %%XX with two hex digits)");
              return NULL;
            }
          c = (guchar)(hi * 16 + lo);
          p += 2;
        }

      if (c < 0x20 || c == 0x7f)
        {
          lc_set_error (error, LC_ERROR_MALFORMED, "path",
                        "path: contains a NUL or control character");
          return NULL;
        }
      g_string_append_c (out, (char)c);
    }

  return g_steal_pointer (&out);
}

char *
lc_path_sanitize (const char *url_path, GError **error)
{
  g_autoptr (GString) decoded = NULL;
  g_autoptr (GString) out = NULL;
  g_auto (GStrv) segments = NULL;
  gsize i;

  g_return_val_if_fail (url_path != NULL, NULL);

  if (strnlen (url_path, MAX_URL_PATH_BYTES + 1) > MAX_URL_PATH_BYTES)
    {
      lc_set_error (error, LC_ERROR_NOT_FOUND, "path", "path: too long");
      return NULL;
    }

  decoded = percent_decode (url_path, error);
  if (decoded == NULL)
    return NULL;

  if (!g_utf8_validate_len (decoded->str, decoded->len, NULL))
    {
      lc_set_error (error, LC_ERROR_MALFORMED, "path", "path: not valid UTF-8 once decoded");
      return NULL;
    }

  if (memchr (decoded->str, '\\', decoded->len) != NULL)
    {
      lc_set_error (error, LC_ERROR_NOT_FOUND, "path", "path: backslashes are not allowed");
      return NULL;
    }

  out = g_string_sized_new (decoded->len);
  segments = g_strsplit (decoded->str, "/", -1);
  for (i = 0; segments[i] != NULL; i++)
    {
      const char *segment = segments[i];

      if (segment[0] == '\0') /* "//" and leading/trailing slashes */
        continue;
      if (segment[0] == '.')
        {
          /* ".." climbs out; "." and hidden files (.git, .env) are never served. */
          lc_set_error (error, LC_ERROR_NOT_FOUND, "path",
                        "path: segments starting with '.' are not served");
          return NULL;
        }
      if (strlen (segment) > MAX_SEGMENT_BYTES)
        {
          lc_set_error (error, LC_ERROR_NOT_FOUND, "path", "path: a segment is too long");
          return NULL;
        }
      if (out->len > 0)
        g_string_append_c (out, '/');
      g_string_append (out, segment);
      if (out->len > MAX_PATH_BYTES)
        {
          lc_set_error (error, LC_ERROR_NOT_FOUND, "path", "path: too long");
          return NULL;
        }
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* TRUE when path equals root or lies below it (both canonical, absolute). */
static gboolean
is_inside (const char *root, const char *path)
{
  gsize root_len = strlen (root);

  if (strcmp (root, "/") == 0)
    return path[0] == '/';
  return strncmp (path, root, root_len) == 0 && (path[root_len] == '\0' || path[root_len] == '/');
}

char *
lc_path_resolve_in_root (const char *root, const char *rel, GError **error)
{
  char *root_real = NULL;
  char *resolved = NULL;
  g_autofree char *joined = NULL;
  char *result = NULL;
  int saved_errno;

  g_return_val_if_fail (root != NULL, NULL);
  g_return_val_if_fail (rel != NULL, NULL);

  if (g_path_is_absolute (rel))
    {
      lc_set_error (error, LC_ERROR_NOT_FOUND, "path", "path: must be relative to the root");
      return NULL;
    }

  root_real = realpath (root, NULL);
  if (root_real == NULL)
    {
      saved_errno = errno;
      lc_set_error (error, LC_ERROR_NOT_FOUND, "path", "path: root %s is not usable: %s", root,
                    g_strerror (saved_errno));
      return NULL;
    }

  joined = g_build_filename (root_real, rel, NULL);
  resolved = realpath (joined, NULL);
  if (resolved == NULL)
    {
      lc_set_error (error, LC_ERROR_NOT_FOUND, "path", "path: no such file");
      goto out;
    }

  if (!is_inside (root_real, resolved))
    {
      lc_set_error (error, LC_ERROR_NOT_FOUND, "path", "path: resolves outside the root");
      goto out;
    }

  result = g_strdup (resolved);

out:
  free (resolved);
  free (root_real);
  return result;
}
