/*
 * Results of clconv_conv1d and clconv_conv1d_host (direct.c with
 * kernels/conv_strip.cl, conv_tiled.cl and pad.cl) against the
 * double-precision reference:
 * a sweep of lengths (size 1, primes, kernels longer than the signal) over
 * every mode, convolution and correlation, both precisions and batches;
 * larger cases that span many work-items and end in a partial strip;
 * problems split into pieces by a small allocation limit; chained device
 * calls; and the defaults of a NULL options pointer. Every tcase runs once
 * per kernel variant (strip and tiled).
 */
#include "harness.h"
#include "reference.h"
#include "suites.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(test_conv1d_sweep)
{
    /* Lengths around the strip and tile blocks (64 and 1024 outputs) and
     * the tiled kernel's tap block (64), besides small sizes and primes. */
    static const size_t n[][2] = {{1, 1},  {1, 2},  {1, 3},   {1, 5},   {1, 16},
                                  {1, 17}, {1, 31}, {1, 63},  {1, 64},  {1, 65},
                                  {1, 97}, {1, 128}, {1, 257}, {1, 1025}};
    static const size_t k[][2] = {{1, 1},  {1, 2},  {1, 3},  {1, 4},   {1, 7},   {1, 16},
                                  {1, 17}, {1, 64}, {1, 65}, {1, 130}, {1, 300}, {1, 1000}};
    conv_sweep(test_runtime(), CONV_1D, (clconv_dtype)_i, n, LEN(n), k, LEN(k), 1000 + _i);
}
END_TEST

START_TEST(test_conv1d_large)
{
    /* Many strips and work-groups, lengths that end in a partial strip, a
     * kernel longer than the signal, and batches. */
    static const conv_case cases[] = {
        {.kind = CONV_1D, .form = FORM_DEVICE, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .rows = 1, .cols = 100003, .krows = 1,
         .kcols = 1024, .seed = 1},
        {.kind = CONV_1D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_FULL,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .rows = 1, .cols = 40009, .krows = 1,
         .kcols = 255, .integer = 1, .seed = 2},
        {.kind = CONV_1D, .form = FORM_DEVICE, .dtype = CLCONV_F64, .mode = CLCONV_MODE_VALID,
         .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 3, .rows = 1,
         .cols = 65536 + 17, .krows = 1, .kcols = 64, .seed = 3},
        {.kind = CONV_1D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_FULL,
         .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 2, .rows = 1, .cols = 5001,
         .krows = 1, .kcols = 6007, .seed = 4},
        {.kind = CONV_1D, .form = FORM_DEVICE, .dtype = CLCONV_F32, .mode = CLCONV_MODE_VALID,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .rows = 1, .cols = 3001, .krows = 1,
         .kcols = 20000, .seed = 5},
        {.kind = CONV_1D, .form = FORM_HOST, .dtype = CLCONV_F64, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 16, .rows = 1, .cols = 1000, .krows = 1,
         .kcols = 33, .integer = 1, .seed = 6},
    };
    conv_cases_check(test_runtime(), cases, LEN(cases));
}
END_TEST

START_TEST(test_conv1d_pieces)
{
    /* Each fits the limit as input and output, but its zero-padded copy does
     * not: the first must be split across the batch, the second along the
     * signal. */
    static const conv_case cases[] = {
        {.kind = CONV_1D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_FULL,
         .method = CLCONV_METHOD_DIRECT, .batch = 7, .rows = 1, .cols = 1000, .krows = 1,
         .kcols = 500, .seed = 11},
        {.kind = CONV_1D, .form = FORM_DEVICE, .dtype = CLCONV_F32, .mode = CLCONV_MODE_FULL,
         .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 1, .rows = 1, .cols = 8000,
         .krows = 1, .kcols = 4000, .seed = 12},
        {.kind = CONV_1D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .rows = 1, .cols = 12000, .krows = 1,
         .kcols = 2001, .integer = 1, .seed = 13},
    };
    clconv_runtime *rt = test_small_runtime();

    conv_cases_check(rt, cases, LEN(cases));
    clconv_runtime_destroy(rt);
}
END_TEST

START_TEST(test_conv1d_chained)
{
    /* Two convolutions in a row on the device, no host trip between them:
     * z = (x * h1) * h2, integer-valued so the result is exact. */
    clconv_runtime *rt = test_runtime();
    enum { N = 300, K1 = 9, K2 = 4, M = N + K1 - 1, P = M + K2 - 1 };
    double x[N], h1[K1], h2[K2], y[M], z[P];
    float xf[N], h1f[K1], h2f[K2], zf[P];
    ref_problem first = {1, N, 1, K1, CLCONV_MODE_FULL, 0};
    ref_problem second = {1, M, 1, K2, CLCONV_MODE_FULL, 0};
    clconv_buffer *xb = NULL, *h1b = NULL, *h2b = NULL, *yb = NULL, *zb = NULL;
    clconv_conv_options o = {.mode = CLCONV_MODE_FULL, .method = CLCONV_METHOD_DIRECT};
    test_rng rng;

    test_rng_seed(&rng, 21);
    for (int i = 0; i < N; i++) x[i] = (double)test_rng_int(&rng, -5, 5);
    for (int i = 0; i < K1; i++) h1[i] = (double)test_rng_int(&rng, -3, 3);
    for (int i = 0; i < K2; i++) h2[i] = (double)test_rng_int(&rng, -3, 3);
    ref_conv(&first, x, h1, y, NULL);
    ref_conv(&second, y, h2, z, NULL);
    test_store(CLCONV_F32, xf, x, N);
    test_store(CLCONV_F32, h1f, h1, K1);
    test_store(CLCONV_F32, h2f, h2, K2);

    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_F32, N, xf, &xb));
    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_F32, K1, h1f, &h1b));
    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_F32, K2, h2f, &h2b));
    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_F32, M, NULL, &yb));
    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_F32, P, NULL, &zb));
    ASSERT_OK(rt, clconv_conv1d(rt, xb, N, 1, h1b, K1, yb, &o));
    ASSERT_OK(rt, clconv_conv1d(rt, yb, M, 1, h2b, K2, zb, &o));
    ASSERT_OK(rt, clconv_buffer_read(zb, 0, P, zf));
    for (int i = 0; i < P; i++)
        ck_assert_msg(zf[i] == (float)z[i], "z[%d] = %g, want %g", i, zf[i], z[i]);
    clconv_buffer_destroy(xb);
    clconv_buffer_destroy(h1b);
    clconv_buffer_destroy(h2b);
    clconv_buffer_destroy(yb);
    clconv_buffer_destroy(zb);
}
END_TEST

START_TEST(test_conv1d_default_options)
{
    /* NULL options: full mode, automatic method, convolution. */
    clconv_runtime *rt = test_runtime();
    const float x[4] = {1, 2, 3, 4}, h[2] = {1, 10};
    const float expect[5] = {1, 12, 23, 34, 40};
    float y[5];

    ASSERT_OK(rt, clconv_conv1d_host(rt, CLCONV_F32, x, 4, 1, h, 2, y, NULL));
    for (int i = 0; i < 5; i++) ck_assert_float_eq_tol(y[i], expect[i], 1e-5f);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_loop_test(tc, test_conv1d_sweep, CLCONV_F32, CLCONV_F64 + 1);
    tcase_add_test(tc, test_conv1d_large);
    tcase_add_test(tc, test_conv1d_pieces);
    tcase_add_test(tc, test_conv1d_chained);
    tcase_add_test(tc, test_conv1d_default_options);
}

Suite *clconv_test_suite_conv1d(void)
{
    return test_variant_suite("conv1d", add_tests);
}
