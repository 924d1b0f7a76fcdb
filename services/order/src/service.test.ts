// Integration tests of the order service against the real Kafka, registry, MariaDB and
// Redis. One service instance per file, with its own database, topic prefix, consumer
// group and Redis key prefix, so the file runs alongside others and can be re-run.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import type { Consumer, Producer } from 'kafkajs';
import type { RowDataPacket } from 'mysql2/promise';
import { parseConfig } from '@commerce/platform/config';
import { createSerde, type Serde } from '@commerce/platform/serde';
import { TOPICS, type AnyEvent, type EventByTopic, type Topic } from '@commerce/platform/events';
import { envelope } from '@commerce/platform/envelope';
import {
  createTestDatabase,
  eventually,
  testInfra,
  testKafka,
  uniqueName,
  type TestDatabase,
} from '../../../test/support/isolation.ts';
import { freePort } from '../../../test/support/service-harness.ts';
import { envSchema } from './config.ts';
import { createOrderService, type OrderService } from './service.ts';
import { placeOrder } from './app/place-order.ts';

const API_KEY = 'test-api-key-0123456789';
const migrationsDir = new URL('../migrations', import.meta.url).pathname;

let db: TestDatabase;
let service: OrderService;
let serde: Serde;
let producer: Producer;
let consumer: Consumer;
let redis: Redis;
let prefix: string;
let cachePrefix: string;
const published: AnyEvent[] = [];

beforeAll(async () => {
  const infra = testInfra();
  db = await createTestDatabase('order', migrationsDir);
  prefix = `${uniqueName('t')}.`;
  cachePrefix = `${uniqueName('c')}:`;
  const config = parseConfig(envSchema, {
    PORT: String(await freePort()),
    LOG_LEVEL: 'silent',
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_TOPIC_PARTITIONS: '1',
    SCHEMA_REGISTRY_URL: infra.registryUrl,
    MYSQL_URL: db.url,
    REDIS_URL: infra.redisUrl,
    ORDER_CACHE_KEY_PREFIX: cachePrefix,
    SAGA_SWEEP_INTERVAL_MS: '100',
    API_KEY,
    MAX_BODY_BYTES: '4096',
  });
  service = await createOrderService(config, { installSignalHandlers: false, groupId: uniqueName('g') });
  await service.start();

  serde = createSerde({ registryUrl: infra.registryUrl, topics: [...TOPICS], topicPrefix: prefix });
  await serde.init();
  const kafka = testKafka();
  producer = kafka.producer();
  await producer.connect();
  consumer = kafka.consumer({ groupId: uniqueName('probe') });
  await consumer.connect();
  const watched: Topic[] = ['order.created', 'order.confirmed', 'order.cancelled'];
  await consumer.subscribe({ topics: watched.map((t) => `${prefix}${t}`), fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const logical = topic.slice(prefix.length) as Topic;
      if (message.value) published.push(await serde.decode(logical, message.value));
    },
  });
  redis = new Redis(infra.redisUrl);
});

afterAll(async () => {
  await consumer?.disconnect();
  await producer?.disconnect();
  await service?.runtime.stop();
  await redis?.quit();
  await db?.drop();
});

const validBody = () => ({
  customer_id: `cust-${randomUUID()}`,
  customer_email: 'ana@example.com',
  currency: 'USD',
  items: [
    { sku: 'SKU-001', quantity: 2, unit_price_cents: 1999 },
    { sku: 'SKU-002', quantity: 1, unit_price_cents: 4500 },
  ],
  payment: { method: 'card', token: 'tok_visa' },
});

