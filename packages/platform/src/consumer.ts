// The idempotent consumer loop every service uses. Per record:
//   decode → BEGIN → INSERT inbox(group, event_id) → handler(event, ctx) → COMMIT → resolve offset
// Consecutive records of one partition batch share that transaction (up to
// transactionBatchSize): one BEGIN/COMMIT (and one redo-log flush) for the batch instead of
// one per record. The batch commits all its inbox rows and effects or none of them; if any
// record fails, the batch rolls back, the records before it are redone as a batch and the
// failing record takes the one-record path below with its retries and DLQ hand-off.
// A duplicate delivery hits the inbox's primary key and is skipped. Transient errors retry
// with exponential backoff and jitter (heartbeating so the group keeps us); non-retriable
// ones, and transient ones past the retry budget, go to the DLQ. Offsets are committed only
// for records whose transaction committed (or that were dead-lettered).
import type { Consumer, Kafka, KafkaMessage, Producer, EachBatchPayload } from 'kafkajs';
import type { Logger } from 'pino';
import pRetry from 'p-retry';
import type { Pool, Tx } from './mysql.ts';
import { sleep } from './signal.ts';
import type { ResultSetHeader } from 'mysql2/promise';
import type { EventByTopic, Topic } from './events.ts';
import { withTransaction } from './mysql.ts';
import { appendToOutbox, type OutgoingEvent } from './outbox.ts';
import { isRetriable } from './errors.ts';
import { deadLetterErrorClass, sendToDeadLetter } from './dead-letter.ts';
import { headersToStrings, HEADER_TRACEPARENT } from './trace.ts';
import { recordsConsumed, handlerDuration, handlerRetries } from './metrics.ts';

export type HandlerContext = {
  tx: Tx;
  now: Date;
  log: Logger;
  /** Appends an event to the outbox in this transaction. */
  emit: <T extends Topic>(topic: T, event: EventByTopic[T]) => Promise<void>;
  /** Runs `callback` once this record's transaction has committed (never when it rolls back). */
  onCommitted: (callback: () => void) => void;
  record: { topic: string; partition: number; offset: string; headers: Record<string, string> };
};

export type Handler<T extends Topic> = (event: EventByTopic[T], ctx: HandlerContext) => Promise<void>;
export type HandlerMap = { [T in Topic]?: Handler<T> };

export type Decoder = <T extends Topic>(topic: T, buffer: Buffer) => Promise<EventByTopic[T]>;

export type ConsumerOptions = {
  kafka: Kafka;
  pool: Pool;
  groupId: string;
  handlers: HandlerMap;
  decode: Decoder;
  /** Producer used for dead letters (idempotent, acks -1). */
  producer: Producer;
  log: Logger;
  /** Called after a transaction that emitted events commits (wakes the relay). */
  onEmitted?: () => void;
  /** Attempts for a transient error before the record is dead-lettered. */
  maxAttempts?: number;
  retryMinDelayMs?: number;
  retryMaxDelayMs?: number;
  partitionsConsumedConcurrently?: number;
  /** Consecutive records of a partition applied in one transaction (1 = one transaction per record). */
  transactionBatchSize?: number;
  /** Topics are subscribed as `${topicPrefix}${topic}` (KAFKA_TOPIC_PREFIX); handlers see the logical name. */
  topicPrefix?: string;
  fromBeginning?: boolean;
  sessionTimeoutMs?: number;
  now?: () => Date;
};

export type RunningConsumer = {
  consumer: Consumer;
  stop: () => Promise<void>;
  /** Fails once the consumer crashed for good (kafkajs gave up restarting it). */
  health: () => Promise<void>;
  onCrash: (listener: (error: Error) => void) => void;
};

