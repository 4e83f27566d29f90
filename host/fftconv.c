/*
 * FFT convolution (dispatch.h's clconv__fft_run): the kernel's spectrum is
 * computed once per call, then the signal's blocks (one per image, or
 * overlap-save blocks, as plan.c lays them out) go through forward
 * transform, multiplication by that spectrum, inverse transform and crop,
 * one launch-sized group at a time through a single reused work buffer.
 * Everything is enqueued on the runtime's in-order queue; nothing waits.
 *
 * Convolution and correlation differ only in the kernel's padding: the
 * dispatch geometry asks for full-convolution outputs start ... start+out-1
 * of x with h (convolution) or with h reversed (correlation), so the kernel
 * is padded reversed for correlation and every mode is a crop. A boundary
 * mode changes only how the signal's blocks read past its edges (the
 * padding kernel maps those positions through the mode), which is why
 * plan.c gives such a geometry blocks that hold each output's whole window.
 *
 * Volumes (clconv__fft3d_run) take the same steps with one 3-D transform
 * per volume (fft_pad and fft_crop with planes), a group of volumes per launch and
 * the kernel's spectrum from a transform of its own.
 */
#include "fft.h"
#include "plan.h"

#include <stdio.h>

/* Work-items per group along a kernel's first dimension, whose global size
 * is rounded up to a multiple of it. */
#define GROUP_WIDTH 64

/* The elements one work-item of fft_pad and fft_crop moves (VEC in
 * kernels/fft.cl): 16, or as many as one of the device's vectors holds. */
static unsigned pad_vec(const clconv_runtime *rt, clconv_dtype dtype)
{
    return clconv__vector_fit(rt, dtype, 16);
}

/* The three element-wise kernels of kernels/fft.cl for one call. */
typedef struct steps {
    cl_kernel pad, mul, crop;
} steps;

static void steps_release(steps *s)
{
    if (s->pad) clReleaseKernel(s->pad);
    if (s->mul) clReleaseKernel(s->mul);
    if (s->crop) clReleaseKernel(s->crop);
}

static int steps_create(clconv_runtime *rt, clconv_dtype dtype, steps *s)
{
    char opts[64];
    snprintf(opts, sizeof opts, "-DPRECISION=%d -DVEC=%u", dtype == CLCONV_F64 ? 64 : 32,
             pad_vec(rt, dtype));
    s->pad = s->mul = s->crop = NULL;
    int status = clconv__kernel_create(rt, "fft", opts, "fft_pad", &s->pad);
    if (status == 0) status = clconv__kernel_create(rt, "fft", opts, "fft_mul", &s->mul);
    if (status == 0) status = clconv__kernel_create(rt, "fft", opts, "fft_crop", &s->crop);
    if (status < 0) steps_release(s);
    return status;
}


/* Enqueues k over gws with groups of GROUP_WIDTH x 1 x 1, rounding gws[0]. */
static int launch(clconv_runtime *rt, cl_kernel k, cl_uint dims, const size_t *gws,
                  const char *name)
{
    size_t width = rt->info.max_work_group_size < GROUP_WIDTH ? rt->info.max_work_group_size
                                                               : GROUP_WIDTH;
    size_t g[3] = {(gws[0] + width - 1) / width * width, dims > 1 ? gws[1] : 1,
                   dims > 2 ? gws[2] : 1};
    const size_t l[3] = {width, 1, 1};
    return clconv__launch(rt, k, dims, g, l, name);
}

/* What fft_pad reads: a batch of `images` arrays of planes x rows x cols
 * (an image has one plane), cut into blocks[0] x blocks[1] blocks per image
 * (volumes: one block each). in0 and step are per dimension as in
 * clconv__fft_layout: rows, columns, then planes (in0 only). */
typedef struct pad_source {
    cl_mem mem;
    size_t planes, rows, cols, images;
    size_t blocks[2];
    long long in0[3];
    size_t step[2];
    int reverse;
    clconv_boundary boundary; /* how the source reads outside itself */
    double cval;
    double scale;
} pad_source;

