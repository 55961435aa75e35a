/* lc-store-sqlite-people.c — the SQLite backend's schools, accounts, login
 * sessions and API tokens (LcStore vfuncs; helpers in lc-store-sqlite-private.h). */
#include "common/lc-store-sqlite-private.h"

#include "common/lc-error.h"
#include "common/lc-time.h"

/* ---- Fixed SQL texts (values are always bound) ---- */
#define SCHOOL_COLS                                                                                \
  "id, name, short_name, district, address, latitude, longitude, website, created_at, updated_at"
#define ACCOUNT_COLS                                                                               \
  "id, login, display_name, role, school_id, password_hash, consent_publish_name, disabled, "      \
  "created_at, updated_at, password_changed_at"
#define SESSION_COLS "token_hash, account_id, created_at, expires_at, last_seen_at"
#define TOKEN_COLS "id, account_id, name, token_hash, created_at, last_used_at, expires_at, revoked"

#define SQL_SCHOOL_INSERT                                                                          \
  "INSERT INTO schools (" SCHOOL_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
#define SQL_SCHOOL_UPDATE                                                                          \
  "UPDATE schools SET name = ?2, short_name = ?3, district = ?4, address = ?5, latitude = ?6, "    \
  "longitude = ?7, website = ?8, updated_at = ?10 WHERE id = ?1"
#define SQL_SCHOOL_GET "SELECT " SCHOOL_COLS " FROM schools WHERE id = ?1"
#define SQL_SCHOOL_LIST_BASE                                                                       \
  "SELECT " SCHOOL_COLS " FROM schools WHERE (?1 IS NULL OR district = ?1) "
#define SQL_SCHOOL_LIST SQL_SCHOOL_LIST_BASE "ORDER BY name, id LIMIT ?4"
#define SQL_SCHOOL_LIST_AFTER                                                                      \
  SQL_SCHOOL_LIST_BASE "AND (name, id) > (?2, ?3) ORDER BY name, id LIMIT ?4"

#define SQL_ACCOUNT_INSERT                                                                         \
  "INSERT INTO accounts (" ACCOUNT_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
#define SQL_ACCOUNT_UPDATE                                                                         \
  "UPDATE accounts SET login = ?2, display_name = ?3, role = ?4, school_id = ?5, "                 \
  "password_hash = ?6, consent_publish_name = ?7, disabled = ?8, updated_at = ?10, "               \
  "password_changed_at = ?11 WHERE id = ?1"
#define SQL_ACCOUNT_GET "SELECT " ACCOUNT_COLS " FROM accounts WHERE id = ?1"
#define SQL_ACCOUNT_GET_BY_LOGIN "SELECT " ACCOUNT_COLS " FROM accounts WHERE login = ?1"
#define SQL_ACCOUNT_LIST                                                                           \
  "SELECT " ACCOUNT_COLS " FROM accounts WHERE (?1 IS NULL OR school_id = ?1) "                    \
  "AND (?2 IS NULL OR role = ?2) AND (?3 IS NULL OR login > ?3) ORDER BY login LIMIT ?4"
#define SQL_ACCOUNT_COUNT "SELECT count(*) FROM accounts WHERE (?1 IS NULL OR role = ?1)"

#define SQL_SESSION_INSERT "INSERT INTO sessions (" SESSION_COLS ") VALUES (?1, ?2, ?3, ?4, ?5)"
#define SQL_SESSION_GET "SELECT " SESSION_COLS " FROM sessions WHERE token_hash = ?1"
#define SQL_SESSION_TOUCH "UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1"
#define SQL_SESSION_DELETE "DELETE FROM sessions WHERE token_hash = ?1"
#define SQL_SESSION_DELETE_FOR_ACCOUNT                                                             \
  "DELETE FROM sessions WHERE account_id = ?1 AND (?2 IS NULL OR token_hash <> ?2)"
#define SQL_SESSION_PURGE "DELETE FROM sessions WHERE expires_at <= ?2" /* ?1 unused */

#define SQL_TOKEN_INSERT                                                                           \
  "INSERT INTO api_tokens (" TOKEN_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
#define SQL_TOKEN_GET_BY_HASH "SELECT " TOKEN_COLS " FROM api_tokens WHERE token_hash = ?1"
#define SQL_TOKEN_LIST                                                                             \
  "SELECT " TOKEN_COLS " FROM api_tokens WHERE account_id = ?1 AND revoked = 0 "                   \
  "ORDER BY created_at, id"
