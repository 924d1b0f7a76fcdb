// The read side of the transactional outbox: publishes pending rows to Kafka in id order
// and stamps them published. One relay per service database is active at a time (a MySQL
// named lock held on a dedicated connection: it vanishes with the process or connection),
// so per-key order holds with any number of instances; the others stand by.
// A crash between "sent" and "stamped" republishes the batch: consumers dedupe by event_id.
import { Partitioners, type Producer, type Message, type PartitionMetadata } from 'kafkajs';
import type { Logger } from 'pino';
import type { Pool, PoolConnection } from './mysql.ts';
import type { RowDataPacket, ResultSetHeader } from 'mysql2/promise';
import type { Topic } from './events.ts';
import { isRetriable, errorMessage } from './errors.ts';
import { recordsProduced, outboxBacklog, outboxOldestAge } from './metrics.ts';
import { createWakeSignal, sleep } from './signal.ts';

export type EncodeFn = (topic: Topic, payload: unknown) => Promise<Buffer>;

export type RelayOptions = {
  pool: Pool;
  producer: Producer;
  /**
   * Gives the relay a fresh producer when its idempotent session is broken (see
   * PRODUCER_SESSION_ERRORS): kafkajs does not recover from those by itself, so without this
   * the outbox would stay stuck after a leader change. The caller disconnects the old one.
   */
  replaceProducer?: (broken: Producer) => Promise<Producer>;
  /**
   * Partitions of a physical topic. The relay places each record itself (kafkajs's default
   * partitioner: murmur2 of the key, as the Java client) so it can check that Kafka
   * acknowledged every partition it sent to (see verifyAcknowledged).
   */
  partitionCount: (topic: string) => Promise<number>;
  encode: EncodeFn;
  log: Logger;
  /** Name of the leadership lock; one per service database. */
  lockName: string;
  /** Prepended to each row's topic when producing (KAFKA_TOPIC_PREFIX). */
  topicPrefix?: string;
  batchSize?: number;
  /** Fallback poll when nobody wakes the relay (rows written by another instance). */
  idlePollMs?: number;
  /** Published rows older than this are deleted. */
  retentionMs?: number;
  /** Inbox rows older than this are deleted (must exceed Kafka's retention for dedupe to hold). */
  inboxRetentionMs?: number;
  purgeIntervalMs?: number;
};

export type OutboxRelay = {
  start: () => void;
  /** Call after committing a transaction that appended to the outbox. */
  wake: () => void;
  /** Finishes the batch in flight, releases leadership and stops. */
  stop: () => Promise<void>;
  isLeader: () => boolean;
  /** Fails when the relay loop has died (for readiness). */
  health: () => Promise<void>;
};

type OutboxRow = RowDataPacket & {
  id: number;
  event_id: string;
  topic: Topic;
  message_key: string;
  payload: string;
  headers: string;
};

/**
 * Produce errors after which an idempotent producer's sequence numbers no longer match the
 * broker's (seen after a broker is SIGKILLed under load: every retry then fails with
 * OUT_OF_ORDER_SEQUENCE_NUMBER). Only a new producer id recovers.
 */
const PRODUCER_SESSION_ERRORS = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
]);
/** Consecutive Kafka failures of the relay after which the producer is replaced whatever they said. */
const FAILURES_BEFORE_NEW_PRODUCER = 5;

/** `error` and the errors it wraps (kafkajs wraps the last attempt's error in `originalError`). */
function* errorChain(error: unknown): Generator<{ name?: unknown; type?: unknown }> {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 8; depth += 1) {
    yield e;
    const { cause, originalError } = e as { cause?: unknown; originalError?: unknown };
    e = originalError ?? cause;
  }
}
const brokeProducerSession = (error: unknown) =>
  [...errorChain(error)].some((e) => typeof e.type === 'string' && PRODUCER_SESSION_ERRORS.has(e.type));
const isKafkaError = (error: unknown) =>
  [...errorChain(error)].some((e) => typeof e.name === 'string' && e.name.startsWith('KafkaJS'));

/**
 * Throws unless every partition the batch was placed on came back acknowledged. kafkajs
 * 2.2.4's sendBatch can resolve without writing some partitions: when a retry follows a
 * leader change, the partitions that moved to a broker which had already answered the first
 * attempt are skipped (producer/sendMessages.js keeps responsePerBroker across attempts).
 * The three-broker chaos test lost acknowledged records that way until this check; now the
 * whole batch is sent again (duplicates, which consumers absorb) instead of being stamped.
 */
