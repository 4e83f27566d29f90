/*
 * Distribution SPECs as the service reads them (inline only, dice bounded
 * by the element limit): one SPEC a line. The first byte chooses the grid:
 * indices, or positions on a --density step of 0.5.
 */
#include "fuzz.h"
#include "dist_job.h"

#define MAX_FUZZ_SPECS 64

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
    job.max_entries = FUZZ_MAX_ELEMENTS;
    spec_input *inputs = NULL;
    io_error err = {""};
    int st = dist_inputs_load(&job, &inputs, &err);
    fuzz_check_status(st, &err);
    dist_inputs_free(&job, inputs);
    free(text);
    return 0;
}
