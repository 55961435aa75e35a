/* test-sdp.c — the pure SDP checks (streamer/lc-sdp.c): real offers as
 * Chromium, OBS (libdatachannel) and webrtcbin send them, codec choice,
 * directions, missing ICE/DTLS, garbage and oversized input, and
 * trickle/restart fragments (RFC 8840). */
#include <string.h>

#include "common/lc-error.h"
#include "streamer/lc-sdp.h"

/* The offers keep one SDP line per source line. */
/* clang-format off */
/* Chromium publishing with addTransceiver(…, {direction: "sendonly"}): audio
 * first, VP8 first among video codecs, several H.264 variants with
 * packetization-mode 0 listed before the first mode-1 one. */
static const char chromium_offer[]
    = "v=0\r\n"
      "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
      "s=-\r\n"
      "t=0 0\r\n"
      "a=group:BUNDLE 0 1\r\n"
      "a=extmap-allow-mixed\r\n"
      "a=msid-semantic: WMS\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n"
      "c=IN IP4 0.0.0.0\r\n"
      "a=rtcp:9 IN IP4 0.0.0.0\r\n"
      "a=ice-ufrag:Vd6P\r\n"
      "a=ice-pwd:3HCF3gLa/4n1ZCVi0Mw6JTOj\r\n"
      "a=ice-options:trickle\r\n"
      "a=fingerprint:sha-256 6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CC:87:32:BE:DD:8C:66:A5:8E:50:55:EA:8C:D3:B6:5C:09:5E:D6:BC\r\n"
      "a=setup:actpass\r\n"
      "a=mid:0\r\n"
      "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
      "a=sendonly\r\n"
      "a=msid:- 3c8bbd1b-4c6e-4d1e-8a5b-1cfb1a6cd0a4\r\n"
      "a=rtcp-mux\r\n"
      "a=rtpmap:111 opus/48000/2\r\n"
      "a=rtcp-fb:111 transport-cc\r\n"
      "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
      "a=rtpmap:63 red/48000/2\r\n"
      "a=fmtp:63 111/111\r\n"
      "a=rtpmap:9 G722/8000\r\n"
      "a=rtpmap:0 PCMU/8000\r\n"
      "a=rtpmap:8 PCMA/8000\r\n"
      "a=rtpmap:13 CN/8000\r\n"
      "a=rtpmap:110 telephone-event/48000\r\n"
      "a=rtpmap:126 telephone-event/8000\r\n"
      "a=ssrc:1520913522 cname:F6bsSOdXHEvxPXA7\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 104 105 102 103 106 107 108 109 127 125 39 40 45 46\r\n"
      "c=IN IP4 0.0.0.0\r\n"
      "a=rtcp:9 IN IP4 0.0.0.0\r\n"
      "a=ice-ufrag:Vd6P\r\n"
      "a=ice-pwd:3HCF3gLa/4n1ZCVi0Mw6JTOj\r\n"
      "a=ice-options:trickle\r\n"
      "a=fingerprint:sha-256 6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CC:87:32:BE:DD:8C:66:A5:8E:50:55:EA:8C:D3:B6:5C:09:5E:D6:BC\r\n"
      "a=setup:actpass\r\n"
      "a=mid:1\r\n"
      "a=sendonly\r\n"
      "a=rtcp-mux\r\n"
      "a=rtcp-rsize\r\n"
      "a=rtpmap:96 VP8/90000\r\n"
      "a=rtcp-fb:96 goog-remb\r\n"
      "a=rtcp-fb:96 transport-cc\r\n"
      "a=rtcp-fb:96 ccm fir\r\n"
      "a=rtcp-fb:96 nack\r\n"
      "a=rtcp-fb:96 nack pli\r\n"
      "a=rtpmap:97 rtx/90000\r\n"
      "a=fmtp:97 apt=96\r\n"
      "a=rtpmap:98 VP9/90000\r\n"
      "a=fmtp:98 profile-id=0\r\n"
      "a=rtpmap:99 rtx/90000\r\n"
      "a=fmtp:99 apt=98\r\n"
      "a=rtpmap:100 VP9/90000\r\n"
      "a=fmtp:100 profile-id=2\r\n"
      "a=rtpmap:101 rtx/90000\r\n"
      "a=fmtp:101 apt=100\r\n"
      "a=rtpmap:104 H264/90000\r\n"
      "a=rtcp-fb:104 nack pli\r\n"
      "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f\r\n"
      "a=rtpmap:105 rtx/90000\r\n"
      "a=fmtp:105 apt=104\r\n"
      "a=rtpmap:102 H264/90000\r\n"
      "a=rtcp-fb:102 nack pli\r\n"
      "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\n"
      "a=rtpmap:103 rtx/90000\r\n"
      "a=fmtp:103 apt=102\r\n"
      "a=rtpmap:106 H264/90000\r\n"
      "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
      "a=rtpmap:107 rtx/90000\r\n"
      "a=fmtp:107 apt=106\r\n"
      "a=rtpmap:108 H264/90000\r\n"
      "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f\r\n"
      "a=rtpmap:109 rtx/90000\r\n"
      "a=fmtp:109 apt=108\r\n"
      "a=rtpmap:127 H264/90000\r\n"
      "a=fmtp:127 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f\r\n"
      "a=rtpmap:125 rtx/90000\r\n"
      "a=fmtp:125 apt=127\r\n"
      "a=rtpmap:39 H264/90000\r\n"
      "a=fmtp:39 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=4d001f\r\n"
      "a=rtpmap:40 rtx/90000\r\n"
      "a=fmtp:40 apt=39\r\n"
      "a=rtpmap:45 AV1/90000\r\n"
      "a=rtpmap:46 rtx/90000\r\n"
      "a=fmtp:46 apt=45\r\n"
      "a=ssrc-group:FID 2318271515 3470545839\r\n"
      "a=ssrc:2318271515 cname:F6bsSOdXHEvxPXA7\r\n"
      "a=ssrc:3470545839 cname:F6bsSOdXHEvxPXA7\r\n";

