/* bench-signaling.c — the conference signaling benchmark (issue 4), its
 * driver: K WebSocket participants in rooms of N against the real `lessoncast
 * serve`, run as a child process with a temporary data dir. Conferences,
 * schools and join links are made through the REST API as the first-start
 * operator. The participants live in this one process
 * (bench-signaling-client.c: a lean epoll WebSocket client that joins,
 * negotiates the mesh and then sends a message every `interval` seconds).
 *
 * Figures per step K: server RSS delta per connection (/proc/<pid>/status,
 * smaps_rollup), joins per second until "welcome" and the connect->welcome
 * time, relay latency (a monotonic time stamp "~ts=<µs>" carried in the
 * candidate string, the SDP and the chat text, read at the receiver),
 * messages relayed per second per core of server CPU (/proc/<pid>/stat).
 *
 * --smoke: 2 rooms × 3 participants for a few seconds; fails unless every
 * participant got "welcome", every offer was answered and every kind of relay
 * arrived without error. It never checks timings. See docs/benchmarks.md. */
#include "lc-bench.h"
#include "bench-signaling.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "common/lc-error.h"
#include "common/lc-time.h"
#include "lc-test-fs.h"

static const char *const kind_names[N_KINDS]
    = { "offer", "answer", "candidate", "media", "chat", "ping", "other" };

typedef struct
{
  guint participants;
  double join_seconds, joins_per_second;
  double join_p50_ms, join_p99_ms, join_cpu_ms;
  double rss_base_mib, rss_mib, kib_per_conn, anon_mib;
  double window_s, server_cpu_percent, client_cpu_percent;
  double in_per_s, out_per_s, relayed_per_core_s;
  double lat_p50[N_KINDS], lat_p99[N_KINDS];
  guint64 lat_n[N_KINDS];
  guint fds;
} StepResult;

/* ---- the server under test ---- */

static void
on_server_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Bench *b = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  b->exited = TRUE;
}

/* The server must not outlive an interrupted bench. */
static void
child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static gboolean
server_start (Bench *b, guint max_participants, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *out_path = NULL;
  g_autofree char *log_path = NULL;
  gint64 deadline;
  guint mesh = MAX (b->room_size, 2);
  const char *port;

  b->tmp_dir = g_dir_make_tmp ("lc-sigbench-XXXXXX", error);
  if (b->tmp_dir == NULL)
    return FALSE;
  b->data_dir = g_build_filename (b->tmp_dir, "data", NULL);
  out_path = g_build_filename (b->tmp_dir, "stdout.log", NULL);
  log_path = g_build_filename (b->tmp_dir, "server.log", NULL);
  /* A file, not a pipe: nothing reads it once the bench runs its own loop. */
  g_subprocess_launcher_set_stdout_file_path (launcher, out_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, log_path);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);

  if (b->server_prefix != NULL)
    {
      g_auto (GStrv) prefix = g_strsplit (b->server_prefix, " ", -1);

      for (guint i = 0; prefix[i] != NULL; i++)
        if (prefix[i][0] != '\0')
          g_ptr_array_add (argv, g_strdup (prefix[i]));
    }
  g_ptr_array_add (argv, g_strdup (b->binary));
  g_ptr_array_add (argv, g_strdup ("serve"));
  g_ptr_array_add (argv, g_strdup ("--data-dir"));
  g_ptr_array_add (argv, g_strdup (b->data_dir));
  {
    g_autofree char *mesh_set = g_strdup_printf ("conferences.mesh_max_participants=%u", mesh);
    g_autofree char *per_school
        = g_strdup_printf ("conferences.max_participants_per_school=%u", MAX (b->room_size, 2));
    g_autofree char *conns = g_strdup_printf ("server.max_connections=%u", max_participants + 256);
    g_autofree char *nofile = g_strdup_printf ("server.rlimit_nofile=%u", max_participants + 1024);
    g_autofree char *rate = g_strdup_printf ("conferences.ws_messages_per_second=%u", b->rate);
    g_autofree char *heartbeat
        = g_strdup_printf ("conferences.heartbeat_interval=%u", b->heartbeat_s);
    const char *sets[] = { "server.listen=127.0.0.1:0", "log.level=warning", "auth.kdf_cost=10",
                           "recording.enabled=false", "conferences.max_concurrent=100000",
                           mesh_set, per_school, conns, nofile, rate, heartbeat, NULL };

    for (guint i = 0; sets[i] != NULL; i++)
      {
        g_ptr_array_add (argv, g_strdup ("--set"));
        g_ptr_array_add (argv, g_strdup (sets[i]));
      }
  }
  g_ptr_array_add (argv, NULL);
  b->proc = g_subprocess_launcher_spawnv (launcher, (const char *const *)argv->pdata, error);
  if (b->proc == NULL)
    return FALSE;
  b->pid = (int)g_ascii_strtoll (g_subprocess_get_identifier (b->proc), NULL, 10);
  g_subprocess_wait_async (b->proc, NULL, on_server_exited, b);

  /* stdout: "operator login: L  password: P", then "listening on URL". */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (b->base_url == NULL || b->password == NULL)
    {
      g_autofree char *text = NULL;
      g_auto (GStrv) lines = NULL;

      g_main_context_iteration (NULL, FALSE);
      if (g_get_monotonic_time () > deadline || b->exited)
        {
          g_set_error (error, LC_ERROR, LC_ERROR_INTERNAL,
                       "lessoncast did not print its URL and operator password (see %s)",
                       log_path);
          return FALSE;
        }
      g_usleep (50 * 1000);
      if (!g_file_get_contents (out_path, &text, NULL, NULL))
        continue;
      lines = g_strsplit (text, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        {
          const char *p;
          char login[257], password[1025];

          if (b->password == NULL
              && sscanf (lines[i], "operator login: %256s password: %1024s", login, password) == 2)
            {
              b->login = g_strdup (login);
              b->password = g_strdup (password);
            }
          if (b->base_url == NULL && (p = strstr (lines[i], "listening on ")) != NULL
              && strchr (p, '\0') > p + strlen ("listening on "))
            b->base_url = g_strstrip (g_strdup (p + strlen ("listening on ")));
        }
    }

  /* http://127.0.0.1:PORT */
  port = strrchr (b->base_url, ':');
  if (!g_str_has_prefix (b->base_url, "http://127.0.0.1:") || port == NULL)
    {
      g_set_error (error, LC_ERROR, LC_ERROR_INTERNAL, "unexpected URL %s", b->base_url);
      return FALSE;
    }
  memset (&b->addr, 0, sizeof b->addr);
  b->addr.sin_family = AF_INET;
  b->addr.sin_port = htons ((guint16)g_ascii_strtoull (port + 1, NULL, 10));
  b->addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  b->host_header = g_strdup (b->base_url + strlen ("http://"));
  return TRUE;
}

