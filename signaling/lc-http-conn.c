/* lc-http-conn.c — one client connection of LcHttpServer: the deadlines and
 * limits libsoup 3.2 lacks, and keep-alive without libsoup's idle state.
 *
 * How it works with libsoup 3.2.3 (measured; see MEDIA-NOTES.md):
 *  - While no request byte has arrived the connection is ours alone: a one-shot
 *    G_IO_IN watch on the socket and a deadline (header_timeout on a fresh
 *    connection, idle_timeout on a kept-alive one). EOF or the deadline closes
 *    it. Idle connections therefore cost no libsoup objects at all.
 *  - On the first byte we hand libsoup a disposable "view" of the connection
 *    (LcIoView: the connection's own input/output streams, closing it is a
 *    no-op) with soup_server_accept_iostream(). A weak ref on the view tells
 *    us when libsoup lets go of it; we always close the real connection
 *    ourselves, so file descriptors never depend on libsoup's bookkeeping.
 *  - The server has no listening SoupSocket, so libsoup would close after
 *    each response. For keep-alive we take the connection back when the
 *    response is written (soup_server_message_steal_connection() in
 *    "wrote-body") and wait for the next request ourselves. This also avoids
 *    libsoup 3.2.3's own keep-alive wait, which leaks client-closed
 *    connections (CLOSE-WAIT; measured: neither EOF nor shutdown() frees them).
 *    Bytes libsoup already buffered (a pipelining client) stay in the stolen
 *    stream, which becomes the next view.
 *  - Deadlines while libsoup owns the connection: first byte → end of headers
 *    within header_timeout; headers → end of body within body_timeout; no
 *    deadline while the handler runs; response writing may stall at most
 *    body_timeout between progress. On expiry the socket is shut down, libsoup
 *    fails its I/O and lets go; after a short grace we close regardless.
 *  - Identification: soup_server_message_get_socket() is NULL for streams
 *    given to accept_iostream in 3.2.3, but get_remote_address() returns the
 *    very GSocketAddress object we passed, so the server maps that object to
 *    the connection.
 */
#include "signaling/lc-http-private.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <gio/gnetworking.h>

#include "common/lc-error.h"
#include "common/lc-source.h"

/* After shutting a socket down, how long libsoup may take to let go. */
#define ABORT_GRACE_MS 2000
/* After refusing a request: how long and how much input we discard before
 * closing, so that close() does not reset the connection under our answer. */
#define LINGER_MS 1000
#define LINGER_MAX_BYTES (4 * 1024 * 1024)
/* At most this much of a pipelining client's next request is carried over. */
#define PIPELINE_MAX_BYTES (64 * 1024)

typedef enum
{
  CONN_WAITING,  /* ours: waiting for the first byte of a request */
  CONN_HEADERS,  /* libsoup reads the request headers */
  CONN_BODY,     /* libsoup reads the request body */
  CONN_HANDLING, /* the handler runs (perhaps paused): no deadline */
  CONN_WRITING,  /* libsoup writes the response */
  CONN_UPGRADED, /* 101 Switching Protocols: the stream has a new owner */
  CONN_LINGER,   /* ours: refused; our answer is out, input is discarded */
  CONN_CLOSING,  /* socket shut down, waiting for libsoup to let go */
} ConnState;

struct _LcHttpConn
{
  gint ref_count;
  LcHttpServer *server; /* not owned: the server closes its connections first */
  GSocket *socket;
  GIOStream *stream; /* the socket connection or its TLS connection */
  GIOStream *view;   /* what libsoup holds now (weak) */
  GBytes *prefix;    /* bytes of the next request already read, handed next */
  GSocketAddress *local;
  GSocketAddress *remote;
  char *client;
  gboolean tls;
  gboolean fresh; /* no request seen yet */
  gboolean stopping;
  gboolean closed;
  ConnState state;
  GSource *timer;
  GSource *watch; /* first request byte (CONN_WAITING) */
  GSource *defer; /* deferred hand-off or close */

  /* The current request. */
  SoupServerMessage *msg; /* weak pointer */
  gint64 start_us;
  gboolean counted;   /* in the server's in-flight count */
  gboolean completed; /* logged and uncounted */
  gboolean close_after;
  gboolean body_rejected;
  gboolean refused_early; /* the guard refused the request; our answer is out */
  guint64 body_bytes;
  guint64 lingered;
};


/* ---- LcGuardStream: the request bytes on their way to libsoup ----
 *
 * Reads pass through (after any bytes we already hold, "prefix") and the
 * header block of the request is checked as it arrives: its size against
 * max_header_bytes, no folded lines, Transfer-Encoding only "chunked" or
 * "identity" (libsoup 3.2.3 leaks the request path for any other coding, a
 * remotely triggerable leak), Content-Length only digits (it takes "-5" as
 * -5). On a violation the connection answers 400 itself and libsoup gets a
 * read error, so it never parses the request. libsoup's own cap on a header
 * block (64 KiB in 3.2.3) still applies above a larger max_header_bytes. */

#define GUARD_LINE_KEEP 256

