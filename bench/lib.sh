#!/usr/bin/env bash
# lib.sh - what every bench/*/run.sh needs, sourced after `set -euo pipefail`:
#   bench_init NAME "$@"     checks "SWAZ_BIN WORK_DIR", sets swaz and work (absolute, created)
#   bench_need NAME TOOL...  stops with a message naming the first missing tool
#   pids+=(PID)              processes that get SIGTERM and are waited for when the script
#                            exits; then bench_cleanup_more runs, when the script defines it
#   bench_wait_http PORT PATH  until 127.0.0.1:PORT answers PATH (at most 60 s)
#   bench_free_port          a port to try (random, 20000-49999)
# NAME prefixes the messages ("api: nothing answers on port 4533").

pids=()
bench_name=bench

bench_init() {
    bench_name=$1
    shift
    if (($# != 2)); then
        echo "usage: $0 SWAZ_BIN WORK_DIR" >&2
        exit 2
    fi
    swaz=$(realpath "$1")
    mkdir -p "$2"
    work=$(cd "$2" && pwd)
    trap bench_cleanup EXIT
}

bench_need() {
    local name=$1 tool
    shift
    for tool in "$@"; do
        if ! command -v "$tool" >/dev/null 2>&1 && [[ ! -x /usr/sbin/$tool ]]; then
            echo "$name: $tool is missing" >&2
            exit 1
        fi
    done
}

bench_cleanup() {
    local p
    for p in "${pids[@]}"; do
        kill -TERM "$p" 2>/dev/null || true
    done
    for p in "${pids[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    if declare -F bench_cleanup_more >/dev/null; then
        bench_cleanup_more
    fi
}

bench_wait_http() {
    for _ in $(seq 1 600); do
        if curl -s -o /dev/null "http://127.0.0.1:$1$2"; then
            return 0
        fi
        sleep 0.1
    done
    echo "$bench_name: nothing answers on port $1" >&2
    return 1
}

bench_free_port() { echo $((20000 + RANDOM % 30000)); }
