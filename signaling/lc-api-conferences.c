/* lc-api-conferences.c — /api/v1/conferences: booking conferences between
 * schools. List (school, time range, status; cursor paging) and get for staff
 * of the schools involved; create, update and cancel by a coordinator of the
 * host school or an operator; accept/decline per invited school; the dry-run
 * /check the booking page calls before submitting. Every booking rule comes
 * from lc-booking and runs inside lc_store_transaction together with the
 * write, so two bookings that would break a rule cannot both succeed. Join
 * links, room info, attendance, calendars and the public config live in
 * lc-api-calendar.c. */
#include "signaling/lc-api-private.h"

#include <string.h>

#include "common/lc-booking.h"

#define MAX_INVITED_SCHOOLS 50
#define DEFAULT_PARTICIPANTS_PER_SCHOOL 10

/* One table for create (REQUIRED members), PATCH and /check (partial; PATCH
 * refuses host_school_id, only /check takes id). invited_school_ids is an
 * array, which LcFieldSpec cannot describe: parse_conference_body checks it. */
static const LcFieldSpec conference_specs[] = {
  { "title", LC_FIELD_STRING, LC_FIELD_REQUIRED, 1, 200 },
  { "description", LC_FIELD_TEXT, LC_FIELD_OPTIONAL, 0, 5000 },
  { "agenda", LC_FIELD_TEXT, LC_FIELD_OPTIONAL, 0, 5000 },
  { "host_school_id", LC_FIELD_ID, LC_FIELD_OPTIONAL },
  { "starts_at", LC_FIELD_TIME, LC_FIELD_REQUIRED },
  { "ends_at", LC_FIELD_TIME, LC_FIELD_REQUIRED },
  { "max_participants_per_school", LC_FIELD_INT, LC_FIELD_OPTIONAL, 1, 1000 },
  { "waiting_room", LC_FIELD_BOOL, LC_FIELD_OPTIONAL },
  { "id", LC_FIELD_ID, LC_FIELD_OPTIONAL },
};

static const LcFieldSpec answer_specs[] = {
  { "school_id", LC_FIELD_ID, LC_FIELD_OPTIONAL },
};

static const char *const no_query[] = { NULL };
static const char *const list_query[]
    = { "school", "from", "to", "status", "cursor", "limit", NULL };

typedef enum
{
  BODY_CREATE,
  BODY_PATCH,
  BODY_CHECK,
} BodyKind;

/* ---- permissions (pure) ---- */

gboolean
lc_can_see_conference (const LcPrincipal *p, const LcConference *conference)
{
  const char *school_id;

  if (lc_principal_is_operator (p))
    return TRUE;
  if (p == NULL || p->account->school_id == NULL)
    return FALSE;
  school_id = p->account->school_id;
  return lc_principal_is_staff_of (p, conference->host_school_id)
         || (lc_principal_is_staff_of (p, school_id)
             && lc_conference_find_invite (conference, school_id) != NULL);
}

gboolean
lc_can_manage_conference (const LcPrincipal *p, const LcConference *conference)
{
  return lc_principal_is_operator (p)
         || lc_principal_is_coordinator_of (p, conference->host_school_id);
}

gboolean
lc_conference_account_role (const LcPrincipal *p, const LcConference *conference,
                            LcConferenceRole *role)
{
  if (lc_can_manage_conference (p, conference))
    {
      *role = LC_CONFERENCE_ROLE_HOST;
      return TRUE;
    }
  if (p != NULL && lc_principal_is_staff_of (p, p->account->school_id)
      && lc_conference_school_takes_part (conference, p->account->school_id))
    {
      *role = LC_CONFERENCE_ROLE_PARTICIPANT;
      return TRUE;
    }
  return FALSE;
}

gboolean
lc_conference_involves_school (const LcConference *conference, const char *school_id)
{
  return g_strcmp0 (conference->host_school_id, school_id) == 0
         || lc_conference_find_invite (conference, school_id) != NULL;
}

/* ---- loading and state ---- */

LcConference *
lc_api_get_conference (LcApi *api, LcRequest *req, GError **error)
{
  const char *id = lc_api_get_id_param (req, "conference", error);

  return id != NULL ? lc_store_get_conference (api->store, id, error) : NULL;
}

LcConference *
lc_api_get_visible_conference (LcApi *api, LcRequest *req, const LcPrincipal *p, GError **error)
{
  g_autoptr (LcConference) conference = lc_api_get_conference (api, req, error);

  if (conference == NULL)
    return NULL;
  if (!lc_can_see_conference (p, conference))
    {
      lc_set_error (error, LC_ERROR_NOT_FOUND, NULL, "no such conference");
      return NULL;
    }
  return g_steal_pointer (&conference);
}

gint64
lc_api_conference_opens_at (LcApi *api, const LcConference *conference)
{
  return conference->starts_at
         - lc_config_get_int (api->config, "conferences.room_opens_before") * 60;
}

LcConferenceStatus
lc_conference_effective_status (const LcConference *conference, gint64 now)
{
  if (conference->status == LC_CONFERENCE_SCHEDULED && now >= conference->ends_at)
    return LC_CONFERENCE_ENDED;
  return conference->status;
}

gboolean
lc_conference_require_changeable (const LcConference *conference, gint64 now, GError **error)
{
  LcConferenceStatus status = lc_conference_effective_status (conference, now);

  if (status == LC_CONFERENCE_SCHEDULED)
    return TRUE;
  lc_set_error (error, LC_ERROR_CONFLICT, NULL, "the conference is %s; it can no longer change",
                lc_conference_status_to_string (status));
  return FALSE;
}

static void
notify_hub (LcApi *api, const char *conference_id)
{
  if (api->conference_hub != NULL)
    lc_conference_hub_conference_changed (api->conference_hub, conference_id);
}

/* ---- JSON ---- */

void
lc_json_set_time (JsonObject *o, const char *name, gint64 t)
{
  g_autofree char *text = lc_time_format_rfc3339 (t);

  json_object_set_string_member (o, name, text);
}

