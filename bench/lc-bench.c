/* lc-bench.c — shared helpers of the benchmarks (see lc-bench.h). */
#include "lc-bench.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <gio/gunixoutputstream.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "common/lc-crypto.h"
#include "common/lc-error.h"
#include "common/lc-model.h"
#include "common/lc-password.h"
#include "common/lc-store-sqlite.h"
#include "common/lc-time.h"
#include "lc-test-fs.h"
#include "lc-test-net.h"
#include "lc-webrtc-client.h"

#define STAMP_BITS 56 /* 48 bits of milliseconds + 8 bits of check */
#define STAMP_COLUMNS 28
#define STAMP_ROWS 2
#define STAMP_TIME_MASK ((G_GUINT64_CONSTANT (1) << 48) - 1)
#define LUMA_BLACK 16
#define LUMA_WHITE 235

/* ---- misc ---- */

static gboolean
on_tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

void
lc_bench_run_for (guint ms)
{
  lc_test_run_for (ms);
}

gint64
lc_bench_self_cpu_us (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (gint64)usage.ru_utime.tv_sec * G_USEC_PER_SEC + usage.ru_utime.tv_usec
         + (gint64)usage.ru_stime.tv_sec * G_USEC_PER_SEC + usage.ru_stime.tv_usec;
}

gboolean
lc_bench_run_until (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64)timeout_ms * 1000;
  GSource *tick = g_timeout_source_new (20);
  gboolean ok;

  g_source_set_callback (tick, on_tick, NULL, NULL);
  g_source_attach (tick, NULL);
  while (!(ok = cond (data)) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (tick);
  g_source_unref (tick);
  return ok;
}

char *
lc_bench_describe_machine (void)
{
  g_autofree char *cpuinfo = NULL;
  g_autofree char *loadavg = NULL;
  g_autofree char *model = NULL;

  if (g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL))
    {
      const char *p = strstr (cpuinfo, "model name");

      if (p != NULL && (p = strchr (p, ':')) != NULL)
        {
          const char *end = strchr (p, '\n');

          model
              = g_strstrip (g_strndup (p + 1, end != NULL ? (gsize)(end - p - 1) : strlen (p + 1)));
        }
    }
  if (g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL))
    {
      char *space = strchr (loadavg, ' ');

      /* the first three fields */
      for (int i = 0; i < 2 && space != NULL; i++)
        space = strchr (space + 1, ' ');
      if (space != NULL)
        *space = '\0';
    }
  return g_strdup_printf ("nproc %ld, %s, load average %s", sysconf (_SC_NPROCESSORS_ONLN),
                          model != NULL ? model : "unknown CPU", loadavg != NULL ? loadavg : "?");
}

void
lc_bench_raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

/* ---- statistics ---- */

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? -1 : x > y ? 1 : 0;
}

double
lc_bench_quantile (GArray *values, double q)
{
  guint rank;

  if (values == NULL || values->len == 0)
    return 0;
  g_array_sort (values, compare_double);
  rank = (guint)(q * (double)values->len + 0.999999);
  rank = CLAMP (rank, 1, values->len);
  return g_array_index (values, double, rank - 1);
}

double
lc_bench_median (GArray *values)
{
  if (values == NULL || values->len == 0)
    return 0;
  g_array_sort (values, compare_double);
  if (values->len % 2 == 1)
    return g_array_index (values, double, values->len / 2);
  return (g_array_index (values, double, values->len / 2 - 1)
          + g_array_index (values, double, values->len / 2))
         / 2;
}

double
lc_bench_max (GArray *values)
{
  double max = 0;

  for (guint i = 0; values != NULL && i < values->len; i++)
    max = i == 0 ? g_array_index (values, double, i) : MAX (max, g_array_index (values, double, i));
  return max;
}

char *
lc_bench_summary (GArray *values)
{
  if (values == NULL || values->len == 0)
    return g_strdup ("-");
  return g_strdup_printf ("%.0f/%.0f/%.0f", lc_bench_median (values),
                          lc_bench_quantile (values, 0.9), lc_bench_max (values));
}

