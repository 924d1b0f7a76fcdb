// Drift test: schemas/*.avsc must say field for field what EVENT_SCHEMAS says (and, through
// `satisfies`, what the TS event types say). The mutation cases below prove the comparison
// notices an added, renamed or retyped field, so a green run means something.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { avroType, DEFAULT_SCHEMAS_DIR, readSchemaJson } from './avro-schemas.ts';
import {
  dlqTopic,
  eventSchema,
  EVENT_SCHEMAS,
  TOPICS,
  type AnyFieldSpec,
  type AnyRecordSpec,
  type Topic,
} from './events.ts';
import { exampleEvents } from './event-examples.ts';

type Json = unknown;
type JsonObject = Record<string, Json>;

const NAMESPACE = 'com.commerce.events';
const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

/** Every difference between a topic's .avsc and its description, one line each, naming topic and field. */
function driftProblems(topic: Topic, avsc: Json, spec: AnyRecordSpec): string[] {
  const problems: string[] = [];
  const named = new Map<string, JsonObject>();
  const report = (path: string, message: string): void => {
    problems.push(`${topic}: ${path ? `field "${path}"` : 'record'}: ${message}`);
  };

  function resolve(type: Json): Json {
    if (typeof type === 'string' && !PRIMITIVES.has(type)) {
      return named.get(type) ?? named.get(`${NAMESPACE}.${type}`) ?? type;
    }
    return type;
  }
  const baseType = (type: Json) => (isObject(type) ? type.type : type);
  const logicalType = (type: Json) => (isObject(type) ? type.logicalType : undefined);

  function compareType(
    path: string,
    rawType: Json,
    field: JsonObject | undefined,
    fieldSpec: AnyFieldSpec,
  ): void {
    const type = resolve(rawType);
    switch (fieldSpec.type) {
      case 'string':
      case 'int':
      case 'long': {
        if (baseType(type) !== fieldSpec.type) {
          return report(path, `is ${JSON.stringify(type)} in the .avsc, ${fieldSpec.type} in EVENT_SCHEMAS`);
        }
        const expected = 'logicalType' in fieldSpec ? fieldSpec.logicalType : undefined;
        if (logicalType(type) !== expected) {
          report(
            path,
            `logicalType is ${String(logicalType(type))} in the .avsc, ${String(expected)} in EVENT_SCHEMAS`,
          );
        }
        if ('const' in fieldSpec && fieldSpec.const !== topic) {
          report(path, `EVENT_SCHEMAS fixes it to "${fieldSpec.const}", not the topic name`);
        }
        return;
      }
      case 'nullable': {
        if (!Array.isArray(type) || type.length !== 2 || type[0] !== 'null') {
          return report(
            path,
            `is ${JSON.stringify(type)} in the .avsc, nullable (["null", …]) in EVENT_SCHEMAS`,
          );
        }
        if (field && field.default !== null) report(path, 'is nullable but its default is not null');
        return compareType(path, type[1], undefined, fieldSpec.of);
      }
      case 'enum': {
        if (!isObject(type) || type.type !== 'enum') {
          return report(
            path,
            `is ${JSON.stringify(type)} in the .avsc, enum ${fieldSpec.name} in EVENT_SCHEMAS`,
          );
        }
        named.set(`${NAMESPACE}.${String(type.name)}`, type);
        if (type.name !== fieldSpec.name)
          report(path, `enum is named ${String(type.name)}, not ${fieldSpec.name}`);
        if (JSON.stringify(type.symbols) !== JSON.stringify(fieldSpec.symbols)) {
          report(
            path,
            `enum symbols are ${JSON.stringify(type.symbols)} in the .avsc, ${JSON.stringify(fieldSpec.symbols)} in EVENT_SCHEMAS`,
          );
        }
        if (type.default !== fieldSpec.default) {
          report(
            path,
            `enum default is ${JSON.stringify(type.default)} in the .avsc, "${fieldSpec.default}" in EVENT_SCHEMAS`,
          );
        }
        return;
      }
      case 'array': {
        if (!isObject(type) || type.type !== 'array') {
          return report(path, `is ${JSON.stringify(type)} in the .avsc, an array in EVENT_SCHEMAS`);
        }
        return compareType(`${path}[]`, type.items, undefined, fieldSpec.items);
      }
      case 'record':
        return compareRecord(path, type, fieldSpec);
    }
  }

  function compareRecord(path: string, type: Json, recordSpec: AnyRecordSpec): void {
    if (!isObject(type) || type.type !== 'record' || !Array.isArray(type.fields)) {
      return report(
        path,
        `is ${JSON.stringify(type)} in the .avsc, record ${recordSpec.name} in EVENT_SCHEMAS`,
      );
    }
    named.set(
      `${typeof type.namespace === 'string' ? type.namespace : NAMESPACE}.${String(type.name)}`,
      type,
    );
    if (type.name !== recordSpec.name)
      report(path, `record is named ${String(type.name)}, not ${recordSpec.name}`);
    const fields = type.fields.filter(isObject);
    const avscNames = fields.map((f) => String(f.name));
    const specNames = Object.keys(recordSpec.fields);
    const at = (name: string) => (path ? `${path}.${name}` : name);
    for (const name of avscNames.filter((n) => !specNames.includes(n))) {
      report(at(name), 'is in the .avsc but not in EVENT_SCHEMAS / the TS type');
    }
    for (const name of specNames.filter((n) => !avscNames.includes(n))) {
      report(at(name), 'is in EVENT_SCHEMAS / the TS type but not in the .avsc');
    }
    const common = avscNames.filter((n) => specNames.includes(n));
    if (common.join() !== specNames.filter((n) => avscNames.includes(n)).join()) {
      report(path, `field order differs: .avsc has ${common.join(', ')}`);
    }
    for (const field of fields) {
      const name = String(field.name);
      const fieldSpec = recordSpec.fields[name];
      if (fieldSpec) compareType(at(name), field.type, field, fieldSpec);
    }
  }

  if (isObject(avsc) && avsc.namespace !== NAMESPACE)
    report('', `namespace is ${String(avsc.namespace)}, not ${NAMESPACE}`);
  compareRecord('', avsc, spec);
  return problems;
}

