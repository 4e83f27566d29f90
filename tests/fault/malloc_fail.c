/*
 * The counting allocators of malloc_fail.h: __wrap_X stands in for X in
 * every call clconv's objects make (the linker's --wrap=X) and calls the
 * real X (__real_X) unless this is the armed allocation.
 */
#include "malloc_fail.h"

#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *ptr, size_t size);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_posix_memalign(void **out, size_t align, size_t size);
FILE *__real_open_memstream(char **buf, size_t *size);
/* The __wrap_ definitions below need no prototypes: the linker, not C,
 * refers to them (the test programs build with -Wno-missing-prototypes). */

static atomic_long calls;
static atomic_long target;
static atomic_int fired;
static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static _Thread_local int exempt;

/* CLCONV_FAULT_MALLOC_COUNT=FILE: the process's count at exit goes there,
 * so that a sweep knows how many allocations a run makes. */
static void write_count(void)
{
    const char *path = getenv("CLCONV_FAULT_MALLOC_COUNT");
    FILE *f = path ? fopen(path, "w") : NULL;
    if (!f) return;
    fprintf(f, "%ld\n", atomic_load(&calls));
    fclose(f);
}

static void arm_from_env(void)
{
    /* getenv and strtol allocate nothing, so this cannot recurse. */
    const char *env = getenv("CLCONV_FAULT_MALLOC");
    if (env && *env) malloc_fail_arm(strtol(env, NULL, 10));
    if (getenv("CLCONV_FAULT_MALLOC_COUNT")) atexit(write_count);
}

void malloc_fail_arm(long n)
{
    atomic_store(&fired, 0);
    atomic_store(&calls, 0);
    atomic_store(&target, n > 0 ? n : 0);
}

long malloc_fail_calls(void) { return atomic_load(&calls); }
int malloc_fail_fired(void) { return atomic_load(&fired); }
void malloc_fail_exempt_thread(void) { exempt = 1; }

/* Nonzero (errno set to ENOMEM) when this allocation is to fail. */
static int fail_now(void)
{
    pthread_once(&env_once, arm_from_env);
    if (exempt) return 0;
    const long n = atomic_fetch_add(&calls, 1) + 1;
    if (n != atomic_load_explicit(&target, memory_order_relaxed)) return 0;
    atomic_store(&fired, 1);
    if (getenv("CLCONV_FAULT_MALLOC_TRACE")) {
        /* Where the failed allocation was made, for finding the code that
         * mishandled it (backtrace_symbols_fd allocates nothing). */
        void *frames[32];
        backtrace_symbols_fd(frames, backtrace(frames, 32), 2);
    }
    errno = ENOMEM;
    return 1;
}

void *__wrap_malloc(size_t size) { return fail_now() ? NULL : __real_malloc(size); }

void *__wrap_calloc(size_t count, size_t size)
{
    return fail_now() ? NULL : __real_calloc(count, size);
}

void *__wrap_realloc(void *ptr, size_t size)
{
    return fail_now() ? NULL : __real_realloc(ptr, size);
}

char *__wrap_strdup(const char *s) { return fail_now() ? NULL : __real_strdup(s); }

char *__wrap_strndup(const char *s, size_t n)
{
    return fail_now() ? NULL : __real_strndup(s, n);
}

int __wrap_posix_memalign(void **out, size_t align, size_t size)
{
    return fail_now() ? ENOMEM : __real_posix_memalign(out, align, size);
}

FILE *__wrap_open_memstream(char **buf, size_t *size)
{
    return fail_now() ? NULL : __real_open_memstream(buf, size);
}
