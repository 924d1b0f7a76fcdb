// The schema registry as serde needs it: register / look up a subject's schema id, and fetch
// writer schemas by id (cached forever: an id's schema never changes). Built on
// @kafkajs/confluent-schema-registry; this module only adds a deadline per call and turns
// its errors into our typed ones (a network failure must be retriable, a 404 must not).
import { SchemaRegistry, SchemaType, COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import { avroType, type AvroSchemaJson, type AvroType } from './avro-schemas.ts';
import {
  RegistryUnavailableError,
  SchemaMismatchError,
  SchemaRegistrationError,
  UnknownSchemaIdError,
} from './serde-errors.ts';

export type RegistryClientOptions = {
  /** Base URL of the Confluent-compatible API, e.g. http://127.0.0.1:8081/apis/ccompat/v7. */
  url: string;
  /** Deadline for one registry call, retries included. */
  timeoutMs?: number;
  /** Retries of the underlying client for failed requests (it backs off between them). */
  retries?: number;
};

export type RegistryClient = {
  /** Registers `schema` under `subject` (BACKWARD) and returns its id; idempotent. */
  register: (subject: string, schema: AvroSchemaJson) => Promise<number>;
  /** The id of exactly `schema` under `subject`, without registering it. */
  lookup: (subject: string, schema: AvroSchemaJson) => Promise<number>;
  /** The writer type of a schema id, from cache after the first call. */
  writerType: (schemaId: number) => Promise<AvroType>;
};

/** Creates a registry client with typed errors and a writer-schema cache. */
export function createRegistryClient(options: RegistryClientOptions): RegistryClient {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const registry = new SchemaRegistry({
    host: options.url.replace(/\/+$/, ''),
    retry: { retries: options.retries ?? 3, maxRetryTimeInSecs: 2 },
  });
  const writerTypes = new Map<number, Promise<AvroType>>();

  async function call<R>(what: string, run: () => Promise<R>): Promise<R> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new RegistryUnavailableError(`schema registry: ${what} timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([run(), deadline]);
    } catch (error) {
      if (isUnavailable(error)) {
        throw new RegistryUnavailableError(`schema registry unavailable (${what}): ${describe(error)}`, {
          cause: error,
        });
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async function fetchWriterType(schemaId: number): Promise<AvroType> {
    let schema: unknown;
    try {
      schema = await call(`get schema ${schemaId}`, () => registry.getSchema(schemaId));
    } catch (error) {
      if (statusOf(error) === 404) throw new UnknownSchemaIdError(schemaId, { cause: error });
      if (error instanceof RegistryUnavailableError) throw error;
      // The library could not build an Avro type from what the registry holds under this id.
      throw new SchemaMismatchError(`schema id ${schemaId} is not a usable Avro schema: ${describe(error)}`, {
        cause: error,
        schemaId,
      });
    }
    if (!isAvroType(schema)) {
      throw new SchemaMismatchError(`schema id ${schemaId} is not an Avro schema`, { schemaId });
    }
    // Rebuild with our options, so writer and reader types agree on logical types (none).
    return avroType(schema.schema());
  }

  return {
    async register(subject, schema) {
      const attempt = () =>
        call(`register ${subject}`, () =>
          registry.register(asConfluent(schema), { subject, compatibility: COMPATIBILITY.BACKWARD }),
        );
      try {
        try {
          return (await attempt()).id;
        } catch (error) {
          // Services starting together race to create the subject's compatibility rule;
          // Apicurio answers the loser 409 "rule … already exists". The rule is there now,
          // so registering again goes through.
          if (!/rule named .* already exists/i.test(describe(error))) throw error;
          return (await attempt()).id;
        }
      } catch (error) {
        if (error instanceof RegistryUnavailableError) throw error;
        throw new SchemaRegistrationError(
          `registry refused the schema for subject ${subject}: ${describe(error)}`,
          {
            cause: error,
          },
        );
      }
    },

    async lookup(subject, schema) {
      try {
        return await call(`look up ${subject}`, () =>
          registry.getRegistryIdBySchema(subject, asConfluent(schema)),
        );
      } catch (error) {
        if (error instanceof RegistryUnavailableError) throw error;
        throw new SchemaRegistrationError(
          `this version of the schema is not registered under subject ${subject} (register: false): ${describe(error)}`,
          { cause: error },
        );
      }
    },

    writerType(schemaId) {
      let pending = writerTypes.get(schemaId);
      if (!pending) {
        pending = fetchWriterType(schemaId);
        writerTypes.set(schemaId, pending);
        // Failures are not cached: the registry may come back, or the id may be registered later.
        pending.catch(() => writerTypes.delete(schemaId));
      }
      return pending;
    },
  };
}

// The same JSON text for register and lookup, so the registry matches them byte for byte.
function asConfluent(schema: AvroSchemaJson) {
  return { type: SchemaType.AVRO, schema: JSON.stringify(schema) } as const;
}

function isAvroType(value: unknown): value is AvroType {
  return typeof value === 'object' && value !== null && 'createResolver' in value && 'schema' in value;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

// The client reports network failures as status 400 with the socket error as the message,
// so the message has to be inspected; 5xx, 408 and 429 are the server saying "not now".
function isUnavailable(error: unknown): boolean {
  if (error instanceof RegistryUnavailableError) return true;
  const status = statusOf(error);
  const message = describe(error);
  if (status === undefined)
    return /ECONN|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|socket hang up|fetch failed/i.test(message);
  if (status >= 500 || status === 408 || status === 429) return true;
  return (
    status === 400 && /ECONN|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|socket hang up|network/i.test(message)
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
