/*
 * Tests of program.c's two cache levels: a first build is a miss that
 * leaves a marker on disk, the second build of the same program (in a
 * second runtime) writes its binary, a repeated request is a memory hit, a
 * third runtime on the same directory loads from disk, clconv_warmup writes
 * binaries at the first build, corrupted entries (garbled, truncated,
 * emptied, extended) are rejected and rebuilt with results still right, and
 * the cache can be turned off or pointed elsewhere by option or
 * environment. Each test uses its own temporary cache directory. Also: every
 * kernel source builds without a warning on the device's compiler, in the
 * variants the library builds, since the library builds them with -w; and
 * the options the library itself chooses on this device build with -Werror.
 */
#include "harness.h"
#include "suites.h"

/* clconv__kernel_source, the embedded kernels, clconv__program_strict and
 * clconv__dtype_complex (host/internal.h). */
const char *clconv__kernel_source(const char *name, size_t *length);
void clconv__program_strict(int strict);
clconv_dtype clconv__dtype_complex(clconv_dtype dtype);

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A runtime on the default device caching in dir (NULL: the default
 * directory) with disk_cache as given. */
static clconv_runtime *cache_runtime(const char *dir, int disk_cache)
{
    clconv_runtime_options o = {0};
    clconv_runtime *rt = NULL;

    o.cache_dir = dir;
    o.disk_cache = disk_cache;
    ASSERT_OK(NULL, clconv_runtime_create_ex(&rt, &o));
    return rt;
}

/* Runs a small float32 1-D and 2-D convolution, checked against the
 * reference, so the runtime needs its programs. */
static void exercise(clconv_runtime *rt)
{
    const conv_case c1 = {.kind = CONV_1D, .form = FORM_HOST, .dtype = CLCONV_F32,
                          .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT,
                          .batch = 2, .rows = 1, .cols = 100, .krows = 1, .kcols = 7,
                          .seed = 101};
    const conv_case c2 = {.kind = CONV_2D, .form = FORM_DEVICE, .dtype = CLCONV_F32,
                          .mode = CLCONV_MODE_FULL, .method = CLCONV_METHOD_DIRECT,
                          .correlate = 1, .batch = 1, .rows = 9, .cols = 11, .krows = 3,
                          .kcols = 4, .seed = 102};

    conv_case_check(rt, &c1);
    conv_case_check(rt, &c2);
}

/* Counts the files whose names end in the suffix that arg points to. */
static void count_suffix(const char *path, void *arg)
{
    struct { const char *suffix; size_t n; } *c = arg;
    const size_t len = strlen(path), slen = strlen(c->suffix);
    if (len >= slen && strcmp(path + len - slen, c->suffix) == 0) c->n++;
}

/* Binaries (.bin) or first-build markers (.seen) under dir. */
static size_t count_entries(const char *dir, const char *suffix)
{
    struct { const char *suffix; size_t n; } c = {suffix, 0};
    test_for_each_file(dir, count_suffix, &c);
    return c.n;
}

/* clconv__program_forget_builds (host/internal.h): the disk cache then
 * treats this process as it would a new one. */
void clconv__program_forget_builds(void);

/* Runs exercise() in a new runtime on dir as a new process would and
 * destroys it: the second such run stores every program's binary. */
static void exercise_once(const char *dir)
{
    clconv__program_forget_builds();
    clconv_runtime *rt = cache_runtime(dir, 1);
    exercise(rt);
    clconv_runtime_destroy(rt);
}

static clconv_cache_stats stats_of(clconv_runtime *rt)
{
    clconv_cache_stats s;
    ASSERT_OK(rt, clconv_runtime_cache_stats(rt, &s));
    return s;
}

