/* lc-http-server.c — LcHttpServer: the listening socket, the accept loop with
 * the connection cap, routing, the request log and graceful shutdown. The
 * per-connection deadlines and limits live in lc-http-conn.c.
 *
 * We create the listening socket ourselves (libsoup 3.2 listens with a
 * backlog of 10) and accept in a loop on the thread-default context. Every
 * connection is handed to libsoup with soup_server_accept_iostream(); the
 * SoupServer itself never listens. */
#include "signaling/lc-http-private.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "common/lc-error.h"
#include "common/lc-log.h"
#include "signaling/lc-router.h"

/* At most this many accepts per wake-up, so a flood cannot starve others. */
#define ACCEPT_BATCH 64
/* Out of file descriptors: pause accepting this long. */
#define ACCEPT_BACKOFF_MS 100
/* After shutting every connection down, how long to wait for them to go. */
#define SHUTDOWN_GRACE_MS 2000

typedef struct
{
  LcRouteHandler handler;
  gpointer user_data;
} RouteEntry;

struct _LcHttpServer
{
  GObject parent_instance;

  LcHttpLimits limits;
  GMainContext *context;
  SoupServer *soup;
  LcRouter *router;
  GPtrArray *routes; /* RouteEntry*, owned */
  char *static_root;
  GTlsCertificate *tls_certificate;

  GSocket *listener;
  GSource *listen_source;
  GSource *backoff_source;
  guint16 port;

  GHashTable *conns;    /* remote GSocketAddress* → LcHttpConn* (owns a conn ref) */
  GHashTable *requests; /* SoupServerMessage* → LcRequest* (owns a ref) until done */
  guint in_flight;

  gboolean stopping;
  gboolean shutdown_pending; /* done has not run yet */
  gboolean forced;           /* shutdown: every connection has been shut down */
  GSource *shutdown_timer;
  GCallback shutdown_done;
  gpointer shutdown_data;
  GSource *shutdown_idle;
};

G_DEFINE_FINAL_TYPE (LcHttpServer, lc_http_server, G_TYPE_OBJECT)

static void check_shutdown (LcHttpServer *self);

void
lc_http_limits_init_default (LcHttpLimits *limits)
{
  g_return_if_fail (limits != NULL);

  limits->max_connections = 4096;
  limits->listen_backlog = 4096;
  limits->header_timeout = 10;
  limits->body_timeout = 60;
  limits->idle_timeout = 30;
  limits->max_header_bytes = 65536;
  limits->max_body_bytes = 1048576;
  limits->json_max_depth = 32;
  limits->log_requests = TRUE;
}

/* ---- GObject ---- */

static void
stop_listening (LcHttpServer *self)
{
  if (self->backoff_source != NULL)
    {
      g_source_destroy (self->backoff_source);
      g_clear_pointer (&self->backoff_source, g_source_unref);
    }
  if (self->listen_source != NULL)
    {
      g_source_destroy (self->listen_source);
      g_clear_pointer (&self->listen_source, g_source_unref);
    }
  if (self->listener != NULL)
    {
      g_socket_close (self->listener, NULL);
      g_clear_object (&self->listener);
    }
}

/* A referenced snapshot of the connections: closing one can complete the
 * shutdown and drop the others from the table while the caller iterates. */
static GList *
dup_connections (LcHttpServer *self)
{
  GList *conns = g_hash_table_get_values (self->conns);
  for (GList *l = conns; l != NULL; l = l->next)
    lc_http_conn_ref (l->data);
  return conns;
}

static void
close_all_connections (LcHttpServer *self)
{
  GList *conns = dup_connections (self);

  for (GList *l = conns; l != NULL; l = l->next)
    lc_http_conn_close (l->data);
  g_list_free_full (conns, (GDestroyNotify)lc_http_conn_unref);
}

static void
lc_http_server_dispose (GObject *object)
{
  LcHttpServer *self = LC_HTTP_SERVER (object);

  stop_listening (self);
  if (self->conns != NULL)
    close_all_connections (self);
  if (self->requests != NULL)
    {
      GList *reqs = g_hash_table_get_values (self->requests);

      for (GList *l = reqs; l != NULL; l = l->next)
        lc_request_mark_finished (l->data);
      g_list_free (reqs);
      g_hash_table_remove_all (self->requests);
    }
  if (self->shutdown_timer != NULL)
    {
      g_source_destroy (self->shutdown_timer);
      g_clear_pointer (&self->shutdown_timer, g_source_unref);
    }
  if (self->shutdown_idle != NULL)
    {
      g_source_destroy (self->shutdown_idle);
      g_clear_pointer (&self->shutdown_idle, g_source_unref);
    }
  if (self->soup != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->soup, self);
      soup_server_disconnect (self->soup);
      g_clear_object (&self->soup);
    }
  g_clear_object (&self->tls_certificate);
  G_OBJECT_CLASS (lc_http_server_parent_class)->dispose (object);
}

