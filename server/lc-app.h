/* lc-app.h — the daemon's one application object: wires config, store, HTTP
 * server and API together. Used by main.c and by integration tests (which
 * start the real server in-process on port 0 with a temporary data dir). */
#pragma once

#include "common/lc-config.h"
#include "common/lc-store.h"
#include "signaling/lc-http-server.h"
#include "signaling/lc-live.h"

G_BEGIN_DECLS

#define LC_TYPE_APP (lc_app_get_type ())
G_DECLARE_FINAL_TYPE (LcApp, lc_app, LC, APP, GObject)

/* (transfer none) config; the app keeps a ref. */
LcApp *lc_app_new (LcConfig *config);

/* Raise RLIMIT_NOFILE, create the data dir, open + migrate the store, create
 * the first operator account if none exists (its password is written once to
 * first_start_out, nullable = stdout), seed demo data when demo is TRUE and
 * the database has no schools, load TLS, listen. On the thread-default context. */
gboolean lc_app_start (LcApp *app, gboolean demo, GError **error);

guint16 lc_app_get_port (LcApp *app);
LcStore *lc_app_get_store (LcApp *app);
LcHttpServer *lc_app_get_http_server (LcApp *app);
/* The live-lesson registry (NULL before start). (transfer none) */
LcLive *lc_app_get_live (LcApp *app);
/* The conference rooms (NULL before start). (transfer none) */
typedef struct _LcConferenceHub LcConferenceHub;
LcConferenceHub *lc_app_get_conference_hub (LcApp *app);
/* "http://127.0.0.1:PORT" (or https) for tests and the start-up message. (transfer full) */
char *lc_app_dup_base_url (LcApp *app);

/* Where the first-start operator password goes (default: stdout). For tests. */
void lc_app_set_first_start_writer (LcApp *app, void (*writer) (const char *login,
                                                                const char *password,
                                                                gpointer user_data),
                                    gpointer user_data);

/* Where one-time texts for the person who started the server go (the demo
 * accounts and their passwords). Default: nowhere. main.c prints to stdout. */
void lc_app_set_announce_func (LcApp *app, void (*announce) (const char *text, gpointer user_data),
                               gpointer user_data);

/* Graceful stop: live lessons end (recordings finalised within
 * server.shutdown_timeout, else by the next start-up's recovery) while the
 * HTTP server drains (server.shutdown_timeout); then the store closes. done
 * runs on the main context, called as ((void (*) (gpointer)) done) (user_data). */
void lc_app_stop (LcApp *app, GCallback done, gpointer user_data);

G_END_DECLS
