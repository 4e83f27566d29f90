/*
 * Numbers as text, one row per line: the command's .csv and .txt files.
 * Cells are separated by commas or white space (or both, as in "1, 2");
 * blank lines and lines starting with '#' (numpy.savetxt's header) are
 * skipped. Every row must hold as many numbers as the first. A cell that is
 * not a number is reported with the file's name, its line and its column.
 * Text is real only: a complex cell (1+2j) and a complex array to write
 * are errors that say so, with CSV_REAL_ONLY's words.
 */
#ifndef CLCONV_IO_CSV_H
#define CLCONV_IO_CSV_H

#include "array.h"

#include <stdio.h>

/* The words of every refusal of complex values in text, command and
 * service alike. */
#define CSV_REAL_ONLY "CSV and text hold real numbers only (complex arrays go in .npy)"

/* Parses text[0..size) (borrowed; need not be NUL-terminated) into a new
 * float64 array of shape (rows, columns), which the caller frees with
 * real_array_free. name (borrowed) names the text in messages: "NAME: line
 * 3, column 2: 'x' is not a number". Returns 0, or a negative status with err
 * filled. */
int csv_parse(const char *text, size_t size, const char *name, real_array *out, io_error *err);

/* Writes a 1-D array one value per line, a 2-D one a row per line, cells
 * separated by sep (',' or ' '), with the digits that round-trip the dtype.
 * Other ranks and complex dtypes are errors. Returns 0 or a negative status (err filled). */
int csv_write(FILE *f, const char *name, const real_array *a, char sep, io_error *err);

#endif /* CLCONV_IO_CSV_H */
