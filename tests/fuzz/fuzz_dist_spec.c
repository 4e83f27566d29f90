/*
 * Distribution SPECs as the service reads them (inline only, dice bounded
 * by an element limit): one SPEC a line. The first byte chooses the grid:
 * indices, or positions on a --density step of 0.5. Beyond the sanitizers:
 * what the variables hold in host memory stays bounded by the limit (and
 * by the text, for inline probabilities).
 *
 * The limit is 2^20 entries, not the service's 2^27: the checks scale with
 * it, and at 2^27 an input may expand 1 GiB of dice, which slows the fuzzer
 * to a crawl.
 */
#include "fuzz.h"
#include "dist_job.h"

#define MAX_FUZZ_SPECS 64
#define MAX_ENTRIES ((size_t)1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    char *text = fuzz_strndup(data + 1, size - 1);
    const char *specs[MAX_FUZZ_SPECS];
    int n = 0;
    for (char *s = text, *next; s && n < MAX_FUZZ_SPECS; s = next) {
        next = strchr(s, '\n');
        if (next) *next++ = '\0';
        specs[n++] = s;
    }
    dist_job job = {0};
    job.specs = specs;
    job.n_specs = n;
    job.times = 1;
    job.trim = -1;
    job.step = data[0] & 1 ? 0.5 : 0;
    job.inline_only = 1;
    job.max_entries = MAX_ENTRIES;
    spec_input *inputs = NULL;
    io_error err = {""};
    int st = dist_inputs_load(&job, &inputs, &err);
    fuzz_check_status(st, &err);
    size_t held = 0;
    for (int i = 0; i < n; i++)
        if (inputs[i].values) held += inputs[i].layout.len[0] * inputs[i].layout.len[1] - 1;
    if (held > MAX_ENTRIES + size) {
        fprintf(stderr, "fuzz: the specs hold %zu entries in memory, over the limit of %zu\n",
                held, MAX_ENTRIES);
        abort();
    }
    dist_inputs_free(&job, inputs);
    free(text);
    return 0;
}
