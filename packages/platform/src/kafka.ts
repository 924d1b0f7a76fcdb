// kafkajs client construction (TLS and SASL from config) and topic provisioning. Topics are
// created up front: broker auto-creation is off, and on KRaft it fails the first produce.
import { Kafka, logLevel, type Admin, type KafkaConfig, type SASLOptions, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';
import pRetry from 'p-retry';
import type { CommonConfig } from './config.ts';

export type KafkaSettings = Pick<
  CommonConfig,
  'KAFKA_BROKERS' | 'KAFKA_SSL' | 'KAFKA_SASL_MECHANISM' | 'KAFKA_SASL_USERNAME' | 'KAFKA_SASL_PASSWORD'
>;

/** A kafkajs client whose own logs go through pino. */
export function createKafka(settings: KafkaSettings, clientId: string, log: Logger): Kafka {
  const config: KafkaConfig = {
    clientId,
    brokers: settings.KAFKA_BROKERS,
    ssl: settings.KAFKA_SSL,
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 10_000 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...extra } = entry.log;
      const level =
        entry.level <= logLevel.ERROR ? 'error' : entry.level === logLevel.WARN ? 'warn' : 'debug';
      log[level]({ kafkajs: entry.namespace, ...extra }, message);
    },
  };
  if (settings.KAFKA_SASL_MECHANISM) {
    config.sasl = {
      mechanism: settings.KAFKA_SASL_MECHANISM,
      username: settings.KAFKA_SASL_USERNAME ?? '',
      password: settings.KAFKA_SASL_PASSWORD ?? '',
    } as SASLOptions;
  }
  return new Kafka(config);
}

/** Creates the topics that do not exist yet, waiting for their leaders. */
export async function ensureTopics(
  admin: Admin,
  topics: string[],
  options: { partitions: number; replicationFactor: number },
): Promise<void> {
  // Several processes creating topics at once can briefly see "does not host this
  // topic-partition" or a topic-exists race while metadata propagates: retry those.
  await pRetry(() => createMissingTopics(admin, topics, options), {
    retries: 6,
    minTimeout: 200,
    maxTimeout: 2_000,
  });
}

async function createMissingTopics(
  admin: Admin,
  topics: string[],
  options: { partitions: number; replicationFactor: number },
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = [...new Set(topics)].filter((topic) => !existing.has(topic));
  if (missing.length === 0) return;
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((topic) => ({
      topic,
      numPartitions: options.partitions,
      replicationFactor: options.replicationFactor,
      configEntries: options.replicationFactor >= 3 ? [{ name: 'min.insync.replicas', value: '2' }] : [],
    })),
  });
  await admin.fetchTopicMetadata({ topics: missing });
}

/** `topic` → its number of partitions, read through `admin` and remembered for a minute. */
export function partitionCounter(admin: Admin, ttlMs = 60_000): (topic: string) => Promise<number> {
  const known = new Map<string, { count: number; at: number }>();
  return async (topic) => {
    const cached = known.get(topic);
    if (cached && Date.now() - cached.at < ttlMs) return cached.count;
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    const count = metadata.topics[0]?.partitions.length ?? 0;
    if (count === 0) throw new Error(`topic ${topic} has no partitions (does it exist?)`);
    known.set(topic, { count, at: Date.now() });
    return count;
  };
}
