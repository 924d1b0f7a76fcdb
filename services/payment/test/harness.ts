// Starts the payment service in-process against the real infrastructure, isolated by its
// own topic prefix, consumer group and database; produces input events through the serde.
import { createServer } from 'node:net';
import type { RowDataPacket } from 'mysql2/promise';
import type { Producer } from 'kafkajs';
import { parseConfig } from '@commerce/platform/config';
import { createServiceRuntime, type ServiceRuntime } from '@commerce/platform/service-runtime';
import { dlqTopic, TOPICS, type EventByTopic, type Topic } from '@commerce/platform/events';
import {
  createTestDatabase,
  eventually,
  testInfra,
  testKafka,
  uniqueName,
  type TestDatabase,
} from '../../../test/support/isolation.ts';
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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

// The platform creates missing topics at start, but a single broker creating many topics for
// parallel tests sometimes answers metadata requests with "does not host this
// topic-partition" for a moment; creating them here, retried until their metadata answers,
// keeps that start-up race out of the tests.
async function createTestTopics(prefix: string): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const physical = TOPICS.map((topic) => `${prefix}${topic}`);
    const topics = [...physical, ...physical.map(dlqTopic)];
    await eventually(
      async () => {
        const existing = new Set(await admin.listTopics());
        const missing = topics.filter((topic) => !existing.has(topic));
        if (missing.length > 0)
          await admin.createTopics({
            waitForLeaders: true,
            topics: missing.map((topic) => ({ topic, numPartitions: 3 })),
          });
        await admin.fetchTopicMetadata({ topics });
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 300, what: 'test topics' },
    );
  } finally {
    await admin.disconnect();
  }
}

export async function startPaymentService(env: Record<string, string> = {}): Promise<Harness> {
  const infra = testInfra();
  const migrationsDir = new URL('../migrations', import.meta.url).pathname;
  const db = await createTestDatabase('payment', migrationsDir);
  const prefix = `${uniqueName('t')}.`;
  await createTestTopics(prefix);
  const config = parseConfig(envSchema, {
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: infra.registryUrl,
    MYSQL_URL: db.url,
    PORT: String(await freePort()),
    KAFKA_TOPIC_PREFIX: prefix,
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
