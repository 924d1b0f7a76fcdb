// Payment rows: one exported function per statement, plain records out.
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Pool, Tx } from '@commerce/platform/mysql';
import type { StoredPaymentStatus } from '../../domain/charge-rules.ts';

export type PaymentRecord = {
  payment_id: string;
  order_id: string;
  amount_cents: number;
  currency: string;
  status: StoredPaymentStatus;
  reason: string | null;
};

const COLUMNS = 'payment_id, order_id, amount_cents, currency, status, reason';

/** Locks the order's existing payment row. */
export async function lockPaymentByOrder(tx: Tx, orderId: string): Promise<PaymentRecord | undefined> {
  const [rows] = await tx.query<RowDataPacket[]>(
    `SELECT ${COLUMNS} FROM payments WHERE order_id = ? FOR UPDATE`,
    [orderId],
  );
  return rows[0] as PaymentRecord | undefined;
}

/** A payment as operators see it: tombstones of orders cancelled before any charge are not payments. */
export async function findPaymentByOrder(pool: Pool, orderId: string): Promise<PaymentRecord | undefined> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT ${COLUMNS} FROM payments WHERE order_id = ? AND status <> 'CANCELLED_BEFORE_CHARGE'`,
    [orderId],
  );
  return rows[0] as PaymentRecord | undefined;
}

/**
 * Inserts the order's row unless it has one; false when it already had one (a duplicate
 * order.created, or the cancel tombstone). Claiming by insert, rather than a locking read of
 * a missing row, avoids gap locks that make concurrent orders deadlock each other.
 */
export async function claimPayment(tx: Tx, payment: PaymentRecord, now: Date): Promise<boolean> {
  const [result] = await tx.query<ResultSetHeader>(
    `INSERT IGNORE INTO payments (${COLUMNS}, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      payment.payment_id,
      payment.order_id,
      payment.amount_cents,
      payment.currency,
      payment.status,
      payment.reason,
      now,
      now,
    ],
  );
  return result.affectedRows === 1;
}

export async function markRefunded(tx: Tx, paymentId: string, now: Date): Promise<void> {
  await tx.query("UPDATE payments SET status = 'REFUNDED', updated_at = ? WHERE payment_id = ?", [
    now,
    paymentId,
  ]);
}
