#!/usr/bin/env bash
# Installs what Swaz needs on Debian 12, idempotently and quietly.
#   scripts/deps.sh [run|test|bench]   (default: run)
# run:   libraries and tools to build and run the server, node and npm for the web player.
# test:  run + unit/integration/browser test tools, then `npm ci` in tests/integration.
# bench: test (load generators reuse the same tools).
# Only missing packages are installed (dpkg-query), `apt-get update` runs only when something is
# missing, so a second call returns in well under two seconds. Prints nothing on success.
set -euo pipefail

mode=${1:-run}
case "$mode" in
run | test | bench) ;;
*)
    echo "usage: $0 [run|test|bench]" >&2
    exit 2
    ;;
esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

pkgs=(build-essential meson ninja-build pkg-config libmicrohttpd-dev libwslay-dev
    libavformat-dev libavcodec-dev libavutil-dev libswresample-dev libvips-dev
    libsqlite3-dev libpq-dev libhiredis-dev libsodium-dev libjansson-dev libdeflate-dev ffmpeg)
if [[ $mode == test || $mode == bench ]]; then
    pkgs+=(libcmocka-dev clang clang-format libclang-rt-14-dev postgresql redis-server
        chromium curl)
    pkgs+=(nginx unzip) # the X-Accel-Redirect test runs nginx; zip downloads are checked with unzip
    if [[ $mode == bench ]]; then
        pkgs+=(wrk nginx sqlite3 time)
    fi
fi
# Every mode builds the web player with npm. Node may come from elsewhere (e.g. a newer
# upstream build that ships npm itself): only ask Debian for it when there is no node at all.
if ! command -v node >/dev/null 2>&1; then
    pkgs+=(nodejs npm)
elif ! command -v npm >/dev/null 2>&1; then
    pkgs+=(npm)
fi

# Which of them are not installed? dpkg-query prints one status line per known package.
missing=()
status=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${pkgs[@]}" 2>/dev/null || true)
for p in "${pkgs[@]}"; do
    if ! grep -qx "$p installed" <<<"$status"; then
        missing+=("$p")
    fi
done

if ((${#missing[@]} > 0)); then
    sudo=()
    if ((EUID != 0)); then
        sudo=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    log=$(mktemp)
    trap 'rm -f "$log"' EXIT
    if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >"$log" 2>&1 ||
        ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
        cat "$log" >&2
        echo "deps: failed to install: ${missing[*]}" >&2
        exit 1
    fi
fi

if [[ $mode == test || $mode == bench ]]; then
    dir=$root/tests/integration
    # Skip npm (slow to start) when node_modules is already in step with the lockfile.
    stamp=$dir/node_modules/.package-lock.json
    if [[ -f $dir/package-lock.json && -f $stamp && $stamp -nt $dir/package-lock.json &&
        $stamp -nt $dir/package.json ]]; then
        exit 0
    fi
    export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
    npmlog=$(mktemp)
    if [[ -f $dir/package-lock.json ]]; then
        npm_cmd=(npm ci)
    else
        npm_cmd=(npm install)
    fi
    if ! (cd "$dir" && "${npm_cmd[@]}" --no-audit --no-fund --loglevel=error) >"$npmlog" 2>&1; then
        cat "$npmlog" >&2
        rm -f "$npmlog"
        echo "deps: ${npm_cmd[*]} failed in tests/integration" >&2
        exit 1
    fi
    rm -f "$npmlog"
fi
