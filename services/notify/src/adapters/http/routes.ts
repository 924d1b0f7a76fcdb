// Operator endpoints: list an order's notifications, re-queue a FAILED one.
import type { Hono } from 'hono';
import type { AppEnv } from '@commerce/platform/http';
import type { Pool } from '@commerce/platform/mysql';
import { AppError } from '@commerce/platform/errors';
import { listNotificationsByOrder } from '../mysql/notifications-repository.ts';
import { retryNotification } from '../../app/retry-notification.ts';

export function registerNotificationRoutes(
  app: Hono<AppEnv>,
  deps: { pool: Pool; onRequeued: () => void },
): void {
  app.get('/notifications', async (c) => {
    const orderId = c.req.query('order_id')?.trim();
    if (!orderId)
      throw new AppError('VALIDATION_FAILED', 'order_id is required', {
        fields: [{ field: 'order_id', message: 'required query parameter' }],
      });
    if (orderId.length > 64)
      throw new AppError('VALIDATION_FAILED', 'order_id is too long', {
        fields: [{ field: 'order_id', message: 'at most 64 characters' }],
      });
    return c.json({ items: await listNotificationsByOrder(deps.pool, orderId) });
  });

  app.post('/notifications/:id/retry', async (c) => {
    const notification = await retryNotification(deps.pool, c.req.param('id'), new Date());
    deps.onRequeued();
    return c.json(notification);
  });
}
