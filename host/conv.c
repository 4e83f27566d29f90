/*
 * The public convolution API: argument validation, output geometry with
 * SciPy's mode semantics, the method choice, and the host-pointer forms that
 * stage data through pooled device buffers. Kernels are enqueued by the
 * dispatch layers declared in dispatch.h.
 */
#include "dispatch.h"
#include "plan.h"
#include "stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const mode_names[] = {"full", "same", "valid"};
static const char *const method_names[] = {"auto", "direct", "fft"};
static const char *const boundary_names[] = {"none",    "constant", "reflect",
                                             "mirror", "nearest",  "wrap"};
#define BOUNDARIES (sizeof boundary_names / sizeof boundary_names[0])

const char *clconv_mode_name(clconv_mode mode)
{
    return (unsigned)mode < 3 ? mode_names[mode] : "unknown";
}

const char *clconv_method_name(clconv_method method)
{
    return (unsigned)method < 3 ? method_names[method] : "unknown";
}

int clconv_mode_parse(const char *name, clconv_mode *mode)
{
    RETURN_IF(NULL, !name || !mode, CLCONV_EINVAL, "name or mode is NULL");
    for (int i = 0; i < 3; i++)
        if (strcmp(name, mode_names[i]) == 0) return (*mode = (clconv_mode)i), 0;
    return CLCONV_FAIL(NULL, CLCONV_EINVAL, "unknown mode '%s' (full, same or valid)", name);
}

int clconv_method_parse(const char *name, clconv_method *method)
{
    RETURN_IF(NULL, !name || !method, CLCONV_EINVAL, "name or method is NULL");
    for (int i = 0; i < 3; i++)
        if (strcmp(name, method_names[i]) == 0) return (*method = (clconv_method)i), 0;
    return CLCONV_FAIL(NULL, CLCONV_EINVAL, "unknown method '%s' (auto, direct or fft)", name);
}

const char *clconv_boundary_name(clconv_boundary boundary)
{
    return (unsigned)boundary < BOUNDARIES ? boundary_names[boundary] : "unknown";
}

int clconv_boundary_parse(const char *name, clconv_boundary *boundary)
{
    RETURN_IF(NULL, !name || !boundary, CLCONV_EINVAL, "name or boundary is NULL");
    for (unsigned i = 0; i < BOUNDARIES; i++)
        if (strcmp(name, boundary_names[i]) == 0) return (*boundary = (clconv_boundary)i), 0;
    return CLCONV_FAIL(NULL, CLCONV_EINVAL,
                       "unknown boundary mode '%s' (none, constant, reflect, mirror, nearest "
                       "or wrap)",
                       name);
}

int clconv_conv_output_size(size_t n, size_t k, clconv_mode mode, size_t *out)
{
    RETURN_IF(NULL, !out, CLCONV_EINVAL, "out is NULL");
    RETURN_IF(NULL, n == 0 || k == 0, CLCONV_EINVAL, "empty input (n=%zu, k=%zu)", n, k);
    switch (mode) {
    case CLCONV_MODE_FULL:
        RETURN_IF(NULL, clconv__add_ok(n, k - 1, out), CLCONV_EOVERFLOW,
                  "full output of %zu + %zu - 1 overflows", n, k);
        return 0;
    case CLCONV_MODE_SAME: *out = n; return 0;
    case CLCONV_MODE_VALID: *out = (n > k ? n - k : k - n) + 1; return 0;
    }
    return CLCONV_FAIL(NULL, CLCONV_EINVAL, "unknown mode %d", (int)mode);
}

/* Fills one dimension of the geometry. */
static int dim(const clconv_runtime *rt, clconv__geom *g, int d, size_t n, size_t k,
               clconv_mode mode)
{
    int status = clconv_conv_output_size(n, k, mode, &g->out[d]);
    if (status < 0) {
        /* Re-record the message under rt; copy it first, since it lives in
         * the very buffer that recording overwrites. */
        char msg[512];
        snprintf(msg, sizeof msg, "%s", clconv_last_error(NULL));
        return CLCONV_FAIL(rt, status, "%s", msg);
    }
    g->n[d] = n;
    g->k[d] = k;
    g->start[d] = mode == CLCONV_MODE_FULL ? 0
                  : mode == CLCONV_MODE_SAME ? (k - 1) / 2
                                             : (n < k ? n : k) - 1;
    return 0;
}

/* One dimension of a boundary-mode geometry: the output has the signal's
 * extent and the kernel sits where ndimage puts it (dispatch.h). origin has
 * been checked against k. */
static void boundary_dim(clconv__geom *g, int d, size_t n, size_t k, int64_t origin)
{
    g->n[d] = n;
    g->k[d] = k;
    g->out[d] = n;
    g->start[d] = g->correlate ? (size_t)((int64_t)((k - 1) / 2) - origin)
                               : (size_t)((int64_t)(k / 2) + origin);
}

/* The geometry's dimension that the caller's axis a (outermost first) of a
 * dims-dimensional array is. */
static int axis_dim(int dims, int a)
{
    static const int map[3][3] = {{1, -1, -1}, {0, 1, -1}, {2, 0, 1}};
    return map[dims - 1][a];
}

