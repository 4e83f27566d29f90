/*
 * `clconv bench`: times convolutions on one device over a fixed grid of
 * sizes (issue 2's: 1-D float32 signals of 2^22 samples with kernels of 3 to
 * 1024 taps, 2048x2048 images with 3x3 to 15x15 kernels). Data stay on the
 * device, so each figure is the compute alone: the median of several runs
 * after a warm-up, each run timed from submission to clconv_runtime_finish.
 * A table goes to stdout, progress to stderr, and optionally JSON to a file.
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
    "after one warm-up run (which also compiles the kernels).\n"
    "\n"
    "Problems, in 'same' mode:\n"
    "  conv1d  a signal of 2^22 samples with kernels of 3, 17, 64, 255, 1024 taps\n"
    "  conv2d  a 2048x2048 image with kernels of 3x3, 5x5, 9x9, 15x15\n"
    "\n"
    "Options:\n"
    "  -d, --device SPEC      the OpenCL device (see 'clconv --help')\n"
    "      --quick            3 timed runs per problem instead of 9\n"
    "      --method METHOD    auto (default), direct or fft\n"
    "  -p, --precision P      f32 (default) or f64\n"
    "      --json FILE        also write the results as JSON to FILE\n"
    "\n"
    "Example:\n"
    "  clconv bench --quick --json bench.json\n";

enum { OPT_DEVICE = 1, OPT_QUICK, OPT_METHOD, OPT_PRECISION, OPT_JSON };

static const args_option bench_options[] = {
    {"device", 'd', 1, OPT_DEVICE},
    {"quick", 0, 0, OPT_QUICK},
    {"method", 0, 1, OPT_METHOD},
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

static const bench_point bench_grid[] = {
    {1, {1, 1u << 22}, {1, 3}},
    {1, {1, 1u << 22}, {1, 17}},
    {1, {1, 1u << 22}, {1, 64}},
    {1, {1, 1u << 22}, {1, 255}},
    {1, {1, 1u << 22}, {1, 1024}},
    {2, {2048, 2048}, {3, 3}},
    {2, {2048, 2048}, {5, 5}},
    {2, {2048, 2048}, {9, 9}},
    {2, {2048, 2048}, {15, 15}},
};
#define BENCH_POINTS (sizeof bench_grid / sizeof bench_grid[0])

/* Median of an odd number of runs is one of them, not an average. */
#define BENCH_RUNS 9
#define BENCH_RUNS_QUICK 3

typedef struct bench_config {
    clconv_dtype dtype;
    clconv_method method;
    int runs;
} bench_config;

