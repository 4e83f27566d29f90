/*
 * The FFT path (host/fft.c, fftconv.c, plan.c, stream.c, kernels/fft.cl)
 * against the double-precision reference, held to the FFT path's accuracy
 * requirement: 2e-5 (float32) and 1e-12 (float64) of max(conv(|x|, |h|)).
 *
 * - transform sizes: lengths where VkFFT crashed POCL 3.1 before the
 *   local-memory ceiling (host/fft.c), 1-D and 2-D, both precisions, one
 *   and four transforms a launch, each run as a convolution whose transform
 *   has exactly that size (a sweep from 1024 points to 4096 x 4096 with
 *   CLCONV_TEST_FULL_SWEEP=1);
 * - overlap-save layouts cut so outputs fall just before, on and after
 *   block boundaries, 1-D and 2-D;
 * - the public API with the FFT method forced: every mode, correlation,
 *   primes, kernels longer than the signal, batches, host and device forms;
 * - inputs larger than the allocation limit, streamed in pieces;
 * - the method choice of auto and the FFT layouts under a cost model whose
 *   figures the tests give (not the model of the device that runs them),
 *   the plan cache, and the stored cost model.
 *
 * Every distinct plan (transform extents, transforms a launch, precision,
 * direction) costs one to three kernels of about a second of compilation
 * each on a cold cache, so the shapes below are chosen to share plans.
 */
#include "harness.h"
#include "reference.h"
#include "suites.h"

#include "fft.h"
#include "plan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The FFT path's accuracy requirement, relative to max(conv(|x|, |h|)). */
static double fft_tolerance(clconv_dtype dtype) { return dtype == CLCONV_F64 ? 1e-12 : 2e-5; }

/* One problem, as the dispatch layer sees it. */
static clconv__geom make_geom(int dims, clconv_dtype dtype, size_t batch, size_t rows,
                              size_t cols, size_t krows, size_t kcols, clconv_mode mode,
                              int correlate)
{
    clconv__geom g;
    const size_t n[2] = {rows, cols}, k[2] = {krows, kcols};
    memset(&g, 0, sizeof g);
    g.dims = dims;
    g.batch = batch;
    g.dtype = dtype;
    g.correlate = correlate;
    for (int d = 0; d < 2; d++) {
        g.n[d] = n[d];
        g.k[d] = k[d];
        ck_assert_int_eq(clconv_conv_output_size(n[d], k[d], mode, &g.out[d]), 0);
        g.start[d] = mode == CLCONV_MODE_FULL   ? 0
                     : mode == CLCONV_MODE_SAME ? (k[d] - 1) / 2
                                                : (n[d] < k[d] ? n[d] : k[d]) - 1;
    }
    return g;
}

/* Random inputs of g in [-1, 1), the reference outputs and the largest
 * conv(|x|, |h|) over all images. */
typedef struct problem {
    clconv__geom g;
    clconv_mode mode;
    double *x, *h, *want;
    void *xt, *ht, *got;       /* the same in g.dtype */
    size_t nx, nh, ny;
    double max_bound;
} problem;

static void problem_make(problem *p, const clconv__geom *g, clconv_mode mode, uint64_t seed)
{
    test_rng rng;
    ref_problem rp = {g->n[0], g->n[1], g->k[0], g->k[1], mode, g->correlate};
    p->g = *g;
    p->mode = mode;
    p->nx = g->batch * g->n[0] * g->n[1];
    p->nh = g->k[0] * g->k[1];
    p->ny = g->batch * g->out[0] * g->out[1];
    p->x = malloc(p->nx * sizeof *p->x);
    p->h = malloc(p->nh * sizeof *p->h);
    p->want = malloc(p->ny * sizeof *p->want);
    double *bound = malloc(g->out[0] * g->out[1] * sizeof *bound);
    ck_assert(p->x && p->h && p->want && bound);
    test_rng_seed(&rng, seed);
    for (size_t i = 0; i < p->nx; i++) p->x[i] = test_rng_uniform(&rng);
    for (size_t i = 0; i < p->nh; i++) p->h[i] = test_rng_uniform(&rng);
    p->xt = test_alloc(g->dtype, p->nx);
    p->ht = test_alloc(g->dtype, p->nh);
    p->got = test_alloc(g->dtype, p->ny);
    test_store(g->dtype, p->xt, p->x, p->nx);
    test_store(g->dtype, p->ht, p->h, p->nh);
    /* The reference sees the inputs as rounded to the dtype. */
    test_load(g->dtype, p->x, p->xt, p->nx);
    test_load(g->dtype, p->h, p->ht, p->nh);
    p->max_bound = 0;
    const size_t per_in = g->n[0] * g->n[1], per_out = g->out[0] * g->out[1];
    for (size_t b = 0; b < g->batch; b++) {
        ref_conv(&rp, p->x + b * per_in, p->h, p->want + b * per_out, bound);
        for (size_t i = 0; i < per_out; i++)
            if (bound[i] > p->max_bound) p->max_bound = bound[i];
    }
    free(bound);
}

static void problem_free(problem *p)
{
    free(p->x);
    free(p->h);
    free(p->want);
    free(p->xt);
    free(p->ht);
    free(p->got);
}

/* Compares p->got with the reference under fft_tolerance. */
static void problem_check(const problem *p, const char *what)
{
    double *got = malloc(p->ny * sizeof *got);
    ck_assert_ptr_nonnull(got);
    test_load(p->g.dtype, got, p->got, p->ny);
    double allowed = fft_tolerance(p->g.dtype) * p->max_bound;
    size_t i = ref_first_mismatch(p->want, got, p->ny, allowed);
    double gi = i < p->ny ? got[i] : 0, wi = i < p->ny ? p->want[i] : 0;
    free(got);
    ck_assert_msg(i == p->ny,
                  "%s: %s %zux%zu * %zux%zu batch %zu mode %d%s: output %zu is %.17g, want "
                  "%.17g (difference %.3g, allowed %.3g)",
                  what, p->g.dtype == CLCONV_F64 ? "f64" : "f32", p->g.n[0], p->g.n[1],
                  p->g.k[0], p->g.k[1], p->g.batch, (int)p->mode,
                  p->g.correlate ? " correlate" : "", i, gi, wi, fabs(gi - wi), allowed);
}

