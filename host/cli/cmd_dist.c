/*
 * `clconv dist`: the distribution of a sum of independent random variables.
 * Each SPEC names one variable (inline probabilities, dice, or a .npy/.csv
 * file); --rows adds the rows of a matrix; the library sums them on the
 * device, optionally takes --times copies of the total and the compound sum
 * of a random --count of them, and this file prints the result as a
 * readable summary with a bar chart, as CSV or as JSON, and writes it (or
 * its logarithms) as .npy. Probabilities below float64's range are printed
 * from their logarithms. Spec syntax errors are found before the device opens;
 * the values themselves (negative, NaN, a total off 1) are checked by the
 * library, whose message is reported against the spec that caused it.
 */
#include "args.h"
#include "array.h"
#include "cli.h"
#include "client.h"
#include "dist_job.h"
#include "npy.h"
#include "outfile.h"

#include <errno.h>
#include <float.h>
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
    "to a relative 1e-9, far tails included. auto uses it unless both sides of a\n"
    "1-D convolution hold 2^15 entries or more; those run by tilted FFT passes,\n"
    "each entry kept only where a bound puts it within 1e-9 of exact, the rest\n"
    "directly (a sum of n variables: within (n - 1) 1e-9).\n"
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
    "      --count COUNT      the compound sum X1 + ... + XN: N is a random count,\n"
    "                         independent of the X's, and each X is distributed as\n"
    "                         the sum of the SPECs (with --times). COUNT is\n"
    "                         poisson:LAMBDA, binomial:N,P, negbin:R,P (failures\n"
    "                         before the R-th success), geometric:P (failures before\n"
    "                         the first) or a discrete SPEC of N's probabilities\n"
    "      --method METHOD    auto (default), direct or fft; fft is a plain FFT: its\n"
    "                         error is relative to the largest probability only, and\n"
    "                         negative results are set to 0 (the mass is shown)\n"
    "      --density STEP     SPECs are samples of probability densities on a grid of\n"
    "                         this step; OFFSET is then the position of the first\n"
    "                         sample, a multiple of STEP\n"
    "      --rule RULE        how --density weighs the samples into the probability\n"
    "                         of each cell of width STEP:\n"
    "                         samples (default): as given, each for the cell\n"
    "                           centred on it; the total must be 1 within 1e-9\n"
    "                         midpoint: samples at cell midpoints, OFFSET may be\n"
    "                           half a step off the grid (0.005:f(0.005),f(0.015),...\n"
    "                           with STEP 0.01); rescaled to total 1\n"
    "                         trapezoid: samples at cell edges, the first and last\n"
    "                           weighing 1/2; rescaled to total 1\n"
    "                         (the rules refuse a total off 1 by more than 1e-2\n"
    "                         unless --normalize)\n"
    "      --normalize        rescale each variable to total 1 instead of rejecting a\n"
    "                         total that differs from 1 by more than 1e-9\n"
    "      --trim EPS         drop the tail entries below EPS from the result and\n"
    "                         report the probability dropped (on stderr with csv)\n"
    "      --format FORMAT    table (default): summary and bar chart; csv: the rows\n"
    "                         value,probability,cdf,sf,logpmf (density and logpdf\n"
    "                         with --density); json: everything, with the arrays\n"
    "                         cdf, sf (P(X > value), summed from the upper tail),\n"
    "                         logpmf and logsf (natural logs, null for log 0)\n"
    "  -o, --output OUT.npy   also write the probabilities (density values with\n"
    "                         --density) as float64 .npy; the first entry's value is\n"
    "                         the offset printed in the summary\n"
    "      --log              write the natural logs of the probabilities to OUT.npy\n"
    "                         instead (-inf for an exact 0), exact far below 1e-308\n"
    "  -v, --verbose          the library's notes on stderr\n"
    "  -d, --device SPEC      the OpenCL device (see 'clconv --help')\n"
    "      --server URL       send the job to a 'clconv serve' at URL (such as\n"
    "                         http://127.0.0.1:8470) instead of opening a device;\n"
    "                         the output is the same (default: $CLCONV_SERVER;\n"
    "                         a bearer token for it in $CLCONV_TOKEN); not with\n"
    "                         --rows, --density or a 2-D SPEC\n"
    "\n"
    "Exit status: 0 on success, 1 for bad data or a failed computation, 2 for a\n"
    "bad command line.\n"
    "\n"
    "Examples:\n"
    "  clconv dist 1:0.1,0.2,0.3,0.1,0.2,0.1 1:0.25,0.05,0.3,0.1,0.2,0.1\n"
    "  clconv dist 3d6 --format csv\n"
    "  clconv dist 1:0.1,0.2,0.3,0.1,0.2,0.1 --times 10000 -o sum.npy\n"
    "  clconv dist --rows bernoulli.npy --format json\n"
    "  clconv dist 1,1,1,1,1,1,1,1,1,1,1 1,1,1,1,1,1,1,1,1,1,1 --density 0.1 --rule trapezoid\n"
    "  clconv dist d10 --count poisson:1000 --format json\n";

