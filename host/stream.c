/*
 * Host-form convolutions larger than one device allocation, run piece by
 * piece. A piece is a range of images, output rows and output columns; the
 * input it reads is the rectangle of signal behind those outputs (the
 * outputs' window of k taps per dimension, clipped to the signal), so each
 * piece is an ordinary problem whose geometry only differs in its extents
 * and `start`. Rectangles move with clEnqueueWrite/ReadBufferRect straight
 * from and to the caller's arrays; the kernel is staged once.
 *
 * Boundary modes: a piece reads its clipped rectangle through the mode, so
 * CONSTANT (cval past the signal's edges) and NEAREST (the edge samples,
 * which a clipped rectangle that reaches an edge holds) cut like zero
 * padding. REFLECT, MIRROR and WRAP may read samples from anywhere in an
 * image, so they stream in groups of whole images only.
 *
 * Pieces are as large as the limit allows, in this order of preference:
 * several whole images, then one image in slabs of whole output rows, then
 * tiles of a few rows and part of their columns. A 3-D problem's pieces are
 * several whole volumes, else slabs of whole output planes of one volume
 * (the input planes behind them, whole), which is as fine as 3-D cuts: one
 * output plane's input window must fit. All work goes through the
 * one in-order queue, so a piece's pooled buffers can be reused by the next
 * piece as soon as its work is enqueued.
 */
#include "stream.h"

#include <inttypes.h>
#include <string.h>

static size_t min_of(size_t a, size_t b) { return a < b ? a : b; }

/* The signal range behind outputs [o0, o1) of a dimension: output o reads
 * signal o + start - (k-1) ... o + start, clipped to [0, n). */
static void input_range(size_t n, size_t k, size_t start, size_t o0, size_t o1, size_t *a,
                        size_t *b)
{
    size_t lo = o0 + start, hi = o1 + start; /* exclusive upper end of the window */
    *a = lo >= k - 1 ? lo - (k - 1) : 0;
    *b = min_of(hi, n);
}

/* Planes of extents e of g: index 2 below 3-D may be 0 in geometries made
 * outside conv.c. */
static size_t planes(const clconv__geom *g, const size_t e[3]) { return g->dims == 3 ? e[2] : 1; }

int clconv__stream_needed(const clconv_runtime *rt, const clconv__geom *g)
{
    const size_t es = clconv_dtype_size(g->dtype);
    /* conv.c has checked that these products fit size_t. */
    size_t in = g->batch * g->n[0] * g->n[1] * planes(g, g->n) * es;
    size_t out = g->batch * g->out[0] * g->out[1] * planes(g, g->out) * es;
    return (uint64_t)in > rt->max_alloc || (uint64_t)out > rt->max_alloc;
}

/* 1 when g's pieces may be parts of images: a piece's clipped input
 * rectangle holds everything its outputs read (see the file comment). */
static int parts_allowed(const clconv__geom *g)
{
    return g->boundary == CLCONV_BOUNDARY_NONE || g->boundary == CLCONV_BOUNDARY_CONSTANT ||
           g->boundary == CLCONV_BOUNDARY_NEAREST;
}

/* Piece extents: images, output planes (3-D), rows, columns. */
typedef struct piece_size {
    size_t images, planes, rows, cols;
} piece_size;

/* Chooses piece extents whose input and output each take at most `limit`
 * bytes; 0, -1 when not even one output (3-D: output plane) fits with its
 * window, or -2 when one image does not fit and the boundary mode needs
 * whole images. */
static int choose_piece(const clconv__geom *g, size_t limit, piece_size *p)
{
    const size_t es = clconv_dtype_size(g->dtype);
    const size_t cap = limit / es; /* elements per buffer */
    const size_t img_in = g->n[0] * g->n[1] * planes(g, g->n);
    const size_t img_out = g->out[0] * g->out[1] * planes(g, g->out);
    p->planes = planes(g, g->out);
    if (img_in <= cap && img_out <= cap) {
        p->images = min_of(g->batch, min_of(cap / img_in, cap / img_out));
        p->rows = g->out[0];
        p->cols = g->out[1];
        return 0;
    }
    if (!parts_allowed(g)) return -2;
    p->images = 1;
    if (g->dims == 3) {
        /* Slabs of whole output planes: s of them read at most s + k2 - 1
         * input planes. */
        const size_t plane_in = g->n[0] * g->n[1], plane_out = g->out[0] * g->out[1];
        const size_t in_planes = cap / plane_in;
        if (in_planes < g->k[2] || plane_out > cap) return -1;
        p->planes = min_of(g->out[2], min_of(in_planes - (g->k[2] - 1), cap / plane_out));
        p->rows = g->out[0];
        p->cols = g->out[1];
        return 0;
    }
    /* Slabs of whole rows: r output rows read at most r + k0 - 1 input rows. */
    size_t in_rows = cap / g->n[1];
    if (in_rows >= g->k[0]) {
        p->rows = min_of(g->out[0], min_of(in_rows - (g->k[0] - 1), cap / g->out[1]));
        if (p->rows >= 1) {
            p->cols = g->out[1];
            return 0;
        }
    }
    /* Tiles one output row high: c output columns read at most c + k1 - 1
     * columns of min(n0, k0) rows. */
    size_t window_rows = min_of(g->n[0], g->k[0]);
    size_t in_cols = cap / window_rows;
    if (in_cols < g->k[1]) return -1;
    p->rows = 1;
    p->cols = min_of(g->out[1], min_of(in_cols - (g->k[1] - 1), cap));
    return 0;
}

