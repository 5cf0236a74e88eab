#!/usr/bin/env bash
# Builds the web player into web/dist (what `swaz serve` serves at / by default).
#   scripts/build-web.sh          npm ci when node_modules is behind the lockfile, then
#                                 `npm run build` when a source is newer than web/dist
#   scripts/build-web.sh --test   the same, then checks the formatting (prettier) and
#                                 compiles and runs the player's unit tests (node --test;
#                                 pass --test-reporter flags after --test)
# Quiet on success apart from the test output; needs node and npm (scripts/deps.sh).
set -euo pipefail

web=$(cd "$(dirname "${BASH_SOURCE[0]}")/../web" && pwd)
cd "$web"

if ! command -v npm >/dev/null 2>&1; then
    echo "build-web: npm not found (scripts/deps.sh installs node and npm)" >&2
    exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
run() {
    if ! "$@" >"$log" 2>&1; then
        cat "$log" >&2
        echo "build-web: '$*' failed in web/" >&2
        exit 1
    fi
}

# npm ci only when node_modules is not in step with the lockfile (npm writes the stamp).
stamp=node_modules/.package-lock.json
if [[ ! -f $stamp || package-lock.json -nt $stamp || package.json -nt $stamp ]]; then
    run npm ci --no-audit --no-fund --loglevel=error
fi

# Rebuild when any input is newer than the last build.
if [[ ! -f dist/index.html ]] ||
    [[ -n $(find src public index.html package-lock.json vite.config.ts tsconfig.json compress.mjs \
        -newer dist/index.html -print -quit) ]]; then
    run npm run build
fi

if [[ ${1:-} == --test ]]; then
    shift
    run npx prettier --check src test vite.config.ts compress.mjs
    rm -rf test-out
    run npx tsc -p tsconfig.test.json
    node --test "$@" test-out/test/*.test.js
fi
