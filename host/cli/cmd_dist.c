/*
 * `clconv dist`: the distribution of a sum of independent random variables.
 * Each SPEC names one variable (inline probabilities, dice, or a .npy/.csv
 * file); --rows adds the rows of a matrix; the library sums them on the
 * device, optionally takes --times copies of the total, and this file prints
 * the result as a readable summary with a bar chart, as CSV or as JSON, and
 * writes it as .npy. Spec syntax errors are found before the device opens;
 * the values themselves (negative, NaN, a total off 1) are checked by the
 * library, whose message is reported against the spec that caused it.
 */
#include "args.h"
#include "array.h"
#include "cli.h"
#include "npy.h"
#include "outfile.h"

#include <errno.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char dist_help[] =
    "Usage: clconv dist SPEC... [OPTIONS]\n"
    "\n"
    "Prints the distribution of the sum of independent random variables, each\n"
    "given by a SPEC, computed on an OpenCL device by convolving their\n"
    "distributions. The direct method keeps every probability above 1e-290 exact\n"
    "to a relative 1e-9, far tails included; auto uses it unless both sides of a\n"
    "convolution exceed 2^20 entries.\n"
    "\n"
    "SPEC is one of:\n"
    "  [OFFSET:]p0,p1,...     probabilities of the values OFFSET, OFFSET+1, ...\n"
    "                         (OFFSET defaults to 0)\n"
    "  NdS                    N fair S-sided dice, each showing 1..S (d6 = 1d6)\n"
    "  [OFFSET:]FILE.npy      a 1-D array of probabilities, or a 2-D array: a joint\n"
    "                         distribution of two values (OFFSET is then R,C)\n"
    "  [OFFSET:]FILE.csv      probabilities separated by commas or white space\n"
    "\n"
    "Options:\n"
    "      --rows FILE.npy    also add one variable per row of a 2-D array, each at\n"
    "                         offset 0: rows [1-p, p] make a Poisson-binomial\n"
    "      --times N          the sum of N independent copies of the total\n"
    "      --method METHOD    auto (default), direct or fft; fft is for huge supports:\n"
    "                         its error is relative to the largest probability only,\n"
    "                         and negative results are set to 0 (the mass is shown)\n"
    "      --density STEP     SPECs are samples of probability densities on a grid of\n"
    "                         this step; OFFSET is then the position of the first\n"
    "                         sample, a multiple of STEP\n"
    "      --normalize        rescale each variable to total 1 instead of rejecting a\n"
    "                         total that differs from 1 by more than 1e-9\n"
    "      --trim EPS         drop the tail entries below EPS from the result and\n"
    "                         report the probability dropped (on stderr with csv)\n"
    "      --format FORMAT    table (default): summary and bar chart; csv: the rows\n"
    "                         value,probability,cdf; json: everything\n"
    "  -o, --output OUT.npy   also write the probabilities (density values with\n"
    "                         --density) as float64 .npy; the first entry's value is\n"
    "                         the offset printed in the summary\n"
    "  -d, --device SPEC      the OpenCL device (see 'clconv --help')\n"
    "\n"
    "Examples:\n"
    "  clconv dist 1:0.1,0.2,0.3,0.1,0.2,0.1 1:0.25,0.05,0.3,0.1,0.2,0.1\n"
    "  clconv dist 3d6 --format csv\n"
    "  clconv dist 1:0.1,0.2,0.3,0.1,0.2,0.1 --times 10000 -o sum.npy\n"
    "  clconv dist --rows bernoulli.npy --format json\n"
    "  clconv dist 0.5,1,1,1,1,1,1,1,1,1,0.5 0.5,1,1,1,1,1,1,1,1,1,0.5 --density 0.1\n";

enum {
    OPT_ROWS = 1,
    OPT_TIMES,
    OPT_METHOD,
    OPT_DENSITY,
    OPT_NORMALIZE,
    OPT_TRIM,
    OPT_FORMAT,
    OPT_OUTPUT,
    OPT_DEVICE
};

static const args_option dist_options[] = {
    {"rows", 0, 1, OPT_ROWS},
    {"times", 0, 1, OPT_TIMES},
    {"method", 0, 1, OPT_METHOD},
    {"density", 0, 1, OPT_DENSITY},
    {"normalize", 0, 0, OPT_NORMALIZE},
    {"trim", 0, 1, OPT_TRIM},
    {"format", 0, 1, OPT_FORMAT},
    {"output", 'o', 1, OPT_OUTPUT},
    {"device", 'd', 1, OPT_DEVICE},
    {NULL, 0, 0, 0},
};

