// Builds the order service on the shared runtime: routes, saga handlers, the deadline
// sweeper and the Redis cache. main.ts and the integration tests both use it, so tests run
// the same wiring as production.
import { Redis } from 'ioredis';
import { createServiceRuntime, type ServiceRuntime } from '@commerce/platform/service-runtime';
import type { OrderConfig } from './config.ts';
import { registerOrderRoutes } from './adapters/http/routes.ts';
import { registerDocs } from './adapters/http/openapi.ts';
import { sagaHandlers } from './adapters/kafka/saga-handlers.ts';
import { createOrderCache } from './adapters/redis/order-cache.ts';
import { startSweeper } from './app/expire-sagas.ts';
import { createOrderWriter } from './app/order-writer.ts';

export type OrderService = { runtime: ServiceRuntime; start: () => Promise<void> };

export async function createOrderService(
  config: OrderConfig,
  options: { installSignalHandlers?: boolean; groupId?: string } = {},
): Promise<OrderService> {
  const runtime = await createServiceRuntime({
    name: 'order',
    config,
    defaultDatabase: 'orders',
    migrationsDir: new URL('../migrations', import.meta.url).pathname,
    produces: ['order.created', 'order.confirmed', 'order.cancelled'],
    installSignalHandlers: options.installSignalHandlers,
  });
  const log = runtime.log;

  // Commands fail fast instead of queueing while Redis is down: the cache is optional.
  const redis = new Redis(config.REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  });
  redis.on('error', (error) => log.warn({ err: error }, 'redis error'));
  redis.connect().catch((error: unknown) => log.warn({ err: error }, 'redis not reachable; cache disabled'));
  runtime.checks.push({ name: 'redis', critical: false, check: async () => void (await redis.ping()) });
  const cache = createOrderCache({
    redis,
    keyPrefix: config.ORDER_CACHE_KEY_PREFIX,
    ttlSeconds: config.ORDER_CACHE_TTL_SECONDS,
    log,
  });

  registerOrderRoutes(runtime.app, {
    placeOrder: {
      pool: runtime.pool,
      sagaTimeoutMs: config.SAGA_TIMEOUT_MS,
      idempotencyTtlSeconds: config.IDEMPOTENCY_TTL_SECONDS,
      writer: createOrderWriter(runtime.pool),
    },
    read: { pool: runtime.pool, cache },
    apiKey: config.API_KEY,
    maxBodyBytes: config.MAX_BODY_BYTES,
    onOrderPlaced: () => runtime.relay.wake(),
  });

  if (config.EXPOSE_DOCS) registerDocs(runtime.app);

  return {
    runtime,
    async start() {
      await runtime.start({ groupId: options.groupId, handlers: sagaHandlers() });
      const sweeper = startSweeper({
        pool: runtime.pool,
        intervalMs: config.SAGA_SWEEP_INTERVAL_MS,
        onExpired: async (orderIds) => {
          runtime.relay.wake();
          log.info({ order_ids: orderIds }, 'sagas timed out');
          // Defensive: finished orders are the only ones cached, but drop any entry anyway.
          await Promise.all(orderIds.map((id) => cache.invalidate(id)));
        },
        onError: (error) => log.error({ err: error }, 'saga sweep failed'),
      });
      runtime.stopSteps.push(
        { name: 'sweeper', stop: () => sweeper.stop() },
        { name: 'redis', stop: async () => void (await redis.quit().catch(() => redis.disconnect())) },
      );
    },
  };
}
