/* lc-crypto.h — randomness, ids, secrets, digests (OpenSSL libcrypto). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Fill buf with cryptographically secure random bytes (OpenSSL RAND_bytes).
 * Aborts only if the system CSPRNG is unusable. */
void lc_random_bytes (guint8 *buf, gsize len);

/* URL-safe base64 without padding (RFC 4648 §5). */
char *lc_base64url_encode (const guint8 *data, gsize len);
/* Returns NULL on invalid input (bad alphabet, impossible length). */
guint8 *lc_base64url_decode (const char *text, gsize *out_len);

/* A new object id: 16 random bytes (128 bits), base64url → 22 characters. */
char *lc_id_new (void);
/* TRUE if text has the shape of an lc_id_new id (22 chars of [A-Za-z0-9_-]). NULL-safe. */
gboolean lc_id_is_valid (const char *text);

/* A new secret (session cookie, API token, publish key) with a readable prefix:
 * "<prefix>_" + base64url(32 random bytes) (256 bits). prefix may be NULL. */
char *lc_secret_new (const char *prefix);

/* SHA-256 of a string, lowercase hex (64 chars): how secrets are stored. */
char *lc_sha256_hex (const char *text);
/* SHA-256 of bytes into out[32]. */
void lc_sha256 (const guint8 *data, gsize len, guint8 out[32]);
/* HMAC-SHA256 into out[32]. */
void lc_hmac_sha256 (const guint8 *key, gsize key_len, const guint8 *data, gsize len, guint8 out[32]);

/* Constant-time comparison (CRYPTO_memcmp); strings of different length are
 * unequal (only the length leaks). NULL-safe (NULL equals nothing). */
gboolean lc_const_equal (const char *a, const char *b);

G_END_DECLS
