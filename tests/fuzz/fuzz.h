/*
 * What the fuzz targets share: the service's element limit, a
 * NUL-terminated copy of the fuzzer's bytes, and the one invariant every
 * reader of outside bytes must keep beyond the sanitizers': a failure is
 * the client's (a status the service answers 4xx or 503), never one that
 * `clconv serve` would answer as its own fault (500).
 */
#ifndef CLCONV_FUZZ_H
#define CLCONV_FUZZ_H

#include "io.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* serve_options.max_elements's default: the limit the service applies to
 * every array and image it decodes. */
#define FUZZ_MAX_ELEMENTS ((size_t)1 << 27)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data[0..size) as a new NUL-terminated string (NULs inside stay). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) abort();
    if (size) memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Aborts (a finding) when a reader failed with a status that is not the
 * input's fault, or failed without saying why. */
static inline void fuzz_check_status(int status, const io_error *err)
{
    if (status >= 0) return;
    switch (status) {
    case CLCONV_EINVAL:
    case CLCONV_EFORMAT:
    case CLCONV_EOVERFLOW:
    case CLCONV_ERANGE:
    case CLCONV_ENOMEM:
    case CLCONV_ENOTSUP:
        if (err->message[0]) return;
        fprintf(stderr, "fuzz: status %s without a message\n", clconv_status_name(status));
        break;
    default:
        fprintf(stderr, "fuzz: status %s (a server fault) for client input: %s\n",
                clconv_status_name(status), err->message);
    }
    abort();
}

#endif /* CLCONV_FUZZ_H */
