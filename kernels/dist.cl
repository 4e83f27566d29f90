/*
 * Kernels of the distribution sums (host/dist.c), in float64 only.
 *
 * dist_pairs convolves many pairs of short probability vectors in one
 * launch: a reduction of 10^5 two-point distributions starts with 5 * 10^4
 * convolutions of three outputs each, where a launch per pair would cost far
 * more than the arithmetic. Pair p convolves the row of a at
 * a_offset + p * a_stride (la entries) with the row of b at
 * b_offset + p * b_stride (lb entries) into the row of out at
 * p * out_stride (la + lb - 1 entries, full mode):
 *
 *   out[j] = sum over t of a[t] * b[j - t],  max(0, j - lb + 1) <= t <= min(j, la - 1)
 *
 * Every product is non-negative, so the sum keeps each output accurate
 * relative to its own size whatever the order of the terms. The work is one
 * flat range of pairs * (la + lb - 1) items, one output each, so that tiny
 * rows still fill whole work-groups.
 *
 * dist_overlap_add finishes a direct convolution cut into pieces
 * (host/dist.c, run_split): part holds `pieces` rows of plen partial
 * outputs, row j belonging at offset j * m of the result, and each output
 * adds the rows that cover it, again non-negative terms only.
 *
 * dist_clamp sets the negative outputs of an FFT convolution to zero and
 * adds the mass so removed to the work-item's own slot of `clamped`, which
 * the host zeroes once and sums after the last convolution; work-items never
 * share a slot, so no atomics are needed across launches of the same size.
 */
#pragma OPENCL EXTENSION cl_khr_fp64 : enable

__kernel void dist_pairs(__global const double *restrict a, ulong a_offset, ulong a_stride,
                         uint la, __global const double *restrict b, ulong b_offset,
                         ulong b_stride, uint lb, __global double *restrict out,
                         ulong out_stride, ulong pairs)
{
    const uint lo = la + lb - 1;
    const ulong id = get_global_id(0);
    const ulong p = id / lo;
    const uint j = (uint)(id - p * lo);
    if (p >= pairs) return;

    __global const double *x = a + a_offset + p * a_stride;
    __global const double *y = b + b_offset + p * b_stride;
    const uint t0 = j >= lb ? j - lb + 1 : 0;
    const uint t1 = min(j, la - 1);
    double s = 0.0;
    for (uint t = t0; t <= t1; t++) s = fma(x[t], y[j - t], s);
    out[p * out_stride + j] = s;
}

__kernel void dist_overlap_add(__global const double *restrict part, ulong plen, ulong m,
                               uint pieces, __global double *restrict out, ulong count)
{
    const ulong i = get_global_id(0);
    if (i >= count) return;
    /* Row j covers i when j * m <= i < j * m + plen. */
    const ulong first = i >= plen ? (i - plen) / m + 1 : 0;
    const ulong last = min((ulong)pieces - 1, i / m);
    double s = 0.0;
    for (ulong j = first; j <= last; j++) s += part[j * plen + i - j * m];
    out[i] = s;
}

__kernel void dist_clamp(__global double *restrict v, ulong count,
                         __global double *restrict clamped)
{
    const ulong id = get_global_id(0);
    const ulong step = get_global_size(0);
    double removed = 0.0;
    for (ulong i = id; i < count; i += step) {
        const double x = v[i];
        if (x < 0.0) {
            removed -= x;
            v[i] = 0.0;
        }
    }
    clamped[id] += removed;
}
