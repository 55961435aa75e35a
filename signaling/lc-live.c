/* lc-live.c — LcLive: the registry of live lessons and their lifecycle (see
 * lc-live.h). Per lesson a LiveLesson holds the channel, the current
 * publisher, the viewers, the fan-out, HLS packager and recorder, and the
 * grace timer. All on the main context; anything that could
 * free objects while they emit a signal is deferred to an idle. */
#include "signaling/lc-live.h"

#include <string.h>

#include "common/lc-crypto.h"
#include "common/lc-error.h"
#include "common/lc-json.h"
#include "common/lc-time.h"
#include "recorder/lc-recorder.h"
#include "streamer/lc-channel.h"
#include "streamer/lc-fanout.h"
#include "streamer/lc-hls.h"
#include "streamer/lc-sdp.h"
#include "streamer/lc-synthetic-source.h"
#include "streamer/lc-transcode.h"
#include "streamer/lc-webrtc-session.h"
#include "streamer/lc-whip-ingest.h"

/* A session has this long after its answer to connect. */
#define CONNECT_TIMEOUT_S 30
/* Grace expiry while a new publisher is still connecting: wait this much
 * more, at most MAX_EXTENSIONS times. */
#define EXTENSION_S 10
#define MAX_EXTENSIONS 3
/* Ended lessons wait this long at most for HLS and the recorder to finish
 * (outside shutdown, which has its own timeout). */
#define ENDING_TIMEOUT_S 600
/* HLS viewers: distinct addresses that fetched the playlist this recently. */
#define HLS_VIEWER_WINDOW_US (10 * G_USEC_PER_SEC)
#define HLS_CLIENTS_MAX 100000
/* The demo broadcast. */
#define SYNTHETIC_WIDTH 640
#define SYNTHETIC_HEIGHT 360
#define SYNTHETIC_FPS 25

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

G_DEFINE_FINAL_TYPE (LcLive, lc_live, G_TYPE_OBJECT)

static void end_lesson (LiveLesson *ll, const char *reason);
static void free_lesson (LiveLesson *ll);
static void publisher_gone (LiveLesson *ll);

void
lc_live_answer_free (LcLiveAnswer *answer)
{
  if (answer == NULL)
    return;
  g_free (answer->session_id);
  g_free (answer->etag);
  g_free (answer->sdp);
  g_free (answer);
}

/* ---- sources on the live's context ---- */

static GSource *
attach_timeout (LcLive *live, guint ms, GSourceFunc func, gpointer data)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, live->context);
  return source;
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static char *
new_etag (void)
{
  g_autofree char *id = lc_id_new ();

  return g_strdup_printf ("\"%s\"", id);
}

/* ---- sessions ---- */

static void
session_free (LiveSession *s)
{
  if (s == NULL)
    return;
  if (s->state_handler != 0)
    g_signal_handler_disconnect (s->session, s->state_handler);
  clear_source (&s->connect_timeout);
  if (s->session != NULL)
    {
      lc_webrtc_session_close (s->session);
      g_object_unref (s->session);
    }
  g_free (s->id);
  g_free (s->etag);
  g_free (s->remote_ufrag);
  g_free (s->client);
  g_free (s);
}

typedef struct
{
  LcLive *live; /* ref */
  char *lesson_id;
  char *session_id;
  LcLiveRole role;
} SessionRef;

static SessionRef *
session_ref_new (LiveSession *s)
{
  SessionRef *ref = g_new0 (SessionRef, 1);

  ref->live = g_object_ref (s->lesson->live);
  ref->lesson_id = g_strdup (s->lesson->id);
  ref->session_id = g_strdup (s->id);
  ref->role = s->role;
  return ref;
}

static void
session_ref_free (gpointer p)
{
  SessionRef *ref = p;

  g_object_unref (ref->live);
  g_free (ref->lesson_id);
  g_free (ref->session_id);
  g_free (ref);
}

static LiveLesson *
find_lesson (LcLive *live, const char *lesson_id)
{
  return lesson_id != NULL ? g_hash_table_lookup (live->lessons, lesson_id) : NULL;
}

static LiveSession *
find_session (LcLive *live, LcLiveRole role, const char *lesson_id, const char *session_id)
{
  LiveLesson *ll = find_lesson (live, lesson_id);

  if (ll == NULL || session_id == NULL)
    return NULL;
  if (role == LC_LIVE_PUBLISHER)
    return ll->publisher != NULL && strcmp (ll->publisher->id, session_id) == 0 ? ll->publisher
                                                                                : NULL;
  return g_hash_table_lookup (ll->viewers, session_id);
}

static void
detach_publisher (LiveLesson *ll)
{
  LiveSession *s = g_steal_pointer (&ll->publisher);

  if (s == NULL)
    return;
  if (s->state_handler != 0)
    {
      g_signal_handler_disconnect (s->session, s->state_handler);
      s->state_handler = 0;
    }
  lc_channel_detach_publisher (ll->channel, s->session);
  session_free (s);
}

static void
remove_viewer (LiveLesson *ll, LiveSession *s)
{
  /* The table's free function closes and frees it. */
  g_hash_table_remove (ll->viewers, s->id);
}

/* A session's state changed, or its connect deadline passed: act on its
 * current state. Runs from an idle, never inside the session's signal. */
static void
check_session (LiveSession *s, gboolean deadline)
{
  LiveLesson *ll = s->lesson;
  LcSessionState state = lc_webrtc_session_get_state (s->session);

  if (state == LC_SESSION_CONNECTED)
    {
      clear_source (&s->connect_timeout);
      if (s->role == LC_LIVE_PUBLISHER)
        {
          clear_source (&ll->grace);
          ll->extensions = 0;
        }
      return;
    }

  if (state == LC_SESSION_FAILED || state == LC_SESSION_CLOSED
      || (deadline && state != LC_SESSION_DISCONNECTED))
    {
      g_info ("lesson %s: %s %s %s", ll->id, s->role == LC_LIVE_PUBLISHER ? "publisher" : "viewer",
              s->id, deadline ? "did not connect in time" : lc_session_state_to_string (state));
      if (s->role == LC_LIVE_VIEWER)
        remove_viewer (ll, s);
      else
        {
          detach_publisher (ll);
          publisher_gone (ll);
        }
      return;
    }

  if (state == LC_SESSION_DISCONNECTED && s->role == LC_LIVE_PUBLISHER)
    publisher_gone (ll);
}

