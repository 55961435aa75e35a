/* bench-fanout.c — WHEP fan-out of the real server: CPU, memory, threads and
 * fds per viewer, delivered bitrate and loss per viewer, time to first frame
 * and WHIP→WHEP glass-to-glass latency (a benchmark that prints figures; not a
 * test, except --smoke, which checks only that frames and latencies arrive).
 *
 *   bench-fanout [--viewers 10,50,100] [--bitrates 1500,600] [--decoders 3]
 *                [--size 1280x720] [--fps 25] [--warmup 5] [--window 10]
 *                [--max-loss 1] [--lessoncast PATH] [--smoke]
 *
 * Processes:
 *   lessoncast serve   the server under test (child; temporary data dir, one
 *                      seeded public lesson, ICE on 127.0.0.1, defaults
 *                      otherwise: HLS and recording on).
 *   this process       the WHIP publisher (webrtcbin C client: moving SMPTE
 *                      bars, x264 at --bitrates, keyframes only on request like
 *                      Chromium, Opus tone) that stamps its wall clock into
 *                      every raw frame before encoding (lc-bench.c), and the
 *                      measurement of the server through /proc/<pid>.
 *   bench-fanout --clients   the viewers (child per step): --decoders of them
 *                      decode H.264 and read the stamp of every frame; the
 *                      rest only depayload and count (lightweight).
 *
 * Per bitrate: a baseline with 0 viewers, then each viewer count: the client
 * process connects all viewers, --warmup s later both processes snapshot
 * (server: utime+stime, RSS, threads, fds; viewers: webrtcbin inbound-rtp
 * bytes, packets, lost), --window s later again. Per viewer = (step −
 * baseline) / viewers. Stops going up when loss exceeds --max-loss %. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <gst/gst.h>
#ifndef GST_USE_UNSTABLE_API
#define GST_USE_UNSTABLE_API
#endif
#include <gst/webrtc/webrtc.h>
#include <json-glib/json-glib.h>

#include "lc-bench.h"
#include "lc-webrtc-client.h"

#define START_TIMEOUT_MS 30000

/* ==== client mode: the viewers ==== */

typedef struct
{
  LcWebrtcClient *client;
  gboolean decoding;
  GMutex lock;
  gint64 first_frame_us; /* monotonic, under lock */
  gboolean measuring;    /* under lock */
  guint stamps;          /* frames with a readable stamp since the start, under lock */
  double last_age;       /* ms, of the last of them, under lock */
  GArray *ages;          /* ms, under lock */
  /* snapshots */
  guint ssrc;
  gint64 bytes0, packets0, lost0, frames0, at0;
} Viewer;

static void
on_viewer_frame (GstBuffer *buffer, GstCaps *caps, gpointer user_data)
{
  Viewer *viewer = user_data;
  gint64 now = g_get_monotonic_time ();
  double age = viewer->decoding ? lc_bench_stamp_age_ms (buffer, caps) : -1;

  g_mutex_lock (&viewer->lock);
  if (viewer->first_frame_us == 0)
    viewer->first_frame_us = now;
  if (age >= 0)
    {
      viewer->stamps++;
      viewer->last_age = age;
    }
  if (viewer->measuring && age >= 0)
    g_array_append_val (viewer->ages, age);
  g_mutex_unlock (&viewer->lock);
}

static gint64
field_int64 (const GstStructure *s, const char *name)
{
  const GValue *value = gst_structure_get_value (s, name);
  GValue target = G_VALUE_INIT;
  gint64 result = 0;

  if (value == NULL)
    return 0;
  g_value_init (&target, G_TYPE_INT64);
  if (g_value_transform (value, &target))
    result = g_value_get_int64 (&target);
  g_value_unset (&target);
  return result;
}

typedef struct
{
  guint ssrc;                /* wanted, or 0 = the video stream, whichever */
  const GstStructure *video; /* inbound-rtp of the video stream */
} StatsScan;

