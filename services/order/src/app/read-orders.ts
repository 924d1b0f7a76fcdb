// Use cases of the read side: one order (through the cache), a page of orders, a timeline.
import type { Pool } from '@commerce/platform/mysql';
import { AppError } from '@commerce/platform/errors';
import { toView, type OrderView } from '../domain/order.ts';
import type { OrderStatus } from '../domain/saga.ts';
import { findItems, findOrder, listOrders, listTimeline } from '../adapters/mysql/orders-repo.ts';
import type { OrderCache } from '../adapters/redis/order-cache.ts';

export type ReadDeps = { pool: Pool; cache: OrderCache };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function notFound(orderId: string): AppError {
  return new AppError('NOT_FOUND', `order ${orderId} not found`);
}

export async function getOrder(deps: ReadDeps, orderId: string): Promise<OrderView> {
  if (!UUID.test(orderId)) throw notFound(orderId);
  const cached = await deps.cache.get(orderId);
  if (cached) return cached;
  const order = await findOrder(deps.pool, orderId);
  if (!order) throw notFound(orderId);
  const view = toView(order, await findItems(deps.pool, orderId));
  // Only finished orders are cached: their projection never changes again, so the cache can
  // never serve a stale status, whatever the timing of a saga step against this read.
  if (view.status !== 'PENDING') await deps.cache.set(view);
  return view;
}

export type OrderPage = { items: OrderView[]; next_cursor: string | null };

type Cursor = { created_at: Date; order_id: string };

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.created_at.toISOString()}|${cursor.order_id}`).toString('base64url');
}

/** The cursor back, or undefined when it is not one this service produced. */
export function decodeCursor(raw: string): Cursor | undefined {
  const [iso, orderId] = Buffer.from(raw, 'base64url').toString('utf8').split('|');
  if (!iso || !orderId || !UUID.test(orderId)) return undefined;
  const created = new Date(iso);
  return Number.isNaN(created.getTime()) ? undefined : { created_at: created, order_id: orderId };
}

export async function listOrderPage(
  deps: ReadDeps,
  query: { customer_id?: string; status?: OrderStatus; limit: number; cursor?: Cursor },
): Promise<OrderPage> {
  const rows = await listOrders(deps.pool, {
    customer_id: query.customer_id,
    status: query.status,
    limit: query.limit,
    after: query.cursor,
  });
  const page = rows.slice(0, query.limit);
  const items = await Promise.all(
    page.map(async (order) => toView(order, await findItems(deps.pool, order.order_id))),
  );
  const last = page[page.length - 1];
  const next_cursor = rows.length > query.limit && last ? encodeCursor(last) : null;
  return { items, next_cursor };
}

export type TimelineView = {
  items: { event_id: string; event_type: string; source: string; occurred_at: string }[];
};

export async function getTimeline(deps: ReadDeps, orderId: string): Promise<TimelineView> {
  if (!UUID.test(orderId)) throw notFound(orderId);
  const order = await findOrder(deps.pool, orderId);
  if (!order) throw notFound(orderId);
  const entries = await listTimeline(deps.pool, orderId);
  return {
    items: entries.map((e) => ({
      event_id: e.event_id,
      event_type: e.event_type,
      source: e.source,
      occurred_at: e.occurred_at.toISOString(),
    })),
  };
}
