/*
 * Device memory: checked allocation against the runtime's limit, and a small
 * pool of scratch buffers so repeated calls (padding copies, FFT work areas,
 * host-form staging) do not pay an allocation each time. Reuse is safe
 * without events because all of clconv's work goes through the runtime's one
 * in-order queue: a later user of a pooled buffer runs after every earlier
 * one.
 */
#include "internal.h"

#include <inttypes.h>
#include <stdlib.h>

/* Pooled bytes kept beyond this are freed on release. */
#define POOL_LIMIT_BYTES ((size_t)512 << 20)
#define POOL_MAX_ENTRIES 32

struct clconv__scratch {
    struct clconv__scratch *next;
    cl_mem mem;
    size_t bytes;
    int in_use;
};

int clconv__alloc(clconv_runtime *rt, cl_mem_flags flags, size_t bytes, void *host, cl_mem *out)
{
    cl_int err;
    RETURN_IF(rt, bytes == 0, CLCONV_EINVAL, "zero-byte device allocation");
    RETURN_IF(rt, (uint64_t)bytes > rt->max_alloc, CLCONV_EOVERFLOW,
              "%zu bytes exceed the largest allocation allowed on '%s' (%" PRIu64 " bytes)",
              bytes, rt->info.name, rt->max_alloc);
    *out = CLCONV__CL_OBJ(clCreateBuffer, &err, rt->ctx, flags, bytes, host);
    CL_RETURN_IF(rt, err, "clCreateBuffer", "%zu bytes on '%s'", bytes, rt->info.name);
    return 0;
}

int clconv__scratch_get(clconv_runtime *rt, size_t bytes, cl_mem *out)
{
    struct clconv__scratch *best = NULL;
    pthread_mutex_lock(&rt->scratch_lock);
    /* Smallest free entry that fits, and not more than twice the request, so
     * a small job does not pin a huge buffer. */
    for (struct clconv__scratch *s = rt->scratch; s; s = s->next)
        if (!s->in_use && s->bytes >= bytes && s->bytes / 2 <= bytes &&
            (!best || s->bytes < best->bytes))
            best = s;
    if (best) {
        best->in_use = 1;
        *out = best->mem;
        pthread_mutex_unlock(&rt->scratch_lock);
        return 0;
    }
    pthread_mutex_unlock(&rt->scratch_lock);

    cl_mem mem;
    FORWARD_IF_ERROR(clconv__alloc(rt, CL_MEM_READ_WRITE, bytes, NULL, &mem));
    struct clconv__scratch *entry = malloc(sizeof *entry);
    if (!entry) {
        clReleaseMemObject(mem);
        return CLCONV_FAIL(rt, CLCONV_ENOMEM, "allocating a scratch entry");
    }
    entry->mem = mem;
    entry->bytes = bytes;
    entry->in_use = 1;
    pthread_mutex_lock(&rt->scratch_lock);
    entry->next = rt->scratch;
    rt->scratch = entry;
    rt->scratch_cached_bytes += bytes;
    pthread_mutex_unlock(&rt->scratch_lock);
    *out = mem;
    return 0;
}

void clconv__scratch_release(clconv_runtime *rt, cl_mem mem)
{
    if (!mem) return;
    pthread_mutex_lock(&rt->scratch_lock);
    struct clconv__scratch **link = &rt->scratch;
    size_t entries = 0;
    for (struct clconv__scratch *s = rt->scratch; s; s = s->next) entries++;
    while (*link && (*link)->mem != mem) link = &(*link)->next;
    if (*link) {
        struct clconv__scratch *s = *link;
        s->in_use = 0;
        /* Over budget: drop this one rather than keep growing the pool. The
         * release is deferred by OpenCL until queued users are done. */
        if (rt->scratch_cached_bytes > POOL_LIMIT_BYTES || entries > POOL_MAX_ENTRIES) {
            *link = s->next;
            rt->scratch_cached_bytes -= s->bytes;
            clReleaseMemObject(s->mem);
            free(s);
        }
    }
    pthread_mutex_unlock(&rt->scratch_lock);
}

void clconv__scratch_clear(clconv_runtime *rt)
{
    struct clconv__scratch *s = rt->scratch, *next;
    for (; s; s = next) {
        next = s->next;
        clReleaseMemObject(s->mem);
        free(s);
    }
    rt->scratch = NULL;
    rt->scratch_cached_bytes = 0;
}
