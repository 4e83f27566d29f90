/*
 * Complex convolution (host/complex.c) against the complex double-precision
 * reference (reference.c: ref_conv3c, ref_ndimage_conv3c, computed in
 * complex arithmetic, 1-D and 2-D as volumes of one plane and one row):
 * complex64 and complex128, complex x complex, a complex signal with a real
 * kernel, a real (or uint8) signal with a complex kernel; 1-D, 2-D, 3-D;
 * every output mode and every boundary mode with cval and origins;
 * correlation, which conjugates a complex kernel; batches; direct and FFT
 * forced; separable kernels with real and with complex factors; host,
 * typed host and buffer forms; streaming through a small allocation limit;
 * single samples, primes and kernels longer than the signal; and the dtype
 * combinations the rules refuse, each with a message naming the operand.
 */
#include "harness.h"
#include "reference.h"
#include "suites.h"

#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

typedef struct cx_case {
    int dims;              /* 1, 2 or 3 */
    int separable;         /* the kernel is the outer product of its factors */
    int device;            /* 1: buffer form, else host form */
    clconv_dtype in, kern; /* the signal's and the kernel's (factors') dtypes */
    clconv_mode mode;
    clconv_method method;
    int correlate;
    size_t batch;
    size_t n[3], k[3]; /* depth, rows, columns: 1-D {1, 1, n}, 2-D {1, rows, cols} */
    clconv_boundary boundary;
    double cval;
    long origin[3]; /* per axis as the reference takes it: depth, rows, columns */
    uint64_t seed;
} cx_case;

static size_t prod(const size_t e[3]) { return e[0] * e[1] * e[2]; }

static int is_complex(clconv_dtype d) { return d == CLCONV_C64 || d == CLCONV_C128; }

static clconv_dtype precision(clconv_dtype d)
{
    return d == CLCONV_F64 || d == CLCONV_C128 ? CLCONV_F64 : CLCONV_F32;
}

static clconv_dtype out_dtype(const cx_case *c)
{
    const clconv_dtype p = precision(c->kern);
    if (is_complex(c->in) || is_complex(c->kern)) return p == CLCONV_F64 ? CLCONV_C128 : CLCONV_C64;
    return p;
}

/* Bytes per element, written here rather than asked of the library. */
static size_t bytes_of(clconv_dtype d)
{
    switch (d) {
    case CLCONV_C128: return 2 * sizeof(double);
    case CLCONV_C64: return 2 * sizeof(float);
    default: return test_dtype_bytes(d);
    }
}

/* Stores v as element i of an array of dtype d (rounded to its precision)
 * and returns the value stored, as the reference must see it. */
static double complex put(clconv_dtype d, void *a, size_t i, double complex v)
{
    switch (d) {
    case CLCONV_C64:
        ((float *)a)[2 * i] = (float)creal(v);
        ((float *)a)[2 * i + 1] = (float)cimag(v);
        return CMPLX((float)creal(v), (float)cimag(v));
    case CLCONV_C128:
        ((double *)a)[2 * i] = creal(v);
        ((double *)a)[2 * i + 1] = cimag(v);
        return v;
    case CLCONV_F64: ((double *)a)[i] = creal(v); return creal(v);
    case CLCONV_U8: ((unsigned char *)a)[i] = (unsigned char)creal(v); return creal(v);
    default: ((float *)a)[i] = (float)creal(v); return (float)creal(v);
    }
}

static double complex get(clconv_dtype d, const void *a, size_t i)
{
    switch (d) {
    case CLCONV_C64: return CMPLX(((const float *)a)[2 * i], ((const float *)a)[2 * i + 1]);
    case CLCONV_C128: return CMPLX(((const double *)a)[2 * i], ((const double *)a)[2 * i + 1]);
    case CLCONV_F64: return ((const double *)a)[i];
    default: return ((const float *)a)[i];
    }
}

/* Random values for an array of dtype d: complex in the unit square, real
 * in [-1, 1), uint8 over its whole range. */
static void draw(clconv_dtype d, test_rng *rng, double complex *v, void *typed, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        double complex x;
        if (d == CLCONV_U8) x = (double)test_rng_int(rng, 0, 255);
        else if (is_complex(d)) x = CMPLX(test_rng_uniform(rng), test_rng_uniform(rng));
        else x = test_rng_uniform(rng);
        v[i] = put(d, typed, i, x);
    }
}

