/*
 * The HTTP client of client.h. One libcurl easy handle per job: a command
 * sends one request and exits, so there is no connection to keep. Inputs
 * travel as the .npy files the server reads (written from the arrays the
 * command has already read and checked, so every input format and every
 * local check works the same with --server), and the answers are parsed back
 * into arrays and distribution results for the command's own writers.
 */
#include "client.h"

#include "cli.h"
#include "dist_job.h"
#include "json.h"
#include "npy.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A connection that is not up within this many seconds is reported; the job
 * itself may take as long as the server needs. */
#define CLIENT_CONNECT_TIMEOUT_S 10L

const char *client_server(const char *option)
{
    if (option) return option;
    const char *env = getenv("CLCONV_SERVER");
    return env && env[0] ? env : NULL;
}

/* ---- one exchange ----------------------------------------------------------- */

/* libcurl's global state and one easy handle, for one job. */
typedef struct session {
    int started;
    CURL *h;
} session;

static int session_open(session *s)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) return cli_error("cannot start libcurl");
    s->started = 1;
    s->h = curl_easy_init();
    return s->h ? CLI_OK : cli_error("cannot start libcurl");
}

static void session_close(session *s)
{
    if (s->h) curl_easy_cleanup(s->h);
    if (s->started) curl_global_cleanup();
}

/* An answer's body, collected by libcurl's default write function (fwrite)
 * into a memory stream. */
typedef struct answer {
    char *data;
    size_t size;
} answer;

/* A response header's value, or "" when the server sent none. */
static const char *header_value(CURL *h, const char *name)
{
    struct curl_header *hdr;
    return curl_easy_header(h, name, 0, CURLH_HEADER, -1, &hdr) == CURLHE_OK ? hdr->value : "";
}

/* Reports an answer other than 200: the server's {"error": "..."} line
 * with the HTTP status, cut at any line break so that it stays one line. */
static int server_error(const char *server, long code, const answer *body)
{
    json_value v = {0};
    char why[96];
    const json_value *e = NULL;
    if (body->data && json_parse(body->data, body->size, &v, why, sizeof why) == 0)
        e = json_get(&v, "error");
    int status;
    if (e && e->type == JSON_STRING) {
        status = cli_error("server %s: %.*s (HTTP %ld)", server, (int)strcspn(e->string, "\r\n"),
                           e->string, code);
    } else {
        status = cli_error("server %s: HTTP %ld without an error message", server, code);
    }
    json_free(&v);
    return status;
}

/* Appends line to *list; when that fails (or line is NULL, for lack of
 * memory) frees the whole list and leaves NULL. */
static void append_header(struct curl_slist **list, const char *line)
{
    struct curl_slist *l = line ? curl_slist_append(*list, line) : NULL;
    if (!l) curl_slist_free_all(*list);
    *list = l;
}

/* Performs the request prepared on h (its body and headers) against server
 * followed by path, and collects a 200 answer in *body. */
static int exchange(CURL *h, struct curl_slist *headers, const char *server, const char *path,
                    answer *body)
{
    size_t len = strlen(server);
    while (len > 0 && server[len - 1] == '/') len--;   /* "http://host:port/" is fine too */
    char *url = malloc(len + strlen(path) + 1);
    if (!url) return cli_error("out of memory");
    memcpy(url, server, len);
    strcpy(url + len, path);

    char err[CURL_ERROR_SIZE] = "";
    /* No "Expect: 100-continue": the server reads the body at once, and the
     * extra round trip would cost every upload a wait. */
    append_header(&headers, "Expect:");
    /* A server beyond the loopback wants a bearer token (--token-file). */
    const char *token = getenv("CLCONV_TOKEN");
    if (token && token[0]) {
        char *auth = malloc(strlen(token) + 32);
        if (auth) sprintf(auth, "Authorization: Bearer %s", token);
        append_header(&headers, auth ? auth : NULL);
        free(auth);
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, CLIENT_CONNECT_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "clconv");
    FILE *sink = open_memstream(&body->data, &body->size);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
    CURLcode rc = headers && sink ? curl_easy_perform(h) : CURLE_OUT_OF_MEMORY;
    free(url);
    curl_slist_free_all(headers);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);   /* err goes out of scope */
    if ((sink && fclose(sink) != 0) || !body->data)
        return cli_error("server %s: out of memory for the answer", server);
    const char *why = err[0] ? err : curl_easy_strerror(rc);
    if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
        rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT)
        return cli_error("cannot reach the server %s: %s", server, why);
    if (rc != CURLE_OK) return cli_error("server %s: the exchange failed: %s", server, why);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    return code == 200 ? CLI_OK : server_error(server, code, body);
}

