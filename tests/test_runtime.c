/*
 * Tests of runtime.c: creation and destruction, the options (device, cache
 * directory, allocation limit, verbosity) and the environment variables that
 * stand in for them, the borrowed context and queue (ordering of a caller's
 * own work with clconv's), finish, and the version functions.
 */
#include "harness.h"
#include "suites.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

START_TEST(test_runtime_create_destroy)
{
    clconv_runtime *rt = NULL;
    clconv_device_info mine, listed;

    ASSERT_OK(NULL, clconv_runtime_create(&rt, NULL));
    ck_assert_ptr_nonnull(rt);
    ASSERT_OK(rt, clconv_runtime_device(rt, &mine));
    ASSERT_OK(NULL, clconv_device_info_get(mine.index, &listed));
    ck_assert_str_eq(mine.name, listed.name);
    ck_assert_str_eq(mine.platform, listed.platform);
    ASSERT_OK(rt, clconv_runtime_finish(rt));
    clconv_runtime_destroy(rt);

    ASSERT_OK(NULL, clconv_runtime_create_ex(&rt, NULL));
    ck_assert_ptr_nonnull(rt);
    clconv_runtime_destroy(rt);
    clconv_runtime_destroy(NULL);
}
END_TEST

START_TEST(test_runtime_bad_arguments)
{
    clconv_runtime *rt = (clconv_runtime *)&rt; /* must be reset to NULL on failure */
    clconv_runtime_options o = {0};
    clconv_device_info info;
    clconv_cache_stats stats;

    ASSERT_STATUS(NULL, clconv_runtime_create(NULL, NULL), CLCONV_EINVAL);
    ASSERT_STATUS(NULL, clconv_runtime_create_ex(NULL, &o), CLCONV_EINVAL);
    ASSERT_STATUS(NULL, clconv_runtime_create(&rt, "no such device anywhere 7f3a"), CLCONV_ENODEV);
    ck_assert_ptr_null(rt);
    ASSERT_STATUS(NULL, clconv_runtime_device(NULL, &info), CLCONV_EINVAL);
    ASSERT_STATUS(NULL, clconv_runtime_finish(NULL), CLCONV_EINVAL);
    ASSERT_STATUS(NULL, clconv_runtime_cache_stats(NULL, &stats), CLCONV_EINVAL);
    ck_assert_ptr_null(clconv_runtime_context(NULL));
    ck_assert_ptr_null(clconv_runtime_queue(NULL));
}
END_TEST

START_TEST(test_runtime_null_outputs)
{
    clconv_runtime *rt = test_runtime();
    ASSERT_STATUS(rt, clconv_runtime_device(rt, NULL), CLCONV_EINVAL);
    ASSERT_STATUS(rt, clconv_runtime_cache_stats(rt, NULL), CLCONV_EINVAL);
}
END_TEST

START_TEST(test_runtime_context_and_queue)
{
    clconv_runtime *rt = test_runtime();
    cl_context ctx = clconv_runtime_context(rt), qctx = NULL;
    cl_command_queue queue = clconv_runtime_queue(rt);
    cl_command_queue_properties props = 0;
    cl_device_id dev = NULL;
    char name[256] = "";
    clconv_device_info info;

    ck_assert_ptr_nonnull(ctx);
    ck_assert_ptr_nonnull(queue);
    ck_assert_int_eq(clGetCommandQueueInfo(queue, CL_QUEUE_CONTEXT, sizeof qctx, &qctx, NULL),
                     CL_SUCCESS);
    ck_assert_ptr_eq(qctx, ctx);
    ck_assert_int_eq(clGetCommandQueueInfo(queue, CL_QUEUE_PROPERTIES, sizeof props, &props, NULL),
                     CL_SUCCESS);
    ck_assert_msg(!(props & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE), "the queue is out of order");
    ck_assert_int_eq(clGetCommandQueueInfo(queue, CL_QUEUE_DEVICE, sizeof dev, &dev, NULL),
                     CL_SUCCESS);
    ck_assert_int_eq(clGetDeviceInfo(dev, CL_DEVICE_NAME, sizeof name, name, NULL), CL_SUCCESS);
    ASSERT_OK(rt, clconv_runtime_device(rt, &info));
    ck_assert_str_eq(name, info.name);
}
END_TEST

