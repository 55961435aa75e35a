/* test-vp8.c — VP8 publishers (media.transcode_vp8).
 *
 * On a channel (no server): the transcoder turns a VP8 stream into H.264
 * access units with the channel's timestamps; keyframe requests on its output
 * channel reach the encoder and never the publisher; a transcoder whose
 * decoder fails is removed alone while the ingest and another consumer go on,
 * and finishing still finishes its output channel; after a publisher
 * reconnect the encoder's bitrate still follows the input (the gap is no
 * media).
 *
 * In the in-process server, ICE on 127.0.0.1 only, with the C WHIP client
 * sending VP8 (keyframes only on request, like Chromium): with transcoding on,
 * the HLS playlist appears and its segments decode as H.264 of 2 s ± 0.5, a
 * WHEP viewer still gets VP8 (the answer) and decodes frames, and the
 * recording ends ready with an MP4 that decodes end to end as H.264 and lasts
 * as long as the broadcast (± 5 %); with transcoding off, the API says why
 * HLS is unavailable, the recording fails with a reason, and WebRTC viewers
 * still decode. */
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#include "common/lc-store.h"
#include "common/lc-time.h"
#include "lc-test-util.h"
#include "lc-webrtc-client.h"
#include "streamer/lc-channel.h"
#include "streamer/lc-transcode.h"

#define START_TIMEOUT_MS 30000
#define FRAMES_TIMEOUT_MS 20000
#define STATE_TIMEOUT_MS 30000
#define BROADCAST_S 10
#define PASSWORD "correct horse battery"

/* ---- waiting on the thread-default context (channel tests) ---- */

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

/* ---- a consumer that records what it gets ---- */

#define TEST_TYPE_SINK (test_sink_get_type ())
G_DECLARE_FINAL_TYPE (TestSink, test_sink, TEST, SINK, GObject)

struct _TestSink
{
  GObject parent_instance;
  GMutex lock;
  char *video_caps; /* name of the last video caps */
  guint video, audio, keyframes;
  gboolean monotonic; /* video PTS only grow */
  GstClockTime last_pts;
  gboolean finished;
};

static void
sink_set_caps (LcConsumer *consumer, LcMediaKind kind, GstCaps *caps)
{
  TestSink *self = TEST_SINK (consumer);

  if (kind != LC_MEDIA_VIDEO)
    return;
  g_mutex_lock (&self->lock);
  g_free (self->video_caps);
  self->video_caps = gst_caps_to_string (caps);
  g_mutex_unlock (&self->lock);
}

