/*
 * Concurrent use, as clconv.h promises it: several threads sharing one
 * runtime run host-form and buffer-form convolutions at once (sharing the
 * program cache, scratch pool and queue) and all results are right; threads
 * create and destroy runtimes of their own at the same time; threads asking
 * for the same program or FFT plan while it is made share one build; while
 * one thread is held inside an FFT plan's creation, another thread's direct,
 * automatic and FFT calls (with plans of their own) all complete; and
 * failures in different threads keep their own last-error messages.
 * Threads never assert: they report to the main thread, which does.
 */
#include "fft.h"
#include "harness.h"
#include "suites.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define THREADS 4
#define CASES_PER_THREAD 40

typedef struct worker {
    clconv_runtime *rt; /* shared, or NULL: the worker makes its own */
    int id;
    int failed;
    char msg[1024];
} worker;

/* The worker's case number i: kinds, forms, precisions and shapes differ
 * between threads and between a thread's cases. */
static conv_case worker_case(int id, int i)
{
    static const size_t shapes[][4] = {{1, 1000, 1, 31}, {1, 4099, 1, 64}, {1, 17, 1, 40},
                                       {37, 53, 5, 5},   {64, 64, 3, 3},   {10, 300, 7, 2},
                                       {80, 81, 9, 9},   {5, 500, 1, 17}};
    const size_t *sh = shapes[(size_t)(id * 3 + i) % (sizeof shapes / sizeof shapes[0])];
    conv_kind kind = sh[0] == 1 ? CONV_1D : (i % 3 == 0 ? CONV_SEPARABLE : CONV_2D);
    conv_case c = {
        .kind = kind,
        .form = (id + i) % 2 ? FORM_DEVICE : FORM_HOST,
        .dtype = (id + i / 2) % 2 ? CLCONV_F64 : CLCONV_F32,
        .mode = (clconv_mode)((id + i) % 3),
        .method = CLCONV_METHOD_DIRECT,
        .correlate = i % 2,
        .batch = 1 + (size_t)(i % 3),
        .rows = sh[0],
        .cols = sh[1],
        .krows = sh[2],
        .kcols = sh[3],
        .integer = (id + i) % 4 == 0,
        .seed = (uint64_t)(100 * id + i),
    };
    return c;
}

static void *work(void *arg)
{
    worker *w = arg;
    clconv_runtime *rt = w->rt;
    clconv_device_info info;
    int st = rt ? CLCONV_OK : clconv_runtime_create(&rt, NULL);

    if (st != CLCONV_OK) {
        w->failed = 1;
        snprintf(w->msg, sizeof w->msg, "clconv_runtime_create: %s: %s", clconv_status_name(st),
                 clconv_last_error(NULL));
        return NULL;
    }
    st = clconv_runtime_device(rt, &info);
    if (st != CLCONV_OK) {
        w->failed = 1;
        snprintf(w->msg, sizeof w->msg, "clconv_runtime_device: %s: %s", clconv_status_name(st),
                 clconv_last_error(rt));
    }
    for (int i = 0; i < CASES_PER_THREAD && !w->failed; i++) {
        conv_case c = worker_case(w->id, i);
        if (c.dtype == CLCONV_F64 && !info.fp64) continue;
        w->failed = conv_case_try(rt, &c, w->msg, sizeof w->msg) != 0;
    }
    if (!w->rt) clconv_runtime_destroy(rt);
    return NULL;
}

/* Runs THREADS workers on rt (NULL: one runtime each) and asserts on the
 * first failure any of them saw. */
static void run_workers(clconv_runtime *rt)
{
    pthread_t t[THREADS];
    worker w[THREADS];

    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){.rt = rt, .id = i};
        ck_assert_int_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) ck_assert_int_eq(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < THREADS; i++) ck_assert_msg(!w[i].failed, "thread %d: %s", i, w[i].msg);
}

START_TEST(test_threads_share_runtime)
{
    run_workers(test_runtime());
}
END_TEST

START_TEST(test_threads_own_runtimes)
{
    run_workers(NULL);
}
END_TEST

/* Workers that all run one case, the same in each thread. */
typedef struct same_worker {
    worker w;
    const conv_case *c;
} same_worker;

static void *same_case(void *arg)
{
    same_worker *s = arg;
    s->w.failed = conv_case_try(s->w.rt, s->c, s->w.msg, sizeof s->w.msg) != 0;
    return NULL;
}

/* Runs case c in THREADS threads at once on a fresh runtime without a disk
 * cache, then once on another, and returns the two runtimes' cache
 * figures: threads meet while the case's programs and plans are made. */
