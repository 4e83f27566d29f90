/*
 * Complex convolution composed of real ones. A complex signal a + ib is
 * split on the device into its real planes, which run as one real batch of
 * twice the size; a complex kernel kr + i ki runs as its two real parts.
 * One pass then combines the real results into interleaved pairs:
 *
 *   complex signal, real kernel:   (a*k, b*k)                  one real run
 *   real signal, complex kernel:   (a*kr, a*ki)                two real runs
 *   complex x complex:             (a*kr - b*ki, b*kr + a*ki)  two real runs
 *
 * (four multiplications, not Gauss's three: the three-product form adds a
 * cancellation the four-product form does not have). A correlation uses
 * the conjugate kernel, kr - i ki, as scipy.signal.correlate does: the
 * signs of the ki terms flip. The real runs go through conv.c's run(), so
 * every path (direct, FFT with either backend, separable, 1-D to 3-D,
 * boundary modes, integer signals) works for complex data unchanged.
 *
 * Two cases cost more runs. Under the CONSTANT boundary mode with cval != 0
 * the planes read different values outside (the real plane cval, the
 * imaginary plane 0, as scipy.ndimage does with a real cval), so they run
 * as two batches of the original size. Complex separable factors multiply
 * out into 2^D real separable products (D factors), half of them summing
 * to the kernel's real part and half to its imaginary part, each run on its
 * own and added up on the device.
 */
#include "dispatch.h"

#include <stdio.h>

/* A real plane of a buffer: its memory and the offset of its first element. */
typedef struct plane {
    cl_mem mem;
    size_t offset;
} plane;

/* One real kernel, or separable factors, with the sign of its term. */
typedef struct term {
    cl_mem k[3];
    double sign;
} term;

static int precision_bits(clconv_dtype dtype) { return dtype == CLCONV_F64 ? 64 : 32; }

/* Elements per work-item of complex.cl's kernels (its CVEC): 16, or as
 * many as one of the device's vectors holds. */
static unsigned cvec(const clconv_runtime *rt, clconv_dtype precision)
{
    return clconv__vector_fit(rt, precision, 16);
}

/* A kernel of complex.cl, created with its precision's options. */
static int kernel(clconv_runtime *rt, clconv_dtype precision, const char *name, cl_kernel *k)
{
    char options[48];
    snprintf(options, sizeof options, "-DPRECISION=%d -DCVEC=%u", precision_bits(precision),
             cvec(rt, precision));
    return clconv__kernel_create(rt, "complex", options, name, k);
}

/* Sets args and launches one work-item per CVEC elements of precision. */
static int launch(clconv_runtime *rt, clconv_dtype precision, cl_kernel k,
                  const clconv__arg *args, cl_uint nargs, size_t count, const char *name)
{
    int status = clconv__set_args(rt, k, args, nargs, name);
    if (status == 0) {
        const size_t v = cvec(rt, precision);
        const size_t gws[1] = {(count + v - 1) / v};
        status = clconv__launch(rt, k, 1, gws, NULL, name);
    }
    clReleaseKernel(k);
    return status;
}

/* Splits count interleaved pairs of src into the planes re and im. */
static int split(clconv_runtime *rt, clconv_dtype precision, cl_mem src, plane re, plane im,
                 size_t count)
{
    cl_kernel k;
    FORWARD_IF_ERROR(kernel(rt, precision, "split", &k));
    const cl_ulong zero = 0, ro = re.offset, io = im.offset, n = count;
    const clconv__arg args[] = {CLCONV__ARG(src),    CLCONV__ARG(zero), CLCONV__ARG(re.mem),
                                CLCONV__ARG(ro),     CLCONV__ARG(im.mem), CLCONV__ARG(io),
                                CLCONV__ARG(n)};
    return launch(rt, precision, k, args, sizeof args / sizeof args[0], count, "split");
}

/* A real scalar argument of the precision. */
typedef union scalar {
    cl_float f;
    cl_double d;
} scalar;

static clconv__arg scalar_arg(clconv_dtype precision, scalar *s, double v)
{
    if (precision == CLCONV_F64) {
        s->d = v;
        return (clconv__arg){sizeof s->d, &s->d};
    }
    s->f = (cl_float)v;
    return (clconv__arg){sizeof s->f, &s->f};
}

/* y += alpha * x over count elements. */
static int axpy(clconv_runtime *rt, clconv_dtype precision, cl_mem y, cl_mem x, double alpha,
                size_t count)
{
    cl_kernel k;
    FORWARD_IF_ERROR(kernel(rt, precision, "axpy", &k));
    scalar a;
    const cl_ulong zero = 0, n = count;
    const clconv__arg args[] = {CLCONV__ARG(y),    CLCONV__ARG(zero), CLCONV__ARG(x),
                                CLCONV__ARG(zero), scalar_arg(precision, &a, alpha),
                                CLCONV__ARG(n)};
    return launch(rt, precision, k, args, sizeof args / sizeof args[0], count, "axpy");
}

