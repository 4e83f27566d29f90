/*
 * Implementation of the shared test machinery declared in harness.h. The
 * centre is conv_case_try: it draws inputs from a seeded generator (rounded
 * to the case's dtype so the reference sees exactly what the device sees),
 * runs one public entry point, and checks three things: the values against
 * reference.c, that nothing was written outside the output (guard bytes on
 * both sides of a device output, after a host output), and that the inputs
 * were left as they were.
 */
#include "harness.h"
#include "reference.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Guard elements around outputs, and the byte they are filled with: 0x7F
 * repeated is a huge finite value in both float32 (3.4e38) and float64
 * (1.4e306), so an output the kernel forgot to write cannot pass either. */
#define GUARD_ELEMS 64
#define FILL_BYTE 0x7F

/* ---- fixtures ------------------------------------------------------------ */

/* The runtime of the current test. Fixtures run in the forked child, so each
 * test process has its own. */
static clconv_runtime *fixture_rt;

static void runtime_setup(void)
{
    int st = clconv_runtime_create(&fixture_rt, NULL);
    ck_assert_msg(st == CLCONV_OK, "clconv_runtime_create failed: %s: %s", clconv_status_name(st),
                  clconv_last_error(NULL));
}

static void runtime_teardown(void)
{
    clconv_runtime_destroy(fixture_rt);
    fixture_rt = NULL;
}

TCase *test_tcase_bare(const char *name)
{
    TCase *tc = tcase_create(name);
    /* Check's default of 4 s is meant for pure CPU code; a first kernel
     * build alone takes about 1 s here. CK_TIMEOUT_MULTIPLIER scales it. */
    tcase_set_timeout(tc, 300);
    return tc;
}

TCase *test_tcase(const char *name)
{
    TCase *tc = test_tcase_bare(name);
    tcase_add_checked_fixture(tc, runtime_setup, runtime_teardown);
    return tc;
}

static void variant_strip(void)
{
    setenv("CLCONV_DIRECT_VARIANT", "strip", 1);
}

static void variant_tiled(void)
{
    setenv("CLCONV_DIRECT_VARIANT", "tiled", 1);
}

static void variant_clear(void)
{
    unsetenv("CLCONV_DIRECT_VARIANT");
}

Suite *test_variant_suite(const char *name, void (*add_tests)(TCase *tc))
{
    static const struct {
        const char *name;
        void (*setup)(void);
    } variants[] = {{"strip", variant_strip}, {"tiled", variant_tiled}};
    Suite *s = suite_create(name);

    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        TCase *tc = test_tcase_bare(variants[v].name);
        tcase_add_checked_fixture(tc, variants[v].setup, variant_clear);
        tcase_add_checked_fixture(tc, runtime_setup, runtime_teardown);
        add_tests(tc);
        suite_add_tcase(s, tc);
    }
    return s;
}

clconv_runtime *test_runtime(void)
{
    ck_assert_ptr_nonnull(fixture_rt);
    return fixture_rt;
}

clconv_runtime *test_small_runtime(void)
{
    clconv_runtime_options o = {0};
    clconv_runtime *rt = NULL;

    o.max_alloc = TEST_SMALL_ALLOC;
    ASSERT_OK(NULL, clconv_runtime_create_ex(&rt, &o));
    return rt;
}

void assert_last_error_has(const clconv_runtime *rt, const char *text)
{
    const char *msg = clconv_last_error(rt);
    ck_assert_ptr_nonnull(msg);
    ck_assert_msg(strstr(msg, text) != NULL, "last error \"%s\" does not mention \"%s\"", msg,
                  text);
}

/* ---- data ---------------------------------------------------------------- */

void test_rng_seed(test_rng *rng, uint64_t seed)
{
    rng->state = seed;
}

