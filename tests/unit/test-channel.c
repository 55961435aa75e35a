/* test-channel.c — LcChannel (streamer/lc-channel.c): timestamp rebasing,
 * DISCONT across publisher reconnects, the per-consumer keyframe gate, caps,
 * keyframe request rate limiting, failing consumers, finish(), publisher
 * conflicts, concurrent add/remove while pushing — with synthetic GstBuffers —
 * and the real synthetic source feeding a counting consumer. */
#include <gst/gst.h>

#include "common/lc-error.h"
#include "streamer/lc-channel.h"
#include "streamer/lc-synthetic-source.h"

/* ---- a recording test consumer ---- */

typedef struct
{
  GstClockTime pts, dts;
  gboolean keyframe, discont;
} Record;

#define TEST_TYPE_CONSUMER (test_consumer_get_type ())
G_DECLARE_FINAL_TYPE (TestConsumer, test_consumer, TEST, CONSUMER, GObject)

struct _TestConsumer
{
  GObject parent_instance;

  char *name;
  GMutex lock;
  GArray *records[2]; /* Record per kind */
  guint caps_calls[2];
  GstCaps *caps[2];
  guint gaps_gone, gaps_back, finishes;
  guint fail_after; /* push returns FALSE from this push on (0 = never) */
  guint pushes;
  gint retired;          /* atomic: set by the test after remove_consumer returned */
  gint late_calls;       /* atomic: calls seen after retired */
  LcChannel *request_on; /* ask this channel for a keyframe on every push (nullable) */
};

static void test_consumer_iface_init (LcConsumerInterface *iface);

G_DEFINE_TYPE_WITH_CODE (TestConsumer, test_consumer, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (LC_TYPE_CONSUMER, test_consumer_iface_init))

static void
test_consumer_set_caps (LcConsumer *consumer, LcMediaKind kind, GstCaps *caps)
{
  TestConsumer *self = TEST_CONSUMER (consumer);

  if (g_atomic_int_get (&self->retired))
    g_atomic_int_inc (&self->late_calls);
  g_mutex_lock (&self->lock);
  self->caps_calls[kind]++;
  gst_caps_replace (&self->caps[kind], caps);
  g_mutex_unlock (&self->lock);
}

static gboolean
test_consumer_push (LcConsumer *consumer, LcMediaKind kind, GstBuffer *buffer)
{
  TestConsumer *self = TEST_CONSUMER (consumer);
  Record record = {
    .pts = GST_BUFFER_PTS (buffer),
    .dts = GST_BUFFER_DTS (buffer),
    .keyframe = !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT),
    .discont = GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DISCONT),
  };
  gboolean ok;

  if (g_atomic_int_get (&self->retired))
    g_atomic_int_inc (&self->late_calls);
  g_mutex_lock (&self->lock);
  self->pushes++;
  ok = self->fail_after == 0 || self->pushes < self->fail_after;
  if (ok)
    g_array_append_val (self->records[kind], record);
  g_mutex_unlock (&self->lock);
  if (self->request_on != NULL)
    lc_channel_request_keyframe (self->request_on, "test consumer");
  return ok;
}

static void
test_consumer_publisher_gap (LcConsumer *consumer, gboolean gone)
{
  TestConsumer *self = TEST_CONSUMER (consumer);

  if (gone)
    self->gaps_gone++;
  else
    self->gaps_back++;
}

static void
test_consumer_finish (LcConsumer *consumer)
{
  TEST_CONSUMER (consumer)->finishes++;
}

static const char *
test_consumer_get_name (LcConsumer *consumer)
{
  return TEST_CONSUMER (consumer)->name;
}

static void
test_consumer_iface_init (LcConsumerInterface *iface)
{
  iface->set_caps = test_consumer_set_caps;
  iface->push = test_consumer_push;
  iface->publisher_gap = test_consumer_publisher_gap;
  iface->finish = test_consumer_finish;
  iface->get_name = test_consumer_get_name;
}

static void
test_consumer_finalize (GObject *object)
{
  TestConsumer *self = TEST_CONSUMER (object);

  for (guint k = 0; k < 2; k++)
    {
      g_array_unref (self->records[k]);
      gst_clear_caps (&self->caps[k]);
    }
  g_free (self->name);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (test_consumer_parent_class)->finalize (object);
}

