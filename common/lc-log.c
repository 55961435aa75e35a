/* lc-log.c: being written */
