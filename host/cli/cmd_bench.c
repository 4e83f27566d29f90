/*
 * `clconv bench`: times convolutions and distribution sums on a device over
 * fixed grids, against the device's own limits. It first measures those
 * limits (clconv_device_peak: streaming bandwidth and FMA throughput), then
 * runs the direct grid (1-D float32 signals of 2^22 samples with kernels of
 * 3 to 1024 taps, 2048x2048 images with 3x3 to 15x15 kernels, one method per
 * point), the FFT grid (1-D signals of 2^16..2^24 samples with kernels of
 * 2^4..2^16 taps, 2048x2048 images with kernels of 3x3..63x63, each point
 * run direct, FFT and auto, so that auto's choice can be checked against the
 * faster forced method and the direct/FFT crossover found), the dist grid
 * (sums of many loaded dice and Poisson-binomials through clconv_dist) and
 * the 3-D grid (256^3 float32 volumes with 3^3 and 7^3 kernels run direct
 * and a 31^3 kernel run by FFT, each against the time to read and write the
 * volume once).
 * Data stay on the device, so each figure is the compute alone: the median
 * of several runs after a warm-up, each run timed from submission to
 * clconv_runtime_finish. Tables go to stdout, progress to stderr, and
 * optionally JSON and CSV to files; --all-devices runs every device and adds
 * a summary with one column per device. This file holds the options, the
 * grids and their tables; the timing harness is bench_time.c, the report
 * files and the summary bench_report.c.
 */
#include "args.h"
#include "bench.h"
#include "cli.h"
#include "outfile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char bench_help[] =
    "Usage: clconv bench [OPTIONS]\n"
    "\n"
    "Measures the device's limits, then times convolutions and distribution sums on\n"
    "it. Inputs are random and stay on the device: the figures are compute only,\n"
    "each run timed until the device has finished, the median taken over several\n"
    "runs after one warm-up run (which also compiles kernels and makes FFT plans).\n"
    "\n"
    "Limits (as clpeak measures them): global memory bandwidth, the best streaming\n"
    "read of a buffer larger than the caches; FMA throughput in float32 and float64,\n"
    "kernels with many independent FMA chains, 2 flops per FMA.\n"
    "\n"
    "Per point and method: the median ms; GFLOP/s, 2 x outputs x kernel taps per\n"
    "second (for FFT the rate a direct convolution would need to match); GB/s, the\n"
    "least traffic (signal, kernel and output once each) per second; and %roof:\n"
    "  direct  the roofline: GFLOP/s over the lower of the FMA peak and bandwidth x\n"
    "          the point's flops per byte, i.e. against the FMA peak when the point\n"
    "          is compute-bound (c) and against the bandwidth when memory-bound (m);\n"
    "  fft     GB/s over the bandwidth (m): transforms do a few flops per byte.\n"
    "A point run by auto counts as the method auto chose.\n"
    "\n"
    "Grids, in 'same' mode:\n"
    "  direct  conv1d of 2^22 samples with kernels of 3, 17, 64, 255, 1024 taps;\n"
    "          conv2d of 2048x2048 with kernels of 3x3, 5x5, 9x9, 15x15\n"
    "  fft     conv1d of 2^16, 2^18, ..., 2^24 samples with kernels of 2^4, 2^6,\n"
    "          ..., 2^16 taps; conv2d of 2048x2048 with kernels of 3x3, 7x7,\n"
    "          15x15, 31x31, 63x63. Each point runs direct, FFT and auto and\n"
    "          prints their times, auto's choice and auto's time over the faster\n"
    "          forced method, then per signal size the crossover: the smallest\n"
    "          kernel at which FFT was faster. Direct runs above the\n"
    "          --direct-limit are skipped.\n"
    "  dist    the sum of 10^3 and 10^4 copies of a loaded die (clconv_dist_power)\n"
    "          and the Poisson-binomial of 10^4 and 10^5 Bernoulli variables\n"
    "          (clconv_dist_sum_rows), float64, automatic method; skipped on a\n"
    "          device without float64\n"
    "  3d      conv3d of a 256^3 volume (--volume) with kernels of 3^3 and 7^3\n"
    "          taps, method direct, and 31^3, method fft; x r+w is the time over\n"
    "          reading and writing the volume once at the measured copy bandwidth,\n"
    "          the least a pass over it can take\n"
    "\n"
    "Options:\n"
    "  -d, --device SPEC      the OpenCL device (see 'clconv --help')\n"
    "      --all-devices      run every device in turn and end with a summary table,\n"
    "                         one column per device\n"
    "      --grid GRID        direct, fft, dist, 3d, all (default), or limits for\n"
    "                         the limits alone; the limits are always measured\n"
    "      --quick            3 timed runs per problem instead of 9, a sparser FFT\n"
    "                         grid (2^16, 2^19, 2^22 with 2^4, 2^8, 2^12, 2^16),\n"
    "                         the dist grid without its 10^5 Bernoulli variables,\n"
    "                         and a 96^3 volume on the 3-D grid\n"
    "      --volume N         the 3-D grid's cube edge (default 256, 96 with --quick)\n"
    "      --method METHOD    the direct grid's method: auto (default), direct, fft\n"
    "      --direct-limit G   skip FFT-grid direct runs above G GFLOP (default 200,\n"
    "                         50 with --quick; 0 for no limit)\n"
    "  -p, --precision P      f32 (default) or f64, for the convolution grids\n"
    "      --json FILE        also write the results as JSON to FILE: the limits, every\n"
    "                         point, the crossovers, and \"rows\" as in the CSV\n"
    "      --csv FILE         also write one CSV row per point and method to FILE:\n"
    "                         device,grid,op,size,kernel,n,k,method,chosen,ms_median,\n"
    "                         ms_min,ms_max,gflops,gbps,pct_roof,bound\n"
    "  -v, --verbose          the library's notes on stderr\n"
    "\n"
    "Example:\n"
    "  clconv bench --quick --json bench.json --csv bench.csv\n"
    "  scripts/plot-bench.sh bench.json plots/\n";

