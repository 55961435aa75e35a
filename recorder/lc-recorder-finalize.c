/* lc-recorder-finalize.c — lc_recorder_finalize_file(): turns the fragmented
 * part file of a live recording (complete or cut short by a crash) into one
 * playable faststart MP4 (ftyp, moov, mdat) carrying the lesson's metadata.
 *
 * Fast path: a box-level rewrite of our own mp4mux output (lc-mp4-rewrite.c)
 * — the sample tables are built from the moof/trun boxes, the samples copied
 * in their original interleaving, one sequential read and one write hashed on
 * the way; a 45-minute lesson finalises in about a second. Fallback, for a
 * part file the rewrite does not understand: a GStreamer remux
 * (lc-finalize-remux.c). The tags of both come from lc-recording-tags.c.
 *
 * Both write <final>.tmp, fsync it and rename it over <final> (then fsync the
 * directory): a reader never sees a partial final file. SHA-256 through
 * OpenSSL EVP_Digest* while writing (fast path) or by streaming the file in
 * 1 MiB chunks (fallback). A sample cut off by a crash ends its track there.
 *
 * Runs synchronously on the calling thread (the recorder's worker; progress
 * reported there too) and needs no main context.
 */
#include "recorder/lc-finalize-private.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "common/lc-error.h"

GST_DEBUG_CATEGORY (lc_finalize_debug);
#define GST_CAT_DEFAULT lc_finalize_debug

#define HASH_CHUNK (1024 * 1024)
#define PROGRESS_IN_PLACE 97
#define PROGRESS_HASH_END 99

void
lc_finalize_report (LcFinalizeProgress *progress, int percent)
{
  if (progress->func == NULL || percent <= progress->last_percent)
    return;
  progress->last_percent = percent;
  progress->func (percent, progress->data);
}

EVP_MD_CTX *
lc_finalize_sha256_new (GError **error)
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();

  if (ctx == NULL || EVP_DigestInit_ex (ctx, EVP_sha256 (), NULL) != 1)
    {
      EVP_MD_CTX_free (ctx);
      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "SHA-256 is not available");
      return NULL;
    }
  return ctx;
}

char *
lc_finalize_sha256_hex (EVP_MD_CTX *ctx, GError **error)
{
  guint8 digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  char *hex;

  if (EVP_DigestFinal_ex (ctx, digest, &digest_len) != 1)
    {
      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "SHA-256 failed");
      return NULL;
    }
  hex = g_malloc (digest_len * 2 + 1);
  for (unsigned int i = 0; i < digest_len; i++)
    g_snprintf (hex + 2 * i, 3, "%02x", digest[i]);
  return hex;
}

/* ---- files ---- */

static gboolean
fsync_path (const char *path, gboolean directory, GError **error)
{
  int fd = g_open (path, (directory ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC, 0);
  int saved;

  if (fd >= 0 && fsync (fd) == 0)
    {
      close (fd);
      return TRUE;
    }
  saved = errno;
  if (fd >= 0)
    close (fd);
  lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot sync %s: %s", path, g_strerror (saved));
  return FALSE;
}

/* SHA-256 (hex) and size of path, read in chunks; progress from..to. */
static char *
hash_file (const char *path, gint64 *size, LcFinalizeProgress *progress, int from, int to,
           GError **error)
{
  g_autofree guint8 *chunk = g_malloc (HASH_CHUNK);
  EVP_MD_CTX *ctx = NULL;
  struct stat st;
  gint64 done = 0;
  char *hex = NULL;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int saved = errno;

      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot read %s: %s", path, g_strerror (saved));
      goto out;
    }
  ctx = lc_finalize_sha256_new (error);
  if (ctx == NULL)
    goto out;
  for (;;)
    {
      ssize_t n = read (fd, chunk, HASH_CHUNK);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot read %s: %s", path,
                        g_strerror (saved));
          goto out;
        }
      if (n == 0)
        break;
      if (EVP_DigestUpdate (ctx, chunk, (size_t)n) != 1)
        {
          lc_set_error (error, LC_ERROR_INTERNAL, NULL, "SHA-256 failed");
          goto out;
        }
      done += n;
      if (st.st_size > 0)
        lc_finalize_report (
            progress, from + (int)(MIN (done, (gint64)st.st_size) * (to - from) / st.st_size));
    }
  hex = lc_finalize_sha256_hex (ctx, error);
  if (hex != NULL)
    *size = done;

out:
  EVP_MD_CTX_free (ctx);
  if (fd >= 0)
    close (fd);
  return hex;
}

