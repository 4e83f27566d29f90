/*
 * Boundary modes with scipy.ndimage's semantics (clconv_conv_options
 * boundary, cval, origin): values SciPy 1.10 gave for small cases; sweeps of
 * 1-D, 2-D and separable shapes (size 1, primes, even kernels, kernels
 * longer than the signal) over all five modes, convolution and correlation,
 * origins from one end of the allowed range to the other, both precisions
 * and batches, direct and FFT, against the reference's own extension
 * (reference.c); larger problems that span many strips, tiles and
 * overlap-save blocks; pieces under a small allocation limit; and the
 * errors for combinations ndimage forbids. Every tcase runs once per direct
 * kernel variant (strip, which reads the halo through the mode, and tiled,
 * which pads first).
 */
#include "harness.h"
#include "suites.h"

#include <math.h>
#include <string.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* An origin for a kernel of k taps drawn from bits: either end of
 * ndimage's range -(k/2) ... (k-1)/2, zero, or anything between. */
static int pick_origin(size_t k, uint64_t bits)
{
    const long lo = -(long)(k / 2), hi = (long)((k - 1) / 2);
    switch (bits % 4) {
    case 0: return (int)lo;
    case 1: return (int)hi;
    case 2: return 0;
    default: return (int)(lo + (long)((bits >> 2) % (uint64_t)(hi - lo + 1)));
    }
}

/* Every image shape with every kernel shape, each boundary mode, convolution
 * and correlation, run by method in dtype; batch, form, inputs, cval and
 * origin drawn from seed. */
static void boundary_sweep(clconv_runtime *rt, conv_kind kind, clconv_dtype dtype,
                           clconv_method method, const size_t (*images)[2], size_t nimages,
                           const size_t (*kernels)[2], size_t nkernels, uint64_t seed)
{
    test_rng choice;

    if (!conv_dtype_supported(rt, dtype)) return;
    test_rng_seed(&choice, seed);
    for (size_t i = 0; i < nimages; i++) {
        for (size_t j = 0; j < nkernels; j++) {
            for (int mode = CLCONV_BOUNDARY_CONSTANT; mode <= CLCONV_BOUNDARY_WRAP; mode++) {
                for (int corr = 0; corr < 2; corr++) {
                    uint64_t r = test_rng_next(&choice), o = test_rng_next(&choice);
                    int integer = (r >> 6) % 3 == 0;
                    conv_case c = {
                        .kind = kind,
                        .form = (r & 1) ? FORM_DEVICE : FORM_HOST,
                        .dtype = dtype,
                        .mode = CLCONV_MODE_SAME,
                        .method = method,
                        .correlate = corr,
                        .batch = (r >> 4) % 4 == 0 ? 3 : 1,
                        .rows = images[i][0],
                        .cols = images[i][1],
                        .krows = kernels[j][0],
                        .kcols = kernels[j][1],
                        .integer = integer,
                        .seed = r >> 12,
                        .boundary = (clconv_boundary)mode,
                        .cval = integer ? (double)((long)((r >> 8) % 9) - 4) : 0.375,
                    };
                    if (kind == CONV_1D) {
                        c.origin[0] = pick_origin(c.kcols, o);
                    } else {
                        c.origin[0] = pick_origin(c.krows, o);
                        c.origin[1] = pick_origin(c.kcols, o >> 32);
                    }
                    conv_case_check(rt, &c);
                }
            }
        }
    }
}

