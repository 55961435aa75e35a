/* lc-conference-hub.c — LcConferenceHub: the conference rooms behind
 * GET /ws/conference/{id} (protocol v1: docs/signaling.md).
 *
 * One Client per accepted WebSocket; one Room per conference somebody has
 * joined; one Participant per identity in a room (its stable id comes from
 * the join token or the account, so a reconnect finds it again). A
 * participant is in the lobby (room not open yet), in the waiting room, or
 * in the room; in the room without a socket it is "reconnecting" until the
 * grace runs out. Everything runs on the main context; a bad message costs
 * the sender an error and never touches another room. Logs carry ids only
 * (never names, chat text or tokens). */
#include "signaling/lc-conference-private.h"

#include <string.h>

#include "common/lc-crypto.h"
#include "common/lc-error.h"
#include "common/lc-source.h"
#include "common/lc-join-token.h"
#include "common/lc-json.h"
#include "common/lc-time.h"
#include "streamer/lc-ice.h"

G_DEFINE_FINAL_TYPE (LcConferenceHub, lc_conference_hub, G_TYPE_OBJECT)

static void room_free (Room *room);

/* A snapshot of the clients: handling one may free others. */
GPtrArray *
lc_hub_clients_snapshot (LcConferenceHub *hub)
{
  GPtrArray *out = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, hub->clients);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (out, key);
  return out;
}

/* ---- small helpers ---- */

static GSource *
attach_timeout (LcConferenceHub *hub, gint64 ms, GSourceFunc func, gpointer data)
{
  GSource *source = g_timeout_source_new ((guint) CLAMP (ms, 0, G_MAXINT32));

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, hub->context);
  return source;
}

void
lc_hub_send_object (Client *client, JsonObject *o)
{
  g_autofree char *text = NULL;

  if (client == NULL || client->state == CLIENT_GONE
      || soup_websocket_connection_get_state (client->ws) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      json_object_unref (o);
      return;
    }
  text = lc_sig_to_text (o);
  json_object_unref (o);
  lc_hub_client_send_text (client, text);
}

void
lc_hub_send_type (Client *client, const char *type)
{
  lc_hub_send_object (client, lc_sig_message_new (type));
}

void
lc_hub_send_error (Client *client, const char *code, const char *ref, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  lc_hub_send_object (client, lc_sig_error_new (code, message, ref));
}

/* Close the socket (the client is detached from its participant first by
 * the caller). The Client is freed on "closed". */
