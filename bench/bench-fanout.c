/* bench-fanout.c — CPU cost of the webrtcbin fan-out per WHEP viewer (a
 * benchmark that prints figures; not a test).
 *
 *   bench-fanout [--viewers 1,10,20] [--size 1280x720] [--fps 25]
 *                [--warmup 5] [--samples 5] [--window 2]
 *
 * This process is the server: a channel fed by the synthetic source (x264 at
 * 600 kbit/s + Opus), an LcFanout and a minimal WHEP route on an
 * LcHttpServer, ICE on 127.0.0.1. For each viewer count it starts a second
 * process (this program with --clients) holding that many C test-client
 * viewers that depayload but do not decode, waits for them to connect and
 * warm up, then samples this process's own CPU time (getrusage) over
 * --samples windows of --window seconds and prints the medians: CPU % of one
 * core, the increase per viewer over the 0-viewer baseline (which includes
 * the encoder), threads, fds and RSS. The client process reports the frames
 * each viewer received and the time from its POST to the first frame. */
#include <glib-unix.h>
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/lc-error.h"
#include "lc-webrtc-client.h"
#include "signaling/lc-http-server.h"
#include "streamer/lc-fanout.h"
#include "streamer/lc-synthetic-source.h"

#define LESSON "bench"

/* ---- small helpers ---- */

static gboolean
on_tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterate the default context for ms. */
static void
run_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64)ms * 1000;
  GSource *tick = g_timeout_source_new (20);

  g_source_set_callback (tick, on_tick, NULL, NULL);
  g_source_attach (tick, NULL);
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (tick);
  g_source_unref (tick);
}

/* Iterate until cond (data) or timeout; returns cond (data). */
static gboolean
run_until (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64)timeout_ms * 1000;
  GSource *tick = g_timeout_source_new (20);
  gboolean ok;

  g_source_set_callback (tick, on_tick, NULL, NULL);
  g_source_attach (tick, NULL);
  while (!(ok = cond (data)) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (tick);
  g_source_unref (tick);
  return ok;
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? -1 : x > y ? 1 : 0;
}

static double
median (GArray *values)
{
  if (values->len == 0)
    return 0;
  g_array_sort (values, compare_double);
  if (values->len % 2 == 1)
    return g_array_index (values, double, values->len / 2);
  return (g_array_index (values, double, values->len / 2 - 1)
          + g_array_index (values, double, values->len / 2))
         / 2;
}

static gint64
cpu_time_us (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (gint64)usage.ru_utime.tv_sec * G_USEC_PER_SEC + usage.ru_utime.tv_usec
         + (gint64)usage.ru_stime.tv_sec * G_USEC_PER_SEC + usage.ru_stime.tv_usec;
}

/* CPU time (µs) of the synthetic source's threads: its streaming threads
 * and the x264 workers they start carry the source elements' names. */
