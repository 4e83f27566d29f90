/*
 * Raw data with the shape and dtype the command line gives them: the
 * input's first line is "SHAPE DTYPE" (as --shape and --dtype, through
 * raw_parse_shape and raw_parse_dtype), the rest the data, read through
 * raw_open_mem and npy_read.
 */
#include "fuzz.h"
#include "raw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl) return 0;
    char *line = fuzz_strndup(data, (size_t)(nl - data));
    char *space = strchr(line, ' ');
    int ndim;
    size_t shape[ARRAY_MAX_DIMS];
    npy_type type;
    size_t itemsize;
    if (space) *space = '\0';
    int ok = space && raw_parse_shape(line, &ndim, shape) == 0 &&
             raw_parse_dtype(space + 1, &type, &itemsize) == 0;
    free(line);
    if (!ok) return 0;
    const uint8_t *body = nl + 1;
    size_t body_size = size - (size_t)(body - data);
    npy_file nf;
    io_error err = {""};
    int st = raw_open_mem(&nf, body, body_size, "fuzz.raw", type, itemsize, ndim, shape, &err);
    fuzz_check_status(st, &err);
    if (st < 0) return 0;
    real_array a = {0};
    err.message[0] = '\0';
    st = npy_read(&nf, CLCONV_F32, &a, &err);
    fuzz_check_status(st, &err);
    npy_close(&nf);
    real_array_free(&a);
    return 0;
}