typedef enum format { FORMAT_TABLE, FORMAT_CSV, FORMAT_JSON } format;

typedef struct dist_job {
    const char **specs;
    int n_specs;
    const char *rows;
    uint64_t times;
    clconv_method method;
    double step;              /* 0, or the --density grid step */
    unsigned flags;
    double trim;              /* < 0: no trimming */
    format fmt;
    const char *output;
    const char *device;
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
    double quantiles[7];      /* 1-D only, at quantile_levels */
    clconv_method method;
    double clamped;
    double trimmed;
    size_t variables;
} dist_result;

static const double quantile_levels[7] = {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99};

/* ---- command line ----------------------------------------------------------- */

/* A whole string as an unsigned integer of at least 1, else -1. */
static int parse_count(const char *s, uint64_t *v)
{
    char *end;
    if (s[0] < '0' || s[0] > '9') return -1;
    errno = 0;
    unsigned long long u = strtoull(s, &end, 10);
    if (*end != '\0' || errno == ERANGE || u == 0) return -1;
    *v = u;
    return 0;
}

static int parse_dist_args(dist_job *job, int argc, char **argv, int *done)
{
    args_parser p;
    const char *v;
    args_init(&p, "dist", dist_options, argc, argv);
    *done = 0;
    for (int id; (id = args_next(&p, &v)) != ARGS_END;) {
        switch (id) {
        case ARGS_HELP:
            fputs(dist_help, stdout);
            *done = 1;
            return CLI_OK;
        case ARGS_ERROR: return CLI_EUSAGE;
        case ARGS_POSITIONAL: job->specs[job->n_specs++] = v; break;
        case OPT_ROWS: job->rows = v; break;
        case OPT_TIMES:
            if (parse_count(v, &job->times) != 0)
                return cli_usage_error("dist", "--times must be a whole number >= 1, not '%s'",
                                       v);
            break;
        case OPT_METHOD:
            if (clconv_method_parse(v, &job->method) != CLCONV_OK)
                return cli_usage_error("dist", "--method must be auto, direct or fft, not '%s'",
                                       v);
            break;
        case OPT_DENSITY:
            if (args_parse_double(v, &job->step) != 0 || !(job->step > 0))
                return cli_usage_error("dist", "--density must be a grid step > 0, not '%s'", v);
            break;
        case OPT_NORMALIZE: job->flags |= CLCONV_DIST_NORMALIZE; break;
        case OPT_TRIM:
            if (args_parse_double(v, &job->trim) != 0 || job->trim < 0)
                return cli_usage_error("dist", "--trim must be a probability >= 0, not '%s'", v);
            break;
        case OPT_FORMAT:
            if (strcmp(v, "table") == 0)
                job->fmt = FORMAT_TABLE;
            else if (strcmp(v, "csv") == 0)
                job->fmt = FORMAT_CSV;
            else if (strcmp(v, "json") == 0)
                job->fmt = FORMAT_JSON;
            else
                return cli_usage_error("dist", "--format must be table, csv or json, not '%s'",
                                       v);
            break;
        case OPT_OUTPUT: job->output = v; break;
        case OPT_DEVICE: job->device = v; break;
        }
    }
    if (job->n_specs == 0 && !job->rows) return cli_usage_error("dist", "missing SPEC");
    if (job->rows && job->step > 0)
        return cli_usage_error("dist", "--rows holds discrete distributions; it cannot be "
                                       "combined with --density");
    if (job->output && job->output[0] == '\0') return cli_usage_error("dist", "empty output name");
    return CLI_OK;
}

/* ---- specs ------------------------------------------------------------------ */

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcasecmp(s + n - k, suffix) == 0;
}

/* An OFFSET as a grid index: an integer, or with --density a position that
 * must be a multiple of the step. Returns -1 when text is not one. */
static int parse_offset(const dist_job *job, const char *text, size_t len, int64_t *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf) return -1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (job->step > 0) {
        double x;
        if (args_parse_double(buf, &x) != 0) return -1;
        const double g = x / job->step, r = nearbyint(g);
        if (fabs(g - r) > 1e-9 * fmax(1, fabs(g)) || fabs(r) > 9e15) return -1;
        *out = (int64_t)r;
        return 0;
    }
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (end == buf || *end != '\0' || errno == ERANGE) return -1;
    *out = v;
    return 0;
}

