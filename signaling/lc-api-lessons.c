/* lc-api-lessons.c — /api/v1/lessons: the open-lesson schedule (list with
 * filters and cursor paging, get by id), create/update/cancel by the lesson's
 * teacher, a coordinator of its school or an operator, the publish key, and
 * the live state (GET …/live). */
#include "signaling/lc-api-private.h"

#include <string.h>

static const LcFieldSpec create_specs[] = {
  { "title", LC_FIELD_STRING, LC_FIELD_REQUIRED, 1, 200 },
  { "description", LC_FIELD_TEXT, LC_FIELD_OPTIONAL, 0, 5000 },
  { "subject", LC_FIELD_STRING, LC_FIELD_REQUIRED, 1, 100 },
  { "grade", LC_FIELD_INT, LC_FIELD_NULLABLE, 1, 11 },
  { "school_id", LC_FIELD_ID, LC_FIELD_OPTIONAL },
  { "teacher_id", LC_FIELD_ID, LC_FIELD_OPTIONAL },
  { "starts_at", LC_FIELD_TIME, LC_FIELD_REQUIRED },
  { "ends_at", LC_FIELD_TIME, LC_FIELD_REQUIRED },
  { "visibility", LC_FIELD_ENUM, LC_FIELD_OPTIONAL, 0, 0, 0, 0, lc_visibility_names },
  { "recording", LC_FIELD_BOOL, LC_FIELD_OPTIONAL },
};

static const LcFieldSpec patch_specs[] = {
  { "title", LC_FIELD_STRING, LC_FIELD_OPTIONAL, 1, 200 },
  { "description", LC_FIELD_TEXT, LC_FIELD_OPTIONAL, 0, 5000 },
  { "subject", LC_FIELD_STRING, LC_FIELD_OPTIONAL, 1, 100 },
  { "grade", LC_FIELD_INT, LC_FIELD_NULLABLE, 1, 11 },
  { "teacher_id", LC_FIELD_ID, LC_FIELD_OPTIONAL },
  { "starts_at", LC_FIELD_TIME, LC_FIELD_OPTIONAL },
  { "ends_at", LC_FIELD_TIME, LC_FIELD_OPTIONAL },
  { "visibility", LC_FIELD_ENUM, LC_FIELD_OPTIONAL, 0, 0, 0, 0, lc_visibility_names },
  { "recording", LC_FIELD_BOOL, LC_FIELD_OPTIONAL },
};

static const char *const no_query[] = { NULL };
static const char *const list_query[]
    = { "district", "school", "teacher", "subject", "grade", "status",
        "from",     "to",     "cursor",  "limit",   NULL };

/* ---- rules (pure) ---- */

/* Start not in the past (with tolerance; only checked when the start is being
 * set), end after start, at most max_minutes long. */
static gboolean
check_lesson_times (gint64 starts_at, gint64 ends_at, gint64 now, gint64 max_minutes,
                    gboolean check_start, GError **error)
{
  if (check_start && starts_at < now - LC_API_START_TOLERANCE)
    {
      lc_set_error (error, LC_ERROR_INVALID, "starts_at", "starts_at is in the past");
      return FALSE;
    }
  if (ends_at <= starts_at)
    {
      lc_set_error (error, LC_ERROR_INVALID, "ends_at", "ends_at must be after starts_at");
      return FALSE;
    }
  if (ends_at - starts_at > max_minutes * 60)
    {
      lc_set_error (error, LC_ERROR_INVALID, "ends_at",
                    "a lesson lasts at most %" G_GINT64_FORMAT " minutes", max_minutes);
      return FALSE;
    }
  return TRUE;
}

