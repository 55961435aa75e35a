/* lc-fanout.h — the delivery data plane behind a narrow interface, so the
 * webrtcbin-per-viewer version can later be replaced by a lean one (one ICE
 * agent, DTLS/SRTP on OpenSSL, RTP forwarding) without touching HTTP or
 * channel code.
 *
 * A fan-out serves one channel. add_viewer returns a new WHEP viewer session
 * (LcWebrtcSession, sendonly) that the caller answers/trickles/closes; the
 * fan-out reaps viewers whose ICE fails or whose RTCP stops (state FAILED,
 * then removed) and asks the channel for a keyframe when one joins.
 *
 * Signal "viewer-count-changed" (guint count) on the main context. */
#pragma once

#include "lc-channel.h"
#include "lc-ice.h"
#include "lc-webrtc-session.h"

G_BEGIN_DECLS

#define LC_TYPE_FANOUT (lc_fanout_get_type ())
G_DECLARE_INTERFACE (LcFanout, lc_fanout, LC, FANOUT, GObject)

struct _LcFanoutInterface
{
  GTypeInterface parent_iface;

  /* (transfer full) a new viewer, or NULL with LC_ERROR_UNAVAILABLE (limit reached, engine broken). */
  LcWebrtcSession *(*add_viewer) (LcFanout *fanout, GError **error);
  guint (*get_viewer_count) (LcFanout *fanout);
  /* Close every viewer (end of lesson). */
  void (*close_all) (LcFanout *fanout);
};

LcWebrtcSession *lc_fanout_add_viewer (LcFanout *fanout, GError **error);
guint lc_fanout_get_viewer_count (LcFanout *fanout);
void lc_fanout_close_all (LcFanout *fanout);

/* The first implementation: one webrtcbin (and pipeline) per viewer, each a
 * consumer of the channel. max_viewers 0 = unlimited. */
LcFanout *lc_fanout_webrtcbin_new (LcChannel *channel, const LcIceConfig *ice, guint max_viewers);

G_END_DECLS
