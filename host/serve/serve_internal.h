/*
 * What the server's files share: the job pool (jobs.c), the metrics
 * (metrics.c), the access log (log.c), authentication (auth.c), the
 * checking of what each endpoint accepts (request.c) and the jobs that run
 * on the workers (handlers.c), as the daemon (server.c) ties them together.
 */
#ifndef CLCONV_SERVE_INTERNAL_H
#define CLCONV_SERVE_INTERNAL_H

#include "clconv.h"
#include "io.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- jobs (jobs.c) -------------------------------------------------------- */

typedef struct serve_device serve_device;
typedef struct serve_job serve_job;

/* A unit of work for a device's worker. run computes on the device; done is
 * called afterwards on the same worker thread, outside the pool's lock. */
struct serve_job {
    void (*run)(serve_job *job, serve_device *dev);
    void (*done)(serve_job *job);
    serve_job *next;
    double queued_at, started_at, finished_at;   /* seconds, monotonic */
    serve_device *device;                        /* set when queued */
};

/* One device: its warm runtime and its workers. */
struct serve_device {
    size_t index;                 /* in clconv's device list */
    clconv_runtime *rt;
    clconv_device_info info;
    pthread_t *threads;
    unsigned n_threads;
    serve_job *head, *tail;       /* waiting jobs */
    size_t queued, running;
    double busy_seconds;          /* sum of job run times */
    struct serve_pool *pool;
};

typedef struct serve_pool {
    pthread_mutex_t lock;
    pthread_cond_t wake;          /* a job arrived, or hold/stop changed */
    serve_device *devices;
    size_t n_devices;
    size_t capacity;              /* queued jobs at most, over all devices */
    size_t queued;                /* reserved or waiting */
    int held;
    int stopping;
} serve_pool;

/* Opens a runtime per device spec ("all": every device) with `workers`
 * threads each. Returns 0, or -1 with a line in err. */
int pool_start(serve_pool *p, const char *const *specs, size_t n_specs, unsigned workers,
               size_t capacity, char *err, size_t err_size);

/* Reserves a place in the queue: 0, or -1 when the queue is full. */
int pool_reserve(serve_pool *p);

/* Queues job (on a reservation) on the least-loaded device. */
void pool_submit(serve_pool *p, serve_job *job);

void pool_hold(serve_pool *p, int hold);

/* Jobs queued and running over all devices. */
void pool_counts(serve_pool *p, size_t *queued, size_t *running);

/* Lets the workers finish every queued job, joins them and destroys the
 * runtimes. */
void pool_stop(serve_pool *p);

/* ---- metrics (metrics.c) --------------------------------------------------- */

/* The convolution endpoints come first, in order of their dimensions
 * (1 + ep - EP_CONV1D), and the POST endpoints before the GET ones. */
typedef enum serve_endpoint {
    EP_CONV1D, EP_CONV2D, EP_CONV3D, EP_DIST, EP_DEVICES, EP_HEALTHZ, EP_METRICS, EP_OTHER,
    EP_COUNT
} serve_endpoint;

extern const char *const serve_endpoint_names[EP_COUNT];

typedef struct serve_metrics serve_metrics;

serve_metrics *metrics_create(void);
void metrics_destroy(serve_metrics *m);

/* Counts a completed request of endpoint with HTTP status after seconds. */
void metrics_request(serve_metrics *m, serve_endpoint ep, unsigned status, double seconds);

/* Writes the Prometheus text exposition: requests, latency histogram, the
 * in-flight gauges and per-device busy time and program cache counters. */
void metrics_write(serve_metrics *m, FILE *f, serve_pool *pool, size_t requests_in_flight);

/* ---- access log (log.c) ---------------------------------------------------- */

typedef struct access_entry {
    const char *method;
    const char *path;
    unsigned status;
    size_t bytes;             /* answer body */
    const char *device;       /* "" when no device ran */
    const char *chosen;       /* method chosen, "" when none */
    double ms;
} access_entry;

/* One line on f (text, or a JSON object when json), written whole. */
void log_access(FILE *f, int json, const access_entry *e);

/* ---- requests (server.c, handlers.c) --------------------------------------- */

