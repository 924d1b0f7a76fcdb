import { describe, expect, it } from 'vitest';
import {
  aggregateLines,
  decideOnCancel,
  decideOnConfirm,
  decideReservation,
  type StockLevel,
} from './reservation.ts';

const stock = (levels: Record<string, number>) =>
  new Map<string, StockLevel>(Object.entries(levels).map(([sku, available]) => [sku, { sku, available }]));

describe('aggregateLines', () => {
  it('sums duplicate SKUs and sorts by SKU', () => {
    expect(
      aggregateLines([
        { sku: 'B', quantity: 1 },
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 3 },
      ]),
    ).toEqual([
      { sku: 'A', quantity: 2 },
      { sku: 'B', quantity: 4 },
    ]);
  });
});

describe('decideReservation', () => {
  it('reserves when every line fits, including an exact fit', () => {
    const lines = [
      { sku: 'A', quantity: 2 },
      { sku: 'B', quantity: 10 },
    ];
    expect(decideReservation(lines, stock({ A: 2, B: 10 }))).toEqual({ kind: 'reserved', lines });
  });
  it('rejects the whole order with the short SKUs', () => {
    expect(
      decideReservation(
        [
          { sku: 'A', quantity: 1 },
          { sku: 'B', quantity: 11 },
        ],
        stock({ A: 5, B: 10 }),
      ),
    ).toEqual({ kind: 'rejected', reason: 'OUT_OF_STOCK', skus: ['B'] });
  });
  it('reports unknown SKUs before shortages', () => {
    expect(
      decideReservation(
        [
          { sku: 'A', quantity: 9 },
          { sku: 'Z', quantity: 1 },
        ],
        stock({ A: 1 }),
      ),
    ).toEqual({ kind: 'rejected', reason: 'UNKNOWN_SKU', skus: ['Z'] });
  });
});

describe('decideOnCancel / decideOnConfirm', () => {
  it('releases only a held reservation and tombstones a missing one', () => {
    expect(decideOnCancel('RESERVED')).toBe('release');
    expect(decideOnCancel(undefined)).toBe('tombstone');
    for (const status of ['SOLD', 'RELEASED', 'REJECTED', 'CANCELLED_BEFORE_RESERVE'] as const)
      expect(decideOnCancel(status)).toBe('nothing');
  });
  it('sells only a held reservation', () => {
    expect(decideOnConfirm('RESERVED')).toBe('sell');
    expect(decideOnConfirm(undefined)).toBe('nothing');
    expect(decideOnConfirm('RELEASED')).toBe('nothing');
  });
});
