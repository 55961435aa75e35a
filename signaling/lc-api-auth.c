/* lc-api-auth.c — /api/v1/auth: login (throttled, session cookie), logout,
 * me, password change and personal API tokens.
 *
 * Password checks cost a memory-hard KDF (tens of milliseconds), so they run
 * in GTask worker threads while the request is paused: a burst of logins never
 * stalls the main context. At most kdf_max_in_flight run at once (503 beyond)
 * and at most one per login (429), so parallel guesses gain nothing over the
 * throttle.
 *
 * Password change revokes the account's other sessions but keeps its API
 * tokens: tokens are separate, named credentials the user revokes one by one
 * (an operator disabling the account stops them all). */
#include "signaling/lc-api-private.h"

#include <string.h>

#define LOGIN_FAILED_MESSAGE "invalid login or password"

static const LcFieldSpec login_specs[] = {
  { "login", LC_FIELD_STRING, LC_FIELD_REQUIRED, 1, 256 },
  { "password", LC_FIELD_STRING, LC_FIELD_REQUIRED, 1, 1024 },
};

static const LcFieldSpec password_specs[] = {
  { "current_password", LC_FIELD_STRING, LC_FIELD_REQUIRED, 1, 1024 },
  { "new_password", LC_FIELD_STRING, LC_FIELD_REQUIRED, 1, 1024 },
};

static const LcFieldSpec me_specs[] = {
  { "display_name", LC_FIELD_STRING, LC_FIELD_OPTIONAL, 1, 100 },
  { "consent_publish_name", LC_FIELD_BOOL, LC_FIELD_OPTIONAL },
};

static const char *const no_query[] = { NULL };

static const LcFieldSpec token_specs[] = {
  { "name", LC_FIELD_STRING, LC_FIELD_REQUIRED, 1, 100 },
  { "expires_in_days", LC_FIELD_INT, LC_FIELD_OPTIONAL, 1, 3650 },
};

/* Free a string that held a password, wiping it first. */
static void
secret_free (char *secret)
{
  if (secret == NULL)
    return;
  memset (secret, 0, strlen (secret));
  g_free (secret);
}

/* The login throttle's clock: monotonic milliseconds. */
static gint64
throttle_now (void)
{
  return g_get_monotonic_time () / 1000;
}

static char *
throttle_key (const char *kind, const char *value)
{
  return g_strdup_printf ("%s:%s", kind, value != NULL ? value : "");
}

/* Milliseconds before another password attempt for this login from this client. */
static gint64
throttle_wait (LcApi *api, const char *login, const char *client, gint64 now)
{
  g_autofree char *acct_key = throttle_key ("acct", login);
  g_autofree char *ip_key = throttle_key ("ip", client);

  return MAX (lc_throttle_wait (api->login_throttle, acct_key, now),
              lc_throttle_wait (api->login_throttle, ip_key, now));
}

static void
throttle_failure (LcApi *api, const char *login, const char *client, gint64 now)
{
  g_autofree char *acct_key = throttle_key ("acct", login);
  g_autofree char *ip_key = throttle_key ("ip", client);

  lc_throttle_record_failure (api->login_throttle, acct_key, now);
  lc_throttle_record_failure (api->login_throttle, ip_key, now);
}

/* Only the account's counter is cleared: one valid login of their own does
 * not let a client reset the counter of its address. */
static void
throttle_success (LcApi *api, const char *login)
{
  g_autofree char *acct_key = throttle_key ("acct", login);

  lc_throttle_record_success (api->login_throttle, acct_key);
}

/* 429 with Retry-After: wait_ms rounded up to whole seconds. */
static void
set_rate_limited (GError **error, gint64 wait_ms)
{
  gint64 seconds = MAX ((wait_ms + 999) / 1000, 1);

  lc_set_error (error, LC_ERROR_RATE_LIMITED, NULL,
                "too many failed attempts; try again in %" G_GINT64_FORMAT " s", seconds);
  lc_error_set_retry_after (*error, (int)MIN (seconds, G_MAXINT));
}

