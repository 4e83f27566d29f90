/*
 * Direct convolution on CPUs, written as a valid-mode correlation over an
 * input that reads as zero outside its in_rows x in_cols:
 *
 *   out[b][r][c] = sum over i < kr, j < kc of in[b][r + row_off + i][c + col_off + j] * w[i][j]
 *
 * where w is walked through the taps buffer from taps_offset in steps of
 * taps_step (+1 for the kernel as given, -1 for it reversed, as convolution
 * needs), and row_off and col_off place the window for the mode (for
 * 'full', 1 - kr and 1 - kc). The source is read where it lies: no padded
 * copy is made, which on a CPU saves a pass over memory (a 4096^2 3x3 pass
 * reads and writes 64 MiB each, and the copy cost as much again). The host
 * (host/direct.c) can still hand it a padded buffer (offsets 0, every
 * window inside), as conv_tiled.cl, the GPU variant, always takes.
 *
 * Each work-item owns a strip of VEC * NACC consecutive outputs of one row,
 * held in NACC vector accumulators. CPU OpenCL compilers do not vectorise a
 * scalar per-work-item loop across work-items; explicit vectors and several
 * independent accumulators (to hide FMA latency) are what reach the
 * arithmetic roof. Strips whose window lies inside the input load whole
 * vectors; the few at the left and right edges load through a per-lane
 * check, and rows above or below the input are skipped. Outputs past
 * out_width are computed and never written. 2 * NACC vectors, the tap and a
 * few addresses must fit the register file: the parameter table
 * (host/params.c) and clconv_tune size them per device. This file holds one
 * kernel, so a program built from it compiles nothing unused.
 *
 * Volumes: the window also spans kd planes. Work-item dimension 2 counts
 * (batch item, output plane) pairs, out_planes planes per item; plane z of
 * item b reads input planes z + plane_off ... z + plane_off + kd - 1 of
 * in_planes, in_plane elements apart, and the taps of kernel plane p follow
 * those of plane p - 1. A 2-D problem passes one plane (kd 1, in_planes 1,
 * plane_off 0, out_planes 1), which costs one loop turn per item.
 *
 * Built with -DBOUNDARY=1, the kernel reads the input outside its extent
 * through a boundary mode (boundary.h: boundary, with cval for CONSTANT)
 * instead of as zero, so a boundary-mode convolution needs no padded copy
 * either. Only the edge strips and the rows past the ends pay for it;
 * without the option the arguments are ignored and none of it is compiled.
 */

#include "real.h"

/* conv_strip: vector width and number of vector accumulators per item. */
#ifndef VEC
#define VEC 16
#endif
#ifndef NACC
#define NACC 4
#endif
/* Taps per turn of the sliding window (1, 2 or 4; see STRIP_ROW), or 0 for
 * no window: every tap loads each accumulator's input. The window pays
 * where a row of the kernel is longer than VEC (several taps per phase);
 * for shorter rows both do the same loads, and the plain loop compiles in
 * a third of the time (0.3 s against 0.8-1.2 s on POCL), which a first
 * small call waits for. */
#ifndef UNROLL
#define UNROLL 0
#endif
/* 1: read outside the input through the boundary mode, else as zero. */
#ifndef BOUNDARY
#define BOUNDARY 0
#endif
/* 1: the host guarantees that every window lies inside the input (a padded
 * copy, as host/direct3d.c makes), so no edge loads and no plane or row
 * checks are compiled: a 3x3x3 window spends most of its few instructions
 * per tap on them otherwise. Not combined with BOUNDARY. */
#ifndef INSIDE
#define INSIDE 0
#endif

/* Storage types of the input and the output (storage.h): -DIN_T, -DOUT_T,
 * -DOUT_SAT; without them both are REAL and a float build compiles to what
 * it did before. */
#include "boundary.h"
#include "storage.h"

#define STRIP (VEC * NACC)

/* The VEC elements of row from column x on, zero outside [0, cols). Edge
 * strips are few, so the lanes are read in a loop kept rolled: unrolled at
 * every load of the window, it made the kernel several times longer to
 * compile. With BOUNDARY, positions outside read through the mode, and a
 * NULL row (a row past the ends under CONSTANT) reads `outside` throughout. */
