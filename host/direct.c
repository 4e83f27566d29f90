/*
 * Direct convolution dispatch: turns a validated problem (dispatch.h) into
 * launches of the correlation kernels (kernels/conv_strip.cl for CPUs,
 * kernels/conv_tiled.cl for GPUs) and, where they need one, of the padding
 * copy (kernels/pad.cl). Every mode, convolution and correlation, 1-D and
 * 2-D, reduces to one shape of work: output [r][c] reads the source's rows
 * r..r+kr-1 and columns c..c+kc-1 of a window placed for the mode, zero
 * outside the source (or what a boundary mode reads there), correlated with
 * the taps walked forwards (correlation) or backwards (convolution). A
 * single strip pass reads the source where it lies, through the boundary
 * mode when there is one (but for wide 2-D windows, BOUNDARY_PAD_TAPS), and
 * so does the strip row pass of a separable problem (a row pass into an
 * intermediate buffer that holds the column pass's halo rows, then a
 * column pass out of it); tiled passes and rotated sources first copy the
 * signal into a padded buffer, extended by the boundary mode or zero, so
 * shifted that the window of output [r][c] starts at padded [r][c].
 *
 * When the kernel is larger than the signal, convolution being commutative,
 * the operands swap roles (without a boundary mode, which extends the signal
 * only), so the cost is out * min(n, k) instead of out * k. Problems whose padded copy would exceed a scratch budget run in
 * pieces (batch items, then output rows, then output columns), so any size
 * the device can hold works.
 */
#include "dispatch.h"
#include "params.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Padded rows are a multiple of this many elements, so each row starts on a
 * 64-byte boundary and the padding copy's vector stores tile it exactly. */
#define PITCH_ALIGN 16

/* One correlation pass: its parameters and kernel object. */
typedef struct pass {
    clconv__direct_params p;
    char options[192];
    size_t rb, cb;           /* outputs per strip item or tiled group */
    size_t kr, kc;           /* the window */
    cl_mem taps;
    size_t taps_batch;       /* elements between batch items' taps; 0: shared */
    int taps_reversed;
    int rows;                /* 1: conv_rows.cl (a strip pass over the unpadded source) */
    cl_int stream;           /* conv_rows stores its output non-temporally */
    cl_kernel kernel;
} pass;

typedef struct direct_plan {
    const clconv__geom *g;
    size_t es;
    /* The boundary mode's value outside in the device's precision, for the
     * padding copy and for strips that read the source where it lies. */
    cl_int boundary;
    cl_float cval32;
    cl_double cval64;
    /* The operand copied into the padded buffer. */
    cl_mem src;
    size_t src_rows, src_cols;
    int src_batched;         /* one image per batch item (1) or one for all (0) */
    int src_reverse;
    int64_t row_off, col_off; /* source position of padded element [0][0] */
    int npasses;             /* 1, or 2 for separable: rows then columns */
    int pad_first;           /* pass 0 reads a padded copy of the source (else the source) */
    pass pass[2];
    char pad_options[64];
    cl_kernel pad;
} direct_plan;

/* Extents of the buffers of one piece: [0] the padded input, [1] the
 * separable intermediate, [npasses] the piece of output. */
typedef struct extents {
    size_t rows[3], cols[3];
} extents;

/* v rounded up to a multiple of m; 1 on overflow. */
static int round_up(size_t v, size_t m, size_t *out)
{
    return clconv__add_ok(v, (m - v % m) % m, out);
}

/* Walks the passes backwards from the piece's output: each pass reads whole
 * blocks plus the window's halo. Returns 1 on overflow. */
static int piece_extents(const direct_plan *pl, size_t pr, size_t pc, extents *x)
{
    x->rows[pl->npasses] = pr;
    x->cols[pl->npasses] = pc;
    for (int i = pl->npasses - 1; i >= 0; i--) {
        const pass *ps = &pl->pass[i];
        size_t r, c;
        if (round_up(x->rows[i + 1], ps->rb, &r) || clconv__add_ok(r, ps->kr - 1, &r) ||
            round_up(x->cols[i + 1], ps->cb, &c) || clconv__add_ok(c, ps->kc - 1, &c) ||
            round_up(c, PITCH_ALIGN, &c))
            return 1;
        x->rows[i] = r;
        x->cols[i] = c;
    }
    return 0;
}

/* The first of the piece's scratch buffers the plan makes: 0, the padded
 * input, unless pass 0 reads the source where it lies. */
static int first_buffer(const direct_plan *pl)
{
    return pl->pad_first ? 0 : 1;
}

