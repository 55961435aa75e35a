/* lc-conference-private.h — what the conference hub's files share
 * (lc-conference-hub.c, -room.c, -liveness.c, -protocol.c): the room,
 * participant and socket state and the protocol's pure helpers (message
 * checks, JSON builders). Tests may include it; nothing else should. */
#pragma once

#include <json-glib/json-glib.h>

#include "common/lc-model.h"
#include "signaling/lc-conference-hub.h"
#include "streamer/lc-ice.h"

G_BEGIN_DECLS

/* Fixed protocol limits (docs/signaling.md). */
#define LC_SIG_JOIN_TIMEOUT_S 10
#define LC_SIG_CHAT_BACKLOG 50
#define LC_SIG_CHAT_MAX_CHARS 2000
#define LC_SIG_NAME_MAX_CHARS 60
#define LC_SIG_ID_MAX 64
#define LC_SIG_TOKEN_MAX 4096
#define LC_SIG_STRIKES 3
#define LC_SIG_STRIKE_WINDOW_S 10
#define LC_SIG_MAX_DEPTH 8
/* Unsent bytes (JSON payloads handed to libsoup, not yet written to the
 * socket or TLS) a socket may have; more, or none of them moving for three
 * heartbeats, and it is dropped as too slow (close 4008). */
#define LC_SIG_SEND_BACKLOG_MAX (1024 * 1024)

/* Close codes. */
#define LC_SIG_CLOSE_NORMAL 1000
#define LC_SIG_CLOSE_GOING_AWAY 1001
#define LC_SIG_CLOSE_TOO_SLOW 4008
#define LC_SIG_CLOSE_UNAUTHORIZED 4401
#define LC_SIG_CLOSE_FORBIDDEN 4403
#define LC_SIG_CLOSE_TIMEOUT 4408
#define LC_SIG_CLOSE_REPLACED 4409
#define LC_SIG_CLOSE_GONE 4410
#define LC_SIG_CLOSE_RATE 4429

/* ---- pure helpers (lc-conference-protocol.c) ---- */

/* client_id: 16..64 of [A-Za-z0-9_-]. */
gboolean lc_sig_client_id_is_valid (const char *text);
/* A trimmed display name of 1..60 characters without control characters,
 * or NULL. (transfer full) */
char *lc_sig_clean_name (const char *text);

/* Member checks on a message object: FALSE with *problem set (static text
 * naming the member) when the member is missing or has the wrong type. */
gboolean lc_sig_get_string (JsonObject *o, const char *name, gboolean required, gsize max_bytes,
                            const char **out, const char **problem);
gboolean lc_sig_get_bool (JsonObject *o, const char *name, gboolean *out, const char **problem);
/* A relayed ICE candidate: null, or {candidate: string, sdpMid?: string|null,
 * sdpMLineIndex?: 0..65535|null}. (transfer full) a clean copy. */
JsonNode *lc_sig_copy_candidate (JsonNode *node, const char **problem);

/* {"type":"error","code","message","ref"?} (transfer full) */
JsonObject *lc_sig_error_new (const char *code, const char *message, const char *ref);
/* A new {"type": type} object. (transfer full) */
JsonObject *lc_sig_message_new (const char *type);
void lc_sig_set_time (JsonObject *o, const char *name, gint64 t);
/* Serialise compactly. (transfer full) */
char *lc_sig_to_text (JsonObject *o);

/* ---- hub state (lc-conference-hub.c; the room messages live in
 * lc-conference-room.c) ---- */

typedef struct _Room Room;
typedef struct _Participant Participant;
typedef struct _Client Client;

typedef enum
{
  CLIENT_HELLO,   /* waiting for "join" */
  CLIENT_LOBBY,   /* joined before the room opens */
  CLIENT_WAITING, /* in the waiting room */
  CLIENT_ACTIVE,  /* in the room */
  CLIENT_GONE,    /* closed by us or by the peer; waiting for "closed" */
} ClientState;

typedef enum
{
  WHERE_LOBBY,
  WHERE_WAITING,
  WHERE_ROOM,
} Where;

struct _Client
{
  LcConferenceHub *hub;
  SoupWebsocketConnection *ws;
  guint64 serial;
  char *conference_id;
  char *account_id, *account_name, *account_school, *address;
  int account_role;
  ClientState state;
  Participant *participant; /* nullable */
  gint64 connected_us, last_rx_us, last_ping_us;
  double tokens;
  gint64 refill_us;
  gint64 strikes[LC_SIG_STRIKES];
  guint n_strikes;
  /* Output accounting (payload bytes; lc_websocket_get_bytes_written). */
  gint64 handed;       /* given to libsoup */
  gint64 written_seen; /* written, at the last look */
  gint64 progress_us;  /* the last time the backlog was empty or moved */
  gboolean too_slow;   /* over the backlog cap: nothing more is sent, dropped soon */
};

