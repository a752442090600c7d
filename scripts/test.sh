#!/usr/bin/env bash
# The whole suite: type-check everything (tests included), then the unit, integration and end-to-end tiers
# two test files at a time, then the chaos tier one file at a time (each of its files runs a whole farm and
# breaks it on purpose; two at once on two cores would measure the machine, not the farm). Real services
# throughout; bootstrap.sh (run by `npm test` first) installed and built what is needed.
set -euo pipefail
cd "$(dirname "$0")/.."

npx tsc -p tsconfig.json --noEmit
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
npx jest --ci --maxWorkers=2 --selectProjects unit integration e2e --passWithNoTests --json --outputFile="$work/main.json" "$@" || status=$?
npx jest --ci --runInBand --selectProjects chaos --passWithNoTests --json --outputFile="$work/chaos.json" "$@" || status=$?
# One closing line that any CI can read.
node -e '
  const fs = require("node:fs");
  const runs = process.argv.slice(1).filter((f) => fs.existsSync(f)).map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
  const sum = (key) => runs.reduce((n, r) => n + r[key], 0);
  console.log(`jest: ${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed, ${sum("numPendingTests")} skipped`);
' "$work/main.json" "$work/chaos.json" || true
exit "$status"
