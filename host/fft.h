/*
 * The FFT layer's internal interface: real-to-complex transforms through
 * VkFFT (fft.c, the only file that sees vkFFT.h) or, on devices whose
 * buffers live in host memory, FFTW on the host (fft_host.c, the only file
 * that sees fftw3.h), both behind fft.c's one plan cache, and the
 * convolution built on them (fftconv.c; on the host backend, the steps
 * around the transforms too: fftconv_host.c). Transforms run in place on the layout FFTW and VkFFT call
 * "padded": each row of len[1] reals occupies fft_pitch(len[1]) reals, so its
 * len[1]/2 + 1 complex coefficients fit after the forward transform.
 */
#ifndef CLCONV_FFT_H
#define CLCONV_FFT_H

#include "internal.h"

/* One cached transform: count transforms of len[0] x len[1] reals (len[0] is
 * 1 for 1-D; len[1] even), or of depth planes of them (3-D), stored one
 * after another in the padded layout, forward (real to complex) or inverse
 * (complex to real, unnormalised). depth 0, as initialisers that stop
 * before it leave it, means 1: a 1-D or 2-D transform. */
typedef struct clconv__fft_key {
    size_t len[2];
    size_t count;
    clconv_dtype dtype;
    int inverse;
    size_t depth;
    unsigned threads; /* host backend: threads FFTW may use, 0 for one per compute
                         unit (what initialisers that stop before it leave); VkFFT
                         plans leave it 0 */
    int depth_pass;   /* host backend only: instead of the real-to-complex transform,
                         its last step, the complex transforms of length depth along
                         the planes of one volume's half-spectrum (count 1) */
} clconv__fft_key;

/* Planes of the transforms of key: 1 for 1-D and 2-D. */
static inline size_t clconv__fft_depth(const clconv__fft_key *key)
{
    return key->depth ? key->depth : 1;
}

/* Reals per row of the padded layout: room for len1/2 + 1 complex values. */
static inline size_t clconv__fft_pitch(size_t len1) { return 2 * (len1 / 2 + 1); }

/* Reals one transform of len[0] x len[1] occupies in the padded layout. */
static inline size_t clconv__fft_reals(const size_t len[2])
{
    return len[0] * clconv__fft_pitch(len[1]);
}

/* Enqueues the transform described by key in place on data, which holds
 * key->count transforms in the padded layout. The VkFFT application is taken
 * from the runtime's plan cache or created and kept (about a second per
 * kernel when its binary is not cached on disk yet, else a few milliseconds
 * plus its twiddle tables). A work buffer the transform needs comes from the
 * scratch pool. On the host backend the FFTW plan comes from the same cache
 * and the transform runs before the call returns, after the work queued
 * before it (a blocking map). */
int clconv__fft_execute(clconv_runtime *rt, const clconv__fft_key *key, cl_mem data);

/* Makes sure the plan for key is in the runtime's cache, creating it when
 * it is not, and enqueues nothing. */
int clconv__fft_prepare(clconv_runtime *rt, const clconv__fft_key *key);

/* 1 when the plan for key is in the runtime's cache, so that using it costs no
 * creation time; 0 otherwise, also while another thread creates it. Lets the
 * cost model charge plan creation; never waits for a plan being created. */
int clconv__fft_is_cached(clconv_runtime *rt, const clconv__fft_key *key);

/* A count that changes whenever the set of cached plans does, so that a
 * decision that depended on clconv__fft_is_cached can be kept until then. */
unsigned long clconv__fft_generation(clconv_runtime *rt);

/* Plans found in the cache and plans created, for clconv_runtime_cache_stats. */
void clconv__fft_cache_counts(const clconv_runtime *rt, unsigned long *hits,
                              unsigned long *created);

/* For tests: hook is called, with no lock held, by every thread that
 * starts to build one of a plan's kernels (VkFFT), or to plan it (FFTW),
 * while creating the plan for key,
 * so a test can hold a plan's creation and see what goes on meanwhile. Set
 * it (or NULL, the default) while no other thread uses the library. */
void clconv__fft_set_build_hook(void (*hook)(const clconv__fft_key *key, void *arg), void *arg);

/* Chooses the runtime's FFT backend once its device is known (runtime
 * creation): CLCONV_FFT_BACKEND=vkfft|host|auto, auto (the default) being
 * the host FFT on CPU devices with host-unified memory when the library was
 * built with FFTW, else VkFFT. CLCONV_EINVAL for another value, or for host
 * where the device's buffers are not in host memory or FFTW is not built in. */
int clconv__fft_backend_choose(clconv_runtime *rt);

/* "vkfft" or "host": the runtime's FFT backend. Static string. */
const char *clconv__fft_backend_name(const clconv_runtime *rt);

/* Makes the runtime's empty plan cache (runtime creation). */
int clconv__fft_cache_create(clconv_runtime *rt);

/* Releases every cached plan and the cache itself; called by
 * clconv_runtime_destroy after the queue has drained, and by a runtime
 * creation that failed. Nothing when there is no cache. */
void clconv__fft_cache_clear(clconv_runtime *rt);

/* ---- the host backend (fft_host.c, built with CLCONV_FFTW) ---- */