/* Bytes of one scratch buffer of the piece; SIZE_MAX on overflow. */
static size_t buffer_bytes(const direct_plan *pl, const extents *x, int i, size_t batch)
{
    size_t bytes;
    if (clconv__mul_ok(x->rows[i], x->cols[i], &bytes) || clconv__mul_ok(bytes, batch, &bytes) ||
        clconv__mul_ok(bytes, pl->es, &bytes))
        return SIZE_MAX;
    return bytes;
}

/* Scratch bytes of a piece of batch x rows x cols outputs; SIZE_MAX on
 * overflow. */
static size_t piece_bytes(const direct_plan *pl, const size_t piece[3])
{
    extents x;
    size_t total = 0;
    if (piece_extents(pl, piece[1], piece[2], &x)) return SIZE_MAX;
    for (int i = first_buffer(pl); i < pl->npasses; i++) {
        size_t batch = i == 0 && !pl->src_batched ? 1 : piece[0];
        size_t b = buffer_bytes(pl, &x, i, batch);
        if (b == SIZE_MAX || clconv__add_ok(total, b, &total)) return SIZE_MAX;
    }
    return total;
}

/* Sets piece[axis] to the largest multiple of unit (capped at total) whose
 * piece fits in limit bytes, by bisection: the cost grows with every axis.
 * Returns that extent, 0 when not even one unit fits. */
static size_t largest_fit(const direct_plan *pl, size_t limit, size_t piece[3], int axis, size_t unit,
                          size_t total)
{
    size_t lo = 0, hi = total / unit + (total % unit != 0);
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        piece[axis] = mid * unit < total ? mid * unit : total;
        if (piece_bytes(pl, piece) <= limit) lo = mid;
        else hi = mid - 1;
    }
    piece[axis] = lo * unit < total ? lo * unit : total;
    return piece[axis];
}

/* Chooses the largest piece within the scratch budget, shrinking the batch
 * first, then rows, then columns, so pieces stay as long as possible. */
static int choose_piece(clconv_runtime *rt, const direct_plan *pl, size_t piece[3])
{
    const clconv__geom *g = pl->g;
    const pass *last = &pl->pass[pl->npasses - 1];
    const size_t max_alloc = rt->max_alloc < SIZE_MAX ? (size_t)rt->max_alloc : SIZE_MAX;
    const size_t one_row = last->rb < g->out[0] ? last->rb : g->out[0];
    const size_t smallest[3] = {1, one_row, last->cb < g->out[1] ? last->cb : g->out[1]};
    /* The budget (params.h) bounds the scratch of a piece: padded input plus
     * any intermediate. Beyond it larger pieces gain nothing, and it keeps a
     * huge batch from doubling its footprint. A window too large for it may
     * use up to the runtime's allocation limit. */
    const size_t budget = (size_t)pl->pass[0].p.piece_mib << 20;
    size_t limit = budget < max_alloc ? budget : max_alloc;
    const size_t need = piece_bytes(pl, smallest);
    if (need > limit) limit = max_alloc;
    RETURN_IF(rt, need > limit, CLCONV_EOVERFLOW,
              "direct convolution with a %zu x %zu window needs %zu bytes of scratch for one "
              "block, more than one allocation on '%s' may hold (%zu bytes)",
              last->kr, last->kc, need, rt->info.name, max_alloc);

    piece[0] = g->batch;
    piece[1] = g->out[0];
    piece[2] = g->out[1];
    if (piece_bytes(pl, piece) <= limit || largest_fit(pl, limit, piece, 0, 1, g->batch)) return 0;
    piece[0] = 1;
    if (largest_fit(pl, limit, piece, 1, last->rb, g->out[0])) return 0;
    piece[1] = one_row;
    largest_fit(pl, limit, piece, 2, last->cb, g->out[1]); /* succeeds: `need` fitted */
    return 0;
}

/* Chooses a pass's parameters and creates its kernel. A tiled kernel that
 * the device cannot run at the group size it was written for (registers,
 * local memory) gives way to strips. Strips whose parameters ask for
 * conv_rows.cl run it where rows_ok says the pass is a 2-D single pass
 * over the unpadded source. */
