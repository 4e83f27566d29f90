/*
 * Rounding and saturation of a compute-type value to an integer storage
 * type, shared by the kernels that store integers (conv_strip.cl's fused
 * stores, convert.cl's conversion pass), so that every path rounds alike.
 * Included, not built on its own (cmake/embed.cmake writes it in place of
 * the #include line). The includer defines REAL and PRECISION; OUT_MIN and
 * OUT_MAX are the storage type's range (the host passes them).
 *
 * Saturated by two selects in the compute type to OUT_MIN ... OUT_MAX (a
 * NaN fails v > OUT_MIN and becomes OUT_MIN, as OpenCV's saturate_cast of
 * cvRound(NaN) gives for int16, and 0 for uint8 both ways; the strict test
 * is x86's maxps, one instruction, where v >= OUT_MIN compiled to a compare
 * and a masked move: a uint8 4096^2 3x3 pass 0.97x the time), rounded to
 * nearest, ties to even, by adding and subtracting 1.5 * 2^23 (2^52 in
 * double), exact at these magnitudes under the default rounding mode (the
 * kernels are built without -cl-fast-relaxed-math, which could fold the
 * pair away), then converted exactly through int. Measured on a 4096^2
 * 3x3, float32 in, uint8 out, device-resident (2-core Xeon, POCL 3.1, load
 * 4): convert_uchar16_sat_rte cost 20-25 ms over a float32 store of
 * 22-44 ms, rint with clamp the same, fmin/fmax with this rounding the
 * same, the selects 6 ms; converting the float vector straight to uchar16
 * instead of through int16 added 12 ms. Again in conv_rows.cl, uint8 in and
 * out (Zen 4, load 6, medians of 15 in one run): these selects 14.2 ms,
 * convert_uchar16_sat_rte 18.4, the magic pair with an integer clamp 15.4.
 */
#ifndef CLCONV_SATURATE_H
#define CLCONV_SATURATE_H

#ifndef OUT_MIN
#define OUT_MIN 0
#endif
#ifndef OUT_MAX
#define OUT_MAX 255
#endif
#if PRECISION == 64
#define ROUND_MAGIC 0x1.8p52
#else
#define ROUND_MAGIC 0x1.8p23f
#endif
#define CLAMP_LO(v, t) select((t)(OUT_MIN), (v), (v) > (t)(OUT_MIN))
#define CLAMP_HI(v, t) select((v), (t)(OUT_MAX), (v) > (t)(OUT_MAX))
#define SATURATE(v, t) (CLAMP_HI(CLAMP_LO((v), t), t) + ROUND_MAGIC - ROUND_MAGIC)
/* One value: a scalar comparison gives int, which select takes with float
 * only, so the ternary. */
static inline REAL saturate_one(REAL v)
{
    v = v >= (REAL)(OUT_MIN) ? v : (REAL)(OUT_MIN);
    v = v > (REAL)(OUT_MAX) ? (REAL)(OUT_MAX) : v;
    return v + ROUND_MAGIC - ROUND_MAGIC;
}

#endif /* CLCONV_SATURATE_H */
