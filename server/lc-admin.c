/* lc-admin.c: being written */