#if BOUNDARY
static REALN load_edge(__global const IN_T *row, long x, long cols, int boundary, REAL outside)
{
    if (row && x >= 0 && x + VEC <= cols) return VLOAD_IN(0, row + x);
    REAL v[VEC];
#pragma unroll 1
    for (int q = 0; q < VEC; q++) {
        const long xq = row ? boundary_index(x + q, cols, boundary) : -1;
        v[q] = xq >= 0 ? (REAL)row[xq] : outside;
    }
    return VLOADN(0, v);
}
#define EDGE_ARGS , boundary, outside
#else
static REALN load_edge(__global const IN_T *row, long x, long cols)
{
    if (x >= 0 && x + VEC <= cols) return VLOAD_IN(0, row + x);
    REAL v[VEC];
#pragma unroll 1
    for (int q = 0; q < VEC; q++) v[q] = x + q >= 0 && x + q < cols ? (REAL)row[x + q] : (REAL)(0);
    return VLOADN(0, v);
}
#define EDGE_ARGS
#endif

/* One row of taps into the strip. Accumulator a needs the input vector at
 * j + a * VEC for tap j, which is the vector accumulator a - 1 needs for
 * tap j + VEC. So the taps are walked in VEC phases t, each taking the taps
 * t, t + VEC, t + 2 VEC...: a window of input vectors slides along, one new
 * vector per tap, where loading every accumulator's input afresh would cost
 * NACC loads per tap, most of them split across cache lines. UNROLL taps
 * are taken per turn, so that the window (NACC + UNROLL - 1 vectors) shifts
 * once per UNROLL taps: each shift is NACC - 1 register moves, which run on
 * the same ports as the FMAs (on an AVX-512 Xeon, shifting at every tap held
 * 12 accumulators to 60% of the FMA roof). A longer window needs more
 * registers, so UNROLL is a tunable beside NACC. LOAD(o) loads the vector at
 * offset o from the strip's first input column. */
/* One tap j of phase t: the next vector enters the window, which shifts. */
#define WINDOW_TAP(LOAD)                                                                        \
    {                                                                                           \
        win[NACC - 1] = LOAD(j + (NACC - 1) * VEC);                                             \
        const REALN tap = (REALN)(w[(long)j * taps_step]);                                      \
        _Pragma("unroll") for (int a = 0; a < NACC; a++) acc[a] = fma(win[a], tap, acc[a]);     \
        _Pragma("unroll") for (int a = 0; a < NACC - 1; a++) win[a] = win[a + 1];               \
    }
#define STRIP_ROW(LOAD)                                                                         \
    for (uint t = 0; t < VEC && t < kc; t++) {                                                  \
        REALN win[NACC + UNROLL - 1];                                                           \
        _Pragma("unroll") for (int a = 0; a < NACC - 1; a++) win[a] = LOAD(t + a * VEC);        \
        uint j = t;                                                                             \
        for (; j + (UNROLL - 1) * VEC < kc; j += UNROLL * VEC) {                                \
            _Pragma("unroll") for (int u = 0; u < UNROLL; u++) win[NACC - 1 + u] =              \
                LOAD(j + (NACC - 1 + u) * VEC);                                                 \
            _Pragma("unroll") for (int u = 0; u < UNROLL; u++) {                                \
                const REALN tap = (REALN)(w[(long)(j + u * VEC) * taps_step]);                  \
                _Pragma("unroll") for (int a = 0; a < NACC; a++)                                \
                    acc[a] = fma(win[a + u], tap, acc[a]);                                      \
            }                                                                                   \
            _Pragma("unroll") for (int a = 0; a < NACC - 1; a++) win[a] = win[a + UNROLL];      \
        }                                                                                       \
        for (; j < kc; j += VEC) WINDOW_TAP(LOAD)                                               \
    }
/* The same for strips at an edge, one tap per turn: fewer loads to
 * compile. */
#define STRIP_ROW_EDGE(LOAD)                                                                    \
    for (uint t = 0; t < VEC && t < kc; t++) {                                                  \
        REALN win[NACC];                                                                        \
        _Pragma("unroll") for (int a = 0; a < NACC - 1; a++) win[a] = LOAD(t + a * VEC);        \
        for (uint j = t; j < kc; j += VEC) WINDOW_TAP(LOAD)                                     \
    }
/* UNROLL 0: each tap loads every accumulator's input vector. */
#define STRIP_ROW_PLAIN(LOAD)                                                                   \
    for (uint j = 0; j < kc; j++) {                                                             \
        const REALN tap = (REALN)(w[(long)j * taps_step]);                                      \
        _Pragma("unroll") for (int a = 0; a < NACC; a++)                                        \
            acc[a] = fma(LOAD(j + a * VEC), tap, acc[a]);                                       \
    }
#if UNROLL == 0
#undef STRIP_ROW
#undef STRIP_ROW_EDGE
#define STRIP_ROW STRIP_ROW_PLAIN
#define STRIP_ROW_EDGE STRIP_ROW_PLAIN
#endif
#define LOAD_INSIDE(o) VLOAD_IN(0, row + x0 + (o))
#define LOAD_EDGE(o) load_edge(row, x0 + (long)(o), in_cols EDGE_ARGS)
#define LOAD_ANY(o) (inside ? LOAD_INSIDE(o) : LOAD_EDGE(o))