static gboolean
scan_stat (GQuark field, const GValue *value, gpointer user_data)
{
  StatsScan *scan = user_data;
  const GstStructure *s, *source;
  GstWebRTCStatsType type;
  int clock_rate = 0;
  guint ssrc = 0;

  if (!GST_VALUE_HOLDS_STRUCTURE (value))
    return TRUE;
  s = gst_value_get_structure (value);
  if (!gst_structure_get_enum (s, "type", GST_TYPE_WEBRTC_STATS_TYPE, (gint *)&type)
      || type != GST_WEBRTC_STATS_INBOUND_RTP
      || !gst_structure_has_field_typed (s, "gst-rtpsource-stats", GST_TYPE_STRUCTURE))
    return TRUE;
  /* GStreamer 1.22 labels every inbound-rtp "video" and gives both the same
   * codec-id: the clock rate of the nested RTP source stats tells. */
  source = gst_value_get_structure (gst_structure_get_value (s, "gst-rtpsource-stats"));
  gst_structure_get_uint (s, "ssrc", &ssrc);
  if (gst_structure_get_int (source, "clock-rate", &clock_rate) && clock_rate == 90000
      && (scan->ssrc == 0 || scan->ssrc == ssrc))
    scan->video = s;
  return TRUE;
}

/* The video counters of a viewer; ssrc: in = the stream to read (0: the
 * video one), out = the one read (0 when none). */
static void
viewer_snapshot (Viewer *viewer, guint *ssrc, gint64 *bytes, gint64 *packets, gint64 *lost)
{
  g_autoptr (GstStructure) stats = lc_webrtc_client_get_stats (viewer->client);
  StatsScan scan = { *ssrc, NULL };

  *bytes = *packets = *lost = 0;
  *ssrc = 0;
  if (stats == NULL)
    return;
  if (g_getenv ("LC_BENCH_DUMP_STATS") != NULL)
    {
      g_autofree char *text = gst_structure_to_string (stats);

      fprintf (stderr, "stats: %s\n", text);
    }
  gst_structure_foreach (stats, scan_stat, &scan);
  if (scan.video == NULL)
    return;
  gst_structure_get_uint (scan.video, "ssrc", ssrc);
  *bytes = field_int64 (scan.video, "bytes-received");
  *packets = field_int64 (scan.video, "packets-received");
  *lost = MAX (field_int64 (scan.video, "packets-lost"), 0);
}

/* Lines from the other process: the last one, and the "ready …" and
 * "result …" payloads. */
typedef struct
{
  GDataInputStream *in;
  char *line;
  char *ready;
  char *result;
  gboolean eof;
} LineReader;

static void read_next_line (LineReader *reader);

static void
on_line (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LineReader *reader = user_data;
  char *line
      = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, NULL, NULL);

  if (line == NULL)
    {
      reader->eof = TRUE;
      return;
    }
  if (g_str_has_prefix (line, "ready "))
    {
      g_free (reader->ready);
      reader->ready = g_strdup (line + strlen ("ready "));
    }
  else if (g_str_has_prefix (line, "result "))
    {
      g_free (reader->result);
      reader->result = g_strdup (line + strlen ("result "));
    }
  g_free (reader->line);
  reader->line = line;
  read_next_line (reader);
}

static void
read_next_line (LineReader *reader)
{
  g_data_input_stream_read_line_async (reader->in, G_PRIORITY_DEFAULT, NULL, on_line, reader);
}

static void
line_reader_clear (LineReader *reader)
{
  g_clear_object (&reader->in);
  g_clear_pointer (&reader->line, g_free);
  g_clear_pointer (&reader->ready, g_free);
  g_clear_pointer (&reader->result, g_free);
}

typedef struct
{
  LineReader *reader;
  const char *want;
} LineWait;

static gboolean
line_is (gpointer data)
{
  LineWait *w = data;

  return w->reader->eof || g_strcmp0 (w->reader->line, w->want) == 0;
}

static void
ttff_summary (GString *out, const char *name, GPtrArray *viewers, gboolean decoding)
{
  g_autoptr (GArray) values = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < viewers->len; i++)
    {
      Viewer *v = g_ptr_array_index (viewers, i);
      gint64 first;
      gint64 posted = lc_webrtc_client_get_post_time (v->client);
      double ms;

      g_mutex_lock (&v->lock);
      first = v->first_frame_us;
      g_mutex_unlock (&v->lock);
      if (v->decoding != decoding || first == 0 || posted == 0)
        continue;
      ms = (double)(first - posted) / 1000.0;
      g_array_append_val (values, ms);
    }
  if (values->len > 0)
    g_string_append_printf (out, " %s=%.0f/%.0f", name, lc_bench_median (values),
                            lc_bench_quantile (values, 0.9));
  else
    g_string_append_printf (out, " %s=-", name);
}

