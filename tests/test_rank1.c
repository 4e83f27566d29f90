/*
 * Dense kernels of rank 1 (host/rank1.c): the rank test on its own, then
 * host-form 2-D calls with such kernels against the double-precision
 * reference and its 2-D tolerance, over every output mode and boundary mode,
 * convolution and correlation, float32 and float64. Whether a call was split
 * is read from the runtime's notes (stderr captured in a file): a Gaussian,
 * a box, a random outer product with sign flips and one with a zero row are
 * split; a rank-1 kernel perturbed beyond the tolerance is not, and gives
 * the reference's result as it is.
 */
#include "harness.h"
#include "plan.h"
#include "reference.h"
#include "suites.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define K 15 /* kernel side: large enough that two passes pay on a 256^2 image */

typedef enum kind { GAUSS, BOX, OUTER, ZERO_ROW, NEAR, DENSE, KINDS } kind;
static const char *const kind_names[] = {"gaussian", "box", "outer", "zero row", "near rank 1",
                                         "dense"};

/* The kernel of kind into h (K x K doubles), drawn from seed. NEAR is the
 * outer product with one tap off by 64 units of roundoff of dtype: eight
 * times what the test accepts, far below anything visible in a result. */
static void make_kernel(kind k, clconv_dtype dtype, uint64_t seed, double *h)
{
    test_rng rng;
    double c[K], r[K];
    test_rng_seed(&rng, seed);
    for (int i = 0; i < K; i++) {
        const double t = i - K / 2;
        switch (k) {
        case GAUSS: c[i] = r[i] = exp(-t * t / 18.0); break;
        case BOX: c[i] = r[i] = 1.0; break;
        default:
            c[i] = test_rng_uniform(&rng);
            r[i] = test_rng_uniform(&rng);
        }
    }
    if (k == ZERO_ROW) c[3] = 0.0;
    for (int i = 0; i < K * K; i++)
        h[i] = k == DENSE ? test_rng_uniform(&rng) : c[i / K] * r[i % K];
    if (k == GAUSS) /* normalised, as a blur is */
        for (int i = 0; i < K * K; i++) h[i] /= 2.0 * M_PI * 9.0;
    /* The taps as the precision holds them; the reference uses these. */
    void *t = test_alloc(dtype, K * K);
    test_store(dtype, t, h, K * K);
    test_load(dtype, h, t, K * K);
    free(t);
    if (k == NEAR) h[K + 2] *= 1.0 + 64.0 * (dtype == CLCONV_F64 ? 0x1p-53 : 0x1p-24);
}

START_TEST(test_rank1_factors)
{
    const clconv_dtype dtype = (clconv_dtype)_i;
    const double u = dtype == CLCONV_F64 ? 0x1p-53 : 0x1p-24;
    double h[K * K], col[K], row[K], residual;
    void *t = test_alloc(dtype, K * K), *c = test_alloc(dtype, K), *r = test_alloc(dtype, K);
    for (int k = 0; k < KINDS; k++) {
        make_kernel((kind)k, dtype, 10 + k, h);
        test_store(dtype, t, h, K * K);
        const int split = clconv__rank1_factors(dtype, t, K, K, c, r, &residual);
        ck_assert_msg(split == (k != NEAR && k != DENSE), "%s: split %d (residual %g)",
                      kind_names[k], split, residual);
        if (!split) continue;
        test_load(dtype, col, c, K);
        test_load(dtype, row, r, K);
        for (int i = 0; i < K * K; i++)
            ck_assert_msg(fabs(col[i / K] * row[i % K] - h[i]) <= 8 * u * fabs(h[i]),
                          "%s: tap %d is %.17g, factors give %.17g", kind_names[k], i, h[i],
                          col[i / K] * row[i % K]);
        /* Integer kernels get integer factors, so integer data stays exact. */
        if (k == BOX)
            for (int i = 0; i < K; i++) ck_assert(col[i] == 1.0 && row[i] == 1.0);
    }
    /* Sobel's kernel: integer factors whatever tap is the pivot. */
    static const double sobel[9] = {1, 0, -1, 2, 0, -2, 1, 0, -1};
    test_store(dtype, t, sobel, 9);
    ck_assert(clconv__rank1_factors(dtype, t, 3, 3, c, r, &residual));
    ck_assert(residual == 0.0);
    /* A NaN off the pivot's row and column: left alone, or the factors
     * would replace it with a number. */
    make_kernel(OUTER, dtype, 5, h);
    h[2 * K + 3] = NAN;
    test_store(dtype, t, h, K * K);
    ck_assert(!clconv__rank1_factors(dtype, t, K, K, c, r, &residual));
    /* All zero: left alone. */
    memset(t, 0, K * K * test_dtype_bytes(dtype));
    ck_assert(!clconv__rank1_factors(dtype, t, K, K, c, r, &residual));
    free(t);
    free(c);
    free(r);
}
END_TEST

/* The notes of everything run between capture_begin and capture_end. */
typedef struct capture {
    char *dir;
    int fd, saved;
} capture;

static void capture_begin(capture *cap)
{
    char path[4200];
    cap->dir = test_tempdir();
    snprintf(path, sizeof path, "%s/stderr.txt", cap->dir);
    cap->fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    ck_assert_int_ge(cap->fd, 0);
    fflush(stderr);
    cap->saved = dup(STDERR_FILENO);
    ck_assert_int_ge(cap->saved, 0);
    ck_assert_int_ge(dup2(cap->fd, STDERR_FILENO), 0);
}