/* Runs p through clconv__fft_run_layout with lay and checks it. */
static void run_with_layout(clconv_runtime *rt, problem *p, const clconv__fft_layout *lay,
                            const char *what)
{
    clconv_buffer *x = NULL, *h = NULL, *y = NULL;
    ASSERT_OK(rt, clconv_buffer_create(rt, p->g.dtype, p->nx, p->xt, &x));
    ASSERT_OK(rt, clconv_buffer_create(rt, p->g.dtype, p->nh, p->ht, &h));
    ASSERT_OK(rt, clconv_buffer_create(rt, p->g.dtype, p->ny, NULL, &y));
    ASSERT_OK(rt, clconv__fft_run_layout(rt, &p->g, lay, clconv_buffer_mem(x),
                                         clconv_buffer_mem(h), clconv_buffer_mem(y)));
    ASSERT_OK(rt, clconv_buffer_read(y, 0, p->ny, p->got));
    clconv_buffer_destroy(x);
    clconv_buffer_destroy(h);
    clconv_buffer_destroy(y);
    problem_check(p, what);
}

/* Runs p through the public host form with the given method and checks it. */
static clconv_method run_public(clconv_runtime *rt, problem *p, clconv_method method,
                                const char *what)
{
    clconv_conv_options o = {.mode = p->mode, .method = method, .correlate = p->g.correlate,
                             .chosen = CLCONV_METHOD_AUTO};
    if (p->g.dims == 1)
        ASSERT_OK(rt, clconv_conv1d_host(rt, p->g.dtype, p->xt, p->g.n[1], p->g.batch, p->ht,
                                         p->g.k[1], p->got, &o));
    else
        ASSERT_OK(rt, clconv_conv2d_host(rt, p->g.dtype, p->xt, p->g.n[0], p->g.n[1],
                                         p->g.batch, p->ht, p->g.k[0], p->g.k[1], p->got, &o));
    problem_check(p, what);
    return o.chosen;
}

/* One plain transform per image of exactly rows x cols points: a valid-mode
 * problem whose signal is that large. */
static clconv__fft_layout plain_layout(const clconv__geom *g)
{
    clconv__fft_layout lay;
    memset(&lay, 0, sizeof lay);
    for (int d = 0; d < 2; d++) {
        lay.len[d] = g->n[d];
        lay.step[d] = g->out[d];
        lay.blocks[d] = 1;
        lay.in0[d] = 0;
        lay.shift[d] = g->start[d];
    }
    lay.total = lay.group = g->batch;
    return lay;
}

/* Overlap-save blocks of len[d] points along each dimension where len[d]
 * is given (0: one plain block), `group` transforms a launch, the kernel's
 * transform in the first launch or on its own. */
static clconv__fft_layout overlap_layout(const clconv__geom *g, const size_t len[2],
                                         size_t group, int kernel_in_group)
{
    clconv__fft_layout lay = plain_layout(g);
    for (int d = 0; d < 2; d++) {
        if (!len[d]) {
            lay.len[d] = clconv__fast_size(g->n[d] + g->k[d] - 1, d == 1);
            continue;
        }
        lay.len[d] = len[d];
        lay.step[d] = len[d] - g->k[d] + 1;
        lay.blocks[d] = (g->out[d] + lay.step[d] - 1) / lay.step[d];
        lay.in0[d] = (long long)g->start[d] - (long long)(g->k[d] - 1);
        lay.shift[d] = g->k[d] - 1;
    }
    lay.total = g->batch * lay.blocks[0] * lay.blocks[1];
    lay.group = group;
    lay.kernel_in_group = kernel_in_group;
    return lay;
}

/* ---- transform sizes ------------------------------------------------------ */

/* CLCONV_TEST_FULL_SWEEP=1 runs every size of `full` in test_fft_sizes
 * (several minutes of compilation on a cold cache); by default the band's
 * edges and inside. */
static int full_sweep(void)
{
    const char *v = getenv("CLCONV_TEST_FULL_SWEEP");
    return v && *v && strcmp(v, "0") != 0;
}

/* Runs a valid-mode problem whose signal, batch x rows x cols, is exactly
 * one transform per image, with a 3-tap (1-D) or 3x3 (2-D) kernel. A batch
 * carries the kernel's transform in its launch (batch + 1 transforms), so
 * it needs the batched plans only, not a count-1 plan for the kernel: on a
 * cold cache a plan of these lengths is 3 kernels, 2 to 6 s to build here. */
static void run_size(clconv_runtime *rt, clconv_dtype dtype, size_t batch, size_t rows,
                     size_t cols, uint64_t seed)
{
    const int dims = rows > 1 ? 2 : 1;
    clconv__geom g = make_geom(dims, dtype, batch, rows, cols, dims == 2 ? 3 : 1, 3,
                               CLCONV_MODE_VALID, (int)(seed & 1));
    clconv__fft_layout lay = plain_layout(&g);
    if (batch > 1) {
        lay.group = batch + 1;
        lay.kernel_in_group = 1;
    }
    problem p;
    problem_make(&p, &g, CLCONV_MODE_VALID, seed);
    run_with_layout(rt, &p, &lay, dims == 2 ? "2-D transform size" : "1-D transform size");
    problem_free(&p);
}