enum {
    OPT_DEVICE = 1,
    OPT_ALL_DEVICES,
    OPT_GRID,
    OPT_QUICK,
    OPT_METHOD,
    OPT_DIRECT_LIMIT,
    OPT_PRECISION,
    OPT_JSON,
    OPT_CSV,
    OPT_VOLUME,
    OPT_VERBOSE
};

static const args_option bench_options[] = {
    {"device", 'd', 1, OPT_DEVICE},
    {"all-devices", 0, 0, OPT_ALL_DEVICES},
    {"grid", 0, 1, OPT_GRID},
    {"quick", 0, 0, OPT_QUICK},
    {"method", 0, 1, OPT_METHOD},
    {"direct-limit", 0, 1, OPT_DIRECT_LIMIT},
    {"precision", 'p', 1, OPT_PRECISION},
    {"json", 0, 1, OPT_JSON},
    {"csv", 0, 1, OPT_CSV},
    {"volume", 0, 1, OPT_VOLUME},
    {"verbose", 'v', 0, OPT_VERBOSE},
    {NULL, 0, 0, 0},
};

static const bench_point direct_grid[BENCH_DIRECT_POINTS] = {
    {1, {1, 1, 1u << 22}, {1, 1, 3}},    {1, {1, 1, 1u << 22}, {1, 1, 17}},
    {1, {1, 1, 1u << 22}, {1, 1, 64}},   {1, {1, 1, 1u << 22}, {1, 1, 255}},
    {1, {1, 1, 1u << 22}, {1, 1, 1024}}, {2, {1, 2048, 2048}, {1, 3, 3}},
    {2, {1, 2048, 2048}, {1, 5, 5}},     {2, {1, 2048, 2048}, {1, 9, 9}},
    {2, {1, 2048, 2048}, {1, 15, 15}},
};
_Static_assert(sizeof direct_grid / sizeof direct_grid[0] == BENCH_DIRECT_POINTS,
               "bench.h sizes the direct grid");

/* The FFT grid is generated: powers of two for 1-D, then the 2-D kernels. */
static const size_t fft_2d_kernels[BENCH_FFT_2D_KERNELS] = {3, 7, 15, 31, 63};

/* The 3-D grid: cubic kernels on a cubic volume, each run by the method
 * that suits it (auto chose these at 256^3 on POCL in scripts/bench-3d.py's
 * runs; a 31^3 kernel run direct would be 1000 GFLOP at 256^3, minutes per
 * point on a CPU). */
static const struct {
    size_t k;
    clconv_method method;
} grid_3d[BENCH_3D_POINTS] = {{3, CLCONV_METHOD_DIRECT}, {7, CLCONV_METHOD_DIRECT},
                              {31, CLCONV_METHOD_FFT}};

const dist_point bench_dist_grid[BENCH_DIST_POINTS] = {
    {"dice", 1000}, {"dice", 10000}, {"bernoulli", 10000}, {"bernoulli", 100000}};
