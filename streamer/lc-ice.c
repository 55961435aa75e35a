/* lc-ice.c: being written */