static void
test_consumer_class_init (TestConsumerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_consumer_finalize;
}

static void
test_consumer_init (TestConsumer *self)
{
  g_mutex_init (&self->lock);
  for (guint k = 0; k < 2; k++)
    self->records[k] = g_array_new (FALSE, TRUE, sizeof (Record));
}

static TestConsumer *
test_consumer_new (const char *name)
{
  TestConsumer *self = g_object_new (TEST_TYPE_CONSUMER, NULL);
  self->name = g_strdup (name);
  return self;
}

static guint
count_records (TestConsumer *c, LcMediaKind kind)
{
  g_mutex_lock (&c->lock);
  guint n = c->records[kind]->len;
  g_mutex_unlock (&c->lock);
  return n;
}

static Record
record_at (TestConsumer *c, LcMediaKind kind, guint i)
{
  g_mutex_lock (&c->lock);
  g_assert_cmpuint (i, <, c->records[kind]->len);
  Record r = g_array_index (c->records[kind], Record, i);
  g_mutex_unlock (&c->lock);
  return r;
}

/* ---- helpers ---- */

static GstBuffer *
make_buffer (GstClockTime pts, gboolean keyframe)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, 16, NULL);

  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DTS (buffer) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buffer) = 40 * GST_MSECOND;
  if (!keyframe)
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  return buffer;
}

static void
push (LcChannel *channel, LcMediaKind kind, GstClockTime pts, gboolean keyframe)
{
  g_autoptr (GstBuffer) buffer = make_buffer (pts, keyframe);
  lc_channel_push (channel, kind, buffer);
}

static void
set_h264_caps (LcChannel *channel)
{
  g_autoptr (GstCaps) video
      = gst_caps_from_string ("video/x-h264, stream-format=byte-stream, alignment=au");
  g_autoptr (GstCaps) audio = gst_caps_from_string ("audio/x-opus, channels=2, rate=48000");

  lc_channel_set_caps (channel, LC_MEDIA_VIDEO, video);
  lc_channel_set_caps (channel, LC_MEDIA_AUDIO, audio);
}

typedef struct
{
  guint calls;
} KeyframeCounter;

static void
count_keyframe_request (gpointer user_data)
{
  KeyframeCounter *counter = user_data;
  g_atomic_int_inc (&counter->calls);
}

static void
iterate_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
on_timeout_quit (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

/* Run the default context for ms milliseconds (waiting for a rate limit to
 * pass, not for a result). */
static void
run_for (guint ms)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_timeout_add (ms, on_timeout_quit, loop);
  g_main_loop_run (loop);
}

