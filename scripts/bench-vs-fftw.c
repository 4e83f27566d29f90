/*
 * The C side of scripts/bench-vs-fftw.sh: times clconv's FFT convolution
 * (clconv_conv1d_host, conv2d_host, conv3d_host with CLCONV_METHOD_FFT, host
 * arrays in and out, plans made before timing) against a float32
 * convolution written here with FFTW (r2c of the signal and of the kernel,
 * complex product scaled by 1/N, c2r, crop), whose plans are made with
 * FFTW_MEASURE before timing (each plan's search bounded by
 * fftwf_set_timelimit, --plan-seconds, 120 s by default: lengths such as
 * 2^5 3^8 5 take minutes to plan, and a 20 s bound left the batched 2^19
 * r2c of conv1d 2^24 x 65536 at 2.8 times the time of a 120 s plan; the
 * plans are kept as wisdom, so only a first run pays). Both run the same transforms:
 * in 1-D, FFTW runs the overlap-save layout clconv chose (block count and
 * length read from clconv's notes on an untimed first call) as one batched
 * r2c and c2r; in 2-D and 3-D, one transform per image of the size clconv's
 * planner takes for one plain block, per axis the smallest 2^a 3^b 5^c 7^d
 * that holds the wanted outputs unaliased, even along rows (host/plan.c's
 * clconv__fast_size, repeated here). clconv's layout is printed beside.
 *
 * Each round runs, per case and alternating which goes first, the FFTW
 * convolution, clconv's, FFTW's forward r2c of the signal's transforms alone
 * and VkFFT's forward transform of those same transforms alone (through
 * clconv's plan cache, host/fft.h: this is why the driver links the static
 * library and sets rt->verbose for the first call), and, where clconv ran
 * 2-D as blocks, VkFFT's forward transform of those blocks too (stderr), and
 * the table gives the medians. The first round of every kind is untimed.
 * Outputs are compared (max |clconv - FFTW| over max |FFTW|) so that the
 * two do the same work.
 *
 * Built by the script:
 *   cc -O2 -fopenmp -I include -I host scripts/bench-vs-fftw.c build/libclconv.a
 *      -lfftw3f_threads -lfftw3f -lOpenCL -lpthread -lm
 */
#include "fft.h"

#include <fftw3.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct bench_case {
    const char *name;
    int dims;
    size_t n[3], k[3]; /* planes, rows, columns; 1 where unused */
    clconv_mode mode;
    int tier; /* 0: quick, 1: default, 2: --full only */
} bench_case;

#define P20 ((size_t)1 << 20)
#define P22 ((size_t)1 << 22)
#define P24 ((size_t)1 << 24)

static const bench_case CASES[] = {
    {"conv1d 2^20, 1024 taps", 1, {1, 1, P20}, {1, 1, 1024}, CLCONV_MODE_FULL, 1},
    {"conv1d 2^20, 65536 taps", 1, {1, 1, P20}, {1, 1, 65536}, CLCONV_MODE_FULL, 1},
    {"conv1d 2^22, 1024 taps", 1, {1, 1, P22}, {1, 1, 1024}, CLCONV_MODE_FULL, 1},
    {"conv1d 2^22, 65536 taps", 1, {1, 1, P22}, {1, 1, 65536}, CLCONV_MODE_FULL, 1},
    {"conv1d 2^24, 1024 taps", 1, {1, 1, P24}, {1, 1, 1024}, CLCONV_MODE_FULL, 1},
    {"conv1d 2^24, 65536 taps", 1, {1, 1, P24}, {1, 1, 65536}, CLCONV_MODE_FULL, 1},
    {"conv2d 2048^2, 31x31", 2, {1, 2048, 2048}, {1, 31, 31}, CLCONV_MODE_FULL, 1},
    {"conv2d 2048^2, 63x63", 2, {1, 2048, 2048}, {1, 63, 63}, CLCONV_MODE_FULL, 1},
    {"conv3d 256^3, 31^3 same", 3, {256, 256, 256}, {31, 31, 31}, CLCONV_MODE_SAME, 2},
    {"conv1d 2^18, 1024 taps", 1, {1, 1, 1 << 18}, {1, 1, 1024}, CLCONV_MODE_FULL, 0},
    {"conv2d 1024^2, 31x31", 2, {1, 1024, 1024}, {1, 31, 31}, CLCONV_MODE_FULL, 0},
    {"conv3d 96^3, 15^3 same", 3, {96, 96, 96}, {15, 15, 15}, CLCONV_MODE_SAME, 0},
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const clconv_runtime *rt, int status, const char *what)
{
    fprintf(stderr, "bench-vs-fftw: %s: %s: %s\n", what, clconv_strerror(status),
            rt ? clconv_last_error(rt) : "");
    exit(1);
}

