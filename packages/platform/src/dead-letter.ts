// Dead letters: a record that cannot be processed goes, bytes untouched, to `<topic>.dlq`
// (one DLQ per source topic, shared by the consumer groups; the group is a header), with
// headers that say where it came from and why.
import type { Producer, KafkaMessage, IHeaders } from 'kafkajs';
import { AppError, errorClass, errorMessage } from './errors.ts';
import { dlqTopic } from './events.ts';
import { deadLetters } from './metrics.ts';

export const DLQ_HEADERS = {
  topic: 'dlq.original.topic',
  partition: 'dlq.original.partition',
  offset: 'dlq.original.offset',
  key: 'dlq.original.key',
  group: 'dlq.consumer.group',
  errorClass: 'dlq.error.class',
  errorMessage: 'dlq.error.message',
  attempts: 'dlq.attempts',
  failedAt: 'dlq.failed.at',
} as const;

export type DeadLetter = {
  topic: string;
  partition: number;
  message: KafkaMessage;
  groupId: string;
  error: unknown;
  attempts: number;
};

/**
 * The error class a dead letter records: `AppError:<code>`, plus the specific subclass when
 * there is one (`AppError:DECODE_FAILED:WrongMagicByteError`), so an operator can tell a
 * corrupt record from an unknown schema id without reading the message.
 */
export function deadLetterErrorClass(error: unknown): string {
  const base = errorClass(error);
  if (error instanceof AppError && error.name !== 'AppError') return `${base}:${error.name}`;
  return base;
}

/** Publishes the record to its DLQ; resolves once the broker acknowledged it (acks -1). */
export async function sendToDeadLetter(producer: Producer, letter: DeadLetter): Promise<void> {
  const { topic, partition, message, groupId, error, attempts } = letter;
  const headers: IHeaders = {
    ...message.headers,
    [DLQ_HEADERS.topic]: topic,
    [DLQ_HEADERS.partition]: String(partition),
    [DLQ_HEADERS.offset]: message.offset,
    [DLQ_HEADERS.key]: message.key?.toString('utf8') ?? '',
    [DLQ_HEADERS.group]: groupId,
    [DLQ_HEADERS.errorClass]: deadLetterErrorClass(error),
    [DLQ_HEADERS.errorMessage]: errorMessage(error).slice(0, 2_000),
    [DLQ_HEADERS.attempts]: String(attempts),
    [DLQ_HEADERS.failedAt]: new Date().toISOString(),
  };
  await producer.send({
    topic: dlqTopic(topic),
    acks: -1,
    messages: [{ key: message.key, value: message.value, headers }],
  });
  deadLetters.inc({ topic, error_class: deadLetterErrorClass(error) });
}
