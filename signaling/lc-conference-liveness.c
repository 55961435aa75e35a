/* lc-conference-liveness.c — the conference hub's watch over its sockets:
 * the output accounting that bounds what a slow reader may have queued
 * (close 4008), and the heartbeat tick (ping, dead-peer and join timeouts).
 * Shares the hub's state through lc-conference-private.h; runs on the hub's
 * context like the rest of it (docs/signaling.md, "Heartbeat, drops and
 * reconnects"). */
#include "signaling/lc-conference-private.h"

#include <string.h>

#include "signaling/lc-http-server.h"

/* ---- output accounting ----
 *
 * libsoup 3.2 queues outgoing frames without limit. The hub counts the
 * payload bytes it hands to each socket; the connection counts those that
 * left (lc_websocket_get_bytes_written, above TLS): the difference is what
 * waits in libsoup's queue. A socket whose backlog would pass
 * send_backlog_max gets nothing more and is dropped (close 4008, then the
 * reconnect grace); so is one whose backlog has not moved for three
 * heartbeats (the kernel's send buffer full all that time). */

static gboolean on_slow_idle (gpointer data);

/* Unsent payload bytes; moves the progress clock when bytes left or none
 * wait. */
static gint64
client_backlog (Client *client, gint64 now)
{
  gint64 written = lc_websocket_get_bytes_written (client->ws);

  if (written < 0)
    return 0; /* not a counted connection */
  if (written != client->written_seen || written >= client->handed)
    {
      client->written_seen = written;
      client->progress_us = now;
    }
  return MAX (0, client->handed - written);
}

static void
mark_too_slow (Client *client)
{
  LcConferenceHub *hub = client->hub;

  if (client->too_slow)
    return;
  client->too_slow = TRUE;
  if (hub->slow_idle == NULL && !hub->shut_down)
    {
      hub->slow_idle = g_idle_source_new ();
      /* Not below I/O: a busy room would starve an idle-priority source. */
      g_source_set_priority (hub->slow_idle, G_PRIORITY_DEFAULT);
      g_source_set_callback (hub->slow_idle, on_slow_idle, hub, NULL);
      g_source_attach (hub->slow_idle, hub->context);
    }
}

gboolean
lc_hub_client_send_text (Client *client, const char *text)
{
  LcConferenceHub *hub = client->hub;
  gsize len = strlen (text);
  gint64 backlog;

  if (client->state == CLIENT_GONE || client->too_slow
      || soup_websocket_connection_get_state (client->ws) != SOUP_WEBSOCKET_STATE_OPEN)
    return FALSE;
  backlog = client_backlog (client, g_get_monotonic_time ());
  if ((gsize) backlog + len > hub->send_backlog_max)
    {
      mark_too_slow (client);
      return FALSE;
    }
  soup_websocket_connection_send_text (client->ws, text);
  client->handed += (gint64) len;
  hub->backlog_peak = MAX (hub->backlog_peak, (gsize) backlog + len);
  return TRUE;
}

/* Too slow a reader: treated like a network drop (reconnect grace). */
static void
client_drop_slow (Client *client, const char *why)
{
  LcConferenceHub *hub = client->hub;

  g_message ("socket %" G_GUINT64_FORMAT " conference %s: %s; dropped", client->serial,
             client->conference_id, why);
  hub->slow_drops++;
  lc_hub_client_drop (client, "too slow");
  lc_hub_client_close (client, LC_SIG_CLOSE_TOO_SLOW, "too slow");
  /* The close frame waits behind the backlog the peer does not read: abort
   * (libsoup drops its queue and closes now; "closed" frees the client). */
  GIOStream *io = soup_websocket_connection_get_io_stream (client->ws);

  g_output_stream_close (g_io_stream_get_output_stream (io), NULL, NULL);
}

static gboolean
on_slow_idle (gpointer data)
{
  LcConferenceHub *hub = data;
  g_autoptr (GPtrArray) clients = lc_hub_clients_snapshot (hub);

  g_clear_pointer (&hub->slow_idle, g_source_unref);
  for (guint i = 0; i < clients->len; i++)
    {
      Client *client = clients->pdata[i];

      if (g_hash_table_contains (hub->clients, client) && client->too_slow
          && client->state != CLIENT_GONE)
        client_drop_slow (client, "unsent backlog over the limit");
    }
  return G_SOURCE_REMOVE;
}

/* Heartbeat: ping every interval, drop after three silent intervals, and
 * close sockets that never joined. */
gboolean
lc_hub_tick (gpointer data)
{
  LcConferenceHub *hub = data;
  g_autoptr (GPtrArray) clients = lc_hub_clients_snapshot (hub);
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < clients->len; i++)
    {
      Client *client = clients->pdata[i];

      if (!g_hash_table_contains (hub->clients, client) || client->state == CLIENT_GONE)
        continue;
      if (client->state == CLIENT_HELLO)
        {
          if (now - client->connected_us >= LC_SIG_JOIN_TIMEOUT_S * G_USEC_PER_SEC)
            lc_hub_client_refuse (client, "unauthorized", LC_SIG_CLOSE_TIMEOUT, NULL,
                                  "no join message within 10 seconds");
          continue;
        }
      if (client_backlog (client, now) > 0 && now - client->progress_us >= 3 * hub->heartbeat_us)
        {
          client_drop_slow (client, "nothing written for 3 heartbeats");
          continue;
        }
      if (now - client->last_rx_us >= 3 * hub->heartbeat_us)
        {
          g_info ("socket %" G_GUINT64_FORMAT " conference %s: silent for 3 heartbeats; dropped",
                  client->serial, client->conference_id);
          lc_hub_client_drop (client, "timeout");
          lc_hub_client_close (client, LC_SIG_CLOSE_TIMEOUT, "heartbeat timeout");
          continue;
        }
      if (now - client->last_ping_us >= hub->heartbeat_us)
        {
          client->last_ping_us = now;
          lc_hub_send_type (client, "ping");
        }
    }
  return G_SOURCE_CONTINUE;
}
