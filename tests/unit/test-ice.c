/* test-ice.c — ICE configuration (streamer/lc-ice.c): coturn REST TURN
 * credentials checked against values computed independently (openssl CLI
 * and OpenSSL's HMAC API), the RFC 9725 Link headers, parsing of the
 * webrtc.* config keys, and the 1:1 NAT candidate rewrite. */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/lc-config.h"
#include "streamer/lc-ice.h"
#include "streamer/lc-webrtc-private.h"

static void
test_turn_credentials_vector (void)
{
  g_autofree char *username = NULL, *password = NULL;

  /* printf '%s' "1700086400:lesson42" \
   *   | openssl dgst -sha1 -hmac "north-school-secret" -binary | base64 */
  lc_turn_credentials ("north-school-secret", "lesson42", 1700000000, 86400, &username, &password);
  g_assert_cmpstr (username, ==, "1700086400:lesson42");
  g_assert_cmpstr (password, ==, "5tCoX0bcgJEN38hwhb5CbOvzc/4=");

  /* Without a user name the username is the expiry alone. */
  g_autofree char *u2 = NULL, *p2 = NULL;
  lc_turn_credentials ("s3cr3t", NULL, 1700000000, 600, &u2, &p2);
  g_assert_cmpstr (u2, ==, "1700000600");
  g_assert_cmpstr (p2, ==, "Y94pG81NaZ9JP1qKE/R8GSEE2ik=");
}

/* base64(HMAC-SHA1(secret, text)) with OpenSSL (transfer full). */
static char *
openssl_turn_password (const char *secret, const char *text)
{
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  unsigned char encoded[64];

  g_assert_nonnull (HMAC (EVP_sha1 (), secret, (int)strlen (secret), (const unsigned char *)text,
                          strlen (text), digest, &digest_len));
  g_assert_cmpuint (digest_len, ==, 20);
  int n = EVP_EncodeBlock (encoded, digest, (int)digest_len);
  return g_strndup ((const char *)encoded, (gsize)n);
}

static void
test_turn_credentials_random (void)
{
  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *secret = g_strdup_printf ("secret-%08x-%u", g_test_rand_int (), i);
      g_autofree char *user = g_strdup_printf ("lesson-%u", g_test_rand_int_range (0, 100000));
      gint64 now = 1600000000 + g_test_rand_int_range (0, 100000000);
      guint ttl = (guint)g_test_rand_int_range (60, 604800);
      g_autofree char *username = NULL, *password = NULL;
      g_autofree char *expected_user = g_strdup_printf ("%" G_GINT64_FORMAT ":%s", now + ttl, user);

      lc_turn_credentials (secret, user, now, ttl, &username, &password);
      g_assert_cmpstr (username, ==, expected_user);
      g_autofree char *expected = openssl_turn_password (secret, expected_user);
      g_assert_cmpstr (password, ==, expected);
    }
}

static LcIceConfig *
ice_with (const char *const *stun, const char *const *turn, const char *secret, guint ttl)
{
  LcIceConfig *ice = g_new0 (LcIceConfig, 1);

  ice->stun_servers = g_strdupv ((char **)stun);
  ice->turn_servers = g_strdupv ((char **)turn);
  ice->turn_secret = g_strdup (secret);
  ice->turn_ttl = ttl;
  return ice;
}

static void
test_link_headers (void)
{
  const char *stun[] = { "stun:stun.example.org:3478", "stun:[2001:db8::1]:3478", NULL };
  const char *turn[] = { "turn:turn.example.org:3478?transport=udp",
                         "turns:turn.example.org:5349?transport=tcp", NULL };
  g_autoptr (LcIceConfig) ice = ice_with (stun, turn, "north-school-secret", 86400);
  g_auto (GStrv) links = lc_ice_link_headers (ice, "lesson42", 1700000000);

  g_assert_cmpuint (g_strv_length (links), ==, 4);
  g_assert_cmpstr (links[0], ==, "<stun:stun.example.org:3478>; rel=\"ice-server\"");
  g_assert_cmpstr (links[1], ==, "<stun:[2001:db8::1]:3478>; rel=\"ice-server\"");
  g_assert_cmpstr (links[2], ==,
                   "<turn:turn.example.org:3478?transport=udp>; rel=\"ice-server\"; "
                   "username=\"1700086400:lesson42\"; credential=\"5tCoX0bcgJEN38hwhb5CbOvzc/4=\"; "
                   "credential-type=\"password\"");
  g_assert_true (g_str_has_prefix (links[3],
                                   "<turns:turn.example.org:5349?transport=tcp>; "
                                   "rel=\"ice-server\"; username=\"1700086400:lesson42\""));

  /* Quotes in the user name are escaped inside the quoted-string. */
  g_auto (GStrv) quoted = lc_ice_link_headers (ice, "a\"b", 1700000000);
  g_assert_nonnull (strstr (quoted[2], "username=\"1700086400:a\\\"b\""));

  /* Without a secret TURN servers are not handed out; nothing configured, nothing sent. */
  g_autoptr (LcIceConfig) no_secret = ice_with (stun, turn, NULL, 86400);
  g_auto (GStrv) stun_only = lc_ice_link_headers (no_secret, "x", 1700000000);
  g_assert_cmpuint (g_strv_length (stun_only), ==, 2);
  g_autoptr (LcIceConfig) none = ice_with (NULL, NULL, NULL, 0);
  g_auto (GStrv) empty = lc_ice_link_headers (none, "x", 1700000000);
  g_assert_nonnull (empty);
  g_assert_cmpuint (g_strv_length (empty), ==, 0);

  /* A URI that could break the header is never emitted. */
  const char *evil[] = { "stun:a>; rel=\"x\"", NULL };
  g_autoptr (LcIceConfig) bad = ice_with (evil, NULL, NULL, 0);
  g_auto (GStrv) safe = lc_ice_link_headers (bad, "x", 1700000000);
  g_assert_cmpuint (g_strv_length (safe), ==, 0);
}

