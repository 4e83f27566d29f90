/*
 * `clconv tune`: measures a device for the cost model behind --method auto
 * (clconv_tune) and reports the figures and where the model was stored.
 */
#include "args.h"
#include "cli.h"

#include <stdio.h>

static const char tune_help[] =
    "Usage: clconv tune [OPTIONS]\n"
    "\n"
    "Measures the device for a few seconds (direct convolution rate, FFT cost by\n"
    "transform length, memory bandwidth, FFT plan creation), searches the direct\n"
    "kernels' shapes (vector width and accumulators on a CPU, tiles on a GPU) for\n"
    "each precision in 1-D and 2-D, times 3-D direct convolution (3^3, 5^3 and 7^3\n"
    "kernels) and 3-D FFT convolution (transforms of 32^3, 64^3 and 128^3 points),\n"
    "and stores the result next to the compiled\n"
    "kernels, where later commands on the same device and driver find it: the\n"
    "direct kernels then run in the shapes found best, and --method auto chooses\n"
    "between direct and FFT convolution from this device's own figures instead of\n"
    "defaults. Run it again after a driver update. The first run on a machine also\n"
    "compiles the kernels it times (about a second per FFT length, a fraction of\n"
    "one per direct shape).\n"
    "\n"
    "Options:\n"
    "  -d, --device SPEC   the OpenCL device (see 'clconv --help')\n"
    "  -v, --verbose       the library's notes on stderr\n"
    "\n"
    "Environment:\n"
    "  CLCONV_CACHE_DIR    where the model is stored (as for compiled kernels);\n"
    "                      with CLCONV_NO_CACHE=1 the figures are shown, not kept\n"
    "\n"
    "Example:\n"
    "  clconv tune --device cpu\n";

enum { OPT_DEVICE = 1, OPT_VERBOSE };

int cmd_tune(int argc, char **argv)
{
    static const args_option options[] = {{"device", 'd', 1, OPT_DEVICE},
                                          {"verbose", 'v', 0, OPT_VERBOSE},
                                          {NULL, 0, 0, 0}};
    const char *device = NULL;
    int verbose = 0;
    args_parser p;
    args_init(&p, argv[0], options, argc, argv);
    const char *value;
    for (int id; (id = args_next(&p, &value)) != ARGS_END;) {
        switch (id) {
        case OPT_DEVICE: device = value; break;
        case OPT_VERBOSE: verbose = 1; break;
        case ARGS_HELP: fputs(tune_help, stdout); return CLI_OK;
        case ARGS_ERROR: return CLI_EUSAGE;
        default: return cli_usage_error(p.command, "unexpected argument '%s'", value);
        }
    }

    clconv_runtime *rt = NULL;
    int status = cli_runtime_open(device, verbose, &rt);
    if (status != CLI_OK) return status;
    clconv_device_info dev;
    clconv_tune_result r;
    int s = clconv_runtime_device(rt, &dev);
    if (s == 0) {
        printf("device: %s (%s, %s)\n", dev.name, dev.platform, dev.driver_version);
        fflush(stdout);
        cli_progress("measuring the device (a few seconds)");
        s = clconv_tune(rt, &r);
        cli_progress_end();
    }
    if (s < 0) {
        status = cli_library_error(rt, s, "tuning failed");
    } else {
        printf("direct convolution   %.1f GFLOP/s float32", r.direct_gflops[0]);
        if (r.direct_gflops[1] > 0) printf(", %.1f float64", r.direct_gflops[1]);
        printf("\nFFT of 2^20 points   %.2f ms float32", r.fft_ms[0]);
        if (r.fft_ms[1] > 0) printf(", %.2f ms float64", r.fft_ms[1]);
        printf("\nmemory bandwidth     %.1f GB/s\n", r.bandwidth_gbps);
        printf("FFT plan creation    %.1f ms (kernels cached)\n", r.plan_ms);
        printf("direct kernels       %s\n", r.direct_shapes);
        for (int d = 0; d < 2; d++) {
            if (r.direct3_gflops[d][0] <= 0) continue;
            const char *name = d ? "float64" : "float32";
            printf("3-D direct %s   %.1f, %.1f, %.1f GFLOP/s with 3^3, 5^3, 7^3 kernels\n", name,
                   r.direct3_gflops[d][0], r.direct3_gflops[d][1], r.direct3_gflops[d][2]);
            printf("3-D FFT %s      %.1f, %.1f, %.1f ms at 32^3, 64^3, 128^3 "
                   "(%.2f, %.2f, %.2f x the 1-D figures' estimate)\n",
                   name, r.fft3_ms[d][0], r.fft3_ms[d][1], r.fft3_ms[d][2], r.fft3_factor[d][0],
                   r.fft3_factor[d][1], r.fft3_factor[d][2]);
        }
        printf("measured in          %.1f s\n", r.seconds);
        printf("%s\n", r.saved ? "model stored for later runs on this device"
                               : "model used by this run only (no disk cache)");
    }
    clconv_runtime_destroy(rt);
    return status;
}
