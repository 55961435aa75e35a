/* lc-app.c — LcApp: the one application object of the daemon. It owns the
 * config, the store, the live-lesson registry, the HTTP server and the API,
 * and knows the start-up and shutdown order. main.c and the integration tests
 * drive it.
 *
 * Live lessons at start-up: lessons the store still calls live (the previous
 * process died) are ended, and recordings left unfinished are finalised from
 * their fragments in the background (lc_recorder_recover_async). At shutdown
 * every live lesson ends (reason "shutdown") and its recording is finalised
 * within server.shutdown_timeout; whatever is not done by then stays
 * "finalizing" and the next start-up's recovery finishes it.
 *
 * Conferences: the join-link secret is loaded (or created) at start-up,
 * attendance rows a crash left open are closed, and the conference hub (the
 * rooms behind /ws/conference/{id}) is handed to the API; at shutdown every
 * room closes (sockets with 1001, attendance rows closed) before the HTTP
 * server drains. */
#include "lc-app.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include "common/lc-crypto.h"
#include "common/lc-error.h"
#include "common/lc-join-token.h"
#include "common/lc-password.h"
#include "common/lc-store-sqlite.h"
#include "common/lc-time.h"
#include "lc-demo.h"
#include "recorder/lc-media-dir.h"
#include "recorder/lc-recorder.h"
#include "signaling/lc-api.h"
#include "signaling/lc-conference-hub.h"
#include "signaling/lc-live.h"
#include "streamer/lc-ice.h"

#ifndef LC_STORE_DB_FILENAME
#define LC_STORE_DB_FILENAME "lessoncast.db"
#endif

#define SESSION_PURGE_INTERVAL_S (10 * 60)
#define FIRST_OPERATOR_LOGIN "operator"

typedef void (*LcFirstStartWriter) (const char *login, const char *password, gpointer user_data);

struct _LcApp
{
  GObject parent_instance;

  LcConfig *config;
  GMainContext *context;
  LcStore *store;
  LcHttpServer *http;
  LcApi *api;
  LcLive *live;
  LcConferenceHub *hub;
  GBytes *join_key;
  char *recordings_dir;
  GCancellable *recover_cancellable;
  gboolean recovering;
  gboolean live_stopped;
  gboolean http_stopped;
  GSource *stop_deadline; /* stop no longer waits for the recovery after it */
  gboolean recovery_abandoned;
  gboolean stop_finished;
  guint purge_source;
  gboolean started;
  gboolean stopping;

  LcFirstStartWriter first_start_writer;
  gpointer first_start_data;
  void (*announce) (const char *text, gpointer user_data);
  gpointer announce_data;
  gboolean store_closed;

  GCallback stop_done;
  gpointer stop_data;
};

G_DEFINE_FINAL_TYPE (LcApp, lc_app, G_TYPE_OBJECT)

static void
remove_purge_source (LcApp *self)
{
  if (self->purge_source)
    {
      GSource *source = g_main_context_find_source_by_id (self->context, self->purge_source);
      if (source)
        g_source_destroy (source);
      self->purge_source = 0;
    }
}

static void
close_store (LcApp *self)
{
  if (self->store && !self->store_closed)
    {
      lc_store_close (self->store);
      self->store_closed = TRUE;
      g_message ("database closed");
    }
}

static void
lc_app_dispose (GObject *object)
{
  LcApp *self = LC_APP (object);

  remove_purge_source (self);
  if (self->stop_deadline != NULL)
    {
      g_source_destroy (self->stop_deadline);
      g_clear_pointer (&self->stop_deadline, g_source_unref);
    }
  if (self->recover_cancellable != NULL)
    g_cancellable_cancel (self->recover_cancellable);
  g_clear_object (&self->api);
  if (self->hub != NULL)
    lc_conference_hub_shutdown (self->hub);
  g_clear_object (&self->hub);
  g_clear_object (&self->http);
  g_clear_object (&self->live);
  close_store (self);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (lc_app_parent_class)->dispose (object);
}

static void
lc_app_finalize (GObject *object)
{
  LcApp *self = LC_APP (object);

  g_clear_pointer (&self->config, lc_config_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->recover_cancellable);
  g_clear_pointer (&self->join_key, g_bytes_unref);
  g_free (self->recordings_dir);
  G_OBJECT_CLASS (lc_app_parent_class)->finalize (object);
}

static void
lc_app_class_init (LcAppClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lc_app_dispose;
  object_class->finalize = lc_app_finalize;
}

static void
lc_app_init (LcApp *self)
{
}

