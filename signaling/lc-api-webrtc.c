/* lc-api-webrtc.c — the WHIP (RFC 9725) and WHEP resources:
 *
 *   POST    /whip/{lesson}            publish (Bearer publish key or ?key=) → 201 + SDP answer
 *   PATCH   /whip/{lesson}/{session}  trickle (204) or ICE restart (If-Match → 200 + fragment)
 *   DELETE  /whip/{lesson}/{session}  stop: the broadcast ends
 *   OPTIONS on both                   CORS preflight, Accept-Post / Accept-Patch
 *   …and the same under /whep/ for viewers (no key; 409 + starts_at before live).
 *
 * Answers are asynchronous: the request is paused and answered when the
 * session's SDP answer is ready; a client that goes away meanwhile cancels it.
 * Session creation is rate-limited per client address (whip.rate_limit per
 * minute, token bucket). The media side is reached through LcLive only. */
#include "signaling/lc-api-private.h"

#include <math.h>
#include <string.h>

#include "streamer/lc-sdp.h"

#define SDP_TYPE "application/sdp"
#define SDPFRAG_TYPE "application/trickle-ice-sdpfrag"
#define CORS_ALLOW_HEADERS "Authorization, Content-Type, If-Match"
#define CORS_EXPOSE_HEADERS "Location, ETag, Link, Accept-Patch, Accept-Post, Retry-After"
#define CORS_MAX_AGE "86400"
/* Retry-After for a WHEP viewer that came before the lesson went live. */
#define NOT_LIVE_RETRY_S 5
/* Buckets of clients idle this long are forgotten. */
#define BUCKET_PRUNE_INTERVAL_US (60 * G_USEC_PER_SEC)

static const char *const no_query[] = { NULL };
static const char *const whip_query[] = { "key", NULL };

static const char *
role_prefix (LcLiveRole role)
{
  return role == LC_LIVE_PUBLISHER ? "whip" : "whep";
}

static void
set_cors (LcRequest *req)
{
  lc_request_set_header (req, "Access-Control-Allow-Origin", "*");
  lc_request_set_header (req, "Access-Control-Expose-Headers", CORS_EXPOSE_HEADERS);
}

/* ---- rate limit: a token bucket per client address ---- */

typedef struct
{
  double tokens;
  gint64 last_us;
} Bucket;

static void
refill (Bucket *bucket, double capacity, double per_us, gint64 now)
{
  bucket->tokens = MIN (capacity, bucket->tokens + (double)(now - bucket->last_us) * per_us);
  bucket->last_us = now;
}

static gboolean
take_token (LcApi *api, const char *client, GError **error)
{
  double capacity = (double)lc_config_get_int (api->config, "whip.rate_limit");
  double per_us = capacity / (60.0 * G_USEC_PER_SEC);
  gint64 now = g_get_monotonic_time ();
  Bucket *bucket;

  if (now - api->whip_pruned_us > BUCKET_PRUNE_INTERVAL_US)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, api->whip_buckets);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          refill (value, capacity, per_us, now);
          if (((Bucket *)value)->tokens >= capacity)
            g_hash_table_iter_remove (&iter);
        }
      api->whip_pruned_us = now;
    }

  bucket = g_hash_table_lookup (api->whip_buckets, client);
  if (bucket == NULL)
    {
      bucket = g_new0 (Bucket, 1);
      bucket->tokens = capacity;
      bucket->last_us = now;
      g_hash_table_insert (api->whip_buckets, g_strdup (client), bucket);
    }
  refill (bucket, capacity, per_us, now);
  if (bucket->tokens >= 1.0)
    {
      bucket->tokens -= 1.0;
      return TRUE;
    }
  lc_set_error (error, LC_ERROR_RATE_LIMITED, NULL,
                "too many session requests from this address; try again later");
  if (error != NULL)
    lc_error_set_retry_after (
        *error, (int)MAX (1.0, ceil ((1.0 - bucket->tokens) / per_us / G_USEC_PER_SEC)));
  return FALSE;
}

