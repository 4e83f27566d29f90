/*
 * Internal interface shared by the library's modules: the runtime and buffer
 * structures, error recording, program building and scratch memory. Nothing
 * here is exported; internal non-static functions carry the clconv__ prefix.
 */
#ifndef CLCONV_INTERNAL_H
#define CLCONV_INTERNAL_H

#include "clconv.h"

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* ---- errors (errors.c) -------------------------------------------------- */

/* Records a formatted message as the calling thread's last error for rt
 * (NULL: no runtime) and returns status unchanged, so callers can write
 * `return clconv__fail(rt, CLCONV_EINVAL, "n must be > 0")`. */
int clconv__fail(const clconv_runtime *rt, int status, const char *file, int line,
                 const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Translates an OpenCL status into a clconv status, records "CALL failed:
 * CL_NAME (code): context" and returns the clconv status. */
int clconv__cl_fail(const clconv_runtime *rt, cl_int err, const char *call, const char *file,
                    int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* "CL_OUT_OF_RESOURCES" etc. for an OpenCL status; static string. */
const char *clconv__cl_status_name(cl_int err);

/* Clears the calling thread's last error (done by no one but tests). */
void clconv__clear_error(void);

#define CLCONV_FAIL(rt, status, ...) clconv__fail((rt), (status), __FILE__, __LINE__, __VA_ARGS__)

/* Returns status with a message when cond holds. */
#define RETURN_IF(rt, cond, status, ...)                                      \
    do {                                                                       \
        if (cond) return clconv__fail((rt), (status), __FILE__, __LINE__, __VA_ARGS__); \
    } while (0)

/* Returns the status of expr when it is an error (its message is already
 * recorded by whoever failed). */
#define FORWARD_IF_ERROR(expr)                                                 \
    do {                                                                       \
        int fwd_status_ = (expr);                                              \
        if (fwd_status_ < 0) return fwd_status_;                               \
    } while (0)

/* Checks an OpenCL status: on failure records it and returns the translated
 * clconv status from the enclosing function. */
#define CL_RETURN_IF(rt, err, call, ...)                                       \
    do {                                                                       \
        cl_int cl_err_ = (err);                                                \
        if (cl_err_ != CL_SUCCESS)                                             \
            return clconv__cl_fail((rt), cl_err_, (call), __FILE__, __LINE__, __VA_ARGS__); \
    } while (0)

/* Fault injection (fault.c, compiled in with CLCONV_FAULT_INJECTION): the
 * OpenCL calls of a job go through CLCONV__CL (calls returning a cl_int) or
 * CLCONV__CL_OBJ (calls returning an object and their status through err),
 * which fail with CL_OUT_OF_RESOURCES, without calling the driver, when
 * clconv__fault() says this call is the one armed. Without the option
 * clconv__fault() is the constant 0 and the wrappers are the plain calls. */
#ifdef CLCONV_FAULT_INJECTION
/* Nonzero when this call (named for the record) is the armed one. */
int clconv__fault(const char *call);
/* Fails the nth wrapped call from now on (n <= 0: none) and restarts the
 * count; CLCONV_FAULT_CL=N in the environment arms it at the first call. */
void clconv__fault_arm(long n);
/* Wrapped calls since arming, and the name of the one failed (NULL: none). */
long clconv__fault_calls(void);
const char *clconv__fault_fired(void);
#else
#define clconv__fault(call) 0
#endif
#define CLCONV__CL(call, ...) (clconv__fault(#call) ? CL_OUT_OF_RESOURCES : call(__VA_ARGS__))
#define CLCONV__CL_OBJ(call, err, ...)                                         \
    (clconv__fault(#call) ? (*(err) = CL_OUT_OF_RESOURCES, NULL) : call(__VA_ARGS__, err))

/* Overflow-checked size arithmetic: return 0 on success, 1 on overflow. */
static inline int clconv__mul_ok(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a) return 1;
    *out = a * b;
    return 0;
}
static inline int clconv__add_ok(size_t a, size_t b, size_t *out)
{
    if (b > SIZE_MAX - a) return 1;
    *out = a + b;
    return 0;
}

/* ---- devices (device.c) ------------------------------------------------- */

/* Platform and device ids of list position index. */
int clconv__device_ids(size_t index, cl_platform_id *platform, cl_device_id *device);

/* Fills info from a device id (index field left to the caller). */
int clconv__device_query(cl_platform_id platform, cl_device_id device, clconv_device_info *info);

/* ---- runtime (runtime.c) ------------------------------------------------ */

struct clconv__program; /* program.c */
struct clconv__scratch; /* scratch.c */
struct clconv__fft_cache; /* fft.c */
struct clconv__planner;   /* plan.c */

struct clconv_runtime {
    clconv_device_info info;
    cl_platform_id platform;
    cl_device_id device;
    cl_context ctx;
    cl_command_queue queue;       /* in-order: later work sees earlier work's results */

    /* Locks guard lookups and stores, never work: no thread holds one while
     * a program builds, a plan is created or a kernel runs. Each is a leaf:
     * no code takes another lock while holding one of these, so they have no
     * order among themselves. (The FFT cache and the planner hold leaf locks
     * of their own, fft.c and plan.c; a plan's launch lock, fft.c, is the one
     * held around work, the enqueueing of its kernels, and it is a leaf too,
     * as is program.c's process-wide record of builds.) */
    pthread_mutex_t program_lock; /* guards programs and stats */
    pthread_cond_t program_built; /* a program being built finished (program.c) */
    struct clconv__program *programs;
    clconv_cache_stats stats;     /* program counts; the plan counts live in fft_cache */
    pthread_mutex_t scratch_lock; /* guards scratch and scratch_cached_bytes */
    struct clconv__scratch *scratch;
    size_t scratch_cached_bytes;

    char *cache_dir;              /* NULL when the disk cache is off */
    uint64_t max_alloc;           /* effective single-allocation limit in bytes */
    int verbose;
    int eager_binaries;           /* store program binaries at their first build
                                     (clconv_warmup), not their second */
    uint64_t stream_min;          /* direct outputs from these bytes up stream past the
                                   * caches: a CPU device's CL_DEVICE_GLOBAL_MEM_CACHE_SIZE
                                   * or $CLCONV_STREAM_MIN */
    int host_unified;             /* device shares host memory (CPU drivers): host
                                     arrays can be used in place */

    /* FFT layer, both made with the runtime (clconv__fft_cache_create,
     * clconv__plan_create) and freed at its destruction, each with its own lock. */
    struct clconv__fft_cache *fft_cache; /* FFT plans, VkFFT's or FFTW's (fft.c) */
    struct clconv__planner *planner;     /* the device's cost model (default or tuned) and
                                            the decisions taken under it (plan.c) */
};

struct clconv_buffer {
    clconv_runtime *rt;
    cl_mem mem;
    clconv_dtype dtype;
    size_t count;
};

/* Seconds on the monotonic clock, for timing work. */
double clconv__now_s(void);

/* Writes a note to stderr when rt->verbose is set. */
void clconv__note(const clconv_runtime *rt, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* CLCONV_ENOTSUP with a message when dtype is float64 and the device lacks
 * fp64; CLCONV_EINVAL for an unknown dtype. */
int clconv__check_dtype(const clconv_runtime *rt, clconv_dtype dtype);
/* clconv__check_dtype for the storage of a buffer: also accepts the integer
 * dtypes, which no kernel computes in but conversions on the device turn
 * into the compute precision, and the complex dtypes (checked by their real
 * precision). */
int clconv__check_storage_dtype(const clconv_runtime *rt, clconv_dtype dtype);
/* 1 for CLCONV_U8, CLCONV_U16 and CLCONV_I16. */
int clconv__dtype_is_int(clconv_dtype dtype);
/* 1 for CLCONV_C64 and CLCONV_C128. */
int clconv__dtype_is_complex(clconv_dtype dtype);
/* The real precision of a complex dtype (C64 -> F32, C128 -> F64), and the
 * complex dtype of a real precision; other dtypes come back unchanged. */
clconv_dtype clconv__dtype_real(clconv_dtype dtype);
clconv_dtype clconv__dtype_complex(clconv_dtype dtype);
/* OpenCL C's name of dtype's element type ("uchar", "float", ...). */
const char *clconv__dtype_cl_name(clconv_dtype dtype);

/* Elements of dtype in one of the device's vector registers: its preferred
 * vector width where the driver gives a power of two from 2 to 16 (a CPU
 * driver reports its register: 8 floats on AVX2, 16 on AVX-512), else 256
 * bits' worth. */
unsigned clconv__vector_width(const clconv_runtime *rt, clconv_dtype dtype);
/* The width to build a kernel's vectors of dtype with, for a kernel written
 * for `want` elements: on CPU devices at most clconv__vector_width, since a
 * compiler targeting a narrower register file (POCL's AVX2 build on a Zen 3)
 * passes wider vectors to its library functions in memory and warns that the
 * ABI changed; on other devices `want`. */
unsigned clconv__vector_fit(const clconv_runtime *rt, clconv_dtype dtype, unsigned want);

/* ---- kernel sources and programs (program.c, generated kernels.c) ------- */

/* Embedded source of kernels/NAME.cl; NULL when there is none. Static data. */
const char *clconv__kernel_source(const char *name, size_t *length);

/* The program built from kernels/NAME.cl with the given build options
 * (e.g. "-DREAL=float -DVEC=16"), through the in-memory and disk caches.
 * The program stays owned by the runtime: the caller must not release it. */
int clconv__program_get(clconv_runtime *rt, const char *name, const char *options,
                        cl_program *out);

/* A built program from generated source (VkFFT's kernels) through the same
 * disk cache, keyed by the source bytes; name labels cache files and
 * messages. Not kept in memory: the caller owns the program and releases it. */
int clconv__program_from_source(clconv_runtime *rt, const char *name, const char *src,
                                size_t len, const char *options, cl_program *out);

/* mkdir -p for the cache directory; failures show up later as failed writes
 * (the cache is only an optimisation). */
void clconv__make_dirs(const char *dir);

/* Forgets which programs this process has built, so that the disk cache
 * treats it as a new process would (program.c takes no binary of a program
 * its process built before). For tests of the disk cache; no runtime may
 * have kernels queued. */
void clconv__program_forget_builds(void);

/* With strict set, programs built from source from then on (in any
 * runtime) get -Werror instead of -w, so a kernel whose build warns fails
 * the call that needs it, the build log in its message. For the tests that
 * run the library's own choices of build options on the device at hand;
 * not thread-safe against concurrent builds. */
void clconv__program_strict(int strict);

/* Releases every cached program (runtime destruction). */
void clconv__program_cache_clear(clconv_runtime *rt);

/* A new kernel object from that program; the caller releases it with
 * clReleaseKernel. Kernel objects are per call because clSetKernelArg on a
 * shared kernel is not thread-safe. */
int clconv__kernel_create(clconv_runtime *rt, const char *program, const char *options,
                          const char *kernel, cl_kernel *out);

/* One kernel argument: its size and a pointer to its value. */
typedef struct clconv__arg {
    size_t size;
    const void *value;
} clconv__arg;
#define CLCONV__ARG(v) {sizeof(v), &(v)}

/* clSetKernelArg for args[0..count) as arguments 0..count-1, with error
 * translation; name is used in the message. */
int clconv__set_args(clconv_runtime *rt, cl_kernel kernel, const clconv__arg *args,
                     cl_uint count, const char *name);

/* Enqueues an NDRange on the runtime's queue. lws may be NULL. */
int clconv__launch(clconv_runtime *rt, cl_kernel kernel, cl_uint dims, const size_t *gws,
                   const size_t *lws, const char *name);

/* ---- scratch memory (scratch.c) ----------------------------------------- */

/* A device allocation of at least `bytes` from the runtime's pool (or new).
 * Returned memory may be handed back with clconv__scratch_release as soon as
 * the work using it has been enqueued: the runtime's single in-order queue
 * runs any later user after it. CLCONV_EDEVMEM with a message when the
 * device cannot hold it, CLCONV_EOVERFLOW above rt->max_alloc. */
int clconv__scratch_get(clconv_runtime *rt, size_t bytes, cl_mem *out);
void clconv__scratch_release(clconv_runtime *rt, cl_mem mem);

/* Frees every pooled allocation (runtime destruction). */
void clconv__scratch_clear(clconv_runtime *rt);

/* A plain device allocation (not pooled), with limits checked as above. */
int clconv__alloc(clconv_runtime *rt, cl_mem_flags flags, size_t bytes, void *host,
                  cl_mem *out);

#endif /* CLCONV_INTERNAL_H */
