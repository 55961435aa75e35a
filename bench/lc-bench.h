/* lc-bench.h — shared helpers of the benchmarks in bench/ (not a library of
 * the daemon): the real `lessoncast serve` as a child process with a temporary
 * data dir and a seeded lesson, /proc accounting of that process, a time stamp
 * drawn into raw video frames as a barcode and read back after decoding, and
 * small statistics. */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

/* ---- the server under test ---- */

typedef struct
{
  char *data_dir; /* temporary, removed by lc_bench_server_stop */
  GSubprocess *proc;
  int pid;
  char *base_url;    /* "http://127.0.0.1:PORT" */
  char *lesson_id;   /* the seeded public lesson (scheduled now) */
  char *publish_key; /* its WHIP key */
} LcBenchServer;

/* Seed a school, a teacher and one public lesson starting now (recording flag
 * = recording) into a fresh data dir, then run `binary serve` on 127.0.0.1:0
 * with ICE on 127.0.0.1, no WHIP/WHEP rate limit and no viewer limit, plus
 * overrides ("group.key=value", NULL-terminated, nullable). Returns once the
 * server prints where it listens. The server's log goes to <data_dir>/server.log. */
LcBenchServer *lc_bench_server_start (const char *binary, gboolean recording,
                                      const char *const *overrides, GError **error);
/* SIGTERM, wait, remove the data dir (kept when LC_BENCH_KEEP is set). */
void lc_bench_server_stop (LcBenchServer *server);

/* GET base_url + path; returns the body (transfer full) or NULL; status
 * (nullable) gets the HTTP status. Synchronous: the server is another process. */
GBytes *lc_bench_http_get (const char *url, guint *status, GError **error);
/* Wait (iterating the default context) until the lesson's status is "live". */
gboolean lc_bench_wait_live (LcBenchServer *server, guint timeout_ms);

/* ---- /proc accounting of a process ---- */

typedef struct
{
  gint64 wall_us; /* monotonic */
  gint64 cpu_us;  /* utime + stime */
  guint threads;
  guint fds;
  double rss_mib;
} LcBenchProc;

gboolean lc_bench_proc_sample (int pid, LcBenchProc *sample);
/* CPU % of one core between two samples. */
double lc_bench_proc_cpu_percent (const LcBenchProc *a, const LcBenchProc *b);

/* ---- the time stamp in the picture ---- */

/* Draw the capture time (wall clock, ms) as 2 rows of 28 black/white blocks
 * (48 bits of time + 8 bits of check) into the top-left of a raw YUV frame. */
void lc_bench_stamp_draw (GstBuffer *buffer, GstCaps *caps, gint64 wall_ms);
/* Read it back from a decoded frame: FALSE when absent or the check fails. */
gboolean lc_bench_stamp_read (GstBuffer *buffer, GstCaps *caps, gint64 *wall_ms);
/* now − stamp in ms for a decoded frame, or -1 without a readable stamp. */
double lc_bench_stamp_age_ms (GstBuffer *buffer, GstCaps *caps);

/* A publisher frame function (LcWebrtcClientFrameFunc) that stamps every
 * frame; user_data: a gint counter of frames (atomic), nullable. */
void lc_bench_stamp_frame (GstBuffer *buffer, GstCaps *caps, gpointer user_data);

/* ---- statistics over a GArray of double ---- */

double lc_bench_quantile (GArray *values, double q); /* sorts; nearest rank; 0 when empty */
double lc_bench_median (GArray *values);             /* sorts; mean of the middle two when even */
double lc_bench_max (GArray *values);
/* "median/p90/max" text, "-" when empty (transfer full). */
char *lc_bench_summary (GArray *values);

/* ---- the publisher ---- */

/* A WHIP publisher for the server's lesson (the C webrtcbin client): moving
 * SMPTE bars at width x height @ fps, x264 at bitrate kbit/s, keyframes only
 * on request (like Chromium), an Opus tone, the wall clock stamped into every
 * frame (stamp: lc_bench_stamp_frame; frames, nullable, counts the frames
 * that reach the encoder, atomically). Started and live, or NULL. */
struct _LcWebrtcClient *lc_bench_publish (LcBenchServer *server, guint width, guint height,
                                          guint fps, guint bitrate, gboolean stamp, gint *frames,
                                          GError **error);

/* ---- misc ---- */

/* This process's CPU time (µs, user + system). */
gint64 lc_bench_self_cpu_us (void);

/* Iterate the default context for ms / until cond or timeout. */
void lc_bench_run_for (guint ms);
gboolean lc_bench_run_until (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms);
/* "nproc N, <CPU model>, load a/b/c" (transfer full). */
char *lc_bench_describe_machine (void);
void lc_bench_raise_fd_limit (void);

G_END_DECLS
