/* lc-api.c — the REST API object: who is calling (session cookie or bearer
 * token), the CSRF rule for cookie requests, role checks, paging cursors,
 * JSON builders shared by every resource, and /healthz + /readyz.
 * Resources live in lc-api-auth.c, lc-api-schools.c, lc-api-accounts.c,
 * lc-api-lessons.c, lc-api-webrtc.c, lc-api-hls.c, lc-api-recordings.c,
 * lc-api-conferences.c and lc-api-calendar.c. */
#include "signaling/lc-api-private.h"

#include <string.h>

G_DEFINE_FINAL_TYPE (LcApi, lc_api, G_TYPE_OBJECT)

/* Failed logins: the first delay after the free attempts. The throttle runs
 * on a monotonic millisecond clock (see lc-api-auth.c), so a delay is exact
 * and not cut short by a second boundary. */
#define LOGIN_BASE_DELAY_MS 1000

static void
lc_api_dispose (GObject *object)
{
  LcApi *api = LC_API (object);

  g_clear_object (&api->store);
  g_clear_object (&api->live);
  g_clear_object (&api->conference_hub);
  g_clear_pointer (&api->join_key, g_bytes_unref);
  g_clear_pointer (&api->config, lc_config_unref);
  G_OBJECT_CLASS (lc_api_parent_class)->dispose (object);
}

static void
lc_api_finalize (GObject *object)
{
  LcApi *api = LC_API (object);

  g_clear_pointer (&api->login_throttle, lc_throttle_free);
  g_clear_pointer (&api->logins_in_flight, g_hash_table_unref);
  g_clear_pointer (&api->whip_buckets, g_hash_table_unref);
  g_free (api->dummy_hash);
  g_free (api->web_root);
  g_free (api->hls_dir);
  g_free (api->recordings_dir);
  G_OBJECT_CLASS (lc_api_parent_class)->finalize (object);
}

static void
lc_api_class_init (LcApiClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lc_api_dispose;
  object_class->finalize = lc_api_finalize;
}

static void
lc_api_init (LcApi *api)
{
  api->logins_in_flight = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  api->whip_buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

LcApi *
lc_api_new (LcStore *store, LcConfig *config)
{
  LcApi *api;
  g_autoptr (GError) error = NULL;
  g_autofree char *dummy_password = NULL;

  g_return_val_if_fail (LC_IS_STORE (store), NULL);
  g_return_val_if_fail (config != NULL, NULL);

  api = g_object_new (LC_TYPE_API, NULL);
  api->store = g_object_ref (store);
  api->config = lc_config_ref (config);
  api->login_throttle = lc_throttle_new (
      (guint)lc_config_get_int (config, "auth.login_free_attempts"), LOGIN_BASE_DELAY_MS,
      lc_config_get_int (config, "auth.login_max_delay") * 1000,
      lc_config_get_int (config, "auth.login_forget_after") * 1000);
  lc_kdf_params_init_default (&api->kdf);
  api->kdf.log2_n = (int)lc_config_get_int (config, "auth.kdf_cost");
  api->kdf_max_in_flight = CLAMP (g_get_num_processors (), 2, 8);
  api->hls_dir = g_build_filename (lc_config_get_string (config, "server.data_dir"), "hls", NULL);
  api->recordings_dir
      = g_build_filename (lc_config_get_string (config, "server.data_dir"), "recordings", NULL);

  /* Unknown logins are verified against this hash so that they cost as much
   * time as known ones. Its password is random and never stored. */
  dummy_password = lc_secret_new (NULL);
  api->dummy_hash = lc_password_hash (dummy_password, &api->kdf, &error);
  if (api->dummy_hash == NULL)
    g_warning ("api: cannot compute the dummy password hash: %s", error->message);

  return api;
}

void
lc_api_set_ready (LcApi *api, gboolean ready)
{
  g_return_if_fail (LC_IS_API (api));
  api->ready = ready;
}

void
lc_api_set_live (LcApi *api, LcLive *live)
{
  g_return_if_fail (LC_IS_API (api));
  g_return_if_fail (live == NULL || LC_IS_LIVE (live));
  g_set_object (&api->live, live);
}

void
lc_api_set_web_root (LcApi *api, const char *web_root)
{
  g_return_if_fail (LC_IS_API (api));
  g_free (api->web_root);
  api->web_root = web_root != NULL && web_root[0] != '\0' ? g_strdup (web_root) : NULL;
}

void
lc_api_set_conference_hub (LcApi *api, LcConferenceHub *hub)
{
  g_return_if_fail (LC_IS_API (api));
  g_return_if_fail (hub == NULL || G_IS_OBJECT (hub));
  g_set_object (&api->conference_hub, hub);
}

void
lc_api_set_join_key (LcApi *api, GBytes *join_key)
{
  g_return_if_fail (LC_IS_API (api));
  if (join_key != NULL)
    g_bytes_ref (join_key);
  g_clear_pointer (&api->join_key, g_bytes_unref);
  api->join_key = join_key;
}

/* ---- principal ---- */

void
lc_principal_free (LcPrincipal *principal)
{
  if (principal == NULL)
    return;
  g_clear_pointer (&principal->account, lc_account_free);
  g_free (principal->session_hash);
  g_free (principal->token_id);
  g_free (principal);
}

static gboolean
method_is_safe (const char *method)
{
  return g_strcmp0 (method, "GET") == 0 || g_strcmp0 (method, "HEAD") == 0
         || g_strcmp0 (method, "OPTIONS") == 0;
}

/* The value of the lc_session cookie, or NULL. (transfer full) */
static char *
find_session_cookie (LcRequest *req)
{
  const char *header = lc_request_get_header (req, "Cookie");
  g_auto (GStrv) parts = NULL;

  if (header == NULL)
    return NULL;
  parts = g_strsplit (header, ";", 64);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *part = g_strstrip (parts[i]);
      const char *eq = strchr (part, '=');

      if (eq == NULL)
        continue;
      if ((gsize)(eq - part) == strlen (LC_SESSION_COOKIE)
          && strncmp (part, LC_SESSION_COOKIE, strlen (LC_SESSION_COOKIE)) == 0)
        return g_strdup (eq + 1);
    }
  return NULL;
}