START_TEST(test_cache_miss_then_hits)
{
    clconv__program_forget_builds(); /* as a new process */
    char *dir = test_tempdir();
    clconv_runtime *rt = cache_runtime(dir, 1);
    clconv_cache_stats s = stats_of(rt);
    unsigned long built;

    ck_assert_uint_eq(s.memory_hits + s.disk_hits + s.builds + s.disk_rejects, 0);
    exercise(rt);
    s = stats_of(rt);
    built = s.builds;
    ck_assert_uint_gt(built, 0);
    ck_assert_uint_eq(s.disk_hits, 0);
    ck_assert_uint_eq(s.disk_rejects, 0);
    /* A first build leaves a marker per program and no binary. */
    ck_assert_uint_eq(count_entries(dir, ".seen"), built);
    ck_assert_uint_eq(count_entries(dir, ".bin"), 0);

    /* The same work again comes from memory. */
    exercise(rt);
    s = stats_of(rt);
    ck_assert_uint_eq(s.builds, built);
    ck_assert_uint_gt(s.memory_hits, 0);
    clconv_runtime_destroy(rt);

    /* A second runtime of the same process builds them again and stores
     * nothing: a process never takes the binary of a program it built. */
    rt = cache_runtime(dir, 1);
    exercise(rt);
    ck_assert_uint_eq(stats_of(rt).builds, built);
    clconv_runtime_destroy(rt);
    ck_assert_uint_eq(count_entries(dir, ".bin"), 0);
    ck_assert_uint_eq(count_entries(dir, ".seen"), built);

    /* Another process builds them again and stores them, one entry each, in
     * place of the markers. */
    clconv__program_forget_builds();
    rt = cache_runtime(dir, 1);
    exercise(rt);
    s = stats_of(rt);
    ck_assert_uint_eq(s.builds, built);
    ck_assert_uint_eq(s.disk_hits, 0);
    clconv_runtime_destroy(rt);
    ck_assert_uint_eq(count_entries(dir, ".bin"), built);
    ck_assert_uint_eq(test_count_files(dir), built);

    /* A third loads every program from disk and builds nothing. */
    rt = cache_runtime(dir, 1);
    exercise(rt);
    s = stats_of(rt);
    ck_assert_uint_eq(s.builds, 0);
    ck_assert_uint_eq(s.disk_hits, built);
    ck_assert_uint_eq(s.disk_rejects, 0);
    clconv_runtime_destroy(rt);
    ck_assert_uint_eq(test_count_files(dir), built);
    test_rmtree_free(dir);
}
END_TEST

START_TEST(test_cache_warmup_stores_at_once)
{
    clconv__program_forget_builds(); /* as a new process */
    /* clconv_warmup builds the programs of small calls and stores each
     * binary at its first build, so the next runtime builds nothing for the
     * same work. */
    char *dir = test_tempdir();
    clconv_runtime *rt = cache_runtime(dir, 1);
    ASSERT_OK(rt, clconv_warmup(rt, 0));
    clconv_cache_stats s = stats_of(rt);
    ck_assert_uint_gt(s.builds, 0);
    clconv_runtime_destroy(rt);
    ck_assert_uint_eq(count_entries(dir, ".bin"), s.builds);
    ck_assert_uint_eq(count_entries(dir, ".seen"), 0);

    rt = cache_runtime(dir, 1);
    exercise(rt);
    ck_assert_uint_eq(stats_of(rt).builds, 0);
    ck_assert_uint_gt(stats_of(rt).disk_hits, 0);
    clconv_runtime_destroy(rt);
    test_rmtree_free(dir);
}
END_TEST

/* Ways to damage a cache entry; _i of the loop test picks one. */
enum { GARBLE, TRUNCATE_HALF, EMPTY, EXTEND, DAMAGE_KINDS };

static void damage(const char *path, void *arg)
{
    const int kind = *(const int *)arg;
    FILE *f = fopen(path, "r+b");
    long size;

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    ck_assert_int_gt(size, 16);
    switch (kind) {
    case GARBLE:
        /* Flip bytes spread over the whole file: header, key and binary. */
        for (long at = 3; at < size; at += size / 7 + 1) {
            int c;
            ck_assert_int_eq(fseek(f, at, SEEK_SET), 0);
            c = fgetc(f);
            ck_assert_int_eq(fseek(f, at, SEEK_SET), 0);
            fputc(c ^ 0x5A, f);
        }
        break;
    case TRUNCATE_HALF:
        ck_assert_int_eq(ftruncate(fileno(f), size / 2), 0);
        break;
    case EMPTY:
        ck_assert_int_eq(ftruncate(fileno(f), 0), 0);
        break;
    case EXTEND:
    default:
        fputs("trailing junk", f);
        break;
    }
    ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_cache_corrupt_entries_rebuilt)
{
    clconv__program_forget_builds(); /* as a new process */
    char *dir = test_tempdir();
    clconv_runtime *rt = cache_runtime(dir, 1);
    clconv_cache_stats s;
    int kind = _i;
    size_t entries;

    exercise(rt);
    clconv_runtime_destroy(rt);
    exercise_once(dir);
    entries = count_entries(dir, ".bin");
    ck_assert_uint_eq(test_count_files(dir), entries);
    ck_assert_uint_gt(entries, 0);
    test_for_each_file(dir, damage, &kind);

    /* Every damaged entry is rejected, rebuilt (by a later process), and
     * the results are right; the rejection leaves no error behind, since
     * nothing failed. */
    clconv__program_forget_builds();
    rt = cache_runtime(dir, 1);
    exercise(rt);
    s = stats_of(rt);
    ck_assert_msg(clconv_last_error(rt)[0] == '\0', "last error: %s", clconv_last_error(rt));
    ck_assert_uint_eq(s.disk_rejects, entries);
    ck_assert_uint_eq(s.builds, entries);
    ck_assert_uint_eq(s.disk_hits, 0);
    clconv_runtime_destroy(rt);

    /* The rebuilt entries replaced the damaged ones. */
    ck_assert_uint_eq(test_count_files(dir), entries);
    rt = cache_runtime(dir, 1);
    exercise(rt);
    s = stats_of(rt);
    ck_assert_uint_eq(s.disk_hits, entries);
    ck_assert_uint_eq(s.builds, 0);
    clconv_runtime_destroy(rt);
    test_rmtree_free(dir);
}
END_TEST