static void
lc_http_server_finalize (GObject *object)
{
  LcHttpServer *self = LC_HTTP_SERVER (object);

  g_clear_pointer (&self->conns, g_hash_table_unref);
  g_clear_pointer (&self->requests, g_hash_table_unref);
  g_clear_pointer (&self->router, lc_router_free);
  g_clear_pointer (&self->routes, g_ptr_array_unref);
  g_free (self->static_root);
  g_clear_pointer (&self->context, g_main_context_unref);
  G_OBJECT_CLASS (lc_http_server_parent_class)->finalize (object);
}

static void
lc_http_server_class_init (LcHttpServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lc_http_server_dispose;
  object_class->finalize = lc_http_server_finalize;
}

static void
lc_http_server_init (LcHttpServer *self)
{
  lc_http_limits_init_default (&self->limits);
  self->router = lc_router_new ();
  self->routes = g_ptr_array_new_with_free_func (g_free);
  self->conns = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                       (GDestroyNotify)lc_http_conn_unref);
  self->requests = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                          (GDestroyNotify)lc_request_unref);
}

/* ---- libsoup signals ---- */

LcHttpConn *
lc_http_server_lookup_conn (LcHttpServer *server, SoupServerMessage *msg)
{
  return g_hash_table_lookup (server->conns, soup_server_message_get_remote_address (msg));
}

static void
on_request_started (SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
  LcHttpConn *conn = lc_http_server_lookup_conn (user_data, msg);

  if (conn != NULL)
    lc_http_conn_request_started (conn, msg);
}

static void
on_request_read (SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
  LcHttpConn *conn = lc_http_server_lookup_conn (user_data, msg);

  if (conn != NULL)
    lc_http_conn_request_read (conn, msg);
}

static void
on_request_done (SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
  LcHttpServer *self = user_data;
  LcHttpConn *conn = lc_http_server_lookup_conn (self, msg);

  if (conn != NULL)
    lc_http_conn_request_done (conn, msg);
  lc_http_server_forget_request (self, msg);
}

/* ---- routing ---- */

static void
respond_options (LcRequest *req, const char *allow)
{
  lc_request_set_header (req, "Allow", allow);
  lc_request_respond_empty (req, SOUP_STATUS_NO_CONTENT);
}

static void
respond_method_not_allowed (LcRequest *req, const char *allow)
{
  g_autoptr (GError) error = NULL;

  lc_set_error (&error, LC_ERROR_METHOD_NOT_ALLOWED, NULL, "%s is not allowed here; use %s",
                req->method, allow);
  lc_error_set_allow (error, allow);
  lc_request_respond_error (req, error);
}

static gboolean
is_api_path (const char *path)
{
  return g_str_has_prefix (path, "/api/") || strcmp (path, "/api") == 0;
}

static void
dispatch (LcHttpServer *self, LcRequest *req)
{
  LcRouteMatch match;
  const char *method = req->method;

  lc_router_lookup (self->router, method, req->path, &match);
  switch (match.status)
    {
    case LC_ROUTE_FOUND:
      {
        RouteEntry *entry = match.data;

        lc_request_set_route (req, match.pattern, g_steal_pointer (&match.params));
        entry->handler (req, entry->user_data);
        break;
      }
    case LC_ROUTE_METHOD_NOT_ALLOWED:
      if (strcmp (method, "OPTIONS") == 0)
        respond_options (req, match.allow);
      else
        respond_method_not_allowed (req, match.allow);
      break;
    case LC_ROUTE_NOT_FOUND:
    default:
      if (self->static_root != NULL && !is_api_path (req->path))
        {
          if (strcmp (method, "GET") == 0 || strcmp (method, "HEAD") == 0)
            lc_static_serve (req, self->static_root);
          else if (strcmp (method, "OPTIONS") == 0)
            respond_options (req, "GET, HEAD");
          else
            respond_method_not_allowed (req, "GET, HEAD");
        }
      else
        lc_request_respond_problem (req, LC_ERROR_NOT_FOUND, NULL, "no resource at %s", req->path);
      break;
    }
  lc_route_match_clear (&match);
}

