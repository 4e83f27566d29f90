/*
 * Tests of conv.c's public surface apart from results: output sizes, mode
 * and method names, and every argument error of the 1-D, 2-D and separable
 * entry points in both forms (NULL pointers, zero sizes, unknown enums,
 * mismatched dtypes, buffers too small or from another runtime, aliasing,
 * overflowing sizes, valid-mode shapes SciPy rejects, unsupported
 * precision). Each failure must carry a message for the right runtime.
 */
#include "harness.h"
#include "suites.h"

#include <stdint.h>

START_TEST(test_conv_output_size)
{
    static const struct {
        size_t n, k;
        clconv_mode mode;
        size_t out;
    } table[] = {
        {5, 3, CLCONV_MODE_FULL, 7},  {5, 3, CLCONV_MODE_SAME, 5},
        {5, 3, CLCONV_MODE_VALID, 3}, {3, 5, CLCONV_MODE_FULL, 7},
        {3, 5, CLCONV_MODE_SAME, 3},  {3, 5, CLCONV_MODE_VALID, 3},
        {1, 1, CLCONV_MODE_FULL, 1},  {1, 1, CLCONV_MODE_SAME, 1},
        {1, 1, CLCONV_MODE_VALID, 1}, {4, 4, CLCONV_MODE_VALID, 1},
        {1, 9, CLCONV_MODE_SAME, 1},  {SIZE_MAX, 1, CLCONV_MODE_FULL, SIZE_MAX},
    };
    size_t out;

    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        ASSERT_OK(NULL, clconv_conv_output_size(table[i].n, table[i].k, table[i].mode, &out));
        ck_assert_msg(out == table[i].out, "n %zu k %zu mode %d: %zu, want %zu", table[i].n,
                      table[i].k, (int)table[i].mode, out, table[i].out);
    }
    ASSERT_FAILS(NULL, clconv_conv_output_size(SIZE_MAX, 2, CLCONV_MODE_FULL, &out),
                 CLCONV_EOVERFLOW);
    ASSERT_FAILS(NULL, clconv_conv_output_size(0, 3, CLCONV_MODE_FULL, &out), CLCONV_EINVAL);
    ASSERT_FAILS(NULL, clconv_conv_output_size(3, 0, CLCONV_MODE_SAME, &out), CLCONV_EINVAL);
    ASSERT_FAILS(NULL, clconv_conv_output_size(3, 2, (clconv_mode)7, &out), CLCONV_EINVAL);
    ASSERT_FAILS(NULL, clconv_conv_output_size(3, 2, CLCONV_MODE_FULL, NULL), CLCONV_EINVAL);
}
END_TEST

START_TEST(test_conv_names)
{
    static const char *const modes[] = {"full", "same", "valid"};
    static const char *const methods[] = {"auto", "direct", "fft"};
    clconv_mode mode;
    clconv_method method;

    for (int i = 0; i < 3; i++) {
        ck_assert_str_eq(clconv_mode_name((clconv_mode)i), modes[i]);
        ASSERT_OK(NULL, clconv_mode_parse(modes[i], &mode));
        ck_assert_int_eq(mode, i);
        ck_assert_str_eq(clconv_method_name((clconv_method)i), methods[i]);
        ASSERT_OK(NULL, clconv_method_parse(methods[i], &method));
        ck_assert_int_eq(method, i);
    }
    ck_assert_ptr_nonnull(clconv_mode_name((clconv_mode)7));
    ck_assert_ptr_nonnull(clconv_method_name((clconv_method)7));
    ASSERT_FAILS(NULL, clconv_mode_parse("fulls", &mode), CLCONV_EINVAL);
    ASSERT_FAILS(NULL, clconv_mode_parse("", &mode), CLCONV_EINVAL);
    ASSERT_FAILS(NULL, clconv_mode_parse(NULL, &mode), CLCONV_EINVAL);
    ASSERT_FAILS(NULL, clconv_mode_parse("full", NULL), CLCONV_EINVAL);
    ASSERT_FAILS(NULL, clconv_method_parse("fast", &method), CLCONV_EINVAL);
    ASSERT_FAILS(NULL, clconv_method_parse(NULL, &method), CLCONV_EINVAL);
    ASSERT_FAILS(NULL, clconv_method_parse("fft", NULL), CLCONV_EINVAL);
}
END_TEST

