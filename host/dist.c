/*
 * Distributions of sums of independent random variables: creation with the
 * input checks, the sums (two, many, the rows of a matrix, n copies of one),
 * trimming, and the reduction engine behind the sums. Every operand and
 * intermediate result stays on the device; the host only plans which rows
 * to convolve next. Convolutions run through the dispatch layers
 * (dispatch.h): the tiled direct kernels, or FFT on request, with the short
 * rows at the start of a big reduction batched through kernels/dist.cl.
 */
#include "dist.h"
#include "dispatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Rows shorter than this are convolved by dist_pairs, many pairs per launch;
 * longer ones one pair at a time by the tiled direct kernels, which are much
 * faster per product but cost two launches (padding copy, convolution) per
 * pair. Measured on POCL (2-core EPYC), summing 10^5 two-point rows: limits
 * of 64 and 256 ran alike, 1024 and 4096 20-40% slower. */
#define PAIR_MAX_LEN 256

/* AUTO's rule: a 1-D convolution runs by the checked FFT of dist_fft.c
 * when both operands hold at least this many entries (CLCONV_DIST_FFT_MIN
 * overrides it, so that tests reach that path with small operands); 2-D
 * ones always run directly, with no bound on a plain FFT's error. */
#define AUTO_FFT_MIN_ENTRIES ((size_t)1 << 15)

/* Bytes per result entry, in doubles, that a sum may hold at its peak on the
 * device and on the host, and more on the host for the checked FFT (see
 * clconv__dist_check_memory). */
#define DEVICE_PER_ENTRY 9
#define HOST_PER_ENTRY 4
#define HOST_FFT_PER_ENTRY 7

/* A 2-D power may run in steps of m copies of its operand, m chosen so
 * that the step's operand holds about this many entries (see power_item). */
#define STEP2D_ENTRIES 64.0

/* Work-items of dist_clamp, hence slots of clamped mass. */
#define CLAMP_ITEMS 256

/* ---- creation and access ------------------------------------------------ */

/* Checks a layout and fills l with it normalised (1-D: len[1] = 1,
 * offset[1] = 0) and *count with its number of entries. */
static int check_layout(clconv_runtime *rt, const clconv_dist_layout *in,
                        clconv_dist_layout *l, size_t *count)
{
    size_t bytes;
    RETURN_IF(rt, in->dims != 1 && in->dims != 2, CLCONV_EINVAL,
              "a distribution has 1 or 2 dimensions, not %d", in->dims);
    *l = *in;
    if (l->dims == 1) {
        l->len[1] = 1;
        l->offset[1] = 0;
    }
    RETURN_IF(rt, l->len[0] == 0 || l->len[1] == 0, CLCONV_EINVAL,
              "empty distribution (%zu x %zu entries)", l->len[0], l->len[1]);
    RETURN_IF(rt, !(l->step >= 0) || isinf(l->step), CLCONV_EINVAL,
              "step must be 0 (discrete) or a finite positive grid step, not %g", l->step);
    RETURN_IF(rt, clconv__mul_ok(l->len[0], l->len[1], count) ||
                      clconv__mul_ok(*count, sizeof(double), &bytes),
              CLCONV_EOVERFLOW, "%zu x %zu entries overflow a byte count", l->len[0], l->len[1]);
    return 0;
}

/* Checks count values (finite, >= 0) and their total probability, the sum
 * times scale (the grid step of a density, else 1), and stores in *factor
 * what turns a value into a probability: scale, divided by the total when
 * normalising. cols > 0 names entries of a 2-D array by row and column;
 * what prefixes every message ("" or "row 7: "). */
static int check_values(clconv_runtime *rt, const double *v, size_t count, size_t cols,
                        double scale, unsigned flags, const char *what, double *factor)
{
    clconv__ksum sum = {0, 0};
    for (size_t i = 0; i < count; i++) {
        const char *bad = isnan(v[i]) ? "is NaN" : isinf(v[i]) ? "is infinite"
                                                : v[i] < 0     ? "is negative"
                                                               : NULL;
        if (bad && cols)
            return CLCONV_FAIL(rt, CLCONV_EINVAL, "%sentry (%zu, %zu) %s (%g)", what, i / cols,
                               i % cols, bad, v[i]);
        if (bad) return CLCONV_FAIL(rt, CLCONV_EINVAL, "%sentry %zu %s (%g)", what, i, bad, v[i]);
        clconv__ksum_add(&sum, v[i]);
    }
    const double total = clconv__ksum_value(&sum) * scale;
    if (flags & CLCONV_DIST_NORMALIZE) {
        RETURN_IF(rt, !(total > 0) || isinf(total), CLCONV_EINVAL,
                  "%sthe total probability is %g, which cannot be normalised to 1", what, total);
        *factor = scale / total;
        return 0;
    }
    RETURN_IF(rt, !(fabs(total - 1) <= 1e-9), CLCONV_EINVAL,
              "%sthe probabilities sum to %.12g, not 1 (within 1e-9); ask for normalisation "
              "to rescale them",
              what, total);
    *factor = scale;
    return 0;
}

/* Makes a distribution of layout l around mem, lg (1-D: the log-masses;
 * 2-D: NULL) and host (the masses on the host, or NULL), taking ownership of
 * all three: they are freed on failure. */
static int dist_make(clconv_runtime *rt, const clconv_dist_layout *l, cl_mem mem, cl_mem lg,
                     double *host, clconv_dist **out)
{
    clconv_dist *d = malloc(sizeof *d);
    if (!d || pthread_mutex_init(&d->lock, NULL) != 0) {
        free(d);
        free(host);
        clReleaseMemObject(mem);
        if (lg) clReleaseMemObject(lg);
        return CLCONV_FAIL(rt, CLCONV_ENOMEM, "allocating a distribution handle");
    }
    d->rt = rt;
    d->layout = *l;
    d->count = l->len[0] * l->len[1];
    d->mem = mem;
    d->lg = lg;
    d->host = host;
    d->host_lg = NULL;
    d->below = 0;
    d->above = 0;
    *out = d;
    return 0;
}

/* Copies count masses to a new device buffer and wraps them as a
 * distribution of layout l; host is adopted as the host copy. A 1-D
 * distribution also gets its log-masses: logs when given (adopted), else
 * the logarithms of host. */
static int dist_upload(clconv_runtime *rt, const clconv_dist_layout *l, double *host,
                       double *logs, size_t count, clconv_dist **out)
{
    cl_mem mem = NULL, lg = NULL;
    int status = 0;
    if (l->dims == 1 && !logs) {
        logs = malloc(count * sizeof *logs);
        if (!logs) status = CLCONV_FAIL(rt, CLCONV_ENOMEM, "allocating %zu logs", count);
        for (size_t i = 0; status == 0 && i < count; i++) logs[i] = log(host[i]);
    }
    if (status == 0)
        status = clconv__alloc(rt, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                               count * sizeof(double), host, &mem);
    if (status == 0 && l->dims == 1)
        status = clconv__alloc(rt, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                               count * sizeof(double), logs, &lg);
    if (status < 0) {
        free(host);
        free(logs);
        if (mem) clReleaseMemObject(mem);
        return status;
    }
    status = dist_make(rt, l, mem, lg, host, out);
    if (status == 0)
        (*out)->host_lg = logs;
    else
        free(logs);
    return status;
}

int clconv_dist_create(clconv_runtime *rt, const double *values, const clconv_dist_layout *layout,
                       unsigned flags, clconv_dist **out)
{
    clconv_dist_layout l;
    size_t count = 0;
    double factor;
    RETURN_IF(rt, !rt || !values || !layout || !out, CLCONV_EINVAL,
              "runtime, values, layout or out is NULL");
    *out = NULL;
    RETURN_IF(rt, flags & ~CLCONV_DIST_NORMALIZE, CLCONV_EINVAL, "unknown flags 0x%x", flags);
    FORWARD_IF_ERROR(clconv__check_dtype(rt, CLCONV_F64));
    FORWARD_IF_ERROR(check_layout(rt, layout, &l, &count));
    FORWARD_IF_ERROR(check_values(rt, values, count, l.dims == 2 ? l.len[1] : 0,
                                  l.step > 0 ? l.step : 1, flags, "", &factor));
    double *host = malloc(count * sizeof *host);
    RETURN_IF(rt, !host, CLCONV_ENOMEM, "allocating %zu probabilities", count);
    for (size_t i = 0; i < count; i++) host[i] = values[i] * factor;
    FORWARD_IF_ERROR(clconv__dist_check_memory(rt, count, 0, "the distribution"));
    return dist_upload(rt, &l, host, NULL, count, out);
}

