// Inventory's saga steps against real Kafka, registry and MariaDB: no overselling under
// concurrency, all-or-nothing reservations, sale and release transitions, a cancel that
// overtakes its order.created, and the operator endpoints.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowDataPacket } from 'mysql2/promise';
import type { OrderCancelled, OrderConfirmed, OrderCreated, OrderItem } from '@commerce/platform/events';
import { exampleEvents } from '@commerce/platform/event-examples';
import { eventually, testKafka } from '../../../test/support/isolation.ts';
import { startInventoryService, type Harness } from '../test/harness.ts';

type Stock = {
  sku: string;
  name: string;
  price_cents: number;
  available: number;
  reserved: number;
  sold: number;
};

function orderCreated(items: Pick<OrderItem, 'sku' | 'quantity'>[]): OrderCreated {
  return {
    ...exampleEvents()['order.created'],
    event_id: randomUUID(),
    order_id: randomUUID(),
    items: items.map((item) => ({ ...item, unit_price_cents: 100 })),
  };
}
const orderCancelled = (orderId: string): OrderCancelled => ({
  ...exampleEvents()['order.cancelled'],
  event_id: randomUUID(),
  order_id: orderId,
});
const orderConfirmed = (orderId: string): OrderConfirmed => ({
  ...exampleEvents()['order.confirmed'],
  event_id: randomUUID(),
  order_id: orderId,
});

