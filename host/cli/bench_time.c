/*
 * The timing harness of `clconv bench`, apart from what it times (zstd's
 * benchfn.c): runs a function several times per method in passes and keeps
 * the median, fastest and slowest, on the command's one clock (io_now_s).
 */
#include "bench.h"
#include "cli.h"

#include <stdlib.h>

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

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
                     bench_timing *const *t, clconv_method *failed)
{
    const int passes = cfg->runs % 3 == 0 && cfg->runs > 3 ? 3 : 1;
    double times[3][BENCH_RUNS];
    clconv_method chosen[3];
    int lib = CLCONV_OK, done = 0;
    for (int pass = 0; pass < passes && lib == CLCONV_OK; pass++) {
        const int share = cfg->runs / passes;
        for (size_t i = 0; i < n && lib == CLCONV_OK; i++) {
            lib = fn(rt, arg, *failed = methods[i], &chosen[i]);
            for (int r = 0; r < share && lib == CLCONV_OK; r++) {
                const double t0 = io_now_s() * 1e3;
                lib = fn(rt, arg, methods[i], &chosen[i]);
                times[i][done + r] = io_now_s() * 1e3 - t0;
            }
        }
        done += share;
    }
    if (lib < 0) return lib;
    for (size_t i = 0; i < n; i++) {
        qsort(times[i], (size_t)cfg->runs, sizeof times[i][0], compare_double);
        t[i]->measured = 1;
        t[i]->ms_min = times[i][0];
        t[i]->ms_max = times[i][cfg->runs - 1];
        t[i]->ms_median = times[i][cfg->runs / 2];
        t[i]->chosen = chosen[i];
    }
    return CLCONV_OK;
}
