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

void bench_describe(const bench_point *pt, char *size, size_t size_len, char *kernel,
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
    static const char *const grids[2] = {"direct", "fft"};
    for (int g = 0; g < 2; g++) {
        const bench_result *res = g ? bd->fft : bd->direct;
        const size_t count = g ? bd->nfft : bd->ndirect;
        for (size_t i = 0; i < count; i++) {
            for (int m = 0; m < 3; m++) {
                const bench_timing *t = &res[i].t[m];
                if (!t->measured) continue;
                bench_row w = {bd->dev.index, grids[g], res[i].pt.dims == 1 ? "conv1d" : "conv2d",
                               clconv_method_name((clconv_method)m), clconv_method_name(t->chosen),
                               "", "", res[i].pt.n[0] * res[i].pt.n[1],
                               res[i].pt.k[0] * res[i].pt.k[1], t, bench_rates_of(&res[i], t, bd,
                                                                            cfg->dtype)};
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
    for (size_t i = 0; i < bd->ndirect; i++)
        for (int m = 0; m < 3; m++) count += (size_t)bd->direct[i].t[m].measured;
    for (size_t i = 0; i < bd->nfft; i++)
        for (int m = 0; m < 3; m++) count += (size_t)bd->fft[i].t[m].measured;
    return count;
}

/* [n] for 1-D, [rows, cols] for 2-D. */
static void json_extent(FILE *f, int dims, const size_t *e)
{
    if (dims == 1) {
        fprintf(f, "[%zu]", e[1]);
    } else {
        fprintf(f, "[%zu, %zu]", e[0], e[1]);
    }
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

static void json_points(FILE *f, const char *name, const bench_result *res, size_t count,
                        int fft_grid_points, const bench_device *bd, clconv_dtype dtype)
{
    fprintf(f, "  \"%s\": [\n", name);
    for (size_t i = 0; i < count; i++) {
        const bench_point *pt = &res[i].pt;
        fprintf(f, "    {\"op\": \"conv%dd\", \"n\": ", pt->dims);
        json_extent(f, pt->dims, pt->n);
        fprintf(f, ", \"k\": ");
        json_extent(f, pt->dims, pt->k);
        fprintf(f, ", \"outputs\": %zu, \"gflop\": %.4f, \"gbyte\": %.4f", res[i].outputs,
                res[i].gflop, res[i].gbyte);
        if (fft_grid_points) {
            json_timing(f, "direct", &res[i], &res[i].t[CLCONV_METHOD_DIRECT], bd, dtype);
            json_timing(f, "fft", &res[i], &res[i].t[CLCONV_METHOD_FFT], bd, dtype);
            json_timing(f, "auto", &res[i], &res[i].t[CLCONV_METHOD_AUTO], bd, dtype);
            fprintf(f, ", \"auto_over_best\": %.4f", bench_auto_ratio(&res[i]));
        } else {
            for (int m = 0; m < 3; m++)
                if (res[i].t[m].measured)
                    json_timing(f, "result", &res[i], &res[i].t[m], bd, dtype);
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
    json_points(f, "direct_grid", bd->direct, bd->ndirect, 0, bd, cfg->dtype);
    fprintf(f, ",\n");
    json_points(f, "fft_grid", bd->fft, bd->nfft, 1, bd, cfg->dtype);
    fprintf(f, ",\n  \"crossovers\": [");
    for (size_t i = 0; i < bd->ncross; i++) {
        const bench_crossover *c = &bd->cross[i];
        fprintf(f, "%s\n    {\"op\": \"conv%dd\", \"n\": ", i ? "," : "", c->pt.dims);
        json_extent(f, c->pt.dims, c->pt.n);
        fprintf(f, ", \"fft_faster_from_k\": ");
        if (c->pt.k[1]) {
            json_extent(f, c->pt.dims, c->pt.k);
        } else {
            fprintf(f, "null");
        }
        fprintf(f, ", \"kernels_compared\": %zu}", c->compared);
    }
    fprintf(f, "\n  ],\n  \"bench_dist_grid\": [");
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

/* Prints the auto (or the direct grid's) median of point i of one grid for
 * each device, "-" where it did not run. */
static void summary_points(const bench_device *bd, size_t ndev, int fft, clconv_method method)
{
    const size_t count = fft ? bd[0].nfft : bd[0].ndirect;
    for (size_t i = 0; i < count; i++) {
        const bench_result *r0 = fft ? &bd[0].fft[i] : &bd[0].direct[i];
        char size[32], kernel[32];
        bench_describe(&r0->pt, size, sizeof size, kernel, sizeof kernel);
        summary_label(r0->pt.dims == 1 ? "  conv1d %s*%s" : "  conv2d %s*%s", size, kernel);
        for (size_t d = 0; d < ndev; d++) {
            const size_t n = fft ? bd[d].nfft : bd[d].ndirect;
            const bench_timing *t = i < n ? &(fft ? bd[d].fft : bd[d].direct)[i].t[method] : NULL;
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
        summary_points(bd, ndev, 0, cfg->method);
    }
    if (cfg->grid_fft) {
        printf("FFT grid, auto, ms\n");
        summary_points(bd, ndev, 1, CLCONV_METHOD_AUTO);
        printf("FFT faster from kernel\n");
        for (size_t i = 0; i < bd[0].ncross; i++) {
            char size[32], kernel[32];
            bench_describe(&bd[0].cross[i].pt, size, sizeof size, kernel, sizeof kernel);
            summary_label(bd[0].cross[i].pt.dims == 1 ? "  conv1d %s%s" : "  conv2d %s%s", size,
                          "");
            for (size_t d = 0; d < ndev; d++) {
                const bench_crossover *c = i < bd[d].ncross ? &bd[d].cross[i] : NULL;
                if (c && c->pt.k[1]) {
                    bench_describe(&c->pt, size, sizeof size, kernel, sizeof kernel);
                    printf(" %*s", SUMMARY_COL - 1, kernel);
                } else {
                    printf(" %*s", SUMMARY_COL - 1, "-");
                }
            }
            printf("\n");
        }
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
