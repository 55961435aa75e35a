/* lc-static.c — static files below a root for GET/HEAD requests no route
 * matched: MIME type by extension, strong ETag and Last-Modified with
 * conditional requests (304), "index.html" for directories, and no way out
 * of the root (lc_path_sanitize, then realpath inside the root, then
 * O_NOFOLLOW + fstat on what is actually served). */
#include "signaling/lc-http-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/lc-error.h"
#include "common/lc-path.h"

#define LC_STATIC_CSP                                                                              \
  "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; "      \
  "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"

typedef struct
{
  const char *extension;
  const char *type;
} MimeEntry;

static const MimeEntry mime_types[] = {
  { "html", "text/html; charset=utf-8" },
  { "htm", "text/html; charset=utf-8" },
  { "css", "text/css; charset=utf-8" },
  { "js", "text/javascript; charset=utf-8" },
  { "mjs", "text/javascript; charset=utf-8" },
  { "json", "application/json" },
  { "map", "application/json" },
  { "webmanifest", "application/manifest+json" },
  { "svg", "image/svg+xml" },
  { "png", "image/png" },
  { "jpg", "image/jpeg" },
  { "jpeg", "image/jpeg" },
  { "webp", "image/webp" },
  { "gif", "image/gif" },
  { "ico", "image/vnd.microsoft.icon" },
  { "woff2", "font/woff2" },
  { "woff", "font/woff" },
  { "txt", "text/plain; charset=utf-8" },
  { "m3u8", "application/vnd.apple.mpegurl" },
  { "ts", "video/mp2t" },
  { "mp4", "video/mp4" },
  { "m4s", "video/iso.segment" },
  { "vtt", "text/vtt; charset=utf-8" },
};

const char *
lc_static_mime_type (const char *filename)
{
  const char *base = strrchr (filename, '/');
  const char *dot;

  base = base != NULL ? base + 1 : filename;
  dot = strrchr (base, '.');
  if (dot == NULL || dot == base)
    return "application/octet-stream";
  for (gsize i = 0; i < G_N_ELEMENTS (mime_types); i++)
    if (g_ascii_strcasecmp (dot + 1, mime_types[i].extension) == 0)
      return mime_types[i].type;
  return "application/octet-stream";
}

static void
respond_not_found (LcRequest *req)
{
  lc_request_respond_problem (req, LC_ERROR_NOT_FOUND, NULL, "no file at %s", req->path);
}

/* Open rel below root: a regular file, or index.html of a directory.
 * Returns the fd (-1 → not found) and fills st; *is_dir for a directory
 * whose URL lacks the trailing slash. */
static int
open_below_root (const char *root, const char *rel, struct stat *st, gboolean *is_dir)
{
  g_autofree char *full = NULL;
  int fd;

  *is_dir = FALSE;
  full = lc_path_resolve_in_root (root, rel, NULL);
  if (full == NULL)
    return -1;
  fd = open (full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0)
    return -1;
  if (fstat (fd, st) != 0)
    {
      close (fd);
      return -1;
    }
  if (S_ISDIR (st->st_mode))
    {
      close (fd);
      *is_dir = TRUE;
      return -1;
    }
  if (!S_ISREG (st->st_mode))
    {
      close (fd);
      return -1;
    }
  return fd;
}

/* Strong validator: size, modification time (ns) and inode. */
static char *
make_etag (const struct stat *st)
{
  gint64 mtime_ns
      = (gint64)st->st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + st->st_mtim.tv_nsec;

  return g_strdup_printf ("\"%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER
                          "x\"",
                          (gint64)st->st_size, mtime_ns, (gint64)st->st_ino);
}

