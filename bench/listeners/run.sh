#!/usr/bin/env bash
# Listeners benchmark: LISTENERS concurrent players (default 10,000), each streaming an
# original mp3 from swaz at a paced 128 kbps for SECS seconds (default 30) after a ramp of
# RATE connections per second, measured by bench/listeners/listeners.c (one epoll thread).
# The same run is repeated against nginx serving the same files as static files: the
# reference. Prints errors, TTFB p50/p99, underruns, the server's CPU seconds and RSS, and
# the swaz/nginx ratios, with OVER on a missed target (N listeners, 0 errors, TTFB p99 <=
# 50 ms, CPU <= 1.25x nginx, swaz RSS <= 150 MB).
#   bench/listeners/run.sh SWAZ_BIN WORK_DIR   env: LISTENERS (10000), SECS (30), RATE (2000)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/../lib.sh"
bench_init listeners "$@"
n=${LISTENERS:-10000}
secs=${SECS:-30}
rate=${RATE:-2000}
bench_need listeners cc curl ffmpeg nginx
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

# Both servers and the generator need more open files than the default 1024.
ulimit -n "$(ulimit -Hn)"
if (($(ulimit -n) < n + 100)); then
    echo "listeners: open-files limit $(ulimit -n) is below $n listeners" >&2
    exit 1
fi

cc -O2 -Wall -o "$work/listeners" "$here/listeners.c"

# Eight 10-minute 128 kbps mp3 files (9.6 MB each), made once.
music=$work/music
album="$music/Bench Artist/Bench Album"
if [[ ! -f $album/08.mp3 ]]; then
    mkdir -p "$album"
    for i in 1 2 3 4 5 6 7 8; do
        ffmpeg -loglevel error -y -f lavfi -i "sine=frequency=$((200 + 50 * i)):duration=600" \
            -ac 2 -ar 44100 -c:a libmp3lame -b:a 128k -metadata title="Tone $i" \
            -metadata artist="Bench Artist" -metadata album="Bench Album" -metadata track="$i" \
            "$album/0$i.mp3"
    done
fi

# swaz, release build, a fresh data dir; connection limits above N (all from 127.0.0.1).
data=$work/swaz-data
rm -rf "$data"
mkdir -p "$data"
port=$(bench_free_port)
export SWAZ_DATA_DIR=$data SWAZ_MUSIC_DIRS=$music SWAZ_LISTEN=127.0.0.1:$port \
    SWAZ_MAX_CONNECTIONS=19000 SWAZ_PER_IP_CONNECTIONS=19000 SWAZ_WATCH=false \
    SWAZ_ACCESS_TOKEN_TTL=86400 SWAZ_LOG_LEVEL=warn SWAZ_TIMEOUT=120
password=bench-password-$RANDOM$RANDOM
echo "$password" | "$swaz" user add bench --admin --password-stdin >/dev/null
"$swaz" serve >"$work/swaz.log" 2>&1 &
swaz_pid=$!
pids+=("$swaz_pid")
bench_wait_http "$port" /health
token=$(curl -s -H 'Content-Type: application/json' \
    -d "{\"username\":\"bench\",\"password\":\"$password\"}" \
    "http://127.0.0.1:$port/api/auth/login" | sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p')
for _ in $(seq 1 100); do
    ids=$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/songs?limit=100" |
        grep -o '"id":"[0-9a-f]*","title"' | sed 's/"id":"\([0-9a-f]*\)".*/\1/' || true)
    [[ $(wc -w <<<"$ids") -ge 8 ]] && break
    sleep 0.2
done
for id in $ids; do echo "/api/songs/$id/stream?format=raw"; done >"$work/swaz-paths"
rss_idle=$(awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$swaz_pid/status")
echo "listeners: $n listeners, ${secs} s at 128 kbps after a ramp of $rate/s; swaz idle RSS ${rss_idle} MB"
"$work/listeners" --port "$port" --paths "$work/swaz-paths" -n "$n" --secs "$secs" \
    --rate "$rate" --header "Authorization: Bearer $token" --pid "$swaz_pid" --name swaz |
    tee "$work/swaz.result"
kill -TERM "$swaz_pid"
wait "$swaz_pid" 2>/dev/null || true
sleep 2 # let the TIME_WAIT sockets of the first run not crowd the second

# nginx: the same files, static, two workers (one per core here), access log off.
port=$(bench_free_port)
mkdir -p "$work/nginx/tmp"
cat >"$work/nginx/nginx.conf" <<CONF
user root;
worker_processes auto;
worker_rlimit_nofile 20000;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 19000; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path $work/nginx/tmp;
    proxy_temp_path $work/nginx/tmp;
    fastcgi_temp_path $work/nginx/tmp;
    uwsgi_temp_path $work/nginx/tmp;
    scgi_temp_path $work/nginx/tmp;
    default_type audio/mpeg;
    server { listen 127.0.0.1:$port backlog=4096; root $music; }
}
CONF
"$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
pids+=("$nginx_pid")
bench_wait_http "$port" "/Bench%20Artist/Bench%20Album/01.mp3"
nginx_pids=("--pid" "$nginx_pid")
for w in $(pgrep -P "$nginx_pid"); do nginx_pids+=("--pid" "$w"); done
for i in 1 2 3 4 5 6 7 8; do echo "/Bench%20Artist/Bench%20Album/0$i.mp3"; done >"$work/nginx-paths"
"$work/listeners" --port "$port" --paths "$work/nginx-paths" -n "$n" --secs "$secs" \
    --rate "$rate" "${nginx_pids[@]}" --name nginx | tee "$work/nginx.result"

val() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$work/$1.result"; }
awk -v n="$n" -v se="$(val swaz errors)" -v sp="$(val swaz ttfb_p99_ms)" \
    -v sc="$(val swaz cpu_s)" -v sr="$(val swaz rss_peak_mb)" -v su="$(val swaz underrun_listeners)" \
    -v nc="$(val nginx cpu_s)" -v nr="$(val nginx rss_peak_mb)" 'BEGIN {
    printf "listeners: swaz/nginx CPU %.2f s / %.2f s = %.2fx (target <= 1.25x: %s)\n", sc, nc,
        (nc > 0 ? sc / nc : 0), (nc > 0 && sc / nc <= 1.25 ? "ok" : "OVER")
    printf "listeners: swaz/nginx RSS %.1f MB / %.1f MB = %.2fx; swaz RSS target <= 150 MB: %s\n",
        sr, nr, (nr > 0 ? sr / nr : 0), (sr <= 150 ? "ok" : "OVER")
    printf "listeners: swaz errors %d (target 0: %s), TTFB p99 %.1f ms (target <= 50 ms: %s), " \
        "listeners with an underrun %d, N = %d (target 10000: %s)\n", se, (se == 0 ? "ok" : "OVER"),
        sp, (sp <= 50 ? "ok" : "OVER"), su, n, (n >= 10000 ? "ok" : "OVER")
}'
