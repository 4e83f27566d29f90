/*
 * Direct 3-D convolution dispatch: a validated problem with dims == 3
 * (dispatch.h) becomes launches of kernels/pad.cl's pad_volume and
 * kernels/conv_vol.cl. The volume is first copied into padded slabs of a
 * few output planes, extended by the boundary mode (or zero), rows padded
 * so that every window lies inside, and each slab is convolved while it is
 * still in the cache. conv_vol's work-items each hold a block of output
 * planes x one row's strip of vectors and sum every tap of the
 * kd x kr x kc window into it, loading each input vector once for all the
 * block's planes it feeds (256^3 with 3^3, float32, AMD EPYC Zen 4, POCL
 * 3.1: 0.8 of the CPU time of conv_strip.cl's one-plane strips over the
 * same slabs, 0.68-0.97 with 7^3; README's 3-D section has the figures).
 * CLCONV_VOL_PARAMS=strip runs those strips instead, for measuring.
 *
 * Reading the volume where it lies instead of a padded copy (conv_strip's
 * BOUNDARY build, which 2-D uses, or conv_vol's loads mapped through the
 * mode) was slower in every form measured: the strips at the rows' edges
 * load partial vectors lane by lane at every row of taps: a 256-column row
 * has 4 strips of 64, 2 of them at an edge, and on the project's Xeon
 * 256^3 with 3^3 took 2 to 3 times as long that way (110-165 against 49-56
 * ms, a loaded machine), and 995 against 258 ms with the two calls
 * alternating in one run; conv_vol reading in place took as much CPU as
 * copy and convolution together with no edge handling at all (see
 * kernels/conv_vol.cl). The copy moves the inside of each row as whole
 * vectors and maps only the kernel's halo through the mode. Only when one
 * padded plane slab does not fit an allocation does the volume run
 * unpadded, through conv_strip's BOUNDARY build.
 *
 * The operands never swap roles (2-D swaps them when the kernel is larger):
 * a kernel larger than the volume costs out * k taps here, correct but
 * slower; the automatic method's cost model charges that. The tiled GPU
 * kernel is 2-D only, so 3-D runs strips on every device.
 *
 * Separable problems run three 1-D passes of the same kernel: along rows
 * from the volume (through the boundary mode) into an intermediate that
 * covers every row and plane the later passes read, down columns, then
 * along depth into the output. The first pass reads the mode's extension,
 * so CONSTANT's cval is weighted by the later passes' taps exactly as in
 * the full 3-D sum. Intermediates come from the scratch pool, a group of
 * volumes at a time.
 */
#include "dispatch.h"
#include "params.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* The padded slabs take this share of the direct kernels' piece budget
 * (params.h): the padding copy writes a slab and the strips read it back,
 * so it should stay in the cores' L2. On the project's 2-core Xeon (2 MiB of
 * L2 per core, budget 8 MiB) 256^3 with 3^3 took 49-56 ms with 4 MiB slabs
 * against 62-99 with 2, 75-89 with 8 and 85-132 with 16 (a loaded machine,
 * best and median of 7). */
#define SLAB_SHARE 2

/* A packed array of volumes as a strip pass reads or writes it. */
typedef struct vol {
    cl_mem mem;
    cl_ulong offset;  /* elements before the first volume */
    size_t ext[3];    /* rows, columns, planes per volume */
} vol;

static cl_ulong vol_elems(const vol *v) { return (cl_ulong)v->ext[0] * v->ext[1] * v->ext[2]; }

/* Work-items rounded up to whole groups (OpenCL 1.2 wants it). */
static size_t round_groups(size_t items, size_t group)
{
    return (items + group - 1) / group * group;
}

/* How a strip pass reads its input outside the window's reach. */
enum reads {
    READS_ZERO,     /* outside reads as zero */
    READS_BOUNDARY, /* outside reads through g's boundary mode */
    READS_INSIDE    /* every window lies inside (a padded slab) */
};

/* One launch of conv_strip over `batch` volumes: output [z][r][c] of each
 * sums in[z + off[2] + p][r + off[0] + i][c + off[1] + j] * w[p][i][j] over
 * the window win (rows, columns, planes), with w the taps walked forwards
 * or, reversed, backwards, reading `in` as `reads` says. */
