// Re-publishes dead letters to the topic they came from, once their cause is fixed:
//   node packages/platform/src/cli/redrive.ts --topic <dlq-topic> [--event-id ID] [--since ISO]
//        [--until ISO] [--dry-run] [--brokers host:port,...] [--registry URL]
// Reads the DLQ from the beginning to the end offsets seen at start (a throwaway group that
// commits nothing). A record matches when every given filter holds: --event-id compares the
// decoded event's event_id (needs the registry), --since/--until the dlq.failed.at header.
// A match goes to its dlq.original.topic with its original key, bytes and headers (dlq.*
// removed, dlq.redriven-from-offset added); the consumers' inbox makes a redrive idempotent.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Partitioners, type IHeaders, type KafkaMessage } from 'kafkajs';
import { DLQ_HEADERS } from '../dead-letter.ts';
import { isRetriable } from '../errors.ts';
import { createWriterSchemaDecoder } from '../serde.ts';
import { createCliKafka, deleteGroupQuietly, fetchOffsetsOrExit } from './cli-kafka.ts';

const USAGE =
  'usage: node packages/platform/src/cli/redrive.ts --topic <dlq-topic> [--event-id ID] [--since ISO] [--until ISO] [--dry-run] [--brokers host:port[,...]] [--registry URL]';
export const REDRIVEN_FROM_OFFSET = 'dlq.redriven-from-offset';

const { values: args } = parseArgs({
  options: {
    topic: { type: 'string' },
    'event-id': { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    brokers: { type: 'string', default: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092' },
    registry: {
      type: 'string',
      default: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
    },
    help: { type: 'boolean', default: false },
  },
});
const fail = (message: string): never => {
  process.stderr.write(`redrive: ${message}\n${USAGE}\n`);
  process.exit(2);
};
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const dlq = args.topic ?? fail('--topic is required');
const parseTime = (flag: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? fail(`${flag} is not an ISO timestamp: ${value}`) : time;
};
const since = parseTime('--since', args.since);
const until = parseTime('--until', args.until);
const eventId = args['event-id'];
const dryRun = args['dry-run'];

const kafka = createCliKafka('redrive', args.brokers);
const decoder = eventId === undefined ? undefined : createWriterSchemaDecoder({ registryUrl: args.registry });

const offsets = await fetchOffsetsOrExit(kafka, dlq, 'redrive');

// Per partition, the offset after the last record to look at: the end seen now.
const remaining = new Map<number, bigint>();
for (const { partition, high, low } of offsets)
  if (BigInt(high) > BigInt(low)) remaining.set(partition, BigInt(high));

let scanned = 0;
let matched = 0;
let republished = 0;
let skipped = 0;

if (remaining.size > 0) {
  // Same partitioner as the services' producers: a key lands on the partition it came from.
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  if (!dryRun) await producer.connect();
  const groupId = `redrive-${randomBytes(6).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
  let reachedEnd!: () => void;
  let failed!: (error: unknown) => void;
  const ended = new Promise<void>((resolve, reject) => {
    reachedEnd = resolve;
    failed = reject;
  });
  await consumer.connect();
  await consumer.subscribe({ topic: dlq, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async (payload) => {
      const { batch } = payload;
      const end = remaining.get(batch.partition);
      if (end === undefined) return;
      try {
        for (const message of batch.messages) {
          if (!payload.isRunning()) return;
          if (BigInt(message.offset) >= end) break;
          scanned += 1;
          if (await matches(message)) {
            matched += 1;
            const target = await redrive(message);
            if (target === undefined) skipped += 1;
            else if (!dryRun) republished += 1;
          }
          payload.resolveOffset(message.offset);
        }
      } catch (error) {
        failed(error);
        return;
      }
      await payload.heartbeat();
      if (BigInt(batch.lastOffset()) + 1n >= end) remaining.delete(batch.partition);
      if (remaining.size === 0) reachedEnd();
    },
  });
  for (const { partition, low } of offsets) consumer.seek({ topic: dlq, partition, offset: low });
  try {
    await ended;
  } finally {
    await consumer.disconnect();
    if (!dryRun) await producer.disconnect();
    await deleteGroupQuietly(kafka, groupId);
  }

  async function redrive(message: KafkaMessage): Promise<string | undefined> {
    const headers = message.headers ?? {};
    const target = headers[DLQ_HEADERS.topic]?.toString();
    if (!target) {
      process.stderr.write(`redrive: offset ${message.offset} has no ${DLQ_HEADERS.topic} header; skipped\n`);
      return undefined;
    }
    const kept: IHeaders = {};
    for (const [name, value] of Object.entries(headers)) {
      if (!name.startsWith('dlq.') && value !== undefined) kept[name] = value;
    }
    kept[REDRIVEN_FROM_OFFSET] = message.offset;
    if (!dryRun) {
      await producer.send({
        topic: target,
        acks: -1,
        messages: [{ key: message.key, value: message.value, headers: kept }],
      });
    }
    return target;
  }
}

process.stdout.write(
  `redrive: topic=${dlq} scanned=${scanned} matched=${matched} republished=${republished} ` +
    `skipped=${skipped} dry_run=${dryRun}\n`,
);

async function matches(message: KafkaMessage): Promise<boolean> {
  if (since !== undefined || until !== undefined) {
    const failedAt = Date.parse(message.headers?.[DLQ_HEADERS.failedAt]?.toString() ?? '');
    const at = Number.isNaN(failedAt) ? Number(message.timestamp) : failedAt;
    if (since !== undefined && at < since) return false;
    if (until !== undefined && at > until) return false;
  }
  if (eventId !== undefined) {
    if (!decoder || !message.value) return false;
    try {
      const { value } = await decoder.decode(message.value);
      return (value as { event_id?: unknown } | null)?.event_id === eventId;
    } catch (error) {
      if (isRetriable(error)) throw error; // registry down: do not silently skip a match
      return false; // a record that cannot be decoded has no event id to match
    }
  }
  return true;
}