/* A request that turned out not to need a media session (a viewer early for
 * the lesson, polling as told by Retry-After) does not count. */
static void
return_token (LcApi *api, const char *client)
{
  double capacity = (double)lc_config_get_int (api->config, "whip.rate_limit");
  Bucket *bucket = g_hash_table_lookup (api->whip_buckets, client);

  if (bucket != NULL)
    bucket->tokens = MIN (capacity, bucket->tokens + 1.0);
}

/* ---- request checks ---- */

static gboolean
require_live (LcApi *api, GError **error)
{
  if (api->live != NULL)
    return TRUE;
  lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL, "live lessons are not available on this server");
  return FALSE;
}

static LcLesson *
load_lesson (LcApi *api, LcRequest *req, GError **error)
{
  const char *id = lc_request_get_param (req, "lesson");

  if (!lc_id_is_valid (id))
    {
      lc_set_error (error, LC_ERROR_NOT_FOUND, NULL, "no such lesson");
      return NULL;
    }
  return lc_store_get_lesson (api->store, id, error);
}

static gboolean
check_not_over (const LcLesson *lesson, GError **error)
{
  if (lesson->status == LC_LESSON_CANCELLED)
    {
      lc_set_error (error, LC_ERROR_FORBIDDEN, NULL, "the lesson was cancelled");
      return FALSE;
    }
  if (lesson->status == LC_LESSON_ENDED)
    {
      lc_set_error (error, LC_ERROR_FORBIDDEN, NULL, "the lesson has ended");
      return FALSE;
    }
  return TRUE;
}

/* The lesson's publish key, from "Authorization: Bearer" or ?key=, compared
 * in constant time. */
static gboolean
check_publish_key (LcRequest *req, const LcLesson *lesson, GError **error)
{
  const char *authorization = lc_request_get_header (req, "Authorization");
  g_autofree char *key = NULL;

  if (authorization != NULL)
    {
      if (g_ascii_strncasecmp (authorization, "Bearer ", 7) != 0)
        {
          lc_set_error (error, LC_ERROR_UNAUTHORIZED, NULL,
                        "send the lesson's publish key as Authorization: Bearer <key>");
          return FALSE;
        }
      key = g_strstrip (g_strdup (authorization + 7));
    }
  else
    key = g_strdup (lc_request_get_query (req, "key"));

  if (key == NULL || key[0] == '\0')
    {
      lc_set_error (error, LC_ERROR_UNAUTHORIZED, NULL,
                    "the publish key is missing: send Authorization: Bearer <key>");
      return FALSE;
    }
  if (!lc_const_equal (key, lesson->publish_key))
    {
      lc_set_error (error, LC_ERROR_UNAUTHORIZED, NULL, "wrong publish key");
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_content_type (LcRequest *req, const char *want, GError **error)
{
  const char *type = soup_message_headers_get_content_type (
      soup_server_message_get_request_headers (lc_request_get_message (req)), NULL);

  if (type != NULL && g_ascii_strcasecmp (type, want) == 0)
    return TRUE;
  lc_set_error (error, LC_ERROR_UNSUPPORTED_MEDIA_TYPE, NULL, "the request body must be %s", want);
  return FALSE;
}

/* The body as a string: at most max bytes, no NUL, valid UTF-8. */
static char *
body_text (LcRequest *req, gsize max, GError **error)
{
  GBytes *body = lc_request_get_body (req);
  gsize len = 0;
  const char *data = g_bytes_get_data (body, &len);

  if (len == 0)
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL, "the request body is empty");
      return NULL;
    }
  if (len > max)
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL, "the body exceeds %" G_GSIZE_FORMAT " bytes",
                    max);
      return NULL;
    }
  if (memchr (data, '\0', len) != NULL || !g_utf8_validate_len (data, len, NULL))
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL, "the body is not UTF-8 text");
      return NULL;
    }
  return g_strndup (data, len);
}

/* ---- asynchronous answers ---- */

typedef struct
{
  LcApi *api;
  LcRequest *req;
  SoupServerMessage *msg;
  LcLiveRole role;
  char *lesson_id;
  GCancellable *cancellable;
  gulong finished_handler;
  gulong disconnected_handler;
} Pending;

