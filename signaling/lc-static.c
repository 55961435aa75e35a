/* lc-static.c: being written */