static void
on_soup_request (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
                 gpointer user_data)
{
  LcHttpServer *self = user_data;
  g_autoptr (LcHttpServer) hold G_GNUC_UNUSED = g_object_ref (self);
  LcRequest *req = lc_http_server_request_for_msg (self, msg);

  lc_request_ref (req);
  dispatch (self, req);
  if (!req->responded && !req->paused)
    {
      g_warning ("request %s %s: the handler neither answered nor paused", req->method, req->path);
      lc_request_respond_problem (req, LC_ERROR_INTERNAL, NULL, "the handler did not answer");
    }
  lc_request_unref (req);
}

/* ---- requests ---- */

LcRequest *
lc_http_server_peek_request (LcHttpServer *server, SoupServerMessage *msg)
{
  return g_hash_table_lookup (server->requests, msg);
}

void
lc_http_server_forget_request (LcHttpServer *server, SoupServerMessage *msg)
{
  LcRequest *req = lc_http_server_peek_request (server, msg);

  if (req == NULL)
    return;
  lc_request_mark_finished (req);
  g_hash_table_remove (server->requests, msg);
}

LcRequest *
lc_http_server_request_for_msg (LcHttpServer *server, SoupServerMessage *msg)
{
  LcRequest *req = lc_http_server_peek_request (server, msg);
  LcHttpConn *conn;

  if (req != NULL)
    return req;

  conn = lc_http_server_lookup_conn (server, msg);
  req = lc_request_new (server, msg, conn != NULL ? lc_http_conn_get_client (conn) : "-",
                        conn != NULL && lc_http_conn_is_tls (conn));
  g_hash_table_insert (server->requests, msg, req);
  return req;
}

SoupServer *
lc_http_server_get_soup (LcHttpServer *server)
{
  return server->soup;
}

gboolean
lc_http_server_is_stopping (LcHttpServer *server)
{
  return server->stopping;
}

void
lc_http_server_in_flight_add (LcHttpServer *server, int delta)
{
  if (delta < 0 && server->in_flight < (guint)-delta)
    server->in_flight = 0;
  else
    server->in_flight = (guint)((int)server->in_flight + delta);
  if (server->stopping)
    check_shutdown (server);
}

void
lc_http_server_conn_closed (LcHttpServer *server, LcHttpConn *conn)
{
  /* Drops the table's ref; the caller holds its own. */
  g_hash_table_remove (server->conns, lc_http_conn_get_remote_address (conn));
  if (server->stopping)
    check_shutdown (server);
}

