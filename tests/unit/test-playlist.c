/* test-playlist.c — the pure HLS playlist writer (streamer/lc-playlist):
 * rendering, sliding window, expired segments, discontinuity and target
 * duration bookkeeping, ENDLIST. */
#include <locale.h>
#include <math.h>
#include <string.h>

#include "streamer/lc-playlist.h"

static void
add (LcPlaylist *playlist, guint n, double duration, gboolean discontinuity)
{
  g_autofree char *uri = g_strdup_printf ("seg-%u.ts", n);

  lc_playlist_add_segment (playlist, uri, duration, discontinuity);
}

/* The value of a "#TAG:value" line, or NULL when the tag is absent. */
static char *
tag_value (const char *text, const char *tag)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autofree char *prefix = g_strconcat (tag, ":", NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return g_strdup (lines[i] + strlen (prefix));
  return NULL;
}

static guint
count_lines (const char *text, const char *line)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_equal (lines[i], line))
      n++;
  return n;
}

/* A small structural check of a media playlist as a client reads it: header
 * first, every EXTINF followed by a URI line, DISCONTINUITY only before an
 * EXTINF, ENDLIST only last, each EXTINF rounded ≤ TARGETDURATION. Returns
 * the number of segments. */
static guint
check_structure (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autofree char *target_text = tag_value (text, "#EXT-X-TARGETDURATION");
  guint n_lines = g_strv_length (lines);
  guint segments = 0;

  g_assert_true (g_str_has_suffix (text, "\n"));
  g_assert_cmpuint (n_lines, >=, 4);
  g_assert_cmpstr (lines[n_lines - 1], ==, ""); /* after the final newline */
  g_assert_cmpstr (lines[0], ==, "#EXTM3U");
  g_assert_nonnull (target_text);
  guint64 target = g_ascii_strtoull (target_text, NULL, 10);
  g_assert_cmpuint (target, >=, 1);

  for (guint i = 1; i + 1 < n_lines; i++)
    {
      const char *line = lines[i];

      g_assert_cmpuint (strlen (line), >, 0);
      if (g_str_has_prefix (line, "#EXTINF:"))
        {
          char *end = NULL;
          double duration = g_ascii_strtod (line + strlen ("#EXTINF:"), &end);

          g_assert_nonnull (end);
          g_assert_cmpint (*end, ==, ',');
          g_assert_cmpfloat (duration, >=, 0.0);
          g_assert_cmpfloat (floor (duration + 0.5), <=, (double)target);
          g_assert_true (i + 2 < n_lines);
          g_assert_false (g_str_has_prefix (lines[i + 1], "#"));
          i++;
          segments++;
        }
      else if (g_str_equal (line, "#EXT-X-DISCONTINUITY"))
        {
          g_assert_true (g_str_has_prefix (lines[i + 1], "#EXTINF:"));
        }
      else if (g_str_equal (line, "#EXT-X-ENDLIST"))
        {
          g_assert_cmpuint (i, ==, n_lines - 2);
        }
      else
        {
          g_assert_true (g_str_has_prefix (line, "#EXT-X-"));
          g_assert_cmpuint (segments, ==, 0); /* header tags precede segments */
        }
    }
  return segments;
}

static void
test_empty (void)
{
  g_autoptr (LcPlaylist) playlist = lc_playlist_new (2, 6);
  g_autofree char *text = lc_playlist_render (playlist);

  g_assert_cmpstr (text, ==,
                   "#EXTM3U\n"
                   "#EXT-X-VERSION:3\n"
                   "#EXT-X-TARGETDURATION:2\n"
                   "#EXT-X-MEDIA-SEQUENCE:0\n"
                   "#EXT-X-INDEPENDENT-SEGMENTS\n");
  g_assert_cmpuint (lc_playlist_get_segment_count (playlist), ==, 0);
  g_assert_cmpuint (lc_playlist_get_media_sequence (playlist), ==, 0);
  g_autoptr (GPtrArray) expired = lc_playlist_take_expired (playlist);
  g_assert_cmpuint (expired->len, ==, 0);
  g_assert_cmpuint (check_structure (text), ==, 0);
}

