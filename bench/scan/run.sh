#!/usr/bin/env bash
# Scan benchmark: a synthetic library of N tiny tagged files (bench/scan/gen.py), then
#   first scan (fresh data dir), no-change rescan, peak RSS of each, idle RSS of `swaz serve`
#   once its start-up scan is done,
# against references measured in the same run on the same files:
#   walk = `find DIR -type f -printf '%s %T@\n'` (stat every file: the floor of a rescan)
#   read = `find DIR -type f -exec cat {} + >/dev/null` (read every byte, page cache warm: the
#          floor of a first scan that opens every file).
#   bench/scan/run.sh SWAZ_BIN N WORK_DIR
set -euo pipefail

if (($# != 3)); then
    echo "usage: $0 SWAZ_BIN N WORK_DIR" >&2
    exit 2
fi
swaz=$(realpath "$1")
n=$2
work=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
lib=$work/library-$n
data=$work/data-$n
tpl=$work/templates
log=$work/scan-$n.log
: >"$log"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# Templates: 4 audio files and a cover, made once with ffmpeg.
if [[ ! -f $tpl/cover.jpg ]]; then
    mkdir -p "$tpl"
    ff=(ffmpeg -nostdin -hide_banner -loglevel error -y)
    exact=(-fflags +bitexact -flags:a +bitexact -map_metadata -1 -ac 1)
    mp3=(-c:a libmp3lame -b:a 64k -id3v2_version 0 -write_xing 1)
    "${ff[@]}" -f lavfi -i sine=frequency=440:duration=1:sample_rate=44100 "${exact[@]}" \
        "${mp3[@]}" "$tpl/t1.mp3"
    "${ff[@]}" -f lavfi -i sine=frequency=523:duration=2:sample_rate=44100 "${exact[@]}" \
        "${mp3[@]}" "$tpl/t2.mp3"
    "${ff[@]}" -f lavfi -i sine=frequency=330:duration=1:sample_rate=22050 "${exact[@]}" \
        -c:a flac "$tpl/t1.flac"
    "${ff[@]}" -f lavfi -i sine=frequency=392:duration=2:sample_rate=22050 "${exact[@]}" \
        -c:a flac "$tpl/t2.flac"
    "${ff[@]}" -f lavfi -i testsrc=size=300x300:rate=1:duration=1 -frames:v 1 \
        -fflags +bitexact -flags:v +bitexact -q:v 5 "$tpl/cover.jpg"
fi

if [[ ! -f $lib/.complete ]]; then
    rm -rf "$lib"
    t0=$(now)
    python3 "$here/gen.py" "$tpl" "$lib" "$n"
    touch "$lib/.complete"
    echo "scan[$n]: generated $n songs in $(secs "$t0" "$(now)") s ($(du -sh "$lib" | cut -f1))"
fi

# References (the generator just wrote the files: the page cache is warm for both).
t0=$(now)
find "$lib" -type f -printf '%s %T@\n' >/dev/null
walk=$(secs "$t0" "$(now)")
t0=$(now)
find "$lib" -type f -exec cat {} + >/dev/null
readall=$(secs "$t0" "$(now)")

# run_scan LABEL: one `swaz scan`; sets $wall (s) and $rss (MB) from GNU time.
run_scan() {
    local tv=$work/time-$n-$1.txt
    if ! /usr/bin/time -v -o "$tv" timeout 600 "$swaz" scan --music-dirs "$lib" \
        --data-dir "$data" --log-level warn >>"$log" 2>&1; then
        echo "scan[$n]: swaz scan failed ($1); see $log" >&2
        tail -5 "$log" >&2
        return 1
    fi
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$tv")
    rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$tv")
}

rm -rf "$data"
run_scan first
first=$wall
first_rss=$rss
run_scan rescan
rescan=$wall
rescan_rss=$rss
songs=$(tail -n 3 "$log" | grep -o '[0-9]* files' | tail -1 || true)

# Idle RSS of `swaz serve` after its start-up scan (a no-change rescan) is done.
port=$((20000 + RANDOM % 20000))
"$swaz" serve --music-dirs "$lib" --data-dir "$data" --listen "127.0.0.1:$port" \
    --watch false --scan-on-start true >"$work/serve-$n.log" 2>&1 &
pid=$!
idle=""
for _ in $(seq 1 1200); do
    if grep -q 'scan: done' "$work/serve-$n.log"; then
        sleep 2
        idle=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")
        break
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
if [[ -z $idle ]]; then
    echo "scan[$n]: serve's start-up scan did not finish in 120 s; see $work/serve-$n.log" >&2
    idle=NA
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v != "NA" && v + 0 <= t) ? "ok" : "OVER" }'; }
echo "scan[$n]: library $n songs (${songs:-?} seen by swaz); refs: walk ${walk} s, read-all ${readall} s"
printf 'scan[%s]: first scan   %8s s  = %5sx read-all  peak RSS %6s MB\n' \
    "$n" "$first" "$(ratio "$first" "$readall")" "$first_rss"
printf 'scan[%s]: rescan       %8s s  = %5sx walk      peak RSS %6s MB\n' \
    "$n" "$rescan" "$(ratio "$rescan" "$walk")" "$rescan_rss"
printf 'scan[%s]: serve idle RSS %6s MB (after start-up scan, --watch false)\n' "$n" "$idle"
if ((n >= 100000)); then
    echo "scan[$n]: targets: first <= 60 s $(verdict "$first" 60), rescan <= 2 s" \
        "$(verdict "$rescan" 2), peak RSS <= 150 MB $(verdict "$first_rss" 150)," \
        "idle RSS <= 60 MB $(verdict "$idle" 60)"
fi