static int strip_pass(clconv_runtime *rt, const clconv__geom *g, enum reads reads,
                      const vol *in, const cl_long off[3], cl_mem taps, int reversed,
                      const size_t win[3], const vol *out, size_t batch)
{
    RETURN_IF(rt, win[0] > UINT_MAX || win[1] > UINT_MAX || win[2] > UINT_MAX,
              CLCONV_EOVERFLOW, "a %zu x %zu x %zu window is too large for the direct kernels",
              win[2], win[0], win[1]);
    clconv__direct_params p;
    FORWARD_IF_ERROR(clconv__direct_params_get(rt, g->dtype, 2, win[0], win[1],
                                               CLCONV__DIRECT_STRIP, &p));
    char options[192];
    clconv__direct_params_options(&p, g->dtype, options, sizeof options);
    const int boundary_reads = reads == READS_BOUNDARY && g->boundary;
    if (boundary_reads || reads == READS_INSIDE) {
        size_t used = strlen(options);
        snprintf(options + used, sizeof options - used,
                 boundary_reads ? " -DBOUNDARY=1" : " -DINSIDE=1");
    }
    size_t rb, cb;
    clconv__direct_params_block(&p, &rb, &cb);
    cl_kernel k;
    FORWARD_IF_ERROR(clconv__kernel_create(rt, "conv_strip", options, "conv_strip", &k));

    const cl_ulong in_pitch = in->ext[1], in_plane = (cl_ulong)in->ext[0] * in->ext[1];
    const cl_ulong in_batch = vol_elems(in);
    const cl_long in_rows = (cl_long)in->ext[0], in_cols = (cl_long)in->ext[1];
    const cl_long in_planes = (cl_long)in->ext[2];
    const cl_int boundary = boundary_reads ? (cl_int)g->boundary : CLCONV_BOUNDARY_NONE;
    const cl_float cval32 = (cl_float)g->cval;
    const cl_double cval64 = g->cval;
    const clconv__arg cval = g->dtype == CLCONV_F64 ? (clconv__arg)CLCONV__ARG(cval64)
                                                    : (clconv__arg)CLCONV__ARG(cval32);
    const size_t taps_len = win[0] * win[1] * win[2];
    const cl_ulong taps_offset = reversed ? taps_len - 1 : 0, taps_batch = 0;
    const cl_int taps_step = reversed ? -1 : 1;
    const cl_uint kr = (cl_uint)win[0], kc = (cl_uint)win[1], kd = (cl_uint)win[2];
    const cl_ulong out_pitch = out->ext[1], out_plane = (cl_ulong)out->ext[0] * out->ext[1];
    const cl_ulong out_batch = vol_elems(out), out_width = out->ext[1];
    const cl_ulong out_planes = out->ext[2];
    const clconv__arg args[] = {
        CLCONV__ARG(in->mem),     CLCONV__ARG(in->offset),  CLCONV__ARG(in_pitch),
        CLCONV__ARG(in_batch),    CLCONV__ARG(in_rows),     CLCONV__ARG(in_cols),
        CLCONV__ARG(off[0]),      CLCONV__ARG(off[1]),      CLCONV__ARG(boundary),
        cval,                     CLCONV__ARG(taps),        CLCONV__ARG(taps_offset),
        CLCONV__ARG(taps_batch),  CLCONV__ARG(taps_step),   CLCONV__ARG(kr),
        CLCONV__ARG(kc),          CLCONV__ARG(out->mem),    CLCONV__ARG(out->offset),
        CLCONV__ARG(out_pitch),   CLCONV__ARG(out_batch),   CLCONV__ARG(out_width),
        CLCONV__ARG(in_plane),    CLCONV__ARG(in_planes),   CLCONV__ARG(off[2]),
        CLCONV__ARG(kd),          CLCONV__ARG(out_plane),   CLCONV__ARG(out_planes)};
    int status = clconv__set_args(rt, k, args, sizeof args / sizeof args[0], "conv_strip");
    if (status == 0) {
        /* Groups of p.wgx items, rows side by side when a row has fewer
         * strips: a 256-column row has 4 strips of 64, and groups of 8 along
         * rows alone would leave half their items idle. */
        const size_t strips = out->ext[1] / cb + (out->ext[1] % cb != 0);
        size_t lws[3] = {p.wgx, 1, 1};
        if (strips < p.wgx) {
            lws[0] = strips;
            for (size_t ry = p.wgx / strips; ry > 1; ry--)
                if (out->ext[0] % ry == 0) {
                    lws[1] = ry;
                    break;
                }
        }
        const size_t gws[3] = {round_groups(strips, lws[0]), out->ext[0], batch * out->ext[2]};
        status = clconv__launch(rt, k, 3, gws, lws, "conv_strip");
    }
    clReleaseKernel(k);
    return status;
}

