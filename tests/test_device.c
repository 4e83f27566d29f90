/*
 * Tests of device.c: the device list, the facts kept about each device, and
 * every form of device specification clconv_device_find accepts, including
 * the CLCONV_DEVICE environment variable. Expected answers are computed from
 * the list itself, so the tests hold on any machine (this one has a single
 * POCL CPU device and no GPU).
 */
#include "harness.h"
#include "suites.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The number of devices, asserting there is at least one: every other
 * suite needs one too. */
static size_t device_count(void)
{
    size_t n = 0;
    ASSERT_OK(NULL, clconv_device_count(&n));
    ck_assert_uint_gt(n, 0);
    return n;
}

/* Index of the nth device of type, or SIZE_MAX when there is none. */
static size_t nth_of_type(clconv_device_type type, size_t nth)
{
    size_t n = device_count();
    for (size_t i = 0; i < n; i++) {
        clconv_device_info info;
        ASSERT_OK(NULL, clconv_device_info_get(i, &info));
        if (info.type == type && nth-- == 0) return i;
    }
    return SIZE_MAX;
}

/* Asserts what clconv_device_find(spec) gives: expect, or ENODEV when expect
 * is SIZE_MAX. */
static void expect_find(const char *spec, size_t expect)
{
    size_t index = SIZE_MAX - 1;
    int st = clconv_device_find(spec, &index);

    if (expect == SIZE_MAX) {
        ck_assert_msg(st == CLCONV_ENODEV, "device spec '%s' gave %s (index %zu), want ENODEV",
                      spec ? spec : "(null)", clconv_status_name(st), index);
        ck_assert_str_ne(clconv_last_error(NULL), "");
    } else {
        ck_assert_msg(st == CLCONV_OK && index == expect,
                      "device spec '%s' gave %s, index %zu; want device %zu (%s)",
                      spec ? spec : "(null)", clconv_status_name(st), index, expect,
                      clconv_last_error(NULL));
    }
}

START_TEST(test_device_info_sane)
{
    size_t n = device_count();

    for (size_t i = 0; i < n; i++) {
        clconv_device_info info;
        ASSERT_OK(NULL, clconv_device_info_get(i, &info));
        ck_assert_uint_eq(info.index, i);
        ck_assert_int_ge(info.type, CLCONV_DEVICE_OTHER);
        ck_assert_int_le(info.type, CLCONV_DEVICE_ACCELERATOR);
        ck_assert_uint_gt(strlen(info.name), 0);
        ck_assert_uint_lt(strlen(info.name), sizeof info.name);
        ck_assert_uint_gt(strlen(info.platform), 0);
        ck_assert_uint_gt(strlen(info.driver_version), 0);
        ck_assert_msg(strncmp(info.opencl_version, "OpenCL ", 7) == 0,
                      "opencl_version '%s' is not CL_DEVICE_VERSION", info.opencl_version);
        ck_assert_uint_gt(info.compute_units, 0);
        ck_assert_uint_gt(info.global_mem_bytes, 0);
        ck_assert_uint_gt(info.local_mem_bytes, 0);
        ck_assert_uint_gt(info.max_alloc_bytes, 0);
        ck_assert_uint_le(info.max_alloc_bytes, info.global_mem_bytes);
        ck_assert_uint_gt(info.max_work_group_size, 0);
        ck_assert_uint_gt(info.pref_vector_float, 0);
        ck_assert(info.fp64 == 0 || info.fp64 == 1);
        /* A device with doubles prefers at least scalar doubles. */
        if (info.fp64) ck_assert_uint_gt(info.pref_vector_double, 0);
    }
}
END_TEST

START_TEST(test_device_type_names)
{
    /* The names `clconv devices` and the service print; out-of-range values
     * are "other", never NULL. */
    ck_assert_str_eq(clconv_device_type_name(CLCONV_DEVICE_CPU), "CPU");
    ck_assert_str_eq(clconv_device_type_name(CLCONV_DEVICE_GPU), "GPU");
    ck_assert_str_eq(clconv_device_type_name(CLCONV_DEVICE_ACCELERATOR), "accelerator");
    ck_assert_str_eq(clconv_device_type_name(CLCONV_DEVICE_OTHER), "other");
    ck_assert_str_eq(clconv_device_type_name((clconv_device_type)99), "other");
}
END_TEST

START_TEST(test_device_bad_arguments)
{
    clconv_device_info info;
    size_t n = device_count();

    ASSERT_STATUS(NULL, clconv_device_count(NULL), CLCONV_EINVAL);
    ASSERT_STATUS(NULL, clconv_device_info_get(0, NULL), CLCONV_EINVAL);
    ASSERT_STATUS(NULL, clconv_device_info_get(n, &info), CLCONV_ENODEV);
    ASSERT_STATUS(NULL, clconv_device_info_get(SIZE_MAX, &info), CLCONV_ENODEV);
    ASSERT_STATUS(NULL, clconv_device_find("0", NULL), CLCONV_EINVAL);
}
END_TEST

