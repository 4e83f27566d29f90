/*
 * The daemon of `clconv serve`, on libmicrohttpd: the listening socket,
 * routing, the limits on what a client may send, the streaming of bodies
 * into memory, and the hand-over of complete requests to the job pool.
 * What each endpoint accepts is checked in request.c, the bearer token in
 * auth.c, the jobs run in handlers.c. One internal thread polls every
 * connection; a request waiting for its job is suspended, so it holds
 * neither a thread nor a poll slot, and a worker resumes it once the answer
 * is ready. Bodies are bounded by --max-body before a byte is read,
 * connections by number and idle time, so a slow or lying client costs at
 * most a timeout.
 */
#include "serve.h"

#include "serve_internal.h"
#include "json.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_LISTEN "127.0.0.1:8470"

/* What a connection may hold in libmicrohttpd's memory: the request line and
 * headers live there. Past it MHD answers 414 or 431 itself, with an HTML
 * body it does not let us replace, or closes without an answer; the limits
 * below it (as nginx's and Apache's defaults) are ours and answer JSON. */
#define CONNECTION_MEMORY ((size_t)128 * 1024)
#define MAX_URI_BYTES ((size_t)8 * 1024)
#define MAX_HEADER_BYTES ((size_t)32 * 1024)

struct serve {
    struct MHD_Daemon *daemon;
    int listen_fd;
    serve_pool pool;
    int pool_started;
    serve_metrics *metrics;
    serve_limits limits;
    size_t max_body;
    char *token;
    unsigned timeout_s;
    int log_json;
    FILE *log;
    unsigned port;
    char url[300];
    pthread_mutex_t lock;
    pthread_cond_t idle;          /* requests fell to 0 */
    size_t requests;
    int draining;
    size_t body_bytes;            /* Content-Length of the bodies held now */
    size_t body_budget;           /* their limit: 4 x --max-body */
    struct MHD_Response *oom;     /* 503 "out of memory", made at start: the answer
                                     when even an error's text cannot be allocated */
};

enum { R_NEW, R_UPLOAD, R_QUEUED, R_ANSWERED };

typedef struct request {
    serve_work work;              /* first: the job's address is the request's */
    serve *srv;
    struct MHD_Connection *conn;
    char method[16];
    char path[256];
    size_t url_length;            /* of the path, which path may cut short */
    double started;
    int state;
    struct MHD_PostProcessor *pp;
    serve_buffer body;            /* dist: the JSON */
    size_t bytes;                 /* answer body sent */
    unsigned status;              /* answered status */
    size_t reserved;              /* of the server's body budget */
} request;

/* ---- answers --------------------------------------------------------------- */

/* The body of the prepared out-of-memory answer. */
static const char OOM_BODY[] = "{\"error\": \"out of memory\"}\n";

/* Answers 503 "out of memory" with the response made at start, which needs
 * no allocation of ours: when the host heap is exhausted a client still gets
 * a whole answer rather than a closed connection. r may be NULL (its state
 * could not be allocated). */
static enum MHD_Result send_oom(serve *s, struct MHD_Connection *conn, request *r)
{
    if (r) {
        r->status = 503;
        r->bytes = sizeof OOM_BODY - 1;
        r->state = R_ANSWERED;
    }
    return MHD_queue_response(conn, 503, s->oom);
}

static enum MHD_Result send_buffer(request *r, unsigned status, char *body, size_t size,
                                   const char *type)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(size, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return send_oom(r->srv, r->conn, r);
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    serve_work *w = &r->work;
    if (status == 200 && w->ran) {
        char timing[160];
        MHD_add_response_header(resp, "X-Clconv-Device", w->device);
        MHD_add_response_header(resp, "X-Clconv-Method", clconv_method_name(w->chosen));
        snprintf(timing, sizeof timing,
                 "queue;dur=%.3f, upload;dur=%.3f, compute;dur=%.3f, download;dur=%.3f",
                 (w->job.started_at - w->job.queued_at) * 1e3, w->upload_ms, w->compute_ms,
                 w->download_ms);
        MHD_add_response_header(resp, "Server-Timing", timing);
    }
    if (status == 401) MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    if (status == 405)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
                                r->work.ep <= EP_DIST ? "POST" : "GET");
    if (status == 503) MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    r->status = status;
    r->bytes = size;
    r->state = R_ANSWERED;
    enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Answers {"error": "message"}. */
