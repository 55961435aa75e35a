/* lc-demo.h — demo data for `serve --demo` and the quick start: schools in
 * several districts, a coordinator and a teacher per school (passwords printed
 * once), and scheduled open lessons over the coming days. Idempotent: does
 * nothing when the store already has schools. */
#pragma once

#include "common/lc-store.h"
#include "common/lc-password.h"

G_BEGIN_DECLS

/* out: where the demo accounts' passwords are listed (nullable). */
gboolean lc_demo_seed (LcStore *store, const LcKdfParams *kdf, gint64 now, GString *out,
                       GError **error);

G_END_DECLS