static void
server_stop (Bench *b)
{
  if (b->proc != NULL)
    {
      gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

      g_subprocess_send_signal (b->proc, SIGTERM);
      while (!b->exited && g_get_monotonic_time () < deadline)
        {
          /* g_subprocess_wait would block without a timeout */
          g_main_context_iteration (NULL, FALSE);
          g_usleep (20 * 1000);
        }
      if (!b->exited)
        {
          g_printerr ("bench: the server ignored SIGTERM for 30 s; killing it\n");
          g_subprocess_force_exit (b->proc);
          while (!b->exited)
            g_main_context_iteration (NULL, TRUE);
        }
      g_clear_object (&b->proc);
    }
  if (b->tmp_dir != NULL && g_getenv ("LC_BENCH_KEEP") == NULL)
    {
      g_autoptr (GError) error = NULL;

      if (!lc_test_fs_remove_tree (b->tmp_dir, &error))
        g_warning ("cannot remove %s: %s", b->tmp_dir, error->message);
    }
  else if (b->tmp_dir != NULL)
    g_printerr ("bench: kept %s\n", b->tmp_dir);
}

/* ---- REST set-up as the operator ---- */

static JsonNode *
rest_call (Bench *b, SoupSession *session, const char *method, const char *path,
           const char *body, guint expect, GError **error)
{
  g_autofree char *url = g_strconcat (b->base_url, path, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();

  if (body != NULL)
    {
      g_autoptr (GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  /* cookie-authenticated writes need our own Origin */
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Origin", b->base_url);
  reply = soup_session_send_and_read (session, msg, NULL, error);
  if (reply == NULL)
    return NULL;
  if (soup_message_get_status (msg) != expect)
    {
      g_set_error (error, LC_ERROR, LC_ERROR_INTERNAL, "%s %s: %u %.*s", method, path,
                   soup_message_get_status (msg), (int)MIN (g_bytes_get_size (reply), 400),
                   (const char *)g_bytes_get_data (reply, NULL));
      return NULL;
    }
  if (!json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL),
                                   (gssize)g_bytes_get_size (reply), error))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, LC_ERROR, LC_ERROR_INTERNAL, "%s %s: not a JSON object", method, path);
      return NULL;
    }
  return json_node_copy (json_parser_get_root (parser));
}

static char *
rest_string (JsonNode *node, const char *member)
{
  JsonObject *o = json_node_get_object (node);

  return g_strdup (json_object_get_string_member_with_default (o, member, ""));
}

