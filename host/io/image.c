/*
 * PNG and PGM/PPM decoding and encoding (see image.h). libpng reports
 * errors by longjmp to the caller's setjmp; its messages are caught in the
 * job's buffer and turned into one line of the caller's io_error, and its
 * warnings are
 * dropped (a conversion must not print). Every size a header claims is
 * checked against the bytes present before it is allocated, so a lying
 * header fails fast instead of asking for gigabytes.
 */
#include "image.h"

#include "io.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Deflate expands at most about 1032:1; a PNG whose header promises more
 * pixel bytes than that from its size is lying or cut short. */
#define PNG_MAX_RATIO 1032

/* zlib's level for PNG output. libpng's default (6) spent 2.5 s of a 2.9 s
 * run deflating a blurred 2048x2048 RGB image on the project machine; level
 * 3 ran the whole job in 1.15 s for an 11% larger file (5.8 MB, not 5.2). */
#define PNG_DEFLATE_LEVEL 3

/* Larger sides are surely corrupt headers; PNG allows 2^31-1. */
#define IMAGE_MAX_SIDE (1u << 24)

static double sample(const real_array *a, size_t i)
{
    return real_array_get(a, i);
}

/* Allocates out's float64 planes for a decoded image. */
static int alloc_planes(image *out, int channels, size_t rows, size_t cols, const char *name,
                        io_error *err)
{
    size_t shape[3] = {(size_t)channels, rows, cols};
    out->channels = channels;
    out->alpha = channels == 2 || channels == 4;
    return real_array_alloc(&out->planes, CLCONV_F64, 3, shape, name, err);
}

/* ---- PNM --------------------------------------------------------------- */

typedef struct pnm_reader {
    const unsigned char *p, *end;
    const char *name;
    const char *kind;   /* "PGM" or "PPM", for messages */
} pnm_reader;

/* Skips white space and '#' comments, which may stand between any two
 * header fields (and between ASCII samples). */
static void pnm_skip(pnm_reader *r)
{
    while (r->p < r->end) {
        if (*r->p == '#') {
            while (r->p < r->end && *r->p != '\n') r->p++;
        } else if (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r' ||
                   *r->p == '\v' || *r->p == '\f') {
            r->p++;
        } else {
            return;
        }
    }
}

/* A decimal number from 0 to max; -1 with nothing consumed when there is
 * none, -2 when it exceeds max. */
static int pnm_number(pnm_reader *r, unsigned long max, unsigned long *v)
{
    pnm_skip(r);
    if (r->p == r->end || *r->p < '0' || *r->p > '9') return -1;
    unsigned long x = 0;
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
        x = x * 10 + (unsigned long)(*r->p++ - '0');
        if (x > max) return -2;
    }
    *v = x;
    return 0;
}

static int pnm_header_field(pnm_reader *r, const char *field, unsigned long lo, unsigned long hi,
                            unsigned long *v, io_error *err)
{
    int s = pnm_number(r, hi, v);
    if (s == -1) {
        if (r->p == r->end) return io_fail(err, CLCONV_EFORMAT, "%s: truncated %s header (no %s)",
                                           r->name, r->kind, field);
        return io_fail(err, CLCONV_EFORMAT, "%s: bad %s header: %s is not a number", r->name,
                       r->kind, field);
    }
    if (s == -2 || *v < lo) {
        return io_fail(err, CLCONV_EFORMAT, "%s: bad %s header: %s must be from %lu to %lu",
                       r->name, r->kind, field, lo, hi);
    }
    return 0;
}

