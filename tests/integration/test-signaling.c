/* test-signaling.c — the conference WebSocket (docs/signaling.md) against the
 * real app in-process: libsoup WebSocket clients on 127.0.0.1, conferences
 * inserted through the store so that their times can be "now". */
#include <string.h>
#include <sys/socket.h>

#include "common/lc-crypto.h"
#include "common/lc-join-token.h"
#include "common/lc-store.h"
#include "common/lc-time.h"
#include "lc-test-util.h"
#include "signaling/lc-conference-hub.h"
#include "signaling/lc-conference-private.h"
#include "signaling/lc-http-server.h"

#define PASSWORD "Signal-pass-2026"

typedef struct
{
  LcTestServer *ts;
  GBytes *key;
  char *school_a, *school_b, *school_c;
  char *conf;  /* A hosts, B accepted, C not invited; open now */
  char *conf2; /* another open room */
} Fixture;

typedef struct
{
  LcTestServer *ts;
  SoupWebsocketConnection *ws;
  GQueue msgs; /* JsonNode* */
  gboolean done; /* connect finished */
  gboolean closed;
  guint handshake_status;
  gboolean silent; /* does not answer the server's pings */
} Cli;

/* Heartbeats of 10 s: ASan builds on a loaded machine may stall the loop. */
static const char *const calm[] = { "conferences.room_opens_before=0",
                                    "conferences.ws_messages_per_second=50", NULL };
static const char *const slow_rate[] = { "conferences.ws_messages_per_second=5", NULL };
static const char *const fast[] = { "conferences.heartbeat_interval=1",
                                    "conferences.reconnect_grace=2",
                                    "conferences.room_opens_before=0",
                                    "conferences.ws_messages_per_second=50", NULL };

static char *
seed_conference (Fixture *f, gint64 starts_at, gint64 ends_at, gboolean waiting_room)
{
  g_autoptr (LcConference) c = lc_conference_new ();
  g_autoptr (GError) error = NULL;

  c->id = lc_id_new ();
  c->title = g_strdup ("Joint lesson");
  c->description = g_strdup ("");
  c->agenda = g_strdup ("");
  c->host_school_id = g_strdup (f->school_a);
  c->starts_at = starts_at;
  c->ends_at = ends_at;
  c->max_participants_per_school = 10;
  c->waiting_room = waiting_room;
  c->status = LC_CONFERENCE_SCHEDULED;
  c->created_at = c->updated_at = lc_time_now ();
  g_ptr_array_add (c->invites, lc_conference_invite_new (f->school_b, LC_INVITE_ACCEPTED));
  g_assert_true (lc_store_insert_conference (lc_app_get_store (f->ts->app), c, &error));
  g_assert_no_error (error);
  return g_strdup (c->id);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autofree char *secret = NULL;
  g_autoptr (GError) error = NULL;
  gint64 now = lc_time_now ();

  f->ts = lc_test_server_start (data != NULL ? data : calm, FALSE);
  secret = g_build_filename (f->ts->data_dir, "join-secret", NULL);
  f->key = lc_join_secret_load_or_create (secret, &error);
  g_assert_no_error (error);
  f->school_a = lc_test_seed_school (f->ts, "School A", "North");
  f->school_b = lc_test_seed_school (f->ts, "School B", "North");
  f->school_c = lc_test_seed_school (f->ts, "School C", "South");
  f->conf = seed_conference (f, now - 60, now + 3600, FALSE);
  f->conf2 = seed_conference (f, now - 60, now + 3600, FALSE);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  lc_test_server_stop (f->ts);
  g_bytes_unref (f->key);
  g_free (f->school_a);
  g_free (f->school_b);
  g_free (f->school_c);
  g_free (f->conf);
  g_free (f->conf2);
}

static char *
token_for (Fixture *f, const char *conf, const char *school, LcConferenceRole role,
           const char *name, const char *participant, gint64 expires_at)
{
  g_autoptr (LcJoinClaims) claims = lc_join_claims_new ();

  claims->conference_id = g_strdup (conf);
  claims->school_id = g_strdup (school);
  claims->role = role;
  claims->display_name = g_strdup (name);
  claims->participant_id = g_strdup (participant);
  claims->expires_at = expires_at != 0 ? expires_at : lc_time_now () + 3600;
  return lc_join_token_sign (f->key, claims);
}

/* ---- the client ---- */

static void
cli_send (Cli *c, const char *text)
{
  soup_websocket_connection_send_text (c->ws, text);
}

static void
on_message (SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer data)
{
  Cli *c = data;
  gsize len;
  const char *text = g_bytes_get_data (message, &len);
  g_autoptr (JsonParser) parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, text, (gssize) len, NULL));
  JsonNode *root = json_node_copy (json_parser_get_root (parser));
  const char *t = json_object_get_string_member (json_node_get_object (root), "type");
  if (strcmp (t, "ping") == 0)
    {
      if (!c->silent)
        cli_send (c, "{\"type\":\"pong\"}");
      json_node_unref (root);
      return;
    }
  g_queue_push_tail (&c->msgs, root);
}

static void
on_closed (SoupWebsocketConnection *ws, gpointer data)
{
  ((Cli *) data)->closed = TRUE;
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer data)
{
  Cli *c = data;
  g_autoptr (GError) error = NULL;

  c->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (c->ws != NULL)
    {
      g_signal_connect (c->ws, "message", G_CALLBACK (on_message), c);
      g_signal_connect (c->ws, "closed", G_CALLBACK (on_closed), c);
    }
  c->done = TRUE;
}

static gboolean
cond_done (gpointer data)
{
  return ((Cli *) data)->done;
}

static gboolean
cond_closed (gpointer data)
{
  return ((Cli *) data)->closed;
}

/* Connect (cookie/origin nullable); NULL ws when the handshake failed
 * (handshake_status then holds the HTTP status). */
static Cli *
cli_connect (Fixture *f, const char *conf, const char *cookie, const char *origin)
{
  Cli *c = g_new0 (Cli, 1);
  g_autofree char *url = NULL;
  g_autoptr (SoupMessage) msg = NULL;

  c->ts = f->ts;
  g_queue_init (&c->msgs);
  url = g_strdup_printf ("ws://127.0.0.1:%u/ws/conference/%s", lc_app_get_port (f->ts->app), conf);
  msg = soup_message_new ("GET", url);
  if (cookie != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Cookie",
                                  g_str_has_prefix (cookie, "Cookie: ") ? cookie + 8 : cookie);
  if (origin != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Origin", origin);
  soup_session_websocket_connect_async (f->ts->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        on_connected, c);
  lc_test_wait_for (f->ts, cond_done, c, 10000);
  c->handshake_status = soup_message_get_status (msg);
  if (c->ws != NULL)
    g_assert_null (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                 "Sec-WebSocket-Extensions"));
  return c;
}

