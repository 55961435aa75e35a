/* lc-channel.h — LcChannel: one live lesson's media hub.
 *
 *   ingest (WHIP webrtcbin, synthetic demo source; later SRT/RTMP/RTSP)
 *        │ lc_channel_set_caps / lc_channel_push  (streaming threads)
 *        ▼
 *   LcChannel ── rebases timestamps to channel time, remembers current caps,
 *        │        the last keyframe (so a joining consumer starts clean),
 *        │        rate-limits keyframe requests to the publisher
 *        ├─► consumer: WHEP viewers (through LcFanout)
 *        ├─► consumer: HLS packager
 *        └─► consumer: recorder
 *
 * A channel outlives its publisher: when the publisher drops, consumers get
 * publisher_gap(TRUE); when a publisher attaches again, they get
 * publisher_gap(FALSE) and the next buffer is DISCONT with a timestamp that
 * continues channel time. The channel never knows HTTP or the store: the
 * owner (signaling/lc-live.c) listens to its signals.
 *
 * Signals (all emitted on the main context the channel was created in):
 *   "media-started"      () first buffer ever received
 *   "publisher-changed"  (gboolean attached)
 *   "consumer-failed"    (LcConsumer *consumer) — already removed
 */
#pragma once

#include "lc-consumer.h"

G_BEGIN_DECLS

#define LC_TYPE_CHANNEL (lc_channel_get_type ())
G_DECLARE_FINAL_TYPE (LcChannel, lc_channel, LC, CHANNEL, GObject)

/* Called (any thread) when the channel wants a keyframe from the publisher. */
typedef void (*LcKeyframeFunc) (gpointer user_data);

/* On the thread-default main context. */
LcChannel *lc_channel_new (const char *lesson_id);
const char *lc_channel_get_lesson_id (LcChannel *channel);

/* ---- publisher side ---- */

/* Main context. Only one publisher at a time: FALSE (LC_ERROR_CONFLICT) if one
 * is attached. request_keyframe: how to ask this publisher for a keyframe. */
gboolean lc_channel_attach_publisher (LcChannel *channel, gpointer publisher,
                                      LcKeyframeFunc request_keyframe, gpointer user_data,
                                      GError **error);
/* Main context. No-op unless publisher is the attached one. */
void lc_channel_detach_publisher (LcChannel *channel, gpointer publisher);
gboolean lc_channel_has_publisher (LcChannel *channel);

/* Streaming threads of the attached publisher. Timestamps in the publisher's
 * own running time; the channel rebases them. buffer: (transfer none). */
void lc_channel_set_caps (LcChannel *channel, LcMediaKind kind, GstCaps *caps);
void lc_channel_push (LcChannel *channel, LcMediaKind kind, GstBuffer *buffer);

/* ---- consumers ---- */

/* Main context. The consumer receives the current caps at once and, for
 * video, starts at the next keyframe (a keyframe is requested for it). */
void lc_channel_add_consumer (LcChannel *channel, LcConsumer *consumer);
void lc_channel_remove_consumer (LcChannel *channel, LcConsumer *consumer);
guint lc_channel_get_consumer_count (LcChannel *channel);

/* Any thread. Forwarded to the publisher at most once per min_interval
 * (default 1 s); reason is for the debug log. */
void lc_channel_request_keyframe (LcChannel *channel, const char *reason);
void lc_channel_set_keyframe_min_interval (LcChannel *channel, guint milliseconds);

/* ---- state ---- */

/* (transfer full) current caps of a kind, or NULL. Any thread. */
GstCaps *lc_channel_dup_caps (LcChannel *channel, LcMediaKind kind);
/* "h264", "vp8" or NULL before the first video caps. */
const char *lc_channel_get_video_codec (LcChannel *channel);
gboolean lc_channel_has_media (LcChannel *channel);
/* Channel time of the newest buffer (ns). */
GstClockTime lc_channel_get_position (LcChannel *channel);

/* Main context. End of the lesson: every consumer's finish() runs, then the
 * consumers are dropped. The channel accepts no publisher afterwards. */
void lc_channel_finish (LcChannel *channel);

G_END_DECLS