static gboolean
sink_push (LcConsumer *consumer, LcMediaKind kind, GstBuffer *buffer)
{
  TestSink *self = TEST_SINK (consumer);

  g_mutex_lock (&self->lock);
  if (kind == LC_MEDIA_AUDIO)
    self->audio++;
  else
    {
      self->video++;
      if (!GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
        self->keyframes++;
      if (GST_CLOCK_TIME_IS_VALID (self->last_pts) && GST_BUFFER_PTS (buffer) <= self->last_pts)
        self->monotonic = FALSE;
      self->last_pts = GST_BUFFER_PTS (buffer);
    }
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static void
sink_finish (LcConsumer *consumer)
{
  TEST_SINK (consumer)->finished = TRUE;
}

static const char *
sink_get_name (LcConsumer *consumer)
{
  return "test sink";
}

static void
test_sink_consumer_init (LcConsumerInterface *iface)
{
  iface->set_caps = sink_set_caps;
  iface->push = sink_push;
  iface->finish = sink_finish;
  iface->get_name = sink_get_name;
}

G_DEFINE_TYPE_WITH_CODE (TestSink, test_sink, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (LC_TYPE_CONSUMER, test_sink_consumer_init))

static void
test_sink_finalize (GObject *object)
{
  TestSink *self = TEST_SINK (object);

  g_free (self->video_caps);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (test_sink_parent_class)->finalize (object);
}

static void
test_sink_class_init (TestSinkClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_sink_finalize;
}

static void
test_sink_init (TestSink *self)
{
  g_mutex_init (&self->lock);
  self->monotonic = TRUE;
  self->last_pts = GST_CLOCK_TIME_NONE;
}

static gboolean
sink_finished (gpointer data)
{
  return TEST_SINK (data)->finished;
}

static gboolean
pointer_cleared (gpointer data)
{
  return *(gpointer *)data == NULL;
}

/* Drop the last reference to a transcoder and wait until the jobs that
 * still hold it (stopping its pipeline) are done and it is finalised. */
static void
release_transcoder (LcTranscoder *transcoder)
{
  gpointer weak = transcoder;

  g_object_add_weak_pointer (G_OBJECT (transcoder), &weak);
  g_object_unref (transcoder);
  run_until (pointer_cleared, &weak, 10000);
}

static guint
sink_count (TestSink *sink, guint *field)
{
  g_mutex_lock (&sink->lock);
  guint n = *field;
  g_mutex_unlock (&sink->lock);
  return n;
}

/* ---- a VP8 publisher on a channel (no WebRTC) ---- */

typedef struct
{
  LcChannel *channel;
  GstElement *pipeline;
  GstElement *encoder;
  gint requests; /* keyframe requests that reached the publisher */
  gint garbage;  /* push corrupt keyframes instead of the real frames */
  GstCaps *caps; /* last caps set (streaming thread) */
} Vp8Publisher;

static void
on_publisher_keyframe (gpointer user_data)
{
  Vp8Publisher *pub = user_data;

  g_atomic_int_inc (&pub->requests);
  gst_element_send_event (
      pub->encoder, gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0));
}

static GstFlowReturn
on_vp8_sample (GstAppSink *sink, gpointer user_data)
{
  Vp8Publisher *pub = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  g_autoptr (GstBuffer) buffer = NULL;

  if (sample == NULL)
    return GST_FLOW_OK;
  buffer = gst_buffer_copy (gst_sample_get_buffer (sample));
  GST_BUFFER_PTS (buffer) = gst_segment_to_running_time (gst_sample_get_segment (sample),
                                                         GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
  GST_BUFFER_DTS (buffer) = GST_BUFFER_PTS (buffer);
  if (pub->caps == NULL || !gst_caps_is_equal (pub->caps, gst_sample_get_caps (sample)))
    {
      gst_caps_replace (&pub->caps, gst_sample_get_caps (sample));
      lc_channel_set_caps (pub->channel, LC_MEDIA_VIDEO, pub->caps);
    }
  if (g_atomic_int_get (&pub->garbage))
    {
      /* A "keyframe" the decoder cannot make sense of. */
      static const guint8 junk[] = { 0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xb4,
                                     0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x13, 0x37 };
      g_autoptr (GstBuffer) bad = gst_buffer_new_memdup (junk, sizeof junk);

      GST_BUFFER_PTS (bad) = GST_BUFFER_DTS (bad) = GST_BUFFER_PTS (buffer);
      lc_channel_push (pub->channel, LC_MEDIA_VIDEO, bad);
      return GST_FLOW_OK;
    }
  lc_channel_push (pub->channel, LC_MEDIA_VIDEO, buffer);
  return GST_FLOW_OK;
}

/* pattern: videotestsrc's; bitrate: the VP8 encoder's target (bit/s). */
static Vp8Publisher *
vp8_publisher_start_full (LcChannel *channel, const char *pattern, guint bitrate)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) sink = NULL;
  Vp8Publisher *pub = g_new0 (Vp8Publisher, 1);
  GstAppSinkCallbacks callbacks = { .new_sample = on_vp8_sample };
  g_autofree char *description = NULL;

  pub->channel = channel;
  /* Keyframes only on request, like Chromium. */
  description = g_strdup_printf (
      "videotestsrc is-live=true pattern=%s "
      "! video/x-raw,format=I420,width=320,height=180,framerate=25/1 "
      "! vp8enc name=enc deadline=1 cpu-used=8 keyframe-max-dist=100000 target-bitrate=%u "
      "! appsink name=v sync=false",
      pattern, bitrate);
  pub->pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  pub->encoder = gst_bin_get_by_name (GST_BIN (pub->pipeline), "enc");
  sink = gst_bin_get_by_name (GST_BIN (pub->pipeline), "v");
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, pub, NULL);
  g_assert_true (lc_channel_attach_publisher (channel, pub, on_publisher_keyframe, pub, &error));
  g_assert_no_error (error);
  g_assert_cmpint (gst_element_set_state (pub->pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  return pub;
}

static Vp8Publisher *
vp8_publisher_start (LcChannel *channel)
{
  return vp8_publisher_start_full (channel, "ball", 300000);
}

static void
vp8_publisher_stop (Vp8Publisher *pub)
{
  gst_element_set_state (pub->pipeline, GST_STATE_NULL);
  lc_channel_detach_publisher (pub->channel, pub);
  gst_object_unref (pub->encoder);
  gst_object_unref (pub->pipeline);
  gst_clear_caps (&pub->caps);
  g_free (pub);
}

typedef struct
{
  TestSink *sink;
  guint *field;
  guint at_least;
} CountWait;

static gboolean
count_reached (gpointer data)
{
  CountWait *w = data;

  return sink_count (w->sink, w->field) >= w->at_least;
}

static void
wait_count (TestSink *sink, guint *field, guint at_least, guint timeout_ms)
{
  CountWait w = { sink, field, at_least };

  run_until (count_reached, &w, timeout_ms);
}

/* VP8 in, H.264 access units out (with the stream's timestamps, growing);
 * keyframes on the output come from the encoder when asked there, never
 * from the publisher. */
static void
test_transcode_keyframes (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LcChannel) channel = lc_channel_new ("lesson-vp8-keyframes");
  LcTranscoder *transcoder = lc_transcoder_new (channel, 2);
  g_autoptr (TestSink) out = g_object_new (TEST_TYPE_SINK, NULL);
  LcChannel *output = lc_transcoder_get_output (transcoder);

  g_assert_true (lc_transcoder_start (transcoder, &error));
  g_assert_no_error (error);
  lc_channel_add_consumer (output, LC_CONSUMER (out));
  Vp8Publisher *pub = vp8_publisher_start (channel);

  wait_count (out, &out->video, 25, 20000);
  g_assert_true (lc_transcoder_is_transcoding (transcoder));
  g_mutex_lock (&out->lock);
  g_test_message ("output caps %s", out->video_caps);
  g_assert_true (g_str_has_prefix (out->video_caps, "video/x-h264"));
  g_assert_nonnull (strstr (out->video_caps, "stream-format=(string)byte-stream"));
  g_assert_nonnull (strstr (out->video_caps, "alignment=(string)au"));
  g_assert_true (out->monotonic);
  g_mutex_unlock (&out->lock);
  g_assert_cmpstr (lc_channel_get_video_codec (channel), ==, "vp8");
  g_assert_cmpstr (lc_channel_get_video_codec (output), ==, "h264");

  /* Requests on the output: a keyframe each, the publisher asked for none. */
  lc_channel_set_keyframe_min_interval (output, 0);
  gint publisher_requests = g_atomic_int_get (&pub->requests);
  for (guint i = 0; i < 3; i++)
    {
      guint keyframes = sink_count (out, &out->keyframes);
      guint frames = sink_count (out, &out->video);

      wait_count (out, &out->video, frames + 3, 10000);
      lc_channel_request_keyframe (output, "test");
      wait_count (out, &out->keyframes, keyframes + 1, 10000);
    }
  g_assert_cmpint (g_atomic_int_get (&pub->requests), ==, publisher_requests);
  /* Without requests the encoder makes no keyframe of its own within a
   * second or so (its backstop is 2 × the 2 s clock). */
  guint keyframes = sink_count (out, &out->keyframes);
  wait_count (out, &out->video, sink_count (out, &out->video) + 25, 10000);
  g_assert_cmpuint (sink_count (out, &out->keyframes), ==, keyframes);

  vp8_publisher_stop (pub);
  lc_channel_finish (channel);
  /* The encoder drains, then the output channel is finished, too. */
  run_until (sink_finished, out, 10000);
  release_transcoder (transcoder);
  drain_context ();
}

