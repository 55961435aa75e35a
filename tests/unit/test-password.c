/* test-password.c — scrypt PHC hashes (round trip, wrong password, tampering,
 * malformed strings, needs_rehash) and the password policy (common/lc-password).
 * Hashing uses the fast cost (ln=10) except one test at the default cost. */
#include <string.h>

#include "common/lc-error.h"
#include "common/lc-password.h"

static const LcKdfParams fast = { LC_KDF_MIN_LOG2_N, 8, 1 };

static char *
hash_fast (const char *password)
{
  g_autoptr (GError) error = NULL;
  char *encoded = lc_password_hash (password, &fast, &error);

  g_assert_no_error (error);
  g_assert_nonnull (encoded);
  return encoded;
}

static void
test_round_trip (void)
{
  g_autofree char *encoded = hash_fast ("correct horse battery staple");
  gboolean rehash = TRUE;

  g_assert_true (g_str_has_prefix (encoded, "$scrypt$ln=10,r=8,p=1$"));
  g_assert_true (lc_password_verify ("correct horse battery staple", encoded, &fast, &rehash));
  g_assert_false (rehash);
  /* needs_rehash is optional. */
  g_assert_true (lc_password_verify ("correct horse battery staple", encoded, &fast, NULL));
}

static void
test_shape (void)
{
  g_autofree char *encoded = hash_fast ("x");
  g_auto (GStrv) parts = g_strsplit (encoded, "$", -1);

  /* "", "scrypt", params, salt (16 bytes → 22 chars), hash (32 bytes → 43 chars) */
  g_assert_cmpuint (g_strv_length (parts), ==, 5);
  g_assert_cmpstr (parts[0], ==, "");
  g_assert_cmpstr (parts[1], ==, "scrypt");
  g_assert_cmpstr (parts[2], ==, "ln=10,r=8,p=1");
  g_assert_cmpuint (strlen (parts[3]), ==, 22);
  g_assert_cmpuint (strlen (parts[4]), ==, 43);
}

static void
test_salted (void)
{
  g_autofree char *a = hash_fast ("same password");
  g_autofree char *b = hash_fast ("same password");

  g_assert_cmpstr (a, !=, b);
  g_assert_true (lc_password_verify ("same password", a, &fast, NULL));
  g_assert_true (lc_password_verify ("same password", b, &fast, NULL));
}

static void
test_default_cost (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *encoded = lc_password_hash ("a real password at the real cost", NULL, &error);
  LcKdfParams defaults;
  gboolean rehash = TRUE;

  g_assert_no_error (error);
  lc_kdf_params_init_default (&defaults);
  g_assert_cmpint (defaults.log2_n, ==, LC_KDF_DEFAULT_LOG2_N);
  g_assert_cmpint (defaults.r, ==, 8);
  g_assert_cmpint (defaults.p, ==, 1);
  g_assert_true (g_str_has_prefix (encoded, "$scrypt$ln=15,r=8,p=1$"));
  g_assert_true (lc_password_verify ("a real password at the real cost", encoded, NULL, &rehash));
  g_assert_false (rehash);
  g_assert_false (lc_password_verify ("a real password at the real cosT", encoded, NULL, &rehash));
}

static void
test_wrong_password (void)
{
  g_autofree char *encoded = hash_fast ("Secret-Password-1");
  gboolean rehash = TRUE;

  g_assert_false (lc_password_verify ("secret-password-1", encoded, &fast, &rehash));
  g_assert_false (rehash);
  g_assert_false (lc_password_verify ("Secret-Password-", encoded, &fast, NULL));
  g_assert_false (lc_password_verify ("Secret-Password-1 ", encoded, &fast, NULL));
  g_assert_false (lc_password_verify ("", encoded, &fast, NULL));
  g_assert_false (lc_password_verify (NULL, encoded, &fast, NULL));
}

static void
test_needs_rehash (void)
{
  g_autofree char *encoded = hash_fast ("rehash me please");
  LcKdfParams stronger = { 11, 8, 1 };
  LcKdfParams other_r = { LC_KDF_MIN_LOG2_N, 4, 1 };
  gboolean rehash = FALSE;

  /* Stored at ln=10, current default is 15: matches, but needs a rehash. */
  g_assert_true (lc_password_verify ("rehash me please", encoded, NULL, &rehash));
  g_assert_true (rehash);
  rehash = FALSE;
  g_assert_true (lc_password_verify ("rehash me please", encoded, &stronger, &rehash));
  g_assert_true (rehash);
  rehash = FALSE;
  g_assert_true (lc_password_verify ("rehash me please", encoded, &other_r, &rehash));
  g_assert_true (rehash);
  g_assert_true (lc_password_verify ("rehash me please", encoded, &fast, &rehash));
  g_assert_false (rehash);
}

static void
test_bad_params (void)
{
  static const LcKdfParams bad[] = {
    { 9, 8, 1 },  /* below the minimum cost */
    { 21, 8, 1 }, /* above the cap */
    { 10, 0, 1 }, { 10, 8, 0 }, { 10, -1, 1 }, { 10, 8, 1000 },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *encoded = lc_password_hash ("pw", &bad[i], &error);

      g_assert_null (encoded);
      g_assert_error (error, LC_ERROR, LC_ERROR_INTERNAL);
    }
}

