/*
 * Real-to-complex transforms on the host through FFTW 3, for devices whose
 * buffers live in host memory (POCL's CPU device): the only translation
 * unit that includes fftw3.h. Plans live in fft.c's plan cache beside
 * VkFFT's; this file makes, runs and frees one plan.
 *
 * Why: VkFFT's generated kernels under POCL 3.1 ran 2 to 4.5 times slower
 * per transform than pocketfft here, and further behind FFTW (README, "FFT
 * on CPU devices"). A transform maps the buffer (zero-copy on POCL's CPU
 * device), runs FFTW in place on the padded layout, which is exactly
 * FFTW's in-place r2c/c2r layout, and unmaps it.
 *
 * FFTW's planner (plan creation and destruction, wisdom, the thread count)
 * is not thread-safe, so all of it runs under planner_lock; execution
 * through the new-array functions is, so launches take no lock here.
 */
#include "fft.h"

#include <fftw3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct clconv__fft_host_plan {
    void *plan;  /* fftwf_plan or fftw_plan, by the key's dtype */
    size_t bytes;
};

/* Guards every FFTW call but the execute functions. A leaf lock. */
static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t threads_once = PTHREAD_ONCE_INIT;
static int threads_ok;

static void threads_init(void)
{
    threads_ok = fftwf_init_threads() != 0 && fftw_init_threads() != 0;
}

/* Planning one precision: X is the FFTW prefix (fftwf_ or fftw_), R its real
 * type. Generated once per precision so that both share one body. */
#define HOST_PRECISION(X, R)                                                            \
    static void *host_make_##X(int rank, const fftw_iodim64 *dims, const fftw_iodim64 *many,   \
                         int inverse, void *data, unsigned flags)                        \
    {                                                                                   \
        return inverse ? (void *)X##plan_guru64_dft_c2r(rank, dims, 1, many,             \
                                                         (X##complex *)data, (R *)data,  \
                                                         flags)                          \
                       : (void *)X##plan_guru64_dft_r2c(rank, dims, 1, many, (R *)data,  \
                                                         (X##complex *)data, flags);     \
    }                                                                                   \
    static void *host_make_depth_##X(const fftw_iodim64 *dim, const fftw_iodim64 *many,     \
                                     int inverse, void *data, unsigned flags)             \
    {                                                                                   \
        return (void *)X##plan_guru64_dft(1, dim, 2, many, (X##complex *)data,          \
                                          (X##complex *)data,                           \
                                          inverse ? FFTW_BACKWARD : FFTW_FORWARD, flags); \
    }                                                                                   \
    static void host_run_##X(void *plan, int inverse, int depth_pass, void *data)         \
    {                                                                                   \
        if (depth_pass)                                                                 \
            X##execute_dft((X##plan)plan, (X##complex *)data, (X##complex *)data);       \
        else if (inverse)                                                               \
            X##execute_dft_c2r((X##plan)plan, (X##complex *)data, (R *)data);            \
        else                                                                            \
            X##execute_dft_r2c((X##plan)plan, (R *)data, (X##complex *)data);            \
    }

HOST_PRECISION(fftwf_, float)
HOST_PRECISION(fftw_, double)
#undef HOST_PRECISION

/* Single-thread 2-D plans of this many points or more, up to MEASURED_MAX,
 * are measured by default (the host convolution's overlap-save blocks,
 * fftconv_host.c); MEASURED_SECONDS bounds each one's search. Measured on
 * the shared 2-core EPYC, conv2d 2048^2 with 31x31 in 100 blocks of
 * 256 x 256 (scripts/bench-vs-opencv.py, FFT forced, medians of 5, two
 * alternating pairs, load average 4.7-5.0): estimated plans 95.0 and 105.2
 * ms against OpenCV's 90.0 and 108.4, measured ones 85.0 and 80.3 against
 * 119.2 and 117.7 (0.97-1.06 of OpenCV against 0.68-0.71). Planning one
 * such transform takes 0.2-1 s, once per machine: the wisdom is kept in the
 * disk cache. Smaller transforms cost microseconds either way, larger or
 * multi-threaded ones gained nothing measurable (below) for seconds of
 * planning each, and 1-D blocks of 2^14 to 2^19 points single-threaded
 * (FFTW alone, r2c and c2r, best of 7) ran 0.8-1.3 times as long measured
 * as estimated, within this machine's noise, for 0.4-16 s of planning. */
