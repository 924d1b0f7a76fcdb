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
  if (notifications.length === 0) return 0;
  // One multi-row statement: INSERT IGNORE's affected rows are exactly the new ones.
  const [result] = await tx.query<ResultSetHeader>(
    `INSERT IGNORE INTO notifications
       (notification_id, order_id, kind, channel, recipient, subject, body, status, attempts,
        next_attempt_at, created_at)
     VALUES ?`,
    [
      notifications.map((n) => [
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
      ]),
    ],
  );
  return result.affectedRows;
}
type NotificationRow = RowDataPacket & Notification;

/**
 * Claims up to `limit` due PENDING rows for `claimMs` under `token`, without an explicit
 * transaction (two statements instead of BEGIN, SELECT, UPDATE, COMMIT; one when nothing is
 * due). SKIP LOCKED passes over rows another instance is claiming at this moment; the UPDATE
 * re-checks every claim condition per row, so a row another instance claimed between the two
 * statements is not taken twice, and only the rows the UPDATE took are returned. Only rows of
 * `channels` (those this instance can send) are claimed.
 */
export async function claimDueNotifications(
  db: Queryable,
  options: { now: Date; limit: number; claimMs: number; token: string; channels: ChannelName[] },
): Promise<Notification[]> {
  if (options.channels.length === 0) return [];
  const [rows] = await db.query<NotificationRow[]>(
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
  const ids = rows.map((r) => r.notification_id);
  const [claimed] = await db.query<ResultSetHeader>(
    `UPDATE notifications SET claim_token = ?, claimed_until = ?
      WHERE notification_id IN (?) AND status = 'PENDING' AND next_attempt_at <= ?
        AND (claimed_until IS NULL OR claimed_until <= ?)`,
    [options.token, new Date(options.now.getTime() + options.claimMs), ids, options.now, options.now],
  );
  if (claimed.affectedRows === rows.length) return rows.map((r) => ({ ...r }));
  // Another instance claimed some of them in between: keep only the rows under our token.
  const [ours] = await db.query<(RowDataPacket & { notification_id: string })[]>(
    'SELECT notification_id FROM notifications WHERE notification_id IN (?) AND claim_token = ?',
    [ids, options.token],
  );
  const mine = new Set(ours.map((r) => r.notification_id));
  return rows.filter((r) => mine.has(r.notification_id)).map((r) => ({ ...r }));
}

/**
 * Records the deliveries of rows claimed under `token` in one statement; returns how many
 * were still ours (a row whose claim expired and was taken by another instance is not touched).
 * While we hold the claim nobody else writes the row, so attempts + 1 is the attempt just made.
 */
export async function markSentMany(pool: Pool, ids: string[], token: string, sentAt: Date): Promise<number> {
  if (ids.length === 0) return 0;
  const [result] = await pool.query<ResultSetHeader>(
    `UPDATE notifications
        SET status = 'SENT', attempts = attempts + 1, sent_at = ?, last_error = NULL, claim_token = NULL,
            claimed_until = NULL
      WHERE notification_id IN (?) AND claim_token = ? AND status = 'PENDING'`,
    [sentAt, ids, token],
  );
  return result.affectedRows;
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