/* Offsets that put the window of output [0][0][0] where out[o] reads
 * x[o + start - (k - 1) + t] (dispatch.h), per dimension. */
static void window_offsets(const clconv__geom *g, cl_long off[3])
{
    for (int d = 0; d < 3; d++) off[d] = (cl_long)g->start[d] - (cl_long)(g->k[d] - 1);
}

/* The single launch over the unpadded volume: the fallback when not even
 * one output plane's padded slab fits an allocation. */
static int run_unpadded(clconv_runtime *rt, const clconv__geom *g, cl_mem signal, cl_mem kernel,
                        cl_mem out)
{
    const vol in = {signal, 0, {g->n[0], g->n[1], g->n[2]}};
    const vol res = {out, 0, {g->out[0], g->out[1], g->out[2]}};
    cl_long off[3];
    window_offsets(g, off);
    clconv__note(rt, "direct 3-D: strips over the unpadded source, %zu x %zu x %zu x %zu outputs",
                 g->batch, g->out[2], g->out[0], g->out[1]);
    return strip_pass(rt, g, READS_BOUNDARY, &in, off, kernel, !g->correlate, g->k, &res,
                      g->batch);
}

/* v rounded up to a multiple of m. */
static size_t round_to(size_t v, size_t m) { return (v + m - 1) / m * m; }

/* One launch of conv_vol over `batch` padded slabs in which every window
 * lies: output [z][r][c] of each sums in[z + p][r + i][c + j] * w[p][i][j]
 * over the window g->k, with the taps reversed for convolution. */