static int pass_init(clconv_runtime *rt, const clconv__geom *g, pass *ps, size_t kr, size_t kc,
                     cl_mem taps, size_t taps_batch, int taps_reversed, int boundary_reads,
                     int rows_ok, const clconv__direct_params *force)
{
    RETURN_IF(rt, kr > UINT_MAX || kc > UINT_MAX, CLCONV_EOVERFLOW,
              "a %zu x %zu window is too large for the direct kernels", kr, kc);
    ps->kr = kr;
    ps->kc = kc;
    ps->taps = taps;
    ps->taps_batch = taps_batch;
    ps->taps_reversed = taps_reversed;
    /* Integer storage is converted by the strip kernel only (its loads and
     * stores); the tiled kernel and the padding copy read the compute type. */
    const int integer = clconv__geom_integer(g);
    if (force)
        ps->p = *force;
    else
        FORWARD_IF_ERROR(clconv__direct_params_get(rt, g->dtype, g->dims, kr, kc,
                                                   integer ? CLCONV__DIRECT_STRIP
                                                           : CLCONV__DIRECT_ANY,
                                                   &ps->p));
    RETURN_IF(rt, integer && ps->p.variant != CLCONV__DIRECT_STRIP, CLCONV_ENOTSUP,
              "integer dtypes run in the strip kernel only, not in the forced tiled one");
    /* conv_rows streams a float output that outgrows a CPU device's caches
     * (conv_rows.cl and runtime.c say why), in the entry's shape for it;
     * integer outputs are written in vectors too narrow to stream. */
    const int streams = !clconv__dtype_is_int(g->out_dtype) &&
                        (uint64_t)g->batch * g->out[0] * g->out[1] *
                                clconv_dtype_size(g->dtype) >= rt->stream_min;
    for (;;) {
        const int tiled = ps->p.variant == CLCONV__DIRECT_TILED;
        ps->rows = !tiled && rows_ok && ps->p.rows > 0;
        ps->stream = ps->rows && streams;
        if (ps->stream && ps->p.stream_rows)
            ps->p.rows = ps->p.stream_rows, ps->p.rows_nacc = ps->p.stream_nacc;
        if (ps->rows)
            snprintf(ps->options, sizeof ps->options,
                     "-DPRECISION=%d -DVEC=%u -DNACC=%u -DRB=%u -DKR=%zu -DKC=%zu -DSPI=%u",
                     g->dtype == CLCONV_F64 ? 64 : 32, ps->p.vec, ps->p.rows_nacc, ps->p.rows,
                     kr, kc, ps->p.spi);
        else
            clconv__direct_params_options(&ps->p, g->dtype, ps->options, sizeof ps->options);
        /* Strips that will read the source through a boundary mode. */
        if (!tiled && boundary_reads) {
            size_t used = strlen(ps->options);
            snprintf(ps->options + used, sizeof ps->options - used, " -DBOUNDARY=1");
        }
        /* Storage types other than the compute type, converted in the kernel. */
        if (clconv__dtype_is_int(g->in_dtype)) {
            size_t used = strlen(ps->options);
            snprintf(ps->options + used, sizeof ps->options - used, " -DIN_T=%s",
                     clconv__dtype_cl_name(g->in_dtype));
        }
        if (clconv__dtype_is_int(g->out_dtype)) {
            size_t used = strlen(ps->options);
            const long lo = g->out_dtype == CLCONV_I16 ? -32768 : 0;
            const long hi = g->out_dtype == CLCONV_U8    ? 255
                            : g->out_dtype == CLCONV_U16 ? 65535
                                                         : 32767;
            snprintf(ps->options + used, sizeof ps->options - used,
                     " -DOUT_T=%s -DOUT_SAT=1 -DOUT_MIN=%ld -DOUT_MAX=%ld",
                     clconv__dtype_cl_name(g->out_dtype), lo, hi);
        }
        clconv__direct_params_block(&ps->p, &ps->rb, &ps->cb);
        if (ps->rows) ps->rb = ps->p.rows, ps->cb = (size_t)ps->p.vec * ps->p.rows_nacc;
        const char *name = tiled ? "conv_tiled" : ps->rows ? "conv_rows" : "conv_strip";
        FORWARD_IF_ERROR(clconv__kernel_create(rt, name, ps->options, name, &ps->kernel));
        if (!tiled) return 0;
        size_t group;
        cl_int err = clGetKernelWorkGroupInfo(ps->kernel, rt->device, CL_KERNEL_WORK_GROUP_SIZE,
                                              sizeof group, &group, NULL);
        if (err != CL_SUCCESS) {
            clReleaseKernel(ps->kernel);
            ps->kernel = NULL;
            CL_RETURN_IF(rt, err, "clGetKernelWorkGroupInfo", "conv_tiled [%s]", ps->options);
        }
        if (group >= (size_t)ps->p.wgx * ps->p.wgy) return 0;
        clReleaseKernel(ps->kernel);
        ps->kernel = NULL;
        RETURN_IF(rt, force, CLCONV_ENOTSUP,
                  "conv_tiled [%s] runs at most %zu items per group on '%s'", ps->options, group,
                  rt->info.name);
        clconv__note(rt, "direct: conv_tiled [%s] runs at most %zu items per group, using strips",
                     ps->options, group);
        FORWARD_IF_ERROR(clconv__direct_params_get(rt, g->dtype, g->dims, kr, kc,
                                                   CLCONV__DIRECT_STRIP, &ps->p));
    }
}

