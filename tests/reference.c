/*
 * Naive double-precision convolution used as ground truth by every result
 * test. Each output is computed from the definition of the full convolution,
 * full[r][c] = sum_{a,b} x[r-a][c-b] * h[a][b], and the modes are windows into
 * that full result exactly as scipy.signal.convolve cuts them. Speed does not
 * matter here; being obviously right does.
 */
#include "reference.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>

/* Output length and the index of its first element inside the full result,
 * for one dimension: SciPy's _centered() keeps the middle n of the full
 * output for "same", and "valid" keeps the outputs where the shorter input
 * overlaps the longer one completely. */
static void mode_window(size_t n, size_t k, clconv_mode mode, size_t *len, size_t *start)
{
    size_t shorter = n < k ? n : k;
    size_t longer = n < k ? k : n;

    switch (mode) {
    case CLCONV_MODE_SAME:
        *len = n;
        *start = (k - 1) / 2;
        break;
    case CLCONV_MODE_VALID:
        *len = longer - shorter + 1;
        *start = shorter - 1;
        break;
    case CLCONV_MODE_FULL:
    default:
        *len = n + k - 1;
        *start = 0;
        break;
    }
}

int ref_output_dims(const ref_problem *p, size_t *orows, size_t *ocols)
{
    size_t start;

    if (p->mode == CLCONV_MODE_VALID) {
        int image_larger = p->rows >= p->krows && p->cols >= p->kcols;
        int kernel_larger = p->krows >= p->rows && p->kcols >= p->cols;
        if (!image_larger && !kernel_larger) return -1;
    }
    mode_window(p->rows, p->krows, p->mode, orows, &start);
    mode_window(p->cols, p->kcols, p->mode, ocols, &start);
    return 0;
}

void ref_conv(const ref_problem *p, const double *x, const double *h, double *y, double *bound)
{
    size_t orows, ocols, r0, c0;

    mode_window(p->rows, p->krows, p->mode, &orows, &r0);
    mode_window(p->cols, p->kcols, p->mode, &ocols, &c0);

    for (size_t i = 0; i < orows; i++) {
        for (size_t j = 0; j < ocols; j++) {
            size_t fr = i + r0, fc = j + c0; /* position in the full output */
            double sum = 0.0, abs_sum = 0.0;

            for (size_t a = 0; a < p->krows; a++) {
                if (a > fr || fr - a >= p->rows) continue;
                for (size_t b = 0; b < p->kcols; b++) {
                    if (b > fc || fc - b >= p->cols) continue;
                    /* Correlation is convolution with the kernel reversed in
                     * both dimensions (scipy.signal.correlate). */
                    size_t ha = p->correlate ? p->krows - 1 - a : a;
                    size_t hb = p->correlate ? p->kcols - 1 - b : b;
                    double xv = x[(fr - a) * p->cols + (fc - b)];
                    double hv = h[ha * p->kcols + hb];
                    sum += xv * hv;
                    abs_sum += fabs(xv) * fabs(hv);
                }
            }
            if (y) y[i * ocols + j] = sum;
            if (bound) bound[i * ocols + j] = abs_sum;
        }
    }
}

/* The image index that outside position p stands for in a signal of n
 * samples, found by folding p back towards the image until it lands inside,
 * one fold per reflection or period, the way the modes are drawn:
 * reflect  d c b a | a b c d | d c b a   (folds about the half-sample edges)
 * mirror   d c b | a b c d | c b a       (folds about the end samples)
 * nearest  a a a | a b c d | d d d
 * wrap     b c d | a b c d | a b c
 * Returns -1 for the constant mode. */
