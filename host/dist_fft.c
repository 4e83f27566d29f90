/*
 * The 1-D FFT convolution that the automatic method runs for long operands,
 * with a bound on every entry's error, so that it keeps a stated relative
 * accuracy in the tails as the direct method does (host/dist_tilt.c). A plain
 * FFT convolution's error is absolute: about float64 rounding times the
 * operands' norms, the same for every entry, so the entries far below the
 * largest are noise. For independent X and Y,
 *
 *   sum_t a[t] e^(theta t) * b[n-t] e^(theta (n-t)) = (a conv b)[n] e^(theta n)
 *
 * exactly, so each pass convolves exponentially tilted operands whose tilted
 * result peaks where entries are still missing, bounds the error of every
 * entry of that pass (below), keeps the entries whose bound is within
 * CLCONV__DIST_FFT_REL of their value, and undoes the tilt in logarithms.
 * The first pass has no tilt; the next ones aim at the failing runs of
 * entries, a tilt of minus the slope of the logarithm there (estimated from
 * the largest log-product, as the direct windows are planned). This is
 * Wilson and Keich's ShiftConvolve (2016), with their rule of recomputing
 * the entries that fail the bound (aFFT-C). Runs whose direct cost is small
 * (the ends of the support, where few products meet) or that a pass did not
 * shorten are computed by the direct windows instead.
 *
 * The bound. With x and y the tilted operands scaled to sum 1 (non-negative),
 * z = x conv y, and a transform of N points whose error in the 2-norm is at
 * most gamma log2(N) times the transformed vector's norm, the computed z
 * differs from z, in the 2-norm and so in every entry, by at most
 *
 *   gamma log2(N) (|x|2 |y|1 + |x|1 |y|2 + |z|2) + u |z|2,  |z|2 <= min(|x|2, |y|2),
 *
 * (forward errors times the other spectrum's largest value |y|1, then the
 * inverse transform's; Higham, "Accuracy and Stability of Numerical
 * Algorithms", 2nd ed., section 24.1). gamma is taken as FFT_GAMMA units of
 * rounding, several times what VkFFT's double-precision transforms measure.
 * Each pass convolves only the window of each tilted operand above a floor
 * chosen so that the mass left out adds at most a hundredth to the bound:
 * the tails of a tilted operand fall off like a Gaussian, so a pass's
 * transform is a few standard deviations of the operands long, not the
 * whole support.
 */
#include "dist.h"
#include "dispatch.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

/* Units of rounding per log2(N) in the transforms' 2-norm error. */
#define FFT_GAMMA 4.0

/* A run of failing entries goes to the direct windows when its direct
 * products number at most this many times the points x log2 points of one
 * full-size FFT pass: a pass costs three transforms (about 7.5 flops per
 * point and level) and an exp or log per operand and result entry on the
 * host, a direct product 2 flops at the tiled kernels' higher rate. */
#define DIRECT_PER_FFT 16.0

/* Passes per convolution before what is left goes to the direct windows.
 * The 1.6M x 1.6M-entry square of a sum of 64 Exp(1) densities at step
 * 0.001 took 13. */
#define MAX_PASSES 32

/* A failing run: entries [n0, n1). */
typedef struct run {
    size_t n0, n1;
} run;

typedef struct fft_job {
    clconv_runtime *rt;
    const double *la, *lb; /* the operands' logarithms (host) */
    size_t na, nb, nout;
    double *lo;            /* the results' logarithms; NaN until known */
    double *x, *y, *z;     /* one pass's tilted windows and result (host) */
    double rel;
    unsigned passes;       /* of this convolution */
    clconv__dist_fft_stats *st;
} fft_job;

/* Tilts lg[0..n) by theta (index units), scales the result to sum 1 and
 * keeps the window [*w0, *w1] above the floor: fills out[0 .. w1-w0], *shift
 * (log of what a kept value was divided by at index 0: lg[t] = log(out) +
 * shift - theta t) and the norms of the kept values, *l2; *dropped bounds
 * the mass left out. floor_rel is the floor relative to the largest value. */
