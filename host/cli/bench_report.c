/*
 * The reports of `clconv bench` beyond its tables: the rates of a timing
 * against the device's limits, the JSON and CSV files (one row per point and
 * method, as scripts/plot-bench.sh reads them) and the side-by-side summary
 * of --all-devices.
 */
#include "bench.h"
#include "cli.h"
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *bench_grid_name(bench_grid g)
{
    static const char *const names[BENCH_CONV_GRIDS] = {"direct", "fft", "3d"};
    return names[g];
}

const bench_result *bench_grid_results(const bench_device *bd, bench_grid g, size_t *count)
{
    switch (g) {
    case BENCH_GRID_DIRECT: *count = bd->ndirect; return bd->direct;
    case BENCH_GRID_FFT: *count = bd->nfft; return bd->fft;
    case BENCH_GRID_3D: break;
    }
    *count = bd->nvol;
    return bd->vol;
}

/* The last dims extents of e joined by 'x': "4194304", "2048x2048". */
static void extent_text(int dims, const size_t *e, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 3 - dims; i < 3 && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%zu", i > 3 - dims ? "x" : "", e[i]);
}

void bench_describe(const bench_point *pt, char *size, size_t size_len, char *kernel,
                    size_t kernel_len)
{
    extent_text(pt->dims, pt->n, size, size_len);
    extent_text(pt->dims, pt->k, kernel, kernel_len);
}

/* The product of a point's extents. */
static size_t extent_count(const size_t *e)
{
    return e[0] * e[1] * e[2];
}

bench_rates bench_rates_of(const bench_result *r, const bench_timing *t, const bench_device *bd,
                           clconv_dtype dtype)
{
    bench_rates x = {0, 0, 0, 'm'};
    const double s = t->ms_median * 1e-3;
    x.gflops = r->gflop / s;
    x.gbps = r->gbyte / s;
    const double peak = bd->peak.gflops[dtype], bw = bd->peak.bandwidth_gbps;
    if (t->chosen == CLCONV_METHOD_FFT || peak <= 0) {
        x.pct = bw > 0 ? 100 * x.gbps / bw : 0;
    } else {
        /* The roofline: the lower of the FMA peak and bandwidth x intensity. */
        const double mem_roof = bw * (r->gflop / r->gbyte);
        x.bound = peak < mem_roof ? 'c' : 'm';
        x.pct = 100 * x.gflops / (peak < mem_roof ? peak : mem_roof);
    }
    return x;
}

double bench_auto_ratio(const bench_result *r)
{
    const bench_timing *a = &r->t[CLCONV_METHOD_AUTO], *di = &r->t[CLCONV_METHOD_DIRECT],
                       *f = &r->t[CLCONV_METHOD_FFT];
    double best = 0;
    if (di->measured) best = di->ms_median;
    if (f->measured && (best == 0 || f->ms_median < best)) best = f->ms_median;
    return a->measured && best > 0 ? a->ms_median / best : 0;
}

double bench_over_read_write(const bench_result *r, const bench_timing *t,
                             const bench_device *bd, clconv_dtype dtype)
{
    const double copy = bd->peak.copy_gbps;
    if (copy <= 0 || !t->measured) return 0;
    const double bytes = 2.0 * (double)extent_count(r->pt.n) * (double)clconv_dtype_size(dtype);
    return t->ms_median / (bytes / (copy * 1e9) * 1e3);
}

const bench_timing *bench_measured(const bench_result *r)
{
    for (int m = 0; m < 3; m++)
        if (r->t[m].measured) return &r->t[m];
    return NULL;
}

/* ---- output files ---------------------------------------------------------- */

/* One row of the flat table, as a CSV line or (json) a JSON array on one
 * line: the same columns either way, so the plot script reads both. */
typedef struct bench_row {
    size_t device;
    const char *grid, *op, *method, *chosen;
    char size[32], kernel[32];
    size_t n, k;
    const bench_timing *t;
    bench_rates r;
} bench_row;

