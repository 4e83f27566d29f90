/*
 * Real-to-complex transforms through VkFFT's OpenCL backend, and the
 * runtime's cache of VkFFT applications (plans). This is the only
 * translation unit that includes vkFFT.h (a header-only library whose
 * functions are all static), so VkFFT and the three OpenCL wrappers it is
 * compiled against stay private to it:
 *
 * - clGetDeviceInfo: VkFFT sizes its single-kernel transforms from
 *   CL_DEVICE_LOCAL_MEM_SIZE, which it reads itself and which its
 *   configuration cannot override. POCL's CPU device reports 1 MiB, and
 *   VkFFT then runs transforms that fill it in one 4096-item work-group;
 *   POCL keeps per-item state across barriers on a worker thread's stack,
 *   which such work-groups overflow (pocl issue 1525): a SIGSEGV in a POCL
 *   worker for float32 C2C plans of 98304 to 131072 points, R2C of 98304 to
 *   262144, and float64 R2C of 65536, with POCL 3.1. Reporting at most
 *   512 KiB removes the crash (the fft suite sweeps that band) at no cost in
 *   speed; below that the figure is chosen per plan for speed
 *   (local_mem_ceiling).
 * - clCreateProgramWithSource and clBuildProgram: VkFFT's generated kernels
 *   are built through the runtime's program cache, so a later process loads
 *   their binaries instead of compiling. VkFFT's own binary cache
 *   (saveApplicationToString) cannot serve: version 1.2.26 copies OpenCL
 *   binaries with sprintf("%s"), which stops at the first zero byte.
 *
 * A plan costs about a second of compilation per kernel on a cold cache,
 * then 2 ms plus its twiddle tables (about 40 ns a point) once cached, so
 * plans are kept per runtime by (extents, count, precision, direction),
 * least recently used first out.
 *
 * On devices whose buffers live in host memory the same cache holds FFTW
 * plans instead (fft_host.c; the runtime's backend, clconv__fft_backend_choose):
 * one cache, one lock discipline, whichever backend makes the plans.
 *
 * The cache's lock guards lookups and stores only. A plan is created outside
 * it: its entry goes into the list marked as building, threads asking for
 * the same key wait on the cache's condition variable, and everything else
 * (other plans, including their creation, and the cost model's questions
 * about what is cached) goes on. A plan's own launch lock serialises the
 * threads enqueueing its transforms.
 */
#include "fft.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* State the OpenCL wrappers below read while the calling thread creates a
 * plan. Thread-local because plans (of one runtime or several) are created
 * by several threads at once; outside plan creation rt is NULL and the
 * wrappers pass through. */
static _Thread_local struct {
    clconv_runtime *rt;
    const clconv__fft_key *key; /* the plan being created */
    cl_ulong local_mem_ceiling; /* 0: report the device's own figure */
    cl_program prebuilt;        /* built by the program cache: skip VkFFT's build */
} vkfft_hook;

static cl_int vkfft_get_device_info(cl_device_id device, cl_device_info param, size_t size,
                                    void *value, size_t *size_ret)
{
    cl_int err = clGetDeviceInfo(device, param, size, value, size_ret);
    cl_ulong ceiling = vkfft_hook.local_mem_ceiling;
    if (err == CL_SUCCESS && param == CL_DEVICE_LOCAL_MEM_SIZE && value &&
        size >= sizeof(cl_ulong) && ceiling && *(cl_ulong *)value > ceiling)
        *(cl_ulong *)value = ceiling;
    return err;
}

/* VkFFT generates OpenCL source per plan and builds it. Building through
 * the runtime's program cache instead loads a stored binary when there is
 * one: on POCL that takes a plan from about 150 ms to under 30, because
 * POCL's own cache still preprocesses the source to find its entry. */
/* Called as each plan's kernels start to build (clconv__fft_set_build_hook). */
static void (*build_hook)(const clconv__fft_key *key, void *arg);
static void *build_hook_arg;

void clconv__fft_set_build_hook(void (*hook)(const clconv__fft_key *key, void *arg), void *arg)
{
    build_hook = hook;
    build_hook_arg = arg;
}

