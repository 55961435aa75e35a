/* lc-api-accounts.c — /api/v1/accounts (operators: all accounts;
 * coordinators: the teachers of their own school) and /api/v1/audit
 * (operators).
 *
 * Hashing a new password runs on the main context: only operators and
 * coordinators reach it, unlike login (see lc-api-auth.c). */
#include "signaling/lc-api-private.h"

#include <string.h>

static const LcFieldSpec create_specs[] = {
  { "login", LC_FIELD_STRING, LC_FIELD_REQUIRED, 3, 64 },
  { "display_name", LC_FIELD_STRING, LC_FIELD_REQUIRED, 1, 100 },
  { "role", LC_FIELD_ENUM, LC_FIELD_REQUIRED, 0, 0, 0, 0, lc_role_names },
  { "school_id", LC_FIELD_ID, LC_FIELD_NULLABLE },
  { "password", LC_FIELD_STRING, LC_FIELD_REQUIRED, 1, 1024 },
  { "consent_publish_name", LC_FIELD_BOOL, LC_FIELD_OPTIONAL },
};

static const LcFieldSpec patch_specs[] = {
  { "display_name", LC_FIELD_STRING, LC_FIELD_OPTIONAL, 1, 100 },
  { "consent_publish_name", LC_FIELD_BOOL, LC_FIELD_OPTIONAL },
  { "disabled", LC_FIELD_BOOL, LC_FIELD_OPTIONAL },
  { "password", LC_FIELD_STRING, LC_FIELD_OPTIONAL, 1, 1024 },
  { "role", LC_FIELD_ENUM, LC_FIELD_OPTIONAL, 0, 0, 0, 0, lc_role_names },
  { "school_id", LC_FIELD_ID, LC_FIELD_NULLABLE },
};

static const char *const no_query[] = { NULL };
static const char *const list_query[] = { "school", "role", "cursor", "limit", NULL };
static const char *const audit_query[] = { "actor", "object", "action", "cursor", "limit", NULL };

/* Logins: 3..64 of [a-z0-9._-] after lower-casing. */
static gboolean
login_is_valid (const char *login)
{
  gsize len = strlen (login);

  if (len < 3 || len > 64)
    return FALSE;
  for (const char *c = login; *c != '\0'; c++)
    if (!g_ascii_islower (*c) && !g_ascii_isdigit (*c) && *c != '.' && *c != '_' && *c != '-')
      return FALSE;
  return TRUE;
}

static LcAccount *
load_account (LcApi *api, LcRequest *req, GError **error)
{
  const char *id = lc_api_get_id_param (req, "account", error);

  return id != NULL ? lc_store_get_account (api->store, id, error) : NULL;
}

/* Operators have no school; coordinators and teachers belong to an existing one. */
static gboolean
check_role_school (LcApi *api, LcRole role, const char *school_id, GError **error)
{
  if (role == LC_ROLE_OPERATOR)
    {
      if (school_id != NULL)
        {
          lc_set_error (error, LC_ERROR_INVALID, "school_id", "operators belong to no school");
          return FALSE;
        }
      return TRUE;
    }
  if (school_id == NULL)
    {
      lc_set_error (error, LC_ERROR_INVALID, "school_id",
                    "coordinators and teachers need a school_id");
      return FALSE;
    }
  return lc_api_check_school_exists (api, school_id, "school_id", error);
}

static char *
hash_new_password (LcApi *api, const char *password, const char *login, GError **error)
{
  if (!lc_password_check_policy (
          password, (int)lc_config_get_int (api->config, "auth.password_min_length"), login, error))
    return NULL;
  return lc_password_hash (password, &api->kdf, error);
}

static void
respond_account (LcRequest *req, guint status, const LcAccount *account)
{
  g_autoptr (JsonNode) root = lc_account_to_json (account);

  lc_api_no_store (req);
  lc_request_respond_json (req, status, root);
}