void
lc_hub_client_close (Client *client, gushort code, const char *reason)
{
  if (client->state == CLIENT_GONE)
    return;
  client->state = CLIENT_GONE;
  if (client->participant != NULL && client->participant->client == client)
    client->participant->client = NULL;
  client->participant = NULL;
  if (soup_websocket_connection_get_state (client->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (client->ws, code, reason);
}

/* An error that ends the socket: error message, then close. */
void
lc_hub_client_refuse (Client *client, const char *code, gushort close_code, const char *ref,
                      const char *message)
{
  lc_hub_send_object (client, lc_sig_error_new (code, message, ref));
  g_debug ("socket %" G_GUINT64_FORMAT " conference %s: refused (%s)", client->serial,
           client->conference_id, code);
  lc_hub_client_close (client, close_code, code);
}

/* ---- participants and peers ---- */

static const char *
school_short_name (Room *room, const char *school_id)
{
  const char *cached;
  g_autoptr (LcSchool) school = NULL;

  if (school_id == NULL)
    return NULL;
  cached = g_hash_table_lookup (room->schools, school_id);
  if (cached != NULL)
    return cached;
  school = lc_store_get_school (room->hub->store, school_id, NULL);
  g_hash_table_insert (room->schools, g_strdup (school_id),
                       g_strdup (school != NULL ? school->short_name : school_id));
  return g_hash_table_lookup (room->schools, school_id);
}

static JsonObject *
peer_to_json (Participant *p)
{
  JsonObject *o = json_object_new ();
  JsonObject *media = json_object_new ();

  json_object_set_string_member (o, "id", p->id);
  json_object_set_string_member (o, "name", p->name);
  json_object_set_string_member (o, "role", lc_conference_role_to_string (p->role));
  if (p->school_id != NULL)
    {
      JsonObject *school = json_object_new ();

      json_object_set_string_member (school, "id", p->school_id);
      json_object_set_string_member (school, "short_name",
                                     school_short_name (p->room, p->school_id));
      json_object_set_object_member (o, "school", school);
    }
  else
    json_object_set_null_member (o, "school");
  json_object_set_boolean_member (media, "audio", p->audio);
  json_object_set_boolean_member (media, "video", p->video);
  json_object_set_boolean_member (media, "screen", p->screen);
  json_object_set_object_member (o, "media", media);
  json_object_set_boolean_member (o, "hand", p->hand);
  json_object_set_string_member (o, "state", p->client != NULL ? "active" : "reconnecting");
  return o;
}

static void
participant_free (Participant *p)
{
  lc_source_clear (&p->grace);
  g_free (p->id);
  g_free (p->name);
  g_free (p->school_id);
  g_free (p->account_id);
  g_free (p->attendance_id);
  g_free (p);
}

/* Send to every participant in the room with a socket, except skip. */
void
lc_hub_broadcast (Room *room, Participant *skip, JsonObject *o)
{
  g_autofree char *text = lc_sig_to_text (o);

  for (guint i = 0; i < room->order->len; i++)
    {
      Participant *p = room->order->pdata[i];

      if (p == skip || p->where != WHERE_ROOM || p->client == NULL
          || p->client->state != CLIENT_ACTIVE)
        continue;
      lc_hub_client_send_text (p->client, text);
    }
  json_object_unref (o);
}

void
lc_hub_send_to_hosts (Room *room, JsonObject *o)
{
  g_autofree char *text = lc_sig_to_text (o);

  for (guint i = 0; i < room->order->len; i++)
    {
      Participant *p = room->order->pdata[i];

      if (p->where != WHERE_ROOM || p->role != LC_CONFERENCE_ROLE_HOST || p->client == NULL
          || p->client->state != CLIENT_ACTIVE)
        continue;
      lc_hub_client_send_text (p->client, text);
    }
  json_object_unref (o);
}

static guint
count_where (Room *room, Where where, const char *school_id)
{
  guint n = 0;

  for (guint i = 0; i < room->order->len; i++)
    {
      Participant *p = room->order->pdata[i];

      if (p->where == where && (school_id == NULL || g_strcmp0 (p->school_id, school_id) == 0))
        n++;
    }
  return n;
}

static void
attendance_open (Room *room, Participant *p)
{
  g_autoptr (LcAttendance) row = lc_attendance_new ();
  g_autoptr (GError) error = NULL;

  row->id = lc_id_new ();
  row->conference_id = g_strdup (room->conf->id);
  row->participant_id = g_strdup (p->id);
  row->display_name = g_strdup (p->name);
  row->school_id = g_strdup (p->school_id);
  row->account_id = g_strdup (p->account_id);
  row->role = p->role;
  row->joined_at = lc_time_now ();
  if (!lc_store_insert_attendance (room->hub->store, row, &error))
    {
      g_warning ("room %s peer %s: cannot record attendance: %s", room->conf->id, p->id,
                 error->message);
      return;
    }
  g_free (p->attendance_id);
  p->attendance_id = g_steal_pointer (&row->id);
}

static void
attendance_close (Room *room, Participant *p, gint64 left_at)
{
  g_autoptr (GError) error = NULL;

  if (p->attendance_id == NULL)
    return;
  if (!lc_store_set_attendance_left (room->hub->store, p->attendance_id, left_at, &error))
    g_warning ("room %s peer %s: cannot close attendance: %s", room->conf->id, p->id,
               error->message);
  g_clear_pointer (&p->attendance_id, g_free);
}

/* Take p out of the room (peers told with reason; NULL: nobody is told) and
 * free it. Its socket, if any, must already be detached or closing. */
void
lc_hub_participant_remove (Participant *p, const char *reason)
{
  Room *room = p->room;

  if (p->client != NULL)
    {
      p->client->participant = NULL;
      p->client = NULL;
    }
  if (p->where == WHERE_ROOM)
    {
      attendance_close (room, p, p->dropped_at > 0 ? p->dropped_at : lc_time_now ());
      if (reason != NULL)
        {
          JsonObject *o = lc_sig_message_new ("peer-left");

          json_object_set_string_member (o, "peer", p->id);
          json_object_set_string_member (o, "reason", reason);
          lc_hub_broadcast (room, p, o);
        }
      g_message ("room %s peer %s: left (%s)", room->conf->id, p->id,
                 reason != NULL ? reason : "closed");
    }
  else if (p->where == WHERE_WAITING)
    {
      JsonObject *o = lc_sig_message_new ("knock-cancelled");

      json_object_set_string_member (o, "peer", p->id);
      json_object_set_string_member (o, "reason", reason != NULL ? reason : "left");
      lc_hub_send_to_hosts (room, o);
    }
  g_ptr_array_remove (room->order, p);
  g_hash_table_remove (room->participants, p->id);
}

/* No participant left: the room goes (its timers with it). */
void
lc_hub_room_maybe_free (Room *room)
{
  if (g_hash_table_size (room->participants) > 0)
    return;
  g_debug ("room %s: empty, closed", room->conf->id);
  g_hash_table_remove (room->hub->rooms, room->conf->id);
}

/* ---- entering the room ---- */

static JsonArray *
ice_servers_json (LcConferenceHub *hub, const char *user)
{
  JsonArray *servers = json_array_new ();
  LcIceConfig *ice = hub->ice;

  for (guint i = 0; ice->stun_servers != NULL && ice->stun_servers[i] != NULL; i++)
    {
      JsonObject *s = json_object_new ();
      JsonArray *urls = json_array_new ();

      json_array_add_string_element (urls, ice->stun_servers[i]);
      json_object_set_array_member (s, "urls", urls);
      json_array_add_object_element (servers, s);
    }
  if (ice->turn_servers != NULL && ice->turn_servers[0] != NULL && ice->turn_secret != NULL
      && ice->turn_secret[0] != '\0')
    {
      JsonObject *s = json_object_new ();
      JsonArray *urls = json_array_new ();
      g_autofree char *username = NULL;
      g_autofree char *password = NULL;

      for (guint i = 0; ice->turn_servers[i] != NULL; i++)
        json_array_add_string_element (urls, ice->turn_servers[i]);
      lc_turn_credentials (ice->turn_secret, user, lc_time_now (), ice->turn_ttl, &username,
                           &password);
      json_object_set_array_member (s, "urls", urls);
      json_object_set_string_member (s, "username", username);
      json_object_set_string_member (s, "credential", password);
      json_array_add_object_element (servers, s);
    }
  return servers;
}

static void
send_welcome (Room *room, Participant *p, gboolean resumed)
{
  JsonObject *o = lc_sig_message_new ("welcome");
  JsonObject *conf = json_object_new ();
  JsonArray *peers = json_array_new ();
  JsonArray *chat = json_array_new ();

  json_object_set_object_member (o, "you", peer_to_json (p));
  json_object_set_string_member (conf, "id", room->conf->id);
  json_object_set_string_member (conf, "title", room->conf->title);
  lc_sig_set_time (conf, "starts_at", room->conf->starts_at);
  lc_sig_set_time (conf, "ends_at", room->conf->ends_at);
  json_object_set_string_member (conf, "host_school_id", room->conf->host_school_id);
  json_object_set_object_member (o, "conference", conf);
  for (guint i = 0; i < room->order->len; i++)
    {
      Participant *other = room->order->pdata[i];

      if (other != p && other->where == WHERE_ROOM)
        json_array_add_object_element (peers, peer_to_json (other));
    }
  json_object_set_array_member (o, "peers", peers);
  if (p->role == LC_CONFERENCE_ROLE_HOST)
    {
      JsonArray *waiting = json_array_new ();

      for (guint i = 0; i < room->order->len; i++)
        {
          Participant *other = room->order->pdata[i];

          if (other->where == WHERE_WAITING)
            json_array_add_object_element (waiting, peer_to_json (other));
        }
      json_object_set_array_member (o, "waiting", waiting);
    }
  json_object_set_array_member (o, "ice_servers", ice_servers_json (room->hub, p->id));
  lc_sig_set_time (o, "closes_at", room->conf->ends_at);
  for (GList *l = room->chat.head; l != NULL; l = l->next)
    json_array_add_object_element (chat, json_object_ref (l->data));
  json_object_set_array_member (o, "chat", chat);
  json_object_set_boolean_member (o, "resumed", resumed);
  lc_hub_send_object (p->client, o);
}

static void
announce_peer (Room *room, Participant *p, gboolean resumed)
{
  JsonObject *o = lc_sig_message_new ("peer-joined");

  json_object_set_object_member (o, "peer", peer_to_json (p));
  json_object_set_boolean_member (o, "resumed", resumed);
  lc_hub_broadcast (room, p, o);
}

void
lc_hub_enter_room (Room *room, Participant *p)
{
  p->where = WHERE_ROOM;
  p->client->state = CLIENT_ACTIVE;
  attendance_open (room, p);
  send_welcome (room, p, FALSE);
  announce_peer (room, p, FALSE);
  g_message ("room %s peer %s: joined as %s", room->conf->id, p->id,
             lc_conference_role_to_string (p->role));
}

static void
admit_or_wait (Room *room, Participant *p)
{
  if (room->conf->waiting_room && p->role != LC_CONFERENCE_ROLE_HOST && !p->admitted)
    {
      JsonObject *knock = lc_sig_message_new ("knock");

      p->where = WHERE_WAITING;
      p->client->state = CLIENT_WAITING;
      lc_hub_send_type (p->client, "waiting");
      json_object_set_object_member (knock, "peer", peer_to_json (p));
      lc_hub_send_to_hosts (room, knock);
      g_info ("room %s peer %s: waiting for the host", room->conf->id, p->id);
      return;
    }
  lc_hub_enter_room (room, p);
}

static void
send_lobby (Room *room, Client *client)
{
  JsonObject *o = lc_sig_message_new ("lobby");

  lc_sig_set_time (o, "opens_at", room->conf->starts_at - room->hub->opens_before_s);
  lc_sig_set_time (o, "starts_at", room->conf->starts_at);
  lc_sig_set_time (o, "ends_at", room->conf->ends_at);
  json_object_set_string_member (o, "title", room->conf->title);
  lc_hub_send_object (client, o);
}

/* Mesh limit for one more participant in the room. */
gboolean
lc_hub_mesh_full (Room *room)
{
  return count_where (room, WHERE_ROOM, NULL) >= room->hub->mesh_max;
}

static void
refuse_mesh (Client *client, Room *room)
{
  g_autofree char *message = g_strdup_printf (
      "this room is full: %u participants is the most a mesh conference can carry "
      "(the server cannot relay media for larger rooms yet)",
      room->hub->mesh_max);

  lc_hub_client_refuse (client, "mesh-limit", LC_SIG_CLOSE_FORBIDDEN, NULL, message);
}

/* ---- room clock ---- */

static gboolean
on_room_open (gpointer data)
{
  Room *room = data;
  g_autoptr (GPtrArray) lobby = g_ptr_array_new ();

  g_clear_pointer (&room->open_timer, g_source_unref);
  room->open = TRUE;
  g_message ("room %s: open", room->conf->id);
  for (guint i = 0; i < room->order->len; i++)
    if (((Participant *) room->order->pdata[i])->where == WHERE_LOBBY)
      g_ptr_array_add (lobby, room->order->pdata[i]);
  for (guint i = 0; i < lobby->len; i++)
    {
      Participant *p = lobby->pdata[i];
      Client *client = p->client;

      if (lc_hub_mesh_full (room))
        {
          lc_hub_participant_remove (p, NULL);
          refuse_mesh (client, room);
          continue;
        }
      admit_or_wait (room, p);
    }
  lc_hub_room_maybe_free (room);
  return G_SOURCE_REMOVE;
}

static gboolean
on_room_warn (gpointer data)
{
  Room *room = data;
  JsonObject *o = lc_sig_message_new ("closing");

  g_clear_pointer (&room->warn_timer, g_source_unref);
  lc_sig_set_time (o, "at", room->conf->ends_at);
  lc_hub_broadcast (room, NULL, o);
  return G_SOURCE_REMOVE;
}

static gboolean
on_room_end (gpointer data)
{
  Room *room = data;

  g_clear_pointer (&room->end_timer, g_source_unref);
  lc_hub_room_end (room, "time");
  return G_SOURCE_REMOVE;
}

static void
room_schedule (Room *room)
{
  LcConferenceHub *hub = room->hub;
  gint64 now_ms = g_get_real_time () / 1000;
  gint64 opens_ms = (room->conf->starts_at - hub->opens_before_s) * 1000;
  gint64 warn_ms = (room->conf->ends_at - hub->warning_s) * 1000;
  gint64 end_ms = room->conf->ends_at * 1000;

  lc_source_clear (&room->open_timer);
  lc_source_clear (&room->warn_timer);
  lc_source_clear (&room->end_timer);
  if (!room->open)
    room->open_timer = attach_timeout (hub, opens_ms - now_ms, on_room_open, room);
  if (hub->warning_s > 0 && warn_ms > now_ms)
    room->warn_timer = attach_timeout (hub, warn_ms - now_ms, on_room_warn, room);
  room->end_timer = attach_timeout (hub, end_ms - now_ms, on_room_end, room);
}

static Room *
room_new (LcConferenceHub *hub, LcConference *conf)
{
  Room *room = g_new0 (Room, 1);

  room->hub = hub;
  room->conf = conf;
  room->participants
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) participant_free);
  room->order = g_ptr_array_new ();
  room->removed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  room->schools = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_queue_init (&room->chat);
  room->open = lc_time_now () >= conf->starts_at - hub->opens_before_s;
  room_schedule (room);
  g_hash_table_insert (hub->rooms, conf->id, room);
  return room;
}

