#!/bin/sh
# Tests of the clconv command through the command itself, in the manner of
# zstd's tests/playTests.sh: every case runs the real binary, checks its exit
# code and stderr, and compares the .npy it wrote with SciPy's result kept in
# expected/ (made once by make-fixtures.py; CI needs no NumPy); `dist` cases
# check the CSV and JSON it prints as well, with awk; text, PGM and PPM
# outputs are compared byte for byte, PNGs read back. Malformed inputs are
# made here with printf. Every failing run must exit non-zero with exactly
# one line on stderr and leave no output file, temporary included.
#
# Usage: run.sh PATH/TO/clconv PATH/TO/tests/cli

# Byte escapes are passed to printf as formats on purpose.
# shellcheck disable=SC2059
set -u
# Every case runs here unless it asks for a server itself.
unset CLCONV_SERVER CLCONV_TOKEN

if [ $# -ne 2 ]; then
    echo "usage: $0 CLCONV TESTS_CLI_DIR" >&2
    exit 2
fi
CLCONV=$1
DATA=$2/data
EXPECTED=$2/expected
WORK=$(mktemp -d "${TMPDIR:-/tmp}/clconv-cli.XXXXXX") || exit 1
SERVE_PID=""
trap 'if [ -n "$SERVE_PID" ]; then kill "$SERVE_PID"; fi; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
OUT=$WORK/out.npy
passed=0
failed=0

pass() {
    passed=$((passed + 1))
}

fail() {
    failed=$((failed + 1))
    echo "FAIL $1: $2"
    if [ -s "$WORK/stderr" ]; then sed 's/^/    stderr: /' "$WORK/stderr"; fi
}

# ---- .npy helpers ---------------------------------------------------------

# Header length of a version 1.0 file (the only version clconv writes and
# make-fixtures.py keeps in expected/).
npy_header_len() {
    od -A n -t u1 -j 8 -N 2 "$1" | awk '{ print $1 + 256 * $2 }'
}

# "descr shape" of a version 1.0 file, e.g. "<f4 (3, 11)".
npy_signature() {
    len=$(npy_header_len "$1")
    dd if="$1" bs=1 skip=10 count="$len" 2>/dev/null |
        sed -n "s/.*'descr': *'\\([^']*\\)'.*'shape': *\\(([^)]*)\\).*/\\1 \\2/p"
}

# One value per line.
npy_values() {
    len=$(npy_header_len "$1")
    # A complex element is its real and imaginary parts, in turn.
    case $(npy_signature "$1") in
    "<f4"* | "<c8"*) type=f4 ;;
    *) type=f8 ;;
    esac
    od -A n -v -t "$type" -j $((10 + len)) "$1" | tr -s ' ' '\n' | sed '/^$/d'
}

# npy_matches ACTUAL EXPECTED TOL [each]: same dtype and shape, and every
# value within TOL times the largest expected magnitude (at least 1), or with
# "each" within TOL times its own (probabilities far in a tail must be
# accurate to their own size). Prints why not.
npy_matches() {
    sig_a=$(npy_signature "$1")
    sig_e=$(npy_signature "$2")
    if [ "$sig_a" != "$sig_e" ]; then
        echo "dtype/shape '$sig_a', expected '$sig_e'"
        return 1
    fi
    npy_values "$1" >"$WORK/actual.txt"
    npy_values "$2" >"$WORK/expected.txt"
    paste "$WORK/actual.txt" "$WORK/expected.txt" | awk -v tol="$3" -v each="${4:-}" '
        function abs(x) { return x < 0 ? -x : x }
        { a[NR] = $1; e[NR] = $2; if (abs($2) > big) big = abs($2) }
        END {
            if (big < 1) big = 1
            for (i = 1; i <= NR; i++) {
                if (a[i] == "" || abs(a[i] - e[i]) > tol * (each ? abs(e[i]) : big)) {
                    printf "element %d is %s, expected %s\n", i - 1, a[i], e[i]
                    exit 1
                }
            }
        }'
}

