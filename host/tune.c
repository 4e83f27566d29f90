/*
 * clconv_tune: a few seconds of measurement that replace the default cost
 * model (plan.c) with the device's own figures: the direct kernels' rate,
 * the cost per point of a transform pass by length, how a 2-D column pass
 * compares with a row pass, memory bandwidth, launch overhead and plan
 * creation; in 3-D the direct strips' rate by kernel size and how a 3-D
 * FFT convolution compares with what those figures predict for it; and the best tunables of the direct kernels, searched over a
 * few dozen shapes so that a device nobody has measured does not run the
 * defaults of another. Every figure is the best of a few runs after a first
 * one that pays compilation and plan creation (which is itself measured).
 */
#include "dispatch.h"
#include "fft.h"
#include "params.h"
#include "plan.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Transform lengths measured (log2), by dtype; the rest of the table is
 * interpolated. 2^16 and 2^17 sit where the local-memory ceiling changes
 * VkFFT's kernels, so they are measured rather than guessed. */
static const int FFT_BITS[2][12] = {
    {8, 10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 22},
    {8, 10, 12, 14, 16, 17, 18, 20, 22, 0, 0, 0},
};

/* Points per timed transform launch: enough to swamp launch overhead. */
#define POINTS_PER_LAUNCH ((size_t)1 << 21)
#define REPS 3

static int finish(clconv_runtime *rt)
{
    CL_RETURN_IF(rt, CLCONV__CL(clFinish, rt->queue), "clFinish", "timing on '%s'", rt->info.name);
    return 0;
}

/* A scratch buffer of `bytes` filled with ones of dtype (garbage could hold
 * denormals or NaNs, which some devices process slowly). */
static int ones(clconv_runtime *rt, clconv_dtype dtype, size_t bytes, cl_mem *mem)
{
    const float f = 1.0f;
    const double d = 1.0;
    FORWARD_IF_ERROR(clconv__scratch_get(rt, bytes, mem));
    cl_int err = dtype == CLCONV_F64 ? CLCONV__CL(clEnqueueFillBuffer, rt->queue, *mem, &d,
                                                  sizeof d, 0, bytes, 0, NULL, NULL)
                                     : CLCONV__CL(clEnqueueFillBuffer, rt->queue, *mem, &f,
                                                  sizeof f, 0, bytes, 0, NULL, NULL);
    if (err != CL_SUCCESS) {
        clconv__scratch_release(rt, *mem);
        return clconv__cl_fail(rt, err, "clEnqueueFillBuffer", __FILE__, __LINE__,
                               "%zu bytes for timing", bytes);
    }
    return 0;
}

/* Times the transform of key: *first includes creating its plan, *best is
 * the best of REPS later runs. */
static int time_fft(clconv_runtime *rt, const clconv__fft_key *key, double *first, double *best)
{
    size_t bytes = clconv__fft_reals(key->len) * key->count * clconv_dtype_size(key->dtype);
    cl_mem buf;
    FORWARD_IF_ERROR(ones(rt, key->dtype, bytes, &buf));
    int status = finish(rt);
    *best = INFINITY;
    for (int r = 0; status == 0 && r <= REPS; r++) {
        double t0 = clconv__now_s();
        status = clconv__fft_execute(rt, key, buf);
        if (status == 0) status = finish(rt);
        double t = clconv__now_s() - t0;
        if (r == 0) *first = t;
        else if (t < *best) *best = t;
    }
    clconv__scratch_release(rt, buf);
    return status;
}

/* The cost of one more launch of key's transform queued behind others: the
 * best over REPS of LAUNCHES launches and one wait, less one launch with
 * its wait, shared out. A single launch's round trip would count the wait
 * for the device, which on a GPU is most of it and which a call pays once
 * (direct_call_s), not per launch. */
#define LAUNCHES 32
static int time_launches(clconv_runtime *rt, const clconv__fft_key *key, double *per_launch)
{
    double first, single, many = INFINITY;
    size_t bytes = clconv__fft_reals(key->len) * key->count * clconv_dtype_size(key->dtype);
    FORWARD_IF_ERROR(time_fft(rt, key, &first, &single));
    cl_mem buf;
    FORWARD_IF_ERROR(ones(rt, key->dtype, bytes, &buf));
    int status = finish(rt);
    for (int r = 0; status == 0 && r < REPS; r++) {
        double t0 = clconv__now_s();
        for (int i = 0; status == 0 && i < LAUNCHES; i++)
            status = clconv__fft_execute(rt, key, buf);
        if (status == 0) status = finish(rt);
        double t = clconv__now_s() - t0;
        if (t < many) many = t;
    }
    clconv__scratch_release(rt, buf);
    *per_launch = fmax(many - single, 0) / (LAUNCHES - 1);
    return status;
}

