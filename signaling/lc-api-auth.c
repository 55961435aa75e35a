/* lc-api-auth.c: being written */
