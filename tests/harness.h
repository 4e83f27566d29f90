/*
 * Shared test machinery: the per-test runtime fixture, status assertions
 * that print the library's last error, a seeded random generator, typed host
 * arrays, temporary directories, and conv_case, which runs one convolution
 * through the public API (host or device form, with guard regions around the
 * output) and checks it against the double-precision reference.
 *
 * Check forks every test by default. OpenCL state does not survive fork(),
 * so the parent process must never touch OpenCL: runtimes are made inside
 * each test, by the checked fixture below or by the test itself.
 */
#ifndef CLCONV_TEST_HARNESS_H
#define CLCONV_TEST_HARNESS_H

#include "clconv.h"

#include <check.h>
#include <stddef.h>
#include <stdint.h>

/* ---- fixtures ------------------------------------------------------------ */

/* A test case whose tests each get a fresh runtime on the default device
 * (honouring CLCONV_DEVICE), reachable through test_runtime(). */
TCase *test_tcase(const char *name);

/* A test case without a runtime, for tests that make their own. */
TCase *test_tcase_bare(const char *name);

/* A suite named name with one test case per direct-kernel variant, "strip"
 * and "tiled" (forced through CLCONV_DIRECT_VARIANT, host/params.h, so both
 * are tested whatever the device would choose), each a test_tcase() filled
 * by add_tests. */
Suite *test_variant_suite(const char *name, void (*add_tests)(TCase *tc));

/* The fixture's runtime inside a test made by test_tcase(). */
clconv_runtime *test_runtime(void);

/* The allocation limit of test_small_runtime(): small enough that modest
 * problems need the direct path's pieces or the host forms' streaming. */
#define TEST_SMALL_ALLOC ((size_t)48 << 10)

/* A new runtime on the default device whose single allocations are capped
 * at TEST_SMALL_ALLOC bytes; the caller destroys it. */
clconv_runtime *test_small_runtime(void);

/* Asserts that expr returns status want; on failure names both statuses and
 * quotes the calling thread's last error for rt (NULL: runtime-less calls). */
#define ASSERT_STATUS(rt, expr, want)                                                              \
    do {                                                                                           \
        int got_status_ = (expr);                                                                  \
        int want_status_ = (want);                                                                 \
        ck_assert_msg(got_status_ == want_status_, "%s returned %s, want %s (last error: %s)",     \
                      #expr, clconv_status_name(got_status_), clconv_status_name(want_status_),    \
                      clconv_last_error(rt));                                                      \
    } while (0)

#define ASSERT_OK(rt, expr) ASSERT_STATUS(rt, expr, CLCONV_OK)

