/*
 * `clconv conv1d`, `clconv conv2d` and `clconv conv3d`: convolve arrays read
 * from .npy, text, raw or image files (or kernel presets) on an OpenCL
 * device and write the result in the format the output's name asks for. This
 * file is the command's face: it parses and rejects impossible option
 * combinations, turns the arguments into a conv job (conv_job.c, which the
 * server runs too: inputs, precision, output size, the library call), and
 * writes the result atomically in the output's format.
 */
#include "args.h"
#include "array.h"
#include "cli.h"
#include "client.h"
#include "conv_job.h"
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

/* The options both commands describe alike: precision, device and server. */
#define CONV_DEVICE_HELP                                                                     \
    "  -p, --precision P      f32 or f64 (default: f64 when every input file holds\n"          \
    "                         float64, else f32; text and presets follow the others)\n"      \
    "  -d, --device SPEC      the OpenCL device (see 'clconv --help')\n"                       \
    "      --server URL       send the job to a 'clconv serve' at URL (such as\n"              \
    "                         http://127.0.0.1:8470) instead of opening a device;\n"         \
    "                         the output is the same (default: $CLCONV_SERVER;\n"            \
    "                         a bearer token for it in $CLCONV_TOKEN)\n"

/* The boundary options both commands take; origin is their own. */
#define CONV_BOUNDARY_HELP                                                                   \
    "      --boundary B       read past the edges as scipy.ndimage.convolve does:\n"         \
    "                         constant (the value --cval), reflect (dcba|abcd|dcba),\n"     \
    "                         mirror (dcb|abcd|cba), nearest (aaa|abcd|ddd) or wrap\n"     \
    "                         (bcd|abcd|abc); the output keeps the input's shape, so\n"    \
    "                         --mode may only be same, and an even kernel sits where\n"    \
    "                         ndimage puts it (one sample from scipy.signal's same\n"      \
    "                         mode). Without --boundary the modes are scipy.signal's,\n"   \
    "                         zero outside\n"                                               \
    "      --cval V           the value outside with --boundary constant (default 0)\n"

/* When the boundary and axis options are refused, and how. */
#define CONV_MISTAKES_HELP                                                                   \
    "Mistakes in the options alone (an unknown --boundary, --boundary with --mode\n"        \
    "full or valid, --cval or --origin without --boundary, --axis with --batch)\n"         \
    "exit with status 2; an --origin outside the kernel, an --axis outside the\n"          \
    "input's dimensions or an input of more than 3 dimensions are found once the\n"        \
    "files are read and exit with status 1, as every other failure.\n"

