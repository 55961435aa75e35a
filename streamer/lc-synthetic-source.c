/* lc-synthetic-source.c — LcSyntheticSource: a synthetic publisher. A live
 * test pattern with a clock and text overlay, encoded to H.264 (x264,
 * constrained baseline, zero latency, keyframes mostly on request), and a sine
 * tone encoded to Opus, pushed into a channel as its publisher from appsink
 * callbacks. Keyframe requests become a force-key-unit event to x264enc.
 * One pipeline; start/stop may alternate (a stop is a publisher drop).
 *
 * Threads: start/stop on the main context; appsink callbacks on the two
 * streaming threads push under push_lock (read); stop takes it for writing
 * before detaching, so no push follows the detach.
 */
#include "streamer/lc-synthetic-source.h"

#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#include "common/lc-error.h"

GST_DEBUG_CATEGORY_STATIC (lc_synthetic_debug);
#define GST_CAT_DEFAULT lc_synthetic_debug

#define VIDEO_BITRATE_KBPS 600
#define KEYFRAME_SECONDS 10 /* x264's own keyframe distance; requests come sooner */

struct _LcSyntheticSource
{
  GObject parent_instance;

  LcChannel *channel;
  guint width, height, fps;
  char *text;

  GstElement *pipeline; /* built on the first start */
  GstElement *encoder;  /* x264enc (ref) */
  gboolean started;     /* main context */

  GRWLock push_lock;     /* read: pushing; write: start/stop */
  gboolean pushing;      /* push_lock */
  GstCaps *last_caps[2]; /* per kind, that kind's streaming thread only */
};

G_DEFINE_FINAL_TYPE (LcSyntheticSource, lc_synthetic_source, G_TYPE_OBJECT)

/* ---- media ---- */

static void
push_sample (LcSyntheticSource *self, LcMediaKind kind, GstSample *sample)
{
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstCaps *caps = gst_sample_get_caps (sample);
  const GstSegment *segment = gst_sample_get_segment (sample);
  g_autoptr (GstBuffer) timed = NULL;

  if (buffer == NULL || caps == NULL)
    return;

  /* The channel takes running time (lc-channel.h). Encoders shift their
   * output timestamps and compensate in the segment (x264enc adds 1000 h), so
   * the raw PTS of video and audio are not comparable: convert. */
  if (segment != NULL && segment->format == GST_FORMAT_TIME && GST_BUFFER_PTS_IS_VALID (buffer))
    {
      GstClockTime running
          = gst_segment_to_running_time (segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
      if (!GST_CLOCK_TIME_IS_VALID (running))
        return; /* outside the segment: nothing a consumer could place */
      timed = gst_buffer_copy (buffer); /* metadata copy; the memory is shared */
      GST_BUFFER_PTS (timed) = running;
      GST_BUFFER_DTS (timed) = running;
      buffer = timed;
    }

  g_rw_lock_reader_lock (&self->push_lock);
  if (self->pushing)
    {
      if (self->last_caps[kind] == NULL || !gst_caps_is_equal (self->last_caps[kind], caps))
        {
          gst_caps_replace (&self->last_caps[kind], caps);
          lc_channel_set_caps (self->channel, kind, caps);
        }
      lc_channel_push (self->channel, kind, buffer);
    }
  g_rw_lock_reader_unlock (&self->push_lock);
}

static GstFlowReturn
on_video_sample (GstAppSink *sink, gpointer user_data)
{
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);

  if (sample != NULL)
    push_sample (user_data, LC_MEDIA_VIDEO, sample);
  return GST_FLOW_OK;
}

static GstFlowReturn
on_audio_sample (GstAppSink *sink, gpointer user_data)
{
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);

  if (sample != NULL)
    push_sample (user_data, LC_MEDIA_AUDIO, sample);
  return GST_FLOW_OK;
}

/* Any thread (the channel's keyframe function). */
static void
request_keyframe (gpointer user_data)
{
  LcSyntheticSource *self = user_data;
  GstElement *encoder = self->encoder; /* set once, before the first attach */

  if (encoder == NULL)
    return;
  GST_DEBUG ("lesson %s: synthetic keyframe", lc_channel_get_lesson_id (self->channel));
  gst_element_send_event (
      encoder, gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0));
}