static void
room_free (Room *room)
{
  lc_source_clear (&room->open_timer);
  lc_source_clear (&room->warn_timer);
  lc_source_clear (&room->end_timer);
  g_ptr_array_set_size (room->order, 0);
  g_hash_table_destroy (room->participants);
  g_ptr_array_unref (room->order);
  g_hash_table_destroy (room->removed);
  g_hash_table_destroy (room->schools);
  g_queue_clear_full (&room->chat, (GDestroyNotify) json_object_unref);
  lc_conference_free (room->conf);
  g_free (room);
}

/* Everybody out: "ended" (reason host|time|cancelled), close 1000,
 * attendance closed; host and time also mark the conference ended. */
void
lc_hub_room_end (Room *room, const char *reason)
{
  LcConferenceHub *hub = room->hub;
  g_autoptr (GPtrArray) all = g_ptr_array_new ();
  g_autofree char *id = g_strdup (room->conf->id);
  gint64 now = lc_time_now ();

  g_message ("room %s: ended (%s)", id, reason);
  if (strcmp (reason, "cancelled") != 0)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (LcConference) fresh = lc_store_get_conference (hub->store, id, &error);

      if (fresh != NULL && fresh->status == LC_CONFERENCE_SCHEDULED)
        {
          fresh->status = LC_CONFERENCE_ENDED;
          fresh->updated_at = now;
          if (!lc_store_update_conference (hub->store, fresh, &error))
            g_warning ("room %s: cannot mark the conference ended: %s", id, error->message);
        }
    }
  for (guint i = 0; i < room->order->len; i++)
    g_ptr_array_add (all, room->order->pdata[i]);
  for (guint i = 0; i < all->len; i++)
    {
      Participant *p = all->pdata[i];
      Client *client = p->client;

      if (client != NULL)
        {
          JsonObject *o = lc_sig_message_new ("ended");

          json_object_set_string_member (o, "reason", reason);
          lc_hub_send_object (client, o);
          lc_hub_client_close (client, LC_SIG_CLOSE_NORMAL, "ended");
        }
      if (p->where == WHERE_ROOM)
        attendance_close (room, p, p->dropped_at > 0 ? p->dropped_at : now);
    }
  g_hash_table_remove (hub->rooms, id);
}

