/* lc-model.h — the data model: plain structs with owned strings.
 *
 * Times are gint64 Unix seconds, UTC. Ids are lc_id_new() strings. Every struct
 * has _new/_free/_copy and a g_autoptr cleanup. Enums convert to and from
 * their stable API names ("operator", "scheduled", …).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  LC_ROLE_OPERATOR,
  LC_ROLE_COORDINATOR,
  LC_ROLE_TEACHER,
} LcRole;

typedef enum
{
  LC_LESSON_SCHEDULED,
  LC_LESSON_LIVE,
  LC_LESSON_ENDED,
  LC_LESSON_CANCELLED,
} LcLessonStatus;

typedef enum
{
  LC_VISIBILITY_PUBLIC,
  LC_VISIBILITY_UNLISTED,
} LcVisibility;

const char *lc_role_to_string (LcRole role);
gboolean lc_role_from_string (const char *text, LcRole *role);
const char *lc_lesson_status_to_string (LcLessonStatus status);
gboolean lc_lesson_status_from_string (const char *text, LcLessonStatus *status);
const char *lc_visibility_to_string (LcVisibility visibility);
gboolean lc_visibility_from_string (const char *text, LcVisibility *visibility);

/* NULL-terminated lists of the API names, for LcFieldSpec choices. */
extern const char *const lc_role_names[];
extern const char *const lc_lesson_status_names[];
extern const char *const lc_visibility_names[];

typedef struct
{
  char *id;
  char *name;       /* full official name */
  char *short_name; /* e.g. "Школа № 57" */
  char *district;
  char *address;    /* nullable */
  gboolean has_location;
  double latitude, longitude;
  char *website; /* nullable, http(s) URL */
  gint64 created_at, updated_at;
} LcSchool;

typedef struct
{
  char *id;
  char *login; /* unique, case-insensitive (stored lower-case) */
  char *display_name;
  LcRole role;
  char *school_id;     /* NULL for operators */
  char *password_hash; /* PHC string; never leaves the store layer in API output */
  gboolean consent_publish_name;
  gboolean disabled;
  gint64 created_at, updated_at;
  gint64 password_changed_at;
} LcAccount;

typedef struct
{
  char *id;
  char *title;
  char *description; /* may be "" */
  char *subject;
  int grade; /* 1..11, 0 = not given */
  char *school_id;
  char *teacher_id; /* account id */
  gint64 starts_at, ends_at;
  LcVisibility visibility;
  gboolean recording;
  LcLessonStatus status;
  char *publish_key; /* secret: shown only to its teacher/coordinator */
  int sequence;      /* iCalendar SEQUENCE (schema v4): the store bumps it on every update */
  gint64 created_at, updated_at;
} LcLesson;

typedef struct
{
  char *token_hash; /* lc_sha256_hex of the cookie value: the primary key */
  char *account_id;
  gint64 created_at, expires_at, last_seen_at;
} LcSession;

typedef struct
{
  char *id;         /* public id, shown in lists and used to revoke */
  char *account_id;
  char *name;       /* what the user called it, e.g. "portal sync" */
  char *token_hash; /* lc_sha256_hex of the token */
  gint64 created_at;
  gint64 last_used_at; /* 0 = never */
  gint64 expires_at;   /* 0 = never */
  gboolean revoked;
} LcApiToken;

typedef struct
{
  char *id;
  gint64 at;
  char *actor_id;    /* account id; NULL = anonymous or system */
  char *action;      /* "login.success", "login.failure", "lesson.create", … */
  char *object_type; /* "lesson", "account", "school", "session", "token"; nullable */
  char *object_id;   /* nullable */
  char *client;      /* client address; nullable */
  char *details;     /* small JSON object text; nullable; never secrets */
} LcAuditEvent;

typedef enum
{
  LC_RECORDING_RECORDING,  /* being written while the lesson is live */
  LC_RECORDING_FINALIZING, /* the lesson ended; building the final MP4 (progress %) */
  LC_RECORDING_READY,
  LC_RECORDING_FAILED,     /* failure_reason says why */
} LcRecordingState;

const char *lc_recording_state_to_string (LcRecordingState state);
gboolean lc_recording_state_from_string (const char *text, LcRecordingState *state);
extern const char *const lc_recording_state_names[];

typedef struct
{
  char *id;
  char *lesson_id;
  LcRecordingState state;
  char *failure_reason; /* nullable */
  int progress;         /* 0..100 while finalizing */
  char *path;           /* file path relative to the recordings dir; nullable until known */
  gint64 duration_ms;
  gint64 size_bytes;
  char *video_codec, *audio_codec; /* "h264", "vp8", "opus"; nullable */
  char *sha256;                    /* hex of the final file; nullable until ready */
  gint64 started_at, ended_at;     /* wall clock of the recorded media; ended_at 0 = still live */
  gint64 created_at, updated_at;
} LcRecording;

/* ---- conferences (schema v4) ---- */

