/* lc-channel.c — LcChannel: one live lesson's media hub. Rebases publisher
 * timestamps to channel time, keeps the current caps per kind, gates each
 * consumer's video on a keyframe, rate-limits keyframe requests to the
 * publisher and isolates consumers from each other (see lc-channel.h).
 *
 * Locking: `lock` (LC_CHANNEL_LOCK) protects every mutable field of the
 * channel. Consumers are called on a snapshot taken under the lock, never
 * with it held. Each consumer entry has one call lock per media kind, held
 * while set_caps/push run: removing a consumer takes them once, so after
 * lc_channel_remove_consumer() or finish() returns no streaming call is in
 * flight and none follows. Lock order: entry call lock → channel lock.
 * `keyframe_lock` (a read/write lock) keeps the publisher's keyframe function
 * valid while it runs: callers hold it for reading, detaching takes it for
 * writing after clearing the function.
 */
#include "streamer/lc-channel.h"

#include "common/lc-error.h"

GST_DEBUG_CATEGORY_STATIC (lc_channel_debug);
#define GST_CAT_DEFAULT lc_channel_debug

#define LC_CHANNEL_LOCK(c) g_mutex_lock (&(c)->lock)
#define LC_CHANNEL_UNLOCK(c) g_mutex_unlock (&(c)->lock)

#define N_KINDS 2
#define DEFAULT_KEYFRAME_INTERVAL_MS 1000

/* One consumer in the channel (ref-counted: snapshots hold refs). */
typedef struct
{
  LcConsumer *consumer;
  GMutex call_lock[N_KINDS];  /* held while set_caps/push of that kind run */
  guint caps_gen[N_KINDS];    /* caps generation this consumer has seen (call_lock) */
  gint removed;               /* atomic: no more calls */
  gint failed;                /* atomic: push returned FALSE once */
  gint waiting_keyframe;      /* atomic: video starts at the next keyframe */
  gint need_discont[N_KINDS]; /* atomic: its next buffer of the kind gets DISCONT */
} ConsumerEntry;

struct _LcChannel
{
  GObject parent_instance;

  char *lesson_id;
  GMainContext *context;
  GThread *owner; /* the thread that created the channel (runs context) */

  GMutex lock;          /* LC_CHANNEL_LOCK: everything below */
  GPtrArray *consumers; /* ConsumerEntry (rc boxes) */
  gboolean finished;

  gpointer publisher;
  LcKeyframeFunc keyframe_func;
  gpointer keyframe_data;
  gboolean had_publisher; /* a publisher was attached before (for publisher_gap) */

  GstCaps *caps[N_KINDS];
  guint caps_gen[N_KINDS];
  const char *video_codec;

  /* Rebasing: channel ts = publisher ts - epoch_ref + epoch_base. */
  gboolean has_media;
  gboolean epoch_started;  /* the epoch's first buffer has been seen */
  GstClockTime epoch_ref;  /* publisher ts of the epoch's first buffer */
  GstClockTime epoch_base; /* its channel ts */
  GstClockTime last_ts[N_KINDS];
  gboolean discont_pending[N_KINDS];
  GstClockTime position;
  gint64 start_monotonic; /* monotonic µs at channel time 0 */

  /* Keyframe requests. */
  guint keyframe_interval_ms;
  gint64 last_keyframe_request; /* monotonic µs, 0 = never */
  gboolean keyframe_pending;    /* a request was rate-limited: send it when allowed */

  GRWLock keyframe_lock; /* see the top of the file */
};

G_DEFINE_TYPE (LcChannel, lc_channel, G_TYPE_OBJECT)

