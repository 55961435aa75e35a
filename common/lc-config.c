/* lc-config.c — the configuration table, keyfile loading, command-line
 * overrides, validation, and the documentation generated from the table
 * (lessoncast.conf.sample and the table in docs/config.md).
 *
 * Precedence is defaults < file < command line, whatever the call order: a
 * key set with lc_config_set() is marked as overridden and a file loaded
 * afterwards still validates it but does not change it.
 */
#include "common/lc-config.h"

#include <gio/gio.h>
#include <string.h>

#include "common/lc-error.h"

/* Longest part of a bad value echoed back in an error message. */
#define MAX_ECHOED_VALUE 200

static const char *const log_levels[] = { "error", "warning", "info", "debug", NULL };
static const char *const log_formats[] = { "text", "json", NULL };

#define KEY_STRING(g, k, def, help) { g, k, LC_CONFIG_STRING, def, 0, 0, NULL, help }
#define KEY_PATH(g, k, def, help) { g, k, LC_CONFIG_PATH, def, 0, 0, NULL, help }
#define KEY_INT(g, k, def, lo, hi, help) { g, k, LC_CONFIG_INT, def, lo, hi, NULL, help }
#define KEY_BOOL(g, k, def, help) { g, k, LC_CONFIG_BOOL, def, 0, 0, NULL, help }
#define KEY_ENUM(g, k, def, choices, help) { g, k, LC_CONFIG_ENUM, def, 0, 0, choices, help }

