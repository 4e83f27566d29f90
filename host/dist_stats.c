/*
 * Summaries of a distribution, computed on the host from its probabilities:
 * total, mean, variance, standard deviation, skewness, covariance, support
 * bounds, the CDF and quantiles. Positions are handled as grid indices and
 * turned into values (offset + index) * step only at the end, so a large
 * offset costs no precision; every sum is compensated, and the central
 * moments are summed around the mean in a second pass instead of from raw
 * moments, whose difference would cancel catastrophically for a narrow
 * distribution far from zero.
 */
#include "dist.h"

#include <float.h>
#include <stdlib.h>

/* The grid step of dist's values: h for a density, 1 for a discrete one. */
static double unit(const clconv_dist *d) { return d->layout.step > 0 ? d->layout.step : 1; }

/* Moments of weights w[0..n) (a marginal) in index space, divided by their
 * total. */
typedef struct moments {
    double total, mean, var, m3;
    size_t first, last;           /* first and last index of positive weight */
} moments;

static void marginal_moments(const double *w, size_t n, moments *mo)
{
    clconv__ksum t = {0, 0}, s1 = {0, 0}, s2 = {0, 0}, s3 = {0, 0}, fix = {0, 0};
    mo->first = n;
    mo->last = 0;
    for (size_t i = 0; i < n; i++) {
        clconv__ksum_add(&t, w[i]);
        clconv__ksum_add(&s1, (double)i * w[i]);
        if (w[i] > 0) {
            if (mo->first == n) mo->first = i;
            mo->last = i;
        }
    }
    mo->total = clconv__ksum_value(&t);
    /* A first estimate of the mean, refined by the weighted mean of the
     * residuals, then the central moments around the refined mean. */
    const double mu0 = clconv__ksum_value(&s1) / mo->total;
    for (size_t i = 0; i < n; i++) clconv__ksum_add(&fix, ((double)i - mu0) * w[i]);
    mo->mean = mu0 + clconv__ksum_value(&fix) / mo->total;
    for (size_t i = 0; i < n; i++) {
        const double d = (double)i - mo->mean, dw = d * d * w[i];
        clconv__ksum_add(&s2, dw);
        clconv__ksum_add(&s3, dw * d);
    }
    mo->var = clconv__ksum_value(&s2) / mo->total;
    mo->m3 = clconv__ksum_value(&s3) / mo->total;
}

int clconv_dist_stats_get(const clconv_dist *dist, clconv_dist_stats *stats)
{
    const double *m;
    RETURN_IF(NULL, !dist || !stats, CLCONV_EINVAL, "distribution or stats is NULL");
    FORWARD_IF_ERROR(clconv__dist_masses(dist, &m));
    const clconv_dist_layout *l = &dist->layout;
    const size_t rows = l->dims == 1 ? 1 : l->len[0], cols = l->dims == 1 ? l->len[0] : l->len[1];
    const double h = unit(dist);

    /* Marginals: over the columns (dimension 0 of a 2-D dist) and over the
     * rows (the values of a 1-D dist, dimension 1 of a 2-D one). */
    double *wr = malloc(rows * sizeof *wr), *wc = malloc(cols * sizeof *wc);
    if (!wr || !wc) {
        free(wr);
        free(wc);
        return CLCONV_FAIL(dist->rt, CLCONV_ENOMEM, "allocating marginals");
    }
    for (size_t r = 0; r < rows; r++) {
        clconv__ksum s = {0, 0};
        for (size_t c = 0; c < cols; c++) clconv__ksum_add(&s, m[r * cols + c]);
        wr[r] = clconv__ksum_value(&s);
    }
    for (size_t c = 0; c < cols; c++) {
        clconv__ksum s = {0, 0};
        for (size_t r = 0; r < rows; r++) clconv__ksum_add(&s, m[r * cols + c]);
        wc[c] = clconv__ksum_value(&s);
    }
    moments mo[2];
    marginal_moments(wc, cols, &mo[l->dims == 1 ? 0 : 1]);
    if (l->dims == 2) marginal_moments(wr, rows, &mo[0]);
    free(wr);
    free(wc);
    RETURN_IF(dist->rt, !(mo[0].total > 0), CLCONV_ERANGE,
              "the distribution has no positive probability");

    clconv_dist_stats s = {0};
    s.total = mo[0].total;
    for (int k = 0; k < l->dims; k++) {
        const double o = (double)l->offset[k];
        s.mean[k] = (o + mo[k].mean) * h;
        s.variance[k] = mo[k].var * h * h;
        s.sd[k] = sqrt(s.variance[k]);
        s.skewness[k] = mo[k].var > 0 ? mo[k].m3 / (mo[k].var * sqrt(mo[k].var)) : NAN;
        s.min[k] = (o + (double)mo[k].first) * h;
        s.max[k] = (o + (double)mo[k].last) * h;
    }
    if (l->dims == 2) {
        clconv__ksum cov = {0, 0};
        for (size_t r = 0; r < rows; r++)
            for (size_t c = 0; c < cols; c++)
                clconv__ksum_add(&cov, ((double)r - mo[0].mean) * ((double)c - mo[1].mean) *
                                           m[r * cols + c]);
        s.covariance = clconv__ksum_value(&cov) / s.total * h * h;
    }
    *stats = s;
    return 0;
}

