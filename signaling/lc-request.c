/* lc-request.c — LcRequest: one request being handled (accessors, JSON body
 * parsing, responses) and the one GError → problem+json mapping point. */
#include "signaling/lc-http-private.h"

#include <string.h>

#include "common/lc-error.h"
#include "common/lc-json.h"

typedef struct
{
  gpointer data;
  GDestroyNotify destroy;
} DataEntry;

static void
data_entry_free (gpointer p)
{
  DataEntry *entry = p;

  if (entry->destroy != NULL)
    entry->destroy (entry->data);
  g_free (entry);
}

LcRequest *
lc_request_new (LcHttpServer *server, SoupServerMessage *msg, const char *client, gboolean tls)
{
  LcRequest *req = g_new0 (LcRequest, 1);
  GUri *uri = soup_server_message_get_uri (msg);
  const char *method = soup_server_message_get_method (msg);

  req->ref_count = 1;
  req->server = server;
  g_object_add_weak_pointer (G_OBJECT (server), (gpointer *)&req->server);
  req->msg = g_object_ref (msg);
  req->method = g_strdup (method != NULL ? method : "");
  req->path
      = g_strdup (uri != NULL && g_uri_get_path (uri)[0] != '\0' ? g_uri_get_path (uri) : "/");
  req->query = g_strdup (uri != NULL ? g_uri_get_query (uri) : NULL);
  req->client = g_strdup (client != NULL ? client : "-");
  req->tls = tls;
  return req;
}

LcRequest *
lc_request_ref (LcRequest *req)
{
  g_return_val_if_fail (req != NULL, NULL);
  g_atomic_int_inc (&req->ref_count);
  return req;
}

void
lc_request_unref (LcRequest *req)
{
  if (req == NULL || !g_atomic_int_dec_and_test (&req->ref_count))
    return;
  if (req->server != NULL)
    g_object_remove_weak_pointer (G_OBJECT (req->server), (gpointer *)&req->server);
  g_clear_pointer (&req->data, g_hash_table_unref);
  g_clear_pointer (&req->params, g_hash_table_unref);
  g_clear_pointer (&req->query_params, g_hash_table_unref);
  g_clear_pointer (&req->query_keys, g_ptr_array_unref);
  g_clear_pointer (&req->body, g_bytes_unref);
  g_clear_object (&req->msg);
  g_free (req->method);
  g_free (req->path);
  g_free (req->query);
  g_free (req->route);
  g_free (req->client);
  g_free (req);
}

void
lc_request_set_route (LcRequest *req, const char *pattern, GHashTable *params)
{
  g_free (req->route);
  req->route = g_strdup (pattern);
  g_clear_pointer (&req->params, g_hash_table_unref);
  req->params = params;
}

void
lc_request_mark_finished (LcRequest *req)
{
  req->finished = TRUE;
}

void
lc_request_close_connection (LcRequest *req)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (req->msg), "Connection",
                                "close");
}

/* ---- accessors ---- */

SoupServerMessage *
lc_request_get_message (LcRequest *req)
{
  g_return_val_if_fail (req != NULL, NULL);
  return req->msg;
}

LcHttpServer *
lc_request_get_server (LcRequest *req)
{
  g_return_val_if_fail (req != NULL, NULL);
  return req->server;
}

const char *
lc_request_get_method (LcRequest *req)
{
  g_return_val_if_fail (req != NULL, NULL);
  return req->method;
}

const char *
lc_request_get_path (LcRequest *req)
{
  g_return_val_if_fail (req != NULL, NULL);
  return req->path;
}

const char *
lc_request_get_route (LcRequest *req)
{
  g_return_val_if_fail (req != NULL, NULL);
  return req->route;
}

const char *
lc_request_get_param (LcRequest *req, const char *name)
{
  g_return_val_if_fail (req != NULL && name != NULL, NULL);
  return req->params != NULL ? g_hash_table_lookup (req->params, name) : NULL;
}

