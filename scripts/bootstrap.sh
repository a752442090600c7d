#!/usr/bin/env bash
# Brings a checkout to the point where `npm test` or `npm run demo` can run: npm packages, the
# system services Tessera starts as child processes (nats-server; PostgreSQL server binaries for the
# tests) and the compiled TypeScript. Idempotent and silent when there is nothing to do, because
# `npm test` and `npm run demo` call it every time.
#
#   bash scripts/bootstrap.sh [--for test|demo]     (default: test, which is a superset of demo)
set -euo pipefail

usage() {
  echo "usage: bash scripts/bootstrap.sh [--for test|demo]" >&2
  exit 2
}

mode=test
while [ $# -gt 0 ]; do
  case "$1" in
    --for) [ $# -ge 2 ] || usage; mode=$2; shift 2 ;;
    --for=*) mode=${1#--for=}; shift ;;
    *) usage ;;
  esac
done
case "$mode" in
  test | demo) ;;
  *) echo "bootstrap: --for must be 'test' or 'demo', not '$mode'" >&2; exit 2 ;;
esac

cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { echo "bootstrap: $*"; }
fail() { echo "bootstrap: $*" >&2; exit 1; }

# Runs a command with its output held back; shows the output only if the command fails.
quietly() {
  local output
  if ! output=$("$@" 2>&1); then
    printf '%s\n' "$output" >&2
    fail "failed: $*"
  fi
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo > /dev/null 2>&1; then
    sudo "$@"
  else
    fail "need root for '$*' and sudo is not installed: run it as root, then run this script again"
  fi
}

apt_updated=no
apt_install() {
  command -v apt-get > /dev/null 2>&1 ||
    fail "'$*' missing and apt-get not available: install it with your package manager"
  if [ "$apt_updated" = no ]; then
    step "apt-get update"
    quietly as_root env DEBIAN_FRONTEND=noninteractive apt-get update
    apt_updated=yes
  fi
  step "apt-get install $*"
  quietly as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

# --- system packages --------------------------------------------------------------------------

# Debian puts nats-server in /usr/sbin, which is not on an ordinary user's PATH; the app looks there
# too (libs/messaging/src/embedded), so this check must as well, or it would reinstall every time.
have_nats_server() {
  command -v nats-server > /dev/null 2>&1 && return 0
  [ -n "${NATS_SERVER_BIN:-}" ] && [ -x "$NATS_SERVER_BIN" ] && return 0
  local dir
  for dir in /usr/sbin /usr/bin /usr/local/bin /usr/local/sbin; do
    [ -x "$dir/nats-server" ] && return 0
  done
  return 1
}

# The test harness (libs/testing) runs initdb and pg_ctl from the versioned server directory.
have_postgres_server() {
  [ -n "${PG_BIN_DIR:-}" ] && [ -x "$PG_BIN_DIR/initdb" ] && return 0
  compgen -G '/usr/lib/postgresql/*/bin/initdb' > /dev/null
}

# The renderers the tests run for real: Blender (Cycles), POV-Ray with its standard includes, and bubblewrap,
# the sandbox both run in (POV-Ray 3.7's own file-I/O restrictions do not work on Linux).
have_renderers() {
  command -v blender > /dev/null 2>&1 && command -v povray > /dev/null 2>&1 && command -v bwrap > /dev/null 2>&1 &&
    [ -f /usr/share/povray-3.7/include/colors.inc ]
}

have_nats_server || apt_install nats-server
if [ "$mode" = test ] && ! have_renderers; then
  apt_install blender povray povray-includes bubblewrap
fi
if [ "$mode" = test ] && ! have_postgres_server; then
  apt_install postgresql
fi

# --- npm packages -----------------------------------------------------------------------------

command -v node > /dev/null 2>&1 || fail "node is not installed (Tessera needs Node.js >= 20.19)"
[ -f package-lock.json ] || fail "package-lock.json is missing: run 'npm install' once and commit it"

# The stamp names the lockfile and the Node version: a native module (better-sqlite3) built for
# one Node ABI does not load in another, so a new Node needs a fresh install too.
npm_stamp=node_modules/.tessera-stamp
npm_wanted="$(sha256sum package-lock.json | cut -d' ' -f1) node-$(node --version)"
if [ ! -d node_modules ] || [ "$(cat "$npm_stamp" 2> /dev/null || true)" != "$npm_wanted" ]; then
  if [ -d node_modules ]; then reason="package-lock.json or Node changed"; else reason="no node_modules"; fi
  step "npm ci ($reason)"
  quietly npm ci --no-audit --no-fund
  # npm 11 runs install scripts only for packages listed under "allowScripts" in package.json; if
  # better-sqlite3's native build was skipped anyway, build it explicitly.
  if ! node -e "require('better-sqlite3')(':memory:').close()" > /dev/null 2>&1; then
    step "npm rebuild better-sqlite3 (native module missing after npm ci)"
    quietly npm rebuild better-sqlite3
    node -e "require('better-sqlite3')(':memory:').close()" ||
      fail "better-sqlite3 still does not load: a C++ toolchain (build-essential, python3) is needed"
  fi
  echo "$npm_wanted" > "$npm_stamp"
fi

# --- TypeScript build ------------------------------------------------------------------------

# The same files tsconfig.build.json compiles: apps and libs without specs and test harnesses.
build_sources() {
  find apps libs -name '*.ts' -not -name '*.spec.ts' -not -path 'libs/testing/*' -not -path '*/node_modules/*'
}

build_stamp=dist/.build-stamp
# The stamp holds a hash of the file list, so that a deleted or renamed file (older than the stamp)
# still forces a clean build instead of leaving its stale .js in dist.
sources_hash=$(build_sources | LC_ALL=C sort | sha256sum | cut -d' ' -f1)
build_reason=""
if [ ! -f "$build_stamp" ]; then
  build_reason="no build yet"
elif [ "$(cat "$build_stamp")" != "$sources_hash" ]; then
  build_reason="files added or removed"
elif [ -n "$(find apps libs package.json tsconfig.json tsconfig.build.json -newer "$build_stamp" \
  \( -name '*.ts' -o -name '*.json' \) -not -name '*.spec.ts' -not -path 'libs/testing/*' \
  -not -path '*/node_modules/*' -print -quit)" ]; then
  build_reason="sources changed"
fi
if [ -n "$build_reason" ]; then
  # `npm run build` is `tsc -p tsconfig.build.json` plus whatever the compiled output needs besides
  # (the @tessera/* links in dist/node_modules): one definition of "build", in package.json.
  step "npm run build ($build_reason)"
  # Without a matching stamp, dist may hold output of files that no longer exist: start clean.
  [ "$build_reason" = "sources changed" ] || rm -rf dist
  mkdir -p dist
  # Stamped with the time the build started, so an edit made while tsc runs triggers the next build.
  echo "$sources_hash" > "$build_stamp.next"
  quietly npm run --silent build
  mv "$build_stamp.next" "$build_stamp"
fi