#define MEASURED_MIN ((size_t)1 << 14)
#define MEASURED_MAX ((size_t)1 << 18)
#define MEASURED_SECONDS 1.0

/* The planner's rigour for key: CLCONV_FFTW_PLANNER=estimate, measure or
 * patient for every plan, else (auto) FFTW_MEASURE for single-thread 2-D
 * transforms of MEASURED_MIN ... MEASURED_MAX points and FFTW_ESTIMATE for
 * the rest. Measured here with 2 threads on the shared 2-core machine
 * (best of 5, float32 r2c, two runs): FFTW_MEASURE, its search cut at 5 s,
 * took 5.0-7.1 s to plan 2^22, 256^3 and 280^3 points and then ran them in
 * 48/39, 217/254 and 373/582 ms against ESTIMATE's 43/54, 264/244 and
 * 299/380 ms, planned in 6-37 ms: no gain above the machine's noise for
 * seconds of planning per size. Wisdom from the disk cache is read whatever
 * the rigour: FFTW_ESTIMATE uses measured plans when they are there. */
static unsigned planner_flags(const clconv__fft_key *key, double *seconds)
{
    const char *env = getenv("CLCONV_FFTW_PLANNER");
    *seconds = 5.0;
    if (env && strcmp(env, "measure") == 0) return FFTW_MEASURE;
    if (env && strcmp(env, "patient") == 0) return FFTW_PATIENT;
    if (env && strcmp(env, "estimate") == 0) return FFTW_ESTIMATE;
    const size_t points = key->len[0] * key->len[1] * clconv__fft_depth(key) * key->count;
    *seconds = MEASURED_SECONDS;
    const int plane = key->len[0] > 1 && clconv__fft_depth(key) == 1;
    return key->threads == 1 && plane && points >= MEASURED_MIN && points <= MEASURED_MAX
               ? FFTW_MEASURE
               : FFTW_ESTIMATE;
}

/* <cache_dir>/fftw-<f32|f64>.wisdom, or NULL. */
static char *wisdom_path(const clconv_runtime *rt, int f64)
{
    if (!rt->cache_dir) return NULL;
    size_t cap = strlen(rt->cache_dir) + 32;
    char *path = malloc(cap);
    if (path) snprintf(path, cap, "%s/fftw-%s.wisdom", rt->cache_dir, f64 ? "f64" : "f32");
    return path;
}

/* Wisdom files read by this process, one per precision: the last path, so
 * that a runtime with another cache directory reads its own. */
static char *wisdom_read[2];

/* Reads the wisdom of path once per process (under planner_lock). A
 * damaged or missing file is ignored: FFTW then plans from scratch. */
static void wisdom_load(int f64, const char *path)
{
    if (wisdom_read[f64] && strcmp(wisdom_read[f64], path) == 0) return;
    (void)(f64 ? fftw_import_wisdom_from_filename(path)
               : fftwf_import_wisdom_from_filename(path));
    free(wisdom_read[f64]);
    wisdom_read[f64] = strdup(path);
}

/* Stores the planner's wisdom through a temporary file and rename() (under
 * planner_lock); a failure only costs the next process its planning. */
static void wisdom_store(int f64, const char *path)
{
    size_t cap = strlen(path) + 32;
    char *tmp = malloc(cap);
    if (!tmp) return;
    snprintf(tmp, cap, "%s.%ld.tmp", path, (long)getpid());
    const int ok = f64 ? fftw_export_wisdom_to_filename(tmp) : fftwf_export_wisdom_to_filename(tmp);
    if (!ok || rename(tmp, path) != 0) (void)unlink(tmp);
    free(tmp);
}

