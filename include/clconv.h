/*
 * clconv: OpenCL convolution on whatever device a machine has.
 *
 * This is the only header users see. A clconv_runtime owns one OpenCL device
 * with its context, command queue, compiled programs and a pool of scratch
 * buffers. Device-resident arrays (clconv_buffer) let callers chain
 * operations without host round trips; every operation also has a _host form
 * that takes plain host pointers.
 *
 * Conventions (libuv/zstd style):
 *  - Every fallible function returns int: 0 on success, a negative CLCONV_E*
 *    code on failure. clconv_strerror() names the code and clconv_last_error()
 *    gives the detailed message of the calling thread's last failure.
 *  - Handles are opaque, created and destroyed in pairs; *_destroy(NULL) is a
 *    no-op.
 *  - Ownership is stated per function. OpenCL objects handed in by callers are
 *    borrowed and never released by clconv.
 *
 * Threads: a runtime may be used from several threads at once. Calls on one
 * runtime are serialised where they touch shared state (program cache, buffer
 * pool, command queue submission); host-form calls from different threads may
 * interleave safely. A clconv_buffer may be read by several concurrent calls
 * but must not be written by one call while another uses it.
 */
#ifndef CLCONV_H
#define CLCONV_H

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#if defined(CLCONV_BUILDING_SHARED)
#define CLCONV_API __declspec(dllexport)
#elif defined(CLCONV_USING_SHARED)
#define CLCONV_API __declspec(dllimport)
#else
#define CLCONV_API
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define CLCONV_API __attribute__((visibility("default")))
#else
#define CLCONV_API
#endif

#define CLCONV_VERSION_MAJOR 0
#define CLCONV_VERSION_MINOR 1
#define CLCONV_VERSION_PATCH 0
#define CLCONV_VERSION_NUMBER \
    (CLCONV_VERSION_MAJOR * 10000 + CLCONV_VERSION_MINOR * 100 + CLCONV_VERSION_PATCH)

/* Library version as major*10000 + minor*100 + patch, and as "major.minor.patch". */
CLCONV_API unsigned clconv_version(void);
CLCONV_API const char *clconv_version_string(void);

/* ------------------------------------------------------------------------ */
/* Status codes                                                             */
/* ------------------------------------------------------------------------ */

/* X-macro table: name, value, description. Generates the enum below,
 * clconv_strerror() and clconv_status_name(). */
#define CLCONV_STATUS_MAP(XX)                                                  \
    XX(EINVAL, -1, "invalid argument")                                         \
    XX(ENOMEM, -2, "out of host memory")                                       \
    XX(ENODEV, -3, "no matching OpenCL device")                                \
    XX(ENOTSUP, -4, "not supported by the device")                             \
    XX(EOVERFLOW, -5, "size too large or overflowing")                         \
    XX(EDEVMEM, -6, "out of device memory")                                    \
    XX(EBUILD, -7, "OpenCL program build failed")                              \
    XX(ECL, -8, "OpenCL call failed")                                          \
    XX(EFFT, -9, "FFT library failed")                                         \
    XX(EIO, -10, "input/output error")                                         \
    XX(EFORMAT, -11, "malformed input data")                                   \
    XX(ERANGE, -12, "value out of range")

typedef enum clconv_status {
    CLCONV_OK = 0,
#define CLCONV_STATUS_ENUM_(name, value, text) CLCONV_##name = (value),
    CLCONV_STATUS_MAP(CLCONV_STATUS_ENUM_)
#undef CLCONV_STATUS_ENUM_
} clconv_status;

/* Short description of a status code ("invalid argument"); never NULL. The
 * string is static. */
CLCONV_API const char *clconv_strerror(int status);

/* Symbolic name of a status code ("CLCONV_EINVAL"); never NULL, static. */
CLCONV_API const char *clconv_status_name(int status);

typedef struct clconv_runtime clconv_runtime;

/* Detailed message of the calling thread's most recent failed call on rt,
 * e.g. "float64 requested but device 'X' lacks cl_khr_fp64". Pass NULL for
 * failures of calls that have no runtime (device queries, runtime creation).
 * Returns "" when the calling thread has no failure recorded for rt. The
 * string lives in thread-local storage and stays valid until the thread's
 * next failing clconv call. */
CLCONV_API const char *clconv_last_error(const clconv_runtime *rt);

/* ------------------------------------------------------------------------ */
/* Devices                                                                  */
/* ------------------------------------------------------------------------ */

typedef enum clconv_device_type {
    CLCONV_DEVICE_OTHER = 0,
    CLCONV_DEVICE_CPU = 1,
    CLCONV_DEVICE_GPU = 2,
    CLCONV_DEVICE_ACCELERATOR = 3
} clconv_device_type;

/* Name of a device type ("CPU", "GPU", "accelerator", "other"), static. */
CLCONV_API const char *clconv_device_type_name(clconv_device_type type);

/* Facts about one device, copied out by value. */
typedef struct clconv_device_info {
    size_t index;                 /* position in clconv's device list */
    clconv_device_type type;
    char name[256];
    char vendor[256];
    char platform[256];
    char driver_version[128];
    char opencl_version[128];     /* CL_DEVICE_VERSION */
    unsigned compute_units;
    unsigned max_clock_mhz;
    uint64_t global_mem_bytes;
    uint64_t local_mem_bytes;
    uint64_t max_alloc_bytes;
    size_t max_work_group_size;
    int fp64;                     /* 1 when cl_khr_fp64 (or OpenCL 1.2 double) */
    unsigned pref_vector_float;   /* CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT */
    unsigned pref_vector_double;
} clconv_device_info;

/* Number of OpenCL devices over all platforms, in a stable order (platform
 * order, then device order). Returns CLCONV_ENODEV with *count = 0 when there
 * is no platform or device. */
CLCONV_API int clconv_device_count(size_t *count);

/* Copies the facts of device `index` into *info (caller-owned). */
CLCONV_API int clconv_device_info_get(size_t index, clconv_device_info *info);

/* Resolves a device specification to an index. spec is one of:
 *   NULL or ""    the CLCONV_DEVICE environment variable if set, else the
 *                 default: the first GPU, else the first CPU, else device 0;
 *   "gpu", "cpu", "accelerator"  the first device of that type;
 *   "gpu:N", "cpu:N"             the N-th (from 0) device of that type;
 *   "N"           device N of the whole list;
 *   anything else the first device whose name, vendor or platform contains
 *                 spec (case-insensitive).
 * Returns CLCONV_ENODEV when nothing matches. */
