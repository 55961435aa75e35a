/* lc-fanout.c — the LcFanout interface (the WHEP delivery data plane) and its
 * thin wrappers. Implementations: lc-fanout-webrtcbin.c. */
#include "streamer/lc-fanout.h"

G_DEFINE_INTERFACE (LcFanout, lc_fanout, G_TYPE_OBJECT)

static void
lc_fanout_default_init (LcFanoutInterface *iface)
{
  /* "viewer-count-changed" (guint count), on the main context. */
  g_signal_new ("viewer-count-changed", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL,
                NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

LcWebrtcSession *
lc_fanout_add_viewer (LcFanout *fanout, GError **error)
{
  LcFanoutInterface *iface;

  g_return_val_if_fail (LC_IS_FANOUT (fanout), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  iface = LC_FANOUT_GET_IFACE (fanout);
  g_return_val_if_fail (iface->add_viewer != NULL, NULL);
  return iface->add_viewer (fanout, error);
}

guint
lc_fanout_get_viewer_count (LcFanout *fanout)
{
  LcFanoutInterface *iface;

  g_return_val_if_fail (LC_IS_FANOUT (fanout), 0);

  iface = LC_FANOUT_GET_IFACE (fanout);
  g_return_val_if_fail (iface->get_viewer_count != NULL, 0);
  return iface->get_viewer_count (fanout);
}

void
lc_fanout_close_all (LcFanout *fanout)
{
  LcFanoutInterface *iface;

  g_return_if_fail (LC_IS_FANOUT (fanout));

  iface = LC_FANOUT_GET_IFACE (fanout);
  if (iface->close_all != NULL)
    iface->close_all (fanout);
}
