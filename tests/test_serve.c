/*
 * The HTTP service (host/serve) started in the test's own process on a free
 * port and driven through libcurl, and through raw sockets for clients that
 * misbehave: results equal to the in-process API for conv1d, conv2d, conv3d
 * and dist; concurrent clients; every error status with its JSON body;
 * truncated and abandoned uploads, lying Content-Lengths and idle
 * connections that cost a short timeout; a full queue; a graceful stop with
 * jobs in flight; TLS.
 * Every test ends by checking that /healthz still answers. A second suite,
 * serve_fault, fails the service's host allocations one at a time
 * (tests/fault/malloc_fail.h) and lets clients vanish mid-answer.
 */
#include "harness.h"
#include "suites.h"

#include "array.h"
#include "dist_job.h"
#include "image.h"
#include "json.h"
#include "npy.h"
#include "preset.h"
#include "serve.h"
#include "serve_internal.h"

#include "fault/malloc_fail.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* The idle timeout of the servers here: short, so timeouts take seconds. */
#define TEST_TIMEOUT_S 1

/* ---- server and client ------------------------------------------------------ */

static serve *start_server(serve_options *o)
{
    char err[512];
    serve *s = NULL;
    if (!o->listen) o->listen = "127.0.0.1:0";
    if (!o->timeout_s) o->timeout_s = TEST_TIMEOUT_S;
    ck_assert_msg(serve_start(o, &s, err, sizeof err) == 0, "serve_start: %s", err);
    ck_assert_uint_ne(serve_port(s), 0);
    return s;
}

static serve *start_default(void)
{
    serve_options o = {0};
    return start_server(&o);
}

typedef struct reply {
    long status;
    char *body;
    size_t size;
    char headers[4096];
    size_t headers_len;
} reply;

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    reply *r = arg;
    char *b = realloc(r->body, r->size + size * n + 1);
    if (!b) return 0;
    memcpy(b + r->size, data, size * n);
    r->body = b;
    r->size += size * n;
    r->body[r->size] = '\0';
    return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
    reply *r = arg;
    size_t len = size * n;
    if (r->headers_len + len < sizeof r->headers) {
        memcpy(r->headers + r->headers_len, data, len);
        r->headers_len += len;
        r->headers[r->headers_len] = '\0';
    }
    return len;
}

/* The value of header name in r, or "" (static buffer per call site use). */
static const char *header(const reply *r, const char *name, char *buf, size_t size)
{
    size_t n = strlen(name);
    buf[0] = '\0';
    for (const char *p = r->headers; *p;) {
        const char *eol = strstr(p, "\r\n");
        if (!eol) break;
        if ((size_t)(eol - p) > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ') v++;
            snprintf(buf, size, "%.*s", (int)(eol - v), v);
            break;
        }
        p = eol + 2;
    }
    return buf;
}

static void reply_free(reply *r)
{
    free(r->body);
    memset(r, 0, sizeof *r);
}

typedef struct part {
    const char *name;
    const void *data;
    size_t size;
} part;

/* One request: GET when parts and json are NULL, else a multipart POST of
 * the parts or a JSON POST. token adds the Authorization header. Returns
 * the curl code; r receives status, headers and body. */
static CURLcode request_full(const char *url, const part *parts, size_t n_parts,
                             const char *json, const char *token, const char *ca_file, reply *r)
{
    memset(r, 0, sizeof *r);
    CURL *c = curl_easy_init();
    if (!c) return CURLE_FAILED_INIT;
    curl_mime *mime = NULL;
    struct curl_slist *hdrs = NULL;
    char auth[256];
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    if (ca_file) curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        hdrs = curl_slist_append(hdrs, auth);
    }
    if (parts) {
        mime = curl_mime_init(c);
        for (size_t i = 0; i < n_parts; i++) {
            curl_mimepart *p = curl_mime_addpart(mime);
            curl_mime_name(p, parts[i].name);
            curl_mime_data(p, parts[i].data, parts[i].size);
            curl_mime_filename(p, "part.npy");
        }
        curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    } else if (json) {
        hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_mime_free(mime);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    return rc;
}

static void request(serve *s, const char *path, const part *parts, size_t n_parts,
                    const char *json, reply *r)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", serve_url(s), path);
    CURLcode rc = request_full(url, parts, n_parts, json, NULL, NULL, r);
    ck_assert_msg(rc == CURLE_OK, "%s: %s", path, curl_easy_strerror(rc));
}

/* Asserts an error answer: status, JSON content type, and an error line
 * containing text. */
static void assert_error(const reply *r, long status, const char *text)
{
    char type[128];
    ck_assert_msg(r->status == status, "status %ld, want %ld (body %s)", r->status, status,
                  r->body ? r->body : "");
    ck_assert_str_eq(header(r, "Content-Type", type, sizeof type), "application/json");
    json_value v = {0};
    char why[128];
    ck_assert_msg(r->body && json_parse(r->body, r->size, &v, why, sizeof why) == 0, "body %s",
                  r->body);
    const json_value *e = json_get(&v, "error");
    ck_assert_msg(v.type == JSON_OBJECT && v.count == 1 && e && e->type == JSON_STRING,
                  "body %s", r->body);
    ck_assert_msg(strstr(e->string, text) != NULL, "'%s' not in %s", text, r->body);
    ck_assert_ptr_null(strchr(e->string, '\n'));
    json_free(&v);
}

static void assert_healthy(serve *s)
{
    reply r;
    request(s, "/healthz", NULL, 0, NULL, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, "{\"status\": \"ok\"}\n");
    reply_free(&r);
}

/* ---- arrays ----------------------------------------------------------------- */

/* A .npy file of the array in new memory (*size bytes). */
static char *npy_bytes(clconv_dtype dtype, int ndim, const size_t *shape, const void *data,
                       size_t *size)
{
    real_array a = {0};
    a.dtype = dtype;
    a.ndim = ndim;
    a.count = 1;
    for (int d = 0; d < ndim; d++) {
        a.shape[d] = shape[d];
        a.count *= shape[d];
    }
    a.data = (void *)data;
    char *buf = NULL;
    FILE *m = open_memstream(&buf, size);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(npy_write(m, "test", &a, NULL), 0);
    ck_assert_int_eq(fclose(m), 0);
    return buf;
}

/* Decodes an answered .npy into a, checking its shape. */
static void npy_decode(const reply *r, clconv_dtype dtype, int ndim, const size_t *shape,
                       real_array *a)
{
    npy_file nf;
    io_error err;
    int st = npy_open_mem(&nf, r->body, r->size, "answer", &err);
    if (st == 0) st = npy_read(&nf, dtype, a, &err);
    if (st == 0) npy_close(&nf);
    ck_assert_msg(st == 0, "answer: %s", err.message);
    ck_assert_int_eq(a->ndim, ndim);
    for (int d = 0; d < ndim; d++) ck_assert_uint_eq(a->shape[d], shape[d]);
}

static void fill(clconv_dtype dtype, void *x, size_t n, uint64_t seed)
{
    test_rng rng;
    test_rng_seed(&rng, seed);
    double *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = test_rng_uniform(&rng);
    test_store(dtype, x, v, n);
    free(v);
}

/* The largest difference between two arrays of n elements, relative to the
 * largest magnitude of want. */
static double max_rel_diff(clconv_dtype dtype, const void *got, const void *want, size_t n)
{
    double *g = malloc(n * sizeof *g), *w = malloc(n * sizeof *w), d = 0, top = 0;
    test_load(dtype, g, got, n);
    test_load(dtype, w, want, n);
    for (size_t i = 0; i < n; i++) {
        d = fmax(d, fabs(g[i] - w[i]));
        top = fmax(top, fabs(w[i]));
    }
    free(g);
    free(w);
    return top > 0 ? d / top : d;
}

/* ---- results ---------------------------------------------------------------- */

/* A conv1d through the server against clconv_conv1d_host on the test's own
 * runtime: the same device and method give the same bits for direct, and
 * agree to rounding for FFT. */
static void check_conv1d(serve *s, clconv_dtype dtype, size_t n, size_t k, const char *query,
                         clconv_mode mode, clconv_method method, int correlate, uint64_t seed)
{
    size_t es = test_dtype_bytes(dtype);
    void *x = test_alloc(dtype, n), *h = test_alloc(dtype, k);
    fill(dtype, x, n, seed);
    fill(dtype, h, k, seed + 1);
    size_t m;
    ASSERT_OK(NULL, clconv_conv_output_size(n, k, mode, &m));
    void *want = test_alloc(dtype, m);
    clconv_conv_options o = {.mode = mode, .method = method, .correlate = correlate};
    ASSERT_OK(test_runtime(), clconv_conv1d_host(test_runtime(), dtype, x, n, 1, h, k, want, &o));

    size_t xs, hs;
    char *xb = npy_bytes(dtype, 1, &n, x, &xs), *hb = npy_bytes(dtype, 1, &k, h, &hs);
    part parts[] = {{"input", xb, xs}, {"kernel", hb, hs}};
    reply r;
    char path[256], buf[256];
    snprintf(path, sizeof path, "/v1/conv1d?%s", query);
    request(s, path, parts, 2, NULL, &r);
    ck_assert_msg(r.status == 200, "status %ld: %s", r.status, r.body);
    ck_assert_str_eq(header(&r, "Content-Type", buf, sizeof buf), "application/x-npy");
    ck_assert_str_eq(header(&r, "X-Clconv-Method", buf, sizeof buf), clconv_method_name(o.chosen));
    ck_assert_ptr_nonnull(strstr(header(&r, "Server-Timing", buf, sizeof buf), "compute;dur="));
    clconv_device_info info;
    ASSERT_OK(NULL, clconv_runtime_device(test_runtime(), &info));
    ck_assert_str_eq(header(&r, "X-Clconv-Device", buf, sizeof buf), info.name);
    real_array got = {0};
    npy_decode(&r, dtype, 1, &m, &got);
    if (o.chosen == CLCONV_METHOD_DIRECT)
        ck_assert_msg(memcmp(got.data, want, m * es) == 0, "conv1d %s differs", query);
    else
        ck_assert_double_le(max_rel_diff(dtype, got.data, want, m), dtype == CLCONV_F32 ? 1e-5 : 1e-12);
    real_array_free(&got);
    reply_free(&r);
    free(xb);
    free(hb);
    free(x);
    free(h);
    free(want);
}

START_TEST(test_conv1d_equals_api)
{
    serve *s = start_default();
    check_conv1d(s, CLCONV_F32, 1000, 31, "mode=same&method=direct", CLCONV_MODE_SAME,
                 CLCONV_METHOD_DIRECT, 0, 1);
    check_conv1d(s, CLCONV_F64, 777, 40, "mode=valid&correlate=1&method=direct",
                 CLCONV_MODE_VALID, CLCONV_METHOD_DIRECT, 1, 2);
    check_conv1d(s, CLCONV_F32, 5000, 700, "method=fft", CLCONV_MODE_FULL, CLCONV_METHOD_FFT, 0,
                 3);
    check_conv1d(s, CLCONV_F32, 5000, 700, "method=fft", CLCONV_MODE_FULL, CLCONV_METHOD_FFT, 0,
                 4);
    /* The second FFT job found its plans in the server's warm runtime. */
    reply r;
    request(s, "/metrics", NULL, 0, NULL, &r);
    const char *hits = strstr(r.body, "\nclconv_fft_plan_cache_hits_total{device=");
    ck_assert_ptr_nonnull(hits);
    ck_assert_int_gt(atol(strstr(hits, "} ") + 2), 0);
    ck_assert_ptr_nonnull(strstr(r.body, "\nclconv_program_cache_builds_total{device="));
    reply_free(&r);
    assert_healthy(s);
    serve_stop(s);
}
END_TEST

