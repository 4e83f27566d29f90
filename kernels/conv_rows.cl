/*
 * Direct 2-D convolution on CPUs for small windows, a sibling of
 * conv_strip.cl with the window's extent compiled in (-DKR, -DKC; the taps
 * stay a runtime buffer) and several output rows per work-item:
 *
 *   out[b][r][c] = sum over i < KR, j < KC of in[b][r + row_off + i][c + col_off + j] * w[i][j]
 *
 * with w walked through the taps buffer from taps_offset in steps of
 * taps_step, and the input read outside its in_rows x in_cols as zero or,
 * with -DBOUNDARY=1, through a boundary mode (boundary.h), as conv_strip.cl
 * does. Storage types convert in the loads and stores (storage.h).
 *
 * Each work-item owns SPI strips side by side along the rows, computed one
 * after another with the row addresses and the taps loaded once: each strip
 * RB consecutive output rows of VEC * NACC columns, in RB * NACC vector
 * accumulators. Every input row of its window (RB + KR - 1
 * rows) is loaded once per tap column and feeds each output row that uses
 * it, so a 3x3 window loads 6 rows for 4 output rows where conv_strip's one
 * row per item loads 3 for 1, and uint8 input is converted as often. With
 * the window compiled in, every loop of the interior strips unrolls and the
 * taps sit in registers or broadcast from memory. Measured on the Zen 4 of host/params.c (POCL
 * 3.1, 2 vCPUs, 4096^2 3x3, mirror boundary, device-resident, medians of 11
 * in one run, load 2-3): uint8 in and out 12.7 ms against conv_strip's
 * 29.1, float32 17.2 against 39.9.
 *
 * What made the difference on POCL: the row addresses (boundary_index calls
 * out for a row outside) are worked out before any accumulator is live,
 * since a call spills all 32 vector registers, and the strips at a row's
 * ends (or whose rows leave the input) run a second copy of the body whose
 * vectors that cross an edge are gathered through a table of column
 * indices made once per item, inlined and call-free; with a call per edge
 * load the mirror boundary cost 2x the zero one (then 1.1-1.2x). That copy
 * stays rolled over rows and taps, which keeps the program's compile time
 * to 2-3 s for a 5x5 window under load (one program per window size,
 * storage types and boundary build).
 *
 * Outputs larger than the caches are stored non-temporally (below).
 */

#include "real.h"

/* The window: KR rows of KC taps. */
#ifndef KR
#define KR 3
#endif
#ifndef KC
#define KC 3
#endif
/* Vector width, vector accumulators per output row, output rows per item:
 * RB * NACC accumulators, one loaded vector and the taps must fit the
 * register file (host/params.c sizes them per device). */
#ifndef VEC
#define VEC 16
#endif
#ifndef NACC
#define NACC 4
#endif
#ifndef RB
#define RB 4
#endif
/* Strips of RB rows x NACC vectors per work-item, side by side along the
 * rows, which share the row addresses and the taps. */
#ifndef SPI
#define SPI 1
#endif
/* 1: read outside the input through the boundary mode, else as zero. */
#ifndef BOUNDARY
#define BOUNDARY 0
#endif

#include "boundary.h"
#include "storage.h"

/* Streaming stores (`stream`, set by the host for outputs larger than a CPU
 * device's caches): a cached store first reads the line it writes, a third
 * pass over memory beside the input's read and the output's write, where a
 * non-temporal store writes whole lines straight to memory, as memcpy does
 * for copies larger than the caches. Such a store must cover an aligned
 * vector, and a line must be written whole or it turns slow (uint8's 16-byte
 * vectors stored so took 4-5x the time), so with `stream` the strips start
 * on the output's 64-byte lines: the first column on a line boundary of each
 * batch item, the first item also computing a strip for the columns before
 * it. NumPy's and malloc's arrays start 16 bytes past a line; strips laid
 * from column 0 gained nothing there. Rows whose pitch is not a whole number
 * of lines fall back to cached stores where they do not start on one.
 * Measured on the 2-core Zen 5 of host/params.c (4096^2 float32 3x3, zero
 * border, host arrays from malloc, medians of 25-40 alternating with the
 * cached stores in one process): 0.80-1.05x the time in RB 4 x NACC 4
 * items, 0.74-0.82x in 8 x 2 (params.c's shape for streamed outputs). */
