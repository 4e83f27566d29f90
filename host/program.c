/*
 * Program building with two cache levels (pocl's pocl_cache.c, CLBlast's
 * cache.hpp): built programs are kept in memory per (source, options) for the
 * runtime's life, and program binaries are kept on disk keyed by everything
 * that could change them. A disk entry is an optimisation only: one that is
 * truncated, corrupted, from another key, or that fails to load or build is
 * deleted and the program is rebuilt from source.
 *
 * Disk entry layout: "CLCONVB1", u64 key length, key bytes, u64 binary
 * length, u64 FNV-1a of the binary, binary bytes. The full key is stored and
 * compared, so a file-name hash collision can never load a wrong binary.
 *
 * A binary is stored the second time a program is built from source, by
 * another process, not the first: the first build leaves only a marker
 * beside where the entry would go. Asking POCL for a program's binary
 * compiles every kernel in it once more for a generic work-group size
 * (0.26 s per one-kernel program on a 2-core Xeon, on top of what its first
 * launch spends), which a one-off program (a test's odd shape, one FFT
 * length) never earns back; a program needed again is by then in the
 * driver's own cache, so its second build is cheap. clconv_warmup stores
 * binaries at the first build. Binaries are taken right after the build,
 * before any kernel of the program runs, and never for a program its
 * process built before: either way POCL 3.1 can fail an assertion on a
 * reference count of its kernel library handles (built_before).
 *
 * Programs are built with -w unless the runtime is verbose: POCL writes
 * compiler warnings straight onto stderr while it builds a kernel, and the
 * library never prints. Verbose runs show the build log as a note.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* An entry is in the list from the moment one thread starts building it:
 * others asking for the same program wait on rt->program_built instead of
 * building it again, while requests for other programs go on (CLBlast's
 * cache locks only to find or store, never while compiling). */
struct clconv__program {
    struct clconv__program *next;
    char *name;
    char *options;
    cl_program program;
    int building;             /* 1 while its first thread builds it */
};

static const char MAGIC[8] = {'C', 'L', 'C', 'O', 'N', 'V', 'B', '1'};

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}
#define FNV_OFFSET 0xcbf29ce484222325ull

/* The disk key: library version, source hash and length, options, and the
 * platform/device/driver identity. Returns a malloc'd string or NULL. */
static char *disk_key(const clconv_runtime *rt, const char *src, size_t len, const char *opts)
{
    const clconv_device_info *d = &rt->info;
    size_t cap = 1024 + strlen(opts) + sizeof d->name + sizeof d->platform +
                 sizeof d->driver_version + sizeof d->opencl_version + sizeof d->vendor;
    char *key = malloc(cap);
    if (!key) return NULL;
    snprintf(key, cap, "clconv %s|src %016llx %zu|opts %s|platform %s|device %s|vendor %s|"
                       "version %s|driver %s",
             clconv_version_string(), (unsigned long long)fnv1a(FNV_OFFSET, src, len), len, opts,
             d->platform, d->name, d->vendor, d->opencl_version, d->driver_version);
    return key;
}

static char *disk_path(const clconv_runtime *rt, const char *name, const char *key)
{
    size_t cap = strlen(rt->cache_dir) + strlen(name) + 64;
    char *path = malloc(cap);
    if (path)
        snprintf(path, cap, "%s/%s-%016llx.bin", rt->cache_dir, name,
                 (unsigned long long)fnv1a(FNV_OFFSET, key, strlen(key)));
    return path;
}

/* mkdir -p; failures surface later as a failed write, which is harmless. */
void clconv__make_dirs(const char *dir)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        mkdir(buf, 0755);
        *p = '/';
    }
    mkdir(buf, 0755);
}

/* Reads and verifies an entry; on success *bin is malloc'd. Returns 0 when a
 * valid entry was read, 1 when there is none, -1 when one exists but is bad. */
static int disk_read(const char *path, const char *key, unsigned char **bin, size_t *binlen)
{
    FILE *f = fopen(path, "rb");
    char magic[8];
    uint64_t klen, blen, sum;
    char *kbuf = NULL;
    int result = -1;

    *bin = NULL;
    if (!f) return errno == ENOENT ? 1 : -1;
    if (fread(magic, 1, 8, f) != 8 || memcmp(magic, MAGIC, 8) != 0) goto done;
    if (fread(&klen, sizeof klen, 1, f) != 1 || klen != strlen(key)) goto done;
    kbuf = malloc(klen + 1);
    if (!kbuf || fread(kbuf, 1, klen, f) != klen || memcmp(kbuf, key, klen) != 0) goto done;
    if (fread(&blen, sizeof blen, 1, f) != 1 || fread(&sum, sizeof sum, 1, f) != 1) goto done;
    if (blen == 0 || blen > (1ull << 31)) goto done;
    *bin = malloc(blen);
    if (!*bin || fread(*bin, 1, blen, f) != blen || fgetc(f) != EOF) goto done;
    if (fnv1a(FNV_OFFSET, *bin, blen) != sum) goto done;
    *binlen = blen;
    result = 0;
done:
    if (result != 0) {
        free(*bin);
        *bin = NULL;
    }
    free(kbuf);
    fclose(f);
    return result;
}

