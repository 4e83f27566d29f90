/*
 * Device discovery: one flat, stable list over every OpenCL platform
 * (platform order, then device order), the facts clconv keeps about each
 * device, and resolution of a device specification ("gpu", "cpu:1", "2",
 * a name substring, or $CLCONV_DEVICE) to a list index.
 */
#define _GNU_SOURCE /* sched_getaffinity, CPU_ISSET */
#include "internal.h"

#include <ctype.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_PLATFORMS 16
#define MAX_DEVICES 64

/* POCL's CPU driver runs kernels on one worker thread per CPU, which sleep
 * between jobs; left to the kernel's scheduler, the two workers of a
 * 2-core machine woken after a pause often started on one core, where the
 * second waited milliseconds to move. Pinned (POCL_AFFINITY=1: worker i on
 * CPU i), each wakes on its own core. On the 2-core AMD EPYC Zen 3 of
 * params.c (a 2048^2 5x5 call from host arrays, medians of 25 in one
 * process): 2.52 ms after 80 ms asleep against 4.58 unpinned, 2.38 after
 * single-threaded NumPy work against 2.52 (upper quartile 2.45 against
 * 4.37), 2.10 back to back against 2.15. So before the process's first
 * OpenCL call clconv sets POCL_AFFINITY=1, unless it is set already, or
 * POCL_MAX_PTHREAD_COUNT asks for more workers than CPUs, or the process
 * may not run on every online CPU (a worker pinned outside its set would
 * fail). OpenCL set up before (by another library) keeps its threads. */
static void pin_pocl_workers(void)
{
#ifdef __linux__
    if (getenv("POCL_AFFINITY")) return;
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 1 || cpus > CPU_SETSIZE) return;
    const char *max = getenv("POCL_MAX_PTHREAD_COUNT");
    if (max && *max && strtol(max, NULL, 10) > cpus) return;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return;
    for (long i = 0; i < cpus; i++)
        if (!CPU_ISSET((int)i, &set)) return;
    (void)setenv("POCL_AFFINITY", "1", 0);
#endif
}
static pthread_once_t pin_once = PTHREAD_ONCE_INIT;

/* Enumerates into caller arrays; returns the device count or a status. */
static int enumerate(cl_platform_id *plat_of, cl_device_id *devs, size_t cap, size_t *count)
{
    cl_platform_id plats[MAX_PLATFORMS];
    cl_uint nplat = 0;
    (void)pthread_once(&pin_once, pin_pocl_workers);
    cl_int err = clGetPlatformIDs(MAX_PLATFORMS, plats, &nplat);
    *count = 0;
    /* The ICD loader answers CL_PLATFORM_NOT_FOUND_KHR when no driver is
     * installed: that is "no device", not a failure of the call. */
    if (err == -1001 || (err == CL_SUCCESS && nplat == 0))
        return CLCONV_FAIL(NULL, CLCONV_ENODEV, "no OpenCL platform found (is an ICD such as "
                                                "pocl-opencl-icd installed?)");
    CL_RETURN_IF(NULL, err, "clGetPlatformIDs", "listing platforms");
    if (nplat > MAX_PLATFORMS) nplat = MAX_PLATFORMS;
    for (cl_uint p = 0; p < nplat; p++) {
        cl_device_id ids[MAX_DEVICES];
        cl_uint nd = 0;
        err = clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, MAX_DEVICES, ids, &nd);
        if (err == CL_DEVICE_NOT_FOUND) continue; /* a platform without devices */
        CL_RETURN_IF(NULL, err, "clGetDeviceIDs", "listing devices of platform %u", p);
        if (nd > MAX_DEVICES) nd = MAX_DEVICES;
        for (cl_uint d = 0; d < nd && *count < cap; d++) {
            plat_of[*count] = plats[p];
            devs[*count] = ids[d];
            (*count)++;
        }
    }
    if (*count == 0) return CLCONV_FAIL(NULL, CLCONV_ENODEV, "no OpenCL device found");
    return 0;
}

int clconv_device_count(size_t *count)
{
    cl_platform_id plats[MAX_DEVICES];
    cl_device_id devs[MAX_DEVICES];
    RETURN_IF(NULL, !count, CLCONV_EINVAL, "count is NULL");
    return enumerate(plats, devs, MAX_DEVICES, count);
}