void
lc_http_server_log_request (LcHttpServer *server, SoupServerMessage *msg, gint64 start_us,
                            const char *client)
{
  GUri *uri = soup_server_message_get_uri (msg);
  const char *method = soup_server_message_get_method (msg);
  guint status = soup_server_message_get_status (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  g_autofree char *path = NULL;
  gsize bytes = 0;

  if (!server->limits.log_requests)
    return;
  if (uri != NULL)
    path = lc_log_redact_path (g_uri_get_path (uri), g_uri_get_query (uri));
  if (body != NULL && method != SOUP_METHOD_HEAD && status != SOUP_STATUS_NO_CONTENT
      && status != SOUP_STATUS_NOT_MODIFIED)
    bytes = (gsize)body->length;
  lc_log_request (method, path, status, bytes,
                  (double)(g_get_monotonic_time () - start_us) / 1000.0, client);
}

/* ---- public API ---- */

LcHttpServer *
lc_http_server_new (const LcHttpLimits *limits)
{
  LcHttpServer *self = g_object_new (LC_TYPE_HTTP_SERVER, NULL);

  if (limits != NULL)
    self->limits = *limits;
  self->context = g_main_context_ref_thread_default ();
  self->soup = soup_server_new ("raw-paths", TRUE, NULL);
  /* The zlib state costs ~100 KB per WebSocket (MEDIA-NOTES.md). */
  soup_server_remove_websocket_extension (self->soup, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
  soup_server_add_handler (self->soup, NULL, on_soup_request, self, NULL);
  g_signal_connect (self->soup, "request-started", G_CALLBACK (on_request_started), self);
  g_signal_connect (self->soup, "request-read", G_CALLBACK (on_request_read), self);
  g_signal_connect (self->soup, "request-finished", G_CALLBACK (on_request_done), self);
  g_signal_connect (self->soup, "request-aborted", G_CALLBACK (on_request_done), self);
  return self;
}

void
lc_http_server_set_tls_certificate (LcHttpServer *server, GTlsCertificate *certificate)
{
  g_return_if_fail (LC_IS_HTTP_SERVER (server));
  g_return_if_fail (certificate == NULL || G_IS_TLS_CERTIFICATE (certificate));

  g_set_object (&server->tls_certificate, certificate);
}

gboolean
lc_http_server_is_tls (LcHttpServer *server)
{
  g_return_val_if_fail (LC_IS_HTTP_SERVER (server), FALSE);
  return server->tls_certificate != NULL;
}

const LcHttpLimits *
lc_http_server_get_limits (LcHttpServer *server)
{
  g_return_val_if_fail (LC_IS_HTTP_SERVER (server), NULL);
  return &server->limits;
}

guint
lc_http_server_get_connection_count (LcHttpServer *server)
{
  g_return_val_if_fail (LC_IS_HTTP_SERVER (server), 0);
  return g_hash_table_size (server->conns);
}

guint
lc_http_server_get_in_flight (LcHttpServer *server)
{
  g_return_val_if_fail (LC_IS_HTTP_SERVER (server), 0);
  return server->in_flight;
}

guint16
lc_http_server_get_port (LcHttpServer *server)
{
  g_return_val_if_fail (LC_IS_HTTP_SERVER (server), 0);
  return server->port;
}

void
lc_http_server_set_static_root (LcHttpServer *server, const char *root)
{
  g_return_if_fail (LC_IS_HTTP_SERVER (server));

  g_free (server->static_root);
  server->static_root = root != NULL && root[0] != '\0' ? g_strdup (root) : NULL;
}

void
lc_http_server_add_route (LcHttpServer *server, const char *method, const char *pattern,
                          LcRouteHandler handler, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  RouteEntry *entry;

  g_return_if_fail (LC_IS_HTTP_SERVER (server));
  g_return_if_fail (handler != NULL);

  entry = g_new0 (RouteEntry, 1);
  entry->handler = handler;
  entry->user_data = user_data;
  if (!lc_router_add (server->router, method, pattern, entry, &error))
    {
      g_critical ("lc_http_server_add_route: %s", error->message);
      g_free (entry);
      return;
    }
  g_ptr_array_add (server->routes, entry);
}

typedef struct
{
  LcRouteFunc func;
  gpointer user_data;
} ForeachData;

static void
foreach_route (const char *method, const char *pattern, gpointer data, gpointer user_data)
{
  ForeachData *fd = user_data;

  fd->func (method, pattern, fd->user_data);
}

void
lc_http_server_foreach_route (LcHttpServer *server, LcRouteFunc func, gpointer user_data)
{
  ForeachData fd = { func, user_data };

  g_return_if_fail (LC_IS_HTTP_SERVER (server));
  g_return_if_fail (func != NULL);
  lc_router_foreach (server->router, foreach_route, &fd);
}

/* ---- accepting ---- */

/* Over the cap: a best-effort "503" on a plain connection, then close. */
static void
refuse_connection (LcHttpServer *self, GSocket *socket)
{
  int fd = g_socket_get_fd (socket);
  char scratch[4096];

  if (self->tls_certificate == NULL)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *text = NULL;
      gsize length;

      /* Read what already arrived so that close() sends FIN, not RST. */
      for (int i = 0; i < 16 && recv (fd, scratch, sizeof scratch, MSG_DONTWAIT) > 0; i++)
        ;
      lc_set_error (&error, LC_ERROR_UNAVAILABLE, NULL, "too many connections; try again later");
      lc_error_set_retry_after (error, 1);
      text = lc_http_format_raw_response (error, &length);
      if (send (fd, text, length, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
        g_debug ("refusing a connection: %s", g_strerror (errno));
      shutdown (fd, SHUT_WR);
    }
  g_socket_close (socket, NULL);
}

static void accept_connections (LcHttpServer *self);

static gboolean
on_backoff_done (gpointer user_data)
{
  LcHttpServer *self = user_data;

  g_clear_pointer (&self->backoff_source, g_source_unref);
  accept_connections (self);
  return G_SOURCE_REMOVE;
}

static gboolean on_listener_ready (GSocket *socket, GIOCondition condition, gpointer user_data);

static void
watch_listener (LcHttpServer *self)
{
  self->listen_source = g_socket_create_source (self->listener, G_IO_IN, NULL);
  g_source_set_callback (self->listen_source, (GSourceFunc)on_listener_ready, self, NULL);
  g_source_attach (self->listen_source, self->context);
}

static void
start_connection (LcHttpServer *self, GSocket *socket)
{
  g_autoptr (GSocketConnection) connection = NULL;
  g_autoptr (GIOStream) tls = NULL;
  g_autoptr (GError) error = NULL;
  GIOStream *stream;
  LcHttpConn *conn;

  connection = g_socket_connection_factory_create_connection (socket);
  stream = G_IO_STREAM (connection);
  if (self->tls_certificate != NULL)
    {
      tls = g_tls_server_connection_new (stream, self->tls_certificate, &error);
      if (tls == NULL)
        {
          g_warning ("TLS: cannot create a server connection: %s", error->message);
          g_socket_close (socket, NULL);
          return;
        }
      g_object_set (tls, "require-close-notify", FALSE, NULL);
      stream = tls;
    }

  conn = lc_http_conn_new (self, socket, stream, tls != NULL);
  g_hash_table_insert (self->conns, lc_http_conn_get_remote_address (conn), conn);
  lc_http_conn_start (conn);
}

static void
accept_connections (LcHttpServer *self)
{
  for (int i = 0; i < ACCEPT_BATCH && self->listener != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GSocket) socket = g_socket_accept (self->listener, NULL, &error);

      if (socket == NULL)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES)
              || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
            {
              /* The pending connection stays queued: stop polling a while. */
              g_warning ("accept: %s; pausing for %d ms", error->message, ACCEPT_BACKOFF_MS);
              if (self->listen_source != NULL)
                {
                  g_source_destroy (self->listen_source);
                  g_clear_pointer (&self->listen_source, g_source_unref);
                }
              self->backoff_source = g_timeout_source_new (ACCEPT_BACKOFF_MS);
              g_source_set_callback (self->backoff_source, on_backoff_done, self, NULL);
              g_source_attach (self->backoff_source, self->context);
              return;
            }
          g_debug ("accept: %s", error->message);
          continue;
        }

      if (g_hash_table_size (self->conns) >= self->limits.max_connections)
        {
          g_debug ("connection cap (%u) reached: refusing a connection",
                   self->limits.max_connections);
          refuse_connection (self, socket);
          continue;
        }
      start_connection (self, socket);
    }

  if (self->listen_source == NULL && self->listener != NULL && self->backoff_source == NULL)
    watch_listener (self);
}