typedef enum
{
  LC_CONFERENCE_SCHEDULED, /* booked; the room opens conferences.room_opens_before ahead */
  LC_CONFERENCE_ENDED,     /* the host ended it for everyone (or the end time passed) */
  LC_CONFERENCE_CANCELLED, /* cancelled by the host school */
} LcConferenceStatus;

typedef enum
{
  LC_INVITE_PENDING,
  LC_INVITE_ACCEPTED,
  LC_INVITE_DECLINED,
} LcInviteStatus;

/* A participant's role in a conference room, decided by the join token or the
 * account (never by arrival order). */
typedef enum
{
  LC_CONFERENCE_ROLE_HOST,
  LC_CONFERENCE_ROLE_PARTICIPANT,
  LC_CONFERENCE_ROLE_OBSERVER,
} LcConferenceRole;

const char *lc_conference_status_to_string (LcConferenceStatus status);
gboolean lc_conference_status_from_string (const char *text, LcConferenceStatus *status);
const char *lc_invite_status_to_string (LcInviteStatus status);
gboolean lc_invite_status_from_string (const char *text, LcInviteStatus *status);
const char *lc_conference_role_to_string (LcConferenceRole role);
gboolean lc_conference_role_from_string (const char *text, LcConferenceRole *role);
extern const char *const lc_conference_status_names[];
extern const char *const lc_invite_status_names[];
extern const char *const lc_conference_role_names[];

typedef struct
{
  char *school_id;
  LcInviteStatus status;
  gint64 responded_at; /* 0 = not yet */
  char *responded_by;  /* account id; nullable */
} LcConferenceInvite;

typedef struct
{
  char *id;
  char *title;
  char *description; /* may be "" */
  char *agenda;      /* may be "" (free text, newlines allowed) */
  char *host_school_id;
  char *created_by;  /* account id; nullable if that account was removed */
  gint64 starts_at, ends_at;
  int max_participants_per_school; /* 1..conferences.max_participants_per_school */
  gboolean waiting_room;           /* participants wait until the host admits them */
  LcConferenceStatus status;
  int sequence;        /* iCalendar SEQUENCE: bumped on every change a calendar shows */
  GPtrArray *invites;  /* LcConferenceInvite* (owned), invited schools, in invitation order */
  gint64 created_at, updated_at;
} LcConference;

typedef struct
{
  char *id;
  char *conference_id;
  char *participant_id; /* stable identity in the room (reconnects keep it) */
  char *display_name;
  char *school_id;      /* nullable (an operator joining) */
  char *account_id;     /* nullable (joined with a link) */
  LcConferenceRole role;
  gint64 joined_at;
  gint64 left_at;       /* 0 = still in the room */
} LcAttendance;

LcConferenceInvite *lc_conference_invite_new (const char *school_id, LcInviteStatus status);
LcConferenceInvite *lc_conference_invite_copy (const LcConferenceInvite *invite);
void lc_conference_invite_free (LcConferenceInvite *invite);
LcConference *lc_conference_new (void); /* invites: empty array with its free func */
LcConference *lc_conference_copy (const LcConference *conference);
void lc_conference_free (LcConference *conference);
/* The invite of school_id, or NULL. (transfer none) */
LcConferenceInvite *lc_conference_find_invite (const LcConference *conference,
                                               const char *school_id);
/* TRUE when school_id is the host or an invited school that accepted. */
gboolean lc_conference_school_takes_part (const LcConference *conference, const char *school_id);
LcAttendance *lc_attendance_new (void);
LcAttendance *lc_attendance_copy (const LcAttendance *attendance);
void lc_attendance_free (LcAttendance *attendance);

LcSchool *lc_school_new (void);
LcSchool *lc_school_copy (const LcSchool *school);
void lc_school_free (LcSchool *school);
LcAccount *lc_account_new (void);
LcAccount *lc_account_copy (const LcAccount *account);
void lc_account_free (LcAccount *account);
LcLesson *lc_lesson_new (void);
LcLesson *lc_lesson_copy (const LcLesson *lesson);
void lc_lesson_free (LcLesson *lesson);
LcSession *lc_session_new (void);
void lc_session_free (LcSession *session);
LcApiToken *lc_api_token_new (void);
void lc_api_token_free (LcApiToken *token);
LcRecording *lc_recording_new (void);
LcRecording *lc_recording_copy (const LcRecording *recording);
void lc_recording_free (LcRecording *recording);
LcAuditEvent *lc_audit_event_new (void);
void lc_audit_event_free (LcAuditEvent *event);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcSchool, lc_school_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcAccount, lc_account_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcLesson, lc_lesson_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcSession, lc_session_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcApiToken, lc_api_token_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcAuditEvent, lc_audit_event_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcRecording, lc_recording_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcConferenceInvite, lc_conference_invite_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcConference, lc_conference_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcAttendance, lc_attendance_free)

G_END_DECLS
