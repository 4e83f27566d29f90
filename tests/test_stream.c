/*
 * Tests of stream.c: host-form convolutions whose signal or output exceed
 * the runtime's allocation limit run piece by piece (groups of whole
 * images, slabs of output rows, tiles of rows and columns) with results
 * equal to the reference, every boundary mode included (reflect, mirror and
 * wrap with halos gathered on the host), and a kernel that cannot fit is
 * refused. A runtime
 * limited to 48 KiB per allocation makes modest problems stream.
 */
#include "harness.h"
#include "suites.h"

#include <stdlib.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(test_stream_results)
{
    static const conv_case cases[] = {
        /* One long signal, cut along its length. */
        {.kind = CONV_1D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .rows = 1, .cols = 100000, .krows = 1,
         .kcols = 31, .seed = 71},
        /* Many short signals, in groups of whole signals. */
        {.kind = CONV_1D, .form = FORM_HOST, .dtype = CLCONV_F64, .mode = CLCONV_MODE_FULL,
         .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 40, .rows = 1, .cols = 1000,
         .krows = 1, .kcols = 17, .integer = 1, .seed = 72},
        /* A kernel longer than the signal: only the full output is too
         * large. */
        {.kind = CONV_1D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_FULL,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .rows = 1, .cols = 5000, .krows = 1,
         .kcols = 11000, .seed = 73},
        /* Slabs of whole output rows. */
        {.kind = CONV_2D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_FULL,
         .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 2, .rows = 300, .cols = 200,
         .krows = 7, .kcols = 5, .seed = 74},
        /* Rows longer than the limit: tiles of rows and columns. */
        {.kind = CONV_2D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .rows = 10, .cols = 20000, .krows = 3,
         .kcols = 9, .integer = 1, .seed = 75},
        {.kind = CONV_SEPARABLE, .form = FORM_HOST, .dtype = CLCONV_F32,
         .mode = CLCONV_MODE_VALID, .method = CLCONV_METHOD_DIRECT, .batch = 2, .rows = 250,
         .cols = 250, .krows = 9, .kcols = 11, .seed = 76},
        /* Boundary modes: constant and nearest cut like zero padding; small
         * images under the others stream in groups of whole images. */
        {.kind = CONV_1D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .rows = 1, .cols = 100000, .krows = 1,
         .kcols = 31, .seed = 78, .boundary = CLCONV_BOUNDARY_CONSTANT, .cval = -0.75,
         .origin = {-9, 0}},
        {.kind = CONV_2D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 2, .rows = 300, .cols = 200,
         .krows = 7, .kcols = 6, .seed = 79, .boundary = CLCONV_BOUNDARY_NEAREST,
         .origin = {3, -3}},
        {.kind = CONV_2D, .form = FORM_HOST, .dtype = CLCONV_F64, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_FFT, .batch = 3, .rows = 40, .cols = 50, .krows = 9,
         .kcols = 4, .seed = 80, .boundary = CLCONV_BOUNDARY_CONSTANT, .cval = 2},
        {.kind = CONV_1D, .form = FORM_HOST, .dtype = CLCONV_F64, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 40, .rows = 1, .cols = 1000,
         .krows = 1, .kcols = 17, .integer = 1, .seed = 81, .boundary = CLCONV_BOUNDARY_WRAP,
         .origin = {8, 0}},
        {.kind = CONV_SEPARABLE, .form = FORM_HOST, .dtype = CLCONV_F32,
         .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT, .batch = 30, .rows = 20,
         .cols = 25, .krows = 5, .kcols = 8, .seed = 82, .boundary = CLCONV_BOUNDARY_MIRROR},
        /* The automatic method through the pieces. */
        {.kind = CONV_2D, .form = FORM_HOST, .dtype = CLCONV_F64, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_AUTO, .batch = 1, .rows = 120, .cols = 130, .krows = 4,
         .kcols = 6, .seed = 77},
    };
    clconv_runtime *rt = test_small_runtime();

    conv_cases_check(rt, cases, LEN(cases));
    clconv_runtime_destroy(rt);
}
END_TEST

START_TEST(test_stream_kernel_too_large)
{
    /* The kernel is staged whole, so one larger than an allocation cannot
     * run however the outputs are cut. */
    const size_t n = 20000, k = TEST_SMALL_ALLOC / sizeof(float) + 1;
    float *x = calloc(n, sizeof(float)), *h = calloc(k, sizeof(float));
    float *y = calloc(n, sizeof(float));
    clconv_conv_options o = {.mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT};
    clconv_runtime *rt = test_small_runtime();

    ck_assert(x && h && y);
    ASSERT_FAILS(rt, clconv_conv1d_host(rt, CLCONV_F32, x, n, 1, h, k, y, &o), CLCONV_EOVERFLOW);
    clconv_runtime_destroy(rt);
    free(x);
    free(h);
    free(y);
}
END_TEST