int clconv__fft_host_plan_create(clconv_runtime *rt, const clconv__fft_key *key,
                                 clconv__fft_host_plan **out)
{
    const size_t depth = clconv__fft_depth(key);
    const size_t pitch = clconv__fft_pitch(key->len[1]);
    const int f64 = key->dtype == CLCONV_F64;
    size_t one, bytes;
    if (clconv__mul_ok(clconv__fft_reals(key->len), depth, &one) ||
        clconv__mul_ok(one, key->count, &bytes) ||
        clconv__mul_ok(bytes, clconv_dtype_size(key->dtype), &bytes))
        return CLCONV_FAIL(rt, CLCONV_EOVERFLOW, "FFT of %zu x %zu x %zu (count %zu) overflows",
                           depth, key->len[0], key->len[1], key->count);

    /* Dimensions outermost first; strides in the real elements of the
     * padded layout on the real side, in complex ones on the other. */
    fftw_iodim64 dims[3], many;
    const size_t ext[3] = {depth, key->len[0], key->len[1]};
    const size_t rstride[3] = {key->len[0] * pitch, pitch, 1};
    const size_t cstride[3] = {key->len[0] * pitch / 2, pitch / 2, 1};
    int rank = 0;
    for (int i = 0; i < 3; i++) {
        if (ext[i] == 1 && i < 2) continue;
        dims[rank].n = (ptrdiff_t)ext[i];
        dims[rank].is = (ptrdiff_t)(key->inverse ? cstride[i] : rstride[i]);
        dims[rank].os = (ptrdiff_t)(key->inverse ? rstride[i] : cstride[i]);
        rank++;
    }
    many.n = (ptrdiff_t)key->count;
    many.is = (ptrdiff_t)(key->inverse ? one / 2 : one);
    many.os = (ptrdiff_t)(key->inverse ? one : one / 2);

    clconv__fft_host_plan *p = calloc(1, sizeof *p);
    RETURN_IF(rt, !p, CLCONV_ENOMEM, "allocating an FFTW plan");
    p->bytes = bytes;
    pthread_once(&threads_once, threads_init);
    double limit;
    unsigned flags = planner_flags(key, &limit);
    char *path = wisdom_path(rt, f64);
    const double t0 = clconv__now_s();

    pthread_mutex_lock(&planner_lock);
    /* The planner overwrites its array while it measures, so it plans on
     * one of its own, aligned as fftw_malloc aligns (POCL's buffers are
     * aligned as much, checked at each launch). FFTW_ESTIMATE never touches
     * it, so its pages are never made. */
    void *data = fftw_malloc(bytes);
    const int allocated = data != NULL;
    if (allocated) {
        if (path) wisdom_load(f64, path);
        if (threads_ok) {
            const int n = key->threads               ? (int)key->threads
                          : rt->info.compute_units ? (int)rt->info.compute_units
                                                   : (int)sysconf(_SC_NPROCESSORS_ONLN);
            if (f64) fftw_plan_with_nthreads(n > 0 ? n : 1);
            else fftwf_plan_with_nthreads(n > 0 ? n : 1);
        }
        /* Bounds a large size's measuring; the best plan found by then is
         * kept, and the wisdom saves later processes the search. */
        if (f64) fftw_set_timelimit(flags == FFTW_ESTIMATE ? FFTW_NO_TIMELIMIT : limit);
        else fftwf_set_timelimit(flags == FFTW_ESTIMATE ? FFTW_NO_TIMELIMIT : limit);
        if (key->depth_pass) {
            /* Along the planes of the half-spectrum, at every (row, column)
             * of it; strides in complex values. */
            const fftw_iodim64 dim = {(ptrdiff_t)depth, (ptrdiff_t)cstride[0],
                                      (ptrdiff_t)cstride[0]};
            const fftw_iodim64 loops[2] = {
                {(ptrdiff_t)key->len[0], (ptrdiff_t)cstride[1], (ptrdiff_t)cstride[1]},
                {(ptrdiff_t)(key->len[1] / 2 + 1), 1, 1}};
            p->plan = f64 ? host_make_depth_fftw_(&dim, loops, key->inverse, data, flags)
                          : host_make_depth_fftwf_(&dim, loops, key->inverse, data, flags);
        } else {
            p->plan = f64 ? host_make_fftw_(rank, dims, &many, key->inverse, data, flags)
                          : host_make_fftwf_(rank, dims, &many, key->inverse, data, flags);
        }
        if (p->plan && path && flags != FFTW_ESTIMATE) {
            clconv__make_dirs(rt->cache_dir);
            wisdom_store(f64, path);
        }
    }
    fftw_free(data);
    pthread_mutex_unlock(&planner_lock);
    free(path);

    if (!allocated) {
        free(p);
        return CLCONV_FAIL(rt, CLCONV_ENOMEM, "allocating %zu bytes to plan an FFTW transform",
                           bytes);
    }
    if (!p->plan) {
        free(p);
        return CLCONV_FAIL(rt, CLCONV_EFFT,
                           "FFTW could not plan a %s %s FFT of %zu x %zu x %zu (count %zu)",
                           f64 ? "float64" : "float32", key->inverse ? "inverse" : "forward",
                           depth, key->len[0], key->len[1], key->count);
    }
    clconv__note(rt, "FFT plan %zu x %zu x %zu count %zu %s %s%s: FFTW (host) plan created in "
                     "%.0f ms (%s)",
                 depth, key->len[0], key->len[1], key->count, f64 ? "f64" : "f32",
                 key->inverse ? "inverse" : "forward", key->depth_pass ? " depth pass" : "",
                 (clconv__now_s() - t0) * 1e3,
                 flags == FFTW_ESTIMATE ? "estimate" : flags == FFTW_MEASURE ? "measure"
                                                                             : "patient");
    *out = p;
    return 0;
}

