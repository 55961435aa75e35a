/* lc-api-conference-ws.c — GET /ws/conference/{id}: the WebSocket handshake
 * of the conference signaling (docs/signaling.md). The optional session
 * principal (cookie or Bearer) is resolved here; a cookie needs an Origin of
 * this server, server.public_url or server.trusted_origins (403 before the
 * upgrade otherwise: another site must not ride on the cookie). Unknown
 * conference → 404; no hub → 503. The accepted socket goes to the hub, which
 * answers the protocol (a join token arrives later, in "join"). */
#include "signaling/lc-api-private.h"

#include "signaling/lc-http-private.h"

typedef struct
{
  LcConferenceHub *hub;
  char *conference_id;
  char *account_id;
  char *display_name;
  int account_role;
  char *school_id;
  char *client;
} Handoff;

static void
handoff_free (gpointer data)
{
  Handoff *h = data;

  g_clear_object (&h->hub);
  g_free (h->conference_id);
  g_free (h->account_id);
  g_free (h->display_name);
  g_free (h->school_id);
  g_free (h->client);
  g_free (h);
}

static void
on_accepted (SoupWebsocketConnection *ws, gpointer user_data)
{
  Handoff *h = user_data;
  LcHubIdentity identity = {
    .account_id = h->account_id,
    .display_name = h->display_name,
    .account_role = h->account_role,
    .school_id = h->school_id,
    .client = h->client,
  };

  lc_conference_hub_add_socket (h->hub, h->conference_id, ws, &identity);
}

static gboolean
conference_ws (LcApi *api, LcRequest *req, GError **error)
{
  const char *id = lc_request_get_param (req, "id");
  g_autoptr (LcPrincipal) principal = NULL;
  g_autoptr (LcConference) conference = NULL;
  GError *local_error = NULL;
  Handoff *h;
  guint64 max_bytes;

  if (api->conference_hub == NULL)
    {
      lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL, "conference rooms are not available");
      return FALSE;
    }
  if (!lc_api_authenticate (api, req, &principal, error))
    return FALSE;
  if (principal != NULL && principal->session_hash != NULL && !lc_api_check_origin (api, req, error))
    return FALSE;

  if (lc_api_get_id_param (req, "conference", error) == NULL)
    return FALSE;
  conference = lc_store_get_conference (api->store, id, &local_error);
  if (conference == NULL)
    {
      if (local_error != NULL && !g_error_matches (local_error, LC_ERROR, LC_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
      g_clear_error (&local_error);
      lc_set_error (error, LC_ERROR_NOT_FOUND, NULL, "no such conference");
      return FALSE;
    }

  h = g_new0 (Handoff, 1);
  h->hub = g_object_ref (api->conference_hub);
  h->conference_id = g_strdup (conference->id);
  h->account_role = -1;
  if (principal != NULL)
    {
      h->account_id = g_strdup (principal->account->id);
      h->display_name = g_strdup (principal->account->display_name);
      h->account_role = (int) principal->account->role;
      h->school_id = g_strdup (principal->account->school_id);
    }
  h->client = g_strdup (lc_request_get_client (req));

  /* Frames up to twice the message limit are read (and answered with
   * "too-large"); larger ones close the socket with 1009 unbuffered. */
  max_bytes = 2 * (guint64) lc_config_get_int (api->config, "conferences.ws_max_message_bytes");
  return lc_request_accept_websocket (req, max_bytes, on_accepted, h, handoff_free, error);
}

LC_API_DEFINE_HANDLER (handle_conference_ws, conference_ws)

void
lc_api_register_conference_ws (LcApi *api, LcHttpServer *server)
{
  lc_http_server_add_route (server, "GET", "/ws/conference/{id}", handle_conference_ws, api);
}