/* Form-style decoding: "+" is a space; an invalid escape keeps the raw text. */
static char *
decode_query_part (const char *text, gsize len)
{
  g_autofree char *plus = g_strndup (text, len);
  char *decoded;

  g_strdelimit (plus, "+", ' ');
  decoded = g_uri_unescape_string (plus, NULL);
  return decoded != NULL ? decoded : g_steal_pointer (&plus);
}

static void
parse_query (LcRequest *req)
{
  const char *p;

  if (req->query_params != NULL)
    return;
  req->query_params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  req->query_keys = g_ptr_array_new_with_free_func (g_free);
  if (req->query == NULL)
    return;

  p = req->query;
  while (*p != '\0')
    {
      const char *end = strchr (p, '&');
      gsize len = end != NULL ? (gsize)(end - p) : strlen (p);
      const char *eq = memchr (p, '=', len);

      if (len > 0)
        {
          char *key = decode_query_part (p, eq != NULL ? (gsize)(eq - p) : len);
          char *value
              = eq != NULL ? decode_query_part (eq + 1, len - (gsize)(eq - p) - 1) : g_strdup ("");

          if (!g_hash_table_contains (req->query_params, key))
            g_ptr_array_add (req->query_keys, g_strdup (key));
          g_hash_table_replace (req->query_params, key, value);
        }
      if (end == NULL)
        break;
      p = end + 1;
    }
}

const char *
lc_request_get_query (LcRequest *req, const char *name)
{
  g_return_val_if_fail (req != NULL && name != NULL, NULL);
  parse_query (req);
  return g_hash_table_lookup (req->query_params, name);
}

gboolean
lc_request_has_unknown_query (LcRequest *req, const char *const *allowed, const char **unknown)
{
  g_return_val_if_fail (req != NULL, FALSE);

  parse_query (req);
  for (guint i = 0; i < req->query_keys->len; i++)
    {
      const char *key = g_ptr_array_index (req->query_keys, i);

      if (allowed == NULL || !g_strv_contains (allowed, key))
        {
          if (unknown != NULL)
            *unknown = key;
          return TRUE;
        }
    }
  if (unknown != NULL)
    *unknown = NULL;
  return FALSE;
}

const char *
lc_request_get_header (LcRequest *req, const char *name)
{
  g_return_val_if_fail (req != NULL && name != NULL, NULL);
  return soup_message_headers_get_one (soup_server_message_get_request_headers (req->msg), name);
}

const char *
lc_request_get_client (LcRequest *req)
{
  g_return_val_if_fail (req != NULL, NULL);
  return req->client;
}

gboolean
lc_request_is_tls (LcRequest *req)
{
  g_return_val_if_fail (req != NULL, FALSE);
  return req->tls;
}

GBytes *
lc_request_get_body (LcRequest *req)
{
  g_return_val_if_fail (req != NULL, NULL);

  if (req->body == NULL)
    {
      SoupMessageBody *body = soup_server_message_get_request_body (req->msg);

      req->body = body != NULL ? soup_message_body_flatten (body) : NULL;
      if (req->body == NULL)
        req->body = g_bytes_new (NULL, 0);
    }
  return req->body;
}

static const LcHttpLimits *
request_limits (LcRequest *req)
{
  static const LcHttpLimits fallback = { 0, 0, 0, 0, 0, 65536, 1048576, 32, FALSE };

  return req->server != NULL ? lc_http_server_get_limits (req->server) : &fallback;
}

