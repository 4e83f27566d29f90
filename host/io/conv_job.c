/*
 * The convolution job that the command and the server share (see
 * conv_job.h): inputs in two phases (headers, then data), the precision
 * vote, the output's size, the library call and the alpha plane.
 */
#include "conv_job.h"

#include "io.h"
#include "csv.h"
#include "preset.h"
#include "raw.h"
#include "source.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* One input while it is read: .npy and raw files stay open between the
 * header check and the data, everything else is loaded whole at once. */
typedef struct conv_input {
    const char *name;
    const char *label;
    unsigned char *bytes;   /* owned: stdin's or a text/image file's contents */
    const void *data;       /* the bytes to decode: bytes, or the source's */
    size_t size;
    npy_file nf;
    int nf_open;
    int vote;               /* the precision this input asks for, or -1 */
    int complex;            /* a .npy of complex64 or complex128 */
} conv_input;

/* An option as the face spells it, with its value or without: "--mode
 * full" or "mode=full". */
static const char *spell(const conv_job *job, char *buf, size_t size, const char *name,
                         const char *value)
{
    snprintf(buf, size, "%s%s%s%s", job->query_words ? "" : "--", name,
             !value ? "" : job->query_words ? "=" : " ", value ? value : "");
    return buf;
}

int conv_parse_boundary(const char *text, const char *option, clconv_boundary *boundary,
                        io_error *err)
{
    if (clconv_boundary_parse(text, boundary) != CLCONV_OK) {
        return io_fail(err, CLCONV_EINVAL, "%s must be constant, reflect, mirror, nearest or "
                       "wrap, not '%.100s'", option, text);
    }
    return 0;
}

int conv_parse_out_dtype(const char *text, const char *option, int *out_dtype, io_error *err)
{
    clconv_dtype d;
    if (strcmp(text, "same") == 0) return (*out_dtype = CONV_OUT_SAME), 0;
    /* Only the dtypes a result can have: clconv_dtype_parse knows no others. */
    if (clconv_dtype_parse(text, &d) != CLCONV_OK)
        return io_fail(err, CLCONV_EINVAL,
                       "%s must be float32, float64, complex64, complex128, uint8, uint16, int16 "
                       "or same, not '%.100s'",
                       option, text);
    *out_dtype = (int)d;
    return 0;
}

int conv_parse_cval(const char *text, const char *option, double *cval, io_error *err)
{
    if (io_parse_double(text, cval) != 0)
        return io_fail(err, CLCONV_EINVAL, "%s must be a finite number, not '%.100s'", option,
                       text);
    return 0;
}

/* A whole string as an integer within +-2^31: 0, else -1. */
static int parse_int(const char *s, const char **end, long long *v)
{
    char *e;
    errno = 0;
    *v = strtoll(s, &e, 10);
    if (e == s || errno || *v < INT32_MIN || *v > INT32_MAX || (s[0] == ' ' || s[0] == '\t'))
        return -1;
    *end = e;
    return 0;
}

int conv_parse_origin(const char *text, const char *option, int dims, int64_t origin[3],
                      io_error *err)
{
    static const char *const forms[3] = {
        "an integer such as -1", "R,C (rows, columns) or one integer for both, such as 0,-1",
        "D,R,C (planes, rows, columns) or one integer for all three, such as 0,-1,1"};
    long long v[3] = {0, 0, 0};
    const char *end = text;
    int n = 0, ok;
    /* One integer per axis, or one for every axis. */
    do {
        ok = parse_int(n ? end + 1 : text, &end, &v[n]) == 0;
        n++;
    } while (ok && *end == ',' && n < dims);
    if (!ok || *end != '\0' || (n != 1 && n != dims))
        return io_fail(err, CLCONV_EINVAL, "%s must be %s, not '%.100s'", option,
                       forms[dims - 1], text);
    for (int d = 0; d < 3; d++) origin[d] = d < dims ? v[n == 1 ? 0 : d] : 0;
    return 0;
}

int conv_parse_axis(const char *text, const char *option, int *axis, io_error *err)
{
    long long v;
    const char *end;
    if (parse_int(text, &end, &v) != 0 || *end != '\0')
        return io_fail(err, CLCONV_EINVAL, "%s must be an integer such as 0 or -1, not '%.100s'",
                       option, text);
    *axis = (int)v;
    return 0;
}

