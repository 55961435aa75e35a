/* lc-webrtc-session.h — one WHIP publisher or WHEP viewer as the HTTP layer
 * sees it (GInterface LcWebrtcSession). Implementations: LcWhipIngest
 * (lc-whip-ingest.c, webrtcbin recvonly) and the viewers of an LcFanout.
 *
 * All methods and signals on the main context. Errors: LC_ERROR_MALFORMED for
 * an SDP that does not parse, LC_ERROR_INVALID for an offer with nothing we can
 * use (no H.264/VP8 video and no Opus audio, no ICE credentials, …),
 * LC_ERROR_PRECONDITION_FAILED for an ICE restart against a stale ETag (the
 * HTTP layer checks), LC_ERROR_UNAVAILABLE when the media engine is broken.
 *
 * Signal "state-changed" (LcSessionState state).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  LC_SESSION_NEW,
  LC_SESSION_CONNECTING,
  LC_SESSION_CONNECTED,
  LC_SESSION_DISCONNECTED, /* ICE lost for now; may come back */
  LC_SESSION_FAILED,       /* ICE failed or consent/RTCP timeout: reap it */
  LC_SESSION_CLOSED,
} LcSessionState;

const char *lc_session_state_to_string (LcSessionState state);

#define LC_TYPE_WEBRTC_SESSION (lc_webrtc_session_get_type ())
G_DECLARE_INTERFACE (LcWebrtcSession, lc_webrtc_session, LC, WEBRTC_SESSION, GObject)

struct _LcWebrtcSessionInterface
{
  GTypeInterface parent_iface;

  void (*answer_async) (LcWebrtcSession *session, const char *offer_sdp, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data);
  char *(*answer_finish) (LcWebrtcSession *session, GAsyncResult *result, GError **error);
  /* Trickle: an application/trickle-ice-sdpfrag body with a=candidate lines
   * (and a=end-of-candidates). */
  gboolean (*add_remote_candidates) (LcWebrtcSession *session, const char *sdpfrag, GError **error);
  /* ICE restart: sdpfrag with new a=ice-ufrag/a=ice-pwd (+ candidates); the
   * result is the answer fragment (our new ufrag/pwd + candidates). */
  void (*restart_async) (LcWebrtcSession *session, const char *sdpfrag, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data);
  char *(*restart_finish) (LcWebrtcSession *session, GAsyncResult *result, GError **error);
  void (*close) (LcWebrtcSession *session);
  LcSessionState (*get_state) (LcWebrtcSession *session);
};

void lc_webrtc_session_answer_async (LcWebrtcSession *session, const char *offer_sdp,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data);
char *lc_webrtc_session_answer_finish (LcWebrtcSession *session, GAsyncResult *result,
                                       GError **error);
gboolean lc_webrtc_session_add_remote_candidates (LcWebrtcSession *session, const char *sdpfrag,
                                                  GError **error);
void lc_webrtc_session_restart_async (LcWebrtcSession *session, const char *sdpfrag,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data);
char *lc_webrtc_session_restart_finish (LcWebrtcSession *session, GAsyncResult *result,
                                        GError **error);
void lc_webrtc_session_close (LcWebrtcSession *session);
LcSessionState lc_webrtc_session_get_state (LcWebrtcSession *session);

G_END_DECLS
