/* lc-model.c — the data model: enum ↔ API name conversions and
 * new/copy/free for every plain struct of lc-model.h. */
#include "common/lc-model.h"

#include <string.h>

const char *const lc_role_names[] = { "operator", "coordinator", "teacher", NULL };
const char *const lc_lesson_status_names[] = { "scheduled", "live", "ended", "cancelled", NULL };
const char *const lc_visibility_names[] = { "public", "unlisted", NULL };
const char *const lc_recording_state_names[] = { "recording", "finalizing", "ready", "failed", NULL };
const char *const lc_conference_status_names[] = { "scheduled", "ended", "cancelled", NULL };
const char *const lc_invite_status_names[] = { "pending", "accepted", "declined", NULL };
const char *const lc_conference_role_names[] = { "host", "participant", "observer", NULL };

/* Index of text in a NULL-terminated list, or -1. */
static int
find_name (const char *const *names, const char *text)
{
  if (text == NULL)
    return -1;
  for (int i = 0; names[i] != NULL; i++)
    if (strcmp (names[i], text) == 0)
      return i;
  return -1;
}

const char *
lc_role_to_string (LcRole role)
{
  g_return_val_if_fail ((int)role >= 0 && role <= LC_ROLE_TEACHER, NULL);
  return lc_role_names[role];
}

gboolean
lc_role_from_string (const char *text, LcRole *role)
{
  int i = find_name (lc_role_names, text);

  if (i < 0)
    return FALSE;
  if (role != NULL)
    *role = (LcRole)i;
  return TRUE;
}

const char *
lc_lesson_status_to_string (LcLessonStatus status)
{
  g_return_val_if_fail ((int)status >= 0 && status <= LC_LESSON_CANCELLED, NULL);
  return lc_lesson_status_names[status];
}

gboolean
lc_lesson_status_from_string (const char *text, LcLessonStatus *status)
{
  int i = find_name (lc_lesson_status_names, text);

  if (i < 0)
    return FALSE;
  if (status != NULL)
    *status = (LcLessonStatus)i;
  return TRUE;
}

const char *
lc_visibility_to_string (LcVisibility visibility)
{
  g_return_val_if_fail ((int)visibility >= 0 && visibility <= LC_VISIBILITY_UNLISTED, NULL);
  return lc_visibility_names[visibility];
}

gboolean
lc_visibility_from_string (const char *text, LcVisibility *visibility)
{
  int i = find_name (lc_visibility_names, text);

  if (i < 0)
    return FALSE;
  if (visibility != NULL)
    *visibility = (LcVisibility)i;
  return TRUE;
}

const char *
lc_recording_state_to_string (LcRecordingState state)
{
  g_return_val_if_fail ((int)state >= 0 && state <= LC_RECORDING_FAILED, NULL);
  return lc_recording_state_names[state];
}

gboolean
lc_recording_state_from_string (const char *text, LcRecordingState *state)
{
  int i = find_name (lc_recording_state_names, text);

  if (i < 0)
    return FALSE;
  if (state != NULL)
    *state = (LcRecordingState)i;
  return TRUE;
}

const char *
lc_conference_status_to_string (LcConferenceStatus status)
{
  g_return_val_if_fail ((int)status >= 0 && status <= LC_CONFERENCE_CANCELLED, NULL);
  return lc_conference_status_names[status];
}

gboolean
lc_conference_status_from_string (const char *text, LcConferenceStatus *status)
{
  int i = find_name (lc_conference_status_names, text);

  if (i < 0)
    return FALSE;
  if (status != NULL)
    *status = (LcConferenceStatus)i;
  return TRUE;
}

const char *
lc_invite_status_to_string (LcInviteStatus status)
{
  g_return_val_if_fail ((int)status >= 0 && status <= LC_INVITE_DECLINED, NULL);
  return lc_invite_status_names[status];
}

gboolean
lc_invite_status_from_string (const char *text, LcInviteStatus *status)
{
  int i = find_name (lc_invite_status_names, text);

  if (i < 0)
    return FALSE;
  if (status != NULL)
    *status = (LcInviteStatus)i;
  return TRUE;
}

const char *
lc_conference_role_to_string (LcConferenceRole role)
{
  g_return_val_if_fail ((int)role >= 0 && role <= LC_CONFERENCE_ROLE_OBSERVER, NULL);
  return lc_conference_role_names[role];
}

gboolean
lc_conference_role_from_string (const char *text, LcConferenceRole *role)
{
  int i = find_name (lc_conference_role_names, text);

  if (i < 0)
    return FALSE;
  if (role != NULL)
    *role = (LcConferenceRole)i;
  return TRUE;
}

/* ---- School ---- */

LcSchool *
lc_school_new (void)
{
  return g_new0 (LcSchool, 1);
}

LcSchool *
lc_school_copy (const LcSchool *school)
{
  LcSchool *copy;

  g_return_val_if_fail (school != NULL, NULL);

  copy = g_new0 (LcSchool, 1);
  *copy = *school;
  copy->id = g_strdup (school->id);
  copy->name = g_strdup (school->name);
  copy->short_name = g_strdup (school->short_name);
  copy->district = g_strdup (school->district);
  copy->address = g_strdup (school->address);
  copy->website = g_strdup (school->website);
  return copy;
}

