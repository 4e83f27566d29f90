/*
 * `clconv devices`: every OpenCL device clconv can use, with the facts that
 * decide what runs well on it, and which one a command uses by default.
 */
#include "args.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>

static const char devices_help[] =
    "Usage: clconv devices\n"
    "\n"
    "Lists every OpenCL device over all platforms, in the order the indices of\n"
    "--device N refer to, with its type, name, vendor, platform, driver, OpenCL\n"
    "version, compute units, clock, global and local memory, largest allocation,\n"
    "float64 support and preferred vector widths. The device used when no\n"
    "--device is given is marked (default); CLCONV_DEVICE changes it.\n"
    "\n"
    "Example:\n"
    "  clconv devices\n";

static const char *format_bytes(char *buf, size_t size, uint64_t bytes)
{
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        u++;
    }
    if (u == 0) {
        snprintf(buf, size, "%llu bytes", (unsigned long long)bytes);
    } else {
        snprintf(buf, size, "%.1f %s", v, units[u]);
    }
    return buf;
}

static void print_device(const clconv_device_info *d, const char *mark)
{
    char b1[32], b2[32], b3[32];
    printf("Device %zu%s\n", d->index, mark);
    printf("  name            %s\n", d->name);
    printf("  type            %s\n", clconv_device_type_name(d->type));
    printf("  vendor          %s\n", d->vendor);
    printf("  platform        %s\n", d->platform);
    printf("  driver          %s\n", d->driver_version);
    printf("  OpenCL          %s\n", d->opencl_version);
    printf("  compute units   %u\n", d->compute_units);
    printf("  clock           %u MHz\n", d->max_clock_mhz);
    printf("  global memory   %s\n", format_bytes(b1, sizeof b1, d->global_mem_bytes));
    printf("  local memory    %s\n", format_bytes(b2, sizeof b2, d->local_mem_bytes));
    printf("  max allocation  %s\n", format_bytes(b3, sizeof b3, d->max_alloc_bytes));
    printf("  work-group max  %zu\n", d->max_work_group_size);
    printf("  float64         %s\n", d->fp64 ? "yes" : "no");
    printf("  vector widths   float %u, double %u\n", d->pref_vector_float,
           d->pref_vector_double);
}

int cmd_devices(int argc, char **argv)
{
    static const args_option options[] = {{NULL, 0, 0, 0}};
    args_parser p;
    args_init(&p, argv[0], options, argc, argv);
    const char *value;
    for (int id; (id = args_next(&p, &value)) != ARGS_END;) {
        if (id == ARGS_HELP) {
            fputs(devices_help, stdout);
            return CLI_OK;
        }
        if (id == ARGS_ERROR) return CLI_EUSAGE;
        return cli_usage_error(p.command, "unexpected argument '%s'", value);
    }

    size_t count;
    int status = clconv_device_count(&count);
    if (status < 0) return cli_library_error(NULL, status, "cannot list OpenCL devices");

    /* A CLCONV_DEVICE that matches nothing must not hide the list: the list
     * is how one finds a spec that works. */
    size_t default_index = count;
    const char *env = getenv("CLCONV_DEVICE");
    status = clconv_device_find(NULL, &default_index);
    if (status < 0) {
        fprintf(stderr, "clconv: warning: CLCONV_DEVICE='%s' matches no device\n",
                env ? env : "");
        default_index = count;
    }
    const char *mark = env && env[0] ? " (default, from CLCONV_DEVICE)" : " (default)";

    for (size_t i = 0; i < count; i++) {
        clconv_device_info info;
        status = clconv_device_info_get(i, &info);
        if (status < 0) return cli_library_error(NULL, status, "cannot query a device");
        if (i > 0) putchar('\n');
        print_device(&info, i == default_index ? mark : "");
    }
    return CLI_OK;
}