static void
cli_free (Cli *c)
{
  if (c->ws != NULL)
    {
      if (soup_websocket_connection_get_state (c->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (c->ws, 1000, NULL);
      if (!c->closed)
        lc_test_wait_for (c->ts, cond_closed, c, 10000);
      g_signal_handlers_disconnect_by_data (c->ws, c);
      g_object_unref (c->ws);
    }
  g_queue_clear_full (&c->msgs, (GDestroyNotify) json_node_unref);
  g_free (c);
}

typedef struct
{
  Cli *c;
  const char *type;
  JsonNode *found;
} Want;

static gboolean
cond_message (gpointer data)
{
  Want *w = data;

  for (GList *l = w->c->msgs.head; l != NULL; l = l->next)
    {
      JsonObject *o = json_node_get_object (l->data);

      if (strcmp (json_object_get_string_member (o, "type"), w->type) == 0)
        {
          w->found = l->data;
          g_queue_delete_link (&w->c->msgs, l);
          return TRUE;
        }
    }
  return FALSE;
}

/* The next message of that type (others stay queued). (transfer full) */
static JsonNode *
cli_wait (Cli *c, const char *type)
{
  Want w = { c, type, NULL };

  lc_test_wait_for (c->ts, cond_message, &w, 10000);
  g_assert_nonnull (w.found);
  return w.found;
}

/* An error with that code (and ref when given). */
static void
cli_wait_error (Cli *c, const char *code, const char *ref)
{
  g_autoptr (JsonNode) node = cli_wait (c, "error");
  JsonObject *o = json_node_get_object (node);

  g_assert_cmpstr (json_object_get_string_member (o, "code"), ==, code);
  g_assert_cmpstr (json_object_get_string_member_with_default (o, "ref", NULL), ==, ref);
  g_assert_true (strlen (json_object_get_string_member (o, "message")) > 0);
}

static gushort
cli_wait_closed (Cli *c)
{
  lc_test_wait_for (c->ts, cond_closed, c, 15000);
  return soup_websocket_connection_get_close_code (c->ws);
}

static void
cli_join (Cli *c, const char *token, const char *name, const char *client_id)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "join");
  if (token != NULL)
    {
      json_builder_set_member_name (b, "token");
      json_builder_add_string_value (b, token);
    }
  if (name != NULL)
    {
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, name);
    }
  json_builder_set_member_name (b, "client_id");
  json_builder_add_string_value (b, client_id != NULL ? client_id : "client-0123456789");
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = json_to_string (root, FALSE);
  cli_send (c, text);
}

/* Connect with a per-participant token and wait for "welcome". */
static Cli *
cli_enter (Fixture *f, const char *conf, const char *school, LcConferenceRole role,
           const char *participant, JsonNode **welcome)
{
  g_autofree char *token = token_for (f, conf, school, role, participant, participant, 0);
  Cli *c = cli_connect (f, conf, NULL, NULL);
  JsonNode *w;

  g_assert_nonnull (c->ws);
  cli_join (c, token, NULL, NULL);
  w = cli_wait (c, "welcome");
  if (welcome != NULL)
    *welcome = w;
  else
    json_node_unref (w);
  return c;
}

static const char *
member (JsonNode *node, const char *path)
{
  JsonObject *o = json_node_get_object (node);
  g_auto (GStrv) parts = g_strsplit (path, ".", -1);

  for (guint i = 0; parts[i + 1] != NULL; i++)
    o = json_object_get_object_member (o, parts[i]);
  return json_object_get_string_member (o, parts[g_strv_length (parts) - 1]);
}

/* ---- tests ---- */

static guint
conn_count (Fixture *f)
{
  return lc_http_server_get_connection_count (lc_app_get_http_server (f->ts->app));
}

static gboolean
cond_conns_zero (gpointer data)
{
  return conn_count (data) == 0;
}

static void
test_join_relay_leave (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) wa = NULL, wb = NULL, joined = NULL, offer = NULL, answer = NULL,
                       cand = NULL, left = NULL;
  Cli *a = cli_enter (f, f->conf, f->school_a, LC_CONFERENCE_ROLE_HOST, "alice", &wa);
  Cli *b;

  g_assert_cmpstr (member (wa, "you.id"), ==, "alice");
  g_assert_cmpstr (member (wa, "you.role"), ==, "host");
  g_assert_cmpstr (member (wa, "you.school.short_name"), ==, "School A");
  g_assert_cmpstr (member (wa, "conference.id"), ==, f->conf);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (wa), "peers")), ==, 0);
  g_assert_false (json_object_get_boolean_member (json_node_get_object (wa), "resumed"));

  b = cli_enter (f, f->conf, f->school_b, LC_CONFERENCE_ROLE_PARTICIPANT, "bob", &wb);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (wb), "peers")), ==, 1);
  joined = cli_wait (a, "peer-joined");
  g_assert_cmpstr (member (joined, "peer.id"), ==, "bob");
  g_assert_cmpstr (member (joined, "peer.name"), ==, "bob");

  cli_send (b, "{\"type\":\"offer\",\"to\":\"alice\",\"sdp\":\"v=0 offer\"}");
  offer = cli_wait (a, "offer");
  g_assert_cmpstr (member (offer, "from"), ==, "bob");
  g_assert_cmpstr (member (offer, "sdp"), ==, "v=0 offer");
  cli_send (a, "{\"type\":\"answer\",\"to\":\"bob\",\"sdp\":\"v=0 answer\"}");
  answer = cli_wait (b, "answer");
  g_assert_cmpstr (member (answer, "from"), ==, "alice");
  cli_send (a, "{\"type\":\"candidate\",\"to\":\"bob\",\"candidate\":{\"candidate\":\"candidate:1 1 "
               "udp 1 127.0.0.1 5000 typ host\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0,\"x\":1}}");
  cand = cli_wait (b, "candidate");
  g_assert_cmpstr (member (cand, "candidate.sdpMid"), ==, "0");
  g_assert_false (json_object_has_member (
      json_object_get_object_member (json_node_get_object (cand), "candidate"), "x"));

  cli_send (b, "{\"type\":\"leave\"}");
  g_assert_cmpuint (cli_wait_closed (b), ==, 1000);
  left = cli_wait (a, "peer-left");
  g_assert_cmpstr (member (left, "peer"), ==, "bob");
  g_assert_cmpstr (member (left, "reason"), ==, "left");
  cli_free (b);
  cli_free (a);
  /* Upgraded connections count until they close. */
  lc_test_wait_for (f->ts, cond_conns_zero, f, 10000);
}


/* A ping answered by a pong proves nothing else was queued before it. */
static void
assert_nothing_else (Cli *c)
{
  g_autoptr (JsonNode) pong = NULL;

  cli_send (c, "{\"type\":\"ping\"}");
  pong = cli_wait (c, "pong");
  g_assert_cmpuint (g_queue_get_length (&c->msgs), ==, 0);
}

