/*
 * Per-call planning: the device's cost model (defaults, or the measurement
 * `clconv tune` stored next to the program cache), the choice between
 * direct and FFT convolution for CLCONV_METHOD_AUTO, and the FFT path's
 * block layout: one transform per image, or overlap-save blocks when a
 * long signal meets a shorter kernel, in launches that fit the allocation
 * limit (which is how inputs too large for one device allocation stream
 * through).
 *
 * Every candidate layout is priced by the same model: transform passes by
 * length, element-wise traffic, launches, and the creation of any VkFFT plan
 * not cached yet. Charging plan creation matters: a plan's twiddle tables
 * cost about 40 ns a point on POCL, so one transform of 2^24 points needs
 * 0.7 s of set-up, more than the convolution it serves, while 2^19-point
 * overlap-save blocks need 20 ms. A one-shot call takes the blocks; a
 * repeated one may find the single transform cached.
 */
#include "plan.h"

#include "fft.h"
#include "params.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One FFT launch uses at most this much memory unless a single transform
 * needs more. Measured on POCL (2^24 points in 2^19-point blocks): launches
 * of 8 MiB to 256 MiB ran equally fast once warm, and the smaller ones
 * touch less fresh memory on a first call. */
#define SOFT_LAUNCH_BYTES ((size_t)32 << 20)

/* Format tag of a stored model; bump when its fields change. Format 3 is
 * format 4 without the 3-D figures, and is still read (as untuned in 3-D),
 * so a device tuned before keeps its 1-D and 2-D figures. */
#define MODEL_FORMAT "clconv-model 4"
#define MODEL_FORMAT_3 "clconv-model 3"

/* ---- defaults ------------------------------------------------------------ */

/* VkFFT's defaults (the host FFT backend has its own, below) are what
 * `clconv tune` measured on the project's 2-core AMD EPYC under POCL 3.1
 * (three runs, rounded): ns per point of one real-to-complex pass along
 * rows of 2^b points, 2^21 points a launch.
 * Lengths below 2^8 cost what 2^8 does; above 2^22 the cost grows with
 * log2 of the length. The dips and bumps are real: they follow how the
 * local-memory ceiling (fft.c) splits each length into kernels. */
static const double DEFAULT_FFT_NS[2][CLCONV__MODEL_BUCKETS] = {
    {3.4, 3.4, 3.4, 3.4, 3.4, 3.4, 3.4, 3.4, 3.4, 3.6, 3.9, 5.0, 6.1, 4.3, 3.3, 4.1,
     4.3, 4.5, 4.7, 4.5, 5.9, 5.95, 6.0, 6.3, 6.5, 6.8, 7.1, 7.4, 7.6, 7.9, 8.2},
    {3.8, 3.8, 3.8, 3.8, 3.8, 3.8, 3.8, 3.8, 3.8, 4.0, 4.1, 3.3, 2.6, 3.5, 4.4, 4.5,
     4.5, 4.4, 4.4, 5.0, 5.7, 6.3, 6.9, 7.2, 7.5, 7.8, 8.2, 8.5, 8.8, 9.1, 9.4},
};

static void model_defaults(clconv__model *m)
{
    memset(m, 0, sizeof *m);
    m->direct_gflops[0] = 110.0;
    m->direct_gflops[1] = 62.0;
    m->direct_call_s = 30e-6;
    memcpy(m->fft_ns, DEFAULT_FFT_NS, sizeof m->fft_ns);
    m->column_factor = 0.5;
    m->bandwidth_gbps = 25.0;
    m->launch_s = 3e-6;
    m->plan_s = 0.003;
    m->plan_ns = 40.0;
}

/* The host backend's transform figures (FFTW on the host, fftconv_host.c):
 * ns per point of one transform of an overlap-save convolution with its
 * share of the padding, product and crop, which is what `clconv tune`
 * measures there (tune.c, time_host_blocks). From five `clconv tune` runs
 * on the project's 2-core AMD EPYC (Zen 4, AVX-512) under POCL 3.1, load
 * average 4-8 (other engineers' builds and tests): the best of the five per
 * length, rounded, and smoothed where single runs disagreed by more than
 * the machine's noise (f32: 1.5-2.6 ns up to 2^16, 3.5-4.2 at 2^17-2^19,
 * 8.0 at 2^20, 11.8 at 2^22; the runs' medians were 1.3-2x these). Single-
 * thread blocks stay in the core's caches up to about 2^16 points; from
 * 2^20 they do not, which is why the figure jumps there. On this backend a
 * 2-D or 3-D block costs what a 1-D one of as many points does times
 * 1 + column_factor (host_ns), 0.5 by default: conv2d 2048^2 with 31x31 in
 * 100 blocks of 256 x 256 took 47-50 ms, 3.6 ns per point of each of its
 * 201 transforms against 2.45 for 1-D blocks of 2^16 points. */
static const double DEFAULT_HOST_FFT_NS[2][CLCONV__MODEL_BUCKETS] = {
    {2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.2, 2.2,
     2.45, 3.5, 3.5, 4.2, 8.0, 10.0, 11.8, 12.3, 12.8, 13.4, 13.9, 14.4, 15.0, 15.5, 16.0},
    {2.4, 2.4, 2.4, 2.4, 2.4, 2.4, 2.4, 2.4, 2.4, 2.4, 2.4, 2.4, 2.1, 2.6, 3.1, 3.6,
     4.6, 4.6, 6.4, 12.0, 17.7, 18.5, 19.4, 20.3, 21.2, 22.1, 23.0, 23.9, 24.7, 25.6, 26.5},
};

/* The host backend's defaults: the device's figures as for VkFFT, the
 * transforms' from the table above, and from the same five runs the
 * bandwidth of its copies (the best, 17 GB/s) and a transform's map and
 * launch (26-65 us: 40). Creating an FFTW plan (FFTW_ESTIMATE) took 3-8 ms
 * for transforms of 256 x 256 to 2^17 points and 6-37 ms for 2^22, 256^3
 * and 280^3 points, so 5 ms plus 2 ns a point; single-thread blocks that
 * FFTW measures (fft_host.c) take 0.2-1 s once per machine, which the
 * wisdom in the disk cache saves every later process. */
static void model_defaults_host(clconv__model *m)
{
    model_defaults(m);
    memcpy(m->fft_ns, DEFAULT_HOST_FFT_NS, sizeof m->fft_ns);
    m->column_factor = 0.5;
    m->bandwidth_gbps = 17.0;
    m->launch_s = 40e-6;
    m->plan_s = 0.005;
    m->plan_ns = 2.0;
}

/* ---- storage ------------------------------------------------------------- */