/* What both commands say about files, after their own options. */
#define CONV_FILES_HELP                                                                      \
    "Files are chosen by extension:\n"                                                       \
    "  .npy          NumPy arrays: float32, float64, complex64, complex128 or an\n"         \
    "                integer dtype up to 32 bits (int64 and uint64 are refused),\n"        \
    "                C or Fortran order (integers above 2^24 lose digits in f32).\n"        \
    "                A complex input makes the result complex, promoted as NumPy\n"        \
    "                does (complex64 with float32; complex128 with anything 64-bit)\n"   \
    "  .csv, .txt    numbers separated by commas or white space, one row per line\n"        \
    "                (a single row or column is 1-D); '#' lines are comments\n"              \
    "  .raw, .bin    bare little-endian data, described by --shape and --dtype\n"          \
    "                (with which any name, or '-', is raw); only the first input\n"        \
    "                may be raw\n"                                                           \
    "  -             stdin: .npy, PNG, PGM/PPM or text, told by its first bytes\n"           \
    "                (raw with --shape)\n"                                                    \
    "The output format follows OUT's extension (.npy for any other name), or\n"            \
    "--format; '-o -' writes .npy to stdout unless --format says otherwise. .csv\n"        \
    "and .txt output hold 1-D or 2-D real results (text is real only); raw output is\n"   \
    "the result's data (a complex one as real, imaginary pairs). Every input value\n"     \
    "must be finite: a NaN or infinity would spread\n"                                    \
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
    CONV_BOUNDARY_HELP
    "      --origin N         with --boundary: shift the kernel by N samples towards\n"
    "                         lower indices, as ndimage's origin; N lies in\n"
    "                         -(k/2) ... (k-1)/2 for k taps (default 0)\n"
    CONV_DEVICE_HELP
    "  -b, --batch            SIGNAL is 2-D and each row is a signal; OUT gets one\n"
    "                         row per signal (--axis -1)\n"
    "      --axis N           SIGNAL has 1 to 3 dimensions: convolve along axis N\n"
    "                         (negative counts from the last), every other axis a\n"
    "                         batch; as scipy.ndimage.convolve1d(x, w, axis=N) with\n"
    "                         --boundary, or scipy.signal.convolve with the kernel\n"
    "                         shaped along axis N. OUT has SIGNAL's shape but on\n"
    "                         axis N, which --mode sizes\n"
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
    CONV_MISTAKES_HELP
    "\n"
    "Examples:\n"
    "  clconv conv1d signal.npy kernel.npy -o smooth.npy --mode same\n"
    "  clconv conv1d signal.npy box:5 -o smooth.npy --boundary reflect\n"
    "  clconv conv1d volume.npy diff --axis 0 -o ddepth.npy --boundary nearest\n"
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
    CONV_BOUNDARY_HELP
    "      --origin R,C       with --boundary: shift the kernel by R rows and C\n"
    "                         columns towards lower indices, as ndimage's origin (one\n"
    "                         number shifts both); each lies in -(k/2) ... (k-1)/2\n"
    "                         for k taps on its axis (default 0,0)\n"
    CONV_DEVICE_HELP
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
    "      --out-dtype T      the result's type: float32, float64 (either sets the\n"
    "                         precision), complex64, complex128 (for complex\n"
    "                         inputs), uint8, uint16, int16 (rounded to nearest,\n"
    "                         ties to even, and saturated, as OpenCV's saturate_cast)\n"
    "                         or same (IMAGE's type; an image's depth). With it a\n"
    "                         uint8, uint16 or int16 IMAGE (.npy |u1, <u2, <i2; an\n"
    "                         8- or 16-bit image) goes to the device as it is and\n"
    "                         is converted there, on every path. Default: the\n"
    "                         precision, or its complex type for complex inputs\n"
    "                         (an image is written at its depth, as without the\n"
    "                         option)\n"
    "  -v, --verbose          device, method and timings on stderr\n"
    "\n"
    "Kernel presets (KCOL and KROW take the 1-D gaussian:SIGMA, box:N and diff):\n"
    PRESET_HELP_2D
    "\n"
    "Images: PNG (.png; grey, grey+alpha, RGB, RGBA, palette; 8 or 16 bits) and\n"
    "PGM/PPM (.pgm, .ppm, .pnm; P2, P3, P5, P6, maxval up to 65535). Each colour\n"
    "channel is convolved on its own, and the mode defaults to same, zero outside\n"
    "as in scipy.signal, so a blur darkens the borders; --boundary reflect (or\n"
    "nearest) keeps them as bright as the image. Alpha is\n"
    "passed through unchanged, so an image with alpha needs --mode same. Image\n"
    "output (.png, .pgm, .ppm) is rounded and clamped to the input's range (0 to\n"
    "255 or 65535, or the PGM/PPM maxval; 0 to 255 for an array), or rescaled with\n"
    "--normalize; a PGM/PPM output drops alpha. .npy output of an image holds the\n"
    "unclamped result as (rows, cols) or (rows, cols, channels).\n"
    "\n"
    CONV_FILES_HELP
    "\n"
    CONV_MISTAKES_HELP
    "\n"
    "Examples:\n"
    "  clconv conv2d photo.png gaussian:2 -o blurred.png\n"
    "  clconv conv2d photo.png gaussian:3 -o blurred.png --boundary reflect\n"
    "  clconv conv2d photo.png sobel-x -o edges.png --normalize\n"
    "  clconv conv2d image.npy kernel.csv -o out.npy --mode same\n"
    "  clconv conv2d image.npy gauss.npy gauss.npy --separable -o blurred.npy -m same\n"
    "  clconv conv2d - box:5 --shape 512x512 --dtype u8 -o smooth.pgm < frame.raw\n";