int conv_job_check_options(conv_job *job, io_error *err)
{
    char a[128], b[128];
    const clconv_conv_options *o = &job->opts;
    if (job->axis_given && job->dims != 1)
        return io_fail(err, CLCONV_EINVAL, "%s is for conv1d; conv%dd convolves %s axes",
                       spell(job, a, sizeof a, "axis", NULL), job->dims,
                       job->dims == 2 ? "both" : "all three");
    if (job->axis_given && job->batch) {
        return io_fail(err, CLCONV_EINVAL, "give %s or %s, not both (%s is %s for a 2-D signal)",
                       spell(job, a, sizeof a, "axis", NULL), job->batch_words, job->batch_words,
                       spell(job, b, sizeof b, "axis", "-1"));
    }
    if (o->boundary == CLCONV_BOUNDARY_NONE) {
        if (o->cval != 0) {
            return io_fail(err, CLCONV_EINVAL, "%s is the value outside the input under %s; "
                           "without a boundary mode the outside is zero",
                           spell(job, a, sizeof a, "cval", NULL),
                           spell(job, b, sizeof b, "boundary", "constant"));
        }
        if (o->origin[0] != 0 || o->origin[1] != 0 || o->origin[2] != 0) {
            return io_fail(err, CLCONV_EINVAL, "%s places the kernel under a %s mode, as "
                           "scipy.ndimage does; scipy.signal's modes (without %s) centre it "
                           "themselves", spell(job, a, sizeof a, "origin", NULL),
                           spell(job, b, sizeof b, "boundary", NULL), b);
        }
        return 0;
    }
    if (job->mode_given && o->mode != CLCONV_MODE_SAME) {
        char c[128], d[128];
        return io_fail(err, CLCONV_EINVAL, "%s keeps the input's shape, as scipy.ndimage does, "
                       "so it cannot go with %s (leave out %s, or give %s)",
                       spell(job, a, sizeof a, "boundary", clconv_boundary_name(o->boundary)),
                       spell(job, b, sizeof b, "mode", clconv_mode_name(o->mode)),
                       spell(job, c, sizeof c, "mode", NULL), spell(job, d, sizeof d, "mode",
                                                                    "same"));
    }
    job->opts.mode = CLCONV_MODE_SAME;
    return 0;
}

/* The rank input i must have. */
static int wanted_rank(const conv_job *job, int i)
{
    if (i > 0) return job->separable ? 1 : job->dims;
    return job->batch ? job->dims + 1 : job->dims;
}

/* Checks an input's rank, emptiness and size. */
static int check_shape(const conv_job *job, int i, const conv_input *in, int ndim,
                       const size_t *shape, size_t count, io_error *err)
{
    char text[128];
    shape_format(text, sizeof text, ndim, shape);
    int rank = wanted_rank(job, i);
    if (i == 0 && job->axis_given) {
        /* Along one axis of up to 3, every other axis a batch. */
        char a[32], b[128];
        spell(job, b, sizeof b, "axis", NULL);
        if (ndim > 3) {
            return io_fail(err, CLCONV_EINVAL, "%s: %s takes an array of 1 to 3 dimensions, got "
                           "shape %s", in->label, b, text);
        }
        if (job->axis < -ndim || job->axis >= ndim) {
            snprintf(a, sizeof a, "%d", job->axis);
            return io_fail(err, CLCONV_EINVAL, "%s: %s is out of range for a %d-D array (shape "
                           "%s): it must lie in %d ... %d", in->label,
                           spell(job, b, sizeof b, "axis", a), ndim, text, -ndim, ndim - 1);
        }
        rank = ndim;
    }
    if (ndim != rank) {
        const char *hint = i == 0 && job->rank_hint && (ndim > rank || job->batch)
                               ? job->rank_hint : "";
        return io_fail(err, CLCONV_EINVAL, "%s: expected a %d-D array, got shape %s%s", in->label,
                       rank, text, hint);
    }
    if (count == 0) return io_fail(err, CLCONV_EINVAL, "%s: empty array (shape %s)", in->label,
                                   text);
    if (job->max_elements && count > job->max_elements) {
        return io_fail(err, CLCONV_EOVERFLOW, "%s: %zu elements, over the server's limit of %zu",
                       in->label, count, job->max_elements);
    }
    return 0;
}