static enum MHD_Result send_error(request *r, unsigned status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static enum MHD_Result send_error(request *r, unsigned status, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char *body = NULL;
    size_t size = 0;
    FILE *m = open_memstream(&body, &size);
    if (!m) return send_oom(r->srv, r->conn, r);
    fputs("{\"error\": ", m);
    json_write_string(m, msg);
    fputs("}\n", m);
    if (fclose(m) != 0) {
        free(body);
        return send_oom(r->srv, r->conn, r);
    }
    return send_buffer(r, status, body, size, "application/json");
}

/* Closes the memory stream m, whose buffer and size open_memstream sets
 * only then, and answers with its text. */
static enum MHD_Result send_text(request *r, unsigned status, FILE *m, char **body, size_t *size,
                                 const char *type)
{
    if (fclose(m) != 0) {
        free(*body);
        return send_error(r, 503, "out of memory");
    }
    return send_buffer(r, status, *body, *size, type);
}

/* ---- GET endpoints ----------------------------------------------------------- */

static enum MHD_Result answer_devices(request *r)
{
    serve_pool *p = &r->srv->pool;
    char *body = NULL;
    size_t size = 0;
    FILE *m = open_memstream(&body, &size);
    if (!m) return send_error(r, 503, "out of memory");
    fputs("{\"devices\": [", m);
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < p->n_devices; i++) {
        const serve_device *d = &p->devices[i];
        const clconv_device_info *f = &d->info;
        fprintf(m, "%s\n  {\"index\": %zu, \"name\": ", i ? "," : "", d->index);
        json_write_string(m, f->name);
        fprintf(m, ", \"type\": \"%s\", \"vendor\": ", clconv_device_type_name(f->type));
        json_write_string(m, f->vendor);
        fputs(", \"platform\": ", m);
        json_write_string(m, f->platform);
        fputs(", \"driver\": ", m);
        json_write_string(m, f->driver_version);
        fputs(", \"opencl\": ", m);
        json_write_string(m, f->opencl_version);
        fprintf(m, ", \"compute_units\": %u, \"clock_mhz\": %u, \"global_memory\": %llu, "
                   "\"local_memory\": %llu, \"max_allocation\": %llu, \"work_group_max\": %zu, "
                   "\"float64\": %s, \"vector_width_float\": %u, \"vector_width_double\": %u, "
                   "\"workers\": %u, \"queued\": %zu, \"running\": %zu}",
                f->compute_units, f->max_clock_mhz, (unsigned long long)f->global_mem_bytes,
                (unsigned long long)f->local_mem_bytes, (unsigned long long)f->max_alloc_bytes,
                f->max_work_group_size, f->fp64 ? "true" : "false", f->pref_vector_float,
                f->pref_vector_double, d->n_threads, d->queued, d->running);
    }
    pthread_mutex_unlock(&p->lock);
    fputs("\n]}\n", m);
    return send_text(r, 200, m, &body, &size, "application/json");
}

static enum MHD_Result answer_metrics(request *r)
{
    serve *s = r->srv;
    char *body = NULL;
    size_t size = 0;
    FILE *m = open_memstream(&body, &size);
    if (!m) return send_error(r, 503, "out of memory");
    pthread_mutex_lock(&s->lock);
    size_t in_flight = s->requests;
    pthread_mutex_unlock(&s->lock);
    metrics_write(s->metrics, m, &s->pool, in_flight);
    return send_text(r, 200, m, &body, &size, "text/plain; version=0.0.4");
}

static enum MHD_Result answer_healthz(request *r)
{
    pthread_mutex_lock(&r->srv->lock);
    int draining = r->srv->draining;
    pthread_mutex_unlock(&r->srv->lock);
    char *body = strdup(draining ? "{\"status\": \"draining\"}\n" : "{\"status\": \"ok\"}\n");
    if (!body) return send_oom(r->srv, r->conn, r);
    return send_buffer(r, draining ? 503 : 200, body, strlen(body), "application/json");
}

/* ---- request set-up ----------------------------------------------------------- */

static serve_endpoint route(const char *url)
{
    static const struct {
        const char *path;
        serve_endpoint ep;
    } routes[] = {
        {"/v1/conv1d", EP_CONV1D}, {"/v1/conv2d", EP_CONV2D}, {"/v1/conv3d", EP_CONV3D},
        {"/v1/dist", EP_DIST},
        {"/v1/devices", EP_DEVICES}, {"/healthz", EP_HEALTHZ}, {"/metrics", EP_METRICS},
    };
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (strcmp(url, routes[i].path) == 0) return routes[i].ep;
    return EP_OTHER;
}

