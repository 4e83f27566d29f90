/*
 * Distribution sums (host/dist.c, host/dist_stats.c, kernels/dist.cl):
 * exact rational results, two loaded dice, the additivity of mean,
 * variance and third cumulant, offsets, densities, 2-D joint distributions,
 * n-fold powers against repeated sums, every path of the reduction (batched
 * pairs, odd rows, long rows through the tiled kernels, gathered operands),
 * far tails against a long double reference at 1e-9 relative, FFT with its
 * clamping, trimming, statistics, the input checks and the error paths.
 */
#include "harness.h"
#include "suites.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Two loaded dice, on 1..6. */
static const double die_x[6] = {0.1, 0.2, 0.3, 0.1, 0.2, 0.1};
static const double die_y[6] = {0.25, 0.05, 0.3, 0.1, 0.2, 0.1};

/* The tails are checked down to this; below it float64 underflow (2.2e-308)
 * may show, as the header states. */
#define TAIL_FLOOR 1e-290

/* ---- helpers ---------------------------------------------------------------- */

static clconv_dist *make_1d(clconv_runtime *rt, const double *p, size_t n, int64_t offset)
{
    clconv_dist *d = NULL;
    ASSERT_OK(rt, clconv_dist_create_1d(rt, p, n, offset, 0, &d));
    return d;
}

/* The entries and layout of d, the entries in a new array. */
static double *read_all(clconv_runtime *rt, const clconv_dist *d, clconv_dist_layout *l)
{
    ASSERT_OK(rt, clconv_dist_layout_get(d, l));
    double *v = malloc(l->len[0] * l->len[1] * sizeof *v);
    ck_assert_ptr_nonnull(v);
    ASSERT_OK(rt, clconv_dist_read(d, v));
    return v;
}

/* Full convolution in long double: 64-bit significands and a range down to
 * 1e-4951, so it stays a reference far below float64's. */
static void conv_ld(const long double *a, size_t na, const long double *b, size_t nb,
                    long double *out)
{
    for (size_t i = 0; i < na + nb - 1; i++) out[i] = 0;
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++) out[i + j] += a[i] * b[j];
}

/* Asserts that got matches want to rel relative error wherever want exceeds
 * TAIL_FLOOR, and that it is tiny elsewhere. Returns the smallest reference
 * value checked. */
static long double assert_relative(const double *got, const long double *want, size_t n,
                                   double rel, const char *what)
{
    size_t checked = 0;
    long double smallest = 1;
    for (size_t i = 0; i < n; i++) {
        if (want[i] > TAIL_FLOOR) {
            const long double e = fabsl((got[i] - want[i]) / want[i]);
            ck_assert_msg(e <= rel, "%s: entry %zu is %.17g, want %.17Lg (relative error %.3Lg)",
                          what, i, got[i], want[i], e);
            checked++;
            smallest = want[i] < smallest ? want[i] : smallest;
        } else {
            ck_assert_msg(got[i] >= 0 && got[i] <= 2 * TAIL_FLOOR,
                          "%s: entry %zu is %g where the reference is %Lg", what, i, got[i],
                          want[i]);
        }
    }
    ck_assert_msg(checked > 0, "%s: nothing above %g to check", what, TAIL_FLOOR);
    return smallest;
}

/* Random probabilities in (0, 1], normalised, plus a long double copy. */
static void random_probs(test_rng *rng, double *p, long double *pl, size_t n)
{
    long double sum = 0;
    for (size_t i = 0; i < n; i++) sum += p[i] = (test_rng_uniform(rng) + 1) / 2 + 1e-3;
    for (size_t i = 0; i < n; i++) {
        p[i] = (double)(p[i] / sum);
        if (pl) pl[i] = p[i];
    }
}

/* ---- exact results ---------------------------------------------------------- */

START_TEST(test_dist_loaded_dice)
{
    clconv_runtime *rt = test_runtime();
    clconv_dist *x = make_1d(rt, die_x, 6, 1), *y = make_1d(rt, die_y, 6, 1), *s = NULL;
    clconv_dist_layout l;
    clconv_dist_options opts = {0};
    ASSERT_OK(rt, clconv_dist_sum(rt, x, y, &opts, &s));
    ck_assert_int_eq(opts.chosen, CLCONV_METHOD_DIRECT);
    double *v = read_all(rt, s, &l);
    ck_assert_int_eq(l.dims, 1);
    ck_assert_uint_eq(l.len[0], 11);
    ck_assert_int_eq(l.offset[0], 2);
    /* P(X+Y=4) = 0.1*0.3 + 0.2*0.05 + 0.3*0.25 = 0.115. */
    ck_assert_double_eq_tol(v[4 - 2], 0.115, 1e-16);

    /* Every entry against exact integers: x in tenths, y in twentieths. */
    static const int xi[6] = {1, 2, 3, 1, 2, 1}, yi[6] = {5, 1, 6, 2, 4, 2};
    for (int n = 0; n < 11; n++) {
        int num = 0;
        for (int i = 0; i < 6; i++)
            if (n - i >= 0 && n - i < 6) num += xi[i] * yi[n - i];
        ck_assert_double_eq_tol(v[n], num / 200.0, 2 * DBL_EPSILON * (num / 200.0));
    }
    free(v);
    clconv_dist_destroy(s);
    clconv_dist_destroy(x);
    clconv_dist_destroy(y);
}
END_TEST