/* Identity of the device a model was measured on, in a stored format. */
static void model_key(const clconv_runtime *rt, const char *format, char *buf, size_t len)
{
    const clconv_device_info *d = &rt->info;
    /* A model measured with the host FFT backend holds FFTW's costs, not
     * VkFFT's: the backend is part of the identity (VkFFT's keys stay as they
     * were, so models stored before the host backend still load). */
    const char *backend = strcmp(clconv__fft_backend_name(rt), "VkFFT") == 0
                              ? "" : clconv__fft_backend_name(rt);
    snprintf(buf, len, "%s|platform %s|device %s|vendor %s|version %s|driver %s%s%s", format,
             d->platform, d->name, d->vendor, d->opencl_version, d->driver_version,
             *backend ? "|fft " : "", backend);
}

/* <cache_dir>/model-<hash of key>.txt, or NULL without a cache dir. */
static char *model_path(const clconv_runtime *rt, const char *key)
{
    if (!rt->cache_dir) return NULL;
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ull;
    }
    size_t cap = strlen(rt->cache_dir) + 40;
    char *path = malloc(cap);
    if (path) snprintf(path, cap, "%s/model-%016" PRIx64 ".txt", rt->cache_dir, h);
    return path;
}

/* Reads "name v1 v2 ... vcount" into v; 0 on success. */
static int read_values(FILE *f, const char *name, double *v, int count)
{
    char word[64];
    if (fscanf(f, "%63s", word) != 1 || strcmp(word, name) != 0) return -1;
    for (int i = 0; i < count; i++)
        if (fscanf(f, "%lf", &v[i]) != 1 || !(v[i] >= 0) || !isfinite(v[i])) return -1;
    return 0;
}

/* Reads "name v1 ... vcount" into v when the file has more lines, leaving
 * v as it is at its end: for figures added to a format after models were
 * stored in it (older readers stop before them). 0 on success. */
static int read_optional(FILE *f, const char *name, double *v, int count)
{
    int c;
    while ((c = fgetc(f)) != EOF && (c == ' ' || c == '\n')) continue;
    if (c == EOF) return 0;
    ungetc(c, f);
    return read_values(f, name, v, count);
}

/* The tunables of the direct kernels as stored: per dtype and dims, whether
 * tuned, then the variant and its nine tunables. */
#define DIRECT_FIELDS 11
#define DIRECT_VALUES (2 * 2 * DIRECT_FIELDS)

static void direct_to_values(const clconv__model *m, double *v)
{
    for (int d = 0; d < 2; d++) {
        for (int dims = 0; dims < 2; dims++, v += DIRECT_FIELDS) {
            const clconv__direct_params *p = &m->direct[d][dims];
            const double f[DIRECT_FIELDS] = {m->direct_tuned[d][dims], p->variant, p->vec,
                                             p->nacc, p->unroll, p->wgx, p->wgy, p->wptx,
                                             p->wpty, p->kbx, p->kby};
            memcpy(v, f, sizeof f);
        }
    }
}

/* 0 when the values are whole numbers of a sound shape. */
static int direct_from_values(const double *v, clconv__model *m)
{
    for (int d = 0; d < 2; d++) {
        for (int dims = 0; dims < 2; dims++, v += DIRECT_FIELDS) {
            for (int i = 0; i < DIRECT_FIELDS; i++)
                if (v[i] != floor(v[i]) || v[i] > 4096) return -1;
            clconv__direct_params *p = &m->direct[d][dims];
            m->direct_tuned[d][dims] = v[0] != 0;
            if (!v[0]) continue;
            if (v[1] > 1) return -1;
            p->variant = v[1] ? CLCONV__DIRECT_TILED : CLCONV__DIRECT_STRIP;
            p->vec = (unsigned)v[2], p->nacc = (unsigned)v[3], p->unroll = (unsigned)v[4];
            p->wgx = (unsigned)v[5], p->wgy = (unsigned)v[6], p->wptx = (unsigned)v[7];
            p->wpty = (unsigned)v[8], p->kbx = (unsigned)v[9], p->kby = (unsigned)v[10];
            if (!clconv__direct_params_valid(p)) return -1;
        }
    }
    return 0;
}

/* Parses a stored model of the given format; 0 when it is complete and for
 * this device. */
static int model_parse(FILE *f, const char *format, const char *key, clconv__model *m)
{
    char line[4096];
    size_t klen = strlen(key);
    if (!fgets(line, sizeof line, f) || strncmp(line, format, strlen(format)) != 0 ||
        strcmp(line + strlen(format), "\n") != 0)
        return -1;
    if (!fgets(line, sizeof line, f) || strncmp(line, "key ", 4) != 0 ||
        strncmp(line + 4, key, klen) != 0 || line[4 + klen] != '\n')
        return -1;
    if (read_values(f, "direct_gflops", m->direct_gflops, 2) ||
        read_values(f, "direct_call_s", &m->direct_call_s, 1) ||
        read_values(f, "fft_ns_f32", m->fft_ns[0], CLCONV__MODEL_BUCKETS) ||
        read_values(f, "fft_ns_f64", m->fft_ns[1], CLCONV__MODEL_BUCKETS) ||
        read_values(f, "column_factor", &m->column_factor, 1) ||
        read_values(f, "bandwidth_gbps", &m->bandwidth_gbps, 1) ||
        read_values(f, "launch_s", &m->launch_s, 1) || read_values(f, "plan_s", &m->plan_s, 1) ||
        read_values(f, "plan_ns", &m->plan_ns, 1))
        return -1;
    double direct[DIRECT_VALUES];
    if (read_values(f, "direct_params", direct, DIRECT_VALUES) || direct_from_values(direct, m))
        return -1;
    if (strcmp(format, MODEL_FORMAT) == 0 &&
        (read_values(f, "direct3_gflops", m->direct3_gflops[0], 2 * CLCONV__TUNE3_SIZES) ||
         read_values(f, "fft3_factor", m->fft3_factor[0], 2 * CLCONV__TUNE3_SIZES) ||
         read_optional(f, "direct2_gflops", m->direct2_gflops, 2)))
        return -1;
    /* Rates divide: a zero would make a method look free or impossible. */
    if (m->direct_gflops[0] <= 0 || m->bandwidth_gbps <= 0) return -1;
    if (m->direct_gflops[1] <= 0) m->direct_gflops[1] = m->direct_gflops[0] / 2;
    m->tuned = 1;
    return 0;
}

/* The stored model for rt's device in one format, if one is there and
 * sound: 0, -1 when there is none, -2 when it is stale or damaged. */
