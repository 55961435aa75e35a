/* lc-live.h — LcLive: the registry of live lessons, between the HTTP layer
 * (WHIP/WHEP resources, lesson JSON) and the media objects of streamer/ and
 * recorder/. Per lesson it keeps an LcChannel, the current publisher (a WHIP
 * ingest or the synthetic demo source), the WHEP viewers of an LcFanout, the
 * HLS packager and the recorder, and runs the lifecycle:
 *
 *   first media ("media-started")        → status live, audit "lesson.live";
 *                                           fan-out, HLS and recorder start
 *   publisher gone (its session FAILED or CLOSED without DELETE, or
 *   DISCONNECTED: no media for 5 s) → grace timer (lessons.publisher_grace)
 *   new publisher within the grace        → timer cancelled, same channel
 *   WHIP DELETE or grace expiry           → channel finished (HLS ENDLIST,
 *                                           recording finalised), viewers
 *                                           closed, status ended, audit
 *                                           "lesson.ended"
 *
 * A publisher that never produced media leaves no trace (the lesson stays
 * scheduled). Everything runs on the main context the LcLive was created in;
 * one lesson's failure never touches another's objects. The HTTP layer never
 * sees a GStreamer element: it talks to LcWebrtcSession through this module.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "common/lc-config.h"
#include "common/lc-store.h"
#include "streamer/lc-ice.h"

G_BEGIN_DECLS

typedef enum
{
  LC_LIVE_PUBLISHER, /* WHIP */
  LC_LIVE_VIEWER,    /* WHEP */
} LcLiveRole;

/* A created or restarted session resource. */
typedef struct
{
  char *session_id; /* the last path segment of the resource URL */
  char *etag;       /* strong entity tag, with its quotes */
  char *sdp;        /* the SDP answer, or the answer fragment of an ICE restart */
} LcLiveAnswer;

void lc_live_answer_free (LcLiveAnswer *answer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcLiveAnswer, lc_live_answer_free)

#define LC_TYPE_LIVE (lc_live_get_type ())
G_DECLARE_FINAL_TYPE (LcLive, lc_live, LC, LIVE, GObject)

/* (transfer none) store, config (refs kept); ice is copied. Media files go
 * below data_dir: hls/<lesson>/ and recordings/. */
LcLive *lc_live_new (LcStore *store, LcConfig *config, const LcIceConfig *ice,
                     const char *data_dir);

const LcIceConfig *lc_live_get_ice (LcLive *live);
/* <data_dir>/hls and <data_dir>/recordings. */
const char *lc_live_get_hls_dir (LcLive *live);
const char *lc_live_get_recordings_dir (LcLive *live);

/* Start-up: lessons the store still calls live (the previous process died
 * mid-lesson) become ended, with an audit event each. Returns how many, or
 * -1 with an error. */
gint lc_live_end_stale_lessons (LcLive *live, GError **error);

/* ---- WHIP / WHEP sessions ----
 * Errors (LC_ERROR): MALFORMED (400) unparsable SDP or fragment, INVALID (422)
 * nothing usable offered (or VP8 while media.allow_vp8 is off), FORBIDDEN (403)
 * the lesson was cancelled or has ended, CONFLICT (409) the lesson already has
 * a publisher / is not live yet (viewers), NOT_FOUND (404) no such session,
 * PRECONDITION_FAILED (412) stale If-Match, UNAVAILABLE (503) shutting down,
 * viewer limit, media engine broken. client: the peer's address, for audit. */

void lc_live_publish_async (LcLive *live, const LcLesson *lesson, const char *offer_sdp,
                            const char *client, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data);
LcLiveAnswer *lc_live_publish_finish (LcLive *live, GAsyncResult *result, GError **error);

void lc_live_view_async (LcLive *live, const LcLesson *lesson, const char *offer_sdp,
                         const char *client, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data);
LcLiveAnswer *lc_live_view_finish (LcLive *live, GAsyncResult *result, GError **error);

/* PATCH with an application/trickle-ice-sdpfrag body. if_match (nullable) is
 * the request's If-Match header; when present it must match the current ETag
 * (or be "*"). A fragment whose ice-ufrag differs from the session's current
 * remote one is an ICE restart, which needs If-Match: the answer then has
 * sdp = our answer fragment and a new ETag (HTTP 200). Anything else is
 * trickle: the answer has sdp = NULL (HTTP 204). */
void lc_live_patch_async (LcLive *live, LcLiveRole role, const char *lesson_id,
                          const char *session_id, const char *if_match, const char *sdpfrag,
                          GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data);
LcLiveAnswer *lc_live_patch_finish (LcLive *live, GAsyncResult *result, GError **error);

/* DELETE: a publisher's ends the broadcast (the lesson ends if it was live);
 * a viewer's closes that viewer. */
gboolean lc_live_delete_session (LcLive *live, LcLiveRole role, const char *lesson_id,
                                 const char *session_id, GError **error);

/* ---- the demo broadcast ---- */

/* Make lesson live now with the synthetic source (test pattern + tone). */
gboolean lc_live_start_synthetic (LcLive *live, const LcLesson *lesson, GError **error);

/* ---- state for the API ---- */

/* TRUE while the lesson is live (media has started and it has not ended). */
gboolean lc_live_is_live (LcLive *live, const char *lesson_id);
/* The API's "live" object, or NULL when the lesson is not live:
 * {"publisher":"connected"|"reconnecting","started_at","video_codec",
 *  "hls":"waiting|live|ended|unavailable|failed","viewers":{"webrtc":N,"hls":M}}.
 * (transfer full) */
JsonNode *lc_live_dup_status_json (LcLive *live, const char *lesson_id);
/* An HLS client fetched the playlist: distinct addresses within the last
 * 10 s are the lesson's HLS viewers. */
void lc_live_note_hls_client (LcLive *live, const char *lesson_id, const char *client);

/* ---- shutdown ---- */

/* End every live lesson (reason "shutdown") and wait up to timeout seconds
 * for their recordings to be finalised; what is not done by then is left to
 * start-up recovery (lc_recorder_recover_async). New sessions are refused
 * from now on. */
void lc_live_shutdown_async (LcLive *live, guint timeout, GAsyncReadyCallback callback,
                             gpointer user_data);
void lc_live_shutdown_finish (LcLive *live, GAsyncResult *result);

G_END_DECLS