# mknpy FILE DICT: a version 1.0 file with the given header dict, padded as
# NumPy pads it, followed by the bytes on stdin.
mknpy() {
    len=$((${#2} + 1))
    pad=$(((64 - (10 + len) % 64) % 64))
    hlen=$((len + pad))
    {
        printf '\223NUMPY\001\000'
        printf "\\$(printf %03o $((hlen % 256)))\\$(printf %03o $((hlen / 256)))"
        printf '%s%*s\n' "$2" "$pad" ''
        cat
    } >"$1"
}

# float32 bytes, little-endian, as printf escapes.
F4_ONE='\000\000\200\077'
F4_NAN='\000\000\300\177'
F4_INF='\000\000\200\177'

# npy_f4 FILE SHAPE DATA: a float32 file of the given shape and data escapes
# (which need not agree: lying headers are made this way too).
npy_f4() {
    printf "$3" | mknpy "$1" "{'descr': '<f4', 'fortran_order': False, 'shape': $2, }"
}

# ---- case runners ---------------------------------------------------------

# Outputs are named out.EXT in $WORK; their temporaries .out.EXT.XXXXXX.
no_leftovers() {
    for f in "$WORK"/.out.*; do
        if [ -e "$f" ]; then return 1; fi
    done
}

# ok NAME EXPECTED TOL COMMAND ARGS...: clconv COMMAND -o OUT ARGS succeeds
# silently and OUT matches expected/EXPECTED.npy.
ok() {
    name=$1 expected=$2 tol=$3 command=$4
    shift 4
    rm -f "$OUT"
    "$CLCONV" "$command" -o "$OUT" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
    rc=$?
    if [ $rc -ne 0 ]; then
        fail "$name" "exit code $rc"
    elif [ -s "$WORK/stderr" ] || [ -s "$WORK/stdout" ]; then
        fail "$name" "printed something on success"
    elif ! no_leftovers; then
        fail "$name" "temporary file left behind"
    elif ! why=$(npy_matches "$OUT" "$EXPECTED/$expected.npy" "$tol"); then
        fail "$name" "$why"
    else
        pass
    fi
}

# err NAME CODE MESSAGE ARGS...: clconv ARGS exits with CODE, prints exactly
# one line on stderr containing MESSAGE, and leaves neither OUT nor a
# temporary behind.
err() {
    name=$1 code=$2 message=$3
    shift 3
    rm -f "$WORK"/out.*
    "$CLCONV" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
    rc=$?
    lines=$(wc -l <"$WORK/stderr")
    if [ $rc -ne "$code" ]; then
        fail "$name" "exit code $rc, expected $code"
    elif [ "$lines" -ne 1 ]; then
        fail "$name" "$lines lines on stderr, expected 1"
    elif ! grep -qF -- "$message" "$WORK/stderr"; then
        fail "$name" "stderr lacks '$message'"
    elif ls "$WORK"/out.* >/dev/null 2>&1; then
        fail "$name" "output file left behind"
    elif ! no_leftovers; then
        fail "$name" "temporary file left behind"
    else
        pass
    fi
}

# ---- results against SciPy ------------------------------------------------

S=$DATA/sig.npy
K=$DATA/ker.npy
for mode in full same valid; do
    ok "conv1d $mode" conv1d_$mode 0 conv1d "$S" "$K" --mode $mode
    ok "conv1d kernel longer than signal, $mode" conv1d_long_$mode 0 \
        conv1d "$S" "$DATA/ker_long.npy" -m $mode
    ok "conv2d $mode" conv2d_$mode 0 conv2d "$DATA/img.npy" "$DATA/ker2.npy" --mode=$mode
done
ok "conv1d correlate" corr1d_same 0 conv1d "$S" "$K" --mode same --correlate
ok "conv1d correlate, long kernel" corr1d_long_valid 0 \
    conv1d --correlate "$S" "$DATA/ker_long.npy" --mode valid
ok "conv2d correlate" corr2d_same 0 conv2d "$DATA/img.npy" "$DATA/ker2.npy" -m same --correlate
ok "float64 inputs give float64" conv1d_f64_same 1e-12 \
    conv1d "$DATA/sig64.npy" "$DATA/ker64.npy" --mode same
ok "float64 inputs, --precision f32" conv1d_f64_as_f32_same 1e-5 \
    conv1d "$DATA/sig64.npy" "$DATA/ker64.npy" --mode same --precision f32
ok "int16 and uint8 inputs give float32" conv1d_int_full 0 \
    conv1d "$DATA/sig_i16.npy" "$DATA/ker_u8.npy"
# The integer signal travels to the device as it is, with or without
# --out-dtype, and a program built for its type converts it there (-v names
# the programs).
name="an int16 signal is converted on the device"
if "$CLCONV" conv1d "$DATA/sig_i16.npy" "$DATA/ker_u8.npy" -o "$OUT" -v >"$WORK/stdout" \
    2>"$WORK/stderr" && grep -q -- '-DIN_T=short' "$WORK/stderr"; then
    pass
else
    fail "$name" "no program converting int16 (-DIN_T=short) in -v's notes"
fi
# 64-bit integers are refused rather than converted: a float64 holds them
# exactly only up to 2^53.
err "int64 input" 1 "$DATA/sig_i64.npy: int64 (<i8) is not accepted, since its values need not fit a float64 exactly; inputs may be float32, float64, int8, int16, int32, uint8, uint16 or uint32" \
    conv1d "$DATA/sig_i64.npy" "$K" -p f64 -o "$OUT"
err "int64 kernel" 1 "$DATA/sig_i64.npy: int64 (<i8) is not accepted" \
    conv1d "$K" "$DATA/sig_i64.npy" -o "$OUT"
ok "conv1d --batch" conv1d_batch_same 0 conv1d --batch "$DATA/batch.npy" "$K" --mode same

# ---- complex64 and complex128 (.npy <c8, <c16), promoted as NumPy promotes --
CS=$DATA/c_sig.npy
CK=$DATA/c_ker.npy
for mode in full same valid; do
    ok "complex conv1d $mode" c_conv1d_$mode 1e-6 conv1d "$CS" "$CK" --mode $mode
done
ok "complex correlate conjugates the kernel" c_corr1d_same 1e-6 conv1d "$CS" "$CK" -m same \
    --correlate
ok "real signal, complex kernel" c_real_sig_complex_ker 1e-6 conv1d "$S" "$CK"
ok "real signal, complex kernel, correlate" c_real_sig_complex_ker_corr 1e-6 \
    conv1d "$S" "$CK" --correlate
ok "complex signal, real kernel" c_complex_sig_real_ker 1e-6 conv1d "$CS" "$K" -m same
ok "int16 signal, complex kernel" c_int16_sig_complex_ker 1e-6 conv1d "$DATA/sig_i16.npy" "$CK"
ok "complex64 with float64 is complex128" c_sig_f64_ker 1e-12 conv1d "$CS" "$DATA/ker64.npy"
ok "complex64 with complex128 is complex128" c_sig_c128_ker 1e-12 \
    conv1d "$CS" "$DATA/c_ker128.npy" -m same
ok "complex --method fft" c_conv1d_full 1e-5 conv1d "$CS" "$CK" --method fft
ok "complex correlate, boundary reflect (scipy.ndimage)" c_corr1d_reflect 1e-6 \
    conv1d "$CS" "$CK" --correlate --boundary reflect
ok "complex conv2d valid" c_conv2d_valid 1e-6 conv2d "$DATA/c_img.npy" "$DATA/c_ker2.npy" -m valid
ok "complex correlate2d full" c_corr2d_full 1e-6 conv2d "$DATA/c_img.npy" "$DATA/c_ker2.npy" \
    --correlate
ok "complex correlate2d, boundary reflect" c_corr2d_reflect 1e-6 \
    conv2d "$DATA/c_img.npy" "$DATA/c_ker2.npy" --correlate --boundary reflect
ok "complex image, real separable factors" c_conv2d_separable_real 1e-6 \
    conv2d "$DATA/c_img.npy" "$DATA/kcol.npy" "$DATA/krow.npy" --separable -m same
ok "complex image, complex separable factors" c_conv2d_separable_complex 1e-6 \
    conv2d "$DATA/c_img.npy" "$DATA/c_kcol.npy" "$DATA/c_krow.npy" --separable -m same
ok "complex conv3d same" c_conv3d_same 1e-6 conv3d "$DATA/c_vol.npy" "$DATA/c_ker3.npy" -m same
ok "complex conv3d, boundary constant, cval" c_conv3d_constant 1e-6 \
    conv3d "$DATA/c_vol.npy" "$DATA/c_ker3.npy" --boundary constant --cval 1.5
err "complex result as CSV" 1 "$WORK/out.csv: the result is complex64; CSV and text hold real numbers only (complex arrays go in .npy)" \
    conv1d "$CS" "$CK" -o "$WORK/out.csv"
err "complex result as text" 1 "CSV and text hold real numbers only" \
    conv1d "$S" "$CK" -o "$WORK/out.txt"
printf '1+2j,3\n' >"$WORK/complex.csv"
err "complex CSV input" 1 "$WORK/complex.csv: line 1, column 1: '1+2j' is complex; CSV and text hold real numbers only (complex arrays go in .npy)" \
    conv1d "$WORK/complex.csv" "$K" -o "$OUT"
err "complex kernel on an image" 1 "an image is real, and a complex kernel makes a complex result" \
    conv2d "$DATA/gray8.png" "$DATA/c_ker2.npy" -o "$OUT"
err "complex result as an image" 1 "images are real, and the result is complex64" \
    conv2d "$DATA/c_img.npy" sharpen -o "$WORK/out.png"
err "--out-dtype float32 of a complex job" 1 "--out-dtype float32: the result of complex inputs in float32 is complex64" \
    conv2d "$DATA/c_img.npy" "$DATA/ker2.npy" --out-dtype float32 -o "$OUT"
err "--out-dtype complex64 of a real job" 1 "--out-dtype complex64: complex results come from complex inputs" \
    conv2d "$DATA/img.npy" "$DATA/ker2.npy" --out-dtype complex64 -o "$OUT"
ok "conv2d --batch" conv2d_batch_same 0 conv2d -b "$DATA/imgs.npy" "$DATA/ker2.npy" -m same
ok "conv2d --separable" conv2d_separable_same 0 \
    conv2d "$DATA/img.npy" "$DATA/kcol.npy" "$DATA/krow.npy" --separable -m same
ok "conv2d float64" conv2d_f64_valid 1e-12 conv2d "$DATA/img64.npy" "$DATA/ker2_64.npy" -m valid
ok "Fortran-order input" conv2d_same 0 conv2d "$DATA/img_fortran.npy" "$DATA/ker2.npy" -m same
ok "version 2.0 header" conv1d_full 0 conv1d "$DATA/sig_v2.npy" "$K"
ok "--method direct" conv1d_same 0 conv1d "$S" "$K" --mode same --method direct
ok "options after --" conv1d_full 0 conv1d -- "$S" "$K"

# Until the FFT path exists the library refuses it; either way the command
# must give SciPy's answer or one clear line.
rm -f "$OUT"
if "$CLCONV" conv1d "$S" "$K" --method fft -o "$OUT" 2>"$WORK/stderr"; then
    if why=$(npy_matches "$OUT" "$EXPECTED/conv1d_full.npy" 1e-5); then pass; else
        fail "--method fft" "$why"
    fi
else
    err "--method fft refused" 1 "FFT" conv1d "$S" "$K" --method fft -o "$OUT"
fi

# A successful run replaces an existing output.
echo old >"$OUT"
"$CLCONV" conv1d "$S" "$K" -o "$OUT" 2>"$WORK/stderr"
if why=$(npy_matches "$OUT" "$EXPECTED/conv1d_full.npy" 0); then pass; else
    fail "replaces an existing output" "$why"
fi

# A failed run leaves an existing output untouched.
npy_f4 "$WORK/nan.npy" "(2,)" "$F4_ONE$F4_NAN"
echo old >"$OUT"
"$CLCONV" conv1d "$WORK/nan.npy" "$K" -o "$OUT" 2>"$WORK/stderr"
rc=$?
if [ $rc -eq 1 ] && [ "$(cat "$OUT")" = old ] && no_leftovers; then pass; else
    fail "failure keeps an existing output" "exit code $rc, output '$(head -c 20 "$OUT")'"
fi

# ---- boundary modes and axes against scipy.ndimage --------------------------

A3=$DATA/arr3.npy
IMG=$DATA/img.npy
for b in constant reflect mirror nearest wrap; do
    ok "conv1d --boundary $b" nd1d_$b 0 conv1d "$S" "$K" --boundary $b
    ok "conv2d --boundary $b" nd2d_$b 0 conv2d "$IMG" "$DATA/ker2.npy" --boundary $b
    for axis in 0 1 2; do
        ok "conv1d --axis $axis --boundary $b" nd_axis${axis}_$b 0 \
            conv1d "$A3" "$K" --axis $axis --boundary $b
    done
done
ok "--boundary constant --cval" nd1d_constant_cval 0 \
    conv1d "$S" "$K" --boundary constant --cval 2.5
ok "--boundary with --mode same" nd1d_reflect 0 conv1d "$S" "$K" --boundary reflect -m same
ok "--origin -2" nd1d_reflect_origin_m2 0 conv1d "$S" "$K" --boundary reflect --origin -2
ok "--origin 1" nd1d_wrap_origin_1 0 conv1d "$S" "$K" --boundary wrap --origin=1
ok "--boundary --correlate" nd1d_mirror_corr 0 conv1d "$S" "$K" --boundary mirror --correlate
ok "conv2d --origin R,C" nd2d_nearest_origin 0 \
    conv2d "$IMG" "$DATA/ker2.npy" --boundary nearest --origin 1,-2
ok "conv2d --cval" nd2d_constant_cval 0 conv2d "$IMG" "$DATA/ker2.npy" --boundary constant \
    --cval 2.5
ok "conv2d --separable --boundary" nd2d_separable_mirror 0 \
    conv2d "$IMG" "$DATA/kcol.npy" "$DATA/krow.npy" --separable --boundary mirror
ok "--axis 1 --cval --origin" nd_axis1_constant_cval_origin 0 \
    conv1d "$A3" "$K" --axis 1 --boundary constant --cval 2.5 --origin 1
ok "--axis 0 --correlate" nd_axis0_wrap_corr 0 conv1d "$A3" "$K" --axis 0 --boundary wrap \
    --correlate
ok "--axis -3 is --axis 0" nd_axis0_reflect 0 conv1d "$A3" "$K" --axis -3 --boundary reflect
ok "columns of an image" nd_img_axis0_reflect 0 \
    conv1d "$IMG" "$K" --axis 0 --boundary reflect --origin -1
ok "--batch --boundary" nd_batch_nearest 0 conv1d "$DATA/batch.npy" "$K" --batch \
    --boundary nearest
ok "--axis -1 is --batch" nd_batch_nearest 0 conv1d "$DATA/batch.npy" "$K" --axis -1 \
    --boundary nearest
ok "--axis 0 of a 1-D signal" nd1d_wrap 0 conv1d "$S" "$K" --axis 0 --boundary wrap
ok "--axis keeps a text column 2-D" nd_col_axis0_reflect 0 conv1d "$DATA/sig.csv" "$K" --axis 0 \
    --boundary reflect
ok "--axis 0 --mode full" axis0_full 0 conv1d "$A3" "$K" --axis 0 --mode full
ok "--axis 1 --mode valid" axis1_valid 0 conv1d "$A3" "$K" --axis 1 --mode valid
ok "--axis 2 --mode same" axis2_same 0 conv1d "$A3" "$K" --axis 2 --mode same
ok "--axis 0 --mode same" axis0_same 0 conv1d "$A3" "$K" --axis 0 -m same
ok "--axis 1, default mode full" axis1_full 0 conv1d "$A3" "$K" --axis 1
ok "--axis 0 of an image, same" img_axis0_same 0 conv1d "$IMG" "$K" --axis 0 -m same
ok "an image with --boundary reflect" gray8_gauss_reflect 1e-5 \
    conv2d "$DATA/gray8.png" gaussian:1 --boundary reflect
# Images keep zero padding (scipy.signal's same mode) unless --boundary says
# otherwise: the result of the blur above without --boundary is the darker
# edge of gray8_gauss_png.
rm -f "$WORK/out.png" "$WORK/out2.npy"
"$CLCONV" conv2d "$DATA/gray8.png" gaussian:1 -o "$WORK/out2.npy" 2>"$WORK/stderr"
if ! why=$(npy_matches "$WORK/out2.npy" "$EXPECTED/gray8_gauss_reflect.npy" 1e-5) &&
    [ -s "$WORK/out2.npy" ]; then pass; else
    fail "an image's default stays zero padding" "${why:-matched the reflect result}"
fi

npy_f4 "$WORK/four.npy" "(1, 1, 1, 2)" "$F4_ONE$F4_ONE"
err "unknown boundary mode" 2 \
    "--boundary must be constant, reflect, mirror, nearest or wrap, not 'zero'" \
    conv1d "$S" "$K" --boundary zero -o "$OUT"
err "--boundary with --mode full" 2 \
    "--boundary reflect keeps the input's shape, as scipy.ndimage does, so it cannot go with --mode full" \
    conv1d "$S" "$K" --boundary reflect --mode full -o "$OUT"
err "--boundary with --mode valid" 2 "so it cannot go with --mode valid" \
    conv2d "$IMG" "$DATA/ker2.npy" --mode valid --boundary wrap -o "$OUT"
err "--cval without --boundary" 2 "--cval is the value outside the input under --boundary constant" \
    conv1d "$S" "$K" --cval 1 -o "$OUT"
err "--origin without --boundary" 2 "--origin places the kernel under a --boundary mode" \
    conv2d "$IMG" "$DATA/ker2.npy" --origin 0,1 -o "$OUT"
err "--cval not a number" 2 "--cval must be a finite number, not 'inf'" \
    conv1d "$S" "$K" --boundary constant --cval inf -o "$OUT"
err "--origin R,C for conv1d" 2 "--origin must be an integer such as -1, not '1,0'" \
    conv1d "$S" "$K" --boundary reflect --origin 1,0 -o "$OUT"
err "--origin not R,C" 2 "--origin must be R,C (rows, columns) or one integer for both" \
    conv2d "$IMG" "$DATA/ker2.npy" --boundary reflect --origin 1,x -o "$OUT"
err "origin past the kernel's end" 1 \
    "ker.npy: --origin 2 lies outside the kernel's 4 taps; it must lie in -2 ... 1" \
    conv1d "$S" "$K" --boundary reflect --origin 2 -o "$OUT"
err "origin before the kernel's start" 1 "--origin -3 lies outside the kernel's 4 taps" \
    conv1d "$A3" "$K" --axis 1 --boundary reflect --origin -3 -o "$OUT"
err "column origin outside a 2-D kernel" 1 \
    "ker2.npy: --origin 0,2: the column origin 2 lies outside the kernel's 4 columns; it must lie in -2 ... 1" \
    conv2d "$IMG" "$DATA/ker2.npy" --boundary reflect --origin 0,2 -o "$OUT"
err "row origin outside a preset" 1 "box:3: --origin -2,-2: the row origin -2 lies outside" \
    conv2d "$IMG" box:3 --boundary reflect --origin -2 -o "$OUT"
err "axis out of range" 1 \
    "arr3.npy: --axis 3 is out of range for a 3-D array (shape (5, 4, 6)): it must lie in -3 ... 2" \
    conv1d "$A3" "$K" --axis 3 -o "$OUT"
err "negative axis out of range" 1 "img.npy: --axis -3 is out of range for a 2-D array" \
    conv1d "$IMG" "$K" --axis -3 -o "$OUT"
err "4-D input" 1 "four.npy: --axis takes an array of 1 to 3 dimensions, got shape (1, 1, 1, 2)" \
    conv1d "$WORK/four.npy" "$K" --axis 0 -o "$OUT"
err "3-D input without --axis" 1 "arr3.npy: expected a 1-D array, got shape (5, 4, 6)" \
    conv1d "$A3" "$K" -o "$OUT"
err "valid mode along a short axis" 1 \
    "arr3.npy: --mode valid along --axis 0 needs at least the kernel's 15 samples" \
    conv1d "$A3" "$DATA/ker_long.npy" --axis 0 --mode valid -o "$OUT"
err "--axis not a number" 2 "--axis must be an integer such as 0 or -1, not 'rows'" \
    conv1d "$A3" "$K" --axis rows -o "$OUT"
err "--axis and --batch" 2 "give --axis or --batch, not both (--batch is --axis -1" \
    conv1d "$DATA/batch.npy" "$K" --axis 1 --batch -o "$OUT"
err "--axis with conv2d" 2 "unknown option '--axis'" conv2d "$IMG" "$DATA/ker2.npy" --axis 0 \
    -o "$OUT"

# ---- conv3d against scipy.signal and scipy.ndimage ---------------------------

V=$DATA/vol.npy
K3=$DATA/ker3.npy
KB=$DATA/ker3_big.npy
for mode in full same valid; do
    ok "conv3d $mode" conv3d_$mode 0 conv3d "$V" "$K3" --mode $mode
    ok "conv3d kernel larger than the volume, $mode" conv3d_big_$mode 0 conv3d "$V" "$KB" -m $mode
done
for b in constant reflect mirror nearest wrap; do
    ok "conv3d --boundary $b" nd3d_$b 0 conv3d "$V" "$K3" --boundary $b
done
ok "conv3d --correlate" corr3d_same 0 conv3d "$V" "$K3" -m same --correlate
ok "conv3d float64" conv3d_f64_valid 1e-12 conv3d "$DATA/vol64.npy" "$DATA/ker3_64.npy" -m valid
ok "conv3d --method direct" conv3d_full 0 conv3d "$V" "$K3" --method direct
ok "conv3d --method fft" conv3d_full 1e-5 conv3d "$V" "$K3" --method fft
ok "conv3d --batch" conv3d_batch_same 0 conv3d -b "$DATA/vols.npy" "$K3" -m same
ok "conv3d --separable" conv3d_separable_same 0 \
    conv3d "$V" "$DATA/kz.npy" "$DATA/ky.npy" "$DATA/kx.npy" --separable -m same
ok "conv3d raw input" conv3d_same 0 conv3d "$DATA/vol_i16.raw" "$K3" --shape 6x7x5 --dtype i16 \
    -m same
ok "conv3d --cval" nd3d_constant_cval 0 conv3d "$V" "$K3" --boundary constant --cval 2.5
ok "conv3d --origin D,R,C" nd3d_nearest_origin 0 conv3d "$V" "$K3" --boundary nearest \
    --origin 1,-1,0
ok "conv3d --boundary --correlate" nd3d_mirror_corr 0 conv3d "$V" "$K3" --boundary mirror \
    --correlate
ok "conv3d --boundary, kernel larger than the volume" nd3d_big_reflect 0 \
    conv3d "$V" "$KB" --boundary reflect
ok "conv3d --separable --boundary" nd3d_separable_wrap 0 \
    conv3d "$V" "$DATA/kz.npy" "$DATA/ky.npy" "$DATA/kx.npy" --separable --boundary wrap
ok "conv3d --batch --boundary" nd3d_batch_nearest 0 conv3d "$DATA/vols.npy" "$K3" --batch \
    --boundary nearest
ok "conv3d preset gaussian:1" preset3d_gaussian1 1e-6 conv3d "$V" gaussian:1 -m same
ok "conv3d preset box:3 --boundary" preset3d_box3_reflect 1e-6 conv3d "$V" box:3 \
    --boundary reflect
ok "conv3d separable factors as presets" preset3d_box3_reflect 1e-6 \
    conv3d "$V" box:3 box:3 box:3 --separable --boundary reflect

err "conv3d: a 4-D volume without --batch" 1 \
    "vols.npy: expected a 3-D array, got shape (2, 4, 5, 3) (use --batch for a stack of volumes)" \
    conv3d "$DATA/vols.npy" "$K3" -o "$OUT"
err "conv3d: a 3-D volume with --batch" 1 \
    "vol.npy: expected a 4-D array, got shape (6, 7, 5) (--batch: a stack of volumes)" \
    conv3d "$V" "$K3" --batch -o "$OUT"
err "conv3d: a 2-D kernel" 1 "ker2.npy: expected a 3-D array, got shape (3, 4)" \
    conv3d "$V" "$DATA/ker2.npy" -o "$OUT"
err "conv3d: origin outside the kernel" 1 \
    "ker3.npy: --origin 0,1,0: the row origin 1 lies outside the kernel's 2 rows; it must lie in -1 ... 0" \
    conv3d "$V" "$K3" --boundary reflect --origin 0,1,0 -o "$OUT"
err "conv3d: depth origin outside a preset" 1 \
    "box:3: --origin -2,-2,-2: the depth origin -2 lies outside the kernel's 3 planes" \
    conv3d "$V" box:3 --boundary reflect --origin -2 -o "$OUT"
err "conv3d: --boundary with --mode full" 2 \
    "--boundary nearest keeps the input's shape, as scipy.ndimage does, so it cannot go with --mode full" \
    conv3d "$V" "$K3" --boundary nearest --mode full -o "$OUT"
err "conv3d: --origin R,C" 2 \
    "--origin must be D,R,C (planes, rows, columns) or one integer for all three, such as 0,-1,1, not '1,0'" \
    conv3d "$V" "$K3" --boundary reflect --origin 1,0 -o "$OUT"
err "conv3d: --origin without --boundary" 2 "--origin places the kernel under a --boundary mode" \
    conv3d "$V" "$K3" --origin 0,0,1 -o "$OUT"
err "conv3d: a CSV volume" 1 \
    "img.csv: text holds 1-D or 2-D arrays, but a 3-D array is wanted here (use .npy)" \
    conv3d "$DATA/img.csv" "$K3" -o "$OUT"
err "conv3d: CSV output" 2 "an array result is 3-D; text output ('$WORK/out.csv') holds 1-D or 2-D arrays" \
    conv3d "$V" "$K3" -o "$WORK/out.csv"
err "conv3d: --format csv" 2 "--format must be npy or raw, not 'csv'" \
    conv3d "$V" "$K3" --format csv -o "$OUT"
err "conv3d: an image" 2 "images are for conv2d, not '$DATA/gray8.png'" \
    conv3d "$DATA/gray8.png" "$K3" -o "$OUT"
err "conv3d: image output" 2 "image output ('$WORK/out.png') is for conv2d" \
    conv3d "$V" "$K3" -o "$WORK/out.png"
err "conv3d: a 2-D preset" 1 "preset 'sobel-x' is 2-D; 3-D kernels: gaussian:SIGMA, box:N" \
    conv3d "$V" sobel-x -o "$OUT"
err "conv3d: missing KROW" 2 "missing KROW" \
    conv3d "$V" "$DATA/kz.npy" "$DATA/ky.npy" --separable -o "$OUT"
err "conv3d: --axis" 2 "unknown option '--axis'" conv3d "$V" "$K3" --axis 0 -o "$OUT"
err "conv3d: --normalize" 2 "unknown option '--normalize'" conv3d "$V" "$K3" --normalize -o "$OUT"
err "conv3d: --separable --method fft" 1 "clconv: conv3d: " \
    conv3d "$V" "$DATA/kz.npy" "$DATA/ky.npy" "$DATA/kx.npy" --separable --method fft -o "$OUT"

# ---- inputs that must be refused -------------------------------------------

npy_f4 "$WORK/inf2d.npy" "(1, 2)" "$F4_ONE$F4_INF"
npy_f4 "$WORK/empty.npy" "(0,)" ""
npy_f4 "$WORK/lying.npy" "(100,)" "$F4_ONE"
npy_f4 "$WORK/huge.npy" "(18446744073709551615, 2)" "$F4_ONE"
npy_f4 "$WORK/tall.npy" "(8, 3)" "$(for _ in $(seq 24); do printf '%s' "$F4_ONE"; done)"
printf "$F4_ONE" | mknpy "$WORK/be.npy" "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }"
printf "$F4_ONE$F4_ONE" |
    mknpy "$WORK/complex.npy" "{'descr': '<c32', 'fortran_order': False, 'shape': (1,), }"
printf '\001' | mknpy "$WORK/bool.npy" "{'descr': '|b1', 'fortran_order': False, 'shape': (1,), }"
printf "$F4_ONE" | mknpy "$WORK/struct.npy" \
    "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"
printf "$F4_ONE" | mknpy "$WORK/nokey.npy" "{'descr': '<f4', 'shape': (1,), }"
printf "$F4_ONE" | mknpy "$WORK/nocolon.npy" "{'descr' '<f4', 'fortran_order': False}"
printf "$F4_ONE" | mknpy "$WORK/extrakey.npy" \
    "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}"
printf "$F4_ONE" | mknpy "$WORK/twice.npy" \
    "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}"
printf '\000\000\000\000\000\000\360\177' |
    mknpy "$WORK/inf64.npy" "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }"
# 1e300 as float64: finite, but beyond float32.
printf '\234\165\000\210\074\344\067\176' |
    mknpy "$WORK/big64.npy" "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }"
{ printf '\223NUMPY\004\000\000\000'; } >"$WORK/version4.npy"
echo "signal,1,2,3" >"$WORK/text.npy"
: >"$WORK/zero.npy"
head -c 40 "$S" >"$WORK/short_header.npy"
head -c $(($(wc -c <"$S") - 3)) "$S" >"$WORK/short_data.npy"
{ cat "$S"; printf 'xyz'; } >"$WORK/trailing.npy"

err "missing file" 1 "nope.npy: cannot open: No such file or directory" \
    conv1d "$WORK/nope.npy" "$K" -o "$OUT"
err "missing kernel file" 1 "nope.npy: cannot open" conv1d "$S" "$WORK/nope.npy" -o "$OUT"
err "directory as input" 1 "$WORK: is a directory" conv1d "$WORK" "$K" -o "$OUT"
err "not a .npy file" 1 "text.npy: not a .npy file (bad magic)" \
    conv1d "$WORK/text.npy" "$K" -o "$OUT"
err "empty file" 1 "zero.npy: empty file" conv1d "$WORK/zero.npy" "$K" -o "$OUT"
err "header cut short" 1 "short_header.npy: truncated .npy file" \
    conv1d "$WORK/short_header.npy" "$K" -o "$OUT"
err "data cut short" 1 "short_data.npy: truncated .npy file" \
    conv1d "$WORK/short_data.npy" "$K" -o "$OUT"
err "header promises more data" 1 \
    "lying.npy: truncated .npy file (shape (100,) of '<f4' needs 400" \
    conv1d "$WORK/lying.npy" "$K" -o "$OUT"
err "trailing bytes" 1 "trailing.npy: 3 unexpected bytes after the data" \
    conv1d "$WORK/trailing.npy" "$K" -o "$OUT"
err "overflowing shape" 1 "huge.npy: shape too large" \
    conv2d "$WORK/huge.npy" "$DATA/ker2.npy" -o "$OUT"
err "unknown format version" 1 "version4.npy: unsupported .npy format version 4.0" \
    conv1d "$WORK/version4.npy" "$K" -o "$OUT"
err "missing header key" 1 "nokey.npy: malformed .npy header: no 'fortran_order' key" \
    conv1d "$WORK/nokey.npy" "$K" -o "$OUT"
err "malformed header" 1 "nocolon.npy: malformed .npy header: expected ':'" \
    conv1d "$WORK/nocolon.npy" "$K" -o "$OUT"
err "unexpected header key" 1 "extrakey.npy: malformed .npy header: unexpected key 'x'" \
    conv1d "$WORK/extrakey.npy" "$K" -o "$OUT"
err "repeated header key" 1 "twice.npy: malformed .npy header: key 'descr' given twice" \
    conv1d "$WORK/twice.npy" "$K" -o "$OUT"
err "big-endian" 1 "be.npy: big-endian dtype '>f4' is not supported" \
    conv1d "$WORK/be.npy" "$K" -o "$OUT"
err "complex256 dtype" 1 "complex.npy: unsupported dtype '<c32'" \
    conv1d "$WORK/complex.npy" "$K" -o "$OUT"
err "bool dtype" 1 "bool.npy: unsupported dtype '|b1'" conv1d "$S" "$WORK/bool.npy" -o "$OUT"
err "structured dtype" 1 "struct.npy: structured dtypes are not supported" \
    conv1d "$WORK/struct.npy" "$K" -o "$OUT"
err "rank 2 for conv1d" 1 "img.npy: expected a 1-D array, got shape (7, 9) (use --batch" \
    conv1d "$DATA/img.npy" "$K" -o "$OUT"
err "rank 2 kernel for conv1d" 1 "img.npy: expected a 1-D array, got shape (7, 9)" \
    conv1d "$S" "$DATA/img.npy" -o "$OUT"
err "rank 1 for conv2d" 1 "sig.npy: expected a 2-D array, got shape (11,)" \
    conv2d "$S" "$DATA/ker2.npy" -o "$OUT"
err "rank 1 with --batch" 1 \
    "sig.npy: expected a 2-D array, got shape (11,) (--batch: one signal per row)" \
    conv1d --batch "$S" "$K" -o "$OUT"
err "rank 2 separable kernel" 1 "ker2.npy: expected a 1-D array" \
    conv2d "$DATA/img.npy" "$DATA/ker2.npy" "$DATA/krow.npy" --separable -o "$OUT"
err "empty array" 1 "empty.npy: empty array (shape (0,))" conv1d "$S" "$WORK/empty.npy" -o "$OUT"
err "NaN" 1 "nan.npy: element (1,) is NaN (inputs must be finite)" \
    conv1d "$WORK/nan.npy" "$K" -o "$OUT"
err "infinity" 1 "inf2d.npy: element (0, 1) is +Inf (inputs must be finite)" \
    conv2d "$DATA/img.npy" "$WORK/inf2d.npy" -o "$OUT"
err "float64 infinity" 1 "inf64.npy: element (0,) is +Inf" conv1d "$S" "$WORK/inf64.npy" -o "$OUT"
err "beyond float32" 1 "big64.npy: value 1e+300 exceeds the float32 range" \
    conv1d "$S" "$WORK/big64.npy" -o "$OUT"
err "valid mode, neither input larger" 1 "clconv: conv2d: invalid argument" \
    conv2d "$DATA/img.npy" "$WORK/tall.npy" --mode valid -o "$OUT"
err "unknown device" 1 "clconv: cannot open the OpenCL device" \
    conv1d "$S" "$K" --device no-such-device-anywhere -o "$OUT"
err "output directory missing" 1 "nodir/out.npy: cannot create: No such file or directory" \
    conv1d "$S" "$K" -o "$WORK/nodir/out.npy"

# ---- command-line mistakes (exit code 2) -----------------------------------

err "no command" 2 "Usage: clconv"
err "unknown command" 2 "unknown command 'convolve'" convolve "$S" "$K" -o "$OUT"
err "unknown option" 2 "clconv conv1d: unknown option '--speed'" \
    conv1d "$S" "$K" --speed -o "$OUT"
err "unknown short option" 2 "unknown option '-x'" conv1d "$S" "$K" -x -o "$OUT"
err "missing -o" 2 "missing -o OUT" conv1d "$S" "$K"
err "missing kernel" 2 "missing KERNEL" conv1d "$S" -o "$OUT"
err "missing KROW" 2 "missing KROW" conv2d "$DATA/img.npy" "$DATA/kcol.npy" --separable -o "$OUT"
err "extra argument" 2 "unexpected argument" conv1d "$S" "$K" "$K" -o "$OUT"
err "bad mode" 2 "--mode must be full, same or valid, not 'middle'" \
    conv1d "$S" "$K" --mode middle -o "$OUT"
err "bad method" 2 "--method must be auto, direct or fft" conv1d "$S" "$K" --method best -o "$OUT"
err "bad precision" 2 "--precision must be f32 or f64, not 'f16'" conv1d "$S" "$K" -p f16 -o "$OUT"
err "option without its value" 2 "option '--mode' needs a value" \
    conv1d "$S" "$K" -o "$OUT" --mode
err "flag given a value" 2 "option '--batch' takes no value" conv1d "$S" "$K" --batch=yes -o "$OUT"
err "--separable for conv1d" 2 "unknown option '--separable'" conv1d "$S" "$K" --separable -o "$OUT"
err "devices takes no argument" 2 "unexpected argument 'all'" devices all
err "bench option" 2 "clconv bench: unknown option '--slow'" bench --slow
err "bench JSON in a missing directory" 1 "nodir/b.json: cannot create" \
    bench --json "$WORK/nodir/b.json"
err "bench: unknown --grid" 2 "clconv bench: --grid must be direct, fft, dist, 3d, all or limits, not 'none'" \
    bench --grid none
err "bench: bad --volume" 2 "--volume must be a whole number from 1 to 2048, not '2.5'" \
    bench --volume 2.5
err "bench: --volume 0" 2 "--volume must be a whole number from 1 to 2048, not '0'" \
    bench --volume 0
err "bench: --device with --all-devices" 2 "--device and --all-devices exclude each other" \
    bench --all-devices --device 0
err "bench: --json and --csv the same file" 2 "--json and --csv name the same file" \
    bench --json "$OUT" --csv "$OUT"
err "bench: bad --direct-limit" 2 "--direct-limit must be a number of GFLOP" \
    bench --direct-limit -3
# The JSON's temporary is open when the CSV fails, and must go with it.
err "bench: CSV in a missing directory" 1 "nodir/b.csv: cannot create" \
    bench --json "$OUT" --csv "$WORK/nodir/b.csv"


# ---- clconv dist ------------------------------------------------------------
#
# dist prints its result, so its runs are checked in two steps: dist_ok runs
# it, then each check looks at what it printed (or wrote with -o).

# dist_ok NAME ARGS...: clconv dist ARGS succeeds with nothing on stderr and
# no temporary left behind. Its stdout stays in $WORK/stdout, and NAME names
# the checks that follow.
dist_ok() {
    name=$1
    shift
    conv_ok "$name" dist "$@"
}

# conv_ok NAME COMMAND ARGS...: the same for any clconv COMMAND.
conv_ok() {
    name=$1
    shift
    rm -f "$WORK"/out.*
    "$CLCONV" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
    rc=$?
    if [ $rc -ne 0 ]; then
        fail "$name" "exit code $rc"
    elif [ -s "$WORK/stderr" ]; then
        fail "$name" "printed on stderr"
    elif ! no_leftovers; then
        fail "$name" "temporary file left behind"
    else
        pass
        return 0
    fi
    return 1
}

# check COMMAND ARGS...: records, under the last dist_ok's NAME, whether
# COMMAND ARGS (which prints why not) succeeds, and returns its status.
check() {
    if why=$("$@"); then
        pass
    else
        fail "$name" "$why"
        return 1
    fi
}

# csv_matches ACTUAL EXPECTED TOL: ACTUAL has the rows of EXPECTED, whose
# columns (the first few of ACTUAL's, header included) agree to TOL times
# each expected magnitude.
csv_matches() {
    awk -F , -v tol="$3" '
        function abs(x) { return x < 0 ? -x : x }
        NR == FNR { want[FNR] = $0; rows = FNR; next }
        { got[FNR] = $0; n = FNR }
        END {
            if (n != rows) {
                printf "%d lines, expected %d\n", n, rows
                exit 1
            }
            k = split(want[1], head, ",")
            split(got[1], a, ",")
            for (j = 1; j <= k; j++) {
                if (a[j] != head[j]) {
                    printf "header \"%s\", expected \"%s\"\n", got[1], want[1]
                    exit 1
                }
            }
            for (r = 2; r <= rows; r++) {
                split(want[r], e, ",")
                split(got[r], a, ",")
                for (j = 1; j <= k; j++) {
                    if (a[j] == "" || abs(a[j] - e[j]) > tol * abs(e[j])) {
                        printf "%s on line %d is %s, expected %s\n", head[j], r, a[j], e[j]
                        exit 1
                    }
                }
            }
        }' "$2" "$1"
}

# grep_in FILE PATTERN: some line of FILE matches the extended regex PATTERN.
grep_in() {
    if ! grep -Eq -- "$2" "$1"; then echo "no line matches '$2'"; return 1; fi
}

# json_valid FILE: the JSON object clconv prints, one member a line: each a
# "key": value with a comma but the last, values made of numbers, strings,
# true, false, null, arrays and objects, brackets balanced. (No JSON parser
# is assumed on the test machine.)
json_valid() {
    awk '
        function bad(i, why) {
            printf "line %d: %s: %s%s\n", i, why, substr(line[i], 1, 60),
                length(line[i]) > 60 ? "..." : ""
            exit 1
        }
        { line[NR] = $0 }
        END {
            if (line[1] != "{") bad(1, "the object does not open")
            if (line[NR] != "}") bad(NR, "the object does not close")
            if (NR < 3) bad(NR, "no members")
            for (i = 2; i < NR; i++) {
                if (line[i] !~ /^  "[a-z_]+": /) bad(i, "not a member")
                if ((i < NR - 1) != (line[i] ~ /,$/)) bad(i, "a comma is missing or too many")
                v = line[i]
                sub(/^  "[a-z_]+": /, "", v)
                sub(/,$/, "", v)
                if (gsub(/[[{]/, " ", v) != gsub(/[]}]/, " ", v)) bad(i, "unbalanced brackets")
                gsub(/"[^"]*": /, "", v)
                n = split(v, tok, /[ ,]+/)
                for (k = 1; k <= n; k++) {
                    if (tok[k] == "") continue
                    if (tok[k] !~ /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$/ &&
                        tok[k] !~ /^("[^"]*"|true|false|null)$/)
                        bad(i, "\"" tok[k] "\" is not a JSON value")
                }
            }
        }' "$1"
}

# json_field FILE KEY: the value of a member, as printed.
json_field() {
    sed -n "s/^  \"$2\": \\(.*\\)/\\1/p" "$1" | sed 's/,$//'
}

# json_near FILE KEY EXPECTED TOL: a numeric member within TOL times
# max(|EXPECTED|, 1) of EXPECTED.
json_near() {
    v=$(json_field "$1" "$2")
    if ! awk -v a="$v" -v e="$3" -v tol="$4" 'BEGIN {
        d = a - e; m = e < 0 ? -e : e; if (m < 1) m = 1
        exit !(a != "" && (d < 0 ? -d : d) <= tol * m) }'; then
        echo "\"$2\" is '$v', expected $3"
        return 1
    fi
}

# json_csv FILE: the offset, probabilities and cdf of a 1-D result as the CSV
# that --format csv prints.
json_csv() {
    offset=$(json_field "$1" offset)
    json_field "$1" probabilities | tr -d '[] ' | tr , '\n' >"$WORK/p.txt"
    json_field "$1" cdf | tr -d '[] ' | tr , '\n' >"$WORK/c.txt"
    echo value,probability,cdf
    paste -d , "$WORK/p.txt" "$WORK/c.txt" | awk -v o="$offset" '{ print o + NR - 1 "," $0 }'
}

# json_matches_csv FILE EXPECTED TOL: json_csv FILE matches EXPECTED.
json_matches_csv() {
    json_csv "$1" >"$WORK/json.csv"
    csv_matches "$WORK/json.csv" "$2" "$3"
}

# Two loaded dice: P(X+Y=4) = 0.1*0.3 + 0.2*0.05 + 0.3*0.25.
X=1:0.1,0.2,0.3,0.1,0.2,0.1
Y=1:0.25,0.05,0.3,0.1,0.2,0.1
DICE=$EXPECTED/dist_dice.csv
# The row of 4 is checked on its own too: 0.115 to the last digit or two.
dist_ok "two loaded dice, csv" "$X" "$Y" --format csv &&
    check csv_matches "$WORK/stdout" "$DICE" 1e-14 &&
    check grep_in "$WORK/stdout" '^value,probability,cdf,sf,logpmf$' &&
    check grep_in "$WORK/stdout" '^4,0\.11(4999999999999|5000000000000)'
# The moments: mean(X+Y) = mean X + mean Y = 3.4 + 3.25 and var(X+Y) =
# var X + var Y = 2.24 + 2.7875.
dist_ok "two loaded dice, json" "$X" "$Y" --format json &&
    check json_valid "$WORK/stdout" &&
    check json_matches_csv "$WORK/stdout" "$DICE" 1e-14 &&
    check grep_in "$WORK/stdout" '^  "quantiles": \{"0\.01": 2, .*"0\.5": 7, ' &&
    check json_near "$WORK/stdout" variables 2 0 &&
    check json_near "$WORK/stdout" total 1 1e-15 &&
    check json_near "$WORK/stdout" min 2 0 &&
    check json_near "$WORK/stdout" max 12 0 &&
    check json_near "$WORK/stdout" mean 6.65 1e-14 &&
    check json_near "$WORK/stdout" variance 5.0275 1e-14 &&
    check json_near "$WORK/stdout" sd 2.2422087324778666 1e-14
dist_ok "two loaded dice, table" "$X" "$Y" &&
    check grep_in "$WORK/stdout" '^Sum of 2 independent variables \(discrete, method direct\)$' &&
    check grep_in "$WORK/stdout" '^support 2\.\.12 \(11 values\)$' &&
    check grep_in "$WORK/stdout" '^mean 6\.65  sd 2\.242208732  variance 5\.0275  ' &&
    check grep_in "$WORK/stdout" '^ +4  0\.115  +0\.195000 '
dist_ok "-o writes the probabilities" "$X" "$Y" --format csv -o "$OUT" &&
    check npy_matches "$OUT" "$EXPECTED/dist_dice.npy" 1e-14 each
printf '0.1, 0.2, 0.3\n0.1 0.2\t0.1\n' >"$WORK/die.csv"
dist_ok "a .csv spec with an offset" "1:$WORK/die.csv" "$Y" --format csv &&
    check csv_matches "$WORK/stdout" "$DICE" 1e-14
dist_ok "a .npy spec with an offset" "1:$DATA/loaded_die.npy" "$Y" --format csv &&
    check csv_matches "$WORK/stdout" "$DICE" 1e-14
dist_ok "--normalize" 1:1,2,3,1,2,1 1:5,1,6,2,4,2 --normalize --format csv &&
    check csv_matches "$WORK/stdout" "$DICE" 1e-14

# Offsets, negative ones included (a spec that starts with '-' is no option).
printf 'value,probability,cdf\n2,0.125,0.125\n3,0.5,0.625\n4,0.375,1\n' >"$WORK/offsets.csv"
dist_ok "offsets" -3:0.5,0.5 5:0.25,0.75 --format csv &&
    check csv_matches "$WORK/stdout" "$WORK/offsets.csv" 1e-15

# Dice: 3d6 has the counts 1, 3, 6, ... of 216 on 3..18.
echo "1 3 6 10 15 21 25 27 27 25 21 15 10 6 3 1" | tr ' ' '\n' | awk '
    BEGIN { print "value,probability,cdf" }
    { c += $1; printf "%d,%.17g,%.17g\n", NR + 2, $1 / 216, c / 216 }' >"$WORK/3d6.csv"
for spec in "3d6" "d6 --times 3" "1d6 1d6 d6" "2d6 1:1,1,1,1,1,1 --normalize"; do
    # shellcheck disable=SC2086 # the spec is meant to split
    dist_ok "dice: $spec" $spec --format csv &&
        check csv_matches "$WORK/stdout" "$WORK/3d6.csv" 1e-14
done

# --times N is N copies summed, and keeps the identities for large N.
dist_ok "three copies of a loaded die" "$X" "$X" "$X" --format csv &&
    cp "$WORK/stdout" "$WORK/x3.csv" &&
    dist_ok "--times 3" "$X" --times 3 --format csv &&
    check csv_matches "$WORK/stdout" "$WORK/x3.csv" 1e-13
dist_ok "--times 1000" "$X" "$Y" --times 1000 --format json &&
    check json_valid "$WORK/stdout" &&
    check json_near "$WORK/stdout" offset 2000 0 &&
    check json_near "$WORK/stdout" variables 2000 0 &&
    check json_near "$WORK/stdout" total 1 1e-12 &&
    check json_near "$WORK/stdout" mean 6650 1e-12 &&
    check json_near "$WORK/stdout" variance 5027.5 1e-9
# --method fft: the same sum, no negative entry, the clamped mass reported,
# moments to float64 rounding of the largest entry.
dist_ok "--times 1000 --method fft" "$X" "$Y" --times 1000 --method fft --format json &&
    check json_valid "$WORK/stdout" &&
    check grep_in "$WORK/stdout" '^  "method": "fft",$' &&
    check grep_in "$WORK/stdout" '^  "clamped_mass": [0-9]' &&
    check json_near "$WORK/stdout" total 1 1e-12 &&
    check json_near "$WORK/stdout" mean 6650 1e-9 &&
    check json_near "$WORK/stdout" variance 5027.5 1e-6 &&
    check json_near "$WORK/stdout" clamped_mass 0 1e-12 &&
    if grep -E '^  "probabilities": ' "$WORK/stdout" | grep -q -- '[[ ]-[0-9]'; then
        fail "--times 1000 --method fft" "a negative probability"
    fi

# A Poisson-binomial of 24 Bernoulli rows, whose tails fall to 1e-20: every
# probability to a relative 1e-9, mean sum p and variance sum p (1 - p).
npy_values "$DATA/bernoulli.npy" | awk '
    NR % 2 == 0 { m += $1; v += $1 * (1 - $1) }
    END { printf "%.17g %.17g\n", m, v }' >"$WORK/moments.txt"
read -r pb_mean pb_var <"$WORK/moments.txt"
dist_ok "--rows: Poisson-binomial" --rows "$DATA/bernoulli.npy" --format json -o "$OUT" &&
    check npy_matches "$OUT" "$EXPECTED/dist_poisson_binomial.npy" 1e-9 each &&
    check json_valid "$WORK/stdout" &&
    check json_near "$WORK/stdout" variables 24 0 &&
    check json_near "$WORK/stdout" offset 0 0 &&
    check json_near "$WORK/stdout" mean "$pb_mean" 1e-12 &&
    check json_near "$WORK/stdout" variance "$pb_var" 1e-12

# Densities: two uniform densities on [0, 1) sampled at step 0.1 sum to a
# triangle peaking at 1; offsets are positions on the grid.
ONES=1,1,1,1,1,1,1,1,1,1
awk 'BEGIN {
    print "value,density"
    for (i = 0; i <= 18; i++) printf "%.17g,%.17g\n", i * 0.1, 0.1 * (i < 10 ? i + 1 : 19 - i)
}' >"$WORK/triangle.csv"
dist_ok "--density: triangle" $ONES $ONES --density 0.1 --format csv &&
    check csv_matches "$WORK/stdout" "$WORK/triangle.csv" 1e-14
dist_ok "--density with offsets" 0.3:$ONES -0.5:$ONES --density 0.1 --format json &&
    check json_valid "$WORK/stdout" &&
    check grep_in "$WORK/stdout" '^  "density": true,$' &&
    check json_near "$WORK/stdout" offset -2 0 &&
    check json_near "$WORK/stdout" min -0.2 1e-14 &&
    check json_near "$WORK/stdout" mean 0.7 1e-14 &&
    check json_near "$WORK/stdout" variance 0.165 1e-14 &&
    check grep_in "$WORK/stdout" '^  "densities": \[0\.1000000000000000., 0\.2000'

# --trim drops the tails below EPS and reports the probability dropped; the
# CDF still counts the dropped lower tail (value 3, 1/216), so it stays P(X <= x).
awk -F , 'NR == 1 { print } NR == 2 { c = $2 } NR > 2 && NR < 17 { c += $2; printf "%s,%s,%.17g\n", $1, $2, c }' \
    "$WORK/3d6.csv" >"$WORK/3d6_trimmed.csv"
dist_ok "--trim, json" 3d6 --trim 0.01 --format json &&
    check json_matches_csv "$WORK/stdout" "$WORK/3d6_trimmed.csv" 1e-14 &&
    check json_near "$WORK/stdout" trimmed_mass 0.009259259259259259 1e-15
dist_ok "--trim, table" 3d6 --trim 0.01 &&
    check grep_in "$WORK/stdout" '^total probability 0\.99.*; trimmed: 0\.00926$'
name="--trim, csv"
if "$CLCONV" dist 3d6 --trim 0.01 --format csv >"$WORK/stdout" 2>"$WORK/stderr" &&
    [ "$(cat "$WORK/stderr")" = "clconv dist: --trim dropped probability 0.00926" ]; then
    check csv_matches "$WORK/stdout" "$WORK/3d6_trimmed.csv" 1e-14
else
    fail "$name" "exit code or stderr"
fi

# ---- logarithms, survival function, compound sums, density rules ---------
#
# References below that are not exact rationals were computed once with
# Python's big integers and mpmath (40 digits) and pasted here:
#   1000d6: P(S = s) = ways(s) / 6^1000, ways by inclusion-exclusion,
#     sum_k (-1)^k C(1000, k) C(s - 1000 - 6k + 999, 999); log with mpmath;
#   Gamma(100, 1): sf(200) = mpmath.gammainc(100, 200, inf, regularized=True).

# csv_col FILE VALUE COLUMN: the COLUMN-th field of the row of VALUE.
csv_col() {
    awk -F , -v v="$2" -v c="$3" 'NR > 1 && $1 == v { print $c; exit }' "$1"
}

# near NAME ACTUAL EXPECTED TOL [rel]: |ACTUAL - EXPECTED| <= TOL (times
# |EXPECTED| with rel); prints why not.
near() {
    if ! awk -v a="$2" -v e="$3" -v tol="$4" -v rel="${5:-}" 'BEGIN {
        d = a - e; m = rel ? (e < 0 ? -e : e) : 1
        exit !(a != "" && (d < 0 ? -d : d) <= tol * m) }'; then
        echo "$1 is '$2', expected $3 (tolerance $4${5:+ relative})"
        return 1
    fi
}

# json_item FILE KEY I: entry I (from 0) of a 1-D array member.
json_item() {
    json_field "$1" "$2" | tr -d '[] ' | tr , '\n' | sed -n "$(($3 + 1))p"
}

# 3d6: sf(x) = (216 - counts up to x) / 216 and logpmf = log(count / 216),
# from the exact counts (awk's double log and division, to 1e-16).
echo "1 3 6 10 15 21 25 27 27 25 21 15 10 6 3 1" | tr ' ' '\n' | awk '
    BEGIN { print "value,probability,cdf,sf,logpmf" }
    { c += $1; printf "%d,%.17g,%.17g,%.17g,%.17g\n", NR + 2, $1 / 216, c / 216,
      (216 - c) / 216, log($1 / 216) }' >"$WORK/3d6_sf.csv"
dist_ok "csv: sf and logpmf columns" 3d6 --format csv &&
    check csv_matches "$WORK/stdout" "$WORK/3d6_sf.csv" 1e-14
dist_ok "json: sf, logpmf and logsf arrays" 3d6 --format json &&
    check json_valid "$WORK/stdout" &&
    check near "sf[0]" "$(json_item "$WORK/stdout" sf 0)" 0.99537037037037037 1e-15 rel &&
    check near "sf[15]" "$(json_item "$WORK/stdout" sf 15)" 0 0 &&
    check near "logpmf[0]" "$(json_item "$WORK/stdout" logpmf 0)" -5.3752784076841653 1e-14 rel &&
    check near "logsf[14]" "$(json_item "$WORK/stdout" logsf 14)" -5.3752784076841653 1e-12 rel &&
    check grep_in "$WORK/stdout" '^  "logsf": \[.*, null\]$'
# An exact 0 inside the support: null in the logs (JSON has no -Infinity),
# 0 in sf past the last value.
dist_ok "json: null for the log of 0" 0.5,0,0.5 --format json &&
    check json_valid "$WORK/stdout" &&
    check grep_in "$WORK/stdout" '^  "logpmf": \[-0\.693147180559945[0-9]*, null, -0\.69314718055994[0-9]*\],$' &&
    check grep_in "$WORK/stdout" '^  "sf": \[0\.5, 0\.5, 0\],$' &&
    check grep_in "$WORK/stdout" '^  "logsf": \[-0\.69314718055994[0-9]*, -0\.69314718055994[0-9]*, null\]$'

# 1000d6 far in its tails, below float64's range: P(S = 1500) =
# 1.1410735458133652e-366 (log -842.61417450968821059), P(S = 1000) = 6^-1000
# = 7.0591045861652321e-779 (log -1791.7594692280550008), and logsf(5499) =
# log P(S >= 5500) = log P(S <= 1500) = -842.20293917175215360. The
# library's logarithms are exact to about 1e-9 absolute.
dist_ok "1000d6: logpmf in the far tails" 1000d6 --format csv &&
    check near "logpmf(1500)" "$(csv_col "$WORK/stdout" 1500 5)" -842.61417450968821059 1e-8 &&
    check near "logpmf(1000)" "$(csv_col "$WORK/stdout" 1000 5)" -1791.7594692280550008 1e-8 &&
    check near "probability(1500)" "$(csv_col "$WORK/stdout" 1500 2)" 0 0
dist_ok "1000d6: json logsf" 1000d6 --format json &&
    check near "logsf(5499)" "$(json_item "$WORK/stdout" logsf 4499)" -842.20293917175215360 1e-8 &&
    check near "logpmf(1500)" "$(json_item "$WORK/stdout" logpmf 500)" -842.61417450968821059 1e-8
# The table prints such probabilities from their logs, not as 0.
dist_ok "1000d6: table, tiny ends" 1000d6 &&
    check grep_in "$WORK/stdout" '^probability at the ends: 1000: 7\.0591e-779  6000: 7\.0591e-779$'
# 1e-200 squared: every row of the chart drawn, P(0) = 1e-400 exactly.
dist_ok "table: a row below float64's range" 0:1e-200,1 0:1e-200,1 &&
    check grep_in "$WORK/stdout" '^ +0  1e-400 +0\.000000 ' &&
    check grep_in "$WORK/stdout" '^ +1  2e-200 +0\.000000 '
# --log: OUT.npy holds the logs, -inf for an exact 0.
dist_ok "--log -o" 1000d6 --log -o "$OUT" &&
    check near "logpmf(1500) in .npy" "$(npy_values "$OUT" | sed -n 501p)" -842.61417450968821059 1e-8 &&
    check near "logpmf(1000) in .npy" "$(npy_values "$OUT" | sed -n 1p)" -1791.7594692280550008 1e-8
dist_ok "--log -o, an exact 0" 0.5,0,0.5 --log -o "$OUT" &&
    check grep_in "$WORK/stdout" '^support 0\.\.2' &&
    if [ "$(npy_values "$OUT" | sed -n 2p)" != "-inf" ]; then fail "--log -o, an exact 0" "entry 1 is not -inf"; fi

# --count: N ~ Poisson(1000) of severities uniform on 1..10: P(S = 0) =
# e^-1000 (logpmf -1000), mean 1000 * 5.5 = 5500, variance 1000 * E[X^2] =
# 1000 * 38.5 = 38500.
dist_ok "--count poisson:1000" d10 --count poisson:1000 --format json &&
    check json_valid "$WORK/stdout" &&
    check near "logpmf(0)" "$(json_item "$WORK/stdout" logpmf 0)" -1000 1e-8 &&
    check json_near "$WORK/stdout" offset 0 0 &&
    check json_near "$WORK/stdout" mean 5500 1e-12 &&
    check json_near "$WORK/stdout" variance 38500 1e-12 &&
    check json_near "$WORK/stdout" total 1 1e-9
dist_ok "--count poisson:1000, table" d10 --count poisson:1000 &&
    check grep_in "$WORK/stdout" '^Compound sum X1 \+ \.\.\. \+ XN, N ~ poisson:1000, each X one variable \(discrete' &&
    check grep_in "$WORK/stdout" '^probability at the ends: 0: 5\.07596e-435 '
# Thinning gives exact references: N ~ Binomial(3, 1/2) of Bernoulli(1/2)
# is Binomial(3, 1/4): 27, 27, 9, 1 over 64. Negative binomial (r = 2,
# p = 1/2) thinned by 1/2 is negative binomial with p = 2/3: P(k) = (k + 1)
# 4/9 3^-k; geometric(1/2) thinned is geometric(2/3): P(k) = 2/3 3^-k.
# Checked up to 15: deeper values need counts past the family's tail of
# 1e-20, which clconv_dist_count leaves out.
printf 'value,probability\n0,0.421875\n1,0.421875\n2,0.140625\n3,0.015625\n' >"$WORK/binom.csv"
dist_ok "--count binomial:3,0.5" 0.5,0.5 --count binomial:3,0.5 --format csv &&
    check csv_matches "$WORK/stdout" "$WORK/binom.csv" 1e-14
dist_ok "--count negbin:2,0.5" 0.5,0.5 --count negbin:2,0.5 --format csv &&
    check awk -F , 'NR > 1 && NR <= 17 { k = $1; e = (k + 1) * 4 / 9 / 3 ^ k
        if ($2 - e > 1e-9 * e || e - $2 > 1e-9 * e) { print "P(" k ") is " $2 ", expected " e; exit 1 } }' "$WORK/stdout"
