/* lc-playlist.c: being written */