/* Work-items for `items` rounded up to whole groups: OpenCL 1.2 needs the
 * global size to be a multiple of the local size, and the kernels skip the
 * surplus items. Cannot overflow: items counts elements of an allocation. */
static size_t round_groups(size_t items, size_t group)
{
    return (items + group - 1) / group * group;
}

/* The boundary mode's cval as a kernel argument of the plan's precision. */
static clconv__arg cval_arg(const direct_plan *pl)
{
    return pl->g->dtype == CLCONV_F64 ? (clconv__arg)CLCONV__ARG(pl->cval64)
                                      : (clconv__arg)CLCONV__ARG(pl->cval32);
}

/* Copies the source block of a piece into the padded buffer, read through
 * the boundary mode outside the source. */
static int enqueue_pad(clconv_runtime *rt, const direct_plan *pl, const extents *x, cl_mem dst,
                       size_t b0, size_t nb, size_t r0, size_t c0)
{
    const cl_ulong src_offset = pl->src_batched ? b0 * pl->src_rows * pl->src_cols : 0;
    const cl_long rows = (cl_long)pl->src_rows, cols = (cl_long)pl->src_cols;
    const cl_long row_off = pl->row_off + (cl_long)r0, col_off = pl->col_off + (cl_long)c0;
    const cl_int reverse = pl->src_reverse;
    const cl_ulong pitch = x->cols[0], batch = (cl_ulong)x->rows[0] * x->cols[0];
    const clconv__arg args[] = {CLCONV__ARG(pl->src),      CLCONV__ARG(src_offset),
                                CLCONV__ARG(rows),         CLCONV__ARG(cols),
                                CLCONV__ARG(row_off),      CLCONV__ARG(col_off),
                                CLCONV__ARG(reverse),      CLCONV__ARG(pl->boundary),
                                cval_arg(pl),              CLCONV__ARG(dst),
                                CLCONV__ARG(pitch),        CLCONV__ARG(batch)};
    const size_t group = pl->pass[0].p.wgx;
    const size_t gws[3] = {round_groups(x->cols[0] / pl->pass[0].p.pad_vec, group), x->rows[0],
                           pl->src_batched ? nb : 1};
    const size_t lws[3] = {group, 1, 1};
    FORWARD_IF_ERROR(clconv__set_args(rt, pl->pad, args, sizeof args / sizeof args[0], "pad_signal"));
    return clconv__launch(rt, pl->pad, 3, gws, lws, "pad_signal");
}

/* What a pass reads: a buffer of rows x cols elements per batch item (pitch
 * and batch apart, batch 0 when all items share one), read outside through
 * the boundary mode (NONE: zero; only strips built to read it take another),
 * with the window of output [0][0] at [row_off][col_off]. */
typedef struct source {
    cl_mem mem;
    cl_ulong pitch, batch;
    cl_long rows, cols, row_off, col_off;
    cl_int boundary;
    cl_ulong offset; /* elements before the first batch item's [0][0] */
} source;

/* The padded buffer of pass i of a piece: every window lies inside. */
static source padded(const direct_plan *pl, int i, const extents *x, cl_mem mem)
{
    const cl_ulong batch = i == 0 && !pl->src_batched ? 0 : (cl_ulong)x->rows[i] * x->cols[i];
    return (source){mem, x->cols[i], batch, (cl_long)x->rows[i], (cl_long)x->cols[i], 0, 0,
                    CLCONV_BOUNDARY_NONE, 0};
}

/* The plan's source where it lies, read from batch item b0 on, with the
 * window of output [r0][c0] at its first element. */
static source unpadded(const direct_plan *pl, size_t b0, size_t r0, size_t c0)
{
    const cl_ulong batch = pl->src_batched ? (cl_ulong)pl->src_rows * pl->src_cols : 0;
    return (source){pl->src,
                    pl->src_cols,
                    batch,
                    (cl_long)pl->src_rows,
                    (cl_long)pl->src_cols,
                    pl->row_off + (cl_long)r0,
                    pl->col_off + (cl_long)c0,
                    pl->boundary,
                    b0 * batch};
}