START_TEST(test_boundary_scipy_values)
{
    /* scipy.ndimage.convolve(x, w, mode, cval=-2, origin=-1) and
     * correlate(..., origin=1) of x = 1..5 with the even w = 1, 10, 100, 1000,
     * as SciPy 1.10 computes them. */
    static const double conv[5][5] = {{-2188, -1877, 1234, 2345, 3448},
                                      {2112, 1123, 1234, 2345, 3455},
                                      {3212, 2123, 1234, 2345, 3454},
                                      {1112, 1123, 1234, 2345, 3455},
                                      {4512, 5123, 1234, 2345, 3451}};
    static const double corr[5][5] = {{778, 2078, 3208, 4321, 5432},
                                      {1123, 2112, 3211, 4321, 5432},
                                      {1234, 2123, 3212, 4321, 5432},
                                      {1111, 2111, 3211, 4321, 5432},
                                      {1543, 2154, 3215, 4321, 5432}};
    /* 2-D: convolve(x2, w2, mode='wrap') and correlate(x2, w2, mode='mirror',
     * origin=(-1, 0)). */
    static const double conv2[6] = {1245, 2356, 3164, 4512, 5623, 6431};
    static const double corr2[6] = {4512, 5421, 6532, 1245, 2154, 3265};
    const double x[5] = {1, 2, 3, 4, 5}, w[4] = {1, 10, 100, 1000};
    const double x2[6] = {1, 2, 3, 4, 5, 6}, w2[4] = {1, 10, 100, 1000};
    const double one[1] = {7}, w3[3] = {1, 2, 3};
    clconv_runtime *rt = test_runtime();
    double y[6];

    if (!conv_dtype_supported(rt, CLCONV_F64)) return;
    for (int method = CLCONV_METHOD_DIRECT; method <= CLCONV_METHOD_FFT; method++) {
        for (int m = 0; m < 5; m++) {
            clconv_conv_options o = {.mode = CLCONV_MODE_SAME,
                                     .method = (clconv_method)method,
                                     .boundary = (clconv_boundary)(m + 1),
                                     .cval = -2,
                                     .origin = {-1, 0}};
            ASSERT_OK(rt, clconv_conv1d_host(rt, CLCONV_F64, x, 5, 1, w, 4, y, &o));
            for (int i = 0; i < 5; i++)
                ck_assert_msg(fabs(y[i] - conv[m][i]) < 1e-9,
                              "%s convolve mode %d: y[%d] = %g, want %g",
                              method == CLCONV_METHOD_FFT ? "FFT" : "direct", m + 1, i, y[i],
                              conv[m][i]);
            o.correlate = 1;
            o.origin[0] = 1;
            ASSERT_OK(rt, clconv_conv1d_host(rt, CLCONV_F64, x, 5, 1, w, 4, y, &o));
            for (int i = 0; i < 5; i++)
                ck_assert_msg(fabs(y[i] - corr[m][i]) < 1e-9,
                              "%s correlate mode %d: y[%d] = %g, want %g",
                              method == CLCONV_METHOD_FFT ? "FFT" : "direct", m + 1, i, y[i],
                              corr[m][i]);
        }
        clconv_conv_options o2 = {.mode = CLCONV_MODE_SAME,
                                  .method = (clconv_method)method,
                                  .boundary = CLCONV_BOUNDARY_WRAP};
        ASSERT_OK(rt, clconv_conv2d_host(rt, CLCONV_F64, x2, 2, 3, 1, w2, 2, 2, y, &o2));
        for (int i = 0; i < 6; i++) ck_assert_double_eq_tol(y[i], conv2[i], 1e-9);
        o2.boundary = CLCONV_BOUNDARY_MIRROR;
        o2.correlate = 1;
        o2.origin[0] = -1;
        ASSERT_OK(rt, clconv_conv2d_host(rt, CLCONV_F64, x2, 2, 3, 1, w2, 2, 2, y, &o2));
        for (int i = 0; i < 6; i++) ck_assert_double_eq_tol(y[i], corr2[i], 1e-9);
        /* Mirror of a single sample repeats it: 7 * (1 + 2 + 3). */
        o2 = (clconv_conv_options){.mode = CLCONV_MODE_SAME,
                                   .method = (clconv_method)method,
                                   .boundary = CLCONV_BOUNDARY_MIRROR};
        ASSERT_OK(rt, clconv_conv1d_host(rt, CLCONV_F64, one, 1, 1, w3, 3, y, &o2));
        ck_assert_double_eq_tol(y[0], 42, 1e-9);
    }
}
END_TEST

