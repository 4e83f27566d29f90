/*
 * Per-device parameters of the direct convolution kernels
 * (kernels/conv_strip.cl, conv_rows.cl, conv_tiled.cl and pad.cl): which variant runs and
 * with which tunables. They come from a table of measured entries keyed by
 * device and problem, in the manner of CLBlast's database, with defaults for
 * devices nobody measured.
 */
#ifndef CLCONV_PARAMS_H
#define CLCONV_PARAMS_H

#include "dispatch.h"

typedef enum clconv__direct_variant {
    CLCONV__DIRECT_ANY = -1,  /* a request: whichever the table chooses */
    CLCONV__DIRECT_STRIP = 0, /* register strips of vector accumulators: CPUs */
    CLCONV__DIRECT_TILED = 1  /* local-memory tiles with a halo: GPUs */
} clconv__direct_variant;

typedef struct clconv__direct_params {
    clconv__direct_variant variant;
    unsigned vec, nacc;       /* strip: vector width (2..16), accumulators per item */
    unsigned unroll;          /* strip: taps per turn of the input window (1, 2 or 4), or
                                 0 for no window (conv_strip.cl) */
    unsigned wgx;             /* work-items per group along a row (both variants and
                                 the padding copy) */
    unsigned wgy;             /* tiled: work-items per group down the columns */
    unsigned wptx, wpty;      /* tiled: outputs per work-item along columns, rows */
    unsigned kbx, kby;        /* tiled: taps staged in local memory per block */
    unsigned pad_vec;         /* elements per work-item of the padding copy (1..16) */
    unsigned piece_mib;       /* scratch budget of one piece of the problem, MiB: on a CPU
                                 a piece that stays in the last-level cache between the
                                 padding copy and the convolution saves memory traffic */
    unsigned rows, rows_nacc; /* strip, 2-D: rows > 0 runs a single pass over the
                                 unpadded source in conv_rows.cl instead, rows output rows
                                 of rows_nacc vectors of vec per item, the window compiled
                                 in (one program per window size); 0: conv_strip.cl */
    unsigned stream_rows,     /* conv_rows' shape where its output streams past the */
        stream_nacc;          /* caches (host/direct.c); 0: rows and rows_nacc */
    unsigned spi;             /* conv_rows: strips per item, side by side (1..64) */
} clconv__direct_params;

/* Parameters for one pass over a kr x kc window (the taps each output
 * reads) in dtype on rt's device; dims is the problem's (1 or 2). With want
 * CLCONV__DIRECT_ANY the table chooses the variant, unless the environment
 * variable CLCONV_DIRECT_VARIANT=strip|tiled forces one (so either can be
 * tested on any device); otherwise want names the variant. A tiled choice
 * that needs more local memory or a larger work-group than the device offers
 * gives way to the strip variant. Where clconv_tune stored the best shape
 * for dtype and dims on this device (the cost model, plan.h) and it is of
 * the variant chosen, its tunables replace the table's. pad_vec always
 * divides 16. */
int clconv__direct_params_get(clconv_runtime *rt, clconv_dtype dtype, int dims, size_t kr,
                              size_t kc, clconv__direct_variant want,
                              clconv__direct_params *out);

/* 1 when p's tunables are ones the kernels take: strips of VEC 2, 4, 8 or
 * 16, UNROLL 0, 1, 2 or 4 and NACC and WGX from 1 to 1024; tiles with every
 * extent from 1 to 1024. The one check for CLCONV_DIRECT_PARAMS and for the
 * shapes a stored model holds. */
int clconv__direct_params_valid(const clconv__direct_params *p);

/* The -D build options of conv_strip.cl or conv_tiled.cl for p in dtype, e.g.
 * "-DPRECISION=32 -DVEC=16 -DNACC=4", written into buf. */
void clconv__direct_params_options(const clconv__direct_params *p, clconv_dtype dtype,
                                   char *buf, size_t len);

/* The outputs one conv_strip work-item or one tiled work-group computes:
 * rows x cols (conv_rows, where p->rows says so, computes p->rows x
 * vec * rows_nacc). The padded input must cover whole blocks (see kernels/conv_strip.cl and conv_tiled.cl). */
void clconv__direct_params_block(const clconv__direct_params *p, size_t *rows, size_t *cols);

/* clconv__direct_run with every pass run with *force instead of the
 * parameters the table or the tuned model choose (clconv_tune's search). A
 * tiled shape the device cannot run at its group size fails with
 * CLCONV_ENOTSUP. */
int clconv__direct_run_params(clconv_runtime *rt, const clconv__geom *g, cl_mem signal,
                              cl_mem kernel, cl_mem out, const clconv__direct_params *force);

/* Tunables of kernels/conv_vol.cl, the 3-D direct kernel over padded slabs:
 * each work-item holds zb output planes x rb output rows x nacc vectors of
 * vec columns, in groups of wgx x wgy items (along a row's strips, down its
 * rows); the window is compiled in when it has at most fixed_taps taps.
 * strips 1 runs conv_strip.cl's one-plane strips over the same slabs
 * instead (the kernel 3-D used before, kept to be measured against). */
typedef struct clconv__vol_params {
    unsigned vec, nacc, zb, rb;
    unsigned wgx, wgy;
    unsigned fixed_taps;
    int strips;
} clconv__vol_params;

/* Parameters of the 3-D direct pass for a kd x kr x kc window in dtype on
 * rt's device, from the table, or from the environment variable
 * CLCONV_VOL_PARAMS="VEC,NACC,ZB,RB,WGX,WGY[,FIXED]" or "strip" (what a
 * measuring sweep sets). A malformed override, or a group larger than the
 * device's, is CLCONV_EINVAL. */
int clconv__vol_params_get(clconv_runtime *rt, clconv_dtype dtype, size_t kd, size_t kr,
                           size_t kc, clconv__vol_params *out);

#endif /* CLCONV_PARAMS_H */
