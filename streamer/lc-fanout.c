/* lc-fanout.c: being written */
