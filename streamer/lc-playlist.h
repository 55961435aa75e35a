/* lc-playlist.h — HLS media playlist writing, pure (no I/O): segments in,
 * text out. Sliding window while live, DISCONTINUITY tags with
 * EXT-X-DISCONTINUITY-SEQUENCE kept right when they slide out, ENDLIST at the end,
 * TARGETDURATION = the largest EXTINF rounded to the nearest integer (RFC 8216
 * §4.3.3.1), never below target_duration and never decreasing. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _LcPlaylist LcPlaylist;

/* window: segments kept in the playlist while live (0 = all). */
LcPlaylist *lc_playlist_new (guint target_duration, guint window);
void lc_playlist_free (LcPlaylist *playlist);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcPlaylist, lc_playlist_free)

/* Append a segment (uri relative to the playlist). discontinuity: it follows a gap. */
void lc_playlist_add_segment (LcPlaylist *playlist, const char *uri, double duration,
                              gboolean discontinuity);
/* The next segment will carry EXT-X-DISCONTINUITY. */
void lc_playlist_mark_discontinuity (LcPlaylist *playlist);
void lc_playlist_end (LcPlaylist *playlist);
/* Segments that slid out of the window since the last call (to delete). (transfer full) */
GPtrArray *lc_playlist_take_expired (LcPlaylist *playlist);
guint lc_playlist_get_segment_count (LcPlaylist *playlist); /* in the window */
guint64 lc_playlist_get_media_sequence (LcPlaylist *playlist);
/* (transfer full) the playlist text. */
char *lc_playlist_render (LcPlaylist *playlist);

G_END_DECLS