static JsonNode *
me_to_json (LcApi *api, const LcAccount *account, GError **error)
{
  g_autoptr (JsonNode) node = lc_account_to_json (account);
  g_autoptr (LcSchool) school = NULL;
  g_autoptr (GError) local_error = NULL;
  JsonObject *o = json_node_get_object (node);

  if (account->school_id != NULL)
    {
      school = lc_store_get_school (api->store, account->school_id, &local_error);
      if (school == NULL && !g_error_matches (local_error, LC_ERROR, LC_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
  if (school != NULL)
    json_object_set_member (o, "school", lc_school_to_json (school));
  else
    json_object_set_null_member (o, "school");
  return g_steal_pointer (&node);
}

/* ---- password checks in a worker thread ---- */

typedef struct _VerifyJob VerifyJob;
typedef gboolean (*VerifyDoneFunc) (LcApi *api, VerifyJob *job, GError **error);

struct _VerifyJob
{
  LcRequest *req;
  LcPrincipal *principal; /* password change: the caller */
  LcAccount *account;     /* NULL: unknown login (verified against the dummy hash) */
  char *login;            /* lower-case */
  char *password;
  char *new_password; /* password change: hashed in the worker when the old one matches */
  char *encoded;
  LcKdfParams kdf;
  VerifyDoneFunc done;
  /* results, written by the worker */
  gboolean matched;
  gboolean needs_rehash;
  char *new_hash;
};

static void
verify_job_free (VerifyJob *job)
{
  g_clear_pointer (&job->req, lc_request_unref);
  lc_principal_free (job->principal);
  g_clear_pointer (&job->account, lc_account_free);
  g_free (job->login);
  secret_free (job->password);
  secret_free (job->new_password);
  g_free (job->encoded);
  g_free (job->new_hash);
  g_free (job);
}

static void
verify_in_thread (GTask *task, gpointer source_object, gpointer task_data,
                  GCancellable *cancellable)
{
  VerifyJob *job = task_data;
  g_autoptr (GError) error = NULL;

  job->matched = lc_password_verify (job->password, job->encoded, &job->kdf, &job->needs_rehash);
  if (job->matched && job->new_password != NULL)
    job->new_hash = lc_password_hash (job->new_password, &job->kdf, &error);
  else if (job->matched && job->needs_rehash)
    job->new_hash = lc_password_hash (job->password, &job->kdf, &error);
  if (error != NULL)
    g_warning ("account %s: cannot hash a password: %s", job->login, error->message);
  g_task_return_boolean (task, TRUE);
}

static void
on_verify_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LcApi *api = LC_API (source);
  VerifyJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;

  g_task_propagate_boolean (G_TASK (result), NULL);
  api->kdf_in_flight--;
  g_hash_table_remove (api->logins_in_flight, job->login);
  if (!job->done (api, job, &error))
    lc_request_respond_error (job->req, error);
}

/* Pause the request and verify job->password against job->encoded in a worker;
 * job->done responds. Takes job. */
static gboolean
start_verify (LcApi *api, LcRequest *req, VerifyJob *job, GError **error)
{
  g_autoptr (GTask) task = NULL;

  if (api->kdf_in_flight >= api->kdf_max_in_flight)
    {
      verify_job_free (job);
      lc_set_error (error, LC_ERROR_UNAVAILABLE, NULL, "too many logins at once; retry shortly");
      lc_error_set_retry_after (*error, 1);
      return FALSE;
    }
  if (g_hash_table_contains (api->logins_in_flight, job->login))
    {
      verify_job_free (job);
      set_rate_limited (error, 1000);
      return FALSE;
    }

  job->req = lc_request_ref (req);
  job->kdf = api->kdf;
  api->kdf_in_flight++;
  g_hash_table_add (api->logins_in_flight, g_strdup (job->login));
  lc_request_pause (req);

  task = g_task_new (api, NULL, on_verify_done, NULL);
  g_task_set_source_tag (task, start_verify);
  g_task_set_task_data (task, job, (GDestroyNotify)verify_job_free);
  g_task_run_in_thread (task, verify_in_thread);
  return TRUE;
}

/* ---- login ---- */

static void
set_session_cookie (LcApi *api, LcRequest *req, const char *value, gint64 ttl)
{
  const char *public_url = lc_config_get_string (api->config, "server.public_url");
  gboolean secure = lc_request_is_tls (req) || g_ascii_strncasecmp (public_url, "https:", 6) == 0;
  g_autofree char *cookie = NULL;

  cookie = g_strdup_printf ("%s=%s; Path=/; Max-Age=%" G_GINT64_FORMAT "; HttpOnly; SameSite=Lax%s",
                            LC_SESSION_COOKIE, value, ttl, secure ? "; Secure" : "");
  lc_request_append_header (req, "Set-Cookie", cookie);
}

static gboolean
finish_login (LcApi *api, VerifyJob *job, GError **error)
{
  LcRequest *req = job->req;
  const char *client = lc_request_get_client (req);
  gint64 now = lc_time_now ();
  gint64 ttl = lc_config_get_int (api->config, "auth.session_ttl");
  g_autoptr (LcSession) session = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *cookie = NULL;
  g_autofree char *expires = NULL;
  JsonObject *o;

  if (job->account == NULL || job->account->disabled || !job->matched)
    {
      const char *reason = job->account == NULL     ? "{\"reason\":\"unknown-login\"}"
                           : job->account->disabled ? "{\"reason\":\"disabled\"}"
                                                    : "{\"reason\":\"wrong-password\"}";

      throttle_failure (api, job->login, client, throttle_now ());
      lc_store_audit (api->store, NULL, "login.failure", job->account != NULL ? "account" : NULL,
                      job->account != NULL ? job->account->id : NULL, client, reason);
      lc_set_error (error, LC_ERROR_UNAUTHORIZED, NULL, LOGIN_FAILED_MESSAGE);
      return FALSE;
    }

  throttle_success (api, job->login);
  lc_throttle_prune (api->login_throttle, throttle_now ());

  if (job->new_hash != NULL)
    {
      g_free (job->account->password_hash);
      job->account->password_hash = g_steal_pointer (&job->new_hash);
      if (!lc_store_update_account (api->store, job->account, &local_error))
        {
          g_warning ("account %s: cannot store the rehashed password: %s", job->account->id,
                     local_error->message);
          g_clear_error (&local_error);
        }
    }

  if (lc_store_purge_expired_sessions (api->store, now, &local_error) < 0)
    {
      g_warning ("api: cannot purge expired sessions: %s", local_error->message);
      g_clear_error (&local_error);
    }

  cookie = lc_secret_new ("lcs");
  session = lc_session_new ();
  session->token_hash = lc_sha256_hex (cookie);
  session->account_id = g_strdup (job->account->id);
  session->created_at = now;
  session->last_seen_at = now;
  session->expires_at = now + ttl;
  if (!lc_store_insert_session (api->store, session, error))
    return FALSE;

  lc_store_audit (api->store, job->account->id, "login.success", "account", job->account->id,
                  client, NULL);

  root = json_node_new (JSON_NODE_OBJECT);
  o = json_object_new ();
  json_object_set_member (o, "account", lc_account_to_json (job->account));
  expires = lc_time_format_rfc3339 (session->expires_at);
  json_object_set_string_member (o, "session_expires_at", expires);
  json_node_take_object (root, o);

  set_session_cookie (api, req, cookie, ttl);
  lc_api_no_store (req);
  lc_request_respond_json (req, 200, root);
  return TRUE;
}

static gboolean
route_login (LcApi *api, LcRequest *req, GError **error)
{
  const char *client = lc_request_get_client (req);
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (LcAccount) account = NULL;
  g_autoptr (GError) local_error = NULL;
  JsonObject *o;
  VerifyJob *job;
  gint64 wait;

  if (!lc_api_check_query (req, no_query, error))
    return FALSE;
  body = lc_api_parse_body (req, login_specs, G_N_ELEMENTS (login_specs), FALSE, error);
  if (body == NULL)
    return FALSE;
  o = json_node_get_object (body);

  job = g_new0 (VerifyJob, 1);
  job->login = g_utf8_strdown (lc_json_string (o, "login"), -1);
  job->password = g_strdup (lc_json_string (o, "password"));
  job->done = finish_login;

  wait = throttle_wait (api, job->login, client, throttle_now ());
  if (wait > 0)
    {
      lc_store_audit (api->store, NULL, "login.failure", NULL, NULL, client,
                      "{\"reason\":\"throttled\"}");
      verify_job_free (job);
      set_rate_limited (error, wait);
      return FALSE;
    }

  account = lc_store_get_account_by_login (api->store, job->login, &local_error);
  if (account == NULL && !g_error_matches (local_error, LC_ERROR, LC_ERROR_NOT_FOUND))
    {
      verify_job_free (job);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  /* Unknown logins cost one KDF run too, so timing does not tell which exist. */
  job->encoded = g_strdup (account != NULL ? account->password_hash : api->dummy_hash);
  if (job->encoded == NULL)
    job->encoded = g_strdup ("");
  job->account = g_steal_pointer (&account);
  return start_verify (api, req, job, error);
}

/* ---- logout, me ---- */

static gboolean
route_logout (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);

  if (p == NULL || !lc_api_check_query (req, no_query, error))
    return FALSE;
  if (p->session_hash == NULL)
    {
      lc_set_error (error, LC_ERROR_UNAUTHORIZED, NULL, "logout needs the session cookie");
      return FALSE;
    }
  if (!lc_store_delete_session (api->store, p->session_hash, error))
    return FALSE;
  lc_api_audit (api, req, p, "logout", "account", p->account->id, NULL);
  lc_request_append_header (req, "Set-Cookie",
                            LC_SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
  lc_request_respond_empty (req, 204);
  return TRUE;
}

static gboolean
route_me_get (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);
  g_autoptr (JsonNode) root = NULL;

  if (p == NULL || !lc_api_check_query (req, no_query, error))
    return FALSE;
  root = me_to_json (api, p->account, error);
  if (root == NULL)
    return FALSE;
  lc_api_no_store (req);
  lc_request_respond_json (req, 200, root);
  return TRUE;
}

static gboolean
route_me_patch (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *details = NULL;
  LcAccount *account;
  JsonObject *o;

  if (p == NULL || !lc_api_check_query (req, no_query, error))
    return FALSE;
  body = lc_api_parse_body (req, me_specs, G_N_ELEMENTS (me_specs), TRUE, error);
  if (body == NULL)
    return FALSE;
  o = json_node_get_object (body);

  account = p->account;
  if (lc_json_has (o, "display_name"))
    {
      g_free (account->display_name);
      account->display_name = g_strdup (lc_json_string (o, "display_name"));
    }
  if (lc_json_has (o, "consent_publish_name"))
    account->consent_publish_name = json_object_get_boolean_member (o, "consent_publish_name");
  account->updated_at = lc_time_now ();
  if (!lc_store_update_account (api->store, account, error))
    return FALSE;
  details = lc_api_fields_json (o);
  lc_api_audit (api, req, p, "account.update", "account", account->id, details);

  root = me_to_json (api, account, error);
  if (root == NULL)
    return FALSE;
  lc_api_no_store (req);
  lc_request_respond_json (req, 200, root);
  return TRUE;
}

/* ---- password change ---- */

static gboolean
finish_password_change (LcApi *api, VerifyJob *job, GError **error)
{
  LcRequest *req = job->req;
  const char *client = lc_request_get_client (req);
  gint64 now = lc_time_now ();
  LcAccount *account = job->account;

  if (!job->matched)
    {
      throttle_failure (api, job->login, client, throttle_now ());
      lc_api_audit (api, req, job->principal, "password.change.failure", "account", account->id,
                    NULL);
      lc_set_error (error, LC_ERROR_UNAUTHORIZED, "current_password",
                    "the current password is wrong");
      return FALSE;
    }
  throttle_success (api, job->login);
  if (job->new_hash == NULL)
    {
      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot hash the new password");
      return FALSE;
    }

  g_free (account->password_hash);
  account->password_hash = g_steal_pointer (&job->new_hash);
  account->password_changed_at = now;
  account->updated_at = now;
  if (!lc_store_update_account (api->store, account, error))
    return FALSE;
  /* Every other session ends; the one that made the change stays. */
  if (lc_store_delete_sessions_for_account (api->store, account->id, job->principal->session_hash,
                                            error)
      < 0)
    return FALSE;
  lc_api_audit (api, req, job->principal, "password.change", "account", account->id, NULL);
  lc_request_respond_empty (req, 204);
  return TRUE;
}

static gboolean
route_password (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);
  g_autoptr (JsonNode) body = NULL;
  const char *client = lc_request_get_client (req);
  const char *new_password;
  JsonObject *o;
  VerifyJob *job;
  gint64 wait;

  if (p == NULL || !lc_api_check_query (req, no_query, error))
    return FALSE;
  body = lc_api_parse_body (req, password_specs, G_N_ELEMENTS (password_specs), FALSE, error);
  if (body == NULL)
    return FALSE;
  o = json_node_get_object (body);

  wait = throttle_wait (api, p->account->login, client, throttle_now ());
  if (wait > 0)
    {
      set_rate_limited (error, wait);
      return FALSE;
    }
  new_password = lc_json_string (o, "new_password");
  if (!lc_password_check_policy (new_password,
                                 (int)lc_config_get_int (api->config, "auth.password_min_length"),
                                 p->account->login, error))
    {
      lc_error_set_field (*error, "new_password");
      return FALSE;
    }

  job = g_new0 (VerifyJob, 1);
  job->login = g_strdup (p->account->login);
  job->password = g_strdup (lc_json_string (o, "current_password"));
  job->new_password = g_strdup (new_password);
  job->encoded = g_strdup (p->account->password_hash != NULL ? p->account->password_hash : "");
  job->account = lc_account_copy (p->account);
  job->principal = g_steal_pointer (&p);
  job->done = finish_password_change;
  return start_verify (api, req, job, error);
}

/* ---- API tokens ---- */

static gboolean
route_tokens_list (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);
  g_autoptr (GPtrArray) tokens = NULL;
  JsonArray *items;

  if (p == NULL || !lc_api_check_query (req, no_query, error))
    return FALSE;
  tokens = lc_store_list_api_tokens (api->store, p->account->id, error);
  if (tokens == NULL)
    return FALSE;
  items = json_array_new ();
  for (guint i = 0; i < tokens->len; i++)
    {
      const LcApiToken *token = g_ptr_array_index (tokens, i);

      if (!token->revoked)
        json_array_add_element (items, lc_api_token_to_json (token));
    }
  lc_api_no_store (req);
  lc_api_respond_items (req, items);
  return TRUE;
}

