// Use case: an operator re-queues a FAILED notification with a fresh attempt budget.
import type { Pool } from '@commerce/platform/mysql';
import { withTransaction } from '@commerce/platform/mysql';
import { AppError } from '@commerce/platform/errors';
import {
  findNotification,
  resetFailedNotification,
  type NotificationView,
} from '../adapters/mysql/notifications-repository.ts';

export async function retryNotification(pool: Pool, id: string, now: Date): Promise<NotificationView> {
  return withTransaction(pool, async (tx) => {
    const reset = await resetFailedNotification(tx, id, now);
    const current = await findNotification(tx, id);
    if (!current) throw new AppError('NOT_FOUND', `notification ${id} not found`);
    if (!reset)
      throw new AppError('CONFLICT', `notification ${id} is ${current.status}; only FAILED can be retried`);
    return current;
  });
}