static int model_load_format(const clconv_runtime *rt, const char *format, clconv__model *m)
{
    char key[2048];
    model_key(rt, format, key, sizeof key);
    char *path = model_path(rt, key);
    if (!path) return -1;
    FILE *f = fopen(path, "r");
    int status = -1;
    if (f) {
        clconv__model loaded;
        model_defaults(&loaded);
        status = model_parse(f, format, key, &loaded) == 0 ? 0 : -2;
        fclose(f);
        if (status == 0) {
            *m = loaded;
            clconv__note(rt, "cost model: measured, from %s%s", path,
                         strcmp(format, MODEL_FORMAT) == 0 ? ""
                                                : " (stored before 3-D was measured: 3-D uses "
                                                  "the 2-D figures until `clconv tune` runs)");
        } else {
            clconv__note(rt, "cost model: %s is stale or damaged, using defaults", path);
        }
    }
    free(path);
    return status;
}

/* The stored model for rt's device, if one is there and sound: the current
 * format, else the previous one. */
static int model_load(const clconv_runtime *rt, clconv__model *m)
{
    const int status = model_load_format(rt, MODEL_FORMAT, m);
    return status == -1 ? model_load_format(rt, MODEL_FORMAT_3, m) : status;
}

static void write_values(FILE *f, const char *name, const double *v, int count)
{
    fputs(name, f);
    for (int i = 0; i < count; i++) fprintf(f, " %.9g", v[i]);
    fputc('\n', f);
}

/* Writes through a temporary file and rename(), as the program cache does;
 * 1 when the model was stored. */
static int model_save(const clconv_runtime *rt, const clconv__model *m)
{
    char key[2048];
    model_key(rt, MODEL_FORMAT, key, sizeof key);
    char *path = model_path(rt, key);
    if (!path) return 0;
    size_t cap = strlen(path) + 32;
    char *tmp = malloc(cap);
    int saved = 0;
    if (tmp) {
        snprintf(tmp, cap, "%s.%ld.tmp", path, (long)getpid());
        clconv__make_dirs(rt->cache_dir);
        FILE *f = fopen(tmp, "w");
        if (f) {
            fprintf(f, "%s\nkey %s\n", MODEL_FORMAT, key);
            write_values(f, "direct_gflops", m->direct_gflops, 2);
            write_values(f, "direct_call_s", &m->direct_call_s, 1);
            write_values(f, "fft_ns_f32", m->fft_ns[0], CLCONV__MODEL_BUCKETS);
            write_values(f, "fft_ns_f64", m->fft_ns[1], CLCONV__MODEL_BUCKETS);
            write_values(f, "column_factor", &m->column_factor, 1);
            write_values(f, "bandwidth_gbps", &m->bandwidth_gbps, 1);
            write_values(f, "launch_s", &m->launch_s, 1);
            write_values(f, "plan_s", &m->plan_s, 1);
            write_values(f, "plan_ns", &m->plan_ns, 1);
            double direct[DIRECT_VALUES];
            direct_to_values(m, direct);
            write_values(f, "direct_params", direct, DIRECT_VALUES);
            write_values(f, "direct3_gflops", m->direct3_gflops[0], 2 * CLCONV__TUNE3_SIZES);
            write_values(f, "fft3_factor", m->fft3_factor[0], 2 * CLCONV__TUNE3_SIZES);
            write_values(f, "direct2_gflops", m->direct2_gflops, 2);
            int ok = !ferror(f);
            ok = fclose(f) == 0 && ok;
            if (ok && rename(tmp, path) == 0) saved = 1;
            else remove(tmp);
        }
        free(tmp);
    }
    if (saved) clconv__note(rt, "cost model stored in %s", path);
    free(path);
    return saved;
}

/* Decisions are kept per geometry: the FFT search walks up to 130 layouts,
 * each with lookups in the plan cache, which costs a few microseconds; on an
 * H100 that made auto 1.2x slower than forced direct on 30-microsecond
 * calls. A decision stays valid while the model and the set of cached plans
 * (which decides what plan creation is charged) are unchanged. */
#define MEMO_SLOTS 32

typedef struct memo {
    int used;
    clconv__geom g;
    unsigned long generation;  /* clconv__fft_generation when decided */
    unsigned version;          /* planner version when decided */
    int found;                 /* 1: lay and seconds hold the best layout; 0: none fits */
    clconv__fft_layout lay;
    double seconds;
} memo;

/* The planner's lock guards everything in it and is a leaf (internal.h):
 * the memo is consulted and filled under it, but the search between, which
 * asks the FFT cache what is cached, runs without it. */
struct clconv__planner {
    pthread_mutex_t lock;
    int load_started;          /* a first call is reading the stored model */
    int loaded;                /* it has: the model is the one to plan with */
    pthread_cond_t load_done;  /* signalled when loaded becomes 1 */
    clconv__model model;
    unsigned version;          /* bumped whenever the model changes */
    memo memo[MEMO_SLOTS];
    size_t next;               /* the slot a new decision replaces */
};

int clconv__plan_create(clconv_runtime *rt)
{
    struct clconv__planner *pl = calloc(1, sizeof *pl);
    RETURN_IF(rt, !pl, CLCONV_ENOMEM, "allocating the cost model");
    if (pthread_mutex_init(&pl->lock, NULL) != 0) {
        free(pl);
        return CLCONV_FAIL(rt, CLCONV_ENOMEM, "initialising the planner's lock");
    }
    if (pthread_cond_init(&pl->load_done, NULL) != 0) {
        pthread_mutex_destroy(&pl->lock);
        free(pl);
        return CLCONV_FAIL(rt, CLCONV_ENOMEM, "initialising the planner's condition");
    }
    model_defaults(&pl->model);
    rt->planner = pl;
    return 0;
}

/* Replaces the model; called with the planner's lock held. */
static void planner_set_model(struct clconv__planner *pl, const clconv__model *m)
{
    pl->model = *m;
    pl->version++;
}

/* A copy of the runtime's model and the planner version it belongs to. The
 * first call reads the stored model; calls meanwhile wait for it rather than
 * plan with the defaults, or threads starting together on an empty plan
 * cache would choose different layouts (a host backend's defaults differ
 * from a device's) and create plans that one thread alone never would. */