function isObject(value: Json): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy of a topic's .avsc JSON, for mutation cases. */
function avscCopy(topic: Topic): { fields: JsonObject[] } & JsonObject {
  return structuredClone(readSchemaJson(topic)) as { fields: JsonObject[] } & JsonObject;
}

function fieldOf(schema: { fields: JsonObject[] }, name: string): JsonObject {
  const field = schema.fields.find((f) => f.name === name);
  if (!field) throw new Error(`no field ${name}`);
  return field;
}

describe('schemas/*.avsc match EVENT_SCHEMAS (and so the TS types)', () => {
  it.each(TOPICS)('%s', (topic) => {
    expect(driftProblems(topic, readSchemaJson(topic), eventSchema(topic))).toEqual([]);
  });

  it('there is exactly one schema file per topic', () => {
    const files = readdirSync(DEFAULT_SCHEMAS_DIR).filter((f) => f.endsWith('.avsc'));
    expect(files.sort()).toEqual(TOPICS.map((t) => `${t}.avsc`).sort());
  });

  it('every record, enum and field has a doc', () => {
    const missing: string[] = [];
    const walk = (where: string, type: Json): void => {
      if (Array.isArray(type)) return type.forEach((t) => walk(where, t));
      if (!isObject(type)) return;
      if ((type.type === 'record' || type.type === 'enum') && !type.doc)
        missing.push(`${where} (${String(type.name)})`);
      if (type.type === 'array') walk(`${where}[]`, type.items);
      if (Array.isArray(type.fields)) {
        for (const field of type.fields.filter(isObject)) {
          const path = `${where}.${String(field.name)}`;
          if (typeof field.doc !== 'string' || field.doc.trim() === '') missing.push(path);
          walk(path, field.type);
        }
      }
    };
    for (const topic of TOPICS) walk(topic, readSchemaJson(topic));
    expect(missing).toEqual([]);
  });

  it('the example events fit their schemas', () => {
    for (const [topic, event] of Object.entries(exampleEvents())) {
      expect(avroType(readSchemaJson(topic as Topic)).isValid(event), topic).toBe(true);
      expect(event.event_type).toBe(topic);
    }
  });
});

