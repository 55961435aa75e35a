/* lc-password.c — scrypt password hashes in PHC string form
 * ($scrypt$ln=15,r=8,p=1$<salt>$<hash>, base64url) and the password policy.
 * Encoded strings come from the database and are parsed defensively: a
 * malformed or oversized one never matches and never crashes. */
#include "common/lc-password.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common/lc-crypto.h"
#include "common/lc-error.h"

#define SALT_BYTES 16
#define KEY_BYTES 32
#define MIN_SALT_BYTES 8
#define MAX_SALT_BYTES 64
#define MAX_LOG2_N 20 /* 128 MiB with r = 1, 1 GiB with r = 8 */
#define MAX_R 32
#define MAX_P 16
#define MAX_SCRYPT_MEMORY ((G_GUINT64_CONSTANT (1) << 30) + (G_GUINT64_CONSTANT (1) << 20))
#define MAX_ENCODED_LEN 256
#define MAX_PASSWORD_BYTES 256
#define SCRYPT_PREFIX "$scrypt$"

/* A short list of the passwords attackers try first (compared case-insensitively). */
static const char *const common_passwords[] = {
  "password",  "password1",  "password123", "passw0rd", "123456",    "1234567",  "12345678",
  "123456789", "1234567890", "12345678910", "qwerty",   "qwerty123", "qwertyui", "qwertyuiop",
  "1q2w3e4r",  "1q2w3e4r5t", "1qaz2wsx",    "zaq12wsx", "qazwsx",    "abc123",   "abcd1234",
  "iloveyou",  "admin",      "admin123",    "welcome",  "letmein",   "monkey",   "dragon",
  "football",  "sunshine",   "princess",    "trustno1", "changeme",  "123123",   "123321",
  "654321",    "йцукен",     "йцукенгшщз",  "пароль",
};

void
lc_kdf_params_init_default (LcKdfParams *params)
{
  g_return_if_fail (params != NULL);

  params->log2_n = LC_KDF_DEFAULT_LOG2_N;
  params->r = 8;
  params->p = 1;
}

/* Bytes OpenSSL's scrypt allocates: B (128·r·p) plus V (128·r·(N + 2)). */
static guint64
scrypt_memory (const LcKdfParams *params)
{
  guint64 n = G_GUINT64_CONSTANT (1) << params->log2_n;

  return 128 * (guint64)params->r * (guint64)params->p + 128 * (guint64)params->r * (n + 2);
}

/* Whether params are within the bounds this module ever computes with. */
static gboolean
kdf_params_in_bounds (const LcKdfParams *params)
{
  return params->log2_n >= 1 && params->log2_n <= MAX_LOG2_N && params->r >= 1 && params->r <= MAX_R
         && params->p >= 1 && params->p <= MAX_P && scrypt_memory (params) <= MAX_SCRYPT_MEMORY;
}

static gboolean
derive_key (const char *password, const guint8 *salt, gsize salt_len, const LcKdfParams *params,
            guint8 out[KEY_BYTES])
{
  /* maxmem: what scrypt needs plus a margin (OpenSSL counts slightly differently). */
  guint64 maxmem = scrypt_memory (params) + (G_GUINT64_CONSTANT (1) << 20);

  return EVP_PBE_scrypt (password, strlen (password), salt, salt_len,
                         G_GUINT64_CONSTANT (1) << params->log2_n, (guint64)params->r,
                         (guint64)params->p, maxmem, out, KEY_BYTES)
         == 1;
}

char *
lc_password_hash (const char *password, const LcKdfParams *params, GError **error)
{
  LcKdfParams defaults;
  guint8 salt[SALT_BYTES];
  guint8 key[KEY_BYTES];
  g_autofree char *salt_text = NULL;
  g_autofree char *key_text = NULL;

  g_return_val_if_fail (password != NULL, NULL);

  if (params == NULL)
    {
      lc_kdf_params_init_default (&defaults);
      params = &defaults;
    }

  if (!kdf_params_in_bounds (params) || params->log2_n < LC_KDF_MIN_LOG2_N)
    {
      lc_set_error (error, LC_ERROR_INTERNAL, NULL,
                    "password: unsupported scrypt parameters ln=%d r=%d p=%d", params->log2_n,
                    params->r, params->p);
      return NULL;
    }

  lc_random_bytes (salt, sizeof salt);
  if (!derive_key (password, salt, sizeof salt, params, key))
    {
      OPENSSL_cleanse (key, sizeof key);
      lc_set_error (error, LC_ERROR_INTERNAL, NULL,
                    "password: scrypt failed (ln=%d r=%d p=%d; out of memory?)", params->log2_n,
                    params->r, params->p);
      return NULL;
    }

  salt_text = lc_base64url_encode (salt, sizeof salt);
  key_text = lc_base64url_encode (key, sizeof key);
  OPENSSL_cleanse (key, sizeof key);

  return g_strdup_printf (SCRYPT_PREFIX "ln=%d,r=%d,p=%d$%s$%s", params->log2_n, params->r,
                          params->p, salt_text, key_text);
}

/* Parse "<name>=<1 to 3 digits, no leading zero>" at *p, then the separator
 * sep ('\0' accepted only as the end of the parameter section, i.e. '$'). */
static gboolean
parse_param (const char **p, const char *name, char sep, int *out)
{
  gsize name_len = strlen (name);
  const char *s = *p;
  int v = 0;
  int digits = 0;

  if (strncmp (s, name, name_len) != 0 || s[name_len] != '=')
    return FALSE;
  s += name_len + 1;

  if (s[0] == '0') /* no leading zeros, and 0 is never a valid value */
    return FALSE;
  while (*s >= '0' && *s <= '9')
    {
      if (++digits > 3)
        return FALSE;
      v = v * 10 + (*s - '0');
      s++;
    }
  if (digits == 0 || *s != sep)
    return FALSE;

  *out = v;
  *p = s + 1;
  return TRUE;
}