static const double loaded_die[] = {0.1, 0.2, 0.3, 0.1, 0.2, 0.1};

/* A host array of count uniform random values in [-1, 1) of dtype, from a
 * xorshift generator: the values only need to be ordinary numbers. */
static int random_buffer(clconv_runtime *rt, clconv_dtype dtype, size_t count,
                         uint64_t *state, clconv_buffer **out)
{
    size_t elem = clconv_dtype_size(dtype);
    void *host = malloc(count * elem);
    if (!host) return cli_error("bench: out of memory");
    for (size_t i = 0; i < count; i++) {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        double v = (double)(*state >> 11) / 4503599627370496.0 - 1.0;
        if (dtype == CLCONV_F64) {
            ((double *)host)[i] = v;
        } else {
            ((float *)host)[i] = (float)v;
        }
    }
    int status = clconv_buffer_create(rt, dtype, count, host, out);
    free(host);
    if (status < 0) return cli_library_error(rt, status, "bench: cannot create a buffer");
    return CLI_OK;
}

/* Sets the points of cfg's FFT grid in res: every 1-D signal length with
 * every kernel length no longer than it, then the 2-D kernels. Returns the
 * number of points. */
static size_t fft_grid(const bench_config *cfg, bench_result *res)
{
    /* The quick grid stops at 2^22 samples: the runs at 2^24 took longer
     * than all else that --quick measures (about 1.5 s each by FFT under
     * POCL on 2 cores, 8 runs a point). */
    const int nstep = cfg->quick ? 3 : 2, kstep = cfg->quick ? 4 : 2;
    const int nmax = cfg->quick ? 22 : 24;
    size_t count = 0;
    for (int n = 16; n <= nmax; n += nstep)
        for (int k = 4; k <= 16 && k <= n; k += kstep)
            res[count++].pt = (bench_point){1, {1, 1, (size_t)1 << n}, {1, 1, (size_t)1 << k}};
    for (size_t i = 0; i < sizeof fft_2d_kernels / sizeof fft_2d_kernels[0]; i++) {
        if (cfg->quick && i % 2) continue;
        const size_t k = fft_2d_kernels[i];
        res[count++].pt = (bench_point){2, {1, 2048, 2048}, {1, k, k}};
    }
    return count;
}

typedef struct bench_data {
    const bench_point *pt;
    clconv_buffer *sig, *ker, *out;
} bench_data;

static void data_destroy(bench_data *d)
{
    clconv_buffer_destroy(d->out);
    clconv_buffer_destroy(d->ker);
    clconv_buffer_destroy(d->sig);
}

/* Random inputs and an output buffer for res->pt; sets outputs, gflop and
 * gbyte. */
static int data_create(clconv_runtime *rt, const bench_config *cfg, bench_result *res,
                       bench_data *d)
{
    const bench_point *pt = &res->pt;
    size_t out_extent[3];
    for (int i = 0; i < 3; i++) {
        int status = clconv_conv_output_size(pt->n[i], pt->k[i], CLCONV_MODE_SAME,
                                             &out_extent[i]);
        if (status < 0) return cli_library_error(NULL, status, "bench");
    }
    const size_t signal = pt->n[0] * pt->n[1] * pt->n[2], taps = pt->k[0] * pt->k[1] * pt->k[2];
    res->outputs = out_extent[0] * out_extent[1] * out_extent[2];
    res->gflop = 2.0 * (double)res->outputs * (double)taps / 1e9;
    res->gbyte = (double)(signal + taps + res->outputs) * (double)clconv_dtype_size(cfg->dtype) /
                 1e9;
    d->pt = pt;

    uint64_t state = 0x9E3779B97F4A7C15u;
    int status = random_buffer(rt, cfg->dtype, signal, &state, &d->sig);
    if (status == CLI_OK) status = random_buffer(rt, cfg->dtype, taps, &state, &d->ker);
    if (status == CLI_OK) {
        int s = clconv_buffer_create(rt, cfg->dtype, res->outputs, NULL, &d->out);
        if (s < 0) status = cli_library_error(rt, s, "bench: cannot create a buffer");
    }
    return status;
}

