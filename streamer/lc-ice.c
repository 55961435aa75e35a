/* lc-ice.c — ICE configuration from the webrtc.* config keys, coturn REST
 * (use-auth-secret) TURN credentials, and the RFC 9725 Link headers that hand
 * STUN/TURN servers to WHIP/WHEP clients. Pure: no I/O. */
#include "streamer/lc-ice.h"

#include <string.h>

#include "common/lc-config.h"

/* A server URI as it may appear inside <…> of a Link header: no whitespace,
 * no quotes or angle brackets, no control characters, a known scheme. */
static gboolean
uri_is_safe (const char *uri)
{
  if (!g_str_has_prefix (uri, "stun:") && !g_str_has_prefix (uri, "stuns:")
      && !g_str_has_prefix (uri, "turn:") && !g_str_has_prefix (uri, "turns:"))
    return FALSE;
  for (const char *p = uri; *p != '\0'; p++)
    {
      unsigned char c = (unsigned char)*p;
      if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == '\\')
        return FALSE;
    }
  return TRUE;
}

/* Split a comma-separated list, trimming blanks and dropping empty items and
 * items keep() rejects. NULL when nothing is left. (transfer full) */
static char **
split_list (const char *text, gboolean (*keep) (const char *item), const char *key)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  guint n = 0;

  if (text == NULL)
    return NULL;

  g_auto (GStrv) items = g_strsplit (text, ",", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      const char *item = g_strstrip (items[i]);

      if (item[0] == '\0')
        continue;
      if (keep != NULL && !keep (item))
        {
          g_autofree char *shown = g_strescape (item, NULL);
          g_message ("config %s: ignoring \"%s\"", key, shown);
          continue;
        }
      g_strv_builder_add (builder, item);
      n++;
    }
  if (n == 0)
    return NULL;
  return g_strv_builder_end (builder);
}

static gboolean
is_ip_literal (const char *item)
{
  return g_hostname_is_ip_address (item);
}

static gboolean
is_stun_uri (const char *item)
{
  return uri_is_safe (item)
         && (g_str_has_prefix (item, "stun:") || g_str_has_prefix (item, "stuns:"));
}

static gboolean
is_turn_uri (const char *item)
{
  return uri_is_safe (item)
         && (g_str_has_prefix (item, "turn:") || g_str_has_prefix (item, "turns:"));
}

static char *
nonempty_dup (const char *text)
{
  if (text == NULL)
    return NULL;

  g_autofree char *copy = g_strstrip (g_strdup (text));
  return copy[0] != '\0' ? g_steal_pointer (&copy) : NULL;
}

LcIceConfig *
lc_ice_config_new_from_config (LcConfig *config)
{
  g_return_val_if_fail (config != NULL, NULL);

  LcIceConfig *ice = g_new0 (LcIceConfig, 1);
  gint64 port_min = lc_config_get_int (config, "webrtc.port_min");
  gint64 port_max = lc_config_get_int (config, "webrtc.port_max");

  ice->addresses = split_list (lc_config_get_string (config, "webrtc.addresses"), is_ip_literal,
                               "webrtc.addresses");
  ice->public_address = nonempty_dup (lc_config_get_string (config, "webrtc.public_address"));
  if (ice->public_address != NULL && !g_hostname_is_ip_address (ice->public_address))
    {
      g_message ("config webrtc.public_address: not an IP address; ignored");
      g_clear_pointer (&ice->public_address, g_free);
    }
  /* A range needs both ends, in order; anything else means any port. */
  if (port_min > 0 && port_max >= port_min && port_max <= G_MAXUINT16)
    {
      ice->port_min = (guint16)port_min;
      ice->port_max = (guint16)port_max;
    }
  ice->stun_servers = split_list (lc_config_get_string (config, "webrtc.stun_servers"), is_stun_uri,
                                  "webrtc.stun_servers");
  ice->turn_servers = split_list (lc_config_get_string (config, "webrtc.turn_servers"), is_turn_uri,
                                  "webrtc.turn_servers");
  ice->turn_secret = nonempty_dup (lc_config_get_string (config, "webrtc.turn_secret"));
  ice->turn_ttl = (guint)CLAMP (lc_config_get_int (config, "webrtc.turn_ttl"), 1, G_MAXUINT);
  return ice;
}