int clconv__dist_from_logs(clconv_runtime *rt, const clconv_dist_layout *layout,
                           const double *logs, unsigned flags, clconv_dist **out)
{
    clconv_dist_layout l;
    size_t count = 0;
    FORWARD_IF_ERROR(check_layout(rt, layout, &l, &count));
    RETURN_IF(rt, l.dims != 1, CLCONV_EINVAL,
              "distributions from logarithms are 1-D (a 2-D distribution keeps float64's range)");
    /* The total, log-sum-exp around the largest value, checked as by
     * check_values. */
    double top = -INFINITY;
    for (size_t i = 0; i < count; i++) {
        RETURN_IF(rt, isnan(logs[i]) || logs[i] == INFINITY, CLCONV_EINVAL,
                  "entry %zu is %g, not the logarithm of a probability", i, logs[i]);
        top = logs[i] > top ? logs[i] : top;
    }
    RETURN_IF(rt, top == -INFINITY, CLCONV_EINVAL, "every probability is 0");
    clconv__ksum sum = {0, 0};
    for (size_t i = 0; i < count; i++) clconv__ksum_add(&sum, exp(logs[i] - top));
    const double lstep = l.step > 0 ? log(l.step) : 0;
    const double ltotal = top + log(clconv__ksum_value(&sum)) + lstep;
    double shift = lstep;
    if (flags & CLCONV_DIST_NORMALIZE)
        shift -= ltotal;
    else
        RETURN_IF(rt, !(fabs(expm1(ltotal)) <= 1e-9), CLCONV_EINVAL,
                  "the probabilities sum to %.12g, not 1 (within 1e-9); ask for normalisation "
                  "to rescale them",
                  exp(ltotal));
    FORWARD_IF_ERROR(clconv__dist_check_memory(rt, count, 0, "the distribution"));
    double *host = malloc(count * sizeof *host), *hl = malloc(count * sizeof *hl);
    if (!host || !hl) {
        free(host);
        free(hl);
        return CLCONV_FAIL(rt, CLCONV_ENOMEM, "allocating %zu probabilities", count);
    }
    for (size_t i = 0; i < count; i++) {
        hl[i] = logs[i] + shift;
        host[i] = exp(hl[i]);
    }
    return dist_upload(rt, &l, host, hl, count, out);
}

int clconv_dist_create_log(clconv_runtime *rt, const double *logp,
                           const clconv_dist_layout *layout, unsigned flags, clconv_dist **out)
{
    RETURN_IF(rt, !rt || !logp || !layout || !out, CLCONV_EINVAL,
              "runtime, logp, layout or out is NULL");
    *out = NULL;
    RETURN_IF(rt, flags & ~CLCONV_DIST_NORMALIZE, CLCONV_EINVAL, "unknown flags 0x%x", flags);
    FORWARD_IF_ERROR(clconv__check_dtype(rt, CLCONV_F64));
    return clconv__dist_from_logs(rt, layout, logp, flags, out);
}

int clconv_dist_create_1d(clconv_runtime *rt, const double *p, size_t count, int64_t offset,
                          unsigned flags, clconv_dist **out)
{
    clconv_dist_layout l = {1, {count, 1}, {offset, 0}, 0.0};
    return clconv_dist_create(rt, p, &l, flags, out);
}

void clconv_dist_destroy(clconv_dist *dist)
{
    if (!dist) return;
    clReleaseMemObject(dist->mem);
    if (dist->lg) clReleaseMemObject(dist->lg);
    pthread_mutex_destroy(&dist->lock);
    free(dist->host);
    free(dist->host_lg);
    free(dist);
}

int clconv_dist_layout_get(const clconv_dist *dist, clconv_dist_layout *layout)
{
    RETURN_IF(NULL, !dist || !layout, CLCONV_EINVAL, "distribution or layout is NULL");
    *layout = dist->layout;
    return 0;
}

int clconv__dist_masses(const clconv_dist *dist, const double **masses)
{
    /* The host copy is a cache: filling it does not change the distribution,
     * so it is done through a const handle, under the handle's lock. */
    clconv_dist *d = (clconv_dist *)dist;
    int status = 0;
    pthread_mutex_lock(&d->lock);
    if (!d->host) {
        double *h = malloc(d->count * sizeof *h);
        cl_int err = CL_SUCCESS;
        if (!h)
            status = CLCONV_FAIL(d->rt, CLCONV_ENOMEM, "allocating %zu probabilities", d->count);
        else
            err = CLCONV__CL(clEnqueueReadBuffer, d->rt->queue, d->mem, CL_TRUE, 0,
                             d->count * sizeof *h, h, 0, NULL, NULL);
        if (err != CL_SUCCESS)
            status = clconv__cl_fail(d->rt, err, "clEnqueueReadBuffer", __FILE__, __LINE__,
                                     "reading %zu probabilities", d->count);
        if (status == 0)
            d->host = h;
        else
            free(h);
    }
    pthread_mutex_unlock(&d->lock);
    if (status == 0) *masses = d->host;
    return status;
}

int clconv__dist_logs(const clconv_dist *dist, const double **lg)
{
    clconv_dist *d = (clconv_dist *)dist;
    int status = 0;
    pthread_mutex_lock(&d->lock);
    if (!d->host_lg) {
        double *h = malloc(d->count * sizeof *h);
        if (!h)
            status = CLCONV_FAIL(d->rt, CLCONV_ENOMEM, "allocating %zu logs", d->count);
        else
            status = clconv__dist_read_logs(
                d->rt, &(clconv__dist_row){d->mem, d->lg, 0, d->count}, h);
        if (status == 0)
            d->host_lg = h;
        else
            free(h);
    }
    pthread_mutex_unlock(&d->lock);
    if (status == 0) *lg = d->host_lg;
    return status;
}

int clconv_dist_read_log(const clconv_dist *dist, double *logp)
{
    RETURN_IF(NULL, !dist || !logp, CLCONV_EINVAL, "distribution or logp is NULL");
    const double lh = dist->layout.step > 0 ? log(dist->layout.step) : 0;
    if (!dist->lg) {
        /* 2-D: the logarithms of the float64 masses. */
        const double *m;
        FORWARD_IF_ERROR(clconv__dist_masses(dist, &m));
        for (size_t i = 0; i < dist->count; i++) logp[i] = log(m[i]) - lh;
        return 0;
    }
    const double *lg;
    FORWARD_IF_ERROR(clconv__dist_logs(dist, &lg));
    for (size_t i = 0; i < dist->count; i++) logp[i] = lg[i] - lh;
    return 0;
}

int clconv_dist_read(const clconv_dist *dist, double *values)
{
    const double *m;
    RETURN_IF(NULL, !dist || !values, CLCONV_EINVAL, "distribution or values is NULL");
    FORWARD_IF_ERROR(clconv__dist_masses(dist, &m));
    const double h = dist->layout.step;
    for (size_t i = 0; i < dist->count; i++) values[i] = h > 0 ? m[i] / h : m[i];
    return 0;
}

/* ---- the reduction engine ----------------------------------------------- */

/* An operand or result of a reduction: `count` rows of rows x cols masses
 * (a 1-D row has rows == 1, as in dispatch.h), `stride` elements apart from
 * element `base` of mem. Each item holds one OpenCL reference to mem, so a
 * buffer lives exactly as long as some item still needs rows of it. Groups
 * (count > 1) are 1-D; a group whose rows are PAIR_MAX_LEN or longer has an
 * aligned base and stride, so each row can be handed to the tiled kernels
 * as a sub-buffer. `borrowed` marks a caller's distribution. */
typedef struct item {
    cl_mem mem;
    cl_mem lg;             /* 1-D: the log-masses, laid out as mem; 2-D: NULL */
    size_t base, stride, count;
    size_t rows, cols;
    int borrowed;
} item;

static size_t entries(const item *it) { return it->rows * it->cols; }

/* Drops an item's references. */
static void item_release(item *it)
{
    if (it->mem) clReleaseMemObject(it->mem);
    if (it->lg) clReleaseMemObject(it->lg);
    it->mem = it->lg = NULL;
}

/* Takes one more reference to an item's buffers. */
static int item_retain(clconv_runtime *rt, item *it)
{
    CL_RETURN_IF(rt, clRetainMemObject(it->mem), "clRetainMemObject", "a distribution row");
    if (it->lg) {
        cl_int err = clRetainMemObject(it->lg);
        if (err != CL_SUCCESS) {
            clReleaseMemObject(it->mem);
            return clconv__cl_fail(rt, err, "clRetainMemObject", __FILE__, __LINE__,
                                   "a distribution row's logs");
        }
    }
    return 0;
}