START_TEST(test_conv2d_equals_api)
{
    serve *s = start_default();
    const clconv_dtype dt = CLCONV_F64;
    size_t ishape[3] = {2, 40, 50}, kshape[2] = {5, 4}, m[2];
    double *img = test_alloc(dt, 2 * 40 * 50), *ker = test_alloc(dt, 20);
    fill(dt, img, 2 * 40 * 50, 7);
    fill(dt, ker, 20, 8);
    size_t is, ks;
    /* A batch of two images in valid mode, correlation. */
    char *ib = npy_bytes(dt, 3, ishape, img, &is), *kb = npy_bytes(dt, 2, kshape, ker, &ks);
    ASSERT_OK(NULL, clconv_conv_output_size(40, 5, CLCONV_MODE_VALID, &m[0]));
    ASSERT_OK(NULL, clconv_conv_output_size(50, 4, CLCONV_MODE_VALID, &m[1]));
    double *want = test_alloc(dt, 2 * m[0] * m[1]);
    clconv_conv_options o = {.mode = CLCONV_MODE_VALID, .method = CLCONV_METHOD_DIRECT,
                             .correlate = 1};
    ASSERT_OK(test_runtime(), clconv_conv2d_host(test_runtime(), dt, img, 40, 50, 2, ker, 5, 4,
                                                 want, &o));
    part parts[] = {{"input", ib, is}, {"kernel", kb, ks}};
    reply r;
    request(s, "/v1/conv2d?mode=valid&correlate=1&batch=1&method=direct", parts, 2, NULL, &r);
    ck_assert_msg(r.status == 200, "status %ld: %s", r.status, r.body);
    real_array got = {0};
    size_t oshape[3] = {2, m[0], m[1]};
    npy_decode(&r, dt, 3, oshape, &got);
    ck_assert(memcmp(got.data, want, 2 * m[0] * m[1] * sizeof(double)) == 0);
    real_array_free(&got);
    reply_free(&r);

    /* A separable kernel given as kcol and krow, float32 by request. */
    const size_t kc = 3, kr = 5;
    float img32[40 * 50], col[3], row[5];
    fill(CLCONV_F32, img32, 40 * 50, 9);
    fill(CLCONV_F32, col, kc, 10);
    fill(CLCONV_F32, row, kr, 11);
    float want32[40 * 50];
    clconv_conv_options so = {.mode = CLCONV_MODE_SAME, .method = CLCONV_METHOD_DIRECT};
    ASSERT_OK(test_runtime(), clconv_conv2d_separable_host(test_runtime(), CLCONV_F32, img32, 40,
                                                           50, 1, col, kc, row, kr, want32, &so));
    size_t s2, cs, rs;
    char *i2 = npy_bytes(CLCONV_F32, 2, ishape + 1, img32, &s2);
    char *cb = npy_bytes(CLCONV_F32, 1, &kc, col, &cs), *rb = npy_bytes(CLCONV_F32, 1, &kr, row, &rs);
    part sparts[] = {{"input", i2, s2}, {"kcol", cb, cs}, {"krow", rb, rs}};
    request(s, "/v1/conv2d?mode=same&method=direct&precision=f32", sparts, 3, NULL, &r);
    ck_assert_msg(r.status == 200, "status %ld: %s", r.status, r.body);
    npy_decode(&r, CLCONV_F32, 2, ishape + 1, &got);
    ck_assert(memcmp(got.data, want32, sizeof want32) == 0);
    real_array_free(&got);
    reply_free(&r);
    assert_healthy(s);
    serve_stop(s);
    free(ib);
    free(kb);
    free(i2);
    free(cb);
    free(rb);
    free(img);
    free(ker);
    free(want);
}
END_TEST

/* POSTs the parts to path and checks a 200 whose .npy of dtype and shape
 * holds want's bytes exactly. */
static void check_answer(serve *s, const char *path, const part *parts, size_t n_parts,
                         clconv_dtype dtype, int odim, const size_t *oshape, const void *want,
                         size_t bytes)
{
    reply r;
    request(s, path, parts, n_parts, NULL, &r);
    ck_assert_msg(r.status == 200, "%s: status %ld: %s", path, r.status, r.body);
    real_array got = {0};
    npy_decode(&r, dtype, odim, oshape, &got);
    ck_assert_msg(memcmp(got.data, want, bytes) == 0, "%s differs", path);
    real_array_free(&got);
    reply_free(&r);
}

/* POSTs the parts to path and checks an error answer (see assert_error). */
static void check_error(serve *s, const char *path, const part *parts, size_t n_parts,
                        long status, const char *text)
{
    reply r;
    request(s, path, parts, n_parts, NULL, &r);
    assert_error(&r, status, text);
    reply_free(&r);
}

/* POSTs input and kernel (float32 .npy of the given shapes) to path and
 * checks a 200 whose .npy equals want (n elements, oshape) to the bit. */
static void check_exact(serve *s, const char *path, int xdim, const size_t *xshape,
                        const float *x, int kdim, const size_t *kshape, const float *h,
                        int odim, const size_t *oshape, const float *want, size_t n)
{
    size_t xs, hs;
    char *xb = npy_bytes(CLCONV_F32, xdim, xshape, x, &xs);
    char *hb = npy_bytes(CLCONV_F32, kdim, kshape, h, &hs);
    part parts[] = {{"input", xb, xs}, {"kernel", hb, hs}};
    check_answer(s, path, parts, 2, CLCONV_F32, odim, oshape, want, n * sizeof *want);
    free(xb);
    free(hb);
}

/* out_dtype: a uint8 input and result through the server, byte for byte
 * what clconv_conv2d_host_typed gives (ties to even, saturated at 0 and
 * 255), with the answer's .npy typed |u1; then the mistakes as 400s. */
START_TEST(test_out_dtype)
{
    serve *s = start_default();
    clconv_runtime *rt = test_runtime();
    enum { R = 5, C = 9, N = R * C };
    uint8_t x[N], want[N];
    int16_t want16[N];
    /* A sharpening kernel whose centre makes ties (x.5) of odd pixels. */
    const float h[9] = {0, -1, 0, -1, 4.5f, -1, 0, -1, 0};
    for (int i = 0; i < N; i++) x[i] = (uint8_t)((i * 97 + 13) % 256);
    size_t shape[2] = {R, C}, kshape[2] = {3, 3}, xs, hs;
    char *xb = npy_bytes(CLCONV_U8, 2, shape, x, &xs);
    char *hb = npy_bytes(CLCONV_F32, 2, kshape, h, &hs);
    part parts[] = {{"input", xb, xs}, {"kernel", hb, hs}};
    clconv_conv_options o = {.mode = CLCONV_MODE_SAME, .boundary = CLCONV_BOUNDARY_REFLECT};
    ASSERT_OK(rt, clconv_conv2d_host_typed(rt, CLCONV_U8, x, R, C, 1, CLCONV_F32, h, 3, 3,
                                           CLCONV_U8, want, &o));
    ASSERT_OK(rt, clconv_conv2d_host_typed(rt, CLCONV_U8, x, R, C, 1, CLCONV_F32, h, 3, 3,
                                           CLCONV_I16, want16, &o));
    int low = 0, high = 0;
    for (int i = 0; i < N; i++) low += want16[i] < 0, high += want16[i] > 255;
    ck_assert_msg(low > 0 && high > 0, "the case crosses neither 0 nor 255");
    const char *paths[] = {"/v1/conv2d?boundary=reflect&out_dtype=uint8",
                           "/v1/conv2d?boundary=reflect&out_dtype=same"};
    for (int p = 0; p < 2; p++) {
        reply r;
        request(s, paths[p], parts, 2, NULL, &r);
        ck_assert_msg(r.status == 200, "%s: status %ld: %s", paths[p], r.status, r.body);
        npy_file nf;
        io_error err;
        ck_assert_int_eq(npy_open_mem(&nf, r.body, r.size, "answer", &err), 0);
        ck_assert_int_eq(nf.type, NPY_U1);
        npy_close(&nf);
        reply_free(&r);
    }
    check_answer(s, paths[0], parts, 2, CLCONV_U8, 2, shape, want, sizeof want);
    check_answer(s, "/v1/conv2d?boundary=reflect&out_dtype=int16", parts, 2, CLCONV_I16, 2,
                 shape, want16, sizeof want16);
    check_error(s, "/v1/conv2d?out_dtype=int8", parts, 2, 400,
                "out_dtype must be float32, float64, complex64, complex128, uint8, uint16, int16 "
                "or same, not 'int8'");
    check_error(s, "/v1/conv2d?out_dtype=complex64", parts, 2, 400,
                "out_dtype=complex64: complex results come from complex inputs");
    check_error(s, "/v1/conv2d?out_dtype=float64&precision=f32", parts, 2, 400,
                "out_dtype=float64 asks for a float64 result but precision=f32");
    free(xb);
    free(hb);
    serve_stop(s);
}
END_TEST

/* Complex .npy parts: a complex64 signal with a float32 kernel and a float32
 * signal with a complex128 kernel (NumPy's promotion: complex128), answered
 * as .npy of the complex dtype, byte for byte what the typed host forms
 * give; correlation conjugates the kernel there as here. */
START_TEST(test_complex_parts)
{
    serve *s = start_default();
    clconv_runtime *rt = test_runtime();
    enum { N = 40, K = 5 };
    float xc[2 * N], xr[N], hr[K], want64[2 * N];
    double hc[2 * K], xr64[N], want128[2 * N];
    for (int i = 0; i < N; i++) {
        xc[2 * i] = (float)((i * 7) % 11) - 5, xc[2 * i + 1] = (float)((i * 5) % 9) - 4;
        xr[i] = (float)((i * 3) % 7) - 3, xr64[i] = xr[i];
    }
    for (int j = 0; j < K; j++) {
        hr[j] = (float)(j - 2);
        hc[2 * j] = 0.5 * j - 1, hc[2 * j + 1] = 1.25 - 0.5 * j;
    }
    clconv_conv_options o = {.mode = CLCONV_MODE_SAME, .correlate = 1};
    ASSERT_OK(rt, clconv_conv1d_host_typed(rt, CLCONV_C64, xc, N, 1, CLCONV_F32, hr, K,
                                           CLCONV_C64, want64, &o));
    ASSERT_OK(rt, clconv_conv1d_host_typed(rt, CLCONV_F64, xr64, N, 1, CLCONV_C128, hc, K,
                                           CLCONV_C128, want128, &o));
    size_t shape[1] = {N}, kshape[1] = {K}, s1, s2, s3, s4;
    char *xcb = npy_bytes(CLCONV_C64, 1, shape, xc, &s1);
    char *hrb = npy_bytes(CLCONV_F32, 1, kshape, hr, &s2);
    char *xrb = npy_bytes(CLCONV_F32, 1, shape, xr, &s3);
    char *hcb = npy_bytes(CLCONV_C128, 1, kshape, hc, &s4);
    part a[] = {{"input", xcb, s1}, {"kernel", hrb, s2}};
    part b[] = {{"input", xrb, s3}, {"kernel", hcb, s4}};
    check_answer(s, "/v1/conv1d?mode=same&correlate=1", a, 2, CLCONV_C64, 1, shape, want64,
                 sizeof want64);
    check_answer(s, "/v1/conv1d?mode=same&correlate=1", b, 2, CLCONV_C128, 1, shape, want128,
                 sizeof want128);
    check_error(s, "/v1/conv1d?mode=same&out_dtype=float32", a, 2, 400,
                "out_dtype=float32: the result of complex inputs in float32 is complex64");
    free(xcb);
    free(hrb);
    free(xrb);
    free(hcb);
    serve_stop(s);
}
END_TEST

/* A 64-bit integer .npy (int64 or uint64) is refused by name, with what is
 * accepted, before any device work: no float64 holds all its values. */
START_TEST(test_int64_refused)
{
    serve *s = start_default();
    static const char *const descrs[2] = {"<i8", "<u8"};
    static const char *const names[2] = {"int64 (<i8)", "uint64 (<u8)"};
    const float h[3] = {1, 2, 1};
    size_t kshape[1] = {3}, hs;
    char *hb = npy_bytes(CLCONV_F32, 1, kshape, h, &hs);
    for (int t = 0; t < 2; t++) {
        /* NumPy's version 1.0 layout: magic, header length, a header
         * padded to 128 bytes, then three little-endian 8-byte values. */
        char x[128 + 24] = "\x93NUMPY\x01\x00";
        char header[118];
        int len = snprintf(header, sizeof header,
                           "{'descr': '%s', 'fortran_order': False, 'shape': (3,), }", descrs[t]);
        memset(x + 10, ' ', 118);
        memcpy(x + 10, header, (size_t)len);
        x[8] = 118, x[9] = 0, x[127] = '\n';
        memset(x + 128, 0, 24);
        x[128] = 1, x[136] = 2, x[144] = 3;
        part parts[] = {{"input", x, sizeof x}, {"kernel", hb, hs}};
        char want[160];
        snprintf(want, sizeof want, "part 'input': %s is not accepted", names[t]);
        check_error(s, "/v1/conv1d", parts, 2, 400, want);
        check_error(s, "/v1/conv1d", parts, 2, 400,
                    "inputs may be float32, float64, int8, int16, int32, uint8, uint16 or uint32");
        /* As the kernel too. */
        part swapped[] = {{"input", hb, hs}, {"kernel", x, sizeof x}};
        snprintf(want, sizeof want, "part 'kernel': %s is not accepted", names[t]);
        check_error(s, "/v1/conv1d", swapped, 2, 400, want);
    }
    free(hb);
    serve_stop(s);
}
END_TEST

/* boundary, cval, origin and axis through the server against the API with
 * the same options: conv1d, conv2d, and conv1d down the columns of a 2-D
 * array (the API's conv2d with a k x 1 kernel) and along each axis of a 3-D
 * one; then each mistake as a 400 naming the parameter. */
