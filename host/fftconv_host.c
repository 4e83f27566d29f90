/*
 * FFT convolution on the host backend (plan.h's clconv__fftconv_host): on a
 * CPU device whose buffers live in host memory, with FFTW's transforms
 * (fft_host.c), the steps that fftconv.c enqueues as kernels around VkFFT's
 * transforms run here on the mapped buffers instead, fused so that each
 * block of the layout makes one trip through the caches:
 *
 *   pad the block (memcpy of the signal's rows, memset or the boundary mode
 *   past its edges), forward r2c, multiply by the kernel's spectrum (which
 *   carries the 1/points of the unnormalised inverse), inverse c2r, copy the
 *   wanted outputs out (memcpy).
 *
 * Layouts of several blocks (overlap-save in 1-D and 2-D, a batch) hand
 * whole blocks to the threads, one per compute unit, each with single-thread
 * plans and a block buffer of its own; a layout of fewer blocks than threads
 * (one plane, one volume) runs each block with FFTW's threads and splits
 * the padding, product and crop among the threads by rows, and such a
 * volume's 3-D transforms are taken apart (run_volumes) so that zero planes
 * and planes outside the output cost nothing.
 *
 * Why: with the steps as OpenCL kernels around FFTW's transforms, the
 * 65536-tap 1-D convolutions took 1.25-1.68 times an FFTW-written
 * convolution of the same transforms (README, "The FFT path against FFTW"):
 * the padding, product and crop kernels, each a pass over the whole work
 * buffer, and a blocking map and unmap per transform, cost about as much as
 * the transforms.
 *
 * The geometry's conventions are those of kernels/fft.cl, which this file
 * mirrors: blocks, in0, step and shift per dimension as in clconv__fft_layout,
 * a boundary mode read through kernels/boundary.h, the kernel padded
 * reversed for correlation.
 */
#include "fft.h"
#include "plan.h"

#include "../kernels/boundary.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Threads the host steps use at most (one per compute unit up to this). */
#define TEAM_MAX 64

/* Rows of a block one thread takes at a time when a block is split. */
#define ROW_CHUNK 8

/* Block buffers (pooled device buffers, mapped) must be aligned so that
 * the plans (made on fftw_malloc's arrays) may run on them. */
#define ALIGN CLCONV__FFT_HOST_ALIGN

/* What a block is padded from: as fftconv.c's pad_source, on host memory.
 * Extents and indices per dimension: rows, columns, planes. */
typedef struct source {
    const char *base;
    size_t n[3];       /* rows, columns, planes of one image or volume */
    size_t blocks[2];  /* blocks per image along rows and columns */
    long long in0[3];
    size_t step[2];
    int reverse;       /* the kernel for correlation: read rotated by 180 degrees */
    clconv_boundary boundary;
    double outside;    /* what a position without a sample reads (scaled) */
    double scale;
} source;

/* One call's shared state. */
typedef struct job {
    const clconv__geom *g;
    size_t es;
    int f64;
    size_t len[3], pitch;      /* transform extents (rows, columns, planes), row pitch */
    size_t reals, spectrum;    /* reals of one transform; complex values of its spectrum */
    size_t total;              /* signal blocks */
    source x;
    size_t shift[3];
    size_t crop_step[2];       /* outputs per block: rows, columns */
    size_t out_planes;         /* output planes per block (volumes), else 1 */
    int volume;                /* 3-D */
    char *y;                   /* the output */
    const void *kspec;
    const clconv__fft_host_plan *fwd, *inv;
    clconv__fft_key fwd_key, inv_key, kern_key;
    /* Work sharing. */
    char *buf[TEAM_MAX];       /* one block buffer per thread (per-block mode) */
    char *block;               /* the block being worked on (split mode) */
    const source *pad_src;     /* what pad_worker pads it from: x, or the kernel */
    size_t zero_from;          /* pad_worker zeroes planes from this one on, padding
                                  columns included, instead of padding them */
    size_t block_no;
    atomic_size_t next;
    size_t items;              /* what next counts up to */
} job;

/* ---- a team of threads ------------------------------------------------- */