/* A box of a host array of images of host[2] planes x host[0] rows x
 * host[1] columns: `images` images from image i0, ext[2] planes x ext[0]
 * rows x ext[1] columns from plane o[2], row o[0], column o[1]. */
typedef struct box {
    size_t host[3], i0, o[3], images, ext[3];
} box;

/* Copies a box between the host array and a packed device buffer. */
static int copy_box(clconv_runtime *rt, int to_device, cl_mem mem, void *host, size_t es,
                    const box *bx)
{
    const size_t row_pitch = bx->host[1] * es, slice = bx->host[0] * row_pitch;
    const size_t buf_row = bx->ext[1] * es, buf_slice = bx->ext[0] * buf_row;
    /* Images of one plane are slices of one rectangle; volumes go one at a
     * time, their planes the slices. */
    const int flat = bx->host[2] == 1;
    const size_t copies = flat ? 1 : bx->images;
    for (size_t i = 0; i < copies; i++) {
        const size_t z = flat ? bx->i0 : (bx->i0 + i) * bx->host[2] + bx->o[2];
        const size_t buffer_origin[3] = {0, 0, i * bx->ext[2]};
        const size_t host_origin[3] = {bx->o[1] * es, bx->o[0], z};
        const size_t region[3] = {bx->ext[1] * es, bx->ext[0], flat ? bx->images : bx->ext[2]};
        cl_int err;
        if (to_device)
            err = CLCONV__CL(clEnqueueWriteBufferRect, rt->queue, mem, CL_FALSE, buffer_origin,
                             host_origin, region, buf_row, buf_slice, row_pitch, slice, host, 0,
                             NULL, NULL);
        else
            err = CLCONV__CL(clEnqueueReadBufferRect, rt->queue, mem, CL_FALSE, buffer_origin,
                             host_origin, region, buf_row, buf_slice, row_pitch, slice, host, 0,
                             NULL, NULL);
        CL_RETURN_IF(rt, err, to_device ? "clEnqueueWriteBufferRect" : "clEnqueueReadBufferRect",
                     "streaming a %zu x %zu x %zu x %zu piece", bx->images, bx->ext[2],
                     bx->ext[0], bx->ext[1]);
    }
    return 0;
}

/* Stages, runs and reads back the piece at image i0, output row o0[0],
 * column o0[1] and plane o0[2] of extents p (clipped to the problem). */
static int run_piece(clconv_runtime *rt, const clconv__geom *g, const void *signal, void *out,
                     const cl_mem kern[3], size_t i0, const size_t o0[3], const piece_size *p,
                     clconv_conv_options *opts, clconv__run_fn run)
{
    const size_t es = clconv_dtype_size(g->dtype);
    clconv__geom pg = *g;
    const size_t ext[3] = {p->rows, p->cols, p->planes};
    const int dims = g->dims == 3 ? 3 : 2;
    box in_box = {{g->n[0], g->n[1], planes(g, g->n)}, i0, {0, 0, 0}, 0, {1, 1, 1}};
    box out_box = {{g->out[0], g->out[1], planes(g, g->out)}, i0, {0, 0, 0}, 0, {1, 1, 1}};
    pg.batch = min_of(p->images, g->batch - i0);
    in_box.images = out_box.images = pg.batch;
    for (int d = 0; d < dims; d++) {
        size_t a, b, o1 = min_of(o0[d] + ext[d], g->out[d]);
        input_range(g->n[d], g->k[d], g->start[d], o0[d], o1, &a, &b);
        pg.n[d] = b - a;
        pg.out[d] = o1 - o0[d];
        pg.start[d] = o0[d] + g->start[d] - a;
        in_box.o[d] = a;
        in_box.ext[d] = pg.n[d];
        out_box.o[d] = o0[d];
        out_box.ext[d] = pg.out[d];
    }
    const size_t in_count = pg.batch * in_box.ext[0] * in_box.ext[1] * in_box.ext[2];
    const size_t out_count = pg.batch * out_box.ext[0] * out_box.ext[1] * out_box.ext[2];
    cl_mem in = NULL, res = NULL;
    int status = clconv__scratch_get(rt, in_count * es, &in);
    if (status == 0) status = clconv__scratch_get(rt, out_count * es, &res);
    if (status == 0) status = copy_box(rt, 1, in, (void *)signal, es, &in_box);
    if (status == 0) status = run(rt, &pg, in, kern, res, opts);
    if (status == 0) status = copy_box(rt, 0, res, out, es, &out_box);
    clconv__scratch_release(rt, in);
    clconv__scratch_release(rt, res);
    return status;
}