static gboolean
on_listener_ready (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  LcHttpServer *self = user_data;

  accept_connections (self);
  return G_SOURCE_CONTINUE;
}

gboolean
lc_http_server_listen (LcHttpServer *server, const char *host, guint16 port, GError **error)
{
  g_autoptr (GInetAddress) address = NULL;
  g_autoptr (GSocketAddress) socket_address = NULL;
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (LC_IS_HTTP_SERVER (server), FALSE);

  if (server->listener != NULL)
    {
      lc_set_error (error, LC_ERROR_CONFIG, NULL, "the server is already listening");
      return FALSE;
    }

  if (host == NULL || host[0] == '\0')
    address = g_inet_address_new_any (G_SOCKET_FAMILY_IPV6);
  else if (g_ascii_strcasecmp (host, "localhost") == 0)
    address = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  else
    address = g_inet_address_new_from_string (host);
  if (address == NULL)
    {
      lc_set_error (error, LC_ERROR_CONFIG, NULL,
                    "cannot listen on \"%s\": not an IP address (use 0.0.0.0, ::, or an address)",
                    host);
      return FALSE;
    }

  socket = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, &local_error);
  if (socket == NULL)
    {
      lc_set_error (error, LC_ERROR_CONFIG, NULL, "cannot create a socket: %s",
                    local_error->message);
      return FALSE;
    }
  g_socket_set_blocking (socket, FALSE);
  socket_address = g_inet_socket_address_new (address, port);
  if (!g_socket_bind (socket, socket_address, TRUE, &local_error))
    {
      g_autofree char *text = g_inet_address_to_string (address);

      lc_set_error (error, LC_ERROR_CONFIG, NULL, "cannot listen on %s port %u: %s", text, port,
                    local_error->message);
      return FALSE;
    }
  g_socket_set_listen_backlog (socket, (int)MIN (server->limits.listen_backlog, G_MAXINT));
  if (!g_socket_listen (socket, &local_error))
    {
      lc_set_error (error, LC_ERROR_CONFIG, NULL, "cannot listen: %s", local_error->message);
      return FALSE;
    }
  bound = g_socket_get_local_address (socket, &local_error);
  if (bound == NULL)
    {
      lc_set_error (error, LC_ERROR_CONFIG, NULL, "cannot read the bound address: %s",
                    local_error->message);
      return FALSE;
    }

  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  server->listener = g_steal_pointer (&socket);
  watch_listener (server);
  return TRUE;
}

