/*
 * The jobs behind POST /v1/conv1d, /v1/conv2d and /v1/dist, run on a
 * device's worker: decode the request's .npy or image parts, or build its
 * kernel preset, or take its specs; check them as the command does; compute
 * on the device's warm runtime and encode the answer (.npy, the input's
 * image format, or the dist JSON). The command's own readers and the dist job of
 * host/cli report through cli_error, captured here into the answer's one
 * error line. Every failure caused by the input is a 400.
 */
#include "serve_internal.h"

#include "array.h"
#include "cli.h"
#include "dist_job.h"
#include "image.h"
#include "npy.h"
#include "preset.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *const serve_part_names[PART_COUNT] = {"input", "kernel", "kcol", "krow"};

int buffer_append(serve_buffer *b, const char *data, size_t n)
{
    if (n > b->cap - b->size) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->size < n) {
            if (cap > SIZE_MAX / 2) return -1;
            cap *= 2;
        }
        char *d = realloc(b->data, cap);
        if (!d) return -1;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->size, data, n);
    b->size += n;
    return 0;
}

static double ms_since(double t)
{
    return (cli_now_s() - t) * 1e3;
}

/* The HTTP status of a library failure: what the input asked for is a 400,
 * a lack of memory a 503 (another moment may succeed), the rest the
 * device's fault. */
static unsigned library_status(int st)
{
    switch (st) {
    case CLCONV_ENOMEM:
    case CLCONV_EDEVMEM: return 503;
    case CLCONV_EINVAL:
    case CLCONV_ENOTSUP:
    case CLCONV_EOVERFLOW:
    case CLCONV_EFORMAT:
    case CLCONV_ERANGE: return 400;
    default: return 500;
    }
}

static void fail(serve_work *w, unsigned status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void fail(serve_work *w, unsigned status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->error, sizeof w->error, fmt, ap);
    va_end(ap);
    w->status = status;
}

static void note_device(serve_work *w, serve_device *dev)
{
    snprintf(w->device, sizeof w->device, "%s", dev->info.name);
    w->device_index = dev->index;
    w->ran = 1;
}

/* ---- convolution -------------------------------------------------------- */

/* What the inputs of one convolution were read into: the signal or image,
 * then the kernel or its column and row factors. */
typedef struct conv_inputs {
    real_array a[3];
    int n;               /* 2, or 3 when separable */
    int separable;
    int image;           /* the input was an image: a[0] holds its planes */
    image_kind kind;     /* the image's format, for the answer */
    int channels, alpha;
    unsigned maxval;
} conv_inputs;

static int is_npy(const serve_buffer *b)
{
    return b->size >= 6 && memcmp(b->data, "\x93NUMPY", 6) == 0;
}

static image_kind image_kind_of(const serve_buffer *b)
{
    if (b->size >= 8 && memcmp(b->data, "\x89PNG\r\n\x1a\n", 8) == 0) return IMAGE_PNG;
    if (b->size >= 2 && b->data[0] == 'P' && strchr("2356", b->data[1]) && b->data[1])
        return b->data[1] == '2' || b->data[1] == '5' ? IMAGE_PGM : IMAGE_PPM;
    return IMAGE_ANY;
}

/* Checks an array's rank, emptiness and size against the endpoint. */
static int check_shape(serve_work *w, const char *name, int want, int ndim, const size_t *shape,
                       size_t count, int is_signal)
{
    char text[128];
    shape_format(text, sizeof text, ndim, shape);
    if (ndim != want) {
        fail(w, 400, "part '%s': expected a %d-D array, got shape %s%s", name, want, text,
             is_signal && ndim == want + 1 && !w->batch ? " (batch=1 takes a stack)" : "");
        return -1;
    }
    if (count == 0) {
        fail(w, 400, "part '%s': empty array (shape %s)", name, text);
        return -1;
    }
    if (count > w->limits->max_elements) {
        fail(w, 400, "part '%s': %zu elements, over the server's limit of %zu", name, count,
             w->limits->max_elements);
        return -1;
    }
    return 0;
}

