/*
 * The runtime handle: one device with its context and in-order command
 * queue, the program cache, the scratch pool and the settings resolved from
 * options and environment (cache directory, allocation limit, verbosity).
 */
#include "fft.h"
#include "internal.h"
#include "plan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef CLCONV_VERSION_STRING
#define CLCONV_VERSION_STRING "0.0.0"
#endif

unsigned clconv_version(void) { return CLCONV_VERSION_NUMBER; }
const char *clconv_version_string(void) { return CLCONV_VERSION_STRING; }

double clconv__now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void clconv__note(const clconv_runtime *rt, const char *fmt, ...)
{
    va_list ap;
    if (!rt || !rt->verbose) return;
    va_start(ap, fmt);
    fputs("clconv: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* Parses a byte count with an optional K/M/G suffix (powers of 1024): digits
 * first, since strtoull would skip blanks and wrap a minus sign around. */
static int parse_bytes(const char *s, uint64_t *out)
{
    char *end;
    if (*s < '0' || *s > '9') return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) return -1;
    uint64_t mul = 1;
    switch (*end) {
    case 'k': case 'K': mul = 1ull << 10; end++; break;
    case 'm': case 'M': mul = 1ull << 20; end++; break;
    case 'g': case 'G': mul = 1ull << 30; end++; break;
    default: break;
    }
    if (*end || v == 0 || v > UINT64_MAX / mul) return -1;
    *out = v * mul;
    return 0;
}

/* The cache directory: option, $CLCONV_CACHE_DIR, $XDG_CACHE_HOME/clconv,
 * ~/.cache/clconv; NULL (cache off) when none can be named. */
static char *cache_dir_for(const clconv_runtime_options *o)
{
    const char *env;
    char buf[4096];
    if (o->cache_dir && *o->cache_dir) return strdup(o->cache_dir);
    if ((env = getenv("CLCONV_CACHE_DIR")) && *env) return strdup(env);
    if ((env = getenv("XDG_CACHE_HOME")) && *env) {
        snprintf(buf, sizeof buf, "%s/clconv", env);
        return strdup(buf);
    }
    if ((env = getenv("HOME")) && *env) {
        snprintf(buf, sizeof buf, "%s/.cache/clconv", env);
        return strdup(buf);
    }
    return NULL;
}

/* The runtime's own locks (internal.h says what each guards). */
static int locks_init(clconv_runtime *rt)
{
    if (pthread_mutex_init(&rt->program_lock, NULL) != 0) goto fail;
    if (pthread_cond_init(&rt->program_built, NULL) != 0) goto fail_program_lock;
    if (pthread_mutex_init(&rt->scratch_lock, NULL) != 0) goto fail_program_built;
    return 0;

fail_program_built:
    pthread_cond_destroy(&rt->program_built);
fail_program_lock:
    pthread_mutex_destroy(&rt->program_lock);
fail:
    return CLCONV_FAIL(NULL, CLCONV_ENOMEM, "initialising the runtime's locks");
}

static void locks_destroy(clconv_runtime *rt)
{
    pthread_mutex_destroy(&rt->scratch_lock);
    pthread_cond_destroy(&rt->program_built);
    pthread_mutex_destroy(&rt->program_lock);
}

int clconv_runtime_create(clconv_runtime **out, const char *spec)
{
    clconv_runtime_options o;
    memset(&o, 0, sizeof o);
    o.device = spec;
    return clconv_runtime_create_ex(out, &o);
}

int clconv_runtime_create_ex(clconv_runtime **out, const clconv_runtime_options *opts)
{
    clconv_runtime_options defaults;
    clconv_runtime *rt;
    size_t index;
    cl_int err;
    int status;
    const char *env;

    RETURN_IF(NULL, !out, CLCONV_EINVAL, "out is NULL");
    *out = NULL;
    if (!opts) {
        memset(&defaults, 0, sizeof defaults);
        opts = &defaults;
    }
    FORWARD_IF_ERROR(clconv_device_find(opts->device, &index));

    rt = calloc(1, sizeof *rt);
    RETURN_IF(NULL, !rt, CLCONV_ENOMEM, "allocating the runtime");
    status = locks_init(rt);
    if (status < 0) {
        free(rt);
        return status;
    }
    status = clconv__fft_cache_create(rt);
    if (status < 0) goto fail_locks;
    status = clconv__plan_create(rt);
    if (status < 0) goto fail_fft;
    rt->verbose = opts->verbose || ((env = getenv("CLCONV_VERBOSE")) && *env && *env != '0');

    status = clconv__device_ids(index, &rt->platform, &rt->device);
    if (status < 0) goto fail_plan;
    status = clconv__device_query(rt->platform, rt->device, &rt->info);
    if (status < 0) goto fail_plan;
    rt->info.index = index;

    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)rt->platform, 0};
    rt->ctx = clCreateContext(props, 1, &rt->device, NULL, NULL, &err);
    if (err != CL_SUCCESS) {
        status = clconv__cl_fail(NULL, err, "clCreateContext", __FILE__, __LINE__,
                                 "device '%s'", rt->info.name);
        goto fail_plan;
    }
    rt->queue = clCreateCommandQueue(rt->ctx, rt->device, 0, &err);
    if (err != CL_SUCCESS) {
        status = clconv__cl_fail(NULL, err, "clCreateCommandQueue", __FILE__, __LINE__,
                                 "device '%s'", rt->info.name);
        goto fail_ctx;
    }

    cl_bool unified = CL_FALSE;
    err = clGetDeviceInfo(rt->device, CL_DEVICE_HOST_UNIFIED_MEMORY, sizeof unified, &unified,
                          NULL);
    if (err != CL_SUCCESS) {
        status = clconv__cl_fail(NULL, err, "clGetDeviceInfo", __FILE__, __LINE__,
                                 "CL_DEVICE_HOST_UNIFIED_MEMORY of '%s'", rt->info.name);
        goto fail_queue;
    }
    rt->host_unified = unified == CL_TRUE;
    cl_ulong cache = 0;
    err = clGetDeviceInfo(rt->device, CL_DEVICE_GLOBAL_MEM_CACHE_SIZE, sizeof cache, &cache, NULL);
    if (err != CL_SUCCESS) {
        status = clconv__cl_fail(NULL, err, "clGetDeviceInfo", __FILE__, __LINE__,
                                 "CL_DEVICE_GLOBAL_MEM_CACHE_SIZE of '%s'", rt->info.name);
        goto fail_queue;
    }
    /* Direct outputs from this size up are stored non-temporally
     * (conv_rows.cl): on a CPU device, past its caches, a cached store
     * reads each line before writing it. Only where one vector register is
     * a whole 64-byte line: on a Zen 5 (AVX-512) 4096^2 float32 3x3 outputs
     * so stored took 0.74-0.82x the time, while on a Zen 3 (AVX2: two
     * 32-byte stores a line) 3x3, 5x5 and 9x9 took 1.3-1.7x the time of
     * cached stores in the same shapes: with input and output at the same
     * page offset, as NumPy's arrays are, each strip's loads waited on the
     * streamed stores before them, and an order of strips that avoids
     * that only drew level with cached stores (host/params.c); carrying
     * the halo or holding the last line from strip to strip cost more
     * than the wait (README, Zen 3). Other devices stream only when
     * CLCONV_STREAM_MIN asks. */
    const int line_vectors = clconv__vector_width(rt, CLCONV_F32) * sizeof(float) >= 64;
    rt->stream_min =
        rt->info.type == CLCONV_DEVICE_CPU && cache && line_vectors ? cache : UINT64_MAX;
    if ((env = getenv("CLCONV_STREAM_MIN")) && *env && parse_bytes(env, &rt->stream_min) != 0) {
        status = CLCONV_FAIL(NULL, CLCONV_EINVAL,
                             "CLCONV_STREAM_MIN='%s' is not a byte count like 32M", env);
        goto fail_queue;
    }
    status = clconv__fft_backend_choose(rt);
    if (status != 0) goto fail_queue;

    rt->max_alloc = rt->info.max_alloc_bytes;
    if (opts->max_alloc) {
        rt->max_alloc = opts->max_alloc < rt->max_alloc ? opts->max_alloc : rt->max_alloc;
    } else if ((env = getenv("CLCONV_MAX_ALLOC")) && *env) {
        uint64_t v;
        if (parse_bytes(env, &v) != 0) {
            status = CLCONV_FAIL(NULL, CLCONV_EINVAL,
                                 "CLCONV_MAX_ALLOC='%s' is not a byte count like 64M", env);
            goto fail_queue;
        }
        rt->max_alloc = v < rt->max_alloc ? v : rt->max_alloc;
    }

    int disk = opts->disk_cache;
    if (disk == 0) disk = ((env = getenv("CLCONV_NO_CACHE")) && *env && *env != '0') ? -1 : 1;
    if (disk > 0) rt->cache_dir = cache_dir_for(opts);

    clconv__note(rt, "device %zu: %s (%s), max allocation %" PRIu64 " bytes, cache %s", index,
                 rt->info.name, rt->info.platform, rt->max_alloc,
                 rt->cache_dir ? rt->cache_dir : "off");
    *out = rt;
    return 0;

