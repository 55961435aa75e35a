/* lc-conference-room.c — the messages of participants inside a conference
 * room (docs/signaling.md): offer/answer/candidate relayed to one peer of
 * the same room only, media state, raised hand, chat with its backlog, the
 * host controls (admit, deny, remove, ask-mute, end) and leave. The socket,
 * join and room clock live in lc-conference-hub.c. */
#include "signaling/lc-conference-private.h"

#include <string.h>

#include "common/lc-time.h"

/* ---- room messages ---- */

static Participant *
find_peer (Client *client, const char *id, Where where, const char *ref)
{
  Room *room = client->participant->room;
  Participant *target = id != NULL ? g_hash_table_lookup (room->participants, id) : NULL;

  if (target == NULL || target->where != where || target == client->participant)
    {
      lc_hub_send_error (client, "unknown-peer", ref, "no such peer in this room");
      return NULL;
    }
  return target;
}

void
lc_hub_handle_relay (Client *client, JsonObject *o, const char *type, const char *ref)
{
  const char *to = NULL, *sdp = NULL, *problem = NULL;
  g_autoptr (JsonNode) candidate = NULL;
  Participant *target;
  JsonObject *out;

  if (!lc_sig_get_string (o, "to", TRUE, LC_SIG_ID_MAX * 2, &to, &problem))
    {
      lc_hub_send_error (client, "bad-message", ref, "%s: %s (to)", type, problem);
      return;
    }
  if (strcmp (type, "candidate") == 0)
    {
      candidate = lc_sig_copy_candidate (json_object_get_member (o, "candidate"), &problem);
      if (candidate == NULL)
        {
          lc_hub_send_error (client, "bad-message", ref, "candidate: %s", problem);
          return;
        }
    }
  else if (!lc_sig_get_string (o, "sdp", TRUE, 0, &sdp, &problem))
    {
      lc_hub_send_error (client, "bad-message", ref, "%s: %s (sdp)", type, problem);
      return;
    }
  target = find_peer (client, to, WHERE_ROOM, ref);
  if (target == NULL)
    return;
  if (target->client == NULL || target->client->state != CLIENT_ACTIVE)
    {
      lc_hub_send_error (client, "unknown-peer", ref, "the peer is reconnecting");
      return;
    }
  out = lc_sig_message_new (type);
  json_object_set_string_member (out, "from", client->participant->id);
  if (candidate != NULL)
    json_object_set_member (out, "candidate", g_steal_pointer (&candidate));
  else
    json_object_set_string_member (out, "sdp", sdp);
  lc_hub_send_object (target->client, out);
}

void
lc_hub_handle_media (Client *client, JsonObject *o, const char *ref)
{
  Participant *p = client->participant;
  const char *problem = NULL;
  gboolean audio, video, screen;
  JsonObject *out;

  if (!lc_sig_get_bool (o, "audio", &audio, &problem) || !lc_sig_get_bool (o, "video", &video, &problem)
      || !lc_sig_get_bool (o, "screen", &screen, &problem))
    {
      lc_hub_send_error (client, "bad-message", ref, "media: %s (audio, video, screen)", problem);
      return;
    }
  if (p->role == LC_CONFERENCE_ROLE_OBSERVER && (audio || video || screen))
    {
      lc_hub_send_error (client, "forbidden", ref, "observers send no audio, video or screen");
      return;
    }
  p->audio = audio;
  p->video = video;
  p->screen = screen;
  out = lc_sig_message_new ("media");
  json_object_set_string_member (out, "peer", p->id);
  json_object_set_boolean_member (out, "audio", audio);
  json_object_set_boolean_member (out, "video", video);
  json_object_set_boolean_member (out, "screen", screen);
  lc_hub_broadcast (p->room, p, out);
}

void
lc_hub_handle_hand (Client *client, JsonObject *o, const char *ref)
{
  Participant *p = client->participant;
  const char *problem = NULL;
  gboolean raised;
  JsonObject *out;

  if (!lc_sig_get_bool (o, "raised", &raised, &problem))
    {
      lc_hub_send_error (client, "bad-message", ref, "hand: %s (raised)", problem);
      return;
    }
  p->hand = raised;
  out = lc_sig_message_new ("hand");
  json_object_set_string_member (out, "peer", p->id);
  json_object_set_boolean_member (out, "raised", raised);
  lc_hub_broadcast (p->room, p, out);
}

