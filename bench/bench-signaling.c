/* bench-signaling.c — the conference signaling benchmark (issue 4): K WebSocket
 * participants in rooms of N against the real `lessoncast serve`, run as a
 * child process with a temporary data dir. Conferences, schools and join links
 * are made through the REST API as the first-start operator. The participants
 * live in this one process: a lean epoll WebSocket client (no libsoup: at
 * 10,000 sockets its per-connection cost would be the bottleneck; the server is
 * what we measure). Each participant joins with the room's per-school link,
 * negotiates the mesh (an offer + candidates to every peer already in the room,
 * which answer), then sends a media state, a candidate, a renegotiation offer
 * or a chat message every `interval` seconds (jittered) and answers pings.
 *
 * Figures per step K: server RSS delta per connection (/proc/<pid>/status,
 * smaps_rollup), joins per second until "welcome" and the connect->welcome
 * time, relay latency (a monotonic time stamp "~ts=<µs>" carried in the
 * candidate string, the SDP and the chat text, read at the receiver),
 * messages relayed per second per core of server CPU (/proc/<pid>/stat).
 *
 * --smoke: 2 rooms × 3 participants for a few seconds; fails unless every
 * participant got "welcome", every offer was answered and every kind of relay
 * arrived without error. It never checks timings. See docs/benchmarks.md. */
#include "lc-bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gprintf.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "common/lc-error.h"
#include "common/lc-time.h"

#define MAX_EVENTS 512
#define READ_CHUNK 65536
#define TS_MARK "~ts="
#define CLIENT_MAX_FRAME (4 * 1024 * 1024)

/* ---- kinds of messages we count ---- */

typedef enum
{
  KIND_OFFER,
  KIND_ANSWER,
  KIND_CANDIDATE,
  KIND_MEDIA,
  KIND_CHAT,
  KIND_PING,
  KIND_OTHER,
  N_KINDS
} Kind;

static const char *const kind_names[N_KINDS]
    = { "offer", "answer", "candidate", "media", "chat", "ping", "other" };

/* ---- growable byte buffer ---- */

typedef struct
{
  guint8 *data;
  gsize len, cap;
} Buf;

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

/* ---- participants ---- */

typedef enum
{
  CONN_IDLE,
  CONN_CONNECTING,
  CONN_HANDSHAKE,
  CONN_JOINING,
  CONN_ACTIVE,
  CONN_CLOSED,
} ConnState;

typedef struct _Bench Bench;

typedef struct
{
  char *conference_id;
  char *school_id;
  char *token;
  guint first, n; /* participants [first, first + n) */
} Room;

typedef struct
{
  int fd;
  ConnState state;
  guint index;
  Room *room;
  char *client_id;
  char *peer_id; /* "s:<school>:<client_id>" */
  Buf in, out;
  gboolean want_out;
  gint64 connect_us, welcome_us, next_send_us;
  gboolean audio;
  int heap_pos; /* -1: not scheduled */
} Conn;

typedef struct
{
  guint64 sent[N_KINDS], recv[N_KINDS];
  guint64 sent_frames, recv_frames, recv_bytes;
  guint64 errors, unexpected_closes;
  GArray *latency[N_KINDS]; /* ms, double */
} Counters;

typedef struct
{
  guint participants;
  double join_seconds, joins_per_second;
  double join_p50_ms, join_p99_ms, join_cpu_ms;
  double rss_base_mib, rss_mib, kib_per_conn, anon_mib;
  double window_s, server_cpu_percent, client_cpu_percent;
  double in_per_s, out_per_s, relayed_per_core_s;
  double lat_p50[N_KINDS], lat_p99[N_KINDS];
  guint64 lat_n[N_KINDS];
  guint fds;
} StepResult;

struct _Bench
{
  /* options */
  char *binary;
  char *server_prefix;
  GArray *steps; /* guint */
  guint room_size, concurrency, window_s, rate, heartbeat_s;
  double interval_s;
  gboolean smoke;

  /* the server */
  char *tmp_dir, *data_dir;
  GSubprocess *proc;
  gboolean exited;
  int pid;
  char *base_url;
  struct sockaddr_in addr;
  char *host_header;
  char *login, *password;

  /* the clients */
  int epfd;
  GPtrArray *rooms; /* Room* */
  Conn *conns;
  guint n_conns;
  guint next_to_connect, inflight, welcomed, failed;
  GArray *heap; /* Conn* ordered by next_send_us */
  char *sdp_body; /* JSON-escaped SDP after the o= line */
  guint32 rng;
  guint64 outstanding_offers;
  guint64 offers_total, answers_total; /* never reset */
  gboolean traffic;
  Counters c;
  GArray *join_ms; /* connect -> welcome, this step */
  guint8 *scratch;
};

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

/* ---- the server under test ---- */

static void
on_server_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Bench *b = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  b->exited = TRUE;
}

