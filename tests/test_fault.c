/*
 * OpenCL calls failing mid-job (host/fault.c): each job below (a direct
 * 1-D convolution, one streamed in pieces, a 2-D one, an FFT convolution, a
 * complex one, a uint8 one through FFT and its conversion passes, a sum of
 * dice and a power long enough for the tilted windows) runs once as
 * it is, then once per wrapped OpenCL call with that call failing, N = 1,
 * 2, ... until a run makes fewer calls than N. Every faulted run must end in one error whose
 * message names the call that failed (or, where the library recovers, give
 * the right result), and the same runtime must then run the job again
 * correctly. Leaks are left to the sanitizer build (scripts/test.sh
 * --sanitize -R fault), where these tests run unchanged.
 */
#include "harness.h"
#include "internal.h"
#include "suites.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The most results a job gives, and the most faults a sweep tries: the
 * largest job below makes a few hundred wrapped calls. */
#define MAX_OUT 20000
#define MAX_FAULTS 5000

/* The output array of the convolution jobs (host forms). */
static float host_out[MAX_OUT];

typedef struct fault_job {
    const char *name;
    int small; /* on test_small_runtime(), whose allocation limit makes it stream */
    /* Runs the job on rt, storing its results in out (at most MAX_OUT) and
     * their count in *count; frees whatever it made, whether it fails or not. */
    int (*run)(clconv_runtime *rt, double *out, size_t *count);
} fault_job;

/* Integer-valued inputs, so that every method gives float32 results that
 * compare exactly (partial sums stay far below 2^24). */
static void fill(float *x, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) x[i] = (float)((i * 7 + seed * 13) % 11) - 5.0f;
}

static int conv1d_job(clconv_runtime *rt, clconv_method method, size_t n, size_t k,
                      double *out, size_t *count)
{
    static float x[MAX_OUT], h[64];
    float *y = host_out;
    clconv_conv_options opts;
    memset(&opts, 0, sizeof opts);
    opts.mode = CLCONV_MODE_SAME;
    opts.method = method;
    fill(x, n, 1);
    fill(h, k, 2);
    int status = clconv_conv1d_host(rt, CLCONV_F32, x, n, 1, h, k, y, &opts);
    for (size_t i = 0; i < n; i++) out[i] = y[i];
    *count = n;
    return status;
}

static int job_conv1d_direct(clconv_runtime *rt, double *out, size_t *count)
{
    return conv1d_job(rt, CLCONV_METHOD_DIRECT, 300, 7, out, count);
}

/* 80 KB of signal and output under the small runtime's 48 KiB limit: the
 * host form streams it in pieces (stream.c), non-blocking copies into the
 * caller's arrays. */
static int job_conv1d_streamed(clconv_runtime *rt, double *out, size_t *count)
{
    return conv1d_job(rt, CLCONV_METHOD_DIRECT, MAX_OUT, 31, out, count);
}

static int job_conv1d_fft(clconv_runtime *rt, double *out, size_t *count)
{
    return conv1d_job(rt, CLCONV_METHOD_FFT, 400, 33, out, count);
}

static int job_conv2d(clconv_runtime *rt, double *out, size_t *count)
{
    enum { ROWS = 24, COLS = 20, KR = 5, KC = 3 };
    float x[ROWS * COLS], h[KR * KC], *y = host_out;
    clconv_conv_options opts;
    memset(&opts, 0, sizeof opts);
    opts.mode = CLCONV_MODE_SAME;
    opts.method = CLCONV_METHOD_DIRECT;
    fill(x, LEN(x), 3);
    /* Not of rank 1 (its rows are not multiples of each other), so the
     * dense 2-D path runs rather than the separable one. */
    for (size_t i = 0; i < LEN(h); i++) h[i] = (float)((i * i) % 5) - 2.0f;
    int status = clconv_conv2d_host(rt, CLCONV_F32, x, ROWS, COLS, 1, h, KR, KC, y, &opts);
    for (size_t i = 0; i < ROWS * COLS; i++) out[i] = y[i];
    *count = ROWS * COLS;
    return status;
}