/* ---- conv1d, conv2d and conv3d ------------------------------------------------ */

/* An input as the .npy bytes the server reads. */
static int npy_bytes(const real_array *a, char **data, size_t *size)
{
    FILE *f = open_memstream(data, size);
    if (!f) return cli_error("out of memory");
    io_error err;
    int status = cli_io(npy_write(f, "upload", a, &err), &err);
    if (fclose(f) != 0 && status == CLI_OK) status = cli_error("out of memory");
    return status;
}

/* A part's bytes as libcurl reads them, without a copy of its own. */
typedef struct upload {
    const char *data;
    size_t size, at;
} upload;

static size_t read_part(char *buf, size_t size, size_t n, void *arg)
{
    upload *u = arg;
    size_t k = u->size - u->at < size * n ? u->size - u->at : size * n;
    memcpy(buf, u->data + u->at, k);
    u->at += k;
    return k;
}

/* libcurl rewinds a body it has to send again (after a redirect). */
static int seek_part(void *arg, curl_off_t offset, int origin)
{
    upload *u = arg;
    if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > u->size)
        return CURL_SEEKFUNC_CANTSEEK;
    u->at = (size_t)offset;
    return CURL_SEEKFUNC_OK;
}

/* The answer's array into out's data: the same shape and dtype as the local
 * result would have. */
static int read_answer(const char *server, const answer *body, real_array *out)
{
    npy_file nf;
    real_array got = {0};
    char name[300];
    snprintf(name, sizeof name, "server %s: the answer", server);
    io_error err;
    int status = cli_io(npy_open_mem(&nf, body->data, body->size, name, &err), &err);
    if (status != CLI_OK) return status;
    int same = strcmp(nf.descr, npy_descr(out->dtype)) == 0 && nf.ndim == out->ndim;
    for (int d = 0; same && d < nf.ndim; d++) same = nf.shape[d] == out->shape[d];
    if (!same) {
        char want[128], have[128];
        shape_format(want, sizeof want, out->ndim, out->shape);
        shape_format(have, sizeof have, nf.ndim, nf.shape);
        status = cli_error("%s has shape %s of '%s', expected %s of '%s'", name, have, nf.descr,
                           want, npy_descr(out->dtype));
    }
    if (status == CLI_OK) status = cli_io(npy_read(&nf, out->dtype, &got, &err), &err);
    npy_close(&nf);
    if (status == CLI_OK) memcpy(out->data, got.data, got.count * clconv_dtype_size(got.dtype));
    real_array_free(&got);
    return status;
}