static cl_program vkfft_create_program(cl_context ctx, cl_uint count, const char **strings,
                                       const size_t *lengths, cl_int *err)
{
    clconv_runtime *rt = vkfft_hook.rt;
    if (rt && build_hook) build_hook(vkfft_hook.key, build_hook_arg);
    if (!rt || count != 1) return clCreateProgramWithSource(ctx, count, strings, lengths, err);
    size_t len = lengths && lengths[0] ? lengths[0] : strlen(strings[0]);
    cl_program prog = NULL;
    int status = clconv__program_from_source(rt, "vkfft", strings[0], len, "", &prog);
    vkfft_hook.prebuilt = status == 0 ? prog : NULL;
    if (err) *err = status == 0 ? CL_SUCCESS : CL_BUILD_PROGRAM_FAILURE;
    return status == 0 ? prog : NULL;
}

static cl_int vkfft_build_program(cl_program prog, cl_uint ndev, const cl_device_id *devices,
                                  const char *options, void(CL_CALLBACK *notify)(cl_program, void *),
                                  void *data)
{
    if (prog && prog == vkfft_hook.prebuilt) {
        vkfft_hook.prebuilt = NULL;
        return CL_SUCCESS;
    }
    return clBuildProgram(prog, ndev, devices, options, notify, data);
}

#define clGetDeviceInfo vkfft_get_device_info
#define clCreateProgramWithSource vkfft_create_program
#define clBuildProgram vkfft_build_program
#define VKFFT_BACKEND 3
#include <vkFFT.h>
#undef clGetDeviceInfo
#undef clCreateProgramWithSource
#undef clBuildProgram

/* Plans kept per runtime; each holds device memory for its twiddle tables. */
#define PLAN_CACHE_MAX 24

/* The largest local memory VkFFT may assume anywhere (the crash cure), and
 * the bounds of the per-size choice below. */
#define LOCAL_MEM_MAX ((cl_ulong)512 << 10)
#define LOCAL_MEM_MIN ((cl_ulong)32 << 10)

typedef struct fft_plan {
    struct fft_plan *next;
    clconv__fft_key key;
    /* Under the cache's lock: */
    int building;           /* 1 while its first thread creates it; nothing below is
                               set until it is 0 */
    unsigned users;         /* threads holding it to launch (or create) it: it is not
                               evicted while any do */
    unsigned long last_use;
    /* Held while a thread enqueues the plan's transforms: VkFFT sets the
     * arguments of the plan's own kernel objects, and reads slots, at each
     * launch. A leaf lock: nothing else is taken under it. */
    pthread_mutex_t launch;
    VkFFTApplication app;
    /* VkFFT keeps pointers to these for the application's life and reads the
     * handles at each launch, so they live here rather than on a stack. */
    cl_mem slots[2];        /* [0]: data, [1]: work buffer */
    uint64_t bytes[2];
    int needs_temp;         /* a multi-pass axis reorders through slots[1] */
    /* The host backend's plan instead of app (NULL for VkFFT plans). Its
     * launches need no launch lock: FFTW's execute functions are
     * thread-safe. */
    clconv__fft_host_plan *host;
} fft_plan;

struct clconv__fft_cache {
    pthread_mutex_t lock;   /* guards what follows and the entries' building, users and
                               last_use; a leaf, never held while a plan is created
                               or launched */
    pthread_cond_t built;   /* a plan being created is ready, or its creation failed */
    fft_plan *plans;
    size_t count;           /* entries, building ones included */
    unsigned long clock;
    unsigned long generation; /* bumped whenever a plan becomes ready or is evicted */
    unsigned long hits, created; /* for clconv_runtime_cache_stats */
    int host;               /* plans are FFTW's (fft_host.c), not VkFFT's; set once
                               at runtime creation */
};

static const char *vkfft_error_name(VkFFTResult r)
{
    switch (r) {
    case VKFFT_ERROR_MALLOC_FAILED: return "host allocation failed";
    case VKFFT_ERROR_UNSUPPORTED_RADIX: return "unsupported radix";
    case VKFFT_ERROR_UNSUPPORTED_FFT_LENGTH: return "unsupported length";
    case VKFFT_ERROR_UNSUPPORTED_FFT_LENGTH_R2C: return "unsupported real-to-complex length";
    case VKFFT_ERROR_FAILED_TO_ALLOCATE: return "device allocation failed";
    case VKFFT_ERROR_FAILED_TO_CREATE_PROGRAM: return "clCreateProgram failed";
    case VKFFT_ERROR_FAILED_TO_COMPILE_PROGRAM: return "clBuildProgram failed";
    case VKFFT_ERROR_FAILED_TO_CREATE_SHADER_MODULE: return "clCreateKernel failed";
    case VKFFT_ERROR_FAILED_TO_LAUNCH_KERNEL: return "clEnqueueNDRangeKernel failed";
    case VKFFT_ERROR_FAILED_TO_SET_KERNEL_ARG: return "clSetKernelArg failed";
    case VKFFT_ERROR_FAILED_TO_GET_ATTRIBUTE: return "clGetDeviceInfo failed";
    default: return "see VkFFTResult in vkFFT.h";
    }
}

