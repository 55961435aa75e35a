/* lc-webrtc-client.h — test clients in C (webrtcbin), used by integration
 * tests and benchmarks, and as small CLI tools (lc-whip-publish, lc-whep-play):
 *
 *   publisher: videotestsrc + audiotestsrc (tone) → x264enc (baseline,
 *     packetization-mode 1; or vp8enc) + opusenc → webrtcbin sendonly → WHIP
 *   viewer:    WHEP → webrtcbin recvonly → decoders → fakesinks; counts decoded
 *     video frames and audio buffers
 *
 * Both talk HTTP with libsoup asynchronously on the caller's thread-default
 * main context (the server may run on the same context in-process), keep ICE on
 * 127.0.0.1 (add-local-ip-address), non-trickle by default (the offer is sent
 * after gathering completes), and support DELETE, trickle PATCH and reconnect.
 */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _LcWebrtcClient LcWebrtcClient;

typedef enum
{
  LC_CLIENT_PUBLISHER,
  LC_CLIENT_VIEWER,
} LcClientRole;

/* Called on a streaming thread for each raw video frame (caps: its
 * video/x-raw caps). Publisher: before encoding, on a writable buffer the
 * callee may draw into. Viewer: each decoded frame as it reaches the sink
 * (with no_decode: each depayloaded frame, caps application/x-h264…). */
typedef void (*LcWebrtcClientFrameFunc) (GstBuffer *buffer, GstCaps *caps, gpointer user_data);

typedef struct
{
  LcClientRole role;
  const char *url;          /* http://127.0.0.1:PORT/whip/<lesson> or /whep/<lesson> */
  const char *bearer;       /* publish key (WHIP) or NULL */
  const char *video_codec;  /* publisher: "h264" (default) or "vp8" */
  guint width, height, fps; /* publisher: default 320x240@30 */
  guint keyframe_interval;  /* publisher: frames between keyframes, 0 = only on request (like Chromium) */
  gboolean no_audio;        /* publisher: video only */
  gboolean no_video;        /* publisher: audio only */
  gboolean no_decode;       /* viewer: count depayloaded frames, do not decode (benchmarks) */
  /* Added for the benchmarks (zero = the defaults above): */
  guint video_bitrate;       /* publisher: kbit/s of the video encoder, default 600 */
  const char *video_pattern; /* publisher: videotestsrc properties, default "pattern=smpte" */
  LcWebrtcClientFrameFunc frame_func; /* nullable, see above */
  gpointer frame_data;
} LcWebrtcClientOptions;

LcWebrtcClient *lc_webrtc_client_new (const LcWebrtcClientOptions *options);
void lc_webrtc_client_free (LcWebrtcClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcWebrtcClient, lc_webrtc_client_free)

/* Start: build the pipeline, create the offer, POST it, apply the answer.
 * Returns FALSE with an error carrying the HTTP status in the message when the
 * server refuses (http_status set, nullable). Iterates the thread-default
 * context while waiting, up to timeout_ms. */
gboolean lc_webrtc_client_start (LcWebrtcClient *client, guint timeout_ms, guint *http_status,
                                 GError **error);
/* DELETE the session resource (stop). Returns the HTTP status. */
guint lc_webrtc_client_delete (LcWebrtcClient *client, guint timeout_ms);
/* Tear down the media without telling the server (simulates a network drop). */
void lc_webrtc_client_drop (LcWebrtcClient *client);

const char *lc_webrtc_client_get_location (LcWebrtcClient *client); /* session resource URL */
const char *lc_webrtc_client_get_etag (LcWebrtcClient *client);
/* Viewer: decoded video frames / audio buffers so far (thread-safe counters). */
guint64 lc_webrtc_client_get_video_frames (LcWebrtcClient *client);
guint64 lc_webrtc_client_get_audio_buffers (LcWebrtcClient *client);
/* Iterate the thread-default context until the viewer has decoded at least n
 * more frames than now, or timeout. */
gboolean lc_webrtc_client_wait_frames (LcWebrtcClient *client, guint64 n, guint timeout_ms);

/* Monotonic time (µs) when the last offer was POSTed; 0 before. */
gint64 lc_webrtc_client_get_post_time (LcWebrtcClient *client);
/* webrtcbin's "get-stats" result (transfer full), NULL without a pipeline.
 * Blocks the caller until webrtcbin answers (it does so on its own thread). */
GstStructure *lc_webrtc_client_get_stats (LcWebrtcClient *client);

G_END_DECLS
