/*
 * Integer images and outputs (CLCONV_U8, CLCONV_U16, CLCONV_I16) of 2-D
 * direct convolution, through clconv_conv2d_host_typed and clconv_conv2d
 * with integer buffers: every pairing of an integer or float input with an
 * integer or float output, both compute precisions, the three output modes
 * and the five boundary modes, convolution and correlation, against the
 * double reference rounded to nearest (ties to even) and saturated as
 * test_store does. Taps are multiples of 1/4 and inputs integers, so every
 * sum is exact in float32 and ties (x.5) occur: the results must match
 * exactly, and the inputs span each type's range so that outputs cross
 * both ends of it. Also the dtype names and the refusals of the paths that
 * do not convert integers.
 */
#include "harness.h"
#include "reference.h"
#include "suites.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GUARD 64
#define CANARY 0xA5

/* The range of an input of dtype; float inputs hold integers of uint8's. */
static void input_range(clconv_dtype d, long *lo, long *hi)
{
    *lo = d == CLCONV_I16 ? -32768 : 0;
    *hi = d == CLCONV_U16 ? 65535 : d == CLCONV_I16 ? 32767 : 255;
}

typedef struct int_case {
    clconv_dtype in, dtype, out;
    size_t rows, cols, krows, kcols, batch;
    clconv_mode mode;
    clconv_boundary boundary;
    double cval;
    int correlate, device;
    uint64_t seed;
} int_case;

