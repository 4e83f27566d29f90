/*
 * The contract between the public convolution API (conv.c), which validates
 * arguments and plans, and the dispatch layers that enqueue kernels: the
 * direct tiled kernels (direct.c) and the FFT path (fft*.c).
 */
#ifndef CLCONV_DISPATCH_H
#define CLCONV_DISPATCH_H

#include "internal.h"

/* A validated convolution problem. Dimension 0 is rows, dimension 1 columns
 * and dimension 2 depth (planes, the outermost axis of the arrays: it comes
 * last only so that the 1-D and 2-D code's indices stay as they were). A
 * 1-D problem has dims == 1 and uses index 1 only (index 0 holds extents
 * of 1 and start 0), so 1-D is the 2-D case with one row; 1-D and 2-D
 * problems hold extents of 1 and start 0 at index 2, so 2-D is the 3-D case
 * with one plane.
 *
 * Every mode reduces to one formula. With w the taps (the kernel reversed
 * for convolution, as given for correlation) and x read outside [0, n) as
 * the boundary mode says (zero without one):
 *   out[o] = sum_t x[o + start - (k - 1) + t] * w[t],  0 <= o < out_len
 * per dimension, where start is the position of the first output inside the
 * full convolution: 0 (full), (k-1)/2 (same), min(n,k)-1 (valid). With a
 * boundary mode out_len is n and start places the kernel as ndimage does:
 * k/2 + origin (convolution) or (k-1)/2 - origin (correlation), always in
 * 0 ... k-1. */
typedef struct clconv__geom {
    int dims;              /* 1, 2 or 3 */
    size_t batch;          /* signals/images/volumes, stored one after another */
    size_t n[3];           /* signal extents: rows, columns, planes */
    size_t k[3];           /* kernel extents */
    size_t out[3];         /* output extents */
    size_t start[3];       /* first output's index in the full convolution */
    clconv_dtype dtype;    /* the compute precision (F32 or F64) */
    clconv_dtype in_dtype, out_dtype; /* the signal's and the output's storage: dtype,
                              its complex dtype (complex.c composes real runs), or
                              an integer dtype (converted by the 2-D strip kernel
                              as it loads and stores, elsewhere by convert.c's
                              pass). Geometries made elsewhere (dist, tune, plan)
                              leave them zero: only an integer or complex value
                              counts (clconv__geom_integer, clconv__geom_complex) */
    clconv_dtype kernel_dtype; /* dtype, or its complex dtype (zero elsewhere, as above) */
    int correlate;         /* taps are the kernel as given (1) or reversed (0) */
    clconv_boundary boundary; /* how x reads outside [0, n); NONE: zero */
    double cval;           /* the value outside with CLCONV_BOUNDARY_CONSTANT */
} clconv__geom;

/* 1 when g's signal or output is stored as an integer dtype. */
static inline int clconv__geom_integer(const clconv__geom *g)
{
    return clconv__dtype_is_int(g->in_dtype) || clconv__dtype_is_int(g->out_dtype);
}

/* 1 when g's signal or kernel (and so its output) is complex. */
static inline int clconv__geom_complex(const clconv__geom *g)
{
    return clconv__dtype_is_complex(g->in_dtype) || clconv__dtype_is_complex(g->kernel_dtype);
}

/* Runs one validated problem whose buffers are on the device: conv.c's
 * method choice and dispatch, complex and integer storage included. kern[0]
 * is the kernel, or of a separable problem its column factor, with kern[1]
 * the row factor and kern[2] the depth factor (3-D); the unused entries are
 * NULL. */
typedef int (*clconv__run_fn)(clconv_runtime *rt, const clconv__geom *g, cl_mem signal,
                              const cl_mem kern[3], cl_mem out, clconv_conv_options *opts);

/* A complex problem (clconv__geom_complex) as real ones (complex.c): the
 * signal's planes and the kernel's parts are split into pooled scratch on
 * the device, run() runs the real problems (a complex signal's two planes
 * as one real batch of twice the size; a complex kernel's real and
 * imaginary parts as two such runs) and one pass combines the results into
 * the interleaved output, conjugating the kernel of a correlation. Buffers
 * as for run(); enqueued, not waited for. */
int clconv__complex_run(clconv_runtime *rt, const clconv__geom *g, cl_mem signal,
                        const cl_mem kern[3], cl_mem out, clconv_conv_options *opts,
                        clconv__run_fn run);

/* A problem with integer storage on a path that does not convert as it
 * loads and stores (convert.c): the integer signal is converted into a
 * pooled buffer of the compute type, dispatch runs the real problem
 * (g with real storage), and an integer output is rounded and saturated
 * from a pooled real result. Buffers as for run(); enqueued, not waited
 * for. */
int clconv__convert_run(clconv_runtime *rt, const clconv__geom *g, cl_mem signal,
                        const cl_mem kern[3], cl_mem out, clconv_conv_options *opts,
                        clconv__run_fn dispatch);

/* Direct convolution. signal holds batch*n[0]*n[1] elements, kernel
 * k[0]*k[1], out batch*out[0]*out[1], all of g->dtype; all borrowed. The
 * work is enqueued on rt's queue; the call does not wait for it. */
int clconv__direct_run(clconv_runtime *rt, const clconv__geom *g, cl_mem signal,
                       cl_mem kernel, cl_mem out);

/* Separable 2-D direct convolution: kcol has k[0] taps (down columns), krow
 * k[1] taps (along rows). Same buffer rules as clconv__direct_run. */
int clconv__direct_separable_run(clconv_runtime *rt, const clconv__geom *g, cl_mem signal,
                                 cl_mem kcol, cl_mem krow, cl_mem out);

/* FFT convolution (fft*.c): same contract as clconv__direct_run. */
int clconv__fft_run(clconv_runtime *rt, const clconv__geom *g, cl_mem signal, cl_mem kernel,
                    cl_mem out);

/* 3-D direct convolution (direct3d.c) of a geometry with dims == 3: strips
 * of conv_strip.cl summing the kernel's planes, reading the signal where it
 * lies (through the boundary mode when there is one). Same buffer rules as
 * clconv__direct_run. */
int clconv__direct3d_run(clconv_runtime *rt, const clconv__geom *g, cl_mem signal,
                         cl_mem kernel, cl_mem out);

/* Separable 3-D direct convolution: kz has k[2] taps (depth), ky k[0]
 * (down columns), kx k[1] (along rows); three passes through pooled
 * intermediates. */
int clconv__direct3d_separable_run(clconv_runtime *rt, const clconv__geom *g, cl_mem signal,
                                   cl_mem kz, cl_mem ky, cl_mem kx, cl_mem out);

/* 3-D FFT convolution (fftconv.c) of a geometry with dims == 3: one 3-D
 * real-to-complex transform per volume. Same buffer rules. */
int clconv__fft3d_run(clconv_runtime *rt, const clconv__geom *g, cl_mem signal, cl_mem kernel,
                      cl_mem out);

#endif /* CLCONV_DISPATCH_H */