JsonNode *
lc_school_summary_to_json (const LcSchool *school)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "id", school->id);
  json_object_set_string_member (o, "name", school->name);
  json_object_set_string_member (o, "short_name", school->short_name);
  json_object_set_string_member (o, "district", school->district);
  json_node_take_object (node, o);
  return node;
}

static JsonNode *
invite_to_json (LcLessonContext *ctx, const LcConferenceInvite *invite, GError **error)
{
  const LcSchool *school = lc_lesson_context_school (ctx, invite->school_id, error);
  JsonNode *node;
  JsonObject *o;

  if (school == NULL)
    return NULL;
  node = json_node_new (JSON_NODE_OBJECT);
  o = json_object_new ();
  json_object_set_member (o, "school", lc_school_summary_to_json (school));
  json_object_set_string_member (o, "status", lc_invite_status_to_string (invite->status));
  if (invite->responded_at != 0)
    lc_json_set_time (o, "responded_at", invite->responded_at);
  else
    json_object_set_null_member (o, "responded_at");
  json_node_take_object (node, o);
  return node;
}

JsonNode *
lc_conference_to_json (LcApi *api, LcLessonContext *ctx, const LcConference *conference,
                       GError **error)
{
  const LcSchool *host = lc_lesson_context_school (ctx, conference->host_school_id, error);
  g_autoptr (JsonArray) invites = NULL;
  g_autofree char *room_url = NULL;
  gint64 now = lc_time_now ();
  gint64 opens_at = lc_api_conference_opens_at (api, conference);
  LcConferenceStatus status = lc_conference_effective_status (conference, now);
  JsonNode *node;
  JsonObject *o;

  if (host == NULL)
    return NULL;
  invites = json_array_new ();
  for (guint i = 0; i < conference->invites->len; i++)
    {
      JsonNode *invite = invite_to_json (ctx, g_ptr_array_index (conference->invites, i), error);

      if (invite == NULL)
        return NULL;
      json_array_add_element (invites, invite);
    }

  o = json_object_new ();
  json_object_set_string_member (o, "id", conference->id);
  json_object_set_string_member (o, "title", conference->title);
  json_object_set_string_member (o, "description",
                                 conference->description != NULL ? conference->description : "");
  json_object_set_string_member (o, "agenda", conference->agenda != NULL ? conference->agenda : "");
  json_object_set_member (o, "host_school", lc_school_summary_to_json (host));
  json_object_set_array_member (o, "invites", g_steal_pointer (&invites));
  lc_json_set_time (o, "starts_at", conference->starts_at);
  lc_json_set_time (o, "ends_at", conference->ends_at);
  lc_json_set_time (o, "opens_at", opens_at);
  json_object_set_int_member (o, "max_participants_per_school",
                              conference->max_participants_per_school);
  json_object_set_boolean_member (o, "waiting_room", conference->waiting_room);
  json_object_set_string_member (o, "status", lc_conference_status_to_string (status));
  json_object_set_boolean_member (o, "live", status == LC_CONFERENCE_SCHEDULED && now >= opens_at);
  json_object_set_int_member (o, "participants_now",
                              api->conference_hub != NULL
                                  ? lc_conference_hub_count (api->conference_hub, conference->id)
                                  : 0);
  json_object_set_int_member (o, "sequence", conference->sequence);
  room_url = g_strdup_printf ("/room/%s", conference->id);
  json_object_set_string_member (o, "room_url", room_url);
  lc_json_set_time (o, "created_at", conference->created_at);
  lc_json_set_time (o, "updated_at", conference->updated_at);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, o);
  return node;
}

static gboolean
respond_conference (LcApi *api, LcRequest *req, guint status, const LcConference *conference,
                    GError **error)
{
  LcLessonContext ctx;
  g_autoptr (JsonNode) root = NULL;

  lc_api_lesson_context_init (api, &ctx);
  root = lc_conference_to_json (api, &ctx, conference, error);
  lc_lesson_context_clear (&ctx);
  if (root == NULL)
    return FALSE;
  if (status == 201)
    {
      g_autofree char *location = g_strdup_printf ("/api/v1/conferences/%s", conference->id);

      lc_request_set_header (req, "Location", location);
    }
  lc_request_respond_json (req, status, root);
  return TRUE;
}

/* ---- request bodies ---- */

/* invited_school_ids: 1..50 distinct school ids (existence is checked
 * against the store later). (transfer full) array of strings. */
static GPtrArray *
parse_school_ids (JsonNode *node, GError **error)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  JsonArray *array;
  guint n;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    goto bad;
  array = json_node_get_array (node);
  n = json_array_get_length (array);
  if (n == 0 || n > MAX_INVITED_SCHOOLS)
    {
      lc_set_error (error, LC_ERROR_INVALID, "invited_school_ids", "invite from 1 to %d schools",
                    MAX_INVITED_SCHOOLS);
      return NULL;
    }
  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      const char *id;

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        goto bad;
      id = json_node_get_string (element);
      if (!lc_id_is_valid (id))
        goto bad;
      for (guint j = 0; j < ids->len; j++)
        if (strcmp (g_ptr_array_index (ids, j), id) == 0)
          {
            lc_set_error (error, LC_ERROR_INVALID, "invited_school_ids",
                          "school %s is invited twice", id);
            return NULL;
          }
      g_ptr_array_add (ids, g_strdup (id));
    }
  return g_steal_pointer (&ids);

bad:
  lc_set_error (error, LC_ERROR_INVALID, "invited_school_ids",
                "invited_school_ids must be an array of school ids");
  return NULL;
}

static gboolean
refuse_member (JsonObject *o, const char *name, const char *why, GError **error)
{
  if (!lc_json_has (o, name))
    return TRUE;
  lc_set_error (error, LC_ERROR_INVALID, name, "%s", why);
  return FALSE;
}

static gboolean
require_member (JsonObject *o, const char *name, GError **error)
{
  if (lc_json_has (o, name))
    return TRUE;
  lc_set_error (error, LC_ERROR_INVALID, name, "%s is required", name);
  return FALSE;
}

/* Parse and validate a create/PATCH/check body. *invited: the parsed
 * invited_school_ids (NULL when absent). (transfer full) the object node. */
