/*
 * `clconv conv1d` and `clconv conv2d`: convolve arrays read from .npy,
 * text, raw or image files (or kernel presets) on an OpenCL device and write
 * the result in the format the output's name asks for. Both share one flow:
 * parse and reject impossible option combinations, check every input's
 * header (rank, emptiness) before reading any bulk data, read and check
 * values, then compute and write atomically. The formats themselves live in
 * npy.c, csv.c, raw.c, image.c and preset.c; this file only dispatches.
 */
#include "args.h"
#include "array.h"
#include "cli.h"
#include "client.h"
#include "csv.h"
#include "image.h"
#include "npy.h"
#include "outfile.h"
#include "preset.h"
#include "raw.h"
#include "source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* What both commands say about files, after their own options. */
#define CONV_FILES_HELP                                                                      \
    "Files are chosen by extension:\n"                                                       \
    "  .npy          NumPy arrays: float32, float64 or any integer dtype, C or\n"            \
    "                Fortran order (integers above 2^24 lose digits in f32)\n"               \
    "  .csv, .txt    numbers separated by commas or white space, one row per line\n"        \
    "                (a single row or column is 1-D); '#' lines are comments\n"              \
    "  .raw, .bin    bare little-endian data, described by --shape and --dtype\n"          \
    "                (with which any name, or '-', is raw); only the first input\n"        \
    "                may be raw\n"                                                           \
    "  -             stdin: .npy, PNG, PGM/PPM or text, told by its first bytes\n"           \
    "                (raw with --shape)\n"                                                    \
    "The output format follows OUT's extension (.npy for any other name), or\n"            \
    "--format; '-o -' writes .npy to stdout unless --format says otherwise. .csv\n"        \
    "and .txt output hold 1-D or 2-D results; raw output is the result's float32 or\n"      \
    "float64 data. Every input value must be finite: a NaN or infinity would spread\n"      \
    "over the kernel's whole reach, so it is reported as an error naming file and\n"        \
    "element. A file OUT is written to a temporary file and renamed, so a failed run\n"     \
    "leaves no OUT.\n"

static const char conv1d_help[] =
    "Usage: clconv conv1d SIGNAL KERNEL -o OUT [OPTIONS]\n"
    "\n"
    "Convolves the 1-D array in SIGNAL with the 1-D array in KERNEL and writes the\n"
    "result to OUT, with the semantics of scipy.signal.convolve (or correlate).\n"
    "KERNEL is a file or one of the presets below.\n"
    "\n"
    "Options:\n"
    "  -o, --output OUT       the result file, or '-' for stdout (required)\n"
    "  -m, --mode MODE        full (default): n+k-1 samples; same: n samples, centred\n"
    "                         as in SciPy; valid: max(n,k)-min(n,k)+1 samples where\n"
    "                         signal and kernel overlap completely\n"
    "      --method METHOD    auto (default), direct or fft\n"
    "      --correlate        cross-correlate: the kernel is not reversed\n"
    "  -p, --precision P      f32 or f64 (default: f64 when every input file holds\n"
    "                         float64, else f32; text and presets follow the others)\n"
    "  -d, --device SPEC      the OpenCL device (see 'clconv --help')\n"
    "      --server URL       send the job to a 'clconv serve' at URL (such as\n"
    "                         http://127.0.0.1:8470) instead of opening a device;\n"
    "                         the output is the same (default: $CLCONV_SERVER;\n"
    "                         a bearer token for it in $CLCONV_TOKEN)\n"
    "  -b, --batch            SIGNAL is 2-D and each row is a signal; OUT gets one\n"
    "                         row per signal\n"
    "      --shape N[xM]      SIGNAL is raw data of this shape (with --batch: ROWSxN)\n"
    "      --dtype T          and element type: " RAW_DTYPES_HELP "\n"
    "      --format F         write OUT as npy, csv, txt or raw, whatever its name\n"
    "  -v, --verbose          device, method and timings on stderr\n"
    "\n"
    "Kernel presets:\n"
    PRESET_HELP_1D
    "\n"
    CONV_FILES_HELP
    "\n"
    "Examples:\n"
    "  clconv conv1d signal.npy kernel.npy -o smooth.npy --mode same\n"
    "  clconv conv1d signal.csv gaussian:2.5 -o smooth.csv -m same\n"
    "  clconv conv1d - diff --shape 48000 --dtype i16 -o - --format raw <a.pcm >d.f32\n";