/* One convolution of the point in d (a bench_run_fn). */
static int run_conv(clconv_runtime *rt, const void *arg, clconv_method method,
                    clconv_method *chosen)
{
    const bench_data *d = arg;
    const bench_point *pt = d->pt;
    clconv_conv_options opts = {0};
    opts.mode = CLCONV_MODE_SAME;
    opts.method = method;
    int status;
    if (pt->dims == 1) {
        status = clconv_conv1d(rt, d->sig, pt->n[2], 1, d->ker, pt->k[2], d->out, &opts);
    } else if (pt->dims == 2) {
        status = clconv_conv2d(rt, d->sig, pt->n[1], pt->n[2], 1, d->ker, pt->k[1], pt->k[2],
                               d->out, &opts);
    } else {
        status = clconv_conv3d(rt, d->sig, pt->n[0], pt->n[1], pt->n[2], 1, d->ker, pt->k[0],
                               pt->k[1], pt->k[2], d->out, &opts);
    }
    if (status == CLCONV_OK) status = clconv_runtime_finish(rt);
    *chosen = opts.chosen;
    return status;
}

/* Runs the given methods (at most 3) at res->pt in passes (time_runs);
 * direct only within the limit. */
static int run_point(clconv_runtime *rt, const bench_config *cfg, bench_result *res,
                     const clconv_method *methods, size_t nmethods, int limit_direct)
{
    bench_data d = {0};
    clconv_method run[3], failed = CLCONV_METHOD_AUTO;
    bench_timing *t[3];
    size_t n = 0;
    int status = data_create(rt, cfg, res, &d); /* sets res->gflop */
    for (size_t i = 0; i < nmethods; i++) {
        if (limit_direct && methods[i] == CLCONV_METHOD_DIRECT && cfg->direct_limit > 0 &&
            res->gflop > cfg->direct_limit)
            continue;
        run[n] = methods[i];
        t[n++] = &res->t[methods[i]];
    }
    if (status == CLI_OK) {
        int lib = bench_time_runs(rt, cfg, run_conv, &d, run, n, t, &failed);
        if (lib < 0) {
            char size[32], kernel[32], what[128];
            bench_describe(&res->pt, size, sizeof size, kernel, sizeof kernel);
            snprintf(what, sizeof what, "bench: conv%dd %s with %s, method %s", res->pt.dims,
                     size, kernel, clconv_method_name(failed));
            status = cli_library_error(rt, lib, what);
        }
    }
    data_destroy(&d);
    return status;
}

/* ---- the grids -------------------------------------------------------------- */

static void progress(const char *grid, size_t i, size_t count, const bench_point *pt)
{
    char size[32], kernel[32];
    bench_describe(pt, size, sizeof size, kernel, sizeof kernel);
    cli_progress("bench %s [%zu/%zu] conv%dd %s with %s", grid, i + 1, count, pt->dims, size,
                 kernel);
}

/* A point above 100% of a roof means the limits were measured low (another
 * process was busy then, or the device's clock changed): it is marked with
 * '!' and counted, and the run ends with a warning. */
static char above_roof(bench_device *bd, double pct)
{
    if (pct <= 100) return ' ';
    bd->above_roof++;
    return '!';
}

static void print_rates(bench_device *bd, const bench_rates *x)
{
    printf(" %9.2f %8.2f %5.0f%%%c%c", x->gflops, x->gbps, x->pct, above_roof(bd, x->pct),
           x->bound);
}

static int run_peak(clconv_runtime *rt, bench_device *bd)
{
    cli_progress("bench: measuring the device's limits");
    int s = clconv_device_peak(rt, &bd->peak);
    cli_progress_end();
    if (s < 0) return cli_library_error(rt, s, "bench: measuring the device's limits");
    const clconv_peak_result *pk = &bd->peak;
    printf("Limits: read bandwidth %.1f GB/s (copy %.1f GB/s), FMA %.1f GFLOP/s float32 "
           "(%u chains of %u)",
           pk->bandwidth_gbps, pk->copy_gbps, pk->gflops[CLCONV_F32], pk->fma_chains[CLCONV_F32],
           pk->fma_width[CLCONV_F32]);
    if (bd->dev.fp64) {
        printf(", %.1f GFLOP/s float64 (%u chains of %u)\n\n", pk->gflops[CLCONV_F64],
               pk->fma_chains[CLCONV_F64], pk->fma_width[CLCONV_F64]);
    } else {
        printf(", no float64\n\n");
    }
    fflush(stdout);
    return CLI_OK;
}

/* The grids that run one method per point: the direct grid (cfg->method
 * everywhere) and the 3-D grid (each kernel's own method, and the time
 * over reading and writing the volume once). */