/* Opens a .npy or raw input for npy_read and checks its header. */
static int open_npy(conv_job *job, int i, conv_input *in, const char *path, int raw, io_error *err)
{
    int status;
    if (raw && in->data) {
        status = raw_open_mem(&in->nf, in->data, in->size, in->name, job->raw_type,
                              job->raw_itemsize, job->raw_ndim, job->raw_shape, err);
    } else if (raw) {
        status = raw_open(&in->nf, path, job->raw_type, job->raw_itemsize, job->raw_ndim,
                          job->raw_shape, err);
    } else if (in->data) {
        status = npy_open_mem(&in->nf, in->data, in->size, in->name, err);
    } else {
        status = npy_open(&in->nf, path, err);
    }
    if (status < 0) return status;
    in->nf_open = 1;
    if (in->nf.type == NPY_I8 || in->nf.type == NPY_U8) {
        /* A float64 holds integers exactly only up to 2^53, and NumPy's
         * integer convolution of int64 wraps at 2^63: any conversion here
         * could silently differ from it, so the caller converts. */
        return io_fail(err, CLCONV_EINVAL,
                       "%s: %s (%s) is not accepted, since its values need not fit a float64 "
                       "exactly; inputs may be float32, float64, int8, int16, int32, uint8, "
                       "uint16 or uint32 (convert first, e.g. a.astype(np.float64))",
                       in->label, in->nf.type == NPY_I8 ? "int64" : "uint64", in->nf.descr);
    }
    in->vote = in->nf.type == NPY_F8 || in->nf.type == NPY_C16 ? CLCONV_F64 : CLCONV_F32;
    in->complex = in->nf.type == NPY_C8 || in->nf.type == NPY_C16;
    return check_shape(job, i, in, in->nf.ndim, in->nf.shape, in->nf.count, err);
}

/* A text input: a single row or column is 1-D where 1-D is wanted (a
 * signal with an axis keeps the shape its axis refers to). Text has rows
 * and columns only, so it cannot be a volume or a stack. */
static int load_text(conv_job *job, int i, conv_input *in, io_error *err)
{
    real_array *a = &job->in[i];
    int keep = i == 0 && job->axis_given;
    if (!keep && wanted_rank(job, i) > 2) {
        return io_fail(err, CLCONV_EINVAL, "%s: text holds 1-D or 2-D arrays, but a %d-D array "
                       "is wanted here (use .npy)", in->label, wanted_rank(job, i));
    }
    IO_FORWARD(csv_parse(in->data, in->size, in->name, a, err));
    if (!keep && wanted_rank(job, i) == 1 && (a->shape[0] == 1 || a->shape[1] == 1)) {
        a->ndim = 1;
        a->shape[0] = a->count;
    }
    return check_shape(job, i, in, a->ndim, a->shape, a->count, err);
}

/* The image of conv2d; kind IMAGE_ANY goes by the data's signature. */
static int load_image(conv_job *job, conv_input *in, image_kind kind, io_error *err)
{
    if (job->batch) {
        return io_fail(err, CLCONV_EINVAL,
                       "%s: an image's colour channels are its batch; %s is for stacks of arrays",
                       in->label, job->batch_words);
    }
    image img;
    IO_FORWARD(image_decode(in->data, in->size, kind, in->name, job->max_elements, &img, err));
    data_format f = format_sniff(in->data, in->size);
    job->in[0] = img.planes;
    job->image_in = 1;
    job->image_kind = f == FORMAT_PNG ? IMAGE_PNG : f == FORMAT_PGM ? IMAGE_PGM : IMAGE_PPM;
    job->channels = img.channels;
    job->alpha = img.alpha;
    job->maxval = img.maxval;
    in->vote = CLCONV_F32;
    /* A photo blurred keeps its size unless asked otherwise. */
    if (!job->mode_given) job->opts.mode = CLCONV_MODE_SAME;
    if (img.alpha && job->opts.mode != CLCONV_MODE_SAME) {
        return io_fail(err, CLCONV_EINVAL,
                        "%s: the alpha channel is passed through unchanged, so an image with alpha "
                       "needs %s", in->label, job->same_words);
    }
    const real_array *p = &job->in[0];
    return check_shape(job, 0, in, p->ndim - 1, p->shape + 1, p->count, err);
}

/* A kernel given as a preset fills kernel slot i; a separable 2-D or 3-D
 * preset fills slots 1 to dims and turns the job separable. */