static void
set (LcConfig *config, const char *name, const char *value)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (lc_config_set (config, name, value, &error));
  g_assert_no_error (error);
}

static void
test_from_config (void)
{
  LcConfig *config = lc_config_new ();

  /* Defaults: all interfaces, any port, no servers. */
  g_autoptr (LcIceConfig) defaults = lc_ice_config_new_from_config (config);
  g_assert_null (defaults->addresses);
  g_assert_null (defaults->public_address);
  g_assert_cmpuint (defaults->port_min, ==, 0);
  g_assert_cmpuint (defaults->port_max, ==, 0);
  g_assert_null (defaults->stun_servers);
  g_assert_null (defaults->turn_servers);
  g_assert_null (defaults->turn_secret);
  g_assert_cmpuint (defaults->turn_ttl, ==, 86400);

  set (config, "webrtc.addresses", " 127.0.0.1, ::1 ,,not-an-ip");
  set (config, "webrtc.public_address", "203.0.113.7");
  set (config, "webrtc.port_min", "40000");
  set (config, "webrtc.port_max", "40100");
  set (config, "webrtc.stun_servers", "stun:stun.example.org:3478, http://nope");
  set (config, "webrtc.turn_servers", "turn:turn.example.org:3478?transport=udp");
  set (config, "webrtc.turn_secret", "north-school-secret");
  set (config, "webrtc.turn_ttl", "3600");
  g_autoptr (LcIceConfig) ice = lc_ice_config_new_from_config (config);

  g_assert_cmpuint (g_strv_length (ice->addresses), ==, 2);
  g_assert_cmpstr (ice->addresses[0], ==, "127.0.0.1");
  g_assert_cmpstr (ice->addresses[1], ==, "::1");
  g_assert_cmpstr (ice->public_address, ==, "203.0.113.7");
  g_assert_cmpuint (ice->port_min, ==, 40000);
  g_assert_cmpuint (ice->port_max, ==, 40100);
  g_assert_cmpuint (g_strv_length (ice->stun_servers), ==, 1);
  g_assert_cmpstr (ice->stun_servers[0], ==, "stun:stun.example.org:3478");
  g_assert_cmpstr (ice->turn_servers[0], ==, "turn:turn.example.org:3478?transport=udp");
  g_assert_cmpstr (ice->turn_secret, ==, "north-school-secret");
  g_assert_cmpuint (ice->turn_ttl, ==, 3600);

  /* A copy is deep and equal. */
  g_autoptr (LcIceConfig) copy = lc_ice_config_copy (ice);
  g_assert_true (copy->addresses != ice->addresses);
  g_assert_cmpstrv (copy->addresses, ice->addresses);
  g_assert_cmpstr (copy->turn_secret, ==, ice->turn_secret);
  g_assert_cmpuint (copy->port_max, ==, 40100);

  /* Half a port range, or an inverted one, means any port. */
  set (config, "webrtc.port_min", "40200");
  g_autoptr (LcIceConfig) inverted = lc_ice_config_new_from_config (config);
  g_assert_cmpuint (inverted->port_min, ==, 0);
  g_assert_cmpuint (inverted->port_max, ==, 0);

  /* A public address that is not an IP is dropped. */
  set (config, "webrtc.public_address", "example.org");
  g_autoptr (LcIceConfig) named = lc_ice_config_new_from_config (config);
  g_assert_null (named->public_address);

  lc_config_unref (config);
}

static void
test_public_address_rewrite (void)
{
  const char *sdp = "v=0\r\n"
                    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
                    "a=candidate:1 1 UDP 2015364095 10.0.0.5 41777 typ host\r\n"
                    "a=candidate:2 1 UDP 1679163391 198.51.100.9 41777 typ srflx raddr 10.0.0.5 "
                    "rport 41777\r\n"
                    "a=mid:video0\r\n";
  LcIceConfig ice = { .public_address = (char *)"203.0.113.7" };
  g_autofree char *rewritten = lc_webrtc_apply_public_address (sdp, &ice);

  g_assert_nonnull (
      strstr (rewritten, "a=candidate:1 1 UDP 2015364095 203.0.113.7 41777 typ host\r\n"));
  g_assert_null (strstr (rewritten, " 10.0.0.5 41777 typ host"));
  /* Other candidate types and lines stay as they were. */
  g_assert_nonnull (strstr (rewritten, "198.51.100.9 41777 typ srflx raddr 10.0.0.5"));
  g_assert_nonnull (strstr (rewritten, "a=mid:video0\r\n"));
  g_assert_cmpuint (strlen (rewritten), ==,
                    strlen (sdp) + strlen ("203.0.113.7") - strlen ("10.0.0.5"));

  /* No public address: unchanged. */
  LcIceConfig plain = { 0 };
  g_autofree char *same = lc_webrtc_apply_public_address (sdp, &plain);
  g_assert_cmpstr (same, ==, sdp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/streamer/ice/turn-credentials/vector", test_turn_credentials_vector);
  g_test_add_func ("/streamer/ice/turn-credentials/openssl", test_turn_credentials_random);
  g_test_add_func ("/streamer/ice/link-headers", test_link_headers);
  g_test_add_func ("/streamer/ice/from-config", test_from_config);
  g_test_add_func ("/streamer/ice/public-address", test_public_address_rewrite);

  return g_test_run ();
}