enum {
    OPT_ROWS = 1,
    OPT_TIMES,
    OPT_METHOD,
    OPT_DENSITY,
    OPT_NORMALIZE,
    OPT_TRIM,
    OPT_FORMAT,
    OPT_OUTPUT,
    OPT_DEVICE,
    OPT_SERVER,
    OPT_COUNT,
    OPT_RULE,
    OPT_LOG,
    OPT_VERBOSE
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
    {"server", 0, 1, OPT_SERVER},
    {"count", 0, 1, OPT_COUNT},
    {"rule", 0, 1, OPT_RULE},
    {"log", 0, 0, OPT_LOG},
    {"verbose", 'v', 0, OPT_VERBOSE},
    {NULL, 0, 0, 0},
};

typedef enum format { FORMAT_TABLE, FORMAT_CSV, FORMAT_JSON } format;

/* The command: the job shared with the server, and how to show its result. */
typedef struct dist_command {
    dist_job job;
    format fmt;
    const char *output;
    const char *device;
    const char *server;       /* --server URL, or NULL */
    int log;                  /* --log: OUT.npy holds logarithms */
    int verbose;
    int rule_given;
} dist_command;

/* ---- command line ----------------------------------------------------------- */

static int parse_dist_args(dist_command *c, int argc, char **argv, int *done)
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
        case ARGS_POSITIONAL: c->job.specs[c->job.n_specs++] = v; break;
        case OPT_ROWS: c->job.rows = v; break;
        case OPT_TIMES:
            if (dist_parse_count(v, &c->job.times) != 0)
                return cli_usage_error("dist", "--times must be a whole number >= 1, not '%s'",
                                       v);
            break;
        case OPT_METHOD:
            if (clconv_method_parse(v, &c->job.method) != CLCONV_OK)
                return cli_usage_error("dist", "--method must be auto, direct or fft, not '%s'",
                                       v);
            break;
        case OPT_DENSITY:
            if (io_parse_double(v, &c->job.step) != 0 || !(c->job.step > 0))
                return cli_usage_error("dist", "--density must be a grid step > 0, not '%s'", v);
            break;
        case OPT_NORMALIZE: c->job.flags |= CLCONV_DIST_NORMALIZE; break;
        case OPT_TRIM:
            if (io_parse_double(v, &c->job.trim) != 0 || c->job.trim < 0)
                return cli_usage_error("dist", "--trim must be a probability >= 0, not '%s'", v);
            break;
        case OPT_FORMAT:
            if (strcmp(v, "table") == 0)
                c->fmt = FORMAT_TABLE;
            else if (strcmp(v, "csv") == 0)
                c->fmt = FORMAT_CSV;
            else if (strcmp(v, "json") == 0)
                c->fmt = FORMAT_JSON;
            else
                return cli_usage_error("dist", "--format must be table, csv or json, not '%s'",
                                       v);
            break;
        case OPT_OUTPUT: c->output = v; break;
        case OPT_DEVICE: c->device = v; break;
        case OPT_SERVER: c->server = v; break;
        case OPT_COUNT: c->job.count = v; break;
        case OPT_RULE:
            if (dist_rule_parse(v, &c->job.rule) != 0)
                return cli_usage_error("dist", "--rule must be samples, midpoint or trapezoid, "
                                               "not '%s'", v);
            c->rule_given = 1;
            break;
        case OPT_LOG: c->log = 1; break;
        case OPT_VERBOSE: c->verbose = 1; break;
        }
    }
    if (c->job.n_specs == 0 && !c->job.rows) return cli_usage_error("dist", "missing SPEC");
    if (c->job.rows && c->job.step > 0)
        return cli_usage_error("dist", "--rows holds discrete distributions; it cannot be "
                                       "combined with --density");
    if (c->output && c->output[0] == '\0') return cli_usage_error("dist", "empty output name");
    if (c->log && !c->output)
        return cli_usage_error("dist", "--log says what -o OUT.npy holds; give -o OUT.npy");
    if (c->rule_given && !(c->job.step > 0))
        return cli_usage_error("dist", "--rule weighs the samples of --density; give --density");
    if (c->job.count && c->job.step > 0)
        return cli_usage_error("dist", "--count makes compound sums of discrete variables; it "
                                       "cannot be combined with --density");
    if (c->job.count && c->job.count[0] == '\0') return cli_usage_error("dist", "empty --count");
    return CLI_OK;
}

