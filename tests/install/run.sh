#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, then configures, builds and
# runs the consumer project against it (CMake package and pkg-config).
set -euo pipefail
build="$1" src="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
# The command comes with its man page, one section per subcommand.
if [ -x "$build/clconv" ]; then
    grep -q '^\.SS clconv conv1d$' "$tmp/prefix/share/man/man1/clconv.1" ||
        { echo "install: the man page lacks clconv conv1d" >&2; exit 1; }
fi
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig:$tmp/prefix/lib/$(gcc -dumpmachine)/pkgconfig"
cmake -S "$src" -B "$tmp/consumer" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/consumer" >/dev/null
export LD_LIBRARY_PATH="$tmp/prefix/lib:$tmp/prefix/lib/$(gcc -dumpmachine)"
"$tmp/consumer/consumer_cmake"
"$tmp/consumer/consumer_pkgconfig"
