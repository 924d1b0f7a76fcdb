// Use case: one saga input for one order, inside the caller's transaction (the consumer's
// for Kafka events, the sweeper's for deadlines). Loads the order FOR UPDATE, asks the pure
// decider, saves the new state, emits order.confirmed / order.cancelled to the outbox and
// records everything on the order's timeline.
import { randomUUID } from 'node:crypto';
import type { Tx } from '@commerce/platform/mysql';
import { envelope } from '@commerce/platform/envelope';
import type { EventByTopic, Topic } from '@commerce/platform/events';
import { decide, type SagaInput, type SagaState } from '../domain/saga.ts';
import type { Order } from '../domain/order.ts';
import {
  appendTimeline,
  appendTimelineEntries,
  findOrderForUpdate,
  saveSagaState,
  type TimelineEntry,
} from '../adapters/mysql/orders-repo.ts';

export type Emit = <T extends Topic>(topic: T, event: EventByTopic[T]) => Promise<void>;

export type Cause = { event_id: string; event_type: string; source: string; occurred_at: Date };

export type StepResult = { found: boolean; statusChanged: boolean };

function sagaStateOf(order: Order): SagaState {
  return {
    status: order.status,
    payment: order.payment_status,
    stock: order.stock_status,
    reason: order.status_reason,
    payment_id: order.payment_id,
    deadline_at: order.deadline_at,
  };
}

/** Applies `input` to an order already locked in `tx`. */
export async function applyToLockedOrder(
  tx: Tx,
  order: Order,
  input: SagaInput,
  now: Date,
  emit: Emit,
  cause?: Cause,
): Promise<StepResult> {
  // The cause and the events this step emits go on the timeline in one statement, cause first.
  const timeline: TimelineEntry[] = cause ? [cause] : [];
  const before = sagaStateOf(order);
  const { state, emit: outputs } = decide(before, input, now);
  if (state !== before) {
    await saveSagaState(
      tx,
      order.order_id,
      {
        status: state.status,
        status_reason: state.reason,
        payment_status: state.payment,
        stock_status: state.stock,
        payment_id: state.payment_id,
      },
      now,
    );
  }
  for (const output of outputs) {
    const eventId = randomUUID();
    const base = {
      ...{ customer_id: order.customer_id, customer_email: order.customer_email },
      total_cents: order.total_cents,
      currency: order.currency,
    };
    const meta = { eventId, occurredAt: now, orderId: order.order_id, correlationId: order.correlation_id };
    if (output.type === 'order.confirmed') {
      await emit('order.confirmed', {
        ...envelope('order.confirmed', meta),
        ...base,
        payment_id: state.payment_id,
      });
    } else {
      await emit('order.cancelled', { ...envelope('order.cancelled', meta), ...base, reason: output.reason });
    }
    timeline.push({ event_id: eventId, event_type: output.type, source: 'order', occurred_at: now });
  }
  await appendTimelineEntries(tx, order.order_id, timeline);
  return { found: true, statusChanged: state.status !== before.status };
}

/** Applies a payment/stock outcome to its order; unknown orders are reported, not failed. */
export async function applySagaEvent(
  tx: Tx,
  orderId: string,
  input: SagaInput | undefined,
  cause: Cause,
  now: Date,
  emit: Emit,
): Promise<StepResult> {
  const order = await findOrderForUpdate(tx, orderId);
  if (!order) return { found: false, statusChanged: false };
  if (!input) {
    // Compensation events (refunds, releases) only belong on the timeline.
    await appendTimeline(tx, orderId, cause);
    return { found: true, statusChanged: false };
  }
  return applyToLockedOrder(tx, order, input, now, emit, cause);
}
