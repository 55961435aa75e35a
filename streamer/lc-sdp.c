/* lc-sdp.c — pure SDP checks for WHIP/WHEP offers and trickle/restart
 * fragments (RFC 8866 syntax, RFC 8840 sdpfrag, RFC 8839 ICE attributes).
 * No GStreamer, no I/O: text in, a summary or an LC_ERROR out. Every byte is
 * untrusted; lengths and characters are checked before anything is kept. */
#include "streamer/lc-sdp.h"

#include <string.h>

#include "common/lc-error.h"

#define MAX_LINES 4096
#define MAX_MEDIA 64
#define MAX_CANDIDATES 256

/* ---- small helpers ---- */

static gboolean
is_ice_char (char c)
{
  return g_ascii_isalnum (c) || c == '+' || c == '/';
}

static gboolean
all_ice_chars (const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    if (!is_ice_char (*s))
      return FALSE;
  return TRUE;
}

static gboolean
all_digits (const char *s, gsize max_len)
{
  if (s == NULL)
    return FALSE;

  gsize n = strlen (s);

  if (n == 0 || n > max_len)
    return FALSE;
  for (; *s != '\0'; s++)
    if (!g_ascii_isdigit (*s))
      return FALSE;
  return TRUE;
}

/* Parse a payload type 0..127. */
static gboolean
parse_pt (const char *s, int *pt)
{
  if (!all_digits (s, 3))
    return FALSE;
  int v = atoi (s);
  if (v > 127)
    return FALSE;
  *pt = v;
  return TRUE;
}

/* Split text into lines (CRLF or LF). Rejects NULs (impossible in a C
 * string), other control characters and lines that are not "<letter>=...". */
static GPtrArray *
split_lines (const char *text, const char *what, GError **error)
{
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  const char *p = text;
  guint number = 0;

  while (*p != '\0')
    {
      const char *end = strchr (p, '\n');
      gsize len = end != NULL ? (gsize)(end - p) : strlen (p);
      const char *next = end != NULL ? end + 1 : p + len;

      number++;
      if (len > 0 && p[len - 1] == '\r')
        len--;
      if (len == 0)
        {
          p = next;
          continue; /* tolerate blank lines (a trailing one is common) */
        }
      if (lines->len >= MAX_LINES)
        {
          lc_set_error (error, LC_ERROR_MALFORMED, NULL, "the %s has too many lines", what);
          return NULL;
        }
      for (gsize i = 0; i < len; i++)
        {
          unsigned char c = (unsigned char)p[i];
          if ((c < 0x20 && c != '\t') || c == 0x7f)
            {
              lc_set_error (error, LC_ERROR_MALFORMED, NULL,
                            "the %s has a control character on line %u", what, number);
              return NULL;
            }
        }
      if (len < 2 || !g_ascii_isalpha (p[0]) || p[1] != '=')
        {
          lc_set_error (error, LC_ERROR_MALFORMED, NULL,
                        "the %s is not SDP: line %u is not \"<type>=<value>\"", what, number);
          return NULL;
        }
      g_ptr_array_add (lines, g_strndup (p, len));
      p = next;
    }
  return g_steal_pointer (&lines);
}

/* "a=name:value" → name and value (value NULL for flag attributes). */
static void
split_attribute (const char *line, char **name, const char **value)
{
  const char *body = line + 2;
  const char *colon = strchr (body, ':');

  if (colon == NULL)
    {
      *name = g_strdup (body);
      *value = NULL;
    }
  else
    {
      *name = g_strndup (body, (gsize)(colon - body));
      *value = colon + 1;
    }
}

/* ---- offers ---- */

typedef enum
{
  DIR_UNSET,
  DIR_SENDRECV,
  DIR_SENDONLY,
  DIR_RECVONLY,
  DIR_INACTIVE,
} Direction;

typedef struct
{
  int pt;
  char *encoding; /* lower case */
  guint clock_rate;
  char *fmtp;
} Format;

static void
format_free (gpointer data)
{
  Format *f = data;

  g_free (f->encoding);
  g_free (f->fmtp);
  g_free (f);
}