static int has_type(struct MHD_Connection *conn, const char *type)
{
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_CONTENT_TYPE);
    size_t n = strlen(type);
    return h && strncasecmp(h, type, n) == 0 && (h[n] == '\0' || h[n] == ';' || h[n] == ' ');
}

/* How a request says where its body ends: Content-Length headers and
 * Transfer-Encoding headers, counted. */
typedef struct framing {
    unsigned lengths, encodings;
} framing;

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind, (void)value;
    framing *f = cls;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) f->lengths++;
    if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) f->encodings++;
    return MHD_YES;
}

/* Bytes of header lines or query parameters as they were sent, near enough:
 * each name and value with its separator and line end. */
static enum MHD_Result count_bytes(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    *(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 4;
    return MHD_YES;
}

/* The first call for a request: everything that can be decided from the
 * headers is decided here, before any of the body is read. */
static enum MHD_Result begin(request *r, const char *method)
{
    serve *s = r->srv;
    serve_work *w = &r->work;
    const serve_endpoint ep = w->ep;
    const int post = strcmp(method, "POST") == 0, get = strcmp(method, "GET") == 0;
    /* Sizes first, as a proxy's parser would refuse them before routing. */
    size_t uri = 0, headers = 0;
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, count_bytes, &uri);
    uri += r->url_length;
    if (uri > MAX_URI_BYTES)
        return send_error(r, 414, "the URI of about %zu bytes exceeds the limit of %zu bytes", uri,
                          MAX_URI_BYTES);
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, count_bytes, &headers);
    if (headers > MAX_HEADER_BYTES)
        return send_error(r, 431, "the headers of about %zu bytes exceed the limit of %zu bytes",
                          headers, MAX_HEADER_BYTES);
    if (ep != EP_HEALTHZ && !auth_check(s->token, r->conn))
        return send_error(r, 401, "missing or wrong bearer token");
    /* A body framed two ways could be read one way here and another by a
     * proxy in front (request smuggling, RFC 9112 section 6.3). */
    framing fr = {0, 0};
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, count_framing, &fr);
    if (fr.lengths > 1) return send_error(r, 400, "more than one Content-Length header");
    if (fr.lengths && fr.encodings)
        return send_error(r, 400, "both a Transfer-Encoding and a Content-Length header");
    if (ep == EP_OTHER) return send_error(r, 404, "no such endpoint: %s", r->path);
    if (ep <= EP_DIST ? !post : !get)
        return send_error(r, 405, "%s takes %s, not %s", r->path, ep <= EP_DIST ? "POST" : "GET",
                          r->method);
    if (ep == EP_DEVICES) return answer_devices(r);
    if (ep == EP_METRICS) return answer_metrics(r);
    if (ep == EP_HEALTHZ) return answer_healthz(r);

    const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (!cl) return send_error(r, 411, "a Content-Length is required");
    char *end;
    errno = 0;
    unsigned long long length = strtoull(cl, &end, 10);
    if (end == cl || *end || errno) return send_error(r, 400, "bad Content-Length '%.40s'", cl);
    if (length > s->max_body)
        return send_error(r, 413, "the body of %llu bytes exceeds the limit of %zu bytes", length,
                          s->max_body);
    /* Bodies held at once are bounded too, so that many slow uploads cost a
     * 503 and a timeout each rather than the server's memory. */
    pthread_mutex_lock(&s->lock);
    int room = s->body_bytes + length <= s->body_budget;
    if (room) s->body_bytes += (r->reserved = (size_t)length);
    pthread_mutex_unlock(&s->lock);
    if (!room) return send_error(r, 503, "too many uploads in progress; retry later");
    if (ep == EP_DIST) {
        if (!has_type(r->conn, "application/json"))
            return send_error(r, 415, "%s takes application/json", r->path);
        r->state = R_UPLOAD;
        return MHD_YES;
    }
    if (!has_type(r->conn, "multipart/form-data"))
        return send_error(r, 415, "%s takes multipart/form-data", r->path);
    w->precision = -1;
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, request_param, &r->work);
    if (w->status) return send_error(r, w->status, "%s", w->error);
    r->pp = MHD_create_post_processor(r->conn, 65536, request_part, &r->work);
    if (!r->pp) return send_error(r, 400, "multipart/form-data without a boundary");
    r->state = R_UPLOAD;
    return MHD_YES;
}

