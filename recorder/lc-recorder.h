/* lc-recorder.h — LcRecorder: a channel consumer that records a lesson while it
 * is live as fragmented MP4 (H.264 and Opus as received, ~1 s fragments, so a
 * crash loses at most about a second), and at the end finalises one playable
 * faststart MP4 carrying the lesson's metadata in its tags, in a worker thread
 * (own GMainContext) with progress in the Recording row
 * (recording → finalizing (progress %) → ready | failed with a reason).
 *
 * Files: <recordings_dir>/<lesson_id>/<recording_id>.part.mp4 while live,
 * <recording_id>.mp4 when ready (the part file is then removed).
 * A publisher gap continues the same recording (the timeline jumps over the gap).
 * Disk full / unwritable: the recorder fails alone (Recording state failed,
 * reason), the lesson goes on, what was written stays.
 */
#pragma once

#include <gio/gio.h>

#include "common/lc-store.h"
#include "streamer/lc-channel.h"

G_BEGIN_DECLS

/* What goes into the file's tags (and the Recording row's metadata). */
typedef struct
{
  const char *title;
  const char *school;
  const char *teacher; /* NULL unless the teacher consented */
  const char *subject;
  gint64 starts_at, ends_at; /* schedule, unix seconds */
} LcRecordingMeta;

#define LC_TYPE_RECORDER (lc_recorder_get_type ())
G_DECLARE_FINAL_TYPE (LcRecorder, lc_recorder, LC, RECORDER, GObject)

/* (transfer none) everything; store must outlive the recorder. */
LcRecorder *lc_recorder_new (LcChannel *channel, LcStore *store, const char *recordings_dir,
                             const char *lesson_id, const LcRecordingMeta *meta);
/* Milliseconds per fragment of the part file (recording.fragment_duration;
 * default 1000): about what a crash loses. Call before lc_recorder_start. */
void lc_recorder_set_fragment_duration (LcRecorder *recorder, guint milliseconds);
/* Insert the Recording row (state recording) and add itself to the channel. */
gboolean lc_recorder_start (LcRecorder *recorder, GError **error);
const char *lc_recorder_get_recording_id (LcRecorder *recorder);

/* Signal "finished" (gboolean ok) on the main context when finalisation is done. */

/* Start-up recovery: every Recording left in state recording/finalizing by a
 * crash is finalised from its part file (or marked failed with a reason).
 * Runs the work in a worker thread; callback on the main context when all are
 * done. */
void lc_recorder_recover_async (LcStore *store, const char *recordings_dir, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
gboolean lc_recorder_recover_finish (GAsyncResult *result, guint *n_recovered, GError **error);

/* Synchronous finalisation of one part file into a faststart MP4 with tags
 * (the worker's job; public for tests and the recovery path). Reports progress
 * 0..100 through progress (nullable, called on the calling thread). Returns the
 * duration (ns), size, codecs and sha256 (hex) through the out parameters. */
typedef void (*LcProgressFunc) (int percent, gpointer user_data);
gboolean lc_recorder_finalize_file (const char *part_path, const char *final_path,
                                    const LcRecordingMeta *meta, LcProgressFunc progress,
                                    gpointer progress_data, gint64 *duration_ns, gint64 *size,
                                    char **video_codec, char **audio_codec, char **sha256_hex,
                                    GError **error);

G_END_DECLS
