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
 * for i in [0, count), offsets in elements. One element per work-item:
 * these passes are bound by memory and cost a few percent of a
 * convolution (README: complex).
 */

#ifndef PRECISION
#define PRECISION 32 /* 32: float, 64: double */
#endif

#if PRECISION == 64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define REAL double
#define REAL2 double2
#else
#define REAL float
#define REAL2 float2
#endif

__kernel void split(__global const REAL2 *restrict src, ulong src_offset,
                    __global REAL *restrict re, ulong re_offset, __global REAL *restrict im,
                    ulong im_offset, ulong count)
{
    const ulong i = get_global_id(0);
    if (i >= count) return;
    const REAL2 v = src[src_offset + i];
    re[re_offset + i] = v.x;
    im[im_offset + i] = v.y;
}

__kernel void axpy(__global REAL *restrict y, ulong y_offset, __global const REAL *restrict x,
                   ulong x_offset, REAL alpha, ulong count)
{
    const ulong i = get_global_id(0);
    if (i >= count) return;
    y[y_offset + i] += alpha * x[x_offset + i];
}

__kernel void combine(__global const REAL *a, ulong a_offset, REAL ca, __global const REAL *b,
                      ulong b_offset, REAL cb, __global const REAL *c, ulong c_offset, REAL cc,
                      __global const REAL *d, ulong d_offset, REAL cd,
                      __global REAL2 *restrict out, ulong out_offset, ulong count)
{
    const ulong i = get_global_id(0);
    if (i >= count) return;
    REAL re = ca * a[a_offset + i], im = cc * c[c_offset + i];
    if (cb != 0) re += cb * b[b_offset + i];
    if (cd != 0) im += cd * d[d_offset + i];
    out[out_offset + i] = (REAL2)(re, im);
}