#define LC_TYPE_GUARD_STREAM (lc_guard_stream_get_type ())
G_DECLARE_FINAL_TYPE (LcGuardStream, lc_guard_stream, LC, GUARD_STREAM, GInputStream)

struct _LcGuardStream
{
  GInputStream parent_instance;
  GInputStream *base;
  GBytes *prefix;
  gsize prefix_offset;
  LcHttpConn *conn; /* ref */
  gsize max_header_bytes;
  gboolean scanning;
  gboolean started; /* the request line was seen */
  gboolean failed;
  gsize header_bytes;
  GString *line; /* the first GUARD_LINE_KEEP bytes of the current line */
  gsize line_length;
};

static void lc_guard_stream_pollable_init (GPollableInputStreamInterface *iface);
static void conn_refuse_early (LcHttpConn *conn, const GError *error);

G_DEFINE_FINAL_TYPE_WITH_CODE (LcGuardStream, lc_guard_stream, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      lc_guard_stream_pollable_init))

static const char *
skip_spaces (const char *p)
{
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

/* One complete header line (without its line end). */
static gboolean
guard_check_line (LcGuardStream *guard, GError **error)
{
  const char *line = guard->line->str;
  gboolean truncated = guard->line_length > guard->line->len;

  if (line[0] == ' ' || line[0] == '\t')
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL, "folded header lines are not accepted");
      return FALSE;
    }
  if (g_ascii_strncasecmp (line, "transfer-encoding:", 18) == 0)
    {
      g_autofree char *value = g_strstrip (g_strdup (line + 18));

      if (truncated
          || (g_ascii_strcasecmp (value, "chunked") != 0
              && g_ascii_strcasecmp (value, "identity") != 0))
        {
          lc_set_error (error, LC_ERROR_MALFORMED, NULL,
                        "unsupported Transfer-Encoding (only \"chunked\")");
          return FALSE;
        }
    }
  else if (g_ascii_strncasecmp (line, "content-length:", 15) == 0)
    {
      const char *p = skip_spaces (line + 15);
      gsize digits = 0;

      while (g_ascii_isdigit (p[digits]))
        digits++;
      if (truncated || digits == 0 || digits > 18 || skip_spaces (p + digits)[0] != '\0')
        {
          lc_set_error (error, LC_ERROR_MALFORMED, NULL, "invalid Content-Length");
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
guard_scan (LcGuardStream *guard, const guint8 *data, gsize len, GError **error)
{
  for (gsize i = 0; i < len && guard->scanning; i++)
    {
      char c = (char)data[i];

      if (++guard->header_bytes > guard->max_header_bytes)
        {
          lc_set_error (error, LC_ERROR_MALFORMED, NULL,
                        "the request headers exceed %" G_GSIZE_FORMAT " bytes",
                        guard->max_header_bytes);
          return FALSE;
        }
      if (c != '\n')
        {
          if (guard->line->len < GUARD_LINE_KEEP)
            g_string_append_c (guard->line, c);
          guard->line_length++;
          continue;
        }
      if (guard->line->len > 0 && guard->line->str[guard->line->len - 1] == '\r')
        {
          g_string_truncate (guard->line, guard->line->len - 1);
          guard->line_length--;
        }
      if (guard->line_length == 0)
        {
          /* Blank lines before the request line are tolerated (RFC 9112 2.2). */
          if (guard->started)
            guard->scanning = FALSE;
        }
      else if (!guard->started)
        guard->started = TRUE;
      else if (!guard_check_line (guard, error))
        return FALSE;
      g_string_truncate (guard->line, 0);
      guard->line_length = 0;
    }
  return TRUE;
}

static gsize
guard_buffered (LcGuardStream *guard)
{
  return guard->prefix != NULL ? g_bytes_get_size (guard->prefix) - guard->prefix_offset : 0;
}

static gssize
guard_read (LcGuardStream *guard, void *buffer, gsize count, gboolean blocking,
            GCancellable *cancellable, GError **error)
{
  g_autoptr (GError) refusal = NULL;
  gsize buffered = guard_buffered (guard);
  gssize n;

  if (guard->failed)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "request refused");
      return -1;
    }
  if (buffered > 0)
    {
      n = (gssize)MIN (count, buffered);
      memcpy (buffer, (const guint8 *)g_bytes_get_data (guard->prefix, NULL) + guard->prefix_offset,
              (gsize)n);
      guard->prefix_offset += (gsize)n;
      if (guard_buffered (guard) == 0)
        g_clear_pointer (&guard->prefix, g_bytes_unref);
    }
  else if (blocking)
    n = g_input_stream_read (guard->base, buffer, count, cancellable, error);
  else
    n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (guard->base), buffer,
                                                  count, cancellable, error);
  if (n <= 0 || !guard->scanning)
    return n;

  if (!guard_scan (guard, buffer, (gsize)n, &refusal))
    {
      guard->failed = TRUE;
      if (guard->conn != NULL)
        conn_refuse_early (guard->conn, refusal);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "request refused");
      return -1;
    }
  return n;
}

