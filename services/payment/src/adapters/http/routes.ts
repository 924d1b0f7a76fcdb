// Operator endpoint: a payment by order id (CONTRACT.md, "Operator endpoints").
import type { Hono } from 'hono';
import type { AppEnv } from '@commerce/platform/http';
import type { Pool } from '@commerce/platform/mysql';
import { AppError } from '@commerce/platform/errors';
import { findPaymentByOrder } from '../mysql/payments.ts';

export function registerPaymentRoutes(app: Hono<AppEnv>, pool: Pool): void {
  app.get('/payments/:order_id', async (c) => {
    const orderId = c.req.param('order_id');
    const payment = await findPaymentByOrder(pool, orderId);
    if (!payment) throw new AppError('NOT_FOUND', `order ${orderId} has no payment`);
    return c.json({
      order_id: payment.order_id,
      payment_id: payment.payment_id,
      status: payment.status,
      amount_cents: Number(payment.amount_cents),
      currency: payment.currency,
      reason: payment.reason,
    });
  });
}