static int load_preset(conv_job *job, int i, const char *spec, io_error *err)
{
    preset_kernel pk;
    IO_FORWARD(preset_make(spec, job->separable ? 1 : job->dims, &pk, err));
    for (int p = 0; p < pk.n_parts; p++) job->in[i + p] = pk.parts[p];
    if (pk.separable) job->separable = 1;
    return 0;
}

/* A file named on a command line. */
static int load_path(conv_job *job, int i, conv_input *in, const char *arg, io_error *err)
{
    int is_stdin = strcmp(arg, "-") == 0;
    data_format f = format_from_name(arg);
    int raw = i == 0 && job->raw;
    if (!is_stdin && !raw && f == FORMAT_NONE) {
        /* Not a file name we know: a preset where a kernel goes, else a
         * file in a format we cannot tell. */
        struct stat st;
        int exists = stat(arg, &st) == 0;
        if (i > 0 && preset_is_candidate(arg)) return load_preset(job, i, arg, err);
        if (i > 0 && !exists)
            return io_fail(err, CLCONV_EINVAL, "%s: no such file or kernel preset (presets: %s)",
                           arg, preset_list(job->separable ? 1 : job->dims));
        if (!exists) return io_fail(err, CLCONV_EIO, "%s: cannot open: %s", arg, strerror(errno));
        if (S_ISDIR(st.st_mode)) return io_fail(err, CLCONV_EIO, "%s: is a directory", arg);
        return io_fail(err, CLCONV_EFORMAT,
                        "%s: unknown file type (use .npy, .csv, .txt%s, or raw data with --shape "
                       "and --dtype)", arg, job->dims == 2 ? ", .png, .pgm, .ppm" : "");
    }
    if (is_stdin || f == FORMAT_CSV || f == FORMAT_TXT || format_is_image(f)) {
        IO_FORWARD(source_read_all(arg, &in->bytes, &in->size, err));
        in->data = in->bytes;
        if (is_stdin && !raw) f = format_sniff(in->bytes, in->size);
    }
    if (raw || f == FORMAT_NPY) return open_npy(job, i, in, arg, raw, err);
    if (f == FORMAT_CSV || f == FORMAT_TXT) return load_text(job, i, in, err);
    if (f == FORMAT_RAW) {
        return io_fail(err, CLCONV_EINVAL,
                       "%s: a kernel cannot be raw data (--shape describes the first input only)",
                       in->name);
    }
    if (i > 0 || job->dims != 2) {
        return io_fail(err, CLCONV_EINVAL, "%s: an image can only be the IMAGE of conv2d",
                       in->name);
    }
    /* A name's extension insists on its format; stdin goes by content. */
    return load_image(job, in, is_stdin ? IMAGE_ANY : f == FORMAT_PNG ? IMAGE_PNG : IMAGE_PGM, err);
}

/* Phase one for input i: reads its header or the whole of it. */
static int load_input(conv_job *job, int i, conv_input *in, io_error *err)
{
    const conv_source *src = &job->inputs[i];
    in->name = src->name;
    in->label = src->label ? src->label : src->name;
    in->vote = -1;
    if (src->preset) return load_preset(job, i, src->preset, err);
    if (src->path) return load_path(job, i, in, src->path, err);
    /* Bytes in memory: an image where conv2d's image goes, else .npy (or
     * raw data as described). */
    in->data = src->data;
    in->size = src->size;
    data_format f = format_sniff(src->data, src->size);
    if (i == 0 && job->dims == 2 && !job->raw && format_is_image(f))
        return load_image(job, in, IMAGE_ANY, err);
    return open_npy(job, i, in, NULL, i == 0 && job->raw, err);
}

/* The extents of kernel input i (1 or more), from its header or its data. */
static const size_t *kernel_shape(const conv_job *job, const conv_input *in, int i)
{
    return in[i].nf_open ? in[i].nf.shape : job->in[i].shape;
}

/* The origin of a boundary mode must lie inside the kernel, as
 * scipy.ndimage requires: -(k/2) ... (k-1)/2 per axis. */