static int run_single_grid(clconv_runtime *rt, const bench_config *cfg, bench_device *bd,
                           bench_grid grid)
{
    const int vol = grid == BENCH_GRID_3D;
    bench_result *res = vol ? bd->vol : bd->direct;
    size_t *done = vol ? &bd->nvol : &bd->ndirect;
    const size_t count = vol ? BENCH_3D_POINTS : BENCH_DIRECT_POINTS;
    const char *precision = cfg->dtype == CLCONV_F64 ? "float64" : "float32";
    if (vol) {
        printf("3-D grid: %s, same mode; median of %d runs after a warm-up, compute only; x r+w "
               "is the time over reading and writing the volume once at %.1f GB/s (copy)\n\n",
               precision, cfg->runs, bd->peak.copy_gbps);
    } else {
        printf("Direct grid: %s, same mode, method %s; median of %d runs after a warm-up, "
               "compute only\n\n", precision, clconv_method_name(cfg->method), cfg->runs);
    }
    printf("%-7s %-11s %-8s %-7s %10s %9s %8s %6s%s\n", "op", "size", "kernel", "method", "ms",
           "GFLOP/s", "GB/s", "%roof", vol ? "    x r+w" : "");
    fflush(stdout);
    for (size_t i = 0; i < count; i++) {
        clconv_method method = cfg->method;
        if (vol) {
            const size_t n = cfg->volume, k = grid_3d[i].k;
            res[i].pt = (bench_point){3, {n, n, n}, {k, k, k}};
            method = grid_3d[i].method;
        } else {
            res[i].pt = direct_grid[i];
        }
        progress(bench_grid_name(grid), i, count, &res[i].pt);
        int status = run_point(rt, cfg, &res[i], &method, 1, 0);
        cli_progress_end();
        if (status != CLI_OK) return status;
        *done = i + 1;
        const bench_timing *t = &res[i].t[method];
        char size[32], kernel[32];
        bench_describe(&res[i].pt, size, sizeof size, kernel, sizeof kernel);
        printf("conv%dd  %-11s %-8s %-7s %10.3f", res[i].pt.dims, size, kernel,
               clconv_method_name(t->chosen), t->ms_median);
        const bench_rates x = bench_rates_of(&res[i], t, bd, cfg->dtype);
        print_rates(bd, &x);
        if (vol) printf(" %8.2f", bench_over_read_write(&res[i], t, bd, cfg->dtype));
        printf("\n");
        fflush(stdout);
    }
    printf("\n");
    return CLI_OK;
}

static void print_timing(const bench_result *r, const bench_timing *t, bench_device *bd,
                         clconv_dtype dtype)
{
    if (t->measured) {
        const double pct = bench_rates_of(r, t, bd, dtype).pct;
        printf(" %10.3f %5.0f%%%c", t->ms_median, pct, above_roof(bd, pct));
    } else {
        printf(" %10s %7s", "-", "");
    }
}

/* The crossovers of the FFT grid, whose points come grouped by signal size
 * with kernels in increasing order. */
static void find_crossovers(bench_device *bd)
{
    bd->ncross = 0;
    for (size_t i = 0; i < bd->nfft; i++) {
        const bench_result *r = &bd->fft[i];
        bench_crossover *c = bd->ncross ? &bd->cross[bd->ncross - 1] : NULL;
        if (!c || c->pt.dims != r->pt.dims || memcmp(c->pt.n, r->pt.n, sizeof c->pt.n) != 0) {
            c = &bd->cross[bd->ncross++];
            *c = (bench_crossover){r->pt, 0, r->pt};
            memset(c->pt.k, 0, sizeof c->pt.k);
        }
        const bench_timing *di = &r->t[CLCONV_METHOD_DIRECT], *f = &r->t[CLCONV_METHOD_FFT];
        if (!di->measured || !f->measured) continue;
        c->compared++;
        c->largest = r->pt;
        if (c->pt.k[2] == 0 && f->ms_median < di->ms_median)
            memcpy(c->pt.k, r->pt.k, sizeof c->pt.k);
    }
}

static void print_crossovers(const bench_device *bd)
{
    printf("\nDirect/FFT crossover (the smallest kernel at which FFT was faster):\n");
    for (size_t i = 0; i < bd->ncross; i++) {
        const bench_crossover *c = &bd->cross[i];
        char size[32], kernel[32];
        bench_describe(&c->pt, size, sizeof size, kernel, sizeof kernel);
        printf("  conv%dd %-11s ", c->pt.dims, size);
        if (c->pt.k[2]) {
            printf("FFT faster from %s\n", kernel);
        } else if (c->compared) {
            bench_describe(&c->largest, size, sizeof size, kernel, sizeof kernel);
            printf("direct faster at all %zu kernels compared, up to %s\n", c->compared, kernel);
        } else {
            printf("not compared (direct skipped)\n");
        }
    }
}

