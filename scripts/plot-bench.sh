#!/usr/bin/env bash
# Turns the results of `clconv bench` into PNG plots with gnuplot, installing
# gnuplot-nox first when gnuplot is missing (Debian, as scripts/setup.sh does).
#
#   scripts/plot-bench.sh BENCH.json|BENCH.csv [OUTDIR]
#
# Either file the command writes will do: the CSV (--csv) as it is, or the
# JSON (--json), whose "rows" hold the same table one array per line, so that
# sed turns them back into CSV and no JSON parser is needed. Per device (the
# prefix devN-), OUTDIR (default: plots) receives
#   devN-fft-conv1d-SIZE.png  time against kernel taps for one signal size of
#                             the FFT grid: direct, FFT and auto, auto's points
#                             marked by the method it chose;
#   devN-fft-conv2d.png       the same for the 2048x2048 images;
#   devN-direct-conv1d.png, devN-direct-conv2d.png
#                             time against kernel taps on the direct grid;
#   devN-3d-conv3d.png        the same on the 3-D grid (direct at 3^3 and 7^3,
#                             FFT at 31^3);
#   devN-roof.png             percent of the device's measured limit against
#                             kernel taps, per grid and method that ran (see
#                             %roof in 'clconv bench --help'); the direct
#                             grid's points where auto chose FFT are left out.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 BENCH.json|BENCH.csv [OUTDIR]" >&2
  exit 2
fi
input=$1
outdir=${2:-plots}
[ -r "$input" ] || { echo "plot-bench: cannot read '$input'" >&2; exit 1; }

if ! command -v gnuplot >/dev/null 2>&1; then
  echo "plot-bench: installing gnuplot-nox" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    gnuplot-nox >&2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/plot-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
csv=$work/bench.csv
case $input in
*.json)
  # The rows are the only lines that open with a bracket; strip it, the
  # closing one and the quotes.
  sed -n 's/^ *\[\(.*\)\],\{0,1\}$/\1/p' "$input" | tr -d '"' >"$csv"
  ;;
*)
  tail -n +2 "$input" >"$csv"
  ;;
esac
[ -s "$csv" ] || { echo "plot-bench: no result rows in '$input'" >&2; exit 1; }
mkdir -p "$outdir"

# Columns: 1 device, 2 grid, 3 op, 4 size, 5 kernel, 6 n, 7 k, 8 method,
# 9 chosen, 10 ms_median, 11 ms_min, 12 ms_max, 13 gflops, 14 gbps,
# 15 pct_roof, 16 bound. series FILTER writes "k ms pct" of the rows awk's
# FILTER selects, sorted by k.
series() {
  awk -F, "$1"' { print $7, $10, $15 }' "$csv" | sort -n -k1,1
}

# The axes of every time plot.
time_axes="set terminal pngcairo size 900,600 noenhanced font ',11'
set logscale xy
set grid
set key top left
set xlabel 'kernel taps'
set ylabel 'ms (median)'"

# add FILE USING STYLE TITLE: a clause of the next plot for FILE, when it
# holds data (a series the run skipped stays out of the key).
add() {
  if [ -s "$1" ]; then plots+=("'$1' using $2 with $3 title '$4'"); fi
}

# draw OUT SETTINGS: one gnuplot run of the clauses gathered by add.
draw() {
  ((${#plots[@]})) || return 0
  local IFS=,
  gnuplot <<EOF
$2
set output '$1'
plot ${plots[*]}
EOF
  echo "$1"
}

blue="lc rgb '#1f77b4'" red="lc rgb '#d62728'"

# plot_methods OUT TITLE FILTER: direct, FFT and auto at the rows FILTER
# selects, auto's points marked by the method it chose.
plot_methods() {
  local out=$1 title=$2 filter=$3 m
  plots=()
  for m in direct fft; do
    series "$filter"' && $8 == "'$m'"' >"$work/$m.dat"
    series "$filter"' && $8 == "auto" && $9 == "'$m'"' >"$work/auto_$m.dat"
  done
  add "$work/direct.dat" 1:2 "linespoints pt 7 $blue" direct
  add "$work/fft.dat" 1:2 "linespoints pt 5 $red" fft
  add "$work/auto_direct.dat" 1:2 "points pt 6 ps 2.5 lw 2 $blue" "auto, chose direct"
  add "$work/auto_fft.dat" 1:2 "points pt 4 ps 2.5 lw 2 $red" "auto, chose fft"
  draw "$out" "$time_axes
set title '$title'"
}

# plot_roof OUT TITLE FILTER: percent of the limit against kernel taps, per
# grid and method, at the rows FILTER selects.
plot_roof() {
  local out=$1 title=$2 filter=$3 i=0 name
  local -A sel=(
    ["direct grid, conv1d"]='$2 == "direct" && $3 == "conv1d" && $9 == "direct"'
    ["direct grid, conv2d"]='$2 == "direct" && $3 == "conv2d" && $9 == "direct"'
    ["FFT grid, direct, conv1d"]='$2 == "fft" && $3 == "conv1d" && $8 == "direct"'
    ["FFT grid, fft, conv1d"]='$2 == "fft" && $3 == "conv1d" && $8 == "fft"'
  )
  plots=()
  for name in "direct grid, conv1d" "direct grid, conv2d" "FFT grid, direct, conv1d" \
    "FFT grid, fft, conv1d"; do
    i=$((i + 1))
    series "$filter && ${sel[$name]}" >"$work/roof$i.dat"
    add "$work/roof$i.dat" 1:3 "points pt $((i + 4)) ps 1.5" "$name"
  done
  draw "$out" "set terminal pngcairo size 900,600 noenhanced font ',11'
set title '$title'
set logscale x
set grid
set key top left
set yrange [0:*]
set xlabel 'kernel taps'
set ylabel '% of the limit (roofline; FFT: of bandwidth)'"
}

for dev in $(cut -d, -f1 "$csv" | sort -un); do
  d="\$1 == $dev"
  fft="$d && \$2 == \"fft\"" direct="$d && \$2 == \"direct\""
  for size in $(awk -F, -v d="$dev" '$1 == d && $2 == "fft" && $3 == "conv1d" { print $4 }' \
    "$csv" | sort -un); do
    plot_methods "$outdir/dev$dev-fft-conv1d-$size.png" \
      "device $dev: conv1d of $size samples, same mode (FFT grid)" \
      "$fft && \$3 == \"conv1d\" && \$4 == \"$size\""
  done
  plot_methods "$outdir/dev$dev-fft-conv2d.png" \
    "device $dev: conv2d of 2048x2048, same mode (FFT grid)" "$fft && \$3 == \"conv2d\""
  plot_methods "$outdir/dev$dev-direct-conv1d.png" \
    "device $dev: conv1d of 2^22 samples, same mode (direct grid)" "$direct && \$3 == \"conv1d\""
  plot_methods "$outdir/dev$dev-direct-conv2d.png" \
    "device $dev: conv2d of 2048x2048, same mode (direct grid)" "$direct && \$3 == \"conv2d\""
  volume=$(awk -F, -v d="$dev" '$1 == d && $2 == "3d" { print $4; exit }' "$csv")
  plot_methods "$outdir/dev$dev-3d-conv3d.png" \
    "device $dev: conv3d of $volume, same mode (3-D grid)" "$d && \$2 == \"3d\""
  plot_roof "$outdir/dev$dev-roof.png" "device $dev: percent of the measured limit" "$d"
done