static int check_origin(const conv_job *job, const conv_input *in, io_error *err)
{
    if (job->opts.boundary == CLCONV_BOUNDARY_NONE) return 0;
    /* Each axis's name, and what the kernel has along it. */
    static const char *const axes[3][3] = {{""}, {"row", "column"}, {"depth", "row", "column"}};
    static const char *const units[3][3] = {{"tap"}, {"row", "column"},
                                            {"plane", "row", "column"}};
    const int nd = job->dims;
    for (int d = 0; d < nd; d++) {
        /* Slot 1 + d of a separable kernel holds the factor along axis d; a
         * separable preset fills them without inputs of their own. */
        int slot = job->separable ? 1 + d : 1;
        const conv_input *ki = &in[slot < job->n_inputs ? slot : 1];
        size_t k = job->separable ? (in[slot].nf_open ? in[slot].nf.count : job->in[slot].count)
                                  : kernel_shape(job, in, 1)[d];
        long long o = (long long)job->opts.origin[d];
        long long lo = -(long long)(k / 2), hi = (long long)((k - 1) / 2);
        if (o < lo || o > hi) {
            char a[128], v[72] = "", what[64] = "";
            const char *name = ki->label ? ki->label : job->inputs[1].name;
            for (int e = 0; e < nd; e++)
                snprintf(v + strlen(v), sizeof v - strlen(v), "%s%lld", e ? "," : "",
                         (long long)job->opts.origin[e]);
            if (nd > 1) snprintf(what, sizeof what, ": the %s origin %lld", axes[nd - 1][d], o);
            return io_fail(err, CLCONV_EINVAL, "%s: %s%s lies outside the kernel's %zu %s%s; it "
                           "must lie in %lld ... %lld (as scipy.ndimage requires)", name,
                           spell(job, a, sizeof a, "origin", v), what, k, units[nd - 1][d],
                           k == 1 ? "" : "s", lo, hi);
        }
    }
    return 0;
}

/* The out_dtype option as the face spells it (--out-dtype, out_dtype=). */
#define OUT_DTYPE_WORD(job) ((job)->query_words ? "out_dtype" : "out-dtype")

/* A float or complex out_dtype is the precision too: the device writes the
 * type it computes in (complex64 float32's, complex128 float64's). */
static int out_dtype_precision(conv_job *job, io_error *err)
{
    if (!job->out_dtype_given || job->out_dtype == CONV_OUT_SAME ||
        job->out_dtype == CLCONV_U8 || job->out_dtype == CLCONV_U16 ||
        job->out_dtype == CLCONV_I16)
        return 0;
    const int real = job->out_dtype == CLCONV_F64 || job->out_dtype == CLCONV_C128 ? CLCONV_F64
                                                                                   : CLCONV_F32;
    if (job->precision >= 0 && job->precision != real) {
        char a[64], b[64];
        return io_fail(err, CLCONV_EINVAL,
                       "%s asks for a %s result but %s computes in the other precision; give one "
                       "of them",
                       spell(job, a, sizeof a, OUT_DTYPE_WORD(job),
                             clconv_dtype_name((clconv_dtype)job->out_dtype)),
                       clconv_dtype_name((clconv_dtype)job->out_dtype),
                       spell(job, b, sizeof b, "precision",
                             job->precision == CLCONV_F64 ? "f64" : "f32"));
    }
    job->precision = real;
    return 0;
}

/* The signal's natural integer dtype (a .npy of |u1, <u2 or <i2, an 8- or
 * 16-bit image), or -1. */
static int natural_int(const conv_job *job, const conv_input *sig)
{
    if (sig->nf_open) {
        switch (sig->nf.type) {
        case NPY_U1: return CLCONV_U8;
        case NPY_U2: return CLCONV_U16;
        case NPY_I2: return CLCONV_I16;
        default: return -1;
        }
    }
    if (job->image_in && job->maxval == 255) return CLCONV_U8;
    if (job->image_in && job->maxval == 65535) return CLCONV_U16;
    return -1;
}

/* The out_dtype option's value as the face spells it. */
static const char *out_dtype_spelled(const conv_job *job, char *buf, size_t size)
{
    return spell(job, buf, size, OUT_DTYPE_WORD(job),
                 job->out_dtype == CONV_OUT_SAME ? "same"
                                                 : clconv_dtype_name((clconv_dtype)job->out_dtype));
}

/* The dtypes of a job with a complex input, an integer signal kept as
 * choose_storage set it: the complex type of the
 * precision for the complex operands and the result (promoted as NumPy
 * promotes: complex64 with float32 stays complex64, anything with float64
 * or complex128 is complex128, decided with the precision). The separable
 * typed forms take real factors, so complex factors run with every operand
 * complex. Images are real, and so is text (which the writers refuse). */
