/* lc-mp4-rewrite.c — the fast path of lc_recorder_finalize_file(): a
 * box-level rewrite of the fragmented part file into one faststart MP4.
 *
 * The part file is our own mp4mux output: ftyp, an init moov (sample
 * descriptions, trex defaults), then moof/mdat pairs, one track per moof.
 * The final file is ftyp, a full moov (stts/ctts/stss/stsc/stsz/stco built
 * from the truns, the sample descriptions copied, our tags in udta/meta/ilst)
 * and one mdat holding the same samples in the same order. No sample is
 * parsed: the I/O is one sequential read and one write, hashed on the way,
 * which keeps a 45-minute lesson within about a second (the GStreamer remux,
 * lc-finalize-remux.c, took 3–7 s on a busy 2-core machine). Every read is
 * bounds-checked; a sample cut by a crash (past the end of the file) ends its
 * track there. Whatever this parser does not understand falls back to the
 * remux. H.264 stays avc3 (SPS/PPS in band): every resolution the publisher
 * sent decodes from the one sample description.
 */
#include "recorder/lc-finalize-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
/* The library functions: the inline ones read unaligned words (UBSan). */
#define GST_BYTE_READER_DISABLE_INLINES
#include <gst/base/gstbytereader.h>

#include "common/lc-error.h"

#define MAX_HEADER_BOX (64 * 1024 * 1024) /* moov, moof */
#define MAX_TRACKS 8
#define COPY_BLOCK (4 * 1024 * 1024)
#define WRITE_BUFFER (1024 * 1024)

/* Seconds from 1904-01-01 (the MP4 epoch) to 1970-01-01. */
#define MP4_EPOCH_OFFSET G_GUINT64_CONSTANT (2082844800)

typedef struct
{
  guint64 offset; /* in the part file */
  guint32 size;
  guint32 duration;
  gint32 cto; /* composition time offset */
  gboolean sync;
} Sample;

typedef struct
{
  guint64 src; /* offset in the part file */
  guint64 size;
  guint32 n_samples;
  guint32 track;
  guint64 dst; /* offset in the final file */
} Chunk;

typedef struct
{
  guint32 id;
  guint32 timescale;
  guint16 language;
  guint32 width, height; /* 16.16, from tkhd */
  gboolean audio;
  GBytes *hdlr, *media_header, *dinf, *stsd; /* whole boxes, copied as they are */
  char *codec;
  guint32 def_duration, def_size, def_flags; /* trex */
  guint64 next_dts;
  guint64 first_dts;
  gboolean started;
  gboolean ended;  /* a sample was cut: nothing after it */
  GArray *samples; /* Sample */
  GArray *chunks;  /* Chunk */
  gboolean has_cto, negative_cto, has_non_sync;
} Track;

typedef struct
{
  int fd;
  guint64 file_size;
  guint32 movie_timescale;
  Track tracks[MAX_TRACKS];
  guint n_tracks;
} Parsed;

static void
parsed_clear (Parsed *parsed)
{
  for (guint i = 0; i < parsed->n_tracks; i++)
    {
      Track *track = &parsed->tracks[i];

      g_clear_pointer (&track->hdlr, g_bytes_unref);
      g_clear_pointer (&track->media_header, g_bytes_unref);
      g_clear_pointer (&track->dinf, g_bytes_unref);
      g_clear_pointer (&track->stsd, g_bytes_unref);
      g_clear_pointer (&track->samples, g_array_unref);
      g_clear_pointer (&track->chunks, g_array_unref);
      g_clear_pointer (&track->codec, g_free);
    }
  parsed->n_tracks = 0;
}

/* A structural problem: the caller falls back to the GStreamer remux. */
static gboolean
unsupported (GError **error, const char *what)
{
  lc_set_error (error, LC_ERROR_MALFORMED, NULL, "part file: %s", what);
  return FALSE;
}

static gboolean
read_exact (int fd, guint64 offset, guint8 *data, gsize len, GError **error)
{
  gsize done = 0;

  while (done < len)
    {
      ssize_t n = pread (fd, data + done, len - done, (off_t)(offset + done));

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot read the recording file: %s",
                        n < 0 ? g_strerror (errno) : "unexpected end of file");
          return FALSE;
        }
      done += (gsize)n;
    }
  return TRUE;
}

/* Byte-order helpers that never do an unaligned access (GStreamer's
 * GST_READ_* macros do on x86, which UBSan reports). */
