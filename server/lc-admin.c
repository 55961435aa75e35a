/* lc-admin.c — `lessoncast admin …`: operator tasks without HTTP (create an
 * operator, reset a password, list accounts, migrate and check the database).
 * Global options (--config, --data-dir, --set) work before or after the
 * subcommand and are applied like `serve` applies them. Exit codes: 0 ok,
 * 1 failure, 2 usage or configuration error. Passwords are printed once to
 * stdout and never logged; password hashes are never printed. */
#include "lc-admin.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "common/lc-config.h"
#include "common/lc-crypto.h"
#include "common/lc-error.h"
#include "common/lc-log.h"
#include "common/lc-password.h"
#include "common/lc-store-sqlite.h"
#include "common/lc-time.h"
#include "streamer/lc-media-check.h"

#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define MAX_PASSWORD_LINE 1024

typedef struct
{
  /* global */
  char *config_file;
  char *data_dir;
  GPtrArray *assignments; /* --set values, in order */
  gboolean help;
  /* per command */
  char *display_name;
  char *role;
  char *school;
} AdminOptions;

typedef struct
{
  AdminOptions *options;
  LcConfig *config;
  LcStore *store;
  char *const *args; /* positional arguments after the subcommand */
} AdminRun;

typedef struct
{
  const char *name;
  const char *parameter; /* shown in --help after the command */
  const char *summary;
  int n_args;            /* positional arguments required (and allowed) */
  gboolean create_store; /* create the data dir and database when missing */
  /* Usage checks before anything is touched (nullable): FALSE = exit 2. */
  gboolean (*validate) (AdminOptions *options, char *const *args);
  int (*run) (AdminRun *run);
} AdminCommand;

static void
admin_options_clear (AdminOptions *options)
{
  g_free (options->config_file);
  g_free (options->data_dir);
  g_ptr_array_unref (options->assignments);
  g_free (options->display_name);
  g_free (options->role);
  g_free (options->school);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AdminOptions, admin_options_clear)

/* ---- option parsing ---- */

static gboolean
on_config_option (const char *name, const char *value, gpointer data, GError **error)
{
  AdminOptions *options = data;

  g_free (options->config_file);
  options->config_file = g_strdup (value);
  return TRUE;
}

static gboolean
on_data_dir_option (const char *name, const char *value, gpointer data, GError **error)
{
  AdminOptions *options = data;

  g_free (options->data_dir);
  options->data_dir = g_strdup (value);
  return TRUE;
}

static gboolean
on_set_option (const char *name, const char *value, gpointer data, GError **error)
{
  AdminOptions *options = data;

  g_ptr_array_add (options->assignments, g_strdup (value));
  return TRUE;
}

/* A context whose main group holds the command's own entries (nullable), the
 * global options and -h/--help (handled here, so nothing calls exit()). */
static GOptionContext *
make_context (const char *parameter, AdminOptions *options, const GOptionEntry *own)
{
  const GOptionEntry global[]
      = { { "config", 'c', 0, G_OPTION_ARG_CALLBACK, (gpointer)on_config_option,
            "Configuration file", "FILE" },
          { "data-dir", 'd', 0, G_OPTION_ARG_CALLBACK, (gpointer)on_data_dir_option,
            "Data directory (server.data_dir)", "DIR" },
          { "set", 's', 0, G_OPTION_ARG_CALLBACK, (gpointer)on_set_option,
            "Override a config key (repeatable)", "GROUP.KEY=VALUE" },
          { "help", 'h', 0, G_OPTION_ARG_NONE, &options->help, "Show this help", NULL },
          { NULL } };
  GOptionContext *context = g_option_context_new (parameter);
  GOptionGroup *group
      = g_option_group_new ("admin", "Admin options", "Admin options", options, NULL);

  if (own != NULL)
    g_option_group_add_entries (group, own);
  g_option_group_add_entries (group, global);
  g_option_context_set_main_group (context, group);
  g_option_context_set_help_enabled (context, FALSE);
  return context;
}

static void
print_help (GOptionContext *context)
{
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

  g_print ("%s", help);
}

/* ---- configuration and store ---- */

/* Config file, then --data-dir, then every --set in order, then the
 * cross-key checks: as `serve` does. */
