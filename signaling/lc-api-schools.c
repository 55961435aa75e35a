/* lc-api-schools.c: being written */