/* The server must not outlive an interrupted bench. */
static void
child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static gboolean
server_start (Bench *b, guint max_participants, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *out_path = NULL;
  g_autofree char *log_path = NULL;
  gint64 deadline;
  guint mesh = MAX (b->room_size, 2);
  const char *port;

  b->tmp_dir = g_dir_make_tmp ("lc-sigbench-XXXXXX", error);
  if (b->tmp_dir == NULL)
    return FALSE;
  b->data_dir = g_build_filename (b->tmp_dir, "data", NULL);
  out_path = g_build_filename (b->tmp_dir, "stdout.log", NULL);
  log_path = g_build_filename (b->tmp_dir, "server.log", NULL);
  /* A file, not a pipe: nothing reads it once the bench runs its own loop. */
  g_subprocess_launcher_set_stdout_file_path (launcher, out_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, log_path);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);

  if (b->server_prefix != NULL)
    {
      g_auto (GStrv) prefix = g_strsplit (b->server_prefix, " ", -1);

      for (guint i = 0; prefix[i] != NULL; i++)
        if (prefix[i][0] != '\0')
          g_ptr_array_add (argv, g_strdup (prefix[i]));
    }
  g_ptr_array_add (argv, g_strdup (b->binary));
  g_ptr_array_add (argv, g_strdup ("serve"));
  g_ptr_array_add (argv, g_strdup ("--data-dir"));
  g_ptr_array_add (argv, g_strdup (b->data_dir));
  {
    g_autofree char *mesh_set = g_strdup_printf ("conferences.mesh_max_participants=%u", mesh);
    g_autofree char *per_school
        = g_strdup_printf ("conferences.max_participants_per_school=%u", MAX (b->room_size, 2));
    g_autofree char *conns = g_strdup_printf ("server.max_connections=%u", max_participants + 256);
    g_autofree char *nofile = g_strdup_printf ("server.rlimit_nofile=%u", max_participants + 1024);
    g_autofree char *rate = g_strdup_printf ("conferences.ws_messages_per_second=%u", b->rate);
    g_autofree char *heartbeat
        = g_strdup_printf ("conferences.heartbeat_interval=%u", b->heartbeat_s);
    const char *sets[] = { "server.listen=127.0.0.1:0", "log.level=warning", "auth.kdf_cost=10",
                           "recording.enabled=false", "conferences.max_concurrent=100000",
                           mesh_set, per_school, conns, nofile, rate, heartbeat, NULL };

    for (guint i = 0; sets[i] != NULL; i++)
      {
        g_ptr_array_add (argv, g_strdup ("--set"));
        g_ptr_array_add (argv, g_strdup (sets[i]));
      }
  }
  g_ptr_array_add (argv, NULL);
  b->proc = g_subprocess_launcher_spawnv (launcher, (const char *const *)argv->pdata, error);
  if (b->proc == NULL)
    return FALSE;
  b->pid = (int)g_ascii_strtoll (g_subprocess_get_identifier (b->proc), NULL, 10);
  g_subprocess_wait_async (b->proc, NULL, on_server_exited, b);

  /* stdout: "operator login: L  password: P", then "listening on URL". */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (b->base_url == NULL || b->password == NULL)
    {
      g_autofree char *text = NULL;
      g_auto (GStrv) lines = NULL;

      g_main_context_iteration (NULL, FALSE);
      if (g_get_monotonic_time () > deadline || b->exited)
        {
          g_set_error (error, LC_ERROR, LC_ERROR_INTERNAL,
                       "lessoncast did not print its URL and operator password (see %s)",
                       log_path);
          return FALSE;
        }
      g_usleep (50 * 1000);
      if (!g_file_get_contents (out_path, &text, NULL, NULL))
        continue;
      lines = g_strsplit (text, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        {
          const char *p;
          char login[257], password[1025];

          if (b->password == NULL
              && sscanf (lines[i], "operator login: %256s password: %1024s", login, password) == 2)
            {
              b->login = g_strdup (login);
              b->password = g_strdup (password);
            }
          if (b->base_url == NULL && (p = strstr (lines[i], "listening on ")) != NULL
              && strchr (p, '\0') > p + strlen ("listening on "))
            b->base_url = g_strstrip (g_strdup (p + strlen ("listening on ")));
        }
    }

  /* http://127.0.0.1:PORT */
  port = strrchr (b->base_url, ':');
  if (!g_str_has_prefix (b->base_url, "http://127.0.0.1:") || port == NULL)
    {
      g_set_error (error, LC_ERROR, LC_ERROR_INTERNAL, "unexpected URL %s", b->base_url);
      return FALSE;
    }
  memset (&b->addr, 0, sizeof b->addr);
  b->addr.sin_family = AF_INET;
  b->addr.sin_port = htons ((guint16)g_ascii_strtoull (port + 1, NULL, 10));
  b->addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  b->host_header = g_strdup (b->base_url + strlen ("http://"));
  return TRUE;
}

