/*
 * Tests of peak.c: clconv_device_peak's argument checks and the sanity of
 * its figures (positive, finite, below what no device of this decade
 * reaches, float64 zero where the device has none). Relations between
 * measured rates (float64 against float32, a convolution against the FMA
 * roof) depend on the processor that runs the suite, so none is asserted.
 */
#include "harness.h"
#include "suites.h"

#include <math.h>

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

START_TEST(test_peak_figures)
{
    clconv_runtime *rt = test_runtime();
    clconv_device_info info;
    clconv_peak_result r;
    ASSERT_OK(rt, clconv_runtime_device(rt, &info));
    ASSERT_OK(rt, clconv_device_peak(rt, &r));
    assert_rate(r.bandwidth_gbps, 1e5, "bandwidth_gbps");
    assert_rate(r.copy_gbps, 1e5, "copy_gbps");
    assert_rate(r.gflops[CLCONV_F32], 1e6, "gflops[F32]");
    if (info.fp64)
        assert_rate(r.gflops[CLCONV_F64], 1e6, "gflops[F64]");
    else
        ck_assert(r.gflops[CLCONV_F64] == 0);
    ck_assert_msg(r.seconds > 0 && r.seconds < 60, "took %g s", r.seconds);
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
