/* lc-api-hls.c — HLS delivery from <data_dir>/hls/<lesson>/:
 *
 *   GET/HEAD /hls/{lesson}/index.m3u8   the playlist (Cache-Control: max-age of
 *                                        about half a segment while live)
 *   GET/HEAD /hls/{lesson}/seg-N.ts     a segment (immutable: cached for a year)
 *
 * Only those names are served (no other file of the directory, no path
 * tricks); everything else is a 404 problem. Responses carry
 * Access-Control-Allow-Origin: * for players on other origins. A lesson needs
 * no access check beyond its (unguessable) id, like the lesson itself. Every
 * playlist fetch is counted for the lesson's HLS viewer number. */
#include "signaling/lc-api-private.h"

#include <string.h>

#define PLAYLIST_NAME "index.m3u8"
#define PLAYLIST_TYPE "application/vnd.apple.mpegurl"
#define SEGMENT_TYPE "video/mp2t"
/* Playlists are small; a bigger file is not ours. */
#define PLAYLIST_MAX_BYTES (1024 * 1024)
#define SEGMENT_NAME_MAX 40

static const char *const no_query[] = { NULL };

/* "seg-<digits>.ts" and nothing else. */
static gboolean
is_segment_name (const char *name)
{
  gsize len;

  if (name == NULL || !g_str_has_prefix (name, "seg-") || !g_str_has_suffix (name, ".ts"))
    return FALSE;
  len = strlen (name);
  if (len > SEGMENT_NAME_MAX || len <= strlen ("seg-.ts"))
    return FALSE;
  for (gsize i = strlen ("seg-"); i < len - strlen (".ts"); i++)
    if (!g_ascii_isdigit (name[i]))
      return FALSE;
  return TRUE;
}

static gboolean
check_lesson (LcRequest *req, GError **error)
{
  if (!lc_id_is_valid (lc_request_get_param (req, "lesson")))
    {
      lc_set_error (error, LC_ERROR_NOT_FOUND, NULL, "no HLS stream for this lesson");
      return FALSE;
    }
  return lc_api_check_query (req, no_query, error);
}

static gboolean
route_playlist (LcApi *api, LcRequest *req, GError **error)
{
  const char *lesson_id = lc_request_get_param (req, "lesson");
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autofree char *cache = NULL;
  g_autoptr (GBytes) body = NULL;
  gsize len = 0;

  lc_request_set_header (req, "Access-Control-Allow-Origin", "*");
  if (!check_lesson (req, error))
    return FALSE;
  path = g_build_filename (api->hls_dir, lesson_id, PLAYLIST_NAME, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK)
      || !g_file_get_contents (path, &text, &len, NULL) || len > PLAYLIST_MAX_BYTES)
    {
      lc_set_error (error, LC_ERROR_NOT_FOUND, NULL, "no HLS stream for this lesson (yet)");
      return FALSE;
    }

  if (strstr (text, "#EXT-X-ENDLIST") != NULL)
    /* The lesson is over: the playlist will not change again. */
    cache = g_strdup ("public, max-age=3600");
  else
    {
      gint64 segment = lc_config_get_int (api->config, "hls.segment_duration");

      cache = g_strdup_printf ("public, max-age=%" G_GINT64_FORMAT, MAX (segment / 2, 1));
      if (api->live != NULL && strcmp (lc_request_get_method (req), "GET") == 0)
        lc_live_note_hls_client (api->live, lesson_id, lc_request_get_client (req));
    }
  lc_request_set_header (req, "Cache-Control", cache);

  if (strcmp (lc_request_get_method (req), "HEAD") == 0)
    {
      soup_message_headers_set_content_length (
          soup_server_message_get_response_headers (lc_request_get_message (req)), (goffset)len);
      lc_request_respond_bytes (req, SOUP_STATUS_OK, PLAYLIST_TYPE, NULL);
      return TRUE;
    }
  body = g_bytes_new_take (g_steal_pointer (&text), len);
  lc_request_respond_bytes (req, SOUP_STATUS_OK, PLAYLIST_TYPE, body);
  return TRUE;
}

static gboolean
route_segment (LcApi *api, LcRequest *req, GError **error)
{
  const char *name = lc_request_get_param (req, "segment");
  g_autofree char *path = NULL;

  lc_request_set_header (req, "Access-Control-Allow-Origin", "*");
  if (!check_lesson (req, error))
    return FALSE;
  if (!is_segment_name (name))
    {
      lc_set_error (error, LC_ERROR_NOT_FOUND, NULL, "no such HLS file");
      return FALSE;
    }
  path = g_build_filename (api->hls_dir, lc_request_get_param (req, "lesson"), name, NULL);
  /* A segment never changes once written (temp file + rename). A 404 (not
   * written yet, or slid out of the window) is never cached: problems are
   * no-store. */
  lc_request_set_header (req, "Cache-Control", "public, max-age=31536000, immutable");
  return lc_api_respond_file (req, path, SEGMENT_TYPE, NULL, TRUE, error);
}

LC_API_DEFINE_HANDLER (handle_playlist, route_playlist)
LC_API_DEFINE_HANDLER (handle_segment, route_segment)

static const LcApiRoute hls_routes[] = {
  { "GET", "/hls/{lesson}/index.m3u8", handle_playlist },
  { "GET", "/hls/{lesson}/{segment}", handle_segment },
};

void
lc_api_register_hls (LcApi *api, LcHttpServer *server)
{
  lc_api_add_routes (api, server, hls_routes, G_N_ELEMENTS (hls_routes));
}