static void describe(const cx_case *c, char *buf, size_t cap)
{
    snprintf(buf, cap,
             "%d-D%s %s %s signal * %s kernel, batch %zu, signal %zux%zux%zu, kernel "
             "%zux%zux%zu, %s, %s, %s, boundary %s cval %g origin (%ld, %ld, %ld), seed %llu",
             c->dims, c->separable ? " separable" : "", c->device ? "device" : "host",
             clconv_dtype_name(c->in), clconv_dtype_name(c->kern), c->batch, c->n[0], c->n[1],
             c->n[2], c->k[0], c->k[1], c->k[2], clconv_mode_name(c->mode),
             clconv_method_name(c->method), c->correlate ? "correlation" : "convolution",
             clconv_boundary_name(c->boundary), c->cval, c->origin[0], c->origin[1],
             c->origin[2], (unsigned long long)c->seed);
}

/* Calls the API form c names. x, h (or the factors f[0..2], depth, rows,
 * columns) and y are host arrays of the case's dtypes. */
static int call(clconv_runtime *rt, const cx_case *c, const void *x, const void *h,
                void *const f[3], void *y, size_t out_count, clconv_conv_options *o)
{
    const test_conv_form form = {c->dims,   c->separable, c->device, c->in, c->kern,
                                 out_dtype(c), c->batch,  {c->n[0], c->n[1], c->n[2]},
                                 {c->k[0], c->k[1], c->k[2]}};
    return test_conv_form_call(rt, &form, x, h, f, y, out_count, o);
}

/* The error allowed in each real and imaginary part of an output
 * (reference.h gives the real bounds; bound[] and the norms are of the
 * complex operands, moduli):
 *  - direct: a part of an output is a sum of 2K real products (K taps;
 *    re = sum a kr - b ki), whose magnitudes sum to at most the complex
 *    bound (|a||kr| + |b||ki| <= |x||h|, Cauchy-Schwarz); counting 2K terms
 *    also covers the combining pass's one rounding (u |value| <= u bound,
 *    and sqrt(2K) >= sqrt(K) + 1/lambda for K >= 1). Separable passes round
 *    once each: (sqrt(a) + sqrt(b) + sqrt(c))^2 <= 3 (a + b + c) terms. With
 *    complex factors each of the 2^D real products of their parts errs on
 *    its own, and those products' moduli sum to at most 2^(D/2) |h|
 *    (|re| + |im| <= sqrt(2) |z| per factor); the signal's two planes
 *    another sqrt(2); a factor 2 more covers the additions of the products.
 *  - FFT: each real run errs normwise, ||a|| ||kr|| + ||b|| ||ki|| <=
 *    ||x|| ||h|| (Cauchy-Schwarz), plus the combining rounding, at most
 *    u ||x|| ||h|| (an eighth of the FFT allowance): twice the real
 *    allowance of ||x|| ||h|| covers both. */
static double allowed_error(const cx_case *c, clconv_method chosen, double max_bound,
                            double norm_product)
{
    const clconv_dtype p = precision(c->kern);
    if (chosen == CLCONV_METHOD_FFT) {
        size_t full = 1;
        for (int d = 0; d < 3; d++) full *= c->n[d] + 2 * c->k[d];
        return ref_fft_error(p, full, 2.0 * norm_product);
    }
    if (!c->separable) return ref_direct_error(p, 2 * prod(c->k), max_bound);
    const size_t terms = 3 * (c->k[0] + c->k[1] + c->k[2]);
    double e = ref_direct_error(p, 2 * terms, max_bound);
    if (is_complex(c->kern)) e *= pow(2.0, c->dims / 2.0) * sqrt(2.0) * 2.0;
    return e;
}