static const char conv2d_help[] =
    "Usage: clconv conv2d IMAGE KERNEL -o OUT [OPTIONS]\n"
    "       clconv conv2d IMAGE KCOL KROW --separable -o OUT [OPTIONS]\n"
    "\n"
    "Convolves the 2-D array or image in IMAGE with the 2-D array in KERNEL and\n"
    "writes the result to OUT, with the semantics of scipy.signal.convolve (or\n"
    "correlate) on 2-D arrays. KERNEL is a file or one of the presets below. With\n"
    "--separable the kernel is the outer product of two 1-D arrays or 1-D presets,\n"
    "KCOL (applied down the columns) and KROW (along the rows), and runs as two\n"
    "cheaper 1-D passes.\n"
    "\n"
    "Options:\n"
    "  -o, --output OUT       the result file, or '-' for stdout (required)\n"
    "  -m, --mode MODE        full (default; same for an image), same (the image's\n"
    "                         shape, centred as in SciPy) or valid (where image and\n"
    "                         kernel overlap completely; one must be at least as\n"
    "                         large as the other in both dimensions)\n"
    "      --method METHOD    auto (default), direct or fft\n"
    "      --correlate        cross-correlate: the kernel is not flipped\n"
    "  -p, --precision P      f32 or f64 (default: f64 when every input file holds\n"
    "                         float64, else f32; text and presets follow the others)\n"
    "  -d, --device SPEC      the OpenCL device (see 'clconv --help')\n"
    "      --server URL       send the job to a 'clconv serve' at URL (such as\n"
    "                         http://127.0.0.1:8470) instead of opening a device;\n"
    "                         the output is the same (default: $CLCONV_SERVER;\n"
    "                         a bearer token for it in $CLCONV_TOKEN)\n"
    "  -b, --batch            IMAGE is 3-D, a stack of arrays each convolved with\n"
    "                         the kernel; OUT is 3-D too\n"
    "      --separable        give the kernel as KCOL and KROW (see above)\n"
    "      --shape RxC        IMAGE is raw data of this shape (with --batch: NxRxC)\n"
    "      --dtype T          and element type: " RAW_DTYPES_HELP "\n"
    "      --format F         write OUT as npy, csv, txt, raw, png, pgm or ppm,\n"
    "                         whatever its name\n"
    "      --normalize        image output: rescale the result so that its minimum\n"
    "                         becomes 0 and its maximum full scale, instead of\n"
    "                         clamping\n"
    "  -v, --verbose          device, method and timings on stderr\n"
    "\n"
    "Kernel presets (KCOL and KROW take the 1-D gaussian:SIGMA, box:N and diff):\n"
    PRESET_HELP_2D
    "\n"
    "Images: PNG (.png; grey, grey+alpha, RGB, RGBA, palette; 8 or 16 bits) and\n"
    "PGM/PPM (.pgm, .ppm, .pnm; P2, P3, P5, P6, maxval up to 65535). Each colour\n"
    "channel is convolved on its own, and the mode defaults to same. Alpha is\n"
    "passed through unchanged, so an image with alpha needs --mode same. Image\n"
    "output (.png, .pgm, .ppm) is rounded and clamped to the input's range (0 to\n"
    "255 or 65535, or the PGM/PPM maxval; 0 to 255 for an array), or rescaled with\n"
    "--normalize; a PGM/PPM output drops alpha. .npy output of an image holds the\n"
    "unclamped result as (rows, cols) or (rows, cols, channels).\n"
    "\n"
    CONV_FILES_HELP
    "\n"
    "Examples:\n"
    "  clconv conv2d photo.png gaussian:2 -o blurred.png\n"
    "  clconv conv2d photo.png sobel-x -o edges.png --normalize\n"
    "  clconv conv2d image.npy kernel.csv -o out.npy --mode same\n"
    "  clconv conv2d image.npy gauss.npy gauss.npy --separable -o blurred.npy -m same\n"
    "  clconv conv2d - box:5 --shape 512x512 --dtype u8 -o smooth.pgm < frame.raw\n";