/* Reads every input: every .npy header is checked before any data is read,
 * and the precision is decided as the command decides it (float64 when every
 * .npy input is float64 and no image is involved; presets do not vote). */
static int read_inputs(serve_work *w, int dims, conv_inputs *in)
{
    static const int kernel_parts[2][2] = {{PART_KERNEL, -1}, {PART_KCOL, PART_KROW}};
    const serve_buffer *input = &w->parts[PART_INPUT];
    npy_file files[3];
    int opened = 0, status = 0, all_f64 = 1, voters = 0;
    int sep_parts = w->parts[PART_KCOL].data != NULL;
    in->separable = sep_parts;
    in->n = sep_parts ? 3 : 2;

    if (!is_npy(input) && dims == 2 && image_kind_of(input) != IMAGE_ANY) {
        image img;
        if (w->batch) {
            fail(w, 400, "part 'input': an image's colour channels are its batch; batch=1 is "
                 "for .npy stacks");
            return -1;
        }
        if (image_decode(input->data, input->size, image_kind_of(input), "input",
                         w->limits->max_elements, &img) != CLI_OK) {
            w->status = 400;
            return -1;
        }
        in->a[0] = img.planes;
        in->image = 1;
        in->kind = image_kind_of(input);
        in->channels = img.channels;
        in->alpha = img.alpha;
        in->maxval = img.maxval;
        all_f64 = 0;
        if (!w->mode_given) w->opts.mode = CLCONV_MODE_SAME;
        if (img.alpha && w->opts.mode != CLCONV_MODE_SAME) {
            fail(w, 400, "part 'input': the alpha channel is passed through unchanged, so an "
                 "image with alpha needs mode=same");
            return -1;
        }
        if (check_shape(w, "input", 3, img.planes.ndim, img.planes.shape, img.planes.count, 0))
            return -1;
    } else {
        if (npy_open_mem(&files[0], input->data, input->size, "input") != CLI_OK) {
            w->status = 400;
            return -1;
        }
        opened = 1;
        status = check_shape(w, "input", dims + w->batch, files[0].ndim, files[0].shape,
                             files[0].count, 1);
        all_f64 &= files[0].type == NPY_F8;
        voters++;
    }
    if (w->preset) {
        preset_kernel pk;
        if (status == 0 && preset_make(w->preset, dims, &pk) != CLI_OK) {
            w->status = 400;
            status = -1;
        }
        if (status == 0) {
            in->a[1] = pk.kernel;
            in->separable = pk.separable;
            in->n = pk.separable ? 3 : 2;
            if (pk.separable) in->a[2] = pk.row;
        }
    } else {
        for (int k = 0; status == 0 && k < in->n - 1; k++) {
            const int part = kernel_parts[sep_parts][k];
            const serve_buffer *b = &w->parts[part];
            if (npy_open_mem(&files[opened], b->data, b->size, serve_part_names[part]) != CLI_OK) {
                w->status = 400;
                status = -1;
                break;
            }
            npy_file *nf = &files[opened++];
            status = check_shape(w, serve_part_names[part], sep_parts ? 1 : dims, nf->ndim,
                                 nf->shape, nf->count, 0);
            all_f64 &= nf->type == NPY_F8;
            voters++;
        }
    }
    if (w->precision < 0) w->precision = voters && all_f64 ? CLCONV_F64 : CLCONV_F32;
    /* files[] holds the .npy inputs in the order of in->a's slots that are
     * not already filled by an image or a preset. */
    for (int i = 0, f = 0; status == 0 && i < in->n; i++) {
        if (in->a[i].data) {
            /* A preset or an image: float64 until now. */
            if (real_array_convert(&in->a[i], (clconv_dtype)w->precision, "input") != CLI_OK) {
                w->status = 400;
                status = -1;
            }
            continue;
        }
        const char *name = files[f].path;
        if (npy_read(&files[f++], (clconv_dtype)w->precision, &in->a[i]) != CLI_OK ||
            real_array_check_finite(&in->a[i], name) != CLI_OK) {
            w->status = 400;
            status = -1;
        }
    }
    for (int f = 0; f < opened; f++) npy_close(&files[f]);
    return status;
}

