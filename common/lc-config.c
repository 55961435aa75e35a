/* lc-config.c: being written */
