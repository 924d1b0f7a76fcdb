// Event values on the wire: Avro in the Confluent wire format, schemas in the registry under
// `<topic>-value`. Encoding validates against the topic's schema and uses the id cached by
// init(), so it never calls the registry. Decoding reads with the topic's own (reader)
// schema, resolving from the record's writer schema, so records written by older or newer
// producers arrive in the shape this code was compiled against.
import type { EventByTopic, Topic } from './events.ts';
import { AppError, type FieldProblem } from './errors.ts';
import {
  avroType,
  readSchemaJson,
  DEFAULT_SCHEMAS_DIR,
  type AvroSchemaJson,
  type AvroType,
} from './avro-schemas.ts';
import { createRegistryClient, type RegistryClient } from './registry-client.ts';
import {
  CorruptRecordError,
  InvalidEventError,
  SchemaMismatchError,
  TruncatedRecordError,
} from './serde-errors.ts';
import { frame, unframe } from './wire-format.ts';

export * from './serde-errors.ts';

export type SerdeOptions = {
  /** Confluent-compatible registry API, e.g. http://127.0.0.1:8081/apis/ccompat/v7. */
  registryUrl: string;
  /** Topics this process encodes or decodes; their schema files are read at creation. */
  topics: readonly Topic[];
  /** Register the schemas at init (default); false only looks up the id of this exact schema. */
  register?: boolean;
  /** Where `<topic>.avsc` files live; defaults to the repository's schemas/. */
  schemasDir?: string;
  /**
   * Prefix of the physical Kafka topics (KAFKA_TOPIC_PREFIX). Subjects follow the physical
   * name, TopicNameStrategy: `<prefix><topic>-value`; tests use it to isolate subjects.
   */
  topicPrefix?: string;
  /** Deadline of one registry call. */
  registryTimeoutMs?: number;
};

export type Serde = {
  /** Registers (or looks up) every topic's schema and caches the ids; call once before encode. */
  init: () => Promise<void>;
  /** Validates `event` and frames it with the topic's schema id. */
  encode: <T extends Topic>(topic: T, event: EventByTopic[T]) => Promise<Buffer>;
  /** Decodes a record of `topic` into the topic's current shape, or throws a typed serde error. */
  decode: <T extends Topic>(topic: T, buffer: Buffer) => Promise<EventByTopic[T]>;
  /** The schema id encode() writes for `topic` (after init). */
  schemaId: (topic: Topic) => number;
};

type Resolver = ReturnType<AvroType['createResolver']>;

