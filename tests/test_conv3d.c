/*
 * Results of clconv_conv3d, clconv_conv3d_host and the separable forms
 * against the double-precision 3-D reference (reference.c): sweeps of odd
 * volume and kernel shapes (single voxels, primes, even kernels, kernels
 * larger than the volume) over every mode, convolution and correlation and
 * both precisions; every boundary mode with cval and origins from one end
 * of their range to the other; direct and FFT forced; batches; separable
 * kernels; host forms streamed in slabs through a small allocation limit
 * under every boundary mode;
 * the automatic method under default and measured 3-D models (results,
 * whichever method it picks); and the arguments refused.
 */
#include "harness.h"
#include "plan.h"
#include "reference.h"
#include "suites.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Elements after the output that must survive, and their fill. */
#define GUARD 64
#define FILL 0x7F

typedef struct case3 {
    int device;            /* 1: buffer form, else host form */
    int separable;         /* kernel = kz (x) ky (x) kx */
    clconv_dtype dtype;
    clconv_mode mode;
    clconv_method method;
    int correlate;
    size_t batch;
    size_t n[3], k[3];     /* depth, rows, columns */
    int integer;           /* inputs in -4 ... 4: direct results exact */
    uint64_t seed;
    clconv_boundary boundary;
    double cval;
    long origin[3];
} case3;

static void describe(const case3 *c, char *buf, size_t cap)
{
    snprintf(buf, cap,
             "%s%s %s batch %zu, volume %zux%zux%zu, kernel %zux%zux%zu, %s, %s, %s, %s, seed "
             "%llu, boundary %s cval %g origin (%ld, %ld, %ld)",
             c->separable ? "separable " : "", c->device ? "device" : "host",
             c->dtype == CLCONV_F64 ? "f64" : "f32", c->batch, c->n[0], c->n[1], c->n[2],
             c->k[0], c->k[1], c->k[2], clconv_mode_name(c->mode),
             clconv_method_name(c->method), c->correlate ? "correlation" : "convolution",
             c->integer ? "integer" : "uniform", (unsigned long long)c->seed,
             clconv_boundary_name(c->boundary), c->cval, c->origin[0], c->origin[1],
             c->origin[2]);
}

static size_t prod(const size_t e[3]) { return e[0] * e[1] * e[2]; }

static void draw(const case3 *c, test_rng *rng, double *v, void *typed, size_t count)
{
    for (size_t i = 0; i < count; i++)
        v[i] = c->integer ? (double)test_rng_int(rng, -4, 4) : test_rng_uniform(rng);
    test_store(c->dtype, typed, v, count);
    test_load(c->dtype, v, typed, count);
}

/* Runs c on rt; 0, or -1 with a message. The chosen method goes to
 * *chosen. */
