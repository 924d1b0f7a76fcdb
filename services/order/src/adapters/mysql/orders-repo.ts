// Statements on the order tables: one function per statement, plain records in and out.
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Pool, Tx } from '@commerce/platform/mysql';
import type { OrderCancellationReason } from '@commerce/platform/events';
import type { Order, OrderLine } from '../../domain/order.ts';
import type { OrderStatus, PaymentStep, StockStep } from '../../domain/saga.ts';

type Db = Pool | Tx;

type OrderRow = RowDataPacket & {
  order_id: string;
  customer_id: string;
  customer_email: string | null;
  currency: string;
  total_cents: number | string;
  status: OrderStatus;
  status_reason: OrderCancellationReason | null;
  payment_status: PaymentStep;
  stock_status: StockStep;
  payment_id: string | null;
  payment_method: string | null;
  correlation_id: string;
  deadline_at: Date;
  created_at: Date;
  updated_at: Date;
};

function toOrder(row: OrderRow): Order {
  return { ...row, total_cents: Number(row.total_cents) };
}

export async function insertOrder(tx: Tx, order: Order, items: readonly OrderLine[]): Promise<void> {
  await insertOrders(tx, [{ order, items }]);
}

/** Inserts orders and their lines: one multi-row statement per table, whatever the count. */
export async function insertOrders(
  tx: Tx,
  entries: readonly { order: Order; items: readonly OrderLine[] }[],
): Promise<void> {
  if (entries.length === 0) return;
  await tx.query(
    `INSERT INTO orders (order_id, customer_id, customer_email, currency, total_cents, status, status_reason,
       payment_status, stock_status, payment_id, payment_method, correlation_id, deadline_at, created_at, updated_at)
     VALUES ?`,
    [
      entries.map(({ order }) => [
        order.order_id,
        order.customer_id,
        order.customer_email,
        order.currency,
        order.total_cents,
        order.status,
        order.status_reason,
        order.payment_status,
        order.stock_status,
        order.payment_id,
        order.payment_method,
        order.correlation_id,
        order.deadline_at,
        order.created_at,
        order.updated_at,
      ]),
    ],
  );
  await tx.query('INSERT INTO order_items (order_id, line_no, sku, quantity, unit_price_cents) VALUES ?', [
    entries.flatMap(({ order, items }) =>
      items.map((line, index) => [order.order_id, index + 1, line.sku, line.quantity, line.unit_price_cents]),
    ),
  ]);
}

export async function findOrder(db: Db, orderId: string): Promise<Order | undefined> {
  const [rows] = await db.query<OrderRow[]>('SELECT * FROM orders WHERE order_id = ?', [orderId]);
  return rows[0] ? toOrder(rows[0]) : undefined;
}

/** Locks the order row for the rest of the transaction (saga steps of one order serialise). */
export async function findOrderForUpdate(tx: Tx, orderId: string): Promise<Order | undefined> {
  const [rows] = await tx.query<OrderRow[]>('SELECT * FROM orders WHERE order_id = ? FOR UPDATE', [orderId]);
  return rows[0] ? toOrder(rows[0]) : undefined;
}

export async function findItems(db: Db, orderId: string): Promise<OrderLine[]> {
  const [rows] = await db.query<(RowDataPacket & OrderLine)[]>(
    'SELECT sku, quantity, unit_price_cents FROM order_items WHERE order_id = ? ORDER BY line_no',
    [orderId],
  );
  return rows.map((row) => ({
    sku: row.sku,
    quantity: Number(row.quantity),
    unit_price_cents: Number(row.unit_price_cents),
  }));
}

export async function saveSagaState(
  tx: Tx,
  orderId: string,
  state: {
    status: OrderStatus;
    status_reason: OrderCancellationReason | null;
    payment_status: PaymentStep;
    stock_status: StockStep;
    payment_id: string | null;
  },
  now: Date,
): Promise<void> {
  await tx.query(
    `UPDATE orders SET status = ?, status_reason = ?, payment_status = ?, stock_status = ?, payment_id = ?,
       updated_at = ? WHERE order_id = ?`,
    [
      state.status,
      state.status_reason,
      state.payment_status,
      state.stock_status,
      state.payment_id,
      now,
      orderId,
    ],
  );
}