/* ---- pipeline ---- */

static GstBusSyncReply
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  LcSyntheticSource *self = user_data;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *debug = NULL;

      gst_message_parse_error (message, &error, &debug);
      g_warning ("lesson %s: synthetic source error from %s: %s",
                 lc_channel_get_lesson_id (self->channel), GST_MESSAGE_SRC_NAME (message),
                 error->message);
    }
  /* A sync handler that drops a message owns it. */
  gst_message_unref (message);
  return GST_BUS_DROP;
}

static gboolean
build_pipeline (LcSyntheticSource *self, GError **error)
{
  g_autofree char *description = NULL;
  g_autofree char *overlay = NULL;
  g_autoptr (GError) parse_error = NULL;
  GstElement *pipeline;
  GstElement *video_sink, *audio_sink, *text;
  GstAppSinkCallbacks video_callbacks = { 0 }, audio_callbacks = { 0 };

  /* The overlays need the pango plugin; without it the pattern goes bare. */
  GstElementFactory *clock = gst_element_factory_find ("clockoverlay");
  if (clock != NULL)
    {
      overlay
          = g_strdup ("clockoverlay name=text halignment=left valignment=bottom "
                      "time-format=\"%H:%M:%S\" shaded-background=true font-desc=\"Sans 20\" ! ");
      gst_object_unref (clock);
    }

  description
      = g_strdup_printf ("videotestsrc is-live=true pattern=ball ! "
                         "video/x-raw,width=%u,height=%u,framerate=%u/1 ! %s"
                         "videoconvert ! "
                         "x264enc name=encoder tune=zerolatency speed-preset=ultrafast bitrate=%u "
                         "key-int-max=%u ! "
                         "video/x-h264,profile=constrained-baseline ! "
                         "h264parse config-interval=-1 ! "
                         "video/x-h264,stream-format=byte-stream,alignment=au ! "
                         "appsink name=video sync=false async=false enable-last-sample=false "
                         "audiotestsrc is-live=true wave=sine freq=440 volume=0.2 ! "
                         "audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=2 ! "
                         "opusenc bitrate=64000 ! "
                         "appsink name=audio sync=false async=false enable-last-sample=false",
                         self->width, self->height, self->fps, overlay != NULL ? overlay : "",
                         VIDEO_BITRATE_KBPS, self->fps * KEYFRAME_SECONDS);

  pipeline = gst_parse_launch (description, &parse_error);
  if (pipeline == NULL || parse_error != NULL)
    {
      if (pipeline != NULL)
        gst_object_unref (pipeline);
      lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL,
                    "the synthetic source could not be built: %s",
                    parse_error != NULL ? parse_error->message : "unknown error");
      return FALSE;
    }

  text = gst_bin_get_by_name (GST_BIN (pipeline), "text");
  if (text != NULL)
    {
      if (self->text != NULL)
        g_object_set (text, "text", self->text, NULL);
      gst_object_unref (text);
    }

  self->encoder = gst_bin_get_by_name (GST_BIN (pipeline), "encoder");
  video_sink = gst_bin_get_by_name (GST_BIN (pipeline), "video");
  audio_sink = gst_bin_get_by_name (GST_BIN (pipeline), "audio");
  video_callbacks.new_sample = on_video_sample;
  audio_callbacks.new_sample = on_audio_sample;
  gst_app_sink_set_callbacks (GST_APP_SINK (video_sink), &video_callbacks, self, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (audio_sink), &audio_callbacks, self, NULL);
  gst_object_unref (video_sink);
  gst_object_unref (audio_sink);

  GstBus *bus = gst_element_get_bus (pipeline);
  gst_bus_set_sync_handler (bus, on_bus_message, self, NULL);
  gst_object_unref (bus);

  self->pipeline = pipeline;
  return TRUE;
}

/* ---- public ---- */