static int choose_complex(conv_job *job, const conv_input *in, int kernel_complex, io_error *err)
{
    const clconv_dtype cplx = job->precision == CLCONV_F64 ? CLCONV_C128 : CLCONV_C64;
    char a[64];
    if (job->image_in) {
        return io_fail(err, CLCONV_EINVAL,
                       "%s: an image is real, and a complex kernel makes a complex result; give "
                       "the image's samples as a .npy array", in[0].label);
    }
    if (in[0].complex || (job->separable && kernel_complex)) job->in_store = cplx;
    if (kernel_complex) job->k_store = cplx;
    job->out_store = cplx;
    if (!job->out_dtype_given || job->out_dtype == (int)cplx ||
        (job->out_dtype == CONV_OUT_SAME && in[0].complex))
        return 0;
    return io_fail(err, CLCONV_EINVAL, "%s: the result of complex inputs in %s is %s",
                   out_dtype_spelled(job, a, sizeof a),
                   clconv_dtype_name((clconv_dtype)job->precision), clconv_dtype_name(cplx));
}

/* Chooses the dtypes of the signal, the kernel and the result. An integer
 * signal stays integer all the way to the device, which converts it on
 * every path (a quarter of float32's bytes for 8 bits); the result is the
 * precision unless an out_dtype names another type. A complex input makes
 * the job complex (choose_complex). */
static int choose_storage(conv_job *job, const conv_input *in, io_error *err)
{
    const conv_input *sig = &in[0];
    const clconv_dtype dtype = (clconv_dtype)job->precision;
    const int natural = natural_int(job, sig);
    int kernel_complex = 0;
    for (int i = 1; i < job->n_inputs; i++) kernel_complex |= in[i].complex;
    job->in_store = job->k_store = job->out_store = dtype;
    if (natural >= 0) job->in_store = (clconv_dtype)natural;
    if (sig->complex || kernel_complex) return choose_complex(job, in, kernel_complex, err);
    if (!job->out_dtype_given) return 0;
    char a[64];
    if (job->out_dtype == CLCONV_C64 || job->out_dtype == CLCONV_C128) {
        return io_fail(err, CLCONV_EINVAL, "%s: complex results come from complex inputs (a "
                       ".npy of complex64 or complex128)", out_dtype_spelled(job, a, sizeof a));
    }
    if (job->out_dtype >= 0) {
        job->out_store = (clconv_dtype)job->out_dtype;
    } else if (natural >= 0) {
        job->out_store = (clconv_dtype)natural;
    } else if (sig->nf_open && sig->nf.type != NPY_F4 && sig->nf.type != NPY_F8) {
        return io_fail(err, CLCONV_EINVAL,
                       "%s: %s holds %s, which no result can be (float32, float64, uint8, uint16 "
                       "or int16); name the result's dtype",
                       out_dtype_spelled(job, a, sizeof a), sig->name, sig->nf.descr);
    }
    return 0;
}

int conv_job_read(conv_job *job, io_error *err)
{
    conv_input in[CONV_MAX_INPUTS];
    memset(in, 0, sizeof in);
    int status = conv_job_check_options(job, err);
    int n = job->n_inputs;
    for (int i = 0; i < n && status == 0; i++) status = load_input(job, i, &in[i], err);
    if (status == 0) status = check_origin(job, in, err);
    if (status == 0) status = out_dtype_precision(job, err);
    if (status == 0 && job->precision < 0) {
        /* Inputs that carry a type vote; text and presets adapt. A real
         * job runs in float64 when every vote is float64; a complex one
         * promotes as NumPy does, to complex128 when any is 64-bit. */
        int any = 0, all_f64 = 1, any_f64 = 0, cplx = 0;
        for (int i = 0; i < n; i++) {
            if (in[i].vote < 0) continue;
            any = 1;
            all_f64 &= in[i].vote == CLCONV_F64;
            any_f64 |= in[i].vote == CLCONV_F64;
            cplx |= in[i].complex;
        }
        job->precision = (cplx ? any_f64 : any && all_f64) ? CLCONV_F64 : CLCONV_F32;
    }
    clconv_dtype dtype = (clconv_dtype)job->precision;
    if (status == 0) status = choose_storage(job, in, err);
    /* A separable preset filled slots 2 and on, which have no inputs of
     * their own. */
    int slots = job->separable ? 1 + job->dims : 2;
    for (int i = 0; i < slots && status == 0; i++) {
        const char *name = i < n ? in[i].name : in[1].name;
        const clconv_dtype want = i == 0 ? job->in_store : job->k_store;
        if (in[i].nf_open) {
            status = npy_read(&in[i].nf, want, &job->in[i], err);
        } else if (want != dtype && want != CLCONV_C64 && want != CLCONV_C128) {
            /* An image's float64 planes hold whole samples: exact. */
            status = real_array_recast(&job->in[i], want, name, err);
        } else {
            /* Text and presets are float64, made complex where wanted. */
            status = real_array_convert(&job->in[i], want, name, err);
        }
        if (status == 0) status = real_array_check_finite(&job->in[i], name, err);
    }
    for (int i = 0; i < n; i++) {
        npy_close(&in[i].nf);
        free(in[i].bytes);
    }
    return status;
}