void
lc_school_free (LcSchool *school)
{
  if (school == NULL)
    return;
  g_free (school->id);
  g_free (school->name);
  g_free (school->short_name);
  g_free (school->district);
  g_free (school->address);
  g_free (school->website);
  g_free (school);
}

/* ---- Account ---- */

LcAccount *
lc_account_new (void)
{
  LcAccount *account = g_new0 (LcAccount, 1);

  account->role = LC_ROLE_TEACHER;
  return account;
}

LcAccount *
lc_account_copy (const LcAccount *account)
{
  LcAccount *copy;

  g_return_val_if_fail (account != NULL, NULL);

  copy = g_new0 (LcAccount, 1);
  *copy = *account;
  copy->id = g_strdup (account->id);
  copy->login = g_strdup (account->login);
  copy->display_name = g_strdup (account->display_name);
  copy->school_id = g_strdup (account->school_id);
  copy->password_hash = g_strdup (account->password_hash);
  return copy;
}

void
lc_account_free (LcAccount *account)
{
  if (account == NULL)
    return;
  g_free (account->id);
  g_free (account->login);
  g_free (account->display_name);
  g_free (account->school_id);
  if (account->password_hash != NULL)
    {
      /* Not a secret as such, but no reason to leave it lying in freed memory. */
      memset (account->password_hash, 0, strlen (account->password_hash));
      g_free (account->password_hash);
    }
  g_free (account);
}

/* ---- Lesson ---- */

LcLesson *
lc_lesson_new (void)
{
  LcLesson *lesson = g_new0 (LcLesson, 1);

  lesson->visibility = LC_VISIBILITY_PUBLIC;
  lesson->status = LC_LESSON_SCHEDULED;
  lesson->recording = TRUE;
  return lesson;
}

LcLesson *
lc_lesson_copy (const LcLesson *lesson)
{
  LcLesson *copy;

  g_return_val_if_fail (lesson != NULL, NULL);

  copy = g_new0 (LcLesson, 1);
  *copy = *lesson;
  copy->id = g_strdup (lesson->id);
  copy->title = g_strdup (lesson->title);
  copy->description = g_strdup (lesson->description);
  copy->subject = g_strdup (lesson->subject);
  copy->school_id = g_strdup (lesson->school_id);
  copy->teacher_id = g_strdup (lesson->teacher_id);
  copy->publish_key = g_strdup (lesson->publish_key);
  return copy;
}

void
lc_lesson_free (LcLesson *lesson)
{
  if (lesson == NULL)
    return;
  g_free (lesson->id);
  g_free (lesson->title);
  g_free (lesson->description);
  g_free (lesson->subject);
  g_free (lesson->school_id);
  g_free (lesson->teacher_id);
  if (lesson->publish_key != NULL)
    {
      memset (lesson->publish_key, 0, strlen (lesson->publish_key));
      g_free (lesson->publish_key);
    }
  g_free (lesson);
}

/* ---- Session ---- */

LcSession *
lc_session_new (void)
{
  return g_new0 (LcSession, 1);
}

void
lc_session_free (LcSession *session)
{
  if (session == NULL)
    return;
  g_free (session->token_hash);
  g_free (session->account_id);
  g_free (session);
}

/* ---- API token ---- */

LcApiToken *
lc_api_token_new (void)
{
  return g_new0 (LcApiToken, 1);
}

void
lc_api_token_free (LcApiToken *token)
{
  if (token == NULL)
    return;
  g_free (token->id);
  g_free (token->account_id);
  g_free (token->name);
  g_free (token->token_hash);
  g_free (token);
}

/* ---- Recording ---- */

LcRecording *
lc_recording_new (void)
{
  LcRecording *recording = g_new0 (LcRecording, 1);

  recording->state = LC_RECORDING_RECORDING;
  return recording;
}

LcRecording *
lc_recording_copy (const LcRecording *recording)
{
  LcRecording *copy;

  g_return_val_if_fail (recording != NULL, NULL);

  copy = g_new0 (LcRecording, 1);
  *copy = *recording;
  copy->id = g_strdup (recording->id);
  copy->lesson_id = g_strdup (recording->lesson_id);
  copy->failure_reason = g_strdup (recording->failure_reason);
  copy->path = g_strdup (recording->path);
  copy->video_codec = g_strdup (recording->video_codec);
  copy->audio_codec = g_strdup (recording->audio_codec);
  copy->sha256 = g_strdup (recording->sha256);
  return copy;
}

void
lc_recording_free (LcRecording *recording)
{
  if (recording == NULL)
    return;
  g_free (recording->id);
  g_free (recording->lesson_id);
  g_free (recording->failure_reason);
  g_free (recording->path);
  g_free (recording->video_codec);
  g_free (recording->audio_codec);
  g_free (recording->sha256);
  g_free (recording);
}

/* ---- Conference ---- */

