/* lc-api-recordings.c: being written */
