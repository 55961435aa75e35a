/* lc-json.c — bounded JSON parsing and table-driven request validation.
 *
 * Untrusted bodies go through three linear passes before json-glib sees them:
 * lc_json_check_limits() (size, NUL bytes, bracket depth and balance, aware of
 * strings and escapes), a UTF-8 check, and a strict RFC 8259 syntax check.
 * The strict check exists because json-glib 1.6 is lenient where a request
 * parser must not be: it ignores data after the first value ("{}{}"), accepts
 * comments, single quotes and leading zeros, silently wraps integers beyond
 * 64 bits (99999999999999999999 becomes -1) and truncates strings at "\u0000".
 * lc_json_validate() then checks an object against an LcFieldSpec table.
 * Table conventions: for STRING, TEXT and URL a max <= 0 means no upper
 * length; for INT min == max == 0 and for DOUBLE dmin == dmax == 0 mean no
 * range (any gint64 / any finite number).
 */
#include "common/lc-json.h"

#include <math.h>
#include <string.h>

#include "common/lc-crypto.h"
#include "common/lc-error.h"
#include "common/lc-time.h"

/* Longest field name echoed back in an error message. */
#define MAX_ECHOED_NAME 64

/* 1-based line and column (in characters) of byte offset in data. */
static void
locate_offset (const char *data, gsize offset, gsize *line, gsize *column)
{
  gsize i;

  *line = 1;
  *column = 1;
  for (i = 0; i < offset; i++)
    {
      guchar c = (guchar) data[i];

      if (c == '\n')
        {
          (*line)++;
          *column = 1;
        }
      else if ((c & 0xC0) != 0x80) /* not a UTF-8 continuation byte */
        (*column)++;
    }
}

static void
set_syntax_error (GError **error, const char *data, gsize offset, const char *what)
{
  gsize line, column;

  locate_offset (data, offset, &line, &column);
  lc_set_error (error, LC_ERROR_MALFORMED, NULL,
                "invalid JSON at line %" G_GSIZE_FORMAT ", column %" G_GSIZE_FORMAT ": %s", line,
                column, what);
}