static void
test_tampered (void)
{
  g_autofree char *encoded = hash_fast ("tamper proof");
  gsize len = strlen (encoded);
  const char *salt = strrchr (encoded, '$') - 22;
  gsize salt_pos = (gsize)(salt - encoded);
  gsize i;

  g_assert_true (lc_password_verify ("tamper proof", encoded, &fast, NULL));

  /* Every single-character change in salt, separator or hash stops the match. */
  for (i = salt_pos - 1; i < len; i++)
    {
      static const char replacements[] = { 'A', 'B', '-', '=', '$', '+', ' ' };
      gsize r;

      for (r = 0; r < G_N_ELEMENTS (replacements); r++)
        {
          g_autofree char *copy = g_strdup (encoded);

          if (copy[i] == replacements[r])
            continue;
          copy[i] = replacements[r];
          g_assert_false (lc_password_verify ("tamper proof", copy, &fast, NULL));
        }
    }

  /* Raising the stated cost changes the derived key too. */
  {
    g_autofree char *copy = g_strdup (encoded);

    copy[strlen ("$scrypt$ln=1")] = '1';
    g_assert_true (g_str_has_prefix (copy, "$scrypt$ln=11,"));
    g_assert_false (lc_password_verify ("tamper proof", copy, &fast, NULL));
  }
}

static void
test_truncated (void)
{
  g_autofree char *encoded = hash_fast ("truncate me");
  gsize len = strlen (encoded);
  gsize i;

  for (i = 0; i < len; i++)
    {
      g_autofree char *prefix = g_strndup (encoded, i);

      g_assert_false (lc_password_verify ("truncate me", prefix, &fast, NULL));
    }

  {
    g_autofree char *longer = g_strconcat (encoded, "A", NULL);
    g_autofree char *extra = g_strconcat (encoded, "$", NULL);

    g_assert_false (lc_password_verify ("truncate me", longer, &fast, NULL));
    g_assert_false (lc_password_verify ("truncate me", extra, &fast, NULL));
  }
}

static void
test_malformed (void)
{
  /* A valid 16-byte salt and 32-byte hash body to build malformed strings around. */
  const char *salt = "AAAAAAAAAAAAAAAAAAAAAA";
  const char *key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  static const char *const params[] = {
    "ln=0,r=8,p=1",
    "ln=21,r=8,p=1",
    "ln=99,r=8,p=1",
    "ln=999999999999,r=8,p=1",
    "ln=-1,r=8,p=1",
    "ln=010,r=8,p=1",
    "ln=+10,r=8,p=1",
    "ln= 10,r=8,p=1",
    "ln=10,r=0,p=1",
    "ln=10,r=33,p=1",
    "ln=10,r=8,p=0",
    "ln=10,r=8,p=17",
    "ln=10,p=1,r=8",
    "r=8,ln=10,p=1",
    "ln=10,r=8",
    "ln=10,r=8,p=1,",
    "ln=10,r=8,p=1,x=1",
    "ln=10;r=8;p=1",
    "LN=10,r=8,p=1",
    "ln=10,,r=8,p=1",
    "",
    "ln=,r=8,p=1",
    "ln=20,r=32,p=16", /* 4 GiB: over the memory cap */
  };
  static const char *const whole[] = {
    "",
    "$",
    "$$$$",
    "$scrypt$",
    "$scrypt$ln=10,r=8,p=1",
    "$scrypt$ln=10,r=8,p=1$",
    "$scrypt$ln=10,r=8,p=1$$",
    "$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$",
    "$scrypt$ln=10,r=8,p=1$$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    /* short salt */
    "$scrypt$ln=10,r=8,p=1$AAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    /* 31-byte hash */
    "$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA$",
    "$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAA+AAAAAAAAAAAAAAAAAAAAA",
    /* another algorithm */
    "$argon2id$v=19$m=65536,t=3,p=4$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "plaintext-password",
  };
  g_autoptr (GString) huge = g_string_new ("$scrypt$ln=10,r=8,p=1$");
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (params); i++)
    {
      g_autofree char *encoded = g_strdup_printf ("$scrypt$%s$%s$%s", params[i], salt, key);
      gboolean rehash = TRUE;

      g_test_message ("malformed params: %s", encoded);
      g_assert_false (lc_password_verify ("x", encoded, &fast, &rehash));
      g_assert_false (rehash);
    }

  for (i = 0; i < G_N_ELEMENTS (whole); i++)
    {
      g_test_message ("malformed: %s", whole[i]);
      g_assert_false (lc_password_verify ("x", whole[i], &fast, NULL));
      g_assert_false (lc_password_verify ("", whole[i], &fast, NULL));
    }

  g_assert_false (lc_password_verify ("x", NULL, &fast, NULL));

  for (i = 0; i < 10000; i++)
    g_string_append_c (huge, 'A');
  g_string_append_c (huge, '$');
  g_string_append (huge, key);
  g_assert_false (lc_password_verify ("x", huge->str, &fast, NULL));
}