static long fold(long p, long n, clconv_boundary mode)
{
    switch (mode) {
    case CLCONV_BOUNDARY_REFLECT:
        while (p < 0 || p >= n) p = p < 0 ? -1 - p : 2 * n - 1 - p;
        return p;
    case CLCONV_BOUNDARY_MIRROR:
        if (n == 1) return 0; /* ndimage: one sample mirrors onto itself */
        while (p < 0 || p >= n) p = p < 0 ? -p : 2 * (n - 1) - p;
        return p;
    case CLCONV_BOUNDARY_NEAREST:
        return p < 0 ? 0 : p >= n ? n - 1 : p;
    case CLCONV_BOUNDARY_WRAP:
        while (p < 0) p += n;
        while (p >= n) p -= n;
        return p;
    default:
        return -1;
    }
}

void ref_ndimage_conv(const ref_ndimage *p, const double *x, const double *h, double *y,
                      double *bound, double *ext_norm)
{
    /* Every window lies within k - 1 of the image on either side. */
    const long rows = (long)p->rows, cols = (long)p->cols;
    const long kr = (long)p->krows, kc = (long)p->kcols;
    const long er = rows + 2 * (kr - 1), ec = cols + 2 * (kc - 1);
    double *ext = malloc((size_t)(er * ec) * sizeof(double));
    double norm = 0.0;

    if (!ext) abort();
    for (long a = 0; a < er; a++) {
        for (long b = 0; b < ec; b++) {
            long r = a - (kr - 1), c = b - (kc - 1);
            int inside = r >= 0 && r < rows && c >= 0 && c < cols;
            double v;
            if (inside) {
                v = x[r * cols + c];
            } else if (p->boundary == CLCONV_BOUNDARY_CONSTANT) {
                v = p->cval;
            } else {
                v = x[fold(r, rows, p->boundary) * cols + fold(c, cols, p->boundary)];
            }
            ext[a * ec + b] = v;
        }
    }

    for (long i = 0; i < rows; i++) {
        for (long j = 0; j < cols; j++) {
            double sum = 0.0, abs_sum = 0.0;
            for (long a = 0; a < kr; a++) {
                for (long b = 0; b < kc; b++) {
                    long r, c;
                    if (p->correlate) {
                        r = i + a - kr / 2 - p->origin[0];
                        c = j + b - kc / 2 - p->origin[1];
                    } else {
                        r = i - a + kr / 2 + p->origin[0];
                        c = j - b + kc / 2 + p->origin[1];
                    }
                    double xv = ext[(r + kr - 1) * ec + (c + kc - 1)];
                    double hv = h[a * kc + b];
                    sum += xv * hv;
                    abs_sum += fabs(xv) * fabs(hv);
                }
            }
            if (y) y[i * cols + j] = sum;
            if (bound) bound[i * cols + j] = abs_sum;
        }
    }
    for (long a = 0; a < er * ec; a++) norm += ext[a] * ext[a];
    if (ext_norm) *ext_norm = sqrt(norm);
    free(ext);
}

int ref_output_dims3(const ref_problem3 *p, size_t out[3])
{
    size_t start;

    if (p->mode == CLCONV_MODE_VALID) {
        int x_larger = 1, h_larger = 1;
        for (int d = 0; d < 3; d++) {
            x_larger &= p->n[d] >= p->k[d];
            h_larger &= p->k[d] >= p->n[d];
        }
        if (!x_larger && !h_larger) return -1;
    }
    for (int d = 0; d < 3; d++) mode_window(p->n[d], p->k[d], p->mode, &out[d], &start);
    return 0;
}

