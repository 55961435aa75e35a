/* lc-api.c: being written */
