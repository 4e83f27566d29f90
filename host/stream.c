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
 * tiles of a few rows and part of their columns. All work goes through the
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

int clconv__stream_needed(const clconv_runtime *rt, const clconv__geom *g)
{
    const size_t es = clconv_dtype_size(g->dtype);
    /* conv.c has checked that these products fit size_t. */
    size_t in = g->batch * g->n[0] * g->n[1] * es, out = g->batch * g->out[0] * g->out[1] * es;
    return (uint64_t)in > rt->max_alloc || (uint64_t)out > rt->max_alloc;
}

/* 1 when g's pieces may be parts of images: a piece's clipped input
 * rectangle holds everything its outputs read (see the file comment). */
static int parts_allowed(const clconv__geom *g)
{
    return g->boundary == CLCONV_BOUNDARY_NONE || g->boundary == CLCONV_BOUNDARY_CONSTANT ||
           g->boundary == CLCONV_BOUNDARY_NEAREST;
}

/* Piece extents: images, output rows, output columns. */
typedef struct piece_size {
    size_t images, rows, cols;
} piece_size;

/* Chooses piece extents whose input and output each take at most `limit`
 * bytes; 0, -1 when not even one output fits with its window, or -2 when
 * one image does not fit and the boundary mode needs whole images. */
static int choose_piece(const clconv__geom *g, size_t limit, piece_size *p)
{
    const size_t es = clconv_dtype_size(g->dtype);
    const size_t cap = limit / es; /* elements per buffer */
    const size_t img_in = g->n[0] * g->n[1], img_out = g->out[0] * g->out[1];
    if (img_in <= cap && img_out <= cap) {
        p->images = min_of(g->batch, min_of(cap / img_in, cap / img_out));
        p->rows = g->out[0];
        p->cols = g->out[1];
        return 0;
    }
    if (!parts_allowed(g)) return -2;
    p->images = 1;
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

/* Copies a box of `images` x rows x cols elements between a host array of
 * images of host_rows x host_cols (box at image i0, row r0, column c0) and a
 * packed device buffer. */
static int copy_box(clconv_runtime *rt, int to_device, cl_mem mem, void *host, size_t es,
                    size_t host_rows, size_t host_cols, size_t i0, size_t r0, size_t c0,
                    size_t images, size_t rows, size_t cols)
{
    const size_t buffer_origin[3] = {0, 0, 0};
    const size_t host_origin[3] = {c0 * es, r0, i0};
    const size_t region[3] = {cols * es, rows, images};
    cl_int err;
    if (to_device)
        err = clEnqueueWriteBufferRect(rt->queue, mem, CL_FALSE, buffer_origin, host_origin,
                                       region, cols * es, rows * cols * es, host_cols * es,
                                       host_rows * host_cols * es, host, 0, NULL, NULL);
    else
        err = clEnqueueReadBufferRect(rt->queue, mem, CL_FALSE, buffer_origin, host_origin,
                                      region, cols * es, rows * cols * es, host_cols * es,
                                      host_rows * host_cols * es, host, 0, NULL, NULL);
    CL_RETURN_IF(rt, err, to_device ? "clEnqueueWriteBufferRect" : "clEnqueueReadBufferRect",
                 "streaming a %zu x %zu x %zu piece", images, rows, cols);
    return 0;
}

/* Stages, runs and reads back the piece at image i0, output row r0 and
 * column c0 of extents p (clipped to the problem). */
static int run_piece(clconv_runtime *rt, const clconv__geom *g, const void *signal, void *out,
                     cl_mem kernel, cl_mem kernel2, size_t i0, size_t r0, size_t c0,
                     const piece_size *p, clconv_conv_options *opts, clconv__run_fn run)
{
    const size_t es = clconv_dtype_size(g->dtype);
    clconv__geom pg = *g;
    const size_t o0[2] = {r0, c0};
    const size_t o1[2] = {min_of(r0 + p->rows, g->out[0]), min_of(c0 + p->cols, g->out[1])};
    size_t a[2], b[2];
    pg.batch = min_of(p->images, g->batch - i0);
    for (int d = 0; d < 2; d++) {
        input_range(g->n[d], g->k[d], g->start[d], o0[d], o1[d], &a[d], &b[d]);
        pg.n[d] = b[d] - a[d];
        pg.out[d] = o1[d] - o0[d];
        pg.start[d] = o0[d] + g->start[d] - a[d];
    }
    cl_mem in = NULL, res = NULL;
    int status = clconv__scratch_get(rt, pg.batch * pg.n[0] * pg.n[1] * es, &in);
    if (status == 0) status = clconv__scratch_get(rt, pg.batch * pg.out[0] * pg.out[1] * es, &res);
    if (status == 0)
        status = copy_box(rt, 1, in, (void *)signal, es, g->n[0], g->n[1], i0, a[0], a[1],
                          pg.batch, pg.n[0], pg.n[1]);
    if (status == 0) status = run(rt, &pg, in, kernel, kernel2, res, opts);
    if (status == 0)
        status = copy_box(rt, 0, res, out, es, g->out[0], g->out[1], i0, o0[0], o0[1], pg.batch,
                          pg.out[0], pg.out[1]);
    clconv__scratch_release(rt, in);
    clconv__scratch_release(rt, res);
    return status;
}

/* Stages one kernel array of count elements. */
static int stage_kernel(clconv_runtime *rt, const void *host, size_t count, size_t es,
                        cl_mem *mem)
{
    FORWARD_IF_ERROR(clconv__scratch_get(rt, count * es, mem));
    CL_RETURN_IF(rt, clEnqueueWriteBuffer(rt->queue, *mem, CL_FALSE, 0, count * es, host, 0,
                                          NULL, NULL),
                 "clEnqueueWriteBuffer", "staging %zu kernel taps", count);
    return 0;
}

int clconv__stream_host(clconv_runtime *rt, const clconv__geom *g, const void *signal,
                        const void *kernel, const void *kernel2, void *out,
                        clconv_conv_options *opts, clconv__run_fn run)
{
    const size_t es = clconv_dtype_size(g->dtype);
    const size_t limit = rt->max_alloc > SIZE_MAX ? SIZE_MAX : (size_t)rt->max_alloc;
    const size_t taps = kernel2 ? g->k[0] : g->k[0] * g->k[1];
    piece_size p;
    RETURN_IF(rt, taps > limit / es || (kernel2 && g->k[1] > limit / es), CLCONV_EOVERFLOW,
              "the %zu x %zu kernel exceeds the allocation limit of %" PRIu64 " bytes on '%s'",
              g->k[0], g->k[1], rt->max_alloc, rt->info.name);
    const int chosen = choose_piece(g, limit, &p);
    RETURN_IF(rt, chosen == -2, CLCONV_ENOTSUP,
              "boundary mode '%s' streams whole images only (it may read samples from "
              "anywhere in one), and one %zu x %zu image or its output exceeds the "
              "allocation limit of %" PRIu64 " bytes on '%s'",
              clconv_boundary_name(g->boundary), g->n[0], g->n[1], rt->max_alloc,
              rt->info.name);
    RETURN_IF(rt, chosen != 0, CLCONV_EOVERFLOW,
              "one output's %zu x %zu input window exceeds the allocation limit of %" PRIu64
              " bytes on '%s'",
              g->k[0], g->k[1], rt->max_alloc, rt->info.name);
    clconv__note(rt, "streaming: pieces of %zu image(s) x %zu x %zu outputs", p.images, p.rows,
                 p.cols);

    cl_mem k1 = NULL, k2 = NULL;
    int status = stage_kernel(rt, kernel, taps, es, &k1);
    if (status == 0 && kernel2) status = stage_kernel(rt, kernel2, g->k[1], es, &k2);
    for (size_t i = 0; status == 0 && i < g->batch; i += p.images)
        for (size_t r = 0; status == 0 && r < g->out[0]; r += p.rows)
            for (size_t c = 0; status == 0 && c < g->out[1]; c += p.cols)
                status = run_piece(rt, g, signal, out, k1, k2, i, r, c, &p, opts, run);
    /* The caller's arrays take part in queued copies until the queue drains. */
    cl_int err = clFinish(rt->queue);
    if (status == 0 && err != CL_SUCCESS)
        status = clconv__cl_fail(rt, err, "clFinish", __FILE__, __LINE__,
                                 "waiting for streamed pieces");
    clconv__scratch_release(rt, k1);
    clconv__scratch_release(rt, k2);
    return status;
}