static void model_snapshot(clconv_runtime *rt, clconv__model *out, unsigned *version)
{
    struct clconv__planner *pl = rt->planner;
    pthread_mutex_lock(&pl->lock);
    const int load = !pl->load_started;
    pl->load_started = 1;
    while (!load && !pl->loaded) pthread_cond_wait(&pl->load_done, &pl->lock);
    pthread_mutex_unlock(&pl->lock);
    if (load) {
        /* The stored model is read outside the lock (file I/O). A model set
         * meanwhile (clconv__model_set) is newer than the stored one. */
        clconv__model loaded;
        const int stored = model_load(rt, &loaded) == 0;
        /* The backend is chosen after the planner is made: an untuned host
         * backend takes its own defaults here, at the first use. */
        if (!stored && clconv__fft_on_host(rt)) {
            model_defaults_host(&loaded);
            clconv__note(rt, "cost model: the host FFT backend's defaults (untuned)");
        }
        pthread_mutex_lock(&pl->lock);
        if ((stored || clconv__fft_on_host(rt)) && pl->version == 0)
            planner_set_model(pl, &loaded);
        pl->loaded = 1;
        pthread_cond_broadcast(&pl->load_done);
        pthread_mutex_unlock(&pl->lock);
    }
    pthread_mutex_lock(&pl->lock);
    *out = pl->model;
    *version = pl->version;
    pthread_mutex_unlock(&pl->lock);
}

int clconv__model_get(clconv_runtime *rt, clconv__model *out)
{
    unsigned version;
    model_snapshot(rt, out, &version);
    return 0;
}

int clconv__model_set(clconv_runtime *rt, const clconv__model *m, int *saved)
{
    clconv__model previous;
    /* Starts the stored model's load first, so that it cannot replace m. */
    FORWARD_IF_ERROR(clconv__model_get(rt, &previous));
    clconv__model tuned = *m;
    tuned.tuned = 1;
    pthread_mutex_lock(&rt->planner->lock);
    planner_set_model(rt->planner, &tuned);
    pthread_mutex_unlock(&rt->planner->lock);
    *saved = model_save(rt, m);
    return 0;
}

void clconv__plan_clear(clconv_runtime *rt)
{
    if (!rt->planner) return;
    pthread_mutex_destroy(&rt->planner->lock);
    pthread_cond_destroy(&rt->planner->load_done);
    free(rt->planner);
    rt->planner = NULL;
}

/* ---- sizes --------------------------------------------------------------- */

/* The smallest p * 2^a >= n (even when asked), 0 past SIZE_MAX. */
static size_t times_two_until(size_t p, size_t n, int even)
{
    while (p < n || (even && p % 2)) {
        if (p > SIZE_MAX / 2) return 0;
        p *= 2;
    }
    return p;
}

size_t clconv__fast_size(size_t n, int even)
{
    /* Every 3^b 5^c 7^d up to n, each doubled up to n: a few hundred
     * candidates even near 2^64, where scanning upwards could take long. */
    size_t best = 0;
    for (size_t p7 = 1;; p7 *= 7) {
        for (size_t p5 = p7;; p5 *= 5) {
            for (size_t p3 = p5;; p3 *= 3) {
                size_t m = times_two_until(p3, n ? n : 1, even);
                if (m && (!best || m < best)) best = m;
                if (p3 >= n || p3 > SIZE_MAX / 3) break;
            }
            if (p5 >= n || p5 > SIZE_MAX / 5) break;
        }
        if (p7 >= n || p7 > SIZE_MAX / 7) break;
    }
    return best;
}

/* ---- the FFT layout ------------------------------------------------------ */

/* Transforms up to this length use only lengths m * 2^a with m in {1, 3, 5,
 * 7}: at most 25% longer than needed, which costs microseconds at these
 * sizes, while every distinct length is another plan to create, and on a
 * cold cache another second of kernel compilation. Longer transforms take
 * the nearest fast length. */
#define COARSE_LENGTHS_UP_TO 1024

static size_t plain_length(size_t need, int even)
{
    if (need > COARSE_LENGTHS_UP_TO) return clconv__fast_size(need, even);
    size_t best = 0;
    static const size_t odd[4] = {1, 3, 5, 7};
    for (int i = 0; i < 4; i++) {
        size_t len = times_two_until(odd[i], need, even);
        if (!best || len < best) best = len;
    }
    return best;
}

/* One dimension of a layout. */
typedef struct dim_plan {
    size_t len, step, blocks, shift;
    long long in0;
} dim_plan;

/* Plain, plus overlap-save blocks of 2^a points. */
#define MAX_DIM_PLANS (1 + 64)

static size_t max_of(size_t a, size_t b) { return a > b ? a : b; }

/* The ways to cover dimension d; returns how many (0: the plain transform
 * would overflow size_t). */
static size_t dim_plans(const clconv__geom *g, int d, dim_plan *c)
{
    const size_t n = g->n[d], k = g->k[d], out = g->out[d], start = g->start[d];
    const int even = d == 1;
    if (g->dims == 1 && d == 0) {
        c[0] = (dim_plan){1, 1, 1, 0, 0};
        return 1;
    }
    /* One block reading the signal from 0: outputs start ... start+out-1 of
     * the full convolution (support 0 ... n+k-2) come out of a circular one
     * of length L unaliased when L >= start + out and L >= n + k - 1 - start;
     * L >= n and L >= k hold the inputs. Valid mode needs only L >= n. */
    size_t need = max_of(max_of(n, k), max_of(n + k - 1 - start, start + out));
    /* Under a boundary mode the signal does not end in zeros: the one block
     * must read every output's window, from start - (k-1), as overlap-save
     * blocks do. */
    if (g->boundary) need = out + k - 1;
    size_t plain = plain_length(need, even);
    if (plain == 0) return 0;
    size_t count = 0;
    if (g->boundary)
        c[count++] = (dim_plan){plain, out, 1, k - 1, (long long)start - (long long)(k - 1)};
    else
        c[count++] = (dim_plan){plain, out, 1, start, 0};
    /* Overlap-save: block b reads from start - (k-1) + b*step, and positions
     * k-1 ... L-1 of its circular convolution are linear ones. Blocks of at
     * least 2k points keep at least half of each transform as output. Only
     * powers of two: the model's transform costs are measured there, and
     * every distinct length is another set of plans to create. */
    for (size_t len = 16; len < plain && len <= SIZE_MAX / 2; len *= 2) {
        if (len < 2 * k) continue;
        size_t step = len - k + 1;
        c[count++] = (dim_plan){len, step, (out + step - 1) / step, k - 1,
                                (long long)start - (long long)(k - 1)};
    }
    return count;
}

/* ns per point of one pass along rows of len points, interpolated in log2. */
static double pass_ns(const clconv__model *m, clconv_dtype dtype, size_t len)
{
    const double *t = m->fft_ns[dtype == CLCONV_F64];
    double b = log2((double)(len > 1 ? len : 1));
    const int last = CLCONV__MODEL_BUCKETS - 1;
    if (b >= last) return t[last] * b / last;
    int i = (int)b;
    double f = b - i;
    return t[i] * (1 - f) + t[i + 1] * f;
}

