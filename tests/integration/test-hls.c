/* test-hls.c — the HLS packager (streamer/lc-hls) on a real channel fed by a
 * synthetic H.264 + Opus publisher: playlist and segment durations (from the
 * playlist, from the files through GStreamer, and from ffprobe), decoding of
 * video and AAC audio, ENDLIST, a publisher gap → "drained" → DISCONTINUITY,
 * old segments removed, a broken output directory → FAILED without disturbing
 * another consumer, VP8 → UNAVAILABLE, video that starts seconds after the
 * audio → the audio-only pipeline is rebuilt with video; fed directly (no
 * channel): the timestamp guards and the silence that fills an audio gap. */
#include <math.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#include <string.h>

#include "streamer/lc-channel.h"
#include "streamer/lc-hls.h"
#include "streamer/lc-synthetic-source.h"
#include "lc-test-media.h"

#define SEGMENT 2
#define TOLERANCE 0.5

/* ---- waiting on the main context ---- */

static gboolean
on_tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
run_until (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;
  GSource *tick = g_timeout_source_new (10);

  g_source_set_callback (tick, on_tick, NULL, NULL);
  g_source_attach (tick, NULL);
  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("condition not met within %u ms", timeout_ms);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_destroy (tick);
  g_source_unref (tick);
}

static void
drain_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ---- an encoder that feeds a consumer directly (no channel) ---- */

/* Streaming thread: one encoded buffer with its caps. */
typedef void (*FeedFunc) (LcMediaKind kind, GstCaps *caps, GstBuffer *buffer, gpointer data);

typedef struct
{
  GstElement *pipeline;
  GstElement *encoder;
  FeedFunc func;
  gpointer data;
} Feeder;

static GstFlowReturn
on_feeder_sample (GstAppSink *sink, gpointer user_data)
{
  Feeder *feeder = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  LcMediaKind kind = g_str_equal (GST_OBJECT_NAME (sink), "v") ? LC_MEDIA_VIDEO : LC_MEDIA_AUDIO;

  if (sample == NULL)
    return GST_FLOW_OK;

  /* Running time, as a real ingest hands over (encoders offset their
   * buffers by 1000 h and compensate in the segment). */
  const GstSegment *segment = gst_sample_get_segment (sample);
  g_autoptr (GstBuffer) buffer = gst_buffer_copy (gst_sample_get_buffer (sample));
  GST_BUFFER_PTS (buffer)
      = gst_segment_to_running_time (segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
  GST_BUFFER_DTS (buffer) = GST_BUFFER_PTS (buffer);
  feeder->func (kind, gst_sample_get_caps (sample), buffer, feeder->data);
  return GST_FLOW_OK;
}

static Feeder *
feeder_new (FeedFunc func, gpointer data)
{
  g_autoptr (GError) error = NULL;
  Feeder *feeder = g_new0 (Feeder, 1);
  GstAppSinkCallbacks callbacks = { .new_sample = on_feeder_sample };

  feeder->func = func;
  feeder->data = data;
  feeder->pipeline = gst_parse_launch (
      "videotestsrc is-live=true pattern=ball "
      "! video/x-raw,format=I420,width=320,height=180,framerate=25/1 "
      "! x264enc name=enc tune=zerolatency speed-preset=ultrafast key-int-max=1000 bitrate=300 "
      "! h264parse config-interval=-1 ! video/x-h264,stream-format=byte-stream,alignment=au "
      "! appsink name=v sync=false "
      "audiotestsrc is-live=true wave=sine freq=440 ! audio/x-raw,rate=48000,channels=2 "
      "! opusenc ! appsink name=a sync=false",
      &error);
  g_assert_no_error (error);
  feeder->encoder = gst_bin_get_by_name (GST_BIN (feeder->pipeline), "enc");
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (GstElement) sink
          = gst_bin_get_by_name (GST_BIN (feeder->pipeline), i == 0 ? "v" : "a");
      gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, feeder, NULL);
    }
  return feeder;
}

