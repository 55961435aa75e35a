/* lc-api-recordings.c — recordings of lessons and the two player pages:
 *
 *   GET    /api/v1/recordings                list (?lesson=&state=&cursor=&limit=)
 *   GET    /api/v1/recordings/{id}           one recording
 *   DELETE /api/v1/recordings/{id}           coordinator of the school or operator; file removed
 *   GET    /api/v1/recordings/{id}/file      the MP4, with single byte ranges (seekable playback)
 *   GET    /studio/{id}, /watch/{id}         web/studio.html and web/watch.html
 *
 * The public sees ready recordings of public lessons, and those of an
 * unlisted lesson by the lesson's or the recording's id; staff see every
 * state within their scope, as for lessons. Files are served memory-mapped
 * (lc_api_respond_file), never read into memory. */
#include "signaling/lc-api-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/lc-path.h"

/* The same policy as the static pages (signaling/lc-static.c): the pages load
 * nothing from elsewhere and media may come from blob: URLs (hls.js). */
#define PAGE_CSP                                                                                   \
  "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; "         \
  "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
#define MP4_TYPE "video/mp4"

static const char *const no_query[] = { NULL };
static const char *const list_query[] = { "lesson", "state", "cursor", "limit", NULL };

/* ---- JSON ---- */

static void
set_time_or_null (JsonObject *o, const char *name, gint64 t)
{
  if (t > 0)
    {
      g_autofree char *text = lc_time_format_rfc3339 (t);

      json_object_set_string_member (o, name, text);
    }
  else
    json_object_set_null_member (o, name);
}

static void
set_string_or_null (JsonObject *o, const char *name, const char *value)
{
  if (value != NULL)
    json_object_set_string_member (o, name, value);
  else
    json_object_set_null_member (o, name);
}

JsonNode *
lc_recording_to_json (const LcRecording *recording)
{
  JsonObject *o = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *url = g_strdup_printf ("/api/v1/recordings/%s/file", recording->id);

  json_object_set_string_member (o, "id", recording->id);
  json_object_set_string_member (o, "lesson_id", recording->lesson_id);
  json_object_set_string_member (o, "state", lc_recording_state_to_string (recording->state));
  json_object_set_int_member (o, "progress", recording->progress);
  set_string_or_null (o, "failure_reason", recording->failure_reason);
  json_object_set_int_member (o, "duration_ms", recording->duration_ms);
  json_object_set_int_member (o, "size_bytes", recording->size_bytes);
  set_string_or_null (o, "video_codec", recording->video_codec);
  set_string_or_null (o, "audio_codec", recording->audio_codec);
  set_string_or_null (o, "sha256", recording->sha256);
  set_time_or_null (o, "started_at", recording->started_at);
  set_time_or_null (o, "ended_at", recording->ended_at);
  if (recording->state == LC_RECORDING_READY)
    json_object_set_string_member (o, "url", url);
  else
    json_object_set_null_member (o, "url");
  json_node_take_object (node, o);
  return node;
}

JsonArray *
lc_api_lesson_recordings (LcApi *api, const LcPrincipal *p, const LcLesson *lesson, GError **error)
{
  g_autoptr (GPtrArray) recordings = NULL;
  LcRecordingFilter filter = { 0 };
  JsonArray *items;

  filter.lesson_id = lesson->id;
  filter.scope = LC_LESSON_SCOPE_ALL; /* the lesson itself was reachable */
  filter.state = lc_can_see_lesson_staff (p, lesson) ? -1 : (int)LC_RECORDING_READY;
  filter.limit = 100;
  recordings = lc_store_list_recordings (api->store, &filter, error);
  if (recordings == NULL)
    return NULL;
  items = json_array_new ();
  for (guint i = 0; i < recordings->len; i++)
    json_array_add_element (items, lc_recording_to_json (g_ptr_array_index (recordings, i)));
  return items;
}

/* ---- files ---- */