function verifyAcknowledged(
  placed: Set<string>,
  acknowledged: { topicName: string; partition: number; errorCode: number }[],
): void {
  const acked = new Set(
    acknowledged.filter((r) => r.errorCode === 0).map((r) => `${r.topicName}:${r.partition}`),
  );
  const missing = [...placed].filter((key) => !acked.has(key));
  if (missing.length > 0)
    throw new Error(
      `Kafka acknowledged the batch without partitions ${missing.join(', ')}; sending it again`,
    );
}

/** Creates the relay; call start() once Kafka and MySQL are reachable. */
export function createOutboxRelay(options: RelayOptions): OutboxRelay {
  const batchSize = options.batchSize ?? 500;
  const idlePollMs = options.idlePollMs ?? 500;
  const retentionMs = options.retentionMs ?? 24 * 3600_000;
  const inboxRetentionMs = options.inboxRetentionMs ?? 8 * 24 * 3600_000;
  const purgeIntervalMs = options.purgeIntervalMs ?? 60_000;
  const { pool, encode, log } = options;
  let producer = options.producer;
  const signal = createWakeSignal();
  const placeRecord = Partitioners.DefaultPartitioner();
  // Only the partition count matters to the default partitioner for keyed records; the list
  // is built once per topic and count, not per record.
  const partitionLists = new Map<string, PartitionMetadata[]>();
  async function partitionsOf(topic: string): Promise<PartitionMetadata[]> {
    const count = await options.partitionCount(topic);
    let list = partitionLists.get(topic);
    if (list?.length !== count) {
      list = Array.from(
        { length: count },
        (_, partitionId) => ({ partitionId, leader: 0 }) as PartitionMetadata,
      );
      partitionLists.set(topic, list);
    }
    return list;
  }
  let lockConnection: PoolConnection | undefined;
  let stopping = false;
  let loop: Promise<void> | undefined;
  let lastPurgeAt = 0;
  let lastGaugeAt = 0;
  let failure: Error | undefined;

  async function holdLeadership(): Promise<boolean> {
    // While we hold the lock connection, every outbox statement runs on it (publishBatch): a
    // named lock lives exactly as long as its session, so a statement that succeeds on that
    // session proves we still lead, and one that fails drops leadership. That makes a separate
    // IS_USED_LOCK round trip before each batch unnecessary.
    if (lockConnection) return true;
    const connection = await pool.getConnection();
    let rows: RowDataPacket[];
    try {
      [rows] = await connection.query<RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS locked', [options.lockName]);
    } catch (error) {
      // Do not hand a connection in an unknown state (maybe holding the lock) back to the pool.
      connection.destroy();
      throw error;
    }
    if (rows[0]?.locked === 1) {
      lockConnection = connection;
      log.info({ lock: options.lockName }, 'outbox relay is the active publisher');
      return true;
    }
    connection.release();
    return false;
  }

  /** Runs a statement on the lock's session; any failure gives up leadership (re-taken next round). */
  async function onLockSession<T extends RowDataPacket[] | ResultSetHeader>(
    connection: PoolConnection,
    sql: string,
    values: unknown[],
  ): Promise<T> {
    try {
      const [result] = await connection.query<T>(sql, values);
      return result;
    } catch (error) {
      if (lockConnection === connection) {
        log.warn({ err: error }, 'outbox relay statement failed on its lock connection; leadership dropped');
        dropLeadership();
      }
      throw error;
    }
  }

  function dropLeadership(): void {
    // Destroy rather than release: a pooled connection would keep holding the lock.
    lockConnection?.destroy();
    lockConnection = undefined;
  }

  async function publishBatch(connection: PoolConnection): Promise<number> {
    const rows = await onLockSession<OutboxRow[]>(
      connection,
      `SELECT id, event_id, topic, message_key, payload, headers FROM outbox
        WHERE published_at IS NULL AND failed_at IS NULL ORDER BY id LIMIT ?`,
      [batchSize],
    );
    if (rows.length === 0) return 0;
    const byTopic = new Map<string, Message[]>();
    const placed = new Set<string>(); // `${topic}:${partition}` of every record in the batch
    const sentIds: number[] = [];
    for (const row of rows) {
      let value: Buffer;
      try {
        value = await encode(row.topic, JSON.parse(row.payload));
      } catch (error) {
        if (isRetriable(error)) throw error;
        // A row that can never be encoded is a bug in its producer; park it, loudly, instead of
        // blocking every later event behind it.
        log.error(
          { err: error, event_id: row.event_id, topic: row.topic },
          'outbox row cannot be encoded; parked',
        );
        await pool.query('UPDATE outbox SET failed_at = NOW(3), last_error = ? WHERE id = ?', [
          errorMessage(error),
          row.id,
        ]);
        continue;
      }
      const headers = JSON.parse(row.headers) as Record<string, string>;
      const physicalTopic = `${options.topicPrefix ?? ''}${row.topic}`;
      const message: Message = { key: row.message_key, value, headers };
      message.partition = placeRecord({
        topic: physicalTopic,
        partitionMetadata: await partitionsOf(physicalTopic),
        message,
      });
      placed.add(`${physicalTopic}:${message.partition}`);
      const messages = byTopic.get(physicalTopic) ?? [];
      messages.push(message);
      byTopic.set(physicalTopic, messages);
      sentIds.push(row.id);
    }
    if (sentIds.length > 0) {
      const acknowledged = await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      verifyAcknowledged(placed, acknowledged);
      await onLockSession<ResultSetHeader>(
        connection,
        'UPDATE outbox SET published_at = NOW(3) WHERE id IN (?)',
        [sentIds],
      );
      for (const [topic, messages] of byTopic) recordsProduced.inc({ topic }, messages.length);
    }
    return rows.length;
  }

  async function housekeeping(): Promise<void> {
    const now = Date.now();
    if (now - lastGaugeAt >= 5_000) {
      lastGaugeAt = now;
      const [rows] = await pool.query<RowDataPacket[]>(
        `SELECT COUNT(*) AS pending, TIMESTAMPDIFF(MICROSECOND, MIN(created_at), NOW(3)) / 1e6 AS age
           FROM outbox WHERE published_at IS NULL AND failed_at IS NULL`,
      );
      outboxBacklog.set(Number(rows[0]?.pending ?? 0));
      outboxOldestAge.set(Number(rows[0]?.age ?? 0));
    }
    if (now - lastPurgeAt >= purgeIntervalMs) {
      lastPurgeAt = now;
      await pool.query('DELETE FROM outbox WHERE published_at < NOW(3) - INTERVAL ? SECOND LIMIT 10000', [
        Math.floor(retentionMs / 1000),
      ]);
      await pool.query('DELETE FROM inbox WHERE processed_at < NOW(3) - INTERVAL ? SECOND LIMIT 10000', [
        Math.floor(inboxRetentionMs / 1000),
      ]);
    }
  }

  /** Swaps in a new producer (new producer id, sequences from 0); rows stay pending meanwhile. */
  async function renewProducer(error: unknown, failures: number): Promise<void> {
    if (!options.replaceProducer) return;
    log.warn({ err: error, consecutive_failures: failures }, 'outbox relay replaces its Kafka producer');
    try {
      producer = await options.replaceProducer(producer);
    } catch (replaceError) {
      log.warn({ err: replaceError }, 'could not create a new producer yet; retrying later');
    }
  }

  async function run(): Promise<void> {
    let backoffMs = 100;
    let failures = 0;
    while (!stopping) {
      try {
        if (!(await holdLeadership()) || !lockConnection) {
          await signal.wait(1_000);
          continue;
        }
        const published = await publishBatch(lockConnection);
        await housekeeping();
        backoffMs = 100;
        failures = 0;
        if (published < batchSize) await signal.wait(idlePollMs);
      } catch (error) {
        // Kafka or MySQL unavailable: rows stay pending, order is kept, we try again.
        log.warn({ err: error, retry_in_ms: backoffMs }, 'outbox relay batch failed; retrying');
        if (isKafkaError(error)) failures += 1;
        // The batch is re-sent from its first row by the new producer: records the broker had
        // already written come again (consumers dedupe by event_id); per-key order holds.
        if (brokeProducerSession(error) || (failures > 0 && failures % FAILURES_BEFORE_NEW_PRODUCER === 0))
          await renewProducer(error, failures);
        await sleep(backoffMs + Math.random() * backoffMs);
        backoffMs = Math.min(backoffMs * 2, 5_000);
      }
    }
  }

  return {
    start() {
      loop ??= run().catch((error: unknown) => {
        failure = error instanceof Error ? error : new Error(String(error));
        log.fatal({ err: error }, 'outbox relay loop died');
      });
    },
    wake: () => signal.wake(),
    async stop() {
      stopping = true;
      signal.wake();
      await loop;
      dropLeadership();
    },
    isLeader: () => lockConnection !== undefined,
    async health() {
      if (failure) throw failure;
    },
  };
}