/* ---- the body and the job ------------------------------------------------------ */

static void receive(request *r, const char *data, size_t size)
{
    serve_work *w = &r->work;
    if (w->status) return;   /* already failed: the rest is read and dropped */
    if (r->pp) {
        if (MHD_post_process(r->pp, data, size) != MHD_YES && !w->status) {
            w->status = 400;
            snprintf(w->error, sizeof w->error, "malformed multipart body");
        }
    } else if (r->body.size + size > r->srv->max_body) {
        w->status = 413;
        snprintf(w->error, sizeof w->error, "the body exceeds the limit of %zu bytes",
                 r->srv->max_body);
    } else if (buffer_append(&r->body, data, size) != 0) {
        /* The host is out of memory, not the client over a limit: a failed
         * append used to be answered 413 as if the body were too large. */
        w->status = 503;
        snprintf(w->error, sizeof w->error, "out of memory for the body");
    }
}

static void run_job(serve_job *job, serve_device *dev)
{
    serve_work *w = (serve_work *)job;
    if (w->ep == EP_DIST)
        handle_dist(w, dev);
    else
        handle_conv(w, dev);
}

static void job_done(serve_job *job)
{
    request *r = (request *)job;
    MHD_resume_connection(r->conn);
}

/* The body is complete: check it and queue the job, or answer at once. */
static enum MHD_Result finish_upload(request *r)
{
    serve *s = r->srv;
    serve_work *w = &r->work;
    if (r->pp) {
        /* The processor knows whether the closing boundary arrived. */
        int complete = MHD_destroy_post_processor(r->pp) == MHD_YES;
        r->pp = NULL;
        if (!w->status && !complete) {
            w->status = 400;
            snprintf(w->error, sizeof w->error, "truncated or malformed multipart body");
        }
        if (!w->status) request_check_parts(w);
    } else if (!w->status) {
        request_parse_dist(w, &r->body);
    }
    if (w->status) return send_error(r, w->status, "%s", w->error);
    if (pool_reserve(&s->pool) != 0)
        return send_error(r, 503, "the job queue is full; retry later");
    w->limits = &s->limits;
    /* Receiving the body counts as upload; the worker adds the decoding. */
    w->upload_ms = (io_now_s() - r->started) * 1e3;
    w->job.run = run_job;
    w->job.done = job_done;
    r->state = R_QUEUED;
    MHD_suspend_connection(r->conn);
    pool_submit(&s->pool, &w->job);
    return MHD_YES;
}

static enum MHD_Result answer_job(request *r)
{
    serve_work *w = &r->work;
    if (w->status != 200) return send_error(r, w->status, "%s", w->error);
    char *body = w->body;
    w->body = NULL;
    return send_buffer(r, 200, body, w->body_size, w->content_type);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    serve *s = cls;
    request *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r) return send_oom(s, conn, NULL);
        r->srv = s;
        r->conn = conn;
        r->started = io_now_s();
        r->work.ep = route(url);
        snprintf(r->method, sizeof r->method, "%s", method);
        snprintf(r->path, sizeof r->path, "%s", url);
        r->url_length = strlen(url);
        *con_cls = r;
        pthread_mutex_lock(&s->lock);
        s->requests++;
        pthread_mutex_unlock(&s->lock);
        /* MHD closes the connection after a response queued in a request's
         * first call (it cannot know the body was read), so requests without
         * a body are answered in the next one and keep their connection.
         * POSTs are checked at once: a refusal (413, 401, ...) must come
         * before the client uploads, closing as it should. */
        if (strcmp(method, "GET") == 0) return MHD_YES;
        return begin(r, method);
    }
    if (r->state == R_NEW && *upload_data_size) {
        /* A GET that carries a body: the body means nothing here and is
         * dropped, and the answer goes out once it is read (MHD cannot send
         * one while body bytes are pending). Connection limits and the idle
         * timeout bound what a client can send this way. */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->state == R_NEW) return begin(r, method);
    if (*upload_data_size) {
        if (r->state == R_UPLOAD) receive(r, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->state == R_UPLOAD) return finish_upload(r);
    if (r->state == R_QUEUED) return answer_job(r);
    return MHD_YES;
}