/* Pads `count` transforms of len[0] rows x len[1] columns x len[2] planes,
 * numbers z0 ... z0+count-1, into dst. */
static int enqueue_pad(clconv_runtime *rt, cl_kernel pad, const size_t len[3],
                       clconv_dtype dtype, const pad_source *src, long long z0, size_t count,
                       cl_mem dst)
{
    cl_long planes = (cl_long)src->planes, rows = (cl_long)src->rows, cols = (cl_long)src->cols;
    cl_long z = z0;
    cl_ulong images = src->images, br = src->blocks[0], bc = src->blocks[1];
    cl_long in0p = src->in0[2], in0r = src->in0[0], in0c = src->in0[1];
    cl_long stepr = (cl_long)src->step[0], stepc = (cl_long)src->step[1];
    cl_int reverse = src->reverse, boundary = (cl_int)src->boundary;
    cl_ulong len_p = len[2], len_c = len[1], pitch = clconv__fft_pitch(len[1]);
    cl_float scale32 = (cl_float)src->scale, cval32 = (cl_float)src->cval;
    cl_double scale64 = src->scale, cval64 = src->cval;
    const int f64 = dtype == CLCONV_F64;
    const clconv__arg scale =
        f64 ? (clconv__arg)CLCONV__ARG(scale64) : (clconv__arg)CLCONV__ARG(scale32);
    const clconv__arg cval =
        f64 ? (clconv__arg)CLCONV__ARG(cval64) : (clconv__arg)CLCONV__ARG(cval32);
    const clconv__arg args[] = {
        CLCONV__ARG(src->mem), CLCONV__ARG(planes),  CLCONV__ARG(rows),   CLCONV__ARG(cols),
        CLCONV__ARG(images),   CLCONV__ARG(z),       CLCONV__ARG(br),     CLCONV__ARG(bc),
        CLCONV__ARG(in0p),     CLCONV__ARG(in0r),    CLCONV__ARG(in0c),   CLCONV__ARG(stepr),
        CLCONV__ARG(stepc),    CLCONV__ARG(reverse), CLCONV__ARG(boundary), cval,
        scale,                 CLCONV__ARG(dst),     CLCONV__ARG(len_p),  CLCONV__ARG(len_c),
        CLCONV__ARG(pitch)};
    FORWARD_IF_ERROR(clconv__set_args(rt, pad, args, sizeof args / sizeof *args, "fft_pad"));
    const size_t v = pad_vec(rt, dtype);
    const size_t gws[3] = {((size_t)pitch + v - 1) / v, len[0], count * len[2]};
    return launch(rt, pad, 3, gws, "fft_pad");
}

static int enqueue_mul(clconv_runtime *rt, const steps *s, const clconv__fft_layout *lay,
                       cl_mem spec, cl_mem kspec, size_t count)
{
    cl_ulong per = lay->len[0] * (lay->len[1] / 2 + 1);
    const clconv__arg args[] = {CLCONV__ARG(spec), CLCONV__ARG(kspec), CLCONV__ARG(per)};
    FORWARD_IF_ERROR(clconv__set_args(rt, s->mul, args, 3, "fft_mul"));
    const size_t gws[2] = {(size_t)per, count};
    return launch(rt, s->mul, 2, gws, "fft_mul");
}

/* Crops `count` transforms of lay_len (rows, columns, planes), numbers z0
 * ... z0+count-1 of `total`, into out: blocks[0] x blocks[1] blocks of
 * step[0] x step[1] outputs per image, each found at shift in its
 * transform; g->out gives the image's outputs (rows, columns, planes). */
