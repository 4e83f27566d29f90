/*
 * The table of direct-convolution parameters per device and problem, and
 * the lookup that picks an entry, honours the CLCONV_DIRECT_VARIANT override
 * and checks the choice against the device's limits. Entries are measured:
 * each says on which device and for which window sizes it was best, so a
 * new device is added by measuring it, not by editing code.
 */
#include "params.h"
#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ANY_TYPE (-1)
#define SIZE_ANY ((size_t)-1)

typedef struct entry {
    int type;              /* clconv_device_type, or ANY_TYPE */
    const char *platform;  /* substring of the platform name; NULL matches any */
    const char *device;    /* substring of the device name; NULL matches any */
    unsigned vector;       /* the device's preferred float vector width, 0 for any: on
                              CPUs it tells AVX-512 (16, 32 vector registers) from AVX2
                              (8, 16 registers), which hold different strips */
    int precision;         /* 32, 64, or 0 for both */
    int dims;              /* 1, 2, or 0 for both */
    size_t taps_min;       /* window kr * kc in [taps_min, taps_max] */
    size_t taps_max;
    clconv__direct_params p;
} entry;

#define STRIP(vec, nacc, unroll, wgx, piece_mib) \
    {CLCONV__DIRECT_STRIP, vec, nacc, unroll, wgx, 1, 0, 0, 0, 0, 16, piece_mib, 0, 0, 0, 0, 1}
/* A strip entry whose 2-D single passes run conv_rows.cl: `rows` output rows
 * of `rnacc` vectors per item, or `srows` of `snacc` where the output streams
 * past the caches (0, 0: the same), `spi` such strips side by side. */
#define STRIP_ROWS(vec, nacc, unroll, wgx, piece_mib, rows, rnacc, srows, snacc, spi)     \
    {CLCONV__DIRECT_STRIP, vec, nacc, unroll, wgx, 1, 0, 0, 0, 0, 16, piece_mib, rows, rnacc, \
     srows, snacc, spi}
#define TILED(wgx, wgy, wptx, wpty, kbx, kby, piece_mib) \
    {CLCONV__DIRECT_TILED, 0, 0, 1, wgx, wgy, wptx, wpty, kbx, kby, 1, piece_mib, 0, 0, 0, 0, 1}

/* First match wins, so specific entries come before general ones. The last
 * entries are catch-alls: CPUs take the strip variant, everything else the
 * tiled one, and a final strip entry serves CLCONV_DIRECT_VARIANT=strip on
 * any device. */