LcApp *
lc_app_new (LcConfig *config)
{
  g_return_val_if_fail (config != NULL, NULL);

  LcApp *self = g_object_new (LC_TYPE_APP, NULL);
  self->config = lc_config_ref (config);
  self->context = g_main_context_ref_thread_default ();
  return self;
}

void
lc_app_set_first_start_writer (LcApp *app,
                               void (*writer) (const char *login, const char *password,
                                               gpointer user_data),
                               gpointer user_data)
{
  g_return_if_fail (LC_IS_APP (app));
  app->first_start_writer = writer;
  app->first_start_data = user_data;
}

void
lc_app_set_announce_func (LcApp *app, void (*announce) (const char *text, gpointer user_data),
                          gpointer user_data)
{
  g_return_if_fail (LC_IS_APP (app));
  app->announce = announce;
  app->announce_data = user_data;
}

/* A file descriptor per connection and, from the next issue on, ~25 per WebRTC
 * viewer: the default soft limit of 1024 is far too low. */
static void
raise_nofile_limit (gint64 wanted)
{
  struct rlimit lim;

  if (getrlimit (RLIMIT_NOFILE, &lim) != 0)
    return;
  rlim_t target = (rlim_t) wanted;
  if (lim.rlim_max != RLIM_INFINITY && target > lim.rlim_max)
    target = lim.rlim_max;
  if (lim.rlim_cur >= target)
    return;
  lim.rlim_cur = target;
  if (setrlimit (RLIMIT_NOFILE, &lim) != 0)
    g_warning ("cannot raise the open-file limit to %" G_GINT64_FORMAT ": %s", wanted,
               g_strerror (errno));
  else
    g_info ("open-file limit raised to %lu", (unsigned long) lim.rlim_cur);
}

static void
kdf_params_from_config (LcConfig *config, LcKdfParams *kdf)
{
  lc_kdf_params_init_default (kdf);
  kdf->log2_n = (int) lc_config_get_int (config, "auth.kdf_cost");
}

/* 18 random bytes → 24 base64url characters: ~144 bits, easy to copy. */
static char *
generate_password (void)
{
  guint8 raw[18];

  lc_random_bytes (raw, sizeof raw);
  return lc_base64url_encode (raw, sizeof raw);
}

static gboolean
ensure_first_operator (LcApp *self, GError **error)
{
  gint64 operators = lc_store_count_accounts (self->store, LC_ROLE_OPERATOR, error);
  if (operators < 0)
    return FALSE;
  if (operators > 0)
    return TRUE;

  LcKdfParams kdf;
  kdf_params_from_config (self->config, &kdf);
  g_autofree char *password = generate_password ();
  g_autoptr (LcAccount) account = lc_account_new ();
  gint64 now = lc_time_now ();

  account->id = lc_id_new ();
  account->login = g_strdup (FIRST_OPERATOR_LOGIN);
  account->display_name = g_strdup ("Operator");
  account->role = LC_ROLE_OPERATOR;
  account->password_hash = lc_password_hash (password, &kdf, error);
  if (!account->password_hash)
    return FALSE;
  account->created_at = account->updated_at = account->password_changed_at = now;
  if (!lc_store_insert_account (self->store, account, error))
    return FALSE;
  lc_store_audit (self->store, NULL, "account.create_first_operator", "account", account->id, NULL,
                  NULL);
  g_message ("first start: operator account \"%s\" created", account->login);
  if (self->first_start_writer)
    self->first_start_writer (account->login, password, self->first_start_data);
  return TRUE;
}

static gboolean
seed_demo (LcApp *self, GError **error)
{
  LcKdfParams kdf;
  g_autoptr (GString) out = g_string_new (NULL);

  kdf_params_from_config (self->config, &kdf);
  if (!lc_demo_seed (self->store, &kdf, lc_time_now (), out, error))
    return FALSE;
  /* The demo accounts' passwords go to the terminal of whoever started the
   * demo (the announce function), never to the log. */
  if (out->len > 0 && self->announce)
    self->announce (out->str, self->announce_data);
  return TRUE;
}

static gboolean
on_purge_timeout (gpointer user_data)
{
  LcApp *self = user_data;
  g_autoptr (GError) error = NULL;

  gint64 purged = lc_store_purge_expired_sessions (self->store, lc_time_now (), &error);
  if (purged < 0)
    g_warning ("session purge failed: %s", error->message);
  else if (purged > 0)
    g_info ("purged %" G_GINT64_FORMAT " expired sessions", purged);
  return G_SOURCE_CONTINUE;
}