LcIceConfig *
lc_ice_config_copy (const LcIceConfig *ice)
{
  g_return_val_if_fail (ice != NULL, NULL);

  LcIceConfig *copy = g_new0 (LcIceConfig, 1);
  copy->addresses = g_strdupv (ice->addresses);
  copy->public_address = g_strdup (ice->public_address);
  copy->port_min = ice->port_min;
  copy->port_max = ice->port_max;
  copy->stun_servers = g_strdupv (ice->stun_servers);
  copy->turn_servers = g_strdupv (ice->turn_servers);
  copy->turn_secret = g_strdup (ice->turn_secret);
  copy->turn_ttl = ice->turn_ttl;
  return copy;
}

void
lc_ice_config_free (LcIceConfig *ice)
{
  if (ice == NULL)
    return;
  g_strfreev (ice->addresses);
  g_free (ice->public_address);
  g_strfreev (ice->stun_servers);
  g_strfreev (ice->turn_servers);
  if (ice->turn_secret != NULL)
    memset (ice->turn_secret, 0, strlen (ice->turn_secret));
  g_free (ice->turn_secret);
  g_free (ice);
}

void
lc_turn_credentials (const char *secret, const char *user, gint64 now, guint ttl, char **username,
                     char **password)
{
  g_return_if_fail (secret != NULL);
  g_return_if_fail (username != NULL && password != NULL);

  guint8 digest[20];
  gsize digest_len = sizeof digest;
  g_autoptr (GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA1, (const guchar *)secret, strlen (secret));
  g_autofree char *name = NULL;

  if (user != NULL && user[0] != '\0')
    name = g_strdup_printf ("%" G_GINT64_FORMAT ":%s", now + (gint64)ttl, user);
  else
    name = g_strdup_printf ("%" G_GINT64_FORMAT, now + (gint64)ttl);

  g_hmac_update (hmac, (const guchar *)name, (gssize)strlen (name));
  g_hmac_get_digest (hmac, digest, &digest_len);
  *password = g_base64_encode (digest, digest_len);
  *username = g_steal_pointer (&name);
}

/* Append value as an RFC 9110 quoted-string. */
static void
append_quoted (GString *out, const char *value)
{
  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

char **
lc_ice_link_headers (const LcIceConfig *ice, const char *user, gint64 now)
{
  g_return_val_if_fail (ice != NULL, NULL);

  GPtrArray *links = g_ptr_array_new ();

  for (guint i = 0; ice->stun_servers != NULL && ice->stun_servers[i] != NULL; i++)
    {
      if (!uri_is_safe (ice->stun_servers[i]))
        continue;
      g_ptr_array_add (links, g_strdup_printf ("<%s>; rel=\"ice-server\"", ice->stun_servers[i]));
    }

  /* TURN needs credentials: without a secret the servers are not handed out. */
  if (ice->turn_secret != NULL && ice->turn_secret[0] != '\0')
    for (guint i = 0; ice->turn_servers != NULL && ice->turn_servers[i] != NULL; i++)
      {
        g_autofree char *username = NULL, *password = NULL;
        GString *link;

        if (!uri_is_safe (ice->turn_servers[i]))
          continue;
        lc_turn_credentials (ice->turn_secret, user, now, ice->turn_ttl, &username, &password);
        link = g_string_new (NULL);
        g_string_append_printf (link, "<%s>; rel=\"ice-server\"; username=", ice->turn_servers[i]);
        append_quoted (link, username);
        g_string_append (link, "; credential=");
        append_quoted (link, password);
        g_string_append (link, "; credential-type=\"password\"");
        g_ptr_array_add (links, g_string_free (link, FALSE));
      }

  g_ptr_array_add (links, NULL);
  return (char **)g_ptr_array_free (links, FALSE);
}
