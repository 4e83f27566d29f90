/*
 * Reading and writing numbers as text (see csv.h). Parsing works on a
 * NUL-terminated copy so that strtod can never run past the caller's bytes.
 */
#include "csv.h"

#include "io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A growing list of the values read so far. */
typedef struct value_list {
    double *v;
    size_t n, cap;
} value_list;

static int push(value_list *l, double x)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        double *v = cap > SIZE_MAX / sizeof *v ? NULL : realloc(l->v, cap * sizeof *v);
        if (!v) return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = x;
    return 0;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Parses the cells of one line [p, end), which starts with a non-blank, onto
 * l; *cells gets their number. Reports bad cells with line and column. */
static int parse_line(const char *p, const char *end, size_t line, const char *name,
                      value_list *l, size_t *cells, io_error *err)
{
    size_t col = 0;
    int after_comma = 0;
    for (;;) {
        while (p < end && is_blank(*p)) p++;
        /* A comma promises another cell; the line's end after a number ends
         * the row. */
        if (p == end && !after_comma) break;
        col++;
        if (p == end || *p == ',') {
            return io_fail(err, CLCONV_EFORMAT, "%s: line %zu, column %zu: empty cell", name, line,
                           col);
        }
        char *stop;
        double x = strtod(p, &stop);
        const char *cell_end = p + strcspn(p, ", \t\r\n");
        if (stop == p || stop != cell_end) {
            int len = cell_end - p < 40 ? (int)(cell_end - p) : 40;
            /* NumPy writes a complex number as 1+2j or (1+2j). */
            if (memchr(p, 'j', (size_t)(cell_end - p)) || memchr(p, 'J', (size_t)(cell_end - p)))
                return io_fail(err, CLCONV_EFORMAT, "%s: line %zu, column %zu: '%.*s' is complex; "
                               CSV_REAL_ONLY, name, line, col, len, p);
            return io_fail(err, CLCONV_EFORMAT, "%s: line %zu, column %zu: '%.*s' is not a number",
                           name, line, col, len, p);
        }
        if (push(l, x) != 0) return io_fail(err, CLCONV_ENOMEM, "%s: out of memory", name);
        p = stop;
        while (p < end && is_blank(*p)) p++;
        after_comma = p < end && *p == ',';
        p += after_comma;
    }
    *cells = col;
    return 0;
}

int csv_parse(const char *text, size_t size, const char *name, real_array *out, io_error *err)
{
    out->data = NULL;
    if (memchr(text, '\0', size)) return io_fail(err, CLCONV_EFORMAT, "%s: not a text file", name);
    char *copy = malloc(size + 1);
    if (!copy) return io_fail(err, CLCONV_ENOMEM, "%s: out of memory", name);
    memcpy(copy, text, size);
    copy[size] = '\0';

    value_list l = {0};
    size_t rows = 0, cols = 0, first_line = 0, line = 0;
    int status = 0;
    for (const char *p = copy; *p && status == 0;) {
        const char *nl = strchr(p, '\n');
        const char *end = nl ? nl : p + strlen(p);
        line++;
        const char *q = p;
        while (q < end && is_blank(*q)) q++;
        if (q < end && *q != '#') {
            size_t cells = 0;
            status = parse_line(q, end, line, name, &l, &cells, err);
            if (status == 0 && rows > 0 && cells != cols) {
                status = io_fail(err, CLCONV_EFORMAT,
                                  "%s: line %zu has %zu numbers, line %zu has %zu (every row needs "
                                 "the same number)", name, line, cells, first_line, cols);
            }
            if (rows++ == 0) {
                cols = cells;
                first_line = line;
            }
        }
        p = nl ? nl + 1 : end;
    }
    free(copy);
    if (status == 0 && rows == 0) status = io_fail(err, CLCONV_EFORMAT,
                                                   "%s: no numbers (empty array)", name);
    if (status == 0) {
        size_t shape[2] = {rows, cols};
        status = real_array_alloc(out, CLCONV_F64, 2, shape, name, err);
    }
    if (status == 0) memcpy(out->data, l.v, l.n * sizeof *l.v);
    free(l.v);
    return status;
}

int csv_write(FILE *f, const char *name, const real_array *a, char sep, io_error *err)
{
    if (a->ndim != 1 && a->ndim != 2) {
        char shape[128];
        shape_format(shape, sizeof shape, a->ndim, a->shape);
        return io_fail(err, CLCONV_EINVAL, "%s: text output holds 1-D or 2-D arrays, not shape %s",
                       name, shape);
    }
    if (a->dtype == CLCONV_C64 || a->dtype == CLCONV_C128)
        return io_fail(err, CLCONV_EINVAL, "%s: the result is %s; " CSV_REAL_ONLY, name,
                       clconv_dtype_name(a->dtype));
    size_t cols = a->ndim == 2 ? a->shape[1] : 1;
    /* %.9g and %.17g are the shortest formats that always round-trip. */
    int f64 = a->dtype == CLCONV_F64;
    for (size_t i = 0; i < a->count; i++) {
        double x = real_array_get(a, i); /* integers print exactly with %.9g too */
        fprintf(f, f64 ? "%.17g" : "%.9g", x);
        if (putc((i + 1) % cols == 0 ? '\n' : sep, f) == EOF) break;
    }
    if (ferror(f)) return io_fail(err, CLCONV_EIO, "%s: write failed: %s", name, strerror(errno));
    return 0;
}
