/*
 * `clconv bench`: times convolutions on one device over two fixed grids.
 * The direct grid (1-D float32 signals of 2^22 samples with kernels of 3 to
 * 1024 taps, 2048x2048 images with 3x3 to 15x15 kernels) runs one method
 * per point; the FFT grid (1-D signals of 2^16..2^24 samples with kernels of
 * 2^4..2^16 taps, 2048x2048 images with kernels of 3x3..63x63) runs direct,
 * FFT and auto at every point, so that auto's choice can be checked against
 * the faster forced method. Data stay on the device, so each figure is the
 * compute alone: the median of several runs after a warm-up, each run timed
 * from submission to clconv_runtime_finish. A table goes to stdout, progress
 * to stderr, and optionally JSON to a file.
 */
#include "args.h"
#include "cli.h"
#include "outfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char bench_help[] =
    "Usage: clconv bench [OPTIONS]\n"
    "\n"
    "Times convolutions on one device and prints, per problem, the median time in\n"
    "milliseconds and the rate in GFLOP/s (2 x outputs x kernel taps per second;\n"
    "for the FFT method this is the rate a direct convolution would need to match).\n"
    "Inputs are random and stay on the device: the figures are compute only, each\n"
    "run timed until the device has finished, the median taken over several runs\n"
    "after one warm-up run (which also compiles kernels and makes FFT plans).\n"
    "\n"
    "Grids, in 'same' mode:\n"
    "  direct  conv1d of 2^22 samples with kernels of 3, 17, 64, 255, 1024 taps;\n"
    "          conv2d of 2048x2048 with kernels of 3x3, 5x5, 9x9, 15x15\n"
    "  fft     conv1d of 2^16, 2^18, ..., 2^24 samples with kernels of 2^4, 2^6,\n"
    "          ..., 2^16 taps; conv2d of 2048x2048 with kernels of 3x3, 7x7,\n"
    "          15x15, 31x31, 63x63. Each point runs direct, FFT and auto and\n"
    "          prints their times, auto's choice and auto's time over the faster\n"
    "          forced method. Direct runs above the --direct-limit are skipped.\n"
    "\n"
    "Options:\n"
    "  -d, --device SPEC      the OpenCL device (see 'clconv --help')\n"
    "      --grid GRID        direct, fft or all (default)\n"
    "      --quick            3 timed runs per problem instead of 9, and a sparser\n"
    "                         FFT grid (2^16, 2^20, 2^24 with 2^4, 2^8, 2^12, 2^16)\n"
    "      --method METHOD    the direct grid's method: auto (default), direct, fft\n"
    "      --direct-limit G   skip FFT-grid direct runs above G GFLOP (default 200,\n"
    "                         50 with --quick; 0 for no limit)\n"
    "  -p, --precision P      f32 (default) or f64\n"
    "      --json FILE        also write the results as JSON to FILE\n"
    "\n"
    "Example:\n"
    "  clconv bench --quick --json bench.json\n";

enum {
    OPT_DEVICE = 1,
    OPT_GRID,
    OPT_QUICK,
    OPT_METHOD,
    OPT_DIRECT_LIMIT,
    OPT_PRECISION,
    OPT_JSON
};

static const args_option bench_options[] = {
    {"device", 'd', 1, OPT_DEVICE},
    {"grid", 0, 1, OPT_GRID},
    {"quick", 0, 0, OPT_QUICK},
    {"method", 0, 1, OPT_METHOD},
    {"direct-limit", 0, 1, OPT_DIRECT_LIMIT},
    {"precision", 'p', 1, OPT_PRECISION},
    {"json", 0, 1, OPT_JSON},
    {NULL, 0, 0, 0},
};

/* One problem. A 1-D problem has n[0] == k[0] == 1. */
typedef struct bench_point {
    int dims;
    size_t n[2];
    size_t k[2];
} bench_point;

static const bench_point direct_grid[] = {
    {1, {1, 1u << 22}, {1, 3}},    {1, {1, 1u << 22}, {1, 17}},   {1, {1, 1u << 22}, {1, 64}},
    {1, {1, 1u << 22}, {1, 255}},  {1, {1, 1u << 22}, {1, 1024}}, {2, {2048, 2048}, {3, 3}},
    {2, {2048, 2048}, {5, 5}},     {2, {2048, 2048}, {9, 9}},     {2, {2048, 2048}, {15, 15}},
};
#define DIRECT_POINTS (sizeof direct_grid / sizeof direct_grid[0])

