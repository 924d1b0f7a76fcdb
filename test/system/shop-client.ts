// A small HTTP client of the public API (CONTRACT.md), for the system tests, chaos runs and
// the demo: place checkouts, read orders and timelines, and the operators' views of the
// other services.
import { randomUUID } from 'node:crypto';

export type CheckoutItem = { sku: string; quantity: number; unit_price_cents: number };
export type CheckoutBody = {
  customer_id: string;
  customer_email?: string;
  currency: string;
  items: CheckoutItem[];
  payment?: { method: string; token: string };
};
export type OrderView = {
  order_id: string;
  customer_id: string;
  status: 'PENDING' | 'CONFIRMED' | 'CANCELLED';
  status_reason: string | null;
  items: CheckoutItem[];
  total_cents: number;
  currency: string;
  payment_id: string | null;
  created_at: string;
  updated_at: string;
};
export type TimelineEntry = { event_id: string; event_type: string; source: string; occurred_at: string };
export type StockView = {
  sku: string;
  name: string;
  price_cents: number;
  available: number;
  reserved: number;
  sold: number;
};
export type PaymentView = {
  order_id: string;
  payment_id: string;
  status: string;
  amount_cents: number;
  reason: string | null;
};
export type NotificationView = {
  notification_id: string;
  kind: string;
  channel: string;
  recipient: string | null;
  status: string;
};

export type Urls = { order: string; payment: string; inventory: string; notify: string };

async function json<T>(response: Response, what: string): Promise<T> {
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** A checkout body for one line; the scenarios differ only in what they buy and how they pay. */
export function checkoutBody(overrides: Partial<CheckoutBody> = {}): CheckoutBody {
  return {
    customer_id: `cust-${randomUUID()}`,
    customer_email: 'ana@example.com',
    currency: 'USD',
    items: [{ sku: 'SKU-001', quantity: 1, unit_price_cents: 1999 }],
    payment: { method: 'card', token: 'tok_visa' },
    ...overrides,
  };
}

export function shopClient(urls: Urls) {
  return {
    /** POST /create-checkout; resolves with the HTTP status and body (does not throw on 4xx). */
    async placeCheckout(body: CheckoutBody, idempotencyKey?: string, timeoutMs = 10_000) {
      const response = await fetch(`${urls.order}/create-checkout`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    },
    /** Places a checkout that must be accepted; returns its order id. */
    async placeAccepted(body: CheckoutBody): Promise<string> {
      const { status, body: answer } = await this.placeCheckout(body);
      if (status !== 202) throw new Error(`checkout not accepted: ${status} ${JSON.stringify(answer)}`);
      return answer.order_id as string;
    },
    async order(orderId: string): Promise<OrderView> {
      return json(await fetch(`${urls.order}/orders/${orderId}`), `GET /orders/${orderId}`);
    },
    async timeline(orderId: string): Promise<TimelineEntry[]> {
      const body = await json<{ items: TimelineEntry[] }>(
        await fetch(`${urls.order}/orders/${orderId}/events`),
        'GET /orders/{id}/events',
      );
      return body.items;
    },
    /** Polls the order until it is CONFIRMED or CANCELLED. */
    async terminal(orderId: string, timeoutMs = 60_000): Promise<OrderView> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const order = await this.order(orderId);
        if (order.status !== 'PENDING') return order;
        if (Date.now() > deadline) throw new Error(`order ${orderId} still PENDING after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stock(sku: string): Promise<StockView> {
      return json(await fetch(`${urls.inventory}/stock/${encodeURIComponent(sku)}`), `GET /stock/${sku}`);
    },
    async setStock(sku: string, available: number, price_cents = 1000): Promise<StockView> {
      return json(
        await fetch(`${urls.inventory}/stock/${encodeURIComponent(sku)}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ available, name: sku, price_cents }),
        }),
        `PUT /stock/${sku}`,
      );
    },
    /** The payment of an order, or undefined when it has none (404). */
    async payment(orderId: string): Promise<PaymentView | undefined> {
      const response = await fetch(`${urls.payment}/payments/${orderId}`);
      if (response.status === 404) return undefined;
      return json(response, `GET /payments/${orderId}`);
    },
    async notifications(orderId: string): Promise<NotificationView[]> {
      const body = await json<{ items: NotificationView[] }>(
        await fetch(`${urls.notify}/notifications?order_id=${orderId}`),
        'GET /notifications',
      );
      return body.items;
    },
  };
}

export type ShopClient = ReturnType<typeof shopClient>;
