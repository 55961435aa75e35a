/* bench-signaling-client.c — the participants of the signaling benchmark
 * (bench-signaling.c drives them): a lean epoll WebSocket client without
 * libsoup (at 10,000 sockets its per-connection cost would be the bottleneck;
 * the server is what we measure). Each participant joins with its room's
 * per-school link, negotiates the mesh (an offer + candidates to every peer
 * already in the room, which answer), then sends a media state, a candidate, a
 * renegotiation offer or a chat message every `interval` seconds (jittered,
 * scheduled on a min-heap) and answers pings. Relays carry a monotonic time
 * stamp "~ts=<µs>" that the receiver turns into a latency. */
#include "bench-signaling.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gprintf.h>
#include <json-glib/json-glib.h>

#define MAX_EVENTS 512
#define TS_MARK "~ts="
#define CLIENT_MAX_FRAME (4 * 1024 * 1024)

static void
buf_reserve (Buf *b, gsize extra)
{
  if (b->len + extra <= b->cap)
    return;
  b->cap = MAX (b->len + extra, MAX (b->cap * 2, 256));
  b->data = g_realloc (b->data, b->cap);
}

static void
buf_append (Buf *b, const void *data, gsize len)
{
  buf_reserve (b, len);
  memcpy (b->data + b->len, data, len);
  b->len += len;
}

/* Drop the first n bytes; an emptied buffer gives its memory back. */
static void
buf_consume (Buf *b, gsize n)
{
  if (n >= b->len)
    {
      b->len = 0;
      if (b->cap > 4096)
        {
          g_clear_pointer (&b->data, g_free);
          b->cap = 0;
        }
      return;
    }
  memmove (b->data, b->data + n, b->len - n);
  b->len -= n;
}

static void
buf_clear (Buf *b)
{
  g_clear_pointer (&b->data, g_free);
  b->len = b->cap = 0;
}

static guint32
bench_random (Bench *b)
{
  /* xorshift32: reproducible, cheap, good enough to pick peers and kinds */
  b->rng ^= b->rng << 13;
  b->rng ^= b->rng >> 17;
  b->rng ^= b->rng << 5;
  return b->rng;
}

static double
bench_uniform (Bench *b)
{
  return (double)bench_random (b) / 4294967296.0;
}

/* ---- scheduling: a binary min-heap of Conn* by next_send_us ---- */

static Conn *
heap_at (Bench *b, guint i)
{
  return g_array_index (b->heap, Conn *, i);
}

static void
heap_set (Bench *b, guint i, Conn *c)
{
  g_array_index (b->heap, Conn *, i) = c;
  c->heap_pos = (int)i;
}

static void
heap_sift_up (Bench *b, guint i)
{
  Conn *c = heap_at (b, i);

  while (i > 0)
    {
      guint parent = (i - 1) / 2;

      if (heap_at (b, parent)->next_send_us <= c->next_send_us)
        break;
      heap_set (b, i, heap_at (b, parent));
      i = parent;
    }
  heap_set (b, i, c);
}

static void
heap_sift_down (Bench *b, guint i)
{
  Conn *c = heap_at (b, i);
  guint n = b->heap->len;

  for (;;)
    {
      guint child = 2 * i + 1;

      if (child >= n)
        break;
      if (child + 1 < n && heap_at (b, child + 1)->next_send_us < heap_at (b, child)->next_send_us)
        child++;
      if (heap_at (b, child)->next_send_us >= c->next_send_us)
        break;
      heap_set (b, i, heap_at (b, child));
      i = child;
    }
  heap_set (b, i, c);
}

static void
heap_push (Bench *b, Conn *c)
{
  g_array_append_val (b->heap, c);
  heap_sift_up (b, b->heap->len - 1);
}

static void
heap_remove (Bench *b, Conn *c)
{
  guint i = (guint)c->heap_pos;
  Conn *last;

  if (c->heap_pos < 0)
    return;
  last = heap_at (b, b->heap->len - 1);
  g_array_set_size (b->heap, b->heap->len - 1);
  c->heap_pos = -1;
  if (last == c)
    return;
  heap_set (b, i, last);
  heap_sift_down (b, i);
  heap_sift_up (b, (guint)last->heap_pos);
}

/* ---- WebSocket client ---- */

