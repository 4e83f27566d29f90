/*
 * Kernel presets ("gaussian:2", "box:5", "motion:9", ...) as the command
 * line and the service's kernel= parameter give them; the first byte picks
 * a 1-D, 2-D or 3-D convolution, the rest is the spec.
 */
#include "fuzz.h"
#include "preset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    char *spec = fuzz_strndup(data + 1, size - 1);
    int dims = 1 + data[0] % 3;
    (void)preset_is_candidate(spec);
    preset_kernel p = {0};
    io_error err = {""};
    int st = preset_make(spec, dims, &p, &err);
    fuzz_check_status(st, &err);
    preset_free(&p);
    free(spec);
    return 0;
}
