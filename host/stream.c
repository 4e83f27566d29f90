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
 * image (WRAP's left halo is the far end; a kernel longer than the signal
 * folds several times), so a piece smaller than an image is gathered on
 * the host instead: its outputs' whole window, halo included, each position
 * read through the mode's index map (kernels/boundary.h, the kernels' own),
 * and the device runs it as a 'valid' problem without a boundary mode.
 * Whole images still go to the device as they are, read through the mode
 * there.
 *
 * Pieces hold the caller's storage dtypes (an integer or complex signal,
 * a complex kernel or output) and run() converts and composes each on the
 * device (convert.c, complex.c), so the piece sizes count the larger of a
 * storage element and a compute-type one.
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

#include "../kernels/boundary.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The host copy a gathered piece is built in is at most this large unless
 * one output's window needs more: the piece is copied once more on the
 * host, so the limit of a large device would otherwise double the memory a
 * call takes. Pieces of 16 MiB and more leave the launches' fixed costs
 * small beside their work. */
#define GATHER_BYTES ((size_t)64 << 20)

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

/* Bytes per element of a signal or output of storage dtype on the device:
 * the storage itself, or the compute type an integer is converted to
 * (convert.c), whichever is larger. A complex signal's real planes
 * (complex.c) take as many bytes as the signal. */
static size_t device_size(const clconv__geom *g, clconv_dtype storage)
{
    const size_t s = clconv_dtype_size(storage), c = clconv_dtype_size(g->dtype);
    return s > c ? s : c;
}

/* The larger of the signal's and the output's device_size: pieces are cut
 * so that either fits. */
static size_t piece_size_of(const clconv__geom *g)
{
    const size_t a = device_size(g, g->in_dtype), b = device_size(g, g->out_dtype);
    return a > b ? a : b;
}

int clconv__stream_needed(const clconv_runtime *rt, const clconv__geom *g)
{
    /* conv.c has checked that these products fit size_t (at the widest
     * operand's element size, which device_size does not exceed). */
    size_t in = g->batch * g->n[0] * g->n[1] * planes(g, g->n) * device_size(g, g->in_dtype);
    size_t out =
        g->batch * g->out[0] * g->out[1] * planes(g, g->out) * device_size(g, g->out_dtype);
    return (uint64_t)in > rt->max_alloc || (uint64_t)out > rt->max_alloc;
}

/* 1 when g's pieces smaller than an image are gathered on the host (see
 * the file comment): the boundary mode may read samples outside a piece's
 * clipped input rectangle. */
static int gathers(const clconv__geom *g)
{
    return g->boundary == CLCONV_BOUNDARY_REFLECT || g->boundary == CLCONV_BOUNDARY_MIRROR ||
           g->boundary == CLCONV_BOUNDARY_WRAP;
}

/* The input extent along d behind `outputs` consecutive outputs: their
 * window, clipped to the signal, or whole (halo included) when gathered. */
static size_t in_extent(const clconv__geom *g, int d, size_t outputs)
{
    const size_t window = outputs + g->k[d] - 1;
    return gathers(g) ? window : min_of(window, g->n[d]);
}

/* Piece extents: images, output planes (3-D), rows, columns. */
typedef struct piece_size {
    size_t images, planes, rows, cols;
    int gathered; /* parts of an image, gathered on the host */
} piece_size;

/* Parts of one image for choose_piece, each input and output at most cap
 * elements; 0 or -1. */
static int choose_parts(const clconv__geom *g, size_t cap, piece_size *p)
{
    p->images = 1;
    p->planes = planes(g, g->out);
    p->gathered = gathers(g);
    if (g->dims == 3) {
        /* Slabs of whole output planes: s of them read at most s + k2 - 1
         * input planes. */
        const size_t plane_in = in_extent(g, 0, g->out[0]) * in_extent(g, 1, g->out[1]);
        const size_t plane_out = g->out[0] * g->out[1];
        const size_t in_planes = cap / plane_in;
        if (in_planes < g->k[2] || plane_out > cap) return -1;
        p->planes = min_of(g->out[2], min_of(in_planes - (g->k[2] - 1), cap / plane_out));
        p->rows = g->out[0];
        p->cols = g->out[1];
        return 0;
    }
    /* Slabs of whole rows: r output rows read at most r + k0 - 1 input rows. */
    size_t in_rows = cap / in_extent(g, 1, g->out[1]);
    if (in_rows >= g->k[0]) {
        p->rows = min_of(g->out[0], min_of(in_rows - (g->k[0] - 1), cap / g->out[1]));
        if (p->rows >= 1) {
            p->cols = g->out[1];
            return 0;
        }
    }
    /* Tiles one output row high: c output columns read at most c + k1 - 1
     * columns of the window's rows. */
    size_t in_cols = cap / in_extent(g, 0, 1);
    if (in_cols < g->k[1]) return -1;
    p->rows = 1;
    p->cols = min_of(g->out[1], min_of(in_cols - (g->k[1] - 1), cap));
    return 0;
}

