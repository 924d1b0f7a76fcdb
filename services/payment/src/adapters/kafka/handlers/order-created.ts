// order.created → charge once per order, store the payment and emit its outcome in the same
// transaction. The order's row (UNIQUE order_id) is the idempotency key: a second
// order.created for the same order, even with a new event_id, finds it and does nothing, and
// so does one for an order whose cancel came first (tombstone row).
import { randomUUID } from 'node:crypto';
import type { Handler } from '@commerce/platform/consumer';
import { envelope } from '@commerce/platform/envelope';
import { AppError } from '@commerce/platform/errors';
import type { PaymentGateway } from '../../../domain/payment-gateway.ts';
import { claimPayment } from '../../mysql/payments.ts';

export function createOnOrderCreated(gateway: PaymentGateway): Handler<'order.created'> {
  return async (event, { tx, now, log, emit }) => {
    if (!Number.isSafeInteger(event.total_cents) || event.total_cents < 0)
      throw new AppError('INVALID_EVENT', `total_cents ${event.total_cents} is not a non-negative integer`);
    // The simulator is pure and deterministic per order, so asking before the claim is safe.
    // A real provider would need a PENDING row claimed first and order_id as its idempotency key.
    const result = await gateway.charge({
      orderId: event.order_id,
      amountCents: event.total_cents,
      currency: event.currency,
      token: event.payment_token,
    });
    const paymentId = randomUUID();
    const claimed = await claimPayment(
      tx,
      {
        payment_id: paymentId,
        order_id: event.order_id,
        amount_cents: event.total_cents,
        currency: event.currency,
        status: result.approved ? 'CONFIRMED' : 'FAILED',
        reason: result.approved ? null : result.reason,
      },
      now,
    );
    if (!claimed) {
      // Either already charged, or cancelled before the charge: then we emit nothing, as the
      // order service has already settled the order as CANCELLED.
      log.info('order already has a payment or was cancelled before charging; nothing to do');
      return;
    }
    const head = {
      eventId: randomUUID(),
      occurredAt: now,
      orderId: event.order_id,
      correlationId: event.correlation_id,
    };
    const money = { payment_id: paymentId, amount_cents: event.total_cents, currency: event.currency };
    if (result.approved) {
      await emit('payment.confirmed', { ...envelope('payment.confirmed', head), ...money });
    } else {
      await emit('payment.failed', { ...envelope('payment.failed', head), ...money, reason: result.reason });
    }
  };
}
