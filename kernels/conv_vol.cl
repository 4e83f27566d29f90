/*
 * Direct 3-D convolution on CPUs, written as a valid-mode correlation over a
 * padded block of volumes in which every window lies (host/direct3d.c makes
 * it):
 *
 *   out[b][z][r][c] = sum over p < kd, i < kr, j < kc of
 *                     in[b][z + p][r + i][c + j] * w[p][i][j]
 *
 * with w walked through the taps buffer from taps_offset in steps of
 * taps_step (+1 for the kernel as given, -1 reversed, as convolution needs).
 *
 * Each work-item owns a block of ZB output planes x RB output rows x
 * NACC vectors of VEC columns, held in ZB * RB * NACC vector accumulators.
 * It walks the ZB + kd - 1 input planes and RB + kr - 1 input rows that
 * block reads once, loading each row's kc shifted vectors once per
 * accumulator column and adding them, with the tap that pairs each output
 * plane and row with that input plane and row, into every accumulator they
 * reach. conv_strip.cl's one-plane strip loads each input vector kd * kr
 * times (once per output plane and row it feeds): with 3^3 taps that is 27
 * loads for 27 FMAs per output vector, here (ZB + 2)(RB + 2) 3 / (ZB RB)
 * loads per output vector, 13.5 for ZB 4 and RB 1. The loops over the
 * block's planes, rows and vectors are unrolled, so the accumulators stay
 * in registers; ZB * RB * NACC + NACC vectors must fit the register file
 * (params.h sizes them).
 *
 * The input is a padded copy rather than the volume itself: reading the
 * volume where it lies (rows and planes mapped through the boundary mode,
 * whole vectors where a strip lies inside) took as long, in CPU time, as the
 * copy and this kernel together even with the edge strips' loads left out
 * (256^3, 3^3, AMD EPYC Zen 4, POCL 3.1: 38 against 38 ms of CPU, with a
 * copy that still mapped its edge vectors lane by lane and took twice the
 * time it takes now), and gathering the edge strips' vectors (half of a
 * 256-column row's strips) through the mode multiplied it by about 3. The copy
 * streams the volume once in order, which the prefetchers follow; this
 * kernel then reads each padded plane from the cache up to (ZB + kd - 1) /
 * ZB times.
 *
 * Built with -DKD=.. -DKR=.. -DKC=.. the window is fixed at compile time
 * and every loop unrolls (the tap values stay runtime data: a new filter of
 * the same size reuses the build). The host does so for small windows only:
 * 7^3 fully unrolled ran 2.7 times as long as with the window's loops kept
 * (420 against 157 ms of CPU for 256^3), its code far larger than the
 * instruction cache. Without them the window comes from the
 * arguments kd, kr and kc. Work-item dimension 2 counts (volume, run of ZB
 * planes) pairs; a block past the last output plane or row reads the last
 * plane or row of the input instead (its results are never stored), so
 * every read stays inside the buffer.
 */

#include "real.h"

/* Vector width, vectors per row of the block, output planes and rows. */
#ifndef VEC
#define VEC 16
#endif
#ifndef NACC
#define NACC 4
#endif
#ifndef ZB
#define ZB 4
#endif
#ifndef RB
#define RB 1
#endif

#define REALN CAT(REAL, VEC)
#define VLOADN CAT(vload, VEC)
#define VSTOREN CAT(vstore, VEC)
#define STRIP (VEC * NACC)

#ifdef KD
#define WIN_D KD
#define WIN_R KR
#define WIN_C KC
#define UNROLL_WIN _Pragma("unroll")
#else
#define WIN_D kd
#define WIN_R kr
#define WIN_C kc
#define UNROLL_WIN
#endif

__kernel void conv_vol(__global const REAL *restrict in, ulong in_offset, ulong in_pitch,
                       ulong in_plane, ulong in_batch, ulong in_rows, ulong in_planes,
                       __global const REAL *restrict taps, ulong taps_offset, int taps_step,
                       uint kd, uint kr, uint kc, __global REAL *restrict out, ulong out_offset,
                       ulong out_pitch, ulong out_plane, ulong out_batch, ulong out_width,
                       ulong out_rows, ulong out_planes)
{
    const ulong c0 = (ulong)get_global_id(0) * STRIP;
    const ulong r0 = (ulong)get_global_id(1) * RB;
    const ulong runs = (out_planes + ZB - 1) / ZB;
    const ulong b = get_global_id(2) / runs;
    const ulong z0 = get_global_id(2) % runs * ZB;
    /* The host rounds the grid up to whole work-groups. */
    if (c0 >= out_width || r0 >= out_rows) return;
    __global const REAL *vol = in + in_offset + b * in_batch + c0;
    __global const REAL *w = taps + taps_offset;

    REALN acc[ZB][RB][NACC];
#pragma unroll
    for (int zz = 0; zz < ZB; zz++)
#pragma unroll
        for (int rr = 0; rr < RB; rr++)
#pragma unroll
            for (int a = 0; a < NACC; a++) acc[zz][rr][a] = (REALN)(0);

    UNROLL_WIN
    for (uint t = 0; t < ZB + WIN_D - 1; t++) {
        /* Planes and rows past the slab only feed outputs past it, which
         * are never stored: reading the last one instead stays in bounds. */
        __global const REAL *src = vol + min(z0 + t, in_planes - 1) * in_plane;
        UNROLL_WIN
        for (uint ii = 0; ii < RB + WIN_R - 1; ii++) {
            __global const REAL *row = src + min(r0 + ii, in_rows - 1) * in_pitch;
            UNROLL_WIN
            for (uint j = 0; j < WIN_C; j++) {
                REALN v[NACC];
#pragma unroll
                for (int a = 0; a < NACC; a++) v[a] = VLOADN(0, row + j + a * VEC);
                /* Output plane zz reads this plane with kernel plane t - zz,
                 * output row rr this row with kernel row ii - rr. */
#pragma unroll
                for (int zz = 0; zz < ZB; zz++) {
                    const int p = (int)t - zz;
                    if (p < 0 || p >= (int)WIN_D) continue;
#pragma unroll
                    for (int rr = 0; rr < RB; rr++) {
                        const int i = (int)ii - rr;
                        if (i < 0 || i >= (int)WIN_R) continue;
                        const long tap = ((long)p * WIN_R + i) * WIN_C + j;
                        const REALN wt = (REALN)(w[tap * taps_step]);
#pragma unroll
                        for (int a = 0; a < NACC; a++)
                            acc[zz][rr][a] = fma(v[a], wt, acc[zz][rr][a]);
                    }
                }
            }
        }
    }

    __global REAL *dst = out + out_offset + b * out_batch + c0;
#pragma unroll
    for (int zz = 0; zz < ZB; zz++) {
        if (z0 + zz >= out_planes) break;
#pragma unroll
        for (int rr = 0; rr < RB; rr++) {
            if (r0 + rr >= out_rows) break;
            __global REAL *d = dst + (z0 + zz) * out_plane + (r0 + rr) * out_pitch;
            if (c0 + STRIP <= out_width) {
#pragma unroll
                for (int a = 0; a < NACC; a++) VSTOREN(acc[zz][rr][a], 0, d + a * VEC);
            } else {
                /* The row's last strip: only its first out_width - c0 outputs exist. */
                REAL tail[STRIP];
#pragma unroll
                for (int a = 0; a < NACC; a++) VSTOREN(acc[zz][rr][a], a, tail);
                for (uint q = 0; c0 + q < out_width; q++) d[q] = tail[q];
            }
        }
    }
}
