// One error family for the whole code base. The code decides the HTTP status, whether a
// Kafka handler retries (retriable) or dead-letters (not retriable), and the problem type.

export const errorCodes = {
  VALIDATION_FAILED: { status: 400, retriable: false, title: 'Request validation failed' },
  MALFORMED_JSON: { status: 400, retriable: false, title: 'Malformed JSON body' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retriable: false, title: 'Unsupported media type' },
  PAYLOAD_TOO_LARGE: { status: 413, retriable: false, title: 'Request body too large' },
  UNAUTHORIZED: { status: 401, retriable: false, title: 'Missing or invalid API key' },
  NOT_FOUND: { status: 404, retriable: false, title: 'Resource not found' },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    retriable: false,
    title: 'Idempotency-Key reused with a different body',
  },
  CONFLICT: { status: 409, retriable: false, title: 'Conflict' },
  DECODE_FAILED: { status: 400, retriable: false, title: 'Record could not be decoded' },
  SCHEMA_MISMATCH: { status: 400, retriable: false, title: 'Record schema is not the topic schema' },
  INVALID_EVENT: { status: 400, retriable: false, title: 'Event failed validation' },
  BUSINESS_REJECTION: { status: 422, retriable: false, title: 'Rejected by a business rule' },
  DEPENDENCY_UNAVAILABLE: { status: 503, retriable: true, title: 'A dependency is unavailable' },
  TRANSIENT: { status: 503, retriable: true, title: 'Transient failure' },
  INTERNAL: { status: 500, retriable: false, title: 'Internal error' },
} as const;

export type ErrorCode = keyof typeof errorCodes;

export type FieldProblem = { field: string; message: string };

/** The project's error: a closed set of codes, a cause, retriability and an HTTP status. */
export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly retriable: boolean;
  readonly fields: FieldProblem[];

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; fields?: FieldProblem[] } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = errorCodes[code].status;
    this.retriable = errorCodes[code].retriable;
    this.fields = options.fields ?? [];
  }
}

// mysql2 error codes that succeed when retried: deadlock, lock wait, lost connection.
const TRANSIENT_SQL_CODES = new Set([
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'PROTOCOL_CONNECTION_LOST',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
  'ER_CLIENT_INTERACTION_TIMEOUT',
]);

/** Whether an error (ours, mysql2's, kafkajs's or a network error) is worth retrying. */
export function isRetriable(error: unknown): boolean {
  if (error instanceof AppError) return error.retriable;
  if (typeof error !== 'object' || error === null) return false;
  const { code, retriable, name } = error as { code?: unknown; retriable?: unknown; name?: unknown };
  if (typeof code === 'string' && TRANSIENT_SQL_CODES.has(code)) return true;
  if (retriable === true) return true; // kafkajs marks its retriable errors
  if (typeof name === 'string' && /^KafkaJS(Connection|RequestTimeout|NumberOfRetriesExceeded)/.test(name))
    return true;
  const message = error instanceof Error ? error.message : '';
  if (/ECONNREFUSED|ECONNRESET|socket hang up|fetch failed|ETIMEDOUT/.test(message)) return true;
  return error instanceof Error && error.cause !== undefined && isRetriable(error.cause);
}

export function errorClass(error: unknown): string {
  if (error instanceof AppError) return `AppError:${error.code}`;
  if (error instanceof Error) return error.name;
  return typeof error;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
