/* lc-consumer.c: being written */