static void free_request(request *r)
{
    if (r->pp) MHD_destroy_post_processor(r->pp);
    for (int i = 0; i < PART_COUNT; i++) free(r->work.parts[i].data);
    for (int i = 0; i < r->work.n_specs; i++) free(r->work.specs[i]);
    free(r->work.specs);
    free(r->work.count);
    free(r->work.preset);
    free(r->work.body);
    free(r->body.data);
    free(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    serve *s = cls;
    request *r = *con_cls;
    if (!r) return;
    *con_cls = NULL;
    /* No answer went out: say why, in nginx's and HTTP's terms. */
    unsigned status = r->status;
    if (toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED && r->state != R_ANSWERED) status = 408;
    else if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && r->state != R_ANSWERED) status = 499;
    const double seconds = io_now_s() - r->started;
    if (s->log) {
        char device[32] = "";
        if (r->work.ran) snprintf(device, sizeof device, "%zu", r->work.device_index);
        access_entry e = {r->method, r->path, status, r->bytes, device,
                          r->work.ran && status == 200 ? clconv_method_name(r->work.chosen) : "",
                          seconds * 1e3};
        log_access(s->log, s->log_json, &e);
    }
    metrics_request(s->metrics, r->work.ep, status, seconds);
    const size_t reserved = r->reserved;
    free_request(r);
    pthread_mutex_lock(&s->lock);
    s->body_bytes -= reserved;
    if (--s->requests == 0) pthread_cond_broadcast(&s->idle);
    pthread_mutex_unlock(&s->lock);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    serve *s = cls;
    if (!s->log) return;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
    fprintf(s->log, "clconv serve: %s\n", line);
}

/* ---- start and stop -------------------------------------------------------------- */

/* Splits "HOST:PORT" or "[V6]:PORT". */
static int split_listen(const char *listen, char *host, size_t host_size, char *port,
                        size_t port_size)
{
    const char *colon = strrchr(listen, ':');
    if (!colon || colon[1] == '\0' || strlen(colon + 1) >= port_size ||
        strspn(colon + 1, "0123456789") != strlen(colon + 1) || atol(colon + 1) > 65535)
        return -1;
    const char *h = listen;
    size_t n = (size_t)(colon - listen);
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    if (n == 0 || n >= host_size) return -1;
    memcpy(host, h, n);
    host[n] = '\0';
    strcpy(port, colon + 1);
    return 0;
}

static int is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        const unsigned char *b = a->sin6_addr.s6_addr;
        if (IN6_IS_ADDR_LOOPBACK(&a->sin6_addr)) return 1;
        return IN6_IS_ADDR_V4MAPPED(&a->sin6_addr) && b[12] == 127;
    }
    return 0;
}

static int open_listener(serve *s, const serve_options *o, char *err, size_t err_size)
{
    const char *listen_at = o->listen ? o->listen : DEFAULT_LISTEN;
    char host[256], port[8];
    if (split_listen(listen_at, host, sizeof host, port, sizeof port) != 0) {
        snprintf(err, err_size, "--listen '%s' is not HOST:PORT", listen_at);
        return -1;
    }
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int gai = getaddrinfo(host, port, &hints, &ai);
    if (gai != 0) {
        snprintf(err, err_size, "--listen '%s': %s", listen_at, gai_strerror(gai));
        return -1;
    }
    if (!is_loopback(ai->ai_addr) && !s->token) {
        snprintf(err, err_size, "listening on '%s', beyond loopback, needs --token-file", host);
        freeaddrinfo(ai);
        return -1;
    }
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    int one = 1;
    if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0) {
        snprintf(err, err_size, "cannot listen on '%s': %s", listen_at, strerror(errno));
        if (fd >= 0) close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage bound;
    socklen_t len = sizeof bound;
    getsockname(fd, (struct sockaddr *)&bound, &len);
    s->port = ntohs(bound.ss_family == AF_INET6
                        ? ((struct sockaddr_in6 *)&bound)->sin6_port
                        : ((struct sockaddr_in *)&bound)->sin_port);
    const int v6 = strchr(host, ':') != NULL;
    snprintf(s->url, sizeof s->url, "%s://%s%s%s:%u", o->tls_cert ? "https" : "http",
             v6 ? "[" : "", host, v6 ? "]" : "", s->port);
    s->listen_fd = fd;
    return 0;
}