static gboolean
setup_http (LcApp *self, GError **error)
{
  LcConfig *config = self->config;
  LcHttpLimits limits;
  g_autofree char *host = NULL;
  guint16 port = 0;

  lc_http_limits_init_default (&limits);
  limits.max_connections = (guint) lc_config_get_int (config, "server.max_connections");
  limits.listen_backlog = (guint) lc_config_get_int (config, "server.listen_backlog");
  limits.header_timeout = (guint) lc_config_get_int (config, "server.header_timeout");
  limits.body_timeout = (guint) lc_config_get_int (config, "server.body_timeout");
  limits.idle_timeout = (guint) lc_config_get_int (config, "server.idle_timeout");
  limits.max_header_bytes = (gsize) lc_config_get_int (config, "server.max_header_bytes");
  limits.max_body_bytes = (gsize) lc_config_get_int (config, "server.max_body_bytes");
  limits.json_max_depth = (guint) lc_config_get_int (config, "server.json_max_depth");
  limits.log_requests = lc_config_get_bool (config, "log.requests");

  self->http = lc_http_server_new (&limits);

  const char *cert_file = lc_config_get_string (config, "server.tls_certificate");
  const char *key_file = lc_config_get_string (config, "server.tls_key");
  if (*cert_file)
    {
      if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
        {
          lc_set_error (error, LC_ERROR_CONFIG, "server.tls_certificate",
                        "server.tls_certificate is set but GLib has no TLS backend: "
                        "install the glib-networking package");
          return FALSE;
        }
      g_autoptr (GError) tls_error = NULL;
      g_autoptr (GTlsCertificate) cert
          = g_tls_certificate_new_from_files (cert_file, key_file, &tls_error);
      if (!cert)
        {
          lc_set_error (error, LC_ERROR_CONFIG, "server.tls_certificate",
                        "server.tls_certificate/server.tls_key: cannot load \"%s\" / \"%s\": %s",
                        cert_file, key_file, tls_error->message);
          return FALSE;
        }
      lc_http_server_set_tls_certificate (self->http, cert);
    }

  const char *web_root = lc_config_get_string (config, "server.web_root");
  if (!*web_root)
    web_root = LC_WEB_ROOT_DEFAULT;
  if (!g_file_test (web_root, G_FILE_TEST_IS_DIR))
    g_warning ("web root \"%s\" is not a directory: static pages are off", web_root);
  else
    lc_http_server_set_static_root (self->http, web_root);

  self->api = lc_api_new (self->store, config);
  lc_api_set_live (self->api, self->live);
  lc_api_set_join_key (self->api, self->join_key);
  lc_api_set_conference_hub (self->api, self->hub);
  if (g_file_test (web_root, G_FILE_TEST_IS_DIR))
    lc_api_set_web_root (self->api, web_root);
  lc_api_register (self->api, self->http);

  if (!lc_config_parse_address (lc_config_get_string (config, "server.listen"), &host, &port,
                                error))
    return FALSE;
  if (!lc_http_server_listen (self->http, host, port, error))
    return FALSE;
  return TRUE;
}

static void finish_stop (LcApp *self);

static void
on_recovered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LcApp *self = user_data;
  g_autoptr (GError) error = NULL;
  guint n = 0;

  self->recovering = FALSE;
  if (!lc_recorder_recover_finish (result, &n, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("recording recovery failed: %s", error->message);
    }
  else if (n > 0)
    g_message ("recovered %u unfinished recording(s)", n);
  if (self->stopping && self->live_stopped && self->http_stopped)
    finish_stop (self);
  g_object_unref (self);
}

/* Lessons left live by a crash end; their recordings are finalised in the
 * background. */
static gboolean
setup_live (LcApp *self, const char *data_dir, GError **error)
{
  g_autoptr (LcIceConfig) ice = lc_ice_config_new_from_config (self->config);
  gint n;

  self->live = lc_live_new (self->store, self->config, ice, data_dir);
  n = lc_live_end_stale_lessons (self->live, error);
  if (n < 0)
    return FALSE;
  if (n > 0)
    g_message ("%d lesson(s) were live when the server stopped; they are now ended", n);

  self->recover_cancellable = g_cancellable_new ();
  self->recovering = TRUE;
  lc_recorder_recover_async (self->store, self->recordings_dir, self->recover_cancellable,
                             on_recovered, g_object_ref (self));
  return TRUE;
}