static JsonNode *
parse_conference_body (LcApi *api, LcRequest *req, BodyKind kind, GPtrArray **invited,
                       GError **error)
{
  g_autoptr (JsonNode) node = lc_request_parse_json (req, error);
  g_autoptr (JsonNode) ids = NULL;
  gint64 max_participants
      = lc_config_get_int (api->config, "conferences.max_participants_per_school");
  JsonObject *o;

  if (node == NULL)
    return NULL;
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      ids = json_object_dup_member (json_node_get_object (node), "invited_school_ids");
      json_object_remove_member (json_node_get_object (node), "invited_school_ids");
    }
  if (!lc_json_validate (node, conference_specs, G_N_ELEMENTS (conference_specs),
                         kind != BODY_CREATE, error))
    return NULL;
  o = json_node_get_object (node);

  if ((kind != BODY_CHECK && !refuse_member (o, "id", "unknown field \"id\"", error))
      || (kind == BODY_PATCH
          && !refuse_member (o, "host_school_id", "the host school of a conference cannot change",
                             error))
      || (kind == BODY_CHECK
          && (!require_member (o, "starts_at", error) || !require_member (o, "ends_at", error))))
    return NULL;
  if (lc_json_has (o, "max_participants_per_school")
      && json_object_get_int_member (o, "max_participants_per_school") > max_participants)
    {
      lc_set_error (error, LC_ERROR_INVALID, "max_participants_per_school",
                    "max_participants_per_school must be from 1 to %" G_GINT64_FORMAT,
                    max_participants);
      return NULL;
    }
  if (ids != NULL)
    {
      *invited = parse_school_ids (ids, error);
      if (*invited == NULL)
        return NULL;
      /* Back in, so that audit details name every member sent. */
      json_object_set_member (o, "invited_school_ids", g_steal_pointer (&ids));
    }
  else if (kind == BODY_CREATE)
    {
      lc_set_error (error, LC_ERROR_INVALID, "invited_school_ids",
                    "invited_school_ids is required");
      return NULL;
    }
  return g_steal_pointer (&node);
}

/* The optional {"school_id"} of accept/decline: an empty body is {}. */
static JsonNode *
parse_answer_body (LcRequest *req, GError **error)
{
  if (g_bytes_get_size (lc_request_get_body (req)) == 0)
    {
      JsonNode *empty = json_node_new (JSON_NODE_OBJECT);

      json_node_take_object (empty, json_object_new ());
      return empty;
    }
  return lc_api_parse_body (req, answer_specs, G_N_ELEMENTS (answer_specs), FALSE, error);
}

/* The host school of a new conference by the caller's role: an operator names
 * an existing one, a coordinator books for their own school. */
static char *
resolve_host_school (LcApi *api, const LcPrincipal *p, JsonObject *o, GError **error)
{
  const char *want = lc_json_string (o, "host_school_id");

  if (lc_principal_is_operator (p))
    {
      if (want == NULL)
        {
          lc_set_error (error, LC_ERROR_INVALID, "host_school_id", "host_school_id is required");
          return NULL;
        }
      if (!lc_api_check_school_exists (api, want, "host_school_id", error))
        return NULL;
      return g_strdup (want);
    }
  if (p->account->role != LC_ROLE_COORDINATOR || p->account->school_id == NULL)
    {
      lc_set_error (error, LC_ERROR_FORBIDDEN, NULL,
                    "only coordinators and operators book conferences");
      return NULL;
    }
  if (want != NULL && strcmp (want, p->account->school_id) != 0)
    {
      lc_set_error (error, LC_ERROR_FORBIDDEN, NULL,
                    "coordinators book conferences of their own school only");
      return NULL;
    }
  return g_strdup (p->account->school_id);
}