static const entry table[] = {
    /* POCL 3.1 on a 2-core Intel Xeon with AVX-512 (KVM; POCL names it
     * pthread-skylake-avx512; FMA roof 245-266 GFLOP/s float32, 123-132
     * float64), conv_strip reading the source in place, 1-D valid mode of
     * 2^22 (float64 2^21) outputs, best of 15 on a quiet machine, GFLOP/s at
     * 64/255/1024 taps. float32: 16-wide vectors, 8 accumulators, window
     * shifted every 4 taps 190/222/228; 6 and 4 taps 169/183/198; 10 and 2
     * taps 155/234/235; 8 and every tap 85/111/163; 12 and every tap
     * 47/90/105 (the shifts are register moves on the FMA ports). float64,
     * 8-wide: 8 and 4 taps 78/96/103; 10 and 2 taps 63/99/110; 12 and 1 tap
     * 63/114/109. A 4096^2 3x3 float32 image from host arrays took 10.2 ms,
     * 1.3x the time to read and write it once at the measured 16.6 GB/s.
     * Groups of 1 item (POCL's choice for a prime number of strips) ran up
     * to 2x slower on the Zen 4 measured before; 4 to 16 items were alike.
     * The piece budget only matters where the source is copied (separable
     * and rotated passes): 8 MiB pieces stay in the last-level cache
     * between the copy and the convolution. */
    {CLCONV_DEVICE_CPU, "Portable Computing Language", NULL, 16, 32, 1, 32, SIZE_ANY,
     STRIP(16, 8, 4, 8, 8)},
    /* The same Xeon, 2-D float32 (scripts/bench-vs-opencv.py's cases on
     * 2048^2 images through the host form, mirror boundary, medians of 7
     * alternating the two shapes in one process, on a machine shared with
     * other work, load 4-11): 8 accumulators with the window shifted every 4
     * taps against the default 4 accumulators and no window took 1.08x the
     * time at 3x3, 0.56x for the 1x19 and 19x1 passes of a separable
     * Gaussian, 0.76x at 5x5, 0.79x at 9x9, 0.76x at 15x15, 0.56x at 31x31;
     * 10 accumulators every 2 taps took 1.15-2.06x the time of 8 every 4.
     * Windows from 16 taps take it (below conv_rows.cl's entries, which
     * match first); 3x3 keeps the default. */
    /* Zen 4 (AMD EPYC family 25 model 17, AVX-512, 2 vCPUs; POCL 3.1 names
     * it pthread-skylake-avx512), 2-D float32 3x3, 5x5 and 9x9 windows (and
     * the 1-row or 1-column windows of 9, 25 or 81 taps) in conv_rows.cl, device-resident, mirror boundary,
     * medians of 11 alternating the shapes in one process (the kernel
     * alone, launched as host/direct.c does), ms for rows x vectors per
     * item, against conv_strip's best shape for the window:
     *   3x3 float32 (load 2.1): 4x4 17.2, 4x2 16.7, 8x2 16.9, 2x4 19.3;
     *       conv_strip 39.9 (one row of 4 vectors, plain loop)
     *   3x3 uint8 in and out (load 2.1): 4x4 12.7, 4x2 15.0, 8x2 12.5,
     *       2x4 14.3; conv_strip 29.1
     *   5x5 float32, 2048^2 (load 6.2): 4x4 12.7, 4x2 11.2, 8x2 11.7,
     *       2x4 12.4, 6x3 11.7; conv_strip 27.1 (8 vectors, every 4 taps)
     * 4x4 is within the noise of the best at each and takes one program.
     *   9x9 float32 through the library (scripts' CLCONV_DIRECT_PARAMS
     *       sweep, medians of 7, load 4.5-4.8): zero boundary 4x2 27.6,
     *       4x4 86.8 (spilled), conv_strip 44.0; mirror 4x2 72.1, 3x3
     *       78.0, conv_strip over the padded copy 157.0.
     *   15x15 float32, 2048^2, mirror: 4x2 100.3 against conv_strip 80.0, so
     *       wider windows keep conv_strip.
     * Only these window sizes: conv_rows compiles one program per window
     * (on POCL under load 5, a 5x5 uint8 mirror one in 5 s, a 9x9 float
     * one in several), which a sweep of many small windows would wait
     * for. conv_strip (the 3-D passes, which ask for strips too)
     * keeps the shapes it had.
     * Streamed 3x3 outputs (host/direct.c, conv_rows.cl's non-temporal
     * stores) on the 2-core Zen 5 (AMD EPYC family 26 model 2, AVX-512),
     * 4096^2 float32 from malloc'ed host arrays, zero border, medians of 25
     * alternating the shapes in one process, time over 4x4's (streamed too):
     * 8x2 0.84-0.96, 6x2 0.84, 12x2 0.88, 16x1 0.98, 8x3 0.99, 6x4 1.11,
     * 2x8 1.22; 8x2 with cached stores 1.06x 4x4 with cached stores. uint8
     * outputs, never streamed, took 1.12-1.15x the time in 8x2: they keep
     * 4x4. */
    {CLCONV_DEVICE_CPU, "Portable Computing Language", NULL, 16, 32, 2, 9, 9,
     STRIP_ROWS(16, 4, 0, 8, 8, 4, 4, 8, 2, 1)},
    {CLCONV_DEVICE_CPU, "Portable Computing Language", NULL, 16, 32, 2, 25, 25,
     STRIP_ROWS(16, 8, 4, 8, 8, 4, 4, 0, 0, 1)},
    {CLCONV_DEVICE_CPU, "Portable Computing Language", NULL, 16, 32, 2, 81, 81,
     STRIP_ROWS(16, 8, 4, 8, 8, 4, 2, 0, 0, 1)},
    {CLCONV_DEVICE_CPU, "Portable Computing Language", NULL, 16, 32, 2, 16, SIZE_ANY,
     STRIP(16, 8, 4, 8, 8)},
    {CLCONV_DEVICE_CPU, "Portable Computing Language", NULL, 16, 64, 1, 32, SIZE_ANY,
     STRIP(8, 8, 4, 8, 8)},

    /* NVIDIA H100 80GB HBM3 (OpenCL 3.0 CUDA, driver 580.159.04; clpeak:
     * 64.5 TFLOP/s float32, 3.0 TB/s), float32, compute only, medians of 3
     * (`clconv bench --grid direct --quick` under CLCONV_DIRECT_PARAMS, 13
     * shapes). 1-D, 2^22 outputs: groups of 256 items of 8 outputs with
     * 256-tap blocks took 0.069/0.068/0.093/0.213/0.689 ms for 3/17/64/255/
     * 1024 taps (12.5 TFLOP/s at 1024) against 0.814 ms for the default
     * shape and 17.9 ms for 512-item groups. 2-D, 2048^2: 64x4 items of 2x2
     * outputs took 0.102/0.120/0.167 ms for 3x3/5x5/9x9 and 32x4 items of
     * 4x4 outputs 0.273 ms for 15x15 (6.9 TFLOP/s), against 0.142/0.156/
     * 0.206/0.322 for the default 32x8 of 2x2. The strip variant reached at
     * most 3.2 TFLOP/s. Short kernels are bound by memory (the padding copy
     * and the convolution each read and write the signal). */
    {CLCONV_DEVICE_GPU, "NVIDIA CUDA", "H100", 0, 32, 1, 1, SIZE_ANY,
     TILED(256, 1, 8, 1, 256, 1, 64)},
    {CLCONV_DEVICE_GPU, "NVIDIA CUDA", "H100", 0, 32, 2, 1, 120, TILED(64, 4, 2, 2, 16, 16, 64)},
    {CLCONV_DEVICE_GPU, "NVIDIA CUDA", "H100", 0, 32, 2, 121, SIZE_ANY,
     TILED(32, 4, 4, 4, 16, 16, 64)},

    /* Zen 3 (AMD EPYC family 25 model 1, AVX2: 16 vector registers of 8
     * floats, 2 vCPUs; POCL 3.1 names it pthread-haswell), 2-D float32
     * through the library from host arrays (NumPy's, 16 bytes past a line),
     * the shapes alternating in one process under CLCONV_DIRECT_PARAMS,
     * medians of 7-21, ms for rows x vectors per item in conv_rows.cl:
     *   3x3, 4096^2, zero border: 3x4 8.8-10.3, 2x4 9.2-10.6, 2x6 9.6-10.0,
     *       1x8 9.7, 4x2 13.1, 2x2 13.3, 8x2 16.9; conv_strip with 4 vectors
     *       of 8 19.1, of 16 12.9. Streamed against cached stores (3x4,
     *       paired rounds of 21-41): 0.75 to 1.5x, run to run, mirror 0.87
     *       to 0.99x; with 4 strips per item 1.3-2.1x. Why, measured since
     *       (2x4 items of 16 strips, medians of 7): a load at the page
     *       offset of a streamed store still in flight waits for it, and
     *       NumPy's arrays share their page offset, so each strip's halo
     *       waits on the strip stored before it: 13.6-16.9 ms with the
     *       output 0 to 32 floats past the input's page offset, 9.0 at 64,
     *       3.9-4.2 from 96 on, 4.9 cached. Taking an item's odd strips
     *       before its even ones cured that (4.2-4.5 ms at offset 0) but
     *       gained nothing on cached stores (4.4-4.5; mirror 4.9-5.1 against
     *       4.4-4.6), so AVX2 outputs keep cached stores (host/runtime.c).
     *   5x5, 4096^2, zero: 2x4 16.4, 3x4 18.6, 2x6 18.2, 4x2 19.1, 1x8
     *       21.9; conv_strip 39.6 (plain), 26.4 (6 vectors every 2 taps).
     *   9x9, 4096^2: zero 2x4 47.3, 4x2 48.3, 1x4 61.7; conv_strip 64.4;
     *       mirror 3x4 36.0, 2x4 39.7, 4x2 42.2.
     *   Strips per item, on a quieter day (medians of 15 alternating, zero /
     *       mirror border): 3x3 in 3x4 items of 4 strips 5.02/5.12 ms, 2x4
     *       items of 16 strips 4.68/4.72, of 8 4.84/4.81; 5x5 in 2x4 items
     *       of 4, 16 and 8 strips 8.03/9.48, 7.31/8.20, 7.54/8.59; 9x9
     *       22.38/23.45, 20.21/20.78, 21.02/21.71. 2048^2 5x5 (medians of
     *       21): 4 strips 2.22, 8 2.11, 16 2.15, 32 2.22. uint8 3x3 alike
     *       either way (5.06-5.09 zero, 5.52-5.56 mirror).
     *   15x15, 2048^2, mirror: conv_strip with 6 vectors every 2 taps 27.3,
     *       every 4 taps 29.9, 4 vectors every 4 32.5, the plain loop 55.4,
     *       conv_rows 2x4 71.2: wider windows take the 1-D entry's shape. */
    {CLCONV_DEVICE_CPU, "Portable Computing Language", NULL, 8, 32, 2, 9, 9,
     STRIP_ROWS(8, 4, 0, 8, 8, 2, 4, 0, 0, 16)},
    {CLCONV_DEVICE_CPU, "Portable Computing Language", NULL, 8, 32, 2, 25, 25,
     STRIP_ROWS(8, 6, 2, 8, 8, 2, 4, 0, 0, 16)},
    {CLCONV_DEVICE_CPU, "Portable Computing Language", NULL, 8, 32, 2, 81, 81,
     STRIP_ROWS(8, 6, 2, 8, 8, 2, 4, 0, 0, 16)},
    {CLCONV_DEVICE_CPU, "Portable Computing Language", NULL, 8, 32, 2, 16, SIZE_ANY,
     STRIP(8, 6, 2, 8, 8)},
    /* CPUs with 8-wide float vectors (AVX2), 1-D: 6 accumulators and a
     * window of 7 vectors shifted every 2 taps are the most that fit 16
     * registers beside the tap. On the Zen 3 above (2^22 samples, 'same',
     * host arrays, medians of 15 alternating in one process), ms at 2/3/9/
     * 17 taps: 1.82/1.93/1.46/1.98 against the plain loop's 2.03/2.00/1.80/
     * 3.76 in 4 vectors of 8, and 1.85/1.82/1.62/2.93 in 4 of 16 (which
     * also draws the compiler's ABI warning there). clconv_tune measures
     * the device's own best. */
    {CLCONV_DEVICE_CPU, NULL, NULL, 8, 32, 1, 2, SIZE_ANY, STRIP(8, 6, 2, 8, 8)},
    {CLCONV_DEVICE_CPU, NULL, NULL, 8, 64, 1, 32, SIZE_ANY, STRIP(4, 6, 2, 8, 8)},

    /* Defaults for devices nobody has measured, and on CPUs for windows
     * whose rows are short (every 2-D kernel here, 1-D below 32 taps): the
     * plain loop (no window), which is as fast there and compiles in a third
     * of the time, with strips of a size that fits any vector register
     * file. */
    {CLCONV_DEVICE_CPU, NULL, NULL, 0, 32, 0, 1, SIZE_ANY, STRIP(16, 4, 0, 8, 8)},
    {CLCONV_DEVICE_CPU, NULL, NULL, 0, 64, 0, 1, SIZE_ANY, STRIP(8, 4, 0, 8, 8)},
    {ANY_TYPE, NULL, NULL, 0, 0, 1, 1, SIZE_ANY, TILED(256, 1, 4, 1, 64, 1, 64)},
    {ANY_TYPE, NULL, NULL, 0, 0, 2, 1, SIZE_ANY, TILED(32, 8, 2, 2, 16, 16, 64)},
    {ANY_TYPE, NULL, NULL, 0, 32, 0, 1, SIZE_ANY, STRIP(16, 4, 0, 8, 8)},
    {ANY_TYPE, NULL, NULL, 0, 64, 0, 1, SIZE_ANY, STRIP(8, 4, 0, 8, 8)},
};