static int run_case(clconv_runtime *rt, const case3 *c, char *msg, size_t cap)
{
    const size_t es = test_dtype_bytes(c->dtype);
    const size_t in_count = c->batch * prod(c->n), taps = prod(c->k);
    size_t out[3];
    char desc[400];
    int rc = -1;

    describe(c, desc, sizeof desc);
    if (c->boundary) {
        memcpy(out, c->n, sizeof out);
    } else {
        ref_problem3 p = {{c->n[0], c->n[1], c->n[2]}, {c->k[0], c->k[1], c->k[2]}, c->mode,
                          c->correlate};
        if (ref_output_dims3(&p, out) != 0) {
            snprintf(msg, cap, "%s: incompatible valid-mode shapes in the test", desc);
            return -1;
        }
    }
    const size_t out_count = c->batch * prod(out);
    double *x = malloc(in_count * sizeof(double)), *h = malloc(taps * sizeof(double));
    double *f[3] = {malloc(c->k[0] * sizeof(double)), malloc(c->k[1] * sizeof(double)),
                    malloc(c->k[2] * sizeof(double))};
    double *want = malloc(out_count * sizeof(double)), *bound = malloc(out_count * sizeof(double));
    double *got = malloc(out_count * sizeof(double));
    void *xt = malloc(in_count * es), *ht = malloc(taps * es);
    void *ft[3] = {malloc(c->k[0] * es), malloc(c->k[1] * es), malloc(c->k[2] * es)};
    unsigned char *yt = malloc((out_count + GUARD) * es);
    clconv_buffer *bx = NULL, *bh[3] = {NULL, NULL, NULL}, *by = NULL;
    test_rng rng;
    double ext_norm = 0.0;

    if (!x || !h || !want || !bound || !got || !xt || !ht || !yt || !f[0] || !f[1] || !f[2] ||
        !ft[0] || !ft[1] || !ft[2]) {
        snprintf(msg, cap, "%s: out of host memory", desc);
        goto done;
    }
    test_rng_seed(&rng, c->seed);
    draw(c, &rng, x, xt, in_count);
    if (c->separable) {
        for (int d = 0; d < 3; d++) draw(c, &rng, f[d], ft[d], c->k[d]);
        for (size_t a = 0; a < c->k[0]; a++)
            for (size_t b = 0; b < c->k[1]; b++)
                for (size_t e = 0; e < c->k[2]; e++)
                    h[(a * c->k[1] + b) * c->k[2] + e] = f[0][a] * f[1][b] * f[2][e];
    } else {
        draw(c, &rng, h, ht, taps);
    }
    for (size_t b = 0; b < c->batch; b++) {
        double norm = 0.0;
        if (c->boundary) {
            ref_ndimage3 nd = {{c->n[0], c->n[1], c->n[2]},
                               {c->k[0], c->k[1], c->k[2]},
                               c->correlate,
                               c->boundary,
                               c->cval,
                               {c->origin[0], c->origin[1], c->origin[2]}};
            ref_ndimage_conv3(&nd, x + b * prod(c->n), h, want + b * prod(out),
                              bound + b * prod(out), &norm);
        } else {
            ref_problem3 p = {{c->n[0], c->n[1], c->n[2]}, {c->k[0], c->k[1], c->k[2]}, c->mode,
                              c->correlate};
            ref_conv3(&p, x + b * prod(c->n), h, want + b * prod(out), bound + b * prod(out));
            norm = ref_norm2(x + b * prod(c->n), prod(c->n));
        }
        if (norm > ext_norm) ext_norm = norm;
    }
    memset(yt, FILL, (out_count + GUARD) * es);

    clconv_conv_options o = {.mode = c->mode,
                             .method = c->method,
                             .correlate = c->correlate,
                             .chosen = (clconv_method)-1,
                             .boundary = c->boundary,
                             .cval = c->cval,
                             .origin = {c->origin[0], c->origin[1], c->origin[2]}};
    int st;
    if (c->device) {
        st = clconv_buffer_create(rt, c->dtype, in_count, xt, &bx);
        if (st == 0 && c->separable)
            for (int d = 0; d < 3 && st == 0; d++)
                st = clconv_buffer_create(rt, c->dtype, c->k[d], ft[d], &bh[d]);
        else if (st == 0)
            st = clconv_buffer_create(rt, c->dtype, taps, ht, &bh[0]);
        if (st == 0) st = clconv_buffer_create(rt, c->dtype, out_count + GUARD, yt, &by);
        if (st == 0)
            st = c->separable
                     ? clconv_conv3d_separable(rt, bx, c->n[0], c->n[1], c->n[2], c->batch, bh[0],
                                               c->k[0], bh[1], c->k[1], bh[2], c->k[2], by, &o)
                     : clconv_conv3d(rt, bx, c->n[0], c->n[1], c->n[2], c->batch, bh[0], c->k[0],
                                     c->k[1], c->k[2], by, &o);
        if (st == 0) st = clconv_buffer_read(by, 0, out_count + GUARD, yt);
    } else {
        st = c->separable
                 ? clconv_conv3d_separable_host(rt, c->dtype, xt, c->n[0], c->n[1], c->n[2],
                                                c->batch, ft[0], c->k[0], ft[1], c->k[1], ft[2],
                                                c->k[2], yt, &o)
                 : clconv_conv3d_host(rt, c->dtype, xt, c->n[0], c->n[1], c->n[2], c->batch, ht,
                                      c->k[0], c->k[1], c->k[2], yt, &o);
    }
    if (st != 0) {
        snprintf(msg, cap, "%s: returned %s: %s", desc, clconv_status_name(st),
                 clconv_last_error(rt));
        goto done;
    }
    for (size_t i = out_count * es; i < (out_count + GUARD) * es; i++) {
        if (yt[i] != FILL) {
            snprintf(msg, cap, "%s: wrote past the end of the output (guard element %zu)", desc,
                     i / es - out_count);
            goto done;
        }
    }
    if (c->method == CLCONV_METHOD_AUTO
            ? o.chosen != CLCONV_METHOD_DIRECT && o.chosen != CLCONV_METHOD_FFT
            : o.chosen != c->method) {
        snprintf(msg, cap, "%s: opts.chosen is %d", desc, (int)o.chosen);
        goto done;
    }

    /* The tolerance of the method that ran (reference.h). */
    double allowed;
    if (o.chosen == CLCONV_METHOD_FFT) {
        size_t full = 1;
        for (int d = 0; d < 3; d++) full *= c->n[d] + c->k[d] - 1;
        allowed = ref_fft_error(c->dtype, full, ext_norm * ref_norm2(h, taps));
    } else if (c->integer && !c->separable) {
        allowed = 0.0;
    } else {
        double largest = 0.0;
        for (size_t i = 0; i < out_count; i++)
            if (bound[i] > largest) largest = bound[i];
        /* Three passes round three times: (sqrt(a) + sqrt(b) + sqrt(c))^2
         * <= 3 (a + b + c) terms. */
        size_t terms = c->separable ? 3 * (c->k[0] + c->k[1] + c->k[2]) : taps;
        allowed = c->integer ? 0.0 : ref_direct_error(c->dtype, terms, largest);
    }
    test_load(c->dtype, got, yt, out_count);
    size_t i = ref_first_mismatch(want, got, out_count, allowed);
    if (i < out_count) {
        const size_t per = prod(out);
        snprintf(msg, cap,
                 "%s: output [batch %zu][%zu][%zu][%zu] of %zux%zux%zu is %.17g, want %.17g "
                 "(difference %.3g, allowed %.3g, method %s)",
                 desc, i / per, i % per / (out[1] * out[2]), i % (out[1] * out[2]) / out[2],
                 i % out[2], out[0], out[1], out[2], got[i], want[i], fabs(got[i] - want[i]),
                 allowed, clconv_method_name(o.chosen));
        goto done;
    }
    rc = 0;
done:
    clconv_buffer_destroy(bx);
    clconv_buffer_destroy(by);
    for (int d = 0; d < 3; d++) {
        clconv_buffer_destroy(bh[d]);
        free(f[d]);
        free(ft[d]);
    }
    free(x);
    free(h);
    free(want);
    free(bound);
    free(got);
    free(xt);
    free(ht);
    free(yt);
    return rc;
}

