/* lc-whip-ingest.h — a WHIP publisher: webrtcbin as the answerer with recvonly
 * transceivers (H.264 packetization-mode=1 preferred, VP8 accepted, Opus),
 * depayloaded and parsed into its channel (lc-channel.h). Implements
 * LcWebrtcSession. On CONNECTED + first media it is the channel's publisher;
 * keyframe requests from the channel become PLI/FIR upstream. */
#pragma once

#include "lc-channel.h"
#include "lc-ice.h"
#include "lc-webrtc-session.h"

G_BEGIN_DECLS

#define LC_TYPE_WHIP_INGEST (lc_whip_ingest_get_type ())
G_DECLARE_FINAL_TYPE (LcWhipIngest, lc_whip_ingest, LC, WHIP_INGEST, GObject)

/* (transfer none) channel and ice: kept/copied. */
LcWhipIngest *lc_whip_ingest_new (LcChannel *channel, const LcIceConfig *ice);
/* Whether a VP8-only offer is accepted (media.allow_vp8; default TRUE). Call
 * before answering. H.264 is always preferred when offered. */
void lc_whip_ingest_set_allow_vp8 (LcWhipIngest *ingest, gboolean allow);
/* "h264"/"vp8" once negotiated, else NULL. */
const char *lc_whip_ingest_get_video_codec (LcWhipIngest *ingest);

G_END_DECLS