void
lc_hub_handle_chat (Client *client, JsonObject *o, const char *ref)
{
  Participant *p = client->participant;
  Room *room = p->room;
  const char *text = NULL, *problem = NULL;
  glong chars;
  JsonObject *msg;

  if (!lc_sig_get_string (o, "text", TRUE, 0, &text, &problem))
    {
      lc_hub_send_error (client, "bad-message", ref, "chat: %s (text)", problem);
      return;
    }
  chars = g_utf8_strlen (text, -1);
  if (chars < 1 || chars > LC_SIG_CHAT_MAX_CHARS)
    {
      lc_hub_send_error (client, "bad-message", ref, "chat: text must be 1 to %d characters",
                  LC_SIG_CHAT_MAX_CHARS);
      return;
    }
  msg = lc_sig_message_new ("chat");
  json_object_set_string_member (msg, "from", p->id);
  json_object_set_string_member (msg, "name", p->name);
  json_object_set_string_member (msg, "text", text);
  lc_sig_set_time (msg, "at", lc_time_now ());
  g_queue_push_tail (&room->chat, json_object_ref (msg));
  while (room->chat.length > LC_SIG_CHAT_BACKLOG)
    json_object_unref (g_queue_pop_head (&room->chat));
  lc_hub_broadcast (room, NULL, msg);
}

void
lc_hub_handle_host (Client *client, JsonObject *o, const char *type, const char *ref)
{
  Participant *host = client->participant;
  Room *room = host->room;
  const char *peer = NULL, *problem = NULL;
  Participant *target;

  if (host->role != LC_CONFERENCE_ROLE_HOST)
    {
      lc_hub_send_error (client, "forbidden", ref, "only a host may %s", type);
      return;
    }
  if (strcmp (type, "end") == 0)
    {
      g_message ("room %s peer %s: ends the conference", room->conf->id, host->id);
      lc_hub_room_end (room, "host");
      return;
    }
  if (!lc_sig_get_string (o, "peer", TRUE, LC_SIG_ID_MAX * 2, &peer, &problem))
    {
      lc_hub_send_error (client, "bad-message", ref, "%s: %s (peer)", type, problem);
      return;
    }
  if (strcmp (type, "admit") == 0 || strcmp (type, "deny") == 0)
    {
      target = find_peer (client, peer, WHERE_WAITING, ref);
      if (target == NULL)
        return;
      if (strcmp (type, "deny") == 0)
        {
          Client *target_client = target->client;

          g_info ("room %s peer %s: denied by %s", room->conf->id, target->id, host->id);
          lc_hub_participant_remove (target, "denied");
          if (target_client != NULL)
            {
              lc_hub_send_type (target_client, "denied");
              lc_hub_client_close (target_client, LC_SIG_CLOSE_FORBIDDEN, "denied");
            }
          return;
        }
      if (lc_hub_mesh_full (room))
        {
          lc_hub_send_error (client, "mesh-limit", ref,
                      "the room already has %u participants, the most a mesh conference can "
                      "carry",
                      room->hub->mesh_max);
          return;
        }
      {
        JsonObject *cancelled = lc_sig_message_new ("knock-cancelled");

        json_object_set_string_member (cancelled, "peer", target->id);
        json_object_set_string_member (cancelled, "reason", "admitted");
        lc_hub_send_to_hosts (room, cancelled);
      }
      target->admitted = TRUE;
      lc_hub_enter_room (room, target);
      return;
    }

  target = find_peer (client, peer, WHERE_ROOM, ref);
  if (target == NULL)
    return;
  if (strcmp (type, "ask-mute") == 0)
    {
      JsonObject *out = lc_sig_message_new ("ask-mute");

      json_object_set_string_member (out, "from", host->id);
      lc_hub_send_object (target->client, out);
      return;
    }
  /* remove */
  {
    Client *target_client = target->client;

    g_message ("room %s peer %s: removed by %s", room->conf->id, target->id, host->id);
    g_hash_table_add (room->removed, g_strdup (target->id));
    lc_hub_participant_remove (target, "removed");
    if (target_client != NULL)
      {
        JsonObject *out = lc_sig_message_new ("removed");

        json_object_set_string_member (out, "reason", "host");
        lc_hub_send_object (target_client, out);
        lc_hub_client_close (target_client, LC_SIG_CLOSE_FORBIDDEN, "removed");
      }
  }
}

void
lc_hub_handle_leave (Client *client)
{
  Participant *p = client->participant;
  Room *room = p != NULL ? p->room : NULL;

  if (p != NULL)
    lc_hub_participant_remove (p, "left");
  lc_hub_client_close (client, LC_SIG_CLOSE_NORMAL, "left");
  if (room != NULL)
    lc_hub_room_maybe_free (room);
}

