/* test-crypto.c — base64url (RFC 4648 §5), SHA-256, HMAC-SHA256 (RFC 4231),
 * ids, secrets, randomness and constant-time comparison (common/lc-crypto). */
#include <string.h>

#include "common/lc-crypto.h"

static char *
to_hex (const guint8 *data, gsize len)
{
  GString *s = g_string_new (NULL);
  gsize i;

  for (i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", data[i]);
  return g_string_free (s, FALSE);
}

static void
test_base64url_rfc4648 (void)
{
  static const struct
  {
    const char *plain;
    const char *encoded;
  } vectors[] = {
    { "", "" },           { "f", "Zg" },          { "fo", "Zm8" },          { "foo", "Zm9v" },
    { "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" }, { "foobar", "Zm9vYmFy" },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      gsize plain_len = strlen (vectors[i].plain);
      g_autofree char *encoded = lc_base64url_encode ((const guint8 *)vectors[i].plain, plain_len);
      g_autofree guint8 *decoded = NULL;
      gsize decoded_len = 99;

      g_assert_cmpstr (encoded, ==, vectors[i].encoded);
      decoded = lc_base64url_decode (vectors[i].encoded, &decoded_len);
      g_assert_nonnull (decoded);
      g_assert_cmpmem (decoded, decoded_len, vectors[i].plain, plain_len);
    }
}

static void
test_base64url_alphabet (void)
{
  /* The URL-safe alphabet: 62 is '-' and 63 is '_' (standard base64: '+' and '/'). */
  static const guint8 minus[] = { 0xfb, 0xef, 0xbe };
  static const guint8 underscore[] = { 0xff, 0xff, 0xff };
  static const guint8 two[] = { 0xfb, 0xff };
  g_autofree char *a = lc_base64url_encode (minus, sizeof minus);
  g_autofree char *b = lc_base64url_encode (underscore, sizeof underscore);
  g_autofree char *c = lc_base64url_encode (two, sizeof two);
  g_autofree guint8 *back = NULL;
  gsize len = 0;

  g_assert_cmpstr (a, ==, "----");
  g_assert_cmpstr (b, ==, "____");
  g_assert_cmpstr (c, ==, "-_8");
  back = lc_base64url_decode ("-_8", &len);
  g_assert_cmpmem (back, len, two, sizeof two);
}

static void
test_base64url_round_trip (void)
{
  guint8 data[67];
  gsize n;

  for (n = 0; n < sizeof data; n++)
    data[n] = (guint8)(n * 37 + 11);

  for (n = 0; n <= sizeof data; n++)
    {
      g_autofree char *text = lc_base64url_encode (data, n);
      g_autofree guint8 *back = NULL;
      gsize len = 0;

      g_assert_cmpuint (strlen (text), ==, (n * 4 + 2) / 3);
      back = lc_base64url_decode (text, &len);
      g_assert_nonnull (back);
      g_assert_cmpmem (back, len, data, n);
    }
}

static void
test_base64url_reject (void)
{
  static const char *const bad[] = {
    /* padding is not used */
    "Zg==",
    "Zm8=",
    "=",
    /* one character cannot encode a byte; length 5 is 1 (mod 4) */
    "Z",
    "Zm9vY",
    /* characters outside the URL-safe alphabet (standard '+' and '/', spaces, bytes) */
    "Zm9v!",
    "Zm+v",
    "Zm/v",
    " Zg",
    "Zg ",
    "Zm9\n",
    "Zm\x80v",
    /* non-zero unused low bits: not canonical ("fo" is Zm8) */
    "Zh",
    "Zm9",
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      gsize len = 42;
      g_autofree guint8 *out = lc_base64url_decode (bad[i], &len);
      g_autofree char *escaped = g_strescape (bad[i], NULL);

      g_test_message ("rejecting \"%s\"", escaped);
      g_assert_null (out);
      g_assert_cmpuint (len, ==, 0);
    }

  g_assert_null (lc_base64url_decode (NULL, NULL));
}

static void
test_sha256 (void)
{
  g_autofree char *abc = lc_sha256_hex ("abc");
  g_autofree char *empty = lc_sha256_hex ("");
  g_autofree char *hex = NULL;
  guint8 digest[32];

  g_assert_cmpstr (abc, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  g_assert_cmpstr (empty, ==, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

  lc_sha256 ((const guint8 *)"abc", 3, digest);
  hex = to_hex (digest, sizeof digest);
  g_assert_cmpstr (hex, ==, abc);
}

static void
test_hmac_rfc4231 (void)
{
  guint8 key1[20];
  guint8 out[32];
  g_autofree char *hex1 = NULL;
  g_autofree char *hex2 = NULL;
  const char *data2 = "what do ya want for nothing?";

  /* Test case 1 */
  memset (key1, 0x0b, sizeof key1);
  lc_hmac_sha256 (key1, sizeof key1, (const guint8 *)"Hi There", 8, out);
  hex1 = to_hex (out, sizeof out);
  g_assert_cmpstr (hex1, ==, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

  /* Test case 2 */
  lc_hmac_sha256 ((const guint8 *)"Jefe", 4, (const guint8 *)data2, strlen (data2), out);
  hex2 = to_hex (out, sizeof out);
  g_assert_cmpstr (hex2, ==, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void
test_random_bytes (void)
{
  guint8 a[64] = { 0 };
  guint8 b[64] = { 0 };
  static const guint8 zero[64] = { 0 };

  lc_random_bytes (a, sizeof a);
  lc_random_bytes (b, sizeof b);
  lc_random_bytes (NULL, 0);
  g_assert_true (memcmp (a, zero, sizeof a) != 0);
  g_assert_true (memcmp (a, b, sizeof a) != 0);
}

static void
test_id_shape (void)
{
  g_autofree char *id = lc_id_new ();
  g_autofree guint8 *raw = NULL;
  gsize len = 0;

  g_assert_cmpuint (strlen (id), ==, 22);
  g_assert_true (lc_id_is_valid (id));
  raw = lc_base64url_decode (id, &len);
  g_assert_nonnull (raw);
  g_assert_cmpuint (len, ==, 16);

  g_assert_true (lc_id_is_valid ("abcdefghijklmnopqrst-_"));
  g_assert_false (lc_id_is_valid (NULL));
  g_assert_false (lc_id_is_valid (""));
  g_assert_false (lc_id_is_valid ("abcdefghijklmnopqrst-"));   /* 21 */
  g_assert_false (lc_id_is_valid ("abcdefghijklmnopqrst-_A")); /* 23 */
  g_assert_false (lc_id_is_valid ("abcdefghijklmnopqrst+_"));
  g_assert_false (lc_id_is_valid ("abcdefghijklmnopqrst=="));
  g_assert_false (lc_id_is_valid ("abcdefghij/lmnopqrst-_"));
  g_assert_false (lc_id_is_valid ("../../../../etc/passwd"));
}

static void
test_id_unique (void)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  int i;

  for (i = 0; i < 10000; i++)
    {
      char *id = lc_id_new ();

      g_assert_true (lc_id_is_valid (id));
      g_assert_true (g_hash_table_add (seen, id));
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 10000);
}

static void
test_secret (void)
{
  g_autofree char *a = lc_secret_new ("lct");
  g_autofree char *b = lc_secret_new ("lct");
  g_autofree char *bare = lc_secret_new (NULL);
  g_autofree guint8 *raw = NULL;
  gsize len = 0;

  g_assert_true (g_str_has_prefix (a, "lct_"));
  g_assert_cmpuint (strlen (a), ==, 4 + 43);
  g_assert_cmpstr (a, !=, b);
  raw = lc_base64url_decode (a + 4, &len);
  g_assert_nonnull (raw);
  g_assert_cmpuint (len, ==, 32);

  g_assert_cmpuint (strlen (bare), ==, 43);
  g_clear_pointer (&raw, g_free);
  raw = lc_base64url_decode (bare, &len);
  g_assert_nonnull (raw);
  g_assert_cmpuint (len, ==, 32);
}

static void
test_const_equal (void)
{
  g_assert_true (lc_const_equal ("secret", "secret"));
  g_assert_true (lc_const_equal ("", ""));
  g_assert_false (lc_const_equal ("secret", "secreT"));
  g_assert_false (lc_const_equal ("secret", "secret2"));
  g_assert_false (lc_const_equal ("secret", "secre"));
  g_assert_false (lc_const_equal ("secret", ""));
  g_assert_false (lc_const_equal (NULL, "secret"));
  g_assert_false (lc_const_equal ("secret", NULL));
  g_assert_false (lc_const_equal (NULL, NULL));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/common/crypto/base64url/rfc4648", test_base64url_rfc4648);
  g_test_add_func ("/common/crypto/base64url/alphabet", test_base64url_alphabet);
  g_test_add_func ("/common/crypto/base64url/round-trip", test_base64url_round_trip);
  g_test_add_func ("/common/crypto/base64url/reject", test_base64url_reject);
  g_test_add_func ("/common/crypto/sha256", test_sha256);
  g_test_add_func ("/common/crypto/hmac-rfc4231", test_hmac_rfc4231);
  g_test_add_func ("/common/crypto/random", test_random_bytes);
  g_test_add_func ("/common/crypto/id/shape", test_id_shape);
  g_test_add_func ("/common/crypto/id/unique", test_id_unique);
  g_test_add_func ("/common/crypto/secret", test_secret);
  g_test_add_func ("/common/crypto/const-equal", test_const_equal);

  return g_test_run ();
}