/* Every invited school exists and is not the host (422 invited_school_ids). */
static gboolean
check_invited_schools (LcApi *api, const char *host_school_id, GPtrArray *invited, GError **error)
{
  for (guint i = 0; i < invited->len; i++)
    {
      const char *id = g_ptr_array_index (invited, i);
      g_autoptr (LcSchool) school = NULL;
      g_autoptr (GError) local_error = NULL;

      if (strcmp (id, host_school_id) == 0)
        {
          lc_set_error (error, LC_ERROR_INVALID, "invited_school_ids",
                        "the host school cannot invite itself");
          return FALSE;
        }
      school = lc_store_get_school (api->store, id, &local_error);
      if (school == NULL)
        {
          if (g_error_matches (local_error, LC_ERROR, LC_ERROR_NOT_FOUND))
            lc_set_error (error, LC_ERROR_INVALID, "invited_school_ids", "no such school: %s", id);
          else
            g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  return TRUE;
}

/* Replace a string member when the body sets another value; TRUE if changed. */
static gboolean
apply_string (char **field, JsonObject *o, const char *name)
{
  const char *value;

  if (!lc_json_has (o, name))
    return FALSE;
  value = lc_json_string (o, name);
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

/* Title, description, agenda, participants limit, waiting room; TRUE if
 * anything changed. */
static gboolean
apply_simple_fields (LcConference *conference, JsonObject *o)
{
  gboolean changed = FALSE;

  changed |= apply_string (&conference->title, o, "title");
  changed |= apply_string (&conference->description, o, "description");
  changed |= apply_string (&conference->agenda, o, "agenda");
  if (lc_json_has (o, "max_participants_per_school"))
    {
      int value = (int)json_object_get_int_member (o, "max_participants_per_school");

      changed |= value != conference->max_participants_per_school;
      conference->max_participants_per_school = value;
    }
  if (lc_json_has (o, "waiting_room"))
    {
      gboolean value = json_object_get_boolean_member (o, "waiting_room");

      changed |= value != conference->waiting_room;
      conference->waiting_room = value;
    }
  return changed;
}

/* starts_at/ends_at from the body (absent ones keep their value); TRUE in
 * *changed when either moved. An unchanged start may already lie in the past
 * (editing a conference whose room is open): limits->now moves back to it. */
static gboolean
apply_times (LcConference *conference, JsonObject *o, gboolean *changed, LcBookingLimits *limits,
             GError **error)
{
  gint64 starts_at = conference->starts_at;
  gint64 ends_at = conference->ends_at;

  if ((lc_json_has (o, "starts_at")
       && !lc_time_parse_rfc3339 (lc_json_string (o, "starts_at"), "starts_at", &starts_at, error))
      || (lc_json_has (o, "ends_at")
          && !lc_time_parse_rfc3339 (lc_json_string (o, "ends_at"), "ends_at", &ends_at, error)))
    return FALSE;
  *changed = starts_at != conference->starts_at || ends_at != conference->ends_at;
  if (conference->id != NULL && starts_at == conference->starts_at)
    limits->now = MIN (limits->now, starts_at);
  conference->starts_at = starts_at;
  conference->ends_at = ends_at;
  return TRUE;
}

/* The invite list becomes invited (in that order): schools still invited keep
 * their answer, new ones are pending. TRUE if the list changed. */
static gboolean
apply_invited (LcConference *conference, GPtrArray *invited)
{
  g_autoptr (GPtrArray) invites
      = g_ptr_array_new_with_free_func ((GDestroyNotify)lc_conference_invite_free);
  gboolean changed = invited->len != conference->invites->len;

  for (guint i = 0; i < invited->len; i++)
    {
      const char *id = g_ptr_array_index (invited, i);
      const LcConferenceInvite *old = lc_conference_find_invite (conference, id);
      const LcConferenceInvite *at_i
          = i < conference->invites->len ? g_ptr_array_index (conference->invites, i) : NULL;

      changed |= at_i == NULL || strcmp (at_i->school_id, id) != 0;
      g_ptr_array_add (invites, old != NULL ? lc_conference_invite_copy (old)
                                            : lc_conference_invite_new (id, LC_INVITE_PENDING));
    }
  g_ptr_array_unref (conference->invites);
  conference->invites = g_steal_pointer (&invites);
  return changed;
}

/* New times: every invited school is asked again. */
static void
reset_invites (LcConference *conference)
{
  for (guint i = 0; i < conference->invites->len; i++)
    {
      LcConferenceInvite *invite = g_ptr_array_index (conference->invites, i);

      invite->status = LC_INVITE_PENDING;
      invite->responded_at = 0;
      g_clear_pointer (&invite->responded_by, g_free);
    }
}

/* ---- booking rules against the store ---- */

static void
booking_limits_init (LcApi *api, gint64 now, LcBookingLimits *limits)
{
  limits->now = now;
  limits->past_tolerance = LC_API_START_TOLERANCE;
  limits->max_duration = lc_config_get_int (api->config, "conferences.max_duration") * 60;
  limits->buffer = lc_config_get_int (api->config, "conferences.buffer") * 60;
  limits->max_concurrent = (guint)lc_config_get_int (api->config, "conferences.max_concurrent");
}

/* Scheduled conferences overlapping [from, to); with school_id, only those
 * the school takes part in (host or accepted). (transfer full) */
static GPtrArray *
list_scheduled (LcStore *store, const char *school_id, gint64 from, gint64 to, GError **error)
{
  LcConferenceFilter filter = { .school_id = school_id,
                                .status = LC_CONFERENCE_SCHEDULED,
                                .overlaps_from = from,
                                .overlaps_before = to };
  GPtrArray *rows = lc_store_list_conferences (store, &filter, error);

  if (rows == NULL || school_id == NULL)
    return rows;
  for (guint i = rows->len; i > 0; i--)
    if (!lc_conference_school_takes_part (g_ptr_array_index (rows, i - 1), school_id))
      g_ptr_array_remove_index (rows, i - 1);
  return rows;
}

/* Intervals of rows (pointing into them: keep rows alive). (transfer full) */
static GArray *
intervals_of (GPtrArray *rows)
{
  GArray *intervals = g_array_sized_new (FALSE, TRUE, sizeof (LcBookingInterval), rows->len);

  for (guint i = 0; i < rows->len; i++)
    {
      const LcConference *c = g_ptr_array_index (rows, i);
      LcBookingInterval interval = { c->id, c->starts_at, c->ends_at };

      g_array_append_val (intervals, interval);
    }
  return intervals;
}

static void
interval_of (const LcConference *conference, LcBookingInterval *interval)
{
  interval->id = conference->id;
  interval->starts_at = conference->starts_at;
  interval->ends_at = conference->ends_at;
}

/* All the rules for the host school: times, clash (with conflict_id),
 * server-wide capacity. */
static gboolean
check_booking (LcStore *store, const LcBookingLimits *limits, const LcConference *conference,
               GError **error)
{
  g_autoptr (GPtrArray) busy_rows = NULL;
  g_autoptr (GPtrArray) active_rows = NULL;
  g_autoptr (GArray) busy = NULL;
  g_autoptr (GArray) active = NULL;
  LcBookingInterval candidate;

  if (!lc_booking_check_times (limits, conference->starts_at, conference->ends_at, error))
    return FALSE;
  busy_rows
      = list_scheduled (store, conference->host_school_id, conference->starts_at - limits->buffer,
                        conference->ends_at + limits->buffer, error);
  if (busy_rows == NULL)
    return FALSE;
  active_rows = list_scheduled (store, NULL, conference->starts_at, conference->ends_at, error);
  if (active_rows == NULL)
    return FALSE;
  busy = intervals_of (busy_rows);
  active = intervals_of (active_rows);
  interval_of (conference, &candidate);
  return lc_booking_check (limits, &candidate, (const LcBookingInterval *)busy->data, busy->len,
                           (const LcBookingInterval *)active->data, active->len, error);
}

typedef struct
{
  LcApi *api;
  gint64 now;
  /* create: the new conference; PATCH: NULL */
  const LcConference *draft;
  /* PATCH: the conference id, the body and its invited_school_ids (nullable) */
  const char *id;
  JsonObject *patch;
  GPtrArray *invited;
  /* out */
  LcConference *result;
  gboolean changed;
} BookingTxn;

/* Inside the transaction: (re)read, apply, check the rules, write. */
static gboolean
book_in_transaction (LcStore *store, gpointer user_data, GError **error)
{
  BookingTxn *txn = user_data;
  g_autoptr (LcConference) conference = NULL;
  LcBookingLimits limits;
  gboolean times_changed = TRUE;

  booking_limits_init (txn->api, txn->now, &limits);
  if (txn->draft != NULL)
    conference = lc_conference_copy (txn->draft);
  else
    {
      conference = lc_store_get_conference (store, txn->id, error);
      if (conference == NULL || !lc_conference_require_changeable (conference, txn->now, error))
        return FALSE;
      txn->changed = apply_simple_fields (conference, txn->patch);
      if (!apply_times (conference, txn->patch, &times_changed, &limits, error))
        return FALSE;
      if (times_changed && conference->ends_at <= txn->now)
        {
          lc_set_error (error, LC_ERROR_INVALID, "ends_at", "ends_at is in the past");
          return FALSE;
        }
      if (txn->invited != NULL)
        txn->changed |= apply_invited (conference, txn->invited);
      if (times_changed)
        reset_invites (conference);
      txn->changed |= times_changed;
      if (txn->changed)
        {
          conference->sequence++;
          conference->updated_at = txn->now;
        }
    }

  if (times_changed && !check_booking (store, &limits, conference, error))
    return FALSE;
  if (txn->draft != NULL ? !lc_store_insert_conference (store, conference, error)
                         : txn->changed && !lc_store_update_conference (store, conference, error))
    return FALSE;
  txn->result = g_steal_pointer (&conference);
  return TRUE;
}

/* ---- list, get ---- */

typedef struct
{
  const char *other_school; /* staff asking about another school: rows involving it */
  int status;               /* LcConferenceStatus as shown (effective), or -1 */
  gint64 now;
} ListPostFilter;

static gboolean
parse_list_filter (const LcPrincipal *p, LcRequest *req, LcConferenceFilter *filter,
                   ListPostFilter *post, GError **error)
{
  const char *school = lc_request_get_query (req, "school");
  const char *status = lc_request_get_query (req, "status");
  LcConferenceStatus s;

  if (school != NULL && !lc_id_is_valid (school))
    {
      lc_set_error (error, LC_ERROR_INVALID, "school", "school must be a school id");
      return FALSE;
    }
  if (lc_principal_is_operator (p))
    filter->school_id = school;
  else
    {
      filter->school_id = p->account->school_id;
      if (school != NULL && g_strcmp0 (school, p->account->school_id) != 0)
        post->other_school = school;
    }

  filter->status = post->status = -1;
  if (status != NULL)
    {
      if (!lc_conference_status_from_string (status, &s))
        {
          lc_set_error (error, LC_ERROR_INVALID, "status",
                        "status must be scheduled, ended or cancelled");
          return FALSE;
        }
      post->status = (int)s;
      /* Scheduled ones past their end show as ended: the store filters on the
       * stored status only where that is exact. */
      if (s != LC_CONFERENCE_ENDED)
        filter->status = (int)s;
    }
  return lc_api_parse_time_range (req, &filter->overlaps_from, &filter->overlaps_before, error);
}

static gboolean
post_filter_keeps (const ListPostFilter *post, const LcConference *conference)
{
  if (post->other_school != NULL && !lc_conference_involves_school (conference, post->other_school))
    return FALSE;
  return post->status < 0
         || (int)lc_conference_effective_status (conference, post->now) == post->status;
}

static gboolean
route_conferences_list (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);
  g_autoptr (JsonArray) cursor = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (JsonArray) items = NULL;
  g_autofree char *next = NULL;
  LcConferenceFilter filter = { 0 };
  ListPostFilter post = { .now = lc_time_now () };
  LcLessonContext ctx;
  gboolean ok = TRUE;
  guint limit;

  if (p == NULL || !lc_api_check_query (req, list_query, error)
      || !lc_api_parse_limit (api, req, &limit, error)
      || !parse_list_filter (p, req, &filter, &post, error))
    return FALSE;
  items = json_array_new ();
  if (!lc_principal_is_operator (p) && p->account->school_id == NULL)
    {
      lc_api_respond_list (req, g_steal_pointer (&items), NULL);
      return TRUE;
    }
  if (!lc_api_time_cursor_parse (req, &filter.after_set, &filter.after_starts_at, &filter.after_id,
                                 &cursor, error))
    return FALSE;
  filter.limit = limit + 1;
  rows = lc_store_list_conferences (api->store, &filter, error);
  if (rows == NULL)
    return FALSE;

  /* Rows the post-filter drops leave a page short; the cursor still follows
   * the store's order, so paging goes on correctly. */
  lc_api_lesson_context_init (api, &ctx);
  for (guint i = 0; ok && i < rows->len && i < limit; i++)
    {
      const LcConference *conference = g_ptr_array_index (rows, i);
      JsonNode *node;

      if (!post_filter_keeps (&post, conference))
        continue;
      node = lc_conference_to_json (api, &ctx, conference, error);
      if (node != NULL)
        json_array_add_element (items, node);
      ok = node != NULL;
    }
  lc_lesson_context_clear (&ctx);
  if (!ok)
    return FALSE;
  if (rows->len > limit)
    {
      const LcConference *last = g_ptr_array_index (rows, limit - 1);

      next = lc_api_time_cursor_encode (last->starts_at, last->id);
    }
  lc_api_respond_list (req, g_steal_pointer (&items), next);
  return TRUE;
}

static gboolean
route_conference_get (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);
  g_autoptr (LcConference) conference = NULL;

  if (p == NULL || !lc_api_check_query (req, no_query, error))
    return FALSE;
  conference = lc_api_get_visible_conference (api, req, p, error);
  if (conference == NULL)
    return FALSE;
  return respond_conference (api, req, 200, conference, error);
}

/* ---- create, update, cancel ---- */

/* The caller, who may manage the request's conference: 401 anonymous, 404
 * when they cannot see it, 403 when they only see it. */
static LcPrincipal *
require_manager (LcApi *api, LcRequest *req, LcConference **conference_out, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);
  g_autoptr (LcConference) conference = NULL;

  if (p == NULL || !lc_api_check_query (req, no_query, error))
    return NULL;
  conference = lc_api_get_visible_conference (api, req, p, error);
  if (conference == NULL)
    return NULL;
  if (!lc_can_manage_conference (p, conference))
    {
      lc_set_error (error, LC_ERROR_FORBIDDEN, NULL,
                    "only a coordinator of the host school or an operator may do this");
      return NULL;
    }
  *conference_out = g_steal_pointer (&conference);
  return g_steal_pointer (&p);
}