/* Runs c on rt and checks every output; 0, or -1 with a message. */
static int run_case(clconv_runtime *rt, const cx_case *c, char *msg, size_t cap)
{
    const clconv_dtype od = out_dtype(c);
    const size_t in_count = c->batch * prod(c->n), taps = prod(c->k);
    size_t out[3];
    char desc[512];
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
    const size_t per = prod(out), out_count = c->batch * per;
    double complex *x = malloc(in_count * sizeof *x), *h = malloc(taps * sizeof *h);
    double complex *fv[3] = {malloc(c->k[0] * sizeof *x), malloc(c->k[1] * sizeof *x),
                             malloc(c->k[2] * sizeof *x)};
    double complex *want = malloc(out_count * sizeof *want);
    double *bound = malloc(out_count * sizeof *bound);
    void *xt = malloc(in_count * bytes_of(c->in)), *ht = malloc(taps * bytes_of(c->kern));
    void *ft[3] = {malloc(c->k[0] * bytes_of(c->kern)), malloc(c->k[1] * bytes_of(c->kern)),
                   malloc(c->k[2] * bytes_of(c->kern))};
    void *yt = malloc(out_count * bytes_of(od));
    test_rng rng;
    double norm_x = 0.0;

    if (!x || !h || !want || !bound || !xt || !ht || !yt || !fv[0] || !fv[1] || !fv[2] ||
        !ft[0] || !ft[1] || !ft[2]) {
        snprintf(msg, cap, "%s: out of host memory", desc);
        goto done;
    }
    test_rng_seed(&rng, c->seed);
    draw(c->in, &rng, x, xt, in_count);
    if (c->separable) {
        for (int d = 0; d < 3; d++) draw(c->kern, &rng, fv[d], ft[d], c->k[d]);
        /* 2-D: the depth factor is the single tap 1 and not passed. */
        if (c->dims == 2) fv[0][0] = 1.0;
        for (size_t a = 0; a < c->k[0]; a++)
            for (size_t b = 0; b < c->k[1]; b++)
                for (size_t e = 0; e < c->k[2]; e++)
                    h[(a * c->k[1] + b) * c->k[2] + e] = fv[0][a] * fv[1][b] * fv[2][e];
    } else {
        draw(c->kern, &rng, h, ht, taps);
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
            ref_ndimage_conv3c(&nd, x + b * prod(c->n), h, want + b * per, bound + b * per,
                               &norm);
        } else {
            ref_problem3 p = {{c->n[0], c->n[1], c->n[2]}, {c->k[0], c->k[1], c->k[2]}, c->mode,
                              c->correlate};
            ref_conv3c(&p, x + b * prod(c->n), h, want + b * per, bound + b * per);
            for (size_t i = 0; i < prod(c->n); i++) {
                const double complex v = x[b * prod(c->n) + i];
                norm += creal(v) * creal(v) + cimag(v) * cimag(v);
            }
            norm = sqrt(norm);
        }
        if (norm > norm_x) norm_x = norm;
    }
    double norm_h = 0.0, max_bound = 0.0;
    for (size_t i = 0; i < taps; i++) norm_h += creal(h[i] * conj(h[i]));
    norm_h = sqrt(norm_h);
    for (size_t i = 0; i < out_count; i++)
        if (bound[i] > max_bound) max_bound = bound[i];
    /* NaN in every output: one that the call does not write fails. */
    for (size_t i = 0; i < out_count; i++) put(od, yt, i, CMPLX(NAN, NAN));

    /* The caller's axes, outermost first, from the reference's. */
    clconv_conv_options o = {.mode = c->mode,
                             .method = c->method,
                             .correlate = c->correlate,
                             .chosen = (clconv_method)-1,
                             .boundary = c->boundary,
                             .cval = c->cval};
    for (int a = 0; a < c->dims; a++) o.origin[a] = c->origin[3 - c->dims + a];
    int st = call(rt, c, xt, ht, ft, yt, out_count, &o);
    if (st != 0) {
        snprintf(msg, cap, "%s: returned %s: %s", desc, clconv_status_name(st),
                 clconv_last_error(rt));
        goto done;
    }
    if (c->method == CLCONV_METHOD_AUTO
            ? o.chosen != CLCONV_METHOD_DIRECT && o.chosen != CLCONV_METHOD_FFT
            : o.chosen != c->method) {
        snprintf(msg, cap, "%s: opts.chosen is %d", desc, (int)o.chosen);
        goto done;
    }
    const double allowed = allowed_error(c, o.chosen, max_bound, norm_x * norm_h);
    for (size_t i = 0; i < out_count; i++) {
        const double complex got = get(od, yt, i);
        /* Written so that a NaN fails. */
        if (!(fabs(creal(got) - creal(want[i])) <= allowed) ||
            !(fabs(cimag(got) - cimag(want[i])) <= allowed)) {
            snprintf(msg, cap,
                     "%s: output %zu of batch item %zu is %.10g%+.10gi, want %.10g%+.10gi "
                     "(allowed %.3g per part, method %s)",
                     desc, i % per, i / per, creal(got), cimag(got), creal(want[i]),
                     cimag(want[i]), allowed, clconv_method_name(o.chosen));
            goto done;
        }
    }
    rc = 0;