uint64_t test_rng_next(test_rng *rng)
{
    uint64_t z = (rng->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double test_rng_uniform(test_rng *rng)
{
    /* 53 random bits mapped onto [-1, 1). */
    return (double)(test_rng_next(rng) >> 11) * 0x1p-52 - 1.0;
}

long test_rng_int(test_rng *rng, long lo, long hi)
{
    return lo + (long)(test_rng_next(rng) % (uint64_t)(hi - lo + 1));
}

size_t test_dtype_bytes(clconv_dtype dtype)
{
    switch (dtype) {
    case CLCONV_F64: return sizeof(double);
    case CLCONV_U8: return 1;
    case CLCONV_U16:
    case CLCONV_I16: return 2;
    default: return sizeof(float);
    }
}

void *test_alloc(clconv_dtype dtype, size_t count)
{
    void *p = malloc((count ? count : 1) * test_dtype_bytes(dtype));
    ck_assert_ptr_nonnull(p);
    return p;
}

double test_saturate(clconv_dtype dtype, double v)
{
    double lo = 0, hi = 255;
    if (dtype == CLCONV_U16) hi = 65535;
    if (dtype == CLCONV_I16) lo = -32768, hi = 32767;
    if (isnan(v)) return lo; /* OpenCV's saturate_cast of cvRound(NaN) */
    v = nearbyint(v); /* the default rounding mode: to nearest, ties to even */
    return v < lo ? lo : v > hi ? hi : v;
}

void test_store(clconv_dtype dtype, void *dst, const double *src, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        switch (dtype) {
        case CLCONV_F64: ((double *)dst)[i] = src[i]; break;
        case CLCONV_U8: ((uint8_t *)dst)[i] = (uint8_t)test_saturate(dtype, src[i]); break;
        case CLCONV_U16: ((uint16_t *)dst)[i] = (uint16_t)test_saturate(dtype, src[i]); break;
        case CLCONV_I16: ((int16_t *)dst)[i] = (int16_t)test_saturate(dtype, src[i]); break;
        default: ((float *)dst)[i] = (float)src[i]; break;
        }
    }
}

void test_load(clconv_dtype dtype, double *dst, const void *src, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        switch (dtype) {
        case CLCONV_F64: dst[i] = ((const double *)src)[i]; break;
        case CLCONV_U8: dst[i] = ((const uint8_t *)src)[i]; break;
        case CLCONV_U16: dst[i] = ((const uint16_t *)src)[i]; break;
        case CLCONV_I16: dst[i] = ((const int16_t *)src)[i]; break;
        default: dst[i] = ((const float *)src)[i]; break;
        }
    }
}

/* ---- temporary directories ----------------------------------------------- */

char *test_tempdir(void)
{
    const char *base = getenv("TMPDIR");
    char *path = malloc(4096);
    ck_assert_ptr_nonnull(path);
    snprintf(path, 4096, "%s/clconv-test-XXXXXX", base && *base ? base : "/tmp");
    ck_assert_msg(mkdtemp(path) != NULL, "mkdtemp(%s) failed", path);
    return path;
}

/* Calls visit(path, is_dir, arg) for everything below dir, children before
 * their directory so removal can use it. */
static void walk(const char *dir, void (*visit)(const char *, int, void *), void *arg)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (!d) return;
    while ((e = readdir(d)) != NULL) {
        char path[4096];
        struct stat st;

        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (lstat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) walk(path, visit, arg);
        visit(path, S_ISDIR(st.st_mode), arg);
    }
    closedir(d);
}

static void remove_one(const char *path, int is_dir, void *arg)
{
    (void)arg;
    if (is_dir)
        rmdir(path);
    else
        unlink(path);
}

void test_rmtree_free(char *path)
{
    if (!path) return;
    walk(path, remove_one, NULL);
    rmdir(path);
    free(path);
}

/* Adapts a per-file callback to walk()'s visitor. */
typedef struct file_visit {
    void (*fn)(const char *, void *);
    void *arg;
} file_visit;

static void visit_file(const char *path, int is_dir, void *arg)
{
    file_visit *v = arg;
    if (!is_dir) v->fn(path, v->arg);
}

void test_for_each_file(const char *path, void (*fn)(const char *file, void *arg), void *arg)
{
    file_visit v = {fn, arg};
    walk(path, visit_file, &v);
}

static void count_one(const char *path, void *arg)
{
    (void)path;
    ++*(size_t *)arg;
}

size_t test_count_files(const char *path)
{
    size_t n = 0;
    test_for_each_file(path, count_one, &n);
    return n;
}

/* ---- convolution cases ---------------------------------------------------- */

static const char *kind_name(conv_kind kind)
{
    return kind == CONV_1D ? "conv1d" : kind == CONV_2D ? "conv2d" : "conv2d_separable";
}

/* Names spelled here rather than asked of the library, whose own naming
 * functions are under test too. */
static const char *mode_label(clconv_mode mode)
{
    return mode == CLCONV_MODE_FULL ? "full" : mode == CLCONV_MODE_SAME ? "same" : "valid";
}

static const char *boundary_label(clconv_boundary boundary)
{
    static const char *const names[] = {"none", "constant", "reflect", "mirror", "nearest", "wrap"};
    return (unsigned)boundary < 6 ? names[boundary] : "unknown";
}

