/* lc-join-token.c — conference join tokens: "lcj1.<payload>.<mac>", the
 * payload a small JSON object, the MAC HMAC-SHA256 under the server's join
 * secret (checked in constant time before the payload is parsed), and the
 * loading/creation of that secret file. */
#include "common/lc-join-token.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <openssl/crypto.h>

#include "common/lc-crypto.h"
#include "common/lc-error.h"
#include "common/lc-json.h"
#include "common/lc-time.h"

#define TOKEN_PREFIX "lcj1."
#define MAC_BYTES 32
#define MAC_CHARS 43         /* base64url of 32 bytes, no padding */
#define MAX_TOKEN_CHARS 4096 /* ids, a 60-character name and an expiry fit easily */
#define MAX_PAYLOAD_DEPTH 2
#define SECRET_BYTES 32
#define MAX_SECRET_FILE_BYTES 4096

LcJoinClaims *
lc_join_claims_new (void)
{
  LcJoinClaims *claims = g_new0 (LcJoinClaims, 1);

  claims->role = LC_CONFERENCE_ROLE_PARTICIPANT;
  return claims;
}

void
lc_join_claims_free (LcJoinClaims *claims)
{
  if (claims == NULL)
    return;
  g_free (claims->conference_id);
  g_free (claims->school_id);
  g_free (claims->display_name);
  g_free (claims->participant_id);
  g_free (claims);
}

/* HMAC-SHA256 (key, signed_part[0..len)) into out. */
static void
compute_mac (GBytes *key, const char *signed_part, gsize len, guint8 out[MAC_BYTES])
{
  gsize key_len = 0;
  const guint8 *key_data = g_bytes_get_data (key, &key_len);

  lc_hmac_sha256 (key_data, key_len, (const guint8 *)signed_part, len, out);
}

char *
lc_join_token_sign (GBytes *key, const LcJoinClaims *claims)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *json = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *signed_part = NULL;
  g_autofree char *mac_text = NULL;
  const char *role;
  guint8 mac[MAC_BYTES];

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (claims != NULL, NULL);
  g_return_val_if_fail (claims->conference_id != NULL && claims->conference_id[0] != '\0', NULL);
  g_return_val_if_fail (claims->school_id != NULL && claims->school_id[0] != '\0', NULL);
  role = lc_conference_role_to_string (claims->role);
  g_return_val_if_fail (role != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "c");
  json_builder_add_string_value (builder, claims->conference_id);
  json_builder_set_member_name (builder, "s");
  json_builder_add_string_value (builder, claims->school_id);
  json_builder_set_member_name (builder, "r");
  json_builder_add_string_value (builder, role);
  /* An empty name or participant id is the same as none (verify rejects ""). */
  if (claims->display_name != NULL && claims->display_name[0] != '\0')
    {
      json_builder_set_member_name (builder, "n");
      json_builder_add_string_value (builder, claims->display_name);
    }
  if (claims->participant_id != NULL && claims->participant_id[0] != '\0')
    {
      json_builder_set_member_name (builder, "p");
      json_builder_add_string_value (builder, claims->participant_id);
    }
  json_builder_set_member_name (builder, "e");
  json_builder_add_int_value (builder, claims->expires_at);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  json = lc_json_to_string (root);
  payload = lc_base64url_encode ((const guint8 *)json, strlen (json));
  signed_part = g_strconcat (TOKEN_PREFIX, payload, NULL);
  compute_mac (key, signed_part, strlen (signed_part), mac);
  mac_text = lc_base64url_encode (mac, sizeof mac);
  OPENSSL_cleanse (mac, sizeof mac);
  return g_strconcat (signed_part, ".", mac_text, NULL);
}

static void
set_malformed (GError **error)
{
  lc_set_error (error, LC_ERROR_UNAUTHORIZED, NULL, "malformed join token");
}

/* A string member: absent → *out NULL (allowed only when optional); present
 * and a non-empty string → copied; anything else → FALSE. */
static gboolean
get_string_member (JsonObject *object, const char *name, gboolean optional, char **out)
{
  JsonNode *node = json_object_get_member (object, name);
  const char *value;

  *out = NULL;
  if (node == NULL)
    return optional;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;
  value = json_node_get_string (node);
  if (value == NULL || value[0] == '\0')
    return FALSE;
  *out = g_strdup (value);
  return TRUE;
}

