/*
 * Fault injection for tests (compiled, with CLCONV_FAULT_INJECTION defined,
 * only when the tests are built): every OpenCL call a job makes
 * through CLCONV__CL or CLCONV__CL_OBJ, every VkFFT launch and every FFTW
 * transform (the host FFT backend), first asks
 * clconv__fault() whether it is the one to fail. Counting starts when the
 * process arms the hook, from CLCONV_FAULT_CL=N at the first wrapped call or
 * from clconv__fault_arm(); the Nth call after that fails with
 * CL_OUT_OF_RESOURCES without reaching the driver, once, so that a sweep
 * over N fails each call of a job in turn and the runtime stays usable.
 */
#include "internal.h"

#include <stdatomic.h>
#include <stdlib.h>

static atomic_long calls;       /* wrapped calls since arming */
static atomic_long target;      /* the call to fail (1-based); 0: none */
static _Atomic(const char *) fired; /* the name of the call failed, NULL before */
static pthread_once_t env_once = PTHREAD_ONCE_INIT;

static void arm_from_env(void)
{
    const char *env = getenv("CLCONV_FAULT_CL");
    if (env && *env) clconv__fault_arm(strtol(env, NULL, 10));
}

void clconv__fault_arm(long n)
{
    atomic_store(&fired, NULL);
    atomic_store(&calls, 0);
    atomic_store(&target, n > 0 ? n : 0);
}

int clconv__fault(const char *call)
{
    pthread_once(&env_once, arm_from_env);
    const long t = atomic_load_explicit(&target, memory_order_relaxed);
    if (t == 0) return 0;
    if (atomic_fetch_add(&calls, 1) + 1 != t) return 0;
    atomic_store(&fired, call);
    return 1;
}

long clconv__fault_calls(void) { return atomic_load(&calls); }

const char *clconv__fault_fired(void) { return atomic_load(&fired); }
