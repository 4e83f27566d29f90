/*
 * Integer images and outputs (CLCONV_U8, CLCONV_U16, CLCONV_I16): 2-D
 * convolution through clconv_conv2d_host_typed and clconv_conv2d with
 * integer buffers (every pairing of an integer or float input with an
 * integer or float output, both compute precisions, the three output modes
 * and the five boundary modes, convolution and correlation), and every
 * other path, which converts on the device in a pass of its own: 1-D, 3-D,
 * separable, FFT, rank-1 kernels split in two passes, and streaming past a
 * small allocation limit; all against the double reference rounded to
 * nearest (ties to even) and saturated as test_store does. Taps are
 * multiples of 1/4 (separable factors' products of them) and inputs
 * integers, few enough that every direct sum is exact in float32 and ties
 * (x.5) occur: direct results must match exactly, and the inputs span each
 * type's range so that outputs cross both ends of it. An FFT result may
 * round any value within its error bound of the exact one. Also the dtype
 * names and the combinations still refused.
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

/* Whether got is what an output of dtype out may hold for the exact value
 * want computed within allowed: exactly it, rounded and saturated, when
 * allowed is 0; else any value that a result within allowed of want
 * rounds and saturates to (rounding and saturation are monotonic). */
static int output_ok(clconv_dtype out, double want, double got, double allowed)
{
    if (out == CLCONV_F32 || out == CLCONV_F64) return fabs(got - want) <= allowed;
    return got >= test_saturate(out, want - allowed) && got <= test_saturate(out, want + allowed);
}

/* The allowance of a result by the method that ran: direct sums of these
 * inputs are exact (file comment); FFT errs normwise (reference.h). */
static double allowed_error(clconv_dtype dtype, clconv_method chosen, size_t full,
                            double norm_product)
{
    return chosen == CLCONV_METHOD_FFT ? ref_fft_error(dtype, full, norm_product) : 0.0;
}