typedef struct member {
    void (*fn)(job *j, unsigned id);
    job *j;
    unsigned id;
} member;

static void *member_main(void *arg)
{
    member *m = arg;
    m->fn(m->j, m->id);
    return NULL;
}

/* Runs fn(j, id) on `threads` threads (ids 0 ... threads-1, 0 the caller's)
 * and returns when all are done. The work is shared through j->next, so a
 * thread that cannot be started only leaves its share to the others. */
static void team_run(unsigned threads, void (*fn)(job *j, unsigned id), job *j)
{
    pthread_t tid[TEAM_MAX];
    member m[TEAM_MAX];
    unsigned started = 0;
    atomic_store(&j->next, 0);
    for (unsigned id = 1; id < threads && id < TEAM_MAX; id++) {
        m[id] = (member){fn, j, id};
        if (pthread_create(&tid[started], NULL, member_main, &m[id]) != 0) break;
        started++;
    }
    fn(j, 0);
    for (unsigned i = 0; i < started; i++) pthread_join(tid[i], NULL);
}

/* ---- element steps ------------------------------------------------------- */

static inline double load(const char *p, int f64)
{
    return f64 ? *(const double *)p : (double)*(const float *)p;
}

static inline void store(char *p, double v, int f64)
{
    if (f64) *(double *)p = v;
    else *(float *)p = (float)v;
}

/* count elements of value v at dst. */
static void fill(char *dst, size_t count, double v, int f64)
{
    if (v == 0) {
        memset(dst, 0, count * (f64 ? 8 : 4));
        return;
    }
    for (size_t i = 0; i < count; i++) store(dst + i * (f64 ? 8 : 4), v, f64);
}

/* spec[i] *= kern[i] for complex values i in [lo, hi). */
static void multiply(char *spec, const void *kern, size_t lo, size_t hi, int f64)
{
    if (f64) {
        double *restrict a = (double *)spec;
        const double *restrict b = kern;
        for (size_t i = lo; i < hi; i++) {
            const double ar = a[2 * i], ai = a[2 * i + 1], br = b[2 * i], bi = b[2 * i + 1];
            a[2 * i] = ar * br - ai * bi;
            a[2 * i + 1] = ar * bi + ai * br;
        }
    } else {
        float *restrict a = (float *)spec;
        const float *restrict b = kern;
        for (size_t i = lo; i < hi; i++) {
            const float ar = a[2 * i], ai = a[2 * i + 1], br = b[2 * i], bi = b[2 * i + 1];
            a[2 * i] = ar * br - ai * bi;
            a[2 * i + 1] = ar * bi + ai * br;
        }
    }
}

/* Pads rows q_lo ... q_hi-1 (plane q / len_r, row q % len_r) of transform
 * t's block from s into dst, one transform of len[] in the padded layout.
 * The columns past len[1] are the spectrum's room and are left as they
 * are: the in-place r2c ignores them. */
