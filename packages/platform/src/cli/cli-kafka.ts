// What the operator CLIs (tail, redrive) share: a quiet kafkajs client whose complaints go to
// stderr (stdout carries the tool's output), a topic's end offsets read at start, and the clean-up of
// their throwaway consumer group.
import { Kafka, logLevel, type LogEntry } from 'kafkajs';

export type PartitionOffsets = { partition: number; offset: string; high: string; low: string };

/** A kafkajs client for a CLI: errors only, written to stderr. */
export function createCliKafka(clientId: string, brokers: string): Kafka {
  return new Kafka({
    clientId,
    brokers: brokers.split(',').map((b) => b.trim()),
    logLevel: logLevel.ERROR,
    logCreator: () => (entry: LogEntry) =>
      process.stderr.write(`kafkajs ${entry.namespace}: ${entry.log.message}\n`),
  });
}

/** The topic's offsets per partition; exits 1 with `<tool>: topic "…" does not exist` when it is missing. */
export async function fetchOffsetsOrExit(
  kafka: Kafka,
  topic: string,
  tool: string,
): Promise<PartitionOffsets[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) {
      process.stderr.write(`${tool}: topic "${topic}" does not exist\n`);
      process.exit(1);
    }
    return await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Deletes a CLI's throwaway consumer group, best effort: it commits no offsets, so the broker
 * would drop it later anyway.
 */
export async function deleteGroupQuietly(kafka: Kafka, groupId: string): Promise<void> {
  const admin = kafka.admin();
  await admin
    .connect()
    .then(() => admin.deleteGroups([groupId]))
    .catch(() => undefined)
    .finally(() => admin.disconnect());
}
