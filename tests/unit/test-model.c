/* test-model.c — the data model (common/lc-model): enum ↔ API name
 * conversions, the NULL-terminated name lists, and deep copies / frees. */
#include <string.h>

#include "common/lc-model.h"

static guint
count_names (const char *const *names)
{
  guint n = 0;

  while (names[n] != NULL)
    n++;
  return n;
}

static void
test_role_names (void)
{
  static const char *const expected[] = { "operator", "coordinator", "teacher" };
  LcRole role;

  g_assert_cmpuint (count_names (lc_role_names), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_assert_cmpstr (lc_role_to_string ((LcRole)i), ==, expected[i]);
      g_assert_cmpstr (lc_role_names[i], ==, expected[i]);
      role = (LcRole)99;
      g_assert_true (lc_role_from_string (expected[i], &role));
      g_assert_cmpint (role, ==, (int)i);
    }
  g_assert_cmpint (LC_ROLE_OPERATOR, ==, 0);
  g_assert_cmpint (LC_ROLE_TEACHER, ==, 2);

  role = LC_ROLE_TEACHER;
  g_assert_false (lc_role_from_string ("Operator", &role)); /* API names are exact */
  g_assert_false (lc_role_from_string ("admin", &role));
  g_assert_false (lc_role_from_string ("", &role));
  g_assert_false (lc_role_from_string (NULL, &role));
  g_assert_false (lc_role_from_string ("teacher ", &role));
  g_assert_cmpint (role, ==, LC_ROLE_TEACHER); /* untouched on failure */
  g_assert_true (lc_role_from_string ("coordinator", NULL));
}

static void
test_status_names (void)
{
  static const char *const expected[] = { "scheduled", "live", "ended", "cancelled" };
  LcLessonStatus status;

  g_assert_cmpuint (count_names (lc_lesson_status_names), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_assert_cmpstr (lc_lesson_status_to_string ((LcLessonStatus)i), ==, expected[i]);
      g_assert_cmpstr (lc_lesson_status_names[i], ==, expected[i]);
      status = (LcLessonStatus)99;
      g_assert_true (lc_lesson_status_from_string (expected[i], &status));
      g_assert_cmpint (status, ==, (int)i);
    }
  status = LC_LESSON_LIVE;
  g_assert_false (lc_lesson_status_from_string ("canceled", &status)); /* US spelling */
  g_assert_false (lc_lesson_status_from_string ("SCHEDULED", &status));
  g_assert_false (lc_lesson_status_from_string (NULL, &status));
  g_assert_cmpint (status, ==, LC_LESSON_LIVE);
}

static void
test_visibility_names (void)
{
  LcVisibility visibility = LC_VISIBILITY_PUBLIC;

  g_assert_cmpuint (count_names (lc_visibility_names), ==, 2);
  g_assert_cmpstr (lc_visibility_to_string (LC_VISIBILITY_PUBLIC), ==, "public");
  g_assert_cmpstr (lc_visibility_to_string (LC_VISIBILITY_UNLISTED), ==, "unlisted");
  g_assert_cmpstr (lc_visibility_names[0], ==, "public");
  g_assert_cmpstr (lc_visibility_names[1], ==, "unlisted");
  g_assert_true (lc_visibility_from_string ("unlisted", &visibility));
  g_assert_cmpint (visibility, ==, LC_VISIBILITY_UNLISTED);
  g_assert_true (lc_visibility_from_string ("public", &visibility));
  g_assert_cmpint (visibility, ==, LC_VISIBILITY_PUBLIC);
  g_assert_false (lc_visibility_from_string ("private", &visibility));
  g_assert_false (lc_visibility_from_string ("", &visibility));
  g_assert_cmpint (visibility, ==, LC_VISIBILITY_PUBLIC);
}

