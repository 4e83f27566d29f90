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
 * dist_clamp sets the negative outputs of an FFT convolution to zero and
 * adds the mass so removed to the work-item's own slot of `clamped`, which
 * the host zeroes once and sums after the last convolution; work-items never
 * share a slot, so no atomics are needed across launches of the same size.
 *
 * The rest keep the natural logarithms of the probabilities, which every 1-D
 * distribution carries beside them so that entries below float64's range
 * (2.2e-308) are not lost (host/dist_tilt.c). dist_lpairs is dist_pairs on
 * logarithms, run after it: each output below 1e-280 in dist_pairs' result
 * is the largest log-product plus the log of the sum of exp(log-product -
 * largest), so no term leaves float64's range; the others are the log of
 * that result.
 * dist_lconv does the same for any lengths, one output per work-item: the
 * exact but slow fallback. dist_tilt writes an exponentially tilted window
 * of a distribution, exp(log p[j] + theta * (j - ref) - c), zero outside the
 * support, or the plain probabilities; dist_untilt turns the convolution of
 * two tilted windows back into probabilities and logarithms. dist_log,
 * dist_exp and dist_logadd convert between the two forms and accumulate the
 * terms of a compound sum in logarithms.
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

/* Adds the logarithms x and y of two probabilities: log(e^x + e^y). */
static double log_add(double x, double y)
{
    const double m = fmax(x, y);
    if (m == -INFINITY) return -INFINITY;
    return m + log(exp(x - m) + exp(y - m));
}

__kernel void dist_lpairs(__global const double *restrict a, ulong a_offset, ulong a_stride,
                          uint la, __global const double *restrict b, ulong b_offset,
                          ulong b_stride, uint lb, __global double *restrict out,
                          ulong out_stride, ulong pairs, __global const double *restrict mass)
{
    const uint lo = la + lb - 1;
    const ulong id = get_global_id(0);
    const ulong p = id / lo;
    const uint j = (uint)(id - p * lo);
    if (p >= pairs) return;
    /* Where dist_pairs' float64 result lies well inside the range (1e-280),
     * its logarithm is as exact as the log-sum-exp below, and cheaper. */
    const double direct = mass[p * out_stride + j];
    if (direct >= 1e-280) {
        out[p * out_stride + j] = log(direct);
        return;
    }

    __global const double *x = a + a_offset + p * a_stride;
    __global const double *y = b + b_offset + p * b_stride;
    const uint t0 = j >= lb ? j - lb + 1 : 0;
    const uint t1 = min(j, la - 1);
    double m = -INFINITY;
    for (uint t = t0; t <= t1; t++) m = fmax(m, x[t] + y[j - t]);
    double s = 0.0;
    if (m > -INFINITY)
        for (uint t = t0; t <= t1; t++) s += exp(x[t] + y[j - t] - m);
    out[p * out_stride + j] = m > -INFINITY ? m + log(s) : -INFINITY;
}

__kernel void dist_lconv(__global const double *restrict a, ulong a_base, ulong na,
                         __global const double *restrict b, ulong b_base, ulong nb, ulong first,
                         ulong count, __global double *restrict mass,
                         __global double *restrict lg, ulong out_base)
{
    const ulong o = get_global_id(0);
    if (o >= count) return;
    const ulong n = first + o;
    const ulong t0 = n >= nb ? n - nb + 1 : 0;
    const ulong t1 = min(n, na - 1);
    __global const double *x = a + a_base;
    __global const double *y = b + b_base;
    double m = -INFINITY;
    for (ulong t = t0; t <= t1; t++) m = fmax(m, x[t] + y[n - t]);
    double s = 0.0;
    if (m > -INFINITY)
        for (ulong t = t0; t <= t1; t++) s += exp(x[t] + y[n - t] - m);
    const double l = m > -INFINITY ? m + log(s) : -INFINITY;
    lg[out_base + o] = l;
    mass[out_base + o] = exp(l);
}

__kernel void dist_tilt(__global const double *restrict mass, __global const double *restrict lg,
                        ulong base, long len, long start, ulong count, int plain, double theta,
                        long ref, double c, __global double *restrict out)
{
    const ulong i = get_global_id(0);
    if (i >= count) return;
    const long j = start + (long)i;
    double v = 0.0;
    if (j >= 0 && j < len)
        v = plain ? mass[base + j] : exp(lg[base + j] + theta * (double)(j - ref) - c);
    out[i] = v;
}

__kernel void dist_untilt(__global const double *restrict y, ulong count, int plain,
                          double alpha, double beta, __global double *restrict mass,
                          __global double *restrict lg, ulong out_base)
{
    const ulong o = get_global_id(0);
    if (o >= count) return;
    const double v = y[o];
    if (plain) {
        mass[out_base + o] = v;
        lg[out_base + o] = log(v);
    } else {
        const double l = v > 0.0 ? log(v) + alpha + beta * (double)o : -INFINITY;
        lg[out_base + o] = l;
        mass[out_base + o] = exp(l);
    }
}

__kernel void dist_log(__global const double *restrict mass, __global double *restrict lg,
                       ulong count)
{
    const ulong i = get_global_id(0);
    if (i < count) lg[i] = log(mass[i]);
}

__kernel void dist_exp(__global const double *restrict lg, __global double *restrict mass,
                       ulong count)
{
    const ulong i = get_global_id(0);
    if (i < count) mass[i] = exp(lg[i]);
}

__kernel void dist_logadd(__global double *restrict acc, ulong acc_base,
                          __global const double *restrict lg, ulong lg_base, ulong count,
                          double w)
{
    const ulong i = get_global_id(0);
    if (i < count) acc[acc_base + i] = log_add(acc[acc_base + i], lg[lg_base + i] + w);
}
