#!/usr/bin/python3
"""Writes the committed fixtures of tests/cli: inputs in data/ and SciPy's
results in expected/. Run once, by hand, where NumPy and SciPy exist
(/usr/bin/python3 on the project machine); CI only reads the files.

Most inputs hold small integers, so float32 results are exact and compare
bit for bit; the float64 cases use random values and a tolerance."""
import os

import numpy as np
from numpy.lib import format as npformat
from scipy import signal

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
EXPECTED = os.path.join(HERE, "expected")
rng = np.random.default_rng(20240501)


def ints(shape, lo=-4, hi=5, dtype=np.float32):
    return rng.integers(lo, hi, size=shape).astype(dtype)


def save(directory, name, array):
    np.save(os.path.join(directory, name + ".npy"), array)


def conv(x, h, mode, correlate=False, dtype=np.float32):
    x = np.asarray(x, dtype=np.float64)
    h = np.asarray(h, dtype=np.float64)
    f = signal.correlate if correlate else signal.convolve
    return f(x, h, mode=mode, method="direct").astype(dtype)


def batched(x, h, mode, dtype=np.float32):
    return np.stack([conv(row, h, mode, dtype=dtype) for row in x])


os.makedirs(DATA, exist_ok=True)
os.makedirs(EXPECTED, exist_ok=True)

sig = ints(11)
ker = ints(4)              # even length: 'same' centring matters
ker_long = ints(15)        # longer than the signal
sig64 = rng.standard_normal(13)
ker64 = rng.standard_normal(5)
sig_i16 = ints(9, -300, 300, np.int16)
ker_u8 = ints(3, 0, 6, np.uint8)
sig_i64 = ints(8, -1000, 1000, np.int64)
batch = ints((3, 11))
img = ints((7, 9))
ker2 = ints((3, 4))
imgs = ints((2, 7, 9))
kcol = ints(3)
krow = ints(4)
img64 = rng.standard_normal((6, 5))
ker2_64 = rng.standard_normal((3, 2))

for name, value in [("sig", sig), ("ker", ker), ("ker_long", ker_long), ("sig64", sig64),
                    ("ker64", ker64), ("sig_i16", sig_i16), ("ker_u8", ker_u8),
                    ("sig_i64", sig_i64), ("batch", batch), ("img", img), ("ker2", ker2),
                    ("imgs", imgs), ("kcol", kcol), ("krow", krow), ("img64", img64),
                    ("ker2_64", ker2_64)]:
    save(DATA, name, value)
# The same image in Fortran order, and the signal under a version 2.0 header.
save(DATA, "img_fortran", np.asfortranarray(img))
with open(os.path.join(DATA, "sig_v2.npy"), "wb") as f:
    npformat.write_array(f, sig, version=(2, 0))

for mode in ("full", "same", "valid"):
    save(EXPECTED, "conv1d_" + mode, conv(sig, ker, mode))
    save(EXPECTED, "conv2d_" + mode, conv(img, ker2, mode))
    save(EXPECTED, "conv1d_long_" + mode, conv(sig, ker_long, mode))
save(EXPECTED, "corr1d_same", conv(sig, ker, "same", correlate=True))
save(EXPECTED, "corr1d_long_valid", conv(sig, ker_long, "valid", correlate=True))
save(EXPECTED, "corr2d_same", conv(img, ker2, "same", correlate=True))
save(EXPECTED, "conv1d_f64_same", conv(sig64, ker64, "same", dtype=np.float64))
save(EXPECTED, "conv1d_f64_as_f32_same",
     conv(sig64.astype(np.float32), ker64.astype(np.float32), "same"))
save(EXPECTED, "conv1d_int_full", conv(sig_i16, ker_u8, "full"))
save(EXPECTED, "conv1d_batch_same", batched(batch, ker, "same"))
save(EXPECTED, "conv2d_batch_same", np.stack([conv(im, ker2, "same") for im in imgs]))
save(EXPECTED, "conv2d_separable_same", conv(img, np.outer(kcol, krow), "same"))
save(EXPECTED, "conv2d_f64_valid", conv(img64, ker2_64, "valid", dtype=np.float64))

