# shellcheck shell=bash
# Sourced by scripts/load-test.sh, lock-latency.sh, soak.sh and cluster.sh: starting a
# `clconv serve` on a free loopback port and reading what it is doing.

# serve_start CLCONV LOG [OPTIONS...]: starts CLCONV serve on 127.0.0.1:0
# with its stderr (the "listening on" line, then the access log) in LOG, and
# waits for it to accept connections. Sets serve_pid and serve_url.
serve_start() {
    local clconv=$1 log=$2
    shift 2
    "$clconv" serve --listen 127.0.0.1:0 "$@" 2>"$log" &
    serve_pid=$!
    serve_url=""
    # Opening the device and building its programs can take seconds when the
    # program cache is cold.
    for _ in $(seq 600); do
        serve_url=$(sed -n 's/^listening on \(http:[^ ]*\)$/\1/p' "$log" | head -n 1)
        [ -n "$serve_url" ] && return 0
        if ! kill -0 "$serve_pid" 2>/dev/null; then
            echo "clconv serve did not start:" >&2
            cat "$log" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "clconv serve printed no 'listening on' line within 60 s" >&2
    return 1
}

# serve_stop PID...: SIGTERM (the server finishes the jobs in flight and
# exits), then waits for each.
serve_stop() {
    local pid
    for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}

# rss_kib PID...: resident memory of the processes together, in KiB.
rss_kib() {
    local pid total=0 kib
    for pid in "$@"; do
        kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
        total=$((total + kib))
    done
    echo "$total"
}

# serve_scratch NAME: makes a temporary directory, $tmp, and sets the traps
# that remove it at exit and stop the server whose pid the caller puts in
# own_pid (none while it is empty).
serve_scratch() {
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/clconv-$1.XXXXXX")
    own_pid=""
    trap serve_scratch_cleanup EXIT
    trap 'exit 130' INT TERM
}

# shellcheck disable=SC2317 # called by the trap
serve_scratch_cleanup() {
    if [ -n "$own_pid" ]; then serve_stop "$own_pid"; fi
    rm -rf "$tmp"
}