/* ---- reconnect grace ---- */

static gboolean
on_grace_over (gpointer data)
{
  Participant *p = data;
  Room *room = p->room;

  g_clear_pointer (&p->grace, g_source_unref);
  lc_hub_participant_remove (p, "timeout");
  lc_hub_room_maybe_free (room);
  return G_SOURCE_REMOVE;
}

/* The socket of a participant went away without "leave". */
static void
participant_dropped (Participant *p)
{
  Room *room = p->room;
  JsonObject *o;

  p->client = NULL;
  if (p->where != WHERE_ROOM)
    {
      lc_hub_participant_remove (p, "left");
      lc_hub_room_maybe_free (room);
      return;
    }
  p->dropped_at = lc_time_now ();
  if (room->hub->grace_s == 0)
    {
      lc_hub_participant_remove (p, "timeout");
      lc_hub_room_maybe_free (room);
      return;
    }
  o = lc_sig_message_new ("peer-state");
  json_object_set_string_member (o, "peer", p->id);
  json_object_set_string_member (o, "state", "reconnecting");
  lc_hub_broadcast (room, p, o);
  g_info ("room %s peer %s: connection lost; reconnect grace %u s", room->conf->id, p->id,
          room->hub->grace_s);
  lc_source_clear (&p->grace);
  p->grace = attach_timeout (room->hub, (gint64) room->hub->grace_s * 1000, on_grace_over, p);
}

/* ---- join ---- */

typedef struct
{
  char *id, *name, *school_id, *account_id;
  LcConferenceRole role;
  gboolean operator;
} Who;

static void
who_clear (Who *who)
{
  g_free (who->id);
  g_free (who->name);
  g_free (who->school_id);
  g_free (who->account_id);
}

/* Identity and role from the token or the account; FALSE after refusing. */
static gboolean
resolve_identity (Client *client, const LcConference *conf, const char *token,
                  const char *client_id, const char *ref, Who *who)
{
  LcConferenceHub *hub = client->hub;

  if (token != NULL)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (LcJoinClaims) claims
          = lc_join_token_verify (hub->join_key, token, conf->id, lc_time_now (), &error);
      LcConferenceInvite *invite;

      if (claims == NULL)
        {
          lc_hub_client_refuse (client, "invalid-token", LC_SIG_CLOSE_UNAUTHORIZED, ref,
                                error->message);
          return FALSE;
        }
      invite = lc_conference_find_invite (conf, claims->school_id);
      if (g_strcmp0 (claims->school_id, conf->host_school_id) != 0
          && (invite == NULL || invite->status == LC_INVITE_DECLINED))
        {
          lc_hub_client_refuse (
              client, "not-invited", LC_SIG_CLOSE_FORBIDDEN, ref,
              "the school of this join link does not take part in the conference");
          return FALSE;
        }
      who->role = claims->role;
      who->school_id = g_strdup (claims->school_id);
      who->id = claims->participant_id != NULL
                    ? g_strdup (claims->participant_id)
                    : g_strdup_printf ("s:%s:%s", claims->school_id, client_id);
      who->name = g_strdup (claims->display_name);
      return TRUE;
    }
  if (client->account_id == NULL)
    {
      lc_hub_client_refuse (client, "unauthorized", LC_SIG_CLOSE_UNAUTHORIZED, ref,
                            "join with a join link (token) or log in first");
      return FALSE;
    }
  if (client->account_role == LC_ROLE_OPERATOR
      || (client->account_role == LC_ROLE_COORDINATOR
          && g_strcmp0 (client->account_school, conf->host_school_id) == 0))
    {
      who->role = LC_CONFERENCE_ROLE_HOST;
      who->operator = client->account_role == LC_ROLE_OPERATOR;
    }
  else if (client->account_school != NULL
           && lc_conference_school_takes_part (conf, client->account_school))
    who->role = LC_CONFERENCE_ROLE_PARTICIPANT;
  else
    {
      lc_hub_client_refuse (client, "not-invited", LC_SIG_CLOSE_FORBIDDEN, ref,
                            "your school is not taking part in this conference");
      return FALSE;
    }
  who->id = g_strdup_printf ("a:%s", client->account_id);
  who->account_id = g_strdup (client->account_id);
  who->school_id = g_strdup (client->account_school);
  who->name = g_strdup (client->account_name);
  return TRUE;
}