dist_ok "--count geometric:0.5" 0.5,0.5 --count geometric:0.5 --format csv &&
    check awk -F , 'NR > 1 && NR <= 17 { k = $1; e = 2 / 3 / 3 ^ k
        if ($2 - e > 1e-9 * e || e - $2 > 1e-9 * e) { print "P(" k ") is " $2 ", expected " e; exit 1 } }' "$WORK/stdout"
# A PMF spec as the count: N in {0, 1, 2} with 1/2, 1/4, 1/4 of X in {1, 2}.
printf 'value,probability\n0,0.5\n1,0.125\n2,0.1875\n3,0.125\n4,0.0625\n' >"$WORK/pmfcount.csv"
dist_ok "--count PMF spec" 1:0.5,0.5 --count 0:0.5,0.25,0.25 --format csv &&
    check csv_matches "$WORK/stdout" "$WORK/pmfcount.csv" 1e-14
dist_ok "--count from a .csv" 1:0.5,0.5 --count "$WORK/die.csv" --normalize --format csv &&
    check grep_in "$WORK/stdout" '^0,0\.1[0-9]*,'

# --rule trapezoid weighs the end samples 1/2: the same as weighing by hand.
T11=1,1,1,1,1,1,1,1,1,1,1
dist_ok "--rule trapezoid, by hand" 0.5,1,1,1,1,1,1,1,1,1,0.5 0.5,1,1,1,1,1,1,1,1,1,0.5 \
    --density 0.1 --format csv && cp "$WORK/stdout" "$WORK/hand.csv" &&
    dist_ok "--rule trapezoid" $T11 $T11 --density 0.1 --rule trapezoid --format csv &&
    check csv_matches "$WORK/stdout" "$WORK/hand.csv" 1e-14