/* Runs pass i of a piece from `in` into `out` at out_offset, with out_pitch
 * and out_batch the strides of the destination; x gives the piece's output
 * extents (rows[i + 1] x cols[i + 1]). conv_tiled reads only padded
 * buffers. */
static int enqueue_pass(clconv_runtime *rt, const direct_plan *pl, int i, const extents *x,
                        const source *in, cl_mem out, size_t b0, size_t nb, cl_ulong out_offset,
                        cl_ulong out_pitch, cl_ulong out_batch)
{
    const pass *ps = &pl->pass[i];
    const int tiled = ps->p.variant == CLCONV__DIRECT_TILED;
    const char *name = tiled ? "conv_tiled" : ps->rows ? "conv_rows" : "conv_strip";
    const cl_ulong in_pitch = in->pitch, in_batch = in->batch, in_offset = in->offset;
    const size_t taps_len = ps->kr * ps->kc;
    const cl_ulong taps_offset = b0 * ps->taps_batch + (ps->taps_reversed ? taps_len - 1 : 0);
    const cl_ulong taps_batch = ps->taps_batch;
    const cl_int taps_step = ps->taps_reversed ? -1 : 1;
    const cl_uint kr = (cl_uint)ps->kr, kc = (cl_uint)ps->kc;
    const cl_ulong out_width = x->cols[i + 1], out_rows = x->rows[i + 1];
    const size_t strips = x->cols[i + 1] / ps->cb + (x->cols[i + 1] % ps->cb != 0);
    if (tiled) {
        const clconv__arg args[] = {
            CLCONV__ARG(in->mem),   CLCONV__ARG(in_pitch),    CLCONV__ARG(in_batch),
            CLCONV__ARG(ps->taps),  CLCONV__ARG(taps_offset), CLCONV__ARG(taps_batch),
            CLCONV__ARG(taps_step), CLCONV__ARG(kr),          CLCONV__ARG(kc),
            CLCONV__ARG(out),       CLCONV__ARG(out_offset),  CLCONV__ARG(out_pitch),
            CLCONV__ARG(out_batch), CLCONV__ARG(out_width),   CLCONV__ARG(out_rows)};
        FORWARD_IF_ERROR(
            clconv__set_args(rt, ps->kernel, args, sizeof args / sizeof args[0], name));
        const size_t groups_y = x->rows[i + 1] / ps->rb + (x->rows[i + 1] % ps->rb != 0);
        const size_t gws[3] = {strips * ps->p.wgx, groups_y * ps->p.wgy, nb};
        const size_t lws[3] = {ps->p.wgx, ps->p.wgy, 1};
        return clconv__launch(rt, ps->kernel, 3, gws, lws, name);
    }
    if (ps->rows) {
        const clconv__arg args[] = {
            CLCONV__ARG(in->mem),     CLCONV__ARG(in_offset),   CLCONV__ARG(in_pitch),
            CLCONV__ARG(in_batch),    CLCONV__ARG(in->rows),    CLCONV__ARG(in->cols),
            CLCONV__ARG(in->row_off), CLCONV__ARG(in->col_off), CLCONV__ARG(in->boundary),
            cval_arg(pl),             CLCONV__ARG(ps->taps),    CLCONV__ARG(taps_offset),
            CLCONV__ARG(taps_batch),  CLCONV__ARG(taps_step),   CLCONV__ARG(out),
            CLCONV__ARG(out_offset),  CLCONV__ARG(out_pitch),   CLCONV__ARG(out_batch),
            CLCONV__ARG(out_width),   CLCONV__ARG(out_rows),    CLCONV__ARG(ps->stream)};
        FORWARD_IF_ERROR(
            clconv__set_args(rt, ps->kernel, args, sizeof args / sizeof args[0], name));
        const size_t items_y = x->rows[i + 1] / ps->rb + (x->rows[i + 1] % ps->rb != 0);
        const size_t items_x = strips / ps->p.spi + (strips % ps->p.spi != 0);
        const size_t gws[3] = {round_groups(items_x, ps->p.wgx), items_y, nb};
        const size_t lws[3] = {ps->p.wgx, 1, 1};
        return clconv__launch(rt, ps->kernel, 3, gws, lws, name);
    }
    /* conv_strip runs exactly one item per output row; one plane. */
    const cl_ulong in_plane = 0, out_plane = 0, out_planes = 1;
    const cl_long in_planes = 1, plane_off = 0;
    const cl_uint kd = 1;
    const clconv__arg args[] = {
        CLCONV__ARG(in->mem),     CLCONV__ARG(in_offset), CLCONV__ARG(in_pitch),
        CLCONV__ARG(in_batch),    CLCONV__ARG(in->rows),  CLCONV__ARG(in->cols),
        CLCONV__ARG(in->row_off), CLCONV__ARG(in->col_off), CLCONV__ARG(in->boundary),
        cval_arg(pl),             CLCONV__ARG(ps->taps),
        CLCONV__ARG(taps_offset), CLCONV__ARG(taps_batch), CLCONV__ARG(taps_step),
        CLCONV__ARG(kr),          CLCONV__ARG(kc),        CLCONV__ARG(out),
        CLCONV__ARG(out_offset),  CLCONV__ARG(out_pitch), CLCONV__ARG(out_batch),
        CLCONV__ARG(out_width),   CLCONV__ARG(in_plane),  CLCONV__ARG(in_planes),
        CLCONV__ARG(plane_off),   CLCONV__ARG(kd),        CLCONV__ARG(out_plane),
        CLCONV__ARG(out_planes)};
    FORWARD_IF_ERROR(clconv__set_args(rt, ps->kernel, args, sizeof args / sizeof args[0], name));
    const size_t gws[3] = {round_groups(strips, ps->p.wgx), x->rows[i + 1], nb};
    const size_t lws[3] = {ps->p.wgx, 1, 1};
    return clconv__launch(rt, ps->kernel, 3, gws, lws, name);
}