/* The same identity is here again: the new socket takes over. */
static void
take_over (Room *room, Participant *p, Client *client)
{
  Client *old = p->client;

  if (old != NULL)
    {
      old->participant = NULL;
      p->client = NULL;
      lc_hub_send_type (old, "replaced");
      lc_hub_client_close (old, LC_SIG_CLOSE_REPLACED, "replaced");
    }
  p->client = client;
  client->participant = p;
  switch (p->where)
    {
    case WHERE_LOBBY:
      client->state = CLIENT_LOBBY;
      send_lobby (room, client);
      break;
    case WHERE_WAITING:
      client->state = CLIENT_WAITING;
      lc_hub_send_type (client, "waiting");
      break;
    case WHERE_ROOM:
    default:
      lc_source_clear (&p->grace);
      p->dropped_at = 0;
      client->state = CLIENT_ACTIVE;
      send_welcome (room, p, TRUE);
      announce_peer (room, p, TRUE);
      g_message ("room %s peer %s: resumed", room->conf->id, p->id);
      break;
    }
}

static void
handle_join (Client *client, JsonObject *o, const char *ref)
{
  LcConferenceHub *hub = client->hub;
  const char *token = NULL, *name = NULL, *client_id = NULL, *problem = NULL;
  g_autoptr (LcConference) conf = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *clean = NULL;
  Who who = { 0 };
  Room *room;
  Participant *p;
  gint64 now = lc_time_now ();

  if (!lc_sig_get_string (o, "token", FALSE, LC_SIG_TOKEN_MAX, &token, &problem)
      || !lc_sig_get_string (o, "name", FALSE, 1024, &name, &problem)
      || !lc_sig_get_string (o, "client_id", TRUE, LC_SIG_ID_MAX, &client_id, &problem))
    {
      lc_hub_send_error (client, "bad-message", ref, "join: %s (token, name, client_id)", problem);
      return;
    }
  if (!lc_sig_client_id_is_valid (client_id))
    {
      lc_hub_send_error (client, "bad-message", ref,
                  "join: client_id must be 16 to 64 characters of A-Z a-z 0-9 _ -");
      return;
    }

  room = g_hash_table_lookup (hub->rooms, client->conference_id);
  conf = lc_store_get_conference (hub->store, client->conference_id, &error);
  if (conf == NULL)
    {
      lc_hub_client_refuse (client, "room-closed", LC_SIG_CLOSE_GONE, ref, "no such conference");
      return;
    }
  if (conf->status == LC_CONFERENCE_CANCELLED)
    {
      lc_hub_client_refuse (client, "cancelled", LC_SIG_CLOSE_GONE, ref,
                            "the conference was cancelled");
      return;
    }
  if (conf->status == LC_CONFERENCE_ENDED || now >= conf->ends_at)
    {
      lc_hub_client_refuse (client, "room-closed", LC_SIG_CLOSE_GONE, ref,
                            "the conference is over");
      return;
    }
  if (!resolve_identity (client, conf, token, client_id, ref, &who))
    return;

  if (who.name == NULL)
    {
      clean = lc_sig_clean_name (name);
      if (clean == NULL)
        {
          lc_hub_send_error (client, "bad-message", ref,
                      "join: \"name\" (1 to 60 characters) is required with this link");
          who_clear (&who);
          return;
        }
      who.name = g_steal_pointer (&clean);
    }

  if (room == NULL)
    room = room_new (hub, g_steal_pointer (&conf));
  if (g_hash_table_contains (room->removed, who.id))
    {
      lc_hub_client_refuse (client, "forbidden", LC_SIG_CLOSE_FORBIDDEN, ref,
                            "the host removed you from this conference");
      who_clear (&who);
      lc_hub_room_maybe_free (room);
      return;
    }

  p = g_hash_table_lookup (room->participants, who.id);
  if (p != NULL && (p->role != who.role || g_strcmp0 (p->school_id, who.school_id) != 0))
    {
      /* A per-school id carries the client_id every peer sees: another link
       * of that school must not take the identity over with its role. */
      lc_hub_client_refuse (client, "forbidden", LC_SIG_CLOSE_FORBIDDEN, ref,
                            "this identity is already in the room with another role");
      who_clear (&who);
      return;
    }
  if (p != NULL)
    {
      who_clear (&who);
      take_over (room, p, client);
      return;
    }

  if (who.school_id != NULL
      && count_where (room, WHERE_ROOM, who.school_id)
                 + count_where (room, WHERE_WAITING, who.school_id)
                 + count_where (room, WHERE_LOBBY, who.school_id)
             >= (guint) room->conf->max_participants_per_school)
    {
      g_autofree char *message = g_strdup_printf (
          "your school already has %d participants in this conference, its limit",
          room->conf->max_participants_per_school);

      lc_hub_client_refuse (client, "room-full", LC_SIG_CLOSE_FORBIDDEN, ref, message);
      who_clear (&who);
      lc_hub_room_maybe_free (room);
      return;
    }
  if (room->open && lc_hub_mesh_full (room))
    {
      refuse_mesh (client, room);
      who_clear (&who);
      lc_hub_room_maybe_free (room);
      return;
    }

  p = g_new0 (Participant, 1);
  p->room = room;
  p->id = who.id;
  p->name = who.name;
  p->school_id = who.school_id;
  p->account_id = who.account_id;
  p->role = who.role;
  p->operator = who.operator;
  p->client = client;
  client->participant = p;
  g_hash_table_insert (room->participants, p->id, p);
  g_ptr_array_add (room->order, p);

  if (!room->open)
    {
      p->where = WHERE_LOBBY;
      client->state = CLIENT_LOBBY;
      send_lobby (room, client);
      g_info ("room %s peer %s: in the lobby", room->conf->id, p->id);
      return;
    }
  admit_or_wait (room, p);
}

