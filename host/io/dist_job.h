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
                                 dice are expanded in host memory) */
} dist_job;

/* One SPEC read into host memory: values and layout for clconv_dist_create,
 * and `copies` for dice (NdS is N copies of one die). */
typedef struct spec_input {
    const char *text;
    double *values;
    clconv_dist_layout layout;
    uint64_t copies;
} spec_input;

/* The result and what is reported with it. */
typedef struct dist_result {
    clconv_dist_layout layout;
    double *values;           /* as clconv_dist_read gives them */
    double *cdf;              /* 1-D only */
    clconv_dist_stats stats;
    double quantiles[7];      /* 1-D only, at dist_quantile_levels */
    clconv_method method;
    double clamped;
    double trimmed;
    size_t variables;
} dist_result;

extern const double dist_quantile_levels[7];

/* A whole string as an unsigned integer of at least 1: 0, else -1. */
int dist_parse_count(const char *s, uint64_t *v);

/* Reads every SPEC of job into a new array of job->n_specs inputs (*inputs,
 * freed with dist_inputs_free even on failure); nothing touches a device.
 * Returns 0 or a negative status (err filled). */
int dist_inputs_load(const dist_job *job, spec_input **inputs, io_error *err);
void dist_inputs_free(const dist_job *job, spec_input *inputs);

/* Sums the variables on rt, takes job->times copies, trims, and reads the
 * result with its summaries into *res (freed with dist_result_free).
 * Returns 0 or a negative status (err filled). */
int dist_job_run(const dist_job *job, clconv_runtime *rt, const spec_input *inputs,
                 dist_result *res, io_error *err);
void dist_result_free(dist_result *res);

/* The value at grid index i of dimension k. */
double dist_value_at(const dist_result *r, int k, size_t i);

/* Writes the result as the JSON document of `clconv dist --format json`. */
void dist_write_json(FILE *f, const dist_result *r);

#endif /* CLCONV_IO_DIST_JOB_H */
