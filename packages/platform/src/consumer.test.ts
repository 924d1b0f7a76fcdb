// The inbox consumer loop against the real Kafka, registry and MariaDB: a crash between the
// DB commit and the offset commit does not apply an event twice; poison records go to the DLQ
// with their provenance while the good ones around them are processed in order; transient
// errors are retried; a dead letter can be redriven once the cause is fixed.
import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { promisify } from 'node:util';
import type { KafkaMessage, Producer } from 'kafkajs';
import type { RowDataPacket } from 'mysql2/promise';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  createTopics,
  eventually,
  testInfra,
  testKafka,
  uniqueName,
  type TestDatabase,
} from '../../../test/support/isolation.ts';
import { runConsumer, type Handler, type RunningConsumer } from './consumer.ts';
import { DLQ_HEADERS } from './dead-letter.ts';
import { AppError } from './errors.ts';
import type { EventByTopic } from './events.ts';
import { exampleEvents } from './event-examples.ts';
import { createSerde, type Serde } from './serde.ts';
import { deleteSubjects } from './test-support.ts';
import { frame } from './wire-format.ts';

const log = pino({ level: 'silent' });
const child = new URL('./test-fixtures/crash-child.ts', import.meta.url).pathname;
const redriveCli = new URL('./cli/redrive.ts', import.meta.url).pathname;
const run = promisify(execFile);

function orderCreated(n: number): EventByTopic['order.created'] {
  return { ...exampleEvents()['order.created'], event_id: randomUUID(), order_id: `order-${n}` };
}

/** Effects in commit order (auto-increment id): one row per handler run that committed. */
async function effects(db: TestDatabase): Promise<string[]> {
  const [rows] = await db.pool.query<RowDataPacket[]>('SELECT event_id FROM effects ORDER BY id');
  return rows.map((r) => String(r.event_id));
}

const recordEffect: Handler<'order.created'> = async (event, { tx }) => {
  await tx.query('INSERT INTO effects (event_id) VALUES (?)', [event.event_id]);
};

/** Every record on `topic` (read from the beginning to its current end). */
async function readTopic(kafka: ReturnType<typeof testKafka>, topic: string): Promise<KafkaMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const expected = ends.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  if (expected === 0) return [];
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 200 });
  const seen: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message) });
    await eventually(async () => seen.length >= expected, { what: `${expected} records on ${topic}` });
  } finally {
    await consumer.disconnect();
  }
  return seen.sort((a, b) => Number(a.offset) - Number(b.offset));
}