typedef struct
{
  char *type; /* "video", "audio", … */
  guint port;
  gboolean bundle_only;
  Direction direction;
  GPtrArray *formats; /* Format, in m-line order */
} Media;

static void
media_free (gpointer data)
{
  Media *m = data;

  g_free (m->type);
  g_clear_pointer (&m->formats, g_ptr_array_unref);
  g_free (m);
}

static Format *
media_find_format (Media *m, int pt)
{
  for (guint i = 0; i < m->formats->len; i++)
    {
      Format *f = g_ptr_array_index (m->formats, i);
      if (f->pt == pt)
        return f;
    }
  return NULL;
}

/* "m=video 9 UDP/TLS/RTP/SAVPF 96 97" */
static Media *
parse_media_line (const char *value, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (value, " ", -1);
  guint n = g_strv_length (parts);
  g_autoptr (GPtrArray) formats = g_ptr_array_new_with_free_func (format_free);
  Media *m;

  if (n < 4 || parts[0][0] == '\0')
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL, "malformed m= line");
      return NULL;
    }
  /* port, optionally "port/count" */
  g_auto (GStrv) port_parts = g_strsplit (parts[1], "/", 2);
  if (!all_digits (port_parts[0], 5) || atoi (port_parts[0]) > 65535
      || (port_parts[1] != NULL && !all_digits (port_parts[1], 5)))
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL, "malformed port in m= line");
      return NULL;
    }
  gboolean rtp = strstr (parts[2], "RTP/") != NULL;
  for (guint i = 3; i < n; i++)
    {
      int pt;

      if (!rtp)
        break; /* e.g. "webrtc-datachannel": formats are not payload types */
      if (!parse_pt (parts[i], &pt))
        {
          lc_set_error (error, LC_ERROR_MALFORMED, NULL, "malformed payload type in m= line");
          return NULL;
        }
      Format *f = g_new0 (Format, 1);
      f->pt = pt;
      g_ptr_array_add (formats, f);
    }

  m = g_new0 (Media, 1);
  m->type = g_ascii_strdown (parts[0], -1);
  m->port = (guint)atoi (port_parts[0]);
  m->direction = DIR_UNSET;
  m->formats = g_steal_pointer (&formats);
  return m;
}

/* "a=rtpmap:96 H264/90000" */
static gboolean
parse_rtpmap (Media *m, const char *value, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (value, " ", 2);
  int pt;

  if (parts[0] == NULL || parts[1] == NULL || !parse_pt (parts[0], &pt))
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL, "malformed a=rtpmap");
      return FALSE;
    }
  g_auto (GStrv) enc = g_strsplit (parts[1], "/", 3);
  if (enc[0] == NULL || enc[0][0] == '\0' || enc[1] == NULL || !all_digits (enc[1], 9))
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL, "malformed a=rtpmap");
      return FALSE;
    }
  Format *f = media_find_format (m, pt);
  if (f == NULL)
    return TRUE; /* an rtpmap for a payload type the m= line does not list: ignored */
  g_free (f->encoding);
  f->encoding = g_ascii_strdown (enc[0], -1);
  f->clock_rate = (guint)atoi (enc[1]);
  return TRUE;
}

/* "a=fmtp:96 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f" */
static gboolean
parse_fmtp (Media *m, const char *value, GError **error)
{
  const char *space = strchr (value, ' ');
  g_autofree char *pt_text = NULL;
  int pt;

  pt_text = space != NULL ? g_strndup (value, (gsize)(space - value)) : g_strdup (value);
  if (!parse_pt (pt_text, &pt))
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL, "malformed a=fmtp");
      return FALSE;
    }
  Format *f = media_find_format (m, pt);
  if (f == NULL)
    return TRUE;
  g_free (f->fmtp);
  f->fmtp = g_strdup (space != NULL ? space + 1 : "");
  return TRUE;
}

