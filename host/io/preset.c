/*
 * Named kernels (see preset.h): parsing a preset's parameter and filling in
 * its taps.
 */
#include "preset.h"

#include "io.h"

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
    int dims;           /* a bit per dimensions it has: 1 for 1-D, 2 for 2-D, 4 for 3-D */
} presets[] = {
    {"gaussian", P_GAUSSIAN, "SIGMA", 7}, {"box", P_BOX, "N", 7},
    {"sobel-x", P_SOBEL_X, NULL, 2},      {"sobel-y", P_SOBEL_Y, NULL, 2},
    {"laplacian", P_LAPLACIAN, NULL, 2},  {"sharpen", P_SHARPEN, NULL, 2},
    {"motion", P_MOTION, "LEN", 2},       {"diff", P_DIFF, NULL, 1},
};

#define PRESET_COUNT (sizeof presets / sizeof presets[0])

static const char list_2d[] = "gaussian:SIGMA, box:N, sobel-x, sobel-y, laplacian, sharpen, "
                              "motion:LEN";
static const char list_1d[] = "gaussian:SIGMA, box:N, diff";
static const char list_3d[] = "gaussian:SIGMA, box:N";

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
    return dims == 1 ? list_1d : dims == 2 ? list_2d : list_3d;
}

/* A 1-D array of n taps, all zero. */
static int make_1d(real_array *a, size_t n, const char *spec, io_error *err)
{
    IO_FORWARD(real_array_alloc(a, CLCONV_F64, 1, &n, spec, err));
    memset(a->data, 0, n * sizeof(double));
    return 0;
}

static int gaussian(real_array *a, double sigma, const char *spec, io_error *err)
{
    size_t r = (size_t)ceil(3.0 * sigma);
    IO_FORWARD(make_1d(a, 2 * r + 1, spec, err));
    double *g = a->data, sum = 0.0;
    for (size_t i = 0; i < 2 * r + 1; i++) {
        double x = (double)i - (double)r;
        g[i] = exp(-x * x / (2.0 * sigma * sigma));
        sum += g[i];
    }
    for (size_t i = 0; i < 2 * r + 1; i++) g[i] /= sum;
    return 0;
}

static int fill(real_array *a, size_t n, double value, const char *spec, io_error *err)
{
    IO_FORWARD(make_1d(a, n, spec, err));
    for (size_t i = 0; i < n; i++) ((double *)a->data)[i] = value;
    return 0;
}

static int fixed_3x3(real_array *a, const double taps[9], const char *spec, io_error *err)
{
    const size_t shape[2] = {3, 3};
    IO_FORWARD(real_array_alloc(a, CLCONV_F64, 2, shape, spec, err));
    memcpy(a->data, taps, 9 * sizeof *taps);
    return 0;
}

/* The parameter after ':' as a number, or as a whole number of taps. */
static int parse_param(const char *spec, int i, double *value, io_error *err)
{
    const char *colon = strchr(spec, ':');
    const char *name = presets[i].param;
    if (!colon) return io_fail(err, CLCONV_EINVAL, "preset '%s': needs a parameter (%s:%s)", spec,
                               presets[i].name, name);
    int whole = presets[i].id != P_GAUSSIAN;
    double v;
    int ok = io_parse_double(colon + 1, &v) == 0;
    if (whole) {
        ok = ok && v >= 1 && v <= PRESET_MAX_TAPS && v == floor(v);
        if (!ok) return io_fail(err, CLCONV_EINVAL,
                                "preset '%s': %s must be a whole number from 1 to %d", spec, name,
                                PRESET_MAX_TAPS);
    } else {
        ok = ok && v > 0 && v <= PRESET_MAX_SIGMA;
        if (!ok) return io_fail(err, CLCONV_EINVAL, "preset '%s': %s must be a number in (0, %g]",
                                spec, name, PRESET_MAX_SIGMA);
    }
    *value = v;
    return 0;
}

int preset_make(const char *spec, int dims, preset_kernel *out, io_error *err)
{
    memset(out, 0, sizeof *out);
    int i = find(spec);
    const char *list = preset_list(dims);
    if (i < 0) return io_fail(err, CLCONV_EINVAL, "'%s' is not a kernel preset (presets: %s)", spec,
                              list);
    if (!(presets[i].dims & 1 << (dims - 1))) {
        return io_fail(err, CLCONV_EINVAL, "preset '%s' is %s; %d-D kernels: %s", spec,
                       presets[i].dims == 1 ? "1-D" : "2-D", dims, list);
    }
    double p = 0.0;
    if (presets[i].param) {
        IO_FORWARD(parse_param(spec, i, &p, err));
    } else if (strchr(spec, ':')) {
        return io_fail(err, CLCONV_EINVAL, "preset '%s': %s takes no parameter", spec,
                       presets[i].name);
    }

    static const double sobel_x[9] = {1, 0, -1, 2, 0, -2, 1, 0, -1};
    static const double sobel_y[9] = {1, 2, 1, 0, 0, 0, -1, -2, -1};
    static const double laplacian[9] = {0, 1, 0, 1, -4, 1, 0, 1, 0};
    static const double sharpen[9] = {0, -1, 0, -1, 5, -1, 0, -1, 0};
    int status = 0;
    /* The gaussian and the box are the same 1-D factor along every axis. */
    int separable = dims > 1 && (presets[i].id == P_GAUSSIAN || presets[i].id == P_BOX);
    int n = separable ? dims : 1;
    real_array *k = &out->parts[0];
    for (int a = 0; a < n && status == 0; a++) {
        if (presets[i].id == P_GAUSSIAN) status = gaussian(&out->parts[a], p, spec, err);
        if (presets[i].id == P_BOX) status = fill(&out->parts[a], (size_t)p, 1.0 / p, spec, err);
    }
    switch (presets[i].id) {
    case P_GAUSSIAN:
    case P_BOX: break;
    case P_SOBEL_X: status = fixed_3x3(k, sobel_x, spec, err); break;
    case P_SOBEL_Y: status = fixed_3x3(k, sobel_y, spec, err); break;
    case P_LAPLACIAN: status = fixed_3x3(k, laplacian, spec, err); break;
    case P_SHARPEN: status = fixed_3x3(k, sharpen, spec, err); break;
    case P_MOTION:
        status = fill(k, (size_t)p, 1.0 / p, spec, err);
        if (status == 0) {
            /* One row: shape (1, LEN). */
            k->ndim = 2;
            k->shape[0] = 1;
            k->shape[1] = (size_t)p;
        }
        break;
    case P_DIFF:
        status = make_1d(k, 2, spec, err);
        if (status == 0) {
            ((double *)k->data)[0] = 1.0;
            ((double *)k->data)[1] = -1.0;
        }
        break;
    }
    out->separable = separable;
    out->n_parts = n;
    if (status < 0) preset_free(out);
    return status;
}

void preset_free(preset_kernel *p)
{
    for (int i = 0; i < 3; i++) real_array_free(&p->parts[i]);
}
