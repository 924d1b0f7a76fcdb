// BACKWARD compatibility between two Avro schemas, by the Avro schema-resolution rules (the
// ones the registry applies): can a reader using the NEW schema read data written with the
// OLD one? Pure: no I/O, so the compatibility gate and its tests share it. Unlike a bare
// "incompatible" verdict, every problem names the field and the rule it breaks.
import avro from 'avsc';
import { avroType, type AvroSchemaJson, type AvroType } from './avro-schemas.ts';

export type CompatRule =
  | 'field-added-without-default'
  | 'type-changed'
  | 'enum-symbols-removed'
  | 'union-branch-removed'
  | 'name-changed'
  | 'fixed-size-changed';

export type CompatProblem = {
  /** Field path, e.g. `items[].quantity`; empty for the record itself. */
  path: string;
  rule: CompatRule;
  message: string;
};

const WHY = 'BACKWARD requires new readers to read old data';

// Writer type → reader types that can read it (Avro spec, "Schema Resolution").
const PROMOTIONS: Record<string, readonly string[]> = {
  int: ['long', 'float', 'double'],
  long: ['float', 'double'],
  float: ['double'],
  string: ['bytes'],
  bytes: ['string'],
};

/** Everything that stops `newSchema` from reading data written with `oldSchema`; empty when BACKWARD compatible. */
export function backwardProblems(newSchema: AvroSchemaJson, oldSchema: AvroSchemaJson): CompatProblem[] {
  const problems: CompatProblem[] = [];
  compare(avroType(newSchema), avroType(oldSchema), '', problems, new Set());
  return problems;
}

function compare(
  reader: AvroType,
  writer: AvroType,
  path: string,
  problems: CompatProblem[],
  seen: Set<string>,
): void {
  const where = path ? `field "${path}"` : 'the record';

  if (isUnion(writer)) {
    // Each writer branch may occur in old data, so each must be readable.
    for (const branch of writer.types) {
      if (isUnion(reader)) {
        if (!reader.types.some((r) => readable(r, branch))) {
          problems.push({
            path,
            rule: 'union-branch-removed',
            message: `${where} no longer accepts ${describe(branch)} (was ${describe(writer)}, now ${describe(reader)}) — ${WHY}, which may hold ${describe(branch)}`,
          });
        }
      } else if (!readable(reader, branch)) {
        problems.push({
          path,
          rule: isNull(branch) ? 'union-branch-removed' : 'type-changed',
          message: `${where} changed type from ${describe(writer)} to ${describe(reader)} — ${WHY}, which may hold ${describe(branch)}`,
        });
      }
    }
    return;
  }

  if (isUnion(reader)) {
    const branch =
      reader.types.find((r) => sameKind(r, writer)) ?? reader.types.find((r) => readable(r, writer));
    if (branch) return compare(branch, writer, path, problems, seen);
    problems.push({
      path,
      rule: 'type-changed',
      message: `${where} changed type from ${describe(writer)} to ${describe(reader)} — ${WHY}, and no branch can read ${describe(writer)}`,
    });
    return;
  }

  if (reader.typeName !== writer.typeName) {
    if (!PROMOTIONS[writer.typeName]?.includes(reader.typeName)) {
      problems.push({
        path,
        rule: 'type-changed',
        message: `${where} changed type from ${describe(writer)} to ${describe(reader)} — ${WHY}, and ${describe(reader)} cannot read ${describe(writer)}`,
      });
    }
    return;
  }

  if (reader.name !== undefined && writer.name !== undefined && !namesMatch(reader, writer)) {
    problems.push({
      path,
      rule: 'name-changed',
      message: `${where}: ${writer.typeName} ${writer.name} was renamed to ${reader.name} without an alias — ${WHY}, and Avro matches named types by name`,
    });
    return;
  }

  if (reader instanceof avro.types.RecordType && writer instanceof avro.types.RecordType) {
    const key = `${reader.name ?? ''}|${writer.name ?? ''}`;
    if (seen.has(key)) return; // recursive type, already being compared
    seen.add(key);
    for (const field of reader.fields) {
      const fieldPath = path ? `${path}.${field.name}` : field.name;
      const names = [field.name, ...field.aliases];
      const old = writer.fields.find((w) => names.includes(w.name));
      if (old) {
        compare(field.type, old.type, fieldPath, problems, seen);
      } else if (field.defaultValue() === undefined) {
        problems.push({
          path: fieldPath,
          rule: 'field-added-without-default',
          message: `field "${fieldPath}" added without a default — ${WHY}, and old records have no "${field.name}"`,
        });
      }
    }
    return;
  }

  if (reader instanceof avro.types.EnumType && writer instanceof avro.types.EnumType) {
    const lost = writer.symbols.filter((s) => !reader.symbols.includes(s));
    const readerDefault = (reader as { default?: string }).default;
    if (lost.length > 0 && readerDefault === undefined) {
      problems.push({
        path,
        rule: 'enum-symbols-removed',
        message: `${where}: enum ${reader.name ?? ''} removed symbol(s) ${lost.join(', ')} and has no default — ${WHY}, which may hold ${lost.join(', ')}`,
      });
    }
    return;
  }

  if (reader instanceof avro.types.ArrayType && writer instanceof avro.types.ArrayType) {
    return compare(reader.itemsType, writer.itemsType, `${path}[]`, problems, seen);
  }

  if (reader instanceof avro.types.MapType && writer instanceof avro.types.MapType) {
    return compare(reader.valuesType as AvroType, writer.valuesType as AvroType, `${path}{}`, problems, seen);
  }

  if (
    reader instanceof avro.types.FixedType &&
    writer instanceof avro.types.FixedType &&
    reader.size !== writer.size
  ) {
    problems.push({
      path,
      rule: 'fixed-size-changed',
      message: `${where}: fixed ${reader.name ?? ''} changed size from ${writer.size} to ${reader.size} — ${WHY}`,
    });
  }
}

function readable(reader: AvroType, writer: AvroType): boolean {
  const problems: CompatProblem[] = [];
  compare(reader, writer, '', problems, new Set());
  return problems.length === 0;
}

// The Avro spec picks the first reader branch of the writer's kind (same name for named types).
function sameKind(reader: AvroType, writer: AvroType): boolean {
  if (reader.typeName !== writer.typeName) return false;
  return reader.name === undefined || namesMatch(reader, writer);
}

function namesMatch(reader: AvroType, writer: AvroType): boolean {
  return reader.name === writer.name || (reader.aliases ?? []).includes(writer.name ?? '');
}

function isUnion(type: AvroType): type is AvroType & { types: AvroType[] } {
  return avro.Type.isType(type, 'union');
}

function isNull(type: AvroType): boolean {
  return type.typeName === 'null';
}

function describe(type: AvroType): string {
  if (isUnion(type)) return `[${type.types.map(describe).join(', ')}]`;
  if (type instanceof avro.types.ArrayType) return `array<${describe(type.itemsType)}>`;
  if (type instanceof avro.types.MapType) return `map<${describe(type.valuesType as AvroType)}>`;
  return type.name ? `${type.typeName} ${type.name.replace(/^.*\./, '')}` : type.typeName;
}
