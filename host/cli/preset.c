/*
 * Named kernels (see preset.h): parsing a preset's parameter and filling in
 * its taps.
 */
#include "preset.h"

#include "args.h"
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef enum preset_id {
    P_GAUSSIAN, P_BOX, P_SOBEL_X, P_SOBEL_Y, P_LAPLACIAN, P_SHARPEN, P_MOTION, P_DIFF
} preset_id;

static const struct {
    const char *name;
    preset_id id;
    const char *param;  /* the parameter's name, or NULL for none */
    int dims;           /* 1: 1-D only, 2: 2-D only, 3: both */
} presets[] = {
    {"gaussian", P_GAUSSIAN, "SIGMA", 3}, {"box", P_BOX, "N", 3},
    {"sobel-x", P_SOBEL_X, NULL, 2},      {"sobel-y", P_SOBEL_Y, NULL, 2},
    {"laplacian", P_LAPLACIAN, NULL, 2},  {"sharpen", P_SHARPEN, NULL, 2},
    {"motion", P_MOTION, "LEN", 2},       {"diff", P_DIFF, NULL, 1},
};

#define PRESET_COUNT (sizeof presets / sizeof presets[0])

static const char list_2d[] = "gaussian:SIGMA, box:N, sobel-x, sobel-y, laplacian, sharpen, "
                              "motion:LEN";
static const char list_1d[] = "gaussian:SIGMA, box:N, diff";

/* The table entry whose name spec starts with, up to ':' or the end. */
static int find(const char *spec)
{
    size_t len = strcspn(spec, ":");
    for (size_t i = 0; i < PRESET_COUNT; i++) {
        if (strlen(presets[i].name) == len && strncmp(spec, presets[i].name, len) == 0) {
            return (int)i;
        }
    }
    return -1;
}

int preset_is_candidate(const char *arg)
{
    return find(arg) >= 0;
}

const char *preset_list(int dims)
{
    return dims == 1 ? list_1d : list_2d;
}

/* A 1-D array of n taps, all zero. */
static int make_1d(real_array *a, size_t n, const char *spec)
{
    if (real_array_alloc(a, CLCONV_F64, 1, &n, spec) != CLI_OK) return CLI_EFAIL;
    memset(a->data, 0, n * sizeof(double));
    return CLI_OK;
}

static int gaussian(real_array *a, double sigma, const char *spec)
{
    size_t r = (size_t)ceil(3.0 * sigma);
    if (make_1d(a, 2 * r + 1, spec) != CLI_OK) return CLI_EFAIL;
    double *g = a->data, sum = 0.0;
    for (size_t i = 0; i < 2 * r + 1; i++) {
        double x = (double)i - (double)r;
        g[i] = exp(-x * x / (2.0 * sigma * sigma));
        sum += g[i];
    }
    for (size_t i = 0; i < 2 * r + 1; i++) g[i] /= sum;
    return CLI_OK;
}

static int fill(real_array *a, size_t n, double value, const char *spec)
{
    if (make_1d(a, n, spec) != CLI_OK) return CLI_EFAIL;
    for (size_t i = 0; i < n; i++) ((double *)a->data)[i] = value;
    return CLI_OK;
}

static int fixed_3x3(real_array *a, const double taps[9], const char *spec)
{
    const size_t shape[2] = {3, 3};
    if (real_array_alloc(a, CLCONV_F64, 2, shape, spec) != CLI_OK) return CLI_EFAIL;
    memcpy(a->data, taps, 9 * sizeof *taps);
    return CLI_OK;
}

/* The parameter after ':' as a number, or as a whole number of taps. */
static int parse_param(const char *spec, int i, double *value)
{
    const char *colon = strchr(spec, ':');
    const char *name = presets[i].param;
    if (!colon) return cli_error("preset '%s': needs a parameter (%s:%s)", spec,
                                 presets[i].name, name);
    int whole = presets[i].id != P_GAUSSIAN;
    double v;
    int ok = args_parse_double(colon + 1, &v) == 0;
    if (whole) {
        ok = ok && v >= 1 && v <= PRESET_MAX_TAPS && v == floor(v);
        if (!ok) return cli_error("preset '%s': %s must be a whole number from 1 to %d", spec,
                                  name, PRESET_MAX_TAPS);
    } else {
        ok = ok && v > 0 && v <= PRESET_MAX_SIGMA;
        if (!ok) return cli_error("preset '%s': %s must be a number in (0, %g]", spec, name,
                                  PRESET_MAX_SIGMA);
    }
    *value = v;
    return CLI_OK;
}

int preset_make(const char *spec, int dims, preset_kernel *out)
{
    memset(out, 0, sizeof *out);
    int i = find(spec);
    const char *list = preset_list(dims);
    if (i < 0) return cli_error("'%s' is not a kernel preset (presets: %s)", spec, list);
    if (!(presets[i].dims & dims)) {
        return cli_error("preset '%s' is %s; %d-D kernels: %s", spec,
                         presets[i].dims == 1 ? "1-D" : "2-D", dims, list);
    }
    double p = 0.0;
    if (presets[i].param) {
        if (parse_param(spec, i, &p) != CLI_OK) return CLI_EFAIL;
    } else if (strchr(spec, ':')) {
        return cli_error("preset '%s': %s takes no parameter", spec, presets[i].name);
    }

    static const double sobel_x[9] = {1, 0, -1, 2, 0, -2, 1, 0, -1};
    static const double sobel_y[9] = {1, 2, 1, 0, 0, 0, -1, -2, -1};
    static const double laplacian[9] = {0, 1, 0, 1, -4, 1, 0, 1, 0};
    static const double sharpen[9] = {0, -1, 0, -1, 5, -1, 0, -1, 0};
    int status = CLI_OK;
    int separable = dims == 2 && (presets[i].id == P_GAUSSIAN || presets[i].id == P_BOX);
    switch (presets[i].id) {
    case P_GAUSSIAN:
        status = gaussian(&out->kernel, p, spec);
        if (status == CLI_OK && separable) status = gaussian(&out->row, p, spec);
        break;
    case P_BOX:
        status = fill(&out->kernel, (size_t)p, 1.0 / p, spec);
        if (status == CLI_OK && separable) status = fill(&out->row, (size_t)p, 1.0 / p, spec);
        break;
    case P_SOBEL_X: status = fixed_3x3(&out->kernel, sobel_x, spec); break;
    case P_SOBEL_Y: status = fixed_3x3(&out->kernel, sobel_y, spec); break;
    case P_LAPLACIAN: status = fixed_3x3(&out->kernel, laplacian, spec); break;
    case P_SHARPEN: status = fixed_3x3(&out->kernel, sharpen, spec); break;
    case P_MOTION:
        status = fill(&out->kernel, (size_t)p, 1.0 / p, spec);
        if (status == CLI_OK) {
            /* One row: shape (1, LEN). */
            out->kernel.ndim = 2;
            out->kernel.shape[0] = 1;
            out->kernel.shape[1] = (size_t)p;
        }
        break;
    case P_DIFF:
        status = make_1d(&out->kernel, 2, spec);
        if (status == CLI_OK) {
            ((double *)out->kernel.data)[0] = 1.0;
            ((double *)out->kernel.data)[1] = -1.0;
        }
        break;
    }
    out->separable = separable;
    if (status != CLI_OK) preset_free(out);
    return status;
}

void preset_free(preset_kernel *p)
{
    real_array_free(&p->kernel);
    real_array_free(&p->row);
}