START_TEST(test_boundary_and_axis)
{
    serve *s = start_default();
    clconv_runtime *rt = test_runtime();
    enum { R = 6, C = 7, N = R * C, K = 4 };
    float x[N], h[K], ker2[3 * K], want[N];
    for (int i = 0; i < N; i++) x[i] = (float)((i * 7) % 9 - 4);
    for (int i = 0; i < K; i++) h[i] = (float)(i - 1);
    for (int i = 0; i < 3 * K; i++) ker2[i] = (float)((i * 5) % 7 - 3);
    size_t n1 = N, k1 = K, shape2[2] = {R, C}, kshape2[2] = {3, K};

    clconv_conv_options o = {.mode = CLCONV_MODE_SAME, .boundary = CLCONV_BOUNDARY_CONSTANT,
                             .cval = 2.5, .origin = {-2, 0}};
    ASSERT_OK(rt, clconv_conv1d_host(rt, CLCONV_F32, x, N, 1, h, K, want, &o));
    check_exact(s, "/v1/conv1d?boundary=constant&cval=2.5&origin=-2", 1, &n1, x, 1, &k1, h, 1,
                &n1, want, N);
    clconv_conv_options o2 = {.mode = CLCONV_MODE_SAME, .boundary = CLCONV_BOUNDARY_WRAP,
                              .origin = {1, -2}, .correlate = 1};
    ASSERT_OK(rt, clconv_conv2d_host(rt, CLCONV_F32, x, R, C, 1, ker2, 3, K, want, &o2));
    check_exact(s, "/v1/conv2d?boundary=wrap&origin=1,-2&correlate=1&mode=same", 2, shape2, x, 2,
                kshape2, ker2, 2, shape2, want, N);
    /* Columns: axis=0 of rows x cols is a k x 1 kernel down each column. */
    clconv_conv_options o3 = {.mode = CLCONV_MODE_SAME, .boundary = CLCONV_BOUNDARY_REFLECT,
                              .origin = {1, 0}};
    ASSERT_OK(rt, clconv_conv2d_host(rt, CLCONV_F32, x, R, C, 1, h, K, 1, want, &o3));
    check_exact(s, "/v1/conv1d?axis=0&boundary=reflect&origin=1", 2, shape2, x, 1, &k1, h, 2,
                shape2, want, N);
    /* Rows: axis=-1 is batch=1. */
    clconv_conv_options o4 = {.mode = CLCONV_MODE_FULL};
    float wide[R * (C + K - 1)];
    size_t wshape[2] = {R, C + K - 1};
    ASSERT_OK(rt, clconv_conv1d_host(rt, CLCONV_F32, x, C, R, h, K, wide, &o4));
    check_exact(s, "/v1/conv1d?axis=-1", 2, shape2, x, 1, &k1, h, 2, wshape, wide, R * (C + K - 1));
    /* The middle axis of 2 x 3 x 7: two images of 3 x 7, k x 1. */
    size_t shape3[3] = {2, 3, C};
    clconv_conv_options o5 = {.mode = CLCONV_MODE_SAME, .boundary = CLCONV_BOUNDARY_NEAREST};
    ASSERT_OK(rt, clconv_conv2d_host(rt, CLCONV_F32, x, 3, C, 2, h, K, 1, want, &o5));
    check_exact(s, "/v1/conv1d?axis=1&boundary=nearest", 3, shape3, x, 1, &k1, h, 3, shape3,
                want, 2 * 3 * C);

    size_t xs, hs, ks2, fs;
    char *xb = npy_bytes(CLCONV_F32, 2, shape2, x, &xs), *hb = npy_bytes(CLCONV_F32, 1, &k1, h, &hs);
    char *kb2 = npy_bytes(CLCONV_F32, 2, kshape2, ker2, &ks2);
    size_t shape4[4] = {1, 2, 3, 7};
    char *fb = npy_bytes(CLCONV_F32, 4, shape4, x, &fs);
    part p1[] = {{"input", xb, xs}, {"kernel", hb, hs}};
    part p2[] = {{"input", xb, xs}, {"kernel", kb2, ks2}};
    part p4[] = {{"input", fb, fs}, {"kernel", hb, hs}};
    static const struct {
        const char *path;
        int two_d, four_d;
        const char *error;
    } cases[] = {
        {"/v1/conv1d?axis=1&boundary=zero", 0, 0,
         "boundary must be constant, reflect, mirror, nearest or wrap, not 'zero'"},
        {"/v1/conv1d?axis=1&boundary=reflect&mode=full", 0, 0,
         "boundary=reflect keeps the input's shape, as scipy.ndimage does, so it cannot go with "
         "mode=full (leave out mode, or give mode=same)"},
        {"/v1/conv2d?mode=valid&boundary=wrap", 1, 0, "cannot go with mode=valid"},
        {"/v1/conv1d?axis=1&cval=1", 0, 0, "cval is the value outside the input under "
         "boundary=constant"},
        {"/v1/conv1d?axis=1&origin=1", 0, 0, "origin places the kernel under a boundary mode"},
        {"/v1/conv1d?axis=1&boundary=constant&cval=x", 0, 0, "cval must be a finite number, not 'x'"},
        {"/v1/conv1d?axis=1&boundary=reflect&origin=1,1", 0, 0,
         "origin must be an integer such as -1, not '1,1'"},
        {"/v1/conv1d?axis=1&boundary=reflect&origin=2", 0, 0,
         "part 'kernel': origin=2 lies outside the kernel's 4 taps; it must lie in -2 ... 1"},
        {"/v1/conv2d?boundary=reflect&origin=2,0", 1, 0,
         "part 'kernel': origin=2,0: the row origin 2 lies outside the kernel's 3 rows"},
        {"/v1/conv1d?axis=2", 0, 0,
         "part 'input': axis=2 is out of range for a 2-D array (shape (6, 7)): it must lie in -2 "
         "... 1"},
        {"/v1/conv1d?axis=0", 0, 1,
         "part 'input': axis takes an array of 1 to 3 dimensions, got shape (1, 2, 3, 7)"},
        {"/v1/conv1d?axis=a", 0, 0, "axis must be an integer such as 0 or -1, not 'a'"},
        {"/v1/conv1d?axis=-1&batch=1", 0, 0, "give axis or batch=1, not both"},
        {"/v1/conv2d?axis=0", 1, 0, "axis is for conv1d"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        reply r;
        request(s, cases[i].path, cases[i].four_d ? p4 : cases[i].two_d ? p2 : p1, 2, NULL, &r);
        assert_error(&r, 400, cases[i].error);
        reply_free(&r);
    }
    assert_healthy(s);
    serve_stop(s);
    free(xb);
    free(hb);
    free(kb2);
    free(fb);
}
END_TEST

/* POST /v1/conv3d against the API with the same options: a batch of two
 * volumes in float64, a boundary mode with an origin, separable factors as
 * parts kdepth, kcol and krow, and a separable preset; then each mistake
 * as a 400 naming what is wrong, and the element limit as a 413. */
START_TEST(test_conv3d_equals_api)
{
    serve *s = start_default();
    clconv_runtime *rt = test_runtime();
    enum { D = 5, R = 6, C = 7, N = D * R * C };
    size_t vshape[4] = {2, D, R, C}, kshape[3] = {3, 2, 4}, m[3];
    double *vol = test_alloc(CLCONV_F64, 2 * N), *ker = test_alloc(CLCONV_F64, 24);
    fill(CLCONV_F64, vol, 2 * N, 31);
    fill(CLCONV_F64, ker, 24, 32);
    for (int d = 0; d < 3; d++)
        ASSERT_OK(NULL, clconv_conv_output_size(vshape[1 + d], kshape[d], CLCONV_MODE_FULL,
                                                &m[d]));
    size_t mn = m[0] * m[1] * m[2];
    double *want = test_alloc(CLCONV_F64, 2 * mn);
    clconv_conv_options o = {.mode = CLCONV_MODE_FULL, .method = CLCONV_METHOD_DIRECT,
                             .correlate = 1};
    ASSERT_OK(rt, clconv_conv3d_host(rt, CLCONV_F64, vol, D, R, C, 2, ker, 3, 2, 4, want, &o));
    size_t vs, ks;
    char *vb = npy_bytes(CLCONV_F64, 4, vshape, vol, &vs);
    char *kb = npy_bytes(CLCONV_F64, 3, kshape, ker, &ks);
    part parts[] = {{"input", vb, vs}, {"kernel", kb, ks}};
    size_t oshape[4] = {2, m[0], m[1], m[2]};
    check_answer(s, "/v1/conv3d?batch=1&correlate=1&method=direct", parts, 2, CLCONV_F64, 4,
                 oshape, want, 2 * mn * sizeof(double));

    /* float32 with a boundary mode and an origin per axis. */
    float x[N], h[24], w[N], kz[3], ky[2], kx[4];
    fill(CLCONV_F32, x, N, 33);
    fill(CLCONV_F32, h, 24, 34);
    fill(CLCONV_F32, kz, 3, 35);
    fill(CLCONV_F32, ky, 2, 36);
    fill(CLCONV_F32, kx, 4, 37);
    clconv_conv_options ob = {.mode = CLCONV_MODE_SAME, .boundary = CLCONV_BOUNDARY_REFLECT,
                              .origin = {1, -1, 0}};
    ASSERT_OK(rt, clconv_conv3d_host(rt, CLCONV_F32, x, D, R, C, 1, h, 3, 2, 4, w, &ob));
    check_exact(s, "/v1/conv3d?boundary=reflect&origin=1,-1,0", 3, vshape + 1, x, 3, kshape, h,
                3, vshape + 1, w, N);

    /* Separable factors as parts. */
    clconv_conv_options os = {.mode = CLCONV_MODE_SAME, .boundary = CLCONV_BOUNDARY_NEAREST};
    ASSERT_OK(rt, clconv_conv3d_separable_host(rt, CLCONV_F32, x, D, R, C, 1, kz, 3, ky, 2, kx,
                                               4, w, &os));
    size_t xs, zs, ys, xxs, n3 = 3, n2 = 2, n4 = 4;
    char *xb = npy_bytes(CLCONV_F32, 3, vshape + 1, x, &xs);
    char *zb = npy_bytes(CLCONV_F32, 1, &n3, kz, &zs), *yb = npy_bytes(CLCONV_F32, 1, &n2, ky, &ys);
    char *xxb = npy_bytes(CLCONV_F32, 1, &n4, kx, &xxs);
    part sparts[] = {{"input", xb, xs}, {"kdepth", zb, zs}, {"kcol", yb, ys}, {"krow", xxb, xxs}};
    check_answer(s, "/v1/conv3d?boundary=nearest&precision=f32", sparts, 4, CLCONV_F32, 3,
                 vshape + 1, w, sizeof w);

    /* A separable preset: gaussian:1 along each axis. */
    preset_kernel pk;
    ck_assert_int_eq(preset_make("gaussian:1", 3, &pk, NULL), 0);
    ck_assert_int_eq(pk.n_parts, 3);
    float g[7];
    test_store(CLCONV_F32, g, pk.parts[0].data, 7);
    clconv_conv_options og = {.mode = CLCONV_MODE_SAME, .boundary = CLCONV_BOUNDARY_WRAP};
    ASSERT_OK(rt, clconv_conv3d_separable_host(rt, CLCONV_F32, x, D, R, C, 1, g, 7, g, 7, g, 7,
                                               w, &og));
    part input_only[] = {{"input", xb, xs}};
    check_answer(s, "/v1/conv3d?kernel=gaussian:1&boundary=wrap", input_only, 1, CLCONV_F32, 3,
                 vshape + 1, w, sizeof w);
    preset_free(&pk);

    size_t hs2;
    char *hb = npy_bytes(CLCONV_F32, 3, kshape, h, &hs2);
    part p3[] = {{"input", xb, xs}, {"kernel", hb, hs2}};
    part p4[] = {{"input", vb, vs}, {"kernel", hb, hs2}};
    part no_depth[] = {{"input", xb, xs}, {"kcol", yb, ys}, {"krow", xxb, xxs}};
    static const struct {
        const char *path;
        int which; /* 0: p3, 1: p4 (a 4-D input), 2: kcol and krow only */
        const char *error;
    } cases[] = {
        {"/v1/conv3d", 1, "part 'input': expected a 3-D array, got shape (2, 5, 6, 7) (batch=1 "
         "takes a stack)"},
        {"/v1/conv3d?batch=1", 0, "part 'input': expected a 4-D array, got shape (5, 6, 7)"},
        {"/v1/conv3d?boundary=reflect&origin=0,1,0", 0,
         "part 'kernel': origin=0,1,0: the row origin 1 lies outside the kernel's 2 rows; it "
         "must lie in -1 ... 0"},
        {"/v1/conv3d?boundary=reflect&origin=1,0", 0,
         "origin must be D,R,C (planes, rows, columns) or one integer for all three"},
        {"/v1/conv3d?boundary=wrap&mode=full", 0, "cannot go with mode=full"},
        {"/v1/conv3d?origin=1", 0, "origin places the kernel under a boundary mode"},
        {"/v1/conv3d?axis=0", 0, "axis is for conv1d; conv3d convolves all three axes"},
        {"/v1/conv3d", 2, "missing part 'kdepth'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const part *ps = cases[i].which == 0 ? p3 : cases[i].which == 1 ? p4 : no_depth;
        check_error(s, cases[i].path, ps, cases[i].which == 2 ? 3 : 2, 400, cases[i].error);
    }
    check_error(s, "/v1/conv3d?kernel=sobel-x", input_only, 1, 400,
                "preset 'sobel-x' is 2-D; 3-D kernels: gaussian:SIGMA, box:N");
    part depth_2d[] = {{"input", xb, xs}, {"kdepth", zb, zs}, {"kcol", yb, ys},
                       {"krow", xxb, xxs}};
    check_error(s, "/v1/conv2d", depth_2d, 4, 400, "part 'kdepth' is for conv3d");
    assert_healthy(s);
    serve_stop(s);

    /* The element limit: the volume, and the result of mode full. */
    serve_options lo = {0};
    lo.max_elements = 300;
    s = start_server(&lo);
    check_error(s, "/v1/conv3d?batch=1", p4, 2, 413,
                "part 'input': 420 elements, over the server's limit of 300");
    check_error(s, "/v1/conv3d", p3, 2, 413,
                "the result would have 490 elements, over the server's limit of 300");
    assert_healthy(s);
    serve_stop(s);
    free(vb);
    free(kb);
    free(hb);
    free(xb);
    free(zb);
    free(yb);
    free(xxb);
    free(vol);
    free(ker);
    free(want);
}
END_TEST

/* The server's JSON against the shared dist job run in-process: the same
 * code and device give the same document, byte for byte. */
static void check_dist_count(serve *s, const char *json, const char **specs, int n,
                             uint64_t times, clconv_method method, double trim, unsigned flags,
                             const char *count)
{
    dist_job job = {0};
    job.count = count;
    job.specs = specs;
    job.n_specs = n;
    job.times = times;
    job.method = method;
    job.trim = trim;
    job.flags = flags;
    spec_input *in = NULL;
    dist_result res = {0};
    io_error err;
    int st = dist_inputs_load(&job, &in, &err);
    if (st == 0) st = dist_job_run(&job, test_runtime(), in, &res, &err);
    ck_assert_msg(st == 0, "in-process dist: %s", err.message);
    char *want = NULL;
    size_t want_size = 0;
    FILE *m = open_memstream(&want, &want_size);
    dist_write_json(m, &res);
    fclose(m);
    reply r;
    request(s, "/v1/dist", NULL, 0, json, &r);
    ck_assert_msg(r.status == 200, "status %ld: %s", r.status, r.body);
    ck_assert_str_eq(r.body, want);
    reply_free(&r);
    free(want);
    dist_inputs_free(&job, in);
    dist_result_free(&res);
}

static void check_dist(serve *s, const char *json, const char **specs, int n, uint64_t times,
                       clconv_method method, double trim, unsigned flags)
{
    check_dist_count(s, json, specs, n, times, method, trim, flags, NULL);
}

START_TEST(test_dist_equals_api)
{
    serve *s = start_default();
    const char *a[] = {"0.1,0.2,0.3,0.1,0.2,0.1", "2d6"};
    check_dist(s, "{\"specs\": [\"0.1,0.2,0.3,0.1,0.2,0.1\", \"2d6\"], \"times\": 1, "
                  "\"method\": \"auto\", \"trim\": 0, \"normalize\": false}",
               a, 2, 1, CLCONV_METHOD_AUTO, 0, 0);
    const char *b[] = {"1:1,2,3"};
    check_dist(s, "{\"specs\": [\"1:1,2,3\"], \"times\": 50, \"normalize\": true, "
                  "\"trim\": 1e-12, \"method\": \"direct\"}",
               b, 1, 50, CLCONV_METHOD_DIRECT, 1e-12, CLCONV_DIST_NORMALIZE);
    /* "count": the compound sum, as the command's --count makes it. */
    const char *c[] = {"d10"};
    check_dist_count(s, "{\"specs\": [\"d10\"], \"count\": \"poisson:30\"}", c, 1, 1,
                     CLCONV_METHOD_AUTO, -1, 0, "poisson:30");
    const char *d[] = {"1:0.5,0.5"};
    check_dist_count(s, "{\"specs\": [\"1:0.5,0.5\"], \"count\": \"0:0.5,0.25,0.25\"}", d, 1,
                     1, CLCONV_METHOD_AUTO, -1, 0, "0:0.5,0.25,0.25");
    assert_healthy(s);
    serve_stop(s);
}
END_TEST

/* An image and a kernel preset: the answer is the PGM the same steps give
 * in-process (decode, the preset, conv2d in mode same, encode). */
START_TEST(test_image_and_preset)
{
    serve *s = start_default();
    char pgm[64 + 30 * 20];
    int head = snprintf(pgm, 64, "P5\n30 20\n255\n");
    test_rng rng;
    test_rng_seed(&rng, 5);
    for (int i = 0; i < 30 * 20; i++) pgm[head + i] = (char)test_rng_int(&rng, 0, 255);
    const size_t size = (size_t)head + 30 * 20;

    image img;
    preset_kernel pk;
    ck_assert_int_eq(image_decode(pgm, size, IMAGE_PGM, "pgm", 0, &img, NULL), 0);
    ck_assert_int_eq(preset_make("laplacian", 2, &pk, NULL), 0);
    float planes[30 * 20], kernel[9], out[30 * 20];
    test_store(CLCONV_F32, planes, img.planes.data, 30 * 20);
    test_store(CLCONV_F32, kernel, pk.parts[0].data, 9);
    clconv_conv_options o = {.mode = CLCONV_MODE_SAME};
    ASSERT_OK(test_runtime(), clconv_conv2d_host(test_runtime(), CLCONV_F32, planes, 20, 30, 1,
                                                 kernel, 3, 3, out, &o));
    real_array oa = {CLCONV_F32, 3, {1, 20, 30}, 30 * 20, out};
    image result = {oa, 1, 0, 255};
    void *want = NULL;
    size_t want_size = 0;
    ck_assert_int_eq(image_encode_mem(&want, &want_size, "want", IMAGE_PGM, &result, 0, NULL), 0);

    part parts[] = {{"input", pgm, size}};
    reply r;
    char type[64];
    request(s, "/v1/conv2d?kernel=laplacian", parts, 1, NULL, &r);
    ck_assert_msg(r.status == 200, "status %ld: %s", r.status, r.body);
    ck_assert_str_eq(header(&r, "Content-Type", type, sizeof type), "image/x-portable-graymap");
    ck_assert_uint_eq(r.size, want_size);
    ck_assert(memcmp(r.body, want, want_size) == 0);
    reply_free(&r);
    request(s, "/v1/conv2d?kernel=gaussian:-1", parts, 1, NULL, &r);
    assert_error(&r, 400, "gaussian:-1");
    reply_free(&r);
    request(s, "/v1/conv2d?kernel=blur", parts, 1, NULL, &r);
    assert_error(&r, 400, "blur");
    reply_free(&r);
    part both[] = {{"input", pgm, size}, {"kernel", pgm, size}};
    request(s, "/v1/conv2d?kernel=sharpen", both, 2, NULL, &r);
    assert_error(&r, 400, "not both");
    reply_free(&r);
    part cut[] = {{"input", pgm, size - 7}};
    request(s, "/v1/conv2d?kernel=sharpen", cut, 1, NULL, &r);
    assert_error(&r, 400, "input");
    reply_free(&r);
    assert_healthy(s);
    serve_stop(s);
    free(want);
    image_free(&img);
    preset_free(&pk);
}
END_TEST

/* ---- concurrency ------------------------------------------------------------ */

typedef struct client {
    serve *s;
    int id;
    int failures;
    char msg[512];
} client;

/* Each client sends conv1d jobs of its own data and checks every answer
 * against a direct host computation (integers: exact in float32). */
static void *client_main(void *arg)
{
    client *c = arg;
    for (int j = 0; j < 6 && !c->failures; j++) {
        const size_t n = 300 + (size_t)(37 * c->id + j), k = 5 + (size_t)j;
        float x[600], h[16], want[620];
        for (size_t i = 0; i < n; i++) x[i] = (float)((i * 7 + (size_t)c->id) % 11) - 5;
        for (size_t i = 0; i < k; i++) h[i] = (float)((i + (size_t)j) % 5) - 2;
        for (size_t i = 0; i < n + k - 1; i++) {
            double acc = 0;
            for (size_t t = 0; t < k; t++)
                if (i >= t && i - t < n) acc += (double)x[i - t] * h[t];
            want[i] = (float)acc;
        }
        real_array xa = {CLCONV_F32, 1, {n}, n, x}, ha = {CLCONV_F32, 1, {k}, k, h};
        char *xb = NULL, *hb = NULL;
        size_t xs = 0, hs = 0;
        FILE *m = open_memstream(&xb, &xs);
        npy_write(m, "x", &xa, NULL);
        fclose(m);
        m = open_memstream(&hb, &hs);
        npy_write(m, "h", &ha, NULL);
        fclose(m);
        part parts[] = {{"input", xb, xs}, {"kernel", hb, hs}};
        char url[256];
        snprintf(url, sizeof url, "%s/v1/conv1d", serve_url(c->s));
        reply r;
        CURLcode rc = request_full(url, parts, 2, NULL, NULL, NULL, &r);
        /* The .npy answer of n + k - 1 float32 values: header of 128 bytes. */
        if (rc != CURLE_OK || r.status != 200 || r.size != 128 + 4 * (n + k - 1) ||
            memcmp(r.body + 128, want, 4 * (n + k - 1)) != 0) {
            c->failures++;
            snprintf(c->msg, sizeof c->msg, "client %d job %d: %s, status %ld, %zu bytes", c->id,
                     j, curl_easy_strerror(rc), r.status, r.size);
        }
        reply_free(&r);
        free(xb);
        free(hb);
    }
    return NULL;
}

START_TEST(test_concurrent_clients)
{
    serve_options o = {0};
    o.queue = 64;
    serve *s = start_server(&o);
    enum { N = 8 };
    client c[N];
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        c[i] = (client){s, i, 0, ""};
        ck_assert_int_eq(pthread_create(&t[i], NULL, client_main, &c[i]), 0);
    }
    for (int i = 0; i < N; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < N; i++) ck_assert_msg(c[i].failures == 0, "%s", c[i].msg);
    reply r;
    request(s, "/metrics", NULL, 0, NULL, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "clconv_requests_total{endpoint=\"conv1d\",code=\"200\"} 48\n"));
    ck_assert_ptr_nonnull(strstr(r.body, "clconv_request_duration_seconds_count 48\n"));
    reply_free(&r);
    assert_healthy(s);
    serve_stop(s);
}
END_TEST