# --rule midpoint: uniform densities sampled at the cell midpoints 0.05,
# 0.15, ... (OFFSET half a step off the grid): their sum has mean 1 exactly,
# its values 0.1, 0.2, ... 1.9; one variable keeps the half step (offset 0.5).
dist_ok "--rule midpoint, half-step offset" 0.05:$ONES 0.05:$ONES --density 0.1 --rule midpoint \
    --format json &&
    check json_near "$WORK/stdout" offset 1 0 &&
    check json_near "$WORK/stdout" mean 1 1e-14 &&
    check json_near "$WORK/stdout" min 0.1 1e-14 &&
    check json_near "$WORK/stdout" total 1 1e-14
dist_ok "--rule midpoint, one variable" 0.05:1,1,1,1,1,1,1,1,1,1 --density 0.1 --rule midpoint \
    --format csv &&
    check grep_in "$WORK/stdout" '^0\.05000*[0-9]*,1,' &&
    dist_ok "--rule midpoint, json offset" 0.05:$ONES --density 0.1 --rule midpoint --format json &&
    check grep_in "$WORK/stdout" '^  "offset": 0\.5,$' &&
    check json_near "$WORK/stdout" mean 0.5 1e-14
# 100 Exp(1) densities at step 0.01, sampled at the midpoints 0.005, 0.015,
# ..., 29.995 with no weights: their sum is Gamma(100, 1), whose sf(200) is
# 1.8438936497115742e-15 (mpmath); the midpoint rule gives it to 1e-3
# relative (about 3e-4: the rounding of each variable to its cell). The
# discretised sum itself is exact to compute: each variable is a geometric
# distribution of ratio e^-0.01 cut after 3000 values, so P(S = s) is e^-0.01s
# times the compositions of s into 100 parts below 3000 (inclusion-exclusion
# in Python integers) over the normalisation to the 100th power; sf(200),
# P(S > 19950) plus half of P(S = 19950) (a sample stands for its cell),
# is 1.8444604151514256e-15 (Python decimals at 60 digits).
awk 'BEGIN { for (k = 0; k < 3000; k++) printf "%s%.17g", k ? "," : "", exp(-(k + 0.5) * 0.01) }' \
    >"$WORK/exp.csv"
