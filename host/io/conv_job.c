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
} conv_input;

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
    in->vote = in->nf.type == NPY_F8 ? CLCONV_F64 : CLCONV_F32;
    return check_shape(job, i, in, in->nf.ndim, in->nf.shape, in->nf.count, err);
}

/* A text input: a single row or column is 1-D where 1-D is wanted. */
static int load_text(conv_job *job, int i, conv_input *in, io_error *err)
{
    real_array *a = &job->in[i];
    IO_FORWARD(csv_parse(in->data, in->size, in->name, a, err));
    if (wanted_rank(job, i) == 1 && (a->shape[0] == 1 || a->shape[1] == 1)) {
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

/* A kernel given as a preset fills kernel slot i; a separable 2-D preset
 * fills slots 1 and 2 and turns the job separable. */
static int load_preset(conv_job *job, int i, const char *spec, io_error *err)
{
    preset_kernel pk;
    IO_FORWARD(preset_make(spec, job->separable ? 1 : job->dims, &pk, err));
    job->in[i] = pk.kernel;
    if (pk.separable) {
        job->in[2] = pk.row;
        job->separable = 1;
    }
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
    if (i > 0 || job->dims == 1) {
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

int conv_job_read(conv_job *job, io_error *err)
{
    conv_input in[CONV_MAX_INPUTS];
    memset(in, 0, sizeof in);
    int status = 0;
    int n = job->n_inputs;
    for (int i = 0; i < n && status == 0; i++) status = load_input(job, i, &in[i], err);
    if (status == 0 && job->precision < 0) {
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
    /* A separable preset filled slot 2, which has no input of its own. */
    int slots = job->separable ? 3 : 2;
    for (int i = 0; i < slots && status == 0; i++) {
        const char *name = i < n ? in[i].name : in[1].name;
        if (in[i].nf_open) {
            status = npy_read(&in[i].nf, dtype, &job->in[i], err);
        } else {
            status = real_array_convert(&job->in[i], dtype, name, err);
        }
        if (status == 0) status = real_array_check_finite(&job->in[i], name, err);
    }
    for (int i = 0; i < n; i++) {
        npy_close(&in[i].nf);
        free(in[i].bytes);
    }
    return status;
}

int conv_job_make_output(conv_job *job, const char *name, io_error *err)
{
    const real_array *sig = &job->in[0];
    size_t shape[3];
    int ndim = 0;
    size_t count = 1;
    if (job->image_in || job->batch) count = shape[ndim++] = sig->shape[0];
    for (int d = 0; d < job->dims; d++) {
        size_t n = sig->shape[sig->ndim - job->dims + d];
        /* A separable kernel's extent in dimension d is the length of
         * input 1 + d (KCOL for rows, KROW for columns). */
        size_t k = job->separable ? job->in[1 + d].shape[0] : job->in[1].shape[d];
        int status = clconv_conv_output_size(n, k, job->opts.mode, &shape[ndim]);
        if (status < 0) {
            return io_fail(err, status, "cannot size the output: %s: %s", clconv_strerror(status),
                           clconv_last_error(NULL));
        }
        if (shape[ndim] && count > SIZE_MAX / shape[ndim])
            return io_fail(err, CLCONV_EOVERFLOW, "cannot size the output: its size overflows");
        count *= shape[ndim++];
    }
    if (job->max_elements && count > job->max_elements) {
        return io_fail(err, CLCONV_EOVERFLOW,
                       "the result would have %zu elements, over the server's limit of %zu", count,
                       job->max_elements);
    }
    return real_array_alloc(&job->out, (clconv_dtype)job->precision, ndim, shape, name, err);
}

size_t conv_job_batch(const conv_job *job)
{
    if (job->image_in) return (size_t)(job->channels - job->alpha);
    return job->batch ? job->in[0].shape[0] : 1;
}

void conv_job_pass_alpha(conv_job *job)
{
    if (!job->alpha) return;
    /* Mode same: the alpha plane keeps its size and is copied as is. */
    size_t batch = conv_job_batch(job);
    size_t plane = job->out.count / (size_t)job->channels * clconv_dtype_size(job->out.dtype);
    memcpy((char *)job->out.data + batch * plane, (const char *)job->in[0].data + batch * plane,
           plane);
}

int conv_job_run(conv_job *job, clconv_runtime *rt)
{
    const real_array *sig = &job->in[0], *a = job->in;
    clconv_dtype dtype = (clconv_dtype)job->precision;
    size_t batch = conv_job_batch(job);
    size_t rows = sig->shape[sig->ndim - 2 + (job->dims == 1)];
    size_t cols = sig->shape[sig->ndim - 1];
    int status;
    if (job->dims == 1) {
        status = clconv_conv1d_host(rt, dtype, sig->data, cols, batch, a[1].data, a[1].count,
                                    job->out.data, &job->opts);
    } else if (job->separable) {
        status = clconv_conv2d_separable_host(rt, dtype, sig->data, rows, cols, batch, a[1].data,
                                              a[1].count, a[2].data, a[2].count, job->out.data,
                                              &job->opts);
    } else {
        status = clconv_conv2d_host(rt, dtype, sig->data, rows, cols, batch, a[1].data,
                                    a[1].shape[0], a[1].shape[1], job->out.data, &job->opts);
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