static void
room_free (gpointer data)
{
  Room *room = data;

  g_free (room->conference_id);
  g_free (room->school_id);
  g_free (room->token);
  g_free (room);
}

/* One host school and one conference per room (a school cannot be in two
 * overlapping conferences), all inviting one guest school; a per-school
 * participant link per room: participant ids are "s:<school>:<client_id>". */
static gboolean
setup_rooms (Bench *b, guint n_rooms, GError **error)
{
  g_autoptr (GProxyResolver) direct = g_simple_proxy_resolver_new (NULL, NULL);
  g_autoptr (SoupSession) session
      = soup_session_new_with_options ("timeout", 60, "proxy-resolver", direct, NULL);
  g_autoptr (JsonNode) login = NULL;
  g_autoptr (JsonNode) guest = NULL;
  g_autofree char *guest_id = NULL;
  g_autofree char *starts = lc_time_format_rfc3339 (lc_time_now () + 120);
  g_autofree char *ends = lc_time_format_rfc3339 (lc_time_now () + 120 + 3 * 3600);
  g_autoptr (JsonBuilder) creds = json_builder_new ();
  g_autoptr (JsonNode) creds_node = NULL;
  g_autofree char *creds_text = NULL;
  gint64 t0 = g_get_monotonic_time ();

  soup_session_add_feature_by_type (session, SOUP_TYPE_COOKIE_JAR);
  json_builder_begin_object (creds);
  json_builder_set_member_name (creds, "login");
  json_builder_add_string_value (creds, b->login);
  json_builder_set_member_name (creds, "password");
  json_builder_add_string_value (creds, b->password);
  json_builder_end_object (creds);
  creds_node = json_builder_get_root (creds);
  creds_text = json_to_string (creds_node, FALSE);
  if ((login = rest_call (b, session, "POST", "/api/v1/auth/login", creds_text, 200, error))
      == NULL)
    return FALSE;

  guest = rest_call (b, session, "POST", "/api/v1/schools",
                     "{\"name\":\"Bench guest school\",\"short_name\":\"Guest\","
                     "\"district\":\"Bench\"}",
                     201, error);
  if (guest == NULL)
    return FALSE;
  guest_id = rest_string (guest, "id");

  for (guint r = 0; r < n_rooms; r++)
    {
      g_autofree char *school_body = g_strdup_printf (
          "{\"name\":\"Bench school %u\",\"short_name\":\"B%u\",\"district\":\"Bench\"}", r, r);
      g_autoptr (JsonNode) school = NULL;
      g_autoptr (JsonNode) conference = NULL;
      g_autoptr (JsonNode) link = NULL;
      g_autofree char *conference_body = NULL;
      g_autofree char *link_body = NULL;
      g_autofree char *link_path = NULL;
      Room *room = g_new0 (Room, 1);

      g_ptr_array_add (b->rooms, room);
      if ((school = rest_call (b, session, "POST", "/api/v1/schools", school_body, 201, error))
          == NULL)
        return FALSE;
      room->school_id = rest_string (school, "id");
      conference_body = g_strdup_printf (
          "{\"title\":\"Bench room %u\",\"host_school_id\":\"%s\",\"invited_school_ids\":[\"%s\"],"
          "\"starts_at\":\"%s\",\"ends_at\":\"%s\",\"max_participants_per_school\":%u}",
          r, room->school_id, guest_id, starts, ends, MAX (b->room_size, 2));
      if ((conference = rest_call (b, session, "POST", "/api/v1/conferences", conference_body,
                                   201, error))
          == NULL)
        return FALSE;
      room->conference_id = rest_string (conference, "id");
      link_path = g_strdup_printf ("/api/v1/conferences/%s/links", room->conference_id);
      link_body = g_strdup_printf ("{\"school_id\":\"%s\",\"role\":\"participant\"}",
                                   room->school_id);
      if ((link = rest_call (b, session, "POST", link_path, link_body, 201, error)) == NULL)
        return FALSE;
      room->token = rest_string (link, "token");
    }
  g_print ("set-up: %u conferences, %u schools and %u join links through the REST API in %.1f s\n",
           n_rooms, n_rooms + 1, n_rooms, (double)(g_get_monotonic_time () - t0) / 1e6);
  return TRUE;
}

static gboolean
joined_all (Bench *b, gpointer data)
{
  guint target = GPOINTER_TO_UINT (data);

  return b->next_to_connect >= target && b->inflight == 0;
}

static gboolean
negotiated (Bench *b, gpointer data)
{
  return b->outstanding_offers == 0;
}

/* ---- measurements ---- */

typedef struct
{
  double rss, anon, pss, private_dirty; /* MiB */
} Smaps;