gboolean
lc_json_check_limits (const char *data, gsize len, gsize max_bytes, guint max_depth,
                      GError **error)
{
  gboolean in_string = FALSE;
  gboolean escaped = FALSE;
  gsize depth = 0;
  gsize string_start = 0;
  gsize i;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (len > max_bytes)
    {
      lc_set_error (error, LC_ERROR_TOO_LARGE, NULL,
                    "the JSON body is %" G_GSIZE_FORMAT " bytes; the limit is %" G_GSIZE_FORMAT
                    " bytes",
                    len, max_bytes);
      return FALSE;
    }

  for (i = 0; i < len; i++)
    {
      char c = data[i];

      if (c == '\0')
        {
          set_syntax_error (error, data, i, "NUL bytes are not allowed");
          return FALSE;
        }

      if (in_string)
        {
          if (escaped)
            escaped = FALSE;
          else if (c == '\\')
            escaped = TRUE;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      switch (c)
        {
        case '"':
          in_string = TRUE;
          string_start = i;
          break;
        case '[':
        case '{':
          if (++depth > max_depth)
            {
              g_autofree char *what =
                  g_strdup_printf ("nesting is deeper than the limit of %u levels", max_depth);

              set_syntax_error (error, data, i, what);
              return FALSE;
            }
          break;
        case ']':
        case '}':
          if (depth == 0)
            {
              set_syntax_error (error, data, i, "closing bracket without an opening one");
              return FALSE;
            }
          depth--;
          break;
        default:
          break;
        }
    }

  if (in_string)
    {
      set_syntax_error (error, data, string_start, "string is not terminated");
      return FALSE;
    }
  if (depth > 0)
    {
      g_autofree char *what =
          g_strdup_printf ("%" G_GSIZE_FORMAT " bracket(s) not closed at the end of the input", depth);

      set_syntax_error (error, data, len, what);
      return FALSE;
    }

  return TRUE;
}

/* ---- strict RFC 8259 syntax check ---- */

typedef struct
{
  const char *data;
  gsize len;
  gsize pos;
} Scanner;

static void
skip_whitespace (Scanner *s)
{
  while (s->pos < s->len)
    {
      char c = s->data[s->pos];

      if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        break;
      s->pos++;
    }
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Four hex digits at s->pos into *out; advances past them. */
static gboolean
scan_hex4 (Scanner *s, guint *out)
{
  guint v = 0;
  int k;

  if (s->len - s->pos < 4)
    return FALSE;
  for (k = 0; k < 4; k++)
    {
      int h = hex_value (s->data[s->pos + (gsize) k]);

      if (h < 0)
        return FALSE;
      v = (v << 4) | (guint) h;
    }
  s->pos += 4;
  *out = v;
  return TRUE;
}

/* A string starting at the opening quote (UTF-8 already validated). */
static gboolean
scan_string (Scanner *s, GError **error)
{
  gsize start = s->pos;

  s->pos++; /* opening quote */
  while (s->pos < s->len)
    {
      guchar c = (guchar) s->data[s->pos];

      if (c == '"')
        {
          s->pos++;
          return TRUE;
        }
      if (c < 0x20)
        {
          set_syntax_error (error, s->data, s->pos,
                            "control characters in strings must be escaped");
          return FALSE;
        }
      if (c != '\\')
        {
          s->pos++;
          continue;
        }

      /* escape sequence */
      {
        gsize escape_at = s->pos;
        char e;

        s->pos++;
        if (s->pos >= s->len)
          break;
        e = s->data[s->pos++];
        if (strchr ("\"\\/bfnrt", e) != NULL)
          continue;
        if (e != 'u')
          {
            set_syntax_error (error, s->data, escape_at, "invalid escape sequence in string");
            return FALSE;
          }
        {
          guint unit, low;

          if (!scan_hex4 (s, &unit))
            {
              set_syntax_error (error, s->data, escape_at, "\\u must be followed by 4 hex digits");
              return FALSE;
            }
          if (unit == 0)
            {
              set_syntax_error (error, s->data, escape_at, "\\u0000 is not allowed in strings");
              return FALSE;
            }
          if (unit >= 0xDC00 && unit <= 0xDFFF)
            {
              set_syntax_error (error, s->data, escape_at, "unpaired UTF-16 surrogate in string");
              return FALSE;
            }
          if (unit >= 0xD800 && unit <= 0xDBFF)
            {
              if (s->len - s->pos < 2 || s->data[s->pos] != '\\' || s->data[s->pos + 1] != 'u')
                {
                  set_syntax_error (error, s->data, escape_at,
                                    "unpaired UTF-16 surrogate in string");
                  return FALSE;
                }
              s->pos += 2;
              if (!scan_hex4 (s, &low) || low < 0xDC00 || low > 0xDFFF)
                {
                  set_syntax_error (error, s->data, escape_at,
                                    "unpaired UTF-16 surrogate in string");
                  return FALSE;
                }
            }
        }
      }
    }

  set_syntax_error (error, s->data, start, "string is not terminated");
  return FALSE;
}

static gboolean
is_digit (char c)
{
  return c >= '0' && c <= '9';
}

/* A number; integers (no fraction, no exponent) must fit in gint64 because
 * json-glib 1.6 wraps larger ones silently. */
static gboolean
scan_number (Scanner *s, GError **error)
{
  gsize start = s->pos;
  gsize digits_start, n_digits;
  gboolean negative = FALSE;
  gboolean integer = TRUE;

  if (s->data[s->pos] == '-')
    {
      negative = TRUE;
      s->pos++;
    }
  digits_start = s->pos;
  if (s->pos >= s->len || !is_digit (s->data[s->pos]))
    {
      set_syntax_error (error, s->data, start, "invalid number");
      return FALSE;
    }
  if (s->data[s->pos] == '0')
    {
      s->pos++;
      if (s->pos < s->len && is_digit (s->data[s->pos]))
        {
          set_syntax_error (error, s->data, start, "numbers must not have leading zeros");
          return FALSE;
        }
    }
  else
    {
      while (s->pos < s->len && is_digit (s->data[s->pos]))
        s->pos++;
    }
  n_digits = s->pos - digits_start;

  if (s->pos < s->len && s->data[s->pos] == '.')
    {
      integer = FALSE;
      s->pos++;
      if (s->pos >= s->len || !is_digit (s->data[s->pos]))
        {
          set_syntax_error (error, s->data, start, "a decimal point must be followed by digits");
          return FALSE;
        }
      while (s->pos < s->len && is_digit (s->data[s->pos]))
        s->pos++;
    }
  if (s->pos < s->len && (s->data[s->pos] == 'e' || s->data[s->pos] == 'E'))
    {
      integer = FALSE;
      s->pos++;
      if (s->pos < s->len && (s->data[s->pos] == '+' || s->data[s->pos] == '-'))
        s->pos++;
      if (s->pos >= s->len || !is_digit (s->data[s->pos]))
        {
          set_syntax_error (error, s->data, start, "an exponent must have digits");
          return FALSE;
        }
      while (s->pos < s->len && is_digit (s->data[s->pos]))
        s->pos++;
    }

  if (integer)
    {
      static const char max_pos[] = "9223372036854775807";
      static const char max_neg[] = "9223372036854775808";
      const char *limit = negative ? max_neg : max_pos;

      if (n_digits > 19
          || (n_digits == 19 && memcmp (s->data + digits_start, limit, 19) > 0))
        {
          set_syntax_error (error, s->data, start,
                            "integer is outside the 64-bit range "
                            "(-9223372036854775808 to 9223372036854775807)");
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
scan_literal (Scanner *s, GError **error)
{
  static const char *const literals[] = { "true", "false", "null" };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (literals); i++)
    {
      gsize n = strlen (literals[i]);

      if (s->len - s->pos >= n && memcmp (s->data + s->pos, literals[i], n) == 0)
        {
          s->pos += n;
          return TRUE;
        }
    }
  set_syntax_error (error, s->data, s->pos, "expected a value");
  return FALSE;
}

typedef enum
{
  EXPECT_VALUE,
  EXPECT_VALUE_OR_CLOSE, /* just after '[' */
  EXPECT_KEY,
  EXPECT_KEY_OR_CLOSE, /* just after '{' */
  EXPECT_COLON,
  EXPECT_COMMA_OR_CLOSE,
  EXPECT_END,
} SyntaxState;

/* One pass over (UTF-8 valid, NUL-free, depth-limited) data; stack holds
 * the open brackets. */
static gboolean
check_syntax_with_stack (const char *data, gsize len, char *stack, gsize stack_size,
                         GError **error)
{
  Scanner s = { data, len, 0 };
  SyntaxState state = EXPECT_VALUE;
  gsize depth = 0;

  skip_whitespace (&s);
  if (s.pos == len)
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL, "the JSON body is empty");
      return FALSE;
    }

  for (;;)
    {
      char c;

      skip_whitespace (&s);
      if (s.pos == len)
        {
          if (state == EXPECT_END)
            return TRUE;
          set_syntax_error (error, data, len, "unexpected end of input");
          return FALSE;
        }
      c = data[s.pos];

      switch (state)
        {
        case EXPECT_END:
          set_syntax_error (error, data, s.pos, "unexpected data after the JSON value");
          return FALSE;

        case EXPECT_COLON:
          if (c != ':')
            {
              set_syntax_error (error, data, s.pos, "expected ':' after a member name");
              return FALSE;
            }
          s.pos++;
          state = EXPECT_VALUE;
          continue;

        case EXPECT_KEY_OR_CLOSE:
        case EXPECT_KEY:
          if (state == EXPECT_KEY_OR_CLOSE && c == '}')
            {
              s.pos++;
              depth--;
              break; /* a value ended */
            }
          if (c != '"')
            {
              set_syntax_error (error, data, s.pos, "expected a member name in double quotes");
              return FALSE;
            }
          if (!scan_string (&s, error))
            return FALSE;
          state = EXPECT_COLON;
          continue;

        case EXPECT_COMMA_OR_CLOSE:
          {
            char top = stack[depth - 1];

            if (c == ',')
              {
                s.pos++;
                state = top == '{' ? EXPECT_KEY : EXPECT_VALUE;
                continue;
              }
            if ((top == '{' && c == '}') || (top == '[' && c == ']'))
              {
                s.pos++;
                depth--;
                break; /* a value ended */
              }
            set_syntax_error (error, data, s.pos,
                              top == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
            return FALSE;
          }

        case EXPECT_VALUE_OR_CLOSE:
        case EXPECT_VALUE:
          if (state == EXPECT_VALUE_OR_CLOSE && c == ']')
            {
              s.pos++;
              depth--;
              break; /* a value ended */
            }
          if (c == '{' || c == '[')
            {
              if (depth + 1 >= stack_size)
                {
                  set_syntax_error (error, data, s.pos, "nesting is too deep");
                  return FALSE;
                }
              stack[depth++] = c;
              s.pos++;
              state = c == '{' ? EXPECT_KEY_OR_CLOSE : EXPECT_VALUE_OR_CLOSE;
              continue;
            }
          if (c == '"')
            {
              if (!scan_string (&s, error))
                return FALSE;
            }
          else if (c == '-' || is_digit (c))
            {
              if (!scan_number (&s, error))
                return FALSE;
            }
          else if (!scan_literal (&s, error))
            return FALSE;
          break; /* a value ended */
        }

      /* A complete value (scalar or closed container) was just read. */
      state = depth == 0 ? EXPECT_END : EXPECT_COMMA_OR_CLOSE;
    }
}

static gboolean
check_syntax (const char *data, gsize len, guint max_depth, GError **error)
{
  gsize stack_size = MIN ((gsize) max_depth, len) + 1;
  char *stack = g_malloc (stack_size);
  gboolean ok = check_syntax_with_stack (data, len, stack, stack_size, error);

  g_free (stack);
  return ok;
}

/* json-glib reports "<data>:LINE:COL: Parse error: …"; reword it. */
static void
set_error_from_json_glib (GError **error, const GError *json_error)
{
  const char *msg = json_error->message;
  const char *prefix = "<data>:";
  guint64 line = 0, column = 0;
  char *end = NULL;

  if (g_str_has_prefix (msg, prefix))
    {
      const char *p = msg + strlen (prefix);

      line = g_ascii_strtoull (p, &end, 10);
      if (end != NULL && *end == ':')
        column = g_ascii_strtoull (end + 1, &end, 10);
      if (end != NULL && *end == ':' && line > 0)
        {
          const char *rest = end + 1;

          while (*rest == ' ')
            rest++;
          if (g_str_has_prefix (rest, "Parse error: "))
            rest += strlen ("Parse error: ");
          lc_set_error (error, LC_ERROR_MALFORMED, NULL,
                        "invalid JSON at line %" G_GUINT64_FORMAT ", column %" G_GUINT64_FORMAT
                        ": %s",
                        line, column, rest);
          return;
        }
    }
  lc_set_error (error, LC_ERROR_MALFORMED, NULL, "invalid JSON: %s", msg);
}

JsonNode *
lc_json_parse (const char *data, gsize len, gsize max_bytes, guint max_depth, GError **error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) local_error = NULL;
  const char *bad_utf8 = NULL;
  JsonNode *root;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (!lc_json_check_limits (data, len, max_bytes, max_depth, error))
    return NULL;

  if (!g_utf8_validate_len (data, len, &bad_utf8))
    {
      set_syntax_error (error, data, (gsize) (bad_utf8 - data), "invalid UTF-8");
      return NULL;
    }

  if (!check_syntax (data, len, max_depth, error))
    return NULL;

  if (len > G_MAXSSIZE)
    {
      lc_set_error (error, LC_ERROR_TOO_LARGE, NULL, "the JSON body is too large");
      return NULL;
    }

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, (gssize) len, &local_error))
    {
      set_error_from_json_glib (error, local_error);
      return NULL;
    }

  root = json_parser_steal_root (parser);
  if (root == NULL)
    lc_set_error (error, LC_ERROR_MALFORMED, NULL, "the JSON body is empty");
  return root;
}

