// Inventory's decisions, pure: which lines an order needs, whether they can all be reserved,
// and what a confirm or cancel does to a reservation.
import type { OrderItem, StockLine, StockRejectionReason } from '@commerce/platform/events';

export type ReservationStatus = 'RESERVED' | 'SOLD' | 'RELEASED' | 'REJECTED' | 'CANCELLED_BEFORE_RESERVE';
export type StockLevel = { sku: string; available: number };

/** One line per SKU (duplicate SKUs summed), sorted by SKU: the lock order that avoids deadlocks. */
export function aggregateLines(items: readonly Pick<OrderItem, 'sku' | 'quantity'>[]): StockLine[] {
  const totals = new Map<string, number>();
  for (const { sku, quantity } of items) totals.set(sku, (totals.get(sku) ?? 0) + quantity);
  return [...totals]
    .map(([sku, quantity]) => ({ sku, quantity }))
    .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

export type ReservationDecision =
  | { kind: 'reserved'; lines: StockLine[] }
  | { kind: 'rejected'; reason: StockRejectionReason; skus: string[] };

/** All or nothing: unknown SKUs win over shortages, so the order reports the harder failure. */
export function decideReservation(
  lines: StockLine[],
  stock: ReadonlyMap<string, StockLevel>,
): ReservationDecision {
  const unknown = lines.filter((line) => !stock.has(line.sku)).map((line) => line.sku);
  if (unknown.length > 0) return { kind: 'rejected', reason: 'UNKNOWN_SKU', skus: unknown };
  const short = lines
    .filter((line) => (stock.get(line.sku)?.available ?? 0) < line.quantity)
    .map((l) => l.sku);
  if (short.length > 0) return { kind: 'rejected', reason: 'OUT_OF_STOCK', skus: short };
  return { kind: 'reserved', lines };
}

/** order.cancelled: give back a held reservation; remember a cancel that came first; else nothing. */
export function decideOnCancel(status: ReservationStatus | undefined): 'release' | 'tombstone' | 'nothing' {
  if (status === undefined) return 'tombstone';
  return status === 'RESERVED' ? 'release' : 'nothing';
}

/** order.confirmed: a held reservation becomes a sale; anything else stays as it is. */
export function decideOnConfirm(status: ReservationStatus | undefined): 'sell' | 'nothing' {
  return status === 'RESERVED' ? 'sell' : 'nothing';
}
