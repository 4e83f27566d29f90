/*
 * What the distribution modules share: the clconv_dist structure (dist.c
 * builds and sums distributions on the device, dist_stats.c summarises them
 * on the host) and the compensated sum both use.
 */
#ifndef CLCONV_DIST_H
#define CLCONV_DIST_H

#include "internal.h"

#include <math.h>

/* A distribution's device data are always probabilities (masses): a density
 * is stored as f * h, so that the probabilities of a sum are the plain
 * convolution of the operands' for densities and discrete variables alike.
 * That is "convolution times h" for densities on a grid of step h:
 * conv(f*h, g*h) = (f conv g * h) * h. */
struct clconv_dist {
    clconv_runtime *rt;
    clconv_dist_layout layout;
    size_t count;          /* len[0] * len[1] */
    cl_mem mem;            /* count masses from element 0; owned */
    pthread_mutex_t lock;  /* guards host */
    double *host;          /* the masses on the host, read back on first need; NULL before */
    cl_mem lg;             /* 1-D: the natural logarithms of the masses, exact far below
                              float64's range (host/dist_tilt.c); owned. 2-D: NULL */
    double *host_lg;       /* lg on the host, read back on first need; NULL before */
    double below;          /* 1-D: probability trimmed away below the first entry, which
                              the CDF still counts */
    double above;          /* 1-D: likewise above the last entry, for the survival function */
};

/* The log-masses of a 1-D dist on the host (count values, owned by dist),
 * as clconv__dist_masses. */
int clconv__dist_logs(const clconv_dist *dist, const double **lg);

/* One row of a 1-D distribution on the device: n masses and their
 * logarithms from element base of mass and lg (borrowed). */
typedef struct clconv__dist_row {
    cl_mem mass, lg;
    size_t base, n;
} clconv__dist_row;

/* The kernels of clconv__dist_conv_logged, made on first use and kept by
 * the caller across calls (a reduction runs hundreds); release with
 * clconv__dist_kernels_release. */
typedef struct clconv__dist_kernels {
    cl_kernel tilt, untilt, lconv;
} clconv__dist_kernels;

void clconv__dist_kernels_release(clconv__dist_kernels *k);

/* Enqueues out[i] = a[i] conv b[i] (out[i].n = a[i].n + b[i].n - 1) for
 * i < count, masses and logarithms, keeping every logarithm exact
 * (host/dist_tilt.c). Blocking: it reads the operands' logarithms to plan
 * and the results to check them, all pairs at once, so a level of a
 * reduction waits for the device twice rather than twice per pair. */
int clconv__dist_conv_logged(clconv_runtime *rt, clconv__dist_kernels *k, size_t count,
                             const clconv__dist_row *a, const clconv__dist_row *b,
                             const clconv__dist_row *out);

/* As clconv__dist_conv_logged, but only outputs range[2i] <= n <
 * range[2i + 1] of pair i are computed (range NULL: all of them); the
 * others are left as they are. */
int clconv__dist_conv_logged_range(clconv_runtime *rt, clconv__dist_kernels *k, size_t count,
                                   const clconv__dist_row *a, const clconv__dist_row *b,
                                   const clconv__dist_row *out, const size_t *range);

/* The largest log-product la[t] + lb[n - t] of output n of the convolution
 * of na and nb entries whose logarithms are la and lb: within log(min(na,
 * nb)) of the output's logarithm, the planning estimate of the windows. */
double clconv__dist_max_product(const double *la, size_t na, const double *lb, size_t nb,
                                size_t n);

/* The geometry of one float64 1-D convolution of a signal of n entries with
 * k taps, out outputs from output start of the full one (host/dist_tilt.c). */
struct clconv__geom;
void clconv__dist_geom_1d(struct clconv__geom *g, size_t n, size_t k, size_t out,
                          size_t start);

/* The relative error bound that every entry of an automatic FFT
 * convolution meets against the exact convolution of its operands. */
#define CLCONV__DIST_FFT_REL 1e-9

/* What clconv__dist_conv_fft did, added to by each call. */
typedef struct clconv__dist_fft_stats {
    unsigned passes;        /* FFT passes (tilts) */
    size_t direct_entries;  /* entries recomputed by the direct windows */
} clconv__dist_fft_stats;

/* out = a conv b (out->n = a->n + b->n - 1), masses and logarithms, every
 * entry within CLCONV__DIST_FFT_REL of the exact convolution: tilted FFT
 * passes with a bound on each entry's error, the entries that no pass
 * bounds by the direct windows of clconv__dist_conv_logged_range
 * (host/dist_fft.c). Blocking. */
int clconv__dist_conv_fft(clconv_runtime *rt, clconv__dist_kernels *k, const clconv__dist_row *a,
                          const clconv__dist_row *b, const clconv__dist_row *out,
                          clconv__dist_fft_stats *st);

/* Refuses, with CLCONV_EDEVMEM or CLCONV_ENOMEM and a message naming the
 * need and the limit, a job whose result of `entries` entries would not fit
 * with its intermediates (and FFT work areas when fft is set) in the
 * device's global memory or the host's available memory. what names the
 * job ("the sum"). */
int clconv__dist_check_memory(clconv_runtime *rt, size_t entries, int fft, const char *what);

/* A 1-D distribution of layout (checked) from the natural logarithms of its
 * values (probabilities, or density values), checked and normalised as by
 * clconv_dist_create_log. */
int clconv__dist_from_logs(clconv_runtime *rt, const clconv_dist_layout *layout,
                           const double *logs, unsigned flags, clconv_dist **out);

/* Reads the logarithms of row r into lg (r->n values). Blocking. */
int clconv__dist_read_logs(clconv_runtime *rt, const clconv__dist_row *r, double *lg);

/* log(e^x + e^y), -INFINITY when both are. */
static inline double clconv__log_add(double x, double y)
{
    const double m = x > y ? x : y;
    if (m == -INFINITY) return -INFINITY;
    return m + log(exp(x - m) + exp(y - m));
}

/* The masses of dist on the host (count values, owned by dist), read back
 * from the device on the first call (blocking). Stays valid until dist is
 * trimmed or destroyed. */
int clconv__dist_masses(const clconv_dist *dist, const double **masses);

/* Neumaier's compensated sum: the error of adding n terms stays near one
 * rounding of the result instead of growing with n (Higham, "Accuracy and
 * Stability of Numerical Algorithms", 2nd ed., section 4.3). */
typedef struct clconv__ksum {
    double sum, comp;
} clconv__ksum;

static inline void clconv__ksum_add(clconv__ksum *k, double x)
{
    double t = k->sum + x;
    if (fabs(k->sum) >= fabs(x))
        k->comp += (k->sum - t) + x;
    else
        k->comp += (x - t) + k->sum;
    k->sum = t;
}

static inline double clconv__ksum_value(const clconv__ksum *k) { return k->sum + k->comp; }

#endif /* CLCONV_DIST_H */