static const char *method_label(clconv_method method)
{
    return method == CLCONV_METHOD_AUTO     ? "auto"
           : method == CLCONV_METHOD_DIRECT ? "direct"
                                            : "fft";
}

void conv_case_describe(const conv_case *c, char *buf, size_t cap)
{
    int used = snprintf(buf, cap,
                        "%s %s %s: batch %zu, image %zux%zu, kernel %zux%zu, %s, %s, %s, %s "
                        "inputs, seed %llu",
                        kind_name(c->kind), c->dtype == CLCONV_F64 ? "f64" : "f32",
                        c->form == FORM_HOST ? "host" : "device", c->batch, c->rows, c->cols,
                        c->krows, c->kcols, mode_label(c->mode), method_label(c->method),
                        c->correlate ? "correlation" : "convolution",
                        c->integer ? "integer" : "uniform", (unsigned long long)c->seed);
    if (c->boundary && used > 0 && (size_t)used < cap)
        snprintf(buf + used, cap - (size_t)used, ", boundary %s, cval %g, origin (%d, %d)",
                 boundary_label(c->boundary), c->cval, c->origin[0], c->origin[1]);
    used = (int)strlen(buf);
    if (c->out_shift && (size_t)used < cap)
        snprintf(buf + used, cap - (size_t)used, ", output %zu elements past a line",
                 c->out_shift);
}

/* Everything one case allocates. The kernel travels as one piece (1-D and
 * 2-D) or two (separable: column vector, then row vector); h is always the
 * full 2-D kernel the reference uses. */
typedef struct case_data {
    size_t orows, ocols, in_count, out_count;
    double ext_norm; /* boundary modes: largest norm of an extended image */
    int pieces;
    size_t piece_count[2];
    double *x, *h, *piece[2], *want, *bound, *got;
    void *xt, *piece_t[2], *out; /* out holds out_count + GUARD_ELEMS elements */
    void *out_block;             /* 64-byte aligned: out_shift elements, then out */
} case_data;

static void case_data_free(case_data *d)
{
    free(d->x);
    free(d->h);
    free(d->want);
    free(d->bound);
    free(d->got);
    free(d->xt);
    free(d->out_block);
    for (int i = 0; i < 2; i++) {
        free(d->piece[i]);
        free(d->piece_t[i]);
    }
}

/* Records "description: message" in msg and returns -1. */
static int case_fail(char *msg, size_t cap, const char *desc, const char *fmt, ...)
{
    size_t used;
    va_list ap;

    snprintf(msg, cap, "%s: ", desc);
    used = strlen(msg);
    va_start(ap, fmt);
    vsnprintf(msg + used, cap - used, fmt, ap);
    va_end(ap);
    return -1;
}

/* Fills values with count draws rounded to dtype, keeping the typed copy. */
static void draw(const conv_case *c, test_rng *rng, double *values, void *typed, size_t count)
{
    for (size_t i = 0; i < count; i++)
        values[i] = c->integer ? (double)test_rng_int(rng, -4, 4) : test_rng_uniform(rng);
    test_store(c->dtype, typed, values, count);
    test_load(c->dtype, values, typed, count);
}