static gssize
lc_guard_stream_read_fn (GInputStream *stream, void *buffer, gsize count, GCancellable *cancellable,
                         GError **error)
{
  return guard_read (LC_GUARD_STREAM (stream), buffer, count, TRUE, cancellable, error);
}

static gboolean
lc_guard_stream_close_fn (GInputStream *stream, GCancellable *cancellable, GError **error)
{
  return TRUE; /* the connection closes the real stream */
}

static gssize
lc_guard_stream_read_nonblocking (GPollableInputStream *stream, void *buffer, gsize count,
                                  GError **error)
{
  return guard_read (LC_GUARD_STREAM (stream), buffer, count, FALSE, NULL, error);
}

static gboolean
lc_guard_stream_can_poll (GPollableInputStream *stream)
{
  return TRUE;
}

static gboolean
lc_guard_stream_is_readable (GPollableInputStream *stream)
{
  LcGuardStream *guard = LC_GUARD_STREAM (stream);

  return guard->failed || guard_buffered (guard) > 0
         || g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (guard->base));
}

static GSource *
lc_guard_stream_create_source (GPollableInputStream *stream, GCancellable *cancellable)
{
  LcGuardStream *guard = LC_GUARD_STREAM (stream);
  g_autoptr (GSource) child = NULL;

  /* Bytes we hold are readable now; otherwise wait for the socket. */
  if (guard->failed || guard_buffered (guard) > 0)
    child = g_timeout_source_new (0);
  else
    child = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (guard->base), NULL);
  return g_pollable_source_new_full (stream, child, cancellable);
}

static void
lc_guard_stream_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = lc_guard_stream_can_poll;
  iface->is_readable = lc_guard_stream_is_readable;
  iface->create_source = lc_guard_stream_create_source;
  iface->read_nonblocking = lc_guard_stream_read_nonblocking;
}

static void
lc_guard_stream_finalize (GObject *object)
{
  LcGuardStream *guard = LC_GUARD_STREAM (object);

  g_clear_object (&guard->base);
  g_clear_pointer (&guard->prefix, g_bytes_unref);
  g_clear_pointer (&guard->conn, lc_http_conn_unref);
  g_string_free (guard->line, TRUE);
  G_OBJECT_CLASS (lc_guard_stream_parent_class)->finalize (object);
}

static void
lc_guard_stream_class_init (LcGuardStreamClass *klass)
{
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = lc_guard_stream_finalize;
  stream_class->read_fn = lc_guard_stream_read_fn;
  stream_class->close_fn = lc_guard_stream_close_fn;
}

static void
lc_guard_stream_init (LcGuardStream *guard)
{
  guard->scanning = TRUE;
  guard->line = g_string_new (NULL);
}

/* ---- LcIoView: what libsoup gets; closing it leaves the connection alone ---- */

#define LC_TYPE_IO_VIEW (lc_io_view_get_type ())
G_DECLARE_FINAL_TYPE (LcIoView, lc_io_view, LC, IO_VIEW, GIOStream)

struct _LcIoView
{
  GIOStream parent_instance;
  GIOStream *base;
  GInputStream *input; /* an LcGuardStream over base's input */
};

G_DEFINE_FINAL_TYPE (LcIoView, lc_io_view, G_TYPE_IO_STREAM)

static GInputStream *
lc_io_view_get_input_stream (GIOStream *stream)
{
  return LC_IO_VIEW (stream)->input;
}

static GOutputStream *
lc_io_view_get_output_stream (GIOStream *stream)
{
  return g_io_stream_get_output_stream (LC_IO_VIEW (stream)->base);
}

/* Closing (libsoup's disconnect, GIOStream's dispose) leaves the base alone. */
static gboolean
lc_io_view_close (GIOStream *stream, GCancellable *cancellable, GError **error)
{
  return TRUE;
}

static void
lc_io_view_close_async (GIOStream *stream, int io_priority, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (stream, cancellable, callback, user_data);

  g_task_return_boolean (task, TRUE);
}