# `clconv dist`: two loaded dice (values 1..6) and their sum,
# as the .npy that -o writes and as the CSV that --format csv prints; a
# Poisson-binomial (rows [1-p, p]) whose tails fall to about 1e-25, so that
# the command is held to a relative error per probability; and a 2-D joint
# distribution summed with itself. numpy.convolve sums non-negative products
# directly, so every expected probability is accurate to its own size.
die_x = np.array([0.1, 0.2, 0.3, 0.1, 0.2, 0.1])
die_y = np.array([0.25, 0.05, 0.3, 0.1, 0.2, 0.1])
dice = np.convolve(die_x, die_y)
save(DATA, "loaded_die", die_x)
save(EXPECTED, "dist_dice", dice)
with open(os.path.join(EXPECTED, "dist_dice.csv"), "w") as f:
    f.write("value,probability,cdf\n")
    for value, (p, c) in enumerate(zip(dice, np.cumsum(dice)), start=2):
        f.write(f"{value},{p:.17g},{c:.17g}\n")

p = rng.uniform(0.02, 0.3, 24)
bernoulli = np.stack([1 - p, p], axis=1)
poisson_binomial = np.array([1.0])
for row in bernoulli:
    poisson_binomial = np.convolve(poisson_binomial, row)
save(DATA, "bernoulli", bernoulli)
save(EXPECTED, "dist_poisson_binomial", poisson_binomial)

joint = rng.uniform(0.5, 2, (2, 3))
joint /= joint.sum()
save(DATA, "joint", joint)
save(EXPECTED, "dist_joint_sum", signal.convolve2d(joint, joint))

# ---- formats, images and presets -------------------------------------------
#
# A generator of their own, so that the fixtures above stay as they were.
# Images are written here byte by byte (PNG through zlib, PGM/PPM by hand),
# independently of the command's libpng path. Results that the command
# rounds to integers are rounded here the same way (floor(x + 0.5) after
# clamping); run.sh allows one unit where float32 and float64 could round a
# value near .5 apart.
import struct
import zlib

frng = np.random.default_rng(20251126)


def png_chunk(kind, body):
    return (struct.pack(">I", len(body)) + kind + body +
            struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff))


def write_png(path, pixels, depth, width=None, height=None):
    """pixels: (rows, cols, channels) integers; width/height override the
    header's size (a lying header) without changing the data."""
    rows, cols, channels = pixels.shape
    color = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    dtype = ">u2" if depth == 16 else "u1"
    raw = b"".join(b"\0" + pixels[r].astype(dtype).tobytes() for r in range(rows))
    ihdr = struct.pack(">IIBBBBB", width or cols, height or rows, depth, color, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) +
                png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b""))


def pnm_bytes(pixels, maxval):
    """Binary P5/P6 of (rows, cols, channels) integers."""
    rows, cols, channels = pixels.shape
    dtype = ">u2" if maxval > 255 else "u1"
    head = "P%d\n%d %d\n%d\n" % (5 if channels == 1 else 6, cols, rows, maxval)
    return head.encode() + pixels.astype(dtype).tobytes()


def gaussian(sigma):
    r = int(np.ceil(3 * sigma))
    g = np.exp(-np.arange(-r, r + 1) ** 2 / (2.0 * sigma * sigma))
    return g / g.sum()


PRESETS_2D = {
    "sobel-x": np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], float),
    "sobel-y": np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], float),
    "laplacian": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], float),
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], float),
    "motion:3": np.full((1, 3), 1 / 3.0),
    "box:3": np.full((3, 3), 1 / 9.0),
    "gaussian:1": np.outer(gaussian(1), gaussian(1)),
}
PRESETS_1D = {"gaussian:1.5": gaussian(1.5), "box:3": np.full(3, 1 / 3.0),
              "diff": np.array([1.0, -1.0])}


def planes_conv(pixels, h, mode="same"):
    """Each channel of (rows, cols, channels) convolved on its own."""
    return np.stack([conv(pixels[:, :, c], h, mode, dtype=np.float64)
                     for c in range(pixels.shape[2])], axis=2)


def quantize(x, top, scale=1.0):
    return np.floor(np.clip(x * scale, 0, top) + 0.5)


