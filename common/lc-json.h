/* lc-json.h — bounded JSON parsing and table-driven request validation.
 *
 * json-glib 1.6 crashes on ~100,000 nested brackets, so every untrusted body goes
 * through lc_json_check_limits() (a single linear scan that understands strings
 * and escapes) before json-glib sees it.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* LC_ERROR_TOO_LARGE when len > max_bytes; LC_ERROR_MALFORMED when nesting
 * exceeds max_depth, brackets are unbalanced, or a NUL byte appears. */
gboolean lc_json_check_limits (const char *data, gsize len, gsize max_bytes, guint max_depth,
                               GError **error);

/* Limits, UTF-8 check, then json-glib. (transfer full) root node, or NULL with
 * LC_ERROR_MALFORMED (message names line/column) / LC_ERROR_TOO_LARGE. */
JsonNode *lc_json_parse (const char *data, gsize len, gsize max_bytes, guint max_depth,
                         GError **error);

/* Compact serialisation. (transfer full) */
char *lc_json_to_string (JsonNode *node);

typedef enum
{
  LC_FIELD_STRING, /* min/max = length in characters; no control characters */
  LC_FIELD_TEXT,   /* like STRING but \n and \t allowed (descriptions) */
  LC_FIELD_INT,    /* min/max = value range */
  LC_FIELD_DOUBLE, /* dmin/dmax = value range */
  LC_FIELD_BOOL,
  LC_FIELD_ENUM,   /* string, one of choices (NULL-terminated) */
  LC_FIELD_TIME,   /* RFC 3339 with offset */
  LC_FIELD_URL,    /* absolute http(s) URL, max length max */
  LC_FIELD_ID,     /* lc_id_is_valid */
} LcFieldType;

typedef enum
{
  LC_FIELD_OPTIONAL = 0,
  LC_FIELD_REQUIRED = 1 << 0, /* must be present on create (ignored when partial) */
  LC_FIELD_NULLABLE = 1 << 1, /* JSON null accepted (clears the value) */
  LC_FIELD_READONLY = 1 << 2, /* present in responses; rejected in requests */
} LcFieldFlags;

typedef struct
{
  const char *name;
  LcFieldType type;
  LcFieldFlags flags;
  gint64 min, max;
  double dmin, dmax;
  const char *const *choices;
} LcFieldSpec;

/* Validate that node is an object whose members all appear in specs (unknown
 * members are rejected: typos surface instead of being ignored), that every
 * REQUIRED member is present (unless partial, as for PATCH), and that each
 * member has the right type, range, length or format. First failure wins:
 * LC_ERROR_MALFORMED when node is not an object, otherwise LC_ERROR_INVALID
 * with the field name set. */
gboolean lc_json_validate (JsonNode *node, const LcFieldSpec *specs, gsize n_specs, gboolean partial,
                           GError **error);

G_END_DECLS