/* Column windows (kr x 1 with kr > 1: a separable problem's column pass,
 * or such a kernel given dense), searched before the table above; a
 * problem none of them matches takes the table's entry for its taps.
 * conv_rows loads each input row once for every output row of an item it
 * feeds, where conv_strip loads it once per tap. On the Zen 3 of the AVX2
 * entries above (4096^2 float32 from host arrays, zero border, medians of
 * 9-15 alternating in one process, ms): a dense 3x1 kernel took 4.78
 * through the catch-all conv_strip and 3.85-3.90 through conv_rows in items
 * of 2 x 4 or 2 x 6 vectors of 16 strips; 9x1 (the 3x3 entry's 2 x 4) 6.62
 * against 5.71-5.77 in 3 x 4, 4 x 4 or 2 x 6; 19x1 21.6 through conv_strip
 * against 10.4 (4 x 4), 11.0 (3 x 4, 6 x 2), 11.8 (2 x 6); 33x1 40.3
 * against 17.9 (6 x 2), 19.6 (3 x 4), 22.9 (4 x 4, 2 x 6). 3 x 4 is never
 * far from the best. A 4096^2 Gaussian of sigma 3 as two 19-tap passes
 * took 0.6-0.7x the time with its column pass in conv_rows. */
static const entry column_table[] = {
    {CLCONV_DEVICE_CPU, "Portable Computing Language", NULL, 8, 32, 2, 2, SIZE_ANY,
     STRIP_ROWS(8, 6, 2, 8, 8, 3, 4, 0, 0, 16)},
};