static void
test_isolation (Fixture *f, gconstpointer data)
{
  Cli *a = cli_enter (f, f->conf, f->school_a, LC_CONFERENCE_ROLE_HOST, "alice", NULL);
  Cli *c = cli_enter (f, f->conf2, f->school_a, LC_CONFERENCE_ROLE_HOST, "carol", NULL);

  cli_send (c, "{\"type\":\"offer\",\"to\":\"alice\",\"sdp\":\"v=0\",\"id\":\"m1\"}");
  cli_wait_error (c, "unknown-peer", "m1");
  cli_send (c, "{\"type\":\"candidate\",\"to\":\"alice\",\"candidate\":null,\"id\":\"m2\"}");
  cli_wait_error (c, "unknown-peer", "m2");
  cli_send (c, "{\"type\":\"chat\",\"text\":\"hello room 2\"}");
  g_autoptr (JsonNode) chat = cli_wait (c, "chat");
  g_assert_cmpstr (member (chat, "from"), ==, "carol");
  assert_nothing_else (a);
  cli_free (a);
  cli_free (c);
}

static void
expect_refused (Fixture *f, const char *conf, const char *cookie, const char *token,
                const char *code, gushort close_code)
{
  Cli *c = cli_connect (f, conf, cookie, cookie != NULL ? f->ts->base_url : NULL);

  g_assert_nonnull (c->ws);
  cli_join (c, token, "Guest", NULL);
  cli_wait_error (c, code, NULL);
  g_assert_cmpuint (cli_wait_closed (c), ==, close_code);
  cli_free (c);
}

static void
test_auth (Fixture *f, gconstpointer data)
{
  g_autofree char *good = token_for (f, f->conf, f->school_b, LC_CONFERENCE_ROLE_PARTICIPANT, NULL, NULL, 0);
  g_autofree char *tampered = g_strdup (good);
  g_autofree char *expired = token_for (f, f->conf, f->school_b, LC_CONFERENCE_ROLE_PARTICIPANT, NULL, NULL, lc_time_now () - 10);
  g_autofree char *other = token_for (f, f->conf2, f->school_b, LC_CONFERENCE_ROLE_PARTICIPANT, NULL, NULL, 0);
  g_autofree char *school_c = token_for (f, f->conf, f->school_c, LC_CONFERENCE_ROLE_PARTICIPANT, NULL, NULL, 0);
  g_autofree char *teacher_c G_GNUC_UNUSED = lc_test_seed_account (f->ts, "teacher-c", "teacher", f->school_c, PASSWORD, TRUE);
  g_autofree char *cookie_c = lc_test_login_cookie (f->ts, "teacher-c", PASSWORD);
  g_autofree char *missing = lc_id_new ();
  Cli *c;

  tampered[strlen (tampered) - 2] = tampered[strlen (tampered) - 2] == 'A' ? 'B' : 'A';
  expect_refused (f, f->conf, NULL, NULL, "unauthorized", 4401);
  expect_refused (f, f->conf, NULL, tampered, "invalid-token", 4401);
  expect_refused (f, f->conf, NULL, expired, "invalid-token", 4401);
  expect_refused (f, f->conf, NULL, other, "invalid-token", 4401);
  expect_refused (f, f->conf, NULL, school_c, "not-invited", 4403);
  expect_refused (f, f->conf, cookie_c, NULL, "not-invited", 4403);

  /* Handshake refusals: unknown conference, cookie from a foreign origin. */
  c = cli_connect (f, missing, NULL, NULL);
  g_assert_null (c->ws);
  g_assert_cmpuint (c->handshake_status, ==, 404);
  cli_free (c);
  c = cli_connect (f, f->conf, cookie_c, "https://evil.example.org");
  g_assert_null (c->ws);
  g_assert_cmpuint (c->handshake_status, ==, 403);
  cli_free (c);

  /* The good token with a typed-in name works. */
  c = cli_connect (f, f->conf, NULL, NULL);
  cli_join (c, good, NULL, NULL);
  cli_wait_error (c, "bad-message", NULL); /* no name */
  cli_join (c, good, "  Guest of B  ", NULL);
  g_autoptr (JsonNode) w = cli_wait (c, "welcome");
  g_assert_cmpstr (member (w, "you.name"), ==, "Guest of B");
  g_autofree char *expected_id = g_strdup_printf ("s:%s:client-0123456789", f->school_b);
  g_assert_cmpstr (member (w, "you.id"), ==, expected_id);
  cli_join (c, good, "x", NULL);
  cli_wait_error (c, "already-joined", NULL);
  cli_free (c);
}

static void
test_malformed (Fixture *f, gconstpointer data)
{
  Cli *a = cli_enter (f, f->conf, f->school_a, LC_CONFERENCE_ROLE_HOST, "alice", NULL);
  Cli *b = cli_enter (f, f->conf, f->school_b, LC_CONFERENCE_ROLE_PARTICIPANT, "bob", NULL);
  Cli *n = cli_connect (f, f->conf, NULL, NULL);
  g_autofree char *big = NULL;
  g_autofree char *huge = NULL;
  g_autoptr (JsonNode) joined = cli_wait (a, "peer-joined");

  g_assert_cmpstr (member (joined, "peer.id"), ==, "bob");
  cli_send (n, "{\"type\":\"chat\",\"text\":\"hi\",\"id\":\"early\"}");
  cli_wait_error (n, "not-joined", "early");
  cli_free (n);

  cli_send (b, "not json");
  cli_wait_error (b, "bad-message", NULL);
  cli_send (b, "[1,2]");
  cli_wait_error (b, "bad-message", NULL);
  cli_send (b, "{\"type\":7}");
  cli_wait_error (b, "bad-message", NULL);
  cli_send (b, "{\"type\":\"media\",\"audio\":\"yes\",\"video\":true,\"screen\":false,\"id\":\"m\"}");
  cli_wait_error (b, "bad-message", "m");
  cli_send (b, "{\"type\":\"offer\",\"to\":5,\"sdp\":\"x\",\"id\":\"o\"}");
  cli_wait_error (b, "bad-message", "o");
  cli_send (b, "{\"type\":\"chat\",\"text\":\"\",\"id\":\"c\"}");
  cli_wait_error (b, "bad-message", "c");
  cli_send (b, "{\"type\":\"dance\",\"id\":\"d\"}");
  cli_wait_error (b, "unknown-type", "d");
  cli_send (b, "{\"type\":\"end\",\"id\":\"e\"}");
  cli_wait_error (b, "forbidden", "e");
  cli_send (b, "{\"type\":\"ping\",\"id\":7}");
  cli_wait_error (b, "bad-message", NULL);

  /* Over the limit: an error; over twice the limit: 1009. */
  big = g_strnfill (65536 + 10, 'x');
  big[0] = '"';
  big[65536 + 9] = '"';
  cli_send (b, big);
  cli_wait_error (b, "too-large", NULL);
  /* The room goes on. */
  cli_send (b, "{\"type\":\"media\",\"audio\":false,\"video\":true,\"screen\":false}");
  g_autoptr (JsonNode) media = cli_wait (a, "media");
  g_assert_cmpstr (member (media, "peer"), ==, "bob");
  huge = g_strnfill (2 * 65536 + 10, 'y');
  cli_send (b, huge);
  {
    /* The server refuses the frame unbuffered (1009); the client may see
     * its write cut before that close frame arrives. */
    gushort code = cli_wait_closed (b);
    g_autoptr (JsonNode) state = cli_wait (a, "peer-state");

    g_assert_true (code == 1009 || code == 0);
    g_assert_cmpstr (member (state, "state"), ==, "reconnecting");
  }
  cli_free (b);

  /* A flood: rate-limited, then 4429. Others are not affected. */
  b = cli_enter (f, f->conf, f->school_b, LC_CONFERENCE_ROLE_PARTICIPANT, "bob2", NULL);
  for (int i = 0; i < 300; i++)
    cli_send (b, "{\"type\":\"hand\",\"raised\":true}");
  cli_wait_error (b, "rate-limited", NULL);
  g_assert_cmpuint (cli_wait_closed (b), ==, 4429);
  cli_free (b);
  {
    /* Only what passed the bucket (burst 5 × 5, refilled at 5/s) reached the others. */
    g_autoptr (JsonNode) pong = NULL;
    guint hands = 0;

    cli_send (a, "{\"type\":\"ping\"}");
    pong = cli_wait (a, "pong");
    for (GList *l = a->msgs.head; l != NULL; l = l->next)
      if (g_strcmp0 (member (l->data, "type"), "hand") == 0)
        hands++;
    g_assert_cmpuint (hands, >, 0);
    g_assert_cmpuint (hands, <=, 60);
  }
  cli_free (a);
}

