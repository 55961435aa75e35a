/* lc-webrtc-session.c — the LcWebrtcSession interface (one WHIP publisher or
 * WHEP viewer as the HTTP layer sees it), its dispatch wrappers and the
 * "state-changed" signal; plus the webrtcbin helpers of lc-webrtc-private.h
 * (ICE set-up, 1:1 NAT rewrite, trickle, ICE restart on libnice). */
#include "streamer/lc-webrtc-session.h"

#include <string.h>

#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <nice/agent.h>

#include "common/lc-error.h"
#include "streamer/lc-webrtc-private.h"

G_DEFINE_INTERFACE (LcWebrtcSession, lc_webrtc_session, G_TYPE_OBJECT)

static void
lc_webrtc_session_default_init (LcWebrtcSessionInterface *iface)
{
  /* "state-changed" (LcSessionState state): main context. The state is passed
   * as a plain int (no enum GType is registered for it). */
  g_signal_new ("state-changed", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                NULL, G_TYPE_NONE, 1, G_TYPE_INT);
}

const char *
lc_session_state_to_string (LcSessionState state)
{
  switch (state)
    {
    case LC_SESSION_NEW:
      return "new";
    case LC_SESSION_CONNECTING:
      return "connecting";
    case LC_SESSION_CONNECTED:
      return "connected";
    case LC_SESSION_DISCONNECTED:
      return "disconnected";
    case LC_SESSION_FAILED:
      return "failed";
    case LC_SESSION_CLOSED:
      return "closed";
    default:
      return "unknown";
    }
}

void
lc_webrtc_session_answer_async (LcWebrtcSession *session, const char *offer_sdp,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_return_if_fail (LC_IS_WEBRTC_SESSION (session));
  g_return_if_fail (offer_sdp != NULL);

  LC_WEBRTC_SESSION_GET_IFACE (session)->answer_async (session, offer_sdp, cancellable, callback,
                                                       user_data);
}

char *
lc_webrtc_session_answer_finish (LcWebrtcSession *session, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (LC_IS_WEBRTC_SESSION (session), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);

  return LC_WEBRTC_SESSION_GET_IFACE (session)->answer_finish (session, result, error);
}

gboolean
lc_webrtc_session_add_remote_candidates (LcWebrtcSession *session, const char *sdpfrag,
                                         GError **error)
{
  g_return_val_if_fail (LC_IS_WEBRTC_SESSION (session), FALSE);
  g_return_val_if_fail (sdpfrag != NULL, FALSE);

  LcWebrtcSessionInterface *iface = LC_WEBRTC_SESSION_GET_IFACE (session);
  if (iface->add_remote_candidates == NULL)
    {
      lc_set_error (error, LC_ERROR_METHOD_NOT_ALLOWED, NULL,
                    "this session does not accept trickled candidates");
      return FALSE;
    }
  return iface->add_remote_candidates (session, sdpfrag, error);
}

void
lc_webrtc_session_restart_async (LcWebrtcSession *session, const char *sdpfrag,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_return_if_fail (LC_IS_WEBRTC_SESSION (session));
  g_return_if_fail (sdpfrag != NULL);

  LcWebrtcSessionInterface *iface = LC_WEBRTC_SESSION_GET_IFACE (session);
  if (iface->restart_async == NULL)
    {
      g_task_report_new_error (session, callback, user_data, lc_webrtc_session_restart_async,
                               LC_ERROR, LC_ERROR_METHOD_NOT_ALLOWED,
                               "this session does not support ICE restarts");
      return;
    }
  iface->restart_async (session, sdpfrag, cancellable, callback, user_data);
}

char *
lc_webrtc_session_restart_finish (LcWebrtcSession *session, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (LC_IS_WEBRTC_SESSION (session), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);

  if (g_async_result_is_tagged (result, lc_webrtc_session_restart_async))
    return g_task_propagate_pointer (G_TASK (result), error);
  return LC_WEBRTC_SESSION_GET_IFACE (session)->restart_finish (session, result, error);
}

void
lc_webrtc_session_close (LcWebrtcSession *session)
{
  g_return_if_fail (LC_IS_WEBRTC_SESSION (session));

  LcWebrtcSessionInterface *iface = LC_WEBRTC_SESSION_GET_IFACE (session);
  if (iface->close != NULL)
    iface->close (session);
}

LcSessionState
lc_webrtc_session_get_state (LcWebrtcSession *session)
{
  g_return_val_if_fail (LC_IS_WEBRTC_SESSION (session), LC_SESSION_CLOSED);

  return LC_WEBRTC_SESSION_GET_IFACE (session)->get_state (session);
}