static const LcConfigKey config_keys[] = {
  { "server", "listen", LC_CONFIG_ADDRESS, "127.0.0.1:8080", 0, 0, NULL,
    "Address and port the HTTP server listens on. Use 0.0.0.0:PORT or [::]:PORT for all "
    "interfaces; port 0 picks a free port." },
  KEY_PATH ("server", "data_dir", "./data",
            "Directory holding the SQLite database and media files (recordings, HLS segments). "
            "It is created at start-up if missing."),
  KEY_PATH ("server", "web_root", "",
            "Directory of the static web front end served at /. Empty means the built-in "
            "default (the web/ directory lessoncast was built from)."),
  KEY_STRING ("server", "public_url", "",
              "Public base URL of this server, such as https://lessons.example.org, used in links "
              "and as an allowed Origin. Empty means it is derived from each request's Host "
              "header."),
  KEY_STRING ("server", "trusted_origins", "",
              "Extra origins (comma-separated, such as https://portal.example.org) allowed to send "
              "cookie-authenticated requests that change data, besides the server's own origin."),
  KEY_INT ("server", "max_connections", "4096", 16, 1000000,
           "Maximum number of concurrent client connections. Connections beyond it are closed "
           "at once."),
  KEY_INT ("server", "listen_backlog", "4096", 16, 65535,
           "Length of the kernel queue of connections waiting to be accepted (the listen(2) "
           "backlog). The kernel caps it at net.core.somaxconn."),
  KEY_INT ("server", "header_timeout", "10", 1, 300,
           "Seconds a client has to send the complete request line and headers before the "
           "connection is closed."),
  KEY_INT ("server", "body_timeout", "60", 1, 3600,
           "Seconds a client has to send a complete request body before the connection is "
           "closed."),
  KEY_INT ("server", "idle_timeout", "30", 1, 3600,
           "Seconds an idle keep-alive connection stays open between requests."),
  KEY_INT ("server", "max_body_bytes", "1048576", 1024, 67108864,
           "Largest accepted request body, in bytes. Larger requests are answered with 413."),
  KEY_INT ("server", "max_header_bytes", "65536", 4096, 1048576,
           "Largest accepted size of the request line and headers together, in bytes."),
  KEY_INT ("server", "json_max_depth", "32", 2, 1000,
           "Deepest nesting of arrays and objects accepted in a JSON request body. It is checked "
           "before the body is parsed."),
  KEY_INT ("server", "shutdown_timeout", "10", 0, 300,
           "Seconds in-flight requests may take to finish after SIGTERM or SIGINT before the "
           "server exits anyway."),
  KEY_INT ("server", "rlimit_nofile", "65536", 1024, 1048576,
           "Open-file limit (RLIMIT_NOFILE) requested at start-up, up to the hard limit. Every "
           "connection uses one file descriptor."),
  KEY_PATH ("server", "tls_certificate", "",
            "PEM file with the TLS certificate (chain). TLS is on when both tls_certificate and "
            "tls_key are set; set both or neither."),
  KEY_PATH ("server", "tls_key", "", "PEM file with the private key of tls_certificate."),
  KEY_ENUM ("log", "level", "info", log_levels,
            "Least severe level that is logged: error, warning, info or debug."),
  KEY_ENUM ("log", "format", "text", log_formats,
            "Log line format: text (human-readable lines) or json (one JSON object per line)."),
  KEY_BOOL ("log", "requests", "true",
            "Log one line per HTTP request with method, path (query secrets redacted), status, "
            "bytes and duration."),
  KEY_INT ("auth", "password_min_length", "10", 8, 128,
           "Minimum length of a password, in characters."),
  KEY_INT ("auth", "kdf_cost", "15", 10, 20,
           "scrypt cost log2(N) for password hashing: 15 uses 32 MiB and about 0.1 s per hash. "
           "Each step up doubles the time and memory of every login and of every guess."),
  KEY_INT ("auth", "session_ttl", "604800", 300, 31536000,
           "Seconds a login session (cookie) stays valid."),
  KEY_INT ("auth", "login_free_attempts", "5", 1, 100,
           "Failed logins allowed per account and per client address before the slow-down "
           "starts."),
  KEY_INT ("auth", "login_max_delay", "60", 1, 3600,
           "Cap, in seconds, of the slow-down after failed logins; the delay doubles with each "
           "further failure up to this value."),
  KEY_INT ("auth", "login_forget_after", "900", 60, 86400,
           "Seconds after the last failed login at which the failures of an account or client "
           "address are forgotten."),
  KEY_INT ("lessons", "max_duration", "240", 15, 1440,
           "Longest allowed lesson, in minutes from scheduled start to scheduled end."),
  KEY_INT ("lessons", "default_page_size", "50", 1, 500,
           "Number of items in a list response when the client gives no limit."),
  KEY_INT ("lessons", "max_page_size", "200", 1, 1000,
           "Largest limit a client may ask for in a list request."),
  KEY_INT ("lessons", "publisher_grace", "60", 5, 3600,
           "Seconds a live lesson waits for its publisher to come back after the connection "
           "drops; reconnecting within this time continues the same lesson and recording."),
  KEY_STRING ("webrtc", "addresses", "",
              "Comma-separated local IP addresses WebRTC gathers ICE candidates on. Empty means "
              "every interface. Tests use 127.0.0.1."),
  KEY_STRING ("webrtc", "public_address", "",
              "Public IP address announced instead of the host address when the server sits "
              "behind a 1:1 NAT. Empty means none."),
  KEY_INT ("webrtc", "port_min", "0", 0, 65535,
           "Lowest UDP port for WebRTC media; 0 with port_max 0 means any port. Set both or "
           "neither."),
  KEY_INT ("webrtc", "port_max", "0", 0, 65535,
           "Highest UDP port for WebRTC media; 0 with port_min 0 means any port."),
  KEY_STRING ("webrtc", "stun_servers", "",
              "Comma-separated STUN servers handed to clients and used by the server, such as "
              "stun:stun.example.org:3478."),
  KEY_STRING ("webrtc", "turn_servers", "",
              "Comma-separated TURN servers handed to clients, such as "
              "turn:turn.example.org:3478?transport=udp. Needs turn_secret."),
  KEY_STRING ("webrtc", "turn_secret", "",
              "Shared secret of the TURN servers (coturn use-auth-secret); clients get "
              "time-limited credentials derived from it. Required when turn_servers is set "
              "(browsers refuse TURN servers without credentials)."),
  KEY_INT ("webrtc", "turn_ttl", "86400", 60, 604800,
           "Seconds the TURN credentials handed to a client stay valid."),
  KEY_INT ("webrtc", "max_viewers", "500", 0, 100000,
           "Most WebRTC (WHEP) viewers per lesson; 0 means no limit. Further viewers are "
           "refused with 503 and can use HLS."),
  KEY_BOOL ("media", "allow_vp8", "true",
            "Accept VP8 video from publishers. WebRTC viewers then get VP8; HLS is unavailable "
            "for that lesson unless media.transcode_vp8 is on."),
  KEY_BOOL ("media", "transcode_vp8", "true",
            "Transcode VP8 publishers to H.264 so HLS and the recording work for every lesson "
            "(WebRTC viewers keep VP8). Costs about 12-22 % of a core per 720p30 VP8 lesson "
            "(docs/benchmarks.md); switch off to save CPU: VP8 lessons then get no HLS and no "
            "recording, with the reason in the API."),
  KEY_BOOL ("hls", "enabled", "true", "Package live lessons as HLS for browsers and CDNs."),
  KEY_INT ("hls", "segment_duration", "2", 1, 10,
           "Target HLS segment length in seconds; the server requests keyframes on this clock."),
  KEY_INT ("hls", "window", "6", 3, 100,
           "Number of segments in the live HLS playlist (the sliding window)."),
  KEY_BOOL ("recording", "enabled", "true",
            "Record lessons whose recording flag is on. Off disables recording server-wide."),
  KEY_INT ("recording", "fragment_duration", "1000", 200, 10000,
           "Milliseconds per fragment of the live recording: at most this much is lost on a "
           "crash."),
  KEY_STRING ("city", "timezone", "Europe/Moscow",
              "IANA time zone of the city: pages and calendars display times in it (the API and "
              "iCalendar files carry UTC)."),
  KEY_INT ("conferences", "max_concurrent", "50", 1, 100000,
           "Most conferences that may overlap in time server-wide; a booking that would exceed "
           "it is refused with 409 naming the busiest interval."),
  KEY_INT ("conferences", "max_duration", "240", 15, 1440,
           "Longest allowed conference, in minutes."),
  KEY_INT ("conferences", "buffer", "0", 0, 240,
           "Minutes that must lie between two conferences of the same school."),
  KEY_INT ("conferences", "max_participants_per_school", "30", 1, 1000,
           "Largest per-school participant limit a booking may set."),
  KEY_INT ("conferences", "room_opens_before", "15", 0, 1440,
           "Minutes before the start at which the conference room opens; before that the room "
           "page shows a lobby with a countdown."),
  KEY_INT ("conferences", "close_warning", "5", 0, 60,
           "Minutes before the end at which participants are warned that the room closes."),
  KEY_INT ("conferences", "mesh_max_participants", "6", 2, 50,
           "Most participants in one room while media flows as a full mesh between browsers; "
           "further joins are refused with a clear message."),
  KEY_PATH ("conferences", "join_secret_file", "",
            "File holding the secret that signs join links (32 random bytes, created with mode "
            "0600 on first start). Empty means join-secret in the data directory. Replacing it "
            "invalidates every join link."),
  KEY_INT ("conferences", "ws_max_message_bytes", "65536", 1024, 1048576,
           "Largest signaling message accepted on the conference WebSocket, in bytes."),
  KEY_INT ("conferences", "ws_messages_per_second", "20", 1, 10000,
           "Signaling messages per second a participant may send on average (bursts of five "
           "times this are allowed); floods get an error and then the socket is closed."),
  KEY_INT ("conferences", "heartbeat_interval", "10", 1, 60,
           "Seconds between heartbeats on the conference WebSocket; a participant silent for "
           "three intervals is considered gone."),
  KEY_INT ("conferences", "reconnect_grace", "30", 0, 600,
           "Seconds a participant whose connection dropped stays in the room (shown as "
           "reconnecting) before the others see them leave."),
  KEY_INT ("whip", "rate_limit", "20", 1, 10000,
           "WHIP/WHEP session requests allowed per client address per minute; more get 429."),
};