static void
feeder_start (Feeder *feeder)
{
  g_assert_cmpint (gst_element_set_state (feeder->pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
}

static void
feeder_free (Feeder *feeder)
{
  gst_element_set_state (feeder->pipeline, GST_STATE_NULL);
  gst_object_unref (feeder->encoder);
  gst_object_unref (feeder->pipeline);
  g_free (feeder);
}

/* A publisher on a channel: the synthetic source (H.264 + Opus, honours
 * keyframe requests), 320x180 at 25 fps to stay light under ASan. */
typedef LcSyntheticSource Publisher;

static Publisher *
publisher_start (LcChannel *channel)
{
  g_autoptr (GError) error = NULL;
  LcSyntheticSource *source = lc_synthetic_source_new (channel, 320, 180, 25, "hls test");

  g_assert_true (lc_synthetic_source_start (source, &error));
  g_assert_no_error (error);
  return source;
}

/* Stop producing and detach: a publisher drop. */
static void
publisher_stop (Publisher *publisher)
{
  lc_synthetic_source_stop (publisher);
  g_assert_finalize_object (publisher);
}

/* ---- a second consumer that only counts ---- */

#define TEST_TYPE_COUNTER (test_counter_get_type ())
G_DECLARE_FINAL_TYPE (TestCounter, test_counter, TEST, COUNTER, GObject)

struct _TestCounter
{
  GObject parent_instance;
  gint pushes;
  gboolean finished;
};

static gboolean
counter_push (LcConsumer *consumer, LcMediaKind kind, GstBuffer *buffer)
{
  g_atomic_int_inc (&TEST_COUNTER (consumer)->pushes);
  return TRUE;
}

static void
counter_finish (LcConsumer *consumer)
{
  TEST_COUNTER (consumer)->finished = TRUE;
}

static const char *
counter_get_name (LcConsumer *consumer)
{
  return "counter";
}

static void
test_counter_consumer_init (LcConsumerInterface *iface)
{
  iface->push = counter_push;
  iface->finish = counter_finish;
  iface->get_name = counter_get_name;
}

G_DEFINE_TYPE_WITH_CODE (TestCounter, test_counter, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (LC_TYPE_CONSUMER, test_counter_consumer_init))

static void
test_counter_class_init (TestCounterClass *klass)
{
}

static void
test_counter_init (TestCounter *self)
{
}

/* ---- the playlist as a client reads it ---- */

typedef struct
{
  char *text;
  guint64 media_sequence;
  guint target_duration;
  GPtrArray *uris;       /* char * */
  GArray *durations;     /* double */
  GArray *discontinuous; /* gboolean: the segment follows EXT-X-DISCONTINUITY */
  gboolean ended;
} Playlist;

static void
playlist_free (Playlist *playlist)
{
  if (playlist == NULL)
    return;
  g_free (playlist->text);
  g_ptr_array_unref (playlist->uris);
  g_array_unref (playlist->durations);
  g_array_unref (playlist->discontinuous);
  g_free (playlist);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Playlist, playlist_free)

/* Parse (asserting validity) the playlist in dir; NULL when there is none. */
static Playlist *
playlist_read (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "index.m3u8", NULL);
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;

  Playlist *playlist = g_new0 (Playlist, 1);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  gboolean pending_discontinuity = FALSE;
  gboolean have_target = FALSE;

  playlist->text = g_steal_pointer (&text);
  playlist->uris = g_ptr_array_new_with_free_func (g_free);
  playlist->durations = g_array_new (FALSE, FALSE, sizeof (double));
  playlist->discontinuous = g_array_new (FALSE, FALSE, sizeof (gboolean));

  g_assert_cmpstr (lines[0], ==, "#EXTM3U");
  g_assert_true (g_str_has_suffix (playlist->text, "\n"));
  for (guint i = 1; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      const char *line = lines[i];

      g_assert_false (playlist->ended); /* nothing after ENDLIST */
      if (g_str_has_prefix (line, "#EXT-X-TARGETDURATION:"))
        {
          playlist->target_duration = (guint)g_ascii_strtoull (strchr (line, ':') + 1, NULL, 10);
          have_target = TRUE;
        }
      else if (g_str_has_prefix (line, "#EXT-X-MEDIA-SEQUENCE:"))
        playlist->media_sequence = g_ascii_strtoull (strchr (line, ':') + 1, NULL, 10);
      else if (g_str_equal (line, "#EXT-X-DISCONTINUITY"))
        pending_discontinuity = TRUE;
      else if (g_str_equal (line, "#EXT-X-ENDLIST"))
        playlist->ended = TRUE;
      else if (g_str_has_prefix (line, "#EXTINF:"))
        {
          char *end = NULL;
          double duration = g_ascii_strtod (line + strlen ("#EXTINF:"), &end);

          g_assert_cmpint (*end, ==, ',');
          g_assert_nonnull (lines[i + 1]);
          g_assert_true (g_regex_match_simple ("^seg-[0-9]+\\.ts$", lines[i + 1], 0, 0));
          g_ptr_array_add (playlist->uris, g_strdup (lines[i + 1]));
          g_array_append_val (playlist->durations, duration);
          g_array_append_val (playlist->discontinuous, pending_discontinuity);
          pending_discontinuity = FALSE;
          i++;
        }
      else
        g_assert_true (g_str_has_prefix (line, "#EXT-X-"));
    }
  g_assert_true (have_target);
  g_assert_false (pending_discontinuity);
  /* Segment n is seg-n.ts: numbering follows the media sequence. */
  for (guint i = 0; i < playlist->uris->len; i++)
    {
      g_autofree char *expected
          = g_strdup_printf ("seg-%" G_GUINT64_FORMAT ".ts", playlist->media_sequence + i);
      g_assert_cmpstr (g_ptr_array_index (playlist->uris, i), ==, expected);
      g_assert_cmpfloat (g_array_index (playlist->durations, double, i), <=,
                         playlist->target_duration + 0.5);
    }
  return playlist;
}

static double
playlist_duration (Playlist *playlist, guint i)
{
  return g_array_index (playlist->durations, double, i);
}

/* ---- segment files ---- */

/* Decode a whole segment (lc-test-media.h) and measure it. Blocks the test
 * thread (not the packager: its pipeline has its own threads, its bus
 * messages wait for the next iteration). */
typedef LcTestDecoded Probe;

static void
probe_segment (const char *path, Probe *probe)
{
  lc_test_decode_file (path, probe);
}

/* Video duration of a decoded segment: first to last frame plus one frame. */
static double
probe_video_duration (const Probe *probe)
{
  g_assert_cmpuint (probe->video_frames, >=, 2);
  double span = (double)(probe->video_last - probe->video_first) / GST_SECOND;
  return span + span / (probe->video_frames - 1);
}

/* ffprobe's view of a segment's duration. Fails the test when ffprobe is
 * missing: it is a test dependency (ffmpeg). */
static double
ffprobe_duration (const char *path)
{
  g_autofree char *ffprobe = g_find_program_in_path ("ffprobe");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;

  if (ffprobe == NULL)
    g_error ("ffprobe is missing: install ffmpeg (a test dependency)");
  const char *argv[] = { ffprobe,
                         "-v",
                         "error",
                         "-show_entries",
                         "format=duration",
                         "-of",
                         "default=noprint_wrappers=1:nokey=1",
                         path,
                         NULL };
  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                               &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpstr (err, ==, "");
  char *end = NULL;
  double duration = g_ascii_strtod (out, &end);
  g_assert_true (end != out);
  return duration;
}

/* ---- fixture ---- */

typedef struct
{
  char *root;
  char *dir; /* root/hls */
  LcChannel *channel;
  LcHlsPackager *hls;
  GArray *states; /* int, from "state-changed" */
  GThread *main_thread;
} Fixture;

static void
on_state_changed (LcHlsPackager *hls, int state, gpointer user_data)
{
  Fixture *fx = user_data;

  g_assert_true (g_thread_self () == fx->main_thread);
  g_array_append_val (fx->states, state);
}

static gboolean is_ended_or_failed (gpointer data);

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  fx->root = g_dir_make_tmp ("lc-hls-XXXXXX", &error);
  g_assert_no_error (error);
  fx->dir = g_build_filename (fx->root, "hls", NULL);
  fx->channel = lc_channel_new ("lesson-hls");
  fx->states = g_array_new (FALSE, FALSE, sizeof (int));
  fx->main_thread = g_thread_self ();
}