static void
test_render (void)
{
  g_autoptr (LcPlaylist) playlist = lc_playlist_new (2, 6);

  add (playlist, 0, 2.0, FALSE);
  add (playlist, 1, 1.96, FALSE);
  add (playlist, 2, 2.0404, FALSE); /* rounded to 3 decimals */
  add (playlist, 3, 1.9995, FALSE); /* rounds up to 2.000 */
  g_autofree char *text = lc_playlist_render (playlist);

  g_assert_cmpstr (text, ==,
                   "#EXTM3U\n"
                   "#EXT-X-VERSION:3\n"
                   "#EXT-X-TARGETDURATION:2\n"
                   "#EXT-X-MEDIA-SEQUENCE:0\n"
                   "#EXT-X-INDEPENDENT-SEGMENTS\n"
                   "#EXTINF:2.000,\nseg-0.ts\n"
                   "#EXTINF:1.960,\nseg-1.ts\n"
                   "#EXTINF:2.040,\nseg-2.ts\n"
                   "#EXTINF:2.000,\nseg-3.ts\n");
  g_assert_cmpuint (check_structure (text), ==, 4);
  g_assert_cmpuint (lc_playlist_get_segment_count (playlist), ==, 4);
}

/* EXTINF uses '.' whatever LC_NUMERIC says. */
static void
test_locale (void)
{
  const char *locales[] = { "de_DE.UTF-8", "ru_RU.UTF-8", "fr_FR.UTF-8", "C.UTF-8" };
  g_autofree char *saved = g_strdup (setlocale (LC_NUMERIC, NULL));
  g_autoptr (LcPlaylist) playlist = lc_playlist_new (2, 6);

  add (playlist, 0, 1.5, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (locales); i++)
    {
      if (setlocale (LC_NUMERIC, locales[i]) == NULL)
        continue;
      g_autofree char *text = lc_playlist_render (playlist);
      g_assert_nonnull (strstr (text, "#EXTINF:1.500,\n"));
    }
  setlocale (LC_NUMERIC, saved);
}

/* Durations that are not numbers come out as 0.000, never "nan" or "-1.000". */
static void
test_bad_durations (void)
{
  g_autoptr (LcPlaylist) playlist = lc_playlist_new (2, 0);

  add (playlist, 0, NAN, FALSE);
  add (playlist, 1, -1.0, FALSE);
  add (playlist, 2, INFINITY, FALSE);
  g_autofree char *text = lc_playlist_render (playlist);

  g_assert_cmpuint (count_lines (text, "#EXTINF:0.000,"), ==, 3);
  g_assert_null (strstr (text, "nan"));
  g_assert_null (strstr (text, "inf"));
  g_assert_null (strstr (text, "#EXTINF:-"));
  g_assert_cmpuint (check_structure (text), ==, 3);
}