static const char *axis_label(int dims, int a)
{
    if (dims == 1) return "";
    switch (axis_dim(dims, a)) {
    case 0: return " along rows";
    case 1: return " along columns";
    default: return " along depth";
    }
}

/* Checks the boundary options and, with a boundary mode, fills the
 * geometry's extents (geometry() does it otherwise). n and k are in the
 * geometry's order (rows, columns, depth). */
static int boundary_options(const clconv_runtime *rt, int dims, const size_t n[3],
                            const size_t k[3], const clconv_conv_options *o, clconv__geom *g)
{
    const char *name = clconv_boundary_name(o->boundary);
    RETURN_IF(rt, (unsigned)o->boundary >= BOUNDARIES, CLCONV_EINVAL,
              "unknown boundary mode %d (none, constant, reflect, mirror, nearest or wrap)",
              (int)o->boundary);
    if (o->boundary == CLCONV_BOUNDARY_NONE) {
        RETURN_IF(rt, o->origin[0] != 0 || o->origin[1] != 0 || o->origin[2] != 0,
                  CLCONV_EINVAL,
                  "origin (%lld, %lld, %lld) needs a boundary mode: without one the output "
                  "mode places the kernel (for zero padding with ndimage's placement, use the "
                  "constant mode with cval 0)",
                  (long long)o->origin[0], (long long)o->origin[1], (long long)o->origin[2]);
        RETURN_IF(rt, o->cval != 0, CLCONV_EINVAL,
                  "cval %g needs the constant boundary mode; without a boundary mode the "
                  "signal reads as zero outside",
                  o->cval);
        return 0;
    }
    RETURN_IF(rt, o->mode != CLCONV_MODE_SAME, CLCONV_EINVAL,
              "boundary mode '%s' needs output mode same, not %s: a boundary mode gives an "
              "output of the signal's shape, which full and valid modes do not",
              name, clconv_mode_name(o->mode));
    for (int a = dims; a < 3; a++)
        RETURN_IF(rt, o->origin[a] != 0, CLCONV_EINVAL,
                  "a %d-D convolution takes its origin from origin[0]%s; origin[%d] must be 0, "
                  "not %lld",
                  dims, dims == 1 ? "" : dims == 2 ? " and origin[1]" : " ... origin[2]", a,
                  (long long)o->origin[a]);
    for (int a = 0; a < dims; a++) { /* axis a of the caller's array */
        const size_t kd = k[axis_dim(dims, a)];
        const int64_t org = o->origin[a];
        const int64_t lo = -(int64_t)(kd / 2), hi = (int64_t)((kd - 1) / 2);
        RETURN_IF(rt, org < lo || org > hi, CLCONV_EINVAL,
                  "origin %lld%s is outside the kernel: with %zu taps it must lie in %lld ... "
                  "%lld, as in scipy.ndimage",
                  (long long)org, axis_label(dims, a), kd, (long long)lo, (long long)hi);
    }
    g->boundary = o->boundary;
    g->cval = o->boundary == CLCONV_BOUNDARY_CONSTANT ? o->cval : 0.0;
    int64_t origin[3] = {0, 0, 0};
    for (int a = 0; a < dims; a++) origin[axis_dim(dims, a)] = o->origin[a];
    for (int d = 0; d < 3; d++) boundary_dim(g, d, n[d], k[d], origin[d]);
    return 0;
}

/* Validates the sizes and fills g; the element counts of signal, kernel and
 * output must all fit size_t, in bytes of es each. n and k are in the
 * geometry's order (rows, columns, depth), 1 where a call has no such
 * axis. */