static gboolean
on_session_check_idle (gpointer user_data)
{
  SessionRef *ref = user_data;
  LiveSession *s = find_session (ref->live, ref->role, ref->lesson_id, ref->session_id);

  if (s != NULL)
    check_session (s, FALSE);
  return G_SOURCE_REMOVE;
}

static void
on_session_state_changed (LcWebrtcSession *session, int state, gpointer user_data)
{
  LiveSession *s = user_data;
  GSource *idle = g_idle_source_new ();

  g_debug ("lesson %s: session %s → %s", s->lesson->id, s->id,
           lc_session_state_to_string ((LcSessionState)state));
  g_source_set_callback (idle, on_session_check_idle, session_ref_new (s), session_ref_free);
  g_source_attach (idle, s->lesson->live->context);
  g_source_unref (idle);
}

static gboolean
on_connect_timeout (gpointer user_data)
{
  LiveSession *s = user_data;

  g_clear_pointer (&s->connect_timeout, g_source_unref);
  check_session (s, TRUE);
  return G_SOURCE_REMOVE;
}

static LiveSession *
session_new (LiveLesson *ll, LcLiveRole role, LcWebrtcSession *session, const char *remote_ufrag,
             const char *client)
{
  LiveSession *s = g_new0 (LiveSession, 1);

  s->lesson = ll;
  s->role = role;
  s->id = lc_id_new ();
  s->etag = new_etag ();
  s->remote_ufrag = g_strdup (remote_ufrag);
  s->client = g_strdup (client);
  s->session = session; /* takes the ref */
  s->state_handler
      = g_signal_connect (session, "state-changed", G_CALLBACK (on_session_state_changed), s);
  return s;
}

/* ---- lessons ---- */

static gboolean hls_is_done (LiveLesson *ll);

static gboolean
on_tick (gpointer user_data)
{
  LcLive *live = user_data;

  g_clear_pointer (&live->tick, g_source_unref);
  for (guint i = live->ending->len; i > 0; i--)
    {
      LiveLesson *ll = g_ptr_array_index (live->ending, i - 1);

      if (ll->recorder_done && hls_is_done (ll))
        {
          g_info ("lesson %s: media finished", ll->id);
          g_ptr_array_remove_index (live->ending, i - 1);
        }
    }
  if (live->shutdown_task != NULL && live->ending->len == 0)
    {
      g_autoptr (GTask) task = g_steal_pointer (&live->shutdown_task);

      clear_source (&live->shutdown_timer);
      g_task_return_boolean (task, TRUE);
    }
  return G_SOURCE_REMOVE;
}

static void
schedule_tick (LcLive *live)
{
  if (live->tick != NULL)
    return;
  live->tick = g_idle_source_new ();
  g_source_set_callback (live->tick, on_tick, live, NULL);
  g_source_attach (live->tick, live->context);
}

static gboolean
hls_is_done (LiveLesson *ll)
{
  if (ll->hls_done || ll->hls == NULL)
    return TRUE;
  switch (lc_hls_packager_get_state (ll->hls))
    {
    case LC_HLS_ENDED:
    case LC_HLS_UNAVAILABLE:
    case LC_HLS_FAILED:
      return TRUE;
    case LC_HLS_WAITING:
    case LC_HLS_LIVE:
    default:
      return FALSE;
    }
}

static void
on_hls_state_changed (LcHlsPackager *hls, int state, gpointer user_data)
{
  LiveLesson *ll = user_data;

  g_debug ("lesson %s: HLS %s", ll->id, lc_hls_state_to_string ((LcHlsState)state));
  if (state == LC_HLS_FAILED)
    g_warning ("lesson %s: HLS failed: %s", ll->id,
               lc_hls_packager_get_error (hls) != NULL ? lc_hls_packager_get_error (hls) : "?");
  if (ll->ended)
    schedule_tick (ll->live);
}

static void
on_recorder_finished (LcRecorder *recorder, gboolean ok, gpointer user_data)
{
  LiveLesson *ll = user_data;

  g_info ("lesson %s: recording %s %s", ll->id, lc_recorder_get_recording_id (recorder),
          ok ? "ready" : "failed");
  /* The Recording row says h264; where the video came from is noted here. */
  if (ll->transcoder != NULL && lc_transcoder_is_transcoding (ll->transcoder))
    g_message ("lesson %s: recording %s: video transcoded from the publisher's VP8 to H.264 "
               "(%" G_GUINT64_FORMAT " frames)",
               ll->id, lc_recorder_get_recording_id (recorder),
               lc_transcoder_get_frames_encoded (ll->transcoder));
  ll->recorder_done = TRUE;
  schedule_tick (ll->live);
}

static void
on_consumer_failed (LcChannel *channel, LcConsumer *consumer, gpointer user_data)
{
  LiveLesson *ll = user_data;

  g_warning ("lesson %s: consumer %s failed and was removed; the lesson goes on", ll->id,
             lc_consumer_get_name (consumer));
  /* It will not finish: do not wait for it at the end. */
  if (ll->recorder != NULL && (gpointer)consumer == (gpointer)ll->recorder)
    ll->recorder_done = TRUE;
  if (ll->hls != NULL && (gpointer)consumer == (gpointer)ll->hls)
    ll->hls_done = TRUE;
}

static void
on_publisher_changed (LcChannel *channel, gboolean attached, gpointer user_data)
{
  LiveLesson *ll = user_data;

  g_debug ("lesson %s: publisher %s", ll->id, attached ? "attached" : "detached");
  if (attached)
    {
      clear_source (&ll->grace);
      ll->extensions = 0;
    }
  else if (ll->media_started && !ll->ended && ll->grace == NULL)
    /* Only starts the timer: nothing is freed inside the channel's signal. */
    publisher_gone (ll);
}

