/* lc-whep-viewer.h — private to the webrtcbin fan-out (lc-fanout-webrtcbin.c):
 * one WHEP viewer with its own pipeline,
 *
 *   appsrc (video, channel caps) ! rtph264pay | rtpvp8pay ─┐
 *   appsrc (audio, Opus) ! rtpopuspay ─────────────────────┴─ webrtcbin (sendonly)
 *
 * implementing LcWebrtcSession (answer a recvonly WHEP offer, trickle, close)
 * and LcConsumer (fed by the channel once ICE and DTLS are up). It goes FAILED
 * when ICE fails, when it does not connect in time, when no RTCP arrives from
 * the viewer for rtcp_timeout_ms while connected, or when its pipeline
 * breaks; the fan-out then drops it. Readable property "pipeline" (GstElement)
 * for diagnostics and tests. */
#pragma once

#include "lc-channel.h"
#include "lc-ice.h"
#include "lc-webrtc-session.h"

G_BEGIN_DECLS

#define LC_TYPE_WHEP_VIEWER (lc_whep_viewer_get_type ())
G_DECLARE_FINAL_TYPE (LcWhepViewer, lc_whep_viewer, LC, WHEP_VIEWER, GObject)

/* Main context (the viewer's context). channel: ref kept; ice: copied. */
LcWhepViewer *lc_whep_viewer_new (LcChannel *channel, const LcIceConfig *ice, guint rtcp_timeout_ms,
                                  guint connect_timeout_ms);
/* "viewer 1a2b3c4d" (for logs). */
const char *lc_whep_viewer_get_name (LcWhepViewer *viewer);

G_END_DECLS