static int geometry(const clconv_runtime *rt, int dims, clconv_dtype dtype, size_t es,
                    const size_t n[3], size_t batch, const size_t k[3],
                    const clconv_conv_options *o, clconv__geom *g)
{
    size_t total, bytes;
    memset(g, 0, sizeof *g);
    RETURN_IF(rt, (unsigned)o->mode > CLCONV_MODE_VALID, CLCONV_EINVAL, "unknown mode %d",
              (int)o->mode);
    RETURN_IF(rt, (unsigned)o->method > CLCONV_METHOD_FFT, CLCONV_EINVAL, "unknown method %d",
              (int)o->method);
    RETURN_IF(rt, batch == 0, CLCONV_EINVAL, "batch must be at least 1");
    if (dims == 3) {
        RETURN_IF(rt, n[0] == 0 || n[1] == 0 || n[2] == 0, CLCONV_EINVAL,
                  "empty signal (%zu x %zu x %zu)", n[2], n[0], n[1]);
        RETURN_IF(rt, k[0] == 0 || k[1] == 0 || k[2] == 0, CLCONV_EINVAL,
                  "empty kernel (%zu x %zu x %zu)", k[2], k[0], k[1]);
    } else {
        RETURN_IF(rt, n[0] == 0 || n[1] == 0, CLCONV_EINVAL, "empty signal (%zu x %zu)", n[0],
                  n[1]);
        RETURN_IF(rt, k[0] == 0 || k[1] == 0, CLCONV_EINVAL, "empty kernel (%zu x %zu)", k[0],
                  k[1]);
    }
    g->correlate = o->correlate != 0;
    FORWARD_IF_ERROR(boundary_options(rt, dims, n, k, o, g));
    if (dims >= 2 && o->mode == CLCONV_MODE_VALID) {
        int signal_larger = 1, kernel_larger = 1;
        for (int d = 0; d < 3; d++) {
            signal_larger &= n[d] >= k[d];
            kernel_larger &= k[d] >= n[d];
        }
        if (dims == 3)
            RETURN_IF(rt, !signal_larger && !kernel_larger, CLCONV_EINVAL,
                      "valid mode needs one input at least as large as the other in every "
                      "dimension (volume %zu x %zu x %zu, kernel %zu x %zu x %zu)",
                      n[2], n[0], n[1], k[2], k[0], k[1]);
        RETURN_IF(rt, !signal_larger && !kernel_larger, CLCONV_EINVAL,
                  "valid mode needs one input at least as large as the other in every "
                  "dimension (image %zu x %zu, kernel %zu x %zu)",
                  n[0], n[1], k[0], k[1]);
    }
    g->dims = dims;
    g->batch = batch;
    g->dtype = dtype;
    g->in_dtype = g->out_dtype = dtype;
    if (g->boundary == CLCONV_BOUNDARY_NONE)
        for (int d = 0; d < 3; d++) FORWARD_IF_ERROR(dim(rt, g, d, n[d], k[d], o->mode));
    const size_t *ext[3] = {g->n, g->k, g->out};
    for (int i = 0; i < 3; i++) {
        size_t nb = i == 1 ? 1 : batch;
        RETURN_IF(rt,
                  clconv__mul_ok(ext[i][0], ext[i][1], &total) ||
                      clconv__mul_ok(total, ext[i][2], &total) ||
                      clconv__mul_ok(total, nb, &total) || clconv__mul_ok(total, es, &bytes),
                  CLCONV_EOVERFLOW, "%s of %zu x %zu x %zu (batch %zu) overflows a byte count",
                  i == 0 ? "signal" : i == 1 ? "kernel" : "output", ext[i][2], ext[i][0],
                  ext[i][1], nb);
    }
    return 0;
}

/* Elements of batch arrays of extents e (index 2 is 1 below 3-D). */
static size_t elems(const size_t e[3], size_t batch) { return e[0] * e[1] * e[2] * batch; }

/* Elements of the kernel operand i of a call (kern[] in run()): the whole
 * kernel, or one separable factor. */
static size_t kernel_elems(const clconv__geom *g, int separable, int i)
{
    if (!separable) return i == 0 ? elems(g->k, 1) : 0;
    if (i == 2 && g->dims != 3) return 0;
    return g->k[i];
}

/* Checks the buffers of a buffer-form call against the geometry. kern as
 * for run(). */
static int check_buffers(const clconv_runtime *rt, const clconv__geom *g,
                         const clconv_buffer *signal, const clconv_buffer *const kern[3],
                         const clconv_buffer *out)
{
    const int separable = kern[1] != NULL;
    const clconv_buffer *bufs[5] = {signal, kern[0], kern[1], kern[2], out};
    const char *names[5] = {"signal", "kernel", "row kernel", "depth kernel", "output"};
    if (separable) names[1] = "column kernel";
    size_t need[5] = {elems(g->n, g->batch), kernel_elems(g, separable, 0),
                      kernel_elems(g, separable, 1), kernel_elems(g, separable, 2),
                      elems(g->out, g->batch)};
    for (int i = 0; i < 5; i++) {
        if ((i == 2 || i == 3) && need[i] == 0) continue;
        RETURN_IF(rt, !bufs[i], CLCONV_EINVAL, "%s buffer is NULL", names[i]);
        RETURN_IF(rt, bufs[i]->rt != rt, CLCONV_EINVAL,
                  "%s buffer belongs to another runtime", names[i]);
        /* The signal, the (first) kernel and the output set the dtypes;
         * the other factors must share the first's. */
        RETURN_IF(rt, bufs[i]->dtype != g->kernel_dtype && (i == 2 || i == 3), CLCONV_EINVAL,
                  "%s buffer is %s but the %s is %s: separable factors share one dtype",
                  names[i], clconv_dtype_name(bufs[i]->dtype), names[1],
                  clconv_dtype_name(g->kernel_dtype));
        RETURN_IF(rt, bufs[i]->count < need[i], CLCONV_EINVAL,
                  "%s buffer holds %zu elements, %zu needed", names[i], bufs[i]->count, need[i]);
    }
    for (int i = 0; i < 4; i++)
        RETURN_IF(rt, bufs[i] && bufs[i]->mem == out->mem, CLCONV_EINVAL,
                  "output buffer aliases the %s buffer", names[i]);
    return 0;
}

/* Checks the operands' dtypes against the rules at clconv_dtype
 * (include/clconv.h) and gives the compute precision: the kernel's real
 * precision. Each refusal names the operand and what it would have to be. */