dist_ok "--rule midpoint: Gamma(100, 1) sf(200)" "0.005:$WORK/exp.csv" --times 100 --density 0.01 \
    --rule midpoint --format csv &&
    check near "sf(200)" "$(csv_col "$WORK/stdout" 200 4)" 1.8438936497115742e-15 1e-3 rel &&
    check near "discretised sf(200)" "$(csv_col "$WORK/stdout" 200 4)" 1.8444604151514256e-15 \
        1e-9 rel &&
    check near "total" "$(tail -n 1 "$WORK/stdout" | cut -d , -f 3)" 1 1e-9
# The same through the automatic method's checked FFT, whose threshold
# CLCONV_DIST_FFT_MIN lowers to these 3000-sample operands: every entry of
# each convolution within 1e-9 of exact, so the sum of 100 within 99e-9;
# the table says how it ran.
# (Exported and unset around the two runs: sh may keep an assignment that
# prefixes a function call.)
export CLCONV_DIST_FFT_MIN=1024
dist_ok "--rule midpoint: sf(200) by the checked FFT" "0.005:$WORK/exp.csv" --times 100 \
    --density 0.01 --rule midpoint --format csv &&
    check near "discretised sf(200), FFT" "$(csv_col "$WORK/stdout" 200 4)" \
        1.8444604151514256e-15 1e-7 rel &&
    dist_ok "checked FFT: the table names it" "0.005:$WORK/exp.csv" --times 100 --density 0.01 \
        --rule midpoint &&
    check grep_in "$WORK/stdout" \
        '^Sum of 100 independent variables \(density, method fft, tilted, [0-9]+ passes, [0-9]+ entries direct\)$'
unset CLCONV_DIST_FFT_MIN

# -v: the library's notes on stderr, the result as without it.
name="dist -v"
if "$CLCONV" dist 3d6 -v --format csv >"$WORK/stdout" 2>"$WORK/stderr" &&
    grep -q '^clconv: device ' "$WORK/stderr"; then
    check csv_matches "$WORK/stdout" "$WORK/3d6_sf.csv" 1e-14
else
    fail "$name" "exit code or stderr"
fi

# 2-D joint distributions, offset R,C.
dist_ok "2-D joint" "1,2:$DATA/joint.npy" "1,2:$DATA/joint.npy" --format csv -o "$OUT" &&
    check npy_matches "$OUT" "$EXPECTED/dist_joint_sum.npy" 1e-14 each &&
    check grep_in "$WORK/stdout" '^value0,value1,probability$' &&
    check grep_in "$WORK/stdout" '^2,4,'

# A failed run leaves an existing output untouched.
echo old >"$OUT"
"$CLCONV" dist 0.5,0.4 -o "$OUT" >/dev/null 2>"$WORK/stderr"
rc=$?
if [ $rc -eq 1 ] && [ "$(cat "$OUT")" = old ] && no_leftovers; then pass; else
    fail "dist: failure keeps an existing output" "exit code $rc, output '$(head -c 20 "$OUT")'"
fi

# Specs and options that must be refused: one line, no output, no temporary.
printf '0.5\n0.25\nx\n' >"$WORK/bad.csv"
printf '0.5\000,0.5' >"$WORK/binary.csv"
mkdir "$WORK/dir.csv"
# Rows [0.5, 0.5] and [1.5, -0.5]: each sums to 1, one entry is negative.
F8_HALF='\000\000\000\000\000\000\340\077'
F8_1_5='\000\000\000\000\000\000\370\077'
F8_MINUS_HALF='\000\000\000\000\000\000\340\277'
printf "$F8_HALF$F8_HALF$F8_1_5$F8_MINUS_HALF" |
    mknpy "$WORK/negrows.npy" "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }"
npy_f4 "$WORK/cube.npy" "(1, 1, 1)" "$F4_ONE"
err "dist: unparsable number" 1 "spec '0.5,abc': 'abc' is not a number" dist 0.5,abc -o "$OUT"
err "dist: empty value" 1 "spec '0.5,,0.5': empty value" dist 0.5,,0.5 -o "$OUT"
err "dist: unparsable number in a .csv" 1 "bad.csv: line 3: 'x' is not a number" \
    dist "$WORK/bad.csv" -o "$OUT"
err "dist: binary .csv" 1 "binary.csv: not a text file" dist "$WORK/binary.csv" -o "$OUT"
err "dist: directory as .csv" 1 "dir.csv: cannot read: Is a directory" \
    dist "$WORK/dir.csv" -o "$OUT"
err "dist: bad offset" 1 "spec 'x:0.5,0.5': the offset before ':' must be a whole number" \
    dist x:0.5,0.5 -o "$OUT"
err "dist: negative probability" 1 \
    "spec '0.5,-0.5,1': invalid argument: entry 1 is negative (-0.5)" \
    dist 0.5,-0.5,1 -o "$OUT"
err "dist: NaN" 1 "spec '0.5,nan,0.5': invalid argument: entry 1 is NaN" dist 0.5,nan,0.5 -o "$OUT"
err "dist: infinity" 1 "spec '1,inf': invalid argument: entry 1 is infinite" dist 1,inf -o "$OUT"
err "dist: sum not 1" 1 "spec '0.2,0.3': invalid argument: the probabilities sum to 0.5, not 1" \
    dist 0.2,0.3 -o "$OUT"
err "dist: density total not 1" 1 "spec '1,1': invalid argument: the probabilities sum to 0.2" \
    dist 1,1 --density 0.1 -o "$OUT"
err "dist: nothing to normalise" 1 "spec '0,0': invalid argument: the total probability is 0" \
    dist 0,0 --normalize -o "$OUT"
err "dist: negative entry in --rows" 1 \
    "negrows.npy: invalid argument: row 1: entry 1 is negative" \
    dist --rows "$WORK/negrows.npy" -o "$OUT"
err "dist: no dice" 1 "spec '0d6': dice are NdS with N >= 1 and 1 <= S <= 2^32" dist 0d6 -o "$OUT"
err "dist: no sides" 1 "spec '3d0': dice are NdS" dist 3d0 -o "$OUT"
err "dist: too many sides" 1 "spec '2d99999999999': dice are NdS" dist 2d99999999999 -o "$OUT"
err "dist: missing .npy" 1 "nope.npy: cannot open: No such file or directory" \
    dist "$WORK/nope.npy" -o "$OUT"
err "dist: missing .csv" 1 "nope.csv: cannot open: No such file or directory" \
    dist "1:$WORK/nope.csv" -o "$OUT"
err "dist: missing --rows file" 1 "nope.npy: cannot open" dist --rows "$WORK/nope.npy" -o "$OUT"
err "dist: 3-D spec" 1 \
    "cube.npy: expected a 1-D or 2-D array of probabilities, got shape (1, 1, 1)" \
    dist "$WORK/cube.npy" -o "$OUT"
err "dist: 1-D --rows" 1 \
    "sig.npy: --rows needs a 2-D array (one variable per row), got shape (11,)" \
    dist --rows "$S" -o "$OUT"
err "dist: 1-D with 2-D" 1 "distribution 1 is 1-D but distribution 0 is 2-D" \
    dist "$DATA/joint.npy" 0.5,0.5 -o "$OUT"
err "dist: dice with --density" 1 \
    "spec '3d6': dice are discrete; --density takes sampled densities" \
    dist 3d6 --density 0.1 -o "$OUT"
err "dist: offset off the grid" 1 "spec '0.05:1,1': the offset must be a multiple of the step 0.1" \
    dist 0.05:1,1 --density 0.1 -o "$OUT"
err "dist: trimming everything" 1 "every entry lies below the trim threshold 0.5" \
    dist 3d6 --trim 0.5 -o "$OUT"
err "dist: output directory missing" 1 "nodir/out.npy: cannot create: No such file or directory" \
    dist 3d6 -o "$WORK/nodir/out.npy"
err "dist: no spec" 2 "clconv dist: missing SPEC" dist -o "$OUT"
for times in 0 -1 1.5 abc 99999999999999999999999; do
    err "dist: --times $times" 2 "clconv dist: --times must be a whole number >= 1, not '$times'" \
        dist 3d6 --times "$times" -o "$OUT"
