// Prints a topic's records as JSON lines, values decoded with the writer schema their id
// names (so it works on any topic, DLQs and test topics included):
//   npm run tail -- <topic> [--from-beginning] [--follow] [--brokers host:port,...] [--registry URL]
// Without --follow it stops at the end offsets seen at start. It joins a throwaway group
// (tail-<random>) and commits nothing, so it never moves a real consumer group.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { createWriterSchemaDecoder } from '../serde.ts';
import { createCliKafka, deleteGroupQuietly, fetchOffsetsOrExit } from './cli-kafka.ts';

const USAGE =
  'usage: npm run tail -- <topic> [--from-beginning] [--follow] [--brokers host:port[,host:port]] [--registry URL]';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'from-beginning': { type: 'boolean', default: false },
    follow: { type: 'boolean', default: false },
    brokers: { type: 'string', default: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092' },
    registry: {
      type: 'string',
      default: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
    },
    help: { type: 'boolean', default: false },
  },
});
const topic = positionals[0];
if (args.help || !topic || positionals.length > 1) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(args.help ? 0 : 2);
}

const kafka = createCliKafka('tail', args.brokers);
const decoder = createWriterSchemaDecoder({ registryUrl: args.registry });

const offsets = await fetchOffsetsOrExit(kafka, topic, 'tail');

// Per partition: where to start, and the offset after the last record to print (the end seen now).
const starts = offsets.map(({ partition, high, low }) => ({
  partition,
  offset: args['from-beginning'] ? low : high,
}));
const remaining = new Map<number, bigint>();
for (const { partition, high, low } of offsets) {
  const start = args['from-beginning'] ? BigInt(low) : BigInt(high);
  if (BigInt(high) > start) remaining.set(partition, BigInt(high));
}

if (!args.follow && remaining.size === 0) process.exit(0);

const groupId = `tail-${randomBytes(6).toString('hex')}`;
// A short fetch wait keeps --follow responsive and Ctrl-C quick.
const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
let reachedEnd!: () => void;
const ended = new Promise<void>((resolve) => (reachedEnd = resolve));

await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: args['from-beginning'] });
await consumer.run({
  autoCommit: false,
  eachBatch: async (payload) => {
    const { batch } = payload;
    for (const message of batch.messages) {
      if (!payload.isRunning()) return;
      process.stdout.write(`${JSON.stringify(await render(batch.partition, message))}\n`);
      payload.resolveOffset(message.offset);
    }
    await payload.heartbeat();
    // lastOffset() counts control records too, so a transaction marker at the end cannot stall us.
    const end = remaining.get(batch.partition);
    if (end !== undefined && BigInt(batch.lastOffset()) + 1n >= end) remaining.delete(batch.partition);
    if (!args.follow && remaining.size === 0) reachedEnd();
  },
});
// Start exactly at the offsets read above: records produced after tail started are never
// skipped, whenever the group join completes.
for (const { partition, offset } of starts) consumer.seek({ topic, partition, offset });
if (args.follow) process.stderr.write(`tail: following ${topic} (group ${groupId})\n`);

const stop = async () => {
  await consumer.disconnect();
  await deleteGroupQuietly(kafka, groupId);
};
process.once('SIGINT', () => void stop().then(() => process.exit(0)));
process.once('SIGTERM', () => void stop().then(() => process.exit(0)));
if (!args.follow) {
  await ended;
  await stop();
}

async function render(partition: number, message: KafkaMessage) {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? null,
    timestamp: Number(message.timestamp),
    headers: headerStrings(message.headers),
    value: await decodeValue(message.value),
  };
}

async function decodeValue(value: Buffer | null): Promise<unknown> {
  if (value === null) return null; // tombstone
  try {
    return (await decoder.decode(value)).value;
  } catch (error) {
    return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

function headerStrings(headers: IHeaders | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.map((v) => v.toString()) : value.toString();
  }
  return out;
}