LcConferenceInvite *
lc_conference_invite_new (const char *school_id, LcInviteStatus status)
{
  LcConferenceInvite *invite = g_new0 (LcConferenceInvite, 1);

  invite->school_id = g_strdup (school_id);
  invite->status = status;
  return invite;
}

LcConferenceInvite *
lc_conference_invite_copy (const LcConferenceInvite *invite)
{
  LcConferenceInvite *copy;

  g_return_val_if_fail (invite != NULL, NULL);

  copy = g_new0 (LcConferenceInvite, 1);
  *copy = *invite;
  copy->school_id = g_strdup (invite->school_id);
  copy->responded_by = g_strdup (invite->responded_by);
  return copy;
}

void
lc_conference_invite_free (LcConferenceInvite *invite)
{
  if (invite == NULL)
    return;
  g_free (invite->school_id);
  g_free (invite->responded_by);
  g_free (invite);
}

LcConference *
lc_conference_new (void)
{
  LcConference *conference = g_new0 (LcConference, 1);

  conference->status = LC_CONFERENCE_SCHEDULED;
  conference->max_participants_per_school = 10;
  conference->invites = g_ptr_array_new_with_free_func ((GDestroyNotify)lc_conference_invite_free);
  return conference;
}

LcConference *
lc_conference_copy (const LcConference *conference)
{
  LcConference *copy;

  g_return_val_if_fail (conference != NULL, NULL);

  copy = g_new0 (LcConference, 1);
  *copy = *conference;
  copy->id = g_strdup (conference->id);
  copy->title = g_strdup (conference->title);
  copy->description = g_strdup (conference->description);
  copy->agenda = g_strdup (conference->agenda);
  copy->host_school_id = g_strdup (conference->host_school_id);
  copy->created_by = g_strdup (conference->created_by);
  copy->invites = g_ptr_array_new_with_free_func ((GDestroyNotify)lc_conference_invite_free);
  if (conference->invites != NULL)
    for (guint i = 0; i < conference->invites->len; i++)
      g_ptr_array_add (copy->invites,
                       lc_conference_invite_copy (g_ptr_array_index (conference->invites, i)));
  return copy;
}

void
lc_conference_free (LcConference *conference)
{
  if (conference == NULL)
    return;
  g_free (conference->id);
  g_free (conference->title);
  g_free (conference->description);
  g_free (conference->agenda);
  g_free (conference->host_school_id);
  g_free (conference->created_by);
  g_clear_pointer (&conference->invites, g_ptr_array_unref);
  g_free (conference);
}

LcConferenceInvite *
lc_conference_find_invite (const LcConference *conference, const char *school_id)
{
  g_return_val_if_fail (conference != NULL, NULL);

  if (school_id == NULL || conference->invites == NULL)
    return NULL;
  for (guint i = 0; i < conference->invites->len; i++)
    {
      LcConferenceInvite *invite = g_ptr_array_index (conference->invites, i);

      if (g_strcmp0 (invite->school_id, school_id) == 0)
        return invite;
    }
  return NULL;
}

gboolean
lc_conference_school_takes_part (const LcConference *conference, const char *school_id)
{
  const LcConferenceInvite *invite;

  g_return_val_if_fail (conference != NULL, FALSE);

  if (school_id == NULL)
    return FALSE;
  if (g_strcmp0 (conference->host_school_id, school_id) == 0)
    return TRUE;
  invite = lc_conference_find_invite (conference, school_id);
  return invite != NULL && invite->status == LC_INVITE_ACCEPTED;
}

/* ---- Attendance ---- */

LcAttendance *
lc_attendance_new (void)
{
  LcAttendance *attendance = g_new0 (LcAttendance, 1);

  attendance->role = LC_CONFERENCE_ROLE_PARTICIPANT;
  return attendance;
}

LcAttendance *
lc_attendance_copy (const LcAttendance *attendance)
{
  LcAttendance *copy;

  g_return_val_if_fail (attendance != NULL, NULL);

  copy = g_new0 (LcAttendance, 1);
  *copy = *attendance;
  copy->id = g_strdup (attendance->id);
  copy->conference_id = g_strdup (attendance->conference_id);
  copy->participant_id = g_strdup (attendance->participant_id);
  copy->display_name = g_strdup (attendance->display_name);
  copy->school_id = g_strdup (attendance->school_id);
  copy->account_id = g_strdup (attendance->account_id);
  return copy;
}

void
lc_attendance_free (LcAttendance *attendance)
{
  if (attendance == NULL)
    return;
  g_free (attendance->id);
  g_free (attendance->conference_id);
  g_free (attendance->participant_id);
  g_free (attendance->display_name);
  g_free (attendance->school_id);
  g_free (attendance->account_id);
  g_free (attendance);
}

/* ---- Audit event ---- */

LcAuditEvent *
lc_audit_event_new (void)
{
  return g_new0 (LcAuditEvent, 1);
}

void
lc_audit_event_free (LcAuditEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->id);
  g_free (event->actor_id);
  g_free (event->action);
  g_free (event->object_type);
  g_free (event->object_id);
  g_free (event->client);
  g_free (event->details);
  g_free (event);
}