static int matches(const entry *e, const clconv_device_info *info, int precision, int dims,
                   size_t taps, clconv__direct_variant want)
{
    return (e->type == ANY_TYPE || e->type == (int)info->type) &&
           (!e->platform || strstr(info->platform, e->platform)) &&
           (!e->device || strstr(info->name, e->device)) &&
           (e->vector == 0 || e->vector == info->pref_vector_float) &&
           (e->precision == 0 || e->precision == precision) &&
           (e->dims == 0 || e->dims == dims) && taps >= e->taps_min && taps <= e->taps_max &&
           (want == CLCONV__DIRECT_ANY || e->p.variant == want);
}

/* The first of n entries that matches, or NULL. */
static const entry *first_match(const entry *entries, size_t n, const clconv_device_info *info,
                                int precision, int dims, size_t taps,
                                clconv__direct_variant want)
{
    for (size_t i = 0; i < n; i++)
        if (matches(&entries[i], info, precision, dims, taps, want)) return &entries[i];
    return NULL;
}

/* Never NULL: the catch-all entries match every problem of either variant. */
static const entry *lookup(const clconv_device_info *info, int precision, int dims, size_t taps,
                           clconv__direct_variant want)
{
    return first_match(table, sizeof table / sizeof table[0], info, precision, dims, taps, want);
}

