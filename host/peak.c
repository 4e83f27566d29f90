/*
 * clconv_device_peak: the device's own limits, measured as clpeak measures
 * them, so that `clconv bench` can say how close a convolution comes to
 * them. Global memory bandwidth is the best streaming read (and, reported
 * beside it, the best streaming copy) over vector widths, access layouts and
 * buffer sizes larger than any cache; FMA throughput is the best over vector
 * widths of a kernel with many independent FMA chains (kernels/peak.cl).
 * Every figure is the best of a few runs after one that compiles and warms
 * up, each run timed from submission to clFinish.
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Timed runs per configuration after the warm-up; the best one counts. */
#define PEAK_RUNS 3
/* Vectors per work-item of the streaming kernels (PEAK_PER_ITEM in
 * peak_stream.cl). */
#define PER_ITEM 64
/* An FMA run is lengthened until it takes this long, so that launch
 * overhead and timer resolution stay below a percent. */
#define FMA_TARGET_S 0.02
/* Timings of the streaming kernels last at least this long. */
#define STREAM_TARGET_S 0.004

/* Launches kernel over gws items `repeat` times and waits: *seconds is the
 * wall time per launch. */
static int timed_launch(clconv_runtime *rt, cl_kernel kernel, size_t gws, int repeat,
                        const char *name, double *seconds)
{
    const double t0 = clconv__now_s();
    for (int i = 0; i < repeat; i++)
        FORWARD_IF_ERROR(clconv__launch(rt, kernel, 1, &gws, NULL, name));
    CL_RETURN_IF(rt, CLCONV__CL(clFinish, rt->queue), "clFinish", "after %s", name);
    *seconds = (clconv__now_s() - t0) / repeat;
    return 0;
}

/* Best of PEAK_RUNS timings after a warm-up launch. A launch shorter than
 * STREAM_TARGET_S (a GPU streams 256 MiB in a tenth of a millisecond) is
 * repeated within each timing, so that the fixed cost of submitting and
 * waiting does not count against the device. */
static int best_launch(clconv_runtime *rt, cl_kernel kernel, size_t gws, const char *name,
                       double *best)
{
    double t = 0; /* set by timed_launch, which GCC cannot see */
    *best = INFINITY;
    FORWARD_IF_ERROR(timed_launch(rt, kernel, gws, 1, name, &t));
    const int repeat = t < STREAM_TARGET_S ? (int)fmin(ceil(STREAM_TARGET_S / t), 100) : 1;
    for (int r = 0; r < PEAK_RUNS; r++) {
        FORWARD_IF_ERROR(timed_launch(rt, kernel, gws, repeat, name, &t));
        if (t < *best) *best = t;
    }
    return 0;
}

/* Widths of the streaming kernels in floats: 4, and 16 or one of the
 * device's vectors where that is narrower. */
static unsigned stream_width(const clconv_runtime *rt, int w)
{
    return w == 0 ? 4 : clconv__vector_fit(rt, CLCONV_F32, 16);
}

/* The rate in GB/s of one streaming kernel (width index w, copy or read)
 * over the first `bytes` of src (and dst), in one layout. */
static int stream_rate(clconv_runtime *rt, int w, int copy, cl_int contiguous, size_t bytes,
                       cl_mem src, cl_mem dst, double *gbps)
{
    const char *name = copy ? "peak_copy" : "peak_read";
    const size_t vector = stream_width(rt, w) * sizeof(float);
    const size_t items = bytes / (vector * PER_ITEM);
    const clconv__arg args[] = {CLCONV__ARG(src), CLCONV__ARG(dst), CLCONV__ARG(contiguous)};
    cl_kernel k = NULL;
    double t = 0;
    char options[16];
    snprintf(options, sizeof options, "-DW=%u", stream_width(rt, w));
    int status = clconv__kernel_create(rt, "peak_stream", options, name, &k);
    if (status == 0) status = clconv__set_args(rt, k, args, 3, name);
    if (status == 0) status = best_launch(rt, k, items, name, &t);
    if (k) clReleaseKernel(k);
    /* Only the bytes the kernel moved, twice over for a copy. */
    if (status == 0) *gbps = (copy ? 2.0 : 1.0) * (double)(items * PER_ITEM * vector) / t / 1e9;
    return status;
}

/* The reads of every width and layout over the whole buffer pick the
 * fastest pair; the copy, and both kinds over half the buffer, run only in
 * that pair, which keeps the measurement short. */