/* Largest allocation one piece of FFT work may take, hard and soft. */
static void launch_budget(const clconv_runtime *rt, size_t *hard, size_t *soft)
{
    uint64_t h = rt->max_alloc;
    if (rt->info.global_mem_bytes / 4 < h) h = rt->info.global_mem_bytes / 4;
    *hard = h > SIZE_MAX ? SIZE_MAX : (size_t)h;
    *soft = SOFT_LAUNCH_BYTES < *hard ? SOFT_LAUNCH_BYTES : *hard;
}

/* Seconds to create the plan for key, 0 when cached. */
static double plan_cost(clconv_runtime *rt, const clconv__model *m, const clconv__fft_key *key)
{
    if (clconv__fft_is_cached(rt, key)) return 0;
    return m->plan_s + m->plan_ns * 1e-9 * (double)key->len[0] * (double)key->len[1];
}

/* The host backend's ns per point of a transform of `points` points in
 * dtype, multi-dimensional or not (host_seconds). */
static double host_ns(const clconv__model *m, clconv_dtype dtype, size_t points, int multi)
{
    return pass_ns(m, dtype, points) * (multi ? 1 + m->column_factor : 1);
}

/* Seconds to create the host backend's plans for `total` transforms of
 * len[] (rows, columns, planes) that are not cached, and the threads the
 * call will use (clconv__fft_host_keys). */
static double host_plans_cost(clconv_runtime *rt, const clconv__model *m, clconv_dtype dtype,
                              const size_t len[3], size_t total, unsigned *threads)
{
    clconv__fft_key fwd, inv, kern;
    *threads = clconv__fft_host_keys(len, total, dtype, (unsigned)rt->info.compute_units, &fwd,
                                     &inv, &kern);
    double s = plan_cost(rt, m, &fwd) + plan_cost(rt, m, &inv);
    if (kern.threads != fwd.threads) s += plan_cost(rt, m, &kern);
    return s;
}

/* The host backend's 1-D and 2-D convolution (fftconv_host.c): each block
 * padded, transformed, multiplied, transformed back and cropped while it is
 * in the caches, whole blocks to each thread, so that memory sees the
 * signal read and the output written once (io elements in all). ns is per
 * point of one transform with its share of those steps, which is what
 * clconv_tune measures on the host backend; the kernel's transform adds
 * one more. Threads that get a block fewer than the others wait for them. */
static double host_seconds(clconv_runtime *rt, const clconv__model *m, clconv_dtype dtype,
                           const size_t len[3], size_t total, double ns, double io)
{
    unsigned threads;
    const double plans = host_plans_cost(rt, m, dtype, len, total, &threads);
    const double points = (double)len[0] * (double)len[1] * (double)len[2];
    double rounds = (double)total;
    if (threads > 1 && total >= threads)
        rounds = ceil((double)total / threads) * threads;
    double seconds = (2 * rounds + 1) * points * ns * 1e-9;
    seconds += (double)clconv_dtype_size(dtype) * io / (m->bandwidth_gbps * 1e9);
    return seconds + m->direct_call_s + plans;
}

/* Fills lay from the two dimensions' plans, with the kernel's transform in
 * the first launch or on its own; its estimated seconds, or a negative value
 * when a transform does not fit the allocation limit or the kernel cannot
 * join a launch. */
static double layout_cost(clconv_runtime *rt, const clconv__model *m, const clconv__geom *g,
                          const dim_plan *r, const dim_plan *c, int kernel_in_group,
                          clconv__fft_layout *lay)
{
    const size_t es = clconv_dtype_size(g->dtype);
    size_t hard, soft, reals, per, total;
    launch_budget(rt, &hard, &soft);
    lay->len[0] = r->len;
    lay->len[1] = c->len;
    if (clconv__mul_ok(r->len, clconv__fft_pitch(c->len), &reals) ||
        clconv__mul_ok(reals, es, &per) || per > hard ||
        clconv__mul_ok(r->blocks, c->blocks, &total) || clconv__mul_ok(total, g->batch, &total))
        return -1;
    const dim_plan *dp[2] = {r, c};
    for (int d = 0; d < 2; d++) {
        lay->step[d] = dp[d]->step;
        lay->blocks[d] = dp[d]->blocks;
        lay->in0[d] = dp[d]->in0;
        lay->shift[d] = dp[d]->shift;
    }
    lay->total = total;
    /* As many transforms a launch as the soft budget allows, spread evenly so
     * the last launch (padded to a full one) wastes little. */
    const size_t slots = total + (kernel_in_group ? 1 : 0);
    size_t most = soft / per ? soft / per : 1;
    size_t launches_needed = (slots + most - 1) / most;
    lay->group = (slots + launches_needed - 1) / launches_needed;
    lay->kernel_in_group = kernel_in_group;
    if (kernel_in_group && lay->group < 2) return -1;
    double ns = pass_ns(m, g->dtype, c->len);
    if (r->len > 1) ns += m->column_factor * pass_ns(m, g->dtype, r->len);
    if (clconv__fft_on_host(rt)) {
        /* One thread runs a whole block, whose cache footprint and work per
         * point follow its size, not its extents: a 2-D block costs what a
         * 1-D one of as many points does, times the 2-D factor. */
        ns = host_ns(m, g->dtype, r->len * c->len, r->len > 1);
        /* The host path transforms the kernel on its own. */
        if (kernel_in_group) return -1;
        const size_t len[3] = {r->len, c->len, 1};
        const double io = (double)g->batch * ((double)g->n[0] * (double)g->n[1] +
                                              (double)g->out[0] * (double)g->out[1]);
        return host_seconds(rt, m, g->dtype, len, total, ns, io);
    }

    const double points = (double)r->len * (double)c->len;
    const double launches = (double)launches_needed;
    const double run = launches * (double)lay->group;
    double seconds = (2 * run + (kernel_in_group ? 0 : 1)) * points * ns * 1e-9;
    /* Padding writes each transform, the multiply reads and writes it and
     * reads the kernel spectrum, the crop reads the outputs and writes them. */
    double bytes = (double)es * ((double)reals * (4 * run + 2) +
                                 (double)g->batch * ((double)g->n[0] * (double)g->n[1] +
                                                     2 * (double)g->out[0] * (double)g->out[1]));
    seconds += bytes / (m->bandwidth_gbps * 1e9);
    seconds += (5 * launches + 2) * m->launch_s + m->direct_call_s;
    clconv__fft_key key = {{r->len, c->len}, lay->group, g->dtype, 0, 1, 0, 0};
    seconds += plan_cost(rt, m, &key);
    if (!kernel_in_group && lay->group != 1) {
        key.count = 1;
        seconds += plan_cost(rt, m, &key);
        key.count = lay->group;
    }
    key.inverse = 1;
    seconds += plan_cost(rt, m, &key);
    return seconds;
}