JsonNode *
lc_request_parse_json (LcRequest *req, GError **error)
{
  const LcHttpLimits *limits;
  const char *content_type;
  GBytes *body;
  gsize len;
  const char *data;

  g_return_val_if_fail (req != NULL, NULL);

  limits = request_limits (req);
  content_type = soup_message_headers_get_content_type (
      soup_server_message_get_request_headers (req->msg), NULL);
  if (content_type == NULL || g_ascii_strcasecmp (content_type, "application/json") != 0)
    {
      lc_set_error (error, LC_ERROR_UNSUPPORTED_MEDIA_TYPE, NULL,
                    "the request body must be application/json");
      return NULL;
    }

  body = lc_request_get_body (req);
  data = g_bytes_get_data (body, &len);
  if (len > limits->max_body_bytes)
    {
      lc_set_error (error, LC_ERROR_TOO_LARGE, NULL,
                    "the request body exceeds %" G_GSIZE_FORMAT " bytes", limits->max_body_bytes);
      return NULL;
    }
  return lc_json_parse (data != NULL ? data : "", len, limits->max_body_bytes,
                        limits->json_max_depth, error);
}

void
lc_request_set_data (LcRequest *req, const char *key, gpointer data, GDestroyNotify destroy)
{
  DataEntry *entry;

  g_return_if_fail (req != NULL && key != NULL);

  if (req->data == NULL)
    req->data = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, data_entry_free);
  entry = g_new0 (DataEntry, 1);
  entry->data = data;
  entry->destroy = destroy;
  g_hash_table_replace (req->data, g_strdup (key), entry);
}

gpointer
lc_request_get_data (LcRequest *req, const char *key)
{
  DataEntry *entry;

  g_return_val_if_fail (req != NULL && key != NULL, NULL);

  entry = req->data != NULL ? g_hash_table_lookup (req->data, key) : NULL;
  return entry != NULL ? entry->data : NULL;
}

void
lc_request_pause (LcRequest *req)
{
  g_return_if_fail (req != NULL);

  if (req->paused || req->responded || req->finished)
    return;
  req->paused = TRUE;
  soup_server_message_pause (req->msg);
}

/* ---- responses ---- */

static SoupMessageHeaders *
response_headers (LcRequest *req)
{
  return soup_server_message_get_response_headers (req->msg);
}

void
lc_request_set_header (LcRequest *req, const char *name, const char *value)
{
  g_return_if_fail (req != NULL && name != NULL && value != NULL);
  soup_message_headers_replace (response_headers (req), name, value);
}

void
lc_request_append_header (LcRequest *req, const char *name, const char *value)
{
  g_return_if_fail (req != NULL && name != NULL && value != NULL);
  soup_message_headers_append (response_headers (req), name, value);
}

/* FALSE when the response must not be written (already answered, or the
 * connection is gone). */
static gboolean
begin_response (LcRequest *req)
{
  if (req->responded)
    {
      g_warning ("request %s %s: answered twice", req->method, req->path);
      return FALSE;
    }
  req->responded = TRUE;
  if (req->finished)
    {
      g_debug ("request %s %s: the connection is gone; response dropped", req->method, req->path);
      /* Let libsoup run into the closed connection and free the message. */
      if (req->paused && req->server != NULL)
        {
          req->paused = FALSE;
          soup_server_message_unpause (req->msg);
        }
      return FALSE;
    }
  return TRUE;
}

static gboolean
is_api_path (const char *path)
{
  return g_str_has_prefix (path, "/api/") || strcmp (path, "/api") == 0;
}

static void
finish_response (LcRequest *req, guint status)
{
  SoupMessageHeaders *headers = response_headers (req);

  if (is_api_path (req->path) && soup_message_headers_get_one (headers, "Cache-Control") == NULL)
    soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  if (req->server == NULL || lc_http_server_is_stopping (req->server))
    soup_message_headers_replace (headers, "Connection", "close");

  soup_server_message_set_status (req->msg, status, NULL);
  if (req->paused)
    {
      req->paused = FALSE;
      soup_server_message_unpause (req->msg);
    }
  if (req->server != NULL)
    {
      LcHttpConn *conn = lc_http_server_lookup_conn (req->server, req->msg);

      if (conn != NULL)
        lc_http_conn_responded (conn, req->msg);
    }
}

