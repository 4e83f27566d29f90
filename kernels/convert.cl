/*
 * Conversion between integer storage and the compute type, the pass that
 * lets every convolution path (FFT, separable, 1-D, 3-D, streaming) take
 * integer signals and outputs; a 2-D direct convolution converts inside
 * conv_strip.cl instead, as it loads and stores.
 *
 *   to_real    dst[i] = (REAL)src[i]           src of IN_T
 *   from_real  dst[i] = saturate(round(src[i])) dst of OUT_T, rounded to
 *              nearest (ties to even) and saturated to OUT_MIN ... OUT_MAX
 *              by saturate.h, the code conv_strip.cl's stores use
 *
 * for i in [0, count), each array from its offset (in elements). Each
 * work-item converts CVEC consecutive elements with one vector load and
 * store (the last item's tail element by element): a CPU compiler does not
 * vectorise a scalar per-item loop across items, and this pass is bound by
 * memory only when it moves whole vectors.
 */

#include "real.h"

/* Storage types: uchar, ushort or short. */
#ifndef IN_T
#define IN_T uchar
#endif
#ifndef OUT_T
#define OUT_T uchar
#endif
/* Elements per work-item: 2, 4, 8 or 16. */
#ifndef CVEC
#define CVEC 16
#endif

#include "saturate.h"

#define REALN CAT(REAL, CVEC)
#define VLOADN CAT(vload, CVEC)
#define VSTOREN CAT(vstore, CVEC)

__kernel void to_real(__global const IN_T *restrict src, ulong src_offset,
                      __global REAL *restrict dst, ulong dst_offset, ulong count)
{
    const ulong i = (ulong)get_global_id(0) * CVEC;
    if (i >= count) return;
    src += src_offset;
    dst += dst_offset;
    if (i + CVEC <= count) {
        VSTOREN(CAT(convert_, REALN)(VLOADN(0, src + i)), 0, dst + i);
        return;
    }
    for (ulong j = i; j < count; j++) dst[j] = (REAL)src[j];
}

__kernel void from_real(__global const REAL *restrict src, ulong src_offset,
                        __global OUT_T *restrict dst, ulong dst_offset, ulong count)
{
    const ulong i = (ulong)get_global_id(0) * CVEC;
    if (i >= count) return;
    src += src_offset;
    dst += dst_offset;
    if (i + CVEC <= count) {
        const REALN v = VLOADN(0, src + i);
        VSTOREN(CAT(convert_, CAT(OUT_T, CVEC))(CAT(convert_int, CVEC)(SATURATE(v, REALN))), 0,
                dst + i);
        return;
    }
    for (ulong j = i; j < count; j++) dst[j] = CAT(convert_, OUT_T)(convert_int(saturate_one(src[j])));
}
