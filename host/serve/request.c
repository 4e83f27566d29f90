/*
 * What each endpoint of `clconv serve` accepts, checked as it arrives: the
 * query parameters and multipart parts of /v1/conv1d, /v1/conv2d and
 * /v1/conv3d, and the JSON body of /v1/dist, turned into a serve_work for
 * the job (see serve_internal.h). The first mistake sets the work's status
 * and error line; the server answers it.
 */
#include "serve_internal.h"

#include "conv_job.h"
#include "json.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Variables one /v1/dist request may sum. */
#define MAX_SPECS 100000

/* Query parameters of the convolution endpoints, checked one by one. */
enum MHD_Result request_param(void *cls, enum MHD_ValueKind kind, const char *key,
                              const char *value)
{
    (void)kind;
    serve_work *w = cls;
    if (w->status) return MHD_NO;
    const char *v = value ? value : "";
    if (strcmp(key, "mode") == 0) {
        w->mode_given = 1;
        if (clconv_mode_parse(v, &w->opts.mode) != 0)
            snprintf(w->error, sizeof w->error, "mode must be full, same or valid, not '%s'", v);
    } else if (strcmp(key, "kernel") == 0) {
        /* A preset; preset_make checks it on the worker. */
        free(w->preset);
        if (!(w->preset = strdup(v))) {
            w->status = 503;
            snprintf(w->error, sizeof w->error, "out of memory");
        }
    } else if (strcmp(key, "method") == 0) {
        if (clconv_method_parse(v, &w->opts.method) != 0)
            snprintf(w->error, sizeof w->error, "method must be auto, direct or fft, not '%s'", v);
    } else if (strcmp(key, "correlate") == 0 || strcmp(key, "batch") == 0 ||
               strcmp(key, "normalize") == 0) {
        int on = strcmp(v, "1") == 0 || strcmp(v, "true") == 0;
        if (!on && strcmp(v, "0") != 0 && strcmp(v, "false") != 0)
            snprintf(w->error, sizeof w->error, "%s must be 1 or 0, not '%s'", key, v);
        if (key[0] == 'c')
            w->opts.correlate = on;
        else if (key[0] == 'b')
            w->batch = on;
        else
            w->normalize = on;
    } else if (strcmp(key, "precision") == 0) {
        if (strcmp(v, "f32") == 0 || strcmp(v, "float32") == 0)
            w->precision = CLCONV_F32;
        else if (strcmp(v, "f64") == 0 || strcmp(v, "float64") == 0)
            w->precision = CLCONV_F64;
        else
            snprintf(w->error, sizeof w->error, "precision must be f32 or f64, not '%s'", v);
    } else if (strcmp(key, "out_dtype") == 0) {
        io_error err;
        if (conv_parse_out_dtype(v, key, &w->out_dtype, &err) < 0)
            snprintf(w->error, sizeof w->error, "%s", err.message);
        w->out_dtype_given = 1;
    } else if (strcmp(key, "boundary") == 0 || strcmp(key, "cval") == 0 ||
               strcmp(key, "origin") == 0 || strcmp(key, "axis") == 0) {
        /* Parsed as the command parses them; their combination is checked
         * with the job's (conv_job_check_options). */
        io_error err;
        int st = key[0] == 'b'   ? conv_parse_boundary(v, key, &w->opts.boundary, &err)
                 : key[0] == 'c' ? conv_parse_cval(v, key, &w->opts.cval, &err)
                 : key[0] == 'o' ? conv_parse_origin(v, key, 1 + (int)(w->ep - EP_CONV1D),
                                                     w->opts.origin, &err)
                                 : conv_parse_axis(v, key, &w->axis, &err);
        if (st < 0) snprintf(w->error, sizeof w->error, "%s", err.message);
        if (key[0] == 'a') w->axis_given = 1;
    } else {
        snprintf(w->error, sizeof w->error, "unknown query parameter '%.100s' (the parameters "
                 "are mode, method, correlate, precision, batch, kernel, normalize, boundary, "
                 "cval, origin, axis and out_dtype)", key);
    }
    if (w->error[0]) w->status = 400;
    return w->status ? MHD_NO : MHD_YES;
}

