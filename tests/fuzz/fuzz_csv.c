/*
 * Text arrays (.csv, .txt) as csv_parse reads them, then what the command
 * does next with them: the float32 conversion and the finite check. The
 * format sniffing of stdin and uploads runs on the same bytes.
 */
#include "fuzz.h"
#include "csv.h"
#include "source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)format_sniff(data, size);
    real_array a = {0};
    io_error err = {""};
    int st = csv_parse((const char *)data, size, "fuzz.csv", &a, &err);
    fuzz_check_status(st, &err);
    if (st == 0) {
        err.message[0] = '\0';
        st = real_array_check_finite(&a, "fuzz.csv", &err);
        fuzz_check_status(st, &err);
        err.message[0] = '\0';
        st = real_array_convert(&a, CLCONV_F32, "fuzz.csv", &err);
        fuzz_check_status(st, &err);
    }
    real_array_free(&a);
    return 0;
}