static const char conv3d_help[] =
    "Usage: clconv conv3d VOLUME KERNEL -o OUT [OPTIONS]\n"
    "       clconv conv3d VOLUME KDEPTH KCOL KROW --separable -o OUT [OPTIONS]\n"
    "\n"
    "Convolves the 3-D array in VOLUME (depth x rows x columns) with the 3-D array\n"
    "in KERNEL and writes the result to OUT, with the semantics of\n"
    "scipy.signal.convolve (or correlate) on 3-D arrays, or of\n"
    "scipy.ndimage.convolve with --boundary. KERNEL is a file or one of the\n"
    "presets below. With --separable the kernel is the outer product of three\n"
    "1-D arrays or 1-D presets, KDEPTH (applied along depth), KCOL (down the\n"
    "columns) and KROW (along the rows), and runs as three cheaper 1-D passes.\n"
    "\n"
    "Options:\n"
    "  -o, --output OUT       the result file, or '-' for stdout (required)\n"
    "  -m, --mode MODE        full (default), same (the volume's shape, centred as\n"
    "                         in SciPy) or valid (where volume and kernel overlap\n"
    "                         completely; one must be at least as large as the\n"
    "                         other in all three dimensions)\n"
    "      --method METHOD    auto (default), direct or fft (not with --separable)\n"
    "      --correlate        cross-correlate: the kernel is not flipped\n"
    CONV_BOUNDARY_HELP
    "      --origin D,R,C     with --boundary: shift the kernel by D planes, R rows\n"
    "                         and C columns towards lower indices, as ndimage's\n"
    "                         origin (one number shifts all three); each lies in\n"
    "                         -(k/2) ... (k-1)/2 for k taps on its axis (default\n"
    "                         0,0,0)\n"
    CONV_DEVICE_HELP
    "  -b, --batch            VOLUME is 4-D, a stack of volumes each convolved with\n"
    "                         the kernel; OUT is 4-D too (without --batch a 4-D\n"
    "                         VOLUME is refused)\n"
    "      --separable        give the kernel as KDEPTH, KCOL and KROW (see above)\n"
    "      --shape DxRxC      VOLUME is raw data of this shape (with --batch:\n"
    "                         NxDxRxC)\n"
    "      --dtype T          and element type: " RAW_DTYPES_HELP "\n"
    "      --format F         write OUT as npy or raw, whatever its name\n"
    "  -v, --verbose          device, method and timings on stderr\n"
    "\n"
    "Kernel presets (KDEPTH, KCOL and KROW take the 1-D gaussian:SIGMA, box:N\n"
    "and diff):\n"
    PRESET_HELP_3D
    "\n"
    "Text (.csv, .txt) holds only rows and columns: it may give KDEPTH, KCOL and\n"
    "KROW, but not VOLUME or a 3-D KERNEL. OUT is .npy, or raw data with --format\n"
    "raw or a .raw or .bin name.\n"
    "\n"
    CONV_FILES_HELP
    "\n"
    "Mistakes in the options alone (an unknown --boundary, --boundary with --mode\n"
    "full or valid, --cval or --origin without --boundary, text or image output)\n"
    "exit with status 2; an --origin outside the kernel, a VOLUME of the wrong rank\n"
    "(4-D without --batch) or in text are found once the files are read and exit\n"
    "with status 1, as every other failure.\n"
    "\n"
    "Examples:\n"
    "  clconv conv3d volume.npy kernel.npy -o out.npy --mode same\n"
    "  clconv conv3d volume.npy gaussian:1.5 -o smooth.npy --boundary nearest\n"
    "  clconv conv3d scans.npy box:3 --batch -o smooth.npy --boundary reflect\n"
    "  clconv conv3d volume.npy kz.npy ky.npy kx.npy --separable -o out.npy -m same\n"
    "  clconv conv3d - box:3 --shape 64x256x256 --dtype u16 -o out.npy < ct.raw\n";

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
    OPT_NORMALIZE,
    OPT_BOUNDARY,
    OPT_CVAL,
    OPT_ORIGIN,
    OPT_AXIS,
    OPT_OUT_DTYPE
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
    {"boundary", 0, 1, OPT_BOUNDARY},
    {"cval", 0, 1, OPT_CVAL},
    {"origin", 0, 1, OPT_ORIGIN},
    {"axis", 0, 1, OPT_AXIS},
    {"out-dtype", 0, 1, OPT_OUT_DTYPE},
    {NULL, 0, 0, 0},
};

/* The command's side of a convolution: its argv, and the job (see
 * conv_job.h) that the inputs become. */