START_TEST(test_fft_sizes)
{
    /* Before the ceiling, float32 real transforms of 98304 ... 262144 points
     * and float64 ones of 65536 crashed POCL (also 4 x 98304 in 2-D); these
     * frame and cross that band, one transform a launch and three images
     * with the kernel's transform in one launch. Entries: images, rows,
     * columns. */
    static const size_t quick32[][3] = {{1, 1, 98304},  {1, 1, 131072}, {1, 1, 262144},
                                        {1, 1, 327680}, {3, 1, 196608}, {1, 4, 98304}};
    static const size_t quick64[][3] = {{1, 1, 65536}, {3, 1, 65536}, {1, 1, 131072}};
    static const size_t full[][3] = {
        {1, 1, 1024},   {1, 1, 4096},    {1, 1, 16384},   {1, 1, 32768},   {1, 1, 65536},
        {1, 1, 81920},  {1, 1, 98304},   {1, 1, 100000},  {1, 1, 120000},  {1, 1, 131072},
        {1, 1, 140000}, {1, 1, 196608},  {1, 1, 262144},  {1, 1, 327680},  {1, 1, 524288},
        {1, 1, 1 << 20}, {1, 1, 3 << 20}, {1, 1, 1 << 22}, {3, 1, 65536},  {3, 1, 98304},
        {3, 1, 131072}, {3, 1, 262144},  {1, 512, 512},   {1, 1000, 1000}, {1, 2048, 2048},
        {1, 2100, 2100}, {1, 4096, 4096}, {1, 4, 98304},  {3, 512, 512}};
    clconv_runtime *rt = test_runtime();
    const clconv_dtype dtype = (clconv_dtype)_i;
    if (!conv_dtype_supported(rt, dtype)) return;
    const size_t(*sizes)[3] = full_sweep() ? full : dtype == CLCONV_F64 ? quick64 : quick32;
    const size_t count = full_sweep()             ? LEN(full)
                         : dtype == CLCONV_F64 ? LEN(quick64)
                                               : LEN(quick32);
    for (size_t i = 0; i < count; i++)
        run_size(rt, dtype, sizes[i][0], sizes[i][1], sizes[i][2], 100 + i);
}
END_TEST

/* ---- overlap-save ------------------------------------------------------------ */

START_TEST(test_fft_overlap_save_1d)
{
    /* Blocks of 1024 points with 41 taps leave 984 outputs a block: output
     * counts one short of, on and one past a block boundary, every mode,
     * several blocks a launch with a padded last launch, and a batch. 1024
     * is the block the planner gives test_fft_streaming's 1-D pieces, whose
     * batched transforms build from the same kernels as these. */
    static const size_t outs[] = {984 * 5 - 1, 984 * 5, 984 * 5 + 1};
    clconv_runtime *rt = test_runtime();
    const clconv_dtype dtype = (clconv_dtype)_i;
    if (!conv_dtype_supported(rt, dtype)) return;
    int serial = 0;
    for (size_t i = 0; i < LEN(outs); i++) {
        for (int mode = CLCONV_MODE_FULL; mode <= CLCONV_MODE_VALID; mode++) {
            const size_t k = 41;
            /* The signal length that gives outs[i] outputs in this mode. */
            size_t n = mode == CLCONV_MODE_FULL   ? outs[i] - k + 1
                       : mode == CLCONV_MODE_SAME ? outs[i]
                                                  : outs[i] + k - 1;
            clconv__geom g = make_geom(1, dtype, 1 + (serial % 2), 1, n, 1, k,
                                       (clconv_mode)mode, serial % 3 == 0);
            const size_t len[2] = {0, 1024};
            clconv__fft_layout lay = overlap_layout(&g, len, 4, (serial / 2) % 2);
            problem p;
            problem_make(&p, &g, (clconv_mode)mode, 300 + serial++);
            run_with_layout(rt, &p, &lay, "1-D overlap-save");
            problem_free(&p);
        }
    }
}
END_TEST

START_TEST(test_fft_overlap_save_2d)
{
    /* 64 x 64 blocks with 9 x 7 taps (56 x 58 outputs a block) over images
     * that end before, on and past block edges; blocks along one dimension
     * only as well, with 56 rows, whose plain transform (56 + 9 - 1 rows) is
     * 64 x 64 too, so every case here uses the same plans. */
    static const size_t shapes[][2] = {{56 * 3 - 1, 58 * 2 + 1}, {56 * 2, 58 * 3}, {56, 300}};
    static const size_t lens[][2] = {{64, 64}, {64, 64}, {0, 64}};
    clconv_runtime *rt = test_runtime();
    const clconv_dtype dtype = (clconv_dtype)_i;
    if (!conv_dtype_supported(rt, dtype)) return;
    for (size_t i = 0; i < LEN(shapes); i++) {
        for (int mode = CLCONV_MODE_FULL; mode <= CLCONV_MODE_VALID; mode++) {
            clconv__geom g = make_geom(2, dtype, i == 2 ? 2 : 1, shapes[i][0], shapes[i][1], 9,
                                       7, (clconv_mode)mode, mode == CLCONV_MODE_SAME);
            clconv__fft_layout lay = overlap_layout(&g, lens[i], 5, mode != CLCONV_MODE_SAME);
            problem p;
            problem_make(&p, &g, (clconv_mode)mode, 400 + 3 * i + (size_t)mode);
            run_with_layout(rt, &p, &lay, "2-D overlap-save");
            problem_free(&p);
        }
    }
}
END_TEST

START_TEST(test_fft_many_blocks)
{
    /* Layouts large enough that the host backend shares them among threads
     * (fftconv_host.c): dozens of 1-D blocks and a dozen 2-D ones, each whole
     * on one thread, and one plane too large for one thread, split among
     * them by rows around FFTW's threaded transforms; every mode, both
     * operand orders, a batch. */
    clconv_runtime *rt = test_runtime();
    const clconv_dtype dtype = (clconv_dtype)_i;
    if (!conv_dtype_supported(rt, dtype)) return;
    for (int mode = CLCONV_MODE_FULL; mode <= CLCONV_MODE_VALID; mode++) {
        clconv__geom g = make_geom(1, dtype, 1 + (size_t)(mode == CLCONV_MODE_SAME), 1, 150001,
                                   1, 1500, (clconv_mode)mode, mode != CLCONV_MODE_FULL);
        const size_t len[2] = {0, 4096};
        clconv__fft_layout lay = overlap_layout(&g, len, 8, 0);
        problem p;
        problem_make(&p, &g, (clconv_mode)mode, 500 + (size_t)mode);
        run_with_layout(rt, &p, &lay, "1-D blocks on threads");
        problem_free(&p);
    }
    for (int mode = CLCONV_MODE_FULL; mode <= CLCONV_MODE_VALID; mode++) {
        clconv__geom g = make_geom(2, dtype, 1, 301, 283, 31, 29, (clconv_mode)mode,
                                   mode == CLCONV_MODE_VALID);
        const size_t len[2] = {128, 128};
        clconv__fft_layout lay = overlap_layout(&g, len, 4, 0);
        problem p;
        problem_make(&p, &g, (clconv_mode)mode, 510 + (size_t)mode);
        run_with_layout(rt, &p, &lay, "2-D blocks on threads");
        problem_free(&p);
    }
    clconv__geom g = make_geom(2, dtype, 1, 400, 390, 9, 11, CLCONV_MODE_SAME, 1);
    const size_t none[2] = {0, 0};
    clconv__fft_layout lay = overlap_layout(&g, none, 1, 0);
    problem p;
    problem_make(&p, &g, CLCONV_MODE_SAME, 520);
    run_with_layout(rt, &p, &lay, "one plane split among threads");
    problem_free(&p);
}
END_TEST