static gint64
source_cpu_us (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  long ticks = sysconf (_SC_CLK_TCK);
  const char *tid;
  gint64 total = 0;

  while (dir != NULL && (tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *comm_path = g_strdup_printf ("/proc/self/task/%s/comm", tid);
      g_autofree char *stat_path = g_strdup_printf ("/proc/self/task/%s/stat", tid);
      g_autofree char *comm = NULL, *stat = NULL;
      unsigned long utime = 0, stime = 0;
      const char *after;

      if (!g_file_get_contents (comm_path, &comm, NULL, NULL)
          || (!g_str_has_prefix (comm, "videotestsrc") && !g_str_has_prefix (comm, "audiotestsrc")))
        continue;
      if (!g_file_get_contents (stat_path, &stat, NULL, NULL)
          || (after = strrchr (stat, ')')) == NULL
          /* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
          || sscanf (after + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
                     &stime)
                 != 2)
        continue;
      total += (gint64)(utime + stime) * G_USEC_PER_SEC / (ticks > 0 ? ticks : 100);
    }
  return total;
}

static guint
count_dir (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static double
rss_mib (void)
{
  g_autofree char *statm = NULL;
  unsigned long size = 0, resident = 0;

  if (!g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL)
      || sscanf (statm, "%lu %lu", &size, &resident) != 2)
    return 0;
  return (double)resident * (double)sysconf (_SC_PAGESIZE) / (1024.0 * 1024.0);
}

/* ---- client mode: N viewers in this process ---- */

static int
run_clients (const char *url, guint n, guint seconds)
{
  g_autoptr (GPtrArray) clients
      = g_ptr_array_new_with_free_func ((GDestroyNotify)lc_webrtc_client_free);
  g_autoptr (GArray) ttff = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) fps = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree gint64 *started = g_new0 (gint64, n);
  g_autofree guint64 *frames_at_ready = g_new0 (guint64, n);
  g_autofree gboolean *seen = g_new0 (gboolean, n);
  gint64 ready_at, deadline, cpu_at_ready;
  guint failed = 0;

  for (guint i = 0; i < n; i++)
    {
      LcWebrtcClientOptions options = { 0 };
      g_autoptr (GError) error = NULL;
      LcWebrtcClient *client;

      options.role = LC_CLIENT_VIEWER;
      options.url = url;
      options.no_decode = TRUE;
      client = lc_webrtc_client_new (&options);
      started[i] = g_get_monotonic_time ();
      if (!lc_webrtc_client_start (client, 30000, NULL, &error))
        {
          fprintf (stderr, "clients: viewer %u: %s\n", i, error->message);
          failed++;
        }
      g_ptr_array_add (clients, client);
    }
  ready_at = g_get_monotonic_time ();
  cpu_at_ready = cpu_time_us ();
  printf ("ready %u %u\n", n - failed, failed);
  fflush (stdout);

  /* Time to first frame, then frames over the run. */
  deadline = ready_at + (gint64)seconds * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline)
    {
      for (guint i = 0; i < n; i++)
        if (!seen[i] && lc_webrtc_client_get_video_frames (g_ptr_array_index (clients, i)) > 0)
          {
            double ms = (double)(g_get_monotonic_time () - started[i]) / 1000.0;

            seen[i] = TRUE;
            g_array_append_val (ttff, ms);
          }
      run_for (5);
      if (g_get_monotonic_time () - ready_at < 3 * G_USEC_PER_SEC)
        for (guint i = 0; i < n; i++)
          frames_at_ready[i] = lc_webrtc_client_get_video_frames (g_ptr_array_index (clients, i));
    }
  for (guint i = 0; i < n; i++)
    {
      double rate = (double)(lc_webrtc_client_get_video_frames (g_ptr_array_index (clients, i))
                             - frames_at_ready[i])
                    / ((double)(deadline - ready_at) / G_USEC_PER_SEC - 3.0);

      g_array_append_val (fps, rate);
    }
  {
    double min_fps = fps->len > 0 ? g_array_index (fps, double, 0) : 0;
    double med_fps, med_ttff;

    for (guint i = 0; i < fps->len; i++)
      min_fps = MIN (min_fps, g_array_index (fps, double, i));
    med_fps = median (fps);
    med_ttff = median (ttff);
    printf ("stats fps_median=%.1f fps_min=%.1f ttff_median_ms=%.0f with_video=%u "
            "client_cpu=%.0f%%\n",
            med_fps, min_fps, med_ttff, ttff->len,
            100.0 * (double)(cpu_time_us () - cpu_at_ready)
                / (double)(g_get_monotonic_time () - ready_at));
    fflush (stdout);
  }
  for (guint i = 0; i < n; i++)
    lc_webrtc_client_delete (g_ptr_array_index (clients, i), 10000);
  return failed == 0 ? 0 : 1;
}

/* ---- server mode ---- */

typedef struct
{
  LcChannel *channel;
  LcSyntheticSource *source;
  LcFanout *fanout;
  LcHttpServer *http;
  GHashTable *sessions; /* id → LcWebrtcSession */
  guint next_id;
  char *url;
} Server;

typedef struct
{
  Server *server;
  LcRequest *req;
  char *id;
} AnswerCall;

static void
on_answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AnswerCall *call = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *answer
      = lc_webrtc_session_answer_finish (LC_WEBRTC_SESSION (source), result, &error);

  if (answer == NULL)
    {
      lc_webrtc_session_close (LC_WEBRTC_SESSION (source));
      g_hash_table_remove (call->server->sessions, call->id);
      lc_request_respond_error (call->req, error);
    }
  else
    {
      g_autofree char *location = g_strdup_printf ("/whep/%s/%s", LESSON, call->id);

      lc_request_set_header (call->req, "Location", location);
      lc_request_set_header (call->req, "Connection", "close");
      lc_request_respond_text (call->req, 201, "application/sdp", answer);
    }
  lc_request_unref (call->req);
  g_free (call->id);
  g_free (call);
}

static void
handle_post (LcRequest *req, gpointer user_data)
{
  Server *server = user_data;
  g_autoptr (GError) error = NULL;
  GBytes *body = lc_request_get_body (req);
  g_autofree char *offer = NULL;
  LcWebrtcSession *session;
  AnswerCall *call;
  gsize size = 0;
  const char *data = g_bytes_get_data (body, &size);

  session = lc_fanout_add_viewer (server->fanout, &error);
  if (session == NULL)
    {
      lc_request_respond_error (req, error);
      return;
    }
  offer = g_strndup (data != NULL ? data : "", size);
  call = g_new0 (AnswerCall, 1);
  call->server = server;
  call->req = lc_request_ref (req);
  call->id = g_strdup_printf ("s%u", ++server->next_id);
  g_hash_table_insert (server->sessions, g_strdup (call->id), session);
  lc_request_pause (req);
  lc_webrtc_session_answer_async (session, offer, NULL, on_answered, call);
}

static void
handle_delete (LcRequest *req, gpointer user_data)
{
  Server *server = user_data;
  const char *id = lc_request_get_param (req, "session");
  LcWebrtcSession *session = g_hash_table_lookup (server->sessions, id);

  if (session == NULL)
    {
      lc_request_respond_problem (req, LC_ERROR_NOT_FOUND, NULL, "no such session");
      return;
    }
  lc_webrtc_session_close (session);
  g_hash_table_remove (server->sessions, id);
  lc_request_respond_empty (req, 200);
}

typedef struct
{
  Server *server;
  guint count;
} CountWait;

static gboolean
viewer_count_is (gpointer data)
{
  CountWait *w = data;

  return lc_fanout_get_viewer_count (w->server->fanout) == w->count;
}

typedef struct
{
  GDataInputStream *in;
  char *ready;
  char *stats;
  gboolean eof;
} ChildOutput;

static void read_next_line (ChildOutput *out);

static void
on_child_line (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ChildOutput *out = user_data;
  g_autofree char *line
      = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, NULL, NULL);

  if (line == NULL)
    {
      out->eof = TRUE;
      return;
    }
  if (g_str_has_prefix (line, "ready "))
    out->ready = g_strdup (line + strlen ("ready "));
  else if (g_str_has_prefix (line, "stats "))
    out->stats = g_strdup (line + strlen ("stats "));
  read_next_line (out);
}