START_TEST(test_cache_disabled)
{
    clconv__program_forget_builds(); /* as a new process */
    char *dir = test_tempdir();
    clconv_runtime *rt = cache_runtime(dir, -1);
    clconv_cache_stats s;

    exercise(rt);
    s = stats_of(rt);
    ck_assert_uint_gt(s.builds, 0);
    ck_assert_uint_eq(s.disk_hits + s.disk_rejects, 0);
    clconv_runtime_destroy(rt);
    ck_assert_uint_eq(test_count_files(dir), 0);

    /* CLCONV_NO_CACHE=1 turns the default off; an explicit 1 still wins. */
    setenv("CLCONV_NO_CACHE", "1", 1);
    rt = cache_runtime(dir, 0);
    exercise(rt);
    clconv_runtime_destroy(rt);
    ck_assert_uint_eq(test_count_files(dir), 0);
    rt = cache_runtime(dir, 1);
    exercise(rt);
    clconv_runtime_destroy(rt);
    ck_assert_uint_gt(test_count_files(dir), 0);
    unsetenv("CLCONV_NO_CACHE");
    test_rmtree_free(dir);
}
END_TEST

START_TEST(test_cache_creates_directories)
{
    clconv__program_forget_builds(); /* as a new process */
    /* A directory that does not exist yet is created, parents included. */
    char *dir = test_tempdir();
    char path[4200];
    clconv_runtime *rt;

    snprintf(path, sizeof path, "%s/a/b", dir);
    rt = cache_runtime(path, 1);
    exercise(rt);
    clconv_runtime_destroy(rt);
    ck_assert_uint_gt(test_count_files(path), 0);
    test_rmtree_free(dir);
}
END_TEST

/* Sets or, for NULL, removes an environment variable. */
static void put_env(const char *name, const char *value)
{
    if (value)
        setenv(name, value, 1);
    else
        unsetenv(name);
}

START_TEST(test_cache_environment)
{
    clconv__program_forget_builds(); /* as a new process */
    /* $CLCONV_CACHE_DIR stands in for the option, $XDG_CACHE_HOME/clconv
     * for both. The variables are put back for later tests that share this
     * process (CK_FORK=no). */
    char *dir = test_tempdir();
    char *saved_dir = getenv("CLCONV_CACHE_DIR"), *saved_xdg = getenv("XDG_CACHE_HOME");
    char path[4200];
    clconv_runtime *rt;

    saved_dir = saved_dir ? strdup(saved_dir) : NULL;
    saved_xdg = saved_xdg ? strdup(saved_xdg) : NULL;
    snprintf(path, sizeof path, "%s/env", dir);
    setenv("CLCONV_CACHE_DIR", path, 1);
    rt = cache_runtime(NULL, 1);
    exercise(rt);
    clconv_runtime_destroy(rt);
    ck_assert_uint_gt(test_count_files(path), 0);

    unsetenv("CLCONV_CACHE_DIR");
    snprintf(path, sizeof path, "%s/xdg", dir);
    setenv("XDG_CACHE_HOME", path, 1);
    rt = cache_runtime(NULL, 1);
    exercise(rt);
    clconv_runtime_destroy(rt);
    snprintf(path, sizeof path, "%s/xdg/clconv", dir);
    ck_assert_uint_gt(test_count_files(path), 0);

    put_env("CLCONV_CACHE_DIR", saved_dir);
    put_env("XDG_CACHE_HOME", saved_xdg);
    free(saved_dir);
    free(saved_xdg);
    test_rmtree_free(dir);
}
END_TEST