static const char row_columns[] = "device,grid,op,size,kernel,n,k,method,chosen,ms_median,"
                                  "ms_min,ms_max,gflops,gbps,pct_roof,bound";

static void row_write(FILE *f, int json, const bench_row *w, int last)
{
    const char *q = json ? "\"" : "";
    fprintf(f, "%s%zu,%s%s%s,%s%s%s,%s%s%s,%s%s%s,%zu,%zu,%s%s%s,%s%s%s,%.4f,%.4f,%.4f,%.3f,"
            "%.3f,%.2f,%s%c%s%s\n", json ? "    [" : "", w->device, q, w->grid, q, q, w->op, q,
            q, w->size, q, q, w->kernel, q, w->n, w->k, q, w->method, q, q, w->chosen, q,
            w->t->ms_median, w->t->ms_min, w->t->ms_max, w->r.gflops, w->r.gbps, w->r.pct, q,
            w->r.bound, q, json ? (last ? "]" : "],") : "");
}

/* Calls row_write for every measured timing of bd; *left counts the rows
 * still to come over all devices, so JSON knows the last one. */
static void rows_write(FILE *f, int json, const bench_config *cfg, const bench_device *bd,
                       size_t *left)
{
    static const char *const ops[3] = {"conv1d", "conv2d", "conv3d"};
    for (int g = 0; g < BENCH_CONV_GRIDS; g++) {
        size_t count;
        const bench_result *res = bench_grid_results(bd, (bench_grid)g, &count);
        for (size_t i = 0; i < count; i++) {
            for (int m = 0; m < 3; m++) {
                const bench_timing *t = &res[i].t[m];
                if (!t->measured) continue;
                bench_row w = {bd->dev.index, bench_grid_name((bench_grid)g),
                               ops[res[i].pt.dims - 1], clconv_method_name((clconv_method)m),
                               clconv_method_name(t->chosen), "", "", extent_count(res[i].pt.n),
                               extent_count(res[i].pt.k), t,
                               bench_rates_of(&res[i], t, bd, cfg->dtype)};
                bench_describe(&res[i].pt, w.size, sizeof w.size, w.kernel, sizeof w.kernel);
                row_write(f, json, &w, --*left == 0);
            }
        }
    }
    for (size_t i = 0; i < bd->ndist; i++) {
        const bench_dist_result *d = &bd->dist[i];
        bench_row w = {bd->dev.index, "dist", d->pt->op, "auto", clconv_method_name(d->t.chosen),
                       "", "", (size_t)d->pt->count, 0, &d->t, {0, 0, 0, '-'}};
        snprintf(w.size, sizeof w.size, "%zu", (size_t)d->pt->count);
        snprintf(w.kernel, sizeof w.kernel, "-");
        row_write(f, json, &w, --*left == 0);
    }
}

static size_t rows_count(const bench_device *bd)
{
    size_t count = bd->ndist;
    for (int g = 0; g < BENCH_CONV_GRIDS; g++) {
        size_t n;
        const bench_result *res = bench_grid_results(bd, (bench_grid)g, &n);
        for (size_t i = 0; i < n; i++)
            for (int m = 0; m < 3; m++) count += (size_t)res[i].t[m].measured;
    }
    return count;
}

/* [n] for 1-D, [rows, cols] for 2-D, [depth, rows, cols] for 3-D. */
static void json_extent(FILE *f, int dims, const size_t *e)
{
    for (int i = 3 - dims; i < 3; i++) fprintf(f, "%s%zu", i > 3 - dims ? ", " : "[", e[i]);
    fprintf(f, "]");
}

static void json_timing(FILE *f, const char *name, const bench_result *r, const bench_timing *t,
                        const bench_device *bd, clconv_dtype dtype)
{
    fprintf(f, ", \"%s\": ", name);
    if (!t->measured) {
        fprintf(f, "null");
        return;
    }
    const bench_rates x = bench_rates_of(r, t, bd, dtype);
    fprintf(f, "{\"method\": \"%s\", \"ms_median\": %.4f, \"ms_min\": %.4f, \"ms_max\": %.4f, "
            "\"gflops\": %.3f, \"gbps\": %.3f, \"pct_roof\": %.2f, \"bound\": \"%s\"}",
            clconv_method_name(t->chosen), t->ms_median, t->ms_min, t->ms_max, x.gflops, x.gbps,
            x.pct, x.bound == 'c' ? "compute" : "memory");
}

