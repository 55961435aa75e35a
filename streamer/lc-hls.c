/* lc-hls.c — LcHlsPackager: the HLS consumer of a channel (see lc-hls.h).
 *
 * Each publisher session gets its own pipeline, isolated from the ingest:
 *
 *   appsrc (H.264 byte-stream AUs) ─ h264parse ───────────────────────────┐
 *   appsrc (Opus) ─ opusdec ─ audioconvert ─ audioresample ─ audiorate ─   ├─ splitmuxsink
 *                   avenc_aac ─ aacparse ──────────────────────────────────┘  (mpegtsmux)
 *
 * splitmuxsink cuts on keyframes once a fragment reaches segment_duration;
 * it never asks for keyframes itself: the packager asks the channel on its
 * own clock (every segment_duration seconds of video), so GOPs and segments
 * match. A segment is complete once the GOP after it has been gathered
 * (splitmuxsink's design): it appears about one segment after its end.
 * Audio gaps are filled with Opus silence so that video never waits for
 * audio that does not come (see fill_audio_gap).
 * Fragments are written as seg-<n>.ts.tmp and renamed to seg-<n>.ts when
 * closed, so a segment URL only ever serves a complete file; then the
 * playlist (lc-playlist.c) is rewritten atomically (temp + rename).
 *
 * A publisher gap drains the pipeline (EOS: the last segment is closed),
 * then the packager is "drained" (signal, lc_hls_packager_is_drained) and
 * the next publisher gets a new pipeline whose first segment carries
 * EXT-X-DISCONTINUITY. finish() drains too, then writes ENDLIST. A codec
 * change, or a media kind that comes after the short wait for it (the
 * running pipeline packages the other kind alone), drains and rebuilds the
 * same way, within the session.
 *
 * Threads: set_caps/push run on the ingest's streaming threads and only touch
 * the fields under `lock` (LC_HLS_LOCK) and the appsrcs. Everything else —
 * building and tearing down pipelines, the bus watch, the playlist, files,
 * state and signals — runs on the main context captured at construction.
 */
#include "streamer/lc-hls.h"

#include <errno.h>
#include <gio/gio.h>
#include <gst/app/gstappsrc.h>
#include <glib/gstdio.h>
#include <string.h>

#include "common/lc-error.h"
#include "common/lc-source.h"
#include "streamer/lc-playlist.h"

GST_DEBUG_CATEGORY_STATIC (lc_hls_debug);
#define GST_CAT_DEFAULT lc_hls_debug

#define LC_HLS_LOCK(h) g_mutex_lock (&(h)->lock)
#define LC_HLS_UNLOCK(h) g_mutex_unlock (&(h)->lock)

#define N_KINDS 2
#define PLAYLIST_NAME "index.m3u8"
#define TMP_SUFFIX ".tmp"
/* How long to wait for the second media kind before packaging one alone. */
#define KIND_WAIT_MS 1000
/* How long a drain (EOS through the pipeline) may take before it is cut. */
#define DRAIN_TIMEOUT_MS 5000
/* appsrc queue bounds: far above what a healthy pipeline holds. */
#define VIDEO_QUEUE_BYTES (8 * 1024 * 1024)
#define AUDIO_QUEUE_BYTES (1024 * 1024)

typedef enum
{
  PHASE_NONE,     /* no pipeline */
  PHASE_STARTING, /* being built on a worker thread */
  PHASE_RUNNING,  /* fed by push() */
  PHASE_DRAINING, /* EOS sent, waiting for the last segment */
  PHASE_STOPPING, /* being stopped on a worker thread */
} Phase;

struct _LcHlsPackager
{
  GObject parent_instance;

  /* Immutable after construction. */
  GWeakRef channel;
  char *lesson_id;
  char *dir;
  guint segment_duration;
  guint window;
  GMainContext *context;

  /* Main context only. */
  LcPlaylist *playlist;
  LcHlsState state;
  char *error;
  gboolean started;
  gboolean finishing; /* finish() called; a self-ref is held until done */
  gboolean publisher_gone;
  gboolean drained; /* the gap's drain is complete (lc_hls_packager_is_drained) */
  Phase phase;
  guint generation;
  GstElement *pipeline;
  GstElement *splitmux;
  GSource *bus_source;
  GSource *drain_timer;
  GSource *kind_timer;
  gboolean kind_wait_over;         /* the wait for the second media kind has passed */
  gboolean pipeline_kind[N_KINDS]; /* kinds the current pipeline packages */
  GHashTable *open_fragments;      /* temp path → GstClockTime * start running time */
  GQueue retired;                  /* char * file names out of the window, not yet deleted */
  guint64 segments_written;

  GMutex audio_lock; /* serialises feeding the audio appsrc; taken before LC_HLS_LOCK */
  GMutex lock;       /* LC_HLS_LOCK: everything below */
  GstCaps *caps[N_KINDS];
  gboolean reconsider_pending;
  gboolean failed;           /* push() returns FALSE (written on the main context) */
  gboolean fed;              /* the current pipeline got a buffer */
  GstAppSrc *src[N_KINDS];   /* the running pipeline's inputs (refs), or NULL */
  gboolean waiting_keyframe; /* video restarts at the next keyframe */
  GstClockTime video_start;  /* PTS of the generation's first keyframe */
  GstClockTime next_request; /* media time of the next keyframe request */
  GstClockTime last_pts[N_KINDS];
  GstClockTime audio_end; /* end of the last audio (real or silence) fed */
  guint64 silence_frames; /* 20 ms Opus silence packets fed so far */
  guint64 next_segment;   /* the n of the next seg-<n>.ts */
  guint64 dropped[N_KINDS];
};

static void lc_hls_packager_consumer_init (LcConsumerInterface *iface);

G_DEFINE_TYPE_WITH_CODE (LcHlsPackager, lc_hls_packager, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (LC_TYPE_CONSUMER, lc_hls_packager_consumer_init))

