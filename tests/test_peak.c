/*
 * Tests of peak.c: clconv_device_peak's argument checks, the sanity of its
 * figures, and that its FMA roof really is a roof: a direct convolution
 * measured beside it must not run faster than it (with a margin for a noisy
 * machine), which a kernel the compiler had thinned out would break.
 */
#include "harness.h"
#include "suites.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

START_TEST(test_peak_bad_arguments)
{
    clconv_peak_result r;
    ASSERT_FAILS(NULL, clconv_device_peak(NULL, &r), CLCONV_EINVAL);
    clconv_runtime *rt = test_runtime();
    ASSERT_FAILS(rt, clconv_device_peak(rt, NULL), CLCONV_EINVAL);
}
END_TEST

/* Positive, finite and below figures no device of this decade reaches. */
static void assert_rate(double v, double absurd, const char *what)
{
    ck_assert_msg(isfinite(v) && v > 0 && v < absurd, "%s = %g, want in (0, %g)", what, v,
                  absurd);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* The figures hold best-of values, so two measurements merge by taking the
 * larger of each. */
static void merge_best(clconv_peak_result *best, const clconv_peak_result *r)
{
    best->bandwidth_gbps = fmax(best->bandwidth_gbps, r->bandwidth_gbps);
    best->copy_gbps = fmax(best->copy_gbps, r->copy_gbps);
    best->gflops[0] = fmax(best->gflops[0], r->gflops[0]);
    best->gflops[1] = fmax(best->gflops[1], r->gflops[1]);
    best->seconds = r->seconds;
}

START_TEST(test_peak_figures)
{
    clconv_runtime *rt = test_runtime();
    clconv_device_info info;
    clconv_peak_result r = {0}, one;
    ASSERT_OK(rt, clconv_runtime_device(rt, &info));
    /* On a shared machine another process can slow one measurement's float32
     * runs below its float64 ones; up to two more measurements merge in. */
    for (int tries = 0; tries < 3; tries++) {
        ASSERT_OK(rt, clconv_device_peak(rt, &one));
        merge_best(&r, &one);
        if (r.gflops[CLCONV_F64] <= r.gflops[CLCONV_F32] * 1.25) break;
    }
    assert_rate(r.bandwidth_gbps, 1e5, "bandwidth_gbps");
    assert_rate(r.copy_gbps, 1e5, "copy_gbps");
    assert_rate(r.gflops[CLCONV_F32], 1e6, "gflops[F32]");
    if (info.fp64) {
        assert_rate(r.gflops[CLCONV_F64], 1e6, "gflops[F64]");
        /* No device does float64 FMAs faster than float32 ones. */
        ck_assert_msg(r.gflops[CLCONV_F64] <= r.gflops[CLCONV_F32] * 1.25,
                      "float64 %g GFLOP/s above float32 %g", r.gflops[CLCONV_F64],
                      r.gflops[CLCONV_F32]);
    } else {
        ck_assert(r.gflops[CLCONV_F64] == 0);
    }
    ck_assert_msg(r.seconds > 0 && r.seconds < 60, "took %g s", r.seconds);

    /* A direct float32 convolution of 2^20 outputs with 255 taps, best of
     * three after a warm-up, against the roof. */
    const size_t n = (size_t)1 << 20, k = 255;
    float *x = calloc(n + k - 1, sizeof *x), *h = calloc(k, sizeof *h);
    ck_assert(x && h);
    for (size_t i = 0; i < n + k - 1; i++) x[i] = (float)(i % 7) - 3;
    for (size_t i = 0; i < k; i++) h[i] = (float)(i % 5) - 2;
    clconv_buffer *bx, *bh, *by;
    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_F32, n + k - 1, x, &bx));
    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_F32, k, h, &bh));
    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_F32, n, NULL, &by));
    clconv_conv_options o = {.mode = CLCONV_MODE_VALID, .method = CLCONV_METHOD_DIRECT};
    double best = INFINITY;
    for (int r_ = 0; r_ < 4; r_++) {
        double t0 = now_s();
        ASSERT_OK(rt, clconv_conv1d(rt, bx, n + k - 1, 1, bh, k, by, &o));
        ASSERT_OK(rt, clconv_runtime_finish(rt));
        double t = now_s() - t0;
        if (r_ > 0 && t < best) best = t;
    }
    const double conv_gflops = 2.0 * (double)n * (double)k / best / 1e9;
    ck_assert_msg(conv_gflops < 1.5 * r.gflops[CLCONV_F32],
                  "a direct convolution ran at %g GFLOP/s, above the FMA roof of %g",
                  conv_gflops, r.gflops[CLCONV_F32]);
    clconv_buffer_destroy(by);
    clconv_buffer_destroy(bh);
    clconv_buffer_destroy(bx);
    free(h);
    free(x);
}
END_TEST

Suite *clconv_test_suite_peak(void)
{
    Suite *s = suite_create("peak");
    TCase *tc = test_tcase("peak");
    tcase_add_test(tc, test_peak_bad_arguments);
    tcase_add_test(tc, test_peak_figures);
    suite_add_tcase(s, tc);
    return s;
}
