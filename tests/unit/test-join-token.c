/* test-join-token.c — conference join tokens (common/lc-join-token): sign and
 * verify round trips, tampering, other keys, expiry, other conferences,
 * garbage of every kind, and the secret file (created 0600, re-read, too short). */
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "common/lc-crypto.h"
#include "common/lc-error.h"
#include "common/lc-join-token.h"

#define NOW G_GINT64_CONSTANT (1796115600) /* 2026-12-01T09:00:00Z */
#define CONF "Yk3xQ9d0T1u8pXWz2bLmNA"
#define SCHOOL "Sc4oOlIdAAAAAAAAAAAAAA"

static GBytes *
test_key (guint8 fill)
{
  guint8 raw[32];

  memset (raw, fill, sizeof raw);
  return g_bytes_new (raw, sizeof raw);
}

static LcJoinClaims *
make_claims (const char *name, const char *participant)
{
  LcJoinClaims *claims = lc_join_claims_new ();

  claims->conference_id = g_strdup (CONF);
  claims->school_id = g_strdup (SCHOOL);
  claims->role = LC_CONFERENCE_ROLE_PARTICIPANT;
  claims->display_name = g_strdup (name);
  claims->participant_id = g_strdup (participant);
  claims->expires_at = NOW + 3600;
  return claims;
}

/* A token with a valid MAC over any payload bytes (what only the key holder
 * can make): lets the tests reach the payload checks. (transfer full) */
static char *
forge (GBytes *key, const char *payload_json)
{
  g_autofree char *payload
      = lc_base64url_encode ((const guint8 *)payload_json, strlen (payload_json));
  g_autofree char *signed_part = g_strconcat ("lcj1.", payload, NULL);
  g_autofree char *mac_text = NULL;
  gsize key_len = 0;
  const guint8 *key_data = g_bytes_get_data (key, &key_len);
  guint8 mac[32];

  lc_hmac_sha256 (key_data, key_len, (const guint8 *)signed_part, strlen (signed_part), mac);
  mac_text = lc_base64url_encode (mac, sizeof mac);
  return g_strconcat (signed_part, ".", mac_text, NULL);
}

/* Verify must fail with LC_ERROR_UNAUTHORIZED and a message starting with prefix. */
static void
assert_rejected (GBytes *key, const char *token, const char *expected_conference, gint64 now,
                 const char *prefix)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LcJoinClaims) claims
      = lc_join_token_verify (key, token, expected_conference, now, &error);

  g_assert_null (claims);
  g_assert_error (error, LC_ERROR, LC_ERROR_UNAUTHORIZED);
  if (!g_str_has_prefix (error->message, prefix))
    g_error ("token %.80s: expected \"%s…\", got \"%s\"", token != NULL ? token : "(null)", prefix,
             error->message);
}

static void
assert_claims_equal (const LcJoinClaims *a, const LcJoinClaims *b)
{
  g_assert_cmpstr (a->conference_id, ==, b->conference_id);
  g_assert_cmpstr (a->school_id, ==, b->school_id);
  g_assert_cmpint (a->role, ==, b->role);
  g_assert_cmpstr (a->display_name, ==, b->display_name);
  g_assert_cmpstr (a->participant_id, ==, b->participant_id);
  g_assert_cmpint (a->expires_at, ==, b->expires_at);
}