/* The teacher of a lesson is an enabled teacher of the lesson's school. */
static gboolean
check_lesson_teacher (LcApi *api, const char *teacher_id, const char *school_id, GError **error)
{
  g_autoptr (LcAccount) teacher = NULL;
  g_autoptr (GError) local_error = NULL;

  teacher = lc_store_get_account (api->store, teacher_id, &local_error);
  if (teacher == NULL && !g_error_matches (local_error, LC_ERROR, LC_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (teacher == NULL || teacher->role != LC_ROLE_TEACHER || teacher->disabled
      || g_strcmp0 (teacher->school_id, school_id) != 0)
    {
      lc_set_error (error, LC_ERROR_INVALID, "teacher_id",
                    "teacher_id must be an active teacher of the lesson's school");
      return FALSE;
    }
  return TRUE;
}

/* ---- helpers ---- */

LcLessonScope
lc_api_lesson_list_scope (const LcPrincipal *p, const char **school_id)
{
  *school_id = NULL;
  if (lc_principal_is_operator (p))
    return LC_LESSON_SCOPE_ALL;
  if (p != NULL && p->account->school_id != NULL)
    {
      *school_id = p->account->school_id;
      return LC_LESSON_SCOPE_SCHOOL;
    }
  return LC_LESSON_SCOPE_PUBLIC;
}

static LcLesson *
load_lesson (LcApi *api, LcRequest *req, GError **error)
{
  const char *id = lc_api_get_id_param (req, "lesson", error);

  return id != NULL ? lc_store_get_lesson (api->store, id, error) : NULL;
}

/* The caller, allowed to manage the lesson (401 anonymous, 403 others). */
static LcPrincipal *
require_manager (LcApi *api, LcRequest *req, LcLesson **lesson_out, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);
  g_autoptr (LcLesson) lesson = NULL;

  if (p == NULL || !lc_api_check_query (req, no_query, error))
    return NULL;
  lesson = load_lesson (api, req, error);
  if (lesson == NULL)
    return NULL;
  if (!lc_can_manage_lesson (p, lesson))
    {
      lc_set_error (error, LC_ERROR_FORBIDDEN, NULL,
                    "only the lesson's teacher, a coordinator of its school or an operator may "
                    "do this");
      return NULL;
    }
  *lesson_out = g_steal_pointer (&lesson);
  return g_steal_pointer (&p);
}

static gboolean
require_scheduled (const LcLesson *lesson, GError **error)
{
  if (lesson->status == LC_LESSON_SCHEDULED)
    return TRUE;
  lc_set_error (error, LC_ERROR_CONFLICT, NULL, "the lesson is %s; only scheduled lessons change",
                lc_lesson_status_to_string (lesson->status));
  return FALSE;
}

/* with_recordings: add the lesson's recordings (GET of one lesson). */
static gboolean
respond_lesson_full (LcApi *api, LcRequest *req, const LcPrincipal *p, guint status,
                     const LcLesson *lesson, gboolean with_recordings, GError **error)
{
  LcLessonContext ctx;
  g_autoptr (JsonNode) root = NULL;

  lc_api_lesson_context_init (api, &ctx);
  root = lc_lesson_to_json (&ctx, p, lesson, error);
  lc_lesson_context_clear (&ctx);
  if (root == NULL)
    return FALSE;
  if (with_recordings)
    {
      JsonArray *recordings = lc_api_lesson_recordings (api, p, lesson, error);

      if (recordings == NULL)
        return FALSE;
      json_object_set_array_member (json_node_get_object (root), "recordings", recordings);
    }
  if (status == 201)
    {
      g_autofree char *location = g_strdup_printf ("/api/v1/lessons/%s", lesson->id);

      lc_request_set_header (req, "Location", location);
    }
  lc_request_respond_json (req, status, root);
  return TRUE;
}

static gboolean
respond_lesson (LcApi *api, LcRequest *req, const LcPrincipal *p, guint status,
                const LcLesson *lesson, GError **error)
{
  return respond_lesson_full (api, req, p, status, lesson, FALSE, error);
}

/* Title, description, subject, grade, visibility, recording from a validated body. */
static void
apply_simple_fields (LcLesson *lesson, JsonObject *o)
{
  if (lc_json_has (o, "title"))
    {
      g_free (lesson->title);
      lesson->title = g_strdup (lc_json_string (o, "title"));
    }
  if (lc_json_has (o, "description"))
    {
      g_free (lesson->description);
      lesson->description = g_strdup (lc_json_string (o, "description"));
    }
  if (lc_json_has (o, "subject"))
    {
      g_free (lesson->subject);
      lesson->subject = g_strdup (lc_json_string (o, "subject"));
    }
  if (lc_json_has (o, "grade"))
    lesson->grade = lc_json_is_null (o, "grade") ? 0 : (int)json_object_get_int_member (o, "grade");
  if (lc_json_has (o, "visibility"))
    lc_visibility_from_string (lc_json_string (o, "visibility"), &lesson->visibility);
  if (lc_json_has (o, "recording"))
    lesson->recording = json_object_get_boolean_member (o, "recording");
}

/* ---- list, get ---- */

static gboolean
parse_list_filter (LcApi *api, LcRequest *req, const LcPrincipal *p, LcLessonFilter *filter,
                   GError **error)
{
  const char *school = lc_request_get_query (req, "school");
  const char *teacher = lc_request_get_query (req, "teacher");
  const char *subject = lc_request_get_query (req, "subject");
  const char *grade = lc_request_get_query (req, "grade");
  const char *status = lc_request_get_query (req, "status");
  guint64 value;
  LcLessonStatus s;

  filter->scope = lc_api_lesson_list_scope (p, &filter->scope_school_id);
  filter->district = lc_request_get_query (req, "district");
  if (school != NULL && !lc_id_is_valid (school))
    {
      lc_set_error (error, LC_ERROR_INVALID, "school", "school must be a school id");
      return FALSE;
    }
  filter->school_id = school;
  if (teacher != NULL && !lc_id_is_valid (teacher))
    {
      lc_set_error (error, LC_ERROR_INVALID, "teacher", "teacher must be an account id");
      return FALSE;
    }
  filter->teacher_id = teacher;
  if (subject != NULL && (subject[0] == '\0' || g_utf8_strlen (subject, -1) > 100))
    {
      lc_set_error (error, LC_ERROR_INVALID, "subject", "subject must be 1 to 100 characters");
      return FALSE;
    }
  filter->subject = subject;
  filter->grade = 0;
  if (grade != NULL)
    {
      if (!g_ascii_string_to_unsigned (grade, 10, 1, 11, &value, NULL))
        {
          lc_set_error (error, LC_ERROR_INVALID, "grade", "grade must be from 1 to 11");
          return FALSE;
        }
      filter->grade = (int)value;
    }
  filter->status = -1;
  if (status != NULL)
    {
      if (!lc_lesson_status_from_string (status, &s))
        {
          lc_set_error (error, LC_ERROR_INVALID, "status",
                        "status must be scheduled, live, ended or cancelled");
          return FALSE;
        }
      filter->status = (int)s;
    }
  return lc_api_parse_time_range (req, &filter->starts_from, &filter->starts_before, error);
}

static gboolean
route_lessons_list (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = NULL;
  g_autoptr (JsonArray) cursor = NULL;
  g_autoptr (GPtrArray) lessons = NULL;
  g_autoptr (JsonArray) items = NULL;
  g_autofree char *next = NULL;
  LcLessonFilter filter = { 0 };
  LcLessonContext ctx;
  gboolean ok = TRUE;
  guint limit;

  if (!lc_api_authenticate (api, req, &p, error) || !lc_api_check_query (req, list_query, error)
      || !lc_api_parse_limit (api, req, &limit, error)
      || !parse_list_filter (api, req, p, &filter, error)
      || !lc_api_time_cursor_parse (req, &filter.after_set, &filter.after_starts_at,
                                    &filter.after_id, &cursor, error))
    return FALSE;
  filter.limit = limit + 1;

  lessons = lc_store_list_lessons (api->store, &filter, error);
  if (lessons == NULL)
    return FALSE;

  items = json_array_new ();
  lc_api_lesson_context_init (api, &ctx);
  for (guint i = 0; ok && i < lessons->len && i < limit; i++)
    {
      JsonNode *node = lc_lesson_to_json (&ctx, p, g_ptr_array_index (lessons, i), error);

      if (node != NULL)
        json_array_add_element (items, node);
      ok = node != NULL;
    }
  lc_lesson_context_clear (&ctx);
  if (!ok)
    return FALSE;

  if (lessons->len > limit)
    {
      const LcLesson *last = g_ptr_array_index (lessons, limit - 1);

      next = lc_api_time_cursor_encode (last->starts_at, last->id);
    }
  lc_api_respond_list (req, g_steal_pointer (&items), next);
  return TRUE;
}

static gboolean
route_lesson_get (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = NULL;
  g_autoptr (LcLesson) lesson = NULL;

  if (!lc_api_authenticate (api, req, &p, error) || !lc_api_check_query (req, no_query, error))
    return FALSE;
  /* Unlisted lessons are reachable by their (unguessable) id. */
  lesson = load_lesson (api, req, error);
  if (lesson == NULL)
    return FALSE;
  return respond_lesson_full (api, req, p, 200, lesson, TRUE, error);
}

/* {"status", "starts_at", "live": object|null}: what the watch page polls. */
static gboolean
route_lesson_live (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = NULL;
  g_autoptr (LcLesson) lesson = NULL;
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *starts_at = NULL;
  JsonNode *live = NULL;
  JsonObject *o;

  if (!lc_api_authenticate (api, req, &p, error) || !lc_api_check_query (req, no_query, error))
    return FALSE;
  lesson = load_lesson (api, req, error);
  if (lesson == NULL)
    return FALSE;

  o = json_object_new ();
  json_object_set_string_member (o, "status", lc_lesson_status_to_string (lesson->status));
  starts_at = lc_time_format_rfc3339 (lesson->starts_at);
  json_object_set_string_member (o, "starts_at", starts_at);
  if (api->live != NULL && lesson->status == LC_LESSON_LIVE)
    live = lc_live_dup_status_json (api->live, lesson->id);
  if (live != NULL)
    json_object_set_member (o, "live", live);
  else
    json_object_set_null_member (o, "live");
  json_node_take_object (root, o);
  lc_request_respond_json (req, 200, root);
  return TRUE;
}

/* ---- create, update, cancel ---- */

/* Which school and teacher a new lesson gets, by the caller's role. */
static gboolean
resolve_school_and_teacher (LcApi *api, const LcPrincipal *p, JsonObject *o, char **school_id,
                            char **teacher_id, GError **error)
{
  const char *want_school = lc_json_string (o, "school_id");
  const char *want_teacher = lc_json_string (o, "teacher_id");
  const LcAccount *me = p->account;

  if (me->role == LC_ROLE_OPERATOR)
    {
      if (want_school == NULL)
        {
          lc_set_error (error, LC_ERROR_INVALID, "school_id", "school_id is required");
          return FALSE;
        }
      if (!lc_api_check_school_exists (api, want_school, "school_id", error))
        return FALSE;
    }
  else if (me->school_id == NULL
           || (want_school != NULL && strcmp (want_school, me->school_id) != 0))
    {
      lc_set_error (error, LC_ERROR_FORBIDDEN, NULL, "you create lessons of your own school only");
      return FALSE;
    }
  else
    want_school = me->school_id;

  if (me->role == LC_ROLE_TEACHER)
    {
      if (want_teacher != NULL && strcmp (want_teacher, me->id) != 0)
        {
          lc_set_error (error, LC_ERROR_FORBIDDEN, NULL, "teachers create their own lessons only");
          return FALSE;
        }
      want_teacher = me->id;
    }
  else if (want_teacher == NULL)
    {
      lc_set_error (error, LC_ERROR_INVALID, "teacher_id", "teacher_id is required");
      return FALSE;
    }
  if (!check_lesson_teacher (api, want_teacher, want_school, error))
    return FALSE;

  *school_id = g_strdup (want_school);
  *teacher_id = g_strdup (want_teacher);
  return TRUE;
}

static gboolean
route_lesson_create (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (LcLesson) lesson = NULL;
  gint64 now = lc_time_now ();
  JsonObject *o;

  if (p == NULL || !lc_api_check_query (req, no_query, error))
    return FALSE;
  body = lc_api_parse_body (req, create_specs, G_N_ELEMENTS (create_specs), FALSE, error);
  if (body == NULL)
    return FALSE;
  o = json_node_get_object (body);

  lesson = lc_lesson_new ();
  if (!resolve_school_and_teacher (api, p, o, &lesson->school_id, &lesson->teacher_id, error))
    return FALSE;
  if (!lc_time_parse_rfc3339 (lc_json_string (o, "starts_at"), "starts_at", &lesson->starts_at,
                              error)
      || !lc_time_parse_rfc3339 (lc_json_string (o, "ends_at"), "ends_at", &lesson->ends_at, error)
      || !check_lesson_times (lesson->starts_at, lesson->ends_at, now,
                              lc_config_get_int (api->config, "lessons.max_duration"), TRUE, error))
    return FALSE;

  lesson->id = lc_id_new ();
  lesson->description = g_strdup ("");
  lesson->visibility = LC_VISIBILITY_PUBLIC;
  lesson->recording = TRUE;
  apply_simple_fields (lesson, o);
  lesson->status = LC_LESSON_SCHEDULED;
  lesson->publish_key = lc_secret_new ("lpk");
  lesson->created_at = lesson->updated_at = now;
  if (!lc_store_insert_lesson (api->store, lesson, error))
    return FALSE;
  lc_api_audit (api, req, p, "lesson.create", "lesson", lesson->id, NULL);
  return respond_lesson (api, req, p, 201, lesson, error);
}

static gboolean
route_lesson_patch (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcLesson) lesson = NULL;
  g_autoptr (LcPrincipal) p = require_manager (api, req, &lesson, error);
  g_autoptr (JsonNode) body = NULL;
  g_autofree char *details = NULL;
  JsonObject *o;

  if (p == NULL || !require_scheduled (lesson, error))
    return FALSE;
  body = lc_api_parse_body (req, patch_specs, G_N_ELEMENTS (patch_specs), TRUE, error);
  if (body == NULL)
    return FALSE;
  o = json_node_get_object (body);

  if (lc_json_has (o, "teacher_id"))
    {
      const char *teacher_id = lc_json_string (o, "teacher_id");

      if (p->account->role == LC_ROLE_TEACHER && strcmp (teacher_id, p->account->id) != 0)
        {
          lc_set_error (error, LC_ERROR_FORBIDDEN, NULL,
                        "teachers cannot hand their lessons to someone else");
          return FALSE;
        }
      if (!check_lesson_teacher (api, teacher_id, lesson->school_id, error))
        return FALSE;
      g_free (lesson->teacher_id);
      lesson->teacher_id = g_strdup (teacher_id);
    }
  if (lc_json_has (o, "starts_at") || lc_json_has (o, "ends_at"))
    {
      if ((lc_json_has (o, "starts_at")
           && !lc_time_parse_rfc3339 (lc_json_string (o, "starts_at"), "starts_at",
                                      &lesson->starts_at, error))
          || (lc_json_has (o, "ends_at")
              && !lc_time_parse_rfc3339 (lc_json_string (o, "ends_at"), "ends_at", &lesson->ends_at,
                                         error))
          || !check_lesson_times (lesson->starts_at, lesson->ends_at, lc_time_now (),
                                  lc_config_get_int (api->config, "lessons.max_duration"),
                                  lc_json_has (o, "starts_at"), error))
        return FALSE;
    }
  apply_simple_fields (lesson, o);
  lesson->updated_at = lc_time_now ();
  if (!lc_store_update_lesson (api->store, lesson, error))
    return FALSE;

  details = lc_api_fields_json (o);
  lc_api_audit (api, req, p, "lesson.update", "lesson", lesson->id, details);
  return respond_lesson (api, req, p, 200, lesson, error);
}