CLCONV_API int clconv_device_find(const char *spec, size_t *index);

/* ------------------------------------------------------------------------ */
/* Runtime                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct clconv_runtime_options {
    const char *device;      /* device spec as for clconv_device_find; NULL = default */
    const char *cache_dir;   /* program binary cache; NULL = $CLCONV_CACHE_DIR, else
                                $XDG_CACHE_HOME/clconv, else ~/.cache/clconv */
    int disk_cache;          /* 0 = default (on unless CLCONV_NO_CACHE=1), 1 = on, -1 = off */
    uint64_t max_alloc;      /* largest single device allocation clconv makes, bytes;
                                0 = the device's limit or $CLCONV_MAX_ALLOC */
    int verbose;             /* 1: notes on stderr (device chosen, cache hits, builds) */
} clconv_runtime_options;

/* Creates a runtime on the device named by spec (see clconv_device_find).
 * On success *out owns a new runtime that the caller frees with
 * clconv_runtime_destroy(). On failure *out is NULL. */
CLCONV_API int clconv_runtime_create(clconv_runtime **out, const char *spec);

/* As clconv_runtime_create with options; opts may be NULL for defaults. The
 * strings in opts are copied. */
CLCONV_API int clconv_runtime_create_ex(clconv_runtime **out,
                                        const clconv_runtime_options *opts);

/* Waits for queued work, then releases everything the runtime owns. Buffers
 * created on it must be destroyed first. NULL is a no-op. */
CLCONV_API void clconv_runtime_destroy(clconv_runtime *rt);

/* Facts of the runtime's device, copied into *info. */
CLCONV_API int clconv_runtime_device(const clconv_runtime *rt, clconv_device_info *info);

/* The runtime's OpenCL context and in-order queue, borrowed: valid until the
 * runtime is destroyed; the caller must not release them. Work a caller
 * enqueues there is ordered with clconv's own work. */
CLCONV_API cl_context clconv_runtime_context(const clconv_runtime *rt);
CLCONV_API cl_command_queue clconv_runtime_queue(const clconv_runtime *rt);

/* Blocks until all work submitted on the runtime has completed. */
CLCONV_API int clconv_runtime_finish(clconv_runtime *rt);

/* Statistics of the in-memory and on-disk program cache and of the FFT plan
 * cache since creation. */
typedef struct clconv_cache_stats {
    unsigned long memory_hits;   /* programs found already built in memory */
    unsigned long disk_hits;     /* programs loaded from a cached binary */
    unsigned long builds;        /* programs compiled from source */
    unsigned long disk_rejects;  /* cached binaries that failed to verify or load */
    unsigned long plan_hits;     /* FFT plans found in the runtime's plan cache */
    unsigned long plans_created; /* FFT plans created (their kernels may come from the
                                    program cache) */
} clconv_cache_stats;

CLCONV_API int clconv_runtime_cache_stats(const clconv_runtime *rt, clconv_cache_stats *stats);

/* ------------------------------------------------------------------------ */
/* Device-resident arrays                                                   */
/* ------------------------------------------------------------------------ */

/* Element types. F32 and F64 are the compute precisions. C64 and C128 are
 * their complex types, NumPy's complex64 and complex128: interleaved pairs
 * (real part, imaginary part) of float32 (8 bytes an element) or float64
 * (16 bytes). U8, U16 and I16 (unsigned 8- and 16-bit, signed 16-bit,
 * native byte order) are storage types of a signal or an output: the
 * device converts them to the compute precision after loading and back
 * before storing, and an integer output is rounded to nearest, ties to
 * even, and saturated to its range, as OpenCV's saturate_cast does.
 *
 * The dtype rules of a convolution:
 *  - The kernel is F32, F64, C64 or C128 (never an integer type); its real
 *    precision (F32 for F32 and C64, F64 for F64 and C128) is the compute
 *    precision of the call.
 *  - The signal (image, volume) is an integer storage type, the compute
 *    precision's real type or its complex type.
 *  - The output is the complex type of the compute precision when the
 *    signal or the kernel is complex; otherwise the compute precision's
 *    real type or an integer storage type.
 *  - Mixed precisions (a complex64 signal with a float64 kernel, a float32
 *    output of a float64 kernel) are CLCONV_EINVAL: front ends promote as
 *    NumPy does first.
 * Anything else is CLCONV_EINVAL with a message naming the operand. Every
 * path (1-D, 2-D, 3-D, direct, FFT, separable, boundary modes, streaming)
 * takes every combination the rules allow. A complex convolution is
 * composed of real ones on the device (the planes of a complex signal run
 * as one real batch of twice the size): a complex signal with a real
 * kernel costs one real convolution of the doubled batch, a complex kernel
 * two of them. */
typedef enum clconv_dtype {
    CLCONV_F32 = 0,
    CLCONV_F64 = 1,
    CLCONV_U8 = 2,
    CLCONV_U16 = 3,
    CLCONV_I16 = 4,
    CLCONV_C64 = 5,
    CLCONV_C128 = 6
} clconv_dtype;

/* Size in bytes of one element of dtype; 0 for an unknown dtype. */
CLCONV_API size_t clconv_dtype_size(clconv_dtype dtype);

/* NumPy's name of a dtype ("float32", "float64", "uint8", "uint16",
 * "int16", "complex64", "complex128"), static, "unknown" otherwise; and the
 * parser from such names (0 or CLCONV_EINVAL). */
CLCONV_API const char *clconv_dtype_name(clconv_dtype dtype);
CLCONV_API int clconv_dtype_parse(const char *name, clconv_dtype *dtype);

typedef struct clconv_buffer clconv_buffer;

/* Allocates a device array of `count` elements of dtype on rt. When host is
 * non-NULL, count elements are copied from it (the caller keeps host). On
 * success *out is a new buffer the caller frees with clconv_buffer_destroy().
 * count counts elements of dtype: a complex element is one (re, im) pair.
 * CLCONV_ENOTSUP for float64 or complex128 on a device without fp64. */
CLCONV_API int clconv_buffer_create(clconv_runtime *rt, clconv_dtype dtype, size_t count,
                                    const void *host, clconv_buffer **out);

