/*
 * `clconv warmup`: fills the program caches ahead of time (clconv_warmup),
 * so that the first real command on a machine does not wait for the OpenCL
 * compiler.
 */
#include "args.h"
#include "cli.h"

#include <stdio.h>

static const char warmup_help[] =
    "Usage: clconv warmup [OPTIONS]\n"
    "\n"
    "Compiles and stores the kernels that small conv1d, conv2d and dist jobs need\n"
    "on the device (direct convolution in float32 for short and long kernels,\n"
    "separable images, distribution sums), so that later commands start without\n"
    "compiling. Without it, a kernel is compiled at its first use and stored at its\n"
    "second (storing costs a second compilation on CPU drivers such as POCL).\n"
    "\n"
    "Options:\n"
    "  -a, --all           also float64 and the FFT method (its kernels and the\n"
    "                      transforms of one length per precision)\n"
    "  -d, --device SPEC   the OpenCL device (see 'clconv --help')\n"
    "  -v, --verbose       the library's notes on stderr (each program built)\n"
    "\n"
    "Environment:\n"
    "  CLCONV_CACHE_DIR    where compiled kernels are stored; with CLCONV_NO_CACHE=1\n"
    "                      nothing is stored and warm-up only checks the compiler\n"
    "\n"
    "Example:\n"
    "  clconv warmup --all\n";

enum { OPT_ALL = 1, OPT_DEVICE, OPT_VERBOSE };

int cmd_warmup(int argc, char **argv)
{
    static const args_option options[] = {{"all", 'a', 0, OPT_ALL},
                                          {"device", 'd', 1, OPT_DEVICE},
                                          {"verbose", 'v', 0, OPT_VERBOSE},
                                          {NULL, 0, 0, 0}};
    const char *device = NULL;
    int verbose = 0, all = 0;
    args_parser p;
    args_init(&p, argv[0], options, argc, argv);
    const char *value;
    for (int id; (id = args_next(&p, &value)) != ARGS_END;) {
        switch (id) {
        case OPT_ALL: all = 1; break;
        case OPT_DEVICE: device = value; break;
        case OPT_VERBOSE: verbose = 1; break;
        case ARGS_HELP: fputs(warmup_help, stdout); return CLI_OK;
        case ARGS_ERROR: return CLI_EUSAGE;
        default: return cli_usage_error(p.command, "unexpected argument '%s'", value);
        }
    }

    clconv_runtime *rt = NULL;
    int status = cli_runtime_open(device, verbose, &rt);
    if (status != CLI_OK) return status;
    const double t0 = io_now_s();
    clconv_cache_stats before, after;
    int s = clconv_runtime_cache_stats(rt, &before);
    if (s == 0) {
        cli_progress(all ? "compiling the kernels of every method and precision"
                         : "compiling the kernels of small jobs");
        s = clconv_warmup(rt, all);
        cli_progress_end();
    }
    if (s == 0) s = clconv_runtime_cache_stats(rt, &after);
    if (s < 0) {
        status = cli_library_error(rt, s, "warm-up failed");
    } else {
        printf("programs: %lu compiled, %lu already cached; %.1f s\n",
               after.builds - before.builds, after.disk_hits - before.disk_hits,
               io_now_s() - t0);
    }
    clconv_runtime_destroy(rt);
    return status;
}
