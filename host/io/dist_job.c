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
 * must be a multiple of the step, or with the midpoint rule (half != NULL)
 * also an odd multiple of half the step, whose grid index is then the point
 * half a step below it and *half 1. Returns -1 when text is not one. */
static int parse_offset(const dist_job *job, const char *text, size_t len, int64_t *out,
                        int *half)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf) return -1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (job->step > 0) {
        double x;
        if (io_parse_double(buf, &x) != 0) return -1;
        double g = x / job->step, r = nearbyint(g);
        const double tol = 1e-9 * fmax(1, fabs(g));
        if (half && fabs(g - r) > tol) {
            /* Off the grid: an odd multiple of h/2 sits half a step above
             * the grid point floor(g). */
            g -= 0.5;
            r = nearbyint(g);
            if (fabs(g - r) > tol || fabs(r) > 9e15) return -1;
            *half = 1;
            *out = (int64_t)r;
            return 0;
        }
        if (fabs(g - r) > tol || fabs(r) > 9e15) return -1;
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
static int split_offset(const dist_job *job, spec_input *in, int pair, int64_t off[2],
                        const char **rest, io_error *err)
{
    const char *colon = strchr(in->text, ':');
    int *half = job->step > 0 && job->rule == DIST_RULE_MIDPOINT ? &in->half : NULL;
    *rest = in->text;
    off[0] = off[1] = 0;
    if (!colon) return 0;
    const char *comma = memchr(in->text, ',', (size_t)(colon - in->text));
    int ok = pair && comma
                 ? parse_offset(job, in->text, (size_t)(comma - in->text), &off[0], NULL) == 0 &&
                       parse_offset(job, comma + 1, (size_t)(colon - comma - 1), &off[1],
                                    NULL) == 0
                 : parse_offset(job, in->text, (size_t)(colon - in->text), &off[0], half) == 0;
    if (!ok) {
        if (half)
            return io_fail(err, CLCONV_EINVAL,
                           "spec '%s': the offset must be a multiple of half the step %g",
                           in->text, job->step);
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
static int read_spec(const dist_job *job, spec_input *in, io_error *err)
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

static const char *const rule_names[] = {"samples", "midpoint", "trapezoid"};

int dist_rule_parse(const char *name, dist_rule *rule)
{
    for (int k = 0; k < 3; k++)
        if (strcmp(name, rule_names[k]) == 0) {
            *rule = (dist_rule)k;
            return 0;
        }
    return -1;
}

/* Weighs the samples of a density by the midpoint or trapezoid rule and
 * rescales them to total probability 1: the quadrature's total is the
 * integral of the sampled density, 1 up to the rule's error, which a check
 * at 1e-9 would refuse for any usable step. Values the library will refuse
 * (negative, not finite) are left for its message. */
static int apply_rule(const dist_job *job, spec_input *in, io_error *err)
{
    const size_t n = in->layout.len[0] * in->layout.len[1];
    if (job->step <= 0 || job->rule == DIST_RULE_SAMPLES) return 0;
    if (in->layout.dims != 1)
        return io_fail(err, CLCONV_EINVAL, "spec '%s': --rule %s takes 1-D densities", in->text,
                       rule_names[job->rule]);
    if (job->rule == DIST_RULE_TRAPEZOID) {
        if (n < 2)
            return io_fail(err, CLCONV_EINVAL,
                           "spec '%s': the trapezoid rule needs at least 2 samples", in->text);
        in->values[0] *= 0.5;
        in->values[n - 1] *= 0.5;
    }
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(in->values[i] >= 0) || !isfinite(in->values[i])) return 0;
        total += in->values[i];
    }
    total *= job->step;
    if (!(total > 0)) return 0;
    if (!(job->flags & CLCONV_DIST_NORMALIZE) && fabs(total - 1) > DIST_RULE_TOLERANCE)
        return io_fail(err, CLCONV_EINVAL,
                       "spec '%s': the %s rule gives a total probability of %.6g, not 1 within "
                       "%g (--normalize rescales any total)",
                       in->text, rule_names[job->rule], total, DIST_RULE_TOLERANCE);
    for (size_t i = 0; i < n; i++) in->values[i] /= total;
    return 0;
}

static int load_spec(const dist_job *job, spec_input *in, io_error *err)
{
    in->family = -1;
    int status = read_spec(job, in, err);
    return status < 0 ? status : apply_rule(job, in, err);
}

/* The families of --count, in the order of clconv_count_family. */
static const char *const family_names[] = {"poisson", "binomial", "negbin", "geometric"};
static const char *const family_forms[] = {"poisson:LAMBDA with LAMBDA > 0",
                                           "binomial:N,P with whole N >= 0 and 0 <= P <= 1",
                                           "negbin:R,P with R > 0 and 0 < P <= 1",
                                           "geometric:P with 0 < P <= 1"};

/* The --count: a family NAME:PARAMS, or any discrete PMF spec. The
 * parameters are checked here, before a device opens. */
static int load_count(const dist_job *job, spec_input *in, io_error *err)
{
    const char *colon = strchr(in->text, ':');
    in->family = -1;
    for (int k = 0; colon && k < 4; k++) {
        if (strlen(family_names[k]) != (size_t)(colon - in->text) ||
            strncmp(in->text, family_names[k], (size_t)(colon - in->text)) != 0)
            continue;
        const int two = k == CLCONV_COUNT_BINOMIAL || k == CLCONV_COUNT_NEGBIN;
        char buf[128];
        double x[2] = {0, 0};
        snprintf(buf, sizeof buf, "%s", colon + 1);
        char *comma = strchr(buf, ',');
        int ok = strlen(colon + 1) < sizeof buf && (comma != NULL) == two;
        if (ok && comma) *comma = '\0';
        ok = ok && io_parse_double(buf, &x[0]) == 0 &&
             (!two || io_parse_double(comma + 1, &x[1]) == 0);
        if (ok) switch (k) {
            case CLCONV_COUNT_POISSON: ok = x[0] > 0 && isfinite(x[0]); break;
            case CLCONV_COUNT_BINOMIAL:
                ok = x[0] >= 0 && x[0] <= 9e15 && x[0] == floor(x[0]) && x[1] >= 0 && x[1] <= 1;
                break;
            case CLCONV_COUNT_NEGBIN: ok = x[0] > 0 && isfinite(x[0]) && x[1] > 0 && x[1] <= 1; break;
            default: ok = x[0] > 0 && x[0] <= 1; break;
            }
        if (!ok)
            return io_fail(err, CLCONV_EINVAL, "--count '%s': expected %s", in->text,
                           family_forms[k]);
        in->family = k;
        in->a = x[0];
        in->b = x[1];
        return 0;
    }
    if (colon && ((in->text[0] >= 'a' && in->text[0] <= 'z') ||
                  (in->text[0] >= 'A' && in->text[0] <= 'Z')) &&
        !has_suffix(in->text, ".npy") && !has_suffix(in->text, ".csv"))
        return io_fail(err, CLCONV_EINVAL,
                       "--count '%s': unknown family '%.*s' (poisson, binomial, negbin, "
                       "geometric, or a PMF spec)",
                       in->text, (int)(colon - in->text), in->text);
    /* A PMF of N: discrete whatever --density says, and never reweighed. */
    dist_job discrete = *job;
    discrete.step = 0;
    discrete.rule = DIST_RULE_SAMPLES;
    int status = read_spec(&discrete, in, err);
    if (status == 0 && in->layout.dims != 1)
        status = io_fail(err, CLCONV_EINVAL, "--count '%s': the count must be 1-D", in->text);
    if (status == 0 && in->layout.offset[0] < 0)
        status = io_fail(err, CLCONV_EINVAL,
                         "--count '%s': a count cannot be negative (the offset is %" PRId64 ")",
                         in->text, in->layout.offset[0]);
    return status;
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
    res->fft_passes += opts->fft_passes;
    res->fft_direct += opts->fft_direct_entries;
}

/* Replaces *total (the severity X) by the compound sum of --count copies. */
static int compound(const dist_job *job, clconv_runtime *rt, const spec_input *in,
                    clconv_dist **total, dist_result *res, io_error *err)
{
    char what[256];
    snprintf(what, sizeof what, "--count '%s'", in->text);
    clconv_dist *count = NULL, *out = NULL;
    clconv_dist_options opts = {.method = job->method};
    clconv_dist_layout sl;
    int st = clconv_dist_layout_get(*total, &sl);
    /* A server refuses a result over its limit before any work: the sum
     * reaches from 0 to the largest count times the severity's span. A
     * family's largest count is estimated (mean + 40 sd), a PMF's known. */
    double largest = (double)in->layout.offset[0] + (double)in->layout.len[0] * (double)in->copies;
    if (in->family >= 0) {
        const double q = in->family == CLCONV_COUNT_POISSON || in->family == CLCONV_COUNT_BINOMIAL
                             ? 0 : 1 - (in->family == CLCONV_COUNT_GEOMETRIC ? in->a : in->b);
        const double r = in->family == CLCONV_COUNT_GEOMETRIC ? 1 : in->a;
        const double p = 1 - q;
        largest = in->family == CLCONV_COUNT_POISSON ? in->a + 40 * sqrt(in->a) + 40
                  : in->family == CLCONV_COUNT_BINOMIAL ? in->a + 1
                  : r * q / p + 40 * sqrt(r * q) / p + 40;
    }
    const double entries = largest * (double)sl.len[0];
    if (st == 0 && job->max_entries > 0 && entries > (double)job->max_entries)
        return io_fail(err, CLCONV_EOVERFLOW,
                       "%s: the compound sum would have about %.3g entries, over the limit of "
                       "%zu",
                       what, entries, job->max_entries);
    if (st == 0) st = in->family >= 0
                 ? clconv_dist_count(rt, (clconv_count_family)in->family, in->a, in->b, 0, &count)
                 : clconv_dist_create(rt, in->values, &in->layout, job->flags, &count);
    if (st == 0 && in->family < 0 && in->copies > 1) {
        clconv_dist *p;
        st = clconv_dist_power(rt, count, in->copies, &opts, &p);
        clconv_dist_destroy(count);
        count = st == 0 ? p : NULL;
    }
    if (st < 0) return io_library_fail(err, rt, st, what);
    st = clconv_dist_compound(rt, count, *total, &opts, &out);
    clconv_dist_destroy(count);
    if (st < 0) return io_library_fail(err, rt, st, what);
    note_method(res, &opts);
    clconv_dist_destroy(*total);
    *total = out;
    res->compound = 1;
    return 0;
}

/* Sums every variable, then takes --times copies, then makes the compound
 * sum of a --count, then trims. */
static int compute(const dist_job *job, clconv_runtime *rt, const spec_input *inputs,
                   clconv_dist **total, dist_result *res, io_error *err)
{
    const size_t n = (size_t)job->n_specs + (job->rows != NULL);
    clconv_dist **vars = calloc(n, sizeof *vars);
    clconv_dist_options opts = {.method = job->method};
    int status = vars ? 0 : io_fail(err, CLCONV_ENOMEM, "out of memory");
    if (status == 0 && job->count && job->step > 0)
        status = io_fail(err, CLCONV_EINVAL,
                         "--count makes compound sums of discrete variables, not of densities");
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
    if (status == 0 && job->count) status = compound(job, rt, &inputs[job->n_specs], total, res, err);
    if (status == 0 && job->trim >= 0) {
        int st = clconv_dist_trim(*total, job->trim, &res->trimmed);
        if (st < 0) status = io_library_fail(err, rt, st, "--trim");
    }
    return status;
}

/* Half steps above the grid that the midpoint rule's samples add up to. */
static uint64_t half_steps(const dist_job *job, const spec_input *inputs)
{
    uint64_t h = 0;
    for (int i = 0; i < job->n_specs; i++) h += (uint64_t)inputs[i].half * inputs[i].copies;
    return h * job->times;
}

/* Reads the result and its summaries back to the host. */
static int summarise(const dist_job *job, const spec_input *inputs, clconv_runtime *rt,
                     const clconv_dist *d, dist_result *res, io_error *err)
{
    int st = clconv_dist_layout_get(d, &res->layout);
    const size_t count = res->layout.len[0] * res->layout.len[1];
    const int one = res->layout.dims == 1;
    res->values = malloc(count * sizeof *res->values);
    if (one) {
        res->cdf = malloc(count * sizeof *res->cdf);
        res->sf = malloc(count * sizeof *res->sf);
        res->logp = malloc(count * sizeof *res->logp);
        res->logsf = malloc(count * sizeof *res->logsf);
    }
    if (!res->values || (one && (!res->cdf || !res->sf || !res->logp || !res->logsf)))
        return io_fail(err, CLCONV_ENOMEM, "out of memory");
    if (st == 0) st = clconv_dist_read(d, res->values);
    if (st == 0) st = clconv_dist_stats_get(d, &res->stats);
    if (st == 0 && one) st = clconv_dist_cdf(d, res->cdf);
    if (st == 0 && one) st = clconv_dist_sf(d, res->sf);
    if (st == 0 && one) st = clconv_dist_read_log(d, res->logp);
    if (st == 0 && one) st = clconv_dist_logsf(d, res->logsf);
    if (st == 0 && one) st = clconv_dist_quantiles(d, dist_quantile_levels, 7, res->quantiles);
    if (st < 0) return io_library_fail(err, rt, st, "cannot read the result");
    /* The library's grid holds integer indices; whole steps of the midpoint
     * rule's half steps move the offset, an odd one is kept as the shift. */
    const uint64_t halves = half_steps(job, inputs);
    if (halves > 0 && one) {
        const double move = (double)(halves / 2) + (halves % 2 ? 0.5 : 0);
        res->layout.offset[0] += (int64_t)(halves / 2);
        res->shift = halves % 2 ? 0.5 : 0;
        res->stats.mean[0] += move * res->layout.step;
        res->stats.min[0] += move * res->layout.step;
        res->stats.max[0] += move * res->layout.step;
        for (int q = 0; q < 7; q++) res->quantiles[q] += move * res->layout.step;
    }
    return 0;
}

/* The value at grid index i of dimension k. */
double dist_value_at(const dist_result *r, int k, size_t i)
{
    const double v = (double)r->layout.offset[k] + (double)i + (k == 0 ? r->shift : 0);
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
    else if (r->shift > 0)
        fprintf(f, "  \"offset\": %" PRId64 ".5,\n", l->offset[0]);
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
    fprintf(f, ",\n  \"fft_passes\": %u,\n  \"fft_direct_entries\": %zu", r->fft_passes,
            r->fft_direct);
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
        /* JSON has no -Infinity: null stands for the log of an exact 0. */
        const char *keys[] = {"cdf", "sf", l->step > 0 ? "logpdf" : "logpmf", "logsf"};
        const double *arrays[] = {r->cdf, r->sf, r->logp, r->logsf};
        for (int a = 0; a < 4; a++) {
            fprintf(f, ",\n  \"%s\": [", keys[a]);
            for (size_t i = 0; i < l->len[0]; i++) {
                if (i) fputs(", ", f);
                print_number_json(f, arrays[a][i]);
            }
            fprintf(f, "]");
        }
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
    if (status == 0 && job->count) {
        (*inputs)[job->n_specs].text = job->count;
        status = load_count(job, &(*inputs)[job->n_specs], err);
    }
    return status;
}

void dist_inputs_free(const dist_job *job, spec_input *inputs)
{
    for (int i = 0; inputs && i <= job->n_specs; i++) free(inputs[i].values);
    free(inputs);
}

int dist_job_run(const dist_job *job, clconv_runtime *rt, const spec_input *inputs,
                 dist_result *res, io_error *err)
{
    clconv_dist *total = NULL;
    int status = compute(job, rt, inputs, &total, res, err);
    if (status == 0) status = summarise(job, inputs, rt, total, res, err);
    clconv_dist_destroy(total);
    return status;
}

void dist_result_free(dist_result *res)
{
    free(res->values);
    free(res->cdf);
    free(res->sf);
    free(res->logp);
    free(res->logsf);
    res->values = res->cdf = res->sf = res->logp = res->logsf = NULL;
}
