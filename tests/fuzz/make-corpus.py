#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets into tests/fuzz/corpus/TARGET/:
the valid files of tests/cli/data by kind, and the malformed inputs the
command's and the service's tests use (tests/cli/run.sh, tests/test_serve.c),
written out here byte for byte. Run it again after adding a case; the files
are committed so that a run needs no Python."""
import os
import pathlib
import shutil
import struct
import zlib

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE.parent / "cli" / "data"
OUT = HERE / "corpus"


def npy(header, data=b"", version=1):
    """A .npy file with the given header dict, padded as NumPy pads it."""
    h = header.encode() + b"\n"
    if version == 1:
        pad = (64 - (10 + len(h)) % 64) % 64
        h = h[:-1] + b" " * pad + b"\n"
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h + data
    pad = (64 - (12 + len(h)) % 64) % 64
    h = h[:-1] + b" " * pad + b"\n"
    return b"\x93NUMPY" + bytes([version, 0]) + struct.pack("<I", len(h)) + h + data


def f4npy(shape, data):
    return npy("{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % shape, data)


ONE = struct.pack("<f", 1.0)
INF = struct.pack("<f", float("inf"))


def png(width, height, colour, depth, rows, extra=b""):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    raw = b"".join(b"\x00" + r for r in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def multipart(parts, boundary="BOUNDARY", close=True):
    out = b""
    for name, data in parts:
        disp = b'form-data' if name is None else b'form-data; name="' + name + b'"'
        out += b"--" + boundary.encode() + b"\r\nContent-Disposition: " + disp + \
            b"\r\nContent-Type: application/octet-stream\r\n\r\n" + data + b"\r\n"
    if close:
        out += b"--" + boundary.encode() + b"--\r\n"
    return out


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    corpus = {}

    def add(target, name, data):
        corpus.setdefault(target, {})[name] = data if isinstance(data, bytes) else data.encode()

    def raw(text):
        return text if isinstance(text, bytes) else text.encode()

    files = {p.name: p.read_bytes() for p in sorted(DATA.iterdir())}
    # .npy: every valid file, and the malformed ones of tests/cli/run.sh.
    for name, data in files.items():
        if name.endswith(".npy"):
            add("npy", name, data)
    bad_npy = {
        "inf2d.npy": f4npy("(1, 2)", ONE + INF),
        "empty.npy": f4npy("(0,)", b""),
        "lying.npy": f4npy("(100,)", ONE),
        "huge.npy": f4npy("(18446744073709551615, 2)", ONE),
        "be.npy": npy("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", ONE),
        "complex.npy": npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", ONE * 2),
        "complex_f.npy": npy("{'descr': '<c16', 'fortran_order': True, 'shape': (2, 1), }",
                             b"\0" * 32),
        "complex256.npy": npy("{'descr': '<c32', 'fortran_order': False, 'shape': (1,), }",
                              b"\0" * 32),
        "i64.npy": npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", b"\1" * 8),
        "bool.npy": npy("{'descr': '|b1', 'fortran_order': False, 'shape': (1,), }", b"\x01"),
        "struct.npy": npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }",
                          ONE),
        "nokey.npy": npy("{'descr': '<f4', 'shape': (1,), }", ONE),
        "nocolon.npy": npy("{'descr' '<f4', 'fortran_order': False}", ONE),
        "extrakey.npy": npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), "
                            "'x': 1, }", ONE),
        "twice.npy": npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, "
                         "'shape': (1,), }", ONE),
        "inf64.npy": npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
                         b"\x00\x00\x00\x00\x00\x00\xf0\x7f"),
        "big64.npy": npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
                         b"\x9c\x75\x00\x88\x3c\xe4\x37\x7e"),
        "version4.npy": b"\x93NUMPY\x04\x00\x00\x00",
        "trailing.npy": files["sig.npy"] + b"xyz",
        "v2.npy": npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", ONE * 4, 2),
        "v3.npy": npy("{'descr': '<u2', 'fortran_order': False, 'shape': (), }", b"\x01\x00", 3),
        "garbage.npy": b"not a npy file",
    }
    for name, data in bad_npy.items():
        add("npy", name, data)
    # Text.
    for name, data in files.items():
        if name.endswith((".csv", ".txt")):
            add("csv", name, data)
    for name, text in {
        "die.csv": "0.1, 0.2, 0.3\n0.1 0.2\t0.1\n",
        "offsets.csv": "value,probability,cdf\n2,0.125,0.125\n3,0.5,0.625\n4,0.375,1\n",
        "bad.csv": "0.5\n0.25\nx\n", "binary.csv": "0.5\0,0.5", "cell.csv": "1,2\n3,x\n",
        "ragged.csv": "1,2\n3\n", "empty.csv": "# nothing\n\n", "gap.csv": "1,,2\n",
        "nan.csv": "nan, inf\n-inf 1e999\n", "crlf.csv": "1,2\r\n3,4\r\n",
    }.items():
        add("csv", name, text)
    # Raw: "SHAPE DTYPE" and the data.
    add("raw", "img_u16.raw", b"32x32 u16\n" + files["img_u16.raw"])
    add("raw", "f32.raw", b"2x2 float32\n" + ONE * 4)
    add("raw", "short.raw", b"3x3 f64\n" + ONE)
    add("raw", "i8.raw", b"4 i8\n\x80\x7f\x00\x01")
    add("raw", "f64nan.raw", b"1 f64\n" + struct.pack("<d", float("nan")))
    # Images: the valid ones, the malformed ones of run.sh, small PNGs of
    # each colour type.
    for name, data in files.items():
        if name.endswith((".png", ".pgm", ".ppm")):
            add("image", name, data)
    for name, data in {
        "cut.pgm": b"P5\n4 4\n255\nabc", "height.pgm": b"P5\n4 x\n255\n",
        "maxval.pgm": b"P5\n4 4\n70000\n", "over.pgm": b"P2\n2 1\n10\n5 11\n",
        "text.png": b"hello", "p3.ppm": b"P3\n# c\n2 1\n255\n1 2 3 4 5 6\n",
        "p6_16.ppm": b"P6 1 1 65535 " + b"\x01\x02\x03\x04\x05\x06",
        "grey2.png": png(3, 2, 0, 2, [b"\x1b", b"\xe4"]),
        "palette.png": png(2, 1, 3, 8, [b"\x00\x01"],
                           b"\x00\x00\x00\x06PLTE\xff\x00\x00\x00\xff\x00\x00\x00\x00\x00"),
        "ga16.png": png(1, 1, 4, 16, [b"\x12\x34\xff\xff"]),
        "huge.png": png(100000, 100000, 6, 16, [b""]),
    }.items():
        add("image", name, data)
    # Presets: the first byte picks 1-D (odd), 3-D (even, 0x80 and above) or
    # 2-D.
    for spec in ["gaussian:2", "box:3", "sobel-x", "sobel-y", "laplacian", "sharpen",
                 "motion:9", "gaussian:-1", "blur", "box:0", "gaussian:1000", "box:10001"]:
        add("preset", "2d-" + spec.replace(":", "_"), "2" + spec)
    for spec in ["gaussian:1.5", "box:5", "diff", "sobel-x", "box:", "gaussian:nan"]:
        add("preset", "1d-" + spec.replace(":", "_"), "1" + spec)
    for spec in ["gaussian:1", "box:3", "sobel-x", "diff", "box:0"]:
        add("preset", "3d-" + spec.replace(":", "_"), b"\x80" + spec.encode())
    # Dist specs: one a line; the first byte picks the grid (odd: step 0.5).
    for i, specs in enumerate([
            ["0.1,0.2,0.3,0.1,0.2,0.1", "2d6"], ["1:1,2,3"], ["d6"], [""], ["0.5,0.6"],
            ["0.5,x"], ["/etc/passwd.csv"], ["1000000d1000000"], ["-3:0.5,0.5", "2,3:1;2"],
            ["1,2:0.25,0.25;0.25,0.25"], ["3d20", "4dF"]]):
        add("dist_spec", "specs%02d" % i, "0" + "\n".join(specs))
    add("dist_spec", "density", "1" + "0.5:0.5,0.5\n-1.5:1")
    # /v1/dist bodies: the test suite's requests, good and bad.
    for i, body in enumerate([
            '{"specs": ["0.1,0.2,0.3,0.1,0.2,0.1", "2d6"], "times": 1, "method": "direct"}',
            '{"specs": ["1:1,2,3"], "times": 50, "normalize": true, "trim": 1e-12}',
            '{"specs": ["0.5,0.5"', '[1, 2]', '{}', '{"specs": []}', '{"specs": [1]}',
            '{"specs": [""]}', '{"specs": ["d6"], "normalize": 1}',
            '{"specs": ["d6"], "normalize": "true"}', '{"specs": ["d6"], "times": 0}',
            '{"specs": ["d6"], "method": "fast"}', '{"specs": ["d6"], "colour": 1}',
            '{"specs": ["/etc/passwd.csv"]}', '{"specs": ["0.5,0.6"]}', '{"specs": ["0.5,x"]}',
            '{"specs": ["d6"], "specs": ["d6"]}', '{"specs": ["1000000d1000000"]}',
            '{"specs": ["\\u00e9\\ud83d\\ude00", "\\ud800"], "times": 1e300}',
            '{"specs": ["d2"', '{"a": [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]}']):
        add("dist_body", "body%02d.json" % i, body)
    # Query parameters: KEY=VALUE a line.
    for i, q in enumerate(["mode=same", "mode=valid\ncorrelate=1\nbatch=1\nmethod=direct",
                           "mode=same\nmethod=direct\nprecision=f32", "kernel=laplacian",
                           "kernel=gaussian:-1", "mode=sideways", "colour=blue", "batch",
                           "normalize=true\nprecision=float64", "correlate=2",
                           "out_dtype=complex64", "out_dtype=complex128\nprecision=f32",
                           "out_dtype=uint8\nmethod=fft"]):
        add("query", "query%02d" % i, q)
    # Multipart: endpoint byte ('0' conv2d, '1' conv1d, 0x80 conv3d), query
    # line, boundary line, body; the parts of the service's tests.
    sig, ker, img = files["sig.npy"], files["ker.npy"], files["img.npy"]
    mp = [
        ("1", "mode=same", "BOUNDARY", multipart([(b"input", sig), (b"kernel", ker)])),
        ("0", "mode=valid&correlate=1&method=direct", "BOUNDARY",
         multipart([(b"input", img), (b"kernel", files["ker2.npy"])])),
        ("0", "mode=same&precision=f32", "xyz",
         multipart([(b"input", img), (b"kcol", files["kcol.npy"]), (b"krow", files["krow.npy"])],
                   "xyz")),
        ("0", "kernel=laplacian", "BOUNDARY", multipart([(b"input", files["gray8.png"])])),
        ("0", "kernel=box:3&normalize=1", "BOUNDARY", multipart([(b"input", files["gray8.pgm"])])),
        ("0", "kernel=sharpen", "BOUNDARY", multipart([(b"input", img), (b"kernel", ker)])),
        ("1", "", "BOUNDARY", multipart([(b"input", sig)])),
        ("1", "", "BOUNDARY", multipart([(b"input", sig), (b"kernel", ker), (b"extra", ker)])),
        ("1", "", "BOUNDARY", multipart([(b"input", b"not a npy file"), (b"kernel", ker)])),
        ("1", "", "BOUNDARY", multipart([(b"input", files["sig.csv"]), (b"kernel", ker)])),
        ("1", "", "BOUNDARY", multipart([(b"input", sig), (b"kernel", ker)], close=False)),
        ("1", "", "BOUNDARY", multipart([(None, b"abc")])),
        ("1", "", "BOUNDARY", multipart([(b"in\rput", b"abc")])),
        ("1", "", "BOUNDARY", multipart([(b"in\0put", b"abc")])),
        ("1", "", "BOUNDARY", multipart([(b"input", sig), (b"input", sig)])),
        ("1", "mode=sideways", "BOUNDARY", multipart([(b"input", sig), (b"kernel", ker)])),
        ("1", "", "", b"--\r\n\r\n"),
        (b"\x80", "mode=same&correlate=1", "BOUNDARY",
         multipart([(b"input", files["vol.npy"]), (b"kernel", files["ker3.npy"])])),
        (b"\x80", "batch=1&boundary=reflect&origin=1,-1,0", "BOUNDARY",
         multipart([(b"input", files["vols.npy"]), (b"kernel", files["ker3.npy"])])),
        (b"\x80", "boundary=wrap", "BOUNDARY",
         multipart([(b"input", files["vol.npy"]), (b"kdepth", files["kz.npy"]),
                    (b"kcol", files["ky.npy"]), (b"krow", files["kx.npy"])])),
        (b"\x80", "kernel=gaussian:1&boundary=nearest", "BOUNDARY",
         multipart([(b"input", files["vol.npy"])])),
        (b"\x80", "", "BOUNDARY", multipart([(b"input", files["vols.npy"]),
                                              (b"kcol", files["ky.npy"])])),
        # Complex inputs, promoted with real ones; images are real.
        ("1", "mode=same&correlate=1", "BOUNDARY",
         multipart([(b"input", files["c_sig.npy"]), (b"kernel", files["c_ker128.npy"])])),
        ("0", "out_dtype=complex64&boundary=reflect", "BOUNDARY",
         multipart([(b"input", files["c_img.npy"]), (b"kcol", files["c_kcol.npy"]),
                    (b"krow", files["krow.npy"])])),
        ("0", "", "BOUNDARY", multipart([(b"input", files["gray8.png"]),
                                         (b"kernel", files["c_ker2.npy"])])),
    ]
    for i, (ep, query, boundary, body) in enumerate(mp):
        add("multipart", "body%02d" % i, raw(ep) + query.encode() + b"\n" +
            boundary.encode() + b"\n" + body)

    for target, entries in corpus.items():
        d = OUT / target
        d.mkdir(parents=True)
        for name, data in entries.items():
            (d / name).write_bytes(data)


if __name__ == "__main__":
    main()