static void
fill_recording_meta (LiveLesson *ll, LcRecordingMeta *meta, LcSchool **school, LcAccount **teacher)
{
  LcStore *store = ll->live->store;
  g_autoptr (GError) error = NULL;

  *school = lc_store_get_school (store, ll->lesson->school_id, &error);
  if (*school == NULL)
    g_warning ("lesson %s: school for the recording's metadata: %s", ll->id, error->message);
  g_clear_error (&error);
  *teacher = lc_store_get_account (store, ll->lesson->teacher_id, &error);
  if (*teacher == NULL)
    g_warning ("lesson %s: teacher for the recording's metadata: %s", ll->id, error->message);

  meta->title = ll->lesson->title;
  meta->school = *school != NULL ? (*school)->short_name : NULL;
  /* The teacher's name goes into the file only with their consent. */
  meta->teacher
      = *teacher != NULL && (*teacher)->consent_publish_name ? (*teacher)->display_name : NULL;
  meta->subject = ll->lesson->subject;
  meta->starts_at = ll->lesson->starts_at;
  meta->ends_at = ll->lesson->ends_at;
}

static void
start_consumers (LiveLesson *ll)
{
  LcLive *live = ll->live;
  LcConfig *config = live->config;
  g_autoptr (GError) error = NULL;
  LcChannel *media = ll->channel; /* what HLS and the recorder consume */

  ll->fanout = lc_fanout_webrtcbin_new (ll->channel, live->ice,
                                        (guint)lc_config_get_int (config, "webrtc.max_viewers"));

  if (lc_config_get_bool (config, "media.transcode_vp8")
      && (lc_config_get_bool (config, "hls.enabled")
          || (lc_config_get_bool (config, "recording.enabled") && ll->lesson->recording)))
    {
      ll->transcoder = lc_transcoder_new (
          ll->channel, (guint)lc_config_get_int (config, "hls.segment_duration"));
      if (lc_transcoder_start (ll->transcoder, &error))
        {
          media = lc_transcoder_get_output (ll->transcoder);
          ll->output_handler
              = g_signal_connect (media, "consumer-failed", G_CALLBACK (on_consumer_failed), ll);
        }
      else
        {
          g_warning ("lesson %s: VP8 transcoding cannot start (a VP8 publisher gets no HLS or "
                     "recording): %s",
                     ll->id, error->message);
          g_clear_object (&ll->transcoder);
          g_clear_error (&error);
        }
    }

  if (lc_config_get_bool (config, "hls.enabled"))
    {
      g_autofree char *dir = g_build_filename (live->hls_dir, ll->id, NULL);

      ll->hls = lc_hls_packager_new (media, dir,
                                     (guint)lc_config_get_int (config, "hls.segment_duration"),
                                     (guint)lc_config_get_int (config, "hls.window"));
      ll->hls_handler
          = g_signal_connect (ll->hls, "state-changed", G_CALLBACK (on_hls_state_changed), ll);
      if (!lc_hls_packager_start (ll->hls, &error))
        {
          g_warning ("lesson %s: HLS cannot start: %s", ll->id, error->message);
          ll->hls_failed_to_start = TRUE;
          ll->hls_done = TRUE;
          g_clear_error (&error);
        }
    }

  ll->recorder_done = TRUE;
  if (lc_config_get_bool (config, "recording.enabled") && ll->lesson->recording)
    {
      g_autoptr (LcSchool) school = NULL;
      g_autoptr (LcAccount) teacher = NULL;
      LcRecordingMeta meta = { 0 };

      fill_recording_meta (ll, &meta, &school, &teacher);
      ll->recorder = lc_recorder_new (media, live->store, live->recordings_dir, ll->id, &meta);
      lc_recorder_set_fragment_duration (
          ll->recorder, (guint)lc_config_get_int (config, "recording.fragment_duration"));
      ll->recorder_handler
          = g_signal_connect (ll->recorder, "finished", G_CALLBACK (on_recorder_finished), ll);
      if (lc_recorder_start (ll->recorder, &error))
        ll->recorder_done = FALSE;
      else
        g_warning ("lesson %s: recording cannot start (the lesson goes on): %s", ll->id,
                   error->message);
    }
}

static void
on_media_started (LcChannel *channel, gpointer user_data)
{
  LiveLesson *ll = user_data;
  LcLive *live = ll->live;
  g_autoptr (GError) error = NULL;
  g_autofree char *details = NULL;

  if (ll->media_started || ll->ended)
    return;
  ll->media_started = TRUE;
  ll->started_at = lc_time_now ();

  if (!lc_store_set_lesson_status (live->store, ll->id, LC_LESSON_LIVE, &error))
    g_warning ("lesson %s: cannot mark it live: %s", ll->id, error->message);
  ll->lesson->status = LC_LESSON_LIVE;
  details
      = g_strdup_printf ("{\"publisher\":\"%s\"}", ll->synthetic != NULL ? "synthetic" : "whip");
  lc_store_audit (live->store, NULL, "lesson.live", "lesson", ll->id, ll->publisher_client,
                  details);
  g_message ("lesson %s: live", ll->id);

  start_consumers (ll);
}

static LiveLesson *
lesson_new (LcLive *live, const LcLesson *lesson)
{
  LiveLesson *ll = g_new0 (LiveLesson, 1);

  ll->live = live;
  ll->id = g_strdup (lesson->id);
  ll->lesson = lc_lesson_copy (lesson);
  ll->channel = lc_channel_new (lesson->id);
  ll->channel_handlers[0]
      = g_signal_connect (ll->channel, "media-started", G_CALLBACK (on_media_started), ll);
  ll->channel_handlers[1]
      = g_signal_connect (ll->channel, "publisher-changed", G_CALLBACK (on_publisher_changed), ll);
  ll->channel_handlers[2]
      = g_signal_connect (ll->channel, "consumer-failed", G_CALLBACK (on_consumer_failed), ll);
  ll->viewers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)session_free);
  ll->hls_clients = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (live->lessons, ll->id, ll);
  return ll;
}

static void
close_viewers (LiveLesson *ll)
{
  /* Ours first (handlers disconnected), then whatever the fan-out still has. */
  g_hash_table_remove_all (ll->viewers);
  if (ll->fanout != NULL)
    lc_fanout_close_all (ll->fanout);
}