/* ---- the public API ------------------------------------------------------------ */

START_TEST(test_fft_public)
{
    /* Through clconv_conv1d/2d (host and device forms, guard regions) with
     * the FFT method forced: size 1, primes, kernels longer than the
     * signal, odd 2-D shapes, every mode, correlation and batches. Each
     * shape runs in one precision; a batch of 3 runs in one mode of a 1-D
     * and of a 2-D shape in each precision, and in overlap-save blocks.
     *
     * The planner reuses a plan it holds when that plan has the length and
     * count it would choose, so the shapes are chosen (under plan.c's
     * lengths m * 2^a, m in {1, 3, 5, 7}, up to 1024) to share plans across
     * modes: 7 * 2 takes one transform of 8 in every mode; 113 * 19 three
     * blocks of 64; 991 * 21 23 blocks of 64; 13 * 600, 521 * 113 and the
     * full mode of 257 * 257 one transform of 640; 5 x 2 * 43 x 15 one of
     * 48 x 16. Equal shapes need a length of their own in every mode. */
    static const struct {
        size_t rows, cols, krows, kcols;
        clconv_dtype dtype;
        int batch_mode; /* the mode that runs a batch of 3, or -1 */
    } shapes[] = {
        {1, 1, 1, 1, CLCONV_F32, -1},
        {1, 7, 1, 2, CLCONV_F64, CLCONV_MODE_SAME},
        {1, 113, 1, 19, CLCONV_F32, -1},
        {1, 991, 1, 21, CLCONV_F64, CLCONV_MODE_FULL},
        {1, 13, 1, 600, CLCONV_F32, CLCONV_MODE_VALID},
        {1, 521, 1, 113, CLCONV_F32, -1},
        {1, 257, 1, 257, CLCONV_F32, -1},
        {17, 23, 5, 3, CLCONV_F32, -1},
        {5, 2, 43, 15, CLCONV_F64, CLCONV_MODE_FULL},
        {3, 50, 3, 50, CLCONV_F32, CLCONV_MODE_VALID},
    };
    clconv_runtime *rt = test_runtime();
    int serial = 0;
    for (size_t i = 0; i < LEN(shapes); i++) {
        if (!conv_dtype_supported(rt, shapes[i].dtype)) continue;
        for (int mode = CLCONV_MODE_FULL; mode <= CLCONV_MODE_VALID; mode++, serial++) {
            conv_case c = {.kind = shapes[i].rows > 1 ? CONV_2D : CONV_1D,
                           .form = serial % 2 ? FORM_DEVICE : FORM_HOST,
                           .dtype = shapes[i].dtype,
                           .mode = (clconv_mode)mode,
                           .method = CLCONV_METHOD_FFT,
                           .correlate = serial % 3 == 1,
                           .batch = mode == shapes[i].batch_mode ? 3 : 1,
                           .rows = shapes[i].rows,
                           .cols = shapes[i].cols,
                           .krows = shapes[i].krows,
                           .kcols = shapes[i].kcols,
                           .seed = 500 + (uint64_t)serial};
            /* Valid mode needs one input to cover the other. */
            if (mode == CLCONV_MODE_VALID &&
                !((c.rows >= c.krows && c.cols >= c.kcols) ||
                  (c.krows >= c.rows && c.kcols >= c.cols)))
                continue;
            conv_case_check(rt, &c);
        }
    }
}
END_TEST

START_TEST(test_fft_long_kernel_bound)
{
    /* Long kernels, where the harness's per-output bound (which grows with
     * the square root of the taps) is looser than fft_tolerance. The float32
     * signal takes two overlap-save blocks of 32768. The float64 one makes
     * exactly one transform of 65536 points, test_fft_sizes', with a kernel
     * longer than 16384, so no overlap-save block (a power of two at least
     * twice the kernel, shorter than the transform) is left to choose
     * instead and the plans are the ones test_fft_sizes compiled. Its
     * reference costs 8e8 multiply-adds (3 s here) where blocks of its own
     * would cost six kernels to compile (7 to 8 s). */
    clconv_runtime *rt = test_runtime();
    const clconv_dtype dtype = (clconv_dtype)_i;
    if (!conv_dtype_supported(rt, dtype)) return;
    const size_t n = dtype == CLCONV_F64 ? 49152 : 30000, k = dtype == CLCONV_F64 ? 16385 : 10001;
    problem p;
    clconv__geom g = make_geom(1, dtype, 1, 1, n, 1, k, CLCONV_MODE_FULL, 0);
    problem_make(&p, &g, CLCONV_MODE_FULL, 600);
    ck_assert_int_eq(run_public(rt, &p, CLCONV_METHOD_FFT, "long kernel"), CLCONV_METHOD_FFT);
    problem_free(&p);
    g = make_geom(2, dtype, 1, 120, 100, 41, 43, CLCONV_MODE_SAME, 1);
    problem_make(&p, &g, CLCONV_MODE_SAME, 601);
    ck_assert_int_eq(run_public(rt, &p, CLCONV_METHOD_FFT, "large 2-D kernel"),
                     CLCONV_METHOD_FFT);
    problem_free(&p);
}
END_TEST

/* ---- streaming ---------------------------------------------------------------- */

