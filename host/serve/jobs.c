/*
 * The job pool: one warm runtime per device, a worker pool per device, and
 * one bounded queue over them all. A request first reserves a place (so a
 * full queue is answered 503 before any work is taken on), then its job goes
 * to the device with the least work per worker. Workers finish every queued
 * job before a stop lets them exit, which is what a graceful shutdown needs.
 */
#include "serve_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *worker_main(void *arg)
{
    serve_device *dev = arg;
    serve_pool *p = dev->pool;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->stopping && (!dev->head || p->held)) pthread_cond_wait(&p->wake, &p->lock);
        if (!dev->head) break;   /* stopping, and nothing left to do */
        serve_job *job = dev->head;
        dev->head = job->next;
        if (!dev->head) dev->tail = NULL;
        dev->queued--;
        p->queued--;
        dev->running++;
        pthread_mutex_unlock(&p->lock);

        job->started_at = io_now_s();
        job->run(job, dev);
        job->finished_at = io_now_s();

        pthread_mutex_lock(&p->lock);
        dev->running--;
        dev->busy_seconds += job->finished_at - job->started_at;
        pthread_mutex_unlock(&p->lock);
        /* done hands the job back to its connection, which may free it. */
        job->done(job);
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* Adds the device at index unless it is already served. */
static int add_device(serve_pool *p, size_t index, char *err, size_t err_size)
{
    for (size_t i = 0; i < p->n_devices; i++)
        if (p->devices[i].index == index) return 0;
    serve_device *dev = &p->devices[p->n_devices];
    memset(dev, 0, sizeof *dev);
    char spec[32];
    snprintf(spec, sizeof spec, "%zu", index);
    clconv_runtime_options o = {0};
    o.device = spec;
    int st = clconv_runtime_create_ex(&dev->rt, &o);
    if (st == 0) st = clconv_runtime_device(dev->rt, &dev->info);
    if (st < 0) {
        snprintf(err, err_size, "cannot open device %zu: %s: %s", index, clconv_strerror(st),
                 clconv_last_error(NULL));
        clconv_runtime_destroy(dev->rt);
        return -1;
    }
    dev->index = index;
    dev->pool = p;
    p->n_devices++;
    return 0;
}

static int open_devices(serve_pool *p, const char *const *specs, size_t n_specs, char *err,
                        size_t err_size)
{
    size_t count = 0;
    int st = clconv_device_count(&count);
    if (st < 0 || count == 0) {
        snprintf(err, err_size, "no OpenCL device: %s", clconv_last_error(NULL));
        return -1;
    }
    p->devices = calloc(count, sizeof *p->devices);
    if (!p->devices) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    if (n_specs == 0) {
        size_t index;
        st = clconv_device_find(NULL, &index);
        if (st < 0) {
            snprintf(err, err_size, "no default device: %s", clconv_last_error(NULL));
            return -1;
        }
        return add_device(p, index, err, err_size);
    }
    for (size_t i = 0; i < n_specs; i++) {
        if (strcmp(specs[i], "all") == 0) {
            for (size_t d = 0; d < count; d++)
                if (add_device(p, d, err, err_size) != 0) return -1;
            continue;
        }
        size_t index;
        /* An empty spec would silently mean the default device. */
        st = specs[i][0] ? clconv_device_find(specs[i], &index) : CLCONV_ENODEV;
        if (st < 0) {
            snprintf(err, err_size, "--device '%s' matches no device", specs[i]);
            return -1;
        }
        if (add_device(p, index, err, err_size) != 0) return -1;
    }
    return 0;
}

int pool_start(serve_pool *p, const char *const *specs, size_t n_specs, unsigned workers,
               size_t capacity, char *err, size_t err_size)
{
    memset(p, 0, sizeof *p);
    p->capacity = capacity;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    if (open_devices(p, specs, n_specs, err, err_size) != 0) goto fail;
    for (size_t i = 0; i < p->n_devices; i++) {
        serve_device *dev = &p->devices[i];
        dev->threads = calloc(workers, sizeof *dev->threads);
        if (!dev->threads) {
            snprintf(err, err_size, "out of memory");
            goto fail;
        }
        for (; dev->n_threads < workers; dev->n_threads++) {
            if (pthread_create(&dev->threads[dev->n_threads], NULL, worker_main, dev) != 0) {
                snprintf(err, err_size, "cannot start a worker thread");
                goto fail;
            }
        }
    }
    return 0;
fail:
    pool_stop(p);
    return -1;
}

int pool_reserve(serve_pool *p)
{
    pthread_mutex_lock(&p->lock);
    int ok = !p->stopping && p->queued < p->capacity;
    if (ok) p->queued++;
    pthread_mutex_unlock(&p->lock);
    return ok ? 0 : -1;
}

void pool_submit(serve_pool *p, serve_job *job)
{
    pthread_mutex_lock(&p->lock);
    /* Least work per worker; ties go to the first device listed. */
    serve_device *best = &p->devices[0];
    for (size_t i = 1; i < p->n_devices; i++) {
        serve_device *d = &p->devices[i];
        if ((double)(d->queued + d->running) / d->n_threads <
            (double)(best->queued + best->running) / best->n_threads)
            best = d;
    }
    job->next = NULL;
    job->device = best;
    job->queued_at = io_now_s();
    if (best->tail)
        best->tail->next = job;
    else
        best->head = job;
    best->tail = job;
    best->queued++;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
}

void pool_hold(serve_pool *p, int hold)
{
    pthread_mutex_lock(&p->lock);
    p->held = hold;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
}

void pool_counts(serve_pool *p, size_t *queued, size_t *running)
{
    pthread_mutex_lock(&p->lock);
    *queued = *running = 0;
    for (size_t i = 0; i < p->n_devices; i++) {
        *queued += p->devices[i].queued;
        *running += p->devices[i].running;
    }
    pthread_mutex_unlock(&p->lock);
}

void pool_stop(serve_pool *p)
{
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    p->held = 0;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (size_t i = 0; p->devices && i < p->n_devices; i++) {
        serve_device *dev = &p->devices[i];
        for (unsigned t = 0; t < dev->n_threads; t++) pthread_join(dev->threads[t], NULL);
        free(dev->threads);
        clconv_runtime_destroy(dev->rt);
    }
    free(p->devices);
    p->devices = NULL;
    p->n_devices = 0;
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
}