static double
kib_field (const char *text, const char *name)
{
  g_autofree char *key = g_strdup_printf ("\n%s:", name);
  const char *p = strstr (text, key);

  return p != NULL ? (double)g_ascii_strtoull (p + strlen (key), NULL, 10) / 1024.0 : 0;
}

static void
read_smaps (int pid, Smaps *s)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/smaps_rollup", pid);
  g_autofree char *status_path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *text = NULL;
  g_autofree char *status = NULL;

  memset (s, 0, sizeof *s);
  if (g_file_get_contents (path, &text, NULL, NULL))
    {
      s->rss = kib_field (text, "Rss");
      s->pss = kib_field (text, "Pss");
      s->private_dirty = kib_field (text, "Private_Dirty");
    }
  if (g_file_get_contents (status_path, &status, NULL, NULL))
    s->anon = kib_field (status, "RssAnon");
}

static void
counters_reset (Counters *c)
{
  for (int k = 0; k < N_KINDS; k++)
    {
      c->sent[k] = c->recv[k] = 0;
      g_array_set_size (c->latency[k], 0);
    }
  c->sent_frames = c->recv_frames = c->recv_bytes = 0;
}

static gboolean
run_step (Bench *b, guint target, double rss_base, StepResult *r)
{
  guint before = b->welcomed;
  gint64 t0 = now_us (), t1, deadline;
  LcBenchProc p0, p1, j0, j1;
  gint64 self0, self1;
  Smaps smaps;
  guint64 relayed;

  memset (r, 0, sizeof *r);
  r->participants = target;
  g_array_set_size (b->join_ms, 0);
  deadline = t0 + (60 + target / 20) * G_USEC_PER_SEC;
  lc_bench_proc_sample (b->pid, &j0);
  if (!lc_bench_sig_run_loop (b, target, deadline, joined_all, GUINT_TO_POINTER (target)))
    {
      g_printerr ("bench: joining %u participants timed out (%u welcomed, %u failed)\n", target,
                  b->welcomed, b->failed);
      return FALSE;
    }
  t1 = now_us ();
  lc_bench_proc_sample (b->pid, &j1);
  /* server CPU per join (it also relayed the traffic of those already in) */
  r->join_cpu_ms = (double)(j1.cpu_us - j0.cpu_us) / 1000.0 / (double)MAX (b->welcomed - before, 1);
  r->join_seconds = (double)(t1 - t0) / 1e6;
  r->joins_per_second = (double)(b->welcomed - before) / r->join_seconds;
  r->join_p50_ms = lc_bench_quantile (b->join_ms, 0.5);
  r->join_p99_ms = lc_bench_quantile (b->join_ms, 0.99);
  if (b->failed > 0)
    {
      g_printerr ("bench: %u participants could not join\n", b->failed);
      return FALSE;
    }
  /* mesh negotiation done, then a little traffic before memory is read */
  if (!lc_bench_sig_run_loop (b, target, now_us () + 60 * G_USEC_PER_SEC, negotiated, NULL))
    g_printerr ("bench: %" G_GUINT64_FORMAT " offers still unanswered\n", b->outstanding_offers);
  lc_bench_sig_run_loop (b, target, now_us () + (b->smoke ? 1 : 3) * G_USEC_PER_SEC, NULL, NULL);

  read_smaps (b->pid, &smaps);
  r->rss_base_mib = rss_base;
  r->rss_mib = smaps.rss;
  r->anon_mib = smaps.anon;
  r->kib_per_conn = (smaps.rss - rss_base) * 1024.0 / (double)target;

  /* the traffic window */
  counters_reset (&b->c);
  b->traffic = TRUE;
  lc_bench_proc_sample (b->pid, &p0);
  self0 = lc_bench_self_cpu_us ();
  lc_bench_sig_run_loop (b, target, now_us () + (gint64)b->window_s * G_USEC_PER_SEC, NULL, NULL);
  lc_bench_proc_sample (b->pid, &p1);
  self1 = lc_bench_self_cpu_us ();
  b->traffic = FALSE;

  r->fds = p1.fds;
  r->window_s = (double)(p1.wall_us - p0.wall_us) / 1e6;
  r->server_cpu_percent = lc_bench_proc_cpu_percent (&p0, &p1);
  r->client_cpu_percent = 100.0 * (double)(self1 - self0) / (double)(p1.wall_us - p0.wall_us);
  r->in_per_s = (double)b->c.sent_frames / r->window_s;
  relayed = b->c.recv_frames - b->c.recv[KIND_PING];
  r->out_per_s = (double)relayed / r->window_s;
  r->relayed_per_core_s = p1.cpu_us > p0.cpu_us
                              ? (double)relayed / ((double)(p1.cpu_us - p0.cpu_us) / 1e6)
                              : 0;
  for (int k = 0; k < N_KINDS; k++)
    {
      r->lat_n[k] = b->c.latency[k]->len;
      r->lat_p50[k] = lc_bench_quantile (b->c.latency[k], 0.5);
      r->lat_p99[k] = lc_bench_quantile (b->c.latency[k], 0.99);
    }
  return TRUE;
}