static void
test_window (void)
{
  g_autoptr (LcPlaylist) playlist = lc_playlist_new (2, 3);

  for (guint i = 0; i < 3; i++)
    add (playlist, i, 2.0, FALSE);
  g_autoptr (GPtrArray) none = lc_playlist_take_expired (playlist);
  g_assert_cmpuint (none->len, ==, 0);

  add (playlist, 3, 2.0, FALSE);
  add (playlist, 4, 2.0, FALSE);
  g_assert_cmpuint (lc_playlist_get_segment_count (playlist), ==, 3);
  g_assert_cmpuint (lc_playlist_get_media_sequence (playlist), ==, 2);

  g_autoptr (GPtrArray) expired = lc_playlist_take_expired (playlist);
  g_assert_cmpuint (expired->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (expired, 0), ==, "seg-0.ts");
  g_assert_cmpstr (g_ptr_array_index (expired, 1), ==, "seg-1.ts");
  /* Taken once: the next call returns only what slid out since. */
  g_autoptr (GPtrArray) again = lc_playlist_take_expired (playlist);
  g_assert_cmpuint (again->len, ==, 0);

  g_autofree char *text = lc_playlist_render (playlist);
  g_assert_cmpstr (text, ==,
                   "#EXTM3U\n"
                   "#EXT-X-VERSION:3\n"
                   "#EXT-X-TARGETDURATION:2\n"
                   "#EXT-X-MEDIA-SEQUENCE:2\n"
                   "#EXT-X-INDEPENDENT-SEGMENTS\n"
                   "#EXTINF:2.000,\nseg-2.ts\n"
                   "#EXTINF:2.000,\nseg-3.ts\n"
                   "#EXTINF:2.000,\nseg-4.ts\n");

  add (playlist, 5, 2.0, FALSE);
  g_autoptr (GPtrArray) third = lc_playlist_take_expired (playlist);
  g_assert_cmpuint (third->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (third, 0), ==, "seg-2.ts");
  g_assert_cmpuint (lc_playlist_get_media_sequence (playlist), ==, 3);
}

/* window 0 keeps everything (a whole-lesson playlist). */
static void
test_window_unlimited (void)
{
  g_autoptr (LcPlaylist) playlist = lc_playlist_new (2, 0);

  for (guint i = 0; i < 500; i++)
    add (playlist, i, 2.0, FALSE);
  g_assert_cmpuint (lc_playlist_get_segment_count (playlist), ==, 500);
  g_assert_cmpuint (lc_playlist_get_media_sequence (playlist), ==, 0);
  g_autoptr (GPtrArray) expired = lc_playlist_take_expired (playlist);
  g_assert_cmpuint (expired->len, ==, 0);
  g_autofree char *text = lc_playlist_render (playlist);
  g_assert_cmpuint (check_structure (text), ==, 500);
}

static void
test_discontinuity (void)
{
  g_autoptr (LcPlaylist) playlist = lc_playlist_new (2, 6);

  add (playlist, 0, 2.0, FALSE);
  /* Marked twice before one segment: still one tag. */
  lc_playlist_mark_discontinuity (playlist);
  lc_playlist_mark_discontinuity (playlist);
  add (playlist, 1, 2.0, FALSE);
  add (playlist, 2, 2.0, FALSE);
  /* The flag on add works the same way as the mark. */
  add (playlist, 3, 1.0, TRUE);
  add (playlist, 4, 2.0, FALSE);
  g_autofree char *text = lc_playlist_render (playlist);

  g_assert_cmpstr (text, ==,
                   "#EXTM3U\n"
                   "#EXT-X-VERSION:3\n"
                   "#EXT-X-TARGETDURATION:2\n"
                   "#EXT-X-MEDIA-SEQUENCE:0\n"
                   "#EXT-X-INDEPENDENT-SEGMENTS\n"
                   "#EXTINF:2.000,\nseg-0.ts\n"
                   "#EXT-X-DISCONTINUITY\n"
                   "#EXTINF:2.000,\nseg-1.ts\n"
                   "#EXTINF:2.000,\nseg-2.ts\n"
                   "#EXT-X-DISCONTINUITY\n"
                   "#EXTINF:1.000,\nseg-3.ts\n"
                   "#EXTINF:2.000,\nseg-4.ts\n");
  g_assert_cmpuint (check_structure (text), ==, 5);
}

/* RFC 8216 §6.2.2: when a DISCONTINUITY tag leaves the window,
 * EXT-X-DISCONTINUITY-SEQUENCE goes up by one; a plain segment leaving does
 * not change it; the tag is absent while it is 0. */
