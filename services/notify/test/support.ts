// Helpers for notify's integration tests: a real SMTP server, free ports, an event producer
// and the service started embedded with its own database and topic prefix.
import { randomUUID } from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import { TOPICS, type EventByTopic, type Topic } from '@commerce/platform/events';
import { createSerde } from '@commerce/platform/serde';
import { parseConfig } from '@commerce/platform/config';
import type { ServiceRuntime } from '@commerce/platform/service-runtime';
import {
  createTestDatabase,
  testInfra,
  testKafka,
  uniqueName,
  type TestDatabase,
} from '../../../test/support/isolation.ts';
import { createPrefixedTopics, freePort, serviceTestEnv } from '../../../test/support/service-harness.ts';

export { freePort };
import { envSchema } from '../src/config.ts';
import { migrationsDir, startNotifyService } from '../src/service.ts';
import type { NotificationView } from '../src/adapters/mysql/notifications-repository.ts';

export type ReceivedMail = { from: string; to: string[]; raw: string; messageId: string | undefined };

/** A real SMTP server (no auth, no TLS) that keeps every mail it accepted. */
export async function startSmtpServer(
  port: number,
): Promise<{ mails: ReceivedMail[]; close: () => Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          messageId: /^message-id:\s*(.+)$/im.exec(raw)?.[1]?.trim(),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export type Harness = {
  runtime: ServiceRuntime;
  db: TestDatabase;
  publish: <T extends Topic>(topic: T, event: EventByTopic[T]) => Promise<void>;
  list: (orderId: string) => Promise<NotificationView[]>;
  stop: () => Promise<void>;
};

/** Starts notify on a fresh database and topic prefix, with a producer for its input topics. */
export async function startHarness(env: Record<string, string>): Promise<Harness> {
  const infra = testInfra();
  const db = await createTestDatabase('notify', migrationsDir);
  const topicPrefix = `${uniqueName('t')}.`;
  await createPrefixedTopics(topicPrefix, 1);
  const config = parseConfig(envSchema, {
    ...(await serviceTestEnv({ mysqlUrl: db.url, topicPrefix })),
    // One partition: records are handled in the order produced, so a later record proves
    // the earlier ones were handled.
    KAFKA_TOPIC_PARTITIONS: '1',
    LOG_LEVEL: 'error',
    MYSQL_POOL_SIZE: '5',
    ...env,
  });
  const runtime = await startNotifyService(config, { installSignalHandlers: false });
  const serde = createSerde({ registryUrl: infra.registryUrl, topics: [...TOPICS], topicPrefix });
  await serde.init();
  const producer = testKafka().producer();
  await producer.connect();
  return {
    runtime,
    db,
    async publish(topic, event) {
      await producer.send({
        topic: `${topicPrefix}${topic}`,
        messages: [{ key: event.order_id, value: await serde.encode(topic, event) }],
      });
    },
    async list(orderId) {
      const response = await runtime.app.request(`/notifications?order_id=${encodeURIComponent(orderId)}`);
      if (response.status !== 200) throw new Error(`GET /notifications answered ${response.status}`);
      return ((await response.json()) as { items: NotificationView[] }).items;
    },
    async stop() {
      await producer.disconnect();
      await runtime.stop();
      await db.drop();
    },
  };
}

const occurred_at = Date.UTC(2025, 0, 15, 10, 30, 0);

export function orderConfirmed(orderId: string, email: string | null): EventByTopic['order.confirmed'] {
  return {
    event_id: randomUUID(),
    event_type: 'order.confirmed',
    occurred_at,
    order_id: orderId,
    correlation_id: randomUUID(),
    customer_id: 'cust-42',
    customer_email: email,
    total_cents: 8498,
    currency: 'USD',
    payment_id: 'pay_7d1e9c',
  };
}

export function orderCancelled(orderId: string, email: string | null): EventByTopic['order.cancelled'] {
  return {
    event_id: randomUUID(),
    event_type: 'order.cancelled',
    occurred_at,
    order_id: orderId,
    correlation_id: randomUUID(),
    customer_id: 'cust-42',
    customer_email: email,
    total_cents: 8498,
    currency: 'USD',
    reason: 'OUT_OF_STOCK',
  };
}

export function paymentConfirmed(orderId: string): EventByTopic['payment.confirmed'] {
  return {
    event_id: randomUUID(),
    event_type: 'payment.confirmed',
    occurred_at,
    order_id: orderId,
    correlation_id: randomUUID(),
    payment_id: 'pay_7d1e9c',
    amount_cents: 8498,
    currency: 'USD',
  };
}
