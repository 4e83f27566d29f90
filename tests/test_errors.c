/*
 * Tests of errors.c: the status table (clconv_strerror, clconv_status_name),
 * the per-thread last-error message and its per-runtime scope, the
 * RETURN_IF/FORWARD_IF_ERROR/CL_RETURN_IF macros the library is written
 * with, and the translation of OpenCL status codes.
 */
#include "harness.h"
#include "internal.h"
#include "suites.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* Every entry of the X-macro table must come back by value and by name. */
static void check_code(int value, const char *name, const char *text)
{
    ck_assert_int_lt(value, 0);
    ck_assert_str_eq(clconv_strerror(value), text);
    ck_assert_str_eq(clconv_status_name(value), name);
}

START_TEST(test_status_table)
{
#define CHECK_CODE_(name, value, text) check_code(CLCONV_##name, "CLCONV_" #name, text);
    CLCONV_STATUS_MAP(CHECK_CODE_)
#undef CHECK_CODE_
    ck_assert_str_eq(clconv_status_name(CLCONV_OK), "CLCONV_OK");
    ck_assert_ptr_nonnull(clconv_strerror(CLCONV_OK));
    ck_assert_str_ne(clconv_strerror(CLCONV_OK), "");
}
END_TEST

START_TEST(test_status_unknown)
{
    /* Codes outside the table still give printable, non-empty strings. */
    static const int unknown[] = {1, -13, -999, INT_MIN, INT_MAX};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        ck_assert_ptr_nonnull(clconv_strerror(unknown[i]));
        ck_assert_ptr_nonnull(clconv_status_name(unknown[i]));
        ck_assert_str_ne(clconv_strerror(unknown[i]), "");
        ck_assert_str_ne(clconv_status_name(unknown[i]), "");
        ck_assert_str_ne(clconv_status_name(unknown[i]), "CLCONV_OK");
    }
}
END_TEST

START_TEST(test_last_error_records_api_failure)
{
    size_t out;

    clconv__clear_error();
    ck_assert_str_eq(clconv_last_error(NULL), "");
    /* A runtime-less argument check, through RETURN_IF inside the library. */
    ASSERT_STATUS(NULL, clconv_conv_output_size(0, 3, CLCONV_MODE_FULL, &out), CLCONV_EINVAL);
    ck_assert_str_ne(clconv_last_error(NULL), "");
    ASSERT_STATUS(NULL, clconv_mode_parse("sideways", &(clconv_mode){0}), CLCONV_EINVAL);
    assert_last_error_has(NULL, "sideways");
}
END_TEST

/* What a second thread saw, for the main thread to check after join. */
typedef struct thread_view {
    char before[256]; /* last error on entry: must be empty */
    int status;
    char after[256]; /* last error after its own failure */
} thread_view;

static void *fail_in_thread(void *arg)
{
    thread_view *v = arg;
    clconv_mode mode;

    snprintf(v->before, sizeof v->before, "%s", clconv_last_error(NULL));
    v->status = clconv_mode_parse("thread-only-mode", &mode);
    snprintf(v->after, sizeof v->after, "%s", clconv_last_error(NULL));
    return NULL;
}

START_TEST(test_last_error_is_per_thread)
{
    clconv_method method;
    thread_view v = {.status = CLCONV_OK};
    pthread_t t;
    char mine[256];

    ASSERT_STATUS(NULL, clconv_method_parse("main-only-method", &method), CLCONV_EINVAL);
    snprintf(mine, sizeof mine, "%s", clconv_last_error(NULL));
    ck_assert_ptr_nonnull(strstr(mine, "main-only-method"));

    ck_assert_int_eq(pthread_create(&t, NULL, fail_in_thread, &v), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);

    ck_assert_str_eq(v.before, "");
    ck_assert_int_eq(v.status, CLCONV_EINVAL);
    ck_assert_ptr_nonnull(strstr(v.after, "thread-only-mode"));
    ck_assert_str_eq(clconv_last_error(NULL), mine);
}
END_TEST

START_TEST(test_last_error_is_per_runtime)
{
    clconv_runtime *rt = test_runtime(), *other = NULL;
    clconv_buffer *buf = NULL;

    ASSERT_OK(NULL, clconv_runtime_create(&other, NULL));
    clconv__clear_error();
    ASSERT_STATUS(rt, clconv_buffer_create(rt, (clconv_dtype)42, 4, NULL, &buf), CLCONV_EINVAL);
    ck_assert_ptr_null(buf);
    ck_assert_str_ne(clconv_last_error(rt), "");
    /* "Returns "" when the calling thread has no failure recorded for rt." */
    ck_assert_str_eq(clconv_last_error(other), "");
    clconv_runtime_destroy(other);
}
END_TEST

