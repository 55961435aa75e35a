/* lc-store.h — the store interface (GInterface LcStore).
 *
 * Callers see only this interface; lc-store-sqlite.c is the embedded backend
 * and a PostgreSQL backend can implement the same vtable later. All calls run
 * on the main context (one connection). Conventions:
 *   - get_* return (transfer full) objects, or NULL with LC_ERROR_NOT_FOUND;
 *   - unique violations → LC_ERROR_CONFLICT (field set, e.g. "login");
 *   - a reference to a missing row (school_id, teacher_id) → LC_ERROR_INVALID with the field;
 *   - anything else → LC_ERROR_STORE (message for logs, not for clients);
 *   - list_* return a GPtrArray with its free func set, ordered as documented,
 *     at most filter->limit rows (limit 0 = no limit); keyset pagination via
 *     the after_* fields (callers ask for limit + 1 to know whether more exist).
 */
#pragma once

#include <glib-object.h>
#include "lc-model.h"

G_BEGIN_DECLS

#define LC_TYPE_STORE (lc_store_get_type ())
G_DECLARE_INTERFACE (LcStore, lc_store, LC, STORE, GObject)

typedef struct
{
  const char *district; /* nullable */
  const char *after_name; /* cursor: order is (name, id) */
  const char *after_id;
  guint limit;
} LcSchoolFilter;

typedef struct
{
  const char *school_id; /* nullable */
  int role;              /* LcRole, or -1 for any */
  const char *after_login; /* cursor: order is (login) */
  guint limit;
} LcAccountFilter;

typedef enum
{
  LC_LESSON_SCOPE_PUBLIC,     /* public lessons only (anonymous clients) */
  LC_LESSON_SCOPE_SCHOOL,     /* public lessons + every lesson of scope_school_id */
  LC_LESSON_SCOPE_ALL,        /* everything (operator) */
} LcLessonScope;

typedef struct
{
  LcLessonScope scope;
  const char *scope_school_id;
  const char *district;   /* nullable: lessons of schools in this district */
  const char *school_id;  /* nullable */
  const char *teacher_id; /* nullable */
  const char *subject;    /* nullable, exact match (case-insensitive) */
  int grade;              /* 0 = any */
  int status;             /* LcLessonStatus, or -1 for any */
  gint64 starts_from;     /* starts_at >= starts_from; 0 = unbounded */
  gint64 starts_before;   /* starts_at < starts_before; 0 = unbounded */
  gboolean after_set;     /* cursor: order is (starts_at, id) */
  gint64 after_starts_at;
  const char *after_id;
  guint limit;
} LcLessonFilter;

typedef struct
{
  const char *actor_id;    /* nullable */
  const char *object_id;   /* nullable */
  const char *action_prefix; /* nullable, e.g. "login." */
  gint64 before_seq;       /* cursor: newest first; 0 = from the newest */
  guint limit;
} LcAuditFilter;

typedef struct
{
  const char *lesson_id; /* nullable */
  int state;             /* LcRecordingState, or -1 for any */
  LcLessonScope scope;   /* visibility of the recording's lesson, as for lessons */
  const char *scope_school_id;
  gboolean after_set;    /* cursor: order is (started_at DESC, id DESC), newest first */
  gint64 after_started_at;
  const char *after_id;
  guint limit;
} LcRecordingFilter;

typedef struct
{
  const char *school_id;   /* nullable: conferences this school hosts or is invited to */
  int status;              /* LcConferenceStatus, or -1 for any */
  gint64 overlaps_from;    /* conferences with ends_at > overlaps_from; 0 = unbounded */
  gint64 overlaps_before;  /* conferences with starts_at < overlaps_before; 0 = unbounded */
  gboolean after_set;      /* cursor: order is (starts_at, id) */
  gint64 after_starts_at;
  const char *after_id;
  guint limit;
} LcConferenceFilter;

typedef gboolean (*LcStoreTxnFunc) (LcStore *store, gpointer user_data, GError **error);

struct _LcStoreInterface
{
  GTypeInterface parent_iface;

  /* schema */
  gboolean (*migrate) (LcStore *store, GError **error);
  int (*get_schema_version) (LcStore *store);
  int (*get_latest_schema_version) (LcStore *store);
  gboolean (*check) (LcStore *store, char **report, GError **error);
  gboolean (*transaction) (LcStore *store, LcStoreTxnFunc func, gpointer user_data, GError **error);

  /* schools */
  gboolean (*insert_school) (LcStore *store, const LcSchool *school, GError **error);
  gboolean (*update_school) (LcStore *store, const LcSchool *school, GError **error);
  LcSchool *(*get_school) (LcStore *store, const char *id, GError **error);
  GPtrArray *(*list_schools) (LcStore *store, const LcSchoolFilter *filter, GError **error);