/* The value of key in "k=v;k=v" (transfer full), or NULL. */
static char *
fmtp_get (const char *fmtp, const char *key)
{
  if (fmtp == NULL)
    return NULL;

  g_auto (GStrv) params = g_strsplit (fmtp, ";", -1);
  for (guint i = 0; params[i] != NULL; i++)
    {
      char *param = g_strstrip (params[i]);
      const char *eq = strchr (param, '=');

      if (eq == NULL)
        continue;
      if ((gsize)(eq - param) == strlen (key)
          && g_ascii_strncasecmp (param, key, strlen (key)) == 0)
        return g_strdup (eq + 1);
    }
  return NULL;
}

/* H.264 with packetization-mode=1 and a profile we pass through unchanged:
 * constrained baseline/baseline (42), main (4d), high (64). */
static gboolean
h264_usable (const Format *f)
{
  g_autofree char *mode = fmtp_get (f->fmtp, "packetization-mode");
  g_autofree char *profile = fmtp_get (f->fmtp, "profile-level-id");

  if (mode == NULL || g_strcmp0 (g_strstrip (mode), "1") != 0)
    return FALSE;
  if (profile == NULL)
    return TRUE; /* RFC 6184: absent means 42000a (baseline) */
  g_strstrip (profile);
  if (strlen (profile) != 6)
    return FALSE;
  for (guint i = 0; i < 6; i++)
    if (!g_ascii_isxdigit (profile[i]))
      return FALSE;
  return g_ascii_strncasecmp (profile, "42", 2) == 0 || g_ascii_strncasecmp (profile, "4d", 2) == 0
         || g_ascii_strncasecmp (profile, "64", 2) == 0;
}

static Direction
direction_of (const char *name)
{
  if (g_str_equal (name, "sendrecv"))
    return DIR_SENDRECV;
  if (g_str_equal (name, "sendonly"))
    return DIR_SENDONLY;
  if (g_str_equal (name, "recvonly"))
    return DIR_RECVONLY;
  if (g_str_equal (name, "inactive"))
    return DIR_INACTIVE;
  return DIR_UNSET;
}

static gboolean
check_ufrag (const char *value, GError **error)
{
  gsize n = strlen (value);

  if (n < 4 || n > 256 || !all_ice_chars (value))
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL, "malformed a=ice-ufrag");
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_pwd (const char *value, GError **error)
{
  gsize n = strlen (value);

  if (n < 22 || n > 256 || !all_ice_chars (value))
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL, "malformed a=ice-pwd");
      return FALSE;
    }
  return TRUE;
}

/* "sha-256 AB:CD:…" */
static gboolean
check_fingerprint (const char *value, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (value, " ", -1);

  if (g_strv_length (parts) != 2 || parts[0][0] == '\0' || strlen (parts[1]) < 2)
    goto bad;
  for (const char *p = parts[0]; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-')
      goto bad;
  for (const char *p = parts[1]; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p) && *p != ':')
      goto bad;
  return TRUE;

bad:
  lc_set_error (error, LC_ERROR_MALFORMED, NULL, "malformed a=fingerprint");
  return FALSE;
}

void
lc_sdp_offer_clear (LcSdpOffer *offer)
{
  if (offer == NULL)
    return;
  g_clear_pointer (&offer->ice_ufrag, g_free);
  g_clear_pointer (&offer->ice_pwd, g_free);
  g_clear_pointer (&offer->fingerprint, g_free);
  memset (offer, 0, sizeof *offer);
  offer->h264_pt = offer->vp8_pt = offer->opus_pt = -1;
}

/* Whether a media section sends what we need. */
static gboolean
direction_ok (Direction dir, gboolean for_whep)
{
  if (dir == DIR_UNSET || dir == DIR_SENDRECV)
    return TRUE;
  return for_whep ? dir == DIR_RECVONLY : dir == DIR_SENDONLY;
}