/* ---- errors ----------------------------------------------------------------- */

/* A small valid conv1d pair. */
static void small_pair(char **x, size_t *xs, char **h, size_t *hs)
{
    static const float xv[8] = {1, 2, 3, 4, 5, 6, 7, 8}, hv[3] = {1, 0, -1};
    size_t n = 8, k = 3;
    *x = npy_bytes(CLCONV_F32, 1, &n, xv, xs);
    *h = npy_bytes(CLCONV_F32, 1, &k, hv, hs);
}

START_TEST(test_error_statuses)
{
    serve_options o = {0};
    o.max_body = 4096;
    serve *s = start_server(&o);
    char *x, *h;
    size_t xs, hs;
    small_pair(&x, &xs, &h, &hs);
    reply r;

    request(s, "/v1/nothing", NULL, 0, NULL, &r);
    assert_error(&r, 404, "no such endpoint");
    reply_free(&r);
    request(s, "/v1/conv1d", NULL, 0, NULL, &r);
    assert_error(&r, 405, "takes POST");
    reply_free(&r);
    part only_input[] = {{"input", x, xs}};
    request(s, "/v1/conv1d", only_input, 1, NULL, &r);
    assert_error(&r, 400, "missing part 'kernel'");
    reply_free(&r);
    part only_kernel[] = {{"kernel", h, hs}};
    request(s, "/v1/conv2d", only_kernel, 1, NULL, &r);
    assert_error(&r, 400, "missing part 'input'");
    reply_free(&r);
    part unknown[] = {{"input", x, xs}, {"kernel", h, hs}, {"extra", h, hs}};
    request(s, "/v1/conv1d", unknown, 3, NULL, &r);
    assert_error(&r, 400, "unknown part 'extra'");
    reply_free(&r);
    part garbage[] = {{"input", "not a npy file", 14}, {"kernel", h, hs}};
    request(s, "/v1/conv1d", garbage, 2, NULL, &r);
    assert_error(&r, 400, "input: not a .npy file");
    reply_free(&r);
    part rank[] = {{"input", x, xs}, {"kernel", h, hs}};
    request(s, "/v1/conv2d", rank, 2, NULL, &r);
    assert_error(&r, 400, "part 'input': expected a 2-D array");
    reply_free(&r);
    request(s, "/v1/conv1d?mode=sideways", rank, 2, NULL, &r);
    assert_error(&r, 400, "mode must be full, same or valid");
    reply_free(&r);
    request(s, "/v1/conv1d?colour=blue", rank, 2, NULL, &r);
    assert_error(&r, 400, "unknown query parameter 'colour'");
    reply_free(&r);
    const float nan_v[2] = {1, NAN};
    size_t two = 2, ns;
    char *nanb = npy_bytes(CLCONV_F32, 1, &two, nan_v, &ns);
    part nan_parts[] = {{"input", nanb, ns}, {"kernel", h, hs}};
    request(s, "/v1/conv1d", nan_parts, 2, NULL, &r);
    assert_error(&r, 400, "input: element (1,) is NaN");
    reply_free(&r);
    /* Multipart where JSON belongs, and JSON where multipart does. */
    request(s, "/v1/dist", rank, 2, NULL, &r);
    assert_error(&r, 415, "application/json");
    reply_free(&r);
    request(s, "/v1/conv1d", NULL, 0, "{}", &r);
    assert_error(&r, 415, "multipart/form-data");
    reply_free(&r);
    /* Over --max-body: refused from the Content-Length alone. */
    char *big = calloc(1, 8000);
    part big_parts[] = {{"input", big, 8000}, {"kernel", h, hs}};
    request(s, "/v1/conv1d", big_parts, 2, NULL, &r);
    assert_error(&r, 413, "exceeds the limit of 4096 bytes");
    reply_free(&r);
    free(big);
    /* Malformed and wrong dist requests. */
    static const struct {
        const char *json, *error;
    } dist_cases[] = {
        {"{\"specs\": [\"0.5,0.5\"", "malformed JSON"},
        {"[1, 2]", "must be a JSON object"},
        {"{}", "\"specs\" is missing"},
        {"{\"specs\": []}", "non-empty array"},
        {"{\"specs\": [1]}", "\"specs\"[0] is not a string"},
        {"{\"specs\": [\"\"]}", "spec '': empty value"},
        {"{\"specs\": [\"d6\"], \"normalize\": 1}", "\"normalize\" must be true or false"},
        {"{\"specs\": [\"d6\"], \"normalize\": \"true\"}", "\"normalize\" must be true or false"},
        {"{\"specs\": [\"d6\"], \"times\": 0}", "\"times\" must be a whole number"},
        /* 2^53 + 1 reads as 2^53: the limit is below it (docs/openapi.yaml). */
        {"{\"specs\": [\"d6\"], \"times\": 9007199254740993}",
         "\"times\" must be a whole number"},
        {"{\"specs\": [\"d6\"], \"times\": 9007199254740992}",
         "\"times\" must be a whole number"},
        {"{\"specs\": [\"d6\"], \"method\": \"fast\"}", "\"method\" must be"},
        {"{\"specs\": [\"d6\"], \"colour\": 1}", "unknown field \"colour\""},
        {"{\"specs\": [\"/etc/passwd.csv\"]}", "files cannot be named here"},
        {"{\"specs\": [\"0.5,0.6\"]}", "spec '0.5,0.6'"},
        {"{\"specs\": [\"0.5,x\"]}", "'x' is not a number"},
        {"{\"specs\": [\"d6\"], \"specs\": [\"d6\"]}", "member \"specs\" given twice"},
        {"{\"specs\": [\"d6\"], \"count\": 3}", "\"count\" must be a count spec"},
        {"{\"specs\": [\"d6\"], \"count\": \"\"}", "\"count\" must be a count spec"},
        {"{\"specs\": [\"d6\"], \"count\": \"poisson:0\"}", "expected poisson:LAMBDA"},
        {"{\"specs\": [\"d6\"], \"count\": \"zipf:2\"}", "unknown family 'zipf'"},
        {"{\"specs\": [\"d6\"], \"count\": \"/etc/passwd.csv\"}", "files cannot be named here"},
    };
    for (size_t i = 0; i < sizeof dist_cases / sizeof dist_cases[0]; i++) {
        request(s, "/v1/dist", NULL, 0, dist_cases[i].json, &r);
        assert_error(&r, 400, dist_cases[i].error);
        reply_free(&r);
    }
    /* Too large is not malformed: a result over the element limit is a 413. */
    request(s, "/v1/dist", NULL, 0, "{\"specs\": [\"1000000d1000000\"]}", &r);
    assert_error(&r, 413, "over the server's limit");
    reply_free(&r);
    request(s, "/v1/dist", NULL, 0, "{\"specs\": [\"d1000\"], \"count\": \"poisson:1e9\"}", &r);
    assert_error(&r, 413, "the compound sum would have about");
    reply_free(&r);
    /* The arrays of logs: null for the log of an exact 0 (JSON has no
     * -Infinity), sf summed from the upper tail. */
    request(s, "/v1/dist", NULL, 0, "{\"specs\": [\"0.5,0,0.5\"]}", &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_msg(strstr(r.body, "\"logpmf\": [-0.69314718055994") &&
                      strstr(r.body, ", null, -0.69314718055994"),
                  "%s", r.body);
    ck_assert_msg(strstr(r.body, "\"sf\": [0.5, 0.5, 0]"), "%s", r.body);
    ck_assert_msg(strstr(r.body, ", null]\n}"), "%s", r.body);
    reply_free(&r);
    request(s, "/v1/conv1d", rank, 2, NULL, &r);
    ck_assert_int_eq(r.status, 200);
    reply_free(&r);
    assert_healthy(s);
    serve_stop(s);
    free(x);
    free(h);
    free(nanb);
}
END_TEST

START_TEST(test_spec_limit)
{
    /* More variables than one request may sum: a size over a limit, 413. */
    char *json = NULL;
    size_t size;
    FILE *m = open_memstream(&json, &size);
    fputs("{\"specs\": [\"d2\"", m);
    for (int i = 1; i < 100001; i++) fputs(", \"d2\"", m);
    fputs("]}", m);
    fclose(m);
    serve *s = start_default();
    reply r;
    request(s, "/v1/dist", NULL, 0, json, &r);
    assert_error(&r, 413, "\"specs\" holds 100001 variables, over the server's limit of 100000");
    reply_free(&r);
    assert_healthy(s);
    serve_stop(s);
    free(json);
}
END_TEST

START_TEST(test_token)
{
    serve_options o = {0};
    o.token = "s3cret-token";
    o.listen = "0.0.0.0:0";   /* allowed beyond loopback because of the token */
    serve *s = start_server(&o);
    char url[256];
    reply r;
    snprintf(url, sizeof url, "http://127.0.0.1:%u/v1/devices", serve_port(s));
    ck_assert_int_eq(request_full(url, NULL, 0, NULL, NULL, NULL, &r), CURLE_OK);
    assert_error(&r, 401, "missing or wrong bearer token");
    char buf[64];
    ck_assert_str_eq(header(&r, "WWW-Authenticate", buf, sizeof buf), "Bearer");
    reply_free(&r);
    ck_assert_int_eq(request_full(url, NULL, 0, NULL, "s3cret-tokeN", NULL, &r), CURLE_OK);
    assert_error(&r, 401, "wrong bearer token");
    reply_free(&r);
    ck_assert_int_eq(request_full(url, NULL, 0, NULL, "s3cret", NULL, &r), CURLE_OK);
    assert_error(&r, 401, "wrong bearer token");
    reply_free(&r);
    ck_assert_int_eq(request_full(url, NULL, 0, NULL, "s3cret-token", NULL, &r), CURLE_OK);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "\"queued\": 0"));
    reply_free(&r);
    /* Health checks of load balancers carry no token. */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/healthz", serve_port(s));
    ck_assert_int_eq(request_full(url, NULL, 0, NULL, NULL, NULL, &r), CURLE_OK);
    ck_assert_int_eq(r.status, 200);
    reply_free(&r);
    serve_stop(s);

    /* Without a token only loopback is allowed. */
    serve_options open = {0};
    open.listen = "0.0.0.0:0";
    serve *t = NULL;
    char err[256];
    ck_assert_int_eq(serve_start(&open, &t, err, sizeof err), -1);
    ck_assert_ptr_null(t);
    ck_assert_ptr_nonnull(strstr(err, "needs --token-file"));
}
END_TEST