static int vol_pass(clconv_runtime *rt, const clconv__geom *g, const clconv__vol_params *vp,
                    const vol *in, cl_mem taps, const vol *out, size_t batch)
{
    const size_t *k = g->k;
    RETURN_IF(rt, k[0] > UINT_MAX || k[1] > UINT_MAX || k[2] > UINT_MAX, CLCONV_EOVERFLOW,
              "a %zu x %zu x %zu window is too large for the direct kernels", k[2], k[0], k[1]);
    char options[160];
    const int used = snprintf(options, sizeof options,
                              "-DPRECISION=%d -DVEC=%u -DNACC=%u -DZB=%u -DRB=%u",
                              g->dtype == CLCONV_F64 ? 64 : 32, vp->vec, vp->nacc, vp->zb, vp->rb);
    if (k[0] * k[1] * k[2] <= vp->fixed_taps)
        snprintf(options + used, sizeof options - (size_t)used, " -DKD=%zu -DKR=%zu -DKC=%zu",
                 k[2], k[0], k[1]);
    cl_kernel kern;
    FORWARD_IF_ERROR(clconv__kernel_create(rt, "conv_vol", options, "conv_vol", &kern));
    const cl_ulong in_pitch = in->ext[1], in_plane = (cl_ulong)in->ext[0] * in->ext[1];
    const cl_ulong in_batch = vol_elems(in), in_rows = in->ext[0], in_planes = in->ext[2];
    const size_t taps_len = k[0] * k[1] * k[2];
    const cl_ulong taps_offset = g->correlate ? 0 : taps_len - 1;
    const cl_int taps_step = g->correlate ? 1 : -1;
    const cl_uint kr = (cl_uint)k[0], kc = (cl_uint)k[1], kd = (cl_uint)k[2];
    const cl_ulong out_pitch = out->ext[1], out_plane = (cl_ulong)out->ext[0] * out->ext[1];
    const cl_ulong out_batch = vol_elems(out), out_width = out->ext[1], out_rows = out->ext[0];
    const cl_ulong out_planes = out->ext[2];
    const clconv__arg args[] = {
        CLCONV__ARG(in->mem),    CLCONV__ARG(in->offset), CLCONV__ARG(in_pitch),
        CLCONV__ARG(in_plane),   CLCONV__ARG(in_batch),   CLCONV__ARG(in_rows),
        CLCONV__ARG(in_planes),  CLCONV__ARG(taps),       CLCONV__ARG(taps_offset),
        CLCONV__ARG(taps_step),  CLCONV__ARG(kd),         CLCONV__ARG(kr),
        CLCONV__ARG(kc),         CLCONV__ARG(out->mem),   CLCONV__ARG(out->offset),
        CLCONV__ARG(out_pitch),  CLCONV__ARG(out_plane),  CLCONV__ARG(out_batch),
        CLCONV__ARG(out_width),  CLCONV__ARG(out_rows),   CLCONV__ARG(out_planes)};
    int status = clconv__set_args(rt, kern, args, sizeof args / sizeof args[0], "conv_vol");
    if (status == 0) {
        const size_t strip = (size_t)vp->vec * vp->nacc;
        const size_t strips = (out->ext[1] + strip - 1) / strip;
        const size_t rblocks = (out->ext[0] + vp->rb - 1) / vp->rb;
        const size_t runs = (out->ext[2] + vp->zb - 1) / vp->zb;
        const size_t lws[3] = {strips < vp->wgx ? strips : vp->wgx,
                               rblocks < vp->wgy ? rblocks : vp->wgy, 1};
        const size_t gws[3] = {round_groups(strips, lws[0]), round_groups(rblocks, lws[1]),
                               batch * runs};
        status = clconv__launch(rt, kern, 3, gws, lws, "conv_vol");
    }
    clReleaseKernel(kern);
    return status;
}

