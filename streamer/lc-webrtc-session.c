/* lc-webrtc-session.c: being written */
