// The dispatcher against real MariaDB: concurrent instances never send the same row, and a
// hanging receiver does not hold up other notifications.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RowDataPacket } from 'mysql2/promise';
import { createLogger } from '@commerce/platform/logger';
import { createTestDatabase, eventually, type TestDatabase } from '../../../../test/support/isolation.ts';
import { planNotifications, type Notification } from '../domain/notification.ts';
import { insertNotifications } from '../adapters/mysql/notifications-repository.ts';
import type { Channel } from '../adapters/channels/channel.ts';
import { migrationsDir } from '../service.ts';
import { createDispatcher } from './dispatcher.ts';

let db: TestDatabase;
const log = createLogger('notify-test', 'silent');

beforeAll(async () => {
  db = await createTestDatabase('notify', migrationsDir);
});
afterAll(async () => {
  await db?.drop();
});

async function insertOrders(count: number): Promise<string[]> {
  const orderIds = Array.from({ length: count }, () => randomUUID());
  const rows = orderIds.flatMap((order_id) =>
    planNotifications({
      facts: {
        kind: 'ORDER_CONFIRMED',
        order_id,
        customer_email: 'a@example.com',
        total_cents: 1,
        currency: 'USD',
      },
      channels: ['log'],
      alertRecipient: 'sales@x',
      now: new Date(Date.now() - 1000),
      newId: randomUUID,
    }),
  );
  await insertNotifications(db.pool, rows);
  return orderIds;
}

async function statusesOf(orderIds: string[]): Promise<string[]> {
  const [rows] = await db.pool.query<(RowDataPacket & { status: string })[]>(
    'SELECT status FROM notifications WHERE order_id IN (?)',
    [orderIds],
  );
  return rows.map((r) => r.status);
}

it('two dispatchers on one database send every notification exactly once', async () => {
  const orderIds = await insertOrders(40);
  const sends = new Map<string, number>();
  const counting: Channel = {
    async send(n: Notification) {
      sends.set(n.notification_id, (sends.get(n.notification_id) ?? 0) + 1);
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
  const options = { pool: db.pool, channels: { log: counting }, log, maxAttempts: 3, retryBaseMs: 50 };
  const first = createDispatcher({ ...options, concurrency: 4 });
  const second = createDispatcher({ ...options, concurrency: 4 });
  first.start();
  second.start();
  try {
    await eventually(async () => (await statusesOf(orderIds)).every((s) => s === 'SENT'), {
      timeoutMs: 20_000,
      what: 'all notifications SENT',
    });
  } finally {
    await Promise.all([first.stop(), second.stop()]);
  }
  expect(sends.size).toBe(40);
  expect([...sends.values()].every((count) => count === 1)).toBe(true);
});

it('a hanging delivery does not hold up the others', async () => {
  const [stuckOrder, ...otherOrders] = await insertOrders(5);
  let release: () => void = () => undefined;
  const hanging = new Promise<void>((resolve) => (release = resolve));
  const channel: Channel = {
    async send(n: Notification) {
      if (n.order_id === stuckOrder) await hanging;
    },
  };
  const dispatcher = createDispatcher({
    pool: db.pool,
    channels: { log: channel },
    log,
    maxAttempts: 3,
    retryBaseMs: 50,
    concurrency: 2,
  });
  dispatcher.start();
  try {
    await eventually(async () => (await statusesOf(otherOrders)).every((s) => s === 'SENT'), {
      timeoutMs: 20_000,
      what: 'the other notifications SENT',
    });
    expect(await statusesOf([stuckOrder ?? ''])).toEqual(['PENDING']);
    release();
    await eventually(async () => (await statusesOf([stuckOrder ?? ''])).every((s) => s === 'SENT'), {
      timeoutMs: 10_000,
      what: 'the released notification SENT',
    });
  } finally {
    release();
    await dispatcher.stop();
  }
});