static void json_points(FILE *f, const char *name, bench_grid grid, const bench_device *bd,
                        clconv_dtype dtype)
{
    size_t count;
    const bench_result *res = bench_grid_results(bd, grid, &count);
    fprintf(f, "  \"%s\": [\n", name);
    for (size_t i = 0; i < count; i++) {
        const bench_point *pt = &res[i].pt;
        fprintf(f, "    {\"op\": \"conv%dd\", \"n\": ", pt->dims);
        json_extent(f, pt->dims, pt->n);
        fprintf(f, ", \"k\": ");
        json_extent(f, pt->dims, pt->k);
        fprintf(f, ", \"outputs\": %zu, \"gflop\": %.4f, \"gbyte\": %.4f", res[i].outputs,
                res[i].gflop, res[i].gbyte);
        if (grid == BENCH_GRID_FFT) {
            json_timing(f, "direct", &res[i], &res[i].t[CLCONV_METHOD_DIRECT], bd, dtype);
            json_timing(f, "fft", &res[i], &res[i].t[CLCONV_METHOD_FFT], bd, dtype);
            json_timing(f, "auto", &res[i], &res[i].t[CLCONV_METHOD_AUTO], bd, dtype);
            fprintf(f, ", \"auto_over_best\": %.4f", bench_auto_ratio(&res[i]));
        } else if (bench_measured(&res[i])) {
            const bench_timing *t = bench_measured(&res[i]);
            json_timing(f, "result", &res[i], t, bd, dtype);
            if (grid == BENCH_GRID_3D)
                fprintf(f, ", \"over_read_write\": %.4f",
                        bench_over_read_write(&res[i], t, bd, dtype));
        }
        fprintf(f, "}%s\n", i + 1 < count ? "," : "");
    }
    fprintf(f, "  ]");
}