static gboolean
is_failed (gpointer data)
{
  return lc_transcoder_get_error (data) != NULL;
}

static gboolean
time_reached (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *)data;
}

static gboolean
one_consumer (gpointer data)
{
  return lc_channel_get_consumer_count (data) == 1;
}

/* A decoder that errors out fails the transcoder alone: the channel drops it,
 * the publisher and another consumer go on, its output consumers are finished
 * at the end. */
static void
test_transcode_failure (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LcChannel) channel = lc_channel_new ("lesson-vp8-failure");
  LcTranscoder *transcoder = lc_transcoder_new (channel, 2);
  g_autoptr (TestSink) viewer = g_object_new (TEST_TYPE_SINK, NULL);
  g_autoptr (TestSink) out = g_object_new (TEST_TYPE_SINK, NULL);

  g_assert_true (lc_transcoder_start (transcoder, &error));
  lc_channel_add_consumer (lc_transcoder_get_output (transcoder), LC_CONSUMER (out));
  lc_channel_add_consumer (channel, LC_CONSUMER (viewer));
  Vp8Publisher *pub = vp8_publisher_start (channel);
  wait_count (out, &out->video, 10, 20000);

  g_test_expect_message ("lc-streamer", G_LOG_LEVEL_WARNING, "*transcoder failed*");
  g_atomic_int_set (&pub->garbage, TRUE);
  run_until (is_failed, transcoder, 20000);
  g_test_assert_expected_messages ();
  g_test_message ("failed: %s", lc_transcoder_get_error (transcoder));
  run_until (one_consumer, channel, 10000);

  /* The ingest and the other consumer go on. */
  g_atomic_int_set (&pub->garbage, FALSE);
  wait_count (viewer, &viewer->video, sink_count (viewer, &viewer->video) + 25, 10000);
  g_assert_true (lc_channel_has_publisher (channel));
  g_assert_false (lc_channel_has_publisher (lc_transcoder_get_output (transcoder)));

  vp8_publisher_stop (pub);
  lc_channel_finish (channel);
  g_assert_true (viewer->finished);
  g_assert_false (out->finished);
  /* The owner finishes it once more (it is no longer in the channel). */
  lc_consumer_finish (LC_CONSUMER (transcoder));
  g_assert_true (out->finished);
  release_transcoder (transcoder);
  drain_context ();
}