static gboolean
all_have_frames (gpointer data)
{
  GPtrArray *viewers = data;
  gboolean all = TRUE;

  for (guint i = 0; i < viewers->len && all; i++)
    {
      Viewer *v = g_ptr_array_index (viewers, i);

      g_mutex_lock (&v->lock);
      all = v->first_frame_us != 0;
      g_mutex_unlock (&v->lock);
    }
  return all;
}

static int
run_clients (const char *url, guint n, guint decoders)
{
  g_autoptr (GPtrArray) viewers = g_ptr_array_new ();
  g_autoptr (GInputStream) stdin_stream = g_unix_input_stream_new (0, FALSE);
  LineReader reader = { g_data_input_stream_new (stdin_stream) };
  g_autoptr (GArray) kbps = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) loss = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) fps = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) ages = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GString) result = g_string_new ("result");
  LineWait w = { &reader, "start" };
  guint failed = 0, silent = 0, no_stats = 0, no_frame = 0, stamps = 0;
  double last_age = 0;
  gint64 cpu0, wall0;

  for (guint i = 0; i < n; i++)
    {
      Viewer *viewer = g_new0 (Viewer, 1);
      LcWebrtcClientOptions options = { 0 };
      g_autoptr (GError) error = NULL;

      g_mutex_init (&viewer->lock);
      viewer->ages = g_array_new (FALSE, FALSE, sizeof (double));
      viewer->decoding = i < decoders;
      options.role = LC_CLIENT_VIEWER;
      options.url = url;
      options.no_decode = !viewer->decoding;
      options.frame_func = on_viewer_frame;
      options.frame_data = viewer;
      viewer->client = lc_webrtc_client_new (&options);
      g_ptr_array_add (viewers, viewer);
      if (!lc_webrtc_client_start (viewer->client, START_TIMEOUT_MS, NULL, &error))
        {
          fprintf (stderr, "clients: viewer %u: %s\n", i, error->message);
          failed++;
        }
    }
  /* Every viewer's first frame (or 30 s) before the measurement starts. */
  lc_bench_run_until (all_have_frames, viewers, 30000);
  printf ("ready %u %u\n", n - failed, failed);
  fflush (stdout);

  read_next_line (&reader);
  lc_bench_run_until (line_is, &w, 600000);
  for (guint i = 0; i < viewers->len; i++)
    {
      Viewer *v = g_ptr_array_index (viewers, i);

      v->ssrc = 0;
      viewer_snapshot (v, &v->ssrc, &v->bytes0, &v->packets0, &v->lost0);
      v->frames0 = (gint64)lc_webrtc_client_get_video_frames (v->client);
      v->at0 = g_get_monotonic_time ();
      g_mutex_lock (&v->lock);
      v->measuring = TRUE;
      g_mutex_unlock (&v->lock);
    }
  cpu0 = lc_bench_self_cpu_us ();
  wall0 = g_get_monotonic_time ();
  printf ("started\n");
  fflush (stdout);

  w.want = "stop";
  lc_bench_run_until (line_is, &w, 600000);
  for (guint i = 0; i < viewers->len; i++)
    {
      Viewer *v = g_ptr_array_index (viewers, i);
      gint64 bytes, packets, lost, frames = (gint64)lc_webrtc_client_get_video_frames (v->client);
      double seconds = (double)(g_get_monotonic_time () - v->at0) / G_USEC_PER_SEC;
      double rate, loss_pct, frame_rate;
      guint ssrc = v->ssrc;

      viewer_snapshot (v, &ssrc, &bytes, &packets, &lost);
      g_mutex_lock (&v->lock);
      v->measuring = FALSE;
      g_array_append_vals (ages, v->ages->data, v->ages->len);
      stamps += v->stamps;
      last_age = MAX (last_age, v->last_age);
      no_frame += v->first_frame_us == 0 ? 1 : 0;
      g_mutex_unlock (&v->lock);
      frame_rate = (double)(frames - v->frames0) / seconds;
      if (frames == v->frames0)
        silent++;
      g_array_append_val (fps, frame_rate);
      /* A stream that started after the first snapshot counts from 0 (the
       * snapshot left zeros); one that vanished or changed SSRC has no figures. */
      if (ssrc == 0)
        {
          no_stats++;
          continue;
        }
      rate = (double)(bytes - v->bytes0) * 8.0 / 1000.0 / seconds;
      loss_pct = packets - v->packets0 + lost - v->lost0 > 0
                     ? 100.0 * (double)MAX (lost - v->lost0, 0)
                           / (double)(packets - v->packets0 + MAX (lost - v->lost0, 0))
                     : 0;
      g_array_append_val (kbps, rate);
      g_array_append_val (loss, loss_pct);
    }
  g_string_append_printf (result,
                          " ok=%u failed=%u silent=%u no_stats=%u no_frame=%u stamps=%u "
                          "last_age=%.0f",
                          n - failed, failed, silent, no_stats, no_frame, stamps, last_age);
  g_string_append_printf (result, " kbps=%.0f kbps_min=%.0f", lc_bench_median (kbps),
                          lc_bench_quantile (kbps, 0.0));
  g_string_append_printf (result, " loss=%.2f loss_max=%.2f", lc_bench_median (loss),
                          lc_bench_max (loss));
  g_string_append_printf (result, " fps=%.1f fps_min=%.1f", lc_bench_median (fps),
                          lc_bench_quantile (fps, 0.0));
  ttff_summary (result, "ttff_decode", viewers, TRUE);
  ttff_summary (result, "ttff_depay", viewers, FALSE);
  {
    g_autofree char *latency = lc_bench_summary (ages);

    g_string_append_printf (result, " latency=%s latency_n=%u", latency, ages->len);
  }
  g_string_append_printf (result, " client_cpu=%.0f",
                          100.0 * (double)(lc_bench_self_cpu_us () - cpu0)
                              / (double)(g_get_monotonic_time () - wall0));
  printf ("%s\n", result->str);
  fflush (stdout);

  for (guint i = 0; i < viewers->len; i++)
    {
      Viewer *v = g_ptr_array_index (viewers, i);

      lc_webrtc_client_delete (v->client, 10000);
      lc_webrtc_client_free (v->client);
      g_array_unref (v->ages);
      g_mutex_clear (&v->lock);
      g_free (v);
    }
  line_reader_clear (&reader);
  return failed == 0 ? 0 : 1;
}

