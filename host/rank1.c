/*
 * Dense 2-D kernels of rank 1 (a Gaussian, a box, any outer product handed
 * over as one array): the test that finds them and the factors that let
 * them run as two 1-D passes, kr + kc multiply-adds an output instead of
 * kr * kc.
 *
 * The acceptance tolerance follows from what a result is allowed to be. A
 * direct result is checked against conv(|x|, |h|) times the unit roundoff u
 * of its precision (tests/reference.h), per output. Replacing h by the
 * product c r of the factors adds conv(x, c r - h) to every output, at most
 * conv(|x|, |c r - h|); that stays below e * u * conv(|x|, |h|) for every
 * signal x exactly when each tap obeys |c_a r_b - h_ab| <= e * u * |h_ab|.
 * So the test is per tap, relative to the tap: a test against the kernel's
 * norm would accept an error of the norm's size on a tap a thousand times
 * smaller, which a signal concentrated under that tap shows in full. With
 * e = 8 (the references' confidence factor) the split adds to an output at
 * most what the references allow a direct sum of a single term, against
 * 8 sqrt(kr kc) for the kernel's whole sum; a kernel that is rank 1 only
 * approximately, beyond rounding, runs as it is.
 *
 * The factors are the kernel's column and row through its largest tap, the
 * row divided by that tap: the column is the kernel's own values, so a rank
 * 1 kernel given in float32 is reproduced within about 5 u per tap. An
 * integer kernel (a box, Sobel's) gets integer factors, so integer data
 * stays exact, as it is with the 2-D kernels.
 */
#include "plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The references' confidence factor: the split may add this many units of
 * roundoff of each tap to each output (see the file comment). */
#define RANK1_ULPS 8.0

static long double tap(clconv_dtype dtype, const void *k, size_t i)
{
    return dtype == CLCONV_F64 ? (long double)((const double *)k)[i]
                               : (long double)((const float *)k)[i];
}

static void put(clconv_dtype dtype, void *v, size_t i, long double x)
{
    if (dtype == CLCONV_F64) ((double *)v)[i] = (double)x;
    else ((float *)v)[i] = (float)x;
}

/* Greatest common divisor of two non-negative integers held exactly. */
static long double gcd(long double a, long double b)
{
    while (b > 0) {
        long double r = fmodl(a, b);
        a = b;
        b = r;
    }
    return a;
}

/* Integer factors of an integer kernel: the pivot row divided by the
 * greatest common divisor of its entries, and the column scaled to match.
 * Returns 1 when both come out as integers of the precision (a rank 1
 * integer kernel always gives them, up to the precision's integer range). */
static int integer_factors(clconv_dtype dtype, const void *k, size_t kr, size_t kc, size_t pi,
                           size_t pj, void *col, void *row)
{
    const long double limit = dtype == CLCONV_F64 ? 0x1p53L : 0x1p24L;
    long double g = 0;
    for (size_t i = 0; i < kr * kc; i++) {
        const long double v = tap(dtype, k, i);
        if (v != floorl(v) || fabsl(v) > limit) return 0;
    }
    for (size_t b = 0; b < kc; b++) g = gcd(fabsl(tap(dtype, k, pi * kc + b)), g);
    const long double pivot = tap(dtype, k, pi * kc + pj);
    for (size_t a = 0; a < kr; a++) {
        /* Whole for a rank 1 kernel; for any other the residual test
         * below rejects the factors whatever they are. */
        const long double c = tap(dtype, k, a * kc + pj) * g / pivot;
        if (c != floorl(c) || fabsl(c) > limit) return 0;
        put(dtype, col, a, c);
    }
    for (size_t b = 0; b < kc; b++) put(dtype, row, b, tap(dtype, k, pi * kc + b) / g);
    return 1;
}

int clconv__rank1_factors(clconv_dtype dtype, const void *kernel, size_t kr, size_t kc,
                          void *col, void *row, double *residual)
{
    size_t pi = 0, pj = 0;
    long double top = 0;
    for (size_t a = 0; a < kr; a++)
        for (size_t b = 0; b < kc; b++) {
            const long double v = fabsl(tap(dtype, kernel, a * kc + b));
            if (v > top) top = v, pi = a, pj = b;
        }
    *residual = INFINITY;
    /* An all-zero kernel (or one with a NaN, which compares false) is left
     * as it is. */
    if (!(top > 0)) return 0;
    if (!integer_factors(dtype, kernel, kr, kc, pi, pj, col, row)) {
        const long double pivot = tap(dtype, kernel, pi * kc + pj);
        for (size_t a = 0; a < kr; a++) put(dtype, col, a, tap(dtype, kernel, a * kc + pj));
        for (size_t b = 0; b < kc; b++) put(dtype, row, b, tap(dtype, kernel, pi * kc + b) / pivot);
    }
    /* Products of factors of either precision are exact or nearly so in
     * long double (x86: 64-bit significand), so the residual is the
     * factors' own. */
    const long double u = dtype == CLCONV_F64 ? 0x1p-53L : 0x1p-24L;
    long double worst = 0;
    for (size_t a = 0; a < kr; a++)
        for (size_t b = 0; b < kc; b++) {
            const long double h = tap(dtype, kernel, a * kc + b);
            const long double d = fabsl(tap(dtype, col, a) * tap(dtype, row, b) - h);
            /* A NaN or infinite tap must reach the outputs as the 2-D
             * kernel would spread it, so such a kernel is never split. */
            if (!isfinite(h)) return 0;
            if (d == 0) continue;
            /* In units of roundoff of the tap; a nonzero error on a zero tap
             * is infinitely many. */
            const long double ulps = h != 0 ? d / (u * fabsl(h)) : INFINITY;
            if (ulps > worst) worst = ulps;
        }
    *residual = (double)worst;
    return worst <= RANK1_ULPS;
}

int clconv__rank1_split(clconv_runtime *rt, const clconv__geom *g, clconv_method method,
                        const void *kernel, void **factors)
{
    *factors = NULL;
    /* A row or a column is already one pass; FFT was asked for by name,
     * and the separable path runs direct only. */
    if (g->dims != 2 || g->k[0] < 2 || g->k[1] < 2 || method == CLCONV_METHOD_FFT) return 0;
    /* The test costs a look at every tap: only where the split would pay. */
    int pays;
    FORWARD_IF_ERROR(clconv__plan_separable(rt, g, method, &pays));
    if (!pays) return 0;
    const size_t es = clconv_dtype_size(g->dtype);
    void *f = malloc((g->k[0] + g->k[1]) * es);
    RETURN_IF(rt, !f, CLCONV_ENOMEM, "no memory for the factors of a %zu x %zu kernel", g->k[0],
              g->k[1]);
    double residual;
    if (!clconv__rank1_factors(g->dtype, kernel, g->k[0], g->k[1], f, (char *)f + g->k[0] * es,
                               &residual)) {
        if (isfinite(residual))
            clconv__note(rt,
                         "kernel %zux%zu is not rank 1 within rounding (a tap off by %.3g "
                         "units of roundoff, %.0f allowed): run as it is",
                         g->k[0], g->k[1], residual, RANK1_ULPS);
        free(f);
        return 0;
    }
    clconv__note(rt,
                 "kernel %zux%zu is rank 1 (taps within %.3g units of roundoff of a column "
                 "times a row): two 1-D passes",
                 g->k[0], g->k[1], residual);
    *factors = f;
    return 0;
}
