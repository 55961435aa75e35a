/* lc-hls.h — LcHlsPackager: a channel consumer that writes HLS for browsers
 * and CDNs: H.264 as received (never re-encoded) + Opus → AAC, MPEG-TS segments
 * of segment_duration seconds cut on keyframes that the packager requests on
 * its own clock (never hlssink2's immediate requests), a sliding-window
 * playlist while live, EXT-X-DISCONTINUITY after a publisher gap, and
 * EXT-X-ENDLIST at the end. Old segments are removed from disk. The playlist
 * text itself comes from the pure module lc-playlist.c.
 *
 * Files: <dir>/index.m3u8 and <dir>/seg-<n>.ts (written atomically: temp + rename).
 * A VP8 channel cannot be packaged without a transcode: the state says so
 * (with media.transcode_vp8 the packager consumes an LcTranscoder's H.264
 * output channel instead, see lc-transcode.h).
 *
 * Signals on the main context: "state-changed" (LcHlsState); "drained" ()
 * when a publisher gap's drain is complete (see lc_hls_packager_is_drained). */
#pragma once

#include "lc-channel.h"

G_BEGIN_DECLS

typedef enum
{
  LC_HLS_WAITING,     /* no media yet */
  LC_HLS_LIVE,        /* playlist has segments */
  LC_HLS_ENDED,       /* ENDLIST written */
  LC_HLS_UNAVAILABLE, /* codec cannot be packaged (VP8 without transcode; reason in get_error) */
  LC_HLS_FAILED,      /* the packaging pipeline failed (see lc_hls_packager_get_error) */
} LcHlsState;

const char *lc_hls_state_to_string (LcHlsState state);

#define LC_TYPE_HLS_PACKAGER (lc_hls_packager_get_type ())
G_DECLARE_FINAL_TYPE (LcHlsPackager, lc_hls_packager, LC, HLS_PACKAGER, GObject)

LcHlsPackager *lc_hls_packager_new (LcChannel *channel, const char *dir, guint segment_duration,
                                    guint window);
/* Create dir and add itself to the channel. */
gboolean lc_hls_packager_start (LcHlsPackager *hls, GError **error);
LcHlsState lc_hls_packager_get_state (LcHlsPackager *hls);
const char *lc_hls_packager_get_error (LcHlsPackager *hls);
const char *lc_hls_packager_get_dir (LcHlsPackager *hls);
/* Main context. TRUE while the publisher is gone and everything its session
 * produced is final: the pipeline has stopped, no fragment is open, and the
 * last (possibly short) segment is listed in the playlist on disk. FALSE
 * again when a publisher comes back. "drained" is emitted each time it
 * becomes TRUE. */
gboolean lc_hls_packager_is_drained (LcHlsPackager *hls);

G_END_DECLS