/* A complex64 signal and kernel (host/complex.c: the split, two real runs
 * and the combining pass), as pairs of floats. */
static int job_conv1d_complex(clconv_runtime *rt, double *out, size_t *count)
{
    enum { N = 300, K = 9 };
    static float x[2 * N], h[2 * K];
    float *y = host_out;
    clconv_conv_options opts;
    memset(&opts, 0, sizeof opts);
    opts.mode = CLCONV_MODE_SAME;
    opts.method = CLCONV_METHOD_DIRECT;
    opts.correlate = 1;
    fill(x, LEN(x), 4);
    fill(h, LEN(h), 5);
    int status = clconv_conv1d_host(rt, CLCONV_C64, x, N, 1, h, K, y, &opts);
    for (size_t i = 0; i < 2 * N; i++) out[i] = y[i];
    *count = 2 * N;
    return status;
}

/* A uint8 signal and output through FFT (host/convert.c's passes). */
static int job_conv1d_uint8_fft(clconv_runtime *rt, double *out, size_t *count)
{
    enum { N = 400, K = 5 };
    static unsigned char x[N];
    static const float h[K] = {0.25f, 0.5f, 1.0f, 0.5f, 0.25f};
    unsigned char *y = (unsigned char *)host_out;
    clconv_conv_options opts;
    memset(&opts, 0, sizeof opts);
    opts.mode = CLCONV_MODE_SAME;
    opts.method = CLCONV_METHOD_FFT;
    for (size_t i = 0; i < N; i++) x[i] = (unsigned char)(i * 37 % 256);
    int status =
        clconv_conv1d_host_typed(rt, CLCONV_U8, x, N, 1, CLCONV_F32, h, K, CLCONV_U8, y, &opts);
    for (size_t i = 0; i < N; i++) out[i] = y[i];
    *count = N;
    return status;
}

/* Reads dist into out (its probabilities) and frees it. */
static int dist_take(clconv_dist *d, int status, double *out, size_t *count)
{
    clconv_dist_layout l;
    if (status == 0) status = clconv_dist_layout_get(d, &l);
    if (status == 0 && l.len[0] * l.len[1] > MAX_OUT) status = CLCONV_ERANGE;
    if (status == 0) status = clconv_dist_read(d, out);
    *count = status == 0 ? l.len[0] * l.len[1] : 0;
    clconv_dist_destroy(d);
    return status;
}

static int job_dist_dice(clconv_runtime *rt, double *out, size_t *count)
{
    static const double d6[6] = {1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0};
    clconv_dist *die = NULL, *sum = NULL;
    int status = clconv_dist_create_1d(rt, d6, 6, 1, 0, &die);
    if (status == 0) {
        const clconv_dist *three[3] = {die, die, die};
        status = clconv_dist_sum_many(rt, three, 3, NULL, &sum);
    }
    clconv_dist_destroy(die);
    return dist_take(sum, status, out, count);
}

/* Supports of 256 entries and more take the tilted windows (dist_tilt.c),
 * which read the operands back mid-job. */
static int job_dist_power(clconv_runtime *rt, double *out, size_t *count)
{
    double p[300];
    for (size_t i = 0; i < LEN(p); i++) p[i] = 1.0 / LEN(p);
    clconv_dist *d = NULL, *pow = NULL;
    int status = clconv_dist_create_1d(rt, p, LEN(p), 0, 0, &d);
    if (status == 0) status = clconv_dist_power(rt, d, 4, NULL, &pow);
    clconv_dist_destroy(d);
    return dist_take(pow, status, out, count);
}

static const fault_job jobs[] = {
    {"conv1d direct", 0, job_conv1d_direct},
    {"conv1d streamed", 1, job_conv1d_streamed},
    {"conv2d direct", 0, job_conv2d},
    {"conv1d FFT", 0, job_conv1d_fft},
    {"conv1d complex64", 0, job_conv1d_complex},
    {"conv1d uint8 FFT", 0, job_conv1d_uint8_fft},
    {"dist 3d6", 0, job_dist_dice},
    {"dist power", 0, job_dist_power},
};

