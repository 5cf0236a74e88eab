#!/usr/bin/env bash
# build.sh DIR KIND - configures (once) and builds Swaz with Meson into DIR.
#   release  optimised server for `make run` and benchmarks
#   test     gcc, ASan+UBSan (aborting on the first report), -Werror, unit tests
#   clang    clang, -Werror: the second compiler that must stay clean
#   fuzz     clang, libFuzzer targets
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1
kind=$2
case "$kind" in
release) opts=(--buildtype=release -Dtests=false) ;;
test) opts=(--buildtype=debug -Db_sanitize=address,undefined -Dwerror=true
    -Dc_args=-fno-sanitize-recover=all -Dc_link_args=-fno-sanitize-recover=all) ;;
clang) opts=(--buildtype=debugoptimized -Dwerror=true) ;;
fuzz) opts=(--buildtype=debug -Dtests=false -Dfuzz=true -Db_sanitize=address,undefined) ;;
*)
    echo "build.sh: unknown kind $kind" >&2
    exit 2
    ;;
esac
if [ ! -f "$dir/build.ninja" ]; then
    if [ "$kind" = clang ] || [ "$kind" = fuzz ]; then
        CC=clang meson setup "$dir" "${opts[@]}" >"$dir.setup.log" 2>&1 ||
            { cat "$dir.setup.log" >&2; exit 1; }
    else
        meson setup "$dir" "${opts[@]}" >"$dir.setup.log" 2>&1 ||
            { cat "$dir.setup.log" >&2; exit 1; }
    fi
    rm -f "$dir.setup.log"
fi
ninja -C "$dir" >"$dir.ninja.log" 2>&1 || { cat "$dir.ninja.log" >&2; exit 1; }
rm -f "$dir.ninja.log"
