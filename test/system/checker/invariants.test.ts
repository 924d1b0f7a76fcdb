// Each invariant of the checker, on hand-made snapshots: a clean system passes, and every
// kind of breakage is reported with the order ids concerned.
import { describe, expect, it } from 'vitest';
import { checkInvariants, type Snapshot, type TopicRecord } from './invariants.ts';

const NOW = new Date('2026-11-23T12:00:00Z');
const EARLIER = new Date('2026-11-23T11:59:00Z');

/** A settled system: A confirmed, B cancelled for stock (payment refunded), C declined. */
function cleanSnapshot(): Snapshot {
  const records: TopicRecord[] = [
    ['order.created', 'A'],
    ['payment.confirmed', 'A'],
    ['stock.reserved', 'A'],
    ['order.confirmed', 'A'],
    ['order.created', 'B'],
    ['payment.confirmed', 'B'],
    ['stock.rejected', 'B'],
    ['order.cancelled', 'B'],
    ['payment.refunded', 'B'],
    ['order.created', 'C'],
    ['payment.failed', 'C'],
    ['stock.reserved', 'C'],
    ['order.cancelled', 'C'],
    ['stock.released', 'C'],
  ].map(([topic, order], i) => ({ topic: topic!, order_id: order!, event_id: `e${i}` }));
  return {
    takenAt: NOW,
    orders: [
      { order_id: 'A', status: 'CONFIRMED', status_reason: null, updated_at: EARLIER },
      { order_id: 'B', status: 'CANCELLED', status_reason: 'OUT_OF_STOCK', updated_at: EARLIER },
      { order_id: 'C', status: 'CANCELLED', status_reason: 'PAYMENT_DECLINED', updated_at: EARLIER },
    ],
    payments: [
      { order_id: 'A', status: 'CONFIRMED' },
      { order_id: 'B', status: 'REFUNDED' },
      { order_id: 'C', status: 'FAILED' },
    ],
    reservations: [
      { order_id: 'A', status: 'SOLD', items: [{ sku: 'S1', quantity: 2 }] },
      { order_id: 'B', status: 'REJECTED', items: [{ sku: 'S1', quantity: 99 }] },
      { order_id: 'C', status: 'RELEASED', items: [{ sku: 'S1', quantity: 1 }] },
    ],
    stock: [{ sku: 'S1', available: 8, reserved: 0, sold: 2 }],
    notifications: [
      { order_id: 'A', kind: 'ORDER_CONFIRMED', channel: 'log', status: 'SENT' },
      { order_id: 'A', kind: 'PURCHASE_ALERT', channel: 'log', status: 'SENT' },
      { order_id: 'B', kind: 'ORDER_CANCELLED', channel: 'log', status: 'SENT' },
      { order_id: 'B', kind: 'PURCHASE_ALERT', channel: 'log', status: 'SENT' },
      { order_id: 'C', kind: 'ORDER_CANCELLED', channel: 'log', status: 'SKIPPED' },
    ],
    outbox: [{ service: 'order', unpublished: 0, failed: 0 }],
    records,
  };
}

const violationsOf = (snapshot: Snapshot, options = {}) =>
  checkInvariants(snapshot, options).violations.map((v) => [v.invariant, v.orderIds]);