/* ---- /proc ---- */

static guint
count_dir (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

gboolean
lc_bench_proc_sample (int pid, LcBenchProc *sample)
{
  g_autofree char *stat_path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *status_path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *fd_path = g_strdup_printf ("/proc/%d/fd", pid);
  g_autofree char *stat = NULL;
  g_autofree char *status = NULL;
  unsigned long utime = 0, stime = 0;
  long ticks = sysconf (_SC_CLK_TCK);
  const char *after, *p;

  memset (sample, 0, sizeof *sample);
  sample->wall_us = g_get_monotonic_time ();
  if (!g_file_get_contents (stat_path, &stat, NULL, NULL)
      || (after = strrchr (stat, ')')) == NULL
      /* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
      || sscanf (after + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime)
             != 2)
    return FALSE;
  sample->cpu_us = (gint64)(utime + stime) * G_USEC_PER_SEC / (ticks > 0 ? ticks : 100);
  if (g_file_get_contents (status_path, &status, NULL, NULL))
    {
      if ((p = strstr (status, "\nThreads:")) != NULL)
        sample->threads = (guint)g_ascii_strtoull (p + strlen ("\nThreads:"), NULL, 10);
      if ((p = strstr (status, "\nVmRSS:")) != NULL)
        sample->rss_mib = (double)g_ascii_strtoull (p + strlen ("\nVmRSS:"), NULL, 10) / 1024.0;
    }
  sample->fds = count_dir (fd_path);
  return TRUE;
}

double
lc_bench_proc_cpu_percent (const LcBenchProc *a, const LcBenchProc *b)
{
  if (b->wall_us <= a->wall_us)
    return 0;
  return 100.0 * (double)(b->cpu_us - a->cpu_us) / (double)(b->wall_us - a->wall_us);
}

/* ---- the server ---- */

static gboolean
seed (LcBenchServer *server, gboolean recording, GError **error)
{
  g_autofree char *db_path = g_build_filename (server->data_dir, "lessoncast.db", NULL);
  g_autoptr (LcStoreSqlite) sqlite = NULL;
  g_autoptr (LcSchool) school = lc_school_new ();
  g_autoptr (LcAccount) teacher = lc_account_new ();
  g_autoptr (LcLesson) lesson = lc_lesson_new ();
  LcStore *store;
  LcKdfParams kdf;
  gint64 now = lc_time_now ();
  g_autofree char *password = lc_secret_new ("pw");

  if ((sqlite = lc_store_sqlite_open (db_path, error)) == NULL)
    return FALSE;
  store = LC_STORE (sqlite);
  if (!lc_store_migrate (store, error))
    return FALSE;

  school->id = lc_id_new ();
  school->name = g_strdup ("Benchmark school");
  school->short_name = g_strdup ("Bench");
  school->district = g_strdup ("Bench");
  school->created_at = school->updated_at = now;
  if (!lc_store_insert_school (store, school, error))
    return FALSE;

  lc_kdf_params_init_default (&kdf);
  kdf.log2_n = 10;
  teacher->id = lc_id_new ();
  teacher->login = g_strdup ("teacher.bench");
  teacher->display_name = g_strdup ("Bench Teacher");
  teacher->role = LC_ROLE_TEACHER;
  teacher->school_id = g_strdup (school->id);
  if ((teacher->password_hash = lc_password_hash (password, &kdf, error)) == NULL)
    return FALSE;
  teacher->created_at = teacher->updated_at = teacher->password_changed_at = now;
  if (!lc_store_insert_account (store, teacher, error))
    return FALSE;

  lesson->id = lc_id_new ();
  lesson->title = g_strdup ("Benchmark lesson");
  lesson->description = g_strdup ("");
  lesson->subject = g_strdup ("Bench");
  lesson->grade = 5;
  lesson->school_id = g_strdup (school->id);
  lesson->teacher_id = g_strdup (teacher->id);
  lesson->starts_at = now;
  lesson->ends_at = now + 3 * 3600;
  lesson->visibility = LC_VISIBILITY_PUBLIC;
  lesson->recording = recording;
  lesson->status = LC_LESSON_SCHEDULED;
  lesson->publish_key = lc_secret_new ("lpk");
  lesson->created_at = lesson->updated_at = now;
  if (!lc_store_insert_lesson (store, lesson, error))
    return FALSE;
  server->lesson_id = g_strdup (lesson->id);
  server->publish_key = g_strdup (lesson->publish_key);
  return TRUE;
}

LcBenchServer *
lc_bench_server_start (const char *binary, gboolean recording, const char *const *overrides,
                       GError **error)
{
  LcBenchServer *server = g_new0 (LcBenchServer, 1);
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDataInputStream) out = NULL;
  g_autofree char *log_path = NULL;
  g_autoptr (GOutputStream) null_out = NULL;
  int null_fd;

  server->data_dir = g_dir_make_tmp ("lc-bench-XXXXXX", error);
  if (server->data_dir == NULL || !seed (server, recording, error))
    goto fail;

  log_path = g_build_filename (server->data_dir, "server.log", NULL);
  g_subprocess_launcher_set_stderr_file_path (launcher, log_path);
  g_ptr_array_add (argv, g_strdup (binary));
  g_ptr_array_add (argv, g_strdup ("serve"));
  g_ptr_array_add (argv, g_strdup ("--data-dir"));
  g_ptr_array_add (argv, g_strdup (server->data_dir));
  {
    const char *defaults[] = { "server.listen=127.0.0.1:0",
                               "webrtc.addresses=127.0.0.1",
                               "whip.rate_limit=10000",
                               "webrtc.max_viewers=0",
                               "auth.kdf_cost=10",
                               "log.level=warning",
                               NULL };

    for (guint i = 0; defaults[i] != NULL; i++)
      {
        g_ptr_array_add (argv, g_strdup ("--set"));
        g_ptr_array_add (argv, g_strdup (defaults[i]));
      }
  }
  g_ptr_array_add (argv, g_strdup ("--set"));
  g_ptr_array_add (argv,
                   g_strdup (recording ? "recording.enabled=true" : "recording.enabled=false"));
  for (guint i = 0; overrides != NULL && overrides[i] != NULL; i++)
    {
      g_ptr_array_add (argv, g_strdup ("--set"));
      g_ptr_array_add (argv, g_strdup (overrides[i]));
    }
  g_ptr_array_add (argv, NULL);
  server->proc = g_subprocess_launcher_spawnv (launcher, (const char *const *)argv->pdata, error);
  if (server->proc == NULL)
    goto fail;
  server->pid = (int)g_ascii_strtoll (g_subprocess_get_identifier (server->proc), NULL, 10);

  /* stdout: the first-start operator line, then "listening on URL". */
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->proc));
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, error);
      const char *p;

      if (line == NULL)
        {
          if (error != NULL && *error == NULL)
            g_set_error (error, LC_ERROR, LC_ERROR_INTERNAL,
                         "lessoncast exited before listening (see %s)", log_path);
          goto fail;
        }
      if ((p = strstr (line, "listening on ")) != NULL)
        {
          server->base_url = g_strdup (p + strlen ("listening on "));
          break;
        }
    }
  /* Whatever it prints later goes to /dev/null, so that a full pipe never
   * blocks it. */
  null_fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null_fd >= 0)
    {
      null_out = g_unix_output_stream_new (null_fd, TRUE);
      g_output_stream_splice_async (null_out, G_INPUT_STREAM (out),
                                    G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, G_PRIORITY_LOW, NULL, NULL,
                                    NULL);
    }
  return server;

