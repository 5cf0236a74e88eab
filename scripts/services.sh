#!/usr/bin/env bash
# Starts or stops throwaway PostgreSQL 15 and Redis servers for the test suite.
#   scripts/services.sh start DIR   -> prints `export SWAZ_TEST_PG_URL=...` and
#                                      `export SWAZ_TEST_REDIS_URL=...` (eval them)
#   scripts/services.sh stop DIR    -> stops both; safe to call twice or after a failed start
# Both listen on Unix sockets only (PostgreSQL in DIR/pg, Redis at DIR/redis.sock); nothing is
# durable (fsync off, no snapshots). As root, PostgreSQL runs as the `postgres` system user.
# SWAZ_SERVICES_PG_OPTIONS adds server options ("-c shared_buffers=1GB").
set -euo pipefail

usage() {
    echo "usage: $0 start|stop DIR" >&2
    exit 2
}

(($# == 2)) || usage
cmd=$1
dir=$2

pgbin=/usr/lib/postgresql/15/bin
if [[ ! -x $pgbin/pg_ctl ]]; then
    pgbin=$(dirname "$(command -v pg_ctl || echo /usr/bin/pg_ctl)")
fi

# Runs a command as the user who owns the cluster (postgres when we are root).
as_pg() {
    if ((EUID == 0)); then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# A TCP port number nobody listens on; PostgreSQL uses it only to name its socket file.
free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 30000))
        if [[ ! -e $dir/pg/.s.PGSQL.$p ]] && ! (: <"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    echo "services: no free port found" >&2
    return 1
}

stop() {
    if [[ -f $dir/pg/data/postmaster.pid ]]; then
        as_pg "$pgbin/pg_ctl" -D "$dir/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [[ -f $dir/redis.pid ]]; then
        local pid
        pid=$(cat "$dir/redis.pid" 2>/dev/null || true)
        if [[ $pid =~ ^[0-9]+$ ]] && kill "$pid" 2>/dev/null; then
            for _ in $(seq 1 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -9 "$pid" 2>/dev/null || true
        fi
        rm -f "$dir/redis.pid"
    fi
}

start() {
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    # The postgres user must be able to reach DIR/pg: make every parent traversable.
    chmod 755 "$dir"
    mkdir -p "$dir/pg"
    chmod 755 "$dir/pg"
    local log=$dir/services.log
    : >"$log"
    if ((EUID == 0)); then
        local d=$dir
        while [[ $d != / ]]; do
            if ! runuser -u postgres -- test -x "$d"; then
                chmod o+x "$d"
            fi
            d=$(dirname "$d")
        done
        chown -R postgres: "$dir/pg"
        chown postgres: "$log"
    fi

    if [[ ! -f $dir/pg/data/PG_VERSION ]]; then
        if ! as_pg "$pgbin/initdb" -D "$dir/pg/data" -A trust -U postgres -E UTF8 \
            --locale=C.UTF-8 --no-sync >>"$log" 2>&1; then
            cat "$log" >&2
            echo "services: initdb failed" >&2
            return 1
        fi
    fi
    local port
    port=$(free_port)
    local opts="-c listen_addresses='' -c port=$port -c unix_socket_directories='$dir/pg'"
    opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    opts+=" -c max_connections=200 -c shared_buffers=64MB"
    # More server options from the caller (a later -c wins): bench/api/run.sh gives the
    # million-song database the shared_buffers docs/configuration.md recommends.
    opts+=" ${SWAZ_SERVICES_PG_OPTIONS:-}"
    if ! as_pg "$pgbin/pg_ctl" -D "$dir/pg/data" -l "$log" -o "$opts" -w -t 30 start \
        >/dev/null 2>&1; then
        cat "$log" >&2
        echo "services: PostgreSQL did not start" >&2
        return 1
    fi

    if ! redis-server --port 0 --unixsocket "$dir/redis.sock" \
        --save '' --appendonly no --daemonize yes --pidfile "$dir/redis.pid" \
        --logfile "$dir/redis.log" --dir "$dir" >/dev/null 2>&1; then
        echo "services: redis-server did not start" >&2
        return 1
    fi
    for _ in $(seq 1 50); do
        [[ -S $dir/redis.sock ]] && break
        sleep 0.1
    done
    if [[ ! -S $dir/redis.sock ]]; then
        cat "$dir/redis.log" >&2 2>/dev/null || true
        echo "services: redis socket did not appear" >&2
        return 1
    fi

    printf "export SWAZ_TEST_PG_URL='postgresql://postgres@/postgres?host=%s&port=%s'\n" \
        "$dir/pg" "$port"
    printf "export SWAZ_TEST_REDIS_URL='unix://%s'\n" "$dir/redis.sock"
}

case "$cmd" in
start)
    if ! start; then
        stop
        exit 1
    fi
    ;;
stop) stop ;;
*) usage ;;
esac