static gboolean
cond_rows_closed (gpointer data)
{
  Fixture *f = data;
  g_autoptr (GPtrArray) rows = lc_store_list_attendance (lc_app_get_store (f->ts->app), f->conf, NULL);

  if (rows == NULL || rows->len == 0)
    return FALSE;
  for (guint i = 0; i < rows->len; i++)
    if (((LcAttendance *) rows->pdata[i])->left_at == 0)
      return FALSE;
  return TRUE;
}

static void
test_dead_peer_and_reconnect (Fixture *f, gconstpointer data)
{
  Cli *a = cli_enter (f, f->conf, f->school_a, LC_CONFERENCE_ROLE_HOST, "alice", NULL);
  Cli *b = cli_enter (f, f->conf, f->school_b, LC_CONFERENCE_ROLE_PARTICIPANT, "bob", NULL);
  Cli *b2, *b3;
  g_autoptr (JsonNode) j1 G_GNUC_UNUSED = cli_wait (a, "peer-joined");
  g_autoptr (JsonNode) state = NULL, back = NULL, left = NULL, w = NULL, replaced = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();

  /* bob stops answering: dropped within 3 heartbeats (1 s), reconnecting. */
  b->silent = TRUE;
  state = cli_wait (a, "peer-state");
  g_assert_cmpstr (member (state, "peer"), ==, "bob");
  g_assert_cmpstr (member (state, "state"), ==, "reconnecting");
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 4 * G_USEC_PER_SEC);
  g_assert_cmpuint (cli_wait_closed (b), ==, 4408);
  cli_free (b);

  /* bob comes back within the grace: the same participant, resumed. */
  b2 = cli_enter (f, f->conf, f->school_b, LC_CONFERENCE_ROLE_PARTICIPANT, "bob", &w);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (w), "resumed"));
  back = cli_wait (a, "peer-joined");
  g_assert_cmpstr (member (back, "peer.id"), ==, "bob");
  g_assert_true (json_object_get_boolean_member (json_node_get_object (back), "resumed"));
  g_assert_cmpuint (lc_conference_hub_count (lc_app_get_conference_hub (f->ts->app), f->conf), ==, 2);

  /* The same identity on a new socket replaces the old one (4409). */
  b3 = cli_enter (f, f->conf, f->school_b, LC_CONFERENCE_ROLE_PARTICIPANT, "bob", NULL);
  replaced = cli_wait (b2, "replaced");
  g_assert_cmpuint (cli_wait_closed (b2), ==, 4409);
  cli_free (b2);
  g_clear_pointer (&back, json_node_unref);
  back = cli_wait (a, "peer-joined");
  g_assert_true (json_object_get_boolean_member (json_node_get_object (back), "resumed"));

  /* A network drop past the grace (2 s): peer-left "timeout". */
  soup_websocket_connection_close (b3->ws, 4000, NULL);
  cli_wait_closed (b3);
  cli_free (b3);
  left = cli_wait (a, "peer-left");
  g_assert_cmpstr (member (left, "reason"), ==, "timeout");
  cli_free (a);

  /* One attendance row for bob's stay (the reconnects continued it) and one for alice. */
  lc_test_wait_for (f->ts, cond_rows_closed, f, 10000);
  rows = lc_store_list_attendance (lc_app_get_store (f->ts->app), f->conf, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 2);
  for (guint i = 0; i < rows->len; i++)
    {
      LcAttendance *row = rows->pdata[i];

      g_assert_true (g_strcmp0 (row->participant_id, "alice") == 0
                     || g_strcmp0 (row->participant_id, "bob") == 0);
      g_assert_cmpint (row->left_at, >=, row->joined_at);
      g_assert_cmpint (row->left_at, >, 0);
    }
}

static void
test_lobby (Fixture *f, gconstpointer data)
{
  gint64 now = lc_time_now ();
  g_autofree char *soon = seed_conference (f, now + 2, now + 3600, FALSE);
  g_autofree char *token = token_for (f, soon, f->school_b, LC_CONFERENCE_ROLE_PARTICIPANT, "Bob", "bob", 0);
  Cli *b = cli_connect (f, soon, NULL, NULL);
  g_autoptr (JsonNode) lobby = NULL, w = NULL;

  cli_join (b, token, NULL, NULL);
  lobby = cli_wait (b, "lobby");
  g_assert_cmpstr (member (lobby, "title"), ==, "Joint lesson");
  g_assert_cmpuint (lc_conference_hub_count (lc_app_get_conference_hub (f->ts->app), soon), ==, 0);
  w = cli_wait (b, "welcome");
  g_assert_cmpstr (member (w, "you.id"), ==, "bob");
  cli_free (b);
}