static int vkfft_status(VkFFTResult r)
{
    switch (r) {
    case VKFFT_ERROR_MALLOC_FAILED: return CLCONV_ENOMEM;
    case VKFFT_ERROR_FAILED_TO_ALLOCATE: return CLCONV_EDEVMEM;
    default: return CLCONV_EFFT;
    }
}

/* The local-memory size VkFFT is shown for a plan; 0 shows the device's
 * own. Devices other than CPUs keep their figure up to LOCAL_MEM_MAX. On a
 * CPU (POCL), measured with 2^22 points a launch, float32:
 * - 1-D: a real sequence whose complex data takes D bytes ran 3 to 8 times
 *   slower when the ceiling C lay between D and 2D (one work-group holds the
 *   whole sequence) than with C = D/2 (two passes) or C >= 4D (several
 *   sequences a group). So C = D/2 above 16 KiB of data, else 64 KiB.
 * - 2-D: VkFFT reads columns in 64-byte chunks, so column passes want the
 *   full ceiling: 2048 x 2048 took 17 ms with 512 KiB, 23 ms with 64 KiB. */
static cl_ulong local_mem_ceiling(const clconv_runtime *rt, const clconv__fft_key *key)
{
    const cl_ulong reported = rt->info.local_mem_bytes;
    cl_ulong c = LOCAL_MEM_MAX;
    if (rt->info.type != CLCONV_DEVICE_CPU) return reported > LOCAL_MEM_MAX ? LOCAL_MEM_MAX : 0;
    if (key->len[0] == 1 && clconv__fft_depth(key) == 1) {
        cl_ulong data = (cl_ulong)(key->len[1] / 2) * 2 * clconv_dtype_size(key->dtype);
        c = data <= ((cl_ulong)16 << 10) ? (cl_ulong)64 << 10 : data / 2;
        if (c < LOCAL_MEM_MIN) c = LOCAL_MEM_MIN;
        if (c > LOCAL_MEM_MAX) c = LOCAL_MEM_MAX;
    }
    return c < reported ? c : reported;
}

/* Plans up to this size are run once when created (plan_warm). */
#define WARM_MAX_BYTES ((uint64_t)256 << 20)

/* Runs a new plan once, on a queue of its own and on buffers of its own
 * (whatever they hold), on CPU devices: POCL compiles each kernel for its
 * work-group size at its first launch, on the queue that runs it and behind
 * the driver's one compiler lock, so a first launch on the runtime's queue
 * would hold up every call queued behind it while any program anywhere in
 * the process builds. Failures only leave that compilation to the first
 * real launch. */
static void plan_warm(clconv_runtime *rt, fft_plan *p)
{
    if (rt->info.type != CLCONV_DEVICE_CPU || p->bytes[0] > WARM_MAX_BYTES) return;
    cl_int err;
    cl_command_queue q = clCreateCommandQueue(rt->ctx, rt->device, 0, &err);
    if (err != CL_SUCCESS) return;
    cl_mem saved[2] = {p->slots[0], p->slots[1]};
    cl_mem mem[2] = {NULL, NULL};
    for (int i = 0; i < 1 + p->needs_temp && err == CL_SUCCESS; i++)
        mem[i] = clCreateBuffer(rt->ctx, CL_MEM_READ_WRITE, p->bytes[i], NULL, &err);
    if (err == CL_SUCCESS) {
        p->slots[0] = mem[0];
        p->slots[1] = mem[1];
        VkFFTLaunchParams launch;
        memset(&launch, 0, sizeof launch);
        launch.commandQueue = &q;
        launch.buffer = &p->slots[0];
        if (mem[1]) launch.tempBuffer = &p->slots[1];
        if (VkFFTAppend(&p->app, p->key.inverse ? 1 : -1, &launch) == VKFFT_SUCCESS)
            (void)clFinish(q);
        p->slots[0] = saved[0];
        p->slots[1] = saved[1];
    }
    for (int i = 0; i < 2; i++)
        if (mem[i]) clReleaseMemObject(mem[i]);
    clReleaseCommandQueue(q);
}

