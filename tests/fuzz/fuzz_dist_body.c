/*
 * The JSON body of POST /v1/dist as the service parses it
 * (request_parse_dist over json_parse), and the JSON string writer the
 * command and the service answer through, on every string the body held.
 */
#include "fuzz.h"
#include "json.h"
#include "serve_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The server's body buffer is not NUL-terminated: keep the bytes exact
     * so that ASan sees a read past them. */
    char *copy = malloc(size ? size : 1);
    if (!copy) abort();
    if (size) memcpy(copy, data, size);
    serve_buffer body = {copy, size, size};
    serve_work w;
    memset(&w, 0, sizeof w);
    int st = request_parse_dist(&w, &body);
    if (st != 0 && (w.status < 400 || w.status > 503 || !w.error[0])) {
        fprintf(stderr, "fuzz: refused with status %u and message '%s'\n", w.status, w.error);
        abort();
    }
    FILE *devnull = fopen("/dev/null", "w");
    for (int i = 0; i < w.n_specs; i++) {
        if (devnull) json_write_string(devnull, w.specs[i]);
        free(w.specs[i]);
    }
    if (devnull) fclose(devnull);
    free(w.specs);
    free(w.count); /* as the server's free_request() does */
    free(copy);
    return 0;
}
