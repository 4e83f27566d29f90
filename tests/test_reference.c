/*
 * Tests of the tests' own reference (reference.c) against outputs printed by
 * scipy.signal.convolve and scipy.signal.correlate 1.10 for small integer
 * inputs, so every result suite stands on checked ground. Includes SciPy's
 * swapped-input cases (kernel larger than the image) and the valid-mode
 * shapes SciPy rejects. No OpenCL here.
 */
#include "harness.h"
#include "reference.h"
#include "suites.h"

#include <math.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The inputs every table below was computed from. */
static const double sig[7] = {3, -1, 4, 1, -5, 9, 2};
static const double taps[4] = {2, 7, -1, 8};
static const double img[3 * 4] = {1, 2, -3, 4, 0, 5, 6, -7, 8, -9, 1, 2};
static const double ker[2 * 3] = {1, -2, 3, 4, 0, -1};

typedef struct ref_expect {
    clconv_mode mode;
    int correlate;
    int swapped; /* the kernel passed as the image and the image as the kernel */
    size_t orows, ocols;
    const double *values;
} ref_expect;

/* Runs one table row: the reference must reproduce SciPy's shape and values
 * exactly (integers are exact in double). */
static void expect_matches(const double *x, size_t rows, size_t cols, const double *h, size_t krows,
                           size_t kcols, const ref_expect *e)
{
    ref_problem p = {rows, cols, krows, kcols, e->mode, e->correlate};
    double y[64];
    size_t orows, ocols, bad;

    if (e->swapped) {
        const double *t = x;
        x = h;
        h = t;
        p = (ref_problem){krows, kcols, rows, cols, e->mode, e->correlate};
    }
    ck_assert_int_eq(ref_output_dims(&p, &orows, &ocols), 0);
    ck_assert_uint_eq(orows, e->orows);
    ck_assert_uint_eq(ocols, e->ocols);
    ref_conv(&p, x, h, y, NULL);
    bad = ref_first_mismatch(e->values, y, orows * ocols, 0.0);
    ck_assert_msg(bad == orows * ocols,
                  "mode %d correlate %d swapped %d: output %zu is %g, SciPy gives %g", (int)e->mode,
                  e->correlate, e->swapped, bad, y[bad], e->values[bad]);
}

START_TEST(test_reference_1d_matches_scipy)
{
    static const double conv_full[] = {6, 19, -2, 55, -15, 14, 80, -35, 70, 16};
    static const double corr_full[] = {24, -11, 54, 3, -15, 92, -26, 51, 32, 4};
    static const double corr_full_swapped[] = {4, 32, 51, -26, 92, -15, 3, 54, -11, 24};
    static const double conv_same[] = {19, -2, 55, -15, 14, 80, -35};
    static const double corr_same[] = {-11, 54, 3, -15, 92, -26, 51};
    static const double conv_same_swapped[] = {55, -15, 14, 80};
    static const double corr_same_swapped[] = {-26, 92, -15, 3};
    static const double conv_valid[] = {55, -15, 14, 80};
    static const double corr_valid[] = {3, -15, 92, -26};
    static const double corr_valid_swapped[] = {-26, 92, -15, 3};
    const ref_expect table[] = {
        {CLCONV_MODE_FULL, 0, 0, 1, 10, conv_full},
        {CLCONV_MODE_FULL, 1, 0, 1, 10, corr_full},
        {CLCONV_MODE_FULL, 0, 1, 1, 10, conv_full},
        {CLCONV_MODE_FULL, 1, 1, 1, 10, corr_full_swapped},
        {CLCONV_MODE_SAME, 0, 0, 1, 7, conv_same},
        {CLCONV_MODE_SAME, 1, 0, 1, 7, corr_same},
        {CLCONV_MODE_SAME, 0, 1, 1, 4, conv_same_swapped},
        {CLCONV_MODE_SAME, 1, 1, 1, 4, corr_same_swapped},
        {CLCONV_MODE_VALID, 0, 0, 1, 4, conv_valid},
        {CLCONV_MODE_VALID, 1, 0, 1, 4, corr_valid},
        {CLCONV_MODE_VALID, 0, 1, 1, 4, conv_valid},
        {CLCONV_MODE_VALID, 1, 1, 1, 4, corr_valid_swapped},
    };

    for (size_t i = 0; i < LEN(table); i++)
        expect_matches(sig, 1, LEN(sig), taps, 1, LEN(taps), &table[i]);
}
END_TEST