/* Runs one case and compares every output exactly. */
static void run_case(clconv_runtime *rt, const int_case *c)
{
    test_rng rng;
    test_rng_seed(&rng, c->seed);
    const size_t n = c->rows * c->cols, nk = c->krows * c->kcols;
    size_t orows = c->rows, ocols = c->cols;
    ref_problem p = {c->rows, c->cols, c->krows, c->kcols, c->mode, c->correlate};
    if (!c->boundary) ck_assert_int_eq(ref_output_dims(&p, &orows, &ocols), 0);
    const size_t no = orows * ocols;
    double *x = malloc(n * c->batch * sizeof *x), *h = malloc(nk * sizeof *h);
    double *want = malloc(no * c->batch * sizeof *want), *got = malloc(no * sizeof *got);
    ck_assert(x && h && want && got);
    long lo, hi;
    input_range(c->in, &lo, &hi);
    for (size_t i = 0; i < n * c->batch; i++) {
        const uint64_t r = test_rng_next(&rng) % 8;
        x[i] = r == 0 ? (double)lo : r == 1 ? (double)hi : (double)test_rng_int(&rng, lo, hi);
    }
    /* Taps in -2 ... 2 in quarters; at most 9 taps of them keep sums of
     * 16-bit inputs under 2^21, exact in float32 with two fraction bits. */
    const long span = nk > 9 ? 2 : 8;
    for (size_t i = 0; i < nk; i++) h[i] = (double)test_rng_int(&rng, -span, span) / 4;
    for (size_t b = 0; b < c->batch; b++) {
        if (c->boundary) {
            ref_ndimage nd = {c->rows,     c->cols,     c->krows, c->kcols,
                              c->correlate, c->boundary, c->cval,  {0, 0}};
            ref_ndimage_conv(&nd, x + b * n, h, want + b * no, NULL, NULL);
        } else {
            ref_conv(&p, x + b * n, h, want + b * no, NULL);
        }
    }
    for (size_t i = 0; i < no * c->batch; i++)
        if (c->out != CLCONV_F32 && c->out != CLCONV_F64) want[i] = test_saturate(c->out, want[i]);

    const size_t ob = test_dtype_bytes(c->out), out_bytes = no * c->batch * ob;
    void *xt = test_alloc(c->in, n * c->batch), *ht = test_alloc(c->dtype, nk);
    unsigned char *ot = malloc(out_bytes + GUARD);
    ck_assert_ptr_nonnull(ot);
    test_store(c->in, xt, x, n * c->batch);
    test_store(c->dtype, ht, h, nk);
    memset(ot, CANARY, out_bytes + GUARD);
    clconv_conv_options o = {.mode = c->boundary ? CLCONV_MODE_SAME : c->mode,
                             .method = c->seed % 2 ? CLCONV_METHOD_AUTO : CLCONV_METHOD_DIRECT,
                             .correlate = c->correlate,
                             .boundary = c->boundary,
                             .cval = c->cval};
    if (c->device) {
        clconv_buffer *bx, *bh, *bo;
        ASSERT_OK(rt, clconv_buffer_create(rt, c->in, n * c->batch, xt, &bx));
        ASSERT_OK(rt, clconv_buffer_create(rt, c->dtype, nk, ht, &bh));
        ASSERT_OK(rt, clconv_buffer_create(rt, c->out, no * c->batch, NULL, &bo));
        ASSERT_OK(rt, clconv_conv2d(rt, bx, c->rows, c->cols, c->batch, bh, c->krows, c->kcols,
                                    bo, &o));
        ASSERT_OK(rt, clconv_buffer_read(bo, 0, no * c->batch, ot));
        clconv_buffer_destroy(bx);
        clconv_buffer_destroy(bh);
        clconv_buffer_destroy(bo);
    } else {
        ASSERT_OK(rt, clconv_conv2d_host_typed(rt, c->in, xt, c->rows, c->cols, c->batch,
                                               c->dtype, ht, c->krows, c->kcols, c->out, ot,
                                               &o));
    }
    ck_assert_int_eq(o.chosen, CLCONV_METHOD_DIRECT);
    for (size_t i = 0; i < GUARD; i++)
        ck_assert_msg(ot[out_bytes + i] == CANARY, "byte %zu past the output was written", i);
    for (size_t b = 0; b < c->batch; b++) {
        test_load(c->out, got, ot + b * no * ob, no);
        for (size_t i = 0; i < no; i++)
            ck_assert_msg(got[i] == want[b * no + i],
                          "%s -> %s (compute %s) %zux%zu * %zux%zu mode %s boundary %s corr %d "
                          "%s: [%zu][%zu][%zu] is %.17g, want %.17g",
                          clconv_dtype_name(c->in), clconv_dtype_name(c->out),
                          clconv_dtype_name(c->dtype), c->rows, c->cols, c->krows, c->kcols,
                          clconv_mode_name(o.mode), clconv_boundary_name(c->boundary),
                          c->correlate, c->device ? "device" : "host", b, i / ocols, i % ocols,
                          got[i], want[b * no + i]);
    }
    free(x);
    free(h);
    free(want);
    free(got);
    free(xt);
    free(ht);
    free(ot);
}

static const clconv_dtype storage[] = {CLCONV_U8, CLCONV_U16, CLCONV_I16, CLCONV_F32};
#define NSTORAGE (sizeof storage / sizeof storage[0])

/* Shapes: a few strips with both edges, a single strip, a kernel larger
 * than the image, a single row. */
static const size_t shapes[][4] = {
    {37, 83, 3, 3}, {5, 7, 3, 5}, {4, 3, 5, 6}, {1, 70, 1, 7}, {19, 40, 5, 5}};
#define NSHAPES (sizeof shapes / sizeof shapes[0])

/* Every pairing of storage types in which one is an integer, in the
 * compute precision _i, over the shapes and output modes. */
START_TEST(test_integer_modes)
{
    clconv_runtime *rt = test_runtime();
    const clconv_dtype dtype = (clconv_dtype)_i;
    if (!conv_dtype_supported(rt, dtype)) return;
    uint64_t seed = 1000 * (uint64_t)_i;
    for (size_t a = 0; a < NSTORAGE; a++)
        for (size_t b = 0; b < NSTORAGE; b++) {
            if (storage[a] == CLCONV_F32 && storage[b] == CLCONV_F32) continue;
            for (size_t s = 0; s < NSHAPES; s++)
                for (int m = 0; m < 3; m++, seed++) {
                    int_case c = {.in = storage[a] == CLCONV_F32 ? dtype : storage[a],
                                  .dtype = dtype,
                                  .out = storage[b] == CLCONV_F32 ? dtype : storage[b],
                                  .rows = shapes[s][0],
                                  .cols = shapes[s][1],
                                  .krows = shapes[s][2],
                                  .kcols = shapes[s][3],
                                  .batch = seed % 3 == 0 ? 2 : 1,
                                  .mode = (clconv_mode)m,
                                  .correlate = (int)(seed / 2 % 2),
                                  .device = (int)(seed / 4 % 2),
                                  .seed = seed};
                    if (m == CLCONV_MODE_VALID && s == 1) continue; /* neither is larger */
                    run_case(rt, &c);
                }
        }
}
END_TEST

