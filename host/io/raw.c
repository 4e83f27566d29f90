/*
 * Raw binary input (see raw.h): parsing --shape and --dtype, and checking
 * that the data's size matches them before anything is read.
 */
#include "raw.h"

#include "io.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int raw_parse_shape(const char *s, int *ndim, size_t *shape)
{
    int n = 0;
    for (const char *p = s;; p++) {
        if (n == ARRAY_MAX_DIMS || *p < '0' || *p > '9') return -1;
        errno = 0;
        char *end;
        unsigned long long v = strtoull(p, &end, 10);
        if (errno || v == 0 || v > SIZE_MAX) return -1;
        shape[n++] = (size_t)v;
        p = end;
        if (*p == '\0') break;
        if (*p != 'x' && *p != 'X' && *p != ',') return -1;
    }
    *ndim = n;
    return 0;
}

int raw_parse_dtype(const char *s, npy_type *type, size_t *itemsize)
{
    static const struct {
        const char *prefix;
        char kind;
    } kinds[] = {{"float", 'f'}, {"uint", 'u'}, {"int", 'i'}, {"f", 'f'}, {"u", 'u'}, {"i", 'i'}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t len = strlen(kinds[i].prefix);
        if (strncmp(s, kinds[i].prefix, len) != 0) continue;
        const char *bits = s + len;
        size_t b = 0;
        if (strcmp(bits, "8") == 0) b = 8;
        else if (strcmp(bits, "16") == 0) b = 16;
        else if (strcmp(bits, "32") == 0) b = 32;
        else if (strcmp(bits, "64") == 0) b = 64;
        if (b == 0 || npy_type_find(kinds[i].kind, b / 8, type) != 0) return -1;
        *itemsize = b / 8;
        return 0;
    }
    return -1;
}

/* Fills in nf's header fields and checks size (when sized) against them. */
static int raw_header(npy_file *nf, int sized, uintmax_t size, npy_type type, size_t itemsize,
                      int ndim, const size_t *shape, io_error *err)
{
    nf->type = type;
    nf->itemsize = itemsize;
    nf->fortran_order = 0;
    nf->ndim = ndim;
    nf->count = 1;
    for (int d = 0; d < ndim; d++) {
        nf->shape[d] = shape[d];
        if (nf->count > SIZE_MAX / itemsize / shape[d]) {
            return io_fail(err, CLCONV_EOVERFLOW, "%s: --shape too large to address", nf->path);
        }
        nf->count *= shape[d];
    }
    uintmax_t need = (uintmax_t)nf->count * itemsize;
    if (sized && size != need) {
        char shape_text[128];
        shape_format(shape_text, sizeof shape_text, ndim, shape);
        return io_fail(err, CLCONV_EINVAL,
                       "%s: raw data of %ju bytes, but --shape %s of %zu-byte elements needs %ju",
                       nf->path, size, shape_text, itemsize, need);
    }
    return 0;
}

int raw_open(npy_file *nf, const char *path, npy_type type, size_t itemsize, int ndim,
             const size_t *shape, io_error *err)
{
    int sized = 0;
    uintmax_t size = 0;
    int status = npy_fopen(nf, path, &sized, &size, err);
    if (status < 0) return status;
    /* A pipe's size shows only as it is read; npy_read reports it short. */
    status = raw_header(nf, sized, size, type, itemsize, ndim, shape, err);
    if (status < 0) npy_close(nf);
    return status;
}

int raw_open_mem(npy_file *nf, const void *data, size_t size, const char *name, npy_type type,
                 size_t itemsize, int ndim, const size_t *shape, io_error *err)
{
    memset(nf, 0, sizeof *nf);
    nf->path = name;
    int status = raw_header(nf, 1, size, type, itemsize, ndim, shape, err);
    if (status < 0) return status;
    nf->f = fmemopen((void *)data, size, "rb");
    if (!nf->f) return io_fail(err, CLCONV_EIO, "%s: cannot read: %s", name, strerror(errno));
    return 0;
}