enum
{
  SIGNAL_STATE_CHANGED,
  SIGNAL_DRAINED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void reconsider (LcHlsPackager *self);
static void fail (LcHlsPackager *self, const char *format, ...) G_GNUC_PRINTF (2, 3);

const char *
lc_hls_state_to_string (LcHlsState state)
{
  switch (state)
    {
    case LC_HLS_WAITING:
      return "waiting";
    case LC_HLS_LIVE:
      return "live";
    case LC_HLS_ENDED:
      return "ended";
    case LC_HLS_UNAVAILABLE:
      return "unavailable";
    case LC_HLS_FAILED:
      return "failed";
    default:
      return "unknown";
    }
}

/* ---- small helpers ---- */

static const char *
kind_name (LcMediaKind kind)
{
  return kind == LC_MEDIA_VIDEO ? "video" : "audio";
}

static const char *
caps_name (const GstCaps *caps)
{
  if (caps == NULL || gst_caps_is_empty (caps) || gst_caps_is_any (caps))
    return "";
  return gst_structure_get_name (gst_caps_get_structure (caps, 0));
}

static gboolean
caps_are_h264 (const GstCaps *caps)
{
  return g_str_equal (caps_name (caps), "video/x-h264");
}

static gboolean
caps_are_opus (const GstCaps *caps)
{
  return g_str_equal (caps_name (caps), "audio/x-opus");
}

/* Whether a byte-stream access unit holds a picture (a VCL NAL unit, types
 * 1–5). Units with only SPS/PPS/SEI are dropped: Chromium's native HLS player
 * stalls on them. Bounded scan of untrusted bytes. */
static gboolean
au_has_picture (GstBuffer *buffer)
{
  GstMapInfo map;
  gboolean found = FALSE;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return FALSE;
  for (gsize i = 0; i + 3 < map.size; i++)
    {
      if (map.data[i] != 0 || map.data[i + 1] != 0 || map.data[i + 2] != 1)
        continue;
      guint type = map.data[i + 3] & 0x1f;
      if (type >= 1 && type <= 5)
        {
          found = TRUE;
          break;
        }
      i += 2;
    }
  gst_buffer_unmap (buffer, &map);
  return found;
}

static LcChannel *
dup_channel (LcHlsPackager *self)
{
  return g_weak_ref_get (&self->channel);
}

static void
request_keyframe (LcHlsPackager *self, const char *reason)
{
  g_autoptr (LcChannel) channel = dup_channel (self);

  if (channel != NULL)
    lc_channel_request_keyframe (channel, reason);
}

/* Attach a callback on the main context (self is not referenced: the caller
 * destroys the source before self goes away). */
static GSource *
add_timeout (LcHlsPackager *self, guint ms, GSourceFunc func)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, self->context);
  return source;
}

static void
set_state (LcHlsPackager *self, LcHlsState state)
{
  if (self->state == state)
    return;
  g_info ("lesson %s: hls %s -> %s", self->lesson_id, lc_hls_state_to_string (self->state),
          lc_hls_state_to_string (state));
  self->state = state;
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, (int)state);
}

/* Main context: the publisher is gone and no pipeline is left (the last
 * segment was renamed and listed before the pipeline stopped): drained. */
static void
check_drained (LcHlsPackager *self)
{
  if (self->drained || !self->publisher_gone || self->phase != PHASE_NONE || self->failed
      || self->finishing || self->state == LC_HLS_ENDED)
    return;
  self->drained = TRUE;
  GST_INFO ("lesson %s: hls drained after the publisher gap", self->lesson_id);
  g_signal_emit (self, signals[SIGNAL_DRAINED], 0);
}

/* ---- files ---- */

static char *
path_in_dir (LcHlsPackager *self, const char *name)
{
  return g_build_filename (self->dir, name, NULL);
}

static gboolean
write_playlist (LcHlsPackager *self, GError **error)
{
  g_autofree char *text = lc_playlist_render (self->playlist);
  g_autofree char *path = path_in_dir (self, PLAYLIST_NAME);

  /* CONSISTENT: a temp file renamed over the old one. */
  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

static void
remove_file (LcHlsPackager *self, const char *name)
{
  g_autofree char *path = path_in_dir (self, name);

  if (g_unlink (path) != 0 && errno != ENOENT && errno != ENOTDIR)
    g_warning ("lesson %s: hls: cannot remove %s: %s", self->lesson_id, path, g_strerror (errno));
}

/* Files of an earlier run in the same directory would be served as if they
 * were ours: remove what we would write (only our own name patterns). */
static void
remove_stale_files (LcHlsPackager *self)
{
  g_autoptr (GDir) dir = g_dir_open (self->dir, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      gboolean ours
          = g_str_equal (name, PLAYLIST_NAME)
            || g_str_has_prefix (name, PLAYLIST_NAME ".") /* GLib temp files */
            || (g_str_has_prefix (name, "seg-")
                && (g_str_has_suffix (name, ".ts") || g_str_has_suffix (name, ".ts" TMP_SUFFIX)));
      if (ours)
        remove_file (self, name);
    }
}

/* RFC 8216 §6.2.2: a segment that left the playlist stays available for its
 * duration plus the playlist's: keep window + 1 retired segments. */
static void
retire_expired (LcHlsPackager *self)
{
  g_autoptr (GPtrArray) expired = lc_playlist_take_expired (self->playlist);

  for (guint i = 0; i < expired->len; i++)
    g_queue_push_tail (&self->retired, g_strdup (g_ptr_array_index (expired, i)));
  while (self->retired.length > self->window + 1)
    {
      g_autofree char *name = g_queue_pop_head (&self->retired);
      remove_file (self, name);
    }
}

static void
remove_retired (LcHlsPackager *self)
{
  char *name;

  while ((name = g_queue_pop_head (&self->retired)) != NULL)
    {
      remove_file (self, name);
      g_free (name);
    }
}

/* ---- pipeline (built and stopped on worker threads) ---- */

static GstElement *
make_element (const char *factory, GError **error)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  if (element == NULL)
    lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL, "GStreamer element %s is not installed",
                  factory);
  return element;
}

/* splitmuxsink streaming thread: the file of the next fragment. */
static char *
on_splitmux_format_location (GstElement *splitmux, guint fragment_id, GstSample *first_sample,
                             gpointer user_data)
{
  LcHlsPackager *self = user_data;

  LC_HLS_LOCK (self);
  guint64 n = self->next_segment++;
  LC_HLS_UNLOCK (self);

  g_autofree char *name = g_strdup_printf ("seg-%" G_GUINT64_FORMAT ".ts" TMP_SUFFIX, n);
  return g_build_filename (self->dir, name, NULL);
}

/* Build the chain of one kind into the bin and link it to splitmuxsink;
 * returns its appsrc (transfer none, owned by the bin). */
