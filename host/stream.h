/*
 * Streaming of host-form convolutions whose inputs or output exceed the
 * runtime's allocation limit (stream.c): the problem is cut into pieces
 * (groups of whole images or volumes, else tiles of output rows and
 * columns, or of a volume's output planes, with the input halo each needs,
 * gathered on the host through the boundary mode where that mode may read
 * from anywhere in the image), and each piece is staged, run and read back
 * in turn through the normal dispatch.
 */
#ifndef CLCONV_STREAM_H
#define CLCONV_STREAM_H

#include "dispatch.h"

/* 1 when staging g's signal or output in one allocation would exceed
 * rt->max_alloc, so clconv__stream_host must run it. */
int clconv__stream_needed(const clconv_runtime *rt, const clconv__geom *g);

/* Host-form convolution of g in pieces that each fit rt->max_alloc. signal,
 * the kernel arrays kern (as clconv__run_fn's, host arrays) and out are
 * caller-owned host arrays of g's storage dtypes (in_dtype, kernel_dtype,
 * out_dtype; integer and complex ones are converted and composed by run()
 * piece by piece). Blocking. opts->chosen reports the
 * last piece's method. CLCONV_EOVERFLOW when the kernel, or one output (3-D:
 * one output plane) with the input window behind it, exceeds the limit;
 * CLCONV_ENOMEM when the host copy of a gathered piece cannot be made. */
int clconv__stream_host(clconv_runtime *rt, const clconv__geom *g, const void *signal,
                        const void *const kern[3], void *out, clconv_conv_options *opts,
                        clconv__run_fn run);

#endif /* CLCONV_STREAM_H */
