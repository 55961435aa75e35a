/* lc-store-sqlite.c: being written */
