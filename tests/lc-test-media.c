/* lc-test-media.c — decoding a media file end to end for tests:
 *
 *   filesrc ─ qtdemux | tsdemux ─┬─ queue ─ decodebin ─ fakesink (video: a
 *                                │  probe counts pictures, widths, gaps)
 *                                └─ queue ─ decodebin ─ audioconvert ─ F32
 *                                   ─ fakesink (a probe sums durations, finds
 *                                   the peak)
 *
 * The sinks do not sync: the file decodes as fast as the machine allows.
 * Also LcTestCounter, a channel consumer that only counts. */
#include "lc-test-media.h"

#include <math.h>
#include <string.h>

#define DECODE_TIMEOUT (60 * GST_SECOND)
/* Audio PTS may step back this much (90 kHz rounding in MPEG-TS). */
#define AUDIO_SLACK (5 * GST_MSECOND)

typedef struct
{
  GMutex lock; /* decoded: written on the two sinks' streaming threads */
  LcTestDecoded *decoded;
} DecodeState;

static void
count_video (LcTestDecoded *d, GstPad *pad, GstBuffer *buffer)
{
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  int width = 0;

  d->video_frames++;
  if (caps != NULL && gst_structure_get_int (gst_caps_get_structure (caps, 0), "width", &width)
      && (d->n_widths == 0 || d->widths[d->n_widths - 1] != width)
      && d->n_widths < G_N_ELEMENTS (d->widths))
    d->widths[d->n_widths++] = width;
  if (!GST_CLOCK_TIME_IS_VALID (pts))
    {
      d->backwards++;
      return;
    }
  if (!GST_CLOCK_TIME_IS_VALID (d->video_first))
    d->video_first = pts;
  else if (pts <= d->video_last)
    d->backwards++;
  else if (pts - d->video_last > d->video_max_gap)
    {
      d->video_max_gap = pts - d->video_last;
      d->video_gap_at = d->video_last;
    }
  d->video_last = pts;
}

static void
count_audio (LcTestDecoded *d, GstBuffer *buffer)
{
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  GstMapInfo map;

  d->audio_buffers++;
  if (GST_BUFFER_DURATION_IS_VALID (buffer))
    d->audio_time += GST_BUFFER_DURATION (buffer);
  if (!GST_CLOCK_TIME_IS_VALID (pts))
    d->backwards++;
  else
    {
      if (!GST_CLOCK_TIME_IS_VALID (d->audio_first))
        d->audio_first = pts;
      else if (pts + AUDIO_SLACK < d->audio_last)
        d->backwards++;
      d->audio_last
          = pts + (GST_BUFFER_DURATION_IS_VALID (buffer) ? GST_BUFFER_DURATION (buffer) : 0);
    }
  if (gst_buffer_map (buffer, &map, GST_MAP_READ))
    {
      const float *samples = (const float *)map.data;

      for (gsize i = 0; i < map.size / sizeof (float); i++)
        d->audio_peak = MAX (d->audio_peak, fabsf (samples[i]));
      gst_buffer_unmap (buffer, &map);
    }
}

static GstPadProbeReturn
on_decoded_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  DecodeState *state = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  g_mutex_lock (&state->lock);
  if (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (pad), "lc-video")))
    count_video (state->decoded, pad, buffer);
  else
    count_audio (state->decoded, buffer);
  g_mutex_unlock (&state->lock);
  return GST_PAD_PROBE_OK;
}

/* The decoded stream of decodebin: into the sink branch made for it. */
static void
on_decoder_pad (GstElement *decodebin, GstPad *pad, gpointer user_data)
{
  DecodeState *state = user_data;
  GstElement *branch = g_object_get_data (G_OBJECT (decodebin), "lc-branch");
  gboolean video = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (decodebin), "lc-video"));
  g_autoptr (GstPad) branch_pad = gst_element_get_static_pad (branch, "sink");

  g_assert_false (gst_pad_is_linked (branch_pad)); /* one stream per decodebin */
  g_assert_cmpint (gst_pad_link (pad, branch_pad), ==, GST_PAD_LINK_OK);
  g_mutex_lock (&state->lock);
  if (video)
    state->decoded->have_video = TRUE;
  else
    state->decoded->have_audio = TRUE;
  g_mutex_unlock (&state->lock);
}

/* An elementary stream of the demuxer: queue ─ decodebin ─ a sink branch
 * (audio as F32 first), counted on the sink's pad. The sink is in the
 * pipeline from the start: the pipeline's EOS waits for it even when the
 * other stream's decoder is done first. */