static void
server_stop (Bench *b)
{
  if (b->proc != NULL)
    {
      gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

      g_subprocess_send_signal (b->proc, SIGTERM);
      while (!b->exited && g_get_monotonic_time () < deadline)
        {
          /* g_subprocess_wait would block without a timeout */
          g_main_context_iteration (NULL, FALSE);
          g_usleep (20 * 1000);
        }
      if (!b->exited)
        {
          g_printerr ("bench: the server ignored SIGTERM for 30 s; killing it\n");
          g_subprocess_force_exit (b->proc);
          while (!b->exited)
            g_main_context_iteration (NULL, TRUE);
        }
      g_clear_object (&b->proc);
    }
  if (b->tmp_dir != NULL && g_getenv ("LC_BENCH_KEEP") == NULL)
    {
      g_autofree char *command = g_strdup_printf ("rm -rf '%s'", b->tmp_dir);

      if (system (command) != 0)
        g_warning ("cannot remove %s", b->tmp_dir);
    }
  else if (b->tmp_dir != NULL)
    g_printerr ("bench: kept %s\n", b->tmp_dir);
}

/* ---- REST set-up as the operator ---- */

static JsonNode *
rest_call (Bench *b, SoupSession *session, const char *method, const char *path,
           const char *body, guint expect, GError **error)
{
  g_autofree char *url = g_strconcat (b->base_url, path, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();

  if (body != NULL)
    {
      g_autoptr (GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  /* cookie-authenticated writes need our own Origin */
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Origin", b->base_url);
  reply = soup_session_send_and_read (session, msg, NULL, error);
  if (reply == NULL)
    return NULL;
  if (soup_message_get_status (msg) != expect)
    {
      g_set_error (error, LC_ERROR, LC_ERROR_INTERNAL, "%s %s: %u %.*s", method, path,
                   soup_message_get_status (msg), (int)MIN (g_bytes_get_size (reply), 400),
                   (const char *)g_bytes_get_data (reply, NULL));
      return NULL;
    }
  if (!json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL),
                                   (gssize)g_bytes_get_size (reply), error))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, LC_ERROR, LC_ERROR_INTERNAL, "%s %s: not a JSON object", method, path);
      return NULL;
    }
  return json_node_copy (json_parser_get_root (parser));
}

static char *
rest_string (JsonNode *node, const char *member)
{
  JsonObject *o = json_node_get_object (node);

  return g_strdup (json_object_get_string_member_with_default (o, member, ""));
}

static void
room_free (gpointer data)
{
  Room *room = data;

  g_free (room->conference_id);
  g_free (room->school_id);
  g_free (room->token);
  g_free (room);
}

/* One host school and one conference per room (a school cannot be in two
 * overlapping conferences), all inviting one guest school; a per-school
 * participant link per room: participant ids are "s:<school>:<client_id>". */