static guint32
be32 (const guint8 *p)
{
  return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

static guint64
be64 (const guint8 *p)
{
  return (guint64)be32 (p) << 32 | be32 (p + 4);
}

static guint32
le32 (const guint8 *p)
{
  return (guint32)p[3] << 24 | (guint32)p[2] << 16 | (guint32)p[1] << 8 | p[0];
}

static void
set_be32 (guint8 *p, guint32 v)
{
  p[0] = (guint8)(v >> 24);
  p[1] = (guint8)(v >> 16);
  p[2] = (guint8)(v >> 8);
  p[3] = (guint8)v;
}

static void
set_be64 (guint8 *p, guint64 v)
{
  set_be32 (p, (guint32)(v >> 32));
  set_be32 (p + 4, (guint32)v);
}

/* The next box inside reader: its type, its payload (a sub-reader) and the
 * whole box (header included). FALSE at the end or on a box that does not fit. */
static gboolean
next_box (GstByteReader *reader, guint32 *type, GstByteReader *payload, const guint8 **box,
          guint *box_len)
{
  guint available = gst_byte_reader_get_remaining (reader);
  const guint8 *head;
  guint64 size;
  guint header = 8;

  if (!gst_byte_reader_peek_data (reader, 8, &head))
    return FALSE;
  size = be32 (head);
  *type = le32 (head + 4);
  if (size == 1)
    {
      if (!gst_byte_reader_peek_data (reader, 16, &head))
        return FALSE;
      size = be64 (head + 8);
      header = 16;
    }
  else if (size == 0)
    size = available;
  if (size < header || size > available)
    return FALSE;
  gst_byte_reader_get_data (reader, (guint)size, &head);
  gst_byte_reader_init (payload, head + header, (guint)size - header);
  if (box != NULL)
    *box = head;
  if (box_len != NULL)
    *box_len = (guint)size;
  return TRUE;
}

#define FOURCC(a, b, c, d) GST_MAKE_FOURCC (a, b, c, d)

/* The first child of type inside reader (a copy of the reader is scanned). */
static gboolean
find_box (const GstByteReader *reader, guint32 wanted, GstByteReader *payload, const guint8 **box,
          guint *box_len)
{
  GstByteReader scan = *reader;
  guint32 type;
  GstByteReader inner;
  const guint8 *data;
  guint len;

  while (next_box (&scan, &type, &inner, &data, &len))
    if (type == wanted)
      {
        *payload = inner;
        if (box != NULL)
          *box = data;
        if (box_len != NULL)
          *box_len = len;
        return TRUE;
      }
  return FALSE;
}

static const char *
codec_of_stsd (GBytes *stsd)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (stsd, &len);
  guint32 fourcc;

  /* header 8, version/flags 4, entry count 4, then the first entry: size 4, type 4. */
  if (len < 24)
    return NULL;
  fourcc = le32 (data + 20);
  if (fourcc == FOURCC ('a', 'v', 'c', '1') || fourcc == FOURCC ('a', 'v', 'c', '3'))
    return "h264";
  if (fourcc == FOURCC ('O', 'p', 'u', 's'))
    return "opus";
  if (fourcc == FOURCC ('m', 'p', '4', 'a'))
    return "aac";
  return NULL;
}

static gboolean
parse_trak (Parsed *parsed, const GstByteReader *trak, GError **error)
{
  GstByteReader tkhd, mdia, mdhd, hdlr, minf, stbl, stsd, media_header, dinf;
  const guint8 *box;
  guint box_len;
  Track *track;
  guint8 version;
  guint32 handler = 0;

  if (parsed->n_tracks >= MAX_TRACKS)
    return unsupported (error, "too many tracks");
  /* Counted at once: parsed_clear frees what a failed parse left. */
  track = &parsed->tracks[parsed->n_tracks++];
  if (!find_box (trak, FOURCC ('t', 'k', 'h', 'd'), &tkhd, NULL, NULL)
      || !find_box (trak, FOURCC ('m', 'd', 'i', 'a'), &mdia, NULL, NULL)
      || !find_box (&mdia, FOURCC ('m', 'd', 'h', 'd'), &mdhd, NULL, NULL)
      || !find_box (&mdia, FOURCC ('m', 'i', 'n', 'f'), &minf, NULL, NULL)
      || !find_box (&minf, FOURCC ('s', 't', 'b', 'l'), &stbl, NULL, NULL))
    return unsupported (error, "a track lacks its headers");

  /* tkhd: version, flags, times, track_ID, …, width and height last. */
  if (!gst_byte_reader_peek_uint8 (&tkhd, &version)
      || !gst_byte_reader_skip (&tkhd, version == 1 ? 4 + 16 : 4 + 8)
      || !gst_byte_reader_get_uint32_be (&tkhd, &track->id)
      || gst_byte_reader_get_remaining (&tkhd) < 8)
    return unsupported (error, "a bad tkhd");
  gst_byte_reader_set_pos (&tkhd, gst_byte_reader_get_size (&tkhd) - 8);
  gst_byte_reader_get_uint32_be (&tkhd, &track->width);
  gst_byte_reader_get_uint32_be (&tkhd, &track->height);

  if (!gst_byte_reader_peek_uint8 (&mdhd, &version)
      || !gst_byte_reader_skip (&mdhd, version == 1 ? 4 + 16 : 4 + 8)
      || !gst_byte_reader_get_uint32_be (&mdhd, &track->timescale)
      || !gst_byte_reader_skip (&mdhd, version == 1 ? 8 : 4)
      || !gst_byte_reader_get_uint16_be (&mdhd, &track->language) || track->timescale == 0)
    return unsupported (error, "a bad mdhd");

  if (!find_box (&mdia, FOURCC ('h', 'd', 'l', 'r'), &hdlr, &box, &box_len)
      || !gst_byte_reader_skip (&hdlr, 8) || !gst_byte_reader_get_uint32_le (&hdlr, &handler))
    return unsupported (error, "a bad hdlr");
  track->hdlr = g_bytes_new (box, box_len);
  if (handler == FOURCC ('s', 'o', 'u', 'n'))
    track->audio = TRUE;
  else if (handler != FOURCC ('v', 'i', 'd', 'e'))
    return unsupported (error, "a track that is neither audio nor video");

  if (!find_box (&minf, track->audio ? FOURCC ('s', 'm', 'h', 'd') : FOURCC ('v', 'm', 'h', 'd'),
                 &media_header, &box, &box_len))
    return unsupported (error, "no media header");
  track->media_header = g_bytes_new (box, box_len);
  if (!find_box (&minf, FOURCC ('d', 'i', 'n', 'f'), &dinf, &box, &box_len))
    return unsupported (error, "no dinf");
  track->dinf = g_bytes_new (box, box_len);
  if (!find_box (&stbl, FOURCC ('s', 't', 's', 'd'), &stsd, &box, &box_len))
    return unsupported (error, "no stsd");
  track->stsd = g_bytes_new (box, box_len);
  track->codec = g_strdup (codec_of_stsd (track->stsd));
  if (track->codec == NULL)
    return unsupported (error, "a codec other than H.264, Opus or AAC");

  track->samples = g_array_new (FALSE, FALSE, sizeof (Sample));
  track->chunks = g_array_new (FALSE, FALSE, sizeof (Chunk));
  return TRUE;
}