/* The encoder's bitrate follows the input's, measured over windows of media
 * time. A publisher that reconnects continues channel time past the gap: the
 * gap must not count as media without bytes (it pulled the encoder down to
 * its 200 kbit/s minimum for the first window after every reconnect, the
 * keyframe the lesson resumes with included). The bitrate the transcoder
 * sets is read from its debug log. */
typedef struct
{
  GMutex lock;
  GArray *kbps; /* guint: each bitrate set on the encoder */
} BitrateLog;

static void
on_gst_log (GstDebugCategory *category, GstDebugLevel level, const char *file, const char *function,
            int line, GObject *object, GstDebugMessage *message, gpointer user_data)
{
  BitrateLog *log = user_data;
  const char *text;
  const char *at;
  guint kbps = 0;

  if (!g_str_equal (gst_debug_category_get_name (category), "lc-transcode"))
    return;
  text = gst_debug_message_get (message);
  at = text != NULL ? strstr (text, "transcoder bitrate ") : NULL;
  if (at == NULL || sscanf (at, "transcoder bitrate %u", &kbps) != 1)
    return;
  g_mutex_lock (&log->lock);
  g_array_append_val (log->kbps, kbps);
  g_mutex_unlock (&log->lock);
}

static guint
bitrate_log_len (BitrateLog *log)
{
  g_mutex_lock (&log->lock);
  guint n = log->kbps->len;
  g_mutex_unlock (&log->lock);
  return n;
}

static void
test_transcode_reconnect (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LcChannel) channel = lc_channel_new ("lesson-vp8-reconnect");
  LcTranscoder *transcoder = lc_transcoder_new (channel, 2);
  g_autoptr (TestSink) out = g_object_new (TEST_TYPE_SINK, NULL);
  LcChannel *output = lc_transcoder_get_output (transcoder);
  BitrateLog log = { 0 };
  guint before;
  guint last = 1000; /* the transcoder's start value */

  g_mutex_init (&log.lock);
  log.kbps = g_array_new (FALSE, FALSE, sizeof (guint));
  gst_debug_set_active (TRUE);
  gst_debug_set_threshold_for_name ("lc-transcode", GST_LEVEL_INFO);
  gst_debug_add_log_function (on_gst_log, &log, NULL);

  g_assert_true (lc_transcoder_start (transcoder, &error));
  g_assert_no_error (error);
  lc_channel_add_consumer (output, LC_CONSUMER (out));
  /* Noise: an input rate the VP8 encoder keeps near its target. */
  Vp8Publisher *pub = vp8_publisher_start_full (channel, "snow", 800000);
  wait_count (out, &out->video, 125, 30000); /* 5 s: two measuring windows */

  vp8_publisher_stop (pub);
  gint64 resume = g_get_monotonic_time () + 4 * G_USEC_PER_SEC;
  run_until (time_reached, &resume, 10000);
  before = bitrate_log_len (&log);
  g_mutex_lock (&log.lock);
  if (before > 0)
    last = g_array_index (log.kbps, guint, before - 1);
  g_mutex_unlock (&log.lock);

  guint frames = sink_count (out, &out->video);
  pub = vp8_publisher_start_full (channel, "snow", 800000);
  wait_count (out, &out->video, frames + 75, 30000); /* > one window after the gap */
  g_assert_true (out->monotonic);

  g_mutex_lock (&log.lock);
  for (guint i = 0; i < log.kbps->len; i++)
    g_test_message ("bitrate %u kbit/s%s", g_array_index (log.kbps, guint, i),
                    i == before ? " (after the reconnect)" : "");
  for (guint i = before; i < log.kbps->len; i++)
    g_assert_cmpuint (g_array_index (log.kbps, guint, i) * 10, >=, last * 6);
  g_mutex_unlock (&log.lock);

  gst_debug_remove_log_function (on_gst_log);
  gst_debug_set_threshold_for_name ("lc-transcode", GST_LEVEL_NONE);
  vp8_publisher_stop (pub);
  lc_channel_finish (channel);
  run_until (sink_finished, out, 10000);
  release_transcoder (transcoder);
  drain_context ();
  g_array_unref (log.kbps);
  g_mutex_clear (&log.lock);
}

/* ---- the whole server ---- */

typedef struct
{
  LcTestServer *ts;
  char *school;
  char *teacher;
  char *lesson;
  char *key;
} Fixture;

