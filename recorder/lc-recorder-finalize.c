/* lc-recorder-finalize.c: being written */