/* The payload's claims, or NULL when it is not the object sign() writes. */
static LcJoinClaims *
parse_payload (const guint8 *json, gsize len)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (LcJoinClaims) claims = lc_join_claims_new ();
  g_autofree char *role = NULL;
  JsonObject *object;
  JsonNode *expiry;

  root = lc_json_parse ((const char *)json, len, MAX_TOKEN_CHARS, MAX_PAYLOAD_DEPTH, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  object = json_node_get_object (root);

  if (!get_string_member (object, "c", FALSE, &claims->conference_id)
      || !get_string_member (object, "s", FALSE, &claims->school_id)
      || !get_string_member (object, "r", FALSE, &role)
      || !get_string_member (object, "n", TRUE, &claims->display_name)
      || !get_string_member (object, "p", TRUE, &claims->participant_id))
    return NULL;
  if (!lc_conference_role_from_string (role, &claims->role))
    return NULL;

  expiry = json_object_get_member (object, "e");
  if (expiry == NULL || !JSON_NODE_HOLDS_VALUE (expiry)
      || json_node_get_value_type (expiry) != G_TYPE_INT64)
    return NULL;
  claims->expires_at = json_node_get_int (expiry);
  return g_steal_pointer (&claims);
}

LcJoinClaims *
lc_join_token_verify (GBytes *key, const char *token, const char *expected_conference_id,
                      gint64 now, GError **error)
{
  g_autoptr (LcJoinClaims) claims = NULL;
  g_autofree char *payload_text = NULL;
  g_autofree guint8 *payload = NULL;
  g_autofree guint8 *given_mac = NULL;
  const char *payload_start, *mac_dot;
  gsize token_len, given_len = 0, payload_len = 0;
  guint8 mac[MAC_BYTES];
  gboolean mac_ok;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Shape: prefix, a non-empty payload part, one dot, a 43-character MAC. */
  if (token == NULL)
    {
      set_malformed (error);
      return NULL;
    }
  token_len = strnlen (token, MAX_TOKEN_CHARS + 1);
  if (token_len > MAX_TOKEN_CHARS || !g_str_has_prefix (token, TOKEN_PREFIX))
    {
      set_malformed (error);
      return NULL;
    }
  payload_start = token + strlen (TOKEN_PREFIX);
  mac_dot = strchr (payload_start, '.');
  if (mac_dot == NULL || mac_dot == payload_start
      || (gsize)(token + token_len - (mac_dot + 1)) != MAC_CHARS)
    {
      set_malformed (error);
      return NULL;
    }
  given_mac = lc_base64url_decode (mac_dot + 1, &given_len);
  if (given_mac == NULL || given_len != MAC_BYTES)
    {
      set_malformed (error);
      return NULL;
    }

  /* Authenticity first, in constant time; only then look inside. */
  compute_mac (key, token, (gsize)(mac_dot - token), mac);
  mac_ok = CRYPTO_memcmp (mac, given_mac, MAC_BYTES) == 0;
  OPENSSL_cleanse (mac, sizeof mac);
  if (!mac_ok)
    {
      lc_set_error (error, LC_ERROR_UNAUTHORIZED, NULL, "join token signature does not match");
      return NULL;
    }

  payload_text = g_strndup (payload_start, (gsize)(mac_dot - payload_start));
  payload = lc_base64url_decode (payload_text, &payload_len);
  if (payload == NULL || (claims = parse_payload (payload, payload_len)) == NULL)
    {
      set_malformed (error);
      return NULL;
    }

  if (expected_conference_id != NULL
      && g_strcmp0 (claims->conference_id, expected_conference_id) != 0)
    {
      lc_set_error (error, LC_ERROR_UNAUTHORIZED, NULL, "join token is for another conference");
      return NULL;
    }
  /* The token ends with the conference: valid while now < expires_at. */
  if (now >= claims->expires_at)
    {
      g_autofree char *when = lc_time_format_rfc3339 (claims->expires_at);

      lc_set_error (error, LC_ERROR_UNAUTHORIZED, NULL, "join token expired at %s", when);
      return NULL;
    }
  return g_steal_pointer (&claims);
}

/* Read an existing secret file (bounded). NULL + LC_ERROR_CONFIG on failure;
 * *missing TRUE when it does not exist. */
