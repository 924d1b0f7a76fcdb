// Serde against the real schema registry. Every test registers under its own subject prefix
// (topicPrefix), so runs in parallel and repeated runs never see each other's schemas.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRetriable } from './errors.ts';
import { TOPICS, type OrderCreated, type Topic } from './events.ts';
import { exampleEvents } from './event-examples.ts';
import { avroType, readSchemaJson } from './avro-schemas.ts';
import {
  createSerde,
  createWriterSchemaDecoder,
  CorruptRecordError,
  InvalidEventError,
  RegistryUnavailableError,
  SchemaMismatchError,
  SchemaRegistrationError,
  TruncatedRecordError,
  UnknownSchemaIdError,
  WrongMagicByteError,
  type Serde,
} from './serde.ts';
import { frame } from './wire-format.ts';
import { deleteSubjects, postSchema, testRegistryUrl, uniqueName } from './test-support.ts';

const registryUrl = testRegistryUrl();
const prefix = `${uniqueName('serde')}.`;
let serde: Serde;

beforeAll(async () => {
  serde = createSerde({ registryUrl, topics: TOPICS, topicPrefix: prefix });
  await serde.init();
});

afterAll(async () => {
  await deleteSubjects(registryUrl, prefix);
});

/** An order.created schema with one more field, as the next version of the contract might add. */
function orderCreatedWith(field: Record<string, unknown>) {
  const schema = readSchemaJson('order.created') as { fields: unknown[] };
  return { ...schema, fields: [...schema.fields, field] };
}

describe('round trip', () => {
  it.each(TOPICS)('%s decodes to the event it encoded', async (topic) => {
    const event = exampleEvents()[topic];
    const bytes = await serde.encode(topic, event);
    expect(bytes[0]).toBe(0);
    expect(bytes.readUInt32BE(1)).toBe(serde.schemaId(topic));
    const decoded = await serde.decode(topic, bytes);
    expect(decoded).toEqual(event);
    expect(typeof decoded.occurred_at).toBe('number'); // epoch ms, not a Date
  });

  it('registers each topic under <prefix><topic>-value', async () => {
    const response = await fetch(`${registryUrl}/subjects/${prefix}order.created-value/versions/latest`);
    const body = (await response.json()) as { id: number };
    expect(body.id).toBe(serde.schemaId('order.created'));
  });

  it('register: false finds the ids registered before, and fails when the schema is not there', async () => {
    const lookup = createSerde({
      registryUrl,
      topics: ['stock.reserved'],
      topicPrefix: prefix,
      register: false,
    });
    await lookup.init();
    expect(lookup.schemaId('stock.reserved')).toBe(serde.schemaId('stock.reserved'));

    const missing = createSerde({
      registryUrl,
      topics: ['stock.reserved'],
      topicPrefix: uniqueName('none'),
      register: false,
    });
    await expect(missing.init()).rejects.toBeInstanceOf(SchemaRegistrationError);
  });
});

describe('encode validation', () => {
  it('names the field path of a bad value', async () => {
    const event = exampleEvents()['order.created'];
    const bad = { ...event, items: [event.items[0], { sku: 'SKU-9', quantity: 1.5, unit_price_cents: 10 }] };
    const error = await serde.encode('order.created', bad as OrderCreated).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).code).toBe('INVALID_EVENT');
    expect((error as InvalidEventError).fields).toEqual([
      { field: 'items[1].quantity', message: 'expected int, got 1.5' },
    ]);
    expect((error as Error).message).toContain('items[1].quantity');
  });

  it('rejects a missing required field, an unknown enum symbol and a non-null where null is not allowed', async () => {
    const { customer_id: _dropped, ...withoutCustomer } = exampleEvents()['order.created'];
    await expect(serde.encode('order.created', withoutCustomer as OrderCreated)).rejects.toMatchObject({
      fields: [{ field: 'customer_id' }],
    });
    const failed = { ...exampleEvents()['payment.failed'], reason: 'NOPE' };
    await expect(serde.encode('payment.failed', failed as never)).rejects.toMatchObject({
      fields: [{ field: 'reason' }],
    });
    const confirmed = { ...exampleEvents()['payment.confirmed'], payment_id: null };
    await expect(serde.encode('payment.confirmed', confirmed as never)).rejects.toMatchObject({
      fields: [{ field: 'payment_id' }],
    });
  });

  it('rejects an event_type that is not the topic and an event_id that is not a UUID', async () => {
    const event = { ...exampleEvents()['stock.reserved'], event_type: 'stock.released', event_id: 'x' };
    const error = (await serde
      .encode('stock.reserved', event as never)
      .catch((e: unknown) => e)) as InvalidEventError;
    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error.fields.map((f) => f.field).sort()).toEqual(['event_id', 'event_type']);
  });
});

