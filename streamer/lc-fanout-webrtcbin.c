/* lc-fanout-webrtcbin.c — the first LcFanout: one webrtcbin pipeline per WHEP
 * viewer (LcWhepViewer, lc-whep-viewer.c), each a consumer of the channel.
 * The fan-out keeps the list of live viewers, enforces max_viewers, drops a
 * viewer as soon as it goes FAILED (ICE failure, connect or RTCP timeout,
 * broken pipeline) or CLOSED, and reports the count ("viewer-count-changed").
 *
 * Properties (construct or later; they apply to viewers added afterwards):
 *   "rtcp-timeout"    guint ms without RTCP from a connected viewer before it
 *                     is reaped (default 15000)
 *   "connect-timeout" guint ms from the answer to a working connection
 *                     (default 30000)
 * Main context only. */
#include "streamer/lc-fanout.h"

#include "common/lc-error.h"
#include "streamer/lc-whep-viewer.h"

#define DEFAULT_RTCP_TIMEOUT_MS 15000
#define DEFAULT_CONNECT_TIMEOUT_MS 30000

#define LC_TYPE_FANOUT_WEBRTCBIN (lc_fanout_webrtcbin_get_type ())
G_DECLARE_FINAL_TYPE (LcFanoutWebrtcbin, lc_fanout_webrtcbin, LC, FANOUT_WEBRTCBIN, GObject)

struct _LcFanoutWebrtcbin
{
  GObject parent_instance;

  LcChannel *channel;
  LcIceConfig *ice;
  guint max_viewers;
  guint rtcp_timeout_ms;
  guint connect_timeout_ms;
  GPtrArray *viewers; /* LcWhepViewer (refs), live ones only */
};

static void lc_fanout_webrtcbin_iface_init (LcFanoutInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LcFanoutWebrtcbin, lc_fanout_webrtcbin, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LC_TYPE_FANOUT,
                                                      lc_fanout_webrtcbin_iface_init))

enum
{
  PROP_0,
  PROP_RTCP_TIMEOUT,
  PROP_CONNECT_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
emit_count (LcFanoutWebrtcbin *self)
{
  g_signal_emit_by_name (self, "viewer-count-changed", self->viewers->len);
}

static void
on_viewer_state_changed (LcWebrtcSession *session, int state, gpointer user_data)
{
  LcFanoutWebrtcbin *self = user_data;

  if (state != LC_SESSION_FAILED && state != LC_SESSION_CLOSED)
    return;
  g_signal_handlers_disconnect_by_data (session, self);
  /* The emission holds a reference on the viewer: dropping ours is safe. */
  if (g_ptr_array_remove (self->viewers, session))
    {
      g_info ("lesson %s: %s %s, %u viewer(s) left", lc_channel_get_lesson_id (self->channel),
              lc_whep_viewer_get_name (LC_WHEP_VIEWER (session)),
              state == LC_SESSION_FAILED ? "reaped" : "left", self->viewers->len);
      emit_count (self);
    }
}

static LcWebrtcSession *
fanout_add_viewer (LcFanout *fanout, GError **error)
{
  LcFanoutWebrtcbin *self = LC_FANOUT_WEBRTCBIN (fanout);
  LcWhepViewer *viewer;

  if (self->max_viewers > 0 && self->viewers->len >= self->max_viewers)
    {
      lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL,
                    "this lesson has reached its limit of %u WebRTC viewers; try HLS",
                    self->max_viewers);
      if (error != NULL && *error != NULL)
        lc_error_set_retry_after (*error, 30);
      return NULL;
    }
  viewer = lc_whep_viewer_new (self->channel, self->ice, self->rtcp_timeout_ms,
                               self->connect_timeout_ms);
  g_signal_connect (viewer, "state-changed", G_CALLBACK (on_viewer_state_changed), self);
  g_ptr_array_add (self->viewers, g_object_ref (viewer));
  emit_count (self);
  return LC_WEBRTC_SESSION (viewer);
}

static guint
fanout_get_viewer_count (LcFanout *fanout)
{
  return LC_FANOUT_WEBRTCBIN (fanout)->viewers->len;
}