/* ---- output ----------------------------------------------------------------- */

/* A probability (or density) as %.*g would print it, but from its natural
 * logarithm when it lies below float64's normal range, where the value read
 * back is 0 or a subnormal with few digits: 1.14107e-366, not 0. The
 * mantissa and exponent come from the base-10 logarithm. */
static const char *format_probability(char *buf, size_t size, double p, double logp, int digits)
{
    if (p >= DBL_MIN || !isfinite(logp)) {
        snprintf(buf, size, "%.*g", digits, p);
        return buf;
    }
    const double l10 = logp / log(10.0);
    double e = floor(l10);
    char mant[32];
    snprintf(mant, sizeof mant, "%.*f", digits - 1, pow(10, l10 - e));
    if (strncmp(mant, "10", 2) == 0) {     /* 9.999996 rounded up to 10.00000 */
        e += 1;
        snprintf(mant, sizeof mant, "%.*f", digits - 1, 1.0);
    }
    /* Trailing zeros go, as %g drops them. */
    char *dot = strchr(mant, '.');
    if (dot) {
        char *end = mant + strlen(mant);
        while (end > dot + 1 && end[-1] == '0') *--end = '\0';
        if (end == dot + 1) *dot = '\0';
    }
    snprintf(buf, size, "%se%.0f", mant, e);
    return buf;
}

