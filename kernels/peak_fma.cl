/*
 * The device's FMA throughput, the arithmetic roof that `clconv bench`
 * compares convolutions with (host/peak.c). Each work-item runs CHAINS
 * independent FMA chains of vectors of W elements, `reps` times over:
 * independent chains hide the FMA latency so the pipes stay busy, which a
 * single dependent chain (clpeak's own kernel) cannot do on a CPU. How many
 * chains that takes, and how many fit the register file, differs by device:
 * a CPU with two FMA pipes of 4-cycle latency needs 8 chains in flight, an
 * AVX2 core holds 16 vector registers and an AVX-512 one 32, so 16 chains of
 * a full register spill on the first and suit the second. This file holds a
 * kernel per chain count (peak_fma_8, _12, _16, _24) for one W and
 * precision, and the host keeps the best.
 *
 * The multiplier and addend are arguments, so nothing folds at compile time;
 * with m < 1 every chain converges to c / (1 - m), so no value overflows or
 * turns denormal whatever `reps` is. The chains start apart (and apart from
 * other work-items') so that the compiler cannot merge two of them.
 */

#include "real.h"
#ifndef W
#define W 4 /* vector width: 1, 2, 4, 8 or 16 */
#endif

#if W == 1
#define REALW REAL
#else
#define REALW CAT(REAL, W)
#endif

/* Each work-item does CHAINS * W * reps FMAs, 2 flops each. */
#define PEAK_FMA_KERNEL(CHAINS)                                                                 \
    __kernel void peak_fma_##CHAINS(__global REALW *restrict out, REAL mul, REAL add, int reps)  \
    {                                                                                           \
        const REALW m = (REALW)(mul), c0 = (REALW)(add);                                        \
        const REALW x = (REALW)((REAL)get_global_id(0) * (REAL)1e-6);                           \
        REALW acc[CHAINS];                                                                      \
        _Pragma("unroll") for (int i = 0; i < CHAINS; i++) acc[i] = x + (REAL)i;                \
        for (int r = 0; r < reps; r++) {                                                        \
            _Pragma("unroll") for (int i = 0; i < CHAINS; i++) acc[i] = fma(acc[i], m, c0);     \
        }                                                                                       \
        REALW sum = (REALW)(0);                                                                 \
        _Pragma("unroll") for (int i = 0; i < CHAINS; i++) sum += acc[i];                       \
        out[get_global_id(0)] = sum;                                                            \
    }

PEAK_FMA_KERNEL(8)
PEAK_FMA_KERNEL(12)
PEAK_FMA_KERNEL(16)
PEAK_FMA_KERNEL(24)