/* Row r of a 1-D item as a clconv__dist_row. */
static clconv__dist_row item_row(const item *it, size_t r)
{
    return (clconv__dist_row){it->mem, it->lg, it->base + r * it->stride, entries(it)};
}

typedef struct reducer {
    clconv_runtime *rt;
    int dims;
    clconv_method method;
    size_t align;          /* device base-address alignment, in elements */
    cl_kernel pairs;       /* dist_pairs, made on first use */
    cl_kernel lpairs;      /* dist_lpairs, made on first use */
    cl_kernel log;         /* dist_log, made on first FFT use */
    clconv__dist_kernels logged; /* those of clconv__dist_conv_logged */
    cl_kernel clamp;       /* dist_clamp, made on first FFT use */
    cl_mem clamped;        /* CLAMP_ITEMS slots of clamped mass */
    int used_fft;
    size_t fft_min;        /* AUTO_FFT_MIN_ENTRIES or CLCONV_DIST_FFT_MIN */
    clconv__dist_fft_stats checked; /* what the checked FFT did */
    item *heap;            /* binary min-heap on entries(): shortest first */
    size_t size, cap;
} reducer;

/* Operand entries from which AUTO runs a 1-D convolution by the checked
 * FFT: CLCONV_DIST_FFT_MIN when it is a positive count, else the default. */
static size_t auto_fft_min(void)
{
    const char *env = getenv("CLCONV_DIST_FFT_MIN");
    char *end;
    unsigned long long v = env && *env ? strtoull(env, &end, 10) : 0;
    return v > 0 && *end == 0 && v <= SIZE_MAX ? (size_t)v : AUTO_FFT_MIN_ENTRIES;
}

static int reducer_init(reducer *red, clconv_runtime *rt, int dims,
                        const clconv_dist_options *opts)
{
    cl_uint bits = 0;
    memset(red, 0, sizeof *red);
    red->rt = rt;
    red->dims = dims;
    red->method = opts ? opts->method : CLCONV_METHOD_AUTO;
    RETURN_IF(rt, (unsigned)red->method > CLCONV_METHOD_FFT, CLCONV_EINVAL, "unknown method %d",
              (int)red->method);
    CL_RETURN_IF(rt, clGetDeviceInfo(rt->device, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof bits,
                                     &bits, NULL),
                 "clGetDeviceInfo", "CL_DEVICE_MEM_BASE_ADDR_ALIGN");
    red->align = bits / 8 / sizeof(double) > 1 ? bits / 8 / sizeof(double) : 1;
    red->fft_min = auto_fft_min();
    return 0;
}

static void reducer_free(reducer *red)
{
    for (size_t i = 0; i < red->size; i++) item_release(&red->heap[i]);
    free(red->heap);
    if (red->pairs) clReleaseKernel(red->pairs);
    if (red->lpairs) clReleaseKernel(red->lpairs);
    if (red->log) clReleaseKernel(red->log);
    clconv__dist_kernels_release(&red->logged);
    if (red->clamp) clReleaseKernel(red->clamp);
    if (red->clamped) clReleaseMemObject(red->clamped);
}

/* Adds it to the heap, which takes over its reference (released here when
 * the heap cannot grow). */
static int push(reducer *red, item it)
{
    if (red->size == red->cap) {
        size_t cap = red->cap ? 2 * red->cap : 16;
        item *h = realloc(red->heap, cap * sizeof *h);
        if (!h) {
            item_release(&it);
            return CLCONV_FAIL(red->rt, CLCONV_ENOMEM, "growing the reduction heap");
        }
        red->heap = h;
        red->cap = cap;
    }
    size_t i = red->size++;
    while (i > 0 && entries(&red->heap[(i - 1) / 2]) > entries(&it)) {
        red->heap[i] = red->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    red->heap[i] = it;
    return 0;
}

/* Removes the item with the fewest entries per row; the caller owns its
 * reference. The heap must not be empty. */
static item pop(reducer *red)
{
    item top = red->heap[0], last = red->heap[--red->size];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= red->size) break;
        if (c + 1 < red->size && entries(&red->heap[c + 1]) < entries(&red->heap[c])) c++;
        if (entries(&red->heap[c]) >= entries(&last)) break;
        red->heap[i] = red->heap[c];
        i = c;
    }
    if (red->size) red->heap[i] = last;
    return top;
}

/* A new buffer for count rows of rows x cols, in *out. */
static int new_item(reducer *red, size_t count, size_t rows, size_t cols, item *out)
{
    size_t n = rows * cols, stride = n, elems, bytes;
    memset(out, 0, sizeof *out);
    if (count > 1 && n >= PAIR_MAX_LEN) stride = (n + red->align - 1) / red->align * red->align;
    RETURN_IF(red->rt,
              clconv__mul_ok(count - 1, stride, &elems) || clconv__add_ok(elems, n, &elems) ||
                  clconv__mul_ok(elems, sizeof(double), &bytes),
              CLCONV_EOVERFLOW, "%zu rows of %zu x %zu probabilities overflow a byte count",
              count, rows, cols);
    FORWARD_IF_ERROR(clconv__alloc(red->rt, CL_MEM_READ_WRITE, bytes, NULL, &out->mem));
    if (red->dims == 1) {
        int status = clconv__alloc(red->rt, CL_MEM_READ_WRITE, bytes, NULL, &out->lg);
        if (status < 0) {
            clReleaseMemObject(out->mem);
            out->mem = NULL;
            return status;
        }
    }
    out->stride = stride;
    out->count = count;
    out->rows = rows;
    out->cols = cols;
    return 0;
}

/* A cl_mem whose element 0 is row r of it, holding a reference the caller
 * releases: it->mem itself when the row starts at element 0, else a
 * sub-buffer (rows that reach here start at aligned elements, see item). */
static int row_mem(reducer *red, const item *it, size_t r, cl_mem *out)
{
    const size_t first = it->base + r * it->stride;
    cl_int err;
    if (first == 0) {
        CL_RETURN_IF(red->rt, clRetainMemObject(it->mem), "clRetainMemObject", "operand row");
        *out = it->mem;
        return 0;
    }
    cl_buffer_region region = {first * sizeof(double), entries(it) * sizeof(double)};
    *out = clCreateSubBuffer(it->mem, 0, CL_BUFFER_CREATE_TYPE_REGION, &region, &err);
    CL_RETURN_IF(red->rt, err, "clCreateSubBuffer", "row %zu at element %zu (%zu entries)", r,
                 first, entries(it));
    return 0;
}

/* One launch of dist_pairs: `pairs` convolutions of a's rows (first at
 * element a_off, a_step apart) with b's, into the rows of out. */
static int launch_pairs(reducer *red, const item *a, size_t a_off, size_t a_step, const item *b,
                        size_t b_off, size_t b_step, const item *out, size_t pairs)
{
    clconv_runtime *rt = red->rt;
    if (!red->pairs) FORWARD_IF_ERROR(clconv__kernel_create(rt, "dist", "", "dist_pairs", &red->pairs));
    const cl_ulong ao = a_off, as = a_step, bo = b_off, bs = b_step, os = out->stride, np = pairs;
    const cl_uint la = (cl_uint)a->cols, lb = (cl_uint)b->cols;
    const clconv__arg args[] = {
        CLCONV__ARG(a->mem), CLCONV__ARG(ao), CLCONV__ARG(as),       CLCONV__ARG(la),
        CLCONV__ARG(b->mem), CLCONV__ARG(bo), CLCONV__ARG(bs),       CLCONV__ARG(lb),
        CLCONV__ARG(out->mem), CLCONV__ARG(os), CLCONV__ARG(np)};
    FORWARD_IF_ERROR(clconv__set_args(rt, red->pairs, args, sizeof args / sizeof args[0],
                                      "dist_pairs"));
    /* Whole work-groups of 64; the kernel skips the items past the end. */
    size_t gws = pairs * (la + lb - 1);
    gws = (gws + 63) / 64 * 64;
    FORWARD_IF_ERROR(clconv__launch(rt, red->pairs, 1, &gws, NULL, "dist_pairs"));
    if (!out->lg) return 0;
    /* The same pairs again on the logarithms. */
    if (!red->lpairs)
        FORWARD_IF_ERROR(clconv__kernel_create(rt, "dist", "", "dist_lpairs", &red->lpairs));
    const clconv__arg largs[] = {
        CLCONV__ARG(a->lg), CLCONV__ARG(ao), CLCONV__ARG(as),       CLCONV__ARG(la),
        CLCONV__ARG(b->lg), CLCONV__ARG(bo), CLCONV__ARG(bs),       CLCONV__ARG(lb),
        CLCONV__ARG(out->lg), CLCONV__ARG(os), CLCONV__ARG(np), CLCONV__ARG(out->mem)};
    FORWARD_IF_ERROR(clconv__set_args(rt, red->lpairs, largs, sizeof largs / sizeof largs[0],
                                      "dist_lpairs"));
    return clconv__launch(rt, red->lpairs, 1, &gws, NULL, "dist_lpairs");
}