#define SQL_TOKEN_REVOKE                                                                           \
  "UPDATE api_tokens SET revoked = 1 WHERE id = ?1 AND revoked = 0 "                               \
  "AND (?2 IS NULL OR account_id = ?2)"
#define SQL_TOKEN_TOUCH "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1"

/* ---- Schools ---- */

static void
bind_school (sqlite3_stmt *stmt, const LcSchool *school, gint64 now)
{
  lc_sql_bind_text (stmt, 1, school->id);
  lc_sql_bind_text (stmt, 2, school->name);
  lc_sql_bind_text (stmt, 3, school->short_name);
  lc_sql_bind_text (stmt, 4, school->district);
  lc_sql_bind_text (stmt, 5, school->address);
  if (school->has_location)
    {
      sqlite3_bind_double (stmt, 6, school->latitude);
      sqlite3_bind_double (stmt, 7, school->longitude);
    }
  lc_sql_bind_text (stmt, 8, school->website);
  sqlite3_bind_int64 (stmt, 9, school->created_at != 0 ? school->created_at : now);
  sqlite3_bind_int64 (stmt, 10, school->updated_at != 0 ? school->updated_at : now);
}

static LcSchool *
read_school (sqlite3_stmt *stmt)
{
  LcSchool *school = lc_school_new ();

  school->id = lc_sql_col_dup (stmt, 0);
  school->name = lc_sql_col_dup (stmt, 1);
  school->short_name = lc_sql_col_dup (stmt, 2);
  school->district = lc_sql_col_dup (stmt, 3);
  school->address = lc_sql_col_dup (stmt, 4);
  school->has_location = sqlite3_column_type (stmt, 5) != SQLITE_NULL
                         && sqlite3_column_type (stmt, 6) != SQLITE_NULL;
  if (school->has_location)
    {
      school->latitude = sqlite3_column_double (stmt, 5);
      school->longitude = sqlite3_column_double (stmt, 6);
    }
  school->website = lc_sql_col_dup (stmt, 7);
  school->created_at = sqlite3_column_int64 (stmt, 8);
  school->updated_at = sqlite3_column_int64 (stmt, 9);
  return school;
}

/* Insert (missing NULL) or update (missing names the object) a school. */
static gboolean
write_school (LcStoreSqlite *self, const char *sql, const LcSchool *school, const char *missing,
              GError **error)
{
  return lc_sql_write_row (self, sql, (LcBindRowFunc)bind_school, school, "store: write school",
                           NULL, missing, error);
}

static gboolean
store_insert_school (LcStore *store, const LcSchool *school, GError **error)
{
  return write_school (LC_STORE_SQLITE (store), SQL_SCHOOL_INSERT, school, NULL, error);
}

static gboolean
store_update_school (LcStore *store, const LcSchool *school, GError **error)
{
  return write_school (LC_STORE_SQLITE (store), SQL_SCHOOL_UPDATE, school, "school", error);
}

static LcSchool *
store_get_school (LcStore *store, const char *id, GError **error)
{
  return lc_sql_get_one (LC_STORE_SQLITE (store), SQL_SCHOOL_GET, id, (LcReadRowFunc)read_school,
                         "school", error);
}

static GPtrArray *
store_list_schools (LcStore *store, const LcSchoolFilter *filter, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  static const LcSchoolFilter no_filter = { 0 };
  g_autoptr (LcCachedStmt) stmt = NULL;

  if (filter == NULL)
    filter = &no_filter;
  stmt = lc_sql_get_stmt (
      self, filter->after_name != NULL ? SQL_SCHOOL_LIST_AFTER : SQL_SCHOOL_LIST, error);
  if (stmt == NULL)
    return NULL;
  lc_sql_bind_text (stmt, 1, filter->district);
  if (filter->after_name != NULL)
    {
      lc_sql_bind_text (stmt, 2, filter->after_name);
      lc_sql_bind_text (stmt, 3, filter->after_id != NULL ? filter->after_id : "");
    }
  lc_sql_bind_limit (stmt, 4, filter->limit);
  return lc_sql_collect_rows (self, stmt, (LcReadRowFunc)read_school,
                              (GDestroyNotify)lc_school_free, NULL, "store: list schools", error);
}

/* ---- Accounts ---- */