static void
free_lesson (LiveLesson *ll)
{
  if (ll == NULL)
    return;
  clear_source (&ll->grace);
  clear_source (&ll->ending_timeout);
  detach_publisher (ll);
  if (ll->synthetic != NULL)
    {
      lc_synthetic_source_stop (ll->synthetic);
      g_clear_object (&ll->synthetic);
    }
  close_viewers (ll);
  g_clear_pointer (&ll->viewers, g_hash_table_unref);
  g_clear_object (&ll->fanout);
  for (guint i = 0; i < G_N_ELEMENTS (ll->channel_handlers); i++)
    if (ll->channel_handlers[i] != 0)
      g_signal_handler_disconnect (ll->channel, ll->channel_handlers[i]);
  if (!ll->ended)
    lc_channel_finish (ll->channel);
  if (ll->transcoder != NULL)
    lc_consumer_finish (LC_CONSUMER (ll->transcoder)); /* idempotent; also after a failure */
  if (ll->hls_handler != 0)
    g_signal_handler_disconnect (ll->hls, ll->hls_handler);
  g_clear_object (&ll->hls);
  if (ll->recorder_handler != 0)
    g_signal_handler_disconnect (ll->recorder, ll->recorder_handler);
  g_clear_object (&ll->recorder);
  if (ll->output_handler != 0)
    g_signal_handler_disconnect (lc_transcoder_get_output (ll->transcoder), ll->output_handler);
  g_clear_object (&ll->transcoder);
  g_clear_object (&ll->channel);
  g_clear_pointer (&ll->hls_clients, g_hash_table_unref);
  g_clear_pointer (&ll->lesson, lc_lesson_free);
  g_free (ll->publisher_client);
  g_free (ll->id);
  g_free (ll);
}

/* A lesson that never had media goes away without a trace. */
static void
drop_lesson (LiveLesson *ll)
{
  g_info ("lesson %s: publisher gone before any media; nothing to end", ll->id);
  /* The table's free function frees it. */
  g_hash_table_remove (ll->live->lessons, ll->id);
}

static gboolean
on_ending_timeout (gpointer user_data)
{
  LiveLesson *ll = user_data;

  g_clear_pointer (&ll->ending_timeout, g_source_unref);
  g_warning ("lesson %s: HLS/recording did not finish within %d s; letting go", ll->id,
             ENDING_TIMEOUT_S);
  ll->recorder_done = TRUE;
  ll->hls_done = TRUE;
  schedule_tick (ll->live);
  return G_SOURCE_REMOVE;
}

static void
end_lesson (LiveLesson *ll, const char *reason)
{
  LcLive *live = ll->live;
  g_autoptr (GError) error = NULL;

  if (ll->ended)
    return;
  ll->ended = TRUE;
  g_hash_table_steal (live->lessons, ll->id);
  clear_source (&ll->grace);

  if (ll->synthetic != NULL)
    lc_synthetic_source_stop (ll->synthetic);
  detach_publisher (ll);
  close_viewers (ll);
  /* HLS writes ENDLIST, the recorder finalises (in its worker). With a
   * transcoder in between, its finish drains the encoder first (it is
   * called again here in case it failed and left the channel). */
  lc_channel_finish (ll->channel);
  if (ll->transcoder != NULL)
    lc_consumer_finish (LC_CONSUMER (ll->transcoder));

  if (ll->media_started)
    {
      g_autofree char *details = NULL;

      if (!lc_store_set_lesson_status (live->store, ll->id, LC_LESSON_ENDED, &error))
        g_warning ("lesson %s: cannot mark it ended: %s", ll->id, error->message);
      details = g_strdup_printf ("{\"reason\":\"%s\",\"duration_s\":%" G_GINT64_FORMAT "}", reason,
                                 MAX (lc_time_now () - ll->started_at, 0));
      lc_store_audit (live->store, NULL, "lesson.ended", "lesson", ll->id, NULL, details);
      g_message ("lesson %s: ended (%s)", ll->id, reason);
    }

  g_ptr_array_add (live->ending, ll);
  ll->ending_timeout = attach_timeout (live, ENDING_TIMEOUT_S * 1000, on_ending_timeout, ll);
  schedule_tick (live);
}

static gboolean
on_grace_expired (gpointer user_data)
{
  LiveLesson *ll = user_data;
  LcSessionState state = ll->publisher != NULL
                             ? lc_webrtc_session_get_state (ll->publisher->session)
                             : LC_SESSION_CLOSED;

  g_clear_pointer (&ll->grace, g_source_unref);
  if (lc_channel_has_publisher (ll->channel))
    return G_SOURCE_REMOVE;
  if ((state == LC_SESSION_NEW || state == LC_SESSION_CONNECTING || state == LC_SESSION_CONNECTED)
      && ll->extensions < MAX_EXTENSIONS)
    {
      /* A new publisher is on its way: give it a moment. */
      ll->extensions++;
      ll->grace = attach_timeout (ll->live, EXTENSION_S * 1000, on_grace_expired, ll);
      return G_SOURCE_REMOVE;
    }
  g_message ("lesson %s: the publisher did not come back within the grace period", ll->id);
  end_lesson (ll, "publisher-timeout");
  return G_SOURCE_REMOVE;
}

static void
publisher_gone (LiveLesson *ll)
{
  gint64 grace;

  if (ll->ended)
    return;
  if (!ll->media_started)
    {
      if (ll->publisher == NULL && ll->synthetic == NULL)
        drop_lesson (ll);
      return;
    }
  if (ll->grace != NULL)
    return;
  grace = lc_config_get_int (ll->live->config, "lessons.publisher_grace");
  g_message ("lesson %s: publisher gone; waiting %" G_GINT64_FORMAT " s for it to come back",
             ll->id, grace);
  ll->grace = attach_timeout (ll->live, (guint)grace * 1000, on_grace_expired, ll);
}

/* ---- GObject ---- */

static void
lc_live_dispose (GObject *object)
{
  LcLive *live = LC_LIVE (object);

  clear_source (&live->tick);
  clear_source (&live->shutdown_timer);
  if (live->lessons != NULL)
    g_hash_table_remove_all (live->lessons);
  if (live->ending != NULL)
    g_ptr_array_set_size (live->ending, 0);
  g_clear_object (&live->store);
  G_OBJECT_CLASS (lc_live_parent_class)->dispose (object);
}