static GstElement *
build_branch (GstBin *bin, LcMediaKind kind, GstCaps *caps, GstElement *splitmux, GError **error)
{
  const char *video_chain[] = { "h264parse", NULL };
  const char *audio_chain[]
      = { "opusdec", "audioconvert", "audioresample", "audiorate", "avenc_aac", "aacparse", NULL };
  const char *const *chain = kind == LC_MEDIA_VIDEO ? video_chain : audio_chain;
  GstElement *src = make_element ("appsrc", error);
  GstElement *prev;

  if (src == NULL)
    return NULL;
  g_object_set (src, "name", kind_name (kind), "caps", caps, "format", GST_FORMAT_TIME, "is-live",
                FALSE, "stream-type", GST_APP_STREAM_TYPE_STREAM, "block", FALSE, "emit-signals",
                FALSE, "max-bytes",
                (guint64)(kind == LC_MEDIA_VIDEO ? VIDEO_QUEUE_BYTES : AUDIO_QUEUE_BYTES),
                "leaky-type", GST_APP_LEAKY_TYPE_UPSTREAM, NULL);
  gst_bin_add (bin, src);
  prev = src;

  for (guint i = 0; chain[i] != NULL; i++)
    {
      GstElement *element = make_element (chain[i], error);

      if (element == NULL)
        return NULL;
      if (g_str_equal (chain[i], "h264parse"))
        g_object_set (element, "config-interval", -1, NULL); /* SPS/PPS before every IDR */
      else if (g_str_equal (chain[i], "audiorate"))
        g_object_set (element, "skip-to-first", TRUE, NULL); /* no silence from 0 */
      gst_bin_add (bin, element);
      if (!gst_element_link (prev, element))
        {
          lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot link %s to %s",
                        GST_OBJECT_NAME (prev), chain[i]);
          return NULL;
        }
      prev = element;
    }

  g_autoptr (GstPad) sinkpad
      = gst_element_request_pad_simple (splitmux, kind == LC_MEDIA_VIDEO ? "video" : "audio_%u");
  g_autoptr (GstPad) srcpad = gst_element_get_static_pad (prev, "src");
  if (sinkpad == NULL || srcpad == NULL || gst_pad_link (srcpad, sinkpad) != GST_PAD_LINK_OK)
    {
      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot link %s to splitmuxsink",
                    GST_OBJECT_NAME (prev));
      return NULL;
    }
  return src;
}

/* A pipeline being started or stopped on a worker thread (GTask data). */
typedef struct
{
  LcHlsPackager *self; /* the task's source object holds the reference */
  GstCaps *caps[N_KINDS];
  GstElement *pipeline;
  GstElement *splitmux;
  GstElement *src[N_KINDS];
  GPtrArray *unfinished; /* stop: temp files of fragments never closed */
} PipelineJob;

static void
pipeline_job_free (gpointer data)
{
  PipelineJob *job = data;

  for (guint k = 0; k < N_KINDS; k++)
    {
      gst_clear_caps (&job->caps[k]);
      gst_clear_object (&job->src[k]);
    }
  gst_clear_object (&job->splitmux);
  if (job->pipeline != NULL)
    {
      gst_element_set_state (job->pipeline, GST_STATE_NULL);
      gst_clear_object (&job->pipeline);
    }
  g_clear_pointer (&job->unfinished, g_ptr_array_unref);
  g_free (job);
}

/* Worker thread: build the pipeline and set it PLAYING (element creation and
 * encoder set-up take tens to hundreds of ms: never on the main context). */
static void
start_job_run (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  PipelineJob *job = data;
  LcHlsPackager *self = job->self;
  g_autoptr (GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("hls-%s-%u", self->lesson_id, self->generation);
  gint64 began = g_get_monotonic_time ();
  GstElement *muxer;

  job->pipeline = gst_object_ref_sink (gst_pipeline_new (name));
  job->splitmux = make_element ("splitmuxsink", &error);
  muxer = job->splitmux != NULL ? make_element ("mpegtsmux", &error) : NULL;
  if (muxer == NULL)
    goto failed;
  gst_object_ref_sink (job->splitmux);
  g_object_set (job->splitmux, "muxer", muxer, "max-size-time",
                (guint64)self->segment_duration * GST_SECOND, "send-keyframe-requests", FALSE,
                NULL);
  g_signal_connect (job->splitmux, "format-location-full", G_CALLBACK (on_splitmux_format_location),
                    self);
  gst_bin_add (GST_BIN (job->pipeline), job->splitmux);

  for (guint k = 0; k < N_KINDS; k++)
    if (job->caps[k] != NULL)
      {
        GstElement *src = build_branch (GST_BIN (job->pipeline), (LcMediaKind)k, job->caps[k],
                                        job->splitmux, &error);
        if (src == NULL)
          goto failed;
        job->src[k] = gst_object_ref (src);
      }

  if (gst_element_set_state (job->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      lc_set_error (&error, LC_ERROR_INTERNAL, NULL, "the HLS pipeline did not start");
      goto failed;
    }
  GST_INFO ("lesson %s: hls pipeline %s started in %" G_GINT64_FORMAT " us", self->lesson_id, name,
            g_get_monotonic_time () - began);
  g_task_return_boolean (task, TRUE);
  return;

failed:
  gst_element_set_state (job->pipeline, GST_STATE_NULL);
  g_task_return_error (task, g_steal_pointer (&error));
}

/* Worker thread: stop a pipeline (after EOS or a failure) and remove the
 * temp files of fragments it never closed. */
static void
stop_job_run (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  PipelineJob *job = data;
  gint64 began = g_get_monotonic_time ();

  gst_element_set_state (job->pipeline, GST_STATE_NULL);
  GST_INFO ("lesson %s: hls pipeline stopped in %" G_GINT64_FORMAT " us", job->self->lesson_id,
            g_get_monotonic_time () - began);
  for (guint i = 0; job->unfinished != NULL && i < job->unfinished->len; i++)
    {
      const char *path = g_ptr_array_index (job->unfinished, i);
      if (g_unlink (path) != 0 && errno != ENOENT && errno != ENOTDIR)
        g_warning ("lesson %s: hls: cannot remove %s: %s", job->self->lesson_id, path,
                   g_strerror (errno));
    }
  g_task_return_boolean (task, TRUE);
}

static gboolean on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data);
static void settle (LcHlsPackager *self);

/* Main context: the stop job is done. */
static void
on_pipeline_stopped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LcHlsPackager *self = LC_HLS_PACKAGER (source);

  self->phase = PHASE_NONE;
  settle (self);
}

/* Main context. Stop feeding the current pipeline and stop it on a worker
 * thread; settle() follows. */
static void
stop_pipeline (LcHlsPackager *self)
{
  PipelineJob *job = g_new0 (PipelineJob, 1);
  GHashTableIter iter;
  gpointer path;

  LC_HLS_LOCK (self);
  for (guint k = 0; k < N_KINDS; k++)
    job->src[k] = (GstElement *)g_steal_pointer (&self->src[k]);
  LC_HLS_UNLOCK (self);
  lc_source_clear (&self->drain_timer);
  lc_source_clear (&self->bus_source);

  job->self = self;
  job->pipeline = g_steal_pointer (&self->pipeline);
  job->splitmux = g_steal_pointer (&self->splitmux);
  if (job->splitmux != NULL)
    g_signal_handlers_disconnect_by_data (job->splitmux, self);
  job->unfinished = g_ptr_array_new_with_free_func (g_free);
  g_hash_table_iter_init (&iter, self->open_fragments);
  while (g_hash_table_iter_next (&iter, &path, NULL))
    g_ptr_array_add (job->unfinished, g_strdup (path));
  g_hash_table_remove_all (self->open_fragments);

  self->phase = PHASE_STOPPING;
  g_autoptr (GTask) task = g_task_new (self, NULL, on_pipeline_stopped, NULL);
  g_task_set_task_data (task, job, pipeline_job_free);
  g_task_run_in_thread (task, stop_job_run);
}

