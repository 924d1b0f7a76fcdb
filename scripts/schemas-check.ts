// Compatibility gate for schemas/*.avsc (make schemas-check). Every file must parse, be
// documented, and be BACKWARD compatible (read data written with the old schema) with:
//   (a) every version registered under `<topic>-value` when the registry answers, or
//   (b) the file as committed in git HEAD when it does not (or with --offline).
// One line per problem, exit 1; otherwise one summary line, exit 0.
//   node scripts/schemas-check.ts [--schemas-dir DIR] [--offline]
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { avroType, DEFAULT_SCHEMAS_DIR, type AvroSchemaJson } from '../packages/platform/src/avro-schemas.ts';
import { backwardProblems } from '../packages/platform/src/schema-compat.ts';

const { values: args } = parseArgs({
  options: { 'schemas-dir': { type: 'string' }, offline: { type: 'boolean', default: false } },
});
const schemasDir = resolve(args['schemas-dir'] ?? DEFAULT_SCHEMAS_DIR);
const registryUrl = (process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7').replace(
  /\/+$/,
  '',
);

type Baseline = { label: string; schema: AvroSchemaJson };

const problems: string[] = [];
const files = readdirSync(schemasDir)
  .filter((f) => f.endsWith('.avsc'))
  .sort();
const registryUp = !args.offline && (await reachable(`${registryUrl}/subjects`));
let baselineCount = 0;

for (const file of files) {
  const shown = displayPath(join(schemasDir, file));
  const topic = file.slice(0, -'.avsc'.length);
  let schema: AvroSchemaJson;
  try {
    schema = JSON.parse(readFileSync(join(schemasDir, file), 'utf8')) as AvroSchemaJson;
    avroType(schema);
  } catch (error) {
    problems.push(`${shown}: does not parse as an Avro schema: ${message(error)}`);
    continue;
  }
  for (const path of undocumented(schema)) {
    problems.push(
      `${shown}: ${path} has no doc — every record, enum and field of the contract is documented`,
    );
  }
  const baselines = registryUp
    ? await registeredVersions(`${topic}-value`)
    : committedVersion(join(schemasDir, file));
  baselineCount += baselines.length;
  for (const baseline of baselines) {
    for (const problem of backwardProblems(schema, baseline.schema)) {
      problems.push(`${shown}: ${problem.message} (against ${baseline.label})`);
    }
  }
  if (registryUp && baselines.length > 0) {
    // The registry has the last word; say so if it disagrees with the field-level check.
    const verdict = await registryVerdict(`${topic}-value`, schema);
    if (verdict && !problems.some((p) => p.startsWith(`${shown}:`))) {
      problems.push(
        `${shown}: the registry rejects it as BACKWARD-incompatible with the latest version: ${verdict}`,
      );
    }
  }
}

if (problems.length > 0) {
  for (const line of [...new Set(problems)]) process.stdout.write(`${line}\n`);
  process.stdout.write(`schemas-check: ${new Set(problems).size} problem(s) in ${displayPath(schemasDir)}\n`);
  process.exit(1);
}
const against = registryUp
  ? `${baselineCount} registered version(s) at ${registryUrl}`
  : `${baselineCount} file(s) in git HEAD${args.offline ? '' : ' (registry unreachable)'}`;
process.stdout.write(
  `schemas-check: ${files.length} schema(s) in ${displayPath(schemasDir)} parse, are documented and are BACKWARD compatible with ${against}\n`,
);

async function reachable(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    return response.ok;
  } catch {
    return false;
  }
}

async function getJson(path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${registryUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.json() };
}

async function registeredVersions(subject: string): Promise<Baseline[]> {
  const subjectPath = `/subjects/${encodeURIComponent(subject)}/versions`;
  const list = await getJson(subjectPath);
  if (list.status === 404) return []; // a new topic: nothing to be compatible with
  if (list.status !== 200 || !Array.isArray(list.body)) {
    throw new Error(`registry: GET ${subjectPath} answered ${list.status}`);
  }
  const baselines: Baseline[] = [];
  for (const version of list.body as number[]) {
    const { body } = await getJson(`${subjectPath}/${version}`);
    const { schema, schemaType } = body as { schema: string; schemaType?: string };
    if (schemaType && schemaType !== 'AVRO') continue;
    baselines.push({
      label: `registry ${subject} v${version}`,
      schema: JSON.parse(schema) as AvroSchemaJson,
    });
  }
  return baselines;
}

/** The registry's own messages when it finds `schema` incompatible with the subject's latest version. */
async function registryVerdict(subject: string, schema: AvroSchemaJson): Promise<string | undefined> {
  const response = await fetch(
    `${registryUrl}/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest?verbose=true`,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(schema) }),
      signal: AbortSignal.timeout(10_000),
    },
  );
  if (!response.ok) return undefined;
  const body = (await response.json()) as { is_compatible?: boolean; messages?: string[] };
  return body.is_compatible === false ? (body.messages?.join('; ') ?? 'no details given') : undefined;
}

function committedVersion(file: string): Baseline[] {
  try {
    const root = execFileSync('git', ['rev-parse', '--show-toplevel'], {
      cwd: dirname(file),
      encoding: 'utf8',
    }).trim();
    const path = relative(root, file).split('\\').join('/');
    const text = execFileSync('git', ['show', `HEAD:${path}`], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return [{ label: `git HEAD:${path}`, schema: JSON.parse(text) as AvroSchemaJson }];
  } catch {
    return []; // not in a repository, no commit yet, or a file new in this change
  }
}

function undocumented(schema: unknown, where = 'record'): string[] {
  if (Array.isArray(schema)) return schema.flatMap((s) => undocumented(s, where));
  if (typeof schema !== 'object' || schema === null) return [];
  const type = schema as { type?: unknown; name?: unknown; doc?: unknown; items?: unknown; fields?: unknown };
  const out: string[] = [];
  if ((type.type === 'record' || type.type === 'enum') && !nonEmpty(type.doc)) {
    out.push(`${type.type} ${String(type.name)}`);
  }
  if (type.type === 'array') out.push(...undocumented(type.items, where));
  if (Array.isArray(type.fields)) {
    for (const field of type.fields as { name?: unknown; doc?: unknown; type?: unknown }[]) {
      const path = where === 'record' ? String(field.name) : `${where}.${String(field.name)}`;
      if (!nonEmpty(field.doc)) out.push(`field "${path}"`);
      out.push(...undocumented(field.type, path));
    }
  }
  return out;
}

function nonEmpty(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '';
}

function displayPath(path: string): string {
  const shown = relative(process.cwd(), path);
  return shown.startsWith('..') ? path : shown || '.';
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