/* A conv1d signal as (outer, n, inner): n samples along the axis, outer
 * batches before it and inner after it in memory; *axis its index. */
static void axis_layout(const conv_job *job, int *axis, size_t *outer, size_t *n, size_t *inner)
{
    const real_array *sig = &job->in[0];
    int ax = sig->ndim - 1;
    if (job->axis_given) ax = job->axis < 0 ? job->axis + sig->ndim : job->axis;
    *outer = *inner = 1;
    for (int d = 0; d < ax; d++) *outer *= sig->shape[d];
    for (int d = ax + 1; d < sig->ndim; d++) *inner *= sig->shape[d];
    *n = sig->shape[ax];
    *axis = ax;
}

int conv_job_make_output(conv_job *job, const char *name, io_error *err)
{
    const real_array *sig = &job->in[0];
    /* The signal's shape with each convolved axis sized for the mode:
     * conv1d's axis, or conv2d's last two and conv3d's last three (behind a
     * stack's images or volumes, or an image's planes). */
    int ax = -1;
    if (job->dims == 1) {
        size_t outer, n, inner, k = job->in[1].count;
        axis_layout(job, &ax, &outer, &n, &inner);
        if (job->opts.mode == CLCONV_MODE_VALID && k > n && inner > 1) {
            /* As scipy.signal.convolve, with the kernel shaped along the
             * axis: one input must be as large as the other in every
             * dimension. */
            char a[32], b[128], c[128], text[128];
            const conv_source *src = &job->inputs[0];
            snprintf(a, sizeof a, "%d", job->axis);
            shape_format(text, sizeof text, sig->ndim, sig->shape);
            return io_fail(err, CLCONV_EINVAL, "%s: %s along %s needs at least the kernel's %zu "
                           "samples on that axis; shape %s has %zu (as in scipy.signal)",
                           src->label ? src->label : src->name,
                           spell(job, c, sizeof c, "mode", "valid"),
                           spell(job, b, sizeof b, "axis", a), k, text, n);
        }
    }
    size_t shape[ARRAY_MAX_DIMS];
    size_t count = 1;
    for (int d = 0; d < sig->ndim; d++) {
        int e = d - (sig->ndim - job->dims);
        size_t k = 0;
        if (job->dims == 1 && d == ax) {
            k = job->in[1].count;
        } else if (job->dims > 1 && e >= 0) {
            /* A separable kernel's extent in dimension e is the length of
             * input 1 + e (2-D: KCOL for rows, KROW for columns). */
            k = job->separable ? job->in[1 + e].shape[0] : job->in[1].shape[e];
        }
        shape[d] = sig->shape[d];
        int status = k ? clconv_conv_output_size(sig->shape[d], k, job->opts.mode, &shape[d]) : 0;
        if (status < 0) {
            return io_fail(err, status, "cannot size the output: %s: %s", clconv_strerror(status),
                           clconv_last_error(NULL));
        }
        if (shape[d] && count > SIZE_MAX / shape[d])
            return io_fail(err, CLCONV_EOVERFLOW, "cannot size the output: its size overflows");
        count *= shape[d];
    }
    if (job->max_elements && count > job->max_elements) {
        return io_fail(err, CLCONV_EOVERFLOW,
                       "the result would have %zu elements, over the server's limit of %zu", count,
                       job->max_elements);
    }
    return real_array_alloc(&job->out, job->out_store, sig->ndim, shape, name, err);
}

