/* lc-source.c — helpers for GSources kept by pointer. */
#include "lc-source.h"

void
lc_source_clear (GSource **source)
{
  g_return_if_fail (source != NULL);

  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}
