/* lc-admin.h — `lessoncast admin …`: operator tasks without HTTP.
 *   create-operator LOGIN [--display-name NAME]   (password read from stdin or generated)
 *   reset-password LOGIN                           (new password printed; sessions revoked)
 *   list-accounts [--role R] [--school ID]
 *   migrate                                        (apply pending migrations)
 *   check                                          (PRAGMA integrity_check, schema version, media plugins)
 * Exit codes: 0 ok, 1 failure, 2 usage/config error. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

int lc_admin_main (int argc, char **argv);

G_END_DECLS