def normalize(x, top):
    lo, hi = x.min(), x.max()
    gain = top / (hi - lo)
    return np.floor(np.clip(x * gain + (-lo * gain), 0, top) + 0.5)


def fname(spec):
    return spec.replace(":", "").replace("-", "_").replace(".", "_")


# Presets on the integer image of the first fixtures, against SciPy.
for spec, h in PRESETS_2D.items():
    save(EXPECTED, "preset2d_" + fname(spec), conv(img, h, "same"))
for spec, h in PRESETS_1D.items():
    save(EXPECTED, "preset1d_" + fname(spec), conv(sig, h, "same"))
save(EXPECTED, "preset_separable", conv(img, np.outer(gaussian(1), [0.5, 0.5]), "same"))
save(EXPECTED, "preset1d_diff_f64", conv(sig64, PRESETS_1D["diff"], "same", dtype=np.float64))

# Text: the signal as one column, the image as rows, with commas, blanks and
# a comment line.
with open(os.path.join(DATA, "sig.csv"), "w") as f:
    f.write("".join("%d\n" % v for v in sig))
with open(os.path.join(DATA, "img.csv"), "w") as f:
    f.write("# image\n" + "".join(", ".join("%d" % v for v in row) + "\n" for row in img))
with open(os.path.join(DATA, "img.txt"), "w") as f:
    f.write("".join("  ".join("%d" % v for v in row) + "\n" for row in img))
# What the command writes: %.9g of float32 values.
with open(os.path.join(EXPECTED, "conv2d_same.csv"), "w") as f:
    f.write("".join(",".join("%.9g" % v for v in row) + "\n" for row in conv(img, ker2, "same")))
with open(os.path.join(EXPECTED, "conv1d_full.txt"), "w") as f:
    f.write("".join("%.9g\n" % v for v in conv(sig, ker, "full")))

# Raw: a uint16 image, 7x9.
img_u16 = frng.integers(0, 1000, (7, 9)).astype("<u2")
img_u16.tofile(os.path.join(DATA, "img_u16.raw"))
save(EXPECTED, "raw_u16_same", conv(img_u16, ker2, "same"))

# Images.
gray8 = frng.integers(0, 256, (10, 12, 1))
rgb16 = frng.integers(0, 65536, (7, 9, 3))
rgba8 = frng.integers(0, 256, (6, 8, 4))
write_png(os.path.join(DATA, "gray8.png"), gray8, 8)
write_png(os.path.join(DATA, "rgb16.png"), rgb16, 16)
write_png(os.path.join(DATA, "rgba8.png"), rgba8, 8)
# 60000x60000 in the header (with a valid CRC) over 10x12 pixels of data.
write_png(os.path.join(DATA, "lying.png"), gray8, 8, width=60000, height=60000)

g = gaussian(1)
save(EXPECTED, "gray8_gauss_png",
     quantize(planes_conv(gray8, np.outer(g, g)), 255)[:, :, 0].astype(np.float32))
save(EXPECTED, "rgb16_sharpen", planes_conv(rgb16, PRESETS_2D["sharpen"]).astype(np.float32))
save(EXPECTED, "rgb16_gauss_png",
     quantize(planes_conv(rgb16, np.outer(gaussian(0.8), gaussian(0.8))), 65535)
     .astype(np.float32))
rgba_box = quantize(planes_conv(rgba8[:, :, :3], PRESETS_2D["box:3"]), 255)
save(EXPECTED, "rgba8_box_png",
     np.concatenate([rgba_box, rgba8[:, :, 3:]], axis=2).astype(np.float32))

# PGM/PPM: binary 8-bit grey, ASCII grey with comments, ASCII colour with
# maxval 1000 (a 10-bit camera's range).
with open(os.path.join(DATA, "gray8.pgm"), "wb") as f:
    f.write(pnm_bytes(gray8, 255))
with open(os.path.join(DATA, "ascii.pgm"), "w") as f:
    f.write("P2\n# made by make-fixtures.py\n12 10\n# maxval\n255\n")
    f.write("\n".join(" ".join("%d" % v for v in row[:, 0]) for row in gray8) + "\n")
