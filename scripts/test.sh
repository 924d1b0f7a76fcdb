#!/usr/bin/env bash
# `make test`: static checks, the schema gate, then every test against real infrastructure.
# Infrastructure: the caller's (KAFKA_BROKERS etc. set), else testcontainers when Docker
# answers, else the local one — started here if it was not running, and stopped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

started_local=no
if [ -z "${KAFKA_BROKERS:-}" ] && ! docker info >/dev/null 2>&1; then
  export TEST_INFRA=local
  if [ -z "$(infra/local/infra.sh status | grep -E '^(kafka|registry) ')" ]; then started_local=yes; fi
  infra/local/infra.sh start
fi
cleanup() {
  if [ "$started_local" = yes ]; then infra/local/infra.sh stop; fi
}
trap cleanup EXIT

echo "== lint"; npx eslint .
echo "== import cycles"; npm run --silent cycles
echo "== format"; npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }
echo "== typecheck"; npx tsc --noEmit -p tsconfig.json
echo "== schemas-check"; node scripts/schemas-check.ts
echo "== tests"
mkdir -p .run
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.run/vitest-report.json || status=$?
node -e '
  const r = require("./.run/vitest-report.json");
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' || true
exit $status
