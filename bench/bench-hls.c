/* bench-hls.c — HLS glass-to-glass latency of the real server (a benchmark
 * that prints figures; not a test).
 *
 *   bench-hls [--bitrate 1500] [--size 1280x720] [--fps 25] [--seconds 40]
 *             [--warmup 10] [--poll-ms 200] [--segment 2] [--lessoncast PATH]
 *
 * `lessoncast serve` runs as a child (see lc-bench.h); this process publishes
 * over WHIP with its wall clock stamped into every raw frame (the C webrtcbin
 * client, x264), and plays the lesson's HLS like a player: it polls
 * /hls/{lesson}/index.m3u8 every --poll-ms, downloads each new segment,
 * decodes it (filesrc ! tsdemux ! h264parse ! avdec_h264 ! appsink) and reads
 * the stamp of every frame. Reported, over the segments that appear after
 * --warmup s:
 *   edge:   per frame, (segment downloaded) − stamp: when the frame is first
 *           available to any player (the floor for a player at the live edge).
 *   hls.js: a player that joins after the warm-up and starts, like hls.js
 *           (liveSyncDurationCount 3), 3 target durations behind the end of the
 *           playlist, then plays in real time, stalling when the next frame's
 *           segment is not downloaded yet: per frame, (shown) − stamp.
 * and the theoretical floor given the segment duration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include "lc-bench.h"
#include "lc-webrtc-client.h"

typedef struct
{
  gint64 seq;
  double duration; /* EXTINF, s */
  gint64 avail_ms; /* wall clock when downloaded */
  GArray *stamps;  /* gint64 ms, per decoded frame with a readable stamp, in order */
  guint frames;    /* decoded frames */
} Segment;

static void
segment_free (gpointer data)
{
  Segment *segment = data;

  g_array_unref (segment->stamps);
  g_free (segment);
}

typedef struct
{
  double target;     /* EXT-X-TARGETDURATION */
  gint64 first_seq;  /* EXT-X-MEDIA-SEQUENCE */
  GArray *durations; /* double */
  GPtrArray *uris;   /* char * */
} Playlist;

static void
playlist_clear (Playlist *p)
{
  g_clear_pointer (&p->durations, g_array_unref);
  g_clear_pointer (&p->uris, g_ptr_array_unref);
}

static gboolean
parse_playlist (const char *text, Playlist *p)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  double pending = -1;

  p->durations = g_array_new (FALSE, FALSE, sizeof (double));
  p->uris = g_ptr_array_new_with_free_func (g_free);
  if (!g_str_has_prefix (text, "#EXTM3U"))
    return FALSE;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (g_str_has_prefix (line, "#EXT-X-TARGETDURATION:"))
        p->target = g_ascii_strtod (line + strlen ("#EXT-X-TARGETDURATION:"), NULL);
      else if (g_str_has_prefix (line, "#EXT-X-MEDIA-SEQUENCE:"))
        p->first_seq = g_ascii_strtoll (line + strlen ("#EXT-X-MEDIA-SEQUENCE:"), NULL, 10);
      else if (g_str_has_prefix (line, "#EXTINF:"))
        pending = g_ascii_strtod (line + strlen ("#EXTINF:"), NULL);
      else if (line[0] != '\0' && line[0] != '#' && pending >= 0)
        {
          g_array_append_val (p->durations, pending);
          g_ptr_array_add (p->uris, g_strdup (line));
          pending = -1;
        }
    }
  return p->uris->len > 0;
}

/* Decode a downloaded segment; append the stamps of its frames. */
static void
decode_segment (const char *path, Segment *segment)
{
  g_autofree char *description = g_strdup_printf (
      "filesrc location=\"%s\" ! tsdemux ! h264parse ! avdec_h264 ! appsink name=sink sync=false",
      path);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = gst_parse_launch (description, &error);
  g_autoptr (GstElement) sink = NULL;
  GstSample *sample;

  if (pipeline == NULL)
    {
      fprintf (stderr, "bench-hls: %s\n", error->message);
      return;
    }
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 10 * GST_SECOND)) != NULL)
    {
      gint64 stamp;

      segment->frames++;
      if (lc_bench_stamp_read (gst_sample_get_buffer (sample), gst_sample_get_caps (sample),
                               &stamp))
        g_array_append_val (segment->stamps, stamp);
      gst_sample_unref (sample);
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
}

static void
print_summary (const char *name, GArray *values)
{
  printf ("  %-40s min %6.0f  median %6.0f  p90 %6.0f  max %6.0f ms  (%u frames)\n", name,
          lc_bench_quantile (values, 0.0), lc_bench_median (values),
          lc_bench_quantile (values, 0.9), lc_bench_max (values), values->len);
}

