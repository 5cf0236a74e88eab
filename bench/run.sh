#!/usr/bin/env bash
# Runs every benchmark against one swaz binary (`make bench` passes build/swaz, a release
# build). Benchmarks print figures and ratios against references measured in the same run;
# they are not tests and do not fail on a missed target (they print OVER).
#   bench/run.sh SWAZ_BIN
#   env: SCAN_N   library sizes for the scan bench, space-separated ("10000 100000")
#        SONGS    songs seeded for the API bench (1000000); SECS seconds per endpoint (10)
#        BENCH    which benches: "scan api listeners transcode" (default all four)
#        LISTENERS players for the listeners bench (10000); RATE connections/s of its ramp
#        STREAMS, SONG_S, REPS: see bench/transcode/run.sh
#        BENCH_DIR where libraries and databases are kept between runs (.bench-out)
set -euo pipefail

if (($# != 1)); then
    echo "usage: $0 SWAZ_BIN" >&2
    exit 2
fi
swaz=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=${BENCH_DIR:-$here/../.bench-out}
mkdir -p "$work"
work=$(cd "$work" && pwd)

for b in ${BENCH:-scan api listeners transcode}; do
    case "$b" in
    scan)
        for n in ${SCAN_N:-10000 100000}; do
            "$here/scan/run.sh" "$swaz" "$n" "$work/scan"
        done
        ;;
    api) "$here/api/run.sh" "$swaz" "$work/api" ;;
    listeners) "$here/listeners/run.sh" "$swaz" "$work/listeners" ;;
    transcode) "$here/transcode/run.sh" "$swaz" "$work/transcode" ;;
    *)
        echo "bench: unknown bench $b" >&2
        exit 2
        ;;
    esac
done