static void check_case(clconv_runtime *rt, const case3 *c)
{
    char msg[1024];
    ck_assert_msg(run_case(rt, c, msg, sizeof msg) == 0, "%s", msg);
}

static void check_cases(clconv_runtime *rt, const case3 *cases, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (conv_dtype_supported(rt, cases[i].dtype)) check_case(rt, &cases[i]);
}

/* An origin for a kernel of k taps drawn from bits: either end of the
 * allowed range -(k/2) ... (k-1)/2, or anything between. */
static long pick_origin(size_t k, uint64_t bits)
{
    const long lo = -(long)(k / 2), hi = (long)((k - 1) / 2);
    switch (bits % 4) {
    case 0: return lo;
    case 1: return hi;
    default: return lo + (long)((bits >> 2) % (uint64_t)(hi - lo + 1));
    }
}

/* Every volume with every kernel, mode and direction, direct (sometimes
 * automatic), in the loop's dtype; valid-mode shapes SciPy rejects must be
 * refused. */
START_TEST(test_conv3d_sweep)
{
    static const size_t volumes[][3] = {{1, 1, 1}, {1, 1, 7}, {2, 3, 4}, {5, 5, 5},
                                        {3, 7, 2}, {7, 4, 11}, {4, 9, 33}};
    static const size_t kernels[][3] = {{1, 1, 1}, {3, 3, 3}, {2, 2, 2}, {1, 3, 2},
                                        {4, 5, 3}, {6, 8, 9}};
    static const clconv_mode modes[] = {CLCONV_MODE_FULL, CLCONV_MODE_SAME, CLCONV_MODE_VALID};
    const clconv_dtype dtype = (clconv_dtype)_i;
    clconv_runtime *rt = test_runtime();
    test_rng choice;

    if (!conv_dtype_supported(rt, dtype)) return;
    test_rng_seed(&choice, 3000 + _i);
    for (size_t v = 0; v < LEN(volumes); v++) {
        for (size_t k = 0; k < LEN(kernels); k++) {
            for (size_t m = 0; m < LEN(modes); m++) {
                for (int corr = 0; corr < 2; corr++) {
                    uint64_t r = test_rng_next(&choice);
                    case3 c = {.device = (int)(r & 1),
                               .dtype = dtype,
                               .mode = modes[m],
                               .method = (r >> 1) % 8 == 0 ? CLCONV_METHOD_AUTO
                                                           : CLCONV_METHOD_DIRECT,
                               .correlate = corr,
                               .batch = (r >> 4) % 4 == 0 ? 2 : 1,
                               .integer = (r >> 6) % 3 == 0,
                               .seed = r >> 8};
                    memcpy(c.n, volumes[v], sizeof c.n);
                    memcpy(c.k, kernels[k], sizeof c.k);
                    ref_problem3 p = {{c.n[0], c.n[1], c.n[2]}, {c.k[0], c.k[1], c.k[2]},
                                      c.mode, 0};
                    size_t out[3];
                    if (ref_output_dims3(&p, out) == 0) {
                        check_case(rt, &c);
                    } else {
                        size_t cnt = c.batch * prod(c.n) + prod(c.k);
                        void *buf = calloc(cnt, 8), *y = calloc(cnt, 8);
                        clconv_conv_options o = {.mode = c.mode};
                        ck_assert(buf && y);
                        ASSERT_FAILS(rt,
                                     clconv_conv3d_host(rt, dtype, buf, c.n[0], c.n[1], c.n[2],
                                                        c.batch, buf, c.k[0], c.k[1], c.k[2], y,
                                                        &o),
                                     CLCONV_EINVAL);
                        free(buf);
                        free(y);
                    }
                }
            }
        }
    }
}
END_TEST

