/*
 * Tests of buffer.c: device arrays created from host data or empty, read and
 * written whole or in element ranges, the range and size errors, float64
 * (or its clear refusal on a device without it), and wrapping a caller's
 * cl_mem, which clconv must retain and release only its own reference to.
 */
#include "harness.h"
#include "suites.h"

#include <string.h>

/* The OpenCL reference count of mem. */
static cl_uint refcount(cl_mem mem)
{
    cl_uint n = 0;
    ck_assert_int_eq(clGetMemObjectInfo(mem, CL_MEM_REFERENCE_COUNT, sizeof n, &n, NULL),
                     CL_SUCCESS);
    return n;
}

static int has_fp64(clconv_runtime *rt)
{
    clconv_device_info info;
    ASSERT_OK(rt, clconv_runtime_device(rt, &info));
    return info.fp64;
}

START_TEST(test_buffer_round_trip)
{
    clconv_runtime *rt = test_runtime();
    const clconv_dtype dtype = (clconv_dtype)_i; /* loop over F32, F64 */
    const size_t count = 1000;
    double values[1000], back[1000];
    void *host = test_alloc(dtype, count), *read = test_alloc(dtype, count);
    clconv_buffer *buf = NULL;
    test_rng rng;

    if (dtype == CLCONV_F64 && !has_fp64(rt)) {
        ASSERT_STATUS(rt, clconv_buffer_create(rt, dtype, count, NULL, &buf), CLCONV_ENOTSUP);
        assert_last_error_has(rt, "fp64");
        return;
    }
    test_rng_seed(&rng, 11 + _i);
    for (size_t i = 0; i < count; i++) values[i] = test_rng_uniform(&rng);
    test_store(dtype, host, values, count);

    ASSERT_OK(rt, clconv_buffer_create(rt, dtype, count, host, &buf));
    ck_assert_uint_eq(clconv_buffer_count(buf), count);
    ck_assert_int_eq(clconv_buffer_dtype(buf), dtype);
    ck_assert_ptr_nonnull(clconv_buffer_mem(buf));
    ASSERT_OK(rt, clconv_buffer_read(buf, 0, count, read));
    ck_assert_int_eq(memcmp(host, read, count * test_dtype_bytes(dtype)), 0);

    /* Ranges: overwrite elements [5, 15) and read [3, 17) back. */
    for (size_t i = 0; i < 10; i++) values[i] = -100.0 - (double)i;
    test_store(dtype, host, values, 10);
    ASSERT_OK(rt, clconv_buffer_write(buf, 5, 10, host));
    ASSERT_OK(rt, clconv_buffer_read(buf, 3, 14, read));
    test_load(dtype, back, read, 14);
    for (size_t i = 0; i < 14; i++) {
        if (i >= 2 && i < 12)
            ck_assert_double_eq(back[i], -100.0 - (double)(i - 2));
        else
            ck_assert_double_ne(back[i], -100.0 - (double)(i - 2));
    }
    /* The last element alone. */
    ASSERT_OK(rt, clconv_buffer_write(buf, count - 1, 1, host));
    ASSERT_OK(rt, clconv_buffer_read(buf, count - 1, 1, read));
    test_load(dtype, back, read, 1);
    ck_assert_double_eq(back[0], -100.0);

    clconv_buffer_destroy(buf);
    free(host);
    free(read);
}
END_TEST

START_TEST(test_buffer_created_empty)
{
    clconv_runtime *rt = test_runtime();
    const float in[4] = {1.5f, -2.0f, 3.25f, 0.0f};
    float out[4];
    clconv_buffer *buf = NULL;

    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_F32, 4, NULL, &buf));
    ASSERT_OK(rt, clconv_buffer_write(buf, 0, 4, in));
    ASSERT_OK(rt, clconv_buffer_read(buf, 0, 4, out));
    ck_assert_int_eq(memcmp(in, out, sizeof in), 0);
    clconv_buffer_destroy(buf);
    clconv_buffer_destroy(NULL);
}
END_TEST