/* Main context: the start job is done. Install the pipeline, unless what
 * happened meanwhile (failure, gap, end) means it is not wanted any more. */
static void
on_pipeline_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LcHlsPackager *self = LC_HLS_PACKAGER (source);
  GTask *task = G_TASK (result);
  PipelineJob *job = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  if (!g_task_propagate_boolean (task, &error))
    {
      self->phase = PHASE_NONE;
      fail (self, "%s", error->message);
      return;
    }

  self->pipeline = g_steal_pointer (&job->pipeline);
  self->splitmux = g_steal_pointer (&job->splitmux);
  self->phase = PHASE_RUNNING;
  if (self->failed || self->finishing || self->publisher_gone)
    {
      stop_pipeline (self);
      return;
    }

  g_autoptr (GstBus) bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
  self->bus_source = gst_bus_create_watch (bus);
  g_source_set_callback (self->bus_source, (GSourceFunc)(void (*) (void))on_bus_message, self,
                         NULL);
  g_source_attach (self->bus_source, self->context);

  for (guint k = 0; k < N_KINDS; k++)
    self->pipeline_kind[k] = job->src[k] != NULL;
  self->kind_wait_over = FALSE;
  if (self->segments_written > 0)
    lc_playlist_mark_discontinuity (self->playlist);

  LC_HLS_LOCK (self);
  for (guint k = 0; k < N_KINDS; k++)
    {
      self->src[k] = (GstAppSrc *)g_steal_pointer (&job->src[k]);
      self->last_pts[k] = GST_CLOCK_TIME_NONE;
    }
  self->fed = FALSE;
  self->waiting_keyframe = self->src[LC_MEDIA_VIDEO] != NULL;
  self->video_start = GST_CLOCK_TIME_NONE;
  self->next_request = GST_CLOCK_TIME_NONE;
  self->audio_end = GST_CLOCK_TIME_NONE;
  gboolean video = self->src[LC_MEDIA_VIDEO] != NULL;
  g_autoptr (GstCaps) audio_caps
      = self->caps[LC_MEDIA_AUDIO] != NULL ? gst_caps_ref (self->caps[LC_MEDIA_AUDIO]) : NULL;
  g_autoptr (GstAppSrc) audio_src
      = self->src[LC_MEDIA_AUDIO] != NULL ? gst_object_ref (self->src[LC_MEDIA_AUDIO]) : NULL;
  LC_HLS_UNLOCK (self);

  /* Audio caps that changed while the pipeline was being built. */
  if (audio_src != NULL && audio_caps != NULL && caps_are_opus (audio_caps)
      && !gst_caps_is_equal (audio_caps, job->caps[LC_MEDIA_AUDIO]))
    gst_app_src_set_caps (audio_src, audio_caps);

  g_info ("lesson %s: hls pipeline %u running (%s%s%s)", self->lesson_id, self->generation,
          video ? "h264" : "", video && self->pipeline_kind[LC_MEDIA_AUDIO] ? " + " : "",
          self->pipeline_kind[LC_MEDIA_AUDIO] ? "opus -> aac" : "");
  /* The first segment starts at this keyframe; then one per segment,
   * requested from push() on the media clock. */
  if (video)
    request_keyframe (self, "hls start");
  reconsider (self); /* caps may have changed meanwhile */
}

/* Main context. Build a pipeline for the given kinds (either caps nullable,
 * not both) on a worker thread; on_pipeline_started() follows. */
static void
start_pipeline (LcHlsPackager *self, GstCaps *video_caps, GstCaps *audio_caps)
{
  PipelineJob *job = g_new0 (PipelineJob, 1);

  job->self = self;
  /* h264parse learns everything else (size, profile, rate) from the stream
   * itself, also when a publisher changes resolution: only the format. */
  job->caps[LC_MEDIA_VIDEO]
      = video_caps != NULL
            ? gst_caps_from_string ("video/x-h264, stream-format=byte-stream, alignment=au")
            : NULL;
  job->caps[LC_MEDIA_AUDIO] = audio_caps != NULL ? gst_caps_ref (audio_caps) : NULL;
  self->generation++;
  self->phase = PHASE_STARTING;
  g_autoptr (GTask) task = g_task_new (self, NULL, on_pipeline_started, NULL);
  g_task_set_task_data (task, job, pipeline_job_free);
  g_task_run_in_thread (task, start_job_run);
}

static gboolean
on_drain_timeout (gpointer user_data)
{
  LcHlsPackager *self = user_data;

  g_warning ("lesson %s: hls: the pipeline did not drain in %d ms; stopped", self->lesson_id,
             DRAIN_TIMEOUT_MS);
  g_clear_pointer (&self->drain_timer, g_source_unref);
  stop_pipeline (self);
  return G_SOURCE_REMOVE;
}

/* Main context. EOS into the pipeline: splitmuxsink closes the last
 * fragment, then the bus says EOS and the pipeline is stopped. */
static void
start_drain (LcHlsPackager *self)
{
  GstAppSrc *src[N_KINDS];

  if (self->phase != PHASE_RUNNING)
    return;
  LC_HLS_LOCK (self);
  for (guint k = 0; k < N_KINDS; k++)
    src[k] = g_steal_pointer (&self->src[k]);
  gboolean fed = self->fed;
  LC_HLS_UNLOCK (self);

  if (!fed)
    {
      /* Nothing went in: nothing to close. */
      for (guint k = 0; k < N_KINDS; k++)
        g_clear_pointer (&src[k], gst_object_unref);
      stop_pipeline (self);
      return;
    }
  self->phase = PHASE_DRAINING;
  for (guint k = 0; k < N_KINDS; k++)
    if (src[k] != NULL)
      {
        gst_app_src_end_of_stream (src[k]);
        gst_object_unref (src[k]);
      }
  self->drain_timer = add_timeout (self, DRAIN_TIMEOUT_MS, on_drain_timeout);
}

/* ---- segments ---- */

static void
on_fragment_opened (LcHlsPackager *self, const char *location, GstClockTime running_time)
{
  GstClockTime *start = g_new (GstClockTime, 1);

  *start = running_time;
  g_hash_table_replace (self->open_fragments, g_strdup (location), start);
}