/* ==== server side: the orchestration ==== */

typedef struct
{
  guint viewers;
  LcBenchProc before, after;
  double cpu;
  double publisher_fps; /* frames that reached the publisher's encoder per second */
  guint webrtc_viewers; /* as the server's API reports them during the window */
  char *result;         /* the client process's result line */
} Step;

static void
step_clear (Step *step)
{
  g_free (step->result);
}

/* live.viewers.webrtc from GET /api/v1/lessons/{id}. */
static guint
server_viewer_count (LcBenchServer *server)
{
  g_autofree char *url
      = g_strdup_printf ("%s/api/v1/lessons/%s", server->base_url, server->lesson_id);
  g_autoptr (GBytes) body = lc_bench_http_get (url, NULL, NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *o;

  if (body == NULL
      || !json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
                                      (gssize)g_bytes_get_size (body), NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return 0;
  o = json_node_get_object (root);
  if (!json_object_has_member (o, "live")
      || !JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "live")))
    return 0;
  o = json_object_get_object_member (o, "live");
  if (!json_object_has_member (o, "viewers"))
    return 0;
  o = json_object_get_object_member (o, "viewers");
  return (guint)json_object_get_int_member_with_default (o, "webrtc", 0);
}

static gboolean
child_ready (gpointer data)
{
  LineReader *out = data;

  return out->ready != NULL || out->eof;
}

static gboolean
child_result (gpointer data)
{
  LineReader *out = data;

  return out->result != NULL || out->eof;
}

static gboolean
child_said (gpointer data)
{
  LineReader *out = data;

  return out->eof || g_strcmp0 (out->line, "started") == 0;
}

static void
tell_child (GSubprocess *child, const char *command)
{
  g_autofree char *line = g_strconcat (command, "\n", NULL);

  g_output_stream_write_all (g_subprocess_get_stdin_pipe (child), line, strlen (line), NULL, NULL,
                             NULL);
  g_output_stream_flush (g_subprocess_get_stdin_pipe (child), NULL, NULL);
}

static gboolean
measure_baseline (LcBenchServer *server, gint *frames, guint warmup, guint window, Step *step)
{
  gint frames0;

  step->viewers = 0;
  lc_bench_run_for (warmup * 1000);
  lc_bench_proc_sample (server->pid, &step->before);
  frames0 = g_atomic_int_get (frames);
  lc_bench_run_for (window * 1000);
  lc_bench_proc_sample (server->pid, &step->after);
  step->publisher_fps = (double)(g_atomic_int_get (frames) - frames0) * G_USEC_PER_SEC
                        / (double)(step->after.wall_us - step->before.wall_us);
  step->cpu = lc_bench_proc_cpu_percent (&step->before, &step->after);
  return TRUE;
}

