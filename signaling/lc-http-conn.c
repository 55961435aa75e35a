/* lc-http-conn.c: being written */
