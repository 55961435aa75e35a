/* lc-api-lessons.c: being written */