static void
respond_with_body (LcRequest *req, guint status, const char *content_type, GBytes *body)
{
  if (!begin_response (req))
    return;
  if (content_type != NULL)
    soup_message_headers_replace (response_headers (req), "Content-Type", content_type);
  if (body != NULL && g_bytes_get_size (body) > 0)
    soup_message_body_append_bytes (soup_server_message_get_response_body (req->msg), body);
  finish_response (req, status);
}

void
lc_request_respond_bytes (LcRequest *req, guint status, const char *content_type, GBytes *body)
{
  g_return_if_fail (req != NULL);
  respond_with_body (req, status, content_type, body);
}

void
lc_request_respond_text (LcRequest *req, guint status, const char *content_type, const char *text)
{
  g_autoptr (GBytes) body = NULL;

  g_return_if_fail (req != NULL);
  body = g_bytes_new (text != NULL ? text : "", text != NULL ? strlen (text) : 0);
  respond_with_body (req, status, content_type != NULL ? content_type : "text/plain; charset=utf-8",
                     body);
}

void
lc_request_respond_json (LcRequest *req, guint status, JsonNode *node)
{
  g_autofree char *text = NULL;
  g_autoptr (GBytes) body = NULL;
  gsize len;

  g_return_if_fail (req != NULL && node != NULL);
  text = json_to_string (node, FALSE);
  len = strlen (text);
  body = g_bytes_new_take (g_steal_pointer (&text), len);
  respond_with_body (req, status, "application/json", body);
}

void
lc_request_respond_empty (LcRequest *req, guint status)
{
  g_return_if_fail (req != NULL);
  respond_with_body (req, status, NULL, NULL);
}

