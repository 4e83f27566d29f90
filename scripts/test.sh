#!/usr/bin/env bash
# One command for the whole test run on a fresh Debian machine: installs what
# is missing, builds, runs every test through CTest, then builds the Python
# package into a virtual environment and runs its tests with pytest.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# scripts/test.sh --sanitize [CTEST ARGS]: every CTest suite (Check suites,
# command and service tests) built with AddressSanitizer and UBSan in a tree
# of its own, leaks detected in our code; tests/sanitize/lsan.supp names the
# allocations POCL, LLVM and the ICD loader keep for the process's life.
if [ "${1:-}" = "--sanitize" ]; then
    shift
    build="${CLCONV_SANITIZE_BUILD_DIR:-$here/build-sanitize}"
    CLCONV_BUILD_DIR="$build" CLCONV_CMAKE_ARGS="-DCLCONV_SANITIZE=address,undefined" \
        "$here/scripts/setup.sh"
    # intercept_tls_get_addr=0: up to GCC 13 the sanitizer runtime takes a
    # dynamic TLS block that malloc placed 16 bytes past a page boundary for a
    # pre-2.25 glibc header and reads a bogus range from before it, so at
    # exit LeakSanitizer's tracer dies of SIGSEGV ("Tracer caught signal 11")
    # now and then with no leak found (seen here once in the command suite's
    # 650 runs of clconv). Dynamic TLS is then not scanned for pointers, which
    # can only add leak reports, never hide one.
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1:intercept_tls_get_addr=0"
    export LSAN_OPTIONS="suppressions=$here/tests/sanitize/lsan.supp:print_suppressions=0"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
    cd "$build"
    # Not the install test: it builds a plain program against the installed
    # library, and an instrumented library cannot serve one (ASan's runtime
    # must be the first library loaded).
    exec ctest --output-on-failure --timeout 3600 -E '^install$' "$@"
fi

build="${CLCONV_BUILD_DIR:-$here/build}"

# ---- extra stages -------------------------------------------------------------
# Without arguments (as .ci/run calls it), or with CLCONV_CI_EXTRA=1, the plain
# suites are followed by: every fuzz target for CLCONV_FUZZ_SECONDS each
# (scripts/fuzz.sh, clang); Schemathesis against docs/openapi.yaml
# (scripts/schemathesis.sh, from PyPI into a venv under the build directory);
# every kernel under Oclgrind (scripts/oclgrind.sh); a soak of the service for
# CLCONV_SOAK_SECONDS (scripts/soak.sh); and every CTest suite under
# AddressSanitizer and UBSan (the --sanitize tree above; with the POCL cache
# warm from the plain suites it took 4.5 min here). README.md lists their
# measured durations. CLCONV_CI_EXTRA=0 skips them.
extra="${CLCONV_CI_EXTRA:-$(( $# == 0 ))}"
if [ "$extra" = 1 ]; then
    export CLCONV_EXTRA_PACKAGES="${CLCONV_EXTRA_PACKAGES:-} clang libclang-rt-14-dev python3-venv oclgrind"
fi
# ---------------------------------------------------------------------------

"$here/scripts/setup.sh"
cd "$build"
# One ctest job per core: a cold run is mostly POCL compiling kernels, one
# thread per build. A failing stage does not stop the later ones, so every
# count shows; the script fails if any stage did.
status=0
ctest --output-on-failure --timeout 1200 -j"$(nproc)" "$@" || status=$?

# The Python package: built by pip (scikit-build-core) into a virtual
# environment that sees Debian's NumPy and SciPy, the tests' references; its
# Client tests talk to the clconv command built above.
venv="$build/python-venv"
[ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$venv"
"$venv/bin/python" -c 'import scikit_build_core, pytest' 2>/dev/null ||
    "$venv/bin/pip" install -q 'scikit-build-core>=0.11' pytest >&2
"$venv/bin/pip" install -q --no-build-isolation "$here/python" >&2
CLCONV_BIN="$build/clconv" "$venv/bin/python" -m pytest -p no:cacheprovider "$here/python/tests" ||
    status=$?

# ---- extra stages (see above) ----------------------------------------------
if [ "$extra" = 1 ]; then
    "$here/scripts/fuzz.sh" "${CLCONV_FUZZ_SECONDS:-30}" || status=1
    "$here/scripts/schemathesis.sh" "${CLCONV_SCHEMATHESIS_EXAMPLES:-200}" || status=1
    "$here/scripts/oclgrind.sh" || status=1
    "$here/scripts/soak.sh" "${CLCONV_SOAK_SECONDS:-60}" || status=1
    "$here/scripts/test.sh" --sanitize || status=1
fi
exit "$status"