static int dtypes(const clconv_runtime *rt, clconv_dtype in, clconv_dtype kernel,
                  clconv_dtype out, clconv_dtype *precision)
{
    RETURN_IF(rt, clconv_dtype_size(kernel) == 0, CLCONV_EINVAL, "unknown kernel dtype %d",
              (int)kernel);
    RETURN_IF(rt, clconv__dtype_is_int(kernel), CLCONV_EINVAL,
              "the kernel is %s: kernels are float32, float64, complex64 or complex128 (integer "
              "dtypes are for signals and outputs)",
              clconv_dtype_name(kernel));
    const clconv_dtype real = clconv__dtype_real(kernel), cplx = clconv__dtype_complex(real);
    FORWARD_IF_ERROR(clconv__check_dtype(rt, real));
    RETURN_IF(rt, clconv_dtype_size(in) == 0, CLCONV_EINVAL, "unknown signal dtype %d", (int)in);
    RETURN_IF(rt, clconv_dtype_size(out) == 0, CLCONV_EINVAL, "unknown output dtype %d",
              (int)out);
    RETURN_IF(rt, !clconv__dtype_is_int(in) && clconv__dtype_real(in) != real, CLCONV_EINVAL,
              "the signal is %s but the kernel is %s: mixed precisions are not converted; "
              "the signal must be %s, %s or an integer dtype (promote both operands to one "
              "precision first, as NumPy does)",
              clconv_dtype_name(in), clconv_dtype_name(kernel), clconv_dtype_name(real),
              clconv_dtype_name(cplx));
    if (clconv__dtype_is_complex(in) || clconv__dtype_is_complex(kernel))
        RETURN_IF(rt, out != cplx, CLCONV_EINVAL,
                  "the output is %s but a %s signal with a %s kernel gives a %s result: the "
                  "output must be %s",
                  clconv_dtype_name(out), clconv_dtype_name(in), clconv_dtype_name(kernel),
                  clconv_dtype_name(cplx), clconv_dtype_name(cplx));
    else
        RETURN_IF(rt, out != real && !clconv__dtype_is_int(out), CLCONV_EINVAL,
                  "the output is %s but the signal (%s) and the kernel (%s) are real: the "
                  "output must be %s or an integer dtype (uint8, uint16, int16)",
                  clconv_dtype_name(out), clconv_dtype_name(in), clconv_dtype_name(kernel),
                  clconv_dtype_name(real));
    *precision = real;
    return 0;
}

/* The largest element size among the operands: the byte counts that
 * geometry() checks for overflow use it. */
static size_t widest(clconv_dtype in, clconv_dtype kernel, clconv_dtype out)
{
    size_t es = clconv_dtype_size(kernel);
    if (clconv_dtype_size(in) > es) es = clconv_dtype_size(in);
    if (clconv_dtype_size(out) > es) es = clconv_dtype_size(out);
    return es;
}

/* Validates the dtypes and the sizes and fills g, storage dtypes included. */
static int problem(const clconv_runtime *rt, int dims, clconv_dtype in, clconv_dtype kernel,
                   clconv_dtype out, const size_t n[3], size_t batch, const size_t k[3],
                   const clconv_conv_options *o, clconv__geom *g)
{
    clconv_dtype precision = CLCONV_F32;
    FORWARD_IF_ERROR(dtypes(rt, in, kernel, out, &precision));
    FORWARD_IF_ERROR(geometry(rt, dims, precision, widest(in, kernel, out), n, batch, k, o, g));
    g->in_dtype = in;
    g->kernel_dtype = kernel;
    g->out_dtype = out;
    return 0;
}

/* Enqueues the path of the method that run() chose (opts->chosen) for a
 * problem with real storage, or integer storage on a 2-D direct
 * convolution, whose strip kernel converts as it loads and stores. kern as
 * for run(). */
static int dispatch(clconv_runtime *rt, const clconv__geom *g, cl_mem signal,
                    const cl_mem kern[3], cl_mem out, clconv_conv_options *o)
{
    const int separable = kern[1] != NULL;
    const clconv_method method = o->chosen;
    if (g->dims == 3) {
        if (separable)
            return clconv__direct3d_separable_run(rt, g, signal, kern[2], kern[0], kern[1], out);
        if (method == CLCONV_METHOD_FFT) return clconv__fft3d_run(rt, g, signal, kern[0], out);
        return clconv__direct3d_run(rt, g, signal, kern[0], out);
    }
    if (separable) return clconv__direct_separable_run(rt, g, signal, kern[0], kern[1], out);
    if (method == CLCONV_METHOD_FFT) return clconv__fft_run(rt, g, signal, kern[0], out);
    return clconv__direct_run(rt, g, signal, kern[0], out);
}

/* Runs a validated problem with the method the options ask for. kern[0] is
 * the kernel, or of a separable problem the column factor (k[0] taps), with
 * kern[1] the row factor (k[1] taps) and, in 3-D, kern[2] the depth factor
 * (k[2] taps); kern[1] and kern[2] are NULL otherwise. */