typedef enum
{
  RANGE_IGNORE,        /* no usable Range: the whole file */
  RANGE_OK,            /* [start, end] */
  RANGE_UNSATISFIABLE, /* 416 */
} RangeResult;

static gboolean
parse_offset (const char *text, gint64 *out)
{
  guint64 value = 0;

  if (text[0] == '\0' || !g_ascii_isdigit (text[0])
      || !g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT64, &value, NULL))
    return FALSE;
  *out = (gint64)value;
  return TRUE;
}

/* One "bytes=a-b", "bytes=a-" or "bytes=-n" range (RFC 9110 14.1.2). Other
 * units and multiple ranges are ignored (the whole file is sent); a broken
 * or unsatisfiable bytes range is 416. */
static RangeResult
parse_range (const char *header, gint64 size, gint64 *start, gint64 *end)
{
  g_autofree char *spec = NULL;
  const char *dash;
  g_autofree char *first = NULL;
  g_autofree char *last = NULL;
  gint64 a, b;

  if (g_ascii_strncasecmp (header, "bytes=", 6) != 0)
    return RANGE_IGNORE;
  spec = g_strstrip (g_strdup (header + 6));
  if (strchr (spec, ',') != NULL)
    return RANGE_IGNORE;
  dash = strchr (spec, '-');
  if (dash == NULL)
    return RANGE_UNSATISFIABLE;
  first = g_strstrip (g_strndup (spec, (gsize)(dash - spec)));
  last = g_strstrip (g_strdup (dash + 1));

  if (first[0] == '\0')
    {
      if (!parse_offset (last, &b) || b == 0 || size == 0)
        return RANGE_UNSATISFIABLE;
      *start = size > b ? size - b : 0;
      *end = size - 1;
      return RANGE_OK;
    }
  if (!parse_offset (first, &a))
    return RANGE_UNSATISFIABLE;
  if (last[0] == '\0')
    b = G_MAXINT64;
  else if (!parse_offset (last, &b) || b < a)
    return RANGE_UNSATISFIABLE;
  if (a >= size)
    return RANGE_UNSATISFIABLE;
  *start = a;
  *end = MIN (b, size - 1);
  return RANGE_OK;
}

/* Strong comparison of If-Range with the validators (RFC 9110 13.1.5). */
static gboolean
if_range_allows (LcRequest *req, const char *etag, const char *last_modified)
{
  const char *if_range = lc_request_get_header (req, "If-Range");

  if (if_range == NULL)
    return TRUE;
  if (if_range[0] == '"')
    return strcmp (if_range, etag) == 0;
  return strcmp (if_range, last_modified) == 0;
}

static gboolean
etag_list_matches (const char *header, const char *etag)
{
  g_auto (GStrv) tags = g_strsplit (header, ",", 32);

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

static void
respond_unsatisfiable (LcRequest *req, gint64 size)
{
  g_autofree char *content_range = g_strdup_printf ("bytes */%" G_GINT64_FORMAT, size);
  g_autofree char *detail = g_strdup_printf (
      "the requested range is outside the file of %" G_GINT64_FORMAT " bytes", size);
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *body = NULL;
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "type", "urn:lessoncast:problem:range-not-satisfiable");
  json_object_set_string_member (o, "title", "Range not satisfiable");
  json_object_set_int_member (o, "status", SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE);
  json_object_set_string_member (o, "detail", detail);
  json_object_set_string_member (o, "instance", lc_request_get_path (req));
  json_node_take_object (root, o);
  body = lc_json_to_string (root);
  lc_request_set_header (req, "Content-Range", content_range);
  lc_request_set_header (req, "Cache-Control", "no-store");
  lc_request_respond_text (req, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE,
                           "application/problem+json", body);
}

