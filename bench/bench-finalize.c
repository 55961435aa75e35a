/* bench-finalize.c — recording benchmarks (figures, not a test):
 *
 *   bench-finalize [--minutes 45] [--runs 3] [--bitrate 600]
 *                  [--overhead-window 20] [--overhead-rounds 2] [--no-overhead]
 *                  [--lessoncast PATH]
 *
 * 1. Finalisation. A fragmented part file "like the recorder writes" is built
 *    faster than real time: one 2 s GOP of 640x360@25 x264 (moving SMPTE bars,
 *    --bitrate kbit/s) and 2 s of 64 kbit/s Opus are encoded once and repeated
 *    with rising timestamps through the recorder's muxer settings
 *    (h264parse → avc3 → mp4mux fragment-duration=1000, a sink that answers
 *    "not seekable"). lc_recorder_finalize_file() is timed --runs times
 *    (median; wall and CPU). The same file with an extra text track, which the
 *    box-level fast path refuses, times the GStreamer remux fallback (checked
 *    through the finaliser's own log line).
 * 2. Recording overhead on a live lesson: `lessoncast serve` (child) with
 *    recording on and with it off, alternately --overhead-rounds times each,
 *    the same WHIP broadcast (720p, 1.5 Mbit/s, no viewers; HLS on in both):
 *    server CPU (utime+stime of its pid) over --overhead-window s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include "lc-bench.h"
#include "lc-webrtc-client.h"
#include "recorder/lc-recorder.h"

#define GOP_FRAMES 50
#define FRAME_NS (40 * GST_MSECOND)
#define OPUS_NS (20 * GST_MSECOND)
#define GOP_OPUS_PACKETS 100

typedef struct
{
  GPtrArray *buffers; /* GstBuffer */
  GstCaps *caps;
} Encoded;

static void
encoded_clear (Encoded *e)
{
  g_clear_pointer (&e->buffers, g_ptr_array_unref);
  gst_clear_caps (&e->caps);
}

static gboolean
encode (const char *description, Encoded *out, GError **error)
{
  g_autoptr (GstElement) pipeline = gst_parse_launch (description, error);
  g_autoptr (GstElement) sink = NULL;
  GstSample *sample;

  if (pipeline == NULL)
    return FALSE;
  out->buffers = g_ptr_array_new_with_free_func ((GDestroyNotify)gst_buffer_unref);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 20 * GST_SECOND)) != NULL)
    {
      if (out->caps == NULL)
        out->caps = gst_caps_ref (gst_sample_get_caps (sample));
      g_ptr_array_add (out->buffers, gst_buffer_ref (gst_sample_get_buffer (sample)));
      gst_sample_unref (sample);
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return out->buffers->len > 0;
}

static GstPadProbeReturn
on_sink_query (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);
  GstFormat format;

  if (GST_QUERY_TYPE (query) != GST_QUERY_SEEKING)
    return GST_PAD_PROBE_OK;
  gst_query_parse_seeking (query, &format, NULL, NULL, NULL);
  gst_query_set_seeking (query, format, FALSE, 0, -1);
  return GST_PAD_PROBE_HANDLED;
}

static gboolean
push (GstElement *src, GstBuffer *template, GstClockTime pts, GstClockTime duration)
{
  GstBuffer *buffer = gst_buffer_copy (template);

  GST_BUFFER_PTS (buffer) = GST_BUFFER_DTS (buffer) = pts;
  GST_BUFFER_DURATION (buffer) = duration;
  return gst_app_src_push_buffer (GST_APP_SRC (src), buffer) == GST_FLOW_OK;
}