static gboolean
route_lesson_cancel (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcLesson) lesson = NULL;
  g_autoptr (LcPrincipal) p = require_manager (api, req, &lesson, error);

  if (p == NULL || !require_scheduled (lesson, error))
    return FALSE;
  lesson->status = LC_LESSON_CANCELLED;
  lesson->updated_at = lc_time_now ();
  if (!lc_store_update_lesson (api->store, lesson, error))
    return FALSE;
  lc_api_audit (api, req, p, "lesson.cancel", "lesson", lesson->id, NULL);
  return respond_lesson (api, req, p, 200, lesson, error);
}

/* ---- publish key ---- */

static void
respond_publish_key (LcApi *api, LcRequest *req, const LcLesson *lesson)
{
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *base = lc_api_dup_base_url (api, req);
  g_autofree char *whip_url = g_strdup_printf ("%s/whip/%s", base, lesson->id);
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "publish_key", lesson->publish_key);
  json_object_set_string_member (o, "whip_url", whip_url);
  json_node_take_object (root, o);
  lc_api_no_store (req);
  lc_request_respond_json (req, 200, root);
}

static gboolean
route_publish_key_get (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcLesson) lesson = NULL;
  g_autoptr (LcPrincipal) p = require_manager (api, req, &lesson, error);

  if (p == NULL)
    return FALSE;
  respond_publish_key (api, req, lesson);
  return TRUE;
}

