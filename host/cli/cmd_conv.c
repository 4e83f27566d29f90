/*
 * `clconv conv1d` and `clconv conv2d`: convolve arrays read from .npy files
 * on an OpenCL device and write the result as .npy. Both share one flow:
 * parse, check every input's header (rank, emptiness) before reading any
 * data, read and check values, then compute and write atomically.
 */
#include "args.h"
#include "array.h"
#include "cli.h"
#include "npy.h"
#include "outfile.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char conv1d_help[] =
    "Usage: clconv conv1d SIGNAL KERNEL -o OUT [OPTIONS]\n"
    "\n"
    "Convolves the 1-D array in SIGNAL with the 1-D array in KERNEL and writes the\n"
    "result to OUT, with the semantics of scipy.signal.convolve (or correlate).\n"
    "All three are NumPy .npy files.\n"
    "\n"
    "Options:\n"
    "  -o, --output OUT       the result file (required)\n"
    "  -m, --mode MODE        full (default): n+k-1 samples; same: n samples, centred\n"
    "                         as in SciPy; valid: max(n,k)-min(n,k)+1 samples where\n"
    "                         signal and kernel overlap completely\n"
    "      --method METHOD    auto (default), direct or fft\n"
    "      --correlate        cross-correlate: the kernel is not reversed\n"
    "  -p, --precision P      f32 or f64 (default: f64 when every input is float64,\n"
    "                         else f32)\n"
    "  -d, --device SPEC      the OpenCL device (see 'clconv --help')\n"
    "  -b, --batch            SIGNAL is 2-D and each row is a signal; OUT gets one\n"
    "                         row per signal\n"
    "  -v, --verbose          device, method and timings on stderr\n"
    "\n"
    "Inputs may be float32, float64 or any integer dtype, in C or Fortran order;\n"
    "they are converted to the precision (integers above 2^24 lose digits in f32).\n"
    "Every input value must be finite: a NaN or infinity would spread over the\n"
    "kernel's whole reach, so it is reported as an error naming file and element.\n"
    "OUT holds '<f4' or '<f8' data of shape (m,), or (rows, m) with --batch. It is\n"
    "written to a temporary file and renamed, so a failed run leaves no OUT.\n"
    "\n"
    "Example:\n"
    "  clconv conv1d signal.npy kernel.npy -o smooth.npy --mode same\n";

static const char conv2d_help[] =
    "Usage: clconv conv2d IMAGE KERNEL -o OUT [OPTIONS]\n"
    "       clconv conv2d IMAGE KCOL KROW --separable -o OUT [OPTIONS]\n"
    "\n"
    "Convolves the 2-D array in IMAGE with the 2-D array in KERNEL and writes the\n"
    "result to OUT, with the semantics of scipy.signal.convolve (or correlate) on\n"
    "2-D arrays. All are NumPy .npy files. With --separable the kernel is the\n"
    "outer product of two 1-D arrays, KCOL (applied down the columns) and KROW\n"
    "(along the rows), and runs as two cheaper 1-D passes.\n"
    "\n"
    "Options:\n"
    "  -o, --output OUT       the result file (required)\n"
    "  -m, --mode MODE        full (default), same (the image's shape, centred as in\n"
    "                         SciPy) or valid (where image and kernel overlap\n"
    "                         completely; one must be at least as large as the other\n"
    "                         in both dimensions)\n"
    "      --method METHOD    auto (default), direct or fft\n"
    "      --correlate        cross-correlate: the kernel is not flipped\n"
    "  -p, --precision P      f32 or f64 (default: f64 when every input is float64,\n"
    "                         else f32)\n"
    "  -d, --device SPEC      the OpenCL device (see 'clconv --help')\n"
    "  -b, --batch            IMAGE is 3-D, a stack of images each convolved with\n"
    "                         the kernel; OUT is 3-D too\n"
    "      --separable        give the kernel as KCOL and KROW (see above)\n"
    "  -v, --verbose          device, method and timings on stderr\n"
    "\n"
    "Inputs may be float32, float64 or any integer dtype, in C or Fortran order;\n"
    "they are converted to the precision (integers above 2^24 lose digits in f32).\n"
    "Every input value must be finite: a NaN or infinity would spread over the\n"
    "kernel's whole reach, so it is reported as an error naming file and element.\n"
    "OUT holds '<f4' or '<f8' data in C order. It is written to a temporary file\n"
    "and renamed, so a failed run leaves no OUT.\n"
    "\n"
    "Examples:\n"
    "  clconv conv2d image.npy kernel.npy -o blurred.npy --mode same\n"
    "  clconv conv2d image.npy gauss.npy gauss.npy --separable -o blurred.npy -m same\n";