/* Stages one kernel array of count elements. */
static int stage_kernel(clconv_runtime *rt, const void *host, size_t count, size_t es,
                        cl_mem *mem)
{
    FORWARD_IF_ERROR(clconv__scratch_get(rt, count * es, mem));
    CL_RETURN_IF(rt,
                 CLCONV__CL(clEnqueueWriteBuffer, rt->queue, *mem, CL_FALSE, 0, count * es, host, 0,
                            NULL, NULL),
                 "clEnqueueWriteBuffer", "staging %zu kernel taps", count);
    return 0;
}

int clconv__stream_host(clconv_runtime *rt, const clconv__geom *g, const void *signal,
                        const void *const kern[3], void *out, clconv_conv_options *opts,
                        clconv__run_fn run)
{
    const size_t es = clconv_dtype_size(g->dtype);
    const size_t limit = rt->max_alloc > SIZE_MAX ? SIZE_MAX : (size_t)rt->max_alloc;
    const int separable = kern[1] != NULL;
    /* The kernel arrays' element counts: the whole kernel, or each factor. */
    size_t taps[3] = {g->k[0] * g->k[1] * planes(g, g->k), 0, 0};
    if (separable) {
        taps[0] = g->k[0];
        taps[1] = g->k[1];
        taps[2] = kern[2] ? g->k[2] : 0;
    }
    piece_size p;
    for (int i = 0; i < 3; i++)
        RETURN_IF(rt, taps[i] > limit / es, CLCONV_EOVERFLOW,
                  "the %zu x %zu x %zu kernel exceeds the allocation limit of %" PRIu64
                  " bytes on '%s'",
                  planes(g, g->k), g->k[0], g->k[1], rt->max_alloc, rt->info.name);
    const int chosen = choose_piece(g, limit, &p);
    RETURN_IF(rt, chosen == -2, CLCONV_ENOTSUP,
              "boundary mode '%s' streams whole images only (it may read samples from "
              "anywhere in one), and one %zu x %zu x %zu image or its output exceeds the "
              "allocation limit of %" PRIu64 " bytes on '%s'",
              clconv_boundary_name(g->boundary), planes(g, g->n), g->n[0], g->n[1],
              rt->max_alloc, rt->info.name);
    RETURN_IF(rt, chosen != 0, CLCONV_EOVERFLOW,
              "one output%s's %zu x %zu x %zu input window exceeds the allocation limit of "
              "%" PRIu64 " bytes on '%s'",
              g->dims == 3 ? " plane" : "", planes(g, g->k), g->k[0], g->k[1], rt->max_alloc,
              rt->info.name);
    clconv__note(rt, "streaming: pieces of %zu image(s) x %zu x %zu x %zu outputs", p.images,
                 p.planes, p.rows, p.cols);

    cl_mem k[3] = {NULL, NULL, NULL};
    int status = 0;
    for (int i = 0; i < 3 && status == 0; i++)
        if (taps[i]) status = stage_kernel(rt, kern[i], taps[i], es, &k[i]);
    const size_t out_planes = planes(g, g->out);
    for (size_t i = 0; status == 0 && i < g->batch; i += p.images)
        for (size_t z = 0; status == 0 && z < out_planes; z += p.planes)
            for (size_t r = 0; status == 0 && r < g->out[0]; r += p.rows)
                for (size_t c = 0; status == 0 && c < g->out[1]; c += p.cols) {
                    const size_t o0[3] = {r, c, z};
                    status = run_piece(rt, g, signal, out, k, i, o0, &p, opts, run);
                }
    /* The caller's arrays take part in queued copies until the queue drains,
     * and the caller may free them once this returns: a failed wait is
     * waited again, so that no copy outlives the call. */
    cl_int err = CLCONV__CL(clFinish, rt->queue);
    if (err != CL_SUCCESS) {
        if (status == 0)
            status = clconv__cl_fail(rt, err, "clFinish", __FILE__, __LINE__,
                                     "waiting for streamed pieces");
        (void)clFinish(rt->queue);
    }
    for (int i = 0; i < 3; i++) clconv__scratch_release(rt, k[i]);
    return status;
}