static void pad_rows(const job *j, const source *s, size_t t, char *dst, size_t q_lo,
                     size_t q_hi)
{
    const size_t es = j->es, len_r = j->len[0], len_c = j->len[1];
    const size_t per_image = s->blocks[0] * s->blocks[1];
    const size_t image = t / per_image, br = (t % per_image) / s->blocks[1],
                 bc = t % s->blocks[1];
    const long rows = (long)s->n[0], cols = (long)s->n[1], planes = (long)s->n[2];
    const char *volume = s->base + image * (size_t)(planes * rows * cols) * es;
    const long long x0 = s->in0[1] + (long long)(bc * s->step[1]);
    /* Columns c in [lo, hi) read x0 + c inside the source. */
    const size_t lo = x0 < 0 ? (size_t)(-x0 < (long long)len_c ? -x0 : (long long)len_c) : 0;
    const long long right = (long long)cols - x0;
    const size_t hi = right <= (long long)lo    ? lo
                      : right >= (long long)len_c ? len_c
                                                  : (size_t)right;
    const int plain = !s->reverse && s->scale == 1.0;
    for (size_t q = q_lo; q < q_hi; q++) {
        const size_t p = q / len_r, r = q % len_r;
        char *row = dst + q * j->pitch * es;
        const long zz = boundary_index((long)(s->in0[2] + (long long)p), planes, s->boundary);
        const long y = boundary_index(
            (long)(s->in0[0] + (long long)(br * s->step[0]) + (long long)r), rows, s->boundary);
        if (zz < 0 || y < 0) {
            fill(row, len_c, s->outside, j->f64);
            continue;
        }
        if (s->reverse) { /* the kernel: in0 0, no boundary mode, lo 0 */
            const char *from =
                volume + (size_t)(((planes - 1 - zz) * rows + rows - 1 - y) * cols) * es;
            for (size_t c = 0; c < hi; c++) {
                const double v = load(from + (size_t)(cols - 1 - (long)c) * es, j->f64);
                store(row + c * es, s->scale * v, j->f64);
            }
            fill(row + hi * es, len_c - hi, 0, j->f64);
            continue;
        }
        const char *from = volume + (size_t)((zz * rows + y) * cols) * es;
        if (plain) {
            memcpy(row + lo * es, from + (size_t)(x0 + (long long)lo) * es, (hi - lo) * es);
        } else {
            for (size_t c = lo; c < hi; c++) {
                const double v = load(from + (size_t)(x0 + (long long)c) * es, j->f64);
                store(row + c * es, s->scale * v, j->f64);
            }
        }
        if (s->boundary == CLCONV_BOUNDARY_NONE || s->boundary == CLCONV_BOUNDARY_CONSTANT) {
            fill(row, lo, s->outside, j->f64);
            fill(row + hi * es, len_c - hi, s->outside, j->f64);
            continue;
        }
        /* The edges read through the boundary mode: [0, lo) and [hi, len_c). */
        for (size_t c = 0; c < len_c; c++) {
            if (c == lo) c = hi;
            if (c >= len_c) break;
            const long x = boundary_index((long)(x0 + (long long)c), cols, s->boundary);
            store(row + c * es, s->scale * load(from + (size_t)x * es, j->f64), j->f64);
        }
    }
}

/* Rows of outputs one block holds: out_planes x crop_step[0]. */
static size_t crop_rows_per_block(const job *j) { return j->out_planes * j->crop_step[0]; }

/* Copies output rows i_lo ... i_hi-1 of block t (plane i / crop_step[0])
 * from its inverse transform at src into the output. */
static void crop_rows(const job *j, size_t t, const char *src, size_t i_lo, size_t i_hi)
{
    const clconv__geom *g = j->g;
    const size_t es = j->es;
    const size_t per_image = j->x.blocks[0] * j->x.blocks[1];
    const size_t image = t / per_image, br = (t % per_image) / j->x.blocks[1],
                 bc = t % j->x.blocks[1];
    const size_t out_r = g->out[0], out_c = g->out[1];
    const size_t o_c0 = bc * j->crop_step[1];
    if (o_c0 >= out_c) return;
    const size_t m = o_c0 + j->crop_step[1] <= out_c ? j->crop_step[1] : out_c - o_c0;
    for (size_t i = i_lo; i < i_hi; i++) {
        const size_t p = i / j->crop_step[0], ii = i % j->crop_step[0];
        const size_t o_r = br * j->crop_step[0] + ii;
        if (o_r >= out_r) continue;
        const char *from = src + (((j->shift[2] + p) * j->len[0] + j->shift[0] + ii) * j->pitch +
                                  j->shift[1]) * es;
        char *to = j->y + (((image * j->out_planes + p) * out_r + o_r) * out_c + o_c0) * es;
        memcpy(to, from, m * es);
    }
}

/* ---- the two ways of sharing the work ------------------------------------ */

/* Per-block mode: each thread takes whole blocks. */
static void block_worker(job *j, unsigned id)
{
    char *buf = j->buf[id];
    const size_t rows = j->len[0] * j->len[2];
    for (size_t t; (t = atomic_fetch_add(&j->next, 1)) < j->total;) {
        pad_rows(j, &j->x, t, buf, 0, rows);
        clconv__fft_host_run(j->fwd, &j->fwd_key, buf);
        multiply(buf, j->kspec, 0, j->spectrum, j->f64);
        clconv__fft_host_run(j->inv, &j->inv_key, buf);
        crop_rows(j, t, buf, 0, crop_rows_per_block(j));
    }
}