fail:
  lc_bench_server_stop (server);
  return NULL;
}

void
lc_bench_server_stop (LcBenchServer *server)
{
  if (server == NULL)
    return;
  if (server->proc != NULL)
    {
      g_subprocess_send_signal (server->proc, SIGTERM);
      g_subprocess_wait (server->proc, NULL, NULL);
      g_clear_object (&server->proc);
    }
  if (server->data_dir != NULL && g_getenv ("LC_BENCH_KEEP") == NULL)
    {
      g_autoptr (GError) error = NULL;

      if (!lc_test_fs_remove_tree (server->data_dir, &error))
        g_warning ("cannot remove %s: %s", server->data_dir, error->message);
    }
  else if (server->data_dir != NULL)
    g_printerr ("bench: kept %s\n", server->data_dir);
  g_free (server->data_dir);
  g_free (server->base_url);
  g_free (server->lesson_id);
  g_free (server->publish_key);
  g_free (server);
}

GBytes *
lc_bench_http_get (const char *url, guint *status, GError **error)
{
  g_autoptr (GProxyResolver) direct = g_simple_proxy_resolver_new (NULL, NULL);
  g_autoptr (SoupSession) session
      = soup_session_new_with_options ("timeout", 10, "proxy-resolver", direct, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  GBytes *body;

  if (msg == NULL)
    {
      g_set_error (error, LC_ERROR, LC_ERROR_INVALID, "bad URL %s", url);
      return NULL;
    }
  body = soup_session_send_and_read (session, msg, NULL, error);
  if (status != NULL)
    *status = soup_message_get_status (msg);
  return body;
}

gboolean
lc_bench_wait_live (LcBenchServer *server, guint timeout_ms)
{
  g_autofree char *url
      = g_strdup_printf ("%s/api/v1/lessons/%s", server->base_url, server->lesson_id);
  gint64 end = g_get_monotonic_time () + (gint64)timeout_ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_autoptr (GBytes) body = lc_bench_http_get (url, NULL, NULL);
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonNode *root;

      if (body != NULL
          && json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
                                         (gssize)g_bytes_get_size (body), NULL)
          && (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root)
          && g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (root),
                                                                    "status", ""),
                        "live")
                 == 0)
        return TRUE;
      lc_bench_run_for (200);
    }
  return FALSE;
}