typedef struct conv_command {
    const char *command;
    const char *args[CONV_MAX_INPUTS];
    int n_args;
    const char *output;
    const char *output_name;      /* output, or "stdout" for '-' */
    data_format out_format;
    const char *device;
    const char *server;           /* --server or CLCONV_SERVER: compute there */
    int verbose;
    int normalize;
    conv_job job;
} conv_command;

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
static int check_combinations(conv_command *cmd, int format_given)
{
    const char *c = cmd->command;
    io_error err;
    if (conv_job_check_options(&cmd->job, &err) < 0) return cli_usage_error(c, "%s", err.message);
    int stdin_inputs = 0;
    for (int i = 0; i < cmd->n_args; i++) stdin_inputs += strcmp(cmd->args[i], "-") == 0;
    if (stdin_inputs > 1) return cli_usage_error(c, "only one input can be '-' (stdin)");

    data_format in0 = format_from_name(cmd->args[0]);
    if (cmd->job.raw && in0 != FORMAT_NONE && in0 != FORMAT_RAW) {
        return cli_usage_error(c, "--shape and --dtype describe raw input, but '%s' is a .%s "
                               "file", cmd->args[0], strrchr(cmd->args[0], '.') + 1);
    }
    if (!cmd->job.raw && in0 == FORMAT_RAW) {
        return cli_usage_error(c, "raw input '%s' needs --shape and --dtype", cmd->args[0]);
    }
    if (cmd->job.dims != 2 && format_is_image(in0)) {
        return cli_usage_error(c, "images are for conv2d, not '%s'", cmd->args[0]);
    }
    if (cmd->job.batch && format_is_image(in0)) {
        return cli_usage_error(c, "--batch takes a stack of arrays, not the image '%s'",
                               cmd->args[0]);
    }

    int to_stdout = strcmp(cmd->output, "-") == 0;
    cmd->output_name = to_stdout ? "stdout" : cmd->output;
    if (!format_given) {
        cmd->out_format = to_stdout ? FORMAT_NONE : format_from_name(cmd->output);
        if (cmd->out_format == FORMAT_NONE) cmd->out_format = FORMAT_NPY;
    }
    int image_out = format_is_image(cmd->out_format);
    if (image_out && cmd->job.dims != 2) {
        return cli_usage_error(c, "image output ('%s') is for conv2d", cmd->output_name);
    }
    if (image_out && cmd->job.batch) {
        return cli_usage_error(c, "a --batch result is a stack of arrays, not an image ('%s')",
                               cmd->output_name);
    }
    if (cmd->normalize && !image_out) {
        return cli_usage_error(c, "--normalize rescales image output (.png, .pgm, .ppm), not "
                               "'%s'", cmd->output_name);
    }
    int text_out = cmd->out_format == FORMAT_CSV || cmd->out_format == FORMAT_TXT;
    int out_rank = cmd->job.dims + cmd->job.batch;
    if (text_out && out_rank > 2) {
        return cli_usage_error(c, "a%s result is %d-D; text output ('%s') holds 1-D or 2-D "
                               "arrays", cmd->job.batch ? " --batch" : "n array", out_rank,
                               cmd->output_name);
    }
    return CLI_OK;
}