#define N_KEYS G_N_ELEMENTS (config_keys)

struct _LcConfig
{
  char *text[N_KEYS]; /* canonical text of every value */
  gint64 ints[N_KEYS];
  gboolean bools[N_KEYS];
  gboolean overridden[N_KEYS]; /* set by lc_config_set(): a file does not change it */
};

/* One parsed value. */
typedef struct
{
  char *text;
  gint64 int_value;
  gboolean bool_value;
} ParsedValue;

const LcConfigKey *
lc_config_keys (gsize *n_keys)
{
  if (n_keys != NULL)
    *n_keys = N_KEYS;
  return config_keys;
}

static int
find_key (const char *group, const char *key)
{
  gsize i;

  for (i = 0; i < N_KEYS; i++)
    if (strcmp (config_keys[i].group, group) == 0 && strcmp (config_keys[i].key, key) == 0)
      return (int) i;
  return -1;
}

/* Index of "group.key", or -1. */
static int
find_name (const char *name)
{
  const char *dot = name != NULL ? strchr (name, '.') : NULL;
  g_autofree char *group = NULL;

  if (dot == NULL)
    return -1;
  group = g_strndup (name, (gsize) (dot - name));
  return find_key (group, dot + 1);
}

static gboolean
is_known_group (const char *group)
{
  gsize i;

  for (i = 0; i < N_KEYS; i++)
    if (strcmp (config_keys[i].group, group) == 0)
      return TRUE;
  return FALSE;
}

/* "server, log, auth, lessons" (transfer full) */
static char *
known_groups_text (void)
{
  GString *out = g_string_new (NULL);
  gsize i;

  for (i = 0; i < N_KEYS; i++)
    if (i == 0 || strcmp (config_keys[i].group, config_keys[i - 1].group) != 0)
      g_string_append_printf (out, "%s%s", out->len > 0 ? ", " : "", config_keys[i].group);
  return g_string_free (out, FALSE);
}

/* Echo of untrusted text inside an error message: control characters shown
 * as '?', cut at MAX_ECHOED_VALUE characters. (transfer full) */
static char *
printable (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  GString *out = g_string_new (NULL);
  const char *p;
  gsize n = 0;

  for (p = valid; *p != '\0' && n < MAX_ECHOED_VALUE; p = g_utf8_next_char (p), n++)
    {
      gunichar ch = g_utf8_get_char (p);

      if (g_unichar_iscntrl (ch))
        g_string_append_c (out, '?');
      else
        g_string_append_unichar (out, ch);
    }
  if (*p != '\0')
    g_string_append (out, "…");
  return g_string_free (out, FALSE);
}

static gsize
edit_distance (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  g_autofree gsize *row = g_new (gsize, lb + 1);
  gsize i, j;

  for (j = 0; j <= lb; j++)
    row[j] = j;
  for (i = 1; i <= la; i++)
    {
      gsize diagonal = row[0];

      row[0] = i;
      for (j = 1; j <= lb; j++)
        {
          gsize above = row[j];
          gsize cost = g_ascii_tolower (a[i - 1]) == g_ascii_tolower (b[j - 1]) ? 0 : 1;

          row[j] = MIN (MIN (row[j] + 1, row[j - 1] + 1), diagonal + cost);
          diagonal = above;
        }
    }
  return row[lb];
}

/* " (did you mean \"server.listen\"?)" or "" (transfer full). Suggests the
 * closest full name within 3 edits, or a key of that name in another group. */
static char *
suggestion_for (const char *group, const char *key)
{
  g_autofree char *name = g_strdup_printf ("%s.%s", group, key);
  gsize best_distance = 4;
  int best = -1;
  gsize i;

  if (strlen (name) > 100)
    return g_strdup ("");

  for (i = 0; i < N_KEYS; i++)
    {
      g_autofree char *candidate =
          g_strdup_printf ("%s.%s", config_keys[i].group, config_keys[i].key);
      gsize distance = edit_distance (name, candidate);

      if (strcmp (config_keys[i].key, key) == 0)
        distance = 1;
      if (distance < best_distance)
        {
          best_distance = distance;
          best = (int) i;
        }
    }
  if (best < 0)
    return g_strdup ("");
  return g_strdup_printf (" (did you mean \"%s.%s\"?)", config_keys[best].group,
                          config_keys[best].key);
}

