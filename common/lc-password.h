/* lc-password.h — password hashing (scrypt through OpenSSL EVP_PBE_scrypt)
 * and password policy.
 *
 * Encoded form (PHC string format):  $scrypt$ln=15,r=8,p=1$<salt b64url>$<hash b64url>
 * 16-byte random salt, 32-byte derived key. Verification is constant time and
 * reports when the stored parameters are weaker than the current ones.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  int log2_n; /* CPU/memory cost as a power of two; default 15 (32 MiB with r=8) */
  int r;      /* block size; default 8 */
  int p;      /* parallelism; default 1 */
} LcKdfParams;

#define LC_KDF_DEFAULT_LOG2_N 15
#define LC_KDF_MIN_LOG2_N 10 /* lowest accepted in config (tests only use it) */

void lc_kdf_params_init_default (LcKdfParams *params);

/* (transfer full) PHC string, or NULL with LC_ERROR_INTERNAL. */
char *lc_password_hash (const char *password, const LcKdfParams *params, GError **error);

/* TRUE when password matches. needs_rehash (nullable) is set TRUE when the
 * encoded parameters differ from params (params nullable = defaults).
 * A malformed encoded string never matches (and never crashes). */
gboolean lc_password_verify (const char *password, const char *encoded, const LcKdfParams *params,
                             gboolean *needs_rehash);

/* Policy: valid UTF-8, at least min_length characters, at most 256 bytes,
 * not equal to the login (case-insensitive), not one repeated character, not in a
 * short list of the most common passwords. LC_ERROR_WEAK_PASSWORD with field
 * "password" and a message a user understands. login nullable. */
gboolean lc_password_check_policy (const char *password, int min_length, const char *login,
                                   GError **error);

G_END_DECLS