/* If-None-Match: "*" or a list of entity tags, compared weakly (RFC 9110 13.1.2). */
static gboolean
etag_list_matches (const char *header, const char *etag)
{
  g_auto (GStrv) tags = g_strsplit (header, ",", -1);

  for (guint i = 0; tags[i] != NULL; i++)
    {
      const char *tag = g_strstrip (tags[i]);

      if (g_str_has_prefix (tag, "W/"))
        tag += 2;
      if (strcmp (tag, "*") == 0 || strcmp (tag, etag) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
not_modified (LcRequest *req, const char *etag, gint64 mtime)
{
  const char *inm = lc_request_get_header (req, "If-None-Match");
  const char *ims;

  if (inm != NULL)
    return etag_list_matches (inm, etag);

  ims = lc_request_get_header (req, "If-Modified-Since");
  if (ims != NULL)
    {
      g_autoptr (GDateTime) since = soup_date_time_new_from_http_string (ims);

      return since != NULL && mtime <= g_date_time_to_unix (since);
    }
  return FALSE;
}

/* Built from the sanitised path: "//host" can never become a Location. */
static void
redirect_to_directory (LcRequest *req, const char *rel)
{
  g_autofree char *escaped = g_uri_escape_string (rel, "/", FALSE);
  g_autofree char *location = NULL;

  location = req->query != NULL ? g_strdup_printf ("/%s/?%s", escaped, req->query)
                                : g_strdup_printf ("/%s/", escaped);
  lc_request_set_header (req, "Location", location);
  lc_request_respond_text (req, SOUP_STATUS_MOVED_PERMANENTLY, NULL, "moved\n");
}

void
lc_static_serve (LcRequest *req, const char *root)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *rel = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *last_modified = NULL;
  g_autoptr (GDateTime) mtime_dt = NULL;
  g_autoptr (GMappedFile) mapped = NULL;
  g_autoptr (GBytes) body = NULL;
  const char *served;
  const char *content_type;
  struct stat st;
  gboolean is_dir = FALSE;
  int fd;

  /* Whatever is wrong with the path (traversal, NUL, bad escapes), no file
   * is there: one answer, which tells a prober nothing. */
  rel = lc_path_sanitize (req->path, &error);
  if (rel == NULL)
    {
      respond_not_found (req);
      return;
    }

  served = rel;
  fd = rel[0] != '\0' ? open_below_root (root, rel, &st, &is_dir) : -1;
  if (rel[0] == '\0' || is_dir)
    {
      g_autofree char *index = NULL;

      if (is_dir && !g_str_has_suffix (req->path, "/"))
        {
          redirect_to_directory (req, rel);
          return;
        }
      index = rel[0] != '\0' ? g_strconcat (rel, "/index.html", NULL) : g_strdup ("index.html");
      fd = open_below_root (root, index, &st, &is_dir);
      g_free (rel);
      rel = g_steal_pointer (&index);
      served = rel;
    }
  if (fd < 0)
    {
      respond_not_found (req);
      return;
    }

  content_type = lc_static_mime_type (served);
  etag = make_etag (&st);
  mtime_dt = g_date_time_new_from_unix_utc (st.st_mtim.tv_sec);
  last_modified = soup_date_time_to_string (mtime_dt, SOUP_DATE_HTTP);

  lc_request_set_header (req, "ETag", etag);
  lc_request_set_header (req, "Last-Modified", last_modified);
  lc_request_set_header (req, "Cache-Control",
                         g_str_has_prefix (content_type, "text/html") ? "no-cache"
                                                                      : "public, max-age=3600");
  if (g_str_has_prefix (content_type, "text/html"))
    {
      /* The front end has no inline scripts or styles and loads nothing from
       * elsewhere: a strict policy costs nothing and blunts injected markup. */
      lc_request_set_header (req, "Content-Security-Policy", LC_STATIC_CSP);
      lc_request_set_header (req, "Referrer-Policy", "same-origin");
    }

  if (not_modified (req, etag, st.st_mtim.tv_sec))
    {
      close (fd);
      lc_request_respond_empty (req, SOUP_STATUS_NOT_MODIFIED);
      return;
    }

  if (strcmp (req->method, "HEAD") == 0)
    {
      close (fd);
      soup_message_headers_set_content_length (soup_server_message_get_response_headers (req->msg),
                                               (goffset)st.st_size);
      lc_request_respond_bytes (req, SOUP_STATUS_OK, content_type, NULL);
      return;
    }

  if (st.st_size > 0)
    {
      mapped = g_mapped_file_new_from_fd (fd, FALSE, &error);
      close (fd);
      if (mapped == NULL)
        {
          g_warning ("static %s: %s", served, error->message);
          lc_request_respond_problem (req, LC_ERROR_INTERNAL, NULL, "cannot read the file");
          return;
        }
      body = g_mapped_file_get_bytes (mapped);
    }
  else
    close (fd);
  lc_request_respond_bytes (req, SOUP_STATUS_OK, content_type, body);
}
