/*
 * `clconv serve`: an HTTP daemon that keeps one clconv runtime per device
 * warm (contexts, compiled programs, FFT plans) and runs convolution and
 * distribution jobs for many client processes. This is the internal API
 * through which the command (host/cli/cmd_serve.c) and the tests
 * (tests/test_serve.c) start and stop a server in their own process; the
 * HTTP API itself is described in `clconv serve --help` and docs/.
 */
#ifndef CLCONV_SERVE_H
#define CLCONV_SERVE_H

#include <stddef.h>
#include <stdio.h>

typedef struct serve serve;

/* Options of a server; a zero-initialised struct gives the defaults shown. */
typedef struct serve_options {
    const char *listen;            /* "HOST:PORT" (IPv6 as "[::1]:PORT"); NULL:
                                      127.0.0.1:8470; port 0 picks a free one */
    const char *const *devices;    /* device specs (clconv_device_find), or "all" */
    size_t n_devices;              /* 0: the default device */
    unsigned workers;              /* worker threads per device; 0: 2 */
    unsigned queue;                /* jobs waiting over all devices; 0: 64 */
    size_t max_body;               /* request body limit in bytes; 0: 256 MiB. The
                                      bodies held at once are limited to 4 times
                                      this (more uploads get 503) */
    size_t max_elements;           /* elements of one array or result; 0: 2^27 */
    const char *token;             /* bearer token every request but /healthz must
                                      carry; NULL: none (only allowed on loopback) */
    const char *tls_cert;          /* PEM text of certificate and key: HTTPS; */
    const char *tls_key;           /*   both NULL: plain HTTP */
    unsigned timeout_s;            /* a connection idle this long is closed; 0: 30 */
    unsigned max_connections;      /* open connections at most; 0: 256 */
    int log_json;                  /* access log lines as JSON objects, else text */
    FILE *log;                     /* access log (borrowed); NULL: none */
} serve_options;

/* Opens the runtimes, binds the listening socket and starts accepting. On
 * success *out owns a running server (stop it with serve_stop); on failure
 * it is NULL, one line saying why is in err (err_size bytes) and the return
 * is -1. */
int serve_start(const serve_options *opts, serve **out, char *err, size_t err_size);

/* The port the server listens on (the one chosen when asked for port 0) and
 * its base URL, "http://127.0.0.1:PORT" (static storage in the server). */
unsigned serve_port(const serve *s);
const char *serve_url(const serve *s);

/* Graceful stop: stops accepting connections, lets the jobs already queued
 * or running finish and their answers go out, waits up to the idle timeout
 * for requests still uploading, then frees everything. NULL is a no-op. */
void serve_stop(serve *s);

/* What the server holds right now. */
typedef struct serve_counts {
    size_t requests;   /* requests received and not yet completed */
    size_t queued;     /* jobs waiting for a worker */
    size_t running;    /* jobs on a worker */
} serve_counts;

void serve_counts_get(serve *s, serve_counts *c);

/* While held, workers start no new job (jobs queue up until the queue is
 * full). For tests that need a full queue or jobs in flight at a known
 * moment; serve_stop releases the hold. */
void serve_hold(serve *s, int hold);

#endif /* CLCONV_SERVE_H */