static void
clear_session_cookie (LcRequest *req)
{
  lc_request_append_header (req, "Set-Cookie",
                            LC_SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
}

static LcAccount *
load_active_account (LcApi *api, const char *account_id, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (LcAccount) account = NULL;

  account = lc_store_get_account (api->store, account_id, &local_error);
  if (account == NULL)
    {
      if (g_error_matches (local_error, LC_ERROR, LC_ERROR_NOT_FOUND))
        {
          lc_set_error (error, LC_ERROR_UNAUTHORIZED, NULL, "the account no longer exists");
          return NULL;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (account->disabled)
    {
      lc_set_error (error, LC_ERROR_UNAUTHORIZED, NULL, "the account is disabled");
      return NULL;
    }
  return g_steal_pointer (&account);
}

static LcPrincipal *
authenticate_bearer (LcApi *api, const char *token, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (LcApiToken) api_token = NULL;
  g_autoptr (LcPrincipal) principal = NULL;
  g_autofree char *hash = NULL;
  gint64 now = lc_time_now ();

  if (token[0] == '\0' || strlen (token) > 256)
    {
      lc_set_error (error, LC_ERROR_UNAUTHORIZED, NULL, "invalid or expired API token");
      return NULL;
    }
  hash = lc_sha256_hex (token);
  api_token = lc_store_get_api_token_by_hash (api->store, hash, &local_error);
  if (api_token == NULL)
    {
      if (g_error_matches (local_error, LC_ERROR, LC_ERROR_NOT_FOUND))
        lc_set_error (error, LC_ERROR_UNAUTHORIZED, NULL, "invalid or expired API token");
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (api_token->revoked || (api_token->expires_at != 0 && api_token->expires_at <= now))
    {
      lc_set_error (error, LC_ERROR_UNAUTHORIZED, NULL, "invalid or expired API token");
      return NULL;
    }

  principal = g_new0 (LcPrincipal, 1);
  principal->account = load_active_account (api, api_token->account_id, error);
  if (principal->account == NULL)
    return NULL;
  principal->token_id = g_strdup (api_token->id);

  if (now - api_token->last_used_at >= LC_API_TOUCH_INTERVAL
      && !lc_store_touch_api_token (api->store, api_token->id, now, &local_error))
    g_warning ("token %s: cannot record its use: %s", api_token->id, local_error->message);

  return g_steal_pointer (&principal);
}

/* NULL with no error: the cookie is unknown or stale (the caller is then anonymous). */
static LcPrincipal *
authenticate_session (LcApi *api, const char *cookie, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (LcSession) session = NULL;
  g_autoptr (LcPrincipal) principal = NULL;
  g_autofree char *hash = NULL;
  gint64 now = lc_time_now ();

  if (!g_str_has_prefix (cookie, "lcs_") || strlen (cookie) > 128)
    return NULL;
  hash = lc_sha256_hex (cookie);
  session = lc_store_get_session (api->store, hash, &local_error);
  if (session == NULL)
    {
      if (!g_error_matches (local_error, LC_ERROR, LC_ERROR_NOT_FOUND))
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (session->expires_at <= now)
    {
      if (!lc_store_delete_session (api->store, hash, &local_error))
        g_clear_error (&local_error);
      return NULL;
    }

  principal = g_new0 (LcPrincipal, 1);
  principal->account = load_active_account (api, session->account_id, &local_error);
  if (principal->account == NULL)
    {
      if (!g_error_matches (local_error, LC_ERROR, LC_ERROR_UNAUTHORIZED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  principal->session_hash = g_steal_pointer (&hash);

  if (now - session->last_seen_at >= LC_API_TOUCH_INTERVAL
      && !lc_store_touch_session (api->store, principal->session_hash, now, &local_error))
    g_warning ("account %s: cannot record session use: %s", principal->account->id,
               local_error->message);

  return g_steal_pointer (&principal);
}

gboolean
lc_api_authenticate (LcApi *api, LcRequest *req, LcPrincipal **out, GError **error)
{
  const char *authorization = lc_request_get_header (req, "Authorization");
  g_autofree char *cookie = NULL;
  g_autoptr (LcPrincipal) principal = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (LC_IS_API (api), FALSE);
  g_return_val_if_fail (out != NULL && *out == NULL, FALSE);

  if (authorization != NULL)
    {
      if (g_ascii_strncasecmp (authorization, "Bearer ", 7) != 0)
        {
          lc_set_error (error, LC_ERROR_UNAUTHORIZED, NULL,
                        "only Bearer authorization is supported");
          return FALSE;
        }
      principal = authenticate_bearer (api, authorization + 7, error);
      if (principal == NULL)
        return FALSE;
      *out = g_steal_pointer (&principal);
      return TRUE;
    }

  cookie = find_session_cookie (req);
  if (cookie == NULL)
    return TRUE;

  principal = authenticate_session (api, cookie, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (principal == NULL)
    {
      /* A stale cookie is dropped: the browser goes on as anonymous. */
      clear_session_cookie (req);
      return TRUE;
    }

  if (!method_is_safe (lc_request_get_method (req)) && !lc_api_check_origin (api, req, error))
    return FALSE;

  *out = g_steal_pointer (&principal);
  return TRUE;
}

LcPrincipal *
lc_api_require_principal (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) principal = NULL;

  if (!lc_api_authenticate (api, req, &principal, error))
    return NULL;
  if (principal == NULL)
    {
      lc_set_error (error, LC_ERROR_UNAUTHORIZED, NULL, "log in or send an API token");
      return NULL;
    }
  return g_steal_pointer (&principal);
}

/* ---- origins (CSRF) ---- */

char *
lc_api_normalize_origin (const char *url)
{
  g_autoptr (GUri) uri = NULL;
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  int port;

  if (url == NULL || url[0] == '\0')
    return NULL;
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_scheme (uri) == NULL || g_uri_get_host (uri) == NULL
      || g_uri_get_host (uri)[0] == '\0')
    return NULL;

  scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  if (strcmp (scheme, "http") != 0 && strcmp (scheme, "https") != 0)
    return NULL;
  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  port = g_uri_get_port (uri);
  if ((port == 80 && strcmp (scheme, "http") == 0)
      || (port == 443 && strcmp (scheme, "https") == 0))
    port = -1;

  if (strchr (host, ':') != NULL) /* IPv6 literal */
    return port > 0 ? g_strdup_printf ("%s://[%s]:%d", scheme, host, port)
                    : g_strdup_printf ("%s://[%s]", scheme, host);
  return port > 0 ? g_strdup_printf ("%s://%s:%d", scheme, host, port)
                  : g_strdup_printf ("%s://%s", scheme, host);
}

static char *
request_origin (LcRequest *req)
{
  const char *host = lc_request_get_header (req, "Host");
  g_autofree char *url = NULL;

  if (host == NULL || host[0] == '\0')
    return NULL;
  url = g_strdup_printf ("%s://%s", lc_request_is_tls (req) ? "https" : "http", host);
  return lc_api_normalize_origin (url);
}

gboolean
lc_api_check_origin (LcApi *api, LcRequest *req, GError **error)
{
  const char *origin_header = lc_request_get_header (req, "Origin");
  const char *trusted = lc_config_get_string (api->config, "server.trusted_origins");
  g_autofree char *origin = NULL;
  g_autofree char *own = NULL;
  g_autofree char *public_origin = NULL;
  g_auto (GStrv) extra = NULL;

  if (origin_header == NULL)
    origin_header = lc_request_get_header (req, "Referer");
  if (origin_header == NULL)
    {
      lc_set_error (error, LC_ERROR_CSRF, NULL,
                    "cookie-authenticated requests that change state need an Origin header");
      return FALSE;
    }

  origin = lc_api_normalize_origin (origin_header);
  if (origin != NULL)
    {
      own = request_origin (req);
      if (g_strcmp0 (origin, own) == 0)
        return TRUE;
      public_origin
          = lc_api_normalize_origin (lc_config_get_string (api->config, "server.public_url"));
      if (g_strcmp0 (origin, public_origin) == 0)
        return TRUE;
      extra = g_strsplit (trusted, ",", -1);
      for (guint i = 0; extra[i] != NULL; i++)
        {
          g_autofree char *allowed = lc_api_normalize_origin (g_strstrip (extra[i]));

          if (g_strcmp0 (origin, allowed) == 0)
            return TRUE;
        }
    }

  lc_set_error (error, LC_ERROR_CSRF, NULL, "requests from this origin are not allowed");
  return FALSE;
}

char *
lc_api_dup_base_url (LcApi *api, LcRequest *req)
{
  const char *public_url = lc_config_get_string (api->config, "server.public_url");
  const char *host = lc_request_get_header (req, "Host");
  gsize len;

  if (public_url[0] != '\0')
    {
      len = strlen (public_url);
      while (len > 0 && public_url[len - 1] == '/')
        len--;
      return g_strndup (public_url, len);
    }
  if (host != NULL && host[0] != '\0')
    return g_strdup_printf ("%s://%s", lc_request_is_tls (req) ? "https" : "http", host);
  return g_strdup_printf ("%s://127.0.0.1:%u", lc_request_is_tls (req) ? "https" : "http",
                          lc_http_server_get_port (lc_request_get_server (req)));
}

/* ---- role checks ---- */

gboolean
lc_principal_is_operator (const LcPrincipal *p)
{
  return p != NULL && p->account->role == LC_ROLE_OPERATOR;
}

gboolean
lc_principal_is_staff_of (const LcPrincipal *p, const char *school_id)
{
  return p != NULL && p->account->role != LC_ROLE_OPERATOR && p->account->school_id != NULL
         && g_strcmp0 (p->account->school_id, school_id) == 0;
}

gboolean
lc_principal_is_coordinator_of (const LcPrincipal *p, const char *school_id)
{
  return lc_principal_is_staff_of (p, school_id) && p->account->role == LC_ROLE_COORDINATOR;
}

gboolean
lc_can_manage_lesson (const LcPrincipal *p, const LcLesson *lesson)
{
  if (p == NULL)
    return FALSE;
  if (lc_principal_is_operator (p) || lc_principal_is_coordinator_of (p, lesson->school_id))
    return TRUE;
  return p->account->role == LC_ROLE_TEACHER && g_strcmp0 (p->account->id, lesson->teacher_id) == 0
         && lc_principal_is_staff_of (p, lesson->school_id);
}

gboolean
lc_can_see_lesson_staff (const LcPrincipal *p, const LcLesson *lesson)
{
  return lc_principal_is_operator (p) || lc_principal_is_staff_of (p, lesson->school_id);
}

gboolean
lc_can_view_account (const LcPrincipal *p, const LcAccount *account)
{
  if (p == NULL)
    return FALSE;
  return lc_principal_is_operator (p) || g_strcmp0 (p->account->id, account->id) == 0
         || (account->school_id != NULL && lc_principal_is_coordinator_of (p, account->school_id));
}

gboolean
lc_can_manage_account (const LcPrincipal *p, const LcAccount *account)
{
  if (lc_principal_is_operator (p))
    return TRUE;
  return account->role == LC_ROLE_TEACHER && account->school_id != NULL
         && lc_principal_is_coordinator_of (p, account->school_id);
}

/* ---- request helpers ---- */

gboolean
lc_api_check_query (LcRequest *req, const char *const *allowed, GError **error)
{
  const char *unknown = NULL;

  if (lc_request_has_unknown_query (req, allowed, &unknown))
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL, "unknown query parameter \"%.64s\"",
                    unknown != NULL ? unknown : "");
      return FALSE;
    }
  return TRUE;
}

gboolean
lc_api_parse_limit (LcApi *api, LcRequest *req, guint *limit, GError **error)
{
  const char *text = lc_request_get_query (req, "limit");
  gint64 max = lc_config_get_int (api->config, "lessons.max_page_size");
  guint64 value = 0;

  if (text == NULL)
    {
      *limit = (guint)MIN (lc_config_get_int (api->config, "lessons.default_page_size"), max);
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (text, 10, 1, (guint64)max, &value, NULL))
    {
      lc_set_error (error, LC_ERROR_INVALID, "limit",
                    "limit must be an integer from 1 to %" G_GINT64_FORMAT, max);
      return FALSE;
    }
  *limit = (guint)value;
  return TRUE;
}

gboolean
lc_api_parse_time_range (LcRequest *req, gint64 *from, gint64 *before, GError **error)
{
  const char *from_text = lc_request_get_query (req, "from");
  const char *to_text = lc_request_get_query (req, "to");

  if (from_text != NULL && !lc_time_parse_rfc3339 (from_text, "from", from, error))
    return FALSE;
  if (to_text != NULL && !lc_time_parse_rfc3339 (to_text, "to", before, error))
    return FALSE;
  if (from_text != NULL && to_text != NULL && *before <= *from)
    {
      lc_set_error (error, LC_ERROR_INVALID, "to", "to must be after from");
      return FALSE;
    }
  return TRUE;
}

const char *
lc_api_get_id_param (LcRequest *req, const char *what, GError **error)
{
  const char *id = lc_request_get_param (req, "id");

  if (!lc_id_is_valid (id))
    {
      lc_set_error (error, LC_ERROR_NOT_FOUND, NULL, "no such %s", what);
      return NULL;
    }
  return id;
}

LcSchool *
lc_api_get_school (LcApi *api, LcRequest *req, GError **error)
{
  const char *id = lc_api_get_id_param (req, "school", error);

  return id != NULL ? lc_store_get_school (api->store, id, error) : NULL;
}

gboolean
lc_api_check_school_exists (LcApi *api, const char *school_id, const char *field, GError **error)
{
  g_autoptr (LcSchool) school = NULL;
  g_autoptr (GError) local_error = NULL;

  school = lc_store_get_school (api->store, school_id, &local_error);
  if (school != NULL)
    return TRUE;
  if (g_error_matches (local_error, LC_ERROR, LC_ERROR_NOT_FOUND))
    lc_set_error (error, LC_ERROR_INVALID, field, "no such school");
  else
    g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

JsonNode *
lc_api_parse_body (LcRequest *req, const LcFieldSpec *specs, gsize n_specs, gboolean partial,
                   GError **error)
{
  g_autoptr (JsonNode) node = NULL;

  node = lc_request_parse_json (req, error);
  if (node == NULL)
    return NULL;
  if (!lc_json_validate (node, specs, n_specs, partial, error))
    return NULL;
  return g_steal_pointer (&node);
}

char *
lc_api_cursor_encode (JsonArray *values)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  g_autofree char *text = NULL;

  json_node_set_array (node, values);
  text = lc_json_to_string (node);
  return lc_base64url_encode ((const guint8 *)text, strlen (text));
}

JsonArray *
lc_api_cursor_decode (const char *text, const char *shape, GError **error)
{
  g_autofree guint8 *data = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) parse_error = NULL;
  gsize len = 0;
  JsonArray *array;

  if (text == NULL || text[0] == '\0' || strlen (text) > 1024)
    goto bad;
  data = lc_base64url_decode (text, &len);
  if (data == NULL || len == 0)
    goto bad;
  node = lc_json_parse ((const char *)data, len, 1024, 2, &parse_error);
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    goto bad;
  array = json_node_get_array (node);
  if (json_array_get_length (array) != strlen (shape))
    goto bad;
  for (guint i = 0; shape[i] != '\0'; i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element))
        goto bad;
      if (shape[i] == 's')
        {
          const char *s;

          if (json_node_get_value_type (element) != G_TYPE_STRING)
            goto bad;
          s = json_node_get_string (element);
          if (s == NULL || s[0] == '\0' || strlen (s) > 512)
            goto bad;
        }
      else if (shape[i] == 'i')
        {
          if (json_node_get_value_type (element) != G_TYPE_INT64)
            goto bad;
        }
      else
        goto bad;
    }
  return json_array_ref (array);

bad:
  lc_set_error (error, LC_ERROR_MALFORMED, "cursor", "invalid cursor");
  return NULL;
}

gboolean
lc_api_time_cursor_parse (LcRequest *req, gboolean *set, gint64 *after_starts_at,
                          const char **after_id, JsonArray **values, GError **error)
{
  const char *text = lc_request_get_query (req, "cursor");

  *set = FALSE;
  if (text == NULL)
    return TRUE;
  *values = lc_api_cursor_decode (text, "is", error);
  if (*values == NULL)
    return FALSE;
  *set = TRUE;
  *after_starts_at = json_array_get_int_element (*values, 0);
  *after_id = json_array_get_string_element (*values, 1);
  return TRUE;
}

char *
lc_api_time_cursor_encode (gint64 starts_at, const char *id)
{
  g_autoptr (JsonArray) values = json_array_new ();

  json_array_add_int_element (values, starts_at);
  json_array_add_string_element (values, id);
  return lc_api_cursor_encode (values);
}

void
lc_api_respond_list (LcRequest *req, JsonArray *items, const char *next_cursor)
{
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();

  json_object_set_array_member (object, "items", items);
  if (next_cursor != NULL)
    json_object_set_string_member (object, "next_cursor", next_cursor);
  else
    json_object_set_null_member (object, "next_cursor");
  json_node_take_object (root, object);
  lc_request_respond_json (req, 200, root);
}

void
lc_api_respond_items (LcRequest *req, JsonArray *items)
{
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();

  json_object_set_array_member (object, "items", items);
  json_node_take_object (root, object);
  lc_request_respond_json (req, 200, root);
}

void
lc_api_audit (LcApi *api, LcRequest *req, const LcPrincipal *p, const char *action,
              const char *object_type, const char *object_id, const char *details_json)
{
  lc_store_audit (api->store, p != NULL ? p->account->id : NULL, action, object_type, object_id,
                  lc_request_get_client (req), details_json);
}

char *
lc_api_fields_json (JsonObject *o)
{
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (GList) members = json_object_get_members (o);
  JsonObject *details = json_object_new ();
  JsonArray *fields = json_array_new ();

  for (GList *l = members; l != NULL; l = l->next)
    json_array_add_string_element (fields, l->data);
  json_object_set_array_member (details, "fields", fields);
  json_node_take_object (root, details);
  return lc_json_to_string (root);
}

void
lc_api_no_store (LcRequest *req)
{
  lc_request_set_header (req, "Cache-Control", "no-store");
}

gboolean
lc_json_has (JsonObject *o, const char *name)
{
  return json_object_has_member (o, name);
}

gboolean
lc_json_is_null (JsonObject *o, const char *name)
{
  JsonNode *node = json_object_get_member (o, name);

  return node != NULL && JSON_NODE_HOLDS_NULL (node);
}

const char *
lc_json_string (JsonObject *o, const char *name)
{
  JsonNode *node = json_object_get_member (o, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* ---- JSON builders ---- */

static void
set_time (JsonObject *o, const char *name, gint64 t)
{
  g_autofree char *text = lc_time_format_rfc3339 (t);

  json_object_set_string_member (o, name, text);
}

static void
set_nullable_string (JsonObject *o, const char *name, const char *value)
{
  if (value != NULL)
    json_object_set_string_member (o, name, value);
  else
    json_object_set_null_member (o, name);
}

static JsonNode *
object_node (JsonObject *o)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, o);
  return node;
}

JsonNode *
lc_school_to_json (const LcSchool *school)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "id", school->id);
  json_object_set_string_member (o, "name", school->name);
  json_object_set_string_member (o, "short_name", school->short_name);
  json_object_set_string_member (o, "district", school->district);
  set_nullable_string (o, "address", school->address);
  if (school->has_location)
    {
      json_object_set_double_member (o, "latitude", school->latitude);
      json_object_set_double_member (o, "longitude", school->longitude);
    }
  else
    {
      json_object_set_null_member (o, "latitude");
      json_object_set_null_member (o, "longitude");
    }
  set_nullable_string (o, "website", school->website);
  set_time (o, "created_at", school->created_at);
  set_time (o, "updated_at", school->updated_at);
  return object_node (o);
}

