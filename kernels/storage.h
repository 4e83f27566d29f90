/*
 * Storage types of a strip kernel's input and output, when they differ from
 * the compute type REAL, and the vector loads and stores that convert them:
 * shared by conv_strip.cl and conv_rows.cl, which include real.h (REAL, CAT)
 * and define VEC first.
 * It is included, not built on its own (cmake/embed.cmake writes it in place
 * of the #include line).
 *
 * -DIN_T=uchar|ushort|short reads integer pixels and converts them to REAL
 * as they are loaded, so an 8-bit image crosses memory as 1 byte per pixel
 * instead of 4. -DOUT_T=uchar|ushort|short with -DOUT_SAT=1 -DOUT_MIN=..
 * -DOUT_MAX=.. stores each result rounded to nearest, ties to even, and
 * saturated to the type's range, which is what OpenCV's saturate_cast does
 * through cvRound (lrint under the default rounding mode). Without them both
 * are REAL and the conversions are the identity.
 */
#ifndef CLCONV_STORAGE_H
#define CLCONV_STORAGE_H

#ifdef IN_T
#define IN_CONVERTED 1
#else
#define IN_T REAL
#define IN_CONVERTED 0
#endif
#ifndef OUT_T
#define OUT_T REAL
#endif
#ifndef OUT_SAT
#define OUT_SAT 0
#endif

#define REALN CAT(REAL, VEC)
#define VLOADN CAT(vload, VEC)
#define VSTOREN CAT(vstore, VEC)
#define OUT_TN CAT(OUT_T, VEC)

/* A vector of input loaded and converted to the compute type. Integer
 * input is read through a vector type aligned as its element, as the
 * stores below: POCL's vload16 of uchar came out of LLVM partly as 4-byte
 * pieces put together (vmovd, vpunpckldq) where the cast reads one
 * vpmovzxbd. Measured in conv_rows.cl on a 4096^2 3x3 uint8 -> uint8 pass,
 * device-resident (Zen 4, 2 vCPUs, load 5.6, medians of 15 in one run):
 * 16.4 ms against 20.9; float input keeps vload (the two measured alike,
 * within this machine's noise). */
#if IN_CONVERTED
typedef CAT(IN_T, VEC) __attribute__((aligned(sizeof(IN_T)))) in_vec_unaligned;
#define VLOAD_IN(o, p) \
    CAT(convert_, REALN)(*(__global const in_vec_unaligned *)((p) + (o) * VEC))
#else
#define VLOAD_IN(o, p) CAT(convert_, REALN)(VLOADN(o, p))
#endif

/* A vector of output stored at p, which need not be aligned beyond its
 * element. POCL 3.1's vstore16 of uchar compiles to sixteen byte stores
 * (and of ushort to sixteen word stores); through a vector type declared
 * with the element's alignment LLVM writes one vector (vpmovdb straight to
 * memory on AVX-512). Measured on a 4096^2 3x3 uint8 -> uint8 pass through
 * conv_rows.cl, device-resident (Zen 4, 2 vCPUs, load 5): 31.4 against
 * 35.9 ms, medians of 15 in one run; float stores compile alike either way. */
typedef OUT_TN __attribute__((aligned(sizeof(OUT_T)))) out_vec_unaligned;
#define STORE_OUTN(v, p) (*(__global out_vec_unaligned *)(p) = (v))

#if OUT_SAT
/* Rounded to nearest, ties to even, and saturated as saturate.h says (the
 * conversion pass of convert.cl rounds with the same code). */
#include "saturate.h"
#define CONVERT_OUT(v) CAT(convert_, OUT_T)(convert_int(saturate_one(v)))
#define CONVERT_OUTN(v) CAT(convert_, OUT_TN)(CAT(convert_int, VEC)(SATURATE((v), REALN)))
#else
#define CONVERT_OUT(v) ((OUT_T)(v))
#define CONVERT_OUTN(v) CAT(convert_, OUT_TN)(v)
#endif

#endif /* CLCONV_STORAGE_H */
