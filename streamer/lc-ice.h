/* lc-ice.h — ICE configuration shared by every WebRTC peer, and TURN
 * credentials in the coturn REST form (`use-auth-secret`):
 *   username = "<expiry unix time>:<user>", password = base64(HMAC-SHA1(secret, username)).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char **addresses;     /* local addresses to gather on; NULL/empty = all (libnice default);
                           tests and benchmarks: { "127.0.0.1", NULL } */
  char *public_address; /* 1:1 NAT: announced instead of the host address; nullable */
  guint16 port_min, port_max; /* UDP range; 0, 0 = any */
  char **stun_servers;  /* "stun:host:port" */
  char **turn_servers;  /* "turn:host:port?transport=udp" / "turns:…" */
  char *turn_secret;    /* coturn static-auth-secret; nullable = TURN without credentials off */
  guint turn_ttl;       /* seconds the credentials stay valid */
} LcIceConfig;

/* From the config keys webrtc.* (see common/lc-config.h). (transfer full) */
typedef struct _LcConfig LcConfig;
LcIceConfig *lc_ice_config_new_from_config (LcConfig *config);
LcIceConfig *lc_ice_config_copy (const LcIceConfig *ice);
void lc_ice_config_free (LcIceConfig *ice);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcIceConfig, lc_ice_config_free)

/* coturn REST credentials valid until now + ttl. */
void lc_turn_credentials (const char *secret, const char *user, gint64 now, guint ttl,
                          char **username, char **password);

/* The RFC 9725 / WHEP Link header values for every STUN/TURN server, e.g.
 *   <stun:stun.example.org:3478>; rel="ice-server"
 *   <turn:turn.example.org:3478?transport=udp>; rel="ice-server"; username="…";
 *     credential="…"; credential-type="password"
 * (transfer full) NULL-terminated. */
char **lc_ice_link_headers (const LcIceConfig *ice, const char *user, gint64 now);

G_END_DECLS
