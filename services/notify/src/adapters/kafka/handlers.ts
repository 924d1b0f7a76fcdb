// One handler per consumed topic: map the event to outcome facts and record notifications.
// They run in the consumer's transaction (after the inbox check); they never deliver.
import type { Handler, HandlerMap } from '@commerce/platform/consumer';
import { recordOutcome, type RecordOutcomeDeps } from '../../app/record-outcome.ts';

export function notifyHandlers(deps: RecordOutcomeDeps & { onRecorded: () => void }): HandlerMap {
  const onOrderConfirmed: Handler<'order.confirmed'> = async (event, { tx, now, onCommitted }) => {
    const created = await recordOutcome(
      tx,
      deps,
      {
        kind: 'ORDER_CONFIRMED',
        order_id: event.order_id,
        customer_email: event.customer_email,
        total_cents: event.total_cents,
        currency: event.currency,
      },
      now,
    );
    if (created > 0) onCommitted(deps.onRecorded);
  };
  const onOrderCancelled: Handler<'order.cancelled'> = async (event, { tx, now, onCommitted }) => {
    const created = await recordOutcome(
      tx,
      deps,
      {
        kind: 'ORDER_CANCELLED',
        order_id: event.order_id,
        customer_email: event.customer_email,
        total_cents: event.total_cents,
        currency: event.currency,
        reason: event.reason,
      },
      now,
    );
    if (created > 0) onCommitted(deps.onRecorded);
  };
  const onPaymentConfirmed: Handler<'payment.confirmed'> = async (event, { tx, now, onCommitted }) => {
    const created = await recordOutcome(
      tx,
      deps,
      {
        kind: 'PURCHASE_ALERT',
        order_id: event.order_id,
        payment_id: event.payment_id,
        amount_cents: event.amount_cents,
        currency: event.currency,
      },
      now,
    );
    if (created > 0) onCommitted(deps.onRecorded);
  };
  return {
    'order.confirmed': onOrderConfirmed,
    'order.cancelled': onOrderCancelled,
    'payment.confirmed': onPaymentConfirmed,
  };
}