static int parse_conv_args(conv_command *cmd, int argc, char **argv, int *done)
{
    args_parser p;
    args_init(&p, cmd->command, conv_options, argc, argv);
    const char *v;
    const char *shape = NULL, *dtype = NULL;
    io_error err;
    int positional = 0, format_given = 0;
    *done = 0;
    for (int id; (id = args_next(&p, &v)) != ARGS_END;) {
        switch (id) {
        case ARGS_HELP:
            fputs(cmd->job.dims == 1 ? conv1d_help : cmd->job.dims == 2 ? conv2d_help
                                                                        : conv3d_help,
                  stdout);
            *done = 1;
            return CLI_OK;
        case ARGS_ERROR:
            return CLI_EUSAGE;
        case ARGS_POSITIONAL:
            if (positional == CONV_MAX_INPUTS) {
                return cli_usage_error(cmd->command, "unexpected argument '%s'", v);
            }
            cmd->args[positional++] = v;
            break;
        case OPT_OUTPUT: cmd->output = v; break;
        case OPT_MODE:
            if (clconv_mode_parse(v, &cmd->job.opts.mode) != CLCONV_OK) {
                return cli_usage_error(cmd->command, "--mode must be full, same or valid, not "
                                       "'%s'", v);
            }
            cmd->job.mode_given = 1;
            break;
        case OPT_METHOD:
            if (clconv_method_parse(v, &cmd->job.opts.method) != CLCONV_OK) {
                return cli_usage_error(cmd->command, "--method must be auto, direct or fft, "
                                       "not '%s'", v);
            }
            break;
        case OPT_CORRELATE: cmd->job.opts.correlate = 1; break;
        case OPT_PRECISION:
            if (parse_precision(v, &cmd->job.precision) != 0) {
                return cli_usage_error(cmd->command, "--precision must be f32 or f64, not '%s'",
                                       v);
            }
            break;
        case OPT_DEVICE: cmd->device = v; break;
        case OPT_SERVER: cmd->server = v; break;
        case OPT_BATCH: cmd->job.batch = 1; break;
        case OPT_SEPARABLE:
            if (cmd->job.dims == 1) return cli_usage_error(cmd->command, "unknown option "
                                                       "'--separable'");
            cmd->job.separable = 1;
            break;
        case OPT_VERBOSE: cmd->verbose = 1; break;
        case OPT_SHAPE:
            if (raw_parse_shape(v, &cmd->job.raw_ndim, cmd->job.raw_shape) != 0) {
                return cli_usage_error(cmd->command, "--shape must be sizes >= 1 joined by 'x', "
                                       "e.g. 512x512, not '%s'", v);
            }
            shape = v;
            break;
        case OPT_DTYPE:
            if (raw_parse_dtype(v, &cmd->job.raw_type, &cmd->job.raw_itemsize) != 0) {
                return cli_usage_error(cmd->command, "--dtype must be " RAW_DTYPES ", not '%s'",
                                       v);
            }
            dtype = v;
            break;
        case OPT_FORMAT: {
            /* Images are conv2d's; text holds no volume. */
            static const char *const formats[3] = {"npy, csv, txt or raw",
                                                   "npy, csv, txt, raw, png, pgm or ppm",
                                                   "npy or raw"};
            int ok = format_parse(v, &cmd->out_format) == 0;
            int text = cmd->out_format == FORMAT_CSV || cmd->out_format == FORMAT_TXT;
            if (!ok || (cmd->job.dims != 2 && format_is_image(cmd->out_format)) ||
                (cmd->job.dims == 3 && text)) {
                return cli_usage_error(cmd->command, "--format must be %s, not '%s'",
                                       formats[cmd->job.dims - 1], v);
            }
            format_given = 1;
            break;
        }
        case OPT_OUT_DTYPE:
            if (cmd->job.dims != 2) return cli_usage_error(cmd->command, "unknown option "
                                                       "'--out-dtype'");
            if (conv_parse_out_dtype(v, "--out-dtype", &cmd->job.out_dtype, &err) < 0)
                return cli_usage_error(cmd->command, "%s", err.message);
            cmd->job.out_dtype_given = 1;
            break;
        case OPT_NORMALIZE:
            if (cmd->job.dims != 2) return cli_usage_error(cmd->command, "unknown option "
                                                       "'--normalize'");
            cmd->normalize = 1;
            break;
        case OPT_BOUNDARY:
            if (conv_parse_boundary(v, "--boundary", &cmd->job.opts.boundary, &err) < 0)
                return cli_usage_error(cmd->command, "%s", err.message);
            break;
        case OPT_CVAL:
            if (conv_parse_cval(v, "--cval", &cmd->job.opts.cval, &err) < 0)
                return cli_usage_error(cmd->command, "%s", err.message);
            break;
        case OPT_ORIGIN:
            if (conv_parse_origin(v, "--origin", cmd->job.dims, cmd->job.opts.origin, &err) < 0)
                return cli_usage_error(cmd->command, "%s", err.message);
            break;
        case OPT_AXIS:
            if (cmd->job.dims != 1) return cli_usage_error(cmd->command, "unknown option "
                                                       "'--axis'");
            if (conv_parse_axis(v, "--axis", &cmd->job.axis, &err) < 0)
                return cli_usage_error(cmd->command, "%s", err.message);
            cmd->job.axis_given = 1;
            break;
        }
    }
    static const char *const signal_names[] = {"SIGNAL", "KERNEL"};
    static const char *const image_names[] = {"IMAGE", "KERNEL"};
    static const char *const volume_names[] = {"VOLUME", "KERNEL"};
    static const char *const separable2_names[] = {"IMAGE", "KCOL", "KROW"};
    static const char *const separable3_names[] = {"VOLUME", "KDEPTH", "KCOL", "KROW"};
    const int dims = cmd->job.dims;
    const char *const *names = cmd->job.separable ? dims == 2 ? separable2_names : separable3_names
                               : dims == 1 ? signal_names : dims == 2 ? image_names : volume_names;
    int wanted = cmd->job.separable ? 1 + dims : 2;
    if (positional < wanted) return cli_usage_error(cmd->command, "missing %s", names[positional]);
    if (positional > wanted) {
        return cli_usage_error(cmd->command, "unexpected argument '%s'",
                               cmd->args[wanted]);
    }
    cmd->n_args = wanted;
    if (!cmd->output) return cli_usage_error(cmd->command, "missing -o OUT");
    if (cmd->output[0] == '\0') return cli_usage_error(cmd->command, "empty output name");
    if (!shape != !dtype) {
        return cli_usage_error(cmd->command, "raw input needs both --shape and --dtype");
    }
    cmd->job.raw = shape != NULL;
    return check_combinations(cmd, format_given);
}