/* Wraps a caller's cl_mem (borrowed: clconv retains it while the buffer lives
 * and releases only its own reference). The memory must belong to the
 * runtime's context and hold at least count elements. */
CLCONV_API int clconv_buffer_wrap(clconv_runtime *rt, cl_mem mem, clconv_dtype dtype,
                                  size_t count, clconv_buffer **out);

/* Frees a buffer made by clconv_buffer_create/_wrap. NULL is a no-op. */
CLCONV_API void clconv_buffer_destroy(clconv_buffer *buf);

/* Copies `count` elements starting at element `offset` between the buffer and
 * caller-owned host memory. Blocking: when they return, the data has moved. */
CLCONV_API int clconv_buffer_read(clconv_buffer *buf, size_t offset, size_t count, void *host);
CLCONV_API int clconv_buffer_write(clconv_buffer *buf, size_t offset, size_t count,
                                   const void *host);

/* Element count, dtype and the underlying cl_mem (borrowed). */
CLCONV_API size_t clconv_buffer_count(const clconv_buffer *buf);
CLCONV_API clconv_dtype clconv_buffer_dtype(const clconv_buffer *buf);
CLCONV_API cl_mem clconv_buffer_mem(const clconv_buffer *buf);

/* ------------------------------------------------------------------------ */
/* Convolution                                                              */
/* ------------------------------------------------------------------------ */

/* Output extent, with scipy.signal.convolve/correlate semantics:
 *   FULL   n + k - 1
 *   SAME   n, centred on the full output (it starts at full index (k-1)/2)
 *   VALID  max(n,k) - min(n,k) + 1 (the inputs are swapped when k > n) */
typedef enum clconv_mode {
    CLCONV_MODE_FULL = 0,
    CLCONV_MODE_SAME = 1,
    CLCONV_MODE_VALID = 2
} clconv_mode;

typedef enum clconv_method {
    CLCONV_METHOD_AUTO = 0,   /* choose per call */
    CLCONV_METHOD_DIRECT = 1, /* tiled direct kernels, cost n*k */
    CLCONV_METHOD_FFT = 2     /* FFT-based, cost n log n */
} clconv_method;

/* How the signal is read past its edges, with scipy.ndimage's names and
 * semantics (signal a b c d):
 *   NONE      zero, with the output extent of the mode (scipy.signal)
 *   CONSTANT  k k k | a b c d | k k k  with k = cval
 *   REFLECT   d c b a | a b c d | d c b a
 *   MIRROR    d c b | a b c d | c b a  (a single sample repeats itself)
 *   NEAREST   a a a | a b c d | d d d
 *   WRAP      b c d | a b c d | a b c
 * The patterns repeat as far as a kernel longer than the signal reaches. */
typedef enum clconv_boundary {
    CLCONV_BOUNDARY_NONE = 0,
    CLCONV_BOUNDARY_CONSTANT = 1,
    CLCONV_BOUNDARY_REFLECT = 2,
    CLCONV_BOUNDARY_MIRROR = 3,
    CLCONV_BOUNDARY_NEAREST = 4,
    CLCONV_BOUNDARY_WRAP = 5
} clconv_boundary;

/* Options of a convolution; a zero-initialised struct means full mode,
 * automatic method, convolution (not correlation), zero outside the signal.
 *
 * With a boundary mode other than NONE the call computes what
 * scipy.ndimage.convolve (correlate with `correlate` set) computes with
 * mode, cval and origin: the output has the signal's shape, so mode must be
 * CLCONV_MODE_SAME, and the kernel is centred as ndimage centres it, which
 * for an even length differs from scipy.signal's same mode by one sample.
 * Per axis, for a kernel w of k taps and signal x read through the mode:
 *   convolution  out[i] = sum_j w[j] * x[i + k/2 + origin - j]
 *   correlation  out[i] = sum_j w[j] * x[i + j - k/2 - origin]
 * (k/2 rounded down). origin must lie in -(k/2) ... (k-1)/2, as ndimage
 * requires; a positive origin shifts the kernel towards lower indices.
 *
 * Complex operands: correlation uses the complex conjugate of a complex
 * kernel, as scipy.signal.correlate and scipy.ndimage.correlate do
 * (out[i] = sum_j conj(w[j]) * x[i + ...]); convolution uses it as given.
 * cval is real: a complex signal reads cval + 0i outside (its real part
 * cval, its imaginary part 0), and a real signal with a complex kernel
 * reads cval, as scipy.ndimage does with a real cval. */
typedef struct clconv_conv_options {
    clconv_mode mode;
    clconv_method method;
    int correlate;            /* 1: correlation, i.e. convolution with the reversed kernel */
    clconv_method chosen;     /* out: the method that ran */
    clconv_boundary boundary; /* how the signal reads past its edges; NONE: zero */
    double cval;              /* CONSTANT: the value outside (ignored by the other modes,
                                 as in ndimage; must be 0 with NONE) */
    int64_t origin[3];        /* kernel placement per axis of the caller's array, outermost
                                 first: 1-D origin[0] only; 2-D rows, columns; 3-D depth,
                                 rows, columns; the entries a call does not use must be 0,
                                 and all are 0 with NONE. Initialisers that name two
                                 entries, positional or designated, leave the third 0. */
} clconv_conv_options;

/* Output length of a 1-D convolution of n samples with k taps in mode. */
CLCONV_API int clconv_conv_output_size(size_t n, size_t k, clconv_mode mode, size_t *out);

/* Name of a mode or method ("full", "direct", ...), static; and parsers from
 * such names (0 or CLCONV_EINVAL). */
CLCONV_API const char *clconv_mode_name(clconv_mode mode);
CLCONV_API const char *clconv_method_name(clconv_method method);
CLCONV_API int clconv_mode_parse(const char *name, clconv_mode *mode);
CLCONV_API int clconv_method_parse(const char *name, clconv_method *method);

/* Name of a boundary mode ("none", "constant", "reflect", "mirror",
 * "nearest", "wrap"), static, and the parser from such names (0 or
 * CLCONV_EINVAL). */
CLCONV_API const char *clconv_boundary_name(clconv_boundary boundary);
CLCONV_API int clconv_boundary_parse(const char *name, clconv_boundary *boundary);

