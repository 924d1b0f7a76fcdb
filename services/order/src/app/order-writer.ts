// Group commit at the HTTP edge: checkouts that arrive while an order transaction is in flight
// share the next one — one multi-row INSERT per table (orders, lines, outbox, timeline) and one
// COMMIT for up to `maxBatch` orders instead of six statements each. A checkout that arrives
// when no transaction is in flight is written at once: grouping adds no wait, it only forms
// under load. Every order still commits together with its order.created outbox row and its
// timeline entry (they are in the same transaction), and a 202 is sent only after that commit.
// Checkouts with an Idempotency-Key keep their own transaction (place-order.ts).
import type { Pool, PoolConnection } from '@commerce/platform/mysql';
import { appendToOutbox, type OutgoingEvent } from '@commerce/platform/outbox';
import type { Order, OrderLine } from '../domain/order.ts';
import { appendTimelines, insertOrders, type TimelineEntry } from '../adapters/mysql/orders-repo.ts';

export type NewOrder = {
  order: Order;
  items: OrderLine[];
  created: OutgoingEvent<'order.created'>;
  timeline: TimelineEntry;
};

export type OrderWriter = {
  /** Resolves once the order is committed; rejects when it is known not to be (or the COMMIT failed). */
  write: (entry: NewOrder) => Promise<void>;
};

type Pending = NewOrder & { resolve: () => void; reject: (error: unknown) => void };

export function createOrderWriter(
  pool: Pool,
  options: { maxBatch?: number; maxConcurrent?: number } = {},
): OrderWriter {
  const maxBatch = options.maxBatch ?? 100;
  const maxConcurrent = options.maxConcurrent ?? 2;
  let queue: Pending[] = [];
  let active = 0;

  async function insertAll(tx: PoolConnection, batch: readonly Pending[]): Promise<void> {
    await insertOrders(tx, batch);
    await appendToOutbox(
      tx,
      batch.map((entry) => entry.created),
    );
    await appendTimelines(
      tx,
      batch.map((entry) => ({ orderId: entry.order.order_id, entry: entry.timeline })),
    );
  }

  /** Writes `batch` in one transaction; never throws (each entry is resolved or rejected). */
  async function commitBatch(batch: Pending[]): Promise<void> {
    let connection: PoolConnection;
    try {
      connection = await pool.getConnection();
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    let failure: { error: unknown; atCommit: boolean } | undefined;
    try {
      await connection.beginTransaction();
      try {
        await insertAll(connection, batch);
      } catch (error) {
        failure = { error, atCommit: false };
      }
      if (failure) await connection.rollback().catch(() => undefined);
      else {
        try {
          await connection.commit();
        } catch (error) {
          // The outcome of a failed COMMIT is unknown: report it, never write the orders again.
          failure = { error, atCommit: true };
          await connection.rollback().catch(() => undefined);
        }
      }
    } catch (error) {
      failure ??= { error, atCommit: false }; // BEGIN failed: nothing was written
    } finally {
      connection.release();
    }
    if (!failure) {
      for (const entry of batch) entry.resolve();
    } else if (failure.atCommit || batch.length === 1) {
      for (const entry of batch) entry.reject(failure.error);
    } else {
      // Nothing of the batch was written: each order gets a transaction of its own, so an order
      // that cannot be written fails alone and the others go through.
      await Promise.all(batch.map((entry) => commitBatch([entry])));
    }
  }

  async function drain(): Promise<void> {
    active += 1;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, maxBatch);
        queue = queue.slice(maxBatch);
        await commitBatch(batch);
      }
    } finally {
      active -= 1;
    }
  }

  return {
    write(entry) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ ...entry, resolve, reject });
        if (active < maxConcurrent) void drain();
      });
    },
  };
}
