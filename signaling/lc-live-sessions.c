/* lc-live-sessions.c — LcLive's session resources (see lc-live.h):
 * answering WHIP offers (the publisher) and WHEP offers (viewers), PATCH with
 * trickle candidates or an ICE restart, DELETE, and the bookkeeping of each
 * LiveSession (its state, connect deadline and ETag). The lessons they
 * belong to are run by lc-live.c. */
#include "signaling/lc-live-private.h"

#include <string.h>

#include "common/lc-crypto.h"
#include "common/lc-error.h"
#include "common/lc-source.h"
#include "streamer/lc-sdp.h"
#include "streamer/lc-whip-ingest.h"

/* A session has this long after its answer to connect. */
#define CONNECT_TIMEOUT_S 30

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

static char *
new_etag (void)
{
  g_autofree char *id = lc_id_new ();

  return g_strdup_printf ("\"%s\"", id);
}

/* ---- sessions ---- */

void
lc_live_session_free (LiveSession *s)
{
  if (s == NULL)
    return;
  if (s->state_handler != 0)
    g_signal_handler_disconnect (s->session, s->state_handler);
  lc_source_clear (&s->connect_timeout);
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

static LiveSession *
find_session (LcLive *live, LcLiveRole role, const char *lesson_id, const char *session_id)
{
  LiveLesson *ll = lc_live_find_lesson (live, lesson_id);

  if (ll == NULL || session_id == NULL)
    return NULL;
  if (role == LC_LIVE_PUBLISHER)
    return ll->publisher != NULL && strcmp (ll->publisher->id, session_id) == 0 ? ll->publisher
                                                                                : NULL;
  return g_hash_table_lookup (ll->viewers, session_id);
}

void
lc_live_detach_publisher (LiveLesson *ll)
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
  lc_live_session_free (s);
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
      lc_source_clear (&s->connect_timeout);
      if (s->role == LC_LIVE_PUBLISHER)
        {
          lc_source_clear (&ll->grace);
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
          lc_live_detach_publisher (ll);
          lc_live_publisher_gone (ll);
        }
      return;
    }

  if (state == LC_SESSION_DISCONNECTED && s->role == LC_LIVE_PUBLISHER)
    lc_live_publisher_gone (ll);
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

/* ---- answering (WHIP and WHEP) ---- */

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
      LiveLesson *ll = lc_live_find_lesson (live, ref->lesson_id);

      if (s != NULL)
        {
          g_info ("lesson %s: %s %s: no answer: %s", ref->lesson_id,
                  ref->role == LC_LIVE_PUBLISHER ? "publisher" : "viewer", ref->session_id,
                  error != NULL ? error->message : "the client went away");
          if (ref->role == LC_LIVE_VIEWER)
            remove_viewer (ll, s);
          else
            {
              lc_live_detach_publisher (ll);
              lc_live_publisher_gone (ll);
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
    s->connect_timeout
        = lc_live_attach_timeout (live, CONNECT_TIMEOUT_S * 1000, on_connect_timeout, s);
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
  if (!lc_live_check_running (live, &error) || lc_live_lesson_is_over (lesson, &error)
      || !check_offer (live, offer_sdp, FALSE, &ufrag, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  ll = lc_live_find_lesson (live, lesson->id);
  if (ll != NULL && publisher_is_busy (ll))
    {
      g_task_return_new_error (task, LC_ERROR, LC_ERROR_CONFLICT,
                               "the lesson already has a publisher; stop it first");
      return;
    }
  if (ll == NULL)
    ll = lc_live_lesson_new (live, lesson);
  else
    /* A disconnected or failed publisher is replaced by the new one. */
    lc_live_detach_publisher (ll);

  ingest = lc_whip_ingest_new (ll->channel, live->ice);
  if (ingest != NULL)
    lc_whip_ingest_set_allow_vp8 (ingest, lc_config_get_bool (live->config, "media.allow_vp8"));
  if (ingest == NULL)
    {
      g_task_return_new_error (task, LC_ERROR, LC_ERROR_UNAVAILABLE,
                               "the media engine cannot take a publisher");
      lc_live_publisher_gone (ll);
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
  if (!lc_live_check_running (live, &error) || lc_live_lesson_is_over (lesson, &error)
      || !check_offer (live, offer_sdp, TRUE, &ufrag, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  ll = lc_live_find_lesson (live, lesson->id);
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
    lc_live_end_lesson (ll, "deleted");
  else
    {
      lc_live_detach_publisher (ll);
      lc_live_drop_lesson (ll);
    }
  return TRUE;
}