/* OBS 30 WHIP output (libdatachannel): session-level ICE and DTLS, High
 * profile H.264, host candidates and end-of-candidates inline. */
static const char obs_offer[]
    = "v=0\r\n"
      "o=rtc 3767197920 0 IN IP4 127.0.0.1\r\n"
      "s=-\r\n"
      "t=0 0\r\n"
      "a=group:BUNDLE 0 1\r\n"
      "a=group:LS 0 1\r\n"
      "a=msid-semantic:WMS *\r\n"
      "a=setup:actpass\r\n"
      "a=ice-ufrag:8Vxp\r\n"
      "a=ice-pwd:2kxPUo2xWK0z8zBY9qnY6D\r\n"
      "a=ice-options:ice2,trickle\r\n"
      "a=fingerprint:sha-256 4D:57:07:FC:7C:D7:3E:C8:F2:E4:73:1C:4A:19:C3:55:5B:0E:43:A4:81:AA:2C:33:E8:74:6F:A9:3D:1E:C2:47\r\n"
      "m=audio 54609 UDP/TLS/RTP/SAVPF 111\r\n"
      "c=IN IP4 192.168.1.10\r\n"
      "a=mid:0\r\n"
      "a=sendonly\r\n"
      "a=ssrc:3165411413 cname:obs\r\n"
      "a=ssrc:3165411413 msid:obs obs-audio\r\n"
      "a=msid:obs obs-audio\r\n"
      "a=rtcp-mux\r\n"
      "a=rtpmap:111 opus/48000/2\r\n"
      "a=fmtp:111 minptime=10;maxaveragebitrate=96000;stereo=1;sprop-stereo=1;useinbandfec=1\r\n"
      "a=candidate:1 1 UDP 2122317823 192.168.1.10 54609 typ host\r\n"
      "a=candidate:2 1 UDP 2122317567 fd00::10 54609 typ host\r\n"
      "a=end-of-candidates\r\n"
      "m=video 54609 UDP/TLS/RTP/SAVPF 96\r\n"
      "c=IN IP4 192.168.1.10\r\n"
      "a=mid:1\r\n"
      "a=sendonly\r\n"
      "a=ssrc:3165411414 cname:obs\r\n"
      "a=msid:obs obs-video\r\n"
      "a=rtcp-mux\r\n"
      "a=rtpmap:96 H264/90000\r\n"
      "a=rtcp-fb:96 nack\r\n"
      "a=rtcp-fb:96 nack pli\r\n"
      "a=rtcp-fb:96 goog-remb\r\n"
      "a=fmtp:96 profile-level-id=640c1f;packetization-mode=1;level-asymmetry-allowed=1\r\n";