/* Writes through a temporary file and rename() so readers never see a
 * partial entry. Failures only cost the cache. */
static void disk_write(const clconv_runtime *rt, const char *path, const char *key,
                       const unsigned char *bin, size_t len)
{
    size_t plen = strlen(path) + 32;
    char *tmp = malloc(plen);
    if (!tmp) return;
    snprintf(tmp, plen, "%s.%ld.tmp", path, (long)getpid());
    clconv__make_dirs(rt->cache_dir);
    FILE *f = fopen(tmp, "wb");
    if (f) {
        uint64_t klen = strlen(key), blen = len, sum = fnv1a(FNV_OFFSET, bin, len);
        int ok = fwrite(MAGIC, 1, 8, f) == 8 && fwrite(&klen, sizeof klen, 1, f) == 1 &&
                 fwrite(key, 1, klen, f) == klen && fwrite(&blen, sizeof blen, 1, f) == 1 &&
                 fwrite(&sum, sizeof sum, 1, f) == 1 && fwrite(bin, 1, len, f) == len;
        ok = (fclose(f) == 0) && ok;
        if (!ok || rename(tmp, path) != 0) remove(tmp);
        else clconv__note(rt, "cached program binary %s", path);
    }
    free(tmp);
}

/* The first part of prog's build log, without trailing blanks; "" when
 * there is none. */
static void build_log(const clconv_runtime *rt, cl_program prog, char *log, size_t cap)
{
    size_t len = 0;
    log[0] = '\0';
    if (clGetProgramBuildInfo(prog, rt->device, CL_PROGRAM_BUILD_LOG, cap - 1, log, &len) !=
        CL_SUCCESS)
        snprintf(log, cap, "(no build log)");
    log[cap - 1] = '\0';
    for (len = strlen(log); len > 0 && (log[len - 1] == '\n' || log[len - 1] == ' ' ||
                                        log[len - 1] == '\r' || log[len - 1] == '\t');)
        log[--len] = '\0';
}

static int strict_builds;

void clconv__program_strict(int strict)
{
    strict_builds = strict;
}

/* Builds a program object, quietly unless the runtime is verbose (or
 * strict); on build failure the message carries the log. */
static int build(clconv_runtime *rt, cl_program prog, const char *name, const char *opts)
{
    char full[1024], log[2048];
    const char *quiet = strict_builds ? "-Werror" : rt->verbose ? "" : "-w";
    const int n = snprintf(full, sizeof full, "%s%s%s", opts, *opts && *quiet ? " " : "", quiet);
    RETURN_IF(rt, n < 0 || (size_t)n >= sizeof full, CLCONV_EINVAL,
              "program %s: build options of %zu bytes are too long", name, strlen(opts));
    cl_int err = clBuildProgram(prog, 1, &rt->device, full, NULL, NULL);
    if (err == CL_SUCCESS) {
        if (rt->verbose) {
            build_log(rt, prog, log, sizeof log);
            if (*log) clconv__note(rt, "program %s [%s]: build log:\n%s", name, opts, log);
        }
        return 0;
    }
    build_log(rt, prog, log, sizeof log);
    return clconv__cl_fail(rt, err, "clBuildProgram", __FILE__, __LINE__,
                           "program %s with '%s' on '%s': %s", name, opts, rt->info.name, log);
}

static int from_binary(clconv_runtime *rt, const unsigned char *bin, size_t len,
                       const char *name, const char *opts, cl_program *out)
{
    cl_int err, bstatus;
    cl_program prog =
        clCreateProgramWithBinary(rt->ctx, 1, &rt->device, &len, &bin, &bstatus, &err);
    if (err != CL_SUCCESS || bstatus != CL_SUCCESS) {
        if (prog) clReleaseProgram(prog);
        return -1;
    }
    /* A binary that does not build is only a stale cache entry: the program
     * is rebuilt from source, so this failure is not the caller's error. */
    if (build(rt, prog, name, opts) != 0) {
        clconv__clear_error();
        clReleaseProgram(prog);
        return -1;
    }
    *out = prog;
    return 0;
}

