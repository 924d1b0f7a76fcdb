// Bad input at the edges, Kafka side: more than 1,000 garbage records (random bytes, wrong
// magic byte, truncated frames, unknown schema ids, valid Avro of another topic's schema,
// empty, null and huge values) written straight onto every topic the four services consume,
// interleaved with good records, against the services running in-process. CONTRACT.md: an
// undecodable record never stops a consumer; it goes to `<topic>.dlq` with headers saying
// where it came from and why. So every garbage record must be found there, bytes untouched and
// each exactly once, no good record may be, the good records must have their effects, and
// every service must still be ready afterwards.
//
// The random parts are reproducible: the seed is logged, GARBAGE_SEED=<seed> replays them.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { KafkaMessage, Producer } from 'kafkajs';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@commerce/platform/config';
import { DLQ_HEADERS } from '@commerce/platform/dead-letter';
import { exampleEvents } from '@commerce/platform/event-examples';
import { dlqTopic, TOPICS, type EventByTopic, type Topic } from '@commerce/platform/events';
import type { ServiceRuntime } from '@commerce/platform/service-runtime';
import { frame } from '@commerce/platform/wire-format';
import {
  createTestDatabase,
  eventually,
  testKafka,
  uniqueName,
  type TestDatabase,
} from '../support/isolation.ts';
import { createPrefixedTopics, serviceTestEnv } from '../support/service-harness.ts';
import { startPaymentService, type Harness as PaymentHarness } from '../../services/payment/test/harness.ts';
import {
  startInventoryService,
  type Harness as InventoryHarness,
} from '../../services/inventory/test/harness.ts';
import { envSchema as notifyEnvSchema } from '../../services/notify/src/config.ts';
import { migrationsDir as notifyMigrations, startNotifyService } from '../../services/notify/src/service.ts';
import { startInProcessOrder, type InProcessOrder } from './in-process-order.ts';

const SEED = Number(process.env.GARBAGE_SEED ?? Math.floor(Math.random() * 2 ** 31));
const HUGE_BYTES = 600_000; // well past any real event, under the broker's 1 MB record limit
const GOOD_PER_TOPIC = 8;

/** How many of each garbage kind go onto every consumed topic (72 per topic). */
const GARBAGE_MIX = {
  'random-bytes': 14,
  'wrong-magic': 10,
  truncated: 14,
  'unknown-schema-id': 8,
  'wrong-schema': 12,
  empty: 6,
  null: 5,
  'huge-random': 1,
  'huge-trailing': 2,
} as const;
type GarbageKind = keyof typeof GARBAGE_MIX;

// The dead letter's error class says what was wrong (dead-letter.ts): a reader can tell a
// corrupt record from an unknown schema id without opening it.
const EXPECTED_CLASS: Record<GarbageKind, RegExp> = {
  'random-bytes': /:WrongMagicByteError$/,
  'wrong-magic': /:WrongMagicByteError$/,
  truncated: /:(TruncatedRecordError|CorruptRecordError)$/,
  'unknown-schema-id': /:UnknownSchemaIdError$/,
  'wrong-schema': /^AppError:SCHEMA_MISMATCH:SchemaMismatchError$/,
  empty: /:WrongMagicByteError$/, // a zero-length value, not a tombstone
  null: /^EmptyRecordError$/,
  'huge-random': /:WrongMagicByteError$/,
  'huge-trailing': /:TruncatedRecordError$/,
};

type Garbage = { key: string; value: Buffer | null; kind: GarbageKind };
type Good = { key: string; value: Buffer; eventId: string };
type Consumed = { service: string; prefix: string; runtime: ServiceRuntime };

// ---------------------------------------------------------------- events

const uuid = (): string => randomUUID();

function event<T extends Topic>(topic: T, orderId: string, fields: Partial<EventByTopic[T]> = {}) {
  return {
    ...exampleEvents()[topic],
    event_id: uuid(),
    order_id: orderId,
    correlation_id: uuid(),
    occurred_at: Date.now(),
    ...fields,
  } as EventByTopic[T];
}

async function good<T extends Topic>(runtime: ServiceRuntime, topic: T, e: EventByTopic[T]): Promise<Good> {
  return { key: e.order_id, value: await runtime.serde.encode(topic, e), eventId: e.event_id };
}