static void
read_next_line (ChildOutput *out)
{
  g_data_input_stream_read_line_async (out->in, G_PRIORITY_DEFAULT, NULL, on_child_line, out);
}

static gboolean
child_ready (gpointer data)
{
  ChildOutput *out = data;

  return out->ready != NULL || out->eof;
}

static gboolean
child_done (gpointer data)
{
  return ((ChildOutput *)data)->eof;
}

typedef struct
{
  guint viewers;
  double cpu;    /* % of one core, median */
  double source; /* of which the synthetic source (encoders), median */
  double fanout; /* the rest: fan-out, HTTP, GLib/GStreamer, median */
  guint threads;
  guint fds;
  double rss;
  char *client_stats;
} Step;

/* Sample this process's CPU over `samples` windows of `window` s: medians
 * of the whole process, of the source's threads and of the rest. */
static void
sample_cpu (guint samples, guint window, Step *step)
{
  g_autoptr (GArray) total = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) source = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) rest = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < samples; i++)
    {
      gint64 wall0 = g_get_monotonic_time (), cpu0 = cpu_time_us (), src0 = source_cpu_us ();
      double wall, pct, src, other;

      run_for (window * 1000);
      wall = (double)(g_get_monotonic_time () - wall0);
      pct = 100.0 * (double)(cpu_time_us () - cpu0) / wall;
      src = 100.0 * (double)(source_cpu_us () - src0) / wall;
      other = pct - src;
      g_array_append_val (total, pct);
      g_array_append_val (source, src);
      g_array_append_val (rest, other);
    }
  step->cpu = median (total);
  step->source = median (source);
  step->fanout = median (rest);
}

