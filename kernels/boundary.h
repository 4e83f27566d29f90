/*
 * The boundary modes of scipy.ndimage as index arithmetic, shared by the
 * kernels that read a signal past its edges (pad.cl, conv_strip.cl, fft.cl).
 * It is included, not built on its own: cmake/embed.cmake writes it in place
 * of the #include line, so each embedded program stays one source text
 * (`clang -x cl -fsyntax-only -I kernels` checks the files as they are).
 *
 * The modes are numbered as clconv_boundary in include/clconv.h. For a
 * signal of n samples, position p outside [0, n) reads:
 *   REFLECT  period 2n, mirrored about the edges:     d c b a | a b c d | d c b a
 *   MIRROR   period 2n - 2, mirrored about the ends:  d c b | a b c d | c b a
 *            (n == 1 repeats the sample, as ndimage does)
 *   NEAREST  the nearer end:                          a a a | a b c d | d d d
 *   WRAP     period n:                                b c d | a b c d | a b c
 *   CONSTANT (and NONE) no sample: the caller uses cval, or zero.
 */
#ifndef CLCONV_BOUNDARY_H
#define CLCONV_BOUNDARY_H

#define BOUNDARY_NONE 0
#define BOUNDARY_CONSTANT 1
#define BOUNDARY_REFLECT 2
#define BOUNDARY_MIRROR 3
#define BOUNDARY_NEAREST 4
#define BOUNDARY_WRAP 5

/* p modulo m in [0, m), for m > 0 and any sign of p. */
static inline long boundary_mod(long p, long m)
{
    const long r = p % m;
    return r < 0 ? r + m : r;
}

/* boundary_index for p outside [0, n). */
static long boundary_fold(long p, long n, int mode)
{
    /* One fold, the usual case (a kernel's halo shorter than the signal),
     * without the division that boundary_mod costs: tens of cycles, which
     * dominated the padding copy of a volume's rows. */
    if (mode == BOUNDARY_REFLECT && p >= -n && p < 2 * n) return p < 0 ? -1 - p : 2 * n - 1 - p;
    if (mode == BOUNDARY_MIRROR && n > 1 && p > -n && p < 2 * n - 1)
        return p < 0 ? -p : 2 * n - 2 - p;
    if (mode == BOUNDARY_WRAP && p >= -n && p < 2 * n) return p < 0 ? p + n : p - n;
    if (mode == BOUNDARY_REFLECT) {
        const long m = boundary_mod(p, 2 * n);
        return m < n ? m : 2 * n - 1 - m;
    }
    if (mode == BOUNDARY_MIRROR) {
        if (n == 1) return 0;
        const long m = boundary_mod(p, 2 * n - 2);
        return m < n ? m : 2 * n - 2 - m;
    }
    if (mode == BOUNDARY_NEAREST) return p < 0 ? 0 : n - 1;
    if (mode == BOUNDARY_WRAP) return boundary_mod(p, n);
    return -1;
}

/* The sample position p reads in a signal of n >= 1 samples under mode, or
 * -1 when it reads no sample (p outside with CONSTANT or NONE). The test for
 * a position inside is inlined and only the rest is a call: POCL left the
 * whole function a call, which spills every live vector register, and
 * conv_rows.cl asks it for each of an item's rows (with load_edge's gather
 * there, a 4096^2 3x3 uint8 mirror pass took 0.92x the time, in-process,
 * the two builds alternating in one process; AMD EPYC Zen 5, POCL 3.1). */
__attribute__((always_inline)) static inline long boundary_index(long p, long n, int mode)
{
    return p >= 0 && p < n ? p : boundary_fold(p, n, mode);
}

#endif /* CLCONV_BOUNDARY_H */