/* Creates the VkFFT application of entry p (its key set), or its FFTW
 * plan on the host backend, with no lock held: on a cold cache this
 * compiles kernels (or measures FFTW plans) for seconds. On failure nothing
 * of the plan is left to release. */
static int plan_create(clconv_runtime *rt, fft_plan *p)
{
    const clconv__fft_key *key = &p->key;
#ifdef CLCONV_FFTW
    if (rt->fft_cache->host) {
        /* An FFTW plan has no kernels: the hook stands at its planning,
         * with no lock held. (FFTW's planner itself is one lock for the
         * process, fft_host.c: two plans are made one after the other, while
         * cached plans and everything else go on.) */
        if (build_hook) build_hook(key, build_hook_arg);
        return clconv__fft_host_plan_create(rt, key, &p->host);
    }
#endif
    size_t bytes;
    const size_t depth = clconv__fft_depth(key);
    if (clconv__mul_ok(clconv__fft_reals(key->len), key->count, &bytes) ||
        clconv__mul_ok(bytes, depth, &bytes) ||
        clconv__mul_ok(bytes, clconv_dtype_size(key->dtype), &bytes))
        return CLCONV_FAIL(rt, CLCONV_EOVERFLOW, "FFT of %zu x %zu x %zu (count %zu) overflows",
                           depth, key->len[0], key->len[1], key->count);
    p->bytes[0] = p->bytes[1] = bytes;

    VkFFTConfiguration cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.FFTdim = depth > 1 ? 3 : key->len[0] > 1 ? 2 : 1;
    cfg.size[0] = key->len[1];
    cfg.size[1] = key->len[0];
    cfg.size[2] = depth;
    cfg.numberBatches = key->count;
    cfg.performR2C = 1;
    /* VkFFT would otherwise transform pairs of real sequences as one complex
     * one, which leaves each with an error relative to its partner's
     * magnitude: a quiet signal beside a loud one in a batch, or a kernel
     * beside a signal block, would lose digits. Separate transforms measured
     * as fast here. */
    cfg.disableMergeSequencesR2C = 1;
    cfg.doublePrecision = key->dtype == CLCONV_F64;
    cfg.makeForwardPlanOnly = !key->inverse;
    cfg.makeInversePlanOnly = key->inverse;
    /* Past 2^32 elements the generated kernels need 64-bit indices. */
    cfg.useUint64 = bytes / clconv_dtype_size(key->dtype) > UINT32_MAX;
    cfg.platform = &rt->platform;
    cfg.device = &rt->device;
    cfg.context = &rt->ctx;
    cfg.buffer = &p->slots[0];
    cfg.bufferSize = &p->bytes[0];
    /* The reorder buffer of multi-pass axes comes from the scratch pool at
     * each launch instead of being held by every cached plan. */
    cfg.userTempBuffer = 1;
    cfg.tempBuffer = &p->slots[1];
    cfg.tempBufferSize = &p->bytes[1];

    const double t0 = clconv__now_s();
    vkfft_hook.rt = rt;
    vkfft_hook.key = key;
    vkfft_hook.local_mem_ceiling = local_mem_ceiling(rt, key);
    VkFFTResult r = initializeVkFFT(&p->app, cfg);
    vkfft_hook.rt = NULL;
    vkfft_hook.key = NULL;
    vkfft_hook.local_mem_ceiling = 0;
    vkfft_hook.prebuilt = NULL;
    if (r == VKFFT_SUCCESS) {
        VkFFTPlan *plan = key->inverse ? p->app.localFFTPlan_inverse : p->app.localFFTPlan;
        for (uint64_t axis = 0; axis < p->app.configuration.FFTdim; axis++)
            if (plan->numAxisUploads[axis] > 1) p->needs_temp = 1;
        plan_warm(rt, p);
    }
    const double created_ms = (clconv__now_s() - t0) * 1e3;
    if (r != VKFFT_SUCCESS) {
        /* initializeVkFFT releases what it made before returning an error. A
         * failed build left its log in the last error: keep it. */
        char cause[1024] = "";
        if (r == VKFFT_ERROR_FAILED_TO_CREATE_PROGRAM)
            snprintf(cause, sizeof cause, ": %s", clconv_last_error(rt));
        return CLCONV_FAIL(rt, vkfft_status(r),
                           "VkFFT could not plan a %s %s FFT of %zu x %zu (count %zu) on '%s': "
                           "error %d (%s)%s",
                           key->dtype == CLCONV_F64 ? "float64" : "float32",
                           key->inverse ? "inverse" : "forward", key->len[0], key->len[1],
                           key->count, rt->info.name, (int)r, vkfft_error_name(r), cause);
    }
    clconv__note(rt,
                 "FFT plan %zu x %zu count %zu %s %s: created in %.0f ms (local memory seen: "
                 "%" PRIu64 " KiB)",
                 key->len[0], key->len[1], key->count, key->dtype == CLCONV_F64 ? "f64" : "f32",
                 key->inverse ? "inverse" : "forward",
                 created_ms,
                 (uint64_t)p->app.configuration.sharedMemorySize >> 10);
    return 0;
}