static gboolean
route_conference_create (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (GPtrArray) invited = NULL;
  g_autoptr (LcConference) draft = NULL;
  BookingTxn txn = { .api = api, .now = lc_time_now () };
  g_autoptr (LcConference) created = NULL;
  g_autofree char *details = NULL;
  JsonObject *o;

  if (p == NULL || !lc_api_check_query (req, no_query, error))
    return FALSE;
  body = parse_conference_body (api, req, BODY_CREATE, &invited, error);
  if (body == NULL)
    return FALSE;
  o = json_node_get_object (body);

  draft = lc_conference_new ();
  draft->host_school_id = resolve_host_school (api, p, o, error);
  if (draft->host_school_id == NULL
      || !check_invited_schools (api, draft->host_school_id, invited, error)
      || !lc_time_parse_rfc3339 (lc_json_string (o, "starts_at"), "starts_at", &draft->starts_at,
                                 error)
      || !lc_time_parse_rfc3339 (lc_json_string (o, "ends_at"), "ends_at", &draft->ends_at, error))
    return FALSE;
  draft->id = lc_id_new ();
  draft->description = g_strdup ("");
  draft->agenda = g_strdup ("");
  draft->max_participants_per_school
      = (int)MIN (DEFAULT_PARTICIPANTS_PER_SCHOOL,
                  lc_config_get_int (api->config, "conferences.max_participants_per_school"));
  apply_simple_fields (draft, o);
  apply_invited (draft, invited);
  draft->created_by = g_strdup (p->account->id);
  draft->status = LC_CONFERENCE_SCHEDULED;
  draft->sequence = 0;
  draft->created_at = draft->updated_at = txn.now;

  txn.draft = draft;
  if (!lc_store_transaction (api->store, book_in_transaction, &txn, error))
    {
      g_clear_pointer (&txn.result, lc_conference_free);
      return FALSE;
    }
  created = g_steal_pointer (&txn.result);
  details = g_strdup_printf ("{\"host_school_id\":\"%s\",\"invited\":%u}", created->host_school_id,
                             created->invites->len);
  lc_api_audit (api, req, p, "conference.create", "conference", created->id, details);
  return respond_conference (api, req, 201, created, error);
}

