/* lc-api-accounts.c: being written */
