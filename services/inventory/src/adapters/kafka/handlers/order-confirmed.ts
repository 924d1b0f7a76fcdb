// order.confirmed → the held units become sold. Nothing is emitted: no topic carries sales.
import type { Handler } from '@commerce/platform/consumer';
import { decideOnConfirm } from '../../../domain/reservation.ts';
import { lockReservation, sellUnits, setReservationStatus } from '../../mysql/stock.ts';

export const onOrderConfirmed: Handler<'order.confirmed'> = async (event, { tx, now, log }) => {
  const reservation = await lockReservation(tx, event.order_id);
  if (decideOnConfirm(reservation?.status) === 'nothing' || !reservation) {
    log.warn(
      { status: reservation?.status ?? null },
      'order.confirmed without a held reservation; nothing to sell',
    );
    return;
  }
  await sellUnits(tx, reservation.items);
  await setReservationStatus(tx, event.order_id, 'SOLD', now);
};
