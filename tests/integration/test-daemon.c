/* test-daemon.c — the real `lessoncast` binary as an operator runs it: usage
 * and exit codes, configuration errors naming the key, first start printing the
 * operator password once (and never to the log), readiness, SIGTERM → clean
 * exit with the database closed, restart on the same data directory. */
#include <glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>

#include "lc-test-fs.h"

typedef struct
{
  char *data_dir;
} Fixture;

static char *
binary_path (void)
{
  const char *build = g_getenv ("LC_BUILD_ROOT");
  g_assert_nonnull (build);
  return g_build_filename (build, "server", "lessoncast", NULL);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->data_dir = lc_test_fs_make_tmp_dir ("lc-daemon-XXXXXX");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  lc_test_fs_remove_tree (f->data_dir, NULL);
  g_free (f->data_dir);
}

/* Run to completion; returns the exit status, stdout and stderr. */
static int
run (const char *const *args, char **out, char **err)
{
  g_autofree char *bin = binary_path ();
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, bin);
  for (const char *const *a = args; *a; a++)
    g_ptr_array_add (argv, (gpointer) *a);
  g_ptr_array_add (argv, NULL);

  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) proc = g_subprocess_newv ((const char *const *) argv->pdata,
                                                    G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                        | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                                    &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  return g_subprocess_get_exit_status (proc);
}