static LcConfig *
load_config (AdminOptions *options, GError **error)
{
  g_autoptr (LcConfig) config = lc_config_new ();

  if (options->config_file != NULL && !lc_config_load_file (config, options->config_file, error))
    return NULL;
  if (options->data_dir != NULL
      && !lc_config_set (config, "server.data_dir", options->data_dir, error))
    return NULL;
  for (guint i = 0; i < options->assignments->len; i++)
    if (!lc_config_set_assignment (config, options->assignments->pdata[i], error))
      return NULL;
  if (!lc_config_validate (config, error))
    return NULL;
  return g_steal_pointer (&config);
}

static char *
database_path (LcConfig *config)
{
  return g_build_filename (lc_config_get_string (config, "server.data_dir"), LC_STORE_DB_FILENAME,
                           NULL);
}

static LcStore *
open_store (LcConfig *config, gboolean create, GError **error)
{
  const char *data_dir = lc_config_get_string (config, "server.data_dir");
  g_autofree char *path = database_path (config);
  LcStoreSqlite *store;

  if (create)
    {
      if (g_mkdir_with_parents (data_dir, 0700) != 0)
        {
          int saved = errno;

          lc_set_error (error, LC_ERROR_STORE, NULL, "cannot create the data directory %s: %s",
                        data_dir, g_strerror (saved));
          return NULL;
        }
    }
  else if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      lc_set_error (error, LC_ERROR_STORE, NULL,
                    "no database at %s (run `lessoncast admin migrate` first)", path);
      return NULL;
    }
  store = lc_store_sqlite_open (path, error);
  return store != NULL ? LC_STORE (store) : NULL;
}

/* Bring the schema up to date (as serve does at start-up), saying so when
 * something was applied. */
static gboolean
ensure_schema (LcStore *store, GError **error)
{
  int from = lc_store_get_schema_version (store);

  if (!lc_store_migrate (store, error))
    return FALSE;
  if (from != lc_store_get_schema_version (store))
    g_printerr ("lessoncast admin: database schema migrated from version %d to %d\n", from,
                lc_store_get_schema_version (store));
  return TRUE;
}

static void
kdf_params_from_config (LcConfig *config, LcKdfParams *kdf)
{
  lc_kdf_params_init_default (kdf);
  kdf->log2_n = (int)lc_config_get_int (config, "auth.kdf_cost");
}

/* 18 random bytes → 24 base64url characters (~144 bits), easy to copy. */
static char *
generate_password (void)
{
  guint8 raw[18];
  char *password;

  lc_random_bytes (raw, sizeof raw);
  password = lc_base64url_encode (raw, sizeof raw);
  memset (raw, 0, sizeof raw);
  return password;
}

/* One line from standard input, without its line ending. */
static char *
read_password_line (GError **error)
{
  char line[MAX_PASSWORD_LINE];
  gsize len;
  char *password;

  if (fgets (line, sizeof line, stdin) == NULL)
    {
      lc_set_error (error, LC_ERROR_WEAK_PASSWORD, "password",
                    "no password on standard input (one line expected)");
      return NULL;
    }
  len = strlen (line);
  if (len == sizeof line - 1 && line[len - 1] != '\n')
    {
      memset (line, 0, sizeof line);
      lc_set_error (error, LC_ERROR_WEAK_PASSWORD, "password", "the password line is too long");
      return NULL;
    }
  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
    line[--len] = '\0';
  password = g_strdup (line);
  memset (line, 0, sizeof line);
  return password;
}

static void
free_password (char *password)
{
  if (password != NULL)
    memset (password, 0, strlen (password));
  g_free (password);
}

