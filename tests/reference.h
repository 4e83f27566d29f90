/*
 * The tests' double-precision host reference for 1-D and 2-D convolution and
 * correlation with SciPy's semantics, written straight from the definition
 * full[i] = sum_j x[j] * h[i - j] and independent of the library's own
 * geometry, plus the error bound every result is checked against. A 1-D
 * problem is a 2-D one with a single row.
 */
#ifndef CLCONV_TEST_REFERENCE_H
#define CLCONV_TEST_REFERENCE_H

#include "clconv.h"

#include <complex.h>
#include <stddef.h>

/* One image (or signal, rows == 1) and one kernel. */
typedef struct ref_problem {
    size_t rows, cols;   /* image extents */
    size_t krows, kcols; /* kernel extents */
    clconv_mode mode;
    int correlate; /* 1: correlation, i.e. convolution with the kernel reversed */
} ref_problem;

/* Output extents of p per SciPy: full n+k-1, same n, valid max-min+1.
 * Returns 0, or -1 when p asks for valid mode and neither input is at least
 * as large as the other in both dimensions (SciPy raises ValueError). */
int ref_output_dims(const ref_problem *p, size_t *orows, size_t *ocols);

/* Computes the outputs of one image x (rows*cols, row-major) with kernel h
 * (krows*kcols) into y, and the same outputs of |x| with |h| into bound (the
 * sum of |terms| behind each output, which scales its rounding error). Either
 * y or bound may be NULL. Valid-mode shapes must be compatible. */
void ref_conv(const ref_problem *p, const double *x, const double *h, double *y, double *bound);

/* One image and kernel under a scipy.ndimage boundary mode: the output has
 * the image's shape. */
typedef struct ref_ndimage {
    size_t rows, cols;   /* image extents */
    size_t krows, kcols; /* kernel extents */
    int correlate;       /* 1: ndimage.correlate, 0: ndimage.convolve */
    clconv_boundary boundary; /* CONSTANT, REFLECT, MIRROR, NEAREST or WRAP */
    double cval;         /* the value outside under CONSTANT */
    long origin[2];      /* ndimage's origin along rows and columns */
} ref_ndimage;

/* scipy.ndimage.convolve / correlate(x, h, mode, cval, origin) of one image
 * x into y (rows*cols), written from ndimage's definition: the image is
 * first extended, element by element, far enough for every window, by
 * folding each outside index back into the image one reflection (or one
 * period) at a time, as the mode's picture says; then, per axis with n//2
 * rounded down,
 *   correlate  y[i] = sum_j h[j] * ext[i + j - n//2 - origin]
 *   convolve   y[i] = sum_j h[j] * ext[i - j + n//2 + origin]
 * bound receives the sums of |terms| as ref_conv's does, and *ext_norm (when
 * not NULL) the Euclidean norm of the extended image, which bounds an FFT
 * result's error in place of the image's own. y, bound may be NULL. */
void ref_ndimage_conv(const ref_ndimage *p, const double *x, const double *h, double *y,
                      double *bound, double *ext_norm);

/* Volumes: one volume of n[0] planes x n[1] rows x n[2] columns and one
 * kernel of k[0] x k[1] x k[2], both row-major, depth outermost. */
typedef struct ref_problem3 {
    size_t n[3], k[3];
    clconv_mode mode;
    int correlate;
} ref_problem3;

/* Output extents of p per SciPy (scipy.signal.convolve on 3-D arrays).
 * Returns 0, or -1 for valid mode where neither input is at least as large
 * as the other in all three dimensions. */
int ref_output_dims3(const ref_problem3 *p, size_t out[3]);

/* ref_conv for volumes, from the definition
 * full[a][b][c] = sum x[a-i][b-j][c-l] * h[i][j][l], cut by the mode. */
void ref_conv3(const ref_problem3 *p, const double *x, const double *h, double *y,
               double *bound);

/* ref_conv3 in complex arithmetic (the real one runs it): correlation
 * reverses and conjugates the kernel, as scipy.signal.correlate does;
 * bound[] sums |x| |h| (moduli) per output. 1-D and 2-D problems are
 * volumes of one plane and one row. */
void ref_conv3c(const ref_problem3 *p, const double complex *x, const double complex *h,
                double complex *y, double *bound);

/* ref_ndimage for volumes: origin per axis, depth first. */
typedef struct ref_ndimage3 {
    size_t n[3], k[3];
    int correlate;
    clconv_boundary boundary;
    double cval;
    long origin[3];
} ref_ndimage3;

/* ref_ndimage_conv for volumes: the volume is extended element by element
 * by k - 1 on every side of every axis, each outside index folded back
 * into the volume on its own axis, then summed per ndimage's formula. */
void ref_ndimage_conv3(const ref_ndimage3 *p, const double *x, const double *h, double *y,
                       double *bound, double *ext_norm);

/* ref_ndimage_conv3 in complex arithmetic (the real one runs it), as
 * scipy.ndimage does with complex data: correlation conjugates the
 * weights, a complex image reads the real cval as cval + 0i outside, and
 * *ext_norm is the extended volume's norm over real and imaginary parts. */
void ref_ndimage_conv3c(const ref_ndimage3 *p, const double complex *x,
                        const double complex *h, double complex *y, double *bound,
                        double *ext_norm);

/* Largest absolute error allowed in any output of a direct (summed)
 * result in dtype, where each output sums `terms` products (krows*kcols) and
 * max_bound is the largest bound[] value.
 *
 * Why: a sum of K rounded products in working precision u has an error
 * within lambda*sqrt(K)*u*sum|x*h| with probability at least
 * 1 - 2*exp(-lambda^2/2) (Higham and Mary, "A new approach to probabilistic
 * rounding error analysis", SIAM J. Sci. Comput. 2019). lambda = 8 makes a
 * spurious failure about a 1e-14 event per output while staying far below
 * the error of any wrong tap or index (about max_bound / K). For K = 1024
 * this allows about 1.5e-5 * max_bound in float32 and 2.8e-14 * max_bound
 * in float64. */
double ref_direct_error(clconv_dtype dtype, size_t terms, double max_bound);

/* The same for a result computed through FFTs of length full_count, where
 * norm_product is the largest ||x||_2 * ||h||_2 of an image and the kernel.
 * An FFT's error is normwise and grows with log2 of its length (Higham,
 * "Accuracy and Stability of Numerical Algorithms", 2nd ed., section 24.1),
 * and every output of a convolution is bounded by ||x||_2 * ||h||_2, so an
 * output whose own terms are all zero may still carry rounding noise: the
 * allowance is lambda * u * log2(full_count) * norm_product, lambda = 8. */
double ref_fft_error(clconv_dtype dtype, size_t full_count, double norm_product);

/* Euclidean norm of count values. */
double ref_norm2(const double *v, size_t count);

/* First position where |got - want| > allowed (NaN counts as a mismatch);
 * count when there is none. allowed = 0 asks for bit-exact equality of values. */
size_t ref_first_mismatch(const double *want, const double *got, size_t count, double allowed);

#endif /* CLCONV_TEST_REFERENCE_H */
