/* bench-signaling.h — what the two halves of the conference signaling
 * benchmark share: the participants (Conn) and their rooms, the counters and
 * the Bench state. bench-signaling-client.c is the lean epoll WebSocket client
 * and the traffic its participants make; bench-signaling.c is the driver (the
 * server under test, the REST set-up, the steps and their figures). */
#pragma once

#include <netinet/in.h>

#include <gio/gio.h>

G_BEGIN_DECLS

#define READ_CHUNK 65536

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

/* ---- growable byte buffer ---- */

typedef struct
{
  guint8 *data;
  gsize len, cap;
} Buf;

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

static inline gint64
now_us (void)
{
  return g_get_monotonic_time ();
}

typedef gboolean (*DoneFunc) (Bench *b, gpointer data);

/* Run the clients until done (nullable) says so or until_us passes. Keeps
 * connecting participants below `target` with at most `concurrency` in flight. */
gboolean lc_bench_sig_run_loop (Bench *b, guint target, gint64 until_us, DoneFunc done,
                                gpointer data);
/* Close a participant's socket and free its buffers and ids (tear-down). */
void lc_bench_sig_conn_clear (Conn *c);

G_END_DECLS