static int stream_all(clconv_runtime *rt, size_t bytes, cl_mem src, cl_mem dst, double *read_gbps,
                      double *copy_gbps)
{
    int best_w = 0;
    cl_int best_layout = 0;
    double rate;
    *read_gbps = *copy_gbps = 0;
    for (int w = 0; w < 2; w++) {
        for (cl_int contiguous = 0; contiguous < 2; contiguous++) {
            FORWARD_IF_ERROR(stream_rate(rt, w, 0, contiguous, bytes, src, dst, &rate));
            if (rate > *read_gbps) {
                *read_gbps = rate;
                best_w = w;
                best_layout = contiguous;
            }
        }
    }
    for (int half = 0; half < 2; half++) {
        const size_t b = half ? bytes / 2 : bytes;
        for (int copy = half ? 0 : 1; copy < 2; copy++) {
            double *best = copy ? copy_gbps : read_gbps;
            FORWARD_IF_ERROR(stream_rate(rt, best_w, copy, best_layout, b, src, dst, &rate));
            if (rate > *best) *best = rate;
        }
    }
    return 0;
}

/* Streams a buffer of 256 MiB (less where the device allows less) and half
 * of it: more than the caches of the CPUs and GPUs clconv runs on hold. */
static int measure_bandwidth(clconv_runtime *rt, double *read_gbps, double *copy_gbps)
{
    /* A whole number of the widest kernel's blocks. */
    const size_t block = 16 * sizeof(float) * PER_ITEM;
    uint64_t cap = (uint64_t)256 << 20;
    if (rt->max_alloc < cap) cap = rt->max_alloc;
    if (rt->info.global_mem_bytes / 4 < cap) cap = rt->info.global_mem_bytes / 4;
    const size_t bytes = (size_t)(cap / (2 * block) * (2 * block));
    RETURN_IF(rt, bytes == 0, CLCONV_EDEVMEM, "'%s' cannot hold two buffers of %zu bytes",
              rt->info.name, 2 * block);
    const float one = 1.0f;
    cl_mem src = NULL, dst = NULL;
    int status = clconv__alloc(rt, CL_MEM_READ_WRITE, bytes, NULL, &src);
    if (status == 0) status = clconv__alloc(rt, CL_MEM_READ_WRITE, bytes, NULL, &dst);
    if (status == 0) {
        /* Ones rather than garbage: some devices slow down on denormals or NaNs. */
        cl_int err = CLCONV__CL(clEnqueueFillBuffer, rt->queue, src, &one, sizeof one, 0, bytes, 0,
                                NULL, NULL);
        if (err != CL_SUCCESS)
            status = clconv__cl_fail(rt, err, "clEnqueueFillBuffer", __FILE__, __LINE__,
                                     "%zu bytes for the bandwidth test", bytes);
    }
    if (status == 0) status = stream_all(rt, bytes, src, dst, read_gbps, copy_gbps);
    if (dst) clReleaseMemObject(dst);
    if (src) clReleaseMemObject(src);
    return status;
}

/* The chain counts of kernels/peak_fma.cl: one kernel each. */
static const unsigned fma_chains[] = {8, 12, 16, 24};

/* Flops of one launch of an FMA kernel: `chains` chains of `width` lanes,
 * reps FMAs each, 2 flops per FMA. */
static double fma_flops(size_t items, unsigned chains, unsigned width, cl_int reps)
{
    return 2.0 * chains * width * (double)reps * (double)items;
}

/* Sets the arguments of an FMA kernel: mul and add point at a float or a
 * double (elem bytes), like the kernel's REAL. */
static int fma_args(clconv_runtime *rt, cl_kernel k, const char *name, cl_mem out, size_t elem,
                    const void *mul, const void *add, cl_int reps)
{
    const clconv__arg args[] = {CLCONV__ARG(out), {elem, mul}, {elem, add}, CLCONV__ARG(reps)};
    return clconv__set_args(rt, k, args, 4, name);
}

/* The best FMA rate of one kernel of peak_fma.cl (chains, vectors of width
 * elements of `elem` bytes) in GFLOP/s, raising best->gflops[d] to it and
 * recording the shape when it does. */