#if defined(__has_builtin)
#if __has_builtin(__builtin_nontemporal_store) && !OUT_SAT
#define STREAMS 1
#endif
#endif
#ifndef STREAMS
#define STREAMS 0
#endif

#define STRIP (VEC * NACC)
#define WROWS (RB + KR - 1) /* input rows an item reads */
#define WCOLS (STRIP + KC - 1) /* input columns an item reads */

#define LINE 64
/* Whether this build's strips are whole lines, stored by vectors that are
 * lines or fit them evenly (the streaming store needs its vector aligned). */
#define STRIP_LINES ((STRIP * sizeof(OUT_T)) % LINE == 0 && VEC * sizeof(OUT_T) <= LINE)

/* The VEC elements from position o of the item's columns in row (NULL: a
 * row that reads `outside` throughout), where they may leave the input: a
 * vector load where they lie inside, else gathered through idx, the column
 * each position reads (-1: none, `outside`), in the storage type and
 * converted as one vector, the lanes that read none then replaced by a
 * select. It was a loop over lanes with a branch and a scalar conversion
 * each (each waiting on the one before through its merged register), whose
 * conversion was the hottest instruction of a uint8 4096^2 3x3 mirror pass
 * though only 2 of a row's 64 strips take this path (AMD EPYC Zen 5). */
#if PRECISION == 64
#define MASK_T long
#else
#define MASK_T int
#endif
__attribute__((always_inline)) static inline REALN load_edge(__global const IN_T *row, long x,
                                                             long cols, const long *idx,
                                                             REAL outside)
{
    if (row && x >= 0 && x + VEC <= cols) return VLOAD_IN(0, row + x);
    if (!row) return (REALN)(outside);
    IN_T s[VEC];
    MASK_T none[VEC];
#pragma unroll
    for (int q = 0; q < VEC; q++) {
        s[q] = row[idx[q] < 0 ? 0 : idx[q]];
        none[q] = idx[q] < 0 ? -1 : 0;
    }
    return select(CAT(convert_, REALN)(CAT(vload, VEC)(0, s)), (REALN)(outside),
                  CAT(vload, VEC)(0, none));
}

#define LOAD_INSIDE(o) VLOAD_IN(0, row + x0 + (o))
#define LOAD_EDGE(o) load_edge(row, x0 + (o), in_cols, idx + (o), outside)
/* Input row ii of the item's window into each output row o that uses it
 * (with kernel row ii - o). a and o are constants once unrolled, so the
 * accumulators stay in registers; ii and j too where UNROLL_J is "unroll". */
#define ROW_TAPS(ii, LOAD, UNROLL_J)                                                        \
    _Pragma(UNROLL_J) for (int j = 0; j < KC; j++) {                                        \
        _Pragma("unroll") for (int a = 0; a < NACC; a++) {                                  \
            const REALN v = LOAD(j + a * VEC);                                               \
            _Pragma("unroll") for (int o = 0; o < RB; o++) {                                \
                if ((ii) - o >= 0 && (ii) - o < KR)                                          \
                    acc[o][a] = fma(v, (REALN)(t[((ii) - o) * KC + j]), acc[o][a]);         \
            }                                                                                \
        }                                                                                    \
    }

