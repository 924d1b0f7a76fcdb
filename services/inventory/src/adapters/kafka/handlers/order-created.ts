// order.created → reserve every line or none, in the handler's transaction. SKU rows are
// locked in sorted order so concurrent orders queue instead of deadlocking, and the checks
// run on the locked counts, so concurrent orders never oversell.
import { randomUUID } from 'node:crypto';
import type { Handler } from '@commerce/platform/consumer';
import { envelope } from '@commerce/platform/envelope';
import { AppError } from '@commerce/platform/errors';
import { aggregateLines, decideReservation, type StockLevel } from '../../../domain/reservation.ts';
import { claimReservation, lockStock, reserveUnits } from '../../mysql/stock.ts';

export const onOrderCreated: Handler<'order.created'> = async (event, { tx, now, log, emit }) => {
  if (event.items.length === 0) throw new AppError('INVALID_EVENT', 'order.created has no items');
  const bad = event.items.find((item) => !Number.isSafeInteger(item.quantity) || item.quantity <= 0);
  if (bad)
    throw new AppError('INVALID_EVENT', `quantity ${bad.quantity} of ${bad.sku} is not a positive integer`);

  const lines = aggregateLines(event.items);
  const locked = await lockStock(
    tx,
    lines.map((line) => line.sku),
  );
  const stock = new Map<string, StockLevel>(locked.map((row) => [row.sku, row]));
  const decision = decideReservation(lines, stock);
  const claimed = await claimReservation(
    tx,
    {
      order_id: event.order_id,
      status: decision.kind === 'reserved' ? 'RESERVED' : 'REJECTED',
      items: lines,
    },
    now,
  );
  if (!claimed) {
    log.info('order already decided or cancelled before reservation; nothing to do');
    return;
  }
  const head = {
    eventId: randomUUID(),
    occurredAt: now,
    orderId: event.order_id,
    correlationId: event.correlation_id,
  };
  if (decision.kind === 'reserved') {
    await reserveUnits(tx, decision.lines);
    await emit('stock.reserved', { ...envelope('stock.reserved', head), items: decision.lines });
  } else {
    await emit('stock.rejected', {
      ...envelope('stock.rejected', head),
      reason: decision.reason,
      skus: decision.skus,
    });
  }
};
