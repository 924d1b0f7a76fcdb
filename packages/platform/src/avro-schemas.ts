// Reads the contract's Avro schemas (schemas/<topic>.avsc) and turns them into avsc types.
// Types are built without logical-type classes on purpose: timestamp-millis stays a number
// (epoch ms) and uuid a string, exactly as the TS event types say.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import type { Topic } from './events.ts';

export type AvroType = avro.Type;
export type AvroSchemaJson = avro.Schema;

/** The repository's schemas/ directory, found relative to this file (not the cwd). */
export const DEFAULT_SCHEMAS_DIR = fileURLToPath(new URL('../../../schemas/', import.meta.url));

/** Path of a topic's schema file. */
export function schemaFile(topic: string, schemasDir: string = DEFAULT_SCHEMAS_DIR): string {
  return join(schemasDir, `${topic}.avsc`);
}

/** The parsed JSON of a topic's .avsc file. */
export function readSchemaJson(topic: Topic, schemasDir: string = DEFAULT_SCHEMAS_DIR): AvroSchemaJson {
  return JSON.parse(readFileSync(schemaFile(topic, schemasDir), 'utf8')) as AvroSchemaJson;
}

/** Builds the avsc type the whole code base uses for a schema: no logical-type classes. */
export function avroType(schema: AvroSchemaJson): AvroType {
  return avro.Type.forSchema(schema, { wrapUnions: 'auto' });
}