static void
on_fragment_closed (LcHlsPackager *self, const char *location, GstClockTime running_time)
{
  GstClockTime *start = g_hash_table_lookup (self->open_fragments, location);
  g_autoptr (GError) error = NULL;
  GStatBuf st;

  if (start == NULL || !g_str_has_suffix (location, TMP_SUFFIX))
    {
      g_warning ("lesson %s: hls: unknown fragment %s closed", self->lesson_id, location);
      return;
    }
  GstClockTime begin = *start;
  g_autofree char *final_path = g_strndup (location, strlen (location) - strlen (TMP_SUFFIX));
  g_autofree char *uri = g_path_get_basename (final_path);

  g_hash_table_remove (self->open_fragments, location);
  if (!GST_CLOCK_TIME_IS_VALID (running_time) || !GST_CLOCK_TIME_IS_VALID (begin)
      || running_time <= begin || g_stat (location, &st) != 0 || st.st_size == 0)
    {
      /* Nothing in it (EOS right after a cut): not a segment. */
      GST_DEBUG ("lesson %s: empty fragment %s dropped", self->lesson_id, location);
      g_unlink (location);
      return;
    }
  if (g_rename (location, final_path) != 0)
    {
      int saved = errno;
      g_unlink (location);
      fail (self, "cannot write segment %s: %s", uri, g_strerror (saved));
      return;
    }

  double duration = (double)(running_time - begin) / GST_SECOND;
  lc_playlist_add_segment (self->playlist, uri, duration, FALSE);
  self->segments_written++;
  retire_expired (self);
  if (!write_playlist (self, &error))
    {
      fail (self, "cannot write the playlist: %s", error->message);
      return;
    }
  GST_INFO ("lesson %s: segment %s %.3f s", self->lesson_id, uri, duration);
  if (self->state == LC_HLS_WAITING)
    set_state (self, LC_HLS_LIVE);
}

/* ---- ending ---- */

static void
release_finishing (LcHlsPackager *self)
{
  if (!self->finishing)
    return;
  self->finishing = FALSE;
  g_object_unref (self); /* taken in finish(); may be the last reference */
}

/* Main context, no pipeline. ENDLIST, ENDED. */
static void
complete_finish (LcHlsPackager *self)
{
  g_autoptr (GError) error = NULL;

  lc_source_clear (&self->kind_timer);
  lc_playlist_end (self->playlist);
  remove_retired (self);
  if (self->segments_written > 0 && !write_playlist (self, &error))
    {
      fail (self, "cannot write the playlist: %s", error->message);
      return;
    }
  set_state (self, LC_HLS_ENDED);
  release_finishing (self);
}

/* Main context, no pipeline: the failure is complete. */
static void
complete_failure (LcHlsPackager *self)
{
  lc_source_clear (&self->kind_timer);
  /* Best effort: players stop waiting for segments that will not come. */
  if (self->segments_written > 0)
    {
      lc_playlist_end (self->playlist);
      write_playlist (self, NULL);
    }
  set_state (self, LC_HLS_FAILED);
  release_finishing (self);
}

/* Main context. push() returns FALSE from now on (the channel drops the
 * packager); the state becomes FAILED once the pipeline has stopped. */
static void
fail (LcHlsPackager *self, const char *format, ...)
{
  va_list args;

  if (self->failed || self->state == LC_HLS_ENDED)
    return;
  va_start (args, format);
  g_free (self->error);
  self->error = g_strdup_vprintf (format, args);
  va_end (args);
  g_warning ("lesson %s: hls failed: %s", self->lesson_id, self->error);

  LC_HLS_LOCK (self);
  self->failed = TRUE;
  LC_HLS_UNLOCK (self);

  if (self->phase == PHASE_RUNNING || self->phase == PHASE_DRAINING)
    stop_pipeline (self);
  else if (self->phase == PHASE_NONE)
    complete_failure (self);
  /* STARTING, STOPPING: settle() follows. */
}

/* Main context: no pipeline any more (stopped, or its start failed). */
static void
settle (LcHlsPackager *self)
{
  if (self->failed)
    complete_failure (self);
  else
    {
      reconsider (self);
      check_drained (self);
    }
}

/* ---- bus ---- */

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  LcHlsPackager *self = user_data;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ERROR:
      {
        g_autoptr (GError) error = NULL;
        g_autofree char *debug = NULL;

        gst_message_parse_error (message, &error, &debug);
        GST_WARNING ("lesson %s: %s: %s (%s)", self->lesson_id, GST_OBJECT_NAME (message->src),
                     error->message, debug != NULL ? debug : "");
        fail (self, "%s: %s", GST_OBJECT_NAME (message->src), error->message);
        return G_SOURCE_CONTINUE; /* fail() removed this watch already */
      }
    case GST_MESSAGE_WARNING:
      {
        g_autoptr (GError) error = NULL;

        gst_message_parse_warning (message, &error, NULL);
        g_warning ("lesson %s: hls: %s: %s", self->lesson_id, GST_OBJECT_NAME (message->src),
                   error->message);
        break;
      }
    case GST_MESSAGE_EOS:
      if (self->phase == PHASE_DRAINING)
        stop_pipeline (self);
      return G_SOURCE_CONTINUE; /* the watch is gone */
    case GST_MESSAGE_ELEMENT:
      {
        const GstStructure *s = gst_message_get_structure (message);
        const char *location;
        GstClockTime running_time = GST_CLOCK_TIME_NONE;

        if (s == NULL)
          break;
        location = gst_structure_get_string (s, "location");
        gst_structure_get_clock_time (s, "running-time", &running_time);
        if (location == NULL)
          break;
        if (gst_structure_has_name (s, "splitmuxsink-fragment-opened"))
          on_fragment_opened (self, location, running_time);
        else if (gst_structure_has_name (s, "splitmuxsink-fragment-closed"))
          on_fragment_closed (self, location, running_time);
        break;
      }
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

/* ---- what to run: decided on the main context ---- */

static gboolean
on_kind_timeout (gpointer user_data)
{
  LcHlsPackager *self = user_data;

  g_clear_pointer (&self->kind_timer, g_source_unref);
  self->kind_wait_over = TRUE;
  reconsider (self);
  return G_SOURCE_REMOVE;
}

/* Main context: start, stop or leave the pipeline according to the caps,
 * the publisher and the lesson. */
