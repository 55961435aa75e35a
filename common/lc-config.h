/* lc-config.h — configuration described by one static table.
 *
 * Every key lives in a keyfile group ("[server] listen = …") and is named
 * "group.key" on the command line (`--set server.listen=0.0.0.0:8080`). The
 * table gives each key's type, default, bounds and help; the same table
 * produces validation messages, the commented sample config
 * (lessoncast.conf.sample) and the table in docs/config.md (a test checks both
 * are current).
 *
 * Keys (group.key — type — default):
 *   server.listen            address  127.0.0.1:8080   host:port, [v6]:port; port 0 = any
 *   server.data_dir          path     ./data            database and media files
 *   server.web_root          path     ""                static files; "" = built-in default
 *   server.public_url        string   ""                e.g. https://lessons.example.org; "" = derive
 *   server.trusted_origins   string   ""                extra origins (comma-separated) allowed for cookie requests
 *   server.max_connections   int      4096 [16, 1000000]
 *   server.listen_backlog    int      4096 [16, 65535]
 *   server.header_timeout    int      10 [1, 300]       seconds to receive request headers
 *   server.body_timeout      int      60 [1, 3600]      seconds to receive a request body
 *   server.idle_timeout      int      30 [1, 3600]      keep-alive idle seconds
 *   server.max_body_bytes    int      1048576 [1024, 67108864]
 *   server.max_header_bytes  int      65536 [4096, 1048576]
 *   server.json_max_depth    int      32 [2, 1000]
 *   server.shutdown_timeout  int      10 [0, 300]       seconds to finish in-flight requests
 *   server.rlimit_nofile     int      65536 [1024, 1048576]
 *   server.tls_certificate   path     ""                PEM file; TLS is on when set with tls_key
 *   server.tls_key           path     ""
 *   log.level                enum     info {error, warning, info, debug}
 *   log.format               enum     text {text, json}
 *   log.requests             bool     true              one line per HTTP request
 *   auth.password_min_length int      10 [8, 128]
 *   auth.kdf_cost            int      15 [10, 20]       scrypt log2(N); 15 = 32 MiB, ~0.1 s
 *   auth.session_ttl         int      604800 [300, 31536000]  seconds a login session lives
 *   auth.login_free_attempts int      5 [1, 100]
 *   auth.login_max_delay     int      60 [1, 3600]      cap of the slow-down, seconds
 *   auth.login_forget_after  int      900 [60, 86400]
 *   lessons.max_duration     int      240 [15, 1440]    minutes
 *   lessons.default_page_size int     50 [1, 500]
 *   lessons.max_page_size    int      200 [1, 1000]
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
