/*
 * The command as a client of `clconv serve`: with --server URL (or
 * CLCONV_SERVER) a computing command sends its job over HTTP through libcurl
 * instead of opening a device, and turns the answer back into the same
 * arrays and results a local run produces, so that everything written from
 * them is byte-identical. Transport and protocol live here; each command
 * keeps its own reading of inputs and writing of outputs.
 */
#ifndef CLCONV_CLI_CLIENT_H
#define CLCONV_CLI_CLIENT_H

#include "array.h"
#include "clconv.h"
#include "dist_job.h"

#include <stddef.h>

/* The server to use: option (the --server value) when given, else the
 * environment's CLCONV_SERVER when set and not empty, else NULL, meaning
 * "compute here". The result is borrowed from argv or the environment. */
const char *client_server(const char *option);

/* A convolution job as cmd_conv.c has read it: the signal, image or
 * volume, then the kernel (or the 1-D factors of a separable one, outermost
 * axis first), already converted to precision (the signal: to its storage
 * dtype) and checked. Every pointer is
 * borrowed. */
typedef struct client_conv_job {
    const char *command;          /* "conv1d", "conv2d" or "conv3d", also the endpoint */
    int dims;                     /* 1, 2 or 3 */
    const real_array *inputs;
    int n_inputs;
    int batch;                    /* inputs[0] is a stack: one more dimension */
    int separable;                /* inputs[1 ...] are KCOL and KROW, or KDEPTH, KCOL
                                     and KROW */
    int verbose;
    clconv_dtype precision;
    const clconv_conv_options *opts;  /* with boundary, cval and origin */
    int axis_given;               /* conv1d along axis of inputs[0] (sent as axis=) */
    int axis;
    int out_dtype_given;          /* --out-dtype: the result's dtype (out's) is sent as
                                     out_dtype=, and inputs[0] travels in its storage
                                     dtype, an integer one included */
} client_conv_job;

/* Sends the job to server and stores the result in out->data, which the
 * caller has allocated for the shape and dtype that out describes, those of
 * the local result; an answer of any other shape or dtype is an error. *chosen receives the method the
 * server reports. Returns CLI_OK, or CLI_EFAIL after reporting one line
 * (unreachable server, the server's own error message and HTTP status, a
 * malformed answer). */
int client_conv(const char *server, const client_conv_job *job, real_array *out,
                clconv_method *chosen);

/* Sends the distribution job to server's POST /v1/dist: each SPEC as the
 * user wrote it, except that a file's values (read into inputs by
 * dist_inputs_load) travel inline, since the server reads no client files.
 * The JSON answer is read back into *res (freed with dist_result_free) with
 * every number exact, for the command's own printing and writing. Failures
 * are reported as for client_conv. */
int client_dist(const char *server, const dist_job *job, const spec_input *inputs,
                dist_result *res);

#endif /* CLCONV_CLI_CLIENT_H */
