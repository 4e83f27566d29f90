/*
 * Kernel presets ("gaussian:2", "box:5", "motion:9", ...) as the command
 * line and the service's kernel= parameter give them; the first byte picks
 * a 1-D (odd), 3-D (even, at least 0x80) or 2-D convolution, as
 * fuzz_multipart's picks the endpoint, the rest is the spec.
 */
#include "fuzz.h"
#include "preset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    char *spec = fuzz_strndup(data + 1, size - 1);
    int dims = data[0] & 1 ? 1 : data[0] & 0x80 ? 3 : 2;
    (void)preset_is_candidate(spec);
    preset_kernel p = {0};
    io_error err = {""};
    int st = preset_make(spec, dims, &p, &err);
    fuzz_check_status(st, &err);
    preset_free(&p);
    free(spec);
    return 0;
}
