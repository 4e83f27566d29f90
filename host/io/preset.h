/*
 * Named kernels, accepted wherever a kernel file is: 2-D gaussian:SIGMA,
 * box:N, sobel-x, sobel-y, laplacian, sharpen and motion:LEN; 1-D
 * gaussian:SIGMA, box:N and diff; 3-D gaussian:SIGMA and box:N. The gaussian
 * and the box are separable, so in 2-D and 3-D they are returned as one 1-D
 * factor per axis and run as that many cheap 1-D passes. Presets are built
 * in float64 and written for convolution (flipped kernels under --correlate,
 * which changes only sobel-x, sobel-y, diff and motion).
 */
#ifndef CLCONV_IO_PRESET_H
#define CLCONV_IO_PRESET_H

#include "array.h"

/* For help texts: the presets and their definitions. */
#define PRESET_HELP_2D                                                                   \
    "  gaussian:SIGMA   exp(-x^2/(2 SIGMA^2)) for x from -r to r, r = ceil(3 SIGMA),\n"  \
    "                   normalised to sum 1; run separably as two 1-D passes\n"          \
    "  box:N            N x N taps of 1/N^2 (the mean), run separably\n"                 \
    "  sobel-x          [1 0 -1; 2 0 -2; 1 0 -1]: positive where values rise to the\n"   \
    "                   right (under convolution)\n"                                     \
    "  sobel-y          its transpose: positive where values rise downwards\n"           \
    "  laplacian        [0 1 0; 1 -4 1; 0 1 0]\n"                                        \
    "  sharpen          [0 -1 0; -1 5 -1; 0 -1 0]\n"                                     \
    "  motion:LEN       one row of LEN taps of 1/LEN (horizontal motion blur)\n"
#define PRESET_HELP_1D                                                                   \
    "  gaussian:SIGMA   exp(-x^2/(2 SIGMA^2)) for x from -r to r, r = ceil(3 SIGMA),\n"  \
    "                   normalised to sum 1\n"                                           \
    "  box:N            N taps of 1/N (the moving average)\n"                            \
    "  diff             [1 -1]: y[i] = x[i] - x[i-1] (under convolution)\n"
#define PRESET_HELP_3D                                                                   \
    "  gaussian:SIGMA   exp(-x^2/(2 SIGMA^2)) for x from -r to r, r = ceil(3 SIGMA),\n"  \
    "                   normalised to sum 1, along each axis; run separably as\n"      \
    "                   three 1-D passes\n"                                              \
    "  box:N            N x N x N taps of 1/N^3 (the mean), run separably\n"

/* Largest SIGMA, N and LEN: a kernel of some thousand taps is already far
 * beyond any image, and the limit keeps a typo from allocating gigabytes. */
#define PRESET_MAX_SIGMA 1000.0
#define PRESET_MAX_TAPS 10001

typedef struct preset_kernel {
    int separable;       /* 2-D and 3-D: the kernel is the outer product of n_parts
                            1-D factors */
    int n_parts;         /* 1, or when separable the dimensions */
    real_array parts[3]; /* float64, owned: the 1-D or 2-D kernel in parts[0]; when
                            separable, the factor along each axis, outermost first
                            (2-D: down the columns, then along the rows; 3-D: along
                            depth, down the columns, along the rows) */
} preset_kernel;

/* 1 when arg has the form of a preset (a preset's name, alone or followed by
 * ':'), so that a command can tell presets from file names. */
int preset_is_candidate(const char *arg);

/* The presets of a dims-dimensional convolution, for messages:
 * "gaussian:SIGMA, box:N, ..." (static). */
const char *preset_list(int dims);

/* Builds the preset spec ("gaussian:2", "sobel-x") for a dims-dimensional
 * (1, 2 or 3) convolution into *out, whose arrays the caller frees with
 * preset_free. An unknown name ("'x' is not a kernel preset (presets:
 * ...)"), a missing or bad parameter, or a preset of other
 * dimensions (sobel-x in 1-D or 3-D) is one error line in err, e.g.
 * "preset 'gaussian:-1': SIGMA must be a number in (0, 1000]". Returns
 * 0 or a negative status (err filled). */
int preset_make(const char *spec, int dims, preset_kernel *out, io_error *err);

/* Frees the arrays; safe on a zeroed or already freed preset_kernel. */
void preset_free(preset_kernel *p);

#endif /* CLCONV_IO_PRESET_H */