static int case_data_make(const conv_case *c, case_data *d, const char *desc, char *msg, size_t cap)
{
    ref_problem p = {c->rows, c->cols, c->krows, c->kcols, c->mode, c->correlate};
    /* ndimage's origin per axis: a 1-D case's origin[0] is its column axis. */
    ref_ndimage nd = {c->rows,
                      c->cols,
                      c->krows,
                      c->kcols,
                      c->correlate,
                      c->boundary,
                      c->cval,
                      {c->kind == CONV_1D ? 0 : c->origin[0],
                       c->kind == CONV_1D ? c->origin[0] : c->origin[1]}};
    size_t image = c->rows * c->cols, out_image;
    test_rng rng;

    if (c->boundary) {
        d->orows = c->rows;
        d->ocols = c->cols;
    } else if (ref_output_dims(&p, &d->orows, &d->ocols) != 0) {
        return case_fail(msg, cap, desc, "the test asks for valid mode on incompatible shapes");
    }
    out_image = d->orows * d->ocols;
    d->in_count = c->batch * image;
    d->out_count = c->batch * out_image;
    d->pieces = c->kind == CONV_SEPARABLE ? 2 : 1;
    d->piece_count[0] = c->kind == CONV_SEPARABLE ? c->krows : c->krows * c->kcols;
    d->piece_count[1] = c->kind == CONV_SEPARABLE ? c->kcols : 0;

    d->x = malloc(d->in_count * sizeof(double));
    d->h = malloc(c->krows * c->kcols * sizeof(double));
    d->want = malloc(d->out_count * sizeof(double));
    d->bound = malloc(d->out_count * sizeof(double));
    d->got = malloc(d->out_count * sizeof(double));
    d->xt = malloc(d->in_count * test_dtype_bytes(c->dtype));
    const size_t block = (c->out_shift + d->out_count + GUARD_ELEMS) * test_dtype_bytes(c->dtype);
    d->out_block = aligned_alloc(64, (block + 63) / 64 * 64);
    d->out = d->out_block ? (char *)d->out_block + c->out_shift * test_dtype_bytes(c->dtype) : NULL;
    if (!d->x || !d->h || !d->want || !d->bound || !d->got || !d->xt || !d->out)
        return case_fail(msg, cap, desc, "out of host memory");
    for (int i = 0; i < d->pieces; i++) {
        d->piece[i] = malloc(d->piece_count[i] * sizeof(double));
        d->piece_t[i] = malloc(d->piece_count[i] * test_dtype_bytes(c->dtype));
        if (!d->piece[i] || !d->piece_t[i]) return case_fail(msg, cap, desc, "out of host memory");
    }

    test_rng_seed(&rng, c->seed);
    draw(c, &rng, d->x, d->xt, d->in_count);
    for (int i = 0; i < d->pieces; i++)
        draw(c, &rng, d->piece[i], d->piece_t[i], d->piece_count[i]);
    for (size_t a = 0; a < c->krows; a++) {
        for (size_t b = 0; b < c->kcols; b++) {
            d->h[a * c->kcols + b] = c->kind == CONV_SEPARABLE ? d->piece[0][a] * d->piece[1][b]
                                                               : d->piece[0][a * c->kcols + b];
        }
    }

    for (size_t b = 0; b < c->batch; b++) {
        double norm = 0.0;
        if (c->boundary)
            ref_ndimage_conv(&nd, d->x + b * image, d->h, d->want + b * out_image,
                             d->bound + b * out_image, &norm);
        else
            ref_conv(&p, d->x + b * image, d->h, d->want + b * out_image,
                     d->bound + b * out_image);
        if (norm > d->ext_norm) d->ext_norm = norm;
    }
    memset(d->out_block, FILL_BYTE, block);
    return 0;
}

/* First byte in [from, to) of bytes that differs from FILL_BYTE, or to. */
static size_t first_changed(const unsigned char *bytes, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (bytes[i] != FILL_BYTE) return i;
    return to;
}

static int run_host(clconv_runtime *rt, const conv_case *c, case_data *d, clconv_conv_options *o)
{
    switch (c->kind) {
    case CONV_1D:
        return clconv_conv1d_host(rt, c->dtype, d->xt, c->cols, c->batch, d->piece_t[0], c->kcols,
                                  d->out, o);
    case CONV_2D:
        return clconv_conv2d_host(rt, c->dtype, d->xt, c->rows, c->cols, c->batch, d->piece_t[0],
                                  c->krows, c->kcols, d->out, o);
    case CONV_SEPARABLE:
    default:
        return clconv_conv2d_separable_host(rt, c->dtype, d->xt, c->rows, c->cols, c->batch,
                                            d->piece_t[0], c->krows, d->piece_t[1], c->kcols,
                                            d->out, o);
    }
}

static int call_device(clconv_runtime *rt, const conv_case *c, clconv_buffer *in,
                       clconv_buffer *const *k, clconv_buffer *out, clconv_conv_options *o)
{
    switch (c->kind) {
    case CONV_1D:
        return clconv_conv1d(rt, in, c->cols, c->batch, k[0], c->kcols, out, o);
    case CONV_2D:
        return clconv_conv2d(rt, in, c->rows, c->cols, c->batch, k[0], c->krows, c->kcols, out, o);
    case CONV_SEPARABLE:
    default:
        return clconv_conv2d_separable(rt, in, c->rows, c->cols, c->batch, k[0], c->krows, k[1],
                                       c->kcols, out, o);
    }
}

/* Bytes of guard placed before a device output: a sub-buffer must start at a
 * multiple of the device's base address alignment. */