/* ---- webrtcbin helpers (lc-webrtc-private.h) ---- */

/* "stun:host:port" → "stun://host:port" (webrtcbin's form). */
static char *
stun_uri_for_webrtcbin (const char *uri)
{
  if (g_str_has_prefix (uri, "stun:") && !g_str_has_prefix (uri, "stun://"))
    return g_strconcat ("stun://", uri + strlen ("stun:"), NULL);
  return NULL;
}

/* "turn:host:port?transport=udp" → "turn://user:pass@host:port?transport=udp",
 * with ':' and base64 characters of the credentials percent-escaped. */
static char *
turn_uri_for_webrtcbin (const char *uri, const char *username, const char *password)
{
  const char *scheme;
  const char *rest;

  if (g_str_has_prefix (uri, "turns:"))
    {
      scheme = "turns";
      rest = uri + strlen ("turns:");
    }
  else if (g_str_has_prefix (uri, "turn:"))
    {
      scheme = "turn";
      rest = uri + strlen ("turn:");
    }
  else
    return NULL;
  if (g_str_has_prefix (rest, "//"))
    rest += 2;

  g_autofree char *user = g_uri_escape_string (username, NULL, FALSE);
  g_autofree char *pass = g_uri_escape_string (password, NULL, FALSE);
  return g_strdup_printf ("%s://%s:%s@%s", scheme, user, pass, rest);
}

void
lc_webrtc_configure_ice (GstElement *webrtcbin, const LcIceConfig *ice, const char *turn_user)
{
  g_return_if_fail (GST_IS_ELEMENT (webrtcbin));
  g_return_if_fail (ice != NULL);

  g_autoptr (GObject) agent = NULL;

  g_object_get (webrtcbin, "ice-agent", &agent, NULL);
  if (agent != NULL)
    {
      if (ice->port_min > 0 && ice->port_max >= ice->port_min)
        g_object_set (agent, "min-rtp-port", (guint)ice->port_min, "max-rtp-port",
                      (guint)ice->port_max, NULL);
      if (g_object_class_find_property (G_OBJECT_GET_CLASS (agent), "ice-tcp") != NULL)
        g_object_set (agent, "ice-tcp", FALSE, NULL);
      /* A server maps no ports on the LAN's router (and gupnp's SSDP socket
       * must not fight over ports with other agents). */
      if (g_object_class_find_property (G_OBJECT_GET_CLASS (agent), "agent") != NULL)
        {
          g_autoptr (GObject) nice = NULL;
          g_object_get (agent, "agent", &nice, NULL);
          if (nice != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (nice), "upnp"))
            g_object_set (nice, "upnp", FALSE, NULL);
        }
      for (guint i = 0; ice->addresses != NULL && ice->addresses[i] != NULL; i++)
        {
          gboolean added = FALSE;

          g_signal_emit_by_name (agent, "add-local-ip-address", ice->addresses[i], &added);
          if (!added)
            g_warning ("webrtc: could not add local address %s", ice->addresses[i]);
        }
    }

  if (ice->stun_servers != NULL && ice->stun_servers[0] != NULL)
    {
      g_autofree char *stun = stun_uri_for_webrtcbin (ice->stun_servers[0]);
      if (stun != NULL)
        g_object_set (webrtcbin, "stun-server", stun, NULL);
    }

  if (ice->turn_secret != NULL && ice->turn_secret[0] != '\0')
    for (guint i = 0; ice->turn_servers != NULL && ice->turn_servers[i] != NULL; i++)
      {
        g_autofree char *username = NULL, *password = NULL, *turn = NULL;
        gboolean added = FALSE;

        lc_turn_credentials (ice->turn_secret, turn_user, g_get_real_time () / G_USEC_PER_SEC,
                             ice->turn_ttl, &username, &password);
        turn = turn_uri_for_webrtcbin (ice->turn_servers[i], username, password);
        if (turn == NULL)
          continue;
        g_signal_emit_by_name (webrtcbin, "add-turn-server", turn, &added);
        if (!added)
          g_warning ("webrtc: TURN server %s not accepted", ice->turn_servers[i]);
      }
}

void
lc_webrtc_normalize_offer (GstSDPMessage *sdp)
{
  static const char *const names[]
      = { "setup", "ice-ufrag", "ice-pwd", "ice-options", "fingerprint" };

  g_return_if_fail (sdp != NULL);

  for (gsize n = 0; n < G_N_ELEMENTS (names); n++)
    {
      const char *value = gst_sdp_message_get_attribute_val (sdp, names[n]);

      if (value == NULL)
        continue;
      for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
        {
          GstSDPMedia *media = (GstSDPMedia *)gst_sdp_message_get_media (sdp, i);

          if (gst_sdp_media_get_attribute_val (media, names[n]) == NULL)
            gst_sdp_media_add_attribute (media, names[n], value);
        }
    }
}