/* webrtcbin 1.22 (max-bundle): audio bundle-only with port 0, upper-case
 * OPUS, candidates (incl. TCP) on the first m-line. LF line ends here. */
static const char webrtcbin_offer[]
    = "v=0\n"
      "o=- 2882990201726810562 0 IN IP4 0.0.0.0\n"
      "s=-\n"
      "t=0 0\n"
      "a=ice-options:trickle\n"
      "a=group:BUNDLE video0 audio1\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 96\n"
      "c=IN IP4 0.0.0.0\n"
      "a=setup:actpass\n"
      "a=ice-ufrag:zMl7PeDJ2pmonfMC+H5zTBYP19a3yhWW\n"
      "a=ice-pwd:Bu26huxuUvaD+RnYQSwqQZKn7cEtiYat\n"
      "a=rtcp-mux\n"
      "a=rtcp-rsize\n"
      "a=sendonly\n"
      "a=rtpmap:96 H264/90000\n"
      "a=rtcp-fb:96 nack pli\n"
      "a=rtcp-fb:96 ccm fir\n"
      "a=rtcp-fb:96 transport-cc\n"
      "a=framerate:30\n"
      "a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z0LAFdkBQfsBagwMDUoAAAMAAgAAAwB5HixckA==,aMuMsg==;profile-level-id=42c015;level-asymmetry-allowed=1\n"
      "a=ssrc:910467002 msid:user3081814017@host-e2cd96fb webrtctransceiver0\n"
      "a=ssrc:910467002 cname:user3081814017@host-e2cd96fb\n"
      "a=mid:video0\n"
      "a=fingerprint:sha-256 CA:75:7F:03:8C:60:6A:72:46:7F:57:D3:E6:61:A3:37:82:DA:A6:02:2A:18:BE:83:63:BD:CE:F8:CD:73:A8:86\n"
      "a=rtcp-mux-only\n"
      "a=candidate:1 1 UDP 2015364095 127.0.0.1 41777 typ host\n"
      "a=candidate:2 1 TCP 1015022591 127.0.0.1 9 typ host tcptype active\n"
      "m=audio 0 UDP/TLS/RTP/SAVPF 97\n"
      "c=IN IP4 0.0.0.0\n"
      "a=setup:actpass\n"
      "a=ice-ufrag:zMl7PeDJ2pmonfMC+H5zTBYP19a3yhWW\n"
      "a=ice-pwd:Bu26huxuUvaD+RnYQSwqQZKn7cEtiYat\n"
      "a=bundle-only\n"
      "a=rtcp-mux\n"
      "a=sendonly\n"
      "a=rtpmap:97 OPUS/48000/2\n"
      "a=fmtp:97 sprop-stereo=0;sprop-maxcapturerate=48000\n"
      "a=mid:audio1\n"
      "a=fingerprint:sha-256 CA:75:7F:03:8C:60:6A:72:46:7F:57:D3:E6:61:A3:37:82:DA:A6:02:2A:18:BE:83:63:BD:CE:F8:CD:73:A8:86\n"
      "a=rtcp-mux-only\n";

/* clang-format on */

/* A minimal offer around one or two media sections (for variations). */
static char *
make_offer (const char *session_extra, const char *media)
{
  return g_strdup_printf ("v=0\r\n"
                          "o=- 1 1 IN IP4 127.0.0.1\r\n"
                          "s=-\r\n"
                          "t=0 0\r\n"
                          "a=ice-ufrag:abcd\r\n"
                          "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
                          "a=fingerprint:sha-256 AA:BB:CC:DD\r\n"
                          "%s%s",
                          session_extra, media);
}

#define VIDEO_VP8 "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=sendonly\r\na=rtpmap:96 VP8/90000\r\n"
#define AUDIO_OPUS "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendonly\r\na=rtpmap:111 opus/48000/2\r\n"

static void
assert_offer_error (const char *sdp, gboolean for_whep, LcErrorCode code)
{
  g_auto (LcSdpOffer) offer = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_false (lc_sdp_parse_offer (sdp, for_whep, &offer, &error));
  g_assert_error (error, LC_ERROR, (int)code);
  /* Nothing is left behind on failure. */
  g_assert_null (offer.ice_ufrag);
  g_assert_null (offer.fingerprint);
  g_assert_cmpint (offer.h264_pt, ==, -1);
}