describe('decode failures are typed', () => {
  const valid = async (topic: Topic = 'order.created') => serde.encode(topic, exampleEvents()[topic]);

  it('WrongMagicByteError for an empty record or a first byte other than 0', async () => {
    for (const bytes of [
      Buffer.alloc(0),
      Buffer.from('{"json":true}'),
      Buffer.concat([Buffer.from([1]), await valid()]),
    ]) {
      const error = await serde.decode('order.created', bytes).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WrongMagicByteError);
      expect(isRetriable(error)).toBe(false);
    }
  });

  it('TruncatedRecordError for a short header, a short body and trailing bytes', async () => {
    const bytes = await valid();
    for (const bad of [
      bytes.subarray(0, 3),
      bytes.subarray(0, bytes.length - 1),
      Buffer.concat([bytes, Buffer.from([0])]),
    ]) {
      const error = await serde.decode('order.created', bad).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TruncatedRecordError);
      expect(isRetriable(error)).toBe(false);
    }
  });

  it('CorruptRecordError for a body with an impossible enum index', async () => {
    const id = serde.schemaId('stock.rejected');
    const body = avroType(readSchemaJson('stock.rejected')).toBuffer(exampleEvents()['stock.rejected']);
    // The enum index is the byte after the five envelope fields; an index of 50 is out of range.
    const envelope = avroType(readSchemaJson('stock.rejected')).toBuffer({
      ...exampleEvents()['stock.rejected'],
      skus: [],
    });
    const enumAt = envelope.length - 2;
    const corrupt = Buffer.from(body);
    corrupt[enumAt] = 50 * 2; // zig-zag of 50: one byte, index out of range
    const error = await serde.decode('stock.rejected', frame(id, corrupt)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptRecordError);
    expect(isRetriable(error)).toBe(false);
  });

  it('UnknownSchemaIdError when the registry does not know the id', async () => {
    const bytes = Buffer.from(await valid());
    bytes.writeUInt32BE(2_000_000_000, 1);
    const error = await serde.decode('order.created', bytes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownSchemaIdError);
    expect((error as UnknownSchemaIdError).schemaId).toBe(2_000_000_000);
    expect(isRetriable(error)).toBe(false);
  });

  it('SchemaMismatchError for a record written with another topic’s schema', async () => {
    const error = await serde
      .decode('stock.released', await valid('stock.reserved'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaMismatchError);
    expect((error as SchemaMismatchError).code).toBe('SCHEMA_MISMATCH');
    expect((error as Error).message).toContain(`schema id ${serde.schemaId('stock.reserved')}`);
    expect(isRetriable(error)).toBe(false);
  });
});