static int run(clconv_runtime *rt, const clconv__geom *g, cl_mem signal, const cl_mem kern[3],
               cl_mem out, clconv_conv_options *o)
{
    /* Complex data runs as real problems, each back through here. */
    if (clconv__geom_complex(g)) return clconv__complex_run(rt, g, signal, kern, out, o, run);
    const int separable = kern[1] != NULL;
    clconv_method method = o->method;
    RETURN_IF(rt, separable && method == CLCONV_METHOD_FFT, CLCONV_ENOTSUP,
              "separable convolution runs direct only; use method direct or auto");
    if (method == CLCONV_METHOD_AUTO) {
        method = CLCONV_METHOD_DIRECT;
        if (!separable) FORWARD_IF_ERROR(clconv__plan_method(rt, g, &method));
    }
    o->chosen = method;
    if (g->dims == 3)
        clconv__note(rt, "conv3d%s %zux%zux%zu * %zux%zux%zu batch %zu %s: method %s",
                     separable ? " separable" : "", g->n[2], g->n[0], g->n[1], g->k[2], g->k[0],
                     g->k[1], g->batch, g->dtype == CLCONV_F64 ? "f64" : "f32",
                     clconv_method_name(o->chosen));
    else
        clconv__note(rt, "conv%dd%s %zux%zu * %zux%zu batch %zu %s: method %s", g->dims,
                     separable ? " separable" : "", g->n[0], g->n[1], g->k[0], g->k[1],
                     g->batch, g->dtype == CLCONV_F64 ? "f64" : "f32",
                     clconv_method_name(o->chosen));
    /* Integer storage: the 2-D strip kernel converts as it loads and
     * stores; every other path takes a conversion pass on the device. */
    const int fused = g->dims == 2 && !separable && method == CLCONV_METHOD_DIRECT;
    if (clconv__geom_integer(g) && !fused)
        return clconv__convert_run(rt, g, signal, kern, out, o, dispatch);
    return dispatch(rt, g, signal, kern, out, o);
}

/* The buffer forms share one path: validate, check buffers, run. n and k in
 * the geometry's order; kern as for run(). */
static int conv_buffers(clconv_runtime *rt, int dims, const clconv_buffer *signal,
                        const size_t n[3], size_t batch, const clconv_buffer *const kern[3],
                        const size_t k[3], clconv_buffer *out, clconv_conv_options *opts)
{
    clconv_conv_options defaults;
    clconv__geom g;
    RETURN_IF(rt, !rt, CLCONV_EINVAL, "runtime is NULL");
    RETURN_IF(rt, !signal, CLCONV_EINVAL, "signal buffer is NULL");
    RETURN_IF(rt, !kern[0], CLCONV_EINVAL, "kernel buffer is NULL");
    RETURN_IF(rt, !out, CLCONV_EINVAL, "output buffer is NULL");
    if (!opts) {
        memset(&defaults, 0, sizeof defaults);
        opts = &defaults;
    }
    FORWARD_IF_ERROR(problem(rt, dims, signal->dtype, kern[0]->dtype, out->dtype, n, batch, k,
                             opts, &g));
    FORWARD_IF_ERROR(check_buffers(rt, &g, signal, kern, out));
    const cl_mem mems[3] = {kern[0]->mem, kern[1] ? kern[1]->mem : NULL,
                            kern[2] ? kern[2]->mem : NULL};
    return run(rt, &g, signal->mem, mems, out->mem, opts);
}

int clconv_conv1d(clconv_runtime *rt, const clconv_buffer *signal, size_t n, size_t batch,
                  const clconv_buffer *kernel, size_t k, clconv_buffer *out,
                  clconv_conv_options *opts)
{
    const size_t ns[3] = {1, n, 1}, ks[3] = {1, k, 1};
    const clconv_buffer *kern[3] = {kernel, NULL, NULL};
    return conv_buffers(rt, 1, signal, ns, batch, kern, ks, out, opts);
}

int clconv_conv2d(clconv_runtime *rt, const clconv_buffer *image, size_t rows, size_t cols,
                  size_t batch, const clconv_buffer *kernel, size_t krows, size_t kcols,
                  clconv_buffer *out, clconv_conv_options *opts)
{
    const size_t ns[3] = {rows, cols, 1}, ks[3] = {krows, kcols, 1};
    const clconv_buffer *kern[3] = {kernel, NULL, NULL};
    return conv_buffers(rt, 2, image, ns, batch, kern, ks, out, opts);
}

int clconv_conv2d_separable(clconv_runtime *rt, const clconv_buffer *image, size_t rows,
                            size_t cols, size_t batch, const clconv_buffer *kcol, size_t krows,
                            const clconv_buffer *krow, size_t kcols, clconv_buffer *out,
                            clconv_conv_options *opts)
{
    RETURN_IF(rt, !krow, CLCONV_EINVAL, "row kernel buffer is NULL");
    const size_t ns[3] = {rows, cols, 1}, ks[3] = {krows, kcols, 1};
    const clconv_buffer *kern[3] = {kcol, krow, NULL};
    return conv_buffers(rt, 2, image, ns, batch, kern, ks, out, opts);
}