static void
fanout_close_all (LcFanout *fanout)
{
  LcFanoutWebrtcbin *self = LC_FANOUT_WEBRTCBIN (fanout);
  g_autoptr (GPtrArray) viewers = NULL;

  if (self->viewers->len == 0)
    return;
  viewers = g_steal_pointer (&self->viewers);
  self->viewers = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < viewers->len; i++)
    {
      LcWebrtcSession *viewer = g_ptr_array_index (viewers, i);

      g_signal_handlers_disconnect_by_data (viewer, self);
      lc_webrtc_session_close (viewer);
    }
  g_info ("lesson %s: closed %u viewer(s)", lc_channel_get_lesson_id (self->channel), viewers->len);
  emit_count (self);
}

static void
lc_fanout_webrtcbin_iface_init (LcFanoutInterface *iface)
{
  iface->add_viewer = fanout_add_viewer;
  iface->get_viewer_count = fanout_get_viewer_count;
  iface->close_all = fanout_close_all;
}

static void
lc_fanout_webrtcbin_set_property (GObject *object, guint prop_id, const GValue *value,
                                  GParamSpec *pspec)
{
  LcFanoutWebrtcbin *self = LC_FANOUT_WEBRTCBIN (object);

  switch (prop_id)
    {
    case PROP_RTCP_TIMEOUT:
      self->rtcp_timeout_ms = g_value_get_uint (value);
      break;
    case PROP_CONNECT_TIMEOUT:
      self->connect_timeout_ms = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
    }
}

static void
lc_fanout_webrtcbin_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LcFanoutWebrtcbin *self = LC_FANOUT_WEBRTCBIN (object);

  switch (prop_id)
    {
    case PROP_RTCP_TIMEOUT:
      g_value_set_uint (value, self->rtcp_timeout_ms);
      break;
    case PROP_CONNECT_TIMEOUT:
      g_value_set_uint (value, self->connect_timeout_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
    }
}

static void
lc_fanout_webrtcbin_dispose (GObject *object)
{
  LcFanoutWebrtcbin *self = LC_FANOUT_WEBRTCBIN (object);

  if (self->viewers != NULL)
    {
      /* Viewers still referenced elsewhere go on; they no longer report here. */
      for (guint i = 0; i < self->viewers->len; i++)
        {
          LcWebrtcSession *viewer = g_ptr_array_index (self->viewers, i);

          g_signal_handlers_disconnect_by_data (viewer, self);
          lc_webrtc_session_close (viewer);
        }
      g_clear_pointer (&self->viewers, g_ptr_array_unref);
    }
  G_OBJECT_CLASS (lc_fanout_webrtcbin_parent_class)->dispose (object);
}

static void
lc_fanout_webrtcbin_finalize (GObject *object)
{
  LcFanoutWebrtcbin *self = LC_FANOUT_WEBRTCBIN (object);

  g_clear_object (&self->channel);
  g_clear_pointer (&self->ice, lc_ice_config_free);
  G_OBJECT_CLASS (lc_fanout_webrtcbin_parent_class)->finalize (object);
}

static void
lc_fanout_webrtcbin_class_init (LcFanoutWebrtcbinClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->set_property = lc_fanout_webrtcbin_set_property;
  object_class->get_property = lc_fanout_webrtcbin_get_property;
  object_class->dispose = lc_fanout_webrtcbin_dispose;
  object_class->finalize = lc_fanout_webrtcbin_finalize;

  properties[PROP_RTCP_TIMEOUT] = g_param_spec_uint (
      "rtcp-timeout", "RTCP timeout", "ms without RTCP before a connected viewer is reaped", 100,
      G_MAXUINT, DEFAULT_RTCP_TIMEOUT_MS, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONNECT_TIMEOUT] = g_param_spec_uint (
      "connect-timeout", "Connect timeout", "ms from the answer to a working connection", 100,
      G_MAXUINT, DEFAULT_CONNECT_TIMEOUT_MS, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lc_fanout_webrtcbin_init (LcFanoutWebrtcbin *self)
{
  self->viewers = g_ptr_array_new_with_free_func (g_object_unref);
  self->rtcp_timeout_ms = DEFAULT_RTCP_TIMEOUT_MS;
  self->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
}

LcFanout *
lc_fanout_webrtcbin_new (LcChannel *channel, const LcIceConfig *ice, guint max_viewers)
{
  g_return_val_if_fail (LC_IS_CHANNEL (channel), NULL);

  LcFanoutWebrtcbin *self = g_object_new (LC_TYPE_FANOUT_WEBRTCBIN, NULL);
  self->channel = g_object_ref (channel);
  self->ice = ice != NULL ? lc_ice_config_copy (ice) : g_new0 (LcIceConfig, 1);
  self->max_viewers = max_viewers;
  return LC_FANOUT (self);
}