/* Split mode: the threads share one block's rows (j->items chunks). */
static void pad_worker(job *j, unsigned id)
{
    (void)id;
    const size_t rows = j->len[0] * j->len[2];
    const size_t zero = j->zero_from * j->len[0] < rows ? j->zero_from * j->len[0] : rows;
    const size_t row_bytes = j->pitch * j->es;
    for (size_t c; (c = atomic_fetch_add(&j->next, 1)) < j->items;) {
        const size_t lo = c * ROW_CHUNK, hi = lo + ROW_CHUNK < rows ? lo + ROW_CHUNK : rows;
        if (lo < zero) pad_rows(j, j->pad_src, j->block_no, j->block, lo, hi < zero ? hi : zero);
        if (hi > zero) {
            const size_t from = lo > zero ? lo : zero;
            memset(j->block + from * row_bytes, 0, (hi - from) * row_bytes);
        }
    }
}

static void multiply_worker(job *j, unsigned id)
{
    (void)id;
    const size_t row = j->pitch / 2;
    for (size_t c; (c = atomic_fetch_add(&j->next, 1)) < j->items;) {
        const size_t lo = c * ROW_CHUNK * row;
        const size_t hi = lo + ROW_CHUNK * row < j->spectrum ? lo + ROW_CHUNK * row : j->spectrum;
        multiply(j->block, j->kspec, lo, hi, j->f64);
    }
}

static void crop_worker(job *j, unsigned id)
{
    (void)id;
    const size_t rows = crop_rows_per_block(j);
    for (size_t c; (c = atomic_fetch_add(&j->next, 1)) < j->items;) {
        const size_t hi = (c + 1) * ROW_CHUNK < rows ? (c + 1) * ROW_CHUNK : rows;
        crop_rows(j, j->block_no, j->block, c * ROW_CHUNK, hi);
    }
}

static size_t chunks(size_t rows) { return (rows + ROW_CHUNK - 1) / ROW_CHUNK; }

/* Runs every block through all the steps with FFTW's threads, the element
 * steps split among `threads`. */
static void run_split(job *j, unsigned threads)
{
    for (size_t t = 0; t < j->total; t++) {
        j->block_no = t;
        j->pad_src = &j->x;
        j->zero_from = j->len[2];
        j->items = chunks(j->len[0] * j->len[2]);
        team_run(threads, pad_worker, j);
        clconv__fft_host_run(j->fwd, &j->fwd_key, j->block);
        j->items = chunks(j->len[0] * j->len[2]);
        team_run(threads, multiply_worker, j);
        clconv__fft_host_run(j->inv, &j->inv_key, j->block);
        j->items = chunks(crop_rows_per_block(j));
        team_run(threads, crop_worker, j);
    }
}

/* ---- the call ------------------------------------------------------------- */

/* Maps `bytes` of mem for the host (blocking: the work queued before has
 * run); on POCL's CPU device this is the buffer's own memory. */
static int map(clconv_runtime *rt, cl_mem mem, size_t bytes, cl_map_flags flags, void **ptr,
               const char *what)
{
    cl_int err = CL_SUCCESS;
    *ptr = CLCONV__CL_OBJ(clEnqueueMapBuffer, &err, rt->queue, mem, CL_TRUE, flags, 0, bytes, 0,
                          NULL, NULL);
    CL_RETURN_IF(rt, err, "clEnqueueMapBuffer", "mapping the %s (%zu bytes) for the host FFT",
                 what, bytes);
    return 0;
}

/* Unmaps what map() mapped (ptr NULL: nothing); status is the call's so
 * far, returned unless it was 0 and the unmap fails. A failed unmap is
 * tried once more plainly, so that the mapping does not outlive the call. */
