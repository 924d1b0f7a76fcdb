// Reads what the invariants are checked on: the four service databases (each in one
// consistent MySQL snapshot) and every record of the nine contract topics, read from the
// beginning to the end offsets taken at the start.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { RowDataPacket } from 'mysql2/promise';
import { createPool, type Pool } from '@commerce/platform/mysql';
import { createSerde } from '@commerce/platform/serde';
import { TOPICS, type Topic } from '@commerce/platform/events';
import type {
  NotificationRow,
  OrderRow,
  OutboxBacklog,
  PaymentRow,
  ReservationRow,
  Snapshot,
  StockLine,
  StockRow,
  TopicRecord,
} from './invariants.ts';

export type ServiceName = 'order' | 'payment' | 'inventory' | 'notify';

/** Where a deployment (or a test's isolated copy of one) keeps its state. */
export type SystemTarget = {
  /** The MySQL server, e.g. mysql://root@127.0.0.1:3306 (no database). */
  mysqlUrl: string;
  databases: Record<ServiceName, string>;
  kafkaBrokers: string[];
  registryUrl: string;
  topicPrefix: string;
};

export const DEFAULT_DATABASES: Record<ServiceName, string> = {
  order: 'orders',
  payment: 'payments',
  inventory: 'inventory',
  notify: 'notify',
};

/** Runs `read` inside one consistent-snapshot transaction on `database`. */
async function inSnapshot<T>(
  pool: Pool,
  read: (query: <R>(sql: string) => Promise<R[]>) => Promise<T>,
): Promise<T> {
  const connection = await pool.getConnection();
  try {
    await connection.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const result = await read(async <R>(sql: string) => {
      const [rows] = await connection.query<RowDataPacket[]>(sql);
      return rows as R[];
    });
    await connection.query('COMMIT');
    return result;
  } finally {
    connection.release();
  }
}

async function outboxBacklog(
  query: <R>(sql: string) => Promise<R[]>,
  service: ServiceName,
): Promise<OutboxBacklog> {
  const [row] = await query<{ unpublished: number | string | null; failed: number | string | null }>(
    `SELECT SUM(published_at IS NULL AND failed_at IS NULL) AS unpublished,
            SUM(failed_at IS NOT NULL AND published_at IS NULL) AS failed FROM outbox`,
  );
  return { service, unpublished: Number(row?.unpublished ?? 0), failed: Number(row?.failed ?? 0) };
}

/** The rows the invariants need from the four databases. */
/** One single-connection pool per service database; the caller ends them. */
function servicePools(target: SystemTarget): Record<ServiceName, Pool> {
  return Object.fromEntries(
    (Object.keys(target.databases) as ServiceName[]).map((service) => [
      service,
      createPool(target.mysqlUrl, target.databases[service], 1),
    ]),
  ) as Record<ServiceName, Pool>;
}

export type Backlog = { pendingOrders: number; outboxBacklog: number; pendingNotifications: number };

/** What is still moving in the databases, as counts: cheap enough to poll on a large deployment. */
export async function readBacklog(target: SystemTarget): Promise<Backlog> {
  const pools = servicePools(target);
  const count = async (pool: Pool, sql: string) => {
    const [rows] = await pool.query<RowDataPacket[]>(sql);
    return Number(rows[0]?.n ?? 0);
  };
  try {
    const outboxes = await Promise.all(
      Object.values(pools).map((pool) =>
        count(pool, 'SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL AND failed_at IS NULL'),
      ),
    );
    return {
      pendingOrders: await count(pools.order, "SELECT COUNT(*) AS n FROM orders WHERE status = 'PENDING'"),
      outboxBacklog: outboxes.reduce((sum, n) => sum + n, 0),
      pendingNotifications: await count(
        pools.notify,
        "SELECT COUNT(*) AS n FROM notifications WHERE status = 'PENDING'",
      ),
    };
  } finally {
    await Promise.all(Object.values(pools).map((pool) => pool.end()));
  }
}