/* out = (c[0] p[0] + c[1] p[1], c[2] p[2] + c[3] p[3]) over count pairs;
 * p[1] and p[3] are not read where their coefficient is 0. */
static int combine(clconv_runtime *rt, clconv_dtype precision, const plane p[4],
                   const double c[4], cl_mem out, size_t count)
{
    cl_kernel k;
    FORWARD_IF_ERROR(kernel(rt, precision, "combine", &k));
    scalar s[4];
    cl_ulong off[4];
    for (int i = 0; i < 4; i++) off[i] = p[i].offset;
    const cl_ulong zero = 0, n = count;
    const clconv__arg args[] = {
        CLCONV__ARG(p[0].mem), CLCONV__ARG(off[0]), scalar_arg(precision, &s[0], c[0]),
        CLCONV__ARG(p[1].mem), CLCONV__ARG(off[1]), scalar_arg(precision, &s[1], c[1]),
        CLCONV__ARG(p[2].mem), CLCONV__ARG(off[2]), scalar_arg(precision, &s[2], c[2]),
        CLCONV__ARG(p[3].mem), CLCONV__ARG(off[3]), scalar_arg(precision, &s[3], c[3]),
        CLCONV__ARG(out),      CLCONV__ARG(zero),   CLCONV__ARG(n)};
    return launch(rt, precision, k, args, sizeof args / sizeof args[0], count, "combine");
}

/* Elements of batch arrays of extents e of g. */
static size_t elems(const clconv__geom *g, const size_t e[3], size_t batch)
{
    return e[0] * e[1] * (g->dims == 3 ? e[2] : 1) * batch;
}

/* Runs the real problem rg for each of terms[0..count) on the signal
 * planes and sums the results, with their signs, into *res (pooled, the
 * caller releases it). The first term of every list is positive (see
 * kernel_terms). */
static int sum_terms(clconv_runtime *rt, const clconv__geom *rg, cl_mem signal,
                     const term *terms, int count, clconv_conv_options *opts,
                     clconv__run_fn run, cl_mem *res)
{
    const size_t bytes = elems(rg, rg->out, rg->batch) * clconv_dtype_size(rg->dtype);
    FORWARD_IF_ERROR(clconv__scratch_get(rt, bytes, res));
    int status = run(rt, rg, signal, terms[0].k, *res, opts);
    cl_mem tmp = NULL;
    if (status == 0 && count > 1) status = clconv__scratch_get(rt, bytes, &tmp);
    for (int t = 1; t < count && status == 0; t++) {
        status = run(rt, rg, signal, terms[t].k, tmp, opts);
        if (status == 0)
            status = axpy(rt, rg->dtype, *res, tmp, terms[t].sign,
                          elems(rg, rg->out, rg->batch));
    }
    clconv__scratch_release(rt, tmp);
    return status;
}

/* The kernel's real and imaginary parts as sums of real terms. A real
 * kernel is one real term. The parts of complex factors (parts[f][0] real,
 * [1] imaginary) multiply out: a product taking the imaginary part of p
 * factors carries i^p, so it adds to the real part for even p (sign + for
 * p = 0, - for p = 2) and to the imaginary part for odd p (+ for p = 1,
 * - for p = 3). Masks in increasing order put a positive term first. */
static void kernel_terms(const cl_mem kern[3], int complex_kernel, int factors,
                         cl_mem parts[3][2], term re[4], int *nre, term im[4], int *nim)
{
    *nre = *nim = 0;
    if (!complex_kernel) {
        re[0] = (term){{kern[0], kern[1], kern[2]}, 1.0};
        *nre = 1;
        return;
    }
    for (unsigned mask = 0; mask < 1u << factors; mask++) {
        term t = {{NULL, NULL, NULL}, 1.0};
        int p = 0;
        for (int f = 0; f < factors; f++) {
            const int imag = (mask >> f) & 1;
            t.k[f] = parts[f][imag];
            p += imag;
        }
        t.sign = (p / 2) % 2 ? -1.0 : 1.0;
        if (p % 2) im[(*nim)++] = t;
        else re[(*nre)++] = t;
    }
}