static gboolean
route_conference_patch (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcConference) conference = NULL;
  g_autoptr (LcPrincipal) p = require_manager (api, req, &conference, error);
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (GPtrArray) invited = NULL;
  g_autoptr (LcConference) updated = NULL;
  g_autofree char *details = NULL;
  BookingTxn txn = { .api = api, .now = lc_time_now () };

  if (p == NULL || !lc_conference_require_changeable (conference, txn.now, error))
    return FALSE;
  body = parse_conference_body (api, req, BODY_PATCH, &invited, error);
  if (body == NULL
      || (invited != NULL
          && !check_invited_schools (api, conference->host_school_id, invited, error)))
    return FALSE;

  txn.id = conference->id;
  txn.patch = json_node_get_object (body);
  txn.invited = invited;
  if (!lc_store_transaction (api->store, book_in_transaction, &txn, error))
    {
      g_clear_pointer (&txn.result, lc_conference_free);
      return FALSE;
    }
  updated = g_steal_pointer (&txn.result);
  details = lc_api_fields_json (txn.patch);
  lc_api_audit (api, req, p, "conference.update", "conference", updated->id, details);
  if (txn.changed)
    notify_hub (api, updated->id);
  return respond_conference (api, req, 200, updated, error);
}

static gboolean
route_conference_cancel (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcConference) conference = NULL;
  g_autoptr (LcPrincipal) p = require_manager (api, req, &conference, error);
  gint64 now = lc_time_now ();

  if (p == NULL || !lc_conference_require_changeable (conference, now, error))
    return FALSE;
  conference->status = LC_CONFERENCE_CANCELLED;
  conference->sequence++;
  conference->updated_at = now;
  if (!lc_store_update_conference (api->store, conference, error))
    return FALSE;
  lc_api_audit (api, req, p, "conference.cancel", "conference", conference->id, NULL);
  notify_hub (api, conference->id);
  return respond_conference (api, req, 200, conference, error);
}

/* ---- accept, decline ---- */

typedef struct
{
  LcApi *api;
  const char *id;
  const char *school_id;
  const char *account_id;
  LcInviteStatus answer;
  gint64 now;
  LcConference *result; /* out */
} AnswerTxn;

/* A school about to accept must not be busy then (host or accepted elsewhere,
 * with the buffer): 409 naming the other conference. */
static gboolean
check_school_free (LcApi *api, LcStore *store, const LcConference *conference,
                   const char *school_id, GError **error)
{
  gint64 buffer = lc_config_get_int (api->config, "conferences.buffer") * 60;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GArray) busy = NULL;
  g_autofree char *starts = NULL;
  g_autofree char *ends = NULL;
  const LcBookingInterval *clash;
  LcBookingInterval candidate;
  GError *conflict;

  rows = list_scheduled (store, school_id, conference->starts_at - buffer,
                         conference->ends_at + buffer, error);
  if (rows == NULL)
    return FALSE;
  busy = intervals_of (rows);
  interval_of (conference, &candidate);
  clash = lc_booking_find_clash (&candidate, (const LcBookingInterval *)busy->data, busy->len,
                                 buffer);
  if (clash == NULL)
    return TRUE;
  for (guint i = 0; i < rows->len; i++)
    {
      const LcConference *other = g_ptr_array_index (rows, i);

      if (strcmp (other->id, clash->id) != 0)
        continue;
      starts = lc_time_format_rfc3339 (other->starts_at);
      ends = lc_time_format_rfc3339 (other->ends_at);
      conflict = g_error_new (LC_ERROR, LC_ERROR_CONFLICT,
                              "the school already takes part in \"%s\" from %s to %s", other->title,
                              starts, ends);
      lc_error_set_conflict_id (conflict, other->id);
      g_propagate_error (error, conflict);
      return FALSE;
    }
  lc_set_error (error, LC_ERROR_INTERNAL, NULL, "clash with an unknown conference");
  return FALSE;
}