static gboolean
route_tokens_create (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (LcApiToken) token = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *secret = NULL;
  gint64 now = lc_time_now ();
  JsonObject *o;

  if (p == NULL || !lc_api_check_query (req, no_query, error))
    return FALSE;
  body = lc_api_parse_body (req, token_specs, G_N_ELEMENTS (token_specs), FALSE, error);
  if (body == NULL)
    return FALSE;
  o = json_node_get_object (body);

  secret = lc_secret_new ("lct");
  token = lc_api_token_new ();
  token->id = lc_id_new ();
  token->account_id = g_strdup (p->account->id);
  token->name = g_strdup (lc_json_string (o, "name"));
  token->token_hash = lc_sha256_hex (secret);
  token->created_at = now;
  if (lc_json_has (o, "expires_in_days"))
    token->expires_at = now + json_object_get_int_member (o, "expires_in_days") * 86400;
  if (!lc_store_insert_api_token (api->store, token, error))
    return FALSE;
  lc_api_audit (api, req, p, "token.create", "token", token->id, NULL);

  root = lc_api_token_to_json (token);
  json_object_set_string_member (json_node_get_object (root), "token", secret);
  lc_api_no_store (req);
  lc_request_respond_json (req, 201, root);
  return TRUE;
}

static gboolean
route_tokens_delete (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);
  const char *id = lc_request_get_param (req, "id");

  if (p == NULL || !lc_api_check_query (req, no_query, error))
    return FALSE;
  if (!lc_id_is_valid (id))
    {
      lc_set_error (error, LC_ERROR_NOT_FOUND, NULL, "no such token");
      return FALSE;
    }
  if (!lc_store_revoke_api_token (api->store, id, p->account->id, error))
    return FALSE;
  lc_api_audit (api, req, p, "token.revoke", "token", id, NULL);
  lc_request_respond_empty (req, 204);
  return TRUE;
}

