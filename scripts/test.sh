#!/usr/bin/env bash
# The whole suite: type-check everything (tests included), then unit, integration and end-to-end tests in one
# jest run against real services. bootstrap.sh (run by `npm test` first) installed and built what is needed.
set -euo pipefail
cd "$(dirname "$0")/.."

npx tsc -p tsconfig.json --noEmit
results=$(mktemp)
trap 'rm -f "$results"' EXIT
status=0
npx jest --ci --maxWorkers=2 --json --outputFile="$results" "$@" || status=$?
# One closing line that any CI can read.
node -e '
  const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
' "$results" || true
exit "$status"