/* The join-link secret, attendance rows a crash left open, and the hub. */
static gboolean
setup_conferences (LcApp *self, const char *data_dir, GError **error)
{
  const char *secret_file = lc_config_get_string (self->config, "conferences.join_secret_file");
  g_autofree char *secret_path = NULL;
  g_autoptr (GError) local_error = NULL;
  gint64 closed;

  secret_path = *secret_file ? g_strdup (secret_file)
                             : g_build_filename (data_dir, "join-secret", NULL);
  self->join_key = lc_join_secret_load_or_create (secret_path, error);
  if (self->join_key == NULL)
    return FALSE;

  closed = lc_store_close_open_attendance (self->store, lc_time_now (), &local_error);
  if (closed < 0)
    g_warning ("cannot close attendance rows left open: %s", local_error->message);
  else if (closed > 0)
    g_message ("%" G_GINT64_FORMAT " attendance row(s) were open when the server stopped; "
               "they are now closed", closed);

  self->hub = lc_conference_hub_new (self->store, self->config, self->join_key);
  return TRUE;
}

/* --demo: a synthetic broadcast, so that a newcomer sees a live lesson at once. */
static void
start_demo_broadcast (LcApp *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LcLesson) lesson = NULL;

  lesson = lc_demo_live_lesson (self->store, lc_time_now (),
                                lc_config_get_int (self->config, "lessons.max_duration") * 60,
                                &error);
  if (lesson == NULL)
    {
      if (error != NULL)
        g_warning ("demo broadcast: %s", error->message);
      return;
    }
  if (!lc_live_start_synthetic (self->live, lesson, &error))
    {
      g_warning ("demo broadcast: cannot start: %s", error->message);
      return;
    }
  g_message ("demo broadcast: lesson %s is going live (/watch/%s)", lesson->id, lesson->id);
}

gboolean
lc_app_start (LcApp *app, gboolean demo, GError **error)
{
  g_return_val_if_fail (LC_IS_APP (app), FALSE);
  g_return_val_if_fail (!app->started, FALSE);

  LcConfig *config = app->config;
  const char *data_dir = lc_config_get_string (config, "server.data_dir");

  raise_nofile_limit (lc_config_get_int (config, "server.rlimit_nofile"));

  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      int saved = errno;
      lc_set_error (error, LC_ERROR_CONFIG, "server.data_dir",
                    "server.data_dir: cannot create \"%s\": %s", data_dir, g_strerror (saved));
      return FALSE;
    }

  g_autofree char *hls_dir = NULL;
  guint64 free_bytes = 0;
  if (!lc_media_dir_prepare (data_dir, &app->recordings_dir, &hls_dir, error))
    return FALSE;
  if (lc_media_dir_free_space (app->recordings_dir, &free_bytes, NULL))
    g_message ("data directory %s: %.1f GiB free", data_dir, free_bytes / (1024.0 * 1024 * 1024));

  g_autofree char *db_path = g_build_filename (data_dir, LC_STORE_DB_FILENAME, NULL);
  LcStoreSqlite *sqlite = lc_store_sqlite_open (db_path, error);
  if (!sqlite)
    return FALSE;
  app->store = LC_STORE (sqlite);

  int before = lc_store_get_schema_version (app->store);
  if (!lc_store_migrate (app->store, error))
    return FALSE;
  int after = lc_store_get_schema_version (app->store);
  if (before != after)
    g_message ("database %s migrated from schema %d to %d", db_path, before, after);

  if (!ensure_first_operator (app, error))
    return FALSE;
  if (demo && !seed_demo (app, error))
    return FALSE;
  if (!setup_live (app, data_dir, error))
    return FALSE;
  if (!setup_conferences (app, data_dir, error))
    return FALSE;

  if (!setup_http (app, error))
    return FALSE;
  if (demo)
    start_demo_broadcast (app);

  g_autoptr (GSource) purge = g_timeout_source_new_seconds (SESSION_PURGE_INTERVAL_S);
  g_source_set_callback (purge, on_purge_timeout, app, NULL);
  app->purge_source = g_source_attach (purge, app->context);
  on_purge_timeout (app);

  lc_api_set_ready (app->api, TRUE);
  app->started = TRUE;
  g_message ("lessoncast %s ready on port %u (%s)", LC_VERSION, lc_app_get_port (app),
             lc_http_server_is_tls (app->http) ? "https" : "http");
  return TRUE;
}

guint16
lc_app_get_port (LcApp *app)
{
  g_return_val_if_fail (LC_IS_APP (app), 0);
  return app->http ? lc_http_server_get_port (app->http) : 0;
}

LcStore *
lc_app_get_store (LcApp *app)
{
  g_return_val_if_fail (LC_IS_APP (app), NULL);
  return app->store;
}