START_TEST(test_dist_dyadic_exact)
{
    /* Probabilities that are multiples of powers of 1/2 convolve without any
     * rounding: the result must be bit-exact. */
    clconv_runtime *rt = test_runtime();
    static const double a[2] = {0.5, 0.5}, b[3] = {0.25, 0.5, 0.25},
                        c[4] = {0.125, 0.375, 0.375, 0.125};
    clconv_dist *d[3] = {make_1d(rt, a, 2, 0), make_1d(rt, b, 3, 0), make_1d(rt, c, 4, 0)}, *s;
    clconv_dist_layout l;
    ASSERT_OK(rt, clconv_dist_sum_many(rt, (const clconv_dist *const *)d, 3, NULL, &s));
    double *v = read_all(rt, s, &l);
    /* (1+t)^6 / 64. */
    static const double binom6[7] = {1, 6, 15, 20, 15, 6, 1};
    ck_assert_uint_eq(l.len[0], 7);
    for (int i = 0; i < 7; i++) ck_assert_double_eq(v[i], binom6[i] / 64);
    free(v);
    clconv_dist_destroy(s);
    for (int i = 0; i < 3; i++) clconv_dist_destroy(d[i]);
}
END_TEST

START_TEST(test_dist_dice_counts)
{
    /* 3d6 as the cube of a fair die: counts of ways over 216. */
    clconv_runtime *rt = test_runtime();
    static const double six[6] = {1 / 6., 1 / 6., 1 / 6., 1 / 6., 1 / 6., 1 / 6.};
    static const int ways[16] = {1, 3, 6, 10, 15, 21, 25, 27, 27, 25, 21, 15, 10, 6, 3, 1};
    clconv_dist *die = make_1d(rt, six, 6, 1), *s;
    clconv_dist_layout l;
    ASSERT_OK(rt, clconv_dist_power(rt, die, 3, NULL, &s));
    double *v = read_all(rt, s, &l);
    ck_assert_uint_eq(l.len[0], 16);
    ck_assert_int_eq(l.offset[0], 3);
    for (int i = 0; i < 16; i++) ck_assert_double_eq_tol(v[i], ways[i] / 216.0, 1e-15 * v[i]);
    free(v);
    clconv_dist_destroy(s);
    clconv_dist_destroy(die);
}
END_TEST

/* ---- identities and offsets ---------------------------------------------- */

START_TEST(test_dist_moment_identities)
{
    /* Mean, variance and the third cumulant (skewness * sd^3) of a sum are
     * the sums of the operands'. */
    clconv_runtime *rt = test_runtime();
    test_rng rng;
    test_rng_seed(&rng, 41);
    double p[101], q[37];
    random_probs(&rng, p, NULL, 101);
    random_probs(&rng, q, NULL, 37);
    clconv_dist *x = make_1d(rt, p, 101, -50), *y = make_1d(rt, q, 37, 1000), *s;
    clconv_dist_stats sx, sy, ss;
    ASSERT_OK(rt, clconv_dist_sum(rt, x, y, NULL, &s));
    ASSERT_OK(rt, clconv_dist_stats_get(x, &sx));
    ASSERT_OK(rt, clconv_dist_stats_get(y, &sy));
    ASSERT_OK(rt, clconv_dist_stats_get(s, &ss));
    ck_assert_double_eq_tol(ss.mean[0], sx.mean[0] + sy.mean[0], 1e-12 * fabs(ss.mean[0]));
    ck_assert_double_eq_tol(ss.variance[0], sx.variance[0] + sy.variance[0],
                            1e-12 * ss.variance[0]);
    const double k3x = sx.skewness[0] * pow(sx.sd[0], 3), k3y = sy.skewness[0] * pow(sy.sd[0], 3);
    ck_assert_double_eq_tol(ss.skewness[0] * pow(ss.sd[0], 3), k3x + k3y,
                            1e-10 * (fabs(k3x) + fabs(k3y)));
    ck_assert_double_eq_tol(ss.total, 1, 1e-14);
    ck_assert_double_eq(ss.min[0], -50 + 1000);
    ck_assert_double_eq(ss.max[0], 50 + 1036);
    clconv_dist_destroy(s);
    clconv_dist_destroy(x);
    clconv_dist_destroy(y);
}
END_TEST

START_TEST(test_dist_offsets)
{
    /* Supports -3..3 and 10..12: the sum lives on 7..15. */
    clconv_runtime *rt = test_runtime();
    static const double a[7] = {0.1, 0.1, 0.2, 0.2, 0.2, 0.1, 0.1}, b[3] = {0.5, 0.25, 0.25};
    clconv_dist *x = make_1d(rt, a, 7, -3), *y = make_1d(rt, b, 3, 10), *s;
    clconv_dist_layout l;
    clconv_dist_stats st;
    ASSERT_OK(rt, clconv_dist_sum(rt, x, y, NULL, &s));
    double *v = read_all(rt, s, &l);
    ck_assert_int_eq(l.offset[0], 7);
    ck_assert_uint_eq(l.len[0], 9);
    ck_assert_double_eq_tol(v[0], 0.05, 1e-17);      /* P(-3) P(10) */
    ck_assert_double_eq_tol(v[8], 0.025, 1e-17);     /* P(3) P(12) */
    ASSERT_OK(rt, clconv_dist_stats_get(s, &st));
    ck_assert_double_eq_tol(st.mean[0], 0 + 10.75, 1e-13);
    free(v);
    clconv_dist_destroy(s);
    clconv_dist_destroy(x);
    clconv_dist_destroy(y);
}
END_TEST

/* ---- densities and 2-D ---------------------------------------------------- */

