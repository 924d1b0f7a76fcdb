// Use case: accept a checkout. The order, its lines, its order.created event (outbox) and
// the Idempotency-Key row are written in one transaction, so a retried or concurrent
// request with the same key can never create a second order or a second event.
import { createHash, randomUUID } from 'node:crypto';
import { envelope } from '@commerce/platform/envelope';
import { appendToOutbox } from '@commerce/platform/outbox';
import { withTransaction, type Pool } from '@commerce/platform/mysql';
import { AppError, isRetriable } from '@commerce/platform/errors';
import { totalCents, type Order } from '../domain/order.ts';
import type { CheckoutRequest } from '../adapters/http/checkout-schema.ts';
import type { NewOrder, OrderWriter } from './order-writer.ts';
import {
  appendTimeline,
  deleteExpiredIdempotencyKey,
  findIdempotencyKey,
  insertIdempotencyKey,
  insertOrder,
} from '../adapters/mysql/orders-repo.ts';

export type CheckoutResponse = {
  order_id: string;
  status: 'PENDING';
  total_cents: number;
  currency: string;
  created_at: string;
};

export type PlaceOrderDeps = {
  pool: Pool;
  sagaTimeoutMs: number;
  idempotencyTtlSeconds: number;
  now?: () => Date;
  /** Group commit for checkouts without an Idempotency-Key (order-writer.ts); absent: one transaction each. */
  writer?: OrderWriter;
};

export type PlaceOrderInput = {
  request: CheckoutRequest;
  idempotencyKey?: string;
  traceparent?: string;
  correlationId: string;
};

/** JSON with sorted keys: the same logical body hashes the same whatever the key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function requestHash(request: CheckoutRequest): string {
  return createHash('sha256').update(canonical(request)).digest('hex');
}

function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ER_DUP_ENTRY';
}

export async function placeOrder(deps: PlaceOrderDeps, input: PlaceOrderInput): Promise<CheckoutResponse> {
  const now = (deps.now ?? (() => new Date()))();
  const { idempotencyKey } = input;
  const hash = idempotencyKey ? requestHash(input.request) : '';

  const replay = async (): Promise<CheckoutResponse | undefined> => {
    if (!idempotencyKey) return undefined;
    const existing = await findIdempotencyKey(deps.pool, idempotencyKey);
    if (!existing) return undefined;
    if (existing.expires_at.getTime() <= now.getTime()) {
      // An expired key is forgotten: purge it so this request can claim it afresh.
      await deleteExpiredIdempotencyKey(deps.pool, idempotencyKey, now);
      return undefined;
    }
    if (existing.request_hash !== hash) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different body', {
        fields: [{ field: 'Idempotency-Key', message: 'already used with a different request body' }],
      });
    }
    return JSON.parse(existing.response) as CheckoutResponse;
  };

  const earlier = await replay();
  if (earlier) return earlier;

  // Concurrent requests with one key race on the key's primary key inside the transaction;
  // the losers get ER_DUP_ENTRY once the winner commits and then replay its response.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await insertNewOrder(deps, input, hash, now);
    } catch (error) {
      if (idempotencyKey && isDuplicateKey(error)) {
        const winner = await replay();
        if (winner) return winner;
      }
      if (attempt < 3 && (isRetriable(error) || isDuplicateKey(error))) continue;
      throw error;
    }
  }
}

async function insertNewOrder(
  deps: PlaceOrderDeps,
  input: PlaceOrderInput,
  hash: string,
  now: Date,
): Promise<CheckoutResponse> {
  const { request } = input;
  const orderId = randomUUID();
  const items = request.items.map(({ sku, quantity, unit_price_cents }) => ({
    sku,
    quantity,
    unit_price_cents,
  }));
  const order: Order = {
    order_id: orderId,
    customer_id: request.customer_id,
    customer_email: request.customer_email ?? null,
    currency: request.currency,
    total_cents: totalCents(items),
    status: 'PENDING',
    status_reason: null,
    payment_status: 'pending',
    stock_status: 'pending',
    payment_id: null,
    payment_method: request.payment?.method ?? null,
    correlation_id: input.correlationId,
    deadline_at: new Date(now.getTime() + deps.sagaTimeoutMs),
    created_at: now,
    updated_at: now,
  };
  const response: CheckoutResponse = {
    order_id: orderId,
    status: 'PENDING',
    total_cents: order.total_cents,
    currency: order.currency,
    created_at: now.toISOString(),
  };
  const eventId = randomUUID();
  const entry: NewOrder = {
    order,
    items,
    created: {
      topic: 'order.created',
      key: orderId,
      traceparent: input.traceparent,
      event: {
        ...envelope('order.created', {
          eventId,
          occurredAt: now,
          orderId,
          correlationId: input.correlationId,
        }),
        customer_id: order.customer_id,
        customer_email: order.customer_email,
        currency: order.currency,
        items,
        total_cents: order.total_cents,
        payment_method: request.payment?.method ?? null,
        payment_token: request.payment?.token ?? null,
      },
    },
    timeline: { event_id: eventId, event_type: 'order.created', source: 'order', occurred_at: now },
  };
  if (!input.idempotencyKey && deps.writer) {
    await deps.writer.write(entry);
    return response;
  }
  await withTransaction(deps.pool, async (tx) => {
    if (input.idempotencyKey) {
      // First statement of the transaction: a concurrent twin blocks here, not after inserting an order.
      await insertIdempotencyKey(tx, input.idempotencyKey, {
        request_hash: hash,
        order_id: orderId,
        response: JSON.stringify(response),
        expires_at: new Date(now.getTime() + deps.idempotencyTtlSeconds * 1000),
      });
    }
    await insertOrder(tx, order, items);
    await appendToOutbox(tx, [entry.created]);
    await appendTimeline(tx, orderId, entry.timeline);
  });
  return response;
}