enum
{
  SIGNAL_MEDIA_STARTED,
  SIGNAL_PUBLISHER_CHANGED,
  SIGNAL_CONSUMER_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *
kind_name (LcMediaKind kind)
{
  return kind == LC_MEDIA_VIDEO ? "video" : "audio";
}

/* ---- consumer entries ---- */

static void
consumer_entry_clear (gpointer data)
{
  ConsumerEntry *entry = data;

  g_clear_object (&entry->consumer);
  for (guint k = 0; k < N_KINDS; k++)
    g_mutex_clear (&entry->call_lock[k]);
}

static ConsumerEntry *
consumer_entry_new (LcConsumer *consumer)
{
  ConsumerEntry *entry = g_atomic_rc_box_new0 (ConsumerEntry);

  entry->consumer = g_object_ref (consumer);
  for (guint k = 0; k < N_KINDS; k++)
    g_mutex_init (&entry->call_lock[k]);
  g_atomic_int_set (&entry->waiting_keyframe, TRUE);
  for (guint k = 0; k < N_KINDS; k++)
    g_atomic_int_set (&entry->need_discont[k], TRUE);
  return entry;
}

static void
consumer_entry_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, consumer_entry_clear);
}

static ConsumerEntry *
consumer_entry_ref (ConsumerEntry *entry)
{
  return g_atomic_rc_box_acquire (entry);
}

/* Mark the entry removed and wait for any set_caps/push in flight. */
static void
consumer_entry_retire (ConsumerEntry *entry)
{
  g_atomic_int_set (&entry->removed, TRUE);
  for (guint k = 0; k < N_KINDS; k++)
    {
      g_mutex_lock (&entry->call_lock[k]);
      g_mutex_unlock (&entry->call_lock[k]);
    }
}

/* Under the lock. (transfer full) a snapshot of the entries. */
static GPtrArray *
snapshot_consumers_locked (LcChannel *self)
{
  GPtrArray *snapshot = g_ptr_array_new_full (self->consumers->len, consumer_entry_unref);

  for (guint i = 0; i < self->consumers->len; i++)
    g_ptr_array_add (snapshot, consumer_entry_ref (g_ptr_array_index (self->consumers, i)));
  return snapshot;
}

/* Under the lock. Index of consumer, or -1. */
static int
find_consumer_locked (LcChannel *self, LcConsumer *consumer)
{
  for (guint i = 0; i < self->consumers->len; i++)
    {
      ConsumerEntry *entry = g_ptr_array_index (self->consumers, i);
      if (entry->consumer == consumer)
        return (int)i;
    }
  return -1;
}

/* ---- signals on the main context ---- */

/* Run func on the channel's context: at once on its thread, else from an
 * idle source. Not g_main_context_invoke_full(): with the global default
 * context, when nobody holds it at that instant, invoke runs func at once
 * on the calling streaming thread. */
static void
run_on_context (LcChannel *self, GSourceFunc func, gpointer data, GDestroyNotify destroy)
{
  if (g_thread_self () == self->owner || g_main_context_is_owner (self->context))
    {
      func (data);
      destroy (data);
      return;
    }

  GSource *source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, destroy);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

typedef struct
{
  LcChannel *channel;
  guint signal;
  gboolean attached;
  LcConsumer *consumer;
} SignalCall;

static void
signal_call_free (gpointer data)
{
  SignalCall *call = data;

  g_clear_object (&call->channel);
  g_clear_object (&call->consumer);
  g_free (call);
}

static gboolean
emit_signal_cb (gpointer data)
{
  SignalCall *call = data;

  switch (call->signal)
    {
    case SIGNAL_MEDIA_STARTED:
      g_signal_emit (call->channel, signals[SIGNAL_MEDIA_STARTED], 0);
      break;
    case SIGNAL_PUBLISHER_CHANGED:
      g_signal_emit (call->channel, signals[SIGNAL_PUBLISHER_CHANGED], 0, call->attached);
      break;
    case SIGNAL_CONSUMER_FAILED:
      g_signal_emit (call->channel, signals[SIGNAL_CONSUMER_FAILED], 0, call->consumer);
      break;
    default:
      break;
    }
  return G_SOURCE_REMOVE;
}

/* Emit a signal on the channel's context (at once when we are on it). */
static void
emit_on_context (LcChannel *self, guint signal, gboolean attached, LcConsumer *consumer)
{
  SignalCall *call = g_new0 (SignalCall, 1);

  call->channel = g_object_ref (self);
  call->signal = signal;
  call->attached = attached;
  call->consumer = consumer != NULL ? g_object_ref (consumer) : NULL;
  run_on_context (self, emit_signal_cb, call, signal_call_free);
}

