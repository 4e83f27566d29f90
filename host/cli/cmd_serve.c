/*
 * `clconv serve`: the command that runs the HTTP service of host/serve until
 * SIGTERM or SIGINT, then stops it gracefully. Here live the options, the
 * files they name (token, certificate, key) and the signal handling; the
 * server itself is host/serve.
 */
#include "args.h"
#include "cli.h"
#include "serve.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char serve_help[] =
    "Usage: clconv serve [OPTIONS]\n"
    "\n"
    "Runs clconv as an HTTP service: one process keeps the devices warm (contexts,\n"
    "compiled programs, FFT plans) and runs the jobs of many clients. It prints\n"
    "'listening on http://HOST:PORT' on stderr once it accepts connections, one\n"
    "access log line per request after that, and stops on SIGTERM or SIGINT after\n"
    "finishing the jobs in flight (exit status 0).\n"
    "\n"
    "Options:\n"
    "      --listen HOST:PORT   where to listen (default 127.0.0.1:8470; port 0 picks\n"
    "                           a free one; IPv6 as [::1]:PORT). Beyond loopback a\n"
    "                           --token-file is required\n"
    "  -d, --device SPEC|all    a device to serve (see 'clconv --help'); repeat for\n"
    "                           several, 'all' for every one; jobs go to the least\n"
    "                           loaded (default: the default device)\n"
    "      --workers N          worker threads per device (default 2)\n"
    "      --queue N            jobs waiting at most, over all devices; beyond that\n"
    "                           requests get 503 with Retry-After (default 64)\n"
    "      --max-body SIZE      largest request body, e.g. 64M or 1G (default 256M);\n"
    "                           larger ones get 413 before they are read, and\n"
    "                           uploads beyond 4 x SIZE in progress at once get 503\n"
    "      --max-elements N     elements of one array or result (default 134217728)\n"
    "      --token-file FILE    clients must send 'Authorization: Bearer TOKEN' with\n"
    "                           the token in FILE (surrounding white space ignored);\n"
    "                           /healthz stays open for load balancers\n"
    "      --tls-cert FILE      serve HTTPS with this PEM certificate (chain) ...\n"
    "      --tls-key FILE       ... and this PEM private key\n"
    "      --timeout SECONDS    close connections idle this long (default 30), so\n"
    "                           slow or vanished clients cost no more than that\n"
    "      --max-connections N  open connections at most (default 256)\n"
    "      --log FORMAT         access log on stderr as text (default) or json\n"
    "\n"
    "API (errors are JSON {\"error\": \"...\"} with status 400 bad input, 401 missing\n"
    "or wrong token, 404, 405, 411 no Content-Length, 413 body too large, 414 URI\n"
    "over 8 KiB, 415 wrong Content-Type, 431 headers over 32 KiB, 503 queue full;\n"
    "requests libmicrohttpd cannot parse get its own HTML 400, 413, 414, 431 or\n"
    "505 and a closed connection, see docs/openapi.yaml):\n"
    "  POST /v1/conv1d, /v1/conv2d   multipart/form-data with .npy parts 'input'\n"
    "        and 'kernel' (conv2d: or 'kcol' and 'krow' for a separable kernel), or\n"
    "        the query parameter kernel=PRESET (gaussian:2, sobel-x, ... as in\n"
    "        'clconv conv2d --help') instead of kernel parts. For conv2d 'input' may\n"
    "        be a PNG, PGM or PPM image, convolved per colour channel in mode same\n"
    "        by default and answered in its own format (normalize=1 rescales to\n"
    "        full range). Query parameters mode, method, correlate=1, precision,\n"
    "        batch=1, boundary, cval, origin (R,C for conv2d) and axis (conv1d) as\n"
    "        the options of 'clconv conv1d' and 'conv2d'. Answers the result as\n"
    "        application/x-npy (or the image type) with X-Clconv-Device,\n"
    "        X-Clconv-Method and Server-Timing (queue: waiting for a worker; upload:\n"
    "        receiving and decoding the parts; compute: the convolution with its\n"
    "        device transfers; download: encoding the answer), in ms\n"
    "  POST /v1/dist    JSON {\"specs\": [\"0.1,0.2,0.7\", \"2d6\"], \"times\": 1,\n"
    "        \"method\": \"auto\", \"trim\": 0, \"normalize\": false} (only specs is\n"
    "        required; specs are inline, never files), answered with the JSON of\n"
    "        'clconv dist --format json'\n"
    "  GET /v1/devices  the served devices, their facts and queue depths\n"
    "  GET /healthz     {\"status\": \"ok\"} (503 \"draining\" while stopping)\n"
    "  GET /metrics     Prometheus text: requests, latency, queue, device busy time,\n"
    "                   program and FFT plan cache counters\n"
    "\n"
    "Example:\n"
    "  clconv serve --listen 127.0.0.1:8470 &\n"
    "  curl -F input=@signal.npy -F kernel=@kernel.npy \\\n"
    "       'http://127.0.0.1:8470/v1/conv1d?mode=same' -o out.npy\n";