char *
lc_problem_to_json (const GError *error, const char *instance)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  LcProblemKind kind;
  const char *field, *conflict_id;
  int retry_after;

  g_return_val_if_fail (error != NULL, NULL);

  kind = lc_problem_from_error (error);
  field = lc_error_get_field (error);
  conflict_id = lc_error_get_conflict_id (error);
  retry_after = lc_error_get_retry_after (error);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, kind.type);
  json_builder_set_member_name (builder, "title");
  json_builder_add_string_value (builder, kind.title);
  json_builder_set_member_name (builder, "status");
  json_builder_add_int_value (builder, kind.status);
  json_builder_set_member_name (builder, "detail");
  json_builder_add_string_value (builder,
                                 lc_problem_detail_is_public (error) && error->message != NULL
                                     ? error->message
                                     : LC_PROBLEM_HIDDEN_DETAIL);
  if (instance != NULL)
    {
      json_builder_set_member_name (builder, "instance");
      json_builder_add_string_value (builder, instance);
    }
  if (field != NULL)
    {
      json_builder_set_member_name (builder, "field");
      json_builder_add_string_value (builder, field);
    }
  if (retry_after > 0)
    {
      json_builder_set_member_name (builder, "retry_after");
      json_builder_add_int_value (builder, retry_after);
    }
  if (conflict_id != NULL)
    {
      json_builder_set_member_name (builder, "conflict_id");
      json_builder_add_string_value (builder, conflict_id);
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

void
lc_request_respond_error (LcRequest *req, const GError *error)
{
  LcProblemKind kind;
  g_autofree char *text = NULL;
  g_autoptr (GBytes) body = NULL;
  SoupMessageHeaders *headers;
  int retry_after;
  gsize len;

  g_return_if_fail (req != NULL && error != NULL);

  if (req->responded)
    {
      g_warning ("request %s %s: answered twice", req->method, req->path);
      return;
    }
  kind = lc_problem_from_error (error);
  if (!lc_problem_detail_is_public (error))
    g_warning ("request %s %s: %s (%s:%d)", req->method, req->path, error->message,
               g_quark_to_string (error->domain), error->code);

  headers = response_headers (req);
  if (kind.status == SOUP_STATUS_UNAUTHORIZED)
    soup_message_headers_replace (headers, "WWW-Authenticate", "Bearer realm=\"lessoncast\"");
  if (kind.status == SOUP_STATUS_METHOD_NOT_ALLOWED && lc_error_get_allow (error) != NULL)
    soup_message_headers_replace (headers, "Allow", lc_error_get_allow (error));
  retry_after = lc_error_get_retry_after (error);
  if ((kind.status == 429 || kind.status == SOUP_STATUS_SERVICE_UNAVAILABLE) && retry_after > 0)
    {
      char value[16];

      g_snprintf (value, sizeof value, "%d", retry_after);
      soup_message_headers_replace (headers, "Retry-After", value);
    }
  soup_message_headers_replace (headers, "Cache-Control", "no-store");

  text = lc_problem_to_json (error, req->path);
  len = strlen (text);
  body = g_bytes_new_take (g_steal_pointer (&text), len);
  respond_with_body (req, kind.status, "application/problem+json", body);
}

void
lc_request_respond_problem (LcRequest *req, int lc_error_code, const char *field,
                            const char *format, ...)
{
  g_autoptr (GError) error = NULL;
  va_list args;

  g_return_if_fail (req != NULL && format != NULL);

  va_start (args, format);
  error = g_error_new_valist (LC_ERROR, lc_error_code, format, args);
  va_end (args);
  if (field != NULL)
    lc_error_set_field (error, field);
  lc_request_respond_error (req, error);
}

/* ---- WebSocket output accounting ----
 *
 * libsoup 3.2 queues every outgoing WebSocket frame without limit and shows
 * no queue size. The connection it gets writes through LcWsCountOutput,
 * which follows the frames going out (server frames are unmasked: 2..10
 * header bytes, then the payload) and counts the payload bytes of data
 * frames that left, above TLS when there is TLS. A caller that counts the
 * payload bytes it handed over knows the unsent backlog exactly
 * (lc_websocket_get_bytes_written). Closing that output stream aborts the
 * WebSocket: libsoup's next write fails, it drops its queue and closes the
 * stream at once (instead of waiting 5 s for a close frame that a peer who
 * does not read will never get). */

#define LC_TYPE_WS_COUNT_OUTPUT (lc_ws_count_output_get_type ())
G_DECLARE_FINAL_TYPE (LcWsCountOutput, lc_ws_count_output, LC, WS_COUNT_OUTPUT, GFilterOutputStream)

struct _LcWsCountOutput
{
  GFilterOutputStream parent_instance;
  guint8 header[14];
  guint header_len, header_need;
  guint64 payload_left;
  gboolean data_frame;
  guint64 data_written; /* payload bytes of text/binary/continuation frames */
  GCancellable *abort;  /* cancelled when the stream is closed */
};

static void lc_ws_count_output_pollable_init (GPollableOutputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LcWsCountOutput, lc_ws_count_output, G_TYPE_FILTER_OUTPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM,
                                                      lc_ws_count_output_pollable_init))

/* Follow the frame boundaries over bytes that were written. */
static void
count_written (LcWsCountOutput *self, const guint8 *p, gsize n)
{
  while (n > 0)
    {
      if (self->payload_left > 0)
        {
          gsize take = (gsize) MIN ((guint64) n, self->payload_left);

          if (self->data_frame)
            self->data_written += take;
          self->payload_left -= take;
          p += take;
          n -= take;
          continue;
        }
      self->header[self->header_len++] = *p++;
      n--;
      if (self->header_len == 2)
        {
          guint len7 = self->header[1] & 0x7f;

          self->header_need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0)
                              + ((self->header[1] & 0x80) != 0 ? 4 : 0);
        }
      if (self->header_len >= 2 && self->header_len == self->header_need)
        {
          guint len7 = self->header[1] & 0x7f;
          guint64 len = len7;

          if (len7 >= 126)
            {
              guint ext = len7 == 126 ? 2 : 8;

              len = 0;
              for (guint i = 0; i < ext; i++)
                len = (len << 8) | self->header[2 + i];
            }
          self->data_frame = (self->header[0] & 0x08) == 0;
          self->payload_left = len;
          self->header_len = 0;
        }
    }
}

