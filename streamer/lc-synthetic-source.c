/* lc-synthetic-source.c: being written */