static Track *
track_by_id (Parsed *parsed, guint32 id)
{
  for (guint i = 0; i < parsed->n_tracks; i++)
    if (parsed->tracks[i].id == id)
      return &parsed->tracks[i];
  return NULL;
}

static gboolean
parse_moov (Parsed *parsed, const guint8 *data, gsize len, GError **error)
{
  GstByteReader moov, child, mvhd, mvex;
  guint32 type;
  guint8 version;

  gst_byte_reader_init (&moov, data, (guint)len);
  if (!find_box (&moov, FOURCC ('m', 'v', 'h', 'd'), &mvhd, NULL, NULL)
      || !gst_byte_reader_peek_uint8 (&mvhd, &version)
      || !gst_byte_reader_skip (&mvhd, version == 1 ? 4 + 16 : 4 + 8)
      || !gst_byte_reader_get_uint32_be (&mvhd, &parsed->movie_timescale)
      || parsed->movie_timescale == 0)
    return unsupported (error, "a bad mvhd");
  if (!find_box (&moov, FOURCC ('m', 'v', 'e', 'x'), &mvex, NULL, NULL))
    return unsupported (error, "not fragmented");

  while (next_box (&moov, &type, &child, NULL, NULL))
    if (type == FOURCC ('t', 'r', 'a', 'k') && !parse_trak (parsed, &child, error))
      return FALSE;
  if (parsed->n_tracks == 0)
    return unsupported (error, "no tracks");

  while (next_box (&mvex, &type, &child, NULL, NULL))
    {
      guint32 id, index;
      Track *track;

      if (type != FOURCC ('t', 'r', 'e', 'x'))
        continue;
      if (!gst_byte_reader_skip (&child, 4) || !gst_byte_reader_get_uint32_be (&child, &id))
        return unsupported (error, "a bad trex");
      track = track_by_id (parsed, id);
      if (track == NULL)
        continue;
      if (!gst_byte_reader_get_uint32_be (&child, &index)
          || !gst_byte_reader_get_uint32_be (&child, &track->def_duration)
          || !gst_byte_reader_get_uint32_be (&child, &track->def_size)
          || !gst_byte_reader_get_uint32_be (&child, &track->def_flags))
        return unsupported (error, "a bad trex");
    }
  return TRUE;
}

/* sample_is_non_sync_sample (ISO 14496-12 8.8.3.1). */
#define SAMPLE_NON_SYNC 0x00010000