static gboolean
run_step (Server *server, const char *self_exe, guint n, guint warmup, guint samples, guint window,
          Step *step)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) child = NULL;
  g_autofree char *n_text = g_strdup_printf ("%u", n);
  g_autofree char *seconds_text = g_strdup_printf ("%u", warmup + samples * window + 4);
  ChildOutput out = { 0 };
  CountWait w = { server, n };

  step->viewers = n;
  if (n > 0)
    {
      child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, self_exe, "--clients",
                                server->url, n_text, seconds_text, NULL);
      if (child == NULL)
        {
          fprintf (stderr, "bench: cannot start the clients: %s\n", error->message);
          return FALSE;
        }
      out.in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
      read_next_line (&out);
      if (!run_until (child_ready, &out, 60000 + n * 5000) || out.ready == NULL)
        {
          fprintf (stderr, "bench: the clients did not get ready\n");
          return FALSE;
        }
      if (!run_until (viewer_count_is, &w, 10000))
        fprintf (stderr, "bench: %u viewers expected, %u present\n", n,
                 lc_fanout_get_viewer_count (server->fanout));
    }
  run_for (warmup * 1000);
  sample_cpu (samples, window, step);
  step->threads = count_dir ("/proc/self/task");
  step->fds = count_dir ("/proc/self/fd");
  step->rss = rss_mib ();
  if (child != NULL)
    {
      run_until (child_done, &out, 60000);
      g_subprocess_wait (child, NULL, NULL);
      step->client_stats = g_strdup (out.stats != NULL ? out.stats : "(none)");
      w.count = 0;
      if (!run_until (viewer_count_is, &w, 20000))
        lc_fanout_close_all (server->fanout);
    }
  g_clear_object (&out.in);
  g_free (out.ready);
  g_free (out.stats);
  return TRUE;
}

static void
raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