gboolean
lc_api_respond_file (LcRequest *req, const char *path, const char *content_type, const char *etag,
                     gboolean ranges, GError **error)
{
  SoupServerMessage *msg = lc_request_get_message (req);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree char *own_etag = NULL;
  g_autofree char *last_modified = NULL;
  g_autoptr (GDateTime) mtime = NULL;
  g_autoptr (GMappedFile) mapped = NULL;
  g_autoptr (GBytes) whole = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) map_error = NULL;
  const char *range = lc_request_get_header (req, "Range");
  const char *inm = lc_request_get_header (req, "If-None-Match");
  gint64 start = 0, end = -1;
  guint status = SOUP_STATUS_OK;
  struct stat st;
  int fd;

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0 || fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      if (fd >= 0)
        close (fd);
      lc_set_error (error, LC_ERROR_NOT_FOUND, NULL, "no such file");
      return FALSE;
    }
  if (etag == NULL)
    {
      gint64 mtime_ns
          = (gint64)st.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + st.st_mtim.tv_nsec;

      own_etag = g_strdup_printf ("\"%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER
                                  "x-%" G_GINT64_MODIFIER "x\"",
                                  (gint64)st.st_size, mtime_ns, (gint64)st.st_ino);
      etag = own_etag;
    }
  mtime = g_date_time_new_from_unix_utc (st.st_mtim.tv_sec);
  last_modified = soup_date_time_to_string (mtime, SOUP_DATE_HTTP);
  lc_request_set_header (req, "ETag", etag);
  lc_request_set_header (req, "Last-Modified", last_modified);
  if (ranges)
    lc_request_set_header (req, "Accept-Ranges", "bytes");

  if (inm != NULL && etag_list_matches (inm, etag))
    {
      close (fd);
      lc_request_respond_empty (req, SOUP_STATUS_NOT_MODIFIED);
      return TRUE;
    }

  end = (gint64)st.st_size - 1;
  if (ranges && range != NULL && if_range_allows (req, etag, last_modified))
    {
      switch (parse_range (range, (gint64)st.st_size, &start, &end))
        {
        case RANGE_UNSATISFIABLE:
          close (fd);
          respond_unsatisfiable (req, (gint64)st.st_size);
          return TRUE;
        case RANGE_OK:
          {
            g_autofree char *content_range = g_strdup_printf (
                "bytes %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT, start, end,
                (gint64)st.st_size);

            lc_request_set_header (req, "Content-Range", content_range);
            status = SOUP_STATUS_PARTIAL_CONTENT;
            break;
          }
        case RANGE_IGNORE:
        default:
          break;
        }
    }
  if (status == SOUP_STATUS_OK && range != NULL)
    /* The whole file on purpose (If-Range mismatch, other unit, several
     * ranges): keep libsoup from cutting a 200 down to the Range itself. */
    soup_message_headers_remove (soup_server_message_get_request_headers (msg), "Range");

  if (strcmp (lc_request_get_method (req), "HEAD") == 0)
    {
      close (fd);
      soup_message_headers_set_content_length (headers, (goffset)(end - start + 1));
      lc_request_respond_bytes (req, status, content_type, NULL);
      return TRUE;
    }
  if (st.st_size > 0)
    {
      mapped = g_mapped_file_new_from_fd (fd, FALSE, &map_error);
      close (fd);
      if (mapped == NULL)
        {
          lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot map %s: %s", path,
                        map_error->message);
          return FALSE;
        }
      whole = g_mapped_file_get_bytes (mapped);
      body = g_bytes_new_from_bytes (whole, (gsize)start, (gsize)(end - start + 1));
    }
  else
    close (fd);
  lc_request_respond_bytes (req, status, content_type, body);
  return TRUE;
}

/* ---- access ---- */

static LcRecording *
load_recording (LcApi *api, LcRequest *req, GError **error)
{
  const char *id = lc_api_get_id_param (req, "recording", error);

  return id != NULL ? lc_store_get_recording (api->store, id, error) : NULL;
}

/* The recording and its lesson, if the caller may see them: the public only
 * sees ready recordings (404 otherwise, as if absent). */
