/* lc-api-schools.c — /api/v1/schools and /api/v1/districts: everyone reads,
 * operators create and edit. */
#include "signaling/lc-api-private.h"

static const LcFieldSpec school_specs[] = {
  { "name", LC_FIELD_STRING, LC_FIELD_REQUIRED, 1, 200 },
  { "short_name", LC_FIELD_STRING, LC_FIELD_REQUIRED, 1, 60 },
  { "district", LC_FIELD_STRING, LC_FIELD_REQUIRED, 1, 100 },
  { "address", LC_FIELD_STRING, LC_FIELD_NULLABLE, 1, 300 },
  { "latitude", LC_FIELD_DOUBLE, LC_FIELD_NULLABLE, 0, 0, -90.0, 90.0 },
  { "longitude", LC_FIELD_DOUBLE, LC_FIELD_NULLABLE, 0, 0, -180.0, 180.0 },
  { "website", LC_FIELD_URL, LC_FIELD_NULLABLE, 0, 500 },
};

static const char *const no_query[] = { NULL };
static const char *const list_query[] = { "district", "cursor", "limit", NULL };

static gboolean
require_operator (LcApi *api, LcRequest *req, LcPrincipal **out, GError **error)
{
  g_autoptr (LcPrincipal) p = lc_api_require_principal (api, req, error);

  if (p == NULL)
    return FALSE;
  if (!lc_principal_is_operator (p))
    {
      lc_set_error (error, LC_ERROR_FORBIDDEN, NULL, "only operators manage schools");
      return FALSE;
    }
  *out = g_steal_pointer (&p);
  return TRUE;
}

static void
replace_string (char **slot, const char *value)
{
  g_free (*slot);
  *slot = g_strdup (value);
}

/* Apply a validated body to school (all members optional here: create has
 * already required its members). */
static gboolean
apply_school (LcSchool *school, JsonObject *o, GError **error)
{
  gboolean lat_null, lon_null;

  if (lc_json_has (o, "name"))
    replace_string (&school->name, lc_json_string (o, "name"));
  if (lc_json_has (o, "short_name"))
    replace_string (&school->short_name, lc_json_string (o, "short_name"));
  if (lc_json_has (o, "district"))
    replace_string (&school->district, lc_json_string (o, "district"));
  if (lc_json_has (o, "address"))
    replace_string (&school->address, lc_json_string (o, "address"));
  if (lc_json_has (o, "website"))
    replace_string (&school->website, lc_json_string (o, "website"));

  /* Latitude and longitude are set or cleared together. */
  if (!lc_json_has (o, "latitude") && !lc_json_has (o, "longitude"))
    return TRUE;
  lat_null = lc_json_has (o, "latitude") ? lc_json_is_null (o, "latitude") : !school->has_location;
  lon_null
      = lc_json_has (o, "longitude") ? lc_json_is_null (o, "longitude") : !school->has_location;
  if (lat_null != lon_null)
    {
      lc_set_error (error, LC_ERROR_INVALID, lat_null ? "latitude" : "longitude",
                    "latitude and longitude must be given (or cleared) together");
      return FALSE;
    }
  school->has_location = !lat_null;
  if (lat_null)
    {
      school->latitude = 0;
      school->longitude = 0;
      return TRUE;
    }
  if (lc_json_has (o, "latitude"))
    school->latitude = json_object_get_double_member (o, "latitude");
  if (lc_json_has (o, "longitude"))
    school->longitude = json_object_get_double_member (o, "longitude");
  return TRUE;
}

static void
respond_school (LcRequest *req, guint status, const LcSchool *school)
{
  g_autoptr (JsonNode) root = lc_school_to_json (school);

  lc_request_respond_json (req, status, root);
}

static gboolean
route_schools_list (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = NULL;
  g_autoptr (JsonArray) cursor = NULL;
  g_autoptr (GPtrArray) schools = NULL;
  g_autofree char *next = NULL;
  LcSchoolFilter filter = { 0 };
  const char *text;
  JsonArray *items;
  guint limit;

  if (!lc_api_authenticate (api, req, &p, error) || !lc_api_check_query (req, list_query, error)
      || !lc_api_parse_limit (api, req, &limit, error))
    return FALSE;
  filter.district = lc_request_get_query (req, "district");
  text = lc_request_get_query (req, "cursor");
  if (text != NULL)
    {
      cursor = lc_api_cursor_decode (text, "ss", error);
      if (cursor == NULL)
        return FALSE;
      filter.after_name = json_array_get_string_element (cursor, 0);
      filter.after_id = json_array_get_string_element (cursor, 1);
    }
  filter.limit = limit + 1;

  schools = lc_store_list_schools (api->store, &filter, error);
  if (schools == NULL)
    return FALSE;
  items = json_array_new ();
  for (guint i = 0; i < schools->len && i < limit; i++)
    json_array_add_element (items, lc_school_to_json (g_ptr_array_index (schools, i)));
  if (schools->len > limit)
    {
      const LcSchool *last = g_ptr_array_index (schools, limit - 1);
      g_autoptr (JsonArray) values = json_array_new ();

      json_array_add_string_element (values, last->name);
      json_array_add_string_element (values, last->id);
      next = lc_api_cursor_encode (values);
    }
  lc_api_respond_list (req, items, next);
  return TRUE;
}

