/*
 * The Check suites, one per library module, each built by a function that
 * only describes tests (no OpenCL calls: the runner's parent process must
 * stay free of OpenCL state before Check forks). runner.c lists them by name;
 * suites.txt names them again for CTest.
 */
#ifndef CLCONV_TEST_SUITES_H
#define CLCONV_TEST_SUITES_H

#include <check.h>

Suite *clconv_test_suite_reference(void);
Suite *clconv_test_suite_errors(void);
Suite *clconv_test_suite_device(void);
Suite *clconv_test_suite_runtime(void);
Suite *clconv_test_suite_buffer(void);
Suite *clconv_test_suite_cache(void);
Suite *clconv_test_suite_conv(void);
Suite *clconv_test_suite_conv1d(void);
Suite *clconv_test_suite_conv2d(void);
Suite *clconv_test_suite_separable(void);
Suite *clconv_test_suite_stream(void);
Suite *clconv_test_suite_threads(void);
Suite *clconv_test_suite_dist(void);
Suite *clconv_test_suite_fft(void);
Suite *clconv_test_suite_peak(void);
Suite *clconv_test_suite_serve(void);
Suite *clconv_test_suite_json(void);

#endif /* CLCONV_TEST_SUITES_H */