done:
    for (int d = 0; d < 3; d++) {
        free(fv[d]);
        free(ft[d]);
    }
    free(x);
    free(h);
    free(want);
    free(bound);
    free(xt);
    free(ht);
    free(yt);
    return rc;
}

static void check_case(clconv_runtime *rt, const cx_case *c)
{
    char msg[1024];
    if (run_case(rt, c, msg, sizeof msg) != 0) ck_abort_msg("%s", msg);
}

/* The dtype pairs (signal, kernel) of one precision. */
static void pairs(clconv_dtype p, clconv_dtype out[3][2])
{
    const clconv_dtype cx = p == CLCONV_F64 ? CLCONV_C128 : CLCONV_C64;
    const clconv_dtype v[3][2] = {{cx, cx}, {cx, p}, {p, cx}};
    memcpy(out, v, sizeof v);
}

/* A shape along one axis, drawn: single samples, primes, even lengths. */
static const size_t lengths[] = {1, 2, 3, 5, 8, 13, 31, 64, 97};

/* Draws shapes for a dims-dimensional case: valid mode keeps one operand at
 * least as large as the other in every dimension, as SciPy requires. */
static void draw_shape(test_rng *rng, int dims, clconv_mode mode, size_t n[3], size_t k[3],
                       size_t most)
{
    for (int d = 0; d < 3; d++) n[d] = k[d] = 1;
    const int kernel_larger = test_rng_int(rng, 0, 4) == 0;
    for (int d = 3 - dims; d < 3; d++) {
        size_t a, b;
        do {
            a = lengths[test_rng_int(rng, 0, LEN(lengths) - 1)];
            b = lengths[test_rng_int(rng, 0, LEN(lengths) - 1)];
        } while (a > most || b > most);
        if (mode == CLCONV_MODE_VALID && (kernel_larger ? b < a : a < b)) {
            const size_t t = a;
            a = b;
            b = t;
        }
        n[d] = a;
        k[d] = b;
    }
}

/* A sweep of random cases of one dimensionality: every dtype pair of both
 * precisions, every mode, both operations, direct and FFT, batch 1 or 3,
 * host and buffer forms. */
static void sweep(int dims, int separable, size_t count, size_t most, uint64_t seed)
{
    clconv_runtime *rt = test_runtime();
    test_rng rng;
    test_rng_seed(&rng, seed);
    for (int pi = 0; pi < 2; pi++) {
        const clconv_dtype p = pi ? CLCONV_F64 : CLCONV_F32;
        if (!conv_dtype_supported(rt, p)) continue;
        clconv_dtype pr[3][2];
        pairs(p, pr);
        for (size_t i = 0; i < count; i++) {
            const int which = (int)(i % 3);
            cx_case c = {.dims = dims,
                         .separable = separable,
                         .device = test_rng_int(&rng, 0, 2) == 0,
                         .in = pr[which][0],
                         .kern = pr[which][1],
                         .mode = (clconv_mode)(i / 3 % 3),
                         .method = separable ? CLCONV_METHOD_DIRECT
                                             : (test_rng_int(&rng, 0, 1) ? CLCONV_METHOD_FFT
                                                                         : CLCONV_METHOD_DIRECT),
                         .correlate = (int)(i / 9 % 2),
                         .batch = test_rng_int(&rng, 0, 2) == 0 ? 3 : 1,
                         .seed = seed * 1000 + i};
            /* The typed separable host forms take real factors only: a
             * real signal with complex factors goes through buffers. */
            if (separable && c.in != c.kern && is_complex(c.kern)) c.device = 1;
            draw_shape(&rng, dims, c.mode, c.n, c.k, most);
            check_case(rt, &c);
        }
    }
}