/* ---- graceful shutdown ---- */

static gboolean
on_shutdown_finished (gpointer user_data)
{
  LcHttpServer *self = user_data;
  GCallback done = self->shutdown_done;
  gpointer data = self->shutdown_data;

  g_clear_pointer (&self->shutdown_idle, g_source_unref);
  self->shutdown_pending = FALSE;
  if (self->shutdown_timer != NULL)
    {
      g_source_destroy (self->shutdown_timer);
      g_clear_pointer (&self->shutdown_timer, g_source_unref);
    }
  self->shutdown_done = NULL;
  self->shutdown_data = NULL;
  if (done != NULL)
    ((void (*) (gpointer))done) (data);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
finish_shutdown (LcHttpServer *self)
{
  if (self->shutdown_idle != NULL || !self->shutdown_pending)
    return;
  self->shutdown_idle = g_idle_source_new ();
  g_source_set_callback (self->shutdown_idle, on_shutdown_finished, self, NULL);
  g_source_attach (self->shutdown_idle, self->context);
}

static gboolean on_shutdown_timer (gpointer user_data);

/* Shut every remaining connection down; done when they are gone. */
static void
force_connections (LcHttpServer *self)
{
  GList *conns;

  if (self->forced)
    return;
  self->forced = TRUE;
  conns = dup_connections (self);
  for (GList *l = conns; l != NULL; l = l->next)
    lc_http_conn_abort (l->data);
  g_list_free_full (conns, (GDestroyNotify)lc_http_conn_unref);

  if (self->shutdown_timer != NULL)
    {
      g_source_destroy (self->shutdown_timer);
      g_clear_pointer (&self->shutdown_timer, g_source_unref);
    }
  if (g_hash_table_size (self->conns) > 0)
    {
      self->shutdown_timer = g_timeout_source_new (SHUTDOWN_GRACE_MS);
      g_source_set_callback (self->shutdown_timer, on_shutdown_timer, self, NULL);
      g_source_attach (self->shutdown_timer, self->context);
    }
}

static void
check_shutdown (LcHttpServer *self)
{
  if (!self->stopping || self->shutdown_idle != NULL)
    return;
  if (self->in_flight == 0)
    force_connections (self);
  if (self->forced && g_hash_table_size (self->conns) == 0)
    finish_shutdown (self);
}

static gboolean
on_shutdown_timer (gpointer user_data)
{
  LcHttpServer *self = user_data;

  g_clear_pointer (&self->shutdown_timer, g_source_unref);
  if (!self->forced)
    {
      g_message ("shutdown: %u request(s) still running after the timeout; closing",
                 self->in_flight);
      force_connections (self);
    }
  else
    {
      /* libsoup did not let go of some connection: close what is left. */
      close_all_connections (self);
    }
  check_shutdown (self);
  if (g_hash_table_size (self->conns) == 0)
    finish_shutdown (self);
  return G_SOURCE_REMOVE;
}

void
lc_http_server_shutdown (LcHttpServer *server, guint timeout, GCallback done, gpointer user_data)
{
  GList *conns;

  g_return_if_fail (LC_IS_HTTP_SERVER (server));
  g_return_if_fail (!server->stopping);

  server->stopping = TRUE;
  server->shutdown_pending = TRUE;
  server->shutdown_done = done;
  server->shutdown_data = user_data;
  g_object_ref (server); /* until done has run */
  stop_listening (server);

  /* Idle connections close now; busy ones after their response. */
  conns = dup_connections (server);
  for (GList *l = conns; l != NULL; l = l->next)
    lc_http_conn_stop (l->data);
  g_list_free_full (conns, (GDestroyNotify)lc_http_conn_unref);

  server->shutdown_timer = g_timeout_source_new ((guint)MIN (timeout, G_MAXUINT / 1000) * 1000);
  g_source_set_callback (server->shutdown_timer, on_shutdown_timer, server, NULL);
  g_source_attach (server->shutdown_timer, server->context);
  check_shutdown (server);
}