/* Every boundary mode reads integer pixels through the mode, and a cval
 * beyond uint8's range still counts as itself. */
START_TEST(test_integer_boundaries)
{
    clconv_runtime *rt = test_runtime();
    const clconv_dtype dtype = (clconv_dtype)_i;
    if (!conv_dtype_supported(rt, dtype)) return;
    uint64_t seed = 5000 + 1000 * (uint64_t)_i;
    for (size_t a = 0; a < 3; a++)
        for (size_t s = 0; s < NSHAPES; s++)
            for (int bnd = CLCONV_BOUNDARY_CONSTANT; bnd <= CLCONV_BOUNDARY_WRAP; bnd++, seed++) {
                int_case c = {.in = storage[a],
                              .dtype = dtype,
                              .out = storage[(a + seed) % NSTORAGE] == CLCONV_F32
                                         ? dtype
                                         : storage[(a + seed) % NSTORAGE],
                              .rows = shapes[s][0],
                              .cols = shapes[s][1],
                              .krows = shapes[s][2],
                              .kcols = shapes[s][3],
                              .batch = seed % 3 == 0 ? 2 : 1,
                              .boundary = (clconv_boundary)bnd,
                              .cval = bnd == CLCONV_BOUNDARY_CONSTANT ? 300.5 : 0,
                              .correlate = (int)(seed % 2),
                              .device = (int)(seed / 2 % 2),
                              .seed = seed};
                run_case(rt, &c);
            }
}
END_TEST

/* Ties round to even, and the ends saturate, on one pixel at a time. */
START_TEST(test_integer_rounding)
{
    clconv_runtime *rt = test_runtime();
    const float x[8] = {0.5f, 1.5f, 2.5f, -0.5f, 254.5f, 255.5f, -1.0f, 1e9f};
    const float one = 1.0f;
    const uint8_t want8[8] = {0, 2, 2, 0, 254, 255, 0, 255};
    const int16_t want16[8] = {0, 2, 2, 0, 254, 256, -1, 32767};
    uint8_t got8[8];
    int16_t got16[8];
    ASSERT_OK(rt, clconv_conv2d_host_typed(rt, CLCONV_F32, x, 1, 8, 1, CLCONV_F32, &one, 1, 1,
                                           CLCONV_U8, got8, NULL));
    ck_assert_mem_eq(got8, want8, sizeof want8);
    ASSERT_OK(rt, clconv_conv2d_host_typed(rt, CLCONV_F32, x, 1, 8, 1, CLCONV_F32, &one, 1, 1,
                                           CLCONV_I16, got16, NULL));
    ck_assert_mem_eq(got16, want16, sizeof want16);
}
END_TEST

START_TEST(test_integer_names)
{
    const char *names[] = {"float32", "float64", "uint8", "uint16", "int16"};
    for (int d = 0; d < 5; d++) {
        clconv_dtype got;
        ck_assert_str_eq(clconv_dtype_name((clconv_dtype)d), names[d]);
        ASSERT_OK(NULL, clconv_dtype_parse(names[d], &got));
        ck_assert_int_eq(got, d);
    }
    ck_assert_uint_eq(clconv_dtype_size(CLCONV_U8), 1);
    ck_assert_uint_eq(clconv_dtype_size(CLCONV_U16), 2);
    ck_assert_uint_eq(clconv_dtype_size(CLCONV_I16), 2);
    ck_assert_uint_eq(clconv_dtype_size((clconv_dtype)99), 0);
    ck_assert_str_eq(clconv_dtype_name((clconv_dtype)99), "unknown");
    clconv_dtype d;
    ASSERT_FAILS(NULL, clconv_dtype_parse("int64", &d), CLCONV_EINVAL);
    assert_last_error_has(NULL, "uint8, uint16, int16, complex64 or complex128");
}
END_TEST

