/* lc-store.c — the LcStore GInterface and its public wrappers, plus the
 * lc_store_audit() convenience. Backends (lc-store-sqlite.c) fill the vtable. */
#include "common/lc-store.h"

#include "common/lc-crypto.h"
#include "common/lc-error.h"
#include "common/lc-time.h"

G_DEFINE_INTERFACE (LcStore, lc_store, G_TYPE_OBJECT)

static void
lc_store_default_init (LcStoreInterface *iface)
{
}

/* get_* with a NULL key (e.g. the school of an operator) finds nothing. */
static gpointer
no_key (GError **error)
{
  lc_set_error (error, LC_ERROR_NOT_FOUND, NULL, "not found");
  return NULL;
}

gboolean
lc_store_migrate (LcStore *store, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return LC_STORE_GET_IFACE (store)->migrate (store, error);
}

int
lc_store_get_schema_version (LcStore *store)
{
  g_return_val_if_fail (LC_IS_STORE (store), -1);
  return LC_STORE_GET_IFACE (store)->get_schema_version (store);
}

int
lc_store_get_latest_schema_version (LcStore *store)
{
  g_return_val_if_fail (LC_IS_STORE (store), 0);
  return LC_STORE_GET_IFACE (store)->get_latest_schema_version (store);
}

gboolean
lc_store_check (LcStore *store, char **report, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return LC_STORE_GET_IFACE (store)->check (store, report, error);
}

gboolean
lc_store_transaction (LcStore *store, LcStoreTxnFunc func, gpointer user_data, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return LC_STORE_GET_IFACE (store)->transaction (store, func, user_data, error);
}

