/* test-log.c — unit tests for lc-log: text and JSON record formatting,
 * escaping, level mapping and filtering through the installed writer,
 * request records, and redaction of secrets in request paths. */
#include <string.h>

#include <json-glib/json-glib.h>

#include "common/lc-log.h"

/* 2026-11-30T10:00:00.123Z */
static gint64
fixed_now_us (void)
{
  g_autoptr (GDateTime) dt = g_date_time_new_utc (2026, 11, 30, 10, 0, 0);

  return g_date_time_to_unix (dt) * G_USEC_PER_SEC + 123456;
}

static JsonObject *
parse_object (const char *line)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonNode *root;

  json_parser_load_from_data (parser, line, -1, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_nonnull (root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

static void
test_from_string (void)
{
  LcLogLevel level = LC_LOG_ERROR;
  LcLogFormat format = LC_LOG_TEXT;

  g_assert_true (lc_log_level_from_string ("debug", &level));
  g_assert_cmpint (level, ==, LC_LOG_DEBUG);
  g_assert_true (lc_log_level_from_string ("WARNING", &level));
  g_assert_cmpint (level, ==, LC_LOG_WARNING);
  g_assert_true (lc_log_level_from_string ("info", &level));
  g_assert_cmpint (level, ==, LC_LOG_INFO);
  g_assert_true (lc_log_level_from_string ("error", &level));
  g_assert_cmpint (level, ==, LC_LOG_ERROR);
  g_assert_false (lc_log_level_from_string ("verbose", &level));
  g_assert_false (lc_log_level_from_string (NULL, &level));
  g_assert_cmpint (level, ==, LC_LOG_ERROR);

  g_assert_true (lc_log_format_from_string ("json", &format));
  g_assert_cmpint (format, ==, LC_LOG_JSON);
  g_assert_true (lc_log_format_from_string ("text", &format));
  g_assert_cmpint (format, ==, LC_LOG_TEXT);
  g_assert_false (lc_log_format_from_string ("xml", &format));
}

static void
test_format_text (void)
{
  const GLogField fields[] = {
    { "MESSAGE", "lesson abc: started", -1 },
    { "PRIORITY", "6", -1 },
    { "GLIB_DOMAIN", "lc-signaling", -1 },
    { "CODE_FILE", "x.c", -1 },
    { "LC_EVENT", "request", -1 },
    { "method", "GET", -1 },
    { "path", "/a b", -1 },
    { "status", "200", -1 },
    { "empty", "", -1 },
    { "quoted", "say \"hi\"=\\", -1 },
  };
  g_autofree char *line =
      lc_log_format_record (LC_LOG_TEXT, G_LOG_LEVEL_INFO, fields, G_N_ELEMENTS (fields),
                            fixed_now_us ());

  g_assert_cmpstr (line, ==,
                   "2026-11-30T10:00:00.123Z INFO lc-signaling: lesson abc: started "
                   "event=request method=GET path=\"/a b\" status=200 empty=\"\" "
                   "quoted=\"say \\\"hi\\\"=\\\\\"");
}

static void
test_format_text_escaping (void)
{
  const GLogField fields[] = {
    { "MESSAGE", "line 1\nline 2\r\t\x01 \xd0\xbf\xd1\x80\xd0\xb8", -1 },
    { "value", "a\nb", -1 },
    { "binary", "\xff\x00z", 3 },
  };
  g_autofree char *line =
      lc_log_format_record (LC_LOG_TEXT, G_LOG_LEVEL_WARNING, fields, G_N_ELEMENTS (fields), 0);

  /* One line whatever the message holds; no domain given: "-". */
  g_assert_null (strchr (line, '\n'));
  g_assert_null (strchr (line, '\r'));
  g_assert_cmpstr (line, ==,
                   "1970-01-01T00:00:00.000Z WARNING -: line 1\\nline 2\\r\\t\\x01 "
                   "\xd0\xbf\xd1\x80\xd0\xb8 value=\"a\\nb\" binary=\xef\xbf\xbd\xef\xbf\xbdz");
}

static void
test_format_json (void)
{
  const GLogField fields[] = {
    { "MESSAGE", "request", -1 },
    { "GLIB_DOMAIN", "lc-common", -1 },
    { "PRIORITY", "6", -1 },
    { "GLIB_OLD_LOG_API", "1", -1 },
    { "LC_EVENT", "request", -1 },
    { "method", "POST", -1 },
    { "status", "201", -1 },
    { "bytes", "512", -1 },
    { "duration_ms", "3.250", -1 },
    { "client", "127.0.0.1", -1 },
    { "lesson", "123", -1 }, /* not a numeric field: stays a string */
    { "level", "spoof", -1 },
  };
  g_autofree char *line =
      lc_log_format_record (LC_LOG_JSON, G_LOG_LEVEL_MESSAGE, fields, G_N_ELEMENTS (fields),
                            fixed_now_us ());
  g_autoptr (JsonObject) obj = parse_object (line);

  g_assert_cmpstr (line, ==,
                   "{\"ts\":\"2026-11-30T10:00:00.123Z\",\"level\":\"info\",\"domain\":\"lc-common\","
                   "\"msg\":\"request\",\"event\":\"request\",\"method\":\"POST\",\"status\":201,"
                   "\"bytes\":512,\"duration_ms\":3.250,\"client\":\"127.0.0.1\",\"lesson\":\"123\","
                   "\"field_level\":\"spoof\"}");
  g_assert_cmpstr (json_object_get_string_member (obj, "level"), ==, "info");
  g_assert_cmpint (json_object_get_int_member (obj, "status"), ==, 201);
  g_assert_cmpfloat (json_object_get_double_member (obj, "duration_ms"), ==, 3.25);
}

static void
test_format_json_escaping (void)
{
  const char *message = "he said \"hi\"\\ \n\r\t\b\f\x01\x1f\x7f \xc2\x85 \xe2\x80\xa8 "
                        "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 </script>";
  const GLogField fields[] = {
    { "MESSAGE", message, -1 },
    { "GLIB_DOMAIN", "lc-\"x\"", -1 },
    { "path", "/a\"b\\c\n", -1 },
    { "status", "200 OK", -1 }, /* not a number: a string */
    { "bytes", "\xff", 1 },     /* invalid UTF-8 becomes U+FFFD */
    { "we ird=key", "v", -1 },
  };
  g_autofree char *line =
      lc_log_format_record (LC_LOG_JSON, G_LOG_LEVEL_DEBUG, fields, G_N_ELEMENTS (fields), 0);
  g_autoptr (JsonObject) obj = parse_object (line);

  g_assert_null (strchr (line, '\n'));
  g_assert_nonnull (strstr (line, "\"msg\":\"he said \\\"hi\\\"\\\\ \\n\\r\\t\\u0008\\u000c"
                                  "\\u0001\\u001f\\u007f \\u0085 \\u2028 "));
  /* The message round-trips exactly. */
  g_assert_cmpstr (json_object_get_string_member (obj, "msg"), ==, message);
  g_assert_cmpstr (json_object_get_string_member (obj, "level"), ==, "debug");
  g_assert_cmpstr (json_object_get_string_member (obj, "domain"), ==, "lc-\"x\"");
  g_assert_cmpstr (json_object_get_string_member (obj, "path"), ==, "/a\"b\\c\n");
  g_assert_cmpstr (json_object_get_string_member (obj, "status"), ==, "200 OK");
  g_assert_cmpstr (json_object_get_string_member (obj, "bytes"), ==, "\xef\xbf\xbd");
  g_assert_cmpstr (json_object_get_string_member (obj, "we_ird_key"), ==, "v");
}

static void
test_levels (void)
{
  static const struct
  {
    GLogLevelFlags flags;
    const char *text;
    const char *json;
  } cases[] = {
    { G_LOG_LEVEL_ERROR | G_LOG_FLAG_FATAL, " ERROR ", "\"level\":\"error\"" },
    { G_LOG_LEVEL_CRITICAL, " ERROR ", "\"level\":\"error\"" },
    { G_LOG_LEVEL_WARNING, " WARNING ", "\"level\":\"warning\"" },
    { G_LOG_LEVEL_MESSAGE, " INFO ", "\"level\":\"info\"" },
    { G_LOG_LEVEL_INFO, " INFO ", "\"level\":\"info\"" },
    { G_LOG_LEVEL_DEBUG, " DEBUG ", "\"level\":\"debug\"" },
  };
  const GLogField fields[] = { { "MESSAGE", "m", -1 } };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = lc_log_format_record (LC_LOG_TEXT, cases[i].flags, fields, 1, 0);
      g_autofree char *json = lc_log_format_record (LC_LOG_JSON, cases[i].flags, fields, 1, 0);

      g_assert_nonnull (strstr (text, cases[i].text));
      g_assert_nonnull (strstr (json, cases[i].json));
    }
}

static void
test_timestamp (void)
{
  const GLogField fields[] = { { "MESSAGE", "m", -1 } };
  g_autofree char *before_epoch = lc_log_format_record (LC_LOG_TEXT, G_LOG_LEVEL_INFO, fields, 1, -1);
  g_autofree char *ms = lc_log_format_record (LC_LOG_TEXT, G_LOG_LEVEL_INFO, fields, 1, 1999);

  g_assert_true (g_str_has_prefix (before_epoch, "1969-12-31T23:59:59.999Z INFO"));
  g_assert_true (g_str_has_prefix (ms, "1970-01-01T00:00:00.001Z INFO"));
}

/* Filtering and re-installation go through GLib's process-wide writer, so
 * they run in a subprocess that logs to its stdout. */
static void
test_writer_filter (void)
{
  if (g_test_subprocess ())
    {
      /* g_test_init() made warnings fatal; real daemons do not. */
      g_log_set_always_fatal (G_LOG_FATAL_MASK);

      lc_log_install (LC_LOG_TEXT, LC_LOG_WARNING, 1);
      g_debug ("hidden debug");
      g_info ("hidden info");
      g_message ("hidden message");
      g_warning ("shown warning %d", 1);
      g_critical ("shown critical");

      lc_log_install (LC_LOG_JSON, LC_LOG_DEBUG, 1);
      g_debug ("shown debug");
      g_info ("shown info");

      lc_log_install (LC_LOG_TEXT, LC_LOG_ERROR, 1);
      g_warning ("hidden warning");
      g_critical ("shown last");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*Z WARNING lc-test: shown warning 1\n*");
  g_test_trap_assert_stdout ("*Z ERROR lc-test: shown critical\n*");
  g_test_trap_assert_stdout ("*\"level\":\"debug\",\"domain\":\"lc-test\",\"msg\":\"shown debug\"}\n*");
  g_test_trap_assert_stdout ("*\"level\":\"info\",\"domain\":\"lc-test\",\"msg\":\"shown info\"}\n*");
  g_test_trap_assert_stdout ("*Z ERROR lc-test: shown last\n*");
  g_test_trap_assert_stdout_unmatched ("*hidden*");
}

static void
test_request_record (void)
{
  if (g_test_subprocess ())
    {
      lc_log_install (LC_LOG_JSON, LC_LOG_INFO, 1);
      lc_log_request ("GET", "/api/v1/lessons?key=REDACTED", 200, 512, 3.25, "127.0.0.1");
      lc_log_install (LC_LOG_TEXT, LC_LOG_INFO, 1);
      lc_log_request ("POST", "/a b", 422, 0, 0.5, NULL);
      lc_log_install (LC_LOG_TEXT, LC_LOG_WARNING, 1);
      lc_log_request ("GET", "/filtered", 200, 1, 1.0, "::1");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*Z\",\"level\":\"info\",\"domain\":\"lc-common\",\"msg\":\"request\","
                             "\"event\":\"request\",\"method\":\"GET\","
                             "\"path\":\"/api/v1/lessons?key=REDACTED\",\"status\":200,"
                             "\"bytes\":512,\"duration_ms\":3.250,\"client\":\"127.0.0.1\"}\n*");
  g_test_trap_assert_stdout ("*Z INFO lc-common: request event=request method=POST "
                             "path=\"/a b\" status=422 bytes=0 duration_ms=0.500 client=-\n*");
  g_test_trap_assert_stdout_unmatched ("*filtered*");
}

static void
test_redact (void)
{
  static const struct
  {
    const char *path;
    const char *query;
    const char *expected;
  } cases[] = {
    { "/api/v1/x", "key=abc&x=1", "/api/v1/x?key=REDACTED&x=1" },
    { "/p", "TOKEN=abc", "/p?TOKEN=REDACTED" },
    { "/p", "x=1&Access_Token=abc&y=2", "/p?x=1&Access_Token=REDACTED&y=2" },
    { "/p", NULL, "/p" },
    { "/p", "", "/p" },
    { "/p#frag", NULL, "/p" },
    { "/p", "a=1#frag&token=x", "/p?a=1" },
    { "/p", "#only-fragment", "/p" },
    { "/p?token=x&b=2#f", NULL, "/p?token=REDACTED&b=2" },
    { "/p?", NULL, "/p" },
    { "/p", "%74oken=abc&%4B%45%59=1", "/p?%74oken=REDACTED&%4B%45%59=REDACTED" },
    { "/p", "x=1&&password=", "/p?x=1&&password=REDACTED" },
    { "/p", "token", "/p?token" },
    { "/p", "a=token&keyword=1&monkey=2", "/p?a=token&keyword=1&monkey=2" },
    { "/p", "key=a=b", "/p?key=REDACTED" },
    { "/whip/abc",
      "publish_key=lpk_x&secret=1&session=2&sig=3&signature=4&code=5&password=6",
      "/whip/abc?publish_key=REDACTED&secret=REDACTED&session=REDACTED&sig=REDACTED"
      "&signature=REDACTED&code=REDACTED&password=REDACTED" },
    { "/p", "refresh_token=1&api_key=2&new_password=3&client_secret=4",
      "/p?refresh_token=REDACTED&api_key=REDACTED&new_password=REDACTED"
      "&client_secret=REDACTED" },
    { "/p", "%zz=1&%00key=2", "/p?%zz=1&%00key=2" },
    { NULL, NULL, "" },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *redacted = lc_log_redact_path (cases[i].path, cases[i].query);

      g_test_message ("%s ? %s", cases[i].path, cases[i].query);
      g_assert_cmpstr (redacted, ==, cases[i].expected);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/common/log/from-string", test_from_string);
  g_test_add_func ("/common/log/format/text", test_format_text);
  g_test_add_func ("/common/log/format/text-escaping", test_format_text_escaping);
  g_test_add_func ("/common/log/format/json", test_format_json);
  g_test_add_func ("/common/log/format/json-escaping", test_format_json_escaping);
  g_test_add_func ("/common/log/format/levels", test_levels);
  g_test_add_func ("/common/log/format/timestamp", test_timestamp);
  g_test_add_func ("/common/log/writer/filter", test_writer_filter);
  g_test_add_func ("/common/log/writer/request", test_request_record);
  g_test_add_func ("/common/log/redact", test_redact);

  return g_test_run ();
}