/* The FFT grid is generated: powers of two for 1-D, then the 2-D kernels. */
#define FFT_1D_MAX 35
static const size_t fft_2d_kernels[] = {3, 7, 15, 31, 63};
#define FFT_POINTS_MAX (FFT_1D_MAX + sizeof fft_2d_kernels / sizeof fft_2d_kernels[0])

/* Median of an odd number of runs is one of them, not an average. */
#define BENCH_RUNS 9
#define BENCH_RUNS_QUICK 3

typedef struct bench_config {
    clconv_dtype dtype;
    clconv_method method;     /* the direct grid's */
    int runs;
    int quick;
    double direct_limit;      /* GFLOP; 0: none */
} bench_config;

/* One method timed at one point; measured == 0 when it was skipped. */
typedef struct bench_timing {
    int measured;
    double ms_median;
    double ms_min;
    double ms_max;
    clconv_method chosen;
} bench_timing;

/* A point's results: one timing on the direct grid, three on the FFT grid
 * (indexed by clconv_method: auto, direct, fft). */
typedef struct bench_result {
    bench_point pt;
    size_t outputs;
    double gflop;             /* 2 x outputs x taps / 1e9 */
    bench_timing t[3];
} bench_result;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void describe(const bench_point *pt, char *size, size_t size_len, char *kernel,
                     size_t kernel_len)
{
    if (pt->dims == 1) {
        snprintf(size, size_len, "%zu", pt->n[1]);
        snprintf(kernel, kernel_len, "%zu", pt->k[1]);
    } else {
        snprintf(size, size_len, "%zux%zu", pt->n[0], pt->n[1]);
        snprintf(kernel, kernel_len, "%zux%zu", pt->k[0], pt->k[1]);
    }
}

/* A device array of count uniform random values in [-1, 1), from a
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

/* One timed convolution: submit, then wait for the device to finish. */
static int run_once(clconv_runtime *rt, const bench_point *pt, clconv_buffer *sig,
                    clconv_buffer *ker, clconv_buffer *out, clconv_conv_options *opts,
                    double *ms)
{
    double t0 = now_ms();
    int status = pt->dims == 1
                     ? clconv_conv1d(rt, sig, pt->n[1], 1, ker, pt->k[1], out, opts)
                     : clconv_conv2d(rt, sig, pt->n[0], pt->n[1], 1, ker, pt->k[0], pt->k[1],
                                     out, opts);
    if (status == CLCONV_OK) status = clconv_runtime_finish(rt);
    *ms = now_ms() - t0;
    return status;
}

/* Sets the points of cfg's FFT grid in res: every 1-D signal length with
 * every kernel length no longer than it, then the 2-D kernels. Returns the
 * number of points. */
static size_t fft_grid(const bench_config *cfg, bench_result *res)
{
    const int nstep = cfg->quick ? 4 : 2, kstep = cfg->quick ? 4 : 2;
    size_t count = 0;
    for (int n = 16; n <= 24; n += nstep)
        for (int k = 4; k <= 16 && k <= n; k += kstep)
            res[count++].pt = (bench_point){1, {1, (size_t)1 << n}, {1, (size_t)1 << k}};
    for (size_t i = 0; i < sizeof fft_2d_kernels / sizeof fft_2d_kernels[0]; i++) {
        if (cfg->quick && i % 2) continue;
        const size_t k = fft_2d_kernels[i];
        res[count++].pt = (bench_point){2, {2048, 2048}, {k, k}};
    }
    return count;
}

typedef struct bench_data {
    clconv_buffer *sig, *ker, *out;
} bench_data;

static void data_destroy(bench_data *d)
{
    clconv_buffer_destroy(d->out);
    clconv_buffer_destroy(d->ker);
    clconv_buffer_destroy(d->sig);
}

/* Random inputs and an output buffer for res->pt; sets outputs and gflop. */
static int data_create(clconv_runtime *rt, const bench_config *cfg, bench_result *res,
                       bench_data *d)
{
    const bench_point *pt = &res->pt;
    size_t out_extent[2];
    for (int i = 0; i < 2; i++) {
        int status = clconv_conv_output_size(pt->n[i], pt->k[i], CLCONV_MODE_SAME,
                                             &out_extent[i]);
        if (status < 0) return cli_library_error(NULL, status, "bench");
    }
    res->outputs = out_extent[0] * out_extent[1];
    res->gflop = 2.0 * (double)res->outputs * (double)(pt->k[0] * pt->k[1]) / 1e9;

    uint64_t state = 0x9E3779B97F4A7C15u;
    int status = random_buffer(rt, cfg->dtype, pt->n[0] * pt->n[1], &state, &d->sig);
    if (status == CLI_OK)
        status = random_buffer(rt, cfg->dtype, pt->k[0] * pt->k[1], &state, &d->ker);
    if (status == CLI_OK) {
        int s = clconv_buffer_create(rt, cfg->dtype, res->outputs, NULL, &d->out);
        if (s < 0) status = cli_library_error(rt, s, "bench: cannot create a buffer");
    }
    return status;
}

