/* lc-sdp.c: being written */