/* One pass of strips straight over the source, read outside it as zero or
 * through the boundary mode: no padded copy, no scratch, no pieces. For
 * single-pass strip plans whose source is read as it lies (not rotated). */
static int execute_unpadded(clconv_runtime *rt, direct_plan *pl, cl_mem out)
{
    const clconv__geom *g = pl->g;
    extents x = {{0, g->out[0], 0}, {0, g->out[1], 0}};
    const source src = unpadded(pl, 0, 0, 0);
    clconv__note(rt, "direct: strips [%s] over the unpadded source, %zu x %zu x %zu outputs%s",
                 pl->pass[0].options, g->batch, g->out[0], g->out[1],
                 pl->pass[0].stream ? ", stored non-temporally" : "");
    const cl_ulong out_batch = (cl_ulong)g->out[0] * g->out[1];
    int status = enqueue_pass(rt, pl, 0, &x, &src, out, 0, g->batch, 0, g->out[1], out_batch);
    clReleaseKernel(pl->pass[0].kernel);
    return status;
}

/* 2-D windows of at least this many taps read a boundary mode's extension
 * from a padded copy rather than through the mode. The strips at the edges
 * of each row load lane by lane through the mode, and a wide window makes
 * many of them (a 1-D signal has one row, whose two edges cost nothing
 * beside it): on the 2-core Xeon of params.c's POCL entries (mirror
 * mode, medians of 7 alternating in one process) the padded copy took
 * 1.65x the time at 3x3, 1.30x at 5x5, 1.03-1.09x at 7x7, then 0.68x at
 * 9x9, 0.64x at 15x15, 0.57x at 21x21 and 0.58x at 31x31. Without a mode
 * the edge strips are cheaper and the copy never paid as much (0.97x at
 * 15x15, 1.03x at 21x21, 0.87x at 31x31), so zero padding keeps reading
 * the source where it lies. */
#define BOUNDARY_PAD_TAPS 64

/* 1 when a 2-D conv_strip pass over a kr x kc window reads the boundary
 * mode's extension from a padded copy (BOUNDARY_PAD_TAPS); conv_rows never
 * does. */
static int boundary_padded(const clconv__geom *g, size_t kr, size_t kc)
{
    return g->boundary && g->dims == 2 && !clconv__geom_integer(g) && kr * kc >= BOUNDARY_PAD_TAPS;
}