static void
test_waiting_room (Fixture *f, gconstpointer data)
{
  gint64 now = lc_time_now ();
  g_autofree char *conf = seed_conference (f, now - 60, now + 3600, TRUE);
  g_autofree char *coord = lc_test_seed_account (f->ts, "coord-a", "coordinator", f->school_a, PASSWORD, TRUE);
  g_autofree char *cookie = lc_test_login_cookie (f->ts, "coord-a", PASSWORD);
  g_autofree char *tb = token_for (f, conf, f->school_b, LC_CONFERENCE_ROLE_PARTICIPANT, "Bob", "bob", 0);
  g_autofree char *tc = token_for (f, conf, f->school_b, LC_CONFERENCE_ROLE_PARTICIPANT, "Cid", "cid", 0);
  g_autofree char *host_id = g_strdup_printf ("a:%s", coord);
  Cli *h = cli_connect (f, conf, cookie, f->ts->base_url);
  Cli *b, *c;
  g_autoptr (JsonNode) wh = NULL, knock = NULL, wb = NULL, knock2 = NULL, joined = NULL,
                       mute = NULL, left = NULL, ended = NULL;

  cli_join (h, NULL, NULL, NULL);
  wh = cli_wait (h, "welcome");
  g_assert_cmpstr (member (wh, "you.role"), ==, "host");
  g_assert_cmpstr (member (wh, "you.id"), ==, host_id);

  b = cli_connect (f, conf, NULL, NULL);
  cli_join (b, tb, NULL, NULL);
  g_autoptr (JsonNode) waiting G_GNUC_UNUSED = cli_wait (b, "waiting");
  knock = cli_wait (h, "knock");
  g_assert_cmpstr (member (knock, "peer.id"), ==, "bob");
  cli_send (h, "{\"type\":\"admit\",\"peer\":\"bob\"}");
  wb = cli_wait (b, "welcome");
  joined = cli_wait (h, "peer-joined");

  c = cli_connect (f, conf, NULL, NULL);
  cli_join (c, tc, NULL, NULL);
  knock2 = cli_wait (h, "knock");
  cli_send (h, "{\"type\":\"deny\",\"peer\":\"cid\"}");
  g_autoptr (JsonNode) denied G_GNUC_UNUSED = cli_wait (c, "denied");
  g_assert_cmpuint (cli_wait_closed (c), ==, 4403);
  cli_free (c);

  /* Host controls: ask-mute, remove (cannot come back), end. */
  cli_send (b, "{\"type\":\"remove\",\"peer\":\"alice\",\"id\":\"r\"}");
  cli_wait_error (b, "forbidden", "r");
  cli_send (h, "{\"type\":\"ask-mute\",\"peer\":\"bob\"}");
  mute = cli_wait (b, "ask-mute");
  cli_send (h, "{\"type\":\"remove\",\"peer\":\"bob\"}");
  g_autoptr (JsonNode) removed G_GNUC_UNUSED = cli_wait (b, "removed");
  g_assert_cmpuint (cli_wait_closed (b), ==, 4403);
  cli_free (b);
  left = cli_wait (h, "peer-left");
  g_assert_cmpstr (member (left, "reason"), ==, "removed");
  b = cli_connect (f, conf, NULL, NULL);
  cli_join (b, tb, NULL, NULL);
  cli_wait_error (b, "forbidden", NULL);
  g_assert_cmpuint (cli_wait_closed (b), ==, 4403);
  cli_free (b);

  cli_send (h, "{\"type\":\"end\"}");
  ended = cli_wait (h, "ended");
  g_assert_cmpstr (member (ended, "reason"), ==, "host");
  g_assert_cmpuint (cli_wait_closed (h), ==, 1000);
  cli_free (h);
  b = cli_connect (f, conf, NULL, NULL);
  cli_join (b, tb, NULL, NULL);
  cli_wait_error (b, "room-closed", NULL);
  g_assert_cmpuint (cli_wait_closed (b), ==, 4410);
  cli_free (b);
}

static const char *const mesh2[] = { "conferences.mesh_max_participants=2", NULL };

static void
test_mesh_limit (Fixture *f, gconstpointer data)
{
  Cli *a = cli_enter (f, f->conf, f->school_a, LC_CONFERENCE_ROLE_HOST, "alice", NULL);
  Cli *b = cli_enter (f, f->conf, f->school_b, LC_CONFERENCE_ROLE_PARTICIPANT, "bob", NULL);
  g_autofree char *token = token_for (f, f->conf, f->school_b, LC_CONFERENCE_ROLE_PARTICIPANT, "Cid", "cid", 0);
  Cli *c = cli_connect (f, f->conf, NULL, NULL);

  cli_join (c, token, NULL, NULL);
  cli_wait_error (c, "mesh-limit", NULL);
  g_assert_cmpuint (cli_wait_closed (c), ==, 4403);
  cli_free (c);
  cli_free (b);
  cli_free (a);
}

static void
test_cancelled (Fixture *f, gconstpointer data)
{
  Cli *a = cli_enter (f, f->conf, f->school_a, LC_CONFERENCE_ROLE_HOST, "alice", NULL);
  LcStore *store = lc_app_get_store (f->ts->app);
  g_autoptr (GError) error = NULL;
  g_autoptr (LcConference) c = lc_store_get_conference (store, f->conf, &error);
  g_autoptr (JsonNode) ended = NULL;

  g_assert_no_error (error);
  c->status = LC_CONFERENCE_CANCELLED;
  g_assert_true (lc_store_update_conference (store, c, &error));
  lc_conference_hub_conference_changed (lc_app_get_conference_hub (f->ts->app), f->conf);
  ended = cli_wait (a, "ended");
  g_assert_cmpstr (member (ended, "reason"), ==, "cancelled");
  g_assert_cmpuint (cli_wait_closed (a), ==, 1000);
  cli_free (a);
}

/* A per-school id shows its client_id to every peer: another link of the
 * same school joining with it must not take the identity (and its role). */
static void
test_take_over_keeps_role (Fixture *f, gconstpointer data)
{
  g_autofree char *host_link = token_for (f, f->conf, f->school_a, LC_CONFERENCE_ROLE_HOST, NULL, NULL, 0);
  g_autofree char *guest_link = token_for (f, f->conf, f->school_a, LC_CONFERENCE_ROLE_PARTICIPANT, NULL, NULL, 0);
  g_autofree char *victim_id = g_strdup_printf ("s:%s:victim-client-0001", f->school_a);
  Cli *h = cli_connect (f, f->conf, NULL, NULL);
  Cli *x;
  g_autoptr (JsonNode) wh = NULL;

  cli_join (h, host_link, "Head", "victim-client-0001");
  wh = cli_wait (h, "welcome");
  g_assert_cmpstr (member (wh, "you.id"), ==, victim_id);
  g_assert_cmpstr (member (wh, "you.role"), ==, "host");

  x = cli_connect (f, f->conf, NULL, NULL);
  cli_join (x, guest_link, "Mallory", "victim-client-0001");
  cli_wait_error (x, "forbidden", NULL);
  g_assert_cmpuint (cli_wait_closed (x), ==, 4403);
  cli_free (x);
  assert_nothing_else (h);
  cli_free (h);
}

