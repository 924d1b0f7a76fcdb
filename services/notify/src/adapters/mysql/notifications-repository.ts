// The notifications table: one exported function per statement, plain records out.
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Pool, Tx } from '@commerce/platform/mysql';
import type {
  ChannelName,
  Notification,
  NotificationKind,
  NotificationStatus,
} from '../../domain/notification.ts';

type Queryable = Pool | Tx;

/** A row as the HTTP API lists it. */
export type NotificationView = {
  notification_id: string;
  order_id: string;
  kind: NotificationKind;
  channel: ChannelName;
  recipient: string | null;
  status: NotificationStatus;
  attempts: number;
  sent_at: string | null;
  last_error: string | null;
};

/** Inserts each notification unless its (order_id, kind, channel) exists; returns how many were new. */
export async function insertNotifications(tx: Queryable, notifications: Notification[]): Promise<number> {
  let inserted = 0;
  for (const n of notifications) {
    const [result] = await tx.query<ResultSetHeader>(
      `INSERT IGNORE INTO notifications
         (notification_id, order_id, kind, channel, recipient, subject, body, status, attempts,
          next_attempt_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        n.notification_id,
        n.order_id,
        n.kind,
        n.channel,
        n.recipient,
        n.subject,
        n.body,
        n.status,
        n.attempts,
        n.next_attempt_at,
        n.created_at,
      ],
    );
    inserted += result.affectedRows;
  }
  return inserted;
}

type NotificationRow = RowDataPacket & Notification;

/**
 * Claims up to `limit` due PENDING rows for `claimMs` under `token`. SKIP LOCKED lets several
 * instances claim at once without waiting for, or taking, each other's rows. Only rows of
 * `channels` (those this instance can send) are claimed.
 */
export async function claimDueNotifications(
  tx: Tx,
  options: { now: Date; limit: number; claimMs: number; token: string; channels: ChannelName[] },
): Promise<Notification[]> {
  if (options.channels.length === 0) return [];
  const [rows] = await tx.query<NotificationRow[]>(
    `SELECT notification_id, order_id, kind, channel, recipient, subject, body, status, attempts,
            next_attempt_at, created_at
       FROM notifications
      WHERE status = 'PENDING' AND next_attempt_at <= ?
        AND (claimed_until IS NULL OR claimed_until <= ?)
        AND channel IN (?)
      ORDER BY next_attempt_at
      LIMIT ?
      FOR UPDATE SKIP LOCKED`,
    [options.now, options.now, options.channels, options.limit],
  );
  if (rows.length === 0) return [];
  await tx.query(`UPDATE notifications SET claim_token = ?, claimed_until = ? WHERE notification_id IN (?)`, [
    options.token,
    new Date(options.now.getTime() + options.claimMs),
    rows.map((r) => r.notification_id),
  ]);
  return rows.map((r) => ({ ...r }));
}

/** Records a delivery; false when the claim was lost (another instance took the row). */
export async function markSent(
  pool: Pool,
  id: string,
  token: string,
  attempts: number,
  sentAt: Date,
): Promise<boolean> {
  const [result] = await pool.query<ResultSetHeader>(
    `UPDATE notifications
        SET status = 'SENT', attempts = ?, sent_at = ?, last_error = NULL, claim_token = NULL, claimed_until = NULL
      WHERE notification_id = ? AND claim_token = ? AND status = 'PENDING'`,
    [attempts, sentAt, id, token],
  );
  return result.affectedRows === 1;
}

/** Records a failed attempt: back to PENDING at `nextAttemptAt`, or FAILED when it is null. */
export async function markAttemptFailed(
  pool: Pool,
  id: string,
  token: string,
  outcome: { attempts: number; error: string; nextAttemptAt: Date | null },
): Promise<boolean> {
  const [result] = await pool.query<ResultSetHeader>(
    `UPDATE notifications
        SET status = IF(? IS NULL, 'FAILED', 'PENDING'), attempts = ?, last_error = ?,
            next_attempt_at = COALESCE(?, next_attempt_at), claim_token = NULL, claimed_until = NULL
      WHERE notification_id = ? AND claim_token = ? AND status = 'PENDING'`,
    [outcome.nextAttemptAt, outcome.attempts, outcome.error.slice(0, 1000), outcome.nextAttemptAt, id, token],
  );
  return result.affectedRows === 1;
}

const VIEW_COLUMNS = `notification_id, order_id, kind, channel, recipient, status, attempts, sent_at, last_error`;

type ViewRow = RowDataPacket & Omit<NotificationView, 'sent_at'> & { sent_at: Date | null };

function toView(row: ViewRow): NotificationView {
  return {
    notification_id: row.notification_id,
    order_id: row.order_id,
    kind: row.kind,
    channel: row.channel,
    recipient: row.recipient,
    status: row.status,
    attempts: row.attempts,
    sent_at: row.sent_at ? row.sent_at.toISOString() : null,
    last_error: row.last_error,
  };
}

export async function listNotificationsByOrder(pool: Pool, orderId: string): Promise<NotificationView[]> {
  const [rows] = await pool.query<ViewRow[]>(
    `SELECT ${VIEW_COLUMNS} FROM notifications WHERE order_id = ? ORDER BY created_at, kind, channel`,
    [orderId],
  );
  return rows.map(toView);
}

export async function findNotification(tx: Queryable, id: string): Promise<NotificationView | undefined> {
  const [rows] = await tx.query<ViewRow[]>(
    `SELECT ${VIEW_COLUMNS} FROM notifications WHERE notification_id = ?`,
    [id],
  );
  const row = rows[0];
  return row ? toView(row) : undefined;
}

/** FAILED → PENDING with a fresh attempt budget, due now; false when the row is not FAILED. */
export async function resetFailedNotification(tx: Queryable, id: string, now: Date): Promise<boolean> {
  const [result] = await tx.query<ResultSetHeader>(
    `UPDATE notifications
        SET status = 'PENDING', attempts = 0, next_attempt_at = ?, claim_token = NULL, claimed_until = NULL
      WHERE notification_id = ? AND status = 'FAILED'`,
    [now, id],
  );
  return result.affectedRows === 1;
}