static gboolean
keep_ticking (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterate the default context until cond or timeout (asserts). A 5 ms tick
 * wakes the loop to re-check conditions that streaming threads change. */
static void
wait_for (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;
  GSource *tick = g_timeout_source_new (5);

  g_source_set_callback (tick, keep_ticking, NULL, NULL);
  g_source_attach (tick, NULL);
  while (!cond (data))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_destroy (tick);
  g_source_unref (tick);
}

typedef struct
{
  guint media_started;
  GArray *publisher_changes; /* gboolean */
  GPtrArray *failed;         /* LcConsumer (ref) */
} Signals;

static void
on_media_started (LcChannel *channel, gpointer user_data)
{
  ((Signals *)user_data)->media_started++;
}

static void
on_publisher_changed (LcChannel *channel, gboolean attached, gpointer user_data)
{
  g_array_append_val (((Signals *)user_data)->publisher_changes, attached);
}

static void
on_consumer_failed (LcChannel *channel, LcConsumer *consumer, gpointer user_data)
{
  g_ptr_array_add (((Signals *)user_data)->failed, g_object_ref (consumer));
}

static void
signals_connect (Signals *s, LcChannel *channel)
{
  s->publisher_changes = g_array_new (FALSE, FALSE, sizeof (gboolean));
  s->failed = g_ptr_array_new_with_free_func (g_object_unref);
  g_signal_connect (channel, "media-started", G_CALLBACK (on_media_started), s);
  g_signal_connect (channel, "publisher-changed", G_CALLBACK (on_publisher_changed), s);
  g_signal_connect (channel, "consumer-failed", G_CALLBACK (on_consumer_failed), s);
}

static void
signals_clear (Signals *s)
{
  g_array_unref (s->publisher_changes);
  g_ptr_array_unref (s->failed);
}

static int publisher_a, publisher_b; /* addresses as publisher identities (never written) */

/* ---- tests ---- */

static void
test_rebase (void)
{
  g_autoptr (LcChannel) channel = lc_channel_new ("lesson-1");
  g_autoptr (TestConsumer) c = test_consumer_new ("c");
  g_autoptr (GError) error = NULL;
  Signals s = { 0 };

  signals_connect (&s, channel);
  g_assert_false (lc_channel_has_media (channel));
  g_assert_null (lc_channel_get_video_codec (channel));
  lc_channel_add_consumer (channel, LC_CONSUMER (c));
  g_assert_true (lc_channel_attach_publisher (channel, &publisher_a, NULL, NULL, &error));
  g_assert_no_error (error);
  set_h264_caps (channel);
  g_assert_cmpstr (lc_channel_get_video_codec (channel), ==, "h264");

  /* The publisher's clock starts at 10 s; channel time at 0. */
  for (guint i = 0; i < 10; i++)
    push (channel, LC_MEDIA_VIDEO, 10 * GST_SECOND + i * 40 * GST_MSECOND, i == 0);
  push (channel, LC_MEDIA_AUDIO, 10 * GST_SECOND + 5 * GST_MSECOND, TRUE);
  iterate_pending ();

  g_assert_cmpuint (s.media_started, ==, 1);
  g_assert_true (lc_channel_has_media (channel));
  g_assert_cmpuint (count_records (c, LC_MEDIA_VIDEO), ==, 10);
  for (guint i = 0; i < 10; i++)
    {
      Record r = record_at (c, LC_MEDIA_VIDEO, i);
      g_assert_cmpuint (r.pts, ==, i * 40 * GST_MSECOND);
      g_assert_cmpuint (r.dts, ==, r.pts);
      g_assert_cmpint (r.discont, ==, i == 0);
    }
  Record audio = record_at (c, LC_MEDIA_AUDIO, 0);
  g_assert_cmpuint (audio.pts, ==, 5 * GST_MSECOND);
  g_assert_true (audio.discont);
  g_assert_cmpuint (lc_channel_get_position (channel), ==, 9 * 40 * GST_MSECOND);

  /* Buffers that go back in time within a kind are clamped. */
  push (channel, LC_MEDIA_VIDEO, 10 * GST_SECOND, FALSE);
  Record back = record_at (c, LC_MEDIA_VIDEO, 10);
  g_assert_cmpuint (back.pts, ==, 9 * 40 * GST_MSECOND);

  lc_channel_remove_consumer (channel, LC_CONSUMER (c));
  signals_clear (&s);
}

static void
test_reconnect_discont (void)
{
  g_autoptr (LcChannel) channel = lc_channel_new ("lesson-2");
  g_autoptr (TestConsumer) c = test_consumer_new ("c");
  Signals s = { 0 };

  signals_connect (&s, channel);
  lc_channel_add_consumer (channel, LC_CONSUMER (c));
  g_assert_true (lc_channel_attach_publisher (channel, &publisher_a, NULL, NULL, NULL));
  set_h264_caps (channel);
  for (guint i = 0; i < 25; i++)
    {
      push (channel, LC_MEDIA_VIDEO, i * 40 * GST_MSECOND, i == 0);
      push (channel, LC_MEDIA_AUDIO, i * 20 * GST_MSECOND, TRUE);
    }
  GstClockTime before = lc_channel_get_position (channel);
  g_assert_cmpuint (before, ==, 24 * 40 * GST_MSECOND);

  lc_channel_detach_publisher (channel, &publisher_a);
  g_assert_false (lc_channel_has_publisher (channel));
  g_assert_cmpuint (c->gaps_gone, ==, 1);
  g_assert_cmpuint (c->gaps_back, ==, 0);

  /* A stray buffer after the detach goes nowhere. */
  push (channel, LC_MEDIA_VIDEO, 2 * GST_SECOND, TRUE);
  g_assert_cmpuint (count_records (c, LC_MEDIA_VIDEO), ==, 25);

  /* The new publisher's clock starts again near 0. */
  g_assert_true (lc_channel_attach_publisher (channel, &publisher_b, NULL, NULL, NULL));
  g_assert_cmpuint (c->gaps_back, ==, 1);
  push (channel, LC_MEDIA_VIDEO, 100 * GST_MSECOND, FALSE); /* not a keyframe: gated */
  push (channel, LC_MEDIA_VIDEO, 140 * GST_MSECOND, TRUE);
  push (channel, LC_MEDIA_VIDEO, 180 * GST_MSECOND, FALSE);
  push (channel, LC_MEDIA_AUDIO, 120 * GST_MSECOND, TRUE);
  push (channel, LC_MEDIA_AUDIO, 140 * GST_MSECOND, TRUE);
  iterate_pending ();

  g_assert_cmpuint (count_records (c, LC_MEDIA_VIDEO), ==, 27);
  Record first = record_at (c, LC_MEDIA_VIDEO, 25);
  Record second = record_at (c, LC_MEDIA_VIDEO, 26);
  g_assert_true (first.keyframe);
  g_assert_true (first.discont); /* the epoch's first video buffer (the gated one was dropped) */
  g_assert_cmpuint (first.pts, >, before);
  g_assert_false (second.discont);
  g_assert_cmpuint (second.pts - first.pts, ==, 40 * GST_MSECOND);

  Record audio_first = record_at (c, LC_MEDIA_AUDIO, 25);
  Record audio_second = record_at (c, LC_MEDIA_AUDIO, 26);
  g_assert_true (audio_first.discont);
  g_assert_false (audio_second.discont);
  g_assert_cmpuint (audio_first.pts, >, record_at (c, LC_MEDIA_AUDIO, 24).pts);
  g_assert_cmpuint (audio_second.pts - audio_first.pts, ==, 20 * GST_MSECOND);

  /* media-started once; publisher-changed attached, gone, attached. */
  g_assert_cmpuint (s.media_started, ==, 1);
  g_assert_cmpuint (s.publisher_changes->len, ==, 3);
  g_assert_true (g_array_index (s.publisher_changes, gboolean, 0));
  g_assert_false (g_array_index (s.publisher_changes, gboolean, 1));
  g_assert_true (g_array_index (s.publisher_changes, gboolean, 2));

  lc_channel_remove_consumer (channel, LC_CONSUMER (c));
  signals_clear (&s);
}

static void
test_keyframe_gate (void)
{
  g_autoptr (LcChannel) channel = lc_channel_new ("lesson-3");
  g_autoptr (TestConsumer) early = test_consumer_new ("early");
  g_autoptr (TestConsumer) late = test_consumer_new ("late");
  KeyframeCounter counter = { 0 };

  lc_channel_add_consumer (channel, LC_CONSUMER (early));
  g_assert_true (
      lc_channel_attach_publisher (channel, &publisher_a, count_keyframe_request, &counter, NULL));
  set_h264_caps (channel);
  push (channel, LC_MEDIA_VIDEO, 0, TRUE);
  push (channel, LC_MEDIA_VIDEO, 40 * GST_MSECOND, FALSE);
  push (channel, LC_MEDIA_VIDEO, 80 * GST_MSECOND, FALSE);

  guint requests_before = g_atomic_int_get (&counter.calls);
  lc_channel_add_consumer (channel, LC_CONSUMER (late));
  g_assert_cmpuint (lc_channel_get_consumer_count (channel), ==, 2);
  /* It got the current caps at once, and a keyframe was asked for it. */
  g_assert_cmpuint (late->caps_calls[LC_MEDIA_VIDEO], ==, 1);
  g_assert_cmpuint (late->caps_calls[LC_MEDIA_AUDIO], ==, 1);
  g_assert_cmpuint (g_atomic_int_get (&counter.calls), ==, requests_before + 1);

  push (channel, LC_MEDIA_VIDEO, 120 * GST_MSECOND, FALSE);
  push (channel, LC_MEDIA_AUDIO, 121 * GST_MSECOND, TRUE); /* audio at once */
  push (channel, LC_MEDIA_VIDEO, 160 * GST_MSECOND, FALSE);
  g_assert_cmpuint (count_records (late, LC_MEDIA_VIDEO), ==, 0);
  g_assert_cmpuint (count_records (late, LC_MEDIA_AUDIO), ==, 1);
  push (channel, LC_MEDIA_VIDEO, 200 * GST_MSECOND, TRUE);
  push (channel, LC_MEDIA_VIDEO, 240 * GST_MSECOND, FALSE);

  g_assert_cmpuint (count_records (early, LC_MEDIA_VIDEO), ==, 7);
  g_assert_cmpuint (count_records (late, LC_MEDIA_VIDEO), ==, 2);
  Record first = record_at (late, LC_MEDIA_VIDEO, 0);
  g_assert_true (first.keyframe);
  g_assert_cmpuint (first.pts, ==, 200 * GST_MSECOND);
  g_assert_false (record_at (late, LC_MEDIA_VIDEO, 1).keyframe);

  /* Caps change: each consumer hears of it before the next buffer, once. */
  g_autoptr (GstCaps) vp8 = gst_caps_from_string ("video/x-vp8");
  lc_channel_set_caps (channel, LC_MEDIA_VIDEO, vp8);
  lc_channel_set_caps (channel, LC_MEDIA_VIDEO, vp8);
  g_assert_cmpstr (lc_channel_get_video_codec (channel), ==, "vp8");
  push (channel, LC_MEDIA_VIDEO, 280 * GST_MSECOND, TRUE);
  g_assert_cmpuint (late->caps_calls[LC_MEDIA_VIDEO], ==, 2);
  g_assert_cmpuint (early->caps_calls[LC_MEDIA_VIDEO], ==, 2);
  g_assert_true (gst_caps_is_equal (late->caps[LC_MEDIA_VIDEO], vp8));
  g_autoptr (GstCaps) dup = lc_channel_dup_caps (channel, LC_MEDIA_VIDEO);
  g_assert_true (gst_caps_is_equal (dup, vp8));

  lc_channel_detach_publisher (channel, &publisher_a);
  lc_channel_remove_consumer (channel, LC_CONSUMER (early));
  lc_channel_remove_consumer (channel, LC_CONSUMER (late));
  g_assert_cmpuint (lc_channel_get_consumer_count (channel), ==, 0);
}

static void
test_keyframe_rate_limit (void)
{
  g_autoptr (LcChannel) channel = lc_channel_new ("lesson-4");
  KeyframeCounter counter = { 0 };

  lc_channel_set_keyframe_min_interval (channel, 200);
  /* Without a publisher nothing is called. */
  lc_channel_request_keyframe (channel, "no publisher");
  g_assert_cmpuint (counter.calls, ==, 0);

  g_assert_true (
      lc_channel_attach_publisher (channel, &publisher_a, count_keyframe_request, &counter, NULL));
  gint64 first = g_get_monotonic_time ();
  for (guint i = 0; i < 20; i++)
    lc_channel_request_keyframe (channel, "burst");
  g_assert_cmpuint (g_atomic_int_get (&counter.calls), ==, 1);

  /* The held-back request goes out with a buffer once the interval passed,
   * not before. */
  push (channel, LC_MEDIA_AUDIO, 0, TRUE);
  if (g_get_monotonic_time () - first < 200 * 1000)
    g_assert_cmpuint (g_atomic_int_get (&counter.calls), ==, 1);
  run_for (220);
  push (channel, LC_MEDIA_AUDIO, 20 * GST_MSECOND, TRUE);
  g_assert_cmpuint (g_atomic_int_get (&counter.calls), ==, 2);
  /* Nothing owed: more buffers send nothing. */
  run_for (220);
  push (channel, LC_MEDIA_AUDIO, 40 * GST_MSECOND, TRUE);
  g_assert_cmpuint (g_atomic_int_get (&counter.calls), ==, 2);
  lc_channel_request_keyframe (channel, "after the interval");
  g_assert_cmpuint (g_atomic_int_get (&counter.calls), ==, 3);

  /* A consumer asking on every buffer (from the streaming side) is limited
   * too (a long interval: the check must not depend on this machine's speed). */
  lc_channel_set_keyframe_min_interval (channel, 60000);
  g_autoptr (TestConsumer) greedy = test_consumer_new ("greedy");
  greedy->request_on = channel;
  lc_channel_add_consumer (channel, LC_CONSUMER (greedy));
  for (guint i = 0; i < 50; i++)
    push (channel, LC_MEDIA_AUDIO, (60 + i) * GST_MSECOND, TRUE);
  g_assert_cmpuint (g_atomic_int_get (&counter.calls), ==, 3);
  lc_channel_remove_consumer (channel, LC_CONSUMER (greedy));
  lc_channel_detach_publisher (channel, &publisher_a);
}

static gboolean
one_failed (gpointer data)
{
  return ((Signals *)data)->failed->len >= 1;
}

static void
test_consumer_failure (void)
{
  g_autoptr (LcChannel) channel = lc_channel_new ("lesson-5");
  g_autoptr (TestConsumer) bad = test_consumer_new ("bad");
  g_autoptr (TestConsumer) good = test_consumer_new ("good");
  Signals s = { 0 };

  signals_connect (&s, channel);
  bad->fail_after = 3;
  lc_channel_add_consumer (channel, LC_CONSUMER (bad));
  lc_channel_add_consumer (channel, LC_CONSUMER (good));
  g_assert_true (lc_channel_attach_publisher (channel, &publisher_a, NULL, NULL, NULL));
  set_h264_caps (channel);
  for (guint i = 0; i < 10; i++)
    push (channel, LC_MEDIA_VIDEO, i * 40 * GST_MSECOND, i == 0);
  wait_for (one_failed, &s, 2000);

  g_assert_cmpuint (s.failed->len, ==, 1);
  g_assert_true (g_ptr_array_index (s.failed, 0) == (gpointer)bad);
  g_assert_cmpuint (lc_channel_get_consumer_count (channel), ==, 1);
  g_assert_cmpuint (bad->pushes, ==, 3); /* nothing after the failure */
  g_assert_cmpuint (count_records (good, LC_MEDIA_VIDEO), ==, 10);

  /* finish() does not reach the failed consumer. */
  lc_channel_finish (channel);
  g_assert_cmpuint (bad->finishes, ==, 0);
  g_assert_cmpuint (good->finishes, ==, 1);
  signals_clear (&s);
}

static void
test_finish (void)
{
  g_autoptr (LcChannel) channel = lc_channel_new ("lesson-6");
  TestConsumer *consumers[3];
  g_autoptr (GError) error = NULL;

  g_assert_true (lc_channel_attach_publisher (channel, &publisher_a, NULL, NULL, NULL));
  set_h264_caps (channel);
  for (guint i = 0; i < 3; i++)
    {
      consumers[i] = test_consumer_new ("c");
      lc_channel_add_consumer (channel, LC_CONSUMER (consumers[i]));
    }
  push (channel, LC_MEDIA_VIDEO, 0, TRUE);

  lc_channel_finish (channel);
  lc_channel_finish (channel); /* twice is once */
  g_assert_cmpuint (lc_channel_get_consumer_count (channel), ==, 0);
  g_assert_false (lc_channel_has_publisher (channel));
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpuint (consumers[i]->finishes, ==, 1);
      g_assert_cmpuint (count_records (consumers[i], LC_MEDIA_VIDEO), ==, 1);
    }

  /* Afterwards: no media, no consumers, no publisher. */
  push (channel, LC_MEDIA_VIDEO, 40 * GST_MSECOND, TRUE);
  lc_channel_add_consumer (channel, LC_CONSUMER (consumers[0]));
  g_assert_cmpuint (lc_channel_get_consumer_count (channel), ==, 0);
  g_assert_false (lc_channel_attach_publisher (channel, &publisher_b, NULL, NULL, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFLICT);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpuint (count_records (consumers[i], LC_MEDIA_VIDEO), ==, 1);
      g_object_unref (consumers[i]);
    }
}