/** PENDING orders past their deadline, skipping rows another sweeper or handler holds. */
export async function lockExpiredOrders(tx: Tx, now: Date, limit: number): Promise<Order[]> {
  const [rows] = await tx.query<OrderRow[]>(
    `SELECT * FROM orders WHERE status = 'PENDING' AND deadline_at < ?
     ORDER BY deadline_at LIMIT ? FOR UPDATE SKIP LOCKED`,
    [now, limit],
  );
  return rows.map(toOrder);
}

export type TimelineEntry = {
  event_id: string;
  event_type: string;
  source: string;
  occurred_at: Date;
};

export async function appendTimeline(tx: Tx, orderId: string, entry: TimelineEntry): Promise<void> {
  await appendTimelineEntries(tx, orderId, [entry]);
}

/** Appends entries in one statement; they get ids (the timeline's tie-break) in the given order. */
export async function appendTimelineEntries(
  tx: Tx,
  orderId: string,
  entries: readonly TimelineEntry[],
): Promise<void> {
  await appendTimelines(
    tx,
    entries.map((entry) => ({ orderId, entry })),
  );
}

/** Appends timeline entries of any orders in one statement, ids in the given order. */
export async function appendTimelines(
  tx: Tx,
  rows: readonly { orderId: string; entry: TimelineEntry }[],
): Promise<void> {
  if (rows.length === 0) return;
  // IGNORE: the inbox already stops redeliveries; this only guards a re-sent event_id.
  await tx.query<ResultSetHeader>(
    'INSERT IGNORE INTO order_events (order_id, event_id, event_type, source, occurred_at) VALUES ?',
    [
      rows.map(({ orderId, entry }) => [
        orderId,
        entry.event_id,
        entry.event_type,
        entry.source,
        entry.occurred_at,
      ]),
    ],
  );
}

export async function listTimeline(db: Db, orderId: string): Promise<TimelineEntry[]> {
  const [rows] = await db.query<(RowDataPacket & TimelineEntry)[]>(
    'SELECT event_id, event_type, source, occurred_at FROM order_events WHERE order_id = ? ORDER BY occurred_at, id',
    [orderId],
  );
  return rows.map((row) => ({ ...row }));
}

export type ListFilter = {
  customer_id?: string;
  status?: OrderStatus;
  limit: number;
  after?: { created_at: Date; order_id: string };
};

/** Newest first; keyset pagination on (created_at, order_id). Returns one extra row to tell if there is a next page. */
export async function listOrders(db: Db, filter: ListFilter): Promise<Order[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.customer_id !== undefined) {
    where.push('customer_id = ?');
    params.push(filter.customer_id);
  }
  if (filter.status !== undefined) {
    where.push('status = ?');
    params.push(filter.status);
  }
  if (filter.after) {
    where.push('(created_at < ? OR (created_at = ? AND order_id < ?))');
    params.push(filter.after.created_at, filter.after.created_at, filter.after.order_id);
  }
  const sql = `SELECT * FROM orders ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY created_at DESC, order_id DESC LIMIT ?`;
  params.push(filter.limit + 1);
  const [rows] = await db.query<OrderRow[]>(sql, params);
  return rows.map(toOrder);
}

export type IdempotencyRecord = {
  request_hash: string;
  order_id: string;
  response: string;
  expires_at: Date;
};

export async function findIdempotencyKey(db: Db, key: string): Promise<IdempotencyRecord | undefined> {
  const [rows] = await db.query<(RowDataPacket & IdempotencyRecord)[]>(
    'SELECT request_hash, order_id, response, expires_at FROM idempotency_keys WHERE idempotency_key = ?',
    [key],
  );
  return rows[0] ? { ...rows[0] } : undefined;
}

export async function insertIdempotencyKey(tx: Tx, key: string, record: IdempotencyRecord): Promise<void> {
  await tx.query(
    'INSERT INTO idempotency_keys (idempotency_key, request_hash, order_id, response, expires_at) VALUES (?, ?, ?, ?, ?)',
    [key, record.request_hash, record.order_id, record.response, record.expires_at],
  );
}

export async function deleteExpiredIdempotencyKey(db: Db, key: string, now: Date): Promise<void> {
  await db.query('DELETE FROM idempotency_keys WHERE idempotency_key = ? AND expires_at <= ?', [key, now]);
}
