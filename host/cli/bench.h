/*
 * What the parts of `clconv bench` share: the problems of its grids, the
 * configuration of a run, what is measured on a device, and the functions
 * between the parts: the timing harness (bench_time.c), the grids and their
 * tables (cmd_bench.c) and the report files and --all-devices summary
 * (bench_report.c).
 */
#ifndef CLCONV_CLI_BENCH_H
#define CLCONV_CLI_BENCH_H

#include <clconv.h>

#include <stdint.h>
#include <stdio.h>

/* One problem: extents outermost first and aligned to the last entry, so a
 * 1-D problem has n[0] == n[1] == k[0] == k[1] == 1 and a 2-D one n[0] ==
 * k[0] == 1. */
typedef struct bench_point {
    int dims;
    size_t n[3];
    size_t k[3];
} bench_point;

/* The dist grid: sums of `count` copies of the loaded die below, or of
 * `count` Bernoulli variables of different p (a Poisson-binomial). */
typedef struct dist_point {
    const char *op;   /* "dice" or "bernoulli" */
    uint64_t count;
} dist_point;

/* The grids' sizes (cmd_bench.c defines the grids). */
#define BENCH_DIRECT_POINTS 9
#define BENCH_FFT_1D_MAX 35
#define BENCH_FFT_2D_KERNELS 5
#define BENCH_FFT_POINTS_MAX (BENCH_FFT_1D_MAX + BENCH_FFT_2D_KERNELS)
#define BENCH_DIST_POINTS 4
#define BENCH_3D_POINTS 3
/* The 3-D grid's cube edge: a 256^3 float32 volume is 64 MiB, beyond every
 * cache; --quick's 96^3 (3.4 MiB) keeps the grid to a few seconds. */
#define BENCH_3D_VOLUME 256
#define BENCH_3D_VOLUME_QUICK 96
extern const dist_point bench_dist_grid[BENCH_DIST_POINTS];

/* Median of an odd number of runs is one of them, not an average. */
#define BENCH_RUNS 9
#define BENCH_RUNS_QUICK 3

typedef struct bench_config {
    clconv_dtype dtype;
    clconv_method method;     /* the direct grid's */
    int runs;
    int quick;
    double direct_limit;      /* GFLOP; 0: none */
    size_t volume;            /* the 3-D grid's cube edge */
    int grid_direct, grid_fft, grid_dist, grid_3d;
    int verbose;              /* -v: the library's notes on stderr */
} bench_config;

/* One method timed at one point; measured == 0 when it was skipped. */
typedef struct bench_timing {
    int measured;
    double ms_median;
    double ms_min;
    double ms_max;
    clconv_method chosen;
} bench_timing;

/* A point's results: one timing on the direct and 3-D grids, three on the
 * FFT grid (indexed by clconv_method: auto, direct, fft). */
typedef struct bench_result {
    bench_point pt;
    size_t outputs;
    double gflop;             /* 2 x outputs x taps / 1e9 */
    double gbyte;             /* signal, kernel and output once each / 1e9 */
    bench_timing t[3];
} bench_result;

/* The direct/FFT crossover of one signal size of the FFT grid: the smallest
 * kernel at which FFT was faster (k[2] == 0: none among those measured). */
typedef struct bench_crossover {
    bench_point pt;
    size_t compared;          /* kernels where both methods ran */
    bench_point largest;      /* the largest of them (its k) */
} bench_crossover;

typedef struct bench_dist_result {
    const dist_point *pt;
    bench_timing t;           /* t.chosen: FFT when any convolution used it */
} bench_dist_result;

/* Everything measured on one device. */
typedef struct bench_device {
    clconv_device_info dev;
    clconv_peak_result peak;
    bench_result direct[BENCH_DIRECT_POINTS];
    size_t ndirect;
    bench_result fft[BENCH_FFT_POINTS_MAX];
    size_t nfft;
    bench_crossover cross[BENCH_FFT_POINTS_MAX];
    size_t ncross;
    bench_dist_result dist[BENCH_DIST_POINTS];
    size_t ndist;
    bench_result vol[BENCH_3D_POINTS];
    size_t nvol;
    unsigned above_roof;      /* points above 100% of the limits */
} bench_device;

/* The rates of one timing against the device's limits. */
typedef struct bench_rates {
    double gflops, gbps, pct;
    char bound;               /* 'c' compute-bound, 'm' memory-bound */
} bench_rates;

/* ---- the timing harness (bench_time.c) ---------------------------------------- */

/* What one timed run does: submit the work, wait for it, and say which
 * method ran. Returns a library status. */
typedef int (*bench_run_fn)(clconv_runtime *rt, const void *arg, clconv_method method,
                            clconv_method *chosen);

/* Times each of methods[0..n) cfg->runs times, filling t[i]. The runs are
 * split into passes over the methods (three in a full run, one with
 * --quick); in each pass a method gets one untimed run to warm the caches
 * again after the others, then its share of timed runs. Passes put every
 * method through the same phases of a shared machine's load, so the ratios
 * between them hold even when a phase slows all of them (on 2 cores, any
 * other busy process halves the speed), while each timed run still follows
 * a run of its own kind, as repeated calls do. Returns a library status (the
 * caller reports it, knowing what ran) and sets *failed to the method that
 * failed. */
int bench_time_runs(clconv_runtime *rt, const bench_config *cfg, bench_run_fn fn,
                     const void *arg, const clconv_method *methods, size_t n,
                     bench_timing *const *t, clconv_method *failed);

/* ---- reports (bench_report.c) --------------------------------------------------- */

/* The convolution grids, as the reports walk them. */
typedef enum bench_grid { BENCH_GRID_DIRECT, BENCH_GRID_FFT, BENCH_GRID_3D } bench_grid;
#define BENCH_CONV_GRIDS 3

/* The name of grid g ("direct", "fft", "3d") and bd's results on it. */
const char *bench_grid_name(bench_grid g);
const bench_result *bench_grid_results(const bench_device *bd, bench_grid g, size_t *count);

/* A point's size and kernel as "4194304" and "255", "2048x2048" and "3x3",
 * or "256x256x256" and "7x7x7". */
void bench_describe(const bench_point *pt, char *size, size_t size_len, char *kernel,
                    size_t kernel_len);

/* The rates of timing t of result r against the limits of bd, in dtype. */
bench_rates bench_rates_of(const bench_result *r, const bench_timing *t, const bench_device *bd,
                           clconv_dtype dtype);

/* auto's median over the faster forced method's, or 0 when neither ran. */
double bench_auto_ratio(const bench_result *r);

/* Timing t of a point over the time to read and write its input once at
 * the measured copy bandwidth (the floor of a pass over the data), or 0
 * when the bandwidth is unknown. */
double bench_over_read_write(const bench_result *r, const bench_timing *t,
                             const bench_device *bd, clconv_dtype dtype);

/* The one timing a point of the direct or 3-D grid measured (NULL if none). */
const bench_timing *bench_measured(const bench_result *r);

/* The JSON and CSV report files of ndev devices. */
void bench_json_write(FILE *f, const bench_device *bd, size_t ndev, const bench_config *cfg);
void bench_csv_write(FILE *f, const bench_device *bd, size_t ndev, const bench_config *cfg);

/* The side-by-side table of --all-devices, on stdout. */
void bench_summary_write(const bench_device *bd, size_t ndev, const bench_config *cfg);

#endif /* CLCONV_CLI_BENCH_H */
