// Shared by the services' in-process test harnesses: a free port, the prefixed contract
// topics created up front, the env that points a service at the test infrastructure, and the
// harness itself (startServiceHarness) for services that need nothing more.
import { createServer } from 'node:net';
import type { Producer } from 'kafkajs';
import type { RowDataPacket } from 'mysql2/promise';
import type { CommonConfig } from '@commerce/platform/config';
import type { HandlerMap } from '@commerce/platform/consumer';
import { dlqTopic, TOPICS, type EventByTopic, type Topic } from '@commerce/platform/events';
import { ensureTopics } from '@commerce/platform/kafka';
import { createServiceRuntime, type ServiceRuntime } from '@commerce/platform/service-runtime';
import {
  createTestDatabase,
  eventually,
  testInfra,
  testKafka,
  uniqueName,
  type TestDatabase,
} from './isolation.ts';

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
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

/**
 * Creates the prefix's contract topics and their DLQs before a service starts. With several
 * test files creating topics at once a single broker briefly answers "does not host this
 * topic-partition"; retrying here until the metadata answers keeps that out of the tests.
 */
export async function createPrefixedTopics(prefix: string, numPartitions = 3): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const physical = TOPICS.map((topic) => `${prefix}${topic}`);
    const topics = [...physical, ...physical.map(dlqTopic)];
    await eventually(
      async () => {
        await ensureTopics(admin, topics, { partitions: numPartitions, replicationFactor: 1 });
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 300, what: `topics ${prefix}*` },
    );
  } finally {
    await admin.disconnect();
  }
}

/** The env keys every service needs, pointed at the test infrastructure. */
export async function serviceTestEnv(options: {
  mysqlUrl: string;
  topicPrefix: string;
}): Promise<Record<string, string>> {
  const infra = testInfra();
  return {
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: infra.registryUrl,
    MYSQL_URL: options.mysqlUrl,
    KAFKA_TOPIC_PREFIX: options.topicPrefix,
    PORT: String(await freePort()),
  };
}

/** An in-process service on the test infrastructure, with a way in (produce) and a look at its outbox. */
export type ServiceHarness = {
  runtime: ServiceRuntime;
  db: TestDatabase;
  /** This harness's KAFKA_TOPIC_PREFIX. */
  prefix: string;
  produce: <T extends Topic>(topic: T, event: EventByTopic[T]) => Promise<void>;
  /** Events the service emitted (its outbox), oldest first. */
  emitted: <T extends Topic>(topic: T, orderId: string) => Promise<EventByTopic[T][]>;
  stop: () => Promise<void>;
};

/**
 * Starts a service in-process, isolated by its own database, topic prefix and consumer group;
 * `wire` registers its routes and returns its handlers (what differs between services).
 */
export async function startServiceHarness<C extends CommonConfig>(options: {
  name: string;
  defaultDatabase: string;
  migrationsDir: string;
  produces: Topic[];
  parseEnv: (env: Record<string, string>) => C;
  env?: Record<string, string>;
  wire: (runtime: ServiceRuntime, config: C) => HandlerMap;
}): Promise<ServiceHarness> {
  const db = await createTestDatabase(options.name, options.migrationsDir);
  const prefix = `${uniqueName('t')}.`;
  await createPrefixedTopics(prefix);
  const config = options.parseEnv({
    ...(await serviceTestEnv({ mysqlUrl: db.url, topicPrefix: prefix })),
    LOG_LEVEL: 'warn',
    ...options.env,
  });
  const runtime = await createServiceRuntime({
    name: options.name,
    config,
    defaultDatabase: options.defaultDatabase,
    migrationsDir: options.migrationsDir,
    produces: options.produces,
    installSignalHandlers: false,
  });
  const handlers = options.wire(runtime, config);
  await runtime.start({ groupId: uniqueName(options.name), handlers });
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