fail_queue:
    clReleaseCommandQueue(rt->queue);
fail_ctx:
    clReleaseContext(rt->ctx);
fail_plan:
    clconv__plan_clear(rt);
fail_fft:
    clconv__fft_cache_clear(rt);
fail_locks:
    locks_destroy(rt);
    free(rt);
    return status;
}

void clconv_runtime_destroy(clconv_runtime *rt)
{
    if (!rt) return;
    /* Nothing useful can be done with a failure here: the runtime is going. */
    (void)clFinish(rt->queue);
    clconv__fft_cache_clear(rt);
    clconv__plan_clear(rt);
    clconv__scratch_clear(rt);
    clconv__program_cache_clear(rt);
    clReleaseCommandQueue(rt->queue);
    clReleaseContext(rt->ctx);
    locks_destroy(rt);
    free(rt->cache_dir);
    free(rt);
}

int clconv_runtime_device(const clconv_runtime *rt, clconv_device_info *info)
{
    RETURN_IF(rt, !rt || !info, CLCONV_EINVAL, "runtime or info is NULL");
    *info = rt->info;
    return 0;
}

cl_context clconv_runtime_context(const clconv_runtime *rt) { return rt ? rt->ctx : NULL; }

cl_command_queue clconv_runtime_queue(const clconv_runtime *rt) { return rt ? rt->queue : NULL; }