typedef struct
{
  LcKdfParams params;
  guint8 *salt;
  gsize salt_len;
  guint8 *key;
  gsize key_len;
} ParsedHash;

static void
parsed_hash_clear (ParsedHash *parsed)
{
  g_clear_pointer (&parsed->salt, g_free);
  if (parsed->key != NULL)
    OPENSSL_cleanse (parsed->key, parsed->key_len);
  g_clear_pointer (&parsed->key, g_free);
}

static gboolean
parse_encoded (const char *encoded, ParsedHash *out)
{
  const char *p;
  const char *salt_end;
  g_autofree char *salt_text = NULL;

  *out = (ParsedHash){ 0 };

  if (encoded == NULL || strnlen (encoded, MAX_ENCODED_LEN + 1) > MAX_ENCODED_LEN)
    return FALSE;
  if (!g_str_has_prefix (encoded, SCRYPT_PREFIX))
    return FALSE;
  p = encoded + strlen (SCRYPT_PREFIX);

  if (!parse_param (&p, "ln", ',', &out->params.log2_n)
      || !parse_param (&p, "r", ',', &out->params.r) || !parse_param (&p, "p", '$', &out->params.p))
    return FALSE;
  if (!kdf_params_in_bounds (&out->params))
    return FALSE;

  salt_end = strchr (p, '$');
  if (salt_end == NULL)
    return FALSE;
  salt_text = g_strndup (p, (gsize)(salt_end - p));
  out->salt = lc_base64url_decode (salt_text, &out->salt_len);
  out->key = lc_base64url_decode (salt_end + 1, &out->key_len);

  if (out->salt == NULL || out->salt_len < MIN_SALT_BYTES || out->salt_len > MAX_SALT_BYTES
      || out->key == NULL || out->key_len != KEY_BYTES)
    {
      parsed_hash_clear (out);
      return FALSE;
    }
  return TRUE;
}

gboolean
lc_password_verify (const char *password, const char *encoded, const LcKdfParams *params,
                    gboolean *needs_rehash)
{
  LcKdfParams defaults;
  ParsedHash parsed;
  guint8 key[KEY_BYTES];
  gboolean match;

  if (needs_rehash != NULL)
    *needs_rehash = FALSE;
  if (password == NULL)
    return FALSE;
  if (!parse_encoded (encoded, &parsed))
    return FALSE;

  if (params == NULL)
    {
      lc_kdf_params_init_default (&defaults);
      params = &defaults;
    }

  match = derive_key (password, parsed.salt, parsed.salt_len, &parsed.params, key)
          && CRYPTO_memcmp (key, parsed.key, KEY_BYTES) == 0;
  OPENSSL_cleanse (key, sizeof key);

  if (match && needs_rehash != NULL)
    *needs_rehash = parsed.params.log2_n != params->log2_n || parsed.params.r != params->r
                    || parsed.params.p != params->p || parsed.salt_len != SALT_BYTES;

  parsed_hash_clear (&parsed);
  return match;
}

static gboolean
is_one_repeated_character (const char *password)
{
  gunichar first = g_utf8_get_char (password);
  const char *p;

  for (p = password; *p != '\0'; p = g_utf8_next_char (p))
    if (g_utf8_get_char (p) != first)
      return FALSE;
  return TRUE;
}

static gboolean
is_common_password (const char *folded)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (common_passwords); i++)
    {
      g_autofree char *common = g_utf8_casefold (common_passwords[i], -1);

      if (strcmp (folded, common) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
reject (GError **error, const char *message)
{
  lc_set_error (error, LC_ERROR_WEAK_PASSWORD, "password", "%s", message);
  return FALSE;
}

gboolean
lc_password_check_policy (const char *password, int min_length, const char *login, GError **error)
{
  g_autofree char *folded = NULL;
  g_autofree char *too_short = NULL;
  int required = MAX (min_length, 1);
  glong n_chars;

  if (password == NULL || password[0] == '\0')
    {
      too_short = g_strdup_printf ("The password must not be empty: use at least %d %s.", required,
                                   required == 1 ? "character" : "characters");
      return reject (error, too_short);
    }

  if (strnlen (password, MAX_PASSWORD_BYTES + 1) > MAX_PASSWORD_BYTES)
    return reject (error, "The password is too long: at most 256 bytes are allowed "
                          "(256 Latin letters or digits, fewer for other alphabets).");

  if (!g_utf8_validate (password, -1, NULL))
    return reject (error, "The password contains bytes that are not valid UTF-8 text.");

  n_chars = g_utf8_strlen (password, -1);
  if (n_chars < required)
    {
      too_short = g_strdup_printf ("The password is too short: use at least %d %s.", required,
                                   required == 1 ? "character" : "characters");
      return reject (error, too_short);
    }

  folded = g_utf8_casefold (password, -1);

  if (login != NULL && g_utf8_validate (login, -1, NULL))
    {
      g_autofree char *folded_login = g_utf8_casefold (login, -1);

      if (strcmp (folded, folded_login) == 0)
        return reject (error, "The password must not be the same as the login.");
    }

  if (is_one_repeated_character (password))
    return reject (error, "The password must not be one character repeated.");

  if (is_common_password (folded))
    return reject (error, "This password is one of the most common passwords and is tried first by "
                          "attackers; choose another one.");

  return TRUE;
}
