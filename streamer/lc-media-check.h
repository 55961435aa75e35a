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

/* The names checked, NULL-terminated (transfer none, static). */
const char *const *lc_media_required_elements (void);

/* One line for logs and `admin check`: "GStreamer 1.22.0: all 19 elements
 * present" or "GStreamer 1.22.0: missing x264enc, avenc_aac (install …)".
 * (transfer full) */
char *lc_media_describe (void);

G_END_DECLS