typedef struct bench_result {
    double ms_median;
    double ms_min;
    double ms_max;
    double gflops;
    size_t outputs;
    clconv_method chosen;
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

static int run_point(clconv_runtime *rt, const bench_config *cfg, const bench_point *pt,
                     bench_result *res)
{
    clconv_conv_options opts = {0};
    opts.mode = CLCONV_MODE_SAME;
    opts.method = cfg->method;
    size_t out_extent[2];
    for (int d = 0; d < 2; d++) {
        int status = clconv_conv_output_size(pt->n[d], pt->k[d], opts.mode, &out_extent[d]);
        if (status < 0) return cli_library_error(NULL, status, "bench");
    }
    res->outputs = out_extent[0] * out_extent[1];

    uint64_t state = 0x9E3779B97F4A7C15u;
    clconv_buffer *sig = NULL, *ker = NULL, *out = NULL;
    int status = random_buffer(rt, cfg->dtype, pt->n[0] * pt->n[1], &state, &sig);
    if (status == CLI_OK) status = random_buffer(rt, cfg->dtype, pt->k[0] * pt->k[1], &state,
                                                 &ker);
    if (status == CLI_OK) {
        int s = clconv_buffer_create(rt, cfg->dtype, res->outputs, NULL, &out);
        if (s < 0) status = cli_library_error(rt, s, "bench: cannot create a buffer");
    }

    double times[BENCH_RUNS];
    double warmup;
    int lib = status == CLI_OK ? run_once(rt, pt, sig, ker, out, &opts, &warmup) : CLCONV_OK;
    for (int r = 0; r < cfg->runs && lib == CLCONV_OK && status == CLI_OK; r++) {
        lib = run_once(rt, pt, sig, ker, out, &opts, &times[r]);
    }
    if (lib < 0) {
        char size[32], kernel[32];
        describe(pt, size, sizeof size, kernel, sizeof kernel);
        char what[96];
        snprintf(what, sizeof what, "bench: conv%dd %s with %s", pt->dims, size, kernel);
        status = cli_library_error(rt, lib, what);
    }
    clconv_buffer_destroy(out);
    clconv_buffer_destroy(ker);
    clconv_buffer_destroy(sig);
    if (status != CLI_OK) return status;

    qsort(times, (size_t)cfg->runs, sizeof times[0], compare_double);
    res->ms_min = times[0];
    res->ms_max = times[cfg->runs - 1];
    res->ms_median = times[cfg->runs / 2];
    res->gflops = 2.0 * (double)res->outputs * (double)(pt->k[0] * pt->k[1]) /
                  (res->ms_median * 1e6);
    res->chosen = opts.chosen;
    return CLI_OK;
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

static void json_write(FILE *f, const clconv_device_info *dev, const bench_config *cfg,
                       const bench_result *results)
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
    fprintf(f, "  \"precision\": \"%s\",\n  \"mode\": \"same\",\n  \"method\": \"%s\",\n",
            cfg->dtype == CLCONV_F64 ? "f64" : "f32", clconv_method_name(cfg->method));
    fprintf(f, "  \"warmup_runs\": 1,\n  \"timed_runs\": %d,\n  \"results\": [\n", cfg->runs);
    for (size_t i = 0; i < BENCH_POINTS; i++) {
        const bench_point *pt = &bench_grid[i];
        const bench_result *r = &results[i];
        if (pt->dims == 1) {
            fprintf(f, "    {\"op\": \"conv1d\", \"n\": [%zu], \"k\": [%zu]", pt->n[1], pt->k[1]);
        } else {
            fprintf(f, "    {\"op\": \"conv2d\", \"n\": [%zu, %zu], \"k\": [%zu, %zu]", pt->n[0],
                    pt->n[1], pt->k[0], pt->k[1]);
        }
        fprintf(f, ", \"outputs\": %zu, \"method\": \"%s\", \"ms_median\": %.4f, "
                "\"ms_min\": %.4f, \"ms_max\": %.4f, \"gflops\": %.3f}%s\n", r->outputs,
                clconv_method_name(r->chosen), r->ms_median, r->ms_min, r->ms_max, r->gflops,
                i + 1 < BENCH_POINTS ? "," : "");
    }
    fprintf(f, "  ]\n}\n");
}

int cmd_bench(int argc, char **argv)
{
    bench_config cfg = {CLCONV_F32, CLCONV_METHOD_AUTO, BENCH_RUNS};
    const char *device = NULL, *json = NULL;
    args_parser p;
    args_init(&p, argv[0], bench_options, argc, argv);
    const char *v;
    for (int id; (id = args_next(&p, &v)) != ARGS_END;) {
        switch (id) {
        case ARGS_HELP: fputs(bench_help, stdout); return CLI_OK;
        case ARGS_ERROR: return CLI_EUSAGE;
        case ARGS_POSITIONAL: return cli_usage_error(p.command, "unexpected argument '%s'", v);
        case OPT_DEVICE: device = v; break;
        case OPT_QUICK: cfg.runs = BENCH_RUNS_QUICK; break;
        case OPT_METHOD:
            if (clconv_method_parse(v, &cfg.method) != CLCONV_OK) {
                return cli_usage_error(p.command, "--method must be auto, direct or fft, not "
                                       "'%s'", v);
            }
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

    outfile of = {0};
    clconv_runtime *rt = NULL;
    bench_result results[BENCH_POINTS];
    clconv_device_info dev;
    int status = json ? outfile_open(&of, json) : CLI_OK;
    if (status == CLI_OK) status = cli_runtime_open(device, 0, &rt);
    if (status == CLI_OK) {
        int s = clconv_runtime_device(rt, &dev);
        if (s < 0) status = cli_library_error(rt, s, "bench");
    }
    if (status == CLI_OK) {
        printf("device: %s (%s, %s)\n", dev.name, dev.platform, dev.driver_version);
        printf("%s, same mode, method %s; median of %d runs after a warm-up, compute only\n\n",
               cfg.dtype == CLCONV_F64 ? "float64" : "float32", clconv_method_name(cfg.method),
               cfg.runs);
        printf("%-7s %-11s %-7s %-7s %10s %9s\n", "op", "size", "kernel", "method", "ms",
               "GFLOP/s");
        fflush(stdout);
    }
    for (size_t i = 0; i < BENCH_POINTS && status == CLI_OK; i++) {
        const bench_point *pt = &bench_grid[i];
        char size[32], kernel[32];
        describe(pt, size, sizeof size, kernel, sizeof kernel);
        cli_progress("bench [%zu/%zu] conv%dd %s with %s", i + 1, BENCH_POINTS, pt->dims, size,
                     kernel);
        status = run_point(rt, &cfg, pt, &results[i]);
        cli_progress_end();
        if (status != CLI_OK) break;
        printf("conv%dd  %-11s %-7s %-7s %10.3f %9.2f\n", pt->dims, size, kernel,
               clconv_method_name(results[i].chosen), results[i].ms_median, results[i].gflops);
        fflush(stdout);
    }
    if (status == CLI_OK && json) {
        json_write(of.f, &dev, &cfg, results);
        status = outfile_commit(&of);
    }
    outfile_abort(&of);
    clconv_runtime_destroy(rt);
    return status;
}