START_TEST(test_runtime_caller_work_is_ordered)
{
    /* A non-blocking write the caller enqueues on the borrowed queue must
     * be seen by the convolution clconv enqueues after it. */
    clconv_runtime *rt = test_runtime();
    static const float ones[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    const float signal[8] = {1, 2, 3, 4, 5, 6, 7, 8}, kernel[2] = {1, -1};
    float zeros[8] = {0}, out[9];
    const float expect[9] = {1, 1, 1, 1, 1, 1, 1, 1, -8};
    clconv_buffer *sb = NULL, *kb = NULL, *ob = NULL;
    clconv_conv_options o = {.mode = CLCONV_MODE_FULL, .method = CLCONV_METHOD_DIRECT};

    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_F32, 8, zeros, &sb));
    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_F32, 2, ones, &kb));
    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_F32, 9, NULL, &ob));
    ck_assert_int_eq(clEnqueueWriteBuffer(clconv_runtime_queue(rt), clconv_buffer_mem(sb), CL_FALSE,
                                          0, sizeof signal, signal, 0, NULL, NULL),
                     CL_SUCCESS);
    ck_assert_int_eq(clEnqueueWriteBuffer(clconv_runtime_queue(rt), clconv_buffer_mem(kb), CL_FALSE,
                                          0, sizeof kernel, kernel, 0, NULL, NULL),
                     CL_SUCCESS);
    ASSERT_OK(rt, clconv_conv1d(rt, sb, 8, 1, kb, 2, ob, &o));
    ASSERT_OK(rt, clconv_runtime_finish(rt));
    ASSERT_OK(rt, clconv_buffer_read(ob, 0, 9, out));
    for (int i = 0; i < 9; i++) ck_assert_float_eq(out[i], expect[i]);
    clconv_buffer_destroy(sb);
    clconv_buffer_destroy(kb);
    clconv_buffer_destroy(ob);
}
END_TEST

/* A tiny full convolution, enough to make the runtime build a program. */
static void run_small_conv(clconv_runtime *rt)
{
    const float x[5] = {1, 2, 3, 4, 5}, h[3] = {1, 0, -1};
    const float expect[7] = {1, 2, 2, 2, 2, -4, -5};
    float y[7];
    clconv_conv_options o = {.mode = CLCONV_MODE_FULL, .method = CLCONV_METHOD_DIRECT};

    ASSERT_OK(rt, clconv_conv1d_host(rt, CLCONV_F32, x, 5, 1, h, 3, y, &o));
    for (int i = 0; i < 7; i++) ck_assert_float_eq(y[i], expect[i]);
}

START_TEST(test_runtime_option_strings_are_copied)
{
    char *dir = test_tempdir();
    char device[32], cache[4096];
    clconv_runtime_options o = {0};
    clconv_runtime *rt = NULL;

    snprintf(device, sizeof device, "0");
    snprintf(cache, sizeof cache, "%s", dir);
    o.device = device;
    o.cache_dir = cache;
    o.disk_cache = 1;
    ASSERT_OK(NULL, clconv_runtime_create_ex(&rt, &o));
    /* The runtime must not look at the caller's strings again. */
    memset(device, 'x', sizeof device - 1);
    snprintf(cache, sizeof cache, "%s/elsewhere", dir);
    run_small_conv(rt);
    clconv_runtime_destroy(rt);
    ck_assert_msg(test_count_files(dir) > 0, "no program binary was cached in %s", dir);
    ck_assert_msg(access(cache, F_OK) != 0, "the runtime followed the caller's changed string");
    test_rmtree_free(dir);
}
END_TEST

START_TEST(test_runtime_max_alloc_option)
{
    clconv_runtime_options o = {0};
    clconv_runtime *rt = NULL;
    clconv_buffer *buf = NULL;

    o.max_alloc = 4096;
    ASSERT_OK(NULL, clconv_runtime_create_ex(&rt, &o));
    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_F32, 1024, NULL, &buf));
    clconv_buffer_destroy(buf);
    buf = NULL;
    ASSERT_STATUS(rt, clconv_buffer_create(rt, CLCONV_F32, 1025, NULL, &buf), CLCONV_EOVERFLOW);
    ck_assert_ptr_null(buf);
    clconv_runtime_destroy(rt);
}
END_TEST

/* Runtime creation refuses a variable that is not a byte count like 64M,
 * naming it; then unsets it. strtoull alone would take "-1" as 2^64 - 1 and
 * skip leading blanks. */