LC_API_DEFINE_HANDLER (handle_login, route_login)
LC_API_DEFINE_HANDLER (handle_logout, route_logout)
LC_API_DEFINE_HANDLER (handle_me_get, route_me_get)
LC_API_DEFINE_HANDLER (handle_me_patch, route_me_patch)
LC_API_DEFINE_HANDLER (handle_password, route_password)
LC_API_DEFINE_HANDLER (handle_tokens_list, route_tokens_list)
LC_API_DEFINE_HANDLER (handle_tokens_create, route_tokens_create)
LC_API_DEFINE_HANDLER (handle_tokens_delete, route_tokens_delete)

static const LcApiRoute auth_routes[] = {
  { "POST", "/api/v1/auth/login", handle_login },
  { "POST", "/api/v1/auth/logout", handle_logout },
  { "GET", "/api/v1/auth/me", handle_me_get },
  { "PATCH", "/api/v1/auth/me", handle_me_patch },
  { "POST", "/api/v1/auth/password", handle_password },
  { "GET", "/api/v1/auth/tokens", handle_tokens_list },
  { "POST", "/api/v1/auth/tokens", handle_tokens_create },
  { "DELETE", "/api/v1/auth/tokens/{id}", handle_tokens_delete },
};

void
lc_api_register_auth (LcApi *api, LcHttpServer *server)
{
  lc_api_add_routes (api, server, auth_routes, G_N_ELEMENTS (auth_routes));
}
