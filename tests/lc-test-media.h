/* lc-test-media.h — shared media checks for tests: decode a media file (a
 * recording's MP4, an HLS segment's MPEG-TS, …) end to end with GStreamer and
 * measure what the decoders put out; a channel consumer that only counts. */
#pragma once

#include <gst/gst.h>

#include "streamer/lc-consumer.h"

G_BEGIN_DECLS

typedef struct
{
  gboolean have_video, have_audio; /* a decoded stream of that kind was linked */

  guint video_frames;                   /* decoded pictures */
  GstClockTime video_first, video_last; /* PTS of the first and the last picture */
  GstClockTime video_max_gap;           /* longest step between consecutive pictures */
  GstClockTime video_gap_at;            /* where it starts (NONE without a step) */
  int widths[4];                        /* distinct decoded picture widths, in order */
  guint n_widths;

  guint audio_buffers;                  /* decoded buffers */
  GstClockTime audio_first, audio_last; /* PTS of the first buffer, end of the last one */
  GstClockTime audio_time;              /* sum of the decoded durations */
  float audio_peak;                     /* largest absolute sample (as F32) */

  guint backwards; /* buffers without a PTS, or whose PTS did not grow (audio: by > 5 ms) */
} LcTestDecoded;

/* Decode path (MPEG-TS when it ends in ".ts", else MP4) to its end, as fast
 * as it goes, and fill decoded; fails the test on a decoding error or after
 * 60 s. Blocks the calling thread (the default main context's sources wait). */
void lc_test_decode_file (const char *path, LcTestDecoded *decoded);

/* A channel consumer that counts the buffers it is pushed and notes finish:
 * the "other consumer" that must go on while the one under test fails. */
#define LC_TEST_TYPE_COUNTER (lc_test_counter_get_type ())
G_DECLARE_FINAL_TYPE (LcTestCounter, lc_test_counter, LC_TEST, COUNTER, GObject)

LcTestCounter *lc_test_counter_new (void);
/* Buffers pushed so far (any thread). */
guint lc_test_counter_get_pushes (LcTestCounter *counter);
/* finish() was called (main context). */
gboolean lc_test_counter_is_finished (LcTestCounter *counter);

G_END_DECLS
