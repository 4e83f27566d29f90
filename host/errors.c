/*
 * Status codes and error messages: clconv_strerror()/clconv_status_name()
 * generated from the X-macro table in clconv.h, translation of OpenCL status
 * values into clconv codes, and the per-thread "last error" text that keeps
 * the detail (which call failed, with which cl_int, on which device).
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

/* One slot per thread: the message and the runtime it belongs to. A thread
 * that fails on runtime A and then asks about runtime B gets "". */
static _Thread_local struct {
    const clconv_runtime *rt;
    int set;
    char text[1024];
} last_error;

const char *clconv_strerror(int status)
{
    switch (status) {
    case CLCONV_OK: return "success";
#define XX(name, value, text) case CLCONV_##name: return text;
    CLCONV_STATUS_MAP(XX)
#undef XX
    default: return "unknown status";
    }
}

const char *clconv_status_name(int status)
{
    switch (status) {
    case CLCONV_OK: return "CLCONV_OK";
#define XX(name, value, text) case CLCONV_##name: return "CLCONV_" #name;
    CLCONV_STATUS_MAP(XX)
#undef XX
    default: return "CLCONV_UNKNOWN";
    }
}

const char *clconv_last_error(const clconv_runtime *rt)
{
    if (!last_error.set || last_error.rt != rt) return "";
    return last_error.text;
}

void clconv__clear_error(void)
{
    last_error.set = 0;
    last_error.text[0] = '\0';
}

static void record(const clconv_runtime *rt, const char *file, int line, const char *prefix,
                   const char *fmt, va_list ap)
{
    size_t used = 0;
    last_error.rt = rt;
    last_error.set = 1;
    if (prefix) {
        int w = snprintf(last_error.text, sizeof last_error.text, "%s", prefix);
        used = w > 0 ? (size_t)w : 0;
    }
    if (used < sizeof last_error.text)
        vsnprintf(last_error.text + used, sizeof last_error.text - used, fmt, ap);
#ifndef NDEBUG
    {
        /* Debug builds say where the error was raised (zstd's error_private.h). */
        size_t len = strlen(last_error.text);
        const char *base = strrchr(file, '/');
        if (len < sizeof last_error.text)
            snprintf(last_error.text + len, sizeof last_error.text - len, " [%s:%d]",
                     base ? base + 1 : file, line);
    }
#else
    (void)file;
    (void)line;
#endif
}

int clconv__fail(const clconv_runtime *rt, int status, const char *file, int line,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(rt, file, line, NULL, fmt, ap);
    va_end(ap);
    return status;
}

const char *clconv__cl_status_name(cl_int err)
{
    switch (err) {
#define CL(name) case name: return #name;
    CL(CL_SUCCESS) CL(CL_DEVICE_NOT_FOUND) CL(CL_DEVICE_NOT_AVAILABLE)
    CL(CL_COMPILER_NOT_AVAILABLE) CL(CL_MEM_OBJECT_ALLOCATION_FAILURE)
    CL(CL_OUT_OF_RESOURCES) CL(CL_OUT_OF_HOST_MEMORY) CL(CL_PROFILING_INFO_NOT_AVAILABLE)
    CL(CL_MEM_COPY_OVERLAP) CL(CL_IMAGE_FORMAT_MISMATCH) CL(CL_IMAGE_FORMAT_NOT_SUPPORTED)
    CL(CL_BUILD_PROGRAM_FAILURE) CL(CL_MAP_FAILURE) CL(CL_MISALIGNED_SUB_BUFFER_OFFSET)
    CL(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST) CL(CL_COMPILE_PROGRAM_FAILURE)
    CL(CL_LINKER_NOT_AVAILABLE) CL(CL_LINK_PROGRAM_FAILURE) CL(CL_DEVICE_PARTITION_FAILED)
    CL(CL_KERNEL_ARG_INFO_NOT_AVAILABLE) CL(CL_INVALID_VALUE) CL(CL_INVALID_DEVICE_TYPE)
    CL(CL_INVALID_PLATFORM) CL(CL_INVALID_DEVICE) CL(CL_INVALID_CONTEXT)
    CL(CL_INVALID_QUEUE_PROPERTIES) CL(CL_INVALID_COMMAND_QUEUE) CL(CL_INVALID_HOST_PTR)
    CL(CL_INVALID_MEM_OBJECT) CL(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR) CL(CL_INVALID_IMAGE_SIZE)
    CL(CL_INVALID_SAMPLER) CL(CL_INVALID_BINARY) CL(CL_INVALID_BUILD_OPTIONS)
    CL(CL_INVALID_PROGRAM) CL(CL_INVALID_PROGRAM_EXECUTABLE) CL(CL_INVALID_KERNEL_NAME)
    CL(CL_INVALID_KERNEL_DEFINITION) CL(CL_INVALID_KERNEL) CL(CL_INVALID_ARG_INDEX)
    CL(CL_INVALID_ARG_VALUE) CL(CL_INVALID_ARG_SIZE) CL(CL_INVALID_KERNEL_ARGS)
    CL(CL_INVALID_WORK_DIMENSION) CL(CL_INVALID_WORK_GROUP_SIZE) CL(CL_INVALID_WORK_ITEM_SIZE)
    CL(CL_INVALID_GLOBAL_OFFSET) CL(CL_INVALID_EVENT_WAIT_LIST) CL(CL_INVALID_EVENT)
    CL(CL_INVALID_OPERATION) CL(CL_INVALID_GL_OBJECT) CL(CL_INVALID_BUFFER_SIZE)
    CL(CL_INVALID_MIP_LEVEL) CL(CL_INVALID_GLOBAL_WORK_SIZE) CL(CL_INVALID_PROPERTY)
    CL(CL_INVALID_IMAGE_DESCRIPTOR) CL(CL_INVALID_COMPILER_OPTIONS)
    CL(CL_INVALID_LINKER_OPTIONS) CL(CL_INVALID_DEVICE_PARTITION_COUNT)
#undef CL
    case -1001: return "CL_PLATFORM_NOT_FOUND_KHR";
    default: return "CL_UNKNOWN_ERROR";
    }
}

/* Resource exhaustion on the device is the one OpenCL failure a caller can
 * act on (smaller sizes, streaming), so it gets its own code. */
static int translate(cl_int err)
{
    switch (err) {
    case CL_MEM_OBJECT_ALLOCATION_FAILURE:
    case CL_OUT_OF_RESOURCES:
    case CL_INVALID_BUFFER_SIZE: return CLCONV_EDEVMEM;
    case CL_OUT_OF_HOST_MEMORY: return CLCONV_ENOMEM;
    case CL_DEVICE_NOT_FOUND:
    case CL_DEVICE_NOT_AVAILABLE:
    case -1001: return CLCONV_ENODEV;
    case CL_BUILD_PROGRAM_FAILURE:
    case CL_COMPILE_PROGRAM_FAILURE:
    case CL_LINK_PROGRAM_FAILURE:
    case CL_COMPILER_NOT_AVAILABLE: return CLCONV_EBUILD;
    default: return CLCONV_ECL;
    }
}

int clconv__cl_fail(const clconv_runtime *rt, cl_int err, const char *call, const char *file,
                    int line, const char *fmt, ...)
{
    char prefix[160];
    va_list ap;
    snprintf(prefix, sizeof prefix, "%s failed with %s (%d)%s", call,
             clconv__cl_status_name(err), (int)err, fmt && fmt[0] ? ": " : "");
    va_start(ap, fmt);
    record(rt, file, line, prefix, fmt, ap);
    va_end(ap);
    return translate(err);
}