/* The masses of a 1-D dist, or CLCONV_EINVAL for a 2-D one. */
static int masses_1d(const clconv_dist *dist, const char *what, const double **m)
{
    RETURN_IF(NULL, !dist, CLCONV_EINVAL, "distribution is NULL");
    RETURN_IF(dist->rt, dist->layout.dims != 1, CLCONV_EINVAL,
              "%s is defined for 1-D distributions only", what);
    return clconv__dist_masses(dist, m);
}

int clconv_dist_cdf(const clconv_dist *dist, double *cdf)
{
    const double *m;
    FORWARD_IF_ERROR(masses_1d(dist, "the CDF", &m));
    RETURN_IF(dist->rt, !cdf, CLCONV_EINVAL, "cdf is NULL");
    const int density = dist->layout.step > 0;
    /* Mass trimmed away below the first entry still lies below every value. */
    clconv__ksum run = {dist->below, 0};
    for (size_t i = 0; i < dist->count; i++) {
        /* A density's sample stands for the cell centred on it: half of its
         * probability lies below the sample point. */
        if (density) cdf[i] = clconv__ksum_value(&run) + m[i] / 2;
        clconv__ksum_add(&run, m[i]);
        if (!density) cdf[i] = clconv__ksum_value(&run);
    }
    return 0;
}

int clconv_dist_quantiles(const clconv_dist *dist, const double *q, size_t count, double *values)
{
    const double *m;
    FORWARD_IF_ERROR(masses_1d(dist, "a quantile", &m));
    clconv_runtime *rt = dist->rt;
    RETURN_IF(rt, count && (!q || !values), CLCONV_EINVAL, "q or values is NULL");
    for (size_t k = 0; k < count; k++)
        RETURN_IF(rt, !(q[k] >= 0 && q[k] <= 1), CLCONV_EINVAL,
                  "quantile level %zu is %g, outside [0, 1]", k, q[k]);

    /* right[i]: the total up to and including entry i (the upper edge of
     * cell i for a density). */
    const size_t n = dist->count;
    double *right = malloc(n * sizeof *right);
    RETURN_IF(rt, !right, CLCONV_ENOMEM, "allocating %zu cumulative sums", n);
    clconv__ksum run = {0, 0};
    size_t first = n, last = 0;
    for (size_t i = 0; i < n; i++) {
        clconv__ksum_add(&run, m[i]);
        right[i] = clconv__ksum_value(&run);
        if (m[i] > 0) {
            if (first == n) first = i;
            last = i;
        }
    }
    const double total = right[n - 1];
    if (first == n) {
        free(right);
        return CLCONV_FAIL(rt, CLCONV_ERANGE, "the distribution has no positive probability");
    }

    const double h = unit(dist), o = (double)dist->layout.offset[0];
    const int density = dist->layout.step > 0;
    /* A discrete CDF that equals q exactly in exact arithmetic may fall a
     * few roundings short of it; such a value still counts as reaching q. */
    const double slack = density ? 0 : 64 * DBL_EPSILON * total;
    for (size_t k = 0; k < count; k++) {
        const double target = q[k] * total;
        size_t lo = first, hi = last;   /* smallest i in [first, last] with right[i] >= target */
        while (lo < hi) {
            const size_t mid = lo + (hi - lo) / 2;
            if (right[mid] >= target - slack)
                hi = mid;
            else
                lo = mid + 1;
        }
        if (density) {
            /* Linear within cell lo, which spans [x - h/2, x + h/2]. */
            const double below = lo > 0 ? right[lo - 1] : 0;
            double frac = (target - below) / m[lo];
            frac = frac < 0 ? 0 : frac > 1 ? 1 : frac;
            values[k] = (o + (double)lo - 0.5 + frac) * h;
        } else {
            values[k] = (o + (double)lo) * h;
        }
    }
    free(right);
    return 0;
}