char *
lc_json_to_string (JsonNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);

  return json_to_string (node, FALSE);
}

/* ---- validation ---- */

/* A field name as it may appear in a message: at most MAX_ECHOED_NAME
 * characters, control characters replaced. (transfer full) */
static char *
printable_name (const char *name)
{
  GString *out = g_string_new (NULL);
  const char *p;
  gsize n = 0;

  for (p = name; *p != '\0' && n < MAX_ECHOED_NAME; p = g_utf8_next_char (p), n++)
    {
      gunichar ch = g_utf8_get_char (p);

      if (g_unichar_iscntrl (ch))
        g_string_append_c (out, '?');
      else
        g_string_append_unichar (out, ch);
    }
  if (*p != '\0')
    g_string_append (out, "…");
  return g_string_free (out, FALSE);
}

static const LcFieldSpec *
find_spec (const LcFieldSpec *specs, gsize n_specs, const char *name)
{
  gsize i;

  for (i = 0; i < n_specs; i++)
    if (g_strcmp0 (specs[i].name, name) == 0)
      return &specs[i];
  return NULL;
}

/* Whether text contains a control character (TEXT: except \n, \r, \t). */
static gboolean
has_control_chars (const char *text, gboolean allow_whitespace)
{
  const char *p;

  for (p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar ch = g_utf8_get_char (p);

      if (allow_whitespace && (ch == '\n' || ch == '\r' || ch == '\t'))
        continue;
      if (g_unichar_iscntrl (ch))
        return TRUE;
    }
  return FALSE;
}

