import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createLogger } from '@commerce/platform/logger';
import { testInfra, uniqueName } from '../../../../../test/support/isolation.ts';
import { createOrderCache } from './order-cache.ts';
import type { OrderView } from '../../domain/order.ts';

const log = createLogger('order-test', 'silent');
const view: OrderView = {
  order_id: '5f0c8e4e-2a7b-4c1e-9a53-0d6f3b8f1a20',
  customer_id: 'cust-42',
  status: 'CONFIRMED',
  status_reason: null,
  items: [{ sku: 'SKU-001', quantity: 1, unit_price_cents: 100 }],
  total_cents: 100,
  currency: 'USD',
  payment_id: 'pay_1',
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:01.000Z',
};

const live = new Redis(testInfra().redisUrl);
// Nothing listens on port 1: every command fails at once, as when Redis is down.
const dead = new Redis('redis://127.0.0.1:1', {
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  retryStrategy: () => null,
});
dead.on('error', () => undefined);

afterAll(async () => {
  await live.quit();
  dead.disconnect();
});

describe('order cache', () => {
  it('stores, reads and invalidates under its key prefix with a TTL', async () => {
    const keyPrefix = `${uniqueName('c')}:`;
    const cache = createOrderCache({ redis: live, keyPrefix, ttlSeconds: 60, log });
    expect(await cache.get(view.order_id)).toBeUndefined();
    await cache.set(view);
    expect(await cache.get(view.order_id)).toEqual(view);
    const ttl = await live.ttl(`${keyPrefix}order:${view.order_id}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    await cache.invalidate(view.order_id);
    expect(await cache.get(view.order_id)).toBeUndefined();
  });

  it('treats a Redis failure as a miss instead of failing the read', async () => {
    const cache = createOrderCache({ redis: dead, keyPrefix: 'x:', ttlSeconds: 60, log });
    await expect(cache.get(view.order_id)).resolves.toBeUndefined();
    await expect(cache.set(view)).resolves.toBeUndefined();
    await expect(cache.invalidate(view.order_id)).resolves.toBeUndefined();
  });
});
