/* lc-api.h — the REST API (/api/v1/…), health endpoints and authentication.
 *
 * Private parts live in lc-api-private.h; one file per resource:
 * lc-api.c (principal, CSRF, JSON helpers, /healthz, /readyz),
 * lc-api-auth.c (login, logout, me, password, API tokens), lc-api-schools.c,
 * lc-api-accounts.c, lc-api-lessons.c, lc-api-webrtc.c (WHIP/WHEP),
 * lc-api-hls.c (/hls/…), lc-api-recordings.c (recordings, /studio and
 * /watch pages).
 */
#pragma once

#include "common/lc-config.h"
#include "common/lc-store.h"
#include "lc-http-server.h"
#include "lc-live.h"
#include "lc-conference-hub.h"

G_BEGIN_DECLS

#define LC_TYPE_API (lc_api_get_type ())
G_DECLARE_FINAL_TYPE (LcApi, lc_api, LC, API, GObject)

/* (transfer none) store and config: the api keeps refs. */
LcApi *lc_api_new (LcStore *store, LcConfig *config);
void lc_api_register (LcApi *api, LcHttpServer *server);
/* /readyz reports ready only after this is set (database open, migrations applied). */
void lc_api_set_ready (LcApi *api, gboolean ready);
/* The live-lesson registry behind WHIP/WHEP, HLS viewer counts and the
 * lessons' "live" member (a ref is kept; NULL: WHIP/WHEP answer 503). */
void lc_api_set_live (LcApi *api, LcLive *live);
/* The web root holding studio.html and watch.html for /studio/{id} and
 * /watch/{id} (nullable: those answer 404). */
void lc_api_set_web_root (LcApi *api, const char *web_root);
/* Conferences (issue 4): the room hub behind /ws/conference/{id} and the
 * secret that signs join links (refs kept). Without a hub the WebSocket
 * answers 503. */
void lc_api_set_conference_hub (LcApi *api, LcConferenceHub *hub);
void lc_api_set_join_key (LcApi *api, GBytes *join_key);

G_END_DECLS
