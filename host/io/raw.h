/*
 * Raw binary input: bare little-endian elements in C order, whose shape and
 * element type come from the command line (--shape 512x512 --dtype u16)
 * because the data carry none. The data are read through the .npy reader's
 * conversion (npy_read), so every dtype a .npy may hold is accepted. Raw
 * output is npy_write_data.
 */
#ifndef CLCONV_IO_RAW_H
#define CLCONV_IO_RAW_H

#include "npy.h"

/* The element types --dtype accepts, for help and messages. */
#define RAW_DTYPES "f32, f64, i8, i16, i32, i64, u8, u16, u32 or u64"
/* The same, wrapped for a help text's option column. */
#define RAW_DTYPES_HELP "f32, f64, i8, i16,\n                         i32, i64, u8, u16, u32 or u64"

/* "512x512", "1000", "3x64x64": 1 to ARRAY_MAX_DIMS positive sizes. Returns
 * 0, or -1 (nothing printed). */
int raw_parse_shape(const char *s, int *ndim, size_t *shape);

/* One of RAW_DTYPES, or the NumPy names float32, int16, uint8 and so on.
 * Returns 0, or -1 (nothing printed). */
int raw_parse_dtype(const char *s, npy_type *type, size_t *itemsize);

/* Prepares nf to read a raw file with npy_read: path is opened, and a
 * regular file's size must be exactly the shape's elements of the type (a
 * pipe is checked as it is read). Returns 0, or a negative status with
 * err filled (nf closed). */
int raw_open(npy_file *nf, const char *path, npy_type type, size_t itemsize, int ndim,
             const size_t *shape, io_error *err);

/* The same for raw data in memory (borrowed; must outlive nf), e.g. stdin's
 * contents; name names them in messages. */
int raw_open_mem(npy_file *nf, const void *data, size_t size, const char *name, npy_type type,
                 size_t itemsize, int ndim, const size_t *shape, io_error *err);

#endif /* CLCONV_IO_RAW_H */