static void
test_recording_state_names (void)
{
  static const char *const expected[] = { "recording", "finalizing", "ready", "failed" };
  LcRecordingState state;

  g_assert_cmpuint (count_names (lc_recording_state_names), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_assert_cmpstr (lc_recording_state_to_string ((LcRecordingState)i), ==, expected[i]);
      g_assert_cmpstr (lc_recording_state_names[i], ==, expected[i]);
      state = (LcRecordingState)99;
      g_assert_true (lc_recording_state_from_string (expected[i], &state));
      g_assert_cmpint (state, ==, (int)i);
    }
  g_assert_cmpint (LC_RECORDING_RECORDING, ==, 0);
  g_assert_cmpint (LC_RECORDING_FAILED, ==, 3);
  state = LC_RECORDING_READY;
  g_assert_false (lc_recording_state_from_string ("finalising", &state)); /* British spelling */
  g_assert_false (lc_recording_state_from_string ("Ready", &state));
  g_assert_false (lc_recording_state_from_string ("", &state));
  g_assert_false (lc_recording_state_from_string (NULL, &state));
  g_assert_cmpint (state, ==, LC_RECORDING_READY); /* untouched on failure */
  g_assert_true (lc_recording_state_from_string ("failed", NULL));
}

static void
test_copy_recording (void)
{
  g_autoptr (LcRecording) recording = lc_recording_new ();
  g_autoptr (LcRecording) copy = NULL;
  g_autoptr (LcRecording) bare = lc_recording_new ();
  g_autoptr (LcRecording) bare_copy = NULL;

  /* Defaults: a new recording is being recorded, nothing known yet. */
  g_assert_cmpint (recording->state, ==, LC_RECORDING_RECORDING);
  g_assert_cmpint (recording->progress, ==, 0);
  g_assert_null (recording->failure_reason);
  g_assert_null (recording->sha256);
  g_assert_cmpint (recording->ended_at, ==, 0);
  lc_recording_free (NULL);

  recording->id = g_strdup ("DDDDDDDDDDDDDDDDDDDDDD");
  recording->lesson_id = g_strdup ("CCCCCCCCCCCCCCCCCCCCCC");
  recording->state = LC_RECORDING_FAILED;
  recording->failure_reason = g_strdup ("disk full while writing x.part.mp4");
  recording->progress = 42;
  recording->path = g_strdup ("CCCCCCCCCCCCCCCCCCCCCC/DDDDDDDDDDDDDDDDDDDDDD.part.mp4");
  recording->duration_ms = 2700000;
  recording->size_bytes = G_GINT64_CONSTANT (5000000000); /* past 32 bits */
  recording->video_codec = g_strdup ("h264");
  recording->audio_codec = g_strdup ("opus");
  recording->sha256 = g_strdup ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  recording->started_at = 1800000000;
  recording->ended_at = 1800002700;
  recording->created_at = 7;
  recording->updated_at = 8;

  copy = lc_recording_copy (recording);
  g_assert_true (copy->path != recording->path); /* deep */
  g_clear_pointer (&recording, lc_recording_free);
  g_assert_cmpstr (copy->id, ==, "DDDDDDDDDDDDDDDDDDDDDD");
  g_assert_cmpstr (copy->lesson_id, ==, "CCCCCCCCCCCCCCCCCCCCCC");
  g_assert_cmpint (copy->state, ==, LC_RECORDING_FAILED);
  g_assert_cmpstr (copy->failure_reason, ==, "disk full while writing x.part.mp4");
  g_assert_cmpint (copy->progress, ==, 42);
  g_assert_cmpstr (copy->path, ==, "CCCCCCCCCCCCCCCCCCCCCC/DDDDDDDDDDDDDDDDDDDDDD.part.mp4");
  g_assert_cmpint (copy->duration_ms, ==, 2700000);
  g_assert_cmpint (copy->size_bytes, ==, G_GINT64_CONSTANT (5000000000));
  g_assert_cmpstr (copy->video_codec, ==, "h264");
  g_assert_cmpstr (copy->audio_codec, ==, "opus");
  g_assert_cmpstr (copy->sha256, ==,
                   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  g_assert_cmpint (copy->started_at, ==, 1800000000);
  g_assert_cmpint (copy->ended_at, ==, 1800002700);
  g_assert_cmpint (copy->created_at, ==, 7);
  g_assert_cmpint (copy->updated_at, ==, 8);

  /* NULL fields copy as NULL. */
  bare_copy = lc_recording_copy (bare);
  g_assert_null (bare_copy->id);
  g_assert_null (bare_copy->path);
  g_assert_null (bare_copy->video_codec);
}

static void
test_defaults (void)
{
  g_autoptr (LcLesson) lesson = lc_lesson_new ();
  g_autoptr (LcSchool) school = lc_school_new ();
  g_autoptr (LcAccount) account = lc_account_new ();
  g_autoptr (LcSession) session = lc_session_new ();
  g_autoptr (LcApiToken) token = lc_api_token_new ();
  g_autoptr (LcAuditEvent) event = lc_audit_event_new ();

  g_assert_cmpint (lesson->status, ==, LC_LESSON_SCHEDULED);
  g_assert_cmpint (lesson->visibility, ==, LC_VISIBILITY_PUBLIC);
  g_assert_true (lesson->recording);
  g_assert_null (lesson->id);
  g_assert_cmpint (lesson->grade, ==, 0);
  g_assert_false (school->has_location);
  g_assert_null (school->website);
  g_assert_false (account->disabled);
  g_assert_false (account->consent_publish_name);
  g_assert_null (account->school_id);
  g_assert_cmpint (session->expires_at, ==, 0);
  g_assert_false (token->revoked);
  g_assert_null (event->actor_id);

  /* Freeing NULL is allowed everywhere. */
  lc_school_free (NULL);
  lc_account_free (NULL);
  lc_lesson_free (NULL);
  lc_session_free (NULL);
  lc_api_token_free (NULL);
  lc_audit_event_free (NULL);
}

static void
test_copy_school (void)
{
  g_autoptr (LcSchool) school = lc_school_new ();
  g_autoptr (LcSchool) copy = NULL;
  g_autoptr (LcSchool) bare_copy = NULL;

  school->id = g_strdup ("AAAAAAAAAAAAAAAAAAAAAA");
  school->name = g_strdup ("ГБОУ «Школа № 57»");
  school->short_name = g_strdup ("Школа № 57");
  school->district = g_strdup ("Хамовники");
  school->address = g_strdup ("Малый Знаменский пер., 7/10");
  school->has_location = TRUE;
  school->latitude = 55.7469;
  school->longitude = 37.6014;
  school->website = g_strdup ("https://school57.example.ru");
  school->created_at = 1000;
  school->updated_at = 2000;

  copy = lc_school_copy (school);
  g_assert_true (copy != school);
  g_assert_true (copy->name != school->name); /* deep */
  g_assert_cmpstr (copy->id, ==, school->id);
  g_assert_cmpstr (copy->name, ==, school->name);
  g_assert_cmpstr (copy->short_name, ==, school->short_name);
  g_assert_cmpstr (copy->district, ==, school->district);
  g_assert_cmpstr (copy->address, ==, school->address);
  g_assert_cmpstr (copy->website, ==, school->website);
  g_assert_true (copy->has_location);
  g_assert_cmpfloat (copy->latitude, ==, 55.7469);
  g_assert_cmpfloat (copy->longitude, ==, 37.6014);
  g_assert_cmpint (copy->created_at, ==, 1000);
  g_assert_cmpint (copy->updated_at, ==, 2000);

  /* The copy survives the original. */
  g_clear_pointer (&school, lc_school_free);
  g_assert_cmpstr (copy->short_name, ==, "Школа № 57");

  bare_copy = lc_school_copy (copy);
  g_free (bare_copy->address);
  bare_copy->address = NULL;
  g_clear_pointer (&copy, lc_school_free);
  {
    g_autoptr (LcSchool) again = lc_school_copy (bare_copy);

    g_assert_null (again->address);
    g_assert_cmpstr (again->website, ==, "https://school57.example.ru");
  }
}

static void
test_copy_account (void)
{
  g_autoptr (LcAccount) account = lc_account_new ();
  g_autoptr (LcAccount) copy = NULL;

  account->id = g_strdup ("BBBBBBBBBBBBBBBBBBBBBB");
  account->login = g_strdup ("teacher.s57");
  account->display_name = g_strdup ("Анна Петровна Смирнова");
  account->role = LC_ROLE_COORDINATOR;
  account->school_id = g_strdup ("AAAAAAAAAAAAAAAAAAAAAA");
  account->password_hash = g_strdup ("$scrypt$ln=10,r=8,p=1$c2FsdA$aGFzaA");
  account->consent_publish_name = TRUE;
  account->disabled = TRUE;
  account->created_at = 10;
  account->updated_at = 20;
  account->password_changed_at = 30;

  copy = lc_account_copy (account);
  g_clear_pointer (&account, lc_account_free);
  g_assert_cmpstr (copy->id, ==, "BBBBBBBBBBBBBBBBBBBBBB");
  g_assert_cmpstr (copy->login, ==, "teacher.s57");
  g_assert_cmpstr (copy->display_name, ==, "Анна Петровна Смирнова");
  g_assert_cmpint (copy->role, ==, LC_ROLE_COORDINATOR);
  g_assert_cmpstr (copy->school_id, ==, "AAAAAAAAAAAAAAAAAAAAAA");
  g_assert_cmpstr (copy->password_hash, ==, "$scrypt$ln=10,r=8,p=1$c2FsdA$aGFzaA");
  g_assert_true (copy->consent_publish_name);
  g_assert_true (copy->disabled);
  g_assert_cmpint (copy->created_at, ==, 10);
  g_assert_cmpint (copy->updated_at, ==, 20);
  g_assert_cmpint (copy->password_changed_at, ==, 30);
}

static void
test_copy_lesson (void)
{
  g_autoptr (LcLesson) lesson = lc_lesson_new ();
  g_autoptr (LcLesson) copy = NULL;

  lesson->id = g_strdup ("CCCCCCCCCCCCCCCCCCCCCC");
  lesson->title = g_strdup ("Дроби на практике");
  lesson->description = g_strdup ("");
  lesson->subject = g_strdup ("Математика");
  lesson->grade = 6;
  lesson->school_id = g_strdup ("AAAAAAAAAAAAAAAAAAAAAA");
  lesson->teacher_id = g_strdup ("BBBBBBBBBBBBBBBBBBBBBB");
  lesson->starts_at = 1800000000;
  lesson->ends_at = 1800002700;
  lesson->visibility = LC_VISIBILITY_UNLISTED;
  lesson->recording = FALSE;
  lesson->status = LC_LESSON_LIVE;
  lesson->publish_key = g_strdup ("lpk_secret");
  lesson->sequence = 3;
  lesson->created_at = 5;
  lesson->updated_at = 6;

  copy = lc_lesson_copy (lesson);
  g_assert_true (copy->publish_key != lesson->publish_key);
  g_clear_pointer (&lesson, lc_lesson_free);
  g_assert_cmpstr (copy->id, ==, "CCCCCCCCCCCCCCCCCCCCCC");
  g_assert_cmpstr (copy->title, ==, "Дроби на практике");
  g_assert_cmpstr (copy->description, ==, "");
  g_assert_cmpstr (copy->subject, ==, "Математика");
  g_assert_cmpint (copy->grade, ==, 6);
  g_assert_cmpstr (copy->school_id, ==, "AAAAAAAAAAAAAAAAAAAAAA");
  g_assert_cmpstr (copy->teacher_id, ==, "BBBBBBBBBBBBBBBBBBBBBB");
  g_assert_cmpint (copy->starts_at, ==, 1800000000);
  g_assert_cmpint (copy->ends_at, ==, 1800002700);
  g_assert_cmpint (copy->visibility, ==, LC_VISIBILITY_UNLISTED);
  g_assert_false (copy->recording);
  g_assert_cmpint (copy->status, ==, LC_LESSON_LIVE);
  g_assert_cmpstr (copy->publish_key, ==, "lpk_secret");
  g_assert_cmpint (copy->sequence, ==, 3);
  g_assert_cmpint (copy->created_at, ==, 5);
  g_assert_cmpint (copy->updated_at, ==, 6);
}

static void
test_conference_names (void)
{
  static const char *const statuses[] = { "scheduled", "ended", "cancelled" };
  static const char *const invites[] = { "pending", "accepted", "declined" };
  static const char *const roles[] = { "host", "participant", "observer" };
  LcConferenceStatus status;
  LcInviteStatus invite;
  LcConferenceRole role;

  g_assert_cmpuint (count_names (lc_conference_status_names), ==, G_N_ELEMENTS (statuses));
  g_assert_cmpuint (count_names (lc_invite_status_names), ==, G_N_ELEMENTS (invites));
  g_assert_cmpuint (count_names (lc_conference_role_names), ==, G_N_ELEMENTS (roles));
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpstr (lc_conference_status_to_string ((LcConferenceStatus)i), ==, statuses[i]);
      g_assert_cmpstr (lc_conference_status_names[i], ==, statuses[i]);
      status = (LcConferenceStatus)99;
      g_assert_true (lc_conference_status_from_string (statuses[i], &status));
      g_assert_cmpint (status, ==, (int)i);

      g_assert_cmpstr (lc_invite_status_to_string ((LcInviteStatus)i), ==, invites[i]);
      g_assert_cmpstr (lc_invite_status_names[i], ==, invites[i]);
      invite = (LcInviteStatus)99;
      g_assert_true (lc_invite_status_from_string (invites[i], &invite));
      g_assert_cmpint (invite, ==, (int)i);

      g_assert_cmpstr (lc_conference_role_to_string ((LcConferenceRole)i), ==, roles[i]);
      g_assert_cmpstr (lc_conference_role_names[i], ==, roles[i]);
      role = (LcConferenceRole)99;
      g_assert_true (lc_conference_role_from_string (roles[i], &role));
      g_assert_cmpint (role, ==, (int)i);
    }
  g_assert_cmpint (LC_CONFERENCE_SCHEDULED, ==, 0);
  g_assert_cmpint (LC_INVITE_PENDING, ==, 0);
  g_assert_cmpint (LC_CONFERENCE_ROLE_HOST, ==, 0);

  status = LC_CONFERENCE_ENDED;
  g_assert_false (lc_conference_status_from_string ("canceled", &status));
  g_assert_false (lc_conference_status_from_string ("live", &status)); /* a lesson status */
  g_assert_false (lc_conference_status_from_string (NULL, &status));
  g_assert_cmpint (status, ==, LC_CONFERENCE_ENDED); /* untouched on failure */
  invite = LC_INVITE_DECLINED;
  g_assert_false (lc_invite_status_from_string ("Accepted", &invite));
  g_assert_false (lc_invite_status_from_string ("", &invite));
  g_assert_cmpint (invite, ==, LC_INVITE_DECLINED);
  role = LC_CONFERENCE_ROLE_OBSERVER;
  g_assert_false (lc_conference_role_from_string ("operator", &role)); /* an account role */
  g_assert_false (lc_conference_role_from_string ("host ", &role));
  g_assert_cmpint (role, ==, LC_CONFERENCE_ROLE_OBSERVER);
  g_assert_true (lc_invite_status_from_string ("pending", NULL));
}