static gboolean
parse_traf (Parsed *parsed, GstByteReader *traf, guint64 moof_offset, guint64 *data_end,
            GError **error)
{
  GstByteReader tfhd, tfdt, trun;
  guint32 type, tf_flags, id, duration, size, flags, value32;
  guint64 base, value64;
  guint8 version;
  Track *track;
  GstByteReader scan;
  gboolean have_base_offset = FALSE;

  if (!find_box (traf, FOURCC ('t', 'f', 'h', 'd'), &tfhd, NULL, NULL)
      || !gst_byte_reader_get_uint32_be (&tfhd, &tf_flags)
      || !gst_byte_reader_get_uint32_be (&tfhd, &id))
    return unsupported (error, "a bad tfhd");
  track = track_by_id (parsed, id);
  if (track == NULL)
    return unsupported (error, "a fragment of an unknown track");
  duration = track->def_duration;
  size = track->def_size;
  flags = track->def_flags;
  base = moof_offset;
  if (tf_flags & 0x000001)
    {
      if (!gst_byte_reader_get_uint64_be (&tfhd, &base))
        return unsupported (error, "a bad tfhd");
      have_base_offset = TRUE;
    }
  if ((tf_flags & 0x000002) && !gst_byte_reader_get_uint32_be (&tfhd, &value32))
    return unsupported (error, "a bad tfhd");
  if ((tf_flags & 0x000008) && !gst_byte_reader_get_uint32_be (&tfhd, &duration))
    return unsupported (error, "a bad tfhd");
  if ((tf_flags & 0x000010) && !gst_byte_reader_get_uint32_be (&tfhd, &size))
    return unsupported (error, "a bad tfhd");
  if ((tf_flags & 0x000020) && !gst_byte_reader_get_uint32_be (&tfhd, &flags))
    return unsupported (error, "a bad tfhd");
  /* Without a base offset or default-base-is-moof, later trafs follow the previous data. */
  if (!have_base_offset && !(tf_flags & 0x020000) && *data_end != 0)
    base = *data_end;

  if (find_box (traf, FOURCC ('t', 'f', 'd', 't'), &tfdt, NULL, NULL))
    {
      if (!gst_byte_reader_get_uint8 (&tfdt, &version) || !gst_byte_reader_skip (&tfdt, 3))
        return unsupported (error, "a bad tfdt");
      if (version == 1 ? !gst_byte_reader_get_uint64_be (&tfdt, &value64)
                       : !gst_byte_reader_get_uint32_be (&tfdt, &value32))
        return unsupported (error, "a bad tfdt");
      track->next_dts = version == 1 ? value64 : value32;
    }
  if (!track->started)
    {
      track->first_dts = track->next_dts;
      track->started = TRUE;
    }

  scan = *traf;
  while (next_box (&scan, &type, &trun, NULL, NULL))
    {
      guint32 tr_flags, count, first_flags = 0;
      gint32 data_offset = 0;
      guint64 offset;
      Chunk chunk = { 0 };

      if (type != FOURCC ('t', 'r', 'u', 'n'))
        continue;
      if (!gst_byte_reader_get_uint8 (&trun, &version)
          || !gst_byte_reader_get_uint24_be (&trun, &tr_flags)
          || !gst_byte_reader_get_uint32_be (&trun, &count))
        return unsupported (error, "a bad trun");
      if ((tr_flags & 0x001) && !gst_byte_reader_get_int32_be (&trun, &data_offset))
        return unsupported (error, "a bad trun");
      if ((tr_flags & 0x004) && !gst_byte_reader_get_uint32_be (&trun, &first_flags))
        return unsupported (error, "a bad trun");
      offset = (tr_flags & 0x001) ? base + (gint64)data_offset : (*data_end ? *data_end : base);
      chunk.src = offset;
      chunk.track = (guint32)(track - parsed->tracks);

      for (guint32 i = 0; i < count; i++)
        {
          Sample sample = { .offset = offset, .size = size, .duration = duration };
          guint32 sample_flags = (i == 0 && (tr_flags & 0x004)) ? first_flags : flags;

          if (((tr_flags & 0x100) && !gst_byte_reader_get_uint32_be (&trun, &sample.duration))
              || ((tr_flags & 0x200) && !gst_byte_reader_get_uint32_be (&trun, &sample.size))
              || ((tr_flags & 0x400) && !gst_byte_reader_get_uint32_be (&trun, &sample_flags))
              || ((tr_flags & 0x800) && !gst_byte_reader_get_int32_be (&trun, &sample.cto)))
            return unsupported (error, "a bad trun");
          sample.sync = !(sample_flags & SAMPLE_NON_SYNC);
          if (track->ended || offset > parsed->file_size
              || sample.size > parsed->file_size - offset)
            {
              /* Cut by a crash: the track ends before this sample. */
              track->ended = TRUE;
              break;
            }
          if (version == 0 && sample.cto < 0)
            return unsupported (error, "a composition offset past 2^31");
          track->has_cto |= sample.cto != 0;
          track->negative_cto |= sample.cto < 0;
          track->has_non_sync |= !sample.sync;
          g_array_append_val (track->samples, sample);
          chunk.n_samples++;
          chunk.size += sample.size;
          offset += sample.size;
          track->next_dts += sample.duration;
        }
      *data_end = offset;
      if (chunk.n_samples > 0)
        g_array_append_val (track->chunks, chunk);
    }
  return TRUE;
}

static gboolean
parse_moof (Parsed *parsed, const guint8 *data, gsize len, guint64 moof_offset, GError **error)
{
  GstByteReader moof, child;
  guint32 type;
  guint64 data_end = 0;

  gst_byte_reader_init (&moof, data, (guint)len);
  while (next_box (&moof, &type, &child, NULL, NULL))
    if (type == FOURCC ('t', 'r', 'a', 'f')
        && !parse_traf (parsed, &child, moof_offset, &data_end, error))
      return FALSE;
  return TRUE;
}

