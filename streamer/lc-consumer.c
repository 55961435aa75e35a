/* lc-consumer.c — the LcConsumer interface (what a channel feeds) and its
 * dispatch wrappers. See lc-consumer.h for the threading contract. */
#include "streamer/lc-consumer.h"

G_DEFINE_INTERFACE (LcConsumer, lc_consumer, G_TYPE_OBJECT)

static void
lc_consumer_default_init (LcConsumerInterface *iface)
{
  (void)iface;
}

void
lc_consumer_set_caps (LcConsumer *consumer, LcMediaKind kind, GstCaps *caps)
{
  g_return_if_fail (LC_IS_CONSUMER (consumer));
  g_return_if_fail (GST_IS_CAPS (caps));

  LcConsumerInterface *iface = LC_CONSUMER_GET_IFACE (consumer);
  if (iface->set_caps != NULL)
    iface->set_caps (consumer, kind, caps);
}

gboolean
lc_consumer_push (LcConsumer *consumer, LcMediaKind kind, GstBuffer *buffer)
{
  g_return_val_if_fail (LC_IS_CONSUMER (consumer), FALSE);
  g_return_val_if_fail (GST_IS_BUFFER (buffer), FALSE);

  LcConsumerInterface *iface = LC_CONSUMER_GET_IFACE (consumer);
  if (iface->push == NULL)
    return TRUE;
  return iface->push (consumer, kind, buffer);
}

void
lc_consumer_publisher_gap (LcConsumer *consumer, gboolean gone)
{
  g_return_if_fail (LC_IS_CONSUMER (consumer));

  LcConsumerInterface *iface = LC_CONSUMER_GET_IFACE (consumer);
  if (iface->publisher_gap != NULL)
    iface->publisher_gap (consumer, gone);
}

void
lc_consumer_finish (LcConsumer *consumer)
{
  g_return_if_fail (LC_IS_CONSUMER (consumer));

  LcConsumerInterface *iface = LC_CONSUMER_GET_IFACE (consumer);
  if (iface->finish != NULL)
    iface->finish (consumer);
}

const char *
lc_consumer_get_name (LcConsumer *consumer)
{
  g_return_val_if_fail (LC_IS_CONSUMER (consumer), NULL);

  LcConsumerInterface *iface = LC_CONSUMER_GET_IFACE (consumer);
  if (iface->get_name != NULL)
    return iface->get_name (consumer);
  return G_OBJECT_TYPE_NAME (consumer);
}