/* A valid-mode correlation of out[] outputs (rows, columns, planes) with a
 * k[] window in dtype, dims as given. */
static void valid_geom(int dims, clconv_dtype dtype, const size_t out[3], const size_t k[3],
                       clconv__geom *g)
{
    memset(g, 0, sizeof *g);
    g->dims = dims;
    g->batch = 1;
    for (int d = 0; d < 3; d++) {
        g->n[d] = out[d] + k[d] - 1;
        g->k[d] = k[d];
        g->out[d] = out[d];
        g->start[d] = k[d] - 1;
    }
    g->dtype = dtype;
    g->correlate = 1;
}

/* What time_run times. */
typedef enum timed { TIMED_DIRECT, TIMED_DIRECT3, TIMED_FFT3 } timed;

/* Runs g on inputs of ones with the path `what` (TIMED_DIRECT with the
 * tunables *force, or for NULL those the runtime chooses): the first run's
 * time, which pays compilation and plan creation, in *first (may be NULL),
 * and the best of reps runs after it in *best, in seconds. */
static int time_run(clconv_runtime *rt, const clconv__geom *g, timed what,
                    const clconv__direct_params *force, int reps, double *first, double *best)
{
    const size_t es = clconv_dtype_size(g->dtype);
    cl_mem x = NULL, h = NULL, y = NULL;
    int status = ones(rt, g->dtype, g->n[0] * g->n[1] * g->n[2] * es, &x);
    if (status == 0) status = ones(rt, g->dtype, g->k[0] * g->k[1] * g->k[2] * es, &h);
    if (status == 0) status = clconv__scratch_get(rt, g->out[0] * g->out[1] * g->out[2] * es, &y);
    if (status == 0) status = finish(rt);
    *best = INFINITY;
    for (int r = 0; status == 0 && r <= reps; r++) {
        double t0 = clconv__now_s();
        if (what == TIMED_DIRECT3) status = clconv__direct3d_run(rt, g, x, h, y);
        else if (what == TIMED_FFT3) status = clconv__fft3d_run(rt, g, x, h, y);
        else status = clconv__direct_run_params(rt, g, x, h, y, force);
        if (status == 0) status = finish(rt);
        double t = clconv__now_s() - t0;
        if (r == 0 && first) *first = t;
        if (r > 0 && t < *best) *best = t;
    }
    clconv__scratch_release(rt, x);
    clconv__scratch_release(rt, h);
    clconv__scratch_release(rt, y);
    return status;
}

/* A valid-mode direct correlation of rows x cols outputs with a kr x kc
 * window in dtype (rows = kr = 1: 1-D), run with the tunables *force or,
 * for NULL, those the runtime chooses: its best time over reps runs after a
 * first, in seconds. */
static int time_direct(clconv_runtime *rt, clconv_dtype dtype, size_t rows, size_t cols,
                       size_t kr, size_t kc, int reps, const clconv__direct_params *force,
                       double *best)
{
    const size_t out[3] = {rows, cols, 1}, k[3] = {kr, kc, 1};
    clconv__geom g;
    valid_geom(rows > 1 || kr > 1 ? 2 : 1, dtype, out, k, &g);
    return time_run(rt, &g, TIMED_DIRECT, force, reps, NULL, best);
}

/* The shapes the direct search tries, by variant. Strips: vectors of the
 * device's preferred width (a full register), 4 to 12 accumulators, and the
 * plain loop or the input window shifted every four taps (conv_strip.cl: NACC
 * accumulators and NACC + UNROLL - 1 window vectors must fit the register
 * file, 16 vectors on AVX2 and 32 on AVX-512, or they spill). Tiles: the
 * H100's best entries and shapes around them, in 1-D rows and 2-D blocks. */
static const unsigned STRIP_NACC[] = {4, 6, 8, 10, 12};
static const unsigned STRIP_UNROLL[] = {0, 4};
static const unsigned TILED_1D[][6] = {{256, 1, 8, 1, 256, 1}, {256, 1, 4, 1, 64, 1},
                                       {128, 1, 8, 1, 128, 1}, {64, 1, 8, 1, 64, 1},
                                       {256, 1, 2, 1, 256, 1}, {128, 1, 4, 1, 128, 1}};