/* Every boundary mode, direction and dtype with origins across their range,
 * cval, batches, both forms; direct, and FFT for some. */
START_TEST(test_conv3d_boundary)
{
    static const size_t shapes[][2][3] = {
        {{1, 1, 1}, {3, 3, 3}},  {{2, 3, 5}, {3, 2, 4}}, {{6, 5, 17}, {3, 3, 3}},
        {{4, 7, 9}, {7, 5, 4}},  {{3, 2, 2}, {5, 6, 7}}, {{9, 8, 40}, {2, 4, 6}},
    };
    static const clconv_boundary modes[] = {CLCONV_BOUNDARY_CONSTANT, CLCONV_BOUNDARY_REFLECT,
                                            CLCONV_BOUNDARY_MIRROR, CLCONV_BOUNDARY_NEAREST,
                                            CLCONV_BOUNDARY_WRAP};
    clconv_runtime *rt = test_runtime();
    test_rng choice;

    test_rng_seed(&choice, 3100);
    for (size_t s = 0; s < LEN(shapes); s++) {
        for (size_t m = 0; m < LEN(modes); m++) {
            for (int corr = 0; corr < 2; corr++) {
                uint64_t r = test_rng_next(&choice);
                case3 c = {.device = (int)(r & 1),
                           .dtype = (r >> 1) % 3 == 0 ? CLCONV_F64 : CLCONV_F32,
                           .mode = CLCONV_MODE_SAME,
                           .method = (r >> 3) % 6 == 0 ? CLCONV_METHOD_FFT : CLCONV_METHOD_DIRECT,
                           .correlate = corr,
                           .batch = (r >> 6) % 3 == 0 ? 2 : 1,
                           .integer = (r >> 8) % 3 == 0,
                           .seed = r >> 12,
                           .boundary = modes[m],
                           .cval = modes[m] == CLCONV_BOUNDARY_CONSTANT ? -1.25 : 0.0};
                memcpy(c.n, shapes[s][0], sizeof c.n);
                memcpy(c.k, shapes[s][1], sizeof c.k);
                uint64_t o = test_rng_next(&choice);
                for (int d = 0; d < 3; d++) c.origin[d] = pick_origin(c.k[d], o >> (16 * d));
                if (conv_dtype_supported(rt, c.dtype)) check_case(rt, &c);
            }
        }
    }
}
END_TEST

/* The FFT method forced: modes, directions, dtypes, batches, even and
 * prime extents, a kernel larger than the volume. */