static void tilt_window(const double *lg, size_t n, double theta, double floor_rel, double *out,
                        size_t *w0, size_t *w1, double *shift, double *l2, double *dropped)
{
    double top = -INFINITY;
    for (size_t t = 0; t < n; t++) {
        const double v = lg[t] + theta * (double)t;
        top = v > top ? v : top;
    }
    /* exp underflows below this; such values count as dropped. */
    const double lfloor = log(floor_rel);
    size_t lo = n, hi = 0;
    clconv__ksum sum = {0, 0};
    for (size_t t = 0; t < n; t++) {
        const double v = lg[t] + theta * (double)t - top;
        if (v >= lfloor) {
            lo = t < lo ? t : lo;
            hi = t;
        }
        if (v > -745) clconv__ksum_add(&sum, exp(v));
    }
    const double total = clconv__ksum_value(&sum); /* >= 1: the top value is 1 */
    clconv__ksum sq = {0, 0};
    for (size_t t = lo; t <= hi; t++) {
        const double v = lg[t] + theta * (double)t - top;
        const double e = v > -745 ? exp(v) / total : 0;
        out[t - lo] = e;
        clconv__ksum_add(&sq, e * e);
    }
    *w0 = lo;
    *w1 = hi;
    *shift = top + log(total);
    *l2 = sqrt(clconv__ksum_value(&sq));
    /* Everything outside the window is below the floor (or underflowed):
     * at most n of them, each below floor_rel / total. (Not 1 minus the kept
     * sum, whose rounding alone could exceed the bound.) */
    *dropped = (double)n * floor_rel / total + (double)n * 5e-324;
}

/* Whether out[n] is still unknown. */
static int missing(const fft_job *j, size_t n) { return isnan(j->lo[n]); }

/* The products of a direct computation of outputs [n0, n1). */
static double direct_cost(const fft_job *j, size_t n0, size_t n1)
{
    double sum = 0;
    for (size_t n = n0; n < n1; n++) {
        const size_t t0 = n >= j->nb ? n - j->nb + 1 : 0, t1 = n < j->na - 1 ? n : j->na - 1;
        sum += (double)(t1 - t0 + 1);
    }
    return sum;
}

/* Estimated log of output n: the largest log-product. */
static double est(const fft_job *j, size_t n)
{
    return clconv__dist_max_product(j->la, j->na, j->lb, j->nb, n);
}

/* The tilt that puts the peak of the tilted result at output m: minus the
 * slope of the estimated logarithm there, over +-d outputs. NaN when the
 * estimate is not finite there. */
static double tilt_at(const fft_job *j, size_t m, size_t d)
{
    const size_t l = m > d ? m - d : 0, r = m + d < j->nout ? m + d : j->nout - 1;
    if (l == r) return NAN;
    const double s = (est(j, r) - est(j, l)) / (double)(r - l);
    return isfinite(s) ? -s : NAN;
}

/* The standard deviation of the result near output m, from the curvature
 * of its estimated logarithm (a Gaussian's log has curvature -1/sigma^2);
 * 0 when the curvature does not tell (straight or not finite). */
static double spread_at(const fft_job *j, size_t m, size_t d)
{
    if (m < d || m + d >= j->nout) return 0;
    const double c = (est(j, m + d) - 2 * est(j, m) + est(j, m - d)) / ((double)d * (double)d);
    return isfinite(c) && c < 0 ? 1 / sqrt(-c) : 0;
}

/* Chooses the output a pass for run r aims at: the middle of a gap between
 * known entries, else, for a run at an end of the support, a point about
 * two standard deviations inside its inner edge, so that the pass's band of
 * kept entries reaches that edge. */
static size_t target(const fft_job *j, run r)
{
    const size_t len = r.n1 - r.n0, mid = r.n0 + len / 2;
    const int left_open = r.n0 == 0, right_open = r.n1 == j->nout;
    if (left_open == right_open) return mid;
    size_t m = left_open ? r.n1 - 1 : r.n0;
    for (int it = 0; it < 3; it++) {
        const double d = fmax(1, fmin((double)len / 8, 64));
        const double s = spread_at(j, m, (size_t)d);
        if (!(s > 0)) return mid;
        const double h = fmin(2 * s, (double)len / 2);
        const size_t edge = left_open ? r.n1 - 1 : r.n0;
        m = left_open ? edge - (size_t)h : edge + (size_t)h;
    }
    return m;
}

/* One pass with tilt theta: convolves the tilted windows by FFT on the
 * device and keeps every missing entry that meets the bound. *kept gets
 * how many it kept. */
