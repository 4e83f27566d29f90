/*
 * The query parameters of /v1/conv1d and /v1/conv2d as request_param
 * checks them, after libmicrohttpd has split and decoded them: one
 * KEY=VALUE a line ("KEY" alone: a parameter without a value).
 */
#include "fuzz.h"
#include "serve_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    serve_work w;
    memset(&w, 0, sizeof w);
    w.precision = -1;
    for (char *s = text, *next; s; s = next) {
        next = strchr(s, '\n');
        if (next) *next++ = '\0';
        char *eq = strchr(s, '=');
        if (eq) *eq++ = '\0';
        if (request_param(&w, MHD_GET_ARGUMENT_KIND, s, eq) != MHD_YES) break;
    }
    if (w.status && (w.status < 400 || !w.error[0])) abort();
    free(w.preset);
    free(text);
    return 0;
}
