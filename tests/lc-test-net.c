/* lc-test-net.c — shared helpers for tests that drive an LcHttpServer on the
 * global default main context: waits that keep the context running, the
 * server fixture pieces, an asynchronous SoupSession client and a raw-socket
 * client pumped on the same context. */
#include "lc-test-net.h"

#include <string.h>

/* ---- waiting on the main context (never blocking it) ---- */

static gboolean
on_tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

void
lc_test_run_until (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;
  GSource *tick = g_timeout_source_new (10);

  g_source_set_callback (tick, on_tick, NULL, NULL);
  g_source_attach (tick, NULL);
  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("condition not met within %u ms", timeout_ms);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_destroy (tick);
  g_source_unref (tick);
}

void
lc_test_run_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64)ms * 1000;
  GSource *tick = g_timeout_source_new (10);

  g_source_set_callback (tick, on_tick, NULL, NULL);
  g_source_attach (tick, NULL);
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (tick);
  g_source_unref (tick);
}

/* ---- the LcHttpServer under test ---- */

/* No proxy lookup: loopback only (and libproxy's C++ does not mix with ASan). */
static SoupSession *
new_session (void)
{
  g_autoptr (GProxyResolver) direct = g_simple_proxy_resolver_new (NULL, NULL);

  return soup_session_new_with_options ("proxy-resolver", direct, NULL);
}