int
main (int argc, char **argv)
{
  g_autofree char *size = NULL;
  g_autofree char *lessoncast = NULL;
  int bitrate = 1500, fps = 25, seconds = 40, warmup = 10, poll_ms = 200, segment_s = 0;
  GOptionEntry entries[] = {
    { "bitrate", 0, 0, G_OPTION_ARG_INT, &bitrate, "Publisher video kbit/s (default 1500)", "N" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size, "Picture size (default 1280x720)", "WxH" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &fps, "Frames per second (default 25)", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "Seconds measured (default 40)", "S" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Seconds before measuring (default 10)", "S" },
    { "poll-ms", 0, 0, G_OPTION_ARG_INT, &poll_ms, "Playlist poll interval (default 200)", "MS" },
    { "segment", 0, 0, G_OPTION_ARG_INT, &segment_s,
      "hls.segment_duration for the server (default: the server's default)", "S" },
    { "lessoncast", 0, 0, G_OPTION_ARG_FILENAME, &lessoncast, "The server binary", "PATH" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("— HLS glass-to-glass latency");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) segments = g_ptr_array_new_with_free_func (segment_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr (GArray) edge = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) player = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) extinf = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *machine = NULL;
  g_autofree char *playlist_url = NULL;
  g_autofree char *segment_override = NULL;
  g_autofree char *scratch = NULL;
  const char *overrides[2] = { NULL, NULL };
  LcBenchServer *server;
  LcWebrtcClient *publisher;
  guint width = 1280, height = 720;
  gint64 start_us, join_ms = 0, measured_from_ms;
  double target = 0, join_edge_s = 0;
  gint64 join_first_seq = -1;
  GArray *join_durations = NULL;
  guint stalls = 0, polls = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "bench-hls: %s\n", error->message);
      return 2;
    }
  if (size != NULL && sscanf (size, "%ux%u", &width, &height) != 2)
    return 2;
  if (bitrate < 50 || fps < 1 || seconds < 5 || warmup < 0 || poll_ms < 10 || segment_s < 0)
    return 2;
  if (lessoncast == NULL)
    lessoncast = g_strdup (LC_BENCH_LESSONCAST);
  if (segment_s > 0)
    {
      segment_override = g_strdup_printf ("hls.segment_duration=%d", segment_s);
      overrides[0] = segment_override;
    }
  machine = lc_bench_describe_machine ();
  printf ("bench-hls: %s\n", machine);
  printf ("bench-hls: %ux%u@%d H.264 %d kbit/s, warm-up %d s, %d s measured, playlist polled "
          "every %d ms\n",
          width, height, fps, bitrate, warmup, seconds, poll_ms);
  fflush (stdout);

  server = lc_bench_server_start (lessoncast, TRUE, overrides, &error);
  if (server == NULL)
    {
      fprintf (stderr, "bench-hls: %s\n", error->message);
      return 1;
    }
  scratch = g_build_filename (server->data_dir, "bench-segment.ts", NULL);
  playlist_url = g_strdup_printf ("%s/hls/%s/index.m3u8", server->base_url, server->lesson_id);
  publisher
      = lc_bench_publish (server, width, height, (guint)fps, (guint)bitrate, TRUE, NULL, &error);
  if (publisher == NULL)
    {
      fprintf (stderr, "bench-hls: the publisher did not go live: %s\n", error->message);
      lc_bench_server_stop (server);
      return 1;
    }

  start_us = g_get_monotonic_time ();
  measured_from_ms = g_get_real_time () / 1000 + (gint64)warmup * 1000;
  while (g_get_monotonic_time () - start_us < (gint64)(warmup + seconds) * G_USEC_PER_SEC)
    {
      guint status = 0;
      g_autoptr (GBytes) body = lc_bench_http_get (playlist_url, &status, NULL);
      g_autofree char *text = NULL;
      Playlist p = { 0 };

      polls++;
      if (body == NULL || status != 200)
        {
          lc_bench_run_for ((guint)poll_ms);
          continue;
        }
      text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
      if (parse_playlist (text, &p))
        {
          target = p.target;
          for (guint i = 0; i < p.uris->len; i++)
            {
              gint64 seq = p.first_seq + i;
              Segment *segment;
              g_autofree char *url = NULL;
              g_autoptr (GBytes) data = NULL;

              if (g_hash_table_contains (seen, &seq))
                continue;
              url = g_strdup_printf ("%s/hls/%s/%s", server->base_url, server->lesson_id,
                                     (const char *)g_ptr_array_index (p.uris, i));
              data = lc_bench_http_get (url, &status, NULL);
              if (data == NULL || status != 200)
                continue;
              segment = g_new0 (Segment, 1);
              segment->seq = seq;
              segment->duration = g_array_index (p.durations, double, i);
              segment->avail_ms = g_get_real_time () / 1000;
              segment->stamps = g_array_new (FALSE, FALSE, sizeof (gint64));
              g_ptr_array_add (segments, segment);
              g_hash_table_add (seen, &segment->seq);
              if (g_file_set_contents (scratch, g_bytes_get_data (data, NULL),
                                       (gssize)g_bytes_get_size (data), NULL))
                decode_segment (scratch, segment);
            }
          /* The player joins with the first playlist after the warm-up. */
          if (join_ms == 0 && g_get_real_time () / 1000 >= measured_from_ms)
            {
              join_ms = g_get_real_time () / 1000;
              join_first_seq = p.first_seq;
              join_durations = g_array_ref (p.durations);
              for (guint i = 0; i < p.durations->len; i++)
                join_edge_s += g_array_index (p.durations, double, i);
            }
        }
      playlist_clear (&p);
      lc_bench_run_for ((guint)poll_ms);
    }
  lc_webrtc_client_delete (publisher, 10000);
  lc_webrtc_client_free (publisher);

  /* Edge: every frame of the segments that appeared after the warm-up. */
  for (guint i = 0; i < segments->len; i++)
    {
      Segment *s = g_ptr_array_index (segments, i);

      if (s->avail_ms < measured_from_ms)
        continue;
      g_array_append_val (extinf, s->duration);
      for (guint f = 0; f < s->stamps->len; f++)
        {
          double age = (double)(s->avail_ms - g_array_index (s->stamps, gint64, f));

          g_array_append_val (edge, age);
        }
    }

  /* hls.js-like playback from the join. */
  if (join_ms > 0 && join_durations != NULL)
    {
      double start_pos = MAX (0.0, join_edge_s - 3.0 * target), pos = 0;
      gint64 start_seq = -1;
      double into = 0, offset = 0;
      gboolean started = FALSE;

      for (guint i = 0; i < join_durations->len; i++)
        {
          double d = g_array_index (join_durations, double, i);

          if (start_pos < pos + d || i + 1 == join_durations->len)
            {
              start_seq = join_first_seq + i;
              into = MAX (0.0, start_pos - pos);
              break;
            }
          pos += d;
        }
      for (guint i = 0; i < segments->len; i++)
        {
          Segment *s = g_ptr_array_index (segments, i);
          gint64 avail = MAX (s->avail_ms, join_ms);

          if (s->seq < start_seq || s->stamps->len == 0)
            continue;
          for (guint f = 0; f < s->stamps->len; f++)
            {
              gint64 stamp = g_array_index (s->stamps, gint64, f);
              double lag;

              if (!started)
                {
                  gint64 first = g_array_index (s->stamps, gint64, 0);

                  if ((double)(stamp - first) < into * 1000.0)
                    continue;
                  offset = (double)(avail - stamp); /* shown as soon as its segment is in */
                  started = TRUE;
                }
              if ((double)avail > (double)stamp + offset)
                {
                  offset = (double)(avail - stamp);
                  stalls++;
                }
              lag = offset;
              g_array_append_val (player, lag);
            }
        }
    }

  printf ("\nHLS (segments of %.0f s target, %u segments measured, median EXTINF %.2f s, "
          "%u playlist polls):\n",
          target, extinf->len, lc_bench_median (extinf), polls);
  print_summary ("edge: segment downloaded - stamp", edge);
  print_summary ("hls.js-like: 3 target durations behind", player);
  printf ("  hls.js-like playback stalled %u times\n", stalls);
  if (join_edge_s < 3.0 * target + target)
    printf (
        "  (the playlist at the join held only %.1f s: the player started at its first segment; "
        "use a longer --warmup)\n",
        join_edge_s);
  printf ("  theoretical floor: a frame is available only when its segment is complete: "
          "0..%.1f s after capture (median %.1f s) plus encode, transport and muxing;\n"
          "  a player 3 target durations behind the newest segment: >= %.0f s\n",
          lc_bench_median (extinf), lc_bench_median (extinf) / 2, 3.0 * target);
  fflush (stdout);

  g_clear_pointer (&join_durations, g_array_unref);
  lc_bench_server_stop (server);
  return edge->len > 0 ? 0 : 1;
}
