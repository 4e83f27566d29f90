/*
 * Results of clconv_conv2d_separable and its host form against the full 2-D
 * reference of the outer-product kernel: a sweep of image shapes and
 * column x row kernel lengths over every mode, convolution and correlation,
 * both precisions and batches; larger images; and pieces under a small
 * allocation limit, where the intermediate buffer of the two passes counts
 * too. Every tcase runs once per kernel variant (strip and tiled).
 */
#include "harness.h"
#include "suites.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(test_separable_sweep)
{
    static const size_t images[][2] = {{1, 1}, {1, 9}, {9, 1}, {4, 6}, {17, 13}, {32, 45}};
    static const size_t kernels[][2] = {{1, 1}, {1, 5},   {5, 1},  {3, 3},  {4, 7},
                                        {9, 2}, {17, 17}, {40, 3}, {50, 60}};
    conv_sweep(test_runtime(), CONV_SEPARABLE, (clconv_dtype)_i, images, LEN(images), kernels,
               LEN(kernels), 3000 + _i);
}
END_TEST

START_TEST(test_separable_large)
{
    static const conv_case cases[] = {
        {.kind = CONV_SEPARABLE, .form = FORM_DEVICE, .dtype = CLCONV_F32,
         .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT, .batch = 2, .rows = 250,
         .cols = 301, .krows = 15, .kcols = 15, .seed = 51},
        {.kind = CONV_SEPARABLE, .form = FORM_HOST, .dtype = CLCONV_F64,
         .mode = CLCONV_MODE_FULL, .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 1,
         .rows = 97, .cols = 513, .krows = 9, .kcols = 31, .seed = 52},
        {.kind = CONV_SEPARABLE, .form = FORM_HOST, .dtype = CLCONV_F32,
         .mode = CLCONV_MODE_VALID, .method = CLCONV_METHOD_DIRECT, .batch = 3, .rows = 128,
         .cols = 128, .krows = 33, .kcols = 5, .integer = 1, .seed = 53},
    };
    conv_cases_check(test_runtime(), cases, LEN(cases));
}
END_TEST

START_TEST(test_separable_pieces)
{
    static const conv_case cases[] = {
        {.kind = CONV_SEPARABLE, .form = FORM_HOST, .dtype = CLCONV_F32,
         .mode = CLCONV_MODE_FULL, .method = CLCONV_METHOD_DIRECT, .batch = 1, .rows = 60,
         .cols = 100, .krows = 21, .kcols = 21, .seed = 61},
        {.kind = CONV_SEPARABLE, .form = FORM_DEVICE, .dtype = CLCONV_F32,
         .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 3,
         .rows = 30, .cols = 120, .krows = 7, .kcols = 13, .integer = 1, .seed = 62},
    };
    clconv_runtime *rt = test_small_runtime();

    conv_cases_check(rt, cases, LEN(cases));
    clconv_runtime_destroy(rt);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_loop_test(tc, test_separable_sweep, CLCONV_F32, CLCONV_F64 + 1);
    tcase_add_test(tc, test_separable_large);
    tcase_add_test(tc, test_separable_pieces);
}

Suite *clconv_test_suite_separable(void)
{
    return test_variant_suite("separable", add_tests);
}