// ---------------------------------------------------------------- garbage

const bytes = (min: number, max: number) =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((b) => Buffer.from(b));
// A first byte other than the magic 0, so "random" cannot stumble on a real frame.
const notMagic = fc.integer({ min: 1, max: 255 });

/** `GARBAGE_MIX` for one topic of one service: random parts from fast-check, frames from its serde. */
async function garbageFor(runtime: ServiceRuntime, topic: Topic, seed: number): Promise<Garbage[]> {
  const sample = <T>(arb: fc.Arbitrary<T>, n: number, salt: number): T[] =>
    n === 0 ? [] : fc.sample(arb, { seed: seed + salt, numRuns: n });
  const frameOf = () => runtime.serde.encode(topic, event(topic, uuid()));
  const otherTopics = TOPICS.filter((t) => t !== topic);
  const out: Garbage[] = [];
  // The key says what the record is, so a missing dead letter names itself in the failure.
  const add = (kind: GarbageKind, value: Buffer | null, detail = '') =>
    out.push({ key: `garbage-${kind}${detail}-on-${topic}-${out.length}-${uuid()}`, kind, value });

  for (const [first, rest] of sample(fc.tuple(notMagic, bytes(0, 2_048)), GARBAGE_MIX['random-bytes'], 1))
    add('random-bytes', Buffer.concat([Buffer.from([first]), rest]));
  for (const magic of sample(notMagic, GARBAGE_MIX['wrong-magic'], 2)) {
    const spoilt = Buffer.from(await frameOf());
    spoilt[0] = magic;
    add('wrong-magic', spoilt);
  }
  for (const cut of sample(fc.double({ min: 0, max: 1, noNaN: true }), GARBAGE_MIX.truncated, 3)) {
    // Anything from the magic byte alone to one byte short of the whole frame.
    const whole = await frameOf();
    add('truncated', whole.subarray(0, 1 + Math.floor(cut * (whole.length - 2))));
  }
  for (const id of sample(
    fc.integer({ min: 2_000_000_000, max: 2 ** 32 - 1 }),
    GARBAGE_MIX['unknown-schema-id'],
    4,
  ))
    add('unknown-schema-id', frame(id, (await frameOf()).subarray(5)));
  for (const other of sample(fc.constantFrom(...otherTopics), GARBAGE_MIX['wrong-schema'], 5))
    add('wrong-schema', await runtime.serde.encode(other, event(other, uuid())), `-${other}`);
  for (let i = 0; i < GARBAGE_MIX.empty; i += 1) add('empty', Buffer.alloc(0));
  for (let i = 0; i < GARBAGE_MIX.null; i += 1) add('null', null);
  for (const [first, fill] of sample(
    fc.tuple(notMagic, fc.integer({ min: 0, max: 255 })),
    GARBAGE_MIX['huge-random'],
    6,
  ))
    add('huge-random', Buffer.concat([Buffer.from([first]), Buffer.alloc(HUGE_BYTES, fill)]));
  for (let i = 0; i < GARBAGE_MIX['huge-trailing']; i += 1)
    add('huge-trailing', Buffer.concat([await frameOf(), Buffer.alloc(HUGE_BYTES)]));
  return out;
}

/** Good and garbage records in a seeded random order; good records keep their own order. */
function interleave(goods: Good[], garbage: Garbage[], seed: number): (Good | Garbage)[] {
  const slots = fc.sample(fc.integer({ min: 0, max: goods.length }), { seed, numRuns: garbage.length });
  const out: (Good | Garbage)[] = [];
  for (let i = 0; i <= goods.length; i += 1) {
    out.push(...garbage.filter((_, g) => slots[g] === i));
    if (i < goods.length) out.push(goods[i]!);
  }
  return out;
}

// ---------------------------------------------------------------- the services

let order: InProcessOrder;
let payment: PaymentHarness;
let inventory: InventoryHarness;
let notify: { runtime: ServiceRuntime; db: TestDatabase; prefix: string; stop: () => Promise<void> };
let producer: Producer;