static void
fixture_start (Fixture *f, gboolean transcode)
{
  const char *overrides[] = { "webrtc.addresses=127.0.0.1",
                              "whip.rate_limit=1000",
                              "hls.enabled=true",
                              "recording.enabled=true",
                              transcode ? "media.transcode_vp8=true" : "media.transcode_vp8=false",
                              NULL };
  g_autoptr (LcLesson) lesson = NULL;

  f->ts = lc_test_server_start (overrides, FALSE);
  f->school = lc_test_seed_school (f->ts, "Школа № 8", "Центр");
  f->teacher = lc_test_seed_account (f->ts, "teacher", "teacher", f->school, PASSWORD, TRUE);
  f->lesson = lc_test_seed_lesson (f->ts, f->school, f->teacher, lc_time_now (), "Физика", 9,
                                   "public", "scheduled");
  lesson = lc_store_get_lesson (lc_app_get_store (f->ts->app), f->lesson, NULL);
  f->key = g_strdup (lesson->publish_key);
}

static void
fixture_stop (Fixture *f)
{
  lc_test_server_stop (f->ts);
  g_free (f->school);
  g_free (f->teacher);
  g_free (f->lesson);
  g_free (f->key);
}

static LcWebrtcClient *
start_client (Fixture *f, LcClientRole role)
{
  g_autofree char *url = g_strdup_printf ("%s/%s/%s", f->ts->base_url,
                                          role == LC_CLIENT_PUBLISHER ? "whip" : "whep", f->lesson);
  g_autoptr (GError) error = NULL;
  LcWebrtcClientOptions options = { 0 };
  LcWebrtcClient *client;
  guint status = 0;

  options.role = role;
  options.url = url;
  if (role == LC_CLIENT_PUBLISHER)
    {
      options.bearer = f->key;
      options.video_codec = "vp8";
      options.keyframe_interval = 0; /* only on request, like Chromium */
    }
  client = lc_webrtc_client_new (&options);
  lc_webrtc_client_start (client, START_TIMEOUT_MS, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 201);
  return client;
}

static gboolean
is_live (gpointer data)
{
  Fixture *f = data;

  return lc_live_is_live (lc_app_get_live (f->ts->app), f->lesson);
}

/* The API's "live" object. (transfer full) */
static JsonObject *
live_state (Fixture *f)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/lessons/%s/live", f->lesson);
  g_autoptr (LcTestResponse) r = lc_test_request (f->ts, "GET", path, NULL, NULL, NULL);
  JsonObject *live;

  g_assert_cmpuint (r->status, ==, 200);
  live = json_object_get_object_member (json_node_get_object (r->json), "live");
  g_assert_nonnull (live);
  return json_object_ref (live);
}

typedef struct
{
  Fixture *f;
  const char *hls;
} HlsWait;

static gboolean
hls_is (gpointer data)
{
  HlsWait *w = data;
  g_autoptr (JsonNode) node
      = lc_live_dup_status_json (lc_app_get_live (w->f->ts->app), w->f->lesson);

  return node != NULL
         && g_strcmp0 (json_object_get_string_member (json_node_get_object (node), "hls"), w->hls)
                == 0;
}

/* The live status names the publisher's video codec (known from its first
 * video frame: audio may come first and make the lesson live earlier). */
static gboolean
video_is_known (gpointer data)
{
  Fixture *f = data;
  g_autoptr (JsonNode) node = lc_live_dup_status_json (lc_app_get_live (f->ts->app), f->lesson);

  return node != NULL
         && json_object_get_string_member_with_default (json_node_get_object (node), "video_codec",
                                                        NULL)
                != NULL;
}

/* The WHEP answer to an offer of H.264 and VP8: VP8, the publisher's codec. */
#define FINGERPRINT                                                                                \
  "sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3D:8F:1A:2B:3C:4D:5E:6F:"   \
  "70:81:92:A3"
#define VIEWER_OFFER                                                                               \
  "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"                        \
  "m=video 9 UDP/TLS/RTP/SAVPF 102 96\r\nc=IN IP4 0.0.0.0\r\n"                                     \
  "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"                                     \
  "a=fingerprint:" FINGERPRINT "\r\na=setup:actpass\r\na=mid:0\r\na=recvonly\r\na=rtcp-mux\r\n"    \
  "a=rtpmap:102 H264/90000\r\na=rtcp-fb:102 nack pli\r\n"                                          \
  "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"          \
  "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\n"

static void
check_whep_answer_is_vp8 (Fixture *f)
{
  g_autofree char *path = g_strdup_printf ("/whep/%s", f->lesson);
  g_autoptr (LcTestResponse) r = lc_test_request (f->ts, "POST", path, VIEWER_OFFER, NULL,
                                                  "Content-Type", "application/sdp", NULL);
  const char *answer = g_bytes_get_data (r->body, NULL);
  const char *location;

  g_assert_cmpuint (r->status, ==, 201);
  g_assert_nonnull (strstr (answer, "VP8/90000"));
  g_assert_null (strstr (answer, "H264"));
  location = soup_message_headers_get_one (r->headers, "Location");
  g_assert_nonnull (location);
  {
    g_autoptr (LcTestResponse) d = lc_test_request (f->ts, "DELETE", location, NULL, NULL, NULL);
    g_assert_cmpuint (d->status / 100, ==, 2);
  }
}