/* Sets the negative entries of out's first row to zero, adding the mass
 * removed to the reducer's slots. */
static int clamp_row(reducer *red, cl_mem mem, size_t count)
{
    clconv_runtime *rt = red->rt;
    if (!red->clamp) {
        const double zero = 0;
        FORWARD_IF_ERROR(clconv__kernel_create(rt, "dist", "", "dist_clamp", &red->clamp));
        FORWARD_IF_ERROR(clconv__alloc(rt, CL_MEM_READ_WRITE, CLAMP_ITEMS * sizeof(double), NULL,
                                       &red->clamped));
        CL_RETURN_IF(rt,
                     CLCONV__CL(clEnqueueFillBuffer, rt->queue, red->clamped, &zero, sizeof zero, 0,
                                CLAMP_ITEMS * sizeof(double), 0, NULL, NULL),
                     "clEnqueueFillBuffer", "zeroing the clamped-mass slots");
    }
    const cl_ulong n = count;
    const size_t gws = CLAMP_ITEMS;
    const clconv__arg args[] = {CLCONV__ARG(mem), CLCONV__ARG(n), CLCONV__ARG(red->clamped)};
    FORWARD_IF_ERROR(clconv__set_args(rt, red->clamp, args, 3, "dist_clamp"));
    return clconv__launch(rt, red->clamp, 1, &gws, NULL, "dist_clamp");
}

/* Full-mode geometry of batch signals of n[0] x n[1] with one kernel of
 * k[0] x k[1], in float64. */
static void full_geom(clconv__geom *g, int dims, size_t batch, const size_t n[2],
                      const size_t k[2])
{
    memset(g, 0, sizeof *g);
    g->dims = dims;
    g->batch = batch;
    g->dtype = CLCONV_F64;
    for (int d = 0; d < 2; d++) {
        g->n[d] = n[d];
        g->k[d] = k[d];
        g->out[d] = n[d] + k[d] - 1;
    }
}

/* Whether a convolution runs by plain FFT: only on request. */
static int use_fft(const reducer *red) { return red->method == CLCONV_METHOD_FFT; }

/* Whether a 1-D convolution of operands of na and nb entries runs by the
 * checked FFT (AUTO only). */
static int use_checked(const reducer *red, size_t na, size_t nb)
{
    return red->dims == 1 && red->method == CLCONV_METHOD_AUTO && na >= red->fft_min &&
           nb >= red->fft_min;
}

/* The log-masses of a 1-D FFT result: the logarithms of its masses, which
 * FFT only knows to its absolute error anyway. */
static int log_row(reducer *red, const item *out)
{
    clconv_runtime *rt = red->rt;
    if (!red->log) FORWARD_IF_ERROR(clconv__kernel_create(rt, "dist", "", "dist_log", &red->log));
    const cl_ulong n = entries(out);
    const clconv__arg args[] = {CLCONV__ARG(out->mem), CLCONV__ARG(out->lg), CLCONV__ARG(n)};
    FORWARD_IF_ERROR(clconv__set_args(rt, red->log, args, 3, "dist_log"));
    size_t gws = (n + 63) / 64 * 64;
    return clconv__launch(rt, red->log, 1, &gws, NULL, "dist_log");
}

/* The tiled direct kernels (2-D) or FFT on whole cl_mems: out = a conv b,
 * full mode. (The direct layer itself makes the shorter operand the taps.)
 * 1-D direct convolutions go through clconv__dist_conv_logged instead. */
static int run_conv(reducer *red, const item *a, cl_mem amem, const item *b, cl_mem bmem,
                    const item *out)
{
    const int fft = use_fft(red);
    clconv__note(red->rt, "dist: %zux%zu * %zux%zu by %s", a->rows, a->cols, b->rows, b->cols,
                 fft ? "fft" : "direct");
    clconv__geom g;
    full_geom(&g, red->dims, 1, (const size_t[2]){a->rows, a->cols},
              (const size_t[2]){b->rows, b->cols});
    if (!fft) return clconv__direct_run(red->rt, &g, amem, bmem, out->mem);
    red->used_fft = 1;
    FORWARD_IF_ERROR(clconv__fft_run(red->rt, &g, amem, bmem, out->mem));
    FORWARD_IF_ERROR(clamp_row(red, out->mem, entries(out)));
    return out->lg ? log_row(red, out) : 0;
}

/* Convolves row ra of a with row rb of b into a new single-row item *out. */
static int conv_pair(reducer *red, const item *a, size_t ra, const item *b, size_t rb,
                     item *out)
{
    cl_mem amem = NULL, bmem = NULL;
    FORWARD_IF_ERROR(new_item(red, 1, a->rows + b->rows - 1, a->cols + b->cols - 1, out));
    int status;
    if (red->dims == 1 && red->method != CLCONV_METHOD_FFT && out->cols <= UINT32_MAX &&
        (a->cols < PAIR_MAX_LEN || b->cols < PAIR_MAX_LEN)) {
        status = launch_pairs(red, a, a->base + ra * a->stride, 0, b, b->base + rb * b->stride, 0,
                              out, 1);
    } else if (use_checked(red, a->cols, b->cols)) {
        clconv__note(red->rt, "dist: %zu * %zu by checked fft", a->cols, b->cols);
        const clconv__dist_row ar = item_row(a, ra), br = item_row(b, rb),
                               orow = item_row(out, 0);
        status = clconv__dist_conv_fft(red->rt, &red->logged, &ar, &br, &orow, &red->checked);
    } else if (red->dims == 1 && !use_fft(red)) {
        clconv__note(red->rt, "dist: %zu * %zu by direct, in tilted windows", a->cols, b->cols);
        const clconv__dist_row ar = item_row(a, ra), br = item_row(b, rb),
                               orow = item_row(out, 0);
        status = clconv__dist_conv_logged(red->rt, &red->logged, 1, &ar, &br, &orow);
    } else {
        status = row_mem(red, a, ra, &amem);
        if (status == 0) status = row_mem(red, b, rb, &bmem);
        if (status == 0) status = run_conv(red, a, amem, b, bmem, out);
        /* Queued work keeps the sub-buffers alive until it has run. */
        if (amem) clReleaseMemObject(amem);
        if (bmem) clReleaseMemObject(bmem);
    }
    if (status < 0) item_release(out);
    return status;
}

/* Convolves the rows of group g in pairs (rows 2i and 2i+1) and pushes the
 * results, and g's last row when the count is odd; takes over g's
 * reference. Rows shorter than PAIR_MAX_LEN go through one dist_pairs
 * launch for the whole level, longer ones pair by pair through conv_pair. */
static int halve(reducer *red, item *g)
{
    const size_t pairs = g->count / 2;
    int status = 0;
    if (g->count % 2) {
        item last = *g;
        last.base = g->base + (g->count - 1) * g->stride;
        last.count = 1;
        status = item_retain(red->rt, &last);
        if (status == 0) status = push(red, last);
    }
    if (status == 0 && g->cols < PAIR_MAX_LEN) {
        item out = {0};
        status = new_item(red, pairs, 1, 2 * g->cols - 1, &out);
        if (status == 0)
            status = launch_pairs(red, g, g->base, 2 * g->stride, g, g->base + g->stride,
                                  2 * g->stride, &out, pairs);
        if (status == 0)
            status = push(red, out);
        else
            item_release(&out);
    }
    const int logged =
        red->dims == 1 && !use_fft(red) && !use_checked(red, g->cols, g->cols);
    if (status == 0 && g->cols >= PAIR_MAX_LEN && logged) {
        /* The whole level in one call, into a group of results. */
        item out = {0};
        clconv__dist_row *rows = malloc(3 * pairs * sizeof *rows);
        status = rows ? new_item(red, pairs, 1, 2 * g->cols - 1, &out)
                      : CLCONV_FAIL(red->rt, CLCONV_ENOMEM, "listing %zu pairs", pairs);
        for (size_t i = 0; status == 0 && i < pairs; i++) {
            rows[i] = item_row(g, 2 * i);
            rows[pairs + i] = item_row(g, 2 * i + 1);
            rows[2 * pairs + i] = item_row(&out, i);
        }
        clconv__note(red->rt, "dist: %zu pairs of %zu entries by direct, in tilted windows",
                     pairs, g->cols);
        if (status == 0)
            status = clconv__dist_conv_logged(red->rt, &red->logged, pairs, rows, rows + pairs,
                                              rows + 2 * pairs);
        free(rows);
        if (status == 0)
            status = push(red, out);
        else
            item_release(&out);
    }
    for (size_t i = 0; status == 0 && g->cols >= PAIR_MAX_LEN && !logged && i < pairs; i++) {
        item out;
        status = conv_pair(red, g, 2 * i, g, 2 * i + 1, &out);
        if (status == 0) status = push(red, out);
    }
    item_release(g);
    return status;
}

