/* lc-media-check.c — looks up the GStreamer element factories the media path
 * needs and describes the result in one line (start-up log, admin check). */
#include "streamer/lc-media-check.h"

#include <gst/gst.h>

/* The elements the next steps use, with the Debian package that ships each
 * (named in lc_media_describe so the operator knows what to install). */
typedef struct
{
  const char *element;
  const char *package;
} LcRequiredElement;

static const LcRequiredElement required[] = {
  { "webrtcbin", "gstreamer1.0-plugins-bad" },
  { "nicesrc", "gstreamer1.0-nice" },
  { "nicesink", "gstreamer1.0-nice" },
  { "rtph264depay", "gstreamer1.0-plugins-good" },
  { "rtph264pay", "gstreamer1.0-plugins-good" },
  { "rtpopusdepay", "gstreamer1.0-plugins-good" },
  { "rtpopuspay", "gstreamer1.0-plugins-good" },
  { "h264parse", "gstreamer1.0-plugins-bad" },
  { "opusdec", "gstreamer1.0-plugins-base" },
  { "opusenc", "gstreamer1.0-plugins-base" },
  { "avenc_aac", "gstreamer1.0-libav" },
  { "mpegtsmux", "gstreamer1.0-plugins-bad" },
  { "hlssink2", "gstreamer1.0-plugins-bad" },
  { "splitmuxsink", "gstreamer1.0-plugins-good" },
  { "mp4mux", "gstreamer1.0-plugins-good" },
  { "qtdemux", "gstreamer1.0-plugins-good" },
  { "videotestsrc", "gstreamer1.0-plugins-base" },
  { "audiotestsrc", "gstreamer1.0-plugins-base" },
  { "x264enc", "gstreamer1.0-plugins-ugly" },
};

/* Initialise GStreamer once (gst_init_check is itself idempotent). */
static gboolean
ensure_gst (GError **error)
{
  if (gst_is_initialized ())
    return TRUE;
  return gst_init_check (NULL, NULL, error);
}

static gboolean
check_plugins (GPtrArray **missing, GError **init_error)
{
  g_autoptr (GPtrArray) absent = g_ptr_array_new_with_free_func (g_free);
  gboolean initialised = ensure_gst (init_error);

  for (gsize i = 0; i < G_N_ELEMENTS (required); i++)
    {
      GstElementFactory *factory = NULL;

      if (initialised)
        factory = gst_element_factory_find (required[i].element);
      if (factory == NULL)
        g_ptr_array_add (absent, g_strdup (required[i].element));
      else
        gst_object_unref (factory);
    }

  gboolean ok = absent->len == 0;
  if (missing != NULL)
    *missing = g_steal_pointer (&absent);
  return ok;
}

gboolean
lc_media_check_plugins (GPtrArray **missing)
{
  g_autoptr (GError) init_error = NULL;

  return check_plugins (missing, &init_error);
}

static const char *
package_of (const char *element)
{
  for (gsize i = 0; i < G_N_ELEMENTS (required); i++)
    if (g_str_equal (required[i].element, element))
      return required[i].package;
  return NULL;
}

char *
lc_media_describe (void)
{
  g_autoptr (GError) init_error = NULL;
  g_autoptr (GPtrArray) missing = NULL;
  g_autofree char *version = NULL;
  gboolean ok = check_plugins (&missing, &init_error);

  if (init_error != NULL)
    return g_strdup_printf ("GStreamer could not be initialised: %s", init_error->message);

  version = gst_version_string ();
  if (ok)
    return g_strdup_printf ("%s: all %u elements present", version, (guint)G_N_ELEMENTS (required));

  /* The names, then the Debian packages that provide them (each once). */
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GPtrArray) packages = g_ptr_array_new ();

  g_string_append_printf (text, "%s: missing %u of %u elements: ", version, missing->len,
                          (guint)G_N_ELEMENTS (required));
  for (guint i = 0; i < missing->len; i++)
    {
      const char *name = g_ptr_array_index (missing, i);
      const char *package = package_of (name);

      g_string_append_printf (text, "%s%s", i > 0 ? ", " : "", name);
      if (package != NULL
          && !g_ptr_array_find_with_equal_func (packages, package, g_str_equal, NULL))
        g_ptr_array_add (packages, (gpointer)package);
    }
  if (packages->len > 0)
    {
      g_string_append (text, " (install:");
      for (guint i = 0; i < packages->len; i++)
        g_string_append_printf (text, " %s", (const char *)g_ptr_array_index (packages, i));
      g_string_append_c (text, ')');
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}
