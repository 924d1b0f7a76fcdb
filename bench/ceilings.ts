// The machine's ceilings, measured in the same run as the load bench so the system's figures
// can be read as ratios of them:
//   1. Kafka's own producer performance tool (org.apache.kafka.tools.ProducerPerformance,
//      from the kafka-tools jar on Maven Central) with the record size of our order.created;
//   2. raw kafkajs produce → consume of the same records (idempotent producer, acks -1,
//      batches of 500, like the relay), i.e. what Node + kafkajs can move at best;
//   3. MariaDB durable commits/s of the checkout transaction itself (order + lines + outbox
//      row + timeline row, with the real repositories) in a throwaway database.
//   node bench/ceilings.ts [--out FILE.json] [--records 100000] [--seconds 8]
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import mysql from 'mysql2/promise';
import { createSerde } from '../packages/platform/src/serde.ts';
import { exampleEvents } from '../packages/platform/src/event-examples.ts';
import { createPool, migrateService, withTransaction } from '../packages/platform/src/mysql.ts';
import { appendToOutbox } from '../packages/platform/src/outbox.ts';
import { appendTimeline, insertOrder } from '../services/order/src/adapters/mysql/orders-repo.ts';
import type { Order } from '../services/order/src/domain/order.ts';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const { values: args } = parseArgs({
  options: {
    out: { type: 'string' },
    records: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '8' },
  },
});
const KAFKA_VERSION = '4.4.0';
const records = Number(args.records);
const seconds = Number(args.seconds);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const mysqlUrl = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7';
const outJson = resolve(
  args.out ?? `${ROOT}/bench/results/${new Date().toISOString().replace(/[:.]/g, '-')}-ceilings.json`,
);
const log = (message: string) => process.stderr.write(`ceilings: ${message}\n`);
const id = randomBytes(4).toString('hex');
const kafka = new Kafka({ clientId: `bench-ceilings-${id}`, brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();

// ---------------------------------------------------------------- the record we publish
// The same bytes the relay sends for an order.created: key (uuid), Avro value in the wire
// format (the registry's id for the existing subject) and the three headers.
const serde = createSerde({ registryUrl, topics: ['order.created'], register: false });
await serde.init();
const example = { ...exampleEvents()['order.created'], event_id: randomUUID(), order_id: randomUUID() };
const value = await serde.encode('order.created', example);
const headers = {
  traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
  'correlation-id': randomUUID(),
  'event-type': 'order.created',
};
const recordBytes =
  value.length + 36 + Object.entries(headers).reduce((sum, [k, v]) => sum + k.length + v.length, 0);
log(`order.created record: ${value.length} B value, ${recordBytes} B with key and headers`);

async function withTopic<T>(name: string, work: (topic: string) => Promise<T>): Promise<T> {
  const topic = `bench-ceiling-${id}-${name}`;
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
  });
  try {
    return await work(topic);
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  }
}

// ---------------------------------------------------------------- 1. Kafka's ProducerPerformance
function kafkaToolsJar(): { jar?: string; version?: string; note: string } {
  const repo = `${homedir()}/.m2/repository/org/apache/kafka/kafka-tools`;
  // 4.4.0 is the broker's version; its kafka-tools is not on the Maven mirror this machine can
  // reach, so fall back to the newest 4.x whose jar resolves (it runs on the 4.4.0 clients).
  for (const version of [KAFKA_VERSION, '4.2.0', '4.1.1', '4.1.0', '4.0.0']) {
    const jar = `${repo}/${version}/kafka-tools-${version}.jar`;
    if (!existsSync(jar)) {
      const fetched = spawnSync(
        'mvn',
        [
          '-B',
          '-q',
          'dependency:get',
          `-Dartifact=org.apache.kafka:kafka-tools:${version}`,
          '-Dtransitive=false',
        ],
        { encoding: 'utf8', timeout: 180_000 },
      );
      if (fetched.status !== 0) {
        log(`kafka-tools ${version} not available from Maven`);
        continue;
      }
    }
    if (existsSync(jar))
      return {
        jar,
        version,
        note:
          version === KAFKA_VERSION
            ? ''
            : `kafka-tools ${KAFKA_VERSION} is not on the reachable Maven mirror; ProducerPerformance from kafka-tools ${version} on the ${KAFKA_VERSION} client jars`,
      };
  }
  return { note: 'no kafka-tools jar could be resolved from Maven; ProducerPerformance not run' };
}