enum {
    OPT_OUTPUT = 1,
    OPT_MODE,
    OPT_METHOD,
    OPT_CORRELATE,
    OPT_PRECISION,
    OPT_DEVICE,
    OPT_BATCH,
    OPT_SEPARABLE,
    OPT_VERBOSE
};

static const args_option conv_options[] = {
    {"output", 'o', 1, OPT_OUTPUT},
    {"mode", 'm', 1, OPT_MODE},
    {"method", 0, 1, OPT_METHOD},
    {"correlate", 0, 0, OPT_CORRELATE},
    {"precision", 'p', 1, OPT_PRECISION},
    {"device", 'd', 1, OPT_DEVICE},
    {"batch", 'b', 0, OPT_BATCH},
    {"separable", 0, 0, OPT_SEPARABLE},
    {"verbose", 'v', 0, OPT_VERBOSE},
    {NULL, 0, 0, 0},
};

/* Inputs in order: the signal or image, then the kernel, or the column and
 * row kernels of a separable one. */
#define CONV_MAX_INPUTS 3

typedef struct conv_job {
    const char *command;
    int dims;                     /* 1 or 2 */
    const char *inputs[CONV_MAX_INPUTS];
    int n_inputs;
    const char *output;
    clconv_conv_options opts;
    int precision;                /* -1: from the inputs; else a clconv_dtype */
    const char *device;
    int batch;
    int separable;
    int verbose;
} conv_job;

static int parse_precision(const char *s, int *precision)
{
    if (strcmp(s, "f32") == 0 || strcmp(s, "float32") == 0) {
        *precision = CLCONV_F32;
    } else if (strcmp(s, "f64") == 0 || strcmp(s, "float64") == 0) {
        *precision = CLCONV_F64;
    } else {
        return -1;
    }
    return 0;
}

static int parse_conv_args(conv_job *job, int argc, char **argv, int *done)
{
    args_parser p;
    args_init(&p, job->command, conv_options, argc, argv);
    const char *v;
    int positional = 0;
    *done = 0;
    for (int id; (id = args_next(&p, &v)) != ARGS_END;) {
        switch (id) {
        case ARGS_HELP:
            fputs(job->dims == 1 ? conv1d_help : conv2d_help, stdout);
            *done = 1;
            return CLI_OK;
        case ARGS_ERROR:
            return CLI_EUSAGE;
        case ARGS_POSITIONAL:
            if (positional == CONV_MAX_INPUTS) {
                return cli_usage_error(job->command, "unexpected argument '%s'", v);
            }
            job->inputs[positional++] = v;
            break;
        case OPT_OUTPUT: job->output = v; break;
        case OPT_MODE:
            if (clconv_mode_parse(v, &job->opts.mode) != CLCONV_OK) {
                return cli_usage_error(job->command, "--mode must be full, same or valid, not "
                                       "'%s'", v);
            }
            break;
        case OPT_METHOD:
            if (clconv_method_parse(v, &job->opts.method) != CLCONV_OK) {
                return cli_usage_error(job->command, "--method must be auto, direct or fft, "
                                       "not '%s'", v);
            }
            break;
        case OPT_CORRELATE: job->opts.correlate = 1; break;
        case OPT_PRECISION:
            if (parse_precision(v, &job->precision) != 0) {
                return cli_usage_error(job->command, "--precision must be f32 or f64, not '%s'",
                                       v);
            }
            break;
        case OPT_DEVICE: job->device = v; break;
        case OPT_BATCH: job->batch = 1; break;
        case OPT_SEPARABLE:
            if (job->dims == 1) return cli_usage_error(job->command, "unknown option "
                                                       "'--separable'");
            job->separable = 1;
            break;
        case OPT_VERBOSE: job->verbose = 1; break;
        }
    }
    static const char *const signal_names[] = {"SIGNAL", "KERNEL"};
    static const char *const image_names[] = {"IMAGE", "KERNEL"};
    static const char *const separable_names[] = {"IMAGE", "KCOL", "KROW"};
    const char *const *names = job->separable ? separable_names
                               : job->dims == 1 ? signal_names : image_names;
    int wanted = job->separable ? 3 : 2;
    if (positional < wanted) return cli_usage_error(job->command, "missing %s", names[positional]);
    if (positional > wanted) {
        return cli_usage_error(job->command, "unexpected argument '%s'",
                               job->inputs[wanted]);
    }
    job->n_inputs = wanted;
    if (!job->output) return cli_usage_error(job->command, "missing -o OUT");
    if (job->output[0] == '\0') return cli_usage_error(job->command, "empty output name");
    return CLI_OK;
}

