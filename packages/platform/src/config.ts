// Environment-only configuration, validated once at start. Each service declares a zod
// object whose keys are env var names; a missing or malformed value stops the process with
// one line naming the variable. Nothing else in the code base reads process.env.
import { z } from 'zod';

/** Parses `env` with `schema`; on failure throws a ConfigError whose message is one line per bad variable. */
export function parseConfig<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(env)';
    const value = env[name];
    const shown = value === undefined ? 'missing' : `got ${JSON.stringify(redact(name, value))}`;
    return `invalid configuration: ${name}: ${issue.message} (${shown})`;
  });
  throw new ConfigError(lines.join('\n'));
}

/** Like parseConfig, but prints the problem and exits 1: for a service's main.ts. */
export function loadConfigOrExit<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  try {
    return parseConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function redact(name: string, value: string): string {
  return /PASSWORD|SECRET|KEY|TOKEN/i.test(name)
    ? '***'
    : value.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}

const boolFromEnv = z
  .enum(['true', 'false', '1', '0'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1');

const urlWithProtocol = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `expected a ${protocols.join(' or ')}// URL` },
  );

/** Env keys shared by every service. Spread into a service's own schema. */
export const commonEnv = {
  PORT: z.coerce.number().int().min(1).max(65535),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KAFKA_BROKERS: z
    .string()
    .regex(/^[^\s,:]+:\d+(,[^\s,:]+:\d+)*$/, { message: 'expected host:port[,host:port…]' })
    .transform((v) => v.split(',')),
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
  KAFKA_SSL: boolFromEnv.default(false),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  /** Prepended to every topic name (and so to registry subjects): isolates tests and environments. */
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, { message: 'only letters, digits, . _ -' })
    .default(''),
  /**
   * How long the group waits for a silent member before giving its partitions away: also how
   * long a crashed-and-restarted instance waits to rejoin (kafkajs has no static membership).
   */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(300_000).default(10_000),
  KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(3),
  KAFKA_TOPIC_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(7).default(1),
  SCHEMA_REGISTRY_URL: urlWithProtocol(['http:', 'https:']),
  MYSQL_URL: urlWithProtocol(['mysql:']),
  MYSQL_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Consecutive records of a partition the consumer applies in one transaction (1: one per record). */
  CONSUMER_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(50),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
} as const;

export const redisEnv = {
  REDIS_URL: urlWithProtocol(['redis:', 'rediss:']),
} as const;

export type CommonConfig = z.infer<z.ZodObject<typeof commonEnv>>;
export { boolFromEnv, urlWithProtocol };