int clconv__direct3d_run(clconv_runtime *rt, const clconv__geom *g, cl_mem signal,
                         cl_mem kernel, cl_mem out)
{
    const size_t es = clconv_dtype_size(g->dtype);
    clconv__direct_params p;
    FORWARD_IF_ERROR(clconv__direct_params_get(rt, g->dtype, 2, g->k[0], g->k[1],
                                               CLCONV__DIRECT_STRIP, &p));
    clconv__vol_params vp;
    FORWARD_IF_ERROR(clconv__vol_params_get(rt, g->dtype, g->k[2], g->k[0], g->k[1], &vp));
    const int strips_only = vp.strips;
    size_t rb, cb;
    clconv__direct_params_block(&p, &rb, &cb);
    if (!strips_only) cb = (size_t)vp.vec * vp.nacc;
    /* A padded plane: every strip's window inside, rows 64-byte aligned. */
    const size_t rows_p = g->out[0] + g->k[0] - 1;
    const size_t cols_p = round_to(round_to(g->out[1], cb) + g->k[1] - 1, 16);
    const double plane_bytes = (double)rows_p * (double)cols_p * (double)es;
    const double limit = (double)rt->max_alloc;
    double budget = (double)((size_t)p.piece_mib << 20) / SLAB_SHARE;
    if (budget > limit) budget = limit;
    /* Output planes per slab: as many as the budget holds with their halo,
     * in whole runs of the kernel's planes per work-item where it can. */
    double fit = floor(budget / plane_bytes) - (double)(g->k[2] - 1);
    if (fit < 1) {
        if ((double)g->k[2] * plane_bytes > limit) return run_unpadded(rt, g, signal, kernel, out);
        fit = 1;
    }
    if (!strips_only && fit > vp.zb) fit = floor(fit / vp.zb) * vp.zb;
    const size_t slab = fit < (double)g->out[2] ? (size_t)fit : g->out[2];
    const size_t planes_p = slab + g->k[2] - 1;
    /* Whole volumes go several to a launch when the budget holds them. */
    size_t group = 1;
    if (slab == g->out[2]) {
        const double per = (double)planes_p * plane_bytes;
        group = (size_t)fmax(1.0, floor(budget / per));
        if (group > g->batch) group = g->batch;
    }
    cl_mem scratch = NULL;
    cl_kernel pad = NULL;
    char options[64];
    snprintf(options, sizeof options, "-DPRECISION=%d -DPADV=%u",
             g->dtype == CLCONV_F64 ? 64 : 32, p.pad_vec);
    int status = clconv__scratch_get(rt, (size_t)plane_bytes * planes_p * group, &scratch);
    if (status == 0) status = clconv__kernel_create(rt, "pad", options, "pad_volume", &pad);
    if (status == 0)
        clconv__note(rt,
                     "direct 3-D: %s over padded slabs of %zu output plane(s), %zu "
                     "volume(s) at a time, padded %zu x %zu x %zu",
                     strips_only ? "one-plane strips" : "conv_vol blocks", slab, group,
                     planes_p, rows_p, cols_p);
    cl_long off[3];
    window_offsets(g, off);
    const cl_ulong src_volume = (cl_ulong)g->n[0] * g->n[1] * g->n[2];
    const cl_ulong out_volume = (cl_ulong)g->out[0] * g->out[1] * g->out[2];
    const cl_long planes = (cl_long)g->n[2], rows = (cl_long)g->n[0], cols = (cl_long)g->n[1];
    const cl_int boundary = (cl_int)g->boundary;
    const cl_float cval32 = (cl_float)g->cval;
    const cl_double cval64 = g->cval;
    const clconv__arg cval = g->dtype == CLCONV_F64 ? (clconv__arg)CLCONV__ARG(cval64)
                                                    : (clconv__arg)CLCONV__ARG(cval32);
    const cl_ulong dst_rows = rows_p, dst_pitch = cols_p, dst_plane = (cl_ulong)rows_p * cols_p;
    const cl_ulong dst_width = round_to(g->out[1], cb) + g->k[1] - 1;
    static const cl_long inside[3] = {0, 0, 0};
    for (size_t b0 = 0; b0 < g->batch && status == 0; b0 += group) {
        const size_t nb = group < g->batch - b0 ? group : g->batch - b0;
        for (size_t z0 = 0; z0 < g->out[2] && status == 0; z0 += slab) {
            const size_t nz = slab < g->out[2] - z0 ? slab : g->out[2] - z0;
            const cl_ulong src_offset = b0 * src_volume, slab_planes = nz + g->k[2] - 1;
            const cl_long plane_off = off[2] + (cl_long)z0;
            const clconv__arg args[] = {
                CLCONV__ARG(signal),    CLCONV__ARG(src_offset), CLCONV__ARG(src_volume),
                CLCONV__ARG(planes),    CLCONV__ARG(rows),       CLCONV__ARG(cols),
                CLCONV__ARG(plane_off), CLCONV__ARG(off[0]),     CLCONV__ARG(off[1]),
                CLCONV__ARG(boundary),  cval,                    CLCONV__ARG(scratch),
                CLCONV__ARG(dst_rows),  CLCONV__ARG(dst_pitch),  CLCONV__ARG(dst_plane),
                CLCONV__ARG(slab_planes), CLCONV__ARG(dst_width)};
            status = clconv__set_args(rt, pad, args, sizeof args / sizeof args[0], "pad_volume");
            if (status == 0) {
                const size_t gws[2] = {round_groups(rows_p, p.wgx), nb * (size_t)slab_planes};
                const size_t lws[2] = {p.wgx, 1};
                status = clconv__launch(rt, pad, 2, gws, lws, "pad_volume");
            }
            if (status == 0) {
                const vol in = {scratch, 0, {rows_p, cols_p, (size_t)slab_planes}};
                const vol res = {out, b0 * out_volume + z0 * g->out[0] * g->out[1],
                                 {g->out[0], g->out[1], nz}};
                status = strips_only ? strip_pass(rt, g, READS_INSIDE, &in, inside, kernel,
                                                  !g->correlate, g->k, &res, nb)
                                     : vol_pass(rt, g, &vp, &in, kernel, &res, nb);
            }
        }
    }
    /* Pooled scratch may be handed back once its users are enqueued. */
    clconv__scratch_release(rt, scratch);
    if (pad) clReleaseKernel(pad);
    return status;
}

