/* lc-hls.c: being written */