/* The cheapest layout under m; 0 when one fits, -1 when none does. */
static int best_layout(clconv_runtime *rt, const clconv__model *m, const clconv__geom *g,
                       clconv__fft_layout *out, double *seconds)
{
    dim_plan rows[MAX_DIM_PLANS], cols[MAX_DIM_PLANS];
    size_t nr = dim_plans(g, 0, rows), nc = dim_plans(g, 1, cols);
    double best = -1;
    for (size_t i = 0; i < nr; i++) {
        for (size_t j = 0; j < nc; j++) {
            for (int kernel_in_group = 0; kernel_in_group < 2; kernel_in_group++) {
                clconv__fft_layout lay;
                double s = layout_cost(rt, m, g, &rows[i], &cols[j], kernel_in_group, &lay);
                if (s >= 0 && (best < 0 || s < best)) {
                    best = s;
                    *out = lay;
                }
            }
        }
    }
    if (best < 0) return -1;
    *seconds = best;
    return 0;
}

/* Everything of a geometry that its cost depends on (not correlate). */
static int same_cost(const clconv__geom *a, const clconv__geom *b)
{
    return a->dims == b->dims && a->batch == b->batch && a->dtype == b->dtype &&
           a->n[0] == b->n[0] && a->n[1] == b->n[1] && a->k[0] == b->k[0] &&
           a->k[1] == b->k[1] && a->out[0] == b->out[0] && a->out[1] == b->out[1] &&
           a->start[0] == b->start[0] && a->start[1] == b->start[1] &&
           a->boundary == b->boundary;
}

/* best_layout under the runtime's model (copied to *m), kept in the
 * planner's memo: *found is 1 with *out and *seconds set, or 0 when no
 * layout fits. Returns 0 or an error status. */
static int planned_layout(clconv_runtime *rt, const clconv__geom *g, clconv__model *m,
                          clconv__fft_layout *out, double *seconds, int *found)
{
    unsigned version;
    model_snapshot(rt, m, &version);
    const unsigned long generation = clconv__fft_generation(rt);
    struct clconv__planner *pl = rt->planner;
    pthread_mutex_lock(&pl->lock);
    for (size_t i = 0; i < MEMO_SLOTS; i++) {
        const memo *e = &pl->memo[i];
        if (e->used && e->version == version && e->generation == generation &&
            same_cost(&e->g, g)) {
            *found = e->found;
            *out = e->lay;
            *seconds = e->seconds;
            pthread_mutex_unlock(&pl->lock);
            return 0;
        }
    }
    pthread_mutex_unlock(&pl->lock);
    *found = best_layout(rt, m, g, out, seconds) == 0;
    pthread_mutex_lock(&pl->lock);
    memo *e = &pl->memo[pl->next];
    pl->next = (pl->next + 1) % MEMO_SLOTS;
    *e = (memo){1, *g, generation, version, *found, *out, *seconds};
    pthread_mutex_unlock(&pl->lock);
    return 0;
}

int clconv__plan_fft(clconv_runtime *rt, const clconv__geom *g, clconv__fft_layout *out,
                     double *seconds)
{
    clconv__model m;
    double s = 0;
    int found;
    FORWARD_IF_ERROR(planned_layout(rt, g, &m, out, &s, &found));
    RETURN_IF(rt, !found, CLCONV_EOVERFLOW,
              "no FFT block of %zu x %zu signal with a %zu x %zu kernel fits the allocation "
              "limit of %" PRIu64 " bytes on '%s'",
              g->n[0], g->n[1], g->k[0], g->k[1], rt->max_alloc, rt->info.name);
    if (seconds) *seconds = s;
    return 0;
}

/* The share of the device's compute units a direct call keeps busy: one
 * with fewer work-groups than units leaves the rest idle. clconv_tune
 * measures the rate on 2^20 outputs, which fill any device; on an H100,
 * 2^16 outputs in groups of 2048 fill 32 of its 132 units and ran at a
 * quarter of that rate (0.067 ms for 1024 taps), so the model without this
 * chose direct where FFT took 0.046 ms. */
static int direct_occupancy(clconv_runtime *rt, const clconv__geom *g, double *occupancy)
{
    clconv__direct_params p;
    size_t rows, cols;
    FORWARD_IF_ERROR(clconv__direct_params_get(rt, g->dtype, g->dims, g->k[0], g->k[1],
                                               CLCONV__DIRECT_ANY, &p));
    clconv__direct_params_block(&p, &rows, &cols);
    if (p.variant == CLCONV__DIRECT_STRIP) cols *= p.wgx; /* a block is one item's */
    const double groups = (double)g->batch * ceil((double)g->out[0] / (double)rows) *
                          ceil((double)g->out[1] / (double)cols);
    const double units = rt->info.compute_units ? (double)rt->info.compute_units : 1;
    *occupancy = fmin(1.0, groups / units);
    return 0;
}

/* Estimated seconds of a direct run of g in one pass over the source,
 * each output costing `taps` multiply-adds. */
static int direct_seconds(clconv_runtime *rt, const clconv__geom *g, const clconv__model *m,
                          double taps, double *seconds)
{
    double occupancy;
    FORWARD_IF_ERROR(direct_occupancy(rt, g, &occupancy));
    double flops = 2.0 * (double)g->batch * (double)g->out[0] * (double)g->out[1] * taps;
    /* 2-D windows run below the 1-D strips' rate: after `clconv tune` on the
     * 2-core EPYC (load average 4.5), 186 GFLOP/s in 1-D predicted 43 ms for
     * 2048^2 with 31x31 (mirror), which took 630 ms direct, where FFT took
     * 57-110 ms in runs of the same hour, and auto chose direct; the 2-D
     * rate tune measures stands in for 2-D calls. */
    const int d = g->dtype == CLCONV_F64;
    const double rate = g->dims == 2 && m->direct2_gflops[d] > 0 ? m->direct2_gflops[d]
                                                                 : m->direct_gflops[d];
    *seconds = flops / (rate * 1e9 * occupancy) + m->direct_call_s;
    return 0;
}

/* ---- 3-D ------------------------------------------------------------------ */

/* A 3-D figure v measured at the sizes x (increasing), at size `at`:
 * interpolated linearly in log x, and held at the end values beyond them;
 * 0 when any of them is 0 (not measured). */
static double measured3(const double v[CLCONV__TUNE3_SIZES], const double x[CLCONV__TUNE3_SIZES],
                        double at)
{
    for (int i = 0; i < CLCONV__TUNE3_SIZES; i++)
        if (!(v[i] > 0)) return 0;
    if (at <= x[0]) return v[0];
    for (int i = 1; i < CLCONV__TUNE3_SIZES; i++) {
        if (at <= x[i]) {
            const double f = log(at / x[i - 1]) / log(x[i] / x[i - 1]);
            return v[i - 1] + (v[i] - v[i - 1]) * f;
        }
    }
    return v[CLCONV__TUNE3_SIZES - 1];
}