int clconv_conv3d(clconv_runtime *rt, const clconv_buffer *volume, size_t depth, size_t rows,
                  size_t cols, size_t batch, const clconv_buffer *kernel, size_t kdepth,
                  size_t krows, size_t kcols, clconv_buffer *out, clconv_conv_options *opts)
{
    const size_t ns[3] = {rows, cols, depth}, ks[3] = {krows, kcols, kdepth};
    const clconv_buffer *kern[3] = {kernel, NULL, NULL};
    return conv_buffers(rt, 3, volume, ns, batch, kern, ks, out, opts);
}

int clconv_conv3d_separable(clconv_runtime *rt, const clconv_buffer *volume, size_t depth,
                            size_t rows, size_t cols, size_t batch, const clconv_buffer *kz,
                            size_t kdepth, const clconv_buffer *ky, size_t krows,
                            const clconv_buffer *kx, size_t kcols, clconv_buffer *out,
                            clconv_conv_options *opts)
{
    RETURN_IF(rt, !kx || !kz, CLCONV_EINVAL, "row or depth kernel buffer is NULL");
    const size_t ns[3] = {rows, cols, depth}, ks[3] = {krows, kcols, kdepth};
    const clconv_buffer *kern[3] = {ky, kx, kz};
    return conv_buffers(rt, 3, volume, ns, batch, kern, ks, out, opts);
}

/* Puts a caller's host array in front of the device. Where the device shares
 * host memory (CPU drivers such as POCL) the array is used in place through
 * CL_MEM_USE_HOST_PTR: copying it into a device buffer and back costs more
 * than a small convolution itself. Elsewhere it is staged in a pooled
 * buffer (copied in unless it is the output). */
static int stage(clconv_runtime *rt, const void *host, size_t bytes, int output, cl_mem *mem)
{
    if (rt->host_unified)
        return clconv__alloc(rt,
                             (output ? CL_MEM_WRITE_ONLY : CL_MEM_READ_ONLY) | CL_MEM_USE_HOST_PTR,
                             bytes, (void *)host, mem);
    FORWARD_IF_ERROR(clconv__scratch_get(rt, bytes, mem));
    if (output) return 0;
    CL_RETURN_IF(
        rt,
        CLCONV__CL(clEnqueueWriteBuffer, rt->queue, *mem, CL_TRUE, 0, bytes, host, 0, NULL, NULL),
        "clEnqueueWriteBuffer", "staging %zu input bytes", bytes);
    return 0;
}

/* Brings a staged output into the caller's array; blocks until every
 * command queued so far, the ones reading the inputs included, is done. */
static int unstage_output(clconv_runtime *rt, cl_mem mem, size_t bytes, void *host)
{
    if (!rt->host_unified) {
        CL_RETURN_IF(
            rt,
            CLCONV__CL(clEnqueueReadBuffer, rt->queue, mem, CL_TRUE, 0, bytes, host, 0, NULL, NULL),
            "clEnqueueReadBuffer", "reading %zu output bytes", bytes);
        return 0;
    }
    /* Mapping is what makes a USE_HOST_PTR buffer's contents valid in host
     * memory; the pointer it returns is the caller's array. */
    cl_int err;
    void *p = CLCONV__CL_OBJ(clEnqueueMapBuffer, &err, rt->queue, mem, CL_TRUE, CL_MAP_READ, 0,
                             bytes, 0, NULL, NULL);
    CL_RETURN_IF(rt, err, "clEnqueueMapBuffer", "%zu output bytes", bytes);
    CL_RETURN_IF(rt, CLCONV__CL(clEnqueueUnmapMemObject, rt->queue, mem, p, 0, NULL, NULL),
                 "clEnqueueUnmapMemObject", "%zu output bytes", bytes);
    CL_RETURN_IF(rt, CLCONV__CL(clFinish, rt->queue), "clFinish", "after reading the output");
    return 0;
}

static void unstage(clconv_runtime *rt, cl_mem mem)
{
    if (!mem) return;
    if (rt->host_unified) clReleaseMemObject(mem);
    else clconv__scratch_release(rt, mem);
}

/* With notes on, waits for the queue so that each phase of a host-form call
 * is timed on its own (which costs the overlap between them); a no-op
 * otherwise. Adds the time since *t to *phase and restarts *t. */
static int phase_end(clconv_runtime *rt, double *t, double *phase)
{
    if (!rt->verbose) return 0;
    CL_RETURN_IF(rt, CLCONV__CL(clFinish, rt->queue), "clFinish", "timing a phase");
    const double now = clconv__now_s() * 1e3;
    *phase += now - *t;
    *t = now;
    return 0;
}

/* Host forms: stage the caller's arrays (see stage()), run, bring the output
 * back (blocking), and let go of the staging buffers. n, k and kern as for
 * conv_buffers, with host arrays. */
