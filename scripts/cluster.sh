#!/usr/bin/env bash
# Scale-out on one machine: starts several `clconv serve`
# instances on free loopback ports and nginx (Debian's package, installed
# through scripts/setup.sh when missing) in front of them with a least_conn
# upstream, runs scripts/load-test.sh through nginx, and stops everything on
# exit, also after a failure or Ctrl-C. nginx runs as the current user from a
# configuration in a temporary directory that also holds its pid file, logs
# and buffers; nothing outside that directory is touched.
#
# The instances are stateless, so the same configuration with the servers of
# many GPU hosts in the upstream block spreads clients over them.
#
# Usage: scripts/cluster.sh [--instances N] [load-test.sh OPTIONS...]
#   N defaults to 2 (one per core of the project's machine).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CLCONV_BUILD_DIR:-$here/build}"
# shellcheck source=serve-lib.sh
. "$here/scripts/serve-lib.sh"

instances=2
if [ "${1:-}" = "--instances" ]; then
    instances=$2
    shift 2
fi
case $instances in
'' | *[!0-9]* | 0) echo "cluster.sh: --instances must be a whole number >= 1" >&2; exit 2 ;;
esac

CLCONV_EXTRA_PACKAGES="nginx wrk curl ${CLCONV_EXTRA_PACKAGES:-}" "$here/scripts/setup.sh"
nginx=$(command -v nginx || echo /usr/sbin/nginx)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/clconv-cluster.XXXXXX")
pids=()
urls=()
nginx_pid=""
# shellcheck disable=SC2317 # called by the trap
cleanup() {
    if [ -n "$nginx_pid" ]; then
        kill -QUIT "$nginx_pid" 2>/dev/null || true   # graceful: finish requests, then exit
        wait "$nginx_pid" 2>/dev/null || true
    fi
    if [ ${#pids[@]} -gt 0 ]; then serve_stop "${pids[@]}"; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for i in $(seq "$instances"); do
    serve_start "$build/clconv" "$tmp/serve$i.log"
    pids+=("$serve_pid")
    urls+=("$serve_url")
done

# A free port for nginx, which cannot pick one itself: the first in the
# range to which nothing connects.
port=""
for p in $(seq 18470 18569); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
        port=$p
        break
    fi
done
[ -n "$port" ] || { echo "cluster.sh: no free port in 18470-18569" >&2; exit 1; }

# Workers run as the invoking user; the directive only means something (and
# is only accepted quietly) when the master starts as root.
user=""
[ "$(id -u)" -ne 0 ] || user="user $(id -un) $(id -gn);"
{
    cat <<EOF
$user
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    # Bodies up to the servers' --max-body default pass; those up to 8 MiB
    # (a 1024x1024 float64 image) stay in memory instead of a temporary file.
    client_max_body_size 256m;
    client_body_buffer_size 8m;
    upstream clconv {
        least_conn;
EOF
    for u in "${urls[@]}"; do echo "        server ${u#http://};"; done
    cat <<EOF
        keepalive 64;
    }
    server {
        listen 127.0.0.1:$port;
        location / {
            proxy_pass http://clconv;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_read_timeout 300s;
            proxy_send_timeout 300s;
        }
    }
}
EOF
} >"$tmp/nginx.conf"

"$nginx" -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/error.log" &
nginx_pid=$!
for _ in $(seq 100); do
    if curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; then break; fi
    if ! kill -0 "$nginx_pid" 2>/dev/null; then
        echo "cluster.sh: nginx did not start:" >&2
        cat "$tmp/error.log" >&2
        exit 1
    fi
    sleep 0.1
done

echo "cluster: nginx on http://127.0.0.1:$port, least_conn over ${urls[*]}"
status=0
"$here/scripts/load-test.sh" --url "http://127.0.0.1:$port" --pids "${pids[*]}" \
    --backends "${urls[*]}" "$@" || status=$?
# How nginx spread the work: each instance's answered requests.
for i in "${!urls[@]}"; do
    n=$(curl -sf "${urls[$i]}/metrics" |
        awk '/^clconv_requests_total/ { s += $2 } END { print s + 0 }') || n="?"
    echo "instance ${urls[$i]} (pid ${pids[$i]}): $n requests"
done
exit "$status"