function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(
    service.runtime.app.request('/create-checkout', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
}

async function get(path: string): Promise<Response> {
  return service.runtime.app.request(path);
}

async function checkout(body: unknown = validBody()): Promise<{ order_id: string; total_cents: number }> {
  const response = await post(body);
  expect(response.status).toBe(202);
  return (await response.json()) as { order_id: string; total_cents: number };
}

async function feed<T extends Topic>(topic: T, event: EventByTopic[T]): Promise<void> {
  await producer.send({
    topic: `${prefix}${topic}`,
    messages: [{ key: event.order_id, value: await serde.encode(topic, event) }],
  });
}

function meta(orderId: string) {
  return { eventId: randomUUID(), occurredAt: new Date(), orderId, correlationId: randomUUID() };
}

async function statusOf(
  orderId: string,
): Promise<{ status: string; status_reason: string | null; payment_id: string | null }> {
  const response = await get(`/orders/${orderId}`);
  expect(response.status).toBe(200);
  return (await response.json()) as {
    status: string;
    status_reason: string | null;
    payment_id: string | null;
  };
}

function eventsOf(orderId: string, type: Topic): AnyEvent[] {
  return published.filter((e) => e.order_id === orderId && e.event_type === type);
}

type Problem = { status: number; code: string; errors?: { field: string; message: string }[] };

describe('POST /create-checkout', () => {
  it('accepts a checkout: 202, Location, PENDING, computed total', async () => {
    const response = await post(validBody());
    expect(response.status).toBe(202);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'PENDING', total_cents: 8498, currency: 'USD' });
    expect(response.headers.get('location')).toBe(`/orders/${String(body.order_id)}`);
  });

  it('publishes exactly one decodable order.created per checkout', async () => {
    const body = validBody();
    const { order_id } = await checkout(body);
    const created = await eventually(async () => eventsOf(order_id, 'order.created')[0], {
      what: 'order.created',
    });
    expect(created).toMatchObject({
      customer_id: body.customer_id,
      total_cents: 8498,
      currency: 'USD',
      items: body.items,
      payment_method: 'card',
      payment_token: 'tok_visa',
    });
    const [rows] = await db.pool.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM outbox WHERE topic = 'order.created' AND message_key = ?",
      [order_id],
    );
    expect(Number(rows[0]?.n)).toBe(1);
    expect(eventsOf(order_id, 'order.created')).toHaveLength(1);
  });

  const bad: [string, unknown, string][] = [
    ['missing customer_id', { ...validBody(), customer_id: undefined }, 'customer_id'],
    ['empty customer_id', { ...validBody(), customer_id: '' }, 'customer_id'],
    ['bad email', { ...validBody(), customer_email: 'nope' }, 'customer_email'],
    ['unknown currency', { ...validBody(), currency: 'XXX' }, 'currency'],
    ['no items', { ...validBody(), items: [] }, 'items'],
    [
      'too many items',
      {
        ...validBody(),
        items: Array.from({ length: 51 }, (_, i) => ({ sku: `S${i}`, quantity: 1, unit_price_cents: 1 })),
      },
      'items',
    ],
    [
      'quantity 0',
      { ...validBody(), items: [{ sku: 'A', quantity: 0, unit_price_cents: 1 }] },
      'items[0].quantity',
    ],
    [
      'quantity not int',
      { ...validBody(), items: [{ sku: 'A', quantity: 1.5, unit_price_cents: 1 }] },
      'items[0].quantity',
    ],
    [
      'negative price',
      { ...validBody(), items: [{ sku: 'A', quantity: 1, unit_price_cents: -1 }] },
      'items[0].unit_price_cents',
    ],
    [
      'price as string',
      { ...validBody(), items: [{ sku: 'A', quantity: 1, unit_price_cents: '10' }] },
      'items[0].unit_price_cents',
    ],
    [
      'bad sku',
      { ...validBody(), items: [{ sku: 'a b', quantity: 1, unit_price_cents: 1 }] },
      'items[0].sku',
    ],
    [
      'duplicate sku',
      {
        ...validBody(),
        items: [
          { sku: 'A', quantity: 1, unit_price_cents: 1 },
          { sku: 'A', quantity: 2, unit_price_cents: 1 },
        ],
      },
      'items[1].sku',
    ],
    ['unknown field', { ...validBody(), coupon: 'FREE' }, 'coupon'],
    ['unknown payment method', { ...validBody(), payment: { method: 'cash' } }, 'payment.method'],
    [
      'token too long',
      { ...validBody(), payment: { method: 'card', token: 'x'.repeat(201) } },
      'payment.token',
    ],
    ['array body', [], '(body)'],
  ];
  it.each(bad)('rejects %s with 400 naming the field', async (_name, body, field) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as Problem;
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(problem.errors?.map((e) => e.field)).toContain(field);
  });

  it('rejects malformed JSON with 400 MALFORMED_JSON', async () => {
    const response = await post('{"customer_id": ');
    expect(response.status).toBe(400);
    expect(((await response.json()) as Problem).code).toBe('MALFORMED_JSON');
  });

  it('rejects a wrong content type with 415', async () => {
    const response = await post(JSON.stringify(validBody()), { 'content-type': 'text/plain' });
    expect(response.status).toBe(415);
    const problem = (await response.json()) as Problem;
    expect(problem.errors?.[0]?.field).toBe('Content-Type');
  });

  it('rejects an oversize body with 413', async () => {
    const response = await post({ ...validBody(), customer_id: 'x'.repeat(5000) });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });

  it('requires the API key when configured', async () => {
    const response = await post(validBody(), { 'x-api-key': 'wrong' });
    expect(response.status).toBe(401);
    expect(((await response.json()) as Problem).errors?.[0]?.field).toBe('X-API-Key');
  });

  it('never answers 5xx to near-valid random bodies', async () => {
    const anyOr = <T>(valid: fc.Arbitrary<T>) => fc.oneof(valid, fc.anything());
    const line = fc.record({
      sku: anyOr(fc.string({ minLength: 1, maxLength: 70 })),
      quantity: anyOr(fc.integer({ min: -5, max: 1_005 })),
      unit_price_cents: anyOr(fc.integer({ min: -1, max: 100_000_001 })),
    });
    const body = fc.record(
      {
        customer_id: anyOr(fc.string({ unit: 'grapheme', maxLength: 110 })),
        customer_email: anyOr(fc.emailAddress()),
        currency: anyOr(fc.constantFrom('USD', 'EUR', 'JPY', 'usd', 'XXX')),
        items: anyOr(fc.array(line, { maxLength: 52 })),
        payment: anyOr(
          fc.record({ method: anyOr(fc.constantFrom('card', 'pix', 'cash')), token: anyOr(fc.string()) }),
        ),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const response = await post(value);
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 200 },
    );
  });

  it('never answers 5xx to random bodies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), fc.string(), fc.anything()), async (value) => {
        let text: string;
        try {
          text = typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined');
        } catch {
          text = String(value);
        }
        const response = await post(text);
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 200 },
    );
  });
});

