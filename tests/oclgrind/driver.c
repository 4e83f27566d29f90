/*
 * The kernels under Oclgrind (scripts/oclgrind.sh runs this program as
 * `oclgrind --check-api --data-races driver`): every kernel
 * of kernels/ on problems small enough for a simulator that runs each
 * work-item as interpreted LLVM IR, launched by the host paths that launch
 * them in use. Oclgrind reports out-of-bounds accesses, data races and
 * invalid API calls on its log (scripts/oclgrind.sh judges it); this program
 * checks each result against the tests' double-precision reference, so a
 * kernel that the simulator runs without complaint but wrongly still fails,
 * and exits 1 naming the cases that did.
 *
 * Covered: conv_strip and conv_tiled (forced through CLCONV_DIRECT_VARIANT)
 * in float32 and float64, and conv_rows with streaming stores (forced
 * through CLCONV_DIRECT_PARAMS and CLCONV_STREAM_MIN), 1-D, 2-D and
 * separable, full/same/valid and every
 * boundary mode (in-kernel, -DBOUNDARY=1, and through pad.cl's pad_signal
 * for wide 2-D windows); the FFT path (VkFFT's generated kernels and
 * fft.cl's pad, multiply and crop, 2-D and 3-D); 3-D direct
 * (host/direct3d.c: pad.cl's pad_volume and conv_vol.cl, with the window
 * compiled in and with its loops at run time) and separable;
 * a rank-1 2-D kernel through host/rank1.c's test (on the simulator's
 * device the cost model keeps it dense: it priced two passes dearer for a
 * 7x7 kernel on 13x14 to 128x128 images, 0.060 against 0.030 ms at 13x14,
 * and for 31x31 on 24x24; the passes of a split are the separable kernels
 * covered above); the
 * distribution kernels of dist.cl through the sums, the tilted windows of
 * long supports, FFT with clamping, compound sums and 2-D powers; and
 * peak_fma.cl and peak_stream.cl, launched here on a few work-items
 * (clconv_device_peak sizes its buffers at 256 MiB).
 */
#include "harness.h"
#include "internal.h"
#include "reference.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures, checks;

