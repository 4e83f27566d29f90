/*
 * What the formats and jobs of host/io share: the caller-owned error record
 * that every fallible function fills. These modules sit between the faces
 * (the command, the service) and the library: they return the library's
 * status codes (0, or a negative CLCONV_E*) and never print, so the command
 * prints the record's message, the service answers it as JSON with an HTTP
 * status chosen from the code, and both say the same words. The codes they
 * use: CLCONV_EINVAL for input that is well-formed but unusable (a wrong
 * rank, a NaN, a bad preset), CLCONV_EFORMAT for malformed files,
 * CLCONV_EIO for files that cannot be opened, read or written,
 * CLCONV_ENOMEM for a lack of host memory, CLCONV_EOVERFLOW for sizes over
 * a limit or overflowing, CLCONV_ERANGE for values a precision cannot hold,
 * and the library's own codes for its failures.
 */
#ifndef CLCONV_IO_IO_H
#define CLCONV_IO_IO_H

#include "clconv.h"

/* One failure's message, one line without a trailing newline, naming the
 * file or part it concerns ("sig.npy: truncated .npy file"). Owned by the
 * caller; a function that fails overwrites it, one that succeeds leaves it
 * alone. */
typedef struct io_error {
    char message[512];
} io_error;

/* Writes the message into err (NULL: dropped) and returns status, so that
 * `return io_fail(err, CLCONV_EFORMAT, "%s: ...", name)` reports and fails
 * at once. */
int io_fail(io_error *err, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* A failed library call: "WHAT: DESCRIPTION: DETAIL" where DESCRIPTION is
 * clconv_strerror(status) and DETAIL clconv_last_error(rt) (rt may be NULL;
 * an empty detail is left out). Returns status. */
int io_library_fail(io_error *err, const clconv_runtime *rt, int status, const char *what);

/* Returns from the calling function with expr's status when it failed
 * (negative); its message is already in the error record. */
#define IO_FORWARD(expr)                      \
    do {                                      \
        int io_status_ = (expr);              \
        if (io_status_ < 0) return io_status_; \
    } while (0)

/* Seconds on the monotonic clock: the one clock every timing of the command
 * and the service reads. */
double io_now_s(void);

/* A whole string as a finite double: 0, else -1 (nothing recorded). */
int io_parse_double(const char *s, double *v);

#endif /* CLCONV_IO_IO_H */