/** Subscribes to the handlers' topics and runs the loop until stop(). */
export async function runConsumer(options: ConsumerOptions): Promise<RunningConsumer> {
  const { kafka, pool, groupId, handlers, decode, producer, log } = options;
  const maxAttempts = options.maxAttempts ?? 10;
  const transactionBatchSize = Math.max(1, options.transactionBatchSize ?? 50);
  const now = options.now ?? (() => new Date());
  const topics = Object.keys(handlers) as Topic[];
  const topicPrefix = options.topicPrefix ?? '';
  const logicalTopic = (physical: string) => physical.slice(topicPrefix.length) as Topic;
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: 3_000,
    allowAutoTopicCreation: false,
    retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10_000 },
  });
  let crashed: Error | undefined;
  const crashListeners: ((error: Error) => void)[] = [];
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    log.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
    if (!payload.restart) {
      crashed = payload.error;
      for (const listener of crashListeners) listener(payload.error);
    }
  });

  async function handleRecord(
    topic: Topic,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
    /** The error of a first attempt already made (in a batch transaction that rolled back). */
    priorFailure?: unknown,
  ): Promise<void> {
    const started = performance.now();
    const headers = headersToStrings(message.headers);
    let attempts = 0;
    try {
      if (!message.value)
        throw Object.assign(new Error('record has no value (tombstone)'), { name: 'EmptyRecordError' });
      const value = message.value;
      if (priorFailure !== undefined) {
        // That attempt counts: a non-retriable error goes straight to the DLQ, a transient one
        // waits its backoff and the retries continue from the second attempt.
        attempts = 1;
        if (!isRetriable(priorFailure) || maxAttempts <= 1)
          throw priorFailure instanceof Error
            ? priorFailure
            : new Error('record failed', { cause: priorFailure });
        handlerRetries.inc({ topic });
        log.warn(
          { err: priorFailure, topic, partition, offset: message.offset, attempt: 1 },
          'retrying record',
        );
        await sleep((options.retryMinDelayMs ?? 100) * (1 + Math.random()));
      }
      const outcome = await pRetry(
        async () => {
          attempts += 1;
          const event = await decode(topic, value);
          return processInTransaction(topic, partition, message, headers, event);
        },
        {
          retries: maxAttempts - 1 - attempts,
          minTimeout: options.retryMinDelayMs ?? 100,
          maxTimeout: options.retryMaxDelayMs ?? 5_000,
          factor: 2,
          randomize: true,
          shouldRetry: ({ error }) => isRetriable(error),
          onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
            if (!isRetriable(error) || retriesLeft === 0) return;
            handlerRetries.inc({ topic });
            log.warn(
              { err: error, topic, partition, offset: message.offset, attempt: attemptNumber },
              'retrying record',
            );
            // A failed heartbeat (rebalance in progress) must not end the retries: p-retry would
            // reject with it and the record would be dead-lettered for a reason not its own. The
            // heartbeat after the record raises it to kafkajs, which rejoins the group.
            await heartbeat().catch((heartbeatError: unknown) =>
              log.debug({ err: heartbeatError }, 'heartbeat during retry failed'),
            );
          },
        },
      );
      recordsConsumed.inc({ topic, outcome });
      handlerDuration.observe({ topic }, (performance.now() - started) / 1000);
    } catch (error) {
      log.error(
        {
          err: error,
          topic,
          partition,
          offset: message.offset,
          attempts,
          error_class: deadLetterErrorClass(error),
        },
        'record dead-lettered',
      );
      await sendToDeadLetter(producer, {
        topic: `${topicPrefix}${topic}`,
        partition,
        message,
        groupId,
        error,
        attempts: Math.max(attempts, 1),
      });
      recordsConsumed.inc({ topic, outcome: 'dead_lettered' });
    }
  }

  type Applied = {
    outcome: 'processed' | 'duplicate';
    emitted: number;
    recordLog: Logger;
    committed: (() => void)[];
  };

  /** The handlers' after-commit callbacks; a failing one is logged, never fails the record. */
  function runCommitted(applied: Applied): void {
    for (const callback of applied.committed) {
      try {
        callback();
      } catch (error) {
        applied.recordLog.error({ err: error }, 'after-commit callback failed');
      }
    }
  }

  /** Inbox check and handler for one decoded record, inside the caller's transaction. */
  async function applyRecord<T extends Topic>(
    tx: Tx,
    topic: T,
    partition: number,
    message: KafkaMessage,
    headers: Record<string, string>,
    event: EventByTopic[T],
    /** The batch already inserted this record's inbox row (claimInbox). */
    inboxClaimed = false,
  ): Promise<Applied> {
    const handler: Handler<T> | undefined = handlers[topic];
    if (!handler) throw new Error(`no handler for ${topic}`);
    const recordLog = log.child({
      event_id: event.event_id,
      order_id: event.order_id,
      correlation_id: event.correlation_id,
      topic,
    });
    if (!inboxClaimed) {
      const [inserted] = await tx.query<ResultSetHeader>(
        'INSERT IGNORE INTO inbox (consumer_group, event_id, topic) VALUES (?, ?, ?)',
        [groupId, event.event_id, topic],
      );
      if (inserted.affectedRows === 0) return { outcome: 'duplicate', emitted: 0, recordLog, committed: [] };
    }
    let emitted = 0;
    const committed: (() => void)[] = [];
    const emit = async <E extends Topic>(emitTopic: E, emitEvent: EventByTopic[E]) => {
      const outgoing: OutgoingEvent<E> = {
        topic: emitTopic,
        key: emitEvent.order_id,
        event: emitEvent,
        traceparent: headers[HEADER_TRACEPARENT],
      };
      await appendToOutbox(tx, [outgoing]);
      emitted += 1;
    };
    await handler(event, {
      tx,
      now: now(),
      log: recordLog,
      emit,
      onCommitted: (callback) => void committed.push(callback),
      record: { topic, partition, offset: message.offset, headers },
    });
    return { outcome: 'processed', emitted, recordLog, committed };
  }

  async function processInTransaction<T extends Topic>(
    topic: T,
    partition: number,
    message: KafkaMessage,
    headers: Record<string, string>,
    event: EventByTopic[T],
  ): Promise<'processed' | 'duplicate'> {
    const applied = await withTransaction(pool, (tx) =>
      applyRecord(tx, topic, partition, message, headers, event),
    );
    if (applied.outcome === 'duplicate') applied.recordLog.debug('duplicate delivery skipped');
    runCommitted(applied);
    if (applied.emitted > 0) options.onEmitted?.();
    return applied.outcome;
  }

  type Decoded = { message: KafkaMessage; headers: Record<string, string>; event: EventByTopic[Topic] };

  /**
   * Applies `records` in one transaction. Returns the index of the record whose handler (or
   * inbox insert) failed, with the error, after rolling everything back; undefined on commit.
   */
  async function applyBatch(
    topic: Topic,
    partition: number,
    records: Decoded[],
  ): Promise<{ failedAt: number; error: unknown } | undefined> {
    const started = performance.now();
    const results: Applied[] = [];
    let failedAt = 0;
    try {
      await withTransaction(pool, async (tx) => {
        // One multi-row inbox insert for the batch instead of one per record. A duplicate among
        // the records (a redelivery) makes claimInbox roll back and restart the transaction;
        // the records then take the per-record inbox check, which skips the duplicates.
        const claimed = await claimInbox(tx, topic, records);
        for (const [index, record] of records.entries()) {
          failedAt = index;
          results.push(
            await applyRecord(tx, topic, partition, record.message, record.headers, record.event, claimed),
          );
        }
        failedAt = records.length; // the COMMIT itself: nothing is known to be wrong with a record
      });
    } catch (error) {
      return { failedAt: Math.min(failedAt, records.length - 1), error };
    }
    const perRecord = (performance.now() - started) / 1000 / records.length;
    let emitted = 0;
    for (const applied of results) {
      if (applied.outcome === 'duplicate') applied.recordLog.debug('duplicate delivery skipped');
      runCommitted(applied);
      emitted += applied.emitted;
      recordsConsumed.inc({ topic, outcome: applied.outcome });
      handlerDuration.observe({ topic }, perRecord);
    }
    if (emitted > 0) options.onEmitted?.();
    return undefined;
  }

  /**
   * Inserts the batch's inbox rows in one statement. When any already existed, rolls the
   * transaction back (the rows this statement did insert must not survive) and begins a new
   * one, and returns false: the records then insert their inbox rows one by one.
   */
  async function claimInbox(tx: Tx, topic: Topic, records: Decoded[]): Promise<boolean> {
    const [inserted] = await tx.query<ResultSetHeader>(
      'INSERT IGNORE INTO inbox (consumer_group, event_id, topic) VALUES ?',
      [records.map((record) => [groupId, record.event.event_id, topic])],
    );
    if (inserted.affectedRows === records.length) return true;
    await tx.rollback();
    await tx.beginTransaction();
    return false;
  }

  /** Decodes the leading records of `messages` until one cannot be decoded (it takes the one-record path). */
  async function decodeLeading(topic: Topic, messages: KafkaMessage[]): Promise<Decoded[]> {
    const decoded: Decoded[] = [];
    for (const message of messages) {
      if (!message.value) break;
      try {
        decoded.push({
          message,
          headers: headersToStrings(message.headers),
          event: await decode(topic, message.value),
        });
      } catch {
        break;
      }
    }
    return decoded;
  }

  await consumer.connect();
  await consumer.subscribe({
    topics: topics.map((t) => `${topicPrefix}${t}`),
    fromBeginning: options.fromBeginning ?? true,
  });
  await consumer.run({
    autoCommit: true,
    autoCommitInterval: 1_000,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 3,
    eachBatch: async (payload: EachBatchPayload) => {
      const { batch } = payload;
      const heartbeat = () => payload.heartbeat();
      const topic = logicalTopic(batch.topic);
      const messages = batch.messages;
      // A record whose first attempt failed inside a batch: the records before it are redone
      // as a batch, then it takes the one-record path with that attempt counted.
      let failed: { index: number; error: unknown } | undefined;
      for (let next = 0; next < messages.length;) {
        if (!payload.isRunning() || payload.isStale()) break;
        const message = messages[next]!;
        if (failed?.index === next) {
          await handleRecord(topic, batch.partition, message, heartbeat, failed.error);
          failed = undefined;
          payload.resolveOffset(message.offset);
          next += 1;
        } else {
          const end = failed ? failed.index : next + transactionBatchSize;
          const decoded = end - next > 1 ? await decodeLeading(topic, messages.slice(next, end)) : [];
          if (decoded.length <= 1) {
            // One record, or one that does not decode: the one-record path, with retries and DLQ.
            await handleRecord(topic, batch.partition, message, heartbeat);
            payload.resolveOffset(message.offset);
            next += 1;
          } else {
            const failure = await applyBatch(topic, batch.partition, decoded);
            if (failure === undefined) {
              for (const record of decoded) payload.resolveOffset(record.message.offset);
              next += decoded.length;
            } else {
              failed = { index: next + failure.failedAt, error: failure.error };
            }
          }
        }
        await heartbeat();
      }
      await payload.commitOffsetsIfNecessary();
    },
  });

  return {
    consumer,
    stop: () => consumer.disconnect(),
    async health() {
      if (crashed) throw crashed;
    },
    onCrash: (listener) => crashListeners.push(listener),
  };
}