START_TEST(test_dist_uniform_densities)
{
    /* The uniform density on [0, 1], sampled on a grid of h = 1/64 with the
     * trapezoid rule's half weights at the ends (total exactly 1). Its sum
     * with itself is the triangle f(x) = x on [0, 1], 2 - x on [1, 2]: the
     * grid convolution times h gives it exactly at every inner grid point. */
    clconv_runtime *rt = test_runtime();
    const size_t n = 65;
    const double h = 1.0 / 64;
    double f[65];
    for (size_t i = 0; i < n; i++) f[i] = i == 0 || i == n - 1 ? 0.5 : 1;
    clconv_dist_layout in = {1, {n, 1}, {0, 0}, h}, l;
    clconv_dist *u, *s;
    clconv_dist_stats st;
    ASSERT_OK(rt, clconv_dist_create(rt, f, &in, 0, &u));
    ASSERT_OK(rt, clconv_dist_sum(rt, u, u, NULL, &s));
    double *v = read_all(rt, s, &l);
    ck_assert_double_eq(l.step, h);
    ck_assert_uint_eq(l.len[0], 129);
    for (size_t k = 1; k < 128; k++) {
        if (k == 64) continue;
        const double x = (double)k * h, want = x <= 1 ? x : 2 - x;
        ck_assert_msg(fabs(v[k] - want) <= 1e-14, "density at %g is %.17g, want %.17g", x, v[k],
                      want);
    }
    ASSERT_OK(rt, clconv_dist_stats_get(s, &st));
    ck_assert_double_eq_tol(st.total, 1, 1e-14);
    ck_assert_double_eq_tol(st.mean[0], 1, 1e-14);
    double q[3] = {0, 0.5, 1}, x[3];
    ASSERT_OK(rt, clconv_dist_quantiles(s, q, 3, x));
    ck_assert_double_eq_tol(x[1], 1, 1e-12);
    ck_assert_double_eq_tol(x[0], -h / 2, 1e-15);    /* lower edge of the first cell */
    ck_assert_double_eq_tol(x[2], 2 + h / 2, 1e-12);  /* upper edge of the last */

    /* Offsets of densities are grid indices: samples from x = -1 move the
     * sum by -1. */
    clconv_dist_layout shifted = in;
    clconv_dist *w, *s2;
    shifted.offset[0] = -64;
    ASSERT_OK(rt, clconv_dist_create(rt, f, &shifted, 0, &w));
    ASSERT_OK(rt, clconv_dist_sum(rt, u, w, NULL, &s2));
    ASSERT_OK(rt, clconv_dist_stats_get(s2, &st));
    ck_assert_double_eq_tol(st.mean[0], 0, 1e-14);
    free(v);
    clconv_dist_destroy(s2);
    clconv_dist_destroy(w);
    clconv_dist_destroy(s);
    clconv_dist_destroy(u);
}
END_TEST

START_TEST(test_dist_2d)
{
    /* Two random joint distributions against a long double 2-D reference;
     * offsets add per coordinate, and so do means and covariances. */
    clconv_runtime *rt = test_runtime();
    test_rng rng;
    test_rng_seed(&rng, 7);
    enum { AR = 5, AC = 9, BR = 17, BC = 4, OR = AR + BR - 1, OC = AC + BC - 1 };
    double a[AR * AC], b[BR * BC];
    random_probs(&rng, a, NULL, AR * AC);
    random_probs(&rng, b, NULL, BR * BC);
    clconv_dist_layout la = {2, {AR, AC}, {-2, 3}, 0}, lb = {2, {BR, BC}, {10, -7}, 0}, l;
    clconv_dist *x, *y, *s;
    ASSERT_OK(rt, clconv_dist_create(rt, a, &la, 0, &x));
    ASSERT_OK(rt, clconv_dist_create(rt, b, &lb, 0, &y));
    ASSERT_OK(rt, clconv_dist_sum(rt, x, y, NULL, &s));
    double *v = read_all(rt, s, &l);
    ck_assert_int_eq(l.dims, 2);
    ck_assert_uint_eq(l.len[0], OR);
    ck_assert_uint_eq(l.len[1], OC);
    ck_assert_int_eq(l.offset[0], 8);
    ck_assert_int_eq(l.offset[1], -4);
    for (int r = 0; r < OR; r++)
        for (int c = 0; c < OC; c++) {
            long double want = 0;
            for (int i = 0; i < AR; i++)
                for (int j = 0; j < AC; j++)
                    if (r - i >= 0 && r - i < BR && c - j >= 0 && c - j < BC)
                        want += (long double)a[i * AC + j] * b[(r - i) * BC + (c - j)];
            ck_assert_msg(fabsl(v[r * OC + c] - want) <= 1e-14L * want,
                          "entry (%d, %d) is %.17g, want %.17Lg", r, c, v[r * OC + c], want);
        }
    clconv_dist_stats sx, sy, ss;
    ASSERT_OK(rt, clconv_dist_stats_get(x, &sx));
    ASSERT_OK(rt, clconv_dist_stats_get(y, &sy));
    ASSERT_OK(rt, clconv_dist_stats_get(s, &ss));
    for (int k = 0; k < 2; k++) {
        ck_assert_double_eq_tol(ss.mean[k], sx.mean[k] + sy.mean[k], 1e-12);
        ck_assert_double_eq_tol(ss.variance[k], sx.variance[k] + sy.variance[k], 1e-12);
    }
    ck_assert_double_eq_tol(ss.covariance, sx.covariance + sy.covariance, 1e-12);

    /* The powers of a 2-D distribution run through the same path. */
    clconv_dist *p;
    ASSERT_OK(rt, clconv_dist_power(rt, x, 5, NULL, &p));
    clconv_dist_stats sp;
    ASSERT_OK(rt, clconv_dist_stats_get(p, &sp));
    ck_assert_double_eq_tol(sp.covariance, 5 * sx.covariance, 1e-12);
    ck_assert_double_eq_tol(sp.mean[1], 5 * sx.mean[1], 1e-12);
    ASSERT_STATUS(rt, clconv_dist_cdf(s, v), CLCONV_EINVAL);
    assert_last_error_has(rt, "1-D");
    free(v);
    clconv_dist_destroy(p);
    clconv_dist_destroy(s);
    clconv_dist_destroy(x);
    clconv_dist_destroy(y);
}
END_TEST

/* ---- powers and reductions ------------------------------------------------- */