/* Returns the captured text (the caller frees it). */
static char *capture_end(capture *cap)
{
    fflush(stderr);
    dup2(cap->saved, STDERR_FILENO);
    close(cap->saved);
    off_t size = lseek(cap->fd, 0, SEEK_END);
    char *text = malloc((size_t)size + 1);
    ck_assert_ptr_nonnull(text);
    ssize_t got = pread(cap->fd, text, (size_t)size, 0);
    close(cap->fd);
    text[got > 0 ? got : 0] = '\0';
    test_rmtree_free(cap->dir);
    return text;
}

/* One call through clconv_conv2d_host, checked against the reference with
 * the 2-D direct tolerance (that of K * K terms); returns whether the notes
 * say the kernel ran as two passes. */
static int run_case(clconv_runtime *rt, clconv_dtype dtype, kind k, clconv_mode mode,
                    clconv_boundary boundary, int correlate, uint64_t seed)
{
    enum { R = 256, C = 256 };
    static double x[R * C], want[(R + K) * (C + K)], bound[(R + K) * (C + K)];
    static double got[(R + K) * (C + K)];
    double h[K * K];
    test_rng rng;
    size_t orows = R, ocols = C;

    test_rng_seed(&rng, seed);
    for (size_t i = 0; i < R * C; i++) x[i] = test_rng_uniform(&rng);
    make_kernel(k, dtype, seed, h);
    if (boundary) {
        const ref_ndimage nd = {R, C, K, K, correlate, boundary, 0.5, {1, -2}};
        ref_ndimage_conv(&nd, x, h, want, bound, NULL);
    } else {
        const ref_problem p = {R, C, K, K, mode, correlate};
        ck_assert_int_eq(ref_output_dims(&p, &orows, &ocols), 0);
        ref_conv(&p, x, h, want, bound);
    }
    void *xt = test_alloc(dtype, R * C), *ht = test_alloc(dtype, K * K);
    void *out = test_alloc(dtype, orows * ocols);
    test_store(dtype, xt, x, R * C);
    test_store(dtype, ht, h, K * K);
    clconv_conv_options o = {.mode = mode, .correlate = correlate, .boundary = boundary};
    if (boundary) {
        o.cval = boundary == CLCONV_BOUNDARY_CONSTANT ? 0.5 : 0.0;
        o.origin[0] = 1;
        o.origin[1] = -2;
    }
    capture cap;
    capture_begin(&cap);
    int st = clconv_conv2d_host(rt, dtype, xt, R, C, 1, ht, K, K, out, &o);
    char *notes = capture_end(&cap);
    ASSERT_OK(rt, st);
    ck_assert_int_eq(o.chosen, CLCONV_METHOD_DIRECT);

    test_load(dtype, got, out, orows * ocols);
    double largest = 0;
    for (size_t i = 0; i < orows * ocols; i++) largest = fmax(largest, bound[i]);
    const double allowed = ref_direct_error(dtype, K * K, largest);
    const size_t bad = ref_first_mismatch(want, got, orows * ocols, allowed);
    ck_assert_msg(bad == orows * ocols,
                  "%s kernel, %s, mode %s, boundary %s%s: output %zu is %.17g, want %.17g "
                  "(allowed %.3g)",
                  kind_names[k], dtype == CLCONV_F64 ? "f64" : "f32", clconv_mode_name(mode),
                  clconv_boundary_name(boundary), correlate ? ", correlation" : "", bad,
                  got[bad], want[bad], allowed);
    const int split = strstr(notes, "is rank 1") != NULL;
    ck_assert_msg(split || strstr(notes, "not rank 1") || k == DENSE,
                  "the notes name no rank test: %s", notes);
    free(notes);
    free(xt);
    free(ht);
    free(out);
    return split;
}

START_TEST(test_rank1_results)
{
    const clconv_dtype dtype = (clconv_dtype)_i;
    clconv_runtime_options ro = {.verbose = 1};
    clconv_runtime *rt = NULL;
    ASSERT_OK(NULL, clconv_runtime_create_ex(&rt, &ro));
    if (!conv_dtype_supported(rt, dtype)) {
        clconv_runtime_destroy(rt);
        return;
    }
    uint64_t seed = 100 * (uint64_t)dtype;
    for (int k = 0; k < KINDS; k++) {
        const int want_split = k != NEAR && k != DENSE;
        for (int m = 0; m < 3; m++, seed++)
            ck_assert_int_eq(run_case(rt, dtype, (kind)k, (clconv_mode)m, CLCONV_BOUNDARY_NONE,
                                      (int)(seed % 2), seed),
                             want_split);
        for (int b = CLCONV_BOUNDARY_CONSTANT; b <= CLCONV_BOUNDARY_WRAP; b++, seed++)
            ck_assert_int_eq(run_case(rt, dtype, (kind)k, CLCONV_MODE_SAME, (clconv_boundary)b,
                                      (int)(seed % 2), seed),
                             want_split);
    }
    clconv_runtime_destroy(rt);
}
END_TEST

Suite *clconv_test_suite_rank1(void)
{
    Suite *s = suite_create("rank1");
    TCase *tc = test_tcase_bare("rank1");
    tcase_add_loop_test(tc, test_rank1_factors, CLCONV_F32, CLCONV_F64 + 1);
    tcase_add_loop_test(tc, test_rank1_results, CLCONV_F32, CLCONV_F64 + 1);
    suite_add_tcase(s, tc);
    return s;
}
