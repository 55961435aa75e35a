/* lc-finalize-private.h — what the files behind lc_recorder_finalize_file()
 * share (private to recorder/):
 *
 *   lc-recorder-finalize.c  the driver: checks, fast path or fallback,
 *                           atomic rename, fsync, SHA-256, progress
 *   lc-mp4-rewrite.c        the fast path: a box-level rewrite of the part file
 *   lc-finalize-remux.c     the fallback: a GStreamer remux (qtdemux → mp4mux)
 *   lc-recording-tags.c     the lesson's metadata as GStreamer tags and as
 *                           iTunes-style ilst items
 */
#pragma once

#include <gst/gst.h>
#include <openssl/evp.h>

#include "recorder/lc-recorder.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (lc_finalize_debug);

/* Progress (percent) when the output file is written, by either path. */
#define LC_FINALIZE_PROGRESS_WRITTEN 95

/* The progress callback of one finalisation: called only when the percentage grows. */
typedef struct
{
  LcProgressFunc func; /* nullable */
  gpointer data;
  int last_percent;
} LcFinalizeProgress;

void lc_finalize_report (LcFinalizeProgress *progress, int percent);

/* A SHA-256 context (transfer full; EVP_MD_CTX_free), or NULL with an error. */
EVP_MD_CTX *lc_finalize_sha256_new (GError **error);
/* Finish ctx: the digest in lower-case hex (transfer full), or NULL with an error. */
char *lc_finalize_sha256_hex (EVP_MD_CTX *ctx, GError **error);

/* ---- the fast path (lc-mp4-rewrite.c) ---- */

/* Rewrite our own fragmented part file into tmp_path (written, fsync'd) as a
 * faststart MP4 with meta in udta/meta/ilst; hashes what it writes. FALSE with
 * LC_ERROR_MALFORMED for a part file it does not understand (use
 * lc_finalize_remux then); other errors are final. Out parameters are set on
 * success only: the media's duration, the size and SHA-256 of tmp_path and
 * the codecs (transfer full, nullable). */
gboolean lc_mp4_rewrite_part (const char *part_path, const char *tmp_path,
                              const LcRecordingMeta *meta, LcFinalizeProgress *progress,
                              gint64 *duration_ns, gint64 *size, char **video_codec,
                              char **audio_codec, char **sha256_hex, GError **error);

/* ---- the fallback (lc-finalize-remux.c) ---- */

/* Remux part_path (total_bytes long, for progress) into tmp_path with
 * GStreamer, the faststart scratch file at scratch_path, our tags only. On
 * success: the span of the media that reached the muxer (*first_ts, *end_ts;
 * GST_CLOCK_TIME_NONE when none did) and the codecs found (transfer full,
 * nullable: "h264", "opus"). tmp_path is not fsync'd. */
gboolean lc_finalize_remux (const char *part_path, const char *tmp_path, const char *scratch_path,
                            const LcRecordingMeta *meta, gint64 total_bytes,
                            LcFinalizeProgress *progress, GstClockTime *first_ts,
                            GstClockTime *end_ts, char **video_codec, char **audio_codec,
                            GError **error);

/* ---- the lesson's metadata (lc-recording-tags.c) ---- */

/* The muxer's tags for meta (nullable). (transfer full) */
GstTagList *lc_finalize_tags_from_meta (const LcRecordingMeta *meta);

/* One iTunes-style metadata item: a four-character ilst box type (static)
 * and a non-empty UTF-8 value. */
typedef struct
{
  const char *type;
  char *value;
} LcMp4Tag;

/* The ilst items for meta (nullable), in file order; an item without a value
 * is left out. (transfer full) GArray of LcMp4Tag, freeing its values. */
GArray *lc_finalize_ilst_from_meta (const LcRecordingMeta *meta);

G_END_DECLS