static gboolean
lc_io_view_close_finish (GIOStream *stream, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
lc_io_view_finalize (GObject *object)
{
  g_clear_object (&LC_IO_VIEW (object)->input);
  g_clear_object (&LC_IO_VIEW (object)->base);
  G_OBJECT_CLASS (lc_io_view_parent_class)->finalize (object);
}

static void
lc_io_view_class_init (LcIoViewClass *klass)
{
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = lc_io_view_finalize;
  stream_class->get_input_stream = lc_io_view_get_input_stream;
  stream_class->get_output_stream = lc_io_view_get_output_stream;
  stream_class->close_fn = lc_io_view_close;
  stream_class->close_async = lc_io_view_close_async;
  stream_class->close_finish = lc_io_view_close_finish;
}

static void
lc_io_view_init (LcIoView *view)
{
}

/* prefix (nullable, taken): bytes already read from base, delivered first. */
static GIOStream *
lc_io_view_new (GIOStream *base, GBytes *prefix, LcHttpConn *conn, gsize max_header_bytes)
{
  LcIoView *view = g_object_new (LC_TYPE_IO_VIEW, NULL);
  LcGuardStream *guard = g_object_new (LC_TYPE_GUARD_STREAM, NULL);

  guard->base = g_object_ref (g_io_stream_get_input_stream (base));
  guard->prefix = prefix;
  guard->conn = lc_http_conn_ref (conn);
  guard->max_header_bytes = max_header_bytes;
  view->base = g_object_ref (base);
  view->input = G_INPUT_STREAM (guard);
  return G_IO_STREAM (view);
}

/* ---- the connection ---- */

static void conn_wait_for_request (LcHttpConn *conn);
static void conn_hand_off (LcHttpConn *conn);

LcHttpConn *
lc_http_conn_ref (LcHttpConn *conn)
{
  g_atomic_int_inc (&conn->ref_count);
  return conn;
}

void
lc_http_conn_unref (LcHttpConn *conn)
{
  if (!g_atomic_int_dec_and_test (&conn->ref_count))
    return;
  g_clear_pointer (&conn->prefix, g_bytes_unref);
  g_clear_object (&conn->stream);
  g_clear_object (&conn->socket);
  g_clear_object (&conn->local);
  g_clear_object (&conn->remote);
  g_free (conn->client);
  g_free (conn);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcHttpConn, lc_http_conn_unref)

static const LcHttpLimits *
limits_of (LcHttpConn *conn)
{
  return lc_http_server_get_limits (conn->server);
}

static GSource *
attach_source (GSource *source, GSourceFunc func, LcHttpConn *conn)
{
  g_source_set_callback (source, func, lc_http_conn_ref (conn), (GDestroyNotify)lc_http_conn_unref);
  g_source_attach (source, g_main_context_get_thread_default ());
  return source;
}

LcHttpConn *
lc_http_conn_new (LcHttpServer *server, GSocket *socket, GIOStream *stream, gboolean tls)
{
  LcHttpConn *conn = g_new0 (LcHttpConn, 1);
  conn->ref_count = 1;
  conn->server = server;
  conn->socket = g_object_ref (socket);
  conn->stream = g_object_ref (stream);
  conn->tls = tls;
  conn->fresh = TRUE;
  conn->local = g_socket_get_local_address (socket, NULL);
  conn->remote = g_socket_get_remote_address (socket, NULL);
  if (conn->remote == NULL)
    conn->remote = g_inet_socket_address_new_from_string ("0.0.0.0", 0);
  if (G_IS_INET_SOCKET_ADDRESS (conn->remote))
    conn->client = g_inet_address_to_string (
        g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (conn->remote)));
  else
    conn->client = g_strdup ("-");
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  return conn;
}

GSocketAddress *
lc_http_conn_get_remote_address (LcHttpConn *conn)
{
  return conn->remote;
}

const char *
lc_http_conn_get_client (LcHttpConn *conn)
{
  return conn->client;
}

gboolean
lc_http_conn_is_tls (LcHttpConn *conn)
{
  return conn->tls;
}

/* ---- deadlines ---- */

static const char *
state_name (ConnState state)
{
  switch (state)
    {
    case CONN_WAITING:
      return "waiting";
    case CONN_HEADERS:
      return "headers";
    case CONN_BODY:
      return "body";
    case CONN_HANDLING:
      return "handling";
    case CONN_WRITING:
      return "writing";
    case CONN_UPGRADED:
      return "upgraded";
    case CONN_LINGER:
      return "linger";
    case CONN_CLOSING:
      return "closing";
    default:
      return "?";
    }
}

static gboolean
on_timer (gpointer user_data)
{
  LcHttpConn *conn = user_data;

  g_clear_pointer (&conn->timer, g_source_unref);
  if (conn->state == CONN_CLOSING)
    {
      g_debug ("connection %s: libsoup kept the connection after shutdown; closing it",
               conn->client);
      lc_http_conn_close (conn);
    }
  else if (conn->state == CONN_LINGER)
    lc_http_conn_close (conn);
  else if (conn->state == CONN_WAITING)
    {
      g_debug ("connection %s: %s timeout", conn->client, conn->fresh ? "header" : "idle");
      lc_http_conn_close (conn);
    }
  else
    {
      g_debug ("connection %s: timeout while %s", conn->client, state_name (conn->state));
      lc_http_conn_abort (conn);
    }
  return G_SOURCE_REMOVE;
}

static void
set_deadline_ms (LcHttpConn *conn, guint ms)
{
  lc_source_clear (&conn->timer);
  if (ms > 0)
    conn->timer = attach_source (g_timeout_source_new (ms), on_timer, conn);
}

static void
set_deadline (LcHttpConn *conn, guint seconds)
{
  set_deadline_ms (conn, seconds * 1000);
}

/* ---- the current message ---- */

static void
forget_message (LcHttpConn *conn)
{
  if (conn->msg == NULL)
    return;
  g_signal_handlers_disconnect_by_data (conn->msg, conn);
  g_object_remove_weak_pointer (G_OBJECT (conn->msg), (gpointer *)&conn->msg);
  conn->msg = NULL;
}