int client_conv(const char *server, const client_conv_job *job, real_array *out,
                clconv_method *chosen)
{
    /* The part names of the API; a separable kernel is its factors, which
     * is how the server tells it apart. */
    static const char *const plain[] = {"input", "kernel"};
    static const char *const separable2[] = {"input", "kcol", "krow"};
    static const char *const separable3[] = {"input", "kdepth", "kcol", "krow"};
    const char *const *names = !job->separable ? plain
                               : job->dims == 3 ? separable3 : separable2;
    char *files[4] = {NULL, NULL, NULL, NULL};
    upload parts[4] = {{0}};
    int status = CLI_OK;
    for (int i = 0; status == CLI_OK && i < job->n_inputs; i++) {
        status = npy_bytes(&job->inputs[i], &files[i], &parts[i].size);
        parts[i].data = files[i];
    }

    char path[384], extra[192] = "";
    const clconv_conv_options *o = job->opts;
    if (o->boundary != CLCONV_BOUNDARY_NONE) {
        /* %.17g reads back exactly; a '+' in a query would read as a space. */
        char cval[40], origin[72] = "", *plus;
        snprintf(cval, sizeof cval, "%.17g", o->cval);
        if ((plus = strchr(cval, '+'))) memmove(plus, plus + 1, strlen(plus));
        for (int d = 0; d < job->dims; d++)
            snprintf(origin + strlen(origin), sizeof origin - strlen(origin), "%s%lld",
                     d ? "," : "", (long long)o->origin[d]);
        snprintf(extra, sizeof extra, "&boundary=%s&cval=%s&origin=%s",
                 clconv_boundary_name(o->boundary), cval, origin);
    }
    if (job->axis_given)
        snprintf(extra + strlen(extra), sizeof extra - strlen(extra), "&axis=%d", job->axis);
    /* The result's dtype as the local job resolved it (never "same": the
     * inputs sent are already in their storage dtypes, an image's planes
     * included, so the server resolves nothing of its own). */
    if (job->out_dtype_given)
        snprintf(extra + strlen(extra), sizeof extra - strlen(extra), "&out_dtype=%s",
                 clconv_dtype_name(out->dtype));
    snprintf(path, sizeof path, "/v1/%s?mode=%s&method=%s&precision=%s%s%s%s", job->command,
             clconv_mode_name(o->mode), clconv_method_name(o->method),
             job->precision == CLCONV_F64 ? "f64" : "f32", o->correlate ? "&correlate=1" : "",
             job->batch ? "&batch=1" : "", extra);

    answer body = {0};
    session se = {0};
    curl_mime *form = NULL;
    if (status == CLI_OK) status = session_open(&se);
    if (status == CLI_OK && !(form = curl_mime_init(se.h))) status = cli_error("out of memory");
    for (int i = 0; status == CLI_OK && i < job->n_inputs; i++) {
        curl_mimepart *part = curl_mime_addpart(form);
        char filename[32];
        snprintf(filename, sizeof filename, "%s.npy", names[i]);
        if (!part || curl_mime_name(part, names[i]) != CURLE_OK ||
            curl_mime_filename(part, filename) != CURLE_OK ||
            curl_mime_type(part, "application/x-npy") != CURLE_OK ||
            curl_mime_data_cb(part, (curl_off_t)parts[i].size, read_part, seek_part, NULL,
                              &parts[i]) != CURLE_OK)
            status = cli_error("out of memory");
    }
    if (status == CLI_OK) {
        curl_easy_setopt(se.h, CURLOPT_MIMEPOST, form);
        status = exchange(se.h, NULL, server, path, &body);
    }
    if (status == CLI_OK) status = read_answer(server, &body, out);
    if (status == CLI_OK) {
        if (clconv_method_parse(header_value(se.h, "X-Clconv-Method"), chosen) != CLCONV_OK)
            *chosen = job->opts->method;
        if (job->verbose)
            fprintf(stderr, "clconv: %s on the server %s: device %s, method %s; Server-Timing: "
                    "%s\n", job->command, server, header_value(se.h, "X-Clconv-Device"),
                    header_value(se.h, "X-Clconv-Method"), header_value(se.h, "Server-Timing"));
    }
    for (int i = 0; i < 4; i++) free(files[i]);
    curl_mime_free(form);
    session_close(&se);
    free(body.data);
    return status;
}

/* ---- dist --------------------------------------------------------------------- */

static int names_file(const char *text)
{
    const size_t n = strlen(text);
    return n > 4 &&
           (strcasecmp(text + n - 4, ".npy") == 0 || strcasecmp(text + n - 4, ".csv") == 0);
}

/* The request body of POST /v1/dist. A file's 1-D values go inline with
 * their offset, every number in %.17g, which strtod reads back exactly. */