describe('inventory service', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startInventoryService();
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function putStock(sku: string, body: unknown): Promise<Response> {
    return h.runtime.app.request(`/stock/${sku}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }
  async function stockOf(sku: string): Promise<Stock> {
    const response = await h.runtime.app.request(`/stock/${sku}`);
    expect(response.status).toBe(200);
    return (await response.json()) as Stock;
  }
  async function inboxHas(eventIds: string[]): Promise<boolean> {
    const [rows] = await h.db.pool.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM inbox WHERE event_id IN (?)',
      [eventIds],
    );
    return Number(rows[0]?.n) === eventIds.length;
  }
  async function reservationStatus(orderId: string): Promise<string | undefined> {
    const [rows] = await h.db.pool.query<RowDataPacket[]>(
      'SELECT status FROM reservations WHERE order_id = ?',
      [orderId],
    );
    return rows[0] ? String(rows[0].status) : undefined;
  }

  it('never oversells: 50 concurrent one-unit orders for 10 units reserve exactly 10', async () => {
    const sku = `OVERSELL-${randomUUID().slice(0, 8)}`;
    expect((await putStock(sku, { available: 10, name: 'Hot item', price_cents: 500 })).status).toBe(200);
    const orders = Array.from({ length: 50 }, () => orderCreated([{ sku, quantity: 1 }]));
    await Promise.all(orders.map((order) => h.produce('order.created', order)));
    const counts = await eventually(
      async () => {
        const [rows] = await h.db.pool.query<RowDataPacket[]>(
          'SELECT topic, COUNT(*) AS n FROM outbox WHERE message_key IN (?) GROUP BY topic',
          [orders.map((o) => o.order_id)],
        );
        const byTopic = Object.fromEntries(rows.map((r) => [String(r.topic), Number(r.n)]));
        const total = (byTopic['stock.reserved'] ?? 0) + (byTopic['stock.rejected'] ?? 0);
        return total === 50 && byTopic;
      },
      { timeoutMs: 45_000, what: '50 stock decisions' },
    );
    expect(counts).toEqual({ 'stock.reserved': 10, 'stock.rejected': 40 });
    const rejected = await Promise.all(orders.map((o) => h.emitted('stock.rejected', o.order_id)));
    for (const event of rejected.flat()) expect(event).toMatchObject({ reason: 'OUT_OF_STOCK', skus: [sku] });
    const stock = await stockOf(sku);
    expect(stock).toMatchObject({ available: 0, reserved: 10, sold: 0 });
    expect(stock.available + stock.reserved + stock.sold).toBe(10);
  });

  it('reserves all lines or none, summing duplicate SKUs, and names unknown SKUs', async () => {
    const a = `A-${randomUUID().slice(0, 8)}`;
    const b = `B-${randomUUID().slice(0, 8)}`;
    await putStock(a, { available: 5 });
    await putStock(b, { available: 1 });
    const short = orderCreated([
      { sku: a, quantity: 2 },
      { sku: b, quantity: 2 },
    ]);
    const unknown = orderCreated([
      { sku: a, quantity: 1 },
      { sku: 'NO-SUCH-SKU', quantity: 1 },
    ]);
    const summedTooMany = orderCreated([
      { sku: a, quantity: 3 },
      { sku: a, quantity: 3 },
    ]);
    const summed = orderCreated([
      { sku: b, quantity: 1 },
      { sku: a, quantity: 2 },
      { sku: a, quantity: 2 },
    ]);
    for (const order of [short, unknown, summedTooMany]) await h.produce('order.created', order);
    await eventually(() => inboxHas([short, unknown, summedTooMany].map((o) => o.event_id)), {
      what: 'rejections',
    });
    await h.produce('order.created', summed);
    await eventually(() => inboxHas([summed.event_id]), { what: 'reservation' });

    expect(await h.emitted('stock.rejected', short.order_id)).toMatchObject([
      { reason: 'OUT_OF_STOCK', skus: [b] },
    ]);
    expect(await h.emitted('stock.rejected', unknown.order_id)).toMatchObject([
      { reason: 'UNKNOWN_SKU', skus: ['NO-SUCH-SKU'] },
    ]);
    expect(await h.emitted('stock.rejected', summedTooMany.order_id)).toMatchObject([
      { reason: 'OUT_OF_STOCK', skus: [a] },
    ]);
    const [reserved] = await h.emitted('stock.reserved', summed.order_id);
    expect(reserved?.items).toEqual(
      [
        { sku: a, quantity: 4 },
        { sku: b, quantity: 1 },
      ].sort((x, y) => (x.sku < y.sku ? -1 : 1)),
    );
    expect(await stockOf(a)).toMatchObject({ available: 1, reserved: 4, sold: 0 });
    expect(await stockOf(b)).toMatchObject({ available: 0, reserved: 1, sold: 0 });
  });

  it('turns a reservation into a sale on order.confirmed and releases once on duplicated order.cancelled', async () => {
    const sku = `T-${randomUUID().slice(0, 8)}`;
    await putStock(sku, { available: 10 });
    const sold = orderCreated([{ sku, quantity: 3 }]);
    const released = orderCreated([{ sku, quantity: 2 }]);
    await h.produce('order.created', sold);
    await h.produce('order.created', released);
    await eventually(() => inboxHas([sold.event_id, released.event_id]), { what: 'reservations' });
    expect(await stockOf(sku)).toMatchObject({ available: 5, reserved: 5, sold: 0 });

    const confirm = orderConfirmed(sold.order_id);
    const cancel = orderCancelled(released.order_id);
    const cancelAgain = { ...cancel, event_id: randomUUID() };
    // A cancel of an already sold order must not give its units back.
    const lateCancelOfSold = orderCancelled(sold.order_id);
    await h.produce('order.confirmed', confirm);
    await h.produce('order.cancelled', cancel);
    await h.produce('order.cancelled', cancel);
    await h.produce('order.cancelled', cancelAgain);
    await eventually(() => inboxHas([confirm.event_id, cancel.event_id, cancelAgain.event_id]), {
      what: 'confirm and cancels',
    });
    await h.produce('order.cancelled', lateCancelOfSold);
    await eventually(() => inboxHas([lateCancelOfSold.event_id]), { what: 'late cancel' });

    expect(await reservationStatus(sold.order_id)).toBe('SOLD');
    expect(await reservationStatus(released.order_id)).toBe('RELEASED');
    expect(await h.emitted('stock.released', released.order_id)).toMatchObject([
      { items: [{ sku, quantity: 2 }] },
    ]);
    expect(await h.emitted('stock.released', sold.order_id)).toHaveLength(0);
    expect(await stockOf(sku)).toMatchObject({ available: 7, reserved: 0, sold: 3 });
  });

  it('reserves nothing for an order whose cancel arrived before its order.created', async () => {
    const sku = `C-${randomUUID().slice(0, 8)}`;
    await putStock(sku, { available: 4 });
    const created = orderCreated([{ sku, quantity: 1 }]);
    const cancel = orderCancelled(created.order_id);
    await h.produce('order.cancelled', cancel);
    await eventually(() => inboxHas([cancel.event_id]), { what: 'cancel' });
    await h.produce('order.created', created);
    await eventually(() => inboxHas([created.event_id]), { what: 'created' });
    expect(await reservationStatus(created.order_id)).toBe('CANCELLED_BEFORE_RESERVE');
    const [outbox] = await h.db.pool.query<RowDataPacket[]>('SELECT id FROM outbox WHERE message_key = ?', [
      created.order_id,
    ]);
    expect(outbox).toHaveLength(0);
    expect(await stockOf(sku)).toMatchObject({ available: 4, reserved: 0, sold: 0 });
  });

  it('dead-letters an order.created with a non-positive quantity instead of reserving', async () => {
    const sku = `D-${randomUUID().slice(0, 8)}`;
    await putStock(sku, { available: 2 });
    const invalid = orderCreated([{ sku, quantity: 0 }]);
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
    expect(await reservationStatus(invalid.order_id)).toBeUndefined();
    expect(await stockOf(sku)).toMatchObject({ available: 2, reserved: 0 });
  });

  describe('operator endpoints', () => {
    it('creates an unknown SKU with defaults and sets available without touching reserved or sold', async () => {
      const sku = `P-${randomUUID().slice(0, 8)}`;
      const created = await putStock(sku, { available: 3 });
      expect(created.status).toBe(200);
      expect(await created.json()).toEqual({
        sku,
        name: sku,
        price_cents: 0,
        available: 3,
        reserved: 0,
        sold: 0,
      });
      const order = orderCreated([{ sku, quantity: 2 }]);
      await h.produce('order.created', order);
      await eventually(() => inboxHas([order.event_id]), { what: 'reservation' });
      const updated = await putStock(sku, { available: 9, name: 'Renamed', price_cents: 250 });
      expect(await updated.json()).toEqual({
        sku,
        name: 'Renamed',
        price_cents: 250,
        available: 9,
        reserved: 2,
        sold: 0,
      });
      const list = (await (await h.runtime.app.request('/stock')).json()) as { items: Stock[] };
      expect(list.items.map((s) => s.sku)).toContain(sku);
    });

    it.each([
      ['a negative count', { available: -1 }, ['available']],
      ['a fractional count', { available: 1.5 }, ['available']],
      ['a missing count', { name: 'x' }, ['available']],
      ['wrong types', { available: '3', price_cents: -5, name: 7 }, ['available', 'price_cents', 'name']],
    ])('answers 400 problem+json naming the fields for %s', async (_label, body, fields) => {
      const response = await putStock('SKU-X', body);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await response.json()) as { errors: { field: string }[] };
      expect(problem.errors.map((e) => e.field).sort()).toEqual([...fields].sort());
    });

    it('answers 400, not 500, to malformed JSON and 404 to an unknown SKU', async () => {
      const malformed = await putStock('SKU-X', '{"available": ');
      expect(malformed.status).toBe(400);
      expect(((await malformed.json()) as { code: string }).code).toBe('MALFORMED_JSON');
      const missing = await h.runtime.app.request('/stock/NOPE-404');
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toContain('application/problem+json');
    });
  });
});