START_TEST(test_fft_streaming)
{
    /* A 64 KiB allocation limit: the 1-D signal is 6x the limit, the image
     * 5x (slabs of rows), and the wide strip needs tiles of one output row.
     * FFT and direct both run through the pieces. */
    clconv_runtime_options opts = {0};
    clconv_runtime *rt = NULL;
    opts.max_alloc = 64 << 10;
    ASSERT_OK(NULL, clconv_runtime_create_ex(&rt, &opts));
    const clconv_dtype dtype = (clconv_dtype)_i;
    if (conv_dtype_supported(rt, dtype)) {
        const size_t es = dtype == CLCONV_F64 ? 8 : 4;
        const size_t n1 = 6 * (64 << 10) / es;
        const clconv__geom cases[] = {
            make_geom(1, dtype, 1, 1, n1, 1, 301, CLCONV_MODE_FULL, 0),
            make_geom(1, dtype, 2, 1, n1 / 2, 1, 1000, CLCONV_MODE_SAME, 1),
            make_geom(2, dtype, 1, 5 * (64 << 10) / es / 160, 160, 7, 9, CLCONV_MODE_VALID, 0),
            make_geom(2, dtype, 1, 9, 3 * (64 << 10) / es / 4, 5, 11, CLCONV_MODE_SAME, 0),
        };
        static const clconv_mode modes[] = {CLCONV_MODE_FULL, CLCONV_MODE_SAME,
                                            CLCONV_MODE_VALID, CLCONV_MODE_SAME};
        for (size_t i = 0; i < LEN(cases); i++) {
            problem p;
            problem_make(&p, &cases[i], modes[i], 700 + i);
            run_public(rt, &p, CLCONV_METHOD_FFT, "streamed FFT");
            run_public(rt, &p, CLCONV_METHOD_DIRECT, "streamed direct");
            problem_free(&p);
        }
        /* A kernel larger than the limit cannot be cut: a clear refusal. */
        float one = 1;
        float *big = calloc(40000, sizeof *big), *out = calloc(40000, sizeof *out);
        ck_assert(big && out);
        ASSERT_FAILS(rt, clconv_conv1d_host(rt, CLCONV_F32, &one, 1, 1, big, 40000, out, NULL),
                     CLCONV_EOVERFLOW);
        assert_last_error_has(rt, "allocation limit");
        free(big);
        free(out);
    }
    clconv_runtime_destroy(rt);
}
END_TEST

/* ---- planning ----------------------------------------------------------------- */

/* A cost model with every figure given here, so the planner's choices in
 * the tests below follow from these numbers and not from the device that
 * runs them or a model `clconv tune` stored for it. direct_gflops is the
 * direct kernels' rate in both precisions; the rest is a CPU-like FFT:
 * 5 ns a point for every row pass, columns at half that, 25 GB/s for the
 * element-wise kernels, 3 us a launch, plans at 3 ms plus 40 ns a point. */
static clconv__model known_model(double direct_gflops)
{
    clconv__model m;
    memset(&m, 0, sizeof m);
    m.direct_gflops[0] = m.direct_gflops[1] = direct_gflops;
    m.direct_call_s = 30e-6;
    for (int d = 0; d < 2; d++)
        for (int b = 0; b < CLCONV__MODEL_BUCKETS; b++) m.fft_ns[d][b] = 5.0;
    m.column_factor = 0.5;
    m.bandwidth_gbps = 25.0;
    m.launch_s = 3e-6;
    m.plan_s = 3e-3;
    m.plan_ns = 40.0;
    return m;
}

/* A runtime without a disk cache (so no model it is given reaches other
 * runtimes) whose cost model is m. */
static clconv_runtime *model_runtime(const clconv__model *m)
{
    clconv_runtime_options opts = {0};
    clconv_runtime *rt = NULL;
    int saved = 1;
    opts.disk_cache = -1;
    ASSERT_OK(NULL, clconv_runtime_create_ex(&rt, &opts));
    ASSERT_OK(rt, clconv__model_set(rt, m, &saved));
    ck_assert_int_eq(saved, 0);
    return rt;
}

/* The method auto picks for g on rt. */
static clconv_method auto_method(clconv_runtime *rt, const clconv__geom *g)
{
    clconv_method method;
    ASSERT_OK(rt, clconv__plan_method(rt, g, &method));
    return method;
}

START_TEST(test_fft_auto_choice)
{
    /* The model's estimates at 100 GFLOP/s: a 2048 x 2048 image with a
     * 63 x 63 kernel 0.33 s direct, 0.13 s by FFT; with a 3 x 3 kernel
     * 0.79 ms direct, 83 ms by FFT; 2^20 points with 2^15 taps 0.71 s
     * direct, 34 ms by FFT; 4096 points with 5 taps 0.03 ms direct, 6 ms by
     * FFT. At 1e6 GFLOP/s every one is cheaper direct, at 1e-3 GFLOP/s
     * every one by FFT. auto reports what ran. */
    const clconv__geom big1d =
        make_geom(1, CLCONV_F32, 1, 1, 1 << 20, 1, 1 << 15, CLCONV_MODE_FULL, 0);
    const clconv__geom big2d = make_geom(2, CLCONV_F32, 1, 2048, 2048, 63, 63, CLCONV_MODE_SAME, 0);
    const clconv__geom small2d = make_geom(2, CLCONV_F32, 1, 2048, 2048, 3, 3, CLCONV_MODE_SAME, 0);
    const clconv__geom small1d = make_geom(1, CLCONV_F32, 1, 1, 4096, 1, 5, CLCONV_MODE_SAME, 0);

    clconv__model m = known_model(100);
    clconv_runtime *rt = model_runtime(&m);
    ck_assert_int_eq(auto_method(rt, &big1d), CLCONV_METHOD_FFT);
    ck_assert_int_eq(auto_method(rt, &big2d), CLCONV_METHOD_FFT);
    ck_assert_int_eq(auto_method(rt, &small2d), CLCONV_METHOD_DIRECT);
    ck_assert_int_eq(auto_method(rt, &small1d), CLCONV_METHOD_DIRECT);
    problem p;
    problem_make(&p, &small1d, CLCONV_MODE_SAME, 800);
    ck_assert_int_eq(run_public(rt, &p, CLCONV_METHOD_AUTO, "auto, short kernel"),
                     CLCONV_METHOD_DIRECT);
    problem_free(&p);
    clconv_runtime_destroy(rt);

    m = known_model(1e6);
    rt = model_runtime(&m);
    ck_assert_int_eq(auto_method(rt, &big1d), CLCONV_METHOD_DIRECT);
    ck_assert_int_eq(auto_method(rt, &big2d), CLCONV_METHOD_DIRECT);
    ck_assert_int_eq(auto_method(rt, &small2d), CLCONV_METHOD_DIRECT);
    clconv_runtime_destroy(rt);

    m = known_model(1e-3);
    rt = model_runtime(&m);
    ck_assert_int_eq(auto_method(rt, &big2d), CLCONV_METHOD_FFT);
    ck_assert_int_eq(auto_method(rt, &small2d), CLCONV_METHOD_FFT);
    ck_assert_int_eq(auto_method(rt, &small1d), CLCONV_METHOD_FFT);
    clconv_runtime_destroy(rt);
}
END_TEST