static gboolean
route_publish_key_rotate (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcLesson) lesson = NULL;
  g_autoptr (LcPrincipal) p = require_manager (api, req, &lesson, error);

  if (p == NULL)
    return FALSE;
  g_free (lesson->publish_key);
  lesson->publish_key = lc_secret_new ("lpk");
  lesson->updated_at = lc_time_now ();
  if (!lc_store_update_lesson (api->store, lesson, error))
    return FALSE;
  lc_api_audit (api, req, p, "lesson.publish_key.rotate", "lesson", lesson->id, NULL);
  respond_publish_key (api, req, lesson);
  return TRUE;
}

LC_API_DEFINE_HANDLER (handle_lessons_list, route_lessons_list)
LC_API_DEFINE_HANDLER (handle_lesson_get, route_lesson_get)
LC_API_DEFINE_HANDLER (handle_lesson_live, route_lesson_live)
LC_API_DEFINE_HANDLER (handle_lesson_create, route_lesson_create)
LC_API_DEFINE_HANDLER (handle_lesson_patch, route_lesson_patch)
LC_API_DEFINE_HANDLER (handle_lesson_cancel, route_lesson_cancel)
LC_API_DEFINE_HANDLER (handle_publish_key_get, route_publish_key_get)
LC_API_DEFINE_HANDLER (handle_publish_key_rotate, route_publish_key_rotate)

static const LcApiRoute lesson_routes[] = {
  { "GET", "/api/v1/lessons", handle_lessons_list },
  { "POST", "/api/v1/lessons", handle_lesson_create },
  { "GET", "/api/v1/lessons/{id}", handle_lesson_get },
  { "GET", "/api/v1/lessons/{id}/live", handle_lesson_live },
  { "PATCH", "/api/v1/lessons/{id}", handle_lesson_patch },
  { "POST", "/api/v1/lessons/{id}/cancel", handle_lesson_cancel },
  { "GET", "/api/v1/lessons/{id}/publish-key", handle_publish_key_get },
  { "POST", "/api/v1/lessons/{id}/publish-key", handle_publish_key_rotate },
};

void
lc_api_register_lessons (LcApi *api, LcHttpServer *server)
{
  lc_api_add_routes (api, server, lesson_routes, G_N_ELEMENTS (lesson_routes));
}
