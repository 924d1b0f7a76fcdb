// The simulated provider's rules (CONTRACT.md, saga step 2). Pure: the "random" decline is a
// hash of (seed, order_id), so a redelivered or replayed order.created gets the same answer.
import { createHash } from 'node:crypto';
import type { PaymentFailureReason } from '@commerce/platform/events';

export type ChargeRequest = { orderId: string; amountCents: number; currency: string; token: string | null };
export type ChargeResult = { approved: true } | { approved: false; reason: PaymentFailureReason };
export type ChargeRules = { maxAmountCents: number; failureRate: number; seed: number };

/** A deterministic number in [0, 1) for this order under this seed. */
export function uniformForOrder(seed: number, orderId: string): number {
  const digest = createHash('sha256').update(`${seed}:${orderId}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** Declines over the limit, for tok_declined, or at random with rules.failureRate; else approves. */
export function decideCharge(request: ChargeRequest, rules: ChargeRules): ChargeResult {
  if (request.amountCents > rules.maxAmountCents) return { approved: false, reason: 'AMOUNT_LIMIT_EXCEEDED' };
  if (request.token === 'tok_declined') return { approved: false, reason: 'CARD_DECLINED' };
  if (uniformForOrder(rules.seed, request.orderId) < rules.failureRate)
    return { approved: false, reason: 'PROVIDER_DECLINED' };
  return { approved: true };
}

/** A payment's status; CANCELLED_BEFORE_CHARGE marks an order cancelled before it was charged. */
export type StoredPaymentStatus = 'CONFIRMED' | 'FAILED' | 'REFUNDED' | 'CANCELLED_BEFORE_CHARGE';

/** What an order.cancelled does to the order's payment row (undefined: none yet). */
export function decideCancellation(
  status: StoredPaymentStatus | undefined,
): 'refund' | 'tombstone' | 'nothing' {
  if (status === undefined) return 'tombstone';
  return status === 'CONFIRMED' ? 'refund' : 'nothing';
}
