/* lc-error.c — the LC_ERROR domain (an extended GError carrying field,
 * Retry-After, Allow and conflict id) and its pure mapping to RFC 9457
 * problem kinds. */
#include "common/lc-error.h"

#include <gio/gio.h>

typedef struct
{
  char *field;
  int retry_after;
  char *allow;
  char *conflict_id;
} LcErrorPrivate;

static void
lc_error_private_init (LcErrorPrivate *priv)
{
  priv->field = NULL;
  priv->retry_after = 0;
  priv->allow = NULL;
  priv->conflict_id = NULL;
}

static void
lc_error_private_copy (const LcErrorPrivate *src, LcErrorPrivate *dest)
{
  dest->field = g_strdup (src->field);
  dest->retry_after = src->retry_after;
  dest->allow = g_strdup (src->allow);
  dest->conflict_id = g_strdup (src->conflict_id);
}

static void
lc_error_private_clear (LcErrorPrivate *priv)
{
  g_clear_pointer (&priv->field, g_free);
  g_clear_pointer (&priv->allow, g_free);
  g_clear_pointer (&priv->conflict_id, g_free);
}

/* Defines lc_error_quark() and lc_error_get_private(). */
G_DEFINE_EXTENDED_ERROR (LcError, lc_error)

/* Private data of an LC_ERROR, or NULL for any other domain (no warning). */
static LcErrorPrivate *
lookup_private (const GError *error)
{
  if (error == NULL || error->domain != LC_ERROR)
    return NULL;
  return lc_error_get_private (error);
}

void
lc_set_error (GError **error, LcErrorCode code, const char *field, const char *format, ...)
{
  GError *new_error;
  va_list args;

  if (error == NULL)
    return;

  va_start (args, format);
  new_error = g_error_new_valist (LC_ERROR, (int)code, format, args);
  va_end (args);

  if (field != NULL)
    lc_error_set_field (new_error, field);

  g_propagate_error (error, new_error);
}

const char *
lc_error_get_field (const GError *error)
{
  LcErrorPrivate *priv = lookup_private (error);

  return priv != NULL ? priv->field : NULL;
}

void
lc_error_set_field (GError *error, const char *field)
{
  LcErrorPrivate *priv = lookup_private (error);

  g_return_if_fail (priv != NULL);
  g_free (priv->field);
  priv->field = g_strdup (field);
}

int
lc_error_get_retry_after (const GError *error)
{
  LcErrorPrivate *priv = lookup_private (error);

  return priv != NULL ? priv->retry_after : 0;
}

void
lc_error_set_retry_after (GError *error, int seconds)
{
  LcErrorPrivate *priv = lookup_private (error);

  g_return_if_fail (priv != NULL);
  priv->retry_after = MAX (seconds, 0);
}

const char *
lc_error_get_allow (const GError *error)
{
  LcErrorPrivate *priv = lookup_private (error);

  return priv != NULL ? priv->allow : NULL;
}

void
lc_error_set_allow (GError *error, const char *allow)
{
  LcErrorPrivate *priv = lookup_private (error);

  g_return_if_fail (priv != NULL);
  g_free (priv->allow);
  priv->allow = g_strdup (allow);
}

const char *
lc_error_get_conflict_id (const GError *error)
{
  LcErrorPrivate *priv = lookup_private (error);

  return priv != NULL ? priv->conflict_id : NULL;
}

void
lc_error_set_conflict_id (GError *error, const char *id)
{
  LcErrorPrivate *priv = lookup_private (error);

  g_return_if_fail (priv != NULL);
  g_free (priv->conflict_id);
  priv->conflict_id = g_strdup (id);
}

#define PROBLEM(slug) "urn:lessoncast:problem:" slug

static const LcProblemKind problem_internal
    = { 500, PROBLEM ("internal"), "Internal server error" };
static const LcProblemKind problem_unavailable
    = { 503, PROBLEM ("unavailable"), "Service unavailable" };