/* Enums are bound by name; an invalid one binds NULL and fails NOT NULL. */
static void
bind_account (sqlite3_stmt *stmt, const LcAccount *account, gint64 now)
{
  g_autofree char *login = account->login != NULL ? g_ascii_strdown (account->login, -1) : NULL;
  gint64 created_at = account->created_at != 0 ? account->created_at : now;

  lc_sql_bind_text (stmt, 1, account->id);
  lc_sql_bind_text (stmt, 2, login);
  lc_sql_bind_text (stmt, 3, account->display_name);
  lc_sql_bind_text (stmt, 4, lc_role_to_string (account->role));
  lc_sql_bind_text (stmt, 5, account->school_id);
  lc_sql_bind_text (stmt, 6, account->password_hash);
  sqlite3_bind_int (stmt, 7, account->consent_publish_name ? 1 : 0);
  sqlite3_bind_int (stmt, 8, account->disabled ? 1 : 0);
  sqlite3_bind_int64 (stmt, 9, created_at);
  sqlite3_bind_int64 (stmt, 10, account->updated_at != 0 ? account->updated_at : now);
  sqlite3_bind_int64 (
      stmt, 11, account->password_changed_at != 0 ? account->password_changed_at : created_at);
}

static LcAccount *
read_account (sqlite3_stmt *stmt)
{
  LcAccount *account = lc_account_new ();
  LcRole role;

  account->id = lc_sql_col_dup (stmt, 0);
  account->login = lc_sql_col_dup (stmt, 1);
  account->display_name = lc_sql_col_dup (stmt, 2);
  /* The CHECK constraint keeps role valid; anything else reads as the least privileged. */
  account->role = lc_role_from_string (lc_sql_col_str (stmt, 3), &role) ? role : LC_ROLE_TEACHER;
  account->school_id = lc_sql_col_dup (stmt, 4);
  account->password_hash = lc_sql_col_dup (stmt, 5);
  account->consent_publish_name = sqlite3_column_int (stmt, 6) != 0;
  account->disabled = sqlite3_column_int (stmt, 7) != 0;
  account->created_at = sqlite3_column_int64 (stmt, 8);
  account->updated_at = sqlite3_column_int64 (stmt, 9);
  account->password_changed_at = sqlite3_column_int64 (stmt, 10);
  return account;
}

static gboolean
write_account (LcStoreSqlite *self, const char *sql, const LcAccount *account, const char *missing,
               GError **error)
{
  return lc_sql_check_reference (self, SQL_SCHOOL_EXISTS, account->school_id, "school_id", error)
         && lc_sql_write_row (self, sql, (LcBindRowFunc)bind_account, account,
                              "store: write account", "login", missing, error);
}

static gboolean
store_insert_account (LcStore *store, const LcAccount *account, GError **error)
{
  return write_account (LC_STORE_SQLITE (store), SQL_ACCOUNT_INSERT, account, NULL, error);
}

static gboolean
store_update_account (LcStore *store, const LcAccount *account, GError **error)
{
  return write_account (LC_STORE_SQLITE (store), SQL_ACCOUNT_UPDATE, account, "account", error);
}

static LcAccount *
store_get_account (LcStore *store, const char *id, GError **error)
{
  return lc_sql_get_one (LC_STORE_SQLITE (store), SQL_ACCOUNT_GET, id, (LcReadRowFunc)read_account,
                         "account", error);
}

static LcAccount *
store_get_account_by_login (LcStore *store, const char *login, GError **error)
{
  g_autofree char *lower = g_ascii_strdown (login, -1);

  return lc_sql_get_one (LC_STORE_SQLITE (store), SQL_ACCOUNT_GET_BY_LOGIN, lower,
                         (LcReadRowFunc)read_account, "account", error);
}

static GPtrArray *
store_list_accounts (LcStore *store, const LcAccountFilter *filter, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  static const LcAccountFilter no_filter = { .role = -1 };
  g_autoptr (LcCachedStmt) stmt = NULL;
  g_autofree char *after_login = NULL;
  const char *role = NULL;

  if (filter == NULL)
    filter = &no_filter;
  if (!lc_sql_enum_param (filter->role, lc_role_names, "role", &role, error))
    return NULL;
  if (filter->after_login != NULL)
    after_login = g_ascii_strdown (filter->after_login, -1);
  stmt = lc_sql_get_stmt (self, SQL_ACCOUNT_LIST, error);
  if (stmt == NULL)
    return NULL;
  lc_sql_bind_text (stmt, 1, filter->school_id);
  lc_sql_bind_text (stmt, 2, role);
  lc_sql_bind_text (stmt, 3, after_login);
  lc_sql_bind_limit (stmt, 4, filter->limit);
  return lc_sql_collect_rows (self, stmt, (LcReadRowFunc)read_account,
                              (GDestroyNotify)lc_account_free, NULL, "store: list accounts", error);
}