/* One FFTW plan for a key. */
typedef struct clconv__fft_host_plan clconv__fft_host_plan;

/* Plans key's transforms with FFTW (under its planner's lock). */
int clconv__fft_host_plan_create(clconv_runtime *rt, const clconv__fft_key *key,
                                 clconv__fft_host_plan **out);

/* Runs plan p (made for key) in place on data: maps it (blocking on the
 * work queued before), transforms, unmaps. */
int clconv__fft_host_execute(clconv_runtime *rt, clconv__fft_host_plan *p,
                             const clconv__fft_key *key, cl_mem data);

/* Frees a plan of dtype; NULL is a no-op. */
void clconv__fft_host_plan_destroy(clconv__fft_host_plan *p, clconv_dtype dtype);

/* Runs plan p (made for key) in place on host memory at data, aligned as
 * fftw_malloc aligns (64 bytes is enough). Thread-safe: FFTW's new-array
 * execute functions may run one plan on several arrays at once. */
void clconv__fft_host_run(const clconv__fft_host_plan *p, const clconv__fft_key *key,
                          void *data);

/* Below this many transform points in a whole call, the host backend's
 * convolution runs on one thread: starting threads (tens of microseconds
 * each) would cost more than they save. */
#define CLCONV__FFT_HOST_TEAM_MIN_POINTS ((double)((size_t)1 << 15))

/* The plans the host backend's convolution (fftconv_host.c) runs for
 * `total` transforms of len[] (rows, columns, planes) in dtype on a device
 * of `units` compute units: blocks go whole to one thread each, with
 * single-thread plans, when there are at least as many as threads; else
 * each runs with FFTW's threads. The kernel's spectrum is one transform
 * with FFTW's threads. Returns the threads the call uses. Shared with the
 * cost model, which charges the creation of the plans not cached. */
static inline unsigned clconv__fft_host_keys(const size_t len[3], size_t total,
                                             clconv_dtype dtype, unsigned units,
                                             clconv__fft_key *fwd, clconv__fft_key *inv,
                                             clconv__fft_key *kern)
{
    const double points = (double)len[0] * (double)clconv__fft_pitch(len[1]) *
                          (double)len[2] * (double)total;
    const unsigned threads = points < CLCONV__FFT_HOST_TEAM_MIN_POINTS || !units ? 1 : units;
    const int per_block = threads > 1 && total >= threads;
    *fwd = (clconv__fft_key){{len[0], len[1]}, 1, dtype, 0, len[2], 0, 0};
    *kern = *fwd;
    fwd->threads = per_block || threads == 1 ? 1 : 0;
    *inv = *fwd;
    inv->inverse = 1;
    return threads;
}

/* Host memory FFTW's plans run on is aligned to this many bytes (as
 * fftw_malloc aligns, or more; POCL aligns buffers to 128). */
#define CLCONV__FFT_HOST_ALIGN 64

/* The plans of a volume of len[] (rows, columns, planes) that the host
 * backend's convolution runs with FFTW's threads (fftconv_host.c,
 * run_volumes): 2-D forward transforms of the kernel's first kernel_planes
 * and the signal's first signal_planes planes (both at most len[2]), the
 * forward and inverse depth passes, and 2-D inverse transforms of the
 * out_planes output planes from first_out on, or of all planes when the
 * first of those would not be aligned; *inv_first is where they start. */
static inline void clconv__fft_host_volume_keys(const size_t len[3], clconv_dtype dtype,
                                                size_t kernel_planes, size_t signal_planes,
                                                size_t first_out, size_t out_planes,
                                                clconv__fft_key keys[5], size_t *inv_first)
{
    const clconv__fft_key plane = {{len[0], len[1]}, 1, dtype, 0, 1, 0, 0};
    const size_t plane_bytes = len[0] * clconv__fft_pitch(len[1]) * clconv_dtype_size(dtype);
    const int aligned = first_out * plane_bytes % CLCONV__FFT_HOST_ALIGN == 0;
    for (int i = 0; i < 5; i++) keys[i] = plane;
    keys[0].count = kernel_planes < len[2] ? kernel_planes : len[2];
    keys[1].count = signal_planes < len[2] ? signal_planes : len[2];
    keys[2].count = aligned ? out_planes : len[2];
    keys[2].inverse = 1;
    *inv_first = aligned ? first_out : 0;
    for (int i = 3; i < 5; i++) {
        keys[i].depth = len[2];
        keys[i].depth_pass = 1;
        keys[i].inverse = i == 4;
    }
}

/* 1 when rt's FFTs run on the host (FFTW), 0 with VkFFT. */
int clconv__fft_on_host(const clconv_runtime *rt);

/* The host backend's plan for key from the runtime's cache (created when it
 * is not there), held so that it is not evicted until
 * clconv__fft_host_let_go(rt, *token). For callers that run one plan on
 * many arrays of their own (fftconv_host.c). CLCONV_EINVAL on VkFFT. */
int clconv__fft_host_hold(clconv_runtime *rt, const clconv__fft_key *key,
                          clconv__fft_host_plan **plan, void **token);
void clconv__fft_host_let_go(clconv_runtime *rt, void *token);

#endif /* CLCONV_FFT_H */
