/*
 * A convolution job as `clconv conv1d`/`conv2d`/`conv3d` and the server
 * (`clconv serve`, POST /v1/conv1d, /v1/conv2d and /v1/conv3d) both run it:
 * read the inputs (files, bytes in memory or kernel presets), check every
 * header before any bulk data, choose the precision, size the output, call
 * the library and pass an image's alpha plane through. Each face only turns
 * its own inputs (argv and files, or multipart parts and query parameters)
 * into a conv_job and writes the result in its own form, so the two cannot
 * drift apart. Failures return a status code and fill the caller's io_error
 * (see io.h).
 */
#ifndef CLCONV_IO_CONV_JOB_H
#define CLCONV_IO_CONV_JOB_H

#include "array.h"
#include "image.h"
#include "npy.h"

#include <stddef.h>
#include <stdint.h>

/* Inputs in order: the signal, image or volume, then the kernel, or the 1-D
 * factors of a separable one, one per axis, outermost first (2-D: the
 * column and row kernels; 3-D: the depth, column and row kernels). */
#define CONV_MAX_INPUTS 4

/* conv_job.out_dtype's value other than a clconv_dtype. */
#define CONV_OUT_SAME (-1)

/* Parses an out_dtype as both faces take it: float32, float64, complex64,
 * complex128, uint8, uint16, int16 or same. option is the face's spelling for messages.
 * Returns 0 or CLCONV_EINVAL (err filled). */
int conv_parse_out_dtype(const char *text, const char *option, int *out_dtype, io_error *err);

/* One input: a file, bytes in memory, or a kernel preset (exactly one). */
typedef struct conv_source {
    const char *name;      /* names the input in messages: "sig.npy", "stdin", "input" */
    const char *label;     /* names it in messages on its shape; NULL: name */
    const char *path;      /* a file, "-" for stdin: its format by extension, stdin's by
                              content; a name that is no file may be a kernel preset */
    const void *data;      /* or bytes in memory (borrowed): a .npy, or an image where
                              conv2d's image goes */
    size_t size;
    const char *preset;    /* or a kernel preset, e.g. "gaussian:2" */
} conv_source;

typedef struct conv_job {
    /* What to do, set by the face. */
    int dims;                        /* 1, 2 or 3 */
    conv_source inputs[CONV_MAX_INPUTS];
    int n_inputs;                    /* 2, or 1 + dims when given as 1-D factors */
    int separable;                   /* given as 1-D factors (a separable preset sets it) */
    int batch;                       /* the signal is a stack, one more dimension */
    int axis_given;                  /* conv1d along axis of a 1- to 3-D signal (every other
                                        axis a batch); else along its last */
    int axis;                        /* as given: -ndim ... ndim-1 */
    int precision;                   /* -1: from the inputs; else a clconv_dtype */
    int out_dtype_given;             /* 0: the result is in the precision (an image is
                                        written at its depth, as always); 1: out_dtype */
    int out_dtype;                   /* CONV_OUT_SAME (the signal's dtype: an image's depth)
                                        or a clconv_dtype (float32 or float64, complex64 or
                                        complex128 set the precision; a complex one needs
                                        a complex input) */
    clconv_conv_options opts;        /* with boundary, cval and origin (see conv_parse_*) */
    int mode_given;                  /* an image defaults to mode same otherwise */
    int query_words;                 /* options are spelled as query parameters (mode=same)
                                        in messages, not as flags (--mode same) */
    size_t max_elements;             /* 0, or the most elements an input or the result may
                                        have (a server's limit) */
    int raw;                         /* the first input is raw data of this description: */
    int raw_ndim;
    size_t raw_shape[ARRAY_MAX_DIMS];
    npy_type raw_type;
    size_t raw_itemsize;
    /* The face's words in messages: how to ask for a batch, and for mode
     * same; and what to add when the signal's rank is wrong. */
    const char *batch_words;         /* "--batch", "batch=1" */
    const char *same_words;          /* "--mode same", "mode=same" */
    const char *rank_hint;           /* e.g. " (use --batch for a stack of images)" */
    /* What the job read and made; freed by conv_job_free. */
    real_array in[CONV_MAX_INPUTS];  /* input 0 in in_store, the kernel (or factors) in
                                        k_store */
    real_array out;
    clconv_dtype in_store, out_store; /* input 0's and out's dtypes: the precision, its
                                        complex type (a complex input: .npy <c8, <c16), or
                                        integers that the device converts */
    clconv_dtype k_store;            /* the kernel's: the precision or its complex type */
    int image_in;                    /* input 0 was an image: in[0] holds its planes */
    image_kind image_kind;           /* its format (PNG, or PGM/PPM) */
    int channels, alpha;             /* its channels; alpha is the last one */
    unsigned maxval;
} conv_job;

