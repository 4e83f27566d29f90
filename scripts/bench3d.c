/*
 * The C side of scripts/bench-3d.py: times clconv_conv3d_host in-process
 * from host arrays, one float32 volume of n^3 random values with a k^3
 * kernel in SciPy's 'same' placement, so that the script can interleave its
 * calls with SciPy's and compare medians taken side by side. It reads
 * commands from stdin, one a line, and answers each with one line:
 *
 *   conv N K METHOD BOUNDARY   -> "MS CHOSEN": one timed call (METHOD auto,
 *                                 direct or fft; BOUNDARY none for
 *                                 scipy.signal's zero padding, else an
 *                                 ndimage mode); a first call for a new
 *                                 shape (plans, kernel builds, first touch
 *                                 of the arrays) runs untimed before it
 *   peak                       -> "COPY READ": clconv_device_peak's streaming
 *                                 copy and read bandwidths in GB/s, what
 *                                 `clconv bench --grid limits` reports
 *
 * Built against the library by the script:
 *   cc -O2 -I include scripts/bench3d.c -L build -lclconv -Wl,-rpath,build
 */
#include "clconv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void fail(const clconv_runtime *rt, int status, const char *what)
{
    fprintf(stderr, "bench3d: %s: %s: %s\n", what, clconv_strerror(status),
            clconv_last_error(rt));
    exit(1);
}

int main(void)
{
    clconv_runtime *rt;
    int status = clconv_runtime_create(&rt, NULL);
    if (status < 0) fail(NULL, status, "creating the runtime");
    char line[256], last[256] = "";
    size_t n = 0, k = 0;
    float *x = NULL, *h = NULL, *y = NULL;
    while (fgets(line, sizeof line, stdin)) {
        char method[16], boundary[16];
        if (strncmp(line, "peak", 4) == 0) {
            clconv_peak_result pk;
            status = clconv_device_peak(rt, &pk);
            if (status < 0) fail(rt, status, "measuring the device's limits");
            printf("%.3f %.3f\n", pk.copy_gbps, pk.bandwidth_gbps);
        } else if (sscanf(line, "conv %zu %zu %15s %15s", &n, &k, method, boundary) == 4) {
            clconv_conv_options o = {.mode = CLCONV_MODE_SAME};
            if (clconv_method_parse(method, &o.method) < 0 ||
                clconv_boundary_parse(boundary, &o.boundary) < 0)
                fail(NULL, CLCONV_EINVAL, "reading a command");
            const size_t count = n * n * n, taps = k * k * k;
            const int fresh = strcmp(line, last) != 0;
            if (fresh) {
                free(x), free(h), free(y);
                x = malloc(count * sizeof *x), h = malloc(taps * sizeof *h);
                y = malloc(count * sizeof *y);
                if (!x || !h || !y) fail(rt, CLCONV_ENOMEM, "allocating the arrays");
                srand(1);
                for (size_t i = 0; i < count; i++) x[i] = (float)rand() / (float)RAND_MAX;
                for (size_t i = 0; i < taps; i++)
                    h[i] = (float)rand() / (float)RAND_MAX / (float)taps;
                snprintf(last, sizeof last, "%s", line);
            }
            for (int r = fresh ? 0 : 1; r < 2; r++) {
                const double t0 = now_ms();
                status = clconv_conv3d_host(rt, CLCONV_F32, x, n, n, n, 1, h, k, k, k, y, &o);
                const double t1 = now_ms();
                if (status < 0) fail(rt, status, "conv3d");
                if (r == 1) printf("%.3f %s\n", t1 - t0, clconv_method_name(o.chosen));
            }
        } else {
            fail(NULL, CLCONV_EINVAL, "unknown command");
        }
        fflush(stdout);
    }
    free(x), free(h), free(y);
    clconv_runtime_destroy(rt);
    return 0;
}
