/* lc-whep-play.c — play a lesson over WHEP with the C test client and print
 * how many video frames and audio buffers were decoded:
 *
 *   lc-whep-play URL [--seconds N] [--no-decode]
 *
 * Prints the counts every second; exits 0 when video frames were decoded.
 * ICE stays on 127.0.0.1 (a test tool for a local server). */
#include <glib-unix.h>
#include <gst/gst.h>
#include <stdio.h>

#include "lc-webrtc-client.h"

typedef struct
{
  GMainLoop *loop;
  LcWebrtcClient *client;
  guint elapsed;
  guint seconds;
} Player;

static gboolean
on_quit (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
on_second (gpointer user_data)
{
  Player *player = user_data;

  player->elapsed++;
  printf ("%3u s: video frames %" G_GUINT64_FORMAT ", audio buffers %" G_GUINT64_FORMAT "\n",
          player->elapsed, lc_webrtc_client_get_video_frames (player->client),
          lc_webrtc_client_get_audio_buffers (player->client));
  fflush (stdout);
  if (player->seconds > 0 && player->elapsed >= player->seconds)
    {
      g_main_loop_quit (player->loop);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  int seconds = 0;
  gboolean no_decode = FALSE;
  GOptionEntry entries[] = {
    { "seconds", 's', 0, G_OPTION_ARG_INT, &seconds, "Stop after N seconds (0: Ctrl-C)", "N" },
    { "no-decode", 0, 0, G_OPTION_ARG_NONE, &no_decode, "Count depayloaded frames without decoding",
      NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("URL — play a lesson over WHEP");
  g_autoptr (GError) error = NULL;
  g_autoptr (LcWebrtcClient) client = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  LcWebrtcClientOptions options = { 0 };
  Player player = { 0 };
  guint status = 0;
  guint64 frames;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2 || seconds < 0)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      fprintf (stderr, "%s%s", error != NULL ? error->message : "", help);
      return 2;
    }

  options.role = LC_CLIENT_VIEWER;
  options.url = argv[1];
  options.no_decode = no_decode;
  client = lc_webrtc_client_new (&options);
  if (!lc_webrtc_client_start (client, 30000, &status, &error))
    {
      fprintf (stderr, "lc-whep-play: %s\n", error->message);
      return 1;
    }
  printf ("playing %s\nsession: %s\n", argv[1], lc_webrtc_client_get_location (client));
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  player.loop = loop;
  player.client = client;
  player.seconds = (guint)seconds;
  g_unix_signal_add (SIGINT, on_quit, loop);
  g_unix_signal_add (SIGTERM, on_quit, loop);
  g_timeout_add_seconds (1, on_second, &player);
  g_main_loop_run (loop);

  frames = lc_webrtc_client_get_video_frames (client);
  printf ("decoded: video frames %" G_GUINT64_FORMAT ", audio buffers %" G_GUINT64_FORMAT "\n",
          frames, lc_webrtc_client_get_audio_buffers (client));
  status = lc_webrtc_client_delete (client, 10000);
  printf ("DELETE: HTTP %u\n", status);
  return frames > 0 ? 0 : 1;
}