static GOutputStream *
count_base (LcWsCountOutput *self)
{
  return g_filter_output_stream_get_base_stream (G_FILTER_OUTPUT_STREAM (self));
}

static gboolean
count_aborted (LcWsCountOutput *self, GError **error)
{
  if (!g_cancellable_is_cancelled (self->abort))
    return FALSE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "the WebSocket was aborted");
  return TRUE;
}

static gssize
lc_ws_count_output_write (GOutputStream *stream, const void *buffer, gsize count,
                          GCancellable *cancellable, GError **error)
{
  LcWsCountOutput *self = LC_WS_COUNT_OUTPUT (stream);
  gssize n;

  if (count_aborted (self, error))
    return -1;
  n = g_output_stream_write (count_base (self), buffer, count, cancellable, error);

  if (n > 0)
    count_written (self, buffer, (gsize) n);
  return n;
}

static gboolean
lc_ws_count_output_can_poll (GPollableOutputStream *stream)
{
  GOutputStream *base = count_base (LC_WS_COUNT_OUTPUT (stream));

  return G_IS_POLLABLE_OUTPUT_STREAM (base)
         && g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (base));
}

static gboolean
lc_ws_count_output_is_writable (GPollableOutputStream *stream)
{
  return g_pollable_output_stream_is_writable (
      G_POLLABLE_OUTPUT_STREAM (count_base (LC_WS_COUNT_OUTPUT (stream))));
}

/* Ready when base is writable, and at once when the stream is closed (the
 * write then fails and libsoup closes). */
static GSource *
lc_ws_count_output_create_source (GPollableOutputStream *stream, GCancellable *cancellable)
{
  LcWsCountOutput *self = LC_WS_COUNT_OUTPUT (stream);
  g_autoptr (GSource) base_source
      = g_pollable_output_stream_create_source (G_POLLABLE_OUTPUT_STREAM (count_base (self)), NULL);
  GSource *source = g_pollable_source_new_full (stream, base_source, self->abort);

  if (cancellable != NULL)
    {
      g_autoptr (GSource) cancel_source = g_cancellable_source_new (cancellable);

      g_source_set_dummy_callback (cancel_source);
      g_source_add_child_source (source, cancel_source);
    }
  return source;
}

static gssize
lc_ws_count_output_write_nonblocking (GPollableOutputStream *stream, const void *buffer,
                                      gsize count, GError **error)
{
  LcWsCountOutput *self = LC_WS_COUNT_OUTPUT (stream);
  gssize n;

  if (count_aborted (self, error))
    return -1;
  n = g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (count_base (self)),
                                                  buffer, count, NULL, error);

  if (n > 0)
    count_written (self, buffer, (gsize) n);
  return n;
}

static void
lc_ws_count_output_pollable_init (GPollableOutputStreamInterface *iface)
{
  iface->can_poll = lc_ws_count_output_can_poll;
  iface->is_writable = lc_ws_count_output_is_writable;
  iface->create_source = lc_ws_count_output_create_source;
  iface->write_nonblocking = lc_ws_count_output_write_nonblocking;
}

/* Nothing is buffered here, and a close must not block on base. */
static gboolean
lc_ws_count_output_flush (GOutputStream *stream, GCancellable *cancellable, GError **error)
{
  return TRUE;
}

/* base belongs to the connection: closing only aborts our writer. */
static gboolean
lc_ws_count_output_close (GOutputStream *stream, GCancellable *cancellable, GError **error)
{
  g_cancellable_cancel (LC_WS_COUNT_OUTPUT (stream)->abort);
  return TRUE;
}

static void
lc_ws_count_output_finalize (GObject *object)
{
  g_clear_object (&LC_WS_COUNT_OUTPUT (object)->abort);
  G_OBJECT_CLASS (lc_ws_count_output_parent_class)->finalize (object);
}