START_TEST(test_buffer_range_errors)
{
    clconv_runtime *rt = test_runtime();
    float host[16] = {0};
    clconv_buffer *buf = NULL;

    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_F32, 16, host, &buf));
    ASSERT_STATUS(rt, clconv_buffer_read(buf, 16, 1, host), CLCONV_ERANGE);
    ASSERT_STATUS(rt, clconv_buffer_read(buf, 0, 17, host), CLCONV_ERANGE);
    ASSERT_STATUS(rt, clconv_buffer_read(buf, 15, 2, host), CLCONV_ERANGE);
    ASSERT_STATUS(rt, clconv_buffer_read(buf, SIZE_MAX, 2, host), CLCONV_ERANGE);
    ASSERT_STATUS(rt, clconv_buffer_write(buf, 16, 1, host), CLCONV_ERANGE);
    ASSERT_STATUS(rt, clconv_buffer_write(buf, 1, SIZE_MAX, host), CLCONV_ERANGE);
    assert_last_error_has(rt, "16 elements");
    ASSERT_STATUS(rt, clconv_buffer_read(buf, 0, 0, host), CLCONV_EINVAL);
    ASSERT_STATUS(rt, clconv_buffer_read(buf, 0, 1, NULL), CLCONV_EINVAL);
    ASSERT_STATUS(rt, clconv_buffer_write(buf, 0, 1, NULL), CLCONV_EINVAL);
    ASSERT_STATUS(NULL, clconv_buffer_read(NULL, 0, 1, host), CLCONV_EINVAL);
    ASSERT_STATUS(NULL, clconv_buffer_write(NULL, 0, 1, host), CLCONV_EINVAL);
    clconv_buffer_destroy(buf);
}
END_TEST

START_TEST(test_buffer_create_errors)
{
    clconv_runtime *rt = test_runtime();
    clconv_buffer *buf = (clconv_buffer *)&buf; /* must be reset to NULL on failure */
    clconv_device_info info;

    ASSERT_STATUS(NULL, clconv_buffer_create(NULL, CLCONV_F32, 4, NULL, &buf), CLCONV_EINVAL);
    ASSERT_STATUS(rt, clconv_buffer_create(rt, CLCONV_F32, 4, NULL, NULL), CLCONV_EINVAL);
    ASSERT_STATUS(rt, clconv_buffer_create(rt, CLCONV_F32, 0, NULL, &buf), CLCONV_EINVAL);
    ck_assert_ptr_null(buf);
    ASSERT_STATUS(rt, clconv_buffer_create(rt, (clconv_dtype)42, 4, NULL, &buf), CLCONV_EINVAL);
    ASSERT_STATUS(rt, clconv_buffer_create(rt, CLCONV_F32, SIZE_MAX / 2, NULL, &buf),
                  CLCONV_EOVERFLOW);
    /* Representable, but more than one allocation on the device may hold. */
    ASSERT_OK(rt, clconv_runtime_device(rt, &info));
    ASSERT_STATUS(
        rt,
        clconv_buffer_create(rt, CLCONV_F32, (size_t)(info.max_alloc_bytes / 4) + 1, NULL, &buf),
        CLCONV_EOVERFLOW);
    ck_assert_ptr_null(buf);
}
END_TEST

START_TEST(test_buffer_dtype_size)
{
    ck_assert_uint_eq(clconv_dtype_size(CLCONV_F32), 4);
    ck_assert_uint_eq(clconv_dtype_size(CLCONV_F64), 8);
    ck_assert_uint_eq(clconv_dtype_size((clconv_dtype)42), 0);
    ck_assert_uint_eq(clconv_buffer_count(NULL), 0);
    ck_assert_ptr_null(clconv_buffer_mem(NULL));
}
END_TEST