/* Buffers for the buffer-form error tests: a float32 signal of 16, kernel
 * of 3, output of 18 (full), a larger spare, a float64 kernel where the
 * device has doubles, and a signal owned by a second runtime. */
typedef struct bufs {
    clconv_runtime *rt, *other;
    clconv_buffer *sig, *ker, *out, *spare, *ker64, *foreign;
} bufs;

static bufs make_bufs(void)
{
    bufs b = {test_runtime(), NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    float zeros[40] = {0};
    clconv_device_info info;

    ASSERT_OK(b.rt, clconv_buffer_create(b.rt, CLCONV_F32, 16, zeros, &b.sig));
    ASSERT_OK(b.rt, clconv_buffer_create(b.rt, CLCONV_F32, 3, zeros, &b.ker));
    ASSERT_OK(b.rt, clconv_buffer_create(b.rt, CLCONV_F32, 18, zeros, &b.out));
    ASSERT_OK(b.rt, clconv_buffer_create(b.rt, CLCONV_F32, 40, zeros, &b.spare));
    ASSERT_OK(b.rt, clconv_runtime_device(b.rt, &info));
    if (info.fp64) ASSERT_OK(b.rt, clconv_buffer_create(b.rt, CLCONV_F64, 3, NULL, &b.ker64));
    ASSERT_OK(NULL, clconv_runtime_create(&b.other, NULL));
    ASSERT_OK(b.other, clconv_buffer_create(b.other, CLCONV_F32, 16, zeros, &b.foreign));
    return b;
}

static void free_bufs(bufs *b)
{
    clconv_buffer_destroy(b->sig);
    clconv_buffer_destroy(b->ker);
    clconv_buffer_destroy(b->out);
    clconv_buffer_destroy(b->spare);
    clconv_buffer_destroy(b->ker64);
    clconv_buffer_destroy(b->foreign);
    clconv_runtime_destroy(b->other);
}

START_TEST(test_conv1d_buffer_errors)
{
    bufs b = make_bufs();
    clconv_runtime *rt = b.rt;
    clconv_conv_options o = {.mode = CLCONV_MODE_FULL, .method = CLCONV_METHOD_DIRECT};
    clconv_conv_options bad_mode = {.mode = (clconv_mode)7, .method = CLCONV_METHOD_DIRECT};
    clconv_conv_options bad_method = {.mode = CLCONV_MODE_FULL, .method = (clconv_method)9};

    /* The arguments below succeed as given; each check changes one. */
    ASSERT_OK(rt, clconv_conv1d(rt, b.sig, 16, 1, b.ker, 3, b.out, &o));
    ASSERT_FAILS(NULL, clconv_conv1d(NULL, b.sig, 16, 1, b.ker, 3, b.out, &o), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv1d(rt, NULL, 16, 1, b.ker, 3, b.out, &o), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv1d(rt, b.sig, 16, 1, NULL, 3, b.out, &o), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv1d(rt, b.sig, 16, 1, b.ker, 3, NULL, &o), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv1d(rt, b.sig, 0, 1, b.ker, 3, b.out, &o), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv1d(rt, b.sig, 16, 0, b.ker, 3, b.out, &o), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv1d(rt, b.sig, 16, 1, b.ker, 0, b.out, &o), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv1d(rt, b.sig, 16, 1, b.ker, 3, b.out, &bad_mode), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv1d(rt, b.sig, 16, 1, b.ker, 3, b.out, &bad_method), CLCONV_EINVAL);
    /* Too small: signal for n or batch, kernel for k, output for the mode. */
    ASSERT_FAILS(rt, clconv_conv1d(rt, b.sig, 17, 1, b.ker, 3, b.out, &o), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv1d(rt, b.sig, 8, 3, b.ker, 3, b.spare, &o), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv1d(rt, b.sig, 16, 1, b.ker, 4, b.spare, &o), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv1d(rt, b.sig, 16, 1, b.ker, 3, b.ker, &o), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv1d(rt, b.spare, 17, 1, b.ker, 3, b.out, &o), CLCONV_EINVAL);
    /* Dtypes must agree. */
    if (b.ker64) {
        ASSERT_FAILS(rt, clconv_conv1d(rt, b.sig, 16, 1, b.ker64, 3, b.out, &o), CLCONV_EINVAL);
        assert_last_error_has(rt, "float64");
    }
    /* Aliasing and buffers of another runtime. */
    ASSERT_FAILS(rt, clconv_conv1d(rt, b.spare, 16, 1, b.ker, 3, b.spare, &o), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv1d(rt, b.sig, 16, 1, b.spare, 3, b.spare, &o), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv1d(rt, b.foreign, 16, 1, b.ker, 3, b.out, &o), CLCONV_EINVAL);
    /* Sizes whose products overflow. */
    ASSERT_FAILS(rt, clconv_conv1d(rt, b.sig, SIZE_MAX / 2 + 1, 2, b.ker, 3, b.out, &o),
                 CLCONV_EOVERFLOW);
    ASSERT_FAILS(rt, clconv_conv1d(rt, b.sig, SIZE_MAX, 1, b.ker, 3, b.out, &o), CLCONV_EOVERFLOW);
    free_bufs(&b);
}
END_TEST

START_TEST(test_conv2d_buffer_errors)
{
    bufs b = make_bufs();
    clconv_runtime *rt = b.rt;
    clconv_conv_options full = {.mode = CLCONV_MODE_FULL, .method = CLCONV_METHOD_DIRECT};
    clconv_conv_options valid = {.mode = CLCONV_MODE_VALID, .method = CLCONV_METHOD_DIRECT};

    /* A 4x4 image and a 1x3 kernel: full output 4x6 = 24 elements. */
    ASSERT_OK(rt, clconv_conv2d(rt, b.sig, 4, 4, 1, b.ker, 1, 3, b.spare, &full));
    ASSERT_FAILS(NULL, clconv_conv2d(NULL, b.sig, 4, 4, 1, b.ker, 1, 3, b.spare, &full),
                 CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv2d(rt, NULL, 4, 4, 1, b.ker, 1, 3, b.spare, &full), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv2d(rt, b.sig, 4, 4, 1, NULL, 1, 3, b.spare, &full), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv2d(rt, b.sig, 4, 4, 1, b.ker, 1, 3, NULL, &full), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv2d(rt, b.sig, 0, 4, 1, b.ker, 1, 3, b.spare, &full), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv2d(rt, b.sig, 4, 0, 1, b.ker, 1, 3, b.spare, &full), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv2d(rt, b.sig, 4, 4, 1, b.ker, 0, 3, b.spare, &full), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv2d(rt, b.sig, 4, 4, 1, b.ker, 1, 0, b.spare, &full), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv2d(rt, b.sig, 4, 4, 0, b.ker, 1, 3, b.spare, &full), CLCONV_EINVAL);
    /* Output too small (18 < 24), kernel too small (3 < 2x2). */
    ASSERT_FAILS(rt, clconv_conv2d(rt, b.sig, 4, 4, 1, b.ker, 1, 3, b.out, &full), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv2d(rt, b.sig, 4, 4, 1, b.ker, 2, 2, b.spare, &full), CLCONV_EINVAL);
    /* Valid mode needs one input at least as large as the other in both
     * dimensions: 2x8 against 3x1 is neither. */
    ASSERT_FAILS(rt, clconv_conv2d(rt, b.sig, 2, 8, 1, b.ker, 3, 1, b.spare, &valid),
                 CLCONV_EINVAL);
    assert_last_error_has(rt, "valid");
    ASSERT_OK(rt, clconv_conv2d(rt, b.sig, 8, 2, 1, b.ker, 3, 1, b.spare, &valid));
    /* Overflowing image, kernel and batch products. */
    ASSERT_FAILS(
        rt,
        clconv_conv2d(rt, b.sig, (size_t)1 << 33, (size_t)1 << 33, 1, b.ker, 1, 3, b.spare, &full),
        CLCONV_EOVERFLOW);
    ASSERT_FAILS(
        rt,
        clconv_conv2d(rt, b.sig, 4, 4, 1, b.ker, (size_t)1 << 33, (size_t)1 << 33, b.spare, &full),
        CLCONV_EOVERFLOW);
    ASSERT_FAILS(rt,
                 clconv_conv2d(rt, b.sig, (size_t)1 << 20, (size_t)1 << 20, (size_t)1 << 30, b.ker,
                               1, 3, b.spare, &full),
                 CLCONV_EOVERFLOW);
    free_bufs(&b);
}
END_TEST

START_TEST(test_separable_buffer_errors)
{
    bufs b = make_bufs();
    clconv_runtime *rt = b.rt;
    clconv_conv_options same = {.mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT,
                                .correlate = 1};
    clconv_conv_options valid = {.mode = CLCONV_MODE_VALID, .method = CLCONV_METHOD_DIRECT};

    ASSERT_OK(rt, clconv_conv2d_separable(rt, b.sig, 4, 4, 1, b.ker, 3, b.ker, 2, b.out, &same));
    ASSERT_FAILS(NULL,
                 clconv_conv2d_separable(NULL, b.sig, 4, 4, 1, b.ker, 3, b.ker, 2, b.out, &same),
                 CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv2d_separable(rt, NULL, 4, 4, 1, b.ker, 3, b.ker, 2, b.out, &same),
                 CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv2d_separable(rt, b.sig, 4, 4, 1, NULL, 3, b.ker, 2, b.out, &same),
                 CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv2d_separable(rt, b.sig, 4, 4, 1, b.ker, 3, NULL, 2, b.out, &same),
                 CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv2d_separable(rt, b.sig, 4, 4, 1, b.ker, 0, b.ker, 2, b.out, &same),
                 CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv2d_separable(rt, b.sig, 4, 4, 1, b.ker, 3, b.ker, 0, b.out, &same),
                 CLCONV_EINVAL);
    /* Each vector must hold its own length. */
    ASSERT_FAILS(rt, clconv_conv2d_separable(rt, b.sig, 4, 4, 1, b.ker, 4, b.ker, 2, b.out, &same),
                 CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv2d_separable(rt, b.sig, 4, 4, 1, b.ker, 2, b.ker, 4, b.out, &same),
                 CLCONV_EINVAL);
    if (b.ker64)
        ASSERT_FAILS(
            rt, clconv_conv2d_separable(rt, b.sig, 4, 4, 1, b.ker, 3, b.ker64, 2, b.out, &same),
            CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv2d_separable(rt, b.sig, 2, 8, 1, b.ker, 3, b.ker, 1, b.out, &valid),
                 CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv2d_separable(rt, b.sig, 4, 4, 1, b.ker, 3, b.ker, 2, b.sig, &same),
                 CLCONV_EINVAL);
    free_bufs(&b);
}
END_TEST

START_TEST(test_conv_host_errors)
{
    clconv_runtime *rt = test_runtime();
    const float x[16] = {0}, h[4] = {0};
    float y[64];
    clconv_conv_options o = {.mode = CLCONV_MODE_FULL, .method = CLCONV_METHOD_DIRECT};
    clconv_conv_options bad_mode = {.mode = (clconv_mode)3, .method = CLCONV_METHOD_DIRECT};

    ASSERT_OK(rt, clconv_conv1d_host(rt, CLCONV_F32, x, 16, 1, h, 4, y, &o));
    ASSERT_FAILS(NULL, clconv_conv1d_host(NULL, CLCONV_F32, x, 16, 1, h, 4, y, &o), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv1d_host(rt, CLCONV_F32, NULL, 16, 1, h, 4, y, &o), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv1d_host(rt, CLCONV_F32, x, 16, 1, NULL, 4, y, &o), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv1d_host(rt, CLCONV_F32, x, 16, 1, h, 4, NULL, &o), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv1d_host(rt, (clconv_dtype)42, x, 16, 1, h, 4, y, &o),
                 CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv1d_host(rt, CLCONV_F32, x, 0, 1, h, 4, y, &o), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv1d_host(rt, CLCONV_F32, x, 16, 0, h, 4, y, &o), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv1d_host(rt, CLCONV_F32, x, 16, 1, h, 0, y, &o), CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv1d_host(rt, CLCONV_F32, x, 16, 1, h, 4, y, &bad_mode),
                 CLCONV_EINVAL);
    /* Products that overflow a byte count: the signal (n * batch, n * 4),
     * the output ((n + k - 1) * 4) and a 2-D image (rows * cols), all
     * rejected before the (small) arrays are read or written. Sizes that
     * merely exceed the device are streamed instead (test_stream.c). */
    ASSERT_FAILS(rt, clconv_conv1d_host(rt, CLCONV_F32, x, SIZE_MAX / 2 + 1, 2, h, 4, y, &o),
                 CLCONV_EOVERFLOW);
    ASSERT_FAILS(rt, clconv_conv1d_host(rt, CLCONV_F32, x, SIZE_MAX / 4 + 1, 1, h, 4, y, &o),
                 CLCONV_EOVERFLOW);
    ASSERT_FAILS(rt,
                 clconv_conv1d_host(rt, CLCONV_F32, x, SIZE_MAX / 8 + 1, 1, h, SIZE_MAX / 8 + 1,
                                    y, &o),
                 CLCONV_EOVERFLOW);
    ASSERT_FAILS(rt,
                 clconv_conv2d_host(rt, CLCONV_F32, x, (size_t)1 << 32, (size_t)1 << 32, 1, h, 2,
                                    2, y, &o),
                 CLCONV_EOVERFLOW);
    ASSERT_FAILS(rt, clconv_conv2d_host(rt, CLCONV_F32, x, 4, 4, 1, NULL, 2, 2, y, &o),
                 CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv2d_separable_host(rt, CLCONV_F32, x, 4, 4, 1, h, 2, NULL, 2, y, &o),
                 CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv2d_separable_host(rt, CLCONV_F32, x, 4, 4, 1, NULL, 2, h, 2, y, &o),
                 CLCONV_EINVAL);
}
END_TEST

START_TEST(test_conv_unsupported_precision)
{
    /* float64 where the device lacks it is refused with a message naming
     * the device; where it has it, it runs (the result suites check it). */
    clconv_runtime *rt = test_runtime();
    clconv_device_info info;
    const double x[4] = {1, 2, 3, 4}, h[2] = {1, 1};
    double y[5];

    ASSERT_OK(rt, clconv_runtime_device(rt, &info));
    if (info.fp64) {
        ASSERT_OK(rt, clconv_conv1d_host(rt, CLCONV_F64, x, 4, 1, h, 2, y, NULL));
        ck_assert_double_eq(y[4], 4.0);
    } else {
        ASSERT_FAILS(rt, clconv_conv1d_host(rt, CLCONV_F64, x, 4, 1, h, 2, y, NULL),
                     CLCONV_ENOTSUP);
        assert_last_error_has(rt, info.name);
    }
}
END_TEST

START_TEST(test_conv_direct_params)
{
    /* Every strip shape that CLCONV_DIRECT_PARAMS (and clconv_tune) can set
     * computes the same results: the plain loop (UNROLL 0), the sliding
     * window with taps taken one at a time or in turns of 2 and 4 (and the
     * taps left over), one accumulator,
     * narrow vectors, windows wider and narrower than a strip, every mode
     * (edge strips read through the per-lane path), and both precisions;
     * and conv_rows (ROWS > 0) on the 2-D windows, whatever their size,
     * with row blocks that do and do not divide the output's rows, one strip
     * or several side by side per item (SPI). */
    static const char *const shapes[] = {"strip:16,8,8,4", "strip:16,12,8",  "strip:8,3,4,2",
                                         "strip:4,1,8,4",  "strip:2,5,16,1", "strip:8,6,1,2",
                                         "strip:8,5,8,0",  "strip:16,4,8,1", "strip:8,2,4,0,3",
                                         "strip:8,2,4,0,2,3"};
    static const clconv_mode modes[] = {CLCONV_MODE_FULL, CLCONV_MODE_SAME, CLCONV_MODE_VALID};
    clconv_runtime *rt = test_runtime();
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        setenv("CLCONV_DIRECT_PARAMS", shapes[i], 1);
        for (size_t m = 0; m < 3; m++) {
            const conv_case cases[] = {
                {CONV_1D, FORM_HOST, CLCONV_F32, modes[m], CLCONV_METHOD_DIRECT, 0, 2, 1, 517, 1,
                 70, 1, 900 + i, CLCONV_BOUNDARY_NONE, 0, {0, 0}, 0},
                {CONV_1D, FORM_DEVICE, CLCONV_F64, modes[m], CLCONV_METHOD_DIRECT, 1, 1, 1, 300,
                 1, 5, 0, 910 + i, CLCONV_BOUNDARY_NONE, 0, {0, 0}, 0},
                {CONV_2D, FORM_HOST, CLCONV_F32, modes[m], CLCONV_METHOD_DIRECT, 1, 1, 37, 45, 5,
                 11, 1, 920 + i, CLCONV_BOUNDARY_NONE, 0, {0, 0}, 0},
                {CONV_2D, FORM_DEVICE, CLCONV_F64, modes[m], CLCONV_METHOD_DIRECT, 0, 2, 9, 40, 3,
                 29, 0, 930 + i, CLCONV_BOUNDARY_NONE, 0, {0, 0}, 0},
            };
            conv_cases_check(rt, cases, sizeof cases / sizeof cases[0]);
        }
    }
    /* Malformed shapes are refused, naming the variable. */
    static const char *const bad[] = {"strip:16,8",       "strip:16,8,8,3", "strip:12,8,8",
                                      "strip:16,4,8,0,65", "strip:16,8,8,4,", "strip:16,0,8",
                                      "strip:8,2,4,0,3,0", "strip:8,2,4,0,3,65", "cube:1,2,3"};
    const float x[16] = {0}, h[4] = {0};
    float y[19];
    clconv_conv_options o = {.mode = CLCONV_MODE_FULL, .method = CLCONV_METHOD_DIRECT};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("CLCONV_DIRECT_PARAMS", bad[i], 1);
        ASSERT_FAILS(rt, clconv_conv1d_host(rt, CLCONV_F32, x, 16, 1, h, 4, y, &o),
                     CLCONV_EINVAL);
        assert_last_error_has(rt, "CLCONV_DIRECT_PARAMS");
    }
    unsetenv("CLCONV_DIRECT_PARAMS");
}
END_TEST

Suite *clconv_test_suite_conv(void)
{
    Suite *s = suite_create("conv");
    TCase *plain = test_tcase_bare("sizes");
    TCase *args = test_tcase("arguments");

    tcase_add_test(plain, test_conv_output_size);
    tcase_add_test(plain, test_conv_names);
    tcase_add_test(args, test_conv1d_buffer_errors);
    tcase_add_test(args, test_conv2d_buffer_errors);
    tcase_add_test(args, test_separable_buffer_errors);
    tcase_add_test(args, test_conv_host_errors);
    tcase_add_test(args, test_conv_unsupported_precision);
    TCase *params = test_tcase("direct_params");
    tcase_add_test(params, test_conv_direct_params);
    suite_add_tcase(s, params);
    suite_add_tcase(s, plain);
    suite_add_tcase(s, args);
    return s;
}
