#!/usr/bin/env bash
# API benchmark: a synthetic library of SONGS songs (default 1,000,000) seeded straight into
# SQLite and PostgreSQL (seed-sqlite.sql / seed-postgres.sql: no files), `swaz serve
# --scan-on-start false --watch false` on each, and every list/search endpoint loaded with
# wrk (64 connections, 2 threads, SECS seconds each). Reference in the same run: nginx serving a
# static file holding swaz's own /api/songs?limit=100 body, under the same load.
# Prints p50/p99/req/s/errors per endpoint and the ratio p99(swaz) / p99(nginx).
#   bench/api/run.sh SWAZ_BIN WORK_DIR      env: SONGS (1000000), SECS (10), CONNS (64),
#   REPEAT (3): runs of each page-cache and nginx row, which shows the median p99 of them (a
#   run's p99 on these shared 2 cores moves by 2x from one run to the next).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=bench/lib.sh
. "$here/../lib.sh"
bench_init api "$@"
songs=${SONGS:-1000000}
secs=${SECS:-10}
conns=${CONNS:-64}
repeat=${REPEAT:-3}
bench_need api wrk nginx sqlite3 psql
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

svc=$work/services
bench_cleanup_more() {
    "$root/scripts/services.sh" stop "$svc" >/dev/null 2>&1 || true
}

now() { date +%s.%N; }
secs_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# load NAME URL [URLS_FILE]: $reps wrk runs (default 1); prints a row (the run of the median
# p99, the errors of all) and sets $p99_ms and $rate (its requests/s). With URLS_FILE each
# request takes a random path of that file (urls.lua) on URL's host. Extra request headers:
# the array $extra (e.g. Accept-Encoding).
load() {
    local name=$1 url=$2 urls=${3:-} out code hdr=() script=()
    if [[ -n ${token:-} ]]; then
        hdr=(-H "Authorization: Bearer $token")
    fi
    hdr+=("${extra[@]}")
    local probe=$url
    if [[ -n $urls ]]; then
        probe=${url%/}$(head -n 1 "$urls")
        script=(-s "$here/urls.lua")
    fi
    code=$(curl -s "${hdr[@]}" -o /dev/null -w '%{http_code}' "$probe" || echo 000)
    if [[ $code != 200 ]]; then
        printf '  %-40s HTTP %s: not measured\n' "$name" "$code"
        p99_ms=NA
        return 0
    fi
    # `reps` runs; the row shows the one with the median p99, and every run's p99.
    local i n=${reps:-1} all=() picked p50 p99 rps errs
    local -a p50l=() p99l=() rpsl=() errl=()
    for ((i = 0; i < n; i++)); do
        out=$(URLS=$urls timeout $((secs + 30)) wrk -t2 -c"$conns" -d"${secs}s" --timeout 5s \
            --latency "${script[@]}" "${hdr[@]}" "$url" 2>&1)
        p50l+=("$(ms "$(awk '/^ +50%/ { print $2 }' <<<"$out")")")
        p99l+=("$(ms "$(awk '/^ +99%/ { print $2 }' <<<"$out")")")
        rpsl+=("$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' <<<"$out")")
        errl+=("$(awk '/Non-2xx/ { n += $NF } /Socket errors/ { gsub(",", ""); n += $4 + $6 + $8 + $10 }
            END { print n + 0 }' <<<"$out")")
        all+=("${p99l[i]}")
    done
    picked=$(for i in "${!p99l[@]}"; do echo "${p99l[i]} $i"; done | sort -g |
        awk -v m=$(((n + 1) / 2)) 'NR == m { print $2 }')
    p50=${p50l[picked]} p99=${p99l[picked]} rps=${rpsl[picked]} errs=0
    for i in "${errl[@]}"; do errs=$((errs + i)); done
    p99_ms=$p99 rate=$rps
    local runs=
    ((n > 1)) && runs="  (median of $n runs: $(IFS=/; echo "${all[*]}") ms)"
    printf '  %-40s p50 %8s ms  p99 %8s ms  %7s req/s  errors %s%s\n' "$name" "$p50" "$p99" \
        "$rps" "$errs" "$runs"
}

# ms VALUE: wrk's "1.23ms" / "456.00us" / "1.10s" in milliseconds.
ms() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
        else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
        else print "NA" }'
}