static void
test_chromium (void)
{
  g_auto (LcSdpOffer) offer = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_true (lc_sdp_parse_offer (chromium_offer, FALSE, &offer, &error));
  g_assert_no_error (error);
  g_assert_true (offer.has_video);
  g_assert_true (offer.has_audio);
  g_assert_cmpint (offer.h264_pt, ==, 102); /* the first with packetization-mode=1 */
  g_assert_cmpint (offer.vp8_pt, ==, 96);
  g_assert_cmpint (offer.opus_pt, ==, 111);
  g_assert_cmpstr (offer.ice_ufrag, ==, "Vd6P");
  g_assert_cmpstr (offer.ice_pwd, ==, "3HCF3gLa/4n1ZCVi0Mw6JTOj");
  g_assert_true (g_str_has_prefix (offer.fingerprint, "sha-256 6B:8B:5D"));
  g_assert_true (offer.bundle);
  g_assert_cmpuint (offer.n_media, ==, 2);

  /* The same offer is no use to WHEP: it only sends. */
  assert_offer_error (chromium_offer, TRUE, LC_ERROR_INVALID);
}

static void
test_obs (void)
{
  g_auto (LcSdpOffer) offer = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_true (lc_sdp_parse_offer (obs_offer, FALSE, &offer, &error));
  g_assert_no_error (error);
  g_assert_cmpint (offer.h264_pt, ==, 96); /* High profile (64xxxx) */
  g_assert_cmpint (offer.vp8_pt, ==, -1);
  g_assert_cmpint (offer.opus_pt, ==, 111);
  g_assert_cmpstr (offer.ice_ufrag, ==, "8Vxp"); /* session level */
  g_assert_cmpstr (offer.ice_pwd, ==, "2kxPUo2xWK0z8zBY9qnY6D");
  g_assert_true (g_str_has_prefix (offer.fingerprint, "sha-256 4D:57"));
  g_assert_true (offer.bundle);
}

static void
test_webrtcbin (void)
{
  g_auto (LcSdpOffer) offer = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_true (lc_sdp_parse_offer (webrtcbin_offer, FALSE, &offer, &error));
  g_assert_no_error (error);
  g_assert_cmpint (offer.h264_pt, ==, 96);
  g_assert_cmpint (offer.opus_pt, ==, 97); /* bundle-only with port 0 still counts */
  g_assert_true (offer.has_audio);
  g_assert_cmpstr (offer.ice_ufrag, ==, "zMl7PeDJ2pmonfMC+H5zTBYP19a3yhWW");
  g_assert_cmpuint (offer.n_media, ==, 2);
}

static void
test_vp8_only (void)
{
  g_autofree char *sdp = make_offer ("", VIDEO_VP8);
  g_auto (LcSdpOffer) offer = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_true (lc_sdp_parse_offer (sdp, FALSE, &offer, &error));
  g_assert_no_error (error);
  g_assert_true (offer.has_video);
  g_assert_false (offer.has_audio);
  g_assert_cmpint (offer.vp8_pt, ==, 96);
  g_assert_cmpint (offer.h264_pt, ==, -1);
  g_assert_cmpint (offer.opus_pt, ==, -1);
  g_assert_false (offer.bundle);
}