/* Log and uncount the current request (once). */
static void
complete_request (LcHttpConn *conn)
{
  if (conn->completed || conn->msg == NULL)
    return;
  conn->completed = TRUE;

  if (soup_server_message_get_method (conn->msg) != NULL
      && soup_server_message_get_status (conn->msg) != 0)
    lc_http_server_log_request (conn->server, conn->msg, conn->start_us, conn->client);

  if (conn->counted)
    {
      conn->counted = FALSE;
      lc_http_server_in_flight_add (conn->server, -1);
    }

  lc_http_server_forget_request (conn->server, conn->msg);
}

/* ---- closing ---- */

static void on_view_finalized (gpointer user_data, GObject *where_the_object_was);
static void conn_linger (LcHttpConn *conn);

void
lc_http_conn_close (LcHttpConn *conn)
{
  g_autoptr (LcHttpConn) hold G_GNUC_UNUSED = NULL;

  if (conn->closed)
    return;
  hold = lc_http_conn_ref (conn);
  conn->closed = TRUE;
  conn->state = CONN_CLOSING;

  lc_source_clear (&conn->timer);
  lc_source_clear (&conn->watch);
  lc_source_clear (&conn->defer);

  if (conn->view != NULL)
    {
      g_object_weak_unref (G_OBJECT (conn->view), on_view_finalized, conn);
      conn->view = NULL;
      lc_http_conn_unref (conn); /* the view's ref */
    }
  complete_request (conn);
  forget_message (conn);
  g_clear_pointer (&conn->prefix, g_bytes_unref);

  /* Close the socket first: a TLS close then cannot block on close_notify. */
  g_socket_close (conn->socket, NULL);
  g_io_stream_close (conn->stream, NULL, NULL);

  lc_http_server_conn_closed (conn->server, conn);
}

/* The view was finalized: libsoup is done with the connection. */
static void
on_view_finalized (gpointer user_data, GObject *where_the_object_was)
{
  LcHttpConn *conn = user_data;

  conn->view = NULL;
  if (conn->refused_early && !conn->closed)
    conn_linger (conn);
  else if (!conn->closed)
    lc_http_conn_close (conn);
  lc_http_conn_unref (conn); /* the view's ref */
}

static gboolean
on_deferred_close (gpointer user_data)
{
  LcHttpConn *conn = user_data;

  g_clear_pointer (&conn->defer, g_source_unref);
  lc_http_conn_close (conn);
  return G_SOURCE_REMOVE;
}

/* Close once libsoup has returned from its current callback. */
static void
schedule_close (LcHttpConn *conn)
{
  if (conn->closed)
    return;
  lc_source_clear (&conn->defer);
  GSource *source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_HIGH);
  conn->defer = attach_source (source, on_deferred_close, conn);
}

void
lc_http_conn_abort (LcHttpConn *conn)
{
  if (conn->closed)
    return;
  /* Nobody does I/O on a waiting connection or while the handler runs:
   * close at once (a late answer then fails and libsoup cleans up). */
  if (conn->state == CONN_WAITING || conn->state == CONN_HANDLING || conn->state == CONN_LINGER
      || conn->view == NULL)
    {
      lc_http_conn_close (conn);
      return;
    }
  conn->state = CONN_CLOSING;
  g_socket_shutdown (conn->socket, TRUE, TRUE, NULL);
  set_deadline_ms (conn, ABORT_GRACE_MS);
}

void
lc_http_conn_stop (LcHttpConn *conn)
{
  conn->stopping = TRUE;
  if (conn->state == CONN_WAITING)
    lc_http_conn_close (conn);
}

/* ---- waiting for a request (ours) ---- */

static gboolean
on_first_byte (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  LcHttpConn *conn = user_data;
  char byte;
  gssize n;

  n = recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return G_SOURCE_CONTINUE;

  g_clear_pointer (&conn->watch, g_source_unref);
  if (n <= 0)
    {
      /* The client closed (or reset) the connection between requests. */
      lc_http_conn_close (conn);
      return G_SOURCE_REMOVE;
    }
  conn_hand_off (conn);
  return G_SOURCE_REMOVE;
}

static void
conn_wait_for_request (LcHttpConn *conn)
{
  const LcHttpLimits *limits = limits_of (conn);

  if (conn->closed)
    return;
  if (conn->stopping || lc_http_server_is_stopping (conn->server))
    {
      lc_http_conn_close (conn);
      return;
    }
  conn->state = CONN_WAITING;
  lc_source_clear (&conn->watch);
  conn->watch = attach_source (g_socket_create_source (conn->socket, G_IO_IN, NULL),
                               (GSourceFunc)on_first_byte, conn);
  set_deadline (conn, conn->fresh ? limits->header_timeout : limits->idle_timeout);
}

void
lc_http_conn_start (LcHttpConn *conn)
{
  conn_wait_for_request (conn);
}