START_TEST(test_dist_power_vs_repeated)
{
    /* The n-fold sum by powering equals n copies summed as a list, for
     * exponents with few and many set bits. */
    clconv_runtime *rt = test_runtime();
    static const uint64_t ns[] = {1, 2, 13, 64, 100};
    clconv_dist *x = make_1d(rt, die_x, 6, 1);
    const clconv_dist *copies[100];
    for (size_t i = 0; i < 100; i++) copies[i] = x;
    for (size_t t = 0; t < LEN(ns); t++) {
        clconv_dist *p, *r;
        clconv_dist_layout lp, lr;
        ASSERT_OK(rt, clconv_dist_power(rt, x, ns[t], NULL, &p));
        ASSERT_OK(rt, clconv_dist_sum_many(rt, copies, ns[t], NULL, &r));
        double *vp = read_all(rt, p, &lp), *vr = read_all(rt, r, &lr);
        ck_assert_uint_eq(lp.len[0], lr.len[0]);
        ck_assert_uint_eq(lp.len[0], 5 * ns[t] + 1);
        ck_assert_int_eq(lp.offset[0], (int64_t)ns[t]);
        ck_assert_int_eq(lr.offset[0], (int64_t)ns[t]);
        for (size_t i = 0; i < lp.len[0]; i++)
            if (vr[i] > TAIL_FLOOR)
                ck_assert_msg(fabs(vp[i] - vr[i]) <= 1e-12 * vr[i],
                              "n=%llu entry %zu: power %.17g, repeated %.17g",
                              (unsigned long long)ns[t], i, vp[i], vr[i]);
        free(vp);
        free(vr);
        clconv_dist_destroy(p);
        clconv_dist_destroy(r);
    }
    clconv_dist_destroy(x);
}
END_TEST

START_TEST(test_dist_dice_tails)
{
    /* 1000 loaded dice reach 0.1^1000 at the low end: every entry above
     * 1e-290 must be within 1e-9 relative of the long double sum, on the
     * device's float64 arithmetic. The last squarings are long enough to
     * run in pieces. */
    clconv_runtime *rt = test_runtime();
    enum { N = 1000, L = 5 * N + 1 };
    clconv_dist *x = make_1d(rt, die_x, 6, 1), *p;
    clconv_dist_layout l;
    ASSERT_OK(rt, clconv_dist_power(rt, x, N, NULL, &p));
    double *v = read_all(rt, p, &l);
    ck_assert_uint_eq(l.len[0], L);
    long double *ref = calloc(L, sizeof *ref), *tmp = calloc(L, sizeof *tmp), die[6];
    ck_assert_ptr_nonnull(ref);
    ck_assert_ptr_nonnull(tmp);
    for (int i = 0; i < 6; i++) die[i] = die_x[i];
    ref[0] = 1;
    for (size_t k = 0, len = 1; k < N; k++, len += 5) {
        conv_ld(ref, len, die, 6, tmp);
        memcpy(ref, tmp, (len + 5) * sizeof *ref);
    }
    /* The check reaches into the far tails, just above the floor. */
    const long double smallest = assert_relative(v, ref, L, 1e-9, "1000 dice");
    ck_assert_msg(smallest < 1e-285L, "smallest probability checked: %Lg", smallest);
    free(ref);
    free(tmp);
    free(v);
    clconv_dist_destroy(p);
    clconv_dist_destroy(x);
}
END_TEST

START_TEST(test_dist_poisson_binomial_rows)
{
    /* 3001 Bernoulli variables as the rows of a matrix: batched pair levels,
     * odd rows at several levels, then long rows through the tiled kernels;
     * tails far below 1e-290 at both ends. */
    clconv_runtime *rt = test_runtime();
    enum { N = 3001 };
    test_rng rng;
    test_rng_seed(&rng, 99);
    double *m = malloc(2 * N * sizeof *m);
    long double *ref = calloc(N + 1, sizeof *ref), *tmp = calloc(N + 1, sizeof *tmp);
    ck_assert_ptr_nonnull(m);
    ck_assert_ptr_nonnull(ref);
    ck_assert_ptr_nonnull(tmp);
    ref[0] = 1;
    for (size_t i = 0; i < N; i++) {
        const double q = 0.001 + 0.998 * (test_rng_uniform(&rng) + 1) / 2;
        long double b[2] = {1 - q, q};
        m[2 * i] = 1 - q;
        m[2 * i + 1] = q;
        b[0] = m[2 * i];
        conv_ld(ref, i + 1, b, 2, tmp);
        memcpy(ref, tmp, (i + 2) * sizeof *ref);
    }
    clconv_dist *s;
    clconv_dist_layout l;
    clconv_dist_stats st;
    clconv_dist_options opts = {.method = CLCONV_METHOD_AUTO};
    ASSERT_OK(rt, clconv_dist_sum_rows(rt, m, N, 2, 0, &opts, &s));
    ck_assert_int_eq(opts.chosen, CLCONV_METHOD_DIRECT);
    double *v = read_all(rt, s, &l);
    ck_assert_uint_eq(l.len[0], N + 1);
    ck_assert_int_eq(l.offset[0], 0);
    assert_relative(v, ref, N + 1, 1e-9, "Poisson-binomial");
    /* Mean sum q and variance sum q(1-q). */
    long double mean = 0, var = 0;
    for (size_t i = 0; i < N; i++) {
        mean += m[2 * i + 1];
        var += (long double)m[2 * i + 1] * m[2 * i];
    }
    ASSERT_OK(rt, clconv_dist_stats_get(s, &st));
    ck_assert_double_eq_tol(st.mean[0], (double)mean, 1e-10 * (double)mean);
    ck_assert_double_eq_tol(st.variance[0], (double)var, 1e-10 * (double)var);
    free(v);
    free(m);
    free(ref);
    free(tmp);
    clconv_dist_destroy(s);
}
END_TEST