/* Frees an entry; ready says whether its application was created. */
static void entry_free(fft_plan *p, int ready)
{
#ifdef CLCONV_FFTW
    if (p->host) clconv__fft_host_plan_destroy(p->host, p->key.dtype);
    else
#endif
    if (ready) deleteVkFFT(&p->app);
    pthread_mutex_destroy(&p->launch);
    free(p);
}

static int key_equal(const clconv__fft_key *a, const clconv__fft_key *b)
{
    return a->len[0] == b->len[0] && a->len[1] == b->len[1] && a->count == b->count &&
           clconv__fft_depth(a) == clconv__fft_depth(b) &&
           a->dtype == b->dtype && a->inverse == b->inverse && a->threads == b->threads &&
           a->depth_pass == b->depth_pass;
}

int clconv__fft_backend_choose(clconv_runtime *rt)
{
    /* Errors go to the thread's last error without a runtime: rt is not
     * handed out until its creation succeeds. */
    const char *env = getenv("CLCONV_FFT_BACKEND");
    if (!env || !*env) env = "auto";
    RETURN_IF(NULL, strcmp(env, "auto") != 0 && strcmp(env, "vkfft") != 0 &&
                      strcmp(env, "host") != 0,
              CLCONV_EINVAL, "CLCONV_FFT_BACKEND='%s': expected vkfft, host or auto", env);
#ifdef CLCONV_FFTW
    const int host_ok = rt->host_unified;
    RETURN_IF(NULL, strcmp(env, "host") == 0 && !host_ok, CLCONV_EINVAL,
              "CLCONV_FFT_BACKEND=host: device '%s' does not share host memory", rt->info.name);
    rt->fft_cache->host = strcmp(env, "host") == 0 ||
                          (strcmp(env, "auto") == 0 && host_ok &&
                           rt->info.type == CLCONV_DEVICE_CPU);
#else
    RETURN_IF(NULL, strcmp(env, "host") == 0, CLCONV_EINVAL,
              "CLCONV_FFT_BACKEND=host: this clconv was built without FFTW (CLCONV_FFTW=OFF)");
#endif
    clconv__note(rt, "FFT backend: %s (CLCONV_FFT_BACKEND=%s)", clconv__fft_backend_name(rt), env);
    return 0;
}

const char *clconv__fft_backend_name(const clconv_runtime *rt)
{
    return rt->fft_cache->host ? "host FFTW" : "VkFFT";
}

int clconv__fft_cache_create(clconv_runtime *rt)
{
    struct clconv__fft_cache *c = calloc(1, sizeof *c);
    RETURN_IF(rt, !c, CLCONV_ENOMEM, "allocating the FFT plan cache");
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        return CLCONV_FAIL(rt, CLCONV_ENOMEM, "initialising the FFT plan cache's lock");
    }
    if (pthread_cond_init(&c->built, NULL) != 0) {
        pthread_mutex_destroy(&c->lock);
        free(c);
        return CLCONV_FAIL(rt, CLCONV_ENOMEM, "initialising the FFT plan cache's condition");
    }
    rt->fft_cache = c;
    return 0;
}

/* The entry for key, or NULL; called with the cache lock held. */
static fft_plan *find(const struct clconv__fft_cache *c, const clconv__fft_key *key)
{
    for (fft_plan *p = c->plans; p; p = p->next)
        if (key_equal(&p->key, key)) return p;
    return NULL;
}