type TopicState = {
  readonly subject: string;
  readonly json: AvroSchemaJson;
  readonly reader: AvroType;
  id: number | undefined;
  /** Resolvers from writer ids seen on this topic; undefined marks "same as reader". */
  readonly resolvers: Map<number, Resolver | undefined>;
  readonly pendingResolvers: Map<number, Promise<Resolver | undefined>>;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Creates the serde for `topics`; reads their schema files now, talks to the registry in init(). */
export function createSerde(options: SerdeOptions): Serde {
  const schemasDir = options.schemasDir ?? DEFAULT_SCHEMAS_DIR;
  const topicPrefix = options.topicPrefix ?? '';
  const registry = createRegistryClient({ url: options.registryUrl, timeoutMs: options.registryTimeoutMs });
  const states = new Map<Topic, TopicState>();
  for (const topic of options.topics) {
    const json = readSchemaJson(topic, schemasDir);
    states.set(topic, {
      subject: `${topicPrefix}${topic}-value`,
      json,
      reader: avroType(json),
      id: undefined,
      resolvers: new Map(),
      pendingResolvers: new Map(),
    });
  }
  let initialized: Promise<void> | undefined;

  function stateOf(topic: Topic): TopicState {
    const state = states.get(topic);
    if (!state) throw new AppError('INTERNAL', `serde was not created for topic ${topic}`);
    return state;
  }

  async function initTopic(state: TopicState): Promise<void> {
    state.id =
      options.register === false
        ? await registry.lookup(state.subject, state.json)
        : await registry.register(state.subject, state.json);
    state.resolvers.set(state.id, undefined);
  }

  return {
    init() {
      initialized ??= Promise.all([...states.values()].map(initTopic)).then(
        () => undefined,
        (error: unknown) => {
          initialized = undefined; // let the caller retry a failed start
          throw error;
        },
      );
      return initialized;
    },

    async encode(topic, event) {
      const state = stateOf(topic);
      if (state.id === undefined) throw new AppError('INTERNAL', 'serde.init() must finish before encode()');
      const problems = envelopeProblems(topic, event);
      if (problems.length === 0) {
        try {
          return frame(state.id, state.reader.toBuffer(event));
        } catch {
          // fall through: collect every bad path, not just the first one toBuffer hit
        }
      }
      problems.push(...avroProblems(state.reader, event));
      // toBuffer and isValid agree in avsc; this keeps the error meaningful if they ever do not.
      if (problems.length === 0) problems.push({ field: '(event)', message: 'does not fit the Avro schema' });
      throw new InvalidEventError(
        `invalid ${topic} event: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
        problems,
      );
    },

    async decode<T extends Topic>(topic: T, buffer: Buffer) {
      const state = stateOf(topic);
      const { schemaId, body } = unframe(buffer);
      const resolver = state.resolvers.has(schemaId)
        ? state.resolvers.get(schemaId)
        : await resolverFor(registry, topic, state, schemaId);
      return readBody(state.reader, body, schemaId, resolver) as EventByTopic[T];
    },

    schemaId(topic) {
      const id = stateOf(topic).id;
      if (id === undefined) throw new AppError('INTERNAL', 'serde.init() must finish before schemaId()');
      return id;
    },
  };
}

export type WriterSchemaDecoder = {
  /** Decodes any wire-format record with the schema its id names; for tools that know no topic schema. */
  decode: (buffer: Buffer) => Promise<{ schemaId: number; value: unknown }>;
};

/** A decoder that needs no reader schema (the tail CLI): the value comes out as it was written. */
export function createWriterSchemaDecoder(options: {
  registryUrl: string;
  registryTimeoutMs?: number;
}): WriterSchemaDecoder {
  const registry = createRegistryClient({ url: options.registryUrl, timeoutMs: options.registryTimeoutMs });
  return {
    async decode(buffer: Buffer) {
      const { schemaId, body } = unframe(buffer);
      const writer = await registry.writerType(schemaId);
      return { schemaId, value: readBody(writer, body, schemaId, undefined) };
    },
  };
}

async function resolverFor(
  registry: RegistryClient,
  topic: Topic,
  state: TopicState,
  schemaId: number,
): Promise<Resolver | undefined> {
  let pending = state.pendingResolvers.get(schemaId);
  if (!pending) {
    pending = registry.writerType(schemaId).then((writer) => {
      try {
        const resolver = state.reader.equals(writer) ? undefined : state.reader.createResolver(writer);
        state.resolvers.set(schemaId, resolver);
        return resolver;
      } catch (error) {
        throw new SchemaMismatchError(
          `records written with schema id ${schemaId} (${writer.name ?? writer.typeName}) cannot be read as ${topic} ` +
            `(${state.reader.name}): ${error instanceof Error ? error.message : String(error)}`,
          { cause: error, schemaId },
        );
      }
    });
    state.pendingResolvers.set(schemaId, pending);
    // Keep only successes (in `resolvers`); a failed lookup may succeed on the next record.
    pending.then(
      () => state.pendingResolvers.delete(schemaId),
      () => state.pendingResolvers.delete(schemaId),
    );
  }
  return pending;
}

function readBody(reader: AvroType, body: Buffer, schemaId: number, resolver: Resolver | undefined): unknown {
  try {
    return reader.fromBuffer(body, resolver) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message === 'truncated buffer' || message === 'trailing data') {
      throw new TruncatedRecordError(
        `Avro body of ${body.length} bytes does not match schema id ${schemaId}: ${message}`,
        { cause: error, schemaId },
      );
    }
    throw new CorruptRecordError(`Avro body cannot be read with schema id ${schemaId}: ${message}`, {
      cause: error,
      schemaId,
    });
  }
}

// The Avro schema says "string"; the contract says more about these two.
function envelopeProblems(topic: Topic, event: unknown): FieldProblem[] {
  if (typeof event !== 'object' || event === null)
    return [{ field: '(event)', message: 'expected an object' }];
  const { event_type, event_id } = event as { event_type?: unknown; event_id?: unknown };
  const problems: FieldProblem[] = [];
  if (event_type !== topic) {
    problems.push({ field: 'event_type', message: `expected "${topic}", got ${JSON.stringify(event_type)}` });
  }
  if (typeof event_id !== 'string' || !UUID.test(event_id)) {
    problems.push({ field: 'event_id', message: `expected a UUID, got ${JSON.stringify(event_id)}` });
  }
  return problems;
}

function avroProblems(type: AvroType, value: unknown): FieldProblem[] {
  const problems: FieldProblem[] = [];
  type.isValid(value, {
    errorHook: (path, bad, badType) => {
      const field = path.reduce(
        (acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part),
        '',
      );
      problems.push({
        field: field || '(event)',
        message: `expected ${describeType(badType)}, got ${bad === undefined ? 'nothing' : JSON.stringify(bad)}`,
      });
    },
  });
  return problems;
}

function describeType(type: AvroType): string {
  if (type.name) return type.name;
  const schema = type.schema();
  return typeof schema === 'string' ? schema : JSON.stringify(schema);
}