static gboolean
run_step (LcBenchServer *server, gint *frames, const char *self_exe, guint n, guint decoders,
          guint warmup, guint window, Step *step)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) child = NULL;
  g_autofree char *url = g_strdup_printf ("%s/whep/%s", server->base_url, server->lesson_id);
  g_autofree char *n_text = g_strdup_printf ("%u", n);
  g_autofree char *d_text = g_strdup_printf ("%u", MIN (decoders, n));
  LineReader out = { 0 };
  gboolean ok = FALSE;
  gint frames0;

  step->viewers = n;
  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE, &error,
                            self_exe, "--clients", url, n_text, d_text, NULL);
  if (child == NULL)
    {
      fprintf (stderr, "bench: cannot start the clients: %s\n", error->message);
      return FALSE;
    }
  out.in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
  read_next_line (&out);
  if (!lc_bench_run_until (child_ready, &out, 60000 + n * 5000) || out.ready == NULL)
    {
      fprintf (stderr, "bench: the clients did not get ready\n");
      goto out;
    }
  lc_bench_run_for (warmup * 1000);
  tell_child (child, "start");
  lc_bench_run_until (child_said, &out, 60000);
  lc_bench_proc_sample (server->pid, &step->before);
  frames0 = g_atomic_int_get (frames);
  lc_bench_run_for (window * 500);
  step->webrtc_viewers = server_viewer_count (server);
  lc_bench_run_for (window * 500);
  lc_bench_proc_sample (server->pid, &step->after);
  step->publisher_fps = (double)(g_atomic_int_get (frames) - frames0) * G_USEC_PER_SEC
                        / (double)(step->after.wall_us - step->before.wall_us);
  tell_child (child, "stop");
  lc_bench_run_until (child_result, &out, 120000);
  step->cpu = lc_bench_proc_cpu_percent (&step->before, &step->after);
  step->result = g_strdup (out.result != NULL ? out.result : "(no result)");
  ok = out.result != NULL;

out:
  g_output_stream_close (g_subprocess_get_stdin_pipe (child), NULL, NULL);
  while (!out.eof)
    g_main_context_iteration (NULL, TRUE);
  g_subprocess_wait (child, NULL, NULL);
  line_reader_clear (&out);
  /* Let the server reap the deleted viewers before the next step. */
  for (int i = 0; i < 50 && server_viewer_count (server) > 0; i++)
    lc_bench_run_for (200);
  return ok;
}

/* "key=value" from a result line (transfer full), "-" when missing. */
static char *
result_field (const char *result, const char *key)
{
  g_auto (GStrv) parts = g_strsplit (result != NULL ? result : "", " ", -1);
  g_autofree char *prefix = g_strconcat (key, "=", NULL);

  for (guint i = 0; parts[i] != NULL; i++)
    if (g_str_has_prefix (parts[i], prefix))
      return g_strdup (parts[i] + strlen (prefix));
  return g_strdup ("-");
}

static double
result_double (const char *result, const char *key)
{
  g_autofree char *text = result_field (result, key);

  return g_ascii_strtod (text, NULL);
}