int clconv__direct3d_separable_run(clconv_runtime *rt, const clconv__geom *g, cl_mem signal,
                                   cl_mem kz, cl_mem ky, cl_mem kx, cl_mem out)
{
    const size_t es = clconv_dtype_size(g->dtype);
    /* Pass 1 (rows) covers every row and plane the column and depth passes
     * read; pass 2 (columns) every plane the depth pass reads. */
    size_t ext1[3] = {g->out[0] + g->k[0] - 1, g->out[1], g->out[2] + g->k[2] - 1};
    size_t ext2[3] = {g->out[0], g->out[1], ext1[2]};
    size_t per1, per2;
    RETURN_IF(rt,
              clconv__mul_ok(ext1[0], ext1[1], &per1) || clconv__mul_ok(per1, ext1[2], &per1) ||
                  clconv__mul_ok(per1, es, &per1) || clconv__mul_ok(ext2[0], ext2[1], &per2) ||
                  clconv__mul_ok(per2, ext2[2], &per2) || clconv__mul_ok(per2, es, &per2),
              CLCONV_EOVERFLOW, "the separable passes' intermediates overflow a byte count");
    const uint64_t limit = rt->max_alloc;
    RETURN_IF(rt, per1 > limit || per2 > limit, CLCONV_EOVERFLOW,
              "separable 3-D convolution needs intermediates of %zu bytes per volume, more "
              "than one allocation on '%s' may hold (%" PRIu64 " bytes)",
              per1 > per2 ? per1 : per2, rt->info.name, limit);
    size_t group = g->batch;
    if ((uint64_t)per1 * group > limit) group = (size_t)(limit / per1);
    if ((uint64_t)per2 * group > limit) group = (size_t)(limit / per2);

    cl_mem mid[2] = {NULL, NULL};
    int status = clconv__scratch_get(rt, per1 * group, &mid[0]);
    if (status == 0) status = clconv__scratch_get(rt, per2 * group, &mid[1]);
    cl_long off[3];
    window_offsets(g, off);
    const cl_long off1[3] = {off[0], off[1], off[2]}, zero[3] = {0, 0, 0};
    const size_t win1[3] = {1, g->k[1], 1}, win2[3] = {g->k[0], 1, 1}, win3[3] = {1, 1, g->k[2]};
    const int reversed = !g->correlate;
    if (status == 0)
        clconv__note(rt, "direct 3-D separable: three strip passes, %zu volume(s) at a time",
                     group);
    for (size_t b0 = 0; b0 < g->batch && status == 0; b0 += group) {
        const size_t nb = group < g->batch - b0 ? group : g->batch - b0;
        const vol in = {signal, (cl_ulong)b0 * g->n[0] * g->n[1] * g->n[2],
                        {g->n[0], g->n[1], g->n[2]}};
        const vol v1 = {mid[0], 0, {ext1[0], ext1[1], ext1[2]}};
        const vol v2 = {mid[1], 0, {ext2[0], ext2[1], ext2[2]}};
        const vol res = {out, (cl_ulong)b0 * g->out[0] * g->out[1] * g->out[2],
                         {g->out[0], g->out[1], g->out[2]}};
        status = strip_pass(rt, g, READS_BOUNDARY, &in, off1, kx, reversed, win1, &v1, nb);
        if (status == 0)
            status = strip_pass(rt, g, READS_ZERO, &v1, zero, ky, reversed, win2, &v2, nb);
        if (status == 0)
            status = strip_pass(rt, g, READS_ZERO, &v2, zero, kz, reversed, win3, &res, nb);
    }
    /* Pooled scratch may be handed back once its users are enqueued. */
    for (int i = 0; i < 2; i++) clconv__scratch_release(rt, mid[i]);
    return status;
}