START_TEST(test_conv3d_fft)
{
    static const case3 cases[] = {
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_FFT, .batch = 2,
         .n = {12, 13, 17}, .k = {5, 5, 5}, .seed = 1},
        {.device = 1, .dtype = CLCONV_F64, .mode = CLCONV_MODE_FULL, .method = CLCONV_METHOD_FFT,
         .correlate = 1, .batch = 1, .n = {7, 11, 6}, .k = {4, 3, 8}, .seed = 2},
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_VALID, .method = CLCONV_METHOD_FFT,
         .correlate = 1, .batch = 3, .n = {16, 9, 20}, .k = {6, 2, 7}, .seed = 3},
        {.device = 1, .dtype = CLCONV_F32, .mode = CLCONV_MODE_VALID, .method = CLCONV_METHOD_FFT,
         .batch = 1, .n = {3, 2, 5}, .k = {9, 8, 11}, .seed = 4},
        {.dtype = CLCONV_F64, .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_FFT,
         .correlate = 1, .batch = 2, .n = {1, 1, 1}, .k = {2, 2, 2}, .seed = 5},
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_FULL, .method = CLCONV_METHOD_FFT, .batch = 1,
         .n = {1, 30, 1}, .k = {1, 1, 3}, .seed = 6},
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_FFT, .batch = 1,
         .n = {10, 12, 14}, .k = {3, 4, 5}, .seed = 7, .boundary = CLCONV_BOUNDARY_REFLECT,
         .origin = {1, -2, 2}},
        {.device = 1, .dtype = CLCONV_F64, .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_FFT,
         .correlate = 1, .batch = 2, .n = {5, 6, 7}, .k = {6, 5, 4}, .seed = 8,
         .boundary = CLCONV_BOUNDARY_CONSTANT, .cval = 2.5, .origin = {-3, 2, 0}},
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_FFT, .batch = 1,
         .n = {4, 5, 6}, .k = {9, 9, 9}, .seed = 9, .boundary = CLCONV_BOUNDARY_WRAP},
    };
    check_cases(test_runtime(), cases, LEN(cases));
}
END_TEST

/* Larger volumes: many strips and rows, partial last strips, batches. */
START_TEST(test_conv3d_large)
{
    static const case3 cases[] = {
        {.device = 1, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 2, .n = {20, 33, 130}, .k = {3, 3, 3},
         .seed = 11},
        {.dtype = CLCONV_F64, .mode = CLCONV_MODE_FULL, .method = CLCONV_METHOD_DIRECT,
         .correlate = 1, .batch = 1, .n = {9, 17, 71}, .k = {7, 7, 7}, .integer = 1, .seed = 12},
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT,
         .batch = 1, .n = {16, 20, 67}, .k = {5, 4, 3}, .seed = 13,
         .boundary = CLCONV_BOUNDARY_MIRROR, .origin = {-2, 1, 0}},
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_AUTO,
         .batch = 1, .n = {24, 24, 24}, .k = {3, 3, 3}, .seed = 14},
        /* Padded slabs of a few planes (the slab budget is a few MiB), with
         * a last slab shorter than the others. */
        {.device = 1, .dtype = CLCONV_F64, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 2, .n = {45, 130, 130},
         .k = {3, 3, 3}, .seed = 15, .boundary = CLCONV_BOUNDARY_REFLECT, .origin = {1, 0, -1}},
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_FULL, .method = CLCONV_METHOD_DIRECT,
         .batch = 1, .n = {61, 150, 140}, .k = {4, 2, 3}, .integer = 1, .seed = 16},
        /* Float32 slabs of 36 planes (a multiple of conv_vol's 4-plane
         * runs) and a last one of 9 (a partial run), rows with a partial
         * strip, under CONSTANT with its cval. */
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT,
         .batch = 2, .n = {45, 130, 131}, .k = {3, 3, 3}, .seed = 17,
         .boundary = CLCONV_BOUNDARY_CONSTANT, .cval = 0.75, .origin = {-1, 1, 0}},
        /* A window past the compiled-in sizes (its loops run at run time),
         * under WRAP. */
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT,
         .correlate = 1, .batch = 1, .n = {41, 70, 97}, .k = {5, 3, 7}, .seed = 18,
         .boundary = CLCONV_BOUNDARY_WRAP, .origin = {2, 0, -3}},
    };
    check_cases(test_runtime(), cases, LEN(cases));
}
END_TEST

/* Every block shape of the 3-D direct kernel the parameter override can
 * ask for, and the one-plane strips it keeps for measuring: planes and rows
 * per work-item that do not divide the volume's, narrow vectors, window
 * sizes compiled in and not, both dtypes. */
