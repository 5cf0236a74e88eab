#!/usr/bin/env bash
# Transcode benchmark: swaz's live in-process transcode (FLAC -> mp3 128 kbps, the transcode
# cache off so every stream encodes) against the ffmpeg command line doing the same
# conversion, in the same run on the same files. Prints time to first byte, throughput in
# x realtime per CPU core, and STREAMS concurrent listeners paced at 128 kbps (underruns).
#   bench/transcode/run.sh SWAZ_BIN WORK_DIR
#   env: STREAMS (64) songs and paced listeners; SONG_S (30) seconds per song; REPS (10)
#        single requests for the time to first byte; CACHE_MB (0) transcode_cache_mb: with a
#        cache, later phases find earlier phases' outputs cached (read the paced phase only);
#        PHASES ("ttfb throughput paced") the phases to run, e.g. PHASES=paced while iterating
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/../lib.sh"
bench_init transcode "$@"
streams=${STREAMS:-64}
song_s=${SONG_S:-30}
reps=${REPS:-10}
phases=" ${PHASES:-ttfb throughput paced} "
bench_need transcode ffmpeg python3 curl

# 1. STREAMS songs of SONG_S seconds: pink noise under a tone, 44.1 kHz stereo FLAC, made once.
music=$work/music
album="$music/Bench Artist/Bench Album"
stamp="$music/.made-$streams-$song_s"
if [[ ! -f $stamp ]]; then
    rm -rf "$music"
    mkdir -p "$album"
    ffmpeg -nostdin -hide_banner -loglevel error -y \
        -f lavfi -i "anoisesrc=d=$song_s:c=pink:r=44100:a=0.3" \
        -f lavfi -i "sine=frequency=440:duration=$song_s:sample_rate=44100" \
        -filter_complex "[0][1]amix=inputs=2,aformat=channel_layouts=stereo" \
        -c:a flac "$work/source.flac"
    for i in $(seq -w 1 "$streams"); do
        ffmpeg -nostdin -hide_banner -loglevel error -y -i "$work/source.flac" -c copy \
            -metadata "title=Song $i" -metadata "artist=Bench Artist" \
            -metadata "album=Bench Album" -metadata "track=$i" "$album/$i - Song $i.flac"
    done
    touch "$stamp"
fi

# 2. swaz serve with a fresh data dir and the cache off: every request is a live encode.
data=$work/data
rm -rf "$data"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
password=bench-$RANDOM-$RANDOM-password
printf '%s\n' "$password" | "$swaz" user add admin --admin --password-stdin \
    --data-dir "$data" --music-dirs "$music" >/dev/null
SWAZ_MAX_TRANSCODES=$((streams * 2)) SWAZ_TRANSCODE_CACHE_MB=${CACHE_MB:-0} SWAZ_LOG_LEVEL=warn \
    "$swaz" serve --listen "127.0.0.1:$port" --data-dir "$data" --music-dirs "$music" \
    --watch false >"$work/serve.log" 2>&1 &
pid=$!
pids+=("$pid")
token=
for _ in $(seq 1 600); do
    token=$(curl -s -X POST "http://127.0.0.1:$port/api/auth/login" \
        -H 'Content-Type: application/json' \
        -d "{\"username\":\"admin\",\"password\":\"$password\"}" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])' 2>/dev/null) &&
        break
    sleep 0.1
done
[[ -n $token ]] || { echo "transcode: swaz did not start" >&2; cat "$work/serve.log" >&2; exit 1; }
for _ in $(seq 1 600); do
    curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/songs?limit=500" \
        >"$work/songs.json"
    n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["items"]))' \
        "$work/songs.json")
    ((n >= streams)) && break
    sleep 0.2
done
python3 - "$work/songs.json" "$music" "$work/ids" "$work/files" <<'PY'
import json, sys
items = sorted(json.load(open(sys.argv[1]))["items"], key=lambda s: s["title"])
with open(sys.argv[3], "w") as ids, open(sys.argv[4], "w") as files:
    for s in items:
        ids.write(s["id"] + "\n")
        files.write(sys.argv[2] + "/" + s["path"] + "\n")
PY

cores=$(nproc)
echo "transcode bench: $streams songs of $song_s s (FLAC 44.1 kHz stereo) -> mp3 128 kbps," \
    "$cores cores, transcode cache ${CACHE_MB:-0} MB"
results=$work/results
{
    [[ $phases != *" ttfb "* ]] ||
        python3 "$here/client.py" ttfb "$port" "$token" "$work/ids" "$work/files" "$reps"
    [[ $phases != *" throughput "* ]] ||
        python3 "$here/client.py" throughput "$port" "$token" "$work/ids" "$work/files" \
            "$cores" "$pid" "$song_s"
    [[ $phases != *" paced "* ]] ||
        python3 "$here/client.py" paced "$port" "$token" "$work/ids" "$streams" 128 2
} >"$results"
get() { awk -F= -v k="$1" '$1 == k { print $2 }' "$results"; }
verdict() { awk -v a="$1" -v b="$2" -v op="$3" \
    'BEGIN { ok = op == "le" ? a + 0 <= b + 0 : a + 0 >= b + 0; print ok ? "ok" : "OVER" }'; }

printf '  %-34s %10s %10s\n' "" swaz ffmpeg
printf '  %-34s %10s %10s\n' "time to first byte p50 (ms)" "$(get swaz_ttfb_p50_ms)" \
    "$(get ffmpeg_ttfb_p50_ms)"
printf '  %-34s %10s %10s\n' "time to first byte max (ms)" "$(get swaz_ttfb_max_ms)" \
    "$(get ffmpeg_ttfb_max_ms)"
printf '  %-34s %10s %10s\n' "one song, wall (s)" "$(get swaz_single_wall_s)" \
    "$(get ffmpeg_single_wall_s)"
printf '  %-34s %10s %10s\n' "x realtime per core ($cores parallel)" \
    "$(get swaz_x_realtime_per_core)" "$(get ffmpeg_x_realtime_per_core)"
printf '  %-34s %10s %10s\n' "x realtime, wall" "$(get swaz_x_realtime_wall)" \
    "$(get ffmpeg_x_realtime_wall)"
printf '  %-34s %10s %10s\n' "errors" "$(get swaz_errors)" "$(get ffmpeg_errors)"
echo "  $streams paced listeners (2 s prebuffer, 128 kbps): $(get paced_errors) errors," \
    "$(get paced_underruns) underruns ($(get paced_listeners_with_underrun) listeners," \
    "$(get paced_stalled_s) s stalled), TTFB p50 $(get paced_ttfb_p50_ms) ms," \
    "p99 $(get paced_ttfb_p99_ms) ms; 2 s of audio (play) p50 $(get paced_play_p50_ms) ms," \
    "p99 $(get paced_play_p99_ms) ms"
for k in swaz_first_error paced_first_error; do
    [[ -z $(get $k) ]] || echo "  $k: $(get $k)"
done
echo "  targets: TTFB <= 100 ms $(verdict "$(get swaz_ttfb_max_ms)" 100 le)," \
    "$streams at once TTFB p99 <= 100 ms $(verdict "$(get paced_ttfb_p99_ms)" 100 le)," \
    "throughput >= ffmpeg $(verdict "$(get swaz_x_realtime_per_core)" \
        "$(get ffmpeg_x_realtime_per_core)" ge)," \
    "no underrun $(verdict "$(get paced_underruns)" 0 le)"
