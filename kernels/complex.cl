/*
 * The device side of complex convolution (host/complex.c), which runs a
 * complex problem as real convolutions of its planes:
 *
 *   split    re[i] = src[i].x, im[i] = src[i].y: interleaved (re, im)
 *            pairs into two real planes, each from its own offset, so the
 *            planes of a batch can lie one after the other in one buffer
 *            (a real batch of twice the size) or in buffers of their own
 *   axpy     y[i] += alpha * x[i]: the terms of a product of complex
 *            separable factors summed into one real result
 *   combine  out[i] = (ca a[i] + cb b[i], cc c[i] + cd d[i]): real results
 *            back into interleaved pairs, with the signs of the complex
 *            product (re = a kr - b ki, im = b kr + a ki) and of the
 *            conjugation of a correlation; b and d are not read where their
 *            coefficient is zero
 *
 * for i in [0, count), offsets in elements. Each work-item handles CVEC
 * consecutive elements with whole-vector loads and stores (the last item's
 * tail element by element): a CPU compiler does not vectorise a scalar
 * per-item body across items, and one element per item made the split and
 * the combine of 2^22 complex64 samples cost 114 ms on POCL (AMD EPYC Zen 4,
 * 2 vCPUs, loaded), more than the real FFT convolution of one plane.
 */

#include "real.h"

#if PRECISION == 64
#define REAL2 double2
#define MASK_T ulong
#else
#define REAL2 float2
#define MASK_T uint
#endif

/* Elements per work-item: 2, 4, 8 or 16 (the host keeps REALN within one
 * of the device's vector registers). */
#ifndef CVEC
#define CVEC 16
#endif

#define REALN CAT(REAL, CVEC)
#define VLOADN CAT(vload, CVEC)
#define VSTOREN CAT(vstore, CVEC)
#define MASKN CAT(MASK_T, CVEC)

#if CVEC == 16
#define LO_MASK (MASKN)(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23)
#define HI_MASK (MASKN)(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31)
#elif CVEC == 8
#define LO_MASK (MASKN)(0, 8, 1, 9, 2, 10, 3, 11)
#define HI_MASK (MASKN)(4, 12, 5, 13, 6, 14, 7, 15)
#elif CVEC == 4
#define LO_MASK (MASKN)(0, 4, 1, 5)
#define HI_MASK (MASKN)(2, 6, 3, 7)
#else
#define LO_MASK (MASKN)(0, 2)
#define HI_MASK (MASKN)(1, 3)
#endif

__kernel void split(__global const REAL *restrict src, ulong src_offset,
                    __global REAL *restrict re, ulong re_offset, __global REAL *restrict im,
                    ulong im_offset, ulong count)
{
    const ulong i = (ulong)get_global_id(0) * CVEC;
    if (i >= count) return;
    src += 2 * src_offset;
    re += re_offset;
    im += im_offset;
    if (i + CVEC <= count) {
        const REALN a = VLOADN(0, src + 2 * i), b = VLOADN(1, src + 2 * i);
        VSTOREN((REALN)(a.even, b.even), 0, re + i);
        VSTOREN((REALN)(a.odd, b.odd), 0, im + i);
        return;
    }
    for (ulong j = i; j < count; j++) {
        re[j] = src[2 * j];
        im[j] = src[2 * j + 1];
    }
}

__kernel void axpy(__global REAL *restrict y, ulong y_offset, __global const REAL *restrict x,
                   ulong x_offset, REAL alpha, ulong count)
{
    const ulong i = (ulong)get_global_id(0) * CVEC;
    if (i >= count) return;
    y += y_offset;
    x += x_offset;
    if (i + CVEC <= count) {
        VSTOREN(VLOADN(0, y + i) + alpha * VLOADN(0, x + i), 0, y + i);
        return;
    }
    for (ulong j = i; j < count; j++) y[j] += alpha * x[j];
}

__kernel void combine(__global const REAL *a, ulong a_offset, REAL ca, __global const REAL *b,
                      ulong b_offset, REAL cb, __global const REAL *c, ulong c_offset, REAL cc,
                      __global const REAL *d, ulong d_offset, REAL cd,
                      __global REAL *restrict out, ulong out_offset, ulong count)
{
    const ulong i = (ulong)get_global_id(0) * CVEC;
    if (i >= count) return;
    a += a_offset;
    b += b_offset;
    c += c_offset;
    d += d_offset;
    out += 2 * out_offset;
    if (i + CVEC <= count) {
        REALN re = ca * VLOADN(0, a + i), im = cc * VLOADN(0, c + i);
        if (cb != 0) re += cb * VLOADN(0, b + i);
        if (cd != 0) im += cd * VLOADN(0, d + i);
        VSTOREN(shuffle2(re, im, LO_MASK), 0, out + 2 * i);
        VSTOREN(shuffle2(re, im, HI_MASK), 1, out + 2 * i);
        return;
    }
    for (ulong j = i; j < count; j++) {
        REAL r = ca * a[j], m = cc * c[j];
        if (cb != 0) r += cb * b[j];
        if (cd != 0) m += cd * d[j];
        out[2 * j] = r;
        out[2 * j + 1] = m;
    }
}