/* A consumer failed (streaming thread): remove it on the main context. */
typedef struct
{
  LcChannel *channel;
  ConsumerEntry *entry;
} FailCall;

static void
fail_call_free (gpointer data)
{
  FailCall *call = data;

  g_clear_object (&call->channel);
  g_clear_pointer (&call->entry, consumer_entry_unref);
  g_free (call);
}

static gboolean
remove_failed_consumer_cb (gpointer data)
{
  FailCall *call = data;
  LcChannel *self = call->channel;
  gboolean removed;

  LC_CHANNEL_LOCK (self);
  removed = g_ptr_array_remove (self->consumers, call->entry); /* drops the list's ref */
  LC_CHANNEL_UNLOCK (self);

  if (!removed)
    return G_SOURCE_REMOVE; /* removed or finished meanwhile */
  consumer_entry_retire (call->entry);
  g_message ("lesson %s: consumer %s failed; removed, the others go on", self->lesson_id,
             lc_consumer_get_name (call->entry->consumer));
  g_signal_emit (self, signals[SIGNAL_CONSUMER_FAILED], 0, call->entry->consumer);
  return G_SOURCE_REMOVE;
}

static void
report_consumer_failure (LcChannel *self, ConsumerEntry *entry)
{
  if (!g_atomic_int_compare_and_exchange (&entry->failed, FALSE, TRUE))
    return;

  FailCall *call = g_new0 (FailCall, 1);
  call->channel = g_object_ref (self);
  call->entry = consumer_entry_ref (entry);
  run_on_context (self, remove_failed_consumer_cb, call, fail_call_free);
}

/* ---- GObject ---- */

static void
lc_channel_finalize (GObject *object)
{
  LcChannel *self = LC_CHANNEL (object);

  g_clear_pointer (&self->consumers, g_ptr_array_unref);
  for (guint k = 0; k < N_KINDS; k++)
    gst_clear_caps (&self->caps[k]);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->lesson_id);
  g_mutex_clear (&self->lock);
  g_rw_lock_clear (&self->keyframe_lock);

  G_OBJECT_CLASS (lc_channel_parent_class)->finalize (object);
}