static void
set_unknown_key_error (GError **error, const char *where, const char *group, const char *key)
{
  g_autofree char *shown_group = printable (group);
  g_autofree char *shown_key = printable (key);
  g_autofree char *hint = suggestion_for (group, key);

  lc_set_error (error, LC_ERROR_CONFIG, NULL, "%sunknown key \"%s.%s\"%s; every key is listed in "
                "docs/config.md", where, shown_group, shown_key, hint);
}

/* What a key accepts, as shown in messages and documentation. (transfer full) */
static char *
allowed_text (const LcConfigKey *k, gboolean markdown)
{
  const char *q = markdown ? "`" : "";

  switch (k->type)
    {
    case LC_CONFIG_ADDRESS:
      return g_strdup_printf ("%shost:port%s or %s[IPv6]:port%s, port 0 to 65535", q, q, q, q);
    case LC_CONFIG_INT:
      return g_strdup_printf ("%" G_GINT64_FORMAT " to %" G_GINT64_FORMAT, k->min, k->max);
    case LC_CONFIG_BOOL:
      return g_strdup_printf ("%strue%s or %sfalse%s, %syes%s or %sno%s, %s1%s or %s0%s", q, q, q,
                              q, q, q, q, q, q, q, q, q);
    case LC_CONFIG_ENUM:
      {
        GString *out = g_string_new (NULL);
        gsize i;

        for (i = 0; k->choices[i] != NULL; i++)
          g_string_append_printf (out, "%s%s%s%s", i > 0 ? ", " : "", q, k->choices[i], q);
        return g_string_free (out, FALSE);
      }
    case LC_CONFIG_PATH:
      return g_strdup ("a file system path");
    case LC_CONFIG_STRING:
    default:
      return g_strdup ("text");
    }
}

static const char *
type_name (LcConfigType type)
{
  switch (type)
    {
    case LC_CONFIG_STRING:
      return "string";
    case LC_CONFIG_PATH:
      return "path";
    case LC_CONFIG_ADDRESS:
      return "address";
    case LC_CONFIG_INT:
      return "integer";
    case LC_CONFIG_BOOL:
      return "boolean";
    case LC_CONFIG_ENUM:
      return "enum";
    default:
      return "?";
    }
}

static gboolean
has_control_chars (const char *text)
{
  const char *p;

  for (p = text; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      return TRUE;
  return FALSE;
}

static gboolean
is_hostname (const char *host)
{
  const char *p;
  gsize label = 0;

  if (host[0] == '\0' || strlen (host) > 253)
    return FALSE;
  for (p = host; *p != '\0'; p++)
    {
      if (*p == '.')
        {
          if (label == 0)
            return FALSE;
          label = 0;
          continue;
        }
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
        return FALSE;
      if (++label > 63)
        return FALSE;
    }
  return TRUE;
}

/* NULL when value is a valid address (host and port filled in when not
 * NULL), else the reason (static string). */
static const char *
address_problem (const char *value, char **host, guint16 *port)
{
  g_autofree char *host_part = NULL;
  const char *port_part;
  guint64 port_value = 0;
  const char *p;

  if (value[0] == '\0')
    return "the address is empty";

  if (value[0] == '[')
    {
      const char *close = strchr (value, ']');

      if (close == NULL)
        return "']' is missing after the IPv6 address";
      host_part = g_strndup (value + 1, (gsize) (close - value - 1));
      if (strchr (host_part, ':') == NULL || !g_hostname_is_ip_address (host_part))
        return "the part in brackets is not an IPv6 address";
      if (close[1] != ':')
        return "the port is missing";
      port_part = close + 2;
    }
  else
    {
      const char *colon = strrchr (value, ':');

      if (colon == NULL)
        return "the port is missing";
      if (strchr (value, ':') != colon)
        return "an IPv6 address must be written in brackets, such as [::1]:8080";
      host_part = g_strndup (value, (gsize) (colon - value));
      if (host_part[0] == '\0')
        return "the host is missing";
      if (!g_hostname_is_ip_address (host_part) && !is_hostname (host_part))
        return "the host is not an IP address or host name";
      port_part = colon + 1;
    }

  if (port_part[0] == '\0')
    return "the port is missing";
  for (p = port_part; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p) || p - port_part >= 5)
        return "the port must be a number from 0 to 65535";
      port_value = port_value * 10 + (guint64) (*p - '0');
    }
  if (port_value > 65535)
    return "the port must be a number from 0 to 65535";

  if (host != NULL)
    *host = g_steal_pointer (&host_part);
  if (port != NULL)
    *port = (guint16) port_value;
  return NULL;
}

gboolean
lc_config_parse_address (const char *value, char **host, guint16 *port, GError **error)
{
  const char *problem;

  g_return_val_if_fail (value != NULL, FALSE);

  problem = address_problem (value, host, port);
  if (problem != NULL)
    {
      g_autofree char *shown = printable (value);

      lc_set_error (error, LC_ERROR_CONFIG, NULL,
                    "invalid address \"%s\": %s; expected host:port or [IPv6]:port with a port "
                    "from 0 to 65535, such as 127.0.0.1:8080 or [::1]:8080",
                    shown, problem);
      return FALSE;
    }
  return TRUE;
}

/* Parse raw text for key k. On failure the error names "group.key", the bad
 * value and what is allowed. */
