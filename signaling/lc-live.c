/* lc-live.c: being written */