/* ---- misbehaving clients ---------------------------------------------------- */

/* Seconds on the monotonic clock. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int connect_to(serve *s)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)serve_port(s));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static void send_all(int fd, const char *data, size_t n)
{
    while (n) {
        ssize_t w = send(fd, data, n, MSG_NOSIGNAL);
        ck_assert_int_gt(w, 0);
        data += w;
        n -= (size_t)w;
    }
}

/* Reads until the server closes the connection (or 10 s pass); returns the
 * text read and the seconds it took. */
static char *read_until_close(int fd, double *seconds)
{
    const double t0 = now_s();
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        ssize_t got = recv(fd, buf + n, cap - 1 - n, 0);
        if (got <= 0) break;
        n += (size_t)got;
        if (n == cap - 1) break;
    }
    buf[n] = '\0';
    *seconds = now_s() - t0;
    return buf;
}

/* Waits up to 10 s until the server holds want requests (queued: 0) or want
 * queued jobs (queued: 1). */
static void wait_count(serve *s, int queued, size_t want)
{
    serve_counts c;
    for (int i = 0; i < 1000; i++) {
        serve_counts_get(s, &c);
        if ((queued ? c.queued : c.requests) == want) return;
        usleep(10000);
    }
    ck_abort_msg("%zu %s, want %zu", queued ? c.queued : c.requests,
                 queued ? "jobs queued" : "requests in flight", want);
}

/* A multipart body of the two parts, with or without its closing boundary. */
static char *multipart(const char *x, size_t xs, const char *h, size_t hs, int close_it,
                       size_t *size)
{
    char *body = NULL;
    FILE *m = open_memstream(&body, size);
    fputs("--BOUNDARY\r\nContent-Disposition: form-data; name=\"input\"; filename=\"x.npy\"\r\n"
          "Content-Type: application/octet-stream\r\n\r\n", m);
    fwrite(x, 1, xs, m);
    fputs("\r\n--BOUNDARY\r\nContent-Disposition: form-data; name=\"kernel\"; filename=\"h.npy\""
          "\r\n\r\n", m);
    fwrite(h, 1, hs, m);
    if (close_it) fputs("\r\n--BOUNDARY--\r\n", m);
    fclose(m);
    return body;
}

static char *post_head(const char *path, size_t length, int with_length)
{
    char *head = malloc(512);
    snprintf(head, 512, "POST %s HTTP/1.1\r\nHost: test\r\n"
             "Content-Type: multipart/form-data; boundary=BOUNDARY\r\n%s%zu%s\r\n", path,
             with_length ? "Content-Length: " : "X-Length: ", length, "\r\n");
    return head;
}