/* ---- the socket ---- */

/* Token bucket; FALSE when the message is over the rate (and after the
 * third strike in 10 s the socket is closed). */
static gboolean
take_token (Client *client, const char *ref)
{
  LcConferenceHub *hub = client->hub;
  gint64 now = g_get_monotonic_time ();
  double burst = hub->rate * 5;
  guint kept = 0;

  client->tokens = MIN (burst, client->tokens + (now - client->refill_us) * hub->rate / G_USEC_PER_SEC);
  client->refill_us = now;
  if (client->tokens >= 1)
    {
      client->tokens -= 1;
      return TRUE;
    }
  for (guint i = 0; i < client->n_strikes; i++)
    if (now - client->strikes[i] < LC_SIG_STRIKE_WINDOW_S * G_USEC_PER_SEC)
      client->strikes[kept++] = client->strikes[i];
  client->n_strikes = kept;
  if (client->n_strikes < LC_SIG_STRIKES)
    client->strikes[client->n_strikes++] = now;
  if (client->n_strikes >= LC_SIG_STRIKES)
    {
      g_message ("socket %" G_GUINT64_FORMAT " conference %s: flooding; closed", client->serial,
                 client->conference_id);
      lc_hub_send_error (client, "rate-limited", ref, "too many messages; closing");
      lc_hub_client_drop (client, "flood");
      lc_hub_client_close (client, LC_SIG_CLOSE_RATE, "rate-limited");
      return FALSE;
    }
  lc_hub_send_error (client, "rate-limited", ref, "too many messages; at most %.0f per second",
              hub->rate);
  return FALSE;
}

static void
dispatch (Client *client, JsonObject *o, const char *type, const char *ref)
{
  ClientState state = client->state;

  if (strcmp (type, "ping") == 0)
    {
      lc_hub_send_type (client, "pong");
      return;
    }
  if (strcmp (type, "pong") == 0)
    return;
  if (strcmp (type, "join") == 0)
    {
      if (state != CLIENT_HELLO)
        lc_hub_send_error (client, "already-joined", ref, "this socket has already joined");
      else
        handle_join (client, o, ref);
      return;
    }
  if (strcmp (type, "leave") == 0)
    {
      lc_hub_handle_leave (client);
      return;
    }

  static const char *const room_types[]
      = { "offer", "answer", "candidate", "media", "hand", "chat", "admit", "deny", "remove",
          "ask-mute", "end", NULL };
  if (!g_strv_contains (room_types, type))
    {
      lc_hub_send_error (client, "unknown-type", ref, "unknown message type");
      return;
    }
  if (state != CLIENT_ACTIVE || client->participant == NULL)
    {
      lc_hub_send_error (client, "not-joined", ref, "join the room first");
      return;
    }
  if (strcmp (type, "offer") == 0 || strcmp (type, "answer") == 0
      || strcmp (type, "candidate") == 0)
    lc_hub_handle_relay (client, o, type, ref);
  else if (strcmp (type, "media") == 0)
    lc_hub_handle_media (client, o, ref);
  else if (strcmp (type, "hand") == 0)
    lc_hub_handle_hand (client, o, ref);
  else if (strcmp (type, "chat") == 0)
    lc_hub_handle_chat (client, o, ref);
  else
    lc_hub_handle_host (client, o, type, ref);
}

static void
on_ws_message (SoupWebsocketConnection *ws, gint kind, GBytes *message, gpointer data)
{
  Client *client = data;
  LcConferenceHub *hub = client->hub;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) error = NULL;
  gsize len;
  const char *text = g_bytes_get_data (message, &len);
  const char *ref = NULL, *type = NULL, *problem = NULL;
  JsonObject *o;

  if (client->state == CLIENT_GONE)
    return;
  client->last_rx_us = g_get_monotonic_time ();
  if (!take_token (client, NULL))
    return;
  if (kind != SOUP_WEBSOCKET_DATA_TEXT)
    {
      lc_hub_send_error (client, "bad-message", NULL, "only text frames carrying JSON are accepted");
      return;
    }
  if (len > hub->max_bytes)
    {
      lc_hub_send_error (client, "too-large", NULL, "messages are limited to %" G_GSIZE_FORMAT " bytes",
                  hub->max_bytes);
      return;
    }
  root = lc_json_parse (text, len, hub->max_bytes, LC_SIG_MAX_DEPTH, &error);
  if (root == NULL)
    {
      lc_hub_send_error (client, "bad-message", NULL, "not JSON: %s", error->message);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      lc_hub_send_error (client, "bad-message", NULL, "a message must be a JSON object");
      return;
    }
  o = json_node_get_object (root);
  if (!lc_sig_get_string (o, "id", FALSE, LC_SIG_ID_MAX, &ref, &problem))
    {
      lc_hub_send_error (client, "bad-message", NULL, "\"id\" must be a string of at most %d bytes",
                  LC_SIG_ID_MAX);
      return;
    }
  if (!lc_sig_get_string (o, "type", TRUE, 64, &type, &problem))
    {
      lc_hub_send_error (client, "bad-message", ref, "\"type\": %s", problem);
      return;
    }
  dispatch (client, o, type, ref);
}

/* The socket went away (network, dead peer, flood) without "leave". */
void
lc_hub_client_drop (Client *client, const char *why)
{
  Participant *p = client->participant;

  if (p == NULL)
    return;
  g_info ("room %s peer %s: socket gone (%s)", p->room->conf->id, p->id, why);
  client->participant = NULL;
  participant_dropped (p);
}

static void
client_free (Client *client)
{
  g_signal_handlers_disconnect_by_data (client->ws, client);
  g_object_unref (client->ws);
  g_free (client->conference_id);
  g_free (client->account_id);
  g_free (client->account_name);
  g_free (client->account_school);
  g_free (client->address);
  g_free (client);
}

static void
on_ws_closed (SoupWebsocketConnection *ws, gpointer data)
{
  Client *client = data;
  LcConferenceHub *hub = client->hub;

  if (client->state != CLIENT_GONE)
    {
      client->state = CLIENT_GONE;
      lc_hub_client_drop (client, "closed");
    }
  g_hash_table_remove (hub->clients, client);
}

