/*
 * Planning of a convolution call (plan.c): the per-device cost model that
 * chooses direct or FFT convolution for CLCONV_METHOD_AUTO, and the block
 * layout of the FFT path (one transform per image, or overlap-save blocks,
 * in launches that fit the device's allocation limit). The model is a
 * default per device type until `clconv tune` measures the device; the
 * measured model is kept next to the program cache.
 */
#ifndef CLCONV_PLAN_H
#define CLCONV_PLAN_H

#include "dispatch.h"
#include "params.h"

/* How the FFT path covers the outputs of a geometry (see kernels/fft.cl).
 * Per dimension d, block b holds the signal from index in0[d] + b * step[d]
 * in a transform of len[d] points, and its outputs b * step[d] ... stand at
 * positions shift[d] ... of the inverse transform. One block per image with
 * in0 = 0 is plain FFT convolution; several are overlap-save. */
typedef struct clconv__fft_layout {
    size_t len[2];      /* transform extents; len[1] even; len[0] == 1 for 1-D */
    size_t step[2];     /* outputs per block */
    size_t blocks[2];   /* blocks per image */
    long long in0[2];   /* signal index at position 0 of block 0 (may be negative) */
    size_t shift[2];    /* position of a block's first output in its inverse transform */
    size_t total;       /* signal transforms in all: batch * blocks[0] * blocks[1] */
    size_t group;       /* transforms per launch; the last launch is padded to it */
    int kernel_in_group; /* 1: the kernel's transform rides in the first launch as
                            transform -1, so the call needs no count-1 plan (group > 1) */
} clconv__fft_layout;

/* How the FFT path covers a 3-D geometry: one transform per volume of
 * len[2] planes x len[0] rows x len[1] columns (the geometry's order), which
 * holds the signal from in0[d] on and whose outputs stand from shift[d] on
 * in the inverse transform; group volumes per launch. */
typedef struct clconv__fft3_layout {
    size_t len[3];      /* transform extents; len[1] even */
    long long in0[3];   /* signal index at position 0 (negative under a boundary mode) */
    size_t shift[3];    /* position of the first output in the inverse transform */
    size_t group;       /* volumes per launch; the last launch is padded to it */
} clconv__fft3_layout;

/* The cost model. Times are estimates in seconds of work already queued
 * behind nothing; what matters is that direct and FFT are comparable. */
#define CLCONV__MODEL_BUCKETS 31 /* transform lengths 2^0 .. 2^30 */

/* The 3-D sizes clconv_tune measures: direct kernels of KERNEL(i)^3 taps
 * (3, 5, 7) and FFT convolutions whose transforms are VOLUME(i)^3 points
 * (32, 64, 128). */
#define CLCONV__TUNE3_SIZES 3
#define CLCONV__TUNE3_KERNEL(i) ((size_t)3 + 2 * (size_t)(i))
#define CLCONV__TUNE3_VOLUME(i) ((size_t)32 << (i))

typedef struct clconv__model {
    int tuned;                     /* 1: measured by clconv_tune, else defaults */
    double direct_gflops[2];       /* direct kernels, float32 and float64 (2 flops a tap) */
    double direct2_gflops[2];      /* 2-D direct kernels where clconv_tune measured them
                                      apart (0: direct_gflops stands in) */
    double direct_call_s;          /* fixed cost of one call, waiting for the device
                                      included; both methods pay it */
    double fft_ns[2][CLCONV__MODEL_BUCKETS]; /* one real-to-complex pass along rows of
                                              2^b points, ns per point, by dtype */
    double column_factor;          /* 2-D: a column pass costs this times a row pass of
                                      the same length */
    double bandwidth_gbps;         /* element-wise kernels (padding, multiply, crop) */
    double launch_s;               /* cost of one more kernel or transform launch
                                      queued behind others (not a round trip) */
    double plan_s, plan_ns;        /* creating one VkFFT plan: fixed, and ns per point */
    /* The direct kernels' tunables clconv_tune found best, by dtype and by
     * dims - 1; where direct_tuned is 0 the parameter table decides. */
    int direct_tuned[2][2];
    clconv__direct_params direct[2][2];
    /* 3-D figures by dtype at the CLCONV__TUNE3 sizes, 0 where not measured
     * (an untuned device, or a model stored before they existed): the 3-D
     * direct strips' rate in GFLOP/s, and a 3-D FFT convolution's time over
     * what the 1-D transform costs above predict for it. Where they are 0
     * the 2-D direct rate and a factor of 1 stand in. */
    double direct3_gflops[2][CLCONV__TUNE3_SIZES];
    double fft3_factor[2][CLCONV__TUNE3_SIZES];
} clconv__model;

