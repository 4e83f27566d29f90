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
save(EXPECTED, "conv1d_i64_as_f64_full", conv(sig_i64, ker, "full", dtype=np.float64))
save(EXPECTED, "conv1d_batch_same", batched(batch, ker, "same"))
save(EXPECTED, "conv2d_batch_same", np.stack([conv(im, ker2, "same") for im in imgs]))
save(EXPECTED, "conv2d_separable_same", conv(img, np.outer(kcol, krow), "same"))
save(EXPECTED, "conv2d_f64_valid", conv(img64, ker2_64, "valid", dtype=np.float64))

# `clconv dist`: the two loaded dice of issue 4 (values 1..6) and their sum,
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