/* "N to M characters", "at most M characters", "at least N characters". */
static gboolean
check_length (const LcFieldSpec *spec, const char *text, GError **error)
{
  glong n = g_utf8_strlen (text, -1);
  gboolean has_max = spec->max > 0;

  if (n >= spec->min && (!has_max || n <= spec->max))
    return TRUE;

  if (has_max && spec->min > 0 && spec->min == spec->max)
    lc_set_error (error, LC_ERROR_INVALID, spec->name,
                  "%s must be exactly %" G_GINT64_FORMAT " characters", spec->name, spec->max);
  else if (has_max && spec->min > 0)
    lc_set_error (error, LC_ERROR_INVALID, spec->name,
                  "%s must be %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT " characters", spec->name,
                  spec->min, spec->max);
  else if (has_max)
    lc_set_error (error, LC_ERROR_INVALID, spec->name,
                  "%s must be at most %" G_GINT64_FORMAT " characters", spec->name, spec->max);
  else if (spec->min == 1)
    lc_set_error (error, LC_ERROR_INVALID, spec->name, "%s must not be empty", spec->name);
  else
    lc_set_error (error, LC_ERROR_INVALID, spec->name,
                  "%s must be at least %" G_GINT64_FORMAT " characters", spec->name, spec->min);
  return FALSE;
}