static void
remove_tree (const char *path)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_assert_cmpint (g_rmdir (path), ==, 0);
    }
  else
    g_assert_cmpint (g_unlink (path), ==, 0);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  lc_channel_finish (fx->channel);
  if (fx->hls != NULL)
    {
      /* finish() completes asynchronously (the pipeline drains). */
      run_until (is_ended_or_failed, fx, 10000);
      drain_context ();
      g_assert_finalize_object (fx->hls);
    }
  g_assert_finalize_object (fx->channel);
  drain_context ();
  remove_tree (fx->root);
  g_free (fx->root);
  g_free (fx->dir);
  g_array_unref (fx->states);
}

static void
start_packager (Fixture *fx, guint segment_duration, guint window)
{
  g_autoptr (GError) error = NULL;

  fx->hls = lc_hls_packager_new (fx->channel, fx->dir, segment_duration, window);
  g_signal_connect (fx->hls, "state-changed", G_CALLBACK (on_state_changed), fx);
  g_assert_true (lc_hls_packager_start (fx->hls, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lc_hls_packager_get_state (fx->hls), ==, LC_HLS_WAITING);
  g_assert_cmpstr (lc_hls_packager_get_dir (fx->hls), ==, fx->dir);
  g_assert_true (g_file_test (fx->dir, G_FILE_TEST_IS_DIR));
}

typedef struct
{
  Fixture *fx;
  guint segments;     /* at least this many in the playlist… */
  guint64 last_index; /* …or the newest is at least seg-<last_index> */
} SegmentWait;

static gboolean
have_segments (gpointer data)
{
  SegmentWait *wait = data;
  g_autoptr (Playlist) playlist = playlist_read (wait->fx->dir);

  if (playlist == NULL)
    return FALSE;
  return playlist->uris->len >= wait->segments
         && playlist->media_sequence + playlist->uris->len >= wait->last_index + 1;
}

static void
wait_segments (Fixture *fx, guint segments, guint64 last_index, guint timeout_ms)
{
  SegmentWait wait = { fx, segments, last_index };

  run_until (have_segments, &wait, timeout_ms);
}

static gboolean
is_ended_or_failed (gpointer data)
{
  Fixture *fx = data;
  LcHlsState state = lc_hls_packager_get_state (fx->hls);

  return state == LC_HLS_ENDED || state == LC_HLS_FAILED;
}

static gboolean
is_failed (gpointer data)
{
  return lc_hls_packager_get_state (((Fixture *)data)->hls) == LC_HLS_FAILED;
}

static gboolean
is_unavailable (gpointer data)
{
  return lc_hls_packager_get_state (((Fixture *)data)->hls) == LC_HLS_UNAVAILABLE;
}

static char *
segment_path (Fixture *fx, const char *uri)
{
  return g_build_filename (fx->dir, uri, NULL);
}

/* Segments [first, end) of the playlist: expected s ± 0.5 in the playlist,
 * in the file (decoded) and for ffprobe; video and audio decode, their
 * timestamps grow. peaks (nullable): each segment's audio peak, else the
 * audio must be the publisher's tone (volume 0.2), not silence. */
static void
check_segments_full (Fixture *fx, Playlist *playlist, guint first, guint end, double expected,
                     float *peaks)
{
  g_assert_cmpuint (end, <=, playlist->uris->len);
  for (guint i = first; i < end; i++)
    {
      const char *uri = g_ptr_array_index (playlist->uris, i);
      g_autofree char *path = segment_path (fx, uri);
      double listed = playlist_duration (playlist, i);
      Probe probe;

      probe_segment (path, &probe);
      double decoded = probe_video_duration (&probe);
      double ffprobe = ffprobe_duration (path);
      g_test_message ("%s: playlist %.3f s, decoded %.3f s (%u frames, %u audio buffers), "
                      "ffprobe %.3f s",
                      uri, listed, decoded, probe.video_frames, probe.audio_buffers, ffprobe);
      g_assert_cmpfloat_with_epsilon (listed, expected, TOLERANCE);
      g_assert_cmpfloat_with_epsilon (decoded, expected, TOLERANCE);
      g_assert_cmpfloat_with_epsilon (ffprobe, expected, TOLERANCE);
      /* The file and the playlist agree to a frame or two. */
      g_assert_cmpfloat_with_epsilon (decoded, listed, 0.1);
      g_assert_cmpuint (probe.audio_buffers, >, 0);
      g_assert_cmpuint (probe.backwards, ==, 0);
      if (peaks != NULL)
        peaks[i - first] = probe.audio_peak;
      else
        g_assert_cmpfloat (probe.audio_peak, >, 0.05);
      double audio = (double)(probe.audio_last - probe.audio_first) / GST_SECOND;
      g_assert_cmpfloat_with_epsilon (audio, listed, TOLERANCE);
    }
}

static void
check_segments (Fixture *fx, Playlist *playlist, guint first, guint end, double expected)
{
  check_segments_full (fx, playlist, first, end, expected, NULL);
}

/* ---- tests ---- */

static void
test_segments (Fixture *fx, gconstpointer data)
{
  guint live_count;

  start_packager (fx, SEGMENT, 6);
  g_autofree char *index = g_build_filename (fx->dir, "index.m3u8", NULL);
  g_assert_false (g_file_test (index, G_FILE_TEST_EXISTS)); /* not before a segment */

  Publisher *publisher = publisher_start (fx->channel);
  wait_segments (fx, 3, 0, 20000);
  g_assert_cmpint (lc_hls_packager_get_state (fx->hls), ==, LC_HLS_LIVE);

  {
    g_autoptr (Playlist) live = playlist_read (fx->dir);
    g_assert_false (live->ended);
    g_assert_cmpuint (live->target_duration, ==, SEGMENT);
    g_assert_cmpuint (live->media_sequence, ==, 0);
    g_assert_null (strstr (live->text, "#EXT-X-DISCONTINUITY"));
    live_count = live->uris->len;
    check_segments (fx, live, 0, live_count, SEGMENT);
    /* No half-written segment is ever visible under its final name. */
    for (guint i = 0; i < live->uris->len; i++)
      {
        g_autofree char *tmp
            = g_strdup_printf ("%s/%s.tmp", fx->dir, (char *)g_ptr_array_index (live->uris, i));
        g_assert_false (g_file_test (tmp, G_FILE_TEST_EXISTS));
      }
  }

  /* The end of the lesson: the last segment is closed, ENDLIST written,
   * asynchronously (finish returns at once). */
  gint64 before = g_get_monotonic_time ();
  lc_channel_finish (fx->channel);
  g_assert_cmpint (g_get_monotonic_time () - before, <, 100 * 1000);
  run_until (is_ended_or_failed, fx, 10000);
  g_assert_cmpint (lc_hls_packager_get_state (fx->hls), ==, LC_HLS_ENDED);
  publisher_stop (publisher);

  g_autoptr (Playlist) ended = playlist_read (fx->dir);
  g_assert_true (ended->ended);
  g_assert_cmpuint (ended->uris->len, >, live_count);
  /* The ones closed since (the very last may be short: the lesson ended). */
  check_segments (fx, ended, live_count, ended->uris->len - 1, SEGMENT);
  g_assert_cmpfloat (playlist_duration (ended, ended->uris->len - 1), <=, SEGMENT + TOLERANCE);
  for (guint i = 0; i < ended->uris->len; i++)
    {
      g_autofree char *path = segment_path (fx, g_ptr_array_index (ended->uris, i));
      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
    }
  /* No temporary files left behind. */
  g_autoptr (GDir) dir = g_dir_open (fx->dir, 0, NULL);
  const char *name;
  while ((name = g_dir_read_name (dir)) != NULL)
    g_assert_true (g_regex_match_simple ("^(index\\.m3u8|seg-[0-9]+\\.ts)$", name, 0, 0));

  /* waiting → live → ended, each once, on the main context. */
  g_assert_cmpuint (fx->states->len, ==, 2);
  g_assert_cmpint (g_array_index (fx->states, int, 0), ==, LC_HLS_LIVE);
  g_assert_cmpint (g_array_index (fx->states, int, 1), ==, LC_HLS_ENDED);
  g_assert_null (lc_hls_packager_get_error (fx->hls));
}

/* Old segments leave the window, then the disk (after window + 1 more). */
static void
test_window (Fixture *fx, gconstpointer data)
{
  guint window = 1;

  start_packager (fx, 1, window);
  Publisher *publisher = publisher_start (fx->channel);
  /* seg-0 slides out when seg-1 arrives and is deleted when seg-3 does
   * (window + 1 = 2 retired segments are kept for late clients). */
  wait_segments (fx, window, 3, 30000);

  g_autoptr (Playlist) playlist = playlist_read (fx->dir);
  g_assert_cmpuint (playlist->uris->len, ==, window);
  g_assert_cmpuint (playlist->media_sequence, >=, 3);
  for (guint64 n = 0; n < playlist->media_sequence + window; n++)
    {
      g_autofree char *name = g_strdup_printf ("seg-%" G_GUINT64_FORMAT ".ts", n);
      g_autofree char *path = segment_path (fx, name);
      gboolean kept = n + window + 1 >= playlist->media_sequence;

      g_assert_cmpint (g_file_test (path, G_FILE_TEST_EXISTS), ==, kept);
    }
  /* 1 s segments: the keyframe rate limit let every request through. */
  for (guint i = 0; i < playlist->uris->len; i++)
    g_assert_cmpfloat_with_epsilon (playlist_duration (playlist, i), 1.0, TOLERANCE);
  publisher_stop (publisher);
}

static gboolean
no_fragment_open (gpointer data)
{
  Fixture *fx = data;
  g_autoptr (GDir) dir = g_dir_open (fx->dir, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".tmp"))
      return FALSE;
  return TRUE;
}