static void
test_no_usable_codec (void)
{
  /* VP9 and G.722, H.264 only in packetization-mode 0 or an unknown profile. */
  const char *media[] = {
    "m=video 9 UDP/TLS/RTP/SAVPF 98\r\na=sendonly\r\na=rtpmap:98 VP9/90000\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 9\r\na=sendonly\r\na=rtpmap:9 G722/8000\r\n",
    "m=video 9 UDP/TLS/RTP/SAVPF 104\r\na=rtpmap:104 H264/90000\r\n"
    "a=fmtp:104 packetization-mode=0;profile-level-id=42001f\r\n",
    "m=video 9 UDP/TLS/RTP/SAVPF 104\r\na=rtpmap:104 H264/90000\r\n"
    "a=fmtp:104 packetization-mode=1;profile-level-id=f4001f\r\n",
    "m=video 9 UDP/TLS/RTP/SAVPF 104\r\na=rtpmap:104 H264/90000\r\n"
    "a=fmtp:104 packetization-mode=1;profile-level-id=42zz1f\r\n",
    /* Opus at the wrong clock rate; a payload type without rtpmap. */
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 112\r\na=rtpmap:111 opus/8000/2\r\n",
    /* Rejected sections (port 0, not bundle-only). */
    "m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n"
    "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n",
    /* Inactive and recvonly sections send nothing to a WHIP server. */
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=inactive\r\na=rtpmap:96 VP8/90000\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=recvonly\r\na=rtpmap:111 opus/48000/2\r\n",
    /* A data channel only. */
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=sctp-port:5000\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (media); i++)
    {
      g_autofree char *sdp = make_offer ("", media[i]);
      g_auto (LcSdpOffer) offer = { 0 };
      g_autoptr (GError) error = NULL;

      g_test_message ("case %u", i);
      g_assert_false (lc_sdp_parse_offer (sdp, FALSE, &offer, &error));
      g_assert_error (error, LC_ERROR, LC_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "H.264"));
    }

  /* No media at all. */
  g_autofree char *empty = make_offer ("", "");
  assert_offer_error (empty, FALSE, LC_ERROR_INVALID);
}

static void
test_directions (void)
{
  /* Session-level direction applies to sections without their own. */
  g_autofree char *recv = make_offer (
      "a=recvonly\r\n", "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n");
  g_auto (LcSdpOffer) offer = { 0 };
  g_autoptr (GError) error = NULL;

  assert_offer_error (recv, FALSE, LC_ERROR_INVALID);
  g_assert_true (lc_sdp_parse_offer (recv, TRUE, &offer, &error));
  g_assert_no_error (error);
  g_assert_cmpint (offer.vp8_pt, ==, 96);

  /* sendrecv is fine both ways. */
  g_autofree char *both = make_offer ("", "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendrecv\r\n"
                                          "a=rtpmap:111 OPUS/48000/2\r\n");
  g_auto (LcSdpOffer) a = { 0 }, b = { 0 };
  g_assert_true (lc_sdp_parse_offer (both, FALSE, &a, NULL));
  g_assert_true (lc_sdp_parse_offer (both, TRUE, &b, NULL));
  g_assert_cmpint (a.opus_pt, ==, 111);
  g_assert_cmpint (b.opus_pt, ==, 111);
}

static void
test_missing_ice_dtls (void)
{
  const char *no_ice = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                       "a=fingerprint:sha-256 AA:BB\r\n" AUDIO_OPUS;
  const char *no_pwd = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                       "a=ice-ufrag:abcd\r\na=fingerprint:sha-256 AA:BB\r\n" AUDIO_OPUS;
  const char *no_fp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                      "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n" AUDIO_OPUS;
  g_auto (LcSdpOffer) offer = { 0 };
  g_autoptr (GError) error = NULL;

  assert_offer_error (no_ice, FALSE, LC_ERROR_INVALID);
  assert_offer_error (no_pwd, FALSE, LC_ERROR_INVALID);
  g_assert_false (lc_sdp_parse_offer (no_fp, FALSE, &offer, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "fingerprint"));
}