static gboolean
answer_in_transaction (LcStore *store, gpointer user_data, GError **error)
{
  AnswerTxn *txn = user_data;
  g_autoptr (LcConference) conference = lc_store_get_conference (store, txn->id, error);
  const LcConferenceInvite *invite;

  if (conference == NULL || !lc_conference_require_changeable (conference, txn->now, error))
    return FALSE;
  invite = lc_conference_find_invite (conference, txn->school_id);
  if (invite == NULL)
    {
      lc_set_error (error, LC_ERROR_INVALID, "school_id", "that school is not invited");
      return FALSE;
    }
  if (invite->status != txn->answer)
    {
      if (txn->answer == LC_INVITE_ACCEPTED
          && !check_school_free (txn->api, store, conference, txn->school_id, error))
        return FALSE;
      if (!lc_store_set_invite_status (store, txn->id, txn->school_id, txn->answer, txn->account_id,
                                       txn->now, error))
        return FALSE;
      g_clear_pointer (&conference, lc_conference_free);
      conference = lc_store_get_conference (store, txn->id, error);
      if (conference == NULL)
        return FALSE;
    }
  txn->result = g_steal_pointer (&conference);
  return TRUE;
}

/* Which invited school answers: a coordinator's own (403 when it is not
 * invited or another is named), an operator's school_id (required). */
static const char *
resolve_answering_school (const LcPrincipal *p, const LcConference *conference, JsonObject *o,
                          GError **error)
{
  const char *want = lc_json_string (o, "school_id");
  const char *own = p->account->school_id;

  if (lc_principal_is_operator (p))
    {
      if (want == NULL)
        lc_set_error (error, LC_ERROR_INVALID, "school_id", "school_id is required");
      return want;
    }
  if (p->account->role != LC_ROLE_COORDINATOR || own == NULL)
    {
      lc_set_error (error, LC_ERROR_FORBIDDEN, NULL,
                    "only a coordinator of the invited school or an operator may answer");
      return NULL;
    }
  if ((want != NULL && strcmp (want, own) != 0)
      || lc_conference_find_invite (conference, own) == NULL)
    {
      lc_set_error (error, LC_ERROR_FORBIDDEN, NULL,
                    "coordinators answer invitations of their own school only");
      return NULL;
    }
  return own;
}

static gboolean
route_conference_answer (LcApi *api, LcRequest *req, LcInviteStatus answer, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);
  g_autoptr (LcConference) conference = NULL;
  g_autoptr (JsonNode) body = NULL;
  g_autofree char *details = NULL;
  AnswerTxn txn = { .api = api, .answer = answer, .now = lc_time_now () };
  g_autoptr (LcConference) answered = NULL;

  if (p == NULL || !lc_api_check_query (req, no_query, error))
    return FALSE;
  conference = lc_api_get_visible_conference (api, req, p, error);
  if (conference == NULL)
    return FALSE;
  body = parse_answer_body (req, error);
  if (body == NULL)
    return FALSE;
  txn.school_id = resolve_answering_school (p, conference, json_node_get_object (body), error);
  if (txn.school_id == NULL)
    return FALSE;
  txn.id = conference->id;
  txn.account_id = p->account->id;
  if (!lc_store_transaction (api->store, answer_in_transaction, &txn, error))
    {
      g_clear_pointer (&txn.result, lc_conference_free);
      return FALSE;
    }
  answered = g_steal_pointer (&txn.result);
  details = g_strdup_printf ("{\"school_id\":\"%s\"}", txn.school_id);
  lc_api_audit (api, req, p,
                answer == LC_INVITE_ACCEPTED ? "conference.accept" : "conference.decline",
                "conference", answered->id, details);
  /* A decline takes the school's participants out of an open room. */
  notify_hub (api, answered->id);
  return respond_conference (api, req, 200, answered, error);
}

static gboolean
route_conference_accept (LcApi *api, LcRequest *req, GError **error)
{
  return route_conference_answer (api, req, LC_INVITE_ACCEPTED, error);
}

static gboolean
route_conference_decline (LcApi *api, LcRequest *req, GError **error)
{
  return route_conference_answer (api, req, LC_INVITE_DECLINED, error);
}

/* ---- dry run ---- */

static void
add_times_problem (JsonArray *problems, const GError *problem)
{
  JsonObject *o = json_object_new ();
  const char *field = lc_error_get_field (problem);

  json_object_set_string_member (o, "kind", "times");
  json_object_set_string_member (o, "field", field != NULL ? field : "starts_at");
  json_object_set_string_member (o, "detail", problem->message);
  json_array_add_object_element (problems, o);
}

/* One "clash" problem per conference of school_id that clashes with candidate. */
static gboolean
add_clash_problems (LcStore *store, JsonArray *problems, const LcBookingInterval *candidate,
                    const char *school_id, gint64 buffer, GError **error)
{
  g_autoptr (GPtrArray) rows = list_scheduled (store, school_id, candidate->starts_at - buffer,
                                               candidate->ends_at + buffer, error);

  if (rows == NULL)
    return FALSE;
  for (guint i = 0; i < rows->len; i++)
    {
      const LcConference *other = g_ptr_array_index (rows, i);
      LcBookingInterval interval;
      JsonObject *o;

      interval_of (other, &interval);
      if (g_strcmp0 (other->id, candidate->id) == 0
          || !lc_booking_intervals_clash (candidate, &interval, buffer))
        continue;
      o = json_object_new ();
      json_object_set_string_member (o, "school_id", school_id);
      json_object_set_string_member (o, "kind", "clash");
      json_object_set_string_member (o, "conflict_id", other->id);
      json_object_set_string_member (o, "title", other->title);
      lc_json_set_time (o, "starts_at", other->starts_at);
      lc_json_set_time (o, "ends_at", other->ends_at);
      json_array_add_object_element (problems, o);
    }
  return TRUE;
}

