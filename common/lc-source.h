/* lc-source.h — helpers for GSources the code keeps a pointer to (timers,
 * idles attached to a specific main context). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Destroy and unref *source and set it to NULL; nothing when it is NULL. */
void lc_source_clear (GSource **source);

G_END_DECLS