START_TEST(test_cache_unwritable)
{
    clconv__program_forget_builds(); /* as a new process */
    /* A cache that cannot be written (its parent is a regular file) costs
     * only the caching: every run still works and builds. */
    char *dir = test_tempdir();
    char path[4200];
    FILE *f;

    snprintf(path, sizeof path, "%s/file", dir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    snprintf(path, sizeof path, "%s/file/cache", dir);
    for (int round = 0; round < 2; round++) {
        clconv_runtime *rt = cache_runtime(path, 1);
        exercise(rt);
        ck_assert_uint_gt(stats_of(rt).builds, 0);
        clconv_runtime_destroy(rt);
    }
    test_rmtree_free(dir);
}
END_TEST

/* Every kernel file in build-option variants the library uses: both
 * precisions, strip widths and accumulator counts the parameter table and
 * clconv_tune choose from, the tiled shapes, padding widths. `bits` is the
 * widest vector a variant declares: on a CPU device whose registers are
 * narrower (AVX2's 256 bits) its compiler warns that such vectors change the
 * ABI of library calls, and the library builds the 256-bit variants there
 * instead (clconv__vector_fit; the strict test below runs its choices). */
static const struct {
    const char *name, *options;
    int fp64;
    unsigned bits;
} variants[] = {
    {"conv_strip", "-DPRECISION=32 -DVEC=16 -DNACC=12 -DUNROLL=1", 0, 512},
    {"conv_strip", "-DPRECISION=32 -DVEC=16 -DNACC=4 -DUNROLL=0", 0, 512},
    {"conv_strip", "-DPRECISION=64 -DVEC=8 -DNACC=4 -DUNROLL=0", 1, 512},
    {"conv_strip", "-DPRECISION=64 -DVEC=4 -DNACC=4 -DUNROLL=0", 1, 256},
    {"conv_strip", "-DPRECISION=32 -DVEC=16 -DNACC=8 -DUNROLL=4", 0, 512},
    {"conv_strip", "-DPRECISION=32 -DVEC=8 -DNACC=7 -DUNROLL=2", 0, 256},
    {"conv_strip", "-DPRECISION=32 -DVEC=4 -DNACC=1 -DUNROLL=4", 0, 128},
    {"conv_strip", "-DPRECISION=64 -DVEC=8 -DNACC=8 -DUNROLL=4", 1, 512},
    {"conv_strip", "-DPRECISION=32 -DVEC=16 -DNACC=4 -DUNROLL=0 -DBOUNDARY=1", 0, 512},
    {"conv_strip", "-DPRECISION=32 -DVEC=8 -DNACC=4 -DUNROLL=0 -DBOUNDARY=1", 0, 256},
    {"conv_strip", "-DPRECISION=64 -DVEC=8 -DNACC=8 -DUNROLL=4 -DBOUNDARY=1", 1, 512},
    {"conv_rows", "-DPRECISION=32 -DVEC=16 -DNACC=2 -DRB=8 -DKR=3 -DKC=3", 0, 512},
    {"conv_rows", "-DPRECISION=32 -DVEC=8 -DNACC=2 -DRB=4 -DKR=5 -DKC=5 -DBOUNDARY=1", 0, 256},
    {"conv_rows", "-DPRECISION=64 -DVEC=4 -DNACC=2 -DRB=4 -DKR=3 -DKC=3", 1, 256},
    {"conv_rows", "-DPRECISION=32 -DVEC=8 -DNACC=4 -DRB=3 -DKR=19 -DKC=1 -DSPI=16", 0, 256},
    {"conv_vol", "-DPRECISION=32 -DVEC=8 -DNACC=2", 0, 256},
    {"conv_tiled", "-DPRECISION=32 -DWGX=32 -DWGY=8 -DWPTX=2 -DWPTY=2 -DKBX=16 -DKBY=16", 0, 32},
    {"conv_tiled", "-DPRECISION=64 -DWGX=256 -DWGY=1 -DWPTX=8 -DWPTY=1 -DKBX=256 -DKBY=1", 1,
     64},
    {"pad", "-DPRECISION=32 -DPADV=16", 0, 512},
    {"pad", "-DPRECISION=32 -DPADV=8", 0, 256},
    {"pad", "-DPRECISION=64 -DPADV=1", 1, 64},
    {"fft", "-DPRECISION=32", 0, 512},
    {"fft", "-DPRECISION=32 -DVEC=8", 0, 256},
    {"fft", "-DPRECISION=64", 1, 1024},
    {"fft", "-DPRECISION=64 -DVEC=4", 1, 256},
    {"complex", "-DPRECISION=32 -DCVEC=16", 0, 512},
    {"complex", "-DPRECISION=64 -DCVEC=4", 1, 256},
    {"convert", "-DPRECISION=32 -DCVEC=8 -DOUT_T=uchar -DOUT_MIN=0 -DOUT_MAX=255", 0, 256},
    {"dist", "", 1, 64},
    {"peak_fma", "-DPRECISION=32 -DW=16", 0, 512},
    {"peak_fma", "-DPRECISION=32 -DW=8", 0, 256},
    {"peak_fma", "-DPRECISION=64 -DW=1", 1, 64},
    {"peak_stream", "-DW=4", 0, 128},
};

START_TEST(test_kernels_build_without_warnings)
{
    clconv_runtime *rt = test_runtime();
    clconv_device_info info;
    cl_device_id dev;
    ASSERT_OK(rt, clconv_runtime_device(rt, &info));
    ck_assert_int_eq(clGetCommandQueueInfo(clconv_runtime_queue(rt), CL_QUEUE_DEVICE, sizeof dev,
                                           &dev, NULL),
                     CL_SUCCESS);
    const size_t i = (size_t)_i;
    if (variants[i].fp64 && !info.fp64) return;
    if (info.type == CLCONV_DEVICE_CPU && info.pref_vector_float >= 2 &&
        variants[i].bits > 32 * info.pref_vector_float)
        return;
    size_t len = 0;
    const char *src = clconv__kernel_source(variants[i].name, &len);
    ck_assert_msg(src != NULL, "no kernel source named %s", variants[i].name);
    cl_int err;
    cl_program prog = clCreateProgramWithSource(clconv_runtime_context(rt), 1, &src, &len, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    char options[256];
    snprintf(options, sizeof options, "%s -Werror", variants[i].options);
    err = clBuildProgram(prog, 1, &dev, options, NULL, NULL);
    char log[4096] = "";
    clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, sizeof log - 1, log, NULL);
    ck_assert_msg(err == CL_SUCCESS && strstr(log, "warning") == NULL,
                  "kernels/%s.cl with '%s': build status %d, log: %s", variants[i].name,
                  variants[i].options, err, log);
    clReleaseProgram(prog);
}
END_TEST

/* The library's own choices of build options on this device, built with
 * -Werror (clconv__program_strict), from source in a runtime without a disk
 * cache: direct 1-D windows of each table range, 2-D windows through
 * conv_rows and conv_strip with and without a boundary mode, uint8 storage,
 * separable passes, complex data, 3-D direct and FFT, both FFT backends'
 * element-wise kernels, and the peak measurement. */
static void strict_cases(clconv_runtime *rt, int fp64)
{
    const clconv_dtype reals[2] = {CLCONV_F32, CLCONV_F64};
    for (int d = 0; d < 1 + fp64; d++) {
        const size_t taps1[] = {3, 64, 1024};
        for (size_t t = 0; t < 3; t++) {
            const conv_case c = {.kind = CONV_1D, .form = FORM_HOST, .dtype = reals[d],
                                 .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT,
                                 .batch = 1, .rows = 1, .cols = 3000, .krows = 1,
                                 .kcols = taps1[t], .seed = 501 + t};
            conv_case_check(rt, &c);
        }
        const size_t win[] = {3, 5, 9, 15};
        for (size_t w = 0; w < 4; w++)
            for (int b = 0; b < 2; b++) {
                const conv_case c = {.kind = CONV_2D, .form = FORM_HOST, .dtype = reals[d],
                                     .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT,
                                     .batch = 1, .rows = 40, .cols = 70, .krows = win[w],
                                     .kcols = win[w], .seed = 511 + w,
                                     .boundary = b ? CLCONV_BOUNDARY_MIRROR : CLCONV_BOUNDARY_NONE};
                conv_case_check(rt, &c);
            }
        const conv_case sep = {.kind = CONV_SEPARABLE, .form = FORM_HOST, .dtype = reals[d],
                               .mode = CLCONV_MODE_FULL, .method = CLCONV_METHOD_DIRECT,
                               .batch = 2, .rows = 30, .cols = 50, .krows = 7, .kcols = 9,
                               .seed = 521};
        conv_case_check(rt, &sep);
        /* The row pass through the mode, the column pass in conv_rows. */
        const conv_case sep_mode = {.kind = CONV_SEPARABLE, .form = FORM_HOST, .dtype = reals[d],
                                    .mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT,
                                    .batch = 1, .rows = 30, .cols = 50, .krows = 19, .kcols = 5,
                                    .seed = 523, .boundary = CLCONV_BOUNDARY_MIRROR};
        conv_case_check(rt, &sep_mode);
        const conv_case fft = {.kind = CONV_2D, .form = FORM_HOST, .dtype = reals[d],
                               .mode = CLCONV_MODE_FULL, .method = CLCONV_METHOD_FFT,
                               .batch = 1, .rows = 40, .cols = 60, .krows = 9, .kcols = 9,
                               .seed = 522};
        conv_case_check(rt, &fft);

        /* Volumes and complex data: what matters here is that every program
         * builds; their results are checked in the conv3d and complex suites. */
        const size_t es = clconv_dtype_size(reals[d]);
        unsigned char *vol = calloc(12 * 12 * 12 * 2, es), *vout = calloc(12 * 12 * 12 * 2, es);
        unsigned char *taps = calloc(27 * 2, es);
        ck_assert(vol && vout && taps);
        for (int m = 0; m < 2; m++) {
            clconv_conv_options o = {.mode = CLCONV_MODE_SAME,
                                     .method = m ? CLCONV_METHOD_FFT : CLCONV_METHOD_DIRECT};
            ASSERT_OK(rt, clconv_conv3d_host(rt, reals[d], vol, 12, 12, 12, 1, taps, 3, 3, 3,
                                             vout, &o));
        }
        const clconv_dtype cplx = clconv__dtype_complex(reals[d]);
        clconv_conv_options o = {.mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT};
        ASSERT_OK(rt, clconv_conv1d_host(rt, cplx, vol, 700, 1, taps, 5, vout, &o));
        free(vol);
        free(vout);
        free(taps);
    }
    uint8_t img[30 * 40] = {0}, out8[30 * 40];
    const float k3[9] = {0.25f, 0.5f, 0.25f, 0, 1, 0, -0.25f, 0, 0.25f};
    clconv_conv_options o = {.mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT,
                             .boundary = CLCONV_BOUNDARY_REFLECT};
    ASSERT_OK(rt, clconv_conv2d_host_typed(rt, CLCONV_U8, img, 30, 40, 1, CLCONV_F32, k3, 3, 3,
                                           CLCONV_U8, out8, &o));
}

START_TEST(test_library_builds_without_warnings)
{
    clconv__program_forget_builds(); /* as a new process */
    clconv__program_strict(1);
    for (int backend = 0; backend < 2; backend++) {
        /* The second runtime runs FFTs through VkFFT, whose element-wise
         * kernels (kernels/fft.cl) the host FFT backend never builds. */
        if (backend) setenv("CLCONV_FFT_BACKEND", "vkfft", 1);
        clconv_runtime *rt = cache_runtime(NULL, -1);
        unsetenv("CLCONV_FFT_BACKEND");
        clconv_device_info info;
        ASSERT_OK(rt, clconv_runtime_device(rt, &info));
        strict_cases(rt, info.fp64);
        if (!backend) {
            clconv_peak_result pk;
            ASSERT_OK(rt, clconv_device_peak(rt, &pk));
        }
        clconv_runtime_destroy(rt);
    }
    clconv__program_strict(0);
}
END_TEST

Suite *clconv_test_suite_cache(void)
{
    Suite *s = suite_create("cache");
    TCase *tc = test_tcase_bare("programs");

    tcase_add_test(tc, test_cache_miss_then_hits);
    tcase_add_test(tc, test_cache_warmup_stores_at_once);
    tcase_add_loop_test(tc, test_cache_corrupt_entries_rebuilt, 0, DAMAGE_KINDS);
    tcase_add_test(tc, test_cache_disabled);
    tcase_add_test(tc, test_cache_creates_directories);
    tcase_add_test(tc, test_cache_environment);
    tcase_add_test(tc, test_cache_unwritable);
    suite_add_tcase(s, tc);
    TCase *kernels = test_tcase("kernels");
    tcase_add_loop_test(kernels, test_kernels_build_without_warnings, 0,
                        (int)(sizeof variants / sizeof variants[0]));
    tcase_add_test(kernels, test_library_builds_without_warnings);
    suite_add_tcase(s, kernels);
    return s;
}