void
lc_test_http_listen (LcTestHttp *http)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (lc_http_server_listen (http->server, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  http->port = lc_http_server_get_port (http->server);
  http->session = new_session ();
}

void
lc_test_http_close_session (LcTestHttp *http)
{
  soup_session_abort (http->session);
  g_clear_object (&http->session);
}

static gboolean
no_connections (gpointer data)
{
  LcTestHttp *http = data;

  return lc_http_server_get_connection_count (http->server) == 0;
}

void
lc_test_http_wait_no_connections (LcTestHttp *http, guint timeout_ms)
{
  lc_test_run_until (no_connections, http, timeout_ms);
}

void
lc_test_http_finalize (LcTestHttp *http)
{
  g_assert_finalize_object (http->server);
  http->server = NULL;
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ---- SoupSession client ---- */

void
lc_test_http_result_free (LcTestHttpResult *r)
{
  g_clear_object (&r->msg);
  g_clear_pointer (&r->body, g_bytes_unref);
  g_clear_error (&r->error);
  g_free (r);
}

static void
on_sent (GObject *source, GAsyncResult *res, gpointer user_data)
{
  LcTestHttpResult *r = user_data;

  r->body = soup_session_send_and_read_finish (SOUP_SESSION (source), res, &r->error);
  r->done = TRUE;
}

static gboolean
result_done (gpointer data)
{
  return ((LcTestHttpResult *)data)->done;
}

/* The test's self-signed certificate. */
static gboolean
on_accept_certificate (SoupMessage *msg, GTlsCertificate *certificate, GTlsCertificateFlags errors,
                       gpointer user_data)
{
  return TRUE;
}

LcTestHttpResult *
lc_test_http_begin (LcTestHttp *http, const char *method, const char *path, const char *body_type,
                    const char *body, ...)
{
  LcTestHttpResult *r = g_new0 (LcTestHttpResult, 1);
  g_autofree char *uri
      = g_strdup_printf ("%s://127.0.0.1:%u%s", http->tls ? "https" : "http", http->port, path);
  va_list args;
  const char *name;

  r->msg = soup_message_new (method, uri);
  g_assert_nonnull (r->msg);
  if (http->tls)
    g_signal_connect (r->msg, "accept-certificate", G_CALLBACK (on_accept_certificate), NULL);
  if (body != NULL)
    {
      g_autoptr (GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (r->msg, body_type, bytes);
    }
  va_start (args, body);
  while ((name = va_arg (args, const char *)) != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (r->msg), name,
                                  va_arg (args, const char *));
  va_end (args);
  soup_session_send_and_read_async (http->session, r->msg, G_PRIORITY_DEFAULT, NULL, on_sent, r);
  return r;
}

LcTestHttpResult *
lc_test_http_finish (LcTestHttpResult *r)
{
  lc_test_run_until (result_done, r, 10000);
  return r;
}

guint
lc_test_http_status (LcTestHttpResult *r)
{
  g_assert_no_error (r->error);
  return soup_message_get_status (r->msg);
}

const char *
lc_test_http_header (LcTestHttpResult *r, const char *name)
{
  return soup_message_headers_get_one (soup_message_get_response_headers (r->msg), name);
}

char *
lc_test_http_text (LcTestHttpResult *r)
{
  gsize len = 0;
  const char *data = r->body != NULL ? g_bytes_get_data (r->body, &len) : NULL;

  return g_strndup (data != NULL ? data : "", len);
}

/* ---- raw socket client, pumped on the main context ---- */

void
lc_test_raw_free (LcTestRaw *r)
{
  g_socket_close (r->socket, NULL);
  g_object_unref (r->socket);
  g_string_free (r->in, TRUE);
  g_byte_array_unref (r->out);
  g_free (r);
}

LcTestRaw *
lc_test_raw_connect (guint16 port)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (lo, port);
  LcTestRaw *r = g_new0 (LcTestRaw, 1);

  r->socket
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  /* Loopback connect completes from the backlog without the server running. */
  g_assert_true (g_socket_connect (r->socket, address, NULL, &error));
  g_assert_no_error (error);
  g_socket_set_blocking (r->socket, FALSE);
  r->in = g_string_new (NULL);
  r->out = g_byte_array_new ();
  return r;
}

void
lc_test_raw_queue (LcTestRaw *r, const void *data, gsize len)
{
  g_byte_array_append (r->out, data, (guint)len);
}

void
lc_test_raw_queue_str (LcTestRaw *r, const char *text)
{
  lc_test_raw_queue (r, text, strlen (text));
}

void
lc_test_raw_io (LcTestRaw *r)
{
  char buf[65536];

  while (r->out_offset < r->out->len && !r->eof)
    {
      g_autoptr (GError) error = NULL;
      gssize n = g_socket_send (r->socket, (const char *)r->out->data + r->out_offset,
                                r->out->len - r->out_offset, NULL, &error);
      if (n < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            r->out_offset = r->out->len; /* the peer is gone */
          break;
        }
      r->out_offset += (gsize)n;
    }
  while (!r->eof)
    {
      g_autoptr (GError) error = NULL;
      gssize n = g_socket_receive (r->socket, buf, sizeof buf, NULL, &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      if (n <= 0)
        {
          r->eof = TRUE; /* EOF or reset */
          break;
        }
      g_string_append_len (r->in, buf, n);
    }
}

static gboolean
on_raw_ready (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

gboolean
lc_test_raw_pump (LcTestRaw *r, gboolean (*done) (LcTestRaw *), guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;

  for (;;)
    {
      GSource *watch, *timer;
      GIOCondition cond = G_IO_IN;
      gint64 left;

      lc_test_raw_io (r);
      if (done (r))
        return TRUE;
      left = deadline - g_get_monotonic_time ();
      if (left <= 0)
        return FALSE;
      if (r->out_offset < r->out->len && !r->eof)
        cond |= G_IO_OUT;
      watch = g_socket_create_source (r->socket, r->eof ? 0 : cond, NULL);
      g_source_set_callback (watch, (GSourceFunc)on_raw_ready, NULL, NULL);
      g_source_attach (watch, NULL);
      timer = g_timeout_source_new ((guint)MIN (left / 1000 + 1, 50));
      g_source_set_callback (timer, on_tick, NULL, NULL);
      g_source_attach (timer, NULL);
      g_main_context_iteration (NULL, TRUE);
      g_source_destroy (watch);
      g_source_unref (watch);
      g_source_destroy (timer);
      g_source_unref (timer);
    }
}

gsize
lc_test_http_response_length (const char *data, gsize len)
{
  const char *end = g_strstr_len (data, (gssize)len, "\r\n\r\n");
  g_autofree char *head = NULL;
  const char *cl;
  gsize header_len, body_len = 0;

  if (end == NULL)
    return 0;
  header_len = (gsize)(end - data) + 4;
  head = g_ascii_strdown (data, (gssize)header_len);
  cl = strstr (head, "\r\ncontent-length:");
  if (cl != NULL)
    body_len = (gsize)g_ascii_strtoull (cl + 17, NULL, 10);
  if (g_str_has_prefix (head, "http/1.1 304") || g_str_has_prefix (head, "http/1.1 204"))
    body_len = 0;
  return len >= header_len + body_len ? header_len + body_len : 0;
}

gboolean
lc_test_raw_has_response (LcTestRaw *r)
{
  return lc_test_http_response_length (r->in->str, r->in->len) > 0 || r->eof;
}

gboolean
lc_test_raw_is_closed (LcTestRaw *r)
{
  return r->eof;
}

guint
lc_test_raw_status (LcTestRaw *r)
{
  if (r->in->len < 12
      || !(g_str_has_prefix (r->in->str, "HTTP/1.1 ")
           || g_str_has_prefix (r->in->str, "HTTP/1.0 ")))
    return 0;
  return (guint)g_ascii_strtoull (r->in->str + 9, NULL, 10);
}
