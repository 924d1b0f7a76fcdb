// The write side of the transactional outbox: a use case or handler appends the events its
// state change emits, inside the same MySQL transaction. Nothing here talks to Kafka.
import type { Tx } from './mysql.ts';
import type { EventByTopic, Topic } from './events.ts';
import { HEADER_CORRELATION_ID, HEADER_EVENT_TYPE, HEADER_TRACEPARENT, childTraceparent } from './trace.ts';

export type OutgoingEvent<T extends Topic = Topic> = {
  topic: T;
  /** The record key; every event in this system is keyed by order_id. */
  key: string;
  event: EventByTopic[T];
  /** Trace context of the cause; the record gets a child span of it. */
  traceparent?: string;
};

/** Appends events to the outbox in the caller's transaction. */
export async function appendToOutbox(tx: Tx, events: OutgoingEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map(({ topic, key, event, traceparent }) => [
    event.event_id,
    topic,
    key,
    JSON.stringify(event),
    JSON.stringify({
      [HEADER_TRACEPARENT]: childTraceparent(traceparent),
      [HEADER_CORRELATION_ID]: event.correlation_id,
      [HEADER_EVENT_TYPE]: event.event_type,
    }),
  ]);
  await tx.query('INSERT INTO outbox (event_id, topic, message_key, payload, headers) VALUES ?', [rows]);
}