/* Streams each part of a multipart body into its buffer. */
enum MHD_Result request_part(void *cls, enum MHD_ValueKind kind, const char *key,
                             const char *filename, const char *content_type,
                             const char *transfer_encoding, const char *data, uint64_t off,
                             size_t size)
{
    (void)kind, (void)filename, (void)content_type, (void)transfer_encoding;
    serve_work *w = cls;
    if (w->status) return MHD_NO;
    /* libmicrohttpd passes no name for a part without one, and for a name
     * it cannot hold (CR, LF or NUL in it). */
    if (!key) {
        w->status = 400;
        snprintf(w->error, sizeof w->error, "a multipart part without a usable name (the parts "
                 "are input and kernel, or input, kcol and krow, or for conv3d input, kdepth, "
                 "kcol and krow)");
        return MHD_NO;
    }
    int part = 0;
    while (part < PART_COUNT && strcmp(key, serve_part_names[part]) != 0) part++;
    if (part == PART_COUNT) {
        w->status = 400;
        snprintf(w->error, sizeof w->error, "unknown part '%.100s' (the parts are input and "
                 "kernel, or input, kcol and krow, or for conv3d input, kdepth, kcol and krow)",
                 key);
        return MHD_NO;
    }
    if (off == 0 && w->present[part]) {
        w->status = 400;
        snprintf(w->error, sizeof w->error, "part '%s' given twice", key);
        return MHD_NO;
    }
    w->present[part] = 1;
    if (buffer_append(&w->parts[part], data, size) != 0) {
        w->status = 503;
        snprintf(w->error, sizeof w->error, "out of memory for part '%s'", key);
        return MHD_NO;
    }
    return MHD_YES;
}

int request_parse_dist(serve_work *w, const serve_buffer *body)
{
    json_value v = {0};
    char why[128];
    int ok = 0;
    w->times = 1;
    w->trim = -1;
    const int parsed = json_parse(body->data ? body->data : "", body->size, &v, why, sizeof why);
    if (parsed == -2) goto oom;
    if (parsed != 0) {
        snprintf(w->error, sizeof w->error, "malformed JSON: %s", why);
        goto done;
    }
    if (v.type != JSON_OBJECT) {
        snprintf(w->error, sizeof w->error, "the body must be a JSON object");
        goto done;
    }
    for (size_t i = 0; i < v.count; i++) {
        const char *k = v.keys[i];
        const json_value *x = &v.items[i];
        if (strcmp(k, "specs") == 0) {
            if (x->type != JSON_ARRAY || x->count == 0) {
                snprintf(w->error, sizeof w->error, "\"specs\" must be a non-empty array of "
                         "strings");
                goto done;
            }
            /* A size over a limit, as the element limit: 413, not 400. */
            if (x->count > MAX_SPECS) {
                snprintf(w->error, sizeof w->error, "\"specs\" holds %zu variables, over the "
                         "server's limit of %d", x->count, MAX_SPECS);
                w->status = 413;
                goto done;
            }
            /* The parser refuses a member named twice, so this runs once. */
            w->specs = calloc(x->count, sizeof *w->specs);
            if (!w->specs) goto oom;
            w->n_specs = 0;
            for (size_t j = 0; j < x->count; j++) {
                if (x->items[j].type != JSON_STRING) {
                    snprintf(w->error, sizeof w->error, "\"specs\"[%zu] is not a string", j);
                    goto done;
                }
                w->specs[w->n_specs] = strdup(x->items[j].string);
                if (!w->specs[w->n_specs++]) goto oom;
            }
        } else if (strcmp(k, "times") == 0) {
            /* Below 2^53, where a double holds every integer: 2^53 + 1
             * reads as 2^53, so 2^53 itself must be refused too. */
            if (x->type != JSON_NUMBER || !(x->number >= 1) || x->number >= 9007199254740992.0 ||
                x->number != floor(x->number)) {
                snprintf(w->error, sizeof w->error, "\"times\" must be a whole number from 1 "
                         "to 2^53 - 1");
                goto done;
            }
            w->times = (unsigned long long)x->number;
        } else if (strcmp(k, "method") == 0) {
            if (x->type != JSON_STRING || clconv_method_parse(x->string, &w->dist_method) != 0) {
                snprintf(w->error, sizeof w->error, "\"method\" must be \"auto\", \"direct\" or "
                         "\"fft\"");
                goto done;
            }
        } else if (strcmp(k, "trim") == 0) {
            if (x->type != JSON_NUMBER || !(x->number >= 0)) {
                snprintf(w->error, sizeof w->error, "\"trim\" must be a probability >= 0");
                goto done;
            }
            w->trim = x->number;
        } else if (strcmp(k, "normalize") == 0) {
            if (x->type != JSON_TRUE && x->type != JSON_FALSE) {
                snprintf(w->error, sizeof w->error, "\"normalize\" must be true or false");
                goto done;
            }
            w->dist_normalize = x->type == JSON_TRUE;
        } else if (strcmp(k, "count") == 0) {
            if (x->type != JSON_STRING || x->string[0] == '\0') {
                snprintf(w->error, sizeof w->error, "\"count\" must be a count spec such as "
                         "\"poisson:3\" or \"0:0.5,0.5\"");
                goto done;
            }
            w->count = strdup(x->string);
            if (!w->count) goto oom;
        } else {
            snprintf(w->error, sizeof w->error, "unknown field \"%.100s\" (the fields are specs, "
                     "times, method, trim, normalize and count)", k);
            goto done;
        }
    }
    if (w->n_specs == 0) {
        snprintf(w->error, sizeof w->error, "\"specs\" is missing");
        goto done;
    }
    ok = 1;
    goto done;
oom:
    snprintf(w->error, sizeof w->error, "out of memory");
    w->status = 503;
done:
    json_free(&v);
    if (!ok && !w->status) w->status = 400;
    return ok ? 0 : -1;
}

