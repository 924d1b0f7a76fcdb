import { describe, expect, it } from 'vitest';
import { decideCancellation, decideCharge, uniformForOrder } from './charge-rules.ts';

const rules = { maxAmountCents: 100_000, failureRate: 0, seed: 42 };
const request = { orderId: 'order-1', amountCents: 5_000, currency: 'USD', token: 'tok_visa' };

describe('decideCharge', () => {
  it('approves within the limit, at the limit included', () => {
    expect(decideCharge(request, rules)).toEqual({ approved: true });
    expect(decideCharge({ ...request, amountCents: 100_000 }, rules)).toEqual({ approved: true });
  });
  it('declines over the limit before anything else', () => {
    expect(decideCharge({ ...request, amountCents: 100_001, token: 'tok_declined' }, rules)).toEqual({
      approved: false,
      reason: 'AMOUNT_LIMIT_EXCEEDED',
    });
  });
  it('declines tok_declined', () => {
    expect(decideCharge({ ...request, token: 'tok_declined' }, rules)).toEqual({
      approved: false,
      reason: 'CARD_DECLINED',
    });
  });
  it('declines everything at failure rate 1 and nothing at 0', () => {
    for (let i = 0; i < 50; i += 1) {
      const r = { ...request, orderId: `order-${i}` };
      expect(decideCharge(r, { ...rules, failureRate: 1 })).toEqual({
        approved: false,
        reason: 'PROVIDER_DECLINED',
      });
      expect(decideCharge(r, rules)).toEqual({ approved: true });
    }
  });
  it('gives the same random answer for the same seed and order, and roughly the configured rate', () => {
    expect(uniformForOrder(7, 'a')).toBe(uniformForOrder(7, 'a'));
    expect(uniformForOrder(7, 'a')).not.toBe(uniformForOrder(8, 'a'));
    const declined = Array.from({ length: 2000 }, (_, i) =>
      decideCharge({ ...request, orderId: `o${i}` }, { ...rules, failureRate: 0.3 }),
    ).filter((r) => !r.approved).length;
    expect(declined / 2000).toBeGreaterThan(0.25);
    expect(declined / 2000).toBeLessThan(0.35);
  });
});

describe('decideCancellation', () => {
  it('refunds only a confirmed payment and tombstones a missing one', () => {
    expect(decideCancellation('CONFIRMED')).toBe('refund');
    expect(decideCancellation('FAILED')).toBe('nothing');
    expect(decideCancellation('REFUNDED')).toBe('nothing');
    expect(decideCancellation('CANCELLED_BEFORE_CHARGE')).toBe('nothing');
    expect(decideCancellation(undefined)).toBe('tombstone');
  });
});
