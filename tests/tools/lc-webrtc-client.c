/* lc-webrtc-client.c: being written */