/* Small functions written with the library's macros, to pin their control
 * flow: a false condition falls through, a true one returns its status. */
static int guarded(int bad)
{
    RETURN_IF(NULL, bad, CLCONV_ERANGE, "value %d is out of range", bad);
    return 7;
}

static int forwarding(int bad)
{
    FORWARD_IF_ERROR(guarded(bad));
    return 8;
}

static int cl_checked(cl_int err)
{
    CL_RETURN_IF(NULL, err, "clFakeCall", "while testing %s", "macros");
    return 9;
}

START_TEST(test_macros)
{
    clconv__clear_error();
    ck_assert_int_eq(guarded(0), 7);
    ck_assert_str_eq(clconv_last_error(NULL), "");
    ck_assert_int_eq(guarded(3), CLCONV_ERANGE);
    assert_last_error_has(NULL, "value 3 is out of range");

    clconv__clear_error();
    ck_assert_int_eq(forwarding(0), 8);
    ck_assert_int_eq(forwarding(5), CLCONV_ERANGE);
    assert_last_error_has(NULL, "value 5 is out of range");

    ck_assert_int_eq(cl_checked(CL_SUCCESS), 9);
    ck_assert_int_lt(cl_checked(CL_INVALID_KERNEL_ARGS), 0);
    assert_last_error_has(NULL, "clFakeCall");
    assert_last_error_has(NULL, "CL_INVALID_KERNEL_ARGS");
    assert_last_error_has(NULL, "while testing macros");

    ck_assert_int_eq(CLCONV_FAIL(NULL, CLCONV_EIO, "disk %s", "gone"), CLCONV_EIO);
    assert_last_error_has(NULL, "disk gone");
}
END_TEST

START_TEST(test_cl_translation)
{
    /* Out-of-memory conditions keep their meaning; any other OpenCL failure
     * is at least an error and names the OpenCL code and value. */
    ck_assert_int_eq(clconv__cl_fail(NULL, CL_OUT_OF_HOST_MEMORY, "clA", __FILE__, __LINE__, "x"),
                     CLCONV_ENOMEM);
    ck_assert_int_eq(
        clconv__cl_fail(NULL, CL_MEM_OBJECT_ALLOCATION_FAILURE, "clB", __FILE__, __LINE__, "x"),
        CLCONV_EDEVMEM);
    ck_assert_int_eq(
        clconv__cl_fail(NULL, CL_BUILD_PROGRAM_FAILURE, "clC", __FILE__, __LINE__, "x"),
        CLCONV_EBUILD);
    ck_assert_int_eq(clconv__cl_fail(NULL, CL_INVALID_VALUE, "clD", __FILE__, __LINE__, "y"),
                     CLCONV_ECL);
    assert_last_error_has(NULL, "clD");
    assert_last_error_has(NULL, "CL_INVALID_VALUE");
    assert_last_error_has(NULL, "-30");

    ck_assert_str_eq(clconv__cl_status_name(CL_INVALID_VALUE), "CL_INVALID_VALUE");
    ck_assert_str_eq(clconv__cl_status_name(CL_OUT_OF_RESOURCES), "CL_OUT_OF_RESOURCES");
    ck_assert_ptr_nonnull(clconv__cl_status_name(-12345));
    ck_assert_str_ne(clconv__cl_status_name(-12345), "");
}
END_TEST

Suite *clconv_test_suite_errors(void)
{
    Suite *s = suite_create("errors");
    TCase *plain = test_tcase_bare("status");
    TCase *with_rt = test_tcase("runtime");

    tcase_add_test(plain, test_status_table);
    tcase_add_test(plain, test_status_unknown);
    tcase_add_test(plain, test_last_error_records_api_failure);
    tcase_add_test(plain, test_last_error_is_per_thread);
    tcase_add_test(plain, test_macros);
    tcase_add_test(plain, test_cl_translation);
    tcase_add_test(with_rt, test_last_error_is_per_runtime);
    suite_add_tcase(s, plain);
    suite_add_tcase(s, with_rt);
    return s;
}