START_TEST(test_buffer_wrap_borrows)
{
    clconv_runtime *rt = test_runtime();
    const float in[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    float out[16] = {0};
    clconv_buffer *buf = NULL;
    cl_int err;
    cl_mem mem =
        clCreateBuffer(clconv_runtime_context(rt), CL_MEM_READ_WRITE, sizeof in, NULL, &err);

    ck_assert_int_eq(err, CL_SUCCESS);
    ck_assert_uint_eq(refcount(mem), 1);
    ASSERT_OK(rt, clconv_buffer_wrap(rt, mem, CLCONV_F32, 16, &buf));
    ck_assert_ptr_eq(clconv_buffer_mem(buf), mem);
    ck_assert_uint_eq(clconv_buffer_count(buf), 16);
    ck_assert_uint_ge(refcount(mem), 2);
    ASSERT_OK(rt, clconv_buffer_write(buf, 0, 16, in));
    clconv_buffer_destroy(buf);

    /* The caller's reference survives, and with it the data. */
    ck_assert_uint_eq(refcount(mem), 1);
    ck_assert_int_eq(clEnqueueReadBuffer(clconv_runtime_queue(rt), mem, CL_TRUE, 0, sizeof out, out,
                                         0, NULL, NULL),
                     CL_SUCCESS);
    ck_assert_int_eq(memcmp(in, out, sizeof in), 0);

    /* A smaller element count than the memory holds is fine, and so is
     * another dtype over the same bytes. */
    ASSERT_OK(rt, clconv_buffer_wrap(rt, mem, CLCONV_F32, 3, &buf));
    ASSERT_STATUS(rt, clconv_buffer_read(buf, 0, 4, out), CLCONV_ERANGE);
    clconv_buffer_destroy(buf);
    if (has_fp64(rt)) {
        ASSERT_OK(rt, clconv_buffer_wrap(rt, mem, CLCONV_F64, 8, &buf));
        clconv_buffer_destroy(buf);
    }
    ck_assert_uint_eq(refcount(mem), 1);
    clReleaseMemObject(mem);
}
END_TEST

START_TEST(test_buffer_wrap_errors)
{
    clconv_runtime *rt = test_runtime();
    clconv_buffer *buf = (clconv_buffer *)&buf; /* must be reset to NULL on failure */
    cl_device_id dev;
    cl_context other;
    cl_int err;
    cl_mem mem = clCreateBuffer(clconv_runtime_context(rt), CL_MEM_READ_WRITE, 64, NULL, &err),
           foreign;

    ck_assert_int_eq(err, CL_SUCCESS);
    ASSERT_STATUS(rt, clconv_buffer_wrap(rt, mem, CLCONV_F32, 17, &buf), CLCONV_EINVAL);
    ck_assert_ptr_null(buf);
    ASSERT_STATUS(rt, clconv_buffer_wrap(rt, mem, CLCONV_F32, 0, &buf), CLCONV_EINVAL);
    ASSERT_STATUS(rt, clconv_buffer_wrap(rt, mem, (clconv_dtype)42, 4, &buf), CLCONV_EINVAL);
    ASSERT_STATUS(rt, clconv_buffer_wrap(rt, mem, CLCONV_F32, SIZE_MAX / 2, &buf),
                  CLCONV_EOVERFLOW);
    ASSERT_STATUS(rt, clconv_buffer_wrap(rt, NULL, CLCONV_F32, 4, &buf), CLCONV_EINVAL);
    ASSERT_STATUS(rt, clconv_buffer_wrap(rt, mem, CLCONV_F32, 4, NULL), CLCONV_EINVAL);
    ASSERT_STATUS(NULL, clconv_buffer_wrap(NULL, mem, CLCONV_F32, 4, &buf), CLCONV_EINVAL);
    ck_assert_uint_eq(refcount(mem), 1);

    /* Memory of another context cannot be used on the runtime's queue. */
    ck_assert_int_eq(
        clGetCommandQueueInfo(clconv_runtime_queue(rt), CL_QUEUE_DEVICE, sizeof dev, &dev, NULL),
        CL_SUCCESS);
    other = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    foreign = clCreateBuffer(other, CL_MEM_READ_WRITE, 64, NULL, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    ASSERT_STATUS(rt, clconv_buffer_wrap(rt, foreign, CLCONV_F32, 4, &buf), CLCONV_EINVAL);
    assert_last_error_has(rt, "context");
    ck_assert_uint_eq(refcount(foreign), 1);
    clReleaseMemObject(foreign);
    clReleaseContext(other);
    clReleaseMemObject(mem);
}
END_TEST

Suite *clconv_test_suite_buffer(void)
{
    Suite *s = suite_create("buffer");
    TCase *tc = test_tcase("buffers");

    tcase_add_loop_test(tc, test_buffer_round_trip, CLCONV_F32, CLCONV_F64 + 1);
    tcase_add_test(tc, test_buffer_created_empty);
    tcase_add_test(tc, test_buffer_range_errors);
    tcase_add_test(tc, test_buffer_create_errors);
    tcase_add_test(tc, test_buffer_dtype_size);
    tcase_add_test(tc, test_buffer_wrap_borrows);
    tcase_add_test(tc, test_buffer_wrap_errors);
    suite_add_tcase(s, tc);
    return s;
}
