// The order saga as a pure decider: given the order's saga state, one input (a payment or
// stock outcome, or the deadline) and the time, it returns the next state and what to emit.
// No I/O, no clock, no ids: handlers and the sweeper supply those.
import type { OrderCancellationReason, StockRejectionReason } from '@commerce/platform/events';

export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'CANCELLED';
export type PaymentStep = 'pending' | 'confirmed' | 'failed';
export type StockStep = 'pending' | 'reserved' | 'rejected';

export type SagaState = {
  status: OrderStatus;
  payment: PaymentStep;
  stock: StockStep;
  reason: OrderCancellationReason | null;
  payment_id: string | null;
  deadline_at: Date;
};

export type SagaInput =
  | { type: 'payment.confirmed'; payment_id: string }
  | { type: 'payment.failed' }
  | { type: 'stock.reserved' }
  | { type: 'stock.rejected'; reason: StockRejectionReason }
  | { type: 'deadline-expired' };

export type SagaOutput =
  { type: 'order.confirmed' } | { type: 'order.cancelled'; reason: OrderCancellationReason };

export type Decision = { state: SagaState; emit: SagaOutput[] };

export function initialSagaState(deadlineAt: Date): SagaState {
  return {
    status: 'PENDING',
    payment: 'pending',
    stock: 'pending',
    reason: null,
    payment_id: null,
    deadline_at: deadlineAt,
  };
}

/** Records the fact an input carries, without deciding the outcome. */
export function evolve(state: SagaState, input: SagaInput): SagaState {
  switch (input.type) {
    case 'payment.confirmed':
      return { ...state, payment: 'confirmed', payment_id: input.payment_id };
    case 'payment.failed':
      return { ...state, payment: 'failed' };
    case 'stock.reserved':
      return { ...state, stock: 'reserved' };
    case 'stock.rejected':
      return { ...state, stock: 'rejected' };
    case 'deadline-expired':
      return state;
  }
}

function stockReason(reason: StockRejectionReason): OrderCancellationReason {
  // stock.rejected reasons are a subset of the cancellation reasons.
  return reason;
}

/** The saga's decision for one input at time `now`. */
export function decide(state: SagaState, input: SagaInput, now: Date): Decision {
  // A finished order ignores everything: late, duplicated or contradicting outcomes are the
  // other services' business (they compensate on order.cancelled).
  if (state.status !== 'PENDING') return { state, emit: [] };

  // Past the deadline the saga is over whatever arrives: the sweeper would cancel it anyway,
  // and deciding the same here keeps the outcome independent of who gets there first.
  if (input.type === 'deadline-expired' || now.getTime() >= state.deadline_at.getTime()) {
    const next = evolve(state, input);
    return cancel(next, 'TIMEOUT');
  }

  const next = evolve(state, input);
  if (input.type === 'payment.failed') return cancel(next, 'PAYMENT_DECLINED');
  if (input.type === 'stock.rejected') return cancel(next, stockReason(input.reason));
  if (next.payment === 'confirmed' && next.stock === 'reserved') {
    return { state: { ...next, status: 'CONFIRMED' }, emit: [{ type: 'order.confirmed' }] };
  }
  return { state: next, emit: [] };
}

function cancel(state: SagaState, reason: OrderCancellationReason): Decision {
  return { state: { ...state, status: 'CANCELLED', reason }, emit: [{ type: 'order.cancelled', reason }] };
}
