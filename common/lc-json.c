/* lc-json.c: being written */