/* The playlist lists every segment file on disk (the last, possibly very
 * short, segment is renamed before the playlist is rewritten). */
static void
assert_all_segments_listed (Fixture *fx)
{
  g_autoptr (GDir) dir = g_dir_open (fx->dir, 0, NULL);
  g_autoptr (Playlist) playlist = playlist_read (fx->dir);
  const char *name;
  guint files = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "seg-") && g_str_has_suffix (name, ".ts"))
      files++;
  g_assert_nonnull (playlist);
  g_assert_cmpuint (playlist->uris->len, ==, files);
}

static void
on_drained (LcHlsPackager *hls, gpointer user_data)
{
  guint *count = user_data;

  (*count)++;
}

static gboolean
drained_once (gpointer data)
{
  return *(guint *)data > 0;
}

/* A publisher drop closes the current segment; the reconnection starts a
 * new one with EXT-X-DISCONTINUITY; the whole keeps playing. */
static void
test_discontinuity (Fixture *fx, gconstpointer data)
{
  guint drained = 0;

  start_packager (fx, 1, 10);
  g_signal_connect (fx->hls, "drained", G_CALLBACK (on_drained), &drained);
  Publisher *first = publisher_start (fx->channel);
  wait_segments (fx, 1, 0, 20000);
  g_assert_false (lc_hls_packager_is_drained (fx->hls));
  publisher_stop (first);

  /* The gap closes the segment in progress without waiting for a keyframe;
   * the packager says when that is done: no half-written .tmp fragment is
   * left and the playlist lists every segment on disk. */
  run_until (drained_once, &drained, 10000);
  g_assert_true (lc_hls_packager_is_drained (fx->hls));
  g_assert_true (no_fragment_open (fx));
  assert_all_segments_listed (fx);
  g_autoptr (Playlist) closed = playlist_read (fx->dir);
  guint before_gap = closed->uris->len;
  g_assert_cmpuint (before_gap, >=, 2);
  g_assert_cmpint (lc_hls_packager_get_state (fx->hls), ==, LC_HLS_LIVE);

  Publisher *second = publisher_start (fx->channel);
  g_assert_false (lc_hls_packager_is_drained (fx->hls)); /* a publisher is back */
  wait_segments (fx, before_gap + 1, 0, 20000);
  g_autoptr (Playlist) playlist = playlist_read (fx->dir);
  publisher_stop (second);

  g_test_message ("playlist after the gap:\n%s", playlist->text);
  for (guint i = 0; i < playlist->uris->len; i++)
    g_assert_cmpint (g_array_index (playlist->discontinuous, gboolean, i), ==, i == before_gap);
  /* The first segment after the gap is 1 s ± 0.5 and decodes. */
  check_segments (fx, playlist, before_gap, before_gap + 1, 1.0);

  lc_channel_finish (fx->channel);
  run_until (is_ended_or_failed, fx, 10000);
  g_assert_cmpint (lc_hls_packager_get_state (fx->hls), ==, LC_HLS_ENDED);
  g_autoptr (Playlist) ended = playlist_read (fx->dir);
  g_assert_true (ended->ended);
  g_assert_cmpuint (ended->uris->len, >=, playlist->uris->len);
  for (guint i = 0; i < ended->uris->len; i++)
    g_assert_cmpint (g_array_index (ended->discontinuous, gboolean, i), ==, i == before_gap);
}