static void
test_discontinuity_sequence (void)
{
  g_autoptr (LcPlaylist) playlist = lc_playlist_new (2, 2);

  add (playlist, 0, 2.0, FALSE);
  lc_playlist_mark_discontinuity (playlist);
  add (playlist, 1, 2.0, FALSE);
  g_autofree char *t1 = lc_playlist_render (playlist);
  g_assert_null (strstr (t1, "#EXT-X-DISCONTINUITY-SEQUENCE"));

  /* seg-0 (no tag) slides out: sequence stays 0; seg-1's tag now heads the window. */
  add (playlist, 2, 2.0, FALSE);
  g_autofree char *t2 = lc_playlist_render (playlist);
  g_assert_null (strstr (t2, "#EXT-X-DISCONTINUITY-SEQUENCE"));
  g_assert_true (strstr (t2, "#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-DISCONTINUITY\n#EXTINF:2.000,\n"
                             "seg-1.ts\n")
                 != NULL);
  g_assert_cmpuint (check_structure (t2), ==, 2);

  /* seg-1 (tagged) slides out: 1. */
  lc_playlist_mark_discontinuity (playlist);
  add (playlist, 3, 2.0, FALSE);
  g_autofree char *t3 = lc_playlist_render (playlist);
  g_autofree char *seq3 = tag_value (t3, "#EXT-X-DISCONTINUITY-SEQUENCE");
  g_assert_cmpstr (seq3, ==, "1");
  g_assert_cmpuint (count_lines (t3, "#EXT-X-DISCONTINUITY"), ==, 1);
  g_autofree char *media3 = tag_value (t3, "#EXT-X-MEDIA-SEQUENCE");
  g_assert_cmpstr (media3, ==, "2");

  /* Two more gaps back to back, then everything slides out. */
  lc_playlist_mark_discontinuity (playlist);
  add (playlist, 4, 2.0, FALSE);
  lc_playlist_mark_discontinuity (playlist);
  add (playlist, 5, 2.0, FALSE);
  add (playlist, 6, 2.0, FALSE);
  add (playlist, 7, 2.0, FALSE);
  g_autofree char *t4 = lc_playlist_render (playlist);
  g_autofree char *seq4 = tag_value (t4, "#EXT-X-DISCONTINUITY-SEQUENCE");
  g_assert_cmpstr (seq4, ==, "4");
  g_assert_cmpuint (count_lines (t4, "#EXT-X-DISCONTINUITY"), ==, 0);
  g_assert_cmpuint (check_structure (t4), ==, 2);

  /* What a client computes: discontinuity number of the first segment in
   * the window = DISCONTINUITY-SEQUENCE; it must equal the number of tags on
   * segments 0..6 (tags on 1, 3, 4, 5). */
  g_autoptr (GPtrArray) expired = lc_playlist_take_expired (playlist);
  g_assert_cmpuint (expired->len, ==, 6);
  g_assert_cmpstr (g_ptr_array_index (expired, 5), ==, "seg-5.ts");
}

static void
test_target_duration (void)
{
  g_autoptr (LcPlaylist) playlist = lc_playlist_new (2, 2);
  g_autofree char *t0 = NULL, *t1 = NULL, *t2 = NULL, *t3 = NULL, *t4 = NULL;
  g_autofree char *v0 = NULL, *v1 = NULL, *v2 = NULL, *v3 = NULL, *v4 = NULL;

  /* Never below the configured value, even with short segments. */
  add (playlist, 0, 0.5, FALSE);
  t0 = lc_playlist_render (playlist);
  v0 = tag_value (t0, "#EXT-X-TARGETDURATION");
  g_assert_cmpstr (v0, ==, "2");

  /* 2.499 rounds to 2: still 2. */
  add (playlist, 1, 2.499, FALSE);
  t1 = lc_playlist_render (playlist);
  v1 = tag_value (t1, "#EXT-X-TARGETDURATION");
  g_assert_cmpstr (v1, ==, "2");

  /* 2.5 rounds to 3. */
  add (playlist, 2, 2.5, FALSE);
  t2 = lc_playlist_render (playlist);
  v2 = tag_value (t2, "#EXT-X-TARGETDURATION");
  g_assert_cmpstr (v2, ==, "3");

  /* A long segment raises it... */
  add (playlist, 3, 4.05, FALSE);
  t3 = lc_playlist_render (playlist);
  v3 = tag_value (t3, "#EXT-X-TARGETDURATION");
  g_assert_cmpstr (v3, ==, "4");
  g_assert_cmpuint (check_structure (t3), ==, 2);

  /* ...and it never goes down once that segment has left the window. */
  add (playlist, 4, 2.0, FALSE);
  add (playlist, 5, 2.0, FALSE);
  t4 = lc_playlist_render (playlist);
  v4 = tag_value (t4, "#EXT-X-TARGETDURATION");
  g_assert_cmpstr (v4, ==, "4");
  g_assert_null (strstr (t4, "4.050"));

  /* A zero target with no segments still renders a valid (≥ 1) value. */
  g_autoptr (LcPlaylist) zero = lc_playlist_new (0, 3);
  g_autofree char *tz = lc_playlist_render (zero);
  g_autofree char *vz = tag_value (tz, "#EXT-X-TARGETDURATION");
  g_assert_cmpstr (vz, ==, "1");
}