/* The measured 3-D direct rate for taps taps in dtype, or 0. */
static double direct3_rate(const clconv__model *m, clconv_dtype dtype, double taps)
{
    double x[CLCONV__TUNE3_SIZES];
    for (int i = 0; i < CLCONV__TUNE3_SIZES; i++)
        x[i] = pow((double)CLCONV__TUNE3_KERNEL(i), 3);
    return measured3(m->direct3_gflops[dtype == CLCONV_F64], x, taps);
}

/* The measured correction of a 3-D FFT convolution whose transform has
 * `points` points in dtype, 1 where not measured. */
static double fft3_factor(const clconv__model *m, clconv_dtype dtype, double points)
{
    double x[CLCONV__TUNE3_SIZES];
    for (int i = 0; i < CLCONV__TUNE3_SIZES; i++)
        x[i] = pow((double)CLCONV__TUNE3_VOLUME(i), 3);
    const double f = measured3(m->fft3_factor[dtype == CLCONV_F64], x, points);
    return f > 0 ? f : 1.0;
}

/* The 3-D layout: per dimension the transform length that dim_plans' plain
 * block takes (one transform per volume: no overlap-save in 3-D), at least
 * 2 along rows and planes so that VkFFT never sees an axis of one point.
 * Lengths are the nearest fast size: a 3-D transform's cost grows with the
 * product, so 288 instead of 320 for 286 points saves 30%. Powers of two
 * are no exception under VkFFT on POCL: float32 R2C cubes, each timed
 * beside scipy.fft.rfftn of the same cube (2-core Xeon, load average
 * about 23), took 4.5 times pocketfft's time at 256^3, 2.2 at 280^3, 3.4 at
 * 288^3 and 2.7 at 320^3. 0 or -1. */
static int layout3(const clconv__geom *g, clconv__fft3_layout *lay)
{
    for (int d = 0; d < 3; d++) {
        const size_t n = g->n[d], k = g->k[d], out = g->out[d], start = g->start[d];
        size_t need = max_of(max_of(n, k), max_of(n + k - 1 - start, start + out));
        if (g->boundary) need = out + k - 1;
        size_t len = clconv__fast_size(need < 2 ? 2 : need, d == 1);
        if (len == 0) return -1;
        lay->len[d] = len;
        lay->in0[d] = g->boundary ? (long long)start - (long long)(k - 1) : 0;
        lay->shift[d] = g->boundary ? k - 1 : start;
    }
    return 0;
}

/* Seconds the 3-D layout is expected to take under m, filling lay->group;
 * negative when one volume's transform exceeds the allocation limit. */
static double layout3_cost(clconv_runtime *rt, const clconv__model *m, const clconv__geom *g,
                           clconv__fft3_layout *lay)
{
    const size_t es = clconv_dtype_size(g->dtype);
    size_t hard, soft, reals, per;
    launch_budget(rt, &hard, &soft);
    if (clconv__mul_ok(lay->len[0], clconv__fft_pitch(lay->len[1]), &reals) ||
        clconv__mul_ok(reals, lay->len[2], &reals) || clconv__mul_ok(reals, es, &per) ||
        per > hard)
        return -1;
    size_t most = soft / per ? soft / per : 1;
    size_t launches = (g->batch + most - 1) / most;
    lay->group = (g->batch + launches - 1) / launches;
    const double points = (double)lay->len[0] * (double)lay->len[1] * (double)lay->len[2];
    const double run = (double)launches * (double)lay->group;
    double ns = clconv__fft_on_host(rt)
                    ? host_ns(m, g->dtype, lay->len[0] * lay->len[1] * lay->len[2], 1)
                    : pass_ns(m, g->dtype, lay->len[1]) +
                          m->column_factor * (pass_ns(m, g->dtype, lay->len[0]) +
                                              pass_ns(m, g->dtype, lay->len[2]));
    double seconds = (2 * run + 1) * points * ns * 1e-9;
    const double volume_in = (double)g->n[0] * (double)g->n[1] * (double)g->n[2];
    const double volume_out = (double)g->out[0] * (double)g->out[1] * (double)g->out[2];
    double bytes = (double)es * ((double)reals * (4 * run + 2) +
                                 (double)g->batch * (volume_in + 2 * volume_out));
    seconds += bytes / (m->bandwidth_gbps * 1e9);
    seconds += (5 * (double)launches + 2) * m->launch_s + m->direct_call_s;
    /* What clconv_tune measured 3-D transforms to cost beyond the 1-D
     * figures: VkFFT's strided passes along columns and planes of a volume
     * ran several times slower on POCL than a row pass. Plan creation is
     * priced apart, by the same figures as 1-D and 2-D plans. */
    seconds *= fft3_factor(m, g->dtype, points);
    if (clconv__fft_on_host(rt)) {
        unsigned threads;
        double plans = host_plans_cost(rt, m, g->dtype, lay->len, g->batch, &threads);
        if (threads == 1 || g->batch < threads) {
            /* Volumes on FFTW's threads run the plans of their transforms
             * taken apart (fftconv_host.c, run_volumes). */
            clconv__fft_key keys[5];
            size_t first;
            clconv__fft_host_volume_keys(lay->len, g->dtype, g->k[2],
                                         g->boundary ? lay->len[2] : g->n[2], lay->shift[2],
                                         g->out[2], keys, &first);
            plans = 0;
            for (int i = 0; i < 5; i++) plans += plan_cost(rt, m, &keys[i]);
        }
        return seconds + plans;
    }
    clconv__fft_key key = {{lay->len[0], lay->len[1]}, lay->group, g->dtype, 0, lay->len[2],
                           0, 0};
    seconds += plan_cost(rt, m, &key);
    if (lay->group != 1) {
        key.count = 1;
        seconds += plan_cost(rt, m, &key);
        key.count = lay->group;
    }
    key.inverse = 1;
    seconds += plan_cost(rt, m, &key);
    return seconds;
}

int clconv__plan_fft3_model(clconv_runtime *rt, const clconv__model *m, const clconv__geom *g,
                            clconv__fft3_layout *out, double *seconds)
{
    double s = -1;
    if (layout3(g, out) == 0) s = layout3_cost(rt, m, g, out);
    RETURN_IF(rt, s < 0, CLCONV_EOVERFLOW,
              "no 3-D FFT of a %zu x %zu x %zu volume with a %zu x %zu x %zu kernel fits the "
              "allocation limit of %" PRIu64 " bytes on '%s'",
              g->n[2], g->n[0], g->n[1], g->k[2], g->k[0], g->k[1], rt->max_alloc,
              rt->info.name);
    if (seconds) *seconds = s;
    return 0;
}