gboolean
lc_recorder_finalize_file (const char *part_path, const char *final_path,
                           const LcRecordingMeta *meta, LcProgressFunc progress,
                           gpointer progress_data, gint64 *duration_ns, gint64 *size,
                           char **video_codec, char **audio_codec, char **sha256_hex,
                           GError **error)
{
  g_autofree char *tmp_path = NULL;
  g_autofree char *scratch_path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *hex = NULL;
  g_autofree char *found_video = NULL;
  g_autofree char *found_audio = NULL;
  g_autoptr (GError) local_error = NULL;
  LcFinalizeProgress reporter = { progress, progress_data, -1 };
  GstClockTime first_ts = GST_CLOCK_TIME_NONE, end_ts = GST_CLOCK_TIME_NONE;
  struct stat st;
  gint64 final_size = 0, fast_duration = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (part_path != NULL && final_path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!gst_is_initialized () && !gst_init_check (NULL, NULL, error))
    return FALSE;
  {
    static gsize once = 0;

    if (g_once_init_enter (&once))
      {
        GST_DEBUG_CATEGORY_INIT (lc_finalize_debug, "lc-finalize", 0,
                                 "lessoncast recording finalizer");
        g_once_init_leave (&once, 1);
      }
  }

  if (g_stat (part_path, &st) != 0)
    {
      int saved = errno;

      if (saved == ENOENT)
        lc_set_error (error, LC_ERROR_NOT_FOUND, NULL, "the recording file is missing");
      else
        lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot examine the recording file: %s",
                      g_strerror (saved));
      return FALSE;
    }
  if (st.st_size == 0)
    {
      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "the recording file is empty");
      return FALSE;
    }

  tmp_path = g_strconcat (final_path, ".tmp", NULL);
  scratch_path = g_strconcat (final_path, ".faststart", NULL);
  dir = g_path_get_dirname (final_path);
  lc_finalize_report (&reporter, 0);

  /* The fast path; the GStreamer remux for a part file it does not understand. */
  if (lc_mp4_rewrite_part (part_path, tmp_path, meta, &reporter, &fast_duration, &final_size,
                           &found_video, &found_audio, &hex, &local_error))
    {
      first_ts = 0;
      end_ts = (GstClockTime)fast_duration;
    }
  else if (!g_error_matches (local_error, LC_ERROR, LC_ERROR_MALFORMED))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      goto out;
    }
  else
    {
      GST_INFO ("finalize %s: %s; remuxing with GStreamer", part_path, local_error->message);
      g_clear_error (&local_error);
      g_unlink (tmp_path);
      if (!lc_finalize_remux (part_path, tmp_path, scratch_path, meta, st.st_size, &reporter,
                              &first_ts, &end_ts, &found_video, &found_audio, error))
        goto out;
      if (found_video == NULL && found_audio == NULL)
        {
          lc_set_error (error, LC_ERROR_INTERNAL, NULL,
                        "the recording file holds no H.264 or Opus media");
          goto out;
        }
      if (!fsync_path (tmp_path, FALSE, error))
        goto out;
    }
  if (!GST_CLOCK_TIME_IS_VALID (first_ts) || end_ts <= first_ts)
    {
      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "the recording file holds no media samples");
      goto out;
    }
  lc_finalize_report (&reporter, LC_FINALIZE_PROGRESS_WRITTEN);

  /* In place, atomically (the temporary file is already on disk). */
  if (g_rename (tmp_path, final_path) != 0)
    {
      int saved = errno;

      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot move the final recording in place: %s",
                    g_strerror (saved));
      goto out;
    }
  if (!fsync_path (dir, TRUE, error))
    goto out;
  lc_finalize_report (&reporter, PROGRESS_IN_PLACE);

  if (hex == NULL)
    {
      hex = hash_file (final_path, &final_size, &reporter, PROGRESS_IN_PLACE, PROGRESS_HASH_END,
                       error);
      if (hex == NULL)
        goto out;
    }
  lc_finalize_report (&reporter, 100);

  if (duration_ns != NULL)
    *duration_ns = (gint64)(end_ts - first_ts);
  if (size != NULL)
    *size = final_size;
  if (video_codec != NULL)
    *video_codec = g_steal_pointer (&found_video);
  if (audio_codec != NULL)
    *audio_codec = g_steal_pointer (&found_audio);
  if (sha256_hex != NULL)
    *sha256_hex = g_steal_pointer (&hex);
  ok = TRUE;

out:
  g_unlink (tmp_path);
  g_unlink (scratch_path);
  return ok;
}