static void assert_same(const fault_job *j, long n, const double *want, size_t want_count,
                        const double *got, size_t got_count)
{
    ck_assert_msg(got_count == want_count, "%s, fault %ld: %zu results, want %zu", j->name, n,
                  got_count, want_count);
    for (size_t i = 0; i < want_count; i++)
        ck_assert_msg(fabs(got[i] - want[i]) <= 1e-9 + 1e-6 * fabs(want[i]),
                      "%s, fault %ld: result %zu is %.17g, want %.17g", j->name, n, i, got[i],
                      want[i]);
}

START_TEST(test_fault_cl_sweep)
{
    const fault_job *j = &jobs[_i];
    clconv_runtime *rt = j->small ? test_small_runtime() : test_runtime();
    static double want[MAX_OUT], got[MAX_OUT];
    size_t want_count = 0, got_count = 0;
    long failed = 0, recovered = 0;

    /* A first run unarmed builds the programs, so that the sweep fails the
     * job's own calls rather than only those of the first build. */
    ASSERT_OK(rt, j->run(rt, want, &want_count));
    for (long n = 1;; n++) {
        ck_assert_msg(n <= MAX_FAULTS, "%s: more than %d wrapped calls", j->name, MAX_FAULTS);
        clconv__clear_error();
        clconv__fault_arm(n);
        const int status = j->run(rt, got, &got_count);
        const char *fired = clconv__fault_fired();
        clconv__fault_arm(0);
        if (!fired) {
            /* N lies past the job's last call: the sweep is done. */
            ASSERT_OK(rt, status);
            assert_same(j, n, want, want_count, got, got_count);
            break;
        }
        if (status == 0) {
            /* Recovered (a failed allocation can send a job to smaller
             * pieces): then the result must be right. */
            assert_same(j, n, want, want_count, got, got_count);
            recovered++;
        } else {
            failed++;
            /* The FFT libraries' own launches (VkFFT's, FFTW's) fail as FFTs. */
            const int fft = strcmp(fired, "VkFFT") == 0 || strcmp(fired, "FFTW") == 0;
            ck_assert_msg(status == (fft ? CLCONV_EFFT : CLCONV_EDEVMEM),
                          "%s, fault %ld in %s: %s (last error: %s)", j->name, n, fired,
                          clconv_status_name(status), clconv_last_error(rt));
            ck_assert_msg(strstr(clconv_last_error(rt), fired) != NULL,
                          "%s, fault %ld in %s: the message does not name it: '%s'", j->name, n,
                          fired, clconv_last_error(rt));
            /* A host form that returned owns nothing of the caller's arrays
             * any more: no work still queued may write into the output. */
            memset(host_out, 0x5a, sizeof host_out);
            ASSERT_OK(rt, clconv_runtime_finish(rt));
            for (size_t i = 0; i < MAX_OUT; i++)
                ck_assert_msg(((const unsigned char *)host_out)[4 * i] == 0x5a,
                              "%s, fault %ld in %s: output element %zu written after the "
                              "call returned", j->name, n, fired, i);
        }
        /* The runtime is still usable. */
        ASSERT_OK(rt, j->run(rt, got, &got_count));
        assert_same(j, n, want, want_count, got, got_count);
    }
    ck_assert_msg(failed > 0, "%s: no fault made the job fail", j->name);
    if (j->small) clconv_runtime_destroy(rt);
    fprintf(stderr, "fault: %s: %ld wrapped calls, %ld failed the job, %ld recovered\n",
            j->name, failed + recovered, failed, recovered);
}
END_TEST

Suite *clconv_test_suite_fault(void)
{
    Suite *s = suite_create("fault");
    TCase *tc = test_tcase("cl");
    tcase_add_loop_test(tc, test_fault_cl_sweep, 0, (int)LEN(jobs));
    suite_add_tcase(s, tc);
    return s;
}