static GBytes *
read_secret (const char *path, gboolean *missing, GError **error)
{
  g_autofree guint8 *buf = g_malloc (MAX_SECRET_FILE_BYTES + 1);
  struct stat st;
  gsize len = 0;
  int fd;

  *missing = FALSE;
  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0)
    {
      int saved = errno;

      if (saved == ENOENT)
        *missing = TRUE;
      else
        lc_set_error (error, LC_ERROR_CONFIG, NULL, "cannot open the join secret file %s: %s", path,
                      g_strerror (saved));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      lc_set_error (error, LC_ERROR_CONFIG, NULL, "the join secret file %s is not a regular file",
                    path);
      close (fd);
      return NULL;
    }
  if ((st.st_mode & 0077) != 0)
    g_message ("join secret %s: readable by others (mode %04o); chmod 600 it", path,
               (unsigned)(st.st_mode & 07777));

  while (len <= MAX_SECRET_FILE_BYTES)
    {
      ssize_t n = read (fd, buf + len, MAX_SECRET_FILE_BYTES + 1 - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          lc_set_error (error, LC_ERROR_CONFIG, NULL, "cannot read the join secret file %s: %s",
                        path, g_strerror (saved));
          close (fd);
          OPENSSL_cleanse (buf, MAX_SECRET_FILE_BYTES + 1);
          return NULL;
        }
      if (n == 0)
        break;
      len += (gsize)n;
    }
  close (fd);

  if (len < SECRET_BYTES || len > MAX_SECRET_FILE_BYTES)
    {
      lc_set_error (error, LC_ERROR_CONFIG, NULL,
                    "the join secret file %s must hold %d to %d bytes (it has %s%" G_GSIZE_FORMAT
                    "); remove it to have a new one created",
                    path, SECRET_BYTES, MAX_SECRET_FILE_BYTES,
                    len > MAX_SECRET_FILE_BYTES ? "more than " : "",
                    MIN (len, (gsize)MAX_SECRET_FILE_BYTES));
      OPENSSL_cleanse (buf, MAX_SECRET_FILE_BYTES + 1);
      return NULL;
    }
  {
    GBytes *secret = g_bytes_new (buf, len);

    OPENSSL_cleanse (buf, MAX_SECRET_FILE_BYTES + 1);
    return secret;
  }
}

/* Create path with 32 random bytes, mode 0600, never replacing a file.
 * *exists TRUE when another process created it first. */
static gboolean
create_secret (const char *path, gboolean *exists, GError **error)
{
  guint8 raw[SECRET_BYTES];
  gsize done = 0;
  int fd;

  *exists = FALSE;
  fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
  if (fd < 0)
    {
      int saved = errno;

      if (saved == EEXIST)
        *exists = TRUE;
      else
        lc_set_error (error, LC_ERROR_CONFIG, NULL, "cannot create the join secret file %s: %s",
                      path, g_strerror (saved));
      return FALSE;
    }

  lc_random_bytes (raw, sizeof raw);
  while (done < sizeof raw)
    {
      ssize_t n = write (fd, raw + done, sizeof raw - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      done += (gsize)n;
    }
  OPENSSL_cleanse (raw, sizeof raw);
  if (done != sizeof raw || fsync (fd) != 0)
    {
      int saved = errno;

      close (fd);
      g_unlink (path);
      lc_set_error (error, LC_ERROR_CONFIG, NULL, "cannot write the join secret file %s: %s", path,
                    g_strerror (saved));
      return FALSE;
    }
  if (close (fd) != 0)
    {
      int saved = errno;

      g_unlink (path);
      lc_set_error (error, LC_ERROR_CONFIG, NULL, "cannot write the join secret file %s: %s", path,
                    g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

GBytes *
lc_join_secret_load_or_create (const char *path, GError **error)
{
  gboolean missing = FALSE, exists = FALSE;
  GBytes *secret;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (path == NULL || path[0] == '\0')
    {
      lc_set_error (error, LC_ERROR_CONFIG, NULL, "no path for the join secret file");
      return NULL;
    }

  secret = read_secret (path, &missing, error);
  if (secret != NULL || !missing)
    return secret;

  if (!create_secret (path, &exists, error) && !exists)
    return NULL;
  /* Read back what is on disk (ours, or a concurrent creator's). */
  secret = read_secret (path, &missing, error);
  if (secret == NULL && missing)
    lc_set_error (error, LC_ERROR_CONFIG, NULL, "the join secret file %s vanished after creation",
                  path);
  return secret;
}
