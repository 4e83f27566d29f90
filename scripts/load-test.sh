#!/usr/bin/env bash
# Load test of `clconv serve` on loopback. Drives three jobs with
# wrk at 1, 8 and 64 concurrent clients, each for a bounded time: a small
# conv1d (2^16 samples x 64 taps, float32), a 1024x1024 conv2d with a 3x3
# kernel and a 1000-fold die sum; prints requests/s, p50/p99 latency and
# failed requests, the server's resident memory before and after, the same
# small conv1d as a whole cold `clconv conv1d` process (median of several)
# against the warm p50, and the server's memory after 1,000 and after 10,000
# more requests. Checks the service's goals (no failed request; warm p50 at
# least 20x below the cold process; memory after 10,000 within 10% of after
# 1,000) and exits 1 when one is missed.
#
# wrk (Debian's package, installed through scripts/setup.sh when missing) is
# the driver: an epoll load generator in C that costs the 2-core machine
# little beside the server and keeps latency percentiles to the
# microsecond; its Lua hook (scripts/load-test.lua) posts our bodies and
# stops after a counted number of answers for the memory check.
#
# Usage: scripts/load-test.sh [--duration SECONDS]
#                             [--url URL [--pids "PID..."] [--backends "URL..."]]
#   Without --url it starts its own `clconv serve --listen 127.0.0.1:0`.
#   With --url it loads that address (e.g. nginx in front of several servers,
#   see scripts/cluster.sh), reads the resident memory of the --pids given,
#   and between measurements waits for the --backends (the servers' own URLs)
#   to finish the jobs that wrk abandoned when its time was up.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CLCONV_BUILD_DIR:-$here/build}"
# shellcheck source=serve-lib.sh
. "$here/scripts/serve-lib.sh"

duration=10
url=""
pids=()
backends=()
while [ $# -gt 0 ]; do
    case $1 in
    --duration) duration=$2; shift 2 ;;
    --url) url=$2; shift 2 ;;
    --pids) read -r -a pids <<<"$2"; shift 2 ;;
    --backends) read -r -a backends <<<"$2"; shift 2 ;;
    -h | --help) sed -n '2,/^set -e/{/^# shellcheck/d; s/^# \{0,1\}//p}' "$0"; exit 0 ;;
    *) echo "load-test.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

CLCONV_EXTRA_PACKAGES="wrk curl ${CLCONV_EXTRA_PACKAGES:-}" "$here/scripts/setup.sh"
clconv="$build/clconv"
lua="$here/scripts/load-test.lua"

serve_scratch load

# ---- inputs -----------------------------------------------------------------