static int in_range(unsigned v)
{
    return v >= 1 && v <= 1024;
}

int clconv__direct_params_valid(const clconv__direct_params *p)
{
    if (p->variant == CLCONV__DIRECT_STRIP)
        return (p->vec == 2 || p->vec == 4 || p->vec == 8 || p->vec == 16) &&
               in_range(p->nacc) && in_range(p->wgx) && p->rows <= 64 &&
               (p->rows == 0 || (in_range(p->rows_nacc) && p->spi >= 1 && p->spi <= 64)) &&
               (p->unroll == 0 || p->unroll == 1 || p->unroll == 2 || p->unroll == 4);
    return p->variant == CLCONV__DIRECT_TILED && in_range(p->wgx) && in_range(p->wgy) &&
           in_range(p->wptx) && in_range(p->wpty) && in_range(p->kbx) && in_range(p->kby);
}

/* Parses CLCONV_DIRECT_PARAMS, "tiled:WGX,WGY,WPTX,WPTY,KBX,KBY" or
 * "strip:VEC,NACC,WGX[,UNROLL[,ROWS[,SPI]]]", over the table's entry base of
 * the same variant (an UNROLL or ROWS left out stays the entry's): what a
 * tuning sweep sets to measure a device before its entry is added to the
 * table. ROWS 0 runs conv_strip.cl, ROWS > 0 (2-D single passes)
 * conv_rows.cl with ROWS output rows of NACC vectors per strip and SPI
 * strips per item (1 when left out). */
static int parse_override(const clconv_runtime *rt, const char *env,
                          const clconv__direct_params *base, clconv__direct_params *out)
{
    unsigned v[6];
    int used = 0, ok = 0;
    *out = *base;
    if (strncmp(env, "tiled:", 6) == 0) {
        ok = sscanf(env + 6, "%u,%u,%u,%u,%u,%u%n", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                    &used) == 6;
        if (ok) {
            out->wgx = v[0], out->wgy = v[1], out->wptx = v[2], out->wpty = v[3];
            out->kbx = v[4], out->kby = v[5];
        }
    } else if (strncmp(env, "strip:", 6) == 0) {
        v[3] = base->unroll;
        const int n = sscanf(env + 6, "%u,%u,%u%n,%u%n,%u%n,%u%n", &v[0], &v[1], &v[2], &used,
                             &v[3], &used, &v[4], &used, &v[5], &used);
        ok = n >= 3;
        if (ok) out->vec = v[0], out->nacc = v[1], out->wgx = v[2], out->unroll = v[3];
        /* Given ROWS, NACC is conv_rows' too; else the entry's conv_rows shape holds. */
        if (n >= 5) {
            out->rows = v[4], out->rows_nacc = v[4] ? v[1] : 0;
            out->stream_rows = out->stream_nacc = 0;
            out->spi = n == 6 ? v[5] : 1;
            ok = out->spi >= 1;
        }
    }
    if (!ok || env[6 + used] != '\0' || !clconv__direct_params_valid(out))
        return CLCONV_FAIL(rt, CLCONV_EINVAL,
                           "CLCONV_DIRECT_PARAMS='%s': expected tiled:WGX,WGY,WPTX,WPTY,KBX,KBY "
                           "or strip:VEC,NACC,WGX[,UNROLL[,ROWS[,SPI]]] (VEC 2, 4, 8 or 16; "
                           "UNROLL 0, 1, 2 or 4; ROWS 0..64; SPI 1..64; other values 1..1024)",
                           env);
    return 0;
}