static image_kind image_kind_of(data_format f)
{
    return f == FORMAT_PNG ? IMAGE_PNG : f == FORMAT_PGM ? IMAGE_PGM : IMAGE_PPM;
}

/* The result as an image: an image input's planes, or a 2-D array as one
 * grey plane of 8-bit range. Shares the result's data. */
static image result_image(const conv_job *job)
{
    image img = {job->out, 1, 0, 255};
    if (job->image_in) {
        img.channels = job->channels;
        img.alpha = job->alpha;
        img.maxval = job->maxval;
    } else {
        img.planes.ndim = 3;
        img.planes.shape[0] = 1;
        img.planes.shape[1] = job->out.shape[0];
        img.planes.shape[2] = job->out.shape[1];
    }
    return img;
}

/* Checks, before the device work, that the result fits the output format. */
static int check_output(const conv_command *cmd)
{
    const conv_job *job = &cmd->job;
    io_error err;
    int text_out = cmd->out_format == FORMAT_CSV || cmd->out_format == FORMAT_TXT;
    if (job->out_store == CLCONV_C64 || job->out_store == CLCONV_C128) {
        const char *type = clconv_dtype_name(job->out_store);
        if (text_out) return cli_error("%s: the result is %s; " CSV_REAL_ONLY, cmd->output_name, type);
        if (format_is_image(cmd->out_format))
            return cli_error("%s: images are real, and the result is %s (write .npy or raw)",
                             cmd->output_name, type);
    }
    if (format_is_image(cmd->out_format)) {
        return cli_io(image_check_kind(image_kind_of(cmd->out_format),
                                       job->image_in ? job->channels : 1, job->alpha,
                                       cmd->output_name, &err), &err);
    }
    if (text_out && job->image_in && job->channels > 1) {
        return cli_error("%s: text output holds 1-D or 2-D arrays; the image's result has %d "
                         "channels (write .npy, .png or .ppm)", cmd->output_name, job->channels);
    }
    return CLI_OK;
}

static int write_output(const conv_command *cmd, FILE *f)
{
    const conv_job *job = &cmd->job;
    const char *name = cmd->output_name;
    io_error err;
    image img = result_image(job);
    if (format_is_image(cmd->out_format)) {
        return cli_io(image_encode(f, name, image_kind_of(cmd->out_format), &img, cmd->normalize,
                                   &err), &err);
    }
    /* Arrays from images are written as imaging libraries hold them. */
    real_array inter = {0};
    const real_array *a = &job->out;
    if (job->image_in) {
        if (image_interleave(&img, &inter, name, &err) < 0) return cli_io(-1, &err);
        a = &inter;
    }
    int status;
    switch (cmd->out_format) {
    case FORMAT_CSV: status = csv_write(f, name, a, ',', &err); break;
    case FORMAT_TXT: status = csv_write(f, name, a, ' ', &err); break;
    case FORMAT_RAW: status = npy_write_data(f, name, a, &err); break;
    default: status = npy_write(f, name, a, &err); break;
    }
    real_array_free(&inter);
    return cli_io(status, &err);
}

/* The job on the server of --server. An image's colour planes go as a
 * batch; its alpha plane stays here. */