JsonNode *
lc_account_to_json (const LcAccount *account)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "id", account->id);
  json_object_set_string_member (o, "login", account->login);
  json_object_set_string_member (o, "display_name", account->display_name);
  json_object_set_string_member (o, "role", lc_role_to_string (account->role));
  set_nullable_string (o, "school_id", account->school_id);
  json_object_set_boolean_member (o, "consent_publish_name", account->consent_publish_name);
  json_object_set_boolean_member (o, "disabled", account->disabled);
  set_time (o, "created_at", account->created_at);
  set_time (o, "updated_at", account->updated_at);
  return object_node (o);
}

JsonNode *
lc_api_token_to_json (const LcApiToken *token)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "id", token->id);
  json_object_set_string_member (o, "name", token->name);
  set_time (o, "created_at", token->created_at);
  if (token->last_used_at != 0)
    set_time (o, "last_used_at", token->last_used_at);
  else
    json_object_set_null_member (o, "last_used_at");
  if (token->expires_at != 0)
    set_time (o, "expires_at", token->expires_at);
  else
    json_object_set_null_member (o, "expires_at");
  return object_node (o);
}

void
lc_lesson_context_init (LcLessonContext *ctx, LcStore *store)
{
  ctx->store = store;
  ctx->schools
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)lc_school_free);
  ctx->accounts
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)lc_account_free);
  ctx->live = NULL;
}