/* The part file: minutes of the GOP and the Opus packets (and a text track). */
static gboolean
write_part (const char *path, guint minutes, const Encoded *video, const Encoded *audio,
            gboolean text_track, GError **error)
{
  g_autofree char *description = g_strdup_printf (
      "appsrc name=v format=time block=true max-bytes=4000000 ! h264parse ! "
      "video/x-h264,stream-format=avc3,alignment=au ! mp4mux name=mux fragment-duration=1000 ! "
      "filesink name=sink location=\"%s\" async=false sync=false "
      "appsrc name=a format=time block=true max-bytes=1000000 ! opusparse ! mux.audio_%%u %s",
      path,
      text_track ? "appsrc name=t format=time block=true caps=text/x-raw,format=utf8 ! "
                   "mux.subtitle_%u"
                 : "");
  g_autoptr (GstElement) pipeline = gst_parse_launch (description, error);
  g_autoptr (GstElement) v = NULL, a = NULL, t = NULL, sink = NULL;
  g_autoptr (GstPad) sink_pad = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) message = NULL;
  guint gops = minutes * 60 * 1000 / (GOP_FRAMES * 40);

  if (pipeline == NULL)
    return FALSE;
  v = gst_bin_get_by_name (GST_BIN (pipeline), "v");
  a = gst_bin_get_by_name (GST_BIN (pipeline), "a");
  t = gst_bin_get_by_name (GST_BIN (pipeline), "t");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_object_set (v, "caps", video->caps, NULL);
  g_object_set (a, "caps", audio->caps, NULL);
  sink_pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (sink_pad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM, on_sink_query, NULL, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  for (guint g = 0; g < gops; g++)
    {
      GstClockTime base = (GstClockTime)g * GOP_FRAMES * FRAME_NS;

      for (guint i = 0; i < GOP_FRAMES; i++)
        push (v, g_ptr_array_index (video->buffers, i % video->buffers->len), base + i * FRAME_NS,
              FRAME_NS);
      for (guint i = 0; i < GOP_OPUS_PACKETS; i++)
        push (a, g_ptr_array_index (audio->buffers, i % audio->buffers->len), base + i * OPUS_NS,
              OPUS_NS);
      if (t != NULL)
        {
          GstBuffer *cue = gst_buffer_new_memdup ("bench", 5);

          GST_BUFFER_PTS (cue) = GST_BUFFER_DTS (cue) = base;
          GST_BUFFER_DURATION (cue) = GOP_FRAMES * FRAME_NS;
          gst_app_src_push_buffer (GST_APP_SRC (t), cue);
        }
    }
  gst_app_src_end_of_stream (GST_APP_SRC (v));
  gst_app_src_end_of_stream (GST_APP_SRC (a));
  if (t != NULL)
    gst_app_src_end_of_stream (GST_APP_SRC (t));
  bus = gst_element_get_bus (pipeline);
  message = gst_bus_timed_pop_filtered (bus, 600 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (message == NULL || GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) gerror = NULL;

      if (message != NULL)
        gst_message_parse_error (message, &gerror, NULL);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "writing the part file: %s",
                   gerror != NULL ? gerror->message : "timeout");
      return FALSE;
    }
  return TRUE;
}

/* The finaliser logs "remuxing with GStreamer" when it takes the fallback. */
static void
on_gst_log (GstDebugCategory *category, GstDebugLevel level, const char *file, const char *function,
            gint line, GObject *object, GstDebugMessage *message, gpointer user_data)
{
  const char *text;

  if (g_strcmp0 (gst_debug_category_get_name (category), "lc-finalize") != 0)
    return;
  text = gst_debug_message_get (message);
  if (text != NULL && strstr (text, "remuxing with GStreamer") != NULL)
    g_atomic_int_set ((int *)user_data, 1);
}