static void assert_byte_counts_checked(const char *var)
{
    static const char *const bad[] = {"lots", "-1", " 5M", "+5M", "5X", "0", "1.5M"};
    clconv_runtime *rt = NULL;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv(var, bad[i], 1);
        ASSERT_STATUS(NULL, clconv_runtime_create(&rt, NULL), CLCONV_EINVAL);
        assert_last_error_has(NULL, var);
    }
    unsetenv(var);
}

START_TEST(test_runtime_max_alloc_env)
{
    clconv_runtime *rt = NULL;
    clconv_buffer *buf = NULL;

    setenv("CLCONV_MAX_ALLOC", "8K", 1);
    ASSERT_OK(NULL, clconv_runtime_create(&rt, NULL));
    ASSERT_OK(rt, clconv_buffer_create(rt, CLCONV_F64, 1024, NULL, &buf));
    clconv_buffer_destroy(buf);
    buf = NULL;
    ASSERT_STATUS(rt, clconv_buffer_create(rt, CLCONV_F32, 2049, NULL, &buf), CLCONV_EOVERFLOW);
    clconv_runtime_destroy(rt);
    assert_byte_counts_checked("CLCONV_MAX_ALLOC");
}
END_TEST

START_TEST(test_runtime_stream_min_env)
{
    /* A byte count sets the threshold of the streaming stores (test_conv2d
     * checks their results); anything else is refused. */
    clconv_runtime *rt = NULL;
    setenv("CLCONV_STREAM_MIN", "64K", 1);
    ASSERT_OK(NULL, clconv_runtime_create(&rt, NULL));
    clconv_runtime_destroy(rt);
    assert_byte_counts_checked("CLCONV_STREAM_MIN");
}
END_TEST

START_TEST(test_runtime_verbose_notes)
{
    /* verbose = 1 writes notes on stderr: capture them in a file. */
    char *dir = test_tempdir();
    char path[4200], text[4096] = "";
    clconv_runtime_options o = {0};
    clconv_runtime *rt = NULL;
    int saved, fd;
    ssize_t got;

    snprintf(path, sizeof path, "%s/stderr.txt", dir);
    fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    fflush(stderr);
    saved = dup(STDERR_FILENO);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
    o.verbose = 1;
    o.disk_cache = -1;
    int st = clconv_runtime_create_ex(&rt, &o);
    if (st == CLCONV_OK) run_small_conv(rt);
    clconv_runtime_destroy(rt);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    ASSERT_OK(NULL, st);

    got = pread(fd, text, sizeof text - 1, 0);
    close(fd);
    ck_assert_int_gt(got, 0);
    text[got] = '\0';
    ck_assert_msg(strstr(text, "clconv") != NULL, "verbose output lacks notes: %s", text);
    test_rmtree_free(dir);
}
END_TEST

START_TEST(test_runtime_version)
{
    char expect[32];

    ck_assert_uint_eq(clconv_version(), CLCONV_VERSION_NUMBER);
    snprintf(expect, sizeof expect, "%d.%d.%d", CLCONV_VERSION_MAJOR, CLCONV_VERSION_MINOR,
             CLCONV_VERSION_PATCH);
    ck_assert_str_eq(clconv_version_string(), expect);
}
END_TEST

Suite *clconv_test_suite_runtime(void)
{
    Suite *s = suite_create("runtime");
    TCase *bare = test_tcase_bare("lifecycle");
    TCase *with_rt = test_tcase("handles");

    tcase_add_test(bare, test_runtime_create_destroy);
    tcase_add_test(bare, test_runtime_bad_arguments);
    tcase_add_test(bare, test_runtime_option_strings_are_copied);
    tcase_add_test(bare, test_runtime_max_alloc_option);
    tcase_add_test(bare, test_runtime_max_alloc_env);
    tcase_add_test(bare, test_runtime_stream_min_env);
    tcase_add_test(bare, test_runtime_verbose_notes);
    tcase_add_test(bare, test_runtime_version);
    tcase_add_test(with_rt, test_runtime_null_outputs);
    tcase_add_test(with_rt, test_runtime_context_and_queue);
    tcase_add_test(with_rt, test_runtime_caller_work_is_ordered);
    suite_add_tcase(s, bare);
    suite_add_tcase(s, with_rt);
    return s;
}