gboolean
lc_sdp_parse_offer (const char *sdp, gboolean for_whep, LcSdpOffer *offer, GError **error)
{
  g_return_val_if_fail (offer != NULL, FALSE);

  g_autoptr (GPtrArray) lines = NULL;
  g_autoptr (GPtrArray) media = g_ptr_array_new_with_free_func (media_free);
  g_autofree char *session_ufrag = NULL, *session_pwd = NULL, *session_fp = NULL;
  g_autofree char *media_ufrag = NULL, *media_pwd = NULL, *media_fp = NULL;
  Direction session_dir = DIR_UNSET;
  gboolean bundle = FALSE;
  gboolean seen_origin = FALSE;

  memset (offer, 0, sizeof *offer);
  offer->h264_pt = offer->vp8_pt = offer->opus_pt = -1;

  if (sdp == NULL || sdp[0] == '\0')
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL, "the offer is empty");
      return FALSE;
    }
  if (strnlen (sdp, (gsize)LC_SDP_MAX_BYTES + 1) > (gsize)LC_SDP_MAX_BYTES)
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL, "the offer is larger than %u bytes",
                    (guint)LC_SDP_MAX_BYTES);
      return FALSE;
    }
  if (!g_utf8_validate (sdp, -1, NULL))
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL, "the offer is not UTF-8 text");
      return FALSE;
    }
  lines = split_lines (sdp, "offer", error);
  if (lines == NULL)
    return FALSE;
  if (lines->len == 0 || !g_str_equal (g_ptr_array_index (lines, 0), "v=0"))
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL,
                    "the offer is not SDP: it must start with v=0");
      return FALSE;
    }

  for (guint i = 1; i < lines->len; i++)
    {
      const char *line = g_ptr_array_index (lines, i);
      Media *current = media->len > 0 ? g_ptr_array_index (media, media->len - 1) : NULL;

      switch (line[0])
        {
        case 'v':
          lc_set_error (error, LC_ERROR_MALFORMED, NULL, "the offer has a second v= line");
          return FALSE;
        case 'o':
          if (current == NULL)
            seen_origin = TRUE;
          break;
        case 'm':
          {
            if (media->len >= MAX_MEDIA)
              {
                lc_set_error (error, LC_ERROR_MALFORMED, NULL, "the offer has too many m= lines");
                return FALSE;
              }
            Media *m = parse_media_line (line + 2, error);
            if (m == NULL)
              return FALSE;
            g_ptr_array_add (media, m);
            break;
          }
        case 'a':
          {
            g_autofree char *name = NULL;
            const char *value;

            split_attribute (line, &name, &value);
            if (g_str_equal (name, "rtpmap") && current != NULL && value != NULL)
              {
                if (!parse_rtpmap (current, value, error))
                  return FALSE;
              }
            else if (g_str_equal (name, "fmtp") && current != NULL && value != NULL)
              {
                if (!parse_fmtp (current, value, error))
                  return FALSE;
              }
            else if (g_str_equal (name, "ice-ufrag") && value != NULL)
              {
                if (!check_ufrag (value, error))
                  return FALSE;
                char **slot = current == NULL ? &session_ufrag : &media_ufrag;
                if (*slot == NULL)
                  *slot = g_strdup (value);
              }
            else if (g_str_equal (name, "ice-pwd") && value != NULL)
              {
                if (!check_pwd (value, error))
                  return FALSE;
                char **slot = current == NULL ? &session_pwd : &media_pwd;
                if (*slot == NULL)
                  *slot = g_strdup (value);
              }
            else if (g_str_equal (name, "fingerprint") && value != NULL)
              {
                if (!check_fingerprint (value, error))
                  return FALSE;
                char **slot = current == NULL ? &session_fp : &media_fp;
                if (*slot == NULL)
                  *slot = g_strdup (value);
              }
            else if (g_str_equal (name, "group") && value != NULL
                     && g_ascii_strncasecmp (value, "BUNDLE", 6) == 0)
              bundle = TRUE;
            else if (g_str_equal (name, "bundle-only") && current != NULL)
              current->bundle_only = TRUE;
            else if (value == NULL && direction_of (name) != DIR_UNSET)
              {
                if (current == NULL)
                  session_dir = direction_of (name);
                else
                  current->direction = direction_of (name);
              }
            break;
          }
        default:
          break; /* s=, t=, c=, b=, … are not needed */
        }
    }

  if (!seen_origin)
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL, "the offer has no o= line");
      return FALSE;
    }

  offer->n_media = media->len;
  offer->bundle = bundle;
  for (guint i = 0; i < media->len; i++)
    {
      Media *m = g_ptr_array_index (media, i);
      Direction dir = m->direction != DIR_UNSET ? m->direction : session_dir;

      if (m->port == 0 && !m->bundle_only)
        continue; /* rejected/disabled section */
      if (!direction_ok (dir, for_whep))
        continue;

      for (guint j = 0; j < m->formats->len; j++)
        {
          Format *f = g_ptr_array_index (m->formats, j);

          if (f->encoding == NULL)
            continue;
          if (g_str_equal (m->type, "video") && f->clock_rate == 90000)
            {
              if (offer->h264_pt < 0 && g_str_equal (f->encoding, "h264") && h264_usable (f))
                offer->h264_pt = f->pt;
              else if (offer->vp8_pt < 0 && g_str_equal (f->encoding, "vp8"))
                offer->vp8_pt = f->pt;
            }
          else if (g_str_equal (m->type, "audio") && offer->opus_pt < 0
                   && g_str_equal (f->encoding, "opus") && f->clock_rate == 48000)
            offer->opus_pt = f->pt;
        }
    }
  offer->has_video = offer->h264_pt >= 0 || offer->vp8_pt >= 0;
  offer->has_audio = offer->opus_pt >= 0;

  offer->ice_ufrag = g_strdup (session_ufrag != NULL ? session_ufrag : media_ufrag);
  offer->ice_pwd = g_strdup (session_pwd != NULL ? session_pwd : media_pwd);
  offer->fingerprint = g_strdup (session_fp != NULL ? session_fp : media_fp);

  if (media->len == 0)
    {
      lc_set_error (error, LC_ERROR_INVALID, NULL, "the offer has no media sections");
      goto invalid;
    }
  if (!offer->has_video && !offer->has_audio)
    {
      lc_set_error (error, LC_ERROR_INVALID, NULL,
                    "the offer has no H.264 (packetization-mode=1) or VP8 video and no Opus "
                    "audio %s",
                    for_whep ? "to receive" : "to send");
      goto invalid;
    }
  if (offer->ice_ufrag == NULL || offer->ice_pwd == NULL)
    {
      lc_set_error (error, LC_ERROR_INVALID, NULL,
                    "the offer has no ICE credentials "
                    "(a=ice-ufrag, a=ice-pwd)");
      goto invalid;
    }
  if (offer->fingerprint == NULL)
    {
      lc_set_error (error, LC_ERROR_INVALID, NULL, "the offer has no DTLS fingerprint");
      goto invalid;
    }
  return TRUE;

