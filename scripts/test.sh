#!/usr/bin/env bash
# test.sh - every test of Swaz, in order, ending with one line "N passed, N failed".
#   style     formatting, banned functions, include layering (scripts/check-style.sh)
#   build     gcc with ASan+UBSan and -Werror; clang with -Werror
#   web       the web player: npm ci, vite build into web/dist, its unit tests (node --test)
#   unit      cmocka unit tests and fuzz-corpus replays (meson test), on SQLite and on
#             PostgreSQL + Redis started here (scripts/services.sh)
#   blackbox  the real binary under ASan, node --test, once on SQLite and once on
#             PostgreSQL + Redis; includes the headless Chromium test
# Each stage adds its counts to a tally; a stage that cannot run counts as one failure.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=$root/.test-out
rm -rf "$out"
mkdir -p "$out"
tally=$out/tally
: >"$tally"

# add STAGE PASSED FAILED [SKIPPED]
add() {
    echo "$1 $2 $3 ${4:-0}" >>"$tally"
    printf '== %-22s %s passed, %s failed%s\n' "$1" "$2" "$3" \
        "$([ "${4:-0}" != 0 ] && echo ", $4 skipped")"
}

# Reads "... N passed, N failed" from the last such line of a log.
add_from_line() {
    local stage=$1 log=$2 line
    line=$(grep -Eo '[0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
    if [ -z "$line" ]; then
        add "$stage" 0 1
    else
        add "$stage" "$(echo "$line" | awk '{print $1}')" "$(echo "$line" | awk '{print $3}')"
    fi
}

# Counts TAP results of node --test (the tap reporter's closing comments).
add_from_node() {
    local stage=$1 tap=$2 rc=$3 pass fail skip
    pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" | tail -n1)
    fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" | tail -n1)
    skip=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$tap" | tail -n1)
    if [ -z "$pass" ]; then
        add "$stage" 0 1
        return
    fi
    # A non-zero exit with no counted failure (a crash, a leak report) is still a failure.
    if [ "$rc" != 0 ] && [ "${fail:-0}" = 0 ]; then fail=1; fi
    add "$stage" "$pass" "${fail:-0}" "${skip:-0}"
}

echo "== style"
scripts/check-style.sh >"$out/style.log" 2>&1
cat "$out/style.log"
add_from_line style "$out/style.log"

echo "== build (gcc, ASan+UBSan, -Werror)"
if scripts/build.sh build-test test; then add build-gcc 1 0; else add build-gcc 0 1; fi
echo "== build (clang, -Werror)"
if scripts/build.sh build-clang clang; then add build-clang 1 0; else add build-clang 0 1; fi
echo "== web player (npm ci, vite build, unit tests of the player's state logic)"
scripts/build-web.sh --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$out/web-unit.tap" >"$out/web-unit.log" 2>&1
rc=$?
tail -n 12 "$out/web-unit.log"
add_from_node web-unit "$out/web-unit.tap" "$rc"

services=$(mktemp -d /tmp/swaz-services.XXXXXX)
cleanup() {
    scripts/services.sh stop "$services" >/dev/null 2>&1 || true
    rm -rf "$services"
}
trap cleanup EXIT INT TERM
if env_lines=$(scripts/services.sh start "$services" 2>"$out/services.log"); then
    eval "$env_lines"
    add services 1 0
else
    cat "$out/services.log" >&2
    add services 0 1
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if [ -x build-test/swaz ]; then
    echo "== unit tests and fuzz-corpus replays"
    meson test -C build-test --print-errorlogs >"$out/unit.log" 2>&1
    urc=$?
    tail -n 25 "$out/unit.log"
    python3 - "$root/build-test/meson-logs/testlog.json" "$urc" >>"$tally" <<'PY'
import json, re, sys
passed = failed = skipped = 0
seen = 0
for line in open(sys.argv[1]):
    t = json.loads(line)
    seen += 1
    out = t.get("stdout") or ""
    oks = len(re.findall(r"^ok \d+", out, re.M))
    skips = len(re.findall(r"^(?:not )?ok \d+.*# SKIP", out, re.M))
    nots = len(re.findall(r"^not ok \d+", out, re.M))
    oks -= len(re.findall(r"^ok \d+.*# SKIP", out, re.M))
    nots -= len(re.findall(r"^not ok \d+.*# SKIP", out, re.M))
    if t.get("result") not in ("OK", "EXPECTEDFAIL", "SKIP") and nots == 0:
        nots = 1  # crashed, timed out or failed outside a TAP case
    passed += oks
    skipped += skips
    failed += nots
if seen == 0 or (sys.argv[2] != "0" and failed == 0):
    failed += 1
print("unit", passed, failed, skipped)
PY
    tail -n1 "$tally" | awk '{printf "== %-22s %s passed, %s failed, %s skipped\n", $1, $2, $3, $4}'

    echo "== black-box tests on SQLite"
    library=$(mktemp -d /tmp/swaz-library.XXXXXX)
    scripts/gen-library.sh "$library" test
    export SWAZ_TEST_LIBRARY=$library SWAZ_BIN=$root/build-test/swaz
    export SWAZ_PROBE_TOOL=$root/build-test/tests/unit/probe_tool # tags.test.mjs: required here
    (cd tests/integration && env -u SWAZ_TEST_DATABASE_URL -u SWAZ_TEST_REDIS_URL \
        node --test --test-concurrency=2 --test-reporter=spec --test-reporter-destination=stdout \
        --test-reporter=tap --test-reporter-destination="$out/blackbox-sqlite.tap" \
        ./*.test.mjs) >"$out/blackbox-sqlite.log" 2>&1
    rc=$?
    tail -n 40 "$out/blackbox-sqlite.log"
    add_from_node blackbox-sqlite "$out/blackbox-sqlite.tap" "$rc"

    echo "== black-box tests on PostgreSQL + Redis"
    if [ -n "${SWAZ_TEST_PG_URL:-}" ]; then
        (cd tests/integration && SWAZ_TEST_DATABASE_URL=$SWAZ_TEST_PG_URL \
            SWAZ_TEST_REDIS_URL=${SWAZ_TEST_REDIS_URL:-} \
            node --test --test-concurrency=2 --test-reporter=spec \
            --test-reporter-destination=stdout --test-reporter=tap \
            --test-reporter-destination="$out/blackbox-postgres.tap" \
            ./*.test.mjs) >"$out/blackbox-postgres.log" 2>&1
        rc=$?
        tail -n 40 "$out/blackbox-postgres.log"
        add_from_node blackbox-postgres "$out/blackbox-postgres.tap" "$rc"
    else
        add blackbox-postgres 0 1
    fi
    rm -rf "$library"
else
    add unit 0 1
    add blackbox 0 1
fi

read -r passed failed skipped < <(awk '{p+=$2; f+=$3; s+=$4} END {print p+0, f+0, s+0}' "$tally")
echo "Logs: $out"
if [ "$skipped" != 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
