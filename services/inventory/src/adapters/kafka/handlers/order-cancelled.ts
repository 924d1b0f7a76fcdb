// order.cancelled → compensation: give a held reservation back once; if the cancel overtook
// the order.created, leave a tombstone so that order.created reserves nothing.
import { randomUUID } from 'node:crypto';
import type { Handler } from '@commerce/platform/consumer';
import { envelope } from '@commerce/platform/envelope';
import { decideOnCancel } from '../../../domain/reservation.ts';
import { claimReservation, lockReservation, releaseUnits, setReservationStatus } from '../../mysql/stock.ts';

export const onOrderCancelled: Handler<'order.cancelled'> = async (event, { tx, now, log, emit }) => {
  const tombstone = { order_id: event.order_id, status: 'CANCELLED_BEFORE_RESERVE' as const, items: [] };
  if (await claimReservation(tx, tombstone, now)) {
    log.info('cancel arrived before order.created; recorded so nothing is reserved later');
    return;
  }
  const reservation = await lockReservation(tx, event.order_id);
  if (decideOnCancel(reservation?.status) !== 'release' || !reservation) return;
  await releaseUnits(tx, reservation.items);
  await setReservationStatus(tx, event.order_id, 'RELEASED', now);
  await emit('stock.released', {
    ...envelope('stock.released', {
      eventId: randomUUID(),
      occurredAt: now,
      orderId: event.order_id,
      correlationId: event.correlation_id,
    }),
    items: reservation.items,
  });
};