static const unsigned TILED_2D[][6] = {{32, 8, 2, 2, 16, 16}, {64, 4, 2, 2, 16, 16},
                                       {32, 4, 4, 4, 16, 16}, {16, 16, 2, 2, 16, 16},
                                       {32, 8, 4, 2, 16, 16}, {64, 4, 4, 2, 8, 8}};
#define DIRECT_SHAPES_MAX 12

/* The shapes to try for dtype and dims, over base (the table's choice);
 * returns how many. */
static size_t direct_shapes(const clconv_runtime *rt, clconv_dtype dtype, int dims,
                            const clconv__direct_params *base,
                            clconv__direct_params shapes[DIRECT_SHAPES_MAX])
{
    size_t n = 0;
    if (base->variant == CLCONV__DIRECT_STRIP) {
        const unsigned wide = clconv__vector_width(rt, dtype);
        for (size_t u = 0; u < sizeof STRIP_UNROLL / sizeof STRIP_UNROLL[0]; u++) {
            for (size_t a = 0; a < sizeof STRIP_NACC / sizeof STRIP_NACC[0]; a++) {
                shapes[n] = *base;
                shapes[n].vec = wide;
                shapes[n].nacc = STRIP_NACC[a];
                shapes[n].unroll = STRIP_UNROLL[u];
                n++;
            }
        }
        return n;
    }
    const unsigned(*list)[6] = dims == 1 ? TILED_1D : TILED_2D;
    for (size_t i = 0; i < 6; i++) {
        shapes[n] = *base;
        shapes[n].wgx = list[i][0], shapes[n].wgy = list[i][1];
        shapes[n].wptx = list[i][2], shapes[n].wpty = list[i][3];
        shapes[n].kbx = list[i][4], shapes[n].kby = list[i][5];
        if ((size_t)shapes[n].wgx * shapes[n].wgy <= rt->info.max_work_group_size) n++;
    }
    return n;
}

/* Searches the direct kernels' shapes for dtype and dims on problems where
 * they run at full rate: 1-D, 2^20 (float64: 2^19) outputs of 255 taps,
 * compute-bound; 2-D, 1024 x 1024 outputs of a 9 x 9 window, where memory
 * counts too. Stores the best shape in m, and its rate in m->direct_gflops
 * (1-D) or m->direct2_gflops (2-D). A shape the device cannot run is skipped. */
static int tune_direct(clconv_runtime *rt, clconv_dtype dtype, int dims, clconv__model *m)
{
    const size_t rows = dims == 1 ? 1 : 1024, cols = dims == 1 ? (size_t)1 << 20 : 1024;
    const size_t n = dtype == CLCONV_F64 && dims == 1 ? cols / 2 : cols;
    const size_t kr = dims == 1 ? 1 : 9, kc = dims == 1 ? 255 : 9;
    clconv__direct_params base, shapes[DIRECT_SHAPES_MAX];
    FORWARD_IF_ERROR(
        clconv__direct_params_get(rt, dtype, dims, kr, kc, CLCONV__DIRECT_ANY, &base));
    const size_t count = direct_shapes(rt, dtype, dims, &base, shapes);
    const double t0 = clconv__now_s();
    double best = INFINITY;
    size_t chosen = 0;
    for (size_t i = 0; i < count; i++) {
        double t;
        const int status = time_direct(rt, dtype, rows, n, kr, kc, REPS, &shapes[i], &t);
        if (status == CLCONV_ENOTSUP || status == CLCONV_EDEVMEM || status == CLCONV_EBUILD)
            continue;
        FORWARD_IF_ERROR(status);
        if (t < best) best = t, chosen = i;
    }
    RETURN_IF(rt, !isfinite(best), CLCONV_ENOTSUP,
              "no shape of the direct kernels runs on '%s'", rt->info.name);
    const int d = dtype == CLCONV_F64;
    m->direct_tuned[d][dims - 1] = 1;
    m->direct[d][dims - 1] = shapes[chosen];
    const double rate = 2.0 * (double)rows * (double)n * (double)(kr * kc) / best / 1e9;
    if (dims == 1) m->direct_gflops[d] = rate;
    else m->direct2_gflops[d] = rate;
    clconv__note(rt, "tuned: direct %s %d-D, %zu shapes in %.1f s, best %.1f GFLOP/s",
                 d ? "f64" : "f32", dims, count, clconv__now_s() - t0,
                 rate);
    return 0;
}