int clconv_runtime_finish(clconv_runtime *rt)
{
    RETURN_IF(rt, !rt, CLCONV_EINVAL, "runtime is NULL");
    CL_RETURN_IF(rt, CLCONV__CL(clFinish, rt->queue), "clFinish", "waiting for device '%s'",
                 rt->info.name);
    return 0;
}

int clconv_runtime_cache_stats(const clconv_runtime *rt, clconv_cache_stats *stats)
{
    RETURN_IF(rt, !rt || !stats, CLCONV_EINVAL, "runtime or stats is NULL");
    pthread_mutex_lock((pthread_mutex_t *)&rt->program_lock);
    *stats = rt->stats;
    pthread_mutex_unlock((pthread_mutex_t *)&rt->program_lock);
    clconv__fft_cache_counts(rt, &stats->plan_hits, &stats->plans_created);
    return 0;
}

unsigned clconv__vector_width(const clconv_runtime *rt, clconv_dtype dtype)
{
    const unsigned pref =
        dtype == CLCONV_F64 ? rt->info.pref_vector_double : rt->info.pref_vector_float;
    return pref >= 2 && pref <= 16 && (pref & (pref - 1)) == 0
               ? pref
               : (unsigned)(32 / clconv_dtype_size(dtype));
}

unsigned clconv__vector_fit(const clconv_runtime *rt, clconv_dtype dtype, unsigned want)
{
    if (rt->info.type != CLCONV_DEVICE_CPU) return want;
    const unsigned native = clconv__vector_width(rt, dtype);
    return want > native ? native : want;
}