/* Times method on res->pt: one warm-up, then cfg->runs timed runs. */
static int time_method(clconv_runtime *rt, const bench_config *cfg, bench_result *res,
                       const bench_data *d, clconv_method method, bench_timing *t)
{
    const bench_point *pt = &res->pt;
    clconv_conv_options opts = {0};
    opts.mode = CLCONV_MODE_SAME;
    opts.method = method;
    double times[BENCH_RUNS], warmup;
    int lib = run_once(rt, pt, d->sig, d->ker, d->out, &opts, &warmup);
    for (int r = 0; r < cfg->runs && lib == CLCONV_OK; r++)
        lib = run_once(rt, pt, d->sig, d->ker, d->out, &opts, &times[r]);
    if (lib < 0) {
        char size[32], kernel[32], what[128];
        describe(pt, size, sizeof size, kernel, sizeof kernel);
        snprintf(what, sizeof what, "bench: conv%dd %s with %s, method %s", pt->dims, size,
                 kernel, clconv_method_name(method));
        return cli_library_error(rt, lib, what);
    }
    qsort(times, (size_t)cfg->runs, sizeof times[0], compare_double);
    t->measured = 1;
    t->ms_min = times[0];
    t->ms_max = times[cfg->runs - 1];
    t->ms_median = times[cfg->runs / 2];
    t->chosen = opts.chosen;
    return CLI_OK;
}

/* Runs the given methods at res->pt (direct ones only within the limit). */
static int run_point(clconv_runtime *rt, const bench_config *cfg, bench_result *res,
                     const clconv_method *methods, size_t nmethods, int limit_direct)
{
    bench_data d = {0};
    int status = data_create(rt, cfg, res, &d);
    for (size_t i = 0; i < nmethods && status == CLI_OK; i++) {
        if (limit_direct && methods[i] == CLCONV_METHOD_DIRECT && cfg->direct_limit > 0 &&
            res->gflop > cfg->direct_limit)
            continue;
        status = time_method(rt, cfg, res, &d, methods[i], &res->t[methods[i]]);
    }
    data_destroy(&d);
    return status;
}

/* auto's median over the faster forced method's, or 0 when neither ran. */
static double auto_ratio(const bench_result *r)
{
    const bench_timing *a = &r->t[CLCONV_METHOD_AUTO], *di = &r->t[CLCONV_METHOD_DIRECT],
                       *f = &r->t[CLCONV_METHOD_FFT];
    double best = 0;
    if (di->measured) best = di->ms_median;
    if (f->measured && (best == 0 || f->ms_median < best)) best = f->ms_median;
    return a->measured && best > 0 ? a->ms_median / best : 0;
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            fprintf(f, "\\%c", c);
        } else if (c < 0x20) {
            fprintf(f, "\\u%04x", c);
        } else {
            fputc(c, f);
        }
    }
    fputc('"', f);
}

static void json_timing(FILE *f, const char *name, const bench_timing *t, double gflop)
{
    fprintf(f, ", \"%s\": ", name);
    if (!t->measured) {
        fprintf(f, "null");
        return;
    }
    fprintf(f, "{\"method\": \"%s\", \"ms_median\": %.4f, \"ms_min\": %.4f, \"ms_max\": %.4f, "
            "\"gflops\": %.3f}", clconv_method_name(t->chosen), t->ms_median, t->ms_min,
            t->ms_max, gflop / (t->ms_median * 1e-3));
}

