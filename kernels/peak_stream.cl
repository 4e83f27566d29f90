/*
 * The device's global memory bandwidth, the memory roof that `clconv bench`
 * compares convolutions with (host/peak.c), measured as clpeak measures it.
 *
 * peak_read and peak_copy stream a buffer of vectors of W floats. Each
 * work-item handles PEAK_PER_ITEM vectors, either a contiguous block of them
 * (`contiguous` = 1: what a CPU device's prefetchers and vector units want)
 * or one vector every global-size vectors (0: consecutive work-items touch
 * consecutive vectors, what a GPU's coalescing wants); the host keeps the
 * better. The read kernel sums what it reads and writes one vector per
 * work-item, so the compiler cannot drop the loads and the writes are
 * negligible next to them. The copy stores non-temporally where the
 * compiler offers it (clang's builtin: POCL), as memcpy does for copies
 * larger than the caches: a cached store first reads its line, a third
 * transfer that would count against the device.
 */

#ifndef PEAK_PER_ITEM
#define PEAK_PER_ITEM 64 /* vectors read or copied per work-item */
#endif
#ifndef W
#define W 16 /* vector width: 2, 4, 8 or 16 */
#endif

#if defined(__has_builtin)
#if __has_builtin(__builtin_nontemporal_store)
#define STREAM_STORE(v, p) __builtin_nontemporal_store(v, p)
#endif
#endif
#ifndef STREAM_STORE
#define STREAM_STORE(v, p) (*(p) = (v))
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define FLOATW CAT(float, W)

/* The i-th of the vectors the calling work-item streams, in either layout. */
static size_t peak_at(int contiguous, int i)
{
    return contiguous ? get_global_id(0) * PEAK_PER_ITEM + (size_t)i
                      : get_global_id(0) + (size_t)i * get_global_size(0);
}

__kernel void peak_read(__global const FLOATW *restrict src, __global FLOATW *restrict out,
                        int contiguous)
{
    FLOATW sum = (FLOATW)(0.0f);
    for (int i = 0; i < PEAK_PER_ITEM; i++) sum += src[peak_at(contiguous, i)];
    out[get_global_id(0)] = sum;
}

__kernel void peak_copy(__global const FLOATW *restrict src, __global FLOATW *restrict dst,
                        int contiguous)
{
    for (int i = 0; i < PEAK_PER_ITEM; i++) {
        const size_t at = peak_at(contiguous, i);
        STREAM_STORE(src[at], &dst[at]);
    }
}
