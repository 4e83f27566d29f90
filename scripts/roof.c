/*
 * The CPU's own roofs, measured without OpenCL, to check the figures that
 * clconv_device_peak (and `clconv bench`) reports for a CPU device: FMA
 * throughput from independent chains of vector FMAs written with
 * intrinsics, one thread per core, and memory bandwidth from a streaming
 * read and copies of buffers far larger than the caches (memcpy, and vector
 * copies with streamed and with cached stores), split over the same threads.
 * Built by scripts/roof.sh with -O2 -march=native, so it uses the widest
 * vectors the machine has: AVX-512 where present (and AVX2 beside it, for
 * comparison), else AVX2 with FMA.
 *
 * Usage: roof [THREADS]   (default: every online core)
 */
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* FMA loop turns per timed run of one thread. */
#define REPS 20000000L

/* One thread's chains: CH independent accumulators of one vector type,
 * REPS turns; returns a value derived from every chain so none is dropped. */
#define FMA_BODY(VT, SET1, FMA, ADD, CH)                                                      \
    {                                                                                         \
        VT acc[CH];                                                                           \
        const VT m = SET1(0.999f), c = SET1(1e-3f);                                           \
        for (int i = 0; i < CH; i++) acc[i] = SET1((float)i);                                 \
        for (long r = 0; r < REPS; r++)                                                       \
            _Pragma("GCC unroll 32") for (int i = 0; i < CH; i++) acc[i] = FMA(acc[i], m, c);  \
        VT s = acc[0];                                                                        \
        for (int i = 1; i < CH; i++) s = ADD(s, acc[i]);                                      \
        float out[sizeof(VT) / sizeof(float)];                                                \
        memcpy(out, &s, sizeof out);                                                          \
        return out[0];                                                                        \
    }

static float fma256_12(void) FMA_BODY(__m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps, 12)
#ifdef __AVX512F__
static float fma512_16(void) FMA_BODY(__m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps, 16)
static float fma512_24(void) FMA_BODY(__m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps, 24)
#endif

typedef struct job {
    float (*fma)(void);
    const float *src;
    float *dst;
    size_t count;
    double sink;
} job;

static void *run_fma(void *arg)
{
    job *j = arg;
    j->sink = j->fma();
    return NULL;
}

static void *run_read(void *arg)
{
    job *j = arg;
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (size_t i = 0; i + 32 <= j->count; i += 32) {
        s0 = _mm256_add_ps(s0, _mm256_loadu_ps(j->src + i));
        s1 = _mm256_add_ps(s1, _mm256_loadu_ps(j->src + i + 8));
        s2 = _mm256_add_ps(s2, _mm256_loadu_ps(j->src + i + 16));
        s3 = _mm256_add_ps(s3, _mm256_loadu_ps(j->src + i + 24));
    }
    float out[8];
    _mm256_storeu_ps(out, _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    j->sink = out[0];
    return NULL;
}

static void *run_copy(void *arg)
{
    job *j = arg;
    memcpy(j->dst, j->src, j->count * sizeof(float));
    return NULL;
}

/* The copy in vectors with cached stores (each written line is read into
 * the cache first) or streamed ones (written straight to memory), the two
 * bounds on a kernel that stores one way or the other. */
static void copy_vectors(job *j, int stream)
{
    size_t i = 0;
    for (; i + 32 <= j->count && (uintptr_t)(j->dst + i) % 32; i++) j->dst[i] = j->src[i];
    for (; i + 32 <= j->count; i += 32)
        for (int k = 0; k < 32; k += 8) {
            const __m256 v = _mm256_loadu_ps(j->src + i + k);
            if (stream)
                _mm256_stream_ps(j->dst + i + k, v);
            else
                _mm256_store_ps(j->dst + i + k, v);
        }
    for (; i < j->count; i++) j->dst[i] = j->src[i];
    _mm_sfence();
}

static void *run_copy_cached(void *arg)
{
    copy_vectors(arg, 0);
    return NULL;
}

static void *run_copy_streamed(void *arg)
{
    copy_vectors(arg, 1);
    return NULL;
}

/* Runs fn on `threads` threads, each on its share of the buffers; best
 * seconds of `runs`. */
static double timed(void *(*fn)(void *), int threads, float (*fma)(void), const float *src,
                    float *dst, size_t count, int runs)
{
    pthread_t tid[256];
    job jobs[256];
    double best = 1e30;
    for (int r = 0; r < runs; r++) {
        const double t0 = now_s();
        for (int t = 0; t < threads; t++) {
            size_t share = count / threads;
            jobs[t] = (job){fma, src + t * share, dst ? dst + t * share : NULL, share, 0};
            pthread_create(&tid[t], NULL, fn, &jobs[t]);
        }
        for (int t = 0; t < threads; t++) pthread_join(tid[t], NULL);
        const double dt = now_s() - t0;
        if (dt < best) best = dt;
    }
    return best;
}

static void report_fma(const char *what, float (*fma)(void), int lanes, int chains, int threads)
{
    const double t = timed(run_fma, threads, fma, NULL, NULL, 0, 3);
    printf("FMA %-26s %7.1f GFLOP/s\n", what,
           2.0 * lanes * chains * (double)REPS * threads / t / 1e9);
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1 || threads > 256) threads = 1;
    printf("threads %d\n", threads);
    report_fma("float32 12 x ymm (AVX2)", fma256_12, 8, 12, threads);
#ifdef __AVX512F__
    report_fma("float32 16 x zmm (AVX-512)", fma512_16, 16, 16, threads);
    report_fma("float32 24 x zmm (AVX-512)", fma512_24, 16, 24, threads);
#endif
    /* 256 MiB per buffer, as clconv_device_peak streams. */
    const size_t count = (size_t)64 << 20;
    float *src = aligned_alloc(64, count * sizeof(float));
    float *dst = aligned_alloc(64, count * sizeof(float));
    if (!src || !dst) return 1;
    for (size_t i = 0; i < count; i++) src[i] = dst[i] = 1.0f;
    const double bytes = (double)count * sizeof(float);
    const double tr = timed(run_read, threads, NULL, src, NULL, count, 5);
    const double tc = timed(run_copy, threads, NULL, src, dst, count, 5);
    const double ts = timed(run_copy_streamed, threads, NULL, src, dst, count, 5);
    const double tk = timed(run_copy_cached, threads, NULL, src, dst, count, 5);
    printf("read                           %7.1f GB/s\n", bytes / tr / 1e9);
    printf("copy (read + write)            %7.1f GB/s\n", 2 * bytes / tc / 1e9);
    printf("streamed-store copy            %7.1f GB/s\n", 2 * bytes / ts / 1e9);
    printf("cached-store copy              %7.1f GB/s\n", 2 * bytes / tk / 1e9);
    free(src);
    free(dst);
    return 0;
}
