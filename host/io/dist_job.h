/*
 * A distribution job as `clconv dist` and the server (`clconv serve`, POST
 * /v1/dist) both run it: SPEC strings read into host memory, the variables
 * summed on a runtime, the result read back with its summaries, and the JSON
 * document that `clconv dist --format json` prints and the server answers.
 * One implementation serves both, so the two outputs cannot drift apart.
 * Failures return a status code and fill the caller's io_error (see io.h).
 */
#ifndef CLCONV_IO_DIST_JOB_H
#define CLCONV_IO_DIST_JOB_H

#include "clconv.h"
#include "io.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* How --density weighs the samples of each SPEC into cell probabilities. */
typedef enum dist_rule {
    DIST_RULE_SAMPLES,    /* values as given: sample i stands for the cell of width h
                             centred on it, and the total must be 1 (or --normalize) */
    DIST_RULE_MIDPOINT,   /* samples at cell midpoints: OFFSET may lie half a step off
                             the grid; the weighted total is rescaled to 1 */
    DIST_RULE_TRAPEZOID   /* samples at cell edges: the first and last weigh 1/2; the
                             weighted total is rescaled to 1 */
} dist_rule;

/* How far a rule's total may lie from 1 before the spec is refused as not a
 * density (without --normalize): the quadrature error of a sensible grid is
 * far below it, a wrong density far above it. */
#define DIST_RULE_TOLERANCE 1e-2

typedef struct dist_job {
    const char **specs;       /* borrowed */
    int n_specs;
    const char *rows;         /* --rows FILE.npy, or NULL */
    uint64_t times;           /* >= 1 */
    clconv_method method;
    double step;              /* 0, or the --density grid step */
    unsigned flags;           /* CLCONV_DIST_NORMALIZE */
    double trim;              /* < 0: no trimming */
    int inline_only;          /* 1: refuse SPECs naming files (the server's clients
                                 must not read the server's files) */
    size_t max_entries;       /* 0, or the most sides a die may have (a server limit:
                                 dice are expanded in host memory), and the most
                                 entries a --count result may have */
    const char *count;        /* --count COUNT, or NULL: the result is then the compound
                                 sum X1 + ... + XN of copies of the sum of the SPECs */
    dist_rule rule;           /* --rule, with --density */
} dist_job;

/* One SPEC read into host memory: values and layout for clconv_dist_create,
 * and `copies` for dice (NdS is N copies of one die). The --count, when
 * there is one, is read into the entry after the SPECs: a family with its
 * parameters, or (family < 0) a PMF spec like any other. */
typedef struct spec_input {
    const char *text;
    double *values;
    clconv_dist_layout layout;
    uint64_t copies;
    int half;                 /* midpoint rule: the samples lie half a step above the
                                 grid points of layout.offset */
    int family;               /* --count only: a clconv_count_family, or -1 */
    double a, b;              /* --count only: the family's parameters */
} spec_input;

/* The result and what is reported with it. */
typedef struct dist_result {
    clconv_dist_layout layout;
    double *values;           /* as clconv_dist_read gives them */
    double *cdf;              /* 1-D only */
    double *logp;             /* 1-D only: natural logs of the entries, -INFINITY
                                 for an exact 0, exact far below float64's range */
    double *sf;               /* 1-D only: P(X > value), summed from the upper tail */
    double *logsf;            /* 1-D only: its natural logarithm */
    double shift;             /* 0, or 0.5: the values lie half a step above the grid
                                 (an odd number of midpoint-rule samples) */
    clconv_dist_stats stats;
    double quantiles[7];      /* 1-D only, at dist_quantile_levels */
    clconv_method method;
    unsigned fft_passes;      /* tilted FFT passes of the automatic method's checked FFT */
    size_t fft_direct;        /* entries of those convolutions computed directly instead */
    double clamped;
    double trimmed;
    size_t variables;         /* with a count: the variables in each X */
    int compound;             /* 1 when a --count made a compound sum */
} dist_result;

extern const double dist_quantile_levels[7];

/* A whole string as an unsigned integer of at least 1: 0, else -1. */
int dist_parse_count(const char *s, uint64_t *v);

/* Reads every SPEC of job (and the --count) into a new array of
 * job->n_specs + 1 inputs (*inputs,
 * freed with dist_inputs_free even on failure); nothing touches a device.
 * Returns 0 or a negative status (err filled). */
int dist_inputs_load(const dist_job *job, spec_input **inputs, io_error *err);
void dist_inputs_free(const dist_job *job, spec_input *inputs);

/* Sums the variables on rt, takes job->times copies, makes the compound sum
 * of a --count, trims, and reads the
 * result with its summaries into *res (freed with dist_result_free).
 * Returns 0 or a negative status (err filled). */
int dist_job_run(const dist_job *job, clconv_runtime *rt, const spec_input *inputs,
                 dist_result *res, io_error *err);
void dist_result_free(dist_result *res);

/* Parses a --rule name; -1 when it is none. */
int dist_rule_parse(const char *name, dist_rule *rule);

/* The value at grid index i of dimension k. */
double dist_value_at(const dist_result *r, int k, size_t i);

/* Writes the result as the JSON document of `clconv dist --format json`. */
void dist_write_json(FILE *f, const dist_result *r);

#endif /* CLCONV_IO_DIST_JOB_H */