static LcConference *
make_conference (void)
{
  LcConference *conference = lc_conference_new ();
  LcConferenceInvite *invite;

  conference->id = g_strdup ("EEEEEEEEEEEEEEEEEEEEEE");
  conference->title = g_strdup ("Совместный урок физики");
  conference->description = g_strdup ("");
  conference->agenda = g_strdup ("1. Опыт\n2. Вопросы");
  conference->host_school_id = g_strdup ("host");
  conference->created_by = g_strdup ("coordinator");
  conference->starts_at = 1800000000;
  conference->ends_at = 1800003600;
  conference->max_participants_per_school = 25;
  conference->waiting_room = TRUE;
  conference->status = LC_CONFERENCE_CANCELLED;
  conference->sequence = 4;
  conference->created_at = 11;
  conference->updated_at = 12;
  g_ptr_array_add (conference->invites, lc_conference_invite_new ("pending-school", LC_INVITE_PENDING));
  invite = lc_conference_invite_new ("accepted-school", LC_INVITE_ACCEPTED);
  invite->responded_at = 1790000000;
  invite->responded_by = g_strdup ("someone");
  g_ptr_array_add (conference->invites, invite);
  g_ptr_array_add (conference->invites,
                   lc_conference_invite_new ("declined-school", LC_INVITE_DECLINED));
  return conference;
}

