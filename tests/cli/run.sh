#!/bin/sh
# Tests of the clconv command through the command itself, in the manner of
# zstd's tests/playTests.sh: every case runs the real binary, checks its exit
# code and stderr, and compares the .npy it wrote with SciPy's result kept in
# expected/ (made once by make-fixtures.py; CI needs no NumPy). Malformed
# inputs are made here with printf. Every failing run must exit non-zero with
# exactly one line on stderr and leave no output file, temporary included.
#
# Usage: run.sh PATH/TO/clconv PATH/TO/tests/cli

# Byte escapes are passed to printf as formats on purpose.
# shellcheck disable=SC2059
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 CLCONV TESTS_CLI_DIR" >&2
    exit 2
fi
CLCONV=$1
DATA=$2/data
EXPECTED=$2/expected
WORK=$(mktemp -d "${TMPDIR:-/tmp}/clconv-cli.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
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
    case $(npy_signature "$1") in
    "<f4"*) type=f4 ;;
    *) type=f8 ;;
    esac
    od -A n -v -t "$type" -j $((10 + len)) "$1" | tr -s ' ' '\n' | sed '/^$/d'
}

# npy_matches ACTUAL EXPECTED TOL: same dtype and shape, and every value
# within TOL times the largest expected magnitude (at least 1). Prints why not.
npy_matches() {
    sig_a=$(npy_signature "$1")
    sig_e=$(npy_signature "$2")
    if [ "$sig_a" != "$sig_e" ]; then
        echo "dtype/shape '$sig_a', expected '$sig_e'"
        return 1
    fi
    npy_values "$1" >"$WORK/actual.txt"
    npy_values "$2" >"$WORK/expected.txt"
    paste "$WORK/actual.txt" "$WORK/expected.txt" | awk -v tol="$3" '
        function abs(x) { return x < 0 ? -x : x }
        { a[NR] = $1; e[NR] = $2; if (abs($2) > big) big = abs($2) }
        END {
            if (big < 1) big = 1
            for (i = 1; i <= NR; i++) {
                if (a[i] == "" || abs(a[i] - e[i]) > tol * big) {
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

no_leftovers() {
    for f in "$WORK"/.out.npy.*; do
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
    rm -f "$OUT"
    "$CLCONV" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
    rc=$?
    lines=$(wc -l <"$WORK/stderr")
    if [ $rc -ne "$code" ]; then
        fail "$name" "exit code $rc, expected $code"
    elif [ "$lines" -ne 1 ]; then
        fail "$name" "$lines lines on stderr, expected 1"
    elif ! grep -qF -- "$message" "$WORK/stderr"; then
        fail "$name" "stderr lacks '$message'"
    elif [ -e "$OUT" ]; then
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
ok "int64 input, --precision f64" conv1d_i64_as_f64_full 0 \
    conv1d "$DATA/sig_i64.npy" "$K" -p f64
ok "conv1d --batch" conv1d_batch_same 0 conv1d --batch "$DATA/batch.npy" "$K" --mode same
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

# ---- inputs that must be refused -------------------------------------------

npy_f4 "$WORK/inf2d.npy" "(1, 2)" "$F4_ONE$F4_INF"
npy_f4 "$WORK/empty.npy" "(0,)" ""
npy_f4 "$WORK/lying.npy" "(100,)" "$F4_ONE"
npy_f4 "$WORK/huge.npy" "(18446744073709551615, 2)" "$F4_ONE"
npy_f4 "$WORK/tall.npy" "(8, 3)" "$(for _ in $(seq 24); do printf '%s' "$F4_ONE"; done)"
printf "$F4_ONE" | mknpy "$WORK/be.npy" "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }"
printf "$F4_ONE$F4_ONE" |
    mknpy "$WORK/complex.npy" "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }"
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
err "complex dtype" 1 "complex.npy: unsupported dtype '<c8'" \
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

# ---- help, version, devices -------------------------------------------------

for args in "--help" "conv1d --help" "conv2d -h" "devices --help" "bench --help" "help conv2d"; do
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
if "$CLCONV" devices >"$WORK/stdout" 2>"$WORK/stderr" && grep -q '(default)' "$WORK/stdout" &&
    grep -q 'float64' "$WORK/stdout"; then pass; else fail "devices" "no default device listed"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
