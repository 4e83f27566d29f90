/*
 * File formats by name and content, and whole-file reads (see source.h).
 */
#include "source.h"

#include "io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;   /* the extension without its dot, and the --format value */
    data_format format;
} format_names[] = {
    {"npy", FORMAT_NPY}, {"csv", FORMAT_CSV}, {"txt", FORMAT_TXT}, {"raw", FORMAT_RAW},
    {"bin", FORMAT_RAW}, {"png", FORMAT_PNG}, {"pgm", FORMAT_PGM}, {"ppm", FORMAT_PPM},
    {"pnm", FORMAT_PGM},
};

data_format format_from_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (!dot) return FORMAT_NONE;
    for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++) {
        if (strcasecmp(dot + 1, format_names[i].name) == 0) return format_names[i].format;
    }
    return FORMAT_NONE;
}

data_format format_sniff(const void *data, size_t size)
{
    const unsigned char *p = data;
    if (size >= 6 && memcmp(p, "\x93NUMPY", 6) == 0) return FORMAT_NPY;
    if (size >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0) return FORMAT_PNG;
    if (size >= 2 && p[0] == 'P' && (p[1] == '2' || p[1] == '5')) return FORMAT_PGM;
    if (size >= 2 && p[0] == 'P' && (p[1] == '3' || p[1] == '6')) return FORMAT_PPM;
    return FORMAT_CSV;
}

int format_parse(const char *s, data_format *f)
{
    /* "bin" and "pnm" are extensions only: one spelling per --format. */
    for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++) {
        if (strcmp(s, format_names[i].name) == 0 && strcmp(s, "bin") != 0 &&
            strcmp(s, "pnm") != 0) {
            *f = format_names[i].format;
            return 0;
        }
    }
    return -1;
}

int format_is_image(data_format f)
{
    return f == FORMAT_PNG || f == FORMAT_PGM || f == FORMAT_PPM;
}

int source_read_all(const char *path, unsigned char **data, size_t *size, io_error *err)
{
    int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "stdin" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) return io_fail(err, CLCONV_EIO, "%s: cannot open: %s", name, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    int e = 0;
    while (buf) {
        if (n + 1 == cap) {
            unsigned char *b = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
            if (!b) {
                e = ENOMEM;
                break;
            }
            buf = b;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) {
            /* fread on a directory fails with EISDIR, which is the message
             * a user needs. */
            if (ferror(f)) e = errno ? errno : EIO;
            break;
        }
    }
    if (!buf) e = ENOMEM;
    if (!is_stdin) fclose(f);
    if (e) {
        free(buf);
        return io_fail(err, CLCONV_EIO, "%s: cannot read: %s", name, strerror(e));
    }
    buf[n] = '\0';
    *data = buf;
    *size = n;
    return 0;
}