/* Splits "OFFSET:REST" when the part before the first ':' is an offset (or
 * "R,C" with two); otherwise leaves the whole text as REST. */
static int split_offset(const dist_job *job, const spec_input *in, int pair, int64_t off[2],
                        const char **rest)
{
    const char *colon = strchr(in->text, ':');
    *rest = in->text;
    off[0] = off[1] = 0;
    if (!colon) return CLI_OK;
    const char *comma = memchr(in->text, ',', (size_t)(colon - in->text));
    int ok = pair && comma
                 ? parse_offset(job, in->text, (size_t)(comma - in->text), &off[0]) == 0 &&
                       parse_offset(job, comma + 1, (size_t)(colon - comma - 1), &off[1]) == 0
                 : parse_offset(job, in->text, (size_t)(colon - in->text), &off[0]) == 0;
    if (!ok) {
        if (job->step > 0)
            return cli_error("spec '%s': the offset must be a multiple of the step %g",
                             in->text, job->step);
        return cli_error("spec '%s': the offset before ':' must be a whole number%s", in->text,
                         pair ? " (or R,C for a 2-D array)" : "");
    }
    if (pair && !comma) off[1] = off[0];
    *rest = colon + 1;
    return CLI_OK;
}

/* Numbers separated by commas (inline) or by commas and white space (CSV),
 * into a new array. where names the source in messages. */
