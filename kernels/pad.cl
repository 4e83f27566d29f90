/*
 * Copies a block of a batch of row-major images into a padded buffer, the
 * input of the direct convolution kernels (conv_strip.cl, conv_tiled.cl):
 *
 *   dst[b][r][c] = src[b][r + row_offset][c + col_offset]
 *
 * read outside the source's rows x cols as the boundary mode says
 * (boundary.h): zero (NONE), cval (CONSTANT), or the sample the mode maps
 * the position to, row and column each mapped on their own. With `reverse`
 * set the source is read rotated by 180 degrees (element
 * [rows-1-y][cols-1-x] stands at [y][x]), which turns a correlation with
 * swapped operands back into a convolution; the host never combines it with
 * a boundary mode. Each work-item writes PADV consecutive elements of a row
 * (the host makes dst_pitch a multiple of PADV): rows that lie wholly inside
 * the source move with one vector load and store, which is what lets a CPU
 * device run this copy at memory speed; only the edges take the
 * element-by-element path.
 */

#include "boundary.h"

#include "real.h"

/* Elements per work-item: 1, 2, 4, 8 or 16. */
#ifndef PADV
#define PADV 16
#endif

#if PADV == 1
#define REALN REAL
#define VLOADN(i, p) ((p)[i])
#define VSTOREN(v, i, p) ((p)[i] = (v))
#else
#define REALN CAT(REAL, PADV)
#define VLOADN CAT(vload, PADV)
#define VSTOREN CAT(vstore, PADV)
#endif

__kernel void pad_signal(__global const REAL *restrict src, ulong src_offset, long rows,
                         long cols, long row_offset, long col_offset, int reverse, int boundary,
                         REAL cval, __global REAL *restrict dst, ulong dst_pitch,
                         ulong dst_batch)
{
    const ulong c = (ulong)get_global_id(0) * PADV;
    const ulong r = get_global_id(1);
    const ulong b = get_global_id(2);
    /* The host rounds the grid up to whole work-groups. */
    if (c >= dst_pitch) return;
    const long y = boundary_index((long)r + row_offset, rows, boundary);
    const long x = (long)c + col_offset;
    __global REAL *d = dst + b * dst_batch + r * dst_pitch + c;
    /* What a position without a sample reads. */
    const REAL outside = boundary == BOUNDARY_CONSTANT ? cval : (REAL)(0);

    if (y < 0) {
        VSTOREN((REALN)(outside), 0, d);
        return;
    }
    __global const REAL *s =
        src + src_offset + b * (ulong)(rows * cols) + (ulong)((reverse ? rows - 1 - y : y) * cols);
    if (!reverse && x >= 0 && x + PADV <= cols) {
        VSTOREN(VLOADN(0, s + x), 0, d);
        return;
    }
    for (int q = 0; q < PADV; q++) {
        const long xq = boundary_index(x + q, cols, boundary);
        d[q] = xq >= 0 ? s[reverse ? cols - 1 - xq : xq] : outside;
    }
}

/* Volumes (host/direct3d.c): copies slabs of a batch of volumes of
 * planes x rows x cols (src_volume elements apart, from src_offset) into a
 * padded buffer of dst_rows rows per plane, slab_planes planes per volume:
 *
 *   dst[b][p][r][c] = src[b][p + plane_off][r + row_off][c + col_off],
 *
 * read outside the volume as the boundary mode says (plane, row and column
 * each mapped on their own), dst_plane elements between planes and
 * dst_pitch (a multiple of PADV) between rows. Columns from dst_width to
 * dst_pitch are alignment that no window reads for a stored output; they
 * are written as zero. Each work-item writes a whole row: a row of a volume
 * is short (256 elements), and with one work-item per PADV elements POCL
 * spent as long scheduling the items of a 256^3 volume as the convolution
 * took. The columns that lie inside the source move as PADV-element vectors
 * at the source's alignment (the last one overlapping the one before), and
 * only the halo, kc - 1 columns of a kc-wide window, goes through the mode
 * element by element: mapping the two edge vectors of every row lane by
 * lane cost about as much as the rest of the copy. Global size: (dst_rows
 * rounded up, volumes * slab_planes). */
__kernel void pad_volume(__global const REAL *restrict src, ulong src_offset, ulong src_volume,
                         long planes, long rows, long cols, long plane_off, long row_off,
                         long col_off, int boundary, REAL cval, __global REAL *restrict dst,
                         ulong dst_rows, ulong dst_pitch, ulong dst_plane, ulong slab_planes,
                         ulong dst_width)
{
    const ulong r = get_global_id(0);
    const ulong b = get_global_id(1) / slab_planes;
    const ulong p = get_global_id(1) % slab_planes;
    if (r >= dst_rows) return;
    const long z = boundary_index((long)p + plane_off, planes, boundary);
    const long y = boundary_index((long)r + row_off, rows, boundary);
    __global REAL *d = dst + (b * slab_planes + p) * dst_plane + r * dst_pitch;
    const REAL outside = boundary == BOUNDARY_CONSTANT ? cval : (REAL)(0);
    const long width = (long)dst_width;
    /* The alignment columns, whole vectors from the first multiple of PADV
     * at or past dst_width. */
    for (ulong c = (dst_width + PADV - 1) / PADV * PADV; c < dst_pitch; c += PADV)
        VSTOREN((REALN)(0), 0, d + c);
    if (z < 0 || y < 0) {
        for (long c = 0; c < width; c++) d[c] = outside;
        return;
    }
    __global const REAL *s = src + src_offset + b * src_volume + (ulong)((z * rows + y) * cols);
    /* Columns [lo, hi) of the row read the source directly. */
    const long lo = clamp(-col_off, 0L, width), hi = clamp(cols - col_off, lo, width);
    for (long c = 0; c < lo; c++) {
        const long x = boundary_index(c + col_off, cols, boundary);
        d[c] = x >= 0 ? s[x] : outside;
    }
    if (hi - lo >= PADV) {
        long c = lo;
        for (; c + PADV <= hi; c += PADV) VSTOREN(VLOADN(0, s + c + col_off), 0, d + c);
        if (c < hi) VSTOREN(VLOADN(0, s + hi - PADV + col_off), 0, d + hi - PADV);
    } else {
        for (long c = lo; c < hi; c++) d[c] = s[c + col_off];
    }
    for (long c = hi; c < width; c++) {
        const long x = boundary_index(c + col_off, cols, boundary);
        d[c] = x >= 0 ? s[x] : outside;
    }
}