/* log(exp(a) + exp(b)), either -INFINITY. */
static double log_add(double a, double b)
{
    if (a == -INFINITY) return b;
    if (b == -INFINITY) return a;
    const double hi = a > b ? a : b, lo = a > b ? b : a;
    return hi + log1p(exp(lo - hi));
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
                printf("%.17g,%.17g,%.17g\n", dist_value_at(r, 0, i), dist_value_at(r, 1, j),
                       r->values[i * l->len[1] + j]);
        return;
    }
    printf("value,%s,cdf,sf,%s\n", l->step > 0 ? "density" : "probability",
           l->step > 0 ? "logpdf" : "logpmf");
    for (size_t i = 0; i < l->len[0]; i++)
        printf("%.17g,%.17g,%.17g,%.17g,%.17g\n", dist_value_at(r, 0, i), r->values[i], r->cdf[i],
               r->sf[i], r->logp[i]);
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
    double *bins = calloc(2 * nbins, sizeof *bins), top = 0;
    if (!bins) return;
    double *logs = bins + nbins;     /* the bins' logarithms, for the tiny ones */
    for (size_t b = 0; b < nbins; b++) logs[b] = -INFINITY;
    for (size_t i = lo; i <= hi; i++) {
        bins[(i - lo) / width] += r->values[i];
        logs[(i - lo) / width] = log_add(logs[(i - lo) / width], r->logp[i]);
    }
    for (size_t b = 0; b < nbins; b++) {
        const size_t first = lo + b * width, last = first + width - 1 < hi ? first + width - 1 : hi;
        if (density) {
            bins[b] /= (double)(last - first + 1);
            logs[b] -= log((double)(last - first + 1));
        }
        top = bins[b] > top ? bins[b] : top;
    }
    printf("\n%*s  %-12s %-10s\n", width > 1 ? 26 : 12, "value",
           density ? (width > 1 ? "mean density" : "density") : "probability", "cdf");
    for (size_t b = 0; b < nbins; b++) {
        const size_t first = lo + b * width, last = first + width - 1 < hi ? first + width - 1 : hi;
        if (width > 1)
            printf("%12.6g..%-12.6g", dist_value_at(r, 0, first), dist_value_at(r, 0, last));
        else
            printf("%12.6g", dist_value_at(r, 0, first));
        char text[32];
        printf("  %-12s %-10.6f ", format_probability(text, sizeof text, bins[b], logs[b], 6),
               r->cdf[last]);
        print_bar(top > 0 ? bins[b] / top : 0, utf8);
        putchar('\n');
    }
    if (lo > 0 || hi < n - 1)
        printf("(values below %g and above %g, with probability %.3g, are not drawn)\n",
               dist_value_at(r, 0, lo), dist_value_at(r, 0, hi),
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
    printf("\nrows: first value %g to %g; columns: second value %g to %g\n", dist_value_at(r, 0, 0),
           dist_value_at(r, 0, rows - 1), dist_value_at(r, 1, 0), dist_value_at(r, 1, cols - 1));
    for (size_t a = 0; a < br; a++) {
        printf("%12g |", dist_value_at(r, 0, a * wr));
        for (size_t b = 0; b < bc; b++) {
            const double f = top > 0 ? cell[a * bc + b] / top : 0;
            int k = (int)ceil(f * 9);
            putchar(ramp[k < 0 ? 0 : k > 9 ? 9 : k]);
        }
        puts("|");
    }
    free(cell);
}