typedef struct
{
  TestCounter *counter;
  gint at_least;
} CountWait;

static gboolean
counter_reached (gpointer data)
{
  CountWait *wait = data;

  return g_atomic_int_get (&wait->counter->pushes) >= wait->at_least;
}

static gboolean
only_one_consumer (gpointer data)
{
  return lc_channel_get_consumer_count (data) == 1;
}

static void
on_consumer_failed (LcChannel *channel, LcConsumer *consumer, gpointer user_data)
{
  LcConsumer **failed = user_data;

  *failed = consumer;
}

/* The output directory disappears (a file takes its place): the packager
 * fails with a reason, the channel drops it, another consumer and the
 * publisher go on. */
static void
test_broken_dir (Fixture *fx, gconstpointer data)
{
  g_autoptr (TestCounter) counter = g_object_new (TEST_TYPE_COUNTER, NULL);
  LcConsumer *failed = NULL;
  g_signal_connect (fx->channel, "consumer-failed", G_CALLBACK (on_consumer_failed), &failed);
  start_packager (fx, 1, 6);
  lc_channel_add_consumer (fx->channel, LC_CONSUMER (counter));
  Publisher *publisher = publisher_start (fx->channel);
  wait_segments (fx, 1, 0, 20000);

  /* One warning says why; no other (fatal in tests) comes with it. */
  g_test_expect_message ("lc-streamer", G_LOG_LEVEL_WARNING, "*hls failed*");
  /* Moved away in one step (the packager keeps writing into it meanwhile). */
  g_autofree char *moved = g_build_filename (fx->root, "hls-moved", NULL);
  g_assert_cmpint (g_rename (fx->dir, moved), ==, 0);
  g_assert_true (g_file_set_contents (fx->dir, "not a directory", -1, NULL));
  run_until (is_failed, fx, 15000);
  g_test_assert_expected_messages ();
  g_test_message ("failed: %s", lc_hls_packager_get_error (fx->hls));
  g_assert_nonnull (lc_hls_packager_get_error (fx->hls));
  g_assert_cmpstr (lc_hls_packager_get_error (fx->hls), !=, "");

  /* The channel removes it (its push returned FALSE)... */
  run_until (only_one_consumer, fx->channel, 5000);
  /* ...and the other consumer keeps receiving media. */
  CountWait wait = { counter, g_atomic_int_get (&counter->pushes) + 100 };
  run_until (counter_reached, &wait, 10000);
  g_assert_true (failed == LC_CONSUMER (fx->hls));
  g_assert_cmpuint (lc_channel_get_consumer_count (fx->channel), ==, 1);
  g_assert_true (lc_channel_has_publisher (fx->channel));
  publisher_stop (publisher);

  lc_channel_finish (fx->channel);
  g_assert_true (counter->finished);
  g_assert_cmpint (lc_hls_packager_get_state (fx->hls), ==, LC_HLS_FAILED);
}

