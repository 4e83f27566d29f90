/*
 * The Check suites, one per library module, each built by a function that
 * only describes tests (no OpenCL calls: the runner's parent process must
 * stay free of OpenCL state before Check forks). suites.txt names them once:
 * CMake writes that list into suite_list.h for this header and runner.c, and
 * registers each with CTest.
 */
#ifndef CLCONV_TEST_SUITES_H
#define CLCONV_TEST_SUITES_H

#include <check.h>

/* Suite *clconv_test_suite_NAME(void) for every NAME in suites.txt. */
#define SUITE(name) Suite *clconv_test_suite_##name(void);
#include "suite_list.h"
#undef SUITE

#endif /* CLCONV_TEST_SUITES_H */