static void
print_step (Bench *b, const StepResult *r)
{
  g_autoptr (GArray) all = g_array_new (FALSE, FALSE, sizeof (double));

  for (int k = 0; k < N_KINDS; k++)
    g_array_append_vals (all, b->c.latency[k]->data, b->c.latency[k]->len);
  g_print ("\nK = %u participants in %u rooms of %u\n", r->participants,
           (r->participants + b->room_size - 1) / b->room_size, b->room_size);
  g_print ("  join: %.0f joins/s (%.1f s for the step), connect->welcome p50 %.1f ms, p99 %.1f ms; "
           "server CPU %.2f ms per join (mesh offers and traffic included)\n",
           r->joins_per_second, r->join_seconds, r->join_p50_ms, r->join_p99_ms, r->join_cpu_ms);
  g_print ("  memory: server RSS %.1f MiB (RssAnon %.1f MiB), %.1f MiB before any socket -> "
           "%.1f KiB per connection; %u fds\n",
           r->rss_mib, r->anon_mib, r->rss_base_mib, r->kib_per_conn, r->fds);
  g_print ("  window %.1f s: in %.0f msg/s, relayed out %.0f msg/s (pings excluded); server CPU "
           "%.1f %% of a core, bench client %.1f %%\n",
           r->window_s, r->in_per_s, r->out_per_s, r->server_cpu_percent, r->client_cpu_percent);
  g_print ("  relayed per second per core of server CPU: %.0f\n", r->relayed_per_core_s);
  g_print ("  relay latency (ms) all kinds: p50 %.2f, p99 %.2f (n %u)\n",
           lc_bench_quantile (all, 0.5), lc_bench_quantile (all, 0.99), all->len);
  for (int k = 0; k < N_KINDS; k++)
    if (r->lat_n[k] > 0)
      g_print ("    %-9s p50 %.2f  p99 %.2f  (n %" G_GUINT64_FORMAT ")\n", kind_names[k],
               r->lat_p50[k], r->lat_p99[k], r->lat_n[k]);
  g_print ("  sent:");
  for (int k = 0; k < N_KINDS; k++)
    g_print (" %s %" G_GUINT64_FORMAT, kind_names[k], b->c.sent[k]);
  g_print ("\n  received:");
  for (int k = 0; k < N_KINDS; k++)
    g_print (" %s %" G_GUINT64_FORMAT, kind_names[k], b->c.recv[k]);
  g_print ("; errors %" G_GUINT64_FORMAT ", unexpected closes %" G_GUINT64_FORMAT "\n",
           b->c.errors, b->c.unexpected_closes);
  g_print ("  offers since the start (mesh set-up + renegotiations): %" G_GUINT64_FORMAT
           " sent, %" G_GUINT64_FORMAT " answered\n",
           b->offers_total, b->answers_total);
}

/* ---- set-up and tear-down ---- */

