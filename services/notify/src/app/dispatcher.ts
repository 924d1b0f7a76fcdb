// Delivers stored notifications outside any consumer transaction. Keeps up to `concurrency`
// sends in flight; claims more as slots free, when woken (new rows) and every `pollMs`.
// A slow or failing receiver only occupies its own slots, never the consumer or the others.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Pool } from '@commerce/platform/mysql';
import { errorMessage } from '@commerce/platform/errors';
import { afterFailure, type ChannelName, type Notification } from '../domain/notification.ts';
import type { Channel } from '../adapters/channels/channel.ts';
import {
  claimDueNotifications,
  markAttemptFailed,
  markSentMany,
} from '../adapters/mysql/notifications-repository.ts';

export type DispatcherOptions = {
  pool: Pool;
  channels: Partial<Record<ChannelName, Channel>>;
  log: Logger;
  maxAttempts: number;
  retryBaseMs: number;
  pollMs?: number;
  concurrency?: number;
  /** How long a claim holds; longer than any channel's own timeout. */
  claimMs?: number;
};

export type Dispatcher = { start: () => void; wake: () => void; stop: () => Promise<void> };

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { pool, log } = options;
  const pollMs = options.pollMs ?? 200;
  const concurrency = options.concurrency ?? 8;
  const claimMs = options.claimMs ?? 60_000;
  const channelNames = Object.keys(options.channels) as ChannelName[];
  const inFlight = new Set<Promise<void>>();
  let running = false;
  let loop: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;
  let woken = false;

  const wake = () => {
    woken = true;
    wakeUp?.();
  };

  async function deliver(n: Notification, token: string): Promise<void> {
    const channel = options.channels[n.channel];
    try {
      if (!channel) throw new Error(`channel ${n.channel} is not configured`); // not claimed: see channelNames
      await channel.send(n);
    } catch (error) {
      const outcome = afterFailure({
        attemptsBefore: n.attempts,
        maxAttempts: options.maxAttempts,
        baseDelayMs: options.retryBaseMs,
        now: new Date(),
        random: Math.random(),
      });
      const next = outcome.status === 'PENDING' ? outcome.next_attempt_at : null;
      log.warn(
        { err: error, notification_id: n.notification_id, order_id: n.order_id, attempts: outcome.attempts },
        next ? 'notification delivery failed; will retry' : 'notification delivery failed for good',
      );
      await markAttemptFailed(pool, n.notification_id, token, {
        attempts: outcome.attempts,
        error: errorMessage(error),
        nextAttemptAt: next,
      });
      return;
    }
    await recordSent(n, token);
  }

  // Deliveries are recorded in batches: the first finished one is written at once, and those
  // finishing while that UPDATE is in flight share the next one (one statement per claim
  // token). A delivery's slot stays taken until its row is recorded, as before.
  type SentMark = { n: Notification; token: string; done: () => void; fail: (error: unknown) => void };
  let sentQueue: SentMark[] = [];
  let flushingSent = false;

  function recordSent(n: Notification, token: string): Promise<void> {
    return new Promise((done, fail) => {
      sentQueue.push({ n, token, done, fail });
      if (!flushingSent) void flushSent();
    });
  }

  async function flushSent(): Promise<void> {
    flushingSent = true;
    try {
      while (sentQueue.length > 0) {
        const batch = sentQueue;
        sentQueue = [];
        const byToken = new Map<string, SentMark[]>();
        for (const mark of batch) byToken.set(mark.token, [...(byToken.get(mark.token) ?? []), mark]);
        for (const [token, marks] of byToken) {
          const ids = marks.map((mark) => mark.n.notification_id);
          try {
            const recorded = await markSentMany(pool, ids, token, new Date());
            if (recorded < ids.length)
              log.warn({ notification_ids: ids, lost: ids.length - recorded }, 'sent after losing the claim');
            for (const mark of marks) mark.done();
          } catch (error) {
            for (const mark of marks) mark.fail(error);
          }
        }
      }
    } finally {
      flushingSent = false;
    }
  }

  async function fill(): Promise<void> {
    const free = concurrency - inFlight.size;
    if (free <= 0) return;
    const token = randomUUID();
    const claimed = await claimDueNotifications(pool, {
      now: new Date(),
      limit: free,
      claimMs,
      token,
      channels: channelNames,
    });
    for (const n of claimed) {
      const sending: Promise<void> = deliver(n, token)
        .catch((error: unknown) =>
          // The row stays claimed until claimed_until passes, then is retried.
          log.error({ err: error, notification_id: n.notification_id }, 'could not record delivery'),
        )
        .finally(() => {
          inFlight.delete(sending);
          wake();
        });
      inFlight.add(sending);
    }
  }

  async function run(): Promise<void> {
    while (running) {
      woken = false;
      try {
        await fill();
      } catch (error) {
        log.error({ err: error }, 'claiming notifications failed');
      }
      if (!running) break;
      if (woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = undefined;
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    wake,
    async stop() {
      running = false;
      wakeUp?.();
      await loop;
      await Promise.allSettled([...inFlight]);
    },
  };
}