  /* accounts */
  gboolean (*insert_account) (LcStore *store, const LcAccount *account, GError **error);
  gboolean (*update_account) (LcStore *store, const LcAccount *account, GError **error);
  LcAccount *(*get_account) (LcStore *store, const char *id, GError **error);
  LcAccount *(*get_account_by_login) (LcStore *store, const char *login, GError **error);
  GPtrArray *(*list_accounts) (LcStore *store, const LcAccountFilter *filter, GError **error);
  gint64 (*count_accounts) (LcStore *store, int role, GError **error); /* role -1 = all; -1 on error */

  /* sessions (keyed by token hash) */
  gboolean (*insert_session) (LcStore *store, const LcSession *session, GError **error);
  LcSession *(*get_session) (LcStore *store, const char *token_hash, GError **error);
  gboolean (*touch_session) (LcStore *store, const char *token_hash, gint64 now, GError **error);
  gboolean (*delete_session) (LcStore *store, const char *token_hash, GError **error);
  /* Delete all sessions of an account except keep_hash (nullable). Returns count or -1. */
  gint64 (*delete_sessions_for_account) (LcStore *store, const char *account_id,
                                         const char *keep_hash, GError **error);
  gint64 (*purge_expired_sessions) (LcStore *store, gint64 now, GError **error);

  /* API tokens */
  gboolean (*insert_api_token) (LcStore *store, const LcApiToken *token, GError **error);
  LcApiToken *(*get_api_token_by_hash) (LcStore *store, const char *token_hash, GError **error);
  GPtrArray *(*list_api_tokens) (LcStore *store, const char *account_id, GError **error);
  /* NOT_FOUND unless the token exists and belongs to account_id (NULL = any account). */
  gboolean (*revoke_api_token) (LcStore *store, const char *id, const char *account_id, GError **error);
  gboolean (*touch_api_token) (LcStore *store, const char *id, gint64 now, GError **error);

  /* lessons */
  gboolean (*insert_lesson) (LcStore *store, const LcLesson *lesson, GError **error);
  gboolean (*update_lesson) (LcStore *store, const LcLesson *lesson, GError **error);
  LcLesson *(*get_lesson) (LcStore *store, const char *id, GError **error);
  GPtrArray *(*list_lessons) (LcStore *store, const LcLessonFilter *filter, GError **error);

  /* recordings (schema v3) */
  gboolean (*insert_recording) (LcStore *store, const LcRecording *recording, GError **error);
  gboolean (*update_recording) (LcStore *store, const LcRecording *recording, GError **error);
  LcRecording *(*get_recording) (LcStore *store, const char *id, GError **error);
  GPtrArray *(*list_recordings) (LcStore *store, const LcRecordingFilter *filter, GError **error);
  gboolean (*delete_recording) (LcStore *store, const char *id, GError **error);
  /* Lesson status change only (live/ended…), cheaper than a full update and
   * safe against concurrent edits of other fields. */
  gboolean (*set_lesson_status) (LcStore *store, const char *lesson_id, LcLessonStatus status,
                                 GError **error);

  /* conferences (schema v4). insert/update write the conference row and its
   * invites together (update replaces the invite list); update bumps nothing
   * itself: the caller sets sequence. Unknown host/invited school → INVALID
   * with field "host_school_id" / "invited_school_ids". */
  gboolean (*insert_conference) (LcStore *store, const LcConference *conference, GError **error);
  gboolean (*update_conference) (LcStore *store, const LcConference *conference, GError **error);
  LcConference *(*get_conference) (LcStore *store, const char *id, GError **error);
  GPtrArray *(*list_conferences) (LcStore *store, const LcConferenceFilter *filter, GError **error);
  /* NOT_FOUND unless school_id is invited to the conference. */
  gboolean (*set_invite_status) (LcStore *store, const char *conference_id, const char *school_id,
                                 LcInviteStatus status, const char *account_id, gint64 at,
                                 GError **error);

  /* attendance (schema v4): one row per stay in a room */
  gboolean (*insert_attendance) (LcStore *store, const LcAttendance *attendance, GError **error);
  gboolean (*set_attendance_left) (LcStore *store, const char *id, gint64 left_at, GError **error);
  /* Ordered by (joined_at, id). */
  GPtrArray *(*list_attendance) (LcStore *store, const char *conference_id, GError **error);
  /* Rows still open (left_at 0) of any conference: closed at start-up after a crash. */
  gint64 (*close_open_attendance) (LcStore *store, gint64 left_at, GError **error);

  /* audit (append-only) */
  gboolean (*insert_audit_event) (LcStore *store, const LcAuditEvent *event, GError **error);
  /* Newest first; each event's sequence number is returned in seqs (nullable) for paging. */
  GPtrArray *(*list_audit_events) (LcStore *store, const LcAuditFilter *filter, GArray *seqs,
                                   GError **error);

  /* lifecycle */
  void (*close) (LcStore *store);
};