void ref_conv3c(const ref_problem3 *p, const double complex *x, const double complex *h,
                double complex *y, double *bound)
{
    size_t out[3], first[3];

    for (int d = 0; d < 3; d++) mode_window(p->n[d], p->k[d], p->mode, &out[d], &first[d]);
    for (size_t o0 = 0; o0 < out[0]; o0++) {
        for (size_t o1 = 0; o1 < out[1]; o1++) {
            for (size_t o2 = 0; o2 < out[2]; o2++) {
                /* Position in the full output. */
                const size_t f0 = o0 + first[0], f1 = o1 + first[1], f2 = o2 + first[2];
                double complex sum = 0.0;
                double abs_sum = 0.0;
                for (size_t a = 0; a < p->k[0]; a++) {
                    if (a > f0 || f0 - a >= p->n[0]) continue;
                    for (size_t b = 0; b < p->k[1]; b++) {
                        if (b > f1 || f1 - b >= p->n[1]) continue;
                        for (size_t c = 0; c < p->k[2]; c++) {
                            if (c > f2 || f2 - c >= p->n[2]) continue;
                            /* Correlation: the kernel reversed in every axis
                             * and conjugated (scipy.signal.correlate). */
                            size_t ha = p->correlate ? p->k[0] - 1 - a : a;
                            size_t hb = p->correlate ? p->k[1] - 1 - b : b;
                            size_t hc = p->correlate ? p->k[2] - 1 - c : c;
                            double complex xv =
                                x[((f0 - a) * p->n[1] + (f1 - b)) * p->n[2] + (f2 - c)];
                            double complex hv = h[(ha * p->k[1] + hb) * p->k[2] + hc];
                            if (p->correlate) hv = conj(hv);
                            sum += xv * hv;
                            abs_sum += cabs(xv) * cabs(hv);
                        }
                    }
                }
                const size_t i = (o0 * out[1] + o1) * out[2] + o2;
                if (y) y[i] = sum;
                if (bound) bound[i] = abs_sum;
            }
        }
    }
}

/* Real arrays as complex ones with zero imaginary parts, and back: the real
 * references run the complex ones, whose products and sums of values with
 * zero imaginary parts are the real ones exactly. */
static double complex *to_complex(const double *v, size_t count)
{
    double complex *c = malloc((count ? count : 1) * sizeof *c);
    if (!c) abort();
    for (size_t i = 0; i < count; i++) c[i] = v[i];
    return c;
}

static size_t volume(const size_t e[3]) { return e[0] * e[1] * e[2]; }

void ref_conv3(const ref_problem3 *p, const double *x, const double *h, double *y,
               double *bound)
{
    size_t out[3];
    if (ref_output_dims3(p, out) != 0) return;
    double complex *cx = to_complex(x, volume(p->n)), *ch = to_complex(h, volume(p->k));
    double complex *cy = y ? malloc(volume(out) * sizeof *cy) : NULL;
    if (y && !cy) abort();
    ref_conv3c(p, cx, ch, cy, bound);
    for (size_t i = 0; y && i < volume(out); i++) y[i] = creal(cy[i]);
    free(cx);
    free(ch);
    free(cy);
}