static void
print_table (guint bitrate, GArray *steps, guint decoders)
{
  Step *base = &g_array_index (steps, Step, 0);

  printf (
      "\n== %u kbit/s: server = lessoncast serve (pid accounting: utime+stime over the window); "
      "per viewer = (step - 0 viewers) / viewers ==\n",
      bitrate);
  printf ("%7s %6s %6s %9s %10s %8s %8s %9s %9s %9s %8s %7s %13s %13s %14s %6s\n", "viewers", "api",
          "pub", "cpu %", "cpu/viewer", "viewers", "thr/v", "fds/v", "rss/v MiB", "kbit/s",
          "loss %", "fps", "ttff dec ms", "ttff depay", "g2g ms", "cl cpu");
  printf ("%7s %6s %6s %9s %10s %8s %8s %9s %9s %9s %8s %7s %13s %13s %14s %6s\n", "", "", "fps",
          "(1 core)", "(% core)", "per core", "", "", "", "med/min", "med/max", "med/min",
          "med/p90", "med/p90", "med/p90/max", "%");
  for (guint i = 0; i < steps->len; i++)
    {
      Step *s = &g_array_index (steps, Step, i);
      double per = s->viewers > 0 ? (s->cpu - base->cpu) / s->viewers : 0;

      if (s->viewers == 0)
        {
          printf ("%7u %6s %6.1f %9.1f %10s %8s %8u %9u %9.1f   (publisher → ingest, HLS, "
                  "recording)\n",
                  0, "-", s->publisher_fps, s->cpu, "-", "-", s->after.threads, s->after.fds,
                  s->after.rss_mib);
          continue;
        }
      {
        g_autofree char *kbps = result_field (s->result, "kbps");
        g_autofree char *kbps_min = result_field (s->result, "kbps_min");
        g_autofree char *loss = result_field (s->result, "loss");
        g_autofree char *loss_max = result_field (s->result, "loss_max");
        g_autofree char *fps = result_field (s->result, "fps");
        g_autofree char *fps_min = result_field (s->result, "fps_min");
        g_autofree char *ttff_dec = result_field (s->result, "ttff_decode");
        g_autofree char *ttff_depay = result_field (s->result, "ttff_depay");
        g_autofree char *latency = result_field (s->result, "latency");
        g_autofree char *client_cpu = result_field (s->result, "client_cpu");
        g_autofree char *c1 = g_strdup_printf ("%s/%s", kbps, kbps_min);
        g_autofree char *c2 = g_strdup_printf ("%s/%s", loss, loss_max);
        g_autofree char *c3 = g_strdup_printf ("%s/%s", fps, fps_min);

        printf ("%7u %6u %6.1f %9.1f %10.2f %8.0f %8.2f %9.2f %9.2f %9s %8s %7s %13s %13s %14s "
                "%6s\n",
                s->viewers, s->webrtc_viewers, s->publisher_fps, s->cpu, per,
                per > 0 ? 100.0 / per : 0,
                (double)((int)s->after.threads - (int)base->after.threads) / s->viewers,
                (double)((int)s->after.fds - (int)base->after.fds) / s->viewers,
                (s->after.rss_mib - base->after.rss_mib) / s->viewers, c1, c2, c3, ttff_dec,
                ttff_depay, latency, client_cpu);
      }
    }
  printf (
      "(viewers: %u decode H.264 and read the stamp (ttff dec, g2g latency); the others "
      "depayload and count only (ttff depay); api = WebRTC viewers the server reported;\n"
      " pub fps = frames the publisher encoded per second; fps = frames per viewer per second)\n",
      decoders);
  fflush (stdout);
}