/* The school limit counts the lobby too (else all of them get in at opening). */
static void
test_school_limit_lobby (Fixture *f, gconstpointer data)
{
  gint64 now = lc_time_now ();
  g_autofree char *later = seed_conference (f, now + 3600, now + 7200, FALSE);
  g_autofree char *link = token_for (f, later, f->school_b, LC_CONFERENCE_ROLE_PARTICIPANT, NULL, NULL, 0);
  LcStore *store = lc_app_get_store (f->ts->app);
  g_autoptr (GError) error = NULL;
  g_autoptr (LcConference) c = lc_store_get_conference (store, later, &error);
  g_autoptr (JsonNode) lobby = NULL;
  Cli *one, *two;

  g_assert_no_error (error);
  c->max_participants_per_school = 1;
  g_assert_true (lc_store_update_conference (store, c, &error));
  one = cli_connect (f, later, NULL, NULL);
  cli_join (one, link, "One", "client-one-0123456");
  lobby = cli_wait (one, "lobby");
  two = cli_connect (f, later, NULL, NULL);
  cli_join (two, link, "Two", "client-two-0123456");
  cli_wait_error (two, "room-full", NULL);
  g_assert_cmpuint (cli_wait_closed (two), ==, 4403);
  cli_free (two);
  cli_free (one);
}

/* Observers watch only: no audio, video or screen state of theirs. */
static void
test_observer_media (Fixture *f, gconstpointer data)
{
  Cli *a = cli_enter (f, f->conf, f->school_a, LC_CONFERENCE_ROLE_HOST, "alice", NULL);
  Cli *o = cli_enter (f, f->conf, f->school_b, LC_CONFERENCE_ROLE_OBSERVER, "olga", NULL);
  g_autoptr (JsonNode) joined G_GNUC_UNUSED = cli_wait (a, "peer-joined");

  cli_send (o, "{\"type\":\"media\",\"audio\":true,\"video\":false,\"screen\":false,\"id\":\"m\"}");
  cli_wait_error (o, "forbidden", "m");
  assert_nothing_else (a);
  cli_free (o);
  cli_free (a);
}

/* Turning the waiting room off lets the waiting in only up to the mesh limit. */
static void
test_waiting_off_mesh (Fixture *f, gconstpointer data)
{
  gint64 now = lc_time_now ();
  g_autofree char *conf = seed_conference (f, now - 60, now + 3600, TRUE);
  g_autofree char *tb = token_for (f, conf, f->school_b, LC_CONFERENCE_ROLE_PARTICIPANT, "Bob", "bob", 0);
  g_autofree char *tc = token_for (f, conf, f->school_b, LC_CONFERENCE_ROLE_PARTICIPANT, "Cid", "cid", 0);
  LcStore *store = lc_app_get_store (f->ts->app);
  g_autoptr (GError) error = NULL;
  g_autoptr (LcConference) c = NULL;
  g_autoptr (JsonNode) wb = NULL, w1 = NULL, w2 = NULL;
  Cli *h = cli_enter (f, conf, f->school_a, LC_CONFERENCE_ROLE_HOST, "alice", NULL);
  Cli *b = cli_connect (f, conf, NULL, NULL);
  Cli *x = cli_connect (f, conf, NULL, NULL);

  cli_join (b, tb, NULL, NULL);
  w1 = cli_wait (b, "waiting");
  cli_join (x, tc, NULL, NULL);
  w2 = cli_wait (x, "waiting");
  c = lc_store_get_conference (store, conf, &error);
  g_assert_no_error (error);
  c->waiting_room = FALSE;
  g_assert_true (lc_store_update_conference (store, c, &error));
  lc_conference_hub_conference_changed (lc_app_get_conference_hub (f->ts->app), conf);
  wb = cli_wait (b, "welcome");
  cli_wait_error (x, "mesh-limit", NULL);
  g_assert_cmpuint (cli_wait_closed (x), ==, 4403);
  g_assert_cmpuint (lc_conference_hub_count (lc_app_get_conference_hub (f->ts->app), conf), ==, 2);
  cli_free (x);
  cli_free (b);
  cli_free (h);
}

/* ---- a raw WebSocket client: reads only when told to ---- */

typedef struct
{
  LcTestServer *ts;
  GSocket *sock;
  GString *in; /* bytes read so far */
  const char *want;
} Raw;

static gboolean
cond_raw_has (gpointer data)
{
  Raw *r = data;
  char buf[4096];
  gssize n;

  while ((n = g_socket_receive (r->sock, buf, sizeof buf, NULL, NULL)) > 0)
    g_string_append_len (r->in, buf, n);
  return strstr (r->in->str, r->want) != NULL;
}

/* Read (pumping the server's context) until want shows up. */
static void
raw_read_until (Raw *r, const char *want)
{
  r->want = want;
  lc_test_wait_for (r->ts, cond_raw_has, r, 10000);
}

/* One masked text frame (mask key 0: the payload reads as is). */
static void
raw_send_text (Raw *r, const char *text)
{
  gsize len = strlen (text);
  g_autoptr (GByteArray) frame = g_byte_array_new ();
  guint8 head[4] = { 0x81, 0, 0, 0 };
  const guint8 mask[4] = { 0, 0, 0, 0 };
  gsize off = 0;

  if (len < 126)
    {
      head[1] = 0x80 | (guint8) len;
      g_byte_array_append (frame, head, 2);
    }
  else
    {
      g_assert_cmpuint (len, <, 65536);
      head[1] = 0x80 | 126;
      head[2] = (guint8) (len >> 8);
      head[3] = (guint8) len;
      g_byte_array_append (frame, head, 4);
    }
  g_byte_array_append (frame, mask, 4);
  g_byte_array_append (frame, (const guint8 *) text, (guint) len);
  while (off < frame->len)
    {
      g_autoptr (GError) error = NULL;
      gssize n = g_socket_send (r->sock, (const char *) frame->data + off, frame->len - off, NULL,
                                &error);

      g_assert_no_error (error);
      off += (gsize) n;
    }
}

/* Connect with a small receive buffer (so the kernel holds little of what
 * the server sends), upgrade by hand, join and read up to "welcome". */
