#!/usr/bin/env bash
# `make bench`: against the system `make up` runs, in one go —
#   1. the machine's ceilings (Kafka's ProducerPerformance, raw kafkajs, MariaDB commits/s);
#   2. a fixed-rate run (BENCH_RATE/s for BENCH_DURATION s, default 200/s for 60 s);
#   3. a max-throughput ramp (BENCH_RAMP_START, +BENCH_RAMP_STEP every BENCH_RAMP_STEP_SECONDS s)
#      that stops at the first step where orders no longer keep up;
#   4. a sustain run at BENCH_SUSTAIN_RATE/s for BENCH_SUSTAIN_DURATION s (default 1000/s, 60 s;
#      BENCH_SUSTAIN_RATE=0 skips it);
# then writes report.md (+ JSON, SVG plots) under bench/results/<time>/ and links bench/results/latest.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
OUT="$ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ)"
RATE="${BENCH_RATE:-200}"
DURATION="${BENCH_DURATION:-60}"
SUSTAIN_RATE="${BENCH_SUSTAIN_RATE:-1000}"
SUSTAIN_DURATION="${BENCH_SUSTAIN_DURATION:-60}"
CHECKER_ARGS=()
[ "${BENCH_CHECKER_TOPICS:-1}" = 1 ] || CHECKER_ARGS+=(--checker-no-topics)

for port in 8080 8082 8083 8084; do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/health/ready" ||
    { echo "bench: the service on port $port is not ready; run \`make up\` first" >&2; exit 1; }
done
mkdir -p "$OUT"
echo "bench: results in $OUT" >&2

[ "${BENCH_CEILINGS:-1}" = 1 ] && node bench/ceilings.ts --out "$OUT/ceilings.json" >/dev/null
node bench/load.ts --mode fixed --rate "$RATE" --duration "$DURATION" --label "fixed-$RATE" \
  --out "$OUT/fixed-$RATE.json" "${CHECKER_ARGS[@]}" >/dev/null
if [ "${BENCH_RAMP:-1}" = 1 ]; then
  node bench/load.ts --mode ramp --ramp-start "${BENCH_RAMP_START:-100}" --ramp-step "${BENCH_RAMP_STEP:-100}" \
    --ramp-step-seconds "${BENCH_RAMP_STEP_SECONDS:-15}" --ramp-max "${BENCH_RAMP_MAX:-2000}" --label ramp \
    --out "$OUT/ramp.json" "${CHECKER_ARGS[@]}" >/dev/null
fi
# A sustain run far above what the ramp sustained only builds a backlog that takes many minutes
# to drain (and times orders out): skip it then, unless BENCH_SUSTAIN_FORCE=1.
if [ "$SUSTAIN_RATE" != 0 ] && [ -f "$OUT/ramp.json" ] && [ "${BENCH_SUSTAIN_FORCE:-0}" != 1 ]; then
  MAX="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).maxSustainedPerSecond ?? 0)' "$OUT/ramp.json")"
  if [ $((MAX * 5)) -lt $((SUSTAIN_RATE * 4)) ]; then
    echo "bench: skipping the ${SUSTAIN_RATE}/s sustain run: the ramp sustained ${MAX}/s (< 80 %); BENCH_SUSTAIN_FORCE=1 runs it" >&2
    echo "{\"kind\":\"skipped\",\"label\":\"sustain-$SUSTAIN_RATE\",\"reason\":\"ramp sustained $MAX/s\"}" > "$OUT/sustain-skipped.txt"
    SUSTAIN_RATE=0
  fi
fi
if [ "$SUSTAIN_RATE" != 0 ]; then
  node bench/load.ts --mode fixed --rate "$SUSTAIN_RATE" --duration "$SUSTAIN_DURATION" --label "sustain-$SUSTAIN_RATE" \
    --drain-seconds "${BENCH_SUSTAIN_DRAIN:-300}" --out "$OUT/sustain-$SUSTAIN_RATE.json" "${CHECKER_ARGS[@]}" >/dev/null
fi
node bench/report.ts "$OUT"
ln -sfn "$OUT" "$ROOT/bench/results/latest"
echo "bench: report in bench/results/latest/report.md" >&2