static void
lc_live_finalize (GObject *object)
{
  LcLive *live = LC_LIVE (object);

  g_clear_pointer (&live->lessons, g_hash_table_unref);
  g_clear_pointer (&live->ending, g_ptr_array_unref);
  g_clear_pointer (&live->config, lc_config_unref);
  g_clear_pointer (&live->ice, lc_ice_config_free);
  g_clear_pointer (&live->context, g_main_context_unref);
  g_free (live->hls_dir);
  g_free (live->recordings_dir);
  G_OBJECT_CLASS (lc_live_parent_class)->finalize (object);
}

static void
lc_live_class_init (LcLiveClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lc_live_dispose;
  object_class->finalize = lc_live_finalize;
}

static void
lc_live_init (LcLive *live)
{
  live->lessons
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)free_lesson);
  live->ending = g_ptr_array_new_with_free_func ((GDestroyNotify)free_lesson);
}

LcLive *
lc_live_new (LcStore *store, LcConfig *config, const LcIceConfig *ice, const char *data_dir)
{
  g_autoptr (GError) error = NULL;
  LcLive *live;

  g_return_val_if_fail (LC_IS_STORE (store), NULL);
  g_return_val_if_fail (config != NULL && ice != NULL && data_dir != NULL, NULL);

  /* Idempotent; the daemon has usually done it (media check) already. */
  if (!gst_init_check (NULL, NULL, &error))
    g_warning ("GStreamer cannot be initialised: %s; live lessons will fail", error->message);

  live = g_object_new (LC_TYPE_LIVE, NULL);
  live->context = g_main_context_ref_thread_default ();
  live->store = g_object_ref (store);
  live->config = lc_config_ref (config);
  live->ice = lc_ice_config_copy (ice);
  live->hls_dir = g_build_filename (data_dir, "hls", NULL);
  live->recordings_dir = g_build_filename (data_dir, "recordings", NULL);
  return live;
}

const LcIceConfig *
lc_live_get_ice (LcLive *live)
{
  g_return_val_if_fail (LC_IS_LIVE (live), NULL);
  return live->ice;
}

const char *
lc_live_get_hls_dir (LcLive *live)
{
  g_return_val_if_fail (LC_IS_LIVE (live), NULL);
  return live->hls_dir;
}

const char *
lc_live_get_recordings_dir (LcLive *live)
{
  g_return_val_if_fail (LC_IS_LIVE (live), NULL);
  return live->recordings_dir;
}

gint
lc_live_end_stale_lessons (LcLive *live, GError **error)
{
  g_autoptr (GPtrArray) lessons = NULL;
  LcLessonFilter filter = { 0 };
  gint n = 0;

  g_return_val_if_fail (LC_IS_LIVE (live), -1);

  filter.scope = LC_LESSON_SCOPE_ALL;
  filter.status = LC_LESSON_LIVE;
  lessons = lc_store_list_lessons (live->store, &filter, error);
  if (lessons == NULL)
    return -1;
  for (guint i = 0; i < lessons->len; i++)
    {
      const LcLesson *lesson = g_ptr_array_index (lessons, i);

      if (find_lesson (live, lesson->id) != NULL)
        continue;
      if (!lc_store_set_lesson_status (live->store, lesson->id, LC_LESSON_ENDED, error))
        return -1;
      lc_store_audit (live->store, NULL, "lesson.ended", "lesson", lesson->id, NULL,
                      "{\"reason\":\"restart\"}");
      g_message ("lesson %s: was live when the server stopped; now ended", lesson->id);
      n++;
    }
  return n;
}

/* ---- answering (WHIP and WHEP) ---- */

static gboolean
lesson_is_over (const LcLesson *lesson, GError **error)
{
  if (lesson->status == LC_LESSON_CANCELLED || lesson->status == LC_LESSON_ENDED)
    {
      lc_set_error (error, LC_ERROR_FORBIDDEN, NULL, "the lesson %s",
                    lesson->status == LC_LESSON_CANCELLED ? "was cancelled" : "has ended");
      return TRUE;
    }
  return FALSE;
}

static gboolean
check_running (LcLive *live, GError **error)
{
  if (!live->stopping)
    return TRUE;
  lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL, "the server is shutting down");
  if (error != NULL)
    lc_error_set_retry_after (*error, 5);
  return FALSE;
}

static gboolean
publisher_is_busy (LiveLesson *ll)
{
  LcSessionState state;

  if (ll->synthetic != NULL)
    return TRUE;
  if (ll->publisher == NULL)
    return FALSE;
  state = lc_webrtc_session_get_state (ll->publisher->session);
  return state == LC_SESSION_NEW || state == LC_SESSION_CONNECTING || state == LC_SESSION_CONNECTED;
}

static void
on_answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  LcLive *live = g_task_get_source_object (task);
  SessionRef *ref = g_task_get_task_data (task);
  LcWebrtcSession *session = LC_WEBRTC_SESSION (source);
  g_autoptr (GError) error = NULL;
  g_autofree char *sdp = NULL;
  LiveSession *s;
  LcLiveAnswer *answer;

  sdp = lc_webrtc_session_answer_finish (session, result, &error);
  s = find_session (live, ref->role, ref->lesson_id, ref->session_id);
  if (sdp == NULL || s == NULL || g_task_return_error_if_cancelled (task))
    {
      LiveLesson *ll = find_lesson (live, ref->lesson_id);

      if (s != NULL)
        {
          g_info ("lesson %s: %s %s: no answer: %s", ref->lesson_id,
                  ref->role == LC_LIVE_PUBLISHER ? "publisher" : "viewer", ref->session_id,
                  error != NULL ? error->message : "the client went away");
          if (ref->role == LC_LIVE_VIEWER)
            remove_viewer (ll, s);
          else
            {
              detach_publisher (ll);
              publisher_gone (ll);
            }
        }
      else
        lc_webrtc_session_close (session);
      if (g_task_had_error (task))
        return;
      if (error != NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, LC_ERROR, LC_ERROR_CONFLICT,
                                 "the session ended while it was being answered");
      return;
    }

  s->answered = TRUE;
  if (lc_webrtc_session_get_state (s->session) != LC_SESSION_CONNECTED)
    s->connect_timeout = attach_timeout (live, CONNECT_TIMEOUT_S * 1000, on_connect_timeout, s);
  answer = g_new0 (LcLiveAnswer, 1);
  answer->session_id = g_strdup (s->id);
  answer->etag = g_strdup (s->etag);
  answer->sdp = g_steal_pointer (&sdp);
  g_task_return_pointer (task, answer, (GDestroyNotify)lc_live_answer_free);
}