static gboolean
parse_value (const LcConfigKey *k, const char *raw, ParsedValue *out, GError **error)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (raw));
  g_autofree char *allowed = allowed_text (k, FALSE);
  g_autofree char *shown = printable (raw);
  const char *problem = NULL;

  memset (out, 0, sizeof *out);

  switch (k->type)
    {
    case LC_CONFIG_STRING:
    case LC_CONFIG_PATH:
      if (!g_utf8_validate (raw, -1, NULL))
        problem = "the value is not valid UTF-8";
      else if (has_control_chars (raw))
        problem = "control characters are not allowed";
      else
        {
          out->text = g_steal_pointer (&trimmed);
          return TRUE;
        }
      break;

    case LC_CONFIG_ADDRESS:
      problem = address_problem (trimmed, NULL, NULL);
      if (problem == NULL)
        {
          out->text = g_steal_pointer (&trimmed);
          return TRUE;
        }
      break;

    case LC_CONFIG_INT:
      {
        gint64 v;

        if (g_ascii_string_to_signed (trimmed, 10, G_MININT64, G_MAXINT64, &v, NULL)
            && v >= k->min && v <= k->max)
          {
            out->int_value = v;
            out->text = g_strdup_printf ("%" G_GINT64_FORMAT, v);
            return TRUE;
          }
        lc_set_error (error, LC_ERROR_CONFIG, NULL,
                      "%s.%s: invalid value \"%s\": expected an integer from %" G_GINT64_FORMAT
                      " to %" G_GINT64_FORMAT,
                      k->group, k->key, shown, k->min, k->max);
        return FALSE;
      }

    case LC_CONFIG_BOOL:
      {
        static const char *const yes[] = { "true", "yes", "1" };
        static const char *const no[] = { "false", "no", "0" };
        gsize i;

        for (i = 0; i < G_N_ELEMENTS (yes); i++)
          {
            if (g_ascii_strcasecmp (trimmed, yes[i]) == 0)
              {
                out->bool_value = TRUE;
                out->text = g_strdup ("true");
                return TRUE;
              }
            if (g_ascii_strcasecmp (trimmed, no[i]) == 0)
              {
                out->bool_value = FALSE;
                out->text = g_strdup ("false");
                return TRUE;
              }
          }
        lc_set_error (error, LC_ERROR_CONFIG, NULL,
                      "%s.%s: invalid value \"%s\": expected %s", k->group, k->key, shown,
                      allowed);
        return FALSE;
      }

    case LC_CONFIG_ENUM:
      {
        gsize i;

        for (i = 0; k->choices[i] != NULL; i++)
          if (g_ascii_strcasecmp (trimmed, k->choices[i]) == 0)
            {
              out->text = g_strdup (k->choices[i]);
              return TRUE;
            }
        lc_set_error (error, LC_ERROR_CONFIG, NULL,
                      "%s.%s: invalid value \"%s\": expected one of %s", k->group, k->key, shown,
                      allowed);
        return FALSE;
      }

    default:
      problem = "the key has an unknown type";
      break;
    }

  lc_set_error (error, LC_ERROR_CONFIG, NULL, "%s.%s: invalid value \"%s\": %s; expected %s",
                k->group, k->key, shown, problem, allowed);
  return FALSE;
}

static void
store_value (LcConfig *config, gsize index, ParsedValue *value)
{
  g_free (config->text[index]);
  config->text[index] = g_steal_pointer (&value->text);
  config->ints[index] = value->int_value;
  config->bools[index] = value->bool_value;
}

static void
config_clear (LcConfig *config)
{
  gsize i;

  for (i = 0; i < N_KEYS; i++)
    g_free (config->text[i]);
}

LcConfig *
lc_config_new (void)
{
  LcConfig *config = g_atomic_rc_box_new0 (LcConfig);
  gsize i;

  for (i = 0; i < N_KEYS; i++)
    {
      g_autoptr (GError) error = NULL;
      ParsedValue value;

      /* The table is ours: a default that does not parse is a bug. */
      if (!parse_value (&config_keys[i], config_keys[i].default_value, &value, &error))
        g_error ("config: bad default in the table: %s", error->message);
      store_value (config, i, &value);
    }
  return config;
}

LcConfig *
lc_config_ref (LcConfig *config)
{
  g_return_val_if_fail (config != NULL, NULL);

  return g_atomic_rc_box_acquire (config);
}

void
lc_config_unref (LcConfig *config)
{
  g_return_if_fail (config != NULL);

  g_atomic_rc_box_release_full (config, (GDestroyNotify) config_clear);
}