/* Reduces the heap to one item, pairing the shortest rows first (Huffman's
 * order, which minimises the total work of a sum of convolutions whose cost
 * grows with the lengths). *out gets the last item's reference. */
static int reduce(reducer *red, item *out)
{
    while (red->size > 1 || red->heap[0].count > 1) {
        item g = pop(red);
        if (g.count > 1) {
            FORWARD_IF_ERROR(halve(red, &g));
            continue;
        }
        item h = pop(red), r;
        int status = conv_pair(red, &g, 0, &h, 0, &r);
        item_release(&g);
        if (h.count > 1) {
            h.base += h.stride;
            h.count--;
            int st = push(red, h);
            if (status == 0) status = st;
        } else {
            item_release(&h);
        }
        FORWARD_IF_ERROR(status);
        FORWARD_IF_ERROR(push(red, r));
    }
    *out = pop(red);
    return 0;
}

/* Turns the final item into a distribution with layout l (offsets and step
 * filled by the caller, len from the item), reports the method and the
 * clamped mass, and releases the reducer. The item's buffer is adopted when
 * it holds just the result; a caller's buffer or a row inside a group is
 * copied out. */
static int finish(reducer *red, item *res, clconv_dist_layout *l, clconv_dist_options *opts,
                  clconv_dist **out)
{
    clconv_runtime *rt = red->rt;
    int status = 0;
    double clamped = 0;
    const size_t n = entries(res);
    l->len[0] = red->dims == 1 ? res->cols : res->rows;
    l->len[1] = red->dims == 1 ? 1 : res->cols;
    if (res->borrowed || res->base != 0) {
        cl_mem *bufs[2] = {&res->mem, &res->lg};
        for (int k = 0; k < 2; k++) {
            cl_mem copy = NULL;
            if (!*bufs[k]) continue;
            if (status == 0)
                status = clconv__alloc(rt, CL_MEM_READ_WRITE, n * sizeof(double), NULL, &copy);
            if (status == 0) {
                cl_int err = CLCONV__CL(clEnqueueCopyBuffer, rt->queue, *bufs[k], copy,
                                                 res->base * sizeof(double), 0,
                                                 n * sizeof(double), 0, NULL, NULL);
                if (err != CL_SUCCESS) {
                    clReleaseMemObject(copy);
                    copy = NULL;
                    status = clconv__cl_fail(rt, err, "clEnqueueCopyBuffer", __FILE__, __LINE__,
                                             "copying %zu probabilities", n);
                }
            }
            clReleaseMemObject(*bufs[k]);
            *bufs[k] = copy;
        }
    }
    if (status == 0 && red->used_fft) {
        double slots[CLAMP_ITEMS];
        clconv__ksum sum = {0, 0};
        cl_int err = CLCONV__CL(clEnqueueReadBuffer, rt->queue, red->clamped, CL_TRUE, 0,
                                sizeof slots, slots, 0, NULL, NULL);
        if (err != CL_SUCCESS)
            status = clconv__cl_fail(rt, err, "clEnqueueReadBuffer", __FILE__, __LINE__,
                                     "reading the clamped mass");
        for (size_t i = 0; i < CLAMP_ITEMS; i++) clconv__ksum_add(&sum, slots[i]);
        clamped = clconv__ksum_value(&sum);
    }
    if (opts && status == 0) {
        opts->chosen = red->used_fft || red->checked.passes ? CLCONV_METHOD_FFT
                                                            : CLCONV_METHOD_DIRECT;
        opts->clamped_mass = clamped;
        opts->fft_passes = red->checked.passes;
        opts->fft_direct_entries = red->checked.direct_entries;
    }
    reducer_free(red);
    if (status < 0) {
        item_release(res);
        return status;
    }
    return dist_make(rt, l, res->mem, res->lg, NULL, out);
}

/* The item of a caller's distribution, holding a new reference to it. */
static int dist_item(const clconv_dist *d, item *it)
{
    memset(it, 0, sizeof *it);
    it->mem = d->mem;
    it->lg = d->lg;
    FORWARD_IF_ERROR(item_retain(d->rt, it));
    it->count = 1;
    it->stride = d->count;
    it->rows = d->layout.dims == 1 ? 1 : d->layout.len[0];
    it->cols = d->layout.dims == 1 ? d->layout.len[0] : d->layout.len[1];
    it->borrowed = 1;
    return 0;
}

/* *sum = a + b, or CLCONV_EOVERFLOW. */
static int add_offset(clconv_runtime *rt, int64_t a, int64_t b, int64_t *sum)
{
    RETURN_IF(rt, (b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b), CLCONV_EOVERFLOW,
              "the offsets %lld and %lld of a sum overflow", (long long)a, (long long)b);
    *sum = a + b;
    return 0;
}

/* Bytes of host memory available now (MemAvailable on Linux), or 0 when
 * unknown. */
static uint64_t host_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[128];
    unsigned long long kib = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1) break;
    if (f) fclose(f);
    if (kib) return (uint64_t)kib * 1024;
    const long pages = sysconf(_SC_AVPHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0;
}

int clconv__dist_check_memory(clconv_runtime *rt, size_t entries, int fft, const char *what)
{
    /* Device: the result, the operands and intermediates of a power or a
     * reduction (three rows alive at its peak), masses and logarithms each,
     * and the windows' staging (DEVICE_PER_ENTRY); FFT work areas hold the
     * padded transforms of two operands and the product, complex.
     * Host: the masses and logarithms read back, and the planning copies of
     * the operands' logarithms; with FFT also the checked FFT's staging
     * (host/dist_fft.c: the operands' and results' logarithms, a pass's
     * tilted windows and result, HOST_FFT_PER_ENTRY). */
    const double dev = (double)entries * sizeof(double) * (DEVICE_PER_ENTRY + (fft ? 8 : 0));
    const double host =
        (double)entries * sizeof(double) * (HOST_PER_ENTRY + (fft ? HOST_FFT_PER_ENTRY : 0));
    const double gib = 1024.0 * 1024 * 1024;
    const double gmem = (double)rt->info.global_mem_bytes;
    RETURN_IF(rt, dev > gmem, CLCONV_EDEVMEM,
              "%s of %zu entries needs about %.2f GiB of device memory (result, "
              "intermediates%s), more than '%s' has (%.2f GiB)",
              what, entries, dev / gib, fft ? " and FFT work areas" : "", rt->info.name,
              gmem / gib);
    const double avail = (double)host_available();
    const double need = host + (rt->host_unified ? dev : 0);
    RETURN_IF(rt, avail > 0 && need > avail, CLCONV_ENOMEM,
              "%s of %zu entries needs about %.2f GiB of host memory%s, more than is "
              "available (%.2f GiB)",
              what, entries, need / gib,
              rt->host_unified ? " (the device's included: it shares host memory)" : "",
              avail / gib);
    return 0;
}

/* Refuses, before any work, a result of len[0] x len[1] entries that no
 * device allocation can hold, or whose job would not fit in device or host
 * memory (see clconv__dist_check_memory). */
