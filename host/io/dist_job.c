/*
 * The distribution job shared by `clconv dist` and the server (see
 * dist_job.h): SPEC parsing (inline probabilities, dice, .npy and CSV
 * files), the sums on the device, the read-back of the result and its
 * summaries, and the JSON writer.
 */
#include "dist_job.h"

#include "array.h"
#include "io.h"
#include "npy.h"
#include "source.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const double dist_quantile_levels[7] = {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99};

/* A whole string as an unsigned integer of at least 1, else -1. */
int dist_parse_count(const char *s, uint64_t *v)
{
    char *end;
    if (s[0] < '0' || s[0] > '9') return -1;
    errno = 0;
    unsigned long long u = strtoull(s, &end, 10);
    if (*end != '\0' || errno == ERANGE || u == 0) return -1;
    *v = u;
    return 0;
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
        if (io_parse_double(buf, &x) != 0) return -1;
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
                        const char **rest, io_error *err)
{
    const char *colon = strchr(in->text, ':');
    *rest = in->text;
    off[0] = off[1] = 0;
    if (!colon) return 0;
    const char *comma = memchr(in->text, ',', (size_t)(colon - in->text));
    int ok = pair && comma
                 ? parse_offset(job, in->text, (size_t)(comma - in->text), &off[0]) == 0 &&
                       parse_offset(job, comma + 1, (size_t)(colon - comma - 1), &off[1]) == 0
                 : parse_offset(job, in->text, (size_t)(colon - in->text), &off[0]) == 0;
    if (!ok) {
        if (job->step > 0)
            return io_fail(err, CLCONV_EINVAL,
                           "spec '%s': the offset must be a multiple of the step %g", in->text,
                           job->step);
        return io_fail(err, CLCONV_EINVAL,
                       "spec '%s': the offset before ':' must be a whole number%s", in->text,
                       pair ? " (or R,C for a 2-D array)" : "");
    }
    if (pair && !comma) off[1] = off[0];
    *rest = colon + 1;
    return 0;
}

/* Numbers separated by commas (inline) or by commas and white space (CSV),
 * into a new array. where names the source in messages. */