done
err "dist: unknown --format" 2 "clconv dist: --format must be table, csv or json, not 'xml'" \
    dist 3d6 --format xml -o "$OUT"
err "dist: unknown --method" 2 "clconv dist: --method must be auto, direct or fft, not 'best'" \
    dist 3d6 --method best -o "$OUT"
err "dist: --density 0" 2 "clconv dist: --density must be a grid step > 0, not '0'" \
    dist 1 --density 0 -o "$OUT"
err "dist: negative --trim" 2 "clconv dist: --trim must be a probability >= 0, not '-1'" \
    dist 3d6 --trim -1 -o "$OUT"
err "dist: --rows with --density" 2 "clconv dist: --rows holds discrete distributions" \
    dist --rows "$DATA/bernoulli.npy" --density 0.1 -o "$OUT"
err "dist: unknown option" 2 "clconv dist: unknown option '--sides'" dist 3d6 --sides 6 -o "$OUT"
# The new options: usage errors exit 2, bad data (a count spec, a density
# the rule cannot make one of) 1.
err "dist: --log without -o" 2 "clconv dist: --log says what -o OUT.npy holds; give -o OUT.npy" \
    dist 3d6 --log
err "dist: unknown --rule" 2 "clconv dist: --rule must be samples, midpoint or trapezoid, not 'simpson'" \
    dist 1,1 --density 0.5 --rule simpson -o "$OUT"
err "dist: --rule without --density" 2 "clconv dist: --rule weighs the samples of --density" \
    dist 3d6 --rule midpoint -o "$OUT"
err "dist: --count with --density" 2 "clconv dist: --count makes compound sums of discrete variables" \
    dist 1,1 --density 0.5 --count poisson:2 -o "$OUT"
err "dist: empty --count" 2 "clconv dist: empty --count" dist 3d6 --count "" -o "$OUT"
err "dist: --count poisson:-1" 1 "--count 'poisson:-1': expected poisson:LAMBDA with LAMBDA > 0" \
    dist 3d6 --count poisson:-1 -o "$OUT"
err "dist: --count poisson:x" 1 "--count 'poisson:x': expected poisson:LAMBDA with LAMBDA > 0" \
    dist 3d6 --count poisson:x -o "$OUT"
err "dist: --count binomial:2.5,0.5" 1 \
    "--count 'binomial:2.5,0.5': expected binomial:N,P with whole N >= 0 and 0 <= P <= 1" \
    dist 3d6 --count binomial:2.5,0.5 -o "$OUT"
err "dist: --count negbin:2" 1 "--count 'negbin:2': expected negbin:R,P with R > 0 and 0 < P <= 1" \
    dist 3d6 --count negbin:2 -o "$OUT"
err "dist: --count geometric:0" 1 "--count 'geometric:0': expected geometric:P with 0 < P <= 1" \
    dist 3d6 --count geometric:0 -o "$OUT"
err "dist: --count unknown family" 1 "--count 'zipf:2': unknown family 'zipf'" \
    dist 3d6 --count zipf:2 -o "$OUT"
err "dist: --count negative values" 1 "--count '-1:0.5,0.5': a count cannot be negative" \
    dist 3d6 --count -1:0.5,0.5 -o "$OUT"
err "dist: --count not a PMF" 1 "--count '0.5,0.6': invalid argument: the probabilities sum to 1.1" \
    dist 3d6 --count 0.5,0.6 -o "$OUT"
err "dist: midpoint offset off the half grid" 1 \
    "spec '0.03:1,1': the offset must be a multiple of half the step 0.1" \
    dist 0.03:1,1 --density 0.1 --rule midpoint -o "$OUT"
err "dist: a rule's total far from 1" 1 \
    "spec '1,1': the midpoint rule gives a total probability of 0.2, not 1 within 0.01" \
    dist 1,1 --density 0.1 --rule midpoint -o "$OUT"
err "dist: trapezoid of one sample" 1 "spec '10': the trapezoid rule needs at least 2 samples" \
    dist 10 --density 0.1 --rule trapezoid -o "$OUT"

# ---- clconv bench ------------------------------------------------------------
#
# The one bench that runs here: the limits and the dist grid, a few seconds. The
# CSV holds one row per point with the documented columns and a positive
# time, the JSON's "rows" are the same table, and the limits are positive.
# --quick leaves the 10^5-variable Poisson-binomial out: 3 of the 4 points.
BCSV=$WORK/bench.csv BJSON=$WORK/bench.json
name="bench --grid dist --quick"
if "$CLCONV" bench --grid dist --quick --csv "$BCSV" --json "$BJSON" >"$WORK/stdout" \
    2>"$WORK/stderr"; then pass; else fail "$name" "exit code $?"; fi
check grep_in "$WORK/stdout" '^Limits: read bandwidth [0-9.]*[1-9][0-9.]* GB/s .*FMA [0-9.]*[1-9][0-9.]* GFLOP/s float32'
check grep_in "$BJSON" '"peak": \{"bandwidth_gbps": [0-9.]*[1-9]'
if grep -q 'no float64' "$WORK/stdout"; then dist_rows=0; else dist_rows=3; fi
check awk -F , -v want="$dist_rows" '
    NR == 1 && $0 != "device,grid,op,size,kernel,n,k,method,chosen,ms_median,ms_min,ms_max,gflops,gbps,pct_roof,bound" {
        print "CSV header " $0; bad = 1; exit 1 }
    NR > 1 && (NF != 16 || $2 != "dist" || !($10 > 0) || $11 > $10 || $10 > $12) {
        print "CSV row " $0; bad = 1; exit 1 }
    END { if (!bad && NR - 1 != want) { printf "%d CSV rows, expected %d\n", NR - 1, want; exit 1 } }' "$BCSV"
check awk -v want="$dist_rows" '/^    \[0,"dist",/ { n++ }
    END { if (n != want) { printf "%d JSON rows, expected %d\n", n, want; exit 1 } }' "$BJSON"

# The 3-D grid on a 12^3 volume (seconds, not the minutes of 256^3): one row
# per kernel with its method, and positive, finite figures in the table, the
# CSV and the JSON. Nothing about how fast.
name="bench --grid 3d --quick --volume 12"
if "$CLCONV" bench --grid 3d --quick --volume 12 --csv "$BCSV" --json "$BJSON" \
    >"$WORK/stdout" 2>"$WORK/stderr"; then pass; else fail "$name" "exit code $?"; fi
check grep_in "$WORK/stdout" '^conv3d  12x12x12    31x31x31 fft  +[0-9]+\.[0-9]+ +[0-9]+\.[0-9]+ +[0-9]+\.[0-9]+ +[0-9]+%.. +[0-9]+\.[0-9]+$'
# (Rates of a tiny volume may round to 0.000 on a slow machine: finite is
# what they must be.)
check awk -F , '
    function fin(x) { return x ~ /^[0-9]+\.[0-9]+$/ }
    function pos(x) { return fin(x) && x + 0 > 0 }
    NR > 1 { n++; k[n] = $5 "," $8 "," $9 }
    NR > 1 && ($2 != "3d" || $3 != "conv3d" || $4 != "12x12x12" || $6 != 1728 || $8 != $9 ||
               !pos($10) || !pos($11) || !pos($12) || $11 > $10 || $10 > $12 || !fin($13) ||
               !fin($14) || !fin($15)) { print "CSV row " $0; bad = 1; exit 1 }
    END { if (!bad && (n != 3 || k[1] != "3x3x3,direct,direct" || k[2] != "7x7x7,direct,direct" ||
                       k[3] != "31x31x31,fft,fft")) { printf "%d CSV rows: %s %s %s\n", n, k[1], k[2], k[3]; exit 1 } }' "$BCSV"
check awk '/^    \[0,"3d","conv3d",/ { rows++ }
    /^    \{"op": "conv3d", "n": \[12, 12, 12\], "k": \[[0-9]+, [0-9]+, [0-9]+\]/ &&
        /"over_read_write": [0-9]+\.[0-9]+\}/ && !/"over_read_write": 0\.0000\}/ { points++ }
    END { if (rows != 3 || points != 3) { printf "%d JSON rows and %d points, expected 3\n", rows, points; exit 1 } }' "$BJSON"

# ---- formats, images and presets --------------------------------------------
#
# conv_ok runs a conversion like dist_ok runs dist; the checks that follow
# compare what it wrote. PNG output is checked by reading it back with the
# command (box:1 is the identity) after the PNG reader itself has been
# checked on PNGs that make-fixtures.py wrote without libpng. Results rounded
# to integers may differ by one unit where float32 and SciPy's float64 round
# a value near .5 apart, hence tolerances of a little over one unit.

# same_bytes ACTUAL EXPECTED: the files are identical.
same_bytes() {
    if ! cmp -s "$1" "$2"; then echo "$(basename "$1") differs from $(basename "$2")"; return 1; fi
}

# png_matches PNG EXPECTED TOL: the image read back as .npy matches.
png_matches() {
    if ! "$CLCONV" conv2d "$1" box:1 -o "$WORK/back.npy" 2>"$WORK/stderr"; then
        echo "cannot read $(basename "$1") back"
        return 1
    fi
    npy_matches "$WORK/back.npy" "$EXPECTED/$2.npy" "$3"
}

IMG=$DATA/img.npy
for preset in sobel-x sobel-y laplacian sharpen motion:3 box:3 gaussian:1; do
    file=$(echo "$preset" | tr -d ':.' | tr '-' '_')
    ok "conv2d preset $preset" "preset2d_$file" 1e-6 conv2d "$IMG" "$preset" -m same
done
for preset in gaussian:1.5 box:3 diff; do
    file=$(echo "$preset" | tr -d ':' | tr '.-' '__')
    ok "conv1d preset $preset" "preset1d_$file" 1e-6 conv1d "$S" "$preset" -m same
done
ok "1-D presets as KCOL and KROW" preset_separable 1e-6 \
    conv2d "$IMG" gaussian:1 box:2 --separable -m same
ok "a preset follows a float64 input" preset1d_diff_f64 1e-12 conv1d "$DATA/sig64.npy" diff -m same

ok ".csv signal (one column)" conv1d_full 0 conv1d "$DATA/sig.csv" "$K"
ok ".csv image (comment, ', ')" conv2d_same 0 conv2d "$DATA/img.csv" "$DATA/ker2.npy" -m same
ok ".txt image (blanks)" conv2d_same 0 conv2d "$DATA/img.txt" "$DATA/ker2.npy" -m same
ok ".csv kernel (convolution commutes)" conv1d_full 0 conv1d "$K" "$DATA/sig.csv"
conv_ok ".csv output" conv2d "$IMG" "$DATA/ker2.npy" -m same -o "$WORK/out.csv" &&
    check same_bytes "$WORK/out.csv" "$EXPECTED/conv2d_same.csv"
conv_ok ".txt output, 1-D" conv1d "$S" "$K" -o "$WORK/out.txt" &&
    check same_bytes "$WORK/out.txt" "$EXPECTED/conv1d_full.txt"

ok "raw u16 input" raw_u16_same 0 \
    conv2d "$DATA/img_u16.raw" "$DATA/ker2.npy" --shape 7x9 --dtype u16 -m same
name="raw u16 from stdin"
if "$CLCONV" conv2d - "$DATA/ker2.npy" --shape 7x9 --dtype uint16 -m same -o "$OUT" \
    <"$DATA/img_u16.raw" 2>"$WORK/stderr"; then
    check npy_matches "$OUT" "$EXPECTED/raw_u16_same.npy" 0
else
    fail "$name" "exit code $?"
fi
name=".npy from stdin to stdout"
if "$CLCONV" conv1d - "$K" -o - <"$S" >"$WORK/stdout.npy" 2>"$WORK/stderr"; then
    check npy_matches "$WORK/stdout.npy" "$EXPECTED/conv1d_full.npy" 0
else
    fail "$name" "exit code $?"
fi
name="raw output to stdout"
if "$CLCONV" conv1d "$S" "$K" -o - --format raw >"$WORK/stdout.raw" 2>"$WORK/stderr"; then
    od -A n -v -t f4 "$WORK/stdout.raw" | tr -s ' ' '\n' | sed '/^$/d' >"$WORK/raw.txt"
    npy_values "$EXPECTED/conv1d_full.npy" >"$WORK/expected.txt"
    check same_bytes "$WORK/raw.txt" "$WORK/expected.txt"
else
    fail "$name" "exit code $?"
fi
name="PNG from stdin, told by its signature"
if "$CLCONV" conv2d - sharpen -o "$OUT" <"$DATA/rgb16.png" 2>"$WORK/stderr"; then
    check npy_matches "$OUT" "$EXPECTED/rgb16_sharpen.npy" 0
else
    fail "$name" "exit code $?"
fi

# One unit of 8 bits, of 16 bits, relative to full scale.
U8=0.0041
U16=0.000016
conv_ok "PNG grey 8-bit, gaussian:1" conv2d "$DATA/gray8.png" gaussian:1 -o "$WORK/out.png" &&
    check png_matches "$WORK/out.png" gray8_gauss_png $U8
conv_ok "PNG RGB 16-bit, gaussian" conv2d "$DATA/rgb16.png" gaussian:0.8 -o "$WORK/out.png" &&
    check png_matches "$WORK/out.png" rgb16_gauss_png $U16
conv_ok "PNG RGBA, alpha passed through" conv2d "$DATA/rgba8.png" box:3 -o "$WORK/out.png" &&
    check png_matches "$WORK/out.png" rgba8_box_png $U8
ok "PNG to .npy: (rows, cols, channels), unclamped" rgb16_sharpen 0 \
    conv2d "$DATA/rgb16.png" sharpen
conv_ok "PGM P5, laplacian, clamped" conv2d "$DATA/gray8.pgm" laplacian -o "$WORK/out.pgm" &&
    check same_bytes "$WORK/out.pgm" "$EXPECTED/gray8_laplacian.pgm"
conv_ok "PGM --normalize" conv2d "$DATA/gray8.pgm" sobel-x --normalize -o "$WORK/out.pgm" &&
    check same_bytes "$WORK/out.pgm" "$EXPECTED/gray8_sobel_x_normalized.pgm"
conv_ok "PPM P3, maxval 1000 kept" conv2d "$DATA/rgb1000.ppm" sharpen -o "$WORK/out.ppm" &&
    check same_bytes "$WORK/out.ppm" "$EXPECTED/rgb1000_sharpen.ppm"
ok "PGM P2 with comments" gray8_sharpen 0 conv2d "$DATA/ascii.pgm" sharpen
conv_ok "--format pgm to stdout" conv2d "$DATA/gray8.png" laplacian -o - --format pgm &&
    check same_bytes "$WORK/stdout" "$EXPECTED/gray8_laplacian.pgm"

# Bad input in these formats: one line naming the file, no output.
head -c 60 "$DATA/gray8.png" >"$WORK/cut.png"
printf 'P5\n4 4\n255\nabc' >"$WORK/cut.pgm"
printf 'P5\n4 x\n255\n' >"$WORK/height.pgm"
printf 'P5\n4 4\n70000\n' >"$WORK/maxval.pgm"
printf 'P2\n2 1\n10\n5 11\n' >"$WORK/over.pgm"
printf 'hello' >"$WORK/text.png"
printf '1,2\n3,x\n' >"$WORK/cell.csv"
printf '1,2\n3\n' >"$WORK/ragged.csv"
printf '# nothing\n\n' >"$WORK/empty.csv"
printf '1,,2\n' >"$WORK/gap.csv"
cp "$DATA/img_u16.raw" "$WORK/data.bin"
: >"$WORK/blob"
err "missing image" 1 "nope.png: cannot open: No such file or directory" \
    conv2d "$WORK/nope.png" box:3 -o "$WORK/out.png"