static char *
make_sdp_body (void)
{
  /* What follows the o= line of a Chrome-like audio + video offer (~3 KB). */
  static const char *const lines[] = {
    "s=-", "t=0 0", "a=group:BUNDLE 0 1", "a=extmap-allow-mixed", "a=msid-semantic: WMS bench",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126", "c=IN IP4 0.0.0.0",
    "a=rtcp:9 IN IP4 0.0.0.0", "a=ice-ufrag:bnch", "a=ice-pwd:benchbenchbenchbenchbench",
    "a=ice-options:trickle",
    "a=fingerprint:sha-256 6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CC:87:32:BE:DD:8C:66:A5:8E:50:55:"
    "EA:8C:D3:B6:5C:09:5E:D6:BC",
    "a=setup:actpass", "a=mid:0", "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid", "a=sendrecv", "a=msid:bench audio0",
    "a=rtcp-mux", "a=rtpmap:111 opus/48000/2", "a=rtcp-fb:111 transport-cc",
    "a=fmtp:111 minptime=10;useinbandfec=1", "a=rtpmap:63 red/48000/2",
    "a=fmtp:63 111/111", "a=rtpmap:9 G722/8000", "a=rtpmap:0 PCMU/8000",
    "a=rtpmap:8 PCMA/8000", "a=rtpmap:13 CN/8000", "a=rtpmap:110 telephone-event/48000",
    "a=rtpmap:126 telephone-event/8000", "a=ssrc:1001 cname:benchbenchbench",
    "a=ssrc:1001 msid:bench audio0",
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105 106 107 108 109 127 125 39 40 45 46",
    "c=IN IP4 0.0.0.0", "a=rtcp:9 IN IP4 0.0.0.0", "a=ice-ufrag:bnch",
    "a=ice-pwd:benchbenchbenchbenchbench", "a=ice-options:trickle",
    "a=fingerprint:sha-256 6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CC:87:32:BE:DD:8C:66:A5:8E:50:55:"
    "EA:8C:D3:B6:5C:09:5E:D6:BC",
    "a=setup:actpass", "a=mid:1", "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset",
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    "a=extmap:13 urn:3gpp:video-orientation",
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    "a=sendrecv", "a=msid:bench video0", "a=rtcp-mux", "a=rtcp-rsize",
    "a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 goog-remb", "a=rtcp-fb:96 transport-cc",
    "a=rtcp-fb:96 ccm fir", "a=rtcp-fb:96 nack", "a=rtcp-fb:96 nack pli",
    "a=rtpmap:97 rtx/90000", "a=fmtp:97 apt=96", "a=rtpmap:102 H264/90000",
    "a=rtcp-fb:102 goog-remb", "a=rtcp-fb:102 transport-cc", "a=rtcp-fb:102 ccm fir",
    "a=rtcp-fb:102 nack", "a=rtcp-fb:102 nack pli",
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
    "a=rtpmap:103 rtx/90000", "a=fmtp:103 apt=102", "a=rtpmap:104 H264/90000",
    "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f",
    "a=rtpmap:105 rtx/90000", "a=fmtp:105 apt=104", "a=rtpmap:106 H264/90000",
    "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
    "a=rtpmap:107 rtx/90000", "a=fmtp:107 apt=106", "a=rtpmap:108 VP9/90000",
    "a=fmtp:108 profile-id=0", "a=rtpmap:109 rtx/90000", "a=fmtp:109 apt=108",
    "a=rtpmap:127 AV1/90000", "a=rtpmap:125 rtx/90000", "a=fmtp:125 apt=127",
    "a=rtpmap:39 red/90000", "a=rtpmap:40 rtx/90000", "a=fmtp:40 apt=39",
    "a=rtpmap:45 ulpfec/90000", "a=ssrc-group:FID 2001 2002",
    "a=ssrc:2001 cname:benchbenchbench", "a=ssrc:2001 msid:bench video0",
    "a=ssrc:2002 cname:benchbenchbench", "a=ssrc:2002 msid:bench video0", NULL
  };
  GString *out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    g_string_append_printf (out, "%s\\r\\n", lines[i]);
  return g_string_free (out, FALSE);
}

static gboolean
parse_steps (Bench *b, const char *text, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  guint last = 0;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      guint64 k;

      if (!g_ascii_string_to_unsigned (g_strstrip (parts[i]), 10, 1, 100000, &k, error))
        return FALSE;
      if ((guint)k <= last)
        {
          g_set_error (error, LC_ERROR, LC_ERROR_INVALID, "--participants must increase");
          return FALSE;
        }
      last = (guint)k;
      g_array_append_val (b->steps, last);
    }
  return b->steps->len > 0;
}

static void
bench_free (Bench *b)
{
  for (guint i = 0; b->conns != NULL && i < b->n_conns; i++)
    lc_bench_sig_conn_clear (&b->conns[i]);
  g_free (b->conns);
  server_stop (b);
  if (b->epfd >= 0)
    close (b->epfd);
  g_clear_pointer (&b->rooms, g_ptr_array_unref);
  g_clear_pointer (&b->heap, g_array_unref);
  g_clear_pointer (&b->steps, g_array_unref);
  g_clear_pointer (&b->join_ms, g_array_unref);
  for (int k = 0; k < N_KINDS; k++)
    g_clear_pointer (&b->c.latency[k], g_array_unref);
  g_free (b->sdp_body);
  g_free (b->scratch);
  g_free (b->binary);
  g_free (b->server_prefix);
  g_free (b->tmp_dir);
  g_free (b->data_dir);
  g_free (b->base_url);
  g_free (b->host_header);
  g_free (b->login);
  g_free (b->password);
  g_free (b);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Bench, bench_free)