/* The paths that do not convert integers refuse them, naming what. */
START_TEST(test_integer_refusals)
{
    clconv_runtime *rt = test_runtime();
    uint8_t img[64] = {0};
    float k[9] = {0}, out[256];
    clconv_conv_options fft = {.method = CLCONV_METHOD_FFT};
    ASSERT_FAILS(rt, clconv_conv2d_host_typed(rt, CLCONV_U8, img, 8, 8, 1, CLCONV_F32, k, 3, 3,
                                              CLCONV_U8, out, &fft),
                 CLCONV_EINVAL);
    assert_last_error_has(rt, "FFT method");
    ASSERT_FAILS(rt, clconv_conv2d_host_typed(rt, CLCONV_U8, img, 8, 8, 1, CLCONV_U8, img, 3, 3,
                                              CLCONV_U8, out, NULL),
                 CLCONV_EINVAL);
    assert_last_error_has(rt, "uint8 is a storage type");
    ASSERT_FAILS(rt, clconv_conv2d_host_typed(rt, CLCONV_U8, img, 8, 8, 1, CLCONV_F32, k, 3, 3,
                                              CLCONV_F64, out, NULL),
                 CLCONV_EINVAL);
    assert_last_error_has(rt, "output is float64 but the kernel is float32");
    ASSERT_FAILS(rt, clconv_conv2d_host_typed(rt, (clconv_dtype)7, img, 8, 8, 1, CLCONV_F32, k,
                                              3, 3, CLCONV_F32, out, NULL),
                 CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv1d_host(rt, CLCONV_U8, img, 8, 1, img, 3, out, NULL),
                 CLCONV_EINVAL);
    assert_last_error_has(rt, "storage type");
    ASSERT_FAILS(rt, clconv_conv2d_separable_host(rt, CLCONV_I16, img, 4, 4, 1, img, 3, img, 3,
                                                  out, NULL),
                 CLCONV_EINVAL);
    clconv_buffer *bx, *bk, *bo;
    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_U16, 32, NULL, &bx));
    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_F32, 9, k, &bk));
    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_F32, 256, NULL, &bo));
    ASSERT_FAILS(rt, clconv_conv1d(rt, bx, 32, 1, bk, 9, bo, NULL), CLCONV_EINVAL);
    assert_last_error_has(rt, "2-D direct convolution only");
    ASSERT_FAILS(rt, clconv_conv3d(rt, bx, 2, 4, 4, 1, bk, 1, 3, 3, bo, NULL), CLCONV_EINVAL);
    assert_last_error_has(rt, "not 3-D");
    ASSERT_FAILS(rt, clconv_conv2d_separable(rt, bx, 4, 8, 1, bk, 3, bk, 3, bo, NULL),
                 CLCONV_EINVAL);
    assert_last_error_has(rt, "separable");
    clconv_buffer_destroy(bx);
    clconv_buffer_destroy(bk);
    clconv_buffer_destroy(bo);
}
END_TEST

Suite *clconv_test_suite_integer(void)
{
    Suite *s = suite_create("integer");
    TCase *tc = test_tcase("integer");
    tcase_add_loop_test(tc, test_integer_modes, CLCONV_F32, CLCONV_F64 + 1);
    tcase_add_loop_test(tc, test_integer_boundaries, CLCONV_F32, CLCONV_F64 + 1);
    tcase_add_test(tc, test_integer_rounding);
    tcase_add_test(tc, test_integer_names);
    tcase_add_test(tc, test_integer_refusals);
    suite_add_tcase(s, tc);
    return s;
}