describe('registry availability and caching', () => {
  let proxy: CountingProxy;
  beforeAll(async () => {
    proxy = await startCountingProxy(registryUrl);
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('after init, encoding never calls the registry and decoding calls it once per new writer id', async () => {
    const cached = createSerde({ registryUrl: proxy.url, topics: TOPICS, topicPrefix: prefix });
    await cached.init();
    const afterInit = proxy.requests();
    for (let i = 0; i < 50; i += 1) {
      for (const topic of TOPICS)
        await cached.decode(topic, await cached.encode(topic, exampleEvents()[topic]));
    }
    expect(proxy.requests()).toBe(afterInit);

    const foreign = await serde.encode('order.created', exampleEvents()['order.created']);
    const id = await registerEvolvedOrderCreated(`${prefix}order.created-value`);
    const evolved = frame(
      id,
      evolvedType().toBuffer({ ...exampleEvents()['order.created'], gift_message: 'hi' }),
    );
    await Promise.all([cached.decode('order.created', evolved), cached.decode('order.created', evolved)]);
    await cached.decode('order.created', evolved);
    await cached.decode('order.created', foreign);
    expect(proxy.requests() - afterInit).toBe(1);
  });

  it('RegistryUnavailableError (retriable) when the registry cannot be reached', async () => {
    const down = await startCountingProxy(registryUrl);
    const url = down.url;
    await down.close();
    const bytes = await serde.encode('order.created', exampleEvents()['order.created']);
    const decoder = createSerde({ registryUrl: url, topics: ['order.created'], topicPrefix: prefix });
    const error = await decoder.decode('order.created', bytes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect((error as RegistryUnavailableError).code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(isRetriable(error)).toBe(true);
    await expect(decoder.init()).rejects.toBeInstanceOf(RegistryUnavailableError);
  });
});

describe('schema evolution', () => {
  it('a version with an added optional field is accepted; old and new readers read each other’s records', async () => {
    const subjectPrefix = `${prefix}${uniqueName('evo')}.`;
    const v1 = createSerde({ registryUrl, topics: ['order.created'], topicPrefix: subjectPrefix });
    await v1.init();
    const v2Id = await registerEvolvedOrderCreated(`${subjectPrefix}order.created-value`);
    expect(v2Id).not.toBe(v1.schemaId('order.created'));

    // Old reader, new record: the added field is skipped.
    const event = exampleEvents()['order.created'];
    const newRecord = frame(v2Id, evolvedType().toBuffer({ ...event, gift_message: 'Happy birthday' }));
    expect(await v1.decode('order.created', newRecord)).toEqual(event);

    // New reader, old record: the added field takes its default.
    const dir = mkdtempSync(join(tmpdir(), 'schemas-v2-'));
    writeFileSync(join(dir, 'order.created.avsc'), JSON.stringify(evolvedSchema()));
    const v2 = createSerde({
      registryUrl,
      topics: ['order.created'],
      topicPrefix: subjectPrefix,
      schemasDir: dir,
    });
    await v2.init();
    expect(v2.schemaId('order.created')).toBe(v2Id);
    const oldRecord = await v1.encode('order.created', event);
    expect(await v2.decode('order.created', oldRecord)).toEqual({ ...event, gift_message: null });

    // A tool without any reader schema sees each record as written.
    const raw = createWriterSchemaDecoder({ registryUrl });
    expect((await raw.decode(newRecord)).value).toEqual({ ...event, gift_message: 'Happy birthday' });
    await deleteSubjects(registryUrl, subjectPrefix);
  });

  it('the registry rejects (409) a changed type and an added field without a default, and allows a removal', async () => {
    const subject = `${prefix}${uniqueName('evo')}.order.created-value`;
    const original = readSchemaJson('order.created') as { fields: { name: string; type: unknown }[] };
    expect((await postSchema(registryUrl, subject, original)).status).toBe(200);

    const retyped = {
      ...original,
      fields: original.fields.map((f) => (f.name === 'total_cents' ? { ...f, type: 'string' } : f)),
    };
    const retypedAnswer = await postSchema(registryUrl, subject, retyped);
    expect(retypedAnswer.status).toBe(409);

    const required = orderCreatedWith({ name: 'loyalty_tier', type: 'string', doc: 'no default' });
    expect((await postSchema(registryUrl, subject, required)).status).toBe(409);

    // BACKWARD means "the new schema reads old data": a reader simply skips a field it no
    // longer has, so the registry accepts a removal. (FORWARD would reject it.)
    const removed = { ...original, fields: original.fields.filter((f) => f.name !== 'payment_token') };
    expect((await postSchema(registryUrl, subject, removed)).status).toBe(200);

    // And serde turns a refusal into a typed, non-retriable error.
    const dir = mkdtempSync(join(tmpdir(), 'schemas-bad-'));
    writeFileSync(join(dir, 'order.created.avsc'), JSON.stringify(retyped));
    const bad = createSerde({
      registryUrl,
      topics: ['order.created'],
      topicPrefix: subject.replace(/order\.created-value$/, ''),
      schemasDir: dir,
    });
    const error = await bad.init().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaRegistrationError);
    expect(isRetriable(error)).toBe(false);
    await deleteSubjects(registryUrl, subject);
  });
});

function evolvedSchema() {
  return orderCreatedWith({
    name: 'gift_message',
    type: ['null', 'string'],
    default: null,
    doc: 'A note to print on the packing slip.',
  });
}

function evolvedType() {
  return avroType(evolvedSchema() as never);
}

async function registerEvolvedOrderCreated(subject: string): Promise<number> {
  const answer = await postSchema(registryUrl, subject, evolvedSchema());
  expect(answer.status).toBe(200);
  return answer.body.id ?? -1;
}

type CountingProxy = { url: string; requests: () => number; close: () => Promise<void> };

/** Forwards to the registry and counts requests, to prove what is cached; close() makes it "down". */
async function startCountingProxy(target: string): Promise<CountingProxy> {
  const { origin, pathname } = new URL(target);
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests += 1;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      fetch(`${origin}${req.url ?? '/'}`, {
        method: req.method,
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
        body,
      })
        .then(async (upstream) => {
          res.writeHead(upstream.status, {
            'content-type': upstream.headers.get('content-type') ?? 'application/json',
          });
          res.end(Buffer.from(await upstream.arrayBuffer()));
        })
        .catch(() => {
          res.writeHead(502);
          res.end();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${pathname}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