static void
test_conference_copy (void)
{
  g_autoptr (LcConference) fresh = lc_conference_new ();
  g_autoptr (LcConference) conference = make_conference ();
  g_autoptr (LcConference) copy = NULL;
  g_autoptr (LcConferenceInvite) invite = NULL;
  LcConferenceInvite *second;

  /* Defaults: scheduled, an empty invite list that owns its elements. */
  g_assert_cmpint (fresh->status, ==, LC_CONFERENCE_SCHEDULED);
  g_assert_nonnull (fresh->invites);
  g_assert_cmpuint (fresh->invites->len, ==, 0);
  g_assert_false (fresh->waiting_room);
  g_assert_cmpint (fresh->sequence, ==, 0);
  g_assert_null (fresh->id);
  lc_conference_free (NULL);
  lc_conference_invite_free (NULL);
  lc_attendance_free (NULL);

  copy = lc_conference_copy (conference);
  g_assert_true (copy->invites != conference->invites); /* deep */
  g_assert_true (g_ptr_array_index (copy->invites, 0) != g_ptr_array_index (conference->invites, 0));
  g_clear_pointer (&conference, lc_conference_free);
  g_assert_cmpstr (copy->id, ==, "EEEEEEEEEEEEEEEEEEEEEE");
  g_assert_cmpstr (copy->title, ==, "Совместный урок физики");
  g_assert_cmpstr (copy->description, ==, "");
  g_assert_cmpstr (copy->agenda, ==, "1. Опыт\n2. Вопросы");
  g_assert_cmpstr (copy->host_school_id, ==, "host");
  g_assert_cmpstr (copy->created_by, ==, "coordinator");
  g_assert_cmpint (copy->starts_at, ==, 1800000000);
  g_assert_cmpint (copy->ends_at, ==, 1800003600);
  g_assert_cmpint (copy->max_participants_per_school, ==, 25);
  g_assert_true (copy->waiting_room);
  g_assert_cmpint (copy->status, ==, LC_CONFERENCE_CANCELLED);
  g_assert_cmpint (copy->sequence, ==, 4);
  g_assert_cmpint (copy->created_at, ==, 11);
  g_assert_cmpint (copy->updated_at, ==, 12);
  g_assert_cmpuint (copy->invites->len, ==, 3);
  g_assert_cmpstr (((LcConferenceInvite *)g_ptr_array_index (copy->invites, 0))->school_id, ==,
                   "pending-school");
  second = g_ptr_array_index (copy->invites, 1);
  g_assert_cmpstr (second->school_id, ==, "accepted-school");
  g_assert_cmpint (second->status, ==, LC_INVITE_ACCEPTED);
  g_assert_cmpint (second->responded_at, ==, 1790000000);
  g_assert_cmpstr (second->responded_by, ==, "someone");

  invite = lc_conference_invite_copy (second);
  g_assert_true (invite->responded_by != second->responded_by);
  g_assert_cmpstr (invite->school_id, ==, "accepted-school");
  g_assert_cmpint (invite->status, ==, LC_INVITE_ACCEPTED);
  g_assert_cmpint (invite->responded_at, ==, 1790000000);
  g_assert_cmpstr (invite->responded_by, ==, "someone");
  g_clear_pointer (&invite, lc_conference_invite_free);
  invite = lc_conference_invite_new (NULL, LC_INVITE_PENDING);
  g_assert_null (invite->school_id);
  g_assert_null (invite->responded_by);
  g_assert_cmpint (invite->responded_at, ==, 0);
}