/* Runs one case and compares every output exactly (direct) or within the
 * FFT's bound, where the automatic method chose FFT. */
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
    double norm_x = 0.0;
    for (size_t b = 0; b < c->batch; b++) {
        double norm = ref_norm2(x + b * n, n);
        if (c->boundary) {
            ref_ndimage nd = {c->rows,     c->cols,     c->krows, c->kcols,
                              c->correlate, c->boundary, c->cval,  {0, 0}};
            ref_ndimage_conv(&nd, x + b * n, h, want + b * no, NULL, &norm);
        } else {
            ref_conv(&p, x + b * n, h, want + b * no, NULL);
        }
        if (norm > norm_x) norm_x = norm;
    }

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
    const double allowed =
        allowed_error(c->dtype, o.chosen, (c->rows + 2 * c->krows) * (c->cols + 2 * c->kcols),
                      norm_x * ref_norm2(h, nk));
    for (size_t i = 0; i < GUARD; i++)
        ck_assert_msg(ot[out_bytes + i] == CANARY, "byte %zu past the output was written", i);
    for (size_t b = 0; b < c->batch; b++) {
        test_load(c->out, got, ot + b * no * ob, no);
        for (size_t i = 0; i < no; i++)
            ck_assert_msg(output_ok(c->out, want[b * no + i], got[i], allowed),
                          "%s -> %s (compute %s) %zux%zu * %zux%zu mode %s boundary %s corr %d "
                          "%s: [%zu][%zu][%zu] is %.17g, want %.17g rounded",
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

/* NaN and infinities reach integer outputs as OpenCV's saturate_cast takes
 * them (NaN to the type's lowest value, infinities to its ends), through a
 * 1-tap window and a 3x3 one (conv_rows' fused stores on CPUs), zero and
 * mirror borders; values next to a NaN or an infinity turn NaN through the
 * zero taps, as the double reference has them. */
START_TEST(test_integer_nonfinite)
{
    clconv_runtime *rt = test_runtime();
    enum { COLS = 80 };
    float x[2 * COLS];
    double xd[2 * COLS], want[2 * COLS];
    for (int i = 0; i < 2 * COLS; i++) x[i] = (float)(i % 7) * 40.25f - 60.0f;
    x[3] = NAN, x[20] = INFINITY, x[41] = -INFINITY, x[COLS + 60] = NAN, x[COLS + 79] = INFINITY;
    x[COLS + 5] = 1e30f, x[COLS + 33] = -1e30f;
    for (int i = 0; i < 2 * COLS; i++) xd[i] = x[i];
    float w3[9] = {0, 0, 0, 0, 1, 0, 0, 0.5f, 0};
    const struct { const float *w; size_t k; } windows[] = {{w3 + 4, 1}, {w3, 3}};
    const clconv_dtype outs[] = {CLCONV_U8, CLCONV_U16, CLCONV_I16};
    const clconv_boundary borders[] = {CLCONV_BOUNDARY_NONE, CLCONV_BOUNDARY_MIRROR};
    for (size_t wi = 0; wi < 2; wi++) {
        const size_t k = windows[wi].k;
        double hd[9];
        for (size_t i = 0; i < k * k; i++) hd[i] = windows[wi].w[i];
        for (size_t bi = 0; bi < 2; bi++) {
            /* The double reference: correlation, 'same' with zeros outside
             * or ndimage's with the mirror border. */
            if (borders[bi] == CLCONV_BOUNDARY_MIRROR) {
                const ref_ndimage p = {.rows = 2, .cols = COLS, .krows = k, .kcols = k,
                                       .correlate = 1, .boundary = CLCONV_BOUNDARY_MIRROR};
                ref_ndimage_conv(&p, xd, hd, want, NULL, NULL);
            } else {
                const ref_problem p = {2, COLS, k, k, CLCONV_MODE_SAME, 1};
                ref_conv(&p, xd, hd, want, NULL);
            }
            clconv_conv_options o = {.mode = CLCONV_MODE_SAME, .correlate = 1,
                                     .boundary = borders[bi]};
            for (size_t oi = 0; oi < 3; oi++) {
                uint16_t got[2 * COLS], expect[2 * COLS];
                ASSERT_OK(rt, clconv_conv2d_host_typed(rt, CLCONV_F32, x, 2, COLS, 1, CLCONV_F32,
                                                       windows[wi].w, k, k, outs[oi], got, &o));
                test_store(outs[oi], expect, want, 2 * COLS);
                ck_assert_msg(memcmp(got, expect, 2 * COLS * test_dtype_bytes(outs[oi])) == 0,
                              "%zux%zu window, %s border, %s: differs from saturate_cast", k, k,
                              clconv_boundary_name(borders[bi]), clconv_dtype_name(outs[oi]));
            }
        }
    }
}
END_TEST

/* A case on one of the paths that convert in a pass of their own. */
typedef struct path_case {
    int dims;      /* 1, 2 or 3 */
    int separable; /* the kernel is the outer product of its factors */
    int device;    /* buffer form */
    clconv_dtype in, dtype, out;
    clconv_method method;
    clconv_mode mode;
    clconv_boundary boundary;
    double cval;
    int correlate;
    size_t batch, n[3], k[3]; /* depth, rows, columns (1-D {1, 1, n}, 2-D {1, rows, cols}) */
    int rank1; /* a dense kernel that is a column times a row (2-D host form only) */
    uint64_t seed;
} path_case;

static size_t prod3(const size_t e[3]) { return e[0] * e[1] * e[2]; }

/* Calls the form c names with typed host arrays. */
static int path_call(clconv_runtime *rt, const path_case *c, const void *x, const void *h,
                     void *const f[3], void *y, size_t out_count, clconv_conv_options *o)
{
    const test_conv_form form = {c->dims,  c->separable, c->device, c->in, c->dtype,
                                 c->out,   c->batch,     {c->n[0], c->n[1], c->n[2]},
                                 {c->k[0], c->k[1], c->k[2]}};
    return test_conv_form_call(rt, &form, x, h, f, y, out_count, o);
}

/* Runs one path case against the 3-D reference: exactly where the method
 * is direct, within the FFT's bound otherwise. */
static void run_path_case(clconv_runtime *rt, const path_case *c)
{
    test_rng rng;
    test_rng_seed(&rng, c->seed);
    const size_t nx = c->batch * prod3(c->n), nk = prod3(c->k);
    size_t out[3];
    if (c->boundary) {
        memcpy(out, c->n, sizeof out);
    } else {
        ref_problem3 p = {{c->n[0], c->n[1], c->n[2]}, {c->k[0], c->k[1], c->k[2]}, c->mode,
                          c->correlate};
        ck_assert_int_eq(ref_output_dims3(&p, out), 0);
    }
    const size_t per = prod3(out), no = c->batch * per;
    double *x = malloc(nx * sizeof *x), *h = malloc(nk * sizeof *h), *want = malloc(no * sizeof *want);
    double *got = malloc(no * sizeof *got), *fv[3];
    void *ft[3];
    ck_assert(x && h && want && got);
    long lo, hi;
    input_range(c->in, &lo, &hi);
    for (size_t i = 0; i < nx; i++) {
        const uint64_t r = test_rng_next(&rng) % 8;
        x[i] = r == 0 ? (double)lo : r == 1 ? (double)hi : (double)test_rng_int(&rng, lo, hi);
    }
    /* Quarters in -2 ... 2 (factors: -1 ... 1); a rank-1 kernel is the
     * product of such a column and row. */
    for (int d = 0; d < 3; d++) {
        fv[d] = malloc(c->k[d] * sizeof *fv[d]);
        ft[d] = test_alloc(c->dtype, c->k[d]);
        ck_assert_ptr_nonnull(fv[d]);
        for (size_t i = 0; i < c->k[d]; i++)
            fv[d][i] = (c->separable || c->rank1) && !(c->dims == 2 && d == 0)
                           ? (double)test_rng_int(&rng, -4, 4) / 4
                           : 1.0;
        test_store(c->dtype, ft[d], fv[d], c->k[d]);
    }
    for (size_t a = 0; a < c->k[0]; a++)
        for (size_t b = 0; b < c->k[1]; b++)
            for (size_t e = 0; e < c->k[2]; e++) {
                const size_t i = (a * c->k[1] + b) * c->k[2] + e;
                h[i] = c->separable || c->rank1 ? fv[0][a] * fv[1][b] * fv[2][e]
                                                : (double)test_rng_int(&rng, -8, 8) / 4;
            }
    double norm_x = 0.0;
    for (size_t b = 0; b < c->batch; b++) {
        double norm = ref_norm2(x + b * prod3(c->n), prod3(c->n));
        if (c->boundary) {
            ref_ndimage3 nd = {{c->n[0], c->n[1], c->n[2]},
                               {c->k[0], c->k[1], c->k[2]},
                               c->correlate,
                               c->boundary,
                               c->cval,
                               {0, 0, 0}};
            ref_ndimage_conv3(&nd, x + b * prod3(c->n), h, want + b * per, NULL, &norm);
        } else {
            ref_problem3 p = {{c->n[0], c->n[1], c->n[2]}, {c->k[0], c->k[1], c->k[2]}, c->mode,
                              c->correlate};
            ref_conv3(&p, x + b * prod3(c->n), h, want + b * per, NULL);
        }
        if (norm > norm_x) norm_x = norm;
    }
    void *xt = test_alloc(c->in, nx), *ht = test_alloc(c->dtype, nk), *yt = test_alloc(c->out, no);
    test_store(c->in, xt, x, nx);
    test_store(c->dtype, ht, h, nk);
    clconv_conv_options o = {.mode = c->boundary ? CLCONV_MODE_SAME : c->mode,
                             .method = c->method,
                             .correlate = c->correlate,
                             .boundary = c->boundary,
                             .cval = c->cval};
    ASSERT_OK(rt, path_call(rt, c, xt, ht, ft, yt, no, &o));
    size_t full = 1;
    for (int d = 0; d < 3; d++) full *= c->n[d] + 2 * c->k[d];
    const double allowed = allowed_error(c->dtype, o.chosen, full, norm_x * ref_norm2(h, nk));
    test_load(c->out, got, yt, no);
    for (size_t i = 0; i < no; i++)
        ck_assert_msg(output_ok(c->out, want[i], got[i], allowed),
                      "%d-D%s%s %s %s -> %s (compute %s) batch %zu %zux%zux%zu * %zux%zux%zu mode "
                      "%s boundary %s corr %d method %s: output %zu of item %zu is %.17g, want "
                      "%.17g rounded (allowed %.3g)",
                      c->dims, c->separable ? " separable" : "", c->rank1 ? " rank-1" : "",
                      c->device ? "device" : "host", clconv_dtype_name(c->in),
                      clconv_dtype_name(c->out), clconv_dtype_name(c->dtype), c->batch, c->n[0],
                      c->n[1], c->n[2], c->k[0], c->k[1], c->k[2], clconv_mode_name(o.mode),
                      clconv_boundary_name(c->boundary), c->correlate,
                      clconv_method_name(o.chosen), i % per, i / per, got[i], want[i], allowed);
    for (int d = 0; d < 3; d++) {
        free(fv[d]);
        free(ft[d]);
    }
    free(x);
    free(h);
    free(want);
    free(got);
    free(xt);
    free(ht);
    free(yt);
}

/* The paths that convert in a pass of their own, in both precisions:
 * 1-D, 3-D, separable (2-D and 3-D), FFT, a rank-1 dense kernel, host and
 * buffer forms, boundary modes. Sums stay exact (at most 9 dense taps;
 * separable factors of uint8 inputs). */
START_TEST(test_integer_paths)
{
    clconv_runtime *rt = test_runtime();
    const clconv_dtype dt = (clconv_dtype)_i;
    if (!conv_dtype_supported(rt, dt)) return;
    const clconv_method D = CLCONV_METHOD_DIRECT, F = CLCONV_METHOD_FFT;
    const path_case cases[] = {
        {.dims = 1, .in = CLCONV_U8, .dtype = dt, .out = CLCONV_U8, .method = D,
         .mode = CLCONV_MODE_SAME, .batch = 3, .n = {1, 1, 1000}, .k = {1, 1, 7}, .seed = 1},
        {.dims = 1, .device = 1, .in = CLCONV_I16, .dtype = dt, .out = CLCONV_I16, .method = D,
         .mode = CLCONV_MODE_FULL, .correlate = 1, .batch = 2, .n = {1, 1, 300},
         .k = {1, 1, 9}, .seed = 2},
        {.dims = 1, .in = CLCONV_U16, .dtype = dt, .out = dt, .method = D,
         .mode = CLCONV_MODE_VALID, .batch = 1, .n = {1, 1, 5}, .k = {1, 1, 8}, .seed = 3},
        {.dims = 1, .in = dt, .dtype = dt, .out = CLCONV_U8, .method = D,
         .boundary = CLCONV_BOUNDARY_WRAP, .batch = 2, .n = {1, 1, 50}, .k = {1, 1, 6},
         .seed = 4},
        {.dims = 3, .in = CLCONV_U8, .dtype = dt, .out = CLCONV_U8, .method = D,
         .mode = CLCONV_MODE_FULL, .batch = 2, .n = {6, 10, 12}, .k = {2, 2, 2}, .seed = 5},
        {.dims = 3, .device = 1, .in = CLCONV_U16, .dtype = dt, .out = CLCONV_I16, .method = D,
         .boundary = CLCONV_BOUNDARY_REFLECT, .correlate = 1, .batch = 1, .n = {5, 7, 9},
         .k = {1, 3, 3}, .seed = 6},
        {.dims = 2, .separable = 1, .in = CLCONV_U8, .dtype = dt, .out = CLCONV_U8, .method = D,
         .mode = CLCONV_MODE_SAME, .batch = 2, .n = {1, 23, 31}, .k = {1, 3, 5}, .seed = 7},
        {.dims = 2, .separable = 1, .device = 1, .in = CLCONV_U8, .dtype = dt, .out = CLCONV_U8,
         .method = D, .boundary = CLCONV_BOUNDARY_NEAREST, .correlate = 1, .batch = 1,
         .n = {1, 17, 19}, .k = {1, 5, 4}, .seed = 8},
        {.dims = 3, .separable = 1, .in = CLCONV_U8, .dtype = dt, .out = CLCONV_I16, .method = D,
         .mode = CLCONV_MODE_VALID, .batch = 1, .n = {6, 8, 9}, .k = {2, 3, 2}, .seed = 9},
        {.dims = 2, .in = CLCONV_U8, .dtype = dt, .out = CLCONV_U8, .method = F,
         .mode = CLCONV_MODE_SAME, .batch = 2, .n = {1, 40, 37}, .k = {1, 5, 5}, .seed = 10},
        {.dims = 2, .device = 1, .in = CLCONV_I16, .dtype = dt, .out = CLCONV_I16, .method = F,
         .boundary = CLCONV_BOUNDARY_MIRROR, .batch = 1, .n = {1, 30, 33}, .k = {1, 3, 4},
         .seed = 11},
        {.dims = 1, .in = CLCONV_U16, .dtype = dt, .out = CLCONV_U16, .method = F,
         .mode = CLCONV_MODE_FULL, .correlate = 1, .batch = 2, .n = {1, 1, 700},
         .k = {1, 1, 40}, .seed = 12},
        {.dims = 3, .in = CLCONV_U8, .dtype = dt, .out = dt, .method = F,
         .mode = CLCONV_MODE_SAME, .batch = 1, .n = {8, 9, 10}, .k = {3, 3, 3}, .seed = 13},
        {.dims = 2, .rank1 = 1, .in = CLCONV_U8, .dtype = dt, .out = CLCONV_U8,
         .method = CLCONV_METHOD_AUTO, .mode = CLCONV_MODE_SAME, .batch = 1,
         .n = {1, 200, 190}, .k = {1, 9, 9}, .seed = 14},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_path_case(rt, &cases[i]);
}
END_TEST

/* Integer host forms larger than the allocation limit stream in pieces,
 * each converted on the device: whole images, slabs of rows, a gathered
 * halo, volume slabs. */
START_TEST(test_integer_stream)
{
    clconv_runtime *rt = test_small_runtime();
    const clconv_dtype dt = CLCONV_F32;
    const path_case cases[] = {
        {.dims = 2, .in = CLCONV_U8, .dtype = dt, .out = CLCONV_U8,
         .method = CLCONV_METHOD_DIRECT, .mode = CLCONV_MODE_SAME, .batch = 1,
         .n = {1, 300, 300}, .k = {1, 3, 3}, .seed = 21},
        {.dims = 2, .in = CLCONV_U16, .dtype = dt, .out = CLCONV_U8,
         .method = CLCONV_METHOD_DIRECT, .boundary = CLCONV_BOUNDARY_REFLECT, .batch = 1,
         .n = {1, 150, 120}, .k = {1, 3, 3}, .correlate = 1, .seed = 22},
        {.dims = 1, .in = CLCONV_I16, .dtype = dt, .out = CLCONV_I16,
         .method = CLCONV_METHOD_FFT, .mode = CLCONV_MODE_FULL, .batch = 4,
         .n = {1, 1, 6000}, .k = {1, 1, 9}, .seed = 23},
        {.dims = 3, .in = CLCONV_U8, .dtype = dt, .out = CLCONV_U8,
         .method = CLCONV_METHOD_DIRECT, .boundary = CLCONV_BOUNDARY_CONSTANT, .cval = 300.5,
         .batch = 1, .n = {10, 40, 40}, .k = {2, 2, 2}, .seed = 24},
        {.dims = 2, .separable = 1, .in = CLCONV_U8, .dtype = dt, .out = CLCONV_U8,
         .method = CLCONV_METHOD_DIRECT, .mode = CLCONV_MODE_VALID, .batch = 2,
         .n = {1, 130, 110}, .k = {1, 5, 3}, .seed = 25},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_path_case(rt, &cases[i]);
    clconv_runtime_destroy(rt);
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

/* The combinations the dtype rules still refuse, naming what. */
START_TEST(test_integer_refusals)
{
    clconv_runtime *rt = test_runtime();
    uint8_t img[64] = {0};
    float k[9] = {0}, out[256];
    ASSERT_FAILS(rt, clconv_conv2d_host_typed(rt, CLCONV_U8, img, 8, 8, 1, CLCONV_U8, img, 3, 3,
                                              CLCONV_U8, out, NULL),
                 CLCONV_EINVAL);
    assert_last_error_has(rt, "the kernel is uint8");
    ASSERT_FAILS(rt, clconv_conv2d_host_typed(rt, CLCONV_U8, img, 8, 8, 1, CLCONV_F32, k, 3, 3,
                                              CLCONV_F64, out, NULL),
                 CLCONV_EINVAL);
    assert_last_error_has(rt, "the output is float64");
    ASSERT_FAILS(rt, clconv_conv2d_host_typed(rt, (clconv_dtype)7, img, 8, 8, 1, CLCONV_F32, k,
                                              3, 3, CLCONV_F32, out, NULL),
                 CLCONV_EINVAL);
    assert_last_error_has(rt, "unknown signal dtype 7");
    ASSERT_FAILS(rt, clconv_conv1d_host(rt, CLCONV_U8, img, 8, 1, img, 3, out, NULL),
                 CLCONV_EINVAL);
    assert_last_error_has(rt, "the kernel is uint8");
    ASSERT_FAILS(rt, clconv_conv2d_separable_host(rt, CLCONV_I16, img, 4, 4, 1, img, 3, img, 3,
                                                  out, NULL),
                 CLCONV_EINVAL);
    assert_last_error_has(rt, "the kernel is int16");
    /* A complex output of real operands, an integer one of complex ones. */
    ASSERT_FAILS(rt, clconv_conv1d_host_typed(rt, CLCONV_U8, img, 8, 1, CLCONV_F32, k, 3,
                                              CLCONV_C64, out, NULL),
                 CLCONV_EINVAL);
    assert_last_error_has(rt, "the output is complex64");
    ASSERT_FAILS(rt, clconv_conv1d_host_typed(rt, CLCONV_C64, img, 4, 1, CLCONV_F32, k, 3,
                                              CLCONV_U8, out, NULL),
                 CLCONV_EINVAL);
    assert_last_error_has(rt, "the output is uint8 but a complex64 signal");
    clconv_buffer *bx, *bk, *bo;
    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_U16, 32, NULL, &bx));
    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_F32, 9, k, &bk));
    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_F64, 256, NULL, &bo));
    ASSERT_FAILS(rt, clconv_conv1d(rt, bx, 32, 1, bk, 9, bo, NULL), CLCONV_EINVAL);
    assert_last_error_has(rt, "the output is float64 but the signal (uint16)");
    ASSERT_FAILS(rt, clconv_conv1d(rt, bx, 32, 1, bx, 9, bo, NULL), CLCONV_EINVAL);
    assert_last_error_has(rt, "the kernel is uint16");
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
    tcase_add_test(tc, test_integer_nonfinite);
    tcase_add_loop_test(tc, test_integer_paths, CLCONV_F32, CLCONV_F64 + 1);
    tcase_add_test(tc, test_integer_stream);
    tcase_add_test(tc, test_integer_names);
    tcase_add_test(tc, test_integer_refusals);
    suite_add_tcase(s, tc);
    return s;
}