static int make_output(serve_work *w, int dims, const conv_inputs *in, real_array *out)
{
    const real_array *sig = &in->a[0];
    size_t shape[3];
    int ndim = 0;
    size_t count = 1;
    if (w->batch || in->image) count = shape[ndim++] = sig->shape[0];
    for (int d = 0; d < dims; d++) {
        size_t n = sig->shape[sig->ndim - dims + d];
        size_t k = in->separable ? in->a[1 + d].shape[0] : in->a[1].shape[d];
        int st = clconv_conv_output_size(n, k, w->opts.mode, &shape[ndim]);
        if (st < 0 || (shape[ndim] && count > SIZE_MAX / shape[ndim])) {
            fail(w, 400, "the result's size overflows");
            return -1;
        }
        count *= shape[ndim++];
    }
    if (count > w->limits->max_elements) {
        fail(w, 400, "the result would have %zu elements, over the server's limit of %zu", count,
             w->limits->max_elements);
        return -1;
    }
    if (real_array_alloc(out, (clconv_dtype)w->precision, ndim, shape, "result") != CLI_OK) {
        w->status = 503;
        return -1;
    }
    return 0;
}

static int convolve(serve_work *w, clconv_runtime *rt, int dims, const conv_inputs *in,
                    real_array *out)
{
    const real_array *sig = &in->a[0], *a = in->a;
    clconv_dtype dtype = (clconv_dtype)w->precision;
    size_t batch = w->batch ? sig->shape[0] : 1;
    if (in->image) batch = (size_t)(in->channels - in->alpha);
    int st;
    if (dims == 1)
        st = clconv_conv1d_host(rt, dtype, sig->data, sig->shape[sig->ndim - 1], batch, a[1].data,
                                a[1].count, out->data, &w->opts);
    else if (in->separable)
        st = clconv_conv2d_separable_host(rt, dtype, sig->data, sig->shape[sig->ndim - 2],
                                          sig->shape[sig->ndim - 1], batch, a[1].data,
                                          a[1].count, a[2].data, a[2].count, out->data, &w->opts);
    else
        st = clconv_conv2d_host(rt, dtype, sig->data, sig->shape[sig->ndim - 2],
                                sig->shape[sig->ndim - 1], batch, a[1].data, a[1].shape[0],
                                a[1].shape[1], out->data, &w->opts);
    if (st < 0) {
        fail(w, library_status(st), "%s: %s", clconv_strerror(st), clconv_last_error(rt));
        return -1;
    }
    if (in->alpha) {
        /* Mode same: the alpha plane keeps its size and is copied as is. */
        size_t plane = out->count / (size_t)in->channels * clconv_dtype_size(dtype);
        memcpy((char *)out->data + batch * plane, (const char *)sig->data + batch * plane, plane);
    }
    w->chosen = w->opts.chosen;
    return 0;
}

/* The answer: .npy, or an image in the input image's format. */
static int encode(serve_work *w, const conv_inputs *in, const real_array *out)
{
    if (in->image) {
        image img = {*out, in->channels, in->alpha, in->maxval};
        void *data = NULL;
        image_kind kind = in->kind == IMAGE_PNG ? IMAGE_PNG
                          : in->channels - in->alpha == 1 ? IMAGE_PGM : IMAGE_PPM;
        if (image_encode_mem(&data, &w->body_size, "answer", kind, &img, w->normalize) != CLI_OK) {
            w->status = 400;
            return -1;
        }
        w->body = data;
        w->content_type = kind == IMAGE_PNG ? "image/png"
                          : kind == IMAGE_PGM ? "image/x-portable-graymap"
                                              : "image/x-portable-pixmap";
        return 0;
    }
    FILE *m = open_memstream(&w->body, &w->body_size);
    if (!m) {
        fail(w, 503, "out of memory for the answer");
        return -1;
    }
    int st = npy_write(m, "answer", out);
    if (fclose(m) != 0 || st != CLI_OK) {
        w->status = 503;
        return -1;
    }
    w->content_type = "application/x-npy";
    return 0;
}

