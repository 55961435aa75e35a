/* test-config.c — unit tests for lc-config: the table, defaults, keyfile
 * loading, value validation and its messages, overrides, cross-key checks,
 * and that docs/config.md and lessoncast.conf.sample match the table.
 *
 * `test-config --regenerate [SOURCE_ROOT]` rewrites both documents from the
 * table instead of running the tests (SOURCE_ROOT defaults to $LC_SOURCE_ROOT,
 * then to the current directory).
 */
#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "common/lc-config.h"
#include "common/lc-error.h"

#define BEGIN_MARKER "<!-- BEGIN CONFIG TABLE -->\n"
#define END_MARKER "<!-- END CONFIG TABLE -->"
#define REGENERATE_HINT                                                                            \
  "regenerate with: build/tests/unit/test-config --regenerate (from the source root; "            \
  "see docs/config.md)"

/* ---- helpers ---- */

typedef struct
{
  char *dir;
  char *path;
} TempFile;

static void
temp_file_write (TempFile *tf, const char *contents)
{
  g_autoptr (GError) error = NULL;

  if (tf->dir == NULL)
    {
      tf->dir = g_dir_make_tmp ("lc-test-config-XXXXXX", &error);
      g_assert_no_error (error);
      tf->path = g_build_filename (tf->dir, "lessoncast.conf", NULL);
    }
  g_file_set_contents (tf->path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
temp_file_clear (TempFile *tf)
{
  if (tf->path != NULL)
    g_unlink (tf->path);
  if (tf->dir != NULL)
    g_rmdir (tf->dir);
  g_clear_pointer (&tf->path, g_free);
  g_clear_pointer (&tf->dir, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TempFile, temp_file_clear)

static void
assert_message_has (const GError *error, const char *part)
{
  g_assert_nonnull (error);
  if (strstr (error->message, part) == NULL)
    g_error ("message \"%s\" lacks \"%s\"", error->message, part);
}

/* ---- table and defaults ---- */

typedef struct
{
  const char *name;
  LcConfigType type;
  const char *default_value;
  gint64 min, max;
} ExpectedKey;

/* Exactly the table in common/lc-config.c, in order. */
static const ExpectedKey expected_keys[] = {
  { "server.listen", LC_CONFIG_ADDRESS, "127.0.0.1:8080" },
  { "server.data_dir", LC_CONFIG_PATH, "./data" },
  { "server.web_root", LC_CONFIG_PATH, "" },
  { "server.public_url", LC_CONFIG_STRING, "" },
  { "server.trusted_origins", LC_CONFIG_STRING, "" },
  { "server.max_connections", LC_CONFIG_INT, "4096", 16, 1000000 },
  { "server.listen_backlog", LC_CONFIG_INT, "4096", 16, 65535 },
  { "server.header_timeout", LC_CONFIG_INT, "10", 1, 300 },
  { "server.body_timeout", LC_CONFIG_INT, "60", 1, 3600 },
  { "server.idle_timeout", LC_CONFIG_INT, "30", 1, 3600 },
  { "server.max_body_bytes", LC_CONFIG_INT, "1048576", 1024, 67108864 },
  { "server.max_header_bytes", LC_CONFIG_INT, "65536", 4096, 1048576 },
  { "server.json_max_depth", LC_CONFIG_INT, "32", 2, 1000 },
  { "server.shutdown_timeout", LC_CONFIG_INT, "10", 0, 300 },
  { "server.rlimit_nofile", LC_CONFIG_INT, "65536", 1024, 1048576 },
  { "server.tls_certificate", LC_CONFIG_PATH, "" },
  { "server.tls_key", LC_CONFIG_PATH, "" },
  { "log.level", LC_CONFIG_ENUM, "info" },
  { "log.format", LC_CONFIG_ENUM, "text" },
  { "log.requests", LC_CONFIG_BOOL, "true" },
  { "auth.password_min_length", LC_CONFIG_INT, "10", 8, 128 },
  { "auth.kdf_cost", LC_CONFIG_INT, "15", 10, 20 },
  { "auth.session_ttl", LC_CONFIG_INT, "604800", 300, 31536000 },
  { "auth.login_free_attempts", LC_CONFIG_INT, "5", 1, 100 },
  { "auth.login_max_delay", LC_CONFIG_INT, "60", 1, 3600 },
  { "auth.login_forget_after", LC_CONFIG_INT, "900", 60, 86400 },
  { "lessons.max_duration", LC_CONFIG_INT, "240", 15, 1440 },
  { "lessons.default_page_size", LC_CONFIG_INT, "50", 1, 500 },
  { "lessons.max_page_size", LC_CONFIG_INT, "200", 1, 1000 },
  { "lessons.publisher_grace", LC_CONFIG_INT, "60", 5, 3600 },
  { "webrtc.addresses", LC_CONFIG_STRING, "" },
  { "webrtc.public_address", LC_CONFIG_STRING, "" },
  { "webrtc.port_min", LC_CONFIG_INT, "0", 0, 65535 },
  { "webrtc.port_max", LC_CONFIG_INT, "0", 0, 65535 },
  { "webrtc.stun_servers", LC_CONFIG_STRING, "" },
  { "webrtc.turn_servers", LC_CONFIG_STRING, "" },
  { "webrtc.turn_secret", LC_CONFIG_STRING, "" },
  { "webrtc.turn_ttl", LC_CONFIG_INT, "86400", 60, 604800 },
  { "webrtc.max_viewers", LC_CONFIG_INT, "500", 0, 100000 },
  { "media.allow_vp8", LC_CONFIG_BOOL, "true" },
  { "media.transcode_vp8", LC_CONFIG_BOOL, "true" },
  { "hls.enabled", LC_CONFIG_BOOL, "true" },
  { "hls.segment_duration", LC_CONFIG_INT, "2", 1, 10 },
  { "hls.window", LC_CONFIG_INT, "6", 3, 100 },
  { "recording.enabled", LC_CONFIG_BOOL, "true" },
  { "recording.fragment_duration", LC_CONFIG_INT, "1000", 200, 10000 },
  { "city.timezone", LC_CONFIG_STRING, "Europe/Moscow" },
  { "conferences.max_concurrent", LC_CONFIG_INT, "50", 1, 100000 },
  { "conferences.max_duration", LC_CONFIG_INT, "240", 15, 1440 },
  { "conferences.buffer", LC_CONFIG_INT, "0", 0, 240 },
  { "conferences.max_participants_per_school", LC_CONFIG_INT, "30", 1, 1000 },
  { "conferences.room_opens_before", LC_CONFIG_INT, "15", 0, 1440 },
  { "conferences.close_warning", LC_CONFIG_INT, "5", 0, 60 },
  { "conferences.mesh_max_participants", LC_CONFIG_INT, "6", 2, 50 },
  { "conferences.join_secret_file", LC_CONFIG_PATH, "" },
  { "conferences.ws_max_message_bytes", LC_CONFIG_INT, "65536", 1024, 1048576 },
  { "conferences.ws_messages_per_second", LC_CONFIG_INT, "20", 1, 10000 },
  { "conferences.heartbeat_interval", LC_CONFIG_INT, "10", 1, 60 },
  { "conferences.reconnect_grace", LC_CONFIG_INT, "30", 0, 600 },
  { "whip.rate_limit", LC_CONFIG_INT, "20", 1, 10000 },
};

static void
test_table (void)
{
  gsize n_keys = 0;
  const LcConfigKey *keys = lc_config_keys (&n_keys);
  gsize i;

  g_assert_cmpuint (n_keys, ==, G_N_ELEMENTS (expected_keys));
  for (i = 0; i < n_keys; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s.%s", keys[i].group, keys[i].key);
      gsize help_len = strlen (keys[i].help);

      g_test_message ("key %s", name);
      g_assert_cmpstr (name, ==, expected_keys[i].name);
      g_assert_cmpint (keys[i].type, ==, expected_keys[i].type);
      g_assert_cmpstr (keys[i].default_value, ==, expected_keys[i].default_value);
      if (keys[i].type == LC_CONFIG_INT)
        {
          g_assert_cmpint (keys[i].min, ==, expected_keys[i].min);
          g_assert_cmpint (keys[i].max, ==, expected_keys[i].max);
        }
      if (keys[i].type == LC_CONFIG_ENUM)
        g_assert_nonnull (keys[i].choices);
      /* Help: one or two sentences, starting with a capital, ending with '.'. */
      g_assert_cmpuint (help_len, >, 20);
      g_assert_cmpuint (help_len, <, 300);
      g_assert_cmpint (keys[i].help[help_len - 1], ==, '.');
    }
}

static void
test_defaults (void)
{
  g_autoptr (LcConfig) config = lc_config_new ();
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (expected_keys); i++)
    {
      const ExpectedKey *k = &expected_keys[i];

      if (k->type == LC_CONFIG_INT)
        g_assert_cmpint (lc_config_get_int (config, k->name), ==,
                         g_ascii_strtoll (k->default_value, NULL, 10));
      else if (k->type == LC_CONFIG_BOOL)
        g_assert_cmpint (lc_config_get_bool (config, k->name), ==,
                         g_str_equal (k->default_value, "true"));
      else
        g_assert_cmpstr (lc_config_get_string (config, k->name), ==, k->default_value);
    }
  g_assert_true (lc_config_validate (config, NULL));
}

static void
test_refcount (void)
{
  LcConfig *config = lc_config_new ();
  LcConfig *second = lc_config_ref (config);

  g_assert_true (second == config);
  lc_config_unref (config);
  g_assert_cmpstr (lc_config_get_string (second, "log.level"), ==, "info");
  lc_config_unref (second);
}

static void
test_getter_misuse (void)
{
  g_autoptr (LcConfig) config = lc_config_new ();

  g_test_expect_message ("lc-common", G_LOG_LEVEL_CRITICAL, "*index >= 0*");
  g_assert_cmpint (lc_config_get_int (config, "server.nope"), ==, 0);
  g_test_assert_expected_messages ();

  g_test_expect_message ("lc-common", G_LOG_LEVEL_CRITICAL, "*index >= 0*");
  g_assert_cmpint (lc_config_get_int (config, "log.level"), ==, 0);
  g_test_assert_expected_messages ();

  g_test_expect_message ("lc-common", G_LOG_LEVEL_CRITICAL, "*LC_CONFIG_INT*");
  g_assert_cmpstr (lc_config_get_string (config, "server.max_connections"), ==, "");
  g_test_assert_expected_messages ();
}

/* ---- loading ---- */

static void
test_load_file (void)
{
  g_auto (TempFile) tf = { NULL };
  g_autoptr (LcConfig) config = lc_config_new ();
  g_autoptr (GError) error = NULL;

  temp_file_write (&tf, "# a comment\n"
                        "[server]\n"
                        "listen = [::1]:9090\n"
                        "data_dir=/var/lib/lessoncast\n"
                        "max_connections = 100\n"
                        "public_url = https://lessons.example.org\n"
                        "\n"
                        "[log]\n"
                        "level = DEBUG\n"
                        "format = json\n"
                        "requests = no\n"
                        "[auth]\n"
                        "[lessons]\n"
                        "max_duration=90\n");
  g_assert_true (lc_config_load_file (config, tf.path, &error));
  g_assert_no_error (error);

  g_assert_cmpstr (lc_config_get_string (config, "server.listen"), ==, "[::1]:9090");
  g_assert_cmpstr (lc_config_get_string (config, "server.data_dir"), ==, "/var/lib/lessoncast");
  g_assert_cmpint (lc_config_get_int (config, "server.max_connections"), ==, 100);
  g_assert_cmpstr (lc_config_get_string (config, "server.public_url"), ==,
                   "https://lessons.example.org");
  g_assert_cmpstr (lc_config_get_string (config, "log.level"), ==, "debug"); /* canonical */
  g_assert_cmpstr (lc_config_get_string (config, "log.format"), ==, "json");
  g_assert_false (lc_config_get_bool (config, "log.requests"));
  g_assert_cmpint (lc_config_get_int (config, "lessons.max_duration"), ==, 90);
  /* untouched keys keep their defaults */
  g_assert_cmpint (lc_config_get_int (config, "server.idle_timeout"), ==, 30);
  g_assert_cmpstr (lc_config_get_string (config, "server.web_root"), ==, "");
  g_assert_true (lc_config_validate (config, NULL));
}

static void
test_load_file_errors (void)
{
  static const struct
  {
    const char *contents;
    const char *parts[3];
  } cases[] = {
    { "[server]\nlisen = 127.0.0.1:80\n",
      { "unknown key \"server.lisen\"", "did you mean \"server.listen\"?", "docs/config.md" } },
    { "[log]\nlisten = 127.0.0.1:80\n", { "unknown key \"log.listen\"", "\"server.listen\"" } },
    { "[logging]\nlevel = info\n",
      { "unknown group [logging]", "server, log, auth, lessons" } },
    { "[server]\nmax_connections = many\n",
      { "server.max_connections", "\"many\"", "integer from 16 to 1000000" } },
    { "[log]\nlevel = verbose\n",
      { "log.level", "\"verbose\"", "one of error, warning, info, debug" } },
    { "listen = 1.2.3.4:80\n", { "cannot read config file" } },
    { "[server]\nlisten[ru] = 1.2.3.4:80\n", { "unknown key \"server.listen[ru]\"" } },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (TempFile) tf = { NULL };
      g_autoptr (LcConfig) config = lc_config_new ();
      g_autoptr (GError) error = NULL;
      gsize p;

      g_test_message ("file: %s", cases[i].contents);
      temp_file_write (&tf, cases[i].contents);
      g_assert_false (lc_config_load_file (config, tf.path, &error));
      g_assert_error (error, LC_ERROR, LC_ERROR_CONFIG);
      assert_message_has (error, tf.path); /* the file is named */
      for (p = 0; p < G_N_ELEMENTS (cases[i].parts) && cases[i].parts[p] != NULL; p++)
        assert_message_has (error, cases[i].parts[p]);
    }
}

static void
test_load_missing_file (void)
{
  g_autoptr (LcConfig) config = lc_config_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (lc_config_load_file (config, "/nonexistent/lessoncast.conf", &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFIG);
  assert_message_has (error, "cannot read config file /nonexistent/lessoncast.conf");
}

/* An invalid file changes nothing, even the keys before the bad one. */
static void
test_load_file_atomic (void)
{
  g_auto (TempFile) tf = { NULL };
  g_autoptr (LcConfig) config = lc_config_new ();
  g_autoptr (GError) error = NULL;

  temp_file_write (&tf, "[server]\nlisten = 0.0.0.0:1\nidle_timeout = 0\n");
  g_assert_false (lc_config_load_file (config, tf.path, &error));
  assert_message_has (error, "server.idle_timeout: invalid value \"0\": expected an integer "
                             "from 1 to 3600");
  g_assert_cmpstr (lc_config_get_string (config, "server.listen"), ==, "127.0.0.1:8080");
}

/* ---- values ---- */

typedef struct
{
  const char *name;
  const char *value;
  const char *message; /* NULL: valid */
} SetCase;

static void
test_set_values (void)
{
  static const SetCase cases[] = {
    /* int */
    { "server.max_connections", "16", NULL },
    { "server.max_connections", "1000000", NULL },
    { "server.max_connections", " 200 ", NULL },
    { "server.max_connections", "15",
      "server.max_connections: invalid value \"15\": expected an integer from 16 to 1000000" },
    { "server.max_connections", "1000001",
      "server.max_connections: invalid value \"1000001\": expected an integer from 16 to "
      "1000000" },
    { "server.max_connections", "1e3",
      "server.max_connections: invalid value \"1e3\": expected an integer from 16 to 1000000" },
    { "server.max_connections", "",
      "server.max_connections: invalid value \"\": expected an integer from 16 to 1000000" },
    { "server.max_connections", "99999999999999999999999",
      "server.max_connections: invalid value \"99999999999999999999999\": expected an integer "
      "from 16 to 1000000" },
    { "server.shutdown_timeout", "0", NULL },
    { "server.shutdown_timeout", "-1",
      "server.shutdown_timeout: invalid value \"-1\": expected an integer from 0 to 300" },
    /* bool */
    { "log.requests", "true", NULL },
    { "log.requests", "FALSE", NULL },
    { "log.requests", "yes", NULL },
    { "log.requests", "no", NULL },
    { "log.requests", "1", NULL },
    { "log.requests", "0", NULL },
    { "log.requests", "maybe",
      "log.requests: invalid value \"maybe\": expected true or false, yes or no, 1 or 0" },
    { "log.requests", "2",
      "log.requests: invalid value \"2\": expected true or false, yes or no, 1 or 0" },
    /* enum */
    { "log.format", "json", NULL },
    { "log.format", "xml",
      "log.format: invalid value \"xml\": expected one of text, json" },
    { "log.level", "warning", NULL },
    { "log.level", "warn",
      "log.level: invalid value \"warn\": expected one of error, warning, info, debug" },
    /* address */
    { "server.listen", "0.0.0.0:0", NULL },
    { "server.listen", "localhost:8080", NULL },
    { "server.listen", "[::]:443", NULL },
    { "server.listen", "127.0.0.1",
      "server.listen: invalid value \"127.0.0.1\": the port is missing; expected host:port or "
      "[IPv6]:port, port 0 to 65535" },
    { "server.listen", "127.0.0.1:65536",
      "server.listen: invalid value \"127.0.0.1:65536\": the port must be a number from 0 to "
      "65535; expected host:port or [IPv6]:port, port 0 to 65535" },
    { "server.listen", "::1:8080",
      "server.listen: invalid value \"::1:8080\": an IPv6 address must be written in brackets" },
    /* string and path: anything printable, no control characters */
    { "server.data_dir", "/srv/lessoncast data", NULL },
    { "server.data_dir", " /srv/x ", NULL },
    { "server.data_dir", "/srv/\x1b[31m",
      "server.data_dir: invalid value \"/srv/?[31m\": control characters are not allowed; "
      "expected a file system path" },
    { "server.public_url", "https://lessons.example.org", NULL },
    { "server.trusted_origins", "a\tb",
      "server.trusted_origins: invalid value \"a?b\": control characters are not allowed; "
      "expected text" },
    /* unknown names */
    { "server.lisen", "x", "unknown key \"server.lisen\" (did you mean \"server.listen\"?)" },
    { "listen", "x", "unknown key \"listen\": keys are written group.key" },
    { "nope.nothing_like_this_at_all", "x", "unknown key \"nope.nothing_like_this_at_all\"; " },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (LcConfig) config = lc_config_new ();
      g_autoptr (GError) error = NULL;
      gboolean ok;

      g_test_message ("%s = %s", cases[i].name, cases[i].value);
      ok = lc_config_set (config, cases[i].name, cases[i].value, &error);
      if (cases[i].message == NULL)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          continue;
        }
      g_assert_false (ok);
      g_assert_error (error, LC_ERROR, LC_ERROR_CONFIG);
      assert_message_has (error, cases[i].message);
    }
}

static void
test_set_results (void)
{
  g_autoptr (LcConfig) config = lc_config_new ();

  g_assert_true (lc_config_set (config, "log.requests", "No", NULL));
  g_assert_false (lc_config_get_bool (config, "log.requests"));
  g_assert_true (lc_config_set (config, "log.requests", "1", NULL));
  g_assert_true (lc_config_get_bool (config, "log.requests"));
  g_assert_true (lc_config_set (config, "server.max_connections", " 200 ", NULL));
  g_assert_cmpint (lc_config_get_int (config, "server.max_connections"), ==, 200);
  g_assert_true (lc_config_set (config, "log.level", "Debug", NULL));
  g_assert_cmpstr (lc_config_get_string (config, "log.level"), ==, "debug");
  g_assert_true (lc_config_set (config, "server.data_dir", " /srv/x ", NULL));
  g_assert_cmpstr (lc_config_get_string (config, "server.data_dir"), ==, "/srv/x");
  /* A failed set leaves the old value. */
  g_assert_false (lc_config_set (config, "server.max_connections", "1", NULL));
  g_assert_cmpint (lc_config_get_int (config, "server.max_connections"), ==, 200);
}

static void
test_parse_address (void)
{
  static const struct
  {
    const char *value;
    const char *host; /* NULL: invalid */
    guint16 port;
  } cases[] = {
    { "127.0.0.1:8080", "127.0.0.1", 8080 },
    { "[::1]:8080", "::1", 8080 },
    { "0.0.0.0:0", "0.0.0.0", 0 },
    { "localhost:8080", "localhost", 8080 },
    { "lessons.example.org:65535", "lessons.example.org", 65535 },
    { "127.0.0.1", NULL },
    { "127.0.0.1:", NULL },
    { ":8080", NULL },
    { "127.0.0.1:65536", NULL },
    { "127.0.0.1:99999999999", NULL },
    { "127.0.0.1:-1", NULL },
    { "127.0.0.1:80a", NULL },
    { "[::1]", NULL },
    { "[::1]8080", NULL },
    { "[::1:8080", NULL },
    { "[127.0.0.1]:80", NULL },
    { "::1:8080", NULL },
    { "bad host:80", NULL },
    { "", NULL },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *host = NULL;
      guint16 port = 1;
      g_autoptr (GError) error = NULL;
      gboolean ok;

      g_test_message ("address %s", cases[i].value);
      ok = lc_config_parse_address (cases[i].value, &host, &port, &error);
      if (cases[i].host != NULL)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpstr (host, ==, cases[i].host);
          g_assert_cmpuint (port, ==, cases[i].port);
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (error, LC_ERROR, LC_ERROR_CONFIG);
          assert_message_has (error, "invalid address \"");
          assert_message_has (error, "expected host:port or [IPv6]:port");
          g_assert_null (host);
        }
    }
}

static void
test_assignment (void)
{
  g_autoptr (LcConfig) config = lc_config_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (lc_config_set_assignment (config, "server.listen=0.0.0.0:9000", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (lc_config_get_string (config, "server.listen"), ==, "0.0.0.0:9000");

  /* Spaces around the name are ignored; the value is split at the first '='. */
  g_assert_true (
      lc_config_set_assignment (config, " server.public_url =https://a.example/?x=y", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (lc_config_get_string (config, "server.public_url"), ==,
                   "https://a.example/?x=y");

  /* An empty value is allowed for strings. */
  g_assert_true (lc_config_set_assignment (config, "server.public_url=", &error));
  g_assert_cmpstr (lc_config_get_string (config, "server.public_url"), ==, "");

  g_assert_false (lc_config_set_assignment (config, "server.listen", &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFIG);
  assert_message_has (error, "invalid setting \"server.listen\": expected group.key=value");
  g_clear_error (&error);

  g_assert_false (lc_config_set_assignment (config, "log.level=loud", &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFIG);
  assert_message_has (error, "log.level: invalid value \"loud\"");
  g_clear_error (&error);

  g_assert_false (lc_config_set_assignment (config, "=x", &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFIG);
  assert_message_has (error, "unknown key \"\"");
}

/* defaults < file < command line, whatever the order of the calls. */
static void
test_precedence (void)
{
  g_auto (TempFile) tf = { NULL };
  g_autoptr (GError) error = NULL;

  temp_file_write (&tf, "[server]\nlisten = 10.0.0.1:80\nidle_timeout = 5\n"
                        "[log]\nlevel = warning\n");

  {
    g_autoptr (LcConfig) config = lc_config_new ();

    g_assert_true (lc_config_load_file (config, tf.path, &error));
    g_assert_true (lc_config_set_assignment (config, "server.listen=127.0.0.1:1", &error));
    g_assert_no_error (error);
    g_assert_cmpstr (lc_config_get_string (config, "server.listen"), ==, "127.0.0.1:1");
    g_assert_cmpint (lc_config_get_int (config, "server.idle_timeout"), ==, 5);
    g_assert_cmpstr (lc_config_get_string (config, "log.level"), ==, "warning");
    g_assert_cmpint (lc_config_get_int (config, "server.body_timeout"), ==, 60);
  }

  {
    g_autoptr (LcConfig) config = lc_config_new ();

    g_assert_true (lc_config_set (config, "server.listen", "127.0.0.1:2", &error));
    g_assert_true (lc_config_load_file (config, tf.path, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (lc_config_get_string (config, "server.listen"), ==, "127.0.0.1:2");
    g_assert_cmpint (lc_config_get_int (config, "server.idle_timeout"), ==, 5);
    /* A later override still wins over an earlier one. */
    g_assert_true (lc_config_set (config, "server.listen", "127.0.0.1:3", &error));
    g_assert_cmpstr (lc_config_get_string (config, "server.listen"), ==, "127.0.0.1:3");
  }

  /* The file is validated even where an override hides its value. */
  {
    g_autoptr (LcConfig) config = lc_config_new ();

    temp_file_write (&tf, "[server]\nidle_timeout = 0\n");
    g_assert_true (lc_config_set (config, "server.idle_timeout", "7", &error));
    g_assert_false (lc_config_load_file (config, tf.path, &error));
    g_assert_error (error, LC_ERROR, LC_ERROR_CONFIG);
    g_assert_cmpint (lc_config_get_int (config, "server.idle_timeout"), ==, 7);
  }
}

static void
test_cross_key (void)
{
  static const struct
  {
    const char *assignments[3];
    const char *message; /* NULL: valid */
  } cases[] = {
    { { "server.tls_certificate=/etc/ssl/cert.pem" },
      "server.tls_certificate is set but server.tls_key is not" },
    { { "server.tls_key=/etc/ssl/key.pem" },
      "server.tls_key is set but server.tls_certificate is not" },
    { { "server.tls_certificate=/etc/ssl/cert.pem", "server.tls_key=/etc/ssl/key.pem" }, NULL },
    { { "lessons.default_page_size=300", "lessons.max_page_size=200" },
      "lessons.default_page_size (300) must not be larger than lessons.max_page_size (200)" },
    { { "lessons.default_page_size=200", "lessons.max_page_size=200" }, NULL },
    { { "server.public_url=lessons.example.org" },
      "server.public_url: invalid value \"lessons.example.org\"" },
    { { "server.public_url=ftp://lessons.example.org" }, "server.public_url: invalid value" },
    { { "server.public_url=https://lessons.example.org/lc/" }, NULL },
    { { "server.trusted_origins=https://portal.example.org, http://localhost:3000" }, NULL },
    { { "server.trusted_origins=https://portal.example.org/path" },
      "server.trusted_origins: invalid origin \"https://portal.example.org/path\"" },
    { { "server.trusted_origins=https://a.example,portal" },
      "server.trusted_origins: invalid origin \"portal\"" },
    { { "city.timezone=Europe/Kaliningrad" }, NULL },
    { { "city.timezone=Asia/Yekaterinburg" }, NULL },
    { { "city.timezone=Europe/Atlantis" },
      "city.timezone: unknown time zone \"Europe/Atlantis\"" },
    { { "city.timezone=" }, "city.timezone: unknown time zone \"\"" },
  };
  gsize i, a;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (LcConfig) config = lc_config_new ();
      g_autoptr (GError) error = NULL;
      gboolean ok;

      for (a = 0; a < G_N_ELEMENTS (cases[i].assignments) && cases[i].assignments[a]; a++)
        {
          g_test_message ("--set %s", cases[i].assignments[a]);
          g_assert_true (lc_config_set_assignment (config, cases[i].assignments[a], &error));
          g_assert_no_error (error);
        }
      ok = lc_config_validate (config, &error);
      if (cases[i].message == NULL)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (error, LC_ERROR, LC_ERROR_CONFIG);
          assert_message_has (error, cases[i].message);
        }
    }
}

/* ---- generated documentation ---- */

static void
test_sample_text (void)
{
  g_autofree char *sample = lc_config_sample_text ();
  g_auto (TempFile) tf = { NULL };
  g_autoptr (LcConfig) config = lc_config_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *edited = NULL;
  g_auto (GStrv) lines = NULL;
  gsize n_keys, i;
  const LcConfigKey *keys = lc_config_keys (&n_keys);

  /* Every key appears commented out with its default and its help. */
  for (i = 0; i < n_keys; i++)
    {
      g_autofree char *line = keys[i].default_value[0] != '\0'
                                  ? g_strdup_printf ("\n#%s = %s\n", keys[i].key,
                                                     keys[i].default_value)
                                  : g_strdup_printf ("\n#%s =\n", keys[i].key);
      g_autofree char *group = g_strdup_printf ("\n[%s]\n", keys[i].group);
      g_autofree char *help_start = g_strndup (keys[i].help, 20);

      g_assert_nonnull (strstr (sample, line));
      g_assert_nonnull (strstr (sample, group));
      g_assert_nonnull (strstr (sample, help_start));
    }
  g_assert_nonnull (strstr (sample, "# Type: integer (16 to 1000000).\n#max_connections = 4096\n"));
  g_assert_nonnull (strstr (sample, "#listen = 127.0.0.1:8080\n"));

  /* No line is longer than 80 columns. */
  lines = g_strsplit (sample, "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    g_assert_cmpint (g_utf8_strlen (lines[i], -1), <=, 80);

  /* As is, it is a valid config that changes nothing. */
  temp_file_write (&tf, sample);
  g_assert_true (lc_config_load_file (config, tf.path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lc_config_get_int (config, "server.max_connections"), ==, 4096);

  /* Uncommenting a line works. */
  edited = g_strjoinv ("\n", lines);
  {
    GString *s = g_string_new (edited);

    g_string_replace (s, "#idle_timeout = 30\n", "idle_timeout = 31\n", 1);
    temp_file_write (&tf, s->str);
    g_string_free (s, TRUE);
  }
  g_assert_true (lc_config_load_file (config, tf.path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lc_config_get_int (config, "server.idle_timeout"), ==, 31);
}

static void
test_markdown_table (void)
{
  g_autofree char *table = lc_config_markdown_table ();
  g_auto (GStrv) lines = g_strsplit (table, "\n", -1);
  gsize n_keys;

  lc_config_keys (&n_keys);
  g_assert_true (g_str_has_prefix (table, "| key | type | default | allowed | description |\n"
                                          "|---|---|---|---|---|\n"));
  /* header + separator + one row per key + the empty string after the last '\n' */
  g_assert_cmpuint (g_strv_length (lines), ==, n_keys + 3);
  g_assert_nonnull (strstr (table, "| `server.listen` | address | `127.0.0.1:8080` | "
                                   "`host:port` or `[IPv6]:port`, port 0 to 65535 |"));
  g_assert_nonnull (strstr (table, "| `log.level` | enum | `info` | `error`, `warning`, `info`, "
                                   "`debug` |"));
  g_assert_nonnull (strstr (table, "| `server.web_root` | path | (empty) |"));
  g_assert_nonnull (strstr (table, "| `auth.kdf_cost` | integer | `15` | 10 to 20 |"));
}

static char *
source_root (void)
{
  const char *env = g_getenv ("LC_SOURCE_ROOT");

  return g_strdup (env != NULL && env[0] != '\0' ? env : ".");
}

/* The part of docs/config.md between the markers, or NULL. */
static char *
docs_table_section (const char *docs, gsize *start_out, gsize *end_out)
{
  const char *begin = strstr (docs, BEGIN_MARKER);
  const char *end;

  if (begin == NULL)
    return NULL;
  begin += strlen (BEGIN_MARKER);
  end = strstr (begin, END_MARKER);
  if (end == NULL)
    return NULL;
  if (start_out != NULL)
    *start_out = (gsize) (begin - docs);
  if (end_out != NULL)
    *end_out = (gsize) (end - docs);
  return g_strndup (begin, (gsize) (end - begin));
}

static void
test_docs_current (void)
{
  g_autofree char *root = source_root ();
  g_autofree char *docs_path = g_build_filename (root, "docs", "config.md", NULL);
  g_autofree char *sample_path = g_build_filename (root, "lessoncast.conf.sample", NULL);
  g_autofree char *docs = NULL;
  g_autofree char *sample = NULL;
  g_autofree char *section = NULL;
  g_autofree char *table = lc_config_markdown_table ();
  g_autofree char *expected_sample = lc_config_sample_text ();
  g_autoptr (GError) error = NULL;

  if (!g_file_get_contents (docs_path, &docs, NULL, &error))
    g_error ("cannot read %s: %s", docs_path, error->message);
  section = docs_table_section (docs, NULL, NULL);
  if (section == NULL)
    g_error ("%s lacks the markers %s and %s", docs_path, BEGIN_MARKER, END_MARKER);
  if (strcmp (section, table) != 0)
    g_error ("the table in %s differs from the config table in common/lc-config.c; "
             REGENERATE_HINT,
             docs_path);

  if (!g_file_get_contents (sample_path, &sample, NULL, &error))
    g_error ("cannot read %s: %s", sample_path, error->message);
  if (strcmp (sample, expected_sample) != 0)
    g_error ("%s differs from lc_config_sample_text (); " REGENERATE_HINT, sample_path);
}

/* `test-config --regenerate [ROOT]`: rewrite both documents. */
static int
regenerate (const char *root_arg)
{
  g_autofree char *root = root_arg != NULL ? g_strdup (root_arg) : source_root ();
  g_autofree char *docs_path = g_build_filename (root, "docs", "config.md", NULL);
  g_autofree char *sample_path = g_build_filename (root, "lessoncast.conf.sample", NULL);
  g_autofree char *docs = NULL;
  g_autofree char *section = NULL;
  g_autofree char *table = lc_config_markdown_table ();
  g_autofree char *sample = lc_config_sample_text ();
  g_autoptr (GError) error = NULL;
  GString *updated;
  gsize start, end;

  if (!g_file_get_contents (docs_path, &docs, NULL, &error))
    {
      g_printerr ("test-config: cannot read %s: %s (pass the source root as argument)\n",
                  docs_path, error->message);
      return 1;
    }
  section = docs_table_section (docs, &start, &end);
  if (section == NULL)
    {
      g_printerr ("test-config: %s lacks the markers %s and %s\n", docs_path, BEGIN_MARKER,
                  END_MARKER);
      return 1;
    }
  updated = g_string_new_len (docs, (gssize) start);
  g_string_append (updated, table);
  g_string_append (updated, docs + end);
  if (!g_file_set_contents (docs_path, updated->str, (gssize) updated->len, &error)
      || !g_file_set_contents (sample_path, sample, -1, &error))
    {
      g_printerr ("test-config: %s\n", error->message);
      g_string_free (updated, TRUE);
      return 1;
    }
  g_string_free (updated, TRUE);
  g_print ("test-config: rewrote %s and %s\n", docs_path, sample_path);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "--regenerate") == 0)
    return regenerate (argc >= 3 ? argv[2] : NULL);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/common/config/table", test_table);
  g_test_add_func ("/common/config/defaults", test_defaults);
  g_test_add_func ("/common/config/refcount", test_refcount);
  g_test_add_func ("/common/config/getter-misuse", test_getter_misuse);
  g_test_add_func ("/common/config/load-file", test_load_file);
  g_test_add_func ("/common/config/load-file-errors", test_load_file_errors);
  g_test_add_func ("/common/config/load-missing-file", test_load_missing_file);
  g_test_add_func ("/common/config/load-file-atomic", test_load_file_atomic);
  g_test_add_func ("/common/config/set-values", test_set_values);
  g_test_add_func ("/common/config/set-results", test_set_results);
  g_test_add_func ("/common/config/parse-address", test_parse_address);
  g_test_add_func ("/common/config/assignment", test_assignment);
  g_test_add_func ("/common/config/precedence", test_precedence);
  g_test_add_func ("/common/config/cross-key", test_cross_key);
  g_test_add_func ("/common/config/sample-text", test_sample_text);
  g_test_add_func ("/common/config/markdown-table", test_markdown_table);
  g_test_add_func ("/common/config/docs-current", test_docs_current);

  return g_test_run ();
}