int clconv__complex_run(clconv_runtime *rt, const clconv__geom *g, cl_mem signal,
                        const cl_mem kern[3], cl_mem out, clconv_conv_options *opts,
                        clconv__run_fn run)
{
    const clconv_dtype real = g->dtype;
    const size_t es = clconv_dtype_size(real);
    const int csig = clconv__dtype_is_complex(g->in_dtype);
    const int cker = clconv__dtype_is_complex(g->kernel_dtype);
    const int factors = kern[1] ? (kern[2] ? 3 : 2) : 1;
    const size_t batch = g->batch, n = elems(g, g->n, 1), m = elems(g, g->out, 1);
    /* The planes of a complex signal read different values outside only
     * under CONSTANT with cval != 0; otherwise they are one real batch. */
    const int groups = csig && g->boundary == CLCONV_BOUNDARY_CONSTANT && g->cval != 0 ? 2 : 1;
    const size_t group_batch = csig && groups == 1 ? 2 * batch : batch;
    const double conj = g->correlate ? -1.0 : 1.0;

    cl_mem planes[2] = {NULL, NULL}, parts[3][2] = {{NULL, NULL}, {NULL, NULL}, {NULL, NULL}};
    cl_mem res[2][2] = {{NULL, NULL}, {NULL, NULL}}; /* [group][real part, imaginary part] */
    term re_terms[4], im_terms[4];
    int nre = 0, nim = 0, status = 0;

    /* The signal's planes: re from element 0, im after the whole batch's
     * re (one buffer), or in buffers of their own (two groups). */
    if (csig) {
        const size_t count = batch * n;
        if (groups == 1) {
            status = clconv__scratch_get(rt, 2 * count * es, &planes[0]);
            if (status == 0)
                status = split(rt, real, signal, (plane){planes[0], 0},
                               (plane){planes[0], count}, count);
        } else {
            status = clconv__scratch_get(rt, count * es, &planes[0]);
            if (status == 0) status = clconv__scratch_get(rt, count * es, &planes[1]);
            if (status == 0)
                status = split(rt, real, signal, (plane){planes[0], 0}, (plane){planes[1], 0},
                               count);
        }
    }
    /* The kernel's parts, factor by factor. */
    if (cker)
        for (int f = 0; f < factors && status == 0; f++) {
            const size_t taps = factors == 1 ? elems(g, g->k, 1) : g->k[f];
            status = clconv__scratch_get(rt, taps * es, &parts[f][0]);
            if (status == 0) status = clconv__scratch_get(rt, taps * es, &parts[f][1]);
            if (status == 0)
                status = split(rt, real, kern[f], (plane){parts[f][0], 0},
                               (plane){parts[f][1], 0}, taps);
        }
    kernel_terms(kern, cker, factors, parts, re_terms, &nre, im_terms, &nim);
    if (status == 0)
        clconv__note(rt,
                     "complex: %s signal * %s kernel%s as %d real convolution(s) of batch %zu "
                     "(%d group(s) of planes%s)",
                     clconv_dtype_name(g->in_dtype), clconv_dtype_name(g->kernel_dtype),
                     factors > 1 ? " (separable)" : "", groups * (nre + nim), group_batch,
                     groups, groups == 2 ? ": constant boundary with cval != 0" : "");

    for (int gi = 0; gi < groups && status == 0; gi++) {
        clconv__geom rg = *g;
        rg.batch = group_batch;
        rg.in_dtype = csig ? real : g->in_dtype;
        rg.kernel_dtype = real;
        rg.out_dtype = real;
        rg.cval = gi == 1 ? 0.0 : g->cval; /* the imaginary plane reads 0 outside */
        const cl_mem in = csig ? planes[gi] : signal;
        status = sum_terms(rt, &rg, in, re_terms, nre, opts, run, &res[gi][0]);
        if (status == 0 && nim)
            status = sum_terms(rt, &rg, in, im_terms, nim, opts, run, &res[gi][1]);
    }

    if (status == 0) {
        /* Where each plane of each result lies. */
        const plane r_a = {res[0][0], 0}, i_a = {res[0][1], 0};
        const plane r_b = groups == 2 ? (plane){res[1][0], 0} : (plane){res[0][0], batch * m};
        const plane i_b = groups == 2 ? (plane){res[1][1], 0} : (plane){res[0][1], batch * m};
        plane p[4] = {r_a, r_a, r_a, r_a};
        double c[4] = {1.0, 0.0, 1.0, 0.0};
        if (csig && cker) { /* (a kr - b ki, b kr + a ki), ki negated for correlation */
            p[1] = i_b;
            c[1] = -conj;
            p[2] = r_b;
            p[3] = i_a;
            c[3] = conj;
        } else if (csig) { /* (a k, b k) */
            p[2] = r_b;
        } else { /* (a kr, a ki) */
            p[2] = i_a;
            c[2] = conj;
        }
        status = combine(rt, real, p, c, out, batch * m);
    }
    /* Pooled scratch may be handed back once its users are enqueued. */
    for (int i = 0; i < 2; i++) {
        clconv__scratch_release(rt, planes[i]);
        clconv__scratch_release(rt, res[i][0]);
        clconv__scratch_release(rt, res[i][1]);
    }
    for (int f = 0; f < 3; f++) {
        clconv__scratch_release(rt, parts[f][0]);
        clconv__scratch_release(rt, parts[f][1]);
    }
    return status;
}
