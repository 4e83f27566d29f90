/*
 * Host allocation failure for the fault tests: programs linked with
 * malloc_fail.c and `-Wl,--wrap=` for the allocators it lists (see
 * tests/CMakeLists.txt) send every allocation made by clconv's own code
 * (the library, host/io, host/serve, host/cli and the tests themselves)
 * through a counter; once armed, the Nth such allocation fails as an
 * exhausted heap would (NULL, errno ENOMEM), once. Allocations made inside
 * other libraries (libc's own, POCL, LLVM, libmicrohttpd, libcurl, libpng)
 * are not counted: --wrap only rewrites the calls in the objects linked
 * into the program. Those are not ours to fix, and LLVM aborts when its
 * allocations fail.
 */
#ifndef CLCONV_TEST_MALLOC_FAIL_H
#define CLCONV_TEST_MALLOC_FAIL_H

/* Fails the nth counted allocation from now on (n <= 0: none) and restarts
 * the count. CLCONV_FAULT_MALLOC=N in the environment arms it at the
 * process's first allocation; with CLCONV_FAULT_MALLOC_COUNT=FILE the count
 * at exit is written to FILE; with CLCONV_FAULT_MALLOC_TRACE=1 the stack of
 * the allocation failed goes to stderr. */
void malloc_fail_arm(long n);

/* Counted allocations since arming, and whether the armed one has failed. */
long malloc_fail_calls(void);
int malloc_fail_fired(void);

/* Leaves the calling thread's allocations out of the count (and never fails
 * them): for a test's own thread while the code under test runs in others. */
void malloc_fail_exempt_thread(void);

#endif /* CLCONV_TEST_MALLOC_FAIL_H */