int serve_start(const serve_options *o, serve **out, char *err, size_t err_size)
{
    *out = NULL;
    serve *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    s->listen_fd = -1;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->idle, NULL);
    s->max_body = o->max_body ? o->max_body : (size_t)256 << 20;
    s->body_budget = s->max_body > SIZE_MAX / 4 ? SIZE_MAX : 4 * s->max_body;
    s->limits.max_elements = o->max_elements ? o->max_elements : (size_t)1 << 27;
    s->timeout_s = o->timeout_s ? o->timeout_s : 30;
    s->log = o->log;
    s->log_json = o->log_json;
    if (o->token && !(s->token = strdup(o->token))) goto oom;
    if (!o->tls_cert != !o->tls_key) {
        snprintf(err, err_size, "HTTPS needs both a certificate and a key");
        goto fail;
    }
    if (!(s->metrics = metrics_create())) goto oom;
    if (open_listener(s, o, err, err_size) != 0) goto fail;
    if (pool_start(&s->pool, o->devices, o->n_devices, o->workers ? o->workers : 2,
                   o->queue ? o->queue : 64, err, err_size) != 0)
        goto fail;
    s->pool_started = 1;
    s->oom = MHD_create_response_from_buffer(sizeof OOM_BODY - 1, (void *)OOM_BODY,
                                             MHD_RESPMEM_PERSISTENT);
    if (!s->oom ||
        MHD_add_response_header(s->oom, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") !=
            MHD_YES ||
        MHD_add_response_header(s->oom, MHD_HTTP_HEADER_RETRY_AFTER, "1") != MHD_YES)
        goto oom;

    struct MHD_OptionItem options[] = {
        /* MHD wants its logger first, before any option it may complain about. */
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, s},
        {MHD_OPTION_LISTEN_SOCKET, s->listen_fd, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, o->max_connections ? o->max_connections : 256, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, s->timeout_s, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s},
        /* Without TLS this entry ends the list, so the key entry is unread. */
        {o->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, (void *)o->tls_cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)o->tls_key},
        {MHD_OPTION_END, 0, NULL},
    };
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG;
    if (o->tls_cert) flags |= MHD_USE_TLS;
    s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_ARRAY, options,
                                 MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, err_size, "cannot start the HTTP server%s",
                 o->tls_cert ? " (check the TLS certificate and key)" : "");
        goto fail;
    }
    *out = s;
    return 0;
oom:
    snprintf(err, err_size, "out of memory");
fail:
    if (s->oom) MHD_destroy_response(s->oom);
    if (s->pool_started) pool_stop(&s->pool);
    if (s->listen_fd >= 0) close(s->listen_fd);
    metrics_destroy(s->metrics);
    free(s->token);
    pthread_cond_destroy(&s->idle);
    pthread_mutex_destroy(&s->lock);
    free(s);
    return -1;
}

unsigned serve_port(const serve *s)
{
    return s->port;
}

const char *serve_url(const serve *s)
{
    return s->url;
}

void serve_counts_get(serve *s, serve_counts *c)
{
    pthread_mutex_lock(&s->lock);
    c->requests = s->requests;
    pthread_mutex_unlock(&s->lock);
    pool_counts(&s->pool, &c->queued, &c->running);
}

void serve_hold(serve *s, int hold)
{
    pool_hold(&s->pool, hold);
}

void serve_stop(serve *s)
{
    if (!s) return;
    pthread_mutex_lock(&s->lock);
    s->draining = 1;
    pthread_mutex_unlock(&s->lock);
    /* No new connections from here on; open ones may finish their request.
     * MHD's thread may still hold the quiesced socket in its poll set, so it
     * is closed only after MHD stops; shutting it down now (Linux takes a
     * listening socket out of LISTEN that way) refuses new clients at once
     * instead of leaving them in the backlog until the drain ends. */
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET) shutdown(fd, SHUT_RDWR);
    pool_hold(&s->pool, 0);
    /* Jobs always finish and their answers go out; a request still
     * uploading gets the idle timeout to complete. */
    const double deadline = io_now_s() + s->timeout_s;
    pthread_mutex_lock(&s->lock);
    while (s->requests > 0) {
        size_t queued, running;
        pthread_mutex_unlock(&s->lock);
        pool_counts(&s->pool, &queued, &running);
        pthread_mutex_lock(&s->lock);
        if (queued + running == 0 && io_now_s() > deadline) break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->idle, &s->lock, &ts);
    }
    pthread_mutex_unlock(&s->lock);
    MHD_stop_daemon(s->daemon);
    MHD_destroy_response(s->oom);
    if (fd != MHD_INVALID_SOCKET) close(fd);
    pool_stop(&s->pool);
    metrics_destroy(s->metrics);
    free(s->token);
    pthread_cond_destroy(&s->idle);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