static void
test_round_trip (void)
{
  g_autoptr (GBytes) key = test_key (0x42);
  const char *names[] = { NULL, "Анна Петрова", "O'Brien \"quoted\" \\ / \u00e9" };
  const char *participants[] = { NULL, "p-1", "Pt0kEnIdAAAAAAAAAAAAAA" };
  const LcConferenceRole roles[]
      = { LC_CONFERENCE_ROLE_HOST, LC_CONFERENCE_ROLE_PARTICIPANT, LC_CONFERENCE_ROLE_OBSERVER };
  gsize i, j;

  for (i = 0; i < G_N_ELEMENTS (names); i++)
    for (j = 0; j < G_N_ELEMENTS (roles); j++)
      {
        g_autoptr (LcJoinClaims) claims = make_claims (names[i], participants[i]);
        g_autoptr (LcJoinClaims) back = NULL;
        g_autoptr (LcJoinClaims) back_any = NULL;
        g_autoptr (GError) error = NULL;
        g_autofree char *token = NULL;
        g_autofree char *again = NULL;
        char **parts;

        claims->role = roles[j];
        token = lc_join_token_sign (key, claims);
        g_assert_nonnull (token);
        g_test_message ("token: %s", token);

        /* Shape: lcj1.<payload>.<43-char MAC>, URL-safe characters only. */
        g_assert_true (g_str_has_prefix (token, "lcj1."));
        parts = g_strsplit (token, ".", -1);
        g_assert_cmpuint (g_strv_length (parts), ==, 3);
        g_assert_cmpuint (strlen (parts[2]), ==, 43);
        g_strfreev (parts);
        g_assert_null (strpbrk (token, "+/=?&# %"));

        /* Deterministic for the same claims. */
        again = lc_join_token_sign (key, claims);
        g_assert_cmpstr (again, ==, token);

        back = lc_join_token_verify (key, token, CONF, NOW, &error);
        g_assert_no_error (error);
        g_assert_nonnull (back);
        assert_claims_equal (back, claims);

        back_any = lc_join_token_verify (key, token, NULL, NOW, &error);
        g_assert_no_error (error);
        g_assert_nonnull (back_any);
        assert_claims_equal (back_any, claims);
      }
}