/* Unlinks the least recently used plan that no thread holds when the cache
 * is over its size, and returns it for the caller to free after unlocking
 * (its kernels may still be queued: VkFFT's OpenCL objects are
 * reference-counted, so releasing them then is safe). NULL when the cache
 * is within its size or every plan is held; called with the lock held. */
static fft_plan *evict(struct clconv__fft_cache *c)
{
    if (c->count <= PLAN_CACHE_MAX) return NULL;
    fft_plan **oldest = NULL;
    for (fft_plan **link = &c->plans; *link; link = &(*link)->next)
        if (!(*link)->building && !(*link)->users &&
            (!oldest || (*link)->last_use < (*oldest)->last_use))
            oldest = link;
    if (!oldest) return NULL;
    fft_plan *victim = *oldest;
    *oldest = victim->next;
    c->count--;
    c->generation++;
    return victim;
}

static void note_key(const clconv_runtime *rt, const clconv__fft_key *key, const char *what)
{
    clconv__note(rt, "FFT plan %zu x %zu x %zu count %zu %s %s: %s (%s)", clconv__fft_depth(key),
                 key->len[0], key->len[1], key->count, key->dtype == CLCONV_F64 ? "f64" : "f32",
                 key->inverse ? "inverse" : "forward", what, clconv__fft_backend_name(rt));
}

/* The ready plan for key, held (users) so that it is not evicted until
 * plan_release: found in the cache, or created by this thread with no lock
 * held while other threads asking for the same key wait for it. */
static int plan_acquire(clconv_runtime *rt, struct clconv__fft_cache *c,
                        const clconv__fft_key *key, fft_plan **out)
{
    pthread_mutex_lock(&c->lock);
    fft_plan *p;
    /* If the creation waited for fails, its entry is gone and this thread
     * tries (and reports) itself. */
    while ((p = find(c, key)) && p->building) pthread_cond_wait(&c->built, &c->lock);
    if (p) {
        p->users++;
        p->last_use = ++c->clock;
        c->hits++;
        pthread_mutex_unlock(&c->lock);
        note_key(rt, key, "cached");
        *out = p;
        return 0;
    }
    p = calloc(1, sizeof *p);
    if (!p || pthread_mutex_init(&p->launch, NULL) != 0) {
        pthread_mutex_unlock(&c->lock);
        free(p);
        return CLCONV_FAIL(rt, CLCONV_ENOMEM, "allocating an FFT plan");
    }
    p->key = *key;
    p->building = 1;
    p->users = 1;
    p->next = c->plans;
    c->plans = p;
    c->count++;
    fft_plan *victim = evict(c);
    pthread_mutex_unlock(&c->lock);
    if (victim) entry_free(victim, 1);

    const int status = plan_create(rt, p);

    pthread_mutex_lock(&c->lock);
    if (status == 0) {
        p->building = 0;
        p->last_use = ++c->clock;
        c->generation++;
        c->created++;
    } else {
        fft_plan **link = &c->plans;
        while (*link != p) link = &(*link)->next;
        *link = p->next;
        c->count--;
    }
    pthread_cond_broadcast(&c->built);
    pthread_mutex_unlock(&c->lock);
    if (status != 0) {
        entry_free(p, 0);
        return status;
    }
    *out = p;
    return 0;
}

/* Lets go of a plan from plan_acquire; a cache left over its size by
 * plans that were held then shrinks here. */
static void plan_release(struct clconv__fft_cache *c, fft_plan *p)
{
    pthread_mutex_lock(&c->lock);
    p->users--;
    fft_plan *victim = evict(c);
    pthread_mutex_unlock(&c->lock);
    if (victim) entry_free(victim, 1);
}