static void
test_conference_takes_part (void)
{
  g_autoptr (LcConference) conference = make_conference ();
  LcConferenceInvite *invite;

  invite = lc_conference_find_invite (conference, "accepted-school");
  g_assert_nonnull (invite);
  g_assert_true (invite == g_ptr_array_index (conference->invites, 1)); /* transfer none */
  g_assert_true (lc_conference_find_invite (conference, "declined-school")
                 == g_ptr_array_index (conference->invites, 2));
  g_assert_null (lc_conference_find_invite (conference, "host")); /* the host is not invited */
  g_assert_null (lc_conference_find_invite (conference, "other"));
  g_assert_null (lc_conference_find_invite (conference, NULL));

  g_assert_true (lc_conference_school_takes_part (conference, "host"));
  g_assert_true (lc_conference_school_takes_part (conference, "accepted-school"));
  g_assert_false (lc_conference_school_takes_part (conference, "pending-school"));
  g_assert_false (lc_conference_school_takes_part (conference, "declined-school"));
  g_assert_false (lc_conference_school_takes_part (conference, "other"));
  g_assert_false (lc_conference_school_takes_part (conference, NULL));

  /* Accepting later makes the school take part. */
  invite = lc_conference_find_invite (conference, "pending-school");
  invite->status = LC_INVITE_ACCEPTED;
  g_assert_true (lc_conference_school_takes_part (conference, "pending-school"));
}