/* The keys of one device's results, inside an object already opened. */
static void json_device(FILE *f, const bench_device *bd, const bench_config *cfg)
{
    const clconv_device_info *dev = &bd->dev;
    const clconv_peak_result *pk = &bd->peak;
    fprintf(f, "  \"device\": {\"index\": %zu, \"name\": ", dev->index);
    json_write_string(f, dev->name);
    fprintf(f, ", \"vendor\": ");
    json_write_string(f, dev->vendor);
    fprintf(f, ", \"platform\": ");
    json_write_string(f, dev->platform);
    fprintf(f, ", \"driver\": ");
    json_write_string(f, dev->driver_version);
    fprintf(f, ", \"compute_units\": %u},\n", dev->compute_units);
    fprintf(f, "  \"peak\": {\"bandwidth_gbps\": %.3f, \"copy_gbps\": %.3f, \"gflops_f32\": %.3f, "
            "\"gflops_f64\": %.3f, \"fma_width_f32\": %u, \"fma_chains_f32\": %u, "
            "\"fma_width_f64\": %u, \"fma_chains_f64\": %u, \"seconds\": %.3f},\n",
            pk->bandwidth_gbps, pk->copy_gbps, pk->gflops[CLCONV_F32], pk->gflops[CLCONV_F64],
            pk->fma_width[CLCONV_F32], pk->fma_chains[CLCONV_F32], pk->fma_width[CLCONV_F64],
            pk->fma_chains[CLCONV_F64], pk->seconds);
    fprintf(f, "  \"precision\": \"%s\",\n  \"mode\": \"same\",\n  \"direct_grid_method\": "
            "\"%s\",\n  \"direct_limit_gflop\": %g,\n", cfg->dtype == CLCONV_F64 ? "f64" : "f32",
            clconv_method_name(cfg->method), cfg->direct_limit);
    fprintf(f, "  \"warmup_runs\": 1,\n  \"timed_runs\": %d,\n", cfg->runs);
    json_points(f, "direct_grid", BENCH_GRID_DIRECT, bd, cfg->dtype);
    fprintf(f, ",\n");
    json_points(f, "fft_grid", BENCH_GRID_FFT, bd, cfg->dtype);
    fprintf(f, ",\n  \"crossovers\": [");
    for (size_t i = 0; i < bd->ncross; i++) {
        const bench_crossover *c = &bd->cross[i];
        fprintf(f, "%s\n    {\"op\": \"conv%dd\", \"n\": ", i ? "," : "", c->pt.dims);
        json_extent(f, c->pt.dims, c->pt.n);
        fprintf(f, ", \"fft_faster_from_k\": ");
        if (c->pt.k[2]) {
            json_extent(f, c->pt.dims, c->pt.k);
        } else {
            fprintf(f, "null");
        }
        fprintf(f, ", \"kernels_compared\": %zu}", c->compared);
    }
    fprintf(f, "\n  ],\n");
    json_points(f, "grid_3d", BENCH_GRID_3D, bd, cfg->dtype);
    fprintf(f, ",\n  \"bench_dist_grid\": [");
    for (size_t i = 0; i < bd->ndist; i++) {
        const bench_dist_result *d = &bd->dist[i];
        fprintf(f, "%s\n    {\"op\": \"%s\", \"count\": %llu, \"method\": \"%s\", "
                "\"ms_median\": %.4f, \"ms_min\": %.4f, \"ms_max\": %.4f}", i ? "," : "",
                d->pt->op, (unsigned long long)d->pt->count, clconv_method_name(d->t.chosen),
                d->t.ms_median, d->t.ms_min, d->t.ms_max);
    }
    fprintf(f, "\n  ],\n  \"columns\": ");
    json_write_string(f, row_columns);
    fprintf(f, ",\n  \"rows\": [\n");
    size_t left = rows_count(bd);
    rows_write(f, 1, cfg, bd, &left);
    fprintf(f, "  ]\n");
}

/* One device: its keys at the top level, as before --all-devices existed;
 * several: an array of such objects under "devices". */
void bench_json_write(FILE *f, const bench_device *bd, size_t ndev, const bench_config *cfg)
{
    fprintf(f, "{\n  \"clconv_version\": ");
    json_write_string(f, clconv_version_string());
    if (ndev == 1) {
        fprintf(f, ",\n");
        json_device(f, &bd[0], cfg);
    } else {
        fprintf(f, ",\n  \"devices\": [\n");
        for (size_t i = 0; i < ndev; i++) {
            fprintf(f, "{\n");
            json_device(f, &bd[i], cfg);
            fprintf(f, "}%s\n", i + 1 < ndev ? "," : "");
        }
        fprintf(f, "  ]\n");
    }
    fprintf(f, "}\n");
}

void bench_csv_write(FILE *f, const bench_device *bd, size_t ndev, const bench_config *cfg)
{
    fprintf(f, "%s\n", row_columns);
    for (size_t i = 0; i < ndev; i++) {
        size_t left = rows_count(&bd[i]);
        rows_write(f, 0, cfg, &bd[i], &left);
    }
}

/* ---- the side-by-side summary of --all-devices ---------------------------- */

#define SUMMARY_COL 16

static void summary_label(const char *fmt, const char *a, const char *b)
{
    char label[64];
    snprintf(label, sizeof label, fmt, a, b);
    printf("%-30s", label);
}

/* Prints the median of point i of one grid for each device, "-" where it
 * did not run: on the FFT grid auto's, on the others the one method run. */