/* 1-D convolution of `batch` signals of n samples each (stored one after the
 * other in `signal`) with one kernel of k taps. `out` receives batch rows of
 * clconv_conv_output_size(n, k, mode) samples (n with a boundary mode). All
 * buffers are borrowed; their dtypes follow the rules at clconv_dtype (the
 * kernel's precision governs; signal and output may be integer or complex
 * as those rules allow), and out must not alias signal or kernel. The work
 * is enqueued on the runtime's queue and may still run when the call
 * returns; reading `out` (clconv_buffer_read) waits for it. A complex or
 * integer operand takes pooled scratch buffers for its real planes or its
 * converted copy for the duration of the work. opts may be NULL. Calls on
 * one runtime may come from several threads (see the file comment). */
CLCONV_API int clconv_conv1d(clconv_runtime *rt, const clconv_buffer *signal, size_t n,
                             size_t batch, const clconv_buffer *kernel, size_t k,
                             clconv_buffer *out, clconv_conv_options *opts);

/* Host form of clconv_conv1d: signal, kernel and out are caller-owned host
 * arrays of dtype (any of F32, F64, C64, C128: every operand that dtype),
 * borrowed for the call; out must hold batch * output size elements.
 * Blocking. A signal or output larger than the runtime's allocation limit
 * streams through in pieces, complex ones included. */
CLCONV_API int clconv_conv1d_host(clconv_runtime *rt, clconv_dtype dtype, const void *signal,
                                  size_t n, size_t batch, const void *kernel, size_t k,
                                  void *out, clconv_conv_options *opts);

/* clconv_conv1d_host with a dtype per operand, in the order of
 * clconv_conv2d_host_typed: signal holds batch x n elements of in_dtype,
 * kernel k elements of dtype (F32, F64, C64 or C128: its real precision is
 * the compute precision), out receives batch x output size elements of
 * out_dtype; the combinations follow the rules at clconv_dtype (e.g. a
 * uint8 signal, a complex64 kernel and a complex64 output). Integer
 * samples travel to the device as they are and are converted there. Every
 * method, mode, boundary mode and streaming apply. All arrays are the
 * caller's, borrowed for the call; blocking; thread-safe as the other
 * calls on a runtime. */
CLCONV_API int clconv_conv1d_host_typed(clconv_runtime *rt, clconv_dtype in_dtype,
                                        const void *signal, size_t n, size_t batch,
                                        clconv_dtype dtype, const void *kernel, size_t k,
                                        clconv_dtype out_dtype, void *out,
                                        clconv_conv_options *opts);

/* 2-D convolution of `batch` row-major images of rows x cols with one
 * krows x kcols kernel. Output extents follow clconv_conv_output_size per
 * dimension (rows x cols with a boundary mode); in VALID mode one input
 * must be at least as large as the other in both dimensions (as in SciPy),
 * else CLCONV_EINVAL. Buffers as for clconv_conv1d (dtypes by the rules at
 * clconv_dtype). */
CLCONV_API int clconv_conv2d(clconv_runtime *rt, const clconv_buffer *image, size_t rows,
                             size_t cols, size_t batch, const clconv_buffer *kernel,
                             size_t krows, size_t kcols, clconv_buffer *out,
                             clconv_conv_options *opts);

/* Host form of clconv_conv2d. A kernel of rank 1 within rounding (every tap
 * within 8 units of roundoff of a column times a row: a Gaussian, a box)
 * runs as clconv_conv2d_separable would, when the cost model expects that
 * to be faster and the method is not FFT; the result stays within the
 * direct method's error bound, and opts->chosen says direct. dtype is any
 * of F32, F64, C64, C128 (every operand that dtype); a complex kernel is
 * never split (it runs as its dense real and imaginary parts), a real one
 * with a complex image may be. */
CLCONV_API int clconv_conv2d_host(clconv_runtime *rt, clconv_dtype dtype, const void *image,
                                  size_t rows, size_t cols, size_t batch, const void *kernel,
                                  size_t krows, size_t kcols, void *out,
                                  clconv_conv_options *opts);

/* clconv_conv2d_host with a dtype per operand: image holds batch x rows x
 * cols elements of in_dtype, kernel krows x kcols of dtype (F32, F64, C64
 * or C128: its real precision is the precision the sums are computed in),
 * and out receives the output of out_dtype; the combinations follow the
 * rules at clconv_dtype. Integer pixels travel to the device as they are
 * (1 or 2 bytes each) and are converted there: a direct 2-D convolution
 * converts inside its strip kernel as it loads and stores, the other paths
 * (FFT, a rank-1 kernel's two passes, streaming) in a conversion pass on
 * the device; an integer output is rounded to nearest (ties to even) and
 * saturated. Every method, mode, boundary mode and streaming apply. All
 * arrays are the caller's and borrowed for the call; blocking; one runtime
 * may serve several threads at once, as for the other calls. */
CLCONV_API int clconv_conv2d_host_typed(clconv_runtime *rt, clconv_dtype in_dtype,
                                        const void *image, size_t rows, size_t cols,
                                        size_t batch, clconv_dtype dtype, const void *kernel,
                                        size_t krows, size_t kcols, clconv_dtype out_dtype,
                                        void *out, clconv_conv_options *opts);

/* Separable 2-D convolution: the kernel is the outer product of a column
 * vector kcol (krows taps, applied down columns) and a row vector krow
 * (kcols taps, applied along rows), run as two 1-D passes. Results equal
 * clconv_conv2d with that outer product up to rounding. The factors share
 * one dtype, the kernel's (F32, F64, C64 or C128), and image and output
 * follow the rules at clconv_dtype: a complex image with real factors runs
 * its two planes as one real batch of twice the size. */
CLCONV_API int clconv_conv2d_separable(clconv_runtime *rt, const clconv_buffer *image,
                                       size_t rows, size_t cols, size_t batch,
                                       const clconv_buffer *kcol, size_t krows,
                                       const clconv_buffer *krow, size_t kcols,
                                       clconv_buffer *out, clconv_conv_options *opts);

/* Host form of clconv_conv2d_separable: every operand of dtype (F32, F64,
 * C64 or C128), caller-owned host arrays borrowed for the call. Blocking;
 * streams past the allocation limit. */
CLCONV_API int clconv_conv2d_separable_host(clconv_runtime *rt, clconv_dtype dtype,
                                            const void *image, size_t rows, size_t cols,
                                            size_t batch, const void *kcol, size_t krows,
                                            const void *krow, size_t kcols, void *out,
                                            clconv_conv_options *opts);