/* A genuine hash rewritten in a non-canonical but "equivalent" form never matches. */
static void
test_noncanonical (void)
{
  g_autofree char *encoded = hash_fast ("canonical only");
  const char *rest = encoded + strlen ("$scrypt$ln=10,r=8,p=1");
  static const char *const params[] = {
    "ln=010,r=8,p=1", "ln=10,r=08,p=1", "ln=10,r=8,p=01", "ln=+10,r=8,p=1", "ln=10,r=8,p=1,",
  };
  gsize i;

  g_assert_true (g_str_has_prefix (encoded, "$scrypt$ln=10,r=8,p=1$"));
  for (i = 0; i < G_N_ELEMENTS (params); i++)
    {
      g_autofree char *variant = g_strdup_printf ("$scrypt$%s%s", params[i], rest);

      g_test_message ("non-canonical: %s", variant);
      g_assert_false (lc_password_verify ("canonical only", variant, &fast, NULL));
    }
  g_assert_true (lc_password_verify ("canonical only", encoded, &fast, NULL));
}

static void
assert_weak (const char *password, int min_length, const char *login, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *escaped = password != NULL ? g_strescape (password, NULL) : NULL;

  g_test_message ("weak: %s", escaped != NULL ? escaped : "(null)");
  g_assert_false (lc_password_check_policy (password, min_length, login, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_WEAK_PASSWORD);
  g_assert_cmpstr (lc_error_get_field (error), ==, "password");
  g_test_message ("  -> %s", error->message);
  if (needle != NULL)
    g_assert_nonnull (strstr (error->message, needle));
}

static void
assert_strong (const char *password, int min_length, const char *login)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *escaped = g_strescape (password, NULL);

  g_test_message ("strong: %s", escaped);
  g_assert_true (lc_password_check_policy (password, min_length, login, &error));
  g_assert_no_error (error);
}

static void
test_policy (void)
{
  g_autofree char *max_len = g_malloc (257);
  g_autofree char *too_long = NULL;
  int i;

  /* Length, counted in characters, with the minimum named in the message. */
  assert_weak ("short", 10, NULL, "at least 10 characters");
  assert_weak ("", 10, NULL, "10");
  assert_weak (NULL, 10, NULL, "10");
  assert_weak ("", 0, NULL, "at least 1 character.");
  assert_weak ("пар", 5, NULL, "at least 5"); /* 6 bytes, 3 characters */
  assert_strong ("пароль-для-уроков", 10, NULL);
  assert_strong ("exactly10!", 10, NULL);
  assert_weak ("exactly9!", 10, NULL, "at least 10");

  /* At most 256 bytes. */
  for (i = 0; i < 256; i++)
    max_len[i] = (char)('a' + i % 26);
  max_len[256] = '\0';
  assert_strong (max_len, 10, NULL);
  too_long = g_strconcat (max_len, "z", NULL);
  assert_weak (too_long, 10, NULL, "256");

  /* Valid UTF-8 only. */
  assert_weak ("abcdefghij\xff\xfe", 10, NULL, "UTF-8");
  assert_weak ("abcdefghij\xc3", 10, NULL, "UTF-8");

  /* Not the login, compared case-insensitively. */
  assert_weak ("Teacher.Ivanova", 10, "teacher.ivanova", "login");
  assert_weak ("УЧИТЕЛЬ-ИВАНОВА", 10, "учитель-иванова", "login");
  assert_strong ("Teacher.Ivanova.2026", 10, "teacher.ivanova");
  assert_strong ("Teacher.Ivanova", 10, NULL);

  /* Not one repeated character. */
  assert_weak ("aaaaaaaaaaaa", 10, NULL, "repeated");
  assert_weak ("ёёёёёёёёёёёё", 10, NULL, "repeated");
  assert_strong ("aaaaaaaaaaab", 10, NULL);

  /* Not a common password, whatever the case. */
  assert_weak ("password123", 8, NULL, "common");
  assert_weak ("PassWord123", 8, NULL, "common");
  assert_weak ("qwertyuiop", 8, NULL, "common");
  assert_weak ("ПАРОЛЬ", 6, NULL, "common");
  assert_weak ("1q2w3e4r", 8, NULL, "common");

  assert_strong ("lesson-broadcast-7", 10, "lesson");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/common/password/round-trip", test_round_trip);
  g_test_add_func ("/common/password/shape", test_shape);
  g_test_add_func ("/common/password/salted", test_salted);
  g_test_add_func ("/common/password/default-cost", test_default_cost);
  g_test_add_func ("/common/password/wrong", test_wrong_password);
  g_test_add_func ("/common/password/needs-rehash", test_needs_rehash);
  g_test_add_func ("/common/password/bad-params", test_bad_params);
  g_test_add_func ("/common/password/tampered", test_tampered);
  g_test_add_func ("/common/password/truncated", test_truncated);
  g_test_add_func ("/common/password/malformed", test_malformed);
  g_test_add_func ("/common/password/noncanonical", test_noncanonical);
  g_test_add_func ("/common/password/policy", test_policy);

  return g_test_run ();
}