/* The smoke run's checks: functionality only, never timings. */
static gboolean
smoke_check (Bench *b, const StepResult *r)
{
  gboolean ok = TRUE;

#define SMOKE_EXPECT(cond, what)                                                                 \
  do                                                                                             \
    {                                                                                            \
      if (!(cond))                                                                               \
        {                                                                                        \
          g_printerr ("smoke: FAILED: %s\n", what);                                              \
          ok = FALSE;                                                                            \
        }                                                                                        \
    }                                                                                            \
  while (0)

  SMOKE_EXPECT (b->welcomed == r->participants, "every participant got welcome");
  SMOKE_EXPECT (b->offers_total > 0 && b->answers_total == b->offers_total,
                "mesh offers relayed and every offer answered");
  SMOKE_EXPECT (b->c.errors == 0, "no error message from the server");
  SMOKE_EXPECT (b->c.unexpected_closes == 0, "no socket closed");
  SMOKE_EXPECT (b->c.recv[KIND_CANDIDATE] > 0, "candidates relayed");
  SMOKE_EXPECT (b->c.recv[KIND_MEDIA] > 0, "media states relayed");
  SMOKE_EXPECT (b->c.recv[KIND_CHAT] > 0, "chat relayed");
  SMOKE_EXPECT (r->lat_n[KIND_CANDIDATE] > 0 && r->lat_n[KIND_CHAT] > 0,
                "time-stamped relays read back");
#undef SMOKE_EXPECT
  return ok;
}