/* The rank input i must have, and a hint on --batch for when the signal
 * has another. */
static int wanted_rank(const conv_job *job, int i, const char **hint)
{
    *hint = "";
    if (i > 0) return job->separable ? 1 : job->dims;
    if (job->batch) {
        *hint = job->dims == 1 ? " (--batch: one signal per row)"
                               : " (--batch: a stack of images)";
        return job->dims + 1;
    }
    *hint = job->dims == 1 ? " (use --batch for one signal per row)"
                           : " (use --batch for a stack of images)";
    return job->dims;
}

static int check_header(const conv_job *job, int i, const npy_file *nf)
{
    char shape[128];
    shape_format(shape, sizeof shape, nf->ndim, nf->shape);
    const char *hint;
    int rank = wanted_rank(job, i, &hint);
    if (nf->ndim != rank) {
        return cli_error("%s: expected a %d-D array, got shape %s%s", nf->path, rank, shape,
                         nf->ndim > rank || job->batch ? hint : "");
    }
    if (nf->count == 0) return cli_error("%s: empty array (shape %s)", nf->path, shape);
    return CLI_OK;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Reads every input, after checking all headers so that a wrong rank in the
 * last file is reported before a large first file is read. */
static int read_inputs(conv_job *job, real_array *in)
{
    npy_file files[CONV_MAX_INPUTS];
    int opened = 0;
    int status = CLI_OK;
    int all_f64 = 1;
    for (; opened < job->n_inputs && status == CLI_OK; opened++) {
        status = npy_open(&files[opened], job->inputs[opened]);
        if (status != CLI_OK) break;
        status = check_header(job, opened, &files[opened]);
        all_f64 &= files[opened].type == NPY_F8;
    }
    if (job->precision < 0) job->precision = all_f64 ? CLCONV_F64 : CLCONV_F32;
    for (int i = 0; i < opened && status == CLI_OK; i++) {
        status = npy_read(&files[i], (clconv_dtype)job->precision, &in[i]);
        if (status == CLI_OK) status = real_array_check_finite(&in[i], job->inputs[i]);
    }
    for (int i = 0; i < opened; i++) npy_close(&files[i]);
    return status;
}

/* The output array's shape: per convolved dimension the size of the mode,
 * behind the batch axis when there is one. */
static int make_output(const conv_job *job, const real_array *in, real_array *out)
{
    const real_array *sig = &in[0];
    size_t shape[3];
    int ndim = 0;
    if (job->batch) shape[ndim++] = sig->shape[0];
    for (int d = 0; d < job->dims; d++) {
        size_t n = sig->shape[sig->ndim - job->dims + d];
        /* A separable kernel's extent in dimension d is the length of
         * input 1 + d (KCOL for rows, KROW for columns). */
        size_t k = job->separable ? in[1 + d].shape[0] : in[1].shape[d];
        int status = clconv_conv_output_size(n, k, job->opts.mode, &shape[ndim++]);
        if (status < 0) return cli_library_error(NULL, status, "cannot size the output");
    }
    return real_array_alloc(out, (clconv_dtype)job->precision, ndim, shape, job->output);
}

static int convolve(const conv_job *job, clconv_runtime *rt, const real_array *in,
                    real_array *out, clconv_conv_options *opts)
{
    const real_array *sig = &in[0];
    clconv_dtype dtype = (clconv_dtype)job->precision;
    size_t batch = job->batch ? sig->shape[0] : 1;
    int status;
    if (job->dims == 1) {
        status = clconv_conv1d_host(rt, dtype, sig->data, sig->shape[sig->ndim - 1], batch,
                                    in[1].data, in[1].count, out->data, opts);
    } else if (job->separable) {
        status = clconv_conv2d_separable_host(rt, dtype, sig->data, sig->shape[sig->ndim - 2],
                                              sig->shape[sig->ndim - 1], batch, in[1].data,
                                              in[1].count, in[2].data, in[2].count, out->data,
                                              opts);
    } else {
        status = clconv_conv2d_host(rt, dtype, sig->data, sig->shape[sig->ndim - 2],
                                    sig->shape[sig->ndim - 1], batch, in[1].data,
                                    in[1].shape[0], in[1].shape[1], out->data, opts);
    }
    if (status < 0) return cli_library_error(rt, status, job->command);
    return CLI_OK;
}

static int run_conv(conv_job *job)
{
    real_array in[CONV_MAX_INPUTS] = {{0}};
    real_array out = {0};
    outfile of = {0};
    clconv_runtime *rt = NULL;
    clconv_conv_options opts = job->opts;

    double t0 = now_ms();
    int status = read_inputs(job, in);
    double t1 = now_ms();
    if (status == CLI_OK) status = make_output(job, in, &out);
    /* Claim the output before the device work, so an unwritable path fails
     * in milliseconds rather than after a long convolution. */
    if (status == CLI_OK) status = outfile_open(&of, job->output);
    if (status == CLI_OK) status = cli_runtime_open(job->device, job->verbose, &rt);
    double t2 = now_ms();
    if (status == CLI_OK) status = convolve(job, rt, in, &out, &opts);
    double t3 = now_ms();
    if (status == CLI_OK) status = npy_write(of.f, job->output, &out);
    if (status == CLI_OK) status = outfile_commit(&of);
    double t4 = now_ms();

    if (status == CLI_OK && job->verbose) {
        fprintf(stderr, "clconv: %s, %s, method %s; read %.1f ms, device set-up %.1f ms, "
                "convolution with transfers %.1f ms, write %.1f ms\n", job->command,
                job->precision == CLCONV_F64 ? "float64" : "float32",
                clconv_method_name(opts.chosen), t1 - t0, t2 - t1, t3 - t2, t4 - t3);
    }
    outfile_abort(&of);
    clconv_runtime_destroy(rt);
    real_array_free(&out);
    for (int i = 0; i < CONV_MAX_INPUTS; i++) real_array_free(&in[i]);
    return status;
}

static int conv_main(int dims, int argc, char **argv)
{
    conv_job job = {0};
    job.command = argv[0];
    job.dims = dims;
    job.precision = -1;
    int done;
    int status = parse_conv_args(&job, argc, argv, &done);
    if (status != CLI_OK || done) return status;
    return run_conv(&job);
}

int cmd_conv1d(int argc, char **argv)
{
    return conv_main(1, argc, argv);
}

int cmd_conv2d(int argc, char **argv)
{
    return conv_main(2, argc, argv);
}
