// A child process the crash tests SIGKILL at a chosen point (see relay.test.ts, consumer.test.ts).
// Mode from argv[2]:
//   outbox   — commits OUTBOX_COUNT outbox rows (no relay), prints "ready", waits to be killed.
//   consumer — runs runConsumer; the handler records an effect and emits an event; right after
//              the first transaction commits (onEmitted) the process SIGKILLs itself, before
//              the offset can be committed.
//   serve    — runs runConsumer until SIGTERM, then shuts down gracefully and exits 0.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { runConsumer } from '../consumer.ts';
import { exampleEvents } from '../event-examples.ts';
import { createPool, withTransaction } from '../mysql.ts';
import { appendToOutbox } from '../outbox.ts';
import { createSerde } from '../serde.ts';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const mode = process.argv[2];
const pool = createPool(env('MYSQL_URL'), env('DB_NAME'), 2);
const log = pino({ level: 'warn' }, pino.destination(2));

if (mode === 'outbox') {
  const count = Number(env('OUTBOX_COUNT'));
  const keys = Number(process.env.OUTBOX_KEYS ?? '5');
  for (let i = 0; i < count; i += 1) {
    const event = {
      ...exampleEvents()['order.created'],
      event_id: randomUUID(),
      order_id: `order-${i % keys}`,
      customer_id: `seq-${i}`,
    };
    await withTransaction(pool, (tx) =>
      appendToOutbox(tx, [{ topic: 'order.created', key: event.order_id, event }]),
    );
  }
  process.stdout.write('ready\n');
  setInterval(() => undefined, 60_000); // wait for SIGKILL
} else if (mode === 'consumer') {
  const prefix = env('TOPIC_PREFIX');
  const kafka = new Kafka({
    clientId: 'crash-child',
    brokers: env('KAFKA_BROKERS').split(','),
    logLevel: logLevel.NOTHING,
  });
  const serde = createSerde({
    registryUrl: env('SCHEMA_REGISTRY_URL'),
    topics: ['order.created'],
    topicPrefix: prefix,
  });
  await serde.init();
  const producer = kafka.producer();
  await producer.connect();
  await runConsumer({
    kafka,
    pool,
    groupId: env('GROUP_ID'),
    // Short, so the test's restarted member need not wait long for this dead one to expire.
    sessionTimeoutMs: Number(process.env.SESSION_TIMEOUT_MS ?? 30_000),
    // 1: one transaction per record, so the kill lands after the first record's commit.
    transactionBatchSize: Number(process.env.TX_BATCH_SIZE ?? 50),
    topicPrefix: prefix,
    decode: serde.decode,
    producer,
    log,
    handlers: {
      'order.created': async (event, { tx, emit }) => {
        await tx.query('INSERT INTO effects (event_id) VALUES (?)', [event.event_id]);
        await emit('order.confirmed', {
          ...exampleEvents()['order.confirmed'],
          event_id: randomUUID(),
          order_id: event.order_id,
        });
      },
    },
    // Runs after COMMIT and before the offset is resolved: die here, as a crash would.
    onEmitted: () => process.kill(process.pid, 'SIGKILL'),
  });
  process.stdout.write('ready\n');
} else if (mode === 'serve') {
  // Consumes until SIGTERM, then stops the consumer (finishing the record in flight) and exits 0.
  const prefix = env('TOPIC_PREFIX');
  const kafka = new Kafka({
    clientId: 'serve-child',
    brokers: env('KAFKA_BROKERS').split(','),
    logLevel: logLevel.NOTHING,
  });
  const serde = createSerde({
    registryUrl: env('SCHEMA_REGISTRY_URL'),
    topics: ['order.created'],
    topicPrefix: prefix,
  });
  await serde.init();
  const producer = kafka.producer();
  await producer.connect();
  const running = await runConsumer({
    kafka,
    pool,
    groupId: env('GROUP_ID'),
    topicPrefix: prefix,
    decode: serde.decode,
    producer,
    log,
    sessionTimeoutMs: 6_000,
    handlers: {
      'order.created': async (event, { tx }) => {
        await tx.query('INSERT INTO effects (event_id) VALUES (?)', [event.event_id]);
        await new Promise((resolve) => setTimeout(resolve, 10)); // keep records in flight
      },
    },
  });
  process.once('SIGTERM', () => {
    void (async () => {
      await running.stop();
      await producer.disconnect();
      await pool.end();
      process.exit(0);
    })();
  });
  process.stdout.write('ready\n');
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