/* Bytes of local memory conv_tiled declares for p. */
static size_t tiled_local_bytes(const clconv__direct_params *p, size_t es)
{
    size_t h = (size_t)p->wgy * p->wpty + p->kby - 1;
    size_t w = (size_t)p->wgx * p->wptx + p->kbx - 1;
    return (h * w + (size_t)p->kby * p->kbx) * es;
}

/* The shape clconv_tune stored for dtype and dims over the table entry e of
 * the same variant (which gives the padding copy's width and the piece
 * budget), when there is one that the device can run; 0 when it was used. */
static int tuned(clconv_runtime *rt, clconv_dtype dtype, int dims, const entry *e,
                 clconv__direct_params *out)
{
    clconv__model m;
    if (clconv__model_get(rt, &m) != 0) return -1;
    const int d = dtype == CLCONV_F64, k = dims == 2;
    if (!m.direct_tuned[d][k] || m.direct[d][k].variant != e->p.variant) return -1;
    const clconv__direct_params *t = &m.direct[d][k];
    const size_t group = (size_t)t->wgx * (t->variant == CLCONV__DIRECT_TILED ? t->wgy : 1);
    if (group > rt->info.max_work_group_size ||
        (t->variant == CLCONV__DIRECT_TILED &&
         tiled_local_bytes(t, clconv_dtype_size(dtype)) > rt->info.local_mem_bytes))
        return -1;
    *out = e->p;
    out->vec = t->vec, out->nacc = t->nacc, out->unroll = t->unroll, out->wgx = t->wgx;
    out->wgy = t->wgy;
    out->wptx = t->wptx, out->wpty = t->wpty, out->kbx = t->kbx, out->kby = t->kby;
    return 0;
}

/* An entry's vectors narrowed to those the device takes whole
 * (clconv__vector_fit): a catch-all entry's 16 floats on an AVX2 CPU become
 * 8 with as many accumulators, each then one register where it was two.
 * (CLCONV_DIRECT_PARAMS keeps the width it names.) Returns 0. */
static int fit_vectors(const clconv_runtime *rt, clconv_dtype dtype, clconv__direct_params *p)
{
    if (p->variant == CLCONV__DIRECT_STRIP) p->vec = clconv__vector_fit(rt, dtype, p->vec);
    p->pad_vec = clconv__vector_fit(rt, dtype, p->pad_vec);
    return 0;
}

