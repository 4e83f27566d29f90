/*
 * The device's own limits, measured in the manner of clpeak (host/peak.c):
 * global memory bandwidth and FMA throughput, the two roofs that
 * `clconv bench` compares its convolutions with.
 *
 * peak_read_W and peak_copy_W stream a buffer of vectors of W floats. Each
 * work-item handles PEAK_PER_ITEM vectors, either a contiguous block of them
 * (`contiguous` = 1: what a CPU device's prefetchers and vector units want)
 * or one vector every global-size vectors (0: consecutive work-items touch
 * consecutive vectors, what a GPU's coalescing wants); the host keeps the
 * better. The read kernel sums what it reads and writes one vector per
 * work-item, so the compiler cannot drop the loads and the writes are
 * negligible next to them.
 *
 * peak_fma_T_W runs 16 independent FMA chains of T vectors of width W per
 * work-item, `reps` times over: independent chains hide the FMA latency, so
 * the pipes stay busy, which a single dependent chain (clpeak's own kernel)
 * cannot do on a CPU. The multiplier and addend are arguments, so nothing
 * folds at compile time; with m < 1 every chain converges to c / (1 - m),
 * so no value overflows or turns denormal whatever `reps` is.
 */

#ifndef PEAK_PER_ITEM
#define PEAK_PER_ITEM 64 /* vectors read or copied per work-item */
#endif

/* The i-th of the vectors the calling work-item streams, in either layout. */
static size_t peak_at(int contiguous, int i)
{
    return contiguous ? get_global_id(0) * PEAK_PER_ITEM + (size_t)i
                      : get_global_id(0) + (size_t)i * get_global_size(0);
}

#define PEAK_STREAM_KERNELS(W)                                                                  \
    __kernel void peak_read_##W(__global const float##W *restrict src,                         \
                                __global float##W *restrict out, int contiguous)               \
    {                                                                                           \
        float##W sum = (float##W)(0.0f);                                                        \
        for (int i = 0; i < PEAK_PER_ITEM; i++) sum += src[peak_at(contiguous, i)];             \
        out[get_global_id(0)] = sum;                                                            \
    }                                                                                           \
    __kernel void peak_copy_##W(__global const float##W *restrict src,                         \
                                __global float##W *restrict dst, int contiguous)               \
    {                                                                                           \
        for (int i = 0; i < PEAK_PER_ITEM; i++) {                                               \
            const size_t at = peak_at(contiguous, i);                                           \
            dst[at] = src[at];                                                                  \
        }                                                                                       \
    }

PEAK_STREAM_KERNELS(4)
PEAK_STREAM_KERNELS(16)

/* Eight FMAs on eight chains, twice per loop turn: 16 chains in all. */
#define PEAK_FMA8(a, b, c, d, e, f, g, h)                                                       \
    a = fma(a, m, c0);                                                                          \
    b = fma(b, m, c0);                                                                          \
    c = fma(c, m, c0);                                                                          \
    d = fma(d, m, c0);                                                                          \
    e = fma(e, m, c0);                                                                          \
    f = fma(f, m, c0);                                                                          \
    g = fma(g, m, c0);                                                                          \
    h = fma(h, m, c0);

/* Each work-item does 16 * W * reps FMAs, 2 flops each. The chains start
 * apart (and apart from other work-items') so no two are the same value the
 * compiler could merge. */
#define PEAK_FMA_KERNEL(T, W)                                                                   \
    __kernel void peak_fma_##T##_##W(__global T##W *restrict out, T mul, T add, int reps)      \
    {                                                                                           \
        const T##W m = (T##W)(mul), c0 = (T##W)(add);                                           \
        const T##W x = (T##W)((T)get_global_id(0) * (T)1e-6);                                  \
        T##W a0 = x + (T)0, a1 = x + (T)1, a2 = x + (T)2, a3 = x + (T)3;                        \
        T##W a4 = x + (T)4, a5 = x + (T)5, a6 = x + (T)6, a7 = x + (T)7;                        \
        T##W b0 = x + (T)8, b1 = x + (T)9, b2 = x + (T)10, b3 = x + (T)11;                      \
        T##W b4 = x + (T)12, b5 = x + (T)13, b6 = x + (T)14, b7 = x + (T)15;                    \
        for (int r = 0; r < reps; r++) {                                                        \
            PEAK_FMA8(a0, a1, a2, a3, a4, a5, a6, a7)                                           \
            PEAK_FMA8(b0, b1, b2, b3, b4, b5, b6, b7)                                           \
        }                                                                                       \
        out[get_global_id(0)] =                                                                 \
            ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) +                                 \
            ((b0 + b1) + (b2 + b3)) + ((b4 + b5) + (b6 + b7));                                  \
    }

PEAK_FMA_KERNEL(float, 4)
PEAK_FMA_KERNEL(float, 16)

#if defined(cl_khr_fp64)
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
PEAK_FMA_KERNEL(double, 4)
PEAK_FMA_KERNEL(double, 8)
#endif