static int unmap(clconv_runtime *rt, cl_mem mem, void *ptr, int status)
{
    if (!ptr) return status;
    cl_int err = CLCONV__CL(clEnqueueUnmapMemObject, rt->queue, mem, ptr, 0, NULL, NULL);
    if (err == CL_SUCCESS) return status;
    (void)clEnqueueUnmapMemObject(rt->queue, mem, ptr, 0, NULL, NULL);
    return status ? status
                  : clconv__cl_fail(rt, err, "clEnqueueUnmapMemObject", __FILE__, __LINE__,
                                    "after the host FFT");
}

/* What the kernel is padded from: reversed for correlation, scaled by
 * 1/points for the unnormalised inverse. */
static source kernel_source(const job *j, const void *kernel)
{
    const clconv__geom *g = j->g;
    const double points = (double)j->len[0] * (double)j->len[1] * (double)j->len[2];
    return (source){kernel, {g->k[0], g->k[1], j->volume ? g->k[2] : 1}, {1, 1}, {0, 0, 0},
                    {0, 0}, g->correlate, CLCONV_BOUNDARY_NONE, 0.0, 1.0 / points};
}

/* The kernel's spectrum, scaled by 1/points, into kspec (one transform's
 * reals), with FFTW's threads, its padding split among `threads` (a 280^3
 * volume is 88 MB of mostly zeros to write). */
static int kernel_spectrum(clconv_runtime *rt, job *j, unsigned threads, const void *kernel,
                           char *kspec)
{
    const source k = kernel_source(j, kernel);
    clconv__fft_key key = j->kern_key;
    clconv__fft_host_plan *plan;
    void *token;
    FORWARD_IF_ERROR(clconv__fft_host_hold(rt, &key, &plan, &token));
    j->pad_src = &k;
    j->block = kspec;
    j->block_no = 0;
    j->zero_from = j->len[2];
    j->items = chunks(j->len[0] * j->len[2]);
    team_run(threads, pad_worker, j);
    clconv__fft_host_run(plan, &key, kspec);
    clconv__fft_host_let_go(rt, token);
    return 0;
}

/* Volumes with FFTW's threads (fewer volumes than threads): each 3-D
 * transform taken apart into 2-D transforms of its planes and complex
 * transforms along the planes (a depth pass), which is what a 3-D
 * real-to-complex transform is, so that planes known to be zero are neither
 * padded nor transformed (the kernel's beyond its own extent; without a
 * boundary mode the signal's beyond its end) and planes outside the output
 * are not transformed back. A 256^3 volume with a 31^3 kernel ('same', 280^3
 * transforms) skips 89% of the 2-D work of the kernel's transform and 9% of
 * the signal's and of the inverse. */
static int run_volumes(clconv_runtime *rt, job *j, unsigned threads, const void *kernel,
                       char *kspec, char *block)
{
    const clconv__geom *g = j->g;
    const size_t len2 = j->len[2], plane_bytes = j->len[0] * j->pitch * j->es;
    /* Without a boundary mode the signal's planes end at n[2] (in0 is 0). */
    const size_t signal_planes = g->boundary == CLCONV_BOUNDARY_NONE ? g->n[2] : len2;
    clconv__fft_key keys[5];
    size_t inv_first;
    clconv__fft_host_volume_keys(j->len, g->dtype, g->k[2], signal_planes, j->shift[2],
                                 j->out_planes, keys, &inv_first);
    const size_t kernel_planes = keys[0].count;
    clconv__fft_host_plan *plan[5] = {NULL};
    void *token[5] = {NULL};
    int status = 0;
    for (int i = 0; i < 5 && status == 0; i++)
        status = clconv__fft_host_hold(rt, &keys[i], &plan[i], &token[i]);
    if (status == 0) {
        const source k = kernel_source(j, kernel);
        j->pad_src = &k;
        j->block = kspec;
        j->block_no = 0;
        j->zero_from = kernel_planes;
        j->items = chunks(j->len[0] * len2);
        team_run(threads, pad_worker, j);
        clconv__fft_host_run(plan[0], &keys[0], kspec);
        clconv__fft_host_run(plan[3], &keys[3], kspec);
        j->kspec = kspec;
        j->block = block;
        for (size_t t = 0; t < j->total; t++) {
            j->pad_src = &j->x;
            j->block_no = t;
            j->zero_from = keys[1].count;
            j->items = chunks(j->len[0] * len2);
            team_run(threads, pad_worker, j);
            clconv__fft_host_run(plan[1], &keys[1], block);
            clconv__fft_host_run(plan[3], &keys[3], block);
            j->items = chunks(j->len[0] * len2);
            team_run(threads, multiply_worker, j);
            clconv__fft_host_run(plan[4], &keys[4], block);
            clconv__fft_host_run(plan[2], &keys[2], block + inv_first * plane_bytes);
            j->items = chunks(crop_rows_per_block(j));
            team_run(threads, crop_worker, j);
        }
    }
    for (int i = 0; i < 5; i++) clconv__fft_host_let_go(rt, token[i]);
    return status;
}