static void
test_usage (void)
{
  struct
  {
    const char *args[4];
    int status;
    const char *needle; /* in stdout+stderr */
  } cases[] = {
    { { NULL }, 2, "Usage: lessoncast" },
    { { "--help", NULL }, 0, "serve" },
    { { "version", NULL }, 0, "lessoncast 0." },
    { { "frobnicate", NULL }, 2, "unknown command" },
    { { "serve", "--help", NULL }, 0, "--data-dir" },
    { { "serve", "--no-such-option", NULL }, 2, "no-such-option" },
    { { "serve", "stray", NULL }, 2, "unexpected argument" },
    { { "admin", "--help", NULL }, 0, "reset-password" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL, *err = NULL;
      int status = run (cases[i].args, &out, &err);
      g_autofree char *all = g_strconcat (out, err, NULL);
      g_test_message ("case %zu: status %d", i, status);
      g_assert_cmpint (status, ==, cases[i].status);
      g_assert_nonnull (strstr (all, cases[i].needle));
    }
}

static void
test_config_errors (Fixture *f, gconstpointer data)
{
  g_autofree char *conf = g_build_filename (f->data_dir, "bad.conf", NULL);
  g_autofree char *out = NULL, *err = NULL;

  /* A value out of bounds names the key and the bounds. */
  const char *args1[] = { "serve", "--data-dir", f->data_dir, "--set", "server.max_connections=5",
                          NULL };
  g_assert_cmpint (run (args1, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "server.max_connections"));
  g_assert_nonnull (strstr (err, "16"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* An unknown key in a file is an error, not silently ignored. */
  g_assert_true (g_file_set_contents (conf, "[server]\nlisten_port = 80\n", -1, NULL));
  const char *args2[] = { "serve", "--config", conf, NULL };
  g_assert_cmpint (run (args2, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "server.listen_port"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* A bad enum lists the allowed values. */
  const char *args3[] = { "serve", "--set", "log.format=xml", NULL };
  g_assert_cmpint (run (args3, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "log.format"));
  g_assert_nonnull (strstr (err, "json"));
}

typedef struct
{
  GSubprocess *proc;
  GDataInputStream *out;
  char *base_url;
  char *operator_password;
  gboolean saw_operator_line;
} Daemon;

static void
daemon_start (Daemon *d, const char *data_dir)
{
  g_autofree char *bin = binary_path ();
  g_autofree char *log_path = g_build_filename (data_dir, "stderr.log", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);

  /* stderr (the log) goes to a file the test reads afterwards. */
  g_subprocess_launcher_set_stderr_file_path (launcher, log_path);
  d->proc = g_subprocess_launcher_spawn (launcher, &error, bin, "serve", "--data-dir", data_dir,
                                         "--set", "server.listen=127.0.0.1:0", "--set",
                                         "auth.kdf_cost=10", "--set", "log.level=debug", NULL);
  g_assert_no_error (error);
  d->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (d->proc));

  /* Read stdout until the server says where it listens: this is the
   * readiness signal, no sleeping. */
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (d->out, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (line); /* EOF before listening = start-up failed */
      const char *p;
      if ((p = strstr (line, "password: ")) && g_str_has_prefix (line, "operator login: operator"))
        {
          d->saw_operator_line = TRUE;
          d->operator_password = g_strdup (p + strlen ("password: "));
        }
      if ((p = strstr (line, "listening on ")))
        {
          d->base_url = g_strdup (p + strlen ("listening on "));
          break;
        }
    }
}

/* SIGTERM → exit 0; returns the log (stderr) text. */
static char *
daemon_stop (Daemon *d, const char *data_dir)
{
  g_autoptr (GError) error = NULL;

  g_subprocess_send_signal (d->proc, SIGTERM);
  g_assert_true (g_subprocess_wait (d->proc, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (d->proc));
  g_assert_cmpint (g_subprocess_get_exit_status (d->proc), ==, 0);

  g_autofree char *log_path = g_build_filename (data_dir, "stderr.log", NULL);
  char *log = NULL;
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  g_clear_object (&d->out);
  g_clear_object (&d->proc);
  g_clear_pointer (&d->base_url, g_free);
  return log;
}

static guint
http (const char *base, const char *method, const char *path, const char *json, char **body)
{
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (base, path, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  g_autoptr (GError) error = NULL;

  if (json)
    {
      g_autoptr (GBytes) b = g_bytes_new (json, strlen (json));
      soup_message_set_request_body_from_bytes (msg, "application/json", b);
    }
  g_autoptr (GBytes) resp = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  if (body)
    *body = g_strndup (g_bytes_get_data (resp, NULL), g_bytes_get_size (resp));
  return soup_message_get_status (msg);
}

static void
test_lifecycle (Fixture *f, gconstpointer data)
{
  Daemon d = { 0 };
  g_autofree char *body = NULL;

  daemon_start (&d, f->data_dir);
  g_assert_true (d.saw_operator_line);
  g_assert_nonnull (d.operator_password);
  g_assert_cmpuint (strlen (d.operator_password), >=, 16);

  g_assert_cmpuint (http (d.base_url, "GET", "/healthz", NULL, NULL), ==, 200);
  g_assert_cmpuint (http (d.base_url, "GET", "/readyz", NULL, &body), ==, 200);
  g_assert_nonnull (strstr (body, "\"ready\""));
  g_clear_pointer (&body, g_free);

  /* The printed password works — and a wrong one does not. */
  g_autofree char *login = g_strdup_printf ("{\"login\":\"operator\",\"password\":\"%s\"}",
                                            d.operator_password);
  g_assert_cmpuint (http (d.base_url, "POST", "/api/v1/auth/login", login, NULL), ==, 200);
  g_assert_cmpuint (http (d.base_url, "POST", "/api/v1/auth/login",
                          "{\"login\":\"operator\",\"password\":\"wrong-password-1\"}", NULL),
                    ==, 401);
  /* A secret in the query string must not reach the log either. */
  g_assert_cmpuint (http (d.base_url, "GET", "/api/v1/lessons?limit=1&token=sekrit-query-value",
                          NULL, NULL),
                    ==, 400);

  g_autofree char *log = daemon_stop (&d, f->data_dir);
  g_assert_nonnull (strstr (log, "database closed"));
  g_assert_nonnull (strstr (log, "path=/healthz"));
  g_assert_null (strstr (log, d.operator_password));
  g_assert_null (strstr (log, "wrong-password-1"));
  g_assert_null (strstr (log, "sekrit-query-value"));

  /* Restart on the same data: no second operator, no password printed. */
  g_autofree char *first_password = g_steal_pointer (&d.operator_password);
  Daemon d2 = { 0 };
  daemon_start (&d2, f->data_dir);
  g_assert_false (d2.saw_operator_line);
  g_assert_cmpuint (http (d2.base_url, "POST", "/api/v1/auth/login", login, NULL), ==, 200);
  g_autofree char *log2 = daemon_stop (&d2, f->data_dir);
  g_assert_null (strstr (log2, first_password));
}

static void
test_port_in_use (Fixture *f, gconstpointer data)
{
  Daemon d = { 0 };
  daemon_start (&d, f->data_dir);

  /* A second server on the same port cannot use its configured address:
   * a configuration error (exit 2) whose message says why. */
  g_autofree char *listen = g_strdup_printf ("server.listen=%s", d.base_url + strlen ("http://"));
  g_autofree char *dir2 = g_build_filename (f->data_dir, "second", NULL);
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "serve", "--data-dir", dir2, "--set", listen, "--set", "auth.kdf_cost=10",
                         NULL };
  g_assert_cmpint (run (args, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "cannot listen"));

  /* The first server is unharmed. */
  g_assert_cmpuint (http (d.base_url, "GET", "/readyz", NULL, NULL), ==, 200);
  g_free (daemon_stop (&d, f->data_dir));
  g_free (d.operator_password);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/daemon/usage", test_usage);
  g_test_add ("/daemon/config-errors", Fixture, NULL, fixture_setup, test_config_errors,
              fixture_teardown);
  g_test_add ("/daemon/lifecycle", Fixture, NULL, fixture_setup, test_lifecycle, fixture_teardown);
  g_test_add ("/daemon/port-in-use", Fixture, NULL, fixture_setup, test_port_in_use,
              fixture_teardown);
  return g_test_run ();
}
