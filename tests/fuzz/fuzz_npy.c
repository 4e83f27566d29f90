/*
 * .npy files as the command reads them from stdin and the service from a
 * multipart part: npy_open_mem checks the header against the size, then
 * npy_read converts the data to float32, float64, complex64 and complex128
 * (every path: real files made complex, complex ones refused as real).
 */
#include "fuzz.h"
#include "npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const clconv_dtype dtypes[4] = {CLCONV_F32, CLCONV_F64, CLCONV_C64, CLCONV_C128};
    for (int d = 0; d < 4; d++) {
        npy_file nf;
        io_error err = {""};
        int st = npy_open_mem(&nf, data, size, "fuzz.npy", &err);
        fuzz_check_status(st, &err);
        if (st < 0) return 0;
        real_array a = {0};
        err.message[0] = '\0';
        st = npy_read(&nf, dtypes[d], &a, &err);
        fuzz_check_status(st, &err);
        npy_close(&nf);
        real_array_free(&a);
    }
    return 0;
}
