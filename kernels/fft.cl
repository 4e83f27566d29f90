/*
 * The element-wise steps of FFT convolution around VkFFT's transforms
 * (host/fftconv.c): cutting a batch of signals into zero-padded blocks in the
 * padded real-to-complex layout, multiplying spectra by one kernel spectrum,
 * and cropping the wanted outputs out of the inverse transforms. Images
 * and volumes share fft_pad and fft_crop: an image is a volume of one
 * plane, and a volume is one block.
 *
 * Blocks: an image is covered by blocks[0] x blocks[1] transforms of
 * len[0] x len[1] reals, each row stored in `pitch` reals (len[1] + 2 or
 * + 1 rounded to even: room for the complex half-spectrum). Transform z of
 * a launch is number z0 + z of the flattened (image, block row, block
 * column) sequence; number -1 holds no signal (it is the slot the kernel
 * takes when its transform rides in the first launch). Along each
 * dimension, block b holds the signal from index in0 + b * step, and after
 * the inverse transform its outputs b * step ... b * step + step - 1 stand
 * at positions shift ... shift + step - 1.
 *
 * These kernels are bound by memory traffic. Padding and cropping move VEC
 * consecutive elements per work-item with vector loads and stores, which
 * also spreads the block arithmetic (integer divisions, slow on CPUs) over
 * VEC elements. Work-groups span the first dimension only, whose global
 * size the host rounds up to whole groups (a size with no small divisor
 * would otherwise give one-item groups, about ten times slower on POCL), so
 * each kernel checks its first index; the others are read as group ids.
 */

#include "real.h"

/* Elements a work-item of fft_pad and fft_crop handles: a vector of them. */
#ifndef VEC
#define VEC 16
#endif

#if PRECISION == 64
#define REAL2 double2
#else
#define REAL2 float2
#endif

#include "boundary.h"

#define REALV CAT(REAL, VEC)
#define VLOAD CAT(vload, VEC)
#define VSTORE CAT(vstore, VEC)

/* dst[z][p][r][c] = scale * src[image][in0_p + p][in0_r + br*step_r + r][in0_c + bc*step_c + c]
 * for transform z of a launch (number t = z0 + z: image t / (blocks_r *
 * blocks_c), block row br and column bc within it), each transform len_p
 * planes of len_r rows. Images are planes x rows x cols arrays: 2-D calls
 * pass one plane (planes = len_p = 1, in0_p = 0), volumes one block
 * (blocks_r = blocks_c = 1). Positions outside the source read through the
 * boundary mode (boundary.h; NONE: zero, CONSTANT: cval); transform -1,
 * transforms past the last image (so a short final launch can reuse the
 * plan of a full one) and the padding columns c >= len_c are zero. With
 * `reverse` the source is read rotated by 180 degrees in every dimension
 * (correlation taps, always with NONE). Each work-item writes VEC
 * consecutive columns, with vector loads where they all lie inside the
 * source. Global size: (ceil(pitch / VEC) rounded up, len_r, count * len_p). */