static gboolean
setup_rooms (Bench *b, guint n_rooms, GError **error)
{
  g_autoptr (GProxyResolver) direct = g_simple_proxy_resolver_new (NULL, NULL);
  g_autoptr (SoupSession) session
      = soup_session_new_with_options ("timeout", 60, "proxy-resolver", direct, NULL);
  g_autoptr (JsonNode) login = NULL;
  g_autoptr (JsonNode) guest = NULL;
  g_autofree char *guest_id = NULL;
  g_autofree char *starts = lc_time_format_rfc3339 (lc_time_now () + 120);
  g_autofree char *ends = lc_time_format_rfc3339 (lc_time_now () + 120 + 3 * 3600);
  g_autoptr (JsonBuilder) creds = json_builder_new ();
  g_autoptr (JsonNode) creds_node = NULL;
  g_autofree char *creds_text = NULL;
  gint64 t0 = g_get_monotonic_time ();

  soup_session_add_feature_by_type (session, SOUP_TYPE_COOKIE_JAR);
  json_builder_begin_object (creds);
  json_builder_set_member_name (creds, "login");
  json_builder_add_string_value (creds, b->login);
  json_builder_set_member_name (creds, "password");
  json_builder_add_string_value (creds, b->password);
  json_builder_end_object (creds);
  creds_node = json_builder_get_root (creds);
  creds_text = json_to_string (creds_node, FALSE);
  if ((login = rest_call (b, session, "POST", "/api/v1/auth/login", creds_text, 200, error))
      == NULL)
    return FALSE;

  guest = rest_call (b, session, "POST", "/api/v1/schools",
                     "{\"name\":\"Bench guest school\",\"short_name\":\"Guest\","
                     "\"district\":\"Bench\"}",
                     201, error);
  if (guest == NULL)
    return FALSE;
  guest_id = rest_string (guest, "id");

  for (guint r = 0; r < n_rooms; r++)
    {
      g_autofree char *school_body = g_strdup_printf (
          "{\"name\":\"Bench school %u\",\"short_name\":\"B%u\",\"district\":\"Bench\"}", r, r);
      g_autoptr (JsonNode) school = NULL;
      g_autoptr (JsonNode) conference = NULL;
      g_autoptr (JsonNode) link = NULL;
      g_autofree char *conference_body = NULL;
      g_autofree char *link_body = NULL;
      g_autofree char *link_path = NULL;
      Room *room = g_new0 (Room, 1);

      g_ptr_array_add (b->rooms, room);
      if ((school = rest_call (b, session, "POST", "/api/v1/schools", school_body, 201, error))
          == NULL)
        return FALSE;
      room->school_id = rest_string (school, "id");
      conference_body = g_strdup_printf (
          "{\"title\":\"Bench room %u\",\"host_school_id\":\"%s\",\"invited_school_ids\":[\"%s\"],"
          "\"starts_at\":\"%s\",\"ends_at\":\"%s\",\"max_participants_per_school\":%u}",
          r, room->school_id, guest_id, starts, ends, MAX (b->room_size, 2));
      if ((conference = rest_call (b, session, "POST", "/api/v1/conferences", conference_body,
                                   201, error))
          == NULL)
        return FALSE;
      room->conference_id = rest_string (conference, "id");
      link_path = g_strdup_printf ("/api/v1/conferences/%s/links", room->conference_id);
      link_body = g_strdup_printf ("{\"school_id\":\"%s\",\"role\":\"participant\"}",
                                   room->school_id);
      if ((link = rest_call (b, session, "POST", link_path, link_body, 201, error)) == NULL)
        return FALSE;
      room->token = rest_string (link, "token");
    }
  g_print ("set-up: %u conferences, %u schools and %u join links through the REST API in %.1f s\n",
           n_rooms, n_rooms + 1, n_rooms, (double)(g_get_monotonic_time () - t0) / 1e6);
  return TRUE;
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

static gint64
now_us (void)
{
  return g_get_monotonic_time ();
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

typedef gboolean (*DoneFunc) (Bench *b, gpointer data);

/* Run the clients until done (nullable) says so or until_us passes. Keeps
 * connecting participants below `target` with at most `concurrency` in flight. */
static gboolean
run_loop (Bench *b, guint target, gint64 until_us, DoneFunc done, gpointer data)
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

static gboolean
joined_all (Bench *b, gpointer data)
{
  guint target = GPOINTER_TO_UINT (data);

  return b->next_to_connect >= target && b->inflight == 0;
}

static gboolean
negotiated (Bench *b, gpointer data)
{
  return b->outstanding_offers == 0;
}

/* ---- measurements ---- */

typedef struct
{
  double rss, anon, pss, private_dirty; /* MiB */
} Smaps;

static double
kib_field (const char *text, const char *name)
{
  g_autofree char *key = g_strdup_printf ("\n%s:", name);
  const char *p = strstr (text, key);

  return p != NULL ? (double)g_ascii_strtoull (p + strlen (key), NULL, 10) / 1024.0 : 0;
}

static void
read_smaps (int pid, Smaps *s)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/smaps_rollup", pid);
  g_autofree char *status_path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *text = NULL;
  g_autofree char *status = NULL;

  memset (s, 0, sizeof *s);
  if (g_file_get_contents (path, &text, NULL, NULL))
    {
      s->rss = kib_field (text, "Rss");
      s->pss = kib_field (text, "Pss");
      s->private_dirty = kib_field (text, "Private_Dirty");
    }
  if (g_file_get_contents (status_path, &status, NULL, NULL))
    s->anon = kib_field (status, "RssAnon");
}

static void
counters_reset (Counters *c)
{
  for (int k = 0; k < N_KINDS; k++)
    {
      c->sent[k] = c->recv[k] = 0;
      g_array_set_size (c->latency[k], 0);
    }
  c->sent_frames = c->recv_frames = c->recv_bytes = 0;
}

static gboolean
run_step (Bench *b, guint target, double rss_base, StepResult *r)
{
  guint before = b->welcomed;
  gint64 t0 = now_us (), t1, deadline;
  LcBenchProc p0, p1, j0, j1;
  gint64 self0, self1;
  Smaps smaps;
  guint64 relayed;

  memset (r, 0, sizeof *r);
  r->participants = target;
  g_array_set_size (b->join_ms, 0);
  deadline = t0 + (60 + target / 20) * G_USEC_PER_SEC;
  lc_bench_proc_sample (b->pid, &j0);
  if (!run_loop (b, target, deadline, joined_all, GUINT_TO_POINTER (target)))
    {
      g_printerr ("bench: joining %u participants timed out (%u welcomed, %u failed)\n", target,
                  b->welcomed, b->failed);
      return FALSE;
    }
  t1 = now_us ();
  lc_bench_proc_sample (b->pid, &j1);
  /* server CPU per join (it also relayed the traffic of those already in) */
  r->join_cpu_ms = (double)(j1.cpu_us - j0.cpu_us) / 1000.0 / (double)MAX (b->welcomed - before, 1);
  r->join_seconds = (double)(t1 - t0) / 1e6;
  r->joins_per_second = (double)(b->welcomed - before) / r->join_seconds;
  r->join_p50_ms = lc_bench_quantile (b->join_ms, 0.5);
  r->join_p99_ms = lc_bench_quantile (b->join_ms, 0.99);
  if (b->failed > 0)
    {
      g_printerr ("bench: %u participants could not join\n", b->failed);
      return FALSE;
    }
  /* mesh negotiation done, then a little traffic before memory is read */
  if (!run_loop (b, target, now_us () + 60 * G_USEC_PER_SEC, negotiated, NULL))
    g_printerr ("bench: %" G_GUINT64_FORMAT " offers still unanswered\n", b->outstanding_offers);
  run_loop (b, target, now_us () + (b->smoke ? 1 : 3) * G_USEC_PER_SEC, NULL, NULL);

  read_smaps (b->pid, &smaps);
  r->rss_base_mib = rss_base;
  r->rss_mib = smaps.rss;
  r->anon_mib = smaps.anon;
  r->kib_per_conn = (smaps.rss - rss_base) * 1024.0 / (double)target;

  /* the traffic window */
  counters_reset (&b->c);
  b->traffic = TRUE;
  lc_bench_proc_sample (b->pid, &p0);
  self0 = lc_bench_self_cpu_us ();
  run_loop (b, target, now_us () + (gint64)b->window_s * G_USEC_PER_SEC, NULL, NULL);
  lc_bench_proc_sample (b->pid, &p1);
  self1 = lc_bench_self_cpu_us ();
  b->traffic = FALSE;

  r->fds = p1.fds;
  r->window_s = (double)(p1.wall_us - p0.wall_us) / 1e6;
  r->server_cpu_percent = lc_bench_proc_cpu_percent (&p0, &p1);
  r->client_cpu_percent = 100.0 * (double)(self1 - self0) / (double)(p1.wall_us - p0.wall_us);
  r->in_per_s = (double)b->c.sent_frames / r->window_s;
  relayed = b->c.recv_frames - b->c.recv[KIND_PING];
  r->out_per_s = (double)relayed / r->window_s;
  r->relayed_per_core_s = p1.cpu_us > p0.cpu_us
                              ? (double)relayed / ((double)(p1.cpu_us - p0.cpu_us) / 1e6)
                              : 0;
  for (int k = 0; k < N_KINDS; k++)
    {
      r->lat_n[k] = b->c.latency[k]->len;
      r->lat_p50[k] = lc_bench_quantile (b->c.latency[k], 0.5);
      r->lat_p99[k] = lc_bench_quantile (b->c.latency[k], 0.99);
    }
  return TRUE;
}

static void
print_step (Bench *b, const StepResult *r)
{
  g_autoptr (GArray) all = g_array_new (FALSE, FALSE, sizeof (double));

  for (int k = 0; k < N_KINDS; k++)
    g_array_append_vals (all, b->c.latency[k]->data, b->c.latency[k]->len);
  g_print ("\nK = %u participants in %u rooms of %u\n", r->participants,
           (r->participants + b->room_size - 1) / b->room_size, b->room_size);
  g_print ("  join: %.0f joins/s (%.1f s for the step), connect->welcome p50 %.1f ms, p99 %.1f ms; "
           "server CPU %.2f ms per join (mesh offers and traffic included)\n",
           r->joins_per_second, r->join_seconds, r->join_p50_ms, r->join_p99_ms, r->join_cpu_ms);
  g_print ("  memory: server RSS %.1f MiB (RssAnon %.1f MiB), %.1f MiB before any socket -> "
           "%.1f KiB per connection; %u fds\n",
           r->rss_mib, r->anon_mib, r->rss_base_mib, r->kib_per_conn, r->fds);
  g_print ("  window %.1f s: in %.0f msg/s, relayed out %.0f msg/s (pings excluded); server CPU "
           "%.1f %% of a core, bench client %.1f %%\n",
           r->window_s, r->in_per_s, r->out_per_s, r->server_cpu_percent, r->client_cpu_percent);
  g_print ("  relayed per second per core of server CPU: %.0f\n", r->relayed_per_core_s);
  g_print ("  relay latency (ms) all kinds: p50 %.2f, p99 %.2f (n %u)\n",
           lc_bench_quantile (all, 0.5), lc_bench_quantile (all, 0.99), all->len);
  for (int k = 0; k < N_KINDS; k++)
    if (r->lat_n[k] > 0)
      g_print ("    %-9s p50 %.2f  p99 %.2f  (n %" G_GUINT64_FORMAT ")\n", kind_names[k],
               r->lat_p50[k], r->lat_p99[k], r->lat_n[k]);
  g_print ("  sent:");
  for (int k = 0; k < N_KINDS; k++)
    g_print (" %s %" G_GUINT64_FORMAT, kind_names[k], b->c.sent[k]);
  g_print ("\n  received:");
  for (int k = 0; k < N_KINDS; k++)
    g_print (" %s %" G_GUINT64_FORMAT, kind_names[k], b->c.recv[k]);
  g_print ("; errors %" G_GUINT64_FORMAT ", unexpected closes %" G_GUINT64_FORMAT "\n",
           b->c.errors, b->c.unexpected_closes);
  g_print ("  offers since the start (mesh set-up + renegotiations): %" G_GUINT64_FORMAT
           " sent, %" G_GUINT64_FORMAT " answered\n",
           b->offers_total, b->answers_total);
}

/* ---- set-up and tear-down ---- */

static char *
make_sdp_body (void)
{
  /* What follows the o= line of a Chrome-like audio + video offer (~3 KB). */
  static const char *const lines[] = {
    "s=-", "t=0 0", "a=group:BUNDLE 0 1", "a=extmap-allow-mixed", "a=msid-semantic: WMS bench",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126", "c=IN IP4 0.0.0.0",
    "a=rtcp:9 IN IP4 0.0.0.0", "a=ice-ufrag:bnch", "a=ice-pwd:benchbenchbenchbenchbench",
    "a=ice-options:trickle",
    "a=fingerprint:sha-256 6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CC:87:32:BE:DD:8C:66:A5:8E:50:55:"
    "EA:8C:D3:B6:5C:09:5E:D6:BC",
    "a=setup:actpass", "a=mid:0", "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid", "a=sendrecv", "a=msid:bench audio0",
    "a=rtcp-mux", "a=rtpmap:111 opus/48000/2", "a=rtcp-fb:111 transport-cc",
    "a=fmtp:111 minptime=10;useinbandfec=1", "a=rtpmap:63 red/48000/2",
    "a=fmtp:63 111/111", "a=rtpmap:9 G722/8000", "a=rtpmap:0 PCMU/8000",
    "a=rtpmap:8 PCMA/8000", "a=rtpmap:13 CN/8000", "a=rtpmap:110 telephone-event/48000",
    "a=rtpmap:126 telephone-event/8000", "a=ssrc:1001 cname:benchbenchbench",
    "a=ssrc:1001 msid:bench audio0",
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105 106 107 108 109 127 125 39 40 45 46",
    "c=IN IP4 0.0.0.0", "a=rtcp:9 IN IP4 0.0.0.0", "a=ice-ufrag:bnch",
    "a=ice-pwd:benchbenchbenchbenchbench", "a=ice-options:trickle",
    "a=fingerprint:sha-256 6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CC:87:32:BE:DD:8C:66:A5:8E:50:55:"
    "EA:8C:D3:B6:5C:09:5E:D6:BC",
    "a=setup:actpass", "a=mid:1", "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset",
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    "a=extmap:13 urn:3gpp:video-orientation",
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    "a=sendrecv", "a=msid:bench video0", "a=rtcp-mux", "a=rtcp-rsize",
    "a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 goog-remb", "a=rtcp-fb:96 transport-cc",
    "a=rtcp-fb:96 ccm fir", "a=rtcp-fb:96 nack", "a=rtcp-fb:96 nack pli",
    "a=rtpmap:97 rtx/90000", "a=fmtp:97 apt=96", "a=rtpmap:102 H264/90000",
    "a=rtcp-fb:102 goog-remb", "a=rtcp-fb:102 transport-cc", "a=rtcp-fb:102 ccm fir",
    "a=rtcp-fb:102 nack", "a=rtcp-fb:102 nack pli",
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
    "a=rtpmap:103 rtx/90000", "a=fmtp:103 apt=102", "a=rtpmap:104 H264/90000",
    "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f",
    "a=rtpmap:105 rtx/90000", "a=fmtp:105 apt=104", "a=rtpmap:106 H264/90000",
    "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
    "a=rtpmap:107 rtx/90000", "a=fmtp:107 apt=106", "a=rtpmap:108 VP9/90000",
    "a=fmtp:108 profile-id=0", "a=rtpmap:109 rtx/90000", "a=fmtp:109 apt=108",
    "a=rtpmap:127 AV1/90000", "a=rtpmap:125 rtx/90000", "a=fmtp:125 apt=127",
    "a=rtpmap:39 red/90000", "a=rtpmap:40 rtx/90000", "a=fmtp:40 apt=39",
    "a=rtpmap:45 ulpfec/90000", "a=ssrc-group:FID 2001 2002",
    "a=ssrc:2001 cname:benchbenchbench", "a=ssrc:2001 msid:bench video0",
    "a=ssrc:2002 cname:benchbenchbench", "a=ssrc:2002 msid:bench video0", NULL
  };
  GString *out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    g_string_append_printf (out, "%s\\r\\n", lines[i]);
  return g_string_free (out, FALSE);
}

static gboolean
parse_steps (Bench *b, const char *text, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  guint last = 0;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      guint64 k;

      if (!g_ascii_string_to_unsigned (g_strstrip (parts[i]), 10, 1, 100000, &k, error))
        return FALSE;
      if ((guint)k <= last)
        {
          g_set_error (error, LC_ERROR, LC_ERROR_INVALID, "--participants must increase");
          return FALSE;
        }
      last = (guint)k;
      g_array_append_val (b->steps, last);
    }
  return b->steps->len > 0;
}