static void *xmalloc(size_t bytes)
{
    void *p = fftwf_malloc(bytes ? bytes : 1);
    if (!p) die(NULL, CLCONV_ENOMEM, "allocating");
    return p;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* host/plan.c's clconv__fast_size, repeated so that the sizes are computed
 * the same way: the smallest p * 2^a >= n with p = 3^b 5^c 7^d (even when
 * asked). */
static size_t fast_size(size_t n, int even)
{
    size_t best = 0;
    for (size_t p7 = 1; p7 < 2 * n; p7 *= 7)
        for (size_t p5 = p7; p5 < 2 * n; p5 *= 5)
            for (size_t p3 = p5; p3 < 2 * n; p3 *= 3) {
                size_t m = p3;
                while (m < n || (even && m % 2)) m *= 2;
                if (!best || m < best) best = m;
            }
    return best;
}

/* The FFTW side of one case: padded real and complex arrays, plans. */
typedef struct fftw_side {
    size_t len[3], start[3], out[3], reals, cplx;
    size_t blocks, step, taps; /* 1-D overlap-save: blocks of len[2], 1 when plain */
    float *xr, *hr;
    fftwf_complex *xc, *hc;
    fftwf_plan fx, fh, inv;
} fftw_side;

static void fftw_side_init(fftw_side *f, const bench_case *c, size_t blocks, size_t block_len,
                           unsigned flags)
{
    for (int d = 0; d < 3; d++) {
        const size_t n = c->n[d], k = c->k[d];
        if (n == 1 && k == 1) {
            f->len[d] = 1, f->start[d] = 0, f->out[d] = 1;
            continue;
        }
        f->start[d] = c->mode == CLCONV_MODE_FULL ? 0 : (k - 1) / 2;
        f->out[d] = c->mode == CLCONV_MODE_FULL ? n + k - 1 : n;
        size_t need = n > k ? n : k;
        if (n + k - 1 - f->start[d] > need) need = n + k - 1 - f->start[d];
        if (f->start[d] + f->out[d] > need) need = f->start[d] + f->out[d];
        f->len[d] = fast_size(need, d == 2);
    }
    f->blocks = 1, f->taps = c->k[2], f->step = 0;
    if (c->dims == 1 && blocks > 1) {
        f->blocks = blocks, f->len[2] = block_len, f->step = block_len - c->k[2] + 1;
    }
    f->reals = f->len[0] * f->len[1] * f->len[2];
    f->cplx = f->len[0] * f->len[1] * (f->len[2] / 2 + 1);
    f->xr = xmalloc(f->blocks * f->reals * sizeof *f->xr);
    f->hr = xmalloc(f->reals * sizeof *f->hr);
    f->xc = xmalloc(f->blocks * f->cplx * sizeof *f->xc);
    f->hc = xmalloc(f->cplx * sizeof *f->hc);
    int dims[3], rank = 0, many = (int)f->blocks;
    for (int d = 3 - c->dims; d < 3; d++) dims[rank++] = (int)f->len[d];
    f->fx = fftwf_plan_many_dft_r2c(rank, dims, many, f->xr, NULL, 1, (int)f->reals, f->xc, NULL,
                                    1, (int)f->cplx, flags);
    f->fh = fftwf_plan_dft_r2c(rank, dims, f->hr, f->hc, flags);
    f->inv = fftwf_plan_many_dft_c2r(rank, dims, many, f->xc, NULL, 1, (int)f->cplx, f->xr, NULL,
                                     1, (int)f->reals, flags);
    if (!f->fx || !f->fh || !f->inv) die(NULL, CLCONV_EINVAL, "making FFTW plans");
}

static void fftw_side_free(fftw_side *f)
{
    fftwf_destroy_plan(f->fx), fftwf_destroy_plan(f->fh), fftwf_destroy_plan(f->inv);
    fftwf_free(f->xr), fftwf_free(f->hr), fftwf_free(f->xc), fftwf_free(f->hc);
}

/* Copies src (n[0] x n[1] x n[2]) into the zeroed padded array dst. */
static void pad(const fftw_side *f, const size_t n[3], const float *src, float *dst)
{
    const long rows = (long)(f->len[0] * f->len[1]);
#pragma omp parallel for schedule(static)
    for (long i = 0; i < rows; i++) {
        const size_t p = (size_t)i / f->len[1], r = (size_t)i % f->len[1];
        float *row = dst + (size_t)i * f->len[2];
        size_t done = 0;
        if (p < n[0] && r < n[1]) {
            memcpy(row, src + (p * n[1] + r) * n[2], n[2] * sizeof *row);
            done = n[2];
        }
        memset(row + done, 0, (f->len[2] - done) * sizeof *row);
    }
}

/* 1-D overlap-save blocks: block b holds x from b*step - (taps-1), zeros
 * outside x (full mode). */
static void pad_blocks(const fftw_side *f, size_t n, const float *x)
{
    const size_t len = f->len[2];
#pragma omp parallel for schedule(static)
    for (long b = 0; b < (long)f->blocks; b++) {
        float *row = f->xr + (size_t)b * len;
        const long long from = (long long)b * (long long)f->step - (long long)(f->taps - 1);
        const size_t lead = from < 0 ? (size_t)-from : 0, first = from < 0 ? 0 : (size_t)from;
        size_t copy = first < n ? n - first : 0;
        if (copy > len - lead) copy = len - lead;
        memset(row, 0, lead * sizeof *row);
        memcpy(row + lead, x + first, copy * sizeof *row);
        memset(row + lead + copy, 0, (len - lead - copy) * sizeof *row);
    }
}

/* One FFTW convolution of x with h into y. */
static void fftw_conv(const fftw_side *f, const bench_case *c, const float *x, const float *h,
                      float *y)
{
    if (f->blocks > 1) pad_blocks(f, c->n[2], x);
    else pad(f, c->n, x, f->xr);
    fftwf_execute(f->fx);
    pad(f, c->k, h, f->hr);
    fftwf_execute(f->fh);
    const float scale = 1.0f / (float)f->reals;
    const long blocks = (long)f->blocks, per = (long)f->cplx;
    fftwf_complex *xc = f->xc, *hc = f->hc;
    const long total = blocks * per;
#pragma omp parallel
    {
        /* A contiguous share per thread; j walks the kernel's spectrum. */
        const long t = omp_get_thread_num(), threads = omp_get_num_threads();
        const long lo = total * t / threads, hi = total * (t + 1) / threads;
        long j = lo % per;
        for (long i = lo; i < hi; i++) {
            const float a = xc[i][0], q = xc[i][1], u = hc[j][0], v = hc[j][1];
            xc[i][0] = (a * u - q * v) * scale;
            xc[i][1] = (a * v + q * u) * scale;
            if (++j == per) j = 0;
        }
    }
    fftwf_execute(f->inv);
    if (f->blocks > 1) {
        const size_t out = f->out[2];
#pragma omp parallel for schedule(static)
        for (long b = 0; b < (long)f->blocks; b++) {
            const size_t o = (size_t)b * f->step;
            const size_t m = o + f->step <= out ? f->step : out - o;
            memcpy(y + o, f->xr + (size_t)b * f->len[2] + f->taps - 1, m * sizeof *y);
        }
        return;
    }
    const long rows = (long)(f->out[0] * f->out[1]);
#pragma omp parallel for schedule(static)
    for (long i = 0; i < rows; i++) {
        const size_t p = (size_t)i / f->out[1] + f->start[0];
        const size_t r = (size_t)i % f->out[1] + f->start[1];
        memcpy(y + (size_t)i * f->out[2], f->xr + (p * f->len[1] + r) * f->len[2] + f->start[2],
               f->out[2] * sizeof *y);
    }
}

static int run_clconv(clconv_runtime *rt, const bench_case *c, const float *x, const float *h,
                      float *y)
{
    clconv_conv_options o = {.mode = c->mode, .method = CLCONV_METHOD_FFT};
    if (c->dims == 1)
        return clconv_conv1d_host(rt, CLCONV_F32, x, c->n[2], 1, h, c->k[2], y, &o);
    if (c->dims == 2)
        return clconv_conv2d_host(rt, CLCONV_F32, x, c->n[1], c->n[2], 1, h, c->k[1], c->k[2], y,
                                  &o);
    return clconv_conv3d_host(rt, CLCONV_F32, x, c->n[0], c->n[1], c->n[2], 1, h, c->k[0],
                              c->k[1], c->k[2], y, &o);
}

/* One call with the runtime's notes on and stderr in a file, to read the
 * FFT layout clconv chose; it also makes the plans, untimed. */
static void clconv_layout(clconv_runtime *rt, const bench_case *c, const float *x,
                          const float *h, float *y, char *layout, size_t size, size_t *blocks,
                          size_t *block_len, size_t own2d[3])
{
    fflush(stderr);
    FILE *tmp = tmpfile();
    const int saved = dup(2);
    if (!tmp || saved < 0) die(NULL, CLCONV_EIO, "redirecting stderr");
    dup2(fileno(tmp), 2);
    rt->verbose = 1;
    const int status = run_clconv(rt, c, x, h, y);
    rt->verbose = 0;
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    if (status < 0) die(rt, status, "clconv's first call");
    rewind(tmp);
    char line[512];
    snprintf(layout, size, "?");
    while (fgets(line, sizeof line, tmp)) {
        size_t a, b, cc, blocks0, blocks1, total, group;
        const char *l2 = strstr(line, "FFT layout: "), *l3 = strstr(line, "FFT 3-D layout: ");
        if (l2 && sscanf(l2, "FFT layout: %zu x %zu transforms, %zu x %zu blocks per image, "
                             "%zu in all, %zu per launch",
                         &a, &b, &blocks0, &blocks1, &total, &group) == 6) {
            if (c->dims == 1) {
                snprintf(layout, size, "%zu x %zu", total, b);
                *blocks = total, *block_len = b;
            } else {
                snprintf(layout, size, "%zu x %zux%zu", total, a, b);
                own2d[0] = total, own2d[1] = a, own2d[2] = b;
            }
        } else if (l3 && sscanf(l3, "FFT 3-D layout: %zu x %zu x %zu", &a, &b, &cc) == 3) {
            snprintf(layout, size, "1 x %zux%zux%zu", a, b, cc);
        }
    }
    fclose(tmp);
}

/* VkFFT's forward transform of the FFTW side's size, through clconv's plan
 * cache, on a device buffer of random values rewritten before each timing. */
typedef struct vk_side {
    clconv__fft_key key;
    cl_mem buf;
    float *host;
    size_t bytes;
} vk_side;

static void vk_side_init(clconv_runtime *rt, vk_side *v, size_t planes, size_t rows, size_t cols,
                         size_t count)
{
    v->key = (clconv__fft_key){{rows, cols}, count, CLCONV_F32, 0, planes};
    const size_t len[2] = {rows, cols};
    v->bytes = clconv__fft_reals(len) * planes * count * sizeof(float);
    v->host = xmalloc(v->bytes);
    for (size_t i = 0; i < v->bytes / sizeof(float); i++)
        v->host[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    cl_int err;
    v->buf = clCreateBuffer(rt->ctx, CL_MEM_READ_WRITE, v->bytes, NULL, &err);
    if (err != CL_SUCCESS) die(rt, CLCONV_ENOMEM, "allocating VkFFT's buffer");
    int status = clconv__fft_prepare(rt, &v->key);
    if (status < 0) die(rt, status, "making VkFFT's plan");
}

static double vk_time(clconv_runtime *rt, vk_side *v)
{
    clEnqueueWriteBuffer(rt->queue, v->buf, CL_TRUE, 0, v->bytes, v->host, 0, NULL, NULL);
    const double t0 = now_ms();
    int status = clconv__fft_execute(rt, &v->key, v->buf);
    if (status == 0 && clFinish(rt->queue) != CL_SUCCESS) status = CLCONV_ECL;
    const double t1 = now_ms();
    if (status < 0) die(rt, status, "VkFFT transform");
    return t1 - t0;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench-vs-fftw [--rounds N] [--quick|--full] [--threads T] "
                    "[--case SUBSTRING] [--wisdom FILE] [--plan-seconds S]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int rounds = 7, tier = 1, threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    double plan_seconds = 120;
    const char *only = NULL, *wisdom = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--quick")) tier = 0, rounds = rounds == 7 ? 3 : rounds;
        else if (!strcmp(argv[i], "--full")) tier = 2;
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--case") && i + 1 < argc) only = argv[++i];
        else if (!strcmp(argv[i], "--wisdom") && i + 1 < argc) wisdom = argv[++i];
        else if (!strcmp(argv[i], "--plan-seconds") && i + 1 < argc) plan_seconds = atof(argv[++i]);
        else usage();
    }
    if (rounds < 1 || threads < 1) usage();
    if (!fftwf_init_threads()) die(NULL, CLCONV_EINVAL, "fftwf_init_threads");
    fftwf_plan_with_nthreads(threads);
    /* FFTW_MEASURE on lengths such as 2^5 3^8 5 takes minutes: bound each
     * plan's search (FFTW keeps the best plan found by then); <= 0 lifts it. */
    if (plan_seconds > 0) fftwf_set_timelimit(plan_seconds);
    if (wisdom) fftwf_import_wisdom_from_filename(wisdom);

    clconv_runtime *rt;
    int status = clconv_runtime_create(&rt, NULL);
    if (status < 0) die(NULL, status, "creating the runtime");
    printf("device: %s; FFTW %s, %d threads, FFTW_MEASURE (at most %g s a plan); %d rounds, "
           "medians\n",
           rt->info.name, fftwf_version, threads, plan_seconds, rounds);
    printf("%-26s %-13s %-16s %9s %9s %6s %9s %9s %8s\n", "case", "FFT size", "clconv layout",
           "FFTW ms", "clconv ms", "ratio", "FFTW r2c", "VkFFT r2c", "rel err");
    fflush(stdout);

    double *t = malloc(5 * (size_t)rounds * sizeof *t);
    for (size_t ci = 0; ci < sizeof CASES / sizeof *CASES; ci++) {
        const bench_case *c = &CASES[ci];
        /* --quick runs tier 0 alone; the default tier 1; --full tiers 1 and 2. */
        const int wanted = tier == 0 ? c->tier == 0 : c->tier != 0 && c->tier <= tier;
        if (only ? !strstr(c->name, only) : !wanted) continue;
        const size_t nx = c->n[0] * c->n[1] * c->n[2], nh = c->k[0] * c->k[1] * c->k[2];
        size_t ny = 1;
        for (int d = 0; d < 3; d++)
            ny *= c->mode == CLCONV_MODE_FULL ? c->n[d] + c->k[d] - 1 : c->n[d];
        float *x = xmalloc(nx * sizeof *x), *h = xmalloc(nh * sizeof *h);
        float *yf = xmalloc(ny * sizeof *yf), *yc = xmalloc(ny * sizeof *yc);
        srand(1);
        for (size_t i = 0; i < nx; i++) x[i] = 2.0f * (float)rand() / (float)RAND_MAX - 1.0f;
        for (size_t i = 0; i < nh; i++) h[i] = 2.0f * (float)rand() / (float)RAND_MAX - 1.0f;
        char layout[64];
        size_t blocks = 1, block_len = 0, own2d[3] = {0, 0, 0};
        const double c0 = now_ms();
        clconv_layout(rt, c, x, h, yc, layout, sizeof layout, &blocks, &block_len, own2d);
        const double first_ms = now_ms() - c0;
        fftw_side f;
        const double p0 = now_ms();
        fftw_side_init(&f, c, blocks, block_len, FFTW_MEASURE);
        const double plan_ms = now_ms() - p0;
        if (wisdom) fftwf_export_wisdom_to_filename(wisdom);
        /* In 2-D, VkFFT also on clconv's own blocks, which FFTW does not run. */
        vk_side v, vb = {.buf = NULL, .host = NULL};
        vk_side_init(rt, &v, f.len[0], f.len[1], f.len[2], f.blocks);
        if (own2d[0] > 1) vk_side_init(rt, &vb, 1, own2d[1], own2d[2], own2d[0]);
        fftw_conv(&f, c, x, h, yf); /* untimed first run of each */
        (void)vk_time(rt, &v);
        if (vb.buf) (void)vk_time(rt, &vb);
        for (int r = 0; r < rounds; r++) {
            for (int j = 0; j < 2; j++) {
                if ((j == 0) == (r % 2 == 0)) {
                    double a = now_ms();
                    fftw_conv(&f, c, x, h, yf);
                    t[r] = now_ms() - a;
                    a = now_ms();
                    fftwf_execute(f.fx);
                    t[2 * rounds + r] = now_ms() - a;
                } else {
                    const double a = now_ms();
                    status = run_clconv(rt, c, x, h, yc);
                    t[rounds + r] = now_ms() - a;
                    if (status < 0) die(rt, status, "clconv");
                    t[3 * rounds + r] = vk_time(rt, &v);
                    if (vb.buf) t[4 * rounds + r] = vk_time(rt, &vb);
                }
            }
        }
        double big = 0, diff = 0;
        for (size_t i = 0; i < ny; i++) {
            if (fabsf(yf[i]) > big) big = fabsf(yf[i]);
            if (fabsf(yf[i] - yc[i]) > diff) diff = fabsf(yf[i] - yc[i]);
        }
        const double err = big > 0 ? diff / big : diff;
        char size[40];
        if (c->dims == 1) snprintf(size, sizeof size, "%zu x %zu", f.blocks, f.len[2]);
        else if (c->dims == 2) snprintf(size, sizeof size, "%zux%zu", f.len[1], f.len[2]);
        else snprintf(size, sizeof size, "%zux%zux%zu", f.len[0], f.len[1], f.len[2]);
        const double mf = median(t, rounds), mc = median(t + rounds, rounds);
        const double rf = median(t + 2 * rounds, rounds), rv = median(t + 3 * rounds, rounds);
        printf("%-26s %-13s %-16s %9.1f %9.1f %6.2f %9.1f %9.1f %8.1e%s\n", c->name, size, layout,
               mf, mc, mc / mf, rf, rv, err, err > 1e-4 ? " DISAGREE" : "");
        if (vb.buf)
            fprintf(stderr, "  (%s: VkFFT r2c of clconv's %zu x %zux%zu blocks %.1f ms)\n",
                    c->name, own2d[0], own2d[1], own2d[2], median(t + 4 * rounds, rounds));
        fprintf(stderr, "  (%s: FFTW planning %.0f ms, clconv's first call %.0f ms)\n", c->name,
                plan_ms, first_ms);
        fflush(stdout);
        clReleaseMemObject(v.buf);
        if (vb.buf) clReleaseMemObject(vb.buf), fftwf_free(vb.host);
        fftwf_free(v.host), fftwf_free(x), fftwf_free(h), fftwf_free(yf), fftwf_free(yc);
        fftw_side_free(&f);
        if (err > 1e-4) status = 1;
    }
    free(t);
    clconv_runtime_destroy(rt);
    fftwf_cleanup_threads();
    return status == 1 ? 1 : 0;
}