static gboolean
route_accounts_list (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);
  g_autoptr (JsonArray) cursor = NULL;
  g_autoptr (GPtrArray) accounts = NULL;
  g_autofree char *next = NULL;
  LcAccountFilter filter = { .role = -1 };
  const char *school, *role, *text;
  JsonArray *items;
  guint limit;
  LcRole r;

  if (p == NULL || !lc_api_check_query (req, list_query, error)
      || !lc_api_parse_limit (api, req, &limit, error))
    return FALSE;

  school = lc_request_get_query (req, "school");
  role = lc_request_get_query (req, "role");
  if (school != NULL && !lc_id_is_valid (school))
    {
      lc_set_error (error, LC_ERROR_INVALID, "school", "school must be a school id");
      return FALSE;
    }
  if (role != NULL)
    {
      if (!lc_role_from_string (role, &r))
        {
          lc_set_error (error, LC_ERROR_INVALID, "role",
                        "role must be operator, coordinator or teacher");
          return FALSE;
        }
      filter.role = (int)r;
    }

  if (lc_principal_is_operator (p))
    filter.school_id = school;
  else if (p->account->role == LC_ROLE_COORDINATOR && p->account->school_id != NULL
           && (school == NULL || strcmp (school, p->account->school_id) == 0))
    filter.school_id = p->account->school_id;
  else
    {
      lc_set_error (error, LC_ERROR_FORBIDDEN, NULL,
                    "only operators and coordinators (of their own school) list accounts");
      return FALSE;
    }

  text = lc_request_get_query (req, "cursor");
  if (text != NULL)
    {
      cursor = lc_api_cursor_decode (text, "s", error);
      if (cursor == NULL)
        return FALSE;
      filter.after_login = json_array_get_string_element (cursor, 0);
    }
  filter.limit = limit + 1;

  accounts = lc_store_list_accounts (api->store, &filter, error);
  if (accounts == NULL)
    return FALSE;
  items = json_array_new ();
  for (guint i = 0; i < accounts->len && i < limit; i++)
    json_array_add_element (items, lc_account_to_json (g_ptr_array_index (accounts, i)));
  if (accounts->len > limit)
    {
      const LcAccount *last = g_ptr_array_index (accounts, limit - 1);
      g_autoptr (JsonArray) values = json_array_new ();

      json_array_add_string_element (values, last->login);
      next = lc_api_cursor_encode (values);
    }
  lc_api_no_store (req);
  lc_api_respond_list (req, items, next);
  return TRUE;
}

static gboolean
route_account_get (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);
  g_autoptr (LcAccount) account = NULL;

  if (p == NULL || !lc_api_check_query (req, no_query, error))
    return FALSE;
  account = load_account (api, req, error);
  if (account == NULL)
    return FALSE;
  if (!lc_can_view_account (p, account))
    {
      lc_set_error (error, LC_ERROR_FORBIDDEN, NULL, "you may not see this account");
      return FALSE;
    }
  respond_account (req, 200, account);
  return TRUE;
}

static gboolean
route_account_create (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (LcAccount) account = NULL;
  g_autofree char *location = NULL;
  const char *school_id;
  JsonObject *o;
  LcRole role;

  if (p == NULL || !lc_api_check_query (req, no_query, error))
    return FALSE;
  if (!lc_principal_is_operator (p) && p->account->role != LC_ROLE_COORDINATOR)
    {
      lc_set_error (error, LC_ERROR_FORBIDDEN, NULL,
                    "only operators and coordinators create accounts");
      return FALSE;
    }
  body = lc_api_parse_body (req, create_specs, G_N_ELEMENTS (create_specs), FALSE, error);
  if (body == NULL)
    return FALSE;
  o = json_node_get_object (body);

  account = lc_account_new ();
  account->login = g_utf8_strdown (lc_json_string (o, "login"), -1);
  if (!login_is_valid (account->login))
    {
      lc_set_error (error, LC_ERROR_INVALID, "login",
                    "login must be 3 to 64 characters of a-z, 0-9, '.', '_' and '-'");
      return FALSE;
    }
  lc_role_from_string (lc_json_string (o, "role"), &role);
  school_id = lc_json_string (o, "school_id");

  if (!lc_principal_is_operator (p))
    {
      /* A coordinator adds teachers to their own school. */
      if (role != LC_ROLE_TEACHER
          || (school_id != NULL && g_strcmp0 (school_id, p->account->school_id) != 0))
        {
          lc_set_error (error, LC_ERROR_FORBIDDEN, NULL,
                        "coordinators create teachers of their own school only");
          return FALSE;
        }
      school_id = p->account->school_id;
    }
  if (!check_role_school (api, role, school_id, error))
    return FALSE;

  account->password_hash
      = hash_new_password (api, lc_json_string (o, "password"), account->login, error);
  if (account->password_hash == NULL)
    return FALSE;
  account->id = lc_id_new ();
  account->display_name = g_strdup (lc_json_string (o, "display_name"));
  account->role = role;
  account->school_id = g_strdup (school_id);
  if (lc_json_has (o, "consent_publish_name"))
    account->consent_publish_name = json_object_get_boolean_member (o, "consent_publish_name");
  account->created_at = account->updated_at = account->password_changed_at = lc_time_now ();
  if (!lc_store_insert_account (api->store, account, error))
    return FALSE;
  lc_api_audit (api, req, p, "account.create", "account", account->id, NULL);

  location = g_strdup_printf ("/api/v1/accounts/%s", account->id);
  lc_request_set_header (req, "Location", location);
  respond_account (req, 201, account);
  return TRUE;
}

