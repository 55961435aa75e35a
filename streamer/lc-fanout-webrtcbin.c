/* lc-fanout-webrtcbin.c: being written */
