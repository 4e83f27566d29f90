/*
 * The error record of host/io and the helpers every format shares (see
 * io.h).
 */
#include "io.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int io_fail(io_error *err, int status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

int io_library_fail(io_error *err, const clconv_runtime *rt, int status, const char *what)
{
    const char *detail = clconv_last_error(rt);
    if (detail[0] != '\0') return io_fail(err, status, "%s: %s: %s", what, clconv_strerror(status),
                                          detail);
    return io_fail(err, status, "%s: %s", what, clconv_strerror(status));
}

double io_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int io_parse_double(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(*v)) return -1;
    return 0;
}