static int parse_numbers(const char *text, int csv, const char *where, double **values,
                         size_t *count, io_error *err)
{
    const char *seps = csv ? ", \t\r\n" : ",";
    size_t cap = 16, n = 0, line = 1;
    double *v = malloc(cap * sizeof *v);
    if (!v) return io_fail(err, CLCONV_ENOMEM, "%s: out of memory", where);
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
            if (len == 0) return io_fail(err, CLCONV_EINVAL, "%s: %sempty value", where, at);
            return io_fail(err, CLCONV_EFORMAT, "%s: %s'%.*s' is not a number", where, at, (int)len,
                           p);
        }
        if (n == cap) {
            double *w = realloc(v, 2 * cap * sizeof *w);
            if (!w) {
                free(v);
                return io_fail(err, CLCONV_ENOMEM, "%s: out of memory", where);
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
    return 0;
}

/* The whole of a text file, NUL-terminated (source_read_all reads it). */
static int read_text_file(const char *path, char **text, io_error *err)
{
    unsigned char *data;
    size_t size;
    IO_FORWARD(source_read_all(path, &data, &size, err));
    if (strlen((const char *)data) != size) {
        free(data);
        return io_fail(err, CLCONV_EFORMAT, "%s: not a text file", path);
    }
    *text = (char *)data;
    return 0;
}

/* NdS: N fair S-sided dice, N optional. Returns 1 and fills in when text is
 * dice notation, 0 when it is not, or a negative status for nonsense numbers. */
static int parse_dice(const dist_job *job, spec_input *in, int *status, io_error *err)
{
    const char *t = in->text, *d = strchr(t, 'd');
    if (!d || strspn(t, "0123456789") != (size_t)(d - t) || d[1] == '\0' ||
        strspn(d + 1, "0123456789") != strlen(d + 1))
        return 0;
    uint64_t n = 1, sides;
    if ((d > t && (sscanf(t, "%" SCNu64, &n) != 1 || n == 0)) ||
        dist_parse_count(d + 1, &sides) != 0 || sides > ((uint64_t)1 << 32)) {
        *status = io_fail(err, CLCONV_EINVAL,
                          "spec '%s': dice are NdS with N >= 1 and 1 <= S <= 2^32", t);
        return 1;
    }
    if (job->step > 0) {
        *status = io_fail(err, CLCONV_EINVAL,
                          "spec '%s': dice are discrete; --density takes sampled densities", t);
        return 1;
    }
    if (job->max_entries > 0 && sides > job->max_entries) {
        *status = io_fail(err, CLCONV_EOVERFLOW, "spec '%s': more than %zu sides, what is "
                          "left of the limit on all variables' entries", t, job->max_entries);
        return 1;
    }
    in->values = malloc(sides * sizeof *in->values);
    if (!in->values) {
        *status = io_fail(err, CLCONV_ENOMEM, "spec '%s': out of memory", t);
        return 1;
    }
    for (uint64_t i = 0; i < sides; i++) in->values[i] = 1.0 / (double)sides;
    in->layout = (clconv_dist_layout){1, {sides, 1}, {1, 0}, 0.0};
    in->copies = n;
    *status = 0;
    return 1;
}

static int read_npy_spec(const char *path, spec_input *in, int *dims, io_error *err)
{
    npy_file nf;
    real_array a = {0};
    char shape[128];
    int status = npy_open(&nf, path, err);
    if (status < 0) return status;
    shape_format(shape, sizeof shape, nf.ndim, nf.shape);
    if (nf.ndim != 1 && nf.ndim != 2)
        status = io_fail(err, CLCONV_EINVAL,
                         "%s: expected a 1-D or 2-D array of probabilities, got shape %s", path,
                         shape);
    else if (nf.count == 0)
        status = io_fail(err, CLCONV_EINVAL, "%s: empty array (shape %s)", path, shape);
    if (status == 0) status = npy_read(&nf, CLCONV_F64, &a, err);
    npy_close(&nf);
    if (status < 0) return status;
    *dims = a.ndim;
    in->values = a.data;
    in->layout.dims = a.ndim;
    in->layout.len[0] = a.shape[0];
    in->layout.len[1] = a.ndim == 2 ? a.shape[1] : 1;
    return 0;
}

/* Reads one SPEC into host memory; nothing touches the device yet. */
static int load_spec(const dist_job *job, spec_input *in, io_error *err)
{
    int status = 0;
    const char *rest;
    int64_t off[2];
    in->copies = 1;
    if (parse_dice(job, in, &status, err)) return status;
    const int file = has_suffix(in->text, ".npy") || has_suffix(in->text, ".csv");
    if (file && job->inline_only)
        return io_fail(err, CLCONV_EINVAL,
                       "spec '%s': files cannot be named here; give the probabilities inline",
                       in->text);
    status = split_offset(job, in, file && has_suffix(in->text, ".npy"), off, &rest, err);
    if (status < 0) return status;
    in->layout = (clconv_dist_layout){1, {0, 1}, {off[0], off[1]}, job->step};
    if (has_suffix(rest, ".npy")) {
        int dims;
        status = read_npy_spec(rest, in, &dims, err);
        if (status == 0 && dims == 1) in->layout.offset[1] = 0;
        return status;
    }
    if (has_suffix(rest, ".csv")) {
        char *text = NULL;
        status = read_text_file(rest, &text, err);
        if (status == 0) status = parse_numbers(text, 1, rest, &in->values, &in->layout.len[0],
                                                err);
        free(text);
        return status;
    }
    char where[96];
    snprintf(where, sizeof where, "spec '%s'", in->text);
    return parse_numbers(rest, 0, where, &in->values, &in->layout.len[0], err);
}

/* ---- computation ------------------------------------------------------------ */

/* Library failures are reported against what caused them. */
static int spec_error(clconv_runtime *rt, int status, const char *text, io_error *err)
{
    char what[256];
    snprintf(what, sizeof what, "spec '%s'", text);
    return io_library_fail(err, rt, status, what);
}

/* The distribution of one spec on the device, dice powered up. */
static int make_variable(const dist_job *job, clconv_runtime *rt, const spec_input *in,
                         clconv_dist_options *opts, clconv_dist **out, io_error *err)
{
    clconv_dist *d;
    int status = clconv_dist_create(rt, in->values, &in->layout, job->flags, &d);
    if (status < 0) return spec_error(rt, status, in->text, err);
    if (in->copies == 1) {
        *out = d;
        return 0;
    }
    status = clconv_dist_power(rt, d, in->copies, opts, out);
    clconv_dist_destroy(d);
    return status < 0 ? spec_error(rt, status, in->text, err) : 0;
}

static int read_rows(const dist_job *job, clconv_runtime *rt, clconv_dist_options *opts,
                     clconv_dist **out, size_t *variables, io_error *err)
{
    npy_file nf;
    real_array a = {0};
    char shape[128];
    int status = npy_open(&nf, job->rows, err);
    if (status < 0) return status;
    shape_format(shape, sizeof shape, nf.ndim, nf.shape);
    if (nf.ndim != 2)
        status = io_fail(err, CLCONV_EINVAL,
                         "%s: --rows needs a 2-D array (one variable per row), got shape %s",
                         job->rows, shape);
    else if (nf.count == 0)
        status = io_fail(err, CLCONV_EINVAL, "%s: empty array (shape %s)", job->rows, shape);
    if (status == 0) status = npy_read(&nf, CLCONV_F64, &a, err);
    npy_close(&nf);
    if (status < 0) return status;
    int st = clconv_dist_sum_rows(rt, a.data, a.shape[0], a.shape[1], job->flags, opts, out);
    real_array_free(&a);
    if (st < 0) return io_library_fail(err, rt, st, job->rows);
    *variables = nf.shape[0];
    return 0;
}

/* Keeps the strongest method report of several library calls. */
static void note_method(dist_result *res, const clconv_dist_options *opts)
{
    if (opts->chosen == CLCONV_METHOD_FFT) res->method = CLCONV_METHOD_FFT;
    res->clamped += opts->clamped_mass;
}

/* Sums every variable, then takes --times copies, then trims. */
static int compute(const dist_job *job, clconv_runtime *rt, const spec_input *inputs,
                   clconv_dist **total, dist_result *res, io_error *err)
{
    const size_t n = (size_t)job->n_specs + (job->rows != NULL);
    clconv_dist **vars = calloc(n, sizeof *vars);
    clconv_dist_options opts = {.method = job->method};
    int status = vars ? 0 : io_fail(err, CLCONV_ENOMEM, "out of memory");
    res->method = CLCONV_METHOD_DIRECT;
    res->variables = (size_t)job->n_specs;
    for (int i = 0; status == 0 && i < job->n_specs; i++) {
        status = make_variable(job, rt, &inputs[i], &opts, &vars[i], err);
        if (status == 0 && inputs[i].copies > 1) note_method(res, &opts);
        if (inputs[i].copies > 1) res->variables += inputs[i].copies - 1;
    }
    if (status == 0 && job->rows) {
        size_t rows = 0;
        status = read_rows(job, rt, &opts, &vars[n - 1], &rows, err);
        res->variables += rows;
        if (status == 0) note_method(res, &opts);
    }
    if (status == 0) {
        int st = clconv_dist_sum_many(rt, (const clconv_dist *const *)vars, n, &opts, total);
        status = st < 0 ? io_library_fail(err, rt, st, "cannot sum the variables") : 0;
        if (status == 0) note_method(res, &opts);
    }
    for (size_t i = 0; vars && i < n; i++) clconv_dist_destroy(vars[i]);
    free(vars);
    if (status == 0 && job->times > 1) {
        clconv_dist *p;
        int st = clconv_dist_power(rt, *total, job->times, &opts, &p);
        clconv_dist_destroy(*total);
        *total = st < 0 ? NULL : p;
        status = st < 0 ? io_library_fail(err, rt, st, "--times") : 0;
        if (status == 0) note_method(res, &opts);
        if (res->variables > UINT64_MAX / job->times) res->variables = 0;
        else res->variables *= job->times;
    }
    if (status == 0 && job->trim >= 0) {
        int st = clconv_dist_trim(*total, job->trim, &res->trimmed);
        if (st < 0) status = io_library_fail(err, rt, st, "--trim");
    }
    return status;
}

/* Reads the result and its summaries back to the host. */
static int summarise(clconv_runtime *rt, const clconv_dist *d, dist_result *res, io_error *err)
{
    int st = clconv_dist_layout_get(d, &res->layout);
    const size_t count = res->layout.len[0] * res->layout.len[1];
    res->values = malloc(count * sizeof *res->values);
    if (res->layout.dims == 1) res->cdf = malloc(count * sizeof *res->cdf);
    if (!res->values || (res->layout.dims == 1 && !res->cdf)) return io_fail(err, CLCONV_ENOMEM,
                                                                             "out of memory");
    if (st == 0) st = clconv_dist_read(d, res->values);
    if (st == 0) st = clconv_dist_stats_get(d, &res->stats);
    if (st == 0 && res->layout.dims == 1) st = clconv_dist_cdf(d, res->cdf);
    if (st == 0 && res->layout.dims == 1)
        st = clconv_dist_quantiles(d, dist_quantile_levels, 7, res->quantiles);
    return st < 0 ? io_library_fail(err, rt, st, "cannot read the result") : 0;
}

/* The value at grid index i of dimension k. */
double dist_value_at(const dist_result *r, int k, size_t i)
{
    const double v = (double)r->layout.offset[k] + (double)i;
    return r->layout.step > 0 ? v * r->layout.step : v;
}

static void print_number_json(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.17g", v);
    else
        fputs("null", f);
}

void dist_write_json(FILE *f, const dist_result *r)
{
    const clconv_dist_layout *l = &r->layout;
    const int two = l->dims == 2;
    const clconv_dist_stats *s = &r->stats;
    fprintf(f, "{\n  \"dims\": %d,\n  \"variables\": %zu,\n  \"method\": \"%s\",\n", l->dims,
            r->variables, clconv_method_name(r->method));
    fprintf(f, "  \"step\": ");
    print_number_json(f, l->step > 0 ? l->step : 1);
    fprintf(f, ",\n  \"density\": %s,\n", l->step > 0 ? "true" : "false");
    if (two)
        fprintf(f, "  \"offset\": [%" PRId64 ", %" PRId64 "],\n", l->offset[0], l->offset[1]);
    else
        fprintf(f, "  \"offset\": %" PRId64 ",\n", l->offset[0]);
    const char *names[] = {"mean", "variance", "sd", "skewness", "min", "max"};
    const double *fields[] = {s->mean, s->variance, s->sd, s->skewness, s->min, s->max};
    for (int n = 0; n < 6; n++) {
        fprintf(f, "  \"%s\": %s", names[n], two ? "[" : "");
        for (int k = 0; k < l->dims; k++) {
            if (k) fputs(", ", f);
            print_number_json(f, fields[n][k]);
        }
        fprintf(f, "%s,\n", two ? "]" : "");
    }
    if (two) {
        fprintf(f, "  \"covariance\": ");
        print_number_json(f, s->covariance);
        fprintf(f, ",\n");
    } else {
        fprintf(f, "  \"quantiles\": {");
        for (int q = 0; q < 7; q++) {
            fprintf(f, "%s\"%g\": ", q ? ", " : "", dist_quantile_levels[q]);
            print_number_json(f, r->quantiles[q]);
        }
        fprintf(f, "},\n");
    }
    fprintf(f, "  \"total\": ");
    print_number_json(f, s->total);
    fprintf(f, ",\n  \"clamped_mass\": ");
    print_number_json(f, r->clamped);
    fprintf(f, ",\n  \"trimmed_mass\": ");
    print_number_json(f, r->trimmed);
    fprintf(f, ",\n  \"%s\": [", l->step > 0 ? "densities" : "probabilities");
    for (size_t i = 0; i < l->len[0]; i++) {
        if (i) fputs(", ", f);
        if (two) {
            fputs("[", f);
            for (size_t j = 0; j < l->len[1]; j++) {
                if (j) fputs(", ", f);
                print_number_json(f, r->values[i * l->len[1] + j]);
            }
            fputs("]", f);
        } else {
            print_number_json(f, r->values[i]);
        }
    }
    fprintf(f, "]");
    if (!two) {
        fprintf(f, ",\n  \"cdf\": [");
        for (size_t i = 0; i < l->len[0]; i++) {
            if (i) fputs(", ", f);
            print_number_json(f, r->cdf[i]);
        }
        fprintf(f, "]");
    }
    fprintf(f, "\n}\n");
}

/* ---- the job ---------------------------------------------------------------- */

int dist_inputs_load(const dist_job *job, spec_input **inputs, io_error *err)
{
    *inputs = calloc((size_t)job->n_specs + 1, sizeof **inputs);
    if (!*inputs) return io_fail(err, CLCONV_ENOMEM, "out of memory");
    /* Under a limit (the server's), the variables together may hold no more
     * entries beyond their first ones than it: more would make a result
     * over it anyway, and dice are expanded in host memory before the
     * result's size is checked, so many large dice would otherwise take all
     * of it. A die may have at most what is left (max_entries - held + 1
     * sides, the first die max_entries). */
    dist_job local = *job;
    size_t held = 0;
    int status = 0;
    for (int i = 0; status == 0 && i < job->n_specs; i++) {
        spec_input *in = &(*inputs)[i];
        in->text = job->specs[i];
        status = load_spec(&local, in, err);
        if (status < 0 || !job->max_entries) continue;
        held += in->layout.len[0] * in->layout.len[1] - 1;
        if (held > job->max_entries)
            status = io_fail(err, CLCONV_EOVERFLOW, "spec '%s': the variables up to it hold "
                             "%zu entries beyond their first ones, over the limit of %zu",
                             in->text, held, job->max_entries);
        else
            local.max_entries = job->max_entries - held + 1;
    }
    return status;
}

void dist_inputs_free(const dist_job *job, spec_input *inputs)
{
    for (int i = 0; inputs && i < job->n_specs; i++) free(inputs[i].values);
    free(inputs);
}

int dist_job_run(const dist_job *job, clconv_runtime *rt, const spec_input *inputs,
                 dist_result *res, io_error *err)
{
    clconv_dist *total = NULL;
    int status = compute(job, rt, inputs, &total, res, err);
    if (status == 0) status = summarise(rt, total, res, err);
    clconv_dist_destroy(total);
    return status;
}

void dist_result_free(dist_result *res)
{
    free(res->values);
    free(res->cdf);
    res->values = res->cdf = NULL;
}
