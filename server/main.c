/* main.c — the lessoncast daemon: `lessoncast serve|admin|version`.
 * Options and config in, one LcApp, signal handlers, the main loop. */
#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>

#include "common/lc-config.h"
#include "common/lc-error.h"
#include "common/lc-log.h"
#include "lc-admin.h"
#include "lc-app.h"
#include "streamer/lc-media-check.h"

#define EXIT_USAGE 2

static const char usage_text[] =
    "Usage: lessoncast COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  serve     run the server (lessoncast serve --help)\n"
    "  admin     operator tasks without HTTP (lessoncast admin --help)\n"
    "  version   print the version\n";

typedef struct
{
  GMainLoop *loop;
  LcApp *app;
  gboolean stopping;
  int exit_code;
} ServeState;

static void
on_app_stopped (gpointer user_data)
{
  ServeState *state = user_data;
  g_main_loop_quit (state->loop);
}

static gboolean
on_signal_stop (gpointer user_data)
{
  ServeState *state = user_data;
  if (state->stopping)
    {
      g_message ("second signal: exiting now");
      g_main_loop_quit (state->loop);
      return G_SOURCE_CONTINUE;
    }
  state->stopping = TRUE;
  g_message ("signal received: finishing in-flight requests, then stopping");
  lc_app_stop (state->app, G_CALLBACK (on_app_stopped), state);
  return G_SOURCE_CONTINUE;
}

static void
print_first_start (const char *login, const char *password, gpointer user_data)
{
  /* Printed once, to stdout, never to the log. */
  printf ("operator login: %s  password: %s\n", login, password);
  printf ("(this password is shown only now; reset it with `lessoncast admin reset-password %s`)\n",
          login);
  fflush (stdout);
}

static void
print_announcement (const char *text, gpointer user_data)
{
  fputs (text, stdout);
  fflush (stdout);
}

/* Defaults < file < --listen/--data-dir < --set, then cross-key checks. */
static gboolean
load_config (LcConfig *config, const char *file, const char *listen, const char *data_dir,
             char **assignments, GError **error)
{
  if (file && !lc_config_load_file (config, file, error))
    return FALSE;
  if (listen && !lc_config_set (config, "server.listen", listen, error))
    return FALSE;
  if (data_dir && !lc_config_set (config, "server.data_dir", data_dir, error))
    return FALSE;
  for (char **a = assignments; a && *a; a++)
    if (!lc_config_set_assignment (config, *a, error))
      return FALSE;
  return lc_config_validate (config, error);
}

static int
serve_main (int argc, char **argv)
{
  g_autofree char *config_file = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *data_dir = NULL;
  g_auto (GStrv) assignments = NULL;
  gboolean demo = FALSE;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_file, "Configuration file", "FILE" },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen, "Listen address (server.listen)", "ADDR:PORT" },
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir, "Data directory (server.data_dir)", "DIR" },
    { "demo", 0, 0, G_OPTION_ARG_NONE, &demo, "Seed demo schools, accounts and lessons if empty", NULL },
    { "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &assignments, "Override a config key (repeatable)",
      "GROUP.KEY=VALUE" },
    { NULL }
  };
  g_autoptr (GOptionContext) options = g_option_context_new ("- run the lessoncast server");
  g_autoptr (GError) error = NULL;
  g_autoptr (LcConfig) config = lc_config_new ();
  LcLogLevel level;
  LcLogFormat format;

  g_option_context_add_main_entries (options, entries, NULL);
  g_option_context_set_description (options, "Every configuration key is listed in docs/config.md.\n");
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("lessoncast serve: %s\n", error->message);
      return EXIT_USAGE;
    }
  if (argc > 1)
    {
      g_printerr ("lessoncast serve: unexpected argument \"%s\"\n", argv[1]);
      return EXIT_USAGE;
    }

  if (!load_config (config, config_file, listen, data_dir, assignments, &error))
    {
      g_printerr ("lessoncast: configuration error: %s\n", error->message);
      return EXIT_USAGE;
    }

  lc_log_level_from_string (lc_config_get_string (config, "log.level"), &level);
  lc_log_format_from_string (lc_config_get_string (config, "log.format"), &format);
  lc_log_install (format, level, 2);

  g_autoptr (GPtrArray) missing = NULL;
  g_autofree char *media = lc_media_describe ();
  if (!lc_media_check_plugins (&missing))
    g_warning ("media: %s (install the GStreamer plugin packages listed in README.md)", media);
  else
    g_info ("media: %s", media);

  ServeState state = { .loop = g_main_loop_new (NULL, FALSE) };
  state.app = lc_app_new (config);
  lc_app_set_first_start_writer (state.app, print_first_start, NULL);
  lc_app_set_announce_func (state.app, print_announcement, NULL);
  if (!lc_app_start (state.app, demo, &error))
    {
      g_printerr ("lessoncast: cannot start: %s\n", error->message);
      int code = g_error_matches (error, LC_ERROR, LC_ERROR_CONFIG) ? EXIT_USAGE : 1;
      g_object_unref (state.app);
      g_main_loop_unref (state.loop);
      return code;
    }
  g_autofree char *url = lc_app_dup_base_url (state.app);
  printf ("lessoncast: listening on %s\n", url);
  fflush (stdout);

  guint sigterm = g_unix_signal_add (SIGTERM, on_signal_stop, &state);
  guint sigint = g_unix_signal_add (SIGINT, on_signal_stop, &state);
  g_main_loop_run (state.loop);
  g_source_remove (sigterm);
  g_source_remove (sigint);
  g_object_unref (state.app);
  g_main_loop_unref (state.loop);
  g_message ("stopped");
  return state.exit_code;
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  if (argc < 2)
    {
      g_printerr ("%s", usage_text);
      return EXIT_USAGE;
    }
  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") || g_str_equal (argv[1], "help"))
    {
      printf ("%s", usage_text);
      return 0;
    }
  if (g_str_equal (argv[1], "version") || g_str_equal (argv[1], "--version"))
    {
      printf ("lessoncast %s\n", LC_VERSION);
      return 0;
    }
  if (g_str_equal (argv[1], "serve"))
    return serve_main (argc - 1, argv + 1);
  if (g_str_equal (argv[1], "admin"))
    return lc_admin_main (argc - 1, argv + 1);
  g_printerr ("lessoncast: unknown command \"%s\"\n\n%s", argv[1], usage_text);
  return EXIT_USAGE;
}
