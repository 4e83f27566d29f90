#!/usr/bin/env bash
# One command for the whole test run on a fresh Debian machine: installs what
# is missing, builds, runs every test through CTest, then builds the Python
# package into a virtual environment and runs its tests with pytest.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CLCONV_BUILD_DIR:-$here/build}"
"$here/scripts/setup.sh"
cd "$build"
# A failing suite does not stop the Python tests; the script fails if either did.
status=0
ctest --output-on-failure --timeout 1200 "$@" || status=$?

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
exit "$status"