/* clconv_conv2d_separable_host with a dtype per operand: the factors kcol
 * and krow are real, of dtype (F32 or F64: the compute precision), while
 * the image (in_dtype) may be integer, real or complex and the output
 * (out_dtype) follows the rules at clconv_dtype (complex for a complex
 * image; real or integer otherwise). Arguments in the order of
 * clconv_conv2d_host_typed; arrays borrowed for the call; blocking;
 * thread-safe as the other calls. */
CLCONV_API int clconv_conv2d_separable_host_typed(clconv_runtime *rt, clconv_dtype in_dtype,
                                                  const void *image, size_t rows, size_t cols,
                                                  size_t batch, clconv_dtype dtype,
                                                  const void *kcol, size_t krows,
                                                  const void *krow, size_t kcols,
                                                  clconv_dtype out_dtype, void *out,
                                                  clconv_conv_options *opts);

/* 3-D convolution of `batch` volumes of depth x rows x cols (row-major,
 * planes of rows x cols one after another, volumes one after another) with
 * one kdepth x krows x kcols kernel, in the same layout. Output extents
 * follow clconv_conv_output_size per dimension (depth x rows x cols with a
 * boundary mode, whose origin[0..2] are along depth, rows and columns); in
 * VALID mode one input must be at least as large as the other in all three
 * dimensions (as in SciPy), else CLCONV_EINVAL. Buffers as for
 * clconv_conv1d. The direct method runs register strips along rows that sum
 * the kernel's kdepth planes on any device (the tiled GPU kernels are 2-D
 * only); the FFT method runs 3-D real-to-complex transforms, one per
 * volume. */
CLCONV_API int clconv_conv3d(clconv_runtime *rt, const clconv_buffer *volume, size_t depth,
                             size_t rows, size_t cols, size_t batch, const clconv_buffer *kernel,
                             size_t kdepth, size_t krows, size_t kcols, clconv_buffer *out,
                             clconv_conv_options *opts);

/* Host form of clconv_conv3d: volume, kernel and out are caller-owned host
 * arrays of dtype; out must hold batch times the output's elements.
 * dtype is any of F32, F64, C64, C128 (every operand that dtype).
 * Blocking. A volume or output larger than the runtime's allocation limit
 * streams through in slabs of whole output planes, under every boundary
 * mode (REFLECT, MIRROR and WRAP gather each slab's halo on the host, in a
 * copy of at most 64 MiB unless one output plane's window needs more). */
CLCONV_API int clconv_conv3d_host(clconv_runtime *rt, clconv_dtype dtype, const void *volume,
                                  size_t depth, size_t rows, size_t cols, size_t batch,
                                  const void *kernel, size_t kdepth, size_t krows, size_t kcols,
                                  void *out, clconv_conv_options *opts);

/* clconv_conv3d_host with a dtype per operand, in the order of
 * clconv_conv2d_host_typed: volume holds batch x depth x rows x cols
 * elements of in_dtype, kernel kdepth x krows x kcols of dtype (F32, F64,
 * C64 or C128), out receives the output of out_dtype; the combinations
 * follow the rules at clconv_dtype, integers converted on the device.
 * Every method, mode, boundary mode and streaming apply. Arrays borrowed
 * for the call; blocking; thread-safe as the other calls. */
CLCONV_API int clconv_conv3d_host_typed(clconv_runtime *rt, clconv_dtype in_dtype,
                                        const void *volume, size_t depth, size_t rows,
                                        size_t cols, size_t batch, clconv_dtype dtype,
                                        const void *kernel, size_t kdepth, size_t krows,
                                        size_t kcols, clconv_dtype out_dtype, void *out,
                                        clconv_conv_options *opts);

/* Separable 3-D convolution: the kernel is the outer product of kz (kdepth
 * taps, applied along depth), ky (krows taps, down columns) and kx (kcols
 * taps, along rows), run as three 1-D passes (direct only: CLCONV_ENOTSUP
 * for the FFT method). Results equal clconv_conv3d with that outer product
 * up to rounding. Buffers as for clconv_conv3d; the passes' intermediates
 * come from the runtime's scratch pool. Factor, volume and output dtypes as
 * for clconv_conv2d_separable. */
CLCONV_API int clconv_conv3d_separable(clconv_runtime *rt, const clconv_buffer *volume,
                                       size_t depth, size_t rows, size_t cols, size_t batch,
                                       const clconv_buffer *kz, size_t kdepth,
                                       const clconv_buffer *ky, size_t krows,
                                       const clconv_buffer *kx, size_t kcols, clconv_buffer *out,
                                       clconv_conv_options *opts);

CLCONV_API int clconv_conv3d_separable_host(clconv_runtime *rt, clconv_dtype dtype,
                                            const void *volume, size_t depth, size_t rows,
                                            size_t cols, size_t batch, const void *kz,
                                            size_t kdepth, const void *ky, size_t krows,
                                            const void *kx, size_t kcols, void *out,
                                            clconv_conv_options *opts);

/* clconv_conv3d_separable_host with a dtype per operand: real factors kz,
 * ky, kx of dtype (F32 or F64), a volume of in_dtype (integer, real or
 * complex) and an output of out_dtype by the rules at clconv_dtype.
 * Arguments in the order of clconv_conv3d_host_typed; arrays borrowed for
 * the call; blocking; thread-safe as the other calls. */
CLCONV_API int clconv_conv3d_separable_host_typed(
    clconv_runtime *rt, clconv_dtype in_dtype, const void *volume, size_t depth, size_t rows,
    size_t cols, size_t batch, clconv_dtype dtype, const void *kz, size_t kdepth,
    const void *ky, size_t krows, const void *kx, size_t kcols, clconv_dtype out_dtype,
    void *out, clconv_conv_options *opts);

/* ------------------------------------------------------------------------ */
/* Tuning the method choice                                                 */
/* ------------------------------------------------------------------------ */