void ref_ndimage_conv3c(const ref_ndimage3 *p, const double complex *x,
                        const double complex *h, double complex *y, double *bound,
                        double *ext_norm)
{
    long n[3], k[3], e[3];
    for (int d = 0; d < 3; d++) {
        n[d] = (long)p->n[d];
        k[d] = (long)p->k[d];
        e[d] = n[d] + 2 * (k[d] - 1);
    }
    double complex *ext = malloc((size_t)(e[0] * e[1] * e[2]) * sizeof *ext);
    double norm = 0.0;

    if (!ext) abort();
    for (long a = 0; a < e[0]; a++) {
        for (long b = 0; b < e[1]; b++) {
            for (long c = 0; c < e[2]; c++) {
                const long q[3] = {a - (k[0] - 1), b - (k[1] - 1), c - (k[2] - 1)};
                int inside = 1;
                long f[3];
                for (int d = 0; d < 3; d++) {
                    inside &= q[d] >= 0 && q[d] < n[d];
                    f[d] = fold(q[d], n[d], p->boundary);
                }
                double complex v;
                if (inside)
                    v = x[(q[0] * n[1] + q[1]) * n[2] + q[2]];
                else if (p->boundary == CLCONV_BOUNDARY_CONSTANT)
                    v = p->cval; /* a real cval: cval + 0i, as ndimage reads it */
                else
                    v = x[(f[0] * n[1] + f[1]) * n[2] + f[2]];
                ext[(a * e[1] + b) * e[2] + c] = v;
            }
        }
    }
    for (long i0 = 0; i0 < n[0]; i0++) {
        for (long i1 = 0; i1 < n[1]; i1++) {
            for (long i2 = 0; i2 < n[2]; i2++) {
                const long o[3] = {i0, i1, i2};
                double complex sum = 0.0;
                double abs_sum = 0.0;
                for (long a = 0; a < k[0]; a++) {
                    for (long b = 0; b < k[1]; b++) {
                        for (long c = 0; c < k[2]; c++) {
                            const long t[3] = {a, b, c};
                            long q[3];
                            for (int d = 0; d < 3; d++)
                                q[d] = p->correlate ? o[d] + t[d] - k[d] / 2 - p->origin[d]
                                                    : o[d] - t[d] + k[d] / 2 + p->origin[d];
                            double complex xv =
                                ext[((q[0] + k[0] - 1) * e[1] + (q[1] + k[1] - 1)) * e[2] +
                                    (q[2] + k[2] - 1)];
                            /* ndimage.correlate conjugates complex weights. */
                            double complex hv = h[(a * k[1] + b) * k[2] + c];
                            if (p->correlate) hv = conj(hv);
                            sum += xv * hv;
                            abs_sum += cabs(xv) * cabs(hv);
                        }
                    }
                }
                const long i = (i0 * n[1] + i1) * n[2] + i2;
                if (y) y[i] = sum;
                if (bound) bound[i] = abs_sum;
            }
        }
    }
    for (long a = 0; a < e[0] * e[1] * e[2]; a++)
        norm += creal(ext[a]) * creal(ext[a]) + cimag(ext[a]) * cimag(ext[a]);
    if (ext_norm) *ext_norm = sqrt(norm);
    free(ext);
}

void ref_ndimage_conv3(const ref_ndimage3 *p, const double *x, const double *h, double *y,
                       double *bound, double *ext_norm)
{
    double complex *cx = to_complex(x, volume(p->n)), *ch = to_complex(h, volume(p->k));
    double complex *cy = y ? malloc(volume(p->n) * sizeof *cy) : NULL;
    if (y && !cy) abort();
    ref_ndimage_conv3c(p, cx, ch, cy, bound, ext_norm);
    for (size_t i = 0; y && i < volume(p->n); i++) y[i] = creal(cy[i]);
    free(cx);
    free(ch);
    free(cy);
}

/* The error bounds' confidence factor lambda, and unit roundoff: half the
 * distance from 1 to the next representable value. */
#define LAMBDA 8.0

static double unit_roundoff(clconv_dtype dtype)
{
    return dtype == CLCONV_F64 ? 0x1p-53 : 0x1p-24;
}

double ref_direct_error(clconv_dtype dtype, size_t terms, double max_bound)
{
    return LAMBDA * unit_roundoff(dtype) * sqrt((double)(terms ? terms : 1)) * max_bound;
}

double ref_fft_error(clconv_dtype dtype, size_t full_count, double norm_product)
{
    double levels = full_count > 2 ? log2((double)full_count) : 1.0;
    return LAMBDA * unit_roundoff(dtype) * levels * norm_product;
}

double ref_norm2(const double *v, size_t count)
{
    double sum = 0.0;
    for (size_t i = 0; i < count; i++) sum += v[i] * v[i];
    return sqrt(sum);
}

size_t ref_first_mismatch(const double *want, const double *got, size_t count, double allowed)
{
    for (size_t i = 0; i < count; i++) {
        /* Written so that a NaN on either side fails the test. */
        if (!(fabs(got[i] - want[i]) <= allowed)) return i;
    }
    return count;
}