static void
test_attendance_copy (void)
{
  g_autoptr (LcAttendance) attendance = lc_attendance_new ();
  g_autoptr (LcAttendance) copy = NULL;
  g_autoptr (LcAttendance) bare = NULL;

  g_assert_cmpint (attendance->left_at, ==, 0);
  g_assert_null (attendance->school_id);
  bare = lc_attendance_copy (attendance);
  g_assert_null (bare->id);
  g_assert_null (bare->account_id);

  attendance->id = g_strdup ("FFFFFFFFFFFFFFFFFFFFFF");
  attendance->conference_id = g_strdup ("EEEEEEEEEEEEEEEEEEEEEE");
  attendance->participant_id = g_strdup ("s:school:client-0123456789");
  attendance->display_name = g_strdup ("Ученики 7Б");
  attendance->school_id = g_strdup ("school");
  attendance->account_id = g_strdup ("account");
  attendance->role = LC_CONFERENCE_ROLE_OBSERVER;
  attendance->joined_at = 1800000100;
  attendance->left_at = 1800000200;

  copy = lc_attendance_copy (attendance);
  g_assert_true (copy->display_name != attendance->display_name);
  g_clear_pointer (&attendance, lc_attendance_free);
  g_assert_cmpstr (copy->id, ==, "FFFFFFFFFFFFFFFFFFFFFF");
  g_assert_cmpstr (copy->conference_id, ==, "EEEEEEEEEEEEEEEEEEEEEE");
  g_assert_cmpstr (copy->participant_id, ==, "s:school:client-0123456789");
  g_assert_cmpstr (copy->display_name, ==, "Ученики 7Б");
  g_assert_cmpstr (copy->school_id, ==, "school");
  g_assert_cmpstr (copy->account_id, ==, "account");
  g_assert_cmpint (copy->role, ==, LC_CONFERENCE_ROLE_OBSERVER);
  g_assert_cmpint (copy->joined_at, ==, 1800000100);
  g_assert_cmpint (copy->left_at, ==, 1800000200);
}