START_TEST(test_boundary_1d_direct)
{
    static const size_t n[][2] = {{1, 1},  {1, 2},  {1, 3},   {1, 5},
                                  {1, 17}, {1, 64}, {1, 97}, {1, 300}};
    static const size_t k[][2] = {{1, 1},  {1, 2},  {1, 3},  {1, 4},
                                  {1, 7}, {1, 16}, {1, 33}, {1, 130}};
    boundary_sweep(test_runtime(), CONV_1D, (clconv_dtype)_i, CLCONV_METHOD_DIRECT, n, LEN(n), k,
                   LEN(k), 4000 + _i);
}
END_TEST

START_TEST(test_boundary_2d_direct)
{
    static const size_t images[][2] = {{1, 1}, {1, 7},   {7, 1},  {2, 3},
                                       {5, 5}, {13, 17}, {40, 33}};
    /* 3x3, 5x5 and 9x9 run conv_rows.cl on CPUs, reading the modes unpadded. */
    static const size_t kernels[][2] = {{1, 1}, {1, 3}, {3, 1}, {2, 2},  {3, 3},  {4, 5},
                                        {5, 5}, {9, 2}, {9, 9}, {17, 17}, {19, 1}};
    boundary_sweep(test_runtime(), CONV_2D, (clconv_dtype)_i, CLCONV_METHOD_DIRECT, images,
                   LEN(images), kernels, LEN(kernels), 4100 + _i);
}
END_TEST

START_TEST(test_boundary_separable)
{
    static const size_t images[][2] = {{1, 1}, {4, 6}, {17, 13}, {32, 45}};
    static const size_t kernels[][2] = {{1, 1}, {1, 5}, {4, 7}, {9, 2}, {40, 3}};
    boundary_sweep(test_runtime(), CONV_SEPARABLE, (clconv_dtype)_i, CLCONV_METHOD_DIRECT, images,
                   LEN(images), kernels, LEN(kernels), 4200 + _i);
}
END_TEST

START_TEST(test_boundary_fft)
{
    /* Few shapes: each new transform length costs a plan. */
    static const size_t n[][2] = {{1, 1}, {1, 5}, {1, 17}, {1, 200}};
    static const size_t k[][2] = {{1, 1}, {1, 4}, {1, 13}, {1, 50}};
    static const size_t images[][2] = {{1, 1}, {6, 5}, {17, 20}};
    static const size_t kernels[][2] = {{1, 1}, {2, 3}, {5, 4}, {30, 9}};
    clconv_runtime *rt = test_runtime();

    boundary_sweep(rt, CONV_1D, (clconv_dtype)_i, CLCONV_METHOD_FFT, n, LEN(n), k, LEN(k),
                   4300 + _i);
    boundary_sweep(rt, CONV_2D, (clconv_dtype)_i, CLCONV_METHOD_FFT, images, LEN(images),
                   kernels, LEN(kernels), 4400 + _i);
}
END_TEST

START_TEST(test_boundary_large)
{
    static const conv_case cases[] = {
        /* Many strips: the edges lie in the first and last of many. */
        {.kind = CONV_1D, .form = FORM_DEVICE, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 2, .rows = 1, .cols = 100003, .krows = 1,
         .kcols = 31, .seed = 81, .boundary = CLCONV_BOUNDARY_REFLECT, .origin = {-7, 0}},
        {.kind = CONV_1D, .form = FORM_HOST, .dtype = CLCONV_F64, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 1, .rows = 1, .cols = 5000,
         .krows = 1, .kcols = 6007, .seed = 82, .boundary = CLCONV_BOUNDARY_WRAP,
         .origin = {1000, 0}},
        {.kind = CONV_2D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 2, .rows = 300, .cols = 257, .krows = 5,
         .kcols = 6, .integer = 1, .seed = 83, .boundary = CLCONV_BOUNDARY_MIRROR,
         .origin = {2, -3}},
        {.kind = CONV_2D, .form = FORM_DEVICE, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 1, .rows = 20, .cols = 20,
         .krows = 50, .kcols = 60, .seed = 84, .boundary = CLCONV_BOUNDARY_CONSTANT,
         .cval = -1.5, .origin = {-25, 29}},
        /* Overlap-save blocks under the FFT method. */
        {.kind = CONV_1D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_FFT, .batch = 1, .rows = 1, .cols = 50000, .krows = 1,
         .kcols = 1001, .seed = 85, .boundary = CLCONV_BOUNDARY_REFLECT, .origin = {-500, 0}},
        {.kind = CONV_2D, .form = FORM_DEVICE, .dtype = CLCONV_F64, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_FFT, .correlate = 1, .batch = 3, .rows = 200, .cols = 300,
         .krows = 15, .kcols = 16, .seed = 86, .boundary = CLCONV_BOUNDARY_NEAREST,
         .origin = {7, -8}},
        /* The automatic method. */
        {.kind = CONV_2D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_AUTO, .batch = 1, .rows = 120, .cols = 130, .krows = 4,
         .kcols = 6, .seed = 87, .boundary = CLCONV_BOUNDARY_WRAP},
    };
    conv_cases_check(test_runtime(), cases, LEN(cases));
}
END_TEST

