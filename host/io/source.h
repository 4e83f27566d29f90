/*
 * Where the command's data come from and what form they take: the file
 * formats it knows, told apart by a file's extension or, for stdin and
 * uploaded bodies, by their first bytes; and reading a whole file or stdin
 * into memory for the readers that decode from memory (CSV, images).
 */
#ifndef CLCONV_IO_SOURCE_H
#define CLCONV_IO_SOURCE_H

#include "io.h"

#include <stddef.h>

typedef enum data_format {
    FORMAT_NONE = 0,  /* not a known extension / not recognised */
    FORMAT_NPY,
    FORMAT_CSV,       /* comma-separated text */
    FORMAT_TXT,       /* white-space-separated text */
    FORMAT_RAW,       /* bare little-endian elements; shape and dtype given apart */
    FORMAT_PNG,
    FORMAT_PGM,
    FORMAT_PPM
} data_format;

/* The format a file name's extension names (case-insensitive): .npy, .csv,
 * .txt, .raw/.bin, .png, .pgm, .ppm, .pnm (FORMAT_PGM: either PNM kind is
 * then accepted on input). FORMAT_NONE for any other name. */
data_format format_from_name(const char *path);

/* The format data's first bytes show: .npy, PNG and PNM magic numbers; any
 * other content is taken for text (FORMAT_CSV, which also reads white-space
 * separated text). Raw data cannot be recognised. */
data_format format_sniff(const void *data, size_t size);

/* A --format value ("npy", "csv", "txt", "raw", "png", "pgm", "ppm"): 0, or
 * -1 for anything else. */
int format_parse(const char *s, data_format *f);

/* 1 for PNG, PGM and PPM. */
int format_is_image(data_format f);

/* Reads the whole of path ("-": stdin) into a new buffer, NUL-terminated
 * after its size bytes for text parsers. The caller frees *data. Returns
 * 0, or a negative status with err filled "PATH: cannot open/read: why". */
int source_read_all(const char *path, unsigned char **data, size_t *size, io_error *err);

#endif /* CLCONV_IO_SOURCE_H */
