// Per-test isolation: every test gets its own topic names, consumer group, database and
// Redis key prefix, so test files run in parallel and can be re-run without cleanup.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import mysql from 'mysql2/promise';
import { createPool, migrateService, type Pool } from '@commerce/platform/mysql';
import { ensureTopics } from '@commerce/platform/kafka';

export type TestInfra = { kafkaBrokers: string[]; registryUrl: string; mysqlUrl: string; redisUrl: string };

/** The infrastructure the global setup found (env vars). */
export function testInfra(): TestInfra {
  const need = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set: run the tests through vitest (global setup)`);
    return value;
  };
  return {
    kafkaBrokers: need('KAFKA_BROKERS').split(','),
    registryUrl: need('SCHEMA_REGISTRY_URL'),
    mysqlUrl: need('MYSQL_URL'),
    redisUrl: need('REDIS_URL'),
  };
}

/** A name no other test (or earlier run) uses: `<prefix>_<time>_<random>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export function testKafka(clientId = uniqueName('test')): Kafka {
  return new Kafka({ clientId, brokers: testInfra().kafkaBrokers, logLevel: logLevel.NOTHING });
}

/**
 * Creates topics (3 partitions by default) and waits for their leaders, through the
 * platform's ensureTopics: it retries the metadata races of a just-started broker.
 */
export async function createTopics(admin: Admin, topics: string[], numPartitions = 3): Promise<void> {
  await ensureTopics(admin, topics, { partitions: numPartitions, replicationFactor: 1 });
}

export type TestDatabase = { name: string; url: string; pool: Pool; drop: () => Promise<void> };

/** A fresh database (dropped by `drop`), migrated with the platform tables and optional service migrations. */
export async function createTestDatabase(
  prefix: string,
  serviceMigrationsDir?: string,
): Promise<TestDatabase> {
  const { mysqlUrl } = testInfra();
  const name = uniqueName(prefix).slice(0, 64);
  const url = `${mysqlUrl.replace(/\/$/, '')}/${name}`;
  if (serviceMigrationsDir) {
    await migrateService(mysqlUrl, name, serviceMigrationsDir);
  } else {
    await migrateService(mysqlUrl, name, new URL('./empty-migrations', import.meta.url).pathname);
  }
  const pool = createPool(mysqlUrl, name, 10);
  return {
    name,
    url,
    pool,
    async drop() {
      await pool.end();
      const connection = await mysql.createConnection(mysqlUrl);
      await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await connection.end();
    },
  };
}

/** Polls `probe` until it returns a value that is not undefined/false, or throws after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false>,
  { timeoutMs = 20_000, intervalMs = 100, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
}