START_TEST(test_conv3d_vol_shapes)
{
    static const case3 cases[] = {
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT,
         .batch = 2, .n = {11, 13, 37}, .k = {3, 3, 3}, .seed = 61,
         .boundary = CLCONV_BOUNDARY_REFLECT},
        {.dtype = CLCONV_F64, .mode = CLCONV_MODE_FULL, .method = CLCONV_METHOD_DIRECT,
         .correlate = 1, .batch = 1, .n = {7, 9, 20}, .k = {2, 4, 3}, .integer = 1, .seed = 62},
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_VALID, .method = CLCONV_METHOD_DIRECT,
         .batch = 1, .n = {10, 12, 40}, .k = {5, 5, 5}, .seed = 63},
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT,
         .batch = 1, .n = {9, 10, 19}, .k = {3, 2, 3}, .seed = 64,
         .boundary = CLCONV_BOUNDARY_MIRROR, .origin = {1, 0, -1}},
    };
    static const char *const shapes[] = {"16,4,4,1,4,1", "8,2,3,2,2,3", "4,3,1,3,1,5,0",
                                         "2,1,5,1,3,1,1000", "16,1,2,4,1,2", "strip"};
    for (size_t i = 0; i < LEN(shapes); i++) {
        setenv("CLCONV_VOL_PARAMS", shapes[i], 1);
        check_cases(test_runtime(), cases, LEN(cases));
    }
    unsetenv("CLCONV_VOL_PARAMS");
}
END_TEST

/* Separable kernels: every mode and boundary mode, both forms and dtypes. */
START_TEST(test_conv3d_separable)
{
    static const case3 cases[] = {
        {.separable = 1, .dtype = CLCONV_F32, .mode = CLCONV_MODE_FULL,
         .method = CLCONV_METHOD_DIRECT, .batch = 2, .n = {5, 7, 9}, .k = {3, 4, 5}, .seed = 21},
        {.separable = 1, .device = 1, .dtype = CLCONV_F64, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_AUTO, .correlate = 1, .batch = 1, .n = {6, 11, 40},
         .k = {2, 5, 7}, .seed = 22},
        {.separable = 1, .dtype = CLCONV_F32, .mode = CLCONV_MODE_VALID,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .n = {9, 8, 30}, .k = {3, 3, 3},
         .integer = 1, .seed = 23},
        {.separable = 1, .dtype = CLCONV_F32, .mode = CLCONV_MODE_VALID,
         .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 1, .n = {2, 3, 4},
         .k = {5, 6, 7}, .seed = 24},
        {.separable = 1, .device = 1, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 2, .n = {7, 6, 19}, .k = {3, 5, 4},
         .seed = 25, .boundary = CLCONV_BOUNDARY_CONSTANT, .cval = 1.5, .origin = {1, -2, 1}},
        {.separable = 1, .dtype = CLCONV_F64, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 1, .n = {4, 9, 10},
         .k = {7, 3, 6}, .seed = 26, .boundary = CLCONV_BOUNDARY_REFLECT, .origin = {-3, 1, 2}},
        {.separable = 1, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .n = {3, 3, 3}, .k = {5, 5, 5},
         .seed = 27, .boundary = CLCONV_BOUNDARY_MIRROR},
        {.separable = 1, .device = 1, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 1, .n = {8, 5, 12},
         .k = {4, 4, 4}, .seed = 28, .boundary = CLCONV_BOUNDARY_NEAREST, .origin = {-2, 1, 0}},
        {.separable = 1, .dtype = CLCONV_F64, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .n = {6, 7, 8}, .k = {3, 5, 2}, .seed = 29,
         .boundary = CLCONV_BOUNDARY_WRAP, .origin = {0, 2, -1}},
    };
    check_cases(test_runtime(), cases, LEN(cases));
}
END_TEST

/* Host forms past a 48 KiB allocation limit: groups of whole volumes, slabs
 * of output planes under every boundary mode (reflect, mirror and wrap
 * gather each slab's halo on the host through the mode, with origins, even
 * kernels and a kernel taller than the volume), the FFT and the separable
 * path through slabs. */