/* Walk the top-level boxes of the part file. */
static gboolean
parse_part (Parsed *parsed, GError **error)
{
  guint64 offset = 0;
  gboolean have_moov = FALSE;

  while (offset + 8 <= parsed->file_size)
    {
      guint8 header[16];
      guint64 size;
      guint32 type;
      guint header_len = 8;

      if (!read_exact (parsed->fd, offset, header, 8, error))
        return FALSE;
      size = be32 (header);
      type = le32 (header + 4);
      if (size == 1)
        {
          if (offset + 16 > parsed->file_size
              || !read_exact (parsed->fd, offset + 8, header + 8, 8, error))
            break;
          size = be64 (header + 8);
          header_len = 16;
        }
      else if (size == 0)
        size = parsed->file_size - offset;
      if (size < header_len)
        return unsupported (error, "a bad box size");
      if (size > parsed->file_size - offset)
        break; /* cut by a crash: samples already listed are checked one by one */

      if (type == FOURCC ('m', 'o', 'o', 'v') || type == FOURCC ('m', 'o', 'o', 'f'))
        {
          g_autofree guint8 *data = NULL;
          gsize len = size - header_len;

          if (size > MAX_HEADER_BOX)
            return unsupported (error, "a header box too large");
          if ((type == FOURCC ('m', 'o', 'o', 'f')) != have_moov)
            return unsupported (error, "boxes out of order");
          data = g_malloc (len);
          if (!read_exact (parsed->fd, offset + header_len, data, len, error))
            return FALSE;
          if (type == FOURCC ('m', 'o', 'o', 'v'))
            {
              if (!parse_moov (parsed, data, len, error))
                return FALSE;
              have_moov = TRUE;
            }
          else if (!parse_moof (parsed, data, len, offset, error))
            return FALSE;
        }
      offset += size;
    }
  if (!have_moov)
    return unsupported (error, "no moov");
  return TRUE;
}

/* ---- writing ---- */

typedef struct
{
  int fd;
  guint8 *buffer;
  gsize len;
  guint64 written;
  EVP_MD_CTX *md;
  int saved_errno; /* 0 unless a write failed */
} Out;

static gboolean
out_flush (Out *out)
{
  gsize done = 0;

  if (out->saved_errno != 0)
    return FALSE;
  while (done < out->len)
    {
      ssize_t n = write (out->fd, out->buffer + done, out->len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          out->saved_errno = errno;
          return FALSE;
        }
      done += (gsize)n;
    }
  out->len = 0;
  return TRUE;
}

static void
out_write (Out *out, const void *data, gsize len)
{
  const guint8 *bytes = data;

  if (out->saved_errno != 0)
    return;
  EVP_DigestUpdate (out->md, data, len);
  out->written += len;
  while (len > 0)
    {
      gsize n = MIN (len, WRITE_BUFFER - out->len);

      memcpy (out->buffer + out->len, bytes, n);
      out->len += n;
      bytes += n;
      len -= n;
      if (out->len == WRITE_BUFFER && !out_flush (out))
        return;
    }
}

/* Box building in a GByteArray. */
static void
put_u8 (GByteArray *b, guint8 v)
{
  g_byte_array_append (b, &v, 1);
}

static void
put_u16 (GByteArray *b, guint16 v)
{
  guint8 d[2] = { (guint8)(v >> 8), (guint8)v };

  g_byte_array_append (b, d, 2);
}

static void
put_u32 (GByteArray *b, guint32 v)
{
  guint8 d[4];

  set_be32 (d, v);
  g_byte_array_append (b, d, 4);
}

static void
put_u64 (GByteArray *b, guint64 v)
{
  guint8 d[8];

  set_be64 (d, v);
  g_byte_array_append (b, d, 8);
}

static void
put_zeros (GByteArray *b, guint n)
{
  for (guint i = 0; i < n; i++)
    put_u8 (b, 0);
}

static void
put_fourcc (GByteArray *b, const char *fourcc)
{
  g_byte_array_append (b, (const guint8 *)fourcc, 4);
}

static void
put_gbytes (GByteArray *b, GBytes *bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  g_byte_array_append (b, data, (guint)len);
}

/* Start a box; its size is patched by box_end. full: version/flags follow. */
static guint
box_begin (GByteArray *b, const char *type, int version, guint32 flags)
{
  guint start = b->len;

  put_u32 (b, 0);
  put_fourcc (b, type);
  if (version >= 0)
    put_u32 (b, (guint32)version << 24 | (flags & 0xffffff));
  return start;
}

static void
box_end (GByteArray *b, guint start)
{
  set_be32 (b->data + start, b->len - start);
}

static void
put_matrix (GByteArray *b)
{
  static const guint32 identity[9] = { 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000 };

  for (guint i = 0; i < 9; i++)
    put_u32 (b, identity[i]);
}

/* One iTunes-style metadata item (ilst child with a UTF-8 data box). */
static void
put_tag (GByteArray *b, const LcMp4Tag *tag)
{
  guint item, data;

  item = box_begin (b, tag->type, -1, 0);
  data = box_begin (b, "data", -1, 0);
  put_u32 (b, 1); /* well-known type: UTF-8 */
  put_u32 (b, 0); /* locale */
  g_byte_array_append (b, (const guint8 *)tag->value, (guint)strlen (tag->value));
  box_end (b, data);
  box_end (b, item);
}