static void
reconsider (LcHlsPackager *self)
{
  g_autoptr (GstCaps) video = NULL;
  g_autoptr (GstCaps) audio = NULL;

  LC_HLS_LOCK (self);
  self->reconsider_pending = FALSE;
  video = self->caps[LC_MEDIA_VIDEO] != NULL ? gst_caps_ref (self->caps[LC_MEDIA_VIDEO]) : NULL;
  audio = self->caps[LC_MEDIA_AUDIO] != NULL ? gst_caps_ref (self->caps[LC_MEDIA_AUDIO]) : NULL;
  LC_HLS_UNLOCK (self);

  if (self->failed || self->state == LC_HLS_ENDED)
    return;
  if (self->finishing)
    {
      if (self->phase == PHASE_NONE)
        complete_finish (self);
      else
        start_drain (self); /* RUNNING; the other phases settle by themselves */
      return;
    }

  gboolean video_ok = video == NULL || caps_are_h264 (video);
  if (self->phase == PHASE_RUNNING)
    {
      gboolean audio_ok = audio != NULL && caps_are_opus (audio);

      /* A codec the running pipeline cannot take: close it (splitmuxsink
       * would wait for the kind no longer fed). Or a kind it lacks that can
       * be packaged now (video that came after the wait for it: a publisher
       * whose video starts late, a transcoder's first output): close it too,
       * or this session's HLS would never get that kind. Either way the
       * next pipeline is built from the current caps; its first segment is
       * a DISCONTINUITY and starts on a requested keyframe. */
      if ((self->pipeline_kind[LC_MEDIA_VIDEO] && !video_ok)
          || (self->pipeline_kind[LC_MEDIA_AUDIO] && audio != NULL && !audio_ok)
          || (!self->pipeline_kind[LC_MEDIA_VIDEO] && video != NULL && video_ok)
          || (!self->pipeline_kind[LC_MEDIA_AUDIO] && audio_ok))
        {
          GST_INFO ("lesson %s: hls pipeline %u rebuilt for the current caps", self->lesson_id,
                    self->generation);
          start_drain (self);
        }
      return;
    }
  if (self->phase != PHASE_NONE || self->publisher_gone || !self->started)
    return;

  if (!video_ok)
    {
      g_free (self->error);
      self->error = g_strdup_printf (
          "%s video cannot be packaged as HLS without a transcode to H.264, and "
          "transcoding is switched off on this server (media.transcode_vp8 = false); "
          "WebRTC viewers still get the video",
          g_str_equal (caps_name (video), "video/x-vp8") ? "VP8" : caps_name (video));
      set_state (self, LC_HLS_UNAVAILABLE);
      return;
    }
  if (audio != NULL && !caps_are_opus (audio))
    {
      g_warning ("lesson %s: hls: audio %s not supported; packaging video only", self->lesson_id,
                 caps_name (audio));
      g_clear_pointer (&audio, gst_caps_unref);
    }
  if (video == NULL && audio == NULL)
    return;
  if ((video == NULL || audio == NULL) && !self->kind_wait_over)
    {
      /* Usually the other kind follows within milliseconds. */
      if (self->kind_timer == NULL)
        self->kind_timer = add_timeout (self, KIND_WAIT_MS, on_kind_timeout);
      return;
    }
  lc_source_clear (&self->kind_timer);

  if (self->state == LC_HLS_UNAVAILABLE)
    {
      g_clear_pointer (&self->error, g_free);
      set_state (self, self->segments_written > 0 ? LC_HLS_LIVE : LC_HLS_WAITING);
    }
  start_pipeline (self, video, audio);
}

static gboolean
reconsider_cb (gpointer user_data)
{
  reconsider (user_data);
  return G_SOURCE_REMOVE;
}

/* Any thread: run reconsider() on the main context soon (coalesced). */
static void
schedule_reconsider (LcHlsPackager *self)
{
  LC_HLS_LOCK (self);
  gboolean pending = self->reconsider_pending;
  self->reconsider_pending = TRUE;
  LC_HLS_UNLOCK (self);
  if (pending)
    return;

  GSource *source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, reconsider_cb, g_object_ref (self), g_object_unref);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* ---- LcConsumer ---- */

static void
hls_set_caps (LcConsumer *consumer, LcMediaKind kind, GstCaps *caps)
{
  LcHlsPackager *self = LC_HLS_PACKAGER (consumer);
  GstAppSrc *src = NULL;
  gboolean changed;

  if (kind != LC_MEDIA_VIDEO && kind != LC_MEDIA_AUDIO)
    return;
  LC_HLS_LOCK (self);
  changed = self->caps[kind] == NULL || !gst_caps_is_equal (self->caps[kind], caps);
  gst_caps_replace (&self->caps[kind], caps);
  if (changed && self->src[kind] != NULL)
    {
      gboolean usable = kind == LC_MEDIA_VIDEO ? caps_are_h264 (caps) : caps_are_opus (caps);
      if (!usable)
        g_clear_pointer (&self->src[kind], gst_object_unref); /* stop feeding it */
      else if (kind == LC_MEDIA_AUDIO)
        src = GST_APP_SRC (gst_object_ref (self->src[kind])); /* video: see start_pipeline */
    }
  LC_HLS_UNLOCK (self);

  if (!changed)
    return;
  GST_DEBUG ("lesson %s: %s caps %" GST_PTR_FORMAT, self->lesson_id, kind_name (kind), caps);
  if (src != NULL)
    {
      gst_app_src_set_caps (src, caps);
      gst_object_unref (src);
    }
  schedule_reconsider (self);
}

/* Audio that stops while video goes on (a muted microphone with DTX, a
 * publisher without audio packets) would stall splitmuxsink, which waits
 * for every stream to reach the end of each GOP. The gap is filled with
 * Opus silence: one 20 ms packet (TOC 0xf8: CELT fullband, 20 ms, mono, one
 * frame; decoders of any channel count take it), as SFUs do for DTX gaps.
 * Real audio that comes back continues after the filled part. */
static const guint8 opus_silence[] = { 0xf8, 0xff, 0xfe };
#define OPUS_FRAME (20 * GST_MSECOND)
#define AUDIO_STALL (1 * GST_SECOND)       /* audio this far behind video is filled… */
#define AUDIO_FILL_LAG (500 * GST_MSECOND) /* …up to this far behind it */

/* Video streaming thread, after a video buffer at video_pts went in. */
static void
fill_audio_gap (LcHlsPackager *self, GstClockTime video_pts)
{
  GstAppSrc *src = NULL;
  GstClockTime from = GST_CLOCK_TIME_NONE;
  guint64 frames = 0;

  g_mutex_lock (&self->audio_lock);
  LC_HLS_LOCK (self);
  if (self->src[LC_MEDIA_AUDIO] != NULL && GST_CLOCK_TIME_IS_VALID (self->video_start))
    {
      from = GST_CLOCK_TIME_IS_VALID (self->audio_end) ? self->audio_end : self->video_start;
      if (video_pts > from + AUDIO_STALL)
        {
          frames = (video_pts - AUDIO_FILL_LAG - from) / OPUS_FRAME;
          self->audio_end = from + frames * OPUS_FRAME;
          self->last_pts[LC_MEDIA_AUDIO] = self->audio_end - OPUS_FRAME;
          self->silence_frames += frames;
          src = GST_APP_SRC (gst_object_ref (self->src[LC_MEDIA_AUDIO]));
        }
    }
  LC_HLS_UNLOCK (self);

  if (src != NULL)
    {
      GST_INFO ("lesson %s: no audio for %" GST_TIME_FORMAT ": %" G_GUINT64_FORMAT " ms of silence",
                self->lesson_id, GST_TIME_ARGS (video_pts - from), frames * 20);
      for (guint64 i = 0; i < frames; i++)
        {
          GstBuffer *silence = gst_buffer_new_memdup (opus_silence, sizeof opus_silence);

          GST_BUFFER_PTS (silence) = GST_BUFFER_DTS (silence) = from + i * OPUS_FRAME;
          GST_BUFFER_DURATION (silence) = OPUS_FRAME;
          gst_app_src_push_buffer (src, silence);
        }
      gst_object_unref (src);
    }
  g_mutex_unlock (&self->audio_lock);
}