static void
lc_channel_class_init (LcChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = lc_channel_finalize;

  signals[SIGNAL_MEDIA_STARTED]
      = g_signal_new ("media-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_PUBLISHER_CHANGED]
      = g_signal_new ("publisher-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                      NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  signals[SIGNAL_CONSUMER_FAILED]
      = g_signal_new ("consumer-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                      NULL, NULL, G_TYPE_NONE, 1, LC_TYPE_CONSUMER);

  GST_DEBUG_CATEGORY_INIT (lc_channel_debug, "lc-channel", 0, "lessoncast channel");
}

static void
lc_channel_init (LcChannel *self)
{
  g_mutex_init (&self->lock);
  g_rw_lock_init (&self->keyframe_lock);
  self->consumers = g_ptr_array_new_with_free_func (consumer_entry_unref);
  self->keyframe_interval_ms = DEFAULT_KEYFRAME_INTERVAL_MS;
  self->position = 0;
  for (guint k = 0; k < N_KINDS; k++)
    self->last_ts[k] = GST_CLOCK_TIME_NONE;
}

LcChannel *
lc_channel_new (const char *lesson_id)
{
  g_return_val_if_fail (lesson_id != NULL, NULL);

  LcChannel *self = g_object_new (LC_TYPE_CHANNEL, NULL);
  self->lesson_id = g_strdup (lesson_id);
  self->context = g_main_context_ref_thread_default ();
  self->owner = g_thread_self ();
  return self;
}

const char *
lc_channel_get_lesson_id (LcChannel *channel)
{
  g_return_val_if_fail (LC_IS_CHANNEL (channel), NULL);
  return channel->lesson_id;
}

/* ---- keyframe requests ---- */

/* Under the lock: may a request go out now? Updates the rate limiter. */
static gboolean
take_keyframe_slot_locked (LcChannel *self, gint64 now)
{
  gint64 interval = (gint64)self->keyframe_interval_ms * 1000;

  if (self->keyframe_func == NULL)
    {
      self->keyframe_pending = TRUE;
      return FALSE;
    }
  if (self->last_keyframe_request != 0 && now - self->last_keyframe_request < interval)
    {
      self->keyframe_pending = TRUE;
      return FALSE;
    }
  self->last_keyframe_request = now;
  self->keyframe_pending = FALSE;
  return TRUE;
}

/* Call the publisher's keyframe function if the rate limiter allows (or,
 * with only_pending, only when an earlier request is still owed). */
static void
send_keyframe_request (LcChannel *self, const char *reason, gboolean only_pending)
{
  LcKeyframeFunc func = NULL;
  gpointer data = NULL;

  g_rw_lock_reader_lock (&self->keyframe_lock);
  LC_CHANNEL_LOCK (self);
  if (!self->finished && (!only_pending || self->keyframe_pending)
      && take_keyframe_slot_locked (self, g_get_monotonic_time ()))
    {
      func = self->keyframe_func;
      data = self->keyframe_data;
    }
  LC_CHANNEL_UNLOCK (self);

  if (func != NULL)
    {
      GST_DEBUG ("lesson %s: keyframe request (%s)", self->lesson_id, reason);
      func (data);
    }
  g_rw_lock_reader_unlock (&self->keyframe_lock);
}

void
lc_channel_request_keyframe (LcChannel *channel, const char *reason)
{
  g_return_if_fail (LC_IS_CHANNEL (channel));
  send_keyframe_request (channel, reason != NULL ? reason : "unspecified", FALSE);
}

void
lc_channel_set_keyframe_min_interval (LcChannel *channel, guint milliseconds)
{
  g_return_if_fail (LC_IS_CHANNEL (channel));

  LC_CHANNEL_LOCK (channel);
  channel->keyframe_interval_ms = milliseconds;
  LC_CHANNEL_UNLOCK (channel);
}

/* ---- publisher side ---- */

gboolean
lc_channel_attach_publisher (LcChannel *channel, gpointer publisher,
                             LcKeyframeFunc request_keyframe, gpointer user_data, GError **error)
{
  g_return_val_if_fail (LC_IS_CHANNEL (channel), FALSE);
  g_return_val_if_fail (publisher != NULL, FALSE);

  LcChannel *self = channel;
  g_autoptr (GPtrArray) snapshot = NULL;
  gboolean reconnect;

  LC_CHANNEL_LOCK (self);
  if (self->finished)
    {
      LC_CHANNEL_UNLOCK (self);
      lc_set_error (error, LC_ERROR_CONFLICT, NULL, "lesson %s: the broadcast has ended",
                    self->lesson_id);
      return FALSE;
    }
  if (self->publisher != NULL)
    {
      gboolean same = self->publisher == publisher;
      LC_CHANNEL_UNLOCK (self);
      lc_set_error (error, LC_ERROR_CONFLICT, NULL,
                    same ? "lesson %s: this publisher is already attached"
                         : "lesson %s: the lesson already has a publisher",
                    self->lesson_id);
      return FALSE;
    }
  self->publisher = publisher;
  self->keyframe_func = request_keyframe;
  self->keyframe_data = user_data;
  reconnect = self->had_publisher;
  self->had_publisher = TRUE;

  /* A new epoch: the next buffer of each kind is DISCONT and continues
   * channel time; every consumer's video restarts at a keyframe. */
  self->epoch_started = FALSE;
  for (guint k = 0; k < N_KINDS; k++)
    self->discont_pending[k] = TRUE;
  self->last_keyframe_request = 0;
  self->keyframe_pending = FALSE;
  for (guint i = 0; i < self->consumers->len; i++)
    {
      ConsumerEntry *entry = g_ptr_array_index (self->consumers, i);
      g_atomic_int_set (&entry->waiting_keyframe, TRUE);
      for (guint k = 0; k < N_KINDS; k++)
        g_atomic_int_set (&entry->need_discont[k], TRUE);
    }
  snapshot = snapshot_consumers_locked (self);
  LC_CHANNEL_UNLOCK (self);

  g_info ("lesson %s: publisher %s", self->lesson_id, reconnect ? "reconnected" : "attached");
  if (reconnect)
    for (guint i = 0; i < snapshot->len; i++)
      {
        ConsumerEntry *entry = g_ptr_array_index (snapshot, i);
        if (!g_atomic_int_get (&entry->removed))
          lc_consumer_publisher_gap (entry->consumer, FALSE);
      }
  emit_on_context (self, SIGNAL_PUBLISHER_CHANGED, TRUE, NULL);
  return TRUE;
}

void
lc_channel_detach_publisher (LcChannel *channel, gpointer publisher)
{
  g_return_if_fail (LC_IS_CHANNEL (channel));

  LcChannel *self = channel;
  g_autoptr (GPtrArray) snapshot = NULL;

  LC_CHANNEL_LOCK (self);
  if (publisher == NULL || self->publisher != publisher)
    {
      LC_CHANNEL_UNLOCK (self);
      return;
    }
  self->publisher = NULL;
  self->keyframe_func = NULL;
  self->keyframe_data = NULL;
  snapshot = snapshot_consumers_locked (self);
  LC_CHANNEL_UNLOCK (self);

  /* Wait for a keyframe function still running on another thread. */
  g_rw_lock_writer_lock (&self->keyframe_lock);
  g_rw_lock_writer_unlock (&self->keyframe_lock);

  g_info ("lesson %s: publisher gone", self->lesson_id);
  for (guint i = 0; i < snapshot->len; i++)
    {
      ConsumerEntry *entry = g_ptr_array_index (snapshot, i);
      if (!g_atomic_int_get (&entry->removed))
        lc_consumer_publisher_gap (entry->consumer, TRUE);
    }
  emit_on_context (self, SIGNAL_PUBLISHER_CHANGED, FALSE, NULL);
}

gboolean
lc_channel_has_publisher (LcChannel *channel)
{
  g_return_val_if_fail (LC_IS_CHANNEL (channel), FALSE);

  LC_CHANNEL_LOCK (channel);
  gboolean has = channel->publisher != NULL;
  LC_CHANNEL_UNLOCK (channel);
  return has;
}

static const char *
codec_of_caps (const GstCaps *caps)
{
  if (caps == NULL || gst_caps_is_empty (caps) || gst_caps_is_any (caps))
    return NULL;

  const char *name = gst_structure_get_name (gst_caps_get_structure (caps, 0));
  if (g_str_equal (name, "video/x-h264"))
    return "h264";
  if (g_str_equal (name, "video/x-vp8"))
    return "vp8";
  return NULL;
}

void
lc_channel_set_caps (LcChannel *channel, LcMediaKind kind, GstCaps *caps)
{
  g_return_if_fail (LC_IS_CHANNEL (channel));
  g_return_if_fail (kind == LC_MEDIA_VIDEO || kind == LC_MEDIA_AUDIO);
  g_return_if_fail (GST_IS_CAPS (caps));

  LC_CHANNEL_LOCK (channel);
  if (channel->caps[kind] == NULL || !gst_caps_is_equal (channel->caps[kind], caps))
    {
      gst_caps_replace (&channel->caps[kind], caps);
      channel->caps_gen[kind]++;
      if (kind == LC_MEDIA_VIDEO)
        channel->video_codec = codec_of_caps (caps);
      GST_DEBUG ("lesson %s: %s caps %" GST_PTR_FORMAT, channel->lesson_id, kind_name (kind), caps);
    }
  LC_CHANNEL_UNLOCK (channel);
}

/* Under the lock: rebase buffer (writable) to channel time. */
static void
rebase_locked (LcChannel *self, LcMediaKind kind, GstBuffer *buffer)
{
  GstClockTime ts = GST_BUFFER_PTS (buffer);
  GstClockTime out;

  if (!GST_CLOCK_TIME_IS_VALID (ts))
    ts = GST_BUFFER_DTS (buffer);

  if (!self->epoch_started)
    {
      gint64 now = g_get_monotonic_time ();

      if (!self->has_media)
        {
          self->epoch_base = 0;
          self->start_monotonic = now;
        }
      else
        {
          /* Continue channel time: past the newest buffer, and keep up with
           * the wall clock so a live consumer's timeline follows real time. */
          GstClockTime elapsed = (GstClockTime)MAX (now - self->start_monotonic, 0) * GST_USECOND;
          self->epoch_base = MAX (self->position + GST_MSECOND, elapsed);
        }
      self->epoch_ref = GST_CLOCK_TIME_IS_VALID (ts) ? ts : 0;
      self->epoch_started = TRUE;
    }

  if (!GST_CLOCK_TIME_IS_VALID (ts))
    out = GST_CLOCK_TIME_IS_VALID (self->last_ts[kind]) ? self->last_ts[kind] : self->epoch_base;
  else if (ts < self->epoch_ref)
    out = self->epoch_base; /* the other kind started later in publisher time */
  else
    out = ts - self->epoch_ref + self->epoch_base;

  /* Never go back within a kind (muxers refuse it). */
  if (GST_CLOCK_TIME_IS_VALID (self->last_ts[kind]) && out < self->last_ts[kind])
    out = self->last_ts[kind];
  self->last_ts[kind] = out;
  if (out > self->position)
    self->position = out;

  GST_BUFFER_PTS (buffer) = out;
  GST_BUFFER_DTS (buffer) = out;
  if (self->discont_pending[kind])
    {
      GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
      self->discont_pending[kind] = FALSE;
    }
  else
    GST_BUFFER_FLAG_UNSET (buffer, GST_BUFFER_FLAG_DISCONT);
}

/* Feed one consumer (its call lock held). FALSE when it failed just now;
 * *waiting set when it still waits for a keyframe. */
static gboolean
feed_consumer (ConsumerEntry *entry, LcMediaKind kind, GstBuffer *buffer, GstCaps *caps,
               guint caps_gen, gboolean keyframe, gboolean *waiting)
{
  if (g_atomic_int_get (&entry->removed) || g_atomic_int_get (&entry->failed))
    return TRUE;

  if (kind == LC_MEDIA_VIDEO && g_atomic_int_get (&entry->waiting_keyframe))
    {
      if (!keyframe)
        {
          *waiting = TRUE;
          return TRUE;
        }
      g_atomic_int_set (&entry->waiting_keyframe, FALSE);
    }

  if (caps != NULL && entry->caps_gen[kind] != caps_gen)
    {
      lc_consumer_set_caps (entry->consumer, kind, caps);
      entry->caps_gen[kind] = caps_gen;
    }

  /* The first buffer a consumer gets after joining or after a gap is
   * DISCONT, even when the epoch's first buffer went only to others. */
  if (g_atomic_int_compare_and_exchange (&entry->need_discont[kind], TRUE, FALSE)
      && !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DISCONT))
    {
      g_autoptr (GstBuffer) marked = gst_buffer_copy (buffer);
      GST_BUFFER_FLAG_SET (marked, GST_BUFFER_FLAG_DISCONT);
      return lc_consumer_push (entry->consumer, kind, marked);
    }
  return lc_consumer_push (entry->consumer, kind, buffer);
}

void
lc_channel_push (LcChannel *channel, LcMediaKind kind, GstBuffer *buffer)
{
  g_return_if_fail (LC_IS_CHANNEL (channel));
  g_return_if_fail (kind == LC_MEDIA_VIDEO || kind == LC_MEDIA_AUDIO);
  g_return_if_fail (GST_IS_BUFFER (buffer));

  LcChannel *self = channel;
  g_autoptr (GstBuffer) out = NULL;
  g_autoptr (GPtrArray) snapshot = NULL;
  g_autoptr (GstCaps) caps = NULL;
  guint caps_gen;
  gboolean first_media = FALSE;
  gboolean keyframe;
  gboolean keyframe_owed;

  LC_CHANNEL_LOCK (self);
  if (self->finished || self->publisher == NULL)
    {
      LC_CHANNEL_UNLOCK (self);
      return; /* a stray buffer of a publisher that is gone */
    }
  out = gst_buffer_copy (buffer); /* metadata copy, memory shared */
  rebase_locked (self, kind, out);
  if (!self->has_media)
    {
      self->has_media = TRUE;
      first_media = TRUE;
    }
  keyframe = kind == LC_MEDIA_VIDEO && !GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DELTA_UNIT);
  if (keyframe)
    self->keyframe_pending = FALSE; /* whoever waited gets this one */
  keyframe_owed = self->keyframe_pending;
  caps = self->caps[kind] != NULL ? gst_caps_ref (self->caps[kind]) : NULL;
  caps_gen = self->caps_gen[kind];
  snapshot = snapshot_consumers_locked (self);
  LC_CHANNEL_UNLOCK (self);

  if (first_media)
    {
      g_info ("lesson %s: first media (%s)", self->lesson_id, kind_name (kind));
      emit_on_context (self, SIGNAL_MEDIA_STARTED, FALSE, NULL);
    }

  gboolean waiting = FALSE;
  for (guint i = 0; i < snapshot->len; i++)
    {
      ConsumerEntry *entry = g_ptr_array_index (snapshot, i);
      gboolean ok;

      g_mutex_lock (&entry->call_lock[kind]);
      ok = feed_consumer (entry, kind, out, caps, caps_gen, keyframe, &waiting);
      g_mutex_unlock (&entry->call_lock[kind]);
      /* Reported with the call lock released: on the main thread the removal
       * runs at once and waits for that lock. */
      if (!ok)
        report_consumer_failure (self, entry);
    }

  /* A request that the rate limiter held back goes out once allowed; a
   * consumer still waiting for a keyframe asks again (a PLI can be lost),
   * at most once per interval. */
  if (keyframe_owed)
    send_keyframe_request (self, "deferred", TRUE);
  else if (waiting)
    send_keyframe_request (self, "consumer still waiting", FALSE);
}

/* ---- consumers ---- */

void
lc_channel_add_consumer (LcChannel *channel, LcConsumer *consumer)
{
  g_return_if_fail (LC_IS_CHANNEL (channel));
  g_return_if_fail (LC_IS_CONSUMER (consumer));

  LcChannel *self = channel;
  GstCaps *caps[N_KINDS] = { NULL, NULL };
  guint gens[N_KINDS];
  gboolean publisher_gone;
  ConsumerEntry *entry;

  LC_CHANNEL_LOCK (self);
  if (self->finished || find_consumer_locked (self, consumer) >= 0)
    {
      LC_CHANNEL_UNLOCK (self);
      return;
    }
  for (guint k = 0; k < N_KINDS; k++)
    {
      caps[k] = self->caps[k] != NULL ? gst_caps_ref (self->caps[k]) : NULL;
      gens[k] = self->caps_gen[k];
    }
  publisher_gone = self->had_publisher && self->publisher == NULL;
  LC_CHANNEL_UNLOCK (self);

  /* Not in the list yet: no streaming call can race these. */
  entry = consumer_entry_new (consumer);
  for (guint k = 0; k < N_KINDS; k++)
    if (caps[k] != NULL)
      {
        lc_consumer_set_caps (consumer, (LcMediaKind)k, caps[k]);
        entry->caps_gen[k] = gens[k];
        gst_caps_unref (caps[k]);
      }
  if (publisher_gone)
    lc_consumer_publisher_gap (consumer, TRUE);

  LC_CHANNEL_LOCK (self);
  if (self->finished)
    {
      LC_CHANNEL_UNLOCK (self);
      consumer_entry_unref (entry);
      return;
    }
  g_ptr_array_add (self->consumers, entry);
  guint count = self->consumers->len;
  LC_CHANNEL_UNLOCK (self);

  g_info ("lesson %s: consumer %s added (%u)", self->lesson_id, lc_consumer_get_name (consumer),
          count);
  send_keyframe_request (self, "consumer joined", FALSE);
}

void
lc_channel_remove_consumer (LcChannel *channel, LcConsumer *consumer)
{
  g_return_if_fail (LC_IS_CHANNEL (channel));
  g_return_if_fail (LC_IS_CONSUMER (consumer));

  LcChannel *self = channel;
  ConsumerEntry *entry = NULL;

  LC_CHANNEL_LOCK (self);
  int index = find_consumer_locked (self, consumer);
  if (index >= 0)
    entry = g_ptr_array_steal_index (self->consumers, (guint)index);
  LC_CHANNEL_UNLOCK (self);

  if (entry == NULL)
    return;
  consumer_entry_retire (entry);
  g_info ("lesson %s: consumer %s removed", self->lesson_id, lc_consumer_get_name (consumer));
  consumer_entry_unref (entry);
}

guint
lc_channel_get_consumer_count (LcChannel *channel)
{
  g_return_val_if_fail (LC_IS_CHANNEL (channel), 0);

  LC_CHANNEL_LOCK (channel);
  guint count = channel->consumers->len;
  LC_CHANNEL_UNLOCK (channel);
  return count;
}

/* ---- state ---- */

GstCaps *
lc_channel_dup_caps (LcChannel *channel, LcMediaKind kind)
{
  g_return_val_if_fail (LC_IS_CHANNEL (channel), NULL);
  g_return_val_if_fail (kind == LC_MEDIA_VIDEO || kind == LC_MEDIA_AUDIO, NULL);

  LC_CHANNEL_LOCK (channel);
  GstCaps *caps = channel->caps[kind] != NULL ? gst_caps_ref (channel->caps[kind]) : NULL;
  LC_CHANNEL_UNLOCK (channel);
  return caps;
}

const char *
lc_channel_get_video_codec (LcChannel *channel)
{
  g_return_val_if_fail (LC_IS_CHANNEL (channel), NULL);

  LC_CHANNEL_LOCK (channel);
  const char *codec = channel->video_codec; /* static strings */
  LC_CHANNEL_UNLOCK (channel);
  return codec;
}

gboolean
lc_channel_has_media (LcChannel *channel)
{
  g_return_val_if_fail (LC_IS_CHANNEL (channel), FALSE);

  LC_CHANNEL_LOCK (channel);
  gboolean has = channel->has_media;
  LC_CHANNEL_UNLOCK (channel);
  return has;
}

GstClockTime
lc_channel_get_position (LcChannel *channel)
{
  g_return_val_if_fail (LC_IS_CHANNEL (channel), 0);

  LC_CHANNEL_LOCK (channel);
  GstClockTime position = channel->position;
  LC_CHANNEL_UNLOCK (channel);
  return position;
}

void
lc_channel_finish (LcChannel *channel)
{
  g_return_if_fail (LC_IS_CHANNEL (channel));

  LcChannel *self = channel;
  g_autoptr (GPtrArray) entries = NULL;

  LC_CHANNEL_LOCK (self);
  if (self->finished)
    {
      LC_CHANNEL_UNLOCK (self);
      return;
    }
  self->finished = TRUE;
  /* The publisher is let go silently: the lesson is over, no grace period. */
  self->publisher = NULL;
  self->keyframe_func = NULL;
  self->keyframe_data = NULL;
  entries = g_steal_pointer (&self->consumers);
  self->consumers = g_ptr_array_new_with_free_func (consumer_entry_unref);
  LC_CHANNEL_UNLOCK (self);

  g_rw_lock_writer_lock (&self->keyframe_lock);
  g_rw_lock_writer_unlock (&self->keyframe_lock);

  g_info ("lesson %s: channel finished (%u consumers)", self->lesson_id, entries->len);
  for (guint i = 0; i < entries->len; i++)
    {
      ConsumerEntry *entry = g_ptr_array_index (entries, i);

      consumer_entry_retire (entry);
      lc_consumer_finish (entry->consumer);
    }
}