/* Runs a prepared plan piece by piece, then frees its kernels. */
static int execute(clconv_runtime *rt, direct_plan *pl, cl_mem out)
{
    const clconv__geom *g = pl->g;
    /* Integer storage always reads the source where it lies: the padded
     * copy holds the compute type, and the strip kernel converts only its
     * own loads. */
    const int integer = clconv__geom_integer(g);
    const int wide = boundary_padded(g, pl->pass[0].kr, pl->pass[0].kc) && !pl->pass[0].rows;
    if (pl->npasses == 1 && pl->pass[0].p.variant == CLCONV__DIRECT_STRIP && !pl->src_reverse &&
        !wide)
        return execute_unpadded(rt, pl, out);
    if (integer) {
        for (int i = 0; i < pl->npasses; i++)
            if (pl->pass[i].kernel) clReleaseKernel(pl->pass[i].kernel);
        return CLCONV_FAIL(rt, CLCONV_ENOTSUP,
                           "integer dtypes need a single strip pass over the source");
    }
    cl_mem scratch[2] = {NULL, NULL};
    size_t piece[3] = {0, 0, 0};
    extents full;
    int status = choose_piece(rt, pl, piece);
    if (status == 0) {
        piece_extents(pl, piece[1], piece[2], &full); /* cannot overflow: piece_bytes fitted */
        for (int i = first_buffer(pl); i < pl->npasses && status == 0; i++)
            status = clconv__scratch_get(
                rt, buffer_bytes(pl, &full, i, i == 0 && !pl->src_batched ? 1 : piece[0]),
                &scratch[i]);
    }
    if (status == 0) {
        clconv__note(rt, "direct: %s [%s]%s, pieces of %zu x %zu x %zu outputs, %s %zu x %zu",
                     pl->pass[0].p.variant == CLCONV__DIRECT_TILED ? "tiled" : "strips",
                     pl->pass[0].options, pl->npasses == 2 ? " separable" : "", piece[0],
                     piece[1], piece[2],
                     pl->pad_first ? "padded" : "the row pass from the source into",
                     full.rows[first_buffer(pl)], full.cols[first_buffer(pl)]);
        if (pl->pad_first)
            status = clconv__kernel_create(rt, "pad", pl->pad_options, "pad_signal", &pl->pad);
    }
    for (size_t b0 = 0; b0 < g->batch && status == 0; b0 += piece[0]) {
        const size_t nb = piece[0] < g->batch - b0 ? piece[0] : g->batch - b0;
        for (size_t r0 = 0; r0 < g->out[0] && status == 0; r0 += piece[1]) {
            const size_t nr = piece[1] < g->out[0] - r0 ? piece[1] : g->out[0] - r0;
            for (size_t c0 = 0; c0 < g->out[1] && status == 0; c0 += piece[2]) {
                const size_t nc = piece[2] < g->out[1] - c0 ? piece[2] : g->out[1] - c0;
                extents x;
                piece_extents(pl, nr, nc, &x); /* no larger than `full` */
                if (pl->pad_first) status = enqueue_pad(rt, pl, &x, scratch[0], b0, nb, r0, c0);
                if (status == 0 && pl->npasses == 2) {
                    const source in = pl->pad_first ? padded(pl, 0, &x, scratch[0])
                                                    : unpadded(pl, b0, r0, c0);
                    status = enqueue_pass(rt, pl, 0, &x, &in, scratch[1], b0, nb, 0, x.cols[1],
                                          (cl_ulong)x.rows[1] * x.cols[1]);
                }
                if (status == 0) {
                    const int last = pl->npasses - 1;
                    const cl_ulong out_batch = (cl_ulong)g->out[0] * g->out[1];
                    const cl_ulong out_offset = b0 * out_batch + r0 * g->out[1] + c0;
                    const source in = padded(pl, last, &x, scratch[last]);
                    status = enqueue_pass(rt, pl, last, &x, &in, out, b0, nb, out_offset,
                                          g->out[1], out_batch);
                }
            }
        }
    }
    /* Pooled scratch may be handed back once its users are enqueued. */
    for (int i = 0; i < 2; i++) clconv__scratch_release(rt, scratch[i]);
    if (pl->pad) clReleaseKernel(pl->pad);
    for (int i = 0; i < pl->npasses; i++)
        if (pl->pass[i].kernel) clReleaseKernel(pl->pass[i].kernel);
    return status;
}

/* Fields common to both entry points; the caller fills source and passes. */
static void plan_init(direct_plan *pl, const clconv__geom *g)
{
    *pl = (direct_plan){.g = g,
                        .es = clconv_dtype_size(g->dtype),
                        .pad_first = 1,
                        .boundary = (cl_int)g->boundary,
                        .cval32 = (cl_float)g->cval,
                        .cval64 = g->cval};
}

/* The source offsets that put the window of output [0][0] at padded
 * element [0][0]: out[o] reads x[o + start - (k - 1) + t] (dispatch.h). */