START_TEST(test_boundary_pieces)
{
    /* The padded copy exceeds a 48 KiB limit, so the direct path pads and
     * runs piece by piece: across the batch, then along the signal. */
    static const conv_case cases[] = {
        {.kind = CONV_1D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 7, .rows = 1, .cols = 1000, .krows = 1,
         .kcols = 500, .seed = 91, .boundary = CLCONV_BOUNDARY_WRAP, .origin = {-250, 0}},
        {.kind = CONV_2D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .rows = 60, .cols = 100, .krows = 21,
         .kcols = 21, .seed = 92, .boundary = CLCONV_BOUNDARY_REFLECT, .origin = {10, -10}},
        {.kind = CONV_SEPARABLE, .form = FORM_DEVICE, .dtype = CLCONV_F32,
         .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 3,
         .rows = 30, .cols = 120, .krows = 7, .kcols = 14, .integer = 1, .seed = 93,
         .boundary = CLCONV_BOUNDARY_CONSTANT, .cval = 3, .origin = {3, 6}},
        /* The row pass reads the source through the mode, a block of rows
         * and a batch item at a time. */
        {.kind = CONV_SEPARABLE, .form = FORM_HOST, .dtype = CLCONV_F32,
         .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT, .batch = 2, .rows = 200,
         .cols = 100, .krows = 9, .kcols = 5, .seed = 94, .boundary = CLCONV_BOUNDARY_MIRROR,
         .origin = {-2, 1}},
        /* A row of 70 taps reads a padded copy instead. */
        {.kind = CONV_SEPARABLE, .form = FORM_DEVICE, .dtype = CLCONV_F64,
         .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT, .batch = 2, .rows = 30,
         .cols = 80, .krows = 5, .kcols = 70, .seed = 95, .boundary = CLCONV_BOUNDARY_WRAP,
         .origin = {1, -20}},
    };
    clconv_runtime *rt = test_small_runtime();

    conv_cases_check(rt, cases, LEN(cases));
    clconv_runtime_destroy(rt);
}
END_TEST

/* Calls conv1d_host (dims 1) or conv2d_host (dims 2) with o on a 4 x 4 image
 * and a krows x kcols kernel, and expects CLCONV_EINVAL whose message
 * contains text. */
static void expect_einval(clconv_runtime *rt, int dims, size_t krows, size_t kcols,
                          clconv_conv_options o, const char *text)
{
    float x[16] = {0}, h[64] = {0}, y[64];
    if (dims == 1)
        ASSERT_FAILS(rt, clconv_conv1d_host(rt, CLCONV_F32, x, 16, 1, h, kcols, y, &o),
                     CLCONV_EINVAL);
    else
        ASSERT_FAILS(rt, clconv_conv2d_host(rt, CLCONV_F32, x, 4, 4, 1, h, krows, kcols, y, &o),
                     CLCONV_EINVAL);
    assert_last_error_has(rt, text);
}

