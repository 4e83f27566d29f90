/*
 * Output files that appear whole or not at all. The command writes into a
 * hidden temporary file in the target's directory and renames it over the
 * target only once everything has been written, so a failure (or Ctrl-C)
 * never leaves a partial or empty output behind, and a previous file of the
 * same name survives a failed run.
 */
#ifndef CLCONV_IO_OUTFILE_H
#define CLCONV_IO_OUTFILE_H

#include "io.h"

#include <stdio.h>

typedef struct outfile {
    const char *path;   /* borrowed: the final name */
    char *tmp;          /* owned: the temporary's name while open */
    FILE *f;            /* write here between open and commit */
} outfile;

/* Creates the temporary next to path. Returns 0, or a negative status with
 * err filled (e.g. the directory does not exist). */
int outfile_open(outfile *o, const char *path, io_error *err);

/* Flushes and closes the temporary and renames it to the final name.
 * Returns 0, or a negative status with err filled and removing the temporary. */
int outfile_commit(outfile *o, io_error *err);

/* Closes and removes the temporary. A no-op after commit, after a failed
 * open, or when called twice. */
void outfile_abort(outfile *o);

#endif /* CLCONV_IO_OUTFILE_H */
