/* lc-model.c — the data model: enum ↔ API name conversions and
 * new/copy/free for every plain struct of lc-model.h. */
#include "common/lc-model.h"

#include <string.h>

const char *const lc_role_names[] = { "operator", "coordinator", "teacher", NULL };
const char *const lc_lesson_status_names[] = { "scheduled", "live", "ended", "cancelled", NULL };
const char *const lc_visibility_names[] = { "public", "unlisted", NULL };
const char *const lc_recording_state_names[] = { "recording", "finalizing", "ready", "failed", NULL };

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