static void
on_client_gone (SoupServerMessage *msg, gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

/* Pauses the request until the answer is ready. */
static Pending *
pending_new (LcApi *api, LcRequest *req, LcLiveRole role, const char *lesson_id)
{
  Pending *p = g_new0 (Pending, 1);

  p->api = g_object_ref (api);
  p->req = lc_request_ref (req);
  p->msg = g_object_ref (lc_request_get_message (req));
  p->role = role;
  p->lesson_id = g_strdup (lesson_id);
  p->cancellable = g_cancellable_new ();
  p->finished_handler
      = g_signal_connect (p->msg, "finished", G_CALLBACK (on_client_gone), p->cancellable);
  p->disconnected_handler
      = g_signal_connect (p->msg, "disconnected", G_CALLBACK (on_client_gone), p->cancellable);
  lc_request_pause (req);
  return p;
}

/* Before answering: from now on the message's own signals are expected. */
static void
pending_detach (Pending *p)
{
  if (p->finished_handler != 0)
    g_signal_handler_disconnect (p->msg, p->finished_handler);
  if (p->disconnected_handler != 0)
    g_signal_handler_disconnect (p->msg, p->disconnected_handler);
  p->finished_handler = p->disconnected_handler = 0;
}

static void
pending_free (Pending *p)
{
  pending_detach (p);
  g_object_unref (p->msg);
  g_object_unref (p->cancellable);
  lc_request_unref (p->req);
  g_object_unref (p->api);
  g_free (p->lesson_id);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pending, pending_free)

static void
respond_created (Pending *p, const LcLiveAnswer *answer)
{
  LcRequest *req = p->req;
  g_autofree char *location
      = g_strdup_printf ("/%s/%s/%s", role_prefix (p->role), p->lesson_id, answer->session_id);
  g_auto (GStrv) links = NULL;

  /* The TURN credentials are per session (user = the session id). */
  links = lc_ice_link_headers (lc_live_get_ice (p->api->live), answer->session_id, lc_time_now ());
  for (guint i = 0; links != NULL && links[i] != NULL; i++)
    lc_request_append_header (req, "Link", links[i]);
  lc_request_set_header (req, "Location", location);
  lc_request_set_header (req, "ETag", answer->etag);
  lc_request_set_header (req, "Accept-Patch", SDPFRAG_TYPE);
  lc_request_set_header (req, "Cache-Control", "no-store");
  /* libsoup 3.2 leaves client-closed keep-alive connections in CLOSE-WAIT
   * (MEDIA-NOTES.md): one stuck fd per viewer. Later PATCH/DELETE requests
   * are rare; they open a new connection. */
  lc_request_set_header (req, "Connection", "close");
  lc_request_respond_text (req, SOUP_STATUS_CREATED, SDP_TYPE, answer->sdp);
}

static void
on_session_answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Pending) p = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (LcLiveAnswer) answer = NULL;

  if (p->role == LC_LIVE_PUBLISHER)
    answer = lc_live_publish_finish (LC_LIVE (source), result, &error);
  else
    answer = lc_live_view_finish (LC_LIVE (source), result, &error);
  pending_detach (p);
  if (answer == NULL)
    lc_request_respond_error (p->req, error);
  else
    respond_created (p, answer);
}

/* 409 for a viewer that came too early, with the lesson's start. */
static void
respond_not_live (LcRequest *req, const LcLesson *lesson)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *starts_at = lc_time_format_rfc3339 (lesson->starts_at);
  g_autofree char *text = NULL;
  g_autoptr (JsonNode) root = NULL;
  char retry[16];

  lc_set_error (&error, LC_ERROR_CONFLICT, NULL,
                "the lesson is not live yet; it is scheduled to start at %s", starts_at);
  text = lc_problem_to_json (error, lc_request_get_path (req));
  root = json_from_string (text, NULL);
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonObject *o = json_node_get_object (root);

      json_object_set_string_member (o, "starts_at", starts_at);
      json_object_set_int_member (o, "retry_after", NOT_LIVE_RETRY_S);
      g_free (text);
      text = lc_json_to_string (root);
    }
  g_snprintf (retry, sizeof retry, "%d", NOT_LIVE_RETRY_S);
  lc_request_set_header (req, "Retry-After", retry);
  lc_request_set_header (req, "Cache-Control", "no-store");
  lc_request_respond_text (req, SOUP_STATUS_CONFLICT, "application/problem+json", text);
}