int clconv__fft_execute(clconv_runtime *rt, const clconv__fft_key *key, cl_mem data)
{
    struct clconv__fft_cache *c = rt->fft_cache;
    RETURN_IF(rt, key->len[1] % 2 != 0 || key->len[0] == 0 || key->count == 0, CLCONV_EINVAL,
              "FFT extents %zu x %zu (count %zu): the row length must be even and nothing zero",
              key->len[0], key->len[1], key->count);

    fft_plan *p = NULL;
    FORWARD_IF_ERROR(plan_acquire(rt, c, key, &p));
#ifdef CLCONV_FFTW
    if (p->host) {
        const int host_status = clconv__fft_host_execute(rt, p->host, key, data);
        plan_release(c, p);
        return host_status;
    }
#endif
    cl_mem temp = NULL;
    int status = p->needs_temp ? clconv__scratch_get(rt, p->bytes[1], &temp) : 0;
    if (status == 0) {
        pthread_mutex_lock(&p->launch);
        p->slots[0] = data;
        p->slots[1] = temp;
        VkFFTLaunchParams launch;
        memset(&launch, 0, sizeof launch);
        launch.commandQueue = &rt->queue;
        launch.buffer = &p->slots[0];
        if (temp) launch.tempBuffer = &p->slots[1];
        /* VkFFT enqueues its kernels itself: the fault hook stands in front
         * of the whole launch. */
        VkFFTResult r = clconv__fault("VkFFT")
                            ? VKFFT_ERROR_FAILED_TO_LAUNCH_KERNEL
                            : VkFFTAppend(&p->app, key->inverse ? 1 : -1, &launch);
        pthread_mutex_unlock(&p->launch);
        if (r != VKFFT_SUCCESS)
            status = CLCONV_FAIL(rt, vkfft_status(r),
                                 "VkFFT could not enqueue a %s FFT of %zu x %zu (count %zu): "
                                 "error %d (%s)",
                                 key->inverse ? "inverse" : "forward", key->len[0], key->len[1],
                                 key->count, (int)r, vkfft_error_name(r));
    }
    plan_release(c, p);
    /* The in-order queue runs any later user of the work buffer after the
     * transform, so it can go back to the pool as soon as it is enqueued. */
    clconv__scratch_release(rt, temp);
    return status;
}

int clconv__fft_on_host(const clconv_runtime *rt) { return rt->fft_cache->host; }

int clconv__fft_host_hold(clconv_runtime *rt, const clconv__fft_key *key,
                          clconv__fft_host_plan **plan, void **token)
{
    RETURN_IF(rt, !rt->fft_cache->host, CLCONV_EINVAL,
              "host FFT plans asked for on a runtime whose FFTs run through VkFFT");
    RETURN_IF(rt, key->depth_pass && key->count != 1, CLCONV_EINVAL,
              "a depth pass transforms one volume, not %zu", key->count);
    fft_plan *p = NULL;
    FORWARD_IF_ERROR(plan_acquire(rt, rt->fft_cache, key, &p));
    *plan = p->host;
    *token = p;
    return 0;
}

void clconv__fft_host_let_go(clconv_runtime *rt, void *token)
{
    if (token) plan_release(rt->fft_cache, token);
}

int clconv__fft_prepare(clconv_runtime *rt, const clconv__fft_key *key)
{
    fft_plan *p = NULL;
    FORWARD_IF_ERROR(plan_acquire(rt, rt->fft_cache, key, &p));
    plan_release(rt->fft_cache, p);
    return 0;
}

int clconv__fft_is_cached(clconv_runtime *rt, const clconv__fft_key *key)
{
    struct clconv__fft_cache *c = rt->fft_cache;
    pthread_mutex_lock(&c->lock);
    const fft_plan *p = find(c, key);
    const int ready = p && !p->building;
    pthread_mutex_unlock(&c->lock);
    return ready;
}
unsigned long clconv__fft_generation(clconv_runtime *rt)
{
    struct clconv__fft_cache *c = rt->fft_cache;
    pthread_mutex_lock(&c->lock);
    const unsigned long g = c->generation;
    pthread_mutex_unlock(&c->lock);
    return g;
}

void clconv__fft_cache_counts(const clconv_runtime *rt, unsigned long *hits,
                              unsigned long *created)
{
    struct clconv__fft_cache *c = rt->fft_cache;
    pthread_mutex_lock(&c->lock);
    *hits = c->hits;
    *created = c->created;
    pthread_mutex_unlock(&c->lock);
}

void clconv__fft_cache_clear(clconv_runtime *rt)
{
    struct clconv__fft_cache *c = rt->fft_cache;
    if (!c) return;
    for (fft_plan *p = c->plans, *next; p; p = next) {
        next = p->next;
        entry_free(p, 1);
    }
    pthread_cond_destroy(&c->built);
    pthread_mutex_destroy(&c->lock);
    free(c);
    rt->fft_cache = NULL;
}
