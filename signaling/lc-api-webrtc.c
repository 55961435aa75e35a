/* lc-api-webrtc.c: being written */