/* ASSERT_STATUS for a failure that must also leave a message for rt. */
#define ASSERT_FAILS(rt, expr, want)                                                               \
    do {                                                                                           \
        ASSERT_STATUS(rt, expr, want);                                                             \
        ck_assert_msg(clconv_last_error(rt)[0] != '\0', "%s failed without a message", #expr);     \
    } while (0)

/* Asserts that the last error recorded for rt on this thread contains text. */
void assert_last_error_has(const clconv_runtime *rt, const char *text);

/* ---- data ---------------------------------------------------------------- */

/* splitmix64: small, seedable and the same on every platform. */
typedef struct test_rng {
    uint64_t state;
} test_rng;

void test_rng_seed(test_rng *rng, uint64_t seed);
uint64_t test_rng_next(test_rng *rng);
double test_rng_uniform(test_rng *rng);             /* in [-1, 1) */
long test_rng_int(test_rng *rng, long lo, long hi); /* in [lo, hi] */

/* Bytes per element of dtype, computed here rather than asked of the library. */
size_t test_dtype_bytes(clconv_dtype dtype);

/* Typed host arrays: allocation (asserts success) and conversion from and to
 * double. test_store rounds to the dtype. */
void *test_alloc(clconv_dtype dtype, size_t count);
/* Stores count doubles as dtype: an integer dtype rounds to nearest, ties
 * to even, and saturates, as the library's integer outputs do, so that it
 * is also the reference's rounding (test_saturate, one value). */
void test_store(clconv_dtype dtype, void *dst, const double *src, size_t count);
double test_saturate(clconv_dtype dtype, double v);
void test_load(clconv_dtype dtype, double *dst, const void *src, size_t count);

/* ---- temporary directories ----------------------------------------------- */

/* A new empty directory under $TMPDIR (or /tmp); the caller frees the path
 * with test_rmtree_free(). */
char *test_tempdir(void);

/* Removes path and everything below it, then frees the string. */
void test_rmtree_free(char *path);

/* Calls fn(file, arg) for every regular file below path, recursively. */
void test_for_each_file(const char *path, void (*fn)(const char *file, void *arg), void *arg);

/* Number of regular files below path, recursively. */
size_t test_count_files(const char *path);

/* ---- convolution cases ---------------------------------------------------- */

typedef enum conv_kind {
    CONV_1D,       /* clconv_conv1d*: rows and krows must be 1 */
    CONV_2D,       /* clconv_conv2d* */
    CONV_SEPARABLE /* clconv_conv2d_separable*: kernel = column (krows) x row (kcols) */
} conv_kind;

typedef enum conv_form {
    FORM_HOST,  /* the _host entry point, guard elements after out */
    FORM_DEVICE /* clconv_buffer inputs; out is a sub-buffer with guards on both sides */
} conv_form;

typedef struct conv_case {
    conv_kind kind;
    conv_form form;
    clconv_dtype dtype;
    clconv_mode mode;
    clconv_method method;
    int correlate;
    size_t batch;
    size_t rows, cols;   /* image; 1-D: rows = 1, cols = n */
    size_t krows, kcols; /* kernel; 1-D: krows = 1, kcols = k */
    int integer;         /* small integer inputs: results must be exact with direct */
    uint64_t seed;
    /* A scipy.ndimage boundary mode (mode must then be SAME), its cval and
     * origin as clconv_conv_options takes them (1-D: origin[0]). */
    clconv_boundary boundary;
    double cval;
    int origin[2];
    /* Host form: the output starts this many elements past a 64-byte
     * boundary (0: on one), as malloc's 16-byte aligned arrays do. */
    size_t out_shift;
} conv_case;

/* One line naming every field of c, for failure messages. */
void conv_case_describe(const conv_case *c, char *buf, size_t cap);

/* Runs c on rt and checks the result, the guards and the inputs. Returns 0
 * when all is right, else -1 with a message in msg. Thread-safe: it asserts
 * nothing, so threads can report to the main thread. */
int conv_case_try(clconv_runtime *rt, const conv_case *c, char *msg, size_t cap);

/* conv_case_try that fails the current test with its message. */
void conv_case_check(clconv_runtime *rt, const conv_case *c);

/* conv_case_check on each of count cases, skipping float64 cases where the
 * device lacks it (after checking that it refuses them). */
void conv_cases_check(clconv_runtime *rt, const conv_case *cases, size_t count);

/* Whether rt's device computes in dtype. For float64 on a device without
 * it, first asserts that a convolution is refused with CLCONV_ENOTSUP. */
int conv_dtype_supported(clconv_runtime *rt, clconv_dtype dtype);

/* Checks every combination of nimages image shapes and nkernels kernel
 * shapes ({rows, cols}; rows 1 for CONV_1D) with every mode, convolution
 * and correlation, in dtype. Batch (1 or 3), form, integer or uniform
 * inputs and the method (mostly direct, sometimes auto) vary from case to
 * case, drawn from seed. Valid-mode shapes SciPy rejects must be rejected
 * with CLCONV_EINVAL. */
void conv_sweep(clconv_runtime *rt, conv_kind kind, clconv_dtype dtype, const size_t (*images)[2],
                size_t nimages, const size_t (*kernels)[2], size_t nkernels, uint64_t seed);

/* ---- one call with a dtype per operand ----------------------------------- */

/* A convolution call of any rank and form through the public API. Extents
 * in depth, rows, columns order (1-D {1, 1, n}, 2-D {1, rows, cols}). */
typedef struct test_conv_form {
    int dims;      /* 1, 2 or 3 */
    int separable; /* the factors f[] (depth, rows, columns) instead of h */
    int device;    /* 1: buffer form, else host form */
    clconv_dtype in, kern, out; /* signal, kernel (or factors), output */
    size_t batch, n[3], k[3];
} test_conv_form;

/* Calls the form c names on host arrays x, h (or f[3 - dims .. 2]) and y
 * (out_count elements of c->out): the single-dtype host form where every
 * operand shares one dtype, the typed host form otherwise, or, with
 * c->device, the buffer form on buffers made from the arrays, its output
 * read back into y. Returns the call's status. */
int test_conv_form_call(clconv_runtime *rt, const test_conv_form *c, const void *x,
                        const void *h, void *const f[3], void *y, size_t out_count,
                        clconv_conv_options *o);

#endif /* CLCONV_TEST_HARNESS_H */
