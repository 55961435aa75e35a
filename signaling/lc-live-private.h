/* lc-live-private.h — what the LcLive sources share: the registry's state
 * (LcLive), a lesson's media and lifecycle state (LiveLesson), a WHIP/WHEP
 * session resource (LiveSession), and the few functions one file calls in
 * another. lc-live.c runs the registry and the lesson lifecycle,
 * lc-live-sessions.c the session resources, lc-live-status.c the API's view.
 * Everything here runs on the LcLive's main context. Tests may include it;
 * nothing else should. */
#pragma once

#include "recorder/lc-recorder.h"
#include "signaling/lc-live.h"
#include "streamer/lc-channel.h"
#include "streamer/lc-fanout.h"
#include "streamer/lc-hls.h"
#include "streamer/lc-synthetic-source.h"
#include "streamer/lc-transcode.h"
#include "streamer/lc-webrtc-session.h"

G_BEGIN_DECLS

typedef struct _LiveLesson LiveLesson;

typedef struct
{
  LiveLesson *lesson; /* owner (weak) */
  LcLiveRole role;
  char *id;
  char *etag;
  char *remote_ufrag;
  char *client;
  LcWebrtcSession *session;
  gulong state_handler;
  GSource *connect_timeout;
  gboolean answered;
} LiveSession;

struct _LiveLesson
{
  LcLive *live; /* owner (weak) */
  char *id;
  LcLesson *lesson;
  LcChannel *channel;
  gulong channel_handlers[3];
  LiveSession *publisher;
  char *publisher_client;
  LcSyntheticSource *synthetic;
  LcFanout *fanout;
  /* media.transcode_vp8: HLS and the recorder consume its H.264 output
   * channel (VP8 transcoded, H.264 passed through), viewers the channel. */
  LcTranscoder *transcoder;
  gulong output_handler;
  LcHlsPackager *hls;
  gulong hls_handler;
  gboolean hls_failed_to_start;
  LcRecorder *recorder;
  gulong recorder_handler;
  GHashTable *viewers;     /* id → LiveSession */
  GHashTable *hls_clients; /* address → gint64 monotonic µs of the last playlist fetch */
  GSource *grace;
  guint extensions;
  gint64 started_at;
  gboolean media_started;
  gboolean ended;
  gboolean recorder_done;
  gboolean hls_done;
  GSource *ending_timeout;
};

struct _LcLive
{
  GObject parent_instance;

  GMainContext *context;
  LcStore *store;
  LcConfig *config;
  LcIceConfig *ice;
  char *hls_dir;
  char *recordings_dir;
  GHashTable *lessons; /* id → LiveLesson (not ended) */
  GPtrArray *ending;   /* LiveLesson: ended, waiting for HLS/recorder */
  GSource *tick;       /* releases finished lessons */
  gboolean stopping;
  GTask *shutdown_task;
  GSource *shutdown_timer;
};

/* ---- sources on the live's context (lc-live.c) ---- */

/* A timeout attached to live's context. (transfer full) the source */
GSource *lc_live_attach_timeout (LcLive *live, guint ms, GSourceFunc func, gpointer data);

/* ---- registry and lifecycle (lc-live.c) ---- */

/* (transfer none) (nullable) the lesson while it has not ended. */
LiveLesson *lc_live_find_lesson (LcLive *live, const char *lesson_id);
/* Register a lesson (no publisher yet). (transfer none): live owns it. */
LiveLesson *lc_live_lesson_new (LcLive *live, const LcLesson *lesson);
/* A lesson that never had media: remove and free it without a trace. */
void lc_live_drop_lesson (LiveLesson *ll);
/* Finish channel, viewers, HLS and recording; mark it ended if it was live.
 * ll moves from the registry to the lessons waiting for their media. */
void lc_live_end_lesson (LiveLesson *ll, const char *reason);
/* The publisher went away: start the grace timer, or drop a lesson that
 * never had media. */
void lc_live_publisher_gone (LiveLesson *ll);
/* FORBIDDEN when the lesson was cancelled or has ended. */
gboolean lc_live_lesson_is_over (const LcLesson *lesson, GError **error);
/* UNAVAILABLE (with Retry-After) once shutdown has begun. */
gboolean lc_live_check_running (LcLive *live, GError **error);

/* ---- sessions (lc-live-sessions.c) ---- */

/* Disconnect, close and free a session (the viewers table's free function). */
void lc_live_session_free (LiveSession *s);
/* Take the publisher off the lesson and its channel and free it. */
void lc_live_detach_publisher (LiveLesson *ll);

G_END_DECLS