static void print_table(const dist_result *r, const char *count)
{
    const clconv_dist_layout *l = &r->layout;
    const clconv_dist_stats *s = &r->stats;
    const char *setl = setlocale(LC_CTYPE, "");
    const int utf8 = setl && strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
    if (count)
    {
        printf("Compound sum X1 + ... + XN, N ~ %s, each X ", count);
        if (r->variables == 1)
            printf("one variable");
        else
            printf("the sum of %zu independent variables", r->variables);
    }
    else if (r->variables == 1)
        printf("One variable");
    else
        printf("Sum of %zu independent variables", r->variables);
    printf(" (%s, method %s", l->step > 0 ? "density" : "discrete",
           clconv_method_name(r->method));
    /* The automatic FFT says how it kept its bound: tilts, and entries left
     * to the direct windows. */
    if (r->fft_passes)
        printf(", tilted, %u pass%s, %zu entries direct", r->fft_passes,
               r->fft_passes == 1 ? "" : "es", r->fft_direct);
    printf(")\n");
    for (int k = 0; k < l->dims; k++) {
        const char *name = l->dims == 2 ? (k == 0 ? "first value:  " : "second value: ") : "";
        printf("%ssupport %g..%g (%zu %s", name, dist_value_at(r, k, 0),
               dist_value_at(r, k, l->len[k] - 1), l->len[k], l->step > 0 ? "samples" : "values");
        if (l->step > 0) printf(" on a grid of step %g", l->step);
        printf(")\n");
        printf("%smean %.10g  sd %.10g  variance %.10g  skewness %.6g\n", name, s->mean[k],
               s->sd[k], s->variance[k], s->skewness[k]);
    }
    if (l->dims == 2) printf("covariance %.10g\n", s->covariance);
    else {
        printf("quantiles");
        for (int q = 0; q < 7; q++)
            printf("  %g%%: %g", dist_quantile_levels[q] * 100, r->quantiles[q]);
        putchar('\n');
        /* The ends of the support, however far below float64's range. */
        char lo[32], hi[32];
        const size_t n = l->len[0];
        printf("%s at the ends: %g: %s  %g: %s\n", l->step > 0 ? "density" : "probability",
               dist_value_at(r, 0, 0), format_probability(lo, sizeof lo, r->values[0], r->logp[0], 6),
               dist_value_at(r, 0, n - 1),
               format_probability(hi, sizeof hi, r->values[n - 1], r->logp[n - 1], 6));
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

/* OUT.npy: the values, or with --log their natural logarithms (the exact
 * ones of a 1-D result; a 2-D result keeps float64's range only). */
static int write_npy(const char *path, outfile *of, const dist_result *r, int logs)
{
    real_array a = {0};
    const size_t count = r->layout.len[0] * r->layout.len[1];
    double *owned = NULL;
    if (logs && !r->logp) {
        owned = malloc(count * sizeof *owned);
        if (!owned) return cli_error("out of memory");
        for (size_t i = 0; i < count; i++) owned[i] = log(r->values[i]);
    }
    a.dtype = CLCONV_F64;
    a.ndim = r->layout.dims;
    a.shape[0] = r->layout.len[0];
    a.shape[1] = r->layout.len[1];
    a.count = r->layout.len[0] * r->layout.len[1];
    a.data = !logs ? r->values : owned ? owned : r->logp;
    io_error err;
    int status = npy_write(of->f, path, &a, &err);
    if (status == 0) status = outfile_commit(of, &err);
    free(owned);
    return cli_io(status, &err);
}

/* ---- the command ------------------------------------------------------------ */

static int run_dist(const dist_command *c)
{
    const dist_job *job = &c->job;
    spec_input *inputs = NULL;
    dist_result res = {0};
    outfile of = {0};
    clconv_runtime *rt = NULL;
    io_error err;
    int status = cli_io(dist_inputs_load(job, &inputs, &err), &err);
    /* Claim the output before the device work, so an unwritable path fails
     * at once. */
    if (status == CLI_OK && c->output) status = cli_io(outfile_open(&of, c->output, &err), &err);
    const char *server = client_server(c->server);
    if (status == CLI_OK && server) status = client_dist(server, job, inputs, &res);
    if (status == CLI_OK && !server) status = cli_runtime_open(c->device, c->verbose, &rt);
    if (status == CLI_OK && !server)
        status = cli_io(dist_job_run(job, rt, inputs, &res, &err), &err);
    if (status == CLI_OK && c->output) status = write_npy(c->output, &of, &res, c->log);
    if (status == CLI_OK) {
        if (c->fmt == FORMAT_JSON)
            dist_write_json(stdout, &res);
        else if (c->fmt == FORMAT_CSV)
            print_csv(&res, job->trim >= 0);
        else
            print_table(&res, job->count);
        if (fflush(stdout) != 0 || ferror(stdout)) status = cli_error("cannot write the output");
    }
    outfile_abort(&of);
    clconv_runtime_destroy(rt);
    dist_inputs_free(job, inputs);
    dist_result_free(&res);
    return status;
}

int cmd_dist(int argc, char **argv)
{
    dist_command c = {0};
    c.job.times = 1;
    c.job.trim = -1;
    c.job.specs = calloc((size_t)argc, sizeof *c.job.specs);
    if (!c.job.specs) return cli_error("out of memory");
    int done;
    int status = parse_dist_args(&c, argc, argv, &done);
    if (status == CLI_OK && !done) status = run_dist(&c);
    free(c.job.specs);
    return status;
}
