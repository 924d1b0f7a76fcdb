// The tail CLI as a user runs it: a child process against the real Kafka and registry, on a
// topic of its own (with a subject of its own) that holds encoded events and one bad record.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleEvents } from '../event-examples.ts';
import { createSerde } from '../serde.ts';
import { deleteSubjects, testBrokers, testRegistryUrl, uniqueName } from '../test-support.ts';
import { createTopics } from '../../../../test/support/isolation.ts';

const run = promisify(execFile);
const cli = new URL('./tail.ts', import.meta.url).pathname;
const brokers = testBrokers();
const registryUrl = testRegistryUrl();
const prefix = `${uniqueName('tail')}.`;
const topic = `${prefix}order.created`; // physical name, as KAFKA_TOPIC_PREFIX makes it
const kafka = new Kafka({ clientId: 'tail-test', brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();

const events = [1, 2, 3].map((n) => ({
  ...exampleEvents()['order.created'],
  event_id: `3b2f1c0e-5d4a-4b6c-8e7f-9a0b1c2d3e0${n}`,
  order_id: `order-${n}`,
}));

beforeAll(async () => {
  await admin.connect();
  await createTopics(admin, [topic], 2);
  const serde = createSerde({ registryUrl, topics: ['order.created'], topicPrefix: prefix });
  await serde.init();
  const producer = kafka.producer();
  await producer.connect();
  const messages = await Promise.all(
    events.map(async (event) => ({
      key: event.order_id,
      value: await serde.encode('order.created', event),
      headers: { 'x-correlation-id': event.correlation_id },
    })),
  );
  await producer.send({
    topic,
    messages: [...messages, { key: 'order-bad', value: Buffer.from('not avro') }],
  });
  await producer.disconnect();
});

afterAll(async () => {
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  await deleteSubjects(registryUrl, prefix);
});

async function tail(...args: string[]) {
  const { stdout } = await run(
    process.execPath,
    [cli, topic, '--brokers', brokers.join(','), '--registry', registryUrl, ...args],
    {
      timeout: 50_000,
    },
  );
  return stdout
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('npm run tail', () => {
  it('--from-beginning prints every record once, decoded, and exits at the end offsets', async () => {
    const lines = await tail('--from-beginning');
    expect(lines).toHaveLength(4);
    const byKey = new Map(lines.map((line) => [line.key, line]));
    for (const event of events) {
      const line = byKey.get(event.order_id);
      expect(line).toMatchObject({
        topic,
        key: event.order_id,
        headers: { 'x-correlation-id': event.correlation_id },
        value: event,
      });
      expect(typeof line?.partition).toBe('number');
      expect(typeof line?.offset).toBe('string');
      expect(line?.timestamp).toBeGreaterThan(Date.now() - 10 * 60_000);
    }
    const bad = byKey.get('order-bad')?.value as { error?: string } | undefined;
    expect(bad?.error).toMatch(/^WrongMagicByteError: /);
  });

  it('without --from-beginning prints nothing: there is nothing after the end', async () => {
    expect(await tail()).toEqual([]);
  });

  it('--follow prints records produced after it started, until stopped', async () => {
    const child = spawn(process.execPath, [
      cli,
      topic,
      '--follow',
      '--brokers',
      brokers.join(','),
      '--registry',
      registryUrl,
    ]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor(() => stderr.includes('tail: following'), 30_000);
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, messages: [{ key: 'order-late', value: Buffer.from([0, 0, 0]) }] });
      await producer.disconnect();
      await waitFor(() => stdout.includes('order-late'), 30_000);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { key: string; value: unknown });
    expect(lines.map((line) => line.key)).toEqual(['order-late']);
    expect((lines[0]?.value as { error?: string }).error).toMatch(/^TruncatedRecordError/);
  });
});

/** Polls `condition` until it holds, failing after `timeoutMs`. */
async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