/* Bytes read plus written per second by a device-side copy of 64 MiB. */
static int time_bandwidth(clconv_runtime *rt, double *gbps)
{
    const size_t bytes = (size_t)64 << 20;
    cl_mem a = NULL, b = NULL;
    int status = ones(rt, CLCONV_F32, bytes, &a);
    if (status == 0) status = ones(rt, CLCONV_F32, bytes, &b);
    double best = INFINITY;
    for (int r = 0; status == 0 && r <= REPS; r++) {
        double t0 = clconv__now_s();
        cl_int err = CLCONV__CL(clEnqueueCopyBuffer, rt->queue, a, b, 0, 0, bytes, 0, NULL, NULL);
        if (err != CL_SUCCESS)
            status = clconv__cl_fail(rt, err, "clEnqueueCopyBuffer", __FILE__, __LINE__,
                                     "timing a copy of %zu bytes", bytes);
        if (status == 0) status = finish(rt);
        double t = clconv__now_s() - t0;
        if (r > 0 && t < best) best = t;
    }
    clconv__scratch_release(rt, a);
    clconv__scratch_release(rt, b);
    *gbps = 2.0 * (double)bytes / best / 1e9;
    return status;
}

/* Taps of the convolutions that time the host backend's transforms: few
 * enough that nearly all of a block is output. */
#define HOST_TAPS 16

/* On the host backend: a valid-mode convolution cut into `count`
 * overlap-save blocks of rows x len points (along rows when rows > 1: a
 * 2-D one), with HOST_TAPS taps per dimension, timed as
 * clconv__fft_run_layout runs it, with *first including plan creation.
 * This is what the cost model's transform figures price there: each block
 * goes through padding, both transforms, the product and the crop in one
 * trip through the caches (fftconv_host.c). */
static int time_host_blocks(clconv_runtime *rt, clconv_dtype dtype, size_t rows, size_t len,
                            size_t count, double *first, double *best)
{
    const size_t kr = rows > 1 ? HOST_TAPS : 1;
    const size_t step = len - HOST_TAPS + 1, step_r = rows - kr + 1;
    const size_t out[3] = {rows > 1 ? count * step_r : 1, rows > 1 ? step : count * step, 1};
    const size_t k[3] = {kr, HOST_TAPS, 1};
    clconv__geom g;
    valid_geom(rows > 1 ? 2 : 1, dtype, out, k, &g);
    const size_t blocks_c = rows > 1 ? 1 : count;
    const clconv__fft_layout lay = {{rows, len}, {step_r, step}, {count / blocks_c, blocks_c},
                                    {0, 0}, {kr - 1, HOST_TAPS - 1}, count, count, 0};
    const size_t es = clconv_dtype_size(dtype);
    cl_mem x = NULL, h = NULL, y = NULL;
    int status = ones(rt, dtype, g.n[0] * g.n[1] * es, &x);
    if (status == 0) status = ones(rt, dtype, kr * HOST_TAPS * es, &h);
    if (status == 0) status = clconv__scratch_get(rt, g.out[0] * g.out[1] * es, &y);
    if (status == 0) status = finish(rt);
    *best = INFINITY;
    for (int r = 0; status == 0 && r <= REPS; r++) {
        const double t0 = clconv__now_s();
        status = clconv__fft_run_layout(rt, &g, &lay, x, h, y);
        if (status == 0) status = finish(rt);
        const double t = clconv__now_s() - t0;
        if (r == 0) *first = t;
        else if (t < *best) *best = t;
    }
    clconv__scratch_release(rt, x);
    clconv__scratch_release(rt, h);
    clconv__scratch_release(rt, y);
    return status;
}

/* On the host backend, creating an FFTW plan: inverse plans with FFTW's
 * threads (which the overlap-save timings above do not make) of 2^10 and
 * 2^22 points, planned as the host convolution plans them, give the fixed
 * cost and the cost per point. The convolution timings' first runs would
 * count their buffers' first touch and FFTW's measuring of single-thread
 * blocks, which the disk cache's wisdom saves every later process. */