describe('Idempotency-Key', () => {
  it('20 concurrent identical requests create one order and one event', async () => {
    const key = randomUUID();
    const body = validBody();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => post(body, { 'idempotency-key': key })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(202));
    const ids = new Set(
      await Promise.all(responses.map(async (r) => ((await r.json()) as { order_id: string }).order_id)),
    );
    expect(ids.size).toBe(1);
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM orders WHERE customer_id = ?',
      [body.customer_id],
    );
    expect(Number(rows[0]?.n)).toBe(1);
    const [outbox] = await db.pool.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM outbox WHERE topic = 'order.created' AND message_key = ?",
      [[...ids][0]],
    );
    expect(Number(outbox[0]?.n)).toBe(1);
  });

  it('replays the same response for the same body, key order notwithstanding', async () => {
    const key = randomUUID();
    const body = validBody();
    const first = await post(body, { 'idempotency-key': key });
    const reordered = {
      payment: body.payment,
      items: body.items,
      currency: body.currency,
      customer_email: body.customer_email,
      customer_id: body.customer_id,
    };
    const second = await post(reordered, { 'idempotency-key': key });
    expect(second.status).toBe(202);
    expect(await second.json()).toEqual(await first.json());
  });

  it('rejects the same key with a different body with 422', async () => {
    const key = randomUUID();
    await post(validBody(), { 'idempotency-key': key });
    const response = await post(validBody(), { 'idempotency-key': key });
    expect(response.status).toBe(422);
    expect(((await response.json()) as Problem).code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('treats keys differing only in case as different keys', async () => {
    const key = `k-${randomUUID()}`;
    const first = await post(validBody(), { 'idempotency-key': key });
    const second = await post(validBody(), { 'idempotency-key': key.toUpperCase() });
    expect([first.status, second.status]).toEqual([202, 202]);
  });

  it('forgets an expired key', async () => {
    const key = randomUUID();
    const body = validBody();
    const first = (await (await post(body, { 'idempotency-key': key })).json()) as { order_id: string };
    await db.pool.query(
      'UPDATE idempotency_keys SET expires_at = NOW(3) - INTERVAL 1 SECOND WHERE idempotency_key = ?',
      [key],
    );
    const second = (await (await post(body, { 'idempotency-key': key })).json()) as { order_id: string };
    expect(second.order_id).not.toBe(first.order_id);
  });
});

describe('saga', () => {
  it('confirms on payment.confirmed + stock.reserved and emits order.confirmed', async () => {
    const { order_id } = await checkout();
    await feed('stock.reserved', { ...envelope('stock.reserved', meta(order_id)), items: [] });
    await feed('payment.confirmed', {
      ...envelope('payment.confirmed', meta(order_id)),
      payment_id: 'pay_1',
      amount_cents: 8498,
      currency: 'USD',
    });
    const confirmed = await eventually(async () => eventsOf(order_id, 'order.confirmed')[0], {
      what: 'order.confirmed',
    });
    expect(confirmed).toMatchObject({ payment_id: 'pay_1', total_cents: 8498 });
    expect(await statusOf(order_id)).toMatchObject({ status: 'CONFIRMED', payment_id: 'pay_1' });
    const timeline = (await (await get(`/orders/${order_id}/events`)).json()) as {
      items: { event_type: string; source: string }[];
    };
    expect(timeline.items.map((e) => e.event_type).sort()).toEqual(
      ['order.confirmed', 'order.created', 'payment.confirmed', 'stock.reserved'].sort(),
    );
    expect(timeline.items.find((e) => e.event_type === 'stock.reserved')?.source).toBe('inventory');
  });

  it('cancels on stock.rejected with its reason and emits order.cancelled', async () => {
    const { order_id } = await checkout();
    await feed('stock.rejected', {
      ...envelope('stock.rejected', meta(order_id)),
      reason: 'OUT_OF_STOCK',
      skus: ['SKU-001'],
    });
    const cancelled = await eventually(async () => eventsOf(order_id, 'order.cancelled')[0], {
      what: 'order.cancelled',
    });
    expect(cancelled).toMatchObject({ reason: 'OUT_OF_STOCK' });
    expect(await statusOf(order_id)).toMatchObject({ status: 'CANCELLED', status_reason: 'OUT_OF_STOCK' });
  });

  it('cancels with TIMEOUT once the saga deadline passes', async () => {
    // A checkout through the real use case with a short saga timeout; the running sweeper does the rest.
    const response = await placeOrder(
      { pool: service.runtime.pool, sagaTimeoutMs: 200, idempotencyTtlSeconds: 60 },
      {
        request: { ...validBody(), currency: 'USD', payment: { method: 'card' } },
        correlationId: randomUUID(),
      },
    );
    const cancelled = await eventually(async () => eventsOf(response.order_id, 'order.cancelled')[0], {
      what: 'order.cancelled TIMEOUT',
    });
    expect(cancelled).toMatchObject({ reason: 'TIMEOUT' });
    expect(await statusOf(response.order_id)).toMatchObject({
      status: 'CANCELLED',
      status_reason: 'TIMEOUT',
    });
  });
});

describe('reads', () => {
  it('GET /orders/:id sees the new status right after a change, then serves it from Redis', async () => {
    const { order_id } = await checkout();
    expect(await statusOf(order_id)).toMatchObject({ status: 'PENDING' });
    await feed('payment.failed', {
      ...envelope('payment.failed', meta(order_id)),
      payment_id: null,
      amount_cents: 8498,
      currency: 'USD',
      reason: 'CARD_DECLINED',
    });
    await eventually(async () => (await statusOf(order_id)).status === 'CANCELLED', { what: 'CANCELLED' });
    expect(await statusOf(order_id)).toMatchObject({ status_reason: 'PAYMENT_DECLINED' });
    const cached = await redis.get(`${cachePrefix}order:${order_id}`);
    expect(JSON.parse(cached ?? '{}')).toMatchObject({ order_id, status: 'CANCELLED' });
  });

  it('404 problem for an unknown or malformed id', async () => {
    for (const id of [randomUUID(), 'not-a-uuid']) {
      const response = await get(`/orders/${id}`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await get(`/orders/${randomUUID()}/events`)).status).toBe(404);
  });

  it('GET /orders pages newest first with a cursor', async () => {
    const customer = `cust-${randomUUID()}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1)
      ids.push((await checkout({ ...validBody(), customer_id: customer })).order_id);
    const seen: { order_id: string; created_at: string }[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/orders?customer_id=${customer}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await (await get(query)).json()) as {
        items: { order_id: string; created_at: string }[];
        next_cursor: string | null;
      };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    // Orders created in the same millisecond tie-break on order_id, so compare as sets plus ordering.
    expect(seen.map((o) => o.order_id).sort()).toEqual([...ids].sort());
    const times = seen.map((o) => o.created_at);
    expect(times).toEqual([...times].sort().reverse());
    expect((await get('/orders?limit=0')).status).toBe(400);
    expect((await get('/orders?cursor=garbage')).status).toBe(400);
  });
});

describe('docs', () => {
  it('serves the OpenAPI document built from the validation schemas, and the Swagger UI', async () => {
    const response = await get('/openapi.json');
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      paths: Record<string, unknown>;
      components: { schemas: { CheckoutRequest: { required?: string[]; additionalProperties?: unknown } } };
    };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/create-checkout', '/orders', '/orders/{id}', '/orders/{id}/events']),
    );
    expect(document.components.schemas.CheckoutRequest.required).toEqual(
      expect.arrayContaining(['customer_id', 'currency', 'items']),
    );
    expect(document.components.schemas.CheckoutRequest.additionalProperties).toBe(false);
    const docs = await get('/docs');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/openapi.json');
  });
});