START_TEST(test_conv3d_stream)
{
    static const case3 cases[] = {
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_FULL, .method = CLCONV_METHOD_DIRECT,
         .correlate = 1, .batch = 1, .n = {30, 20, 40}, .k = {3, 4, 5}, .seed = 31},
        {.dtype = CLCONV_F64, .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT,
         .batch = 40, .n = {4, 5, 6}, .k = {3, 3, 3}, .integer = 1, .seed = 32},
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT,
         .batch = 2, .n = {25, 16, 50}, .k = {5, 3, 3}, .seed = 33,
         .boundary = CLCONV_BOUNDARY_CONSTANT, .cval = -0.5, .origin = {2, -1, 1}},
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT,
         .correlate = 1, .batch = 1, .n = {24, 18, 45}, .k = {4, 3, 2}, .seed = 34,
         .boundary = CLCONV_BOUNDARY_NEAREST, .origin = {-2, 0, 0}},
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_VALID, .method = CLCONV_METHOD_DIRECT,
         .batch = 1, .n = {40, 16, 30}, .k = {7, 3, 3}, .seed = 35},
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_FFT, .batch = 1,
         .n = {30, 12, 14}, .k = {3, 3, 3}, .seed = 36},
        {.separable = 1, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .n = {30, 15, 16}, .k = {3, 3, 3},
         .seed = 37, .boundary = CLCONV_BOUNDARY_NEAREST},
        /* Reflect in whole volumes: 40 small ones in groups. */
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT,
         .batch = 40, .n = {5, 6, 7}, .k = {3, 3, 3}, .seed = 38,
         .boundary = CLCONV_BOUNDARY_REFLECT},
        /* One volume past the limit, in slabs with gathered halos. */
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT,
         .batch = 1, .n = {30, 20, 40}, .k = {3, 3, 3}, .seed = 39,
         .boundary = CLCONV_BOUNDARY_REFLECT, .origin = {-1, 1, 0}},
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_AUTO,
         .correlate = 1, .batch = 2, .n = {24, 18, 45}, .k = {4, 3, 2}, .integer = 1,
         .seed = 40, .boundary = CLCONV_BOUNDARY_WRAP, .origin = {-2, 1, 0}},
        {.dtype = CLCONV_F64, .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT,
         .batch = 1, .n = {25, 16, 30}, .k = {5, 3, 4}, .seed = 41,
         .boundary = CLCONV_BOUNDARY_MIRROR, .origin = {2, -1, 1}},
        /* Rows fold twice: 9 taps over 3 rows. */
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT,
         .batch = 1, .n = {30, 3, 150}, .k = {3, 9, 3}, .seed = 42,
         .boundary = CLCONV_BOUNDARY_WRAP, .origin = {0, 4, -1}},
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT,
         .correlate = 1, .batch = 1, .n = {30, 3, 150}, .k = {2, 8, 3}, .seed = 43,
         .boundary = CLCONV_BOUNDARY_REFLECT, .origin = {-1, -4, 1}},
        {.separable = 1, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .n = {30, 15, 36}, .k = {5, 3, 4},
         .seed = 44, .boundary = CLCONV_BOUNDARY_MIRROR, .origin = {2, 0, -2}},
    };
    clconv_runtime *rt = test_small_runtime();
    check_cases(rt, cases, LEN(cases));
    clconv_runtime_destroy(rt);
}
END_TEST

/* The automatic method under the default model and under tuned models
 * whose measured 3-D figures (plan.h) make direct or FFT look far cheaper:
 * whichever it runs, the result is the reference's. Which method the model
 * picks is its business; only the results are checked. */
START_TEST(test_conv3d_auto)
{
    static const case3 cases[] = {
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_AUTO,
         .batch = 1, .n = {20, 22, 24}, .k = {3, 3, 3}, .seed = 51},
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_AUTO,
         .correlate = 1, .batch = 1, .n = {20, 22, 24}, .k = {9, 8, 9}, .seed = 52},
        {.dtype = CLCONV_F64, .mode = CLCONV_MODE_FULL, .method = CLCONV_METHOD_AUTO,
         .batch = 2, .n = {12, 10, 14}, .k = {7, 5, 6}, .seed = 53},
        {.dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_AUTO,
         .batch = 1, .n = {16, 18, 20}, .k = {5, 5, 4}, .seed = 54,
         .boundary = CLCONV_BOUNDARY_REFLECT, .origin = {1, -2, 0}},
    };
    for (int variant = 0; variant < 3; variant++) {
        clconv_runtime_options opts = {0};
        clconv_runtime *rt = NULL;
        opts.disk_cache = -1; /* the models set here reach no other runtime */
        ASSERT_OK(NULL, clconv_runtime_create_ex(&rt, &opts));
        if (variant > 0) {
            /* 1: direct slow and FFT cheap; 2: the other way round. */
            clconv__model m;
            int saved = 1;
            ASSERT_OK(rt, clconv__model_get(rt, &m));
            for (int d = 0; d < 2; d++) {
                for (int i = 0; i < CLCONV__TUNE3_SIZES; i++) {
                    m.direct3_gflops[d][i] = variant == 1 ? 1e-3 : 1e6;
                    m.fft3_factor[d][i] = variant == 1 ? 1e-3 : 1e3;
                }
            }
            ASSERT_OK(rt, clconv__model_set(rt, &m, &saved));
            ck_assert_int_eq(saved, 0);
        }
        check_cases(rt, cases, LEN(cases));
        clconv_runtime_destroy(rt);
    }
}
END_TEST