static Raw *
raw_enter (Fixture *f, const char *conf, const char *token)
{
  Raw *r = g_new0 (Raw, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketAddress) addr
      = g_inet_socket_address_new_from_string ("127.0.0.1", lc_app_get_port (f->ts->app));
  g_autofree char *request = NULL;
  g_autofree char *join = NULL;

  r->ts = f->ts;
  r->in = g_string_new (NULL);
  r->sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_set_option (r->sock, SOL_SOCKET, SO_RCVBUF, 4096, &error));
  g_assert_no_error (error);
  g_assert_true (g_socket_connect (r->sock, addr, NULL, &error)); /* the kernel accepts */
  g_assert_no_error (error);
  g_socket_set_blocking (r->sock, FALSE);
  request = g_strdup_printf ("GET /ws/conference/%s HTTP/1.1\r\n"
                             "Host: 127.0.0.1:%u\r\n"
                             "Upgrade: websocket\r\n"
                             "Connection: Upgrade\r\n"
                             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Sec-WebSocket-Version: 13\r\n\r\n",
                             conf, lc_app_get_port (f->ts->app));
  g_assert_cmpint (g_socket_send (r->sock, request, strlen (request), NULL, &error), ==,
                   (gssize) strlen (request));
  g_assert_no_error (error);
  raw_read_until (r, "\r\n\r\n");
  g_assert_true (g_str_has_prefix (r->in->str, "HTTP/1.1 101"));
  join = g_strdup_printf ("{\"type\":\"join\",\"token\":\"%s\",\"client_id\":\"raw-client-0123456\"}",
                          token);
  raw_send_text (r, join);
  raw_read_until (r, "\"welcome\"");
  return r;
}

static void
raw_free (Raw *r)
{
  g_socket_close (r->sock, NULL);
  g_object_unref (r->sock);
  g_string_free (r->in, TRUE);
  g_free (r);
}

/* Messages a flood can push: one at a time (each after the echo of the last). */
static const char *const flood_cfg[] = { "conferences.room_opens_before=0",
                                         "conferences.ws_messages_per_second=10000", NULL };

typedef struct
{
  Cli *chatter;
  Raw *slow;
  LcConferenceHub *hub;
  const char *text;
  guint sent, echoed;
  gint64 last_pong;
} Flood;

static gboolean
cond_flood (gpointer data)
{
  Flood *fl = data;
  gint64 now = g_get_monotonic_time ();

  for (GList *l = fl->chatter->msgs.head; l != NULL;)
    {
      GList *next = l->next;

      if (strcmp (json_object_get_string_member (json_node_get_object (l->data), "type"), "chat")
          == 0)
        {
          json_node_unref (l->data);
          g_queue_delete_link (&fl->chatter->msgs, l);
          fl->echoed++;
        }
      l = next;
    }
  if (fl->hub->slow_drops > 0)
    return TRUE;
  /* The slow one stays alive: it answers the heartbeat without reading. */
  if (now - fl->last_pong >= G_USEC_PER_SEC)
    {
      raw_send_text (fl->slow, "{\"type\":\"pong\"}");
      fl->last_pong = now;
    }
  g_assert_cmpuint (fl->sent, <, 4000); /* 32 MB relayed: the cap never came */
  if (fl->echoed == fl->sent)
    {
      cli_send (fl->chatter, fl->text);
      fl->sent++;
    }
  return FALSE;
}

static gboolean
cond_one_conn (gpointer data)
{
  return conn_count (data) == 1;
}

/* A participant that keeps answering pings but never reads: its unsent
 * backlog stops at the cap, it is dropped (close 4008) into the reconnect
 * grace, and its connection goes. */
static void
test_slow_reader (Fixture *f, gconstpointer data)
{
  g_autofree char *token
      = token_for (f, f->conf, f->school_b, LC_CONFERENCE_ROLE_PARTICIPANT, "Slow", "slow", 0);
  LcConferenceHub *hub = lc_app_get_conference_hub (f->ts->app);
  Cli *a = cli_enter (f, f->conf, f->school_a, LC_CONFERENCE_ROLE_HOST, "alice", NULL);
  Raw *slow = raw_enter (f, f->conf, token);
  g_autoptr (GString) text = g_string_new ("{\"type\":\"chat\",\"text\":\"");
  g_autoptr (JsonNode) joined = cli_wait (a, "peer-joined");
  g_autoptr (JsonNode) state = NULL, chat = NULL;
  Flood fl = { a, slow, hub, NULL, 0, 0, 0 };

  g_assert_cmpstr (member (joined, "peer.id"), ==, "slow");
  for (guint i = 0; i < LC_SIG_CHAT_MAX_CHARS; i++)
    g_string_append (text, "\xF0\x9F\x98\x80"); /* 4 bytes each: ~8 KB a message */
  g_string_append (text, "\"}");
  fl.text = text->str;
  fl.last_pong = g_get_monotonic_time ();
  lc_test_wait_for (f->ts, cond_flood, &fl, 120000);

  /* The hub's own accounting: the backlog reached the cap, never passed it. */
  g_assert_cmpuint (hub->slow_drops, ==, 1);
  g_assert_cmpuint (hub->backlog_peak, <=, LC_SIG_SEND_BACKLOG_MAX);
  g_assert_cmpuint (hub->backlog_peak, >, LC_SIG_SEND_BACKLOG_MAX - 2 * text->len);
  /* The usual drop: reconnecting for the others, then the socket goes. */
  state = cli_wait (a, "peer-state");
  g_assert_cmpstr (member (state, "peer"), ==, "slow");
  g_assert_cmpstr (member (state, "state"), ==, "reconnecting");
  lc_test_wait_for (f->ts, cond_one_conn, f, 4000); /* aborted: no 5 s close wait */
  /* The room goes on. */
  cli_send (a, "{\"type\":\"chat\",\"text\":\"still here\"}");
  chat = cli_wait (a, "chat");
  g_assert_cmpstr (member (chat, "text"), ==, "still here");
  g_assert_cmpuint (hub->slow_drops, ==, 1);
  raw_free (slow);
  cli_free (a);
}