static void
test_free_filled (void)
{
  /* Every owned field set: LeakSanitizer checks the free functions release them all. */
  LcSession *session = lc_session_new ();
  LcApiToken *token = lc_api_token_new ();
  LcAuditEvent *event = lc_audit_event_new ();

  session->token_hash = g_strdup ("hash");
  session->account_id = g_strdup ("account");
  token->id = g_strdup ("id");
  token->account_id = g_strdup ("account");
  token->name = g_strdup ("portal sync");
  token->token_hash = g_strdup ("hash");
  event->id = g_strdup ("id");
  event->actor_id = g_strdup ("actor");
  event->action = g_strdup ("login.success");
  event->object_type = g_strdup ("session");
  event->object_id = g_strdup ("object");
  event->client = g_strdup ("127.0.0.1");
  event->details = g_strdup ("{}");
  lc_session_free (session);
  lc_api_token_free (token);
  lc_audit_event_free (event);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/common/model/role-names", test_role_names);
  g_test_add_func ("/common/model/status-names", test_status_names);
  g_test_add_func ("/common/model/visibility-names", test_visibility_names);
  g_test_add_func ("/common/model/recording-state-names", test_recording_state_names);
  g_test_add_func ("/common/model/defaults", test_defaults);
  g_test_add_func ("/common/model/copy-school", test_copy_school);
  g_test_add_func ("/common/model/copy-account", test_copy_account);
  g_test_add_func ("/common/model/copy-lesson", test_copy_lesson);
  g_test_add_func ("/common/model/copy-recording", test_copy_recording);
  g_test_add_func ("/common/model/free-filled", test_free_filled);
  g_test_add_func ("/common/model/conference-names", test_conference_names);
  g_test_add_func ("/common/model/conference-copy", test_conference_copy);
  g_test_add_func ("/common/model/conference-takes-part", test_conference_takes_part);
  g_test_add_func ("/common/model/attendance-copy", test_attendance_copy);

  return g_test_run ();
}