export async function readDatabases(target: SystemTarget): Promise<Omit<Snapshot, 'records'>> {
  const pools = servicePools(target);
  try {
    const takenAt = new Date();
    // Orders first: a participant row can only be newer than the order it belongs to.
    const order = await inSnapshot(pools.order, async (query) => ({
      orders: await query<OrderRow>('SELECT order_id, status, status_reason, updated_at FROM orders'),
      outbox: await outboxBacklog(query, 'order'),
    }));
    const payment = await inSnapshot(pools.payment, async (query) => ({
      payments: await query<PaymentRow>('SELECT order_id, status FROM payments'),
      outbox: await outboxBacklog(query, 'payment'),
    }));
    const inventory = await inSnapshot(pools.inventory, async (query) => ({
      reservations: (await query<ReservationRow>('SELECT order_id, status, items FROM reservations')).map(
        // MariaDB's JSON is LONGTEXT underneath: the driver hands back the text.
        (row) => ({
          ...row,
          items: typeof row.items === 'string' ? (JSON.parse(row.items) as StockLine[]) : row.items,
        }),
      ),
      stock: await query<StockRow>('SELECT sku, available, reserved, sold FROM stock'),
      outbox: await outboxBacklog(query, 'inventory'),
    }));
    const notify = await inSnapshot(pools.notify, async (query) => ({
      notifications: await query<NotificationRow>(
        'SELECT order_id, kind, channel, status FROM notifications',
      ),
      outbox: await outboxBacklog(query, 'notify'),
    }));
    return {
      takenAt,
      orders: order.orders,
      payments: payment.payments,
      reservations: inventory.reservations,
      stock: inventory.stock,
      notifications: notify.notifications,
      outbox: [order.outbox, payment.outbox, inventory.outbox, notify.outbox],
    };
  } finally {
    await Promise.all(Object.values(pools).map((pool) => pool.end()));
  }
}

/** The schema id of a Confluent wire-format record, or undefined when it is not one. */
function schemaIdOf(value: Buffer | null): number | undefined {
  return value && value.length >= 5 && value[0] === 0 ? value.readUInt32BE(1) : undefined;
}

export type TopicReadResult = { records: TopicRecord[]; undecodable: number };

/** Every record of the contract topics up to the end offsets of now, decoded through the registry. */
export async function readTopics(target: SystemTarget, timeoutMs = 120_000): Promise<TopicReadResult> {
  const kafka = new Kafka({
    clientId: 'consistency-checker',
    brokers: target.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const physical = (topic: Topic) => `${target.topicPrefix}${topic}`;
  const admin = kafka.admin();
  await admin.connect();
  const existing = new Set(await admin.listTopics());
  const topics = TOPICS.filter((topic) => existing.has(physical(topic)));
  // partition key `${topic}:${partition}` → last offset to read (exclusive high watermark)
  const remaining = new Map<string, bigint>();
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(physical(topic))) {
      if (BigInt(p.high) > BigInt(p.low)) remaining.set(`${physical(topic)}:${p.partition}`, BigInt(p.high));
    }
  }
  const records: TopicRecord[] = [];
  let undecodable = 0;
  const failedSchemas = new Set<string>(); // `${topic}:${schema id}` that did not decode
  if (remaining.size === 0) {
    await admin.disconnect();
    return { records, undecodable };
  }
  // No registration: decode looks writer schemas up by the id in each record.
  const serde = createSerde({
    registryUrl: target.registryUrl,
    topics: TOPICS,
    topicPrefix: target.topicPrefix,
    register: false,
  });
  const groupId = `consistency-checker-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxBytes: 16 * 1024 * 1024 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: topics.map(physical), fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`topics not read to their end within ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const topic = batch.topic.slice(target.topicPrefix.length) as Topic;
            const key = `${batch.topic}:${batch.partition}`;
            const end = remaining.get(key);
            for (const message of batch.messages) {
              if (end === undefined || BigInt(message.offset) >= end) break;
              const writerId = schemaIdOf(message.value);
              try {
                if (!message.value) throw new Error('tombstone');
                if (writerId !== undefined && failedSchemas.has(`${topic}:${writerId}`))
                  throw new Error('schema id already failed to decode');
                const event = await serde.decode(topic, message.value);
                records.push({ topic, event_id: event.event_id, order_id: event.order_id });
              } catch {
                undecodable += 1; // garbage is the dead-letter path's business, not an invariant
                // One failure per (topic, schema id) is enough: asking the registry again for
                // each of thousands of records (an id a restarted in-memory registry no longer
                // knows, or now gives another subject) would take minutes.
                if (writerId !== undefined) failedSchemas.add(`${topic}:${writerId}`);
              }
              if (BigInt(message.offset) + 1n >= end) remaining.delete(key);
            }
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
  return { records, undecodable };
}