/* Parsers of the options both faces take as text, each storing its value:
 * option is the face's spelling for messages ("--origin" or "origin").
 * boundary: a clconv_boundary_parse name; cval: a finite number; origin: one
 * integer, or for dims 2 "R,C" and for dims 3 "D,R,C", or one integer for
 * every axis (as scipy.ndimage takes a scalar); axis: an integer (checked
 * against the signal's rank when it is read). Return 0 or CLCONV_EINVAL (err
 * filled). */
int conv_parse_boundary(const char *text, const char *option, clconv_boundary *boundary,
                        io_error *err);
int conv_parse_cval(const char *text, const char *option, double *cval, io_error *err);
int conv_parse_origin(const char *text, const char *option, int dims, int64_t origin[3],
                      io_error *err);
int conv_parse_axis(const char *text, const char *option, int *axis, io_error *err);

/* Checks the options' combination before any input is read, and makes a
 * boundary mode's output the input's shape (mode same): a boundary mode
 * with mode full or valid, cval or origin without a boundary mode, axis
 * with conv2d or conv3d or with batch are CLCONV_EINVAL, worded in the face's
 * spelling. conv_job_read calls it first; a face may call it earlier.
 * Returns 0 or CLCONV_EINVAL (err filled). */
int conv_job_check_options(conv_job *job, io_error *err);

/* Reads every input into job->in, every header checked before any data is
 * read (the options' combination first, then each input's rank, conv1d's
 * axis against the signal's rank, and a boundary mode's origin against the
 * kernel; text, which holds no more than 2-D, where more is wanted), and
 * decides the precision where job->precision is -1: float64
 * when every input that carries a type (.npy, raw) is float64 and no image
 * is involved, or, when an input is complex, when any is float64 or
 * complex128 (NumPy's promotion); text and presets follow the others. A
 * complex input makes the complex operands and the result complex (an
 * image, real, then refused). Returns 0 or a negative
 * status (err filled). */
int conv_job_read(conv_job *job, io_error *err);

/* Sizes job->out for the mode (conv1d: the signal's shape with its axis
 * sized; conv2d and conv3d: the last 2 or 3 axes, behind the batch axis or
 * an image's channels) and
 * allocates it; name names the result in messages. Returns 0 or a negative
 * status (err filled). */
int conv_job_make_output(conv_job *job, const char *name, io_error *err);

/* The signals convolved at once: the batch's rows (conv1d: every 1-D line
 * along the axis), an image's colour channels, or 1. */
size_t conv_job_batch(const conv_job *job);

/* Convolves job->in into job->out on rt through the typed host forms (a
 * dtype per operand) and passes an image's alpha through (conv1d along an
 * axis other than the last runs as clconv_conv2d with a k x 1 kernel, so
 * the host transposes nothing; conv3d as clconv_conv3d or its separable
 * form); job->opts.chosen names the
 * method used. Returns 0, or the library's negative status (not reported;
 * clconv_last_error(rt) has the detail). */
int conv_job_run(conv_job *job, clconv_runtime *rt);

/* Copies an image's alpha plane from input to output unchanged (mode same
 * keeps its size); for results computed elsewhere (a remote server). */
void conv_job_pass_alpha(conv_job *job);

/* Frees the arrays; safe on a zeroed or already freed job. */
void conv_job_free(conv_job *job);

#endif /* CLCONV_IO_CONV_JOB_H */