int clconv_dist_sf(const clconv_dist *dist, double *sf)
{
    const double *m;
    FORWARD_IF_ERROR(masses_1d(dist, "the survival function", &m));
    RETURN_IF(dist->rt, !sf, CLCONV_EINVAL, "sf is NULL");
    const int density = dist->layout.step > 0;
    /* Summed from the top, so that a small upper tail keeps its relative
     * accuracy instead of being the difference of two numbers near 1; mass
     * trimmed away above the last entry still lies above every value. */
    clconv__ksum run = {dist->above, 0};
    for (size_t i = dist->count; i-- > 0;) {
        if (!density) sf[i] = clconv__ksum_value(&run);
        clconv__ksum_add(&run, m[i]);
        if (density) sf[i] = clconv__ksum_value(&run) - m[i] / 2;
    }
    return 0;
}

/* The log-masses of a 1-D dist, or CLCONV_EINVAL for a 2-D one. */
static int logs_1d(const clconv_dist *dist, const char *what, double *out, const double **lg)
{
    RETURN_IF(NULL, !dist, CLCONV_EINVAL, "distribution is NULL");
    RETURN_IF(dist->rt, dist->layout.dims != 1, CLCONV_EINVAL,
              "%s is defined for 1-D distributions only", what);
    RETURN_IF(dist->rt, !out, CLCONV_EINVAL, "output array is NULL");
    return clconv__dist_logs(dist, lg);
}

/* Running log-sums of a 1-D dist's log-masses lg, from the bottom (dir > 0)
 * or the top: out[i] = the logarithm of the mass beyond entry i on the side
 * summed from plus, for a density, half of entry i's own; start is the
 * logarithm of the trimmed mass beyond the last entry on that side. The sum
 * is carried as e^ref times a compensated float64 sum of at least 1, ref
 * moving up to each new largest term, so nothing underflows however small
 * the terms and each addition rounds relative to the running total. */
static void log_cumulate(const double *lg, size_t n, int dir, double start, int density,
                         double *out)
{
    double ref = start;
    clconv__ksum sum = {start > -INFINITY ? 1 : 0, 0};
    for (size_t k = 0; k < n; k++) {
        const size_t i = dir > 0 ? k : n - 1 - k;
        const double s = clconv__ksum_value(&sum);
        const double total = s > 0 ? ref + log(s) : -INFINITY;
        out[i] = density ? clconv__log_add(total, lg[i] - M_LN2) : total;
        const double x = lg[i];
        if (x == -INFINITY) continue;
        if (s == 0) {
            ref = x;
            sum.sum = 1;
            sum.comp = 0;
            continue;
        }
        if (x > ref) {
            const double f = exp(ref - x);
            sum.sum *= f;
            sum.comp *= f;
            ref = x;
        }
        clconv__ksum_add(&sum, exp(x - ref));
    }
}

int clconv_dist_logsf(const clconv_dist *dist, double *logsf)
{
    const double *lg;
    FORWARD_IF_ERROR(logs_1d(dist, "the survival function", logsf, &lg));
    log_cumulate(lg, dist->count, -1, log(dist->above), dist->layout.step > 0, logsf);
    return 0;
}

int clconv_dist_logcdf(const clconv_dist *dist, double *logcdf)
{
    const double *lg;
    FORWARD_IF_ERROR(logs_1d(dist, "the CDF", logcdf, &lg));
    const size_t n = dist->count;
    const int density = dist->layout.step > 0;
    log_cumulate(lg, n, 1, log(dist->below), density, logcdf);
    /* cdf counts entry i itself (all of it when discrete): the sum below i
     * plus lg[i]. */
    if (!density)
        for (size_t i = 0; i < n; i++) logcdf[i] = clconv__log_add(logcdf[i], lg[i]);
    return 0;
}