START_TEST(test_boundary_errors)
{
    clconv_runtime *rt = test_runtime();
    const clconv_conv_options ok = {.mode = CLCONV_MODE_SAME,
                                    .method = CLCONV_METHOD_DIRECT,
                                    .boundary = CLCONV_BOUNDARY_REFLECT};
    clconv_conv_options o;
    float x[16] = {0}, h[8] = {0}, y[64];

    /* The limits themselves are accepted: 4 taps allow -2 ... 1, 5 allow -2 ... 2. */
    for (int org = -2; org <= 1; org++) {
        o = ok;
        o.origin[0] = org;
        ASSERT_OK(rt, clconv_conv1d_host(rt, CLCONV_F32, x, 16, 1, h, 4, y, &o));
        o.correlate = 1;
        ASSERT_OK(rt, clconv_conv1d_host(rt, CLCONV_F32, x, 16, 1, h, 4, y, &o));
    }
    o = ok;
    o.origin[0] = 2;
    expect_einval(rt, 1, 1, 4, o, "origin 2 is outside the kernel");
    assert_last_error_has(rt, "-2 ... 1");
    o.origin[0] = -3;
    expect_einval(rt, 1, 1, 5, o, "-2 ... 2");
    o = ok;
    o.origin[1] = 4;
    expect_einval(rt, 2, 3, 7, o, "origin 4 along columns");
    o = ok;
    o.origin[0] = -2;
    expect_einval(rt, 2, 3, 7, o, "along rows");
    o = ok;
    o.origin[1] = 1;
    expect_einval(rt, 1, 1, 7, o, "origin[1] must be 0");

    o = ok;
    o.boundary = (clconv_boundary)6;
    expect_einval(rt, 1, 1, 3, o, "unknown boundary mode 6");
    o = ok;
    o.mode = CLCONV_MODE_FULL;
    expect_einval(rt, 1, 1, 3, o, "needs output mode same, not full");
    o.mode = CLCONV_MODE_VALID;
    expect_einval(rt, 2, 3, 3, o, "needs output mode same, not valid");

    /* Without a boundary mode, origin and cval would be silently ignored. */
    o = (clconv_conv_options){.mode = CLCONV_MODE_SAME, .origin = {1, 0}};
    expect_einval(rt, 1, 1, 3, o, "needs a boundary mode");
    o = (clconv_conv_options){.mode = CLCONV_MODE_SAME, .cval = 1};
    expect_einval(rt, 1, 1, 3, o, "needs the constant boundary mode");
    /* Other modes ignore cval, as ndimage does. */
    o = ok;
    o.cval = 5;
    ASSERT_OK(rt, clconv_conv1d_host(rt, CLCONV_F32, x, 16, 1, h, 3, y, &o));
}
END_TEST

START_TEST(test_boundary_names)
{
    static const char *const names[] = {"none", "constant", "reflect", "mirror", "nearest",
                                        "wrap"};
    clconv_boundary b;

    for (int i = 0; i < 6; i++) {
        ck_assert_str_eq(clconv_boundary_name((clconv_boundary)i), names[i]);
        ASSERT_OK(NULL, clconv_boundary_parse(names[i], &b));
        ck_assert_int_eq(b, i);
    }
    ck_assert_str_eq(clconv_boundary_name((clconv_boundary)6), "unknown");
    ASSERT_FAILS(NULL, clconv_boundary_parse("grid-wrap", &b), CLCONV_EINVAL);
    assert_last_error_has(NULL, "grid-wrap");
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, test_boundary_scipy_values);
    tcase_add_loop_test(tc, test_boundary_1d_direct, CLCONV_F32, CLCONV_F64 + 1);
    tcase_add_loop_test(tc, test_boundary_2d_direct, CLCONV_F32, CLCONV_F64 + 1);
    tcase_add_loop_test(tc, test_boundary_separable, CLCONV_F32, CLCONV_F64 + 1);
    tcase_add_loop_test(tc, test_boundary_fft, CLCONV_F32, CLCONV_F64 + 1);
    tcase_add_test(tc, test_boundary_large);
    tcase_add_test(tc, test_boundary_pieces);
    tcase_add_test(tc, test_boundary_errors);
    tcase_add_test(tc, test_boundary_names);
}

Suite *clconv_test_suite_boundary(void)
{
    return test_variant_suite("boundary", add_tests);
}