static gboolean
time_finalize (const char *part, const char *final_path, guint runs, const char *label,
               gboolean expect_fallback)
{
  g_autoptr (GArray) wall = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) cpu = g_array_new (FALSE, FALSE, sizeof (double));
  LcRecordingMeta meta
      = { "Benchmark lesson", "Bench school", "Bench Teacher", "Bench", 1700000000, 1700002700 };
  int fallback = 0;
  gint64 duration = 0, size = 0;
  GStatBuf st;

  /* Only this log function while timing: the INFO line is not printed. */
  gst_debug_remove_log_function (gst_debug_log_default);
  gst_debug_add_log_function (on_gst_log, &fallback, NULL);
  gst_debug_set_threshold_for_name ("lc-finalize", GST_LEVEL_INFO);
  for (guint r = 0; r < runs; r++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *video_codec = NULL, *audio_codec = NULL, *sha = NULL;
      gint64 wall0 = g_get_monotonic_time (), cpu0 = lc_bench_self_cpu_us ();
      double w, c;

      g_unlink (final_path);
      if (!lc_recorder_finalize_file (part, final_path, &meta, NULL, NULL, &duration, &size,
                                      &video_codec, &audio_codec, &sha, &error))
        {
          fprintf (stderr, "bench-finalize: %s: %s\n", label, error->message);
          gst_debug_remove_log_function (on_gst_log);
          gst_debug_add_log_function (gst_debug_log_default, NULL, NULL);
          return FALSE;
        }
      w = (double)(g_get_monotonic_time () - wall0) / 1000.0;
      c = (double)(lc_bench_self_cpu_us () - cpu0) / 1000.0;
      g_array_append_val (wall, w);
      g_array_append_val (cpu, c);
      printf ("  %s run %u: %.0f ms wall, %.0f ms CPU\n", label, r + 1, w, c);
      fflush (stdout);
    }
  gst_debug_remove_log_function (on_gst_log);
  gst_debug_add_log_function (gst_debug_log_default, NULL, NULL);
  gst_debug_set_threshold_for_name ("lc-finalize", GST_LEVEL_WARNING);
  g_stat (part, &st);
  printf ("%-34s median %7.0f ms wall (min %.0f, max %.0f), %6.0f ms CPU; %s; "
          "%.1f MB in, %.1f MB out, duration %.1f min\n",
          label, lc_bench_median (wall), lc_bench_quantile (wall, 0.0), lc_bench_max (wall),
          lc_bench_median (cpu),
          fallback ? "GStreamer remux (fallback)" : "box-level rewrite (fast path)",
          (double)st.st_size / 1e6, (double)size / 1e6, (double)duration / 60e9);
  fflush (stdout);
  g_unlink (final_path);
  return (fallback != 0) == expect_fallback;
}

/* ---- recording overhead on a live lesson ---- */

static gboolean
live_cpu (const char *lessoncast, gboolean recording, guint window, double *cpu)
{
  g_autoptr (GError) error = NULL;
  LcBenchServer *server = lc_bench_server_start (lessoncast, recording, NULL, &error);
  LcWebrtcClient *publisher;
  LcBenchProc a, b;

  if (server == NULL)
    {
      fprintf (stderr, "bench-finalize: %s\n", error->message);
      return FALSE;
    }
  publisher = lc_bench_publish (server, 1280, 720, 25, 1500, FALSE, NULL, &error);
  if (publisher == NULL)
    {
      fprintf (stderr, "bench-finalize: the publisher did not go live: %s\n", error->message);
      lc_bench_server_stop (server);
      return FALSE;
    }
  lc_bench_run_for (5000);
  lc_bench_proc_sample (server->pid, &a);
  lc_bench_run_for (window * 1000);
  lc_bench_proc_sample (server->pid, &b);
  *cpu = lc_bench_proc_cpu_percent (&a, &b);
  printf ("  recording %-3s: server %.1f %% of one core, %u threads, %u fds, %.1f MiB\n",
          recording ? "on" : "off", *cpu, b.threads, b.fds, b.rss_mib);
  fflush (stdout);
  lc_webrtc_client_delete (publisher, 10000);
  lc_webrtc_client_free (publisher);
  lc_bench_server_stop (server);
  return TRUE;
}