/* The runtime's model: loaded on first use from the cache directory when a
 * tuned one is stored there for this device, else the defaults. Copied out
 * so callers need no lock. */
int clconv__model_get(clconv_runtime *rt, clconv__model *out);

/* Makes m the runtime's model and, when the disk cache is on, stores it for
 * later runtimes on the same device and driver. *saved is set to 1 when the
 * file was written. */
int clconv__model_set(clconv_runtime *rt, const clconv__model *m, int *saved);

/* The cheapest FFT layout for g under the device's cost model, and its
 * estimated time in seconds (seconds may be NULL). The estimate includes
 * creating the VkFFT plans that are not cached yet. CLCONV_EOVERFLOW when
 * not even one transform fits the allocation limit. */
int clconv__plan_fft(clconv_runtime *rt, const clconv__geom *g, clconv__fft_layout *out,
                     double *seconds);

/* FFT convolution of g with a given layout (fftconv.c); clconv__fft_run
 * is this with the planner's layout. Lets tests force transform sizes and
 * block boundaries. Buffers as for clconv__fft_run. */
int clconv__fft_run_layout(clconv_runtime *rt, const clconv__geom *g,
                           const clconv__fft_layout *lay, cl_mem signal, cl_mem kernel,
                           cl_mem out);

/* FFT convolution on the host backend (fftconv_host.c, built with
 * CLCONV_FFTW): what clconv__fft_run_layout (lay, with lay3 NULL) and
 * clconv__fft3d_run (lay3, with lay NULL) enqueue, run on the host instead,
 * with the padding, product and crop fused around FFTW's transforms on the
 * mapped buffers. Waits for the work queued before and returns when done.
 * Buffers as for clconv__fft_run. */
int clconv__fftconv_host(clconv_runtime *rt, const clconv__geom *g,
                         const clconv__fft_layout *lay, const clconv__fft3_layout *lay3,
                         cl_mem signal, cl_mem kernel, cl_mem out);

/* The FFT layout of a 3-D geometry and its estimated time in seconds
 * (seconds may be NULL), plan creation included. CLCONV_EOVERFLOW when one
 * volume's transform does not fit the allocation limit. */
int clconv__plan_fft3(clconv_runtime *rt, const clconv__geom *g, clconv__fft3_layout *out,
                      double *seconds);

/* clconv__plan_fft3 under the model m instead of the runtime's (clconv_tune
 * compares a measured time with m's estimate). */
int clconv__plan_fft3_model(clconv_runtime *rt, const clconv__model *m, const clconv__geom *g,
                            clconv__fft3_layout *out, double *seconds);

/* The method CLCONV_METHOD_AUTO runs for g: direct or FFT, whichever the
 * cost model expects to finish first. */
int clconv__plan_method(clconv_runtime *rt, const clconv__geom *g, clconv_method *out);

/* Whether a 2-D problem g whose kernel is rank 1 runs sooner as two 1-D
 * passes (clconv__direct_separable_run) than as it is, with the direct
 * kernels (method DIRECT) or the better of direct and FFT (AUTO): *pays. */
int clconv__plan_separable(clconv_runtime *rt, const clconv__geom *g, clconv_method method,
                           int *pays);

/* The rank-1 test (rank1.c): when the krows x kcols kernel of dtype (host
 * array, borrowed) equals, within RANK1_ULPS units of roundoff per tap, the
 * product of a column and a row, writes them (krows and kcols elements of
 * dtype) to col and row and returns 1, else 0. *residual receives the
 * largest misfit of a tap in units of its roundoff (infinity for a zero or
 * non-finite kernel). */
int clconv__rank1_factors(clconv_dtype dtype, const void *kernel, size_t krows, size_t kcols,
                          void *col, void *row, double *residual);

/* For a host-form 2-D call: when the kernel (host array, borrowed) is rank 1
 * and two 1-D passes pay under the cost model, *factors receives a new
 * array (the caller frees it) of the column (k[0] elements) then the row
 * (k[1]); else NULL. Notes say which and why. */
int clconv__rank1_split(clconv_runtime *rt, const clconv__geom *g, clconv_method method,
                        const void *kernel, void **factors);

/* The smallest m >= n whose prime factors are all 2, 3, 5 or 7 (VkFFT's
 * fast radices), even when `even` is set; 0 when none fits size_t. */
size_t clconv__fast_size(size_t n, int even);

/* Makes the runtime's planner with the default model (runtime creation);
 * a stored model is read at its first use. */
int clconv__plan_create(clconv_runtime *rt);

/* Frees the runtime's planner (runtime destruction, or a creation that
 * failed); nothing when there is none. */
void clconv__plan_clear(clconv_runtime *rt);

#endif /* CLCONV_PLAN_H */