static void
on_ws_error (SoupWebsocketConnection *ws, GError *error, gpointer data)
{
  Client *client = data;

  g_debug ("socket %" G_GUINT64_FORMAT ": %s", client->serial, error->message);
}

/* ---- the object ---- */

static void
lc_conference_hub_dispose (GObject *object)
{
  LcConferenceHub *hub = LC_CONFERENCE_HUB (object);

  lc_conference_hub_shutdown (hub);
  g_hash_table_remove_all (hub->clients);
  g_clear_object (&hub->store);
  g_clear_pointer (&hub->config, lc_config_unref);
  g_clear_pointer (&hub->join_key, g_bytes_unref);
  G_OBJECT_CLASS (lc_conference_hub_parent_class)->dispose (object);
}

static void
lc_conference_hub_finalize (GObject *object)
{
  LcConferenceHub *hub = LC_CONFERENCE_HUB (object);

  g_hash_table_destroy (hub->rooms);
  g_hash_table_destroy (hub->clients);
  g_clear_pointer (&hub->ice, lc_ice_config_free);
  g_clear_pointer (&hub->context, g_main_context_unref);
  G_OBJECT_CLASS (lc_conference_hub_parent_class)->finalize (object);
}

static void
lc_conference_hub_class_init (LcConferenceHubClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = lc_conference_hub_dispose;
  G_OBJECT_CLASS (klass)->finalize = lc_conference_hub_finalize;
}

static void
lc_conference_hub_init (LcConferenceHub *hub)
{
  hub->rooms = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) room_free);
  hub->clients = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) client_free, NULL);
}

LcConferenceHub *
lc_conference_hub_new (LcStore *store, LcConfig *config, GBytes *join_key)
{
  g_return_val_if_fail (LC_IS_STORE (store), NULL);
  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (join_key != NULL, NULL);

  LcConferenceHub *hub = g_object_new (LC_TYPE_CONFERENCE_HUB, NULL);
  gint64 heartbeat_s;

  hub->store = g_object_ref (store);
  hub->config = lc_config_ref (config);
  hub->join_key = g_bytes_ref (join_key);
  hub->ice = lc_ice_config_new_from_config (config);
  hub->context = g_main_context_ref_thread_default ();
  hub->max_bytes = (gsize) lc_config_get_int (config, "conferences.ws_max_message_bytes");
  hub->rate = (double) lc_config_get_int (config, "conferences.ws_messages_per_second");
  heartbeat_s = lc_config_get_int (config, "conferences.heartbeat_interval");
  hub->heartbeat_us = heartbeat_s * G_USEC_PER_SEC;
  hub->grace_s = (guint) lc_config_get_int (config, "conferences.reconnect_grace");
  hub->opens_before_s = lc_config_get_int (config, "conferences.room_opens_before") * 60;
  hub->warning_s = lc_config_get_int (config, "conferences.close_warning") * 60;
  hub->mesh_max = (guint) lc_config_get_int (config, "conferences.mesh_max_participants");
  hub->send_backlog_max = LC_SIG_SEND_BACKLOG_MAX;
  hub->tick = attach_timeout (hub, MAX (250, heartbeat_s * 1000 / 4), lc_hub_tick, hub);
  return hub;
}