START_TEST(test_stream_boundary_gathered)
{
    /* One signal or image past the limit under reflect, mirror or wrap:
     * pieces of it, each with its halo gathered on the host through the
     * mode (wrap's from the far end), with origins at both ends of their
     * range, even kernels, and kernels longer than the image along one axis
     * (the index map folds more than once). */
    static const conv_case cases[] = {
        /* Segments of one long signal. */
        {.kind = CONV_1D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .rows = 1, .cols = 40000, .krows = 1,
         .kcols = 31, .seed = 83, .boundary = CLCONV_BOUNDARY_REFLECT, .origin = {-15, 0}},
        {.kind = CONV_1D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 2, .rows = 1, .cols = 20000,
         .krows = 1, .kcols = 8, .integer = 1, .seed = 84, .boundary = CLCONV_BOUNDARY_MIRROR,
         .origin = {3, 0}},
        {.kind = CONV_1D, .form = FORM_HOST, .dtype = CLCONV_F64, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_FFT, .batch = 1, .rows = 1, .cols = 9000, .krows = 1,
         .kcols = 64, .seed = 85, .boundary = CLCONV_BOUNDARY_WRAP, .origin = {-32, 0}},
        {.kind = CONV_1D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_AUTO, .batch = 1, .rows = 1, .cols = 30000, .krows = 1,
         .kcols = 1001, .seed = 86, .boundary = CLCONV_BOUNDARY_WRAP, .origin = {500, 0}},
        /* Slabs of rows and tiles of one image. */
        {.kind = CONV_2D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .rows = 300, .cols = 200, .krows = 7,
         .kcols = 6, .seed = 87, .boundary = CLCONV_BOUNDARY_REFLECT, .origin = {3, -3}},
        {.kind = CONV_2D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 1, .rows = 10,
         .cols = 20000, .krows = 3, .kcols = 9, .integer = 1, .seed = 88,
         .boundary = CLCONV_BOUNDARY_WRAP, .origin = {1, -4}},
        {.kind = CONV_2D, .form = FORM_HOST, .dtype = CLCONV_F64, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_AUTO, .batch = 2, .rows = 90, .cols = 100, .krows = 4,
         .kcols = 5, .seed = 89, .boundary = CLCONV_BOUNDARY_MIRROR, .origin = {-2, 2}},
        {.kind = CONV_SEPARABLE, .form = FORM_HOST, .dtype = CLCONV_F32,
         .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT, .batch = 1, .rows = 250,
         .cols = 250, .krows = 9, .kcols = 4, .seed = 90, .boundary = CLCONV_BOUNDARY_MIRROR},
        /* Kernels taller than the image: rows fold twice or more. */
        {.kind = CONV_2D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .rows = 4, .cols = 5000, .krows = 11,
         .kcols = 3, .seed = 91, .boundary = CLCONV_BOUNDARY_REFLECT, .origin = {-5, 1}},
        {.kind = CONV_2D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 1, .rows = 3, .cols = 6000,
         .krows = 8, .kcols = 5, .seed = 92, .boundary = CLCONV_BOUNDARY_WRAP, .origin = {3, 0}},
        {.kind = CONV_2D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .rows = 2, .cols = 9000, .krows = 7,
         .kcols = 2, .seed = 93, .boundary = CLCONV_BOUNDARY_MIRROR, .origin = {0, -1}},
        /* One row under mirror, which repeats the sample (ndimage's rule). */
        {.kind = CONV_2D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .rows = 1, .cols = 20000, .krows = 3,
         .kcols = 3, .seed = 94, .boundary = CLCONV_BOUNDARY_MIRROR},
    };
    clconv_runtime *rt = test_small_runtime();

    conv_cases_check(rt, cases, LEN(cases));
    clconv_runtime_destroy(rt);
}
END_TEST

Suite *clconv_test_suite_stream(void)
{
    Suite *s = suite_create("stream");
    TCase *tc = test_tcase_bare("pieces");

    tcase_add_test(tc, test_stream_results);
    tcase_add_test(tc, test_stream_kernel_too_large);
    tcase_add_test(tc, test_stream_boundary_gathered);
    suite_add_tcase(s, tc);
    return s;
}