/* A block-sized buffer from the scratch pool, mapped for the host: the
 * pool's buffers keep their pages from call to call, where fresh host
 * memory cost a 3-D call 8% of its time in page faults (perf, 256^3 with
 * 31^3 taps). */
typedef struct pooled {
    cl_mem mem;
    char *ptr;
} pooled;

static int pooled_get(clconv_runtime *rt, size_t bytes, pooled *b)
{
    void *ptr = NULL;
    FORWARD_IF_ERROR(clconv__scratch_get(rt, bytes, &b->mem));
    int status = map(rt, b->mem, bytes, CL_MAP_READ | CL_MAP_WRITE, &ptr, "FFT block");
    if (status == 0 && (uintptr_t)ptr % ALIGN != 0) {
        /* The plans were made for SIMD-aligned arrays; OpenCL buffers are
         * aligned to the device's base address alignment, far more. */
        status = unmap(rt, b->mem, ptr,
                       CLCONV_FAIL(rt, CLCONV_EFFT, "the mapped FFT block at %p is not aligned "
                                                    "to %d bytes", ptr, ALIGN));
        ptr = NULL;
    }
    if (status < 0) {
        clconv__scratch_release(rt, b->mem);
        b->mem = NULL;
        return status;
    }
    b->ptr = ptr;
    return 0;
}

static int pooled_put(clconv_runtime *rt, pooled *b, int status)
{
    if (!b->mem) return status;
    status = unmap(rt, b->mem, b->ptr, status);
    clconv__scratch_release(rt, b->mem);
    b->mem = NULL;
    return status;
}

/* The transforms and steps once everything is mapped. */
static int convolve(clconv_runtime *rt, job *j, const void *kernel)
{
    unsigned threads = clconv__fft_host_keys(j->len, j->total, j->g->dtype,
                                             (unsigned)rt->info.compute_units, &j->fwd_key,
                                             &j->inv_key, &j->kern_key);
    if (threads > TEAM_MAX) threads = TEAM_MAX;
    /* Whole blocks to threads when there are enough of them to go round. */
    const int per_block = threads > 1 && j->total >= threads;
    /* Volumes on FFTW's threads take their transforms apart (run_volumes). */
    const int volumes = j->volume && !per_block;
    const size_t bytes = j->reals * j->es;
    clconv__fft_host_plan *fwd = NULL, *inv = NULL;
    void *tf = NULL, *ti = NULL;
    int status = volumes ? 0 : clconv__fft_host_hold(rt, &j->fwd_key, &fwd, &tf);
    if (status == 0 && !volumes) status = clconv__fft_host_hold(rt, &j->inv_key, &inv, &ti);
    j->fwd = fwd;
    j->inv = inv;
    pooled kspec = {NULL, NULL}, buf[TEAM_MAX];
    memset(buf, 0, sizeof buf);
    if (status == 0) status = pooled_get(rt, bytes, &kspec);
    const unsigned buffers = per_block ? threads : 1;
    for (unsigned i = 0; status == 0 && i < buffers; i++) {
        status = pooled_get(rt, bytes, &buf[i]);
        j->buf[i] = buf[i].ptr;
    }
    if (status == 0 && volumes) {
        status = run_volumes(rt, j, threads, kernel, kspec.ptr, j->buf[0]);
    } else if (status == 0) {
        status = kernel_spectrum(rt, j, threads, kernel, kspec.ptr);
    }
    if (status == 0 && !volumes) {
        j->kspec = kspec.ptr;
        if (per_block) {
            team_run(threads, block_worker, j);
        } else {
            j->block = j->buf[0];
            run_split(j, threads);
        }
    }
    for (unsigned i = 0; i < buffers; i++) status = pooled_put(rt, &buf[i], status);
    status = pooled_put(rt, &kspec, status);
    clconv__fft_host_let_go(rt, ti);
    clconv__fft_host_let_go(rt, tf);
    return status;
}