gboolean lc_store_migrate (LcStore *store, GError **error);
int lc_store_get_schema_version (LcStore *store);
int lc_store_get_latest_schema_version (LcStore *store);
gboolean lc_store_check (LcStore *store, char **report, GError **error);
gboolean lc_store_transaction (LcStore *store, LcStoreTxnFunc func, gpointer user_data, GError **error);

gboolean lc_store_insert_school (LcStore *store, const LcSchool *school, GError **error);
gboolean lc_store_update_school (LcStore *store, const LcSchool *school, GError **error);
LcSchool *lc_store_get_school (LcStore *store, const char *id, GError **error);
GPtrArray *lc_store_list_schools (LcStore *store, const LcSchoolFilter *filter, GError **error);

gboolean lc_store_insert_account (LcStore *store, const LcAccount *account, GError **error);
gboolean lc_store_update_account (LcStore *store, const LcAccount *account, GError **error);
LcAccount *lc_store_get_account (LcStore *store, const char *id, GError **error);
LcAccount *lc_store_get_account_by_login (LcStore *store, const char *login, GError **error);
GPtrArray *lc_store_list_accounts (LcStore *store, const LcAccountFilter *filter, GError **error);
gint64 lc_store_count_accounts (LcStore *store, int role, GError **error);

gboolean lc_store_insert_session (LcStore *store, const LcSession *session, GError **error);
LcSession *lc_store_get_session (LcStore *store, const char *token_hash, GError **error);
gboolean lc_store_touch_session (LcStore *store, const char *token_hash, gint64 now, GError **error);
gboolean lc_store_delete_session (LcStore *store, const char *token_hash, GError **error);
gint64 lc_store_delete_sessions_for_account (LcStore *store, const char *account_id,
                                             const char *keep_hash, GError **error);
gint64 lc_store_purge_expired_sessions (LcStore *store, gint64 now, GError **error);

gboolean lc_store_insert_api_token (LcStore *store, const LcApiToken *token, GError **error);
LcApiToken *lc_store_get_api_token_by_hash (LcStore *store, const char *token_hash, GError **error);
GPtrArray *lc_store_list_api_tokens (LcStore *store, const char *account_id, GError **error);
gboolean lc_store_revoke_api_token (LcStore *store, const char *id, const char *account_id,
                                    GError **error);
gboolean lc_store_touch_api_token (LcStore *store, const char *id, gint64 now, GError **error);

gboolean lc_store_insert_lesson (LcStore *store, const LcLesson *lesson, GError **error);
gboolean lc_store_update_lesson (LcStore *store, const LcLesson *lesson, GError **error);
LcLesson *lc_store_get_lesson (LcStore *store, const char *id, GError **error);
GPtrArray *lc_store_list_lessons (LcStore *store, const LcLessonFilter *filter, GError **error);

gboolean lc_store_insert_recording (LcStore *store, const LcRecording *recording, GError **error);
gboolean lc_store_update_recording (LcStore *store, const LcRecording *recording, GError **error);
LcRecording *lc_store_get_recording (LcStore *store, const char *id, GError **error);
GPtrArray *lc_store_list_recordings (LcStore *store, const LcRecordingFilter *filter, GError **error);
gboolean lc_store_delete_recording (LcStore *store, const char *id, GError **error);
gboolean lc_store_set_lesson_status (LcStore *store, const char *lesson_id, LcLessonStatus status,
                                     GError **error);

gboolean lc_store_insert_conference (LcStore *store, const LcConference *conference, GError **error);
gboolean lc_store_update_conference (LcStore *store, const LcConference *conference, GError **error);
LcConference *lc_store_get_conference (LcStore *store, const char *id, GError **error);
GPtrArray *lc_store_list_conferences (LcStore *store, const LcConferenceFilter *filter,
                                      GError **error);
gboolean lc_store_set_invite_status (LcStore *store, const char *conference_id,
                                     const char *school_id, LcInviteStatus status,
                                     const char *account_id, gint64 at, GError **error);
gboolean lc_store_insert_attendance (LcStore *store, const LcAttendance *attendance, GError **error);
gboolean lc_store_set_attendance_left (LcStore *store, const char *id, gint64 left_at,
                                       GError **error);
GPtrArray *lc_store_list_attendance (LcStore *store, const char *conference_id, GError **error);
gint64 lc_store_close_open_attendance (LcStore *store, gint64 left_at, GError **error);

gboolean lc_store_insert_audit_event (LcStore *store, const LcAuditEvent *event, GError **error);
GPtrArray *lc_store_list_audit_events (LcStore *store, const LcAuditFilter *filter, GArray *seqs,
                                       GError **error);
/* Convenience: build and insert an event (id and time filled in); logs and
 * swallows a failure (audit must never break the request). */
void lc_store_audit (LcStore *store, const char *actor_id, const char *action,
                     const char *object_type, const char *object_id, const char *client,
                     const char *details_json);

void lc_store_close (LcStore *store);

G_END_DECLS