/* What clconv_tune measured on the runtime's device. */
typedef struct clconv_tune_result {
    double direct_gflops[2];  /* direct convolution, float32 and float64 (0: no float64) */
    double fft_ms[2];         /* one real-to-complex FFT of 2^20 points, float32 and float64 */
    double bandwidth_gbps;    /* device memory copy, bytes read and written per second */
    double plan_ms;           /* creating an FFT plan whose kernels are cached */
    double seconds;           /* how long the measurement took */
    int saved;                /* 1: stored in the cache directory for later runtimes */
    char direct_shapes[256];  /* the direct kernels' best shapes by precision and dims,
                                 e.g. "f32 1-D strip:16,8,8,4, ...", in the form that
                                 CLCONV_DIRECT_PARAMS takes */
    /* 3-D, by precision (float64 0 without it): the direct path's rate with
     * kernels of 3^3, 5^3 and 7^3 taps over 96^3 outputs; the FFT path's time
     * for volumes whose transforms are 32^3, 64^3 and 128^3 points (a 3^3
     * kernel), and each time over what the 1-D transform figures predict. */
    double direct3_gflops[2][3];
    double fft3_ms[2][3];
    double fft3_factor[2][3];
} clconv_tune_result;

/* Measures the runtime's device for a few seconds (direct convolution rate,
 * FFT cost by transform length, memory bandwidth, FFT plan creation) and
 * searches the direct kernels' tunables (vector width and accumulators on a
 * CPU, tile shapes on a GPU) for each precision and 1-D/2-D, times the 3-D
 * direct path at a few kernel sizes and the 3-D FFT path at a few volume
 * sizes, and makes the result the cost model that CLCONV_METHOD_AUTO
 * consults on rt, and the shapes the direct kernels run with (3-D direct
 * runs the 2-D strip shape of its precision).
 * With the disk cache on, the model is also stored next to the program
 * cache, and runtimes created later on the same device and driver load it;
 * an untuned device uses defaults measured on a CPU under POCL. A cold
 * kernel cache adds about a second of compilation per transform length.
 * result (caller-owned) may be NULL. */
CLCONV_API int clconv_tune(clconv_runtime *rt, clconv_tune_result *result);

/* ------------------------------------------------------------------------ */
/* Filling the caches ahead of time                                         */
/* ------------------------------------------------------------------------ */

/* Builds, runs once and stores in the disk cache the programs that small
 * calls on rt's device need, so that later processes start without
 * compiling: direct 1-D, 2-D and separable convolution in float32 over the
 * window sizes the device's parameter table tells apart, and the kernels of
 * distribution sums. With `all` set, also float64 (where the device has it)
 * and the FFT method's kernels and transforms for one length per precision
 * (each further transform length is compiled at its first use). Without it
 * a program is stored only at its second build in any process; warm-up
 * stores each at its first. Takes a few seconds per program on a CPU device
 * with cold caches, almost nothing once they are warm. Thread-safe as any
 * call on rt; calls from other threads meanwhile also store at once. */
CLCONV_API int clconv_warmup(clconv_runtime *rt, int all);

/* ------------------------------------------------------------------------ */
/* The device's limits                                                      */
/* ------------------------------------------------------------------------ */

/* What clconv_device_peak measured: the roofs a convolution can be compared
 * with. Rates are decimal (GB/s = 1e9 bytes per second). */
typedef struct clconv_peak_result {
    double bandwidth_gbps;    /* global memory, streaming read: bytes read per second */
    double copy_gbps;         /* streaming copy: bytes read plus bytes written per second */
    double gflops[2];         /* FMA throughput by clconv_dtype (float32, float64), 2 flops
                                 per FMA; float64 is 0 on a device without fp64 */
    unsigned fma_width[2];    /* the kernel shape that reached gflops[d]: vectors of */
    unsigned fma_chains[2];   /* fma_width[d] elements in fma_chains[d] independent chains */
    double seconds;           /* how long the measurement took */
} clconv_peak_result;

/* Measures the limits of rt's device in the manner of clpeak: the best
 * streaming read and copy of device buffers larger than its caches, over a
 * few vector widths and access layouts, and the best FMA rate of kernels
 * with 8 to 24 independent FMA chains per work-item (a CPU in vectors of its
 * preferred width, so the chains fit its register file however large),
 * in float32 and (where the device has it) float64. About a second on a CPU device once the
 * kernels are cached; the first run also compiles them. Allocates up to
 * 512 MiB of device memory while it runs and frees it before returning.
 * *out (caller-owned) receives the figures; nothing is kept on rt. */
CLCONV_API int clconv_device_peak(clconv_runtime *rt, clconv_peak_result *out);

/* ------------------------------------------------------------------------ */
/* Distributions of sums of independent random variables                    */
/* ------------------------------------------------------------------------ */

/* For independent X and Y, P(X+Y = n) = sum_k P(X = k) P(Y = n-k): the
 * distribution of a sum is the convolution of the distributions. A
 * clconv_dist holds one distribution in float64 on a runtime's device (which
 * must support fp64), so sums chain there without host round trips.
 *
 * Accuracy. The direct method, which the default runs for all but huge
 * supports, only ever adds non-negative products, so each probability keeps
 * an error relative to its own size: every entry above 1e-290 is within 1e-9
 * relative of the exact result, even deep in a tail. A 1-D distribution also
 * keeps the natural logarithm of every probability, however far below
 * float64's range (2.2e-308) it lies: the direct method convolves windows of
 * the support with exponentially tilted operands, so the logarithms that
 * clconv_dist_read_log(), clconv_dist_logsf() and clconv_dist_logcdf() give
 * are exact to about 1e-9 absolute everywhere, while clconv_dist_read()
 * reads a probability below float64's range as 0 (or a subnormal). A 2-D
 * distribution keeps float64's range only.
 * The FFT method bounds its error only relative to the largest entry (near
 * float64 rounding of it): tails become noise, and negative outputs are set
 * to zero with the mass removed that way reported.
 *
 * A clconv_dist is immutable except through clconv_dist_trim(); one may be
 * read by several threads at once. Destroy distributions before their
 * runtime. */
typedef struct clconv_dist clconv_dist;

/* Where the entries of a distribution lie. Entry i of a 1-D distribution, or
 * entry (i, j) of a 2-D one (row-major, len[1] entries per row), sits at grid
 * point offset[0] + i (and offset[1] + j). A discrete distribution
 * (step == 0) holds the probabilities of those integer values; a density
 * (step == h > 0) holds samples f((offset + i) * h) of a probability density,
 * and its probabilities are f * h. */