static void
lc_ws_count_output_class_init (LcWsCountOutputClass *klass)
{
  GOutputStreamClass *output_class = G_OUTPUT_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = lc_ws_count_output_finalize;
  output_class->write_fn = lc_ws_count_output_write;
  output_class->flush = lc_ws_count_output_flush;
  output_class->close_fn = lc_ws_count_output_close;
}

static void
lc_ws_count_output_init (LcWsCountOutput *self)
{
  self->abort = g_cancellable_new ();
}

/* The stream the WebSocket gets: base's input, a counting output; closing it
 * closes base. */
#define LC_TYPE_WS_COUNT_STREAM (lc_ws_count_stream_get_type ())
G_DECLARE_FINAL_TYPE (LcWsCountStream, lc_ws_count_stream, LC, WS_COUNT_STREAM, GIOStream)

struct _LcWsCountStream
{
  GIOStream parent_instance;
  GIOStream *base;
  GOutputStream *output; /* LcWsCountOutput over base's output */
};

G_DEFINE_FINAL_TYPE (LcWsCountStream, lc_ws_count_stream, G_TYPE_IO_STREAM)

static GInputStream *
lc_ws_count_stream_get_input_stream (GIOStream *stream)
{
  return g_io_stream_get_input_stream (LC_WS_COUNT_STREAM (stream)->base);
}

static GOutputStream *
lc_ws_count_stream_get_output_stream (GIOStream *stream)
{
  return LC_WS_COUNT_STREAM (stream)->output;
}

static gboolean
lc_ws_count_stream_close (GIOStream *stream, GCancellable *cancellable, GError **error)
{
  return g_io_stream_close (LC_WS_COUNT_STREAM (stream)->base, cancellable, error);
}