static void
bench_free (Bench *b)
{
  for (guint i = 0; b->conns != NULL && i < b->n_conns; i++)
    {
      Conn *c = &b->conns[i];

      if (c->fd >= 0)
        close (c->fd);
      buf_clear (&c->in);
      buf_clear (&c->out);
      g_free (c->client_id);
      g_free (c->peer_id);
    }
  g_free (b->conns);
  server_stop (b);
  if (b->epfd >= 0)
    close (b->epfd);
  g_clear_pointer (&b->rooms, g_ptr_array_unref);
  g_clear_pointer (&b->heap, g_array_unref);
  g_clear_pointer (&b->steps, g_array_unref);
  g_clear_pointer (&b->join_ms, g_array_unref);
  for (int k = 0; k < N_KINDS; k++)
    g_clear_pointer (&b->c.latency[k], g_array_unref);
  g_free (b->sdp_body);
  g_free (b->scratch);
  g_free (b->binary);
  g_free (b->server_prefix);
  g_free (b->tmp_dir);
  g_free (b->data_dir);
  g_free (b->base_url);
  g_free (b->host_header);
  g_free (b->login);
  g_free (b->password);
  g_free (b);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Bench, bench_free)

/* The smoke run's checks: functionality only, never timings. */
static gboolean
smoke_check (Bench *b, const StepResult *r)
{
  gboolean ok = TRUE;

#define SMOKE_EXPECT(cond, what)                                                                 \
  do                                                                                             \
    {                                                                                            \
      if (!(cond))                                                                               \
        {                                                                                        \
          g_printerr ("smoke: FAILED: %s\n", what);                                              \
          ok = FALSE;                                                                            \
        }                                                                                        \
    }                                                                                            \
  while (0)

  SMOKE_EXPECT (b->welcomed == r->participants, "every participant got welcome");
  SMOKE_EXPECT (b->offers_total > 0 && b->answers_total == b->offers_total,
                "mesh offers relayed and every offer answered");
  SMOKE_EXPECT (b->c.errors == 0, "no error message from the server");
  SMOKE_EXPECT (b->c.unexpected_closes == 0, "no socket closed");
  SMOKE_EXPECT (b->c.recv[KIND_CANDIDATE] > 0, "candidates relayed");
  SMOKE_EXPECT (b->c.recv[KIND_MEDIA] > 0, "media states relayed");
  SMOKE_EXPECT (b->c.recv[KIND_CHAT] > 0, "chat relayed");
  SMOKE_EXPECT (r->lat_n[KIND_CANDIDATE] > 0 && r->lat_n[KIND_CHAT] > 0,
                "time-stamped relays read back");
#undef SMOKE_EXPECT
  return ok;
}