static gboolean
on_deferred_hand_off (gpointer user_data)
{
  LcHttpConn *conn = user_data;

  g_clear_pointer (&conn->defer, g_source_unref);
  conn_hand_off (conn);
  return G_SOURCE_REMOVE;
}

/* Give libsoup a view of the connection to read one request from. */
static void
conn_hand_off (LcHttpConn *conn)
{
  g_autoptr (LcHttpConn) hold G_GNUC_UNUSED = lc_http_conn_ref (conn);
  g_autoptr (GError) error = NULL;
  GIOStream *view;

  if (conn->closed)
    return;
  if (conn->stopping || lc_http_server_is_stopping (conn->server))
    {
      lc_http_conn_close (conn);
      return;
    }

  lc_source_clear (&conn->watch);
  view = lc_io_view_new (conn->stream, g_steal_pointer (&conn->prefix), conn,
                         limits_of (conn)->max_header_bytes);

  conn->view = view;
  g_object_weak_ref (G_OBJECT (view), on_view_finalized, lc_http_conn_ref (conn));
  conn->state = CONN_HEADERS;
  conn->fresh = FALSE;
  conn->start_us = g_get_monotonic_time ();
  conn->completed = FALSE;
  conn->counted = FALSE;
  conn->close_after = FALSE;
  conn->body_rejected = FALSE;
  conn->refused_early = FALSE;
  conn->body_bytes = 0;
  set_deadline (conn, limits_of (conn)->header_timeout);

  /* libsoup may run the whole request (even the handler) before returning. */
  if (!soup_server_accept_iostream (lc_http_server_get_soup (conn->server), view, conn->local,
                                    conn->remote, &error))
    {
      g_debug ("connection %s: libsoup refused the stream: %s", conn->client, error->message);
      lc_http_conn_close (conn);
    }
  g_object_unref (view);
}

/* ---- raw responses (where libsoup cannot answer) ---- */

char *
lc_http_format_raw_response (const GError *error, gsize *length)
{
  LcProblemKind kind = lc_problem_from_error (error);
  g_autofree char *body = lc_problem_to_json (error, NULL);
  g_autoptr (GString) out = g_string_new (NULL);
  int retry_after = lc_error_get_retry_after (error);

  g_string_append_printf (out, "HTTP/1.1 %u %s\r\n", kind.status,
                          soup_status_get_phrase (kind.status));
  g_string_append (out, "Content-Type: application/problem+json\r\n"
                        "Cache-Control: no-store\r\n"
                        "X-Content-Type-Options: nosniff\r\n"
                        "Connection: close\r\n");
  if (retry_after > 0)
    g_string_append_printf (out, "Retry-After: %d\r\n", retry_after);
  g_string_append_printf (out, "Content-Length: %zu\r\n\r\n%s", strlen (body), body);
  *length = out->len;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Best effort: one non-blocking write on the (TLS) stream. */
static void
write_raw_response (LcHttpConn *conn, const GError *error)
{
  gsize length;
  g_autofree char *text = lc_http_format_raw_response (error, &length);
  GOutputStream *out = g_io_stream_get_output_stream (conn->stream);

  if (G_IS_POLLABLE_OUTPUT_STREAM (out))
    g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (out), text, length, NULL,
                                                NULL);
}

static gboolean
on_linger_input (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  LcHttpConn *conn = user_data;
  char scratch[16384];

  for (;;)
    {
      gssize n = recv (g_socket_get_fd (socket), scratch, sizeof scratch, MSG_DONTWAIT);

      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return G_SOURCE_CONTINUE;
      if (n <= 0 || (conn->lingered += (guint64)n) > LINGER_MAX_BYTES)
        break;
    }
  g_clear_pointer (&conn->watch, g_source_unref);
  lc_http_conn_close (conn);
  return G_SOURCE_REMOVE;
}

/* Refuse the current request without libsoup reading any more of it: take
 * the connection back, write a complete answer ourselves, send FIN, and
 * discard input for a moment before closing. */
static void
conn_refuse (LcHttpConn *conn, const GError *error)
{
  SoupServerMessage *msg = conn->msg;
  LcProblemKind kind = lc_problem_from_error (error);
  GIOStream *stolen;

  if (msg == NULL || conn->closed)
    return;
  g_object_ref (msg);
  soup_server_message_set_status (msg, kind.status, NULL); /* for the log line */
  complete_request (conn);
  if (conn->view != NULL)
    {
      g_object_weak_unref (G_OBJECT (conn->view), on_view_finalized, conn);
      conn->view = NULL;
      lc_http_conn_unref (conn); /* the view's ref */
    }
  forget_message (conn);
  stolen = soup_server_message_steal_connection (msg);
  g_clear_object (&stolen);
  g_object_unref (msg);

  write_raw_response (conn, error);
  g_socket_shutdown (conn->socket, FALSE, TRUE, NULL);
  conn_linger (conn);
}

/* Our answer is out and FIN sent: discard input a moment, then close. */
static void
conn_linger (LcHttpConn *conn)
{
  conn->state = CONN_LINGER;
  conn->lingered = 0;
  lc_source_clear (&conn->watch);
  conn->watch = attach_source (g_socket_create_source (conn->socket, G_IO_IN, NULL),
                               (GSourceFunc)on_linger_input, conn);
  set_deadline_ms (conn, LINGER_MS);
}

