// Proof that the tests run against real infrastructure: the schema registry, Kafka with an
// idempotent producer and a consumer group, MariaDB and Redis.
import { afterAll, describe, expect, it } from 'vitest';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Partitioners } from 'kafkajs';
import mysql from 'mysql2/promise';
import { Redis } from 'ioredis';
import { createTopics, eventually, testInfra, testKafka, uniqueName } from './support/isolation.ts';

const infra = testInfra();
const registry = new SchemaRegistry({ host: infra.registryUrl });
const greeting = (fields: object[]) =>
  JSON.stringify({ type: 'record', name: 'Greeting', namespace: 'test.infra', fields });

describe('real infrastructure', () => {
  const kafka = testKafka();
  const admin = kafka.admin();
  afterAll(async () => {
    await admin.disconnect();
  });

  it('registers an Avro schema, produces idempotently, consumes in a group and decodes', async () => {
    const topic = uniqueName('infra-proof');
    await admin.connect();
    await createTopics(admin, [topic], 2);
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: greeting([{ name: 'text', type: 'string' }]) },
      { subject: `${topic}-value` },
    );
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const texts = ['olá', 'hola', 'hello'];
    await producer.send({
      topic,
      acks: -1,
      messages: await Promise.all(
        texts.map(async (text) => ({ key: text, value: await registry.encode(id, { text }) })),
      ),
    });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueName('infra-proof-group') });
    const received: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const decoded = (await registry.decode(message.value!)) as { text: string };
        received.push(decoded.text);
      },
    });
    await eventually(async () => received.length === texts.length, { what: 'three decoded records' });
    await consumer.disconnect();
    expect(received.sort()).toEqual([...texts].sort());
  });

  it('the registry rejects a BACKWARD-incompatible change', async () => {
    const subject = `${uniqueName('infra-compat')}-value`;
    await registry.register(
      { type: SchemaType.AVRO, schema: greeting([{ name: 'text', type: 'string' }]) },
      { subject },
    );
    const incompatible = greeting([
      { name: 'text', type: 'string' },
      { name: 'lang', type: 'string' }, // new field without a default: old records can't be read
    ]);
    await expect(
      registry.register({ type: SchemaType.AVRO, schema: incompatible }, { subject }),
    ).rejects.toThrow(/incompatible|409|compatib/i);
  });

  it('queries MariaDB through mysql2', async () => {
    const connection = await mysql.createConnection(infra.mysqlUrl);
    const [rows] = await connection.query<mysql.RowDataPacket[]>(
      'SELECT VERSION() AS version, 6 * 7 AS answer',
    );
    await connection.end();
    expect(rows[0]?.answer).toBe(42);
    expect(String(rows[0]?.version)).toMatch(/\d+\.\d+/);
  });

  it('round-trips a value through Redis', async () => {
    const redis = new Redis(infra.redisUrl);
    const key = uniqueName('infra-proof');
    await redis.set(key, 'value', 'EX', 30);
    expect(await redis.get(key)).toBe('value');
    await redis.del(key);
    redis.disconnect();
  });
});