LcWebrtcClient *
lc_bench_publish (LcBenchServer *server, guint width, guint height, guint fps, guint bitrate,
                  gboolean stamp, gint *frames, GError **error)
{
  g_autofree char *whip = g_strdup_printf ("%s/whip/%s", server->base_url, server->lesson_id);
  LcWebrtcClientOptions options = { 0 };
  LcWebrtcClient *publisher;

  options.role = LC_CLIENT_PUBLISHER;
  options.url = whip;
  options.bearer = server->publish_key;
  options.width = width;
  options.height = height;
  options.fps = fps;
  options.video_bitrate = bitrate;
  options.video_pattern = "pattern=smpte horizontal-speed=8";
  options.frame_func = stamp ? lc_bench_stamp_frame : NULL;
  options.frame_data = frames;
  publisher = lc_webrtc_client_new (&options);
  if (!lc_webrtc_client_start (publisher, 30000, NULL, error))
    {
      lc_webrtc_client_free (publisher);
      return NULL;
    }
  if (!lc_bench_wait_live (server, 20000))
    {
      g_set_error (error, LC_ERROR, LC_ERROR_INTERNAL, "the lesson did not go live");
      lc_webrtc_client_delete (publisher, 10000);
      lc_webrtc_client_free (publisher);
      return NULL;
    }
  return publisher;
}

/* ---- the stamp ---- */

static guint
stamp_block (guint width, guint height)
{
  guint block = (width / (STAMP_COLUMNS + 2)) & ~3u;

  block = MIN (block, 32);
  while (block > 4 && block * (STAMP_ROWS + 2) > height)
    block -= 4;
  return block;
}

static guint64
stamp_word (gint64 wall_ms)
{
  guint64 t = (guint64)wall_ms & STAMP_TIME_MASK;
  guint8 check = 0x5a;

  for (int i = 0; i < 6; i++)
    check = (guint8)(check + (guint8)(t >> (8 * i)) * (guint8)(2 * i + 1));
  return (t << 8) | check;
}