static int parse_numbers(const char *text, int csv, const char *where, double **values,
                         size_t *count)
{
    const char *seps = csv ? ", \t\r\n" : ",";
    size_t cap = 16, n = 0, line = 1;
    double *v = malloc(cap * sizeof *v);
    if (!v) return cli_error("%s: out of memory", where);
    char at[32] = "";
    for (const char *p = text;;) {
        if (csv) {
            for (; *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'; p++) line += *p == '\n';
            snprintf(at, sizeof at, "line %zu: ", line);
        }
        const size_t len = strcspn(p, seps);
        if (len == 0 && csv && *p == '\0' && n > 0) break;
        char *end;
        const double x = len ? strtod(p, &end) : 0;
        if (len) while (end < p + len && (*end == ' ' || *end == '\t')) end++;
        if (len == 0 || end != p + len) {
            free(v);
            if (len == 0) return cli_error("%s: %sempty value", where, at);
            return cli_error("%s: %s'%.*s' is not a number", where, at, (int)len, p);
        }
        if (n == cap) {
            double *w = realloc(v, 2 * cap * sizeof *w);
            if (!w) {
                free(v);
                return cli_error("%s: out of memory", where);
            }
            v = w;
            cap *= 2;
        }
        v[n++] = x;
        p += len;
        if (*p == '\0') break;
        if (*p == ',') p++;
    }
    *values = v;
    *count = n;
    return CLI_OK;
}

static int read_text_file(const char *path, char **text)
{
    FILE *f = fopen(path, "rb");
    if (!f) return cli_error("%s: cannot open: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (size_t got = 1; buf && got > 0;) {
        if (n + 1 == cap) {
            char *b = realloc(buf, 2 * cap);
            if (!b) break;
            buf = b;
            cap *= 2;
        }
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
    }
    /* errno tells a directory (EISDIR from fread) from a lack of memory. */
    const int err = errno, failed = ferror(f) || !feof(f);
    fclose(f);
    if (!buf || failed) {
        free(buf);
        return cli_error("%s: cannot read: %s", path, strerror(err));
    }
    buf[n] = '\0';
    if (strlen(buf) != n) {
        free(buf);
        return cli_error("%s: not a text file", path);
    }
    *text = buf;
    return CLI_OK;
}

/* NdS: N fair S-sided dice, N optional. Returns 1 and fills in when text is
 * dice notation, 0 when it is not, or a CLI status for nonsense numbers. */
static int parse_dice(const dist_job *job, spec_input *in, int *status)
{
    const char *t = in->text, *d = strchr(t, 'd');
    if (!d || strspn(t, "0123456789") != (size_t)(d - t) || d[1] == '\0' ||
        strspn(d + 1, "0123456789") != strlen(d + 1))
        return 0;
    uint64_t n = 1, sides;
    if ((d > t && (sscanf(t, "%" SCNu64, &n) != 1 || n == 0)) ||
        parse_count(d + 1, &sides) != 0 || sides > ((uint64_t)1 << 32)) {
        *status = cli_error("spec '%s': dice are NdS with N >= 1 and 1 <= S <= 2^32", t);
        return 1;
    }
    if (job->step > 0) {
        *status = cli_error("spec '%s': dice are discrete; --density takes sampled densities", t);
        return 1;
    }
    in->values = malloc(sides * sizeof *in->values);
    if (!in->values) {
        *status = cli_error("spec '%s': out of memory", t);
        return 1;
    }
    for (uint64_t i = 0; i < sides; i++) in->values[i] = 1.0 / (double)sides;
    in->layout = (clconv_dist_layout){1, {sides, 1}, {1, 0}, 0.0};
    in->copies = n;
    *status = CLI_OK;
    return 1;
}

static int read_npy_spec(const char *path, spec_input *in, int *dims)
{
    npy_file nf;
    real_array a = {0};
    char shape[128];
    int status = npy_open(&nf, path);
    if (status != CLI_OK) return status;
    shape_format(shape, sizeof shape, nf.ndim, nf.shape);
    if (nf.ndim != 1 && nf.ndim != 2)
        status = cli_error("%s: expected a 1-D or 2-D array of probabilities, got shape %s", path,
                           shape);
    else if (nf.count == 0)
        status = cli_error("%s: empty array (shape %s)", path, shape);
    if (status == CLI_OK) status = npy_read(&nf, CLCONV_F64, &a);
    npy_close(&nf);
    if (status != CLI_OK) return status;
    *dims = a.ndim;
    in->values = a.data;
    in->layout.dims = a.ndim;
    in->layout.len[0] = a.shape[0];
    in->layout.len[1] = a.ndim == 2 ? a.shape[1] : 1;
    return CLI_OK;
}

/* Reads one SPEC into host memory; nothing touches the device yet. */
static int load_spec(const dist_job *job, spec_input *in)
{
    int status = CLI_OK;
    const char *rest;
    int64_t off[2];
    in->copies = 1;
    if (parse_dice(job, in, &status)) return status;
    const int file = has_suffix(in->text, ".npy") || has_suffix(in->text, ".csv");
    status = split_offset(job, in, file && has_suffix(in->text, ".npy"), off, &rest);
    if (status != CLI_OK) return status;
    in->layout = (clconv_dist_layout){1, {0, 1}, {off[0], off[1]}, job->step};
    if (has_suffix(rest, ".npy")) {
        int dims;
        status = read_npy_spec(rest, in, &dims);
        if (status == CLI_OK && dims == 1) in->layout.offset[1] = 0;
        return status;
    }
    if (has_suffix(rest, ".csv")) {
        char *text = NULL;
        status = read_text_file(rest, &text);
        if (status == CLI_OK) status = parse_numbers(text, 1, rest, &in->values, &in->layout.len[0]);
        free(text);
        return status;
    }
    char where[96];
    snprintf(where, sizeof where, "spec '%s'", in->text);
    return parse_numbers(rest, 0, where, &in->values, &in->layout.len[0]);
}

/* ---- computation ------------------------------------------------------------ */

/* Library failures are reported against what caused them. */
static int spec_error(clconv_runtime *rt, int status, const char *text)
{
    char what[256];
    snprintf(what, sizeof what, "spec '%s'", text);
    return cli_library_error(rt, status, what);
}

/* The distribution of one spec on the device, dice powered up. */
static int make_variable(const dist_job *job, clconv_runtime *rt, const spec_input *in,
                         clconv_dist_options *opts, clconv_dist **out)
{
    clconv_dist *d;
    int status = clconv_dist_create(rt, in->values, &in->layout, job->flags, &d);
    if (status < 0) return spec_error(rt, status, in->text);
    if (in->copies == 1) {
        *out = d;
        return CLI_OK;
    }
    status = clconv_dist_power(rt, d, in->copies, opts, out);
    clconv_dist_destroy(d);
    return status < 0 ? spec_error(rt, status, in->text) : CLI_OK;
}

static int read_rows(const dist_job *job, clconv_runtime *rt, clconv_dist_options *opts,
                     clconv_dist **out, size_t *variables)
{
    npy_file nf;
    real_array a = {0};
    char shape[128];
    int status = npy_open(&nf, job->rows);
    if (status != CLI_OK) return status;
    shape_format(shape, sizeof shape, nf.ndim, nf.shape);
    if (nf.ndim != 2)
        status = cli_error("%s: --rows needs a 2-D array (one variable per row), got shape %s",
                           job->rows, shape);
    else if (nf.count == 0)
        status = cli_error("%s: empty array (shape %s)", job->rows, shape);
    if (status == CLI_OK) status = npy_read(&nf, CLCONV_F64, &a);
    npy_close(&nf);
    if (status != CLI_OK) return status;
    int st = clconv_dist_sum_rows(rt, a.data, a.shape[0], a.shape[1], job->flags, opts, out);
    real_array_free(&a);
    if (st < 0) return cli_library_error(rt, st, job->rows);
    *variables = nf.shape[0];
    return CLI_OK;
}

/* Keeps the strongest method report of several library calls. */
static void note_method(dist_result *res, const clconv_dist_options *opts)
{
    if (opts->chosen == CLCONV_METHOD_FFT) res->method = CLCONV_METHOD_FFT;
    res->clamped += opts->clamped_mass;
}

/* Sums every variable, then takes --times copies, then trims. */
static int compute(const dist_job *job, clconv_runtime *rt, const spec_input *inputs,
                   clconv_dist **total, dist_result *res)
{
    const size_t n = (size_t)job->n_specs + (job->rows != NULL);
    clconv_dist **vars = calloc(n, sizeof *vars);
    clconv_dist_options opts = {.method = job->method};
    int status = vars ? CLI_OK : cli_error("out of memory");
    res->method = CLCONV_METHOD_DIRECT;
    res->variables = (size_t)job->n_specs;
    for (int i = 0; status == CLI_OK && i < job->n_specs; i++) {
        status = make_variable(job, rt, &inputs[i], &opts, &vars[i]);
        if (status == CLI_OK && inputs[i].copies > 1) note_method(res, &opts);
        if (inputs[i].copies > 1) res->variables += inputs[i].copies - 1;
    }
    if (status == CLI_OK && job->rows) {
        size_t rows = 0;
        status = read_rows(job, rt, &opts, &vars[n - 1], &rows);
        res->variables += rows;
        if (status == CLI_OK) note_method(res, &opts);
    }
    if (status == CLI_OK) {
        int st = clconv_dist_sum_many(rt, (const clconv_dist *const *)vars, n, &opts, total);
        status = st < 0 ? cli_library_error(rt, st, "cannot sum the variables") : CLI_OK;
        if (status == CLI_OK) note_method(res, &opts);
    }
    for (size_t i = 0; vars && i < n; i++) clconv_dist_destroy(vars[i]);
    free(vars);
    if (status == CLI_OK && job->times > 1) {
        clconv_dist *p;
        int st = clconv_dist_power(rt, *total, job->times, &opts, &p);
        clconv_dist_destroy(*total);
        *total = st < 0 ? NULL : p;
        status = st < 0 ? cli_library_error(rt, st, "--times") : CLI_OK;
        if (status == CLI_OK) note_method(res, &opts);
        if (res->variables > UINT64_MAX / job->times) res->variables = 0;
        else res->variables *= job->times;
    }
    if (status == CLI_OK && job->trim >= 0) {
        int st = clconv_dist_trim(*total, job->trim, &res->trimmed);
        if (st < 0) status = cli_library_error(rt, st, "--trim");
    }
    return status;
}

/* Reads the result and its summaries back to the host. */
static int summarise(clconv_runtime *rt, const clconv_dist *d, dist_result *res)
{
    int st = clconv_dist_layout_get(d, &res->layout);
    const size_t count = res->layout.len[0] * res->layout.len[1];
    res->values = malloc(count * sizeof *res->values);
    if (res->layout.dims == 1) res->cdf = malloc(count * sizeof *res->cdf);
    if (!res->values || (res->layout.dims == 1 && !res->cdf)) return cli_error("out of memory");
    if (st == 0) st = clconv_dist_read(d, res->values);
    if (st == 0) st = clconv_dist_stats_get(d, &res->stats);
    if (st == 0 && res->layout.dims == 1) st = clconv_dist_cdf(d, res->cdf);
    if (st == 0 && res->layout.dims == 1)
        st = clconv_dist_quantiles(d, quantile_levels, 7, res->quantiles);
    return st < 0 ? cli_library_error(rt, st, "cannot read the result") : CLI_OK;
}

/* ---- output ----------------------------------------------------------------- */

/* The value at grid index i of dimension k. */
static double value_at(const dist_result *r, int k, size_t i)
{
    const double v = (double)r->layout.offset[k] + (double)i;
    return r->layout.step > 0 ? v * r->layout.step : v;
}

static void print_number_json(double v)
{
    if (isfinite(v))
        printf("%.17g", v);
    else
        fputs("null", stdout);
}

static void print_json(const dist_result *r)
{
    const clconv_dist_layout *l = &r->layout;
    const int two = l->dims == 2;
    const clconv_dist_stats *s = &r->stats;
    printf("{\n  \"dims\": %d,\n  \"variables\": %zu,\n  \"method\": \"%s\",\n", l->dims,
           r->variables, clconv_method_name(r->method));
    printf("  \"step\": ");
    print_number_json(l->step > 0 ? l->step : 1);
    printf(",\n  \"density\": %s,\n", l->step > 0 ? "true" : "false");
    if (two)
        printf("  \"offset\": [%" PRId64 ", %" PRId64 "],\n", l->offset[0], l->offset[1]);
    else
        printf("  \"offset\": %" PRId64 ",\n", l->offset[0]);
    const char *names[] = {"mean", "variance", "sd", "skewness", "min", "max"};
    const double *fields[] = {s->mean, s->variance, s->sd, s->skewness, s->min, s->max};
    for (int f = 0; f < 6; f++) {
        printf("  \"%s\": %s", names[f], two ? "[" : "");
        for (int k = 0; k < l->dims; k++) {
            if (k) fputs(", ", stdout);
            print_number_json(fields[f][k]);
        }
        printf("%s,\n", two ? "]" : "");
    }
    if (two) {
        printf("  \"covariance\": ");
        print_number_json(s->covariance);
        printf(",\n");
    } else {
        printf("  \"quantiles\": {");
        for (int q = 0; q < 7; q++) {
            printf("%s\"%g\": ", q ? ", " : "", quantile_levels[q]);
            print_number_json(r->quantiles[q]);
        }
        printf("},\n");
    }
    printf("  \"total\": ");
    print_number_json(s->total);
    printf(",\n  \"clamped_mass\": ");
    print_number_json(r->clamped);
    printf(",\n  \"trimmed_mass\": ");
    print_number_json(r->trimmed);
    printf(",\n  \"%s\": [", l->step > 0 ? "densities" : "probabilities");
    for (size_t i = 0; i < l->len[0]; i++) {
        if (i) fputs(", ", stdout);
        if (two) {
            fputs("[", stdout);
            for (size_t j = 0; j < l->len[1]; j++) {
                if (j) fputs(", ", stdout);
                print_number_json(r->values[i * l->len[1] + j]);
            }
            fputs("]", stdout);
        } else {
            print_number_json(r->values[i]);
        }
    }
    printf("]");
    if (!two) {
        printf(",\n  \"cdf\": [");
        for (size_t i = 0; i < l->len[0]; i++) {
            if (i) fputs(", ", stdout);
            print_number_json(r->cdf[i]);
        }
        printf("]");
    }
    printf("\n}\n");
}

/* CSV keeps stdout to the table itself, so the masses the user asked to
 * hear about (trimmed) or must know of (clamped by FFT) go to stderr. */
static void print_csv(const dist_result *r, int trimmed)
{
    const clconv_dist_layout *l = &r->layout;
    if (trimmed) fprintf(stderr, "clconv dist: --trim dropped probability %.3g\n", r->trimmed);
    if (r->clamped > 0)
        fprintf(stderr, "clconv dist: negative FFT results set to 0: probability %.3g\n",
                r->clamped);
    if (l->dims == 2) {
        printf("value0,value1,%s\n", l->step > 0 ? "density" : "probability");
        for (size_t i = 0; i < l->len[0]; i++)
            for (size_t j = 0; j < l->len[1]; j++)
                printf("%.17g,%.17g,%.17g\n", value_at(r, 0, i), value_at(r, 1, j),
                       r->values[i * l->len[1] + j]);
        return;
    }
    printf("value,%s,cdf\n", l->step > 0 ? "density" : "probability");
    for (size_t i = 0; i < l->len[0]; i++)
        printf("%.17g,%.17g,%.17g\n", value_at(r, 0, i), r->values[i], r->cdf[i]);
}

/* Bars of BAR_WIDTH cells at most, drawn with eighth blocks on a UTF-8
 * terminal and with '#' elsewhere. */
#define BAR_WIDTH 40
#define CHART_ROWS 32

static void print_bar(double fraction, int utf8)
{
    static const char *const eighths[] = {"", "\u258f", "\u258e", "\u258d",
                                          "\u258c", "\u258b", "\u258a", "\u2589"};
    int units = (int)lround(fraction * BAR_WIDTH * (utf8 ? 8 : 1));
    if (units == 0 && fraction > 0) units = 1;    /* a non-zero value stays visible */
    if (!utf8) {
        for (int i = 0; i < units; i++) putchar('#');
        return;
    }
    for (int i = 0; i < units / 8; i++) fputs("\u2588", stdout);
    fputs(eighths[units % 8], stdout);
}

/* The chart covers the central 99.98% of the probability (all of it when
 * the support is short), in at most CHART_ROWS rows of consecutive values;
 * a row of a density shows the mean density over its values. */
static void print_chart_1d(const dist_result *r, int utf8)
{
    const size_t n = r->layout.len[0];
    const int density = r->layout.step > 0;
    size_t lo = 0, hi = n - 1;
    if (n > CHART_ROWS) {
        const double total = r->stats.total;
        while (lo < hi && r->cdf[lo] < 1e-4 * total) lo++;
        while (hi > lo && r->cdf[hi - 1] > (1 - 1e-4) * total) hi--;
    }
    const size_t span = hi - lo + 1, width = (span + CHART_ROWS - 1) / CHART_ROWS;
    const size_t nbins = (span + width - 1) / width;
    double *bins = calloc(nbins, sizeof *bins), top = 0;
    if (!bins) return;
    for (size_t i = lo; i <= hi; i++) bins[(i - lo) / width] += r->values[i];
    for (size_t b = 0; b < nbins; b++) {
        const size_t first = lo + b * width, last = first + width - 1 < hi ? first + width - 1 : hi;
        if (density) bins[b] /= (double)(last - first + 1);
        top = bins[b] > top ? bins[b] : top;
    }
    printf("\n%*s  %-12s %-10s\n", width > 1 ? 26 : 12, "value",
           density ? (width > 1 ? "mean density" : "density") : "probability", "cdf");
    for (size_t b = 0; b < nbins; b++) {
        const size_t first = lo + b * width, last = first + width - 1 < hi ? first + width - 1 : hi;
        if (width > 1)
            printf("%12.6g..%-12.6g", value_at(r, 0, first), value_at(r, 0, last));
        else
            printf("%12.6g", value_at(r, 0, first));
        printf("  %-12.6g %-10.6f ", bins[b], r->cdf[last]);
        print_bar(top > 0 ? bins[b] / top : 0, utf8);
        putchar('\n');
    }
    if (lo > 0 || hi < n - 1)
        printf("(values below %g and above %g, with probability %.3g, are not drawn)\n",
               value_at(r, 0, lo), value_at(r, 0, hi),
               (lo > 0 ? r->cdf[lo - 1] : 0) + r->stats.total - r->cdf[hi]);
    free(bins);
}

/* A shade per cell of at most 20 x 60 blocks of the joint distribution. */
static void print_chart_2d(const dist_result *r)
{
    static const char ramp[] = " .:-=+*#%@";
    const size_t rows = r->layout.len[0], cols = r->layout.len[1];
    const size_t wr = (rows + 19) / 20, wc = (cols + 59) / 60;
    const size_t br = (rows + wr - 1) / wr, bc = (cols + wc - 1) / wc;
    double *cell = calloc(br * bc, sizeof *cell), top = 0;
    if (!cell) return;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) cell[(i / wr) * bc + j / wc] += r->values[i * cols + j];
    for (size_t c = 0; c < br * bc; c++) top = cell[c] > top ? cell[c] : top;
    printf("\nrows: first value %g to %g; columns: second value %g to %g\n", value_at(r, 0, 0),
           value_at(r, 0, rows - 1), value_at(r, 1, 0), value_at(r, 1, cols - 1));
    for (size_t a = 0; a < br; a++) {
        printf("%12g |", value_at(r, 0, a * wr));
        for (size_t b = 0; b < bc; b++) {
            const double f = top > 0 ? cell[a * bc + b] / top : 0;
            int k = (int)ceil(f * 9);
            putchar(ramp[k < 0 ? 0 : k > 9 ? 9 : k]);
        }
        puts("|");
    }
    free(cell);
}

