/* fuzz-sdp.c — libFuzzer target for the SDP checks of WHIP/WHEP
 * (streamer/lc-sdp.c): the same bytes as an offer (WHIP and WHEP direction)
 * and as a trickle/restart fragment. Besides crashes, leaks and UB it checks
 * that failures carry an LC_ERROR with a UTF-8 message and that successes
 * are consistent (credentials present, payload types in range, one m-line
 * index per candidate). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/lc-error.h"
#include "streamer/lc-sdp.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_failure (const GError *error)
{
  if (error == NULL || error->domain != LC_ERROR || error->message == NULL
      || !g_utf8_validate (error->message, -1, NULL))
    abort ();
  if (error->code != LC_ERROR_MALFORMED && error->code != LC_ERROR_INVALID)
    abort ();
}

static gboolean
pt_ok (int pt)
{
  return pt >= -1 && pt <= 127;
}

static void
check_offer (const char *text, gboolean for_whep)
{
  g_auto (LcSdpOffer) offer = { 0 };
  g_autoptr (GError) error = NULL;

  if (!lc_sdp_parse_offer (text, for_whep, &offer, &error))
    {
      check_failure (error);
      if (offer.ice_ufrag != NULL || offer.ice_pwd != NULL || offer.fingerprint != NULL)
        abort ();
      return;
    }
  if (error != NULL || offer.ice_ufrag == NULL || offer.ice_pwd == NULL
      || offer.fingerprint == NULL)
    abort ();
  if (!pt_ok (offer.h264_pt) || !pt_ok (offer.vp8_pt) || !pt_ok (offer.opus_pt))
    abort ();
  if (offer.has_video != (offer.h264_pt >= 0 || offer.vp8_pt >= 0)
      || offer.has_audio != (offer.opus_pt >= 0) || (!offer.has_video && !offer.has_audio))
    abort ();
  if (offer.n_media == 0 || strlen (text) > LC_SDP_MAX_BYTES)
    abort ();
}

static void
check_fragment (const char *text)
{
  g_auto (LcSdpFragment) frag = { 0 };
  g_autoptr (GError) error = NULL;

  if (!lc_sdp_parse_fragment (text, &frag, &error))
    {
      check_failure (error);
      if (frag.candidates != NULL || frag.ice_ufrag != NULL)
        abort ();
      return;
    }
  if (error != NULL || frag.candidates == NULL || frag.mlines == NULL
      || frag.candidates->len != frag.mlines->len)
    abort ();
  if ((frag.ice_ufrag == NULL) != (frag.ice_pwd == NULL))
    abort ();
  for (guint i = 0; i < frag.candidates->len; i++)
    {
      const char *candidate = g_ptr_array_index (frag.candidates, i);
      if (!g_str_has_prefix (candidate, "candidate:") || strchr (candidate, '\n') != NULL
          || strchr (candidate, '\r') != NULL)
        abort ();
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *)data, size);

  check_offer (text, FALSE);
  check_offer (text, TRUE);
  check_fragment (text);
  return 0;
}
