/*
 * The server's metrics in Prometheus' text format: requests by endpoint and
 * status, a latency histogram, requests in flight, jobs queued and running,
 * and per device the seconds its workers were busy and its program and FFT
 * plan cache counters. Counters live in fixed tables under one lock, so a
 * scrape costs microseconds and the metrics never grow with the traffic.
 */
#include "serve_internal.h"

#include <stdlib.h>

const char *const serve_endpoint_names[EP_COUNT] = {
    "conv1d", "conv2d", "conv3d", "dist", "devices", "healthz", "metrics", "other"};

/* The statuses the server answers, and those it logs for requests that got
 * no answer (408: timed out, 499: the client went away); anything else is
 * counted as "other". */
static const unsigned codes[] = {200, 400, 401, 404, 405, 408, 411, 413, 415, 499, 500, 503};
#define N_CODES (sizeof codes / sizeof codes[0])

static const double buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                 0.25,  0.5,    1,     2.5,  5,     10};
#define N_BUCKETS (sizeof buckets / sizeof buckets[0])

struct serve_metrics {
    pthread_mutex_t lock;
    unsigned long requests[EP_COUNT][N_CODES + 1];   /* last column: other statuses */
    unsigned long le[N_BUCKETS];                     /* cumulative at write time */
    unsigned long count;
    double sum;
};

serve_metrics *metrics_create(void)
{
    serve_metrics *m = calloc(1, sizeof *m);
    if (m) pthread_mutex_init(&m->lock, NULL);
    return m;
}

void metrics_destroy(serve_metrics *m)
{
    if (!m) return;
    pthread_mutex_destroy(&m->lock);
    free(m);
}

void metrics_request(serve_metrics *m, serve_endpoint ep, unsigned status, double seconds)
{
    size_t c = 0;
    while (c < N_CODES && codes[c] != status) c++;
    pthread_mutex_lock(&m->lock);
    m->requests[ep][c]++;
    for (size_t b = 0; b < N_BUCKETS; b++)
        if (seconds <= buckets[b]) {
            m->le[b]++;
            break;
        }
    m->count++;
    m->sum += seconds;
    pthread_mutex_unlock(&m->lock);
}

void metrics_write(serve_metrics *m, FILE *f, serve_pool *pool, size_t requests_in_flight)
{
    pthread_mutex_lock(&m->lock);
    fputs("# HELP clconv_requests_total Requests answered, by endpoint and HTTP status.\n"
          "# TYPE clconv_requests_total counter\n", f);
    for (int e = 0; e < EP_COUNT; e++)
        for (size_t c = 0; c <= N_CODES; c++) {
            if (!m->requests[e][c]) continue;
            char code[16];
            if (c < N_CODES)
                snprintf(code, sizeof code, "%u", codes[c]);
            else
                snprintf(code, sizeof code, "other");
            fprintf(f, "clconv_requests_total{endpoint=\"%s\",code=\"%s\"} %lu\n",
                    serve_endpoint_names[e], code, m->requests[e][c]);
        }
    fputs("# HELP clconv_request_duration_seconds Time from the request's headers to its "
          "completion.\n# TYPE clconv_request_duration_seconds histogram\n", f);
    unsigned long cumulative = 0;
    for (size_t b = 0; b < N_BUCKETS; b++) {
        cumulative += m->le[b];
        fprintf(f, "clconv_request_duration_seconds_bucket{le=\"%g\"} %lu\n", buckets[b],
                cumulative);
    }
    fprintf(f, "clconv_request_duration_seconds_bucket{le=\"+Inf\"} %lu\n", m->count);
    fprintf(f, "clconv_request_duration_seconds_sum %.6f\n", m->sum);
    fprintf(f, "clconv_request_duration_seconds_count %lu\n", m->count);
    pthread_mutex_unlock(&m->lock);

    size_t queued, running;
    pool_counts(pool, &queued, &running);
    fprintf(f, "# HELP clconv_requests_in_flight Requests received and not yet answered.\n"
               "# TYPE clconv_requests_in_flight gauge\nclconv_requests_in_flight %zu\n",
            requests_in_flight);
    fprintf(f, "# HELP clconv_jobs_queued Jobs waiting for a worker.\n"
               "# TYPE clconv_jobs_queued gauge\nclconv_jobs_queued %zu\n", queued);
    fprintf(f, "# HELP clconv_jobs_running Jobs on a worker.\n"
               "# TYPE clconv_jobs_running gauge\nclconv_jobs_running %zu\n", running);

    fputs("# HELP clconv_device_busy_seconds_total Time the device's workers spent on jobs.\n"
          "# TYPE clconv_device_busy_seconds_total counter\n", f);
    pthread_mutex_lock(&pool->lock);
    for (size_t i = 0; i < pool->n_devices; i++)
        fprintf(f, "clconv_device_busy_seconds_total{device=\"%zu\"} %.6f\n",
                pool->devices[i].index, pool->devices[i].busy_seconds);
    pthread_mutex_unlock(&pool->lock);

    /* The runtimes are thread-safe and outlive the server's connections, so
     * their counters are read without the pool's lock. */
    static const char *const names[] = {"program_cache_memory_hits", "program_cache_disk_hits",
                                        "program_cache_builds", "program_cache_disk_rejects",
                                        "fft_plan_cache_hits", "fft_plans_created"};
    static const char *const help[] = {
        "Programs found already built in the runtime's memory.",
        "Programs loaded from the on-disk binary cache.",
        "Programs compiled from source.",
        "Cached binaries that failed to verify or load.",
        "FFT plans found in the runtime's plan cache.",
        "FFT plans created."};
    for (int k = 0; k < 6; k++) {
        fprintf(f, "# HELP clconv_%s_total %s\n# TYPE clconv_%s_total counter\n", names[k],
                help[k], names[k]);
        for (size_t i = 0; i < pool->n_devices; i++) {
            clconv_cache_stats s;
            if (clconv_runtime_cache_stats(pool->devices[i].rt, &s) != 0) continue;
            const unsigned long v[] = {s.memory_hits, s.disk_hits,  s.builds,
                                       s.disk_rejects, s.plan_hits, s.plans_created};
            fprintf(f, "clconv_%s_total{device=\"%zu\"} %lu\n", names[k],
                    pool->devices[i].index, v[k]);
        }
    }
}