async function startNotify(): Promise<typeof notify> {
  const db = await createTestDatabase('notify', notifyMigrations);
  const prefix = `${uniqueName('t')}.`;
  await createPrefixedTopics(prefix);
  const config = parseConfig(notifyEnvSchema, {
    ...(await serviceTestEnv({ mysqlUrl: db.url, topicPrefix: prefix })),
    LOG_LEVEL: 'fatal',
  });
  const runtime = await startNotifyService(config, { installSignalHandlers: false });
  return {
    runtime,
    db,
    prefix,
    async stop() {
      await runtime.stop();
      await db.drop();
    },
  };
}

beforeAll(async () => {
  // Every garbage record is logged as dead-lettered at error level: the assertions say more.
  const quiet = { LOG_LEVEL: 'fatal' };
  [order, payment, inventory, notify] = await Promise.all([
    startInProcessOrder(quiet),
    startPaymentService(quiet),
    startInventoryService(quiet),
    startNotify(),
  ]);
  producer = testKafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await Promise.all([order?.stop(), payment?.stop(), inventory?.stop(), notify?.stop()]);
});

const sentGarbage = new Map<string, { label: string; garbage: Garbage[]; written: number }>(); // by physical topic

/** Writes good and garbage records for `topic` in a seeded interleaving, in order. */
async function write(target: Consumed, topic: Topic, goods: Good[], salt: number): Promise<void> {
  const physical = `${target.prefix}${topic}`;
  const garbage = await garbageFor(target.runtime, topic, SEED + salt * 100);
  const records = interleave(goods, garbage, SEED + salt * 100 + 99);
  sentGarbage.set(physical, { label: `${target.service} ${topic}`, garbage, written: records.length });
  // Huge records go alone: a produce batch of several would pass the broker's batch limit.
  let batch: { key: string; value: Buffer | null }[] = [];
  const flush = async () => {
    if (batch.length > 0) await producer.send({ topic: physical, acks: -1, messages: batch });
    batch = [];
  };
  for (const record of records) {
    const huge = (record.value?.length ?? 0) > 100_000;
    if (huge) await flush();
    batch.push({ key: record.key, value: record.value });
    if (huge || batch.length >= 50) await flush();
  }
  await flush();
}

async function inbox(pool: TestDatabase['pool'], eventIds: string[]): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM inbox WHERE event_id IN (?)', [
    eventIds,
  ]);
  return Number(rows[0]?.n);
}

async function json<T>(runtime: ServiceRuntime, path: string): Promise<T> {
  const response = await runtime.app.request(path);
  if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
  return (await response.json()) as T;
}

// ---------------------------------------------------------------- each service's traffic

/** order: payment.* and stock.* outcomes for orders placed over HTTP; the saga must still run. */
async function orderTraffic(): Promise<() => Promise<void>> {
  const runtime = order.service.runtime;
  const target: Consumed = { service: 'order', prefix: order.prefix, runtime };
  const ids = await Promise.all(
    Array.from({ length: GOOD_PER_TOPIC }, async (_, i) => {
      const response = await runtime.app.request('/create-checkout', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          customer_id: `cust-${i}`,
          currency: 'USD',
          items: [{ sku: 'SKU-001', quantity: 1, unit_price_cents: 500 }],
        }),
      });
      expect(response.status).toBe(202);
      return ((await response.json()) as { order_id: string }).order_id;
    }),
  );
  // Per order, one of three endings, so every consumed topic carries good records.
  const confirm = ids.filter((_, i) => i % 3 === 0);
  const outOfStock = ids.filter((_, i) => i % 3 === 1);
  const declined = ids.filter((_, i) => i % 3 === 2);
  const goods = new Map<Topic, Good[]>();
  const push = async <T extends Topic>(topic: T, e: EventByTopic[T]) =>
    goods.set(topic, [...(goods.get(topic) ?? []), await good(runtime, topic, e)]);
  for (const id of confirm) {
    await push('stock.reserved', event('stock.reserved', id));
    await push(
      'payment.confirmed',
      event('payment.confirmed', id, { amount_cents: 500, payment_id: `pay-${id}` }),
    );
  }
  for (const id of outOfStock) {
    await push('stock.rejected', event('stock.rejected', id, { reason: 'OUT_OF_STOCK' }));
    await push('payment.refunded', event('payment.refunded', id));
  }
  for (const id of declined) {
    await push('payment.failed', event('payment.failed', id, { reason: 'CARD_DECLINED' }));
    await push('stock.released', event('stock.released', id));
  }
  const topics = [
    'payment.confirmed',
    'payment.failed',
    'payment.refunded',
    'stock.reserved',
    'stock.rejected',
    'stock.released',
  ] as const;
  await Promise.all(topics.map((topic, i) => write(target, topic, goods.get(topic) ?? [], 10 + i)));
  const eventIds = [...goods.values()].flatMap((list) => list.map((g) => g.eventId));

  return async () => {
    await eventually(async () => (await inbox(order.db.pool, eventIds)) === eventIds.length, {
      timeoutMs: 60_000,
      what: 'order to apply every good record',
    });
    type View = { status: string; status_reason: string | null };
    const statuses = await Promise.all(ids.map((id) => json<View>(runtime, `/orders/${id}`)));
    expect(statuses.filter((_, i) => i % 3 === 0).map((v) => v.status)).toEqual(
      confirm.map(() => 'CONFIRMED'),
    );
    expect(statuses.filter((_, i) => i % 3 === 1).map((v) => v.status_reason)).toEqual(
      outOfStock.map(() => 'OUT_OF_STOCK'),
    );
    expect(statuses.filter((_, i) => i % 3 === 2).map((v) => v.status_reason)).toEqual(
      declined.map(() => 'PAYMENT_DECLINED'),
    );
    // Compensation events only reach the timeline: they were applied, not skipped.
    const [timeline] = await order.db.pool.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM order_events WHERE event_id IN (?)',
      [eventIds],
    );
    expect(Number(timeline[0]?.n)).toBe(eventIds.length);
  };
}