START_TEST(test_complex_names)
{
    ck_assert_uint_eq(clconv_dtype_size(CLCONV_C64), 8);
    ck_assert_uint_eq(clconv_dtype_size(CLCONV_C128), 16);
    ck_assert_str_eq(clconv_dtype_name(CLCONV_C64), "complex64");
    ck_assert_str_eq(clconv_dtype_name(CLCONV_C128), "complex128");
    clconv_dtype d = CLCONV_F32;
    ASSERT_OK(NULL, clconv_dtype_parse("complex64", &d));
    ck_assert_int_eq(d, CLCONV_C64);
    ASSERT_OK(NULL, clconv_dtype_parse("complex128", &d));
    ck_assert_int_eq(d, CLCONV_C128);
    ASSERT_FAILS(NULL, clconv_dtype_parse("complex256", &d), CLCONV_EINVAL);
    assert_last_error_has(NULL, "complex256");
}
END_TEST

START_TEST(test_complex_1d) { sweep(1, 0, 36, 97, 11); }
END_TEST

START_TEST(test_complex_2d) { sweep(2, 0, 27, 13, 12); }
END_TEST

START_TEST(test_complex_3d) { sweep(3, 0, 18, 5, 13); }
END_TEST

START_TEST(test_complex_separable) { sweep(2, 1, 18, 31, 14); sweep(3, 1, 9, 8, 15); }
END_TEST

/* Shapes at the edges, each with every dtype pair: single samples, a kernel
 * longer than the signal (valid swaps them), primes. */
START_TEST(test_complex_edges)
{
    clconv_runtime *rt = test_runtime();
    static const size_t shapes[][2] = {{1, 1}, {1, 7}, {5, 1}, {3, 11}, {11, 3}, {127, 61}};
    clconv_dtype pr[3][2];
    pairs(CLCONV_F32, pr);
    for (size_t s = 0; s < LEN(shapes); s++)
        for (int w = 0; w < 3; w++)
            for (int m = 0; m < 3; m++)
                for (int meth = 1; meth <= 2; meth++) {
                    cx_case c = {.dims = 1,
                                 .in = pr[w][0],
                                 .kern = pr[w][1],
                                 .mode = (clconv_mode)m,
                                 .method = (clconv_method)meth,
                                 .correlate = (int)(s % 2),
                                 .batch = 2,
                                 .n = {1, 1, shapes[s][0]},
                                 .k = {1, 1, shapes[s][1]},
                                 .seed = 100 + s};
                    check_case(rt, &c);
                }
}
END_TEST

/* Every boundary mode, with cval (which only the real plane reads, as in
 * scipy.ndimage) and origins at both ends of their range, in 1-D, 2-D and
 * 3-D, convolution and correlation, direct and FFT, every dtype pair. */
START_TEST(test_complex_boundary)
{
    clconv_runtime *rt = test_runtime();
    static const clconv_boundary modes[] = {CLCONV_BOUNDARY_CONSTANT, CLCONV_BOUNDARY_REFLECT,
                                            CLCONV_BOUNDARY_MIRROR, CLCONV_BOUNDARY_NEAREST,
                                            CLCONV_BOUNDARY_WRAP};
    test_rng rng;
    test_rng_seed(&rng, 21);
    for (int pi = 0; pi < 2; pi++) {
        const clconv_dtype p = pi ? CLCONV_F64 : CLCONV_F32;
        if (!conv_dtype_supported(rt, p)) continue;
        clconv_dtype pr[3][2];
        pairs(p, pr);
        for (size_t mi = 0; mi < LEN(modes); mi++)
            for (int dims = 1; dims <= 3; dims++)
                for (int w = 0; w < 3; w++) {
                    cx_case c = {.dims = dims,
                                 .device = w == 1,
                                 .in = pr[w][0],
                                 .kern = pr[w][1],
                                 .mode = CLCONV_MODE_SAME,
                                 .method = (w + dims) % 2 ? CLCONV_METHOD_FFT
                                                          : CLCONV_METHOD_DIRECT,
                                 .correlate = (int)((mi + (size_t)w) % 2),
                                 .batch = dims == 3 ? 1 : 2,
                                 .boundary = modes[mi],
                                 .cval = modes[mi] == CLCONV_BOUNDARY_CONSTANT ? 1.5 : 0.0,
                                 .seed = 200 + mi * 10 + (size_t)dims};
                    draw_shape(&rng, dims, CLCONV_MODE_SAME, c.n, c.k, dims == 3 ? 5 : 31);
                    /* An origin at one end of its range or the other. */
                    for (int d = 3 - dims; d < 3; d++) {
                        const long k = (long)c.k[d];
                        c.origin[d] = test_rng_int(&rng, 0, 1) ? (k - 1) / 2 : -(k / 2);
                    }
                    check_case(rt, &c);
                }
    }
}
END_TEST