/* ---- decoding files ---- */

typedef struct
{
  guint frames;
  GstClockTime first, last;
} Decoded;

static GstPadProbeReturn
on_decoded_frame (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Decoded *d = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  if (GST_BUFFER_PTS_IS_VALID (buffer))
    {
      if (!GST_CLOCK_TIME_IS_VALID (d->first) || GST_BUFFER_PTS (buffer) < d->first)
        d->first = GST_BUFFER_PTS (buffer);
      if (!GST_CLOCK_TIME_IS_VALID (d->last) || GST_BUFFER_PTS (buffer) > d->last)
        d->last = GST_BUFFER_PTS (buffer);
    }
  d->frames++;
  return GST_PAD_PROBE_OK;
}

/* Decode the H.264 video of a file to the end (demuxer: "tsdemux" or
 * "qtdemux"): a file whose video is not H.264 cannot link and fails.
 * Returns the decoded span in seconds (first to last frame plus one frame). */
static double
decode_h264 (const char *path, const char *demuxer, guint *frames)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *description
      = g_strdup_printf ("filesrc location=\"%s\" ! %s ! video/x-h264 ! h264parse ! avdec_h264 ! "
                         "fakesink name=sink sync=false",
                         path, demuxer);
  g_autoptr (GstElement) pipeline = gst_parse_launch (description, &error);
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (GstPad) pad = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) message = NULL;
  Decoded d = { 0, GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE };

  g_assert_no_error (error);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_decoded_frame, &d, NULL);
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  message = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (message);
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) e = NULL;
      gst_message_parse_error (message, &e, NULL);
      g_error ("%s does not decode as H.264: %s", path, e->message);
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_assert_cmpuint (d.frames, >, 1);
  *frames = d.frames;
  /* One frame's duration at the publisher's 30 fps. */
  return (double)(d.last - d.first) / GST_SECOND + 1.0 / 30;
}

/* ---- HLS over HTTP ---- */

/* The seg-N.ts names of a playlist text, and their EXTINF durations. */
static void
parse_playlist (const char *text, GPtrArray *uris, GArray *durations)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  double duration = -1;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (g_str_has_prefix (line, "#EXTINF:"))
        duration = g_ascii_strtod (line + strlen ("#EXTINF:"), NULL);
      else if (g_str_has_prefix (line, "seg-"))
        {
          g_ptr_array_add (uris, g_strdup (line));
          g_array_append_val (durations, duration);
        }
    }
}

/* Wait (the media flowing) for at least n segments; check each one listed
 * then: 2 s ± 0.5 in the playlist, and as decoded H.264 from the file
 * served over HTTP. */
static void
check_hls_segments (Fixture *f, LcWebrtcClient *viewer, guint n)
{
  g_autofree char *path = g_strdup_printf ("/hls/%s/index.m3u8", f->lesson);
  g_autoptr (GPtrArray) uris = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) durations = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < 200 && uris->len < n; i++)
    {
      g_autoptr (LcTestResponse) r = lc_test_request (f->ts, "GET", path, NULL, NULL, NULL);

      g_ptr_array_set_size (uris, 0);
      g_array_set_size (durations, 0);
      if (r->status == 200)
        parse_playlist (g_bytes_get_data (r->body, NULL), uris, durations);
      if (uris->len < n)
        g_assert_true (lc_webrtc_client_wait_frames (viewer, 5, FRAMES_TIMEOUT_MS));
    }
  g_assert_cmpuint (uris->len, >=, n);

  for (guint i = 0; i < uris->len; i++)
    {
      const char *uri = g_ptr_array_index (uris, i);
      g_autofree char *seg_path = g_strdup_printf ("/hls/%s/%s", f->lesson, uri);
      g_autoptr (LcTestResponse) seg = lc_test_request (f->ts, "GET", seg_path, NULL, NULL, NULL);
      g_autofree char *file = NULL;
      double listed = g_array_index (durations, double, i);
      double decoded;
      guint frames = 0;
      int fd;

      g_assert_cmpuint (seg->status, ==, 200);
      g_assert_cmpstr (soup_message_headers_get_content_type (seg->headers, NULL), ==,
                       "video/mp2t");
      fd = g_file_open_tmp ("lc-vp8-seg-XXXXXX.ts", &file, NULL);
      g_assert_cmpint (fd, >=, 0);
      close (fd);
      g_assert_true (g_file_set_contents (file, g_bytes_get_data (seg->body, NULL),
                                          (gssize)g_bytes_get_size (seg->body), NULL));
      decoded = decode_h264 (file, "tsdemux", &frames);
      g_unlink (file);
      g_test_message ("%s: playlist %.3f s, decoded H.264 %.3f s (%u frames)", uri, listed, decoded,
                      frames);
      g_assert_cmpfloat_with_epsilon (listed, 2.0, 0.5);
      g_assert_cmpfloat_with_epsilon (decoded, 2.0, 0.5);
    }
}