static int decode_pnm(const unsigned char *data, size_t size, const char *name,
                      size_t max_elements, image *out, io_error *err)
{
    char magic = (char)data[1];
    int ascii = magic == '2' || magic == '3';
    int channels = magic == '3' || magic == '6' ? 3 : 1;
    pnm_reader r = {data + 2, data + size, name, channels == 3 ? "PPM" : "PGM"};
    unsigned long cols, rows, maxval;
    IO_FORWARD(pnm_header_field(&r, "width", 1, IMAGE_MAX_SIDE, &cols, err));
    IO_FORWARD(pnm_header_field(&r, "height", 1, IMAGE_MAX_SIDE, &rows, err));
    IO_FORWARD(pnm_header_field(&r, "maxval", 1, 65535, &maxval, err));
    size_t count = (size_t)cols * rows * (size_t)channels;
    if (max_elements && count > max_elements) {
        return io_fail(err, CLCONV_EOVERFLOW,
                        "%s: a %lux%lu image with %d channels is %zu elements, over the limit of "
                       "%zu", name, cols, rows, channels, count, max_elements);
    }
    size_t bytes = maxval > 255 ? 2 : 1;
    size_t left;
    if (!ascii) {
        /* Exactly one white-space byte separates maxval from the samples. */
        if (r.p == r.end) return io_fail(err, CLCONV_EFORMAT,
                                         "%s: truncated %s file (no image data)", name, r.kind);
        if (!isspace(*r.p)) {
            return io_fail(err, CLCONV_EFORMAT,
                           "%s: bad %s header: maxval must end in a white-space byte", name,
                           r.kind);
        }
        r.p++;
        left = (size_t)(r.end - r.p);
        if (left < count * bytes) {
            return io_fail(err, CLCONV_EFORMAT,
                            "%s: truncated %s file (%lux%lu, maxval %lu needs %zu data bytes, the "
                           "file has %zu)", name, r.kind, cols, rows, maxval, count * bytes, left);
        }
        if (left > count * bytes) {
            return io_fail(err, CLCONV_EFORMAT,
                            "%s: %zu unexpected bytes after the %s image data (the header says "
                           "%lux%lu)", name, left - count * bytes, r.kind, cols, rows);
        }
    } else if ((size_t)(r.end - r.p) < count) {
        /* Every ASCII sample takes at least one byte. */
        return io_fail(err, CLCONV_EFORMAT,
                        "%s: truncated %s file (%lux%lu needs %zu samples, the file has fewer "
                       "bytes)", name, r.kind, cols, rows, count);
    }
    IO_FORWARD(alloc_planes(out, channels, rows, cols, name, err));
    double *planes = out->planes.data;
    size_t plane = (size_t)rows * cols;
    for (size_t i = 0; i < count; i++) {
        unsigned long v;
        if (ascii) {
            int s = pnm_number(&r, 65535, &v);
            if (s == -1) {
                image_free(out);
                if (r.p == r.end) {
                    return io_fail(err, CLCONV_EFORMAT,
                                   "%s: truncated %s file (sample %zu of %zu missing)", name,
                                   r.kind, i + 1, count);
                }
                return io_fail(err, CLCONV_EFORMAT, "%s: bad %s data: sample %zu is not a number",
                               name, r.kind, i + 1);
            }
            if (s == -2) v = 65536;
        } else {
            v = bytes == 1 ? r.p[i] : (unsigned long)r.p[2 * i] << 8 | r.p[2 * i + 1];
        }
        if (v > maxval) {
            image_free(out);
            return io_fail(err, CLCONV_EFORMAT, "%s: bad %s data: sample %zu exceeds maxval %lu",
                           name, r.kind, i + 1, maxval);
        }
        /* Samples interleave the channels of a pixel; planes separate them. */
        planes[(i % (size_t)channels) * plane + i / (size_t)channels] = (double)v;
    }
    if (ascii) {
        pnm_skip(&r);
        if (r.p != r.end) {
            image_free(out);
            return io_fail(err, CLCONV_EFORMAT,
                           "%s: unexpected text after the %s image data (the header says %lux%lu)",
                           name, r.kind, cols, rows);
        }
    }
    out->maxval = (unsigned)maxval;
    return 0;
}

/* ---- PNG --------------------------------------------------------------- */

/* What libpng's callbacks share with the caller: the bytes being read or
 * the stream being written, the error message, and buffers to free when
 * libpng jumps out. */
typedef struct png_job {
    const unsigned char *data;
    size_t size, pos;
    size_t max_elements;  /* 0: no limit */
    int truncated, over_limit;
    FILE *f;
    char msg[200];
    unsigned char *pixels;
    png_bytep *rows;
} png_job;

