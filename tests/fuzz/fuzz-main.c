/* fuzz-main.c — replay driver for fuzz targets when libFuzzer is not
 * available (gcc builds): runs LLVMFuzzerTestOneInput once on every file
 * given, directly or inside a given directory. Fails when there is nothing
 * to run, so a wrong corpus path cannot pass silently. */
#include <stdint.h>
#include <stdio.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

static gboolean
run_file (const char *path)
{
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, &error))
    {
      g_printerr ("fuzz-main: %s\n", error->message);
      return FALSE;
    }
  LLVMFuzzerTestOneInput ((const uint8_t *) contents, len);
  return TRUE;
}

int
main (int argc, char **argv)
{
  guint runs = 0;
  int i;

  for (i = 1; i < argc; i++)
    {
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
          GDir *dir = g_dir_open (argv[i], 0, &error);
          const char *name;
          guint n;

          if (dir == NULL)
            {
              g_printerr ("fuzz-main: %s\n", error->message);
              return 1;
            }
          while ((name = g_dir_read_name (dir)) != NULL)
            g_ptr_array_add (names, g_build_filename (argv[i], name, NULL));
          g_dir_close (dir);
          g_ptr_array_sort (names, compare_paths);
          for (n = 0; n < names->len; n++)
            {
              const char *path = g_ptr_array_index (names, n);

              if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
                continue;
              if (!run_file (path))
                return 1;
              runs++;
            }
        }
      else
        {
          if (!run_file (argv[i]))
            return 1;
          runs++;
        }
    }

  printf ("fuzz-main: ran %u input(s) without a crash\n", runs);
  return runs > 0 ? 0 : 1;
}
