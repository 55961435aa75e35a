/* lc-router.c: being written */