/* cval with a complex signal and both kernels: the planes then run as two
 * real batches (the imaginary plane reads 0 outside), so check that path
 * in both forms and with separable real factors. */
START_TEST(test_complex_cval)
{
    clconv_runtime *rt = test_runtime();
    static const cx_case cases[] = {
        {.dims = 1, .in = CLCONV_C64, .kern = CLCONV_C64, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 3, .n = {1, 1, 40},
         .k = {1, 1, 9}, .boundary = CLCONV_BOUNDARY_CONSTANT, .cval = -2.0,
         .origin = {0, 0, 3}, .seed = 301},
        {.dims = 2, .device = 1, .in = CLCONV_C64, .kern = CLCONV_F32,
         .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_FFT, .batch = 2, .n = {1, 17, 23},
         .k = {1, 4, 5}, .boundary = CLCONV_BOUNDARY_CONSTANT, .cval = 3.0,
         .origin = {0, -2, 1}, .seed = 302},
        {.dims = 2, .separable = 1, .in = CLCONV_C64, .kern = CLCONV_F32,
         .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT, .batch = 2, .n = {1, 19, 21},
         .k = {1, 5, 3}, .boundary = CLCONV_BOUNDARY_CONSTANT, .cval = 0.5, .seed = 303},
        {.dims = 3, .in = CLCONV_C64, .kern = CLCONV_C64, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_FFT, .correlate = 1, .batch = 1, .n = {6, 7, 8},
         .k = {3, 2, 3}, .boundary = CLCONV_BOUNDARY_CONSTANT, .cval = 1.0,
         .origin = {1, 0, -1}, .seed = 304},
    };
    for (size_t i = 0; i < LEN(cases); i++) check_case(rt, &cases[i]);
}
END_TEST

/* A uint8 signal with a complex kernel (typed forms), converted on the
 * device before the kernel's two parts run. */
START_TEST(test_complex_integer_signal)
{
    clconv_runtime *rt = test_runtime();
    for (int dims = 1; dims <= 3; dims++)
        for (int meth = 1; meth <= 2; meth++) {
            cx_case c = {.dims = dims,
                         .device = meth == 2 && dims == 2,
                         .in = CLCONV_U8,
                         .kern = CLCONV_C64,
                         .mode = (clconv_mode)(dims % 3),
                         .method = (clconv_method)meth,
                         .correlate = dims == 2,
                         .batch = 2,
                         .n = {dims == 3 ? 6 : 1, dims >= 2 ? 9 : 1, 30},
                         .k = {dims == 3 ? 2 : 1, dims >= 2 ? 3 : 1, 5},
                         .seed = 400 + (uint64_t)dims};
            check_case(rt, &c);
        }
    cx_case c = {.dims = 2, .in = CLCONV_U8, .kern = CLCONV_C128, .mode = CLCONV_MODE_SAME,
                 .method = CLCONV_METHOD_DIRECT, .batch = 1, .n = {1, 12, 12}, .k = {1, 3, 3},
                 .boundary = CLCONV_BOUNDARY_REFLECT, .seed = 410};
    if (conv_dtype_supported(rt, CLCONV_F64)) check_case(rt, &c);
}
END_TEST

/* Host forms larger than the allocation limit stream in pieces, complex
 * ones too: whole signals, slabs of rows, gathered halos, volume slabs. */