static gboolean
push_buffer (LcHlsPackager *self, LcMediaKind kind, GstBuffer *buffer, GstClockTime pts)
{
  gboolean keyframe = !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  gboolean want_keyframe = FALSE;
  gboolean want_segment_keyframe = FALSE;
  GstAppSrc *src = NULL;

  LC_HLS_LOCK (self);
  if (self->failed)
    {
      LC_HLS_UNLOCK (self);
      return FALSE;
    }
  if (self->src[kind] == NULL || !GST_CLOCK_TIME_IS_VALID (pts))
    goto drop;

  if (kind == LC_MEDIA_VIDEO)
    {
      if (self->waiting_keyframe && !keyframe)
        goto drop;
      /* Timestamps must grow for the muxer; the channel promises it, but a
       * step back here must not stop the pipeline: drop the unit (a decoder
       * shows at worst a glitch until the next keyframe, ≤ one segment). */
      if (GST_CLOCK_TIME_IS_VALID (self->last_pts[kind]) && pts <= self->last_pts[kind])
        goto drop;
      if (self->waiting_keyframe)
        {
          self->waiting_keyframe = FALSE;
          if (!GST_CLOCK_TIME_IS_VALID (self->video_start))
            self->video_start = pts;
        }
      /* Our own clock is the media's: a keyframe request every
       * segment_duration of video. The request-to-keyframe delay is the same
       * each time, so GOPs (and segments) come out segment_duration long;
       * a stalled main loop cannot delay it. */
      GstClockTime period = self->segment_duration * GST_SECOND;
      if (!GST_CLOCK_TIME_IS_VALID (self->next_request) || pts > self->next_request + period)
        self->next_request = pts + period; /* start, or after a hole in the video */
      else if (pts >= self->next_request)
        {
          self->next_request += period;
          want_segment_keyframe = TRUE;
        }
    }
  else
    {
      /* With video, audio starts with the first keyframe (segments begin
       * with both); never before what was already sent. */
      if (self->src[LC_MEDIA_VIDEO] != NULL
          && (!GST_CLOCK_TIME_IS_VALID (self->video_start) || pts < self->video_start))
        goto drop;
      if (GST_CLOCK_TIME_IS_VALID (self->last_pts[kind]) && pts <= self->last_pts[kind])
        goto drop;
      self->audio_end
          = pts
            + (GST_BUFFER_DURATION_IS_VALID (buffer) ? GST_BUFFER_DURATION (buffer) : OPUS_FRAME);
    }

  self->last_pts[kind] = pts;
  self->fed = TRUE;
  src = GST_APP_SRC (gst_object_ref (self->src[kind]));
  LC_HLS_UNLOCK (self);

  /* A full queue means the pipeline is stuck: drop rather than grow. */
  if (gst_app_src_get_current_level_bytes (src) + gst_buffer_get_size (buffer)
      > gst_app_src_get_max_bytes (src))
    {
      gst_object_unref (src);
      LC_HLS_LOCK (self);
      if (kind == LC_MEDIA_VIDEO)
        {
          self->waiting_keyframe = TRUE;
          want_keyframe = TRUE;
        }
      goto drop;
    }

  GstBuffer *copy = gst_buffer_copy (buffer); /* metadata only; memory shared */
  GST_BUFFER_PTS (copy) = pts;
  GST_BUFFER_DTS (copy) = pts; /* WebRTC H.264 has no B-frames */
  /* Flow errors surface on the bus (and fail the packager there). */
  gst_app_src_push_buffer (src, copy);
  gst_object_unref (src);
  if (want_segment_keyframe)
    request_keyframe (self, "hls segment");
  return TRUE;

drop:
  self->dropped[kind]++;
  GST_LOG ("lesson %s: %s %" GST_TIME_FORMAT " dropped (%" G_GUINT64_FORMAT " so far)",
           self->lesson_id, kind_name (kind), GST_TIME_ARGS (pts), self->dropped[kind]);
  LC_HLS_UNLOCK (self);
  if (want_keyframe)
    request_keyframe (self, "hls resync");
  return TRUE;
}

static gboolean
hls_push (LcConsumer *consumer, LcMediaKind kind, GstBuffer *buffer)
{
  LcHlsPackager *self = LC_HLS_PACKAGER (consumer);
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  gboolean ok;

  if (kind != LC_MEDIA_VIDEO && kind != LC_MEDIA_AUDIO)
    return TRUE;
  if (!GST_CLOCK_TIME_IS_VALID (pts))
    pts = GST_BUFFER_DTS (buffer);

  if (kind == LC_MEDIA_AUDIO)
    {
      /* Serialised with the silence filler (both feed the audio appsrc). */
      g_mutex_lock (&self->audio_lock);
      ok = push_buffer (self, kind, buffer, pts);
      g_mutex_unlock (&self->audio_lock);
      return ok;
    }
  if (!au_has_picture (buffer))
    return TRUE; /* parameter sets only: the next IDR carries them again */
  ok = push_buffer (self, kind, buffer, pts);
  if (ok && GST_CLOCK_TIME_IS_VALID (pts))
    fill_audio_gap (self, pts);
  return ok;
}

static void
hls_publisher_gap (LcConsumer *consumer, gboolean gone)
{
  LcHlsPackager *self = LC_HLS_PACKAGER (consumer);

  self->publisher_gone = gone;
  if (gone)
    {
      /* Close the current segment now; the next pipeline's first segment
       * is marked as a discontinuity. */
      lc_source_clear (&self->kind_timer);
      start_drain (self);
      check_drained (self); /* at once when no pipeline ran */
    }
  else
    {
      self->drained = FALSE;
      reconsider (self);
    }
}

static void
hls_finish (LcConsumer *consumer)
{
  LcHlsPackager *self = LC_HLS_PACKAGER (consumer);

  if (self->finishing || self->state == LC_HLS_ENDED || self->state == LC_HLS_FAILED)
    return;
  /* The channel drops its reference right after this: stay alive until
   * the last segment and ENDLIST are written. */
  self->finishing = TRUE;
  g_object_ref (self);
  reconsider (self);
}

