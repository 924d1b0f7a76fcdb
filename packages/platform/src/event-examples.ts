// One realistic event per topic, all from the same (confirmed-then-cancelled, for coverage)
// order. Used by tests, the benchmark and the event catalog; handy as fixtures elsewhere.
import type { EventByTopic, Topic } from './events.ts';

const order_id = '5f0c8e4e-2a7b-4c1e-9a53-0d6f3b8f1a20';
const correlation_id = '0b7e2c56-8d0e-4f4b-b1a4-7c9d1e2f3a45';
const occurred_at = Date.UTC(2025, 0, 15, 10, 30, 0);

/** Example events keyed by topic; each call returns fresh objects, safe to mutate. */
export function exampleEvents(): { [T in Topic]: EventByTopic[T] } {
  return {
    'order.created': {
      event_id: '3b2f1c0e-5d4a-4b6c-8e7f-9a0b1c2d3e01',
      event_type: 'order.created',
      occurred_at,
      order_id,
      correlation_id,
      customer_id: 'cust-42',
      customer_email: 'ana@example.com',
      currency: 'USD',
      items: [
        { sku: 'SKU-001', quantity: 2, unit_price_cents: 1999 },
        { sku: 'SKU-002', quantity: 1, unit_price_cents: 4500 },
      ],
      total_cents: 8498,
      payment_method: 'card',
      payment_token: 'tok_visa',
    },
    'payment.confirmed': {
      event_id: '3b2f1c0e-5d4a-4b6c-8e7f-9a0b1c2d3e02',
      event_type: 'payment.confirmed',
      occurred_at: occurred_at + 120,
      order_id,
      correlation_id,
      payment_id: 'pay_7d1e9c',
      amount_cents: 8498,
      currency: 'USD',
    },
    'payment.failed': {
      event_id: '3b2f1c0e-5d4a-4b6c-8e7f-9a0b1c2d3e03',
      event_type: 'payment.failed',
      occurred_at: occurred_at + 130,
      order_id,
      correlation_id,
      payment_id: null,
      amount_cents: 8498,
      currency: 'USD',
      reason: 'CARD_DECLINED',
    },
    'payment.refunded': {
      event_id: '3b2f1c0e-5d4a-4b6c-8e7f-9a0b1c2d3e04',
      event_type: 'payment.refunded',
      occurred_at: occurred_at + 900,
      order_id,
      correlation_id,
      payment_id: 'pay_7d1e9c',
      amount_cents: 8498,
      currency: 'USD',
    },
    'stock.reserved': {
      event_id: '3b2f1c0e-5d4a-4b6c-8e7f-9a0b1c2d3e05',
      event_type: 'stock.reserved',
      occurred_at: occurred_at + 95,
      order_id,
      correlation_id,
      items: [
        { sku: 'SKU-001', quantity: 2 },
        { sku: 'SKU-002', quantity: 1 },
      ],
    },
    'stock.rejected': {
      event_id: '3b2f1c0e-5d4a-4b6c-8e7f-9a0b1c2d3e06',
      event_type: 'stock.rejected',
      occurred_at: occurred_at + 90,
      order_id,
      correlation_id,
      reason: 'OUT_OF_STOCK',
      skus: ['SKU-002'],
    },
    'stock.released': {
      event_id: '3b2f1c0e-5d4a-4b6c-8e7f-9a0b1c2d3e07',
      event_type: 'stock.released',
      occurred_at: occurred_at + 910,
      order_id,
      correlation_id,
      items: [
        { sku: 'SKU-001', quantity: 2 },
        { sku: 'SKU-002', quantity: 1 },
      ],
    },
    'order.confirmed': {
      event_id: '3b2f1c0e-5d4a-4b6c-8e7f-9a0b1c2d3e08',
      event_type: 'order.confirmed',
      occurred_at: occurred_at + 140,
      order_id,
      correlation_id,
      customer_id: 'cust-42',
      customer_email: 'ana@example.com',
      total_cents: 8498,
      currency: 'USD',
      payment_id: 'pay_7d1e9c',
    },
    'order.cancelled': {
      event_id: '3b2f1c0e-5d4a-4b6c-8e7f-9a0b1c2d3e09',
      event_type: 'order.cancelled',
      occurred_at: occurred_at + 135,
      order_id,
      correlation_id,
      customer_id: 'cust-42',
      customer_email: null,
      total_cents: 8498,
      currency: 'USD',
      reason: 'PAYMENT_DECLINED',
    },
  };
}