enum {
    OPT_OUTPUT = 1,
    OPT_MODE,
    OPT_METHOD,
    OPT_CORRELATE,
    OPT_PRECISION,
    OPT_DEVICE,
    OPT_SERVER,
    OPT_BATCH,
    OPT_SEPARABLE,
    OPT_VERBOSE,
    OPT_SHAPE,
    OPT_DTYPE,
    OPT_FORMAT,
    OPT_NORMALIZE
};

static const args_option conv_options[] = {
    {"output", 'o', 1, OPT_OUTPUT},
    {"mode", 'm', 1, OPT_MODE},
    {"method", 0, 1, OPT_METHOD},
    {"correlate", 0, 0, OPT_CORRELATE},
    {"precision", 'p', 1, OPT_PRECISION},
    {"device", 'd', 1, OPT_DEVICE},
    {"server", 0, 1, OPT_SERVER},
    {"batch", 'b', 0, OPT_BATCH},
    {"separable", 0, 0, OPT_SEPARABLE},
    {"verbose", 'v', 0, OPT_VERBOSE},
    {"shape", 0, 1, OPT_SHAPE},
    {"dtype", 0, 1, OPT_DTYPE},
    {"format", 0, 1, OPT_FORMAT},
    {"normalize", 0, 0, OPT_NORMALIZE},
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
    const char *output_name;      /* output, or "stdout" for '-' */
    data_format out_format;
    clconv_conv_options opts;
    int mode_given;
    int precision;                /* -1: from the inputs; else a clconv_dtype */
    const char *device;
    const char *server;           /* --server or CLCONV_SERVER: compute there */
    int batch;
    int separable;                /* given as KCOL KROW, or a separable preset */
    int verbose;
    int normalize;
    /* Raw input (--shape and --dtype). */
    int raw;
    int raw_ndim;
    size_t raw_shape[ARRAY_MAX_DIMS];
    npy_type raw_type;
    size_t raw_itemsize;
    /* An image as IMAGE: its planes are input 0, convolved as a batch of its
     * colour channels; alpha (the last plane) is copied through. */
    int image_in;
    int channels, alpha;
    unsigned maxval;
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

/* The option combinations that cannot work, refused before any file is
 * read: each is a usage error naming what to change. */
static int check_combinations(conv_job *job, int format_given)
{
    const char *c = job->command;
    int stdin_inputs = 0;
    for (int i = 0; i < job->n_inputs; i++) stdin_inputs += strcmp(job->inputs[i], "-") == 0;
    if (stdin_inputs > 1) return cli_usage_error(c, "only one input can be '-' (stdin)");

    data_format in0 = format_from_name(job->inputs[0]);
    if (job->raw && in0 != FORMAT_NONE && in0 != FORMAT_RAW) {
        return cli_usage_error(c, "--shape and --dtype describe raw input, but '%s' is a .%s "
                               "file", job->inputs[0], strrchr(job->inputs[0], '.') + 1);
    }
    if (!job->raw && in0 == FORMAT_RAW) {
        return cli_usage_error(c, "raw input '%s' needs --shape and --dtype", job->inputs[0]);
    }
    if (job->dims == 1 && format_is_image(in0)) {
        return cli_usage_error(c, "images are for conv2d, not '%s'", job->inputs[0]);
    }
    if (job->batch && format_is_image(in0)) {
        return cli_usage_error(c, "--batch takes a stack of arrays, not the image '%s'",
                               job->inputs[0]);
    }

    int to_stdout = strcmp(job->output, "-") == 0;
    job->output_name = to_stdout ? "stdout" : job->output;
    if (!format_given) {
        job->out_format = to_stdout ? FORMAT_NONE : format_from_name(job->output);
        if (job->out_format == FORMAT_NONE) job->out_format = FORMAT_NPY;
    }
    int image_out = format_is_image(job->out_format);
    if (image_out && job->dims == 1) {
        return cli_usage_error(c, "image output ('%s') is for conv2d", job->output_name);
    }
    if (image_out && job->batch) {
        return cli_usage_error(c, "a --batch result is a stack of arrays, not an image ('%s')",
                               job->output_name);
    }
    if (job->normalize && !image_out) {
        return cli_usage_error(c, "--normalize rescales image output (.png, .pgm, .ppm), not "
                               "'%s'", job->output_name);
    }
    int text_out = job->out_format == FORMAT_CSV || job->out_format == FORMAT_TXT;
    if (text_out && job->batch && job->dims == 2) {
        return cli_usage_error(c, "a --batch result is 3-D; text output ('%s') holds 1-D or "
                               "2-D arrays", job->output_name);
    }
    return CLI_OK;
}

static int parse_conv_args(conv_job *job, int argc, char **argv, int *done)
{
    args_parser p;
    args_init(&p, job->command, conv_options, argc, argv);
    const char *v;
    const char *shape = NULL, *dtype = NULL;
    int positional = 0, format_given = 0;
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
            job->mode_given = 1;
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
        case OPT_SERVER: job->server = v; break;
        case OPT_BATCH: job->batch = 1; break;
        case OPT_SEPARABLE:
            if (job->dims == 1) return cli_usage_error(job->command, "unknown option "
                                                       "'--separable'");
            job->separable = 1;
            break;
        case OPT_VERBOSE: job->verbose = 1; break;
        case OPT_SHAPE:
            if (raw_parse_shape(v, &job->raw_ndim, job->raw_shape) != 0) {
                return cli_usage_error(job->command, "--shape must be sizes >= 1 joined by 'x', "
                                       "e.g. 512x512, not '%s'", v);
            }
            shape = v;
            break;
        case OPT_DTYPE:
            if (raw_parse_dtype(v, &job->raw_type, &job->raw_itemsize) != 0) {
                return cli_usage_error(job->command, "--dtype must be " RAW_DTYPES ", not '%s'",
                                       v);
            }
            dtype = v;
            break;
        case OPT_FORMAT:
            if (format_parse(v, &job->out_format) != 0 ||
                (job->dims == 1 && format_is_image(job->out_format))) {
                return cli_usage_error(job->command, "--format must be npy, csv, txt, raw%s, "
                                       "not '%s'", job->dims == 2 ? ", png, pgm or ppm" : "", v);
            }
            format_given = 1;
            break;
        case OPT_NORMALIZE:
            if (job->dims == 1) return cli_usage_error(job->command, "unknown option "
                                                       "'--normalize'");
            job->normalize = 1;
            break;
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
    if (!shape != !dtype) {
        return cli_usage_error(job->command, "raw input needs both --shape and --dtype");
    }
    job->raw = shape != NULL;
    return check_combinations(job, format_given);
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

static int check_shape(const conv_job *job, int i, const char *name, int ndim,
                       const size_t *shape, size_t count)
{
    char text[128];
    shape_format(text, sizeof text, ndim, shape);
    const char *hint;
    int rank = wanted_rank(job, i, &hint);
    if (ndim != rank) {
        return cli_error("%s: expected a %d-D array, got shape %s%s", name, rank, text,
                         ndim > rank || job->batch ? hint : "");
    }
    if (count == 0) return cli_error("%s: empty array (shape %s)", name, text);
    return CLI_OK;
}

/* One input while it is read: .npy and raw files stay open between the
 * header check and the data, everything else is loaded whole at once. */
typedef struct conv_input {
    const char *name;       /* the argument, or "stdin" */
    unsigned char *bytes;   /* owned: stdin's or a text/image file's contents */
    size_t size;
    npy_file nf;
    int nf_open;
    int vote;               /* the precision this input asks for, or -1 */
} conv_input;

/* Opens a .npy or raw input for npy_read and checks its header. */
static int open_npy(conv_job *job, int i, conv_input *in, int raw)
{
    int status;
    if (raw && in->bytes) {
        status = raw_open_mem(&in->nf, in->bytes, in->size, in->name, job->raw_type,
                              job->raw_itemsize, job->raw_ndim, job->raw_shape);
    } else if (raw) {
        status = raw_open(&in->nf, in->name, job->raw_type, job->raw_itemsize, job->raw_ndim,
                          job->raw_shape);
    } else if (in->bytes) {
        status = npy_open_mem(&in->nf, in->bytes, in->size, in->name);
    } else {
        status = npy_open(&in->nf, in->name);
    }
    if (status != CLI_OK) return status;
    in->nf_open = 1;
    in->vote = in->nf.type == NPY_F8 ? CLCONV_F64 : CLCONV_F32;
    return check_shape(job, i, in->name, in->nf.ndim, in->nf.shape, in->nf.count);
}

/* A text input: a single row or column is 1-D where 1-D is wanted. */
static int load_text(conv_job *job, int i, conv_input *in, real_array *a)
{
    if (csv_parse((const char *)in->bytes, in->size, in->name, a) != CLI_OK) return CLI_EFAIL;
    const char *hint;
    if (wanted_rank(job, i, &hint) == 1 && (a->shape[0] == 1 || a->shape[1] == 1)) {
        a->ndim = 1;
        a->shape[0] = a->count;
    }
    return check_shape(job, i, in->name, a->ndim, a->shape, a->count);
}

static int load_image(conv_job *job, conv_input *in, data_format f, real_array *a)
{
    /* A name's extension insists on its format; stdin goes by content. */
    image_kind kind = f == FORMAT_PNG ? IMAGE_PNG : IMAGE_PGM;
    if (strcmp(job->inputs[0], "-") == 0) kind = IMAGE_ANY;
    image img;
    if (image_decode(in->bytes, in->size, kind, in->name, 0, &img) != CLI_OK) return CLI_EFAIL;
    *a = img.planes;
    job->image_in = 1;
    job->channels = img.channels;
    job->alpha = img.alpha;
    job->maxval = img.maxval;
    in->vote = CLCONV_F32;
    /* A photo blurred keeps its size unless asked otherwise. */
    if (!job->mode_given) job->opts.mode = CLCONV_MODE_SAME;
    if (img.alpha && job->opts.mode != CLCONV_MODE_SAME) {
        return cli_error("%s: the alpha channel is passed through unchanged, so an image with "
                         "alpha needs --mode same", in->name);
    }
    return CLI_OK;
}

/* A kernel given as a preset fills kernel slot i; a separable 2-D preset
 * fills slots 1 and 2 and turns the job separable. */
static int load_preset(conv_job *job, int i, conv_input *in, real_array *a)
{
    preset_kernel pk;
    int dims = job->separable ? 1 : job->dims;
    if (preset_make(in->name, dims, &pk) != CLI_OK) return CLI_EFAIL;
    a[i] = pk.kernel;
    if (pk.separable) {
        a[2] = pk.row;
        job->separable = 1;
    }
    return CLI_OK;
}

/* Phase one for input i: reads its header or the whole of it. */
static int load_input(conv_job *job, int i, conv_input *in, real_array *a)
{
    const char *arg = job->inputs[i];
    int is_stdin = strcmp(arg, "-") == 0;
    in->name = is_stdin ? "stdin" : arg;
    in->vote = -1;
    data_format f = format_from_name(arg);
    int raw = i == 0 && job->raw;
    if (!is_stdin && !raw && f == FORMAT_NONE) {
        /* Not a file name we know: a preset where a kernel goes, else a
         * file in a format we cannot tell. */
        struct stat st;
        int exists = stat(arg, &st) == 0;
        if (i > 0 && preset_is_candidate(arg)) return load_preset(job, i, in, a);
        if (i > 0 && !exists)
            return cli_error("%s: no such file or kernel preset (presets: %s)", arg,
                             preset_list(job->separable ? 1 : job->dims));
        if (!exists) return cli_error("%s: cannot open: %s", arg, strerror(errno));
        if (S_ISDIR(st.st_mode)) return cli_error("%s: is a directory", arg);
        return cli_error("%s: unknown file type (use .npy, .csv, .txt%s, or raw data with "
                         "--shape and --dtype)", arg, job->dims == 2 ? ", .png, .pgm, .ppm" : "");
    }
    if (is_stdin || f == FORMAT_CSV || f == FORMAT_TXT || format_is_image(f)) {
        if (source_read_all(arg, &in->bytes, &in->size) != CLI_OK) return CLI_EFAIL;
        if (is_stdin && !raw) f = format_sniff(in->bytes, in->size);
    }
    if (raw || f == FORMAT_NPY) return open_npy(job, i, in, raw);
    if (f == FORMAT_CSV || f == FORMAT_TXT) return load_text(job, i, in, &a[i]);
    if (f == FORMAT_RAW) {
        return cli_error("%s: a kernel cannot be raw data (--shape describes the first input "
                         "only)", in->name);
    }
    if (i > 0 || job->dims == 1) {
        return cli_error("%s: an image can only be the IMAGE of conv2d", in->name);
    }
    return load_image(job, in, f, &a[0]);
}

/* Reads every input, after checking all headers so that a wrong rank in the
 * last file is reported before a large first file is read. */
static int read_inputs(conv_job *job, real_array *a)
{
    conv_input in[CONV_MAX_INPUTS];
    memset(in, 0, sizeof in);
    int status = CLI_OK;
    int n = job->n_inputs;
    for (int i = 0; i < n && status == CLI_OK; i++) status = load_input(job, i, &in[i], a);
    if (status == CLI_OK && job->precision < 0) {
        /* Inputs that carry a type vote; text and presets adapt. */
        int any = 0, all_f64 = 1;
        for (int i = 0; i < n; i++) {
            if (in[i].vote < 0) continue;
            any = 1;
            all_f64 &= in[i].vote == CLCONV_F64;
        }
        job->precision = any && all_f64 ? CLCONV_F64 : CLCONV_F32;
    }
    clconv_dtype dtype = (clconv_dtype)job->precision;
    /* A separable preset filled slot 2, which has no argument of its own. */
    int slots = job->separable ? 3 : 2;
    for (int i = 0; i < slots && status == CLI_OK; i++) {
        const char *name = i < n ? in[i].name : job->inputs[1];
        if (in[i].nf_open) {
            status = npy_read(&in[i].nf, dtype, &a[i]);
        } else {
            status = real_array_convert(&a[i], dtype, name);
        }
        if (status == CLI_OK) status = real_array_check_finite(&a[i], name);
    }
    for (int i = 0; i < n; i++) {
        npy_close(&in[i].nf);
        free(in[i].bytes);
    }
    return status;
}

/* The output array's shape: per convolved dimension the size of the mode,
 * behind the batch axis (or an image's channels) when there is one. */
static int make_output(const conv_job *job, const real_array *in, real_array *out)
{
    const real_array *sig = &in[0];
    size_t shape[3];
    int ndim = 0;
    if (job->image_in) shape[ndim++] = (size_t)job->channels;
    if (job->batch) shape[ndim++] = sig->shape[0];
    for (int d = 0; d < job->dims; d++) {
        size_t n = sig->shape[sig->ndim - job->dims + d];
        /* A separable kernel's extent in dimension d is the length of
         * input 1 + d (KCOL for rows, KROW for columns). */
        size_t k = job->separable ? in[1 + d].shape[0] : in[1].shape[d];
        int status = clconv_conv_output_size(n, k, job->opts.mode, &shape[ndim++]);
        if (status < 0) return cli_library_error(NULL, status, "cannot size the output");
    }
    return real_array_alloc(out, (clconv_dtype)job->precision, ndim, shape, job->output_name);
}

static image_kind image_kind_of(data_format f)
{
    return f == FORMAT_PNG ? IMAGE_PNG : f == FORMAT_PGM ? IMAGE_PGM : IMAGE_PPM;
}

/* The result as an image: an image input's planes, or a 2-D array as one
 * grey plane of 8-bit range. Shares out's data. */
static image result_image(const conv_job *job, const real_array *out)
{
    image img = {*out, 1, 0, 255};
    if (job->image_in) {
        img.channels = job->channels;
        img.alpha = job->alpha;
        img.maxval = job->maxval;
    } else {
        img.planes.ndim = 3;
        img.planes.shape[0] = 1;
        img.planes.shape[1] = out->shape[0];
        img.planes.shape[2] = out->shape[1];
    }
    return img;
}

/* Checks, before the device work, that the result fits the output format. */
static int check_output(const conv_job *job)
{
    if (format_is_image(job->out_format)) {
        return image_check_kind(image_kind_of(job->out_format), job->image_in ? job->channels : 1,
                                job->alpha, job->output_name);
    }
    int text_out = job->out_format == FORMAT_CSV || job->out_format == FORMAT_TXT;
    if (text_out && job->image_in && job->channels > 1) {
        return cli_error("%s: text output holds 1-D or 2-D arrays; the image's result has %d "
                         "channels (write .npy, .png or .ppm)", job->output_name, job->channels);
    }
    return CLI_OK;
}

static int write_output(const conv_job *job, FILE *f, const real_array *out)
{
    const char *name = job->output_name;
    image img = result_image(job, out);
    if (format_is_image(job->out_format)) {
        return image_encode(f, name, image_kind_of(job->out_format), &img, job->normalize);
    }
    /* Arrays from images are written as imaging libraries hold them. */
    real_array inter = {0};
    const real_array *a = out;
    if (job->image_in) {
        if (image_interleave(&img, &inter, name) != CLI_OK) return CLI_EFAIL;
        a = &inter;
    }
    int status;
    switch (job->out_format) {
    case FORMAT_CSV: status = csv_write(f, name, a, ','); break;
    case FORMAT_TXT: status = csv_write(f, name, a, ' '); break;
    case FORMAT_RAW: status = npy_write_data(f, name, a); break;
    default: status = npy_write(f, name, a); break;
    }
    real_array_free(&inter);
    return status;
}

/* The job on the server of --server, batch planes of in[0] into out. An
 * image's colour planes go as a batch; its alpha plane stays here. */
static int convolve_remote(const conv_job *job, const real_array *in, real_array *out,
                           clconv_conv_options *opts, size_t batch)
{
    real_array ins[CONV_MAX_INPUTS], part = *out;
    memcpy(ins, in, sizeof ins);
    if (job->image_in) {
        ins[0].count = in[0].count / in[0].shape[0] * batch;
        part.count = out->count / out->shape[0] * batch;
        ins[0].shape[0] = part.shape[0] = batch;
    }
    client_conv_job cj = {job->command, ins, job->separable ? 3 : 2, job->batch || job->image_in,
                          job->separable, job->verbose, (clconv_dtype)job->precision, opts};
    return client_conv(job->server, &cj, &part, &opts->chosen);
}

static int convolve(const conv_job *job, clconv_runtime *rt, const real_array *in,
                    real_array *out, clconv_conv_options *opts)
{
    const real_array *sig = &in[0];
    clconv_dtype dtype = (clconv_dtype)job->precision;
    size_t batch = job->batch ? sig->shape[0] : 1;
    if (job->image_in) batch = (size_t)(job->channels - job->alpha);
    int status;
    if (job->server) {
        status = convolve_remote(job, in, out, opts, batch);
        if (status != CLI_OK) return status;
    } else if (job->dims == 1) {
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
    if (job->alpha) {
        /* Mode same: the alpha plane keeps its size and is copied as is. */
        size_t plane = out->count / (size_t)job->channels * clconv_dtype_size(dtype);
        memcpy((char *)out->data + batch * plane, (const char *)sig->data + batch * plane, plane);
    }
    return CLI_OK;
}

static int run_conv(conv_job *job)
{
    real_array in[CONV_MAX_INPUTS] = {{0}};
    real_array out = {0};
    outfile of = {0};
    clconv_runtime *rt = NULL;
    int to_stdout = strcmp(job->output, "-") == 0;

    double t0 = cli_now_s() * 1e3;
    int status = read_inputs(job, in);
    double t1 = cli_now_s() * 1e3;
    clconv_conv_options opts = job->opts;
    if (status == CLI_OK) status = check_output(job);
    if (status == CLI_OK) status = make_output(job, in, &out);
    /* Claim the output before the device work, so an unwritable path fails
     * in milliseconds rather than after a long convolution. */
    if (status == CLI_OK && !to_stdout) status = outfile_open(&of, job->output);
    if (status == CLI_OK && !job->server) {
        status = cli_runtime_open(job->device, job->verbose, &rt);
    }
    double t2 = cli_now_s() * 1e3;
    if (status == CLI_OK) status = convolve(job, rt, in, &out, &opts);
    double t3 = cli_now_s() * 1e3;
    if (status == CLI_OK) status = write_output(job, to_stdout ? stdout : of.f, &out);
    if (status == CLI_OK && !to_stdout) status = outfile_commit(&of);
    if (status == CLI_OK && to_stdout && fflush(stdout) != 0) {
        status = cli_error("stdout: write failed");
    }
    double t4 = cli_now_s() * 1e3;

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
    job.server = client_server(job.server);
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