START_TEST(test_dist_reduction_paths)
{
    /* A list mixing lengths: equal short ones (gathered into one batch),
     * an odd count of them, lengths at and above the batched kernel's limit
     * (tiled kernels, rows of a group as sub-buffers), and a point mass. The
     * matrix form with long rows covers aligned group strides. */
    clconv_runtime *rt = test_runtime();
    static const size_t lens[] = {2, 2, 2, 3, 3, 3, 3, 3, 7, 255, 256, 257, 300, 300, 300, 1, 1000};
    enum { K = sizeof lens / sizeof lens[0] };
    test_rng rng;
    test_rng_seed(&rng, 5);
    clconv_dist *d[K];
    size_t total = 1;
    long double *ref = calloc(4000, sizeof *ref), *tmp = calloc(4000, sizeof *tmp);
    long double pl[1000];
    double p[1000];
    ck_assert_ptr_nonnull(ref);
    ck_assert_ptr_nonnull(tmp);
    ref[0] = 1;
    int64_t offset = 0;
    for (size_t i = 0; i < K; i++) {
        random_probs(&rng, p, pl, lens[i]);
        d[i] = make_1d(rt, p, lens[i], (int64_t)i - 3);
        offset += (int64_t)i - 3;
        conv_ld(ref, total, pl, lens[i], tmp);
        total += lens[i] - 1;
        memcpy(ref, tmp, total * sizeof *ref);
    }
    clconv_dist *s;
    clconv_dist_layout l;
    ASSERT_OK(rt, clconv_dist_sum_many(rt, (const clconv_dist *const *)d, K, NULL, &s));
    double *v = read_all(rt, s, &l);
    ck_assert_uint_eq(l.len[0], total);
    ck_assert_int_eq(l.offset[0], offset);
    assert_relative(v, ref, total, 1e-12, "mixed list");
    free(v);
    clconv_dist_destroy(s);
    for (size_t i = 0; i < K; i++) clconv_dist_destroy(d[i]);

    /* Two long operands of similar length: a direct convolution in pieces,
     * the last piece partly padding. */
    clconv_dist *u, *w;
    double *q = malloc(5000 * sizeof *q);
    long double *ql = malloc(5000 * sizeof *ql), *wl = malloc(4099 * sizeof *wl);
    ck_assert_ptr_nonnull(q);
    ck_assert_ptr_nonnull(ql);
    ck_assert_ptr_nonnull(wl);
    random_probs(&rng, q, ql, 5000);
    u = make_1d(rt, q, 5000, 0);
    random_probs(&rng, q, wl, 4099);
    w = make_1d(rt, q, 4099, 0);
    long double *big = malloc(9098 * sizeof *big);
    ck_assert_ptr_nonnull(big);
    conv_ld(ql, 5000, wl, 4099, big);
    ASSERT_OK(rt, clconv_dist_sum(rt, u, w, NULL, &s));
    v = read_all(rt, s, &l);
    ck_assert_uint_eq(l.len[0], 9098);
    assert_relative(v, big, 9098, 1e-12, "long operands");
    free(v);
    free(big);
    free(q);
    free(ql);
    free(wl);
    clconv_dist_destroy(s);
    clconv_dist_destroy(u);
    clconv_dist_destroy(w);

    /* Five rows of 300: two pairs through the tiled kernels, one odd row. */
    enum { R = 5, C = 300 };
    double *m = malloc(R * C * sizeof *m);
    ck_assert_ptr_nonnull(m);
    ref[0] = 1;
    total = 1;
    for (size_t r = 0; r < R; r++) {
        random_probs(&rng, m + r * C, pl, C);
        conv_ld(ref, total, pl, C, tmp);
        total += C - 1;
        memcpy(ref, tmp, total * sizeof *ref);
    }
    ASSERT_OK(rt, clconv_dist_sum_rows(rt, m, R, C, 0, NULL, &s));
    v = read_all(rt, s, &l);
    ck_assert_uint_eq(l.len[0], total);
    assert_relative(v, ref, total, 1e-12, "rows of 300");
    free(v);
    free(m);
    free(ref);
    free(tmp);
    clconv_dist_destroy(s);
}
END_TEST

START_TEST(test_dist_single_operand)
{
    /* A sum of one and the first power are copies, not the operand itself:
     * destroying the operand leaves them intact. */
    clconv_runtime *rt = test_runtime();
    clconv_dist *x = make_1d(rt, die_x, 6, 1), *s, *p;
    const clconv_dist *one[1] = {x};
    clconv_dist_layout l;
    ASSERT_OK(rt, clconv_dist_sum_many(rt, one, 1, NULL, &s));
    ASSERT_OK(rt, clconv_dist_power(rt, x, 1, NULL, &p));
    clconv_dist_destroy(x);
    double *vs = read_all(rt, s, &l), *vp = read_all(rt, p, &l);
    for (int i = 0; i < 6; i++) {
        ck_assert_double_eq(vs[i], die_x[i]);
        ck_assert_double_eq(vp[i], die_x[i]);
    }
    ck_assert_int_eq(l.offset[0], 1);
    free(vs);
    free(vp);
    clconv_dist_destroy(s);
    clconv_dist_destroy(p);
}
END_TEST

/* ---- FFT --------------------------------------------------------------------- */