static int check_result(clconv_runtime *rt, const size_t len[2], const clconv_dist_options *opts)
{
    size_t n, bytes;
    RETURN_IF(rt,
              clconv__mul_ok(len[0], len[1], &n) || clconv__mul_ok(n, sizeof(double), &bytes) ||
                  (uint64_t)bytes > rt->max_alloc,
              CLCONV_EOVERFLOW,
              "the sum would hold %zu x %zu probabilities, more than one allocation on '%s' "
              "can (%llu bytes)",
              len[0], len[1], rt->info.name, (unsigned long long)rt->max_alloc);
    const clconv_method m = opts ? opts->method : CLCONV_METHOD_AUTO;
    const int fft = m == CLCONV_METHOD_FFT || (m == CLCONV_METHOD_AUTO && len[1] == 1 && n > 2 * auto_fft_min());
    return clconv__dist_check_memory(rt, n, fft, "the sum");
}

/* ---- sums ----------------------------------------------------------------- */

static int power_item(reducer *red, const clconv_dist *dist, uint64_t n, item *out);

static int by_count(const void *a, const void *b)
{
    const size_t x = (*(const clconv_dist *const *)a)->count;
    const size_t y = (*(const clconv_dist *const *)b)->count;
    return (x > y) - (x < y);
}

/* Copies the 1-D caller distributions of equal length below PAIR_MAX_LEN
 * into one buffer each, so they enter the reduction as groups that
 * dist_pairs halves a level per launch; the others enter one by one. */
static int push_inputs(reducer *red, const clconv_dist *const *dists, size_t count)
{
    clconv_runtime *rt = red->rt;
    const clconv_dist **sorted = malloc(count * sizeof *sorted);
    RETURN_IF(rt, !sorted, CLCONV_ENOMEM, "allocating %zu operand slots", count);
    memcpy(sorted, dists, count * sizeof *sorted);
    qsort(sorted, count, sizeof *sorted, by_count);
    int status = 0;
    for (size_t i = 0, run; status == 0 && i < count; i += run) {
        run = 1;
        while (i + run < count && sorted[i + run]->count == sorted[i]->count) run++;
        item it = {0};
        if (run == 1 || red->dims != 1 || sorted[i]->count >= PAIR_MAX_LEN) {
            run = 1;
            status = dist_item(sorted[i], &it);
            if (status == 0) status = push(red, it);
            continue;
        }
        const size_t len = sorted[i]->count;
        status = new_item(red, run, 1, len, &it);
        for (size_t r = 0; status == 0 && r < run; r++) {
            cl_int err = CLCONV__CL(clEnqueueCopyBuffer, rt->queue, sorted[i + r]->mem, it.mem, 0,
                                             r * len * sizeof(double), len * sizeof(double), 0,
                                             NULL, NULL);
            if (err == CL_SUCCESS)
                err = CLCONV__CL(clEnqueueCopyBuffer, rt->queue, sorted[i + r]->lg, it.lg, 0,
                                          r * len * sizeof(double), len * sizeof(double), 0,
                                          NULL, NULL);
            if (err != CL_SUCCESS)
                status = clconv__cl_fail(rt, err, "clEnqueueCopyBuffer", __FILE__, __LINE__,
                                         "gathering operand %zu", i + r);
        }
        if (status == 0)
            status = push(red, it);
        else
            item_release(&it);
    }
    free(sorted);
    return status;
}

int clconv_dist_sum_many(clconv_runtime *rt, const clconv_dist *const *dists, size_t count,
                         clconv_dist_options *opts, clconv_dist **out)
{
    reducer red;
    item res;
    RETURN_IF(rt, !rt || !dists || !out, CLCONV_EINVAL, "runtime, dists or out is NULL");
    *out = NULL;
    RETURN_IF(rt, count == 0, CLCONV_EINVAL, "a sum of no distributions");
    clconv_dist_layout l = {0, {1, 1}, {0, 0}, 0.0};
    for (size_t i = 0; i < count; i++) {
        const clconv_dist *d = dists[i];
        RETURN_IF(rt, !d, CLCONV_EINVAL, "distribution %zu is NULL", i);
        RETURN_IF(rt, d->rt != rt, CLCONV_EINVAL, "distribution %zu belongs to another runtime",
                  i);
        if (i == 0) {
            l.dims = d->layout.dims;
            l.step = d->layout.step;
        }
        RETURN_IF(rt, d->layout.dims != l.dims, CLCONV_EINVAL,
                  "distribution %zu is %d-D but distribution 0 is %d-D", i, d->layout.dims,
                  l.dims);
        RETURN_IF(rt, d->layout.step != l.step, CLCONV_EINVAL,
                  "distribution %zu has grid step %g but distribution 0 has %g (0: discrete); "
                  "a sum needs one grid",
                  i, d->layout.step, l.step);
        for (int k = 0; k < 2; k++) {
            FORWARD_IF_ERROR(add_offset(rt, l.offset[k], d->layout.offset[k], &l.offset[k]));
            RETURN_IF(rt, clconv__add_ok(l.len[k], d->layout.len[k] - 1, &l.len[k]),
                      CLCONV_EOVERFLOW, "the length of the sum overflows");
        }
    }
    FORWARD_IF_ERROR(check_result(rt, l.len, opts));
    FORWARD_IF_ERROR(reducer_init(&red, rt, l.dims, opts));
    int status = push_inputs(&red, dists, count);
    if (status == 0) status = reduce(&red, &res);
    if (status < 0) {
        reducer_free(&red);
        return status;
    }
    return finish(&red, &res, &l, opts, out);
}

int clconv_dist_sum(clconv_runtime *rt, const clconv_dist *a, const clconv_dist *b,
                    clconv_dist_options *opts, clconv_dist **out)
{
    const clconv_dist *pair[2] = {a, b};
    return clconv_dist_sum_many(rt, pair, 2, opts, out);
}

int clconv_dist_sum_rows(clconv_runtime *rt, const double *p, size_t rows, size_t cols,
                         unsigned flags, clconv_dist_options *opts, clconv_dist **out)
{
    reducer red;
    item res;
    size_t count;
    RETURN_IF(rt, !rt || !p || !out, CLCONV_EINVAL, "runtime, p or out is NULL");
    *out = NULL;
    RETURN_IF(rt, flags & ~CLCONV_DIST_NORMALIZE, CLCONV_EINVAL, "unknown flags 0x%x", flags);
    RETURN_IF(rt, rows == 0 || cols == 0, CLCONV_EINVAL, "empty matrix (%zu x %zu)", rows, cols);
    FORWARD_IF_ERROR(clconv__check_dtype(rt, CLCONV_F64));
    RETURN_IF(rt, clconv__mul_ok(rows, cols, &count), CLCONV_EOVERFLOW,
              "%zu x %zu entries overflow", rows, cols);
    FORWARD_IF_ERROR(check_result(rt, (const size_t[2]){(count - rows) + 1, 1}, opts));
    FORWARD_IF_ERROR(reducer_init(&red, rt, 1, opts));

    /* Check and scale the rows into the layout of a group, then upload it
     * in one transfer. */
    item group = {0};
    int status = new_item(&red, rows, 1, cols, &group);
    double *host = NULL;
    const size_t staged = (rows - 1) * group.stride + cols;
    if (status == 0) {
        host = calloc(staged, sizeof *host);
        if (!host) status = CLCONV_FAIL(rt, CLCONV_ENOMEM, "staging %zu x %zu entries", rows, cols);
    }
    for (size_t r = 0; status == 0 && r < rows; r++) {
        char what[48];
        double factor;
        const double *row = p + r * cols;
        snprintf(what, sizeof what, "row %zu: ", r);
        status = check_values(rt, row, cols, 0, 1, flags, what, &factor);
        for (size_t c = 0; status == 0 && c < cols; c++)
            host[r * group.stride + c] = row[c] * factor;
    }
    if (status == 0) {
        cl_int err = CLCONV__CL(clEnqueueWriteBuffer, rt->queue, group.mem, CL_TRUE, 0,
                                          staged * sizeof *host, host, 0, NULL, NULL);
        /* The same buffer then carries the logarithms. */
        for (size_t i = 0; err == CL_SUCCESS && i < staged; i++) host[i] = log(host[i]);
        if (err == CL_SUCCESS)
            err = CLCONV__CL(clEnqueueWriteBuffer, rt->queue, group.lg, CL_TRUE, 0,
                             staged * sizeof *host, host, 0, NULL, NULL);
        if (err != CL_SUCCESS)
            status = clconv__cl_fail(rt, err, "clEnqueueWriteBuffer", __FILE__, __LINE__,
                                     "uploading %zu x %zu entries", rows, cols);
    }
    free(host);
    if (status == 0)
        status = push(&red, group);
    else
        item_release(&group);
    if (status == 0) status = reduce(&red, &res);
    if (status < 0) {
        reducer_free(&red);
        return status;
    }
    clconv_dist_layout l = {1, {0, 0}, {0, 0}, 0.0};
    return finish(&red, &res, &l, opts, out);
}

