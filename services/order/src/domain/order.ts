// Pure order facts: totals and the projection shape clients read.
import type { OrderCancellationReason } from '@commerce/platform/events';
import type { OrderStatus, PaymentStep, StockStep } from './saga.ts';

export type OrderLine = { sku: string; quantity: number; unit_price_cents: number };

export type Order = {
  order_id: string;
  customer_id: string;
  customer_email: string | null;
  currency: string;
  total_cents: number;
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

export function totalCents(lines: readonly OrderLine[]): number {
  return lines.reduce((sum, line) => sum + line.quantity * line.unit_price_cents, 0);
}

/** The public projection of GET /orders/:id. */
export type OrderView = {
  order_id: string;
  customer_id: string;
  status: OrderStatus;
  status_reason: OrderCancellationReason | null;
  items: OrderLine[];
  total_cents: number;
  currency: string;
  payment_id: string | null;
  created_at: string;
  updated_at: string;
};

export function toView(order: Order, items: OrderLine[]): OrderView {
  return {
    order_id: order.order_id,
    customer_id: order.customer_id,
    status: order.status,
    status_reason: order.status_reason,
    items,
    total_cents: order.total_cents,
    currency: order.currency,
    payment_id: order.payment_id,
    created_at: order.created_at.toISOString(),
    updated_at: order.updated_at.toISOString(),
  };
}