static size_t front_guard_bytes(clconv_runtime *rt, size_t elem)
{
    cl_device_id dev;
    cl_uint align_bits = 0;
    size_t align, want = GUARD_ELEMS * elem;

    if (clGetCommandQueueInfo(clconv_runtime_queue(rt), CL_QUEUE_DEVICE, sizeof dev, &dev, NULL) !=
            CL_SUCCESS ||
        clGetDeviceInfo(dev, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof align_bits, &align_bits, NULL) !=
            CL_SUCCESS)
        return 0;
    align = align_bits / 8 ? align_bits / 8 : 1;
    return (want + align - 1) / align * align;
}

/* Checks that buf still holds count elements equal to expect (the inputs). */
static int unchanged(clconv_buffer *buf, const void *expect, size_t count, size_t elem)
{
    void *now = malloc(count * elem);
    int same = now && clconv_buffer_read(buf, 0, count, now) == CLCONV_OK &&
               memcmp(now, expect, count * elem) == 0;
    free(now);
    return same;
}

/* The device form: inputs in clconv buffers, the output a sub-buffer of a
 * larger allocation whose guard bytes on both sides must survive. */
static int run_device(clconv_runtime *rt, const conv_case *c, case_data *d, clconv_conv_options *o,
                      const char *desc, char *msg, size_t cap)
{
    size_t elem = test_dtype_bytes(c->dtype);
    size_t out_bytes = d->out_count * elem;
    size_t front = front_guard_bytes(rt, elem), total = front + out_bytes + GUARD_ELEMS * elem;
    clconv_buffer *in = NULL, *k[2] = {NULL, NULL}, *out = NULL;
    cl_mem parent = NULL, sub = NULL;
    unsigned char *whole = malloc(total);
    cl_buffer_region region = {front, out_bytes};
    cl_int err;
    int st, rc = -1;
    size_t bad;

    if (!whole || front == 0) {
        case_fail(msg, cap, desc, "cannot set up the guarded output");
        goto done;
    }
    memset(whole, FILL_BYTE, total);
    st = clconv_buffer_create(rt, c->dtype, d->in_count, d->xt, &in);
    for (int i = 0; st == CLCONV_OK && i < d->pieces; i++)
        st = clconv_buffer_create(rt, c->dtype, d->piece_count[i], d->piece_t[i], &k[i]);
    if (st != CLCONV_OK) {
        case_fail(msg, cap, desc, "clconv_buffer_create: %s: %s", clconv_status_name(st),
                  clconv_last_error(rt));
        goto done;
    }
    parent = clCreateBuffer(clconv_runtime_context(rt), CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                            total, whole, &err);
    if (err == CL_SUCCESS)
        sub = clCreateSubBuffer(parent, CL_MEM_READ_WRITE, CL_BUFFER_CREATE_TYPE_REGION, &region,
                                &err);
    if (err != CL_SUCCESS) {
        case_fail(msg, cap, desc, "creating the guarded output failed: OpenCL error %d", (int)err);
        goto done;
    }
    st = clconv_buffer_wrap(rt, sub, c->dtype, d->out_count, &out);
    if (st != CLCONV_OK) {
        case_fail(msg, cap, desc, "clconv_buffer_wrap: %s: %s", clconv_status_name(st),
                  clconv_last_error(rt));
        goto done;
    }

    st = call_device(rt, c, in, k, out, o);
    if (st != CLCONV_OK) {
        case_fail(msg, cap, desc, "returned %s: %s", clconv_status_name(st), clconv_last_error(rt));
        goto done;
    }
    /* Reading the output must wait for the enqueued work (clconv.h). */
    st = clconv_buffer_read(out, 0, d->out_count, d->out);
    if (st != CLCONV_OK) {
        case_fail(msg, cap, desc, "clconv_buffer_read: %s: %s", clconv_status_name(st),
                  clconv_last_error(rt));
        goto done;
    }
    err = clEnqueueReadBuffer(clconv_runtime_queue(rt), parent, CL_TRUE, 0, total, whole, 0, NULL,
                              NULL);
    if (err != CL_SUCCESS) {
        case_fail(msg, cap, desc, "reading the guards failed: OpenCL error %d", (int)err);
        goto done;
    }
    bad = first_changed(whole, 0, front);
    if (bad < front) {
        case_fail(msg, cap, desc, "wrote %zu bytes before the start of out", front - bad);
        goto done;
    }
    bad = first_changed(whole, front + out_bytes, total);
    if (bad < total) {
        case_fail(msg, cap, desc, "wrote past the end of out: guard element %zu changed",
                  (bad - front - out_bytes) / elem);
        goto done;
    }
    if (!unchanged(in, d->xt, d->in_count, elem)) {
        case_fail(msg, cap, desc, "the image buffer changed");
        goto done;
    }
    for (int i = 0; i < d->pieces; i++) {
        if (!unchanged(k[i], d->piece_t[i], d->piece_count[i], elem)) {
            case_fail(msg, cap, desc, "kernel buffer %d changed", i);
            goto done;
        }
    }
    rc = 0;
done:
    clconv_buffer_destroy(out);
    clconv_buffer_destroy(in);
    clconv_buffer_destroy(k[0]);
    clconv_buffer_destroy(k[1]);
    if (sub) clReleaseMemObject(sub);
    if (parent) clReleaseMemObject(parent);
    free(whole);
    return rc;
}

