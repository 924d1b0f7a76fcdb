// Starts the inventory service in-process against the real infrastructure, isolated by its
// own topic prefix, consumer group and database; produces input events through the serde.
import type { RowDataPacket } from 'mysql2/promise';
import type { Producer } from 'kafkajs';
import { parseConfig } from '@commerce/platform/config';
import { createServiceRuntime, type ServiceRuntime } from '@commerce/platform/service-runtime';
import type { EventByTopic, Topic } from '@commerce/platform/events';
import {
  createTestDatabase,
  testKafka,
  uniqueName,
  type TestDatabase,
} from '../../../test/support/isolation.ts';
import { createPrefixedTopics, serviceTestEnv } from '../../../test/support/service-harness.ts';
import { envSchema } from '../src/config.ts';
import { inventoryHandlers } from '../src/adapters/kafka/handlers/index.ts';
import { registerStockRoutes } from '../src/adapters/http/routes.ts';

export type Harness = {
  runtime: ServiceRuntime;
  db: TestDatabase;
  /** This harness's KAFKA_TOPIC_PREFIX. */
  prefix: string;
  produce: <T extends Topic>(topic: T, event: EventByTopic[T]) => Promise<void>;
  /** Events the service emitted (its outbox), oldest first. */
  emitted: <T extends Topic>(topic: T, orderId: string) => Promise<EventByTopic[T][]>;
  stop: () => Promise<void>;
};

export async function startInventoryService(env: Record<string, string> = {}): Promise<Harness> {
  const migrationsDir = new URL('../migrations', import.meta.url).pathname;
  const db = await createTestDatabase('inventory', migrationsDir);
  const prefix = `${uniqueName('t')}.`;
  await createPrefixedTopics(prefix);
  const config = parseConfig(envSchema, {
    ...(await serviceTestEnv({ mysqlUrl: db.url, topicPrefix: prefix })),
    LOG_LEVEL: 'warn',
    ...env,
  });
  const runtime = await createServiceRuntime({
    name: 'inventory',
    config,
    defaultDatabase: 'inventory',
    migrationsDir,
    produces: ['stock.reserved', 'stock.rejected', 'stock.released'],
    installSignalHandlers: false,
  });
  registerStockRoutes(runtime.app, runtime.pool);
  await runtime.start({ groupId: uniqueName('inventory'), handlers: inventoryHandlers });
  const producer: Producer = testKafka().producer();
  await producer.connect();
  return {
    runtime,
    db,
    prefix,
    async produce(topic, event) {
      const value = await runtime.serde.encode(topic, event);
      await producer.send({ topic: `${prefix}${topic}`, messages: [{ key: event.order_id, value }] });
    },
    async emitted(topic, orderId) {
      const [rows] = await db.pool.query<RowDataPacket[]>(
        'SELECT payload FROM outbox WHERE topic = ? AND message_key = ? ORDER BY id',
        [topic, orderId],
      );
      return rows.map((row) => JSON.parse(String(row.payload)) as never);
    },
    async stop() {
      await producer.disconnect();
      await runtime.stop();
      await db.drop();
    },
  };
}
