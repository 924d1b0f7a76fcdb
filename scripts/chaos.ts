// `make chaos [CHAOS_MINUTES=10] [CHAOS_RATE=20]`: the long fault-injection run. Needs the
// shared schema registry and Redis (`make infra-up`); brings its own broker and MariaDB.
// Prints the report, writes it to .run/chaos-report.json, exits 1 if anything was lost,
// duplicated, stuck or inconsistent.
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatChaosReport, runChaos, SERVICE_FAULTS } from '../test/system/chaos.ts';
import { startSandbox } from '../test/system/sandbox-infra.ts';

const USAGE = 'usage: node scripts/chaos.ts [--minutes N] [--rate N] [--gap-seconds N]';
const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '20' },
    'gap-seconds': { type: 'string', default: '5' },
  },
});
const number = (name: keyof typeof values, min: number, max: number): number => {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value < min || value > max) {
    process.stderr.write(
      `chaos: --${name} must be a number in [${min}, ${max}], got "${values[name]}"\n${USAGE}\n`,
    );
    process.exit(2);
  }
  return value;
};
const minutes = number('minutes', 0.5, 240);
const rate = number('rate', 1, 500);
const gapSeconds = number('gap-seconds', 0, 600);

const stamp = new Date()
  .toISOString()
  .replace(/[-:.TZ]/g, '')
  .slice(0, 14);
const name = `chaos_${stamp}`;
const shared = {
  registryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
};
const report = await runChaos({
  name,
  environment: () => startSandbox(name, shared),
  faults: [...SERVICE_FAULTS, 'crash kafka', 'crash mariadb'],
  durationMs: minutes * 60_000,
  ratePerSecond: rate,
  faultGapMs: gapSeconds * 1000,
  quiescenceTimeoutMs: 300_000,
  log: (line) => process.stderr.write(`chaos: ${line}\n`),
});
mkdirSync('.run', { recursive: true });
writeFileSync('.run/chaos-report.json', `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${formatChaosReport(report)}\n(full report: .run/chaos-report.json)\n`);
const clean =
  report.lost.length === 0 &&
  report.duplicated.length === 0 &&
  report.violations.length === 0 &&
  report.load.givenUp.length === 0;
process.exit(clean ? 0 : 1);