static LcRecording *
load_visible (LcApi *api, LcRequest *req, const LcPrincipal *p, LcLesson **lesson_out,
              GError **error)
{
  g_autoptr (LcRecording) recording = load_recording (api, req, error);
  g_autoptr (LcLesson) lesson = NULL;

  if (recording == NULL)
    return NULL;
  lesson = lc_store_get_lesson (api->store, recording->lesson_id, error);
  if (lesson == NULL)
    return NULL;
  if (recording->state != LC_RECORDING_READY && !lc_can_see_lesson_staff (p, lesson))
    {
      lc_set_error (error, LC_ERROR_NOT_FOUND, NULL, "no such recording");
      return NULL;
    }
  if (lesson_out != NULL)
    *lesson_out = g_steal_pointer (&lesson);
  return g_steal_pointer (&recording);
}

/* The recording's file below the recordings dir, or NULL. (transfer full) */
static char *
recording_file (LcApi *api, const LcRecording *recording)
{
  if (recording->path == NULL || recording->path[0] == '\0')
    return NULL;
  return lc_path_resolve_in_root (api->recordings_dir, recording->path, NULL);
}

/* ---- routes ---- */

static gboolean
route_recordings_list (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = NULL;
  g_autoptr (LcLesson) lesson = NULL;
  g_autoptr (JsonArray) cursor = NULL;
  g_autoptr (GPtrArray) recordings = NULL;
  g_autoptr (JsonArray) items = NULL;
  g_autofree char *next = NULL;
  LcRecordingFilter filter = { 0 };
  const char *lesson_id, *state;
  gboolean all_states;
  guint limit;

  if (!lc_api_authenticate (api, req, &p, error) || !lc_api_check_query (req, list_query, error)
      || !lc_api_parse_limit (api, req, &limit, error))
    return FALSE;

  lesson_id = lc_request_get_query (req, "lesson");
  if (lesson_id != NULL)
    {
      g_autoptr (GError) local_error = NULL;

      if (!lc_id_is_valid (lesson_id))
        {
          lc_set_error (error, LC_ERROR_INVALID, "lesson", "lesson must be a lesson id");
          return FALSE;
        }
      lesson = lc_store_get_lesson (api->store, lesson_id, &local_error);
      if (lesson == NULL)
        {
          if (!g_error_matches (local_error, LC_ERROR, LC_ERROR_NOT_FOUND))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          lc_api_respond_list (req, json_array_new (), NULL);
          return TRUE;
        }
      /* Like the lesson itself, an unlisted lesson's recordings are reachable by its id. */
      filter.lesson_id = lesson_id;
      filter.scope = LC_LESSON_SCOPE_ALL;
      all_states = lc_can_see_lesson_staff (p, lesson);
    }
  else
    {
      /* Staff see every state within their scope, the public ready ones only. */
      filter.scope = lc_api_lesson_list_scope (p, &filter.scope_school_id);
      all_states = filter.scope != LC_LESSON_SCOPE_PUBLIC;
    }

  filter.state = all_states ? -1 : (int)LC_RECORDING_READY;
  state = lc_request_get_query (req, "state");
  if (state != NULL)
    {
      LcRecordingState s;

      if (!lc_recording_state_from_string (state, &s))
        {
          lc_set_error (error, LC_ERROR_INVALID, "state",
                        "state must be recording, finalizing, ready or failed");
          return FALSE;
        }
      if (!all_states && s != LC_RECORDING_READY)
        {
          lc_api_respond_list (req, json_array_new (), NULL);
          return TRUE;
        }
      filter.state = (int)s;
    }
  /* (started_at, id): the same keyset cursor shape as lessons. */
  if (!lc_api_time_cursor_parse (req, &filter.after_set, &filter.after_started_at, &filter.after_id,
                                 &cursor, error))
    return FALSE;
  filter.limit = limit + 1;

  recordings = lc_store_list_recordings (api->store, &filter, error);
  if (recordings == NULL)
    return FALSE;
  items = json_array_new ();
  for (guint i = 0; i < recordings->len && i < limit; i++)
    json_array_add_element (items, lc_recording_to_json (g_ptr_array_index (recordings, i)));
  if (recordings->len > limit)
    {
      const LcRecording *last = g_ptr_array_index (recordings, limit - 1);

      next = lc_api_time_cursor_encode (last->started_at, last->id);
    }
  lc_api_respond_list (req, g_steal_pointer (&items), next);
  return TRUE;
}