static void
on_count_base_closed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (g_io_stream_close_finish (G_IO_STREAM (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* Never the default (a thread): close base on the caller's context. */
static void
lc_ws_count_stream_close_async (GIOStream *stream, int io_priority, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (stream, cancellable, callback, user_data);

  g_io_stream_close_async (LC_WS_COUNT_STREAM (stream)->base, io_priority, cancellable,
                           on_count_base_closed, task);
}

static gboolean
lc_ws_count_stream_close_finish (GIOStream *stream, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
lc_ws_count_stream_finalize (GObject *object)
{
  LcWsCountStream *self = LC_WS_COUNT_STREAM (object);

  g_clear_object (&self->output);
  g_clear_object (&self->base);
  G_OBJECT_CLASS (lc_ws_count_stream_parent_class)->finalize (object);
}

static void
lc_ws_count_stream_class_init (LcWsCountStreamClass *klass)
{
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = lc_ws_count_stream_finalize;
  stream_class->get_input_stream = lc_ws_count_stream_get_input_stream;
  stream_class->get_output_stream = lc_ws_count_stream_get_output_stream;
  stream_class->close_fn = lc_ws_count_stream_close;
  stream_class->close_async = lc_ws_count_stream_close_async;
  stream_class->close_finish = lc_ws_count_stream_close_finish;
}

static void
lc_ws_count_stream_init (LcWsCountStream *self)
{
}

/* (transfer full) */
static GIOStream *
lc_ws_count_stream_new (GIOStream *base)
{
  LcWsCountStream *self = g_object_new (LC_TYPE_WS_COUNT_STREAM, NULL);

  self->base = g_object_ref (base);
  /* The base's output belongs to base: closing ours leaves it alone. */
  self->output = g_object_new (LC_TYPE_WS_COUNT_OUTPUT, "base-stream",
                               g_io_stream_get_output_stream (base), "close-base-stream", FALSE,
                               NULL);
  return G_IO_STREAM (self);
}

gint64
lc_websocket_get_bytes_written (SoupWebsocketConnection *ws)
{
  GIOStream *stream;

  g_return_val_if_fail (SOUP_IS_WEBSOCKET_CONNECTION (ws), -1);
  stream = soup_websocket_connection_get_io_stream (ws);
  if (!LC_IS_WS_COUNT_STREAM (stream))
    return -1;
  return (gint64) LC_WS_COUNT_OUTPUT (LC_WS_COUNT_STREAM (stream)->output)->data_written;
}

/* ---- WebSocket upgrade ---- */

typedef struct
{
  guint64 max_incoming_payload;
  LcWebsocketAccepted accepted;
  gpointer user_data;
  GDestroyNotify destroy;
  char *origin;
  gboolean done;
} Upgrade;

static void
upgrade_free (gpointer data, GClosure *closure)
{
  Upgrade *upgrade = data;

  if (upgrade->destroy != NULL)
    upgrade->destroy (upgrade->user_data);
  g_free (upgrade->origin);
  g_free (upgrade);
}

/* The 101 is out (the connection's own handler ran first and took the
 * connection off its HTTP deadlines): the stream now belongs to the socket. */
static void
on_upgrade_written (SoupServerMessage *msg, gpointer user_data)
{
  Upgrade *upgrade = user_data;
  g_autoptr (GIOStream) stream = NULL;
  g_autoptr (SoupWebsocketConnection) ws = NULL;

  if (upgrade->done || soup_server_message_get_status (msg) != SOUP_STATUS_SWITCHING_PROTOCOLS)
    return;
  upgrade->done = TRUE; /* freed with the message */
  g_object_ref (msg);
  stream = soup_server_message_steal_connection (msg);
  if (stream != NULL)
    {
      g_autoptr (GIOStream) counted = lc_ws_count_stream_new (stream);

      ws = soup_websocket_connection_new (counted, soup_server_message_get_uri (msg),
                                          SOUP_WEBSOCKET_CONNECTION_SERVER, upgrade->origin, NULL,
                                          NULL);
      soup_websocket_connection_set_max_incoming_payload_size (ws, upgrade->max_incoming_payload);
      soup_websocket_connection_set_keepalive_interval (ws, 0);
      upgrade->accepted (ws, upgrade->user_data);
    }
  g_object_unref (msg);
}

gboolean
lc_request_accept_websocket (LcRequest *req, guint64 max_incoming_payload,
                             LcWebsocketAccepted accepted, gpointer user_data,
                             GDestroyNotify destroy, GError **error)
{
  g_autoptr (GError) handshake_error = NULL;
  Upgrade *upgrade;

  g_return_val_if_fail (req != NULL && accepted != NULL, FALSE);

  if (req->responded || req->finished)
    {
      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "the request was already answered");
      if (destroy != NULL)
        destroy (user_data);
      return FALSE;
    }
  if (!soup_websocket_server_check_handshake (req->msg, NULL, NULL, NULL, &handshake_error))
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL, "not a valid WebSocket handshake: %s",
                    handshake_error->message);
      if (destroy != NULL)
        destroy (user_data);
      return FALSE;
    }

  upgrade = g_new0 (Upgrade, 1);
  upgrade->max_incoming_payload = max_incoming_payload;
  upgrade->accepted = accepted;
  upgrade->user_data = user_data;
  upgrade->destroy = destroy;
  upgrade->origin = g_strdup (lc_request_get_header (req, "Origin"));

  req->responded = TRUE;
  /* Sets 101 and the Sec-WebSocket-Accept header; no extension offered. */
  soup_websocket_server_process_handshake (req->msg, NULL, NULL, NULL, NULL);
  g_signal_connect_data (req->msg, "wrote-informational", G_CALLBACK (on_upgrade_written), upgrade,
                         upgrade_free, 0);
  if (req->paused)
    {
      req->paused = FALSE;
      soup_server_message_unpause (req->msg);
    }
  if (req->server != NULL)
    {
      LcHttpConn *conn = lc_http_server_lookup_conn (req->server, req->msg);

      if (conn != NULL)
        lc_http_conn_responded (conn, req->msg);
    }
  return TRUE;
}