# cursor SORT_KEY ID: an opaque two-part keyset cursor (library_cursor.h): base64url, no padding.
cursor() {
    printf '%s\x1f%s' "$1" "$2" | base64 -w0 | tr '+/' '-_' | tr -d '='
}

# serve LABEL DATABASE_URL [SERVE_ARGS...]: starts swaz on the database; sets $port and $token.
serve() {
    local label=$1 url=$2
    shift 2
    port=$(bench_free_port)
    mkdir -p "$work/data-$label"
    # Every endpoint needs a user: an admin made with the CLI, signed in once.
    local pw=bench-password-1 cli=(--data-dir "$work/data-$label" --database-url "$url")
    printf '%s\n' "$pw" | "$swaz" user add bench --admin --password-stdin "${cli[@]}" \
        >/dev/null 2>&1 ||
        printf '%s\n' "$pw" | "$swaz" user passwd bench --password-stdin "${cli[@]}" >/dev/null
    "$swaz" serve "${cli[@]}" --access-token-ttl 3600 "$@" \
        --listen "127.0.0.1:$port" --scan-on-start false --watch false --log-level warn \
        >>"$work/serve-$label.log" 2>&1 &
    pids+=($!)
    bench_wait_http "$port" /health
    token=$(curl -s -X POST -H 'Content-Type: application/json' \
        -d "{\"username\":\"bench\",\"password\":\"$pw\"}" \
        "http://127.0.0.1:$port/api/auth/login" | sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p')
}

unserve() {
    kill -TERM "${pids[-1]}" 2>/dev/null || true
    wait "${pids[-1]}" 2>/dev/null || true
    unset 'pids[-1]'
}

# cursors FILE PATH_PREFIX QUERY_CMD... SQL: one path per row of SQL ("key|id"): PATH_PREFIX
# followed by the keyset cursor of that row.
cursors() {
    local file=$1 prefix=$2
    shift 2
    "$@" | while IFS='|' read -r key id; do
        printf '%s%s\n' "$prefix" "$(cursor "$key" "$id")"
    done >"$file"
}

# The search queries of the cold run: the seed's 64 words, their first three letters, and
# pairs of them (the seed builds every name from those words).
search_urls() {
    local words
    mapfile -t words < <(grep -o "([0-9]*,'[a-z]*')" "$here/seed-sqlite.sql" | sed "s/.*,'\(.*\)')/\1/")
    local w i
    for w in "${words[@]}"; do
        printf '/api/search?q=%s\n/api/search?q=%s\n' "$w" "${w:0:3}"
    done
    for ((i = 0; i < ${#words[@]}; i++)); do
        printf '/api/search?q=%s+%s\n' "${words[i]}" "${words[(i * 7 + 3) % ${#words[@]}]}"
    done
}

# bench_db LABEL DATABASE_URL QUERY_CMD...: serve the seeded database and load every endpoint:
# first the same URL again and again (what the page cache keeps) and pages spread over the
# whole table once the cache holds them, then, with the page cache off, the spread pages and
# varied searches (every request rendered).
bench_db() {
    local label=$1 url=$2
    shift 2
    local last
    # The last page of songs: the cursor of the 101st row from the end.
    last=$("$@" "SELECT sort_title || '|' || id FROM songs ORDER BY sort_title DESC, id DESC
        LIMIT 1 OFFSET 100")
    # Rows spread over each table (ids end in 00: 1 in 256) for the cold run.
    local u=$work/urls-$label
    mkdir -p "$u"
    cursors "$u/songs" '/api/songs?limit=100&after=' "$@" \
        "SELECT sort_title || '|' || id FROM songs WHERE id LIKE '%00'"
    cursors "$u/albums" '/api/albums?list=alpha_name&limit=100&after=' "$@" \
        "SELECT sort_name || '|' || id FROM albums WHERE id LIKE '%00'"
    cursors "$u/artists" '/api/artists?limit=100&after=' "$@" \
        "SELECT sort_name || '|' || id FROM artists WHERE id LIKE '%00'"
    search_urls >"$u/search"

    serve "$label" "$url"
    local b=http://127.0.0.1:$port l
    extra=()
    echo "api[$label]: $songs songs, ${conns} connections, ${secs} s per endpoint"
    echo "api[$label]: page cache on; each row asks one URL again and again"
    reps=$repeat
    load "GET /api/songs (first page, identity)" "$b/api/songs?limit=100"
    extra=(-H 'Accept-Encoding: gzip')
    load "GET /api/songs (first page)" "$b/api/songs?limit=100"
    load "GET /api/songs (last page)" \
        "$b/api/songs?limit=100&after=$(cursor "${last%|*}" "${last##*|}")"
    for l in alpha_name alpha_artist newest; do
        load "GET /api/albums?list=$l" "$b/api/albums?list=$l&limit=100"
    done
    load "GET /api/albums?list=year" "$b/api/albums?list=year&from=1950&to=2030&limit=100"
    load "GET /api/artists" "$b/api/artists?limit=100"
    load "GET /api/search?q=silver" "$b/api/search?q=silver"
    load "GET /api/search?q=caf (prefix)" "$b/api/search?q=caf"
    load "GET /api/search?q=red+river" "$b/api/search?q=red+river"
    # Many distinct pages: a first pass asks each in turn to fill the cache (not shown; 4 x SECS
    # is long enough at 250 renders/s), the second is measured.
    IN_ORDER=1 secs=$((secs * 4)) reps=1 load "warm-up" "$b" "$u/songs" >/dev/null
    load "GET /api/songs ($(wc -l <"$u/songs") pages, 2nd pass)" "$b" "$u/songs"
    extra=()
    curl -s -H "Authorization: Bearer $token" "$b/api/songs?limit=100" >"$work/songs-page.json" || true
    unserve

    serve "$label" "$url" --page-cache-mb 0
    b=http://127.0.0.1:$port
    extra=(-H 'Accept-Encoding: gzip')
    echo "api[$label]: page cache off; every request rendered, gzip level 1"
    reps=1
    load "GET /api/songs (first page)" "$b/api/songs?limit=100"
    load "GET /api/songs ($(wc -l <"$u/songs") pages)" "$b" "$u/songs"
    # The same pages offered at about a quarter and half the rate just measured: each
    # connection waits a random time of mean 4 (2) x CONNS / rate between an answer and its
    # next request, so the requests arrive as a Poisson stream (urls.lua).
    if [[ ${rate:-0} -gt 0 ]]; then
        local part full=$rate
        for part in 4 2; do
            PACE_MS=$((1000 * part * conns / full)) \
                load "GET /api/songs (same, ~$((full / part)) req/s offered)" "$b" "$u/songs"
        done
    fi
    load "GET /api/albums alpha_name ($(wc -l <"$u/albums") pages)" "$b" "$u/albums"
    load "GET /api/artists ($(wc -l <"$u/artists") pages)" "$b" "$u/artists"
    load "GET /api/search ($(wc -l <"$u/search") queries)" "$b" "$u/search"
    extra=()
    unserve
}

sqlite_q() { sqlite3 "$work/data-sqlite/swaz.db" "$1"; }
pg_q() { psql -Atq "$pg_url" -c "$1"; }

# SQLite.
if [[ ! -f $work/data-sqlite/.seeded-$songs ]]; then
    rm -rf "$work/data-sqlite"
    mkdir -p "$work/data-sqlite"
    "$swaz" migrate --data-dir "$work/data-sqlite" >/dev/null
    t0=$(now)
    { echo "CREATE TEMP TABLE p AS SELECT $songs AS songs;"; cat "$here/seed-sqlite.sql"; } |
        sqlite3 -bail "$work/data-sqlite/swaz.db" >/dev/null
    touch "$work/data-sqlite/.seeded-$songs"
    echo "api[sqlite]: seeded $songs songs in $(secs_since "$t0") s"
fi

# PostgreSQL (scripts/services.sh: Unix socket only, nothing durable), with the shared_buffers
# docs/configuration.md recommends: with the test suite's 64MB, pages spread over a million
# songs were read from the kernel's cache again and again.
eval "$(SWAZ_SERVICES_PG_OPTIONS='-c shared_buffers=1GB' "$root/scripts/services.sh" start "$svc")"
pg_url=${SWAZ_TEST_PG_URL/\/postgres\?/\/swazbench?}
if [[ $(psql -Atq "$SWAZ_TEST_PG_URL" -c "SELECT count(*) FROM pg_database
        WHERE datname = 'swazbench'") != 1 ||
    $(psql -Atq "$pg_url" -c "SELECT count(*) FROM songs" 2>/dev/null || echo 0) != "$songs" ]]; then
    psql -q "$SWAZ_TEST_PG_URL" -c "DROP DATABASE IF EXISTS swazbench" -c "CREATE DATABASE swazbench"
    mkdir -p "$work/data-postgres"
    "$swaz" migrate --data-dir "$work/data-postgres" --database-url "$pg_url" >/dev/null
    t0=$(now)
    { echo "CREATE TEMP TABLE p AS SELECT $songs AS songs;"; cat "$here/seed-postgres.sql"; } |
        psql -q -v ON_ERROR_STOP=1 "$pg_url" >/dev/null
    # What autovacuum does to a database a scan filled: without the visibility map the
    # index-only scans of a page's related rows also read the tables, and scripts/services.sh
    # stops the server "immediate", which forgets the counters that would start autovacuum.
    psql -q "$pg_url" -c "VACUUM (ANALYZE)"
    echo "api[postgres]: seeded $songs songs in $(secs_since "$t0") s"
fi

declare -A p99s=() ident99s=() cold99s=()
run_all() {
    local label=$1 tmp
    tmp=$(mktemp)
    shift
    bench_db "$label" "$@" | tee "$tmp"
    # Worst p99 of the gzip rows before the cold part, the identity row, and the cold part.
    p99s[$label]=$(awk '/page cache off/ { exit } / p99 / && !/identity/ { for (i = 1; i < NF; i++)
        if ($i == "p99") print $(i + 1) }' "$tmp" | sort -g | tail -1)
    ident99s[$label]=$(awk '/page cache off/ { exit } / p99 / && /identity/ { for (i = 1; i < NF; i++)
        if ($i == "p99") print $(i + 1) }' "$tmp" | sort -g | tail -1)
    cold99s[$label]=$(awk '/page cache off/ { on = 1 } on && / p99 / { for (i = 1; i < NF; i++)
        if ($i == "p99") print $(i + 1) }' "$tmp" | sort -g | tail -1)
    rm -f "$tmp"
}
run_all sqlite "sqlite:$work/data-sqlite/swaz.db" sqlite_q
run_all postgres "$pg_url" pg_q

# nginx: the same load on a static file holding swaz's first songs page, as it is and
# gzipped (gzip_static: nginx sends the .gz file made beforehand, as the page cache does).
port=$(bench_free_port)
mkdir -p "$work/nginx/www" "$work/nginx/tmp"
cp "$work/songs-page.json" "$work/nginx/www/songs.json" 2>/dev/null ||
    head -c 40000 /dev/zero | tr '\0' 'x' >"$work/nginx/www/songs.json"
gzip -6 -k -f "$work/nginx/www/songs.json"
cat >"$work/nginx/nginx.conf" <<CONF
user root;
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/nginx/tmp;
    proxy_temp_path $work/nginx/tmp;
    fastcgi_temp_path $work/nginx/tmp;
    uwsgi_temp_path $work/nginx/tmp;
    scgi_temp_path $work/nginx/tmp;
    default_type application/json;
    gzip_static on;
    gzip_vary on;
    server { listen 127.0.0.1:$port; root $work/nginx/www; }
}
CONF
"$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
bench_wait_http "$port" /songs.json
echo "api[nginx]: static $(stat -c %s "$work/nginx/www/songs.json")-byte JSON file" \
    "($(stat -c %s "$work/nginx/www/songs.json.gz") bytes gzipped)"
token=
extra=()
reps=$repeat
load "GET /songs.json (nginx, identity)" "http://127.0.0.1:$port/songs.json"
ngx_ident=$p99_ms
extra=(-H 'Accept-Encoding: gzip')
load "GET /songs.json (nginx, gzip)" "http://127.0.0.1:$port/songs.json"
ngx=$p99_ms
for label in sqlite postgres; do
    worst=${p99s[$label]:-}
    if [[ -z $worst ]]; then
        echo "api[$label]: no endpoint measured"
        continue
    fi
    awk -v w="$worst" -v c="${cold99s[$label]:-NA}" -v n="$ngx" -v l="$label" \
        -v i="${ident99s[$label]:-NA}" -v ni="$ngx_ident" 'BEGIN {
        printf "api[%s]: worst p99 %.3f ms = %.1fx nginx gzip p99 (%.3f ms); target <= 5 ms: %s\n",
            l, w, (n > 0 ? w / n : 0), n, (w <= 5 ? "ok" : "OVER")
        printf "api[%s]: without gzip (112 KB a request), p99 %s ms; nginx %s ms\n", l, i, ni
        printf "api[%s]: rendered every time (page cache off), worst p99 %s ms\n", l, c }'
done