static void json_points(FILE *f, const char *name, const bench_result *res, size_t count,
                        int fft_grid_points)
{
    fprintf(f, "  \"%s\": [\n", name);
    for (size_t i = 0; i < count; i++) {
        const bench_point *pt = &res[i].pt;
        if (pt->dims == 1) {
            fprintf(f, "    {\"op\": \"conv1d\", \"n\": [%zu], \"k\": [%zu]", pt->n[1], pt->k[1]);
        } else {
            fprintf(f, "    {\"op\": \"conv2d\", \"n\": [%zu, %zu], \"k\": [%zu, %zu]", pt->n[0],
                    pt->n[1], pt->k[0], pt->k[1]);
        }
        fprintf(f, ", \"outputs\": %zu, \"gflop\": %.4f", res[i].outputs, res[i].gflop);
        if (fft_grid_points) {
            json_timing(f, "direct", &res[i].t[CLCONV_METHOD_DIRECT], res[i].gflop);
            json_timing(f, "fft", &res[i].t[CLCONV_METHOD_FFT], res[i].gflop);
            json_timing(f, "auto", &res[i].t[CLCONV_METHOD_AUTO], res[i].gflop);
            fprintf(f, ", \"auto_over_best\": %.4f", auto_ratio(&res[i]));
        } else {
            for (int m = 0; m < 3; m++)
                if (res[i].t[m].measured) json_timing(f, "result", &res[i].t[m], res[i].gflop);
        }
        fprintf(f, "}%s\n", i + 1 < count ? "," : "");
    }
    fprintf(f, "  ]");
}

static void json_write(FILE *f, const clconv_device_info *dev, const bench_config *cfg,
                       const bench_result *direct, size_t ndirect, const bench_result *fft,
                       size_t nfft)
{
    fprintf(f, "{\n  \"clconv_version\": ");
    json_string(f, clconv_version_string());
    fprintf(f, ",\n  \"device\": {\"index\": %zu, \"name\": ", dev->index);
    json_string(f, dev->name);
    fprintf(f, ", \"vendor\": ");
    json_string(f, dev->vendor);
    fprintf(f, ", \"platform\": ");
    json_string(f, dev->platform);
    fprintf(f, ", \"driver\": ");
    json_string(f, dev->driver_version);
    fprintf(f, ", \"compute_units\": %u},\n", dev->compute_units);
    fprintf(f, "  \"precision\": \"%s\",\n  \"mode\": \"same\",\n  \"direct_grid_method\": "
            "\"%s\",\n  \"direct_limit_gflop\": %g,\n", cfg->dtype == CLCONV_F64 ? "f64" : "f32",
            clconv_method_name(cfg->method), cfg->direct_limit);
    fprintf(f, "  \"warmup_runs\": 1,\n  \"timed_runs\": %d,\n", cfg->runs);
    json_points(f, "direct_grid", direct, ndirect, 0);
    fprintf(f, ",\n");
    json_points(f, "fft_grid", fft, nfft, 1);
    fprintf(f, "\n}\n");
}

static void progress(const char *grid, size_t i, size_t count, const bench_point *pt)
{
    char size[32], kernel[32];
    describe(pt, size, sizeof size, kernel, sizeof kernel);
    cli_progress("bench %s [%zu/%zu] conv%dd %s with %s", grid, i + 1, count, pt->dims, size,
                 kernel);
}

static int run_direct_grid(clconv_runtime *rt, const bench_config *cfg, bench_result *res)
{
    printf("Direct grid: %s, same mode, method %s; median of %d runs after a warm-up, "
           "compute only\n\n%-7s %-11s %-7s %-7s %10s %9s\n",
           cfg->dtype == CLCONV_F64 ? "float64" : "float32", clconv_method_name(cfg->method),
           cfg->runs, "op", "size", "kernel", "method", "ms", "GFLOP/s");
    fflush(stdout);
    for (size_t i = 0; i < DIRECT_POINTS; i++) {
        res[i].pt = direct_grid[i];
        progress("direct", i, DIRECT_POINTS, &res[i].pt);
        int status = run_point(rt, cfg, &res[i], &cfg->method, 1, 0);
        cli_progress_end();
        if (status != CLI_OK) return status;
        const bench_timing *t = &res[i].t[cfg->method];
        char size[32], kernel[32];
        describe(&res[i].pt, size, sizeof size, kernel, sizeof kernel);
        printf("conv%dd  %-11s %-7s %-7s %10.3f %9.2f\n", res[i].pt.dims, size, kernel,
               clconv_method_name(t->chosen), t->ms_median, res[i].gflop / (t->ms_median * 1e-3));
        fflush(stdout);
    }
    printf("\n");
    return CLI_OK;
}

static void print_ms(const bench_timing *t)
{
    if (t->measured) {
        printf(" %10.3f", t->ms_median);
    } else {
        printf(" %10s", "-");
    }
}