/** payment: charges for good order.created, then refunds for good order.cancelled. */
async function paymentTraffic(): Promise<() => Promise<void>> {
  const runtime = payment.runtime;
  const target: Consumed = { service: 'payment', prefix: payment.prefix, runtime };
  const ids = Array.from({ length: GOOD_PER_TOPIC }, uuid);
  const created = await Promise.all(
    ids.map((id) => good(runtime, 'order.created', event('order.created', id, { total_cents: 8498 }))),
  );
  await write(target, 'order.created', created, 20);
  // Cancels only once charged: a cancel that overtakes its order.created means "never charge".
  await eventually(
    async () =>
      (await inbox(
        payment.db.pool,
        created.map((g) => g.eventId),
      )) === ids.length,
    {
      timeoutMs: 60_000,
      what: 'payment to charge every good order.created',
    },
  );
  const refunded = ids.slice(0, ids.length / 2);
  const cancelled = await Promise.all(
    refunded.map((id) =>
      good(runtime, 'order.cancelled', event('order.cancelled', id, { total_cents: 8498 })),
    ),
  );
  await write(target, 'order.cancelled', cancelled, 21);

  return async () => {
    await eventually(
      async () =>
        (await inbox(
          payment.db.pool,
          cancelled.map((g) => g.eventId),
        )) === cancelled.length,
      {
        timeoutMs: 60_000,
        what: 'payment to apply every good order.cancelled',
      },
    );
    const views = await Promise.all(ids.map((id) => json<{ status: string }>(runtime, `/payments/${id}`)));
    expect(views.map((v) => v.status)).toEqual(
      ids.map((id) => (refunded.includes(id) ? 'REFUNDED' : 'CONFIRMED')),
    );
  };
}

