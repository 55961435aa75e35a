/* test-store-conferences.c — the SQLite store's conferences (schema v4) through
 * the LcStore interface: the row and its invites written together (order kept,
 * update replacing the list, atomic on failure, also inside a transaction), the
 * error conventions with their fields, list filters (school as host or invitee,
 * half-open time overlap, status), keyset pagination, invite answers, and the
 * attendance of the rooms (order, leaving, closing open rows, cascade). */
#include "test-store-fixture.h"

/* ---- builders ---- */

static LcConference *
conference_template (const char *host, gint64 starts_at, gint64 ends_at)
{
  LcConference *conference = lc_conference_new ();

  conference->id = lc_id_new ();
  conference->title = g_strdup ("Совместный урок физики");
  conference->description = g_strdup ("Опыты с маятником");
  conference->agenda = g_strdup ("1. Опыт\n2. Вопросы");
  conference->host_school_id = g_strdup (host);
  conference->starts_at = starts_at;
  conference->ends_at = ends_at;
  conference->max_participants_per_school = 12;
  conference->created_at = conference->updated_at = T0;
  return conference;
}

static void
invite_schools_va (LcConference *conference, va_list args)
{
  const char *school;

  while ((school = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (conference->invites, lc_conference_invite_new (school, LC_INVITE_PENDING));
}

/* Invite the NULL-terminated list of schools, all pending. */
static void
invite_schools (LcConference *conference, ...)
{
  va_list args;

  va_start (args, conference);
  invite_schools_va (conference, args);
  va_end (args);
}

/* Insert a conference of host in [starts_at, ends_at) with the given status,
 * inviting the NULL-terminated list of schools. (transfer full) its id */
static char *
add_conference (LcStore *store, const char *host, gint64 starts_at, gint64 ends_at,
                LcConferenceStatus status, ...)
{
  g_autoptr (LcConference) conference = conference_template (host, starts_at, ends_at);
  g_autoptr (GError) error = NULL;
  va_list args;

  conference->status = status;
  va_start (args, status);
  invite_schools_va (conference, args);
  va_end (args);
  g_assert_true (lc_store_insert_conference (store, conference, &error));
  g_assert_no_error (error);
  return g_strdup (conference->id);
}

static LcConference *
get_conference (LcStore *store, const char *id)
{
  g_autoptr (GError) error = NULL;
  LcConference *conference = lc_store_get_conference (store, id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (conference);
  return conference;
}

/* The invited school ids of a conference, in order (see append_id). */
static char *
invite_ids (const LcConference *conference)
{
  g_autoptr (GString) ids = g_string_new (NULL);

  for (guint i = 0; i < conference->invites->len; i++)
    append_id (ids, ((LcConferenceInvite *)g_ptr_array_index (conference->invites, i))->school_id);
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

static LcConferenceFilter
conference_filter (void)
{
  LcConferenceFilter filter = { 0 };

  filter.status = -1;
  return filter;
}

/* The ids of the listed conferences, in order (see append_id). */
static char *
list_conference_ids (LcStore *store, const LcConferenceFilter *filter)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) conferences = lc_store_list_conferences (store, filter, &error);
  g_autoptr (GString) ids = g_string_new (NULL);

  g_assert_no_error (error);
  g_assert_nonnull (conferences);
  for (guint i = 0; i < conferences->len; i++)
    append_id (ids, ((LcConference *)g_ptr_array_index (conferences, i))->id);
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

/* ---- conferences ---- */

static void
test_conferences_crud (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *host = add_school (f->store, "Школа № 57", "Хамовники");
  g_autofree char *a = add_school (f->store, "Школа № 1535", "Хамовники");
  g_autofree char *b = add_school (f->store, "Лицей № 2", "Раменки");
  g_autofree char *c = add_school (f->store, "Гимназия № 1567", "Раменки");
  g_autofree char *coordinator = add_account (f->store, "coord.s57", LC_ROLE_COORDINATOR, host);
  g_autoptr (LcConference) conference = conference_template (host, T0 + HOUR, T0 + 2 * HOUR);
  g_autoptr (LcConference) got = NULL;
  g_autoptr (LcConference) again = NULL;
  g_autofree char *expected_order = NULL;
  g_autofree char *got_order = NULL;
  LcConferenceInvite *invite;

  conference->created_by = g_strdup (coordinator);
  conference->waiting_room = TRUE;
  conference->sequence = 2;
  /* Invitation order is kept, whatever the ids' order. */
  invite_schools (conference, c, a, b, NULL);
  invite = g_ptr_array_index (conference->invites, 1);
  invite->status = LC_INVITE_ACCEPTED;
  invite->responded_at = T0 - 10;
  invite->responded_by = g_strdup (coordinator);
  g_assert_true (lc_store_insert_conference (f->store, conference, &error));
  g_assert_no_error (error);

  got = get_conference (f->store, conference->id);
  g_assert_cmpstr (got->id, ==, conference->id);
  g_assert_cmpstr (got->title, ==, "Совместный урок физики");
  g_assert_cmpstr (got->description, ==, "Опыты с маятником");
  g_assert_cmpstr (got->agenda, ==, "1. Опыт\n2. Вопросы");
  g_assert_cmpstr (got->host_school_id, ==, host);
  g_assert_cmpstr (got->created_by, ==, coordinator);
  g_assert_cmpint (got->starts_at, ==, T0 + HOUR);
  g_assert_cmpint (got->ends_at, ==, T0 + 2 * HOUR);
  g_assert_cmpint (got->max_participants_per_school, ==, 12);
  g_assert_true (got->waiting_room);
  g_assert_cmpint (got->status, ==, LC_CONFERENCE_SCHEDULED);
  g_assert_cmpint (got->sequence, ==, 2);
  g_assert_cmpint (got->created_at, ==, T0);
  g_assert_cmpint (got->updated_at, ==, T0);
  expected_order = join_ids (c, a, b, NULL);
  got_order = invite_ids (got);
  g_assert_cmpstr (got_order, ==, expected_order);
  invite = g_ptr_array_index (got->invites, 0);
  g_assert_cmpint (invite->status, ==, LC_INVITE_PENDING);
  g_assert_cmpint (invite->responded_at, ==, 0);
  g_assert_null (invite->responded_by);
  invite = lc_conference_find_invite (got, a);
  g_assert_cmpint (invite->status, ==, LC_INVITE_ACCEPTED);
  g_assert_cmpint (invite->responded_at, ==, T0 - 10);
  g_assert_cmpstr (invite->responded_by, ==, coordinator);
  g_assert_true (lc_conference_school_takes_part (got, a));
  g_assert_false (lc_conference_school_takes_part (got, b));

  /* Same id again: conflict on "id"; nothing changes. */
  g_assert_false (lc_store_insert_conference (f->store, conference, &error));
  assert_lc_error (error, LC_ERROR_CONFLICT, "id");
  g_clear_error (&error);
  again = get_conference (f->store, conference->id);
  g_assert_cmpuint (again->invites->len, ==, 3);

  /* Empty description/agenda as NULL read back as "". A conference may invite nobody. */
  {
    g_autoptr (LcConference) bare = conference_template (host, T0, T0 + HOUR);
    g_autoptr (LcConference) bare_got = NULL;

    g_clear_pointer (&bare->description, g_free);
    g_clear_pointer (&bare->agenda, g_free);
    bare->created_at = bare->updated_at = 0; /* the store fills in now */
    g_assert_true (lc_store_insert_conference (f->store, bare, &error));
    g_assert_no_error (error);
    bare_got = get_conference (f->store, bare->id);
    g_assert_cmpstr (bare_got->description, ==, "");
    g_assert_cmpstr (bare_got->agenda, ==, "");
    g_assert_null (bare_got->created_by);
    g_assert_cmpuint (bare_got->invites->len, ==, 0);
    g_assert_cmpint (bare_got->created_at, >=, lc_time_now () - 5);
  }

  /* Not found. */
  g_assert_null (lc_store_get_conference (f->store, "AAAAAAAAAAAAAAAAAAAAAA", &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (lc_store_get_conference (f->store, NULL, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
}

static void
test_conferences_update (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *host = add_school (f->store, "Школа № 57", "Хамовники");
  g_autofree char *a = add_school (f->store, "Школа № 1535", "Хамовники");
  g_autofree char *b = add_school (f->store, "Лицей № 2", "Раменки");
  g_autofree char *c = add_school (f->store, "Гимназия № 1567", "Раменки");
  g_autofree char *coordinator = add_account (f->store, "coord.s57", LC_ROLE_COORDINATOR, host);
  g_autoptr (LcConference) conference = conference_template (host, T0 + HOUR, T0 + 2 * HOUR);
  g_autoptr (LcConference) got = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *order = NULL;
  LcConferenceInvite *invite;

  conference->created_by = g_strdup (coordinator);
  invite_schools (conference, a, b, NULL);
  g_assert_true (lc_store_insert_conference (f->store, conference, &error));
  g_assert_no_error (error);

  /* Replace the list: b stays (accepted now), a goes, c comes first. */
  g_ptr_array_set_size (conference->invites, 0);
  g_ptr_array_add (conference->invites, lc_conference_invite_new (c, LC_INVITE_PENDING));
  invite = lc_conference_invite_new (b, LC_INVITE_ACCEPTED);
  invite->responded_at = T0 + 5;
  g_ptr_array_add (conference->invites, invite);
  g_free (conference->title);
  conference->title = g_strdup ("Перенесённый урок");
  conference->starts_at = T0 + 3 * HOUR;
  conference->ends_at = T0 + 4 * HOUR;
  conference->status = LC_CONFERENCE_CANCELLED;
  conference->sequence = 1;
  conference->waiting_room = TRUE;
  conference->updated_at = T0 + 7;
  conference->created_at = T0 + 99; /* never rewritten */
  g_free (conference->created_by);  /* never rewritten */
  conference->created_by = NULL;
  g_assert_true (lc_store_update_conference (f->store, conference, &error));
  g_assert_no_error (error);

  got = get_conference (f->store, conference->id);
  g_assert_cmpstr (got->title, ==, "Перенесённый урок");
  g_assert_cmpint (got->starts_at, ==, T0 + 3 * HOUR);
  g_assert_cmpint (got->ends_at, ==, T0 + 4 * HOUR);
  g_assert_cmpint (got->status, ==, LC_CONFERENCE_CANCELLED);
  g_assert_cmpint (got->sequence, ==, 1); /* the caller's: update bumps nothing itself */
  g_assert_true (got->waiting_room);
  g_assert_cmpint (got->updated_at, ==, T0 + 7);
  g_assert_cmpint (got->created_at, ==, T0);
  g_assert_cmpstr (got->created_by, ==, coordinator);
  expected = join_ids (c, b, NULL);
  order = invite_ids (got);
  g_assert_cmpstr (order, ==, expected);
  g_assert_null (lc_conference_find_invite (got, a));
  g_assert_cmpint (lc_conference_find_invite (got, b)->status, ==, LC_INVITE_ACCEPTED);
  g_assert_cmpint (lc_conference_find_invite (got, b)->responded_at, ==, T0 + 5);
  g_clear_pointer (&got, lc_conference_free);

  /* A failing update (unknown school in the new list) changes nothing at all. */
  g_ptr_array_set_size (conference->invites, 0);
  invite_schools (conference, a, "AAAAAAAAAAAAAAAAAAAAAA", NULL);
  g_free (conference->title);
  conference->title = g_strdup ("Не сохранится");
  g_assert_false (lc_store_update_conference (f->store, conference, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "invited_school_ids");
  g_clear_error (&error);
  got = get_conference (f->store, conference->id);
  g_assert_cmpstr (got->title, ==, "Перенесённый урок");
  g_clear_pointer (&order, g_free);
  order = invite_ids (got);
  g_assert_cmpstr (order, ==, expected);
  g_clear_pointer (&got, lc_conference_free);

  /* An empty list removes every invite. */
  g_ptr_array_set_size (conference->invites, 0);
  g_assert_true (lc_store_update_conference (f->store, conference, &error));
  g_assert_no_error (error);
  got = get_conference (f->store, conference->id);
  g_assert_cmpuint (got->invites->len, ==, 0);

  /* Unknown conference. */
  g_free (conference->id);
  conference->id = lc_id_new ();
  g_assert_false (lc_store_update_conference (f->store, conference, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
}

static void
test_conferences_invalid (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *host = add_school (f->store, "Школа № 57", "Хамовники");
  g_autofree char *a = add_school (f->store, "Школа № 1535", "Хамовники");
  g_autoptr (LcConference) conference = NULL;
  g_autoptr (GPtrArray) all = NULL;
  LcConferenceFilter filter = conference_filter ();

  /* Unknown host. */
  conference = conference_template ("AAAAAAAAAAAAAAAAAAAAAA", T0, T0 + HOUR);
  invite_schools (conference, a, NULL);
  g_assert_false (lc_store_insert_conference (f->store, conference, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "host_school_id");
  g_clear_error (&error);
  /* No host. */
  g_clear_pointer (&conference->host_school_id, g_free);
  g_assert_false (lc_store_insert_conference (f->store, conference, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "host_school_id");
  g_clear_error (&error);
  g_clear_pointer (&conference, lc_conference_free);

  /* Unknown invited school, after a valid one: nothing at all is written. */
  conference = conference_template (host, T0, T0 + HOUR);
  invite_schools (conference, a, "AAAAAAAAAAAAAAAAAAAAAA", NULL);
  g_assert_false (lc_store_insert_conference (f->store, conference, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "invited_school_ids");
  g_clear_error (&error);
  g_assert_null (lc_store_get_conference (f->store, conference->id, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* The same school twice, or the host invited. */
  g_ptr_array_set_size (conference->invites, 0);
  invite_schools (conference, a, a, NULL);
  g_assert_false (lc_store_insert_conference (f->store, conference, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "invited_school_ids");
  g_clear_error (&error);
  g_ptr_array_set_size (conference->invites, 0);
  invite_schools (conference, a, host, NULL);
  g_assert_false (lc_store_insert_conference (f->store, conference, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "invited_school_ids");
  g_clear_error (&error);

  /* Unknown creator; an end not after the start; an unknown status. */
  g_ptr_array_set_size (conference->invites, 0);
  invite_schools (conference, a, NULL);
  conference->created_by = g_strdup ("AAAAAAAAAAAAAAAAAAAAAA");
  g_assert_false (lc_store_insert_conference (f->store, conference, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "created_by");
  g_clear_error (&error);
  g_clear_pointer (&conference->created_by, g_free);
  conference->ends_at = conference->starts_at;
  g_assert_false (lc_store_insert_conference (f->store, conference, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "ends_at");
  g_clear_error (&error);
  conference->ends_at = conference->starts_at + HOUR;
  conference->status = (LcConferenceStatus)9;
  g_assert_false (lc_store_insert_conference (f->store, conference, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "status");
  g_clear_error (&error);

  all = lc_store_list_conferences (f->store, &filter, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 0);

  /* And the valid one goes in. */
  conference->status = LC_CONFERENCE_SCHEDULED;
  g_assert_true (lc_store_insert_conference (f->store, conference, &error));
  g_assert_no_error (error);
}

/* A write failing after the conference row was written (a trigger refuses one
 * invite row) leaves the row and its old invites as they were. */
static void
test_conferences_atomic (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *host = add_school (f->store, "Школа № 57", "Хамовники");
  g_autofree char *a = add_school (f->store, "Школа № 1535", "Хамовники");
  g_autofree char *refused = add_school (f->store, "Лицей № 2", "Раменки");
  g_autoptr (LcConference) conference = conference_template (host, T0, T0 + HOUR);
  g_autoptr (LcConference) fresh = conference_template (host, T0, T0 + HOUR);
  g_autoptr (LcConference) got = NULL;
  g_autofree char *trigger = NULL;
  sqlite3 *raw;

  invite_schools (conference, a, NULL);
  g_assert_true (lc_store_insert_conference (f->store, conference, &error));
  g_assert_no_error (error);

  raw = open_raw (f);
  trigger = g_strdup_printf ("CREATE TRIGGER refuse BEFORE INSERT ON conference_invites "
                             "WHEN NEW.school_id = '%s' BEGIN SELECT RAISE (ABORT, 'refused'); "
                             "END",
                             refused);
  g_assert_cmpint (sqlite3_exec (raw, trigger, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (raw);

  /* Update: title, then the invite list (a deleted, refused fails). */
  g_ptr_array_set_size (conference->invites, 0);
  invite_schools (conference, refused, NULL);
  g_free (conference->title);
  conference->title = g_strdup ("Не сохранится");
  g_assert_false (lc_store_update_conference (f->store, conference, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_STORE);
  g_clear_error (&error);
  got = get_conference (f->store, conference->id);
  g_assert_cmpstr (got->title, ==, "Совместный урок физики");
  g_assert_cmpuint (got->invites->len, ==, 1);
  g_assert_cmpstr (((LcConferenceInvite *)g_ptr_array_index (got->invites, 0))->school_id, ==, a);

  /* Insert: no row without its invites. */
  invite_schools (fresh, a, refused, NULL);
  g_assert_false (lc_store_insert_conference (f->store, fresh, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_STORE);
  g_clear_error (&error);
  g_assert_null (lc_store_get_conference (f->store, fresh->id, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
}

typedef struct
{
  LcConference *good;
  LcConference *bad;
  gboolean fail_after;
} TxnData;

static gboolean
txn_insert_conferences (LcStore *store, gpointer user_data, GError **error)
{
  TxnData *d = user_data;
  g_autoptr (GError) local_error = NULL;

  /* The failed insert rolls back only itself: the transaction goes on. */
  g_assert_false (lc_store_insert_conference (store, d->bad, &local_error));
  assert_lc_error (local_error, LC_ERROR_INVALID, "invited_school_ids");
  if (!lc_store_insert_conference (store, d->good, error))
    return FALSE;
  if (d->fail_after)
    {
      lc_set_error (error, LC_ERROR_CONFLICT, NULL, "a booking rule failed");
      return FALSE;
    }
  return TRUE;
}

static void
test_conferences_transaction (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *host = add_school (f->store, "Школа № 57", "Хамовники");
  g_autofree char *a = add_school (f->store, "Школа № 1535", "Хамовники");
  g_autoptr (LcConference) good = conference_template (host, T0, T0 + HOUR);
  g_autoptr (LcConference) bad = conference_template (host, T0, T0 + HOUR);
  g_autoptr (LcConference) got = NULL;
  TxnData d = { good, bad, TRUE };

  invite_schools (good, a, NULL);
  invite_schools (bad, a, "AAAAAAAAAAAAAAAAAAAAAA", NULL);

  /* The caller's transaction fails after the insert: nothing stays. */
  g_assert_false (lc_store_transaction (f->store, txn_insert_conferences, &d, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_null (lc_store_get_conference (f->store, good->id, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* It succeeds: the good conference and its invite are committed. */
  d.fail_after = FALSE;
  g_assert_true (lc_store_transaction (f->store, txn_insert_conferences, &d, &error));
  g_assert_no_error (error);
  got = get_conference (f->store, good->id);
  g_assert_cmpuint (got->invites->len, ==, 1);
  g_assert_null (lc_store_get_conference (f->store, bad->id, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
}

/* ---- list ---- */

static void
test_conferences_list_school (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *s0 = add_school (f->store, "Школа № 57", "Хамовники");
  g_autofree char *s1 = add_school (f->store, "Школа № 1535", "Хамовники");
  g_autofree char *s2 = add_school (f->store, "Лицей № 2", "Раменки");
  g_autofree char *s3 = add_school (f->store, "Гимназия № 1567", "Раменки");
  /* c0: s0 hosts, s1 invited; c1: s1 hosts, s0 + s2 invited; c2: s2 hosts alone. */
  g_autofree char *c0
      = add_conference (f->store, s0, T0 + HOUR, T0 + 2 * HOUR, LC_CONFERENCE_SCHEDULED, s1, NULL);
  g_autofree char *c1 = add_conference (f->store, s1, T0 + 3 * HOUR, T0 + 4 * HOUR,
                                        LC_CONFERENCE_SCHEDULED, s0, s2, NULL);
  g_autofree char *c2 = add_conference (f->store, s2, T0, T0 + HOUR, LC_CONFERENCE_SCHEDULED, NULL);
  LcConferenceFilter filter = conference_filter ();
  g_autofree char *all = join_ids (c2, c0, c1, NULL);
  g_autofree char *of_s0 = join_ids (c0, c1, NULL);
  g_autofree char *of_s2 = join_ids (c2, c1, NULL);
  char *ids;

  ids = list_conference_ids (f->store, &filter); /* no filter: everything by starts_at */
  g_assert_cmpstr (ids, ==, all);
  g_free (ids);
  g_assert_cmpstr (ids = list_conference_ids (f->store, NULL), ==, all);
  g_free (ids);

  filter.school_id = s0; /* host of c0, invited to c1 */
  g_assert_cmpstr (ids = list_conference_ids (f->store, &filter), ==, of_s0);
  g_free (ids);
  filter.school_id = s1; /* invited to c0, host of c1 */
  g_assert_cmpstr (ids = list_conference_ids (f->store, &filter), ==, of_s0);
  g_free (ids);
  filter.school_id = s2; /* host of c2, invited to c1 */
  g_assert_cmpstr (ids = list_conference_ids (f->store, &filter), ==, of_s2);
  g_free (ids);
  filter.school_id = s3; /* nothing */
  g_assert_cmpstr (ids = list_conference_ids (f->store, &filter), ==, "");
  g_free (ids);

  /* A declined invitation still lists the conference (the school was invited). */
  g_assert_true (
      lc_store_set_invite_status (f->store, c1, s2, LC_INVITE_DECLINED, NULL, T0, &error));
  g_assert_no_error (error);
  filter.school_id = s2;
  g_assert_cmpstr (ids = list_conference_ids (f->store, &filter), ==, of_s2);
  g_free (ids);

  /* Every returned conference carries its own invites, in order. */
  {
    g_autoptr (GPtrArray) listed = NULL;
    g_autofree char *c1_invites = join_ids (s0, s2, NULL);
    g_autofree char *got = NULL;

    filter.school_id = NULL;
    listed = lc_store_list_conferences (f->store, &filter, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (listed->len, ==, 3);
    g_assert_cmpuint (((LcConference *)g_ptr_array_index (listed, 0))->invites->len, ==, 0);
    g_assert_cmpuint (((LcConference *)g_ptr_array_index (listed, 1))->invites->len, ==, 1);
    g_assert_cmpstr (((LcConferenceInvite *)g_ptr_array_index (
                          ((LcConference *)g_ptr_array_index (listed, 1))->invites, 0))
                         ->school_id,
                     ==, s1);
    got = invite_ids (g_ptr_array_index (listed, 2));
    g_assert_cmpstr (got, ==, c1_invites);
    g_assert_cmpint (lc_conference_find_invite (g_ptr_array_index (listed, 2), s2)->status, ==,
                     LC_INVITE_DECLINED);
  }
}

static void
test_conferences_list_overlap (Fixture *f, gconstpointer data)
{
  g_autofree char *s0 = add_school (f->store, "Школа № 57", "Хамовники");
  g_autofree char *s1 = add_school (f->store, "Школа № 1535", "Хамовники");
  /* c: [T0+1h, T0+2h) with s1 invited; before: [T0, T0+1h); after: [T0+2h, T0+3h). */
  g_autofree char *c
      = add_conference (f->store, s0, T0 + HOUR, T0 + 2 * HOUR, LC_CONFERENCE_SCHEDULED, s1, NULL);
  g_autofree char *before
      = add_conference (f->store, s0, T0, T0 + HOUR, LC_CONFERENCE_SCHEDULED, NULL);
  g_autofree char *after
      = add_conference (f->store, s1, T0 + 2 * HOUR, T0 + 3 * HOUR, LC_CONFERENCE_SCHEDULED, NULL);
  g_autofree char *before_c = join_ids (before, c, NULL);
  g_autofree char *c_after = join_ids (c, after, NULL);
  g_autofree char *all = join_ids (before, c, after, NULL);
  LcConferenceFilter filter = conference_filter ();
  char *ids;

  /* Exactly c's interval: the touching neighbours are excluded (half-open). */
  filter.overlaps_from = T0 + HOUR;
  filter.overlaps_before = T0 + 2 * HOUR;
  g_assert_cmpstr (ids = list_conference_ids (f->store, &filter), ==, c);
  g_free (ids);
  /* With a school too (host s0 / invitee s1 paths). */
  filter.school_id = s0;
  g_assert_cmpstr (ids = list_conference_ids (f->store, &filter), ==, c);
  g_free (ids);
  filter.school_id = s1;
  g_assert_cmpstr (ids = list_conference_ids (f->store, &filter), ==, c);
  g_free (ids);
  filter.school_id = NULL;

  /* A window ending where c starts does not overlap it; one second more does. */
  filter.overlaps_from = T0;
  filter.overlaps_before = T0 + HOUR;
  g_assert_cmpstr (ids = list_conference_ids (f->store, &filter), ==, before);
  g_free (ids);
  filter.overlaps_before = T0 + HOUR + 1;
  g_assert_cmpstr (ids = list_conference_ids (f->store, &filter), ==, before_c);
  g_free (ids);
  /* A window starting where c ends does not overlap it; one second earlier does. */
  filter.overlaps_from = T0 + 2 * HOUR;
  filter.overlaps_before = T0 + 10 * HOUR;
  g_assert_cmpstr (ids = list_conference_ids (f->store, &filter), ==, after);
  g_free (ids);
  filter.overlaps_from = T0 + 2 * HOUR - 1;
  g_assert_cmpstr (ids = list_conference_ids (f->store, &filter), ==, c_after);
  g_free (ids);
  /* A window inside c. */
  filter.overlaps_from = T0 + HOUR + 60;
  filter.overlaps_before = T0 + HOUR + 120;
  g_assert_cmpstr (ids = list_conference_ids (f->store, &filter), ==, c);
  g_free (ids);
  /* One bound only (0 = unbounded). */
  filter.overlaps_from = T0 + HOUR + 1;
  filter.overlaps_before = 0;
  g_assert_cmpstr (ids = list_conference_ids (f->store, &filter), ==, c_after);
  g_free (ids);
  filter.overlaps_from = 0;
  filter.overlaps_before = T0 + 2 * HOUR;
  g_assert_cmpstr (ids = list_conference_ids (f->store, &filter), ==, before_c);
  g_free (ids);
  filter.overlaps_before = 0;
  g_assert_cmpstr (ids = list_conference_ids (f->store, &filter), ==, all);
  g_free (ids);
  /* Nothing in an empty past window. */
  filter.overlaps_from = T0 - 10 * HOUR;
  filter.overlaps_before = T0;
  g_assert_cmpstr (ids = list_conference_ids (f->store, &filter), ==, "");
  g_free (ids);
}

static void
test_conferences_list_status (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *s0 = add_school (f->store, "Школа № 57", "Хамовники");
  g_autofree char *scheduled
      = add_conference (f->store, s0, T0, T0 + HOUR, LC_CONFERENCE_SCHEDULED, NULL);
  g_autofree char *ended
      = add_conference (f->store, s0, T0 + HOUR, T0 + 2 * HOUR, LC_CONFERENCE_ENDED, NULL);
  g_autofree char *cancelled
      = add_conference (f->store, s0, T0 + 2 * HOUR, T0 + 3 * HOUR, LC_CONFERENCE_CANCELLED, NULL);
  LcConferenceFilter filter = conference_filter ();
  g_autoptr (GPtrArray) none = NULL;
  char *ids;

  filter.status = LC_CONFERENCE_SCHEDULED;
  g_assert_cmpstr (ids = list_conference_ids (f->store, &filter), ==, scheduled);
  g_free (ids);
  filter.status = LC_CONFERENCE_ENDED;
  g_assert_cmpstr (ids = list_conference_ids (f->store, &filter), ==, ended);
  g_free (ids);
  filter.status = LC_CONFERENCE_CANCELLED;
  filter.school_id = s0;
  g_assert_cmpstr (ids = list_conference_ids (f->store, &filter), ==, cancelled);
  g_free (ids);

  filter.status = 3;
  none = lc_store_list_conferences (f->store, &filter, &error);
  g_assert_null (none);
  assert_lc_error (error, LC_ERROR_INVALID, "status");
  g_clear_error (&error);
  filter.status = -2;
  none = lc_store_list_conferences (f->store, &filter, &error);
  g_assert_null (none);
  assert_lc_error (error, LC_ERROR_INVALID, "status");
}

/* Walk every page of filter with page_size; the concatenation is the full list. */
static void
walk_conference_pages (LcStore *store, LcConferenceFilter filter, guint page_size)
{
  g_autofree char *full = list_conference_ids (store, &filter);
  g_autoptr (GString) walked = g_string_new (NULL);
  guint pages = 0;

  filter.limit = page_size;
  for (;;)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) page = lc_store_list_conferences (store, &filter, &error);
      const LcConference *last;

      g_assert_no_error (error);
      g_assert_cmpuint (page->len, <=, page_size);
      for (guint i = 0; i < page->len; i++)
        append_id (walked, ((LcConference *)g_ptr_array_index (page, i))->id);
      if (page->len < page_size)
        break;
      g_assert_cmpuint (++pages, <, 100);
      last = g_ptr_array_index (page, page->len - 1);
      filter.after_set = TRUE;
      filter.after_starts_at = last->starts_at;
      filter.after_id = g_intern_string (last->id);
    }
  g_assert_cmpstr (walked->str, ==, full);
}

static void
test_conferences_pagination (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *s0 = add_school (f->store, "Школа № 57", "Хамовники");
  g_autofree char *s1 = add_school (f->store, "Школа № 1535", "Хамовники");
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) page = NULL;
  LcConferenceFilter filter = conference_filter ();

  /* Seven conferences, three of them starting at the same time (ties broken by id);
   * s1 hosts some and is invited to others. */
  for (int i = 0; i < 7; i++)
    {
      gint64 starts = T0 + (i < 3 ? 0 : i) * HOUR;

      if (i % 2 == 0)
        g_ptr_array_add (ids, add_conference (f->store, s0, starts, starts + HOUR,
                                              LC_CONFERENCE_SCHEDULED, s1, NULL));
      else
        g_ptr_array_add (ids, add_conference (f->store, s1, starts, starts + HOUR,
                                              LC_CONFERENCE_SCHEDULED, NULL));
    }
  for (guint size = 1; size <= 8; size++)
    walk_conference_pages (f->store, filter, size);
  filter.school_id = s1;
  for (guint size = 1; size <= 3; size++)
    walk_conference_pages (f->store, filter, size);
  filter.school_id = NULL;
  filter.overlaps_from = T0 + 30 * 60;
  walk_conference_pages (f->store, filter, 2);

  /* The limit, and a cursor past the end. */
  filter = conference_filter ();
  filter.limit = 4;
  page = lc_store_list_conferences (f->store, &filter, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 4);
  g_clear_pointer (&page, g_ptr_array_unref);
  filter.after_set = TRUE;
  filter.after_starts_at = T0 + 6 * HOUR;
  filter.after_id = "~"; /* after any id */
  page = lc_store_list_conferences (f->store, &filter, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 0);
}

/* ---- invites ---- */

static void
test_conferences_invite_status (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *host = add_school (f->store, "Школа № 57", "Хамовники");
  g_autofree char *a = add_school (f->store, "Школа № 1535", "Хамовники");
  g_autofree char *b = add_school (f->store, "Лицей № 2", "Раменки");
  g_autofree char *other = add_school (f->store, "Гимназия № 1567", "Раменки");
  g_autofree char *coordinator = add_account (f->store, "coord.a", LC_ROLE_COORDINATOR, a);
  g_autofree char *id
      = add_conference (f->store, host, T0, T0 + HOUR, LC_CONFERENCE_SCHEDULED, a, b, NULL);
  g_autoptr (LcConference) got = NULL;
  LcConferenceInvite *invite;

  g_assert_true (lc_store_set_invite_status (f->store, id, a, LC_INVITE_ACCEPTED, coordinator,
                                             T0 - 60, &error));
  g_assert_no_error (error);
  got = get_conference (f->store, id);
  invite = lc_conference_find_invite (got, a);
  g_assert_cmpint (invite->status, ==, LC_INVITE_ACCEPTED);
  g_assert_cmpint (invite->responded_at, ==, T0 - 60);
  g_assert_cmpstr (invite->responded_by, ==, coordinator);
  g_assert_true (lc_conference_school_takes_part (got, a));
  invite = lc_conference_find_invite (got, b); /* the others are untouched */
  g_assert_cmpint (invite->status, ==, LC_INVITE_PENDING);
  g_assert_cmpint (invite->responded_at, ==, 0);
  g_assert_null (invite->responded_by);
  g_clear_pointer (&got, lc_conference_free);

  /* Declining an accepted one; no account (an operator removed later, a system change). */
  g_assert_true (
      lc_store_set_invite_status (f->store, id, a, LC_INVITE_DECLINED, NULL, T0 - 30, &error));
  g_assert_no_error (error);
  got = get_conference (f->store, id);
  invite = lc_conference_find_invite (got, a);
  g_assert_cmpint (invite->status, ==, LC_INVITE_DECLINED);
  g_assert_cmpint (invite->responded_at, ==, T0 - 30);
  g_assert_null (invite->responded_by);
  g_assert_false (lc_conference_school_takes_part (got, a));

  /* Not invited, the host itself, an unknown conference: not found. */
  g_assert_false (
      lc_store_set_invite_status (f->store, id, other, LC_INVITE_ACCEPTED, NULL, T0, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (
      lc_store_set_invite_status (f->store, id, host, LC_INVITE_ACCEPTED, NULL, T0, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lc_store_set_invite_status (f->store, "AAAAAAAAAAAAAAAAAAAAAA", a,
                                              LC_INVITE_ACCEPTED, NULL, T0, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (
      lc_store_set_invite_status (f->store, id, NULL, LC_INVITE_ACCEPTED, NULL, T0, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* Unknown account, unknown status. */
  g_assert_false (lc_store_set_invite_status (f->store, id, b, LC_INVITE_ACCEPTED,
                                              "AAAAAAAAAAAAAAAAAAAAAA", T0, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "account_id");
  g_clear_error (&error);
  g_assert_false (
      lc_store_set_invite_status (f->store, id, b, (LcInviteStatus)5, NULL, T0, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "status");
}

/* ---- attendance ---- */

static char *
add_attendance (LcStore *store, const char *conference_id, const char *participant_id,
                const char *school_id, gint64 joined_at, gint64 left_at)
{
  g_autoptr (LcAttendance) attendance = lc_attendance_new ();
  g_autoptr (GError) error = NULL;

  attendance->id = lc_id_new ();
  attendance->conference_id = g_strdup (conference_id);
  attendance->participant_id = g_strdup (participant_id);
  attendance->display_name = g_strdup ("Ученики 7Б");
  attendance->school_id = g_strdup (school_id);
  attendance->joined_at = joined_at;
  attendance->left_at = left_at;
  g_assert_true (lc_store_insert_attendance (store, attendance, &error));
  g_assert_no_error (error);
  return g_strdup (attendance->id);
}

static GPtrArray *
list_attendance (LcStore *store, const char *conference_id)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *rows = lc_store_list_attendance (store, conference_id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (rows);
  return rows;
}

static LcAttendance *
row (GPtrArray *rows, guint i)
{
  return g_ptr_array_index (rows, i);
}

static void
test_attendance (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *host = add_school (f->store, "Школа № 57", "Хамовники");
  g_autofree char *a = add_school (f->store, "Школа № 1535", "Хамовники");
  g_autofree char *coordinator = add_account (f->store, "coord.s57", LC_ROLE_COORDINATOR, host);
  g_autofree char *conf
      = add_conference (f->store, host, T0, T0 + HOUR, LC_CONFERENCE_SCHEDULED, a, NULL);
  g_autofree char *other
      = add_conference (f->store, a, T0, T0 + HOUR, LC_CONFERENCE_SCHEDULED, NULL);
  g_autoptr (LcAttendance) full = lc_attendance_new ();
  g_autoptr (GPtrArray) rows = NULL;
  g_autofree char *late = NULL;
  g_autofree char *early = NULL;
  g_autofree char *gone = NULL;
  g_autofree char *elsewhere = NULL;

  /* Every field round-trips. */
  full->id = lc_id_new ();
  full->conference_id = g_strdup (conf);
  full->participant_id = g_strdup_printf ("a:%s", coordinator);
  full->display_name = g_strdup ("Ирина Сергеевна");
  full->school_id = g_strdup (host);
  full->account_id = g_strdup (coordinator);
  full->role = LC_CONFERENCE_ROLE_HOST;
  full->joined_at = T0 + 120;
  g_assert_true (lc_store_insert_attendance (f->store, full, &error));
  g_assert_no_error (error);
  /* Inserted out of order: listed by (joined_at, id). */
  late = add_attendance (f->store, conf, "p-late", a, T0 + 600, 0);
  early = add_attendance (f->store, conf, "p-early", NULL, T0 + 60, 0);
  gone = add_attendance (f->store, conf, "p-gone", a, T0 + 300, T0 + 400);
  elsewhere = add_attendance (f->store, other, "p-else", a, T0 + 10, 0);

  rows = list_attendance (f->store, conf);
  g_assert_cmpuint (rows->len, ==, 4);
  g_assert_cmpstr (row (rows, 0)->id, ==, early);
  g_assert_null (row (rows, 0)->school_id);
  g_assert_null (row (rows, 0)->account_id);
  g_assert_cmpint (row (rows, 0)->role, ==, LC_CONFERENCE_ROLE_PARTICIPANT);
  g_assert_cmpstr (row (rows, 1)->id, ==, full->id);
  g_assert_cmpstr (row (rows, 1)->conference_id, ==, conf);
  g_assert_cmpstr (row (rows, 1)->participant_id, ==, full->participant_id);
  g_assert_cmpstr (row (rows, 1)->display_name, ==, "Ирина Сергеевна");
  g_assert_cmpstr (row (rows, 1)->school_id, ==, host);
  g_assert_cmpstr (row (rows, 1)->account_id, ==, coordinator);
  g_assert_cmpint (row (rows, 1)->role, ==, LC_CONFERENCE_ROLE_HOST);
  g_assert_cmpint (row (rows, 1)->joined_at, ==, T0 + 120);
  g_assert_cmpint (row (rows, 1)->left_at, ==, 0);
  g_assert_cmpstr (row (rows, 2)->id, ==, gone);
  g_assert_cmpint (row (rows, 2)->left_at, ==, T0 + 400);
  g_assert_cmpstr (row (rows, 3)->id, ==, late);
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* Leaving; never before joining; 0 reopens (a reconnect continuing the stay). */
  g_assert_true (lc_store_set_attendance_left (f->store, early, T0 + 90, &error));
  g_assert_no_error (error);
  g_assert_true (lc_store_set_attendance_left (f->store, late, T0 + 1, &error));
  g_assert_no_error (error);
  rows = list_attendance (f->store, conf);
  g_assert_cmpint (row (rows, 0)->left_at, ==, T0 + 90);
  g_assert_cmpint (row (rows, 3)->left_at, ==, T0 + 600); /* clamped to joined_at */
  g_clear_pointer (&rows, g_ptr_array_unref);
  g_assert_true (lc_store_set_attendance_left (f->store, late, 0, &error));
  rows = list_attendance (f->store, conf);
  g_assert_cmpint (row (rows, 3)->left_at, ==, 0);
  g_clear_pointer (&rows, g_ptr_array_unref);
  g_assert_false (lc_store_set_attendance_left (f->store, "AAAAAAAAAAAAAAAAAAAAAA", T0, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lc_store_set_attendance_left (f->store, NULL, T0, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* After a crash: every open row of any conference is closed, the others stay. */
  g_assert_cmpint (lc_store_close_open_attendance (f->store, T0 + 3000, &error), ==, 3);
  g_assert_no_error (error);
  rows = list_attendance (f->store, conf);
  g_assert_cmpint (row (rows, 0)->left_at, ==, T0 + 90);
  g_assert_cmpint (row (rows, 1)->left_at, ==, T0 + 3000);
  g_assert_cmpint (row (rows, 2)->left_at, ==, T0 + 400);
  g_assert_cmpint (row (rows, 3)->left_at, ==, T0 + 3000);
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = list_attendance (f->store, other);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (row (rows, 0)->id, ==, elsewhere);
  g_assert_cmpint (row (rows, 0)->left_at, ==, T0 + 3000);
  g_clear_pointer (&rows, g_ptr_array_unref);
  g_assert_cmpint (lc_store_close_open_attendance (f->store, T0 + 4000, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpint (lc_store_close_open_attendance (f->store, 0, &error), ==, -1);
  assert_lc_error (error, LC_ERROR_INVALID, "left_at");
  g_clear_error (&error);

  /* An unknown conference has no rows. */
  rows = list_attendance (f->store, "AAAAAAAAAAAAAAAAAAAAAA");
  g_assert_cmpuint (rows->len, ==, 0);
}

static void
test_attendance_invalid (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *host = add_school (f->store, "Школа № 57", "Хамовники");
  g_autofree char *conf
      = add_conference (f->store, host, T0, T0 + HOUR, LC_CONFERENCE_SCHEDULED, NULL);
  g_autoptr (LcAttendance) attendance = lc_attendance_new ();
  g_autoptr (GPtrArray) rows = NULL;
  sqlite3 *raw;

  attendance->id = lc_id_new ();
  attendance->conference_id = g_strdup ("AAAAAAAAAAAAAAAAAAAAAA");
  attendance->participant_id = g_strdup ("p");
  attendance->display_name = g_strdup ("Гость");
  attendance->joined_at = T0;
  g_assert_false (lc_store_insert_attendance (f->store, attendance, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "conference_id");
  g_clear_error (&error);
  g_clear_pointer (&attendance->conference_id, g_free);
  g_assert_false (lc_store_insert_attendance (f->store, attendance, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "conference_id");
  g_clear_error (&error);
  attendance->conference_id = g_strdup (conf);
  attendance->school_id = g_strdup ("AAAAAAAAAAAAAAAAAAAAAA");
  g_assert_false (lc_store_insert_attendance (f->store, attendance, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "school_id");
  g_clear_error (&error);
  g_clear_pointer (&attendance->school_id, g_free);
  attendance->account_id = g_strdup ("AAAAAAAAAAAAAAAAAAAAAA");
  g_assert_false (lc_store_insert_attendance (f->store, attendance, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "account_id");
  g_clear_error (&error);
  g_clear_pointer (&attendance->account_id, g_free);
  attendance->role = (LcConferenceRole)7;
  g_assert_false (lc_store_insert_attendance (f->store, attendance, &error));
  assert_lc_error (error, LC_ERROR_INVALID, "role");
  g_clear_error (&error);
  attendance->role = LC_CONFERENCE_ROLE_OBSERVER;
  g_assert_true (lc_store_insert_attendance (f->store, attendance, &error));
  g_assert_no_error (error);
  g_assert_false (lc_store_insert_attendance (f->store, attendance, &error));
  assert_lc_error (error, LC_ERROR_CONFLICT, "id");
  g_clear_error (&error);

  /* Rows and invites go with their conference. */
  raw = open_raw (f);
  g_assert_cmpint (
      sqlite3_exec (raw, "PRAGMA foreign_keys = ON; DELETE FROM conferences", NULL, NULL, NULL), ==,
      SQLITE_OK);
  sqlite3_close (raw);
  rows = list_attendance (f->store, conf);
  g_assert_cmpuint (rows->len, ==, 0);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/common/store/conferences/crud", test_conferences_crud);
  ADD ("/common/store/conferences/update", test_conferences_update);
  ADD ("/common/store/conferences/invalid", test_conferences_invalid);
  ADD ("/common/store/conferences/atomic", test_conferences_atomic);
  ADD ("/common/store/conferences/transaction", test_conferences_transaction);
  ADD ("/common/store/conferences/list-school", test_conferences_list_school);
  ADD ("/common/store/conferences/list-overlap", test_conferences_list_overlap);
  ADD ("/common/store/conferences/list-status", test_conferences_list_status);
  ADD ("/common/store/conferences/pagination", test_conferences_pagination);
  ADD ("/common/store/conferences/invite-status", test_conferences_invite_status);
  ADD ("/common/store/attendance/crud", test_attendance);
  ADD ("/common/store/attendance/invalid", test_attendance_invalid);
#undef ADD

  return g_test_run ();
}