static gboolean
route_account_patch (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (LcAccount) account = NULL;
  g_autofree char *details = NULL;
  gboolean self, revoke = FALSE;
  JsonObject *o;

  if (p == NULL || !lc_api_check_query (req, no_query, error))
    return FALSE;
  account = load_account (api, req, error);
  if (account == NULL)
    return FALSE;
  if (!lc_can_manage_account (p, account))
    {
      lc_set_error (error, LC_ERROR_FORBIDDEN, NULL, "you may not change this account");
      return FALSE;
    }
  body = lc_api_parse_body (req, patch_specs, G_N_ELEMENTS (patch_specs), TRUE, error);
  if (body == NULL)
    return FALSE;
  o = json_node_get_object (body);
  self = g_strcmp0 (p->account->id, account->id) == 0;

  if (!lc_principal_is_operator (p) && (lc_json_has (o, "role") || lc_json_has (o, "school_id")))
    {
      lc_set_error (error, LC_ERROR_FORBIDDEN, NULL, "only operators change roles and schools");
      return FALSE;
    }

  if (lc_json_has (o, "display_name"))
    {
      g_free (account->display_name);
      account->display_name = g_strdup (lc_json_string (o, "display_name"));
    }
  if (lc_json_has (o, "consent_publish_name"))
    account->consent_publish_name = json_object_get_boolean_member (o, "consent_publish_name");
  if (lc_json_has (o, "disabled"))
    {
      gboolean disabled = json_object_get_boolean_member (o, "disabled");

      if (disabled && self)
        {
          lc_set_error (error, LC_ERROR_INVALID, "disabled", "you cannot disable yourself");
          return FALSE;
        }
      revoke |= disabled && !account->disabled;
      account->disabled = disabled;
    }
  if (lc_json_has (o, "role") || lc_json_has (o, "school_id"))
    {
      LcRole role = account->role;

      if (lc_json_has (o, "role"))
        lc_role_from_string (lc_json_string (o, "role"), &role);
      if (self && role != account->role)
        {
          lc_set_error (error, LC_ERROR_INVALID, "role", "you cannot change your own role");
          return FALSE;
        }
      if (lc_json_has (o, "school_id"))
        {
          g_free (account->school_id);
          account->school_id = g_strdup (lc_json_string (o, "school_id"));
        }
      else if (role == LC_ROLE_OPERATOR)
        g_clear_pointer (&account->school_id, g_free);
      account->role = role;
      if (!check_role_school (api, account->role, account->school_id, error))
        return FALSE;
    }
  if (lc_json_has (o, "password"))
    {
      g_free (account->password_hash);
      account->password_hash
          = hash_new_password (api, lc_json_string (o, "password"), account->login, error);
      if (account->password_hash == NULL)
        return FALSE;
      account->password_changed_at = lc_time_now ();
      revoke = TRUE;
    }

  account->updated_at = lc_time_now ();
  if (!lc_store_update_account (api->store, account, error))
    return FALSE;
  /* Disabling or a new password ends the account's sessions (but not the
   * caller's own when they changed their own password). */
  if (revoke
      && lc_store_delete_sessions_for_account (api->store, account->id,
                                               self ? p->session_hash : NULL, error)
             < 0)
    return FALSE;
  details = lc_api_fields_json (o);
  lc_api_audit (api, req, p, "account.update", "account", account->id, details);
  respond_account (req, 200, account);
  return TRUE;
}

/* ---- audit log ---- */

static JsonNode *
audit_event_to_json (const LcAuditEvent *event)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *o = json_object_new ();
  g_autofree char *at = lc_time_format_rfc3339 (event->at);

  json_object_set_string_member (o, "id", event->id);
  json_object_set_string_member (o, "at", at);
