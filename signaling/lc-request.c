/* lc-request.c: being written */