err "truncated PNG" 1 "cut.png: truncated PNG file" conv2d "$WORK/cut.png" box:3 -o "$WORK/out.png"
err "PNG header larger than its data" 1 "lying.png: bad PNG file: the header's size is more" \
    conv2d "$DATA/lying.png" box:3 -o "$WORK/out.png"
err "not a PNG" 1 "text.png: not a PNG file (bad signature)" \
    conv2d "$WORK/text.png" box:3 -o "$WORK/out.png"
err "truncated PGM" 1 "cut.pgm: truncated PGM file (4x4, maxval 255 needs 16 data bytes" \
    conv2d "$WORK/cut.pgm" box:3 -o "$WORK/out.pgm"
err "PGM header field" 1 "height.pgm: bad PGM header: height is not a number" \
    conv2d "$WORK/height.pgm" box:3 -o "$WORK/out.pgm"
err "PGM maxval" 1 "maxval.pgm: bad PGM header: maxval must be from 1 to 65535" \
    conv2d "$WORK/maxval.pgm" box:3 -o "$WORK/out.pgm"
err "PGM sample above maxval" 1 "over.pgm: bad PGM data: sample 2 exceeds maxval 10" \
    conv2d "$WORK/over.pgm" box:3 -o "$WORK/out.pgm"
err "alpha needs mode same" 1 "rgba8.png: the alpha channel is passed through unchanged" \
    conv2d "$DATA/rgba8.png" box:3 -m full -o "$WORK/out.png"
err "RGB into PGM" 1 "out.pgm: a PGM image holds one grey channel, the result has 3" \
    conv2d "$DATA/rgb16.png" box:3 -o "$WORK/out.pgm"
err "array into PPM" 1 "out.ppm: a PPM image holds three colour channels, the result has 1" \
    conv2d "$IMG" box:3 -o "$WORK/out.ppm"
err "RGB into .csv" 1 "out.csv: text output holds 1-D or 2-D arrays" \
    conv2d "$DATA/rgb16.png" box:3 -o "$WORK/out.csv"
err "image as kernel" 1 "gray8.png: an image can only be the IMAGE of conv2d" \
    conv2d "$IMG" "$DATA/gray8.png" -o "$OUT"
err "non-numeric CSV cell" 1 "cell.csv: line 2, column 2: 'x' is not a number" \
    conv2d "$WORK/cell.csv" box:3 -o "$OUT"
err "ragged CSV" 1 "ragged.csv: line 2 has 1 numbers, line 1 has 2" \
    conv2d "$WORK/ragged.csv" box:3 -o "$OUT"
err "empty CSV" 1 "empty.csv: no numbers (empty array)" conv2d "$WORK/empty.csv" box:3 -o "$OUT"
err "empty CSV cell" 1 "gap.csv: line 1, column 2: empty cell" conv1d "$WORK/gap.csv" diff -o "$OUT"
err "CSV of wrong rank" 1 "img.csv: expected a 1-D array, got shape (7, 9)" \
    conv1d "$DATA/img.csv" box:3 -o "$OUT"
err "raw size against --shape" 1 "data.bin: raw data of 126 bytes, but --shape (8, 9) of 2-byte" \
    conv2d "$WORK/data.bin" "$DATA/ker2.npy" --shape 8x9 --dtype u16 -o "$OUT"
err "raw of wrong rank" 1 "data.bin: expected a 2-D array, got shape (63,)" \
    conv2d "$WORK/data.bin" "$DATA/ker2.npy" --shape 63 --dtype u16 -o "$OUT"
err "empty raw data" 1 "blob: raw data of 0 bytes" \
    conv1d "$WORK/blob" diff --shape 2 --dtype u8 -o "$OUT"
err "unknown input type" 1 "blob: unknown file type" conv1d "$WORK/blob" diff -o "$OUT"
err "unknown preset" 1 "gausian:2: no such file or kernel preset (presets: gaussian:SIGMA" \
    conv2d "$IMG" gausian:2 -o "$OUT"
err "bad SIGMA" 1 "preset 'gaussian:-1': SIGMA must be a number in (0, 1000]" \
    conv2d "$IMG" gaussian:-1 -o "$OUT"
err "fractional box" 1 "preset 'box:2.5': N must be a whole number from 1 to 10001" \
    conv1d "$S" box:2.5 -o "$OUT"
err "missing parameter" 1 "preset 'motion': needs a parameter (motion:LEN)" \
    conv2d "$IMG" motion -o "$OUT"
err "parameter not taken" 1 "preset 'sobel-x:2': sobel-x takes no parameter" \
    conv2d "$IMG" sobel-x:2 -o "$OUT"
err "2-D preset in conv1d" 1 "preset 'sobel-x' is 2-D; 1-D kernels: gaussian:SIGMA, box:N, diff" \
    conv1d "$S" sobel-x -o "$OUT"
err "1-D preset as a 2-D kernel" 1 "preset 'diff' is 1-D; 2-D kernels:" conv2d "$IMG" diff -o "$OUT"

err "--shape with a .npy" 2 "--shape and --dtype describe raw input, but" \
    conv2d "$IMG" "$DATA/ker2.npy" --shape 7x9 --dtype u16 -o "$OUT"
err "raw without --shape" 2 "raw input" conv2d "$DATA/img_u16.raw" "$DATA/ker2.npy" -o "$OUT"
err "--shape without --dtype" 2 "raw input needs both --shape and --dtype" \
    conv2d "$WORK/data.bin" "$DATA/ker2.npy" --shape 7x9 -o "$OUT"
err "bad --dtype" 2 "--dtype must be f32, f64, i8" \
    conv2d "$WORK/data.bin" "$DATA/ker2.npy" --shape 7x9 --dtype f16 -o "$OUT"
err "bad --shape" 2 "--shape must be sizes >= 1 joined by 'x'" \
    conv2d "$WORK/data.bin" "$DATA/ker2.npy" --shape 7x0 --dtype u16 -o "$OUT"
err "image output for conv1d" 2 "clconv conv1d: image output ('$WORK/out.png') is for conv2d" \
    conv1d "$S" "$K" -o "$WORK/out.png"
err "image input for conv1d" 2 "clconv conv1d: images are for conv2d" \
    conv1d "$DATA/gray8.png" diff -o "$OUT"
err "--normalize without image output" 2 "--normalize rescales image output" \
    conv2d "$IMG" box:3 --normalize -o "$OUT"
err "--normalize for conv1d" 2 "clconv conv1d: unknown option '--normalize'" \
    conv1d "$S" "$K" --normalize -o "$OUT"
err "--batch with an image" 2 "--batch takes a stack of arrays, not the image" \
    conv2d -b "$DATA/gray8.png" box:3 -o "$OUT"
err "--batch into an image" 2 "a --batch result is a stack of arrays, not an image" \
    conv2d -b "$DATA/imgs.npy" box:3 -o "$WORK/out.png"
err "--batch into text" 2 "a --batch result is 3-D; text output ('$WORK/out.csv')" \
    conv2d -b "$DATA/imgs.npy" box:3 -o "$WORK/out.csv"
err "two inputs from stdin" 2 "only one input can be '-' (stdin)" conv2d - - -o "$OUT"
err "unknown --format" 2 "--format must be npy, csv, txt, raw, png, pgm or ppm, not 'jpg'" \
    conv2d "$IMG" box:3 --format jpg -o "$OUT"

# ---- clconv serve (the API itself is tested by the Check suite "serve") -----

# Exactly one line on stderr once it accepts connections; SIGTERM stops it
# with exit status 0.
"$CLCONV" serve --listen 127.0.0.1:0 2>"$WORK/serve.err" &
serve_pid=$!
for _ in $(seq 150); do
    grep -q '^listening on ' "$WORK/serve.err" && break
    sleep 0.1
done
if grep -Eq '^listening on http://127\.0\.0\.1:[0-9]+$' "$WORK/serve.err" &&
    [ "$(wc -l <"$WORK/serve.err")" -eq 1 ]; then pass; else
    fail "serve" "no single 'listening on' line: $(cat "$WORK/serve.err")"
fi
kill -TERM "$serve_pid"
if wait "$serve_pid"; then pass; else fail "serve SIGTERM" "exit status $?"; fi
err "serve beyond loopback" 1 "listening on '0.0.0.0', beyond loopback, needs --token-file" \
    serve --listen 0.0.0.0:0
err "serve --workers 0" 2 "--workers must be a whole number from 1 to 2^20, not '0'" \
    serve --workers 0
err "serve --tls-cert alone" 2 "--tls-cert and --tls-key go together" serve --tls-cert x.pem

# ---- --server: the same jobs through `clconv serve` ---------------------------
#
# A server on a free loopback port, started here with a low element limit so
# that it refuses a job that a local run would do. Everything made through it
# must be byte for byte what the local run makes, and its errors one line.

# serve_start OPTIONS...: starts clconv serve on a free port with OPTIONS,
# sets SERVE_PID and, once it listens, URL (empty if it never does).
serve_start() {
    # The previous server's log goes first: the loop below could otherwise
    # read its 'listening on' line before the new server's shell truncates
    # the file, and talk to a port nobody listens on (seen under load).
    rm -f "$WORK/serve.log"
    "$CLCONV" serve --listen 127.0.0.1:0 "$@" 2>"$WORK/serve.log" &
    SERVE_PID=$!
    URL=""
    for _ in $(seq 600); do
        URL=$(sed -n 's/^listening on \(http:[^ ]*\)$/\1/p' "$WORK/serve.log" 2>/dev/null)
        if [ -n "$URL" ] || ! kill -0 "$SERVE_PID" 2>/dev/null; then break; fi
        sleep 0.1
    done
    if [ -z "$URL" ]; then fail "clconv serve $*" "no 'listening on' line"; fi
}

serve_stop() {
    kill "$SERVE_PID" 2>/dev/null
    wait "$SERVE_PID" 2>/dev/null
    SERVE_PID=""
}

serve_start --max-elements 100000

# same NAME EXT COMMAND ARGS...: clconv COMMAND ARGS -o FILE.EXT succeeds
# with --server URL as it does locally: the same file, stdout and stderr.
same() {
    name=$1 ext=$2 command=$3
    shift 3
    rm -f "$WORK/local.$ext" "$WORK/remote.$ext"
    "$CLCONV" "$command" "$@" -o "$WORK/local.$ext" >"$WORK/local.stdout" 2>"$WORK/local.stderr"
    rc_local=$?
    "$CLCONV" "$command" "$@" --server "$URL" -o "$WORK/remote.$ext" >"$WORK/stdout" \
        2>"$WORK/stderr"
    rc=$?
    if [ $rc_local -ne 0 ]; then
        fail "$name" "the local run failed (exit code $rc_local)"
    elif [ $rc -ne 0 ]; then
        fail "$name" "exit code $rc"
    elif ! cmp -s "$WORK/remote.$ext" "$WORK/local.$ext"; then
        fail "$name" "the output differs from the local run's"
    elif ! cmp -s "$WORK/stdout" "$WORK/local.stdout"; then
        fail "$name" "stdout differs from the local run's"
    elif ! cmp -s "$WORK/stderr" "$WORK/local.stderr"; then
        fail "$name" "stderr differs from the local run's"
    else
        pass
    fi
}