invalid:
  lc_sdp_offer_clear (offer);
  return FALSE;
}

/* ---- trickle / restart fragments ---- */

void
lc_sdp_fragment_clear (LcSdpFragment *frag)
{
  if (frag == NULL)
    return;
  g_clear_pointer (&frag->ice_ufrag, g_free);
  g_clear_pointer (&frag->ice_pwd, g_free);
  g_clear_pointer (&frag->candidates, g_ptr_array_unref);
  g_clear_pointer (&frag->mlines, g_array_unref);
  frag->end_of_candidates = FALSE;
}

/* "candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host …" (RFC 8839 §5.1) */
static gboolean
check_candidate (const char *value)
{
  g_auto (GStrv) parts = g_strsplit (value, " ", -1);
  guint n = g_strv_length (parts);

  if (n < 8 || strlen (value) > 1024)
    return FALSE;
  gsize foundation_len = strlen (parts[0]);
  if (foundation_len < 1 || foundation_len > 32 || !all_ice_chars (parts[0]))
    return FALSE;
  if (!all_digits (parts[1], 3) || atoi (parts[1]) < 1 || atoi (parts[1]) > 256)
    return FALSE;
  if (parts[2][0] == '\0')
    return FALSE;
  for (const char *p = parts[2]; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-')
      return FALSE;
  if (!all_digits (parts[3], 10))
    return FALSE;
  if (parts[4][0] == '\0' || strlen (parts[4]) > 255)
    return FALSE;
  for (const char *p = parts[4]; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != ':' && *p != '-')
      return FALSE;
  if (!all_digits (parts[5], 5) || atoi (parts[5]) > 65535)
    return FALSE;
  if (!g_str_equal (parts[6], "typ"))
    return FALSE;
  return g_str_equal (parts[7], "host") || g_str_equal (parts[7], "srflx")
         || g_str_equal (parts[7], "prflx") || g_str_equal (parts[7], "relay");
}

gboolean
lc_sdp_parse_fragment (const char *text, LcSdpFragment *frag, GError **error)
{
  g_return_val_if_fail (frag != NULL, FALSE);

  g_autoptr (GPtrArray) lines = NULL;
  g_autoptr (GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) mlines = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree char *ufrag = NULL, *pwd = NULL;
  gboolean end_of_candidates = FALSE;
  guint n_media = 0;

  memset (frag, 0, sizeof *frag);

  if (text == NULL)
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL, "the fragment is empty");
      return FALSE;
    }
  if (strnlen (text, (gsize)LC_SDP_MAX_BYTES + 1) > (gsize)LC_SDP_MAX_BYTES)
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL, "the fragment is larger than %u bytes",
                    (guint)LC_SDP_MAX_BYTES);
      return FALSE;
    }
  if (!g_utf8_validate (text, -1, NULL))
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL, "the fragment is not UTF-8 text");
      return FALSE;
    }
  lines = split_lines (text, "fragment", error);
  if (lines == NULL)
    return FALSE;
  if (lines->len == 0)
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL, "the fragment is empty");
      return FALSE;
    }

  for (guint i = 0; i < lines->len; i++)
    {
      const char *line = g_ptr_array_index (lines, i);
      g_autofree char *name = NULL;
      const char *value;

      if (line[0] == 'm')
        {
          n_media++;
          continue;
        }
      if (line[0] != 'a')
        continue;
      split_attribute (line, &name, &value);
      if (g_str_equal (name, "candidate"))
        {
          if (value == NULL || !check_candidate (value))
            {
              lc_set_error (error, LC_ERROR_MALFORMED, NULL, "malformed a=candidate on line %u",
                            i + 1);
              return FALSE;
            }
          if (candidates->len >= MAX_CANDIDATES)
            {
              lc_set_error (error, LC_ERROR_MALFORMED, NULL,
                            "the fragment has too many candidates");
              return FALSE;
            }
          guint mline = n_media > 0 ? n_media - 1 : 0;
          g_ptr_array_add (candidates, g_strconcat ("candidate:", value, NULL));
          g_array_append_val (mlines, mline);
        }
      else if (g_str_equal (name, "end-of-candidates"))
        end_of_candidates = TRUE;
      else if (g_str_equal (name, "ice-ufrag"))
        {
          if (value == NULL)
            value = "";
          if (!check_ufrag (value, error))
            return FALSE;
          if (ufrag != NULL && !g_str_equal (ufrag, value))
            {
              lc_set_error (error, LC_ERROR_MALFORMED, NULL, "the fragment has two ICE ufrags");
              return FALSE;
            }
          g_free (ufrag);
          ufrag = g_strdup (value);
        }
      else if (g_str_equal (name, "ice-pwd"))
        {
          if (value == NULL)
            value = "";
          if (!check_pwd (value, error))
            return FALSE;
          if (pwd != NULL && !g_str_equal (pwd, value))
            {
              lc_set_error (error, LC_ERROR_MALFORMED, NULL, "the fragment has two ICE passwords");
              return FALSE;
            }
          g_free (pwd);
          pwd = g_strdup (value);
        }
    }

  if ((ufrag == NULL) != (pwd == NULL))
    {
      lc_set_error (error, LC_ERROR_MALFORMED, NULL,
                    "an ICE restart needs both a=ice-ufrag and a=ice-pwd");
      return FALSE;
    }

  frag->ice_ufrag = g_steal_pointer (&ufrag);
  frag->ice_pwd = g_steal_pointer (&pwd);
  frag->candidates = g_steal_pointer (&candidates);
  frag->mlines = g_steal_pointer (&mlines);
  frag->end_of_candidates = end_of_candidates;
  return TRUE;
}
