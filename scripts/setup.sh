#!/usr/bin/env bash
# Installs the Debian packages clconv needs to build and test, skipping those
# already present, then configures and builds into ${CLCONV_BUILD_DIR:-build}.
# Sourced by scripts/test.sh and scripts/demo.sh; safe to run on its own.
# CLCONV_CMAKE_ARGS adds options to the configure step (scripts/test.sh
# --sanitize passes -DCLCONV_SANITIZE=address,undefined).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CLCONV_BUILD_DIR:-$here/build}"

packages=(
  build-essential cmake pkg-config    # compiler and build
  opencl-c-headers ocl-icd-opencl-dev # Khronos headers and the ICD loader
  pocl-opencl-icd                     # the CPU OpenCL device when there is no GPU
  check                               # unit tests
  libvkfft-dev                        # FFT convolution (header-only)
  libfftw3-dev                        # host FFTs on CPU devices (CLCONV_FFTW)
  libcurl4-openssl-dev                # the commands' --server client
  libpng-dev                          # PNG images in clconv conv2d
  libmicrohttpd-dev                   # the HTTP server of clconv serve
  openssl                             # a self-signed certificate for the TLS test
  clinfo                              # device listing for people
  python3-venv python3-numpy python3-scipy  # the Python package's venv and its references
)
# Scripts that need more (the load test's wrk, the cluster's nginx) name it
# in CLCONV_EXTRA_PACKAGES, so that one loop installs everything.
read -r -a extra <<<"${CLCONV_EXTRA_PACKAGES:-}"
packages+=("${extra[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

read -r -a cmake_args <<<"${CLCONV_CMAKE_ARGS:-}"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE="${CLCONV_BUILD_TYPE:-RelWithDebInfo}" \
    "${cmake_args[@]}" >&2
cmake --build "$build" -j"$(nproc)" >&2
