// The consistency checker: reads a deployment's four databases and its topics and reports
// every broken invariant of CONTRACT.md with the order ids concerned. `npm run check` is its
// command line (cli.ts); the system tests, chaos and bench call checkConsistency directly.
import { Kafka, logLevel } from 'kafkajs';
import { checkInvariants, INVARIANTS, type CheckOptions, type CheckResult } from './invariants.ts';
import {
  readBacklog,
  readDatabases,
  readTopics,
  type Backlog,
  type ServiceName,
  type SystemTarget,
} from './snapshot.ts';

export { INVARIANTS, type CheckOptions, type CheckResult, type Violation } from './invariants.ts';
export { DEFAULT_DATABASES, type ServiceName, type SystemTarget } from './snapshot.ts';

export type ConsistencyReport = CheckResult & { undecodableRecords: number | undefined };

/** Reads the target and evaluates every invariant; `readTopics: false` skips the topic rules. */
export async function checkConsistency(
  target: SystemTarget,
  options: CheckOptions & { readTopics?: boolean } = {},
): Promise<ConsistencyReport> {
  const snapshot = await readDatabases(target);
  // Topics after databases: every event a database row implies was published before the read.
  const topics = options.readTopics === false ? undefined : await readTopics(target);
  const result = checkInvariants({ ...snapshot, records: topics?.records }, options);
  return { ...result, undecodableRecords: topics?.undecodable };
}

/** The consumer groups of a deployment: the runtime names them `<prefix><service>`. */
const CONSUMERS: ServiceName[] = ['order', 'payment', 'inventory', 'notify'];

/** Records the services' consumer groups have not committed yet (all their topics). */
export async function consumerLag(target: SystemTarget): Promise<number> {
  const kafka = new Kafka({
    clientId: 'consistency-checker',
    brokers: target.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    let lag = 0;
    for (const service of CONSUMERS) {
      const committed = await admin.fetchOffsets({ groupId: `${target.topicPrefix}${service}` });
      for (const { topic, partitions } of committed) {
        const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p]));
        for (const { partition, offset } of partitions) {
          const end = ends.get(partition);
          if (!end) continue;
          const from = Number(offset) >= 0 ? Number(offset) : Number(end.low);
          lag += Math.max(0, Number(end.high) - from);
        }
      }
    }
    return lag;
  } finally {
    await admin.disconnect();
  }
}

export type QuiescenceState = Backlog & { consumerLag: number };

/** One look at whether anything is still moving. */
export async function quiescenceState(target: SystemTarget): Promise<QuiescenceState> {
  return { ...(await readBacklog(target)), consumerLag: await consumerLag(target) };
}

/**
 * Waits until no order is PENDING, every outbox is drained, every notification settled and
 * every consumer group caught up — twice in a row, so a compensation travelling between two
 * looks is not missed. Returns how long it took; throws with the last state on timeout.
 */
export async function waitForQuiescence(
  target: SystemTarget,
  { timeoutMs = 120_000, intervalMs = 500 } = {},
): Promise<{ waitedMs: number; state: QuiescenceState }> {
  const started = Date.now();
  let quietLooks = 0;
  let state: QuiescenceState | undefined;
  let lastError: unknown;
  while (Date.now() - started < timeoutMs) {
    try {
      state = await quiescenceState(target);
      const quiet = Object.values(state).every((n) => n === 0);
      quietLooks = quiet ? quietLooks + 1 : 0;
      if (quietLooks >= 2) return { waitedMs: Date.now() - started, state };
    } catch (error) {
      lastError = error; // a restarting broker or database: look again
      quietLooks = 0;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`system not quiescent after ${timeoutMs} ms: ${JSON.stringify(state)}`, {
    cause: lastError,
  });
}

/** A human-readable report: one block per violation with (up to 20 of) its order ids. */
export function formatReport(report: ConsistencyReport): string {
  const { stats } = report;
  const lines = [
    `orders: ${stats.orders.CONFIRMED} CONFIRMED, ${stats.orders.CANCELLED} CANCELLED, ${stats.orders.PENDING} PENDING` +
      (stats.inFlightSkipped ? ` (${stats.inFlightSkipped} in flight, not judged yet)` : ''),
  ];
  if (stats.recordsRead !== undefined)
    lines.push(
      `topic records: ${stats.recordsRead} read, ${stats.redeliveredRecords ?? 0} redeliveries of an event already seen, ` +
        `${report.undecodableRecords ?? 0} undecodable (dead-letter material)`,
    );
  lines.push(
    `invariants checked: ${Object.keys(INVARIANTS).length}; violations: ${report.violations.length}`,
  );
  for (const violation of report.violations) {
    const shown = violation.orderIds.slice(0, 20).join(' ');
    const more = violation.orderIds.length > 20 ? ` … and ${violation.orderIds.length - 20} more` : '';
    lines.push(
      `VIOLATION ${violation.invariant}: ${violation.message}${shown ? `\n  orders: ${shown}${more}` : ''}`,
    );
  }
  return lines.join('\n');
}