__kernel void conv_rows(__global const IN_T *restrict in, ulong in_offset, ulong in_pitch,
                        ulong in_batch, long in_rows, long in_cols, long row_off, long col_off,
                        int boundary, REAL cval, __global const REAL *restrict taps,
                        ulong taps_offset, ulong taps_batch, int taps_step,
                        __global OUT_T *restrict out, ulong out_offset, ulong out_pitch,
                        ulong out_batch, ulong out_width, ulong out_rows, int stream)
{
    const ulong r0 = (ulong)get_global_id(1) * RB;
    const ulong b = get_global_id(2);
    /* The host rounds the grid up to whole work-groups. */
    if (r0 >= out_rows) return;
    __global const IN_T *src = in + in_offset + b * in_batch;
    __global const REAL *w = taps + taps_offset + b * taps_batch;
    __global OUT_T *const base = out + out_offset + b * out_batch;
#if BOUNDARY
    const REAL outside = boundary == BOUNDARY_CONSTANT ? cval : (REAL)(0);
#else
    const REAL outside = (REAL)(0);
#endif
#if STREAMS
    /* Streaming: strips start at the first column on a line boundary of the
     * batch item's output, and the first item also covers the columns
     * before it. */
    const long lead =
        stream && STRIP_LINES ? (long)((LINE - (ulong)base % LINE) % LINE / sizeof(OUT_T)) : 0;
    const int head = get_global_id(0) == 0 && lead > 0;
#else
    const long lead = 0;
    const int head = 0;
#endif
    /* Row addresses first (NULL: a row that adds nothing, or under
     * CONSTANT reads cval), and whether every row lies inside; then the
     * taps. Both serve each of the item's strips. */
    const long y0 = (long)r0 + row_off;
    __global const IN_T *rows[WROWS];
    int rows_inside = 1;
#pragma unroll
    for (int ii = 0; ii < WROWS; ii++) {
#if BOUNDARY
        const long y = boundary_index(y0 + ii, in_rows, boundary);
#else
        const long y = y0 + ii < in_rows ? y0 + ii : -1;
#endif
        rows[ii] = y < 0 ? 0 : src + (ulong)y * in_pitch;
        rows_inside = rows_inside && y >= 0;
    }
    REAL t[KR * KC];
#pragma unroll
    for (int i = 0; i < KR * KC; i++) t[i] = w[(long)i * taps_step];

    const int strips = SPI + head;
#pragma unroll 1
    for (int s = 0; s < strips; s++) {
        const long c0 =
            s < SPI ? ((long)get_global_id(0) * SPI + s) * STRIP + lead : lead - STRIP;
        if (c0 >= (long)out_width) continue;
        const long x0 = c0 + col_off;
        const int inside = rows_inside && x0 >= 0 && x0 + WCOLS <= in_cols;
        REALN acc[RB][NACC];
#pragma unroll
        for (int o = 0; o < RB; o++)
#pragma unroll
            for (int a = 0; a < NACC; a++) acc[o][a] = (REALN)(0);

        if (inside) {
#pragma unroll
            for (int ii = 0; ii < WROWS; ii++) {
                __global const IN_T *row = rows[ii];
                ROW_TAPS(ii, LOAD_INSIDE, "unroll")
            }
        } else {
            long idx[WCOLS];
#pragma unroll 1
            for (int q = 0; q < WCOLS; q++)
#if BOUNDARY
                idx[q] = boundary_index(x0 + q, in_cols, boundary);
#else
                idx[q] = x0 + q >= 0 && x0 + q < in_cols ? x0 + q : -1;
#endif
            /* Kept rolled over rows and taps: the accumulators' indices stay
             * constants, and the copy compiles in a fraction of the time (a
             * 5x5 uint8 program with the mirror mode in 5.3 s under load 5,
             * rolled over rows only, against 28.8 s unrolled). */
#pragma unroll 1
            for (int ii = 0; ii < WROWS; ii++) {
                __global const IN_T *row = rows[ii];
#if BOUNDARY
                if (!row && boundary != BOUNDARY_CONSTANT) continue;
#else
                if (!row) continue;
#endif
                ROW_TAPS(ii, LOAD_EDGE, "unroll 1")
            }
        }

        __global OUT_T *dst = base + r0 * out_pitch;
        const int full = c0 >= 0 && c0 + STRIP <= (long)out_width;
#pragma unroll
        for (int o = 0; o < RB; o++) {
            if (r0 + o >= out_rows) break;
            if (full) {
#if STREAMS
                if (stream && STRIP_LINES && (ulong)(dst + c0) % LINE == 0) {
#pragma unroll
                    for (int a = 0; a < NACC; a++)
                        __builtin_nontemporal_store(acc[o][a],
                                                    (__global REALN *)(dst + c0 + a * VEC));
                } else
#endif
                {
#pragma unroll
                    for (int a = 0; a < NACC; a++)
                        STORE_OUTN(CONVERT_OUTN(acc[o][a]), dst + c0 + a * VEC);
                }
            } else {
                /* A strip at a row's end, or the first item's strip before
                 * the first line: only its outputs from column 0 to
                 * out_width - 1 exist. (A copy of this per vector, storing
                 * whole vectors where they fit, cost uint8 passes 10%.) */
                REAL tail[STRIP];
#pragma unroll
                for (int a = 0; a < NACC; a++) VSTOREN(acc[o][a], a, tail);
                for (long q = c0 < 0 ? -c0 : 0; q < STRIP && c0 + q < (long)out_width; q++)
                    dst[c0 + q] = CONVERT_OUT(tail[q]);
            }
            dst += out_pitch;
        }
    }
}