static gboolean
route_recording_get (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = NULL;
  g_autoptr (LcRecording) recording = NULL;
  g_autoptr (JsonNode) root = NULL;

  if (!lc_api_authenticate (api, req, &p, error) || !lc_api_check_query (req, no_query, error))
    return FALSE;
  recording = load_visible (api, req, p, NULL, error);
  if (recording == NULL)
    return FALSE;
  root = lc_recording_to_json (recording);
  lc_request_respond_json (req, 200, root);
  return TRUE;
}

static void
remove_file (const char *path)
{
  if (g_unlink (path) != 0 && errno != ENOENT)
    g_warning ("cannot remove %s: %s", path, g_strerror (errno));
}

static gboolean
route_recording_delete (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);
  g_autoptr (LcRecording) recording = NULL;
  g_autoptr (LcLesson) lesson = NULL;
  g_autofree char *file = NULL;
  g_autofree char *part = NULL;
  g_autofree char *part_name = NULL;

  if (p == NULL || !lc_api_check_query (req, no_query, error))
    return FALSE;
  recording = load_visible (api, req, p, &lesson, error);
  if (recording == NULL)
    return FALSE;
  if (!lc_principal_is_operator (p) && !lc_principal_is_coordinator_of (p, lesson->school_id))
    {
      lc_set_error (error, LC_ERROR_FORBIDDEN, NULL,
                    "only a coordinator of the lesson's school or an operator may delete "
                    "recordings");
      return FALSE;
    }
  if (recording->state == LC_RECORDING_RECORDING || recording->state == LC_RECORDING_FINALIZING)
    {
      lc_set_error (error, LC_ERROR_CONFLICT, NULL,
                    "the recording is still being %s; delete it when it is ready or failed",
                    recording->state == LC_RECORDING_RECORDING ? "written" : "finalised");
      return FALSE;
    }

  file = recording_file (api, recording);
  part_name = g_strdup_printf ("%s.part.mp4", recording->id);
  part = g_build_filename (api->recordings_dir, recording->lesson_id, part_name, NULL);
  if (!lc_store_delete_recording (api->store, recording->id, error))
    return FALSE;
  if (file != NULL)
    remove_file (file);
  remove_file (part);
  lc_api_audit (api, req, p, "recording.delete", "recording", recording->id, NULL);
  lc_request_respond_empty (req, SOUP_STATUS_NO_CONTENT);
  return TRUE;
}

/* "Title-2026-11-30.mp4" as an ASCII fallback and the UTF-8 title for
 * filename* (RFC 6266). */
static char *
content_disposition (const LcLesson *lesson, const LcRecording *recording)
{
  g_autoptr (GDateTime) when = g_date_time_new_from_unix_utc (
      recording->started_at > 0 ? recording->started_at : lesson->starts_at);
  g_autofree char *date = g_date_time_format (when, "%Y-%m-%d");
  g_autofree char *title
      = g_utf8_substring (lesson->title, 0, MIN (g_utf8_strlen (lesson->title, -1), 80));
  g_autofree char *full = g_strdup_printf ("%s %s.mp4", title, date);
  g_autofree char *encoded = g_uri_escape_string (full, NULL, FALSE);
  g_autofree char *ascii = g_strdup (full);

  /* Anything but ASCII letters, digits, "." and "-" becomes "_" in the fallback. */
  for (char *c = ascii; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c) && *c != '.' && *c != '-')
      *c = '_';
  return g_strdup_printf ("inline; filename=\"%s\"; filename*=UTF-8''%s", ascii, encoded);
}

