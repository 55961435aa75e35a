/* lc-live-status.c — LcLive's state for the API (see lc-live.h): whether a
 * lesson is live, its "live" status object, and the HLS viewer count (distinct
 * addresses that fetched the playlist recently). */
#include "signaling/lc-live-private.h"

#include "common/lc-time.h"

/* HLS viewers: distinct addresses that fetched the playlist this recently. */
#define HLS_VIEWER_WINDOW_US (10 * G_USEC_PER_SEC)
#define HLS_CLIENTS_MAX 100000

gboolean
lc_live_is_live (LcLive *live, const char *lesson_id)
{
  LiveLesson *ll;

  g_return_val_if_fail (LC_IS_LIVE (live), FALSE);
  ll = lc_live_find_lesson (live, lesson_id);
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
  ll = lc_live_find_lesson (live, lesson_id);
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
  ll = lc_live_find_lesson (live, lesson_id);
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