static void
conn_update_events (Bench *b, Conn *c)
{
  struct epoll_event ev = { 0 };
  gboolean want = c->out.len > 0 || c->state == CONN_CONNECTING;

  if (want == c->want_out)
    return;
  c->want_out = want;
  ev.events = EPOLLIN | (want ? EPOLLOUT : 0);
  ev.data.ptr = c;
  epoll_ctl (b->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void conn_close (Bench *b, Conn *c, gboolean expected, const char *why);

static void
conn_flush (Bench *b, Conn *c)
{
  while (c->out.len > 0)
    {
      ssize_t n = send (c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);

      if (n < 0)
        {
          if (errno == EAGAIN || errno == EWOULDBLOCK)
            break;
          if (errno == EINTR)
            continue;
          conn_close (b, c, FALSE, g_strerror (errno));
          return;
        }
      buf_consume (&c->out, (gsize)n);
    }
  conn_update_events (b, c);
}

/* A masked client text frame (RFC 6455 §5.2). */
static void
conn_send_text (Bench *b, Conn *c, const char *text, gsize len)
{
  guint8 header[14];
  gsize h = 0;
  guint32 key = bench_random (b);
  guint8 mask[4];
  guint8 *payload;

  if (c->state == CONN_CLOSED)
    return;
  memcpy (mask, &key, 4);
  header[h++] = 0x81;
  if (len < 126)
    header[h++] = 0x80 | (guint8)len;
  else if (len <= 0xffff)
    {
      header[h++] = 0x80 | 126;
      header[h++] = (guint8)(len >> 8);
      header[h++] = (guint8)len;
    }
  else
    {
      header[h++] = 0x80 | 127;
      for (int i = 7; i >= 0; i--)
        header[h++] = (guint8)((guint64)len >> (8 * i));
    }
  memcpy (header + h, mask, 4);
  h += 4;
  buf_append (&c->out, header, h);
  buf_reserve (&c->out, len);
  payload = c->out.data + c->out.len;
  for (gsize i = 0; i < len; i++)
    payload[i] = (guint8)text[i] ^ mask[i & 3];
  c->out.len += len;
  b->c.sent_frames++;
  conn_flush (b, c);
}

static void
conn_send_printf (Bench *b, Conn *c, Kind kind, const char *format, ...) G_GNUC_PRINTF (4, 5);

static void
conn_send_printf (Bench *b, Conn *c, Kind kind, const char *format, ...)
{
  va_list args;
  g_autofree char *text = NULL;
  int len;

  va_start (args, format);
  len = g_vasprintf (&text, format, args);
  va_end (args);
  b->c.sent[kind]++;
  conn_send_text (b, c, text, (gsize)len);
}

static void
send_offer (Bench *b, Conn *c, const char *to, gboolean answer)
{
  if (!answer)
    {
      b->outstanding_offers++;
      b->offers_total++;
    }
  conn_send_printf (b, c, answer ? KIND_ANSWER : KIND_OFFER,
                    "{\"type\":\"%s\",\"to\":\"%s\",\"sdp\":\"v=0\\r\\no=- " TS_MARK
                    "%" G_GINT64_FORMAT " 2 IN IP4 127.0.0.1\\r\\n%s\"}",
                    answer ? "answer" : "offer", to, now_us (), b->sdp_body);
}

static void
send_candidate (Bench *b, Conn *c, const char *to)
{
  conn_send_printf (b, c, KIND_CANDIDATE,
                    "{\"type\":\"candidate\",\"to\":\"%s\",\"candidate\":{\"candidate\":"
                    "\"candidate:%u 1 udp 2122260223 127.0.0.1 %u typ host generation 0 ufrag "
                    "bnch network-id 1 " TS_MARK "%" G_GINT64_FORMAT "\",\"sdpMid\":\"0\","
                    "\"sdpMLineIndex\":0}}",
                    to, bench_random (b), 30000 + bench_random (b) % 30000, now_us ());
}

static void
conn_start_join (Bench *b, Conn *c)
{
  conn_send_printf (b, c, KIND_OTHER,
                    "{\"type\":\"join\",\"token\":\"%s\",\"client_id\":\"%s\",\"name\":"
                    "\"Participant %u\"}",
                    c->room->token, c->client_id, c->index);
  c->state = CONN_JOINING;
}

static gboolean
conn_connect (Bench *b, Conn *c)
{
  struct epoll_event ev = { 0 };
  int one = 1;

  c->fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0)
    {
      g_printerr ("bench: socket: %s\n", g_strerror (errno));
      return FALSE;
    }
  setsockopt (c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->connect_us = now_us ();
  c->state = CONN_CONNECTING;
  if (connect (c->fd, (struct sockaddr *)&b->addr, sizeof b->addr) < 0 && errno != EINPROGRESS)
    {
      g_printerr ("bench: connect: %s\n", g_strerror (errno));
      close (c->fd);
      c->fd = -1;
      c->state = CONN_CLOSED;
      return FALSE;
    }
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.ptr = c;
  c->want_out = TRUE;
  epoll_ctl (b->epfd, EPOLL_CTL_ADD, c->fd, &ev);
  return TRUE;
}

static void
conn_close (Bench *b, Conn *c, gboolean expected, const char *why)
{
  if (c->state == CONN_CLOSED)
    return;
  if (!expected)
    {
      b->c.unexpected_closes++;
      if (b->c.unexpected_closes <= 5)
        g_printerr ("bench: participant %u closed: %s\n", c->index, why);
      if (c->state != CONN_ACTIVE)
        {
          b->failed++;
          b->inflight--;
        }
    }
  heap_remove (b, c);
  epoll_ctl (b->epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close (c->fd);
  c->fd = -1;
  c->state = CONN_CLOSED;
  buf_clear (&c->in);
  buf_clear (&c->out);
}

/* A random other participant of the room that is in it (from our side). */
static Conn *
pick_peer (Bench *b, Conn *c)
{
  Room *room = c->room;

  if (room->n < 2)
    return NULL;
  for (int tries = 0; tries < 8; tries++)
    {
      Conn *peer = &b->conns[room->first + bench_random (b) % room->n];

      if (peer != c && peer->state == CONN_ACTIVE)
        return peer;
    }
  return NULL;
}

static void
schedule (Bench *b, Conn *c, gint64 from_us, double spread)
{
  c->next_send_us = from_us + (gint64)(b->interval_s * spread * G_USEC_PER_SEC);
  heap_push (b, c);
}

/* One periodic message: media 45 %, candidate 40 %, renegotiation 5 %, chat 10 %. */
static void
send_periodic (Bench *b, Conn *c)
{
  double r = bench_uniform (b);
  Conn *peer = NULL;

  if ((r >= 0.45 && r < 0.90) && (peer = pick_peer (b, c)) == NULL)
    r = 0; /* alone in the room: media instead */
  if (r < 0.45)
    {
      c->audio = !c->audio;
      conn_send_printf (b, c, KIND_MEDIA,
                        "{\"type\":\"media\",\"audio\":%s,\"video\":true,\"screen\":false}",
                        c->audio ? "true" : "false");
    }
  else if (r < 0.85)
    send_candidate (b, c, peer->peer_id);
  else if (r < 0.90)
    send_offer (b, c, peer->peer_id, FALSE);
  else
    conn_send_printf (b, c, KIND_CHAT,
                      "{\"type\":\"chat\",\"text\":\"Good morning from participant %u " TS_MARK
                      "%" G_GINT64_FORMAT "\"}",
                      c->index, now_us ());
}

static void
record_latency (Bench *b, Kind kind, const char *text, gsize len)
{
  const char *p = g_strstr_len (text, (gssize)len, TS_MARK);
  gint64 sent;
  double ms;

  if (p == NULL || !b->traffic)
    return;
  sent = g_ascii_strtoll (p + strlen (TS_MARK), NULL, 10);
  ms = (double)(now_us () - sent) / 1000.0;
  g_array_append_val (b->c.latency[kind], ms);
}

/* The value of "member":"…" (no escapes in ids), or NULL. */
static char *
find_string_member (const char *text, gsize len, const char *member)
{
  g_autofree char *key = g_strdup_printf ("\"%s\":\"", member);
  const char *p = g_strstr_len (text, (gssize)len, key);
  const char *end;

  if (p == NULL)
    return NULL;
  p += strlen (key);
  end = memchr (p, '"', len - (gsize)(p - text));
  return end != NULL ? g_strndup (p, (gsize)(end - p)) : NULL;
}

static void
handle_welcome (Bench *b, Conn *c, const char *text, gsize len)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *o;
  JsonArray *peers;
  double ms;

  c->welcome_us = now_us ();
  c->state = CONN_ACTIVE;
  b->inflight--;
  b->welcomed++;
  ms = (double)(c->welcome_us - c->connect_us) / 1000.0;
  g_array_append_val (b->join_ms, ms);
  schedule (b, c, c->welcome_us, 0.2 + bench_uniform (b));

  /* The newcomer offers to everyone already in the room. */
  if (!json_parser_load_from_data (parser, text, (gssize)len, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      b->c.errors++;
      return;
    }
  o = json_node_get_object (json_parser_get_root (parser));
  peers = json_object_get_array_member (o, "peers");
  for (guint i = 0; peers != NULL && i < json_array_get_length (peers); i++)
    {
      JsonObject *peer = json_array_get_object_element (peers, i);
      const char *id = json_object_get_string_member_with_default (peer, "id", NULL);

      if (id == NULL)
        continue;
      send_offer (b, c, id, FALSE);
      send_candidate (b, c, id);
    }
}

static void
handle_message (Bench *b, Conn *c, const char *text, gsize len)
{
  g_autofree char *type = find_string_member (text, len, "type");
  g_autofree char *from = NULL;

  b->c.recv_frames++;
  b->c.recv_bytes += len;
  if (type == NULL)
    {
      b->c.errors++;
      return;
    }
  if (strcmp (type, "welcome") == 0 && c->state == CONN_JOINING)
    handle_welcome (b, c, text, len);
  else if (strcmp (type, "offer") == 0 || strcmp (type, "answer") == 0)
    {
      gboolean offer = type[0] == 'o';

      b->c.recv[offer ? KIND_OFFER : KIND_ANSWER]++;
      record_latency (b, offer ? KIND_OFFER : KIND_ANSWER, text, len);
      from = find_string_member (text, len, "from");
      if (from == NULL)
        {
          b->c.errors++;
          return;
        }
      if (offer)
        send_offer (b, c, from, TRUE);
      else
        {
          b->answers_total++;
          if (b->outstanding_offers > 0)
            b->outstanding_offers--;
        }
      send_candidate (b, c, from);
    }
  else if (strcmp (type, "candidate") == 0)
    {
      b->c.recv[KIND_CANDIDATE]++;
      record_latency (b, KIND_CANDIDATE, text, len);
    }
  else if (strcmp (type, "media") == 0)
    b->c.recv[KIND_MEDIA]++;
  else if (strcmp (type, "chat") == 0)
    {
      b->c.recv[KIND_CHAT]++;
      record_latency (b, KIND_CHAT, text, len);
    }
  else if (strcmp (type, "ping") == 0)
    {
      b->c.recv[KIND_PING]++;
      conn_send_printf (b, c, KIND_PING, "{\"type\":\"pong\"}");
    }
  else if (strcmp (type, "error") == 0)
    {
      b->c.errors++;
      if (b->c.errors <= 5)
        g_printerr ("bench: participant %u got %.*s\n", c->index, (int)MIN (len, 300), text);
    }
  else
    b->c.recv[KIND_OTHER]++; /* peer-joined, peer-left, peer-state, … */
}

/* Server frames: unmasked, unfragmented (libsoup sends a message as one frame). */
static void
conn_parse_frames (Bench *b, Conn *c)
{
  gsize off = 0;

  while (c->state != CONN_CLOSED && c->in.len - off >= 2)
    {
      const guint8 *p = c->in.data + off;
      gsize avail = c->in.len - off, h = 2;
      guint64 plen = p[1] & 0x7f;
      int opcode = p[0] & 0x0f;

      if (plen == 126)
        {
          if (avail < 4)
            break;
          plen = ((guint64)p[2] << 8) | p[3];
          h = 4;
        }
      else if (plen == 127)
        {
          if (avail < 10)
            break;
          plen = 0;
          for (int i = 0; i < 8; i++)
            plen = (plen << 8) | p[2 + i];
          h = 10;
        }
      if ((p[1] & 0x80) != 0 || (p[0] & 0x80) == 0 || plen > CLIENT_MAX_FRAME)
        {
          conn_close (b, c, FALSE, "masked, fragmented or huge frame from the server");
          return;
        }
      if (avail < h + plen)
        break;
      if (opcode == 0x1)
        handle_message (b, c, (const char *)p + h, (gsize)plen);
      else if (opcode == 0x8)
        {
          guint code = plen >= 2 ? ((guint)p[h] << 8 | p[h + 1]) : 0;
          g_autofree char *why = g_strdup_printf ("close frame %u %.*s", code,
                                                  (int)(plen >= 2 ? plen - 2 : 0),
                                                  (const char *)p + h + 2);

          conn_close (b, c, FALSE, why);
          return;
        }
      else if (opcode == 0x9)
        {
          /* a WebSocket-level ping: pong with the same payload */
          guint8 pong[2 + 4 + 125];
          guint8 zero_mask[4] = { 0 };

          if (plen <= 125)
            {
              pong[0] = 0x8a;
              pong[1] = 0x80 | (guint8)plen;
              memcpy (pong + 2, zero_mask, 4);
              memcpy (pong + 6, p + h, plen);
              buf_append (&c->out, pong, 6 + plen);
              conn_flush (b, c);
            }
        }
      off += h + plen;
    }
  if (c->state != CONN_CLOSED)
    buf_consume (&c->in, off);
}

static void
conn_on_handshake (Bench *b, Conn *c)
{
  const char *end = g_strstr_len ((const char *)c->in.data, (gssize)c->in.len, "\r\n\r\n");

  if (end == NULL)
    {
      if (c->in.len > 16384)
        conn_close (b, c, FALSE, "handshake reply too long");
      return;
    }
  if (c->in.len < 12 || memcmp (c->in.data, "HTTP/1.1 101", 12) != 0)
    {
      g_autofree char *why = g_strdup_printf (
          "handshake refused: %.*s", (int)MIN (c->in.len, 200), (const char *)c->in.data);

      conn_close (b, c, FALSE, why);
      return;
    }
  buf_consume (&c->in, (gsize)(end + 4 - (const char *)c->in.data));
  conn_start_join (b, c);
  conn_parse_frames (b, c);
}

static void
conn_on_event (Bench *b, Conn *c, guint32 events)
{
  if (c->state == CONN_CONNECTING && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
    {
      int err = 0;
      socklen_t len = sizeof err;
      g_autofree char *request = NULL;

      getsockopt (c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0)
        {
          conn_close (b, c, FALSE, g_strerror (err));
          return;
        }
      request = g_strdup_printf ("GET /ws/conference/%s HTTP/1.1\r\nHost: %s\r\n"
                                 "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                 "Sec-WebSocket-Version: 13\r\n\r\n",
                                 c->room->conference_id, b->host_header);
      c->state = CONN_HANDSHAKE;
      buf_append (&c->out, request, strlen (request));
      conn_flush (b, c);
      return;
    }
  if (events & EPOLLOUT)
    conn_flush (b, c);
  if (c->state == CONN_CLOSED)
    return;
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
    {
      for (;;)
        {
          ssize_t n = recv (c->fd, b->scratch, READ_CHUNK, 0);

          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
          if (n <= 0)
            {
              conn_close (b, c, FALSE, n == 0 ? "end of stream" : g_strerror (errno));
              return;
            }
          buf_append (&c->in, b->scratch, (gsize)n);
          if (c->state == CONN_HANDSHAKE)
            conn_on_handshake (b, c);
          else
            conn_parse_frames (b, c);
          if (c->state == CONN_CLOSED || n < READ_CHUNK)
            break;
        }
    }
}

/* ---- the loop ---- */

gboolean
lc_bench_sig_run_loop (Bench *b, guint target, gint64 until_us, DoneFunc done, gpointer data)
{
  struct epoll_event events[MAX_EVENTS];

  for (;;)
    {
      gint64 now = now_us ();
      gint64 wake = until_us;
      int n;

      if (done != NULL && done (b, data))
        return TRUE;
      if (now >= until_us)
        return done == NULL;

      while (b->next_to_connect < target && b->inflight < b->concurrency)
        {
          Conn *c = &b->conns[b->next_to_connect++];

          b->inflight++;
          if (!conn_connect (b, c))
            {
              b->inflight--;
              b->failed++;
            }
        }

      while (b->heap->len > 0 && heap_at (b, 0)->next_send_us <= now)
        {
          Conn *c = heap_at (b, 0);

          heap_remove (b, c);
          send_periodic (b, c);
          if (c->state == CONN_ACTIVE)
            schedule (b, c, MAX (c->next_send_us, now - G_USEC_PER_SEC), 0.5 + bench_uniform (b));
        }
      if (b->heap->len > 0)
        wake = MIN (wake, heap_at (b, 0)->next_send_us);
      n = epoll_wait (b->epfd, events, MAX_EVENTS,
                      (int)CLAMP ((wake - now_us () + 999) / 1000, 0, 50));
      for (int i = 0; i < n; i++)
        conn_on_event (b, events[i].data.ptr, events[i].events);
    }
}

void
lc_bench_sig_conn_clear (Conn *c)
{
  if (c->fd >= 0)
    close (c->fd);
  buf_clear (&c->in);
  buf_clear (&c->out);
  g_free (c->client_id);
  g_free (c->peer_id);
}