int clconv__direct_params_get(clconv_runtime *rt, clconv_dtype dtype, int dims, size_t kr,
                              size_t kc, clconv__direct_variant want,
                              clconv__direct_params *out)
{
    const clconv_device_info *info = &rt->info;
    const int precision = dtype == CLCONV_F64 ? 64 : 32;
    size_t taps;
    RETURN_IF(rt, clconv__mul_ok(kr, kc, &taps), CLCONV_EOVERFLOW,
              "window of %zu x %zu taps overflows", kr, kc);

    const char *env = getenv("CLCONV_DIRECT_VARIANT");
    if (want == CLCONV__DIRECT_ANY && env && *env) {
        if (strcmp(env, "strip") == 0) want = CLCONV__DIRECT_STRIP;
        else if (strcmp(env, "tiled") == 0) want = CLCONV__DIRECT_TILED;
        else
            return CLCONV_FAIL(rt, CLCONV_EINVAL,
                               "CLCONV_DIRECT_VARIANT='%s': expected strip or tiled", env);
    }

    const char *over = getenv("CLCONV_DIRECT_PARAMS");
    if (want == CLCONV__DIRECT_ANY && over && *over) {
        const clconv__direct_variant v =
            strncmp(over, "strip:", 6) == 0 ? CLCONV__DIRECT_STRIP : CLCONV__DIRECT_TILED;
        FORWARD_IF_ERROR(parse_override(rt, over, &lookup(info, precision, dims, taps, v)->p, out));
        out->pad_vec = clconv__vector_fit(rt, dtype, out->pad_vec);
        const size_t group = (size_t)out->wgx * out->wgy;
        const size_t local = tiled_local_bytes(out, clconv_dtype_size(dtype));
        RETURN_IF(rt, out->variant == CLCONV__DIRECT_TILED &&
                          (group > info->max_work_group_size || local > info->local_mem_bytes),
                  CLCONV_EINVAL,
                  "CLCONV_DIRECT_PARAMS='%s' needs a %zu-item work-group and %zu bytes of "
                  "local memory; '%s' offers %zu and %llu", over, group, local, info->name,
                  info->max_work_group_size, (unsigned long long)info->local_mem_bytes);
        RETURN_IF(rt, out->variant == CLCONV__DIRECT_STRIP && out->wgx > info->max_work_group_size,
                  CLCONV_EINVAL, "CLCONV_DIRECT_PARAMS='%s': work-group of %u items; '%s' "
                  "offers %zu", over, out->wgx, info->name, info->max_work_group_size);
        return 0;
    }

    const entry *e = dims == 2 && kc == 1 && kr > 1
                         ? first_match(column_table, sizeof column_table / sizeof column_table[0],
                                       info, precision, dims, taps, want)
                         : NULL;
    if (!e) e = lookup(info, precision, dims, taps, want);
    if (tuned(rt, dtype, dims, e, out) == 0) return fit_vectors(rt, dtype, out);
    if (e->p.variant == CLCONV__DIRECT_TILED) {
        const size_t group = (size_t)e->p.wgx * e->p.wgy;
        const size_t local = tiled_local_bytes(&e->p, clconv_dtype_size(dtype));
        if (group > info->max_work_group_size || local > info->local_mem_bytes) {
            clconv__note(rt,
                         "direct: tiled variant needs a %zu-item work-group and %zu bytes of "
                         "local memory; '%s' offers %zu and %llu, using strips",
                         group, local, info->name, info->max_work_group_size,
                         (unsigned long long)info->local_mem_bytes);
            e = lookup(info, precision, dims, taps, CLCONV__DIRECT_STRIP);
        }
    }
    *out = e->p;
    return fit_vectors(rt, dtype, out);
}

void clconv__direct_params_options(const clconv__direct_params *p, clconv_dtype dtype,
                                   char *buf, size_t len)
{
    const int precision = dtype == CLCONV_F64 ? 64 : 32;
    if (p->variant == CLCONV__DIRECT_STRIP)
        snprintf(buf, len, "-DPRECISION=%d -DVEC=%u -DNACC=%u -DUNROLL=%u", precision, p->vec,
                 p->nacc, p->unroll);
    else
        snprintf(buf, len, "-DPRECISION=%d -DWGX=%u -DWGY=%u -DWPTX=%u -DWPTY=%u -DKBX=%u -DKBY=%u",
                 precision, p->wgx, p->wgy, p->wptx, p->wpty, p->kbx, p->kby);
}

void clconv__direct_params_block(const clconv__direct_params *p, size_t *rows, size_t *cols)
{
    if (p->variant == CLCONV__DIRECT_STRIP) {
        *rows = 1;
        *cols = (size_t)p->vec * p->nacc;
    } else {
        *rows = (size_t)p->wgy * p->wpty;
        *cols = (size_t)p->wgx * p->wptx;
    }
}

/* conv_vol's table (host/direct3d.c's 3-D direct pass), first match wins;
 * the bounds are on the window's kd * kr * kc taps. Measured on the
 * project's AMD EPYC Zen 4 (2 vCPUs, AVX-512, POCL 3.1), 256^3 volumes from
 * host arrays, the shapes alternating in one process (medians of 5-9, CPU
 * time, load average 4-7, so only the ratios mean anything):
 * - float32 3^3: 4 planes x 4 vectors of 16 per item in groups of 4 took
 *   26 ms against 32-42 for the one-plane strips over the same slabs; 2 or
 *   6 planes, 2 vectors, or groups of 4 x 4 to 4 x 256 items were within
 *   the noise (22-25 ms); 2 rows per item (RB 2) took 68-82 ms and 4
 *   rows 115, not looked into further.
 * - float32 5^3 and 7^3, window loops at run time: 87 and 157-167 ms
 *   against the strips' 80-90 and 173-231; 7^3 compiled in and unrolled
 *   took 420, so windows over 32 taps keep their loops.
 * - float64 3^3, vectors of 8: 56 against the strips' 61 ms. */