/* VP8 cannot go into HLS without a transcode: UNAVAILABLE with a reason,
 * nothing written, and the packager stays harmless in the channel. */
static void
test_vp8 (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstCaps) caps = gst_caps_new_empty_simple ("video/x-vp8");
  g_autoptr (GstBuffer) frame = gst_buffer_new_memdup ("\x10\x02\x00\x9d\x01\x2a", 6);
  int publisher = 0;

  start_packager (fx, SEGMENT, 6);
  g_assert_true (lc_channel_attach_publisher (fx->channel, &publisher, NULL, NULL, &error));
  g_assert_no_error (error);
  GST_BUFFER_PTS (frame) = 0;
  lc_channel_set_caps (fx->channel, LC_MEDIA_VIDEO, caps);
  lc_channel_push (fx->channel, LC_MEDIA_VIDEO, frame);
  run_until (is_unavailable, fx, 5000);

  g_assert_nonnull (strstr (lc_hls_packager_get_error (fx->hls), "VP8"));
  g_assert_cmpuint (lc_channel_get_consumer_count (fx->channel), ==, 1);
  GST_BUFFER_PTS (frame) = 40 * GST_MSECOND;
  lc_channel_push (fx->channel, LC_MEDIA_VIDEO, frame);
  drain_context ();
  g_assert_cmpuint (lc_channel_get_consumer_count (fx->channel), ==, 1);
  g_autofree char *playlist = g_build_filename (fx->dir, "index.m3u8", NULL);
  g_assert_false (g_file_test (playlist, G_FILE_TEST_EXISTS));
  lc_channel_detach_publisher (fx->channel, &publisher);
}

/* Fed directly (no channel in between): timestamps that go back, buffers
 * without timestamps and parameter-set-only units are dropped before the
 * muxer (the files' timestamps only grow, the pipeline never errors); audio
 * that stops while video goes on (a muted microphone with DTX) is filled with
 * silence instead of stalling the segmenter. */
typedef struct
{
  LcConsumer *consumer;
  gint count[2];
} DirectFeed;

#define AUDIO_UNTIL_FRAME 50 /* audio for the first 2 s of video, then none */

