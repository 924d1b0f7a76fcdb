// Graceful shutdown: on SIGTERM/SIGINT run the stop steps in order (stop HTTP, stop
// consumers so in-flight handlers finish and commit, flush the relay, disconnect), and exit
// 0 — or exit 1 if the deadline passes first, so a supervisor never waits forever.
import type { Logger } from 'pino';

export type StopStep = { name: string; stop: () => Promise<unknown> };

/** Runs stop steps in order; a failing step is logged and the next one still runs. */
export async function runStopSteps(log: Logger, steps: StopStep[]): Promise<void> {
  for (const step of steps) {
    try {
      await step.stop();
    } catch (error) {
      log.warn({ err: error, step: step.name }, 'shutdown step failed');
    }
  }
}

/** Registers signal handlers that run `steps` in order, bounded by `timeoutMs`. */
export function installGracefulShutdown(
  log: Logger,
  steps: StopStep[],
  timeoutMs: number,
): (reason: string, code?: number) => Promise<void> {
  let shuttingDown = false;
  async function shutdown(reason: string, code = 0): Promise<void> {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ reason }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error({ timeout_ms: timeoutMs }, 'shutdown deadline passed; exiting');
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    await runStopSteps(log, steps);
    log.info('stopped');
    process.exit(code);
  }
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  return shutdown;
}