describe('consistency invariants', () => {
  it('finds nothing wrong with a settled, consistent system', () => {
    const result = checkInvariants(cleanSnapshot(), {
      acceptedOrderIds: ['A', 'B', 'C'],
      initialStock: { S1: 10 },
    });
    expect(result.violations).toEqual([]);
    expect(result.stats.orders).toEqual({ PENDING: 0, CONFIRMED: 1, CANCELLED: 2 });
  });

  it('reports an accepted order that is not in the database', () => {
    expect(violationsOf(cleanSnapshot(), { acceptedOrderIds: ['A', 'Z'] })).toEqual([
      ['accepted-order-lost', ['Z']],
    ]);
  });

  it('reports a settled PENDING order as stuck, but not one still in flight', () => {
    const snapshot = cleanSnapshot();
    snapshot.orders.push({ order_id: 'D', status: 'PENDING', status_reason: null, updated_at: EARLIER });
    snapshot.orders.push({ order_id: 'E', status: 'PENDING', status_reason: null, updated_at: NOW });
    snapshot.records!.push({ topic: 'order.created', order_id: 'D', event_id: 'd' });
    const result = checkInvariants(snapshot, { inFlightGraceMs: 5_000 });
    expect(result.violations.map((v) => [v.invariant, v.orderIds])).toEqual([['order-not-terminal', ['D']]]);
    expect(result.stats.inFlightSkipped).toBe(1);
  });

  it('reports a CONFIRMED order whose payment was refunded and whose stock is only reserved', () => {
    const snapshot = cleanSnapshot();
    snapshot.payments[0]!.status = 'REFUNDED';
    snapshot.reservations[0]!.status = 'RESERVED';
    snapshot.stock[0] = { sku: 'S1', available: 8, reserved: 2, sold: 0 };
    expect(violationsOf(snapshot)).toEqual([
      ['confirmed-without-charge', ['A']],
      ['confirmed-without-sale', ['A']],
    ]);
  });

  it('reports a CANCELLED order that kept the money or the stock', () => {
    const snapshot = cleanSnapshot();
    snapshot.payments[1]!.status = 'CONFIRMED';
    snapshot.reservations[2]!.status = 'RESERVED';
    snapshot.stock[0] = { sku: 'S1', available: 7, reserved: 1, sold: 2 };
    expect(violationsOf(snapshot)).toEqual([
      ['charge-without-confirmation', ['B']],
      ['cancelled-stock-held', ['C']],
    ]);
  });

  it('reports stock counters that disagree with the reservations, and stock that appeared or vanished', () => {
    const snapshot = cleanSnapshot();
    snapshot.stock[0] = { sku: 'S1', available: 9, reserved: 0, sold: 3 };
    const found = checkInvariants(snapshot, { initialStock: { S1: 10 } }).violations.map((v) => v.invariant);
    expect(found).toEqual(['stock-counters', 'stock-conservation']);
  });

  it('reports participant state for an order nobody placed', () => {
    const snapshot = cleanSnapshot();
    snapshot.payments.push({ order_id: 'X', status: 'FAILED' });
    expect(violationsOf(snapshot)).toEqual([['orphan-participant-state', ['X']]]);
  });

  it('reports a second customer notification, a missing alert and an undelivered one', () => {
    const snapshot = cleanSnapshot();
    snapshot.notifications.push({ order_id: 'A', kind: 'ORDER_CANCELLED', channel: 'log', status: 'SENT' });
    snapshot.notifications = snapshot.notifications.filter(
      (n) => !(n.order_id === 'B' && n.kind === 'PURCHASE_ALERT'),
    );
    snapshot.notifications.find((n) => n.order_id === 'C')!.status = 'FAILED';
    expect(violationsOf(snapshot)).toEqual([
      ['notification-undelivered', ['C']],
      ['notification-count', ['A', 'B']],
    ]);
  });

  it('reports an order nobody was told about, but not older orders on a channel switched on later', () => {
    const snapshot = cleanSnapshot();
    snapshot.notifications.push({
      order_id: 'A',
      kind: 'ORDER_CONFIRMED',
      channel: 'webhook',
      status: 'SENT',
    });
    snapshot.notifications.push({
      order_id: 'A',
      kind: 'PURCHASE_ALERT',
      channel: 'webhook',
      status: 'SENT',
    });
    expect(violationsOf(snapshot)).toEqual([]);
    snapshot.notifications = snapshot.notifications.filter((n) => n.order_id !== 'C');
    expect(violationsOf(snapshot)).toEqual([['notification-count', ['C']]]);
  });

  it('reports unpublished and failed outbox rows', () => {
    const snapshot = cleanSnapshot();
    snapshot.outbox = [{ service: 'payment', unpublished: 2, failed: 1 }];
    expect(violationsOf(snapshot)).toEqual([['outbox-unpublished', []]]);
  });

  it('tolerates a redelivered record but reports a step emitted twice under new event ids', () => {
    const snapshot = cleanSnapshot();
    snapshot.records!.push({ topic: 'payment.confirmed', order_id: 'A', event_id: 'e1' }); // same id: redelivery
    expect(checkInvariants(snapshot).violations).toEqual([]);
    expect(checkInvariants(snapshot).stats.redeliveredRecords).toBe(1);
    snapshot.records!.push({ topic: 'order.cancelled', order_id: 'A', event_id: 'other' });
    snapshot.records!.push({ topic: 'stock.released', order_id: 'C', event_id: 'again' });
    expect(violationsOf(snapshot)).toEqual([['event-applied-twice', ['A', 'C']]]);
  });

  it('reports an order whose creation or outcome never reached the topics', () => {
    const snapshot = cleanSnapshot();
    snapshot.records = snapshot.records!.filter((r) => r.topic !== 'order.confirmed');
    expect(violationsOf(snapshot)).toEqual([['event-missing', ['A']]]);
  });
});