int clconv__device_ids(size_t index, cl_platform_id *platform, cl_device_id *device)
{
    cl_platform_id plats[MAX_DEVICES];
    cl_device_id devs[MAX_DEVICES];
    size_t n = 0;
    FORWARD_IF_ERROR(enumerate(plats, devs, MAX_DEVICES, &n));
    RETURN_IF(NULL, index >= n, CLCONV_ENODEV, "device index %zu out of range (%zu device%s)",
              index, n, n == 1 ? "" : "s");
    *platform = plats[index];
    *device = devs[index];
    return 0;
}

static int query_string(cl_device_id dev, cl_device_info what, char *buf, size_t cap,
                        const char *name)
{
    cl_int err = clGetDeviceInfo(dev, what, cap, buf, NULL);
    if (err == CL_INVALID_VALUE) {
        /* Longer than our field: fetch it whole and truncate. */
        size_t len = 0;
        CL_RETURN_IF(NULL, clGetDeviceInfo(dev, what, 0, NULL, &len), "clGetDeviceInfo", "%s",
                     name);
        char *tmp = malloc(len + 1);
        RETURN_IF(NULL, !tmp, CLCONV_ENOMEM, "allocating %zu bytes", len + 1);
        err = clGetDeviceInfo(dev, what, len, tmp, NULL);
        if (err == CL_SUCCESS) snprintf(buf, cap, "%s", tmp);
        free(tmp);
    }
    CL_RETURN_IF(NULL, err, "clGetDeviceInfo", "%s", name);
    buf[cap - 1] = '\0';
    return 0;
}

#define QUERY(dev, what, var) \
    CL_RETURN_IF(NULL, clGetDeviceInfo(dev, what, sizeof(var), &(var), NULL), "clGetDeviceInfo", #what)

int clconv__device_query(cl_platform_id platform, cl_device_id dev, clconv_device_info *info)
{
    cl_device_type type = 0;
    cl_uint cu = 0, clock = 0, vf = 0, vd = 0;
    cl_ulong gmem = 0, lmem = 0, alloc = 0;
    size_t wg = 0;
    char ext[8192];

    memset(info, 0, sizeof *info);
    FORWARD_IF_ERROR(query_string(dev, CL_DEVICE_NAME, info->name, sizeof info->name, "name"));
    FORWARD_IF_ERROR(
        query_string(dev, CL_DEVICE_VENDOR, info->vendor, sizeof info->vendor, "vendor"));
    FORWARD_IF_ERROR(query_string(dev, CL_DRIVER_VERSION, info->driver_version,
                                  sizeof info->driver_version, "driver version"));
    FORWARD_IF_ERROR(query_string(dev, CL_DEVICE_VERSION, info->opencl_version,
                                  sizeof info->opencl_version, "version"));
    FORWARD_IF_ERROR(query_string(dev, CL_DEVICE_EXTENSIONS, ext, sizeof ext, "extensions"));
    CL_RETURN_IF(NULL,
                 clGetPlatformInfo(platform, CL_PLATFORM_NAME, sizeof info->platform,
                                   info->platform, NULL),
                 "clGetPlatformInfo", "platform name");
    info->platform[sizeof info->platform - 1] = '\0';
    QUERY(dev, CL_DEVICE_TYPE, type);
    QUERY(dev, CL_DEVICE_MAX_COMPUTE_UNITS, cu);
    QUERY(dev, CL_DEVICE_MAX_CLOCK_FREQUENCY, clock);
    QUERY(dev, CL_DEVICE_GLOBAL_MEM_SIZE, gmem);
    QUERY(dev, CL_DEVICE_LOCAL_MEM_SIZE, lmem);
    QUERY(dev, CL_DEVICE_MAX_MEM_ALLOC_SIZE, alloc);
    QUERY(dev, CL_DEVICE_MAX_WORK_GROUP_SIZE, wg);
    QUERY(dev, CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT, vf);
    QUERY(dev, CL_DEVICE_PREFERRED_VECTOR_WIDTH_DOUBLE, vd);

    info->type = (type & CL_DEVICE_TYPE_GPU)           ? CLCONV_DEVICE_GPU
                 : (type & CL_DEVICE_TYPE_CPU)         ? CLCONV_DEVICE_CPU
                 : (type & CL_DEVICE_TYPE_ACCELERATOR) ? CLCONV_DEVICE_ACCELERATOR
                                                       : CLCONV_DEVICE_OTHER;
    info->compute_units = cu;
    info->max_clock_mhz = clock;
    info->global_mem_bytes = gmem;
    info->local_mem_bytes = lmem;
    info->max_alloc_bytes = alloc;
    info->max_work_group_size = wg;
    /* A non-zero preferred double width is how OpenCL 1.2 devices without the
     * extension string still announce double support. */
    info->fp64 = strstr(ext, "cl_khr_fp64") != NULL || vd != 0;
    info->pref_vector_float = vf;
    info->pref_vector_double = vd;
    return 0;
}

int clconv_device_info_get(size_t index, clconv_device_info *info)
{
    cl_platform_id p;
    cl_device_id d;
    RETURN_IF(NULL, !info, CLCONV_EINVAL, "info is NULL");
    FORWARD_IF_ERROR(clconv__device_ids(index, &p, &d));
    FORWARD_IF_ERROR(clconv__device_query(p, d, info));
    info->index = index;
    return 0;
}

static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n) return 1;
    }
    return n == 0;
}