int
main (int argc, char **argv)
{
  int minutes = 45, runs = 3, bitrate = 600, window = 20, rounds = 2;
  gboolean no_overhead = FALSE, no_finalize = FALSE;
  g_autofree char *lessoncast = NULL;
  GOptionEntry entries[] = {
    { "minutes", 0, 0, G_OPTION_ARG_INT, &minutes, "Recording length (default 45)", "N" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Finalisations timed (default 3)", "N" },
    { "bitrate", 0, 0, G_OPTION_ARG_INT, &bitrate, "Video kbit/s of the part file (default 600)",
      "N" },
    { "overhead-window", 0, 0, G_OPTION_ARG_INT, &window,
      "Seconds of server CPU per overhead sample (default 20)", "S" },
    { "overhead-rounds", 0, 0, G_OPTION_ARG_INT, &rounds,
      "Samples with recording on and off each (default 2)", "N" },
    { "no-overhead", 0, 0, G_OPTION_ARG_NONE, &no_overhead, "Skip the live overhead", NULL },
    { "no-finalize", 0, 0, G_OPTION_ARG_NONE, &no_finalize, "Skip the finalisation", NULL },
    { "lessoncast", 0, 0, G_OPTION_ARG_FILENAME, &lessoncast, "The server binary", "PATH" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("— recording benchmarks");
  g_autoptr (GError) error = NULL;
  g_autofree char *machine = NULL;
  int status = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "bench-finalize: %s\n", error->message);
      return 2;
    }
  if (minutes < 1 || runs < 1 || bitrate < 50 || window < 1 || rounds < 1)
    return 2;
  if (lessoncast == NULL)
    lessoncast = g_strdup (LC_BENCH_LESSONCAST);
  machine = lc_bench_describe_machine ();
  printf ("bench-finalize: %s\n", machine);
  fflush (stdout);

  if (!no_finalize)
    {
      g_autofree char *dir = g_dir_make_tmp ("lc-bench-finalize-XXXXXX", &error);
      g_autofree char *part = NULL, *part_text = NULL, *final_path = NULL;
      g_autofree char *video_desc = g_strdup_printf (
          "videotestsrc num-buffers=%d pattern=smpte horizontal-speed=8 ! "
          "video/x-raw,width=640,height=360,framerate=25/1 ! x264enc tune=zerolatency "
          "speed-preset=ultrafast bitrate=%d key-int-max=%d threads=1 ! "
          "video/x-h264,profile=constrained-baseline,stream-format=byte-stream,alignment=au ! "
          "appsink name=sink sync=false",
          GOP_FRAMES, bitrate, GOP_FRAMES);
      Encoded video = { 0 }, audio = { 0 };
      gint64 t0;

      if (dir == NULL)
        {
          fprintf (stderr, "bench-finalize: %s\n", error->message);
          return 1;
        }
      part = g_build_filename (dir, "r.part.mp4", NULL);
      part_text = g_build_filename (dir, "r-text.part.mp4", NULL);
      final_path = g_build_filename (dir, "r.mp4", NULL);
      if (!encode (video_desc, &video, &error)
          || !encode ("audiotestsrc num-buffers=100 samplesperbuffer=960 wave=sine ! "
                      "audio/x-raw,rate=48000,channels=2 ! opusenc bitrate=64000 frame-size=20 ! "
                      "appsink name=sink sync=false",
                      &audio, &error))
        {
          fprintf (stderr, "bench-finalize: encoding the templates: %s\n",
                   error != NULL ? error->message : "no output");
          return 1;
        }
      printf ("finalisation: %d min of 640x360@25 H.264 (~%d kbit/s, a 2 s GOP repeated) + "
              "Opus 64 kbit/s, mp4mux fragments of 1 s\n",
              minutes, bitrate);
      t0 = g_get_monotonic_time ();
      if (!write_part (part, (guint)minutes, &video, &audio, FALSE, &error)
          || !write_part (part_text, (guint)minutes, &video, &audio, TRUE, &error))
        {
          fprintf (stderr, "bench-finalize: %s\n", error->message);
          return 1;
        }
      printf ("  (part files written in %.1f s)\n", (double)(g_get_monotonic_time () - t0) / 1e6);
      if (!time_finalize (part, final_path, (guint)runs, "lc_recorder_finalize_file", FALSE)
          || !time_finalize (part_text, final_path, (guint)runs, "fallback (part + text track)",
                             TRUE))
        status = 1;
      encoded_clear (&video);
      encoded_clear (&audio);
      g_unlink (part);
      g_unlink (part_text);
      g_rmdir (dir);
    }

  if (!no_overhead)
    {
      g_autoptr (GArray) on = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr (GArray) off = g_array_new (FALSE, FALSE, sizeof (double));

      printf ("\nrecording overhead: one WHIP broadcast 1280x720@25 1.5 Mbit/s + Opus, no "
              "viewers, HLS on, %d s windows after 5 s\n",
              window);
      fflush (stdout);
      for (int r = 0; r < rounds; r++)
        {
          double cpu;

          if (live_cpu (lessoncast, TRUE, (guint)window, &cpu))
            g_array_append_val (on, cpu);
          if (live_cpu (lessoncast, FALSE, (guint)window, &cpu))
            g_array_append_val (off, cpu);
        }
      printf ("recording on: median %.1f %%, off: median %.1f %% of one core: recording costs "
              "%.1f %% of a core (%+.0f %%)\n",
              lc_bench_median (on), lc_bench_median (off),
              lc_bench_median (on) - lc_bench_median (off),
              lc_bench_median (off) > 0
                  ? 100.0 * (lc_bench_median (on) - lc_bench_median (off)) / lc_bench_median (off)
                  : 0);
      if (on->len == 0 || off->len == 0)
        status = 1;
    }
  return status;
}