/** inventory: reservations for good order.created, then sales and releases. */
async function inventoryTraffic(): Promise<() => Promise<void>> {
  const runtime = inventory.runtime;
  const target: Consumed = { service: 'inventory', prefix: inventory.prefix, runtime };
  const ids = Array.from({ length: GOOD_PER_TOPIC * 2 }, uuid);
  const skuOf = (id: string) => `G-${id.slice(0, 8)}`;
  for (const id of ids) {
    const response = await runtime.app.request(`/stock/${skuOf(id)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ available: 10 }),
    });
    expect(response.status).toBe(200);
  }
  const created = await Promise.all(
    ids.map((id) =>
      good(
        runtime,
        'order.created',
        event('order.created', id, {
          items: [{ sku: skuOf(id), quantity: 2, unit_price_cents: 500 }],
          total_cents: 1000,
        }),
      ),
    ),
  );
  await write(target, 'order.created', created, 30);
  await eventually(
    async () =>
      (await inbox(
        inventory.db.pool,
        created.map((g) => g.eventId),
      )) === ids.length,
    {
      timeoutMs: 60_000,
      what: 'inventory to reserve for every good order.created',
    },
  );
  const sold = ids.slice(0, GOOD_PER_TOPIC);
  const released = ids.slice(GOOD_PER_TOPIC);
  const confirmed = await Promise.all(
    sold.map((id) => good(runtime, 'order.confirmed', event('order.confirmed', id))),
  );
  const cancelled = await Promise.all(
    released.map((id) => good(runtime, 'order.cancelled', event('order.cancelled', id))),
  );
  await Promise.all([
    write(target, 'order.confirmed', confirmed, 31),
    write(target, 'order.cancelled', cancelled, 32),
  ]);

  return async () => {
    const settled = [...confirmed, ...cancelled].map((g) => g.eventId);
    await eventually(async () => (await inbox(inventory.db.pool, settled)) === settled.length, {
      timeoutMs: 60_000,
      what: 'inventory to apply every good order.confirmed and order.cancelled',
    });
    type Stock = { available: number; reserved: number; sold: number };
    for (const id of sold)
      expect(await json<Stock>(runtime, `/stock/${skuOf(id)}`)).toMatchObject({
        available: 8,
        reserved: 0,
        sold: 2,
      });
    for (const id of released)
      expect(await json<Stock>(runtime, `/stock/${skuOf(id)}`)).toMatchObject({
        available: 10,
        reserved: 0,
        sold: 0,
      });
  };
}

/** notify: one customer message per outcome, one purchase alert per confirmed payment. */
async function notifyTraffic(): Promise<() => Promise<void>> {
  const runtime = notify.runtime;
  const target: Consumed = { service: 'notify', prefix: notify.prefix, runtime };
  const ids = Array.from({ length: GOOD_PER_TOPIC * 2 }, uuid);
  const confirmedIds = ids.slice(0, GOOD_PER_TOPIC);
  const cancelledIds = ids.slice(GOOD_PER_TOPIC);
  const goods = {
    'order.confirmed': await Promise.all(
      confirmedIds.map((id) => good(runtime, 'order.confirmed', event('order.confirmed', id))),
    ),
    'order.cancelled': await Promise.all(
      cancelledIds.map((id) =>
        good(runtime, 'order.cancelled', event('order.cancelled', id, { customer_email: 'ana@example.com' })),
      ),
    ),
    'payment.confirmed': await Promise.all(
      confirmedIds.map((id) => good(runtime, 'payment.confirmed', event('payment.confirmed', id))),
    ),
  };
  await Promise.all(
    (Object.keys(goods) as (keyof typeof goods)[]).map((topic, i) =>
      write(target, topic, goods[topic], 40 + i),
    ),
  );

  return async () => {
    const eventIds = Object.values(goods).flatMap((list) => list.map((g) => g.eventId));
    await eventually(async () => (await inbox(notify.db.pool, eventIds)) === eventIds.length, {
      timeoutMs: 60_000,
      what: 'notify to record every good record',
    });
    const kinds = async (id: string) =>
      (await json<{ items: { kind: string }[] }>(runtime, `/notifications?order_id=${id}`)).items
        .map((n) => n.kind)
        .sort();
    for (const id of confirmedIds) expect(await kinds(id)).toEqual(['ORDER_CONFIRMED', 'PURCHASE_ALERT']);
    for (const id of cancelledIds) expect(await kinds(id)).toEqual(['ORDER_CANCELLED']);
  };
}

// ---------------------------------------------------------------- reading the dead letters

/** Records on each of `topics` (all fresh: they start at offset 0). */
async function endOffsets(topics: string[]): Promise<Map<string, number>> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const all = await Promise.all(topics.map((topic) => admin.fetchTopicOffsets(topic)));
    return new Map(topics.map((topic, i) => [topic, all[i]!.reduce((sum, p) => sum + Number(p.high), 0)]));
  } finally {
    await admin.disconnect();
  }
}

const sum = (counts: Map<string, number>): number => [...counts.values()].reduce((a, b) => a + b, 0);

/** Every record of `topics`, read from the beginning to the end offsets they have now. */
async function readAll(topics: string[]): Promise<Map<string, KafkaMessage[]>> {
  const expected = sum(await endOffsets(topics));
  const seen = new Map<string, KafkaMessage[]>(topics.map((t) => [t, []]));
  let count = 0;
  const consumer = testKafka().consumer({ groupId: uniqueName('dlq-reader'), maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        seen.get(topic)!.push(message);
        count += 1;
      },
    });
    await eventually(async () => count >= expected, { timeoutMs: 60_000, what: `${expected} dead letters` });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

const header = (message: KafkaMessage, name: string): string | undefined =>
  message.headers?.[name]?.toString();

describe('garbage records on every consumed topic', () => {
  it('are all dead-lettered with their origin and error, while good records are processed', async () => {
    console.log(`garbage records: seed ${SEED} (GARBAGE_SEED=${SEED} replays this run)`);
    const started = performance.now();
    const verifications = await Promise.all([
      orderTraffic(),
      paymentTraffic(),
      inventoryTraffic(),
      notifyTraffic(),
    ]);
    for (const verify of verifications) await verify();

    const dlqs = [...sentGarbage.keys()].map(dlqTopic);
    const total = [...sentGarbage.values()].reduce((sum, { garbage }) => sum + garbage.length, 0);
    // A shortfall is reported by the comparison below, naming the records that are missing.
    await eventually(async () => sum(await endOffsets(dlqs)) >= total, {
      timeoutMs: 60_000,
      what: `${total} dead letters`,
    }).catch(() => undefined);
    const letters = await readAll(dlqs);
    // The input is all there (good + garbage), so a shortfall below is the consumers' doing.
    const written = await endOffsets([...sentGarbage.keys()]);
    expect(Object.fromEntries(written)).toEqual(
      Object.fromEntries([...sentGarbage].map(([topic, sent]) => [topic, sent.written])),
    );
    const tallies: Record<string, number> = {};
    for (const [physical, { label, garbage }] of sentGarbage) {
      const dlq = letters.get(dlqTopic(physical))!;
      // Exactly the garbage, each record once: nothing lost, no good record, no duplicates.
      expect(dlq.map((m) => m.key?.toString()).sort(), physical).toEqual(garbage.map((g) => g.key).sort());
      const byKey = new Map(garbage.map((g) => [g.key, g]));
      for (const letter of dlq) {
        const sent = byKey.get(letter.key!.toString())!;
        const where = `${physical} ${sent.kind} ${sent.key}`;
        if (sent.value === null) expect(letter.value, where).toBeNull();
        else expect(letter.value && Buffer.compare(letter.value, sent.value), where).toBe(0);
        expect(header(letter, DLQ_HEADERS.topic), where).toBe(physical);
        expect(header(letter, DLQ_HEADERS.key), where).toBe(sent.key);
        expect(header(letter, DLQ_HEADERS.partition), where).toMatch(/^\d+$/);
        expect(header(letter, DLQ_HEADERS.offset), where).toMatch(/^\d+$/);
        expect(header(letter, DLQ_HEADERS.group), where).toBeTruthy();
        expect(header(letter, DLQ_HEADERS.errorClass), where).toMatch(EXPECTED_CLASS[sent.kind]);
        expect(header(letter, DLQ_HEADERS.errorMessage), where).toBeTruthy();
        // Bad bytes stay bad: retrying them would only hold up the partition.
        expect(header(letter, DLQ_HEADERS.attempts), where).toBe('1');
        expect(Number.isNaN(Date.parse(header(letter, DLQ_HEADERS.failedAt) ?? '')), where).toBe(false);
      }
      tallies[label] = dlq.length;
    }

    for (const runtime of [order.service.runtime, payment.runtime, inventory.runtime, notify.runtime]) {
      const ready = await runtime.app.request('/health/ready');
      expect(ready.status, `${runtime.name}: ${await ready.text()}`).toBe(200);
    }
    const dead = Object.values(tallies).reduce((sum, n) => sum + n, 0);
    console.log(
      `garbage records: ${total} sent over ${sentGarbage.size} topics, ${dead} dead-lettered ` +
        `in ${((performance.now() - started) / 1000).toFixed(1)} s\n` +
        `  per topic: ${JSON.stringify(tallies)}\n` +
        `  per kind: ${JSON.stringify(
          Object.fromEntries(Object.entries(GARBAGE_MIX).map(([k, n]) => [k, n * sentGarbage.size])),
        )}`,
    );
    expect(total).toBeGreaterThanOrEqual(1_000);
  }, 180_000);
});
