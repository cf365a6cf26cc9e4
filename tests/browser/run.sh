#!/usr/bin/env bash
# Browser tests of the web front end: starts a tweetchat server on a free port with a fresh
# data directory, runs the Node test files against it in Debian's Chromium, and always stops
# the server.
#
#   TWEETCHAT_BIN=target/debug/tweetchat tests/browser/run.sh
#
# TWEETCHAT_BIN  path to the built server (required; nothing is built here)
# DATABASE_URL   optional; without it the server starts its own PostgreSQL in the data dir
# TWEETCHAT_ADMIN_HANDLE, TWEETCHAT_ADMIN_PASSWORD  optional; the site admin made at first start
# CHROMIUM_PATH  optional; default /usr/bin/chromium (apt-get install chromium)
# Extra arguments go to `node --test` (e.g. --test-name-pattern=transcript).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

: "${TWEETCHAT_BIN:?set TWEETCHAT_BIN to the built tweetchat binary (e.g. target/debug/tweetchat)}"
case "$TWEETCHAT_BIN" in /*) ;; *) TWEETCHAT_BIN="$(pwd)/$TWEETCHAT_BIN" ;; esac
[ -x "$TWEETCHAT_BIN" ] || { echo "run.sh: $TWEETCHAT_BIN is not an executable" >&2; exit 2; }
export TWEETCHAT_BIN
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$chromium" ] || { echo "run.sh: no Chromium at $chromium (apt-get install -y chromium)" >&2; exit 2; }
command -v node >/dev/null || { echo "run.sh: node is not installed" >&2; exit 2; }

cd "$here"
if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi

# The site administrator the server creates at first start (no other way to make one without a
# shell on the server); tests sign in with these. Ignored by a server that already has one.
export TWEETCHAT_ADMIN_HANDLE="${TWEETCHAT_ADMIN_HANDLE:-@browseradmin}"
export TWEETCHAT_ADMIN_PASSWORD="${TWEETCHAT_ADMIN_PASSWORD:-browser admin password}"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/tweetchat-browser.XXXXXX")"
export TWEETCHAT_TEST_TMP="$tmp"
export TWEETCHAT_WEB_DIR="$root/web"
server_pid=""

cleanup() {
  local status=$?
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -f "$tmp/data/server.log" ]; then
    echo "---- last lines of the server log ----" >&2
    tail -n 40 "$tmp/data/server.log" >&2 || true
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT INT TERM

port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
url="http://127.0.0.1:$port"
mkdir -p "$tmp/data"
"$TWEETCHAT_BIN" --bind "127.0.0.1:$port" --public-url "$url" --data-dir "$tmp/data" \
  --web-dir "$root/web" --post-rate-per-minute 6000 --auth-attempts-per-minute 6000 --shutdown-grace-seconds 3 \
  >"$tmp/data/server.log" 2>&1 &
server_pid=$!

echo "run.sh: waiting for $url/readyz"
ready=""
for _ in $(seq 1 600); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "run.sh: the server exited before it was ready" >&2
    exit 1
  fi
  if [ "$(node -e 'fetch(process.argv[1]).then(r=>console.log(r.status),()=>console.log(0))' "$url/readyz")" = 200 ]; then
    ready=yes
    break
  fi
  sleep 0.2
done
[ -n "$ready" ] || { echo "run.sh: $url/readyz was not 200 within 120 s" >&2; exit 1; }

export TWEETCHAT_URL="$url"
set +e
node --test --test-concurrency=1 "$@" tests/*.test.mjs
status=$?
set -e
exit "$status"
