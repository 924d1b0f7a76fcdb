import { describe, expect, it } from 'vitest';
import { backwardProblems } from './schema-compat.ts';
import { readSchemaJson, type AvroSchemaJson } from './avro-schemas.ts';
import { TOPICS } from './events.ts';

type Field = { name: string; type: unknown; default?: unknown; aliases?: string[] };

const reason = (symbols: string[], withDefault: boolean) => ({
  type: 'enum',
  name: 'Reason',
  symbols,
  ...(withDefault ? { default: symbols[0] } : {}),
});

function record(fields: Field[], name = 'Thing'): AvroSchemaJson {
  return { type: 'record', name, namespace: 'com.commerce.test', fields } as AvroSchemaJson;
}

const base: Field[] = [
  { name: 'id', type: 'string' },
  { name: 'amount', type: 'long' },
  { name: 'note', type: ['null', 'string'], default: null },
  { name: 'reason', type: reason(['UNKNOWN', 'A', 'B'], true) },
  {
    name: 'items',
    type: { type: 'array', items: { type: 'record', name: 'Item', fields: [{ name: 'qty', type: 'int' }] } },
  },
];
const old = record(base);
const withField = (field: Field) => record([...base, field]);
const replacing = (name: string, field: Field) => record(base.map((f) => (f.name === name ? field : f)));

describe('backwardProblems (new schema reads data written with the old one)', () => {
  it('an identical schema is compatible, and so is every contract schema with itself', () => {
    expect(backwardProblems(old, old)).toEqual([]);
    for (const topic of TOPICS)
      expect(backwardProblems(readSchemaJson(topic), readSchemaJson(topic))).toEqual([]);
  });

  it('an added field with a default is OK', () => {
    expect(
      backwardProblems(withField({ name: 'gift', type: ['null', 'string'], default: null }), old),
    ).toEqual([]);
    expect(backwardProblems(withField({ name: 'count', type: 'int', default: 0 }), old)).toEqual([]);
  });

  it('an added field without a default FAILS, naming the field and the rule', () => {
    expect(backwardProblems(withField({ name: 'tier', type: 'string' }), old)).toEqual([
      {
        path: 'tier',
        rule: 'field-added-without-default',
        message:
          'field "tier" added without a default — BACKWARD requires new readers to read old data, and old records have no "tier"',
      },
    ]);
  });

  it('a removed field is OK (the new reader skips it)', () => {
    expect(backwardProblems(record(base.filter((f) => f.name !== 'amount')), old)).toEqual([]);
  });

  it('a type change FAILS; a promotion (int → long) and a rename with an alias are OK', () => {
    const problems = backwardProblems(replacing('amount', { name: 'amount', type: 'string' }), old);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: 'amount', rule: 'type-changed' });
    expect(problems[0]?.message).toContain('changed type from long to string');

    const nested = record(
      base.map((f) =>
        f.name === 'items'
          ? {
              name: 'items',
              type: {
                type: 'array',
                items: { type: 'record', name: 'Item', fields: [{ name: 'qty', type: 'string' }] },
              },
            }
          : f,
      ),
    );
    expect(backwardProblems(nested, old)).toMatchObject([{ path: 'items[].qty', rule: 'type-changed' }]);

    const promotedItems = {
      name: 'items',
      type: {
        type: 'array',
        items: { type: 'record', name: 'Item', fields: [{ name: 'qty', type: 'long' }] },
      },
    };
    expect(backwardProblems(replacing('items', promotedItems), old)).toEqual([]);
    expect(
      backwardProblems(replacing('amount', { name: 'total', type: 'long', aliases: ['amount'] }), old),
    ).toEqual([]);
  });

  it('making a nullable field required FAILS (old data may hold null); making it nullable is OK', () => {
    expect(backwardProblems(replacing('note', { name: 'note', type: 'string' }), old)).toMatchObject([
      { path: 'note', rule: 'union-branch-removed' },
    ]);
    expect(
      backwardProblems(replacing('id', { name: 'id', type: ['null', 'string'], default: null }), old),
    ).toEqual([]);
  });

  it('an enum symbol removed FAILS when the new enum has no default', () => {
    const oldNoDefault = replacing('reason', { name: 'reason', type: reason(['UNKNOWN', 'A', 'B'], false) });
    const removed = replacing('reason', { name: 'reason', type: reason(['UNKNOWN', 'A'], false) });
    const problems = backwardProblems(removed, oldNoDefault);
    expect(problems).toMatchObject([{ path: 'reason', rule: 'enum-symbols-removed' }]);
    expect(problems[0]?.message).toContain('removed symbol(s) B');
  });

  it('an enum symbol removed is OK when the new enum has a default (old values read as the default), as in the registry', () => {
    expect(
      backwardProblems(replacing('reason', { name: 'reason', type: reason(['UNKNOWN', 'A'], true) }), old),
    ).toEqual([]);
  });

  it('an enum symbol added with a default is OK', () => {
    expect(
      backwardProblems(
        replacing('reason', { name: 'reason', type: reason(['UNKNOWN', 'A', 'B', 'C'], true) }),
        old,
      ),
    ).toEqual([]);
  });

  it('a renamed record FAILS unless it keeps the old name as an alias', () => {
    expect(backwardProblems(record(base, 'Other'), old)).toMatchObject([{ path: '', rule: 'name-changed' }]);
    const aliased = {
      ...(record(base, 'Other') as object),
      aliases: ['com.commerce.test.Thing'],
    } as AvroSchemaJson;
    expect(backwardProblems(aliased, old)).toEqual([]);
  });
});
