// The payment saga step against real Kafka, registry and MariaDB: each decline rule, exactly
// one charge per order under redelivery, refund exactly once, and a cancel that overtakes its
// order.created.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowDataPacket } from 'mysql2/promise';
import type { OrderCancelled, OrderCreated, PaymentConfirmed } from '@commerce/platform/events';
import { exampleEvents } from '@commerce/platform/event-examples';
import { eventually, testKafka, uniqueName } from '../../../test/support/isolation.ts';
import { startPaymentService, type Harness } from '../test/harness.ts';

function orderCreated(overrides: Partial<OrderCreated> = {}): OrderCreated {
  return {
    ...exampleEvents()['order.created'],
    event_id: randomUUID(),
    order_id: randomUUID(),
    ...overrides,
  };
}

function orderCancelled(orderId: string): OrderCancelled {
  return { ...exampleEvents()['order.cancelled'], event_id: randomUUID(), order_id: orderId };
}

async function inboxHas(h: Harness, eventIds: string[]): Promise<boolean> {
  const [rows] = await h.db.pool.query<RowDataPacket[]>(
    'SELECT COUNT(*) AS n FROM inbox WHERE event_id IN (?)',
    [eventIds],
  );
  return Number(rows[0]?.n) === eventIds.length;
}

async function paymentRows(h: Harness, orderId: string): Promise<RowDataPacket[]> {
  const [rows] = await h.db.pool.query<RowDataPacket[]>('SELECT * FROM payments WHERE order_id = ?', [
    orderId,
  ]);
  return rows;
}

