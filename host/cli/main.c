/*
 * The clconv command: finds the subcommand named by the first argument and
 * hands it the rest. Top-level help, version and exit codes live here; each
 * subcommand's options and help live in its own cmd_*.c file.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"devices", cmd_devices, "list the OpenCL devices and mark the default"},
    {"conv1d", cmd_conv1d, "convolve 1-D signals (.npy) with a kernel"},
    {"conv2d", cmd_conv2d, "convolve images (.npy) with a 2-D or a separable kernel"},
    {"conv3d", cmd_conv3d, "convolve volumes (.npy) with a 3-D or a separable kernel"},
    {"bench", cmd_bench, "measure a device's limits and time convolutions on it"},
    {"dist", cmd_dist, "distribution of a sum of independent random variables"},
    {"tune", cmd_tune, "measure the device for the choice of --method auto"},
    {"warmup", cmd_warmup, "compile and store the kernels of small jobs ahead of time"},
    {"serve", cmd_serve, "run as an HTTP service that keeps the devices warm"},
};

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(commands[i].name, name) == 0) return &commands[i];
    }
    return NULL;
}

static int print_help(void)
{
    printf("Usage: clconv COMMAND [ARGUMENTS...]\n"
           "       clconv COMMAND --help\n"
           "\n"
           "Convolution on OpenCL devices: GPUs, or CPUs through an OpenCL driver such as\n"
           "POCL.\n"
           "\n"
           "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        printf("  %-9s %s\n", commands[i].name, commands[i].summary);
    }
    printf("\n"
           "Options:\n"
           "  -h, --help      this help; 'clconv COMMAND --help' for a command's options\n"
           "  -V, --version   print the version\n"
           "\n"
           "Devices are named by a spec: 'gpu' or 'cpu' (the first of that type), 'gpu:N'\n"
           "or 'cpu:N' (the N-th, from 0), 'N' (index in 'clconv devices'), or any part of\n"
           "a device, vendor or platform name. Without one, the default is the first GPU,\n"
           "else the first CPU.\n"
           "\n"
           "Environment:\n"
           "  CLCONV_DEVICE      device spec used when --device is not given\n"
           "  CLCONV_CACHE_DIR   where compiled kernels are kept (default\n"
           "                     $XDG_CACHE_HOME/clconv, else ~/.cache/clconv)\n"
           "  CLCONV_NO_CACHE=1  do not keep compiled kernels on disk\n"
           "  CLCONV_SERVER      a 'clconv serve' URL that conv1d, conv2d, conv3d and\n"
           "                     dist send their jobs to when --server is not given\n"
           "  CLCONV_TOKEN       the bearer token such a server asks for\n"
           "  CLCONV_VERBOSE=1   the library's notes on stderr, as --verbose\n"
           "  CLCONV_MAX_ALLOC   largest device allocation (e.g. 64M); larger problems\n"
           "                     are streamed through the device in pieces\n"
           "  CLCONV_DIRECT_VARIANT, CLCONV_DIRECT_PARAMS\n"
           "                     force the direct kernels' variant or tunables (tuning)\n"
           "\n"
           "Exit status:\n"
           "  0  success\n"
           "  1  failure: unreadable or invalid input, unwritable output, device or\n"
           "     compute error (one line on stderr says which)\n"
           "  2  usage error: unknown command or option, missing or invalid argument\n"
           "\n"
           "Example:\n"
           "  clconv conv1d signal.npy kernel.npy -o out.npy --mode same\n");
    return CLI_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("Usage: clconv COMMAND [ARGUMENTS...] (see 'clconv --help')\n", stderr);
        return CLI_EUSAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) return print_help();
    if (strcmp(name, "-V") == 0 || strcmp(name, "--version") == 0) {
        printf("clconv %s\n", clconv_version_string());
        return CLI_OK;
    }
    /* "clconv help conv1d" is "clconv conv1d --help". */
    if (strcmp(name, "help") == 0) {
        if (argc == 2) return print_help();
        if (argc > 3) return cli_usage_error(NULL, "help takes one command name");
        const struct command *c = find_command(argv[2]);
        if (!c) return cli_usage_error(NULL, "unknown command '%s'", argv[2]);
        char help[] = "--help";
        char *help_argv[] = {argv[2], help, NULL};
        return c->run(2, help_argv);
    }
    const struct command *c = find_command(name);
    if (!c) {
        if (name[0] == '-') return cli_usage_error(NULL, "unknown option '%s'", name);
        return cli_usage_error(NULL, "unknown command '%s'", name);
    }
    return c->run(argc - 1, argv + 1);
}