gboolean
lc_config_load_file (LcConfig *config, const char *path, GError **error)
{
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) groups = NULL;
  g_autofree char *where = NULL;
  ParsedValue parsed[N_KEYS];
  gboolean present[N_KEYS] = { FALSE };
  gboolean ok = TRUE;
  gsize g, i;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  memset (parsed, 0, sizeof parsed);

  /* KEEP_TRANSLATIONS: otherwise "key[ru] = …" lines vanish instead of
   * being reported as unknown keys. */
  if (!g_key_file_load_from_file (keyfile, path, G_KEY_FILE_KEEP_TRANSLATIONS, &local_error))
    {
      lc_set_error (error, LC_ERROR_CONFIG, NULL, "cannot read config file %s: %s", path,
                    local_error->message);
      return FALSE;
    }
  where = g_strdup_printf ("%s: ", path);

  groups = g_key_file_get_groups (keyfile, NULL);
  for (g = 0; ok && groups[g] != NULL; g++)
    {
      g_auto (GStrv) keys = NULL;
      gsize k;

      if (!is_known_group (groups[g]))
        {
          g_autofree char *known = known_groups_text ();
          g_autofree char *shown = printable (groups[g]);

          lc_set_error (error, LC_ERROR_CONFIG, NULL,
                        "%sunknown group [%s]; the groups are %s (see docs/config.md)", where,
                        shown, known);
          ok = FALSE;
          break;
        }

      keys = g_key_file_get_keys (keyfile, groups[g], NULL, NULL);
      for (k = 0; ok && keys != NULL && keys[k] != NULL; k++)
        {
          int index = find_key (groups[g], keys[k]);
          g_autofree char *raw = NULL;
          g_autoptr (GError) value_error = NULL;

          if (index < 0)
            {
              set_unknown_key_error (error, where, groups[g], keys[k]);
              ok = FALSE;
              break;
            }
          raw = g_key_file_get_string (keyfile, groups[g], keys[k], &value_error);
          if (raw == NULL)
            {
              lc_set_error (error, LC_ERROR_CONFIG, NULL, "%s%s.%s: %s", where, groups[g],
                            keys[k], value_error->message);
              ok = FALSE;
              break;
            }
          if (present[index])
            g_clear_pointer (&parsed[index].text, g_free);
          if (!parse_value (&config_keys[index], raw, &parsed[index], &value_error))
            {
              lc_set_error (error, LC_ERROR_CONFIG, NULL, "%s%s", where, value_error->message);
              ok = FALSE;
              break;
            }
          present[index] = TRUE;
        }
    }

  /* All or nothing: the config changes only when the whole file is valid. */
  for (i = 0; i < N_KEYS; i++)
    {
      if (!present[i])
        continue;
      if (ok && !config->overridden[i])
        store_value (config, i, &parsed[i]);
      g_free (parsed[i].text);
    }
  return ok;
}

gboolean
lc_config_set (LcConfig *config, const char *name, const char *value, GError **error)
{
  ParsedValue parsed;
  int index;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  index = find_name (name);
  if (index < 0)
    {
      const char *dot = strchr (name, '.');

      if (dot == NULL)
        {
          g_autofree char *shown = printable (name);

          lc_set_error (error, LC_ERROR_CONFIG, NULL,
                        "unknown key \"%s\": keys are written group.key, such as server.listen; "
                        "every key is listed in docs/config.md",
                        shown);
        }
      else
        {
          g_autofree char *group = g_strndup (name, (gsize) (dot - name));

          set_unknown_key_error (error, "", group, dot + 1);
        }
      return FALSE;
    }

  if (!parse_value (&config_keys[index], value, &parsed, error))
    return FALSE;
  store_value (config, (gsize) index, &parsed);
  config->overridden[index] = TRUE;
  return TRUE;
}

gboolean
lc_config_set_assignment (LcConfig *config, const char *assignment, GError **error)
{
  const char *eq;
  g_autofree char *name = NULL;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (assignment != NULL, FALSE);

  eq = strchr (assignment, '=');
  if (eq == NULL)
    {
      g_autofree char *shown = printable (assignment);

      lc_set_error (error, LC_ERROR_CONFIG, NULL,
                    "invalid setting \"%s\": expected group.key=value, such as "
                    "server.listen=0.0.0.0:8080",
                    shown);
      return FALSE;
    }
  name = g_strstrip (g_strndup (assignment, (gsize) (eq - assignment)));
  return lc_config_set (config, name, eq + 1, error);
}

/* Whether text is an origin: http(s)://host[:port] without path, query or
 * fragment (a trailing "/" is tolerated). */
static gboolean
is_origin (const char *text, gboolean allow_path)
{
  g_autoptr (GUri) uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);
  const char *scheme, *host, *path;

  if (uri == NULL)
    return FALSE;
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  path = g_uri_get_path (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    return FALSE;
  if (host == NULL || host[0] == '\0' || g_uri_get_userinfo (uri) != NULL)
    return FALSE;
  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    return FALSE;
  return allow_path || path[0] == '\0' || strcmp (path, "/") == 0;
}

/* Every comma-separated item of a webrtc list key: an IP address (ip TRUE)
 * or a URI with one of schemes (a NULL-terminated list). */
static gboolean
check_list (LcConfig *config, const char *name, gboolean ip, const char *const *schemes,
            const char *expected, GError **error)
{
  g_auto (GStrv) items = g_strsplit (lc_config_get_string (config, name), ",", -1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      const char *item = g_strstrip (items[i]);
      gboolean ok = FALSE;

      if (item[0] == '\0')
        continue;
      if (ip)
        {
          g_autoptr (GInetAddress) address = g_inet_address_new_from_string (item);

          ok = address != NULL;
        }
      else
        for (guint j = 0; schemes[j] != NULL; j++)
          ok = ok
               || (g_str_has_prefix (item, schemes[j]) && item[strlen (schemes[j])] != '\0'
                   && strpbrk (item, " \t\"<>") == NULL);
      if (!ok)
        {
          g_autofree char *shown = printable (item);

          lc_set_error (error, LC_ERROR_CONFIG, NULL, "%s: invalid item \"%s\": expected %s", name,
                        shown, expected);
          return FALSE;
        }
    }
  return TRUE;
}

/* The webrtc.* keys together: a port range is both ends or neither; TURN
 * servers need the secret (browsers refuse a TURN server without
 * credentials, so a TURN URL without them would only break clients). */