START_TEST(test_fft_layouts)
{
    /* The planner's choices under known figures: a long signal with a
     * short kernel is cut into overlap-save blocks (plans for 2^22 points
     * would cost 0.5 s, for blocks of 2^13 a few ms); a kernel as long as
     * the signal is not; sizes are fast and rows even. */
    clconv__model m = known_model(100);
    clconv_runtime *rt = model_runtime(&m);
    clconv__fft_layout lay;
    clconv__geom g = make_geom(1, CLCONV_F32, 1, 1, 1 << 22, 1, 1001, CLCONV_MODE_FULL, 0);
    ASSERT_OK(rt, clconv__plan_fft(rt, &g, &lay, NULL));
    ck_assert_uint_gt(lay.blocks[1], 1);
    ck_assert_uint_eq(lay.len[0], 1);
    ck_assert_uint_ge(lay.step[1] * lay.blocks[1], g.out[1]);
    g = make_geom(2, CLCONV_F64, 2, 300, 301, 300, 301, CLCONV_MODE_FULL, 0);
    ASSERT_OK(rt, clconv__plan_fft(rt, &g, &lay, NULL));
    ck_assert_uint_eq(lay.blocks[0] * lay.blocks[1], 1);
    ck_assert_uint_eq(lay.total, 2);
    ck_assert_uint_eq(lay.len[1] % 2, 0);
    ck_assert_uint_eq(clconv__fast_size(lay.len[0], 0), lay.len[0]);
    ck_assert_uint_ge(lay.len[0], 599);
    ck_assert_uint_eq(clconv__fast_size(1, 1), 2);
    ck_assert_uint_eq(clconv__fast_size(11, 0), 12);
    ck_assert_uint_eq(clconv__fast_size(97, 1), 98);
    ck_assert_uint_eq(clconv__fast_size(1023, 1), 1024);
    clconv_runtime_destroy(rt);
}
END_TEST

START_TEST(test_fft_plan_cache)
{
    /* A second call with the same transform creates no plan. The transform
     * is one of test_fft_sizes' (98304 points, float32), so on a cold cache
     * its kernels are compiled once for both tests. */
    clconv_runtime *rt = test_runtime();
    clconv__fft_key fwd = {{1, 98304}, 1, CLCONV_F32, 0, 1, 0, 0};
    clconv__fft_key inv = {{1, 98304}, 1, CLCONV_F32, 1, 1, 0, 0};
    problem p;
    clconv__geom g = make_geom(1, CLCONV_F32, 1, 1, 98304 - 24, 1, 25, CLCONV_MODE_FULL, 0);
    problem_make(&p, &g, CLCONV_MODE_FULL, 900);
    ck_assert_int_eq(clconv__fft_is_cached(rt, &fwd), 0);
    const unsigned long before = clconv__fft_generation(rt);
    clconv__fft_layout lay = plain_layout(&g);
    lay.len[1] = 98304;
    run_with_layout(rt, &p, &lay, "first call");
    ck_assert_int_eq(clconv__fft_is_cached(rt, &fwd), 1);
    ck_assert_int_eq(clconv__fft_is_cached(rt, &inv), 1);
    const unsigned long after = clconv__fft_generation(rt);
    ck_assert_uint_ne(after, before);
    run_with_layout(rt, &p, &lay, "second call");
    ck_assert_uint_eq(clconv__fft_generation(rt), after);
    problem_free(&p);
}
END_TEST

/* CLCONV_FFT_BACKEND forces a backend, and a value that cannot be honoured
 * is refused at runtime creation with a message that names it. Each forced
 * backend runs a small convolution, checked against the reference. */
static void backend_case(const char *value)
{
    setenv("CLCONV_FFT_BACKEND", value, 1);
    clconv_runtime *rt = NULL;
    const int st = clconv_runtime_create(&rt, NULL);
    const int bogus = strcmp(value, "bogus") == 0;
#ifdef CLCONV_FFTW
    const int built = 1;
#else
    const int built = 0;
#endif
    if (bogus || (strcmp(value, "host") == 0 && !built)) {
        ck_assert_int_eq(st, CLCONV_EINVAL);
        ck_assert_msg(strstr(clconv_last_error(NULL), "CLCONV_FFT_BACKEND") != NULL,
                      "%s: '%s'", value, clconv_last_error(NULL));
        return;
    }
    if (st == CLCONV_EINVAL && strcmp(value, "host") == 0) {
        /* Refused only where the device's buffers are not host memory. */
        ck_assert_msg(strstr(clconv_last_error(NULL), "host memory") != NULL, "'%s'",
                      clconv_last_error(NULL));
        return;
    }
    ASSERT_OK(NULL, st);
    const int want_host = strcmp(value, "host") == 0 ||
                          (strcmp(value, "auto") == 0 && built && rt->host_unified &&
                           rt->info.type == CLCONV_DEVICE_CPU);
    ck_assert_str_eq(clconv__fft_backend_name(rt), want_host ? "host FFTW" : "VkFFT");
    problem p;
    clconv__geom g = make_geom(1, CLCONV_F32, 1, 1, 4096 - 24, 1, 25, CLCONV_MODE_FULL, 0);
    problem_make(&p, &g, CLCONV_MODE_FULL, 77);
    clconv__fft_layout lay = plain_layout(&g);
    lay.len[1] = 4096;
    run_with_layout(rt, &p, &lay, value);
    problem_free(&p);
    clconv_runtime_destroy(rt);
}

START_TEST(test_fft_backend_env)
{
    const char *saved = getenv("CLCONV_FFT_BACKEND");
    char *keep = saved ? strdup(saved) : NULL;
    backend_case("bogus");
    backend_case("vkfft");
    backend_case("host");
    backend_case("auto");
    if (keep) setenv("CLCONV_FFT_BACKEND", keep, 1);
    else unsetenv("CLCONV_FFT_BACKEND");
    free(keep);
}
END_TEST