void
lc_api_lesson_context_init (LcApi *api, LcLessonContext *ctx)
{
  lc_lesson_context_init (ctx, api->store);
  ctx->live = api->live;
}

void
lc_lesson_context_clear (LcLessonContext *ctx)
{
  g_clear_pointer (&ctx->schools, g_hash_table_unref);
  g_clear_pointer (&ctx->accounts, g_hash_table_unref);
}

const LcSchool *
lc_lesson_context_school (LcLessonContext *ctx, const char *id, GError **error)
{
  LcSchool *school = g_hash_table_lookup (ctx->schools, id);

  if (school == NULL)
    {
      school = lc_store_get_school (ctx->store, id, error);
      if (school == NULL)
        return NULL;
      g_hash_table_insert (ctx->schools, g_strdup (id), school);
    }
  return school;
}

const LcAccount *
lc_lesson_context_account (LcLessonContext *ctx, const char *id, GError **error)
{
  LcAccount *account = g_hash_table_lookup (ctx->accounts, id);

  if (account == NULL)
    {
      account = lc_store_get_account (ctx->store, id, error);
      if (account == NULL)
        return NULL;
      g_hash_table_insert (ctx->accounts, g_strdup (id), account);
    }
  return account;
}

JsonNode *
lc_lesson_to_json (LcLessonContext *ctx, const LcPrincipal *p, const LcLesson *lesson,
                   GError **error)
{
  const LcSchool *school;
  const LcAccount *teacher;
  JsonObject *o, *so, *to;
  g_autofree char *watch_url = NULL;
  g_autofree char *whep_url = NULL;
  g_autofree char *hls_url = NULL;
  JsonNode *live = NULL;

  school = lc_lesson_context_school (ctx, lesson->school_id, error);
  if (school == NULL)
    return NULL;
  teacher = lc_lesson_context_account (ctx, lesson->teacher_id, error);
  if (teacher == NULL)
    return NULL;

  o = json_object_new ();
  json_object_set_string_member (o, "id", lesson->id);
  json_object_set_string_member (o, "title", lesson->title);
  json_object_set_string_member (o, "description",
                                 lesson->description != NULL ? lesson->description : "");
  json_object_set_string_member (o, "subject", lesson->subject);
  if (lesson->grade > 0)
    json_object_set_int_member (o, "grade", lesson->grade);
  else
    json_object_set_null_member (o, "grade");

  so = json_object_new ();
  json_object_set_string_member (so, "id", school->id);
  json_object_set_string_member (so, "name", school->name);
  json_object_set_string_member (so, "short_name", school->short_name);
  json_object_set_string_member (so, "district", school->district);
  json_object_set_object_member (o, "school", so);

  /* The teacher's name is public only with their consent. */
  to = json_object_new ();
  if (lc_can_see_lesson_staff (p, lesson))
    json_object_set_string_member (to, "id", teacher->id);
  if (teacher->consent_publish_name)
    json_object_set_string_member (to, "name", teacher->display_name);
  else
    {
      g_autofree char *name = g_strdup_printf ("teacher of %s", school->short_name);

      json_object_set_string_member (to, "name", name);
    }
  json_object_set_boolean_member (to, "name_public", teacher->consent_publish_name);
  json_object_set_object_member (o, "teacher", to);

  set_time (o, "starts_at", lesson->starts_at);
  set_time (o, "ends_at", lesson->ends_at);
  json_object_set_string_member (o, "visibility", lc_visibility_to_string (lesson->visibility));
  json_object_set_boolean_member (o, "recording", lesson->recording);
  json_object_set_string_member (o, "status", lc_lesson_status_to_string (lesson->status));
  watch_url = g_strdup_printf ("/watch/%s", lesson->id);
  json_object_set_string_member (o, "watch_url", watch_url);
  whep_url = g_strdup_printf ("/whep/%s", lesson->id);
  json_object_set_string_member (o, "whep_url", whep_url);
  hls_url = g_strdup_printf ("/hls/%s/index.m3u8", lesson->id);
  json_object_set_string_member (o, "hls_url", hls_url);
  if (ctx->live != NULL && lesson->status == LC_LESSON_LIVE)
    live = lc_live_dup_status_json (ctx->live, lesson->id);
  if (live != NULL)
    json_object_set_member (o, "live", live);
  else
    json_object_set_null_member (o, "live");
  set_time (o, "created_at", lesson->created_at);
  set_time (o, "updated_at", lesson->updated_at);
  return object_node (o);
}