enum {
    OPT_LISTEN = 1,
    OPT_DEVICE,
    OPT_WORKERS,
    OPT_QUEUE,
    OPT_MAX_BODY,
    OPT_MAX_ELEMENTS,
    OPT_TOKEN_FILE,
    OPT_TLS_CERT,
    OPT_TLS_KEY,
    OPT_TIMEOUT,
    OPT_MAX_CONNECTIONS,
    OPT_LOG
};

static const args_option serve_options_table[] = {
    {"listen", 0, 1, OPT_LISTEN},
    {"device", 'd', 1, OPT_DEVICE},
    {"workers", 0, 1, OPT_WORKERS},
    {"queue", 0, 1, OPT_QUEUE},
    {"max-body", 0, 1, OPT_MAX_BODY},
    {"max-elements", 0, 1, OPT_MAX_ELEMENTS},
    {"token-file", 0, 1, OPT_TOKEN_FILE},
    {"tls-cert", 0, 1, OPT_TLS_CERT},
    {"tls-key", 0, 1, OPT_TLS_KEY},
    {"timeout", 0, 1, OPT_TIMEOUT},
    {"max-connections", 0, 1, OPT_MAX_CONNECTIONS},
    {"log", 0, 1, OPT_LOG},
    {NULL, 0, 0, 0},
};

/* A whole number with an optional K, M or G (powers of 1024): 0, else -1. */
static int parse_size(const char *s, unsigned long long max, unsigned long long *v)
{
    char *end;
    if (s[0] < '0' || s[0] > '9') return -1;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k') shift = 10;
    else if (*end == 'M' || *end == 'm') shift = 20;
    else if (*end == 'G' || *end == 'g') shift = 30;
    if (shift) end++;
    if (*end || errno || x == 0 || x > (max >> shift)) return -1;
    *v = x << shift;
    return 0;
}

