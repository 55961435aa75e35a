/* lc-test-util.h — shared test helpers: an in-process lessoncast on port 0
 * with a fresh temporary data dir, and a synchronous libsoup client. */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "server/lc-app.h"

G_BEGIN_DECLS

typedef struct
{
  GMainContext *context; /* the thread-default context the app runs on */
  char *data_dir;        /* temporary, removed at teardown */
  LcConfig *config;
  LcApp *app;
  char *base_url;        /* "http://127.0.0.1:PORT" */
  SoupSession *session;  /* no cookie jar: tests pass cookies explicitly */
  char *operator_login;
  char *operator_password; /* printed once at first start, captured here */
} LcTestServer;

/* Start a server. overrides: NULL-terminated "group.key=value" strings (may be NULL).
 * Fast KDF (auth.kdf_cost=10) unless overridden. demo: seed demo data. */
LcTestServer *lc_test_server_start (const char *const *overrides, gboolean demo);
void lc_test_server_stop (LcTestServer *ts);

typedef struct
{
  guint status;
  SoupMessageHeaders *headers; /* response headers (ref) */
  GBytes *body; /* always followed by a NUL byte (not counted): readable as a string */
  JsonNode *json; /* parsed when the body is JSON (or problem+json), else NULL */
} LcTestResponse;

void lc_test_response_free (LcTestResponse *resp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcTestResponse, lc_test_response_free)

/* Synchronous request while iterating the server's context (the server keeps
 * running). body_json nullable (sent as application/json). auth: NULL, "Bearer
 * <token>" or "Cookie: lc_session=<v>" — prefix "Cookie: " sends a Cookie header
 * instead of Authorization. Extra headers: NULL-terminated name/value pairs. */
LcTestResponse *lc_test_request (LcTestServer *ts, const char *method, const char *path,
                                 const char *body_json, const char *auth, ...) G_GNUC_NULL_TERMINATED;

/* Log in; returns the "Cookie: lc_session=…" auth string (transfer full). */
char *lc_test_login_cookie (LcTestServer *ts, const char *login, const char *password);
/* Log in and create a personal API token; returns "Bearer <token>" (transfer full). */
char *lc_test_login_token (LcTestServer *ts, const char *login, const char *password);

/* POST body_json to path as auth; asserts 201 (logging the body otherwise)
 * and returns the new object's "id" (transfer full). */
char *lc_test_create (LcTestServer *ts, const char *path, const char *body_json, const char *auth);

/* "Bearer <token>" of the operator printed at first start (transfer full). */
char *lc_test_operator_token (LcTestServer *ts);

/* The response's JSON object (asserts that it is one). (transfer none) */
JsonObject *lc_test_json_object (LcTestResponse *resp);
/* RFC 3339 UTC of now + seconds (transfer full). */
char *lc_test_time_from_now (gint64 seconds);
/* How many audit events have this action prefix and object id (nullable:
 * any), read straight from the store. */
guint lc_test_count_audit (LcTestServer *ts, const char *action_prefix, const char *object_id);

/* Convenience accessors on a JSON response ("a.b" paths not supported: one member). */
const char *lc_test_json_string (LcTestResponse *resp, const char *member);
gint64 lc_test_json_int (LcTestResponse *resp, const char *member);

/* Assert that resp is an application/problem+json with this status, problem
 * type slug ("invalid-field" for urn:lessoncast:problem:invalid-field; nullable
 * = any) and field (nullable = not checked). */
#define lc_test_assert_problem(resp, status, slug, field)                                         \
  lc_test_assert_problem_at (G_STRLOC, (resp), (status), (slug), (field))
void lc_test_assert_problem_at (const char *where, LcTestResponse *resp, guint status,
                                const char *slug, const char *field);

/* The "items" array of a list response (asserts 200 and the shape). (transfer none) */
JsonArray *lc_test_items (LcTestResponse *resp);

/* Seed rows straight into the store, bypassing the API (fast; for tests that
 * are not about these routes). Each returns the new id (transfer full).
 * role, visibility, status: API names ("teacher", "unlisted", "scheduled");
 * school_id nullable for operators. Lessons last 45 minutes. */
char *lc_test_seed_school (LcTestServer *ts, const char *short_name, const char *district);
char *lc_test_seed_account (LcTestServer *ts, const char *login, const char *role,
                            const char *school_id, const char *password,
                            gboolean consent_publish_name);
/* One account of a test's cast: seeded with lc_test_seed_account; *id
 * (nullable: not kept) gets its id and *auth (nullable: no log-in) the
 * "Bearer <token>" of lc_test_login_token. */
typedef struct
{
  const char *login;
  const char *role;
  const char *school_id;
  gboolean consent_publish_name;
  char **id;
  char **auth;
} LcTestStaff;

/* Seed every account of staff (all with password), then log in, in order,
 * those that want an auth string. */
void lc_test_seed_staff (LcTestServer *ts, const LcTestStaff *staff, gsize n_staff,
                         const char *password);
char *lc_test_seed_lesson (LcTestServer *ts, const char *school_id, const char *teacher_id,
                           gint64 starts_at, const char *subject, int grade,
                           const char *visibility, const char *status);

/* Spin the context until cond returns TRUE or timeout_ms passes (asserts). */
void lc_test_wait_for (LcTestServer *ts, gboolean (*cond) (gpointer), gpointer data, guint timeout_ms);

G_END_DECLS