static int dist_request(const dist_job *job, const spec_input *inputs, char **text, size_t *size)
{
    FILE *f = open_memstream(text, size);
    if (!f) return cli_error("out of memory");
    int status = CLI_OK;
    fputs("{\"specs\": [", f);
    for (int i = 0; status == CLI_OK && i < job->n_specs; i++) {
        const spec_input *in = &inputs[i];
        if (i) fputs(", ", f);
        if (!names_file(in->text)) {
            json_write_string(f, in->text);
            continue;
        }
        if (in->layout.dims != 1) {
            status = cli_error("spec '%s': a 2-D distribution cannot be sent to a server; "
                               "compute it here, without --server", in->text);
            break;
        }
        fprintf(f, "\"%" PRId64 ":", in->layout.offset[0]);
        for (size_t k = 0; k < in->layout.len[0]; k++)
            fprintf(f, "%s%.17g", k ? "," : "", in->values[k]);
        fputc('"', f);
    }
    fprintf(f, "], \"times\": %" PRIu64 ", \"method\": \"%s\", \"normalize\": %s", job->times,
            clconv_method_name(job->method), job->flags & CLCONV_DIST_NORMALIZE ? "true" : "false");
    if (job->trim >= 0) fprintf(f, ", \"trim\": %.17g", job->trim);
    if (job->count && !names_file(job->count)) {
        fputs(", \"count\": ", f);
        json_write_string(f, job->count);
    } else if (job->count) {
        /* A count read from a file goes inline, as the SPECs' files do. */
        const spec_input *in = &inputs[job->n_specs];
        fprintf(f, ", \"count\": \"%" PRId64 ":", in->layout.offset[0]);
        for (size_t k = 0; k < in->layout.len[0]; k++)
            fprintf(f, "%s%.17g", k ? "," : "", in->values[k]);
        fputc('"', f);
    }
    fputs("}", f);
    if (fclose(f) != 0 && status == CLI_OK) status = cli_error("out of memory");
    return status;
}

/* A number of the answer; null stands for a value that was not finite. */
static int number_of(const json_value *v, double *x)
{
    if (v && v->type == JSON_NULL) *x = NAN;
    else if (v && v->type == JSON_NUMBER) *x = v->number;
    else return -1;
    return 0;
}

/* A member holding one number per dimension: a number (1-D) or a pair. */
static int per_dim(const json_value *o, const char *key, int dims, double x[2])
{
    const json_value *v = json_get(o, key);
    if (dims == 1) return number_of(v, &x[0]);
    if (!v || v->type != JSON_ARRAY || v->count != 2) return -1;
    return number_of(&v->items[0], &x[0]) | number_of(&v->items[1], &x[1]);
}

/* The entries of a 1-D list, or of a list of equally long rows (2-D), into
 * a new array of rows x cols. */
static int entries_of(const json_value *v, int dims, size_t *rows, size_t *cols, double **out)
{
    if (!v || v->type != JSON_ARRAY || v->count == 0) return -1;
    *rows = v->count;
    *cols = 1;
    if (dims == 2) {
        if (v->items[0].type != JSON_ARRAY) return -1;
        *cols = v->items[0].count;
    }
    if (*cols == 0 || *rows > SIZE_MAX / sizeof **out / *cols) return -1;
    double *x = malloc(*rows * *cols * sizeof *x);
    if (!x) return -1;
    *out = x;
    for (size_t i = 0; i < *rows; i++) {
        const json_value *row = &v->items[i];
        if (dims == 1) {
            if (number_of(row, &x[i]) != 0) return -1;
            continue;
        }
        if (row->type != JSON_ARRAY || row->count != *cols) return -1;
        for (size_t j = 0; j < *cols; j++)
            if (number_of(&row->items[j], &x[i * *cols + j]) != 0) return -1;
    }
    return 0;
}

/* The answer, the JSON of `clconv dist --format json`, into res. Returns
 * the name of the first member that is missing or malformed, or NULL. */