static gboolean
login_is_valid (const char *login)
{
  gsize len = strlen (login);

  if (len < 3 || len > 64)
    return FALSE;
  for (const char *p = login; *p != '\0'; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '.' && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
}

/* ---- commands ---- */

static gboolean
validate_create_operator (AdminOptions *options, char *const *args)
{
  g_autofree char *login = g_ascii_strdown (args[0], -1);

  if (login_is_valid (login))
    return TRUE;
  g_printerr ("lessoncast admin: invalid login \"%s\": use 3 to 64 of a-z, 0-9, '.', '_', '-'\n",
              args[0]);
  return FALSE;
}

static gboolean
validate_list_accounts (AdminOptions *options, char *const *args)
{
  if (options->role == NULL || lc_role_from_string (options->role, NULL))
    return TRUE;
  g_printerr ("lessoncast admin: unknown role \"%s\" (operator, coordinator, teacher)\n",
              options->role);
  return FALSE;
}

static int
run_create_operator (AdminRun *run)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LcAccount) account = lc_account_new ();
  g_autofree char *login = g_ascii_strdown (run->args[0], -1);
  char *password = NULL;
  gboolean generated = isatty (STDIN_FILENO) != 0; /* a terminal: generate one */
  LcKdfParams kdf;
  gint64 now = lc_time_now ();

  password = generated ? generate_password () : read_password_line (&error);
  if (password == NULL
      || !lc_password_check_policy (
          password, (int)lc_config_get_int (run->config, "auth.password_min_length"), login,
          &error))
    goto fail;

  kdf_params_from_config (run->config, &kdf);
  account->id = lc_id_new ();
  account->login = g_strdup (login);
  account->display_name
      = g_strdup (run->options->display_name != NULL ? run->options->display_name : login);
  account->role = LC_ROLE_OPERATOR;
  account->password_hash = lc_password_hash (password, &kdf, &error);
  account->created_at = account->updated_at = account->password_changed_at = now;
  if (account->password_hash == NULL || !lc_store_insert_account (run->store, account, &error))
    goto fail;
  lc_store_audit (run->store, NULL, "admin.create_operator", "account", account->id, NULL, NULL);

  g_print ("operator \"%s\" created\n", login);
  if (generated)
    g_print ("password: %s\n(shown only now)\n", password);
  free_password (password);
  return EXIT_OK;

fail:
  free_password (password);
  if (g_error_matches (error, LC_ERROR, LC_ERROR_CONFLICT))
    g_printerr ("lessoncast admin: an account with login \"%s\" already exists\n", login);
  else
    g_printerr ("lessoncast admin: %s\n", error->message);
  return EXIT_FAIL;
}

typedef struct
{
  LcAccount *account;
  gint64 revoked;
} ResetData;

static gboolean
reset_in_transaction (LcStore *store, gpointer user_data, GError **error)
{
  ResetData *data = user_data;
  g_autofree char *details = NULL;

  if (!lc_store_update_account (store, data->account, error))
    return FALSE;
  data->revoked = lc_store_delete_sessions_for_account (store, data->account->id, NULL, error);
  if (data->revoked < 0)
    return FALSE;
  details = g_strdup_printf ("{\"sessions_revoked\":%" G_GINT64_FORMAT "}", data->revoked);
  lc_store_audit (store, NULL, "admin.reset_password", "account", data->account->id, NULL, details);
  return TRUE;
}

static int
run_reset_password (AdminRun *run)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LcAccount) account = NULL;
  char *password = generate_password ();
  ResetData data = { 0 };
  LcKdfParams kdf;

  account = lc_store_get_account_by_login (run->store, run->args[0], &error);
  if (account == NULL)
    {
      free_password (password);
      if (g_error_matches (error, LC_ERROR, LC_ERROR_NOT_FOUND))
        g_printerr ("lessoncast admin: no account with login \"%s\"\n", run->args[0]);
      else
        g_printerr ("lessoncast admin: %s\n", error->message);
      return EXIT_FAIL;
    }

  kdf_params_from_config (run->config, &kdf);
  g_free (account->password_hash);
  account->password_hash = lc_password_hash (password, &kdf, &error);
  account->password_changed_at = account->updated_at = lc_time_now ();
  data.account = account;
  if (account->password_hash == NULL
      || !lc_store_transaction (run->store, reset_in_transaction, &data, &error))
    {
      free_password (password);
      g_printerr ("lessoncast admin: %s\n", error->message);
      return EXIT_FAIL;
    }

  g_print ("new password for \"%s\": %s\n(shown only now)\n", account->login, password);
  g_print ("%" G_GINT64_FORMAT " session(s) revoked\n", data.revoked);
  if (account->disabled)
    g_print ("note: the account is disabled\n");
  free_password (password);
  return EXIT_OK;
}

/* Append text padded with spaces to width characters (not bytes). */
static void
append_cell (GString *out, const char *text, glong width)
{
  g_string_append (out, text);
  for (glong i = g_utf8_strlen (text, -1); i < width; i++)
    g_string_append_c (out, ' ');
}