START_TEST(test_complex_stream)
{
    clconv_runtime *rt = test_small_runtime();
    static const cx_case cases[] = {
        {.dims = 1, .in = CLCONV_C64, .kern = CLCONV_C64, .mode = CLCONV_MODE_FULL,
         .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 1, .n = {1, 1, 20000},
         .k = {1, 1, 33}, .seed = 501},
        {.dims = 1, .in = CLCONV_F32, .kern = CLCONV_C64, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_FFT, .batch = 6, .n = {1, 1, 3000}, .k = {1, 1, 40},
         .seed = 502},
        {.dims = 2, .in = CLCONV_C64, .kern = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .n = {1, 120, 100}, .k = {1, 5, 4},
         .boundary = CLCONV_BOUNDARY_REFLECT, .origin = {0, 1, -1}, .seed = 503},
        {.dims = 2, .in = CLCONV_C64, .kern = CLCONV_C64, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .n = {1, 90, 80}, .k = {1, 3, 3},
         .boundary = CLCONV_BOUNDARY_CONSTANT, .cval = 0.25, .seed = 504},
        {.dims = 2, .separable = 1, .in = CLCONV_C64, .kern = CLCONV_F32,
         .mode = CLCONV_MODE_VALID, .method = CLCONV_METHOD_DIRECT, .batch = 1,
         .n = {1, 100, 90}, .k = {1, 7, 5}, .seed = 505},
        {.dims = 3, .in = CLCONV_C64, .kern = CLCONV_C64, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .n = {12, 30, 30}, .k = {3, 3, 3},
         .boundary = CLCONV_BOUNDARY_WRAP, .seed = 506},
        {.dims = 1, .in = CLCONV_C128, .kern = CLCONV_F64, .mode = CLCONV_MODE_VALID,
         .method = CLCONV_METHOD_FFT, .batch = 2, .n = {1, 1, 5000}, .k = {1, 1, 100},
         .seed = 507},
    };
    for (size_t i = 0; i < LEN(cases); i++)
        if (conv_dtype_supported(rt, precision(cases[i].kern))) check_case(rt, &cases[i]);
    clconv_runtime_destroy(rt);
}
END_TEST

/* Complex factors of a separable kernel (the single-dtype and buffer
 * forms): 2^D real products of their parts. */
START_TEST(test_complex_factors)
{
    clconv_runtime *rt = test_runtime();
    static const cx_case cases[] = {
        {.dims = 2, .separable = 1, .in = CLCONV_C64, .kern = CLCONV_C64,
         .mode = CLCONV_MODE_FULL, .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 2,
         .n = {1, 11, 13}, .k = {1, 3, 4}, .seed = 601},
        {.dims = 2, .separable = 1, .device = 1, .in = CLCONV_C64, .kern = CLCONV_C64,
         .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_AUTO, .batch = 1, .n = {1, 20, 9},
         .k = {1, 5, 2}, .boundary = CLCONV_BOUNDARY_MIRROR, .origin = {0, 2, 0}, .seed = 602},
        {.dims = 3, .separable = 1, .in = CLCONV_C64, .kern = CLCONV_C64,
         .mode = CLCONV_MODE_VALID, .method = CLCONV_METHOD_DIRECT, .correlate = 1, .batch = 1,
         .n = {5, 6, 7}, .k = {2, 3, 2}, .seed = 603},
        {.dims = 3, .separable = 1, .device = 1, .in = CLCONV_C128, .kern = CLCONV_C128,
         .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT, .batch = 2, .n = {4, 5, 6},
         .k = {3, 2, 3}, .boundary = CLCONV_BOUNDARY_CONSTANT, .cval = 2.0, .seed = 604},
    };
    for (size_t i = 0; i < LEN(cases); i++)
        if (conv_dtype_supported(rt, precision(cases[i].kern))) check_case(rt, &cases[i]);
}
END_TEST

/* The combinations the dtype rules refuse, each CLCONV_EINVAL with a
 * message naming the operand, before any output is written. */