struct _Participant
{
  Room *room;
  char *id, *name, *school_id, *account_id;
  LcConferenceRole role;
  gboolean operator; /* there as an operator, not for a school */
  Where where;
  gboolean audio, video, screen, hand;
  gboolean admitted; /* the host let it in (a reconnect does not wait again) */
  Client *client;    /* nullable: reconnecting (in the room) */
  GSource *grace;
  char *attendance_id;
  gint64 dropped_at;
};

struct _Room
{
  LcConferenceHub *hub;
  LcConference *conf;
  gboolean open;
  GHashTable *participants; /* id → Participant (owned) */
  GPtrArray *order;         /* Participant* in arrival order */
  GHashTable *removed;      /* ids the host removed */
  GHashTable *schools;      /* school id → short name */
  GQueue chat;              /* JsonObject* (owned) */
  GSource *open_timer, *warn_timer, *end_timer;
};

struct _LcConferenceHub
{
  GObject parent_instance;

  LcStore *store;
  LcConfig *config;
  GBytes *join_key;
  LcIceConfig *ice;
  GMainContext *context;
  GHashTable *rooms;   /* conference id → Room (owned) */
  GHashTable *clients; /* Client* → Client* (owned) */
  GSource *tick;
  guint64 next_serial;
  gboolean shut_down;

  gsize max_bytes;
  double rate;
  gint64 heartbeat_us;
  guint grace_s;
  gint64 opens_before_s, warning_s;
  guint mesh_max;

  gsize send_backlog_max; /* LC_SIG_SEND_BACKLOG_MAX */
  GSource *slow_idle;     /* drops the sockets marked too_slow */
  gsize backlog_peak;     /* the largest unsent backlog any socket had */
  guint slow_drops;       /* sockets dropped as too slow */
};


/* A snapshot of the hub's clients (handling one may free others).
 * (transfer container) */
GPtrArray *lc_hub_clients_snapshot (LcConferenceHub *hub);
void lc_hub_send_object (Client *client, JsonObject *o); /* takes o */
void lc_hub_send_type (Client *client, const char *type);
void lc_hub_send_error (Client *client, const char *code, const char *ref, const char *format,
                        ...) G_GNUC_PRINTF (4, 5);
/* Close the socket (detached from its participant); freed on "closed". */
void lc_hub_client_close (Client *client, gushort code, const char *reason);
/* An error that ends the socket: the error message, then close. */
void lc_hub_client_refuse (Client *client, const char *code, gushort close_code, const char *ref,
                           const char *message);
/* The socket went away (network, dead peer, flood, too slow) without
 * "leave": its participant, if any, starts the reconnect grace. */
void lc_hub_client_drop (Client *client, const char *why);
/* To every participant in the room with a socket except skip (takes o). */
void lc_hub_broadcast (Room *room, Participant *skip, JsonObject *o);
void lc_hub_send_to_hosts (Room *room, JsonObject *o);
/* Take p out (peers told with reason unless NULL) and free it. */
void lc_hub_participant_remove (Participant *p, const char *reason);
/* Free the room when nobody is left in it. */
void lc_hub_room_maybe_free (Room *room);
void lc_hub_enter_room (Room *room, Participant *p);
gboolean lc_hub_mesh_full (Room *room);
/* Everybody out with "ended" (reason host|time|cancelled); frees the room. */
void lc_hub_room_end (Room *room, const char *reason);

/* ---- socket liveness (lc-conference-liveness.c) ---- */

/* Hand text to the socket unless it is closing or its unsent backlog would
 * pass send_backlog_max (then it is marked too slow and dropped from an
 * idle callback, so callers may be iterating rooms). FALSE: not sent. */
gboolean lc_hub_client_send_text (Client *client, const char *text);
/* The heartbeat (a GSourceFunc on the hub, every heartbeat_interval / 4):
 * pings, dead-peer and join timeouts, sockets whose backlog is stuck. */
gboolean lc_hub_tick (gpointer data);

/* ---- room messages (lc-conference-room.c) ---- */
void lc_hub_handle_relay (Client *client, JsonObject *o, const char *type, const char *ref);
void lc_hub_handle_media (Client *client, JsonObject *o, const char *ref);
void lc_hub_handle_hand (Client *client, JsonObject *o, const char *ref);
void lc_hub_handle_chat (Client *client, JsonObject *o, const char *ref);
void lc_hub_handle_host (Client *client, JsonObject *o, const char *type, const char *ref);
void lc_hub_handle_leave (Client *client);

G_END_DECLS