static gboolean
post_session (LcApi *api, LcRequest *req, LcLiveRole role, GError **error)
{
  g_autoptr (LcLesson) lesson = NULL;
  g_autofree char *sdp = NULL;
  Pending *p;

  set_cors (req);
  if (!take_token (api, lc_request_get_client (req), error) || !require_live (api, error))
    return FALSE;
  lesson = load_lesson (api, req, error);
  if (lesson == NULL)
    return FALSE;
  if (role == LC_LIVE_PUBLISHER)
    {
      if (!check_publish_key (req, lesson, error) || !lc_api_check_query (req, whip_query, error))
        return FALSE;
    }
  else if (!lc_api_check_query (req, no_query, error))
    return FALSE;
  if (!check_not_over (lesson, error) || !check_content_type (req, SDP_TYPE, error))
    return FALSE;
  sdp = body_text (req, LC_SDP_MAX_BYTES, error);
  if (sdp == NULL)
    return FALSE;
  if (role == LC_LIVE_VIEWER && !lc_live_is_live (api->live, lesson->id))
    {
      return_token (api, lc_request_get_client (req));
      respond_not_live (req, lesson);
      return TRUE;
    }

  p = pending_new (api, req, role, lesson->id);
  if (role == LC_LIVE_PUBLISHER)
    lc_live_publish_async (api->live, lesson, sdp, lc_request_get_client (req), p->cancellable,
                           on_session_answered, p);
  else
    lc_live_view_async (api->live, lesson, sdp, lc_request_get_client (req), p->cancellable,
                        on_session_answered, p);
  return TRUE;
}

static gboolean
route_whip_post (LcApi *api, LcRequest *req, GError **error)
{
  return post_session (api, req, LC_LIVE_PUBLISHER, error);
}

static gboolean
route_whep_post (LcApi *api, LcRequest *req, GError **error)
{
  return post_session (api, req, LC_LIVE_VIEWER, error);
}

/* ---- session resources ---- */

static gboolean
check_session_params (LcRequest *req, GError **error)
{
  const char *lesson_id = lc_request_get_param (req, "lesson");
  const char *session_id = lc_request_get_param (req, "session");

  if (!lc_id_is_valid (lesson_id) || !lc_id_is_valid (session_id))
    {
      lc_set_error (error, LC_ERROR_NOT_FOUND, NULL, "no such session");
      return FALSE;
    }
  return lc_api_check_query (req, no_query, error);
}

static void
on_session_patched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Pending) p = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (LcLiveAnswer) answer = NULL;

  answer = lc_live_patch_finish (LC_LIVE (source), result, &error);
  pending_detach (p);
  if (answer == NULL)
    {
      lc_request_respond_error (p->req, error);
      return;
    }
  lc_request_set_header (p->req, "ETag", answer->etag);
  if (answer->sdp == NULL)
    lc_request_respond_empty (p->req, SOUP_STATUS_NO_CONTENT);
  else
    {
      lc_request_set_header (p->req, "Cache-Control", "no-store");
      lc_request_respond_text (p->req, SOUP_STATUS_OK, SDPFRAG_TYPE, answer->sdp);
    }
}

static gboolean
patch_session (LcApi *api, LcRequest *req, LcLiveRole role, GError **error)
{
  g_autofree char *fragment = NULL;
  Pending *p;

  set_cors (req);
  if (!require_live (api, error) || !check_session_params (req, error)
      || !check_content_type (req, SDPFRAG_TYPE, error))
    return FALSE;
  fragment = body_text (req, LC_SDP_MAX_BYTES, error);
  if (fragment == NULL)
    return FALSE;

  p = pending_new (api, req, role, lc_request_get_param (req, "lesson"));
  lc_live_patch_async (api->live, role, p->lesson_id, lc_request_get_param (req, "session"),
                       lc_request_get_header (req, "If-Match"), fragment, p->cancellable,
                       on_session_patched, p);
  return TRUE;
}