__kernel void fft_pad(__global const REAL *restrict src, long planes, long rows, long cols,
                      ulong images, long z0, ulong blocks_r, ulong blocks_c, long in0_p,
                      long in0_r, long in0_c, long step_r, long step_c, int reverse,
                      int boundary, REAL cval, REAL scale, __global REAL *restrict dst,
                      ulong len_p, ulong len_c, ulong pitch)
{
    const ulong c0 = get_global_id(0) * VEC;
    const ulong r = get_group_id(1);
    const ulong z = get_group_id(2) / len_p;
    const ulong p = get_group_id(2) % len_p;
    if (c0 >= pitch) return;
    const ulong len_r = get_num_groups(1);
    const long t = z0 + (long)z;
    const ulong tu = t < 0 ? 0 : (ulong)t;
    const ulong per_image = blocks_r * blocks_c;
    const ulong image = tu / per_image;
    const ulong br = (tu % per_image) / blocks_c;
    const ulong bc = tu % blocks_c;
    const long zz = boundary_index(in0_p + (long)p, planes, boundary);
    const long y = boundary_index(in0_r + (long)br * step_r + (long)r, rows, boundary);
    const long x0 = in0_c + (long)bc * step_c + (long)c0;
    __global REAL *out = dst + ((z * len_p + p) * len_r + r) * pitch + c0;
    const int slot = t >= 0 && image < images; /* a transform of the signal */
    const int row_in = slot && zz >= 0 && y >= 0;
    /* What a position of the signal without a sample reads. */
    const REAL outside = slot && boundary == BOUNDARY_CONSTANT ? scale * cval : (REAL)0;
    const ulong volume = image * (ulong)(planes * rows * cols);
    if (row_in && !reverse && x0 >= 0 && x0 + VEC <= cols && c0 + VEC <= len_c) {
        const __global REAL *in = src + volume + (ulong)((zz * rows + y) * cols + x0);
        VSTORE(scale * VLOAD(0, in), 0, out);
        return;
    }
    if (!row_in && outside == (REAL)0 && c0 + VEC <= pitch) {
        VSTORE((REALV)0, 0, out);
        return;
    }
    for (ulong e = 0; e < VEC && c0 + e < pitch; e++) {
        REAL v = 0;
        if (slot && c0 + e < len_c) {
            long x = row_in ? boundary_index(x0 + (long)e, cols, boundary) : -1;
            if (x >= 0) {
                long pz = zz, py = y;
                if (reverse) {
                    pz = planes - 1 - pz;
                    py = rows - 1 - py;
                    x = cols - 1 - x;
                }
                v = scale * src[volume + (ulong)((pz * rows + py) * cols + x)];
            } else {
                v = outside;
            }
        }
        out[e] = v;
    }
}

/* spec[z][i] *= kern[i] for the count spectra of one launch, each of `per`
 * complex values. Global size: (per rounded up, count). */
__kernel void fft_mul(__global REAL2 *restrict spec, __global const REAL2 *restrict kern,
                      ulong per)
{
    const ulong i = get_global_id(0);
    const ulong z = get_global_id(1);
    if (i >= per) return;
    const REAL2 a = spec[z * per + i];
    const REAL2 b = kern[i];
    spec[z * per + i] = (REAL2)(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}

/* out[image][p][br*step_r + i][bc*step_c + j] =
 *     src[z][shift_p + p][shift_r + i][shift_c + j]
 * for transform z of a launch (number t = z0 + z, numbered as in fft_pad)
 * and the outputs that exist (out_p x out_r x out_c per image), each
 * transform len_p planes of len_r rows. Images pass one plane (len_p =
 * out_p = 1, shift_p = 0), volumes one block (blocks_r = blocks_c = 1,
 * step_c = out_c). Each work-item copies VEC consecutive columns. Global
 * size: (ceil(step_c / VEC) rounded up, step_r, count * out_p). */
__kernel void fft_crop(__global const REAL *restrict src, ulong len_p, ulong len_r,
                       ulong pitch, ulong shift_p, ulong shift_r, ulong shift_c, long z0,
                       ulong total, ulong blocks_r, ulong blocks_c, ulong step_c,
                       __global REAL *restrict out, ulong out_p, ulong out_r, ulong out_c)
{
    const ulong j0 = get_global_id(0) * VEC;
    const ulong i = get_group_id(1);
    const ulong z = get_group_id(2) / out_p;
    const ulong p = get_group_id(2) % out_p;
    const ulong step_r = get_num_groups(1);
    const long ts = z0 + (long)z;
    if (j0 >= step_c || ts < 0 || (ulong)ts >= total) return;
    const ulong t = (ulong)ts;
    const ulong per_image = blocks_r * blocks_c;
    const ulong image = t / per_image;
    const ulong o_r = ((t % per_image) / blocks_c) * step_r + i;
    const ulong o_c0 = (t % blocks_c) * step_c + j0;
    if (o_r >= out_r || o_c0 >= out_c) return;
    const __global REAL *in =
        src + ((z * len_p + shift_p + p) * len_r + shift_r + i) * pitch + shift_c + j0;
    __global REAL *dst = out + ((image * out_p + p) * out_r + o_r) * out_c + o_c0;
    if (j0 + VEC <= step_c && o_c0 + VEC <= out_c) {
        VSTORE(VLOAD(0, in), 0, dst);
        return;
    }
    for (ulong e = 0; e < VEC && j0 + e < step_c && o_c0 + e < out_c; e++) dst[e] = in[e];
}