START_TEST(test_reference_2d_matches_scipy)
{
    static const double conv_full[] = {1, 0,  -4, 16,  -17, 12, 4,  13,  -17, 10, 35, -25,
                                       8, -5, 67, -60, -7,  13, 32, -36, -4,  17, -1, -2};
    static const double corr_full[] = {-1, -2, 7,  4,   -12, 16, 3,  -1,  -18, 47, 13, -24,
                                       -8, 24, 39, -66, 24,  1,  24, -43, 29,  -5, -3, 2};
    static const double corr_full_swapped[] = {2,   -3, -5, 29,  -43, 24, 1,  24,  -66, 39, 24, -8,
                                               -24, 13, 47, -18, -1,  3,  16, -12, 4,   7,  -2, -1};
    static const double conv_same[] = {0, -4, 16, -17, 13, -17, 10, 35, -5, 67, -60, -7};
    static const double corr_same[] = {-2, 7, 4, -12, -1, -18, 47, 13, 24, 39, -66, 24};
    static const double conv_same_swapped[] = {13, -17, 10, -5, 67, -60};
    static const double corr_same_swapped[] = {24, -66, 39, 13, 47, -18};
    static const double conv_valid[] = {-17, 10, 67, -60};
    static const double corr_valid[] = {-18, 47, 39, -66};
    static const double corr_valid_swapped[] = {-66, 39, 47, -18};
    const ref_expect table[] = {
        {CLCONV_MODE_FULL, 0, 0, 4, 6, conv_full},
        {CLCONV_MODE_FULL, 1, 0, 4, 6, corr_full},
        {CLCONV_MODE_FULL, 0, 1, 4, 6, conv_full},
        {CLCONV_MODE_FULL, 1, 1, 4, 6, corr_full_swapped},
        {CLCONV_MODE_SAME, 0, 0, 3, 4, conv_same},
        {CLCONV_MODE_SAME, 1, 0, 3, 4, corr_same},
        {CLCONV_MODE_SAME, 0, 1, 2, 3, conv_same_swapped},
        {CLCONV_MODE_SAME, 1, 1, 2, 3, corr_same_swapped},
        {CLCONV_MODE_VALID, 0, 0, 2, 2, conv_valid},
        {CLCONV_MODE_VALID, 1, 0, 2, 2, corr_valid},
        {CLCONV_MODE_VALID, 0, 1, 2, 2, conv_valid},
        {CLCONV_MODE_VALID, 1, 1, 2, 2, corr_valid_swapped},
    };

    for (size_t i = 0; i < LEN(table); i++) expect_matches(img, 3, 4, ker, 2, 3, &table[i]);
}
END_TEST

START_TEST(test_reference_valid_shapes)
{
    /* SciPy: "For 'valid' mode, one must be at least as large as the other
     * in every dimension". */
    ref_problem crossed = {3, 8, 4, 2, CLCONV_MODE_VALID, 0};
    ref_problem larger_kernel = {4, 4, 6, 5, CLCONV_MODE_VALID, 0};
    ref_problem equal = {5, 5, 5, 5, CLCONV_MODE_VALID, 0};
    size_t r, c;

    ck_assert_int_eq(ref_output_dims(&crossed, &r, &c), -1);
    crossed.mode = CLCONV_MODE_SAME;
    ck_assert_int_eq(ref_output_dims(&crossed, &r, &c), 0);
    ck_assert_uint_eq(r, 3);
    ck_assert_uint_eq(c, 8);
    ck_assert_int_eq(ref_output_dims(&larger_kernel, &r, &c), 0);
    ck_assert_uint_eq(r, 3);
    ck_assert_uint_eq(c, 2);
    ck_assert_int_eq(ref_output_dims(&equal, &r, &c), 0);
    ck_assert_uint_eq(r * c, 1);
}
END_TEST

START_TEST(test_reference_bound_and_tolerance)
{
    ref_problem p = {1, LEN(sig), 1, LEN(taps), CLCONV_MODE_FULL, 0};
    double bound[10], expect0 = 3 * 2, expect3 = 3 * 8 + 1 * 1 + 4 * 7 + 1 * 2;

    ref_conv(&p, sig, taps, NULL, bound);
    ck_assert_double_eq(bound[0], expect0);
    ck_assert_double_eq(bound[3], expect3);
    /* The direct bound grows with sqrt(terms) and is far tighter in
     * float64; the FFT bound grows with log2 of the length. */
    ck_assert(ref_direct_error(CLCONV_F32, 1024, 1.0) < 2e-5);
    ck_assert(ref_direct_error(CLCONV_F32, 1024, 1.0) > ref_direct_error(CLCONV_F32, 16, 1.0));
    ck_assert(ref_direct_error(CLCONV_F64, 1024, 1.0) < 1e-13);
    ck_assert_double_eq(ref_direct_error(CLCONV_F32, 4, 0.0), 0.0);
    ck_assert(ref_fft_error(CLCONV_F32, 1 << 20, 1.0) > ref_fft_error(CLCONV_F32, 1 << 10, 1.0));
    ck_assert(ref_fft_error(CLCONV_F64, 1 << 20, 1.0) < 1e-13);
    ck_assert_double_eq(ref_norm2(taps, LEN(taps)), sqrt(4 + 49 + 1 + 64));
    ck_assert_uint_eq(ref_first_mismatch(sig, sig, LEN(sig), 0.0), LEN(sig));
    {
        double nan_copy[2] = {sig[0], NAN};
        ck_assert_uint_eq(ref_first_mismatch(sig, nan_copy, 2, 1e300), 1);
    }
}
END_TEST

Suite *clconv_test_suite_reference(void)
{
    Suite *s = suite_create("reference");
    TCase *tc = test_tcase_bare("scipy");

    tcase_add_test(tc, test_reference_1d_matches_scipy);
    tcase_add_test(tc, test_reference_2d_matches_scipy);
    tcase_add_test(tc, test_reference_valid_shapes);
    tcase_add_test(tc, test_reference_bound_and_tolerance);
    suite_add_tcase(s, tc);
    return s;
}
