/* lc-demo.h — demo data for `serve --demo` and the quick start: schools in
 * several districts, a coordinator and a teacher per school (passwords printed
 * once), and scheduled open lessons over the coming days. Idempotent: does
 * nothing when the store already has schools. Plus the demo broadcast: one
 * public lesson that LcApp makes live at once with the synthetic source. */
#pragma once

#include "common/lc-store.h"
#include "common/lc-password.h"

G_BEGIN_DECLS

/* out: where the demo accounts' passwords are listed (nullable). */
gboolean lc_demo_seed (LcStore *store, const LcKdfParams *kdf, gint64 now, GString *out,
                       GError **error);

/* The demo broadcast's lesson (a fixed id), public, recording off, taught by
 * the first demo school's teacher: created if missing, otherwise rescheduled
 * to start now and last duration seconds. (transfer full) the lesson; NULL
 * without an error when the demo teacher does not exist (the store was not
 * seeded by lc_demo_seed), NULL with an error on a store failure. */
#define LC_DEMO_LIVE_LESSON_ID "demo_live_lesson_00001"
LcLesson *lc_demo_live_lesson (LcStore *store, gint64 now, gint64 duration, GError **error);

G_END_DECLS