describe('the drift check notices drift', () => {
  it('a field added to the .avsc only', () => {
    const avsc = avscCopy('order.created');
    avsc.fields.push({ name: 'gift_message', type: ['null', 'string'], default: null, doc: 'x' });
    expect(driftProblems('order.created', avsc, EVENT_SCHEMAS['order.created'])).toEqual([
      'order.created: field "gift_message": is in the .avsc but not in EVENT_SCHEMAS / the TS type',
    ]);
  });

  it('a field renamed in the .avsc only', () => {
    const avsc = avscCopy('payment.confirmed');
    fieldOf(avsc, 'currency').name = 'currency_code';
    const problems = driftProblems('payment.confirmed', avsc, EVENT_SCHEMAS['payment.confirmed']);
    expect(problems).toContain(
      'payment.confirmed: field "currency_code": is in the .avsc but not in EVENT_SCHEMAS / the TS type',
    );
    expect(problems).toContain(
      'payment.confirmed: field "currency": is in EVENT_SCHEMAS / the TS type but not in the .avsc',
    );
  });

  it('a nested field renamed, an item type changed, a nullable made required', () => {
    const avsc = avscCopy('order.created');
    const items = fieldOf(avsc, 'items').type as { items: { fields: JsonObject[] } };
    fieldOf(items.items, 'quantity').type = 'long';
    fieldOf(items.items, 'sku').name = 'product';
    fieldOf(avsc, 'customer_email').type = 'string';
    const problems = driftProblems('order.created', avsc, EVENT_SCHEMAS['order.created']);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^order\.created: field "items\[\]\.quantity": is "long" in the \.avsc, int/),
        expect.stringMatching(/^order\.created: field "items\[\]\.product": is in the \.avsc but not/),
        expect.stringMatching(/^order\.created: field "customer_email": is "string" in the \.avsc, nullable/),
      ]),
    );
  });

  it('enum symbols, an array item type and a logical type changed', () => {
    const rejected = avscCopy('stock.rejected');
    (fieldOf(rejected, 'reason').type as { symbols: string[] }).symbols.push('DISCONTINUED');
    fieldOf(rejected, 'skus').type = { type: 'array', items: 'long' };
    fieldOf(rejected, 'occurred_at').type = 'long';
    const problems = driftProblems('stock.rejected', rejected, EVENT_SCHEMAS['stock.rejected']);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^stock\.rejected: field "reason": enum symbols are .*DISCONTINUED/),
        expect.stringMatching(/^stock\.rejected: field "skus\[\]": is "long"/),
        expect.stringMatching(
          /^stock\.rejected: field "occurred_at": logicalType is undefined in the \.avsc, timestamp-millis/,
        ),
      ]),
    );
  });
});

describe('topic names', () => {
  it('dead-letter topics are <topic>.dlq', () => {
    expect(dlqTopic('order.created')).toBe('order.created.dlq');
  });

  it('the event catalog documents every topic with an example that fits the schema', () => {
    const catalog = readFileSync(new URL('../../../docs/events.md', import.meta.url), 'utf8');
    for (const topic of TOPICS) {
      const section = catalog.split(/^### /m).find((s) => s.startsWith(`\`${topic}\``));
      expect(section, `docs/events.md has no section for ${topic}`).toBeDefined();
      const json = /```json\n([\s\S]*?)```/.exec(section ?? '')?.[1];
      expect(json, `docs/events.md has no JSON example for ${topic}`).toBeDefined();
      const example: unknown = JSON.parse(json ?? 'null');
      const paths: string[] = [];
      avroType(readSchemaJson(topic)).isValid(example, { errorHook: (path) => paths.push(path.join('.')) });
      expect(paths, `docs/events.md example of ${topic}`).toEqual([]);
      for (const field of Object.keys(EVENT_SCHEMAS[topic].fields)) {
        expect(section, `docs/events.md table of ${topic} lacks ${field}`).toContain(`| \`${field}\``);
      }
    }
  });
});
