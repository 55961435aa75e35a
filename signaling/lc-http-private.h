/* lc-http-private.h — what lc-http-server.c, lc-http-conn.c, lc-request.c and
 * lc-static.c share. Tests may include it; nothing else should. */
#pragma once

#include "signaling/lc-http-server.h"

G_BEGIN_DECLS

/* ---- LcRequest (lc-request.c) ---- */

struct _LcRequest
{
  gint ref_count;
  LcHttpServer *server;   /* weak pointer: NULL once the server is gone */
  SoupServerMessage *msg; /* strong ref */
  char *method;
  char *path;               /* raw (percent-encoded) URL path */
  char *query;              /* raw query, NULL when none */
  char *route;              /* matched pattern, NULL for static files and errors */
  GHashTable *params;       /* capture name → value (nullable) */
  GHashTable *query_params; /* parsed lazily (nullable) */
  GPtrArray *query_keys;    /* the query's keys in order of appearance */
  GBytes *body;             /* flattened lazily (nullable) */
  GHashTable *data;         /* key → DataEntry (nullable) */
  char *client;
  gboolean tls;
  gboolean paused;
  gboolean responded;
  gboolean finished; /* the connection side is done with the message */
};

/* (transfer full) A request for msg; the server keeps one per message until
 * the message is done. */
LcRequest *lc_request_new (LcHttpServer *server, SoupServerMessage *msg, const char *client,
                           gboolean tls);
/* Takes params (nullable). */
void lc_request_set_route (LcRequest *req, const char *pattern, GHashTable *params);
/* The message completed or was aborted: later respond_* calls are dropped. */
void lc_request_mark_finished (LcRequest *req);
/* Make the response close the connection ("Connection: close"). */
void lc_request_close_connection (LcRequest *req);
/* "An internal error occurred": the detail for errors whose message is hidden. */
#define LC_PROBLEM_HIDDEN_DETAIL "An internal error occurred"

/* ---- static files (lc-static.c) ---- */

/* Answer a GET/HEAD request from the files below root. */
void lc_static_serve (LcRequest *req, const char *root);
/* Content-Type for a file name by its extension (static string). */
const char *lc_static_mime_type (const char *filename);

/* ---- connections (lc-http-conn.c) ---- */

typedef struct _LcHttpConn LcHttpConn;

/* A newly accepted connection: stream is the socket connection, or the TLS
 * connection wrapping it. Waits for the first request byte (header_timeout). */
LcHttpConn *lc_http_conn_new (LcHttpServer *server, GSocket *socket, GIOStream *stream,
                              gboolean tls);
void lc_http_conn_start (LcHttpConn *conn);
LcHttpConn *lc_http_conn_ref (LcHttpConn *conn);
void lc_http_conn_unref (LcHttpConn *conn);
/* Close now (idempotent); frees the connection and tells the server. */
void lc_http_conn_close (LcHttpConn *conn);
/* Graceful stop: close when idle, otherwise after the current response. */
void lc_http_conn_stop (LcHttpConn *conn);
/* Cut the connection: closed at once when nobody does I/O on it (waiting,
 * handler running), otherwise shut down so that libsoup fails and lets go
 * (closed regardless after a grace). */
void lc_http_conn_abort (LcHttpConn *conn);
GSocketAddress *lc_http_conn_get_remote_address (LcHttpConn *conn);
const char *lc_http_conn_get_client (LcHttpConn *conn);
gboolean lc_http_conn_is_tls (LcHttpConn *conn);

/* Events from SoupServer (routed by the message's remote address). */
void lc_http_conn_request_started (LcHttpConn *conn, SoupServerMessage *msg);
void lc_http_conn_request_read (LcHttpConn *conn, SoupServerMessage *msg);
void lc_http_conn_request_done (LcHttpConn *conn, SoupServerMessage *msg);
/* A response was set on msg (the handler answered). */
void lc_http_conn_responded (LcHttpConn *conn, SoupServerMessage *msg);

/* A complete minimal HTTP/1.1 error response ("Connection: close",
 * problem+json body) for error, written where libsoup cannot answer (a
 * connection over the cap, a body far over the limit). (transfer full) */
char *lc_http_format_raw_response (const GError *error, gsize *length);

/* ---- server internals used by the pieces above (lc-http-server.c) ---- */

SoupServer *lc_http_server_get_soup (LcHttpServer *server);
gboolean lc_http_server_is_stopping (LcHttpServer *server);
/* The connection for a message, NULL when it is gone. */
LcHttpConn *lc_http_server_lookup_conn (LcHttpServer *server, SoupServerMessage *msg);
/* The LcRequest of a message, created on first use. (transfer none) */
LcRequest *lc_http_server_request_for_msg (LcHttpServer *server, SoupServerMessage *msg);
LcRequest *lc_http_server_peek_request (LcHttpServer *server, SoupServerMessage *msg);
/* The message is done: mark its request finished and drop the server's ref. */
void lc_http_server_forget_request (LcHttpServer *server, SoupServerMessage *msg);
void lc_http_server_conn_closed (LcHttpServer *server, LcHttpConn *conn);
void lc_http_server_in_flight_add (LcHttpServer *server, int delta);
/* One request log line (when limits->log_requests). */
void lc_http_server_log_request (LcHttpServer *server, SoupServerMessage *msg, gint64 start_us,
                                 const char *client);

G_END_DECLS