/* The largest error any output of c may carry when computed by method
 * chosen (reference.h explains the bounds). */
static double allowed_error(const conv_case *c, const case_data *d, clconv_method chosen)
{
    size_t image = c->rows * c->cols, taps = c->krows * c->kcols;
    double largest = 0.0;

    if (chosen == CLCONV_METHOD_FFT) {
        double h_norm = ref_norm2(d->h, taps);
        for (size_t b = 0; b < c->batch; b++) {
            double norms = ref_norm2(d->x + b * image, image) * h_norm;
            if (norms > largest) largest = norms;
        }
        /* Under a boundary mode the transforms hold the extended image. */
        if (c->boundary) largest = d->ext_norm * h_norm;
        return ref_fft_error(c->dtype, (c->rows + c->krows - 1) * (c->cols + c->kcols - 1),
                             largest);
    }
    /* Sums of small integers are exact in any order, so a direct result must
     * match to the last bit. */
    if (c->integer) return 0.0;
    for (size_t i = 0; i < d->out_count; i++)
        if (d->bound[i] > largest) largest = d->bound[i];
    /* A separable run rounds twice, after each pass; its error bound is that
     * of (sqrt(krows) + sqrt(kcols))^2 <= 2 (krows + kcols) terms. */
    if (c->kind == CONV_SEPARABLE) taps = 2 * (c->krows + c->kcols);
    return ref_direct_error(c->dtype, taps, largest);
}

/* Compares d->got with the reference, image by image so a failure names the
 * output's batch, row and column. chosen is the method that ran. */
static int compare(const conv_case *c, case_data *d, clconv_method chosen, const char *desc,
                   char *msg, size_t cap)
{
    size_t out_image = d->orows * d->ocols;
    double allowed = allowed_error(c, d, chosen);
    size_t i;

    test_load(c->dtype, d->got, d->out, d->out_count);
    i = ref_first_mismatch(d->want, d->got, d->out_count, allowed);
    if (i == d->out_count) return 0;
    return case_fail(msg, cap, desc,
                     "output [batch %zu][row %zu][col %zu] of %zux%zu is %.17g, want %.17g "
                     "(difference %.3g, allowed %.3g, method %s)",
                     i / out_image, i % out_image / d->ocols, i % d->ocols, d->orows, d->ocols,
                     d->got[i], d->want[i], fabs(d->got[i] - d->want[i]), allowed,
                     method_label(chosen));
}

int conv_case_try(clconv_runtime *rt, const conv_case *c, char *msg, size_t cap)
{
    case_data d = {0};
    clconv_conv_options o = {.mode = c->mode, .method = c->method, .correlate = c->correlate,
                             .chosen = (clconv_method)-1,
                             .boundary = c->boundary,
                             .cval = c->cval,
                             .origin = {c->origin[0], c->origin[1]}};
    char desc[400];
    size_t elem = test_dtype_bytes(c->dtype), bad;
    int rc = -1, st;

    conv_case_describe(c, desc, sizeof desc);
    if (case_data_make(c, &d, desc, msg, cap) != 0) goto done;

    if (c->form == FORM_DEVICE) {
        if (run_device(rt, c, &d, &o, desc, msg, cap) != 0) goto done;
    } else {
        st = run_host(rt, c, &d, &o);
        if (st != CLCONV_OK) {
            case_fail(msg, cap, desc, "returned %s: %s", clconv_status_name(st),
                      clconv_last_error(rt));
            goto done;
        }
        bad = first_changed(d.out, d.out_count * elem, (d.out_count + GUARD_ELEMS) * elem);
        if (bad < (d.out_count + GUARD_ELEMS) * elem) {
            case_fail(msg, cap, desc, "wrote past the end of the host output: guard element %zu",
                      bad / elem - d.out_count);
            goto done;
        }
        bad = first_changed(d.out_block, 0, c->out_shift * elem);
        if (bad < c->out_shift * elem) {
            case_fail(msg, cap, desc, "wrote before the host output: %zu elements before it",
                      c->out_shift - bad / elem);
            goto done;
        }
    }

    if (c->method == CLCONV_METHOD_AUTO
            ? o.chosen != CLCONV_METHOD_DIRECT && o.chosen != CLCONV_METHOD_FFT
            : o.chosen != c->method) {
        case_fail(msg, cap, desc, "opts.chosen is %d after the run", (int)o.chosen);
        goto done;
    }
    rc = compare(c, &d, o.chosen, desc, msg, cap);
done:
    case_data_free(&d);
    return rc;
}

