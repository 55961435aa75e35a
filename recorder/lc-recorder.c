/* lc-recorder.c: being written */
