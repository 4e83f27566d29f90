/*
 * Results of clconv_conv2d and clconv_conv2d_host against the
 * double-precision reference: a sweep of odd image and kernel shapes
 * (single pixels, single rows and columns, kernels larger than the image in
 * one or both dimensions) over every mode, convolution and correlation, both
 * precisions and batches, including the valid-mode shapes SciPy rejects;
 * larger images spanning many work-groups with partial last blocks; and
 * problems split into row and column pieces by a small allocation limit;
 * outputs stored non-temporally from every offset to a cache line.
 * Every tcase runs once per kernel variant (strip and tiled).
 */
#include "harness.h"
#include "suites.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(test_conv2d_sweep)
{
    /* Besides odd shapes, images around the tiled block (16 x 64 outputs)
     * and kernels around its tap block (16 x 16). */
    static const size_t images[][2] = {{1, 1},  {1, 7},  {7, 1},   {2, 3},  {5, 5},  {6, 4},
                                       {13, 17}, {16, 64}, {17, 65}, {31, 9}, {40, 33}};
    /* Column windows (kr x 1) run conv_rows on AVX2 CPUs (params.c). */
    static const size_t kernels[][2] = {{1, 1}, {1, 3}, {3, 1},   {2, 2},   {3, 3},   {4, 5},
                                        {5, 4}, {7, 7}, {9, 2},   {16, 16}, {17, 17}, {45, 40},
                                        {2, 1}, {19, 1}, {40, 1}};
    conv_sweep(test_runtime(), CONV_2D, (clconv_dtype)_i, images, LEN(images), kernels,
               LEN(kernels), 2000 + _i);
}
END_TEST

START_TEST(test_conv2d_large)
{
    static const conv_case cases[] = {
        /* Many strips and groups; 257 columns end in a partial strip. */
        {.kind = CONV_2D, .form = FORM_DEVICE, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 2, .rows = 300, .cols = 257, .krows = 5,
         .kcols = 5, .seed = 31},
        {.kind = CONV_2D, .form = FORM_HOST, .dtype = CLCONV_F64, .mode = CLCONV_MODE_FULL,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .rows = 129, .cols = 1000, .krows = 3,
         .kcols = 3, .seed = 32},
        {.kind = CONV_2D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_VALID,
         .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 1, .rows = 64, .cols = 64,
         .krows = 31, .kcols = 31, .integer = 1, .seed = 33},
        /* The kernel larger than the image in both dimensions. */
        {.kind = CONV_2D, .form = FORM_DEVICE, .dtype = CLCONV_F32, .mode = CLCONV_MODE_FULL,
         .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 2, .rows = 20, .cols = 20,
         .krows = 50, .kcols = 60, .seed = 34},
        {.kind = CONV_2D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_VALID,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .rows = 20, .cols = 20, .krows = 50,
         .kcols = 60, .seed = 35},
        {.kind = CONV_2D, .form = FORM_DEVICE, .dtype = CLCONV_F64, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 5, .rows = 33, .cols = 47,
         .krows = 7, .kcols = 3, .integer = 1, .seed = 36},
        /* A tall, narrow image and a wide, flat kernel. */
        {.kind = CONV_2D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .rows = 777, .cols = 3, .krows = 2,
         .kcols = 19, .seed = 37},
    };
    conv_cases_check(test_runtime(), cases, LEN(cases));
}
END_TEST

START_TEST(test_conv2d_pieces)
{
    /* Inputs and outputs fit a 48 KiB allocation limit but the zero-padded
     * copy does not: the first splits into row pieces, the second (a
     * kernel taller than the image) into column pieces, the third across
     * the batch. */
    static const conv_case cases[] = {
        {.kind = CONV_2D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_FULL,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .rows = 60, .cols = 100, .krows = 21,
         .kcols = 21, .seed = 41},
        {.kind = CONV_2D, .form = FORM_DEVICE, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 1, .rows = 4, .cols = 3000,
         .krows = 5, .kcols = 3, .integer = 1, .seed = 42},
        {.kind = CONV_2D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_VALID,
         .method = CLCONV_METHOD_DIRECT, .batch = 4, .rows = 40, .cols = 70, .krows = 9,
         .kcols = 11, .seed = 43},
    };
    clconv_runtime *rt = test_small_runtime();

    conv_cases_check(rt, cases, LEN(cases));
    clconv_runtime_destroy(rt);
}
END_TEST

START_TEST(test_conv2d_streaming)
{
    /* With CLCONV_STREAM_MIN at 1 byte every output on a CPU device takes
     * the streaming stores: strips moved onto the output's 64-byte lines,
     * the first item also covering the columns before the first line
     * boundary. Outputs start at every kind of offset from a line, rows are
     * narrower than that offset, batches put each item at another offset,
     * and rows whose pitch is not a whole number of lines fall back to
     * cached stores row by row; nothing may be written before the output
     * or after it. In the table's shapes, then with three strips of 2 rows
     * x 2 vectors of 8 per item (the first item's extra strip beside them). */
    static const size_t widths[] = {1, 5, 13, 16, 64, 100, 257};
    static const size_t shifts[] = {0, 1, 4, 9, 15};
    static const clconv_boundary bounds[] = {CLCONV_BOUNDARY_NONE, CLCONV_BOUNDARY_MIRROR,
                                             CLCONV_BOUNDARY_CONSTANT};
    ck_assert_int_eq(setenv("CLCONV_STREAM_MIN", "1", 1), 0);
    clconv_runtime *rt = NULL;
    const int st = clconv_runtime_create(&rt, NULL);
    unsetenv("CLCONV_STREAM_MIN");
    ASSERT_OK(NULL, st);
    uint64_t seed = 4400;
    for (int shape = 0; shape < 2; shape++) {
        if (shape) ck_assert_int_eq(setenv("CLCONV_DIRECT_PARAMS", "strip:8,2,4,0,2,3", 1), 0);
        for (size_t w = 0; w < LEN(widths); w++) {
            for (size_t s = 0; s < LEN(shifts); s++) {
                const clconv_boundary bd = bounds[(w + s) % LEN(bounds)];
                const conv_case c = {
                    .kind = CONV_2D,
                    .form = FORM_HOST,
                    .dtype = (w + s) % 4 == 3 ? CLCONV_F64 : CLCONV_F32,
                    .mode = bd ? CLCONV_MODE_SAME : (clconv_mode)((w + s) % 3),
                    .method = CLCONV_METHOD_DIRECT,
                    .correlate = (int)(s & 1),
                    .batch = 1 + s % 3,
                    .rows = 9 + w,
                    .cols = widths[w],
                    .krows = w % 2 ? 3 : 5,
                    .kcols = w % 2 ? 3 : 5,
                    .seed = seed++,
                    .boundary = bd,
                    .cval = bd == CLCONV_BOUNDARY_CONSTANT ? 1.5 : 0.0,
                    .out_shift = shifts[s],
                };
                conv_cases_check(rt, &c, 1);
            }
        }
    }
    unsetenv("CLCONV_DIRECT_PARAMS");
    clconv_runtime_destroy(rt);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_loop_test(tc, test_conv2d_sweep, CLCONV_F32, CLCONV_F64 + 1);
    tcase_add_test(tc, test_conv2d_large);
    tcase_add_test(tc, test_conv2d_pieces);
    tcase_add_test(tc, test_conv2d_streaming);
}

Suite *clconv_test_suite_conv2d(void)
{
    return test_variant_suite("conv2d", add_tests);
}