START_TEST(test_fft_auto_memo)
{
    /* auto's decisions are kept per geometry, but a new model replaces
     * them at once: a device made to look fast at direct convolution gets
     * direct, one made slow gets FFT, for the same geometry. */
    clconv__model m = known_model(1e9);
    m.direct_call_s = 0;
    clconv_runtime *rt = model_runtime(&m);
    int saved = 1;
    const clconv__geom g =
        make_geom(1, CLCONV_F32, 1, 1, 1 << 20, 1, 1 << 15, CLCONV_MODE_FULL, 0);
    for (int round = 0; round < 2; round++) {
        if (round == 1) {
            m = known_model(1e-3);
            ASSERT_OK(rt, clconv__model_set(rt, &m, &saved));
            ck_assert_int_eq(saved, 0); /* no disk cache: nothing stored */
        }
        for (int call = 0; call < 2; call++)
            ck_assert_int_eq(auto_method(rt, &g),
                             round == 0 ? CLCONV_METHOD_DIRECT : CLCONV_METHOD_FFT);
    }
    clconv_runtime_destroy(rt);
}
END_TEST

/* Cuts a file to half its length (test_for_each_file callback). */
static void truncate_half(const char *file, void *arg)
{
    struct stat st;
    (void)arg;
    ck_assert_int_eq(stat(file, &st), 0);
    ck_assert_int_eq(truncate(file, st.st_size / 2), 0);
}

/* A new runtime whose disk cache, models included, is dir. */
static clconv_runtime *cached_runtime(const char *dir)
{
    clconv_runtime_options opts = {0};
    clconv_runtime *rt = NULL;
    opts.cache_dir = dir;
    opts.disk_cache = 1;
    ASSERT_OK(NULL, clconv_runtime_create_ex(&rt, &opts));
    return rt;
}

START_TEST(test_fft_model_store)
{
    /* A model set on one runtime is stored in the cache directory and
     * loaded by the next runtime on the device, the direct kernels' tuned
     * shapes and the 3-D figures with it (the plain strip loop, UNROLL 0,
     * among them); a damaged file is ignored. */
    char *dir = test_tempdir();
    clconv_runtime *rt = cached_runtime(dir);
    clconv__model m, back;
    int saved = 0;
    ASSERT_OK(rt, clconv__model_get(rt, &m));
    ck_assert_int_eq(m.tuned, 0);
    m.direct_gflops[0] = 123.5;
    m.fft_ns[1][20] = 9.25;
    for (int d = 0; d < 2; d++) {
        for (int i = 0; i < CLCONV__TUNE3_SIZES; i++) {
            m.direct3_gflops[d][i] = 10.5 + 3 * d + i;
            m.fft3_factor[d][i] = 1.25 + 0.5 * d + 0.125 * i;
        }
    }
    const clconv__direct_params plain = {.variant = CLCONV__DIRECT_STRIP, .vec = 16, .nacc = 8,
                                         .unroll = 0, .wgx = 8, .wgy = 1};
    const clconv__direct_params window = {.variant = CLCONV__DIRECT_STRIP, .vec = 8, .nacc = 6,
                                          .unroll = 4, .wgx = 4, .wgy = 1};
    const clconv__direct_params tile = {.variant = CLCONV__DIRECT_TILED, .unroll = 1, .wgx = 64,
                                        .wgy = 4, .wptx = 2, .wpty = 2, .kbx = 16, .kby = 16};
    m.direct_tuned[0][1] = m.direct_tuned[1][0] = m.direct_tuned[1][1] = 1;
    m.direct[0][1] = plain;
    m.direct[1][0] = window;
    m.direct[1][1] = tile;
    ASSERT_OK(rt, clconv__model_set(rt, &m, &saved));
    ck_assert_int_eq(saved, 1);
    clconv_runtime_destroy(rt);

    rt = cached_runtime(dir);
    ASSERT_OK(rt, clconv__model_get(rt, &back));
    ck_assert_int_eq(back.tuned, 1);
    ck_assert_double_eq(back.direct_gflops[0], 123.5);
    ck_assert_double_eq(back.fft_ns[1][20], 9.25);
    for (int d = 0; d < 2; d++) {
        for (int i = 0; i < CLCONV__TUNE3_SIZES; i++) {
            ck_assert_double_eq(back.direct3_gflops[d][i], 10.5 + 3 * d + i);
            ck_assert_double_eq(back.fft3_factor[d][i], 1.25 + 0.5 * d + 0.125 * i);
        }
    }
    ck_assert_int_eq(back.direct_tuned[0][0], 0);
    ck_assert(back.direct_tuned[0][1] && back.direct_tuned[1][0] && back.direct_tuned[1][1]);
    const clconv__direct_params *got[3] = {&back.direct[0][1], &back.direct[1][0],
                                           &back.direct[1][1]};
    const clconv__direct_params *want[3] = {&plain, &window, &tile};
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(got[i]->variant, want[i]->variant);
        ck_assert_uint_eq(got[i]->vec, want[i]->vec);
        ck_assert_uint_eq(got[i]->nacc, want[i]->nacc);
        ck_assert_uint_eq(got[i]->unroll, want[i]->unroll);
        ck_assert_uint_eq(got[i]->wgx, want[i]->wgx);
        ck_assert_uint_eq(got[i]->wgy, want[i]->wgy);
        ck_assert_uint_eq(got[i]->wptx, want[i]->wptx);
        ck_assert_uint_eq(got[i]->wpty, want[i]->wpty);
        ck_assert_uint_eq(got[i]->kbx, want[i]->kbx);
        ck_assert_uint_eq(got[i]->kby, want[i]->kby);
    }
    clconv_runtime_destroy(rt);

    ck_assert_uint_eq(test_count_files(dir), 1);
    /* clconv_tune itself takes seconds of compilation on a cold cache, too
     * long for this suite; its storage is what is checked here. */
    ASSERT_FAILS(NULL, clconv_tune(NULL, NULL), CLCONV_EINVAL);
    test_for_each_file(dir, truncate_half, NULL);
    rt = cached_runtime(dir);
    ASSERT_OK(rt, clconv__model_get(rt, &back));
    ck_assert_int_eq(back.tuned, 0);
    clconv_runtime_destroy(rt);
    test_rmtree_free(dir);
}
END_TEST