static int run_fft_grid(clconv_runtime *rt, const bench_config *cfg, bench_device *bd)
{
    static const clconv_method methods[] = {CLCONV_METHOD_DIRECT, CLCONV_METHOD_FFT,
                                            CLCONV_METHOD_AUTO};
    bench_result *res = bd->fft;
    const size_t count = fft_grid(cfg, res);
    printf("FFT grid: %s, same mode; median of %d runs after a warm-up, compute only; "
           "auto/best is auto's time over the faster forced method's\n\n"
           "%-7s %-11s %-7s %10s %6s %10s %6s %-7s %10s %6s %9s\n",
           cfg->dtype == CLCONV_F64 ? "float64" : "float32", cfg->runs, "op", "size", "kernel",
           "direct ms", "%roof", "fft ms", "%roof", "auto", "auto ms", "%roof", "auto/best");
    fflush(stdout);
    double worst = 0;
    int skipped = 0;
    for (size_t i = 0; i < count; i++) {
        progress("fft", i, count, &res[i].pt);
        int status = run_point(rt, cfg, &res[i], methods, 3, 1);
        cli_progress_end();
        if (status != CLI_OK) return status;
        bd->nfft = i + 1;
        const bench_result *r = &res[i];
        char size[32], kernel[32];
        bench_describe(&r->pt, size, sizeof size, kernel, sizeof kernel);
        printf("conv%dd  %-11s %-7s", r->pt.dims, size, kernel);
        print_timing(r, &r->t[CLCONV_METHOD_DIRECT], bd, cfg->dtype);
        print_timing(r, &r->t[CLCONV_METHOD_FFT], bd, cfg->dtype);
        printf(" %-7s", clconv_method_name(r->t[CLCONV_METHOD_AUTO].chosen));
        print_timing(r, &r->t[CLCONV_METHOD_AUTO], bd, cfg->dtype);
        printf(" %9.2f\n", bench_auto_ratio(r));
        fflush(stdout);
        skipped |= !r->t[CLCONV_METHOD_DIRECT].measured;
        if (bench_auto_ratio(r) > worst) worst = bench_auto_ratio(r);
    }
    if (skipped)
        printf("\n- : direct skipped, above %g GFLOP (--direct-limit)\n", cfg->direct_limit);
    printf("\nauto over the faster forced method: at most %.2fx over %zu points\n", worst, count);
    find_crossovers(bd);
    print_crossovers(bd);
    printf("\n");
    return CLI_OK;
}

/* What a dist run works on: the die, or the Bernoulli matrix. */
typedef struct dist_data {
    const dist_point *pt;
    clconv_dist *die;
    double *rows;    /* count x 2: [1 - p, p] */
} dist_data;

/* One sum of the dist grid (a bench_run_fn); the result is freed at once. */
static int run_dist(clconv_runtime *rt, const void *arg, clconv_method method,
                    clconv_method *chosen)
{
    const dist_data *d = arg;
    clconv_dist_options opts = {0};
    opts.method = method;
    clconv_dist *sum = NULL;
    int status = d->die ? clconv_dist_power(rt, d->die, d->pt->count, &opts, &sum)
                        : clconv_dist_sum_rows(rt, d->rows, (size_t)d->pt->count, 2, 0, &opts,
                                               &sum);
    if (status == CLCONV_OK) status = clconv_runtime_finish(rt);
    clconv_dist_destroy(sum);
    *chosen = opts.chosen;
    return status;
}