int
main (int argc, char **argv)
{
  g_autoptr (Bench) b = g_new0 (Bench, 1);
  g_autofree char *participants = NULL;
  g_autofree char *machine = NULL;
  g_autofree char *machine_after = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GArray) results = g_array_new (FALSE, TRUE, sizeof (StepResult));
  int room_size = 10, concurrency = 200, window = 20, rate = 0, heartbeat = 10;
  double interval = 5.0;
  gboolean smoke = FALSE;
  char *binary = NULL, *prefix = NULL;
  guint max_k, n_rooms;
  Smaps base;
  struct rlimit limit;
  gboolean ok = TRUE;
  GOptionEntry entries[] = {
    { "participants", 'k', 0, G_OPTION_ARG_STRING, &participants,
      "Steps of concurrent participants (default 1000,5000,10000)", "K1,K2,…" },
    { "room-size", 'n', 0, G_OPTION_ARG_INT, &room_size, "Participants per room (default 10)",
      "N" },
    { "interval", 'i', 0, G_OPTION_ARG_DOUBLE, &interval,
      "Mean seconds between a participant's messages (default 5)", "S" },
    { "window", 'w', 0, G_OPTION_ARG_INT, &window, "Seconds of the traffic window (default 20)",
      "S" },
    { "concurrency", 'c', 0, G_OPTION_ARG_INT, &concurrency,
      "Joins in flight at once (default 200)", "N" },
    { "rate", 0, 0, G_OPTION_ARG_INT, &rate,
      "conferences.ws_messages_per_second (default max(20, 4 × room size))", "N" },
    { "heartbeat", 0, 0, G_OPTION_ARG_INT, &heartbeat,
      "conferences.heartbeat_interval in seconds (default 10, the server's default)", "S" },
    { "binary", 0, 0, G_OPTION_ARG_FILENAME, &binary, "lessoncast binary", "PATH" },
    { "server-prefix", 0, 0, G_OPTION_ARG_STRING, &prefix,
      "Run the server under this command (e.g. \"valgrind --tool=massif\")", "CMD" },
    { "smoke", 0, 0, G_OPTION_ARG_NONE, &smoke,
      "2 rooms × 3 participants for a few seconds; checks relays, not timings", NULL },
    { NULL }
  };

  b->epfd = -1;
  context = g_option_context_new ("— conference signaling benchmark");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-signaling: %s\n", error->message);
      return 2;
    }
  b->binary = binary != NULL ? binary : g_strdup (LC_BENCH_LESSONCAST);
  b->server_prefix = prefix;
  b->smoke = smoke;
  b->steps = g_array_new (FALSE, FALSE, sizeof (guint));
  if (smoke)
    {
      room_size = 3;
      interval = 0.3;
      window = 3;
      g_clear_pointer (&participants, g_free);
      participants = g_strdup ("6");
    }
  if (room_size < 1 || room_size > 50 || interval <= 0 || window < 1 || concurrency < 1
      || heartbeat < 1 || heartbeat > 60)
    {
      g_printerr ("bench-signaling: room size 1..50, interval > 0, window >= 1, concurrency >= 1, "
                  "heartbeat 1..60\n");
      return 2;
    }
  if (!parse_steps (b, participants != NULL ? participants : "1000,5000,10000", &error))
    {
      g_printerr ("bench-signaling: --participants: %s\n",
                  error != NULL ? error->message : "empty");
      return 2;
    }
  b->room_size = (guint)room_size;
  b->interval_s = interval;
  b->window_s = (guint)window;
  b->concurrency = (guint)concurrency;
  b->heartbeat_s = (guint)heartbeat;
  b->rate = rate > 0 ? (guint)rate : MAX (20, 4 * (guint)room_size);
  b->rng = 0x2545f491;
  max_k = g_array_index (b->steps, guint, b->steps->len - 1);

  lc_bench_raise_fd_limit ();
  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < max_k + 64)
    {
      g_printerr ("bench-signaling: RLIMIT_NOFILE %lu is too low for %u participants\n",
                  (unsigned long)limit.rlim_cur, max_k);
      return 2;
    }

  machine = lc_bench_describe_machine ();
  g_print ("machine: %s\n", machine);
  g_print ("rooms of %u, a message every %.1f s per participant (jittered), window %u s, "
           "%u joins in flight, ws_messages_per_second %u, heartbeat %u s\n",
           b->room_size, b->interval_s, b->window_s, b->concurrency, b->rate, b->heartbeat_s);

  if (!server_start (b, max_k, &error))
    {
      g_printerr ("bench-signaling: %s\n", error->message);
      return 1;
    }
  g_print ("server: pid %d at %s (%s)\n", b->pid, b->base_url, b->binary);

  n_rooms = (max_k + b->room_size - 1) / b->room_size;
  b->rooms = g_ptr_array_new_with_free_func (room_free);
  if (!setup_rooms (b, n_rooms, &error))
    {
      g_printerr ("bench-signaling: set-up: %s\n", error->message);
      return 1;
    }

  b->n_conns = max_k;
  b->conns = g_new0 (Conn, max_k);
  for (guint r = 0; r < n_rooms; r++)
    {
      Room *room = b->rooms->pdata[r];

      room->first = r * b->room_size;
      room->n = MIN (b->room_size, max_k - room->first);
      for (guint i = room->first; i < room->first + room->n; i++)
        {
          Conn *c = &b->conns[i];

          c->fd = -1;
          c->index = i;
          c->room = room;
          c->heap_pos = -1;
          c->client_id = g_strdup_printf ("bench-participant-%06u", i);
          c->peer_id = g_strdup_printf ("s:%s:%s", room->school_id, c->client_id);
        }
    }
  b->heap = g_array_new (FALSE, FALSE, sizeof (Conn *));
  b->join_ms = g_array_new (FALSE, FALSE, sizeof (double));
  for (int k = 0; k < N_KINDS; k++)
    b->c.latency[k] = g_array_new (FALSE, FALSE, sizeof (double));
  b->sdp_body = make_sdp_body ();
  b->scratch = g_malloc (READ_CHUNK);
  b->epfd = epoll_create1 (EPOLL_CLOEXEC);

  /* the server's footprint with its conferences but before any socket */
  g_usleep (G_USEC_PER_SEC);
  read_smaps (b->pid, &base);
  g_print ("server before any WebSocket: RSS %.1f MiB (RssAnon %.1f MiB, Private_Dirty %.1f MiB)\n",
           base.rss, base.anon, base.private_dirty);

  for (guint s = 0; s < b->steps->len && ok; s++)
    {
      StepResult r;

      ok = run_step (b, g_array_index (b->steps, guint, s), base.rss, &r);
      if (ok)
        {
          g_array_append_val (results, r);
          print_step (b, &r);
        }
    }

  if (results->len > 0)
    {
      Smaps end;

      read_smaps (b->pid, &end);
      g_print ("\nsummary (rooms of %u, a message every %.1f s per participant):\n", b->room_size,
               b->interval_s);
      g_print ("| K | RSS MiB | KiB/conn | joins/s | welcome p50/p99 ms | relayed msg/s | "
               "server CPU %% | relayed/s per core | latency p50/p99 ms |\n");
      for (guint i = 0; i < results->len; i++)
        {
          const StepResult *r = &g_array_index (results, StepResult, i);
          double p50 = 0, p99 = 0;

          /* candidate relays: one hop, the most frequent stamped kind */
          p50 = r->lat_p50[KIND_CANDIDATE];
          p99 = r->lat_p99[KIND_CANDIDATE];
          g_print ("| %u | %.1f | %.1f | %.0f | %.0f/%.0f | %.0f | %.1f | %.0f | %.2f/%.2f |\n",
                   r->participants, r->rss_mib, r->kib_per_conn, r->joins_per_second,
                   r->join_p50_ms, r->join_p99_ms, r->out_per_s, r->server_cpu_percent,
                   r->relayed_per_core_s, p50, p99);
        }
      g_print ("server smaps_rollup at the end: Rss %.1f MiB, Pss %.1f MiB, Private_Dirty %.1f MiB\n",
               end.rss, end.pss, end.private_dirty);
    }
  machine_after = lc_bench_describe_machine ();
  g_print ("machine at the end: %s\n", machine_after);

  if (ok && smoke)
    {
      ok = smoke_check (b, &g_array_index (results, StepResult, 0));
      g_print ("smoke: %s\n", ok ? "ok" : "FAILED");
    }
  return ok ? 0 : 1;
}