static void
feed_direct (LcMediaKind kind, GstCaps *caps, GstBuffer *buffer, gpointer data)
{
  DirectFeed *feed = data;
  int n = g_atomic_int_add (&feed->count[kind], 1);
  g_autoptr (GstBuffer) copy = gst_buffer_copy (buffer);

  if (kind == LC_MEDIA_AUDIO
      && g_atomic_int_get (&feed->count[LC_MEDIA_VIDEO]) >= AUDIO_UNTIL_FRAME)
    return;
  lc_consumer_set_caps (feed->consumer, kind, caps);
  if (n % 7 == 5)
    {
      /* Back by a second. */
      g_autoptr (GstBuffer) back = gst_buffer_copy (buffer);
      GST_BUFFER_PTS (back)
          = GST_BUFFER_PTS (back) > GST_SECOND ? GST_BUFFER_PTS (back) - GST_SECOND : 0;
      g_assert_true (lc_consumer_push (feed->consumer, kind, back));
    }
  if (n % 11 == 3)
    {
      g_autoptr (GstBuffer) untimed = gst_buffer_copy (buffer);
      GST_BUFFER_PTS (untimed) = GST_BUFFER_DTS (untimed) = GST_CLOCK_TIME_NONE;
      g_assert_true (lc_consumer_push (feed->consumer, kind, untimed));
    }
  if (kind == LC_MEDIA_VIDEO && n % 13 == 10)
    {
      /* SPS + PPS only. */
      static const guint8 sps_pps[]
          = { 0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0, 0, 0, 1, 0x68, 0xce };
      g_autoptr (GstBuffer) params = gst_buffer_new_memdup (sps_pps, sizeof sps_pps);
      GST_BUFFER_PTS (params) = GST_BUFFER_PTS (buffer);
      g_assert_true (lc_consumer_push (feed->consumer, kind, params));
    }
  /* The consumer contract says DTS = PTS; here DTS is left out. */
  GST_BUFFER_DTS (copy) = GST_CLOCK_TIME_NONE;
  g_assert_true (lc_consumer_push (feed->consumer, kind, copy));
}

static void
test_guards (Fixture *fx, gconstpointer data)
{
  start_packager (fx, 1, 6);
  DirectFeed feed = { LC_CONSUMER (fx->hls), { 0, 0 } };
  Feeder *feeder = feeder_new (feed_direct, &feed);

  /* No channel publisher here to ask for keyframes: the encoder makes one
   * every second (25 frames) by itself. */
  g_object_set (feeder->encoder, "key-int-max", 25, NULL);
  feeder_start (feeder);
  wait_segments (fx, 3, 0, 20000);
  feeder_free (feeder);

  g_autoptr (Playlist) playlist = playlist_read (fx->dir);
  g_assert_cmpint (lc_hls_packager_get_state (fx->hls), ==, LC_HLS_LIVE);
  g_autofree float *peaks = g_new0 (float, playlist->uris->len);
  check_segments_full (fx, playlist, 0, playlist->uris->len, 1.0, peaks);
  /* The first segment has the tone, the last one filled silence. */
  g_assert_cmpfloat (peaks[0], >, 0.05);
  g_assert_cmpfloat (peaks[playlist->uris->len - 1], <, 0.001);
}

/* A publisher without a microphone: after a short wait for audio that does
 * not come, the video alone is packaged. */
static void
feed_video_only (LcMediaKind kind, GstCaps *caps, GstBuffer *buffer, gpointer data)
{
  DirectFeed *feed = data;

  if (kind != LC_MEDIA_VIDEO)
    return;
  g_atomic_int_inc (&feed->count[kind]);
  lc_consumer_set_caps (feed->consumer, kind, caps);
  g_assert_true (lc_consumer_push (feed->consumer, kind, buffer));
}

static void
test_video_only (Fixture *fx, gconstpointer data)
{
  start_packager (fx, 1, 6);
  DirectFeed feed = { LC_CONSUMER (fx->hls), { 0, 0 } };
  Feeder *feeder = feeder_new (feed_video_only, &feed);

  g_object_set (feeder->encoder, "key-int-max", 25, NULL);
  feeder_start (feeder);
  wait_segments (fx, 1, 0, 20000);
  feeder_free (feeder);

  g_autoptr (Playlist) playlist = playlist_read (fx->dir);
  for (guint i = 0; i < playlist->uris->len; i++)
    {
      g_autofree char *path = segment_path (fx, g_ptr_array_index (playlist->uris, i));
      Probe probe;

      probe_segment (path, &probe);
      g_assert_cmpuint (probe.audio_buffers, ==, 0);
      g_assert_cmpuint (probe.backwards, ==, 0);
      g_assert_cmpfloat_with_epsilon (probe_video_duration (&probe), 1.0, TOLERANCE);
      g_assert_cmpfloat_with_epsilon (playlist_duration (playlist, i), 1.0, TOLERANCE);
    }
}

/* A publisher whose video starts late (a loaded machine, a transcoder's
 * first output): audio alone is packaged after the short wait for video;
 * when video comes, the pipeline is rebuilt with both (DISCONTINUITY, the
 * new segment on a requested keyframe), and the other consumers go on. */
#define VIDEO_DELAY (3 * GST_SECOND)

typedef struct
{
  LcChannel *channel;
  GstElement *encoder; /* ref: the keyframe function outlives the feeder */
  gint video_fed;
} LateFeed;

/* Any thread (the channel's keyframe function). */
static void
late_feed_keyframe (gpointer data)
{
  LateFeed *feed = data;

  gst_element_send_event (
      feed->encoder, gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0));
}