static void
test_empty_optional (void)
{
  g_autoptr (GBytes) key = test_key (0x42);
  g_autoptr (LcJoinClaims) claims = make_claims ("", "");
  g_autoptr (LcJoinClaims) back = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *token = lc_join_token_sign (key, claims);

  /* An empty name or participant id is signed as absent. */
  back = lc_join_token_verify (key, token, CONF, NOW, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  g_assert_null (back->display_name);
  g_assert_null (back->participant_id);
  g_assert_cmpstr (back->school_id, ==, SCHOOL);
}

static void
test_tampered (void)
{
  g_autoptr (GBytes) key = test_key (0x42);
  g_autoptr (LcJoinClaims) claims = make_claims (NULL, NULL);
  g_autoptr (LcJoinClaims) host = make_claims (NULL, NULL);
  g_autofree char *token = lc_join_token_sign (key, claims);
  g_autofree char *host_token = NULL;
  g_autofree char *swapped_mac = NULL;
  g_autofree char *swapped = NULL;
  g_autofree char *bad_mac = g_strdup (token);
  g_autofree char *bad_payload = g_strdup (token);
  g_auto (GStrv) parts = g_strsplit (token, ".", -1);
  g_auto (GStrv) host_parts = NULL;
  char *mac;

  /* Any one character of the MAC changed (the last one keeps its zero low
   * bits, so the text stays canonical base64url): every byte is compared. */
  mac = strrchr (bad_mac, '.') + 1;
  for (gsize i = 0; i < 43; i++)
    {
      char saved = mac[i];

      mac[i] = i == 42 ? (saved == 'A' ? 'E' : 'A') : (saved == 'A' ? 'B' : 'A');
      assert_rejected (key, bad_mac, CONF, NOW, "join token signature does not match");
      mac[i] = saved;
    }
  g_assert_cmpstr (bad_mac, ==, token);

  /* One character of the payload changed. */
  bad_payload[7] = bad_payload[7] == 'A' ? 'B' : 'A';
  assert_rejected (key, bad_payload, CONF, NOW, "join token signature does not match");

  /* Role raised to host by pasting another valid token's payload before this MAC. */
  host->role = LC_CONFERENCE_ROLE_HOST;
  host_token = lc_join_token_sign (key, host);
  host_parts = g_strsplit (host_token, ".", -1);
  swapped_mac = g_strjoin (".", "lcj1", host_parts[1], parts[2], NULL);
  assert_rejected (key, swapped_mac, CONF, NOW, "join token signature does not match");

  /* Payload and MAC swapped. */
  swapped = g_strjoin (".", "lcj1", parts[2], parts[1], NULL);
  assert_rejected (key, swapped, CONF, NOW, "malformed join token");

  /* Another server's key. */
  {
    g_autoptr (GBytes) other = test_key (0x43);

    assert_rejected (other, token, CONF, NOW, "join token signature does not match");
  }
}

static void
test_expiry (void)
{
  g_autoptr (GBytes) key = test_key (7);
  g_autoptr (LcJoinClaims) claims = make_claims ("Ivan", NULL);
  g_autoptr (LcJoinClaims) ok = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *token = lc_join_token_sign (key, claims);

  /* Valid up to the second before expires_at; from expires_at on it is expired. */
  ok = lc_join_token_verify (key, token, CONF, claims->expires_at - 1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ok);
  assert_rejected (key, token, CONF, claims->expires_at,
                   "join token expired at 2026-12-01T10:00:00Z");
  assert_rejected (key, token, CONF, claims->expires_at + 86400, "join token expired at");

  /* A token that was born expired (e.g. negative expiry). */
  {
    g_autofree char *forged
        = forge (key, "{\"c\":\"" CONF "\",\"s\":\"x\",\"r\":\"host\",\"e\":-5}");

    assert_rejected (key, forged, CONF, NOW, "join token expired at");
  }
}

static void
test_other_conference (void)
{
  g_autoptr (GBytes) key = test_key (9);
  g_autoptr (LcJoinClaims) claims = make_claims (NULL, "p");
  g_autofree char *token = lc_join_token_sign (key, claims);

  assert_rejected (key, token, "AnotherConferenceIdAAAA", NOW,
                   "join token is for another conference");
  assert_rejected (key, token, "", NOW, "join token is for another conference");
  /* Other conference and expired: the conference is named first. */
  assert_rejected (key, token, "other", claims->expires_at, "join token is for another conference");
}

static void
test_garbage (void)
{
  g_autoptr (GBytes) key = test_key (0x11);
  g_autoptr (LcJoinClaims) claims = make_claims ("N", "P");
  g_autofree char *good = lc_join_token_sign (key, claims);
  g_autofree char *huge = NULL;
  g_autofree char *long_payload = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (20261201);
  guint n = 0;
  gsize i;
  static const char *const malformed[] = {
    "",
    ".",
    "..",
    "lcj1",
    "lcj1.",
    "lcj1..",
    "lcj1...",
    "lcj2.eyJ9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "LCJ1.eyJ9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "lcj1.eyJ9",
    "lcj1..AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "lcj1.eyJ9.AAAA",
    "lcj1.eyJ9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* 44 chars */
    "lcj1.eyJ9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",   /* 42 chars */
    "lcj1.eyJ9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",  /* padding */
    "lcj1.eyJ9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",  /* standard alphabet */
    "lcj1.eyJ9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",  /* non-canonical last char */
    "lcj1.a.b.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "lcj1.eyJ9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\xd0",
    " lcj1.eyJ9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "Bearer lcj1.x.y",
    "\xff\xfe\xfd",
    "null",
    "{\"c\":\"x\"}",
  };
  /* Valid MAC, bad payload: only the key holder can make these, but the
   * parser must still reject them cleanly. */
  static const char *const bad_payloads[] = {
    "",
    "not json",
    "null",
    "[]",
    "42",
    "\"lcj1\"",
    "{",
    "{}",
    "{\"c\":\"" CONF "\"}",
    "{\"s\":\"x\",\"r\":\"host\",\"e\":9999999999}",
    "{\"c\":\"" CONF "\",\"r\":\"host\",\"e\":9999999999}",
    "{\"c\":\"" CONF "\",\"s\":\"x\",\"e\":9999999999}",
    "{\"c\":\"" CONF "\",\"s\":\"x\",\"r\":\"host\"}",
    "{\"c\":\"" CONF "\",\"s\":\"x\",\"r\":\"admin\",\"e\":9999999999}",
    "{\"c\":\"" CONF "\",\"s\":\"x\",\"r\":\"HOST\",\"e\":9999999999}",
    "{\"c\":\"" CONF "\",\"s\":\"x\",\"r\":\"\",\"e\":9999999999}",
    "{\"c\":\"" CONF "\",\"s\":\"x\",\"r\":1,\"e\":9999999999}",
    "{\"c\":1,\"s\":\"x\",\"r\":\"host\",\"e\":9999999999}",
    "{\"c\":null,\"s\":\"x\",\"r\":\"host\",\"e\":9999999999}",
    "{\"c\":\"\",\"s\":\"x\",\"r\":\"host\",\"e\":9999999999}",
    "{\"c\":\"" CONF "\",\"s\":[],\"r\":\"host\",\"e\":9999999999}",
    "{\"c\":\"" CONF "\",\"s\":\"x\",\"r\":\"host\",\"e\":\"9999999999\"}",
    "{\"c\":\"" CONF "\",\"s\":\"x\",\"r\":\"host\",\"e\":9999999999.5}",
    "{\"c\":\"" CONF "\",\"s\":\"x\",\"r\":\"host\",\"e\":true}",
    "{\"c\":\"" CONF "\",\"s\":\"x\",\"r\":\"host\",\"e\":{}}",
    "{\"c\":\"" CONF "\",\"s\":\"x\",\"r\":\"host\",\"e\":9999999999,\"n\":5}",
    "{\"c\":\"" CONF "\",\"s\":\"x\",\"r\":\"host\",\"e\":9999999999,\"p\":{\"a\":1}}",
    "{\"c\":\"" CONF "\",\"s\":\"x\",\"r\":\"host\",\"e\":9999999999,\"n\":null}",
    "{\"c\":\"" CONF "\",\"s\":\"x\",\"r\":\"host\",\"e\":9999999999}trailing",
    "{\"c\":\"" CONF "\",\"s\":\"x\",\"r\":\"host\",\"e\":9999999999,\"x\":[[[[[[[[[[1]]]]]]]]]]}",
    "{\"c\":\"\xff\",\"s\":\"x\",\"r\":\"host\",\"e\":9999999999}",
  };

  for (i = 0; i < G_N_ELEMENTS (malformed); i++, n++)
    assert_rejected (key, malformed[i], CONF, NOW, "malformed join token");
  assert_rejected (key, NULL, CONF, NOW, "malformed join token");
  n++;

  for (i = 0; i < G_N_ELEMENTS (bad_payloads); i++, n++)
    {
      g_autofree char *token = forge (key, bad_payloads[i]);
      g_autofree char *shown = g_strescape (bad_payloads[i], NULL);

      g_test_message ("payload %s", shown);
      assert_rejected (key, token, CONF, NOW, "malformed join token");
    }

  /* A payload part that is not base64url, under a valid MAC. */
  {
    const char *signed_part = "lcj1.*not*base64*";
    gsize key_len = 0;
    const guint8 *key_data = g_bytes_get_data (key, &key_len);
    guint8 mac[32];
    g_autofree char *mac_text = NULL;
    g_autofree char *token = NULL;

    lc_hmac_sha256 (key_data, key_len, (const guint8 *)signed_part, strlen (signed_part), mac);
    mac_text = lc_base64url_encode (mac, sizeof mac);
    token = g_strconcat (signed_part, ".", mac_text, NULL);
    assert_rejected (key, token, CONF, NOW, "malformed join token");
    n++;
  }

  /* Huge input: 1 MiB of 'A' behind the prefix, and a valid token with a long tail. */
  huge = g_strnfill (1024 * 1024, 'A');
  memcpy (huge, "lcj1.", 5);
  assert_rejected (key, huge, CONF, NOW, "malformed join token");
  long_payload = g_strconcat (good, ".", good, NULL);
  assert_rejected (key, long_payload, CONF, NOW, "malformed join token");
  n += 2;

  /* Random bytes (fixed seed: reproducible), with and without the prefix. */
  for (i = 0; i < 40; i++, n++)
    {
      gsize len = (gsize)g_rand_int_range (rand, 0, 120);
      g_autofree char *text = g_malloc (len + 6);
      gsize j, off = (i % 2 == 0) ? 5 : 0;

      memcpy (text, "lcj1.", 5);
      for (j = off; j < len + off; j++)
        text[j] = (char)g_rand_int_range (rand, 1, 256);
      text[len + off] = '\0';
      assert_rejected (key, text, CONF, NOW, "");
    }

  /* Random valid-looking shapes: base64url characters in both parts. */
  for (i = 0; i < 20; i++, n++)
    {
      static const char alphabet[]
          = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      GString *text = g_string_new ("lcj1.");
      gsize len = (gsize)g_rand_int_range (rand, 1, 200), j;

      for (j = 0; j < len; j++)
        g_string_append_c (text, alphabet[g_rand_int_range (rand, 0, 64)]);
      g_string_append_c (text, '.');
      for (j = 0; j < 43; j++)
        g_string_append_c (text, alphabet[g_rand_int_range (rand, 0, 64)]);
      assert_rejected (key, text->str, CONF, NOW, "");
      g_string_free (text, TRUE);
    }

  g_assert_cmpuint (n, >=, 50);
  g_test_message ("%u garbage inputs rejected", n);

  /* The good token still works with the same key after all that. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (LcJoinClaims) back = lc_join_token_verify (key, good, CONF, NOW, &error);

    g_assert_no_error (error);
    g_assert_nonnull (back);
  }
}

typedef struct
{
  char *dir;
} SecretFixture;

static void
secret_setup (SecretFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  (void)data;
  f->dir = g_dir_make_tmp ("lc-join-secret-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
secret_teardown (SecretFixture *f, gconstpointer data)
{
  const char *names[] = { "secret", "short", "exact", "dir/x", "dir", "huge", "fifo" };
  gsize i;

  (void)data;
  for (i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (f->dir, names[i], NULL);

      g_remove (path);
    }
  g_assert_cmpint (g_rmdir (f->dir), ==, 0);
  g_free (f->dir);
}

static void
test_secret_create (SecretFixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "secret", NULL);
  g_autoptr (GBytes) first = NULL;
  g_autoptr (GBytes) second = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;
  struct stat st;

  (void)data;
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  first = lc_join_secret_load_or_create (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (first);
  g_assert_cmpuint (g_bytes_get_size (first), ==, 32);

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_cmpmem (contents, len, g_bytes_get_data (first, NULL), g_bytes_get_size (first));

  second = lc_join_secret_load_or_create (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (second);
  g_assert_true (g_bytes_equal (first, second));

  /* Tokens signed with the first load verify with the second. */
  {
    g_autoptr (LcJoinClaims) claims = make_claims (NULL, NULL);
    g_autofree char *token = lc_join_token_sign (first, claims);
    g_autoptr (LcJoinClaims) back = lc_join_token_verify (second, token, CONF, NOW, &error);

    g_assert_no_error (error);
    g_assert_nonnull (back);
  }

  /* Two fresh secrets differ (random). */
  {
    g_autofree char *other_path = g_build_filename (f->dir, "exact", NULL);
    g_autoptr (GBytes) other = lc_join_secret_load_or_create (other_path, &error);

    g_assert_no_error (error);
    g_assert_false (g_bytes_equal (first, other));
  }
}

static void
test_secret_bad_files (SecretFixture *f, gconstpointer data)
{
  g_autofree char *short_path = g_build_filename (f->dir, "short", NULL);
  g_autofree char *exact_path = g_build_filename (f->dir, "exact", NULL);
  g_autofree char *dir_path = g_build_filename (f->dir, "dir", NULL);
  g_autofree char *missing_dir = g_build_filename (f->dir, "dir", "x", "y", NULL);
  g_autofree char *huge_path = g_build_filename (f->dir, "huge", NULL);
  g_autofree char *fifo_path = g_build_filename (f->dir, "fifo", NULL);
  g_autofree char *huge = g_strnfill (100000, 'k');
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) secret = NULL;

  (void)data;
  /* 31 bytes: too short, and left as it is (never overwritten). */
  g_assert_true (g_file_set_contents_full (short_path, "0123456789012345678901234567890", 31,
                                           G_FILE_SET_CONTENTS_NONE, 0600, &error));
  secret = lc_join_secret_load_or_create (short_path, &error);
  g_assert_null (secret);
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, short_path));
  g_clear_error (&error);
  {
    g_autofree char *contents = NULL;
    gsize len = 0;

    g_assert_true (g_file_get_contents (short_path, &contents, &len, NULL));
    g_assert_cmpuint (len, ==, 31);
  }

  /* Empty file: too short too. */
  g_assert_true (
      g_file_set_contents_full (short_path, "", 0, G_FILE_SET_CONTENTS_NONE, 0600, &error));
  secret = lc_join_secret_load_or_create (short_path, &error);
  g_assert_null (secret);
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFIG);
  g_clear_error (&error);

  /* Exactly 32 bytes written by an operator: used as it is. */
  g_assert_true (g_file_set_contents_full (exact_path, "0123456789abcdef0123456789abcdef", 32,
                                           G_FILE_SET_CONTENTS_NONE, 0600, &error));
  secret = lc_join_secret_load_or_create (exact_path, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (secret, NULL), g_bytes_get_size (secret),
                   "0123456789abcdef0123456789abcdef", 32);
  g_clear_pointer (&secret, g_bytes_unref);

  /* Far too long, a directory, a missing parent directory, no path. */
  g_assert_true (
      g_file_set_contents_full (huge_path, huge, 100000, G_FILE_SET_CONTENTS_NONE, 0600, &error));
  secret = lc_join_secret_load_or_create (huge_path, &error);
  g_assert_null (secret);
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFIG);
  g_clear_error (&error);

  g_assert_cmpint (g_mkdir (dir_path, 0700), ==, 0);
  secret = lc_join_secret_load_or_create (dir_path, &error);
  g_assert_null (secret);
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFIG);
  g_clear_error (&error);

  /* A FIFO is refused without blocking. */
  g_assert_cmpint (mkfifo (fifo_path, 0600), ==, 0);
  secret = lc_join_secret_load_or_create (fifo_path, &error);
  g_assert_null (secret);
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFIG);
  g_clear_error (&error);

  /* Readable by others: still loaded (only logged). */
  g_assert_true (g_file_set_contents_full (exact_path, "0123456789abcdef0123456789abcdef", 32,
                                           G_FILE_SET_CONTENTS_NONE, 0644, &error));
  secret = lc_join_secret_load_or_create (exact_path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (secret), ==, 32);
  g_clear_pointer (&secret, g_bytes_unref);

  secret = lc_join_secret_load_or_create (missing_dir, &error);
  g_assert_null (secret);
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFIG);
  g_clear_error (&error);

  secret = lc_join_secret_load_or_create ("", &error);
  g_assert_null (secret);
  g_assert_error (error, LC_ERROR, LC_ERROR_CONFIG);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/common/join-token/round-trip", test_round_trip);
  g_test_add_func ("/common/join-token/empty-optional", test_empty_optional);
  g_test_add_func ("/common/join-token/tampered", test_tampered);
  g_test_add_func ("/common/join-token/expiry", test_expiry);
  g_test_add_func ("/common/join-token/other-conference", test_other_conference);
  g_test_add_func ("/common/join-token/garbage", test_garbage);
  g_test_add ("/common/join-token/secret/create", SecretFixture, NULL, secret_setup,
              test_secret_create, secret_teardown);
  g_test_add ("/common/join-token/secret/bad-files", SecretFixture, NULL, secret_setup,
              test_secret_bad_files, secret_teardown);

  return g_test_run ();
}
