/*
 * Direct convolution on CPUs, written as a valid-mode correlation over a
 * zero-padded input. The host (host/direct.c) first copies each signal into
 * a padded scratch buffer (pad.cl), so that every output reads a whole
 * window without bounds checks:
 *
 *   out[b][r][c] = sum over i < kr, j < kc of in[b][r + i][c + j] * w[i][j]
 *
 * where w is walked through the taps buffer from taps_offset in steps of
 * taps_step (+1 for the kernel as given, -1 for it reversed, as convolution
 * needs). conv_tiled.cl computes the same for GPUs.
 *
 * Each work-item owns a strip of VEC * NACC consecutive outputs of one row,
 * held in NACC vector accumulators. Every tap is broadcast and multiplied
 * into the strip while the input streams through unaligned vector loads.
 * CPU OpenCL compilers do not vectorise a scalar per-work-item loop across
 * work-items; explicit vectors and several independent accumulators (to
 * hide FMA latency) are what reach the arithmetic roof. VEC * NACC values
 * must fit the register file with room for the tap and a load: the
 * parameter table (host/params.c) sizes them per device.
 *
 * The padded input must extend to cover whole strips: rows + kr - 1 rows
 * and ceil(cols / (VEC * NACC)) * VEC * NACC + kc - 1 columns. Outputs past
 * out_width are computed from that padding and never written. This file
 * holds one kernel, so a program built from it compiles nothing unused.
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

    /* Accumulator a needs the input vector at j + a * VEC for tap j, which
     * is the vector accumulator a - 1 needs for tap j + VEC. So the taps are
     * walked in VEC phases t, each taking the taps t, t + VEC, t + 2 VEC...:
     * a window of NACC input vectors slides by one vector per tap, and each
     * tap costs one vector load and one broadcast for NACC FMAs, where
     * loading every accumulator's input afresh would cost NACC loads, most
     * of them split across cache lines. */
    for (uint i = 0; i < kr; i++, row += in_pitch, w += (long)kc * taps_step) {
        const uint phases = kc < VEC ? kc : VEC;
        for (uint t = 0; t < phases; t++) {
            REALN win[NACC];
#pragma unroll
            for (int a = 0; a < NACC - 1; a++) win[a] = VLOADN(0, row + t + a * VEC);
            for (uint j = t; j < kc; j += VEC) {
                win[NACC - 1] = VLOADN(0, row + j + (NACC - 1) * VEC);
                const REALN tap = (REALN)(w[(long)j * taps_step]);
#pragma unroll
                for (int a = 0; a < NACC; a++) acc[a] = fma(win[a], tap, acc[a]);
#pragma unroll
                for (int a = 0; a < NACC - 1; a++) win[a] = win[a + 1];
            }
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
