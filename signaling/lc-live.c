/* lc-live.c — LcLive: the registry of live lessons and their lifecycle (see
 * lc-live.h). Per lesson a LiveLesson holds the channel, the current
 * publisher, the viewers, the fan-out, HLS packager and recorder, and the
 * grace timer. All on the main context; anything that could
 * free objects while they emit a signal is deferred to an idle. This file
 * keeps the registry, the lesson lifecycle (media start, grace, end), the
 * consumers, the demo source, the GObject and shutdown; answering WHIP/WHEP
 * and the session resources are in lc-live-sessions.c, the API's status in
 * lc-live-status.c (shared state: lc-live-private.h). */
#include "signaling/lc-live-private.h"

#include "common/lc-error.h"
#include "common/lc-source.h"
#include "common/lc-time.h"

/* Grace expiry while a new publisher is still connecting: wait this much
 * more, at most MAX_EXTENSIONS times. */
#define EXTENSION_S 10
#define MAX_EXTENSIONS 3
/* Ended lessons wait this long at most for HLS and the recorder to finish
 * (outside shutdown, which has its own timeout). */
#define ENDING_TIMEOUT_S 600
/* The demo broadcast. */
#define SYNTHETIC_WIDTH 640
#define SYNTHETIC_HEIGHT 360
#define SYNTHETIC_FPS 25

G_DEFINE_FINAL_TYPE (LcLive, lc_live, G_TYPE_OBJECT)

static void free_lesson (LiveLesson *ll);

/* ---- sources on the live's context ---- */

GSource *
lc_live_attach_timeout (LcLive *live, guint ms, GSourceFunc func, gpointer data)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, live->context);
  return source;
}

/* ---- lessons ---- */

LiveLesson *
lc_live_find_lesson (LcLive *live, const char *lesson_id)
{
  return lesson_id != NULL ? g_hash_table_lookup (live->lessons, lesson_id) : NULL;
}

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

      lc_source_clear (&live->shutdown_timer);
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
      lc_source_clear (&ll->grace);
      ll->extensions = 0;
    }
  else if (ll->media_started && !ll->ended && ll->grace == NULL)
    /* Only starts the timer: nothing is freed inside the channel's signal. */
    lc_live_publisher_gone (ll);
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

LiveLesson *
lc_live_lesson_new (LcLive *live, const LcLesson *lesson)
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
  ll->viewers
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)lc_live_session_free);
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
  lc_source_clear (&ll->grace);
  lc_source_clear (&ll->ending_timeout);
  lc_live_detach_publisher (ll);
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
void
lc_live_drop_lesson (LiveLesson *ll)
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

void
lc_live_end_lesson (LiveLesson *ll, const char *reason)
{
  LcLive *live = ll->live;
  g_autoptr (GError) error = NULL;

  if (ll->ended)
    return;
  ll->ended = TRUE;
  g_hash_table_steal (live->lessons, ll->id);
  lc_source_clear (&ll->grace);

  if (ll->synthetic != NULL)
    lc_synthetic_source_stop (ll->synthetic);
  lc_live_detach_publisher (ll);
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
  ll->ending_timeout
      = lc_live_attach_timeout (live, ENDING_TIMEOUT_S * 1000, on_ending_timeout, ll);
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
      ll->grace = lc_live_attach_timeout (ll->live, EXTENSION_S * 1000, on_grace_expired, ll);
      return G_SOURCE_REMOVE;
    }
  g_message ("lesson %s: the publisher did not come back within the grace period", ll->id);
  lc_live_end_lesson (ll, "publisher-timeout");
  return G_SOURCE_REMOVE;
}

void
lc_live_publisher_gone (LiveLesson *ll)
{
  gint64 grace;

  if (ll->ended)
    return;
  if (!ll->media_started)
    {
      if (ll->publisher == NULL && ll->synthetic == NULL)
        lc_live_drop_lesson (ll);
      return;
    }
  if (ll->grace != NULL)
    return;
  grace = lc_config_get_int (ll->live->config, "lessons.publisher_grace");
  g_message ("lesson %s: publisher gone; waiting %" G_GINT64_FORMAT " s for it to come back",
             ll->id, grace);
  ll->grace = lc_live_attach_timeout (ll->live, (guint)grace * 1000, on_grace_expired, ll);
}

/* ---- GObject ---- */

static void
lc_live_dispose (GObject *object)
{
  LcLive *live = LC_LIVE (object);

  lc_source_clear (&live->tick);
  lc_source_clear (&live->shutdown_timer);
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

      if (lc_live_find_lesson (live, lesson->id) != NULL)
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

/* ---- checks before a new publisher or viewer ---- */

gboolean
lc_live_lesson_is_over (const LcLesson *lesson, GError **error)
{
  if (lesson->status == LC_LESSON_CANCELLED || lesson->status == LC_LESSON_ENDED)
    {
      lc_set_error (error, LC_ERROR_FORBIDDEN, NULL, "the lesson %s",
                    lesson->status == LC_LESSON_CANCELLED ? "was cancelled" : "has ended");
      return TRUE;
    }
  return FALSE;
}

gboolean
lc_live_check_running (LcLive *live, GError **error)
{
  if (!live->stopping)
    return TRUE;
  lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL, "the server is shutting down");
  if (error != NULL)
    lc_error_set_retry_after (*error, 5);
  return FALSE;
}

/* ---- demo ---- */

gboolean
lc_live_start_synthetic (LcLive *live, const LcLesson *lesson, GError **error)
{
  LiveLesson *ll;

  g_return_val_if_fail (LC_IS_LIVE (live), FALSE);
  g_return_val_if_fail (lesson != NULL, FALSE);

  if (!lc_live_check_running (live, error) || lc_live_lesson_is_over (lesson, error))
    return FALSE;
  if (lc_live_find_lesson (live, lesson->id) != NULL)
    {
      lc_set_error (error, LC_ERROR_CONFLICT, NULL, "the lesson already has a publisher");
      return FALSE;
    }
  ll = lc_live_lesson_new (live, lesson);
  ll->synthetic = lc_synthetic_source_new (ll->channel, SYNTHETIC_WIDTH, SYNTHETIC_HEIGHT,
                                           SYNTHETIC_FPS, lesson->title);
  if (!lc_synthetic_source_start (ll->synthetic, error))
    {
      g_clear_object (&ll->synthetic);
      lc_live_drop_lesson (ll);
      return FALSE;
    }
  return TRUE;
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
        lc_live_end_lesson (ll, "shutdown");
      else
        lc_live_drop_lesson (ll);
    }
  live->shutdown_task = g_steal_pointer (&task);
  live->shutdown_timer = lc_live_attach_timeout (live, timeout * 1000, on_shutdown_timeout, live);
  schedule_tick (live);
}

void
lc_live_shutdown_finish (LcLive *live, GAsyncResult *result)
{
  g_return_if_fail (g_task_is_valid (result, live));
  g_task_propagate_boolean (G_TASK (result), NULL);
}
