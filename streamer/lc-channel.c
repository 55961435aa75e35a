/* lc-channel.c: being written */