int request_check_parts(serve_work *w)
{
    const int *p = w->present;
    const char *missing = !p[PART_INPUT] ? "input" : NULL;
    /* The factors of a separable kernel: conv3d's start with kdepth. */
    const int three = w->ep == EP_CONV3D;
    const int any_factor = p[PART_KDEPTH] || p[PART_KCOL] || p[PART_KROW];
    if (w->preset) {
        if (!missing && (p[PART_KERNEL] || any_factor))
            snprintf(w->error, sizeof w->error, "give the kernel as a part or as the query "
                     "parameter kernel=PRESET, not both");
        else if (missing)
            snprintf(w->error, sizeof w->error, "missing part '%s'", missing);
        if (w->error[0]) w->status = 400;
        return w->status ? -1 : 0;
    }
    if (p[PART_KDEPTH] && !three) {
        snprintf(w->error, sizeof w->error, "part 'kdepth' is for conv3d");
        w->status = 400;
        return -1;
    }
    if (!missing && !p[PART_KERNEL] && !any_factor) missing = "kernel";
    if (!missing && any_factor && !p[PART_KERNEL]) {
        if (three && !p[PART_KDEPTH])
            missing = "kdepth";
        else if (!p[PART_KCOL])
            missing = "kcol";
        else if (!p[PART_KROW])
            missing = "krow";
    }
    if (missing) {
        snprintf(w->error, sizeof w->error, "missing part '%s'", missing);
    } else if (p[PART_KERNEL] && any_factor) {
        snprintf(w->error, sizeof w->error, "give either part 'kernel' or parts %s, not both",
                 three ? "'kdepth', 'kcol' and 'krow'" : "'kcol' and 'krow'");
    } else if (p[PART_KCOL] && w->ep == EP_CONV1D) {
        snprintf(w->error, sizeof w->error, "parts 'kcol' and 'krow' are for conv2d and conv3d");
    }
    if (w->error[0]) w->status = 400;
    return w->status ? -1 : 0;
}
