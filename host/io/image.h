/*
 * Images for conv2d: PNG (through libpng) and the Netpbm formats PGM and
 * PPM (P2, P3, P5, P6, maxval 1 to 65535), grey or RGB, 8 or 16 bits, with
 * or without alpha (PNG). Decoding and encoding work on memory buffers, so
 * a server can decode an upload and encode a reply without files; the
 * command reads a whole file first. An image is held as planes, one per
 * channel, so that a batch convolution convolves each colour channel on
 * its own. Errors are one line in the caller's io_error naming the image
 * ("photo.png: truncated PNG file ...").
 */
#ifndef CLCONV_IO_IMAGE_H
#define CLCONV_IO_IMAGE_H

#include "array.h"

#include <stdio.h>

typedef enum image_kind {
    IMAGE_ANY,  /* decoding: whatever the data's signature says */
    IMAGE_PNG,
    IMAGE_PGM,  /* one grey channel */
    IMAGE_PPM   /* three colour channels */
} image_kind;

typedef struct image {
    real_array planes;  /* owned: shape (channels, rows, cols), float32 or float64
                         * samples in 0..maxval (the result of a convolution may lie
                         * outside; encoding clamps or rescales) */
    int channels;       /* 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA */
    int alpha;          /* 1 when the last channel is alpha */
    unsigned maxval;    /* the samples' full scale: 255 or 65535 for PNG, PNM's maxval */
} image;

/* Decodes data[0..size) (borrowed) into *out, whose planes are float64 and
 * owned by the caller (image_free). kind IMAGE_PNG or IMAGE_PGM/IMAGE_PPM
 * insists on that format (either PNM kind is accepted for a PNM); IMAGE_ANY
 * goes by the signature. name (borrowed) names the image in messages. PNG
 * palettes and grey depths below 8 bits are expanded, a tRNS transparency
 * becomes an alpha channel. An image whose header declares more than
 * max_elements samples (rows x columns x channels; 0: no limit) is refused
 * before anything of its size is allocated or decoded. Returns 0, or
 * a negative status with err filled (out->planes.data is then NULL). */
int image_decode(const void *data, size_t size, image_kind kind, const char *name,
                 size_t max_elements, image *out, io_error *err);

/* Checks before any work that img's channels can be written as kind:
 * a PGM needs one colour channel, a PPM three; PNG takes any. Returns
 * 0 or a negative status (err filled, naming `name`). */
int image_check_kind(image_kind kind, int channels, int alpha, const char *name, io_error *err);

/* Encodes img as kind (PNG, PGM or PPM; binary P5/P6) to f (a file, or an
 * open_memstream for memory). Colour samples are rounded and clamped to
 * 0..maxval, or with normalize rescaled so that their minimum becomes 0 and
 * their maximum full scale (all colour channels together, keeping colour
 * balance; a constant image becomes 0). Alpha is never rescaled. A PNG is
 * 8-bit when maxval <= 255, else 16-bit, samples scaled from maxval to 255
 * or 65535; a PGM/PPM keeps maxval. PNM has no alpha: an alpha channel is
 * left out of a PGM/PPM. name names f in messages. Returns 0 or
 * a negative status (err filled). */
int image_encode(FILE *f, const char *name, image_kind kind, const image *img, int normalize,
                 io_error *err);

/* image_encode into a new malloc'd buffer *data of *size bytes, which the
 * caller frees. Returns 0 or a negative status (err filled; *data NULL). */
int image_encode_mem(void **data, size_t *size, const char *name, image_kind kind,
                     const image *img, int normalize, io_error *err);

/* The planes interleaved as NumPy and imaging libraries hold images: a new
 * array of shape (rows, cols) for one channel, else (rows, cols, channels),
 * of the planes' dtype, owned by the caller. Returns 0 or a negative status
 * (err filled). */
int image_interleave(const image *img, real_array *out, const char *name, io_error *err);

/* Frees the planes; safe to call twice. */
void image_free(image *img);

#endif /* CLCONV_IO_IMAGE_H */