void conv_case_check(clconv_runtime *rt, const conv_case *c)
{
    char msg[1024];
    int rc = conv_case_try(rt, c, msg, sizeof msg);
    ck_assert_msg(rc == 0, "%s", msg);
}

void conv_cases_check(clconv_runtime *rt, const conv_case *cases, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (conv_dtype_supported(rt, cases[i].dtype)) conv_case_check(rt, &cases[i]);
}

int conv_dtype_supported(clconv_runtime *rt, clconv_dtype dtype)
{
    clconv_device_info info;
    const double one = 1.0;
    double out = 0.0;

    ASSERT_OK(rt, clconv_runtime_device(rt, &info));
    if (dtype != CLCONV_F64 || info.fp64) return 1;
    ASSERT_FAILS(rt, clconv_conv1d_host(rt, dtype, &one, 1, 1, &one, 1, &out, NULL),
                 CLCONV_ENOTSUP);
    return 0;
}

/* A valid-mode problem SciPy rejects must fail with EINVAL before touching
 * memory; zero-filled host arrays of the input sizes stand ready anyway. */
static void expect_valid_rejected(clconv_runtime *rt, const conv_case *c)
{
    size_t elem = test_dtype_bytes(c->dtype);
    void *x = calloc(c->batch * c->rows * c->cols, elem);
    void *h = calloc(c->krows * c->kcols, elem);
    void *krow = calloc(c->kcols, elem);
    void *y = calloc(c->batch * c->rows * c->cols + c->krows * c->kcols, elem);
    clconv_conv_options o = {.mode = c->mode, .method = c->method, .correlate = c->correlate,
                             .chosen = CLCONV_METHOD_AUTO};

    ck_assert(x && h && krow && y);
    if (c->kind == CONV_SEPARABLE)
        ASSERT_FAILS(rt,
                     clconv_conv2d_separable_host(rt, c->dtype, x, c->rows, c->cols, c->batch, h,
                                                  c->krows, krow, c->kcols, y, &o),
                     CLCONV_EINVAL);
    else
        ASSERT_FAILS(rt,
                     clconv_conv2d_host(rt, c->dtype, x, c->rows, c->cols, c->batch, h, c->krows,
                                        c->kcols, y, &o),
                     CLCONV_EINVAL);
    free(x);
    free(h);
    free(krow);
    free(y);
}

void conv_sweep(clconv_runtime *rt, conv_kind kind, clconv_dtype dtype, const size_t (*images)[2],
                size_t nimages, const size_t (*kernels)[2], size_t nkernels, uint64_t seed)
{
    static const clconv_mode modes[] = {CLCONV_MODE_FULL, CLCONV_MODE_SAME, CLCONV_MODE_VALID};
    test_rng choice;

    if (!conv_dtype_supported(rt, dtype)) return;
    test_rng_seed(&choice, seed);
    for (size_t i = 0; i < nimages; i++) {
        for (size_t j = 0; j < nkernels; j++) {
            for (size_t m = 0; m < 3; m++) {
                for (int corr = 0; corr < 2; corr++) {
                    uint64_t r = test_rng_next(&choice);
                    conv_case c = {
                        .kind = kind,
                        .form = (r & 1) ? FORM_DEVICE : FORM_HOST,
                        .dtype = dtype,
                        .mode = modes[m],
                        .method = (r >> 1) % 8 == 0 ? CLCONV_METHOD_AUTO : CLCONV_METHOD_DIRECT,
                        .correlate = corr,
                        .batch = (r >> 4) % 4 == 0 ? 3 : 1,
                        .rows = images[i][0],
                        .cols = images[i][1],
                        .krows = kernels[j][0],
                        .kcols = kernels[j][1],
                        .integer = (r >> 6) % 3 == 0,
                        .seed = r >> 8,
                    };
                    ref_problem p = {c.rows, c.cols, c.krows, c.kcols, c.mode, 0};
                    size_t orows, ocols;

                    if (ref_output_dims(&p, &orows, &ocols) != 0)
                        expect_valid_rejected(rt, &c);
                    else
                        conv_case_check(rt, &c);
                }
            }
        }
    }
}

