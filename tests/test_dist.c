/*
 * Distribution sums (host/dist.c, host/dist_stats.c, kernels/dist.cl):
 * exact rational results, two loaded dice, the additivity of mean,
 * variance and third cumulant, offsets, densities, 2-D joint distributions,
 * n-fold powers against repeated sums, every path of the reduction (batched
 * pairs, odd rows, long rows through the tiled kernels, gathered operands),
 * far tails against a long double reference at 1e-9 relative, FFT with its
 * clamping, the automatic method's checked FFT against long double and exact
 * logarithms, trimming, statistics, the input checks and the error paths;
 * the logarithms below float64's range, the survival functions, count PMFs
 * and compound sums against exact values (big integers and mpmath), the
 * windows' checks and exact fallback, and jobs too big for the device.
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
     * run in tilted windows. */
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
    /* The logarithms hold every entry, down to 0.1^1000 at 1000. */
    double *lg = malloc(L * sizeof *lg);
    ck_assert_ptr_nonnull(lg);
    ASSERT_OK(rt, clconv_dist_read_log(p, lg));
    for (size_t i = 0; i < L; i++)
        ck_assert_msg(fabsl(lg[i] - logl(ref[i])) <= 1e-9,
                      "1000 dice: log P(S = %zu) is %.17g, want %.17Lg", i + N, lg[i],
                      logl(ref[i]));
    ck_assert_double_eq_tol(lg[0], -1000 * log(10.0), 1e-9);
    free(lg);
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

    /* Two long operands of similar length: a direct convolution in windows
     * of the output. */
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

