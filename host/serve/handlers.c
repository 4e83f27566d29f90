/*
 * The jobs behind POST /v1/conv1d, /v1/conv2d, /v1/conv3d and /v1/dist,
 * run on a device's worker: turn the request's parts and parameters into a
 * conv job or its specs into a dist job (the jobs the command runs too), run
 * it on the device's warm runtime and encode the answer (.npy, the input's
 * image format, or the dist JSON). The jobs and formats of host/io return
 * status codes and fill an error record; the record's message becomes the
 * answer's error line and the code its HTTP status, through one table
 * (serve_http_status).
 */
#include "serve_internal.h"

#include "array.h"
#include "conv_job.h"
#include "dist_job.h"
#include "npy.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *const serve_part_names[PART_COUNT] = {"input", "kernel", "kdepth", "kcol", "krow"};

int buffer_append(serve_buffer *b, const char *data, size_t n)
{
    /* An empty part arrives as a call with no bytes, perhaps with a NULL
     * data, into a buffer not yet allocated: memcpy and the pointer
     * arithmetic below are undefined for NULL even with n == 0. */
    if (n == 0) return 0;
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
    return (io_now_s() - t) * 1e3;
}

unsigned serve_http_status(int st)
{
    switch (st) {
    case CLCONV_EINVAL:
    case CLCONV_ENOTSUP:
    case CLCONV_EFORMAT:
    case CLCONV_ERANGE: return 400;
    case CLCONV_EOVERFLOW: return 413;
    case CLCONV_ENOMEM:
    case CLCONV_EDEVMEM: return 503;
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

/* A job's failure with status st (< 0), its message in err. */
static void fail_io(serve_work *w, int st, const io_error *err)
{
    fail(w, serve_http_status(st), "%s", err->message);
}

static void note_device(serve_work *w, serve_device *dev)
{
    snprintf(w->device, sizeof w->device, "%s", dev->info.name);
    w->device_index = dev->index;
    w->ran = 1;
}

/* ---- convolution -------------------------------------------------------- */

void handle_make_job(serve_work *w, conv_job *job)
{
    static const char *const labels[PART_COUNT] = {"part 'input'", "part 'kernel'",
                                                    "part 'kdepth'", "part 'kcol'",
                                                    "part 'krow'"};
    /* The kernel's parts by dimensions: a kernel, or its factors. */
    static const int kernel_parts[3][3] = {{PART_KERNEL}, {PART_KCOL, PART_KROW},
                                           {PART_KDEPTH, PART_KCOL, PART_KROW}};
    /* An empty part holds no buffer: whether it was given is in present[]. */
    int sep_parts = w->present[PART_KCOL];
    job->dims = 1 + (int)(w->ep - EP_CONV1D);
    job->separable = sep_parts;
    job->n_inputs = sep_parts ? 1 + job->dims : 2;
    job->batch = w->batch;
    job->axis_given = w->axis_given;
    job->axis = w->axis;
    job->query_words = 1;
    job->precision = w->precision;
    job->out_dtype_given = w->out_dtype_given;
    job->out_dtype = w->out_dtype;
    job->opts = w->opts;
    job->mode_given = w->mode_given;
    job->max_elements = w->limits->max_elements;
    job->batch_words = "batch=1";
    job->same_words = "mode=same";
    job->rank_hint = w->batch                ? ""
                     : w->ep == EP_CONV1D ? " (batch=1 takes a stack, axis=N 1 to 3 dimensions)"
                                          : " (batch=1 takes a stack)";
    for (int i = 0; i < job->n_inputs; i++) {
        int part = i == 0 ? PART_INPUT : kernel_parts[sep_parts ? job->dims - 1 : 0][i - 1];
        conv_source *src = &job->inputs[i];
        src->name = serve_part_names[part];
        src->label = labels[part];
        if (i > 0 && w->preset) {
            src->preset = w->preset;
            job->n_inputs = 2;
            break;
        }
        /* Never NULL: a source without data would be taken for a path. */
        src->data = w->parts[part].data ? w->parts[part].data : "";
        src->size = w->parts[part].size;
    }
}

/* The answer: .npy, or an image in the input image's format. */
static int encode(serve_work *w, const conv_job *job)
{
    const real_array *out = &job->out;
    if (job->image_in) {
        image img = {*out, job->channels, job->alpha, job->maxval};
        void *data = NULL;
        image_kind kind = job->image_kind == IMAGE_PNG ? IMAGE_PNG
                          : job->channels - job->alpha == 1 ? IMAGE_PGM : IMAGE_PPM;
        io_error err;
        int st = image_encode_mem(&data, &w->body_size, "answer", kind, &img, w->normalize, &err);
        if (st < 0) {
            fail_io(w, st, &err);
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
    io_error err;
    int st = npy_write(m, "answer", out, &err);
    if (fclose(m) != 0 && st == 0)
        st = io_fail(&err, CLCONV_ENOMEM, "out of memory for the answer");
    if (st < 0) {
        /* Writing into memory fails only for want of it. */
        fail(w, 503, "%s", err.message);
        return -1;
    }
    w->content_type = "application/x-npy";
    return 0;
}

void handle_conv(serve_work *w, serve_device *dev)
{
    conv_job job = {0};
    handle_make_job(w, &job);
    io_error err;
    double t0 = io_now_s();
    int st = conv_job_read(&job, &err);
    if (st == 0) st = conv_job_make_output(&job, "result", &err);
    if (st < 0) fail_io(w, st, &err);
    w->upload_ms += ms_since(t0);
    double t1 = io_now_s();
    int ok = st == 0;
    if (ok) {
        note_device(w, dev);
        st = conv_job_run(&job, dev->rt);
        if (st < 0) {
            fail(w, serve_http_status(st), "%s: %s", clconv_strerror(st),
                 clconv_last_error(dev->rt));
            ok = 0;
        }
        w->chosen = job.opts.chosen;
    }
    w->compute_ms = ms_since(t1);
    double t2 = io_now_s();
    if (ok) ok = encode(w, &job) == 0;
    w->download_ms = ms_since(t2);
    if (ok) w->status = 200;
    conv_job_free(&job);
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
        fail(w, 413, "the result would have about %.3g entries, over the server's limit of %zu",
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
    job.count = w->count;
    job.max_entries = w->limits->max_elements;
    spec_input *inputs = NULL;
    dist_result res = {0};
    io_error err;
    double t0 = io_now_s();
    int st = dist_inputs_load(&job, &inputs, &err);
    if (st < 0) fail_io(w, st, &err);
    int ok = st == 0 && dist_size_ok(w, &job, inputs) == 0;
    w->upload_ms += ms_since(t0);
    double t1 = io_now_s();
    if (ok) {
        note_device(w, dev);
        if (!dev->info.fp64) {
            fail(w, 400, "device '%s' lacks float64, which distributions need", dev->info.name);
            ok = 0;
        } else {
            st = dist_job_run(&job, dev->rt, inputs, &res, &err);
            if (st < 0) fail_io(w, st, &err);
            ok = st == 0;
        }
        w->chosen = res.method;
    }
    w->compute_ms = ms_since(t1);
    double t2 = io_now_s();
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
    if (ok) w->status = 200;
    dist_inputs_free(&job, inputs);
    dist_result_free(&res);
}