START_TEST(test_dist_fft)
{
    /* FFT sums agree with direct ones to float64 rounding of the largest
     * entry, are never negative, and report the mass they clamped. */
    clconv_runtime *rt = test_runtime();
    test_rng rng;
    test_rng_seed(&rng, 17);
    double p[3000], q[2000];
    random_probs(&rng, p, NULL, 3000);
    random_probs(&rng, q, NULL, 2000);
    clconv_dist *x = make_1d(rt, p, 3000, 0), *y = make_1d(rt, q, 2000, 0), *die, *sd, *sf, *pf;
    clconv_dist_options direct = {.method = CLCONV_METHOD_DIRECT};
    clconv_dist_options fft = {.method = CLCONV_METHOD_FFT};
    clconv_dist_layout l;
    ASSERT_OK(rt, clconv_dist_sum(rt, x, y, &direct, &sd));
    ASSERT_OK(rt, clconv_dist_sum(rt, x, y, &fft, &sf));
    ck_assert_int_eq(fft.chosen, CLCONV_METHOD_FFT);
    ck_assert_int_eq(direct.chosen, CLCONV_METHOD_DIRECT);
    double *vd = read_all(rt, sd, &l), *vf = read_all(rt, sf, &l), top = 0;
    for (size_t i = 0; i < l.len[0]; i++) top = fmax(top, vd[i]);
    for (size_t i = 0; i < l.len[0]; i++) {
        ck_assert_msg(vf[i] >= 0, "FFT entry %zu is negative: %g", i, vf[i]);
        ck_assert_msg(fabs(vf[i] - vd[i]) <= 1e-12 * top, "FFT entry %zu is %g, direct %g", i,
                      vf[i], vd[i]);
    }
    ck_assert_msg(fft.clamped_mass >= 0 && fft.clamped_mass < 1e-12, "clamped %g",
                  fft.clamped_mass);

    /* 1000 dice by FFT: the tails are noise, clamped at 0, but the bulk
     * matches and the clamped mass is reported. */
    clconv_dist_stats st;
    die = make_1d(rt, die_x, 6, 1);
    fft.clamped_mass = -1;
    ASSERT_OK(rt, clconv_dist_power(rt, die, 1000, &fft, &pf));
    ck_assert_msg(fft.clamped_mass > 0 && fft.clamped_mass < 1e-10,
                  "clamped mass of 1000 dice by FFT: %g", fft.clamped_mass);
    ASSERT_OK(rt, clconv_dist_stats_get(pf, &st));
    ck_assert_double_eq_tol(st.mean[0], 3400, 1e-8);
    free(vd);
    free(vf);
    clconv_dist_destroy(pf);
    clconv_dist_destroy(die);
    clconv_dist_destroy(sd);
    clconv_dist_destroy(sf);
    clconv_dist_destroy(x);
    clconv_dist_destroy(y);
}
END_TEST

/* ---- statistics and trimming ---------------------------------------------- */

START_TEST(test_dist_stats)
{
    clconv_runtime *rt = test_runtime();
    /* Bernoulli(0.3) far from zero: the moments come out right although
     * raw moments around 0 would cancel every digit of the variance. */
    static const double bern[2] = {0.7, 0.3};
    clconv_dist *b = make_1d(rt, bern, 2, INT64_C(1000000000000)), *die, *two;
    clconv_dist_stats st;
    ASSERT_OK(rt, clconv_dist_stats_get(b, &st));
    ck_assert_double_eq_tol(st.mean[0], 1e12 + 0.3, 1e-3);
    ck_assert_double_eq_tol(st.variance[0], 0.21, 1e-15);
    ck_assert_double_eq_tol(st.skewness[0], (1 - 0.6) / sqrt(0.21), 1e-14);
    ck_assert_double_eq(st.min[0], 1e12);
    ck_assert_double_eq(st.max[0], 1e12 + 1);

    /* 2d6: CDF, quantiles by the smallest value reaching each level. */
    static const double six[6] = {1 / 6., 1 / 6., 1 / 6., 1 / 6., 1 / 6., 1 / 6.};
    die = make_1d(rt, six, 6, 1);
    ASSERT_OK(rt, clconv_dist_power(rt, die, 2, NULL, &two));
    double cdf[11];
    ASSERT_OK(rt, clconv_dist_cdf(two, cdf));
    static const int cum[11] = {1, 3, 6, 10, 15, 21, 26, 30, 33, 35, 36};
    for (int i = 0; i < 11; i++) ck_assert_double_eq_tol(cdf[i], cum[i] / 36.0, 1e-15);
    const double q[6] = {0, 1 / 36., 0.5, 21 / 36., 0.99, 1};
    double x[6];
    static const double want[6] = {2, 2, 7, 7, 12, 12};
    ASSERT_OK(rt, clconv_dist_quantiles(two, q, 6, x));
    for (int i = 0; i < 6; i++)
        ck_assert_msg(x[i] == want[i], "quantile %g is %g, want %g", q[i], x[i], want[i]);
    ASSERT_OK(rt, clconv_dist_stats_get(two, &st));
    ck_assert_double_eq_tol(st.variance[0], 35 / 6.0, 1e-14);
    ck_assert_double_eq_tol(st.skewness[0], 0, 1e-12);

    /* A point mass has no skewness. */
    static const double one[1] = {1};
    clconv_dist *pt = make_1d(rt, one, 1, -4);
    ASSERT_OK(rt, clconv_dist_stats_get(pt, &st));
    ck_assert_double_eq(st.mean[0], -4);
    ck_assert_double_eq(st.variance[0], 0);
    ck_assert(isnan(st.skewness[0]));

    const double bad[1] = {1.5};
    ASSERT_STATUS(rt, clconv_dist_quantiles(two, bad, 1, x), CLCONV_EINVAL);
    assert_last_error_has(rt, "outside [0, 1]");
    clconv_dist_destroy(pt);
    clconv_dist_destroy(two);
    clconv_dist_destroy(die);
    clconv_dist_destroy(b);
}
END_TEST