/* Records one check; prints a line for a failure. */
static void verdict(int ok, const char *fmt, ...)
{
    checks++;
    if (ok) return;
    failures++;
    va_list ap;
    va_start(ap, fmt);
    fputs("FAIL: ", stdout);
    vprintf(fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
}

/* ---- 1-D, 2-D and separable convolution, through the tests' harness ------- */

static void conv_try(clconv_runtime *rt, const conv_case *c)
{
    char msg[1024];
    const int rc = conv_case_try(rt, c, msg, sizeof msg);
    verdict(rc == 0, "%s", msg);
}

/* Every mode, then every boundary mode, of one kind of problem. The 8x8
 * window reaches BOUNDARY_PAD_TAPS (host/direct.c), so its boundary modes
 * read an extension written by pad_signal rather than fold indices in the
 * kernel. */
static void conv_kind_cases(clconv_runtime *rt, conv_kind kind, clconv_dtype dtype,
                            clconv_method method, size_t rows, size_t cols, size_t krows,
                            size_t kcols, uint64_t seed)
{
    static const clconv_mode modes[] = {CLCONV_MODE_FULL, CLCONV_MODE_SAME, CLCONV_MODE_VALID};
    static const clconv_boundary bounds[] = {CLCONV_BOUNDARY_CONSTANT, CLCONV_BOUNDARY_REFLECT,
                                             CLCONV_BOUNDARY_MIRROR, CLCONV_BOUNDARY_NEAREST,
                                             CLCONV_BOUNDARY_WRAP};
    conv_case c = {.kind = kind, .dtype = dtype, .method = method, .batch = 2, .rows = rows,
                   .cols = cols, .krows = krows, .kcols = kcols, .seed = seed};
    for (size_t m = 0; m < sizeof modes / sizeof *modes; m++) {
        c.mode = modes[m];
        c.correlate = (int)(m & 1);
        c.form = m == 1 ? FORM_DEVICE : FORM_HOST;
        conv_try(rt, &c);
    }
    c.mode = CLCONV_MODE_SAME;
    for (size_t b = 0; b < sizeof bounds / sizeof *bounds; b++) {
        c.boundary = bounds[b];
        c.cval = bounds[b] == CLCONV_BOUNDARY_CONSTANT ? 0.5 : 0.0;
        c.correlate = (int)(b & 1);
        c.form = b & 1 ? FORM_DEVICE : FORM_HOST;
        c.origin[0] = kind == CONV_1D ? 1 : (int)(krows > 1);
        c.origin[1] = kind == CONV_1D ? 0 : -1;
        conv_try(rt, &c);
    }
}

static void conv_cases(clconv_runtime *rt, clconv_dtype dtype, clconv_method method)
{
    conv_kind_cases(rt, CONV_1D, dtype, method, 1, 37, 1, 5, 11);
    conv_kind_cases(rt, CONV_2D, dtype, method, 9, 11, 3, 4, 12);
    if (method == CLCONV_METHOD_DIRECT) {
        conv_kind_cases(rt, CONV_2D, dtype, method, 12, 12, 8, 8, 13);
        conv_kind_cases(rt, CONV_SEPARABLE, dtype, method, 9, 11, 3, 4, 14);
    }
}

/* ---- dense 2-D and 3-D kernels from host arrays -------------------------- */

/* One volume of n[0] x n[1] x n[2] (a 2-D image when n[0] = k[0] = 1, run
 * through clconv_conv2d_host) with kernel h, in SAME mode under boundary
 * (NONE: zero padding) or in mode, checked against the reference. */
typedef struct dense_case {
    const char *what;
    clconv_dtype dtype;
    clconv_method method;
    clconv_mode mode;
    clconv_boundary boundary;
    size_t n[3], k[3];
    const double *kernel; /* NULL: random taps */
} dense_case;

static void dense_check(clconv_runtime *rt, const dense_case *c, uint64_t seed)
{
    const size_t nx = c->n[0] * c->n[1] * c->n[2], nk = c->k[0] * c->k[1] * c->k[2];
    ref_problem3 p = {.n = {c->n[0], c->n[1], c->n[2]}, .k = {c->k[0], c->k[1], c->k[2]},
                      .mode = c->boundary == CLCONV_BOUNDARY_NONE ? c->mode : CLCONV_MODE_SAME};
    size_t out[3];
    if (ref_output_dims3(&p, out) != 0) {
        verdict(0, "%s: no output shape", c->what);
        return;
    }
    const size_t ny = out[0] * out[1] * out[2];
    double *x = malloc(nx * sizeof *x), *h = malloc(nk * sizeof *h), *want = malloc(ny * sizeof *want),
           *bound = malloc(ny * sizeof *bound), *got = malloc(ny * sizeof *got);
    void *tx = test_alloc(c->dtype, nx), *th = test_alloc(c->dtype, nk),
         *ty = test_alloc(c->dtype, ny);
    test_rng rng;
    test_rng_seed(&rng, seed);
    for (size_t i = 0; i < nx; i++) x[i] = test_rng_uniform(&rng);
    for (size_t i = 0; i < nk; i++) h[i] = c->kernel ? c->kernel[i] : test_rng_uniform(&rng);
    /* The reference sees the values the device sees. */
    test_store(c->dtype, tx, x, nx);
    test_load(c->dtype, x, tx, nx);
    test_store(c->dtype, th, h, nk);
    test_load(c->dtype, h, th, nk);

    double norm = 0;
    if (c->boundary == CLCONV_BOUNDARY_NONE) {
        ref_conv3(&p, x, h, want, bound);
        norm = ref_norm2(x, nx);
    } else {
        ref_ndimage3 q = {.n = {c->n[0], c->n[1], c->n[2]}, .k = {c->k[0], c->k[1], c->k[2]},
                          .boundary = c->boundary, .cval = 0.25};
        ref_ndimage_conv3(&q, x, h, want, bound, &norm);
    }
    clconv_conv_options o = {.mode = p.mode, .method = c->method, .boundary = c->boundary,
                             .cval = c->boundary == CLCONV_BOUNDARY_CONSTANT ? 0.25 : 0.0};
    const int st = c->n[0] == 1 && c->k[0] == 1
                       ? clconv_conv2d_host(rt, c->dtype, tx, c->n[1], c->n[2], 1, th, c->k[1],
                                            c->k[2], ty, &o)
                       : clconv_conv3d_host(rt, c->dtype, tx, c->n[0], c->n[1], c->n[2], 1, th,
                                            c->k[0], c->k[1], c->k[2], ty, &o);
    if (st != CLCONV_OK) {
        verdict(0, "%s: %s: %s", c->what, clconv_status_name(st), clconv_last_error(rt));
    } else {
        double max_bound = 0;
        for (size_t i = 0; i < ny; i++) max_bound = fmax(max_bound, bound[i]);
        size_t full = 1;
        for (int a = 0; a < 3; a++) full *= c->n[a] + c->k[a] - 1;
        const double allowed = c->method == CLCONV_METHOD_FFT
                                   ? ref_fft_error(c->dtype, full, norm * ref_norm2(h, nk))
                                   : ref_direct_error(c->dtype, nk, max_bound);
        test_load(c->dtype, got, ty, ny);
        const size_t bad = ref_first_mismatch(want, got, ny, allowed);
        verdict(bad == ny, "%s (%s, %s): output %zu is %.17g, want %.17g", c->what,
                c->dtype == CLCONV_F64 ? "float64" : "float32", clconv_method_name(c->method),
                bad, bad < ny ? got[bad] : 0.0, bad < ny ? want[bad] : 0.0);
    }
    free(x), free(h), free(want), free(bound), free(got), free(tx), free(th), free(ty);
}

static void dense_cases(clconv_runtime *rt, clconv_dtype dtype)
{
    static const clconv_boundary bounds[] = {CLCONV_BOUNDARY_CONSTANT, CLCONV_BOUNDARY_REFLECT,
                                             CLCONV_BOUNDARY_MIRROR, CLCONV_BOUNDARY_NEAREST,
                                             CLCONV_BOUNDARY_WRAP};
    static const clconv_mode modes[] = {CLCONV_MODE_FULL, CLCONV_MODE_SAME, CLCONV_MODE_VALID};
    /* A 7x7 outer product goes through host/rank1.c's test, which runs it
     * as a column pass and a row pass where the cost model says that pays
     * (not on the simulator's device at this size; see the file comment). */
    double outer[49];
    for (int r = 0; r < 7; r++)
        for (int c = 0; c < 7; c++) outer[r * 7 + c] = (1.0 + r) * (0.5 - 0.125 * c);
    dense_case c = {.what = "3-D", .dtype = dtype, .n = {5, 6, 7}, .k = {3, 2, 3}};
    uint64_t seed = 100;
    for (int method = 0; method < 2; method++) {
        c.method = method ? CLCONV_METHOD_FFT : CLCONV_METHOD_DIRECT;
        c.boundary = CLCONV_BOUNDARY_NONE;
        for (size_t m = 0; m < sizeof modes / sizeof *modes; m++) {
            c.mode = modes[m];
            dense_check(rt, &c, seed++);
        }
        for (size_t b = 0; b < sizeof bounds / sizeof *bounds; b++) {
            c.boundary = bounds[b];
            dense_check(rt, &c, seed++);
        }
    }
    /* A window of 60 taps, past those conv_vol compiles in: its loops run
     * at run time (host/params.c). */
    dense_case w = {.what = "3-D, window loops", .dtype = dtype, .method = CLCONV_METHOD_DIRECT,
                    .mode = CLCONV_MODE_SAME, .n = {6, 5, 9}, .k = {4, 3, 5},
                    .boundary = CLCONV_BOUNDARY_REFLECT};
    dense_check(rt, &w, seed++);
    w.mode = CLCONV_MODE_FULL, w.boundary = CLCONV_BOUNDARY_NONE;
    dense_check(rt, &w, seed++);
    dense_case r = {.what = "rank-1 7x7", .dtype = dtype, .method = CLCONV_METHOD_DIRECT,
                    .mode = CLCONV_MODE_SAME, .n = {1, 13, 14}, .k = {1, 7, 7}, .kernel = outer};
    dense_check(rt, &r, seed++);
    r.boundary = CLCONV_BOUNDARY_REFLECT;
    dense_check(rt, &r, seed++);
}

/* clconv_conv3d_separable_host against the dense 3-D reference of the
 * outer product of its three factors. */
static void separable3_check(clconv_runtime *rt, clconv_dtype dtype, clconv_boundary boundary)
{
    enum { D = 4, R = 5, C = 6, KZ = 3, KY = 2, KX = 3, N = D * R * C };
    const double kz[KZ] = {0.5, -1, 0.25}, ky[KY] = {1, 0.75}, kx[KX] = {-0.5, 1, 2};
    double x[N], h[KZ * KY * KX], want[N], bound[N], got[N];
    test_rng rng;
    test_rng_seed(&rng, 7);
    for (size_t i = 0; i < N; i++) x[i] = test_rng_uniform(&rng);
    for (int a = 0; a < KZ; a++)
        for (int b = 0; b < KY; b++)
            for (int c = 0; c < KX; c++) h[(a * KY + b) * KX + c] = kz[a] * ky[b] * kx[c];
    void *tx = test_alloc(dtype, N), *tz = test_alloc(dtype, KZ), *tyk = test_alloc(dtype, KY),
         *txk = test_alloc(dtype, KX), *tout = test_alloc(dtype, N);
    test_store(dtype, tx, x, N);
    test_load(dtype, x, tx, N);
    test_store(dtype, tz, kz, KZ);
    test_store(dtype, tyk, ky, KY);
    test_store(dtype, txk, kx, KX);
    if (boundary == CLCONV_BOUNDARY_NONE) {
        ref_problem3 p = {.n = {D, R, C}, .k = {KZ, KY, KX}, .mode = CLCONV_MODE_SAME};
        ref_conv3(&p, x, h, want, bound);
    } else {
        ref_ndimage3 q = {.n = {D, R, C}, .k = {KZ, KY, KX}, .boundary = boundary};
        ref_ndimage_conv3(&q, x, h, want, bound, NULL);
    }
    clconv_conv_options o = {.mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT,
                             .boundary = boundary};
    const int st = clconv_conv3d_separable_host(rt, dtype, tx, D, R, C, 1, tz, KZ, tyk, KY, txk,
                                                KX, tout, &o);
    if (st != CLCONV_OK) {
        verdict(0, "3-D separable: %s: %s", clconv_status_name(st), clconv_last_error(rt));
    } else {
        double max_bound = 0;
        for (size_t i = 0; i < N; i++) max_bound = fmax(max_bound, bound[i]);
        test_load(dtype, got, tout, N);
        /* Three rounded passes: the allowance of a sum of all the taps. */
        const size_t bad =
            ref_first_mismatch(want, got, N, ref_direct_error(dtype, KZ * KY * KX, max_bound));
        verdict(bad == N, "3-D separable (%s, boundary %s): output %zu wrong",
                dtype == CLCONV_F64 ? "float64" : "float32", clconv_boundary_name(boundary), bad);
    }
    free(tx), free(tz), free(tyk), free(txk), free(tout);
}

/* ---- distributions ---------------------------------------------------------- */

/* Compares a distribution's entries and first grid index with want. */
static void dist_expect(const char *what, clconv_dist *d, const double *want, size_t count,
                        int64_t offset, double allowed)
{
    clconv_dist_layout l;
    if (!d || clconv_dist_layout_get(d, &l) != 0 || l.len[0] * l.len[1] != count ||
        l.offset[0] != offset) {
        verdict(0, "%s: missing, or not %zu entries from %lld", what, count, (long long)offset);
        return;
    }
    double *got = malloc(count * sizeof *got);
    const int st = clconv_dist_read(d, got);
    const size_t bad = st == 0 ? ref_first_mismatch(want, got, count, allowed) : 0;
    verdict(bad == count, "%s: entry %zu is %.17g, want %.17g (read %s)", what, bad,
            bad < count ? got[bad] : 0.0, bad < count ? want[bad] : 0.0, clconv_status_name(st));
    free(got);
}

/* The full 1-D (rows = 1) or 2-D convolution of two grids of probabilities,
 * by the reference; want holds (ar + br - 1) * (ac + bc - 1) entries. */
static void full_conv(const double *a, size_t ar, size_t ac, const double *b, size_t br,
                      size_t bc, double *want)
{
    const ref_problem p = {.rows = ar, .cols = ac, .krows = br, .kcols = bc,
                           .mode = CLCONV_MODE_FULL};
    ref_conv(&p, a, b, want, NULL);
}

static void dist_cases(clconv_runtime *rt)
{
    static const double die[6] = {0.1, 0.2, 0.3, 0.1, 0.2, 0.1};
    static const double coin[2] = {0.25, 0.75};
    enum { LONG = 300, MANY = 8 };
    double want[4 * LONG], tmp[4 * LONG], la[LONG], lb[LONG];
    clconv_dist *a = NULL, *b = NULL, *s = NULL;
    clconv_dist_options fft = {.method = CLCONV_METHOD_FFT};
    const double tol = 1e-12;

    /* Short supports: dist_pairs, and under FFT fft.cl and dist_clamp. */
    clconv_dist_create_1d(rt, die, 6, 1, 0, &a);
    clconv_dist_create_1d(rt, coin, 2, 0, 0, &b);
    full_conv(die, 1, 6, coin, 1, 2, want);
    clconv_dist_sum(rt, a, b, NULL, &s);
    dist_expect("dist sum", s, want, 7, 1, tol);
    clconv_dist_destroy(s), s = NULL;
    clconv_dist_sum(rt, a, b, &fft, &s);
    dist_expect("dist sum, FFT", s, want, 7, 1, tol);
    clconv_dist_destroy(s), s = NULL;

    /* Many equal supports reduce in pairs, many pairs per launch. */
    const clconv_dist *many[MANY];
    for (int i = 0; i < MANY; i++) many[i] = a;
    memcpy(want, die, sizeof die);
    size_t len = 6;
    for (int i = 1; i < MANY; i++) {
        full_conv(want, 1, len, die, 1, 6, tmp);
        len += 5;
        memcpy(want, tmp, len * sizeof *want);
    }
    clconv_dist_sum_many(rt, many, MANY, NULL, &s);
    dist_expect("dist sum_many", s, want, len, MANY, tol);
    clconv_dist_destroy(s), s = NULL;

    /* Rows [1-q, q]: a Poisson-binomial. */
    const double rows[3][2] = {{0.9, 0.1}, {0.5, 0.5}, {0.3, 0.7}};
    memcpy(want, rows[0], sizeof rows[0]);
    for (size_t i = 1; i < 3; i++) {
        full_conv(want, 1, i + 1, rows[i], 1, 2, tmp);
        memcpy(want, tmp, (i + 2) * sizeof *want);
    }
    clconv_dist_sum_rows(rt, &rows[0][0], 3, 2, 0, NULL, &s);
    dist_expect("dist sum_rows", s, want, 4, 0, tol);
    clconv_dist_destroy(s), s = NULL;
    clconv_dist_destroy(a), clconv_dist_destroy(b), a = b = NULL;

    /* Supports of 256 entries and more: tilted windows (dist_tilt.c). */
    test_rng rng;
    test_rng_seed(&rng, 5);
    double ta = 0, tb = 0;
    for (int i = 0; i < LONG; i++) {
        la[i] = 1.0 + test_rng_uniform(&rng), ta += la[i];
        lb[i] = 1.0 + test_rng_uniform(&rng), tb += lb[i];
    }
    for (int i = 0; i < LONG; i++) la[i] /= ta, lb[i] /= tb;
    clconv_dist_create_1d(rt, la, LONG, 0, CLCONV_DIST_NORMALIZE, &a);
    clconv_dist_create_1d(rt, lb, LONG, -3, CLCONV_DIST_NORMALIZE, &b);
    full_conv(la, 1, LONG, lb, 1, LONG, want);
    clconv_dist_sum(rt, a, b, NULL, &s);
    dist_expect("dist sum of 300-entry supports", s, want, 2 * LONG - 1, -3, tol);
    clconv_dist_destroy(s), s = NULL;
    clconv_dist_destroy(a), clconv_dist_destroy(b), a = b = NULL;

    /* A compound Poisson sum: dist_lconv and dist_logadd. */
    clconv_dist *count = NULL;
    clconv_dist_count(rt, CLCONV_COUNT_POISSON, 1.5, 0, 1e-12, &count);
    clconv_dist_create_1d(rt, coin, 2, 1, 0, &a);
    clconv_dist_layout cl = {0};
    double pn[64] = {0};
    if (count && clconv_dist_layout_get(count, &cl) == 0 && cl.len[0] <= 32 &&
        clconv_dist_read(count, pn) == 0) {
        /* S = X1 + ... + XN with X in {1, 2}: support 0 .. 2 (N max). */
        const size_t nmax = cl.len[0] - 1, slen = 2 * nmax + 1;
        double power[64] = {1}; /* the n-fold sum, at offset n */
        memset(want, 0, slen * sizeof *want);
        for (size_t n = 0; n <= nmax; n++) {
            for (size_t j = 0; j <= n; j++) want[n + j] += pn[n] * power[j];
            full_conv(power, 1, n + 1, coin, 1, 2, tmp);
            memcpy(power, tmp, (n + 2) * sizeof *power);
        }
        clconv_dist_compound(rt, count, a, NULL, &s);
        dist_expect("dist compound", s, want, slen, 0, tol);
        clconv_dist_destroy(s), s = NULL;
    } else {
        verdict(0, "dist count: no Poisson(1.5) of at most 32 entries");
    }
    clconv_dist_destroy(count), clconv_dist_destroy(a), a = NULL;

    /* A 2-D power: n / m steps of dist^m. */
    const double joint[4] = {0.1, 0.2, 0.3, 0.4};
    const clconv_dist_layout jl = {.dims = 2, .len = {2, 2}};
    clconv_dist_create(rt, joint, &jl, 0, &a);
    memcpy(want, joint, sizeof joint);
    for (size_t n = 2; n <= 5; n++) {
        full_conv(want, n, n, joint, 2, 2, tmp); /* the (n-1)-fold power is n x n */
        memcpy(want, tmp, (n + 1) * (n + 1) * sizeof *want);
    }
    clconv_dist_power(rt, a, 5, NULL, &s);
    dist_expect("dist 2-D power 5", s, want, 36, 0, tol);
    clconv_dist_destroy(s), clconv_dist_destroy(a);
}

/* ---- the roofs' kernels --------------------------------------------------- */

/* peak_fma_CHAINS for every chain count, float32 in vectors of 4, on four
 * work-items of 3 repetitions, against the same FMAs on the host (fmaf is
 * correctly rounded, as OpenCL's fma is). */
static void peak_fma_cases(clconv_runtime *rt)
{
    static const int chains[] = {8, 12, 16, 24};
    enum { ITEMS = 4, W = 4, REPS = 3 };
    const float mul = 0.999f, add = 1e-3f;
    const cl_int reps = REPS;
    float out[ITEMS * W];
    for (size_t c = 0; c < sizeof chains / sizeof *chains; c++) {
        char name[32];
        snprintf(name, sizeof name, "peak_fma_%d", chains[c]);
        cl_mem mem = NULL;
        cl_kernel k = NULL;
        const size_t gws = ITEMS;
        const clconv__arg args[] = {CLCONV__ARG(mem), CLCONV__ARG(mul), CLCONV__ARG(add),
                                    CLCONV__ARG(reps)};
        int st = clconv__alloc(rt, CL_MEM_WRITE_ONLY, sizeof out, NULL, &mem);
        if (st == 0) st = clconv__kernel_create(rt, "peak_fma", "-DPRECISION=32 -DW=4", name, &k);
        if (st == 0) st = clconv__set_args(rt, k, args, 4, name);
        if (st == 0) st = clconv__launch(rt, k, 1, &gws, NULL, name);
        if (st == 0 && clEnqueueReadBuffer(clconv_runtime_queue(rt), mem, CL_TRUE, 0, sizeof out,
                                           out, 0, NULL, NULL) != CL_SUCCESS)
            st = CLCONV_ECL;
        int ok = st == 0;
        for (int i = 0; ok && i < ITEMS; i++) {
            const float x = (float)i * 1e-6f;
            float sum = 0;
            for (int j = 0; j < chains[c]; j++) {
                float acc = x + (float)j;
                for (int r = 0; r < REPS; r++) acc = fmaf(acc, mul, add);
                sum += acc;
            }
            for (int l = 0; l < W; l++) ok &= fabsf(out[i * W + l] - sum) <= 1e-6f * fabsf(sum);
        }
        verdict(ok, "%s: status %s or a wrong sum", name, clconv_status_name(st));
        if (k) clReleaseKernel(k);
        if (mem) clReleaseMemObject(mem);
    }
}

/* peak_read and peak_copy, float4, on four work-items, in both layouts. */
static void peak_stream_cases(clconv_runtime *rt)
{
    enum { ITEMS = 4, W = 4, PER_ITEM = 64, N = ITEMS * W * PER_ITEM };
    float src[N], dst[N], sums[ITEMS * W];
    for (int i = 0; i < N; i++) src[i] = (float)(i % 97);
    for (cl_int contiguous = 0; contiguous < 2; contiguous++) {
        cl_mem in = NULL, out = NULL, copy = NULL;
        cl_kernel kr = NULL, kc = NULL;
        const size_t gws = ITEMS;
        const clconv__arg rargs[] = {CLCONV__ARG(in), CLCONV__ARG(out), CLCONV__ARG(contiguous)};
        const clconv__arg cargs[] = {CLCONV__ARG(in), CLCONV__ARG(copy), CLCONV__ARG(contiguous)};
        cl_command_queue q = clconv_runtime_queue(rt);
        int st = clconv__alloc(rt, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, sizeof src, src, &in);
        if (st == 0) st = clconv__alloc(rt, CL_MEM_WRITE_ONLY, sizeof sums, NULL, &out);
        if (st == 0) st = clconv__alloc(rt, CL_MEM_WRITE_ONLY, sizeof dst, NULL, &copy);
        if (st == 0) st = clconv__kernel_create(rt, "peak_stream", "-DW=4", "peak_read", &kr);
        if (st == 0) st = clconv__kernel_create(rt, "peak_stream", "-DW=4", "peak_copy", &kc);
        if (st == 0) st = clconv__set_args(rt, kr, rargs, 3, "peak_read");
        if (st == 0) st = clconv__set_args(rt, kc, cargs, 3, "peak_copy");
        if (st == 0) st = clconv__launch(rt, kr, 1, &gws, NULL, "peak_read");
        if (st == 0) st = clconv__launch(rt, kc, 1, &gws, NULL, "peak_copy");
        if (st == 0 &&
            (clEnqueueReadBuffer(q, out, CL_TRUE, 0, sizeof sums, sums, 0, NULL, NULL) ||
             clEnqueueReadBuffer(q, copy, CL_TRUE, 0, sizeof dst, dst, 0, NULL, NULL)))
            st = CLCONV_ECL;
        int ok = st == 0 && memcmp(src, dst, sizeof src) == 0;
        for (int i = 0; ok && i < ITEMS; i++)
            for (int l = 0; l < W; l++) {
                float sum = 0; /* small integers: exact in any order */
                for (int v = 0; v < PER_ITEM; v++) {
                    const int at = contiguous ? i * PER_ITEM + v : i + v * ITEMS;
                    sum += src[at * W + l];
                }
                ok &= sums[i * W + l] == sum;
            }
        verdict(ok, "peak_stream (contiguous %d): status %s or wrong data", (int)contiguous,
                clconv_status_name(st));
        if (kr) clReleaseKernel(kr);
        if (kc) clReleaseKernel(kc);
        if (in) clReleaseMemObject(in);
        if (out) clReleaseMemObject(out);
        if (copy) clReleaseMemObject(copy);
    }
}

/* conv_rows.cl with streaming stores, which any device takes once
 * CLCONV_STREAM_MIN asks (the simulator's is typed a GPU): the strips move
 * onto each batch item's 64-byte lines and the first item computes a strip
 * more for the columns before the first line boundary, part of which lies
 * before the item. Batches of 3 put items 1 and 2 off the lines (the
 * simulator's buffers start on them); shapes narrower than that lead, wider
 * than a strip, and with the edge gathers of a boundary mode; in the
 * CLCONV_DIRECT_PARAMS shape `params`, one strip or several per item. */
static void streaming_cases(const char *params)
{
    static const size_t shapes[][2] = {{5, 3}, {7, 37}, {6, 21}, {4, 1}};
    setenv("CLCONV_DIRECT_PARAMS", params, 1);
    setenv("CLCONV_STREAM_MIN", "1", 1);
    clconv_runtime *rt = NULL;
    const int st = clconv_runtime_create(&rt, NULL);
    verdict(st == CLCONV_OK, "streaming: no runtime: %s", clconv_last_error(NULL));
    for (size_t i = 0; st == CLCONV_OK && i < sizeof shapes / sizeof *shapes; i++) {
        const conv_case c = {.kind = CONV_2D, .form = i & 1 ? FORM_DEVICE : FORM_HOST,
                             .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
                             .method = CLCONV_METHOD_DIRECT, .correlate = (int)(i >> 1),
                             .batch = 3, .rows = shapes[i][0], .cols = shapes[i][1],
                             .krows = 3, .kcols = 3, .seed = 700 + i,
                             .boundary = i == 2 ? CLCONV_BOUNDARY_MIRROR : CLCONV_BOUNDARY_NONE};
        conv_try(rt, &c);
    }
    clconv_runtime_destroy(rt);
    unsetenv("CLCONV_STREAM_MIN");
    unsetenv("CLCONV_DIRECT_PARAMS");
}

/* One Check test (the harness's helpers assert through Check), run in the
 * calling process: Oclgrind simulates the process it starts. */
START_TEST(test_kernels)
{
    clconv_runtime *rt = NULL;
    const int st = clconv_runtime_create(&rt, NULL);
    ck_assert_msg(st == CLCONV_OK, "no runtime: %s", clconv_last_error(NULL));
    clconv_device_info info;
    clconv_runtime_device(rt, &info);
    printf("device: %s (%s)\n", info.name, info.fp64 ? "with float64" : "no float64");
    const clconv_dtype dtypes[2] = {CLCONV_F32, CLCONV_F64};
    const int ndtypes = info.fp64 ? 2 : 1;

    static const char *const variants[] = {"strip", "tiled"};
    for (int v = 0; v < 2; v++) {
        setenv("CLCONV_DIRECT_VARIANT", variants[v], 1);
        for (int d = 0; d < ndtypes; d++) conv_cases(rt, dtypes[d], CLCONV_METHOD_DIRECT);
    }
    unsetenv("CLCONV_DIRECT_VARIANT");
    streaming_cases("strip:8,2,4,0,3");
    streaming_cases("strip:8,2,4,0,2,3");
    for (int d = 0; d < ndtypes; d++) {
        conv_cases(rt, dtypes[d], CLCONV_METHOD_FFT);
        dense_cases(rt, dtypes[d]);
        separable3_check(rt, dtypes[d], CLCONV_BOUNDARY_NONE);
        separable3_check(rt, dtypes[d], CLCONV_BOUNDARY_WRAP);
    }
    if (info.fp64) dist_cases(rt);
    peak_fma_cases(rt);
    peak_stream_cases(rt);

    clconv_runtime_destroy(rt);
    printf("%d checks, %d failed\n", checks, failures);
    ck_assert_msg(failures == 0, "%d of %d checks failed", failures, checks);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("oclgrind");
    TCase *tc = test_tcase_bare("kernels");
    /* The simulator runs each work-item as interpreted IR: minutes, not the
     * default 300 s of test_tcase_bare. */
    tcase_set_timeout(tc, 3600);
    tcase_add_test(tc, test_kernels);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