int clconv_dist_power(clconv_runtime *rt, const clconv_dist *dist, uint64_t n,
                      clconv_dist_options *opts, clconv_dist **out)
{
    reducer red;
    RETURN_IF(rt, !rt || !dist || !out, CLCONV_EINVAL, "runtime, dist or out is NULL");
    *out = NULL;
    RETURN_IF(rt, dist->rt != rt, CLCONV_EINVAL, "the distribution belongs to another runtime");
    RETURN_IF(rt, n == 0, CLCONV_EINVAL, "the number of copies must be at least 1");
    clconv_dist_layout l = dist->layout;
    for (int k = 0; k < l.dims; k++) {
        const uint64_t span = l.len[k] - 1;
        const int64_t o = l.offset[k];
        RETURN_IF(rt, span && n > (SIZE_MAX - 1) / span, CLCONV_EOVERFLOW,
                  "%llu copies of %zu entries overflow the length of the sum",
                  (unsigned long long)n, l.len[k]);
        RETURN_IF(rt, o && (n > INT64_MAX || (o > 0 ? o > INT64_MAX / (int64_t)n
                                                    : o < INT64_MIN / (int64_t)n)),
                  CLCONV_EOVERFLOW, "%llu copies of offset %lld overflow the offset of the sum",
                  (unsigned long long)n, (long long)o);
        l.offset[k] = o * (int64_t)n;
        l.len[k] = (size_t)(span * n) + 1;
    }
    FORWARD_IF_ERROR(check_result(rt, l.len, opts));
    FORWARD_IF_ERROR(reducer_init(&red, rt, l.dims, opts));
    item acc;
    int status = power_item(&red, dist, n, &acc);
    if (status < 0) {
        reducer_free(&red);
        return status;
    }
    return finish(&red, &acc, &l, opts, out);
}

/* ---- compound sums ------------------------------------------------------- */

/* One dist_logadd launch: res[res_base + i] = log(e^res[..] + e^(w + term's
 * logs[i])) over the term's entries. */
static int log_accumulate(reducer *red, cl_kernel k, cl_mem res, size_t res_base,
                          const item *term, double w)
{
    const cl_ulong rb = res_base, tb = term->base, n = entries(term);
    const clconv__arg args[] = {CLCONV__ARG(res), CLCONV__ARG(rb), CLCONV__ARG(term->lg),
                                CLCONV__ARG(tb),  CLCONV__ARG(n),  CLCONV__ARG(w)};
    FORWARD_IF_ERROR(clconv__set_args(red->rt, k, args, 6, "dist_logadd"));
    size_t gws = (n + 63) / 64 * 64;
    return clconv__launch(red->rt, k, 1, &gws, NULL, "dist_logadd");
}

int clconv_dist_compound(clconv_runtime *rt, const clconv_dist *count,
                         const clconv_dist *severity, clconv_dist_options *opts,
                         clconv_dist **out)
{
    RETURN_IF(rt, !rt || !count || !severity || !out, CLCONV_EINVAL,
              "runtime, count, severity or out is NULL");
    *out = NULL;
    RETURN_IF(rt, count->rt != rt || severity->rt != rt, CLCONV_EINVAL,
              "a distribution belongs to another runtime");
    const clconv_dist_layout *cl = &count->layout, *sl = &severity->layout;
    RETURN_IF(rt, cl->dims != 1 || cl->step != 0 || cl->offset[0] < 0, CLCONV_EINVAL,
              "the count must be a 1-D discrete distribution on 0, 1, 2, ...");
    RETURN_IF(rt, sl->dims != 1 || sl->step != 0, CLCONV_EINVAL,
              "the severity must be a 1-D discrete distribution (with N = 0 the sum has an "
              "atom at 0, which a density cannot hold)");

    /* S = X1 + ... + XN lies in [lo, hi]: n X's of offset o and span L - 1
     * reach from n o to n (o + L - 1), for n0 <= n <= n1. */
    const uint64_t n0 = (uint64_t)cl->offset[0], n1 = n0 + count->count - 1;
    const int64_t o = sl->offset[0];
    const int64_t top = o + (int64_t)(severity->count - 1);
    RETURN_IF(rt, n1 > (uint64_t)INT64_MAX / 2 || (top > 0 && n1 > (uint64_t)(INT64_MAX / top)) ||
                      (o < 0 && n1 > (uint64_t)(INT64_MAX / -o)),
              CLCONV_EOVERFLOW, "the support of the compound sum overflows");
    const int64_t lo = o >= 0 ? (int64_t)n0 * o : (int64_t)n1 * o;
    const int64_t hi = top >= 0 ? (int64_t)n1 * top : (int64_t)n0 * top;
    RETURN_IF(rt, (uint64_t)(hi - lo) >= SIZE_MAX / sizeof(double), CLCONV_EOVERFLOW,
              "the support of the compound sum overflows");
    clconv_dist_layout l = {1, {(size_t)(hi - lo) + 1, 1}, {lo, 0}, 0.0};
    FORWARD_IF_ERROR(check_result(rt, l.len, opts));
    const double *w;
    FORWARD_IF_ERROR(clconv__dist_logs(count, &w));

    reducer red;
    FORWARD_IF_ERROR(reducer_init(&red, rt, 1, opts));
    const size_t len = l.len[0];
    item res = {0}, acc = {0}, x = {0}, r;
    cl_kernel add = NULL, ex = NULL;
    int status = new_item(&red, 1, 1, len, &res);
    if (status == 0) {
        const double none = -INFINITY;
        cl_int err = CLCONV__CL(clEnqueueFillBuffer, rt->queue, res.lg, &none, sizeof none, 0,
                                         len * sizeof(double), 0, NULL, NULL);
        if (err != CL_SUCCESS)
            status = clconv__cl_fail(rt, err, "clEnqueueFillBuffer", __FILE__, __LINE__,
                                     "clearing %zu log-probabilities", len);
    }
    if (status == 0) status = clconv__kernel_create(rt, "dist", "", "dist_logadd", &add);
    if (status == 0) status = clconv__kernel_create(rt, "dist", "", "dist_exp", &ex);
    if (status == 0) status = dist_item(severity, &x);
    /* acc = X1 + ... + Xn, starting from n0 copies (none: an atom at 0). */
    if (status == 0 && n0 > 0) status = power_item(&red, severity, n0, &acc);
    if (status == 0 && n0 == 0) {
        static const double one = 1, zero = 0;
        status = new_item(&red, 1, 1, 1, &acc);
        cl_int err = status == 0 ? CLCONV__CL(clEnqueueWriteBuffer, rt->queue, acc.mem, CL_TRUE, 0,
                                                        sizeof one, &one, 0, NULL, NULL)
                                 : CL_SUCCESS;
        if (err == CL_SUCCESS && status == 0)
            err = CLCONV__CL(clEnqueueWriteBuffer, rt->queue, acc.lg, CL_TRUE, 0, sizeof zero,
                             &zero, 0, NULL, NULL);
        if (err != CL_SUCCESS)
            status = clconv__cl_fail(rt, err, "clEnqueueWriteBuffer", __FILE__, __LINE__,
                                     "the atom at 0");
    }
    for (uint64_t n = n0; status == 0 && n <= n1; n++) {
        /* acc's first entry is the value n o. */
        const size_t at = (size_t)((int64_t)n * o - lo);
        if (w[n - n0] > -INFINITY) status = log_accumulate(&red, add, res.lg, at, &acc, w[n - n0]);
        if (status == 0 && n < n1) {
            status = conv_pair(&red, &acc, 0, &x, 0, &r);
            item_release(&acc);
            if (status == 0) acc = r;
        }
    }
    if (status == 0) {
        const cl_ulong n = len;
        const clconv__arg args[] = {CLCONV__ARG(res.lg), CLCONV__ARG(res.mem), CLCONV__ARG(n)};
        size_t gws = (len + 63) / 64 * 64;
        status = clconv__set_args(rt, ex, args, 3, "dist_exp");
        if (status == 0) status = clconv__launch(rt, ex, 1, &gws, NULL, "dist_exp");
    }
    item_release(&acc);
    item_release(&x);
    if (add) clReleaseKernel(add);
    if (ex) clReleaseKernel(ex);
    if (status < 0) {
        item_release(&res);
        reducer_free(&red);
        return status;
    }
    return finish(&red, &res, &l, opts, out);
}

/* ---- powers ------------------------------------------------------------- */