/* Rewrites a stored model (test_for_each_file callback) as format 3 wrote
 * it: header and key of format 3, no 3-D lines, under the file name format
 * 3's key hashes to (FNV-1a, as plan.c names model files). */
static void downgrade_to_format3(const char *file, void *arg)
{
    char line[2048], key[2048], path[4096];
    FILE *in = fopen(file, "r"), *out;
    uint64_t h = 0xcbf29ce484222325ull;
    (void)arg;
    ck_assert(in != NULL);
    ck_assert(fgets(line, sizeof line, in) && strcmp(line, "clconv-model 4\n") == 0);
    ck_assert(fgets(line, sizeof line, in) && strncmp(line, "key clconv-model 4|", 19) == 0);
    line[strcspn(line, "\n")] = '\0';
    snprintf(key, sizeof key, "clconv-model 3%s", line + 18);
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    snprintf(path, sizeof path, "%.*s/model-%016llx.txt", (int)(strrchr(file, '/') - file), file,
             (unsigned long long)h);
    out = fopen(path, "w");
    ck_assert(out != NULL);
    fprintf(out, "clconv-model 3\nkey %s\n", key);
    while (fgets(line, sizeof line, in))
        if (strncmp(line, "direct3_gflops ", 15) != 0 && strncmp(line, "fft3_factor ", 12) != 0)
            fputs(line, out);
    ck_assert_int_eq(fclose(out), 0);
    fclose(in);
    ck_assert_int_eq(remove(file), 0);
}

START_TEST(test_fft_model_format3)
{
    /* A model stored before the 3-D figures existed is still read: its 1-D
     * and 2-D figures count, and 3-D falls back to them (figures 0). */
    char *dir = test_tempdir();
    clconv_runtime *rt = cached_runtime(dir);
    clconv__model m, back;
    int saved = 0;
    ASSERT_OK(rt, clconv__model_get(rt, &m));
    m.direct_gflops[0] = 77.25;
    m.direct3_gflops[0][1] = 5.5;
    m.fft3_factor[1][2] = 0.75;
    ASSERT_OK(rt, clconv__model_set(rt, &m, &saved));
    ck_assert_int_eq(saved, 1);
    clconv_runtime_destroy(rt);
    test_for_each_file(dir, downgrade_to_format3, NULL);
    ck_assert_uint_eq(test_count_files(dir), 1);

    rt = cached_runtime(dir);
    ASSERT_OK(rt, clconv__model_get(rt, &back));
    ck_assert_int_eq(back.tuned, 1);
    ck_assert_double_eq(back.direct_gflops[0], 77.25);
    ck_assert_double_eq(back.direct3_gflops[0][1], 0);
    ck_assert_double_eq(back.fft3_factor[1][2], 0);
    clconv_runtime_destroy(rt);
    test_rmtree_free(dir);
}
END_TEST

START_TEST(test_fft_wisdom_damaged)
{
    /* The host backend's measuring planner keeps FFTW's wisdom in the disk
     * cache; a damaged wisdom file is ignored (and replaced), never an
     * error. On a runtime with the VkFFT backend the file is not read. The
     * test runs in a process of its own (Check forks), so the variable set
     * here ends with it. */
    setenv("CLCONV_FFTW_PLANNER", "measure", 1);
    char *dir = test_tempdir();
    size_t cap = strlen(dir) + 32;
    char *path = malloc(cap);
    ck_assert_ptr_nonnull(path);
    snprintf(path, cap, "%s/fftw-f32.wisdom", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("(fftw-3.3.10 fftwf_wisdom #x1 (not wisdom", f);
    ck_assert_int_eq(fclose(f), 0);
    clconv_runtime *rt = cached_runtime(dir);
    problem p;
    clconv__geom g = make_geom(1, CLCONV_F32, 1, 1, 2048 - 24, 1, 25, CLCONV_MODE_FULL, 0);
    problem_make(&p, &g, CLCONV_MODE_FULL, 78);
    clconv__fft_layout lay = plain_layout(&g);
    lay.len[1] = 2048;
    run_with_layout(rt, &p, &lay, "damaged wisdom");
    problem_free(&p);
    clconv_runtime_destroy(rt);
    free(path);
    test_rmtree_free(dir);
}
END_TEST

Suite *clconv_test_suite_fft(void)
{
    Suite *s = suite_create("fft");
    TCase *sizes = test_tcase("sizes");
    TCase *blocks = test_tcase("overlap_save");
    TCase *api = test_tcase("public");
    TCase *plan = test_tcase_bare("planning");

    tcase_add_loop_test(sizes, test_fft_sizes, CLCONV_F32, CLCONV_F64 + 1);
    tcase_add_loop_test(blocks, test_fft_overlap_save_1d, CLCONV_F32, CLCONV_F64 + 1);
    tcase_add_loop_test(blocks, test_fft_overlap_save_2d, CLCONV_F32, CLCONV_F64 + 1);
    tcase_add_loop_test(blocks, test_fft_many_blocks, CLCONV_F32, CLCONV_F64 + 1);
    tcase_add_test(api, test_fft_public);
    tcase_add_loop_test(api, test_fft_long_kernel_bound, CLCONV_F32, CLCONV_F64 + 1);
    tcase_add_loop_test(plan, test_fft_streaming, CLCONV_F32, CLCONV_F64 + 1);
    suite_add_tcase(s, sizes);
    suite_add_tcase(s, blocks);
    suite_add_tcase(s, api);
    suite_add_tcase(s, plan);
    TCase *fixture = test_tcase("cache");
    tcase_add_test(fixture, test_fft_plan_cache);
    tcase_add_test(fixture, test_fft_backend_env);
    tcase_add_test(fixture, test_fft_wisdom_damaged);
    suite_add_tcase(s, fixture);
    TCase *model = test_tcase_bare("model");
    tcase_add_test(model, test_fft_auto_choice);
    tcase_add_test(model, test_fft_layouts);
    tcase_add_test(model, test_fft_model_store);
    tcase_add_test(model, test_fft_model_format3);
    tcase_add_test(model, test_fft_auto_memo);
    suite_add_tcase(s, model);
    return s;
}