START_TEST(test_dist_trim)
{
    clconv_runtime *rt = test_runtime();
    clconv_dist *x = make_1d(rt, die_x, 6, 1), *p, *q;
    clconv_dist_layout before, after;
    ASSERT_OK(rt, clconv_dist_power(rt, x, 200, NULL, &p));
    double *v = read_all(rt, p, &before), dropped = -1;
    ASSERT_OK(rt, clconv_dist_trim(p, 1e-12, &dropped));
    double *w = read_all(rt, p, &after);
    /* The kept range starts and ends at the first and last entry >= 1e-12,
     * the offset follows, and the dropped mass is what lay outside. */
    size_t lo = 0, hi = before.len[0] - 1;
    while (v[lo] < 1e-12) lo++;
    while (v[hi] < 1e-12) hi--;
    ck_assert_uint_eq(after.len[0], hi - lo + 1);
    ck_assert_int_eq(after.offset[0], before.offset[0] + (int64_t)lo);
    long double out = 0;
    for (size_t i = 0; i < before.len[0]; i++)
        if (i < lo || i > hi) out += v[i];
    ck_assert_double_eq_tol(dropped, (double)out, 1e-15 * (double)out);
    ck_assert_double_eq(w[0], v[lo]);
    /* The trimmed distribution still sums on the device. */
    ASSERT_OK(rt, clconv_dist_sum(rt, p, x, NULL, &q));
    ASSERT_STATUS(rt, clconv_dist_trim(q, 0.9, NULL), CLCONV_ERANGE);
    assert_last_error_has(rt, "below");

    /* 2-D: border rows and columns below eps go, inner small entries stay. */
    static const double j[16] = {0, 0, 0, 0,  0, 0.5, 1e-10, 0,  0, 0.25, 0.25, 0,  0, 0, 0, 0};
    clconv_dist_layout lj = {2, {4, 4}, {0, 0}, 0}, lt;
    clconv_dist *d2;
    ASSERT_OK(rt, clconv_dist_create(rt, j, &lj, 0, &d2));
    ASSERT_OK(rt, clconv_dist_trim(d2, 1e-6, &dropped));
    ASSERT_OK(rt, clconv_dist_layout_get(d2, &lt));
    ck_assert_uint_eq(lt.len[0], 2);
    ck_assert_uint_eq(lt.len[1], 2);
    ck_assert_int_eq(lt.offset[0], 1);
    ck_assert_int_eq(lt.offset[1], 1);
    ck_assert_double_eq(dropped, 0);
    free(v);
    free(w);
    clconv_dist_destroy(d2);
    clconv_dist_destroy(q);
    clconv_dist_destroy(p);
    clconv_dist_destroy(x);
}
END_TEST

/* ---- input checks and errors ---------------------------------------------- */

START_TEST(test_dist_input_checks)
{
    clconv_runtime *rt = test_runtime();
    clconv_dist *d = NULL;
    const double neg[3] = {0.5, -0.1, 0.6}, nan3[3] = {0.5, NAN, 0.5},
                 inf3[3] = {0.5, INFINITY, 0.5}, short3[3] = {0.3, 0.3, 0.3},
                 near3[3] = {0.5, 0.25, 0.25 + 5e-10}, zero2[2] = {0, 0};
    ASSERT_STATUS(rt, clconv_dist_create_1d(rt, neg, 3, 0, 0, &d), CLCONV_EINVAL);
    assert_last_error_has(rt, "entry 1 is negative");
    ck_assert_ptr_null(d);
    ASSERT_STATUS(rt, clconv_dist_create_1d(rt, nan3, 3, 0, 0, &d), CLCONV_EINVAL);
    assert_last_error_has(rt, "entry 1 is NaN");
    ASSERT_STATUS(rt, clconv_dist_create_1d(rt, inf3, 3, 0, 0, &d), CLCONV_EINVAL);
    assert_last_error_has(rt, "entry 1 is infinite");
    ASSERT_STATUS(rt, clconv_dist_create_1d(rt, short3, 3, 0, 0, &d), CLCONV_EINVAL);
    assert_last_error_has(rt, "sum to 0.9");
    /* Within 1e-9 passes unchanged; normalisation rescales. */
    ASSERT_OK(rt, clconv_dist_create_1d(rt, near3, 3, 0, 0, &d));
    clconv_dist_destroy(d);
    ASSERT_OK(rt, clconv_dist_create_1d(rt, short3, 3, 0, CLCONV_DIST_NORMALIZE, &d));
    double v[3];
    ASSERT_OK(rt, clconv_dist_read(d, v));
    for (int i = 0; i < 3; i++) ck_assert_double_eq_tol(v[i], 1 / 3.0, 1e-16);
    clconv_dist_destroy(d);
    ASSERT_STATUS(rt, clconv_dist_create_1d(rt, zero2, 2, 0, CLCONV_DIST_NORMALIZE, &d),
                  CLCONV_EINVAL);
    ASSERT_STATUS(rt, clconv_dist_create_1d(rt, short3, 3, 0, 0x80, &d), CLCONV_EINVAL);
    ASSERT_STATUS(rt, clconv_dist_create_1d(rt, short3, 0, 0, 0, &d), CLCONV_EINVAL);

    /* A density's total is the sum times the step. */
    const double dens[4] = {1, 1, 1, 1};
    clconv_dist_layout l = {1, {4, 1}, {0, 0}, 0.25};
    ASSERT_OK(rt, clconv_dist_create(rt, dens, &l, 0, &d));
    clconv_dist_destroy(d);
    l.step = 0.5;
    ASSERT_STATUS(rt, clconv_dist_create(rt, dens, &l, 0, &d), CLCONV_EINVAL);
    l.step = -1;
    ASSERT_STATUS(rt, clconv_dist_create(rt, dens, &l, 0, &d), CLCONV_EINVAL);
    l.step = 0.25;
    l.dims = 3;
    ASSERT_STATUS(rt, clconv_dist_create(rt, dens, &l, 0, &d), CLCONV_EINVAL);

    /* 2-D entries are named by row and column; matrix rows by row. */
    const double m[4] = {0.5, 0.5, 0.5, -0.5};
    clconv_dist_layout l2 = {2, {2, 2}, {0, 0}, 0};
    ASSERT_STATUS(rt, clconv_dist_create(rt, m, &l2, 0, &d), CLCONV_EINVAL);
    assert_last_error_has(rt, "entry (1, 1) is negative");
    ASSERT_STATUS(rt, clconv_dist_sum_rows(rt, m, 2, 2, 0, NULL, &d), CLCONV_EINVAL);
    assert_last_error_has(rt, "row 1: entry 1 is negative");
}
END_TEST