/* One "a=candidate:…" line with a host candidate's address replaced. */
static char *
rewrite_candidate_line (const char *line, const char *address)
{
  g_auto (GStrv) fields = g_strsplit (line, " ", -1);

  if (g_strv_length (fields) < 8 || !g_str_equal (fields[6], "typ")
      || !g_str_equal (fields[7], "host"))
    return NULL;
  g_free (fields[4]);
  fields[4] = g_strdup (address);
  return g_strjoinv (" ", fields);
}

char *
lc_webrtc_apply_public_address (const char *sdp, const LcIceConfig *ice)
{
  g_return_val_if_fail (sdp != NULL, NULL);

  if (ice == NULL || ice->public_address == NULL || ice->public_address[0] == '\0')
    return g_strdup (sdp);

  g_autoptr (GString) out = g_string_sized_new (strlen (sdp) + 64);
  g_auto (GStrv) lines = g_strsplit (sdp, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      gsize len = strlen (line);
      gboolean cr = len > 0 && line[len - 1] == '\r';

      if (cr)
        line[len - 1] = '\0';
      if (g_str_has_prefix (line, "a=candidate:"))
        {
          g_autofree char *rewritten = rewrite_candidate_line (line, ice->public_address);
          g_string_append (out, rewritten != NULL ? rewritten : line);
        }
      else
        g_string_append (out, line);
      if (lines[i + 1] != NULL)
        g_string_append (out, cr ? "\r\n" : "\n");
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

void
lc_webrtc_add_candidates (GstElement *webrtcbin, const LcSdpFragment *frag)
{
  g_return_if_fail (GST_IS_ELEMENT (webrtcbin));
  g_return_if_fail (frag != NULL);

  for (guint i = 0; frag->candidates != NULL && i < frag->candidates->len; i++)
    {
      const char *candidate = g_ptr_array_index (frag->candidates, i);
      guint mline = g_array_index (frag->mlines, guint, i);

      g_signal_emit_by_name (webrtcbin, "add-ice-candidate", mline, candidate);
    }
}

gboolean
lc_webrtc_get_nice_stream (GstElement *webrtcbin, GObject **agent, guint *stream_id)
{
  g_return_val_if_fail (GST_IS_ELEMENT (webrtcbin), FALSE);

  g_autoptr (GstWebRTCRTPTransceiver) trans = NULL;
  g_autoptr (GstWebRTCRTPReceiver) receiver = NULL;
  g_autoptr (GstWebRTCDTLSTransport) dtls = NULL;
  g_autoptr (GObject) ice_transport = NULL;
  g_autoptr (GObject) stream = NULL;
  g_autoptr (GObject) ice = NULL;
  g_autoptr (GObject) nice = NULL;
  guint id = 0;

  g_signal_emit_by_name (webrtcbin, "get-transceiver", 0, &trans);
  if (trans == NULL)
    return FALSE;
  g_object_get (trans, "receiver", &receiver, NULL);
  if (receiver == NULL)
    return FALSE;
  g_object_get (receiver, "transport", &dtls, NULL);
  if (dtls == NULL)
    return FALSE;
  g_object_get (dtls, "transport", &ice_transport, NULL);
  if (ice_transport == NULL
      || g_object_class_find_property (G_OBJECT_GET_CLASS (ice_transport), "stream") == NULL)
    return FALSE;
  g_object_get (ice_transport, "stream", &stream, NULL);
  if (stream == NULL
      || g_object_class_find_property (G_OBJECT_GET_CLASS (stream), "stream-id") == NULL)
    return FALSE;
  g_object_get (stream, "stream-id", &id, NULL);

  g_object_get (webrtcbin, "ice-agent", &ice, NULL);
  if (ice == NULL || g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent") == NULL)
    return FALSE;
  g_object_get (ice, "agent", &nice, NULL);
  if (nice == NULL || id == 0)
    return FALSE;

  *agent = g_steal_pointer (&nice);
  *stream_id = id;
  return TRUE;
}

/* The mid and m= line of webrtcbin's first local media section. */
static void
first_local_media (GstElement *webrtcbin, char **mline, char **mid)
{
  GstWebRTCSessionDescription *local = NULL;

  *mline = NULL;
  *mid = NULL;
  g_object_get (webrtcbin, "local-description", &local, NULL);
  if (local == NULL)
    return;
  if (gst_sdp_message_medias_len (local->sdp) > 0)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (local->sdp, 0);
      const char *value = gst_sdp_media_get_attribute_val (media, "mid");

      *mid = g_strdup (value);
      *mline = g_strdup_printf ("m=%s 9 %s 0", gst_sdp_media_get_media (media),
                                gst_sdp_media_get_proto (media));
      if (gst_sdp_media_formats_len (media) > 0)
        {
          g_free (*mline);
          *mline = g_strdup_printf ("m=%s 9 %s %s", gst_sdp_media_get_media (media),
                                    gst_sdp_media_get_proto (media),
                                    gst_sdp_media_get_format (media, 0));
        }
    }
  gst_webrtc_session_description_free (local);
}

char *
lc_webrtc_ice_restart (GstElement *webrtcbin, const LcSdpFragment *frag, const LcIceConfig *ice,
                       GError **error)
{
  g_return_val_if_fail (GST_IS_ELEMENT (webrtcbin), NULL);
  g_return_val_if_fail (frag != NULL && frag->ice_ufrag != NULL && frag->ice_pwd != NULL, NULL);

  g_autoptr (GObject) agent = NULL;
  g_autofree char *ufrag = NULL, *pwd = NULL, *mline = NULL, *mid = NULL;
  guint stream_id = 0;
  GSList *candidates;

  if (!lc_webrtc_get_nice_stream (webrtcbin, &agent, &stream_id))
    {
      lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL, "the session has no ICE stream to restart");
      return NULL;
    }
  /* Our credentials stay the same across the restart. libnice holds one
   * credential set per stream, so it cannot keep the old one valid while the
   * new one takes over (as libwebrtc does); and Chromium starts checks of its
   * new ICE generation against our OLD credentials before our answer arrives
   * and may select that pair at once. Changing them made such a browser keep
   * checking with credentials we no longer accept until ICE failed (seen in
   * about half of the browser restarts). The restart still renews everything
   * else: the remote credentials and candidates, the check list and the
   * selected pair. (nice_agent_restart_stream would also overwrite only the
   * first characters of webrtcbin's 32-character ufrag: a libnice quirk.) */
  if (!nice_agent_get_local_credentials (NICE_AGENT (agent), stream_id, &ufrag, &pwd))
    {
      lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL, "the ICE agent has no local credentials");
      return NULL;
    }
  if (!nice_agent_restart_stream (NICE_AGENT (agent), stream_id)
      || !nice_agent_set_local_credentials (NICE_AGENT (agent), stream_id, ufrag, pwd))
    {
      lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL, "the ICE agent refused the restart");
      return NULL;
    }
  if (!nice_agent_set_remote_credentials (NICE_AGENT (agent), stream_id, frag->ice_ufrag,
                                          frag->ice_pwd))
    {
      lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL,
                    "the ICE agent refused the new remote credentials");
      return NULL;
    }
  for (guint i = 0; frag->candidates != NULL && i < frag->candidates->len; i++)
    {
      g_autofree char *line
          = g_strconcat ("a=", (const char *)g_ptr_array_index (frag->candidates, i), NULL);
      NiceCandidate *candidate
          = nice_agent_parse_remote_candidate_sdp (NICE_AGENT (agent), stream_id, line);
      if (candidate == NULL)
        continue;
      GSList *one = g_slist_append (NULL, candidate);
      nice_agent_set_remote_candidates (NICE_AGENT (agent), stream_id, candidate->component_id,
                                        one);
      g_slist_free_full (one, (GDestroyNotify)nice_candidate_free);
    }
  g_autoptr (GString) answer = g_string_new (NULL);
  g_string_append_printf (answer, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", ufrag, pwd);
  first_local_media (webrtcbin, &mline, &mid);
  if (mline != NULL)
    g_string_append_printf (answer, "%s\r\n", mline);
  if (mid != NULL)
    g_string_append_printf (answer, "a=mid:%s\r\n", mid);
  candidates = nice_agent_get_local_candidates (NICE_AGENT (agent), stream_id, 1);
  for (GSList *l = candidates; l != NULL; l = l->next)
    {
      g_autofree char *sdp = nice_agent_generate_local_candidate_sdp (NICE_AGENT (agent), l->data);
      if (sdp != NULL)
        g_string_append_printf (answer, "%s\r\n", sdp);
    }
  g_slist_free_full (candidates, (GDestroyNotify)nice_candidate_free);
  g_string_append (answer, "a=end-of-candidates\r\n");

  return lc_webrtc_apply_public_address (answer->str, ice);
}