/* Indexed by LcErrorCode; the order must follow the enum. */
static const LcProblemKind problem_kinds[] = {
  [LC_ERROR_MALFORMED] = { 400, PROBLEM ("malformed-request"), "Malformed request" },
  [LC_ERROR_UNAUTHORIZED] = { 401, PROBLEM ("unauthorized"), "Authentication required" },
  [LC_ERROR_FORBIDDEN] = { 403, PROBLEM ("forbidden"), "Forbidden" },
  [LC_ERROR_CSRF] = { 403, PROBLEM ("csrf"), "Cross-site request refused" },
  [LC_ERROR_NOT_FOUND] = { 404, PROBLEM ("not-found"), "Not found" },
  [LC_ERROR_METHOD_NOT_ALLOWED] = { 405, PROBLEM ("method-not-allowed"), "Method not allowed" },
  [LC_ERROR_CONFLICT] = { 409, PROBLEM ("conflict"), "Conflict" },
  [LC_ERROR_PRECONDITION_FAILED] = { 412, PROBLEM ("precondition-failed"), "Precondition failed" },
  [LC_ERROR_TOO_LARGE] = { 413, PROBLEM ("payload-too-large"), "Payload too large" },
  [LC_ERROR_UNSUPPORTED_MEDIA_TYPE]
  = { 415, PROBLEM ("unsupported-media-type"), "Unsupported media type" },
  [LC_ERROR_INVALID] = { 422, PROBLEM ("invalid-field"), "Invalid field" },
  [LC_ERROR_WEAK_PASSWORD] = { 422, PROBLEM ("weak-password"), "Password too weak" },
  [LC_ERROR_RATE_LIMITED] = { 429, PROBLEM ("rate-limited"), "Too many requests" },
  [LC_ERROR_INTERNAL] = { 500, PROBLEM ("internal"), "Internal server error" },
  [LC_ERROR_UNAVAILABLE] = { 503, PROBLEM ("unavailable"), "Service unavailable" },
  [LC_ERROR_CONFIG] = { 500, PROBLEM ("configuration"), "Configuration error" },
  [LC_ERROR_STORE] = { 500, PROBLEM ("internal"), "Internal server error" },
};

LcProblemKind
lc_problem_from_error (const GError *error)
{
  g_return_val_if_fail (error != NULL, problem_internal);

  if (error->domain == LC_ERROR)
    {
      if (error->code >= 0 && (gsize)error->code < G_N_ELEMENTS (problem_kinds)
          && problem_kinds[error->code].type != NULL)
        return problem_kinds[error->code];
      return problem_internal;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return problem_unavailable;

  return problem_internal;
}

gboolean
lc_problem_detail_is_public (const GError *error)
{
  g_return_val_if_fail (error != NULL, FALSE);

  if (error->domain != LC_ERROR)
    return FALSE;

  switch ((LcErrorCode)error->code)
    {
    case LC_ERROR_INTERNAL:
    case LC_ERROR_STORE:
      return FALSE;
    case LC_ERROR_MALFORMED:
    case LC_ERROR_UNAUTHORIZED:
    case LC_ERROR_FORBIDDEN:
    case LC_ERROR_CSRF:
    case LC_ERROR_NOT_FOUND:
    case LC_ERROR_METHOD_NOT_ALLOWED:
    case LC_ERROR_CONFLICT:
    case LC_ERROR_PRECONDITION_FAILED:
    case LC_ERROR_TOO_LARGE:
    case LC_ERROR_UNSUPPORTED_MEDIA_TYPE:
    case LC_ERROR_INVALID:
    case LC_ERROR_WEAK_PASSWORD:
    case LC_ERROR_RATE_LIMITED:
    case LC_ERROR_UNAVAILABLE:
    case LC_ERROR_CONFIG:
      return TRUE;
    default:
      return FALSE;
    }
}