typedef struct vol_entry {
    int type;
    const char *platform;
    unsigned vector;  /* preferred float vector width, 0 for any */
    int precision;    /* 32, 64, or 0 for both */
    size_t taps_min, taps_max;
    clconv__vol_params p;
} vol_entry;

static const vol_entry vol_table[] = {
    {CLCONV_DEVICE_CPU, "Portable Computing Language", 16, 32, 1, SIZE_ANY,
     {16, 4, 4, 1, 4, 1, 32, 0}},
    {CLCONV_DEVICE_CPU, "Portable Computing Language", 16, 64, 1, SIZE_ANY,
     {8, 4, 4, 1, 4, 1, 32, 0}},
    {ANY_TYPE, NULL, 0, 32, 1, SIZE_ANY, {8, 2, 4, 1, 4, 1, 32, 0}},
    {ANY_TYPE, NULL, 0, 64, 1, SIZE_ANY, {4, 2, 4, 1, 4, 1, 32, 0}},
};

static int vol_valid(const clconv__vol_params *p)
{
    return (p->vec == 2 || p->vec == 4 || p->vec == 8 || p->vec == 16) && p->nacc >= 1 &&
           p->nacc <= 16 && p->zb >= 1 && p->zb <= 16 && p->rb >= 1 && p->rb <= 16 &&
           in_range(p->wgx) && in_range(p->wgy);
}

int clconv__vol_params_get(clconv_runtime *rt, clconv_dtype dtype, size_t kd, size_t kr,
                           size_t kc, clconv__vol_params *out)
{
    const clconv_device_info *info = &rt->info;
    const int precision = dtype == CLCONV_F64 ? 64 : 32;
    size_t taps;
    RETURN_IF(rt, clconv__mul_ok(kd, kr, &taps) || clconv__mul_ok(taps, kc, &taps),
              CLCONV_EOVERFLOW, "window of %zu x %zu x %zu taps overflows", kd, kr, kc);
    size_t i = 0;
    for (;; i++) {
        const vol_entry *e = &vol_table[i];
        if ((e->type == ANY_TYPE || e->type == (int)info->type) &&
            (!e->platform || strstr(info->platform, e->platform)) &&
            (e->vector == 0 || e->vector == info->pref_vector_float) &&
            (e->precision == 0 || e->precision == precision) && taps >= e->taps_min &&
            taps <= e->taps_max)
            break;
    }
    *out = vol_table[i].p;
    out->vec = clconv__vector_fit(rt, dtype, out->vec);
    /* A table entry's group shrinks to what the device runs. */
    const size_t most = info->max_work_group_size ? info->max_work_group_size : 1;
    if (out->wgx > most) out->wgx = (unsigned)most;
    if ((size_t)out->wgx * out->wgy > most) out->wgy = (unsigned)(most / out->wgx);
    const char *env = getenv("CLCONV_VOL_PARAMS");
    if (!env || !*env) return 0;
    if (strcmp(env, "strip") == 0) {
        out->strips = 1;
        return 0;
    }
    unsigned v[7] = {0, 0, 0, 0, 0, 0, out->fixed_taps};
    int used = 0;
    const int got = sscanf(env, "%u,%u,%u,%u,%u,%u%n,%u%n", &v[0], &v[1], &v[2], &v[3], &v[4],
                           &v[5], &used, &v[6], &used);
    const clconv__vol_params o = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], 0};
    if (got < 6 || env[used] != '\0' || !vol_valid(&o))
        return CLCONV_FAIL(rt, CLCONV_EINVAL,
                           "CLCONV_VOL_PARAMS='%s': expected VEC,NACC,ZB,RB,WGX,WGY[,FIXED] or "
                           "strip (VEC 2, 4, 8 or 16; NACC, ZB and RB 1..16; WGX and WGY "
                           "1..1024)",
                           env);
    RETURN_IF(rt, (size_t)o.wgx * o.wgy > most, CLCONV_EINVAL,
              "CLCONV_VOL_PARAMS='%s': a work-group of %u x %u items; '%s' offers %zu", env,
              o.wgx, o.wgy, info->name, most);
    *out = o;
    return 0;
}
