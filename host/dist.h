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
    double below;          /* 1-D: probability trimmed away below the first entry, which
                              the CDF still counts */
};

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