typedef struct clconv_dist_layout {
    int dims;            /* 1 or 2 */
    size_t len[2];       /* entries per dimension; 1-D: len[1] is ignored, read back as 1 */
    int64_t offset[2];   /* grid index of the first entry; 1-D: offset[1] ignored, read as 0 */
    double step;         /* 0: discrete; > 0: a density on the grid of this step */
} clconv_dist_layout;

/* Flag of the create functions: divide the values by their total instead of
 * rejecting a total that is not 1. */
#define CLCONV_DIST_NORMALIZE 1u

/* Creates a distribution on rt's device from len[0] * len[1] values
 * (caller-owned, copied). Every value must be finite and >= 0, and the total
 * probability (sum of the values, times step for a density) within 1e-9 of 1
 * unless flags holds CLCONV_DIST_NORMALIZE (the total must then be > 0).
 * Otherwise CLCONV_EINVAL, whose message names the first bad entry or the
 * total. On success *out owns a new distribution that the caller frees with
 * clconv_dist_destroy(); on failure *out is NULL. */
CLCONV_API int clconv_dist_create(clconv_runtime *rt, const double *values,
                                  const clconv_dist_layout *layout, unsigned flags,
                                  clconv_dist **out);

/* A 1-D distribution from the natural logarithms of its values (layout->dims
 * must be 1): logp[i] = log P(X = offset + i), or the log of the density
 * value for a density; -INFINITY for a probability of exactly 0. The
 * logarithms are kept as given, so probabilities below float64's range
 * survive. The total and flags are checked as by clconv_dist_create
 * (CLCONV_DIST_NORMALIZE subtracts the log of the total). *out as there. */
CLCONV_API int clconv_dist_create_log(clconv_runtime *rt, const double *logp,
                                      const clconv_dist_layout *layout, unsigned flags,
                                      clconv_dist **out);

/* Shorthand for the usual case: count probabilities p of the integer values
 * offset, offset + 1, ... (a 1-D discrete layout). */
CLCONV_API int clconv_dist_create_1d(clconv_runtime *rt, const double *p, size_t count,
                                     int64_t offset, unsigned flags, clconv_dist **out);

/* Frees a distribution; NULL is a no-op. Work still queued that reads it
 * completes first. */
CLCONV_API void clconv_dist_destroy(clconv_dist *dist);

/* Copies the layout of dist into *layout (caller-owned). */
CLCONV_API int clconv_dist_layout_get(const clconv_dist *dist, clconv_dist_layout *layout);

/* Copies the len[0] * len[1] entries of dist into values (caller-owned):
 * probabilities, or density values for a density. Blocking: it waits for the
 * work that computes dist. */
CLCONV_API int clconv_dist_read(const clconv_dist *dist, double *values);

/* Copies the natural logarithms of the len[0] * len[1] entries of dist into
 * logp (caller-owned): log P(X = x), or the log of the density value;
 * -INFINITY where the probability is exactly 0. Exact (about 1e-9 absolute)
 * for a 1-D dist whatever the size of the probability; a 2-D dist gives the
 * logarithms of what clconv_dist_read gives. Blocking. */
CLCONV_API int clconv_dist_read_log(const clconv_dist *dist, double *logp);

/* Options of the sums; a zero-initialised struct (or NULL) asks for the
 * automatic method. */
typedef struct clconv_dist_options {
    /* DIRECT keeps the relative accuracy stated above. FFT costs n log n per
     * convolution instead of n*k, with an absolute error (about 1e-16 of the
     * largest entry) that leaves the far tails as noise. AUTO runs a 1-D
     * convolution whose operands both hold at least 2^15 entries
     * (CLCONV_DIST_FFT_MIN overrides) by a checked FFT: passes of
     * exponentially tilted FFT convolutions, each entry kept only where a
     * bound on its error is within 1e-9 of its value, the rest by the direct
     * windows; so every entry of such a convolution is within 1e-9 relative
     * of the exact convolution of its operands, and a sum of n variables
     * within (n - 1) 1e-9 at worst, logarithms included. Every other
     * convolution (all 2-D ones) runs directly under AUTO. The batched
     * first levels of a reduction of many short supports run directly even
     * under FFT, which would be slower and less accurate there. */
    clconv_method method;
    clconv_method chosen;   /* out: FFT when any convolution of the call used FFT */
    double clamped_mass;    /* out: total of the negative plain-FFT outputs set to 0 */
    unsigned fft_passes;    /* out: tilted FFT passes of AUTO's checked FFT (0: none) */
    size_t fft_direct_entries; /* out: entries of those convolutions that failed every
                                  pass's bound and were computed directly */
} clconv_dist_options;

/* The distribution of a + b, independent; both must have the same dims and
 * step and belong to rt (they are borrowed). The offsets add. The work is
 * enqueued and may still run when the call returns, except with FFT, where
 * the call waits to learn the clamped mass, and for 1-D supports of 256
 * entries and more, where it reads the operands' logarithms to plan the
 * tilted windows and the results to check them. A job whose memory would
 * not fit the device (CLCONV_EDEVMEM) or the host (CLCONV_ENOMEM) is
 * refused before any work, as by every sum below. *out as for
 * clconv_dist_create. */
CLCONV_API int clconv_dist_sum(clconv_runtime *rt, const clconv_dist *a, const clconv_dist *b,
                               clconv_dist_options *opts, clconv_dist **out);

/* The distribution of the sum of count independent variables (the array and
 * the distributions are borrowed), reduced on the device pairing the
 * shortest supports first, the cheapest order. Short 1-D supports of equal
 * length are convolved in pairs, many pairs per kernel launch. */
CLCONV_API int clconv_dist_sum_many(clconv_runtime *rt, const clconv_dist *const *dists,
                                    size_t count, clconv_dist_options *opts,
                                    clconv_dist **out);

/* The sum of `rows` independent discrete variables whose probabilities are
 * the rows of a row-major host matrix p (rows x cols, caller-owned, copied
 * once to the device), each at offset 0: rows [1-q, q] give a
 * Poisson-binomial. Each row is checked as by clconv_dist_create with flags. */
CLCONV_API int clconv_dist_sum_rows(clconv_runtime *rt, const double *p, size_t rows,
                                    size_t cols, unsigned flags, clconv_dist_options *opts,
                                    clconv_dist **out);

/* The sum of n >= 1 independent copies of dist (borrowed) by binary
 * powering: about log2(n) squarings, each square reused. A 2-D power of a
 * small dist runs instead in n / m steps of dist^m (about 64 entries) when
 * that costs fewer products: 1000 copies of a 2 x 2 joint PMF by squaring
 * would end with a 501^2 by 501^2 convolution. */