int clconv__plan_fft3(clconv_runtime *rt, const clconv__geom *g, clconv__fft3_layout *out,
                      double *seconds)
{
    clconv__model m;
    FORWARD_IF_ERROR(clconv__model_get(rt, &m));
    return clconv__plan_fft3_model(rt, &m, g, out, seconds);
}

/* The 3-D direct strips' cost: every output sums all k taps (the operands
 * never swap in 3-D, direct3d.c), at the rate clconv_tune measured for 3-D
 * kernels of about that size (else the 2-D direct rate), but never below
 * reading the volume and writing the output once at the device's
 * bandwidth, which is what a small kernel costs on a CPU. */
static double direct3_seconds(const clconv__model *m, const clconv__geom *g)
{
    const double taps = (double)g->k[0] * (double)g->k[1] * (double)g->k[2];
    const double outs = (double)g->batch * (double)g->out[0] * (double)g->out[1] * (double)g->out[2];
    const double ins = (double)g->batch * (double)g->n[0] * (double)g->n[1] * (double)g->n[2];
    const double measured = direct3_rate(m, g->dtype, taps);
    const double rate = measured > 0 ? measured : m->direct_gflops[g->dtype == CLCONV_F64];
    const double flops_s = 2.0 * outs * taps / (rate * 1e9);
    const double bytes_s =
        (double)clconv_dtype_size(g->dtype) * (ins + outs) / (m->bandwidth_gbps * 1e9);
    return fmax(flops_s, bytes_s) + m->direct_call_s;
}

static int plan_method3(clconv_runtime *rt, const clconv__geom *g, clconv_method *out)
{
    clconv__model m;
    clconv__fft3_layout lay;
    FORWARD_IF_ERROR(clconv__model_get(rt, &m));
    double fft_s = -1;
    if (layout3(g, &lay) == 0) fft_s = layout3_cost(rt, &m, g, &lay);
    const double direct_s = direct3_seconds(&m, g);
    *out = fft_s >= 0 && fft_s < direct_s ? CLCONV_METHOD_FFT : CLCONV_METHOD_DIRECT;
    const int has3 = direct3_rate(&m, g->dtype, 1) > 0;
    clconv__note(rt, "cost model 3-D (%s): direct %.3g ms, FFT %.3g ms",
                 !m.tuned ? "default" : has3 ? "tuned, 3-D measured" : "tuned in 1-D and 2-D",
                 direct_s * 1e3, fft_s >= 0 ? fft_s * 1e3 : INFINITY);
    return 0;
}

int clconv__plan_method(clconv_runtime *rt, const clconv__geom *g, clconv_method *out)
{
    clconv__model m;
    clconv__fft_layout lay;
    double fft_s = 0, direct_s;
    int fft_ok;
    if (g->dims == 3) return plan_method3(rt, g, out);
    FORWARD_IF_ERROR(planned_layout(rt, g, &m, &lay, &fft_s, &fft_ok));
    /* The direct path swaps the operands when the kernel is the larger, so
     * each output costs min(signal, kernel) multiply-adds; not under a
     * boundary mode, which extends the signal only. */
    double taps = (double)g->k[0] * (double)g->k[1];
    if (!g->boundary) taps = fmin((double)g->n[0] * (double)g->n[1], taps);
    FORWARD_IF_ERROR(direct_seconds(rt, g, &m, taps, &direct_s));
    *out = fft_ok && fft_s < direct_s ? CLCONV_METHOD_FFT : CLCONV_METHOD_DIRECT;
    clconv__note(rt, "cost model (%s): direct %.3g ms, FFT %.3g ms", m.tuned ? "tuned" : "default",
                 direct_s * 1e3, fft_ok ? fft_s * 1e3 : INFINITY);
    return 0;
}

int clconv__plan_separable(clconv_runtime *rt, const clconv__geom *g, clconv_method method,
                           int *pays)
{
    clconv__model m;
    clconv__fft_layout lay;
    double fft_s = 0, direct_s, separable_s;
    int fft_ok = 0;
    *pays = 0;
    if (method == CLCONV_METHOD_AUTO)
        FORWARD_IF_ERROR(planned_layout(rt, g, &m, &lay, &fft_s, &fft_ok));
    else
        FORWARD_IF_ERROR(clconv__model_get(rt, &m));
    double taps = (double)g->k[0] * (double)g->k[1];
    if (!g->boundary) taps = fmin((double)g->n[0] * (double)g->n[1], taps);
    FORWARD_IF_ERROR(direct_seconds(rt, g, &m, taps, &direct_s));
    /* Two passes: along the rows of the padded source (out[0] + k[0] - 1 of
     * them), then down the columns. Both move memory that a single pass
     * does not: the padded copy is written and read, and so is the
     * intermediate. Pieces are sized to stay in the last-level cache
     * between the copy and the passes (params.c), so that traffic is
     * charged at twice the memory bandwidth. On the 2-core Xeon of
     * params.c's POCL entries (host form, mirror boundary, medians of 7
     * alternating in one process, 2048^2 and 4096^2) two passes took
     * 1.6-2.0x the time of the 2-D kernel at 3x3, 1.0-1.3x at 5x5,
     * 0.68-0.70x at 7x7, 0.47-0.51x at 9x9 and 0.22-0.32x at 13x13; this
     * charge puts the default model's crossover between 5x5 and 7x7 too
     * (at the memory bandwidth itself it fell between 7x7 and 9x9). */
    const double rows = (double)g->out[0] + (double)g->k[0] - 1;
    const double pass_taps =
        (rows * (double)g->k[1] + (double)g->out[0] * (double)g->k[0]) / (double)g->out[0];
    FORWARD_IF_ERROR(direct_seconds(rt, g, &m, pass_taps, &separable_s));
    const double bytes = 2.0 * (double)clconv_dtype_size(g->dtype) * (double)g->batch * rows *
                         (2.0 * (double)g->out[1] + (double)g->k[1] - 1);
    separable_s += bytes / (2.0 * m.bandwidth_gbps * 1e9) + m.direct_call_s;
    const double best = fft_ok && fft_s < direct_s ? fft_s : direct_s;
    *pays = separable_s < best;
    clconv__note(rt, "cost model (%s): two 1-D passes %.3g ms against %s %.3g ms",
                 m.tuned ? "tuned" : "default", separable_s * 1e3,
                 best == direct_s ? "direct" : "FFT", best * 1e3);
    return 0;
}