static const char *
hls_get_name (LcConsumer *consumer)
{
  return "hls";
}

static void
lc_hls_packager_consumer_init (LcConsumerInterface *iface)
{
  iface->set_caps = hls_set_caps;
  iface->push = hls_push;
  iface->publisher_gap = hls_publisher_gap;
  iface->finish = hls_finish;
  iface->get_name = hls_get_name;
}

/* ---- GObject ---- */

static void
lc_hls_packager_dispose (GObject *object)
{
  LcHlsPackager *self = LC_HLS_PACKAGER (object);
  GstAppSrc *src[N_KINDS];
  GHashTableIter iter;
  gpointer path;

  /* No job is in flight (each holds a reference): stop what runs, here. */
  lc_source_clear (&self->kind_timer);
  lc_source_clear (&self->drain_timer);
  lc_source_clear (&self->bus_source);
  LC_HLS_LOCK (self);
  for (guint k = 0; k < N_KINDS; k++)
    src[k] = g_steal_pointer (&self->src[k]);
  LC_HLS_UNLOCK (self);
  for (guint k = 0; k < N_KINDS; k++)
    g_clear_pointer (&src[k], gst_object_unref);
  if (self->splitmux != NULL)
    g_signal_handlers_disconnect_by_data (self->splitmux, self);
  gst_clear_object (&self->splitmux);
  if (self->pipeline != NULL)
    {
      gst_element_set_state (self->pipeline, GST_STATE_NULL);
      gst_clear_object (&self->pipeline);
    }
  self->phase = PHASE_NONE;
  g_hash_table_iter_init (&iter, self->open_fragments);
  while (g_hash_table_iter_next (&iter, &path, NULL))
    g_unlink (path);
  g_hash_table_remove_all (self->open_fragments);

  G_OBJECT_CLASS (lc_hls_packager_parent_class)->dispose (object);
}

static void
lc_hls_packager_finalize (GObject *object)
{
  LcHlsPackager *self = LC_HLS_PACKAGER (object);

  g_weak_ref_clear (&self->channel);
  g_free (self->lesson_id);
  g_free (self->dir);
  g_free (self->error);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->playlist, lc_playlist_free);
  g_clear_pointer (&self->open_fragments, g_hash_table_unref);
  g_queue_clear_full (&self->retired, g_free);
  for (guint k = 0; k < N_KINDS; k++)
    gst_clear_caps (&self->caps[k]);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->audio_lock);
  G_OBJECT_CLASS (lc_hls_packager_parent_class)->finalize (object);
}

static void
lc_hls_packager_class_init (LcHlsPackagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lc_hls_packager_dispose;
  object_class->finalize = lc_hls_packager_finalize;

  /* "state-changed" (LcHlsState state): main context. The state is passed
   * as a plain int (no enum GType is registered for it). */
  signals[SIGNAL_STATE_CHANGED]
      = g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  /* "drained" (): main context, see lc_hls_packager_is_drained(). */
  signals[SIGNAL_DRAINED] = g_signal_new ("drained", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  GST_DEBUG_CATEGORY_INIT (lc_hls_debug, "lc-hls", 0, "lessoncast HLS packager");
}

static void
lc_hls_packager_init (LcHlsPackager *self)
{
  g_mutex_init (&self->lock);
  g_mutex_init (&self->audio_lock);
  g_weak_ref_init (&self->channel, NULL);
  g_queue_init (&self->retired);
  self->open_fragments = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->state = LC_HLS_WAITING;
  self->video_start = GST_CLOCK_TIME_NONE;
  self->audio_end = GST_CLOCK_TIME_NONE;
  for (guint k = 0; k < N_KINDS; k++)
    self->last_pts[k] = GST_CLOCK_TIME_NONE;
}

LcHlsPackager *
lc_hls_packager_new (LcChannel *channel, const char *dir, guint segment_duration, guint window)
{
  g_return_val_if_fail (LC_IS_CHANNEL (channel), NULL);
  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (segment_duration > 0, NULL);

  LcHlsPackager *self = g_object_new (LC_TYPE_HLS_PACKAGER, NULL);
  g_weak_ref_set (&self->channel, channel);
  self->lesson_id = g_strdup (lc_channel_get_lesson_id (channel));
  self->dir = g_strdup (dir);
  self->segment_duration = segment_duration;
  self->window = window;
  self->context = g_main_context_ref_thread_default ();
  self->playlist = lc_playlist_new (segment_duration, window);
  return self;
}

gboolean
lc_hls_packager_start (LcHlsPackager *hls, GError **error)
{
  g_return_val_if_fail (LC_IS_HLS_PACKAGER (hls), FALSE);
  g_return_val_if_fail (!hls->started, FALSE);

  LcHlsPackager *self = hls;
  g_autoptr (LcChannel) channel = dup_channel (self);

  if (channel == NULL)
    {
      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "lesson %s: the channel is gone",
                    self->lesson_id);
      return FALSE;
    }
  if (!gst_is_initialized () && !gst_init_check (NULL, NULL, error))
    return FALSE;
  if (g_mkdir_with_parents (self->dir, 0755) != 0)
    {
      int saved = errno;
      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot create the HLS directory %s: %s",
                    self->dir, g_strerror (saved));
      fail (self, "cannot create the HLS directory: %s", g_strerror (saved));
      return FALSE;
    }
  remove_stale_files (self);

  /* Requests every segment_duration must not be eaten by the channel's rate
   * limit (≥ 1 s by default): for 1 s segments, let them through at 750 ms. */
  if (self->segment_duration * 1000 < 2000)
    lc_channel_set_keyframe_min_interval (channel, self->segment_duration * 750);

  self->started = TRUE;
  lc_channel_add_consumer (channel, LC_CONSUMER (self));
  return TRUE;
}

LcHlsState
lc_hls_packager_get_state (LcHlsPackager *hls)
{
  g_return_val_if_fail (LC_IS_HLS_PACKAGER (hls), LC_HLS_FAILED);
  return hls->state;
}

const char *
lc_hls_packager_get_error (LcHlsPackager *hls)
{
  g_return_val_if_fail (LC_IS_HLS_PACKAGER (hls), NULL);
  return hls->error;
}

const char *
lc_hls_packager_get_dir (LcHlsPackager *hls)
{
  g_return_val_if_fail (LC_IS_HLS_PACKAGER (hls), NULL);
  return hls->dir;
}

gboolean
lc_hls_packager_is_drained (LcHlsPackager *hls)
{
  g_return_val_if_fail (LC_IS_HLS_PACKAGER (hls), FALSE);
  return hls->drained;
}