START_TEST(test_dist_errors)
{
    clconv_runtime *rt = test_runtime();
    clconv_dist *x = make_1d(rt, die_x, 6, 1), *s = NULL;
    const double dens[4] = {1, 1, 1, 1}, joint[4] = {0.25, 0.25, 0.25, 0.25};
    clconv_dist_layout ld = {1, {4, 1}, {0, 0}, 0.25}, l2 = {2, {2, 2}, {0, 0}, 0};
    clconv_dist *d, *j;
    ASSERT_OK(rt, clconv_dist_create(rt, dens, &ld, 0, &d));
    ASSERT_OK(rt, clconv_dist_create(rt, joint, &l2, 0, &j));
    ASSERT_STATUS(rt, clconv_dist_sum(rt, x, d, NULL, &s), CLCONV_EINVAL);
    assert_last_error_has(rt, "grid step");
    ASSERT_STATUS(rt, clconv_dist_sum(rt, x, j, NULL, &s), CLCONV_EINVAL);
    assert_last_error_has(rt, "2-D");
    ck_assert_ptr_null(s);
    ASSERT_STATUS(rt, clconv_dist_sum(rt, x, NULL, NULL, &s), CLCONV_EINVAL);
    ASSERT_STATUS(rt, clconv_dist_sum_many(rt, NULL, 0, NULL, &s), CLCONV_EINVAL);
    ASSERT_STATUS(rt, clconv_dist_power(rt, x, 0, NULL, &s), CLCONV_EINVAL);
    clconv_dist_options bad = {.method = (clconv_method)7};
    ASSERT_STATUS(rt, clconv_dist_sum(rt, x, x, &bad, &s), CLCONV_EINVAL);

    /* Offsets and lengths that overflow are refused before any work. */
    static const double half[2] = {0.5, 0.5};
    clconv_dist *far = make_1d(rt, half, 2, INT64_MAX);
    ASSERT_STATUS(rt, clconv_dist_sum(rt, far, x, NULL, &s), CLCONV_EOVERFLOW);
    ASSERT_STATUS(rt, clconv_dist_power(rt, far, 3, NULL, &s), CLCONV_EOVERFLOW);
    ASSERT_STATUS(rt, clconv_dist_power(rt, x, UINT64_MAX, NULL, &s), CLCONV_EOVERFLOW);

    /* A distribution of another runtime is refused. */
    clconv_runtime *other;
    ASSERT_OK(NULL, clconv_runtime_create(&other, NULL));
    ASSERT_STATUS(other, clconv_dist_sum(other, x, x, NULL, &s), CLCONV_EINVAL);
    assert_last_error_has(other, "another runtime");
    clconv_runtime_destroy(other);

    clconv_dist_destroy(NULL);
    clconv_dist_destroy(far);
    clconv_dist_destroy(j);
    clconv_dist_destroy(d);
    clconv_dist_destroy(x);
}
END_TEST

/* Several threads read the statistics of one fresh result at once: the host
 * copy is filled once, under the handle's lock. */
typedef struct stats_job {
    const clconv_dist *d;
    clconv_dist_stats st;
    int status;
} stats_job;

static void *stats_thread(void *arg)
{
    stats_job *j = arg;
    j->status = clconv_dist_stats_get(j->d, &j->st);
    return NULL;
}

START_TEST(test_dist_concurrent_reads)
{
    clconv_runtime *rt = test_runtime();
    clconv_dist *x = make_1d(rt, die_x, 6, 1), *p;
    ASSERT_OK(rt, clconv_dist_power(rt, x, 2000, NULL, &p));
    stats_job jobs[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        jobs[i].d = p;
        ck_assert_int_eq(pthread_create(&th[i], NULL, stats_thread, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(jobs[i].status, CLCONV_OK);
        ck_assert_double_eq_tol(jobs[i].st.mean[0], 2000 * 3.4, 1e-8);
        ck_assert_double_eq(jobs[i].st.variance[0], jobs[0].st.variance[0]);
    }
    clconv_dist_destroy(p);
    clconv_dist_destroy(x);
}
END_TEST

Suite *clconv_test_suite_dist(void)
{
    Suite *s = suite_create("dist");
    TCase *exact = test_tcase("exact");
    tcase_add_test(exact, test_dist_loaded_dice);
    tcase_add_test(exact, test_dist_dyadic_exact);
    tcase_add_test(exact, test_dist_dice_counts);
    tcase_add_test(exact, test_dist_moment_identities);
    tcase_add_test(exact, test_dist_offsets);
    tcase_add_test(exact, test_dist_uniform_densities);
    tcase_add_test(exact, test_dist_2d);
    suite_add_tcase(s, exact);

    TCase *sums = test_tcase("sums");
    tcase_add_test(sums, test_dist_power_vs_repeated);
    tcase_add_test(sums, test_dist_dice_tails);
    tcase_add_test(sums, test_dist_poisson_binomial_rows);
    tcase_add_test(sums, test_dist_reduction_paths);
    tcase_add_test(sums, test_dist_single_operand);
    tcase_add_test(sums, test_dist_fft);
    suite_add_tcase(s, sums);

    TCase *summaries = test_tcase("summaries");
    tcase_add_test(summaries, test_dist_stats);
    tcase_add_test(summaries, test_dist_trim);
    tcase_add_test(summaries, test_dist_input_checks);
    tcase_add_test(summaries, test_dist_errors);
    tcase_add_test(summaries, test_dist_concurrent_reads);
    suite_add_tcase(s, summaries);
    return s;
}
