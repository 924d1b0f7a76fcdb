// Wires the shared pieces of a service in one place: logger, MySQL pool and migrations,
// Kafka clients and topics, serde, outbox relay, HTTP shell, consumer, graceful shutdown.
// A service's main.ts passes its config, handlers and routes; the order of start-up and
// shutdown lives here so every service gets it right the same way.
import type { Hono } from 'hono';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import type { ServerType } from '@hono/node-server';
import type { Logger } from 'pino';
import type { CommonConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { createPool, databaseName, migrateService, type Pool } from './mysql.ts';
import { createKafka, ensureTopics, partitionCounter } from './kafka.ts';
import { createSerde, type Serde } from './serde.ts';
import { createOutboxRelay, type OutboxRelay } from './relay.ts';
import { runConsumer, type HandlerMap, type RunningConsumer } from './consumer.ts';
import { startLagMonitor, type LagMonitor } from './lag-monitor.ts';
import { createHttpApp, startHttpServer, stopHttpServer, type AppEnv } from './http.ts';
import { installGracefulShutdown, runStopSteps, type StopStep } from './lifecycle.ts';
import { setServiceLabel } from './metrics.ts';
import type { HealthCheck } from './health.ts';
import { dlqTopic, TOPICS, type Topic } from './events.ts';

export type ServiceDefinition = {
  name: string;
  config: CommonConfig;
  /** The service's default database (CONTRACT.md), used when MYSQL_URL has no path. */
  defaultDatabase: string;
  migrationsDir: string;
  /** Topics this service publishes through its outbox. */
  produces: Topic[];
  /** false in tests: no SIGTERM/SIGINT handlers, no process.exit; use runtime.stop(). */
  installSignalHandlers?: boolean;
};

export type ServiceRuntime = {
  name: string;
  log: Logger;
  pool: Pool;
  database: string;
  kafka: Kafka;
  admin: Admin;
  producer: Producer;
  serde: Serde;
  relay: OutboxRelay;
  app: Hono<AppEnv>;
  /** Extra readiness checks (e.g. Redis); add before start(). */
  checks: HealthCheck[];
  /** Extra shutdown steps run after the consumer stops and before the relay flushes. */
  stopSteps: StopStep[];
  /** Starts the consumer (if handlers are given), the relay and the HTTP server. */
  start: (options?: { groupId?: string; handlers?: HandlerMap }) => Promise<void>;
  /** Stops everything and exits the process (signals, crash, stall). */
  shutdown: (reason: string, code?: number) => Promise<void>;
  /** Stops everything without exiting (tests, embedding). */
  stop: () => Promise<void>;
};

/** Connects everything a service needs; nothing consumes or listens until start(). */
export async function createServiceRuntime(definition: ServiceDefinition): Promise<ServiceRuntime> {
  const { name, config } = definition;
  setServiceLabel(name);
  const log = createLogger(name, config.LOG_LEVEL);
  const database = databaseName(config.MYSQL_URL, definition.defaultDatabase);
  await migrateService(config.MYSQL_URL, database, definition.migrationsDir);
  const pool = createPool(config.MYSQL_URL, database, config.MYSQL_POOL_SIZE);

  const kafka = createKafka(config, config.KAFKA_CLIENT_ID ?? name, log);
  const admin = kafka.admin();
  await admin.connect();
  // Every topic of the contract and its DLQ exist before anyone produces or subscribes.
  const prefix = config.KAFKA_TOPIC_PREFIX;
  const physical = TOPICS.map((topic) => `${prefix}${topic}`);
  await ensureTopics(admin, [...physical, ...physical.map(dlqTopic)], {
    partitions: config.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: config.KAFKA_TOPIC_REPLICATION_FACTOR,
  });
  const newProducer = async (): Promise<Producer> => {
    const created = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await created.connect();
    return created;
  };
  // Dead letters and the relay have a producer each: the relay replaces its own when its
  // idempotent session breaks (relay.ts), without pulling one from under the consumer.
  const producer = await newProducer();
  let relayProducer = await newProducer();

  const serde = createSerde({
    registryUrl: config.SCHEMA_REGISTRY_URL,
    topics: [...TOPICS],
    topicPrefix: prefix,
  });
  await serde.init();

  const relay = createOutboxRelay({
    pool,
    producer: relayProducer,
    replaceProducer: async (broken) => {
      await broken.disconnect().catch(() => undefined);
      relayProducer = await newProducer();
      return relayProducer;
    },
    partitionCount: partitionCounter(admin),
    encode: (topic, payload) => serde.encode(topic, payload as never),
    log: log.child({ component: 'relay' }),
    lockName: `outbox-relay:${database}`,
    topicPrefix: prefix,
  });

  let consumer: RunningConsumer | undefined;
  let consumerExpected = false;
  let lag: LagMonitor | undefined;
  let server: ServerType | undefined;
  const checks: HealthCheck[] = [];
  const stopSteps: StopStep[] = [];

  const baseChecks = (): HealthCheck[] => [
    { name: 'mysql', critical: true, check: async () => void (await pool.query('SELECT 1')) },
    { name: 'kafka', critical: true, check: async () => void (await admin.describeCluster()) },
    {
      name: 'schema_registry',
      critical: true,
      check: async () => {
        const response = await fetch(`${config.SCHEMA_REGISTRY_URL}/subjects`);
        if (!response.ok) throw new Error(`registry answered ${response.status}`);
      },
    },
    { name: 'outbox_relay', critical: true, check: () => relay.health() },
    ...(consumerExpected
      ? [
          {
            name: 'consumer',
            critical: true,
            check: () => (consumer ? consumer.health() : Promise.reject(new Error('consumer starting'))),
          },
        ]
      : []),
    ...(lag ? [{ name: 'consumer_progress', critical: true, check: () => lag!.health() }] : []),
    ...checks,
  ];
  const app = createHttpApp({ log, checks: baseChecks });

  const runtime: ServiceRuntime = {
    name,
    log,
    pool,
    database,
    kafka,
    admin,
    producer,
    serde,
    relay,
    app,
    checks,
    stopSteps,
    shutdown: async () => undefined,
    stop: async () => undefined,
    async start(options = {}) {
      relay.start();
      // HTTP first: the API (a checkout needs only MySQL) answers while the consumer joins
      // its group, which after a crash waits out the dead member's session. Readiness says
      // "consumer starting" until it has joined.
      consumerExpected = options.handlers !== undefined;
      server = await startHttpServer(app, config.PORT);
      if (options.handlers) {
        // The topic prefix isolates environments sharing a cluster; their groups must differ too.
        const groupId = options.groupId ?? `${prefix}${name}`;
        consumer = await runConsumer({
          kafka,
          pool,
          groupId,
          handlers: options.handlers,
          decode: (topic, buffer) => serde.decode(topic, buffer),
          producer,
          log: log.child({ component: 'consumer', group: groupId }),
          onEmitted: () => relay.wake(),
          topicPrefix: prefix,
          transactionBatchSize: config.CONSUMER_BATCH_SIZE,
          sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
        });
        // kafkajs gave up restarting, or made no progress with lag: exit for the supervisor.
        consumer.onCrash(() => void runtime.shutdown('consumer crashed', 1));
        lag = startLagMonitor({
          admin,
          groupId,
          topics: Object.keys(options.handlers).map((topic) => `${prefix}${topic}`),
          log,
          onStall: () => void runtime.shutdown('consumer stalled', 1),
        });
      }
      log.info({ port: config.PORT, database }, `${name} service started`);
    },
  };
  const stopSequence: StopStep[] = [
    { name: 'http', stop: async () => server && stopHttpServer(server) },
    { name: 'lag-monitor', stop: async () => lag?.stop() },
    { name: 'consumer', stop: async () => consumer?.stop() },
    { name: 'service', stop: async () => Promise.all(stopSteps.map((s) => s.stop())) },
    { name: 'relay', stop: () => relay.stop() },
    { name: 'producer', stop: () => producer.disconnect() },
    { name: 'relay-producer', stop: () => relayProducer.disconnect() },
    { name: 'admin', stop: () => admin.disconnect() },
    { name: 'mysql', stop: () => pool.end() },
  ];
  runtime.stop = () => runStopSteps(log, stopSequence);
  if (definition.installSignalHandlers ?? true) {
    runtime.shutdown = installGracefulShutdown(log, stopSequence, config.SHUTDOWN_TIMEOUT_MS);
  } else {
    runtime.shutdown = async (reason) => {
      log.warn({ reason }, 'shutdown requested (no process exit in embedded mode)');
      await runtime.stop();
    };
  }
  return runtime;
}