CLCONV_API int clconv_dist_power(clconv_runtime *rt, const clconv_dist *dist, uint64_t n,
                                 clconv_dist_options *opts, clconv_dist **out);

/* The compound sum S = X1 + ... + XN, the X's independent copies of
 * severity and N a count independent of them: P(S = s) = sum over n of
 * P(N = n) P(X1 + ... + Xn = s). count (borrowed) is a 1-D discrete
 * distribution with offset >= 0 (P(N = offset + i)), for instance from
 * clconv_dist_count(); severity (borrowed) is 1-D discrete, any offset. The
 * support of S runs from the least to the greatest n X's can reach; entries
 * that need an n beyond the count's last entry miss that count's truncated
 * tail. N = 0 puts P(N = 0) at S = 0. Computed on the device in logarithms
 * (each n-fold sum from the previous one, a convolution with the severity,
 * then weighted in), so tails below float64's range are kept: with N
 * Poisson of mean 1000, log P(S = 0) = -1000. The work grows with the
 * count's length times the sum's support. Blocking. *out as for
 * clconv_dist_create. */
CLCONV_API int clconv_dist_compound(clconv_runtime *rt, const clconv_dist *count,
                                    const clconv_dist *severity, clconv_dist_options *opts,
                                    clconv_dist **out);

/* Families of count distributions for clconv_dist_count(). */
typedef enum clconv_count_family {
    CLCONV_COUNT_POISSON,   /* a = mean lambda > 0 */
    CLCONV_COUNT_BINOMIAL,  /* a = trials (whole, >= 0), b = p in [0, 1] */
    CLCONV_COUNT_NEGBIN,    /* failures before the r-th success, a = r > 0, b = p in (0, 1]:
                               P(k) = Gamma(k + r) / (Gamma(r) k!) p^r (1 - p)^k */
    CLCONV_COUNT_GEOMETRIC  /* failures before the first success, a = p in (0, 1]:
                               P(k) = p (1 - p)^k (NEGBIN with r = 1; b unused) */
} clconv_count_family;

/* A count PMF on 0, 1, 2, ... of family kind with parameters a and b, from
 * its logarithms (lgamma, log1p), so that probabilities below float64's
 * range are kept in the distribution's logarithms. It runs from 0 up to the
 * first value past the mode beyond which the whole upper tail is below tail
 * (in [0, 1e-9]; 0 asks for 1e-20); the values are not renormalised. The
 * command's poisson:LAMBDA, binomial:N,P, negbin:R,P and geometric:P map to
 * it directly. CLCONV_EINVAL names a bad parameter. *out as for
 * clconv_dist_create. */
CLCONV_API int clconv_dist_count(clconv_runtime *rt, clconv_count_family kind, double a,
                                 double b, double tail, clconv_dist **out);

/* Drops, in place, the leading and trailing entries below eps (2-D: border
 * rows and columns whose entries are all below eps; entries compare as
 * clconv_dist_read gives them) and stores the probability dropped in
 * *dropped (may be NULL). Entries between kept ones stay, however small.
 * CLCONV_ERANGE when every entry lies below eps. The CDF of a trimmed 1-D
 * dist still counts the probability dropped below its first entry, so it
 * stays P(X <= value). Blocking. */
CLCONV_API int clconv_dist_trim(clconv_dist *dist, double eps, double *dropped);

/* Summary statistics, per coordinate (1-D uses index 0), in units of the
 * values: grid index times step for a density. The moments are those of the
 * entries divided by their total, so a total off 1 by rounding does not bias
 * them; they are summed with compensation around the mean. */
typedef struct clconv_dist_stats {
    double total;          /* total probability, 1 up to rounding */
    double mean[2];
    double variance[2];
    double sd[2];
    double skewness[2];    /* NaN when the variance is 0 */
    double min[2], max[2]; /* smallest and largest value of positive probability */
    double covariance;     /* 2-D: of the two coordinates; 1-D: 0 */
} clconv_dist_stats;

/* Computes the statistics of dist into *stats (caller-owned). Blocking. */
CLCONV_API int clconv_dist_stats_get(const clconv_dist *dist, clconv_dist_stats *stats);

/* The cumulative distribution of a 1-D dist: cdf[i] = P(X <= value of entry
 * i), len[0] values into caller-owned cdf, summed with compensation. For a
 * density each sample stands for the cell of width h centred on it, with its
 * probability spread evenly, so cdf[i] is the total up to that centre.
 * CLCONV_EINVAL for a 2-D dist. Blocking. */
CLCONV_API int clconv_dist_cdf(const clconv_dist *dist, double *cdf);

/* The survival function of a 1-D dist: sf[i] = P(X > value of entry i) (for
 * a density, the total above the centre of cell i), len[0] values into
 * caller-owned sf. Summed with compensation from the upper end, so a small
 * upper tail keeps its relative accuracy, which 1 - cdf loses; mass trimmed
 * away above the last entry still counts. Values below float64's range read
 * as 0: clconv_dist_logsf has them. CLCONV_EINVAL for a 2-D dist. Blocking. */
CLCONV_API int clconv_dist_sf(const clconv_dist *dist, double *sf);

/* The natural logarithms of the survival function and of the CDF of a 1-D
 * dist (as clconv_dist_sf and clconv_dist_cdf), len[0] values into
 * caller-owned arrays, summed in logarithms from the dist's exact
 * log-probabilities: accurate to about 1e-9 absolute however small the
 * probability. -INFINITY where it is exactly 0. Blocking. */
CLCONV_API int clconv_dist_logsf(const clconv_dist *dist, double *logsf);
CLCONV_API int clconv_dist_logcdf(const clconv_dist *dist, double *logcdf);

/* Quantiles of a 1-D dist: for each q[i] in [0, 1], the smallest value x with
 * P(X <= x) >= q[i] (discrete), or the x where the piecewise linear CDF of
 * the cells above reaches q[i] (density). q and values are caller-owned
 * arrays of count entries. Blocking. */
CLCONV_API int clconv_dist_quantiles(const clconv_dist *dist, const double *q, size_t count,
                                     double *values);

#ifdef __cplusplus
}
#endif

#endif /* CLCONV_H */