START_TEST(test_complex_refusals)
{
    clconv_runtime *rt = test_runtime();
    float x[16] = {0}, k[4] = {0}, out[64];
    double kd[4] = {0};
    unsigned char ku[4] = {0};
    for (size_t i = 0; i < LEN(out); i++) out[i] = 7.0f;

    /* Mixed precisions: complex64 signal, float64 kernel. */
    ASSERT_FAILS(rt,
                 clconv_conv1d_host_typed(rt, CLCONV_C64, x, 8, 1, CLCONV_F64, kd, 2,
                                          CLCONV_C128, out, NULL),
                 CLCONV_EINVAL);
    assert_last_error_has(rt, "the signal is complex64 but the kernel is float64");
    /* A complex result requested as real. */
    ASSERT_FAILS(rt,
                 clconv_conv1d_host_typed(rt, CLCONV_C64, x, 8, 1, CLCONV_C64, k, 2, CLCONV_F32,
                                          out, NULL),
                 CLCONV_EINVAL);
    assert_last_error_has(rt, "the output is float32 but a complex64 signal");
    ASSERT_FAILS(rt,
                 clconv_conv2d_host_typed(rt, CLCONV_F32, x, 4, 4, 1, CLCONV_C64, k, 2, 2,
                                          CLCONV_U8, out, NULL),
                 CLCONV_EINVAL);
    assert_last_error_has(rt, "the output is uint8");
    /* A real result requested as complex. */
    ASSERT_FAILS(rt,
                 clconv_conv3d_host_typed(rt, CLCONV_F32, x, 2, 2, 4, 1, CLCONV_F32, k, 1, 2, 2,
                                          CLCONV_C64, out, NULL),
                 CLCONV_EINVAL);
    assert_last_error_has(rt, "the output is complex64 but the signal (float32)");
    /* Integer kernels. */
    ASSERT_FAILS(rt,
                 clconv_conv1d_host_typed(rt, CLCONV_U8, x, 8, 1, CLCONV_U8, ku, 2, CLCONV_F32,
                                          out, NULL),
                 CLCONV_EINVAL);
    assert_last_error_has(rt, "the kernel is uint8");
    /* Complex factors in the typed separable forms, whose factors are real. */
    ASSERT_FAILS(rt,
                 clconv_conv2d_separable_host_typed(rt, CLCONV_C64, x, 4, 4, 1, CLCONV_C64, k, 2,
                                                    k, 2, CLCONV_C64, out, NULL),
                 CLCONV_EINVAL);
    assert_last_error_has(rt, "factors of a typed separable call are real");
    /* Buffers: separable factors of two dtypes. */
    clconv_buffer *bx, *bc, *br, *by;
    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_C64, 16, NULL, &bx));
    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_C64, 2, NULL, &bc));
    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_F32, 2, NULL, &br));
    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_C64, 64, NULL, &by));
    ASSERT_FAILS(rt, clconv_conv2d_separable(rt, bx, 4, 4, 1, bc, 2, br, 2, by, NULL),
                 CLCONV_EINVAL);
    assert_last_error_has(rt, "row kernel buffer is float32 but the column kernel is complex64");
    /* A complex64 buffer signal with a float32 output buffer. */
    clconv_buffer *bo;
    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_F32, 64, NULL, &bo));
    ASSERT_FAILS(rt, clconv_conv1d(rt, bx, 16, 1, br, 2, bo, NULL), CLCONV_EINVAL);
    assert_last_error_has(rt, "the output is float32");
    clconv_buffer_destroy(bx);
    clconv_buffer_destroy(bc);
    clconv_buffer_destroy(br);
    clconv_buffer_destroy(by);
    clconv_buffer_destroy(bo);
    /* Nothing was written by the refused calls. */
    for (size_t i = 0; i < LEN(out); i++) ck_assert_float_eq(out[i], 7.0f);
}
END_TEST

Suite *clconv_test_suite_complex(void)
{
    Suite *s = suite_create("complex");
    TCase *tc = test_tcase("complex");
    tcase_add_test(tc, test_complex_names);
    tcase_add_test(tc, test_complex_1d);
    tcase_add_test(tc, test_complex_2d);
    tcase_add_test(tc, test_complex_3d);
    tcase_add_test(tc, test_complex_separable);
    tcase_add_test(tc, test_complex_edges);
    tcase_add_test(tc, test_complex_boundary);
    tcase_add_test(tc, test_complex_cval);
    tcase_add_test(tc, test_complex_integer_signal);
    tcase_add_test(tc, test_complex_stream);
    tcase_add_test(tc, test_complex_factors);
    tcase_add_test(tc, test_complex_refusals);
    suite_add_tcase(s, tc);
    return s;
}
