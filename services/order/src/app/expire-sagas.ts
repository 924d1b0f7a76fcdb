// Use case: cancel PENDING orders whose deadline passed. The deadline lives in MySQL, so a
// restart loses nothing; SKIP LOCKED lets several instances (and the saga handlers) run at
// once without waiting on each other.
import { withTransaction, type Pool } from '@commerce/platform/mysql';
import { appendToOutbox } from '@commerce/platform/outbox';
import { lockExpiredOrders } from '../adapters/mysql/orders-repo.ts';
import { applyToLockedOrder, type Emit } from './apply-saga-event.ts';

export type ExpireDeps = { pool: Pool; batchSize?: number };

/** One sweep; returns the ids of the orders it cancelled. */
export async function expireSagas(deps: ExpireDeps, now: Date): Promise<string[]> {
  return withTransaction(deps.pool, async (tx) => {
    const expired = await lockExpiredOrders(tx, now, deps.batchSize ?? 100);
    const cancelled: string[] = [];
    const emit: Emit = async (topic, event) => appendToOutbox(tx, [{ topic, key: event.order_id, event }]);
    for (const order of expired) {
      const result = await applyToLockedOrder(tx, order, { type: 'deadline-expired' }, now, emit);
      if (result.statusChanged) cancelled.push(order.order_id);
    }
    return cancelled;
  });
}

export type Sweeper = { stop: () => Promise<void> };

/** Runs expireSagas every `intervalMs` until stopped; never two sweeps at once. */
export function startSweeper(options: {
  pool: Pool;
  intervalMs: number;
  onExpired: (orderIds: string[]) => Promise<void>;
  onError: (error: unknown) => void;
}): Sweeper {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = async () => {
    try {
      const ids = await expireSagas({ pool: options.pool }, new Date());
      if (ids.length > 0) await options.onExpired(ids);
    } catch (error) {
      options.onError(error);
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(schedule);
    }, options.intervalMs);
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
