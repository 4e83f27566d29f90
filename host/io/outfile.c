/*
 * Atomic output files (see outfile.h). Temporaries still open when the
 * process is interrupted are removed by a signal handler, which then lets
 * the signal take its default course.
 */
#include "outfile.h"

#include "io.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Temporaries the signal handler must remove. A command writes at most a
 * few outputs at once; open fails cleanly beyond that. */
#define OUTFILE_MAX_OPEN 4
static char *volatile open_temps[OUTFILE_MAX_OPEN];

static void remove_temps_and_die(int sig)
{
    for (int i = 0; i < OUTFILE_MAX_OPEN; i++) {
        char *tmp = open_temps[i];
        if (tmp) unlink(tmp);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static int track(char *tmp)
{
    static int handlers_installed;
    if (!handlers_installed) {
        static const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = remove_temps_and_die;
        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
            sigaction(signals[i], &sa, NULL);
        }
        handlers_installed = 1;
    }
    for (int i = 0; i < OUTFILE_MAX_OPEN; i++) {
        if (!open_temps[i]) {
            open_temps[i] = tmp;
            return 0;
        }
    }
    return -1;
}

static void untrack(const char *tmp)
{
    for (int i = 0; i < OUTFILE_MAX_OPEN; i++) {
        if (open_temps[i] == tmp) open_temps[i] = NULL;
    }
}

int outfile_open(outfile *o, const char *path, io_error *err)
{
    o->path = path;
    o->f = NULL;
    /* "dir/name" becomes "dir/.name.XXXXXX": same directory, so the final
     * rename() never crosses file systems. */
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
    o->tmp = NULL;
    if (path[dir_len] == '\0') return io_fail(err, CLCONV_EINVAL, "'%s': output needs a file name",
                                              path);
    size_t size = strlen(path) + sizeof ".." "XXXXXX";
    o->tmp = malloc(size);
    if (!o->tmp) return io_fail(err, CLCONV_ENOMEM, "%s: out of memory", path);
    snprintf(o->tmp, size, "%.*s.%s.XXXXXX", (int)dir_len, path, path + dir_len);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        int e = errno;
        free(o->tmp);
        o->tmp = NULL;
        return io_fail(err, CLCONV_EIO, "%s: cannot create: %s", path, strerror(e));
    }
    if (track(o->tmp) != 0) {
        close(fd);
        unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
        return io_fail(err, CLCONV_EIO, "%s: too many output files at once", path);
    }
    /* mkstemp makes the file private (0600); give it the permissions a
     * plainly created file would have. */
    mode_t mask = umask(0);
    umask(mask);
    o->f = fchmod(fd, 0666 & ~mask) == 0 ? fdopen(fd, "wb") : NULL;
    if (!o->f) {
        int e = errno;
        close(fd);
        outfile_abort(o);
        return io_fail(err, CLCONV_EIO, "%s: cannot create: %s", path, strerror(e));
    }
    return 0;
}

int outfile_commit(outfile *o, io_error *err)
{
    int failed = fflush(o->f) != 0 || ferror(o->f);
    int e = errno;
    if (fclose(o->f) != 0 && !failed) {
        failed = 1;
        e = errno;
    }
    o->f = NULL;
    if (failed) {
        outfile_abort(o);
        return io_fail(err, CLCONV_EIO, "%s: write failed: %s", o->path, strerror(e));
    }
    if (rename(o->tmp, o->path) != 0) {
        e = errno;
        outfile_abort(o);
        return io_fail(err, CLCONV_EIO, "%s: cannot replace: %s", o->path, strerror(e));
    }
    untrack(o->tmp);
    free(o->tmp);
    o->tmp = NULL;
    return 0;
}

void outfile_abort(outfile *o)
{
    if (o->f) fclose(o->f);
    o->f = NULL;
    if (o->tmp) {
        unlink(o->tmp);
        untrack(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
    }
}