void handle_conv(serve_work *w, serve_device *dev)
{
    const int dims = w->ep == EP_CONV1D ? 1 : 2;
    conv_inputs in = {0};
    real_array out = {0};
    double t0 = cli_now_s();
    cli_error_capture(w->error, sizeof w->error);
    int ok = read_inputs(w, dims, &in) == 0 && make_output(w, dims, &in, &out) == 0;
    w->upload_ms += ms_since(t0);
    double t1 = cli_now_s();
    if (ok) {
        note_device(w, dev);
        ok = convolve(w, dev->rt, dims, &in, &out) == 0;
    }
    w->compute_ms = ms_since(t1);
    double t2 = cli_now_s();
    if (ok) ok = encode(w, &in, &out) == 0;
    w->download_ms = ms_since(t2);
    cli_error_capture(NULL, 0);
    if (ok) w->status = 200;
    /* A failure a reader reported through cli_error is the input's fault. */
    if (!ok && w->status == 0) w->status = 400;
    real_array_free(&out);
    for (int i = 0; i < 3; i++) real_array_free(&in.a[i]);
}

/* ---- distributions ------------------------------------------------------- */

/* The entries of the result, from the specs' supports, before any device
 * work: a request for 10^9 dice is refused, not attempted. */
static int dist_size_ok(serve_work *w, const dist_job *job, const spec_input *in)
{
    const double limit = (double)w->limits->max_elements;
    double entries = 1;
    for (int i = 0; i < job->n_specs; i++) {
        double len = (double)in[i].layout.len[0] * (double)in[i].layout.len[1];
        entries += (len - 1) * (double)in[i].copies;
    }
    entries = (entries - 1) * (double)job->times + 1;
    if (entries > limit) {
        fail(w, 400, "the result would have about %.3g entries, over the server's limit of %zu",
             entries, w->limits->max_elements);
        return -1;
    }
    return 0;
}

void handle_dist(serve_work *w, serve_device *dev)
{
    dist_job job = {0};
    job.specs = (const char **)w->specs;
    job.n_specs = w->n_specs;
    job.times = w->times;
    job.method = w->dist_method;
    job.trim = w->trim;
    job.flags = w->dist_normalize ? CLCONV_DIST_NORMALIZE : 0;
    job.inline_only = 1;
    job.max_entries = w->limits->max_elements;
    spec_input *inputs = NULL;
    dist_result res = {0};
    double t0 = cli_now_s();
    cli_error_capture(w->error, sizeof w->error);
    int ok = dist_inputs_load(&job, &inputs) == CLI_OK && dist_size_ok(w, &job, inputs) == 0;
    w->upload_ms += ms_since(t0);
    double t1 = cli_now_s();
    if (ok) {
        note_device(w, dev);
        if (!dev->info.fp64) {
            fail(w, 400, "device '%s' lacks float64, which distributions need", dev->info.name);
            ok = 0;
        } else {
            ok = dist_job_run(&job, dev->rt, inputs, &res) == CLI_OK;
        }
        w->chosen = res.method;
    }
    w->compute_ms = ms_since(t1);
    double t2 = cli_now_s();
    if (ok) {
        FILE *m = open_memstream(&w->body, &w->body_size);
        if (m) dist_write_json(m, &res);
        if (!m || fclose(m) != 0) {
            fail(w, 503, "out of memory for the answer");
            ok = 0;
        }
        w->content_type = "application/json";
    }
    w->download_ms = ms_since(t2);
    cli_error_capture(NULL, 0);
    /* A failure the dist job reported is the input's fault unless the
     * status says otherwise (its library errors are input errors too). */
    if (!ok && w->status == 0) w->status = 400;
    if (ok) w->status = 200;
    dist_inputs_free(&job, inputs);
    dist_result_free(&res);
}