static void print_table(const dist_result *r)
{
    const clconv_dist_layout *l = &r->layout;
    const clconv_dist_stats *s = &r->stats;
    const char *setl = setlocale(LC_CTYPE, "");
    const int utf8 = setl && strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
    if (r->variables == 1)
        printf("One variable");
    else
        printf("Sum of %zu independent variables", r->variables);
    printf(" (%s, method %s)\n", l->step > 0 ? "density" : "discrete",
           clconv_method_name(r->method));
    for (int k = 0; k < l->dims; k++) {
        const char *name = l->dims == 2 ? (k == 0 ? "first value:  " : "second value: ") : "";
        printf("%ssupport %g..%g (%zu %s", name, value_at(r, k, 0),
               value_at(r, k, l->len[k] - 1), l->len[k], l->step > 0 ? "samples" : "values");
        if (l->step > 0) printf(" on a grid of step %g", l->step);
        printf(")\n");
        printf("%smean %.10g  sd %.10g  variance %.10g  skewness %.6g\n", name, s->mean[k],
               s->sd[k], s->variance[k], s->skewness[k]);
    }
    if (l->dims == 2) printf("covariance %.10g\n", s->covariance);
    else {
        printf("quantiles");
        for (int q = 0; q < 7; q++) printf("  %g%%: %g", quantile_levels[q] * 100, r->quantiles[q]);
        putchar('\n');
    }
    printf("total probability %.17g", s->total);
    if (r->clamped > 0) printf("; negative FFT results set to 0: %.3g", r->clamped);
    if (r->trimmed > 0) printf("; trimmed: %.3g", r->trimmed);
    putchar('\n');
    if (l->dims == 2)
        print_chart_2d(r);
    else
        print_chart_1d(r, utf8);
}