/* Maps data (blocking, so that the work queued before has run), runs the
 * plan on it in place and unmaps it. On POCL's CPU device the map is
 * zero-copy: a 64 MiB buffer mapped and unmapped in 18 to 30 us here
 * (140 us the first time), at the same address each time, 128-byte aligned. */
int clconv__fft_host_execute(clconv_runtime *rt, clconv__fft_host_plan *p,
                             const clconv__fft_key *key, cl_mem data)
{
    cl_int err = CL_SUCCESS;
    void *ptr = CLCONV__CL_OBJ(clEnqueueMapBuffer, &err, rt->queue, data, CL_TRUE,
                               CL_MAP_READ | CL_MAP_WRITE, 0, p->bytes, 0, NULL, NULL);
    CL_RETURN_IF(rt, err, "clEnqueueMapBuffer", "mapping %zu bytes for an FFTW transform",
                 p->bytes);
    int status = 0;
    const int f64 = key->dtype == CLCONV_F64;
    const int aligned = (f64 ? fftw_alignment_of((double *)ptr)
                             : fftwf_alignment_of((float *)ptr)) == 0;
    if (clconv__fault("FFTW"))
        status = CLCONV_FAIL(rt, CLCONV_EFFT, "FFTW transform failed (injected fault)");
    else if (!aligned)
        /* The plans were made for SIMD-aligned arrays; OpenCL buffers are
         * aligned to the device's base address alignment, far more. */
        status = CLCONV_FAIL(rt, CLCONV_EFFT,
                             "FFTW: the mapped buffer at %p is not SIMD-aligned", ptr);
    else if (f64)
        host_run_fftw_(p->plan, key->inverse, key->depth_pass, ptr);
    else
        host_run_fftwf_(p->plan, key->inverse, key->depth_pass, ptr);
    err = CLCONV__CL(clEnqueueUnmapMemObject, rt->queue, data, ptr, 0, NULL, NULL);
    if (err != CL_SUCCESS) {
        /* The mapping must not outlive the call (the buffer's later users
         * would see it mapped): one plain try, whose result adds nothing to
         * the error reported. */
        (void)clEnqueueUnmapMemObject(rt->queue, data, ptr, 0, NULL, NULL);
        if (status == 0)
            status = clconv__cl_fail(rt, err, "clEnqueueUnmapMemObject", __FILE__, __LINE__,
                                     "after an FFTW transform");
    }
    return status;
}

void clconv__fft_host_run(const clconv__fft_host_plan *p, const clconv__fft_key *key,
                          void *data)
{
    if (key->dtype == CLCONV_F64) host_run_fftw_(p->plan, key->inverse, key->depth_pass, data);
    else host_run_fftwf_(p->plan, key->inverse, key->depth_pass, data);
}

void clconv__fft_host_plan_destroy(clconv__fft_host_plan *p, clconv_dtype dtype)
{
    if (!p) return;
    pthread_mutex_lock(&planner_lock);
    if (dtype == CLCONV_F64) fftw_destroy_plan((fftw_plan)p->plan);
    else fftwf_destroy_plan((fftwf_plan)p->plan);
    pthread_mutex_unlock(&planner_lock);
    free(p);
}