void
lc_conference_hub_add_socket (LcConferenceHub *hub, const char *conference_id,
                              SoupWebsocketConnection *ws, const LcHubIdentity *identity)
{
  Client *client;
  gint64 now = g_get_monotonic_time ();

  g_return_if_fail (LC_IS_CONFERENCE_HUB (hub));
  g_return_if_fail (conference_id != NULL);
  g_return_if_fail (SOUP_IS_WEBSOCKET_CONNECTION (ws));

  if (hub->shut_down)
    {
      if (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (ws, LC_SIG_CLOSE_GOING_AWAY, "shutting down");
      return;
    }
  client = g_new0 (Client, 1);
  client->hub = hub;
  client->ws = g_object_ref (ws);
  client->serial = ++hub->next_serial;
  client->conference_id = g_strdup (conference_id);
  client->account_role = -1;
  if (identity != NULL && identity->account_id != NULL)
    {
      client->account_id = g_strdup (identity->account_id);
      client->account_name = g_strdup (identity->display_name);
      client->account_role = identity->account_role;
      client->account_school = g_strdup (identity->school_id);
    }
  client->address = g_strdup (identity != NULL ? identity->client : NULL);
  client->connected_us = client->last_rx_us = client->last_ping_us = client->refill_us = now;
  client->progress_us = now;
  client->tokens = hub->rate * 5;
  g_hash_table_add (hub->clients, client);
  g_signal_connect (ws, "message", G_CALLBACK (on_ws_message), client);
  g_signal_connect (ws, "closed", G_CALLBACK (on_ws_closed), client);
  g_signal_connect (ws, "error", G_CALLBACK (on_ws_error), client);
  g_debug ("socket %" G_GUINT64_FORMAT " conference %s: connected", client->serial, conference_id);
}

guint
lc_conference_hub_count (LcConferenceHub *hub, const char *conference_id)
{
  Room *room;

  g_return_val_if_fail (LC_IS_CONFERENCE_HUB (hub), 0);
  room = conference_id != NULL ? g_hash_table_lookup (hub->rooms, conference_id) : NULL;
  /* Not only while open: a room moved later keeps those inside. */
  if (room == NULL)
    return 0;
  return count_where (room, WHERE_ROOM, NULL);
}

/* Host, or invited and not declined (what a join link needs); operators
 * are there for no school. */
static gboolean
participant_takes_part (Room *room, Participant *p)
{
  const LcConferenceInvite *invite;

  if (p->operator || p->school_id == NULL
      || g_strcmp0 (p->school_id, room->conf->host_school_id) == 0)
    return TRUE;
  invite = lc_conference_find_invite (room->conf, p->school_id);
  return invite != NULL && invite->status != LC_INVITE_DECLINED;
}

/* A school declined or left the invite list: its participants go, peers see
 * peer-left "removed" (hosts see knock-cancelled "removed" for the waiting
 * room), the removed get "removed" (reason "school") and close 4403. They
 * may come back if the school is invited again. */
static void
remove_non_participants (Room *room)
{
  g_autoptr (GPtrArray) gone = g_ptr_array_new ();

  for (guint i = 0; i < room->order->len; i++)
    if (!participant_takes_part (room, room->order->pdata[i]))
      g_ptr_array_add (gone, room->order->pdata[i]);
  for (guint i = 0; i < gone->len; i++)
    {
      Participant *p = gone->pdata[i];
      Client *client = p->client;

      g_message ("room %s peer %s: its school no longer takes part; removed", room->conf->id,
                 p->id);
      lc_hub_participant_remove (p, "removed");
      if (client != NULL)
        {
          JsonObject *o = lc_sig_message_new ("removed");

          json_object_set_string_member (o, "reason", "school");
          lc_hub_send_object (client, o);
          lc_hub_client_close (client, LC_SIG_CLOSE_FORBIDDEN, "removed");
        }
    }
}

/* New times: lobby sockets get a fresh "lobby", the others "rescheduled".
 * A room whose opening moved into the future takes nobody new in until then
 * (newcomers wait in the lobby); those inside (and in the waiting room) stay:
 * an edit does not cut a meeting off. */
static void
announce_new_times (Room *room)
{
  for (guint i = 0; i < room->order->len; i++)
    {
      Participant *p = room->order->pdata[i];
      JsonObject *o;

      if (p->client == NULL || p->client->state == CLIENT_GONE)
        continue;
      if (p->where == WHERE_LOBBY)
        {
          send_lobby (room, p->client);
          continue;
        }
      o = lc_sig_message_new ("rescheduled");
      lc_sig_set_time (o, "opens_at", room->conf->starts_at - room->hub->opens_before_s);
      lc_sig_set_time (o, "starts_at", room->conf->starts_at);
      lc_sig_set_time (o, "ends_at", room->conf->ends_at);
      json_object_set_boolean_member (o, "open", room->open);
      lc_hub_send_object (p->client, o);
    }
}

void
lc_conference_hub_conference_changed (LcConferenceHub *hub, const char *conference_id)
{
  Room *room;
  g_autoptr (GError) error = NULL;
  LcConference *conf;
  gboolean times_changed;

  g_return_if_fail (LC_IS_CONFERENCE_HUB (hub));
  room = conference_id != NULL ? g_hash_table_lookup (hub->rooms, conference_id) : NULL;
  if (room == NULL)
    return;
  conf = lc_store_get_conference (hub->store, conference_id, &error);
  if (conf == NULL || conf->status == LC_CONFERENCE_CANCELLED)
    {
      g_clear_pointer (&conf, lc_conference_free);
      lc_hub_room_end (room, "cancelled");
      return;
    }
  if (conf->status == LC_CONFERENCE_ENDED)
    {
      lc_conference_free (conf);
      lc_hub_room_end (room, "host");
      return;
    }
  times_changed
      = conf->starts_at != room->conf->starts_at || conf->ends_at != room->conf->ends_at;
  /* The rooms table is keyed by the conference's id string: swap in place. */
  g_hash_table_steal (hub->rooms, conference_id);
  lc_conference_free (room->conf);
  room->conf = conf;
  g_hash_table_insert (hub->rooms, room->conf->id, room);
  if (lc_time_now () >= conf->ends_at)
    {
      lc_hub_room_end (room, "time");
      return;
    }
  remove_non_participants (room);
  if (room->open && lc_time_now () < conf->starts_at - hub->opens_before_s)
    {
      room->open = FALSE;
      g_message ("room %s: moved later; closed to newcomers until it opens again", conf->id);
    }
  room_schedule (room);
  if (times_changed)
    announce_new_times (room);
  if (room->open && !conf->waiting_room)
    {
      g_autoptr (GPtrArray) waiting = g_ptr_array_new ();

      for (guint i = 0; i < room->order->len; i++)
        if (((Participant *) room->order->pdata[i])->where == WHERE_WAITING)
          g_ptr_array_add (waiting, room->order->pdata[i]);
      for (guint i = 0; i < waiting->len; i++)
        {
          Participant *p = waiting->pdata[i];
          Client *client = p->client;
          JsonObject *cancelled;

          if (lc_hub_mesh_full (room))
            {
              lc_hub_participant_remove (p, NULL);
              if (client != NULL)
                refuse_mesh (client, room);
              continue;
            }
          cancelled = lc_sig_message_new ("knock-cancelled");
          json_object_set_string_member (cancelled, "peer", p->id);
          json_object_set_string_member (cancelled, "reason", "admitted");
          lc_hub_send_to_hosts (room, cancelled);
          lc_hub_enter_room (room, p);
        }
    }
  lc_hub_room_maybe_free (room);
}

void
lc_conference_hub_shutdown (LcConferenceHub *hub)
{
  g_autoptr (GPtrArray) clients = NULL;
  gint64 now = lc_time_now ();
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (LC_IS_CONFERENCE_HUB (hub));
  if (hub->shut_down)
    return;
  hub->shut_down = TRUE;
  lc_source_clear (&hub->tick);
  lc_source_clear (&hub->slow_idle);

  g_hash_table_iter_init (&iter, hub->rooms);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Room *room = value;

      for (guint i = 0; i < room->order->len; i++)
        {
          Participant *p = room->order->pdata[i];

          if (p->where == WHERE_ROOM)
            attendance_close (room, p, p->dropped_at > 0 ? p->dropped_at : now);
          if (p->client != NULL)
            p->client->participant = NULL;
          p->client = NULL;
        }
    }
  g_hash_table_remove_all (hub->rooms);

  clients = lc_hub_clients_snapshot (hub);
  for (guint i = 0; i < clients->len; i++)
    if (g_hash_table_contains (hub->clients, clients->pdata[i]))
      lc_hub_client_close (clients->pdata[i], LC_SIG_CLOSE_GOING_AWAY, "server shutting down");
  if (clients->len > 0)
    g_message ("conference rooms closed (%u socket(s))", clients->len);
}
