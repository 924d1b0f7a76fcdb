// Outbox relay throughput: rows/s from "N pending rows" to "all stamped published", against
// the real MariaDB, Kafka and registry, in a throwaway database, topic and subject prefix.
//   node bench/relay-bench.ts [--rows 5000] [--batch 500] [--keys 100]
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { pino } from 'pino';
import { exampleEvents } from '../packages/platform/src/event-examples.ts';
import { createPool, migrateService, withTransaction } from '../packages/platform/src/mysql.ts';
import { partitionCounter } from '../packages/platform/src/kafka.ts';
import { appendToOutbox } from '../packages/platform/src/outbox.ts';
import { createOutboxRelay } from '../packages/platform/src/relay.ts';
import { createSerde } from '../packages/platform/src/serde.ts';
import { deleteSubjects } from '../packages/platform/src/test-support.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '5000' },
    batch: { type: 'string', default: '500' },
    keys: { type: 'string', default: '100' },
  },
});
const rows = Number(values.rows);
const batchSize = Number(values.batch);
const keys = Number(values.keys);
const mysqlUrl = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7';
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const id = randomBytes(4).toString('hex');
const prefix = `bench-relay-${id}.`;
const topic = `${prefix}order.created`;
const database = `bench_relay_${id}`;

const kafka = new Kafka({ clientId: 'relay-bench', brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const producer = kafka.producer({
  idempotent: true,
  maxInFlightRequests: 1,
  createPartitioner: Partitioners.DefaultPartitioner,
});
await admin.connect();
await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
await migrateService(
  mysqlUrl,
  database,
  new URL('../test/support/empty-migrations', import.meta.url).pathname,
);
const pool = createPool(mysqlUrl, database, 5);
const serde = createSerde({ registryUrl, topics: ['order.created'], topicPrefix: prefix });
await Promise.all([serde.init(), producer.connect()]);

try {
  for (let start = 0; start < rows; start += 1000) {
    await withTransaction(pool, (tx) =>
      appendToOutbox(
        tx,
        Array.from({ length: Math.min(1000, rows - start) }, (_, i) => {
          const event = {
            ...exampleEvents()['order.created'],
            event_id: randomUUID(),
            order_id: `order-${(start + i) % keys}`,
          };
          return { topic: 'order.created' as const, key: event.order_id, event };
        }),
      ),
    );
  }
  const relay = createOutboxRelay({
    pool,
    producer,
    partitionCount: partitionCounter(admin),
    encode: (t, payload) => serde.encode(t, payload as never),
    log: pino({ level: 'silent' }),
    lockName: `relay:${database}`,
    topicPrefix: prefix,
    batchSize,
    idlePollMs: 20,
  });
  const started = performance.now();
  relay.start();
  for (;;) {
    const [result] = await pool.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL',
    );
    if (Number(result[0]?.n) === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const seconds = (performance.now() - started) / 1000;
  await relay.stop();
  const offsets = await admin.fetchTopicOffsets(topic);
  const published = offsets.reduce((sum, p) => sum + Number(p.high), 0);
  process.stdout.write(
    `relay: ${rows} rows, batch ${batchSize}: ${seconds.toFixed(2)} s, ${Math.round(rows / seconds)} rows/s ` +
      `(records on topic: ${published})\n`,
  );
} finally {
  await producer.disconnect();
  await pool.end();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  await deleteSubjects(registryUrl, prefix);
  const connection = await mysql.createConnection(mysqlUrl);
  await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await connection.end();
}
