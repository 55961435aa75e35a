/* lc-sdp.h — pure SDP checks for WHIP/WHEP (no GStreamer state, no I/O):
 * what an offer contains, whether we can use it, and trickle/restart
 * fragments (application/trickle-ice-sdpfrag, RFC 8840). Unit-tested and fuzzed. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LC_SDP_MAX_BYTES (64 * 1024)

typedef struct
{
  gboolean has_video, has_audio;
  /* payload types of usable codecs, -1 = absent */
  int h264_pt;   /* packetization-mode=1, a profile Chromium/OBS send (42xxxx, 4dxxxx, 64xxxx) */
  int vp8_pt;
  int opus_pt;
  char *ice_ufrag, *ice_pwd; /* session- or first media-level */
  char *fingerprint;         /* "sha-256 AB:CD:…" */
  gboolean bundle;
  guint n_media;
} LcSdpOffer;

void lc_sdp_offer_clear (LcSdpOffer *offer);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LcSdpOffer, lc_sdp_offer_clear)

/* Parse and check an offer. direction_ok: the media direction we need from
 * the offerer ("sendonly"/"sendrecv" for WHIP, "recvonly"/"sendrecv" for WHEP).
 * LC_ERROR_MALFORMED (400) when it is not SDP or exceeds LC_SDP_MAX_BYTES;
 * LC_ERROR_INVALID (422) when nothing usable is offered, with a message that
 * says what is missing ("the offer has no H.264 (packetization-mode=1) or VP8
 * video and no Opus audio"). */
gboolean lc_sdp_parse_offer (const char *sdp, gboolean for_whep, LcSdpOffer *offer, GError **error);

typedef struct
{
  char *ice_ufrag, *ice_pwd; /* present = ICE restart */
  GPtrArray *candidates;     /* "candidate:…" strings (without "a=") */
  GArray *mlines;            /* guint mline index per candidate (from a=mid order) */
  gboolean end_of_candidates;
} LcSdpFragment;

void lc_sdp_fragment_clear (LcSdpFragment *frag);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LcSdpFragment, lc_sdp_fragment_clear)

/* Parse application/trickle-ice-sdpfrag. LC_ERROR_MALFORMED on garbage. */
gboolean lc_sdp_parse_fragment (const char *text, LcSdpFragment *frag, GError **error);

G_END_DECLS