static GPtrArray *
list_recordings (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  LcRecordingFilter filter = { 0 };
  GPtrArray *recordings;

  filter.lesson_id = f->lesson;
  filter.state = -1;
  filter.scope = LC_LESSON_SCOPE_ALL;
  recordings = lc_store_list_recordings (lc_app_get_store (f->ts->app), &filter, &error);
  g_assert_no_error (error);
  return recordings;
}

static gboolean
recording_settled (gpointer data)
{
  g_autoptr (GPtrArray) recordings = list_recordings (data);
  LcRecording *r;

  if (recordings->len != 1)
    return FALSE;
  r = g_ptr_array_index (recordings, 0);
  return r->state == LC_RECORDING_READY || r->state == LC_RECORDING_FAILED;
}

static gboolean
lesson_ended (gpointer data)
{
  Fixture *f = data;
  g_autoptr (LcLesson) lesson
      = lc_store_get_lesson (lc_app_get_store (f->ts->app), f->lesson, NULL);

  return lesson != NULL && lesson->status == LC_LESSON_ENDED;
}

static gboolean
time_passed (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *)data;
}

static void
test_live_transcode (void)
{
  Fixture f = { 0 };
  g_autoptr (LcWebrtcClient) publisher = NULL;
  g_autoptr (LcWebrtcClient) viewer = NULL;
  g_autoptr (JsonObject) live = NULL;
  g_autoptr (GPtrArray) recordings = NULL;
  g_autofree char *file = NULL;
  LcRecording *rec;
  gint64 live_at, end_at, until;
  double broadcast, recorded;
  guint frames = 0;

  fixture_start (&f, TRUE);
  publisher = start_client (&f, LC_CLIENT_PUBLISHER);
  lc_test_wait_for (f.ts, is_live, &f, STATE_TIMEOUT_MS);
  /* The broadcast is timed from the first video: the recording of a
   * transcoded lesson starts with the first H.264 frame (audio before it
   * is not recorded; the publisher's audio may start up to a second earlier). */
  lc_test_wait_for (f.ts, video_is_known, &f, STATE_TIMEOUT_MS);
  live_at = g_get_monotonic_time ();

  live = live_state (&f);
  g_assert_cmpstr (json_object_get_string_member (live, "video_codec"), ==, "vp8");
  g_assert_false (json_object_has_member (live, "hls_reason"));

  /* WebRTC viewers get the publisher's VP8, untouched. */
  check_whep_answer_is_vp8 (&f);
  viewer = start_client (&f, LC_CLIENT_VIEWER);
  g_assert_true (lc_webrtc_client_wait_frames (viewer, 50, FRAMES_TIMEOUT_MS));

  /* HLS from the transcoded H.264. */
  check_hls_segments (&f, viewer, 2);
  {
    HlsWait w = { &f, "live" };
    lc_test_wait_for (f.ts, hls_is, &w, STATE_TIMEOUT_MS);
  }

  /* The broadcast lasts BROADCAST_S, then the teacher stops it. */
  until = live_at + BROADCAST_S * G_USEC_PER_SEC;
  lc_test_wait_for (f.ts, time_passed, &until, STATE_TIMEOUT_MS);
  g_assert_true (lc_webrtc_client_wait_frames (viewer, 10, FRAMES_TIMEOUT_MS));
  end_at = g_get_monotonic_time ();
  g_assert_cmpuint (lc_webrtc_client_delete (publisher, START_TIMEOUT_MS) / 100, ==, 2);
  broadcast = (double)(end_at - live_at) / G_USEC_PER_SEC;
  lc_test_wait_for (f.ts, lesson_ended, &f, STATE_TIMEOUT_MS);

  /* The recording: ready, H.264, decodes end to end, as long as the broadcast. */
  lc_test_wait_for (f.ts, recording_settled, &f, STATE_TIMEOUT_MS);
  recordings = list_recordings (&f);
  rec = g_ptr_array_index (recordings, 0);
  if (rec->state != LC_RECORDING_READY)
    g_test_message ("recording failed: %s", rec->failure_reason);
  g_assert_cmpint (rec->state, ==, LC_RECORDING_READY);
  g_assert_null (rec->failure_reason);
  g_assert_cmpstr (rec->video_codec, ==, "h264");
  g_assert_cmpstr (rec->audio_codec, ==, "opus");
  file = g_build_filename (f.ts->data_dir, "recordings", rec->path, NULL);
  recorded = decode_h264 (file, "qtdemux", &frames);
  g_test_message ("broadcast %.2f s; recording %.2f s in the row, %.2f s decoded (%u frames)",
                  broadcast, (double)rec->duration_ms / 1000, recorded, frames);
  g_assert_cmpfloat_with_epsilon (recorded, broadcast, broadcast * 0.05);
  g_assert_cmpfloat_with_epsilon ((double)rec->duration_ms / 1000, broadcast, broadcast * 0.05);

  fixture_stop (&f);
}