int
main (int argc, char **argv)
{
  g_autofree char *viewers_text = NULL;
  g_autofree char *size = NULL;
  int fps = 25, warmup = 5, samples = 5, window = 2;
  gboolean clients = FALSE;
  GOptionEntry entries[] = {
    { "viewers", 0, 0, G_OPTION_ARG_STRING, &viewers_text, "Viewer counts (default 1,10,20)",
      "LIST" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size, "Picture size (default 1280x720)", "WxH" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &fps, "Frames per second (default 25)", "N" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Seconds before sampling (default 5)", "S" },
    { "samples", 0, 0, G_OPTION_ARG_INT, &samples, "CPU samples per step (default 5)", "N" },
    { "window", 0, 0, G_OPTION_ARG_INT, &window, "Seconds per sample (default 2)", "S" },
    { "clients", 0, 0, G_OPTION_ARG_NONE, &clients, "(internal) run viewers: URL N SECONDS", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("— webrtcbin fan-out benchmark");
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) counts = NULL;
  g_autoptr (GArray) steps = g_array_new (FALSE, TRUE, sizeof (Step));
  const char *addresses[] = { "127.0.0.1", NULL };
  LcIceConfig ice = { .addresses = (char **)addresses };
  LcHttpLimits limits;
  Server server = { 0 };
  guint width = 1280, height = 720;
  const char *self_exe;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "bench-fanout: %s\n", error->message);
      return 2;
    }
  raise_fd_limit ();
  if (clients)
    {
      if (argc != 4)
        return 2;
      return run_clients (argv[1], (guint)atoi (argv[2]), (guint)atoi (argv[3]));
    }
  if (size != NULL && sscanf (size, "%ux%u", &width, &height) != 2)
    return 2;
  if (fps < 1 || warmup < 0 || samples < 1 || window < 1)
    return 2;
  counts = g_strsplit (viewers_text != NULL ? viewers_text : "1,10,20", ",", -1);
  self_exe = "/proc/self/exe";
  {
    /* The child must run this very binary. */
    static char path[4096];
    ssize_t len = readlink ("/proc/self/exe", path, sizeof path - 1);

    if (len > 0)
      {
        path[len] = '\0';
        self_exe = path;
      }
  }

  server.channel = lc_channel_new (LESSON);
  server.source = lc_synthetic_source_new (server.channel, width, height, (guint)fps, "bench");
  if (!lc_synthetic_source_start (server.source, &error))
    {
      fprintf (stderr, "bench-fanout: %s\n", error->message);
      return 1;
    }
  server.fanout = lc_fanout_webrtcbin_new (server.channel, &ice, 0);
  server.sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  lc_http_limits_init_default (&limits);
  limits.log_requests = FALSE;
  limits.max_connections = 4096;
  server.http = lc_http_server_new (&limits);
  lc_http_server_add_route (server.http, "POST", "/whep/{lesson}", handle_post, &server);
  lc_http_server_add_route (server.http, "DELETE", "/whep/{lesson}/{session}", handle_delete,
                            &server);
  if (!lc_http_server_listen (server.http, "127.0.0.1", 0, &error))
    {
      fprintf (stderr, "bench-fanout: %s\n", error->message);
      return 1;
    }
  server.url = g_strdup_printf ("http://127.0.0.1:%u/whep/%s",
                                lc_http_server_get_port (server.http), LESSON);
  printf ("bench-fanout: %ux%u@%d H.264 600 kbit/s + Opus, viewers %s, warm-up %d s, "
          "%d samples x %d s\n",
          width, height, fps, viewers_text != NULL ? viewers_text : "1,10,20", warmup, samples,
          window);
  fflush (stdout);

  {
    Step base = { 0 };

    run_step (&server, self_exe, 0, warmup, (guint)samples, (guint)window, &base);
    g_array_append_val (steps, base);
  }
  for (guint i = 0; counts[i] != NULL; i++)
    {
      Step step = { 0 };
      guint n = (guint)atoi (counts[i]);

      if (n == 0
          || !run_step (&server, self_exe, n, (guint)warmup, (guint)samples, (guint)window, &step))
        continue;
      g_array_append_val (steps, step);
    }

  {
    Step *base = &g_array_index (steps, Step, 0);

    printf (
        "\n(cpu%% of one core, medians; source = the synthetic source's threads (encoders;\n"
        " the channel's pushes into the viewers' appsrcs also run there); per viewer = the\n"
        " increase over 0 viewers divided by the viewers, of the process / of process - source)\n");
    printf ("%7s %8s %8s %9s %12s %12s %8s %6s %8s  %s\n", "viewers", "process", "source",
            "-source", "/viewer proc", "/viewer -src", "threads", "fds", "rss MiB", "clients");
    for (guint i = 0; i < steps->len; i++)
      {
        Step *s = &g_array_index (steps, Step, i);
        double per = s->viewers > 0 ? (s->fanout - base->fanout) / s->viewers : 0;
        double per_proc = s->viewers > 0 ? (s->cpu - base->cpu) / s->viewers : 0;

        printf ("%7u %8.1f %8.1f %9.1f %12.2f %12.2f %8u %6u %8.1f  %s\n", s->viewers, s->cpu,
                s->source, s->fanout, per_proc, per, s->threads, s->fds, s->rss,
                s->client_stats != NULL ? s->client_stats : "");
        g_free (s->client_stats);
      }
  }

  lc_fanout_close_all (server.fanout);
  g_hash_table_unref (server.sessions);
  lc_synthetic_source_stop (server.source);
  lc_channel_finish (server.channel);
  g_object_unref (server.fanout);
  g_object_unref (server.source);
  g_object_unref (server.http);
  g_object_unref (server.channel);
  g_free (server.url);
  return 0;
}
