/* lc-consumer.h — what a channel feeds: the LcConsumer interface.
 *
 * Media in a channel (see lc-channel.h):
 *   video: H.264 byte-stream, alignment=au, SPS/PPS in front of every IDR
 *          ("video/x-h264, stream-format=byte-stream, alignment=au"), or VP8 frames ("video/x-vp8");
 *   audio: Opus packets ("audio/x-opus").
 * Buffers carry PTS (and DTS = PTS) in CHANNEL time: nanoseconds since the
 * channel's first buffer, monotonic across publisher reconnects. Non-keyframes
 * have GST_BUFFER_FLAG_DELTA_UNIT; the first buffer after a gap has
 * GST_BUFFER_FLAG_DISCONT.
 *
 * Threads: set_caps and push are called on the ingest's streaming threads,
 * serialised per media kind, never with the channel lock held. They must not
 * block (queue with a bound, or drop) and must not call back into the channel
 * except lc_channel_request_keyframe. Everything else is called on the main
 * context. A consumer that returns FALSE from push has failed: the channel
 * removes it (on the main context) and goes on with the others.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef enum
{
  LC_MEDIA_VIDEO,
  LC_MEDIA_AUDIO,
} LcMediaKind;

#define LC_TYPE_CONSUMER (lc_consumer_get_type ())
G_DECLARE_INTERFACE (LcConsumer, lc_consumer, LC, CONSUMER, GObject)

struct _LcConsumerInterface
{
  GTypeInterface parent_iface;

  /* Streaming threads. caps: (transfer none). */
  void (*set_caps) (LcConsumer *consumer, LcMediaKind kind, GstCaps *caps);
  /* Streaming threads. buffer: (transfer none) — ref it to keep it. */
  gboolean (*push) (LcConsumer *consumer, LcMediaKind kind, GstBuffer *buffer);

  /* Main context. The publisher dropped (TRUE) or came back (FALSE). */
  void (*publisher_gap) (LcConsumer *consumer, gboolean gone);
  /* Main context. The lesson ended: flush and finish (HLS ENDLIST, recording
   * finalisation). No more set_caps/push after this. */
  void (*finish) (LcConsumer *consumer);
  /* A short name for logs ("hls", "recording", "viewer 3f…"). */
  const char *(*get_name) (LcConsumer *consumer);
};

void lc_consumer_set_caps (LcConsumer *consumer, LcMediaKind kind, GstCaps *caps);
gboolean lc_consumer_push (LcConsumer *consumer, LcMediaKind kind, GstBuffer *buffer);
void lc_consumer_publisher_gap (LcConsumer *consumer, gboolean gone);
void lc_consumer_finish (LcConsumer *consumer);
const char *lc_consumer_get_name (LcConsumer *consumer);

G_END_DECLS