static int from_source(clconv_runtime *rt, const char *src, size_t len, const char *name,
                       const char *opts, cl_program *out)
{
    cl_int err;
    cl_program prog = clCreateProgramWithSource(rt->ctx, 1, &src, &len, &err);
    CL_RETURN_IF(rt, err, "clCreateProgramWithSource", "program %s", name);
    int status = build(rt, prog, name, opts);
    if (status < 0) {
        clReleaseProgram(prog);
        return status;
    }
    *out = prog;
    return 0;
}

static void save_binary(clconv_runtime *rt, cl_program prog, const char *path, const char *key)
{
    size_t len = 0;
    if (clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof len, &len, NULL) != CL_SUCCESS ||
        len == 0)
        return;
    unsigned char *bin = malloc(len);
    if (!bin) return;
    if (clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof bin, &bin, NULL) == CL_SUCCESS)
        disk_write(rt, path, key, bin, len);
    free(bin);
}

/* The disk keys (hashed) of the programs this process has built from
 * source, in any runtime: a process never asks for the binary of a program
 * it built before, since with an identical program's kernels still queued
 * POCL 3.1 then fails an assertion on the reference count of its kernel
 * library handles (seen in the fft suite, where two plans of the same length
 * are built in one process). */
static pthread_mutex_t built_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t *built_keys;
static size_t built_count, built_cap;

void clconv__program_forget_builds(void)
{
    pthread_mutex_lock(&built_lock);
    built_count = 0;
    pthread_mutex_unlock(&built_lock);
}

/* Records key as built by this process; returns 1 when it was already. */
static int built_before(const char *key)
{
    const uint64_t h = fnv1a(FNV_OFFSET, key, strlen(key));
    int found = 0;
    pthread_mutex_lock(&built_lock);
    for (size_t i = 0; i < built_count && !found; i++) found = built_keys[i] == h;
    if (!found && built_count == built_cap) {
        const size_t cap = built_cap ? 2 * built_cap : 64;
        uint64_t *keys = realloc(built_keys, cap * sizeof *keys);
        if (keys) built_keys = keys, built_cap = cap;
    }
    if (!found && built_count < built_cap) built_keys[built_count++] = h;
    pthread_mutex_unlock(&built_lock);
    return found;
}

/* Whether a program just built from source should have its binary stored:
 * at its second build, by another process (the first left a marker beside
 * where the entry would go), or at the first under clconv_warmup; never
 * when this process built it before (again). Leaves a marker otherwise. (A
 * program whose stored binary was rejected had been built before: it is
 * stored at once.) */
static int store_now(const clconv_runtime *rt, const char *path, int rejected, int again)
{
    if (rejected && !again) return 1;
    size_t cap = strlen(path) + 8;
    char *marker = malloc(cap);
    if (!marker) return 0;
    snprintf(marker, cap, "%s.seen", path);
    const int seen = access(marker, F_OK) == 0;
    const int store = !again && (seen || rt->eager_binaries);
    if (seen && store) {
        remove(marker);
    } else if (!seen && !store) {
        clconv__make_dirs(rt->cache_dir);
        FILE *f = fopen(marker, "wb");
        if (f) fclose(f);
    }
    free(marker);
    return store;
}

/* Adds one to a cache counter. */
static void count(clconv_runtime *rt, unsigned long *counter)
{
    pthread_mutex_lock(&rt->program_lock);
    (*counter)++;
    pthread_mutex_unlock(&rt->program_lock);
}

/* Loads through the disk cache or builds, with no lock held: a build takes
 * seconds on a CPU device, and other calls on the runtime go on meanwhile. */
static int load(clconv_runtime *rt, const char *name, const char *src, size_t len,
                const char *opts, cl_program *out)
{
    /* The key also records builds when there is no disk cache
     * (built_before). */
    char *key = disk_key(rt, src, len, opts), *path = NULL;
    int rejected = 0;
    if (rt->cache_dir && key) path = disk_path(rt, name, key);
    if (path) {
        unsigned char *bin;
        size_t blen;
        int r = disk_read(path, key, &bin, &blen);
        if (r == 0 && from_binary(rt, bin, blen, name, opts, out) == 0) {
            free(bin);
            free(key);
            free(path);
            count(rt, &rt->stats.disk_hits);
            clconv__note(rt, "program %s [%s]: loaded cached binary", name, opts);
            return 0;
        }
        free(bin);
        if (r != 1) {
            rejected = 1;
            count(rt, &rt->stats.disk_rejects);
            clconv__note(rt, "program %s: cached binary %s rejected, rebuilding", name, path);
            remove(path);
        }
    }
    int status = from_source(rt, src, len, name, opts, out);
    if (status == 0) {
        count(rt, &rt->stats.builds);
        clconv__note(rt, "program %s [%s]: built from source", name, opts);
        const int again = !key || built_before(key);
        if (path && store_now(rt, path, rejected, again)) save_binary(rt, *out, path, key);
    }
    free(key);
    free(path);
    return status;
}