static int run_fft_grid(clconv_runtime *rt, const bench_config *cfg, bench_result *res,
                        size_t count)
{
    static const clconv_method methods[] = {CLCONV_METHOD_DIRECT, CLCONV_METHOD_FFT,
                                            CLCONV_METHOD_AUTO};
    printf("FFT grid: %s, same mode; median of %d runs after a warm-up, compute only; "
           "auto/best is auto's time over the faster forced method's\n\n"
           "%-7s %-11s %-7s %10s %10s %-7s %10s %9s\n",
           cfg->dtype == CLCONV_F64 ? "float64" : "float32", cfg->runs, "op", "size", "kernel",
           "direct ms", "fft ms", "auto", "auto ms", "auto/best");
    fflush(stdout);
    double worst = 0;
    int skipped = 0;
    for (size_t i = 0; i < count; i++) {
        progress("fft", i, count, &res[i].pt);
        int status = run_point(rt, cfg, &res[i], methods, 3, 1);
        cli_progress_end();
        if (status != CLI_OK) return status;
        const bench_result *r = &res[i];
        char size[32], kernel[32];
        describe(&r->pt, size, sizeof size, kernel, sizeof kernel);
        printf("conv%dd  %-11s %-7s", r->pt.dims, size, kernel);
        print_ms(&r->t[CLCONV_METHOD_DIRECT]);
        print_ms(&r->t[CLCONV_METHOD_FFT]);
        printf(" %-7s", clconv_method_name(r->t[CLCONV_METHOD_AUTO].chosen));
        print_ms(&r->t[CLCONV_METHOD_AUTO]);
        printf(" %9.2f\n", auto_ratio(r));
        fflush(stdout);
        skipped |= !r->t[CLCONV_METHOD_DIRECT].measured;
        if (auto_ratio(r) > worst) worst = auto_ratio(r);
    }
    if (skipped)
        printf("\n- : direct skipped, above %g GFLOP (--direct-limit)\n", cfg->direct_limit);
    printf("\nauto over the faster forced method: at most %.2fx over %zu points\n", worst, count);
    return CLI_OK;
}

int cmd_bench(int argc, char **argv)
{
    bench_config cfg = {CLCONV_F32, CLCONV_METHOD_AUTO, BENCH_RUNS, 0, -1};
    const char *device = NULL, *json = NULL;
    int grid_direct = 1, grid_fft = 1;
    args_parser p;
    args_init(&p, argv[0], bench_options, argc, argv);
    const char *v;
    for (int id; (id = args_next(&p, &v)) != ARGS_END;) {
        switch (id) {
        case ARGS_HELP: fputs(bench_help, stdout); return CLI_OK;
        case ARGS_ERROR: return CLI_EUSAGE;
        case ARGS_POSITIONAL: return cli_usage_error(p.command, "unexpected argument '%s'", v);
        case OPT_DEVICE: device = v; break;
        case OPT_GRID:
            grid_direct = strcmp(v, "direct") == 0 || strcmp(v, "all") == 0;
            grid_fft = strcmp(v, "fft") == 0 || strcmp(v, "all") == 0;
            if (!grid_direct && !grid_fft)
                return cli_usage_error(p.command, "--grid must be direct, fft or all, not '%s'",
                                       v);
            break;
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
            if (args_parse_double(v, &cfg.direct_limit) != 0 || cfg.direct_limit < 0)
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
        case OPT_JSON: json = v; break;
        }
    }
    if (cfg.direct_limit < 0) cfg.direct_limit = cfg.quick ? 50 : 200;

    outfile of = {0};
    clconv_runtime *rt = NULL;
    bench_result direct[DIRECT_POINTS], fft[FFT_POINTS_MAX];
    memset(direct, 0, sizeof direct);
    memset(fft, 0, sizeof fft);
    const size_t ndirect = grid_direct ? DIRECT_POINTS : 0;
    const size_t nfft = grid_fft ? fft_grid(&cfg, fft) : 0;
    clconv_device_info dev;
    int status = json ? outfile_open(&of, json) : CLI_OK;
    if (status == CLI_OK) status = cli_runtime_open(device, 0, &rt);
    if (status == CLI_OK) {
        int s = clconv_runtime_device(rt, &dev);
        if (s < 0) status = cli_library_error(rt, s, "bench");
    }
    if (status == CLI_OK) {
        printf("device: %s (%s, %s)\n\n", dev.name, dev.platform, dev.driver_version);
        fflush(stdout);
    }
    if (status == CLI_OK && ndirect) status = run_direct_grid(rt, &cfg, direct);
    if (status == CLI_OK && nfft) status = run_fft_grid(rt, &cfg, fft, nfft);
    if (status == CLI_OK && json) {
        json_write(of.f, &dev, &cfg, direct, ndirect, fft, nfft);
        status = outfile_commit(&of);
    }
    outfile_abort(&of);
    clconv_runtime_destroy(rt);
    return status;
}
