#!/usr/bin/env bash
# Soak test of `clconv serve`: starts it on a free loopback port and runs
# scripts/soak.py against it for SECONDS (default 600) with 64 clients on
# kept-alive connections, sending a mix of good requests to every operation
# of docs/openapi.yaml (results checked against NumPy/SciPy) and requests
# built from the fuzz seed corpus (tests/fuzz/corpus), while the server's
# resident memory and open descriptors are sampled every second. Prints the
# requests per endpoint with their p50/p99 latencies and the memory and
# descriptor figures, and exits 1 when a good request failed, a corpus
# request was answered otherwise than when probed alone, a connection
# dropped, the server died, or its memory or descriptors grew (see
# scripts/soak.py for the exact goals).
#
# Usage: scripts/soak.sh [SECONDS]
#   CLCONV_BUILD_DIR names the build to run (default: build/, built when
#   missing); CLCONV_SOAK_CLIENTS changes the number of clients.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CLCONV_BUILD_DIR:-$here/build}"
# shellcheck source=serve-lib.sh
. "$here/scripts/serve-lib.sh"
seconds="${1:-600}"

[ -x "$build/clconv" ] || "$here/scripts/setup.sh"
serve_scratch soak

# Jobs waiting at most: above the clients' count, so that a full queue's
# 503 (a correct answer, but not the one a good request expects) cannot
# happen; the 64 kept-alive connections stay below the default 256.
serve_start "$build/clconv" "$tmp/serve.log" --queue 256
own_pid=$serve_pid
echo "soak of $serve_url for $seconds s, $(nproc) CPU cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
/usr/bin/python3 "$here/scripts/soak.py" "$serve_url" "$serve_pid" --seconds "$seconds" \
    --clients "${CLCONV_SOAK_CLIENTS:-64}" --root "$here" || status=$?
if ! kill -0 "$serve_pid" 2>/dev/null; then
    echo "clconv serve exited during the soak; its log ends:" >&2
    tail -20 "$tmp/serve.log" >&2
    status=1
fi
exit "$status"
