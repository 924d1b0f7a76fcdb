// Read-through cache of order projections. Redis is an optimisation: every failure is
// logged and treated as a miss, so Redis being down degrades latency, never correctness.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { OrderView } from '../../domain/order.ts';

export type OrderCache = {
  get: (orderId: string) => Promise<OrderView | undefined>;
  set: (view: OrderView) => Promise<void>;
  invalidate: (orderId: string) => Promise<void>;
};

export function createOrderCache(options: {
  redis: Redis;
  keyPrefix: string;
  ttlSeconds: number;
  log: Logger;
}): OrderCache {
  const { redis, keyPrefix, ttlSeconds, log } = options;
  const key = (orderId: string) => `${keyPrefix}order:${orderId}`;
  return {
    async get(orderId) {
      try {
        const raw = await redis.get(key(orderId));
        return raw ? (JSON.parse(raw) as OrderView) : undefined;
      } catch (error) {
        log.warn({ err: error, order_id: orderId }, 'order cache read failed; reading MySQL');
        return undefined;
      }
    },
    async set(view) {
      try {
        await redis.set(key(view.order_id), JSON.stringify(view), 'EX', ttlSeconds);
      } catch (error) {
        log.warn({ err: error, order_id: view.order_id }, 'order cache write failed');
      }
    },
    async invalidate(orderId) {
      try {
        await redis.del(key(orderId));
      } catch (error) {
        log.warn({ err: error, order_id: orderId }, 'order cache invalidation failed');
      }
    },
  };
}
