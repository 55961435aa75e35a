/* lc-whip-publish.c — publish a synthetic lesson (test pattern + tone, H.264
 * or VP8 + Opus) to a WHIP endpoint with the C test client:
 *
 *   lc-whip-publish URL KEY [--seconds N] [--vp8] [--size WxH] [--fps N] [--keyint N]
 *
 * Runs until N seconds have passed (0: until Ctrl-C), then DELETEs the session.
 * ICE stays on 127.0.0.1 (a test tool for a local server). */
#include <glib-unix.h>
#include <gst/gst.h>
#include <stdio.h>

#include "lc-webrtc-client.h"

static gboolean
on_quit (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  int seconds = 0, fps = 30, keyint = 0;
  gboolean vp8 = FALSE;
  g_autofree char *size = NULL;
  GOptionEntry entries[] = {
    { "seconds", 's', 0, G_OPTION_ARG_INT, &seconds, "Stop after N seconds (0: Ctrl-C)", "N" },
    { "vp8", 0, 0, G_OPTION_ARG_NONE, &vp8, "Send VP8 instead of H.264", NULL },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size, "Picture size (default 320x240)", "WxH" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &fps, "Frames per second (default 30)", "N" },
    { "keyint", 0, 0, G_OPTION_ARG_INT, &keyint,
      "Frames between keyframes (default 0: only when asked, like Chromium)", "N" },
    { NULL },
  };
  g_autoptr (GOptionContext) context
      = g_option_context_new ("URL KEY — publish a test lesson over WHIP");
  g_autoptr (GError) error = NULL;
  g_autoptr (LcWebrtcClient) client = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  LcWebrtcClientOptions options = { 0 };
  guint status = 0, width = 320, height = 240;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 3)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      fprintf (stderr, "%s%s", error != NULL ? error->message : "", help);
      return 2;
    }
  if (size != NULL && (sscanf (size, "%ux%u", &width, &height) != 2 || width < 16 || height < 16))
    {
      fprintf (stderr, "lc-whip-publish: --size wants WxH, e.g. 1280x720\n");
      return 2;
    }
  if (seconds < 0 || fps < 1 || keyint < 0)
    {
      fprintf (stderr, "lc-whip-publish: --seconds, --fps and --keyint must be positive\n");
      return 2;
    }

  options.role = LC_CLIENT_PUBLISHER;
  options.url = argv[1];
  options.bearer = argv[2];
  options.video_codec = vp8 ? "vp8" : "h264";
  options.width = width;
  options.height = height;
  options.fps = (guint)fps;
  options.keyframe_interval = (guint)keyint;
  client = lc_webrtc_client_new (&options);
  if (!lc_webrtc_client_start (client, 30000, &status, &error))
    {
      fprintf (stderr, "lc-whip-publish: %s\n", error->message);
      return 1;
    }
  printf ("publishing %ux%u@%d %s + Opus to %s\nsession: %s\n", width, height, fps,
          vp8 ? "VP8" : "H.264", argv[1], lc_webrtc_client_get_location (client));
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_quit, loop);
  g_unix_signal_add (SIGTERM, on_quit, loop);
  if (seconds > 0)
    g_timeout_add_seconds ((guint)seconds, on_quit, loop);
  g_main_loop_run (loop);

  status = lc_webrtc_client_delete (client, 10000);
  printf ("DELETE: HTTP %u\n", status);
  return status >= 200 && status < 300 ? 0 : 1;
}
