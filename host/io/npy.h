/*
 * NumPy .npy files: reading (format versions 1.0, 2.0 and 3.0; float32,
 * float64, complex64, complex128 and 8- to 64-bit integers, little-endian; C
 * or Fortran order) into the command's arrays, and writing them (float,
 * complex and the library's integer storage dtypes). A header
 * that disagrees with the file's size, a big-endian or unsupported dtype and
 * every other malformation is reported as one line naming the file
 * in the caller's io_error. To write into
 * memory, pass npy_write a stream from open_memstream.
 */
#ifndef CLCONV_IO_NPY_H
#define CLCONV_IO_NPY_H

#include "array.h"

#include <stdint.h>
#include <stdio.h>

/* Element types a .npy file may hold. */
typedef enum npy_type {
    NPY_F4, NPY_F8,
    NPY_I1, NPY_I2, NPY_I4, NPY_I8,
    NPY_U1, NPY_U2, NPY_U4, NPY_U8,
    NPY_C8, NPY_C16
} npy_type;

/* An open .npy file whose header has been read and checked. */
typedef struct npy_file {
    const char *path;       /* borrowed; names the file in messages */
    FILE *f;
    npy_type type;
    size_t itemsize;
    char descr[16];         /* dtype as the header spells it, e.g. "<f4" */
    int fortran_order;
    int ndim;
    size_t shape[ARRAY_MAX_DIMS];
    size_t count;           /* elements */
} npy_file;

/* Opens path and reads its header. For a regular file the size must equal
 * header plus data exactly. Returns 0, or a negative status with err filled
 * (the file is then closed). */
int npy_open(npy_file *nf, const char *path, io_error *err);

/* The first step of npy_open, for readers of other formats that feed
 * npy_read (raw.c): opens path into nf->f, refusing a directory. *sized is 1
 * for a regular file, whose size is then *size. Returns 0 or a negative
 * status (err filled; nothing left open). */
int npy_fopen(npy_file *nf, const char *path, int *sized, uintmax_t *size, io_error *err);

/* Opens a .npy held in memory: data[0..size) must be exactly one .npy file
 * (header and data). data is borrowed and must outlive the npy_file; name
 * (borrowed) names it in messages. Returns as npy_open. */
int npy_open_mem(npy_file *nf, const void *data, size_t size, const char *name, io_error *err);

/* The element type of kind 'f', 'i' or 'u' and size bytes, as a dtype string
 * spells it ("<i2": 'i', 2). Returns 0, or -1 when there is none. */
int npy_type_find(char kind, size_t size, npy_type *type);

/* Reads the data of an open file into a new C-order array of dtype,
 * converting integers and float64 as needed (a float64 value beyond the
 * float32 range is an error, not an infinity); a real file read into a
 * complex dtype gets imaginary parts 0, a complex file read into a real
 * dtype is CLCONV_EINVAL. The caller frees out with
 * real_array_free. Returns 0 or a negative status (err filled). */
int npy_read(npy_file *nf, clconv_dtype dtype, real_array *out, io_error *err);

/* Closes the file; safe to call twice. */
void npy_close(npy_file *nf);

/* The descr NumPy writes for a dtype ("<f4", "|u1", ...); static. */
const char *npy_descr(clconv_dtype dtype);

/* Writes a as a version 1.0 .npy stream to f (npy_descr's dtype, C order).
 * path names f in messages. Returns 0 or a negative status (err filled). */
int npy_write(FILE *f, const char *path, const real_array *a, io_error *err);

/* Writes only a's data, as npy_write does after the header: little-endian
 * in C order, a complex element as its real then imaginary part (the
 * command's raw output). */
int npy_write_data(FILE *f, const char *path, const real_array *a, io_error *err);

#endif /* CLCONV_IO_NPY_H */