static gboolean
route_recording_file (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = NULL;
  g_autoptr (LcRecording) recording = NULL;
  g_autoptr (LcLesson) lesson = NULL;
  g_autofree char *file = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *disposition = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!lc_api_authenticate (api, req, &p, error) || !lc_api_check_query (req, no_query, error))
    return FALSE;
  recording = load_visible (api, req, p, &lesson, error);
  if (recording == NULL)
    return FALSE;
  if (recording->state != LC_RECORDING_READY)
    {
      lc_set_error (error, LC_ERROR_CONFLICT, NULL, "the recording is %s, not ready",
                    lc_recording_state_to_string (recording->state));
      return FALSE;
    }
  file = recording_file (api, recording);
  if (file == NULL)
    {
      g_warning ("recording %s: its file %s is missing", recording->id,
                 recording->path != NULL ? recording->path : "(none)");
      lc_set_error (error, LC_ERROR_NOT_FOUND, NULL, "the recording's file is missing");
      return FALSE;
    }

  if (recording->sha256 != NULL && strlen (recording->sha256) >= 32)
    etag = g_strdup_printf ("\"%.32s\"", recording->sha256);
  disposition = content_disposition (lesson, recording);
  lc_request_set_header (req, "Content-Disposition", disposition);
  /* Revalidated (If-None-Match) on every use, so a deletion takes effect. */
  lc_request_set_header (req, "Cache-Control", "no-cache");
  if (!lc_api_respond_file (req, file, MP4_TYPE, etag, TRUE, &local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/* ---- pages ---- */

gboolean
lc_api_respond_page (LcApi *api, LcRequest *req, const char *name, GError **error)
{
  g_autofree char *file = NULL;

  if (api->web_root != NULL)
    file = lc_path_resolve_in_root (api->web_root, name, NULL);
  if (file == NULL)
    {
      lc_set_error (error, LC_ERROR_NOT_FOUND, NULL, "no page at %s", lc_request_get_path (req));
      return FALSE;
    }
  lc_request_set_header (req, "Cache-Control", "no-cache");
  lc_request_set_header (req, "Content-Security-Policy", PAGE_CSP);
  lc_request_set_header (req, "Referrer-Policy", "same-origin");
  return lc_api_respond_file (req, file, "text/html; charset=utf-8", NULL, FALSE, error);
}

static gboolean
route_studio_page (LcApi *api, LcRequest *req, GError **error)
{
  return lc_api_respond_page (api, req, "studio.html", error);
}

static gboolean
route_watch_page (LcApi *api, LcRequest *req, GError **error)
{
  return lc_api_respond_page (api, req, "watch.html", error);
}

LC_API_DEFINE_HANDLER (handle_recordings_list, route_recordings_list)
LC_API_DEFINE_HANDLER (handle_recording_get, route_recording_get)
LC_API_DEFINE_HANDLER (handle_recording_delete, route_recording_delete)
LC_API_DEFINE_HANDLER (handle_recording_file, route_recording_file)
LC_API_DEFINE_HANDLER (handle_studio_page, route_studio_page)
LC_API_DEFINE_HANDLER (handle_watch_page, route_watch_page)

static const LcApiRoute recording_routes[] = {
  { "GET", "/api/v1/recordings", handle_recordings_list },
  { "GET", "/api/v1/recordings/{id}", handle_recording_get },
  { "DELETE", "/api/v1/recordings/{id}", handle_recording_delete },
  { "GET", "/api/v1/recordings/{id}/file", handle_recording_file },
  { "GET", "/studio/{id}", handle_studio_page },
  { "GET", "/watch/{id}", handle_watch_page },
};

void
lc_api_register_recordings (LcApi *api, LcHttpServer *server)
{
  lc_api_add_routes (api, server, recording_routes, G_N_ELEMENTS (recording_routes));
}