static void
put_udta (GByteArray *b, const LcRecordingMeta *meta)
{
  g_autoptr (GArray) items = lc_finalize_ilst_from_meta (meta);
  guint udta, m, hdlr, ilst;

  udta = box_begin (b, "udta", -1, 0);
  m = box_begin (b, "meta", 0, 0);
  hdlr = box_begin (b, "hdlr", 0, 0);
  put_u32 (b, 0);
  put_fourcc (b, "mdir");
  put_fourcc (b, "appl");
  put_zeros (b, 8);
  put_u8 (b, 0); /* empty name */
  box_end (b, hdlr);
  ilst = box_begin (b, "ilst", -1, 0);
  for (guint i = 0; i < items->len; i++)
    put_tag (b, &g_array_index (items, LcMp4Tag, i));
  box_end (b, ilst);
  box_end (b, m);
  box_end (b, udta);
}

static guint32
sample_field (const Sample *sample, gboolean cto)
{
  return cto ? (guint32)sample->cto : sample->duration;
}

/* An entry count, then (count, value) for each run of samples with the same
 * duration (stts) or composition offset (ctts). */
static void
put_runs (GByteArray *b, const Sample *s, guint n, gboolean cto)
{
  guint count_pos = b->len, count = 0;

  put_u32 (b, 0);
  for (guint i = 0; i < n;)
    {
      guint32 value = sample_field (&s[i], cto);
      guint j = i;

      while (j < n && sample_field (&s[j], cto) == value)
        j++;
      put_u32 (b, j - i);
      put_u32 (b, value);
      count++;
      i = j;
    }
  set_be32 (b->data + count_pos, count);
}

static void
put_stbl (GByteArray *b, const Track *track, gboolean co64)
{
  const Sample *s = (const Sample *)track->samples->data;
  const Chunk *c = (const Chunk *)track->chunks->data;
  guint n = track->samples->len;
  guint stbl, box, count_pos, count;

  stbl = box_begin (b, "stbl", -1, 0);
  put_gbytes (b, track->stsd);

  box = box_begin (b, "stts", 0, 0);
  put_runs (b, s, n, FALSE);
  box_end (b, box);

  if (track->has_cto)
    {
      box = box_begin (b, "ctts", track->negative_cto ? 1 : 0, 0);
      put_runs (b, s, n, TRUE);
      box_end (b, box);
    }

  if (track->has_non_sync)
    {
      box = box_begin (b, "stss", 0, 0);
      count_pos = b->len;
      put_u32 (b, 0);
      count = 0;
      for (guint i = 0; i < n; i++)
        if (s[i].sync)
          {
            put_u32 (b, i + 1);
            count++;
          }
      set_be32 (b->data + count_pos, count);
      box_end (b, box);
    }

  /* stsc: runs of chunks with the same sample count. */
  box = box_begin (b, "stsc", 0, 0);
  count_pos = b->len;
  put_u32 (b, 0);
  count = 0;
  for (guint i = 0; i < track->chunks->len; i++)
    if (i == 0 || c[i].n_samples != c[i - 1].n_samples)
      {
        put_u32 (b, i + 1);
        put_u32 (b, c[i].n_samples);
        put_u32 (b, 1); /* the one sample description */
        count++;
      }
  set_be32 (b->data + count_pos, count);
  box_end (b, box);

  box = box_begin (b, "stsz", 0, 0);
  put_u32 (b, 0);
  put_u32 (b, n);
  for (guint i = 0; i < n; i++)
    put_u32 (b, s[i].size);
  box_end (b, box);

  box = box_begin (b, co64 ? "co64" : "stco", 0, 0);
  put_u32 (b, track->chunks->len);
  for (guint i = 0; i < track->chunks->len; i++)
    if (co64)
      put_u64 (b, c[i].dst);
    else
      put_u32 (b, (guint32)c[i].dst);
  box_end (b, box);
  box_end (b, stbl);
}

static guint64
track_media_duration (const Track *track)
{
  guint64 total = 0;

  for (guint i = 0; i < track->samples->len; i++)
    total += g_array_index (track->samples, Sample, i).duration;
  return total;
}