static int write_npy(const char *path, outfile *of, const dist_result *r)
{
    real_array a = {0};
    a.dtype = CLCONV_F64;
    a.ndim = r->layout.dims;
    a.shape[0] = r->layout.len[0];
    a.shape[1] = r->layout.len[1];
    a.count = r->layout.len[0] * r->layout.len[1];
    a.data = r->values;
    int status = npy_write(of->f, path, &a);
    return status == CLI_OK ? outfile_commit(of) : status;
}

/* ---- the command ------------------------------------------------------------ */

static int run_dist(const dist_job *job)
{
    spec_input *inputs = calloc((size_t)job->n_specs + 1, sizeof *inputs);
    dist_result res = {0};
    outfile of = {0};
    clconv_runtime *rt = NULL;
    clconv_dist *total = NULL;
    int status = inputs ? CLI_OK : cli_error("out of memory");
    for (int i = 0; status == CLI_OK && i < job->n_specs; i++) {
        inputs[i].text = job->specs[i];
        status = load_spec(job, &inputs[i]);
    }
    /* Claim the output before the device work, so an unwritable path fails
     * at once. */
    if (status == CLI_OK && job->output) status = outfile_open(&of, job->output);
    if (status == CLI_OK) status = cli_runtime_open(job->device, 0, &rt);
    if (status == CLI_OK) status = compute(job, rt, inputs, &total, &res);
    if (status == CLI_OK) status = summarise(rt, total, &res);
    if (status == CLI_OK && job->output) status = write_npy(job->output, &of, &res);
    if (status == CLI_OK) {
        if (job->fmt == FORMAT_JSON)
            print_json(&res);
        else if (job->fmt == FORMAT_CSV)
            print_csv(&res, job->trim >= 0);
        else
            print_table(&res);
        if (fflush(stdout) != 0 || ferror(stdout)) status = cli_error("cannot write the output");
    }
    outfile_abort(&of);
    clconv_dist_destroy(total);
    clconv_runtime_destroy(rt);
    for (int i = 0; inputs && i < job->n_specs; i++) free(inputs[i].values);
    free(inputs);
    free(res.values);
    free(res.cdf);
    return status;
}

int cmd_dist(int argc, char **argv)
{
    dist_job job = {0};
    job.times = 1;
    job.trim = -1;
    job.specs = calloc((size_t)argc, sizeof *job.specs);
    if (!job.specs) return cli_error("out of memory");
    int done;
    int status = parse_dist_args(&job, argc, argv, &done);
    if (status == CLI_OK && !done) status = run_dist(&job);
    free(job.specs);
    return status;
}