gboolean
lc_synthetic_source_start (LcSyntheticSource *source, GError **error)
{
  g_return_val_if_fail (LC_IS_SYNTHETIC_SOURCE (source), FALSE);

  LcSyntheticSource *self = source;

  if (self->started)
    return TRUE;
  if (self->pipeline == NULL && !build_pipeline (self, error))
    return FALSE;
  if (!lc_channel_attach_publisher (self->channel, self, request_keyframe, self, error))
    return FALSE;

  g_rw_lock_writer_lock (&self->push_lock);
  self->pushing = TRUE;
  g_rw_lock_writer_unlock (&self->push_lock);

  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_rw_lock_writer_lock (&self->push_lock);
      self->pushing = FALSE;
      g_rw_lock_writer_unlock (&self->push_lock);
      gst_element_set_state (self->pipeline, GST_STATE_NULL);
      lc_channel_detach_publisher (self->channel, self);
      lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL, "the synthetic source did not start");
      return FALSE;
    }
  self->started = TRUE;
  g_info ("lesson %s: synthetic source started (%ux%u@%u)",
          lc_channel_get_lesson_id (self->channel), self->width, self->height, self->fps);
  return TRUE;
}

void
lc_synthetic_source_stop (LcSyntheticSource *source)
{
  g_return_if_fail (LC_IS_SYNTHETIC_SOURCE (source));

  LcSyntheticSource *self = source;

  if (!self->started)
    return;
  self->started = FALSE;

  g_rw_lock_writer_lock (&self->push_lock);
  self->pushing = FALSE;
  g_rw_lock_writer_unlock (&self->push_lock);

  lc_channel_detach_publisher (self->channel, self);
  gst_element_set_state (self->pipeline, GST_STATE_NULL);
  for (guint k = 0; k < 2; k++)
    gst_clear_caps (&self->last_caps[k]);
  g_info ("lesson %s: synthetic source stopped", lc_channel_get_lesson_id (self->channel));
}

/* ---- GObject ---- */

static void
lc_synthetic_source_dispose (GObject *object)
{
  LcSyntheticSource *self = LC_SYNTHETIC_SOURCE (object);

  if (self->started)
    lc_synthetic_source_stop (self);
  if (self->pipeline != NULL)
    {
      GstBus *bus = gst_element_get_bus (self->pipeline);
      gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
      gst_object_unref (bus);
      gst_element_set_state (self->pipeline, GST_STATE_NULL);
    }
  gst_clear_object (&self->encoder);
  gst_clear_object (&self->pipeline);

  G_OBJECT_CLASS (lc_synthetic_source_parent_class)->dispose (object);
}

static void
lc_synthetic_source_finalize (GObject *object)
{
  LcSyntheticSource *self = LC_SYNTHETIC_SOURCE (object);

  g_clear_object (&self->channel);
  for (guint k = 0; k < 2; k++)
    gst_clear_caps (&self->last_caps[k]);
  g_free (self->text);
  g_rw_lock_clear (&self->push_lock);

  G_OBJECT_CLASS (lc_synthetic_source_parent_class)->finalize (object);
}

static void
lc_synthetic_source_class_init (LcSyntheticSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lc_synthetic_source_dispose;
  object_class->finalize = lc_synthetic_source_finalize;

  GST_DEBUG_CATEGORY_INIT (lc_synthetic_debug, "lc-synthetic", 0, "lessoncast synthetic source");
}

static void
lc_synthetic_source_init (LcSyntheticSource *self)
{
  g_rw_lock_init (&self->push_lock);
}

LcSyntheticSource *
lc_synthetic_source_new (LcChannel *channel, guint width, guint height, guint fps, const char *text)
{
  g_return_val_if_fail (LC_IS_CHANNEL (channel), NULL);
  g_return_val_if_fail (width >= 16 && height >= 16 && fps >= 1, NULL);

  LcSyntheticSource *self = g_object_new (LC_TYPE_SYNTHETIC_SOURCE, NULL);
  self->channel = g_object_ref (channel);
  self->width = width;
  self->height = height;
  self->fps = fps;
  self->text = g_strdup (text);
  return self;
}
