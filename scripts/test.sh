#!/usr/bin/env bash
# One command for the whole test run on a fresh Debian machine: installs what
# is missing, builds, and runs every test through CTest.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CLCONV_BUILD_DIR:-$here/build}"

# ---- extra stages: fuzzing and the API against its description -------------
# Without arguments (as .ci/run calls it), or with CLCONV_CI_EXTRA=1, the plain
# suites are followed by every fuzz target for CLCONV_FUZZ_SECONDS each
# (scripts/fuzz.sh, clang) and Schemathesis against docs/openapi.yaml
# (scripts/schemathesis.sh, from PyPI into a venv under the build directory):
# about 8 minutes more on the 2-core machine. CLCONV_CI_EXTRA=0 skips them.
extra="${CLCONV_CI_EXTRA:-$(( $# == 0 ))}"
if [ "$extra" = 1 ]; then
    export CLCONV_EXTRA_PACKAGES="${CLCONV_EXTRA_PACKAGES:-} clang libclang-rt-14-dev python3-venv"
fi
# ---------------------------------------------------------------------------

"$here/scripts/setup.sh"
cd "$build"
ctest --output-on-failure --timeout 1200 "$@"

# ---- extra stages (see above) ----------------------------------------------
if [ "$extra" = 1 ]; then
    status=0
    "$here/scripts/fuzz.sh" "${CLCONV_FUZZ_SECONDS:-30}" || status=1
    "$here/scripts/schemathesis.sh" "${CLCONV_SCHEMATHESIS_EXAMPLES:-200}" || status=1
    exit "$status"
fi
# ---------------------------------------------------------------------------