int test_conv_form_call(clconv_runtime *rt, const test_conv_form *c, const void *x,
                        const void *h, void *const f[3], void *y, size_t out_count,
                        clconv_conv_options *o)
{
    const clconv_dtype od = c->out;
    const size_t taps = c->k[0] * c->k[1] * c->k[2];
    const size_t *n = c->n, *k = c->k;
    /* The single-dtype forms where every operand shares one dtype, the
     * typed ones otherwise. */
    const int same = c->in == c->kern && od == c->kern;
    if (!c->device) {
        if (c->dims == 1)
            return same ? clconv_conv1d_host(rt, c->kern, x, n[2], c->batch, h, k[2], y, o)
                        : clconv_conv1d_host_typed(rt, c->in, x, n[2], c->batch, c->kern, h,
                                                   k[2], od, y, o);
        if (c->dims == 2 && c->separable)
            return same ? clconv_conv2d_separable_host(rt, c->kern, x, n[1], n[2], c->batch,
                                                       f[1], k[1], f[2], k[2], y, o)
                        : clconv_conv2d_separable_host_typed(rt, c->in, x, n[1], n[2], c->batch,
                                                             c->kern, f[1], k[1], f[2], k[2], od,
                                                             y, o);
        if (c->dims == 2)
            return same ? clconv_conv2d_host(rt, c->kern, x, n[1], n[2], c->batch, h, k[1], k[2],
                                             y, o)
                        : clconv_conv2d_host_typed(rt, c->in, x, n[1], n[2], c->batch, c->kern, h,
                                                   k[1], k[2], od, y, o);
        if (c->separable)
            return same ? clconv_conv3d_separable_host(rt, c->kern, x, n[0], n[1], n[2], c->batch,
                                                       f[0], k[0], f[1], k[1], f[2], k[2], y, o)
                        : clconv_conv3d_separable_host_typed(rt, c->in, x, n[0], n[1], n[2],
                                                             c->batch, c->kern, f[0], k[0], f[1],
                                                             k[1], f[2], k[2], od, y, o);
        return same ? clconv_conv3d_host(rt, c->kern, x, n[0], n[1], n[2], c->batch, h, k[0],
                                         k[1], k[2], y, o)
                    : clconv_conv3d_host_typed(rt, c->in, x, n[0], n[1], n[2], c->batch, c->kern,
                                               h, k[0], k[1], k[2], od, y, o);
    }
    clconv_buffer *bx = NULL, *bh[3] = {NULL, NULL, NULL}, *by = NULL;
    int st = clconv_buffer_create(rt, c->in, c->batch * n[0] * n[1] * n[2], x, &bx);
    if (st == 0 && c->separable)
        for (int d = 3 - c->dims; d < 3 && st == 0; d++)
            st = clconv_buffer_create(rt, c->kern, k[d], f[d], &bh[d]);
    else if (st == 0)
        st = clconv_buffer_create(rt, c->kern, taps, h, &bh[0]);
    if (st == 0) st = clconv_buffer_create(rt, od, out_count, NULL, &by);
    if (st == 0) {
        if (c->dims == 1)
            st = clconv_conv1d(rt, bx, n[2], c->batch, bh[0], k[2], by, o);
        else if (c->dims == 2 && c->separable)
            st = clconv_conv2d_separable(rt, bx, n[1], n[2], c->batch, bh[1], k[1], bh[2], k[2],
                                         by, o);
        else if (c->dims == 2)
            st = clconv_conv2d(rt, bx, n[1], n[2], c->batch, bh[0], k[1], k[2], by, o);
        else if (c->separable)
            st = clconv_conv3d_separable(rt, bx, n[0], n[1], n[2], c->batch, bh[0], k[0], bh[1],
                                         k[1], bh[2], k[2], by, o);
        else
            st = clconv_conv3d(rt, bx, n[0], n[1], n[2], c->batch, bh[0], k[0], k[1], k[2], by, o);
    }
    if (st == 0) st = clconv_buffer_read(by, 0, out_count, y);
    clconv_buffer_destroy(bx);
    clconv_buffer_destroy(by);
    for (int d = 0; d < 3; d++) clconv_buffer_destroy(bh[d]);
    return st;
}