rgb1000 = frng.integers(0, 1001, (5, 6, 3))
with open(os.path.join(DATA, "rgb1000.ppm"), "w") as f:
    f.write("P3\n6 5\n1000\n")
    f.write("\n".join(" ".join("%d" % v for v in row.ravel()) for row in rgb1000) + "\n")
lap = planes_conv(gray8, PRESETS_2D["laplacian"])
with open(os.path.join(EXPECTED, "gray8_laplacian.pgm"), "wb") as f:
    f.write(pnm_bytes(quantize(lap, 255), 255))
with open(os.path.join(EXPECTED, "gray8_sobel_x_normalized.pgm"), "wb") as f:
    f.write(pnm_bytes(normalize(planes_conv(gray8, PRESETS_2D["sobel-x"]), 255), 255))
with open(os.path.join(EXPECTED, "rgb1000_sharpen.ppm"), "wb") as f:
    f.write(pnm_bytes(quantize(planes_conv(rgb1000, PRESETS_2D["sharpen"]), 1000), 1000))
save(EXPECTED, "gray8_sharpen", planes_conv(gray8, PRESETS_2D["sharpen"])[:, :, 0]
     .astype(np.float32))

# ---- boundary modes and axes (scipy.ndimage) ---------------------------------
#
# A generator of their own again, so that everything above stays as it was.
# Small integers and a cval of 2.5 keep float32 results exact. ker (4 taps)
# and ker2 (3 x 4) are even in length, where ndimage's centring differs from
# scipy.signal's same mode; their origins lie in -2 ... 1 and -1 ... 1.
from scipy import ndimage

brng = np.random.default_rng(20260312)
BOUNDARIES = ("constant", "reflect", "mirror", "nearest", "wrap")
arr3 = brng.integers(-4, 5, (5, 4, 6)).astype(np.float32)
save(DATA, "arr3", arr3)


def nd(x, w, mode, dtype=np.float32, **kw):
    x = np.asarray(x, dtype=np.float64)
    return ndimage.convolve(x, np.asarray(w, dtype=np.float64), mode=mode, **kw).astype(dtype)


def nd1(x, w, axis, mode, correlate=False, **kw):
    f = ndimage.correlate1d if correlate else ndimage.convolve1d
    return f(np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64), axis=axis,
             mode=mode, **kw).astype(np.float32)


def along(w, ndim, axis):
    """w shaped along axis of an ndim array, for scipy.signal.convolve."""
    shape = [1] * ndim
    shape[axis] = len(w)
    return np.reshape(w, shape)


for mode in BOUNDARIES:
    save(EXPECTED, "nd1d_" + mode, nd1(sig, ker, 0, mode))
    save(EXPECTED, "nd2d_" + mode, nd(img, ker2, mode))
    for axis in range(3):
        save(EXPECTED, "nd_axis%d_%s" % (axis, mode), nd1(arr3, ker, axis, mode))
save(EXPECTED, "nd1d_constant_cval", nd1(sig, ker, 0, "constant", cval=2.5))
save(EXPECTED, "nd1d_reflect_origin_m2", nd1(sig, ker, 0, "reflect", origin=-2))
save(EXPECTED, "nd1d_wrap_origin_1", nd1(sig, ker, 0, "wrap", origin=1))
save(EXPECTED, "nd1d_mirror_corr", nd1(sig, ker, 0, "mirror", correlate=True))
save(EXPECTED, "nd2d_nearest_origin", nd(img, ker2, "nearest", origin=(1, -2)))
save(EXPECTED, "nd2d_constant_cval", nd(img, ker2, "constant", cval=2.5))
save(EXPECTED, "nd2d_separable_mirror", nd(img, np.outer(kcol, krow), "mirror"))
save(EXPECTED, "nd_axis1_constant_cval_origin",
     nd1(arr3, ker, 1, "constant", cval=2.5, origin=1))
