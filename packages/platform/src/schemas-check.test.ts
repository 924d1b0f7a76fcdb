// The compatibility gate (scripts/schemas-check.ts) run as the lead's Makefile runs it, on
// throwaway schema directories: uniquely named topics against the real registry, and a
// throwaway git repository for the offline (git HEAD) mode.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readSchemaJson } from './avro-schemas.ts';
import { deleteSubjects, postSchema, testRegistryUrl, uniqueName } from './test-support.ts';

const run = promisify(execFile);
const script = new URL('../../../scripts/schemas-check.ts', import.meta.url).pathname;
const registryUrl = testRegistryUrl();
const prefix = uniqueName('gate');

afterAll(async () => {
  await deleteSubjects(registryUrl, prefix);
});

type Field = { name: string; type: unknown; default?: unknown; doc?: string };
const original = readSchemaJson('order.created') as { fields: Field[] };
const withFields = (fields: Field[]) => ({ ...original, fields });
const added = (field: Field) => withFields([...original.fields, field]);

async function gate(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, [script, ...args], {
      env: { ...process.env, SCHEMA_REGISTRY_URL: registryUrl, ...env },
    });
    return { code: 0, out: stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, out: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

function schemasDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'schemas-check-'));
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

describe('against the registry', () => {
  it('passes a compatible change and fails an incompatible one, one line per problem', async () => {
    const topic = `${prefix}.order.created`;
    expect((await postSchema(registryUrl, `${topic}-value`, original)).status).toBe(200);

    const ok = await gate([
      '--schemas-dir',
      schemasDir({
        [`${topic}.avsc`]: added({ name: 'gift', type: ['null', 'string'], default: null, doc: 'A note.' }),
      }),
    ]);
    expect(ok.out).toMatch(/^schemas-check: 1 schema\(s\) .* BACKWARD compatible with 1 registered version/m);
    expect(ok.code).toBe(0);

    const retyped = original.fields.map((f) => (f.name === 'total_cents' ? { ...f, type: 'string' } : f));
    const bad = await gate([
      '--schemas-dir',
      schemasDir({
        [`${topic}.avsc`]: withFields([...retyped, { name: 'tier', type: 'string', doc: 'Loyalty tier.' }]),
      }),
    ]);
    expect(bad.code).toBe(1);
    const lines = bad.out.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `${topic}\\.avsc: field "total_cents" changed type from long to string — BACKWARD requires new readers to read old data.*\\(against registry ${topic}-value v1\\)$`,
        ),
      ),
      expect.stringMatching(
        new RegExp(
          `${topic}\\.avsc: field "tier" added without a default — BACKWARD requires new readers to read old data`,
        ),
      ),
      expect.stringMatching(/^schemas-check: 2 problem\(s\)/),
    ]);
  });

  it('fails a file that does not parse or lacks docs; a topic new to the registry only needs to parse', async () => {
    const dir = schemasDir({
      [`${prefix}.broken.avsc`]: '{"type": "record", "name": ',
      [`${prefix}.undocumented.avsc`]: {
        type: 'record',
        name: 'U',
        doc: 'x',
        fields: [{ name: 'a', type: 'string' }],
      },
      [`${prefix}.new.avsc`]: {
        type: 'record',
        name: 'N',
        doc: 'x',
        fields: [{ name: 'a', type: 'string', doc: 'y' }],
      },
    });
    const result = await gate(['--schemas-dir', dir]);
    expect(result.code).toBe(1);
    expect(result.out).toContain(`${prefix}.broken.avsc: does not parse as an Avro schema`);
    expect(result.out).toContain(`${prefix}.undocumented.avsc: field "a" has no doc`);
    expect(result.out).not.toContain(`${prefix}.new.avsc`);
  });
});

describe('offline, against git HEAD', () => {
  function repoWith(committed: unknown): string {
    const repo = mkdtempSync(join(tmpdir(), 'schemas-repo-'));
    mkdirSync(join(repo, 'schemas'));
    writeFileSync(join(repo, 'schemas', 'order.created.avsc'), JSON.stringify(committed));
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], {
        cwd: repo,
        stdio: 'ignore',
      });
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'v1');
    return repo;
  }

  it('compares with the committed file, skipping files new in the change', async () => {
    const repo = repoWith(original);
    const schemas = join(repo, 'schemas');
    writeFileSync(
      join(schemas, 'order.created.avsc'),
      JSON.stringify(added({ name: 'tier', type: 'string', doc: 'x' })),
    );
    writeFileSync(
      join(schemas, 'brand.new.avsc'),
      JSON.stringify({ type: 'record', name: 'B', doc: 'x', fields: [] }),
    );

    const bad = await gate(['--schemas-dir', schemas, '--offline']);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(
      /order\.created\.avsc: field "tier" added without a default .*\(against git HEAD:schemas\/order\.created\.avsc\)/,
    );
    expect(bad.out).not.toContain('brand.new.avsc');

    writeFileSync(
      join(schemas, 'order.created.avsc'),
      JSON.stringify(added({ name: 'tier', type: ['null', 'string'], default: null, doc: 'x' })),
    );
    const ok = await gate(['--schemas-dir', schemas], {
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:1/apis/ccompat/v7',
    });
    expect(ok.out).toMatch(/BACKWARD compatible with 1 file\(s\) in git HEAD \(registry unreachable\)/);
    expect(ok.code).toBe(0);
  });
});