/* A body part or a whole body, kept in memory (bounded by --max-body). */
typedef struct serve_buffer {
    char *data;
    size_t size, cap;
} serve_buffer;

/* Appends n bytes: 0, or -1 when out of memory. */
int buffer_append(serve_buffer *b, const char *data, size_t n);

/* The multipart parts the convolution endpoints take: input, and kernel or
 * the separable factors (kdepth for conv3d only). */
enum { PART_INPUT, PART_KERNEL, PART_KDEPTH, PART_KCOL, PART_KROW, PART_COUNT };
extern const char *const serve_part_names[PART_COUNT];

/* What a job needs from its request and leaves for its answer. */
typedef struct serve_work {
    serve_job job;
    serve_endpoint ep;
    const struct serve_limits *limits;
    /* conv: the parts, and the query parameters (validated by server.c) */
    serve_buffer parts[PART_COUNT];
    int present[PART_COUNT];  /* the parts the body held */
    clconv_conv_options opts;
    int mode_given;           /* mode= was given (images default to same) */
    int precision;            /* -1: from the inputs */
    int out_dtype_given, out_dtype; /* out_dtype= (conv_job.h) */
    int batch;
    int axis_given, axis;     /* axis=N (conv1d) */
    int normalize;            /* image answers: rescale to full range */
    char *preset;             /* kernel=PRESET, or NULL */
    /* dist: the parsed request */
    char **specs;
    int n_specs;
    unsigned long long times;
    double trim;              /* < 0: none */
    int dist_normalize;
    char *count;                  /* dist: "count", or NULL */
    clconv_method dist_method;
    /* the answer */
    unsigned status;
    char error[512];
    char *body;               /* malloc'ed answer */
    size_t body_size;
    const char *content_type;
    char device[300];         /* device name for X-Clconv-Device */
    size_t device_index;
    clconv_method chosen;
    int ran;                  /* 1 once a device ran it (device and chosen valid) */
    double upload_ms, compute_ms, download_ms;
} serve_work;

typedef struct serve_limits {
    size_t max_elements;
} serve_limits;

/* ---- authentication (auth.c) and requests (request.c) ---------------------- */

/* 1 when token is NULL (no --token-file) or conn's Authorization header is
 * "Bearer TOKEN" with this token, compared in time that does not depend on
 * how much of it matches; else 0. */
int auth_check(const char *token, struct MHD_Connection *conn);

/* A libmicrohttpd iterator over the query parameters of the convolution
 * endpoints (cls: the serve_work): each is checked and stored in the work;
 * the first mistake sets its status and error and stops the iteration. */
enum MHD_Result request_param(void *cls, enum MHD_ValueKind kind, const char *key,
                              const char *value);

/* A libmicrohttpd post processor's callback (cls: the serve_work): streams
 * each multipart part into its buffer, refusing unknown, nameless and
 * repeated parts and a lack of memory. */
enum MHD_Result request_part(void *cls, enum MHD_ValueKind kind, const char *key,
                             const char *filename, const char *content_type,
                             const char *transfer_encoding, const char *data, uint64_t off,
                             size_t size);

/* After the body: the parts given must make one job (input, and a kernel
 * part or parts or a preset, not both). 0, or -1 with the work's status. */
int request_check_parts(serve_work *w);

/* Parses /v1/dist's JSON body into w. 0, or -1 with the work's status. */
int request_parse_dist(serve_work *w, const serve_buffer *body);

/* The HTTP status of a failed job, from the status code (< 0) the jobs, the
 * formats and the library return; the one table of the service: what the
 * input asked for is a 400, a size over a limit (or overflowing) a 413, a
 * lack of host or device memory a 503 (another moment may succeed); the
 * rest (no device, a failed build or OpenCL call, an I/O error of the
 * server's own) is the server's fault, a 500. */
unsigned serve_http_status(int status);

/* The request's parts and parameters as the conv job's inputs (fuzzed by
 * tests/fuzz/fuzz_multipart.c without a device). */
struct conv_job;
void handle_make_job(serve_work *w, struct conv_job *job);

/* Job bodies, run on a worker of dev. */
void handle_conv(serve_work *w, serve_device *dev);
void handle_dist(serve_work *w, serve_device *dev);

#endif /* CLCONV_SERVE_INTERNAL_H */
