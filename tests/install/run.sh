#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, then configures, builds and
# runs the consumer project against it (CMake package and pkg-config).
set -euo pipefail
build="$1" src="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig:$tmp/prefix/lib/$(gcc -dumpmachine)/pkgconfig"
cmake -S "$src" -B "$tmp/consumer" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/consumer" >/dev/null
export LD_LIBRARY_PATH="$tmp/prefix/lib:$tmp/prefix/lib/$(gcc -dumpmachine)"
"$tmp/consumer/consumer_cmake"
"$tmp/consumer/consumer_pkgconfig"