static void
test_end (void)
{
  g_autoptr (LcPlaylist) playlist = lc_playlist_new (2, 3);

  for (guint i = 0; i < 5; i++)
    add (playlist, i, 2.0, i == 4);
  g_autofree char *live = lc_playlist_render (playlist);
  g_assert_null (strstr (live, "#EXT-X-ENDLIST"));

  lc_playlist_end (playlist);
  g_autofree char *ended = lc_playlist_render (playlist);
  g_assert_true (g_str_has_suffix (ended, "#EXTINF:2.000,\nseg-4.ts\n#EXT-X-ENDLIST\n"));
  g_assert_cmpuint (count_lines (ended, "#EXT-X-ENDLIST"), ==, 1);
  /* The window stays as it was when the lesson ended. */
  g_assert_cmpuint (check_structure (ended), ==, 3);
  g_assert_cmpuint (lc_playlist_get_media_sequence (playlist), ==, 2);

  /* Rendering twice gives the same text. */
  g_autofree char *again = lc_playlist_render (playlist);
  g_assert_cmpstr (again, ==, ended);

  /* A lesson that ended before any segment: a valid, empty, ended playlist. */
  g_autoptr (LcPlaylist) empty = lc_playlist_new (2, 3);
  lc_playlist_end (empty);
  g_autofree char *empty_text = lc_playlist_render (empty);
  g_assert_true (g_str_has_suffix (empty_text, "#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-ENDLIST\n"));
  g_assert_cmpuint (check_structure (empty_text), ==, 0);
}

/* Adding after the end or a URI that would break the text is a programmer
 * error: refused with a critical, the playlist unchanged. */
static void
test_misuse (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr (LcPlaylist) playlist = lc_playlist_new (2, 3);

      lc_playlist_add_segment (playlist, "seg-0.ts\n#EXT-X-ENDLIST", 2.0, FALSE);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*uri_is_valid*");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/streamer/playlist/empty", test_empty);
  g_test_add_func ("/streamer/playlist/render", test_render);
  g_test_add_func ("/streamer/playlist/locale", test_locale);
  g_test_add_func ("/streamer/playlist/bad-durations", test_bad_durations);
  g_test_add_func ("/streamer/playlist/window", test_window);
  g_test_add_func ("/streamer/playlist/window-unlimited", test_window_unlimited);
  g_test_add_func ("/streamer/playlist/discontinuity", test_discontinuity);
  g_test_add_func ("/streamer/playlist/discontinuity-sequence", test_discontinuity_sequence);
  g_test_add_func ("/streamer/playlist/target-duration", test_target_duration);
  g_test_add_func ("/streamer/playlist/end", test_end);
  g_test_add_func ("/streamer/playlist/misuse", test_misuse);
  return g_test_run ();
}