/* Parses a whole decimal string; -1 when spec is not one. */
static long parse_index(const char *s)
{
    char *end;
    if (!*s || !isdigit((unsigned char)*s)) return -1;
    long v = strtol(s, &end, 10);
    return *end ? -1 : v;
}

int clconv_device_find(const char *spec, size_t *index)
{
    cl_platform_id plats[MAX_DEVICES];
    cl_device_id devs[MAX_DEVICES];
    clconv_device_info info[MAX_DEVICES];
    size_t n = 0;

    RETURN_IF(NULL, !index, CLCONV_EINVAL, "index is NULL");
    if (!spec || !*spec) {
        const char *env = getenv("CLCONV_DEVICE");
        spec = env && *env ? env : NULL;
    }
    FORWARD_IF_ERROR(enumerate(plats, devs, MAX_DEVICES, &n));
    for (size_t i = 0; i < n; i++) {
        FORWARD_IF_ERROR(clconv__device_query(plats[i], devs[i], &info[i]));
        info[i].index = i;
    }

    if (!spec) {
        static const clconv_device_type preferred[] = {CLCONV_DEVICE_GPU, CLCONV_DEVICE_CPU};
        for (size_t t = 0; t < 2; t++)
            for (size_t i = 0; i < n; i++)
                if (info[i].type == preferred[t]) return (*index = i), 0;
        return (*index = 0), 0;
    }

    long num = parse_index(spec);
    if (num >= 0) {
        RETURN_IF(NULL, (size_t)num >= n, CLCONV_ENODEV,
                  "device %ld does not exist (%zu device%s)", num, n, n == 1 ? "" : "s");
        return (*index = (size_t)num), 0;
    }

    static const struct { const char *word; clconv_device_type type; } types[] = {
        {"gpu", CLCONV_DEVICE_GPU}, {"cpu", CLCONV_DEVICE_CPU},
        {"accelerator", CLCONV_DEVICE_ACCELERATOR}};
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        size_t len = strlen(types[t].word);
        if (strncmp(spec, types[t].word, len) != 0) continue;
        long want = 0;
        if (spec[len] == ':') want = parse_index(spec + len + 1);
        else if (spec[len] != '\0') continue; /* e.g. "cpufoo": a name substring */
        RETURN_IF(NULL, want < 0, CLCONV_EINVAL, "bad device spec '%s' (expected %s:N)", spec,
                  types[t].word);
        for (size_t i = 0; i < n; i++)
            if (info[i].type == types[t].type && want-- == 0) return (*index = i), 0;
        return CLCONV_FAIL(NULL, CLCONV_ENODEV, "no %s device matches '%s'", types[t].word, spec);
    }

    for (size_t i = 0; i < n; i++)
        if (contains_ci(info[i].name, spec) || contains_ci(info[i].vendor, spec) ||
            contains_ci(info[i].platform, spec))
            return (*index = i), 0;
    return CLCONV_FAIL(NULL, CLCONV_ENODEV, "no device name, vendor or platform contains '%s'",
                       spec);
}

const char *clconv_device_type_name(clconv_device_type type)
{
    switch (type) {
    case CLCONV_DEVICE_CPU: return "CPU";
    case CLCONV_DEVICE_GPU: return "GPU";
    case CLCONV_DEVICE_ACCELERATOR: return "accelerator";
    case CLCONV_DEVICE_OTHER: break;
    }
    return "other";
}