static int conv_host(clconv_runtime *rt, int dims, clconv_dtype in_dtype, const void *signal,
                     const size_t n[3], size_t batch, clconv_dtype dtype,
                     const void *const kern[3], const size_t k[3], clconv_dtype out_dtype,
                     void *out, clconv_conv_options *opts)
{
    clconv_conv_options defaults;
    clconv__geom g;
    RETURN_IF(rt, !rt, CLCONV_EINVAL, "runtime is NULL");
    RETURN_IF(rt, !signal || !kern[0] || !out, CLCONV_EINVAL, "signal, kernel or out is NULL");
    if (!opts) {
        memset(&defaults, 0, sizeof defaults);
        opts = &defaults;
    }
    FORWARD_IF_ERROR(problem(rt, dims, in_dtype, dtype, out_dtype, n, batch, k, opts, &g));
    /* A dense real kernel of rank 1 runs as its column and row (rank1.c),
     * integer storage included: the separable passes compute in the
     * precision and one conversion rounds the output. A complex kernel is
     * not split (its parts would each need their own test). */
    void *factors = NULL;
    if (!kern[1] && !clconv__dtype_is_complex(dtype))
        FORWARD_IF_ERROR(clconv__rank1_split(rt, &g, opts->method, kern[0], &factors));
    if (factors) {
        const void *split[3] = {factors, (char *)factors + k[0] * clconv_dtype_size(dtype), NULL};
        int status = conv_host(rt, dims, in_dtype, signal, n, batch, dtype, split, k, out_dtype,
                               out, opts);
        free(factors);
        return status;
    }
    if (clconv__stream_needed(rt, &g))
        return clconv__stream_host(rt, &g, signal, kern, out, opts, run);

    const size_t es = clconv_dtype_size(dtype);
    const int separable = kern[1] != NULL;
    const void *host[5] = {signal, kern[0], kern[1], kern[2], out};
    /* Integer pixels are staged as they are: 1 or 2 bytes each. */
    size_t bytes[5] = {elems(g.n, batch) * clconv_dtype_size(in_dtype),
                       kernel_elems(&g, separable, 0) * es, kernel_elems(&g, separable, 1) * es,
                       kernel_elems(&g, separable, 2) * es,
                       elems(g.out, batch) * clconv_dtype_size(out_dtype)};
    cl_mem mem[5] = {NULL, NULL, NULL, NULL, NULL};
    int status = 0;
    double t = clconv__now_s() * 1e3, ms[3] = {0, 0, 0}; /* upload, compute, download */
    for (int i = 0; i < 5 && status == 0; i++)
        if (host[i] && bytes[i]) status = stage(rt, host[i], bytes[i], i == 4, &mem[i]);
    if (status == 0) status = phase_end(rt, &t, &ms[0]);
    if (status == 0) status = run(rt, &g, mem[0], mem + 1, mem[4], opts);
    if (status == 0) status = phase_end(rt, &t, &ms[1]);
    if (status == 0) status = unstage_output(rt, mem[4], bytes[4], out);
    if (status == 0) status = phase_end(rt, &t, &ms[2]);
    if (status == 0)
        clconv__note(rt, "host arrays: upload %.2f ms, compute %.2f ms, download %.2f ms%s", ms[0],
                     ms[1], ms[2], rt->host_unified ? " (used in place, no copies)" : "");
    /* On failure, work already queued may still read the caller's arrays. */
    if (status < 0) (void)clFinish(rt->queue);
    for (int i = 0; i < 5; i++) unstage(rt, mem[i]);
    return status;
}

int clconv_conv1d_host(clconv_runtime *rt, clconv_dtype dtype, const void *signal, size_t n,
                       size_t batch, const void *kernel, size_t k, void *out,
                       clconv_conv_options *opts)
{
    const size_t ns[3] = {1, n, 1}, ks[3] = {1, k, 1};
    const void *kern[3] = {kernel, NULL, NULL};
    return conv_host(rt, 1, dtype, signal, ns, batch, dtype, kern, ks, dtype, out, opts);
}

int clconv_conv1d_host_typed(clconv_runtime *rt, clconv_dtype in_dtype, const void *signal,
                             size_t n, size_t batch, clconv_dtype dtype, const void *kernel,
                             size_t k, clconv_dtype out_dtype, void *out,
                             clconv_conv_options *opts)
{
    const size_t ns[3] = {1, n, 1}, ks[3] = {1, k, 1};
    const void *kern[3] = {kernel, NULL, NULL};
    return conv_host(rt, 1, in_dtype, signal, ns, batch, dtype, kern, ks, out_dtype, out, opts);
}

int clconv_conv2d_host(clconv_runtime *rt, clconv_dtype dtype, const void *image, size_t rows,
                       size_t cols, size_t batch, const void *kernel, size_t krows, size_t kcols,
                       void *out, clconv_conv_options *opts)
{
    const size_t ns[3] = {rows, cols, 1}, ks[3] = {krows, kcols, 1};
    const void *kern[3] = {kernel, NULL, NULL};
    return conv_host(rt, 2, dtype, image, ns, batch, dtype, kern, ks, dtype, out, opts);
}