static void png_on_error(png_structp png, png_const_charp msg)
{
    png_job *job = png_get_error_ptr(png);
    if (msg != job->msg) snprintf(job->msg, sizeof job->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static void png_read_mem(png_structp png, png_bytep out, size_t n)
{
    png_job *job = png_get_io_ptr(png);
    if (n > job->size - job->pos) {
        job->truncated = 1;
        png_error(png, "data end early");
    }
    memcpy(out, job->data + job->pos, n);
    job->pos += n;
}

static void png_write_stream(png_structp png, png_bytep data, size_t n)
{
    png_job *job = png_get_io_ptr(png);
    if (fwrite(data, 1, n, job->f) != n) png_error(png, strerror(errno));
}

static void png_flush_stream(png_structp png)
{
    (void)png;
}

/* Runs libpng over job->data into job->pixels/rows; fills the geometry. */
static int png_read_pixels(png_job *job, const char *name, png_uint_32 *cols, png_uint_32 *rows,
                           int *channels, int *depth, io_error *err)
{
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, job, png_on_error,
                                             png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return io_fail(err, CLCONV_ENOMEM, "%s: out of memory", name);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        if (job->truncated) {
            return io_fail(err, CLCONV_EFORMAT, "%s: truncated PNG file (%zu bytes)", name,
                           job->size);
        }
        if (job->over_limit) return io_fail(err, CLCONV_EOVERFLOW, "%s: %s", name, job->msg);
        return io_fail(err, CLCONV_EFORMAT, "%s: bad PNG file: %s", name, job->msg);
    }
    png_set_read_fn(png, job, png_read_mem);
    png_read_info(png, info);
    int color = png_get_color_type(png, info);
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) < 8) {
        png_set_expand_gray_1_2_4_to_8(png);
    }
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    *cols = png_get_image_width(png, info);
    *rows = png_get_image_height(png, info);
    *channels = png_get_channels(png, info);
    *depth = png_get_bit_depth(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    /* The declared size is checked before anything of that size is made:
     * a small file can declare a huge image. */
    const size_t elements = (size_t)*cols * *rows * (size_t)*channels;
    if (job->max_elements && elements > job->max_elements) {
        job->over_limit = 1;
        snprintf(job->msg, sizeof job->msg,
                 "a %lux%lu image with %d channels is %zu elements, over the limit of %zu",
                 (unsigned long)*cols, (unsigned long)*rows, *channels, elements,
                 job->max_elements);
        png_error(png, job->msg);
    }
    if (*cols > IMAGE_MAX_SIDE || *rows > IMAGE_MAX_SIDE ||
        row_bytes * *rows / PNG_MAX_RATIO > job->size) {
        png_error(png, "the header's size is more than the file can hold");
    }
    job->pixels = malloc(row_bytes * *rows);
    job->rows = malloc(*rows * sizeof *job->rows);
    if (!job->pixels || !job->rows) png_error(png, "out of memory");
    for (png_uint_32 r = 0; r < *rows; r++) job->rows[r] = job->pixels + r * row_bytes;
    png_read_image(png, job->rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    return 0;
}

static int decode_png(const unsigned char *data, size_t size, const char *name,
                      size_t max_elements, image *out, io_error *err)
{
    png_job job = {data, size, 0, max_elements, 0, 0, NULL, "", NULL, NULL};
    png_uint_32 cols, rows;
    int channels, depth;
    int status = png_read_pixels(&job, name, &cols, &rows, &channels, &depth, err);
    if (status == 0) status = alloc_planes(out, channels, rows, cols, name, err);
    if (status == 0) {
        double *planes = out->planes.data;
        size_t plane = (size_t)rows * cols;
        for (size_t r = 0; r < rows; r++) {
            const unsigned char *p = job.rows[r];
            for (size_t i = 0; i < cols * (size_t)channels; i++) {
                /* 16-bit PNG samples are big-endian. */
                double v = depth == 16 ? (p[2 * i] << 8 | p[2 * i + 1]) : p[i];
                size_t c = i % (size_t)channels;
                planes[c * plane + r * cols + i / (size_t)channels] = v;
            }
        }
        out->maxval = depth == 16 ? 65535 : 255;
    }
    free(job.pixels);
    free(job.rows);
    return status;
}

/* ---- decoding ---------------------------------------------------------- */

int image_decode(const void *data, size_t size, image_kind kind, const char *name,
                 size_t max_elements, image *out, io_error *err)
{
    memset(out, 0, sizeof *out);
    const unsigned char *p = data;
    int is_png = size >= 8 && png_sig_cmp(p, 0, 8) == 0;
    int is_pnm = size >= 2 && p[0] == 'P' && p[1] >= '2' && p[1] <= '6' && p[1] != '4';
    if (size == 0) return io_fail(err, CLCONV_EFORMAT, "%s: empty file, not an image", name);
    if (kind == IMAGE_PNG && !is_png) return io_fail(err, CLCONV_EFORMAT,
                                                     "%s: not a PNG file (bad signature)", name);
    if ((kind == IMAGE_PGM || kind == IMAGE_PPM) && !is_pnm) {
        return io_fail(err, CLCONV_EFORMAT, "%s: not a PGM/PPM file (need magic P2, P3, P5 or P6)",
                       name);
    }
    if (is_png) return decode_png(p, size, name, max_elements, out, err);
    if (is_pnm) return decode_pnm(p, size, name, max_elements, out, err);
    return io_fail(err, CLCONV_EFORMAT, "%s: not a PNG, PGM or PPM image", name);
}

void image_free(image *img)
{
    real_array_free(&img->planes);
}

/* ---- encoding ---------------------------------------------------------- */

/* How samples become integers: v * gain + offset per channel, rounded and
 * clamped to 0..top. */
typedef struct quantizer {
    double gain[4], offset[4];
    unsigned top;
} quantizer;

static void quantizer_init(quantizer *q, const image *img, unsigned top, int normalize)
{
    q->top = top;
    int colour = img->channels - img->alpha;
    size_t plane = img->planes.count / (size_t)img->channels;
    double lo = 0.0, hi = 0.0;
    if (normalize) {
        lo = hi = sample(&img->planes, 0);
        for (size_t i = 1; i < plane * (size_t)colour; i++) {
            double v = sample(&img->planes, i);
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    }
    for (int c = 0; c < img->channels; c++) {
        if (normalize && c < colour) {
            q->gain[c] = hi > lo ? top / (hi - lo) : 0.0;
            q->offset[c] = -lo * q->gain[c];
        } else {
            q->gain[c] = (double)top / img->maxval;
            q->offset[c] = 0.0;
        }
    }
}

static unsigned quantize(const quantizer *q, int c, double v)
{
    double x = v * q->gain[c] + q->offset[c];
    if (!(x > 0.0)) return 0;
    if (x >= q->top) return q->top;
    return (unsigned)floor(x + 0.5);
}

/* Fills row r of the output, channels 0..n-1 interleaved, as 1- or 2-byte
 * big-endian samples (the byte order of both PNG and PNM). */
static void pack_row(const image *img, const quantizer *q, size_t r, int n, unsigned char *out)
{
    size_t cols = img->planes.shape[2], plane = img->planes.count / (size_t)img->channels;
    int wide = q->top > 255;
    for (size_t x = 0; x < cols; x++) {
        for (int c = 0; c < n; c++) {
            unsigned v = quantize(q, c, sample(&img->planes, c * plane + r * cols + x));
            size_t at = x * (size_t)n + (size_t)c;
            if (wide) {
                out[2 * at] = (unsigned char)(v >> 8);
                out[2 * at + 1] = (unsigned char)v;
            } else {
                out[at] = (unsigned char)v;
            }
        }
    }
}

static int encode_pnm(FILE *f, const char *name, const image *img, int normalize, io_error *err)
{
    quantizer q;
    quantizer_init(&q, img, img->maxval, normalize);
    int n = img->channels - img->alpha;
    size_t rows = img->planes.shape[1], cols = img->planes.shape[2];
    size_t row_bytes = cols * (size_t)n * (img->maxval > 255 ? 2 : 1);
    unsigned char *row = malloc(row_bytes);
    if (!row) return io_fail(err, CLCONV_ENOMEM, "%s: out of memory", name);
    int ok = fprintf(f, "P%c\n%zu %zu\n%u\n", n == 1 ? '5' : '6', cols, rows, img->maxval) > 0;
    for (size_t r = 0; ok && r < rows; r++) {
        pack_row(img, &q, r, n, row);
        ok = fwrite(row, 1, row_bytes, f) == row_bytes;
    }
    free(row);
    if (!ok) return io_fail(err, CLCONV_EIO, "%s: write failed: %s", name, strerror(errno));
    return 0;
}

static int encode_png(FILE *f, const char *name, const image *img, int normalize, io_error *err)
{
    static const int color_types[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                      PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    size_t rows = img->planes.shape[1], cols = img->planes.shape[2];
    if (rows > IMAGE_MAX_SIDE || cols > IMAGE_MAX_SIDE) {
        return io_fail(err, CLCONV_EOVERFLOW, "%s: %zux%zu is too large for a PNG image", name,
                       cols, rows);
    }
    quantizer q;
    quantizer_init(&q, img, img->maxval > 255 ? 65535 : 255, normalize);
    int depth = q.top > 255 ? 16 : 8;
    png_job job = {NULL, 0, 0, 0, 0, 0, f, "", NULL, NULL};
    job.pixels = malloc(cols * (size_t)img->channels * (size_t)(depth / 8));
    png_structp png = job.pixels ? png_create_write_struct(PNG_LIBPNG_VER_STRING, &job,
                                                           png_on_error, png_on_warning)
                                 : NULL;
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        free(job.pixels);
        return io_fail(err, CLCONV_ENOMEM, "%s: out of memory", name);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(job.pixels);
        return io_fail(err, CLCONV_EIO, "%s: write failed: %s", name, job.msg);
    }
    png_set_write_fn(png, &job, png_write_stream, png_flush_stream);
    png_set_compression_level(png, PNG_DEFLATE_LEVEL);
    png_set_IHDR(png, info, (png_uint_32)cols, (png_uint_32)rows, depth,
                 color_types[img->channels - 1], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (size_t r = 0; r < rows; r++) {
        pack_row(img, &q, r, img->channels, job.pixels);
        png_write_row(png, job.pixels);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(job.pixels);
    return 0;
}

int image_check_kind(image_kind kind, int channels, int alpha, const char *name, io_error *err)
{
    int colour = channels - alpha;
    if (kind == IMAGE_PGM && colour != 1) {
        return io_fail(err, CLCONV_EINVAL,
                        "%s: a PGM image holds one grey channel, the result has %d colour channels "
                       "(write .ppm or .png)", name, colour);
    }
    if (kind == IMAGE_PPM && colour != 3) {
        return io_fail(err, CLCONV_EINVAL,
                        "%s: a PPM image holds three colour channels, the result has %d (write "
                       ".pgm or .png)", name, colour);
    }
    if (channels < 1 || channels > 4) {
        return io_fail(err, CLCONV_EINVAL, "%s: an image has 1 to 4 channels, not %d", name,
                       channels);
    }
    return 0;
}

int image_encode(FILE *f, const char *name, image_kind kind, const image *img, int normalize,
                 io_error *err)
{
    IO_FORWARD(image_check_kind(kind, img->channels, img->alpha, name, err));
    if (kind == IMAGE_PNG) return encode_png(f, name, img, normalize, err);
    return encode_pnm(f, name, img, normalize, err);
}

int image_encode_mem(void **data, size_t *size, const char *name, image_kind kind,
                     const image *img, int normalize, io_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    *data = NULL;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return io_fail(err, CLCONV_ENOMEM, "%s: out of memory", name);
    int status = image_encode(f, name, kind, img, normalize, err);
    if (fclose(f) != 0 && status == 0) status = io_fail(err, CLCONV_ENOMEM, "%s: out of memory",
                                                        name);
    if (status < 0) {
        free(buf);
        return status;
    }
    *data = buf;
    *size = len;
    return 0;
}

int image_interleave(const image *img, real_array *out, const char *name, io_error *err)
{
    size_t rows = img->planes.shape[1], cols = img->planes.shape[2];
    size_t shape[3] = {rows, cols, (size_t)img->channels};
    int ndim = img->channels == 1 ? 2 : 3;
    IO_FORWARD(real_array_alloc(out, img->planes.dtype, ndim, shape, name, err));
    size_t elem = clconv_dtype_size(img->planes.dtype), plane = rows * cols;
    const unsigned char *src = img->planes.data;
    unsigned char *dst = out->data;
    for (size_t i = 0; i < plane; i++) {
        for (size_t c = 0; c < (size_t)img->channels; c++) {
            memcpy(dst + (i * (size_t)img->channels + c) * elem, src + (c * plane + i) * elem,
                   elem);
        }
    }
    return 0;
}
