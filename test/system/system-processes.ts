// Runs the whole system as real processes, the way `make up` does (`node
// services/<name>/src/main.ts`, configured by environment only), but isolated: its own
// databases, topic prefix (and so consumer groups and registry subjects), Redis key prefix
// and free ports. Tests, `make chaos` and `make demo`'s checks drive it through HTTP and
// Kafka only, and may SIGKILL and restart any instance.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { freePort } from '../support/service-harness.ts';
import { DEFAULT_DATABASES, type ServiceName, type SystemTarget } from './checker/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SERVICES: ServiceName[] = ['order', 'payment', 'inventory', 'notify'];

export type Infra = { kafkaBrokers: string[]; registryUrl: string; mysqlUrl: string; redisUrl: string };

export type SystemOptions = {
  /** Names the databases (`<name>_orders`…), topics (`<name>.`), groups and log folder. */
  name: string;
  infra: Infra;
  /** Instances per service (default 1): several share the consumer group and database. */
  instances?: Partial<Record<ServiceName, number>>;
  /** Extra environment per service (PAYMENT_FAILURE_RATE, SAGA_TIMEOUT_MS…). */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
  /** How long one instance may take to answer /health/ready 200. */
  readyTimeoutMs?: number;
  /**
   * Act as the process supervisor: an instance that exits by itself (the runtime exits on a
   * crashed or stalled consumer, expecting to be restarted) is started again after 1 s.
   */
  supervise?: boolean;
};

export type Instance = {
  service: ServiceName;
  index: number;
  port: number;
  url: string;
  process: ChildProcess | undefined;
  /** Exits nobody asked for (crashes): a healthy run has none. */
  unexpectedExits: number;
  /** Set while the harness itself stops or kills the instance. */
  stopping: boolean;
};

export type RunningSystem = {
  name: string;
  target: SystemTarget;
  instances: Instance[];
  /** The first instance's base URL per service. */
  url: (service: ServiceName) => string;
  /** SIGKILLs the instance: no shutdown hooks, no flush, like a power cut. */
  kill: (instance: Instance) => Promise<void>;
  /** Starts a stopped or killed instance again (same port, same env plus `env`) and waits until ready. */
  restart: (instance: Instance, env?: Record<string, string>) => Promise<void>;
  /** Stops every instance (SIGTERM, graceful); `dropDatabases` also removes the state. */
  stop: (options?: { dropDatabases?: boolean }) => Promise<void>;
  logDir: string;
};

async function waitReady(instance: Instance, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (instance.process?.exitCode !== null && instance.process?.exitCode !== undefined)
      throw new Error(
        `${instance.service}#${instance.index} exited with ${instance.process.exitCode} during start-up`,
      );
    try {
      const response = await fetch(`${instance.url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${instance.service}#${instance.index} not ready after ${timeoutMs} ms`);
}

function waitExit(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts every service's instances and returns once all answer /health/ready 200. */
export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const { name, infra } = options;
  const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;
  const topicPrefix = `${name}.`;
  const databases = Object.fromEntries(SERVICES.map((s) => [s, `${name}_${DEFAULT_DATABASES[s]}`])) as Record<
    ServiceName,
    string
  >;
  const logDir = `${ROOT}.run/system/${name}`;
  mkdirSync(logDir, { recursive: true });

  const baseEnv = (service: ServiceName, port: number): Record<string, string> => ({
    PATH: process.env.PATH ?? '',
    PORT: String(port),
    LOG_LEVEL: 'info',
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: infra.registryUrl,
    MYSQL_URL: `${infra.mysqlUrl.replace(/\/$/, '')}/${databases[service]}`,
    KAFKA_TOPIC_PREFIX: topicPrefix,
    ...(service === 'order' ? { REDIS_URL: infra.redisUrl, ORDER_CACHE_KEY_PREFIX: `${name}:` } : {}),
    ...options.env?.[service],
  });
  const envOf = new Map<Instance, Record<string, string>>();

  const launch = (instance: Instance) => {
    const log = createWriteStream(`${logDir}/${instance.service}-${instance.index}.log`, { flags: 'a' });
    const child = spawn(process.execPath, [`services/${instance.service}/src/main.ts`], {
      cwd: ROOT,
      env: envOf.get(instance),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    child.once('exit', () => {
      if (instance.process !== child || instance.stopping) return;
      instance.unexpectedExits += 1;
      if (options.supervise) setTimeout(() => instance.stopping || launch(instance), 1_000);
    });
    instance.process = child;
    instance.stopping = false;
  };

  const instances: Instance[] = [];
  for (const service of SERVICES) {
    for (let index = 0; index < (options.instances?.[service] ?? 1); index += 1) {
      const port = await freePort();
      const instance: Instance = {
        service,
        index,
        port,
        url: `http://127.0.0.1:${port}`,
        process: undefined,
        unexpectedExits: 0,
        stopping: false,
      };
      envOf.set(instance, baseEnv(service, port));
      instances.push(instance);
    }
  }
  const system: RunningSystem = {
    name,
    logDir,
    instances,
    target: {
      mysqlUrl: infra.mysqlUrl,
      databases,
      kafkaBrokers: infra.kafkaBrokers,
      registryUrl: infra.registryUrl,
      topicPrefix,
    },
    url: (service) => instances.find((i) => i.service === service)!.url,
    async kill(instance) {
      const child = instance.process;
      instance.stopping = true;
      child?.kill('SIGKILL');
      await waitExit(child);
    },
    async restart(instance, env = {}) {
      const child = instance.process;
      if (child && child.exitCode === null && child.signalCode === null) {
        instance.stopping = true;
        child.kill('SIGTERM');
        await waitExit(child);
      }
      envOf.set(instance, { ...envOf.get(instance), ...env });
      launch(instance);
      await waitReady(instance, readyTimeoutMs);
    },
    async stop({ dropDatabases = false } = {}) {
      await Promise.all(
        instances.map(async (instance) => {
          const child = instance.process;
          instance.stopping = true;
          child?.kill('SIGTERM');
          const killer = setTimeout(() => child?.kill('SIGKILL'), 20_000);
          await waitExit(child);
          clearTimeout(killer);
        }),
      );
      if (dropDatabases) {
        const connection = await mysql.createConnection(infra.mysqlUrl);
        for (const database of Object.values(databases))
          await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
        await connection.end();
      }
    },
  };
  try {
    // The first instance of each service migrates its database and creates the topics; the
    // services start together, as under `make up`, and their extra instances join after.
    const first = instances.filter((i) => i.index === 0);
    first.forEach(launch);
    await Promise.all(first.map((i) => waitReady(i, readyTimeoutMs)));
    const extra = instances.filter((i) => i.index > 0);
    extra.forEach(launch);
    await Promise.all(extra.map((i) => waitReady(i, readyTimeoutMs)));
  } catch (error) {
    await system.stop();
    throw new Error(`${(error as Error).message} (logs in ${logDir})`, { cause: error });
  }
  return system;
}