static int fma_shape(clconv_runtime *rt, clconv_dtype d, unsigned width, unsigned chains,
                     clconv_peak_result *best)
{
    const size_t elem = clconv_dtype_size(d);
    /* As many work-items as a GPU's compute unit keeps resident (2048 on
     * recent NVIDIA parts); a CPU device runs them as a few thousand loop
     * turns. */
    const size_t items = (size_t)(rt->info.compute_units ? rt->info.compute_units : 1) * 2048;
    const float mulf = 0.999f, addf = 1e-3f;
    const double muld = 0.999, addd = 1e-3;
    const void *mul = d == CLCONV_F64 ? (const void *)&muld : (const void *)&mulf;
    const void *add = d == CLCONV_F64 ? (const void *)&addd : (const void *)&addf;
    char options[48], name[32];
    snprintf(options, sizeof options, "-DPRECISION=%d -DW=%u", d == CLCONV_F64 ? 64 : 32, width);
    snprintf(name, sizeof name, "peak_fma_%u", chains);
    cl_mem out = NULL;
    cl_kernel k = NULL;
    cl_int reps = 64;
    double t = 0;
    int status = clconv__alloc(rt, CL_MEM_WRITE_ONLY, items * width * elem, NULL, &out);
    if (status == 0) status = clconv__kernel_create(rt, "peak_fma", options, name, &k);
    /* The first launch compiles and warms up; later ones lengthen the run
     * until it is long enough to time well. */
    for (int tries = 0; status == 0 && tries < 4; tries++) {
        status = fma_args(rt, k, name, out, elem, mul, add, reps);
        if (status == 0) status = timed_launch(rt, k, items, 1, name, &t);
        if (status != 0 || (tries > 0 && t >= FMA_TARGET_S / 2) || reps >= (1 << 22)) break;
        reps = (cl_int)(reps * ceil(fmin(FMA_TARGET_S / fmax(t, 1e-6), 64.0)));
    }
    if (status == 0) status = fma_args(rt, k, name, out, elem, mul, add, reps);
    if (status == 0) status = best_launch(rt, k, items, name, &t);
    if (status == 0) {
        const double rate = fma_flops(items, chains, width, reps) / t / 1e9;
        if (rate > best->gflops[d]) {
            best->gflops[d] = rate;
            best->fma_width[d] = width;
            best->fma_chains[d] = chains;
        }
    }
    if (k) clReleaseKernel(k);
    if (out) clReleaseMemObject(out);
    return status;
}

/* Every shape tried for precision d (see the top of this file). */
static int measure_fma(clconv_runtime *rt, clconv_dtype d, clconv_peak_result *best)
{
    const size_t nchains = sizeof fma_chains / sizeof fma_chains[0];
    if (rt->info.type != CLCONV_DEVICE_CPU) {
        const unsigned widths[2] = {4, 16};
        for (unsigned w = 0; w < 2; w++)
            for (size_t c = 0; c < nchains; c++)
                FORWARD_IF_ERROR(fma_shape(rt, d, widths[w], fma_chains[c], best));
        return 0;
    }
    /* On a CPU every chain count at the preferred width, and the fewer
     * chains at half of it: the preferred width comes from the CPU features
     * the OpenCL platform detected, which need not be those it compiles for
     * (POCL_LLVM_CPU_NAME=haswell on an AVX-512 host keeps reporting 16
     * floats; 8 chains of float16 then need all 16 ymm registers and spill,
     * while 12 chains of float8 reach an intrinsics loop's rate). */
    const unsigned width = clconv__vector_width(rt, d);
    for (size_t c = 0; c < nchains; c++)
        FORWARD_IF_ERROR(fma_shape(rt, d, width, fma_chains[c], best));
    for (size_t c = 0; width >= 4 && c < 2; c++)
        FORWARD_IF_ERROR(fma_shape(rt, d, width / 2, fma_chains[c], best));
    return 0;
}

int clconv_device_peak(clconv_runtime *rt, clconv_peak_result *out)
{
    RETURN_IF(rt, !rt, CLCONV_EINVAL, "runtime is NULL");
    RETURN_IF(rt, !out, CLCONV_EINVAL, "result is NULL");
    const double start = clconv__now_s();
    clconv_peak_result r;
    memset(&r, 0, sizeof r);
    FORWARD_IF_ERROR(measure_bandwidth(rt, &r.bandwidth_gbps, &r.copy_gbps));
    FORWARD_IF_ERROR(measure_fma(rt, CLCONV_F32, &r));
    if (rt->info.fp64) FORWARD_IF_ERROR(measure_fma(rt, CLCONV_F64, &r));
    r.seconds = clconv__now_s() - start;
    clconv__note(rt,
                 "peak: read %.1f GB/s, copy %.1f GB/s, FMA %.1f GFLOP/s float32 (%u chains of "
                 "%u), %.1f float64 (%u chains of %u)",
                 r.bandwidth_gbps, r.copy_gbps, r.gflops[0], r.fma_chains[0], r.fma_width[0],
                 r.gflops[1], r.fma_chains[1], r.fma_width[1]);
    *out = r;
    return 0;
}