save(EXPECTED, "nd_axis0_wrap_corr", nd1(arr3, ker, 0, "wrap", correlate=True))
save(EXPECTED, "nd_img_axis0_reflect", nd1(img, ker, 0, "reflect", origin=-1))
save(EXPECTED, "nd_batch_nearest", nd1(batch, ker, 1, "nearest"))
# An image blurred without dark borders: the .npy of gray8.png through
# gaussian:1 (unclamped), reflect.
g1 = gaussian(1)
save(EXPECTED, "gray8_gauss_reflect", nd(gray8[:, :, 0], np.outer(g1, g1), "reflect"))
# scipy.signal's modes along an axis: the kernel shaped along it.
for axis, mode in ((0, "full"), (1, "valid"), (2, "same"), (0, "same"), (1, "full")):
    save(EXPECTED, "axis%d_%s" % (axis, mode), conv(arr3, along(ker, 3, axis), mode))
save(EXPECTED, "img_axis0_same", conv(img, along(ker, 2, 0), "same"))
# sig.csv is one column: with --axis it stays (11, 1).
save(EXPECTED, "nd_col_axis0_reflect", nd1(sig.reshape(11, 1), ker, 0, "reflect"))

# ---- conv3d (scipy.signal and scipy.ndimage on volumes) ----------------------
#
# A generator of their own, so that everything above stays as it was. The
# volume is 6 x 7 x 5 of small integers, so float32 results are exact; ker3
# (3 x 2 x 3) is even along rows, where ndimage's centring differs from
# scipy.signal's same mode, and its origins lie in -1 ... 1, -1 ... 0 and
# -1 ... 1; ker3_big (7 x 8 x 6) is larger than the volume in every
# dimension.
vrng = np.random.default_rng(20261202)
vol = vrng.integers(-4, 5, (6, 7, 5)).astype(np.float32)
ker3 = vrng.integers(-3, 4, (3, 2, 3)).astype(np.float32)
ker3_big = vrng.integers(-2, 3, (7, 8, 6)).astype(np.float32)
vols = vrng.integers(-4, 5, (2, 4, 5, 3)).astype(np.float32)
kz = vrng.integers(-3, 4, 3).astype(np.float32)
ky = vrng.integers(-3, 4, 2).astype(np.float32)
kx = vrng.integers(-3, 4, 4).astype(np.float32)
vol64 = vrng.standard_normal((5, 4, 6))
ker3_64 = vrng.standard_normal((2, 3, 2))
for name, value in [("vol", vol), ("ker3", ker3), ("ker3_big", ker3_big), ("vols", vols),
                    ("kz", kz), ("ky", ky), ("kx", kx), ("vol64", vol64),
                    ("ker3_64", ker3_64)]:
    save(DATA, name, value)
# The volume as raw little-endian int16, for --shape 6x7x5 --dtype i16.
vol.astype("<i2").tofile(os.path.join(DATA, "vol_i16.raw"))


def outer3(a, b, c):
    return np.einsum("i,j,k->ijk", a, b, c)


for mode in ("full", "same", "valid"):
    save(EXPECTED, "conv3d_" + mode, conv(vol, ker3, mode))
    save(EXPECTED, "conv3d_big_" + mode, conv(vol, ker3_big, mode))
save(EXPECTED, "corr3d_same", conv(vol, ker3, "same", correlate=True))
save(EXPECTED, "conv3d_f64_valid", conv(vol64, ker3_64, "valid", dtype=np.float64))
save(EXPECTED, "conv3d_batch_same", np.stack([conv(v, ker3, "same") for v in vols]))
save(EXPECTED, "conv3d_separable_same", conv(vol, outer3(kz, ky, kx), "same"))
for mode in BOUNDARIES:
    save(EXPECTED, "nd3d_" + mode, nd(vol, ker3, mode))
save(EXPECTED, "nd3d_constant_cval", nd(vol, ker3, "constant", cval=2.5))
save(EXPECTED, "nd3d_nearest_origin", nd(vol, ker3, "nearest", origin=(1, -1, 0)))
save(EXPECTED, "nd3d_mirror_corr",
     ndimage.correlate(vol.astype(np.float64), ker3.astype(np.float64), mode="mirror")
     .astype(np.float32))
save(EXPECTED, "nd3d_big_reflect", nd(vol, ker3_big, "reflect"))
save(EXPECTED, "nd3d_separable_wrap", nd(vol, outer3(kz, ky, kx), "wrap"))
save(EXPECTED, "nd3d_batch_nearest",
     np.stack([nd(v, ker3, "nearest") for v in vols]))