LcHttpServer *
lc_app_get_http_server (LcApp *app)
{
  g_return_val_if_fail (LC_IS_APP (app), NULL);
  return app->http;
}

char *
lc_app_dup_base_url (LcApp *app)
{
  g_return_val_if_fail (LC_IS_APP (app), NULL);

  g_autofree char *host = NULL;
  guint16 port = 0;
  const char *scheme = app->http && lc_http_server_is_tls (app->http) ? "https" : "http";

  if (!lc_config_parse_address (lc_config_get_string (app->config, "server.listen"), &host, &port,
                                NULL))
    host = g_strdup ("127.0.0.1");
  /* A wildcard address is not something a browser can open. */
  if (g_str_equal (host, "0.0.0.0") || g_str_equal (host, ""))
    {
      g_free (host);
      host = g_strdup ("127.0.0.1");
    }
  else if (g_str_equal (host, "::"))
    {
      g_free (host);
      host = g_strdup ("::1");
    }
  gboolean v6 = strchr (host, ':') != NULL;
  return g_strdup_printf ("%s://%s%s%s:%u", scheme, v6 ? "[" : "", host, v6 ? "]" : "",
                          lc_app_get_port (app));
}

static void
finish_stop (LcApp *self)
{
  if (self->stop_finished)
    return;
  if (self->recovering && !self->recovery_abandoned)
    return; /* on_recovered (or the stop deadline) finishes */
  self->stop_finished = TRUE;
  if (self->stop_deadline != NULL)
    {
      g_source_destroy (self->stop_deadline);
      g_clear_pointer (&self->stop_deadline, g_source_unref);
    }
  if (self->recovering)
    g_message ("shutdown: recording recovery still running; the next start-up resumes it");
  close_store (self);
  if (self->stop_done)
    ((void (*) (gpointer)) self->stop_done) (self->stop_data);
  g_object_unref (self);
}

/* The recovery (a worker finalising a recording) did not stop in time. */
static gboolean
on_stop_deadline (gpointer user_data)
{
  LcApp *self = user_data;

  g_clear_pointer (&self->stop_deadline, g_source_unref);
  self->recovery_abandoned = TRUE;
  if (self->live_stopped && self->http_stopped)
    finish_stop (self);
  return G_SOURCE_REMOVE;
}

static void
on_http_shutdown_done (gpointer user_data)
{
  LcApp *self = user_data;

  self->http_stopped = TRUE;
  if (self->live_stopped)
    finish_stop (self);
}

static void
on_live_shutdown_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LcApp *self = user_data;

  lc_live_shutdown_finish (LC_LIVE (source), result);
  self->live_stopped = TRUE;
  if (self->http_stopped)
    finish_stop (self);
}

void
lc_app_stop (LcApp *app, GCallback done, gpointer user_data)
{
  guint timeout;

  g_return_if_fail (LC_IS_APP (app));
  g_return_if_fail (!app->stopping);

  timeout = (guint) lc_config_get_int (app->config, "server.shutdown_timeout");
  app->stopping = TRUE;
  app->stop_done = done;
  app->stop_data = user_data;
  remove_purge_source (app);
  if (app->api)
    lc_api_set_ready (app->api, FALSE);
  if (app->recover_cancellable)
    g_cancellable_cancel (app->recover_cancellable);
  /* Rooms close first: their sockets are connections the HTTP server waits for. */
  if (app->hub)
    lc_conference_hub_shutdown (app->hub);
  g_object_ref (app); /* until finish_stop */
  if (app->recovering)
    {
      app->stop_deadline = g_timeout_source_new_seconds (MAX (timeout, 1));
      g_source_set_callback (app->stop_deadline, on_stop_deadline, app, NULL);
      g_source_attach (app->stop_deadline, app->context);
    }
  /* Live lessons end and their recordings are finalised while the HTTP
   * server drains; the store closes when both are done. */
  if (app->live)
    lc_live_shutdown_async (app->live, timeout, on_live_shutdown_done, app);
  else
    app->live_stopped = TRUE;
  if (app->http)
    lc_http_server_shutdown (app->http, timeout, G_CALLBACK (on_http_shutdown_done), app);
  else
    on_http_shutdown_done (app);
}

LcLive *
lc_app_get_live (LcApp *app)
{
  g_return_val_if_fail (LC_IS_APP (app), NULL);
  return app->live;
}

LcConferenceHub *
lc_app_get_conference_hub (LcApp *app)
{
  g_return_val_if_fail (LC_IS_APP (app), NULL);
  return app->hub;
}
