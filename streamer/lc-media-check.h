/* lc-media-check.h — checks that the GStreamer elements the media path needs
 * (WebRTC ingest/fan-out, HLS, recording, test sources) are installed, so the
 * daemon can say at start-up and in `lessoncast admin check` what is missing. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Initialise GStreamer if needed (gst_init_check) and look up every element
 * factory the media path needs. Returns TRUE when all are present.
 * missing: (out) (optional) (transfer full): the names of the missing
 * factories (char *, g_free'd by the array); empty when all are present.
 * When GStreamer cannot be initialised every factory is reported missing. */
gboolean lc_media_check_plugins (GPtrArray **missing);

/* One line for logs and `admin check` (runs the check itself):
 * "GStreamer 1.22.0: all 19 elements present", or
 * "GStreamer 1.22.0: missing 1 of 19 elements: x264enc (install: gstreamer1.0-plugins-ugly)",
 * or "GStreamer could not be initialised: …". (transfer full) */
char *lc_media_describe (void);

G_END_DECLS