static void
on_demux_pad (GstElement *demux, GstPad *pad, gpointer user_data)
{
  DecodeState *state = user_data;
  g_autoptr (GstElement) pipeline = GST_ELEMENT (gst_element_get_parent (demux));
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (GstPad) sink_pad = NULL;
  g_autoptr (GstPad) queue_pad = NULL;
  GstElement *queue, *decodebin, *branch;
  const char *name;
  gboolean video;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  name = gst_structure_get_name (gst_caps_get_structure (caps, 0));
  video = g_str_has_prefix (name, "video/");
  if (!video && !g_str_has_prefix (name, "audio/"))
    return;
  queue = gst_element_factory_make ("queue", NULL);
  decodebin = gst_element_factory_make ("decodebin", NULL);
  g_assert_nonnull (queue);
  g_assert_nonnull (decodebin);
  branch = gst_parse_bin_from_description (
      video ? "fakesink name=sink sync=false"
            : "audioconvert ! audio/x-raw,format=F32LE,layout=interleaved "
              "! fakesink name=sink sync=false",
      TRUE, &error);
  g_assert_no_error (error);
  sink = gst_bin_get_by_name (GST_BIN (branch), "sink");
  sink_pad = gst_element_get_static_pad (sink, "sink");
  g_object_set_data (G_OBJECT (sink_pad), "lc-video", GINT_TO_POINTER (video));
  gst_pad_add_probe (sink_pad, GST_PAD_PROBE_TYPE_BUFFER, on_decoded_buffer, state, NULL);
  g_object_set_data (G_OBJECT (decodebin), "lc-branch", branch);
  g_object_set_data (G_OBJECT (decodebin), "lc-video", GINT_TO_POINTER (video));
  g_signal_connect (decodebin, "pad-added", G_CALLBACK (on_decoder_pad), state);

  gst_bin_add_many (GST_BIN (pipeline), queue, decodebin, branch, NULL);
  g_assert_true (gst_element_link (queue, decodebin));
  gst_element_sync_state_with_parent (branch);
  gst_element_sync_state_with_parent (decodebin);
  gst_element_sync_state_with_parent (queue);
  queue_pad = gst_element_get_static_pad (queue, "sink");
  g_assert_cmpint (gst_pad_link (pad, queue_pad), ==, GST_PAD_LINK_OK);
}

void
lc_test_decode_file (const char *path, LcTestDecoded *decoded)
{
  g_autoptr (GstElement) pipeline = gst_pipeline_new (NULL);
  GstElement *src = gst_element_factory_make ("filesrc", NULL);
  GstElement *demux
      = gst_element_factory_make (g_str_has_suffix (path, ".ts") ? "tsdemux" : "qtdemux", NULL);
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autoptr (GstMessage) message = NULL;
  DecodeState state = { .decoded = decoded };

  g_assert_nonnull (src);
  g_assert_nonnull (demux);
  memset (decoded, 0, sizeof *decoded);
  decoded->video_first = decoded->video_last = GST_CLOCK_TIME_NONE;
  decoded->video_gap_at = GST_CLOCK_TIME_NONE;
  decoded->audio_first = decoded->audio_last = GST_CLOCK_TIME_NONE;
  g_mutex_init (&state.lock);
  g_object_set (src, "location", path, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, demux, NULL);
  g_assert_true (gst_element_link (src, demux));
  g_signal_connect (demux, "pad-added", G_CALLBACK (on_demux_pad), &state);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  message = gst_bus_timed_pop_filtered (bus, DECODE_TIMEOUT, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (message);
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *debug = NULL;

      gst_message_parse_error (message, &error, &debug);
      g_error ("decoding %s: %s (%s)", path, error->message, debug != NULL ? debug : "");
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_mutex_clear (&state.lock);
  g_test_message ("%s: %u video frames (%" GST_TIME_FORMAT " .. %" GST_TIME_FORMAT "), %u audio "
                  "buffers, %" GST_TIME_FORMAT " of audio",
                  path, decoded->video_frames, GST_TIME_ARGS (decoded->video_first),
                  GST_TIME_ARGS (decoded->video_last), decoded->audio_buffers,
                  GST_TIME_ARGS (decoded->audio_time));
}

/* ---- a consumer that counts ---- */

struct _LcTestCounter
{
  GObject parent_instance;
  gint pushes; /* atomic */
  gboolean finished;
};

static gboolean
counter_push (LcConsumer *consumer, LcMediaKind kind, GstBuffer *buffer)
{
  g_atomic_int_inc (&LC_TEST_COUNTER (consumer)->pushes);
  return TRUE;
}

static void
counter_finish (LcConsumer *consumer)
{
  LC_TEST_COUNTER (consumer)->finished = TRUE;
}

static const char *
counter_get_name (LcConsumer *consumer)
{
  return "counter";
}

static void
lc_test_counter_consumer_init (LcConsumerInterface *iface)
{
  iface->push = counter_push;
  iface->finish = counter_finish;
  iface->get_name = counter_get_name;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (LcTestCounter, lc_test_counter, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LC_TYPE_CONSUMER,
                                                      lc_test_counter_consumer_init))

static void
lc_test_counter_class_init (LcTestCounterClass *klass)
{
}

static void
lc_test_counter_init (LcTestCounter *self)
{
}

LcTestCounter *
lc_test_counter_new (void)
{
  return g_object_new (LC_TEST_TYPE_COUNTER, NULL);
}

guint
lc_test_counter_get_pushes (LcTestCounter *counter)
{
  return (guint)g_atomic_int_get (&counter->pushes);
}

gboolean
lc_test_counter_is_finished (LcTestCounter *counter)
{
  return counter->finished;
}