if [ -n "$URL" ]; then
    same "server: conv1d" npy conv1d "$S" "$K" --mode same
    same "server: conv1d correlate, long kernel" npy conv1d "$S" "$DATA/ker_long.npy" \
        --correlate -m valid
    same "server: conv1d float64" npy conv1d "$DATA/sig64.npy" "$DATA/ker64.npy"
    same "server: float64 inputs, --precision f32" npy conv1d "$DATA/sig64.npy" \
        "$DATA/ker64.npy" -p f32
    same "server: integer inputs" npy conv1d "$DATA/sig_i16.npy" "$DATA/ker_u8.npy"
    same "server: conv1d --batch" npy conv1d --batch "$DATA/batch.npy" "$K" -m same
    same "server: conv1d --method fft" npy conv1d "$S" "$K" --method fft
    same "server: conv1d preset" npy conv1d "$S" gaussian:2 -m same
    same "server: conv1d CSV in, CSV out" csv conv1d "$DATA/sig.csv" "$K"
    same "server: conv2d" npy conv2d "$DATA/img.npy" "$DATA/ker2.npy" -m same
    same "server: conv2d --separable" npy conv2d "$DATA/img.npy" "$DATA/kcol.npy" \
        "$DATA/krow.npy" --separable -m same
    same "server: conv2d --batch" npy conv2d -b "$DATA/imgs.npy" "$DATA/ker2.npy"
    same "server: conv2d separable preset" npy conv2d "$DATA/img.npy" gaussian:1 -m same
    same "server: conv2d PNG" png conv2d "$DATA/gray8.png" sobel-x
    same "server: conv2d PNG with alpha" png conv2d "$DATA/rgba8.png" box:3
    # --out-dtype: the integer image travels as it is and the service
    # converts it on the device, as the local run does.
    LC_ALL=C awk 'BEGIN { for (i = 0; i < 63; i++) printf "%c", (i * 97 + 13) % 256 }' |
        mknpy "$WORK/u8img.npy" "{'descr': '|u1', 'fortran_order': False, 'shape': (7, 9), }"
    LC_ALL=C awk 'BEGIN { for (i = 0; i < 63; i++) printf "%c%c", (i * 89) % 256, (i * 37) % 256 }' |
        mknpy "$WORK/u16img.npy" "{'descr': '<u2', 'fortran_order': False, 'shape': (7, 9), }"
    for od in uint8 uint16 int16 float32 float64 same; do
        same "server: conv2d --out-dtype $od" npy conv2d "$WORK/u8img.npy" "$DATA/ker2.npy" \
            --out-dtype "$od" --boundary reflect
    done
    same "server: conv2d uint16 --out-dtype same" npy conv2d "$WORK/u16img.npy" sharpen \
        --out-dtype same -m same
    same "server: conv2d PNG --out-dtype uint8" png conv2d "$DATA/gray8.png" sharpen \
        --out-dtype uint8
    same "server: conv2d PNG with alpha --out-dtype same" npy conv2d "$DATA/rgba8.png" sharpen \
        --out-dtype same
    same "server: conv2d separable --out-dtype float64" npy conv2d "$DATA/img.npy" \
        "$DATA/kcol.npy" "$DATA/krow.npy" --separable --out-dtype float64
    same "server: complex conv1d" npy conv1d "$CS" "$CK"
    same "server: complex correlate, boundary" npy conv1d "$CS" "$CK" --correlate \
        --boundary mirror
    same "server: real signal, complex kernel" npy conv1d "$S" "$CK" -m same
    same "server: complex signal, float64 kernel" npy conv1d "$CS" "$DATA/ker64.npy"
    same "server: complex --axis 0" npy conv1d "$DATA/c_img.npy" "$CK" --axis 0
    same "server: complex conv2d" npy conv2d "$DATA/c_img.npy" "$DATA/c_ker2.npy"
    same "server: complex image, real factors" npy conv2d "$DATA/c_img.npy" "$DATA/kcol.npy" \
        "$DATA/krow.npy" --separable
    same "server: complex factors" npy conv2d "$DATA/c_img.npy" "$DATA/c_kcol.npy" \
        "$DATA/c_krow.npy" --separable --boundary wrap
    same "server: complex conv2d --out-dtype complex64" npy conv2d "$DATA/c_img.npy" sharpen \
        --out-dtype complex64 -m same
    same "server: complex conv3d" npy conv3d "$DATA/c_vol.npy" "$DATA/c_ker3.npy" -m same
    same "server: complex raw output" raw conv3d "$DATA/c_vol.npy" gaussian:1
    err "server: int64 input" 1 "$DATA/sig_i64.npy: int64 (<i8) is not accepted" \
        conv1d "$DATA/sig_i64.npy" "$K" --server "$URL" -o "$OUT"
    same "server: conv1d --boundary --cval --origin" npy conv1d "$S" "$K" --boundary constant \
        --cval 2.5e30 --origin -2
    same "server: conv1d --axis 1 --boundary" npy conv1d "$DATA/arr3.npy" "$K" --axis 1 \
        --boundary wrap --origin 1
    same "server: conv1d --axis 0 --mode valid" npy conv1d "$DATA/arr3.npy" "$K" --axis 0 -m valid
    same "server: conv2d --boundary --origin R,C" npy conv2d "$DATA/img.npy" "$DATA/ker2.npy" \
        --boundary mirror --origin 1,-2
    same "server: conv2d PNG --boundary reflect" png conv2d "$DATA/gray8.png" gaussian:1 \
        --boundary reflect
    same "server: conv3d" npy conv3d "$V" "$K3" -m same
    same "server: conv3d --batch" npy conv3d -b "$DATA/vols.npy" "$K3"
    same "server: conv3d --separable --boundary" npy conv3d "$V" "$DATA/kz.npy" "$DATA/ky.npy" \
        "$DATA/kx.npy" --separable --boundary wrap
    same "server: conv3d --boundary --cval --origin" npy conv3d "$V" "$K3" --boundary constant \
        --cval 2.5 --origin 1,-1,0
    same "server: conv3d separable preset" npy conv3d "$V" gaussian:1 --boundary nearest
    same "server: dist, table" npy dist "$X" "$Y"
    same "server: dist, csv" npy dist 3d6 --format csv
    same "server: dist, --trim" npy dist 3d6 --trim 0.01 --format csv
    same "server: dist --times 1000, json" npy dist "$X" "$Y" --times 1000 --format json
    same "server: dist, file specs" npy dist "1:$DATA/loaded_die.npy" "1:$WORK/die.csv" \
        --format json
    same "server: dist --method fft" npy dist "$X" "$Y" --times 100 --method fft --format json
    same "server: dist --count" npy dist d10 --count poisson:30 --format json
    same "server: dist --count from a .csv, table" npy dist 1:0.5,0.5 --count "$WORK/die.csv"
    same "server: dist, tiny probabilities in csv" npy dist 1000d6 --format csv

    # CLCONV_SERVER stands for --server: the server's access log gets the job.
    rm -f "$OUT"
    jobs_before=$(grep -c '^POST /v1/conv1d 200 ' "$WORK/serve.log")
    if CLCONV_SERVER=$URL "$CLCONV" conv1d "$S" "$K" -o "$OUT" 2>"$WORK/stderr" &&
        why=$(npy_matches "$OUT" "$EXPECTED/conv1d_full.npy" 0) &&
        [ "$(grep -c '^POST /v1/conv1d 200 ' "$WORK/serve.log")" -gt "$jobs_before" ]; then
        pass
    else
        fail "server: CLCONV_SERVER" "${why:-exit code, or the server ran no job}"
    fi

    # The server's own refusals, as one line with the HTTP status.
    err "server: a bad probability" 1 \
        "server $URL: spec '0.2,0.3': invalid argument: the probabilities sum to 0.5" \
        dist 0.2,0.3 --server "$URL" -o "$OUT"
    err "server: HTTP status" 1 "(HTTP 400)" dist 0.2,0.3 --server "$URL" -o "$OUT"
    err "server: over its limit" 1 "over the server's limit of 100000" \
        dist d6 --times 100000 --server "$URL" -o "$OUT"
    err "server: conv over its limit" 1 "server $URL: " \
        conv2d "$DATA/img.npy" box:400 --server "$URL" -o "$OUT"
    # Jobs the API cannot express are refused before anything is sent.
    err "server: --density" 2 "clconv dist: --density cannot be sent to a server" \
        dist 1,1 --density 0.5 --server "$URL" -o "$OUT"
    err "server: --rows" 2 "clconv dist: --rows cannot be sent to a server" \
        dist --rows "$DATA/bernoulli.npy" --server "$URL" -o "$OUT"
    err "server: a 2-D spec" 1 "joint.npy': a 2-D distribution cannot be sent to a server" \
        dist "$DATA/joint.npy" --server "$URL" -o "$OUT"
    # Local checks still come first.
    err "server: NaN found here" 1 "nan.npy: element (1,) is NaN" \
        conv1d "$WORK/nan.npy" "$K" --server "$URL" -o "$OUT"
fi
serve_stop

# A server that wants a bearer token: CLCONV_TOKEN carries it.
printf 'secret\n' >"$WORK/token"
serve_start --token-file "$WORK/token"
if [ -n "$URL" ]; then
    err "server: no token" 1 "server $URL: missing or wrong bearer token (HTTP 401)" \
        dist 3d6 --server "$URL" -o "$OUT"
    CLCONV_TOKEN=wrong
    export CLCONV_TOKEN
    err "server: wrong token" 1 "(HTTP 401)" dist 3d6 --server "$URL" -o "$OUT"
    CLCONV_TOKEN=secret
    same "server: the right token" npy dist 3d6 --format csv
    unset CLCONV_TOKEN
fi
serve_stop

# Port 1 on the loopback is not listening: no server, one line, no output.
err "server: unreachable" 1 "clconv: cannot reach the server http://127.0.0.1:1: " \
    conv1d "$S" "$K" --server http://127.0.0.1:1 -o "$OUT"
err "server: unreachable, dist" 1 "cannot reach the server http://127.0.0.1:1: " \
    dist 3d6 --server http://127.0.0.1:1 -o "$OUT"
err "server: not HTTP" 1 "cannot reach the server ftp://127.0.0.1: " \
    dist 3d6 --server ftp://127.0.0.1 -o "$OUT"
for command in conv1d conv2d dist; do
    if "$CLCONV" $command --help | grep -q -- '--server URL' &&
        "$CLCONV" $command --help | grep -q 'CLCONV_SERVER'; then pass; else
        fail "$command --help" "--server or CLCONV_SERVER missing"
    fi
done

# ---- help, version, devices -------------------------------------------------

for args in "--help" "conv1d --help" "conv2d -h" "devices --help" "bench --help" "help conv2d" \
    "dist --help" "help dist" "serve --help"; do
    # shellcheck disable=SC2086 # the arguments are meant to split
    if "$CLCONV" $args >"$WORK/stdout" 2>"$WORK/stderr" &&
        grep -q '^Usage: clconv' "$WORK/stdout" && [ ! -s "$WORK/stderr" ]; then
        pass
    else
        fail "clconv $args" "no usage on stdout"
    fi
done
if "$CLCONV" --help | grep -q "2  usage error"; then pass; else
    fail "--help" "exit codes missing"
fi
if "$CLCONV" --version | grep -Eq '^clconv [0-9]+\.[0-9]+\.[0-9]+$'; then pass; else
    fail "--version" "no version"
fi
if "$CLCONV" devices >"$WORK/stdout" 2>"$WORK/stderr" && grep -q '(default' "$WORK/stdout" &&
    grep -q 'float64' "$WORK/stdout"; then pass; else fail "devices" "no default device listed"; fi

# ---- --out-dtype: integers kept integer to the device ----------------------

# npy_ints FILE TYPE: the values of a version 1.0 file of od type TYPE (u1,
# u2, d2) on one line.
npy_ints() {
    len=$(npy_header_len "$1")
    od -A n -v -t "$2" -j $((10 + len)) "$1" | tr -s ' \n' '  ' | sed 's/^ *//; s/ *$//'
}

# int_ok NAME SIGNATURE TYPE VALUES ARGS...: clconv conv2d ARGS -o out.npy
# succeeds silently and writes SIGNATURE ("|u1 (1, 6)") holding VALUES.
int_ok() {
    name=$1 sig=$2 type=$3 values=$4
    shift 4
    if conv_ok "$name" conv2d "$@" -o "$OUT"; then
        check test "$(npy_signature "$OUT")" = "$sig" || return
        got=$(npy_ints "$OUT" "$type")
        if [ "$got" != "$values" ]; then fail "$name" "values '$got', want '$values'"; fi
    fi
}

printf '\000\001\002\003\376\377' |
    mknpy "$WORK/u8.npy" "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 6), }"
printf '\000\000\001\000\377\377\000\200' |
    mknpy "$WORK/u16.npy" "{'descr': '<u2', 'fortran_order': False, 'shape': (1, 4), }"
printf '\000\000\377\377\377\177\000\200' |
    mknpy "$WORK/i16.npy" "{'descr': '<i2', 'fortran_order': False, 'shape': (1, 4), }"
npy_f4 "$WORK/half.npy" "(1, 1)" '\000\000\000\077'
npy_f4 "$WORK/k15.npy" "(1, 1)" '\000\000\300\077'
npy_f4 "$WORK/neg.npy" "(1, 1)" '\000\000\200\277'
# 0 .5 1 1.5 127 127.5: ties go to the even neighbour, as cv::saturate_cast.
int_ok "--out-dtype uint8, ties to even" "|u1 (1, 6)" u1 "0 0 1 2 127 128" \
    "$WORK/u8.npy" "$WORK/half.npy" --out-dtype uint8
# 0 1.5 3 4.5 381 382.5: 255 is crossed.
int_ok "--out-dtype same saturates at 255" "|u1 (1, 6)" u1 "0 2 3 4 255 255" \
    "$WORK/u8.npy" "$WORK/k15.npy" --out-dtype same
int_ok "--out-dtype uint8 saturates at 0" "|u1 (1, 6)" u1 "0 0 0 0 0 0" \
    "$WORK/u8.npy" "$WORK/neg.npy" --out-dtype uint8
int_ok "--out-dtype int16 from uint8" "<i2 (1, 6)" d2 "0 -1 -2 -3 -254 -255" \
    "$WORK/u8.npy" "$WORK/neg.npy" --out-dtype int16
# uint16 0 1 65535 32768 times 1.5: 0 1.5 98302.5 49152.
int_ok "--out-dtype uint16 saturates at 65535" "<u2 (1, 4)" u2 "0 2 65535 49152" \
    "$WORK/u16.npy" "$WORK/k15.npy" --out-dtype uint16
# int16 0 -1 32767 -32768 times -1: both ends of int16 are crossed.
int_ok "--out-dtype same, int16" "<i2 (1, 4)" d2 "0 1 -32767 32767" \
    "$WORK/i16.npy" "$WORK/neg.npy" --out-dtype same
int_ok "--out-dtype float32 from uint8" "<f4 (1, 6)" f4 "0 -1 -2 -3 -254 -255" \
    "$WORK/u8.npy" "$WORK/neg.npy" --out-dtype float32
int_ok "--out-dtype uint8, boundary nearest" "|u1 (1, 6)" u1 "0 0 1 2 127 128" \
    "$WORK/u8.npy" "$WORK/half.npy" --out-dtype uint8 --boundary nearest --mode same
# .npy integer input still gives float32 without the option.
int_ok "uint8 .npy gives float32 by default" "<f4 (1, 6)" f4 "0 0.5 1 1.5 127 127.5" \
    "$WORK/u8.npy" "$WORK/half.npy"
if conv_ok "8-bit PNG, --out-dtype uint8" conv2d "$DATA/gray8.png" sharpen --out-dtype uint8 \
    -o "$WORK/u8.png" && conv_ok "8-bit PNG, float" conv2d "$DATA/gray8.png" sharpen \
    -o "$WORK/f32.png"; then
    check cmp "$WORK/u8.png" "$WORK/f32.png"
fi
# round_u8 FILE: FILE's numbers saturated to 0 ... 255 and rounded half to
# even, on one line.
round_u8() {
    tr -s ' \n' '  ' <"$1" | awk '{
        for (i = 1; i <= NF; i++) {
            v = $i < 0 ? 0 : $i > 255 ? 255 : $i
            r = int(v)
            f = v - r
            if (f > 0.5 || (f == 0.5 && r % 2 == 1)) r++
            printf "%s%d", (i > 1 ? " " : ""), r
        }
    }'
}
if conv_ok "8-bit PNG as float text" conv2d "$DATA/gray8.png" sharpen -o "$WORK/float.txt"; then
    int_ok "8-bit PNG to uint8 .npy" "|u1 (10, 12)" u1 "$(round_u8 "$WORK/float.txt")" \
        "$DATA/gray8.png" sharpen --out-dtype uint8
fi
err "--out-dtype int8" 2 "--out-dtype must be float32, float64, complex64, complex128, uint8, uint16, int16 or same, not 'int8'" \
    conv2d "$WORK/u8.npy" "$WORK/half.npy" -o "$OUT" --out-dtype int8
# Every path takes integers: FFT, separable factors (whole results, which
# no rounding of either path can move).
int_ok "--out-dtype int16 with fft" "<i2 (1, 6)" d2 "0 -1 -2 -3 -254 -255" \
    "$WORK/u8.npy" "$WORK/neg.npy" --out-dtype int16 --method fft
npy_f4 "$WORK/neg1.npy" "(1,)" '\000\000\200\277'
int_ok "--out-dtype uint8, separable" "|u1 (1, 6)" u1 "0 1 2 3 254 255" \
    "$WORK/u8.npy" "$WORK/neg1.npy" "$WORK/neg1.npy" --separable --out-dtype uint8
err "--out-dtype float64 with -p f32" 1 "--out-dtype float64 asks for a float64 result but --precision f32 computes in the other precision" \
    conv2d "$WORK/u8.npy" "$WORK/half.npy" -o "$OUT" --out-dtype float64 -p f32
err "--out-dtype in conv1d" 2 "unknown option '--out-dtype'" \
    conv1d "$WORK/u8.npy" "$WORK/half.npy" -o "$OUT" --out-dtype uint8
printf '\001\000\000\000\000\000\000\000' |
    mknpy "$WORK/i64.npy" "{'descr': '<i8', 'fortran_order': False, 'shape': (1, 1), }"
err "--out-dtype same of int64" 1 "int64 (<i8) is not accepted" \
    conv2d "$WORK/i64.npy" "$WORK/half.npy" -o "$OUT" --out-dtype same
printf '\000\001' | mknpy "$WORK/bool.npy" "{'descr': '|b1', 'fortran_order': False, 'shape': (1, 2), }"
err "bool input" 1 "unsupported dtype '|b1'" \
    conv2d "$WORK/bool.npy" "$WORK/half.npy" -o "$OUT" --out-dtype uint8
printf '\000\001' | mknpy "$WORK/be.npy" "{'descr': '>i2', 'fortran_order': False, 'shape': (1, 1), }"
err "big-endian int16 input" 1 "big-endian dtype '>i2' is not supported" \
    conv2d "$WORK/be.npy" "$WORK/half.npy" -o "$OUT" --out-dtype uint8
printf '\000\001' | mknpy "$WORK/obj.npy" "{'descr': '|O', 'fortran_order': False, 'shape': (1, 1), }"
err "object input" 1 "unsupported dtype '|O'" \
    conv2d "$WORK/obj.npy" "$WORK/half.npy" -o "$OUT" --out-dtype uint8

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