/* The whole of a small file, NUL-terminated. */
static int read_small_file(const char *path, const char *what, char **text)
{
    FILE *f = fopen(path, "rb");
    if (!f) return cli_error("%s %s: cannot open: %s", what, path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    if (buf) n = fread(buf, 1, cap, f);
    int full = buf && !feof(f) && !ferror(f) && fgetc(f) != EOF;
    int bad = !buf || ferror(f);
    fclose(f);
    if (bad || full) {
        free(buf);
        return cli_error("%s %s: %s", what, path, bad ? "cannot read" : "larger than 64 KiB");
    }
    buf[n] = '\0';
    *text = buf;
    return CLI_OK;
}

static int read_token(const char *path, char **token)
{
    int status = read_small_file(path, "--token-file", token);
    if (status != CLI_OK) return status;
    char *t = *token;
    size_t start = strspn(t, " \t\r\n"), n = strlen(t);
    while (n > start && strchr(" \t\r\n", t[n - 1])) n--;
    memmove(t, t + start, n - start);
    t[n - start] = '\0';
    if (t[0] == '\0' || strpbrk(t, " \t\r\n")) {
        free(t);
        *token = NULL;
        return cli_error("--token-file %s: must hold one token without white space", path);
    }
    return CLI_OK;
}

int cmd_serve(int argc, char **argv)
{
    serve_options o = {0};
    const char **devices = calloc((size_t)argc, sizeof *devices);
    const char *token_file = NULL, *cert_file = NULL, *key_file = NULL;
    char *token = NULL, *cert = NULL, *key = NULL;
    int status = devices ? CLI_OK : cli_error("out of memory");
    args_parser p;
    args_init(&p, "serve", serve_options_table, argc, argv);
    const char *v;
    for (int id; status == CLI_OK && (id = args_next(&p, &v)) != ARGS_END;) {
        unsigned long long n;
        switch (id) {
        case ARGS_HELP:
            fputs(serve_help, stdout);
            free(devices);
            return CLI_OK;
        case ARGS_ERROR: status = CLI_EUSAGE; break;
        case ARGS_POSITIONAL:
            status = cli_usage_error("serve", "unexpected argument '%s'", v);
            break;
        case OPT_LISTEN: o.listen = v; break;
        case OPT_DEVICE: devices[o.n_devices++] = v; break;
        case OPT_WORKERS:
        case OPT_QUEUE:
        case OPT_TIMEOUT:
        case OPT_MAX_CONNECTIONS:
            if (parse_size(v, 1u << 20, &n) != 0 || strpbrk(v, "KkMmGg")) {
                status = cli_usage_error("serve", "--%s must be a whole number from 1 to 2^20, "
                                         "not '%s'", serve_options_table[id - 1].name, v);
                break;
            }
            if (id == OPT_WORKERS) o.workers = (unsigned)n;
            else if (id == OPT_QUEUE) o.queue = (unsigned)n;
            else if (id == OPT_TIMEOUT) o.timeout_s = (unsigned)n;
            else o.max_connections = (unsigned)n;
            break;
        case OPT_MAX_BODY:
        case OPT_MAX_ELEMENTS:
            if (parse_size(v, SIZE_MAX, &n) != 0) {
                status = cli_usage_error("serve", "--%s must be a size such as 64M, not '%s'",
                                         serve_options_table[id - 1].name, v);
                break;
            }
            if (id == OPT_MAX_BODY) o.max_body = (size_t)n;
            else o.max_elements = (size_t)n;
            break;
        case OPT_TOKEN_FILE: token_file = v; break;
        case OPT_TLS_CERT: cert_file = v; break;
        case OPT_TLS_KEY: key_file = v; break;
        case OPT_LOG:
            if (strcmp(v, "json") == 0) o.log_json = 1;
            else if (strcmp(v, "text") != 0)
                status = cli_usage_error("serve", "--log must be text or json, not '%s'", v);
            break;
        }
    }
    if (status == CLI_OK && !cert_file != !key_file)
        status = cli_usage_error("serve", "--tls-cert and --tls-key go together");
    if (status == CLI_OK && token_file) status = read_token(token_file, &token);
    if (status == CLI_OK && cert_file) status = read_small_file(cert_file, "--tls-cert", &cert);
    if (status == CLI_OK && key_file) status = read_small_file(key_file, "--tls-key", &key);

    /* Signals are taken by sigwait below; blocked before any thread starts,
     * they stay blocked in every thread the server creates. A client that
     * vanishes must not kill the server with SIGPIPE. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    signal(SIGPIPE, SIG_IGN);
    serve *s = NULL;
    if (status == CLI_OK) {
        pthread_sigmask(SIG_BLOCK, &stop, NULL);
        o.devices = devices;
        o.token = token;
        o.tls_cert = cert;
        o.tls_key = key;
        o.log = stderr;
        char err[512];
        if (serve_start(&o, &s, err, sizeof err) != 0) status = cli_error("serve: %s", err);
    }
    if (status == CLI_OK) {
        fprintf(stderr, "listening on %s\n", serve_url(s));
        fflush(stderr);
        int sig;
        sigwait(&stop, &sig);
        serve_stop(s);
    }
    if (key) memset(key, 0, strlen(key));
    if (token) memset(token, 0, strlen(token));
    free(key);
    free(cert);
    free(token);
    free(devices);
    return status;
}
