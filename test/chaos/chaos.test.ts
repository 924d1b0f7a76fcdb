// The short fault-injection run inside `make test` (make chaos runs the long one): every
// service SIGKILLed and restarted, the broker and MariaDB crashed and restarted, under a
// steady load; afterwards nothing lost, nothing duplicated, nothing stuck, checker clean.
import { expect, it } from 'vitest';
import { testInfra, uniqueName } from '../support/isolation.ts';
import { FAULTS, formatChaosReport, runChaos } from '../system/chaos.ts';

it('survives a crash of every part under load: 0 lost, 0 duplicated, 0 stuck, checker clean', async () => {
  const infra = testInfra();
  const report = await runChaos({
    name: uniqueName('chaos'),
    shared: { registryUrl: infra.registryUrl, redisUrl: infra.redisUrl },
    durationMs: 90_000,
    ratePerSecond: 15,
    faultGapMs: 3_000,
    log: (line) => console.log(`chaos: ${line}`),
  });
  console.log(formatChaosReport(report));
  expect(new Set(report.faults.map((f) => f.kind))).toEqual(new Set(FAULTS));
  expect(report.load.accepted).toBeGreaterThan(500);
  expect(report.load.givenUp).toEqual([]);
  expect(report.lost).toEqual([]);
  expect(report.duplicated).toEqual([]);
  expect(report.violations).toEqual([]);
}, 600_000);
