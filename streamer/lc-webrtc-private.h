/* lc-webrtc-private.h — helpers shared by the webrtcbin-based sessions (WHIP
 * ingest, webrtcbin fan-out viewers): ICE agent set-up from LcIceConfig, the
 * 1:1 NAT address rewrite, trickle and ICE restart on webrtcbin's libnice
 * agent (webrtcbin 1.22 has no ICE restart of its own). Implemented in
 * lc-webrtc-session.c. Not a public contract. */
#pragma once

#include <gst/gst.h>
#include <gst/sdp/sdp.h>

#include "lc-ice.h"
#include "lc-sdp.h"

G_BEGIN_DECLS

/* Configure webrtcbin before negotiation: ICE agent UDP port range, no
 * ICE-TCP, the local addresses to gather on (add-local-ip-address; libnice
 * skips 127.0.0.1 unless added), the first STUN server and every TURN server
 * (credentials from ice->turn_secret for turn_user). */
void lc_webrtc_configure_ice (GstElement *webrtcbin, const LcIceConfig *ice, const char *turn_user);

/* Copy the session-level a=setup, a=ice-ufrag, a=ice-pwd, a=ice-options and
 * a=fingerprint into every media section that lacks its own: libdatachannel
 * (OBS) writes them only at session level, and webrtcbin 1.22 refuses such an
 * offer ("media 0 is missing … 'setup' attribute"). */
void lc_webrtc_normalize_offer (GstSDPMessage *sdp);

/* SDP or sdpfrag text with the address of every host candidate replaced by
 * ice->public_address (1:1 NAT); a copy of sdp when none is configured.
 * (transfer full) */
char *lc_webrtc_apply_public_address (const char *sdp, const LcIceConfig *ice);

/* Trickle: hand each candidate of frag to webrtcbin ("add-ice-candidate"). */
void lc_webrtc_add_candidates (GstElement *webrtcbin, const LcSdpFragment *frag);

/* The libnice stream behind webrtcbin's first (bundled) transport: agent
 * (transfer full) and stream id. FALSE before negotiation. */
gboolean lc_webrtc_get_nice_stream (GstElement *webrtcbin, GObject **agent, guint *stream_id);

/* ICE restart as the answerer: the libnice stream restarts (check list and
 * selected pair renewed) with frag's credentials and candidates as the remote
 * ones; our own credentials stay the same (see the comment in the .c file:
 * Chromium checks its new generation against them before our answer
 * arrives). Returns the answer fragment (our ufrag/pwd, the first m-line's mid
 * and our candidates, public address applied), or NULL with
 * LC_ERROR_UNAVAILABLE. Any thread. (transfer full) */
char *lc_webrtc_ice_restart (GstElement *webrtcbin, const LcSdpFragment *frag,
                             const LcIceConfig *ice, GError **error);

G_END_DECLS