/* ---- health ---- */

static void
handle_healthz (LcRequest *req, gpointer user_data)
{
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "status", "ok");
  json_node_take_object (root, o);
  lc_api_no_store (req);
  lc_request_respond_json (req, 200, root);
}

static void
handle_readyz (LcRequest *req, gpointer user_data)
{
  LcApi *api = user_data;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *o;

  lc_api_no_store (req);
  if (!api->ready)
    {
      lc_set_error (&error, LC_ERROR_UNAVAILABLE, NULL, "the database is not ready yet");
      lc_error_set_retry_after (error, 1);
      lc_request_respond_error (req, error);
      return;
    }

  root = json_node_new (JSON_NODE_OBJECT);
  o = json_object_new ();
  json_object_set_string_member (o, "status", "ready");
  json_object_set_int_member (o, "schema_version", lc_store_get_schema_version (api->store));
  json_node_take_object (root, o);
  lc_request_respond_json (req, 200, root);
}

void
lc_api_add_routes (LcApi *api, LcHttpServer *server, const LcApiRoute *routes, gsize n_routes)
{
  for (gsize i = 0; i < n_routes; i++)
    lc_http_server_add_route (server, routes[i].method, routes[i].pattern, routes[i].handler, api);
}

void
lc_api_register (LcApi *api, LcHttpServer *server)
{
  g_return_if_fail (LC_IS_API (api));
  g_return_if_fail (LC_IS_HTTP_SERVER (server));

  lc_http_server_add_route (server, "GET", "/healthz", handle_healthz, api);
  lc_http_server_add_route (server, "GET", "/readyz", handle_readyz, api);
  lc_api_register_auth (api, server);
  lc_api_register_schools (api, server);
  lc_api_register_accounts (api, server);
  lc_api_register_lessons (api, server);
  lc_api_register_webrtc (api, server);
  lc_api_register_hls (api, server);
  lc_api_register_recordings (api, server);
  lc_api_register_conferences (api, server);
  lc_api_register_calendar (api, server);
  lc_api_register_pages (api, server);
  lc_api_register_conference_ws (api, server);
}
