/* lc-join-token.h — signed conference join tokens (HMAC-SHA256, OpenSSL).
 *
 * Format: "lcj1.<base64url(payload JSON)>.<base64url(HMAC-SHA256(key, "lcj1." + payload part))>",
 * no padding. Payload members: "c" conference id, "s" school id, "r" role
 * ("host"/"participant"/"observer"), "n" display name (absent: the person
 * types it in), "p" participant id (absent for a per-school link), "e" expiry
 * (Unix seconds; the conference end). The MAC is compared in constant time
 * before the payload is parsed.
 *
 * The key is the server secret (conferences.join_secret_file, created with 32
 * random bytes, mode 0600, in the data dir on first start).
 */
#pragma once

#include <glib.h>
#include "lc-model.h"

G_BEGIN_DECLS

typedef struct
{
  char *conference_id;
  char *school_id;
  LcConferenceRole role;
  char *display_name;   /* nullable */
  char *participant_id; /* nullable: per-school link */
  gint64 expires_at;
} LcJoinClaims;

LcJoinClaims *lc_join_claims_new (void);
void lc_join_claims_free (LcJoinClaims *claims);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcJoinClaims, lc_join_claims_free)

/* (transfer full) Never fails for valid claims (conference_id and school_id set). */
char *lc_join_token_sign (GBytes *key, const LcJoinClaims *claims);

/* Verify and decode. Fails with LC_ERROR_UNAUTHORIZED and a clear message:
 * "malformed join token", "join token signature does not match" (tampered or
 * another server's), "join token expired at <RFC 3339>", or "join token is for
 * another conference" (when expected_conference_id is not NULL and differs).
 * Never asserts on input; token may be any string. */
LcJoinClaims *lc_join_token_verify (GBytes *key, const char *token,
                                    const char *expected_conference_id, gint64 now,
                                    GError **error);

/* Load the secret from path, or create it (32 random bytes, mode 0600) when
 * the file does not exist. A file shorter than 32 bytes fails with
 * LC_ERROR_CONFIG. (transfer full) */
GBytes *lc_join_secret_load_or_create (const char *path, GError **error);

G_END_DECLS
