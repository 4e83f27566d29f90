/*
 * clconv_warmup: fills the program caches ahead of time by running tiny
 * calls through the public API with binaries stored at their first build
 * (program.c stores them at the second otherwise). Running the calls
 * themselves, rather than listing programs, keeps the set of programs exactly
 * what real calls of those shapes build, whatever the parameter table picks
 * on the device at hand.
 */
#include "internal.h"

#include <stdlib.h>

/* Window sizes that the parameter table tells apart on any device: short
 * and long 1-D kernels, small and large 2-D ones (its entries split 2-D
 * windows at 120 taps). */
static const size_t windows_1d[] = {5, 255};
static const size_t windows_2d[] = {3, 15};

/* Direct 1-D, 2-D and separable convolutions, and one 1-D convolution by FFT
 * when fft is set, in dtype. Inputs are small enough to cost nothing but
 * their programs. */
static int warm_conv(clconv_runtime *rt, clconv_dtype dtype, int fft)
{
    enum { N = 512, R = 40, C = 40, K = 255 };
    /* Zeros, read as either precision: the values do not matter, only the
     * programs the calls build. Sized for float64. */
    double *x = calloc(N + K + N + 2 * R * C, sizeof *x);
    RETURN_IF(rt, !x, CLCONV_ENOMEM, "allocating the warm-up arrays");
    double *h = x + N, *y = h + K, *img = y + N, *out = img + R * C;
    clconv_conv_options o = {.mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT};
    int status = 0;
    for (size_t i = 0; status == 0 && i < sizeof windows_1d / sizeof windows_1d[0]; i++)
        status = clconv_conv1d_host(rt, dtype, x, N, 1, h, windows_1d[i], y, &o);
    for (size_t i = 0; status == 0 && i < sizeof windows_2d / sizeof windows_2d[0]; i++) {
        const size_t k = windows_2d[i];
        status = clconv_conv2d_host(rt, dtype, img, R, C, 1, h, k, k, out, &o);
        if (status == 0)
            status = clconv_conv2d_separable_host(rt, dtype, img, R, C, 1, h, k, h, k, out, &o);
    }
    if (status == 0 && fft) {
        o.method = CLCONV_METHOD_FFT;
        status = clconv_conv1d_host(rt, dtype, x, N, 1, h, 64, y, &o);
    }
    free(x);
    return status;
}

/* Sums of two short distributions, and with `all` the FFT method's clamp. */
static int warm_dist(clconv_runtime *rt, int all)
{
    static const double p[6] = {0.1, 0.2, 0.3, 0.1, 0.2, 0.1};
    const clconv_dist *pair[2];
    clconv_dist *d = NULL, *s = NULL;
    clconv_dist_options o = {.method = CLCONV_METHOD_DIRECT};
    int status = clconv_dist_create_1d(rt, p, 6, 1, 0, &d);
    pair[0] = pair[1] = d;
    if (status == 0) status = clconv_dist_sum_many(rt, pair, 2, &o, &s);
    clconv_dist_destroy(s);
    s = NULL;
    if (status == 0 && all) {
        o.method = CLCONV_METHOD_FFT;
        status = clconv_dist_sum(rt, d, d, &o, &s);
        clconv_dist_destroy(s);
    }
    clconv_dist_destroy(d);
    return status;
}

int clconv_warmup(clconv_runtime *rt, int all)
{
    RETURN_IF(rt, !rt, CLCONV_EINVAL, "runtime is NULL");
    rt->eager_binaries = 1;
    int status = warm_conv(rt, CLCONV_F32, all);
    if (status == 0 && all && rt->info.fp64) status = warm_conv(rt, CLCONV_F64, 1);
    if (status == 0 && rt->info.fp64) status = warm_dist(rt, all);
    if (status == 0) status = clconv_runtime_finish(rt);
    rt->eager_binaries = 0;
    return status;
}