static gboolean
validate_webrtc (LcConfig *config, GError **error)
{
  static const char *const stun_schemes[] = { "stun:", "stuns:", NULL };
  static const char *const turn_schemes[] = { "turn:", "turns:", NULL };
  gint64 port_min = lc_config_get_int (config, "webrtc.port_min");
  gint64 port_max = lc_config_get_int (config, "webrtc.port_max");
  const char *turn_servers = lc_config_get_string (config, "webrtc.turn_servers");
  const char *turn_secret = lc_config_get_string (config, "webrtc.turn_secret");

  if ((port_min == 0) != (port_max == 0))
    {
      lc_set_error (error, LC_ERROR_CONFIG, NULL,
                    "webrtc.port_min and webrtc.port_max: set both (a UDP port range such as "
                    "40000 and 40999) or neither (any port)");
      return FALSE;
    }
  if (port_min > port_max)
    {
      lc_set_error (error, LC_ERROR_CONFIG, NULL,
                    "webrtc.port_min (%" G_GINT64_FORMAT ") must not be larger than "
                    "webrtc.port_max (%" G_GINT64_FORMAT ")",
                    port_min, port_max);
      return FALSE;
    }
  if (!check_list (config, "webrtc.addresses", TRUE, NULL,
                   "comma-separated IP addresses such as 192.0.2.10,127.0.0.1", error)
      || !check_list (config, "webrtc.public_address", TRUE, NULL,
                      "one IP address such as 203.0.113.5", error)
      || !check_list (config, "webrtc.stun_servers", FALSE, stun_schemes,
                      "comma-separated STUN URIs such as stun:stun.example.org:3478", error)
      || !check_list (config, "webrtc.turn_servers", FALSE, turn_schemes,
                      "comma-separated TURN URIs such as turn:turn.example.org:3478?transport=udp",
                      error))
    return FALSE;
  if (strchr (lc_config_get_string (config, "webrtc.public_address"), ',') != NULL)
    {
      lc_set_error (error, LC_ERROR_CONFIG, NULL,
                    "webrtc.public_address: expected one IP address, not a list");
      return FALSE;
    }
  if (turn_servers[0] != '\0' && turn_secret[0] == '\0')
    {
      lc_set_error (error, LC_ERROR_CONFIG, NULL,
                    "webrtc.turn_servers is set but webrtc.turn_secret is not: browsers refuse "
                    "TURN servers without credentials; set the coturn static-auth-secret");
      return FALSE;
    }
  return TRUE;
}

/* city.timezone must name a zone the system's tzdata knows. */
static gboolean
validate_timezone (LcConfig *config, GError **error)
{
  const char *name = lc_config_get_string (config, "city.timezone");
  g_autoptr (GTimeZone) tz = g_time_zone_new_identifier (name);

  if (tz == NULL || name[0] == '\0')
    {
      g_autofree char *shown = printable (name);

      lc_set_error (error, LC_ERROR_CONFIG, NULL,
                    "city.timezone: unknown time zone \"%s\": expected an IANA name such as "
                    "Europe/Moscow (is the tzdata package installed?)",
                    shown);
      return FALSE;
    }
  return TRUE;
}

gboolean
lc_config_validate (LcConfig *config, GError **error)
{
  const char *cert, *key, *public_url;
  g_auto (GStrv) origins = NULL;
  gsize i;

  g_return_val_if_fail (config != NULL, FALSE);

  cert = lc_config_get_string (config, "server.tls_certificate");
  key = lc_config_get_string (config, "server.tls_key");
  if ((cert[0] != '\0') != (key[0] != '\0'))
    {
      lc_set_error (error, LC_ERROR_CONFIG, NULL,
                    "%s is set but %s is not; set both server.tls_certificate and "
                    "server.tls_key to enable TLS, or neither",
                    cert[0] != '\0' ? "server.tls_certificate" : "server.tls_key",
                    cert[0] != '\0' ? "server.tls_key" : "server.tls_certificate");
      return FALSE;
    }

  if (lc_config_get_int (config, "lessons.default_page_size")
      > lc_config_get_int (config, "lessons.max_page_size"))
    {
      lc_set_error (error, LC_ERROR_CONFIG, NULL,
                    "lessons.default_page_size (%" G_GINT64_FORMAT ") must not be larger than "
                    "lessons.max_page_size (%" G_GINT64_FORMAT ")",
                    lc_config_get_int (config, "lessons.default_page_size"),
                    lc_config_get_int (config, "lessons.max_page_size"));
      return FALSE;
    }

  public_url = lc_config_get_string (config, "server.public_url");
  if (public_url[0] != '\0' && !is_origin (public_url, TRUE))
    {
      g_autofree char *shown = printable (public_url);

      lc_set_error (error, LC_ERROR_CONFIG, NULL,
                    "server.public_url: invalid value \"%s\": expected an absolute http or https "
                    "URL such as https://lessons.example.org, or empty",
                    shown);
      return FALSE;
    }

  origins = g_strsplit (lc_config_get_string (config, "server.trusted_origins"), ",", -1);
  for (i = 0; origins[i] != NULL; i++)
    {
      g_strstrip (origins[i]);
      if (origins[i][0] != '\0' && !is_origin (origins[i], FALSE))
        {
          g_autofree char *shown = printable (origins[i]);

          lc_set_error (error, LC_ERROR_CONFIG, NULL,
                        "server.trusted_origins: invalid origin \"%s\": expected "
                        "comma-separated origins such as https://portal.example.org "
                        "(scheme, host and optional port, no path)",
                        shown);
          return FALSE;
        }
    }
  return validate_webrtc (config, error) && validate_timezone (config, error);
}