static int time_host_plans(clconv_runtime *rt, double *plan_s, double *plan_ns)
{
    double t[2];
    for (int i = 0; i < 2; i++) {
        const clconv__fft_key key = {{1, (size_t)1 << (i ? 22 : 10)}, 1, CLCONV_F32, 1, 1, 0, 0};
        const double t0 = clconv__now_s();
        FORWARD_IF_ERROR(clconv__fft_prepare(rt, &key));
        t[i] = clconv__now_s() - t0;
    }
    *plan_s = t[0];
    *plan_ns = fmax(t[1] - t[0], 0) * 1e9 / (double)((size_t)1 << 22);
    return 0;
}

/* Measures one dtype's row of the transform table (on the host backend,
 * whole overlap-save convolutions per transform, time_host_blocks); fills the buckets between
 * measured lengths by interpolation in log2 and those beyond by the growth
 * of log2 n. Plan creation times (first run minus best) go to plan_s (the
 * smallest) and plan_ns (per point, from the largest). */
static int tune_fft(clconv_runtime *rt, clconv_dtype dtype, clconv__model *m, double *plan_s,
                    double *plan_ns)
{
    const int *bits = FFT_BITS[dtype == CLCONV_F64];
    double *row = m->fft_ns[dtype == CLCONV_F64];
    int measured[CLCONV__MODEL_BUCKETS] = {0};
    int lo = -1, hi = -1;
    for (int i = 0; i < 12 && bits[i]; i++) {
        const size_t len = (size_t)1 << bits[i];
        size_t count = POINTS_PER_LAUNCH / len;
        clconv__fft_key key = {{1, len}, count ? count : 1, dtype, 0, 1, 0, 0};
        double first, best;
        if (clconv__fft_on_host(rt)) {
            /* Per point of one of the 2 count transforms (the kernel's one
             * more is a small share: count is 8 or more). */
            FORWARD_IF_ERROR(time_host_blocks(rt, dtype, 1, len, key.count < 8 ? 8 : key.count,
                                              &first, &best));
            row[bits[i]] = best * 1e9 / ((double)len * (2.0 * (key.count < 8 ? 8 : key.count) + 1));
        } else {
            FORWARD_IF_ERROR(time_fft(rt, &key, &first, &best));
            row[bits[i]] = best * 1e9 / ((double)len * (double)key.count);
        }
        measured[bits[i]] = 1;
        double create = first > best ? first - best : 0;
        if (create < *plan_s) *plan_s = create;
        *plan_ns = create * 1e9 / (double)len; /* the largest length measured last */
        if (lo < 0) lo = bits[i];
        hi = bits[i];
    }
    for (int b = 0; b < CLCONV__MODEL_BUCKETS; b++) {
        if (measured[b]) continue;
        if (b < lo) {
            row[b] = row[lo];
        } else if (b > hi) {
            row[b] = row[hi] * b / hi;
        } else {
            int a = b - 1, c = b + 1;
            while (!measured[a]) a--;
            while (!measured[c]) c++;
            row[b] = row[a] + (row[c] - row[a]) * (double)(b - a) / (double)(c - a);
        }
    }
    return 0;
}

/* Edge of the cube of outputs the 3-D direct rate is measured on: 96^3
 * outputs take 1 to 20 ms a run here from 3^3 to 7^3 taps, long enough to
 * time and large enough (3.4 MiB in float32) to leave the caches. */
#define DIRECT3_EDGE 96

/* The 3-D figures of dtype: the direct strips' rate at each
 * CLCONV__TUNE3_KERNEL size, and each CLCONV__TUNE3_VOLUME size's FFT
 * convolution (a 3^3 kernel over a volume whose transform is that size)
 * against m's estimate for it, which must not yet hold 3-D factors. The
 * FFT times go to fft_ms (milliseconds). */