int
main (int argc, char **argv)
{
  g_autofree char *viewers_text = NULL;
  g_autofree char *bitrates_text = NULL;
  g_autofree char *size = NULL;
  g_autofree char *lessoncast = NULL;
  int fps = 25, warmup = 5, window = 10, decoders = 3;
  double max_loss = 1.0;
  gboolean clients = FALSE, smoke = FALSE;
  GOptionEntry entries[] = {
    { "viewers", 0, 0, G_OPTION_ARG_STRING, &viewers_text, "Viewer counts (default 10,50,100)",
      "LIST" },
    { "bitrates", 0, 0, G_OPTION_ARG_STRING, &bitrates_text,
      "Publisher video kbit/s (default 1500,600)", "LIST" },
    { "decoders", 0, 0, G_OPTION_ARG_INT, &decoders,
      "Viewers that decode and measure latency (default 3)", "N" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size, "Picture size (default 1280x720)", "WxH" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &fps, "Frames per second (default 25)", "N" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Seconds before measuring (default 5)", "S" },
    { "window", 0, 0, G_OPTION_ARG_INT, &window, "Seconds measured per step (default 10)", "S" },
    { "max-loss", 0, 0, G_OPTION_ARG_DOUBLE, &max_loss,
      "Stop when the median loss exceeds this % (default 1)", "PCT" },
    { "lessoncast", 0, 0, G_OPTION_ARG_FILENAME, &lessoncast, "The server binary", "PATH" },
    { "smoke", 0, 0, G_OPTION_ARG_NONE, &smoke,
      "Functional check: 2 decoding viewers, 320x240, 3 s; exit 1 unless every viewer gets "
      "frames, RTP stats and a latency > 0",
      NULL },
    { "clients", 0, 0, G_OPTION_ARG_NONE, &clients, "(internal) run viewers: URL N DECODERS",
      NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("— WHEP fan-out benchmark");
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) counts = NULL;
  g_auto (GStrv) bitrates = NULL;
  guint width = 1280, height = 720;
  g_autofree char *self_exe = NULL;
  g_autofree char *machine = NULL;
  int status = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "bench-fanout: %s\n", error->message);
      return 2;
    }
  lc_bench_raise_fd_limit ();
  if (clients)
    {
      if (argc != 4)
        return 2;
      return run_clients (argv[1], (guint)atoi (argv[2]), (guint)atoi (argv[3]));
    }
  if (smoke)
    {
      g_free (viewers_text);
      viewers_text = g_strdup ("2");
      g_free (bitrates_text);
      bitrates_text = g_strdup ("600");
      g_free (size);
      size = g_strdup ("320x240");
      decoders = 2;
      warmup = 1;
      window = 3;
    }
  if (size != NULL && sscanf (size, "%ux%u", &width, &height) != 2)
    return 2;
  if (fps < 1 || warmup < 0 || window < 1 || decoders < 0)
    return 2;
  counts = g_strsplit (viewers_text != NULL ? viewers_text : "10,50,100", ",", -1);
  bitrates = g_strsplit (bitrates_text != NULL ? bitrates_text : "1500,600", ",", -1);
  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  if (lessoncast == NULL)
    lessoncast = g_strdup (LC_BENCH_LESSONCAST);
  machine = lc_bench_describe_machine ();
  printf ("bench-fanout: %s\n", machine);
  printf ("bench-fanout: %ux%u@%d H.264 (x264 ultrafast, moving SMPTE bars, keyframes on "
          "request) + Opus, viewers %s, %d decoding, warm-up %d s, window %d s, server %s\n",
          width, height, fps, viewers_text != NULL ? viewers_text : "10,50,100", decoders, warmup,
          window, lessoncast);
  fflush (stdout);

  for (guint b = 0; bitrates[b] != NULL; b++)
    {
      guint bitrate = (guint)atoi (bitrates[b]);
      g_autoptr (GArray) steps = g_array_new (FALSE, TRUE, sizeof (Step));
      LcBenchServer *server;
      LcWebrtcClient *publisher;
      gint publisher_frames = 0;
      Step base = { 0 };

      g_array_set_clear_func (steps, (GDestroyNotify)step_clear);
      server = lc_bench_server_start (lessoncast, TRUE, NULL, &error);
      if (server == NULL)
        {
          fprintf (stderr, "bench-fanout: %s\n", error->message);
          return 1;
        }
      publisher = lc_bench_publish (server, width, height, (guint)fps, bitrate, TRUE,
                                    &publisher_frames, &error);
      if (publisher == NULL)
        {
          fprintf (stderr, "bench-fanout: the publisher did not go live: %s\n", error->message);
          lc_bench_server_stop (server);
          return 1;
        }

      measure_baseline (server, &publisher_frames, (guint)warmup, (guint)window, &base);
      g_array_append_val (steps, base);
      for (guint i = 0; counts[i] != NULL; i++)
        {
          Step step = { 0 };
          guint n = (guint)atoi (counts[i]);
          double loss;
          gboolean ok;

          if (n == 0)
            continue;
          ok = run_step (server, &publisher_frames, self_exe, n, (guint)decoders, (guint)warmup,
                         (guint)window, &step);
          g_array_append_val (steps, step);
          if (!ok)
            {
              status = 1;
              break;
            }
          if (smoke
              && (result_double (step.result, "failed") > 0
                  || result_double (step.result, "no_frame") > 0
                  || result_double (step.result, "no_stats") > 0
                  || result_double (step.result, "kbps") <= 0
                  || result_double (step.result, "stamps") < 1
                  || result_double (step.result, "last_age") <= 0))
            {
              fprintf (stderr, "bench-fanout: smoke: no frames or no latency: %s\n", step.result);
              status = 1;
            }
          loss = result_double (step.result, "loss");
          if (loss > max_loss)
            {
              printf ("bench-fanout: median loss %.2f %% > %.2f %% at %u viewers: stopping here\n",
                      loss, max_loss, n);
              break;
            }
        }
      print_table (bitrate, steps, (guint)decoders);
      lc_webrtc_client_delete (publisher, 10000);
      lc_webrtc_client_free (publisher);
      lc_bench_server_stop (server);
    }
  return status;
}