static GByteArray *
build_moov (const Parsed *parsed, const LcRecordingMeta *meta, gboolean co64)
{
  GByteArray *b = g_byte_array_new ();
  /* The lesson's start, not the time of writing: the same part file always
   * gives the same final file (and SHA-256). */
  guint64 now
      = meta != NULL && meta->starts_at > 0 ? (guint64)meta->starts_at + MP4_EPOCH_OFFSET : 0;
  guint64 movie_duration = 0;
  guint32 next_id = 1;
  guint moov, box;

  for (guint i = 0; i < parsed->n_tracks; i++)
    {
      const Track *t = &parsed->tracks[i];
      guint64 d = gst_util_uint64_scale (t->first_dts + track_media_duration (t),
                                         parsed->movie_timescale, t->timescale);

      movie_duration = MAX (movie_duration, d);
      next_id = MAX (next_id, t->id + 1);
    }

  moov = box_begin (b, "moov", -1, 0);
  box = box_begin (b, "mvhd", 1, 0);
  put_u64 (b, now);
  put_u64 (b, now);
  put_u32 (b, parsed->movie_timescale);
  put_u64 (b, movie_duration);
  put_u32 (b, 0x00010000); /* rate 1.0 */
  put_u16 (b, 0x0100);     /* volume 1.0 */
  put_zeros (b, 10);
  put_matrix (b);
  put_zeros (b, 24);
  put_u32 (b, next_id);
  box_end (b, box);

  for (guint i = 0; i < parsed->n_tracks; i++)
    {
      const Track *t = &parsed->tracks[i];
      guint64 media = track_media_duration (t);
      guint64 offset = gst_util_uint64_scale (t->first_dts, parsed->movie_timescale, t->timescale);
      guint64 duration = gst_util_uint64_scale (media, parsed->movie_timescale, t->timescale);
      guint trak, mdia, minf;

      if (t->samples->len == 0)
        continue;
      trak = box_begin (b, "trak", -1, 0);
      box = box_begin (b, "tkhd", 1, 0x000003); /* enabled, in movie */
      put_u64 (b, now);
      put_u64 (b, now);
      put_u32 (b, t->id);
      put_u32 (b, 0);
      put_u64 (b, offset + duration);
      put_zeros (b, 8);
      put_u16 (b, 0); /* layer */
      put_u16 (b, 0); /* alternate group */
      put_u16 (b, t->audio ? 0x0100 : 0);
      put_u16 (b, 0);
      put_matrix (b);
      put_u32 (b, t->audio ? 0 : t->width);
      put_u32 (b, t->audio ? 0 : t->height);
      box_end (b, box);

      if (offset > 0)
        {
          /* The track started later than the movie: an empty edit first. */
          guint edts = box_begin (b, "edts", -1, 0);

          box = box_begin (b, "elst", 1, 0);
          put_u32 (b, 2);
          put_u64 (b, offset);
          put_u64 (b, G_MAXUINT64); /* media_time -1: empty */
          put_u32 (b, 0x00010000);
          put_u64 (b, duration);
          put_u64 (b, 0);
          put_u32 (b, 0x00010000);
          box_end (b, box);
          box_end (b, edts);
        }

      mdia = box_begin (b, "mdia", -1, 0);
      box = box_begin (b, "mdhd", 1, 0);
      put_u64 (b, now);
      put_u64 (b, now);
      put_u32 (b, t->timescale);
      put_u64 (b, media);
      put_u16 (b, t->language);
      put_u16 (b, 0);
      box_end (b, box);
      put_gbytes (b, t->hdlr);
      minf = box_begin (b, "minf", -1, 0);
      put_gbytes (b, t->media_header);
      put_gbytes (b, t->dinf);
      put_stbl (b, t, co64);
      box_end (b, minf);
      box_end (b, mdia);
      box_end (b, trak);
    }
  put_udta (b, meta);
  box_end (b, moov);
  return b;
}

static int
compare_chunks (gconstpointer a, gconstpointer b)
{
  const Chunk *x = a, *y = b;

  return x->src < y->src ? -1 : x->src > y->src;
}