static gboolean
route_school_get (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = NULL;
  g_autoptr (LcSchool) school = NULL;

  if (!lc_api_authenticate (api, req, &p, error) || !lc_api_check_query (req, no_query, error))
    return FALSE;
  school = lc_api_get_school (api, req, error);
  if (school == NULL)
    return FALSE;
  respond_school (req, 200, school);
  return TRUE;
}

static gboolean
route_school_create (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = NULL;
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (LcSchool) school = NULL;
  g_autofree char *location = NULL;

  if (!require_operator (api, req, &p, error) || !lc_api_check_query (req, no_query, error))
    return FALSE;
  body = lc_api_parse_body (req, school_specs, G_N_ELEMENTS (school_specs), FALSE, error);
  if (body == NULL)
    return FALSE;

  school = lc_school_new ();
  school->id = lc_id_new ();
  if (!apply_school (school, json_node_get_object (body), error))
    return FALSE;
  school->created_at = school->updated_at = lc_time_now ();
  if (!lc_store_insert_school (api->store, school, error))
    return FALSE;
  lc_api_audit (api, req, p, "school.create", "school", school->id, NULL);

  location = g_strdup_printf ("/api/v1/schools/%s", school->id);
  lc_request_set_header (req, "Location", location);
  respond_school (req, 201, school);
  return TRUE;
}

static gboolean
route_school_patch (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = NULL;
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (LcSchool) school = NULL;
  g_autofree char *details = NULL;

  if (!require_operator (api, req, &p, error) || !lc_api_check_query (req, no_query, error))
    return FALSE;
  school = lc_api_get_school (api, req, error);
  if (school == NULL)
    return FALSE;
  body = lc_api_parse_body (req, school_specs, G_N_ELEMENTS (school_specs), TRUE, error);
  if (body == NULL)
    return FALSE;

  if (!apply_school (school, json_node_get_object (body), error))
    return FALSE;
  school->updated_at = lc_time_now ();
  if (!lc_store_update_school (api->store, school, error))
    return FALSE;
  details = lc_api_fields_json (json_node_get_object (body));
  lc_api_audit (api, req, p, "school.update", "school", school->id, details);
  respond_school (req, 200, school);
  return TRUE;
}

static gboolean
route_districts (LcApi *api, LcRequest *req, GError **error)
{
  g_autoptr (LcPrincipal) p = NULL;
  g_autoptr (GPtrArray) schools = NULL;
  g_autoptr (GTree) counts = NULL;
  LcSchoolFilter filter = { 0 };
  GTreeNode *node;
  JsonArray *items;

  if (!lc_api_authenticate (api, req, &p, error) || !lc_api_check_query (req, no_query, error))
    return FALSE;
  schools = lc_store_list_schools (api->store, &filter, error);
  if (schools == NULL)
    return FALSE;

  /* district (transfer none, owned by schools) → count, ordered by name */
  counts = g_tree_new ((GCompareFunc)g_strcmp0);
  for (guint i = 0; i < schools->len; i++)
    {
      const LcSchool *school = g_ptr_array_index (schools, i);
      guint n = GPOINTER_TO_UINT (g_tree_lookup (counts, school->district));

      g_tree_replace (counts, school->district, GUINT_TO_POINTER (n + 1));
    }

  items = json_array_new ();
  for (node = g_tree_node_first (counts); node != NULL; node = g_tree_node_next (node))
    {
      JsonObject *o = json_object_new ();

      json_object_set_string_member (o, "name", g_tree_node_key (node));
      json_object_set_int_member (o, "schools", GPOINTER_TO_UINT (g_tree_node_value (node)));
      json_array_add_object_element (items, o);
    }
  lc_api_respond_items (req, items);
  return TRUE;
}

LC_API_DEFINE_HANDLER (handle_schools_list, route_schools_list)
LC_API_DEFINE_HANDLER (handle_school_get, route_school_get)
LC_API_DEFINE_HANDLER (handle_school_create, route_school_create)
LC_API_DEFINE_HANDLER (handle_school_patch, route_school_patch)
LC_API_DEFINE_HANDLER (handle_districts, route_districts)

static const LcApiRoute school_routes[] = {
  { "GET", "/api/v1/schools", handle_schools_list },
  { "POST", "/api/v1/schools", handle_school_create },
  { "GET", "/api/v1/schools/{id}", handle_school_get },
  { "PATCH", "/api/v1/schools/{id}", handle_school_patch },
  { "GET", "/api/v1/districts", handle_districts },
};

void
lc_api_register_schools (LcApi *api, LcHttpServer *server)
{
  lc_api_add_routes (api, server, school_routes, G_N_ELEMENTS (school_routes));
}
