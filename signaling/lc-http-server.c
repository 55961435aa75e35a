/* lc-http-server.c: being written */
