// Readiness: each dependency is a named check. A check that fails with `degraded: true`
// (e.g. the order service's Redis cache) keeps the service ready but is reported.

export type CheckResult = { status: 'up' | 'down' | 'degraded'; detail?: string };
export type HealthCheck = { name: string; critical: boolean; check: () => Promise<void> };
export type ReadinessReport = { status: 'ready' | 'not_ready'; checks: Record<string, CheckResult> };

const CHECK_TIMEOUT_MS = 2_000;

/** Runs every check in parallel with a timeout; critical failures make the report not_ready. */
export async function checkReadiness(checks: HealthCheck[]): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async ({ name, critical, check }): Promise<[string, CheckResult, boolean]> => {
      try {
        await withTimeout(check(), CHECK_TIMEOUT_MS, `${name} check timed out`);
        return [name, { status: 'up' }, critical];
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        return [name, { status: critical ? 'down' : 'degraded', detail }, critical];
      }
    }),
  );
  const ready = results.every(([, result, critical]) => !critical || result.status === 'up');
  return {
    status: ready ? 'ready' : 'not_ready',
    checks: Object.fromEntries(results.map(([n, r]) => [n, r])),
  };
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