static int tune3(clconv_runtime *rt, clconv_dtype dtype, clconv__model *m, double *fft_ms)
{
    const int d = dtype == CLCONV_F64;
    clconv__geom g;
    for (int i = 0; i < CLCONV__TUNE3_SIZES; i++) {
        const size_t e = CLCONV__TUNE3_KERNEL(i);
        const size_t out[3] = {DIRECT3_EDGE, DIRECT3_EDGE, DIRECT3_EDGE}, k[3] = {e, e, e};
        double best;
        valid_geom(3, dtype, out, k, &g);
        FORWARD_IF_ERROR(time_run(rt, &g, TIMED_DIRECT3, NULL, REPS, NULL, &best));
        m->direct3_gflops[d][i] = 2.0 * pow(DIRECT3_EDGE, 3) * pow((double)e, 3) / best / 1e9;
    }
    for (int i = 0; i < CLCONV__TUNE3_SIZES; i++) {
        /* A valid-mode volume of n = len points per axis transforms at len. */
        const size_t len = CLCONV__TUNE3_VOLUME(i);
        const size_t out[3] = {len - 2, len - 2, len - 2}, k[3] = {3, 3, 3};
        clconv__fft3_layout lay;
        double first, best, estimate;
        valid_geom(3, dtype, out, k, &g);
        FORWARD_IF_ERROR(time_run(rt, &g, TIMED_FFT3, NULL, REPS, &first, &best));
        /* The plans are cached now, so the estimate holds no plan creation. */
        FORWARD_IF_ERROR(clconv__plan_fft3_model(rt, m, &g, &lay, &estimate));
        m->fft3_factor[d][i] = best / estimate;
        fft_ms[i] = best * 1e3;
    }
    clconv__note(rt,
                 "tuned: 3-D %s, direct %.1f, %.1f, %.1f GFLOP/s at 3^3, 5^3, 7^3; FFT %.3g, "
                 "%.3g, %.3g x the 1-D model at 32^3, 64^3, 128^3",
                 d ? "f64" : "f32", m->direct3_gflops[d][0], m->direct3_gflops[d][1],
                 m->direct3_gflops[d][2], m->fft3_factor[d][0], m->fft3_factor[d][1],
                 m->fft3_factor[d][2]);
    return 0;
}

/* "f32 1-D strip:16,8,8,4, ..." in the form CLCONV_DIRECT_PARAMS takes. */
static void describe_shapes(const clconv__model *m, int fp64, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int d = 0; d <= fp64; d++) {
        for (int k = 0; k < 2; k++) {
            const clconv__direct_params *p = &m->direct[d][k];
            int w = 0;
            if (!m->direct_tuned[d][k])
                continue;
            else if (p->variant == CLCONV__DIRECT_STRIP)
                w = snprintf(buf + at, len - at, "%s%s %d-D strip:%u,%u,%u,%u", at ? ", " : "",
                             d ? "f64" : "f32", k + 1, p->vec, p->nacc, p->wgx, p->unroll);
            else
                w = snprintf(buf + at, len - at, "%s%s %d-D tiled:%u,%u,%u,%u,%u,%u",
                             at ? ", " : "", d ? "f64" : "f32", k + 1, p->wgx, p->wgy, p->wptx,
                             p->wpty, p->kbx, p->kby);
            if (w < 0 || (size_t)w >= len - at) return;
            at += (size_t)w;
        }
    }
}

