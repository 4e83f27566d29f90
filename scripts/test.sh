#!/usr/bin/env bash
# One command for the whole test run on a fresh Debian machine: installs what
# is missing, builds, and runs every test through CTest.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CLCONV_BUILD_DIR:-$here/build}"
"$here/scripts/setup.sh"
cd "$build"
ctest --output-on-failure --timeout 1200 "$@"
