// The short fault-injection runs inside `make test` (make chaos runs the long one). They
// crash infrastructure, so they run in their own vitest phase after the main suite. They need
// the local infrastructure scripts (mariadbd, infra.sh's broker and cluster): TEST_INFRA=local,
// which make test sets when no Docker engine answers.
import { describe, expect, it } from 'vitest';
import { testInfra, uniqueName } from '../support/isolation.ts';
import { formatChaosReport, runChaos, SERVICE_FAULTS, type ChaosReport } from '../system/chaos.ts';
import { startClusterEnvironment, startSandbox } from '../system/sandbox-infra.ts';

function expectNothingLostDuplicatedOrStuck(report: ChaosReport): void {
  console.log(formatChaosReport(report));
  expect(report.load.givenUp).toEqual([]);
  expect(report.lost).toEqual([]);
  expect(report.duplicated).toEqual([]);
  // Includes "every order terminal" and "every order's events are on the topics".
  expect(report.violations).toEqual([]);
}

describe.runIf(process.env.TEST_INFRA === 'local')('fault injection', () => {
  it('survives a crash of every service, the broker and MariaDB under load: 0 lost, 0 duplicated, 0 stuck', async () => {
    const infra = testInfra();
    const name = uniqueName('chaos');
    const faults = [...SERVICE_FAULTS, 'crash kafka', 'crash mariadb'];
    const report = await runChaos({
      name,
      environment: () => startSandbox(name, infra),
      faults,
      durationMs: 90_000,
      ratePerSecond: 15,
      faultGapMs: 3_000,
      log: (line) => console.log(`chaos: ${line}`),
    });
    expect(new Set(report.faults.map((f) => f.kind))).toEqual(new Set(faults));
    expect(report.load.accepted).toBeGreaterThan(1_000);
    expectNothingLostDuplicatedOrStuck(report);
  }, 600_000);

  it('loses no acknowledged order when a broker of the three-broker cluster (RF 3, min ISR 2) is killed under load', async () => {
    const infra = testInfra();
    const report = await runChaos({
      name: uniqueName('cluster'),
      environment: () => startClusterEnvironment(infra),
      faults: ['kill broker 2'],
      durationMs: 45_000,
      ratePerSecond: 15,
      faultGapMs: 8_000,
      log: (line) => console.log(`cluster chaos: ${line}`),
    });
    expect(report.faults.map((f) => f.kind)).toContain('kill broker 2');
    expectNothingLostDuplicatedOrStuck(report);
  }, 600_000);
});