static int run_dist_grid(clconv_runtime *rt, const bench_config *cfg, bench_device *bd)
{
    if (!bd->dev.fp64) {
        printf("Dist grid: skipped, the device has no float64\n\n");
        return CLI_OK;
    }
    printf("Dist grid: float64, automatic method; median of %d runs after a warm-up, "
           "compute only\n\n%-10s %8s %-7s %10s\n", cfg->runs, "sum of", "count", "method",
           "ms");
    /* --quick leaves out the last point, the Poisson-binomial of 10^5
     * variables: 12 of the 18 s the dist grid took cold on 2 cores. */
    const size_t npoints = cfg->quick ? BENCH_DIST_POINTS - 1 : BENCH_DIST_POINTS;
    for (size_t i = 0; i < npoints; i++) {
        const dist_point *pt = &bench_dist_grid[i];
        bench_dist_result *res = &bd->dist[i];
        dist_data d = {pt, NULL, NULL};
        int status = CLI_OK, lib = CLCONV_OK;
        cli_progress("bench dist [%zu/%zu] sum of %llu %s", i + 1, npoints,
                     (unsigned long long)pt->count, pt->op);
        if (strcmp(pt->op, "dice") == 0) {
            lib = clconv_dist_create_1d(rt, loaded_die, sizeof loaded_die / sizeof loaded_die[0],
                                        1, 0, &d.die);
        } else if (!(d.rows = malloc((size_t)pt->count * 2 * sizeof *d.rows))) {
            status = cli_error("bench: out of memory");
        } else {
            /* Probabilities spread over (0.01, 0.99) by the golden ratio. */
            for (size_t r = 0; r < pt->count; r++) {
                const double p = 0.01 + 0.98 * fmod((double)r * 0.6180339887498949, 1.0);
                d.rows[2 * r] = 1 - p;
                d.rows[2 * r + 1] = p;
            }
        }
        res->pt = pt;
        if (status == CLI_OK && lib == CLCONV_OK) {
            const clconv_method method = CLCONV_METHOD_AUTO;
            bench_timing *t = &res->t;
            clconv_method failed;
            lib = bench_time_runs(rt, cfg, run_dist, &d, &method, 1, &t, &failed);
        }
        cli_progress_end();
        if (lib < 0) {
            char what[96];
            snprintf(what, sizeof what, "bench: dist, sum of %llu %s",
                     (unsigned long long)pt->count, pt->op);
            status = cli_library_error(rt, lib, what);
        }
        clconv_dist_destroy(d.die);
        free(d.rows);
        if (status != CLI_OK) return status;
        bd->ndist = i + 1;
        printf("%-10s %8llu %-7s %10.3f\n", pt->op, (unsigned long long)pt->count,
               clconv_method_name(res->t.chosen), res->t.ms_median);
        fflush(stdout);
    }
    printf("\n");
    return CLI_OK;
}

/* Everything on the device named by spec, into *bd. */
static int bench_device_run(const char *spec, const bench_config *cfg, bench_device *bd)
{
    clconv_runtime *rt = NULL;
    int status = cli_runtime_open(spec, cfg->verbose, &rt);
    if (status == CLI_OK) {
        int s = clconv_runtime_device(rt, &bd->dev);
        if (s < 0) status = cli_library_error(rt, s, "bench");
    }
    if (status == CLI_OK) {
        printf("device %zu: %s (%s, %s)\n\n", bd->dev.index, bd->dev.name, bd->dev.platform,
               bd->dev.driver_version);
        fflush(stdout);
        status = run_peak(rt, bd);
    }
    if (status == CLI_OK && cfg->grid_direct)
        status = run_single_grid(rt, cfg, bd, BENCH_GRID_DIRECT);
    if (status == CLI_OK && cfg->grid_fft) status = run_fft_grid(rt, cfg, bd);
    if (status == CLI_OK && cfg->grid_dist) status = run_dist_grid(rt, cfg, bd);
    if (status == CLI_OK && cfg->grid_3d) status = run_single_grid(rt, cfg, bd, BENCH_GRID_3D);
    if (status == CLI_OK && bd->above_roof)
        cli_warning("bench: %u point%s ran above 100%% of the measured limits (marked !): the "
                    "limits were measured while the device was slowed (another process, a "
                    "clock change); run again on a quiet machine",
                    bd->above_roof, bd->above_roof == 1 ? "" : "s");
    clconv_runtime_destroy(rt);
    return status;
}

