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
rm -f .run/vitest-report.json .run/vitest-chaos-report.json
npx vitest run --reporter=default --reporter=json --outputFile.json=.run/vitest-report.json || status=$?
echo "== fault injection (short; make chaos runs the long one)"
npx vitest run --config vitest.chaos.config.ts --reporter=default --reporter=json \
  --outputFile.json=.run/vitest-chaos-report.json || status=$?
node -e '
  const fs = require("fs");
  const reports = [".run/vitest-report.json", ".run/vitest-chaos-report.json"]
    .filter((f) => fs.existsSync(f)).map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
  const sum = (key) => reports.reduce((n, r) => n + r[key], 0);
  const skipped = sum("numPendingTests") + sum("numTodoTests");
  console.log(`vitest: ${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed` + (skipped ? `, ${skipped} skipped` : ""));
' || true
exit $status
