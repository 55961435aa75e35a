/* lc-transcode.h — LcTranscoder: a channel consumer that gives HLS and the
 * recorder an H.264 view of a lesson (media.transcode_vp8).
 *
 *   source channel ─┬─► WHEP viewers (the publisher's own codec, never re-encoded)
 *                   └─► LcTranscoder ──► output channel ─┬─► HLS packager
 *                                                        └─► recorder
 *
 * VP8 video is decoded once and encoded to H.264 (x264: zerolatency,
 * ultrafast, bitrate near the incoming one, byte-stream access units with
 * SPS/PPS before every IDR, exactly what an H.264 publisher delivers). H.264
 * video and all audio pass through untouched, so a publisher that reconnects
 * with another codec keeps HLS and the recording going.
 *
 * The transcoder is the output channel's publisher: keyframe requests on the
 * output channel (the HLS packager's segment clock) become force-key-unit
 * events to the encoder, never requests to the publisher. Only the decoder's
 * own needs (start, resync after a drop) ask the source channel for a VP8
 * keyframe. A publisher gap on the source is a gap on the output.
 *
 * Isolation: push() never blocks. A full input queue drops frames until the
 * next keyframe; a pipeline error, or no output for STALL seconds while the
 * queue stays full, fails the transcoder alone: push() returns FALSE (the
 * source channel removes it), the output channel sees a publisher gap, and
 * WebRTC viewers and the ingest go on. finish() (from the source channel, or
 * called again by the owner: it is idempotent) drains the encoder and then
 * finishes the output channel, so HLS writes ENDLIST and the recording is
 * finalised — also after a failure.
 *
 * Signal "failed" () on the main context, once; the reason is in get_error. */
#pragma once

#include "lc-channel.h"

G_BEGIN_DECLS

#define LC_TYPE_TRANSCODER (lc_transcoder_get_type ())
G_DECLARE_FINAL_TYPE (LcTranscoder, lc_transcoder, LC, TRANSCODER, GObject)

/* On the thread-default main context. keyframe_interval: seconds between the
 * encoder's own keyframes when nobody asks sooner (the HLS segment duration;
 * the packager's requests come on that clock). */
LcTranscoder *lc_transcoder_new (LcChannel *source, guint keyframe_interval);
/* Add itself to the source channel. */
gboolean lc_transcoder_start (LcTranscoder *transcoder, GError **error);
/* (transfer none) the H.264 channel that HLS and the recorder consume. */
LcChannel *lc_transcoder_get_output (LcTranscoder *transcoder);
/* Whether VP8 video has been transcoded (at least one frame encoded). Any thread. */
gboolean lc_transcoder_is_transcoding (LcTranscoder *transcoder);
/* Encoded frames so far. Any thread. */
guint64 lc_transcoder_get_frames_encoded (LcTranscoder *transcoder);
/* Main context. NULL, or why the transcoder failed. */
const char *lc_transcoder_get_error (LcTranscoder *transcoder);

G_END_DECLS
