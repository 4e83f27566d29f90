"""The ctypes binding against the C header: struct layouts as the C compiler
lays them out, and the enum tables against the library's own parsers."""
import ctypes
import os
import shutil
import subprocess

import pytest

import clconv
from clconv import _lib

_FIELDS = ["mode", "method", "correlate", "chosen", "boundary", "cval", "origin"]


def _header_dir():
    """The header the wheel installs next to libclconv, else the source tree's."""
    here = os.path.dirname(clconv.__file__)
    for d in (os.path.join(here, "_lib", "include"),
              os.path.join(os.path.dirname(__file__), "..", "..", "include")):
        if os.path.exists(os.path.join(d, "clconv.h")):
            return d
    return None


def test_conv_options_layout_matches_the_compiler(tmp_path):
    """clconv_conv_options has no size function in the C API, so compile one:
    sizeof and every offsetof must equal ctypes' layout, with no tail."""
    cc = shutil.which("cc") or shutil.which("gcc")
    inc = _header_dir()
    if cc is None or inc is None:
        pytest.skip("needs a C compiler and include/clconv.h")
    src = tmp_path / "layout.c"
    offsets = " ".join(f'printf("%zu ", offsetof(clconv_conv_options, {f}));' for f in _FIELDS)
    src.write_text("#include <stddef.h>\n#include <stdio.h>\n#include <clconv.h>\n"
                   "int main(void) {" + offsets +
                   ' printf("%zu\\n", sizeof(clconv_conv_options)); return 0; }\n')
    exe = tmp_path / "layout"
    r = subprocess.run([cc, "-std=c11", "-I", inc, str(src), "-o", str(exe)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"the header does not compile here: {r.stderr[-300:]}")
    *offs, size = [int(v) for v in subprocess.check_output([str(exe)], text=True).split()]
    assert [getattr(_lib.ConvOptions, f).offset for f in _FIELDS] == offs
    assert ctypes.sizeof(_lib.ConvOptions) == size
    assert [f for f, _ in _lib.ConvOptions._fields_] == _FIELDS


def test_conv_options_size_on_lp64():
    if ctypes.sizeof(ctypes.c_void_p) == 8:
        assert ctypes.sizeof(_lib.ConvOptions) == 56
        assert _lib.ConvOptions.cval.offset == 24


def test_boundary_names_match_the_library():
    for name, value in _lib.BOUNDARIES.items():
        got = ctypes.c_int(-1)
        assert _lib.lib.clconv_boundary_parse(name.encode(), ctypes.byref(got)) == 0
        assert got.value == value
        assert _lib.lib.clconv_boundary_name(value).decode() == name
    assert _lib.lib.clconv_boundary_parse(b"grid-wrap", ctypes.byref(ctypes.c_int())) != 0


def test_dtype_names_match_the_library():
    sizes = {"float32": 4, "float64": 8, "uint8": 1, "uint16": 2, "int16": 2, "complex64": 8,
             "complex128": 16}
    for dtype, value in _lib.DTYPES.items():
        name = dtype.name
        assert dtype.itemsize == sizes[name]
        got = ctypes.c_int(-1)
        assert _lib.lib.clconv_dtype_parse(name.encode(), ctypes.byref(got)) == 0
        assert got.value == value
        assert _lib.lib.clconv_dtype_name(value).decode() == name
        assert _lib.lib.clconv_dtype_size(value) == sizes[name]
    assert _lib.lib.clconv_dtype_parse(b"int64", ctypes.byref(ctypes.c_int())) != 0