static int
lookup_typed (const char *name, LcConfigType type_a, LcConfigType type_b)
{
  int index = find_name (name);

  if (index < 0)
    return -1;
  if (config_keys[index].type != type_a && config_keys[index].type != type_b)
    return -2;
  return index;
}

const char *
lc_config_get_string (LcConfig *config, const char *name)
{
  int index;

  g_return_val_if_fail (config != NULL, "");
  index = find_name (name);
  g_return_val_if_fail (index >= 0, "");
  g_return_val_if_fail (config_keys[index].type != LC_CONFIG_INT
                            && config_keys[index].type != LC_CONFIG_BOOL,
                        "");
  return config->text[index];
}

gint64
lc_config_get_int (LcConfig *config, const char *name)
{
  int index;

  g_return_val_if_fail (config != NULL, 0);
  index = lookup_typed (name, LC_CONFIG_INT, LC_CONFIG_INT);
  g_return_val_if_fail (index >= 0, 0);
  return config->ints[index];
}

gboolean
lc_config_get_bool (LcConfig *config, const char *name)
{
  int index;

  g_return_val_if_fail (config != NULL, FALSE);
  index = lookup_typed (name, LC_CONFIG_BOOL, LC_CONFIG_BOOL);
  g_return_val_if_fail (index >= 0, FALSE);
  return config->bools[index];
}

/* ---- documentation ---- */

/* Append text as "# "-prefixed comment lines of at most width columns. */
static void
append_wrapped_comment (GString *out, const char *text, gsize width)
{
  g_auto (GStrv) words = g_strsplit (text, " ", -1);
  gsize line_len = 0;
  gsize i;

  for (i = 0; words[i] != NULL; i++)
    {
      gsize word_len = g_utf8_strlen (words[i], -1);

      if (words[i][0] == '\0')
        continue;
      if (line_len > 0 && line_len + 1 + word_len > width)
        {
          g_string_append_c (out, '\n');
          line_len = 0;
        }
      if (line_len == 0)
        {
          g_string_append (out, "#");
          line_len = 1;
        }
      g_string_append_c (out, ' ');
      g_string_append (out, words[i]);
      line_len += 1 + word_len;
    }
  if (line_len > 0)
    g_string_append_c (out, '\n');
}

char *
lc_config_sample_text (void)
{
  GString *out = g_string_new (NULL);
  gsize i;

  g_string_append (out,
                   "# lessoncast.conf — sample configuration.\n"
                   "#\n"
                   "# Every key is listed below, commented out, with its default value. To change\n"
                   "# a setting, uncomment its line and edit the value. Values are written\n"
                   "# without quotes; an empty value means \"not set\". Unknown groups and keys\n"
                   "# are errors, so a typo cannot go unnoticed.\n"
                   "#\n"
                   "# Any key can also be set on the command line, which wins over this file:\n"
                   "#   lessoncast serve --config lessoncast.conf --set server.listen=0.0.0.0:8080\n"
                   "#\n"
                   "# Generated from the table in common/lc-config.c; see docs/config.md.\n");

  for (i = 0; i < N_KEYS; i++)
    {
      const LcConfigKey *k = &config_keys[i];
      g_autofree char *allowed = allowed_text (k, FALSE);
      g_autofree char *type_line = NULL;

      if (i == 0 || strcmp (k->group, config_keys[i - 1].group) != 0)
        g_string_append_printf (out, "\n[%s]\n", k->group);

      g_string_append_c (out, '\n');
      append_wrapped_comment (out, k->help, 78);
      if (k->type == LC_CONFIG_STRING || k->type == LC_CONFIG_PATH)
        type_line = g_strdup_printf ("Type: %s.", type_name (k->type));
      else
        type_line = g_strdup_printf ("Type: %s (%s).", type_name (k->type), allowed);
      append_wrapped_comment (out, type_line, 78);
      if (k->default_value[0] != '\0')
        g_string_append_printf (out, "#%s = %s\n", k->key, k->default_value);
      else
        g_string_append_printf (out, "#%s =\n", k->key);
    }
  return g_string_free (out, FALSE);
}

static void
append_markdown_cell (GString *out, const char *text)
{
  const char *p;

  g_string_append_c (out, ' ');
  for (p = text; *p != '\0'; p++)
    {
      if (*p == '|')
        g_string_append (out, "\\|");
      else
        g_string_append_c (out, *p);
    }
  g_string_append (out, " |");
}

char *
lc_config_markdown_table (void)
{
  GString *out = g_string_new ("| key | type | default | allowed | description |\n"
                               "|---|---|---|---|---|\n");
  gsize i;

  for (i = 0; i < N_KEYS; i++)
    {
      const LcConfigKey *k = &config_keys[i];
      g_autofree char *name = g_strdup_printf ("`%s.%s`", k->group, k->key);
      g_autofree char *def = k->default_value[0] != '\0'
                                 ? g_strdup_printf ("`%s`", k->default_value)
                                 : g_strdup ("(empty)");
      g_autofree char *allowed = allowed_text (k, TRUE);

      g_string_append_c (out, '|');
      append_markdown_cell (out, name);
      append_markdown_cell (out, type_name (k->type));
      append_markdown_cell (out, def);
      append_markdown_cell (out, allowed);
      append_markdown_cell (out, k->help);
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}