static int enqueue_crop(clconv_runtime *rt, cl_kernel crop, const clconv__geom *g,
                        const size_t lay_len[3], const size_t shift[3], size_t total,
                        const size_t blocks[2], const size_t step[2], cl_mem src, long long z0,
                        size_t count, cl_mem out)
{
    cl_ulong len_p = lay_len[2], len_r = lay_len[0], pitch = clconv__fft_pitch(lay_len[1]);
    cl_ulong shp = shift[2], shr = shift[0], shc = shift[1], n = total;
    cl_long z = z0;
    cl_ulong br = blocks[0], bc = blocks[1], step_c = step[1];
    cl_ulong out_p = g->dims == 3 ? g->out[2] : 1, out_r = g->out[0], out_c = g->out[1];
    const clconv__arg args[] = {
        CLCONV__ARG(src),  CLCONV__ARG(len_p), CLCONV__ARG(len_r), CLCONV__ARG(pitch),
        CLCONV__ARG(shp),  CLCONV__ARG(shr),   CLCONV__ARG(shc),   CLCONV__ARG(z),
        CLCONV__ARG(n),    CLCONV__ARG(br),    CLCONV__ARG(bc),    CLCONV__ARG(step_c),
        CLCONV__ARG(out),  CLCONV__ARG(out_p), CLCONV__ARG(out_r), CLCONV__ARG(out_c)};
    FORWARD_IF_ERROR(clconv__set_args(rt, crop, args, sizeof args / sizeof *args, "fft_crop"));
    const size_t v = pad_vec(rt, g->dtype);
    const size_t gws[3] = {(step[1] + v - 1) / v, step[0], count * (size_t)out_p};
    return launch(rt, crop, 3, gws, "fft_crop");
}

/* Copies the kernel's spectrum out of slot 0 of the first launch. */
static int copy_spectrum(clconv_runtime *rt, cl_mem work, cl_mem kspec, size_t bytes)
{
    CL_RETURN_IF(
        rt, CLCONV__CL(clEnqueueCopyBuffer, rt->queue, work, kspec, 0, 0, bytes, 0, NULL, NULL),
        "clEnqueueCopyBuffer", "kernel spectrum of %zu bytes", bytes);
    return 0;
}

/* Runs a planned layout: the kernel spectrum once, then each group. When
 * the kernel rides in the first launch, that launch's slot 0 is transform
 * -1: the kernel is padded there after the signal blocks, and its spectrum
 * copied out before the multiply. */
static int run_layout(clconv_runtime *rt, const clconv__geom *g, const clconv__fft_layout *lay,
                      const steps *s, cl_mem signal, cl_mem kernel, cl_mem out)
{
    const size_t es = clconv_dtype_size(g->dtype);
    const size_t per = clconv__fft_reals(lay->len) * es;
    const int in_group = lay->kernel_in_group;
    cl_mem kspec = NULL, work = NULL;
    int status = clconv__scratch_get(rt, per, &kspec);
    if (status == 0) status = clconv__scratch_get(rt, per * lay->group, &work);

    /* The inverse transform is unnormalised: the kernel carries 1/points. */
    const pad_source ksrc = {kernel,
                             1,
                             g->k[0],
                             g->k[1],
                             1,
                             {1, 1},
                             {0, 0, 0},
                             {0, 0},
                             g->correlate,
                             CLCONV_BOUNDARY_NONE,
                             0.0,
                             1.0 / ((double)lay->len[0] * (double)lay->len[1])};
    const pad_source xsrc = {signal,
                             1,
                             g->n[0],
                             g->n[1],
                             g->batch,
                             {lay->blocks[0], lay->blocks[1]},
                             {lay->in0[0], lay->in0[1], 0},
                             {lay->step[0], lay->step[1]},
                             0,
                             g->boundary,
                             g->cval,
                             1.0};
    const size_t len[3] = {lay->len[0], lay->len[1], 1};
    const size_t shift[3] = {lay->shift[0], lay->shift[1], 0};
    clconv__fft_key kkey = {{lay->len[0], lay->len[1]}, 1, g->dtype, 0, 1, 0, 0};
    clconv__fft_key fwd = {{lay->len[0], lay->len[1]}, lay->group, g->dtype, 0, 1, 0, 0};
    clconv__fft_key inv = {{lay->len[0], lay->len[1]}, lay->group, g->dtype, 1, 1, 0, 0};

    /* Every plan of the call is made before any of its work is queued: on
     * POCL a kernel's first launch compiles it on the queue, behind the
     * driver's one compiler lock, so work queued before a plan creation
     * (seconds on a cold cache) would hold up the runtime's queue, and every
     * call queued behind it, until the creation ends. */
    if (status == 0 && !in_group) status = clconv__fft_prepare(rt, &kkey);
    if (status == 0) status = clconv__fft_prepare(rt, &fwd);
    if (status == 0) status = clconv__fft_prepare(rt, &inv);
    if (status == 0 && !in_group) {
        status = enqueue_pad(rt, s->pad, len, g->dtype, &ksrc, 0, 1, kspec);
        if (status == 0) status = clconv__fft_execute(rt, &kkey, kspec);
    }
    const long long first = in_group ? -1 : 0;
    for (long long z0 = first; status == 0 && z0 < (long long)lay->total; z0 += lay->group) {
        status = enqueue_pad(rt, s->pad, len, g->dtype, &xsrc, z0, lay->group, work);
        if (status == 0 && z0 < 0)
            status = enqueue_pad(rt, s->pad, len, g->dtype, &ksrc, 0, 1, work);
        if (status == 0) status = clconv__fft_execute(rt, &fwd, work);
        if (status == 0 && z0 < 0) status = copy_spectrum(rt, work, kspec, per);
        if (status == 0) status = enqueue_mul(rt, s, lay, work, kspec, lay->group);
        if (status == 0) status = clconv__fft_execute(rt, &inv, work);
        if (status == 0)
            status = enqueue_crop(rt, s->crop, g, len, shift, lay->total, lay->blocks,
                                  lay->step, work, z0, lay->group, out);
    }
    /* The in-order queue orders any later user of these after this work. */
    clconv__scratch_release(rt, work);
    clconv__scratch_release(rt, kspec);
    return status;
}