# npy_f4 FILE SHAPE COUNT: a float32 .npy of COUNT values, every one the
# bytes 3f 3f 3f 3f (0.747): finite, and the timing does not depend on values.
npy_f4() {
    local dict="{'descr': '<f4', 'fortran_order': False, 'shape': $2, }"
    local len=$((${#dict} + 1))
    local pad=$(((64 - (10 + len) % 64) % 64))
    local hlen=$((len + pad))
    {
        printf '\223NUMPY\001\000'
        # shellcheck disable=SC2059 # the length bytes are octal escapes
        printf "\\$(printf %03o $((hlen % 256)))\\$(printf %03o $((hlen / 256)))"
        printf '%s%*s\n' "$dict" "$pad" ''
        head -c $((4 * $3)) /dev/zero | tr '\000' '\077'
    } >"$1"
}

# multipart FILE INPUT KERNEL: a multipart/form-data body with the parts
# input and kernel, as curl -F would send it.
boundary="clconv-load-test-boundary"
multipart() {
    {
        printf -- '--%s\r\nContent-Disposition: form-data; name="input"; filename="input.npy"\r\n' \
            "$boundary"
        printf 'Content-Type: application/x-npy\r\n\r\n'
        cat "$2"
        printf '\r\n--%s\r\nContent-Disposition: form-data; name="kernel"; filename="kernel.npy"\r\n' \
            "$boundary"
        printf 'Content-Type: application/x-npy\r\n\r\n'
        cat "$3"
        printf '\r\n--%s--\r\n' "$boundary"
    } >"$1"
}

npy_f4 "$tmp/sig.npy" "(65536,)" 65536
npy_f4 "$tmp/ker.npy" "(64,)" 64
npy_f4 "$tmp/img.npy" "(1024, 1024)" $((1024 * 1024))
npy_f4 "$tmp/ker3.npy" "(3, 3)" 9
multipart "$tmp/conv1d.body" "$tmp/sig.npy" "$tmp/ker.npy"
multipart "$tmp/conv2d.body" "$tmp/img.npy" "$tmp/ker3.npy"
printf '{"specs": ["1:0.1,0.2,0.3,0.1,0.2,0.1"], "times": 1000, "method": "auto"}' >"$tmp/dist.body"
form="multipart/form-data; boundary=$boundary"

# name|path and query|body|content type
jobs=(
    "conv1d 2^16 x 64|/v1/conv1d?mode=same&precision=f32|conv1d.body|$form"
    "conv2d 1024^2 3x3|/v1/conv2d?mode=same&precision=f32|conv2d.body|$form"
    "dist d6 x1000|/v1/dist|dist.body|application/json"
)

# ---- the server ---------------------------------------------------------------

if [ -z "$url" ]; then
    serve_start "$clconv" "$tmp/serve.log"
    own_pid=$serve_pid
    url=$serve_url
    pids=("$own_pid")
    backends=("$url")
fi
url=${url%/}
rss() {
    if [ ${#pids[@]} -gt 0 ]; then echo "$(($(rss_kib "${pids[@]}") / 1024)) MiB"; else echo "n/a"; fi
}
rss_start=$(rss)

# When wrk's time is up it drops the requests in flight, whose jobs the
# server still runs; the next measurement waits for them (the server's
# /metrics gauges) rather than meet a full queue.
drain() {
    local backend busy
    for backend in "${backends[@]}"; do
        for _ in $(seq 600); do
            busy=$(curl -sf "$backend/metrics" |
                awk '/^clconv_jobs_(queued|running) / { s += $2 } END { print s + 0 }') || busy=0
            [ "$busy" -eq 0 ] && break
            sleep 0.1
        done
    done
}

# wrk_run JOB CLIENTS SECONDS [STOP]: prints "requests req/s p50 p99 failed";
# with STOP, wrk's one thread stops after STOP answers.
wrk_run() {
    local path body type clients=$2 threads=2
    IFS='|' read -r _ path body type <<<"$1"
    [ "$clients" -ge 2 ] || threads=1
    [ -z "${4:-}" ] || threads=1
    drain
    LOAD_BODY="$tmp/$body" LOAD_TYPE="$type" LOAD_STOP="${4:-0}" \
        wrk -t "$threads" -c "$clients" -d "${3}s" --timeout 60s -s "$lua" "$url$path" |
        sed -n 's/^RESULT //p'
}

echo "load test of $url, $(nproc) CPU cores"

# Every job for 2 s before measuring: programs built, plans made, pages
# touched. The small conv1d's rate there sizes the counted runs below.
rate=""
for job in "${jobs[@]}"; do
    read -r _ rps _ <<<"$(wrk_run "$job" 2 2)"
    rate=${rate:-$rps}
done
rss_warm=$(rss)
failed_total=0

# ---- memory growth --------------------------------------------------------------

# Steady small requests must not grow the server: counted runs of the small
# conv1d with 8 clients after the warm-up, each given twice the time the
# warm-up's rate needs (wrk then idles until its duration ends).
mem_run() {
    local seconds
    seconds=$(awk -v n="$1" -v r="$rate" 'BEGIN { s = int(2 * n / r) + 3; print s }')
    read -r n _ _ _ failed <<<"$(wrk_run "${jobs[0]}" 8 "$seconds" "$1")"
    failed_total=$((failed_total + failed))
    requests_done=$((requests_done + n))
}
requests_done=0
rss_1k=""
rss_10k=""
if [ ${#pids[@]} -gt 0 ]; then
    mem_run 1000
    rss_1k=$(rss_kib "${pids[@]}")
    mem_run 9000
    rss_10k=$(rss_kib "${pids[@]}")
    growth=$(awk -v a="$rss_1k" -v b="$rss_10k" 'BEGIN { printf "%+.1f", 100 * (b - a) / a }')
    echo "server resident memory after 1,000 requests $((rss_1k / 1024)) MiB, after" \
        "$requests_done $((rss_10k / 1024)) MiB (${growth}%)"
fi

# ---- load at 1, 8 and 64 clients -------------------------------------------------

echo "each point: $duration s of wrk"
printf '%-18s %7s %9s %10s %10s %10s %7s\n' job clients requests "req/s" "p50 ms" "p99 ms" failed
warm_p50=""
for job in "${jobs[@]}"; do
    for clients in 1 8 64; do
        read -r n rps p50 p99 failed <<<"$(wrk_run "$job" "$clients" "$duration")"
        printf '%-18s %7d %9d %10.1f %10.2f %10.2f %7d\n' "${job%%|*}" "$clients" "$n" "$rps" \
            "$p50" "$p99" "$failed"
        failed_total=$((failed_total + failed))
        if [ -z "$warm_p50" ]; then warm_p50=$p50; fi
    done
done
echo "server resident memory: $rss_start at start, $rss_warm after the warm-up, $(rss) after the load"

# ---- the same small conv1d as cold processes ----------------------------------

cold=()
for _ in 1 2 3 4 5 6 7; do
    t0=$(date +%s%N)
    "$clconv" conv1d "$tmp/sig.npy" "$tmp/ker.npy" --mode same -o "$tmp/cold.npy"
    t1=$(date +%s%N)
    cold+=("$(((t1 - t0) / 1000))")
done
cold_ms=$(printf '%s\n' "${cold[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] / 1e3 }')
ratio=$(awk -v c="$cold_ms" -v w="$warm_p50" 'BEGIN { printf "%.1f", c / w }')
echo "conv1d 2^16 x 64 as a cold 'clconv conv1d' process: median ${cold_ms} ms of ${#cold[@]};" \
    "warm p50 ${warm_p50} ms (1 client): cold / warm = ${ratio}x"

# ---- goals ------------------------------------------------------------------------

missed=0
goal() {
    if [ "$1" = yes ]; then echo "goal met:    $2"; else echo "goal missed: $2"; missed=1; fi
}
goal "$([ "$failed_total" -eq 0 ] && echo yes || echo no)" "no failed request ($failed_total failed)"
goal "$(awk -v r="$ratio" 'BEGIN { print ((r >= 20) ? "yes" : "no") }')" \
    "warm p50 at least 20x below a cold process (${ratio}x)"
if [ -n "$rss_10k" ]; then
    goal "$(awk -v a="$rss_1k" -v b="$rss_10k" 'BEGIN { print ((b <= 1.1 * a) ? "yes" : "no") }')" \
        "memory after 10,000 requests within 10% of after 1,000 (${growth}%)"
fi
exit "$missed"