int clconv__fftconv_host(clconv_runtime *rt, const clconv__geom *g, const clconv__fft_layout *lay,
                         const clconv__fft3_layout *lay3, cl_mem signal, cl_mem kernel,
                         cl_mem out)
{
    job j;
    memset(&j, 0, sizeof j);
    j.g = g;
    j.es = clconv_dtype_size(g->dtype);
    j.f64 = g->dtype == CLCONV_F64;
    const double cval = g->boundary == CLCONV_BOUNDARY_CONSTANT ? g->cval : 0.0;
    j.volume = lay3 != NULL;
    if (lay3) {
        for (int d = 0; d < 3; d++) j.len[d] = lay3->len[d], j.shift[d] = lay3->shift[d];
        j.total = g->batch;
        j.x = (source){NULL, {g->n[0], g->n[1], g->n[2]}, {1, 1},
                       {lay3->in0[0], lay3->in0[1], lay3->in0[2]}, {0, 0}, 0, g->boundary,
                       cval, 1.0};
        j.crop_step[0] = g->out[0];
        j.crop_step[1] = g->out[1];
        j.out_planes = g->out[2];
    } else {
        j.len[0] = lay->len[0], j.len[1] = lay->len[1], j.len[2] = 1;
        j.shift[0] = lay->shift[0], j.shift[1] = lay->shift[1], j.shift[2] = 0;
        j.total = lay->total;
        j.x = (source){NULL, {g->n[0], g->n[1], 1}, {lay->blocks[0], lay->blocks[1]},
                       {lay->in0[0], lay->in0[1], 0}, {lay->step[0], lay->step[1]}, 0,
                       g->boundary, cval, 1.0};
        j.crop_step[0] = lay->step[0];
        j.crop_step[1] = lay->step[1];
        j.out_planes = 1;
    }
    j.pitch = clconv__fft_pitch(j.len[1]);
    j.reals = j.len[0] * j.pitch * j.len[2];
    j.spectrum = j.reals / 2;

    /* Geometries made outside conv.c (dist, tune, tests) may leave index 2
     * at 0 below 3-D. */
    const int vol = lay3 != NULL;
    const size_t xbytes = g->batch * g->n[0] * g->n[1] * (vol ? g->n[2] : 1) * j.es;
    const size_t hbytes = g->k[0] * g->k[1] * (vol ? g->k[2] : 1) * j.es;
    const size_t ybytes = g->batch * g->out[0] * g->out[1] * (vol ? g->out[2] : 1) * j.es;
    RETURN_IF(rt, clconv__fault("FFTW"), CLCONV_EFFT, "FFTW transform failed (injected fault)");
    void *x = NULL, *h = NULL, *y = NULL;
    int status = map(rt, signal, xbytes, CL_MAP_READ, &x, "signal");
    if (status == 0) {
        if (kernel == signal) h = x;
        else status = map(rt, kernel, hbytes, CL_MAP_READ, &h, "kernel");
    }
    if (status == 0) status = map(rt, out, ybytes, CL_MAP_WRITE, &y, "output");
    if (status == 0) {
        j.x.base = x;
        j.y = y;
        status = convolve(rt, &j, h);
    }
    status = unmap(rt, out, y, status);
    if (h != x) status = unmap(rt, kernel, h, status);
    status = unmap(rt, signal, x, status);
    return status;
}
