/* lc-crypto.c — randomness, object ids, secrets, SHA-256, HMAC-SHA256,
 * constant-time comparison (OpenSSL libcrypto) and strict base64url. */
#include "common/lc-crypto.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#define ID_BYTES 16
#define ID_CHARS 22 /* ceil (16 * 8 / 6) */
#define SECRET_BYTES 32

static const char b64url_alphabet[]
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void
lc_random_bytes (guint8 *buf, gsize len)
{
  g_return_if_fail (buf != NULL || len == 0);

  while (len > 0)
    {
      int chunk = (int)MIN (len, (gsize)G_MAXINT);

      /* Without a working CSPRNG no id or secret would be safe: stop. */
      if (RAND_bytes (buf, chunk) != 1)
        g_error ("crypto: RAND_bytes failed, the system random generator is unusable");
      buf += chunk;
      len -= (gsize)chunk;
    }
}

char *
lc_base64url_encode (const guint8 *data, gsize len)
{
  GString *out;
  gsize i;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  out = g_string_sized_new ((len / 3 + 1) * 4 + 1);
  for (i = 0; i + 3 <= len; i += 3)
    {
      guint32 v = ((guint32)data[i] << 16) | ((guint32)data[i + 1] << 8) | data[i + 2];

      g_string_append_c (out, b64url_alphabet[(v >> 18) & 0x3f]);
      g_string_append_c (out, b64url_alphabet[(v >> 12) & 0x3f]);
      g_string_append_c (out, b64url_alphabet[(v >> 6) & 0x3f]);
      g_string_append_c (out, b64url_alphabet[v & 0x3f]);
    }

  if (len - i == 1)
    {
      guint32 v = (guint32)data[i] << 16;

      g_string_append_c (out, b64url_alphabet[(v >> 18) & 0x3f]);
      g_string_append_c (out, b64url_alphabet[(v >> 12) & 0x3f]);
    }
  else if (len - i == 2)
    {
      guint32 v = ((guint32)data[i] << 16) | ((guint32)data[i + 1] << 8);

      g_string_append_c (out, b64url_alphabet[(v >> 18) & 0x3f]);
      g_string_append_c (out, b64url_alphabet[(v >> 12) & 0x3f]);
      g_string_append_c (out, b64url_alphabet[(v >> 6) & 0x3f]);
    }

  return g_string_free (out, FALSE);
}

/* Value of one base64url character, or -1. */
static int
b64url_value (char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '-')
    return 62;
  if (c == '_')
    return 63;
  return -1;
}

guint8 *
lc_base64url_decode (const char *text, gsize *out_len)
{
  gsize text_len, rem, n_out, i, o = 0;
  guint8 *out;

  if (out_len != NULL)
    *out_len = 0;
  if (text == NULL)
    return NULL;

  text_len = strlen (text);
  rem = text_len % 4;
  if (rem == 1) /* one character carries only 6 bits: never a whole byte */
    return NULL;

  n_out = (text_len / 4) * 3 + (rem == 0 ? 0 : rem - 1);
  out = g_malloc (n_out + 1); /* +1: never a zero-size allocation */

  for (i = 0; i < text_len; i += 4)
    {
      gsize chunk = MIN (4, text_len - i);
      guint32 v = 0;
      gsize j;

      for (j = 0; j < chunk; j++)
        {
          int d = b64url_value (text[i + j]);

          if (d < 0)
            goto fail;
          v |= (guint32)d << (18 - 6 * j);
        }

      /* A short final group must have its unused low bits zero (canonical form). */
      if (chunk == 2 && (v & 0x00ffff) != 0)
        goto fail;
      if (chunk == 3 && (v & 0x0000ff) != 0)
        goto fail;

      out[o++] = (guint8)(v >> 16);
      if (chunk >= 3)
        out[o++] = (guint8)(v >> 8);
      if (chunk == 4)
        out[o++] = (guint8)v;
    }

  if (out_len != NULL)
    *out_len = n_out;
  return out;

fail:
  OPENSSL_cleanse (out, n_out + 1);
  g_free (out);
  return NULL;
}

char *
lc_id_new (void)
{
  guint8 raw[ID_BYTES];
  char *id;

  lc_random_bytes (raw, sizeof raw);
  id = lc_base64url_encode (raw, sizeof raw);
  OPENSSL_cleanse (raw, sizeof raw);
  return id;
}

gboolean
lc_id_is_valid (const char *text)
{
  gsize i;

  if (text == NULL)
    return FALSE;

  for (i = 0; i < ID_CHARS; i++)
    if (text[i] == '\0' || b64url_value (text[i]) < 0)
      return FALSE;

  /* The last character of 16 bytes carries 2 bits (4 zero bits) — ids from
   * lc_id_new always have them zero; the shape check stays lenient on that. */
  return text[ID_CHARS] == '\0';
}

char *
lc_secret_new (const char *prefix)
{
  guint8 raw[SECRET_BYTES];
  g_autofree char *body = NULL;

  lc_random_bytes (raw, sizeof raw);
  body = lc_base64url_encode (raw, sizeof raw);
  OPENSSL_cleanse (raw, sizeof raw);

  if (prefix == NULL || prefix[0] == '\0')
    return g_steal_pointer (&body);
  return g_strconcat (prefix, "_", body, NULL);
}

void
lc_sha256 (const guint8 *data, gsize len, guint8 out[32])
{
  unsigned int out_len = 32;

  g_return_if_fail (data != NULL || len == 0);
  g_return_if_fail (out != NULL);

  if (EVP_Digest (len > 0 ? data : (const guint8 *)"", len, out, &out_len, EVP_sha256 (), NULL) != 1
      || out_len != 32)
    g_error ("crypto: SHA-256 is unavailable in this OpenSSL");
}

char *
lc_sha256_hex (const char *text)
{
  static const char hex[] = "0123456789abcdef";
  guint8 digest[32];
  char *out;
  gsize i;

  g_return_val_if_fail (text != NULL, NULL);

  lc_sha256 ((const guint8 *)text, strlen (text), digest);
  out = g_malloc (65);
  for (i = 0; i < 32; i++)
    {
      out[2 * i] = hex[digest[i] >> 4];
      out[2 * i + 1] = hex[digest[i] & 0x0f];
    }
  out[64] = '\0';
  return out;
}

void
lc_hmac_sha256 (const guint8 *key, gsize key_len, const guint8 *data, gsize len, guint8 out[32])
{
  unsigned int out_len = 32;
  static const guint8 empty[1] = { 0 };

  g_return_if_fail (key != NULL || key_len == 0);
  g_return_if_fail (data != NULL || len == 0);
  g_return_if_fail (out != NULL);
  g_return_if_fail (key_len <= G_MAXINT);

  if (HMAC (EVP_sha256 (), key_len > 0 ? key : empty, (int)key_len, len > 0 ? data : empty, len,
            out, &out_len)
          == NULL
      || out_len != 32)
    g_error ("crypto: HMAC-SHA256 is unavailable in this OpenSSL");
}

gboolean
lc_const_equal (const char *a, const char *b)
{
  gsize la, lb;

  if (a == NULL || b == NULL)
    return FALSE;

  la = strlen (a);
  lb = strlen (b);
  if (la != lb)
    return FALSE;
  if (la == 0)
    return TRUE;
  return CRYPTO_memcmp (a, b, la) == 0;
}