static int pass(fft_job *j, double theta, size_t *kept)
{
    clconv_runtime *rt = j->rt;
    const double u = DBL_EPSILON / 2;
    /* The floor is set from the bound with the longest transform, the whole
     * support; the operands' 2-norms are at least 1/sqrt(n) of their sums. */
    const double lg2_full = ceil(log2((double)(j->na + j->nb)));
    const double e_min = FFT_GAMMA * u * lg2_full *
                         (1 / sqrt((double)j->na) + 1 / sqrt((double)j->nb));
    const double floor_rel = 0.005 * e_min / (double)(j->na + j->nb);
    size_t a0, a1, b0, b1;
    double sa, sb, l2a, l2b, da, db;
    tilt_window(j->la, j->na, theta, floor_rel, j->x, &a0, &a1, &sa, &l2a, &da);
    tilt_window(j->lb, j->nb, theta, floor_rel, j->y, &b0, &b1, &sb, &l2b, &db);
    const size_t wa = a1 - a0 + 1, wb = b1 - b0 + 1, wz = wa + wb - 1;
    /* Transforms of 2^k points, so that passes share plans: the signal
     * window is zero-padded to 2^k - wb + 1. */
    size_t points = 1;
    while (points < wz) points *= 2;
    const size_t ws = points - wb + 1;
    for (size_t t = wa; t < ws; t++) j->x[t] = 0;
    const double lg2 = fmax(1, log2((double)points));
    const double bound = FFT_GAMMA * u * lg2 * (l2a + l2b + fmin(l2a, l2b)) +
                         u * fmin(l2a, l2b) + da + db;

    cl_mem xs = NULL, ys = NULL, zs = NULL;
    int status = clconv__scratch_get(rt, ws * sizeof(double), &xs);
    if (status == 0) status = clconv__scratch_get(rt, wb * sizeof(double), &ys);
    if (status == 0) status = clconv__scratch_get(rt, points * sizeof(double), &zs);
    cl_int err = CL_SUCCESS;
    if (status == 0)
        err = clEnqueueWriteBuffer(rt->queue, xs, CL_FALSE, 0, ws * sizeof(double), j->x, 0,
                                   NULL, NULL);
    if (status == 0 && err == CL_SUCCESS)
        err = clEnqueueWriteBuffer(rt->queue, ys, CL_FALSE, 0, wb * sizeof(double), j->y, 0,
                                   NULL, NULL);
    if (status == 0 && err != CL_SUCCESS)
        status = clconv__cl_fail(rt, err, "clEnqueueWriteBuffer", __FILE__, __LINE__,
                                 "uploading tilted operands of %zu and %zu entries", ws, wb);
    if (status == 0) {
        clconv__geom g;
        clconv__dist_geom_1d(&g, ws, wb, ws + wb - 1, 0);
        status = clconv__fft_run(rt, &g, xs, ys, zs);
    }
    if (status == 0) {
        err = clEnqueueReadBuffer(rt->queue, zs, CL_TRUE, 0, wz * sizeof(double), j->z, 0, NULL,
                                  NULL);
        if (err != CL_SUCCESS)
            status = clconv__cl_fail(rt, err, "clEnqueueReadBuffer", __FILE__, __LINE__,
                                     "reading %zu tilted results", wz);
    }
    clconv__scratch_release(rt, xs);
    clconv__scratch_release(rt, ys);
    clconv__scratch_release(rt, zs);
    FORWARD_IF_ERROR(status);

    /* Keep z[i] when its error bound is within rel of it: z >= bound (1 +
     * 1/rel) makes |error| / exact <= bound / (z - bound) <= rel. */
    const double need = bound * (1 + 1 / j->rel);
    size_t got = 0;
    for (size_t i = 0; i < wz; i++) {
        const size_t n = a0 + b0 + i;
        if (!missing(j, n) || !(j->z[i] >= need)) continue;
        j->lo[n] = log(j->z[i]) + sa + sb - theta * (double)n;
        got++;
    }
    j->passes++;
    j->st->passes++;
    clconv__note(rt, "dist: fft pass %u, tilt %.6g: %zu x %zu window, %zu points, bound %.3g, "
                 "%zu entries kept", j->passes, theta, wa, wb, points, bound, got);
    *kept = got;
    return 0;
}

/* The runs of missing entries, into *runs (grown as needed). */
static int find_runs(fft_job *j, run **runs, size_t *count, size_t *cap)
{
    *count = 0;
    for (size_t n = 0; n < j->nout;) {
        if (!missing(j, n)) {
            n++;
            continue;
        }
        size_t e = n;
        while (e < j->nout && missing(j, e)) e++;
        if (*count == *cap) {
            size_t c = *cap ? 2 * *cap : 16;
            run *v = realloc(*runs, c * sizeof *v);
            RETURN_IF(j->rt, !v, CLCONV_ENOMEM, "growing a list of %zu runs", c);
            *runs = v;
            *cap = c;
        }
        (*runs)[(*count)++] = (run){n, e};
        n = e;
    }
    return 0;
}

/* Hands run r to the direct windows: appends it to *todo and marks its
 * entries known (-inf, 0 on the device until the windows overwrite them). */
