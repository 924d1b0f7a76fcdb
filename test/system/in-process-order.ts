// The order service started in this process with the wiring main.ts uses (createOrderService),
// isolated like the other services' harnesses: its own database, topic prefix, consumer group
// and Redis key prefix, on a free port so tests can reach it over real HTTP.
import { parseConfig } from '@commerce/platform/config';
import { createTestDatabase, testInfra, uniqueName, type TestDatabase } from '../support/isolation.ts';
import { createPrefixedTopics, serviceTestEnv } from '../support/service-harness.ts';
import { envSchema, type OrderConfig } from '../../services/order/src/config.ts';
import { createOrderService, type OrderService } from '../../services/order/src/service.ts';

export type InProcessOrder = {
  service: OrderService;
  config: OrderConfig;
  db: TestDatabase;
  /** This instance's KAFKA_TOPIC_PREFIX. */
  prefix: string;
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  stop: () => Promise<void>;
};

export async function startInProcessOrder(env: Record<string, string> = {}): Promise<InProcessOrder> {
  const db = await createTestDatabase(
    'order',
    new URL('../../services/order/migrations', import.meta.url).pathname,
  );
  const prefix = `${uniqueName('t')}.`;
  await createPrefixedTopics(prefix);
  const config = parseConfig(envSchema, {
    ...(await serviceTestEnv({ mysqlUrl: db.url, topicPrefix: prefix })),
    REDIS_URL: testInfra().redisUrl,
    ORDER_CACHE_KEY_PREFIX: `${uniqueName('c')}:`,
    LOG_LEVEL: 'error',
    ...env,
  });
  const service = await createOrderService(config, {
    installSignalHandlers: false,
    groupId: uniqueName('order'),
  });
  await service.start();
  return {
    service,
    config,
    db,
    prefix,
    baseUrl: `http://127.0.0.1:${config.PORT}`,
    async stop() {
      await service.runtime.stop();
      await db.drop();
    },
  };
}