g1 = gaussian(1)
save(EXPECTED, "preset3d_gaussian1", conv(vol, outer3(g1, g1, g1), "same"))
save(EXPECTED, "preset3d_box3_reflect", nd(vol, np.full((3, 3, 3), 1 / 27.0), "reflect"))

# ---- complex64 and complex128 ----------------------------------------------
#
# Again a generator of their own. Complex inputs with small integer parts
# (float32 results exact), mixed with the real fixtures above; expected
# results are SciPy's in NumPy's promoted dtype (complex64 with float32 or
# an int16 stays complex64; with float64 or complex128 it is complex128).
# scipy.signal.correlate and scipy.ndimage.correlate conjugate a complex
# kernel; the boundary-mode cases are scipy.ndimage's.
from scipy import ndimage

crng = np.random.default_rng(20261202)


def cints(shape, dtype=np.complex64):
    return (crng.integers(-4, 5, size=shape) + 1j * crng.integers(-4, 5, size=shape)).astype(dtype)


c_sig = cints(13)
c_ker = cints(4)
c_ker128 = (crng.standard_normal(5) + 1j * crng.standard_normal(5)).astype(np.complex128)
c_img = cints((6, 7))
c_ker2 = cints((3, 2))
c_kcol = cints(3)
c_krow = cints(4)
c_vol = cints((4, 5, 3))
c_ker3 = cints((2, 3, 2))
for name, value in [("c_sig", c_sig), ("c_ker", c_ker), ("c_ker128", c_ker128),
                    ("c_img", c_img), ("c_ker2", c_ker2), ("c_kcol", c_kcol),
                    ("c_krow", c_krow), ("c_vol", c_vol), ("c_ker3", c_ker3)]:
    save(DATA, name, value)


def cconv(x, h, mode, correlate=False):
    """SciPy's result in NumPy's promoted dtype, computed in complex128."""
    dtype = np.result_type(x, h)
    f = signal.correlate if correlate else signal.convolve
    return f(x.astype(np.complex128), h.astype(np.complex128), mode=mode,
             method="direct").astype(dtype)


def cndimage(x, h, correlate=False, **kw):
    dtype = np.result_type(x, h)
    f = ndimage.correlate if correlate else ndimage.convolve
    return f(x.astype(np.complex128), h.astype(np.complex128), **kw).astype(dtype)


for mode in ("full", "same", "valid"):
    save(EXPECTED, "c_conv1d_" + mode, cconv(c_sig, c_ker, mode))
save(EXPECTED, "c_corr1d_same", cconv(c_sig, c_ker, "same", correlate=True))
save(EXPECTED, "c_real_sig_complex_ker", cconv(sig, c_ker, "full"))
save(EXPECTED, "c_real_sig_complex_ker_corr", cconv(sig, c_ker, "full", correlate=True))
save(EXPECTED, "c_complex_sig_real_ker", cconv(c_sig, ker, "same"))
save(EXPECTED, "c_int16_sig_complex_ker", cconv(sig_i16, c_ker, "full"))
save(EXPECTED, "c_sig_f64_ker", cconv(c_sig, ker64, "full"))
save(EXPECTED, "c_sig_c128_ker", cconv(c_sig, c_ker128, "same"))
save(EXPECTED, "c_corr1d_reflect", cndimage(c_sig, c_ker, True, mode="reflect"))
save(EXPECTED, "c_conv2d_valid", cconv(c_img, c_ker2, "valid"))
save(EXPECTED, "c_corr2d_full", cconv(c_img, c_ker2, "full", correlate=True))
save(EXPECTED, "c_corr2d_reflect", cndimage(c_img, c_ker2, True, mode="reflect"))
save(EXPECTED, "c_conv2d_separable_real", cconv(c_img, np.outer(kcol, krow), "same"))
save(EXPECTED, "c_conv2d_separable_complex", cconv(c_img, np.outer(c_kcol, c_krow), "same"))
save(EXPECTED, "c_conv3d_same", cconv(c_vol, c_ker3, "same"))
save(EXPECTED, "c_conv3d_constant", cndimage(c_vol, c_ker3, mode="constant", cval=1.5))
