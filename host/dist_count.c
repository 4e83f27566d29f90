/*
 * Count distributions for compound sums: the Poisson, binomial, negative
 * binomial and geometric PMFs, computed from their logarithms (lgamma and
 * log1p), so that probabilities far below float64's range, e^-1000 for a
 * Poisson count of mean 1000 at 0, are kept exactly in the distribution's
 * logarithms. The PMF runs from 0 up to the first value past the mode beyond
 * which the whole upper tail is below the caller's bound.
 */
#include "dist.h"

#include <float.h>
#include <stdlib.h>

/* Bound used when the caller passes 0: far below float64's resolution of a
 * total near 1. */
#define DEFAULT_TAIL 1e-20

/* Longest count PMF made. */
#define MAX_COUNT ((size_t)1 << 28)

typedef struct family {
    clconv_count_family kind;
    double a, b;
    double mode;
} family;

/* log P(N = k). */
static double log_pmf(const family *f, double k)
{
    switch (f->kind) {
    case CLCONV_COUNT_POISSON:
        return k * log(f->a) - f->a - lgamma(k + 1);
    case CLCONV_COUNT_BINOMIAL:
        if (k > f->a) return -INFINITY;
        if (f->b == 0) return k == 0 ? 0 : -INFINITY;
        if (f->b == 1) return k == f->a ? 0 : -INFINITY;
        return lgamma(f->a + 1) - lgamma(k + 1) - lgamma(f->a - k + 1) + k * log(f->b) +
               (f->a - k) * log1p(-f->b);
    default: /* negative binomial, geometric (r = 1) */
        if (f->b == 1) return k == 0 ? 0 : -INFINITY;
        return lgamma(k + f->a) - lgamma(f->a) - lgamma(k + 1) + f->a * log(f->b) +
               k * log1p(-f->b);
    }
}

/* An upper bound, for j > k past the mode, of P(N = j + 1) / P(N = j). */
static double ratio_bound(const family *f, double k)
{
    switch (f->kind) {
    case CLCONV_COUNT_POISSON:
        return f->a / (k + 1);
    case CLCONV_COUNT_BINOMIAL:
        return f->b == 1 ? 0 : (f->a - k) / (k + 1) * f->b / (1 - f->b);
    default: {
        const double q = 1 - f->b, r = (k + f->a) / (k + 1) * q;
        return r > q ? r : q;
    }
    }
}

int clconv_dist_count(clconv_runtime *rt, clconv_count_family kind, double a, double b,
                      double tail, clconv_dist **out)
{
    RETURN_IF(rt, !rt || !out, CLCONV_EINVAL, "runtime or out is NULL");
    *out = NULL;
    RETURN_IF(rt, !(tail >= 0 && tail <= 1e-9), CLCONV_EINVAL,
              "the tail bound must lie in [0, 1e-9] (0: the default), not %g", tail);
    family f = {kind, a, b, 0};
    switch (kind) {
    case CLCONV_COUNT_POISSON:
        RETURN_IF(rt, !(a > 0) || isinf(a), CLCONV_EINVAL,
                  "poisson: the mean must be finite and > 0, not %g", a);
        f.mode = floor(a);
        break;
    case CLCONV_COUNT_BINOMIAL:
        RETURN_IF(rt, !(a >= 0) || a != floor(a) || a > 1e15, CLCONV_EINVAL,
                  "binomial: the number of trials must be a whole number >= 0, not %g", a);
        RETURN_IF(rt, !(b >= 0 && b <= 1), CLCONV_EINVAL,
                  "binomial: p must lie in [0, 1], not %g", b);
        f.mode = fmin(floor((a + 1) * b), a);
        break;
    case CLCONV_COUNT_GEOMETRIC:
        f.b = a;
        f.a = 1;
        RETURN_IF(rt, !(f.b > 0 && f.b <= 1), CLCONV_EINVAL,
                  "geometric: p must lie in (0, 1], not %g", f.b);
        break;
    case CLCONV_COUNT_NEGBIN:
        RETURN_IF(rt, !(a > 0) || isinf(a), CLCONV_EINVAL,
                  "negbin: r must be finite and > 0, not %g", a);
        RETURN_IF(rt, !(b > 0 && b <= 1), CLCONV_EINVAL, "negbin: p must lie in (0, 1], not %g",
                  b);
        f.mode = a > 1 ? floor((a - 1) * (1 - b) / b) : 0;
        break;
    default:
        return CLCONV_FAIL(rt, CLCONV_EINVAL, "unknown count family %d", (int)kind);
    }
    const double ltail = log(tail > 0 ? tail : DEFAULT_TAIL);

    /* Grow the PMF until the tail past it is below the bound. */
    size_t n = 0, cap = 1024;
    double *lp = malloc(cap * sizeof *lp);
    RETURN_IF(rt, !lp, CLCONV_ENOMEM, "allocating a count PMF");
    for (;;) {
        if (n == cap) {
            double *g = cap < MAX_COUNT ? realloc(lp, 2 * cap * sizeof *lp) : NULL;
            if (!g) {
                free(lp);
                RETURN_IF(rt, cap >= MAX_COUNT, CLCONV_EOVERFLOW,
                          "the count PMF would need more than %zu entries", MAX_COUNT);
                return CLCONV_FAIL(rt, CLCONV_ENOMEM, "growing a count PMF to %zu entries",
                                   2 * cap);
            }
            lp = g;
            cap *= 2;
        }
        const double k = (double)n;
        lp[n++] = log_pmf(&f, k);
        if (kind == CLCONV_COUNT_BINOMIAL && k >= a) break;
        if (k < f.mode) continue;
        const double rho = ratio_bound(&f, k);
        if (rho >= 1) continue;
        if (lp[n - 1] == -INFINITY || lp[n - 1] + log(rho / (1 - rho)) < ltail) break;
    }
    const clconv_dist_layout l = {1, {n, 1}, {0, 0}, 0.0};
    int status = clconv__dist_from_logs(rt, &l, lp, 0, out);
    free(lp);
    return status;
}