async function producerPerformance() {
  const tools = kafkaToolsJar();
  if (!tools.jar) return { available: false, note: tools.note };
  return withTopic('perf', async (topic) => {
    const run = spawnSync(
      'java',
      [
        '-Xmx512m',
        '-cp',
        `${tools.jar}:${ROOT}/.cache/kafka-${KAFKA_VERSION}/lib/*`,
        'org.apache.kafka.tools.ProducerPerformance',
        '--topic',
        topic,
        '--num-records',
        String(records * 2),
        '--record-size',
        String(recordBytes),
        '--throughput',
        '-1',
        '--producer-props',
        `bootstrap.servers=${brokers.join(',')}`,
        'acks=all',
        'enable.idempotence=true',
      ],
      { encoding: 'utf8', timeout: 300_000 },
    );
    const last = run.stdout.trim().split('\n').at(-1) ?? '';
    const match =
      /([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99.9th/.exec(
        last,
      );
    if (!match)
      return {
        available: false,
        note: `${tools.note}; unexpected output: ${last || run.stderr.slice(-500)}`,
      };
    return {
      available: true,
      toolsVersion: tools.version,
      note: tools.note,
      records: records * 2,
      recordBytes,
      recordsPerSecond: Number(match[1]),
      mbPerSecond: Number(match[2]),
      latencyMs: {
        avg: Number(match[3]),
        max: Number(match[4]),
        p50: Number(match[5]),
        p95: Number(match[6]),
        p99: Number(match[7]),
        p999: Number(match[8]),
      },
      settings:
        'acks=all, enable.idempotence=true, 3 partitions, defaults otherwise (linger.ms=5, batch.size=16384)',
    };
  });
}

// ---------------------------------------------------------------- 2. raw kafkajs produce → consume
async function kafkajsProduceConsume() {
  return withTopic('kafkajs', async (topic) => {
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    const consumer = kafka.consumer({ groupId: `bench-ceiling-${id}`, maxWaitTimeInMs: 100 });
    await Promise.all([producer.connect(), consumer.connect()]);
    await consumer.subscribe({ topic, fromBeginning: true });
    let consumed = 0;
    let lastConsumedAt = 0;
    const allConsumed = new Promise<void>((resolveAll) => {
      void consumer.run({
        eachBatch: async ({ batch }) => {
          consumed += batch.messages.length;
          lastConsumedAt = performance.now();
          if (consumed >= records) resolveAll();
        },
      });
    });
    const keys = Array.from({ length: 1000 }, () => randomUUID());
    const started = performance.now();
    for (let sent = 0; sent < records; sent += 500) {
      await producer.sendBatch({
        acks: -1,
        topicMessages: [
          {
            topic,
            messages: Array.from({ length: Math.min(500, records - sent) }, (_, i) => ({
              key: keys[(sent + i) % keys.length],
              value,
              headers,
            })),
          },
        ],
      });
    }
    const producedSeconds = (performance.now() - started) / 1000;
    await allConsumed;
    const totalSeconds = (lastConsumedAt - started) / 1000;
    await Promise.all([producer.disconnect(), consumer.disconnect()]);
    await admin.deleteGroups([`bench-ceiling-${id}`]).catch(() => undefined);
    return {
      records,
      recordBytes,
      producePerSecond: Math.round(records / producedSeconds),
      produceConsumePerSecond: Math.round(records / totalSeconds),
      settings:
        'idempotent producer, acks -1, sendBatch of 500 awaited one at a time (as the relay), 3 partitions, one consumer',
    };
  });
}

// ---------------------------------------------------------------- 3. MariaDB durable commits/s
async function mariadbCommits() {
  const database = `bench_ceiling_${id}`;
  await migrateService(mysqlUrl, database, `${ROOT}/services/order/migrations`);
  const pool = createPool(mysqlUrl, database, 32);
  const admin2 = await mysql.createConnection(mysqlUrl);
  const [variables] = await admin2.query<mysql.RowDataPacket[]>(
    "SHOW VARIABLES WHERE Variable_name IN ('innodb_flush_log_at_trx_commit','sync_binlog','log_bin','version')",
  );
  const settings = Object.fromEntries(variables.map((r) => [String(r.Variable_name), String(r.Value)]));
  async function checkoutTransaction(): Promise<void> {
    const now = new Date();
    const orderId = randomUUID();
    const items = [
      { sku: 'BENCH-0001', quantity: 2, unit_price_cents: 1999 },
      { sku: 'BENCH-0002', quantity: 1, unit_price_cents: 1999 },
    ];
    const order: Order = {
      order_id: orderId,
      customer_id: 'bench',
      customer_email: 'bench@example.com',
      currency: 'USD',
      total_cents: 5997,
      status: 'PENDING',
      status_reason: null,
      payment_status: 'pending',
      stock_status: 'pending',
      payment_id: null,
      payment_method: 'card',
      correlation_id: randomUUID(),
      deadline_at: new Date(now.getTime() + 30_000),
      created_at: now,
      updated_at: now,
    };
    await withTransaction(pool, async (tx) => {
      await insertOrder(tx, order, items);
      const event = { ...example, event_id: randomUUID(), order_id: orderId };
      await appendToOutbox(tx, [{ topic: 'order.created', key: orderId, event }]);
      await appendTimeline(tx, orderId, {
        event_id: event.event_id,
        event_type: 'order.created',
        source: 'order',
        occurred_at: now,
      });
    });
  }
  const results: Record<string, number> = {};
  try {
    for (const concurrency of [1, 8, 32]) {
      let commits = 0;
      const deadline = performance.now() + seconds * 1000;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (performance.now() < deadline) {
            await checkoutTransaction();
            commits += 1;
          }
        }),
      );
      results[`concurrency${concurrency}`] = Math.round(commits / ((performance.now() - started) / 1000));
      log(
        `MariaDB checkout transactions, ${concurrency} connections: ${results[`concurrency${concurrency}`]}/s`,
      );
    }
  } finally {
    await pool.end();
    await admin2.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin2.end();
  }
  return {
    transactionsPerSecond: results,
    best: Math.max(...Object.values(results)),
    transaction:
      'INSERT order + 2 lines + outbox row + timeline row, one COMMIT (the checkout transaction, real repositories)',
    settings,
  };
}

const started = new Date().toISOString();
log('Kafka ProducerPerformance');
const producerPerf = await producerPerformance();
log(`  ${JSON.stringify(producerPerf)}`);
log('raw kafkajs produce → consume');
const kafkajs = await kafkajsProduceConsume();
log(`  ${JSON.stringify(kafkajs)}`);
log('MariaDB durable commits');
const mariadb = await mariadbCommits();
await admin.disconnect();
const result = {
  kind: 'ceilings',
  startedAt: started,
  recordBytes,
  valueBytes: value.length,
  producerPerf,
  kafkajs,
  mariadb,
};
mkdirSync(dirname(outJson), { recursive: true });
writeFileSync(outJson, `${JSON.stringify(result, null, 1)}\n`);
log(`wrote ${outJson}`);
process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
process.exit(0);
