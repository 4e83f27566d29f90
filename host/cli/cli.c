/*
 * The command's error channel and runtime set-up. Every failure the command
 * reports becomes exactly one line on stderr, prefixed with the program name,
 * so scripts can show it verbatim and tests can check it.
 */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

/* 1 while a progress line sits unfinished on a terminal's stderr. */
static int progress_shown;

void cli_progress(const char *fmt, ...)
{
    int tty = isatty(fileno(stderr));
    va_list ap;
    va_start(ap, fmt);
    if (tty) fputs("\r\033[K", stderr);
    fputs("clconv: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(tty ? "" : "\n", stderr);
    va_end(ap);
    fflush(stderr);
    progress_shown = tty;
}

void cli_progress_end(void)
{
    if (progress_shown) fputs("\r\033[K", stderr);
    progress_shown = 0;
}

void cli_warning(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_progress_end();
    fputs("clconv: warning: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_progress_end();
    fputs("clconv: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return CLI_EFAIL;
}

int cli_io(int status, const io_error *err)
{
    if (status >= 0) return CLI_OK;
    return cli_error("%s", err->message);
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    cli_progress_end();
    va_start(ap, fmt);
    if (command) {
        fprintf(stderr, "clconv %s: ", command);
    } else {
        fputs("clconv: ", stderr);
    }
    vfprintf(stderr, fmt, ap);
    if (command) {
        fprintf(stderr, " (see 'clconv %s --help')\n", command);
    } else {
        fputs(" (see 'clconv --help')\n", stderr);
    }
    va_end(ap);
    return CLI_EUSAGE;
}

int cli_library_error(const clconv_runtime *rt, int status, const char *what)
{
    const char *detail = clconv_last_error(rt);
    if (detail[0] != '\0') {
        return cli_error("%s: %s: %s", what, clconv_strerror(status), detail);
    }
    return cli_error("%s: %s", what, clconv_strerror(status));
}

int cli_runtime_open(const char *spec, int verbose, clconv_runtime **rt)
{
    clconv_runtime_options opts = {0};
    opts.device = spec;
    opts.verbose = verbose;
    int status = clconv_runtime_create_ex(rt, &opts);
    if (status < 0) return cli_library_error(NULL, status, "cannot open the OpenCL device");
    return CLI_OK;
}