#define SET_NULLABLE(name, value)                                                                  \
  if ((value) != NULL)                                                                             \
    json_object_set_string_member (o, name, value);                                                \
  else                                                                                             \
    json_object_set_null_member (o, name)
  SET_NULLABLE ("actor_id", event->actor_id);
  json_object_set_string_member (o, "action", event->action);
  SET_NULLABLE ("object_type", event->object_type);
  SET_NULLABLE ("object_id", event->object_id);
  SET_NULLABLE ("client", event->client);
#undef SET_NULLABLE
  if (event->details != NULL)
    {
      JsonNode *details = lc_json_parse (event->details, strlen (event->details), 65536, 16, NULL);

      if (details != NULL)
        json_object_set_member (o, "details", details);
      else
        json_object_set_string_member (o, "details", event->details);
    }
  else
    json_object_set_null_member (o, "details");
  json_node_take_object (node, o);
  return node;
}

static gboolean
route_audit_list (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);
  g_autoptr (JsonArray) cursor = NULL;
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (GArray) seqs = NULL;
  g_autofree char *next = NULL;
  LcAuditFilter filter = { 0 };
  const char *text;
  JsonArray *items;
  guint limit;

  if (p == NULL)
    return FALSE;
  if (!lc_principal_is_operator (p))
    {
      lc_set_error (error, LC_ERROR_FORBIDDEN, NULL, "only operators read the audit log");
      return FALSE;
    }
  if (!lc_api_check_query (req, audit_query, error)
      || !lc_api_parse_limit (api, req, &limit, error))
    return FALSE;
  filter.actor_id = lc_request_get_query (req, "actor");
  filter.object_id = lc_request_get_query (req, "object");
  if (filter.actor_id != NULL && !lc_id_is_valid (filter.actor_id))
    {
      lc_set_error (error, LC_ERROR_INVALID, "actor", "actor must be an account id");
      return FALSE;
    }
  if (filter.object_id != NULL && !lc_id_is_valid (filter.object_id))
    {
      lc_set_error (error, LC_ERROR_INVALID, "object", "object must be an id");
      return FALSE;
    }
  filter.action_prefix = lc_request_get_query (req, "action");
  text = lc_request_get_query (req, "cursor");
  if (text != NULL)
    {
      cursor = lc_api_cursor_decode (text, "i", error);
      if (cursor == NULL)
        return FALSE;
      filter.before_seq = json_array_get_int_element (cursor, 0);
      if (filter.before_seq <= 0)
        {
          lc_set_error (error, LC_ERROR_MALFORMED, "cursor", "invalid cursor");
          return FALSE;
        }
    }
  filter.limit = limit + 1;

  seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  events = lc_store_list_audit_events (api->store, &filter, seqs, error);
  if (events == NULL)
    return FALSE;
  items = json_array_new ();
  for (guint i = 0; i < events->len && i < limit; i++)
    json_array_add_element (items, audit_event_to_json (g_ptr_array_index (events, i)));
  if (events->len > limit && seqs->len >= limit)
    {
      g_autoptr (JsonArray) values = json_array_new ();

      json_array_add_int_element (values, g_array_index (seqs, gint64, limit - 1));
      next = lc_api_cursor_encode (values);
    }
  lc_api_no_store (req);
  lc_api_respond_list (req, items, next);
  return TRUE;
}

LC_API_DEFINE_HANDLER (handle_accounts_list, route_accounts_list)
LC_API_DEFINE_HANDLER (handle_account_get, route_account_get)
LC_API_DEFINE_HANDLER (handle_account_create, route_account_create)
LC_API_DEFINE_HANDLER (handle_account_patch, route_account_patch)
LC_API_DEFINE_HANDLER (handle_audit_list, route_audit_list)

static const LcApiRoute account_routes[] = {
  { "GET", "/api/v1/accounts", handle_accounts_list },
  { "POST", "/api/v1/accounts", handle_account_create },
  { "GET", "/api/v1/accounts/{id}", handle_account_get },
  { "PATCH", "/api/v1/accounts/{id}", handle_account_patch },
  { "GET", "/api/v1/audit", handle_audit_list },
};

void
lc_api_register_accounts (LcApi *api, LcHttpServer *server)
{
  lc_api_add_routes (api, server, account_routes, G_N_ELEMENTS (account_routes));
}
