// Static checks of docker-compose.yml (no Docker needed): the services exist, host ports
// follow the public contract, image versions match the Docker-free infra, every app
// service's environment satisfies that service's own env schema, start-up order waits for
// healthy dependencies, and Kafka/registry addresses point at something that exists.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');

// ---- the public contract (CONTRACT.md: "Services and default ports") ----
const APP_SERVICES = ['order', 'payment', 'inventory', 'notify'] as const;
type AppService = (typeof APP_SERVICES)[number];
const INFRA_SERVICES = ['kafka', 'schema-registry', 'kafka-ui', 'mysql', 'redis'] as const;
const HOST_PORTS: Record<string, number> = {
  order: 8080,
  'schema-registry': 8081,
  payment: 8082,
  inventory: 8083,
  notify: 8084,
  kafka: 9092,
  'kafka-ui': 8090,
  mysql: 3306,
  redis: 6379,
};
const DATABASES: Record<AppService, string> = {
  order: 'orders',
  payment: 'payments',
  inventory: 'inventory',
  notify: 'notify',
};
const CCOMPAT_PATH = '/apis/ccompat/v7';
/** The shared contract document, when this checkout sits next to it; the tables above restate it. */
const CONTRACT_MD = '/work/shared/CONTRACT.md';

// ---- compose model (only what is checked) ----
type Healthcheck = { test?: string | string[]; disable?: boolean };
type DependsOn = string[] | Record<string, { condition?: string } | null>;
type PortSpec = string | number | { target?: number | string; published?: number | string };
type ComposeService = {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; args?: Record<string, string> | string[] };
  ports?: PortSpec[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: DependsOn;
  healthcheck?: Healthcheck;
  restart?: string;
  volumes?: (string | { type?: string; source?: string; target?: string })[];
};
type ComposeFile = { services?: Record<string, ComposeService>; volumes?: Record<string, unknown> };

const compose = parse(read('docker-compose.yml'), { merge: true }) as ComposeFile;
const services = compose.services ?? {};

