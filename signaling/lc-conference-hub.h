/* lc-conference-hub.h — conference rooms and their WebSocket signaling broker.
 *
 * The hub owns every open room (participants, waiting room, chat backlog,
 * media states, raised hands), relays offer/answer/candidate between peers of
 * one room only, enforces the protocol (docs/signaling.md: validation, size
 * and rate limits, heartbeat and dead-peer detection, reconnect replacing the
 * old socket, reconnect grace), opens/closes rooms on the conference clock and
 * writes attendance rows. Everything runs on the main context.
 *
 * The WebSocket endpoint GET /ws/conference/{id} is registered by the API
 * (lc-api-conference-ws.c: authentication by join token or session cookie),
 * which hands each accepted socket to lc_conference_hub_add_socket().
 */
#pragma once

#include <libsoup/soup.h>
#include "common/lc-config.h"
#include "common/lc-store.h"

G_BEGIN_DECLS

#define LC_TYPE_CONFERENCE_HUB (lc_conference_hub_get_type ())
G_DECLARE_FINAL_TYPE (LcConferenceHub, lc_conference_hub, LC, CONFERENCE_HUB, GObject)

/* (transfer none) store/config; refs kept. join_key: the join-token secret. */
LcConferenceHub *lc_conference_hub_new (LcStore *store, LcConfig *config, GBytes *join_key);

/* Who the WebSocket handshake authenticated (all nullable: a join token
 * arrives later in the "join" message). Copied. */
typedef struct
{
  const char *account_id;
  const char *display_name;
  int account_role;       /* LcRole, or -1 when there is no account */
  const char *school_id;  /* the account's school */
  const char *client;     /* client address, for logs and rate limits */
} LcHubIdentity;

/* Take over an accepted WebSocket for conference_id (the hub keeps a ref and
 * answers the protocol from here on). */
void lc_conference_hub_add_socket (LcConferenceHub *hub, const char *conference_id,
                                   SoupWebsocketConnection *ws, const LcHubIdentity *identity);

/* Participants in the room now (0 when no room is open). */
guint lc_conference_hub_count (LcConferenceHub *hub, const char *conference_id);

/* The conference was edited or cancelled in the API: re-read it from the store
 * (new times move the open/close timers; cancelled → every participant gets
 * "ended" and the room closes). */
void lc_conference_hub_conference_changed (LcConferenceHub *hub, const char *conference_id);

/* Close every room (attendance rows closed, sockets closed with 1001). */
void lc_conference_hub_shutdown (LcConferenceHub *hub);

G_END_DECLS
