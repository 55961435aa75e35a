/* lc-http-server.h — the hardened HTTP front: libsoup 3 server plus what
 * libsoup 3.2 lacks (see ../shared/MEDIA-NOTES.md).
 *
 * LcHttpServer creates its own listening GSocket (backlog from limits), accepts
 * connections itself and hands each to SoupServer (soup_server_accept_iostream),
 * optionally wrapped in TLS. Per connection it enforces:
 *   - a cap on concurrent connections (over the cap: "503" and close);
 *   - a header timeout (from the first byte of a request to the end of its headers),
 *     a body timeout and a keep-alive idle timeout: on expiry the socket is shut down;
 *   - a header size limit and a body size limit (413, connection closed);
 * and for every request: routing by method + pattern ("/api/v1/lessons/{id}"),
 * 404 / 405-with-Allow, static files as fallback, one request log line.
 * A slow client costs one connection slot and never blocks others: everything
 * is event-driven on the main context the server was created in.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct
{
  guint max_connections;
  guint listen_backlog;
  guint header_timeout; /* seconds */
  guint body_timeout;   /* seconds */
  guint idle_timeout;   /* seconds */
  gsize max_header_bytes;
  gsize max_body_bytes;
  guint json_max_depth;
  gboolean log_requests;
} LcHttpLimits;

/* Defaults equal to the config defaults (tests start from these). */
void lc_http_limits_init_default (LcHttpLimits *limits);

typedef struct _LcRequest LcRequest;
typedef void (*LcRouteHandler) (LcRequest *req, gpointer user_data);

#define LC_TYPE_HTTP_SERVER (lc_http_server_get_type ())
G_DECLARE_FINAL_TYPE (LcHttpServer, lc_http_server, LC, HTTP_SERVER, GObject)

/* The server attaches to the thread-default main context at creation time. */
LcHttpServer *lc_http_server_new (const LcHttpLimits *limits);

/* Optional TLS: (transfer none) certificate with private key. Call before listen. */
void lc_http_server_set_tls_certificate (LcHttpServer *server, GTlsCertificate *certificate);

/* Bind and listen; port 0 picks a free port (read it back with get_port). */
gboolean lc_http_server_listen (LcHttpServer *server, const char *host, guint16 port, GError **error);
guint16 lc_http_server_get_port (LcHttpServer *server);
gboolean lc_http_server_is_tls (LcHttpServer *server);

/* Routes. method: "GET", "POST", … ("GET" also answers HEAD). pattern: literal
 * segments and "{name}" captures, matching one whole segment; a final "{name*}"
 * captures the rest of the path. Exact routes win over captures. */
void lc_http_server_add_route (LcHttpServer *server, const char *method, const char *pattern,
                               LcRouteHandler handler, gpointer user_data);

typedef void (*LcRouteFunc) (const char *method, const char *pattern, gpointer user_data);
void lc_http_server_foreach_route (LcHttpServer *server, LcRouteFunc func, gpointer user_data);

/* Serve files below root for GET/HEAD requests no route matched (nullable = off).
 * MIME types from the extension, ETag + Last-Modified + conditional requests,
 * "index.html" for directories, no escape from root (lc_path_sanitize + realpath). */
void lc_http_server_set_static_root (LcHttpServer *server, const char *root);

/* Graceful stop: stop accepting, let in-flight requests finish for up to
 * timeout seconds, then close every connection; done runs on the main context
 * when finished, called as ((void (*) (gpointer)) done) (user_data). */
void lc_http_server_shutdown (LcHttpServer *server, guint timeout, GCallback done,
                              gpointer user_data);

guint lc_http_server_get_connection_count (LcHttpServer *server);
guint lc_http_server_get_in_flight (LcHttpServer *server);
const LcHttpLimits *lc_http_server_get_limits (LcHttpServer *server);

/* ---- LcRequest: one request being handled (ref-counted; main context only) ---- */

LcRequest *lc_request_ref (LcRequest *req);
void lc_request_unref (LcRequest *req);

SoupServerMessage *lc_request_get_message (LcRequest *req);
LcHttpServer *lc_request_get_server (LcRequest *req);
const char *lc_request_get_method (LcRequest *req);
const char *lc_request_get_path (LcRequest *req);
/* The matched route pattern ("/api/v1/lessons/{id}"), NULL for static files. */
const char *lc_request_get_route (LcRequest *req);
/* Path capture ("id"), NULL if the route has none of that name. */
const char *lc_request_get_param (LcRequest *req, const char *name);
/* Query parameter, NULL if absent. Repeated parameters: the last wins. */
const char *lc_request_get_query (LcRequest *req, const char *name);
/* TRUE if the query contains a parameter not in allowed (NULL-terminated); sets *unknown. */
gboolean lc_request_has_unknown_query (LcRequest *req, const char *const *allowed,
                                       const char **unknown);
