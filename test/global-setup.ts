// Finds the infrastructure the integration tests run against, in this order:
// 1. explicit env vars (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, MYSQL_URL, REDIS_URL);
// 2. a Docker engine → testcontainers;
// 3. the local, Docker-free infrastructure (infra/local/infra.sh start; idempotent).
// The result is exported through process.env, which the test workers inherit.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startContainers, dockerAvailable, type StartedInfra } from './support/containers.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
let containers: StartedInfra | undefined;

const LOCAL_DEFAULTS = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7',
  MYSQL_URL: 'mysql://root@127.0.0.1:3306',
  REDIS_URL: 'redis://127.0.0.1:6379',
};

export default async function setup(_project: TestProject): Promise<() => Promise<void>> {
  if (process.env.KAFKA_BROKERS) {
    for (const [key, value] of Object.entries(LOCAL_DEFAULTS)) process.env[key] ??= value;
  } else if (process.env.TEST_INFRA !== 'local' && (await dockerAvailable())) {
    containers = await startContainers();
    Object.assign(process.env, containers.env);
  } else {
    const script = `${root}infra/local/infra.sh`;
    if (!existsSync(script)) throw new Error(`missing ${script}`);
    execFileSync('bash', [script, 'start'], { stdio: 'inherit' });
    Object.assign(process.env, LOCAL_DEFAULTS);
  }
  return async () => {
    await containers?.stop();
  };
}
