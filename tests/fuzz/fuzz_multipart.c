/*
 * Multipart bodies of POST /v1/conv1d, /v1/conv2d and /v1/conv3d as the
 * service parses them: libmicrohttpd's post processor feeding request.c's
 * callbacks, then the parts decoded as a worker decodes them (conv_job_read
 * and the output's size, under the service's element limit), without a
 * device.
 *
 * The post processor takes its boundary from a connection's headers, so
 * there is no driving it from a buffer: a libmicrohttpd daemon on a loopback
 * port in this process takes each input as one request. Its handler does
 * what server.c's begin, receive and finish_upload do with the request
 * (query parameters, post processor with a 64 KiB buffer, the parts check;
 * keep them in step), then handlers.c's own handle_make_job and the job's
 * reading.
 *
 * An input: a first byte choosing conv1d (odd), conv3d (even, at least
 * 0x80: ASCII corpora keep their meaning) or conv2d, then a line with the
 * query string (bytes an URL cannot hold are percent-encoded), a line with
 * the boundary, and the body.
 */
#include "fuzz.h"
#include "conv_job.h"
#include "serve_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

typedef struct fuzz_request {
    serve_work work;
    struct MHD_PostProcessor *pp;
    int begun;
} fuzz_request;

static unsigned short port;
/* Runs for the life of the process; held here so that LeakSanitizer sees
 * it reachable. */
static struct MHD_Daemon *daemon_;

/* The body is complete: the checks of finish_upload, then the worker's
 * decoding. */
static void finish(fuzz_request *r)
{
    serve_work *w = &r->work;
    int complete = MHD_destroy_post_processor(r->pp) == MHD_YES;
    r->pp = NULL;
    if (!w->status && !complete) w->status = 400;
    if (!w->status && request_check_parts(w) != 0) return;
    if (w->status) return;
    static const serve_limits limits = {FUZZ_MAX_ELEMENTS};
    w->limits = &limits;
    conv_job job = {0};
    handle_make_job(w, &job);
    io_error err = {""};
    int st = conv_job_read(&job, &err);
    if (st == 0) st = conv_job_make_output(&job, "result", &err);
    fuzz_check_status(st, &err);
    w->status = st == 0 ? 200 : serve_http_status(st);
    conv_job_free(&job);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)cls, (void)method, (void)version;
    fuzz_request *r = *con_cls;
    if (!r) {
        if (!(r = calloc(1, sizeof *r))) abort();
        r->work.ep = strcmp(url, "/v1/conv1d") == 0   ? EP_CONV1D
                     : strcmp(url, "/v1/conv3d") == 0 ? EP_CONV3D
                                                      : EP_CONV2D;
        r->work.precision = -1;
        *con_cls = r;
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, request_param, &r->work);
        if (!r->work.status) {
            r->pp = MHD_create_post_processor(conn, 65536, request_part, &r->work);
            if (!r->pp) r->work.status = 400;
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        serve_work *w = &r->work;
        if (!w->status && MHD_post_process(r->pp, upload_data, *upload_data_size) != MHD_YES &&
            !w->status)
            w->status = 400;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->pp) finish(r);
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = MHD_queue_response(conn, r->work.status ? r->work.status : 200, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)conn, (void)toe;
    fuzz_request *r = *con_cls;
    if (!r) return;
    if (r->pp) MHD_destroy_post_processor(r->pp);
    for (int i = 0; i < PART_COUNT; i++) free(r->work.parts[i].data);
    free(r->work.preset);
    free(r);
    *con_cls = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 64) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        perror("fuzz_multipart: loopback socket");
        abort();
    }
    port = ntohs(a.sin_port);
    daemon_ = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL, on_request, NULL,
        MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    if (!daemon_) abort();
    return 0;
}

/* Appends bytes to a growing request text. */
static void put(serve_buffer *b, const void *data, size_t n)
{
    if (buffer_append(b, data, n) != 0) abort();
}

/* The query string, with the bytes a request line cannot hold encoded. */
static void put_query(serve_buffer *b, const uint8_t *q, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char esc[4];
        if (q[i] <= ' ' || q[i] >= 0x7f || q[i] == '#') {
            snprintf(esc, sizeof esc, "%%%02X", q[i]);
            put(b, esc, 3);
        } else {
            put(b, &q[i], 1);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const char *ep = data[0] & 1 ? "/v1/conv1d" : data[0] & 0x80 ? "/v1/conv3d" : "/v1/conv2d";
    const uint8_t *p = data + 1, *end = data + size;
    const uint8_t *nl1 = memchr(p, '\n', (size_t)(end - p));
    if (!nl1) return 0;
    const uint8_t *nl2 = memchr(nl1 + 1, '\n', (size_t)(end - nl1 - 1));
    if (!nl2) return 0;
    /* The boundary sits in a header line: no CR, LF or NUL. */
    for (const uint8_t *c = nl1 + 1; c < nl2; c++)
        if (*c == '\r' || *c == '\0') return 0;
    const uint8_t *body = nl2 + 1;
    size_t body_size = (size_t)(end - body);

    serve_buffer req = {0};
    char head[256];
    put(&req, "POST ", 5);
    put(&req, ep, strlen(ep));
    if (nl1 > p) {
        put(&req, "?", 1);
        put_query(&req, p, (size_t)(nl1 - p));
    }
    int n = snprintf(head, sizeof head, " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     "Content-Length: %zu\r\nContent-Type: multipart/form-data; boundary=",
                     body_size);
    put(&req, head, (size_t)n);
    put(&req, nl1 + 1, (size_t)(nl2 - nl1 - 1));
    put(&req, "\r\n\r\n", 4);
    put(&req, body, body_size);

    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    struct timeval tv = {20, 0};
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0) abort();
    /* libFuzzer's timer signal interrupts the calls below: a connect
     * interrupted goes on by itself, and the rest are retried. */
    while (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (errno == EISCONN) break;
        if (errno != EINTR && errno != EALREADY) {
            perror("fuzz_multipart: connect");
            abort();
        }
    }
    for (size_t off = 0; off < req.size;) {
        ssize_t k = send(fd, req.data + off, req.size - off, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;   /* the server may answer and close before reading it all */
        off += (size_t)k;
    }
    /* Reading to the end waits for the handler, so that each input is done
     * (and its coverage counted) before the next. */
    char buf[4096];
    ssize_t k;
    while ((k = recv(fd, buf, sizeof buf, 0)) > 0 || (k < 0 && errno == EINTR)) {}
    if (k < 0) {
        fprintf(stderr, "fuzz_multipart: no answer within 20 s\n");
        abort();
    }
    close(fd);
    free(req.data);
    return 0;
}