/* Products of a 2-D power by squaring (*square) and in steps of m copies
 * (*step), in multiply-adds, each convolution counted as its outputs times
 * the smaller operand's entries. */
static void power_costs(const clconv_dist *dist, uint64_t n, uint64_t m, double *square,
                        double *step)
{
    const double r = (double)dist->layout.len[0] - 1, c = (double)dist->layout.len[1] - 1;
    double sq = 0, acc = 0; /* acc: the multiple held in the accumulator */
    for (uint64_t k = 1, bits = n; bits; k *= 2, bits >>= 1) {
        const double kd = (double)k;
        if (bits & 1) {
            if (acc > 0) sq += ((acc + kd) * r + 1) * ((acc + kd) * c + 1) *
                               fmin((acc * r + 1) * (acc * c + 1), (kd * r + 1) * (kd * c + 1));
            acc += kd;
        }
        if (bits > 1) sq += (2 * kd * r + 1) * (2 * kd * c + 1) * (kd * r + 1) * (kd * c + 1);
    }
    const double md = (double)m, e = (md * r + 1) * (md * c + 1);
    double st = 0;
    for (uint64_t have = n % m ? n % m : m; have < n; have += m)
        st += (((double)have + md) * r + 1) * (((double)have + md) * c + 1) * e;
    *square = sq;
    *step = st;
}

/* The 2-D power in steps of m copies: dist^m (by squaring) is summed into
 * the accumulator n / m times, after dist^(n mod m); each step is a direct
 * convolution of the growing sum with a small, fixed operand, into *out. */
static int power_steps(reducer *red, const clconv_dist *dist, uint64_t n, uint64_t m,
                       item *out)
{
    item step = {0}, acc = {0}, r;
    int status = power_item(red, dist, m, &step);
    uint64_t have = n % m;
    if (status == 0 && have) status = power_item(red, dist, have, &acc);
    if (status == 0 && !have) {
        acc = step;
        status = item_retain(red->rt, &acc);
        have = m;
    }
    for (; status == 0 && have < n; have += m) {
        status = conv_pair(red, &acc, 0, &step, 0, &r);
        item_release(&acc);
        if (status == 0) acc = r;
    }
    item_release(&step);
    if (status < 0) {
        item_release(&acc);
        return status;
    }
    *out = acc;
    return 0;
}

/* dist's n-fold sum (n >= 1) into *out, a new item. A 2-D power of a small
 * distribution runs as n - 1 sums with dist itself when that costs fewer
 * products than squaring, whose last squares convolve two large supports:
 * 1000 copies of a 2 x 2 joint PMF take 1.3e9 products that way against
 * 6e10 by squaring. */
static int power_item(reducer *red, const clconv_dist *dist, uint64_t n, item *out)
{
    clconv_runtime *rt = red->rt;
    if (red->dims == 2 && n > 2) {
        /* Steps of m copies, dist^m about STEP2D_ENTRIES entries: big enough
         * that the tiled kernels, not memory traffic, set the pace. */
        const double span = (double)(dist->layout.len[0] - 1) * (double)(dist->layout.len[1] - 1);
        uint64_t m = span > 0 ? (uint64_t)floor(sqrt(STEP2D_ENTRIES / span)) : 1;
        m = m < 1 ? 1 : m > n / 2 ? n / 2 : m;
        double by_squares, by_steps;
        power_costs(dist, n, m, &by_squares, &by_steps);
        if (by_steps < by_squares) {
            clconv__note(rt, "dist: 2-D power in steps of %llu copies (%.3g products, %.3g by "
                         "squaring)", (unsigned long long)m, by_steps, by_squares);
            return power_steps(red, dist, n, m, out);
        }
    }
    /* Square-and-multiply from the low bit: sq runs through dist's 2^i-fold
     * sums, each the square of the one before, and acc collects those of
     * n's set bits. */
    item sq = {0}, acc = {0}, r;
    int status = dist_item(dist, &sq), have_acc = 0;
    while (status == 0) {
        if (n & 1) {
            if (have_acc) {
                status = conv_pair(red, &acc, 0, &sq, 0, &r);
                item_release(&acc);
                have_acc = status == 0;
                acc = r;
            } else {
                acc = sq;
                status = item_retain(rt, &acc);
                have_acc = status == 0;
            }
        }
        n >>= 1;
        if (status < 0 || n == 0) break;
        status = conv_pair(red, &sq, 0, &sq, 0, &r);
        item_release(&sq);
        if (status == 0) sq = r;
    }
    item_release(&sq);
    if (status < 0) {
        if (have_acc) item_release(&acc);
        return status;
    }
    *out = acc;
    return 0;
}

/* ---- trimming --------------------------------------------------------------- */

int clconv_dist_trim(clconv_dist *dist, double eps, double *dropped)
{
    const double *m;
    RETURN_IF(NULL, !dist, CLCONV_EINVAL, "distribution is NULL");
    clconv_runtime *rt = dist->rt;
    RETURN_IF(rt, !(eps >= 0) || isinf(eps), CLCONV_EINVAL,
              "trim threshold must be finite and >= 0, not %g", eps);
    FORWARD_IF_ERROR(clconv__dist_masses(dist, &m));

    /* The kept box: rows r0..r1 and columns c0..c1 that hold an entry of at
     * least eps (a 1-D distribution is one row). */
    clconv_dist_layout l = dist->layout;
    const size_t rows = l.dims == 1 ? 1 : l.len[0], cols = l.dims == 1 ? l.len[0] : l.len[1];
    const double unit = l.step > 0 ? l.step : 1;
    size_t r0 = rows, r1 = 0, c0 = cols, c1 = 0;
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            if (m[r * cols + c] / unit >= eps) {
                r0 = r < r0 ? r : r0, r1 = r > r1 ? r : r1;
                c0 = c < c0 ? c : c0, c1 = c > c1 ? c : c1;
            }
    RETURN_IF(rt, r0 == rows, CLCONV_ERANGE, "every entry lies below the trim threshold %g", eps);
    const size_t kr = r1 - r0 + 1, kc = c1 - c0 + 1;
    const double *lg = NULL;
    if (l.dims == 1) FORWARD_IF_ERROR(clconv__dist_logs(dist, &lg));
    clconv__ksum lost = {0, 0}, lost_below = {0, 0}, lost_above = {0, 0};
    double *host = malloc(kr * kc * sizeof *host);
    double *host_lg = lg ? malloc(kc * sizeof *host_lg) : NULL;
    if (!host || (lg && !host_lg)) {
        free(host);
        free(host_lg);
        return CLCONV_FAIL(rt, CLCONV_ENOMEM, "allocating %zu probabilities", kr * kc);
    }
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++) {
            const double v = m[r * cols + c];
            if (r < r0 || r > r1 || c < c0 || c > c1) {
                clconv__ksum_add(&lost, v);
                if (c < c0) clconv__ksum_add(&lost_below, v);
                if (c > c1) clconv__ksum_add(&lost_above, v);
            }
            else
                host[(r - r0) * kc + (c - c0)] = v;
        }
    if (lg) memcpy(host_lg, lg + c0, kc * sizeof *host_lg);
    if (dropped) *dropped = clconv__ksum_value(&lost);

    cl_mem mem = NULL, mem_lg = NULL;
    int status = clconv__alloc(rt, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                               kr * kc * sizeof *host, host, &mem);
    if (status == 0 && lg)
        status = clconv__alloc(rt, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                               kc * sizeof *host_lg, host_lg, &mem_lg);
    if (status < 0) {
        if (mem) clReleaseMemObject(mem);
        free(host);
        free(host_lg);
        return status;
    }
    if (l.dims == 1) {
        l.len[0] = kc;
        l.offset[0] += (int64_t)c0;
    } else {
        l.len[0] = kr, l.len[1] = kc;
        l.offset[0] += (int64_t)r0, l.offset[1] += (int64_t)c0;
    }
    pthread_mutex_lock(&dist->lock);
    clReleaseMemObject(dist->mem);
    if (dist->lg) clReleaseMemObject(dist->lg);
    free(dist->host);
    free(dist->host_lg);
    dist->mem = mem;
    dist->lg = mem_lg;
    dist->host = host;
    dist->host_lg = host_lg;
    dist->layout = l;
    dist->count = kr * kc;
    if (l.dims == 1) {
        dist->below += clconv__ksum_value(&lost_below);
        dist->above += clconv__ksum_value(&lost_above);
    }
    pthread_mutex_unlock(&dist->lock);
    return 0;
}
