/* lc-error.h — the lessoncast error domain and its mapping to RFC 9457 problems.
 *
 * Every fallible call in lessoncast reports a GError in LC_ERROR. The error is
 * "extended" (G_DEFINE_EXTENDED_ERROR): it may carry the field at fault, a
 * Retry-After value, an Allow list, or the id of a conflicting object. One pure
 * function, lc_problem_from_error(), turns any GError into the HTTP status,
 * stable problem type and title; the HTTP layer only serialises that.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  LC_ERROR_MALFORMED,              /* 400: unparsable body, bad query, bad header */
  LC_ERROR_UNAUTHORIZED,           /* 401: no or bad credentials */
  LC_ERROR_FORBIDDEN,              /* 403: authenticated but not allowed */
  LC_ERROR_CSRF,                   /* 403: cookie-authenticated request from a foreign Origin */
  LC_ERROR_NOT_FOUND,              /* 404 */
  LC_ERROR_METHOD_NOT_ALLOWED,     /* 405 (allow = "GET, POST") */
  LC_ERROR_CONFLICT,               /* 409 (conflict_id may name the other object) */
  LC_ERROR_PRECONDITION_FAILED,    /* 412 */
  LC_ERROR_TOO_LARGE,              /* 413 */
  LC_ERROR_UNSUPPORTED_MEDIA_TYPE, /* 415 */
  LC_ERROR_INVALID,                /* 422: well-formed but a field is invalid (field = name) */
  LC_ERROR_WEAK_PASSWORD,          /* 422: password rejected by the policy (field = "password") */
  LC_ERROR_RATE_LIMITED,           /* 429 (retry_after seconds) */
  LC_ERROR_INTERNAL,               /* 500 */
  LC_ERROR_UNAVAILABLE,            /* 503 (retry_after seconds, optional) */
  LC_ERROR_CONFIG,                 /* invalid configuration or usage: exit code 2 */
  LC_ERROR_STORE,                  /* database failure (maps to 500) */
} LcErrorCode;

#define LC_ERROR (lc_error_quark ())
GQuark lc_error_quark (void);

/* Set an LC_ERROR with an optional field name (nullable). */
void lc_set_error (GError **error, LcErrorCode code, const char *field, const char *format, ...)
    G_GNUC_PRINTF (4, 5);

/* Extended data; all getters accept any GError (return NULL / 0 when absent). */
const char *lc_error_get_field (const GError *error);
void lc_error_set_field (GError *error, const char *field);
int lc_error_get_retry_after (const GError *error);
void lc_error_set_retry_after (GError *error, int seconds);
const char *lc_error_get_allow (const GError *error);
void lc_error_set_allow (GError *error, const char *allow);
const char *lc_error_get_conflict_id (const GError *error);
void lc_error_set_conflict_id (GError *error, const char *id);

/* The RFC 9457 view of an error. Pure: no I/O. */
typedef struct
{
  guint status;      /* HTTP status */
  const char *type;  /* stable URI, "urn:lessoncast:problem:<slug>" (static string) */
  const char *title; /* short, stable English summary (static string) */
} LcProblemKind;

/* Map any GError (any domain) to status/type/title. Non-LC errors map to 500
 * "internal" except G_IO_ERROR_TIMED_OUT/CANCELLED (503). Never NULL. */
LcProblemKind lc_problem_from_error (const GError *error);

/* Whether the error's message may be shown to the client as "detail".
 * Internal and store errors are hidden (the client sees a generic text). */
gboolean lc_problem_detail_is_public (const GError *error);

G_END_DECLS