static int
run_list_accounts (AdminRun *run)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (GPtrArray) schools = NULL;
  g_autoptr (GHashTable) short_names = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GString) out = g_string_new (NULL);
  LcAccountFilter filter = { .role = -1, .school_id = run->options->school };
  LcRole role;

  if (run->options->role != NULL && lc_role_from_string (run->options->role, &role))
    filter.role = role; /* validated by validate_list_accounts */

  schools = lc_store_list_schools (run->store, NULL, &error);
  if (schools != NULL)
    accounts = lc_store_list_accounts (run->store, &filter, &error);
  if (accounts == NULL)
    {
      g_printerr ("lessoncast admin: %s\n", error->message);
      return EXIT_FAIL;
    }
  for (guint i = 0; i < schools->len; i++)
    {
      LcSchool *school = schools->pdata[i];

      g_hash_table_insert (short_names, school->id, school->short_name);
    }

  append_cell (out, "LOGIN", 24);
  append_cell (out, "ROLE", 13);
  append_cell (out, "SCHOOL", 24);
  g_string_append (out, "DISABLED\n");
  for (guint i = 0; i < accounts->len; i++)
    {
      LcAccount *account = accounts->pdata[i];
      const char *school = account->school_id != NULL
                               ? g_hash_table_lookup (short_names, account->school_id)
                               : "-";

      append_cell (out, account->login, 24);
      append_cell (out, lc_role_to_string (account->role), 13);
      append_cell (out, school != NULL ? school : account->school_id, 24);
      g_string_append (out, account->disabled ? "yes\n" : "no\n");
    }
  g_string_append_printf (out, "(%u account%s)\n", accounts->len, accounts->len == 1 ? "" : "s");
  g_print ("%s", out->str);
  return EXIT_OK;
}

static int
run_migrate (AdminRun *run)
{
  g_autoptr (GError) error = NULL;
  int from = lc_store_get_schema_version (run->store);
  int to;

  if (from < 0 || !lc_store_migrate (run->store, &error))
    {
      g_printerr ("lessoncast admin: migration failed: %s\n",
                  error != NULL ? error->message : "cannot read the schema version");
      return EXIT_FAIL;
    }
  to = lc_store_get_schema_version (run->store);
  if (from == to)
    g_print ("schema is up to date (version %d)\n", to);
  else
    g_print ("schema migrated from version %d to %d\n", from, to);
  return EXIT_OK;
}

static int
run_check (AdminRun *run)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *report = NULL;
  g_autofree char *media = NULL;
  g_autofree char *path = database_path (run->config);
  int version, latest;
  gboolean ok;

  g_print ("database: %s\n", path);
  ok = lc_store_check (run->store, &report, &error);
  if (report != NULL)
    g_print ("%s", report);
  version = lc_store_get_schema_version (run->store);
  latest = lc_store_get_latest_schema_version (run->store);
  if (ok && version > latest)
    {
      ok = FALSE;
      lc_set_error (&error, LC_ERROR_STORE, NULL,
                    "database schema version %d is newer than this lessoncast (%d): "
                    "upgrade lessoncast",
                    version, latest);
    }
  else if (ok && version < latest)
    g_print ("note: %d migration(s) pending: run `lessoncast admin migrate`\n", latest - version);

  media = lc_media_describe ();
  g_print ("media: %s\n", media);

  if (!ok)
    {
      g_printerr ("lessoncast admin: check failed: %s\n", error->message);
      return EXIT_FAIL;
    }
  g_print ("check: ok\n");
  return EXIT_OK;
}

static const AdminCommand commands[] = {
  { "create-operator", "LOGIN", "Create an operator account (password from stdin, or generated)", 1,
    TRUE, validate_create_operator, run_create_operator },
  { "reset-password", "LOGIN", "Set a new generated password and revoke the account's sessions", 1,
    FALSE, NULL, run_reset_password },
  { "list-accounts", "", "List accounts (login, role, school, disabled)", 0, FALSE,
    validate_list_accounts, run_list_accounts },
  { "migrate", "", "Apply pending database migrations", 0, TRUE, NULL, run_migrate },
  { "check", "", "Check the database (integrity, foreign keys, schema version) and media plugins",
    0, FALSE, NULL, run_check },
};

static char *
commands_description (void)
{
  GString *text = g_string_new ("Commands:\n");

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (text, "  %-17s %s\n", commands[i].name, commands[i].summary);
  g_string_append (text, "\n`lessoncast admin COMMAND --help` shows the options of a command.\n"
                         "Exit codes: 0 ok, 1 failure, 2 usage or configuration error.\n");
  return g_string_free (text, FALSE);
}