/* The guard found a bad header block while libsoup reads it: answer now;
 * libsoup gets a read error and lets go of the view, then we linger. */
static void
conn_refuse_early (LcHttpConn *conn, const GError *error)
{
  if (conn->closed || conn->refused_early)
    return;
  g_debug ("connection %s: request refused: %s", conn->client, error->message);
  conn->refused_early = TRUE;
  write_raw_response (conn, error);
  g_socket_shutdown (conn->socket, FALSE, TRUE, NULL);
  conn->state = CONN_CLOSING;
  set_deadline_ms (conn, ABORT_GRACE_MS);
}

/* ---- limits ---- */

/* The body is over max_body_bytes: answer 413 and close. libsoup keeps
 * reading (and discarding) a body up to max_body_bytes more so that the
 * client sees the answer; beyond that the connection is cut. */
static void
reject_body (LcHttpConn *conn, LcRequest *req, guint64 announced)
{
  const LcHttpLimits *limits = limits_of (conn);
  SoupMessageBody *body = soup_server_message_get_request_body (conn->msg);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (conn->msg);
  g_autoptr (GError) error = NULL;

  conn->body_rejected = TRUE;
  conn->close_after = TRUE;
  soup_message_body_set_accumulate (body, FALSE);
  soup_message_body_truncate (body);

  lc_set_error (&error, LC_ERROR_TOO_LARGE, NULL,
                "the request body exceeds %" G_GSIZE_FORMAT " bytes", limits->max_body_bytes);
  if (!req->responded)
    {
      lc_request_close_connection (req);
      lc_request_respond_error (req, error);
    }

  /* With "Expect: 100-continue" libsoup answers without reading the body. */
  if (soup_message_headers_get_expectations (headers) & SOUP_EXPECTATION_CONTINUE)
    return;
  if (announced > (guint64)limits->max_body_bytes * 2)
    conn_refuse (conn, error);
}

/* ---- libsoup events ---- */

static void
on_got_headers (SoupServerMessage *msg, gpointer user_data)
{
  LcHttpConn *conn = user_data;
  const LcHttpLimits *limits = limits_of (conn);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  LcRequest *req;

  conn->state = CONN_BODY;
  set_deadline (conn, limits->body_timeout);
  if (!conn->counted)
    {
      conn->counted = TRUE;
      lc_http_server_in_flight_add (conn->server, 1);
    }

  if (soup_server_message_get_http_version (msg) == SOUP_HTTP_1_0
      || soup_message_headers_header_contains (headers, "Connection", "close"))
    conn->close_after = TRUE;

  /* libsoup may already have refused the request (400 for a bad Host). */
  if (soup_server_message_get_status (msg) != 0)
    {
      conn->close_after = TRUE;
      return;
    }

  /* The header block itself was checked by the guard as it arrived. */
  req = lc_http_server_request_for_msg (conn->server, msg);

  /* libsoup 3.2.3 takes "Content-Length: -5" as a length of -5 (and warns
   * when it creates the body stream): refuse before it gets there. */
  const char *length_text = soup_message_headers_get_one (headers, "Content-Length");
  if (length_text != NULL && !g_ascii_isdigit (length_text[0]))
    {
      g_autoptr (GError) error = NULL;

      lc_set_error (&error, LC_ERROR_MALFORMED, NULL, "invalid Content-Length");
      conn_refuse (conn, error);
      return;
    }

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH)
    {
      goffset length = soup_message_headers_get_content_length (headers);

      if (length > 0 && (guint64)length > limits->max_body_bytes)
        reject_body (conn, req, (guint64)length);
    }
}

static void
on_got_chunk (SoupServerMessage *msg, GBytes *chunk, gpointer user_data)
{
  LcHttpConn *conn = user_data;
  const LcHttpLimits *limits = limits_of (conn);
  LcRequest *req;

  conn->body_bytes += g_bytes_get_size (chunk);
  if (conn->body_bytes <= limits->max_body_bytes)
    return;

  if (!conn->body_rejected)
    {
      req = lc_http_server_request_for_msg (conn->server, msg);
      reject_body (conn, req, conn->body_bytes);
    }
  else
    soup_message_body_truncate (soup_server_message_get_request_body (msg));

  if (conn->msg != NULL && conn->body_bytes > (guint64)limits->max_body_bytes * 2)
    {
      g_autoptr (GError) error = NULL;

      lc_set_error (&error, LC_ERROR_TOO_LARGE, NULL,
                    "the request body exceeds %" G_GSIZE_FORMAT " bytes", limits->max_body_bytes);
      conn_refuse (conn, error);
    }
}

static void
on_wrote_body_data (SoupServerMessage *msg, guint size, gpointer user_data)
{
  LcHttpConn *conn = user_data;

  /* The response deadline counts from the last progress. */
  if (conn->state == CONN_WRITING)
    set_deadline (conn, limits_of (conn)->body_timeout);
}

