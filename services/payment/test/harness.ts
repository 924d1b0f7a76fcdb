// Starts the payment service in-process against the real infrastructure, isolated by its
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
import { createSimulatedGateway } from '../src/domain/payment-gateway.ts';
import { paymentHandlers } from '../src/adapters/kafka/handlers/index.ts';
import { registerPaymentRoutes } from '../src/adapters/http/routes.ts';

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

export async function startPaymentService(env: Record<string, string> = {}): Promise<Harness> {
  const migrationsDir = new URL('../migrations', import.meta.url).pathname;
  const db = await createTestDatabase('payment', migrationsDir);
  const prefix = `${uniqueName('t')}.`;
  await createPrefixedTopics(prefix);
  const config = parseConfig(envSchema, {
    ...(await serviceTestEnv({ mysqlUrl: db.url, topicPrefix: prefix })),
    LOG_LEVEL: 'warn',
    ...env,
  });
  const runtime = await createServiceRuntime({
    name: 'payment',
    config,
    defaultDatabase: 'payments',
    migrationsDir,
    produces: ['payment.confirmed', 'payment.failed', 'payment.refunded'],
    installSignalHandlers: false,
  });
  registerPaymentRoutes(runtime.app, runtime.pool);
  const gateway = createSimulatedGateway({
    maxAmountCents: config.PAYMENT_MAX_AMOUNT_CENTS,
    failureRate: config.PAYMENT_FAILURE_RATE,
    seed: config.PAYMENT_RANDOM_SEED,
  });
  await runtime.start({ groupId: uniqueName('payment'), handlers: paymentHandlers(gateway) });
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