static const AdminCommand *
find_command (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_strcmp0 (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

/* Parse the command's own options (args[0] is the command name) and run it. */
static int
run_command (const AdminCommand *command, AdminOptions *options, char ***args)
{
  const GOptionEntry create_entries[]
      = { { "display-name", 'n', 0, G_OPTION_ARG_STRING, &options->display_name,
            "Display name (default: the login)", "NAME" },
          { NULL } };
  const GOptionEntry list_entries[]
      = { { "role", 'r', 0, G_OPTION_ARG_STRING, &options->role,
            "Only this role (operator, coordinator, teacher)", "ROLE" },
          { "school", 0, 0, G_OPTION_ARG_STRING, &options->school, "Only this school (id)", "ID" },
          { NULL } };
  const GOptionEntry *own = command->run == run_create_operator ? create_entries
                            : command->run == run_list_accounts ? list_entries
                                                                : NULL;
  g_autofree char *parameter
      = g_strdup_printf ("%s%s%s - %s", command->name, command->parameter[0] != '\0' ? " " : "",
                         command->parameter, command->summary);
  g_autoptr (GOptionContext) context = make_context (parameter, options, own);
  g_autoptr (GError) error = NULL;
  g_autoptr (LcConfig) config = NULL;
  g_autoptr (LcStore) store = NULL;
  AdminRun run = { .options = options };
  LcLogLevel level = LC_LOG_WARNING;
  LcLogFormat format = LC_LOG_TEXT;
  int n_args, code;

  if (!g_option_context_parse_strv (context, args, &error))
    {
      g_printerr ("lessoncast admin %s: %s\n", command->name, error->message);
      return EXIT_USAGE;
    }
  if (options->help)
    {
      print_help (context);
      return EXIT_OK;
    }
  n_args = (int)g_strv_length (*args) - 1;
  if (n_args != command->n_args)
    {
      g_printerr ("lessoncast admin %s: expected %s%s\n", command->name,
                  command->n_args > 0 ? "" : "no arguments",
                  command->n_args > 0 ? command->parameter : "");
      return EXIT_USAGE;
    }

  if (command->validate != NULL && !command->validate (options, *args + 1))
    return EXIT_USAGE;

  config = load_config (options, &error);
  if (config == NULL)
    {
      g_printerr ("lessoncast admin: configuration error: %s\n", error->message);
      return EXIT_USAGE;
    }
  if (lc_log_level_from_string (lc_config_get_string (config, "log.level"), &level)
      && lc_log_format_from_string (lc_config_get_string (config, "log.format"), &format))
    lc_log_install (format, level, 2); /* stderr: stdout is for results */

  store = open_store (config, command->create_store, &error);
  if (store == NULL
      || (command->run != run_migrate && command->run != run_check
          && !ensure_schema (store, &error)))
    {
      g_printerr ("lessoncast admin: %s\n", error->message);
      if (store != NULL)
        lc_store_close (store);
      return EXIT_FAIL;
    }

  run.config = config;
  run.store = store;
  run.args = *args + 1;
  code = command->run (&run);
  lc_store_close (store);
  return code;
}

int
lc_admin_main (int argc, char **argv)
{
  g_auto (AdminOptions) options = { .assignments = g_ptr_array_new_with_free_func (g_free) };
  g_autoptr (GOptionContext) context
      = make_context ("COMMAND - operator tasks without HTTP", &options, NULL);
  g_autofree char *description = commands_description ();
  g_auto (GStrv) args = g_new0 (char *, argc + 1);
  g_autoptr (GError) error = NULL;
  const AdminCommand *command;

  g_return_val_if_fail (argc >= 1 && argv != NULL, EXIT_USAGE);

  /* The program name in --help and error messages. */
  args[0] = g_strdup ("lessoncast admin");
  for (int i = 1; i < argc; i++)
    args[i] = g_strdup (argv[i]);
  g_option_context_set_description (context, description);
  /* Global options may come before the command: stop at the first non-option. */
  g_option_context_set_strict_posix (context, TRUE);
  if (!g_option_context_parse_strv (context, &args, &error))
    {
      g_printerr ("lessoncast admin: %s\n", error->message);
      return EXIT_USAGE;
    }
  if (options.help)
    {
      print_help (context);
      return EXIT_OK;
    }
  if (args[0] == NULL || args[1] == NULL)
    {
      g_printerr ("lessoncast admin: missing command\n\n%s", description);
      return EXIT_USAGE;
    }
  command = find_command (args[1]);
  if (command == NULL)
    {
      g_printerr ("lessoncast admin: unknown command \"%s\"\n\n%s", args[1], description);
      return EXIT_USAGE;
    }

  {
    /* The command's arguments, with the command name in place of the program name. */
    g_auto (GStrv) command_args = g_strdupv (args + 1);

    return run_command (command, &options, &command_args);
  }
}
