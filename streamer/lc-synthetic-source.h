/* lc-synthetic-source.h — a synthetic publisher (test pattern with a clock
 * overlay + a tone, H.264 + Opus encoded in-process) that feeds a channel like
 * a real one: the demo lesson of `serve --demo`, and a media source for tests
 * of consumers. Honours keyframe requests. */
#pragma once

#include "lc-channel.h"

G_BEGIN_DECLS

#define LC_TYPE_SYNTHETIC_SOURCE (lc_synthetic_source_get_type ())
G_DECLARE_FINAL_TYPE (LcSyntheticSource, lc_synthetic_source, LC, SYNTHETIC_SOURCE, GObject)

/* width/height/fps of the video, e.g. 640x360@25; text overlaid (nullable). */
LcSyntheticSource *lc_synthetic_source_new (LcChannel *channel, guint width, guint height, guint fps,
                                            const char *text);
/* Attach as the channel's publisher and start producing. */
gboolean lc_synthetic_source_start (LcSyntheticSource *source, GError **error);
/* Stop producing and detach (a "publisher drop"). */
void lc_synthetic_source_stop (LcSyntheticSource *source);

G_END_DECLS