function service(name: string): ComposeService {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

/** The service's environment as strings; `KEY` without a value (host passthrough) is kept as undefined. */
function environment(name: string): Record<string, string | undefined> {
  const env = service(name).environment ?? {};
  const out: Record<string, string | undefined> = {};
  if (Array.isArray(env)) {
    for (const entry of env) {
      const eq = entry.indexOf('=');
      if (eq === -1) out[entry] = undefined;
      else out[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
  } else {
    for (const [key, value] of Object.entries(env)) out[key] = value === null ? undefined : String(value);
  }
  return out;
}

function envVar(name: string, key: string): string {
  const value = environment(name)[key];
  if (value === undefined)
    throw new Error(`${name}: environment variable ${key} is not set in docker-compose.yml`);
  return value;
}

type PortMapping = { host: number | undefined; container: number };

/** Short syntax `[ip:]host:container[/proto]`, a bare container port, or the long syntax. Ranges are not used here. */
function portMappings(name: string): PortMapping[] {
  return (service(name).ports ?? []).map((spec): PortMapping => {
    if (typeof spec === 'object') {
      return {
        host: spec.published === undefined ? undefined : Number(spec.published),
        container: Number(spec.target),
      };
    }
    const parts = String(spec)
      .replace(/\/(tcp|udp)$/, '')
      .split(':');
    const container = Number(parts.at(-1));
    const host = parts.length >= 2 ? Number(parts.at(-2)) : undefined;
    if (!Number.isInteger(container) || (host !== undefined && !Number.isInteger(host))) {
      throw new Error(`${name}: cannot read port mapping ${JSON.stringify(spec)}`);
    }
    return { host, container };
  });
}

function dependsOn(name: string): Record<string, string | undefined> {
  const deps = service(name).depends_on;
  if (!deps) return {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((dep) => [dep, undefined]));
  return Object.fromEntries(Object.entries(deps).map(([dep, spec]) => [dep, spec?.condition]));
}

function hasHealthcheck(name: string): boolean {
  const check = service(name).healthcheck;
  if (!check || check.disable) return false;
  const test = Array.isArray(check.test) ? check.test : check.test === undefined ? [] : [check.test];
  return test.length > 0 && test[0] !== 'NONE';
}

function healthcheckText(name: string): string {
  const test = service(name).healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : (test ?? '');
}

function imageTag(name: string): { repository: string; tag: string | undefined } {
  const image = service(name).image;
  if (!image) throw new Error(`${name}: no image in docker-compose.yml`);
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/')
    ? { repository: image.slice(0, at), tag: image.slice(at + 1) }
    : { repository: image, tag: undefined };
}

/** `NAME://host:port,…` (Kafka listener lists) → name → host:port. */
function listeners(value: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = /^([A-Za-z0-9_]+):\/\/(.*)$/.exec(entry);
    if (!match?.[1] || match[2] === undefined) throw new Error(`cannot read Kafka listener "${entry}"`);
    out.set(match[1], match[2]);
  }
  return out;
}

function shellVar(script: string, name: string): string {
  const match = new RegExp(`^${name}="([^"]+)"`, 'm').exec(script);
  if (!match?.[1]) throw new Error(`infra/local/infra.sh defines no ${name}="…"`);
  return match[1];
}

// ---- the services' env schemas (zod 4 objects; notify's carries a superRefine) ----
type Parseable = {
  safeParse(value: unknown): {
    success: boolean;
    error?: { issues: { path: PropertyKey[]; message: string }[] };
  };
};
type EnvSchema = Parseable & { shape?: Record<string, Parseable>; _zod?: { def?: Record<string, unknown> } };

/** The object shape of an env schema, looking through wrappers (pipe, transform, default…) if there are any. */
function shapeOf(schema: EnvSchema, service: string): Record<string, Parseable> {
  for (let current: EnvSchema | undefined = schema, depth = 0; current && depth < 10; depth++) {
    if (current.shape && typeof current.shape === 'object') return current.shape;
    const def = current._zod?.def;
    current = (def?.in ?? def?.innerType ?? def?.schema) as EnvSchema | undefined;
  }
  throw new Error(
    `services/${service}/src/config.ts: envSchema has no object shape to read the variable names from`,
  );
}

async function envSchemaOf(
  name: AppService,
): Promise<{ schema: EnvSchema; shape: Record<string, Parseable> }> {
  const module = (await import(`../services/${name}/src/config.ts`)) as { envSchema?: EnvSchema };
  if (!module.envSchema) throw new Error(`services/${name}/src/config.ts does not export envSchema`);
  return { schema: module.envSchema, shape: shapeOf(module.envSchema, name) };
}

function formatIssues(result: ReturnType<Parseable['safeParse']>): string {
  return (result.error?.issues ?? [])
    .map((issue) => `${issue.path.map(String).join('.') || '(env)'}: ${issue.message}`)
    .join('; ');
}

// =====================================================================================

describe('docker-compose.yml', () => {
  it('defines the infrastructure and the four services', () => {
    const missing = [...INFRA_SERVICES, ...APP_SERVICES].filter((name) => !services[name]);
    expect(missing, `services missing from docker-compose.yml: ${missing.join(', ')}`).toEqual([]);
  });

  describe('host ports follow the contract', () => {
    it.each(Object.entries(HOST_PORTS))('%s is published on host port %i', (name, port) => {
      const published = portMappings(name).map((m) => m.host);
      expect(
        published,
        `${name}: expected host port ${port}, compose publishes ${JSON.stringify(published)}`,
      ).toContain(port);
    });

    it('no two services publish the same host port', () => {
      const owners = new Map<number, string[]>();
      for (const name of Object.keys(services)) {
        for (const { host } of portMappings(name))
          if (host !== undefined) owners.set(host, [...(owners.get(host) ?? []), name]);
      }
      const clashes = [...owners]
        .filter(([, names]) => names.length > 1)
        .map(([port, names]) => `${port}: ${names.join(', ')}`);
      expect(clashes, `host ports published twice: ${clashes.join('; ')}`).toEqual([]);
    });

    it.skipIf(!existsSync(CONTRACT_MD))('the port and database tables above agree with CONTRACT.md', () => {
      const rows = readFileSync(CONTRACT_MD, 'utf8')
        .split('\n')
        .map((line) => /^\|\s*([^|]+?)\s*\|\s*(\d+)\s*\|\s*([^|]*?)\s*\|/.exec(line))
        .filter((match) => match !== null);
      const contract = new Map(
        rows.map((match) => {
          const name = (match[1] ?? '')
            .replace(/\(.*\)/, '')
            .trim()
            .toLowerCase()
            .replace(/\s+/g, '-');
          return [
            name,
            { port: Number(match[2]), database: (match[3] ?? '').replace(/`/g, '').trim() },
          ] as const;
        }),
      );
      for (const name of [
        'order',
        'payment',
        'inventory',
        'notify',
        'schema-registry',
        'kafka',
        'kafka-ui',
      ]) {
        expect(contract.get(name)?.port, `CONTRACT.md port of ${name}`).toBe(HOST_PORTS[name]);
      }
      for (const name of APP_SERVICES)
        expect(contract.get(name)?.database, `CONTRACT.md database of ${name}`).toBe(DATABASES[name]);
    });
  });

  describe('images', () => {
    const infraScript = read('infra/local/infra.sh');

    it('kafka runs the Kafka version of the local infrastructure (infra.sh KAFKA_VERSION)', () => {
      const expected = shellVar(infraScript, 'KAFKA_VERSION');
      expect(imageTag('kafka'), `kafka: image must be apache/kafka:${expected}`).toEqual({
        repository: 'apache/kafka',
        tag: expected,
      });
    });

    it('schema-registry runs the Apicurio version of the local infrastructure (infra.sh APICURIO_VERSION)', () => {
      const expected = shellVar(infraScript, 'APICURIO_VERSION');
      expect(
        imageTag('schema-registry'),
        `schema-registry: image must be apicurio/apicurio-registry:${expected}`,
      ).toEqual({
        repository: 'apicurio/apicurio-registry',
        tag: expected,
      });
    });

    it('the testcontainers path (test/support/containers.ts) uses the same infrastructure images', () => {
      const used = [...read('test/support/containers.ts').matchAll(/new GenericContainer\('([^']+)'\)/g)].map(
        (m) => m[1],
      );
      for (const name of ['kafka', 'schema-registry', 'mysql', 'redis']) {
        expect(
          used,
          `${name}: compose image ${service(name).image} is not the one test/support/containers.ts starts`,
        ).toContain(service(name).image);
      }
    });

    it('every image is pinned to a version tag', () => {
      for (const name of INFRA_SERVICES) {
        const { tag } = imageTag(name);
        expect(
          tag === undefined || ['latest', 'main', 'master'].includes(tag),
          `${name}: image ${service(name).image} is not pinned`,
        ).toBe(false);
      }
    });
  });

  describe.each(APP_SERVICES)('%s service', (name) => {
    it('is built from infra/docker/Dockerfile for itself and restarts unless stopped', () => {
      const build = service(name).build;
      expect(typeof build === 'object' && build !== null, `${name}: needs a build section`).toBe(true);
      const spec = build as Exclude<ComposeService['build'], string | undefined>;
      expect(spec.dockerfile, `${name}: build.dockerfile`).toBe('infra/docker/Dockerfile');
      expect(spec.context ?? '.', `${name}: build.context must be the repository root`).toMatch(/^\.\/?$/);
      const args: Record<string, string> = Array.isArray(spec.args)
        ? Object.fromEntries(
            spec.args.map((a): [string, string] => [a.split('=')[0] ?? '', a.split('=').slice(1).join('=')]),
          )
        : (spec.args ?? {});
      expect(args.SERVICE, `${name}: build arg SERVICE`).toBe(name);
      expect(service(name).restart, `${name}: restart`).toBe('unless-stopped');
    });

    it('sets only variables its env schema knows (no typos)', async () => {
      const { shape } = await envSchemaOf(name);
      const unknown = Object.keys(environment(name)).filter((key) => !(key in shape));
      expect(
        unknown,
        `${name}: variables not in services/${name}/src/config.ts envSchema: ${unknown.join(', ')}`,
      ).toEqual([]);
    });

    it('sets every variable its env schema requires', async () => {
      const { shape } = await envSchemaOf(name);
      const env = environment(name);
      const required = Object.keys(shape).filter((key) => shape[key]?.safeParse(undefined).success === false);
      expect(
        required.length,
        `${name}: envSchema should require something (KAFKA_BROKERS, MYSQL_URL, …)`,
      ).toBeGreaterThan(0);
      const missing = required.filter((key) => env[key] === undefined);
      expect(missing, `${name}: required variables not set by compose: ${missing.join(', ')}`).toEqual([]);
    });

    it('passes its env schema as compose sets it', async () => {
      const { schema } = await envSchemaOf(name);
      const result = schema.safeParse(environment(name));
      expect(
        result.success,
        `${name}: envSchema rejects the compose environment: ${formatIssues(result)}`,
      ).toBe(true);
    });

    it('listens on its contract port, which is the container side of its port mapping', () => {
      const port = Number(envVar(name, 'PORT'));
      expect(port, `${name}: PORT must be the contract port ${HOST_PORTS[name]}`).toBe(HOST_PORTS[name]);
      const mapping = portMappings(name).find((m) => m.host === HOST_PORTS[name]);
      expect(
        mapping?.container,
        `${name}: host port ${HOST_PORTS[name]} must map to PORT ${port} in the container`,
      ).toBe(port);
    });

    it(`uses its own database`, () => {
      const url = new URL(envVar(name, 'MYSQL_URL'));
      expect(url.protocol, `${name}: MYSQL_URL scheme`).toBe('mysql:');
      expect(url.pathname.replace(/^\//, ''), `${name}: MYSQL_URL database`).toBe(DATABASES[name]);
      expect(url.hostname, `${name}: MYSQL_URL host must be the mysql service`).toBe('mysql');
    });

    it('has a readiness healthcheck on its own port', () => {
      expect(hasHealthcheck(name), `${name}: needs a healthcheck`).toBe(true);
      const text = healthcheckText(name);
      expect(text, `${name}: healthcheck must call /health/ready on port ${HOST_PORTS[name]}`).toMatch(
        new RegExp(`(localhost|127\\.0\\.0\\.1):${HOST_PORTS[name]}/health/ready`),
      );
    });

    it('waits for a healthy instance of everything its environment points at', () => {
      const env = environment(name);
      const hosts = [
        ...(env.KAFKA_BROKERS ?? '').split(',').map((broker) => broker.split(':')[0]),
        ...[env.SCHEMA_REGISTRY_URL, env.MYSQL_URL, env.REDIS_URL]
          .filter((u) => u !== undefined)
          .map((u) => new URL(u).hostname),
      ].filter((host): host is string => Boolean(host));
      const deps = dependsOn(name);
      for (const host of new Set(hosts)) {
        expect(
          services[host],
          `${name}: its environment points at "${host}", which is no compose service`,
        ).toBeDefined();
        expect(deps[host], `${name}: depends_on must include ${host} with condition: service_healthy`).toBe(
          'service_healthy',
        );
      }
    });
  });

  it('order uses Redis; payment never declines at random; notify logs', () => {
    expect(new URL(envVar('order', 'REDIS_URL')).hostname, 'order: REDIS_URL host').toBe('redis');
    expect(Number(envVar('payment', 'PAYMENT_FAILURE_RATE')), 'payment: PAYMENT_FAILURE_RATE').toBe(0);
    expect(envVar('notify', 'NOTIFY_CHANNELS'), 'notify: NOTIFY_CHANNELS').toBe('log');
  });

  it('every depends_on waits for service_healthy on a service that has a healthcheck', () => {
    const problems: string[] = [];
    for (const name of Object.keys(services)) {
      for (const [dep, condition] of Object.entries(dependsOn(name))) {
        if (!services[dep]) problems.push(`${name} depends on unknown service ${dep}`);
        else if (condition !== 'service_healthy')
          problems.push(`${name} → ${dep}: condition is ${condition ?? '(none)'}, not service_healthy`);
        else if (!hasHealthcheck(dep)) problems.push(`${name} → ${dep}: ${dep} has no healthcheck`);
      }
    }
    expect(problems, problems.join('; ')).toEqual([]);
  });

  describe('kafka', () => {
    const env = () => environment('kafka');

    it('is a single KRaft node without topic auto-creation', () => {
      const e = env();
      expect(e.KAFKA_PROCESS_ROLES?.split(',').sort(), 'kafka: KAFKA_PROCESS_ROLES').toEqual([
        'broker',
        'controller',
      ]);
      expect(e.KAFKA_NODE_ID, 'kafka: KAFKA_NODE_ID').toBe('1');
      expect(
        e.KAFKA_CONTROLLER_QUORUM_VOTERS,
        'kafka: KAFKA_CONTROLLER_QUORUM_VOTERS must name node 1',
      ).toMatch(/^1@[^,]+:\d+$/);
      expect(e.CLUSTER_ID, 'kafka: CLUSTER_ID (fixed, so the data volume is reused)').toBeTruthy();
      expect(e.KAFKA_AUTO_CREATE_TOPICS_ENABLE, 'kafka: KAFKA_AUTO_CREATE_TOPICS_ENABLE').toBe('false');
      expect(e.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR, 'kafka: KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR').toBe(
        '1',
      );
      expect(
        e.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR,
        'kafka: KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR',
      ).toBe('1');
      expect(e.KAFKA_TRANSACTION_STATE_LOG_MIN_ISR, 'kafka: KAFKA_TRANSACTION_STATE_LOG_MIN_ISR').toBe('1');
      expect(e.KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS, 'kafka: KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS').toBe(
        '0',
      );
    });

    it('binds every advertised listener, maps every listener to a protocol, and has a controller listener', () => {
      const e = env();
      const bound = listeners(envVar('kafka', 'KAFKA_LISTENERS'));
      const advertised = listeners(envVar('kafka', 'KAFKA_ADVERTISED_LISTENERS'));
      const protocols = new Set(
        envVar('kafka', 'KAFKA_LISTENER_SECURITY_PROTOCOL_MAP')
          .split(',')
          .map((p) => p.split(':')[0]),
      );
      for (const [listener, address] of advertised) {
        expect(
          bound.get(listener)?.split(':').at(-1),
          `kafka: advertised ${listener}://${address} has no bound listener on that port`,
        ).toBe(address.split(':').at(-1));
      }
      for (const listener of bound.keys())
        expect(protocols.has(listener), `kafka: ${listener} missing from the security protocol map`).toBe(
          true,
        );
      const controller = envVar('kafka', 'KAFKA_CONTROLLER_LISTENER_NAMES');
      expect(bound.has(controller), `kafka: controller listener ${controller} is not bound`).toBe(true);
      expect(
        advertised.has(controller),
        `kafka: controller listener ${controller} must not be advertised`,
      ).toBe(false);
      if (e.KAFKA_INTER_BROKER_LISTENER_NAME) {
        expect(
          advertised.has(e.KAFKA_INTER_BROKER_LISTENER_NAME),
          'kafka: inter-broker listener must be advertised',
        ).toBe(true);
      }
    });

    it('advertises localhost:9092 to the host on the published port 9092', () => {
      const advertised = [...listeners(envVar('kafka', 'KAFKA_ADVERTISED_LISTENERS')).values()];
      expect(
        advertised,
        'kafka: one listener must be advertised as localhost:9092 for host clients',
      ).toContain('localhost:9092');
      expect(
        portMappings('kafka').find((m) => m.host === 9092)?.container,
        'kafka: host 9092 must map to container 9092',
      ).toBe(9092);
    });

    it('keeps its log dirs on a named volume and checks health with its own scripts', () => {
      const logDirs = envVar('kafka', 'KAFKA_LOG_DIRS');
      const mounts = (service('kafka').volumes ?? []).map((v) =>
        typeof v === 'string' ? v.split(':') : [v.source, v.target],
      );
      const mount = mounts.find(([, target]) => target === logDirs);
      expect(mount, `kafka: KAFKA_LOG_DIRS ${logDirs} is not a mounted volume`).toBeDefined();
      expect(Object.keys(compose.volumes ?? {}), 'kafka: the data volume must be a named volume').toContain(
        mount?.[0],
      );
      expect(healthcheckText('kafka'), 'kafka: healthcheck').toMatch(
        /\/opt\/kafka\/bin\/kafka-broker-api-versions\.sh/,
      );
    });
  });

  describe('Kafka and registry addresses used from other containers', () => {
    /** Advertised listeners reachable from another container: not the host-only localhost ones. */
    const inNetwork = () =>
      [...listeners(envVar('kafka', 'KAFKA_ADVERTISED_LISTENERS')).values()].filter(
        (a) => !/^(localhost|127\.|\[?::1)/.test(a),
      );

    it.each(['kafka-ui', ...APP_SERVICES])(
      '%s bootstraps from a listener kafka advertises inside the network',
      (name) => {
        const key = name === 'kafka-ui' ? 'KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS' : 'KAFKA_BROKERS';
        for (const broker of envVar(name, key).split(',')) {
          expect(
            inNetwork(),
            `${name}: ${key} names ${broker}, which kafka does not advertise to other containers`,
          ).toContain(broker);
        }
      },
    );

    it.each(['kafka-ui', ...APP_SERVICES])(
      '%s reaches the registry at schema-registry with path /apis/ccompat/v7',
      (name) => {
        const key = name === 'kafka-ui' ? 'KAFKA_CLUSTERS_0_SCHEMAREGISTRY' : 'SCHEMA_REGISTRY_URL';
        const url = new URL(envVar(name, key));
        expect(url.hostname, `${name}: ${key} host`).toBe('schema-registry');
        const containerPorts = portMappings('schema-registry').map((m) => m.container);
        expect(
          containerPorts,
          `${name}: ${key} port ${url.port} is not the registry's container port`,
        ).toContain(Number(url.port || 80));
        expect(url.pathname.replace(/\/$/, ''), `${name}: ${key} path`).toBe(CCOMPAT_PATH);
      },
    );

    it('kafka-ui names the cluster "local" and waits for healthy kafka and schema-registry', () => {
      expect(envVar('kafka-ui', 'KAFKA_CLUSTERS_0_NAME'), 'kafka-ui: KAFKA_CLUSTERS_0_NAME').toBe('local');
      expect(
        portMappings('kafka-ui').find((m) => m.host === 8090)?.container,
        'kafka-ui: host 8090 must map to its 8080',
      ).toBe(8080);
      expect(dependsOn('kafka-ui'), 'kafka-ui: depends_on').toMatchObject({
        kafka: 'service_healthy',
        'schema-registry': 'service_healthy',
      });
    });
  });

  it('schema-registry defaults to BACKWARD compatibility and checks /health/ready', () => {
    expect(
      envVar('schema-registry', 'APICURIO_RULES_GLOBAL_COMPATIBILITY'),
      'schema-registry: APICURIO_RULES_GLOBAL_COMPATIBILITY',
    ).toBe('BACKWARD');
    expect(healthcheckText('schema-registry'), 'schema-registry: healthcheck').toMatch(/\/health\/ready/);
  });

  it('mysql allows root without a password and redis answers ping', () => {
    expect(envVar('mysql', 'MYSQL_ALLOW_EMPTY_PASSWORD'), 'mysql: MYSQL_ALLOW_EMPTY_PASSWORD').toBe('yes');
    expect(healthcheckText('mysql'), 'mysql: healthcheck').toMatch(/mysqladmin ping/);
    expect(healthcheckText('redis'), 'redis: healthcheck').toMatch(/redis-cli ping/);
  });
});

describe('infra/docker/Dockerfile', () => {
  const dockerfile = read('infra/docker/Dockerfile');
  const workspaces = (JSON.parse(read('package.json')) as { workspaces?: string[] }).workspaces ?? [];

  it('installs from the manifest of every workspace before copying sources', () => {
    for (const workspace of workspaces) {
      expect(
        dockerfile,
        `Dockerfile: COPY ${workspace}/package.json is missing (npm ci needs every workspace manifest)`,
      ).toMatch(new RegExp(`^COPY ${workspace.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/package\\.json `, 'm'));
    }
    expect(dockerfile, 'Dockerfile: npm ci --omit=dev').toMatch(/npm ci [^\n]*--omit=dev/);
  });

  it('runs Node 24 as the non-root node user, started by SERVICE', () => {
    expect(dockerfile, 'Dockerfile: base image node:24').toMatch(/^FROM node:24[.\w-]*slim/m);
    expect(dockerfile, 'Dockerfile: USER node').toMatch(/^USER node$/m);
    expect(dockerfile, 'Dockerfile: STOPSIGNAL SIGTERM').toMatch(/^STOPSIGNAL SIGTERM$/m);
    expect(dockerfile, 'Dockerfile: CMD runs services/$SERVICE/src/main.ts').toMatch(
      /^CMD .*services\/\$\{?SERVICE\}?\/src\/main\.ts/m,
    );
  });
});