int
main (int argc, char **argv)
{
  g_autoptr (Bench) b = g_new0 (Bench, 1);
  g_autofree char *participants = NULL;
  g_autofree char *machine = NULL;
  g_autofree char *machine_after = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GArray) results = g_array_new (FALSE, TRUE, sizeof (StepResult));
  int room_size = 10, concurrency = 200, window = 20, rate = 0, heartbeat = 10;
  double interval = 5.0;
  gboolean smoke = FALSE;
  char *binary = NULL, *prefix = NULL;
  guint max_k, n_rooms;
  Smaps base;
  struct rlimit limit;
  gboolean ok = TRUE;
  GOptionEntry entries[] = {
    { "participants", 'k', 0, G_OPTION_ARG_STRING, &participants,
      "Steps of concurrent participants (default 1000,5000,10000)", "K1,K2,…" },
    { "room-size", 'n', 0, G_OPTION_ARG_INT, &room_size, "Participants per room (default 10)",
      "N" },
    { "interval", 'i', 0, G_OPTION_ARG_DOUBLE, &interval,
      "Mean seconds between a participant's messages (default 5)", "S" },
    { "window", 'w', 0, G_OPTION_ARG_INT, &window, "Seconds of the traffic window (default 20)",
      "S" },
    { "concurrency", 'c', 0, G_OPTION_ARG_INT, &concurrency,
      "Joins in flight at once (default 200)", "N" },
    { "rate", 0, 0, G_OPTION_ARG_INT, &rate,
      "conferences.ws_messages_per_second (default max(20, 4 × room size))", "N" },
    { "heartbeat", 0, 0, G_OPTION_ARG_INT, &heartbeat,
      "conferences.heartbeat_interval in seconds (default 10, the server's default)", "S" },
    { "binary", 0, 0, G_OPTION_ARG_FILENAME, &binary, "lessoncast binary", "PATH" },
    { "server-prefix", 0, 0, G_OPTION_ARG_STRING, &prefix,
      "Run the server under this command (e.g. \"valgrind --tool=massif\")", "CMD" },
    { "smoke", 0, 0, G_OPTION_ARG_NONE, &smoke,
      "2 rooms × 3 participants for a few seconds; checks relays, not timings", NULL },
    { NULL }
  };

  b->epfd = -1;
  context = g_option_context_new ("— conference signaling benchmark");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-signaling: %s\n", error->message);
      return 2;
    }
  b->binary = binary != NULL ? binary : g_strdup (LC_BENCH_LESSONCAST);
  b->server_prefix = prefix;
  b->smoke = smoke;
  b->steps = g_array_new (FALSE, FALSE, sizeof (guint));
  if (smoke)
    {
      room_size = 3;
      interval = 0.3;
      window = 3;
      g_clear_pointer (&participants, g_free);
      participants = g_strdup ("6");
    }
  if (room_size < 1 || room_size > 50 || interval <= 0 || window < 1 || concurrency < 1
      || heartbeat < 1 || heartbeat > 60)
    {
      g_printerr ("bench-signaling: room size 1..50, interval > 0, window >= 1, concurrency >= 1, "
                  "heartbeat 1..60\n");
      return 2;
    }
  if (!parse_steps (b, participants != NULL ? participants : "1000,5000,10000", &error))
    {
      g_printerr ("bench-signaling: --participants: %s\n",
                  error != NULL ? error->message : "empty");
      return 2;
    }
  b->room_size = (guint)room_size;
  b->interval_s = interval;
  b->window_s = (guint)window;
  b->concurrency = (guint)concurrency;
  b->heartbeat_s = (guint)heartbeat;
  b->rate = rate > 0 ? (guint)rate : MAX (20, 4 * (guint)room_size);
  b->rng = 0x2545f491;
  max_k = g_array_index (b->steps, guint, b->steps->len - 1);

  lc_bench_raise_fd_limit ();
  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < max_k + 64)
    {
      g_printerr ("bench-signaling: RLIMIT_NOFILE %lu is too low for %u participants\n",
                  (unsigned long)limit.rlim_cur, max_k);
      return 2;
    }

  machine = lc_bench_describe_machine ();
  g_print ("machine: %s\n", machine);
  g_print ("rooms of %u, a message every %.1f s per participant (jittered), window %u s, "
           "%u joins in flight, ws_messages_per_second %u, heartbeat %u s\n",
           b->room_size, b->interval_s, b->window_s, b->concurrency, b->rate, b->heartbeat_s);

  if (!server_start (b, max_k, &error))
    {
      g_printerr ("bench-signaling: %s\n", error->message);
      return 1;
    }
  g_print ("server: pid %d at %s (%s)\n", b->pid, b->base_url, b->binary);

  n_rooms = (max_k + b->room_size - 1) / b->room_size;
  b->rooms = g_ptr_array_new_with_free_func (room_free);
  if (!setup_rooms (b, n_rooms, &error))
    {
      g_printerr ("bench-signaling: set-up: %s\n", error->message);
      return 1;
    }

  b->n_conns = max_k;
  b->conns = g_new0 (Conn, max_k);
  for (guint r = 0; r < n_rooms; r++)
    {
      Room *room = b->rooms->pdata[r];

      room->first = r * b->room_size;
      room->n = MIN (b->room_size, max_k - room->first);
      for (guint i = room->first; i < room->first + room->n; i++)
        {
          Conn *c = &b->conns[i];

          c->fd = -1;
          c->index = i;
          c->room = room;
          c->heap_pos = -1;
          c->client_id = g_strdup_printf ("bench-participant-%06u", i);
          c->peer_id = g_strdup_printf ("s:%s:%s", room->school_id, c->client_id);
        }
    }
  b->heap = g_array_new (FALSE, FALSE, sizeof (Conn *));
  b->join_ms = g_array_new (FALSE, FALSE, sizeof (double));
  for (int k = 0; k < N_KINDS; k++)
    b->c.latency[k] = g_array_new (FALSE, FALSE, sizeof (double));
  b->sdp_body = make_sdp_body ();
  b->scratch = g_malloc (READ_CHUNK);
  b->epfd = epoll_create1 (EPOLL_CLOEXEC);

  /* the server's footprint with its conferences but before any socket */
  g_usleep (G_USEC_PER_SEC);
  read_smaps (b->pid, &base);
  g_print ("server before any WebSocket: RSS %.1f MiB (RssAnon %.1f MiB, Private_Dirty %.1f MiB)\n",
           base.rss, base.anon, base.private_dirty);

  for (guint s = 0; s < b->steps->len && ok; s++)
    {
      StepResult r;

      ok = run_step (b, g_array_index (b->steps, guint, s), base.rss, &r);
      if (ok)
        {
          g_array_append_val (results, r);
          print_step (b, &r);
        }
    }

  if (results->len > 0)
    {
      Smaps end;

      read_smaps (b->pid, &end);
      g_print ("\nsummary (rooms of %u, a message every %.1f s per participant):\n", b->room_size,
               b->interval_s);
      g_print ("| K | RSS MiB | KiB/conn | joins/s | welcome p50/p99 ms | relayed msg/s | "
               "server CPU %% | relayed/s per core | latency p50/p99 ms |\n");
      for (guint i = 0; i < results->len; i++)
        {
          const StepResult *r = &g_array_index (results, StepResult, i);
          double p50 = 0, p99 = 0;

          /* candidate relays: one hop, the most frequent stamped kind */
          p50 = r->lat_p50[KIND_CANDIDATE];
          p99 = r->lat_p99[KIND_CANDIDATE];
          g_print ("| %u | %.1f | %.1f | %.0f | %.0f/%.0f | %.0f | %.1f | %.0f | %.2f/%.2f |\n",
                   r->participants, r->rss_mib, r->kib_per_conn, r->joins_per_second,
                   r->join_p50_ms, r->join_p99_ms, r->out_per_s, r->server_cpu_percent,
                   r->relayed_per_core_s, p50, p99);
        }
      g_print ("server smaps_rollup at the end: Rss %.1f MiB, Pss %.1f MiB, Private_Dirty %.1f MiB\n",
               end.rss, end.pss, end.private_dirty);
    }
  machine_after = lc_bench_describe_machine ();
  g_print ("machine at the end: %s\n", machine_after);

  if (ok && smoke)
    {
      ok = smoke_check (b, &g_array_index (results, StepResult, 0));
      g_print ("smoke: %s\n", ok ? "ok" : "FAILED");
    }
  return ok ? 0 : 1;
}