int clconv__check_dtype(const clconv_runtime *rt, clconv_dtype dtype)
{
    RETURN_IF(rt, clconv__dtype_is_int(dtype), CLCONV_EINVAL,
              "%s is a storage type, not a compute precision: kernels are float32, float64, "
              "complex64 or complex128 (integer dtypes are for signals and outputs)",
              clconv_dtype_name(dtype));
    RETURN_IF(rt, dtype != CLCONV_F32 && dtype != CLCONV_F64, CLCONV_EINVAL,
              "unknown dtype %d", (int)dtype);
    RETURN_IF(rt, dtype == CLCONV_F64 && !rt->info.fp64, CLCONV_ENOTSUP,
              "float64 requested but device '%s' lacks cl_khr_fp64", rt->info.name);
    return 0;
}

/* Per dtype, in enum order: NumPy's name, OpenCL C's type, bytes. */
static const struct {
    const char *name, *cl;
    size_t size;
} dtypes[] = {{"float32", "float", 4},     {"float64", "double", 8},
              {"uint8", "uchar", 1},       {"uint16", "ushort", 2},
              {"int16", "short", 2},       {"complex64", "float2", 8},
              {"complex128", "double2", 16}};
#define DTYPES (sizeof dtypes / sizeof dtypes[0])

size_t clconv_dtype_size(clconv_dtype dtype)
{
    return (unsigned)dtype < DTYPES ? dtypes[dtype].size : 0;
}

const char *clconv_dtype_name(clconv_dtype dtype)
{
    return (unsigned)dtype < DTYPES ? dtypes[dtype].name : "unknown";
}

int clconv_dtype_parse(const char *name, clconv_dtype *dtype)
{
    RETURN_IF(NULL, !name || !dtype, CLCONV_EINVAL, "name or dtype is NULL");
    for (unsigned i = 0; i < DTYPES; i++)
        if (strcmp(name, dtypes[i].name) == 0) return (*dtype = (clconv_dtype)i), 0;
    return CLCONV_FAIL(NULL, CLCONV_EINVAL,
                       "unknown dtype '%s' (float32, float64, uint8, uint16, int16, complex64 "
                       "or complex128)",
                       name);
}

const char *clconv__dtype_cl_name(clconv_dtype dtype)
{
    return (unsigned)dtype < DTYPES ? dtypes[dtype].cl : "float";
}

int clconv__dtype_is_int(clconv_dtype dtype)
{
    return dtype == CLCONV_U8 || dtype == CLCONV_U16 || dtype == CLCONV_I16;
}

int clconv__dtype_is_complex(clconv_dtype dtype)
{
    return dtype == CLCONV_C64 || dtype == CLCONV_C128;
}

clconv_dtype clconv__dtype_real(clconv_dtype dtype)
{
    return dtype == CLCONV_C64 ? CLCONV_F32 : dtype == CLCONV_C128 ? CLCONV_F64 : dtype;
}

clconv_dtype clconv__dtype_complex(clconv_dtype dtype)
{
    return dtype == CLCONV_F32 ? CLCONV_C64 : dtype == CLCONV_F64 ? CLCONV_C128 : dtype;
}

int clconv__check_storage_dtype(const clconv_runtime *rt, clconv_dtype dtype)
{
    if (clconv__dtype_is_int(dtype)) return 0;
    return clconv__check_dtype(rt, clconv__dtype_real(dtype));
}