START_TEST(test_device_find_by_type)
{
    /* The first device of each type, or ENODEV where the machine has none
     * (here: "gpu" and "accelerator"). */
    expect_find("cpu", nth_of_type(CLCONV_DEVICE_CPU, 0));
    expect_find("gpu", nth_of_type(CLCONV_DEVICE_GPU, 0));
    expect_find("accelerator", nth_of_type(CLCONV_DEVICE_ACCELERATOR, 0));
    expect_find("cpu:0", nth_of_type(CLCONV_DEVICE_CPU, 0));
    expect_find("cpu:1", nth_of_type(CLCONV_DEVICE_CPU, 1));
    expect_find("gpu:0", nth_of_type(CLCONV_DEVICE_GPU, 0));
    expect_find("cpu:999", SIZE_MAX);
    /* A type with a malformed position is an error, not a name to search. */
    ASSERT_FAILS(NULL, clconv_device_find("cpu:x", &(size_t){0}), CLCONV_EINVAL);
    ASSERT_FAILS(NULL, clconv_device_find("gpu:-1", &(size_t){0}), CLCONV_EINVAL);
}
END_TEST

START_TEST(test_device_find_by_index)
{
    size_t n = device_count();
    char spec[32];

    for (size_t i = 0; i < n; i++) {
        snprintf(spec, sizeof spec, "%zu", i);
        expect_find(spec, i);
    }
    snprintf(spec, sizeof spec, "%zu", n);
    expect_find(spec, SIZE_MAX);
    expect_find("99999999999999999999999", SIZE_MAX);
}
END_TEST

START_TEST(test_device_find_by_name)
{
    clconv_device_info first;
    char part[8] = {0};

    ASSERT_OK(NULL, clconv_device_info_get(0, &first));
    /* A substring of the first device's name in another case must find the
     * first device whose name, vendor or platform contains it: device 0. */
    for (size_t i = 0; i < sizeof part - 1 && first.name[i + 1]; i++)
        part[i] = (char)(islower((unsigned char)first.name[i + 1])
                             ? toupper((unsigned char)first.name[i + 1])
                             : tolower((unsigned char)first.name[i + 1]));
    if (strlen(part) > 0 && !(part[0] >= '0' && part[0] <= '9')) expect_find(part, 0);
    expect_find(first.name, 0);
    expect_find(first.platform, 0);
    expect_find("no such device anywhere 7f3a", SIZE_MAX);
}
END_TEST

/* The default device per clconv.h: the first GPU, else the first CPU, else 0. */
static size_t default_device(void)
{
    size_t gpu = nth_of_type(CLCONV_DEVICE_GPU, 0), cpu = nth_of_type(CLCONV_DEVICE_CPU, 0);
    return gpu != SIZE_MAX ? gpu : cpu != SIZE_MAX ? cpu : 0;
}

START_TEST(test_device_find_default_and_env)
{
    size_t n = device_count();
    char last[32];

    unsetenv("CLCONV_DEVICE");
    expect_find(NULL, default_device());
    expect_find("", default_device());

    snprintf(last, sizeof last, "%zu", n - 1);
    setenv("CLCONV_DEVICE", last, 1);
    expect_find(NULL, n - 1);
    expect_find("", n - 1);
    /* An explicit spec wins over the environment. */
    expect_find("0", 0);

    setenv("CLCONV_DEVICE", "no such device anywhere 7f3a", 1);
    expect_find(NULL, SIZE_MAX);
    unsetenv("CLCONV_DEVICE");
}
END_TEST

START_TEST(test_device_env_reaches_runtime)
{
    clconv_runtime *rt = (clconv_runtime *)&rt; /* must be reset to NULL on failure */

    setenv("CLCONV_DEVICE", "no such device anywhere 7f3a", 1);
    ASSERT_STATUS(NULL, clconv_runtime_create(&rt, NULL), CLCONV_ENODEV);
    ck_assert_ptr_null(rt);
    unsetenv("CLCONV_DEVICE");
}
END_TEST

Suite *clconv_test_suite_device(void)
{
    Suite *s = suite_create("device");
    TCase *tc = test_tcase_bare("discovery");

    tcase_add_test(tc, test_device_info_sane);
    tcase_add_test(tc, test_device_type_names);
    tcase_add_test(tc, test_device_bad_arguments);
    tcase_add_test(tc, test_device_find_by_type);
    tcase_add_test(tc, test_device_find_by_index);
    tcase_add_test(tc, test_device_find_by_name);
    tcase_add_test(tc, test_device_find_default_and_env);
    tcase_add_test(tc, test_device_env_reaches_runtime);
    suite_add_tcase(s, tc);
    return s;
}