__kernel void conv_strip(__global const IN_T *restrict in, ulong in_offset, ulong in_pitch,
                         ulong in_batch, long in_rows, long in_cols, long row_off, long col_off,
                         int boundary, REAL cval, __global const REAL *restrict taps, ulong taps_offset,
                         ulong taps_batch, int taps_step, uint kr, uint kc,
                         __global OUT_T *restrict out, ulong out_offset, ulong out_pitch,
                         ulong out_batch, ulong out_width, ulong in_plane, long in_planes,
                         long plane_off, uint kd, ulong out_plane, ulong out_planes)
{
    const ulong c0 = (ulong)get_global_id(0) * STRIP;
    const ulong r = get_global_id(1);
    const ulong b = get_global_id(2) / out_planes;
    const ulong z = get_global_id(2) % out_planes;
    /* The host rounds the grid up to whole work-groups (a CPU runtime given a
     * prime number of strips would otherwise run groups of one item). */
    if (c0 >= out_width) return;
    __global const IN_T *vol = in + in_offset + b * in_batch;
    __global const REAL *wv = taps + taps_offset + b * taps_batch;
    const long x0 = (long)c0 + col_off, y0 = (long)r + row_off, z0 = (long)z + plane_off;
    const int strip_inside = x0 >= 0 && x0 + STRIP + (long)kc - 1 <= in_cols;
#if BOUNDARY
    const REAL outside = boundary == BOUNDARY_CONSTANT ? cval : (REAL)(0);
#endif

    REALN acc[NACC];
#pragma unroll
    for (int a = 0; a < NACC; a++) acc[a] = (REALN)(0);

    for (uint p = 0; p < kd; p++) {
#if BOUNDARY
        /* A plane past the ends is another plane, or under CONSTANT (src NULL)
         * cval throughout, as rows are below. */
        const long zp = boundary_index(z0 + (long)p, in_planes, boundary);
        if (zp < 0 && boundary != BOUNDARY_CONSTANT) continue;
        __global const IN_T *src = zp < 0 ? 0 : vol + (ulong)zp * in_plane;
#else
        const long zp = z0 + (long)p;
#if !INSIDE
        if (zp < 0 || zp >= in_planes) continue;
#endif
        __global const IN_T *src = vol + (ulong)zp * in_plane;
#endif
        __global const REAL *w0 = wv + (long)p * (long)kr * (long)kc * taps_step;
        for (uint i = 0; i < kr; i++) {
#if BOUNDARY
            /* A row past the ends is another row, or under CONSTANT (row NULL)
             * cval throughout; without a mode it adds nothing. */
            const long y = src ? boundary_index(y0 + (long)i, in_rows, boundary) : -1;
            if (y < 0 && boundary != BOUNDARY_CONSTANT) continue;
            __global const IN_T *row = y < 0 ? 0 : src + (ulong)y * in_pitch;
            const int inside = strip_inside && y >= 0;
#else
            const long y = y0 + (long)i;
#if !INSIDE
            if (y < 0 || y >= in_rows) continue;
#endif
            __global const IN_T *row = src + (ulong)y * in_pitch;
            const int inside = strip_inside;
#endif
            __global const REAL *w = w0 + (long)i * (long)kc * taps_step;
#if INSIDE
            STRIP_ROW(LOAD_INSIDE)
#elif UNROLL == 0
            /* One copy of the plain loop, choosing the load at each: it compiles
             * in less time than a copy for each kind of strip. */
            STRIP_ROW_PLAIN(LOAD_ANY)
#else
            if (inside) {
                STRIP_ROW(LOAD_INSIDE)
            } else {
                STRIP_ROW_EDGE(LOAD_EDGE)
            }
#endif
        }
    }

    __global OUT_T *dst = out + out_offset + b * out_batch + z * out_plane + r * out_pitch + c0;
    if (c0 + STRIP <= out_width) {
#pragma unroll
        for (int a = 0; a < NACC; a++) STORE_OUTN(CONVERT_OUTN(acc[a]), dst + a * VEC);
    } else {
        /* The row's last strip: only its first out_width - c0 outputs exist. */
        REAL tail[STRIP];
#pragma unroll
        for (int a = 0; a < NACC; a++) VSTOREN(acc[a], a, tail);
        for (uint q = 0; c0 + q < out_width; q++) dst[q] = CONVERT_OUT(tail[q]);
    }
}
