// Consumer lag per partition (a Prometheus gauge) and a stall detector: lag that stays
// above zero while no record completes means kafkajs is wedged (known after broker loss),
// so readiness fails and the process exits for its supervisor to restart it.
import type { Admin } from 'kafkajs';
import type { Logger } from 'pino';
import { consumerLag, recordsConsumed } from './metrics.ts';

export type LagMonitor = { stop: () => void; health: () => Promise<void>; totalLag: () => number };

export function startLagMonitor(options: {
  admin: Admin;
  groupId: string;
  topics: string[];
  log: Logger;
  intervalMs?: number;
  stallTimeoutMs?: number;
  onStall: () => void;
}): LagMonitor {
  const { admin, groupId, topics, log } = options;
  const intervalMs = options.intervalMs ?? 5_000;
  const stallTimeoutMs = options.stallTimeoutMs ?? 120_000;
  let lastProgressAt = Date.now();
  let lastConsumedCount = -1;
  let stalled: Error | undefined;
  let total = 0;

  async function consumedSoFar(): Promise<number> {
    const metric = await recordsConsumed.get();
    return metric.values.reduce((sum, v) => sum + v.value, 0);
  }

  async function tick(): Promise<void> {
    let lag = 0;
    for (const topic of topics) {
      const [ends, committed] = await Promise.all([
        admin.fetchTopicOffsets(topic),
        admin.fetchOffsets({ groupId, topics: [topic] }),
      ]);
      const committedByPartition = new Map(
        (committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]),
      );
      for (const end of ends) {
        const done = committedByPartition.get(end.partition) ?? -1;
        const partitionLag = done < 0 ? Number(end.high) - Number(end.low) : Number(end.high) - done;
        consumerLag.set({ topic, partition: String(end.partition) }, Math.max(partitionLag, 0));
        lag += Math.max(partitionLag, 0);
      }
    }
    total = lag;
    const consumed = await consumedSoFar();
    if (consumed !== lastConsumedCount || lag === 0) {
      lastConsumedCount = consumed;
      lastProgressAt = Date.now();
    } else if (Date.now() - lastProgressAt > stallTimeoutMs && !stalled) {
      stalled = new Error(`consumer ${groupId} made no progress for ${stallTimeoutMs} ms with lag ${lag}`);
      log.error({ lag }, stalled.message);
      options.onStall();
    }
  }

  const timer = setInterval(() => {
    tick().catch((error: unknown) => log.debug({ err: error }, 'lag check failed'));
  }, intervalMs);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    async health() {
      if (stalled) throw stalled;
    },
    totalLag: () => total,
  };
}
