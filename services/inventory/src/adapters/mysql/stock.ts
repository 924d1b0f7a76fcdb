// Stock and reservation rows: one exported function per statement, plain records out.
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { StockLine } from '@commerce/platform/events';
import type { Pool, Tx } from '@commerce/platform/mysql';
import type { ReservationStatus } from '../../domain/reservation.ts';

export type StockRecord = {
  sku: string;
  name: string;
  price_cents: number;
  available: number;
  reserved: number;
  sold: number;
};
export type ReservationRecord = { order_id: string; status: ReservationStatus; items: StockLine[] };

const STOCK_COLUMNS = 'sku, name, price_cents, available, reserved, sold';

function toStock(row: RowDataPacket): StockRecord {
  return {
    sku: String(row.sku),
    name: String(row.name),
    price_cents: Number(row.price_cents),
    available: Number(row.available),
    reserved: Number(row.reserved),
    sold: Number(row.sold),
  };
}

/** Locks the given SKUs' rows; callers pass them sorted so concurrent orders lock in one order. */
export async function lockStock(tx: Tx, skus: string[]): Promise<StockRecord[]> {
  if (skus.length === 0) return [];
  const [rows] = await tx.query<RowDataPacket[]>(
    `SELECT ${STOCK_COLUMNS} FROM stock WHERE sku IN (?) ORDER BY sku FOR UPDATE`,
    [skus],
  );
  return rows.map(toStock);
}

type UnitColumn = 'available' | 'reserved' | 'sold';

/**
 * Moves each line's quantity from one count to another for all the lines in one statement
 * (one round trip per order, not per line). Lines of the same SKU are summed first: a CASE
 * applies only its first matching branch.
 */
async function moveUnits(
  tx: Tx,
  lines: readonly StockLine[],
  from: UnitColumn,
  to: UnitColumn,
): Promise<void> {
  const bySku = new Map<string, number>();
  for (const line of lines) bySku.set(line.sku, (bySku.get(line.sku) ?? 0) + line.quantity);
  if (bySku.size === 0) return;
  const cases = [...bySku].map(() => 'WHEN ? THEN ?').join(' ');
  const caseParams = [...bySku].flat();
  await tx.query(
    `UPDATE stock SET ${from} = ${from} - CASE sku ${cases} END, ${to} = ${to} + CASE sku ${cases} END
      WHERE sku IN (?)`,
    [...caseParams, ...caseParams, [...bySku.keys()]],
  );
}

/** available → reserved for every line. */
export async function reserveUnits(tx: Tx, lines: readonly StockLine[]): Promise<void> {
  await moveUnits(tx, lines, 'available', 'reserved');
}

/** reserved → available for every line (compensation). */
export async function releaseUnits(tx: Tx, lines: readonly StockLine[]): Promise<void> {
  await moveUnits(tx, lines, 'reserved', 'available');
}

/** reserved → sold for every line. */
export async function sellUnits(tx: Tx, lines: readonly StockLine[]): Promise<void> {
  await moveUnits(tx, lines, 'reserved', 'sold');
}

export async function listStock(pool: Pool): Promise<StockRecord[]> {
  const [rows] = await pool.query<RowDataPacket[]>(`SELECT ${STOCK_COLUMNS} FROM stock ORDER BY sku`);
  return rows.map(toStock);
}

export async function findStock(db: Pool | Tx, sku: string): Promise<StockRecord | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(`SELECT ${STOCK_COLUMNS} FROM stock WHERE sku = ?`, [sku]);
  const row = rows[0];
  return row ? toStock(row) : undefined;
}

/** Creates the SKU or sets its available units (and name/price when given); reserved and sold stay. */
export async function upsertStock(
  tx: Tx,
  input: { sku: string; available: number; name: string | null; price_cents: number | null },
): Promise<void> {
  await tx.query(
    `INSERT INTO stock (sku, name, price_cents, available) VALUES (?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE available = VALUES(available),
       name = COALESCE(?, name), price_cents = COALESCE(?, price_cents)`,
    [
      input.sku,
      input.name ?? input.sku,
      input.price_cents ?? 0,
      input.available,
      input.name,
      input.price_cents,
    ],
  );
}

/** Inserts the demo SKUs that do not exist yet; a restart never resets counts. */
export async function seedStock(
  pool: Pool,
  items: readonly { sku: string; name: string; price_cents: number }[],
  units: number,
): Promise<number> {
  if (items.length === 0) return 0;
  const [result] = await pool.query<ResultSetHeader>(
    'INSERT IGNORE INTO stock (sku, name, price_cents, available) VALUES ?',
    [items.map((item) => [item.sku, item.name, item.price_cents, units])],
  );
  return result.affectedRows;
}

/** Locks the order's reservation row, or its gap when there is none (serialises created vs cancelled). */
export async function lockReservation(tx: Tx, orderId: string): Promise<ReservationRecord | undefined> {
  const [rows] = await tx.query<RowDataPacket[]>(
    'SELECT order_id, status, items FROM reservations WHERE order_id = ? FOR UPDATE',
    [orderId],
  );
  const row = rows[0];
  if (!row) return undefined;
  // mysql2 returns JSON columns parsed on MySQL, as text on MariaDB (JSON is LONGTEXT there).
  const items = (typeof row.items === 'string' ? JSON.parse(row.items) : row.items) as StockLine[];
  return { order_id: String(row.order_id), status: row.status as ReservationStatus, items };
}

/**
 * Claims the order's reservation row; false when the order already has one (a duplicate, or
 * the other of created/cancelled came first). Claiming by insert, rather than a locking read
 * of a missing row, avoids gap locks that make concurrent orders deadlock each other.
 */
export async function claimReservation(tx: Tx, reservation: ReservationRecord, now: Date): Promise<boolean> {
  const [result] = await tx.query<ResultSetHeader>(
    'INSERT IGNORE INTO reservations (order_id, status, items, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
    [reservation.order_id, reservation.status, JSON.stringify(reservation.items), now, now],
  );
  return result.affectedRows === 1;
}

export async function setReservationStatus(
  tx: Tx,
  orderId: string,
  status: ReservationStatus,
  now: Date,
): Promise<void> {
  await tx.query('UPDATE reservations SET status = ?, updated_at = ? WHERE order_id = ?', [
    status,
    now,
    orderId,
  ]);
}
