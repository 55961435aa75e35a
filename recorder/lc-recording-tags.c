/* lc-recording-tags.c — the lesson's metadata (LcRecordingMeta) as it goes
 * into the final recording file: a GstTagList for the GStreamer remux and the
 * iTunes-style ilst items the box-level rewrite writes into udta/meta. Both
 * carry the same facts: title; artist (the teacher if they consented to be
 * named, else the school); album, album artist and organisation (the school);
 * genre (the subject); the start; a one-line description; the encoder.
 */
#include "recorder/lc-finalize-private.h"

/* The comment/description tag: "Математика · Школа № 57 · Анна Петровна ·
 * 2027-01-15 08:00–08:45 UTC" (NULL when there is nothing to say). */
static char *
describe_meta (const LcRecordingMeta *meta)
{
  g_autoptr (GString) description = g_string_new (NULL);

  if (meta == NULL)
    return NULL;
  if (meta->subject != NULL)
    g_string_append (description, meta->subject);
  if (meta->school != NULL)
    g_string_append_printf (description, "%s%s", description->len > 0 ? " · " : "", meta->school);
  if (meta->teacher != NULL)
    g_string_append_printf (description, "%s%s", description->len > 0 ? " · " : "", meta->teacher);
  if (meta->starts_at > 0 && meta->ends_at > meta->starts_at)
    {
      g_autoptr (GDateTime) from = g_date_time_new_from_unix_utc (meta->starts_at);
      g_autoptr (GDateTime) to = g_date_time_new_from_unix_utc (meta->ends_at);

      if (from != NULL && to != NULL)
        {
          g_autofree char *a = g_date_time_format (from, "%Y-%m-%d %H:%M");
          g_autofree char *b = g_date_time_format (to, "%H:%M");

          g_string_append_printf (description, "%s%s–%s UTC", description->len > 0 ? " · " : "", a,
                                  b);
        }
    }
  return description->len > 0 ? g_string_free (g_steal_pointer (&description), FALSE) : NULL;
}

GstTagList *
lc_finalize_tags_from_meta (const LcRecordingMeta *meta)
{
  GstTagList *tags = gst_tag_list_new_empty ();
  g_autofree char *description = describe_meta (meta);

  if (meta == NULL)
    return tags;
  if (meta->title != NULL)
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_TITLE, meta->title, NULL);
  /* The artist is the teacher when they consented to be named, else the school. */
  if (meta->teacher != NULL || meta->school != NULL)
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_ARTIST,
                      meta->teacher != NULL ? meta->teacher : meta->school, NULL);
  if (meta->school != NULL)
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_ALBUM, meta->school,
                      GST_TAG_ALBUM_ARTIST, meta->school, GST_TAG_ORGANIZATION, meta->school, NULL);
  if (meta->subject != NULL)
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_GENRE, meta->subject, NULL);
  if (meta->starts_at > 0)
    {
      g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (meta->starts_at);

      if (utc != NULL)
        {
          g_autoptr (GstDateTime) start
              = gst_date_time_new_from_g_date_time (g_date_time_ref (utc));
          g_autoptr (GDate) date = g_date_new_dmy ((GDateDay)g_date_time_get_day_of_month (utc),
                                                   (GDateMonth)g_date_time_get_month (utc),
                                                   (GDateYear)g_date_time_get_year (utc));

          gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_DATE_TIME, start, GST_TAG_DATE,
                            date, NULL);
        }
    }

  if (description != NULL)
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_COMMENT, description,
                      GST_TAG_DESCRIPTION, description, NULL);
  gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_ENCODER, "lessoncast " LC_VERSION, NULL);
  return tags;
}

static void
clear_mp4_tag (gpointer data)
{
  g_free (((LcMp4Tag *)data)->value);
}

/* Appends value (nullable; taken) under type unless it is empty. */
static void
add_mp4_tag (GArray *items, const char *type, char *value)
{
  LcMp4Tag tag = { type, value };

  if (value == NULL || *value == '\0')
    {
      g_free (value);
      return;
    }
  g_array_append_val (items, tag);
}

GArray *
lc_finalize_ilst_from_meta (const LcRecordingMeta *meta)
{
  GArray *items = g_array_new (FALSE, FALSE, sizeof (LcMp4Tag));
  g_autofree char *description = describe_meta (meta);
  char *day = NULL;

  g_array_set_clear_func (items, clear_mp4_tag);
  if (meta != NULL)
    {
      if (meta->starts_at > 0)
        {
          g_autoptr (GDateTime) start = g_date_time_new_from_unix_utc (meta->starts_at);

          if (start != NULL)
            day = g_date_time_format (start, "%Y-%m-%dT%H:%M:%SZ");
        }
      add_mp4_tag (items, "\xa9nam", g_strdup (meta->title));
      add_mp4_tag (items,
                   "\xa9"
                   "ART",
                   g_strdup (meta->teacher != NULL ? meta->teacher : meta->school));
      add_mp4_tag (items,
                   "\xa9"
                   "alb",
                   g_strdup (meta->school));
      add_mp4_tag (items, "aART", g_strdup (meta->school));
      add_mp4_tag (items, "\xa9gen", g_strdup (meta->subject));
      add_mp4_tag (items,
                   "\xa9"
                   "day",
                   day);
      add_mp4_tag (items,
                   "\xa9"
                   "cmt",
                   g_strdup (description));
      add_mp4_tag (items, "desc", g_strdup (description));
    }
  add_mp4_tag (items, "\xa9too", g_strdup ("lessoncast " LC_VERSION));
  return items;
}
