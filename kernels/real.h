/*
 * The compute type every convolution kernel shares: REAL is double with
 * -DPRECISION=64 (enabling cl_khr_fp64), float otherwise; and CAT, which
 * pastes a type or a builtin's name and a width into one token
 * (CAT(REAL, 16), CAT(vload, 16)) after expanding both. Included, not
 * built on its own (cmake/embed.cmake writes it in place of the #include
 * line).
 */
#ifndef CLCONV_REAL_H
#define CLCONV_REAL_H

#ifndef PRECISION
#define PRECISION 32 /* 32: float, 64: double */
#endif

#if PRECISION == 64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define REAL double
#else
#define REAL float
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

#endif /* CLCONV_REAL_H */