static void
feed_late_video (LcMediaKind kind, GstCaps *caps, GstBuffer *buffer, gpointer data)
{
  LateFeed *feed = data;

  if (kind == LC_MEDIA_VIDEO)
    {
      if (GST_BUFFER_PTS (buffer) < VIDEO_DELAY)
        return; /* no video yet, not even its caps */
      g_atomic_int_inc (&feed->video_fed);
    }
  lc_channel_set_caps (feed->channel, kind, caps);
  lc_channel_push (feed->channel, kind, buffer);
}

typedef struct
{
  Fixture *fx;
  guint after; /* segments wanted after the first discontinuity */
} DiscontinuityWait;

static gboolean
have_segments_after_discontinuity (gpointer data)
{
  DiscontinuityWait *wait = data;
  g_autoptr (Playlist) playlist = playlist_read (wait->fx->dir);

  if (playlist == NULL)
    return FALSE;
  for (guint i = 0; i < playlist->uris->len; i++)
    if (g_array_index (playlist->discontinuous, gboolean, i))
      return playlist->uris->len >= i + wait->after;
  return FALSE;
}

static void
test_late_video (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TestCounter) counter = g_object_new (TEST_TYPE_COUNTER, NULL);
  LateFeed feed = { fx->channel, NULL, 0 };

  start_packager (fx, 1, 20);
  lc_channel_add_consumer (fx->channel, LC_CONSUMER (counter));
  Feeder *feeder = feeder_new (feed_late_video, &feed);
  feed.encoder = gst_object_ref (feeder->encoder);
  g_assert_true (
      lc_channel_attach_publisher (fx->channel, &feed, late_feed_keyframe, &feed, &error));
  g_assert_no_error (error);
  feeder_start (feeder);

  /* Two complete segments of the rebuilt pipeline (the first one is closed
   * once the second has begun). Without the rebuild no discontinuity comes:
   * the audio-only pipeline would run to the end. */
  DiscontinuityWait wait = { fx, 2 };
  run_until (have_segments_after_discontinuity, &wait, 30000);
  gint pushes = g_atomic_int_get (&counter->pushes);
  g_assert_cmpint (g_atomic_int_get (&feed.video_fed), >, 0);
  g_autoptr (Playlist) playlist = playlist_read (fx->dir);
  g_test_message ("playlist:\n%s", playlist->text);
  g_assert_cmpint (lc_hls_packager_get_state (fx->hls), ==, LC_HLS_LIVE);

  guint first = 0;
  while (!g_array_index (playlist->discontinuous, gboolean, first))
    first++;
  /* Before the video came: audio alone (the wait for video was over). */
  g_assert_cmpuint (first, >=, 1);
  for (guint i = 0; i < first; i++)
    {
      g_autofree char *path = segment_path (fx, g_ptr_array_index (playlist->uris, i));
      Probe probe;

      probe_segment (path, &probe);
      g_assert_false (probe.have_video);
      g_assert_true (probe.have_audio);
      g_assert_cmpuint (probe.audio_buffers, >, 0);
    }
  /* From the discontinuity on: video (from a keyframe: every picture
   * decodes) and the audio goes on; only one discontinuity. */
  for (guint i = first; i < playlist->uris->len; i++)
    {
      g_autofree char *path = segment_path (fx, g_ptr_array_index (playlist->uris, i));
      Probe probe;

      if (i > first)
        g_assert_false (g_array_index (playlist->discontinuous, gboolean, i));
      probe_segment (path, &probe);
      g_test_message ("%s: %u frames, %u audio buffers",
                      (char *)g_ptr_array_index (playlist->uris, i), probe.video_frames,
                      probe.audio_buffers);
      g_assert_true (probe.have_video);
      g_assert_cmpuint (probe.video_frames, >=, 10);
      g_assert_true (probe.have_audio);
      g_assert_cmpuint (probe.audio_buffers, >, 0);
      g_assert_cmpuint (probe.backwards, ==, 0);
    }
  check_segments (fx, playlist, first + 1, playlist->uris->len, 1.0);

  /* The other consumer was never disturbed: it keeps receiving. */
  g_assert_cmpuint (lc_channel_get_consumer_count (fx->channel), ==, 2);
  CountWait more = { counter, pushes + 50 };
  run_until (counter_reached, &more, 10000);

  lc_channel_detach_publisher (fx->channel, &feed);
  feeder_free (feeder);
  gst_object_unref (feed.encoder);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/streamer/hls/segments", Fixture, NULL, fixture_setup, test_segments,
              fixture_teardown);
  g_test_add ("/streamer/hls/window", Fixture, NULL, fixture_setup, test_window, fixture_teardown);
  g_test_add ("/streamer/hls/discontinuity", Fixture, NULL, fixture_setup, test_discontinuity,
              fixture_teardown);
  g_test_add ("/streamer/hls/broken-dir", Fixture, NULL, fixture_setup, test_broken_dir,
              fixture_teardown);
  g_test_add ("/streamer/hls/vp8", Fixture, NULL, fixture_setup, test_vp8, fixture_teardown);
  g_test_add ("/streamer/hls/guards", Fixture, NULL, fixture_setup, test_guards, fixture_teardown);
  g_test_add ("/streamer/hls/video-only", Fixture, NULL, fixture_setup, test_video_only,
              fixture_teardown);
  g_test_add ("/streamer/hls/late-video", Fixture, NULL, fixture_setup, test_late_video,
              fixture_teardown);
  return g_test_run ();
}
