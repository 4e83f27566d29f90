/*
 * Reading and writing NumPy .npy files (see npy.h). The header is a Python
 * dict literal, parsed here by a small recursive-descent reader that accepts
 * what NumPy writes in any of its versions (key order, quotes, spacing,
 * trailing commas, Python 2 "L" suffixes) and rejects everything else with a
 * message naming the file. Data are decoded byte by byte from little-endian,
 * so the reader needs neither a little-endian host nor aligned input.
 */
#include "npy.h"

#include "io.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const unsigned char npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

/* A longer header is a corrupt length field rather than a real header; NumPy
 * itself refuses headers over 10000 bytes by default. */
#define NPY_MAX_HEADER (1u << 20)

/* Elements converted per step; the step's scratch stays in cache. */
#define NPY_CHUNK 16384

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* 1 on a little-endian host, where a file's float bytes are already the
 * array's: whole arrays then move with one fread or fwrite, which costs half
 * the time of converting them in pieces (measured on 64 MiB arrays). */
static int host_little_endian(void)
{
    const uint16_t probe = 1;
    unsigned char first;
    memcpy(&first, &probe, 1);
    return first == 1;
}

static double f32_from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static double f64_from_bits(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* ---- header ------------------------------------------------------------ */

typedef struct header_parser {
    const char *s;      /* next unread character */
    const char *end;
    const char *path;
} header_parser;

static int header_error(const header_parser *h, io_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int header_error(const header_parser *h, io_error *err, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return io_fail(err, CLCONV_EFORMAT, "%s: malformed .npy header: %s", h->path, what);
}

static void skip_space(header_parser *h)
{
    while (h->s < h->end && (*h->s == ' ' || *h->s == '\t' || *h->s == '\n' || *h->s == '\r')) {
        h->s++;
    }
}

/* Consumes c (after spaces) and reports 1 when it is next; else 0. */
static int accept(header_parser *h, char c)
{
    skip_space(h);
    if (h->s < h->end && *h->s == c) {
        h->s++;
        return 1;
    }
    return 0;
}

static int parse_string(header_parser *h, const char **str, size_t *len, const char *what,
                        io_error *err)
{
    skip_space(h);
    if (h->s >= h->end || (*h->s != '\'' && *h->s != '"')) {
        return header_error(h, err, "expected a quoted string for %s", what);
    }
    char quote = *h->s++;
    const char *start = h->s;
    while (h->s < h->end && *h->s != quote) {
        /* No name or dtype NumPy writes needs an escape. */
        if (*h->s == '\\') return header_error(h, err, "escape sequence in %s", what);
        h->s++;
    }
    if (h->s >= h->end) return header_error(h, err, "unterminated string in %s", what);
    *str = start;
    *len = (size_t)(h->s - start);
    h->s++;
    return 0;
}

static int parse_bool(header_parser *h, int *value, io_error *err)
{
    skip_space(h);
    size_t left = (size_t)(h->end - h->s);
    if (left >= 4 && memcmp(h->s, "True", 4) == 0) {
        *value = 1;
        h->s += 4;
    } else if (left >= 5 && memcmp(h->s, "False", 5) == 0) {
        *value = 0;
        h->s += 5;
    } else {
        return header_error(h, err, "fortran_order must be True or False");
    }
    return 0;
}

static int parse_shape(header_parser *h, npy_file *nf, io_error *err)
{
    if (!accept(h, '(')) return header_error(h, err, "shape must be a tuple");
    nf->ndim = 0;
    while (!accept(h, ')')) {
        skip_space(h);
        if (h->s >= h->end || *h->s < '0' || *h->s > '9') {
            return header_error(h, err, "shape must hold non-negative integers");
        }
        if (nf->ndim == ARRAY_MAX_DIMS) {
            return header_error(h, err, "more than %d dimensions", ARRAY_MAX_DIMS);
        }
        size_t v = 0;
        while (h->s < h->end && *h->s >= '0' && *h->s <= '9') {
            size_t digit = (size_t)(*h->s++ - '0');
            if (v > (SIZE_MAX - digit) / 10) return header_error(h, err, "dimension too large");
            v = v * 10 + digit;
        }
        /* Python 2 wrote long integers as 3L. */
        if (h->s < h->end && (*h->s == 'L' || *h->s == 'l')) h->s++;
        nf->shape[nf->ndim++] = v;
        if (!accept(h, ',')) {
            if (accept(h, ')')) break;
            return header_error(h, err, "expected ',' or ')' in shape");
        }
    }
    return 0;
}

/* Element types by kind letter and size, as a dtype string spells them. */
static const struct {
    char kind;
    size_t size;
    npy_type type;
} npy_types[] = {
    {'f', 4, NPY_F4}, {'f', 8, NPY_F8},
    {'i', 1, NPY_I1}, {'i', 2, NPY_I2}, {'i', 4, NPY_I4}, {'i', 8, NPY_I8},
    {'u', 1, NPY_U1}, {'u', 2, NPY_U2}, {'u', 4, NPY_U4}, {'u', 8, NPY_U8},
    {'c', 8, NPY_C8}, {'c', 16, NPY_C16},
};

static int parse_descr(header_parser *h, npy_file *nf, io_error *err)
{
    skip_space(h);
    if (h->s < h->end && (*h->s == '[' || *h->s == '{')) {
        return io_fail(err, CLCONV_EFORMAT,
                        "%s: structured dtypes are not supported (need float32, float64, complex64, "
                       "complex128 or an integer type)", nf->path);
    }
    const char *s;
    size_t len;
    IO_FORWARD(parse_string(h, &s, &len, "descr", err));
    if (len >= sizeof nf->descr) {
        return io_fail(err, CLCONV_EFORMAT,
                       "%s: unsupported dtype '%.*s' (need float32, float64, complex64, "
                       "complex128 or an integer type)", nf->path, (int)len, s);
    }
    memcpy(nf->descr, s, len);
    nf->descr[len] = '\0';

    size_t size = 0;
    /* On the NUL-terminated copy: the header text has no terminator. */
    int known = len >= 3 && strspn(nf->descr + 2, "0123456789") == len - 2;
    if (known) {
        for (size_t i = 2; i < len && size < 100; i++) size = size * 10 + (size_t)(s[i] - '0');
        known = npy_type_find(s[1], size, &nf->type) == 0;
        nf->itemsize = size;
    }
    /* '<' is little-endian, '|' "byte order does not apply" (one-byte types). */
    int order_ok = known && (s[0] == '<' || ((s[0] == '|' || s[0] == '>') && size == 1));
    if (known && !order_ok && s[0] == '>') {
        return io_fail(err, CLCONV_EFORMAT,
                        "%s: big-endian dtype '%s' is not supported (save it little-endian, e.g. "
                       "a.astype('<%c%zu'))", nf->path, nf->descr, s[1], size);
    }
    if (!order_ok) {
        return io_fail(err, CLCONV_EFORMAT,
                       "%s: unsupported dtype '%s' (need float32, float64, complex64, "
                       "complex128 or an integer type)", nf->path, nf->descr);
    }
    return 0;
}

/* Parses the header dict into nf: exactly the keys descr, fortran_order and
 * shape, each once. */
static int parse_header(header_parser *h, npy_file *nf, io_error *err)
{
    enum { DESCR = 1, FORTRAN = 2, SHAPE = 4 };
    int seen = 0;
    if (!accept(h, '{')) return header_error(h, err, "expected '{'");
    while (!accept(h, '}')) {
        const char *key;
        size_t len;
        IO_FORWARD(parse_string(h, &key, &len, "a key", err));
        if (!accept(h, ':')) return header_error(h, err, "expected ':' after a key");
        int which = 0;
        int status;
        if (len == 5 && memcmp(key, "descr", 5) == 0) {
            which = DESCR;
            status = parse_descr(h, nf, err);
        } else if (len == 13 && memcmp(key, "fortran_order", 13) == 0) {
            which = FORTRAN;
            status = parse_bool(h, &nf->fortran_order, err);
        } else if (len == 5 && memcmp(key, "shape", 5) == 0) {
            which = SHAPE;
            status = parse_shape(h, nf, err);
        } else {
            return header_error(h, err, "unexpected key '%.*s'", (int)len, key);
        }
        if (status < 0) return status;
        if (seen & which) return header_error(h, err, "key '%.*s' given twice", (int)len, key);
        seen |= which;
        if (!accept(h, ',')) {
            if (accept(h, '}')) break;
            return header_error(h, err, "expected ',' or '}'");
        }
    }
    skip_space(h);
    if (h->s != h->end) return header_error(h, err, "unexpected text after the dictionary");
    if (!(seen & DESCR)) return header_error(h, err, "no 'descr' key");
    if (!(seen & FORTRAN)) return header_error(h, err, "no 'fortran_order' key");
    if (!(seen & SHAPE)) return header_error(h, err, "no 'shape' key");
    return 0;
}

/* ---- reading ----------------------------------------------------------- */

static int read_failure(const npy_file *nf, const char *what, io_error *err)
{
    if (ferror(nf->f)) return io_fail(err, CLCONV_EIO, "%s: read error: %s", nf->path,
                                      strerror(errno));
    return io_fail(err, CLCONV_EFORMAT, "%s: truncated .npy file (%s)", nf->path, what);
}

/* Reads and checks the header of nf->f. sized: the stream holds exactly
 * size bytes (a regular file, a buffer), which must then equal header plus
 * data; a pipe can only be checked as it is read. */
static int open_header(npy_file *nf, int sized, uintmax_t size, io_error *err)
{
    unsigned char pre[12];
    size_t got = fread(pre, 1, 8, nf->f);
    if (got == 0 && !ferror(nf->f)) return io_fail(err, CLCONV_EFORMAT,
                                                   "%s: empty file, not a .npy file", nf->path);
    if (got < 8 || memcmp(pre, npy_magic, sizeof npy_magic) != 0) {
        if (ferror(nf->f)) return read_failure(nf, "", err);
        return io_fail(err, CLCONV_EFORMAT, "%s: not a .npy file (bad magic)", nf->path);
    }
    unsigned major = pre[6], minor = pre[7];
    if (major < 1 || major > 3 || minor != 0) {
        return io_fail(err, CLCONV_EFORMAT, "%s: unsupported .npy format version %u.%u", nf->path,
                       major, minor);
    }
    /* Version 1.0 stores the header length in 2 bytes, 2.0 and 3.0 in 4. */
    size_t length_bytes = major == 1 ? 2 : 4;
    if (fread(pre + 8, 1, length_bytes, nf->f) != length_bytes) {
        return read_failure(nf, "header length missing", err);
    }
    size_t header_len = major == 1 ? le16(pre + 8) : le32(pre + 8);
    if (header_len > NPY_MAX_HEADER) {
        return io_fail(err, CLCONV_EFORMAT, "%s: malformed .npy header: length %zu is implausible",
                       nf->path, header_len);
    }
    char *text = malloc(header_len ? header_len : 1);
    if (!text) return io_fail(err, CLCONV_ENOMEM, "%s: out of memory reading the header", nf->path);
    if (fread(text, 1, header_len, nf->f) != header_len) {
        free(text);
        return read_failure(nf, "header cut short", err);
    }
    header_parser h = {text, text + header_len, nf->path};
    int status = parse_header(&h, nf, err);
    free(text);
    if (status < 0) return status;

    nf->count = 1;
    for (int d = 0; d < nf->ndim; d++) {
        if (nf->shape[d] != 0 && nf->count > SIZE_MAX / nf->shape[d]) {
            return io_fail(err, CLCONV_EOVERFLOW, "%s: shape too large to address", nf->path);
        }
        nf->count *= nf->shape[d];
    }
    if (nf->count > SIZE_MAX / nf->itemsize) {
        return io_fail(err, CLCONV_EOVERFLOW, "%s: shape too large to address", nf->path);
    }

    if (sized) {
        uintmax_t data_bytes = (uintmax_t)nf->count * nf->itemsize;
        uintmax_t start = 8 + length_bytes + header_len;
        char shape[128];
        shape_format(shape, sizeof shape, nf->ndim, nf->shape);
        if (size < start + data_bytes) {
            return io_fail(err, CLCONV_EFORMAT,
                            "%s: truncated .npy file (shape %s of '%s' needs %ju data bytes, the "
                           "file has %ju)", nf->path, shape, nf->descr, data_bytes, size - start);
        }
        if (size > start + data_bytes) {
            return io_fail(err, CLCONV_EFORMAT,
                            "%s: %ju unexpected bytes after the data (the header says shape %s of "
                           "'%s')", nf->path, size - start - data_bytes, shape, nf->descr);
        }
    }
    return 0;
}

int npy_fopen(npy_file *nf, const char *path, int *sized, uintmax_t *size, io_error *err)
{
    memset(nf, 0, sizeof *nf);
    nf->path = path;
    nf->f = fopen(path, "rb");
    if (!nf->f) return io_fail(err, CLCONV_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    int status = 0;
    if (fstat(fileno(nf->f), &st) != 0) {
        status = io_fail(err, CLCONV_EIO, "%s: %s", path, strerror(errno));
    } else if (S_ISDIR(st.st_mode)) {
        status = io_fail(err, CLCONV_EIO, "%s: is a directory", path);
    }
    if (status < 0) {
        npy_close(nf);
        return status;
    }
    *sized = S_ISREG(st.st_mode);
    *size = (uintmax_t)st.st_size;
    return 0;
}

int npy_open(npy_file *nf, const char *path, io_error *err)
{
    int sized = 0;
    uintmax_t size = 0;
    int status = npy_fopen(nf, path, &sized, &size, err);
    if (status < 0) return status;
    status = open_header(nf, sized, size, err);
    if (status < 0) npy_close(nf);
    return status;
}

int npy_open_mem(npy_file *nf, const void *data, size_t size, const char *name, io_error *err)
{
    memset(nf, 0, sizeof *nf);
    nf->path = name;
    /* fmemopen refuses an empty buffer on some C libraries. */
    if (size == 0) return io_fail(err, CLCONV_EFORMAT, "%s: empty file, not a .npy file", name);
    nf->f = fmemopen((void *)data, size, "rb");
    if (!nf->f) return io_fail(err, CLCONV_EIO, "%s: cannot read: %s", name, strerror(errno));
    int status = open_header(nf, 1, size, err);
    if (status < 0) npy_close(nf);
    return status;
}

int npy_type_find(char kind, size_t size, npy_type *type)
{
    for (size_t i = 0; i < sizeof npy_types / sizeof npy_types[0]; i++) {
        if (npy_types[i].kind == kind && npy_types[i].size == size) {
            *type = npy_types[i].type;
            return 0;
        }
    }
    return -1;
}

void npy_close(npy_file *nf)
{
    if (nf->f) fclose(nf->f);
    nf->f = NULL;
}

/* Decodes n little-endian elements of type t into doubles, which hold every
 * supported value exactly except 64-bit integers beyond 2^53 (rounded). The
 * switch sits outside the loops so each loop is a tight, vectorisable one. */
static void decode(npy_type t, const unsigned char *p, size_t n, double *v)
{
    switch (t) {
    case NPY_F4: for (size_t i = 0; i < n; i++) v[i] = f32_from_bits(le32(p + 4 * i)); break;
    case NPY_F8: for (size_t i = 0; i < n; i++) v[i] = f64_from_bits(le64(p + 8 * i)); break;
    case NPY_I1: for (size_t i = 0; i < n; i++) v[i] = (int8_t)p[i]; break;
    case NPY_I2: for (size_t i = 0; i < n; i++) v[i] = (int16_t)le16(p + 2 * i); break;
    case NPY_I4: for (size_t i = 0; i < n; i++) v[i] = (int32_t)le32(p + 4 * i); break;
    case NPY_I8: for (size_t i = 0; i < n; i++) v[i] = (double)(int64_t)le64(p + 8 * i); break;
    case NPY_U1: for (size_t i = 0; i < n; i++) v[i] = p[i]; break;
    case NPY_U2: for (size_t i = 0; i < n; i++) v[i] = le16(p + 2 * i); break;
    case NPY_U4: for (size_t i = 0; i < n; i++) v[i] = le32(p + 4 * i); break;
    case NPY_U8: for (size_t i = 0; i < n; i++) v[i] = (double)le64(p + 8 * i); break;
    /* A complex element is two values, its real and imaginary parts. */
    case NPY_C8: decode(NPY_F4, p, 2 * n, v); break;
    case NPY_C16: decode(NPY_F8, p, 2 * n, v); break;
    }
}

static int type_complex(npy_type t)
{
    return t == NPY_C8 || t == NPY_C16;
}

static int dtype_complex(clconv_dtype d)
{
    return d == CLCONV_C64 || d == CLCONV_C128;
}

/* Element at of out set to re + i im: a real dtype takes re alone (the
 * caller has refused a nonzero im), a complex one both parts. */
static void store_complex(real_array *out, size_t at, double re, double im)
{
    if (out->dtype == CLCONV_C128) {
        ((double *)out->data)[2 * at] = re;
        ((double *)out->data)[2 * at + 1] = im;
    } else if (out->dtype == CLCONV_C64) {
        ((float *)out->data)[2 * at] = (float)re;
        ((float *)out->data)[2 * at + 1] = (float)im;
    } else {
        real_array_set(out, at, re);
    }
}

/* Walks a Fortran-order file's elements (first axis fastest) and yields each
 * one's position in the C-order array. */
typedef struct fortran_walk {
    int ndim;
    const size_t *shape;
    size_t index[ARRAY_MAX_DIMS];
    size_t stride[ARRAY_MAX_DIMS];  /* C-order strides */
    size_t offset;                  /* C-order position of index */
} fortran_walk;

static void fortran_walk_init(fortran_walk *w, int ndim, const size_t *shape)
{
    w->ndim = ndim;
    w->shape = shape;
    w->offset = 0;
    size_t stride = 1;
    for (int d = ndim - 1; d >= 0; d--) {
        w->index[d] = 0;
        w->stride[d] = stride;
        stride *= shape[d];
    }
}

static void fortran_walk_next(fortran_walk *w)
{
    for (int d = 0; d < w->ndim; d++) {
        w->offset += w->stride[d];
        if (++w->index[d] < w->shape[d]) return;
        w->offset -= w->shape[d] * w->stride[d];
        w->index[d] = 0;
    }
}

int npy_read(npy_file *nf, clconv_dtype dtype, real_array *out, io_error *err)
{
    IO_FORWARD(real_array_alloc(out, dtype, nf->ndim, nf->shape, nf->path, err));
    if (type_complex(nf->type) && !dtype_complex(dtype)) {
        real_array_free(out);
        return io_fail(err, CLCONV_EINVAL, "%s: holds complex values (%s) where a real array is "
                       "wanted", nf->path, nf->descr);
    }
    int same_type = (nf->type == NPY_F4 && dtype == CLCONV_F32) ||
                    (nf->type == NPY_F8 && dtype == CLCONV_F64) ||
                    (nf->type == NPY_C8 && dtype == CLCONV_C64) ||
                    (nf->type == NPY_C16 && dtype == CLCONV_C128) ||
                    (nf->type == NPY_U1 && dtype == CLCONV_U8) ||
                    (nf->type == NPY_U2 && dtype == CLCONV_U16) ||
                    (nf->type == NPY_I2 && dtype == CLCONV_I16);
    if (same_type && (!nf->fortran_order || nf->ndim < 2) && host_little_endian()) {
        size_t got = fread(out->data, nf->itemsize, nf->count, nf->f);
        if (got == nf->count) return 0;
        char what[96];
        snprintf(what, sizeof what, "data ends within element %zu of %zu", got + 1, nf->count);
        real_array_free(out);
        return read_failure(nf, what, err);
    }

    /* Values per element: 2 for a complex file (real, imaginary). */
    const size_t parts = type_complex(nf->type) ? 2 : 1;
    const int single = dtype == CLCONV_F32 || dtype == CLCONV_C64;
    unsigned char *raw = malloc(NPY_CHUNK * nf->itemsize);
    double *values = malloc(NPY_CHUNK * parts * sizeof *values);
    int status = 0;
    if (!raw || !values) {
        status = io_fail(err, CLCONV_ENOMEM, "%s: out of memory", nf->path);
        goto done;
    }

    /* A one-dimensional Fortran array is laid out as a C one. */
    int fortran = nf->fortran_order && nf->ndim > 1;
    fortran_walk walk;
    fortran_walk_init(&walk, nf->ndim, nf->shape);
    for (size_t first = 0; first < nf->count;) {
        size_t n = nf->count - first < NPY_CHUNK ? nf->count - first : NPY_CHUNK;
        if (fread(raw, nf->itemsize, n, nf->f) != n) {
            char what[96];
            snprintf(what, sizeof what, "data ends within element %zu of %zu", first + 1,
                     nf->count);
            status = read_failure(nf, what, err);
            goto done;
        }
        decode(nf->type, raw, n, values);
        if (single) {
            for (size_t i = 0; i < n * parts; i++) {
                if (fabs(values[i]) > FLT_MAX && !isinf(values[i])) {
                    status = io_fail(err, CLCONV_ERANGE,
                                     "%s: value %g exceeds the float32 range (use --precision f64)",
                                     nf->path, values[i]);
                    goto done;
                }
            }
        }
        if (fortran || dtype_complex(dtype)) {
            for (size_t i = 0; i < n; i++) {
                size_t at = fortran ? walk.offset : first + i;
                store_complex(out, at, values[parts * i], parts == 2 ? values[2 * i + 1] : 0.0);
                if (fortran) fortran_walk_next(&walk);
            }
        } else if (dtype == CLCONV_F64) {
            memcpy((double *)out->data + first, values, n * sizeof *values);
        } else if (dtype == CLCONV_F32) {
            float *dst = (float *)out->data + first;
            for (size_t i = 0; i < n; i++) dst[i] = (float)values[i];
        } else {
            for (size_t i = 0; i < n; i++) real_array_set(out, first + i, values[i]);
        }
        first += n;
    }

done:
    free(raw);
    free(values);
    if (status < 0) real_array_free(out);
    return status;
}

/* ---- writing ----------------------------------------------------------- */

const char *npy_descr(clconv_dtype dtype)
{
    switch (dtype) {
    case CLCONV_F64: return "<f8";
    case CLCONV_U8: return "|u1";
    case CLCONV_U16: return "<u2";
    case CLCONV_I16: return "<i2";
    case CLCONV_C64: return "<c8";
    case CLCONV_C128: return "<c16";
    default: return "<f4";
    }
}

int npy_write(FILE *f, const char *path, const real_array *a, io_error *err)
{
    /* The dict NumPy writes, padded with spaces and a newline so the data
     * start at a multiple of 64 bytes. At most 32 dimensions of 20 digits
     * keep it far below version 1.0's 65535-byte limit. */
    char shape[ARRAY_MAX_DIMS * 22 + 4];
    shape_format(shape, sizeof shape, a->ndim, a->shape);
    char header[sizeof shape + 192];
    int len = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, "
                       "'shape': %s, }", npy_descr(a->dtype), shape);
    size_t used = (size_t)len;
    size_t pad = (64 - (10 + used + 1) % 64) % 64;
    memset(header + used, ' ', pad);
    header[used + pad] = '\n';
    size_t header_len = used + pad + 1;

    unsigned char pre[10];
    memcpy(pre, npy_magic, sizeof npy_magic);
    pre[6] = 1;
    pre[7] = 0;
    pre[8] = (unsigned char)(header_len & 0xff);
    pre[9] = (unsigned char)(header_len >> 8);

    if (fwrite(pre, 1, sizeof pre, f) != sizeof pre ||
        fwrite(header, 1, header_len, f) != header_len) {
        return io_fail(err, CLCONV_EIO, "%s: write failed: %s", path, strerror(errno));
    }
    return npy_write_data(f, path, a, err);
}

int npy_write_data(FILE *f, const char *path, const real_array *a, io_error *err)
{
    /* A complex array is written as its interleaved parts. */
    if (dtype_complex(a->dtype)) {
        real_array parts = *a;
        parts.dtype = a->dtype == CLCONV_C64 ? CLCONV_F32 : CLCONV_F64;
        parts.count = 2 * a->count;
        return npy_write_data(f, path, &parts, err);
    }
    size_t elem = clconv_dtype_size(a->dtype);
    if (host_little_endian()) {
        if (fwrite(a->data, elem, a->count, f) == a->count) return 0;
        return io_fail(err, CLCONV_EIO, "%s: write failed: %s", path, strerror(errno));
    }
    unsigned char *chunk = malloc(NPY_CHUNK * elem);
    if (!chunk) return io_fail(err, CLCONV_ENOMEM, "%s: out of memory", path);
    int ok = 1;
    for (size_t first = 0; ok && first < a->count;) {
        size_t n = a->count - first < NPY_CHUNK ? a->count - first : NPY_CHUNK;
        if (elem == 1) {
            memcpy(chunk, (const unsigned char *)a->data + first, n);
        } else if (elem == 2) {
            const uint16_t *x = (const uint16_t *)a->data + first;
            for (size_t i = 0; i < n; i++) {
                chunk[2 * i] = (unsigned char)(x[i] & 0xff);
                chunk[2 * i + 1] = (unsigned char)(x[i] >> 8);
            }
        } else if (a->dtype == CLCONV_F64) {
            const double *x = (const double *)a->data + first;
            for (size_t i = 0; i < n; i++) {
                uint64_t u;
                memcpy(&u, &x[i], sizeof u);
                put_le64(chunk + 8 * i, u);
            }
        } else {
            const float *x = (const float *)a->data + first;
            for (size_t i = 0; i < n; i++) {
                uint32_t u;
                memcpy(&u, &x[i], sizeof u);
                put_le32(chunk + 4 * i, u);
            }
        }
        ok = fwrite(chunk, elem, n, f) == n;
        first += n;
    }
    free(chunk);
    if (!ok) return io_fail(err, CLCONV_EIO, "%s: write failed: %s", path, strerror(errno));
    return 0;
}