int clconv_conv2d_host_typed(clconv_runtime *rt, clconv_dtype in_dtype, const void *image,
                             size_t rows, size_t cols, size_t batch, clconv_dtype dtype,
                             const void *kernel, size_t krows, size_t kcols,
                             clconv_dtype out_dtype, void *out, clconv_conv_options *opts)
{
    const size_t ns[3] = {rows, cols, 1}, ks[3] = {krows, kcols, 1};
    const void *kern[3] = {kernel, NULL, NULL};
    return conv_host(rt, 2, in_dtype, image, ns, batch, dtype, kern, ks, out_dtype, out, opts);
}

int clconv_conv2d_separable_host(clconv_runtime *rt, clconv_dtype dtype, const void *image,
                                 size_t rows, size_t cols, size_t batch, const void *kcol,
                                 size_t krows, const void *krow, size_t kcols, void *out,
                                 clconv_conv_options *opts)
{
    RETURN_IF(rt, !krow, CLCONV_EINVAL, "row kernel is NULL");
    const size_t ns[3] = {rows, cols, 1}, ks[3] = {krows, kcols, 1};
    const void *kern[3] = {kcol, krow, NULL};
    return conv_host(rt, 2, dtype, image, ns, batch, dtype, kern, ks, dtype, out, opts);
}

int clconv_conv2d_separable_host_typed(clconv_runtime *rt, clconv_dtype in_dtype,
                                       const void *image, size_t rows, size_t cols, size_t batch,
                                       clconv_dtype dtype, const void *kcol, size_t krows,
                                       const void *krow, size_t kcols, clconv_dtype out_dtype,
                                       void *out, clconv_conv_options *opts)
{
    RETURN_IF(rt, !krow, CLCONV_EINVAL, "row kernel is NULL");
    RETURN_IF(rt, clconv__dtype_is_complex(dtype), CLCONV_EINVAL,
              "the factors of a typed separable call are real (float32 or float64), not %s",
              clconv_dtype_name(dtype));
    const size_t ns[3] = {rows, cols, 1}, ks[3] = {krows, kcols, 1};
    const void *kern[3] = {kcol, krow, NULL};
    return conv_host(rt, 2, in_dtype, image, ns, batch, dtype, kern, ks, out_dtype, out, opts);
}

int clconv_conv3d_host(clconv_runtime *rt, clconv_dtype dtype, const void *volume, size_t depth,
                       size_t rows, size_t cols, size_t batch, const void *kernel, size_t kdepth,
                       size_t krows, size_t kcols, void *out, clconv_conv_options *opts)
{
    const size_t ns[3] = {rows, cols, depth}, ks[3] = {krows, kcols, kdepth};
    const void *kern[3] = {kernel, NULL, NULL};
    return conv_host(rt, 3, dtype, volume, ns, batch, dtype, kern, ks, dtype, out, opts);
}

int clconv_conv3d_host_typed(clconv_runtime *rt, clconv_dtype in_dtype, const void *volume,
                             size_t depth, size_t rows, size_t cols, size_t batch,
                             clconv_dtype dtype, const void *kernel, size_t kdepth, size_t krows,
                             size_t kcols, clconv_dtype out_dtype, void *out,
                             clconv_conv_options *opts)
{
    const size_t ns[3] = {rows, cols, depth}, ks[3] = {krows, kcols, kdepth};
    const void *kern[3] = {kernel, NULL, NULL};
    return conv_host(rt, 3, in_dtype, volume, ns, batch, dtype, kern, ks, out_dtype, out, opts);
}

int clconv_conv3d_separable_host(clconv_runtime *rt, clconv_dtype dtype, const void *volume,
                                 size_t depth, size_t rows, size_t cols, size_t batch,
                                 const void *kz, size_t kdepth, const void *ky, size_t krows,
                                 const void *kx, size_t kcols, void *out,
                                 clconv_conv_options *opts)
{
    RETURN_IF(rt, !kx || !kz, CLCONV_EINVAL, "row or depth kernel is NULL");
    const size_t ns[3] = {rows, cols, depth}, ks[3] = {krows, kcols, kdepth};
    const void *kern[3] = {ky, kx, kz};
    return conv_host(rt, 3, dtype, volume, ns, batch, dtype, kern, ks, dtype, out, opts);
}

int clconv_conv3d_separable_host_typed(clconv_runtime *rt, clconv_dtype in_dtype,
                                       const void *volume, size_t depth, size_t rows, size_t cols,
                                       size_t batch, clconv_dtype dtype, const void *kz,
                                       size_t kdepth, const void *ky, size_t krows, const void *kx,
                                       size_t kcols, clconv_dtype out_dtype, void *out,
                                       clconv_conv_options *opts)
{
    RETURN_IF(rt, !kx || !kz, CLCONV_EINVAL, "row or depth kernel is NULL");
    RETURN_IF(rt, clconv__dtype_is_complex(dtype), CLCONV_EINVAL,
              "the factors of a typed separable call are real (float32 or float64), not %s",
              clconv_dtype_name(dtype));
    const size_t ns[3] = {rows, cols, depth}, ks[3] = {krows, kcols, kdepth};
    const void *kern[3] = {ky, kx, kz};
    return conv_host(rt, 3, in_dtype, volume, ns, batch, dtype, kern, ks, out_dtype, out, opts);
}
