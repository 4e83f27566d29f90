/*
 * Device-resident arrays: clconv_buffer wraps one cl_mem with its dtype and
 * element count, created from host data or wrapping a caller's cl_mem
 * (retained, never released beyond clconv's own reference).
 */
#include "internal.h"

#include <stdlib.h>

static int make(clconv_runtime *rt, clconv_dtype dtype, size_t count, cl_mem mem,
                clconv_buffer **out)
{
    clconv_buffer *b = malloc(sizeof *b);
    RETURN_IF(rt, !b, CLCONV_ENOMEM, "allocating a buffer handle");
    b->rt = rt;
    b->mem = mem;
    b->dtype = dtype;
    b->count = count;
    *out = b;
    return 0;
}

int clconv_buffer_create(clconv_runtime *rt, clconv_dtype dtype, size_t count, const void *host,
                         clconv_buffer **out)
{
    size_t bytes;
    cl_mem mem;
    RETURN_IF(rt, !rt || !out, CLCONV_EINVAL, "runtime or out is NULL");
    *out = NULL;
    FORWARD_IF_ERROR(clconv__check_storage_dtype(rt, dtype));
    RETURN_IF(rt, count == 0, CLCONV_EINVAL, "buffer of zero elements");
    RETURN_IF(rt, clconv__mul_ok(count, clconv_dtype_size(dtype), &bytes), CLCONV_EOVERFLOW,
              "%zu elements overflow a byte count", count);
    FORWARD_IF_ERROR(clconv__alloc(rt, CL_MEM_READ_WRITE | (host ? CL_MEM_COPY_HOST_PTR : 0),
                                   bytes, (void *)host, &mem));
    int status = make(rt, dtype, count, mem, out);
    if (status < 0) clReleaseMemObject(mem);
    return status;
}

int clconv_buffer_wrap(clconv_runtime *rt, cl_mem mem, clconv_dtype dtype, size_t count,
                       clconv_buffer **out)
{
    size_t bytes, have = 0;
    cl_context ctx = NULL;
    RETURN_IF(rt, !rt || !mem || !out, CLCONV_EINVAL, "runtime, mem or out is NULL");
    *out = NULL;
    FORWARD_IF_ERROR(clconv__check_storage_dtype(rt, dtype));
    RETURN_IF(rt, count == 0, CLCONV_EINVAL, "buffer of zero elements");
    RETURN_IF(rt, clconv__mul_ok(count, clconv_dtype_size(dtype), &bytes), CLCONV_EOVERFLOW,
              "%zu elements overflow a byte count", count);
    CL_RETURN_IF(rt, clGetMemObjectInfo(mem, CL_MEM_SIZE, sizeof have, &have, NULL),
                 "clGetMemObjectInfo", "size of the wrapped cl_mem");
    CL_RETURN_IF(rt, clGetMemObjectInfo(mem, CL_MEM_CONTEXT, sizeof ctx, &ctx, NULL),
                 "clGetMemObjectInfo", "context of the wrapped cl_mem");
    RETURN_IF(rt, ctx != rt->ctx, CLCONV_EINVAL,
              "the wrapped cl_mem belongs to another context than the runtime's");
    RETURN_IF(rt, have < bytes, CLCONV_EINVAL,
              "the wrapped cl_mem holds %zu bytes, %zu elements need %zu", have, count, bytes);
    CL_RETURN_IF(rt, clRetainMemObject(mem), "clRetainMemObject", "wrapped cl_mem");
    int status = make(rt, dtype, count, mem, out);
    if (status < 0) clReleaseMemObject(mem);
    return status;
}

void clconv_buffer_destroy(clconv_buffer *buf)
{
    if (!buf) return;
    clReleaseMemObject(buf->mem);
    free(buf);
}

/* Checks a [offset, offset+count) element range against the buffer. */
static int check_range(const clconv_buffer *buf, size_t offset, size_t count, const void *host)
{
    size_t end;
    RETURN_IF(buf->rt, !host, CLCONV_EINVAL, "host pointer is NULL");
    RETURN_IF(buf->rt, count == 0, CLCONV_EINVAL, "zero elements to copy");
    RETURN_IF(buf->rt, clconv__add_ok(offset, count, &end) || end > buf->count, CLCONV_ERANGE,
              "elements [%zu, %zu + %zu) lie outside a buffer of %zu elements", offset, offset,
              count, buf->count);
    return 0;
}

/* A blocking copy between buf's elements [offset, offset + count) and host,
 * in the direction `write` says. */
static int transfer(clconv_buffer *buf, size_t offset, size_t count, void *host, int write)
{
    RETURN_IF(NULL, !buf, CLCONV_EINVAL, "buffer is NULL");
    FORWARD_IF_ERROR(check_range(buf, offset, count, host));
    const size_t es = clconv_dtype_size(buf->dtype);
    const cl_int err = write ? CLCONV__CL(clEnqueueWriteBuffer, buf->rt->queue, buf->mem, CL_TRUE,
                                          offset * es, count * es, host, 0, NULL, NULL)
                             : CLCONV__CL(clEnqueueReadBuffer, buf->rt->queue, buf->mem, CL_TRUE,
                                          offset * es, count * es, host, 0, NULL, NULL);
    CL_RETURN_IF(buf->rt, err, write ? "clEnqueueWriteBuffer" : "clEnqueueReadBuffer",
                 "%zu elements", count);
    return 0;
}

int clconv_buffer_read(clconv_buffer *buf, size_t offset, size_t count, void *host)
{
    return transfer(buf, offset, count, host, 0);
}

int clconv_buffer_write(clconv_buffer *buf, size_t offset, size_t count, const void *host)
{
    /* clEnqueueWriteBuffer takes a const pointer; the cast only meets the
     * one signature transfer() has for both directions. */
    return transfer(buf, offset, count, (void *)host, 1);
}

size_t clconv_buffer_count(const clconv_buffer *buf) { return buf ? buf->count : 0; }
clconv_dtype clconv_buffer_dtype(const clconv_buffer *buf) { return buf ? buf->dtype : CLCONV_F32; }
cl_mem clconv_buffer_mem(const clconv_buffer *buf) { return buf ? buf->mem : NULL; }