static int to_direct(fft_job *j, run r, run **todo, size_t *ntodo)
{
    if (*ntodo % 16 == 0) {
        run *v = realloc(*todo, (*ntodo + 16) * sizeof *v);
        RETURN_IF(j->rt, !v, CLCONV_ENOMEM, "listing %zu direct runs", *ntodo + 16);
        *todo = v;
    }
    (*todo)[(*ntodo)++] = r;
    for (size_t n = r.n0; n < r.n1; n++) j->lo[n] = -INFINITY;
    return 0;
}

int clconv__dist_conv_fft(clconv_runtime *rt, clconv__dist_kernels *k, const clconv__dist_row *a,
                          const clconv__dist_row *b, const clconv__dist_row *out,
                          clconv__dist_fft_stats *st)
{
    const size_t na = a->n, nb = b->n, nout = out->n;
    const int same = a->lg == b->lg && a->base == b->base && na == nb;
    double *la = malloc(na * sizeof *la), *lb = same ? la : malloc(nb * sizeof *lb);
    double *lo = malloc(nout * sizeof *lo), *x = malloc(2 * nout * sizeof *x);
    double *y = malloc(nb * sizeof *y), *z = malloc(2 * nout * sizeof *z);
    run *runs = NULL, *todo = NULL;
    size_t nruns = 0, cap = 0, ntodo = 0;
    int status = 0;
    if (!la || !lb || !lo || !x || !y || !z)
        status = CLCONV_FAIL(rt, CLCONV_ENOMEM, "staging a checked FFT convolution of %zu "
                             "entries", nout);
    if (status == 0) status = clconv__dist_read_logs(rt, a, la);
    if (status == 0 && !same) status = clconv__dist_read_logs(rt, b, lb);
    fft_job j = {rt, la, lb, na, nb, nout, lo, x, y, z, CLCONV__DIST_FFT_REL, 0, st};
    for (size_t n = 0; lo && n < nout; n++) lo[n] = NAN;

    /* A full-size pass's cost, against which a run's direct cost is set. */
    double full = 1;
    while (full < (double)nout) full *= 2;
    const double fft_cost = full * log2(full);
    size_t kept = 0;
    if (status == 0) status = pass(&j, 0, &kept);
    while (status == 0) {
        status = find_runs(&j, &runs, &nruns, &cap);
        if (status < 0 || nruns == 0) break;
        /* Cheap runs, and all of them once the passes are used up, go to
         * the direct windows; a run a pass did not shorten, too (below). */
        size_t left = 0;
        for (size_t i = 0; status == 0 && i < nruns; i++) {
            const run r = runs[i];
            if (j.passes >= MAX_PASSES ||
                direct_cost(&j, r.n0, r.n1) <= DIRECT_PER_FFT * fft_cost) {
                status = to_direct(&j, r, &todo, &ntodo);
                continue;
            }
            runs[left++] = r;
        }
        for (size_t i = 0; status == 0 && i < left; i++) {
            const run r = runs[i];
            const size_t m = target(&j, r);
            const double theta = tilt_at(&j, m, (size_t)fmax(1, fmin((r.n1 - r.n0) / 8.0, 64)));
            kept = 0;
            if (isfinite(theta)) status = pass(&j, theta, &kept);
            size_t inside = 0;
            for (size_t n = r.n0; status == 0 && n < r.n1; n++) inside += !missing(&j, n);
            if (status == 0 && inside == 0) {
                /* No progress: the direct windows take the run. */
                status = to_direct(&j, r, &todo, &ntodo);
            }
        }
    }

    /* The kept entries go to the device, then the direct windows overwrite
     * the runs they compute. */
    if (status == 0) {
        for (size_t n = 0; n < nout; n++) z[n] = exp(lo[n]);
        cl_int err = clEnqueueWriteBuffer(rt->queue, out->lg, CL_FALSE,
                                          out->base * sizeof(double), nout * sizeof(double), lo,
                                          0, NULL, NULL);
        if (err == CL_SUCCESS)
            err = clEnqueueWriteBuffer(rt->queue, out->mass, CL_TRUE, out->base * sizeof(double),
                                       nout * sizeof(double), z, 0, NULL, NULL);
        if (err != CL_SUCCESS)
            status = clconv__cl_fail(rt, err, "clEnqueueWriteBuffer", __FILE__, __LINE__,
                                     "writing %zu results", nout);
    }
    for (size_t i = 0; status == 0 && i < ntodo; i++) {
        const size_t range[2] = {todo[i].n0, todo[i].n1};
        st->direct_entries += todo[i].n1 - todo[i].n0;
        status = clconv__dist_conv_logged_range(rt, k, 1, a, b, out, range);
    }
    free(runs);
    free(todo);
    free(la);
    if (!same) free(lb);
    free(lo);
    free(x);
    free(y);
    free(z);
    return status;
}