int clconv__fft_run_layout(clconv_runtime *rt, const clconv__geom *g,
                           const clconv__fft_layout *lay, cl_mem signal, cl_mem kernel,
                           cl_mem out)
{
    steps s;
    clconv__note(rt,
                 "FFT layout: %zu x %zu transforms, %zu x %zu blocks per image, %zu in all, "
                 "%zu per launch",
                 lay->len[0], lay->len[1], lay->blocks[0], lay->blocks[1], lay->total,
                 lay->group);
#ifdef CLCONV_FFTW
    if (clconv__fft_on_host(rt)) return clconv__fftconv_host(rt, g, lay, NULL, signal, kernel, out);
#endif
    FORWARD_IF_ERROR(steps_create(rt, g->dtype, &s));
    int status = run_layout(rt, g, lay, &s, signal, kernel, out);
    steps_release(&s);
    return status;
}

int clconv__fft_run(clconv_runtime *rt, const clconv__geom *g, cl_mem signal, cl_mem kernel,
                    cl_mem out)
{
    clconv__fft_layout lay;
    FORWARD_IF_ERROR(clconv__plan_fft(rt, g, &lay, NULL));
    return clconv__fft_run_layout(rt, g, &lay, signal, kernel, out);
}

/* ---- volumes ------------------------------------------------------------ */

/* The kernel's spectrum, then per launch of lay->group volumes: pad,
 * forward transform, multiply, inverse transform, crop. */
