// One handler per consumed topic: translate the event into a saga input and apply it in the
// consumer's transaction (the inbox row, the state change and the outbox rows commit together).
import type { HandlerContext, HandlerMap } from '@commerce/platform/consumer';
import type { AnyEvent } from '@commerce/platform/events';
import type { SagaInput } from '../../domain/saga.ts';
import { applySagaEvent } from '../../app/apply-saga-event.ts';

async function apply(event: AnyEvent, source: string, input: SagaInput | undefined, ctx: HandlerContext) {
  const result = await applySagaEvent(
    ctx.tx,
    event.order_id,
    input,
    {
      event_id: event.event_id,
      event_type: event.event_type,
      source,
      occurred_at: new Date(event.occurred_at),
    },
    ctx.now,
    ctx.emit,
  );
  // Not an error: another environment sharing the topic, or an order this database never had.
  if (!result.found) ctx.log.warn('event for an unknown order ignored');
}

export function sagaHandlers(): HandlerMap {
  return {
    'payment.confirmed': (event, ctx) =>
      apply(event, 'payment', { type: 'payment.confirmed', payment_id: event.payment_id }, ctx),
    'payment.failed': (event, ctx) => apply(event, 'payment', { type: 'payment.failed' }, ctx),
    'payment.refunded': (event, ctx) => apply(event, 'payment', undefined, ctx),
    'stock.reserved': (event, ctx) => apply(event, 'inventory', { type: 'stock.reserved' }, ctx),
    'stock.rejected': (event, ctx) =>
      apply(event, 'inventory', { type: 'stock.rejected', reason: event.reason }, ctx),
    'stock.released': (event, ctx) => apply(event, 'inventory', undefined, ctx),
  };
}
