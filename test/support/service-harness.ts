// Shared by the services' in-process test harnesses: a free port, the prefixed contract
// topics created up front, and the env that points a service at the test infrastructure.
import { createServer } from 'node:net';
import { dlqTopic, TOPICS } from '@commerce/platform/events';
import { ensureTopics } from '@commerce/platform/kafka';
import { eventually, testInfra, testKafka } from './isolation.ts';

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