/* Rewrite the parsed part file into tmp_path (fsync'd). */
static gboolean
write_final (Parsed *parsed, const char *tmp_path, const LcRecordingMeta *meta,
             LcFinalizeProgress *progress, guint64 *size, char **sha256_hex, GError **error)
{
  static const guint8 ftyp[] = { 0, 0, 0,   28,  'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0,   0,
                                 2, 0, 'i', 's', 'o', 'm', 'i', 's', 'o', '2', 'm', 'p', '4', '1' };
  g_autoptr (GArray) order = g_array_new (FALSE, FALSE, sizeof (Chunk));
  g_autoptr (GByteArray) moov = NULL;
  g_autofree guint8 *block = NULL;
  guint64 payload = 0, copied = 0, data_start;
  gboolean co64 = FALSE, large_mdat;
  guint8 mdat_header[16];
  Out out = { 0 };
  gboolean ok = FALSE;

  for (guint i = 0; i < parsed->n_tracks; i++)
    for (guint j = 0; j < parsed->tracks[i].chunks->len; j++)
      {
        g_array_append_val (order, g_array_index (parsed->tracks[i].chunks, Chunk, j));
        payload += g_array_index (parsed->tracks[i].chunks, Chunk, j).size;
      }
  if (payload == 0)
    return unsupported (error, "no samples");
  /* The same interleaving as in the part file. */
  g_array_sort (order, compare_chunks);

  /* Offsets depend on the moov's size, which depends on stco vs co64 only. */
  large_mdat = payload + 8 > G_MAXUINT32;
  moov = build_moov (parsed, meta, FALSE);
  data_start = sizeof ftyp + moov->len + (large_mdat ? 16 : 8);
  if (data_start + payload > G_MAXUINT32)
    {
      co64 = TRUE;
      g_byte_array_unref (moov);
      moov = build_moov (parsed, meta, TRUE);
      data_start = sizeof ftyp + moov->len + (large_mdat ? 16 : 8);
    }
  {
    guint64 at = data_start;
    guint next[MAX_TRACKS] = { 0 };

    for (guint k = 0; k < order->len; k++)
      {
        Chunk *chunk = &g_array_index (order, Chunk, k);
        Track *track = &parsed->tracks[chunk->track];

        chunk->dst = at;
        g_array_index (track->chunks, Chunk, next[chunk->track]++).dst = at;
        at += chunk->size;
      }
  }
  g_byte_array_unref (moov);
  moov = build_moov (parsed, meta, co64);

  out.fd = g_open (tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (out.fd < 0)
    {
      int saved = errno;

      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot create the final recording file: %s",
                    g_strerror (saved));
      return FALSE;
    }
  out.buffer = g_malloc (WRITE_BUFFER);
  out.md = lc_finalize_sha256_new (error);
  if (out.md == NULL)
    goto out;

  out_write (&out, ftyp, sizeof ftyp);
  out_write (&out, moov->data, moov->len);
  if (large_mdat)
    {
      set_be32 (mdat_header, 1);
      memcpy (mdat_header + 4, "mdat", 4);
      set_be64 (mdat_header + 8, payload + 16);
    }
  else
    {
      set_be32 (mdat_header, (guint32)(payload + 8));
      memcpy (mdat_header + 4, "mdat", 4);
    }
  out_write (&out, mdat_header, large_mdat ? 16 : 8);

  block = g_malloc (COPY_BLOCK);
  for (guint k = 0; k < order->len && out.saved_errno == 0; k++)
    {
      const Chunk *chunk = &g_array_index (order, Chunk, k);

      for (guint64 done = 0; done < chunk->size;)
        {
          gsize n = (gsize)MIN (chunk->size - done, (guint64)COPY_BLOCK);

          if (!read_exact (parsed->fd, chunk->src + done, block, n, error))
            goto out;
          out_write (&out, block, n);
          done += n;
        }
      copied += chunk->size;
      lc_finalize_report (progress, (int)(copied * LC_FINALIZE_PROGRESS_WRITTEN / payload));
    }
  if (!out_flush (&out) || fsync (out.fd) != 0)
    {
      int saved = out.saved_errno != 0 ? out.saved_errno : errno;

      if (saved == ENOSPC)
        lc_set_error (error, LC_ERROR_INTERNAL, NULL,
                      "disk full while writing the final recording file");
      else
        lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot write the final recording file: %s",
                      g_strerror (saved));
      goto out;
    }
  *sha256_hex = lc_finalize_sha256_hex (out.md, error);
  if (*sha256_hex == NULL)
    goto out;
  *size = out.written;
  ok = TRUE;

out:
  EVP_MD_CTX_free (out.md);
  g_free (out.buffer);
  close (out.fd);
  return ok;
}

gboolean
lc_mp4_rewrite_part (const char *part_path, const char *tmp_path, const LcRecordingMeta *meta,
                     LcFinalizeProgress *progress, gint64 *duration_ns, gint64 *size,
                     char **video_codec, char **audio_codec, char **sha256_hex, GError **error)
{
  Parsed parsed = { 0 };
  struct stat st;
  guint64 written = 0;
  GstClockTime duration = 0;
  gboolean ok = FALSE;

  parsed.fd = g_open (part_path, O_RDONLY | O_CLOEXEC, 0);
  if (parsed.fd < 0 || fstat (parsed.fd, &st) != 0)
    {
      int saved = errno;

      lc_set_error (error, LC_ERROR_INTERNAL, NULL, "cannot read the recording file: %s",
                    g_strerror (saved));
      if (parsed.fd >= 0)
        close (parsed.fd);
      return FALSE;
    }
  parsed.file_size = (guint64)st.st_size;
  if (!parse_part (&parsed, error))
    goto out;

  for (guint i = 0; i < parsed.n_tracks; i++)
    {
      const Track *t = &parsed.tracks[i];

      if (t->samples->len == 0)
        continue;
      duration = MAX (duration, gst_util_uint64_scale (t->first_dts + track_media_duration (t),
                                                       GST_SECOND, t->timescale));
      if (t->audio && *audio_codec == NULL)
        *audio_codec = g_strdup (t->codec);
      else if (!t->audio && *video_codec == NULL)
        *video_codec = g_strdup (t->codec);
    }
  if (!write_final (&parsed, tmp_path, meta, progress, &written, sha256_hex, error))
    goto out;
  *duration_ns = (gint64)duration;
  *size = (gint64)written;
  ok = TRUE;

out:
  if (!ok)
    {
      g_clear_pointer (video_codec, g_free);
      g_clear_pointer (audio_codec, g_free);
    }
  parsed_clear (&parsed);
  close (parsed.fd);
  return ok;
}