static void
test_publisher_conflict (void)
{
  g_autoptr (LcChannel) channel = lc_channel_new ("lesson-7");
  g_autoptr (GError) error = NULL;
  g_autoptr (TestConsumer) c = test_consumer_new ("c");

  g_assert_false (lc_channel_has_publisher (channel));
  g_assert_true (lc_channel_attach_publisher (channel, &publisher_a, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (lc_channel_attach_publisher (channel, &publisher_b, NULL, NULL, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_false (lc_channel_attach_publisher (channel, &publisher_a, NULL, NULL, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFLICT);
  g_clear_error (&error);

  /* Detaching someone else is a no-op. */
  lc_channel_detach_publisher (channel, &publisher_b);
  g_assert_true (lc_channel_has_publisher (channel));
  lc_channel_detach_publisher (channel, &publisher_a);
  g_assert_false (lc_channel_has_publisher (channel));

  /* A consumer joining while the publisher is away is told it is gone. */
  g_assert_true (lc_channel_attach_publisher (channel, &publisher_b, NULL, NULL, &error));
  push (channel, LC_MEDIA_AUDIO, 0, TRUE);
  lc_channel_detach_publisher (channel, &publisher_b);
  lc_channel_add_consumer (channel, LC_CONSUMER (c));
  g_assert_cmpuint (c->gaps_gone, ==, 1);
  lc_channel_remove_consumer (channel, LC_CONSUMER (c));
}

/* ---- concurrency: add/remove on the main thread while a thread pushes ---- */

typedef struct
{
  LcChannel *channel;
  gint stop;
  guint pushed;
} Pusher;

static gpointer
pusher_thread (gpointer data)
{
  Pusher *p = data;
  guint i = 0;

  while (!g_atomic_int_get (&p->stop))
    {
      push (p->channel, (i % 2) ? LC_MEDIA_AUDIO : LC_MEDIA_VIDEO, i * GST_MSECOND, i % 10 == 0);
      i++;
    }
  p->pushed = i;
  return NULL;
}

static void
test_concurrent_consumers (void)
{
  g_autoptr (LcChannel) channel = lc_channel_new ("lesson-8");
  Pusher p = { .channel = channel };
  guint total_received = 0;

  g_assert_true (lc_channel_attach_publisher (channel, &publisher_a, NULL, NULL, NULL));
  set_h264_caps (channel);
  GThread *threads[2] = {
    g_thread_new ("pusher-1", pusher_thread, &p),
    g_thread_new ("pusher-2", pusher_thread, &p),
  };

  for (guint round = 0; round < 300; round++)
    {
      g_autoptr (TestConsumer) c = test_consumer_new ("churn");
      lc_channel_add_consumer (channel, LC_CONSUMER (c));
      g_thread_yield ();
      lc_channel_remove_consumer (channel, LC_CONSUMER (c));
      g_atomic_int_set (&c->retired, TRUE);
      /* After remove returned no call may arrive. */
      for (guint spin = 0; spin < 50; spin++)
        g_thread_yield ();
      g_assert_cmpint (g_atomic_int_get (&c->late_calls), ==, 0);
      total_received += count_records (c, LC_MEDIA_VIDEO) + count_records (c, LC_MEDIA_AUDIO);
    }
  g_atomic_int_set (&p.stop, TRUE);
  g_thread_join (threads[0]);
  g_thread_join (threads[1]);
  iterate_pending ();

  g_assert_cmpuint (lc_channel_get_consumer_count (channel), ==, 0);
  g_assert_cmpuint (p.pushed, >, 0);
  g_test_message ("%u buffers reached 300 short-lived consumers", total_received);
}

/* ---- the real synthetic source ---- */

typedef struct
{
  TestConsumer *consumer;
  guint video, audio;
} Enough;

static gboolean
has_enough (gpointer data)
{
  Enough *e = data;
  return count_records (e->consumer, LC_MEDIA_VIDEO) >= e->video
         && count_records (e->consumer, LC_MEDIA_AUDIO) >= e->audio;
}

static guint
count_keyframes (TestConsumer *c)
{
  guint n = 0;

  g_mutex_lock (&c->lock);
  for (guint i = 0; i < c->records[LC_MEDIA_VIDEO]->len; i++)
    if (g_array_index (c->records[LC_MEDIA_VIDEO], Record, i).keyframe)
      n++;
  g_mutex_unlock (&c->lock);
  return n;
}

typedef struct
{
  TestConsumer *consumer;
  guint keyframes;
} KeyframesAbove;

static gboolean
has_more_keyframes (gpointer data)
{
  KeyframesAbove *k = data;
  return count_keyframes (k->consumer) > k->keyframes;
}

static gboolean
channel_publisher_gone (gpointer data)
{
  return !lc_channel_has_publisher (data);
}

static void
test_synthetic_source (void)
{
  g_autoptr (LcChannel) channel = lc_channel_new ("lesson-synthetic");
  g_autoptr (TestConsumer) c = test_consumer_new ("counter");
  g_autoptr (LcSyntheticSource) source = NULL;
  g_autoptr (GError) error = NULL;
  Signals s = { 0 };

  signals_connect (&s, channel);
  lc_channel_set_keyframe_min_interval (channel, 100);
  lc_channel_add_consumer (channel, LC_CONSUMER (c));
  source = lc_synthetic_source_new (channel, 320, 240, 25, "lessoncast test");
  g_assert_true (lc_synthetic_source_start (source, &error));
  g_assert_no_error (error);
  g_assert_true (lc_channel_has_publisher (channel));

  Enough enough = { c, 50, 50 };
  wait_for (has_enough, &enough, 20000);
  g_assert_cmpuint (s.media_started, ==, 1);
  g_assert_cmpstr (lc_channel_get_video_codec (channel), ==, "h264");
  g_assert_true (record_at (c, LC_MEDIA_VIDEO, 0).keyframe);
  g_autoptr (GstCaps) audio_caps = lc_channel_dup_caps (channel, LC_MEDIA_AUDIO);
  g_assert_nonnull (audio_caps);
  g_assert_cmpstr (gst_structure_get_name (gst_caps_get_structure (audio_caps, 0)), ==,
                   "audio/x-opus");

  /* Timestamps never go back; video advances about 40 ms per frame. */
  for (guint kind = 0; kind < 2; kind++)
    for (guint i = 1; i < count_records (c, kind); i++)
      g_assert_cmpuint (record_at (c, kind, i).pts, >=, record_at (c, kind, i - 1).pts);
  Record v0 = record_at (c, LC_MEDIA_VIDEO, 0), v49 = record_at (c, LC_MEDIA_VIDEO, 49);
  g_assert_cmpuint (v49.pts - v0.pts, >=, 49 * 40 * GST_MSECOND - 10 * GST_MSECOND);
  g_assert_cmpuint (v49.pts - v0.pts, <=, 49 * 40 * GST_MSECOND + 10 * GST_MSECOND);

  /* x264 makes keyframes only every 10 s by itself: one within 3 s of a
   * request is the request's. */
  run_for (150);
  KeyframesAbove above = { c, count_keyframes (c) };
  lc_channel_request_keyframe (channel, "test");
  wait_for (has_more_keyframes, &above, 3000);

  /* stop = publisher drop; start again = reconnect with DISCONT. */
  guint before = count_records (c, LC_MEDIA_VIDEO);
  GstClockTime position = lc_channel_get_position (channel);
  lc_synthetic_source_stop (source);
  wait_for (channel_publisher_gone, channel, 1000);
  g_assert_cmpuint (c->gaps_gone, ==, 1);
  g_assert_true (lc_synthetic_source_start (source, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (c->gaps_back, ==, 1);
  Enough more = { c, before + 10, 0 };
  wait_for (has_enough, &more, 20000);
  Record resumed = record_at (c, LC_MEDIA_VIDEO, before);
  g_assert_true (resumed.keyframe);
  g_assert_true (resumed.discont);
  g_assert_cmpuint (resumed.pts, >, position);

  lc_synthetic_source_stop (source);
  lc_channel_finish (channel);
  g_assert_cmpuint (c->finishes, ==, 1);
  iterate_pending ();
  signals_clear (&s);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/streamer/channel/rebase", test_rebase);
  g_test_add_func ("/streamer/channel/reconnect-discont", test_reconnect_discont);
  g_test_add_func ("/streamer/channel/keyframe-gate", test_keyframe_gate);
  g_test_add_func ("/streamer/channel/keyframe-rate-limit", test_keyframe_rate_limit);
  g_test_add_func ("/streamer/channel/consumer-failure", test_consumer_failure);
  g_test_add_func ("/streamer/channel/finish", test_finish);
  g_test_add_func ("/streamer/channel/publisher-conflict", test_publisher_conflict);
  g_test_add_func ("/streamer/channel/concurrent-consumers", test_concurrent_consumers);
  g_test_add_func ("/streamer/channel/synthetic-source", test_synthetic_source);

  int ret = g_test_run ();
  gst_deinit ();
  return ret;
}
