/*
 * Integer storage (uint8, uint16, int16 signals and outputs) on the paths
 * whose kernels read and write the compute type only: FFT, separable, 1-D,
 * 3-D and the pieces of streaming. The integer signal is converted on the
 * device into a pooled buffer of the compute type, the real problem runs,
 * and an integer output is rounded (ties to even) and saturated from a
 * pooled real result by kernels/convert.cl, whose rounding is the one the
 * 2-D strip kernel's fused stores use (kernels/saturate.h). A 2-D direct
 * convolution does not come here: the strip kernel converts as it loads and
 * stores, which saves these passes (conv.c decides).
 */
#include "dispatch.h"

#include <stdio.h>

/* Launches the conversion of count elements between integer storage
 * int_dtype and the real precision: to_real, or from_real (rounded and
 * saturated). Offsets in elements. */
static int convert(clconv_runtime *rt, clconv_dtype precision, clconv_dtype int_dtype,
                   int from_real, cl_mem src, cl_mem dst, size_t count)
{
    /* Elements per work-item (CVEC): 16, or one vector register of them. */
    const unsigned cvec = clconv__vector_fit(rt, precision, 16);
    char options[160];
    const long lo = int_dtype == CLCONV_I16 ? -32768 : 0;
    const long hi = int_dtype == CLCONV_U8 ? 255 : int_dtype == CLCONV_U16 ? 65535 : 32767;
    const char *name = clconv__dtype_cl_name(int_dtype);
    /* Each direction's program names its own storage type only, so that a
     * uint8 input and a uint8 output share no options they do not need. */
    if (from_real)
        snprintf(options, sizeof options,
                 "-DPRECISION=%d -DCVEC=%u -DOUT_T=%s -DOUT_MIN=%ld -DOUT_MAX=%ld",
                 precision == CLCONV_F64 ? 64 : 32, cvec, name, lo, hi);
    else
        snprintf(options, sizeof options, "-DPRECISION=%d -DCVEC=%u -DIN_T=%s",
                 precision == CLCONV_F64 ? 64 : 32, cvec, name);
    const char *fn = from_real ? "from_real" : "to_real";
    cl_kernel k;
    FORWARD_IF_ERROR(clconv__kernel_create(rt, "convert", options, fn, &k));
    const cl_ulong zero = 0, n = count;
    const clconv__arg args[] = {CLCONV__ARG(src), CLCONV__ARG(zero), CLCONV__ARG(dst),
                                CLCONV__ARG(zero), CLCONV__ARG(n)};
    int status = clconv__set_args(rt, k, args, sizeof args / sizeof args[0], fn);
    if (status == 0) {
        const size_t gws[1] = {(count + cvec - 1) / cvec};
        status = clconv__launch(rt, k, 1, gws, NULL, fn);
    }
    clReleaseKernel(k);
    return status;
}

int clconv__convert_run(clconv_runtime *rt, const clconv__geom *g, cl_mem signal,
                        const cl_mem kern[3], cl_mem out, clconv_conv_options *opts,
                        clconv__run_fn dispatch)
{
    const size_t es = clconv_dtype_size(g->dtype);
    const size_t in_count = g->batch * g->n[0] * g->n[1] * (g->dims == 3 ? g->n[2] : 1);
    const size_t out_count = g->batch * g->out[0] * g->out[1] * (g->dims == 3 ? g->out[2] : 1);
    const int int_in = clconv__dtype_is_int(g->in_dtype);
    const int int_out = clconv__dtype_is_int(g->out_dtype);
    clconv__geom rg = *g;
    rg.in_dtype = rg.out_dtype = g->dtype;
    cl_mem in = NULL, res = NULL;
    int status = 0;
    clconv__note(rt, "integer storage: %s%s%s converted on the device in a pass of its own",
                 int_in ? clconv_dtype_name(g->in_dtype) : "",
                 int_in && int_out ? " signal and " : int_in ? " signal" : "",
                 int_out ? clconv_dtype_name(g->out_dtype) : "");
    if (int_in) {
        status = clconv__scratch_get(rt, in_count * es, &in);
        if (status == 0) status = convert(rt, g->dtype, g->in_dtype, 0, signal, in, in_count);
    }
    if (status == 0 && int_out) status = clconv__scratch_get(rt, out_count * es, &res);
    if (status == 0)
        status = dispatch(rt, &rg, int_in ? in : signal, kern, int_out ? res : out, opts);
    if (status == 0 && int_out) status = convert(rt, g->dtype, g->out_dtype, 1, res, out, out_count);
    /* Pooled scratch may be handed back once its users are enqueued. */
    clconv__scratch_release(rt, in);
    clconv__scratch_release(rt, res);
    return status;
}
