/*
 * What the clconv command's files share: exit codes, the one-line error
 * reporting every failure goes through, runtime creation, and the entry
 * points of the subcommands that main.c dispatches to. The command uses the
 * library only through the public header.
 */
#ifndef CLCONV_CLI_H
#define CLCONV_CLI_H

#include "clconv.h"
#include "io.h"

#include <stddef.h>

/* Exit codes, documented in `clconv --help`. */
enum {
    CLI_OK = 0,     /* success */
    CLI_EFAIL = 1,  /* bad input data, unwritable output, device or compute failure */
    CLI_EUSAGE = 2  /* bad command line: unknown option, missing argument, bad value */
};

/* Prints "clconv: MESSAGE" as one line on stderr and returns CLI_EFAIL. Every
 * failure is reported once, by the function that detects it; callers only
 * propagate the status. */
int cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Prints "clconv: warning: MESSAGE" as one line on stderr: something the
 * user should know about a run that still succeeded. */
void cli_warning(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Turns the status of a host/io function (formats, jobs) into the
 * command's: CLI_OK for 0, else CLI_EFAIL after printing err's message as
 * cli_error does. Use as `status = cli_io(npy_open(&nf, path, &err), &err)`. */
int cli_io(int status, const io_error *err);

/* Prints "clconv COMMAND: MESSAGE (see 'clconv COMMAND --help')" and returns
 * CLI_EUSAGE. command may be NULL for the top level. */
int cli_usage_error(const char *command, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Reports a failed library call: "clconv: WHAT: DESCRIPTION: DETAIL" where
 * DESCRIPTION is clconv_strerror(status) and DETAIL clconv_last_error(rt)
 * (rt may be NULL). Returns CLI_EFAIL. */
int cli_library_error(const clconv_runtime *rt, int status, const char *what);

/* Shows progress of a long step on stderr: on a terminal one line rewritten
 * in place, elsewhere one line per call. The line is erased by
 * cli_progress_end() and before any error is printed. */
void cli_progress(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
void cli_progress_end(void);

/* Creates a runtime on the device named by spec (NULL: CLCONV_DEVICE or the
 * library's default), with the library's notes on stderr when verbose. On
 * failure reports it and returns CLI_EFAIL with *rt NULL. */
int cli_runtime_open(const char *spec, int verbose, clconv_runtime **rt);

/* Subcommands. argv[0] is the subcommand's name; each accepts --help. They
 * return an exit code. */
int cmd_devices(int argc, char **argv);
int cmd_conv1d(int argc, char **argv);
int cmd_conv2d(int argc, char **argv);
int cmd_conv3d(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_dist(int argc, char **argv);
int cmd_tune(int argc, char **argv);
int cmd_warmup(int argc, char **argv);
int cmd_serve(int argc, char **argv);

#endif /* CLCONV_CLI_H */