static void summary_points(const bench_device *bd, size_t ndev, bench_grid grid)
{
    static const char *const labels[3] = {"  conv1d %s*%s", "  conv2d %s*%s", "  conv3d %s*%s"};
    size_t count;
    const bench_result *res0 = bench_grid_results(&bd[0], grid, &count);
    for (size_t i = 0; i < count; i++) {
        char size[32], kernel[32];
        bench_describe(&res0[i].pt, size, sizeof size, kernel, sizeof kernel);
        summary_label(labels[res0[i].pt.dims - 1], size, kernel);
        for (size_t d = 0; d < ndev; d++) {
            size_t n;
            const bench_result *res = bench_grid_results(&bd[d], grid, &n);
            const bench_timing *t = i >= n                  ? NULL
                                    : grid == BENCH_GRID_FFT ? &res[i].t[CLCONV_METHOD_AUTO]
                                                             : bench_measured(&res[i]);
            if (t && t->measured) {
                printf(" %*.3f", SUMMARY_COL - 1, t->ms_median);
            } else {
                printf(" %*s", SUMMARY_COL - 1, "-");
            }
        }
        printf("\n");
    }
}

void bench_summary_write(const bench_device *bd, size_t ndev, const bench_config *cfg)
{
    printf("Summary, one column per device (ms are medians)\n\n%-30s", "");
    for (size_t d = 0; d < ndev; d++) printf(" %*zu", SUMMARY_COL - 1, bd[d].dev.index);
    printf("\n%-30s", "device");
    for (size_t d = 0; d < ndev; d++) printf(" %*.*s", SUMMARY_COL - 1, SUMMARY_COL - 1,
                                             bd[d].dev.name);
    static const char *const peak_names[] = {"read GB/s", "copy GB/s", "FMA float32 GFLOP/s",
                                             "FMA float64 GFLOP/s"};
    for (int k = 0; k < 4; k++) {
        printf("\n%-30s", peak_names[k]);
        for (size_t d = 0; d < ndev; d++) {
            const double v[4] = {bd[d].peak.bandwidth_gbps, bd[d].peak.copy_gbps,
                                 bd[d].peak.gflops[0], bd[d].peak.gflops[1]};
            printf(" %*.1f", SUMMARY_COL - 1, v[k]);
        }
    }
    printf("\n");
    if (cfg->grid_direct) {
        printf("direct grid, method %s, ms\n", clconv_method_name(cfg->method));
        summary_points(bd, ndev, BENCH_GRID_DIRECT);
    }
    if (cfg->grid_fft) {
        printf("FFT grid, auto, ms\n");
        summary_points(bd, ndev, BENCH_GRID_FFT);
        printf("FFT faster from kernel\n");
        for (size_t i = 0; i < bd[0].ncross; i++) {
            char size[32], kernel[32];
            bench_describe(&bd[0].cross[i].pt, size, sizeof size, kernel, sizeof kernel);
            summary_label(bd[0].cross[i].pt.dims == 1 ? "  conv1d %s%s" : "  conv2d %s%s", size,
                          "");
            for (size_t d = 0; d < ndev; d++) {
                const bench_crossover *c = i < bd[d].ncross ? &bd[d].cross[i] : NULL;
                if (c && c->pt.k[2]) {
                    bench_describe(&c->pt, size, sizeof size, kernel, sizeof kernel);
                    printf(" %*s", SUMMARY_COL - 1, kernel);
                } else {
                    printf(" %*s", SUMMARY_COL - 1, "-");
                }
            }
            printf("\n");
        }
    }
    if (cfg->grid_3d) {
        printf("3-D grid, ms\n");
        summary_points(bd, ndev, BENCH_GRID_3D);
    }
    if (cfg->grid_dist) {
        printf("dist grid, ms\n");
        for (size_t i = 0; i < BENCH_DIST_POINTS; i++) {
            char count[32];
            snprintf(count, sizeof count, "%llu", (unsigned long long)bench_dist_grid[i].count);
            summary_label("  sum of %s %s", count, bench_dist_grid[i].op);
            for (size_t d = 0; d < ndev; d++) {
                if (i < bd[d].ndist) {
                    printf(" %*.3f", SUMMARY_COL - 1, bd[d].dist[i].t.ms_median);
                } else {
                    printf(" %*s", SUMMARY_COL - 1, "-");
                }
            }
            printf("\n");
        }
    }
}