int clconv_tune(clconv_runtime *rt, clconv_tune_result *result)
{
    RETURN_IF(rt, !rt, CLCONV_EINVAL, "runtime is NULL");
    const double start = clconv__now_s();
    clconv__model m;
    FORWARD_IF_ERROR(clconv__model_get(rt, &m));
    const int fp64 = rt->info.fp64;

    double plan_s = INFINITY, plan_ns = 0;
    FORWARD_IF_ERROR(tune_fft(rt, CLCONV_F32, &m, &plan_s, &plan_ns));
    if (fp64) FORWARD_IF_ERROR(tune_fft(rt, CLCONV_F64, &m, &plan_s, &plan_ns));
    m.plan_s = plan_s;
    m.plan_ns = plan_ns > 0 ? plan_ns : 0;
    if (clconv__fft_on_host(rt)) FORWARD_IF_ERROR(time_host_plans(rt, &m.plan_s, &m.plan_ns));

    /* 2-D transforms against their row passes: one of 2048 x 2048, and 32
     * of 256 x 256 as overlap-save cuts an image into. Column passes cost
     * more in batches of small transforms (POCL: several times a row pass)
     * than in one large one, where they stay cheap; the planner's cost
     * carries one factor, so it takes the larger, which keeps 2-D FFT from
     * being chosen where it loses (2048^2 with a 31x31 kernel took 107 ms
     * by FFT in 256 x 256 blocks, 65 ms direct). */
    const struct {
        size_t len, count;
    } squares[2] = {{2048, 1}, {256, 32}};
    double first, best;
    m.column_factor = 0.2;
    /* On the host backend the blocks alone: there one plane runs with
     * FFTW's threads and costs per point what it costs, while the blocks
     * are what a large image meets a small kernel with. */
    for (int i = clconv__fft_on_host(rt) ? 1 : 0; i < 2; i++) {
        const size_t len = squares[i].len;
        clconv__fft_key square = {{len, len}, squares[i].count, CLCONV_F32, 0, 1, 0, 0};
        /* On the host backend, as the row figures: convolutions per block. */
        if (clconv__fft_on_host(rt))
            FORWARD_IF_ERROR(time_host_blocks(rt, CLCONV_F32, len, len, square.count, &first,
                                              &best));
        else
            FORWARD_IF_ERROR(time_fft(rt, &square, &first, &best));
        /* On the host backend a block compares with a 1-D one of as many
         * points (plan.c, host_ns). */
        const size_t along = clconv__fft_on_host(rt) ? len * len : len;
        int b = 0;
        while (((size_t)1 << b) < along) b++;
        const double row = m.fft_ns[0][b];
        const double transforms = clconv__fft_on_host(rt) ? 2.0 * (double)squares[i].count + 1
                                                           : (double)squares[i].count;
        const double total = best * 1e9 / ((double)len * (double)len * transforms);
        m.column_factor = fmax(m.column_factor, fmin(5.0, (total - row) / row));
    }

    /* The launch overhead: transforms too small to take any time, queued
     * back to back as the FFT path queues its launches. */
    clconv__fft_key tiny = {{1, 16}, 1, CLCONV_F32, 0, 1, 0, 0};
    FORWARD_IF_ERROR(time_launches(rt, &tiny, &m.launch_s));

    /* The direct kernels' best shapes, and their rate where it is full. */
    for (int dims = 1; dims <= 2; dims++) {
        FORWARD_IF_ERROR(tune_direct(rt, CLCONV_F32, dims, &m));
        if (fp64) FORWARD_IF_ERROR(tune_direct(rt, CLCONV_F64, dims, &m));
    }
    if (!fp64) m.direct_gflops[1] = m.direct_gflops[0] / 2;

    /* 3-D last: its FFT factors compare with the estimate from the figures
     * above, with no earlier factors in it. */
    double fft3_ms[2][CLCONV__TUNE3_SIZES] = {{0}};
    memset(m.direct3_gflops, 0, sizeof m.direct3_gflops);
    memset(m.fft3_factor, 0, sizeof m.fft3_factor);
    FORWARD_IF_ERROR(tune3(rt, CLCONV_F32, &m, fft3_ms[0]));
    if (fp64) FORWARD_IF_ERROR(tune3(rt, CLCONV_F64, &m, fft3_ms[1]));
    /* The fixed cost of a call. A short call is at the mercy of the
     * scheduler: the best of many. */
    double t;
    FORWARD_IF_ERROR(time_direct(rt, CLCONV_F32, 1, 256, 1, 3, 8 * REPS, NULL, &t));
    m.direct_call_s = t;

    FORWARD_IF_ERROR(time_bandwidth(rt, &m.bandwidth_gbps));

    int saved = 0;
    FORWARD_IF_ERROR(clconv__model_set(rt, &m, &saved));
    clconv__note(rt,
                 "tuned: direct %.1f GFLOP/s, FFT 2^20 %.3g ns/point, bandwidth %.1f GB/s, "
                 "plan %.1f ms",
                 m.direct_gflops[0], m.fft_ns[0][20], m.bandwidth_gbps, m.plan_s * 1e3);
    if (result) {
        memset(result, 0, sizeof *result);
        result->direct_gflops[0] = m.direct_gflops[0];
        result->direct_gflops[1] = fp64 ? m.direct_gflops[1] : 0;
        result->fft_ms[0] = m.fft_ns[0][20] * (double)(1 << 20) * 1e-6;
        result->fft_ms[1] = fp64 ? m.fft_ns[1][20] * (double)(1 << 20) * 1e-6 : 0;
        result->bandwidth_gbps = m.bandwidth_gbps;
        result->plan_ms = m.plan_s * 1e3;
        result->seconds = clconv__now_s() - start;
        result->saved = saved;
        memcpy(result->direct3_gflops, m.direct3_gflops, sizeof result->direct3_gflops);
        memcpy(result->fft3_ms, fft3_ms, sizeof result->fft3_ms);
        memcpy(result->fft3_factor, m.fft3_factor, sizeof result->fft3_factor);
        describe_shapes(&m, fp64, result->direct_shapes, sizeof result->direct_shapes);
    }
    return 0;
}