/* An absolute http(s) URL with a host, no spaces or control characters. */
static gboolean
is_web_url (const char *text)
{
  g_autoptr (GUri) uri = NULL;
  const char *scheme, *host;

  if (has_control_chars (text, FALSE) || strpbrk (text, " \t") != NULL)
    return FALSE;
  uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return FALSE;
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  if (scheme == NULL
      || (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0))
    return FALSE;
  return host != NULL && host[0] != '\0';
}

static gboolean
check_url (const LcFieldSpec *spec, const char *text, GError **error)
{
  if ((spec->max <= 0 || g_utf8_strlen (text, -1) <= spec->max) && is_web_url (text))
    return TRUE;

  if (spec->max > 0)
    lc_set_error (error, LC_ERROR_INVALID, spec->name,
                  "%s must be an absolute http or https URL of at most %" G_GINT64_FORMAT
                  " characters",
                  spec->name, spec->max);
  else
    lc_set_error (error, LC_ERROR_INVALID, spec->name,
                  "%s must be an absolute http or https URL", spec->name);
  return FALSE;
}

static gboolean
check_enum (const LcFieldSpec *spec, const char *text, GError **error)
{
  g_autofree char *joined = NULL;
  gsize i;

  for (i = 0; spec->choices != NULL && spec->choices[i] != NULL; i++)
    if (strcmp (spec->choices[i], text) == 0)
      return TRUE;

  joined = spec->choices != NULL ? g_strjoinv (", ", (char **) spec->choices) : g_strdup ("");
  lc_set_error (error, LC_ERROR_INVALID, spec->name, "%s must be one of: %s", spec->name, joined);
  return FALSE;
}