static gboolean
route_whip_patch (LcApi *api, LcRequest *req, GError **error)
{
  return patch_session (api, req, LC_LIVE_PUBLISHER, error);
}

static gboolean
route_whep_patch (LcApi *api, LcRequest *req, GError **error)
{
  return patch_session (api, req, LC_LIVE_VIEWER, error);
}

static gboolean
delete_session (LcApi *api, LcRequest *req, LcLiveRole role, GError **error)
{
  set_cors (req);
  if (!require_live (api, error) || !check_session_params (req, error)
      || !lc_live_delete_session (api->live, role, lc_request_get_param (req, "lesson"),
                                  lc_request_get_param (req, "session"), error))
    return FALSE;
  lc_request_respond_empty (req, SOUP_STATUS_OK);
  return TRUE;
}

static gboolean
route_whip_delete (LcApi *api, LcRequest *req, GError **error)
{
  return delete_session (api, req, LC_LIVE_PUBLISHER, error);
}

static gboolean
route_whep_delete (LcApi *api, LcRequest *req, GError **error)
{
  return delete_session (api, req, LC_LIVE_VIEWER, error);
}

/* ---- OPTIONS (CORS preflight) ---- */

static void
respond_options (LcRequest *req, const char *allow)
{
  set_cors (req);
  lc_request_set_header (req, "Allow", allow);
  lc_request_set_header (req, "Access-Control-Allow-Methods", allow);
  lc_request_set_header (req, "Access-Control-Allow-Headers", CORS_ALLOW_HEADERS);
  lc_request_set_header (req, "Access-Control-Max-Age", CORS_MAX_AGE);
  lc_request_respond_empty (req, SOUP_STATUS_NO_CONTENT);
}

static void
handle_collection_options (LcRequest *req, gpointer user_data)
{
  lc_request_set_header (req, "Accept-Post", SDP_TYPE);
  respond_options (req, "OPTIONS, POST");
}

static void
handle_session_options (LcRequest *req, gpointer user_data)
{
  lc_request_set_header (req, "Accept-Patch", SDPFRAG_TYPE);
  respond_options (req, "OPTIONS, PATCH, DELETE");
}

LC_API_DEFINE_HANDLER (handle_whip_post, route_whip_post)
LC_API_DEFINE_HANDLER (handle_whip_patch, route_whip_patch)
LC_API_DEFINE_HANDLER (handle_whip_delete, route_whip_delete)
LC_API_DEFINE_HANDLER (handle_whep_post, route_whep_post)
LC_API_DEFINE_HANDLER (handle_whep_patch, route_whep_patch)
LC_API_DEFINE_HANDLER (handle_whep_delete, route_whep_delete)

static const LcApiRoute webrtc_routes[] = {
  { "POST", "/whip/{lesson}", handle_whip_post },
  { "OPTIONS", "/whip/{lesson}", handle_collection_options },
  { "PATCH", "/whip/{lesson}/{session}", handle_whip_patch },
  { "DELETE", "/whip/{lesson}/{session}", handle_whip_delete },
  { "OPTIONS", "/whip/{lesson}/{session}", handle_session_options },
  { "POST", "/whep/{lesson}", handle_whep_post },
  { "OPTIONS", "/whep/{lesson}", handle_collection_options },
  { "PATCH", "/whep/{lesson}/{session}", handle_whep_patch },
  { "DELETE", "/whep/{lesson}/{session}", handle_whep_delete },
  { "OPTIONS", "/whep/{lesson}/{session}", handle_session_options },
};

void
lc_api_register_webrtc (LcApi *api, LcHttpServer *server)
{
  lc_api_add_routes (api, server, webrtc_routes, G_N_ELEMENTS (webrtc_routes));
}