/* The entry for (name, opts), or NULL; called with rt->program_lock held. */
static struct clconv__program *find(const clconv_runtime *rt, const char *name, const char *opts)
{
    for (struct clconv__program *p = rt->programs; p; p = p->next)
        if (strcmp(p->name, name) == 0 && strcmp(p->options, opts) == 0) return p;
    return NULL;
}

static void entry_free(struct clconv__program *entry)
{
    if (!entry) return;
    free(entry->name);
    free(entry->options);
    free(entry);
}

int clconv__program_get(clconv_runtime *rt, const char *name, const char *options,
                        cl_program *out)
{
    const char *opts = options ? options : "";
    size_t len;
    const char *src = clconv__kernel_source(name, &len);
    RETURN_IF(rt, !src, CLCONV_EINVAL, "no embedded kernel source named '%s'", name);

    pthread_mutex_lock(&rt->program_lock);
    struct clconv__program *entry;
    /* Another thread building this program: wait for it. If its build
     * failed the entry is gone, and this thread tries (and reports) itself. */
    while ((entry = find(rt, name, opts)) && entry->building)
        pthread_cond_wait(&rt->program_built, &rt->program_lock);
    if (entry) {
        rt->stats.memory_hits++;
        *out = entry->program;
        pthread_mutex_unlock(&rt->program_lock);
        return 0;
    }
    entry = calloc(1, sizeof *entry);
    if (!entry || !(entry->name = strdup(name)) || !(entry->options = strdup(opts))) {
        pthread_mutex_unlock(&rt->program_lock);
        entry_free(entry);
        return CLCONV_FAIL(rt, CLCONV_ENOMEM, "allocating a program cache entry");
    }
    entry->building = 1;
    entry->next = rt->programs;
    rt->programs = entry;
    pthread_mutex_unlock(&rt->program_lock);

    const int status = load(rt, name, src, len, opts, &entry->program);

    pthread_mutex_lock(&rt->program_lock);
    if (status == 0) {
        entry->building = 0;
        *out = entry->program;
    } else {
        struct clconv__program **at = &rt->programs;
        while (*at != entry) at = &(*at)->next;
        *at = entry->next;
        entry_free(entry);
    }
    pthread_cond_broadcast(&rt->program_built);
    pthread_mutex_unlock(&rt->program_lock);
    return status;
}

int clconv__program_from_source(clconv_runtime *rt, const char *name, const char *src,
                                size_t len, const char *options, cl_program *out)
{
    return load(rt, name, src, len, options ? options : "", out);
}

void clconv__program_cache_clear(clconv_runtime *rt)
{
    struct clconv__program *p = rt->programs, *next;
    for (; p; p = next) {
        next = p->next;
        clReleaseProgram(p->program);
        entry_free(p);
    }
    rt->programs = NULL;
}

int clconv__kernel_create(clconv_runtime *rt, const char *program, const char *options,
                          const char *kernel, cl_kernel *out)
{
    cl_program prog;
    cl_int err;
    FORWARD_IF_ERROR(clconv__program_get(rt, program, options, &prog));
    *out = CLCONV__CL_OBJ(clCreateKernel, &err, prog, kernel);
    CL_RETURN_IF(rt, err, "clCreateKernel", "kernel %s in kernels/%s.cl", kernel, program);
    return 0;
}

int clconv__set_args(clconv_runtime *rt, cl_kernel kernel, const clconv__arg *args,
                     cl_uint count, const char *name)
{
    for (cl_uint i = 0; i < count; i++)
        CL_RETURN_IF(rt, CLCONV__CL(clSetKernelArg, kernel, i, args[i].size, args[i].value),
                     "clSetKernelArg", "argument %u of %s", i, name);
    return 0;
}

int clconv__launch(clconv_runtime *rt, cl_kernel kernel, cl_uint dims, const size_t *gws,
                   const size_t *lws, const char *name)
{
    CL_RETURN_IF(
        rt,
        CLCONV__CL(clEnqueueNDRangeKernel, rt->queue, kernel, dims, NULL, gws, lws, 0, NULL, NULL),
        "clEnqueueNDRangeKernel", "%s (%zu x %zu x %zu)", name, gws[0], dims > 1 ? gws[1] : 1,
        dims > 2 ? gws[2] : 1);
    return 0;
}
