/*
 * Direct convolution, written as a valid-mode correlation over a zero-padded
 * input. The host (host/direct.c) first copies each signal into a padded
 * scratch buffer (pad.cl), so that every output reads a whole window without
 * bounds checks:
 *
 *   out[b][r][c] = sum over i < kr, j < kc of in[b][r + i][c + j] * w[i][j]
 *
 * where w is walked through the taps buffer from taps_offset in steps of
 * taps_step (+1 for the kernel as given, -1 for it reversed, as convolution
 * needs). Two variants of the same computation suit two kinds of devices:
 *
 *  - conv_strip (CPUs): each work-item owns a strip of VEC * NACC consecutive
 *    outputs of one row, held in NACC vector accumulators; work-groups are
 *    WGX items along a row. Every tap is
 *    broadcast and multiplied into the strip while the input streams through
 *    unaligned vector loads. CPU OpenCL compilers do not vectorise a scalar
 *    per-work-item loop across work-items; explicit vectors and several
 *    independent accumulators (to hide FMA latency) are what reach the
 *    arithmetic roof.
 *  - conv_tiled (GPUs): a work-group stages a tile of the input plus its halo,
 *    and a block of taps, in local memory; each work-item computes WPTY x WPTX
 *    outputs, strided by the group size so that neighbouring items read
 *    neighbouring local words. Long kernels are handled in blocks of
 *    KBY x KBX taps, so local memory stays bounded for any kernel size.
 *
 * The padded input must extend to cover each variant's whole output blocks:
 * ceil(rows / block rows) * block rows + kr - 1 rows and likewise for columns,
 * where a block is 1 x (VEC * NACC) outputs for conv_strip and
 * (WGY * WPTY) x (WGX * WPTX) for conv_tiled. Outputs past out_rows or
 * out_width are computed from that padding and never written.
 */

#ifndef PRECISION
#define PRECISION 32 /* 32: float, 64: double */
#endif

#if PRECISION == 64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define REAL double
#else
#define REAL float
#endif

/* conv_strip: vector width and number of vector accumulators per item. */
#ifndef VEC
#define VEC 16
#endif
#ifndef NACC
#define NACC 4
#endif

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

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define REALN CAT(REAL, VEC)
#define VLOADN CAT(vload, VEC)
#define VSTOREN CAT(vstore, VEC)

#define STRIP (VEC * NACC)

__kernel void conv_strip(__global const REAL *restrict in, ulong in_pitch, ulong in_batch,
                         __global const REAL *restrict taps, ulong taps_offset,
                         ulong taps_batch, int taps_step, uint kr, uint kc,
                         __global REAL *restrict out, ulong out_offset, ulong out_pitch,
                         ulong out_batch, ulong out_width)
{
    const ulong c0 = (ulong)get_global_id(0) * STRIP;
    const ulong r = get_global_id(1);
    const ulong b = get_global_id(2);
    /* The host rounds the grid up to whole work-groups (a CPU runtime given a
     * prime number of strips would otherwise run groups of one item). */
    if (c0 >= out_width) return;
    __global const REAL *row = in + b * in_batch + r * in_pitch + c0;
    __global const REAL *w = taps + taps_offset + b * taps_batch;

    REALN acc[NACC];
#pragma unroll
    for (int a = 0; a < NACC; a++) acc[a] = (REALN)(0);

    for (uint i = 0; i < kr; i++, row += in_pitch) {
        for (uint j = 0; j < kc; j++, w += taps_step) {
            const REALN tap = (REALN)(*w);
#pragma unroll
            for (int a = 0; a < NACC; a++)
                acc[a] = fma(VLOADN(0, row + j + a * VEC), tap, acc[a]);
        }
    }

    __global REAL *dst = out + out_offset + b * out_batch + r * out_pitch + c0;
    if (c0 + STRIP <= out_width) {
#pragma unroll
        for (int a = 0; a < NACC; a++) VSTOREN(acc[a], 0, dst + a * VEC);
    } else {
        /* The row's last strip: only its first out_width - c0 outputs exist. */
        REAL tail[STRIP];
#pragma unroll
        for (int a = 0; a < NACC; a++) VSTOREN(acc[a], a, tail);
        for (uint q = 0; c0 + q < out_width; q++) dst[q] = tail[q];
    }
}

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
