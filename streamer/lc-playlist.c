/* lc-playlist.c — HLS media playlist writing (RFC 8216), pure: segments in,
 * text out. Keeps the sliding window, the media and discontinuity sequence
 * numbers, the target duration and the list of segments that slid out (for
 * the caller to delete). No I/O. */
#include "streamer/lc-playlist.h"

#include <math.h>
#include <string.h>

typedef struct
{
  char *uri;
  double duration;
  gboolean discontinuity;
} LcPlaylistSegment;

struct _LcPlaylist
{
  guint target_duration;          /* what the caller asked for: the floor of TARGETDURATION */
  guint max_rounded;              /* largest rounded EXTINF ever added (never decreases) */
  guint window;                   /* 0 = keep every segment */
  GQueue segments;                /* LcPlaylistSegment *, oldest first: the window */
  guint64 media_sequence;         /* sequence number of the first segment in the window */
  guint64 discontinuity_sequence; /* DISCONTINUITY tags that slid out of the window */
  gboolean pending_discontinuity;
  gboolean ended;
  GPtrArray *expired; /* char * uris that slid out since the last take */
};

static void
segment_free (LcPlaylistSegment *segment)
{
  g_free (segment->uri);
  g_free (segment);
}

LcPlaylist *
lc_playlist_new (guint target_duration, guint window)
{
  LcPlaylist *playlist = g_new0 (LcPlaylist, 1);

  playlist->target_duration = target_duration;
  playlist->window = window;
  g_queue_init (&playlist->segments);
  playlist->expired = g_ptr_array_new_with_free_func (g_free);
  return playlist;
}

void
lc_playlist_free (LcPlaylist *playlist)
{
  if (playlist == NULL)
    return;
  g_queue_clear_full (&playlist->segments, (GDestroyNotify)segment_free);
  g_ptr_array_unref (playlist->expired);
  g_free (playlist);
}

/* EXTINF is written with 3 decimals: every comparison uses that value, so the
 * text a client reads is what the target duration was checked against. */
static double
rendered_duration (double duration)
{
  if (!isfinite (duration) || duration < 0.0)
    return 0.0;
  if (duration > 86400.0) /* a day: nonsense from a broken clock, keep it printable */
    return 86400.0;
  return round (duration * 1000.0) / 1000.0;
}

static gboolean
uri_is_valid (const char *uri)
{
  return uri != NULL && uri[0] != '\0' && uri[0] != '#' && strpbrk (uri, "\r\n") == NULL;
}

void
lc_playlist_add_segment (LcPlaylist *playlist, const char *uri, double duration,
                         gboolean discontinuity)
{
  g_return_if_fail (playlist != NULL);
  g_return_if_fail (uri_is_valid (uri));
  g_return_if_fail (!playlist->ended);

  LcPlaylistSegment *segment = g_new0 (LcPlaylistSegment, 1);
  segment->uri = g_strdup (uri);
  segment->duration = rendered_duration (duration);
  segment->discontinuity = discontinuity || playlist->pending_discontinuity;
  playlist->pending_discontinuity = FALSE;
  g_queue_push_tail (&playlist->segments, segment);

  /* RFC 8216 §4.3.3.1: each EXTINF rounded to the nearest integer must not
   * exceed the target duration, and the target must not change downwards
   * while the playlist is live: keep the maximum ever seen. */
  guint rounded = (guint)lround (segment->duration);
  playlist->max_rounded = MAX (playlist->max_rounded, rounded);

  while (playlist->window > 0 && playlist->segments.length > playlist->window)
    {
      LcPlaylistSegment *old = g_queue_pop_head (&playlist->segments);

      playlist->media_sequence++;
      /* §6.2.2: removing a DISCONTINUITY tag increments the sequence. */
      if (old->discontinuity)
        playlist->discontinuity_sequence++;
      g_ptr_array_add (playlist->expired, g_steal_pointer (&old->uri));
      segment_free (old);
    }
}

void
lc_playlist_mark_discontinuity (LcPlaylist *playlist)
{
  g_return_if_fail (playlist != NULL);
  playlist->pending_discontinuity = TRUE;
}

void
lc_playlist_end (LcPlaylist *playlist)
{
  g_return_if_fail (playlist != NULL);
  playlist->ended = TRUE;
}

GPtrArray *
lc_playlist_take_expired (LcPlaylist *playlist)
{
  g_return_val_if_fail (playlist != NULL, NULL);

  GPtrArray *taken = g_steal_pointer (&playlist->expired);
  playlist->expired = g_ptr_array_new_with_free_func (g_free);
  return taken;
}

guint
lc_playlist_get_segment_count (LcPlaylist *playlist)
{
  g_return_val_if_fail (playlist != NULL, 0);
  return playlist->segments.length;
}

guint64
lc_playlist_get_media_sequence (LcPlaylist *playlist)
{
  g_return_val_if_fail (playlist != NULL, 0);
  return playlist->media_sequence;
}

char *
lc_playlist_render (LcPlaylist *playlist)
{
  g_return_val_if_fail (playlist != NULL, NULL);

  GString *text = g_string_new ("#EXTM3U\n");
  guint target = MAX (MAX (playlist->target_duration, playlist->max_rounded), 1);

  /* Version 3: decimal EXTINF. Nothing here needs a later version. */
  g_string_append (text, "#EXT-X-VERSION:3\n");
  g_string_append_printf (text, "#EXT-X-TARGETDURATION:%u\n", target);
  g_string_append_printf (text, "#EXT-X-MEDIA-SEQUENCE:%" G_GUINT64_FORMAT "\n",
                          playlist->media_sequence);
  if (playlist->discontinuity_sequence > 0)
    g_string_append_printf (text, "#EXT-X-DISCONTINUITY-SEQUENCE:%" G_GUINT64_FORMAT "\n",
                            playlist->discontinuity_sequence);
  /* Every segment starts with a keyframe (the packager cuts on them). */
  g_string_append (text, "#EXT-X-INDEPENDENT-SEGMENTS\n");

  for (GList *l = playlist->segments.head; l != NULL; l = l->next)
    {
      LcPlaylistSegment *segment = l->data;
      char number[G_ASCII_DTOSTR_BUF_SIZE];

      if (segment->discontinuity)
        g_string_append (text, "#EXT-X-DISCONTINUITY\n");
      /* g_ascii_formatd: a '.' whatever the locale. */
      g_ascii_formatd (number, sizeof number, "%.3f", segment->duration);
      g_string_append_printf (text, "#EXTINF:%s,\n%s\n", number, segment->uri);
    }

  if (playlist->ended)
    g_string_append (text, "#EXT-X-ENDLIST\n");
  return g_string_free (text, FALSE);
}
