// Helpers for this package's integration tests: unique names so parallel and repeated runs
// never share topics or registry subjects, and cleanup of the subjects a test created.
import { randomBytes } from 'node:crypto';

/** A name no other test run uses: `t-<time>-<random>-<label>`. */
export function uniqueName(label: string): string {
  return `t-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}-${label}`;
}

export function testRegistryUrl(): string {
  return process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7';
}

export function testBrokers(): string[] {
  return (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
}

/** Deletes (soft, then permanently) every registry subject starting with `prefix`. */
export async function deleteSubjects(registryUrl: string, prefix: string): Promise<void> {
  const response = await fetch(`${registryUrl}/subjects`);
  if (!response.ok) return;
  const subjects = (await response.json()) as string[];
  for (const subject of subjects.filter((s) => s.startsWith(prefix))) {
    const url = `${registryUrl}/subjects/${encodeURIComponent(subject)}`;
    await fetch(url, { method: 'DELETE' });
    await fetch(`${url}?permanent=true`, { method: 'DELETE' });
  }
}

/** Posts a schema to `subject` directly, returning the HTTP status and body (tests of registry rules). */
export async function postSchema(
  registryUrl: string,
  subject: string,
  schema: unknown,
): Promise<{ status: number; body: { id?: number; message?: string } }> {
  const response = await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}/versions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schema: JSON.stringify(schema) }),
  });
  return { status: response.status, body: (await response.json()) as { id?: number; message?: string } };
}