describe('inbox consumer (real Kafka, registry, MariaDB)', () => {
  const infra = testInfra();
  const kafka = testKafka();
  const admin = kafka.admin();
  let producer: Producer;
  const cleanups: (() => Promise<unknown>)[] = [];

  /** A topic prefix, its order.created topic (+ DLQ, 1 partition), serde and a database with an effects table. */
  async function scenario(label: string) {
    const prefix = `${uniqueName(label)}.`;
    const topic = `${prefix}order.created`;
    const dlq = `${topic}.dlq`;
    await createTopics(admin, [topic, dlq], 1);
    const serde: Serde = createSerde({
      registryUrl: infra.registryUrl,
      topics: ['order.created'],
      topicPrefix: prefix,
    });
    await serde.init();
    const db = await createTestDatabase(label);
    await db.pool.query(
      'CREATE TABLE effects (id BIGINT AUTO_INCREMENT PRIMARY KEY, event_id CHAR(36) NOT NULL)',
    );
    const groupId = uniqueName(`${label}-group`);
    cleanups.push(
      () => db.drop(),
      () => admin.deleteTopics({ topics: [topic, dlq] }).catch(() => undefined),
      () => deleteSubjects(infra.registryUrl, prefix),
    );
    const consume = async (
      handler: Handler<'order.created'>,
      options: { maxAttempts?: number } = {},
    ): Promise<RunningConsumer> => {
      const running = await runConsumer({
        kafka,
        pool: db.pool,
        groupId,
        handlers: { 'order.created': handler },
        decode: serde.decode,
        producer,
        log,
        topicPrefix: prefix,
        retryMinDelayMs: 10,
        retryMaxDelayMs: 50,
        sessionTimeoutMs: 10_000,
        ...options,
      });
      cleanups.unshift(() => running.stop());
      return running;
    };
    const produce = async (values: { key: string; value: Buffer }[]) =>
      producer.send({ topic, acks: -1, messages: values });
    const encode = (event: EventByTopic['order.created']) => serde.encode('order.created', event);
    return { prefix, topic, dlq, serde, db, groupId, consume, produce, encode };
  }

  beforeAll(async () => {
    await admin.connect();
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });

  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
    await producer.disconnect();
    await admin.disconnect();
  });

  it('a crash after the DB commit and before the offset commit does not apply the event twice', async () => {
    const s = await scenario('inbox_crash');
    const events = [1, 2, 3].map(orderCreated);
    await s.produce(
      await Promise.all(events.map(async (e) => ({ key: e.order_id, value: await s.encode(e) }))),
    );

    const proc = spawn(process.execPath, [child, 'consumer'], {
      env: {
        ...process.env,
        DB_NAME: s.db.name,
        TOPIC_PREFIX: s.prefix,
        GROUP_ID: s.groupId,
        SESSION_TIMEOUT_MS: '6000',
        TX_BATCH_SIZE: '1',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const [code, signal] = (await once(proc, 'exit')) as [number | null, string | null];
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await effects(s.db)).toEqual([events[0]?.event_id]);
    // The offset of the first record was never committed: Kafka will deliver it again.
    const [committed] = await admin.fetchOffsets({ groupId: s.groupId, topics: [s.topic] });
    expect(committed?.partitions[0]?.offset).toBe('-1');

    const handled: string[] = [];
    await s.consume(async (event, ctx) => {
      handled.push(event.event_id);
      await recordEffect(event, ctx);
    });
    const ids = events.map((e) => e.event_id);
    await eventually(async () => (await effects(s.db)).length >= 3, { what: 'all three effects' });
    await eventually(
      async () => {
        const [offsets] = await admin.fetchOffsets({ groupId: s.groupId, topics: [s.topic] });
        return offsets?.partitions[0]?.offset === '3';
      },
      { what: 'the group to commit past the last record' },
    );
    expect(await effects(s.db)).toEqual(ids);
    expect(handled).toEqual(ids.slice(1)); // the redelivered first event never reached the handler
  });

  it('batched: a crash after a batch transaction commits and before the offset commit applies nothing twice', async () => {
    const s = await scenario('inbox_crash_batch');
    const events = [1, 2, 3].map(orderCreated);
    await s.produce(
      await Promise.all(events.map(async (e) => ({ key: e.order_id, value: await s.encode(e) }))),
    );

    const proc = spawn(process.execPath, [child, 'consumer'], {
      env: {
        ...process.env,
        DB_NAME: s.db.name,
        TOPIC_PREFIX: s.prefix,
        GROUP_ID: s.groupId,
        SESSION_TIMEOUT_MS: '6000',
        TX_BATCH_SIZE: '50',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const [code, signal] = (await once(proc, 'exit')) as [number | null, string | null];
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });
    // The three records arrived in one fetch and committed in one transaction, together.
    const ids = events.map((e) => e.event_id);
    expect(await effects(s.db)).toEqual(ids);
    // No offset was committed: Kafka will deliver all three again.
    const [committed] = await admin.fetchOffsets({ groupId: s.groupId, topics: [s.topic] });
    expect(committed?.partitions[0]?.offset).toBe('-1');

    const handled: string[] = [];
    await s.consume(async (event, ctx) => {
      handled.push(event.event_id);
      await recordEffect(event, ctx);
    });

    await eventually(
      async () => {
        const [offsets] = await admin.fetchOffsets({ groupId: s.groupId, topics: [s.topic] });
        return offsets?.partitions[0]?.offset === '3';
      },
      { what: 'the group to commit past the last record' },
    );
    expect(await effects(s.db)).toEqual(ids);
    expect(handled).toEqual([]); // every redelivered event was found in the inbox
  });

  it('dead-letters poison records with their provenance and processes the good ones in order', async () => {
    const s = await scenario('poison');
    const good = [1, 2, 3, 4].map(orderCreated);
    const value = (e: EventByTopic['order.created']) => s.encode(e);
    const schemaId = s.serde.schemaId('order.created');
    const records = [
      { key: 'order-1', value: await value(good[0]!) },
      { key: 'bad-1', value: frame(schemaId, randomBytes(3)) }, // garbage body
      { key: 'order-2', value: await value(good[1]!) },
      { key: 'bad-2', value: Buffer.from('{"not":"avro"}') }, // wrong magic byte
      { key: 'order-3', value: await value(good[2]!) },
      { key: 'bad-3', value: frame(0x7ffffff0, Buffer.from([2, 0])) }, // unknown schema id
      { key: 'order-4', value: await value(good[3]!) },
    ];
    await s.produce(records);
    await s.consume(recordEffect);

    await eventually(async () => (await effects(s.db)).length >= 4, { what: 'the good records' });
    const letters = await eventually(
      async () => {
        const messages = await readTopic(kafka, s.dlq);
        return messages.length >= 3 ? messages : undefined;
      },
      { what: 'three dead letters' },
    );
    expect(await effects(s.db)).toEqual(good.map((e) => e.event_id));
    expect(letters).toHaveLength(3);
    const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString();
    const expectations = [
      { offset: '1', key: 'bad-1', errorClass: /^AppError:DECODE_FAILED:(Truncated|Corrupt)RecordError$/ },
      { offset: '3', key: 'bad-2', errorClass: /^AppError:DECODE_FAILED:WrongMagicByteError$/ },
      { offset: '5', key: 'bad-3', errorClass: /^AppError:DECODE_FAILED:UnknownSchemaIdError$/ },
    ];
    for (const [i, want] of expectations.entries()) {
      const letter = letters[i]!;
      expect(letter.key?.toString()).toBe(want.key);
      expect(letter.value).toEqual(records[Number(want.offset)]?.value); // original bytes, untouched
      expect(header(letter, DLQ_HEADERS.topic)).toBe(s.topic);
      expect(header(letter, DLQ_HEADERS.partition)).toBe('0');
      expect(header(letter, DLQ_HEADERS.offset)).toBe(want.offset);
      expect(header(letter, DLQ_HEADERS.group)).toBe(s.groupId);
      expect(header(letter, DLQ_HEADERS.attempts)).toBe('1'); // decode errors are not retried
      expect(header(letter, DLQ_HEADERS.errorClass)).toMatch(want.errorClass);
    }
  });

  it('retries a transient DB error and processes the record once on the third attempt', async () => {
    const s = await scenario('transient');
    const [flaky, after] = [orderCreated(1), orderCreated(2)];
    await s.produce([
      { key: flaky.order_id, value: await s.encode(flaky) },
      { key: after.order_id, value: await s.encode(after) },
    ]);
    const attempts = new Map<string, number>();
    await s.consume(async (event, ctx) => {
      const attempt = (attempts.get(event.event_id) ?? 0) + 1;
      attempts.set(event.event_id, attempt);
      await recordEffect(event, ctx); // written, then rolled back by the failures below
      if (event.event_id === flaky.event_id && attempt <= 2) {
        throw Object.assign(new Error('Deadlock found when trying to get lock'), {
          code: 'ER_LOCK_DEADLOCK',
        });
      }
    });
    await eventually(async () => (await effects(s.db)).length >= 2, { what: 'both records processed' });
    expect(await effects(s.db)).toEqual([flaky.event_id, after.event_id]);
    expect(attempts.get(flaky.event_id)).toBe(3);
    expect(attempts.get(after.event_id)).toBe(1);
    expect(await readTopic(kafka, s.dlq)).toHaveLength(0);
  });

  it('a transient error in the middle of a batch: the records before it commit once, it is retried, order holds', async () => {
    const s = await scenario('transient_mid');
    const [before, flaky, after] = [orderCreated(1), orderCreated(2), orderCreated(3)];
    await s.produce(
      await Promise.all(
        [before, flaky, after].map(async (e) => ({ key: e.order_id, value: await s.encode(e) })),
      ),
    );
    const attempts = new Map<string, number>();
    await s.consume(async (event, ctx) => {
      const attempt = (attempts.get(event.event_id) ?? 0) + 1;
      attempts.set(event.event_id, attempt);
      await recordEffect(event, ctx);
      if (event.event_id === flaky.event_id && attempt <= 2) {
        throw Object.assign(new Error('Lock wait timeout exceeded'), { code: 'ER_LOCK_WAIT_TIMEOUT' });
      }
    });
    await eventually(async () => (await effects(s.db)).length >= 3, { what: 'all three records processed' });
    expect(await effects(s.db)).toEqual([before.event_id, flaky.event_id, after.event_id]);
    expect(attempts.get(flaky.event_id)).toBe(3);
    expect(await readTopic(kafka, s.dlq)).toHaveLength(0);
  });

  it('redrive re-publishes a dead letter to its topic once the cause is fixed, and it is processed', async () => {
    const s = await scenario('redrive');
    const [rejected, other] = [orderCreated(1), orderCreated(2)];
    await s.produce([
      { key: rejected.order_id, value: await s.encode(rejected) },
      { key: other.order_id, value: await s.encode(other) },
    ]);
    let rejecting = true;
    await s.consume(async (event, ctx) => {
      if (rejecting && event.event_id === rejected.event_id) {
        throw new AppError('BUSINESS_REJECTION', 'catalogue not loaded yet');
      }
      await recordEffect(event, ctx);
    });
    await eventually(async () => (await readTopic(kafka, s.dlq)).length === 1, { what: 'the dead letter' });
    await eventually(async () => (await effects(s.db)).length === 1, { what: 'the other record' });
    const [letter] = await readTopic(kafka, s.dlq);
    expect(letter?.headers?.[DLQ_HEADERS.errorClass]?.toString()).toBe('AppError:BUSINESS_REJECTION');

    rejecting = false;
    const cli = (...args: string[]) =>
      run(
        process.execPath,
        [redriveCli, '--topic', s.dlq, '--brokers', infra.kafkaBrokers.join(','), ...args],
        {
          timeout: 40_000,
          env: { ...process.env, SCHEMA_REGISTRY_URL: infra.registryUrl },
        },
      );
    // A filter that matches nothing, and a dry run, re-publish nothing.
    const none = await cli('--event-id', randomUUID());
    expect(none.stdout).toMatch(/scanned=1 matched=0 republished=0/);
    const tooEarly = await cli('--until', '2000-01-01T00:00:00Z');
    expect(tooEarly.stdout).toMatch(/scanned=1 matched=0 republished=0/);
    const dry = await cli('--event-id', rejected.event_id, '--dry-run');
    expect(dry.stdout).toMatch(/scanned=1 matched=1 republished=0 skipped=0 dry_run=true/);
    expect(await effects(s.db)).toEqual([other.event_id]);

    const done = await cli(
      '--event-id',
      rejected.event_id,
      '--since',
      new Date(Date.now() - 600_000).toISOString(),
    );
    expect(done.stdout).toMatch(/scanned=1 matched=1 republished=1 skipped=0 dry_run=false/);
    await eventually(async () => (await effects(s.db)).length === 2, {
      what: 'the redriven record processed',
    });
    expect(await effects(s.db)).toEqual([other.event_id, rejected.event_id]);

    const redriven = (await readTopic(kafka, s.topic))[2];
    expect(redriven?.value).toEqual(letter?.value);
    expect(redriven?.key?.toString()).toBe(rejected.order_id);
    expect(redriven?.headers?.['dlq.redriven-from-offset']?.toString()).toBe('0');
    expect(
      Object.keys(redriven?.headers ?? {}).filter(
        (h) => h.startsWith('dlq.') && h !== 'dlq.redriven-from-offset',
      ),
    ).toEqual([]);
  });
  it('SIGTERM under load stops gracefully (exit 0); after a restart every record is processed exactly once', async () => {
    const s = await scenario('sigterm');
    const events = Array.from({ length: 150 }, (_, i) => orderCreated(i));
    await s.produce(
      await Promise.all(events.map(async (e) => ({ key: e.order_id, value: await s.encode(e) }))),
    );
    const proc = spawn(process.execPath, [child, 'serve'], {
      env: { ...process.env, DB_NAME: s.db.name, TOPIC_PREFIX: s.prefix, GROUP_ID: s.groupId },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = once(proc, 'exit');
    await eventually(async () => (await effects(s.db)).length >= 20, { what: 'the child to be busy' });
    proc.kill('SIGTERM');
    const [code, signal] = (await exited) as [number | null, string | null];
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    const before = await effects(s.db);
    expect(before.length).toBeLessThan(events.length); // it was stopped mid-load
    // A graceful stop commits the offset of every record whose transaction committed.
    const [committed] = await admin.fetchOffsets({ groupId: s.groupId, topics: [s.topic] });
    expect(committed?.partitions[0]?.offset).toBe(String(before.length));

    const handled: string[] = [];
    await s.consume(async (event, ctx) => {
      handled.push(event.event_id);
      await recordEffect(event, ctx);
    });
    await eventually(async () => (await effects(s.db)).length >= events.length, { what: 'every record' });
    const after = await effects(s.db);
    expect(after).toEqual(events.map((e) => e.event_id));
    expect(handled).toEqual(events.slice(before.length).map((e) => e.event_id));
  });
});
