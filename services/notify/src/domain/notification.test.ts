import { describe, expect, it } from 'vitest';
import { afterFailure, formatMoney, planNotifications, renderNotification } from './notification.ts';

const now = new Date('2025-01-15T10:30:00.000Z');
const order_id = '5f0c8e4e-2a7b-4c1e-9a53-0d6f3b8f1a20';

describe('renderNotification', () => {
  it('confirms the order with its total in the currency', () => {
    const { subject, body } = renderNotification({
      kind: 'ORDER_CONFIRMED',
      order_id,
      customer_email: 'ana@example.com',
      total_cents: 8498,
      currency: 'USD',
    });
    expect(subject).toBe(`Your order ${order_id} is confirmed`);
    expect(body).toContain('$84.98');
  });

  it('explains a cancellation in words, and unknown reasons verbatim', () => {
    const base = {
      kind: 'ORDER_CANCELLED',
      order_id,
      customer_email: null,
      total_cents: 100,
      currency: 'EUR',
    } as const;
    expect(renderNotification({ ...base, reason: 'OUT_OF_STOCK' }).body).toContain('an item is out of stock');
    expect(renderNotification({ ...base, reason: 'SOMETHING_NEW' }).body).toContain('reason: SOMETHING_NEW');
    expect(renderNotification({ ...base, reason: 'TIMEOUT' }).subject).toBe(
      `Your order ${order_id} was cancelled`,
    );
  });

  it('alerts sales with payment id and amount', () => {
    const { subject, body } = renderNotification({
      kind: 'PURCHASE_ALERT',
      order_id,
      payment_id: 'pay_7d1e9c',
      amount_cents: 8498,
      currency: 'USD',
    });
    expect(subject).toBe(`Purchase: $84.98 for order ${order_id}`);
    expect(body).toContain('pay_7d1e9c');
  });

  it('formats minor units by the currency’s decimals', () => {
    expect(formatMoney(1999, 'USD')).toBe('$19.99');
    expect(formatMoney(500, 'JPY')).toBe('¥500');
    expect(formatMoney(1999, 'nope')).toBe('19.99 nope');
  });
});

describe('planNotifications', () => {
  let n = 0;
  const newId = () => `id-${++n}`;

  it('plans one PENDING notification per channel, due now', () => {
    const planned = planNotifications({
      facts: {
        kind: 'ORDER_CONFIRMED',
        order_id,
        customer_email: 'ana@example.com',
        total_cents: 1,
        currency: 'USD',
      },
      channels: ['smtp', 'webhook'],
      alertRecipient: 'sales@x',
      now,
      newId,
    });
    expect(planned.map((p) => [p.channel, p.status, p.recipient, p.attempts])).toEqual([
      ['smtp', 'PENDING', 'ana@example.com', 0],
      ['webhook', 'PENDING', 'ana@example.com', 0],
    ]);
    expect(planned[0]?.next_attempt_at).toEqual(now);
    expect(new Set(planned.map((p) => p.notification_id)).size).toBe(2);
  });

  it('skips a customer notification without an email', () => {
    const [planned] = planNotifications({
      facts: {
        kind: 'ORDER_CANCELLED',
        order_id,
        customer_email: null,
        total_cents: 1,
        currency: 'USD',
        reason: 'TIMEOUT',
      },
      channels: ['smtp'],
      alertRecipient: 'sales@x',
      now,
      newId,
    });
    expect(planned?.status).toBe('SKIPPED');
    expect(planned?.recipient).toBeNull();
  });

  it('sends purchase alerts to the configured recipient', () => {
    const [planned] = planNotifications({
      facts: { kind: 'PURCHASE_ALERT', order_id, payment_id: 'p', amount_cents: 1, currency: 'USD' },
      channels: ['log'],
      alertRecipient: 'sales@commerce.local',
      now,
      newId,
    });
    expect(planned?.recipient).toBe('sales@commerce.local');
    expect(planned?.status).toBe('PENDING');
  });
});

describe('afterFailure', () => {
  const base = { maxAttempts: 4, baseDelayMs: 1000, now };

  it('backs off exponentially with ±20% jitter', () => {
    for (const [attemptsBefore, delay] of [
      [0, 1000],
      [1, 2000],
      [2, 4000],
    ] as const) {
      const low = afterFailure({ ...base, attemptsBefore, random: 0 });
      const high = afterFailure({ ...base, attemptsBefore, random: 1 });
      expect(low).toEqual({
        status: 'PENDING',
        attempts: attemptsBefore + 1,
        next_attempt_at: new Date(now.getTime() + delay * 0.8),
      });
      expect(high).toEqual({
        status: 'PENDING',
        attempts: attemptsBefore + 1,
        next_attempt_at: new Date(now.getTime() + delay * 1.2),
      });
    }
  });

  it('gives up after the last allowed attempt', () => {
    expect(afterFailure({ ...base, attemptsBefore: 3, random: 0.5 })).toEqual({
      status: 'FAILED',
      attempts: 4,
    });
  });

  it('caps the delay', () => {
    const result = afterFailure({ ...base, maxAttempts: 50, attemptsBefore: 40, random: 1 });
    expect(result.status === 'PENDING' && result.next_attempt_at.getTime() - now.getTime()).toBe(12 * 60_000);
  });
});