/* Arguments refused with a message. */
START_TEST(test_conv3d_invalid)
{
    clconv_runtime *rt = test_runtime();
    float x[64] = {0}, h[27] = {0}, y[64] = {0};
    clconv_conv_options o = {.mode = CLCONV_MODE_SAME, .boundary = CLCONV_BOUNDARY_NEAREST};

    o.origin[0] = 2; /* 3 taps along depth: -1 ... 1 */
    ASSERT_FAILS(rt, clconv_conv3d_host(rt, CLCONV_F32, x, 4, 4, 4, 1, h, 3, 3, 3, y, &o),
                 CLCONV_EINVAL);
    assert_last_error_has(rt, "along depth");
    o.origin[0] = 0;
    o.origin[2] = -2;
    ASSERT_FAILS(rt, clconv_conv3d_host(rt, CLCONV_F32, x, 4, 4, 4, 1, h, 3, 3, 3, y, &o),
                 CLCONV_EINVAL);
    assert_last_error_has(rt, "along columns");

    /* A 2-D call has no third origin. */
    ASSERT_FAILS(rt, clconv_conv2d_host(rt, CLCONV_F32, x, 4, 4, 1, h, 3, 3, y, &o),
                 CLCONV_EINVAL);
    assert_last_error_has(rt, "origin[2] must be 0");
    o = (clconv_conv_options){.mode = CLCONV_MODE_VALID};
    ASSERT_FAILS(rt, clconv_conv3d_host(rt, CLCONV_F32, x, 4, 2, 4, 1, h, 3, 3, 3, y, &o),
                 CLCONV_EINVAL);
    assert_last_error_has(rt, "valid mode");
    o = (clconv_conv_options){.mode = CLCONV_MODE_SAME};
    ASSERT_FAILS(rt, clconv_conv3d_host(rt, CLCONV_F32, x, 0, 4, 4, 1, h, 3, 3, 3, y, &o),
                 CLCONV_EINVAL);
    ASSERT_FAILS(rt, clconv_conv3d_host(rt, CLCONV_F32, x, 4, 4, 4, 1, h, 3, 0, 3, y, &o),
                 CLCONV_EINVAL);
    o.method = CLCONV_METHOD_FFT;
    ASSERT_FAILS(rt,
                 clconv_conv3d_separable_host(rt, CLCONV_F32, x, 4, 4, 4, 1, h, 3, h, 3, h, 3, y,
                                              &o),
                 CLCONV_ENOTSUP);
    ASSERT_FAILS(rt,
                 clconv_conv3d_separable_host(rt, CLCONV_F32, x, 4, 4, 4, 1, h, 3, h, 3, NULL, 3,
                                              y, &o),
                 CLCONV_EINVAL);
    /* A malformed override of the direct kernel's shape (no planes per
     * work-item). */
    o = (clconv_conv_options){.mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT};
    setenv("CLCONV_VOL_PARAMS", "16,4,0,1,4,1", 1);
    const int status = clconv_conv3d_host(rt, CLCONV_F32, x, 4, 4, 4, 1, h, 3, 3, 3, y, &o);
    unsetenv("CLCONV_VOL_PARAMS");
    ck_assert_int_eq(status, CLCONV_EINVAL);
    assert_last_error_has(rt, "CLCONV_VOL_PARAMS");
}
END_TEST

Suite *clconv_test_suite_conv3d(void)
{
    Suite *s = suite_create("conv3d");
    TCase *tc = test_tcase("conv3d");

    tcase_add_loop_test(tc, test_conv3d_sweep, CLCONV_F32, CLCONV_F64 + 1);
    tcase_add_test(tc, test_conv3d_boundary);
    tcase_add_test(tc, test_conv3d_fft);
    tcase_add_test(tc, test_conv3d_large);
    tcase_add_test(tc, test_conv3d_vol_shapes);
    tcase_add_test(tc, test_conv3d_separable);
    tcase_add_test(tc, test_conv3d_stream);
    tcase_add_test(tc, test_conv3d_auto);
    tcase_add_test(tc, test_conv3d_invalid);
    suite_add_tcase(s, tc);
    return s;
}