/* Parse and check an offer; the remote ufrag is returned for restarts. */
static gboolean
check_offer (LcLive *live, const char *offer_sdp, gboolean for_whep, char **ufrag, GError **error)
{
  g_auto (LcSdpOffer) offer = { 0 };

  if (!lc_sdp_parse_offer (offer_sdp, for_whep, &offer, error))
    return FALSE;
  if (!for_whep && offer.h264_pt < 0 && offer.vp8_pt >= 0
      && !lc_config_get_bool (live->config, "media.allow_vp8"))
    {
      lc_set_error (error, LC_ERROR_INVALID, NULL,
                    "the offer has VP8 video but no H.264 (packetization-mode=1); this server "
                    "accepts H.264 only");
      return FALSE;
    }
  *ufrag = g_strdup (offer.ice_ufrag);
  return TRUE;
}

void
lc_live_publish_async (LcLive *live, const LcLesson *lesson, const char *offer_sdp,
                       const char *client, GCancellable *cancellable, GAsyncReadyCallback callback,
                       gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *ufrag = NULL;
  LcWhipIngest *ingest;
  LiveLesson *ll;
  LiveSession *s;

  g_return_if_fail (LC_IS_LIVE (live));
  g_return_if_fail (lesson != NULL && offer_sdp != NULL);

  task = g_task_new (live, cancellable, callback, user_data);
  g_task_set_source_tag (task, lc_live_publish_async);
  if (!check_running (live, &error) || lesson_is_over (lesson, &error)
      || !check_offer (live, offer_sdp, FALSE, &ufrag, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  ll = find_lesson (live, lesson->id);
  if (ll != NULL && publisher_is_busy (ll))
    {
      g_task_return_new_error (task, LC_ERROR, LC_ERROR_CONFLICT,
                               "the lesson already has a publisher; stop it first");
      return;
    }
  if (ll == NULL)
    ll = lesson_new (live, lesson);
  else
    /* A disconnected or failed publisher is replaced by the new one. */
    detach_publisher (ll);

  ingest = lc_whip_ingest_new (ll->channel, live->ice);
  if (ingest != NULL)
    lc_whip_ingest_set_allow_vp8 (ingest, lc_config_get_bool (live->config, "media.allow_vp8"));
  if (ingest == NULL)
    {
      g_task_return_new_error (task, LC_ERROR, LC_ERROR_UNAVAILABLE,
                               "the media engine cannot take a publisher");
      publisher_gone (ll);
      return;
    }
  s = session_new (ll, LC_LIVE_PUBLISHER, LC_WEBRTC_SESSION (ingest), ufrag, client);
  ll->publisher = s;
  g_free (ll->publisher_client);
  ll->publisher_client = g_strdup (client);
  g_info ("lesson %s: publisher %s from %s", ll->id, s->id, client != NULL ? client : "-");

  g_task_set_task_data (task, session_ref_new (s), session_ref_free);
  lc_webrtc_session_answer_async (s->session, offer_sdp, cancellable, on_answered,
                                  g_steal_pointer (&task));
}

LcLiveAnswer *
lc_live_publish_finish (LcLive *live, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, live), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
lc_live_view_async (LcLive *live, const LcLesson *lesson, const char *offer_sdp, const char *client,
                    GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *ufrag = NULL;
  LcWebrtcSession *viewer;
  LiveLesson *ll;
  LiveSession *s;

  g_return_if_fail (LC_IS_LIVE (live));
  g_return_if_fail (lesson != NULL && offer_sdp != NULL);

  task = g_task_new (live, cancellable, callback, user_data);
  g_task_set_source_tag (task, lc_live_view_async);
  if (!check_running (live, &error) || lesson_is_over (lesson, &error)
      || !check_offer (live, offer_sdp, TRUE, &ufrag, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  ll = find_lesson (live, lesson->id);
  if (ll == NULL || !ll->media_started)
    {
      g_task_return_new_error (task, LC_ERROR, LC_ERROR_CONFLICT, "the lesson is not live yet");
      return;
    }
  if (ll->fanout == NULL)
    {
      g_task_return_new_error (task, LC_ERROR, LC_ERROR_UNAVAILABLE,
                               "live viewing is not available for this lesson");
      return;
    }
  viewer = lc_fanout_add_viewer (ll->fanout, &error);
  if (viewer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  s = session_new (ll, LC_LIVE_VIEWER, viewer, ufrag, client);
  g_hash_table_insert (ll->viewers, s->id, s);
  g_debug ("lesson %s: viewer %s from %s", ll->id, s->id, client != NULL ? client : "-");

  g_task_set_task_data (task, session_ref_new (s), session_ref_free);
  lc_webrtc_session_answer_async (s->session, offer_sdp, cancellable, on_answered,
                                  g_steal_pointer (&task));
}

LcLiveAnswer *
lc_live_view_finish (LcLive *live, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, live), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- PATCH, DELETE ---- */

/* If-Match: "*" or a list of entity tags, compared strongly (RFC 9110 13.1.1). */
static gboolean
if_match_matches (const char *header, const char *etag)
{
  g_auto (GStrv) tags = g_strsplit (header, ",", 32);

  for (guint i = 0; tags[i] != NULL; i++)
    {
      const char *tag = g_strstrip (tags[i]);

      if (strcmp (tag, "*") == 0 || strcmp (tag, etag) == 0)
        return TRUE;
    }
  return FALSE;
}

static LiveSession *
lookup_session (LcLive *live, LcLiveRole role, const char *lesson_id, const char *session_id,
                GError **error)
{
  LiveSession *s = find_session (live, role, lesson_id, session_id);

  if (s != NULL)
    {
      LcSessionState state = lc_webrtc_session_get_state (s->session);

      /* Reaped or failed, and its state change not handled yet: gone now. */
      if (state == LC_SESSION_FAILED || state == LC_SESSION_CLOSED)
        {
          check_session (s, FALSE);
          s = NULL;
        }
    }
  if (s == NULL)
    lc_set_error (error, LC_ERROR_NOT_FOUND, NULL, "no such session");
  return s;
}

typedef struct
{
  SessionRef *ref;
  char *ufrag;
} RestartData;

static void
restart_data_free (gpointer p)
{
  RestartData *data = p;

  session_ref_free (data->ref);
  g_free (data->ufrag);
  g_free (data);
}

static void
on_restarted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  LcLive *live = g_task_get_source_object (task);
  RestartData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autofree char *fragment = NULL;
  LcLiveAnswer *answer;
  LiveSession *s;

  fragment = lc_webrtc_session_restart_finish (LC_WEBRTC_SESSION (source), result, &error);
  if (fragment == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  s = find_session (live, data->ref->role, data->ref->lesson_id, data->ref->session_id);
  if (s == NULL)
    {
      g_task_return_new_error (task, LC_ERROR, LC_ERROR_NOT_FOUND,
                               "the session ended during the ICE restart");
      return;
    }
  g_free (s->remote_ufrag);
  s->remote_ufrag = g_steal_pointer (&data->ufrag);
  g_free (s->etag);
  s->etag = new_etag ();
  g_info ("lesson %s: session %s: ICE restart", s->lesson->id, s->id);

  answer = g_new0 (LcLiveAnswer, 1);
  answer->session_id = g_strdup (s->id);
  answer->etag = g_strdup (s->etag);
  answer->sdp = g_steal_pointer (&fragment);
  g_task_return_pointer (task, answer, (GDestroyNotify)lc_live_answer_free);
}

void
lc_live_patch_async (LcLive *live, LcLiveRole role, const char *lesson_id, const char *session_id,
                     const char *if_match, const char *sdpfrag, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (LcSdpFragment) frag = { 0 };
  LiveSession *s;
  RestartData *data;

  g_return_if_fail (LC_IS_LIVE (live));
  g_return_if_fail (sdpfrag != NULL);

  task = g_task_new (live, cancellable, callback, user_data);
  g_task_set_source_tag (task, lc_live_patch_async);
  s = lookup_session (live, role, lesson_id, session_id, &error);
  if (s == NULL || !lc_sdp_parse_fragment (sdpfrag, &frag, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (if_match != NULL && !if_match_matches (if_match, s->etag))
    {
      g_task_return_new_error (task, LC_ERROR, LC_ERROR_PRECONDITION_FAILED,
                               "If-Match does not match the session's current ETag");
      return;
    }

  if (frag.ice_ufrag == NULL || g_strcmp0 (frag.ice_ufrag, s->remote_ufrag) == 0)
    {
      LcLiveAnswer *answer;

      if (!lc_webrtc_session_add_remote_candidates (s->session, sdpfrag, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      answer = g_new0 (LcLiveAnswer, 1);
      answer->session_id = g_strdup (s->id);
      answer->etag = g_strdup (s->etag);
      g_task_return_pointer (task, answer, (GDestroyNotify)lc_live_answer_free);
      return;
    }

  if (if_match == NULL)
    {
      g_task_return_new_error (task, LC_ERROR, LC_ERROR_PRECONDITION_FAILED,
                               "an ICE restart needs If-Match with the session's ETag");
      return;
    }
  if (frag.ice_pwd == NULL)
    {
      g_task_return_new_error (task, LC_ERROR, LC_ERROR_MALFORMED,
                               "an ICE restart needs both a=ice-ufrag and a=ice-pwd");
      return;
    }
  data = g_new0 (RestartData, 1);
  data->ref = session_ref_new (s);
  data->ufrag = g_strdup (frag.ice_ufrag);
  g_task_set_task_data (task, data, restart_data_free);
  lc_webrtc_session_restart_async (s->session, sdpfrag, cancellable, on_restarted,
                                   g_steal_pointer (&task));
}

LcLiveAnswer *
lc_live_patch_finish (LcLive *live, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, live), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
lc_live_delete_session (LcLive *live, LcLiveRole role, const char *lesson_id,
                        const char *session_id, GError **error)
{
  LiveSession *s;
  LiveLesson *ll;

  g_return_val_if_fail (LC_IS_LIVE (live), FALSE);

  /* A publisher's DELETE ends the broadcast even if its session just failed. */
  s = role == LC_LIVE_PUBLISHER ? find_session (live, role, lesson_id, session_id)
                                : lookup_session (live, role, lesson_id, session_id, error);
  if (s == NULL)
    {
      if (role == LC_LIVE_PUBLISHER)
        lc_set_error (error, LC_ERROR_NOT_FOUND, NULL, "no such session");
      return FALSE;
    }
  ll = s->lesson;
  if (role == LC_LIVE_VIEWER)
    {
      g_debug ("lesson %s: viewer %s left", ll->id, s->id);
      remove_viewer (ll, s);
      return TRUE;
    }
  g_info ("lesson %s: publisher %s stopped the broadcast", ll->id, s->id);
  if (ll->media_started)
    end_lesson (ll, "deleted");
  else
    {
      detach_publisher (ll);
      drop_lesson (ll);
    }
  return TRUE;
}

/* ---- demo ---- */

gboolean
lc_live_start_synthetic (LcLive *live, const LcLesson *lesson, GError **error)
{
  LiveLesson *ll;

  g_return_val_if_fail (LC_IS_LIVE (live), FALSE);
  g_return_val_if_fail (lesson != NULL, FALSE);

  if (!check_running (live, error) || lesson_is_over (lesson, error))
    return FALSE;
  if (find_lesson (live, lesson->id) != NULL)
    {
      lc_set_error (error, LC_ERROR_CONFLICT, NULL, "the lesson already has a publisher");
      return FALSE;
    }
  ll = lesson_new (live, lesson);
  ll->synthetic = lc_synthetic_source_new (ll->channel, SYNTHETIC_WIDTH, SYNTHETIC_HEIGHT,
                                           SYNTHETIC_FPS, lesson->title);
  if (!lc_synthetic_source_start (ll->synthetic, error))
    {
      g_clear_object (&ll->synthetic);
      drop_lesson (ll);
      return FALSE;
    }
  return TRUE;
}

/* ---- state ---- */

gboolean
lc_live_is_live (LcLive *live, const char *lesson_id)
{
  LiveLesson *ll;

  g_return_val_if_fail (LC_IS_LIVE (live), FALSE);
  ll = find_lesson (live, lesson_id);
  return ll != NULL && ll->media_started;
}

static guint
count_hls_viewers (LiveLesson *ll, gint64 now)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, ll->hls_clients);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      if (now - *(gint64 *)value <= HLS_VIEWER_WINDOW_US)
        n++;
      else
        g_hash_table_iter_remove (&iter);
    }
  return n;
}

static const char *
hls_state_name (LiveLesson *ll)
{
  if (ll->hls == NULL)
    return "unavailable";
  if (ll->hls_failed_to_start)
    return "failed";
  if (ll->transcoder != NULL && lc_transcoder_get_error (ll->transcoder) != NULL
      && lc_hls_packager_get_state (ll->hls) != LC_HLS_ENDED)
    return "failed";
  return lc_hls_state_to_string (lc_hls_packager_get_state (ll->hls));
}

/* Why HLS is unavailable or failed (nullable). */
static const char *
hls_reason (LiveLesson *ll)
{
  if (ll->hls == NULL)
    return lc_config_get_bool (ll->live->config, "hls.enabled")
               ? "HLS could not be set up for this lesson"
               : "HLS is switched off on this server (hls.enabled = false)";
  if (ll->transcoder != NULL && lc_transcoder_get_error (ll->transcoder) != NULL)
    return lc_transcoder_get_error (ll->transcoder);
  switch (lc_hls_packager_get_state (ll->hls))
    {
    case LC_HLS_UNAVAILABLE:
    case LC_HLS_FAILED:
      return lc_hls_packager_get_error (ll->hls);
    default:
      return ll->hls_failed_to_start ? "HLS could not be set up for this lesson" : NULL;
    }
}

JsonNode *
lc_live_dup_status_json (LcLive *live, const char *lesson_id)
{
  LiveLesson *ll;
  JsonObject *o, *viewers;
  JsonNode *node;
  g_autofree char *started = NULL;
  const char *codec;
  gboolean connected;

  g_return_val_if_fail (LC_IS_LIVE (live), NULL);
  ll = find_lesson (live, lesson_id);
  if (ll == NULL || !ll->media_started)
    return NULL;

  connected
      = ll->synthetic != NULL || (lc_channel_has_publisher (ll->channel) && ll->grace == NULL);
  o = json_object_new ();
  json_object_set_string_member (o, "publisher", connected ? "connected" : "reconnecting");
  started = lc_time_format_rfc3339 (ll->started_at);
  json_object_set_string_member (o, "started_at", started);
  codec = lc_channel_get_video_codec (ll->channel);
  if (codec != NULL)
    json_object_set_string_member (o, "video_codec", codec);
  else
    json_object_set_null_member (o, "video_codec");
  json_object_set_string_member (o, "hls", hls_state_name (ll));
  if (hls_reason (ll) != NULL)
    json_object_set_string_member (o, "hls_reason", hls_reason (ll));
  viewers = json_object_new ();
  json_object_set_int_member (viewers, "webrtc",
                              ll->fanout != NULL ? lc_fanout_get_viewer_count (ll->fanout) : 0);
  json_object_set_int_member (viewers, "hls", count_hls_viewers (ll, g_get_monotonic_time ()));
  json_object_set_object_member (o, "viewers", viewers);

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, o);
  return node;
}

void
lc_live_note_hls_client (LcLive *live, const char *lesson_id, const char *client)
{
  LiveLesson *ll;
  gint64 *seen;

  g_return_if_fail (LC_IS_LIVE (live));
  ll = find_lesson (live, lesson_id);
  if (ll == NULL || client == NULL)
    return;
  if (g_hash_table_size (ll->hls_clients) >= HLS_CLIENTS_MAX)
    {
      count_hls_viewers (ll, g_get_monotonic_time ()); /* prunes */
      if (g_hash_table_size (ll->hls_clients) >= HLS_CLIENTS_MAX)
        return;
    }
  seen = g_new (gint64, 1);
  *seen = g_get_monotonic_time ();
  g_hash_table_replace (ll->hls_clients, g_strdup (client), seen);
}

/* ---- shutdown ---- */

static gboolean
on_shutdown_timeout (gpointer user_data)
{
  LcLive *live = user_data;
  g_autoptr (GTask) task = g_steal_pointer (&live->shutdown_task);

  g_clear_pointer (&live->shutdown_timer, g_source_unref);
  if (live->ending->len > 0)
    g_message ("shutdown: %u lesson(s) still finalising; start-up recovery will finish them",
               live->ending->len);
  g_ptr_array_set_size (live->ending, 0);
  if (task != NULL)
    g_task_return_boolean (task, TRUE);
  return G_SOURCE_REMOVE;
}

void
lc_live_shutdown_async (LcLive *live, guint timeout, GAsyncReadyCallback callback,
                        gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GList) lessons = NULL;

  g_return_if_fail (LC_IS_LIVE (live));
  g_return_if_fail (live->shutdown_task == NULL);

  task = g_task_new (live, NULL, callback, user_data);
  g_task_set_source_tag (task, lc_live_shutdown_async);
  live->stopping = TRUE;
  lessons = g_hash_table_get_values (live->lessons);
  for (GList *l = lessons; l != NULL; l = l->next)
    {
      LiveLesson *ll = l->data;

      if (ll->media_started)
        end_lesson (ll, "shutdown");
      else
        drop_lesson (ll);
    }
  live->shutdown_task = g_steal_pointer (&task);
  live->shutdown_timer = attach_timeout (live, timeout * 1000, on_shutdown_timeout, live);
  schedule_tick (live);
}

void
lc_live_shutdown_finish (LcLive *live, GAsyncResult *result)
{
  g_return_if_fail (g_task_is_valid (result, live));
  g_task_propagate_boolean (G_TASK (result), NULL);
}
