/*
 * The jobs behind POST /v1/conv1d, /v1/conv2d and /v1/dist, run on a
 * device's worker: turn the request's parts and parameters into a conv job
 * or its specs into a dist job (the jobs the command runs too), run it on
 * the device's warm runtime and encode the answer (.npy, the input's image
 * format, or the dist JSON). The jobs and readers of host/cli report through
 * cli_error, captured here into the answer's one error line. Every failure
 * caused by the input is a 400.
 */
#include "serve_internal.h"

#include "array.h"
#include "cli.h"
#include "conv_job.h"
#include "dist_job.h"
#include "npy.h"

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

/* The request's parts and parameters as the conv job's inputs. */
static void make_job(serve_work *w, conv_job *job)
{
    static const char *const labels[PART_COUNT] = {"part 'input'", "part 'kernel'",
                                                    "part 'kcol'", "part 'krow'"};
    static const int kernel_parts[2][2] = {{PART_KERNEL, -1}, {PART_KCOL, PART_KROW}};
    int sep_parts = w->parts[PART_KCOL].data != NULL;
    job->dims = w->ep == EP_CONV1D ? 1 : 2;
    job->separable = sep_parts;
    job->n_inputs = sep_parts ? 3 : 2;
    job->batch = w->batch;
    job->precision = w->precision;
    job->opts = w->opts;
    job->mode_given = w->mode_given;
    job->max_elements = w->limits->max_elements;
    job->batch_words = "batch=1";
    job->same_words = "mode=same";
    job->rank_hint = w->batch ? "" : " (batch=1 takes a stack)";
    for (int i = 0; i < job->n_inputs; i++) {
        int part = i == 0 ? PART_INPUT : kernel_parts[sep_parts][i - 1];
        conv_source *src = &job->inputs[i];
        src->name = serve_part_names[part];
        src->label = labels[part];
        if (i > 0 && w->preset) {
            src->preset = w->preset;
            job->n_inputs = 2;
            break;
        }
        src->data = w->parts[part].data;
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
    conv_job job = {0};
    make_job(w, &job);
    double t0 = cli_now_s();
    cli_error_capture(w->error, sizeof w->error);
    int ok = conv_job_read(&job) == CLI_OK && conv_job_make_output(&job, "result") == CLI_OK;
    w->upload_ms += ms_since(t0);
    double t1 = cli_now_s();
    if (ok) {
        note_device(w, dev);
        int st = conv_job_run(&job, dev->rt);
        if (st < 0) {
            fail(w, library_status(st), "%s: %s", clconv_strerror(st), clconv_last_error(dev->rt));
            ok = 0;
        }
        w->chosen = job.opts.chosen;
    }
    w->compute_ms = ms_since(t1);
    double t2 = cli_now_s();
    if (ok) ok = encode(w, &job) == 0;
    w->download_ms = ms_since(t2);
    cli_error_capture(NULL, 0);
    if (ok) w->status = 200;
    /* A failure a reader reported through cli_error is the input's fault. */
    if (!ok && w->status == 0) w->status = 400;
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