describe('payment service', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startPaymentService({ PAYMENT_FAILURE_RATE: '0' });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('confirms a charge within the limit, publishes payment.confirmed and serves GET /payments/:order_id', async () => {
    const created = orderCreated({ total_cents: 100_000 });
    await h.produce('order.created', created);
    const [confirmed] = await eventually(
      async () => {
        const events = await h.emitted('payment.confirmed', created.order_id);
        return events.length > 0 && events;
      },
      { what: 'payment.confirmed' },
    );
    expect(confirmed).toMatchObject({
      amount_cents: 100_000,
      currency: 'USD',
      correlation_id: created.correlation_id,
    });
    // The relay published it to Kafka, Avro-framed under the topic's registered schema.
    const consumer = testKafka().consumer({ groupId: uniqueName('payment-test') });
    const seen: PaymentConfirmed[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: `${h.prefix}payment.confirmed`, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          if (message.value) seen.push(await h.runtime.serde.decode('payment.confirmed', message.value));
        },
      });
      await eventually(async () => seen.some((e) => e.order_id === created.order_id), {
        timeoutMs: 30_000,
        what: 'payment.confirmed on Kafka',
      });
    } finally {
      await consumer.disconnect();
    }
    expect(seen.find((e) => e.order_id === created.order_id)).toEqual(confirmed);
    const response = await h.runtime.app.request(`/payments/${created.order_id}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      order_id: created.order_id,
      payment_id: confirmed?.payment_id,
      status: 'CONFIRMED',
      amount_cents: 100_000,
      currency: 'USD',
      reason: null,
    });
  });

  it.each([
    ['AMOUNT_LIMIT_EXCEEDED', { total_cents: 100_001 }],
    ['CARD_DECLINED', { payment_token: 'tok_declined' }],
  ] as const)('declines with %s', async (reason, overrides) => {
    const created = orderCreated(overrides);
    await h.produce('order.created', created);
    const [failed] = await eventually(
      async () => {
        const events = await h.emitted('payment.failed', created.order_id);
        return events.length > 0 && events;
      },
      { what: 'payment.failed' },
    );
    expect(failed?.reason).toBe(reason);
    expect(await h.emitted('payment.confirmed', created.order_id)).toHaveLength(0);
    const body = (await (await h.runtime.app.request(`/payments/${created.order_id}`)).json()) as {
      status: string;
      reason: string;
    };
    expect(body).toMatchObject({ status: 'FAILED', reason });
  });

  it('charges once when order.created is redelivered, also under a new event_id', async () => {
    const created = orderCreated();
    const again = { ...created, event_id: randomUUID() };
    await h.produce('order.created', created);
    await h.produce('order.created', created);
    await h.produce('order.created', again);
    await eventually(() => inboxHas(h, [created.event_id, again.event_id]), {
      what: 'both event ids handled',
    });
    expect(await paymentRows(h, created.order_id)).toHaveLength(1);
    expect(await h.emitted('payment.confirmed', created.order_id)).toHaveLength(1);
  });

  it('refunds a confirmed charge exactly once under duplicated order.cancelled', async () => {
    const created = orderCreated();
    await h.produce('order.created', created);
    await eventually(async () => (await paymentRows(h, created.order_id)).length === 1, { what: 'payment' });
    const cancel = orderCancelled(created.order_id);
    const cancelAgain = { ...cancel, event_id: randomUUID() };
    await h.produce('order.cancelled', cancel);
    await h.produce('order.cancelled', cancel);
    await h.produce('order.cancelled', cancelAgain);
    await eventually(() => inboxHas(h, [cancel.event_id, cancelAgain.event_id]), { what: 'cancels handled' });
    const refunds = await h.emitted('payment.refunded', created.order_id);
    expect(refunds).toHaveLength(1);
    const [payment] = await paymentRows(h, created.order_id);
    expect(payment?.status).toBe('REFUNDED');
    const paymentId = String(payment?.payment_id);
    expect(refunds[0]).toMatchObject({ payment_id: paymentId, amount_cents: created.total_cents });
  });

  it('dead-letters an order.created with a negative total instead of charging', async () => {
    const invalid = orderCreated({ total_cents: -1 });
    await h.produce('order.created', invalid);
    const admin = testKafka().admin();
    await admin.connect();
    try {
      await eventually(
        async () => {
          const offsets = await admin.fetchTopicOffsets(`${h.prefix}order.created.dlq`);
          return offsets.reduce((sum, partition) => sum + Number(partition.high), 0) === 1;
        },
        { what: 'record in the DLQ' },
      );
    } finally {
      await admin.disconnect();
    }
    expect(await paymentRows(h, invalid.order_id)).toHaveLength(0);
  });

  it('never charges an order whose cancel arrived before its order.created', async () => {
    const created = orderCreated();
    const cancel = orderCancelled(created.order_id);
    await h.produce('order.cancelled', cancel);
    await eventually(() => inboxHas(h, [cancel.event_id]), { what: 'cancel handled' });
    await h.produce('order.created', created);
    await eventually(() => inboxHas(h, [created.event_id]), { what: 'created handled' });
    const rows = await paymentRows(h, created.order_id);
    expect(rows.map((row) => String(row.status))).toEqual(['CANCELLED_BEFORE_CHARGE']);
    const [outbox] = await h.db.pool.query<RowDataPacket[]>('SELECT id FROM outbox WHERE message_key = ?', [
      created.order_id,
    ]);
    expect(outbox).toHaveLength(0);
    const response = await h.runtime.app.request(`/payments/${created.order_id}`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });
});

describe('payment service with PAYMENT_FAILURE_RATE=1', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startPaymentService({ PAYMENT_FAILURE_RATE: '1' });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('declines every charge with PROVIDER_DECLINED', async () => {
    const orders = [orderCreated(), orderCreated(), orderCreated()];
    for (const created of orders) await h.produce('order.created', created);
    for (const created of orders) {
      const [failed] = await eventually(
        async () => {
          const events = await h.emitted('payment.failed', created.order_id);
          return events.length > 0 && events;
        },
        { what: 'payment.failed' },
      );
      expect(failed?.reason).toBe('PROVIDER_DECLINED');
    }
  });
});