/* Chooses piece extents whose input and output each take at most `limit`
 * bytes; 0, or -1 when not even one output (3-D: output plane) fits with
 * its window. */
static int choose_piece(const clconv__geom *g, size_t limit, piece_size *p)
{
    const size_t es = piece_size_of(g);
    const size_t cap = limit / es; /* elements per buffer */
    const size_t img_in = g->n[0] * g->n[1] * planes(g, g->n);
    const size_t img_out = g->out[0] * g->out[1] * planes(g, g->out);
    if (img_in <= cap && img_out <= cap) {
        p->images = min_of(g->batch, min_of(cap / img_in, cap / img_out));
        p->planes = planes(g, g->out);
        p->rows = g->out[0];
        p->cols = g->out[1];
        p->gathered = 0;
        return 0;
    }
    if (gathers(g) && GATHER_BYTES / es < cap && choose_parts(g, GATHER_BYTES / es, p) == 0)
        return 0;
    return choose_parts(g, cap, p);
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

/* Fills dst with a gathered piece of image `image` of g: ext[2] planes x
 * ext[0] rows x ext[1] columns from the (signed) signal position first[],
 * every position read through g's boundary mode. map holds ext[0] + ext[1]
 * + ext[2] entries of scratch. */
static void gather(const clconv__geom *g, const char *signal, size_t image,
                   const long long first[3], const size_t ext[3], long *map, char *dst)
{
    const size_t es = clconv_dtype_size(g->in_dtype);
    const size_t n[3] = {g->n[0], g->n[1], planes(g, g->n)};
    long *at[3] = {map, map + ext[0], map + ext[0] + ext[1]}; /* rows, columns, planes */
    for (int d = 0; d < 3; d++)
        for (size_t j = 0; j < ext[d]; j++)
            at[d][j] = boundary_index((long)(first[d] + (long long)j), (long)n[d], g->boundary);
    const char *img = signal + image * n[0] * n[1] * n[2] * es;
    for (size_t z = 0; z < ext[2]; z++) {
        for (size_t r = 0; r < ext[0]; r++) {
            const char *src = img + ((size_t)at[2][z] * n[0] + (size_t)at[0][r]) * n[1] * es;
            /* Columns in runs of consecutive samples, one copy each: an
             * interior row is one run, a reflected halo runs of one. */
            for (size_t c = 0; c < ext[1];) {
                size_t run = 1;
                while (c + run < ext[1] && at[1][c + run] == at[1][c] + (long)run) run++;
                memcpy(dst, src + (size_t)at[1][c] * es, run * es);
                dst += run * es;
                c += run;
            }
        }
    }
}

/* A gathered piece's host copy and index maps, made once per call. */
typedef struct staging {
    char *data;
    long *map;
} staging;

/* Stages, runs and reads back the piece at image i0, output row o0[0],
 * column o0[1] and plane o0[2] of extents p (clipped to the problem);
 * st is used when p->gathered. */
static int run_piece(clconv_runtime *rt, const clconv__geom *g, const void *signal, void *out,
                     const cl_mem kern[3], size_t i0, const size_t o0[3], const piece_size *p,
                     const staging *st, clconv_conv_options *opts, clconv__run_fn run)
{
    const size_t es = clconv_dtype_size(g->in_dtype), es_out = clconv_dtype_size(g->out_dtype);
    clconv__geom pg = *g;
    const size_t ext[3] = {p->rows, p->cols, p->planes};
    const int dims = g->dims == 3 ? 3 : 2;
    box in_box = {{g->n[0], g->n[1], planes(g, g->n)}, i0, {0, 0, 0}, 0, {1, 1, 1}};
    box out_box = {{g->out[0], g->out[1], planes(g, g->out)}, i0, {0, 0, 0}, 0, {1, 1, 1}};
    long long first[3] = {0, 0, 0};
    pg.batch = min_of(p->images, g->batch - i0);
    in_box.images = out_box.images = pg.batch;
    for (int d = 0; d < dims; d++) {
        size_t a, b, o1 = min_of(o0[d] + ext[d], g->out[d]);
        pg.out[d] = o1 - o0[d];
        if (p->gathered) {
            /* The outputs' whole window, a 'valid' problem of its own. */
            first[d] = (long long)(o0[d] + g->start[d]) - (long long)(g->k[d] - 1);
            pg.n[d] = pg.out[d] + g->k[d] - 1;
            pg.start[d] = g->k[d] - 1;
        } else {
            input_range(g->n[d], g->k[d], g->start[d], o0[d], o1, &a, &b);
            pg.n[d] = b - a;
            pg.start[d] = o0[d] + g->start[d] - a;
            in_box.o[d] = a;
        }
        in_box.ext[d] = pg.n[d];
        out_box.o[d] = o0[d];
        out_box.ext[d] = pg.out[d];
    }
    if (p->gathered) {
        pg.boundary = CLCONV_BOUNDARY_NONE;
        pg.cval = 0;
    }
    const size_t in_count = pg.batch * in_box.ext[0] * in_box.ext[1] * in_box.ext[2];
    const size_t out_count = pg.batch * out_box.ext[0] * out_box.ext[1] * out_box.ext[2];
    cl_mem in = NULL, res = NULL;
    int status = clconv__scratch_get(rt, in_count * es, &in);
    if (status == 0) status = clconv__scratch_get(rt, out_count * es_out, &res);
    if (status == 0 && p->gathered) {
        gather(g, signal, i0, first, in_box.ext, st->map, st->data);
        /* Blocking: the next piece is gathered into the same host copy. */
        cl_int err = clEnqueueWriteBuffer(rt->queue, in, CL_TRUE, 0, in_count * es, st->data, 0,
                                          NULL, NULL);
        if (err != CL_SUCCESS)
            status = clconv__cl_fail(rt, err, "clEnqueueWriteBuffer", __FILE__, __LINE__,
                                     "staging a gathered %zu x %zu x %zu piece", in_box.ext[2],
                                     in_box.ext[0], in_box.ext[1]);
    } else if (status == 0) {
        status = copy_box(rt, 1, in, (void *)signal, es, &in_box);
    }
    if (status == 0) status = run(rt, &pg, in, kern, res, opts);
    if (status == 0) status = copy_box(rt, 0, res, out, es_out, &out_box);
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
    /* The kernel's element size (complex kernels stage as pairs), the
     * signal's storage for the gathered copy. */
    const size_t es = clconv_dtype_size(g->kernel_dtype), es_in = clconv_dtype_size(g->in_dtype);
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
    RETURN_IF(rt, chosen != 0, CLCONV_EOVERFLOW,
              "one output%s's %zu x %zu x %zu input window exceeds the allocation limit of "
              "%" PRIu64 " bytes on '%s'",
              g->dims == 3 ? " plane" : "", planes(g, g->k), g->k[0], g->k[1], rt->max_alloc,
              rt->info.name);
    clconv__note(rt, "streaming: pieces of %zu image(s) x %zu x %zu x %zu outputs%s", p.images,
                 p.planes, p.rows, p.cols,
                 p.gathered ? ", each with its halo gathered on the host" : "");
    staging st = {NULL, NULL};
    if (p.gathered) {
        /* The largest piece's padded extents (p is within the outputs). */
        const size_t ext[3] = {p.rows + g->k[0] - 1, p.cols + g->k[1] - 1,
                               p.planes + planes(g, g->k) - 1};
        st.data = malloc(ext[0] * ext[1] * ext[2] * es_in);
        st.map = malloc((ext[0] + ext[1] + ext[2]) * sizeof *st.map);
        if (!st.data || !st.map) {
            free(st.data);
            free(st.map);
            return CLCONV_FAIL(rt, CLCONV_ENOMEM,
                               "allocating %zu bytes of host memory to gather a streamed piece",
                               ext[0] * ext[1] * ext[2] * es_in);
        }
    }

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
                    status = run_piece(rt, g, signal, out, k, i, o0, &p, &st, opts, run);
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
    free(st.data);
    free(st.map);
    return status;
}