static void
test_garbage (void)
{
  const char *cases[] = {
    "",
    "hello",
    "v=1\r\no=- 1 1 IN IP4 0.0.0.0\r\n",
    "o=- 1 1 IN IP4 0.0.0.0\r\nv=0\r\n",
    "v=0\r\nthis is not sdp\r\n",
    "v=0\r\n=\r\n",
    "v=0\r\nv=0\r\n",
    ("v=0\r\ns=-\r\nt=0 0\r\n" AUDIO_OPUS), /* no o= line */
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=video\r\n",
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=video abc UDP/TLS/RTP/SAVPF 96\r\n",
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=video 99999 UDP/TLS/RTP/SAVPF 96\r\n",
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=video 9 UDP/TLS/RTP/SAVPF 300\r\n",
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96\r\n",
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8\r\n",
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=fmtp:x y\r\n",
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\na=ice-ufrag:a b\r\n",
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\na=ice-pwd:short\r\n",
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\na=fingerprint:sha-256\r\n",
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\na=fingerprint:sha-256 XY:ZZ\r\n",
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=\x01\r\n",     /* control character */
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=\xff\xfe\r\n", /* not UTF-8 */
    "\r\n\r\n",
    /* Found by fuzz-sdp: an empty port field. */
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=video  UDP/TLS/RTP/SAVPF 96\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("case %u", i);
      assert_offer_error (cases[i], FALSE, LC_ERROR_MALFORMED);
    }
  g_auto (LcSdpOffer) offer = { 0 };
  g_autoptr (GError) error = NULL;
  g_assert_false (lc_sdp_parse_offer (NULL, FALSE, &offer, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_MALFORMED);
}

static void
test_oversized (void)
{
  g_autoptr (GString) big = g_string_new (chromium_offer);
  g_auto (LcSdpOffer) offer = { 0 };
  g_autoptr (GError) error = NULL;

  /* Exactly at the limit parses (a long, ignored attribute). */
  g_string_append (big, "a=x-pad:");
  while (big->len < LC_SDP_MAX_BYTES - 2)
    g_string_append_c (big, 'p');
  g_string_append (big, "\r\n");
  g_assert_cmpuint (big->len, ==, LC_SDP_MAX_BYTES);
  g_assert_true (lc_sdp_parse_offer (big->str, FALSE, &offer, &error));
  g_assert_no_error (error);

  /* One byte more does not. */
  g_string_append_c (big, '\n');
  assert_offer_error (big->str, FALSE, LC_ERROR_MALFORMED);

  /* Too many m= lines within the size limit. */
  g_autoptr (GString) many = g_string_new ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n");
  for (guint i = 0; i < 100; i++)
    g_string_append (many, "m=audio 9 RTP/AVP 0\r\n");
  assert_offer_error (many->str, FALSE, LC_ERROR_MALFORMED);
}

/* ---- fragments ---- */

static void
test_fragment_trickle (void)
{
  const char *text
      = "a=ice-ufrag:Vd6P\r\n"
        "a=ice-pwd:3HCF3gLa/4n1ZCVi0Mw6JTOj\r\n"
        "a=group:BUNDLE 0 1\r\n"
        "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
        "a=mid:0\r\n"
        "a=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host "
        "generation 0 ufrag Vd6P network-id 1\r\n"
        "a=candidate:3471623853 1 udp 2122194687 198.51.100.2 61765 typ host\r\n"
        "a=candidate:473322822 1 tcp 1518280447 192.0.2.1 9 typ host tcptype active\r\n"
        "a=candidate:2154773085 1 udp 1686052607 203.0.113.4 61764 typ srflx raddr "
        "192.0.2.1 rport 61764\r\n"
        "a=candidate:1 1 udp 2122260223 3f2e8d1c-aaaa-bbbb-cccc-0123456789ab.local "
        "54321 typ host\r\n"
        "a=end-of-candidates\r\n";
  g_auto (LcSdpFragment) frag = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_true (lc_sdp_parse_fragment (text, &frag, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (frag.ice_ufrag, ==, "Vd6P");
  g_assert_cmpstr (frag.ice_pwd, ==, "3HCF3gLa/4n1ZCVi0Mw6JTOj");
  g_assert_cmpuint (frag.candidates->len, ==, 5);
  g_assert_cmpstr (g_ptr_array_index (frag.candidates, 0), ==,
                   "candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 "
                   "ufrag Vd6P network-id 1");
  g_assert_true (g_str_has_prefix (g_ptr_array_index (frag.candidates, 3), "candidate:"));
  for (guint i = 0; i < frag.candidates->len; i++)
    g_assert_cmpuint (g_array_index (frag.mlines, guint, i), ==, 0);
  g_assert_true (frag.end_of_candidates);
}

static void
test_fragment_mlines_and_restart (void)
{
  /* Candidates under the second m= section map to m-line 1. */
  const char *two = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
                    "a=mid:0\r\n"
                    "a=candidate:1 1 udp 100 192.0.2.1 5000 typ host\r\n"
                    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
                    "a=mid:1\r\n"
                    "a=candidate:2 1 udp 100 192.0.2.1 5002 typ host\r\n";
  g_auto (LcSdpFragment) frag = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_true (lc_sdp_parse_fragment (two, &frag, &error));
  g_assert_null (frag.ice_ufrag); /* plain trickle */
  g_assert_cmpuint (frag.candidates->len, ==, 2);
  g_assert_cmpuint (g_array_index (frag.mlines, guint, 0), ==, 0);
  g_assert_cmpuint (g_array_index (frag.mlines, guint, 1), ==, 1);
  g_assert_false (frag.end_of_candidates);

  /* A restart: new credentials, no candidates yet. */
  g_auto (LcSdpFragment) restart = { 0 };
  g_assert_true (lc_sdp_parse_fragment ("a=ice-options:trickle ice2\n"
                                        "a=ice-ufrag:Zn3q\n"
                                        "a=ice-pwd:Ue0ZSsT9Q2zTkH8Q2nG2sKbQ\n",
                                        &restart, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (restart.ice_ufrag, ==, "Zn3q");
  g_assert_cmpuint (restart.candidates->len, ==, 0);
}

static void
test_fragment_garbage (void)
{
  const char *cases[] = {
    "",
    "hello world",
    "a=candidate:\r\n",
    "a=candidate:1 1 udp 100 192.0.2.1 5000\r\n",           /* no typ */
    "a=candidate:1 1 udp 100 192.0.2.1 5000 typ bogus\r\n", /* unknown type */
    "a=candidate:1 1 udp 100 192.0.2.1 70000 typ host\r\n", /* port */
    "a=candidate:1 1 udp abc 192.0.2.1 5000 typ host\r\n",  /* priority */
    "a=candidate:1 0 udp 100 192.0.2.1 5000 typ host\r\n",  /* component 0 */
    "a=candidate:1 1 udp 100 192.0.2.1;rm 5000 typ host\r\n",
    "a=candidate:f@o 1 udp 100 192.0.2.1 5000 typ host\r\n",
    "a=ice-ufrag:abcd\r\n",                   /* ufrag without pwd */
    "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n", /* pwd without ufrag */
    "a=ice-ufrag:abcd\r\na=ice-ufrag:efgh\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n",
    "a=ice-ufrag:ab\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n", /* ufrag too short */
    "a=candidate:1 1 udp 100 192.0.2.1 5000 typ host\r\n\x07\r\n",
    /* Found by fuzz-sdp: attributes without a value once failed without an error. */
    "a=ice-ufrag:abcd\r\na=ice-pwd\r\n",
    "a=ice-ufrag\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (LcSdpFragment) frag = { 0 };
      g_autoptr (GError) error = NULL;

      g_test_message ("case %u", i);
      g_assert_false (lc_sdp_parse_fragment (cases[i], &frag, &error));
      g_assert_error (error, LC_ERROR, LC_ERROR_MALFORMED);
      g_assert_null (frag.candidates);
    }

  /* Oversized. */
  g_autoptr (GString) big = g_string_new (NULL);
  while (big->len <= LC_SDP_MAX_BYTES)
    g_string_append (big, "a=candidate:1 1 udp 100 192.0.2.1 5000 typ host\r\n");
  g_auto (LcSdpFragment) frag = { 0 };
  g_autoptr (GError) error = NULL;
  g_assert_false (lc_sdp_parse_fragment (big->str, &frag, &error));
  g_assert_error (error, LC_ERROR, LC_ERROR_MALFORMED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/streamer/sdp/offer/chromium", test_chromium);
  g_test_add_func ("/streamer/sdp/offer/obs", test_obs);
  g_test_add_func ("/streamer/sdp/offer/webrtcbin-bundle-only", test_webrtcbin);
  g_test_add_func ("/streamer/sdp/offer/vp8-only", test_vp8_only);
  g_test_add_func ("/streamer/sdp/offer/no-usable-codec", test_no_usable_codec);
  g_test_add_func ("/streamer/sdp/offer/directions", test_directions);
  g_test_add_func ("/streamer/sdp/offer/missing-ice-dtls", test_missing_ice_dtls);
  g_test_add_func ("/streamer/sdp/offer/garbage", test_garbage);
  g_test_add_func ("/streamer/sdp/offer/oversized", test_oversized);
  g_test_add_func ("/streamer/sdp/fragment/trickle", test_fragment_trickle);
  g_test_add_func ("/streamer/sdp/fragment/mlines-restart", test_fragment_mlines_and_restart);
  g_test_add_func ("/streamer/sdp/fragment/garbage", test_fragment_garbage);

  return g_test_run ();
}