static int run_layout3(clconv_runtime *rt, const clconv__geom *g, const clconv__fft3_layout *lay,
                       cl_kernel pad, cl_kernel mul, cl_kernel crop, cl_mem signal,
                       cl_mem kernel, cl_mem out)
{
    const size_t es = clconv_dtype_size(g->dtype);
    const size_t reals = lay->len[2] * clconv__fft_reals(lay->len);
    const size_t per = reals * es;
    cl_mem kspec = NULL, work = NULL;
    int status = clconv__scratch_get(rt, per, &kspec);
    if (status == 0) status = clconv__scratch_get(rt, per * lay->group, &work);
    const double points = (double)lay->len[0] * (double)lay->len[1] * (double)lay->len[2];
    clconv__fft_key kkey = {{lay->len[0], lay->len[1]}, 1, g->dtype, 0, lay->len[2], 0, 0};
    clconv__fft_key fwd = kkey, inv = kkey;
    fwd.count = inv.count = lay->group;
    inv.inverse = 1;
    /* Plans first, before any work is queued (see run_layout). */
    if (status == 0) status = clconv__fft_prepare(rt, &kkey);
    if (status == 0) status = clconv__fft_prepare(rt, &fwd);
    if (status == 0) status = clconv__fft_prepare(rt, &inv);
    const pad_source ksrc = {kernel, g->k[2], g->k[0], g->k[1], 1, {1, 1}, {0, 0, 0}, {0, 0},
                             g->correlate, CLCONV_BOUNDARY_NONE, 0.0, 1.0 / points};
    const pad_source xsrc = {signal, g->n[2], g->n[0], g->n[1], g->batch, {1, 1},
                             {lay->in0[0], lay->in0[1], lay->in0[2]}, {0, 0}, 0, g->boundary,
                             g->cval, 1.0};
    /* Each volume is one block of all its outputs. */
    const size_t one[2] = {1, 1}, out_rc[2] = {g->out[0], g->out[1]};
    if (status == 0) status = enqueue_pad(rt, pad, lay->len, g->dtype, &ksrc, 0, 1, kspec);
    if (status == 0) status = clconv__fft_execute(rt, &kkey, kspec);
    const cl_ulong spectrum = (cl_ulong)(lay->len[2] * lay->len[0]) * (lay->len[1] / 2 + 1);
    for (size_t z0 = 0; status == 0 && z0 < g->batch; z0 += lay->group) {
        status = enqueue_pad(rt, pad, lay->len, g->dtype, &xsrc, (long long)z0, lay->group,
                             work);
        if (status == 0) status = clconv__fft_execute(rt, &fwd, work);
        if (status == 0) {
            const clconv__arg args[] = {CLCONV__ARG(work), CLCONV__ARG(kspec),
                                        CLCONV__ARG(spectrum)};
            status = clconv__set_args(rt, mul, args, 3, "fft_mul");
        }
        if (status == 0) {
            const size_t gws[2] = {(size_t)spectrum, lay->group};
            status = launch(rt, mul, 2, gws, "fft_mul");
        }
        if (status == 0) status = clconv__fft_execute(rt, &inv, work);
        if (status == 0)
            status = enqueue_crop(rt, crop, g, lay->len, lay->shift, g->batch, one, out_rc,
                                  work, (long long)z0, lay->group, out);
    }
    clconv__scratch_release(rt, work);
    clconv__scratch_release(rt, kspec);
    return status;
}

int clconv__fft3d_run(clconv_runtime *rt, const clconv__geom *g, cl_mem signal, cl_mem kernel,
                      cl_mem out)
{
    clconv__fft3_layout lay;
    FORWARD_IF_ERROR(clconv__plan_fft3(rt, g, &lay, NULL));
    clconv__note(rt, "FFT 3-D layout: %zu x %zu x %zu transforms, %zu volume(s) per launch",
                 lay.len[2], lay.len[0], lay.len[1], lay.group);
#ifdef CLCONV_FFTW
    if (clconv__fft_on_host(rt))
        return clconv__fftconv_host(rt, g, NULL, &lay, signal, kernel, out);
#endif
    char opts[64];
    snprintf(opts, sizeof opts, "-DPRECISION=%d -DVEC=%u", g->dtype == CLCONV_F64 ? 64 : 32,
             pad_vec(rt, g->dtype));
    cl_kernel k[3] = {NULL, NULL, NULL};
    static const char *const names[3] = {"fft_pad", "fft_mul", "fft_crop"};
    int status = 0;
    for (int i = 0; i < 3 && status == 0; i++)
        status = clconv__kernel_create(rt, "fft", opts, names[i], &k[i]);
    if (status == 0) status = run_layout3(rt, g, &lay, k[0], k[1], k[2], signal, kernel, out);
    for (int i = 0; i < 3; i++)
        if (k[i]) clReleaseKernel(k[i]);
    return status;
}