START_TEST(test_dist_2d_power_steps)
{
    /* 203 copies of the joint PMF P(0,0) = 0.5, P(1,0) = 0.2, P(0,1) = 0.3
     * run in steps of a small power (203 is not a multiple of the step, so
     * the remainder path runs too). The result is the trinomial
     * P(i, j) = n! / (i! j! (n-i-j)!) 0.2^i 0.3^j 0.5^(n-i-j), computed here
     * with lgammal; every entry above 1e-290 within 1e-9 relative, the rest
     * (i + j > n) exactly 0. */
    enum { N = 203 };
    clconv_runtime *rt = test_runtime();
    static const double j2[4] = {0.5, 0.3, 0.2, 0.0};
    clconv_dist_layout l = {2, {2, 2}, {0, 0}, 0.0};
    clconv_dist *d, *s;
    ASSERT_OK(rt, clconv_dist_create(rt, j2, &l, 0, &d));
    clconv_dist_options direct = {.method = CLCONV_METHOD_DIRECT};
    ASSERT_OK(rt, clconv_dist_power(rt, d, N, &direct, &s));
    double *v = read_all(rt, s, &l);
    ck_assert_uint_eq(l.len[0], N + 1);
    ck_assert_uint_eq(l.len[1], N + 1);
    size_t checked = 0;
    for (int i = 0; i <= N; i++)
        for (int k = 0; k <= N; k++) {
            const double got = v[i * (N + 1) + k];
            if (i + k > N) {
                ck_assert_msg(got == 0, "P(%d, %d) = %g", i, k, got);
                continue;
            }
            const long double lp = lgammal(N + 1) - lgammal(i + 1) - lgammal(k + 1) -
                                   lgammal(N - i - k + 1) + i * logl(0.2L) + k * logl(0.3L) +
                                   (N - i - k) * logl(0.5L);
            const long double want = expl(lp);
            if (want < TAIL_FLOOR) continue;
            ck_assert_msg(fabsl(got / want - 1) <= 1e-9, "P(%d, %d) = %.17g, want %.17Lg", i, k,
                          got, want);
            checked++;
        }
    ck_assert_uint_gt(checked, 15000);
    free(v);
    clconv_dist_destroy(s);
    clconv_dist_destroy(d);
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


/* ---- logarithms, survival functions, compound sums ---------------------- */

/* Asserts |got - want| <= tol for a logarithm. */
#define ASSERT_LOG(got, want, tol, what)                                                  \
    ck_assert_msg(fabs((got) - (want)) <= (tol), "%s: %.17g, want %.17g", (what), (got), \
                  (double)(want))

/* 1000 fair dice: log P(S = s) from the exact integer counts, the
 * coefficients of (x + ... + x^6)^1000 in Python big integers, over 6^1000,
 * logarithms by mpmath at 40 digits (tests/consts in the commit message). */
static const struct {
    int s;
    double logp;
} fair_dice_logs[] = {
    {1000, -1791.7594692280550008}, {1001, -1784.8517139490728638},
    {1010, -1737.7414708402638288}, {1500, -842.61417450968821059},
    {2000, -428.89573120390909269}, {3000, -48.133640277333245964},
    {3500, -4.9081954713135291463}, {5999, -1784.8517139490728638},
    {6000, -1791.7594692280550008},
};

START_TEST(test_dist_log_fair_dice)
{
    /* 1000 fair dice (fair_dice_logs): P(S = 1000) = 7.06e-779 and P(S =
     * 1500) = 1.14e-366 lie below float64's range: read as 0, exact as
     * logarithms. */
    clconv_runtime *rt = test_runtime();
    static const double six[6] = {1 / 6., 1 / 6., 1 / 6., 1 / 6., 1 / 6., 1 / 6.};
    clconv_dist *die = make_1d(rt, six, 6, 1), *p;
    clconv_dist_layout l;
    ASSERT_OK(rt, clconv_dist_power(rt, die, 1000, NULL, &p));
    double *v = read_all(rt, p, &l), *lg = malloc(l.len[0] * sizeof *lg),
           *lsf = malloc(l.len[0] * sizeof *lsf), *sf = malloc(l.len[0] * sizeof *sf),
           *lcdf = malloc(l.len[0] * sizeof *lcdf);
    ck_assert_ptr_nonnull(lg);
    ASSERT_OK(rt, clconv_dist_read_log(p, lg));
    for (size_t i = 0; i < LEN(fair_dice_logs); i++)
        ASSERT_LOG(lg[fair_dice_logs[i].s - 1000], fair_dice_logs[i].logp, 1e-9,
                   "log P(S = s) of 1000 dice");
    ck_assert_double_eq(v[0], 0);
    ck_assert_double_eq(v[500], 0);
    for (size_t i = 0; i < l.len[0]; i++) ck_assert_msg(isfinite(lg[i]), "log entry %zu", i);

    /* Survival: P(S > 5900) = 9.13e-636 by the same exact counts; P(S >
     * 3500) = 0.496307097895559642; the top entry's is exactly 0. */
    ASSERT_OK(rt, clconv_dist_sf(p, sf));
    ASSERT_OK(rt, clconv_dist_logsf(p, lsf));
    ASSERT_OK(rt, clconv_dist_logcdf(p, lcdf));
    ASSERT_LOG(lsf[5900 - 1000], -1462.2328310934130625, 1e-9, "log P(S > 5900)");
    ASSERT_LOG(lsf[3500 - 1000], -0.70056039486787871943, 1e-9, "log P(S > 3500)");
    ck_assert_double_eq_tol(sf[3500 - 1000], 0.49630709789555964204, 1e-12);
    ck_assert_double_eq(sf[5900 - 1000], 0);
    ck_assert(lsf[5000] == -INFINITY && sf[5000] == 0);
    /* Symmetry: log P(S <= 1099) = log P(S > 5900), far below float64. */
    ASSERT_LOG(lcdf[1099 - 1000], -1462.2328310934130625, 1e-9, "log P(S <= 1099)");
    ASSERT_LOG(lcdf[0], -1791.7594692280550008, 1e-9, "log P(S <= 1000)");
    free(v);
    free(lg);
    free(lsf);
    free(sf);
    free(lcdf);
    clconv_dist_destroy(p);
    clconv_dist_destroy(die);
}
END_TEST

START_TEST(test_dist_log_poisson_binomial)
{
    /* The Poisson-binomial of 20000 variables with p_i = (i - 1/2) / 20000:
     * log P(S = 0) = sum log(1 - p_i), log P(S = N) = sum log p_i (equal by
     * symmetry) and log P(S = 1) = log P(S = 0) + log sum p_i / (1 - p_i),
     * by mpmath fsum at 40 digits. P(S = 0) is e^-19999.65; every entry of
     * the support stays finite. */
    enum { N = 20000 };
    clconv_runtime *rt = test_runtime();
    double *rows = malloc(2 * N * sizeof *rows), *lg = malloc((N + 1) * sizeof *lg);
    ck_assert_ptr_nonnull(rows);
    ck_assert_ptr_nonnull(lg);
    for (int i = 0; i < N; i++) {
        const double q = (i + 0.5) / N;
        rows[2 * i] = 1 - q;
        rows[2 * i + 1] = q;
    }
    clconv_dist *s;
    ASSERT_OK(rt, clconv_dist_sum_rows(rt, rows, N, 2, 0, NULL, &s));
    ASSERT_OK(rt, clconv_dist_read_log(s, lg));
    ASSERT_LOG(lg[0], -19999.65342849305336, 1e-9, "log P(S = 0)");
    ASSERT_LOG(lg[N], -19999.65342849305336, 1e-9, "log P(S = N)");
    ASSERT_LOG(lg[1], -19987.364210489252249, 1e-9, "log P(S = 1)");
    for (int i = 0; i <= N; i++) {
        ck_assert_msg(isfinite(lg[i]) && lg[i] < 0, "log P(S = %d) = %g", i, lg[i]);
        /* Symmetric about N/2: p_i and 1 - p_{N+1-i} pair up. */
        ck_assert_msg(fabs(lg[i] - lg[N - i]) <= 1e-9 * fmax(1, fabs(lg[i])),
                      "log P(S = %d) = %.17g but log P(S = %d) = %.17g", i, lg[i], N - i,
                      lg[N - i]);
    }
    free(rows);
    free(lg);
    clconv_dist_destroy(s);
}
END_TEST

START_TEST(test_dist_log_at_scale)
{
    /* The sizes. 10^4 fair dice: log P(S = 10000) = -10^4 log 6,
     * log P(S = 10001) = log 10^4 - 10^4 log 6, log P(S = 10002) =
     * log C(10001, 2) - 10^4 log 6 (mpmath, 30 digits). The Poisson-binomial
     * of 10^5 variables with p_i = (i - 1/2) / 10^5: log P(S = 0) = sum
     * log(1 - p_i) (log10: -43429.2976755083) and log P(S = 1) = that plus
     * log sum p_i / (1 - p_i), by mpmath fsum at 30 digits; every one of
     * the 100,001 logarithms finite, where float64 reads 90,114 zeros. */
    clconv_runtime *rt = test_runtime();
    static const double six[6] = {1 / 6., 1 / 6., 1 / 6., 1 / 6., 1 / 6., 1 / 6.};
    clconv_dist *die = make_1d(rt, six, 6, 1), *s;
    ASSERT_OK(rt, clconv_dist_power(rt, die, 10000, NULL, &s));
    double *lg = malloc(100001 * sizeof *lg);
    ck_assert_ptr_nonnull(lg);
    ASSERT_OK(rt, clconv_dist_read_log(s, lg));
    ASSERT_LOG(lg[0], -17917.59469228055000812, 1e-9, "log P(S = 10000)");
    ASSERT_LOG(lg[1], -17908.38435190857382539, 1e-9, "log P(S = 10001)");
    ASSERT_LOG(lg[2], -17899.86705872215725465, 1e-9, "log P(S = 10002)");
    ASSERT_LOG(lg[50000], -17917.59469228055000812, 1e-9, "log P(S = 60000)");
    clconv_dist_destroy(s);
    clconv_dist_destroy(die);

    enum { N = 100000 };
    double *rows = malloc(2 * N * sizeof *rows);
    ck_assert_ptr_nonnull(rows);
    for (int i = 0; i < N; i++) {
        rows[2 * i + 1] = (i + 0.5) / N;
        rows[2 * i] = 1 - rows[2 * i + 1];
    }
    ASSERT_OK(rt, clconv_dist_sum_rows(rt, rows, N, 2, 0, NULL, &s));
    ASSERT_OK(rt, clconv_dist_read_log(s, lg));
    ASSERT_LOG(lg[0], -99999.65342682638669401, 1e-9, "log P(S = 0)");
    ASSERT_LOG(lg[1], -99985.61665965698035844, 1e-9, "log P(S = 1)");
    for (int i = 0; i <= N; i++) ck_assert_msg(isfinite(lg[i]), "log P(S = %d) = %g", i, lg[i]);
    free(rows);
    free(lg);
    clconv_dist_destroy(s);
}
END_TEST

START_TEST(test_dist_log_binomial_sf)
{
    /* Binomial(3000, 0.3) as the power of a Bernoulli: logpmf by mpmath
     * loggamma, sf by mpmath fsum of the exact terms above k (40 digits).
     * 1 - cdf would give 0 at k = 1200 (sf 1.0e-31); log sf reaches
     * 2.3e-1569. */
    clconv_runtime *rt = test_runtime();
    static const double bern[2] = {0.7, 0.3};
    clconv_dist *b = make_1d(rt, bern, 2, 0), *s;
    ASSERT_OK(rt, clconv_dist_power(rt, b, 3000, NULL, &s));
    enum { L = 3001 };
    double *lg = malloc(L * sizeof *lg), *sf = malloc(L * sizeof *sf),
           *lsf = malloc(L * sizeof *lsf), *cdf = malloc(L * sizeof *cdf),
           *lcdf = malloc(L * sizeof *lcdf);
    ck_assert_ptr_nonnull(lcdf);
    ASSERT_OK(rt, clconv_dist_read_log(s, lg));
    ASSERT_OK(rt, clconv_dist_sf(s, sf));
    ASSERT_OK(rt, clconv_dist_logsf(s, lsf));
    ASSERT_OK(rt, clconv_dist_cdf(s, cdf));
    ASSERT_OK(rt, clconv_dist_logcdf(s, lcdf));
    ASSERT_LOG(lg[0], -1070.0248318161971367, 1e-9, "log P(S = 0)");
    ASSERT_LOG(lg[1], -1062.8657621089340936, 1e-9, "log P(S = 1)");
    ASSERT_LOG(lg[900], -4.1419029402479518259, 1e-9, "log P(S = 900)");
    ASSERT_LOG(lg[2999], -3603.0647475497705275, 1e-9, "log P(S = 2999)");
    ASSERT_LOG(lg[3000], -3611.9184129778079779, 1e-9, "log P(S = 3000)");
    ck_assert_msg(fabs(sf[1200] / 1.0028390413548470984e-31 - 1) <= 1e-9, "sf(1200) = %.17g",
                  sf[1200]);
    /* 1 - cdf is the rounding of a total near 1, many orders above it. */
    ck_assert_msg(fabs(1 - cdf[1200]) > 1e3 * sf[1200] || cdf[1200] == 1,
                  "1 - cdf(1200) = %g", 1 - cdf[1200]);
    ASSERT_LOG(lsf[1200], -71.377302863926975871, 1e-9, "log sf(1200)");
    ASSERT_LOG(lsf[2990], -3545.0479731567923598, 1e-9, "log sf(2990)");
    ASSERT_LOG(lsf[2999], -3611.9184129778079779, 1e-9, "log sf(2999)");
    ASSERT_LOG(lcdf[0], -1070.0248318161971367, 1e-9, "log cdf(0)");
    ASSERT_LOG(lcdf[10], -1013.5457375959319956, 1e-9, "log cdf(10)");
    /* sf and cdf add up to 1 in the bulk, and exp(log sf) = sf. */
    for (size_t i = 0; i < L; i++) {
        if (sf[i] > 1e-300)
            ck_assert_msg(fabs(exp(lsf[i]) / sf[i] - 1) <= 1e-9, "sf(%zu) %.17g vs exp %.17g",
                          i, sf[i], exp(lsf[i]));
        ck_assert_msg(fabs(cdf[i] + sf[i] - 1) <= 1e-12, "cdf + sf at %zu", i);
    }
    free(lg);
    free(sf);
    free(lsf);
    free(cdf);
    free(lcdf);
    clconv_dist_destroy(s);
    clconv_dist_destroy(b);
}
END_TEST

START_TEST(test_dist_density_sf)
{
    /* A Gamma(20, 1)-like density (20 exponential densities on a grid of
     * 0.25): the upper tail that 1 - cdf loses to cancellation stays
     * positive and consistent with its logarithm; cdf + sf is the total. */
    enum { K = 200 };
    clconv_runtime *rt = test_runtime();
    double f[K];
    for (int i = 0; i < K; i++) f[i] = exp(-0.25 * i);
    clconv_dist_layout l = {1, {K, 1}, {0, 0}, 0.25}, lo;
    clconv_dist *e, *g;
    ASSERT_OK(rt, clconv_dist_create(rt, f, &l, CLCONV_DIST_NORMALIZE, &e));
    ASSERT_OK(rt, clconv_dist_power(rt, e, 20, NULL, &g));
    ASSERT_OK(rt, clconv_dist_layout_get(g, &lo));
    const size_t n = lo.len[0];
    double *sf = malloc(n * sizeof *sf), *lsf = malloc(n * sizeof *lsf),
           *cdf = malloc(n * sizeof *cdf);
    ck_assert_ptr_nonnull(cdf);
    ASSERT_OK(rt, clconv_dist_sf(g, sf));
    ASSERT_OK(rt, clconv_dist_logsf(g, lsf));
    ASSERT_OK(rt, clconv_dist_cdf(g, cdf));
    for (size_t i = 0; i + 1 < n; i++) {
        ck_assert_msg(lsf[i] > -INFINITY && (sf[i] > 0 || lsf[i] < -700), "sf(%zu) = %g", i,
                      sf[i]);
        if (sf[i] > 1e-300)
            ck_assert_msg(fabs(exp(lsf[i]) / sf[i] - 1) <= 1e-9, "sf(%zu)", i);
        ck_assert_msg(fabs(cdf[i] + sf[i] - 1) <= 1e-12, "cdf + sf at %zu", i);
    }
    /* Far out, 1 - cdf has lost every digit that sf keeps. */
    ck_assert_msg(sf[n / 2] < 1e-20 && 1 - cdf[n / 2] < 1e-15, "sf %g", sf[n / 2]);
    free(sf);
    free(lsf);
    free(cdf);
    clconv_dist_destroy(g);
    clconv_dist_destroy(e);
}
END_TEST

START_TEST(test_dist_log_windows)
{
    /* Operands whose convolution defeats the window planner's estimates,
     * with the long double convolution (range to 1e-4951) as reference:
     * (1) two narrow bumps 300 apart, so the sum has valleys near e^-900
     * between bulk values: windows planned plain fail their check and run
     * again tilted or exactly; (2) probabilities on even values only, so
     * every odd output is exactly 0: its logarithm must be -INFINITY, and
     * the windows around the zeros run exactly. */
    enum { L = 400 };
    clconv_runtime *rt = test_runtime();
    double a[L], *lg = malloc((2 * L - 1) * sizeof *lg), *v = malloc((2 * L - 1) * sizeof *v);
    long double al[L], ref[2 * L - 1];
    ck_assert_ptr_nonnull(lg);
    ck_assert_ptr_nonnull(v);
    for (int pass = 0; pass < 2; pass++) {
        double sum = 0;
        for (int i = 0; i < L; i++) {
            const double x1 = (i - 50) / 2.5, x2 = (i - 350) / 2.5;
            a[i] = pass == 0 ? exp(-0.5 * x1 * x1) + exp(-0.5 * x2 * x2)
                             : (i % 2 ? 0 : 1 + (i % 7));
            sum += a[i];
        }
        for (int i = 0; i < L; i++) al[i] = a[i] /= sum;
        conv_ld(al, L, al, L, ref);
        clconv_dist *d = make_1d(rt, a, L, 0), *s;
        ASSERT_OK(rt, clconv_dist_sum(rt, d, d, NULL, &s));
        ASSERT_OK(rt, clconv_dist_read_log(s, lg));
        ASSERT_OK(rt, clconv_dist_read(s, v));
        for (int n = 0; n < 2 * L - 1; n++) {
            if (ref[n] == 0) {
                ck_assert_msg(lg[n] == -INFINITY && v[n] == 0, "pass %d: entry %d: %g, %g",
                              pass, n, lg[n], v[n]);
                continue;
            }
            ck_assert_msg(fabsl(lg[n] - logl(ref[n])) <= 1e-9,
                          "pass %d: log entry %d is %.17g, want %.17Lg", pass, n, lg[n],
                          logl(ref[n]));
        }
        if (pass == 0) ck_assert_msg(logl(ref[L - 1 - 150]) < -650, "no deep valley");
        clconv_dist_destroy(s);
        clconv_dist_destroy(d);
    }
    free(lg);
    free(v);
}
END_TEST

START_TEST(test_dist_create_log)
{
    clconv_runtime *rt = test_runtime();
    /* A PMF whose entries lie below float64's range: 1 - 2e-400 at 0 and
     * 1e-400 at 1 and 2, given as logarithms. */
    const double tiny = -400 * log(10.0);
    const double lp[3] = {log1p(-2e-300) /* about 0 */, tiny, tiny};
    clconv_dist_layout l = {1, {3, 1}, {5, 0}, 0.0};
    clconv_dist *d = NULL, *s;
    ASSERT_OK(rt, clconv_dist_create_log(rt, lp, &l, 0, &d));
    double v[3], back[3];
    ASSERT_OK(rt, clconv_dist_read(d, v));
    ASSERT_OK(rt, clconv_dist_read_log(d, back));
    ck_assert_double_eq(v[1], 0);
    ASSERT_LOG(back[1], tiny, 1e-12, "log of 1e-400");
    /* Their sum: P(S = 14) = 1e-800 at the top. */
    ASSERT_OK(rt, clconv_dist_sum(rt, d, d, NULL, &s));
    double sl[5];
    ASSERT_OK(rt, clconv_dist_read_log(s, sl));
    ASSERT_LOG(sl[4], 2 * tiny, 1e-9, "log P(S = 14)");
    ASSERT_LOG(sl[3], log(2.0) + 2 * tiny, 1e-9, "log P(S = 13)");
    ASSERT_LOG(sl[1], log(2.0) + tiny, 1e-9, "log P(S = 11)");
    clconv_dist_destroy(s);
    clconv_dist_destroy(d);

    /* Normalisation subtracts the log of the total; bad logarithms and a
     * total off 1 are refused with the entry named. */
    const double un[2] = {log(2.0), log(6.0)};
    l.len[0] = 2;
    ASSERT_OK(rt, clconv_dist_create_log(rt, un, &l, CLCONV_DIST_NORMALIZE, &d));
    ASSERT_OK(rt, clconv_dist_read(d, v));
    ck_assert_double_eq_tol(v[0], 0.25, 1e-15);
    clconv_dist_destroy(d);
    ck_assert_int_eq(clconv_dist_create_log(rt, un, &l, 0, &d), CLCONV_EINVAL);
    ck_assert_ptr_null(d);
    ck_assert_ptr_nonnull(strstr(clconv_last_error(rt), "sum to 8"));
    const double bad[2] = {0, NAN}, inf[2] = {INFINITY, 0}, none[2] = {-INFINITY, -INFINITY};
    ck_assert_int_eq(clconv_dist_create_log(rt, bad, &l, 0, &d), CLCONV_EINVAL);
    ck_assert_ptr_nonnull(strstr(clconv_last_error(rt), "entry 1"));
    ck_assert_int_eq(clconv_dist_create_log(rt, inf, &l, 0, &d), CLCONV_EINVAL);
    ck_assert_int_eq(clconv_dist_create_log(rt, none, &l, CLCONV_DIST_NORMALIZE, &d),
                     CLCONV_EINVAL);
    clconv_dist_layout two = {2, {1, 2}, {0, 0}, 0.0};
    ck_assert_int_eq(clconv_dist_create_log(rt, un, &two, CLCONV_DIST_NORMALIZE, &d),
                     CLCONV_EINVAL);
    ck_assert_int_eq(clconv_dist_read_log(NULL, back), CLCONV_EINVAL);
}
END_TEST

START_TEST(test_dist_counts)
{
    /* Count PMFs against mpmath loggamma values (40 digits). */
    clconv_runtime *rt = test_runtime();
    clconv_dist *c;
    clconv_dist_layout l;
    double *lg;
    ASSERT_OK(rt, clconv_dist_count(rt, CLCONV_COUNT_POISSON, 1000, 0, 0, &c));
    ASSERT_OK(rt, clconv_dist_layout_get(c, &l));
    lg = malloc(l.len[0] * sizeof *lg);
    ASSERT_OK(rt, clconv_dist_read_log(c, lg));
    ck_assert_int_eq(l.offset[0], 0);
    ck_assert_msg(l.len[0] > 1200 && l.len[0] < 1500, "poisson(1000) has %zu entries", l.len[0]);
    ASSERT_LOG(lg[0], -1000, 1e-9, "poisson(1000) at 0");
    ASSERT_LOG(lg[1], log(1000.0) - 1000, 1e-9, "poisson(1000) at 1");
    free(lg);
    clconv_dist_destroy(c);

    ASSERT_OK(rt, clconv_dist_count(rt, CLCONV_COUNT_BINOMIAL, 5000, 0.999, 0, &c));
    ASSERT_OK(rt, clconv_dist_layout_get(c, &l));
    ck_assert_uint_eq(l.len[0], 5001);
    lg = malloc(l.len[0] * sizeof *lg);
    ASSERT_OK(rt, clconv_dist_read_log(c, lg));
    ASSERT_LOG(lg[0], -34538.77639491068526, 1e-8, "binomial(5000, 0.999) at 0");
    ASSERT_LOG(lg[5000], 5000 * log1p(-0.001), 1e-9, "binomial(5000, 0.999) at 5000");
    free(lg);
    clconv_dist_destroy(c);

    ASSERT_OK(rt, clconv_dist_count(rt, CLCONV_COUNT_NEGBIN, 2.5, 0.01, 0, &c));
    ASSERT_OK(rt, clconv_dist_layout_get(c, &l));
    lg = malloc(l.len[0] * sizeof *lg);
    ASSERT_OK(rt, clconv_dist_read_log(c, lg));
    ASSERT_LOG(lg[0], -11.51292546497022842, 1e-9, "negbin(2.5, 0.01) at 0");
    ASSERT_LOG(lg[1000], -11.484437519300787914, 1e-9, "negbin(2.5, 0.01) at 1000");
    free(lg);
    clconv_dist_destroy(c);

    ASSERT_OK(rt, clconv_dist_count(rt, CLCONV_COUNT_GEOMETRIC, 0.9, 0, 0, &c));
    ASSERT_OK(rt, clconv_dist_layout_get(c, &l));
    lg = malloc(l.len[0] * sizeof *lg);
    ASSERT_OK(rt, clconv_dist_read_log(c, lg));
    ASSERT_LOG(lg[0], log(0.9), 1e-12, "geometric(0.9) at 0");
    ASSERT_LOG(lg[l.len[0] - 1], log(0.9) + (double)(l.len[0] - 1) * log(0.1), 1e-9,
               "geometric(0.9) at its last entry");
    free(lg);
    clconv_dist_destroy(c);

    /* Bad parameters name themselves. */
    ck_assert_int_eq(clconv_dist_count(rt, CLCONV_COUNT_POISSON, -1, 0, 0, &c), CLCONV_EINVAL);
    ck_assert_ptr_null(c);
    ck_assert_ptr_nonnull(strstr(clconv_last_error(rt), "poisson"));
    ck_assert_int_eq(clconv_dist_count(rt, CLCONV_COUNT_BINOMIAL, 2.5, 0.5, 0, &c), CLCONV_EINVAL);
    ck_assert_int_eq(clconv_dist_count(rt, CLCONV_COUNT_BINOMIAL, 10, 1.5, 0, &c), CLCONV_EINVAL);
    ck_assert_int_eq(clconv_dist_count(rt, CLCONV_COUNT_NEGBIN, 2, 0, 0, &c), CLCONV_EINVAL);
    ck_assert_int_eq(clconv_dist_count(rt, CLCONV_COUNT_GEOMETRIC, NAN, 0, 0, &c), CLCONV_EINVAL);
    ck_assert_int_eq(clconv_dist_count(rt, CLCONV_COUNT_POISSON, 3, 0, 0.5, &c), CLCONV_EINVAL);
    ck_assert_int_eq(clconv_dist_count(rt, (clconv_count_family)99, 1, 1, 0, &c), CLCONV_EINVAL);
}
END_TEST

START_TEST(test_dist_compound_poisson)
{
    /* N ~ Poisson(1000), X uniform on 1..10: P(S = 0) = e^-1000, mean
     * 1000 * 5.5 = 5500, variance 1000 * E[X^2] = 1000 * 38.5 = 38500.
     * log P(S = s) for s = 1, 2, 15 by mpmath: sum over n of the Poisson
     * weight times the exact count of n-tuples summing to s over 10^n. */
    clconv_runtime *rt = test_runtime();
    double u[10];
    for (int i = 0; i < 10; i++) u[i] = 0.1;
    clconv_dist *x = make_1d(rt, u, 10, 1), *n, *s;
    ASSERT_OK(rt, clconv_dist_count(rt, CLCONV_COUNT_POISSON, 1000, 0, 0, &n));
    ASSERT_OK(rt, clconv_dist_compound(rt, n, x, NULL, &s));
    clconv_dist_layout l;
    ASSERT_OK(rt, clconv_dist_layout_get(s, &l));
    ck_assert_int_eq(l.offset[0], 0);
    double *lg = malloc(l.len[0] * sizeof *lg);
    ASSERT_OK(rt, clconv_dist_read_log(s, lg));
    ASSERT_LOG(lg[0], -1000, 1e-9, "log P(S = 0)");
    ASSERT_LOG(lg[1], -995.39482981401190863, 1e-9, "log P(S = 1)");
    ASSERT_LOG(lg[2], -991.46300418128758286, 1e-9, "log P(S = 2)");
    ASSERT_LOG(lg[15], -956.96279779234567992, 1e-9, "log P(S = 15)");
    clconv_dist_stats st;
    ASSERT_OK(rt, clconv_dist_stats_get(s, &st));
    ck_assert_double_eq_tol(st.total, 1, 1e-12);
    ck_assert_double_eq_tol(st.mean[0], 5500, 1e-6);
    ck_assert_double_eq_tol(st.variance[0], 38500, 1e-4);
    free(lg);
    clconv_dist_destroy(s);

    /* N = 0 or 2 with probability 1/2 each, X on {-1, 1}: S = 0 w.p. 1/2 +
     * 1/4, and +-2 w.p. 1/8 each; the support runs from -2 to 2. */
    static const double c[3] = {0.5, 0, 0.5}, pm[3] = {0.5, 0, 0.5};
    clconv_dist *cn = make_1d(rt, c, 3, 0), *xs = make_1d(rt, pm, 3, -1);
    ASSERT_OK(rt, clconv_dist_compound(rt, cn, xs, NULL, &s));
    double v[5];
    ASSERT_OK(rt, clconv_dist_layout_get(s, &l));
    ck_assert_int_eq(l.offset[0], -2);
    ck_assert_uint_eq(l.len[0], 5);
    ASSERT_OK(rt, clconv_dist_read(s, v));
    ck_assert_double_eq_tol(v[0], 0.125, 1e-15);
    ck_assert_double_eq_tol(v[1], 0, 1e-300);
    ck_assert_double_eq_tol(v[2], 0.75, 1e-15);
    ck_assert_double_eq_tol(v[4], 0.125, 1e-15);
    clconv_dist_destroy(s);

    /* The count must be discrete on 0, 1, ...; the severity discrete. */
    clconv_dist *neg = make_1d(rt, c, 3, -1);
    ck_assert_int_eq(clconv_dist_compound(rt, neg, x, NULL, &s), CLCONV_EINVAL);
    ck_assert_ptr_null(s);
    clconv_dist_layout dl = {1, {10, 1}, {0, 0}, 0.5};
    clconv_dist *dens;
    for (int i = 0; i < 10; i++) u[i] = 0.2;
    ASSERT_OK(rt, clconv_dist_create(rt, u, &dl, 0, &dens));
    ck_assert_int_eq(clconv_dist_compound(rt, n, dens, NULL, &s), CLCONV_EINVAL);
    ck_assert_int_eq(clconv_dist_compound(rt, NULL, x, NULL, &s), CLCONV_EINVAL);
    clconv_dist_destroy(dens);
    clconv_dist_destroy(neg);
    clconv_dist_destroy(cn);
    clconv_dist_destroy(xs);
    clconv_dist_destroy(n);
    clconv_dist_destroy(x);
}
END_TEST

START_TEST(test_dist_auto_fft)
{
    /* The automatic method's checked FFT, reached with short operands by
     * lowering its threshold (CLCONV_DIST_FFT_MIN). Its promise: every entry
     * of one convolution within 1e-9 relative of the exact convolution of
     * its operands, logarithms included, and a sum of n variables within
     * (n - 1) 1e-9. Two random supports of 3000 and 2000 entries whose
     * tails fall to e^-750 and e^-200 (below float64's range: the tilts and
     * the direct windows must reach them), against the long double sum. */
    clconv_runtime *rt = test_runtime();
    setenv("CLCONV_DIST_FFT_MIN", "256", 1);
    enum { NA = 3000, NB = 2000, NS = NA + NB - 1 };
    test_rng rng;
    test_rng_seed(&rng, 29);
    static long double pl[NA], ql[NB], ref[NS];
    long double sp = 0, sq = 0;
    for (int i = 0; i < NA; i++) sp += pl[i] = (test_rng_uniform(&rng) + 3) * expl(-0.25L * i);
    for (int i = 0; i < NB; i++)
        sq += ql[i] = (test_rng_uniform(&rng) + 3) * expl(-0.2L * fabsl(i - 1000.0L));
    /* The tails below float64's range go in as logarithms; the reference
     * takes the probabilities those float64 logarithms stand for. */
    static double lp[NA], lq[NB];
    for (int i = 0; i < NA; i++) lp[i] = (double)logl(pl[i] / sp);
    for (int i = 0; i < NB; i++) lq[i] = (double)logl(ql[i] / sq);
    for (int i = 0; i < NA; i++) pl[i] = expl((long double)lp[i]);
    for (int i = 0; i < NB; i++) ql[i] = expl((long double)lq[i]);
    conv_ld(pl, NA, ql, NB, ref);
    clconv_dist_layout la = {1, {NA, 1}, {0, 0}, 0}, lb = {1, {NB, 1}, {0, 0}, 0};
    clconv_dist *x, *y, *s;
    ASSERT_OK(rt, clconv_dist_create_log(rt, lp, &la, CLCONV_DIST_NORMALIZE, &x));
    ASSERT_OK(rt, clconv_dist_create_log(rt, lq, &lb, CLCONV_DIST_NORMALIZE, &y));
    clconv_dist_options opts = {.method = CLCONV_METHOD_AUTO};
    ASSERT_OK(rt, clconv_dist_sum(rt, x, y, &opts, &s));
    /* The threshold, not the machine, sends this sum to the checked FFT. */
    ck_assert_uint_gt(opts.fft_passes, 0);
    ck_assert_int_eq(opts.chosen, CLCONV_METHOD_FFT);
    ck_assert_double_eq(opts.clamped_mass, 0);
    clconv_dist_layout l;
    double *v = read_all(rt, s, &l), *lg = malloc(NS * sizeof *lg);
    ck_assert_ptr_nonnull(lg);
    ck_assert_uint_eq(l.len[0], NS);
    assert_relative(v, ref, NS, 1e-9, "checked FFT");
    ASSERT_OK(rt, clconv_dist_read_log(s, lg));
    for (int i = 0; i < NS; i++)
        ck_assert_msg(fabsl(lg[i] - logl(ref[i])) <= 1e-9,
                      "checked FFT: log entry %d is %.17g, want %.17Lg", i, lg[i], logl(ref[i]));
    ck_assert_msg(lg[NS - 1] < -900, "the far tail reaches %g", lg[NS - 1]);
    clconv_dist_destroy(s);
    clconv_dist_destroy(x);
    clconv_dist_destroy(y);
    free(v);

    /* 1000 fair dice by squaring, the last squares through the checked FFT:
     * the exact logarithms (fair_dice_logs) to the bound, 999e-9, and every
     * entry against the direct method's to the same. */
    static const double six[6] = {1 / 6., 1 / 6., 1 / 6., 1 / 6., 1 / 6., 1 / 6.};
    clconv_dist *die = make_1d(rt, six, 6, 1), *pf, *pd;
    opts = (clconv_dist_options){.method = CLCONV_METHOD_AUTO};
    clconv_dist_options direct = {.method = CLCONV_METHOD_DIRECT};
    ASSERT_OK(rt, clconv_dist_power(rt, die, 1000, &opts, &pf));
    ASSERT_OK(rt, clconv_dist_power(rt, die, 1000, &direct, &pd));
    ck_assert_uint_gt(opts.fft_passes, 0);
    double *lf = malloc(5001 * sizeof *lf), *ld = malloc(5001 * sizeof *ld);
    ck_assert_ptr_nonnull(lf);
    ck_assert_ptr_nonnull(ld);
    ASSERT_OK(rt, clconv_dist_read_log(pf, lf));
    ASSERT_OK(rt, clconv_dist_read_log(pd, ld));
    for (size_t i = 0; i < LEN(fair_dice_logs); i++)
        ASSERT_LOG(lf[fair_dice_logs[i].s - 1000], fair_dice_logs[i].logp, 999e-9,
                   "log P(S = s), checked FFT");
    for (int i = 0; i <= 5000; i++)
        ck_assert_msg(fabs(lf[i] - ld[i]) <= 999e-9, "log P(S = %d): checked FFT %.17g, direct "
                      "%.17g", i + 1000, lf[i], ld[i]);
    free(lf);
    free(ld);
    free(lg);
    clconv_dist_destroy(pf);
    clconv_dist_destroy(pd);
    clconv_dist_destroy(die);
    unsetenv("CLCONV_DIST_FFT_MIN");
}
END_TEST

START_TEST(test_dist_too_big)
{
    /* A power whose result fits one allocation but whose job (the
     * intermediates and FFT work areas beside it) exceeds the device's
     * memory fails at once, naming the need and the limit, instead of
     * running until the driver aborts. */
    clconv_runtime *rt = test_runtime();
    clconv_device_info info;
    ASSERT_OK(rt, clconv_runtime_device(rt, &info));
    static const double six[6] = {1 / 6., 1 / 6., 1 / 6., 1 / 6., 1 / 6., 1 / 6.};
    clconv_dist *die = make_1d(rt, six, 6, 1), *s = NULL;
    uint64_t bytes = info.global_mem_bytes / 8;
    if (bytes > info.max_alloc_bytes) bytes = info.max_alloc_bytes;
    const uint64_t n = bytes / sizeof(double) / 5;
    const int status = clconv_dist_power(rt, die, n, NULL, &s);
    ck_assert_msg(status == CLCONV_EDEVMEM || status == CLCONV_ENOMEM,
                  "%llu dice: status %d (%s)", (unsigned long long)n, status,
                  clconv_last_error(rt));
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(clconv_last_error(rt), "GiB"));
    clconv_dist_destroy(die);
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
    tcase_add_test(exact, test_dist_2d_power_steps);
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

    TCase *logs = test_tcase("logs");
    tcase_add_test(logs, test_dist_log_fair_dice);
    tcase_add_test(logs, test_dist_log_poisson_binomial);
    tcase_add_test(logs, test_dist_log_at_scale);
    tcase_add_test(logs, test_dist_log_binomial_sf);
    tcase_add_test(logs, test_dist_density_sf);
    tcase_add_test(logs, test_dist_log_windows);
    tcase_add_test(logs, test_dist_create_log);
    tcase_add_test(logs, test_dist_counts);
    tcase_add_test(logs, test_dist_compound_poisson);
    tcase_add_test(logs, test_dist_auto_fft);
    tcase_add_test(logs, test_dist_too_big);
    suite_add_tcase(s, logs);
    return s;
}