/* A school that declines, or leaves the invite list, leaves the room. */
static void
test_declined_school_removed (Fixture *f, gconstpointer data)
{
  LcStore *store = lc_app_get_store (f->ts->app);
  g_autoptr (GError) error = NULL;
  g_autoptr (LcConference) c = lc_store_get_conference (store, f->conf, &error);
  g_autofree char *op = lc_test_operator_token (f->ts);
  g_autofree char *decline = g_strdup_printf ("/api/v1/conferences/%s/decline", f->conf);
  g_autofree char *path = g_strdup_printf ("/api/v1/conferences/%s", f->conf);
  g_autofree char *body_b = g_strdup_printf ("{\"school_id\":\"%s\"}", f->school_b);
  g_autofree char *only_b = g_strdup_printf ("{\"invited_school_ids\":[\"%s\"]}", f->school_b);
  g_autoptr (LcTestResponse) declined = NULL, patched = NULL;
  g_autoptr (JsonNode) j1 = NULL, j2 = NULL, removed = NULL, left = NULL, removed2 = NULL,
                       left2 = NULL, left_c = NULL;
  Cli *a, *b, *x;

  g_assert_no_error (error);
  g_ptr_array_add (c->invites, lc_conference_invite_new (f->school_c, LC_INVITE_ACCEPTED));
  g_assert_true (lc_store_update_conference (store, c, &error));
  g_assert_no_error (error);
  a = cli_enter (f, f->conf, f->school_a, LC_CONFERENCE_ROLE_HOST, "alice", NULL);
  b = cli_enter (f, f->conf, f->school_b, LC_CONFERENCE_ROLE_PARTICIPANT, "bob", NULL);
  x = cli_enter (f, f->conf, f->school_c, LC_CONFERENCE_ROLE_PARTICIPANT, "cid", NULL);
  j1 = cli_wait (a, "peer-joined");
  j2 = cli_wait (a, "peer-joined");

  /* School B declines through the API: bob goes. */
  declined = lc_test_request (f->ts, "POST", decline, body_b, op, NULL);
  g_assert_cmpuint (declined->status, ==, 200);
  removed = cli_wait (b, "removed");
  g_assert_cmpstr (member (removed, "reason"), ==, "school");
  g_assert_cmpuint (cli_wait_closed (b), ==, 4403);
  left = cli_wait (a, "peer-left");
  g_assert_cmpstr (member (left, "peer"), ==, "bob");
  g_assert_cmpstr (member (left, "reason"), ==, "removed");
  left_c = cli_wait (x, "peer-left");
  g_assert_cmpstr (member (left_c, "peer"), ==, "bob");
  cli_free (b);

  /* A PATCH drops school C from the invite list: cid goes. */
  patched = lc_test_request (f->ts, "PATCH", path, only_b, op, NULL);
  g_assert_cmpuint (patched->status, ==, 200);
  removed2 = cli_wait (x, "removed");
  g_assert_cmpstr (member (removed2, "reason"), ==, "school");
  g_assert_cmpuint (cli_wait_closed (x), ==, 4403);
  left2 = cli_wait (a, "peer-left");
  g_assert_cmpstr (member (left2, "peer"), ==, "cid");
  g_assert_cmpstr (member (left2, "reason"), ==, "removed");
  cli_free (x);
  g_assert_cmpuint (lc_conference_hub_count (lc_app_get_conference_hub (f->ts->app), f->conf), ==, 1);
  assert_nothing_else (a);
  cli_free (a);
}

/* Times moved later while the room is open: those inside stay (told the new
 * times), newcomers wait in the lobby until the new opening. */
static void
test_moved_later (Fixture *f, gconstpointer data)
{
  LcStore *store = lc_app_get_store (f->ts->app);
  g_autoptr (GError) error = NULL;
  g_autoptr (LcConference) c = NULL;
  g_autoptr (JsonNode) resched = NULL, lobby = NULL, chat = NULL;
  g_autofree char *tb = token_for (f, f->conf, f->school_b, LC_CONFERENCE_ROLE_PARTICIPANT, "Bob", "bob", 0);
  gint64 now = lc_time_now ();
  g_autofree char *starts = lc_time_format_rfc3339 (now + 3600);
  g_autofree char *ends = lc_time_format_rfc3339 (now + 7200);
  Cli *a = cli_enter (f, f->conf, f->school_a, LC_CONFERENCE_ROLE_HOST, "alice", NULL);
  Cli *b;
  JsonObject *o;

  c = lc_store_get_conference (store, f->conf, &error);
  g_assert_no_error (error);
  c->starts_at = now + 3600;
  c->ends_at = now + 7200;
  g_assert_true (lc_store_update_conference (store, c, &error));
  g_assert_no_error (error);
  lc_conference_hub_conference_changed (lc_app_get_conference_hub (f->ts->app), f->conf);

  resched = cli_wait (a, "rescheduled");
  o = json_node_get_object (resched);
  g_assert_false (json_object_get_boolean_member (o, "open"));
  g_assert_cmpstr (json_object_get_string_member (o, "starts_at"), ==, starts);
  g_assert_cmpstr (json_object_get_string_member (o, "ends_at"), ==, ends);

  b = cli_connect (f, f->conf, NULL, NULL);
  cli_join (b, tb, NULL, NULL);
  lobby = cli_wait (b, "lobby");
  g_assert_cmpstr (member (lobby, "starts_at"), ==, starts);
  assert_nothing_else (b);

  /* alice is still in the room, and alone there. */
  g_assert_cmpuint (lc_conference_hub_count (lc_app_get_conference_hub (f->ts->app), f->conf), ==, 1);
  cli_send (a, "{\"type\":\"chat\",\"text\":\"still on\"}");
  chat = cli_wait (a, "chat");
  assert_nothing_else (a);
  cli_free (b);
  cli_free (a);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/signaling/join-relay-leave", Fixture, NULL, fixture_setup, test_join_relay_leave,
              fixture_teardown);
  g_test_add ("/signaling/isolation", Fixture, NULL, fixture_setup, test_isolation,
              fixture_teardown);
  g_test_add ("/signaling/auth", Fixture, NULL, fixture_setup, test_auth, fixture_teardown);
  g_test_add ("/signaling/malformed", Fixture, slow_rate, fixture_setup, test_malformed,
              fixture_teardown);
  g_test_add ("/signaling/dead-peer-reconnect", Fixture, fast, fixture_setup,
              test_dead_peer_and_reconnect, fixture_teardown);
  g_test_add ("/signaling/lobby", Fixture, NULL, fixture_setup, test_lobby, fixture_teardown);
  g_test_add ("/signaling/waiting-room-host", Fixture, NULL, fixture_setup, test_waiting_room,
              fixture_teardown);
  g_test_add ("/signaling/mesh-limit", Fixture, mesh2, fixture_setup, test_mesh_limit,
              fixture_teardown);
  g_test_add ("/signaling/cancelled", Fixture, NULL, fixture_setup, test_cancelled,
              fixture_teardown);
  g_test_add ("/signaling/take-over-keeps-role", Fixture, NULL, fixture_setup,
              test_take_over_keeps_role, fixture_teardown);
  g_test_add ("/signaling/school-limit-lobby", Fixture, NULL, fixture_setup,
              test_school_limit_lobby, fixture_teardown);
  g_test_add ("/signaling/observer-media", Fixture, NULL, fixture_setup, test_observer_media,
              fixture_teardown);
  g_test_add ("/signaling/waiting-off-mesh", Fixture, mesh2, fixture_setup,
              test_waiting_off_mesh, fixture_teardown);
  g_test_add ("/signaling/slow-reader", Fixture, flood_cfg, fixture_setup, test_slow_reader,
              fixture_teardown);
  g_test_add ("/signaling/declined-school-removed", Fixture, NULL, fixture_setup,
              test_declined_school_removed, fixture_teardown);
  g_test_add ("/signaling/moved-later", Fixture, NULL, fixture_setup, test_moved_later,
              fixture_teardown);
  return g_test_run ();
}