static int convolve_remote(conv_command *cmd)
{
    conv_job *job = &cmd->job;
    size_t batch = conv_job_batch(job);
    real_array ins[CONV_MAX_INPUTS], part = job->out;
    memcpy(ins, job->in, sizeof ins);
    if (job->image_in) {
        ins[0].count = job->in[0].count / job->in[0].shape[0] * batch;
        part.count = job->out.count / job->out.shape[0] * batch;
        ins[0].shape[0] = part.shape[0] = batch;
    }
    client_conv_job cj = {cmd->command, job->dims, ins, job->separable ? 1 + job->dims : 2,
                          job->batch || job->image_in, job->separable, cmd->verbose,
                          (clconv_dtype)job->precision, &job->opts, job->axis_given, job->axis,
                          job->out_dtype_given};
    int status = client_conv(cmd->server, &cj, &part, &job->opts.chosen);
    if (status == CLI_OK) conv_job_pass_alpha(job);
    return status;
}

static int convolve(conv_command *cmd, clconv_runtime *rt)
{
    if (cmd->server) return convolve_remote(cmd);
    int status = conv_job_run(&cmd->job, rt);
    if (status < 0) return cli_library_error(rt, status, cmd->command);
    return CLI_OK;
}

static int run_conv(conv_command *cmd)
{
    conv_job *job = &cmd->job;
    outfile of = {0};
    clconv_runtime *rt = NULL;
    int to_stdout = strcmp(cmd->output, "-") == 0;
    for (int i = 0; i < cmd->n_args; i++) {
        job->inputs[i].name = strcmp(cmd->args[i], "-") == 0 ? "stdin" : cmd->args[i];
        job->inputs[i].path = cmd->args[i];
    }
    job->n_inputs = cmd->n_args;
    static const char *const hints[2][3] = {
        {" (use --batch for one signal per row, or --axis N)",
         " (use --batch for a stack of images)", " (use --batch for a stack of volumes)"},
        {" (--batch: one signal per row)", " (--batch: a stack of images)",
         " (--batch: a stack of volumes)"}};
    job->rank_hint = hints[job->batch != 0][job->dims - 1];

    io_error err;
    double t0 = io_now_s() * 1e3;
    int status = cli_io(conv_job_read(job, &err), &err);
    double t1 = io_now_s() * 1e3;
    if (status == CLI_OK) status = check_output(cmd);
    if (status == CLI_OK) status = cli_io(conv_job_make_output(job, cmd->output_name, &err), &err);
    /* Claim the output before the device work, so an unwritable path fails
     * in milliseconds rather than after a long convolution. */
    if (status == CLI_OK && !to_stdout) status = cli_io(outfile_open(&of, cmd->output, &err), &err);
    if (status == CLI_OK && !cmd->server) {
        status = cli_runtime_open(cmd->device, cmd->verbose, &rt);
    }
    double t2 = io_now_s() * 1e3;
    if (status == CLI_OK) status = convolve(cmd, rt);
    double t3 = io_now_s() * 1e3;
    if (status == CLI_OK) status = write_output(cmd, to_stdout ? stdout : of.f);
    if (status == CLI_OK && !to_stdout) status = cli_io(outfile_commit(&of, &err), &err);
    if (status == CLI_OK && to_stdout && fflush(stdout) != 0) {
        status = cli_error("stdout: write failed");
    }
    double t4 = io_now_s() * 1e3;

    if (status == CLI_OK && cmd->verbose) {
        fprintf(stderr, "clconv: %s, %s, method %s; read %.1f ms, device set-up %.1f ms, "
                "convolution with transfers %.1f ms, write %.1f ms\n", cmd->command,
                job->precision == CLCONV_F64 ? "float64" : "float32",
                clconv_method_name(job->opts.chosen), t1 - t0, t2 - t1, t3 - t2, t4 - t3);
    }
    outfile_abort(&of);
    clconv_runtime_destroy(rt);
    conv_job_free(job);
    return status;
}

static int conv_main(int dims, int argc, char **argv)
{
    conv_command cmd = {0};
    cmd.command = argv[0];
    cmd.job.dims = dims;
    cmd.job.precision = -1;
    cmd.job.batch_words = "--batch";
    cmd.job.same_words = "--mode same";
    int done;
    int status = parse_conv_args(&cmd, argc, argv, &done);
    if (status != CLI_OK || done) return status;
    cmd.server = client_server(cmd.server);
    return run_conv(&cmd);
}

int cmd_conv1d(int argc, char **argv)
{
    return conv_main(1, argc, argv);
}

int cmd_conv2d(int argc, char **argv)
{
    return conv_main(2, argc, argv);
}

int cmd_conv3d(int argc, char **argv)
{
    return conv_main(3, argc, argv);
}