void
lc_bench_stamp_draw (GstBuffer *buffer, GstCaps *caps, gint64 wall_ms)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  guint64 word = stamp_word (wall_ms);
  guint block;

  if (!gst_video_info_from_caps (&info, caps) || !GST_VIDEO_INFO_IS_YUV (&info))
    return;
  block = stamp_block (GST_VIDEO_INFO_WIDTH (&info), GST_VIDEO_INFO_HEIGHT (&info));
  if (block < 4 || !gst_video_frame_map (&frame, &info, buffer, GST_MAP_WRITE))
    return;
  for (guint bit = 0; bit < STAMP_BITS; bit++)
    {
      guint x0 = block * (1 + bit % STAMP_COLUMNS), y0 = block * (1 + bit / STAMP_COLUMNS);
      guint8 luma = (word >> (STAMP_BITS - 1 - bit)) & 1 ? LUMA_WHITE : LUMA_BLACK;
      guint8 *y_plane = GST_VIDEO_FRAME_PLANE_DATA (&frame, 0);
      int y_stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);

      for (guint y = y0; y < y0 + block; y++)
        memset (y_plane + (gsize)y * (gsize)y_stride + x0, luma, block);
      /* Grey chroma for planar 4:2:0 (what the encoders get). */
      if (GST_VIDEO_INFO_FORMAT (&info) == GST_VIDEO_FORMAT_I420
          || GST_VIDEO_INFO_FORMAT (&info) == GST_VIDEO_FORMAT_YV12)
        for (guint p = 1; p < 3; p++)
          {
            guint8 *plane = GST_VIDEO_FRAME_PLANE_DATA (&frame, p);
            int stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, p);

            for (guint y = y0 / 2; y < (y0 + block) / 2; y++)
              memset (plane + (gsize)y * (gsize)stride + x0 / 2, 128, block / 2);
          }
    }
  gst_video_frame_unmap (&frame);
}

gboolean
lc_bench_stamp_read (GstBuffer *buffer, GstCaps *caps, gint64 *wall_ms)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  guint64 word = 0;
  guint block, half;

  if (!gst_video_info_from_caps (&info, caps) || !GST_VIDEO_INFO_IS_YUV (&info))
    return FALSE;
  block = stamp_block (GST_VIDEO_INFO_WIDTH (&info), GST_VIDEO_INFO_HEIGHT (&info));
  if (block < 4 || !gst_video_frame_map (&frame, &info, buffer, GST_MAP_READ))
    return FALSE;
  half = block / 4; /* sample the centre half of each block */
  for (guint bit = 0; bit < STAMP_BITS; bit++)
    {
      guint cx = block * (1 + bit % STAMP_COLUMNS) + block / 2;
      guint cy = block * (1 + bit / STAMP_COLUMNS) + block / 2;
      const guint8 *y_plane = GST_VIDEO_FRAME_PLANE_DATA (&frame, 0);
      int y_stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
      guint sum = 0, n = 0;

      for (guint y = cy - half; y < cy + half; y++)
        for (guint x = cx - half; x < cx + half; x++)
          {
            sum += y_plane[(gsize)y * (gsize)y_stride + x];
            n++;
          }
      word = (word << 1) | (n > 0 && sum / n > (LUMA_BLACK + LUMA_WHITE) / 2 ? 1 : 0);
    }
  gst_video_frame_unmap (&frame);
  if (stamp_word ((gint64)(word >> 8)) != word)
    return FALSE;
  *wall_ms = (gint64)(word >> 8);
  return TRUE;
}

double
lc_bench_stamp_age_ms (GstBuffer *buffer, GstCaps *caps)
{
  gint64 stamp;
  gint64 now = (g_get_real_time () / 1000) & (gint64)STAMP_TIME_MASK;

  if (!lc_bench_stamp_read (buffer, caps, &stamp))
    return -1;
  return (double)(now - stamp);
}

void
lc_bench_stamp_frame (GstBuffer *buffer, GstCaps *caps, gpointer user_data)
{
  lc_bench_stamp_draw (buffer, caps, g_get_real_time () / 1000);
  if (user_data != NULL)
    g_atomic_int_inc ((gint *)user_data);
}