START_TEST(test_misbehaving_clients)
{
    serve *s = start_default();
    char *x, *h;
    size_t xs, hs, bs;
    small_pair(&x, &xs, &h, &hs);
    double secs;

    /* A well-formed request over a raw socket first, to know the framing. */
    char *body = multipart(x, xs, h, hs, 1, &bs);
    char *head = post_head("/v1/conv1d", bs, 1);
    int fd = connect_to(s);
    send_all(fd, head, strlen(head));
    send_all(fd, body, bs);
    shutdown(fd, SHUT_WR);
    char *text = read_until_close(fd, &secs);
    ck_assert_msg(strncmp(text, "HTTP/1.1 200", 12) == 0, "%s", text);
    free(text);
    close(fd);
    free(head);
    free(body);

    /* Truncated multipart: an honest Content-Length, no closing boundary. */
    body = multipart(x, xs, h, hs, 0, &bs);
    head = post_head("/v1/conv1d", bs, 1);
    fd = connect_to(s);
    send_all(fd, head, strlen(head));
    send_all(fd, body, bs);
    text = read_until_close(fd, &secs);
    ck_assert_msg(strstr(text, "HTTP/1.1 400") == text, "%s", text);
    ck_assert_ptr_nonnull(strstr(text, "{\"error\": \"truncated or malformed multipart body\"}"));
    free(text);
    close(fd);
    free(head);

    /* No Content-Length at all. */
    head = post_head("/v1/conv1d", bs, 0);
    fd = connect_to(s);
    send_all(fd, head, strlen(head));
    text = read_until_close(fd, &secs);
    ck_assert_msg(strstr(text, "HTTP/1.1 411") == text, "%s", text);
    free(text);
    close(fd);
    free(head);

    /* A Content-Length that never arrives: the idle timeout closes it. */
    head = post_head("/v1/conv1d", bs + 100000, 1);
    fd = connect_to(s);
    send_all(fd, head, strlen(head));
    send_all(fd, body, bs);
    text = read_until_close(fd, &secs);
    ck_assert_msg(secs < TEST_TIMEOUT_S + 3, "closed after %.1f s", secs);
    ck_assert_msg(strstr(text, "HTTP/1.1 200") == NULL, "%s", text);
    free(text);
    close(fd);
    free(head);
    wait_count(s, 0, 0);

    /* A client that disconnects mid-upload. */
    head = post_head("/v1/conv1d", bs + 100000, 1);
    fd = connect_to(s);
    send_all(fd, head, strlen(head));
    send_all(fd, body, bs / 2);
    usleep(100000);
    close(fd);
    free(head);
    wait_count(s, 0, 0);

    /* An idle connection, and one stuck within its headers (slowloris). */
    int idle = connect_to(s), slow = connect_to(s);
    send_all(slow, "POST /v1/conv1d HTTP/1.1\r\nHost: t", 33);
    text = read_until_close(idle, &secs);
    ck_assert_msg(text[0] == '\0' && secs < TEST_TIMEOUT_S + 3, "idle: %.1f s, '%s'", secs, text);
    free(text);
    text = read_until_close(slow, &secs);
    ck_assert_msg(secs < TEST_TIMEOUT_S + 3, "slow: %.1f s", secs);
    free(text);
    close(idle);
    close(slow);

    reply r;
    request(s, "/metrics", NULL, 0, NULL, &r);
    /* The lying client timed out (408), the vanished one is counted apart. */
    ck_assert_ptr_nonnull(strstr(r.body, "{endpoint=\"conv1d\",code=\"408\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(r.body, "{endpoint=\"conv1d\",code=\"499\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(r.body, "{endpoint=\"conv1d\",code=\"400\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(r.body, "{endpoint=\"conv1d\",code=\"411\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(r.body, "clconv_requests_in_flight 1\n"));
    reply_free(&r);
    assert_healthy(s);
    serve_stop(s);
    free(body);
    free(x);
    free(h);
}
END_TEST

/* Sends head and then body (bs bytes) over one connection, ends the
 * sending side and returns what comes back. */
static char *raw_request(serve *s, const char *head, const char *body, size_t bs)
{
    double secs;
    int fd = connect_to(s);
    ck_assert_int_ge(fd, 0);
    send_all(fd, head, strlen(head));
    if (bs) send_all(fd, body, bs);
    shutdown(fd, SHUT_WR);
    char *text = read_until_close(fd, &secs);
    close(fd);
    return text;
}

/* Sends one raw POST of body to path and returns what comes back. */
static char *raw_post(serve *s, const char *path, const char *body, size_t bs)
{
    char *head = post_head(path, bs, 1);
    char *text = raw_request(s, head, body, bs);
    free(head);
    return text;
}

START_TEST(test_nameless_parts)
{
    /* A part without a name, or whose name libmicrohttpd cannot pass on
     * (CR, LF or NUL in it), reaches the part handler with no name: a 400
     * naming the problem, and the server stays up. */
    static const char nameless[] = "--BOUNDARY\r\nContent-Disposition: form-data\r\n\r\nabc\r\n"
                                   "--BOUNDARY--\r\n";
    static const char broken[] = "--BOUNDARY\r\nContent-Disposition: form-data; name=\"in\rput\""
                                 "\r\n\r\nabc\r\n--BOUNDARY--\r\n";
    static const char with_nul[] = "--BOUNDARY\r\nContent-Disposition: form-data; name=\"in\0put\""
                                   "\r\n\r\nabc\r\n--BOUNDARY--\r\n";
    const struct {
        const char *body;
        size_t size;
    } bodies[] = {{nameless, sizeof nameless - 1},
                  {broken, sizeof broken - 1},
                  {with_nul, sizeof with_nul - 1}};
    serve *s = start_default();
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        for (int e = 0; e < 2; e++) {
            char *text = raw_post(s, e ? "/v1/conv2d" : "/v1/conv1d", bodies[i].body,
                                  bodies[i].size);
            ck_assert_msg(strncmp(text, "HTTP/1.1 400", 12) == 0, "body %zu: %s", i, text);
            ck_assert_msg(strstr(text, "\"error\": ") != NULL, "body %zu: %s", i, text);
            free(text);
            assert_healthy(s);
        }
    }
    serve_stop(s);
}
END_TEST

START_TEST(test_empty_parts)
{
    /* An empty part (found by tests/fuzz/fuzz_multipart.c): its buffer is
     * never allocated, and the job took the missing data for a file name
     * and answered 500 "(null): cannot open". An empty input or kernel is
     * the client's mistake: a 400 naming the part. */
    static const char empty_input[] =
        "--BOUNDARY\r\nContent-Disposition: form-data; name=\"input\"\r\n\r\n\r\n"
        "--BOUNDARY--\r\n";
    static const char empty_factors[] =
        "--BOUNDARY\r\nContent-Disposition: form-data; name=\"input\"\r\n\r\n\r\n"
        "--BOUNDARY\r\nContent-Disposition: form-data; name=\"kcol\"\r\n\r\n\r\n"
        "--BOUNDARY\r\nContent-Disposition: form-data; name=\"krow\"\r\n\r\n\r\n"
        "--BOUNDARY--\r\n";
    const struct {
        const char *path, *body;
        size_t size;
    } cases[] = {{"/v1/conv2d?kernel=box:3", empty_input, sizeof empty_input - 1},
                 {"/v1/conv1d?kernel=box:3", empty_input, sizeof empty_input - 1},
                 {"/v1/conv2d", empty_factors, sizeof empty_factors - 1}};
    serve *s = start_default();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = raw_post(s, cases[i].path, cases[i].body, cases[i].size);
        ck_assert_msg(strncmp(text, "HTTP/1.1 400", 12) == 0, "case %zu: %s", i, text);
        ck_assert_msg(strstr(text, "{\"error\": \"input: ") != NULL, "case %zu: %s", i, text);
        free(text);
    }
    /* Given but empty, a kernel part is still a kernel part. */
    char *x, *h;
    size_t xs, hs;
    small_pair(&x, &xs, &h, &hs);
    part parts[] = {{"input", x, xs}, {"kernel", h, 0}};
    reply r;
    request(s, "/v1/conv1d", parts, 2, NULL, &r);
    assert_error(&r, 400, "kernel: ");
    reply_free(&r);
    assert_healthy(s);
    serve_stop(s);
    free(x);
    free(h);
}
END_TEST

START_TEST(test_ambiguous_framing)
{
    /* Two Content-Length headers, or chunked with a Content-Length, could be
     * read differently by a proxy in front: a 400 before any body is read. */
    static const char *const heads[] = {
        "POST /v1/dist HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        "Content-Length: 17\r\nContent-Length: 17\r\n\r\n{\"specs\": [\"d6\"]}",
        "POST /v1/dist HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\nContent-Length: 17\r\n\r\n"
        "11\r\n{\"specs\": [\"d6\"]}\r\n0\r\n\r\n",
    };
    static const char *const errors[] = {
        "{\"error\": \"more than one Content-Length header\"}",
        "{\"error\": \"both a Transfer-Encoding and a Content-Length header\"}",
    };
    serve *s = start_default();
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        char *text = raw_request(s, heads[i], NULL, 0);
        ck_assert_msg(strncmp(text, "HTTP/1.1 400", 12) == 0, "request %zu: %s", i, text);
        ck_assert_msg(strstr(text, errors[i]) != NULL, "request %zu: %s", i, text);
        free(text);
        assert_healthy(s);
    }
    serve_stop(s);
}
END_TEST

START_TEST(test_get_with_body)
{
    /* A GET that carries a body is answered as one without; the body is
     * read and dropped. */
    static const char *const requests[] = {
        "GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello",
        "GET /v1/devices HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc",
        "GET /v1/dist HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc",
    };
    static const char *const status[] = {"HTTP/1.1 200", "HTTP/1.1 200", "HTTP/1.1 405"};
    serve *s = start_default();
    for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++) {
        char *text = raw_request(s, requests[i], NULL, 0);
        ck_assert_msg(strncmp(text, status[i], strlen(status[i])) == 0, "request %zu: %s", i,
                      text);
        ck_assert_msg(strstr(text, "\r\n\r\n{") != NULL, "request %zu: no JSON body: %s", i,
                      text);
        free(text);
    }
    assert_healthy(s);
    serve_stop(s);
}
END_TEST

/* Sends data over a new connection without ending the sending side (a
 * server that closes does so of its own accord) and returns what comes
 * back until the server closes, and the seconds that took. A server may
 * close before it has read all of a long request: sending stops there. */
static char *raw_exchange(serve *s, const char *data, size_t n, double *secs)
{
    int fd = connect_to(s);
    ck_assert_int_ge(fd, 0);
    while (n) {
        ssize_t w = send(fd, data, n, MSG_NOSIGNAL);
        if (w <= 0) break;
        data += w;
        n -= (size_t)w;
    }
    char *text = read_until_close(fd, secs);
    close(fd);
    return text;
}

/* A request of method for /healthz with a query parameter of query_bytes
 * and one header line of header_bytes ('x' repeated), in new memory. */
static char *big_request(const char *method, size_t query_bytes, size_t header_bytes,
                         size_t *size)
{
    char *req = NULL;
    FILE *m = open_memstream(&req, size);
    fprintf(m, "%s /healthz?q=", method);
    for (size_t i = 0; i < query_bytes; i++) fputc('x', m);
    fputs(" HTTP/1.1\r\nHost: t\r\nX-Big: ", m);
    for (size_t i = 0; i < header_bytes; i++) fputc('x', m);
    fputs("\r\n\r\n", m);
    fclose(m);
    return req;
}

START_TEST(test_oversized_requests)
{
    /* A URI over 8 KiB or headers over 32 KiB, but within what a connection
     * may hold (128 KiB), reach the server: JSON 414 and 431, on GET and
     * POST alike, before the token is checked. */
    serve_options o = {0};
    o.token = "secret";
    serve *s = start_server(&o);
    const struct {
        size_t query, header;
        const char *status, *error;
    } cases[] = {
        {9000, 1, "HTTP/1.1 414", "{\"error\": \"the URI of about 9"},
        {60000, 1, "HTTP/1.1 414", "{\"error\": \"the URI of about 60"},
        {1, 40000, "HTTP/1.1 431", "{\"error\": \"the headers of about 40"},
        {1, 100000, "HTTP/1.1 431", "{\"error\": \"the headers of about 100"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t size;
        double secs;
        char *req = big_request("GET", cases[i].query, cases[i].header, &size);
        char *text = raw_exchange(s, req, size, &secs);
        ck_assert_msg(strncmp(text, cases[i].status, 12) == 0, "case %zu: %.300s", i, text);
        ck_assert_msg(strstr(text, "Content-Type: application/json\r\n") != NULL, "case %zu: %s",
                      i, text);
        ck_assert_msg(strstr(text, cases[i].error) != NULL, "case %zu: %s", i, text);
        free(text);
        /* The same as a POST, answered before its body is sent. */
        free(req);
        req = big_request("POST", cases[i].query, cases[i].header, &size);
        text = raw_exchange(s, req, size, &secs);
        ck_assert_msg(strncmp(text, cases[i].status, 12) == 0, "POST case %zu: %.300s", i, text);
        free(text);
        free(req);
    }
    /* Many header lines count together. */
    char *req = NULL;
    size_t size;
    FILE *m = open_memstream(&req, &size);
    fputs("GET /v1/devices HTTP/1.1\r\nHost: t\r\n", m);
    for (int i = 0; i < 40; i++) fprintf(m, "X-%d: %01000d\r\n", i, 0);
    fputs("\r\n", m);
    fclose(m);
    double secs;
    char *text = raw_exchange(s, req, size, &secs);
    ck_assert_msg(strncmp(text, "HTTP/1.1 431", 12) == 0, "%.300s", text);
    ck_assert_msg(strstr(text, "{\"error\": \"the headers of about") != NULL, "%s", text);
    free(text);
    free(req);
    reply r;
    request(s, "/healthz", NULL, 0, NULL, &r);
    ck_assert_int_eq(r.status, 200);
    reply_free(&r);
    serve_stop(s);
}
END_TEST

START_TEST(test_protocol_errors)
{
    /* What libmicrohttpd 0.9.75 refuses itself, before the server sees a
     * request: an HTML body (or none) it does not let us replace, and the
     * connection closed at once. These answers are documented in
     * docs/openapi.yaml; this test notices if a libmicrohttpd changes them. */
    serve_options o = {0};
    o.timeout_s = 5;   /* a close within 3 s is the server's doing, not the idle timeout */
    serve *s = start_server(&o);
    size_t big_uri_size, big_header_size;
    char *big_uri = big_request("GET", 140000, 1, &big_uri_size);
    char *big_header = big_request("GET", 1, 140000, &big_header_size);
    const struct {
        const char *what;
        const char *data;
        size_t size;
        const char *status;   /* "" for no answer */
    } cases[] = {
        {"HTTP/2.0", "GET /healthz HTTP/2.0\r\nHost: t\r\n\r\n", 0, "HTTP/1.1 505"},
        {"HTTP/3.0", "POST /v1/dist HTTP/3.0\r\nHost: t\r\n\r\n", 0, "HTTP/1.1 505"},
        {"a garbage request line", "garbage /\r\n\r\n", 0, "HTTP/1.1 400"},
        {"a request line of one word", "garbage\r\n\r\n", 0, ""},
        {"no HTTP version", "GET /healthz\r\n\r\n", 0, "HTTP/1.1 400"},
        {"a header line without a colon", "GET /healthz HTTP/1.1\r\nHost: t\r\nnocolon\r\n\r\n",
         0, "HTTP/1.1 400"},
        {"a Content-Length that is not a number",
         "POST /v1/dist HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
         "Content-Length: abc\r\n\r\n", 0, "HTTP/1.1 400"},
        {"a negative Content-Length",
         "POST /v1/dist HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n", 0, "HTTP/1.1 400"},
        {"a Content-Length past 64 bits",
         "POST /v1/dist HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\n",
         0, "HTTP/1.1 413"},
        {"a URI past the connection's memory", big_uri, big_uri_size, "HTTP/1.1 414"},
        {"headers past the connection's memory", big_header, big_header_size, "HTTP/1.1 431"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double secs;
        size_t size = cases[i].size ? cases[i].size : strlen(cases[i].data);
        char *text = raw_exchange(s, cases[i].data, size, &secs);
        const char *want = cases[i].status;
        ck_assert_msg(strncmp(text, want, strlen(want)) == 0 && (want[0] || !text[0]),
                      "%s: want '%s', got %.300s", cases[i].what, want, text);
        if (want[0])
            ck_assert_msg(strstr(text, "\r\nConnection: close\r\n") != NULL, "%s: %.300s",
                          cases[i].what, text);
        ck_assert_msg(strstr(text, "application/json") == NULL, "%s is JSON now: update "
                      "docs/openapi.yaml, README and this test: %s", cases[i].what, text);
        ck_assert_msg(secs < 3, "%s: closed after %.1f s", cases[i].what, secs);
        free(text);
        assert_healthy(s);
    }
    free(big_uri);
    free(big_header);
    serve_stop(s);
}
END_TEST

/* CRC-32 of PNG chunks (ISO 3309), bit by bit: a few bytes only. */
static uint32_t png_crc(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xffffffffu;
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* Inputs and results over --max-elements are too large (413), not bad input
 * (400), whether the input is a .npy or the result of small inputs. */
START_TEST(test_element_limit)
{
    serve_options o = {0};
    o.max_elements = 100;
    serve *s = start_server(&o);
    float x[200] = {0}, h[60] = {0};
    size_t nx = 200, nh = 60, xs, hs, ys;
    char *xb = npy_bytes(CLCONV_F32, 1, &nx, x, &xs);
    char *hb = npy_bytes(CLCONV_F32, 1, &nh, h, &hs);
    char *yb = npy_bytes(CLCONV_F32, 1, &nh, x, &ys);
    reply r;
    part big[] = {{"input", xb, xs}, {"kernel", hb, hs}};
    request(s, "/v1/conv1d", big, 2, NULL, &r);
    assert_error(&r, 413, "part 'input': 200 elements, over the server's limit of 100");
    reply_free(&r);
    part wide[] = {{"input", yb, ys}, {"kernel", hb, hs}};
    request(s, "/v1/conv1d", wide, 2, NULL, &r);
    assert_error(&r, 413, "the result would have 119 elements, over the server's limit of 100");
    reply_free(&r);
    request(s, "/v1/conv1d?mode=same", wide, 2, NULL, &r);
    ck_assert_int_eq(r.status, 200);
    reply_free(&r);
    /* Dice are expanded in host memory before the result's size is known:
     * the limit bounds all of them together, else 100000 specs "1d2^27" in a
     * body of 1.3 MB would take 100000 GiB (found by fuzz_dist_spec). Each
     * die is within the limit here; together they are not. */
    request(s, "/v1/dist", NULL, 0, "{\"specs\": [\"1d60\", \"1d60\"]}", &r);
    assert_error(&r, 413, "spec '1d60': more than 42 sides, what is left of the limit");
    reply_free(&r);
    char body[400] = "{\"specs\": [\"1d60\", \"0.02";
    for (int i = 1; i < 50; i++) strcat(body, ",0.02");
    strcat(body, "\"]}");
    request(s, "/v1/dist", NULL, 0, body, &r);
    assert_error(&r, 413, "the variables up to it hold 108 entries beyond their first ones, "
                 "over the limit of 100");
    reply_free(&r);
    assert_healthy(s);
    serve_stop(s);
    free(xb);
    free(hb);
    free(yb);
}
END_TEST

/* The one table from status codes to HTTP statuses: input faults 400, too
 * large 413, out of host or device memory 503, the server's own faults 500. */
START_TEST(test_status_table)
{
    static const struct {
        int status;
        unsigned http;
    } table[] = {
        {CLCONV_EINVAL, 400}, {CLCONV_EFORMAT, 400},   {CLCONV_ERANGE, 400},
        {CLCONV_ENOTSUP, 400}, {CLCONV_EOVERFLOW, 413}, {CLCONV_ENOMEM, 503},
        {CLCONV_EDEVMEM, 503}, {CLCONV_EIO, 500},       {CLCONV_ECL, 500},
        {CLCONV_EBUILD, 500},  {CLCONV_EFFT, 500},      {CLCONV_ENODEV, 500},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        ck_assert_msg(serve_http_status(table[i].status) == table[i].http, "%s: %u, want %u",
                      clconv_status_name(table[i].status), serve_http_status(table[i].status),
                      table[i].http);
    }
}
END_TEST

START_TEST(test_declared_size_limit)
{
    /* An image whose header declares more elements than the server takes is
     * refused from its header, before anything of that size is allocated:
     * a 45-byte PNG declaring 65535 x 65535 RGBA (17 G samples), and a PGM
     * declaring 60000 x 60000. */
    unsigned char png[8 + 25 + 12] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char *ihdr = png + 8;
    put_be32(ihdr, 13);
    memcpy(ihdr + 4, "IHDR", 4);
    put_be32(ihdr + 8, 65535);
    put_be32(ihdr + 12, 65535);
    ihdr[16] = 8, ihdr[17] = 6; /* 8 bits, RGBA */
    put_be32(ihdr + 21, png_crc(ihdr + 4, 17));
    unsigned char *idat = ihdr + 25;
    put_be32(idat, 0);
    memcpy(idat + 4, "IDAT", 4);
    put_be32(idat + 8, png_crc(idat + 4, 4));
    static const char pgm[] = "P5 60000 60000 255\n0123456789";
    serve_options o = {0};
    o.max_elements = 1 << 20;
    serve *s = start_server(&o);
    const part images[][2] = {{{"input", png, sizeof png}, {"kernel", NULL, 0}},
                              {{"input", pgm, sizeof pgm - 1}, {"kernel", NULL, 0}}};
    for (int i = 0; i < 2; i++) {
        reply r;
        request(s, "/v1/conv2d?kernel=box:3", images[i], 1, NULL, &r);
        assert_error(&r, 413, "over the limit of 1048576");
        reply_free(&r);
    }
    assert_healthy(s);
    serve_stop(s);
}
END_TEST

/* Requests on one connection keep it (HTTP/1.1 keep-alive): a second GET
 * and a second conv1d on the same curl handle open no new connection. */
static size_t discard(char *data, size_t size, size_t n, void *arg)
{
    (void)data;
    (void)arg;
    return size * n;
}

START_TEST(test_keep_alive)
{
    serve_options o = {0};
    serve *s = start_server(&o);
    char url[512];
    CURL *c = curl_easy_init();
    ck_assert_ptr_nonnull(c);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    const float x[5] = {1, 2, 3, 4, 5}, h[2] = {1, -1};
    const size_t xs = 5, hs = 2;
    size_t xn, hn;
    char *xb = npy_bytes(CLCONV_F32, 1, &xs, x, &xn), *hb = npy_bytes(CLCONV_F32, 1, &hs, h, &hn);
    for (int round = 0; round < 2; round++) {
        const char *path = round == 0 ? "/healthz" : "/v1/conv1d";
        curl_mime *mime = NULL;
        snprintf(url, sizeof url, "%s%s", serve_url(s), path);
        curl_easy_setopt(c, CURLOPT_URL, url);
        if (round == 1) {
            mime = curl_mime_init(c);
            curl_mimepart *p = curl_mime_addpart(mime);
            curl_mime_name(p, "input");
            curl_mime_data(p, xb, xn);
            p = curl_mime_addpart(mime);
            curl_mime_name(p, "kernel");
            curl_mime_data(p, hb, hn);
            curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
        }
        for (int call = 0; call < 2; call++) {
            long status = 0, connects = -1;
            ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
            curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
            ck_assert_int_eq(status, 200);
            if (round + call > 0)
                ck_assert_msg(connects == 0, "%s call %d opened %ld connections", path, call,
                              connects);
        }
        curl_mime_free(mime);
    }
    curl_easy_cleanup(c);
    free(xb);
    free(hb);
    assert_healthy(s);
    serve_stop(s);
}
END_TEST

/* At the connection limit a new client waits until an idle connection times
 * out; it then gets its answer. */
START_TEST(test_connection_limit)
{
    serve_options o = {0};
    o.max_connections = 2;
    serve *s = start_server(&o);
    int a = connect_to(s), b = connect_to(s);
    ck_assert(a >= 0 && b >= 0);
    usleep(200000);
    const double t0 = now_s();
    assert_healthy(s);
    const double secs = now_s() - t0;
    ck_assert_msg(secs > 0.5 * TEST_TIMEOUT_S && secs < TEST_TIMEOUT_S + 3,
                  "answered after %.2f s with both connections taken", secs);
    close(a);
    close(b);
    serve_stop(s);
}
END_TEST

/* Slow uploads hold at most 4 x max_body between them: beyond that a
 * request gets 503 until they time out. */
START_TEST(test_upload_budget)
{
    serve_options o = {0};
    o.max_body = 4096;
    serve *s = start_server(&o);
    char *x, *h;
    size_t xs, hs;
    small_pair(&x, &xs, &h, &hs);
    int fds[4];
    for (int i = 0; i < 4; i++) {
        char *head = post_head("/v1/conv1d", 4000, 1);
        fds[i] = connect_to(s);
        send_all(fds[i], head, strlen(head));
        send_all(fds[i], "--BOUNDARY\r\n", 12);
        free(head);
    }
    wait_count(s, 0, 4);
    part parts[] = {{"input", x, xs}, {"kernel", h, hs}};
    reply r;
    request(s, "/v1/conv1d", parts, 2, NULL, &r);
    assert_error(&r, 503, "too many uploads in progress");
    reply_free(&r);
    wait_count(s, 0, 0);
    request(s, "/v1/conv1d", parts, 2, NULL, &r);
    ck_assert_int_eq(r.status, 200);
    reply_free(&r);
    for (int i = 0; i < 4; i++) close(fds[i]);
    assert_healthy(s);
    serve_stop(s);
    free(x);
    free(h);
}
END_TEST

/* ---- queue and shutdown ----------------------------------------------------- */

typedef struct async_post {
    serve *s;
    long status;
    char retry_after[32];
    int correct;
    pthread_t thread;
} async_post;

static void *post_main(void *arg)
{
    async_post *a = arg;
    char *x, *h;
    size_t xs, hs;
    small_pair(&x, &xs, &h, &hs);
    part parts[] = {{"input", x, xs}, {"kernel", h, hs}};
    char url[256];
    snprintf(url, sizeof url, "%s/v1/conv1d?mode=valid", serve_url(a->s));
    reply r;
    if (request_full(url, parts, 2, NULL, NULL, NULL, &r) == CURLE_OK) {
        a->status = r.status;
        header(&r, "Retry-After", a->retry_after, sizeof a->retry_after);
        /* x[i+2] - x[i] for x = 1..8 is 2 everywhere, 6 values: */
        static const float want[6] = {2, 2, 2, 2, 2, 2};
        a->correct = r.size == 128 + sizeof want && memcmp(r.body + 128, want, sizeof want) == 0;
    }
    reply_free(&r);
    free(x);
    free(h);
    return NULL;
}

START_TEST(test_queue_full)
{
    serve_options o = {0};
    o.queue = 2;
    o.workers = 1;
    serve *s = start_server(&o);
    serve_hold(s, 1);
    async_post a[3] = {{s, 0, "", 0, 0}, {s, 0, "", 0, 0}, {s, 0, "", 0, 0}};
    for (int i = 0; i < 2; i++) pthread_create(&a[i].thread, NULL, post_main, &a[i]);
    wait_count(s, 1, 2);
    post_main(&a[2]);
    ck_assert_int_eq(a[2].status, 503);
    ck_assert_str_eq(a[2].retry_after, "1");
    serve_hold(s, 0);
    for (int i = 0; i < 2; i++) {
        pthread_join(a[i].thread, NULL);
        ck_assert_int_eq(a[i].status, 200);
        ck_assert(a[i].correct);
    }
    assert_healthy(s);
    serve_stop(s);
}
END_TEST

typedef struct stopper {
    serve *s;
    pthread_t thread;
} stopper;

static void *stop_main(void *arg)
{
    serve_stop(((stopper *)arg)->s);
    return NULL;
}

START_TEST(test_graceful_stop)
{
    serve_options o = {0};
    o.workers = 1;
    serve *s = start_server(&o);
    /* Draining answers /healthz 503; before it, everything is healthy. */
    assert_healthy(s);
    serve_hold(s, 1);
    enum { N = 4 };
    async_post a[N];
    for (int i = 0; i < N; i++) {
        a[i] = (async_post){s, 0, "", 0, 0};
        pthread_create(&a[i].thread, NULL, post_main, &a[i]);
    }
    wait_count(s, 1, N);
    unsigned port = serve_port(s);
    stopper st = {s, 0};
    pthread_create(&st.thread, NULL, stop_main, &st);
    /* The listening socket closes at once while the held jobs wait. */
    int refused = 0;
    for (int i = 0; i < 200 && !refused; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in addr = {0};
        addr.sin_family = AF_INET;
        addr.sin_port = htons((uint16_t)port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        refused = connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0;
        close(fd);
        if (!refused) usleep(10000);
    }
    ck_assert_msg(refused, "the server still accepts connections while stopping");
    pthread_join(st.thread, NULL);
    for (int i = 0; i < N; i++) {
        pthread_join(a[i].thread, NULL);
        ck_assert_int_eq(a[i].status, 200);
        ck_assert(a[i].correct);
    }
}
END_TEST

/* ---- TLS ---------------------------------------------------------------------- */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    char *buf = calloc(1, 65536);
    fread(buf, 1, 65535, f);
    fclose(f);
    return buf;
}

START_TEST(test_tls)
{
    if (system("command -v openssl >/dev/null 2>&1") != 0) {
        fprintf(stderr, "serve: openssl not found; the TLS test did not run\n");
        return;
    }
    char *dir = test_tempdir();
    char cmd[2048], cert_path[512], key_path[512];
    snprintf(cert_path, sizeof cert_path, "%s/cert.pem", dir);
    snprintf(key_path, sizeof key_path, "%s/key.pem", dir);
    snprintf(cmd, sizeof cmd, "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "
             "/CN=localhost -addext subjectAltName=DNS:localhost -keyout %s -out %s "
             ">/dev/null 2>&1", key_path, cert_path);
    ck_assert_int_eq(system(cmd), 0);
    serve_options o = {0};
    o.tls_cert = slurp(cert_path);
    o.tls_key = slurp(key_path);
    serve *s = start_server(&o);
    ck_assert_ptr_nonnull(strstr(serve_url(s), "https://"));
    char url[256];
    reply r;
    snprintf(url, sizeof url, "https://localhost:%u/healthz", serve_port(s));
    CURLcode rc = request_full(url, NULL, 0, NULL, NULL, cert_path, &r);
    ck_assert_msg(rc == CURLE_OK, "%s", curl_easy_strerror(rc));
    ck_assert_int_eq(r.status, 200);
    reply_free(&r);
    char *x, *h;
    size_t xs, hs;
    small_pair(&x, &xs, &h, &hs);
    part parts[] = {{"input", x, xs}, {"kernel", h, hs}};
    snprintf(url, sizeof url, "https://localhost:%u/v1/conv1d?mode=valid", serve_port(s));
    ck_assert_int_eq(request_full(url, parts, 2, NULL, NULL, cert_path, &r), CURLE_OK);
    ck_assert_int_eq(r.status, 200);
    reply_free(&r);
    /* Plain HTTP to the TLS port gets no answer. */
    snprintf(url, sizeof url, "http://localhost:%u/healthz", serve_port(s));
    request_full(url, NULL, 0, NULL, NULL, NULL, &r);
    ck_assert_int_ne(r.status, 200);
    reply_free(&r);
    serve_stop(s);
    free((char *)o.tls_cert);
    free((char *)o.tls_key);
    free(x);
    free(h);
    test_rmtree_free(dir);
}
END_TEST

/* ---- faults ------------------------------------------------------------------ */

/* Asserts that r is a whole error answer: a 5xx status with a JSON body of
 * one "error" line. */
static void assert_server_error(const reply *r, long n)
{
    char type[128];
    ck_assert_msg(r->status == 500 || r->status == 503, "allocation %ld: status %ld (body %s)",
                  n, r->status, r->body ? r->body : "");
    ck_assert_msg(strcmp(header(r, "Content-Type", type, sizeof type), "application/json") == 0,
                  "allocation %ld: content type %s", n, type);
    json_value v = {0};
    char why[128];
    ck_assert_msg(r->body && json_parse(r->body, r->size, &v, why, sizeof why) == 0,
                  "allocation %ld: body %s", n, r->body);
    const json_value *e = json_get(&v, "error");
    ck_assert_msg(v.type == JSON_OBJECT && v.count == 1 && e && e->type == JSON_STRING &&
                      e->string[0] && !strchr(e->string, '\n'),
                  "allocation %ld: body %s", n, r->body);
    json_free(&v);
}

/* One request, the service's nth allocation after it arrives failing. The
 * test's own thread is exempt, so only the server's threads (libmicrohttpd's
 * callbacks into host/serve, the workers, host/io and the library) count.
 * Each request must end in the right answer or in one whole 5xx error, and
 * the server must then answer /healthz and the request again. Returns
 * whether the nth allocation was reached. */
static int alloc_fault_once(serve *s, long n, const char *path, const part *parts,
                            size_t n_parts, const char *json, const reply *want)
{
    char url[512];
    reply r;
    snprintf(url, sizeof url, "%s%s", serve_url(s), path);
    malloc_fail_arm(n);
    CURLcode rc = request_full(url, parts, n_parts, json, NULL, NULL, &r);
    /* The answer is out before the server's last bookkeeping (the access
     * log, freeing the request) has run: wait for it before disarming. */
    wait_count(s, 0, 0);
    const int fired = malloc_fail_fired();
    malloc_fail_arm(0);
    ck_assert_msg(rc == CURLE_OK, "%s, allocation %ld: %s", path, n, curl_easy_strerror(rc));
    if (r.status == 200)
        ck_assert_msg(r.size == want->size && memcmp(r.body, want->body, r.size) == 0,
                      "%s, allocation %ld: a different answer", path, n);
    else
        assert_server_error(&r, n);
    reply_free(&r);
    assert_healthy(s);
    request(s, path, parts, n_parts, json, &r);
    ck_assert_msg(r.status == 200 && r.size == want->size &&
                      memcmp(r.body, want->body, r.size) == 0,
                  "%s after allocation %ld: status %ld", path, n, r.status);
    reply_free(&r);
    return fired;
}

static void alloc_fault_sweep(serve *s, const char *path, const part *parts, size_t n_parts,
                              const char *json)
{
    reply want;
    request(s, path, parts, n_parts, json, &want);
    ck_assert_int_eq(want.status, 200);
    long n = 1;
    while (alloc_fault_once(s, n, path, parts, n_parts, json, &want)) {
        ck_assert_msg(n < 100000, "%s: no end to the allocations", path);
        n++;
    }
    ck_assert_msg(n > 1, "%s: no allocation was counted", path);
    fprintf(stderr, "serve_fault: %s: %ld allocations failed one at a time\n", path, n - 1);
    reply_free(&want);
}

START_TEST(test_alloc_failures)
{
    malloc_fail_exempt_thread();
    serve *s = start_default();
    char *x, *h;
    size_t xs, hs;
    small_pair(&x, &xs, &h, &hs);
    part parts[] = {{"input", x, xs}, {"kernel", h, hs}};
    alloc_fault_sweep(s, "/v1/conv1d?mode=valid&method=direct", parts, 2, NULL);
    alloc_fault_sweep(s, "/v1/dist", NULL, 0, "{\"specs\": [\"3d6\"]}");
    serve_stop(s);
    free(x);
    free(h);
}
END_TEST

/* Open descriptors of this process. */
static size_t count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    ck_assert_ptr_nonnull(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

START_TEST(test_vanishing_clients)
{
    serve *s = start_default();
    /* About 15,000 entries of five columns: a JSON answer of some 1.5 MB,
     * more than the loopback socket takes at once, so that the server is
     * still writing when the client goes. */
    const char *json = "{\"specs\": [\"3000d6\"]}";
    reply want;
    request(s, "/v1/dist", NULL, 0, json, &want);
    ck_assert_int_eq(want.status, 200);
    ck_assert_uint_gt(want.size, 1 << 20);
    wait_count(s, 0, 0);
    const size_t fds = count_fds();

    char head[256];
    snprintf(head, sizeof head, "POST /v1/dist HTTP/1.1\r\nHost: test\r\n"
             "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n", strlen(json));
    enum { ROUNDS = 8 };
    for (int round = 0; round < ROUNDS; round++) {
        for (int how = 0; how < 3; how++) {
            int fd = connect_to(s);
            ck_assert_int_ge(fd, 0);
            send_all(fd, head, strlen(head));
            send_all(fd, json, strlen(json));
            if (how == 1) {
                /* Mid-body: the head and the first bytes of the answer. */
                char buf[4096];
                ck_assert_int_gt(recv(fd, buf, sizeof buf, 0), 0);
            } else if (how == 2) {
                /* An abortive close (RST) rather than an orderly one. */
                struct linger l = {1, 0};
                setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
            }
            /* how == 0: gone before the job is done. */
            close(fd);
        }
    }
    wait_count(s, 0, 0);
    assert_healthy(s);
    reply r;
    request(s, "/v1/dist", NULL, 0, json, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert(r.size == want.size && memcmp(r.body, want.body, r.size) == 0);
    reply_free(&r);
    reply_free(&want);
    /* Every connection's descriptor is closed again (the server notices a
     * vanished client at its next write or read, within its idle timeout).
     * Fewer than before is no leak: the count before may include a
     * descriptor of the first request's that closes on its own time (a
     * fresh clone's CI run counted 11 after, 12 before). */
    size_t now = count_fds();
    for (int i = 0; i < 300 && now > fds; i++) {
        usleep(10000);
        now = count_fds();
    }
    ck_assert_msg(now <= fds, "%zu descriptors open, %zu before the clients", now, fds);
    serve_stop(s);
}
END_TEST

static void curl_setup(void)
{
    curl_global_init(CURL_GLOBAL_ALL);
}

static void curl_teardown(void)
{
    curl_global_cleanup();
}

Suite *clconv_test_suite_serve(void)
{
    Suite *s = suite_create("serve");
    TCase *results = test_tcase("results");
    tcase_add_checked_fixture(results, curl_setup, curl_teardown);
    tcase_add_test(results, test_conv1d_equals_api);
    tcase_add_test(results, test_conv2d_equals_api);
    tcase_add_test(results, test_dist_equals_api);
    tcase_add_test(results, test_image_and_preset);
    tcase_add_test(results, test_boundary_and_axis);
    tcase_add_test(results, test_out_dtype);
    tcase_add_test(results, test_int64_refused);
    tcase_add_test(results, test_complex_parts);
    tcase_add_test(results, test_conv3d_equals_api);
    suite_add_tcase(s, results);
    TCase *service = test_tcase_bare("service");
    tcase_add_checked_fixture(service, curl_setup, curl_teardown);
    tcase_add_test(service, test_concurrent_clients);
    tcase_add_test(service, test_error_statuses);
    tcase_add_test(service, test_token);
    tcase_add_test(service, test_spec_limit);
    tcase_add_test(service, test_misbehaving_clients);
    tcase_add_test(service, test_nameless_parts);
    tcase_add_test(service, test_empty_parts);
    tcase_add_test(service, test_ambiguous_framing);
    tcase_add_test(service, test_get_with_body);
    tcase_add_test(service, test_oversized_requests);
    tcase_add_test(service, test_protocol_errors);
    tcase_add_test(service, test_declared_size_limit);
    tcase_add_test(service, test_element_limit);
    tcase_add_test(service, test_status_table);
    tcase_add_test(service, test_keep_alive);
    tcase_add_test(service, test_connection_limit);
    tcase_add_test(service, test_upload_budget);
    tcase_add_test(service, test_queue_full);
    tcase_add_test(service, test_graceful_stop);
    tcase_add_test(service, test_tls);
    suite_add_tcase(s, service);
    return s;
}

Suite *clconv_test_suite_serve_fault(void)
{
    Suite *s = suite_create("serve_fault");
    TCase *tc = test_tcase_bare("faults");
    tcase_add_checked_fixture(tc, curl_setup, curl_teardown);
    tcase_add_test(tc, test_alloc_failures);
    tcase_add_test(tc, test_vanishing_clients);
    suite_add_tcase(s, tc);
    return s;
}