static void plan_offsets(direct_plan *pl, size_t kr, size_t kc)
{
    pl->row_off = (int64_t)pl->g->start[0] - (int64_t)(kr - 1);
    pl->col_off = (int64_t)pl->g->start[1] - (int64_t)(kc - 1);
}

static void plan_pad_options(direct_plan *pl)
{
    snprintf(pl->pad_options, sizeof pl->pad_options, "-DPRECISION=%d -DPADV=%u",
             pl->g->dtype == CLCONV_F64 ? 64 : 32, pl->pass[0].p.pad_vec);
}

int clconv__direct_run(clconv_runtime *rt, const clconv__geom *g, cl_mem signal,
                       cl_mem kernel, cl_mem out)
{
    return clconv__direct_run_params(rt, g, signal, kernel, out, NULL);
}

int clconv__direct_run_params(clconv_runtime *rt, const clconv__geom *g, cl_mem signal,
                              cl_mem kernel, cl_mem out, const clconv__direct_params *force)
{
    direct_plan pl;
    plan_init(&pl, g);
    pl.npasses = 1;
    /* Convolution commutes: when the kernel is the larger operand it becomes
     * the padded source and the signal the (reversed) taps, so each output
     * costs min(n, k) multiply-adds. A correlation is a convolution with the
     * reversed kernel, so swapped it pads the kernel rotated by 180 degrees.
     * A boundary mode extends the signal only, so there it keeps its role. */
    const size_t signal_len = g->n[0] * g->n[1], kernel_len = g->k[0] * g->k[1];
    /* Not with an integer signal, which the strips convert only as the
     * source they read, never as taps: there every output costs the whole
     * kernel. */
    const int swap = !g->boundary && signal_len < kernel_len && !clconv__geom_integer(g);
    const size_t *window = swap ? g->n : g->k;
    pl.src = swap ? kernel : signal;
    pl.src_rows = swap ? g->k[0] : g->n[0];
    pl.src_cols = swap ? g->k[1] : g->n[1];
    pl.src_batched = !swap;
    pl.src_reverse = swap && g->correlate;
    plan_offsets(&pl, window[0], window[1]);
    /* conv_rows reads the source unpadded, through the boundary mode at any
     * window size (its edge strips load through a column table, not a
     * call per lane), so it needs only a 2-D source read as it lies. */
    const int rows_ok = g->dims == 2 && !pl.src_reverse;
    int status = pass_init(rt, g, &pl.pass[0], window[0], window[1], swap ? signal : kernel,
                           swap ? signal_len : 0, swap || !g->correlate, g->boundary != 0,
                           rows_ok, force);
    if (status < 0) return status;
    plan_pad_options(&pl);
    return execute(rt, &pl, out);
}

int clconv__direct_separable_run(clconv_runtime *rt, const clconv__geom *g, cl_mem signal,
                                 cl_mem kcol, cl_mem krow, cl_mem out)
{
    direct_plan pl;
    plan_init(&pl, g);
    pl.npasses = 2;
    pl.src = signal;
    pl.src_rows = g->n[0];
    pl.src_cols = g->n[1];
    pl.src_batched = 1;
    plan_offsets(&pl, g->k[0], g->k[1]);
    /* A strip row pass reads the source where it lies, through the boundary
     * mode, into an intermediate that holds the column pass's halo rows:
     * no padded copy, one pass over the image fewer (a 4096^2 Gaussian of
     * sigma 3 as two 19-tap passes on the Zen 3 of params.c: 0.74-0.79x the
     * time, zero and mirror borders, both ways alternating in one process).
     * A tiled row pass, or a boundary mode with a row long enough to make
     * the edge strips dear (BOUNDARY_PAD_TAPS), reads a padded copy. The
     * column pass may run conv_rows (params.c's column windows): every
     * window of the intermediate lies inside it. */
    const int reads_mode = g->boundary && g->k[1] < BOUNDARY_PAD_TAPS;
    int status = pass_init(rt, g, &pl.pass[0], 1, g->k[1], krow, 0, !g->correlate, reads_mode, 0,
                           NULL);
    if (status == 0)
        status = pass_init(rt, g, &pl.pass[1], g->k[0], 1, kcol, 0, !g->correlate, 0, 1, NULL);
    if (status < 0) {
        if (pl.pass[0].kernel) clReleaseKernel(pl.pass[0].kernel);
        return status;
    }
    pl.pad_first = pl.pass[0].p.variant == CLCONV__DIRECT_TILED || (g->boundary && !reads_mode);
    plan_pad_options(&pl);
    return execute(rt, &pl, out);
}