static gboolean
is_string_type (LcFieldType type)
{
  switch (type)
    {
    case LC_FIELD_STRING:
    case LC_FIELD_TEXT:
    case LC_FIELD_ENUM:
    case LC_FIELD_TIME:
    case LC_FIELD_URL:
    case LC_FIELD_ID:
      return TRUE;
    case LC_FIELD_INT:
    case LC_FIELD_DOUBLE:
    case LC_FIELD_BOOL:
    default:
      return FALSE;
    }
}

static gboolean
check_member (const LcFieldSpec *spec, JsonNode *member, GError **error)
{
  GType value_type = G_TYPE_INVALID;
  const char *text = NULL;

  if (JSON_NODE_HOLDS_NULL (member))
    {
      if (spec->flags & LC_FIELD_NULLABLE)
        return TRUE;
      lc_set_error (error, LC_ERROR_INVALID, spec->name, "%s must not be null", spec->name);
      return FALSE;
    }

  if (JSON_NODE_HOLDS_VALUE (member))
    value_type = json_node_get_value_type (member);

  if (is_string_type (spec->type))
    {
      if (value_type != G_TYPE_STRING)
        {
          if (spec->type == LC_FIELD_ENUM)
            return check_enum (spec, "", error);
          lc_set_error (error, LC_ERROR_INVALID, spec->name, "%s must be a string", spec->name);
          return FALSE;
        }
      text = json_node_get_string (member);
      if (text == NULL)
        text = "";
    }

  switch (spec->type)
    {
    case LC_FIELD_STRING:
    case LC_FIELD_TEXT:
      if (has_control_chars (text, spec->type == LC_FIELD_TEXT))
        {
          lc_set_error (error, LC_ERROR_INVALID, spec->name,
                        spec->type == LC_FIELD_TEXT
                            ? "%s must not contain control characters other than newline, "
                              "carriage return and tab"
                            : "%s must not contain control characters",
                        spec->name);
          return FALSE;
        }
      return check_length (spec, text, error);

    case LC_FIELD_INT:
      {
        gint64 v;
        gboolean ranged = spec->min != 0 || spec->max != 0;

        if (value_type != G_TYPE_INT64)
          {
            if (ranged)
              lc_set_error (error, LC_ERROR_INVALID, spec->name,
                            "%s must be an integer from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                            spec->name, spec->min, spec->max);
            else
              lc_set_error (error, LC_ERROR_INVALID, spec->name, "%s must be an integer",
                            spec->name);
            return FALSE;
          }
        v = json_node_get_int (member);
        if (ranged && (v < spec->min || v > spec->max))
          {
            lc_set_error (error, LC_ERROR_INVALID, spec->name,
                          "%s must be an integer from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                          spec->name, spec->min, spec->max);
            return FALSE;
          }
        return TRUE;
      }

    case LC_FIELD_DOUBLE:
      {
        double v;
        gboolean ranged = spec->dmin != 0.0 || spec->dmax != 0.0;

        if (value_type == G_TYPE_INT64)
          v = (double) json_node_get_int (member);
        else if (value_type == G_TYPE_DOUBLE)
          v = json_node_get_double (member);
        else
          v = NAN;

        if (isfinite (v) && (!ranged || (v >= spec->dmin && v <= spec->dmax)))
          return TRUE;
        if (ranged)
          lc_set_error (error, LC_ERROR_INVALID, spec->name, "%s must be a number from %g to %g",
                        spec->name, spec->dmin, spec->dmax);
        else
          lc_set_error (error, LC_ERROR_INVALID, spec->name, "%s must be a finite number",
                        spec->name);
        return FALSE;
      }

    case LC_FIELD_BOOL:
      if (value_type == G_TYPE_BOOLEAN)
        return TRUE;
      lc_set_error (error, LC_ERROR_INVALID, spec->name, "%s must be true or false", spec->name);
      return FALSE;

    case LC_FIELD_ENUM:
      return check_enum (spec, text, error);

    case LC_FIELD_TIME:
      {
        g_autoptr (GError) time_error = NULL;
        gint64 unix_time;

        if (lc_time_parse_rfc3339 (text, spec->name, &unix_time, &time_error))
          return TRUE;
        lc_set_error (error, LC_ERROR_INVALID, spec->name,
                      "%s must be an RFC 3339 date-time with a time-zone offset, such as "
                      "2026-12-01T09:00:00+03:00",
                      spec->name);
        return FALSE;
      }

    case LC_FIELD_URL:
      return check_url (spec, text, error);

    case LC_FIELD_ID:
      if (lc_id_is_valid (text))
        return TRUE;
      lc_set_error (error, LC_ERROR_INVALID, spec->name,
                    "%s must be an id (22 characters of A-Z, a-z, 0-9, '-' and '_')", spec->name);
      return FALSE;

    default:
      lc_set_error (error, LC_ERROR_INTERNAL, spec->name, "%s has an unknown field type",
                    spec->name);
      return FALSE;
    }
}

gboolean
lc_json_validate (JsonNode *node, const LcFieldSpec *specs, gsize n_specs, gboolean partial,
                  GError **error)
{
  JsonObject *object;
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;
  gsize i;

  g_return_val_if_fail (specs != NULL || n_specs == 0, FALSE);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL, "the request body must be a JSON object");
      return FALSE;
    }
  object = json_node_get_object (node);

  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      const LcFieldSpec *spec = find_spec (specs, n_specs, name);

      if (spec == NULL)
        {
          g_autofree char *shown = printable_name (name);

          lc_set_error (error, LC_ERROR_INVALID, shown, "unknown field \"%s\"", shown);
          return FALSE;
        }
      if (spec->flags & LC_FIELD_READONLY)
        {
          lc_set_error (error, LC_ERROR_INVALID, spec->name,
                        "field \"%s\" is read-only and cannot be set", spec->name);
          return FALSE;
        }
      if (!check_member (spec, member, error))
        return FALSE;
    }

  if (partial)
    return TRUE;

  for (i = 0; i < n_specs; i++)
    {
      if (!(specs[i].flags & LC_FIELD_REQUIRED) || (specs[i].flags & LC_FIELD_READONLY))
        continue;
      if (!json_object_has_member (object, specs[i].name))
        {
          lc_set_error (error, LC_ERROR_INVALID, specs[i].name, "%s is required", specs[i].name);
          return FALSE;
        }
    }
  return TRUE;
}