static gboolean
add_capacity_problem (LcStore *store, JsonArray *problems, const LcBookingInterval *candidate,
                      guint limit, GError **error)
{
  g_autoptr (GPtrArray) rows
      = list_scheduled (store, NULL, candidate->starts_at, candidate->ends_at, error);
  g_autoptr (GArray) active = NULL;
  gint64 from = 0, to = 0;
  guint peak;
  JsonObject *o;

  if (rows == NULL)
    return FALSE;
  active = intervals_of (rows);
  peak = lc_booking_peak (candidate, (const LcBookingInterval *)active->data, active->len, &from,
                          &to);
  if (limit == 0 || peak <= limit)
    return TRUE;
  o = json_object_new ();
  json_object_set_string_member (o, "kind", "capacity");
  json_object_set_int_member (o, "peak", peak);
  json_object_set_int_member (o, "limit", limit);
  lc_json_set_time (o, "from", from);
  lc_json_set_time (o, "to", to);
  json_array_add_object_element (problems, o);
  return TRUE;
}

/* The conference the check is about: the stored one when editing (id), with
 * the body's members laid over it. */
static LcConference *
build_check_candidate (LcApi *api, const LcPrincipal *p, JsonObject *o, GPtrArray *invited,
                       LcBookingLimits *limits, GError **error)
{
  const char *id = lc_json_string (o, "id");
  g_autoptr (LcConference) candidate = NULL;
  gboolean times_changed;

  if (id != NULL)
    {
      g_autoptr (GError) local_error = NULL;

      candidate = lc_store_get_conference (api->store, id, &local_error);
      if (candidate == NULL || !lc_can_see_conference (p, candidate))
        {
          if (candidate == NULL && !g_error_matches (local_error, LC_ERROR, LC_ERROR_NOT_FOUND))
            g_propagate_error (error, g_steal_pointer (&local_error));
          else
            lc_set_error (error, LC_ERROR_INVALID, "id", "no such conference");
          return NULL;
        }
      if (!lc_can_manage_conference (p, candidate))
        {
          lc_set_error (error, LC_ERROR_FORBIDDEN, NULL,
                        "only a coordinator of the host school or an operator may edit it");
          return NULL;
        }
      if (lc_json_has (o, "host_school_id")
          && strcmp (lc_json_string (o, "host_school_id"), candidate->host_school_id) != 0)
        {
          lc_set_error (error, LC_ERROR_INVALID, "host_school_id",
                        "the host school of a conference cannot change");
          return NULL;
        }
    }
  else
    {
      candidate = lc_conference_new ();
      candidate->host_school_id = resolve_host_school (api, p, o, error);
      if (candidate->host_school_id == NULL)
        return NULL;
    }
  if (!apply_times (candidate, o, &times_changed, limits, error))
    return NULL;
  if (invited != NULL)
    {
      if (!check_invited_schools (api, candidate->host_school_id, invited, error))
        return NULL;
      apply_invited (candidate, invited);
    }
  return g_steal_pointer (&candidate);
}

static gboolean
route_conference_check (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (GPtrArray) invited = NULL;
  g_autoptr (LcConference) candidate = NULL;
  g_autoptr (GError) times_error = NULL;
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (JsonArray) problems = json_array_new ();
  LcBookingInterval interval;
  LcBookingLimits limits;
  JsonObject *o;

  if (p == NULL || !lc_api_check_query (req, no_query, error))
    return FALSE;
  body = parse_conference_body (api, req, BODY_CHECK, &invited, error);
  if (body == NULL)
    return FALSE;
  booking_limits_init (api, lc_time_now (), &limits);
  candidate = build_check_candidate (api, p, json_node_get_object (body), invited, &limits, error);
  if (candidate == NULL)
    return FALSE;
  interval_of (candidate, &interval);
  if (!lc_booking_check_times (&limits, candidate->starts_at, candidate->ends_at, &times_error))
    add_times_problem (problems, times_error);
  if (candidate->ends_at > candidate->starts_at)
    {
      if (!add_clash_problems (api->store, problems, &interval, candidate->host_school_id,
                               limits.buffer, error))
        return FALSE;
      for (guint i = 0; i < candidate->invites->len; i++)
        {
          const LcConferenceInvite *invite = g_ptr_array_index (candidate->invites, i);

          if (!add_clash_problems (api->store, problems, &interval, invite->school_id,
                                   limits.buffer, error))
            return FALSE;
        }
      if (!add_capacity_problem (api->store, problems, &interval, limits.max_concurrent, error))
        return FALSE;
    }

  o = json_object_new ();
  json_object_set_boolean_member (o, "ok", json_array_get_length (problems) == 0);
  json_object_set_array_member (o, "problems", g_steal_pointer (&problems));
  json_node_take_object (root, o);
  lc_request_respond_json (req, 200, root);
  return TRUE;
}

LC_API_DEFINE_HANDLER (handle_conferences_list, route_conferences_list)
LC_API_DEFINE_HANDLER (handle_conference_create, route_conference_create)
LC_API_DEFINE_HANDLER (handle_conference_check, route_conference_check)
LC_API_DEFINE_HANDLER (handle_conference_get, route_conference_get)
LC_API_DEFINE_HANDLER (handle_conference_patch, route_conference_patch)
LC_API_DEFINE_HANDLER (handle_conference_cancel, route_conference_cancel)
LC_API_DEFINE_HANDLER (handle_conference_accept, route_conference_accept)
LC_API_DEFINE_HANDLER (handle_conference_decline, route_conference_decline)

static const LcApiRoute conference_routes[] = {
  { "GET", "/api/v1/conferences", handle_conferences_list },
  { "POST", "/api/v1/conferences", handle_conference_create },
  { "POST", "/api/v1/conferences/check", handle_conference_check },
  { "GET", "/api/v1/conferences/{id}", handle_conference_get },
  { "PATCH", "/api/v1/conferences/{id}", handle_conference_patch },
  { "POST", "/api/v1/conferences/{id}/cancel", handle_conference_cancel },
  { "POST", "/api/v1/conferences/{id}/accept", handle_conference_accept },
  { "POST", "/api/v1/conferences/{id}/decline", handle_conference_decline },
};

void
lc_api_register_conferences (LcApi *api, LcHttpServer *server)
{
  lc_api_add_routes (api, server, conference_routes, G_N_ELEMENTS (conference_routes));
}