static void same_case_threaded(const conv_case *c, clconv_cache_stats *threaded,
                               clconv_cache_stats *single)
{
    clconv_runtime_options o = {0};
    clconv_runtime *rt = NULL;
    o.disk_cache = -1;
    ASSERT_OK(NULL, clconv_runtime_create_ex(&rt, &o));
    pthread_t t[THREADS];
    same_worker s[THREADS];
    for (int i = 0; i < THREADS; i++) {
        s[i] = (same_worker){.w = {.rt = rt, .id = i}, .c = c};
        ck_assert_int_eq(pthread_create(&t[i], NULL, same_case, &s[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) ck_assert_int_eq(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < THREADS; i++)
        ck_assert_msg(!s[i].w.failed, "thread %d: %s", i, s[i].w.msg);
    ASSERT_OK(rt, clconv_runtime_cache_stats(rt, threaded));
    clconv_runtime_destroy(rt);

    ASSERT_OK(NULL, clconv_runtime_create_ex(&rt, &o));
    same_worker one = {.w = {.rt = rt}, .c = c};
    same_case(&one);
    ck_assert_msg(!one.w.failed, "%s", one.w.msg);
    ASSERT_OK(rt, clconv_runtime_cache_stats(rt, single));
    clconv_runtime_destroy(rt);
}

START_TEST(test_threads_build_once)
{
    /* A program is built once however many threads ask for it together:
     * the others wait for that build and reuse it, and all results are
     * right; one thread alone builds as many programs. */
    const conv_case c = {.kind = CONV_1D, .form = FORM_HOST, .dtype = CLCONV_F32,
                         .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT, .batch = 1,
                         .rows = 1, .cols = 777, .krows = 1, .kcols = 21, .seed = 4242};
    clconv_cache_stats threaded, single;
    same_case_threaded(&c, &threaded, &single);
    ck_assert_uint_gt(single.builds, 0);
    ck_assert_uint_eq(threaded.builds, single.builds);
}
END_TEST

/* ---- FFT plans made outside the cache's lock ------------------------------ */

START_TEST(test_threads_plan_once)
{
    /* Threads needing the same FFT plans at once on an empty plan cache
     * create each plan once, as one thread does. */
    const conv_case c = {.kind = CONV_1D, .form = FORM_HOST, .dtype = CLCONV_F32,
                         .mode = CLCONV_MODE_FULL, .method = CLCONV_METHOD_FFT, .batch = 1,
                         .rows = 1, .cols = 3000, .krows = 1, .kcols = 200, .seed = 77};
    clconv_cache_stats threaded, single;
    same_case_threaded(&c, &threaded, &single);
    ck_assert_uint_gt(single.plans_created, 0);
    ck_assert_uint_eq(threaded.plans_created, single.plans_created);
    ck_assert_uint_eq(threaded.plans_created + threaded.plan_hits,
                      THREADS * (single.plans_created + single.plan_hits));
}
END_TEST

/* The plan-build hook's state: it holds the first plan creation to reach a
 * kernel build until the main thread releases it. One lock and condition
 * serve the hook and the workers' "done" flags. */
typedef struct hold {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int seen;       /* the hook has held its one creation */
    int held;       /* it is holding it now */
    int released;   /* the main thread lets it go on */
    int done[2];    /* the holder's and the other worker's calls returned */
} hold;

static void hold_first_build(const clconv__fft_key *key, void *arg)
{
    hold *h = arg;
    (void)key;
    pthread_mutex_lock(&h->lock);
    if (!h->seen) {
        h->seen = h->held = 1;
        pthread_cond_broadcast(&h->changed);
        while (!h->released) pthread_cond_wait(&h->changed, &h->lock);
        h->held = 0;
    }
    pthread_mutex_unlock(&h->lock);
}

typedef struct held_worker {
    worker w;
    hold *h;
    int index;                /* its slot in h->done */
    const conv_case *cases;
    size_t count;
} held_worker;

static void *held_work(void *arg)
{
    held_worker *hw = arg;
    for (size_t i = 0; i < hw->count && !hw->w.failed; i++)
        hw->w.failed = conv_case_try(hw->w.rt, &hw->cases[i], hw->w.msg, sizeof hw->w.msg) != 0;
    pthread_mutex_lock(&hw->h->lock);
    hw->h->done[hw->index] = 1;
    pthread_cond_broadcast(&hw->h->changed);
    pthread_mutex_unlock(&hw->h->lock);
    return NULL;
}

START_TEST(test_threads_plan_build_blocks_nothing)
{
    /* One thread's FFT call is held inside its first plan's kernel build.
     * Meanwhile another thread on the same runtime runs a direct call, an
     * automatic one (the cost model asks the plan cache what is cached) and
     * 2-D FFT calls, whose plans are others and are created while the first
     * is held. All of them must return before the hold is released; the
     * wait for them is bounded only so that a failure ends the test. */
    static const conv_case holder[] = {
        {.kind = CONV_1D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_FULL,
         .method = CLCONV_METHOD_FFT, .batch = 1, .rows = 1, .cols = 5000, .krows = 1,
         .kcols = 300, .seed = 11},
    };
    static const conv_case others[] = {
        {.kind = CONV_1D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_DIRECT, .batch = 1, .rows = 1, .cols = 1000, .krows = 1,
         .kcols = 5, .seed = 12},
        {.kind = CONV_1D, .form = FORM_DEVICE, .dtype = CLCONV_F32, .mode = CLCONV_MODE_SAME,
         .method = CLCONV_METHOD_AUTO, .batch = 2, .rows = 1, .cols = 1000, .krows = 1,
         .kcols = 5, .seed = 13},
        {.kind = CONV_2D, .form = FORM_HOST, .dtype = CLCONV_F32, .mode = CLCONV_MODE_FULL,
         .method = CLCONV_METHOD_FFT, .batch = 1, .rows = 40, .cols = 50, .krows = 7,
         .kcols = 7, .seed = 14},
    };
    hold h = {0};
    ck_assert_int_eq(pthread_mutex_init(&h.lock, NULL), 0);
    ck_assert_int_eq(pthread_cond_init(&h.changed, NULL), 0);
    clconv_runtime_options o = {0};
    clconv_runtime *rt = NULL;
    o.disk_cache = -1;
    ASSERT_OK(NULL, clconv_runtime_create_ex(&rt, &o));
    held_worker hw[2] = {
        {.w = {.rt = rt}, .h = &h, .index = 0, .cases = holder, .count = 1},
        {.w = {.rt = rt, .id = 1}, .h = &h, .index = 1, .cases = others,
         .count = sizeof others / sizeof others[0]},
    };
    pthread_t t[2];
    clconv__fft_set_build_hook(hold_first_build, &h);

    ck_assert_int_eq(pthread_create(&t[0], NULL, held_work, &hw[0]), 0);
    pthread_mutex_lock(&h.lock);
    while (!h.held && !h.done[0]) pthread_cond_wait(&h.changed, &h.lock);
    const int was_held = h.held;
    pthread_mutex_unlock(&h.lock);

    int others_done = 0;
    if (was_held) {
        ck_assert_int_eq(pthread_create(&t[1], NULL, held_work, &hw[1]), 0);
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += 180;
        pthread_mutex_lock(&h.lock);
        while (!h.done[1] && pthread_cond_timedwait(&h.changed, &h.lock, &deadline) == 0) {
        }
        others_done = h.done[1] && h.held;
        h.released = 1;
        pthread_cond_broadcast(&h.changed);
        pthread_mutex_unlock(&h.lock);
        ck_assert_int_eq(pthread_join(t[1], NULL), 0);
    }
    ck_assert_int_eq(pthread_join(t[0], NULL), 0);
    clconv__fft_set_build_hook(NULL, NULL);
    clconv_runtime_destroy(rt);
    pthread_cond_destroy(&h.changed);
    pthread_mutex_destroy(&h.lock);

    ck_assert_msg(!hw[0].w.failed, "held thread: %s", hw[0].w.msg);
    ck_assert_msg(was_held, "the FFT call built no plan kernel");
    ck_assert_msg(!hw[1].w.failed, "other thread: %s", hw[1].w.msg);
    ck_assert_msg(others_done, "the other thread's calls waited for the held plan creation");
}
END_TEST

typedef struct failer {
    clconv_runtime *rt;
    size_t n; /* a length unique to the thread, quoted in its error */
    int status;
    char msg[1024];
} failer;

static void *fail_many(void *arg)
{
    failer *f = arg;
    const float x = 1.0f;
    float y;

    /* n * 3 overflows: rejected before any memory is touched. */
    for (int i = 0; i < 200; i++) {
        f->status = clconv_conv1d_host(f->rt, CLCONV_F32, &x, f->n, 3, &x, 1, &y, NULL);
        snprintf(f->msg, sizeof f->msg, "%s", clconv_last_error(f->rt));
    }
    return NULL;
}

START_TEST(test_threads_own_last_error)
{
    pthread_t t[THREADS];
    failer f[THREADS];
    char expect[64];

    for (int i = 0; i < THREADS; i++) {
        f[i] = (failer){.rt = test_runtime(), .n = SIZE_MAX / 2 + 1 + (size_t)i};
        ck_assert_int_eq(pthread_create(&t[i], NULL, fail_many, &f[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) ck_assert_int_eq(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < THREADS; i++) {
        ck_assert_int_eq(f[i].status, CLCONV_EOVERFLOW);
        snprintf(expect, sizeof expect, "%zu", f[i].n);
        ck_assert_msg(strstr(f[i].msg, expect) != NULL, "thread %d saw \"%s\", not its own %s", i,
                      f[i].msg, expect);
    }
}
END_TEST

Suite *clconv_test_suite_threads(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = test_tcase("concurrent");

    tcase_add_test(tc, test_threads_share_runtime);
    tcase_add_test(tc, test_threads_own_runtimes);
    tcase_add_test(tc, test_threads_own_last_error);
    tcase_add_test(tc, test_threads_build_once);
    tcase_add_test(tc, test_threads_plan_once);
    tcase_add_test(tc, test_threads_plan_build_blocks_nothing);
    suite_add_tcase(s, tc);
    return s;
}