gboolean
lc_store_insert_school (LcStore *store, const LcSchool *school, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (school != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return LC_STORE_GET_IFACE (store)->insert_school (store, school, error);
}

gboolean
lc_store_update_school (LcStore *store, const LcSchool *school, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (school != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return LC_STORE_GET_IFACE (store)->update_school (store, school, error);
}

LcSchool *
lc_store_get_school (LcStore *store, const char *id, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (id == NULL)
    return no_key (error);
  return LC_STORE_GET_IFACE (store)->get_school (store, id, error);
}

GPtrArray *
lc_store_list_schools (LcStore *store, const LcSchoolFilter *filter, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return LC_STORE_GET_IFACE (store)->list_schools (store, filter, error);
}

gboolean
lc_store_insert_account (LcStore *store, const LcAccount *account, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (account != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return LC_STORE_GET_IFACE (store)->insert_account (store, account, error);
}

gboolean
lc_store_update_account (LcStore *store, const LcAccount *account, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (account != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return LC_STORE_GET_IFACE (store)->update_account (store, account, error);
}

LcAccount *
lc_store_get_account (LcStore *store, const char *id, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (id == NULL)
    return no_key (error);
  return LC_STORE_GET_IFACE (store)->get_account (store, id, error);
}

LcAccount *
lc_store_get_account_by_login (LcStore *store, const char *login, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (login == NULL)
    return no_key (error);
  return LC_STORE_GET_IFACE (store)->get_account_by_login (store, login, error);
}

GPtrArray *
lc_store_list_accounts (LcStore *store, const LcAccountFilter *filter, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return LC_STORE_GET_IFACE (store)->list_accounts (store, filter, error);
}

gint64
lc_store_count_accounts (LcStore *store, int role, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);
  return LC_STORE_GET_IFACE (store)->count_accounts (store, role, error);
}

gboolean
lc_store_insert_session (LcStore *store, const LcSession *session, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (session != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return LC_STORE_GET_IFACE (store)->insert_session (store, session, error);
}

LcSession *
lc_store_get_session (LcStore *store, const char *token_hash, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (token_hash == NULL)
    return no_key (error);
  return LC_STORE_GET_IFACE (store)->get_session (store, token_hash, error);
}

gboolean
lc_store_touch_session (LcStore *store, const char *token_hash, gint64 now, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (token_hash != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return LC_STORE_GET_IFACE (store)->touch_session (store, token_hash, now, error);
}

gboolean
lc_store_delete_session (LcStore *store, const char *token_hash, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (token_hash != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return LC_STORE_GET_IFACE (store)->delete_session (store, token_hash, error);
}

gint64
lc_store_delete_sessions_for_account (LcStore *store, const char *account_id, const char *keep_hash,
                                      GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), -1);
  g_return_val_if_fail (account_id != NULL, -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);
  return LC_STORE_GET_IFACE (store)->delete_sessions_for_account (store, account_id, keep_hash,
                                                                  error);
}

gint64
lc_store_purge_expired_sessions (LcStore *store, gint64 now, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);
  return LC_STORE_GET_IFACE (store)->purge_expired_sessions (store, now, error);
}

gboolean
lc_store_insert_api_token (LcStore *store, const LcApiToken *token, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (token != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return LC_STORE_GET_IFACE (store)->insert_api_token (store, token, error);
}

LcApiToken *
lc_store_get_api_token_by_hash (LcStore *store, const char *token_hash, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (token_hash == NULL)
    return no_key (error);
  return LC_STORE_GET_IFACE (store)->get_api_token_by_hash (store, token_hash, error);
}

GPtrArray *
lc_store_list_api_tokens (LcStore *store, const char *account_id, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), NULL);
  g_return_val_if_fail (account_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return LC_STORE_GET_IFACE (store)->list_api_tokens (store, account_id, error);
}

gboolean
lc_store_revoke_api_token (LcStore *store, const char *id, const char *account_id, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return LC_STORE_GET_IFACE (store)->revoke_api_token (store, id, account_id, error);
}

gboolean
lc_store_touch_api_token (LcStore *store, const char *id, gint64 now, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return LC_STORE_GET_IFACE (store)->touch_api_token (store, id, now, error);
}

gboolean
lc_store_insert_lesson (LcStore *store, const LcLesson *lesson, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (lesson != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return LC_STORE_GET_IFACE (store)->insert_lesson (store, lesson, error);
}

gboolean
lc_store_update_lesson (LcStore *store, const LcLesson *lesson, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (lesson != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return LC_STORE_GET_IFACE (store)->update_lesson (store, lesson, error);
}

LcLesson *
lc_store_get_lesson (LcStore *store, const char *id, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (id == NULL)
    return no_key (error);
  return LC_STORE_GET_IFACE (store)->get_lesson (store, id, error);
}

GPtrArray *
lc_store_list_lessons (LcStore *store, const LcLessonFilter *filter, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return LC_STORE_GET_IFACE (store)->list_lessons (store, filter, error);
}

gboolean
lc_store_insert_recording (LcStore *store, const LcRecording *recording, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (recording != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return LC_STORE_GET_IFACE (store)->insert_recording (store, recording, error);
}

gboolean
lc_store_update_recording (LcStore *store, const LcRecording *recording, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (recording != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return LC_STORE_GET_IFACE (store)->update_recording (store, recording, error);
}

LcRecording *
lc_store_get_recording (LcStore *store, const char *id, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (id == NULL)
    return no_key (error);
  return LC_STORE_GET_IFACE (store)->get_recording (store, id, error);
}

GPtrArray *
lc_store_list_recordings (LcStore *store, const LcRecordingFilter *filter, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return LC_STORE_GET_IFACE (store)->list_recordings (store, filter, error);
}

gboolean
lc_store_delete_recording (LcStore *store, const char *id, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (id == NULL)
    return no_key (error) != NULL;
  return LC_STORE_GET_IFACE (store)->delete_recording (store, id, error);
}

gboolean
lc_store_set_lesson_status (LcStore *store, const char *lesson_id, LcLessonStatus status,
                            GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (lesson_id == NULL)
    return no_key (error) != NULL;
  return LC_STORE_GET_IFACE (store)->set_lesson_status (store, lesson_id, status, error);
}

/* A backend that does not (yet) implement a method: a store error, not a crash. */
static gboolean
not_implemented (const char *method, GError **error)
{
  lc_set_error (error, LC_ERROR_STORE, NULL, "store backend does not implement %s", method);
  return FALSE;
}

gboolean
lc_store_insert_conference (LcStore *store, const LcConference *conference, GError **error)
{
  LcStoreInterface *iface;

  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (conference != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  iface = LC_STORE_GET_IFACE (store);
  if (iface->insert_conference == NULL)
    return not_implemented ("insert_conference", error);
  return iface->insert_conference (store, conference, error);
}

gboolean
lc_store_update_conference (LcStore *store, const LcConference *conference, GError **error)
{
  LcStoreInterface *iface;

  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (conference != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  iface = LC_STORE_GET_IFACE (store);
  if (iface->update_conference == NULL)
    return not_implemented ("update_conference", error);
  return iface->update_conference (store, conference, error);
}

LcConference *
lc_store_get_conference (LcStore *store, const char *id, GError **error)
{
  LcStoreInterface *iface;

  g_return_val_if_fail (LC_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (id == NULL)
    return no_key (error);
  iface = LC_STORE_GET_IFACE (store);
  if (iface->get_conference == NULL)
    {
      not_implemented ("get_conference", error);
      return NULL;
    }
  return iface->get_conference (store, id, error);
}

GPtrArray *
lc_store_list_conferences (LcStore *store, const LcConferenceFilter *filter, GError **error)
{
  LcStoreInterface *iface;

  g_return_val_if_fail (LC_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  iface = LC_STORE_GET_IFACE (store);
  if (iface->list_conferences == NULL)
    {
      not_implemented ("list_conferences", error);
      return NULL;
    }
  return iface->list_conferences (store, filter, error);
}

gboolean
lc_store_set_invite_status (LcStore *store, const char *conference_id, const char *school_id,
                            LcInviteStatus status, const char *account_id, gint64 at,
                            GError **error)
{
  LcStoreInterface *iface;

  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (conference_id == NULL || school_id == NULL)
    return no_key (error) != NULL;
  iface = LC_STORE_GET_IFACE (store);
  if (iface->set_invite_status == NULL)
    return not_implemented ("set_invite_status", error);
  return iface->set_invite_status (store, conference_id, school_id, status, account_id, at, error);
}

gboolean
lc_store_insert_attendance (LcStore *store, const LcAttendance *attendance, GError **error)
{
  LcStoreInterface *iface;

  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (attendance != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  iface = LC_STORE_GET_IFACE (store);
  if (iface->insert_attendance == NULL)
    return not_implemented ("insert_attendance", error);
  return iface->insert_attendance (store, attendance, error);
}

gboolean
lc_store_set_attendance_left (LcStore *store, const char *id, gint64 left_at, GError **error)
{
  LcStoreInterface *iface;

  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (id == NULL)
    return no_key (error) != NULL;
  iface = LC_STORE_GET_IFACE (store);
  if (iface->set_attendance_left == NULL)
    return not_implemented ("set_attendance_left", error);
  return iface->set_attendance_left (store, id, left_at, error);
}

GPtrArray *
lc_store_list_attendance (LcStore *store, const char *conference_id, GError **error)
{
  LcStoreInterface *iface;

  g_return_val_if_fail (LC_IS_STORE (store), NULL);
  g_return_val_if_fail (conference_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  iface = LC_STORE_GET_IFACE (store);
  if (iface->list_attendance == NULL)
    {
      not_implemented ("list_attendance", error);
      return NULL;
    }
  return iface->list_attendance (store, conference_id, error);
}

gint64
lc_store_close_open_attendance (LcStore *store, gint64 left_at, GError **error)
{
  LcStoreInterface *iface;

  g_return_val_if_fail (LC_IS_STORE (store), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);
  iface = LC_STORE_GET_IFACE (store);
  if (iface->close_open_attendance == NULL)
    {
      not_implemented ("close_open_attendance", error);
      return -1;
    }
  return iface->close_open_attendance (store, left_at, error);
}

gboolean
lc_store_insert_audit_event (LcStore *store, const LcAuditEvent *event, GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (event != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return LC_STORE_GET_IFACE (store)->insert_audit_event (store, event, error);
}

GPtrArray *
lc_store_list_audit_events (LcStore *store, const LcAuditFilter *filter, GArray *seqs,
                            GError **error)
{
  g_return_val_if_fail (LC_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return LC_STORE_GET_IFACE (store)->list_audit_events (store, filter, seqs, error);
}

void
lc_store_audit (LcStore *store, const char *actor_id, const char *action, const char *object_type,
                const char *object_id, const char *client, const char *details_json)
{
  g_autoptr (LcAuditEvent) event = NULL;
  g_autoptr (GError) error = NULL;

  g_return_if_fail (LC_IS_STORE (store));
  g_return_if_fail (action != NULL);

  event = lc_audit_event_new ();
  event->id = lc_id_new ();
  event->at = lc_time_now ();
  event->actor_id = g_strdup (actor_id);
  event->action = g_strdup (action);
  event->object_type = g_strdup (object_type);
  event->object_id = g_strdup (object_id);
  event->client = g_strdup (client);
  event->details = g_strdup (details_json);

  if (!lc_store_insert_audit_event (store, event, &error))
    g_warning ("audit %s: could not record event: %s", action, error->message);
}

void
lc_store_close (LcStore *store)
{
  g_return_if_fail (LC_IS_STORE (store));
  LC_STORE_GET_IFACE (store)->close (store);
}
