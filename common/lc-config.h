/* lc-config.h — configuration described by one static table.
 *
 * Every key lives in a keyfile group ("[server] listen = …") and is named
 * "group.key" on the command line (`--set server.listen=0.0.0.0:8080`). The
 * table gives each key's type, default, bounds and help; the same table
 * produces validation messages, the commented sample config
 * (lessoncast.conf.sample) and the table in docs/config.md (a test checks both
 * are current).
 *
 * The keys, their types, defaults and bounds are the table in lc-config.c;
 * docs/config.md and lessoncast.conf.sample are generated from it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  LC_CONFIG_STRING,
  LC_CONFIG_PATH,
  LC_CONFIG_ADDRESS, /* "host:port" or "[v6]:port", port 0..65535 */
  LC_CONFIG_INT,
  LC_CONFIG_BOOL,
  LC_CONFIG_ENUM,
} LcConfigType;

typedef struct
{
  const char *group;
  const char *key;
  LcConfigType type;
  const char *default_value;
  gint64 min, max;            /* LC_CONFIG_INT */
  const char *const *choices; /* LC_CONFIG_ENUM, NULL-terminated */
  const char *help;           /* one or two sentences, English */
} LcConfigKey;

/* The table, in documentation order. */
const LcConfigKey *lc_config_keys (gsize *n_keys);

typedef struct _LcConfig LcConfig;

/* A config holding every default. */
LcConfig *lc_config_new (void);
LcConfig *lc_config_ref (LcConfig *config);
void lc_config_unref (LcConfig *config);

/* Load a keyfile. Unknown groups/keys and invalid values fail with
 * LC_ERROR_CONFIG and a message naming "group.key", the bad value and the
 * allowed values/bounds. */
gboolean lc_config_load_file (LcConfig *config, const char *path, GError **error);

/* Override one key: name is "group.key", value as in the keyfile. */
gboolean lc_config_set (LcConfig *config, const char *name, const char *value, GError **error);
/* Parse "group.key=value" (from --set). */
gboolean lc_config_set_assignment (LcConfig *config, const char *assignment, GError **error);

/* Cross-key checks (e.g. tls_certificate without tls_key). */
gboolean lc_config_validate (LcConfig *config, GError **error);

/* Getters by "group.key"; an unknown name or wrong type is a programmer error
 * (g_return_val_if_fail). Strings are transfer none, never NULL ("" when unset). */
const char *lc_config_get_string (LcConfig *config, const char *name);
gint64 lc_config_get_int (LcConfig *config, const char *name);
gboolean lc_config_get_bool (LcConfig *config, const char *name);

/* Split an address value into host and port. */
gboolean lc_config_parse_address (const char *value, char **host, guint16 *port, GError **error);

/* Documentation generated from the table. (transfer full) */
char *lc_config_sample_text (void); /* fully commented keyfile */
char *lc_config_markdown_table (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcConfig, lc_config_unref)

G_END_DECLS
