/* lc-api-hls.c: being written */
