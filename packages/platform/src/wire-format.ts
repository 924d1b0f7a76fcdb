// The Confluent wire format: magic byte 0, the schema id as a 4-byte big-endian integer,
// then the Avro binary body. Kept separate so the framing rules live in one place.
import { TruncatedRecordError, WrongMagicByteError } from './serde-errors.ts';

export const MAGIC_BYTE = 0;
export const HEADER_SIZE = 5;

/** Prefixes an Avro body with the wire-format header for `schemaId`. */
export function frame(schemaId: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE + body.length);
  out.writeUInt8(MAGIC_BYTE, 0);
  out.writeUInt32BE(schemaId, 1);
  body.copy(out, HEADER_SIZE);
  return out;
}

/** Splits a record into its schema id and Avro body, or throws a typed error naming what is wrong. */
export function unframe(buffer: Buffer): { schemaId: number; body: Buffer } {
  if (buffer.length === 0) throw new WrongMagicByteError('record is empty: expected the magic byte 0');
  const magic = buffer[0];
  if (magic !== MAGIC_BYTE) {
    throw new WrongMagicByteError(
      `record starts with byte ${magic}, expected magic byte 0 (Confluent wire format)`,
    );
  }
  if (buffer.length < HEADER_SIZE) {
    throw new TruncatedRecordError(
      `record is ${buffer.length} bytes, shorter than the ${HEADER_SIZE}-byte wire-format header`,
    );
  }
  return { schemaId: buffer.readUInt32BE(1), body: buffer.subarray(HEADER_SIZE) };
}
