#!/usr/bin/env bash
# run.sh SWAZ - starts swaz for `make run`: with no music folder configured it generates
# a small demo library in the data dir; with no account it creates "admin" and prints its
# password once; then it serves on the configured address (default 127.0.0.1:4533).
set -euo pipefail
cd "$(dirname "$0")/.."
swaz=$(realpath "$1")
data=${SWAZ_DATA_DIR:-./data}
conf=${SWAZ_CONFIG:-swaz.conf}
if [ -f "$conf" ]; then
    conf_data=$(sed -n 's/^[[:space:]]*data_dir[[:space:]]*=[[:space:]]*//p' "$conf" | tail -n1)
    [ -n "$conf_data" ] && [ -z "${SWAZ_DATA_DIR:-}" ] && data=$conf_data
fi
mkdir -p "$data"
chmod 700 "$data"

configured=${SWAZ_MUSIC_DIRS:-}
if [ -z "$configured" ] && [ -f "$conf" ] && grep -Eq '^[[:space:]]*music_dirs[[:space:]]*=' "$conf"; then
    configured=yes
fi
if [ -z "$configured" ]; then
    demo="$data/demo-music"
    if [ ! -f "$demo/.complete" ]; then
        echo "swaz: no music folder configured; generating a demo library in $demo"
        rm -rf "$demo"
        scripts/gen-library.sh "$demo" demo
        touch "$demo/.complete"
    fi
    export SWAZ_MUSIC_DIRS
    SWAZ_MUSIC_DIRS=$(realpath "$demo")
fi
export SWAZ_DATA_DIR="$data"

if [ -z "$("$swaz" user list)" ]; then
    echo "swaz: creating the first account (shown once; change it with 'swaz user passwd admin'):"
    "$swaz" user add admin --admin | sed 's/^/  /'
    echo "swaz: sign in with POST /api/auth/login (see \"Try it\" in README.md)"
fi
exec "$swaz" serve
