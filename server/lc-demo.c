/* lc-demo.c: being written */
