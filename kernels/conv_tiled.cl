/*
 * Direct convolution on GPUs: the valid-mode correlation of conv_strip.cl
 * (which describes the padded input, the taps walk and the formula),
 * computed by tiles. A work-group stages a tile of the input plus its halo,
 * and a block of taps, in local memory; each work-item computes WPTY x WPTX
 * outputs, strided by the group size so that neighbouring items read
 * neighbouring local words. Long kernels are handled in blocks of KBY x KBX
 * taps, so local memory stays bounded for any kernel size.
 *
 * The padded input must extend to cover whole tiles:
 * ceil(rows / (WGY * WPTY)) * WGY * WPTY + kr - 1 rows and likewise for
 * columns with WGX * WPTX. Outputs past out_rows or out_width are computed
 * from that padding and never written.
 */

#include "real.h"

/* conv_tiled: work-group extents, outputs per item along each axis, and the
 * block of taps staged in local memory at a time. */
#ifndef WGX
#define WGX 32
#endif
#ifndef WGY
#define WGY 8
#endif
#ifndef WPTX
#define WPTX 2
#endif
#ifndef WPTY
#define WPTY 2
#endif
#ifndef KBX
#define KBX 16
#endif
#ifndef KBY
#define KBY 16
#endif

#define TILE_W (WGX * WPTX)
#define TILE_H (WGY * WPTY)
#define LOCAL_W (TILE_W + KBX - 1)
#define LOCAL_H (TILE_H + KBY - 1)

__kernel __attribute__((reqd_work_group_size(WGX, WGY, 1)))
void conv_tiled(__global const REAL *restrict in, ulong in_pitch, ulong in_batch,
                __global const REAL *restrict taps, ulong taps_offset, ulong taps_batch,
                int taps_step, uint kr, uint kc, __global REAL *restrict out,
                ulong out_offset, ulong out_pitch, ulong out_batch, ulong out_width,
                ulong out_rows)
{
    __local REAL tile[LOCAL_H * LOCAL_W];
    __local REAL wblock[KBY * KBX];

    const uint lx = get_local_id(0);
    const uint ly = get_local_id(1);
    const uint lid = ly * WGX + lx;
    const ulong col0 = (ulong)get_group_id(0) * TILE_W;
    const ulong row0 = (ulong)get_group_id(1) * TILE_H;
    const ulong b = get_global_id(2);
    __global const REAL *src = in + b * in_batch + row0 * in_pitch + col0;
    __global const REAL *w = taps + taps_offset + b * taps_batch;

    REAL acc[WPTY][WPTX];
#pragma unroll
    for (int y = 0; y < WPTY; y++)
#pragma unroll
        for (int x = 0; x < WPTX; x++) acc[y][x] = 0;

    for (uint i0 = 0; i0 < kr; i0 += KBY) {
        const uint nr = min((uint)KBY, kr - i0);
        for (uint j0 = 0; j0 < kc; j0 += KBX) {
            const uint nc = min((uint)KBX, kc - j0);
            const uint h = TILE_H + nr - 1;
            const uint wd = TILE_W + nc - 1;

            /* Everyone has finished reading the previous block. */
            barrier(CLK_LOCAL_MEM_FENCE);
            for (uint e = lid; e < h * wd; e += WGX * WGY) {
                const uint y = e / wd;
                const uint x = e - y * wd;
                tile[y * LOCAL_W + x] = src[(i0 + y) * in_pitch + j0 + x];
            }
            for (uint e = lid; e < nr * nc; e += WGX * WGY) {
                const uint y = e / nc;
                const uint x = e - y * nc;
                wblock[e] = w[(long)((i0 + y) * kc + j0 + x) * taps_step];
            }
            barrier(CLK_LOCAL_MEM_FENCE);

            for (uint i = 0; i < nr; i++) {
                for (uint j = 0; j < nc; j++) {
                    const REAL tap = wblock[i * nc + j];
#pragma unroll
                    for (int y = 0; y < WPTY; y++)
#pragma unroll
                        for (int x = 0; x < WPTX; x++)
                            acc[y][x] = fma(tile[(ly + y * WGY + i) * LOCAL_W + lx + x * WGX + j],
                                            tap, acc[y][x]);
                }
            }
        }
    }

    __global REAL *dst = out + out_offset + b * out_batch;
#pragma unroll
    for (int y = 0; y < WPTY; y++) {
        const ulong r = row0 + ly + y * WGY;
#pragma unroll
        for (int x = 0; x < WPTX; x++) {
            const ulong c = col0 + lx + x * WGX;
            if (r < out_rows && c < out_width) dst[r * out_pitch + c] = acc[y][x];
        }
    }
}
