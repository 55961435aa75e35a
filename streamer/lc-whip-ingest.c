/* lc-whip-ingest.c: being written */