static void
on_wrote_informational (SoupServerMessage *msg, gpointer user_data)
{
  LcHttpConn *conn = user_data;

  if (soup_server_message_get_status (msg) != SOUP_STATUS_SWITCHING_PROTOCOLS)
    return;
  /* A WebSocket takes the stream over; the view's finalization ends it. */
  conn->state = CONN_UPGRADED;
  lc_source_clear (&conn->timer);
  complete_request (conn);
}

static gboolean
keep_alive_allowed (LcHttpConn *conn, SoupServerMessage *msg)
{
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);

  return !conn->close_after && !conn->stopping && !lc_http_server_is_stopping (conn->server)
         && conn->state != CONN_CLOSING && conn->state != CONN_UPGRADED
         && soup_server_message_get_http_version (msg) == SOUP_HTTP_1_1
         && !soup_message_headers_header_contains (request, "Connection", "close")
         && !soup_message_headers_header_contains (response, "Connection", "close");
}

static void
on_wrote_body (SoupServerMessage *msg, gpointer user_data)
{
  LcHttpConn *conn = user_data;
  g_autoptr (LcHttpConn) hold G_GNUC_UNUSED = lc_http_conn_ref (conn);
  g_autoptr (GByteArray) prefix = NULL;
  GIOStream *stolen;
  GInputStream *input;
  gboolean eof = FALSE;

  complete_request (conn);
  if (!keep_alive_allowed (conn, msg))
    return; /* libsoup closes; request-finished follows */

  /* Take the connection back before libsoup would close it. */
  if (conn->view != NULL)
    {
      g_object_weak_unref (G_OBJECT (conn->view), on_view_finalized, conn);
      conn->view = NULL;
      lc_http_conn_unref (conn); /* the view's ref */
    }
  forget_message (conn);
  stolen = soup_server_message_steal_connection (msg);
  if (stolen == NULL)
    {
      schedule_close (conn);
      return;
    }

  /* A pipelining client's next request may sit in libsoup's buffer: take
   * what is there (bounded) and hand it over with the next view. */
  input = g_io_stream_get_input_stream (stolen);
  prefix = g_byte_array_new ();
  while (prefix->len < PIPELINE_MAX_BYTES && G_IS_POLLABLE_INPUT_STREAM (input))
    {
      guint8 buf[8192];
      gssize n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (input), buf,
                                                           sizeof buf, NULL, NULL);
      if (n <= 0)
        {
          eof = n == 0;
          break;
        }
      g_byte_array_append (prefix, buf, (guint)n);
    }
  g_object_unref (stolen);

  if (prefix->len > 0)
    {
      conn->prefix = g_byte_array_free_to_bytes (g_steal_pointer (&prefix));
      conn->state = CONN_HEADERS;
      lc_source_clear (&conn->timer);
      lc_source_clear (&conn->defer);
      conn->defer = attach_source (g_idle_source_new (), on_deferred_hand_off, conn);
    }
  else if (eof)
    schedule_close (conn);
  else
    conn_wait_for_request (conn);
}

void
lc_http_conn_request_started (LcHttpConn *conn, SoupServerMessage *msg)
{
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);

  forget_message (conn);
  conn->msg = msg;
  g_object_add_weak_pointer (G_OBJECT (msg), (gpointer *)&conn->msg);
  g_signal_connect (msg, "got-headers", G_CALLBACK (on_got_headers), conn);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (on_got_chunk), conn);
  g_signal_connect (msg, "wrote-informational", G_CALLBACK (on_wrote_informational), conn);
  g_signal_connect (msg, "wrote-body-data", G_CALLBACK (on_wrote_body_data), conn);
  g_signal_connect (msg, "wrote-body", G_CALLBACK (on_wrote_body), conn);

  soup_message_headers_replace (response, "X-Content-Type-Options", "nosniff");
}

void
lc_http_conn_request_read (LcHttpConn *conn, SoupServerMessage *msg)
{
  if (msg != conn->msg || conn->state == CONN_CLOSING)
    return;
  if (soup_server_message_get_status (msg) != 0)
    {
      /* Already answered (a limit): libsoup writes the response next. */
      conn->state = CONN_WRITING;
      set_deadline (conn, limits_of (conn)->body_timeout);
    }
  else
    {
      conn->state = CONN_HANDLING;
      lc_source_clear (&conn->timer);
    }
}

void
lc_http_conn_responded (LcHttpConn *conn, SoupServerMessage *msg)
{
  if (msg != conn->msg || conn->state != CONN_HANDLING)
    return;
  conn->state = CONN_WRITING;
  set_deadline (conn, limits_of (conn)->body_timeout);
}

void
lc_http_conn_request_done (LcHttpConn *conn, SoupServerMessage *msg)
{
  if (msg != conn->msg)
    return;
  complete_request (conn);
  forget_message (conn);
  /* libsoup disconnects the view right after this signal; the real
   * connection is ours to close. */
  if (conn->state != CONN_UPGRADED)
    schedule_close (conn);
}