/* Without a transcode the recorder fails, and is removed from the channel:
 * a warning each, expected (and counted) here; any other warning fails. */
typedef struct
{
  guint recorder_failed;
  guint consumer_removed;
} Warnings;

static void
on_warning (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  Warnings *w = data;

  if (strstr (message, "recording needs H.264 video") != NULL)
    w->recorder_failed++;
  else if (strstr (message, "consumer recording failed") != NULL)
    w->consumer_removed++;
  else
    g_error ("unexpected warning (%s): %s", domain, message);
  g_test_message ("expected warning (%s): %s", domain, message);
}

static void
test_live_no_transcode (void)
{
  Fixture f = { 0 };
  g_autoptr (LcWebrtcClient) publisher = NULL;
  g_autoptr (LcWebrtcClient) viewer = NULL;
  g_autoptr (JsonObject) live = NULL;
  g_autoptr (GPtrArray) recordings = NULL;
  g_autofree char *hls = NULL;
  LcRecording *rec;
  HlsWait w = { &f, "unavailable" };

  Warnings warnings = { 0 };
  const char *domains[] = { "lc-recorder", "lc-signaling", "lc-streamer" };
  guint handlers[G_N_ELEMENTS (domains)];
  GLogLevelFlags fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  for (guint i = 0; i < G_N_ELEMENTS (domains); i++)
    handlers[i] = g_log_set_handler (domains[i], G_LOG_LEVEL_WARNING, on_warning, &warnings);
  fixture_start (&f, FALSE);
  publisher = start_client (&f, LC_CLIENT_PUBLISHER);
  lc_test_wait_for (f.ts, is_live, &f, STATE_TIMEOUT_MS);
  viewer = start_client (&f, LC_CLIENT_VIEWER);
  g_assert_true (lc_webrtc_client_wait_frames (viewer, 50, FRAMES_TIMEOUT_MS));

  /* The API says HLS is unavailable, and why. */
  lc_test_wait_for (f.ts, hls_is, &w, STATE_TIMEOUT_MS);
  live = live_state (&f);
  g_assert_cmpstr (json_object_get_string_member (live, "video_codec"), ==, "vp8");
  g_assert_cmpstr (json_object_get_string_member (live, "hls"), ==, "unavailable");
  g_test_message ("hls_reason: %s", json_object_get_string_member (live, "hls_reason"));
  g_assert_nonnull (strstr (json_object_get_string_member (live, "hls_reason"), "VP8"));
  g_assert_nonnull (
      strstr (json_object_get_string_member (live, "hls_reason"), "media.transcode_vp8"));
  hls = g_strdup_printf ("/hls/%s/index.m3u8", f.lesson);
  {
    g_autoptr (LcTestResponse) r = lc_test_request (f.ts, "GET", hls, NULL, NULL, NULL);
    lc_test_assert_problem (r, 404, "not-found", NULL);
  }

  /* The recording has failed with a reason; the viewer still decodes. */
  lc_test_wait_for (f.ts, recording_settled, &f, STATE_TIMEOUT_MS);
  recordings = list_recordings (&f);
  rec = g_ptr_array_index (recordings, 0);
  g_assert_cmpint (rec->state, ==, LC_RECORDING_FAILED);
  g_test_message ("recording: %s", rec->failure_reason);
  g_assert_nonnull (strstr (rec->failure_reason, "VP8"));
  g_assert_true (lc_webrtc_client_wait_frames (viewer, 25, FRAMES_TIMEOUT_MS));

  g_assert_cmpuint (lc_webrtc_client_delete (publisher, START_TIMEOUT_MS) / 100, ==, 2);
  lc_test_wait_for (f.ts, lesson_ended, &f, STATE_TIMEOUT_MS);
  fixture_stop (&f);
  g_assert_cmpuint (warnings.recorder_failed, ==, 1);
  g_assert_cmpuint (warnings.consumer_removed, ==, 1);
  for (guint i = 0; i < G_N_ELEMENTS (domains); i++)
    g_log_remove_handler (domains[i], handlers[i]);
  g_log_set_always_fatal (fatal);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/streamer/transcode/keyframes", test_transcode_keyframes);
  g_test_add_func ("/streamer/transcode/failure", test_transcode_failure);
  g_test_add_func ("/streamer/transcode/reconnect", test_transcode_reconnect);
  g_test_add_func ("/live/vp8/transcode", test_live_transcode);
  g_test_add_func ("/live/vp8/no-transcode", test_live_no_transcode);
  return g_test_run ();
}
