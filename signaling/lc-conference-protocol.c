/* lc-conference-protocol.c — pure helpers of the conference signaling
 * protocol (docs/signaling.md): member checks of client messages, the clean
 * copy of relayed ICE candidates, display names, message builders. No I/O. */
#include "signaling/lc-conference-private.h"

#include <string.h>

#include "common/lc-time.h"

gboolean
lc_sig_client_id_is_valid (const char *text)
{
  gsize len;

  if (text == NULL)
    return FALSE;
  len = strlen (text);
  if (len < 16 || len > 64)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (text[i]) && text[i] != '_' && text[i] != '-')
      return FALSE;
  return TRUE;
}

char *
lc_sig_clean_name (const char *text)
{
  g_autofree char *copy = NULL;
  glong chars;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return NULL;
  copy = g_strstrip (g_strdup (text));
  chars = g_utf8_strlen (copy, -1);
  if (chars < 1 || chars > LC_SIG_NAME_MAX_CHARS)
    return NULL;
  for (const char *p = copy; *p; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return NULL;
  return g_steal_pointer (&copy);
}

static gboolean
is_kind (JsonNode *node, GType type)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

gboolean
lc_sig_get_string (JsonObject *o, const char *name, gboolean required, gsize max_bytes,
                   const char **out, const char **problem)
{
  JsonNode *node = json_object_get_member (o, name);

  *out = NULL;
  if (node == NULL)
    {
      if (required)
        *problem = "a required member is missing";
      return !required;
    }
  if (!is_kind (node, G_TYPE_STRING))
    {
      *problem = "a member must be a string";
      return FALSE;
    }
  *out = json_node_get_string (node);
  if (max_bytes > 0 && strlen (*out) > max_bytes)
    {
      *problem = "a member is too long";
      return FALSE;
    }
  return TRUE;
}

gboolean
lc_sig_get_bool (JsonObject *o, const char *name, gboolean *out, const char **problem)
{
  JsonNode *node = json_object_get_member (o, name);

  if (!is_kind (node, G_TYPE_BOOLEAN))
    {
      *problem = node == NULL ? "a required member is missing" : "a member must be true or false";
      return FALSE;
    }
  *out = json_node_get_boolean (node);
  return TRUE;
}

JsonNode *
lc_sig_copy_candidate (JsonNode *node, const char **problem)
{
  g_autoptr (JsonBuilder) b = NULL;
  JsonObject *o;
  JsonNode *mid, *index;

  if (node == NULL)
    {
      *problem = "\"candidate\" is missing";
      return NULL;
    }
  if (JSON_NODE_HOLDS_NULL (node))
    return json_node_new (JSON_NODE_NULL);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      *problem = "\"candidate\" must be an object or null";
      return NULL;
    }
  o = json_node_get_object (node);
  if (!is_kind (json_object_get_member (o, "candidate"), G_TYPE_STRING))
    {
      *problem = "\"candidate.candidate\" must be a string";
      return NULL;
    }
  mid = json_object_get_member (o, "sdpMid");
  if (mid != NULL && !JSON_NODE_HOLDS_NULL (mid) && !is_kind (mid, G_TYPE_STRING))
    {
      *problem = "\"candidate.sdpMid\" must be a string or null";
      return NULL;
    }
  index = json_object_get_member (o, "sdpMLineIndex");
  if (index != NULL && !JSON_NODE_HOLDS_NULL (index)
      && (!is_kind (index, G_TYPE_INT64) || json_node_get_int (index) < 0
          || json_node_get_int (index) > 65535))
    {
      *problem = "\"candidate.sdpMLineIndex\" must be an integer 0..65535 or null";
      return NULL;
    }

  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "candidate");
  json_builder_add_string_value (b, json_object_get_string_member (o, "candidate"));
  json_builder_set_member_name (b, "sdpMid");
  if (mid != NULL && !JSON_NODE_HOLDS_NULL (mid))
    json_builder_add_string_value (b, json_node_get_string (mid));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "sdpMLineIndex");
  if (index != NULL && !JSON_NODE_HOLDS_NULL (index))
    json_builder_add_int_value (b, json_node_get_int (index));
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

JsonObject *
lc_sig_message_new (const char *type)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "type", type);
  return o;
}

JsonObject *
lc_sig_error_new (const char *code, const char *message, const char *ref)
{
  JsonObject *o = lc_sig_message_new ("error");

  json_object_set_string_member (o, "code", code);
  json_object_set_string_member (o, "message", message);
  if (ref != NULL)
    json_object_set_string_member (o, "ref", ref);
  return o;
}

void
lc_sig_set_time (JsonObject *o, const char *name, gint64 t)
{
  g_autofree char *text = lc_time_format_rfc3339 (t);

  json_object_set_string_member (o, name, text);
}

char *
lc_sig_to_text (JsonObject *o)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, o);
  return json_to_string (node, FALSE);
}
