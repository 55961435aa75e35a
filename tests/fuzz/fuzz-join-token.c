/* fuzz-join-token.c — libFuzzer target for conference join tokens
 * (common/lc-join-token.c) under a fixed key: the bytes as a whole token, and
 * the same bytes as a payload under a valid MAC (what reaches the JSON
 * parser). Besides crashes, leaks and UB it checks that failures carry
 * LC_ERROR_UNAUTHORIZED with one of the documented messages, and that every
 * accepted token has complete claims that survive a sign/verify round trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/lc-crypto.h"
#include "common/lc-error.h"
#include "common/lc-join-token.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* The key of the seed corpus tokens: 32 × 0x5a. */
static const guint8 fuzz_key[32] = {
  0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
  0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
};
#define FUZZ_CONFERENCE "Yk3xQ9d0T1u8pXWz2bLmNA"
#define FUZZ_NOW G_GINT64_CONSTANT (1796115600) /* 2026-12-01T09:00:00Z */

static void
check_failure (const GError *error)
{
  static const char *const prefixes[] = {
    "malformed join token",
    "join token signature does not match",
    "join token expired at ",
    "join token is for another conference",
  };
  gsize i;

  if (error == NULL || error->domain != LC_ERROR || error->code != LC_ERROR_UNAUTHORIZED
      || error->message == NULL || !g_utf8_validate (error->message, -1, NULL))
    abort ();
  for (i = 0; i < G_N_ELEMENTS (prefixes); i++)
    if (g_str_has_prefix (error->message, prefixes[i]))
      return;
  abort ();
}

static gboolean
same_claims (const LcJoinClaims *a, const LcJoinClaims *b)
{
  return g_strcmp0 (a->conference_id, b->conference_id) == 0
         && g_strcmp0 (a->school_id, b->school_id) == 0 && a->role == b->role
         && g_strcmp0 (a->display_name, b->display_name) == 0
         && g_strcmp0 (a->participant_id, b->participant_id) == 0 && a->expires_at == b->expires_at;
}

/* Verify token; on success the claims must be complete and round-trip. */
static void
check_token (GBytes *key, const char *token, const char *expected_conference)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LcJoinClaims) claims
      = lc_join_token_verify (key, token, expected_conference, FUZZ_NOW, &error);
  g_autoptr (LcJoinClaims) again = NULL;
  g_autofree char *resigned = NULL;

  if (claims == NULL)
    {
      check_failure (error);
      return;
    }
  if (error != NULL || claims->conference_id == NULL || claims->school_id == NULL
      || claims->conference_id[0] == '\0' || claims->school_id[0] == '\0'
      || claims->expires_at <= FUZZ_NOW || (int)claims->role < 0
      || claims->role > LC_CONFERENCE_ROLE_OBSERVER)
    abort ();
  if (expected_conference != NULL && strcmp (claims->conference_id, expected_conference) != 0)
    abort ();

  resigned = lc_join_token_sign (key, claims);
  if (resigned == NULL)
    abort ();
  again = lc_join_token_verify (key, resigned, claims->conference_id, FUZZ_NOW, &error);
  if (again == NULL || error != NULL || !same_claims (claims, again))
    abort ();
}

/* "lcj1." + base64url (payload) + "." + a valid MAC. (transfer full) */
static char *
forge (GBytes *key, const uint8_t *payload, size_t size)
{
  g_autofree char *encoded = lc_base64url_encode (payload, size);
  g_autofree char *signed_part = g_strconcat ("lcj1.", encoded, NULL);
  g_autofree char *mac_text = NULL;
  guint8 mac[32];

  lc_hmac_sha256 (g_bytes_get_data (key, NULL), g_bytes_get_size (key), (const guint8 *)signed_part,
                  strlen (signed_part), mac);
  mac_text = lc_base64url_encode (mac, sizeof mac);
  return g_strconcat (signed_part, ".", mac_text, NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) key = g_bytes_new_static (fuzz_key, sizeof fuzz_key);
  g_autofree char *text = g_strndup ((const char *)data, size);
  g_autofree char *forged = forge (key, data, size);

  /* The bytes as a token (a string: up to the first NUL). */
  check_token (key, text, FUZZ_CONFERENCE);
  check_token (key, text, NULL);
  /* The bytes as a payload behind a valid MAC. */
  check_token (key, forged, FUZZ_CONFERENCE);
  check_token (key, forged, NULL);
  return 0;
}