int cmd_bench(int argc, char **argv)
{
    bench_config cfg = {CLCONV_F32, CLCONV_METHOD_AUTO, BENCH_RUNS, 0, -1, 0, 1, 1, 1, 1, 0};
    double volume = 0;
    const char *device = NULL, *json = NULL, *csv = NULL;
    int all_devices = 0;
    args_parser p;
    args_init(&p, argv[0], bench_options, argc, argv);
    const char *v;
    for (int id; (id = args_next(&p, &v)) != ARGS_END;) {
        switch (id) {
        case ARGS_HELP: fputs(bench_help, stdout); return CLI_OK;
        case ARGS_ERROR: return CLI_EUSAGE;
        case ARGS_POSITIONAL: return cli_usage_error(p.command, "unexpected argument '%s'", v);
        case OPT_DEVICE: device = v; break;
        case OPT_ALL_DEVICES: all_devices = 1; break;
        case OPT_GRID: {
            const int all = strcmp(v, "all") == 0;
            cfg.grid_direct = all || strcmp(v, "direct") == 0;
            cfg.grid_fft = all || strcmp(v, "fft") == 0;
            cfg.grid_dist = all || strcmp(v, "dist") == 0;
            cfg.grid_3d = all || strcmp(v, "3d") == 0;
            if (!cfg.grid_direct && !cfg.grid_fft && !cfg.grid_dist && !cfg.grid_3d &&
                strcmp(v, "limits") != 0)
                return cli_usage_error(
                    p.command, "--grid must be direct, fft, dist, 3d, all or limits, not '%s'",
                    v);
            break;
        }
        case OPT_QUICK:
            cfg.runs = BENCH_RUNS_QUICK;
            cfg.quick = 1;
            break;
        case OPT_METHOD:
            if (clconv_method_parse(v, &cfg.method) != CLCONV_OK) {
                return cli_usage_error(p.command, "--method must be auto, direct or fft, not "
                                       "'%s'", v);
            }
            break;
        case OPT_DIRECT_LIMIT:
            if (io_parse_double(v, &cfg.direct_limit) != 0 || cfg.direct_limit < 0)
                return cli_usage_error(p.command, "--direct-limit must be a number of GFLOP "
                                       "of at least 0, not '%s'", v);
            break;
        case OPT_PRECISION:
            if (strcmp(v, "f32") == 0 || strcmp(v, "float32") == 0) {
                cfg.dtype = CLCONV_F32;
            } else if (strcmp(v, "f64") == 0 || strcmp(v, "float64") == 0) {
                cfg.dtype = CLCONV_F64;
            } else {
                return cli_usage_error(p.command, "--precision must be f32 or f64, not '%s'", v);
            }
            break;
        case OPT_VOLUME:
            /* At most 2048, far from overflowing n^3 and its bytes: a
             * 2048^3 float32 volume is already 32 GiB. */
            if (io_parse_double(v, &volume) != 0 || volume < 1 || volume > 2048 ||
                volume != (double)(size_t)volume)
                return cli_usage_error(p.command, "--volume must be a whole number from 1 to "
                                       "2048, not '%s'", v);
            break;
        case OPT_JSON: json = v; break;
        case OPT_CSV: csv = v; break;
        case OPT_VERBOSE: cfg.verbose = 1; break;
        }
    }
    if (all_devices && device)
        return cli_usage_error(p.command, "--device and --all-devices exclude each other");
    if (json && csv && strcmp(json, csv) == 0)
        return cli_usage_error(p.command, "--json and --csv name the same file '%s'", json);
    if (cfg.direct_limit < 0) cfg.direct_limit = cfg.quick ? 50 : 200;
    cfg.volume = volume > 0 ? (size_t)volume
                 : cfg.quick ? BENCH_3D_VOLUME_QUICK
                             : BENCH_3D_VOLUME;

    size_t ndev = 1;
    if (all_devices) {
        int s = clconv_device_count(&ndev);
        if (s < 0) return cli_library_error(NULL, s, "bench: cannot list the devices");
    }
    /* The output files are created first, so a bad path fails before the
     * minutes of measurement rather than after. */
    outfile jf = {0}, cf = {0};
    io_error err;
    int status = json ? cli_io(outfile_open(&jf, json, &err), &err) : CLI_OK;
    if (status == CLI_OK && csv) status = cli_io(outfile_open(&cf, csv, &err), &err);
    bench_device *bd = status == CLI_OK ? calloc(ndev, sizeof *bd) : NULL;
    if (status == CLI_OK && !bd) status = cli_error("bench: out of memory");
    for (size_t d = 0; d < ndev && status == CLI_OK; d++) {
        char spec[32];
        snprintf(spec, sizeof spec, "%zu", d);
        status = bench_device_run(all_devices ? spec : device, &cfg, &bd[d]);
    }
    if (status == CLI_OK && all_devices) bench_summary_write(bd, ndev, &cfg);
    if (status == CLI_OK && json) {
        bench_json_write(jf.f, bd, ndev, &cfg);
        status = cli_io(outfile_commit(&jf, &err), &err);
    }
    if (status == CLI_OK && csv) {
        bench_csv_write(cf.f, bd, ndev, &cfg);
        status = cli_io(outfile_commit(&cf, &err), &err);
    }
    outfile_abort(&cf);
    outfile_abort(&jf);
    free(bd);
    return status;
}