size_t conv_job_batch(const conv_job *job)
{
    if (job->image_in) return (size_t)(job->channels - job->alpha);
    if (job->dims == 1) {
        int ax;
        size_t outer, n, inner;
        axis_layout(job, &ax, &outer, &n, &inner);
        return outer * inner;
    }
    return job->batch ? job->in[0].shape[0] : 1;
}

void conv_job_pass_alpha(conv_job *job)
{
    if (!job->alpha) return;
    /* Mode same: the alpha plane keeps its size and its values (converted
     * where the result's dtype is not the input's). */
    size_t batch = conv_job_batch(job);
    size_t plane = job->out.count / (size_t)job->channels;
    for (size_t i = batch * plane; i < (batch + 1) * plane; i++)
        real_array_set(&job->out, i, real_array_get(&job->in[0], i));
}

int conv_job_run(conv_job *job, clconv_runtime *rt)
{
    const real_array *sig = &job->in[0], *a = job->in;
    /* The typed forms take each operand's dtype: the signal's storage
     * (integer, real or complex), the kernel's and the result's. */
    const clconv_dtype is = job->in_store, ks = job->k_store, os = job->out_store;
    size_t batch = conv_job_batch(job);
    size_t rows = sig->shape[sig->ndim - 2 + (job->dims == 1)];
    size_t cols = sig->shape[sig->ndim - 1];
    /* Complex separable factors have every operand complex (see
     * choose_complex), which the single-dtype separable forms take. */
    const int complex_factors = ks == CLCONV_C64 || ks == CLCONV_C128;
    int status;
    if (job->dims == 1) {
        int ax;
        size_t outer, n, inner;
        axis_layout(job, &ax, &outer, &n, &inner);
        /* Along the last axis, rows of samples; along another, the columns
         * of outer images of n x inner convolved with a k x 1 kernel, so
         * no transpose on the host. */
        if (inner == 1) {
            status = clconv_conv1d_host_typed(rt, is, sig->data, n, outer, ks, a[1].data,
                                              a[1].count, os, job->out.data, &job->opts);
        } else {
            status = clconv_conv2d_host_typed(rt, is, sig->data, n, inner, outer, ks, a[1].data,
                                              a[1].count, 1, os, job->out.data, &job->opts);
        }
    } else if (job->dims == 3) {
        const size_t *v = sig->shape + sig->ndim - 3;
        if (job->separable && complex_factors) {
            status = clconv_conv3d_separable_host(rt, ks, sig->data, v[0], v[1], v[2], batch,
                                                  a[1].data, a[1].count, a[2].data, a[2].count,
                                                  a[3].data, a[3].count, job->out.data,
                                                  &job->opts);
        } else if (job->separable) {
            status = clconv_conv3d_separable_host_typed(
                rt, is, sig->data, v[0], v[1], v[2], batch, ks, a[1].data, a[1].count, a[2].data,
                a[2].count, a[3].data, a[3].count, os, job->out.data, &job->opts);
        } else {
            status = clconv_conv3d_host_typed(rt, is, sig->data, v[0], v[1], v[2], batch, ks,
                                              a[1].data, a[1].shape[0], a[1].shape[1],
                                              a[1].shape[2], os, job->out.data, &job->opts);
        }
    } else if (job->separable && complex_factors) {
        status = clconv_conv2d_separable_host(rt, ks, sig->data, rows, cols, batch, a[1].data,
                                              a[1].count, a[2].data, a[2].count, job->out.data,
                                              &job->opts);
    } else if (job->separable) {
        status = clconv_conv2d_separable_host_typed(rt, is, sig->data, rows, cols, batch, ks,
                                                    a[1].data, a[1].count, a[2].data, a[2].count,
                                                    os, job->out.data, &job->opts);
    } else {
        status = clconv_conv2d_host_typed(rt, is, sig->data, rows, cols, batch, ks, a[1].data,
                                          a[1].shape[0], a[1].shape[1], os, job->out.data,
                                          &job->opts);
    }
    if (status < 0) return status;
    conv_job_pass_alpha(job);
    return 0;
}

void conv_job_free(conv_job *job)
{
    for (int i = 0; i < CONV_MAX_INPUTS; i++) real_array_free(&job->in[i]);
    real_array_free(&job->out);
}
