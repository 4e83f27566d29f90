/*
 * The in-memory arrays of the formats and jobs: n-dimensional, C order, float32 or float64,
 * complex64 or complex128 (.npy only), or the library's integer storage dtypes (uint8,
 * uint16, int16),
 * whatever file format they came from. Readers (npy.c, csv.c, raw.c, image.c,
 * preset.c) produce them, the subcommands check and convolve them, writers store them.
 */
#ifndef CLCONV_IO_ARRAY_H
#define CLCONV_IO_ARRAY_H

#include "clconv.h"
#include "io.h"

#include <stddef.h>

/* NumPy's own limit on dimensions. */
#define ARRAY_MAX_DIMS 32

typedef struct real_array {
    clconv_dtype dtype;
    int ndim;
    size_t shape[ARRAY_MAX_DIMS];
    size_t count;   /* product of shape; 1 for ndim == 0 */
    void *data;     /* count elements of dtype in C order; owned */
} real_array;

/* Allocates a->data for the given shape (copied). Sizes are overflow-checked.
 * `what` names the array in the error's message. Returns 0 or a negative
 * status (err filled); on failure a->data is NULL. */
int real_array_alloc(real_array *a, clconv_dtype dtype, int ndim, const size_t *shape,
                     const char *what, io_error *err);

/* Converts a float64 array to dtype in place (a no-op for CLCONV_F64; a
 * complex dtype gets imaginary parts 0). A finite value beyond the float32
 * range is an error naming `what`, not an infinity. Returns 0 or a negative status (err filled; a is then unchanged). */
int real_array_convert(real_array *a, clconv_dtype dtype, const char *what, io_error *err);

/* Element i as a double, of any real dtype; and element i set from v, which an
 * integer dtype rounds to nearest (ties to even) and saturates, as the
 * library's integer outputs do. */
double real_array_get(const real_array *a, size_t i);
void real_array_set(real_array *a, size_t i, double v);

/* Converts a to dtype in place through real_array_set (a no-op when it is
 * dtype already). Returns 0 or a negative status (err filled; a unchanged). */
int real_array_recast(real_array *a, clconv_dtype dtype, const char *what, io_error *err);

/* Frees the data; the array can be reused or freed again. */
void real_array_free(real_array *a);

/* The policy on non-finite input: every element must be finite,
 * because a NaN or infinity spreads over the kernel's whole footprint and the
 * result would silently be garbage. Reports the first offending element as
 * "WHAT: element (i, j) is NaN (inputs must be finite)" (a complex one as
 * "the real part of element ..." or "the imaginary part") and returns
 * CLCONV_EINVAL; 0 when all are finite. */
int real_array_check_finite(const real_array *a, const char *what, io_error *err);

/* Writes shape as a Python tuple, "(3,)" or "(2, 5)", truncated to fit. */
void shape_format(char *buf, size_t size, int ndim, const size_t *shape);

#endif /* CLCONV_IO_ARRAY_H */
