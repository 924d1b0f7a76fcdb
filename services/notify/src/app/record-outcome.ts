// Use case: an order outcome or a confirmed payment arrived → store one notification per
// channel (idempotent per order, kind and channel). Delivery happens later, in the dispatcher,
// outside the consumer's transaction.
import { randomUUID } from 'node:crypto';
import type { Tx } from '@commerce/platform/mysql';
import { planNotifications, type ChannelName, type OutcomeFacts } from '../domain/notification.ts';
import { insertNotifications } from '../adapters/mysql/notifications-repository.ts';

export type RecordOutcomeDeps = { channels: readonly ChannelName[]; alertRecipient: string };

/** Returns how many notifications were new (0 for a repeated outcome). */
export async function recordOutcome(
  tx: Tx,
  deps: RecordOutcomeDeps,
  facts: OutcomeFacts,
  now: Date,
): Promise<number> {
  const planned = planNotifications({
    facts,
    channels: deps.channels,
    alertRecipient: deps.alertRecipient,
    now,
    newId: randomUUID,
  });
  return insertNotifications(tx, planned);
}
