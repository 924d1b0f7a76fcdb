// order.cancelled → compensation: refund a confirmed charge exactly once; remember a cancel
// that overtook its order.created so that order is never charged.
import { randomUUID } from 'node:crypto';
import type { Handler } from '@commerce/platform/consumer';
import { envelope } from '@commerce/platform/envelope';
import { decideCancellation } from '../../../domain/charge-rules.ts';
import { claimPayment, lockPaymentByOrder, markRefunded } from '../../mysql/payments.ts';

export const onOrderCancelled: Handler<'order.cancelled'> = async (event, { tx, now, log, emit }) => {
  // Claim the order's row with a tombstone first (decideCancellation(undefined)): if it goes
  // in, there was no charge and the UNIQUE order_id keeps any later order.created out.
  const tombstone = {
    payment_id: randomUUID(),
    order_id: event.order_id,
    amount_cents: event.total_cents,
    currency: event.currency,
    status: 'CANCELLED_BEFORE_CHARGE' as const,
    reason: null,
  };
  if (await claimPayment(tx, tombstone, now)) {
    log.info('cancel arrived before any charge; recorded so the order is never charged');
    return;
  }
  const payment = await lockPaymentByOrder(tx, event.order_id);
  if (!payment || decideCancellation(payment.status) !== 'refund') return;
  await markRefunded(tx, payment.payment_id, now);
  await emit('payment.refunded', {
    ...envelope('payment.refunded', {
      eventId: randomUUID(),
      occurredAt: now,
      orderId: event.order_id,
      correlationId: event.correlation_id,
    }),
    payment_id: payment.payment_id,
    amount_cents: payment.amount_cents,
    currency: payment.currency,
  });
};
