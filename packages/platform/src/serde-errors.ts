// Typed failures of encoding/decoding events. Every class is an AppError, so the consumer
// loop needs no special cases: all of them are final (dead-letter the record) except
// RegistryUnavailableError, which is retriable (the same bytes may decode in a moment).
import { AppError, type FieldProblem } from './errors.ts';

type Options = { cause?: unknown; schemaId?: number };

/** The record is empty or does not start with the Confluent magic byte 0. */
export class WrongMagicByteError extends AppError {
  override name = 'WrongMagicByteError';
  constructor(message: string, options: Options = {}) {
    super('DECODE_FAILED', message, options);
  }
}

/** The record is shorter than its header or schema needs, or has bytes after the Avro body. */
export class TruncatedRecordError extends AppError {
  override name = 'TruncatedRecordError';
  readonly schemaId: number | undefined;
  constructor(message: string, options: Options = {}) {
    super('DECODE_FAILED', message, options);
    this.schemaId = options.schemaId;
  }
}

/** The Avro body has the right length framing but impossible content (bad union/enum index, negative length…). */
export class CorruptRecordError extends AppError {
  override name = 'CorruptRecordError';
  readonly schemaId: number | undefined;
  constructor(message: string, options: Options = {}) {
    super('DECODE_FAILED', message, options);
    this.schemaId = options.schemaId;
  }
}

/** The registry answered that the record's schema id does not exist. */
export class UnknownSchemaIdError extends AppError {
  override name = 'UnknownSchemaIdError';
  readonly schemaId: number;
  constructor(schemaId: number, options: { cause?: unknown } = {}) {
    super('DECODE_FAILED', `schema id ${schemaId} is unknown to the schema registry`, options);
    this.schemaId = schemaId;
  }
}

/** The record's writer schema cannot be read with the topic's reader schema. */
export class SchemaMismatchError extends AppError {
  override name = 'SchemaMismatchError';
  readonly schemaId: number | undefined;
  constructor(message: string, options: Options = {}) {
    super('SCHEMA_MISMATCH', message, options);
    this.schemaId = options.schemaId;
  }
}

/** The registry refused our schema (incompatible, invalid) or, with register: false, does not hold it. */
export class SchemaRegistrationError extends AppError {
  override name = 'SchemaRegistrationError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('SCHEMA_MISMATCH', message, options);
  }
}

/** The registry could not be reached or answered with a server error / timeout. Retriable. */
export class RegistryUnavailableError extends AppError {
  override name = 'RegistryUnavailableError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('DEPENDENCY_UNAVAILABLE', message, options);
  }
}

/** An event handed to encode() does not fit its topic's schema; `fields` names every bad path. */
export class InvalidEventError extends AppError {
  override name = 'InvalidEventError';
  constructor(message: string, fields: FieldProblem[]) {
    super('INVALID_EVENT', message, { fields });
  }
}