static gint64
store_count_accounts (LcStore *store, int role, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  g_autoptr (LcCachedStmt) stmt = NULL;
  const char *role_name = NULL;

  if (!lc_sql_enum_param (role, lc_role_names, "role", &role_name, error))
    return -1;
  stmt = lc_sql_get_stmt (self, SQL_ACCOUNT_COUNT, error);
  if (stmt == NULL)
    return -1;
  lc_sql_bind_text (stmt, 1, role_name);
  /* An aggregate always answers one row. */
  if (lc_sql_step_row (self, stmt, "store: count accounts", error) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}

/* ---- Sessions ---- */

static gboolean
store_insert_session (LcStore *store, const LcSession *session, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  g_autoptr (LcCachedStmt) stmt = NULL;

  if (!lc_sql_check_reference (self, SQL_ACCOUNT_EXISTS, session->account_id, "account_id", error))
    return FALSE;
  stmt = lc_sql_get_stmt (self, SQL_SESSION_INSERT, error);
  if (stmt == NULL)
    return FALSE;
  lc_sql_bind_text (stmt, 1, session->token_hash);
  lc_sql_bind_text (stmt, 2, session->account_id);
  sqlite3_bind_int64 (stmt, 3, session->created_at);
  sqlite3_bind_int64 (stmt, 4, session->expires_at);
  sqlite3_bind_int64 (stmt, 5,
                      session->last_seen_at != 0 ? session->last_seen_at : session->created_at);
  return lc_sql_run_write_one (self, stmt, "store: insert session", "token_hash", NULL, error);
}

static LcSession *
read_session (sqlite3_stmt *stmt)
{
  LcSession *session = lc_session_new ();

  session->token_hash = lc_sql_col_dup (stmt, 0);
  session->account_id = lc_sql_col_dup (stmt, 1);
  session->created_at = sqlite3_column_int64 (stmt, 2);
  session->expires_at = sqlite3_column_int64 (stmt, 3);
  session->last_seen_at = sqlite3_column_int64 (stmt, 4);
  return session;
}

static LcSession *
store_get_session (LcStore *store, const char *token_hash, GError **error)
{
  return lc_sql_get_one (LC_STORE_SQLITE (store), SQL_SESSION_GET, token_hash,
                         (LcReadRowFunc)read_session, "session", error);
}

static gboolean
store_touch_session (LcStore *store, const char *token_hash, gint64 now, GError **error)
{
  return lc_sql_write_by_key (LC_STORE_SQLITE (store), SQL_SESSION_TOUCH, token_hash, NULL, now,
                              "session", error)
         > 0;
}

static gboolean
store_delete_session (LcStore *store, const char *token_hash, GError **error)
{
  return lc_sql_write_by_key (LC_STORE_SQLITE (store), SQL_SESSION_DELETE, token_hash, NULL, 0,
                              "session", error)
         > 0;
}

static gint64
store_delete_sessions_for_account (LcStore *store, const char *account_id, const char *keep_hash,
                                   GError **error)
{
  return lc_sql_write_by_key (LC_STORE_SQLITE (store), SQL_SESSION_DELETE_FOR_ACCOUNT, account_id,
                              keep_hash, 0, NULL, error);
}

static gint64
store_purge_expired_sessions (LcStore *store, gint64 now, GError **error)
{
  return lc_sql_write_by_key (LC_STORE_SQLITE (store), SQL_SESSION_PURGE, NULL, NULL, now, NULL,
                              error);
}

/* ---- API tokens ---- */

static LcApiToken *
read_api_token (sqlite3_stmt *stmt)
{
  LcApiToken *token = lc_api_token_new ();

  token->id = lc_sql_col_dup (stmt, 0);
  token->account_id = lc_sql_col_dup (stmt, 1);
  token->name = lc_sql_col_dup (stmt, 2);
  token->token_hash = lc_sql_col_dup (stmt, 3);
  token->created_at = sqlite3_column_int64 (stmt, 4);
  token->last_used_at = sqlite3_column_int64 (stmt, 5); /* NULL reads as 0 = never */
  token->expires_at = sqlite3_column_int64 (stmt, 6);
  token->revoked = sqlite3_column_int (stmt, 7) != 0;
  return token;
}

static gboolean
store_insert_api_token (LcStore *store, const LcApiToken *token, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  g_autoptr (LcCachedStmt) stmt = NULL;

  if (!lc_sql_check_reference (self, SQL_ACCOUNT_EXISTS, token->account_id, "account_id", error))
    return FALSE;
  stmt = lc_sql_get_stmt (self, SQL_TOKEN_INSERT, error);
  if (stmt == NULL)
    return FALSE;
  lc_sql_bind_text (stmt, 1, token->id);
  lc_sql_bind_text (stmt, 2, token->account_id);
  lc_sql_bind_text (stmt, 3, token->name);
  lc_sql_bind_text (stmt, 4, token->token_hash);
  sqlite3_bind_int64 (stmt, 5, token->created_at != 0 ? token->created_at : lc_time_now ());
  lc_sql_bind_int64_or_null (stmt, 6, token->last_used_at);
  lc_sql_bind_int64_or_null (stmt, 7, token->expires_at);
  sqlite3_bind_int (stmt, 8, token->revoked ? 1 : 0);
  return lc_sql_run_write_one (self, stmt, "store: insert api token", "token_hash", NULL, error);
}

static LcApiToken *
store_get_api_token_by_hash (LcStore *store, const char *token_hash, GError **error)
{
  return lc_sql_get_one (LC_STORE_SQLITE (store), SQL_TOKEN_GET_BY_HASH, token_hash,
                         (LcReadRowFunc)read_api_token, "api token", error);
}

static GPtrArray *
store_list_api_tokens (LcStore *store, const char *account_id, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  g_autoptr (LcCachedStmt) stmt = lc_sql_get_stmt (self, SQL_TOKEN_LIST, error);

  if (stmt == NULL)
    return NULL;
  lc_sql_bind_text (stmt, 1, account_id);
  return lc_sql_collect_rows (self, stmt, (LcReadRowFunc)read_api_token,
                              (GDestroyNotify)lc_api_token_free, NULL, "store: list api tokens",
                              error);
}

static gboolean
store_revoke_api_token (LcStore *store, const char *id, const char *account_id, GError **error)
{
  LcStoreSqlite *self = LC_STORE_SQLITE (store);
  g_autoptr (LcCachedStmt) stmt = lc_sql_get_stmt (self, SQL_TOKEN_REVOKE, error);

  if (stmt == NULL)
    return FALSE;
  lc_sql_bind_text (stmt, 1, id);
  lc_sql_bind_text (stmt, 2, account_id);
  return lc_sql_run_write_one (self, stmt, "store: revoke api token", NULL, "api token", error);
}

static gboolean
store_touch_api_token (LcStore *store, const char *id, gint64 now, GError **error)
{
  return lc_sql_write_by_key (LC_STORE_SQLITE (store), SQL_TOKEN_TOUCH, id, NULL, now, "api token",
                              error)
         > 0;
}

/* ---- The vtable ---- */

void
lc_store_sqlite_people_init (LcStoreInterface *iface)
{
  iface->insert_school = store_insert_school;
  iface->update_school = store_update_school;
  iface->get_school = store_get_school;
  iface->list_schools = store_list_schools;
  iface->insert_account = store_insert_account;
  iface->update_account = store_update_account;
  iface->get_account = store_get_account;
  iface->get_account_by_login = store_get_account_by_login;
  iface->list_accounts = store_list_accounts;
  iface->count_accounts = store_count_accounts;
  iface->insert_session = store_insert_session;
  iface->get_session = store_get_session;
  iface->touch_session = store_touch_session;
  iface->delete_session = store_delete_session;
  iface->delete_sessions_for_account = store_delete_sessions_for_account;
  iface->purge_expired_sessions = store_purge_expired_sessions;
  iface->insert_api_token = store_insert_api_token;
  iface->get_api_token_by_hash = store_get_api_token_by_hash;
  iface->list_api_tokens = store_list_api_tokens;
  iface->revoke_api_token = store_revoke_api_token;
  iface->touch_api_token = store_touch_api_token;
}