const char *lc_request_get_header (LcRequest *req, const char *name);
/* Client IP address as text ("127.0.0.1", "::1"). */
const char *lc_request_get_client (LcRequest *req);
gboolean lc_request_is_tls (LcRequest *req);
/* Request body (never NULL; empty when none). (transfer none) */
GBytes *lc_request_get_body (LcRequest *req);

/* Parse a JSON body: 415 unless Content-Type is application/json (parameters
 * allowed), 413 over max_body_bytes, 400 for malformed/too deep. (transfer full) */
JsonNode *lc_request_parse_json (LcRequest *req, GError **error);

/* Arbitrary per-request data (e.g. the authenticated principal). */
void lc_request_set_data (LcRequest *req, const char *key, gpointer data, GDestroyNotify destroy);
gpointer lc_request_get_data (LcRequest *req, const char *key);

/* Asynchronous handlers: call pause before returning from the handler (takes
 * no ref: hold one with lc_request_ref); any respond_* call later unpauses. */
void lc_request_pause (LcRequest *req);

void lc_request_set_header (LcRequest *req, const char *name, const char *value);
void lc_request_append_header (LcRequest *req, const char *name, const char *value);
void lc_request_respond_json (LcRequest *req, guint status, JsonNode *node);
void lc_request_respond_bytes (LcRequest *req, guint status, const char *content_type, GBytes *body);
void lc_request_respond_text (LcRequest *req, guint status, const char *content_type, const char *text);
void lc_request_respond_empty (LcRequest *req, guint status);
/* The one GError → response mapping: application/problem+json (RFC 9457) with
 * type, title, status, detail, instance, and "field" / "retry_after" /
 * "conflict_id" when the error carries them; adds WWW-Authenticate (401),
 * Allow (405), Retry-After (429, 503). */
void lc_request_respond_error (LcRequest *req, const GError *error);
/* Convenience: build an LC_ERROR and respond with it. */
void lc_request_respond_problem (LcRequest *req, int lc_error_code, const char *field,
                                 const char *format, ...) G_GNUC_PRINTF (4, 5);

/* WebSocket upgrade (RFC 6455) of a GET request, answered synchronously from
 * the handler: no subprotocol, no extension (permessage-deflate stays off:
 * ~100 KB of zlib state per socket). A bad handshake fails with
 * LC_ERROR_MALFORMED (answer it with respond_error: 400). On success the
 * request is answered with 101; once that is written, accepted runs on the
 * main context with the new connection (transfer none: ref it to keep it),
 * whose incoming messages are limited to max_incoming_payload bytes (larger
 * ones close it with 1009 before they are buffered). The connection stays
 * counted against max_connections until the socket closes, leaves the HTTP
 * timeouts (the WebSocket has its own heartbeat) and is cut at server
 * shutdown. destroy (nullable) frees user_data afterwards, also when the
 * upgrade never completes. */
typedef void (*LcWebsocketAccepted) (SoupWebsocketConnection *ws, gpointer user_data);
gboolean lc_request_accept_websocket (LcRequest *req, guint64 max_incoming_payload,
                                      LcWebsocketAccepted accepted, gpointer user_data,
                                      GDestroyNotify destroy, GError **error);

/* For a connection made by lc_request_accept_websocket: the payload bytes of
 * data (text/binary) frames that have left libsoup so far (written to the
 * socket, or to TLS). libsoup 3.2 queues outgoing frames without limit and
 * shows no queue size: the payload bytes a caller handed over minus this is
 * the unsent backlog. -1 for other connections. Closing such a connection's
 * output stream (g_output_stream_close on g_io_stream_get_output_stream of
 * soup_websocket_connection_get_io_stream) aborts it: libsoup drops its queue
 * and closes at once, without waiting for the peer to read a close frame. */
gint64 lc_websocket_get_bytes_written (SoupWebsocketConnection *ws);

/* Render the problem+json body for an error (pure; for tests). (transfer full) */
char *lc_problem_to_json (const GError *error, const char *instance);

G_END_DECLS