static const char *dist_answer(const json_value *o, dist_result *res)
{
    const json_value *density = json_get(o, "density");
    const json_value *method = json_get(o, "method");
    double x[2], step;
    if (per_dim(o, "dims", 1, x) != 0 || (x[0] != 1 && x[0] != 2)) return "dims";
    const int dims = (int)x[0];
    clconv_dist_layout *l = &res->layout;
    clconv_dist_stats *s = &res->stats;
    l->dims = dims;
    if (per_dim(o, "variables", 1, x) != 0 || !(x[0] >= 0)) return "variables";
    res->variables = (size_t)x[0];
    if (!method || method->type != JSON_STRING ||
        clconv_method_parse(method->string, &res->method) != CLCONV_OK)
        return "method";
    if (!density || (density->type != JSON_TRUE && density->type != JSON_FALSE)) return "density";
    if (number_of(json_get(o, "step"), &step) != 0) return "step";
    l->step = density->type == JSON_TRUE ? step : 0;
    if (per_dim(o, "offset", dims, x) != 0) return "offset";
    l->offset[0] = (int64_t)x[0];
    l->offset[1] = dims == 2 ? (int64_t)x[1] : 0;
    if (per_dim(o, "mean", dims, s->mean) || per_dim(o, "variance", dims, s->variance) ||
        per_dim(o, "sd", dims, s->sd) || per_dim(o, "skewness", dims, s->skewness) ||
        per_dim(o, "min", dims, s->min) || per_dim(o, "max", dims, s->max))
        return "moments";
    if (number_of(json_get(o, "total"), &s->total) != 0) return "total";
    if (number_of(json_get(o, "clamped_mass"), &res->clamped) != 0) return "clamped_mass";
    if (number_of(json_get(o, "trimmed_mass"), &res->trimmed) != 0) return "trimmed_mass";
    const char *values = l->step > 0 ? "densities" : "probabilities";
    if (entries_of(json_get(o, values), dims, &l->len[0], &l->len[1], &res->values) != 0)
        return values;
    if (dims == 2)
        return number_of(json_get(o, "covariance"), &s->covariance) ? "covariance" : NULL;
    s->covariance = 0;
    size_t n, one;
    if (entries_of(json_get(o, "cdf"), 1, &n, &one, &res->cdf) != 0 || n != l->len[0]) return "cdf";
    if (entries_of(json_get(o, "sf"), 1, &n, &one, &res->sf) != 0 || n != l->len[0]) return "sf";
    /* null stands for the log of an exact 0. */
    const char *logp = l->step > 0 ? "logpdf" : "logpmf";
    if (entries_of(json_get(o, logp), 1, &n, &one, &res->logp) != 0 || n != l->len[0]) return logp;
    if (entries_of(json_get(o, "logsf"), 1, &n, &one, &res->logsf) != 0 || n != l->len[0])
        return "logsf";
    for (size_t i = 0; i < n; i++) {
        if (isnan(res->logp[i])) res->logp[i] = -INFINITY;
        if (isnan(res->logsf[i])) res->logsf[i] = -INFINITY;
    }
    const json_value *q = json_get(o, "quantiles");
    for (int k = 0; k < 7; k++) {
        char key[32];
        snprintf(key, sizeof key, "%g", dist_quantile_levels[k]);
        if (!q || number_of(json_get(q, key), &res->quantiles[k]) != 0) return "quantiles";
    }
    return NULL;
}

int client_dist(const char *server, const dist_job *job, const spec_input *inputs,
                dist_result *res)
{
    char *request = NULL;
    size_t request_size = 0;
    answer body = {0};
    session se = {0};
    struct curl_slist *headers = NULL;
    /* The API sums discrete specs only; sending these would compute
     * something else, so they are refused before anything is sent. */
    if (job->step > 0) return cli_usage_error("dist", "--density cannot be sent to a server");
    if (job->rows) return cli_usage_error("dist", "--rows cannot be sent to a server");
    int status = dist_request(job, inputs, &request, &request_size);
    if (status == CLI_OK) status = session_open(&se);
    if (status == CLI_OK) {
        append_header(&headers, "Content-Type: application/json");
        curl_easy_setopt(se.h, CURLOPT_POSTFIELDS, request);
        curl_easy_setopt(se.h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)request_size);
        status = headers ? exchange(se.h, headers, server, "/v1/dist", &body)
                         : cli_error("out of memory");
    }
    if (status == CLI_OK) {
        json_value v;
        char why[96];
        const char *bad = NULL;
        const int parsed = json_parse(body.data ? body.data : "", body.size, &v, why, sizeof why);
        if (parsed == -2)
            status = cli_error("server %s: out of memory reading the answer", server);
        else if (parsed != 0)
            status = cli_error("server %s: the answer is not JSON: %s", server, why);
        else if ((bad = dist_answer(&v, res)) != NULL)
            status = cli_error("server %s: the answer's \"%s\" is missing or malformed", server,
                               bad);
        json_free(&v);
    }
    session_close(&se);
    free(request);
    free(body.data);
    return status;
}
